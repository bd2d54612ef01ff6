/*
 * fuzz_tuf_scan.c - the lean reading of a targets file (tuf_scan.c): the
 * input is scanned and parsed lean.  When the scan stands for it, it must
 * agree with a tree of the same bytes wherever jansson reads them without
 * a doubt (no duplicate member anywhere):
 *   - the same targets, each with the sha256 and length trust.c's
 *     target_entry reads from the tree, and no other;
 *   - the "signed" and "targets" ranges are the bytes of those values
 *     (each parses to the tree's value);
 *   - a lean parse gives the version and expiry a whole parse gives.
 */
#include "fuzz.h"

#include "tuf_scan.h"

#include <jansson.h>

static json_t *load_range(const uint8_t *data, size_t off, size_t len)
{
	return json_loadb((const char *)data + off, len, JSON_REJECT_DUPLICATES, NULL);
}

/* target_entry (trust.c) on the tree: 1 and what it reads, or 0. */
static int tree_entry(const json_t *v, unsigned char sha[32], uint64_t *size)
{
	const char *h = json_string_value(json_object_get(json_object_get(v, "hashes"), "sha256"));
	const json_t *l = json_object_get(v, "length");
	sign_buf raw = SIGN_BUF_INIT;
	int ok = h != NULL && signp_b64_decode(&raw, h, strlen(h)) == SIGN_OK && raw.size == 32;
	if (ok) {
		memcpy(sha, raw.ptr, 32);
		*size = json_is_integer(l) && json_integer_value(l) > 0 ? (uint64_t)json_integer_value(l) : 0;
	}
	sign_buf_dispose(&raw);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	signp_tuf_scan *s = NULL;
	signp_tuf_file *lean = NULL, *whole = NULL;
	json_t *doc, *targets, *v, *sv, *tv;
	const char *name;
	size_t n = 0;
	sign_error err;

	memset(&err, 0, sizeof(err));
	if (signp_tuf_scan_targets(&s, data, size, &err) != SIGN_OK)
		return 0;
	FUZZ_ASSERT(s->signed_off < size && s->signed_len <= size - s->signed_off);
	FUZZ_ASSERT(s->targets_off >= s->signed_off &&
		    s->targets_off + s->targets_len <= s->signed_off + s->signed_len);
	for (size_t i = 0; i < s->ntargets; i++)
		FUZZ_ASSERT(s->targets[i].name_off + s->targets[i].name_len <= s->names_len);
	doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (doc == NULL)
		goto out; /* jansson doubts it (a duplicate, a NUL): no oracle */
	sv = load_range(data, s->signed_off, s->signed_len);
	tv = load_range(data, s->targets_off, s->targets_len);
	FUZZ_ASSERT(sv != NULL && json_equal(sv, json_object_get(doc, "signed")));
	targets = json_object_get(json_object_get(doc, "signed"), "targets");
	FUZZ_ASSERT(tv != NULL && json_equal(tv, targets));
	json_decref(sv);
	json_decref(tv);
	json_object_foreach(targets, name, v) {
		unsigned char sha[32];
		uint64_t len;
		if (!tree_entry(v, sha, &len))
			continue;
		/* the scan keeps the file's order, as jansson does */
		FUZZ_ASSERT(n < s->ntargets);
		FUZZ_ASSERT(s->targets[n].name_len == strlen(name) &&
			    memcmp(s->names + s->targets[n].name_off, name, strlen(name)) == 0);
		FUZZ_ASSERT(memcmp(s->targets[n].sha256, sha, 32) == 0 && s->targets[n].size == len);
		n++;
	}
	FUZZ_ASSERT(n == s->ntargets);
	if (signp_tuf_parse(&whole, "targets", data, size, &err) == SIGN_OK) {
		sign_buf copy = SIGN_BUF_INIT;
		memset(&err, 0, sizeof(err));
		FUZZ_ASSERT(signp_buf_put(&copy, data, size) == SIGN_OK);
		FUZZ_ASSERT(signp_tuf_parse_lean(&lean, "targets", &copy, &err) == SIGN_OK);
		FUZZ_ASSERT(copy.ptr == NULL);
		FUZZ_ASSERT(lean->version == whole->version && lean->expires == whole->expires);
		FUZZ_ASSERT(lean->len == size && memcmp(lean->bytes, data, size) == 0);
		FUZZ_ASSERT(lean->scan != NULL && lean->scan->ntargets == s->ntargets);
	}
	json_decref(doc);
out:
	signp_tuf_file_free(lean);
	signp_tuf_file_free(whole);
	signp_tuf_scan_free(s);
	return 0;
}

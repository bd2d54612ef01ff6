/*
 * manytags.c - many tags with their own digests, fast, for the migrate
 * test and benchmark (no image build, no process per tag).
 *
 *   manytags registry HOST REPO BASETAG FIRST LAST [EVERY]
 *       PUT the manifest of REPO:BASETAG again, with an annotation n=I,
 *       under tag tI for I in FIRST..LAST (every EVERY-th I; default 1):
 *       each tag its own digest, the blobs shared.
 *   manytags changelist DIR HOST REPO BASETAG FIRST LAST
 *       stage in notary's changelist folder DIR a target tI for each I in
 *       FIRST..LAST, whose content is the manifest tI gets above, so that
 *       one `notary publish` signs them all (notary add costs a process
 *       per tag).
 * The manifest of tI is the base manifest's bytes with its closing brace
 * replaced by ,"annotations":{"n":"I"}} (as test_batch_push.sh makes them).
 * Exit: 0 ok, 1 failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "registry.h"

static int fail(const char *what, const sign_error *err)
{
	fprintf(stderr, "manytags: %s: %s\n", what, err ? err->message : "failed");
	return 1;
}

/* The manifest of tag i, from the base manifest's bytes. */
static int variant(sign_buf *out, const sign_buf *base, long i)
{
	size_t end = base->size;
	while (end > 0 && base->ptr[end - 1] != '}')
		end--;
	if (end == 0)
		return SIGN_EFORMAT;
	signp_buf_clear(out);
	if (signp_buf_put(out, base->ptr, end - 1) != SIGN_OK)
		return SIGN_ENOMEM;
	return signp_buf_printf(out, ",\"annotations\":{\"n\":\"%ld\"}}", i);
}

int main(int argc, char **argv)
{
	signp_registry *r = NULL;
	signp_registry_options o;
	sign_buf base = SIGN_BUF_INIT, m = SIGN_BUF_INIT, meta = SIGN_BUF_INIT, b64 = SIGN_BUF_INIT;
	sign_error err;
	char mt[256] = "", dg[80];
	int reg, at;
	long first, last, every = 1, i;

	memset(&err, 0, sizeof(err));
	if (argc < 7 || (strcmp(argv[1], "registry") != 0 && strcmp(argv[1], "changelist") != 0)) {
		fprintf(stderr, "usage: manytags registry HOST REPO BASETAG FIRST LAST [EVERY]\n"
			"       manytags changelist DIR HOST REPO BASETAG FIRST LAST\n");
		return 1;
	}
	reg = strcmp(argv[1], "registry") == 0;
	at = reg ? 2 : 3;
	if (!reg && argc < 8)
		return fail("changelist needs DIR HOST REPO BASETAG FIRST LAST", NULL);
	first = strtol(argv[at + 3], NULL, 10);
	last = strtol(argv[at + 4], NULL, 10);
	if (reg && argc > 7)
		every = strtol(argv[7], NULL, 10);
	if (first < 1 || last < first || every < 1)
		return fail("bad range", NULL);
	if (sign_global_init() != SIGN_OK)
		return fail("init", NULL);
	memset(&o, 0, sizeof(o));
	o.host = argv[at];
	o.insecure = 1;
	o.scheme_hint = "http";
	if (signp_registry_new(&r, &o, &err) != SIGN_OK ||
	    signp_registry_get_manifest(r, argv[at + 1], argv[at + 2], &base, mt, dg, &err) != SIGN_OK)
		return fail("reading the base manifest", &err);
	for (i = first; i <= last; i += every) {
		if (variant(&m, &base, i) != SIGN_OK)
			return fail("bad base manifest", NULL);
		if (reg) {
			char tag[32];
			snprintf(tag, sizeof(tag), "t%ld", i);
			if (signp_registry_put_manifest(r, argv[at + 1], tag, m.ptr, m.size, mt, dg, &err) != SIGN_OK)
				return fail(tag, &err);
		} else {
			unsigned char md[32];
			char path[4096];
			FILE *f;
			signp_sha256(md, m.ptr, m.size);
			signp_buf_clear(&meta);
			signp_buf_clear(&b64);
			if (signp_b64_encode(&b64, md, 32) != SIGN_OK ||
			    signp_buf_printf(&meta, "{\"length\":%zu,\"hashes\":{\"sha256\":\"%s\"}}", m.size,
				    b64.ptr) != SIGN_OK)
				return fail("out of memory", NULL);
			signp_buf_clear(&b64);
			if (signp_b64_encode(&b64, meta.ptr, meta.size) != SIGN_OK)
				return fail("out of memory", NULL);
			/* notary applies the changes in the order of their names */
			snprintf(path, sizeof(path), "%s/%020ld_manytags-%ld.change", argv[2], 1700000000L + i, i);
			if ((f = fopen(path, "w")) == NULL)
				return fail(path, NULL);
			fprintf(f, "{\"action\":\"create\",\"role\":\"targets\",\"type\":\"target\",\"path\":\"t%ld\","
				"\"data\":\"%s\"}", i, b64.ptr);
			if (fclose(f) != 0)
				return fail(path, NULL);
		}
	}
	signp_registry_free(r);
	sign_buf_dispose(&base);
	sign_buf_dispose(&m);
	sign_buf_dispose(&meta);
	sign_buf_dispose(&b64);
	return 0;
}

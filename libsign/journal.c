/*
 * journal.c - the publisher's journal: the tags this home signed whose
 * publication no later read has confirmed yet.
 *
 * Registries have no compare-and-swap, so a concurrent publisher's write
 * can replace ours after we read it back.  A push records its tag here
 * (atomically) before publishing; the next update from this home compares
 * every entry with the published, verified targets: the same digest
 * confirms it (the entry goes), another digest means another publisher
 * changed the tag since (the entry goes, with a warning: never overwritten),
 * and no entry at all means it was lost (re-published, and said).  A revoke
 * drops the entry first.
 *
 * Signer pushes (sign push --key) record theirs too, with the key IDs
 * used ("signer"); their tags live in delegation roles, and only a signer
 * push with the same keys can publish them again.
 *
 * <home>/trust/<gun>/journal.json:
 *   {"tags":{"TAG":{"digest":"sha256:...","size":N[,"signer":"ID[,ID]"]}, ...}}
 */
#include "journal.h"
#include "meta_build.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define JOURNAL_FILE "journal.json"
#define JOURNAL_MAX (1u << 20)

/* The journal's "tags" object (a new empty one when there is none or it
 * is unreadable: it is only ever a hint to publish again). */
json_t *signp_journal_load(sign_ctx *ctx, const char *gun)
{
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	json_t *doc = NULL, *tags = NULL;
	if (signp_ctx_gun_path(&path, ctx, gun, JOURNAL_FILE, 0, NULL) == SIGN_OK &&
	    signp_read_file(&data, path.ptr, JOURNAL_MAX, NULL) == SIGN_OK)
		doc = json_loadb(data.ptr, data.size, 0, NULL);
	tags = json_object_get(doc, "tags");
	tags = json_is_object(tags) ? json_incref(tags) : json_object();
	json_decref(doc);
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	return tags;
}

int signp_journal_save(sign_ctx *ctx, const char *gun, const json_t *tags, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	json_t *doc = json_pack("{s:O}", "tags", (json_t *)tags);
	char *s = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int r;
	if (s == NULL)
		r = signp_err(err, SIGN_ENOMEM, "writing the publish journal of %s: out of memory", gun);
	else if ((r = signp_ctx_gun_path(&path, ctx, gun, JOURNAL_FILE, 1, err)) == SIGN_OK)
		r = signp_write_file_atomic(path.ptr, s, strlen(s), 0600, err);
	free(s);
	json_decref(doc);
	sign_buf_dispose(&path);
	return r;
}

int signp_journal_set(json_t *tags, const char *tag, const char *digest, uint64_t size)
{
	json_t *e = json_pack("{s:s, s:I}", "digest", digest, "size", (json_int_t)size);
	return e && json_object_set_new(tags, tag, e) == 0 ? SIGN_OK : SIGN_ENOMEM;
}

int signp_journal_set_signer(json_t *tags, const char *tag, const char *digest, uint64_t size,
	const char *keyids)
{
	json_t *e = json_pack("{s:s, s:I, s:s}", "digest", digest, "size", (json_int_t)size, "signer", keyids);
	return e && json_object_set_new(tags, tag, e) == 0 ? SIGN_OK : SIGN_ENOMEM;
}

const char *signp_journal_signer(const json_t *e)
{
	return json_string_value(json_object_get(e, "signer"));
}

int signp_journal_state_any(const signp_trust *t, const char *tag, const char *digest)
{
	signp_target tg;
	if (signp_trust_find_target(&tg, t, tag, NULL) != SIGN_OK)
		return SIGNP_JOURNAL_MISSING;
	return strcmp(tg.digest, digest) == 0 ? SIGNP_JOURNAL_PUBLISHED : SIGNP_JOURNAL_CHANGED;
}

int signp_journal_entry(const json_t *e, const char **digest, uint64_t *size)
{
	const char *d = json_string_value(json_object_get(e, "digest"));
	json_t *sz = json_object_get(e, "size");
	if (d == NULL || !signp_digest_valid(d) || !json_is_integer(sz) || json_integer_value(sz) < 0)
		return 0;
	*digest = d;
	*size = (uint64_t)json_integer_value(sz);
	return 1;
}

int signp_journal_state(const json_t *targets, const char *tag, const char *digest, uint64_t size)
{
	const json_t *have = json_object_get(targets, tag);
	json_t *want;
	int same;
	if (have == NULL)
		return SIGNP_JOURNAL_MISSING;
	want = signp_target_json(digest, size);
	same = want && json_equal(json_object_get(have, "hashes"), json_object_get(want, "hashes"));
	json_decref(want);
	return same ? SIGNP_JOURNAL_PUBLISHED : SIGNP_JOURNAL_CHANGED;
}

void signp_journal_report(sign_ctx *ctx, const signp_trust *t)
{
	json_t *tags = signp_journal_load(ctx, t->gun), *e;
	const json_t *targets = json_object_get(t->targets->signed_obj, "targets");
	const char *tag, *digest;
	uint64_t size;
	json_object_foreach(tags, tag, e) {
		const char *signer = signp_journal_signer(e);
		if (!signp_journal_entry(e, &digest, &size))
			continue;
		if (signer == NULL && signp_journal_state(targets, tag, digest, size) == SIGNP_JOURNAL_MISSING)
			signp_ctx_log(ctx, SIGN_LOG_WARN, "%s:%s, signed by this home at %s, is missing from the "
				"published trust data (another publisher's write lost it, or its push was "
				"interrupted); `sign trust refresh %s` publishes it again", t->gun, tag, digest, t->gun);
		else if (signer && signp_journal_state_any(t, tag, digest) == SIGNP_JOURNAL_MISSING)
			signp_journal_report_signer(ctx, t->gun, tag, digest, signer);
	}
	json_decref(tags);
}

void signp_journal_report_signer(sign_ctx *ctx, const char *gun, const char *tag, const char *digest,
	const char *keyids)
{
	signp_ctx_log(ctx, SIGN_LOG_WARN, "%s:%s, signed by this home at %s with signer key %s, is missing from "
		"the published trust data (another publisher's write lost it, or its push was interrupted); "
		"`sign push --key %s %s:%s` publishes it again", gun, tag, digest, keyids, keyids, gun, tag);
}

/*
 * test_trust_checks.c - the checks of SPEC §3 "What verify checks", steps
 * 2 to 4 (and the lookups of 5 and 6), on the trust engine itself: a GUN's
 * metadata is built and signed here, served by an in-memory backend, and
 * each test forges one input and asserts the return code and the message.
 * Step 1 (the root) is test_trust_root.c.  No server; keys are made with
 * signp_key_generate (no scrypt).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define GUN "example.com/unit/checks"
#include "trust_cache.h"
#include "memfixture.h"

/* ---------------------------------------------------------------------- */
/* 2. timestamp                                                            */

static void test_timestamp_bad_signature(void **state)
{
	fixture *fx = *state;
	signp_tuf_signer sg = { fx->r.id[MT_TIMESTAMP], fx->r.k[MT_SNAPSHOT]->pkey };
	mt_sign_with(&fx->r.w[MT_TIMESTAMP], fx->r.s[MT_TIMESTAMP], &sg, 1);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY, "valid signatures did not meet threshold for timestamp");
}

static void test_timestamp_tampered(void **state)
{
	fixture *fx = *state;
	tamper_sig(&fx->r.w[MT_TIMESTAMP]);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY, "valid signatures did not meet threshold for timestamp");
}

static void test_timestamp_expired(void **state)
{
	fixture *fx = *state;
	char want[128];
	signp_trust *t = NULL;
	sign_error err;
	signp_trust_load_opts o;
	mt_set_expires(fx->r.s[MT_TIMESTAMP], -3600);
	mt_sign_role(&fx->r, MT_TIMESTAMP);
	mt_serve(&fx->m, &fx->r);
	snprintf(want, sizeof(want), "timestamp: expired at %s",
		json_string_value(json_object_get(fx->r.s[MT_TIMESTAMP], "expires")));
	load_fails(fx, NULL, SIGN_EVERIFY, want);
	/* with the hint for whoever holds the timestamp key */
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_load(&t, fx->ctx, &fx->m.be, GUN, NULL, &err), SIGN_EVERIFY);
	assert_string_equal(err.hint, "the publisher must run `sign trust refresh`");
	/* the publisher about to replace it may read it */
	memset(&o, 0, sizeof(o));
	o.publisher = 1;
	if (mt_load(&t, fx->ctx, &fx->m, GUN, &o, &err) != SIGN_OK)
		fail_msg("publisher: %s", err.message);
	signp_trust_free(t);
}

/* Valid today, expired as of a later time asked for (--at). */
static void test_timestamp_expired_at(void **state)
{
	fixture *fx = *state;
	signp_trust_load_opts o;
	signp_trust *t = NULL;
	sign_error err;
	char at[32], want[160];
	memset(&o, 0, sizeof(o));
	o.at = signp_now() + 30 * 86400;
	signp_time_format(at, o.at);
	snprintf(want, sizeof(want), "timestamp: expired at %s, as of %s, the time checked",
		json_string_value(json_object_get(fx->r.s[MT_TIMESTAMP], "expires")), at);
	load_fails(fx, &o, SIGN_EVERIFY, want);
	/* and such a check caches nothing */
	o.at = signp_now() + 86400 * 3;
	if (mt_load(&t, fx->ctx, &fx->m, GUN, &o, &err) != SIGN_OK)
		fail_msg("at: %s", err.message);
	signp_trust_free(t);
	assert_int_equal(signp_trust_cached_root(fx->ctx, GUN), 0);
}

static void test_timestamp_rollback(void **state)
{
	fixture *fx = *state;
	mt_repo_next(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_ok(fx);
	mt_set_version(fx->r.s[MT_TIMESTAMP], 1);
	mt_sign_role(&fx->r, MT_TIMESTAMP);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY,
		"timestamp: version 1 is lower than the cached version 2: the trust data was rolled back");
}

static void test_timestamp_missing(void **state)
{
	fixture *fx = *state;
	mt_remove(&fx->m, "timestamp", 0);
	load_fails(fx, NULL, SIGN_EVERIFY, "timestamp: timestamp: not found");
}

/* ---------------------------------------------------------------------- */
/* 3. snapshot                                                             */

static void test_snapshot_hash_mismatch(void **state)
{
	fixture *fx = *state;
	tamper_sig(&fx->r.w[MT_SNAPSHOT]);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY, "sha256 checksum for snapshot did not match");
}

static void test_snapshot_bad_signature(void **state)
{
	fixture *fx = *state;
	signp_tuf_signer sg = { fx->r.id[MT_SNAPSHOT], fx->r.k[MT_TARGETS]->pkey };
	mt_sign_with(&fx->r.w[MT_SNAPSHOT], fx->r.s[MT_SNAPSHOT], &sg, 1);
	mt_timestamp_meta(&fx->r);
	mt_sign_role(&fx->r, MT_TIMESTAMP);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY, "valid signatures did not meet threshold for snapshot");
}

static void test_snapshot_expired(void **state)
{
	fixture *fx = *state;
	char want[128];
	mt_set_expires(fx->r.s[MT_SNAPSHOT], -60);
	mt_sign_role(&fx->r, MT_SNAPSHOT);
	mt_timestamp_meta(&fx->r);
	mt_sign_role(&fx->r, MT_TIMESTAMP);
	mt_serve(&fx->m, &fx->r);
	snprintf(want, sizeof(want), "snapshot: expired at %s",
		json_string_value(json_object_get(fx->r.s[MT_SNAPSHOT], "expires")));
	load_fails(fx, NULL, SIGN_EVERIFY, want);
}

static void test_snapshot_rollback(void **state)
{
	fixture *fx = *state;
	mt_repo_next(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_ok(fx);
	/* snapshot 1 again under a new timestamp (3) */
	mt_set_version(fx->r.s[MT_SNAPSHOT], 1);
	mt_sign_role(&fx->r, MT_SNAPSHOT);
	mt_set_version(fx->r.s[MT_TIMESTAMP], 3);
	mt_timestamp_meta(&fx->r);
	mt_sign_role(&fx->r, MT_TIMESTAMP);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY,
		"snapshot: version 1 is lower than the cached version 2: the trust data was rolled back");
}

/* The snapshot must name the root's exact bytes. */
static void test_snapshot_names_other_root(void **state)
{
	fixture *fx = *state;
	json_object_set_new(json_object_get(fx->r.s[MT_SNAPSHOT], "meta"), "root",
		signp_tuf_filemeta("another root", 12, 0));
	mt_sign_role(&fx->r, MT_SNAPSHOT);
	mt_timestamp_meta(&fx->r);
	mt_sign_role(&fx->r, MT_TIMESTAMP);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY,
		"snapshot does not match the root: sha256 checksum for root did not match");
}

/* ---------------------------------------------------------------------- */
/* 4. targets and delegations                                              */

static void test_targets_hash_mismatch(void **state)
{
	fixture *fx = *state;
	tamper_sig(&fx->r.w[MT_TARGETS]);
	mt_put(&fx->m, "targets", 0, fx->r.w[MT_TARGETS].ptr, fx->r.w[MT_TARGETS].size);
	load_fails(fx, NULL, SIGN_EVERIFY, "sha256 checksum for targets did not match");
}

static void test_targets_bad_signature(void **state)
{
	fixture *fx = *state;
	signp_tuf_signer sg = { fx->r.id[MT_TARGETS], fx->r.k[MT_SNAPSHOT]->pkey };
	mt_sign_with(&fx->r.w[MT_TARGETS], fx->r.s[MT_TARGETS], &sg, 1);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY, "valid signatures did not meet threshold for targets");
}

static void test_targets_expired(void **state)
{
	fixture *fx = *state;
	char want[128];
	mt_set_expires(fx->r.s[MT_TARGETS], -60);
	mt_sign_role(&fx->r, MT_TARGETS);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	snprintf(want, sizeof(want), "targets: expired at %s",
		json_string_value(json_object_get(fx->r.s[MT_TARGETS], "expires")));
	load_fails(fx, NULL, SIGN_EVERIFY, want);
}

static void test_targets_rollback(void **state)
{
	fixture *fx = *state;
	mt_repo_next(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_ok(fx);
	mt_set_version(fx->r.s[MT_TARGETS], 1);
	mt_sign_role(&fx->r, MT_TARGETS);
	mt_set_version(fx->r.s[MT_SNAPSHOT], 3);
	mt_set_version(fx->r.s[MT_TIMESTAMP], 3);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY,
		"targets: version 1 is lower than the cached version 2: the trust data was rolled back");
}

/* The same through the verified targets index: the stale index gives the
 * cached targets' version, and the rollback is refused all the same. */
static void test_targets_rollback_indexed(void **state)
{
	fixture *fx = *state;
	signp_trust_load_opts o;
	signp_trust *t = NULL;
	sign_error err;
	memset(&o, 0, sizeof(o));
	o.index = SIGNP_TRUST_INDEX_USE;
	mt_repo_next(&fx->r);
	mt_serve(&fx->m, &fx->r);
	if (mt_load(&t, fx->ctx, &fx->m, GUN, &o, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	/* the first load reads targets lean and builds the index from it */
	assert_non_null(t->targets->scan);
	assert_non_null(t->index);
	signp_trust_free(t);
	if (mt_load(&t, fx->ctx, &fx->m, GUN, &o, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	assert_non_null(t->index); /* the second reads the index written */
	assert_null(t->targets->scan);
	signp_trust_free(t);
	mt_set_version(fx->r.s[MT_TARGETS], 1);
	mt_sign_role(&fx->r, MT_TARGETS);
	mt_set_version(fx->r.s[MT_SNAPSHOT], 3);
	mt_set_version(fx->r.s[MT_TIMESTAMP], 3);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, &o, SIGN_EVERIFY,
		"targets: version 1 is lower than the cached version 2: the trust data was rolled back");
}

/* A lookup through the index gives what the files give, for every name,
 * delegation first (docker pull's rule); an expired targets is not taken
 * from the index's word. */
static void test_index_same_answers(void **state)
{
	fixture *fx = *state;
	static const char *const paths[] = { "", NULL };
	static const char *const tags[] = { "v1", "v2", "rel", "both", "none", "" };
	signp_trust_load_opts o;
	signp_trust *full = NULL, *lean = NULL, *ix = NULL;
	sign_error err;
	char want[128];
	memset(&o, 0, sizeof(o));
	mt_add_target(&fx->r, "targets", "v2", NULL);
	mt_add_target(&fx->r, "targets", "both", NULL);
	mt_add_delegation(&fx->r, "targets/releases", paths);
	mt_add_target(&fx->r, "targets/releases", "rel", NULL);
	json_object_set_new(json_object_get(fx->r.ds, "targets"), "both",
		json_pack("{s:{s:s}, s:i}", "hashes", "sha256", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
			"length", 3));
	mt_repo_sign_all(&fx->r);
	mt_serve(&fx->m, &fx->r);
	/* the files parsed whole (no index asked for), then read lean (the
	 * first lookup), then through the index it wrote */
	if (mt_load(&full, fx->ctx, &fx->m, GUN, &o, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	o.index = SIGNP_TRUST_INDEX_USE;
	signp_trust_index_drop(fx->ctx, GUN);
	if (mt_load(&lean, fx->ctx, &fx->m, GUN, &o, &err) != SIGN_OK ||
	    mt_load(&ix, fx->ctx, &fx->m, GUN, &o, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	assert_null(full->index);
	assert_null(full->targets->scan);
	assert_non_null(lean->targets->scan);
	assert_non_null(lean->index);
	assert_non_null(ix->index);
	assert_null(ix->targets->scan);
	assert_int_equal(lean->ndeleg, 1);
	assert_int_equal(ix->ndeleg, 1);
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		signp_trust *const other[2] = { lean, ix };
		for (int k = 0; k < 2; k++) {
			signp_target a, b;
			int ra = signp_trust_find_target(&a, full, tags[i], NULL);
			int rb = signp_trust_find_target(&b, other[k], tags[i], NULL);
			assert_int_equal(ra, rb);
			if (ra != SIGN_OK)
				continue;
			assert_string_equal(a.role, b.role);
			assert_string_equal(a.digest, b.digest);
			assert_int_equal(a.size, b.size);
			assert_int_equal(a.threshold, b.threshold);
			assert_true(json_equal((json_t *)a.keyids, (json_t *)b.keyids));
			assert_true(json_equal((json_t *)a.keys, (json_t *)b.keys));
		}
	}
	{
		signp_target b;
		assert_int_equal(signp_trust_find_target(&b, ix, "both", NULL), SIGN_OK);
		assert_string_equal(b.role, "targets/releases");
	}
	assert_false(signp_trust_index_failed(ix));
	signp_trust_free(full);
	signp_trust_free(lean);
	signp_trust_free(ix);
	/* targets expired: not read from the index, refused as ever */
	mt_set_expires(fx->r.s[MT_TARGETS], -60);
	mt_sign_role(&fx->r, MT_TARGETS);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	snprintf(want, sizeof(want), "targets: expired at %s",
		json_string_value(json_object_get(fx->r.s[MT_TARGETS], "expires")));
	load_fails(fx, &o, SIGN_EVERIFY, want);
}

/* ---- the lean reading of targets (tuf_scan.h) ---- */

/* Serve targets as these bytes of "signed", signed by the targets key over
 * the bytes themselves (over_raw) or over the canonical form of their tree
 * (what every signer does), with the snapshot and timestamp naming them. */
static void serve_raw_targets(fixture *fx, const char *signed_raw, int over_raw)
{
	sign_buf sig = SIGN_BUF_INIT, canon = SIGN_BUF_INIT, *w = &fx->r.w[MT_TARGETS];
	char method[16];
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (!over_raw) {
		json_t *tree = json_loads(signed_raw, 0, NULL);
		assert_non_null(tree);
		assert_int_equal(signp_cjson_canonical(&canon, tree, &err), SIGN_OK);
		json_decref(tree);
	}
	if (signp_tuf_sig_create(&sig, method, fx->r.k[MT_TARGETS]->pkey, over_raw ? signed_raw : canon.ptr,
		    over_raw ? strlen(signed_raw) : canon.size, &err) != SIGN_OK)
		fail_msg("signing: %s", err.message);
	signp_buf_clear(w);
	assert_int_equal(signp_buf_printf(w, "{\"signed\":%s,\"signatures\":[{\"keyid\":\"%s\",\"method\":\"%s\","
		"\"sig\":\"%s\"}]}", signed_raw, fx->r.id[MT_TARGETS], method, sig.ptr), SIGN_OK);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	sign_buf_dispose(&sig);
	sign_buf_dispose(&canon);
}

/* The "signed" text of the repo's targets with extra text inside its
 * "targets" object (after its opening brace) and, before the closing brace
 * of "signed", extra_signed. */
static char *targets_text(fixture *fx, const char *in_targets, const char *extra_signed)
{
	sign_buf canon = SIGN_BUF_INIT, out = SIGN_BUF_INIT;
	sign_error err;
	char *p;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_cjson_canonical(&canon, fx->r.s[MT_TARGETS], &err), SIGN_OK);
	p = strstr(canon.ptr, "\"targets\":{");
	assert_non_null(p);
	p += strlen("\"targets\":{");
	assert_int_equal(signp_buf_put(&out, canon.ptr, (size_t)(p - canon.ptr)), SIGN_OK);
	assert_int_equal(signp_buf_puts(&out, in_targets), SIGN_OK);
	assert_int_equal(signp_buf_put(&out, p, canon.size - 1 - (size_t)(p - canon.ptr)), SIGN_OK);
	assert_int_equal(signp_buf_puts(&out, extra_signed), SIGN_OK);
	assert_int_equal(signp_buf_puts(&out, "}"), SIGN_OK);
	sign_buf_dispose(&canon);
	return out.ptr;
}

#define H1 "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define H2 "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="

static void lookup_digest(signp_trust *t, const char *tag, const char *want)
{
	signp_target tg;
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (signp_trust_find_target(&tg, t, tag, &err) != SIGN_OK)
		fail_msg("find %s: %s", tag, err.message);
	assert_string_equal(tg.digest, want);
}

#define D1 "sha256:0101010101010101010101010101010101010101010101010101010101010101"
#define D2 "sha256:0202020202020202020202020202020202020202020202020202020202020202"

/* Signed bytes that are not canonical (a server re-indented them; the
 * signature is over the canonical form): the lean reading's signatures do
 * not verify over them, and the file is parsed and checked whole. */
static void test_lean_not_canonical(void **state)
{
	fixture *fx = *state;
	signp_trust_load_opts o;
	signp_trust *t = NULL;
	sign_error err;
	char *raw = targets_text(fx, "\n  \"v9\" : { \"length\" : 3, \"hashes\" : { \"sha256\" : \"" H1 "\" } } ,", "");
	memset(&o, 0, sizeof(o));
	o.index = SIGNP_TRUST_INDEX_USE;
	serve_raw_targets(fx, raw, 0);
	if (mt_load(&t, fx->ctx, &fx->m, GUN, &o, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	assert_null(t->targets->scan); /* parsed whole */
	lookup_digest(t, "v9", D1);
	signp_trust_free(t);
	free(raw);
}

/* A target named twice, signed over those very bytes (by the targets key:
 * a file no signer writes, that a parser keeping the first and one keeping
 * the last would read apart): refused, never read either way. */
static void test_lean_duplicate_target(void **state)
{
	fixture *fx = *state;
	signp_trust_load_opts o;
	char *raw = targets_text(fx, "\"v9\":{\"hashes\":{\"sha256\":\"" H1 "\"},\"length\":3},"
		"\"v9\":{\"hashes\":{\"sha256\":\"" H2 "\"},\"length\":3},", "");
	memset(&o, 0, sizeof(o));
	o.index = SIGNP_TRUST_INDEX_USE;
	sign_buf cached = SIGN_BUF_INIT;
	serve_raw_targets(fx, raw, 1);
	load_fails(fx, &o, SIGN_EVERIFY, "valid signatures did not meet threshold for targets");
	/* nor kept: the cache has no targets that failed */
	assert_int_equal(signp_trust_cache_read(&cached, fx->ctx, GUN, "targets"), SIGN_ENOTFOUND);
	sign_buf_dispose(&cached);
	free(raw);
}

/* The same with a second "targets" member in "signed", and with a target's
 * "hashes" twice: the scan gives up, the whole file's signature does not
 * verify over the canonical form of its tree. */
static void test_lean_duplicate_members(void **state)
{
	fixture *fx = *state;
	signp_trust_load_opts o;
	char *raw = targets_text(fx, "", ",\"targets\":{\"v9\":{\"hashes\":{\"sha256\":\"" H2 "\"},\"length\":3}}");
	char *raw2 = targets_text(fx, "\"v9\":{\"hashes\":{\"sha256\":\"" H1 "\"},\"hashes\":{\"sha256\":\"" H2
		"\"},\"length\":3},", "");
	memset(&o, 0, sizeof(o));
	o.index = SIGNP_TRUST_INDEX_USE;
	serve_raw_targets(fx, raw, 1);
	load_fails(fx, &o, SIGN_EVERIFY, "valid signatures did not meet threshold for targets");
	serve_raw_targets(fx, raw2, 1);
	load_fails(fx, &o, SIGN_EVERIFY, "valid signatures did not meet threshold for targets");
	free(raw);
	free(raw2);
}

/* A lean file whose signature is by another key: refused with the whole
 * file's message, and nothing of it is indexed. */
static void test_lean_bad_signature(void **state)
{
	fixture *fx = *state;
	signp_trust_load_opts o;
	signp_tuf_signer sg = { fx->r.id[MT_TARGETS], fx->r.k[MT_SNAPSHOT]->pkey };
	sign_buf path = SIGN_BUF_INIT;
	struct stat sb;
	memset(&o, 0, sizeof(o));
	o.index = SIGNP_TRUST_INDEX_USE;
	mt_add_target(&fx->r, "targets", "v2", NULL);
	mt_sign_with(&fx->r.w[MT_TARGETS], fx->r.s[MT_TARGETS], &sg, 1);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, &o, SIGN_EVERIFY, "valid signatures did not meet threshold for targets");
	assert_int_equal(signp_trust_cache_index_path(&path, fx->ctx, GUN, NULL), SIGN_OK);
	assert_int_not_equal(stat(path.ptr, &sb), 0);
	sign_buf_dispose(&path);
}

/* Escaped names and members the lookups do not read (custom, sha512, a
 * length that is not an integer, a sha256 of another size) read lean as
 * a tree reads them. */
static void test_lean_escapes_and_extras(void **state)
{
	fixture *fx = *state;
	signp_trust_load_opts o;
	signp_trust *t = NULL;
	signp_target tg;
	sign_error err;
	memset(&o, 0, sizeof(o));
	o.index = SIGNP_TRUST_INDEX_USE;
	json_object_set_new(json_object_get(fx->r.s[MT_TARGETS], "targets"), "r\u00e9l\"1",
		json_pack("{s:{s:s, s:s}, s:i, s:{s:[i]}}", "hashes", "sha256", H1, "sha512", "xx", "length", 7,
			"custom", "k", 1));
	json_object_set_new(json_object_get(fx->r.s[MT_TARGETS], "targets"), "real",
		json_pack("{s:{s:s}, s:s}", "hashes", "sha256", H2, "length", "15"));
	json_object_set_new(json_object_get(fx->r.s[MT_TARGETS], "targets"), "short",
		json_pack("{s:{s:s}, s:i}", "hashes", "sha256", "AQEB", "length", 3));
	mt_repo_sign_all(&fx->r);
	mt_serve(&fx->m, &fx->r);
	if (mt_load(&t, fx->ctx, &fx->m, GUN, &o, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	assert_non_null(t->targets->scan);
	lookup_digest(t, "r\u00e9l\"1", D1);
	assert_int_equal(signp_trust_find_target(&tg, t, "r\u00e9l\"1", NULL), SIGN_OK);
	assert_int_equal(tg.size, 7);
	assert_int_equal(signp_trust_find_target(&tg, t, "real", NULL), SIGN_OK);
	assert_int_equal(tg.size, 0);
	assert_int_equal(signp_trust_find_target(&tg, t, "short", NULL), SIGN_EVERIFY); /* not signed */
	signp_trust_free(t);
}

/* A targets file the index cannot stand for (a name longer than it
 * holds): read lean, its bytes dropped for the index, then read back from
 * the cache and parsed whole; lookups answer from the tree. */
static void test_lean_unindexable(void **state)
{
	fixture *fx = *state;
	signp_trust_load_opts o;
	signp_trust *t = NULL;
	sign_error err;
	char *longname = malloc(70000);
	assert_non_null(longname);
	memset(longname, 'x', 69999);
	longname[69999] = '\0';
	memset(&o, 0, sizeof(o));
	o.index = SIGNP_TRUST_INDEX_USE;
	json_object_set_new(json_object_get(fx->r.s[MT_TARGETS], "targets"), longname,
		json_pack("{s:{s:s}, s:i}", "hashes", "sha256", H2, "length", 3));
	mt_repo_sign_all(&fx->r);
	mt_serve(&fx->m, &fx->r);
	if (mt_load(&t, fx->ctx, &fx->m, GUN, &o, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	assert_null(t->index);
	assert_null(t->targets->scan);
	assert_non_null(t->targets->bytes);
	lookup_digest(t, longname, D2);
	lookup_digest(t, "v1", fx->v1);
	signp_trust_free(t);
	free(longname);
}

/* A targets file listed by the snapshot but not served. */
static void test_targets_missing(void **state)
{
	fixture *fx = *state;
	mt_remove(&fx->m, "targets", 0);
	load_fails(fx, NULL, SIGN_EVERIFY, "targets: targets: not found");
}

static const char *const prod_only[] = { "prod/", NULL };

/* targets/releases, restricted to prod/..., signing prod/v2 and dev. */
static void with_releases(fixture *fx, char prod[80])
{
	mt_add_delegation(&fx->r, "targets/releases", prod_only);
	mt_add_target(&fx->r, "targets/releases", "prod/v2", prod);
	mt_add_target(&fx->r, "targets/releases", "dev", NULL);
	mt_repo_sign_all(&fx->r);
	mt_serve(&fx->m, &fx->r);
}

static void test_delegation_path_restriction(void **state)
{
	fixture *fx = *state;
	signp_trust *t = NULL;
	signp_target tg;
	sign_error err;
	char prod[80];
	with_releases(fx, prod);
	if (mt_load(&t, fx->ctx, &fx->m, GUN, NULL, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	assert_int_equal(t->ndeleg, 1);
	assert_int_equal(signp_trust_find_target(&tg, t, "prod/v2", &err), SIGN_OK);
	assert_string_equal(tg.role, "targets/releases");
	assert_string_equal(tg.digest, prod);
	/* dev is in the delegation's file, outside its paths: not signed */
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_find_target(&tg, t, "dev", &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, GUN ":dev is not signed: no trust data for that tag");
	/* nor found by its digest */
	{
		char name[136], dev[80];
		mt_add_target(&fx->r, "targets/releases", "dev", dev);
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_trust_find_digest(&tg, name, t, dev, &err), SIGN_EVERIFY);
		assert_non_null(strstr(err.message, "is not signed: no tag of the trust data has that digest"));
	}
	signp_trust_free(t);
}

/* A delegation that fails is skipped with a warning, as notary does; its
 * tags are then unsigned, and the lookup says why. */
static void deleg_skipped(fixture *fx, const char *warning)
{
	signp_trust *t = NULL;
	signp_target tg;
	sign_error err;
	if (mt_load(&t, fx->ctx, &fx->m, GUN, NULL, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	assert_int_equal(t->ndeleg, 0);
	assert_string_equal(mt_last_warning, warning);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_find_target(&tg, t, "prod/v2", &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, GUN ":prod/v2 is not signed: targets/releases did not verify "
		"(too few signatures for its threshold, expired or tampered)");
	/* the top-level targets still count */
	assert_int_equal(signp_trust_find_target(&tg, t, "v1", &err), SIGN_OK);
	assert_string_equal(tg.role, "targets");
	signp_trust_free(t);
}

static void test_delegation_bad_signature(void **state)
{
	fixture *fx = *state;
	char prod[80];
	with_releases(fx, prod);
	{
		signp_tuf_signer sg = { fx->r.did, fx->r.k[MT_TARGETS]->pkey };
		mt_sign_with(&fx->r.dw, fx->r.ds, &sg, 1);
	}
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	deleg_skipped(fx, "skipping delegation: valid signatures did not meet threshold for targets/releases");
}

static void test_delegation_hash_mismatch(void **state)
{
	fixture *fx = *state;
	char prod[80];
	with_releases(fx, prod);
	tamper_sig(&fx->r.dw);
	mt_put(&fx->m, "targets/releases", 0, fx->r.dw.ptr, fx->r.dw.size);
	deleg_skipped(fx, "skipping delegation: sha256 checksum for targets/releases did not match");
}

static void test_delegation_expired(void **state)
{
	fixture *fx = *state;
	char prod[80], want[160];
	with_releases(fx, prod);
	mt_set_expires(fx->r.ds, -60);
	mt_sign_deleg(&fx->r);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	snprintf(want, sizeof(want), "skipping delegation: targets/releases: expired at %s",
		json_string_value(json_object_get(fx->r.ds, "expires")));
	deleg_skipped(fx, want);
}

static void test_delegation_rollback(void **state)
{
	fixture *fx = *state;
	char prod[80];
	with_releases(fx, prod);
	mt_repo_next(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_ok(fx);
	mt_set_version(fx->r.ds, 1);
	mt_sign_deleg(&fx->r);
	mt_set_version(fx->r.s[MT_SNAPSHOT], 3);
	mt_set_version(fx->r.s[MT_TIMESTAMP], 3);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	deleg_skipped(fx, "skipping delegation: targets/releases: version 1 is lower than the cached "
		"version 2: the trust data was rolled back");
}

/* ---------------------------------------------------------------------- */
/* 5, 6. lookups and thresholds                                            */

static void test_find_target_unsigned_tag(void **state)
{
	fixture *fx = *state;
	signp_trust *t = NULL;
	signp_target tg;
	sign_error err;
	char name[136];
	if (mt_load(&t, fx->ctx, &fx->m, GUN, NULL, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	assert_int_equal(signp_trust_find_target(&tg, t, "v1", &err), SIGN_OK);
	assert_string_equal(tg.role, "targets");
	assert_string_equal(tg.digest, fx->v1);
	assert_int_equal(tg.threshold, 1);
	assert_int_equal(signp_trust_find_digest(&tg, name, t, fx->v1, &err), SIGN_OK);
	assert_string_equal(name, "v1");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_find_target(&tg, t, "v2", &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, GUN ":v2 is not signed: no trust data for that tag");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_find_digest(&tg, name, t, "sha256:"
		"0000000000000000000000000000000000000000000000000000000000000000", &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, GUN "@sha256:0000000000000000000000000000000000000000000000000000000000000000"
		" is not signed: no tag of the trust data has that digest");
	signp_trust_free(t);
}

/* The root lists the targets key under two IDs (bare and as a
 * certificate) with a threshold of 2; a targets file signed by that key
 * under both IDs counts once. */
static void test_threshold_distinct_keys(void **state)
{
	fixture *fx = *state;
	signp_key *k = fx->r.k[MT_TARGETS], *k2 = mt_new_key();
	char xid[65], id2[65];
	json_t *xobj = mt_cert_obj(k, GUN, xid), *o2 = mt_plain_obj(k2, id2);
	json_t *keys = json_object_get(fx->r.s[MT_ROOT], "keys");
	json_t *tr = json_object_get(json_object_get(fx->r.s[MT_ROOT], "roles"), "targets");
	signp_tuf_file *root = NULL, *f = NULL;
	sign_error err;
	json_object_set_new(keys, xid, xobj);
	json_object_set_new(keys, id2, o2);
	json_object_set_new(tr, "keyids", json_pack("[s, s, s]", fx->r.id[MT_TARGETS], xid, id2));
	json_object_set_new(tr, "threshold", json_integer(2));
	mt_sign_role(&fx->r, MT_ROOT);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf_parse(&root, "root", fx->r.w[MT_ROOT].ptr, fx->r.w[MT_ROOT].size,
		&err), SIGN_OK);
	{
		signp_tuf_signer sg[2] = { { fx->r.id[MT_TARGETS], k->pkey }, { xid, k->pkey } };
		mt_sign_with(&fx->r.w[MT_TARGETS], fx->r.s[MT_TARGETS], sg, 2);
	}
	assert_int_equal(signp_tuf_parse(&f, "targets", fx->r.w[MT_TARGETS].ptr,
		fx->r.w[MT_TARGETS].size, &err), SIGN_OK);
	assert_int_equal(signp_trust_verify_role(root, f, "targets", &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, "valid signatures did not meet threshold for targets: " DUP_NOTE);
	/* the whole load refuses it the same way */
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY, "valid signatures did not meet threshold for targets: " DUP_NOTE);
	/* two distinct keys meet it */
	signp_tuf_file_free(f);
	f = NULL;
	{
		signp_tuf_signer sg[2] = { { xid, k->pkey }, { id2, k2->pkey } };
		mt_sign_with(&fx->r.w[MT_TARGETS], fx->r.s[MT_TARGETS], sg, 2);
	}
	assert_int_equal(signp_tuf_parse(&f, "targets", fx->r.w[MT_TARGETS].ptr,
		fx->r.w[MT_TARGETS].size, &err), SIGN_OK);
	memset(&err, 0, sizeof(err));
	if (signp_trust_verify_role(root, f, "targets", &err) != SIGN_OK)
		fail_msg("two keys: %s", err.message);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_ok(fx);
	signp_tuf_file_free(f);
	signp_tuf_file_free(root);
	signp_key_free(k2);
}

/* A delegation's threshold counts distinct keys too: one key listed under
 * two IDs with a threshold of 2, signed under both, is skipped. */
static void test_delegation_threshold_distinct_keys(void **state)
{
	fixture *fx = *state;
	char prod[80], xid[65];
	json_t *dl, *role, *xobj;
	with_releases(fx, prod);
	xobj = mt_cert_obj(fx->r.dk, GUN, xid);
	dl = json_object_get(fx->r.s[MT_TARGETS], "delegations");
	json_object_set_new(json_object_get(dl, "keys"), xid, xobj);
	role = json_array_get(json_object_get(dl, "roles"), 0);
	json_array_append_new(json_object_get(role, "keyids"), json_string(xid));
	json_object_set_new(role, "threshold", json_integer(2));
	mt_sign_role(&fx->r, MT_TARGETS);
	{
		signp_tuf_signer sg[2] = { { fx->r.did, fx->r.dk->pkey }, { xid, fx->r.dk->pkey } };
		mt_sign_with(&fx->r.dw, fx->r.ds, sg, 2);
	}
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	deleg_skipped(fx, "skipping delegation: valid signatures did not meet threshold for "
		"targets/releases: " DUP_NOTE);
}

/* The engine's role check on notary's own files (tests/vectors/notary):
 * targets and timestamp under the root notary wrote; a flipped signature
 * or the wrong role's keys fail. */
static void test_notary_vectors_verify_role(void **state)
{
	static const char *const files[][2] = {
		{ "root", "c1_root.v1.json" },
		{ "targets", "c1_targets.v4.json" },
		{ "timestamp", "c1_timestamp.v1.json" },
	};
	const char *vdir = getenv("VECTORS");
	signp_tuf_file *f[3] = { NULL, NULL, NULL }, *bad = NULL;
	sign_buf b[3] = { SIGN_BUF_INIT, SIGN_BUF_INIT, SIGN_BUF_INIT };
	sign_error err;
	(void)state;
	if (vdir == NULL || *vdir == '\0')
		vdir = "tests/vectors";
	for (int i = 0; i < 3; i++) {
		char path[1024];
		memset(&err, 0, sizeof(err));
		snprintf(path, sizeof(path), "%s/notary/%s", vdir, files[i][1]);
		if (signp_read_file(&b[i], path, SIGN_MAX_METADATA, &err) != SIGN_OK ||
		    signp_tuf_parse(&f[i], files[i][0], b[i].ptr, b[i].size, &err) != SIGN_OK)
			fail_msg("%s: %s (set VECTORS)", path, err.message);
	}
	for (int i = 0; i < 3; i++) {
		memset(&err, 0, sizeof(err));
		if (signp_trust_verify_role(f[0], f[i], files[i][0], &err) != SIGN_OK)
			fail_msg("%s: %s", files[i][1], err.message);
	}
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_verify_role(f[0], f[1], "timestamp", &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, "valid signatures did not meet threshold for targets");
	tamper_sig(&b[1]);
	assert_int_equal(signp_tuf_parse(&bad, "targets", b[1].ptr, b[1].size, &err), SIGN_OK);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_verify_role(f[0], bad, "targets", &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, "valid signatures did not meet threshold for targets");
	signp_tuf_file_free(bad);
	for (int i = 0; i < 3; i++) {
		signp_tuf_file_free(f[i]);
		sign_buf_dispose(&b[i]);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_timestamp_bad_signature),
		T(test_timestamp_tampered),
		T(test_timestamp_expired),
		T(test_timestamp_expired_at),
		T(test_timestamp_rollback),
		T(test_timestamp_missing),
		T(test_snapshot_hash_mismatch),
		T(test_snapshot_bad_signature),
		T(test_snapshot_expired),
		T(test_snapshot_rollback),
		T(test_snapshot_names_other_root),
		T(test_targets_hash_mismatch),
		T(test_targets_bad_signature),
		T(test_targets_expired),
		T(test_targets_rollback),
		T(test_targets_rollback_indexed),
		T(test_index_same_answers),
		T(test_lean_not_canonical),
		T(test_lean_duplicate_target),
		T(test_lean_duplicate_members),
		T(test_lean_bad_signature),
		T(test_lean_escapes_and_extras),
		T(test_lean_unindexable),
		T(test_targets_missing),
		T(test_delegation_path_restriction),
		T(test_delegation_bad_signature),
		T(test_delegation_hash_mismatch),
		T(test_delegation_expired),
		T(test_delegation_rollback),
		T(test_find_target_unsigned_tag),
		T(test_threshold_distinct_keys),
		T(test_delegation_threshold_distinct_keys),
		T(test_notary_vectors_verify_role),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}


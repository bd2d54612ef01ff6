/*
 * test_trust_load.c - loading a GUN's trust data over an in-memory backend:
 * trust on first use caches the root, a later load (or a new context on
 * the same home) starts from the cache, the offline path checks cached
 * files as fetched ones and refuses (and drops) a tampered one, and what
 * is published through the backend is what a load reads back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define GUN "example.com/unit/load"
#include "memfixture.h"

static signp_trust *load(fixture *fx, sign_ctx *ctx, const signp_trust_load_opts *o)
{
	signp_trust *t = NULL;
	sign_error err;
	if (mt_load(&t, ctx, &fx->m, GUN, o, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	return t;
}

static void cache_file(char *out, size_t size, const fixture *fx, const char *role)
{
	mt_cache_path(out, size, fx->home, GUN, role);
}

/* The bytes of file equal buf. */
static void assert_file_is(const char *path, const sign_buf *want)
{
	sign_buf got = SIGN_BUF_INIT;
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (signp_read_file(&got, path, SIGN_MAX_METADATA, &err) != SIGN_OK)
		fail_msg("%s: %s", path, err.message);
	assert_int_equal(got.size, want->size);
	assert_memory_equal(got.ptr, want->ptr, want->size);
	sign_buf_dispose(&got);
}

/* Flip one character of the first signature of a cached file. */
static void tamper_cached(const fixture *fx, const char *role)
{
	char path[4400];
	sign_buf b = SIGN_BUF_INIT;
	sign_error err;
	char *p;
	memset(&err, 0, sizeof(err));
	cache_file(path, sizeof(path), fx, role);
	assert_int_equal(signp_read_file(&b, path, SIGN_MAX_METADATA, &err), SIGN_OK);
	assert_non_null(p = strstr(b.ptr, "\"sig\":\""));
	p += 7;
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_equal(signp_write_file_atomic(path, b.ptr, b.size, 0600, &err), SIGN_OK);
	sign_buf_dispose(&b);
}

/* ---------------------------------------------------------------------- */

/* First use: the root is trusted on first use and every verified file
 * cached byte for byte (0600). */
static void test_tofu_caches_root(void **state)
{
	fixture *fx = *state;
	char path[4400];
	struct stat st;
	signp_trust *t;
	assert_int_equal(signp_trust_cached_root(fx->ctx, GUN), 0);
	t = load(fx, fx->ctx, NULL);
	assert_int_equal(t->tofu, 1);
	assert_string_equal(t->pinned_by, "tofu");
	assert_int_equal(t->root->version, 1);
	assert_string_equal(t->gun, GUN);
	signp_trust_free(t);
	assert_int_equal(signp_trust_cached_root(fx->ctx, GUN), 1);
	for (int i = 0; i < 4; i++) {
		cache_file(path, sizeof(path), fx, mt_role_names[i]);
		assert_file_is(path, &fx->r.w[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	assert_int_equal(fx->m.refreshes, 1);
}

/* A second load starts from the cached root: no trust on first use. */
static void test_second_load_uses_cache(void **state)
{
	fixture *fx = *state;
	signp_trust *t = load(fx, fx->ctx, NULL);
	signp_trust_free(t);
	t = load(fx, fx->ctx, NULL);
	assert_int_equal(t->tofu, 0);
	assert_string_equal(t->pinned_by, "cache");
	signp_trust_free(t);
}

/* A home that already holds a cached root (another process wrote it):
 * a new context on it starts from that root too, and refuses another root
 * served for the GUN. */
static void test_home_with_cached_root(void **state)
{
	fixture *fx = *state;
	sign_ctx *ctx2;
	signp_trust *t = load(fx, fx->ctx, NULL);
	mt_repo other;
	sign_error err;
	signp_trust_free(t);
	ctx2 = mt_ctx(fx->home, 0);
	assert_int_equal(signp_trust_cached_root(ctx2, GUN), 1);
	t = load(fx, ctx2, NULL);
	assert_string_equal(t->pinned_by, "cache");
	assert_int_equal(t->tofu, 0);
	signp_trust_free(t);
	mt_repo_init(&other, GUN);
	mt_repo_sign_all(&other);
	mt_serve(&fx->m, &other);
	assert_int_equal(mt_load(&t, ctx2, &fx->m, GUN, NULL, &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, "root of " GUN " was swapped: root rotation: new root version 1 "
		"is not signed by the trusted root keys of version 1");
	/* a home with TOFU disabled that has the root cached still loads */
	sign_ctx_free(ctx2);
	ctx2 = mt_ctx(fx->home, 1);
	mt_serve(&fx->m, &fx->r);
	t = load(fx, ctx2, NULL);
	assert_string_equal(t->pinned_by, "cache");
	signp_trust_free(t);
	sign_ctx_free(ctx2);
	mt_repo_dispose(&other);
}

/* A newer publish moves the cache forward. */
static void test_cache_follows_new_versions(void **state)
{
	fixture *fx = *state;
	char path[4400];
	signp_trust *t = load(fx, fx->ctx, NULL);
	signp_trust_free(t);
	mt_add_target(&fx->r, "targets", "v2", NULL);
	mt_repo_next(&fx->r);
	mt_serve(&fx->m, &fx->r);
	t = load(fx, fx->ctx, NULL);
	assert_int_equal(t->timestamp->version, 2);
	assert_int_equal(t->targets->version, 2);
	signp_trust_free(t);
	cache_file(path, sizeof(path), fx, "timestamp");
	assert_file_is(path, &fx->r.w[MT_TIMESTAMP]);
	cache_file(path, sizeof(path), fx, "targets");
	assert_file_is(path, &fx->r.w[MT_TARGETS]);
}

/* A failed load caches nothing. */
static void test_failed_load_caches_nothing(void **state)
{
	fixture *fx = *state;
	signp_trust *t = NULL;
	sign_error err;
	signp_tuf_signer sg = { fx->r.id[MT_TARGETS], fx->r.k[MT_SNAPSHOT]->pkey };
	mt_sign_with(&fx->r.w[MT_TARGETS], fx->r.s[MT_TARGETS], &sg, 1);
	mt_snapshot_meta(&fx->r);
	mt_sign_role(&fx->r, MT_SNAPSHOT);
	mt_timestamp_meta(&fx->r);
	mt_sign_role(&fx->r, MT_TIMESTAMP);
	mt_serve(&fx->m, &fx->r);
	assert_int_equal(mt_load(&t, fx->ctx, &fx->m, GUN, NULL, &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, "valid signatures did not meet threshold for targets");
	assert_int_equal(signp_trust_cached_root(fx->ctx, GUN), 0);
}

/* The cached shortcut: a cached copy whose bytes the parent's hash names
 * is used without a request (only root and timestamp are fetched), and
 * the root passed is remembered (metadata/root.checked). */
static void test_cache_shortcut_saves_fetches(void **state)
{
	fixture *fx = *state;
	char path[4400];
	signp_trust *t = load(fx, fx->ctx, NULL);
	sign_buf memo = SIGN_BUF_INIT;
	unsigned char h[32];
	char hex[65], want[80];
	signp_trust_free(t);
	assert_int_equal(fx->m.fetches, 4);
	fx->m.fetches = 0;
	t = load(fx, fx->ctx, NULL);
	assert_int_equal(fx->m.fetches, 2);
	assert_int_equal(t->root_memo, 1);
	signp_trust_free(t);
	snprintf(path, sizeof(path), "%s/trust/%s/metadata/root.checked", fx->home, GUN);
	assert_int_equal(signp_read_file(&memo, path, 4096, NULL), SIGN_OK);
	signp_sha256(h, fx->r.w[MT_ROOT].ptr, fx->r.w[MT_ROOT].size);
	signp_hex(hex, h, 32);
	snprintf(want, sizeof(want), "v2 %s ", hex);
	assert_true(signp_str_has_prefix(memo.ptr, want));
	sign_buf_dispose(&memo);
}

/* A cached copy is no evidence of its own: targets signed by the wrong
 * key, placed in the cache and named by a valid snapshot, is refused
 * although the backend is never asked for it. */
static void test_cached_copy_still_verified(void **state)
{
	fixture *fx = *state;
	char path[4400];
	signp_trust *t = load(fx, fx->ctx, NULL);
	signp_tuf_signer sg = { fx->r.id[MT_TARGETS], fx->r.k[MT_SNAPSHOT]->pkey };
	sign_error err;
	signp_trust_free(t);
	mt_set_version(fx->r.s[MT_TARGETS], 2);
	mt_sign_with(&fx->r.w[MT_TARGETS], fx->r.s[MT_TARGETS], &sg, 1);
	cache_file(path, sizeof(path), fx, "targets");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_write_file_atomic(path, fx->r.w[MT_TARGETS].ptr, fx->r.w[MT_TARGETS].size,
		0600, &err), SIGN_OK);
	mt_set_version(fx->r.s[MT_SNAPSHOT], 2);
	mt_set_version(fx->r.s[MT_TIMESTAMP], 2);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	mt_remove(&fx->m, "targets", 0);
	fx->m.fetches = 0;
	assert_int_equal(mt_load(&t, fx->ctx, &fx->m, GUN, NULL, &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, "valid signatures did not meet threshold for targets");
	assert_int_equal(fx->m.fetches, 3); /* root, timestamp, snapshot */
}

/* The refreshed hook runs once the backend answered, before the checks
 * (a caller sends a request then): not when refresh failed, not offline. */
static void count_call(void *arg)
{
	(*(int *)arg)++;
}

static void test_refreshed_hook(void **state)
{
	fixture *fx = *state;
	int calls = 0;
	signp_trust_load_opts o = { .refreshed = count_call, .refreshed_arg = &calls };
	signp_trust *t = load(fx, fx->ctx, &o);
	sign_error err;
	signp_trust_free(t);
	assert_int_equal(calls, 1);
	/* called before the checks: also when they then fail */
	tamper_sig(&fx->r.w[MT_TIMESTAMP]);
	mt_serve(&fx->m, &fx->r);
	assert_int_equal(mt_load(&t, fx->ctx, &fx->m, GUN, &o, &err), SIGN_EVERIFY);
	assert_int_equal(calls, 2);
	fx->m.missing = 1;
	assert_int_equal(mt_load(&t, fx->ctx, &fx->m, GUN, &o, &err), SIGN_EVERIFY);
	assert_int_equal(calls, 2);
	o.offline = 1;
	t = load(fx, fx->ctx, &o);
	signp_trust_free(t);
	assert_int_equal(calls, 2);
}

static void test_never_signed(void **state)
{
	fixture *fx = *state;
	signp_trust *t = NULL;
	signp_trust_load_opts o;
	sign_error err;
	fx->m.missing = 1;
	assert_int_equal(mt_load(&t, fx->ctx, &fx->m, GUN, NULL, &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, GUN " has no trust data: it was never signed");
	memset(&o, 0, sizeof(o));
	o.allow_missing = 1;
	assert_int_equal(mt_load(&t, fx->ctx, &fx->m, GUN, &o, &err), SIGN_ENOTFOUND);
	assert_null(t);
}

static void test_tofu_disabled(void **state)
{
	fixture *fx = *state;
	sign_ctx *ctx2 = mt_ctx(fx->home, 1);
	signp_trust *t = NULL;
	sign_error err;
	assert_int_equal(mt_load(&t, ctx2, &fx->m, GUN, NULL, &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, "root of " GUN ": trust on first use is disabled and no root is pinned");
	assert_string_equal(err.hint, "pin it with `sign trust pin " GUN " --root-key ROOT.pub` or pass --root-key");
	assert_null(t);
	sign_ctx_free(ctx2);
}

/* ---------------------------------------------------------------------- */
/* the offline (cached) path                                               */

static const signp_trust_load_opts offline_opts = { .offline = 1 };

static void test_offline_nothing_cached(void **state)
{
	fixture *fx = *state;
	signp_trust *t = NULL;
	sign_error err;
	assert_int_equal(mt_load(&t, fx->ctx, &fx->m, GUN, &offline_opts, &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, "trust data of " GUN ": nothing cached for offline use");
	assert_string_equal(err.hint, "verify once online first");
	assert_int_equal(fx->m.refreshes + fx->m.fetches, 0);
}

/* Offline, nothing is asked of the backend: the cached files are read
 * and checked. */
static void test_offline_uses_cache_only(void **state)
{
	fixture *fx = *state;
	signp_trust *t = load(fx, fx->ctx, NULL);
	signp_target tg;
	sign_error err;
	signp_trust_free(t);
	fx->m.be.free(&fx->m.be);
	fx->m.refreshes = fx->m.fetches = 0;
	t = load(fx, fx->ctx, &offline_opts);
	assert_int_equal(fx->m.refreshes + fx->m.fetches, 0);
	assert_string_equal(t->pinned_by, "cache");
	assert_int_equal(signp_trust_find_target(&tg, t, "v1", &err), SIGN_OK);
	assert_string_equal(tg.digest, fx->v1);
	signp_trust_free(t);
}

/* A cached file that fails its checks is refused offline, and dropped
 * from the cache so that nothing later trusts it. */
static void offline_refuses_tampered(fixture *fx, const char *role, const char *msg)
{
	char path[4400], warn[512];
	signp_trust *t = load(fx, fx->ctx, NULL);
	sign_error err;
	signp_trust_free(t);
	tamper_cached(fx, role);
	assert_int_equal(mt_load(&t, fx->ctx, &fx->m, GUN, &offline_opts, &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, msg);
	cache_file(path, sizeof(path), fx, role);
	assert_int_equal(mt_exists(path), 0);
	snprintf(warn, sizeof(warn), "dropped the cached %s of " GUN ": it failed its checks", role);
	assert_string_equal(mt_last_warning, warn);
	/* the next offline load has nothing complete to go on */
	assert_int_equal(mt_load(&t, fx->ctx, &fx->m, GUN, &offline_opts, &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, "trust data of " GUN ": nothing cached for offline use");
	/* online, the served copy replaces it */
	t = load(fx, fx->ctx, NULL);
	signp_trust_free(t);
	assert_file_is(path, &fx->r.w[strcmp(role, "timestamp") == 0 ? MT_TIMESTAMP :
		strcmp(role, "snapshot") == 0 ? MT_SNAPSHOT : MT_TARGETS]);
}

static void test_offline_tampered_timestamp(void **state)
{
	offline_refuses_tampered(*state, "timestamp", "valid signatures did not meet threshold for timestamp");
}

static void test_offline_tampered_snapshot(void **state)
{
	offline_refuses_tampered(*state, "snapshot", "sha256 checksum for snapshot did not match");
}

static void test_offline_tampered_targets(void **state)
{
	offline_refuses_tampered(*state, "targets", "sha256 checksum for targets did not match");
}

/* Online, a tampered cached copy is no shortcut either: the served file,
 * whose hash the parent names, is fetched instead and the cache repaired. */
static void test_online_tampered_cache_refetched(void **state)
{
	fixture *fx = *state;
	char path[4400];
	signp_trust *t = load(fx, fx->ctx, NULL);
	signp_trust_free(t);
	tamper_cached(fx, "targets");
	fx->m.fetches = 0;
	t = load(fx, fx->ctx, NULL);
	signp_trust_free(t);
	assert_true(fx->m.fetches >= 3); /* root, timestamp, targets */
	cache_file(path, sizeof(path), fx, "targets");
	assert_file_is(path, &fx->r.w[MT_TARGETS]);
}

/* --offline fails once the cached state has expired (checked here as of
 * a later time: no sleep). */
static void test_offline_expired(void **state)
{
	fixture *fx = *state;
	signp_trust_load_opts o = { .offline = 1 };
	signp_trust *t = load(fx, fx->ctx, NULL);
	sign_error err;
	char at[32], want[160];
	signp_trust_free(t);
	o.at = signp_now() + 20 * 86400;
	signp_time_format(at, o.at);
	snprintf(want, sizeof(want), "timestamp: expired at %s, as of %s, the time checked",
		json_string_value(json_object_get(fx->r.s[MT_TIMESTAMP], "expires")), at);
	assert_int_equal(mt_load(&t, fx->ctx, &fx->m, GUN, &o, &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, want);
}

/* ---------------------------------------------------------------------- */
/* publishing through the backend                                          */

/* Files published through the backend's publish are what a load reads
 * back, byte for byte; a conflicting writer gets SIGN_ECONFLICT and
 * changes nothing. */
static void test_publish_read_back(void **state)
{
	fixture *fx = *state;
	signp_trust *t = load(fx, fx->ctx, NULL);
	signp_trust_out out[3];
	sign_error err;
	const int roles[3] = { MT_TARGETS, MT_SNAPSHOT, MT_TIMESTAMP };
	signp_trust_free(t);
	mt_add_target(&fx->r, "targets", "v2", NULL);
	mt_repo_next(&fx->r);
	for (int i = 0; i < 3; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		snprintf(out[i].role, sizeof(out[i].role), "%s", mt_role_names[roles[i]]);
		out[i].version = mt_version(fx->r.s[roles[i]]);
		out[i].bytes = (const unsigned char *)fx->r.w[roles[i]].ptr;
		out[i].len = fx->r.w[roles[i]].size;
	}
	fx->m.conflicts = 1;
	memset(&err, 0, sizeof(err));
	assert_int_equal(fx->m.be.refresh(&fx->m.be, &err), SIGN_OK);
	assert_int_equal(fx->m.be.publish(&fx->m.be, out, 3, &err), SIGN_ECONFLICT);
	t = load(fx, fx->ctx, NULL);
	assert_int_equal(t->timestamp->version, 1);
	signp_trust_free(t);
	memset(&err, 0, sizeof(err));
	assert_int_equal(fx->m.be.refresh(&fx->m.be, &err), SIGN_OK);
	assert_int_equal(fx->m.be.publish(&fx->m.be, out, 3, &err), SIGN_OK);
	assert_int_equal(fx->m.npublished, 3);
	t = load(fx, fx->ctx, NULL);
	assert_int_equal(t->timestamp->version, 2);
	for (int i = 0; i < 3; i++) {
		const signp_tuf_file *f = i == 0 ? t->targets : i == 1 ? t->snapshot : t->timestamp;
		assert_int_equal(f->len, out[i].len);
		assert_memory_equal(f->bytes, out[i].bytes, f->len);
	}
	{
		signp_target tg;
		assert_int_equal(signp_trust_find_target(&tg, t, "v2", &err), SIGN_OK);
	}
	signp_trust_free(t);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tofu_caches_root),
		T(test_second_load_uses_cache),
		T(test_home_with_cached_root),
		T(test_cache_follows_new_versions),
		T(test_failed_load_caches_nothing),
		T(test_cache_shortcut_saves_fetches),
		T(test_cached_copy_still_verified),
		T(test_refreshed_hook),
		T(test_never_signed),
		T(test_tofu_disabled),
		T(test_offline_nothing_cached),
		T(test_offline_uses_cache_only),
		T(test_offline_tampered_timestamp),
		T(test_offline_tampered_snapshot),
		T(test_offline_tampered_targets),
		T(test_online_tampered_cache_refetched),
		T(test_offline_expired),
		T(test_publish_read_back),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

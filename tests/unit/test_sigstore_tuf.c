/*
 * test_sigstore_tuf.c - the cached Sigstore trusted root (sigstore_tuf.c):
 * the cache folder a TUF URL maps to; sign_sigstore_trusted_root saying
 * "nothing cached" with its hint, reading a cache that a TUF update wrote
 * (the fixture's repository), refusing a cached file that the cached
 * metadata does not describe and cached metadata that no longer verifies,
 * and its expired flag following the cached metadata; sign_sigstore_update
 * refusing a repository other than the public good without --tuf-root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "sigstore_tuf.h"
#include "tuf1fix.h"

#define HAS(s, sub)                                                      \
	do {                                                             \
		if (strstr((s), (sub)) == NULL)                          \
			fail_msg("\"%s\" lacks \"%s\"", (s), (sub));     \
	} while (0)

static char home[256];

static sign_ctx *new_ctx(void)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	sign_ctx *ctx = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	snprintf(home, sizeof(home), "/tmp/test_sigstore_tuf.XXXXXX");
	assert_non_null(mkdtemp(home));
	o.home = home;
	assert_int_equal(sign_ctx_new(&ctx, &o, &err), SIGN_OK);
	return ctx;
}

static void put_file(const char *dir, const char *name, const char *data)
{
	sign_buf p = SIGN_BUF_INIT;
	assert_int_equal(signp_mkdirs(dir, 0700, NULL), SIGN_OK);
	assert_int_equal(signp_path_join(&p, dir, name), SIGN_OK);
	assert_int_equal(signp_write_file_atomic(p.ptr, data, strlen(data), 0644, NULL), SIGN_OK);
	sign_buf_dispose(&p);
}

static void test_cache_dir(void **state)
{
	sign_buf b = SIGN_BUF_INIT;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_sigstore_cache_dir(&b, "/h", "http://127.0.0.1:8080/a/b/", &err), SIGN_OK);
	assert_string_equal(b.ptr, "/h/sigstore/127.0.0.1_8080_a_b");
	assert_int_equal(signp_sigstore_cache_dir(&b, "/h", SIGN_SIGSTORE_TUF_URL, &err), SIGN_OK);
	assert_string_equal(b.ptr, "/h/sigstore/tuf-repo-cdn.sigstore.dev");
	assert_int_equal(signp_sigstore_cache_dir(&b, "/h", "ftp://x", &err), SIGN_EINVAL);
	HAS(err.message, "not an http(s) URL");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_sigstore_cache_dir(&b, "/h", "https://..", &err), SIGN_EINVAL);
	sign_buf_dispose(&b);
}

/* The fixture's repository fetched, the cache kept in a folder. */
typedef struct cache_be {
	fix_repo *r;
	const char *dir;
} cache_be;

static int be_fetch(void *p, const char *url, size_t max, sign_buf *out, sign_error *err)
{
	return fix_fetch(((cache_be *)p)->r, url, max, out, err);
}

static int be_load(void *p, const char *name, size_t max, sign_buf *out, sign_error *err)
{
	return signp_tuf1_dir_load((void *)((cache_be *)p)->dir, name, max, out, err);
}

static int be_store(void *p, const char *name, const void *data, size_t len, sign_error *err)
{
	return signp_tuf1_dir_store((void *)((cache_be *)p)->dir, name, data, len, err);
}

#define TR "{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot+json;version=0.1\"}"

/* Update the cache of dir from the fixture at time now, as
 * sign_sigstore_update does. */
static void update_cache(fix_repo *r, const char *dir, int64_t now)
{
	cache_be be = { r, dir };
	signp_tuf1_ops o = { be_fetch, be_load, be_store, &be };
	signp_tuf1_client *c = NULL;
	const json_t *info;
	sign_buf data = SIGN_BUF_INIT, tdir = SIGN_BUF_INIT;
	sign_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf1_client_new(&c, &o, FIX_URL, FIX_URL "targets/", now, &err), SIGN_OK);
	assert_int_equal(signp_tuf1_refresh(c, &err), SIGN_OK);
	assert_int_equal(signp_tuf1_find_target(c, "trusted_root.json", &info, &err), SIGN_OK);
	assert_int_equal(signp_tuf1_download_target(c, "trusted_root.json", info, &data, &err), SIGN_OK);
	assert_int_equal(signp_path_join(&tdir, dir, "targets"), SIGN_OK);
	put_file(tdir.ptr, "trusted_root.json", data.ptr);
	signp_tuf1_client_free(c);
	sign_buf_dispose(&data);
	sign_buf_dispose(&tdir);
}

static void test_trusted_root_cache(void **state)
{
	sign_ctx *ctx = new_ctx();
	sign_buf out = SIGN_BUF_INIT, dir = SIGN_BUF_INIT, tdir = SIGN_BUF_INIT;
	sign_error err;
	fix_repo r;
	int expired = -1;
	const char *url = "https://tuf.example.com";
	(void)state;

	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_sigstore_trusted_root(&out, &expired, ctx, url, &err), SIGN_ENOTFOUND);
	HAS(err.message, "cached Sigstore trusted root of https://tuf.example.com");
	HAS(err.hint, "sign trust sigstore-update --tuf-url https://tuf.example.com");

	assert_int_equal(signp_sigstore_cache_dir(&dir, home, url, NULL), SIGN_OK);
	assert_int_equal(signp_path_join(&tdir, dir.ptr, "targets"), SIGN_OK);
	fix_init(&r);
	put_file(dir.ptr, "root.json", r.local[0].data.ptr);
	fix_serve_target(&r, "trusted_root.json", TR);
	fix_publish_v(&r, 1, 1, 1,
		json_pack("{s:o}", "trusted_root.json", fix_fileinfo(TR, strlen(TR), 0)), NULL, NULL,
		FIX_YEAR);
	update_cache(&r, dir.ptr, signp_now());

	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_sigstore_trusted_root(&out, &expired, ctx, url, &err), SIGN_OK);
	assert_string_equal(out.ptr, TR);
	assert_int_equal(expired, 0);

	/* the cached file changed: refused, the cached metadata names its hash */
	put_file(tdir.ptr, "trusted_root.json", "{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot+json;version=0.2\"}");
	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_sigstore_trusted_root(&out, &expired, ctx, url, &err), SIGN_EVERIFY);
	HAS(err.message, "cached TUF metadata: trusted_root.json: sha256 hash mismatch");
	assert_int_equal(out.size, 0);

	/* cached metadata that expired since the update: used, and said so */
	fix_publish_v(&r, 2, 2, 2,
		json_pack("{s:o}", "trusted_root.json", fix_fileinfo(TR, strlen(TR), 0)), NULL, NULL,
		-3600);
	update_cache(&r, dir.ptr, signp_now() - 7200);
	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_sigstore_trusted_root(&out, &expired, ctx, url, &err), SIGN_OK);
	assert_string_equal(out.ptr, TR);
	assert_int_equal(expired, 1);

	/* a cached timestamp no longer signed by the cached root's key */
	{
		char *ts = fix_sign(&r, fix_meta("timestamp", 9, FIX_YEAR,
						json_pack("{s:{s:i}}", "snapshot.json", "version", 2)),
			"r2", NULL);
		put_file(dir.ptr, "timestamp.json", ts);
		free(ts);
	}
	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_sigstore_trusted_root(&out, &expired, ctx, url, &err), SIGN_EVERIFY);
	HAS(err.message, "cached timestamp: absent, or not signed by the cached root's timestamp role");

	/* another repository without a root: refused before any request */
	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_sigstore_update(NULL, ctx, "http://127.0.0.1:9/", NULL, &err), SIGN_EINVAL);
	HAS(err.message, "no trusted root.json yet");
	HAS(err.hint, "--tuf-root");

	fix_free(&r);
	sign_buf_dispose(&out);
	sign_buf_dispose(&dir);
	sign_buf_dispose(&tdir);
	sign_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_dir),
		cmocka_unit_test(test_trusted_root_cache),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (home[0] != '\0') {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
		if (system(cmd) != 0)
			rc = 1;
	}
	return rc;
}

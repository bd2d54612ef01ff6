/*
 * test_sigstore_tuf.c - the cached Sigstore trusted root (sigstore_tuf.c):
 * the cache folder a TUF URL maps to, sign_sigstore_trusted_root saying
 * "nothing cached" with its hint, reading the cached file, and its expired
 * flag following the cached TUF metadata; sign_sigstore_update refusing a
 * repository other than the public good without --tuf-root.
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

static void test_trusted_root_cache(void **state)
{
	sign_ctx *ctx = new_ctx();
	sign_buf out = SIGN_BUF_INIT, dir = SIGN_BUF_INIT, tdir = SIGN_BUF_INIT;
	sign_error err;
	fix_repo r;
	int expired = -1;
	char *doc;
	(void)state;

	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_sigstore_trusted_root(&out, &expired, ctx, "https://tuf.example.com", &err),
		SIGN_ENOTFOUND);
	HAS(err.message, "cached Sigstore trusted root of https://tuf.example.com");
	HAS(err.hint, "sign trust sigstore-update --tuf-url https://tuf.example.com");

	assert_int_equal(signp_sigstore_cache_dir(&dir, home, "https://tuf.example.com", NULL), SIGN_OK);
	assert_int_equal(signp_path_join(&tdir, dir.ptr, "targets"), SIGN_OK);
	put_file(tdir.ptr, "trusted_root.json", "{\"mediaType\":\"x\"}");
	memset(&r, 0, sizeof(r));
	fix_add_key(&r, "k", "ed25519");
	doc = fix_sign(&r, fix_root(&r, 1, "k", NULL, 1, "k"), "k", NULL);
	put_file(dir.ptr, "root.json", doc);
	free(doc);
	doc = fix_sign(&r, fix_meta("snapshot", 1, FIX_YEAR, json_object()), "k", NULL);
	put_file(dir.ptr, "snapshot.json", doc);
	free(doc);
	doc = fix_sign(&r, fix_targets(1, json_object(), NULL), "k", NULL);
	put_file(dir.ptr, "targets.json", doc);
	free(doc);
	doc = fix_sign(&r, fix_meta("timestamp", 1, FIX_YEAR,
				json_pack("{s:{s:i}}", "snapshot.json", "version", 1)), "k", NULL);
	put_file(dir.ptr, "timestamp.json", doc);
	free(doc);

	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_sigstore_trusted_root(&out, &expired, ctx, "https://tuf.example.com", &err),
		SIGN_OK);
	assert_string_equal(out.ptr, "{\"mediaType\":\"x\"}");
	assert_int_equal(expired, 0);

	doc = fix_sign(&r, fix_meta("timestamp", 2, -60,
				json_pack("{s:{s:i}}", "snapshot.json", "version", 1)), "k", NULL);
	put_file(dir.ptr, "timestamp.json", doc);
	free(doc);
	assert_int_equal(sign_sigstore_trusted_root(&out, &expired, ctx, "https://tuf.example.com", &err),
		SIGN_OK);
	assert_int_equal(expired, 1);

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

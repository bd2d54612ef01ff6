/*
 * test_trust_backend.c - the trust backend factory and the backends' own
 * tables: which backend a context and reference get, what each declares
 * (caps, idle work), and that none is taken for another.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common.h"
#include "ctx.h"
#include "notary.h"
#include "ref.h"
#include "store.h"
#include "trust_backend.h"
#include "trust_cache.h"

static char dir[512];

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_trust_backend.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	return mkdtemp(dir) == NULL || sign_global_init() != SIGN_OK ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[600];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static sign_ctx *new_ctx(const char *trust_server)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	sign_ctx *ctx = NULL;
	char home[600];
	sign_error err;
	snprintf(home, sizeof(home), "%s/home", dir);
	o.home = home;
	o.trust_server = trust_server;
	memset(&err, 0, sizeof(err));
	if (sign_ctx_new(&ctx, &o, &err) != SIGN_OK)
		fail_msg("sign_ctx_new: %s", err.message);
	return ctx;
}

/* a layout: the artifact backend, which makes no request */
static void test_layout_artifact(void **state)
{
	sign_ctx *ctx = new_ctx(NULL);
	signp_trust_backend *be = NULL;
	signp_store *st = NULL;
	signp_ref ref;
	char rs[700], keyid[65];
	json_t *k = NULL;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	snprintf(rs, sizeof(rs), "oci:%s/lay", dir);
	assert_int_equal(signp_ref_parse(&ref, rs, NULL, &err), SIGN_OK);
	assert_int_equal(signp_store_open(&st, ctx, &ref, 1, &err), SIGN_OK);
	assert_int_equal(signp_trust_backend_open(&be, ctx, st, &ref, &err), SIGN_OK);
	assert_string_equal(be->name, "oci");
	assert_int_equal(be->caps, 0);
	assert_null(be->server_key);
	assert_null(be->add_idle);
	assert_null(be->drop_idle);
	assert_int_equal(be->refresh(be, &err), SIGN_ENOTFOUND);
	/* not a Notary backend, whatever it is called */
	memset(&err, 0, sizeof(err));
	be->name = "notary";
	assert_int_equal(signp_notary_server_key(&k, keyid, be, "timestamp", 0, &err), SIGN_EINVAL);
	assert_null(k);
	be->free(be);
	signp_store_free(st);
	sign_ctx_free(ctx);
}

/* --trust-server: the Notary backend for registry references, refused for
 * layouts; migrate's URL whatever the context's */
static void test_notary_choice(void **state)
{
	sign_ctx *ctx = new_ctx("http://127.0.0.1:9");
	signp_trust_backend *be = NULL;
	signp_store *st = NULL;
	signp_ref ref;
	char rs[700];
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	snprintf(rs, sizeof(rs), "oci:%s/lay2", dir);
	assert_int_equal(signp_ref_parse(&ref, rs, NULL, &err), SIGN_OK);
	assert_int_equal(signp_store_open(&st, ctx, &ref, 1, &err), SIGN_OK);
	assert_int_equal(signp_trust_backend_open(&be, ctx, st, &ref, &err), SIGN_EINVAL);
	assert_null(be);
	assert_string_equal(err.message, "--trust-server works with registry references, not oci: layouts");
	signp_store_free(st);

	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_ref_parse(&ref, "127.0.0.1:9/a/b", NULL, &err), SIGN_OK);
	assert_int_equal(signp_trust_backend_open(&be, ctx, NULL, &ref, &err), SIGN_OK);
	assert_string_equal(be->name, "notary");
	assert_int_equal(be->caps, SIGNP_TRUST_CAP_SERVER_TIMESTAMP | SIGNP_TRUST_CAP_SERVER_KEYS);
	assert_non_null(be->server_key);
	assert_non_null(be->add_idle);
	assert_non_null(be->drop_idle);
	be->free(be);

	assert_int_equal(signp_trust_backend_open_notary(&be, ctx, "http://127.0.0.1:1", &ref, &err), SIGN_OK);
	assert_int_equal(be->refresh(be, &err), SIGN_ENET);
	assert_non_null(strstr(err.message, "127.0.0.1:1"));
	be->free(be);
	sign_ctx_free(ctx);
}

/* the cache backend: what it was handed, else the cached files; never an
 * older root */
static void test_cache_backend(void **state)
{
	sign_ctx *ctx = new_ctx(NULL);
	signp_trust_backend *be = NULL;
	const signp_tuf_file *read[4] = { NULL, NULL, NULL, NULL };
	sign_buf b = SIGN_BUF_INIT;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_backend_cache(&be, ctx, "example.com/a/b", read, &err), SIGN_OK);
	assert_string_equal(be->name, "cache");
	assert_int_equal(be->caps, 0);
	assert_null(be->add_idle);
	assert_int_equal(be->refresh(be, &err), SIGN_OK);
	assert_int_equal(be->fetch(be, "root", 2, NULL, 1000, &b, &err), SIGN_ENOTFOUND);
	assert_string_equal(err.message, "root version 2 is not cached");
	memset(&err, 0, sizeof(err));
	assert_int_equal(be->fetch(be, "targets", 0, NULL, 1000, &b, &err), SIGN_ENOTFOUND);
	assert_string_equal(err.message, "not cached");
	assert_int_equal(b.size, 0);
	be->free(be);
	sign_buf_dispose(&b);
	sign_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_artifact),
		cmocka_unit_test(test_notary_choice),
		cmocka_unit_test(test_cache_backend),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

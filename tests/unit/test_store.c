/*
 * test_store.c - the image store interface over OCI layouts (store.c's
 * dispatch, store_oci.c, the referrers tag schema, blob copies between two
 * stores) and upload.c's copy of an image from a layout into a store.
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
#include "mediatype.h"
#include "ref.h"
#include "store.h"
#include "upload.h"

static char dir[512];
static sign_ctx *ctx;

static int setup(void **state)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	char home[600];
	const char *tmp = getenv("TMPDIR");
	sign_error err;
	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_store.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL || sign_global_init() != SIGN_OK)
		return -1;
	snprintf(home, sizeof(home), "%s/home", dir);
	o.home = home;
	memset(&err, 0, sizeof(err));
	return sign_ctx_new(&ctx, &o, &err) == SIGN_OK ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];
	(void)state;
	sign_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static signp_store *open_layout(const char *name, int create)
{
	signp_store *s = NULL;
	signp_ref ref;
	char rs[700];
	sign_error err;
	memset(&err, 0, sizeof(err));
	snprintf(rs, sizeof(rs), "oci:%s/%s", dir, name);
	assert_int_equal(signp_ref_parse(&ref, rs, NULL, &err), SIGN_OK);
	if (signp_store_open(&s, ctx, &ref, create, &err) != SIGN_OK)
		fail_msg("opening %s: %s", rs, err.message);
	return s;
}

/* A manifest naming config and one layer (both put into s). */
static void put_image(signp_store *s, const char *tag, char md[80], char cfg_d[80], char layer_d[80])
{
	char body[1024];
	sign_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_store_put_blob(s, "{}", 2, cfg_d, &err), SIGN_OK);
	assert_int_equal(signp_store_put_blob(s, "layer bytes", 11, layer_d, &err), SIGN_OK);
	snprintf(body, sizeof(body), "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
		"\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":2},\"layers\":["
		"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":11}]}",
		SIGN_MT_OCI_MANIFEST, cfg_d, layer_d);
	assert_int_equal(signp_store_put_manifest(s, tag, body, strlen(body), SIGN_MT_OCI_MANIFEST, md, &err),
		SIGN_OK);
}

static void noop(void *arg)
{
	(void)arg;
}

static void test_layout_store(void **state)
{
	signp_store *s = open_layout("a", 1);
	char md[80], cfg[80], layer[80], d[80], mt[256], want[80], itag[96];
	sign_buf b = SIGN_BUF_INIT;
	uint64_t size = 0;
	sign_error err;
	const char *index = "{\"schemaVersion\":2,\"mediaType\":\"" SIGN_MT_OCI_INDEX "\",\"manifests\":[]}";
	(void)state;
	memset(&err, 0, sizeof(err));

	/* a layout makes no request: no idle work, nothing sent ahead */
	assert_int_equal(signp_store_caps(s) & SIGNP_STORE_CAP_NET, 0);
	assert_string_equal(signp_store_kind(s), "oci");
	assert_int_equal(signp_store_add_idle(s, noop, NULL), SIGN_ERROR);
	signp_store_drop_idle(s, noop, NULL);
	signp_store_resolve_ahead(s, "v1");
	signp_store_resolve_ahead_cancel(s);

	put_image(s, "v1", md, cfg, layer);
	signp_digest(want, "{}", 2);
	assert_string_equal(cfg, want);
	assert_int_equal(signp_store_get_blob(s, layer, 1024, &b, &err), SIGN_OK);
	assert_int_equal(b.size, 11);
	assert_memory_equal(b.ptr, "layer bytes", 11);
	signp_buf_clear(&b);

	/* by tag and by digest; by digest the manifest names its media type */
	assert_int_equal(signp_store_resolve(s, "v1", d, mt, &size, &err), SIGN_OK);
	assert_string_equal(d, md);
	assert_string_equal(mt, SIGN_MT_OCI_MANIFEST);
	assert_true(size > 0);
	assert_int_equal(signp_store_resolve(s, md, d, mt, &size, &err), SIGN_OK);
	assert_string_equal(d, md);
	assert_int_equal(signp_store_get_manifest(s, md, SIGN_MAX_MANIFEST, &b, mt, d, &err), SIGN_OK);
	assert_string_equal(mt, SIGN_MT_OCI_MANIFEST);
	assert_string_equal(d, md);
	assert_int_equal(b.size, size);
	signp_buf_clear(&b);
	assert_int_equal(signp_store_resolve_content(s, "v1", d, mt, &size, &b, &err), SIGN_OK);
	assert_string_equal(d, md);
	signp_digest(want, b.ptr, b.size);
	assert_string_equal(want, md);
	signp_buf_clear(&b);

	/* referrers: none, then the tag schema's index */
	assert_int_equal(signp_store_referrers(s, "sha256:nothex", &b, &err), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "bad digest"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_store_referrers(s, md, &b, &err), SIGN_ENOTFOUND);
	assert_int_equal(err.code, 0);
	snprintf(itag, sizeof(itag), "sha256-%s", md + 7);
	assert_int_equal(signp_store_put_manifest(s, itag, index, strlen(index), SIGN_MT_OCI_INDEX, NULL, &err),
		SIGN_OK);
	signp_buf_clear(&b);
	assert_int_equal(signp_store_referrers(s, md, &b, &err), SIGN_OK);
	assert_int_equal(b.size, strlen(index));
	assert_memory_equal(b.ptr, index, b.size);

	/* untag */
	assert_int_equal(signp_store_untag(s, "v1", &err), SIGN_OK);
	assert_int_equal(signp_store_resolve(s, "v1", d, mt, &size, &err), SIGN_ENOTFOUND);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_store_untag(s, "v1", &err), SIGN_ENOTFOUND);
	/* a digest the layout does not hold */
	memset(&err, 0, sizeof(err));
	signp_digest(want, "absent", 6);
	assert_int_equal(signp_store_resolve(s, want, d, mt, &size, &err), SIGN_ENOTFOUND);
	assert_non_null(strstr(err.message, "not found in the layout"));

	sign_buf_dispose(&b);
	signp_store_free(s);
}

static void test_copy_and_upload(void **state)
{
	signp_store *src = open_layout("src", 1), *dst = open_layout("dst", 1);
	char md[80], cfg[80], layer[80], d[80], mt[256], up_d[80], up_mt[256], from[700];
	sign_buf b = SIGN_BUF_INIT;
	uint64_t size = 0, up_size = 0;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	put_image(src, "latest", md, cfg, layer);

	/* one blob between two stores */
	assert_int_equal(signp_store_copy_blob(src, dst, layer, 11, &err), SIGN_OK);
	assert_int_equal(signp_store_get_blob(dst, layer, 1024, &b, &err), SIGN_OK);
	assert_memory_equal(b.ptr, "layer bytes", 11);
	signp_buf_clear(&b);
	signp_digest(d, "absent", 6);
	assert_int_equal(signp_store_copy_blob(src, dst, d, 6, &err), SIGN_ENOTFOUND);

	/* the whole image, under a new tag */
	memset(&err, 0, sizeof(err));
	snprintf(from, sizeof(from), "oci:%s/src", dir);
	if (signp_upload_from(ctx, from, dst, "t2", up_d, up_mt, &up_size, &err) != SIGN_OK)
		fail_msg("upload: %s", err.message);
	assert_string_equal(up_d, md);
	assert_string_equal(up_mt, SIGN_MT_OCI_MANIFEST);
	assert_int_equal(signp_store_resolve(dst, "t2", d, mt, &size, &err), SIGN_OK);
	assert_string_equal(d, md);
	assert_int_equal(size, up_size);
	assert_int_equal(signp_store_get_blob(dst, cfg, 1024, &b, &err), SIGN_OK);
	assert_memory_equal(b.ptr, "{}", 2);

	/* sources are layouts only; a missing tag names the source */
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_upload_from(ctx, "example.com/app:1", dst, "t3", up_d, up_mt, &up_size, &err),
		SIGN_EINVAL);
	assert_string_equal(err.message, "--from example.com/app:1: only oci:DIR[:tag] sources are supported");
	memset(&err, 0, sizeof(err));
	snprintf(from, sizeof(from), "oci:%s/src:nope", dir);
	assert_int_equal(signp_upload_from(ctx, from, dst, "t3", up_d, up_mt, &up_size, &err), SIGN_ENOTFOUND);
	assert_true(signp_str_has_prefix(err.message, "uploading oci:"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_store_resolve(dst, "t3", d, mt, &size, &err), SIGN_ENOTFOUND);

	sign_buf_dispose(&b);
	signp_store_free(src);
	signp_store_free(dst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_store),
		cmocka_unit_test(test_copy_and_upload),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

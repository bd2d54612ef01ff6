/*
 * test_oci.c - OCI image layout folders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "common.h"
#include "oci.h"

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_oci.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[512];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void layout_path(char *out, size_t size, const char *name, const char *rel)
{
	snprintf(out, size, "%s/%s%s%s", tmpdir, name, rel ? "/" : "", rel ? rel : "");
}

static void write_text(const char *path, const char *text)
{
	assert_int_equal(signp_write_file_atomic(path, text, strlen(text), 0644, NULL), SIGN_OK);
}

static void test_create_and_roundtrip(void **state)
{
	signp_oci *o = NULL, *o2 = NULL;
	char dir[512], p[600], d1[80], d2[80], got_d[80], mt[256];
	sign_buf b = SIGN_BUF_INIT, body = SIGN_BUF_INIT;
	uint64_t size = 0;
	char **tags = NULL;
	struct stat st;
	size_t i, n;
	(void)state;

	layout_path(dir, sizeof(dir), "a", NULL);
	/* not a layout yet */
	assert_int_equal(signp_oci_open(&o, dir, 0, NULL), SIGN_ENOTFOUND);
	assert_int_equal(signp_oci_open(&o, dir, 1, NULL), SIGN_OK);
	layout_path(p, sizeof(p), "a", "oci-layout");
	assert_int_equal(signp_read_file(&b, p, 4096, NULL), SIGN_OK);
	assert_string_equal(b.ptr, "{\"imageLayoutVersion\":\"1.0.0\"}");
	layout_path(p, sizeof(p), "a", "blobs/sha256");
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0755);

	assert_int_equal(signp_oci_put_blob(o, "hello", 5, d1, NULL), SIGN_OK);
	assert_string_equal(d1,
		"sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	assert_int_equal(signp_oci_put_blob(o, "{}", 2, d2, NULL), SIGN_OK);
	assert_int_equal(signp_oci_has_blob(o, d1, &size), 1);
	assert_int_equal(size, 5);
	assert_int_equal(signp_oci_has_blob(o,
		"sha256:0000000000000000000000000000000000000000000000000000000000000000", NULL), 0);
	assert_int_equal(signp_oci_has_blob(o, "sha256:../../etc/passwd", NULL), 0);
	assert_int_equal(signp_oci_blob_path(&b, o, d1), SIGN_OK);
	assert_int_equal(stat(b.ptr, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_not_equal(signp_oci_blob_path(&b, o, "sha256:../x"), SIGN_OK);

	assert_int_equal(signp_oci_get_blob(o, d1, 100, &body, NULL), SIGN_OK);
	assert_int_equal(body.size, 5);
	assert_memory_equal(body.ptr, "hello", 5);
	signp_buf_clear(&body);
	/* too large for max */
	assert_int_not_equal(signp_oci_get_blob(o, d1, 4, &body, NULL), SIGN_OK);
	assert_int_equal(body.size, 0);

	assert_int_equal(signp_oci_tag(o, "v1", d1, MT_MANIFEST, 5, NULL), SIGN_OK);
	assert_int_equal(signp_oci_tag(o, "v2", d2, MT_MANIFEST, 2, NULL), SIGN_OK);
	assert_int_equal(signp_oci_resolve(o, "v1", got_d, mt, &size, NULL), SIGN_OK);
	assert_string_equal(got_d, d1);
	assert_string_equal(mt, MT_MANIFEST);
	assert_int_equal(size, 5);
	/* retag v1 -> d2: replaced, not duplicated, position kept */
	assert_int_equal(signp_oci_tag(o, "v1", d2, MT_MANIFEST, 2, NULL), SIGN_OK);
	assert_int_equal(signp_oci_tags(&tags, o, NULL), SIGN_OK);
	for (n = 0; tags[n]; n++)
		;
	assert_int_equal(n, 2);
	assert_string_equal(tags[0], "v1");
	assert_string_equal(tags[1], "v2");
	for (i = 0; i < n; i++)
		free(tags[i]);
	free(tags);

	/* a second handle sees the changes; reopening with create keeps them */
	assert_int_equal(signp_oci_open(&o2, dir, 1, NULL), SIGN_OK);
	assert_int_equal(signp_oci_resolve(o2, "v1", got_d, NULL, NULL, NULL), SIGN_OK);
	assert_string_equal(got_d, d2);
	assert_int_equal(signp_oci_untag(o2, "v2", NULL), SIGN_OK);
	assert_int_equal(signp_oci_untag(o2, "v2", NULL), SIGN_ENOTFOUND);
	assert_int_equal(signp_oci_resolve(o, "v2", got_d, NULL, NULL, NULL), SIGN_ENOTFOUND);
	assert_int_equal(signp_oci_tags(&tags, o, NULL), SIGN_OK);
	assert_string_equal(tags[0], "v1");
	assert_null(tags[1]);
	free(tags[0]);
	free(tags);

	/* invalid arguments */
	assert_int_equal(signp_oci_tag(o, "", d1, MT_MANIFEST, 5, NULL), SIGN_EINVAL);
	assert_int_equal(signp_oci_tag(o, "a b", d1, MT_MANIFEST, 5, NULL), SIGN_EINVAL);
	assert_int_equal(signp_oci_tag(o, "x", "sha256:1234", MT_MANIFEST, 5, NULL), SIGN_EINVAL);
	assert_int_equal(signp_oci_tag(o, "x", d1, "", 5, NULL), SIGN_EINVAL);
	assert_int_equal(signp_oci_get_blob(o, "md5:abc", 10, &body, NULL), SIGN_EINVAL);
	assert_int_equal(signp_oci_get_blob(o,
		"sha256:0000000000000000000000000000000000000000000000000000000000000000", 10, &body,
		NULL), SIGN_ENOTFOUND);

	signp_oci_free(o);
	signp_oci_free(o2);
	sign_buf_dispose(&b);
	sign_buf_dispose(&body);
}

static void test_tampered_blob(void **state)
{
	signp_oci *o = NULL;
	char dir[512], d[80];
	sign_buf path = SIGN_BUF_INIT, body = SIGN_BUF_INIT;
	sign_error err = { 0 };
	(void)state;
	layout_path(dir, sizeof(dir), "t", NULL);
	assert_int_equal(signp_oci_open(&o, dir, 1, NULL), SIGN_OK);
	assert_int_equal(signp_oci_put_blob(o, "original", 8, d, NULL), SIGN_OK);
	assert_int_equal(signp_oci_blob_path(&path, o, d), SIGN_OK);
	write_text(path.ptr, "tampered");
	assert_int_equal(signp_buf_puts(&body, "prefix"), SIGN_OK);
	assert_int_equal(signp_oci_get_blob(o, d, 100, &body, &err), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "does not match its content"));
	assert_non_null(strstr(err.message, d));
	/* the caller's buffer is left as it was */
	assert_string_equal(body.ptr, "prefix");
	signp_oci_free(o);
	sign_buf_dispose(&path);
	sign_buf_dispose(&body);
}

static void test_garbage_index(void **state)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{\"schemaVersion\":1,\"manifests\":[]}",
		"{\"schemaVersion\":2,\"manifests\":{}}",
		"{\"schemaVersion\":2,\"manifests\":[1]}",
		"{\"schemaVersion\":2,\"manifests\":[{\"annotations\":[]}]}",
		"{\"schemaVersion\":2,\"schemaVersion\":2,\"manifests\":[]}",
		"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"sha256:../../x\",\"size\":1,"
		"\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}",
	};
	char dir[512], p[600];
	size_t i;
	(void)state;
	layout_path(dir, sizeof(dir), "g", NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		signp_oci *o = NULL;
		sign_error err = { 0 };
		char digest[80];
		int r;
		assert_int_equal(signp_mkdirs(dir, 0755, NULL), SIGN_OK);
		layout_path(p, sizeof(p), "g", "oci-layout");
		write_text(p, "{\"imageLayoutVersion\":\"1.0.0\"}");
		layout_path(p, sizeof(p), "g", "index.json");
		write_text(p, bad[i]);
		r = signp_oci_open(&o, dir, 0, &err);
		if (r == SIGN_OK) {
			/* only the last one opens; its entry is unusable */
			r = signp_oci_resolve(o, "v1", digest, NULL, NULL, &err);
			signp_oci_free(o);
		} else {
			assert_null(o);
		}
		assert_int_equal(r, SIGN_EFORMAT);
		assert_true(err.message[0] != '\0');
	}
	/* a missing marker file is not a layout */
	layout_path(p, sizeof(p), "g", "oci-layout");
	write_text(p, "{\"imageLayoutVersion\":7}");
	{
		signp_oci *o = NULL;
		assert_int_not_equal(signp_oci_open(&o, dir, 0, NULL), SIGN_OK);
		assert_null(o);
	}
}

static void test_unknown_fields_preserved(void **state)
{
	signp_oci *o = NULL;
	char dir[512], p[600], d[80];
	sign_buf b = SIGN_BUF_INIT;
	json_t *j, *m;
	(void)state;
	layout_path(dir, sizeof(dir), "u", NULL);
	assert_int_equal(signp_mkdirs(dir, 0755, NULL), SIGN_OK);
	layout_path(p, sizeof(p), "u", "oci-layout");
	write_text(p, "{\"imageLayoutVersion\":\"1.0.0\"}");
	layout_path(p, sizeof(p), "u", "index.json");
	write_text(p,
		"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":"
		"\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2,"
		"\"platform\":{\"os\":\"linux\"}}],\"annotations\":{\"keep\":\"me\"}}");
	assert_int_equal(signp_oci_open(&o, dir, 0, NULL), SIGN_OK);
	assert_int_equal(signp_oci_put_blob(o, "{}", 2, d, NULL), SIGN_OK);
	assert_int_equal(signp_oci_tag(o, "latest", d, MT_MANIFEST, 2, NULL), SIGN_OK);
	assert_int_equal(signp_read_file(&b, p, 1 << 20, NULL), SIGN_OK);
	j = json_loadb(b.ptr, b.size, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "annotations"),
		"keep")), "me");
	m = json_object_get(j, "manifests");
	assert_int_equal(json_array_size(m), 2);
	assert_non_null(json_object_get(json_array_get(m, 0), "platform"));
	json_decref(j);
	signp_oci_free(o);
	sign_buf_dispose(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_roundtrip),
		cmocka_unit_test(test_tampered_blob),
		cmocka_unit_test(test_garbage_index),
		cmocka_unit_test(test_unknown_fields_preserved),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}

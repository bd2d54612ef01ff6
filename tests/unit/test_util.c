/* test_util.c - the library's bounded file reader (signp_read_file[_ex],
 * signp_open_regular), and the wiping of parsed secrets. */
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

#include "common.h"

static char dir[] = "/tmp/sign-test-util.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[64];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* a file of n bytes, 'a' + i % 26, and its path */
static const char *make_file(const char *name, size_t n)
{
	static char path[128];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(fputc('a' + (int)(i % 26), f), 'a' + (int)(i % 26));
	assert_int_equal(fclose(f), 0);
	return path;
}

static void check_content(const sign_buf *b, size_t n)
{
	assert_int_equal(b->size, n);
	assert_non_null(b->ptr);
	assert_true(b->asize > n);
	assert_int_equal(b->ptr[n], '\0');
	for (size_t i = 0; i < n; i++)
		assert_int_equal(b->ptr[i], 'a' + (int)(i % 26));
}

/* whole files of several sizes, up to and including the bound */
static void test_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 65536, 65537, 300000 };
	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		sign_buf b = { 0 };
		const char *p = make_file("sizes", sizes[i]);
		assert_int_equal(signp_read_file(&b, p, sizes[i], NULL), SIGN_OK);
		check_content(&b, sizes[i]);
		free(b.ptr);
	}
}

/* one byte over the bound is refused, whatever the size */
static void test_over_bound(void **state)
{
	sign_error err = { 0 };
	sign_buf b = { 0 };
	const char *p = make_file("over", 70000);
	(void)state;
	assert_int_equal(signp_read_file(&b, p, 69999, &err), SIGN_EFORMAT);
	assert_non_null(strstr(err.message, "larger than 69999 bytes"));
	free(b.ptr);
}

/* a file whose size fstat does not know (procfs says 0) is read to its
 * end, and still bounded */
static void test_unknown_size(void **state)
{
	sign_error err = { 0 };
	sign_buf b = { 0 };
	(void)state;
	assert_int_equal(signp_read_file(&b, "/proc/self/status", 1 << 20, &err), SIGN_OK);
	assert_true(b.size > 100);
	assert_int_equal(strlen(b.ptr), b.size);
	assert_non_null(strstr(b.ptr, "Name:"));
	free(b.ptr);
	memset(&b, 0, sizeof(b));
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_read_file(&b, "/proc/self/status", 16, &err), SIGN_EFORMAT);
	assert_true(b.size <= 16);
	free(b.ptr);
}

/* missing files, directories and symbolic links are not read */
static void test_not_files(void **state)
{
	sign_error err = { 0 };
	sign_buf b = { 0 };
	char link[160];
	const char *p;
	(void)state;
	snprintf(link, sizeof(link), "%s/missing", dir);
	assert_int_equal(signp_read_file(&b, link, 100, &err), SIGN_ENOTFOUND);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_read_file(&b, dir, 100, &err), SIGN_EIO);
	assert_non_null(strstr(err.message, "not a regular file"));
	memset(&err, 0, sizeof(err));
	p = make_file("target", 10);
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(p, link), 0);
	assert_int_equal(signp_read_file(&b, link, 100, &err), SIGN_EIO);
	free(b.ptr);
}

/* a FIFO (no writer) or a device is refused at once, never waited on: the
 * alarm turns a reader that blocks in open or read into a failed test */
static void test_fifo(void **state)
{
	sign_error err = { 0 };
	sign_buf b = { 0 };
	char fifo[160], link[160];
	(void)state;
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(20);
	assert_int_equal(signp_read_file(&b, fifo, 100, &err), SIGN_EIO);
	assert_non_null(strstr(err.message, fifo));
	assert_non_null(strstr(err.message, "not a regular file"));
	/* another tool's file follows a link, still to a regular file only */
	snprintf(link, sizeof(link), "%s/fifo-link", dir);
	assert_int_equal(symlink(fifo, link), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_read_file_ex(&b, link, 100, SIGNP_READ_SECRET | SIGNP_READ_FOREIGN, &err),
		SIGN_EIO);
	assert_non_null(strstr(err.message, "not a regular file"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_read_file(&b, "/dev/zero", 100, &err), SIGN_EIO);
	assert_non_null(strstr(err.message, "/dev/zero: not a regular file"));
	memset(&err, 0, sizeof(err));
	assert_true(signp_open_regular(fifo, 0, NULL, &err) < 0);
	assert_non_null(strstr(err.message, "not a regular file"));
	alarm(0);
	assert_null(b.ptr);
}

/* a secret read gives the same bytes, also when the buffer must grow (a
 * procfs file whose size fstat does not know) */
static void test_secret(void **state)
{
	sign_buf b = { 0 };
	const char *p = make_file("secret", 70000);
	(void)state;
	assert_int_equal(signp_read_file_ex(&b, p, 70000, SIGNP_READ_SECRET, NULL), SIGN_OK);
	check_content(&b, 70000);
	signp_buf_dispose_secure(&b);
	assert_int_equal(signp_read_file_ex(&b, "/proc/self/status", 1 << 20, SIGNP_READ_SECRET, NULL),
		SIGN_OK);
	assert_true(b.size > 100);
	assert_int_equal(strlen(b.ptr), b.size);
	assert_non_null(strstr(b.ptr, "Name:"));
	signp_buf_dispose_secure(&b);
}

/* another tool's file (the docker config): a symbolic link is followed,
 * and a path through a file is absent; sign's own files are neither */
static void test_foreign(void **state)
{
	sign_error err = { 0 };
	sign_buf b = { 0 };
	char link[160], through[160];
	const char *p;
	(void)state;
	p = make_file("foreign", 30);
	snprintf(link, sizeof(link), "%s/foreign-link", dir);
	assert_int_equal(symlink(p, link), 0);
	assert_int_equal(signp_read_file_ex(&b, link, 100, SIGNP_READ_FOREIGN, NULL), SIGN_OK);
	check_content(&b, 30);
	free(b.ptr);
	memset(&b, 0, sizeof(b));
	snprintf(through, sizeof(through), "%s/config.json", p);
	assert_int_equal(signp_read_file_ex(&b, through, 100, SIGNP_READ_FOREIGN, NULL), SIGN_ENOTFOUND);
	assert_int_equal(signp_read_file(&b, through, 100, &err), SIGN_EIO);
	assert_non_null(strstr(err.message, "Not a directory"));
	free(b.ptr);
}

/* jansson's allocations during test_json_wipe: each block carries its size,
 * and a freed block that still holds SECRET is counted */
#define SECRET "s3cret-token-value"
static int freed_with_secret;

static void *counting_malloc(size_t n)
{
	size_t *p = malloc(sizeof(size_t) + n);
	if (p == NULL)
		return NULL;
	*p = n;
	return p + 1;
}

static void counting_free(void *q)
{
	size_t *p = q, n;
	if (q == NULL)
		return;
	n = p[-1];
	for (size_t i = 0; i + strlen(SECRET) <= n; i++)
		if (memcmp((char *)q + i, SECRET, strlen(SECRET)) == 0) {
			freed_with_secret++;
			break;
		}
	free(p - 1);
}

/* a parsed document that held credentials is wiped before it is freed (the
 * docker config, a registry token answer); plain json_decref leaves them */
static void test_json_wipe(void **state)
{
	static const char doc[] = "{\"auths\":{\"r.example.com\":{\"identitytoken\":\"" SECRET
		"\"}},\"list\":[\"" SECRET "\", 1]}";
	json_t *j;
	(void)state;
	json_set_alloc_funcs(counting_malloc, counting_free);
	/* control: what json_decref leaves behind */
	j = json_loads(doc, 0, NULL);
	assert_non_null(j);
	freed_with_secret = 0;
	json_decref(j);
	assert_int_equal(freed_with_secret, 2);
	j = json_loads(doc, 0, NULL);
	assert_non_null(j);
	freed_with_secret = 0;
	signp_json_decref_wipe(j);
	assert_int_equal(freed_with_secret, 0);
	/* a value another reference shares is left alone */
	{
		json_t *shared;
		j = json_loads(doc, 0, NULL);
		shared = json_incref(json_array_get(json_object_get(j, "list"), 0));
		signp_json_decref_wipe(j);
		assert_string_equal(json_string_value(shared), SECRET);
		json_decref(shared);
	}
	json_set_alloc_funcs(malloc, free);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_over_bound),
		cmocka_unit_test(test_unknown_size),
		cmocka_unit_test(test_not_files),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_json_wipe),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

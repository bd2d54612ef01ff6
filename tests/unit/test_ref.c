/* test_ref.c - reference parsing and normalisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ref.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef struct good_case {
	const char *in;
	const char *host, *path, *tag, *digest, *gun;
} good_case;

static const good_case good[] = {
	{ "alpine", "docker.io", "library/alpine", "", "", "docker.io/library/alpine" },
	{ "alpine:3.19", "docker.io", "library/alpine", "3.19", "", "docker.io/library/alpine" },
	{ "library/alpine", "docker.io", "library/alpine", "", "", "docker.io/library/alpine" },
	{ "docker.io/alpine", "docker.io", "library/alpine", "", "", "docker.io/library/alpine" },
	{ "index.docker.io/alpine", "docker.io", "library/alpine", "", "", "docker.io/library/alpine" },
	{ "index.docker.io/user/app:v1", "docker.io", "user/app", "v1", "", "docker.io/user/app" },
	{ "user/app", "docker.io", "user/app", "", "", "docker.io/user/app" },
	{ "my-registry/my-image", "docker.io", "my-registry/my-image", "", "", "docker.io/my-registry/my-image" },
	{ "127.0.0.1:5000/app", "127.0.0.1:5000", "app", "", "", "127.0.0.1:5000/app" },
	{ "127.0.0.1:5000/app:v1", "127.0.0.1:5000", "app", "v1", "", "127.0.0.1:5000/app" },
	{ "localhost/app", "localhost", "app", "", "", "localhost/app" },
	{ "localhost:5000/a/b/c:latest", "localhost:5000", "a/b/c", "latest", "", "localhost:5000/a/b/c" },
	{ "[::1]:5000/app:v2", "[::1]:5000", "app", "v2", "", "[::1]:5000/app" },
	{ "[::1]/app", "[::1]", "app", "", "", "[::1]/app" },
	{ "Registry.Example.com/app", "Registry.Example.com", "app", "", "", "Registry.Example.com/app" },
	{ "MYHOST/app", "MYHOST", "app", "", "", "MYHOST/app" },
	{ "ghcr.io/o/r@sha256:" D64, "ghcr.io", "o/r", "", "sha256:" D64, "ghcr.io/o/r" },
	{ "ghcr.io/o/r:t@sha256:" D64, "ghcr.io", "o/r", "t", "sha256:" D64, "ghcr.io/o/r" },
	{ "a.b-c.d--e/x_y.z", "a.b-c.d--e", "x_y.z", "", "", "a.b-c.d--e/x_y.z" },
	{ "a_b/c", "docker.io", "a_b/c", "", "", "docker.io/a_b/c" },
	{ "example.com/a__b/c---d/e.f", "example.com", "a__b/c---d/e.f", "", "", "example.com/a__b/c---d/e.f" },
	{ "app:_tag", "docker.io", "library/app", "_tag", "", "docker.io/library/app" },
	{ "app:V1.2-rc.3_x", "docker.io", "library/app", "V1.2-rc.3_x", "", "docker.io/library/app" },
	{ "localhost:5000", "docker.io", "library/localhost", "5000", "", "docker.io/library/localhost" },
	{ "host:65535/x", "host:65535", "x", "", "", "host:65535/x" },
};

static const char *const bad[] = {
	"",
	"UPPER",
	"docker.io/UPPER/app",
	"app:",
	"app:-tag",
	"app:.tag",
	"app:t@g",
	"app@sha256:abc",
	"app@sha256:" D64 "00",
	"app@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	"app@sha512:" D64 D64,
	"app@md5:d41d8cd98f00b204e9800998ecf8427e",
	"app@",
	"/app",
	"app/",
	"a//b",
	"host:5000/",
	"-app",
	"app-",
	"a..b",
	"a._b",
	"a___b",
	"host:0/app",
	"host:99999/app",
	"host:port/app",
	"-host.com/app",
	"[::1/app",
	"[zz]:5000/app",
	"app name",
	"app\n",
	"ex ample.com/app",
	"example.com/app:t:u",
	"a_b.com/app",
	"a_b:5000/app",
};

static void test_good(void **state)
{
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		signp_ref r;
		sign_error err;
		int rc;
		memset(&err, 0, sizeof(err));
		rc = signp_ref_parse(&r, good[i].in, NULL, &err);
		if (rc != SIGN_OK)
			fail_msg("%s: %s", good[i].in, err.message);
		assert_int_equal(r.layout, 0);
		assert_string_equal(r.host, good[i].host);
		assert_string_equal(r.path, good[i].path);
		assert_string_equal(r.tag, good[i].tag);
		assert_string_equal(r.digest, good[i].digest);
		assert_string_equal(r.gun, good[i].gun);
		assert_true(signp_gun_valid(r.gun));
	}
}

static void test_bad(void **state)
{
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		signp_ref r;
		sign_error err;
		int rc;
		memset(&err, 0, sizeof(err));
		rc = signp_ref_parse(&r, bad[i], NULL, &err);
		if (rc != SIGN_EINVAL)
			fail_msg("accepted bad reference \"%s\" (host %s path %s tag %s)", bad[i], r.host, r.path, r.tag);
		assert_int_equal(err.code, SIGN_EINVAL);
		assert_true(err.message[0] != '\0');
	}
	assert_int_equal(signp_ref_parse(&(signp_ref){ 0 }, NULL, NULL, NULL), SIGN_EINVAL);
}

static void test_unsupported_digest_message(void **state)
{
	signp_ref r;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_ref_parse(&r, "app@sha512:" D64 D64, NULL, &err), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "unsupported digest algorithm"));
	assert_non_null(strstr(err.message, "sha512"));
}

static void test_lengths(void **state)
{
	char name[400];
	signp_ref r;
	(void)state;
	/* 255 characters in total: accepted; 256: refused */
	memset(name, 'a', sizeof(name));
	memcpy(name, "example.com/", 12);
	name[255] = '\0';
	assert_int_equal(signp_ref_parse(&r, name, NULL, NULL), SIGN_OK);
	name[255] = 'a';
	name[256] = '\0';
	assert_int_equal(signp_ref_parse(&r, name, NULL, NULL), SIGN_EINVAL);
	/* tag of 128 ok, 129 refused */
	memcpy(name, "app:", 4);
	memset(name + 4, 't', 128);
	name[4 + 128] = '\0';
	assert_int_equal(signp_ref_parse(&r, name, NULL, NULL), SIGN_OK);
	assert_int_equal(strlen(r.tag), 128);
	name[4 + 128] = 't';
	name[4 + 129] = '\0';
	assert_int_equal(signp_ref_parse(&r, name, NULL, NULL), SIGN_EINVAL);
	/* a huge string */
	{
		static char big[10000];
		memset(big, 'a', sizeof(big) - 1);
		assert_int_equal(signp_ref_parse(&r, big, NULL, NULL), SIGN_EINVAL);
	}
}

static void test_repository(void **state)
{
	signp_ref r;
	char out[512], big[700];
	(void)state;
	assert_int_equal(signp_ref_parse(&r, "oci:/tmp/a:b/img:v1", NULL, NULL), SIGN_OK);
	signp_ref_repository(out, &r);
	assert_string_equal(out, "oci:/tmp/a:b/img");
	assert_int_equal(signp_ref_parse(&r, "oci:lay@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"example.com/x", NULL), SIGN_OK);
	signp_ref_repository(out, &r);
	assert_string_equal(out, "oci:lay");
	assert_int_equal(signp_ref_parse(&r, "alpine:3", NULL, NULL), SIGN_OK);
	signp_ref_repository(out, &r);
	assert_string_equal(out, "docker.io/library/alpine");
	/* a long folder is cut to fit, still terminated */
	memcpy(big, "oci:/", 5);
	memset(big + 5, 'd', sizeof(big) - 6);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(signp_ref_parse(&r, big, "example.com/x", NULL), SIGN_OK);
	signp_ref_repository(out, &r);
	assert_int_equal(strlen(out), 511);
	assert_memory_equal(out, "oci:/ddd", 8);
}

static void test_oci(void **state)
{
	signp_ref r;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));

	assert_int_equal(signp_ref_parse(&r, "oci:/tmp/layout", NULL, &err), SIGN_OK);
	assert_int_equal(r.layout, 1);
	assert_string_equal(r.oci_dir, "/tmp/layout");
	assert_string_equal(r.tag, "");
	assert_string_equal(r.gun, "local/layout");
	assert_string_equal(r.host, "");

	assert_int_equal(signp_ref_parse(&r, "oci:/tmp/layout:v1", NULL, &err), SIGN_OK);
	assert_string_equal(r.oci_dir, "/tmp/layout");
	assert_string_equal(r.tag, "v1");

	assert_int_equal(signp_ref_parse(&r, "oci:/tmp/My Layout/", NULL, &err), SIGN_OK);
	assert_string_equal(r.oci_dir, "/tmp/My Layout/");
	assert_string_equal(r.gun, "local/my-layout");

	/* a ':' in the folder: the suffix after the last ':' has a '/', so no tag */
	assert_int_equal(signp_ref_parse(&r, "oci:/tmp/a:b/img", NULL, &err), SIGN_OK);
	assert_string_equal(r.oci_dir, "/tmp/a:b/img");
	assert_string_equal(r.tag, "");
	assert_string_equal(r.gun, "local/img");

	assert_int_equal(signp_ref_parse(&r, "oci:/tmp/a:b/img:latest", NULL, &err), SIGN_OK);
	assert_string_equal(r.oci_dir, "/tmp/a:b/img");
	assert_string_equal(r.tag, "latest");

	/* a ':' whose suffix is not a valid tag stays in the folder name */
	assert_int_equal(signp_ref_parse(&r, "oci:/tmp/x:!y", NULL, &err), SIGN_OK);
	assert_string_equal(r.oci_dir, "/tmp/x:!y");
	assert_string_equal(r.tag, "");
	assert_string_equal(r.gun, "local/x--y");

	assert_int_equal(signp_ref_parse(&r, "oci:dir@sha256:" D64, NULL, &err), SIGN_OK);
	assert_string_equal(r.oci_dir, "dir");
	assert_string_equal(r.digest, "sha256:" D64);
	assert_string_equal(r.tag, "");
	assert_string_equal(r.gun, "local/dir");

	assert_int_equal(signp_ref_parse(&r, "oci:dir:v1@sha256:" D64, NULL, &err), SIGN_OK);
	assert_string_equal(r.oci_dir, "dir");
	assert_string_equal(r.tag, "v1");

	assert_int_equal(signp_ref_parse(&r, "oci:/x/Hello_World.v2", NULL, &err), SIGN_OK);
	assert_string_equal(r.gun, "local/hello_world.v2");

	assert_int_equal(signp_ref_parse(&r, "oci:/x/__weird..name__", NULL, &err), SIGN_OK);
	assert_true(signp_gun_valid(r.gun));
	assert_string_equal(r.gun, "local/weird-name");

	assert_int_equal(signp_ref_parse(&r, "oci:/x/!!!", NULL, &err), SIGN_OK);
	assert_true(signp_gun_valid(r.gun));

	assert_int_equal(signp_ref_parse(&r, "oci:.", NULL, &err), SIGN_OK);
	assert_true(signp_gun_valid(r.gun));
	assert_string_equal(r.oci_dir, ".");

	assert_int_equal(signp_ref_parse(&r, "oci:/tmp/layout", "example.com/team/app", &err), SIGN_OK);
	assert_string_equal(r.gun, "example.com/team/app");

	/* errors */
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_ref_parse(&r, "oci:/tmp/layout", "Bad GUN", &err), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "GUN"));
	assert_int_equal(signp_ref_parse(&r, "oci:", NULL, NULL), SIGN_EINVAL);
	assert_int_equal(signp_ref_parse(&r, "oci::v1", NULL, NULL), SIGN_EINVAL);
	assert_int_equal(signp_ref_parse(&r, "oci:dir@sha256:abc", NULL, NULL), SIGN_EINVAL);
	assert_int_equal(signp_ref_parse(&r, "oci:dir@sha512:" D64 D64, NULL, NULL), SIGN_EINVAL);
}

static void test_gun_valid(void **state)
{
	(void)state;
	assert_true(signp_gun_valid("docker.io/library/alpine"));
	assert_true(signp_gun_valid("local/app"));
	assert_true(signp_gun_valid("127.0.0.1:5000/a/b"));
	assert_true(signp_gun_valid("[::1]:5000/a"));
	assert_true(signp_gun_valid("my-registry/my-image"));
	assert_false(signp_gun_valid(NULL));
	assert_false(signp_gun_valid(""));
	assert_false(signp_gun_valid("app"));
	assert_false(signp_gun_valid("/app"));
	assert_false(signp_gun_valid("host/"));
	assert_false(signp_gun_valid("host/../etc"));
	assert_false(signp_gun_valid("host/a/../b"));
	assert_false(signp_gun_valid("host/A"));
	assert_false(signp_gun_valid("host/a b"));
	assert_false(signp_gun_valid("host//a"));
	assert_false(signp_gun_valid("ho st/a"));
}

static void test_loopback(void **state)
{
	(void)state;
	assert_true(signp_host_is_loopback("localhost"));
	assert_true(signp_host_is_loopback("LOCALHOST:5000"));
	assert_true(signp_host_is_loopback("127.0.0.1"));
	assert_true(signp_host_is_loopback("127.0.0.1:5000"));
	assert_true(signp_host_is_loopback("127.255.3.4:1"));
	assert_true(signp_host_is_loopback("[::1]"));
	assert_true(signp_host_is_loopback("[::1]:5000"));
	assert_true(signp_host_is_loopback("::1"));
	assert_true(signp_host_is_loopback("[0:0:0:0:0:0:0:1]:80"));
	assert_false(signp_host_is_loopback(NULL));
	assert_false(signp_host_is_loopback(""));
	assert_false(signp_host_is_loopback("128.0.0.1"));
	assert_false(signp_host_is_loopback("127.0.0.1.example.com"));
	assert_false(signp_host_is_loopback("localhost.example.com"));
	assert_false(signp_host_is_loopback("10.0.0.1:5000"));
	assert_false(signp_host_is_loopback("[::2]:5000"));
	assert_false(signp_host_is_loopback("[::1]x"));
	assert_false(signp_host_is_loopback("127.0.0.1:x"));
	assert_false(signp_host_is_loopback("docker.io"));
}

static void test_api_host(void **state)
{
	(void)state;
	assert_string_equal(signp_registry_api_host("docker.io"), "registry-1.docker.io");
	assert_string_equal(signp_registry_api_host("index.docker.io"), "registry-1.docker.io");
	assert_string_equal(signp_registry_api_host("ghcr.io"), "ghcr.io");
	assert_string_equal(signp_registry_api_host("127.0.0.1:5000"), "127.0.0.1:5000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_unsupported_digest_message),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_oci),
		cmocka_unit_test(test_repository),
		cmocka_unit_test(test_gun_valid),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_api_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

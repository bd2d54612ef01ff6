/*
 * test_targets_index.c - the verified targets index (targets_index.c) on
 * forged input: built from parsed targets and delegation files, read back,
 * and then every byte flipped, every length cut, another key, a header
 * re-MACed around counts and offsets that lie: the reader refuses, or each
 * lookup gives the true answer or an error - never another answer.  And the
 * home's key file: made 0600, read back, replaced when broken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "targets_index.h"

#define H32(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
/* base64 of 32 bytes of 0x00, 0x01, 0x02 */
#define SHA_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define SHA_B "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define SHA_C "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="

static const char targets_json[] =
	"{\"signed\":{\"_type\":\"Targets\",\"version\":7,\"expires\":\"2099-01-01T00:00:00Z\","
	"\"delegations\":{\"keys\":{},\"roles\":[{\"name\":\"targets/releases\",\"keyids\":[],"
	"\"threshold\":1,\"paths\":[\"\"]}]},"
	"\"targets\":{\"v1\":{\"hashes\":{\"sha256\":\"" SHA_A "\"},\"length\":10},"
	"\"v2\":{\"hashes\":{\"sha256\":\"" SHA_B "\"},\"length\":20},"
	"\"latest\":{\"hashes\":{\"sha256\":\"" SHA_C "\"},\"length\":30},"
	"\"nohash\":{\"hashes\":{},\"length\":1}}},\"signatures\":[]}";
static const char releases_json[] =
	"{\"signed\":{\"_type\":\"Targets\",\"version\":3,\"expires\":\"2099-01-01T00:00:00Z\","
	"\"targets\":{\"v2\":{\"hashes\":{\"sha256\":\"" SHA_C "\"},\"length\":5}}},\"signatures\":[]}";

static const char *const names[] = { "v1", "v2", "latest", "nohash", "v0", "v3", "", "zzz" };
#define NNAMES (sizeof(names) / sizeof(names[0]))

typedef struct fx {
	unsigned char key[SIGNP_TINDEX_KEY_BYTES];
	unsigned char root[32];
	signp_tuf_file *targets, *releases;
	sign_buf index;
	/* the truth: per file and name, found and digest */
	int found[2][NNAMES];
	char digest[2][NNAMES][80];
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	sign_error err;
	signp_tindex_src src[2];
	memset(&err, 0, sizeof(err));
	assert_non_null(f);
	assert_int_equal(sodium_init() >= 0, 1);
	crypto_auth_keygen(f->key);
	memset(f->root, 0x5a, 32);
	f->index = (sign_buf)SIGN_BUF_INIT;
	if (signp_tuf_parse(&f->targets, "targets", targets_json, strlen(targets_json), &err) != SIGN_OK ||
	    signp_tuf_parse(&f->releases, "targets/releases", releases_json, strlen(releases_json), &err) != SIGN_OK)
		fail_msg("parse: %s", err.message);
	src[0].file = f->targets;
	src[0].meta = "{\"hashes\":{\"sha256\":\"x\"},\"length\":1}";
	src[1].file = f->releases;
	src[1].meta = "{\"hashes\":{\"sha256\":\"y\"},\"length\":2}";
	if (signp_tindex_build(&f->index, f->key, f->root, src, 2, &err) != SIGN_OK)
		fail_msg("build: %s", err.message);
	f->found[0][0] = f->found[0][1] = f->found[0][2] = 1;
	snprintf(f->digest[0][0], 80, "sha256:%s", H32("00"));
	snprintf(f->digest[0][1], 80, "sha256:%s", H32("01"));
	snprintf(f->digest[0][2], 80, "sha256:%s", H32("02"));
	f->found[1][1] = 1;
	snprintf(f->digest[1][1], 80, "sha256:%s", H32("02"));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	signp_tuf_file_free(f->targets);
	signp_tuf_file_free(f->releases);
	sign_buf_dispose(&f->index);
	free(f);
	return 0;
}

/* Every lookup of ix is the truth or an error: never another answer.
 * Returns the number of lookups that erred. */
static int lookups_truthful(fx *f, signp_tindex *ix)
{
	int errs = 0;
	for (size_t file = 0; file < 2; file++)
		for (size_t i = 0; i < NNAMES; i++) {
			char d[80] = "";
			uint64_t size = 0;
			sign_error err;
			int r;
			memset(&err, 0, sizeof(err));
			r = signp_tindex_lookup(ix, file, names[i], d, &size, &err);
			if (r < 0) {
				assert_int_equal(r, SIGN_EVERIFY);
				assert_non_null(strstr(err.message, "targets index: "));
				assert_true(signp_tindex_failed(ix));
				errs++;
				continue;
			}
			assert_int_equal(r, f->found[file][i]);
			if (r == 1)
				assert_string_equal(d, f->digest[file][i]);
		}
	return errs;
}

static void test_roundtrip(void **state)
{
	fx *f = *state;
	signp_tindex *ix = NULL;
	sign_error err;
	const void *sk;
	size_t skl;
	char d[80];
	uint64_t size = 0;
	signp_tuf_file *skel = NULL;
	memset(&err, 0, sizeof(err));
	if (signp_tindex_open(&ix, f->index.ptr, f->index.size, f->key, &err) != SIGN_OK)
		fail_msg("open: %s", err.message);
	assert_int_equal(signp_tindex_nfiles(ix), 2);
	assert_int_equal(signp_tindex_nentries(ix), 4); /* "nohash" is no target */
	assert_memory_equal(signp_tindex_root_sha256(ix), f->root, 32);
	assert_string_equal(signp_tindex_role(ix, 0), "targets");
	assert_string_equal(signp_tindex_role(ix, 1), "targets/releases");
	assert_string_equal(signp_tindex_meta(ix, 1), "{\"hashes\":{\"sha256\":\"y\"},\"length\":2}");
	assert_null(signp_tindex_role(ix, 2));
	/* the skeleton: the delegations, version and expiry, no targets */
	signp_tindex_skeleton(ix, 0, &sk, &skl);
	if (signp_tuf_parse(&skel, "targets", sk, skl, &err) != SIGN_OK)
		fail_msg("skeleton: %s", err.message);
	assert_int_equal(skel->version, 7);
	assert_int_equal(skel->expires, f->targets->expires);
	assert_int_equal(json_object_size(json_object_get(skel->signed_obj, "targets")), 0);
	assert_non_null(json_object_get(json_object_get(skel->signed_obj, "delegations"), "roles"));
	signp_tuf_file_free(skel);
	assert_int_equal(lookups_truthful(f, ix), 0);
	assert_int_equal(signp_tindex_lookup(ix, 0, "v2", d, &size, NULL), 1);
	assert_int_equal(size, 20);
	assert_int_equal(signp_tindex_lookup(ix, 5, "v2", d, &size, NULL), 0);
	assert_false(signp_tindex_failed(ix));
	signp_tindex_free(ix);
}

static void test_every_byte_flipped(void **state)
{
	fx *f = *state;
	unsigned char *copy = malloc(f->index.size);
	size_t refused = 0, erred = 0;
	assert_non_null(copy);
	for (size_t at = 0; at < f->index.size; at++) {
		signp_tindex *ix = NULL;
		sign_error err;
		memset(&err, 0, sizeof(err));
		memcpy(copy, f->index.ptr, f->index.size);
		copy[at] ^= 0x41;
		if (signp_tindex_open(&ix, copy, f->index.size, f->key, &err) != SIGN_OK) {
			assert_non_null(strstr(err.message, "targets index: "));
			refused++;
			continue;
		}
		erred += lookups_truthful(f, ix) > 0;
		signp_tindex_free(ix);
	}
	/* each flip is caught somewhere: the header by its MAC, an entry or
	 * a name by the lookups that read it */
	assert_int_equal(refused + erred, f->index.size);
	free(copy);
}

static void test_every_length_cut(void **state)
{
	fx *f = *state;
	for (size_t len = 0; len < f->index.size; len++) {
		unsigned char *copy = malloc(len ? len : 1);
		signp_tindex *ix = NULL;
		sign_error err;
		memset(&err, 0, sizeof(err));
		assert_non_null(copy);
		memcpy(copy, f->index.ptr, len);
		assert_int_equal(signp_tindex_open(&ix, copy, len, f->key, &err), SIGN_EVERIFY);
		assert_null(ix);
		free(copy);
	}
}

static void test_other_key(void **state)
{
	fx *f = *state;
	unsigned char other[SIGNP_TINDEX_KEY_BYTES];
	signp_tindex *ix = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	memcpy(other, f->key, sizeof(other));
	other[0] ^= 1;
	assert_int_equal(signp_tindex_open(&ix, f->index.ptr, f->index.size, other, &err), SIGN_EVERIFY);
	assert_string_equal(err.message,
		"targets index: the header's MAC does not verify (tampered, or another home's key)");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tindex_open(&ix, NULL, 0, f->key, &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "targets index: truncated");
}

/* A header whose MAC holds (a writer's bug, or whoever holds the key) but
 * whose counts and offsets lie: bounded all the same. */
static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* the header's MAC as the writer makes it: crypto_auth under subkey 1
 * (crypto_kdf, context "SIGNTIX1") of the home's key */
static void remac(unsigned char *p, size_t header_len, const unsigned char *key)
{
	unsigned char hk[crypto_auth_KEYBYTES];
	crypto_kdf_derive_from_key(hk, sizeof(hk), 1, "SIGNTIX1", key);
	crypto_auth(p + header_len, p, header_len, hk);
}

static void test_lying_header(void **state)
{
	fx *f = *state;
	size_t len = f->index.size;
	unsigned char *copy = malloc(len);
	uint32_t hl = rd32((const unsigned char *)f->index.ptr + 20);
	static const struct {
		size_t at;
		uint32_t value;
		const char *why;
	} lies[] = {
		{ 12, 0, "bad file count" },
		{ 12, 66, "bad file count" },
		{ 12, 3, "truncated file records" },
		{ 16, 5, "its sizes do not add up" },
		{ 16, 0xffffffffu, "its sizes do not add up" },
		{ 24, 0xffffffffu, "its sizes do not add up" },
		{ 64, 0, "bad file record" },          /* role length 0 */
		{ 64, 0x7fffffffu, "bad file record" },
		{ 68, 0xfffffff0u, "bad file record" }, /* meta length */
		{ 72, 0xfffffff0u, "bad file record" }, /* skeleton length */
		{ 72, 0, "bad file record" },            /* the rest no longer fits */
	};
	assert_non_null(copy);
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		signp_tindex *ix = NULL;
		sign_error err;
		memset(&err, 0, sizeof(err));
		memcpy(copy, f->index.ptr, len);
		wr32(copy + lies[i].at, lies[i].value);
		remac(copy, hl, f->key);
		assert_int_equal(signp_tindex_open(&ix, copy, len, f->key, &err), SIGN_EVERIFY);
		if (strstr(err.message, lies[i].why) == NULL)
			fail_msg("lie %zu: %s", i, err.message);
	}
	/* a header length past the file, or below its fixed part */
	{
		signp_tindex *ix = NULL;
		sign_error err;
		memset(&err, 0, sizeof(err));
		memcpy(copy, f->index.ptr, len);
		wr32(copy + 20, (uint32_t)len);
		assert_int_equal(signp_tindex_open(&ix, copy, len, f->key, &err), SIGN_EVERIFY);
		assert_non_null(strstr(err.message, "bad header length"));
		wr32(copy + 20, 10);
		assert_int_equal(signp_tindex_open(&ix, copy, len, f->key, &err), SIGN_EVERIFY);
		assert_non_null(strstr(err.message, "bad header length"));
	}
	/* an entry whose name points past the strings: the lookup that reads
	 * it errs, nothing is read out of bounds */
	{
		signp_tindex *ix = NULL;
		sign_error err;
		memset(&err, 0, sizeof(err));
		memcpy(copy, f->index.ptr, len);
		wr32(copy + hl + 32, 0xfffffff0u);
		if (signp_tindex_open(&ix, copy, len, f->key, &err) != SIGN_OK)
			fail_msg("open: %s", err.message);
		assert_true(lookups_truthful(f, ix) > 0);
		signp_tindex_free(ix);
	}
	free(copy);
}

static void test_build_refuses(void **state)
{
	fx *f = *state;
	sign_buf out = SIGN_BUF_INIT;
	sign_error err;
	signp_tindex_src src[1] = { { f->targets, "{}" } };
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tindex_build(&out, f->key, f->root, src, 0, &err), SIGN_EINVAL);
	assert_int_equal(signp_tindex_build(&out, f->key, f->root, src, SIGNP_TINDEX_MAX_FILES + 1, &err),
		SIGN_EINVAL);
	assert_int_equal(out.size, 0);
	sign_buf_dispose(&out);
}

static void test_key_file(void **state)
{
	char dir[] = "/tmp/sign-tix-XXXXXX", path[64];
	unsigned char *a = sodium_malloc(SIGNP_TINDEX_KEY_BYTES), *b = sodium_malloc(SIGNP_TINDEX_KEY_BYTES);
	struct stat sb;
	FILE *fp;
	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/index.key", dir);
	assert_int_equal(signp_tindex_key(a, path, NULL), SIGN_OK);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, SIGNP_TINDEX_KEY_BYTES);
	assert_int_equal(signp_tindex_key(b, path, NULL), SIGN_OK);
	assert_memory_equal(a, b, SIGNP_TINDEX_KEY_BYTES);
	/* a broken key file (the wrong size) is replaced by a new key */
	assert_non_null(fp = fopen(path, "w"));
	fputs("short", fp);
	fclose(fp);
	assert_int_equal(signp_tindex_key(b, path, NULL), SIGN_OK);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, SIGNP_TINDEX_KEY_BYTES);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_memory_not_equal(a, b, SIGNP_TINDEX_KEY_BYTES);
	assert_int_equal(signp_tindex_key(a, path, NULL), SIGN_OK);
	assert_memory_equal(a, b, SIGNP_TINDEX_KEY_BYTES);
	unlink(path);
	rmdir(dir);
	sodium_free(a);
	sodium_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_byte_flipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_length_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lying_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_build_refuses, setup, teardown),
		cmocka_unit_test(test_key_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

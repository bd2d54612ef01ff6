/*
 * test_tuf1.c - one TUF 1.0 metadata file (tuf1_meta.c): canonical JSON
 * as securesystemslib writes it, signatures of each key type (ed25519,
 * ECDSA P-256 in PEM, RSA-PSS) verified and a forged one refused, the
 * threshold counting distinct keys, the documents the reader refuses (each
 * with its message), the length and hash checks, the path patterns of
 * delegations, and the Sigstore public-good root shipped with libsign
 * verifying under its own root role.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sigstore_tuf.h"
#include "tuf1fix.h"

#define HAS(err, s)                                                                  \
	do {                                                                         \
		if (strstr((err).message, (s)) == NULL)                              \
			fail_msg("message \"%s\" lacks \"%s\"", (err).message, (s)); \
	} while (0)

static void test_canonical(void **state)
{
	json_t *j = json_loads("{\"b\":\"q\\\"\\\\\\n\\u00e9\",\"a\":[1,true,null,{\"z\":{},\"y\":-2}]}", 0,
		NULL);
	sign_buf b = SIGN_BUF_INIT;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_non_null(j);
	assert_int_equal(signp_tuf1_canonical(&b, j, &err), SIGN_OK);
	assert_string_equal(b.ptr, "{\"a\":[1,true,null,{\"y\":-2,\"z\":{}}],\"b\":\"q\\\"\\\\\n\xc3\xa9\"}");
	json_decref(j);
	j = json_loads("{\"a\":1.5}", 0, NULL);
	signp_buf_clear(&b);
	assert_int_equal(signp_tuf1_canonical(&b, j, &err), SIGN_EFORMAT);
	HAS(err, "a real number");
	json_decref(j);
	sign_buf_dispose(&b);
}

/* A timestamp signed by the keys named (NULL-terminated), parsed. */
static signp_tuf1_meta *signed_ts(fix_repo *r, const char *k1, const char *k2)
{
	signp_tuf1_meta *m = NULL;
	sign_error err;
	char *doc = fix_sign(r, fix_meta("timestamp", 1, FIX_YEAR,
					 json_pack("{s:{s:i}}", "snapshot.json", "version", 1)),
		k1, k2, NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf1_meta_parse(&m, doc, strlen(doc), SIGNP_TUF1_TIMESTAMP, "timestamp",
				 &err), SIGN_OK);
	free(doc);
	return m;
}

static json_t *keys_of(fix_repo *r, const char *a, const char *b)
{
	json_t *k = json_object();
	json_object_set_new(k, a, fix_key_json(r, a));
	if (b != NULL)
		json_object_set_new(k, b, fix_key_json(r, b));
	return k;
}

static void test_key_types_and_threshold(void **state)
{
	static const char *const kinds[] = { "ed25519", "ecdsa", "rsa" };
	fix_repo r;
	sign_error err;
	size_t i;
	(void)state;
	memset(&r, 0, sizeof(r));
	for (i = 0; i < 3; i++)
		fix_add_key(&r, kinds[i], kinds[i]);
	fix_add_key(&r, "other", "ed25519");
	for (i = 0; i < 3; i++) {
		signp_tuf1_meta *m = signed_ts(&r, kinds[i], NULL);
		json_t *keys = keys_of(&r, kinds[i], NULL), *role = fix_role(kinds[i], NULL, 1);
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_tuf1_meta_verify(m, keys, role, "timestamp", &err), SIGN_OK);
		/* the key of another role: the signature does not count */
		json_decref(role);
		role = fix_role("other", NULL, 1);
		json_object_set_new(keys, "other", fix_key_json(&r, "other"));
		assert_int_equal(signp_tuf1_meta_verify(m, keys, role, "timestamp", &err), SIGN_EVERIFY);
		HAS(err, "timestamp: 0 valid signatures of the role's keys, threshold 1 not met");
		json_decref(role);
		json_decref(keys);
		signp_tuf1_meta_free(m);
	}
	/* threshold 2: two distinct keys needed */
	{
		signp_tuf1_meta *m = signed_ts(&r, "ed25519", NULL);
		json_t *keys = keys_of(&r, "ed25519", "ecdsa"), *role = fix_role("ed25519", "ecdsa", 2);
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_tuf1_meta_verify(m, keys, role, "timestamp", &err), SIGN_EVERIFY);
		HAS(err, "1 valid signatures of the role's keys, threshold 2 not met");
		signp_tuf1_meta_free(m);
		m = signed_ts(&r, "ed25519", "ecdsa");
		assert_int_equal(signp_tuf1_meta_verify(m, keys, role, "timestamp", &err), SIGN_OK);
		signp_tuf1_meta_free(m);
		json_decref(role);
		json_decref(keys);
	}
	/* a signature over other bytes: the key ID is right, the signature not */
	{
		signp_tuf1_meta *m = signed_ts(&r, "ecdsa", NULL);
		json_t *keys = keys_of(&r, "ecdsa", NULL), *role = fix_role("ecdsa", NULL, 1);
		json_object_set_new(m->sig, "version", json_integer(2));
		signp_buf_clear(&m->canon);
		assert_int_equal(signp_tuf1_canonical(&m->canon, m->sig, NULL), SIGN_OK);
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_tuf1_meta_verify(m, keys, role, "timestamp", &err), SIGN_EVERIFY);
		HAS(err, "0 valid signatures");
		signp_tuf1_meta_free(m);
		json_decref(role);
		json_decref(keys);
	}
	fix_free(&r);
}

static void refused(const char *doc, int type, const char *msg)
{
	signp_tuf1_meta *m = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf1_meta_parse(&m, doc, strlen(doc), type, "meta", &err), SIGN_EFORMAT);
	assert_null(m);
	HAS(err, msg);
}

#define SIGNED(body) "{\"signatures\":[],\"signed\":{" body "}}"
#define HEAD(type) "\"_type\":\"" type "\",\"spec_version\":\"1.0.0\",\"version\":1,\"expires\":\"2030-01-01T00:00:00Z\""

static void test_refused_documents(void **state)
{
	(void)state;
	refused("{\"signed\":{},\"signed\":{}}", SIGNP_TUF1_TIMESTAMP, "not JSON");
	refused("{\"signatures\":[]}", SIGNP_TUF1_TIMESTAMP, "no signed object");
	refused(SIGNED(HEAD("snapshot") ",\"meta\":{}"), SIGNP_TUF1_TIMESTAMP,
		"_type is snapshot, expected timestamp");
	refused(SIGNED("\"_type\":\"snapshot\",\"spec_version\":\"2.0.0\",\"version\":1,"
		       "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{}"),
		SIGNP_TUF1_SNAPSHOT, "unsupported spec_version");
	refused(SIGNED("\"_type\":\"snapshot\",\"spec_version\":\"1.0.0\",\"version\":0,"
		       "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{}"),
		SIGNP_TUF1_SNAPSHOT, "version must be an integer >= 1");
	refused(SIGNED("\"_type\":\"snapshot\",\"spec_version\":\"1.0.0\",\"version\":1,"
		       "\"expires\":\"2030-01-01T00:00:00+01:00\",\"meta\":{}"),
		SIGNP_TUF1_SNAPSHOT, "expires must be YYYY-MM-DDTHH:MM:SSZ");
	refused("{\"signatures\":[{\"keyid\":\"a\",\"sig\":\"00\"},{\"keyid\":\"a\",\"sig\":\"01\"}],"
		"\"signed\":{" HEAD("snapshot") ",\"meta\":{}}}",
		SIGNP_TUF1_SNAPSHOT, "two signatures by key a");
	refused(SIGNED(HEAD("timestamp") ",\"meta\":{}"), SIGNP_TUF1_TIMESTAMP,
		"meta has no snapshot.json");
	refused(SIGNED(HEAD("snapshot") ",\"meta\":{\"targets.json\":{\"version\":1,\"length\":-1}}"),
		SIGNP_TUF1_SNAPSHOT, "targets.json: length must be an integer >= 0");
	refused(SIGNED(HEAD("targets") ",\"targets\":{\"f\":{\"length\":1}}"), SIGNP_TUF1_TARGETS,
		"f: hashes must be a non-empty object");
	refused(SIGNED(HEAD("root") ",\"keys\":{},\"roles\":{\"root\":{\"keyids\":[\"a\",\"a\"],"
				    "\"threshold\":1}}"),
		SIGNP_TUF1_ROOT, "role root: keyids must be unique strings");
	refused(SIGNED(HEAD("root") ",\"keys\":{},\"roles\":{\"root\":{\"keyids\":[],"
				    "\"threshold\":0}}"),
		SIGNP_TUF1_ROOT, "role root: threshold must be an integer >= 1");
	refused(SIGNED(HEAD("targets") ",\"targets\":{},\"delegations\":{\"keys\":{},\"roles\":["
				       "{\"name\":\"x\",\"keyids\":[],\"threshold\":1,\"terminating\":false,"
				       "\"paths\":[\"*\"]},{\"name\":\"x\",\"keyids\":[],\"threshold\":1,"
				       "\"terminating\":false,\"paths\":[\"*\"]}]}"),
		SIGNP_TUF1_TARGETS, "delegated role x listed twice");
	refused(SIGNED(HEAD("targets") ",\"targets\":{},\"delegations\":{\"keys\":{},\"roles\":["
				       "{\"name\":\"x\",\"keyids\":[],\"threshold\":1,\"terminating\":false,"
				       "\"paths\":[\"*\"],\"path_hash_prefixes\":[\"ab\"]}]}"),
		SIGNP_TUF1_TARGETS, "exactly one of paths and path_hash_prefixes");
}

static void test_fileinfo_and_paths(void **state)
{
	json_t *info = fix_fileinfo("hello", 5, 0);
	json_t *role;
	sign_error err;
	unsigned char d[32];
	char hex[65], prefix[3];
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf1_fileinfo_check(info, "hello", 5, "t", &err), SIGN_OK);
	assert_int_equal(signp_tuf1_fileinfo_check(info, "hellO", 5, "t", &err), SIGN_EVERIFY);
	HAS(err, "t: sha256 hash mismatch");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf1_fileinfo_check(info, "hell", 4, "t", &err), SIGN_EVERIFY);
	HAS(err, "t: length 4, expected 5");
	json_object_set_new(json_object_get(info, "hashes"), "md5", json_string("00"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf1_fileinfo_check(info, "hello", 5, "t", &err), SIGN_EVERIFY);
	HAS(err, "unsupported hash algorithm md5");
	json_decref(info);

	role = json_pack("{s:[s, s]}", "paths", "dir/*.txt", "a?/b");
	assert_true(signp_tuf1_role_covers(role, "dir/x.txt"));
	assert_false(signp_tuf1_role_covers(role, "dir/sub/x.txt"));
	assert_false(signp_tuf1_role_covers(role, "DIR/x.txt"));
	assert_true(signp_tuf1_role_covers(role, "ab/b"));
	assert_false(signp_tuf1_role_covers(role, "abc/b"));
	json_decref(role);
	signp_sha256(d, "some/target", 11);
	signp_hex(hex, d, 32);
	snprintf(prefix, sizeof(prefix), "%.2s", hex);
	role = json_pack("{s:[s]}", "path_hash_prefixes", prefix);
	assert_true(signp_tuf1_role_covers(role, "some/target"));
	prefix[0] = prefix[0] == '0' ? '1' : '0';
	json_decref(role);
	role = json_pack("{s:[s]}", "path_hash_prefixes", prefix);
	assert_false(signp_tuf1_role_covers(role, "some/target"));
	json_decref(role);
}

static void test_sigstore_root(void **state)
{
	signp_tuf1_meta *m = NULL;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf1_meta_parse(&m, signp_sigstore_root_json,
				 signp_sigstore_root_json_len, SIGNP_TUF1_ROOT, "root", &err), SIGN_OK);
	assert_int_equal(m->version, 15);
	assert_int_equal(signp_tuf1_root_verify(m, "root", m, &err), SIGN_OK);
	signp_tuf1_meta_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_key_types_and_threshold),
		cmocka_unit_test(test_refused_documents),
		cmocka_unit_test(test_fileinfo_and_paths),
		cmocka_unit_test(test_sigstore_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_tuf_garbage.c - malformed metadata, keys and signatures: each is
 * refused with a message that names the defect, never a crash.
 */
#include "tufvec.h"

static void expect_bad(const char *role, const char *s, size_t len, const char *want)
{
	signp_tuf_file *f = NULL;
	sign_error err = { 0 };
	int rc = signp_tuf_parse(&f, role, s, len, &err);
	if (rc == SIGN_OK)
		fail_msg("accepted as %s: %.80s", role, s);
	assert_null(f);
	assert_true(err.message[0] != '\0');
	if (want && strstr(err.message, want) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.message, want);
}

#define BAD(role, s, want) expect_bad(role, s, strlen(s), want)
#define TS_HEAD "{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"2030-01-01T00:00:00Z\","
#define TS_META "\"meta\":{\"snapshot\":{\"hashes\":{\"sha256\":\"AA==\"},\"length\":1}}"

static void test_garbage(void **state)
{
	sign_buf b = SIGN_BUF_INIT;
	size_t i;
	signp_tuf_file *f = NULL;
	char *deep;
	(void)state;

	/* the minimal good timestamp, as a baseline */
	assert_int_equal(parse_str(&f, "timestamp",
				 TS_HEAD TS_META ",\"version\":1},\"signatures\":[]}", NULL),
		SIGN_OK);
	signp_tuf_file_free(f);
	/* integral real version accepted */
	assert_int_equal(parse_str(&f, "timestamp",
				 TS_HEAD TS_META ",\"version\":2.0},\"signatures\":[]}", NULL),
		SIGN_OK);
	assert_int_equal(f->version, 2);
	signp_tuf_file_free(f);

	BAD("timestamp", "", "invalid JSON");
	BAD("timestamp", "not json", "invalid JSON");
	BAD("timestamp", "null", NULL);
	BAD("timestamp", "[]", "not a JSON object");
	BAD("timestamp", "{}", "missing signed");
	BAD("timestamp", "{\"signed\":[],\"signatures\":[]}", "missing signed");
	BAD("timestamp", "{\"signed\":{},\"signatures\":{}}", "missing signatures");
	BAD("timestamp", "{\"signed\":{},\"signatures\":[]}", "missing _type");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":1},\"signatures\":[]} x", "invalid JSON");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":1},\"signatures\":[1]}", "signature");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":1},\"signatures\":[{\"keyid\":\"a\"}]}",
		"signature");
	BAD("timestamp",
		TS_HEAD TS_META ",\"version\":1},\"signatures\":[{\"keyid\":1,\"method\":\"e\","
				"\"sig\":\"\"}]}",
		"signature");
	BAD("timestamp", TS_HEAD TS_META "},\"signatures\":[]}", "version");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":0},\"signatures\":[]}", "version");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":-3},\"signatures\":[]}", "version");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":\"1\"},\"signatures\":[]}", "version");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":1.5},\"signatures\":[]}", "version");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":99999999999999999999},\"signatures\":[]}",
		"invalid JSON");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":1e300},\"signatures\":[]}", "version");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":true},\"signatures\":[]}", "version");
	BAD("timestamp",
		"{\"signed\":{\"_type\":\"Timestamp\"," TS_META ",\"version\":1},\"signatures\":[]}",
		"timestamp: malformed metadata: missing expires");
	BAD("timestamp",
		"{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"tomorrow\"," TS_META
		",\"version\":1},\"signatures\":[]}",
		"expires");
	BAD("timestamp",
		"{\"signed\":{\"_type\":\"Timestamp\",\"expires\":5," TS_META
		",\"version\":1},\"signatures\":[]}",
		"expires");
	BAD("timestamp", TS_HEAD "\"version\":1},\"signatures\":[]}", "meta");
	BAD("timestamp",
		TS_HEAD "\"meta\":{\"snapshot\":{\"hashes\":{\"sha512\":\"AA==\"}}},\"version\":1},"
			"\"signatures\":[]}",
		"sha256");
	/* wrong _type for the role, and bad role names */
	BAD("snapshot", TS_HEAD TS_META ",\"version\":1},\"signatures\":[]}", "_type");
	BAD("targets", TS_HEAD TS_META ",\"version\":1},\"signatures\":[]}", "_type");
	BAD("timestamp",
		"{\"signed\":{\"_type\":\"timestamp\",\"expires\":\"2030-01-01T00:00:00Z\"," TS_META
		",\"version\":1},\"signatures\":[]}",
		"_type");
	BAD("bogus", TS_HEAD TS_META ",\"version\":1},\"signatures\":[]}", "role");
	BAD("targetsx", TS_HEAD TS_META ",\"version\":1},\"signatures\":[]}", "role");
	BAD(NULL, TS_HEAD TS_META ",\"version\":1},\"signatures\":[]}", NULL);
	/* NUL byte inside */
	{
		static const char nul[] = "{\"signed\":{\"_type\":\"Time\0stamp\"}}";
		expect_bad("timestamp", nul, sizeof(nul) - 1, NULL);
	}
	/* role-specific structure */
	BAD("snapshot",
		"{\"signed\":{\"_type\":\"Snapshot\",\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{"
		"\"root\":{\"hashes\":{\"sha256\":\"AA==\"}}},\"version\":1},\"signatures\":[]}",
		"targets");
	BAD("targets",
		"{\"signed\":{\"_type\":\"Targets\",\"expires\":\"2030-01-01T00:00:00Z\","
		"\"version\":1},\"signatures\":[]}",
		"targets");
	BAD("targets",
		"{\"signed\":{\"_type\":\"Targets\",\"expires\":\"2030-01-01T00:00:00Z\","
		"\"targets\":{},\"delegations\":{\"keys\":{}},\"version\":1},\"signatures\":[]}",
		"delegations");
	BAD("targets/x",
		"{\"signed\":{\"_type\":\"Targets\",\"expires\":\"2030-01-01T00:00:00Z\","
		"\"targets\":{},\"delegations\":{\"keys\":{},\"roles\":[{\"name\":\"targets/x/y\","
		"\"keyids\":[],\"threshold\":0}]},\"version\":1},\"signatures\":[]}",
		"threshold");
	BAD("root",
		"{\"signed\":{\"_type\":\"Root\",\"expires\":\"2030-01-01T00:00:00Z\",\"keys\":{},"
		"\"roles\":{},\"version\":1},\"signatures\":[]}",
		"role root");
	BAD("root",
		"{\"signed\":{\"_type\":\"Root\",\"expires\":\"2030-01-01T00:00:00Z\",\"keys\":{\"a\":"
		"{\"keytype\":\"ecdsa\"}},\"roles\":{},\"version\":1},\"signatures\":[]}",
		"key");

	/* every truncation of a real file fails cleanly */
	read_vec(&b, "c1_targets.v4.json");
	for (i = 0; i < b.size; i++) {
		signp_tuf_file *g = NULL;
		assert_int_not_equal(signp_tuf_parse(&g, "targets", b.ptr, i, NULL), SIGN_OK);
		assert_null(g);
	}
	/* the root file loaded under another role */
	signp_buf_clear(&b);
	read_vec(&b, "c1_root.v1.json");
	expect_bad("targets", b.ptr, b.size, "wrong _type");
	/* size bound is checked before anything is read */
	expect_bad("targets", b.ptr, (size_t)SIGN_MAX_METADATA + 1, "too large");
	sign_buf_dispose(&b);

	/* deep nesting */
	deep = malloc(20001);
	assert_non_null(deep);
	memset(deep, '[', 10000);
	memset(deep + 10000, ']', 10000);
	deep[20000] = '\0';
	BAD("targets", deep, NULL);
	free(deep);
}

static void test_garbage_keys_sigs(void **state)
{
	static const char *const bad_keys[] = {
		"{}",
		"{\"keytype\":\"ecdsa\"}",
		"{\"keytype\":\"ecdsa\",\"keyval\":{\"public\":\"!!\"}}",
		"{\"keytype\":\"ecdsa\",\"keyval\":{\"public\":\"AAAA\"}}",
		"{\"keytype\":\"ed25519\",\"keyval\":{\"public\":\"AAAA\"}}",
		"{\"keytype\":\"ecdsa-x509\",\"keyval\":{\"public\":\"AAAA\"}}",
		"{\"keytype\":\"weird\",\"keyval\":{\"public\":\"AAAA\"}}",
		/* an ed25519 key labelled ecdsa */
		"{\"keytype\":\"ecdsa\",\"keyval\":{\"public\":"
		"\"tcElQLhMPXiYwkSd84bdDu2ct9r+hTEHZAwZcH9ChVI=\"}}",
		/* a P-256 SPKI labelled rsa */
		"{\"keytype\":\"rsa\",\"keyval\":{\"public\":\"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"
		"ZWD5j01VKSsq5eQnJCVIwu9cMM2aOUW4zxyZN89ghEovzx9l0jUkl8YAIL2vVWL8Zhf2vkBgIAvNqr8HxCJTKw==\"}}",
		/* SPKI with trailing bytes */
		"{\"keytype\":\"ecdsa\",\"keyval\":{\"public\":\"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"
		"ZWD5j01VKSsq5eQnJCVIwu9cMM2aOUW4zxyZN89ghEovzx9l0jUkl8YAIL2vVWL8Zhf2vkBgIAvNqr8HxCJTKwAA\"}}",
	};
	size_t i;
	EVP_PKEY *pk = NULL, *k;
	unsigned char junk[64] = { 1 };
	(void)state;
	for (i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		json_t *o = json_loads(bad_keys[i], 0, NULL);
		sign_error err = { 0 };
		assert_non_null(o);
		if (signp_tuf_key_pkey(&pk, o, &err) == SIGN_OK)
			fail_msg("accepted key %s", bad_keys[i]);
		assert_null(pk);
		assert_true(err.message[0] != '\0');
		json_decref(o);
	}
	assert_int_not_equal(signp_tuf_key_pkey(&pk, NULL, NULL), SIGN_OK);
	k = gen_p256();
	assert_int_equal(signp_tuf_sig_check(k, "ecdsa", "x", 1, junk, 64), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(k, "ecdsa", "x", 1, junk, 63), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(k, "ecdsa", "x", 1, junk, 0), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(k, "eddsa", "x", 1, junk, 64), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(k, "rsapss", "x", 1, junk, 64), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(k, NULL, "x", 1, junk, 64), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(NULL, "ecdsa", "x", 1, junk, 64), SIGN_EVERIFY);
	memset(junk, 0, sizeof(junk));
	assert_int_equal(signp_tuf_sig_check(k, "ecdsa", "x", 1, junk, 64), SIGN_EVERIFY);
	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(signp_tuf_sig_check(k, "ecdsa", "x", 1, junk, 64), SIGN_EVERIFY);
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_garbage_keys_sigs),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_tuf_root.c - root checks against the notary vectors and roots made
 * here (certificates, structure, key types), and root rotation.
 */
#include "tufvec.h"

static void test_root_check_vectors(void **state)
{
	sign_error err = { 0 };
	signp_tuf_file *c1 = load_vec("root", "c1_root.v1.json");
	signp_tuf_file *v2 = load_vec("root", "c2_root.v2.json");
	signp_tuf_file *v3 = load_vec("root", "c2_root.v3_rotated.json");
	signp_tuf_file *tg = load_vec("targets", "c1_targets.v4.json");
	(void)state;

	assert_int_equal(signp_tuf_root_check(c1, C1_GUN, NOW_2027, 1, &err), SIGN_OK);
	assert_int_equal(signp_tuf_root_check(c1, "example.com/test/other", NOW_2027, 1, &err),
		SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "does not match the GUN"));
	assert_int_equal(signp_tuf_root_check(c1, "example.com/test/rep", NOW_2027, 0, NULL),
		SIGN_EVERIFY);
	assert_int_equal(signp_tuf_root_check(c1, "", NOW_2027, 0, NULL), SIGN_EVERIFY);
	/* cert valid 2026-11-28 .. 2036-11-25 */
	assert_int_equal(signp_tuf_root_check(c1, C1_GUN, 2240000000LL, 1, NULL), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_root_check(c1, C1_GUN, 2240000000LL, 0, NULL), SIGN_OK);
	assert_int_equal(signp_tuf_root_check(c1, C1_GUN, 1764000000LL, 1, NULL), SIGN_EVERIFY);
	/* notBefore at most one day ahead is tolerated */
	assert_int_equal(signp_tuf_root_check(c1, C1_GUN, 1795859011LL - 80000, 1, NULL), SIGN_OK);
	assert_int_equal(signp_tuf_root_check(c1, C1_GUN, 1795859011LL - 90000, 1, NULL),
		SIGN_EVERIFY);
	/* only roots */
	assert_int_equal(signp_tuf_root_check(tg, C1_GUN, NOW_2027, 0, NULL), SIGN_EVERIFY);

	assert_int_equal(signp_tuf_root_check(v2, C2_GUN, NOW_2027, 1, &err), SIGN_OK);
	assert_int_equal(signp_tuf_root_check(v3, C2_GUN, NOW_2027, 1, &err), SIGN_OK);
	assert_int_equal(signp_tuf_root_check(v3, C1_GUN, NOW_2027, 1, NULL), SIGN_EVERIFY);

	signp_tuf_file_free(c1);
	signp_tuf_file_free(v2);
	signp_tuf_file_free(v3);
	signp_tuf_file_free(tg);
}

/* Mutate c1 root's signed part and re-check (signature breaks, but the
 * structural checks come first and must name the problem). */
static void test_root_check_structure(void **state)
{
	static const char *const muts[] = {
		"{\"del\":\"timestamp\"}", "{\"th\":0}", "{\"th\":2}", "{\"ghost\":1}",
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(muts) / sizeof(muts[0]); i++) {
		signp_tuf_file *f = load_vec("root", "c1_root.v1.json");
		json_t *roles = json_object_get(f->signed_obj, "roles");
		sign_error err = { 0 };
		if (i == 0)
			json_object_del(roles, "timestamp");
		else if (i == 1)
			json_object_set_new(json_object_get(roles, "root"), "threshold",
				json_integer(0));
		else if (i == 2)
			json_object_set_new(json_object_get(roles, "root"), "threshold",
				json_integer(2));
		else
			json_array_append_new(
				json_object_get(json_object_get(roles, "snapshot"), "keyids"),
				json_string("00000000000000000000000000000000000000000000000000000000"
					    "00000000"));
		assert_int_equal(signp_tuf_root_check(f, C1_GUN, NOW_2027, 1, &err), SIGN_EVERIFY);
		assert_true(err.message[0] != '\0');
		signp_tuf_file_free(f);
	}
}

/* Build, sign and check a root around a freshly made certificate. */
static int make_root(signp_tuf_file **out, EVP_PKEY *k, const char *cert, const char *kt_override)
{
	json_t *ko = NULL, *other = NULL, *signed_obj, *keys;
	char id[65], oid[65];
	sign_buf wire = SIGN_BUF_INIT;
	sign_error err = { 0 };
	EVP_PKEY *ok = gen_p256();
	signp_tuf_signer s;
	int rc;

	rc = signp_tuf_key_new(&ko, id, k, cert, &err);
	if (rc != SIGN_OK)
		fail_msg("key_new: %s", err.message);
	if (kt_override) {
		json_object_set_new(ko, "keytype", json_string(kt_override));
		assert_int_equal(signp_tuf_keyid(id, kt_override,
					 json_string_value(json_object_get(
						 json_object_get(ko, "keyval"), "public")),
					 &err),
			SIGN_OK);
	}
	assert_int_equal(signp_tuf_key_new(&other, oid, ok, NULL, &err), SIGN_OK);
	keys = json_object();
	json_object_set_new(keys, id, ko);
	json_object_set_new(keys, oid, other);
	signed_obj = json_pack("{s:s,s:b,s:s,s:o,s:{s:{s:[s],s:i},s:{s:[s],s:i},s:{s:[s],s:i},"
			       "s:{s:[s],s:i}},s:i}",
		"_type", "Root", "consistent_snapshot", 0, "expires", "2030-01-01T00:00:00Z",
		"keys", keys, "roles", "root", "keyids", id, "threshold", 1, "targets", "keyids",
		oid, "threshold", 1, "snapshot", "keyids", oid, "threshold", 1, "timestamp",
		"keyids", oid, "threshold", 1, "version", 1);
	assert_non_null(signed_obj);
	s.keyid = id;
	s.pkey = k;
	assert_int_equal(signp_tuf_sign(&wire, signed_obj, &s, 1, &err), SIGN_OK);
	assert_int_equal(signp_tuf_parse(out, "root", wire.ptr, wire.size, &err), SIGN_OK);
	json_decref(signed_obj);
	sign_buf_dispose(&wire);
	EVP_PKEY_free(ok);
	return SIGN_OK;
}

static void test_root_check_generated(void **state)
{
	EVP_PKEY *k = gen_p256(), *k2 = gen_p256();
	char *cert;
	signp_tuf_file *f = NULL;
	sign_error err = { 0 };
	int64_t now = signp_now();
	json_t *ko = NULL;
	(void)state;

	/* good cert */
	cert = make_cert(k, "example.org/app", 0, 86400L * 3650, EVP_sha256());
	make_root(&f, k, cert, NULL);
	assert_int_equal(signp_tuf_root_check(f, "example.org/app", now, 1, &err), SIGN_OK);
	assert_int_equal(signp_tuf_root_check(f, "example.org/ap", now, 1, NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);
	/* a cert that does not belong to the key is refused by key_new */
	assert_int_not_equal(signp_tuf_key_new(&ko, NULL, k2, cert, NULL), SIGN_OK);
	assert_null(ko);
	free(cert);

	/* wildcard CN */
	cert = make_cert(k, "example.org/*", 0, 86400L * 3650, EVP_sha256());
	make_root(&f, k, cert, NULL);
	assert_int_equal(signp_tuf_root_check(f, "example.org/app", now, 1, &err), SIGN_OK);
	assert_int_equal(signp_tuf_root_check(f, "example.net/app", now, 1, NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);
	free(cert);

	/* expired cert: refused with expiry checks, accepted without */
	cert = make_cert(k, "example.org/app", -86400L * 20, -86400L * 10, EVP_sha256());
	make_root(&f, k, cert, NULL);
	assert_int_equal(signp_tuf_root_check(f, "example.org/app", now, 1, &err), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "expired"));
	assert_int_equal(signp_tuf_root_check(f, "example.org/app", now, 0, NULL), SIGN_OK);
	signp_tuf_file_free(f);
	free(cert);

	/* SHA-1 signed cert */
	cert = make_cert(k, "example.org/app", 0, 86400L * 3650, EVP_sha1());
	make_root(&f, k, cert, NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf_root_check(f, "example.org/app", now, 0, &err), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "weak"));
	signp_tuf_file_free(f);
	free(cert);

	/* plain (non-cert) root key */
	make_root(&f, k, NULL, NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf_root_check(f, "example.org/app", now, 0, &err), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "not an x509 certificate"));
	signp_tuf_file_free(f);

	/* rsa-x509 label on an EC cert */
	cert = make_cert(k, "example.org/app", 0, 86400L * 3650, EVP_sha256());
	make_root(&f, k, cert, "rsa-x509");
	assert_int_equal(signp_tuf_root_check(f, "example.org/app", now, 0, NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);
	free(cert);

	/* ed25519 cannot be a certificate key */
	{
		EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		assert_non_null(ed);
		cert = make_cert(k, "example.org/app", 0, 86400L * 3650, EVP_sha256());
		assert_int_equal(signp_tuf_key_new(&ko, NULL, ed, cert, NULL), SIGN_EINVAL);
		assert_null(ko);
		free(cert);
		EVP_PKEY_free(ed);
	}

	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

static void test_rotation(void **state)
{
	sign_error err = { 0 };
	signp_tuf_file *v2 = load_vec("root", "c2_root.v2.json");
	signp_tuf_file *v3 = load_vec("root", "c2_root.v3_rotated.json");
	signp_tuf_file *c1 = load_vec("root", "c1_root.v1.json");
	json_t *sigs;
	(void)state;

	assert_int_equal(signp_tuf_root_rotation_check(v2, v3, &err), SIGN_OK);
	assert_int_equal(signp_tuf_root_rotation_check(v2, v2, &err), SIGN_OK);
	/* another repository's root cannot take over */
	assert_int_equal(signp_tuf_root_rotation_check(c1, v3, &err), SIGN_EVERIFY);
	/* v2 is not signed by v3's new key */
	assert_int_equal(signp_tuf_root_rotation_check(v3, v2, NULL), SIGN_EVERIFY);

	/* remove the old key's signature: rotation must fail */
	sigs = v3->signatures;
	assert_int_equal(json_array_size(sigs), 2);
	{
		signp_tuf_file *m = NULL;
		sign_buf w = SIGN_BUF_INIT;
		json_t *s1 = json_array();
		size_t i;
		json_t *s;
		const char *oldid = "600e928c69135bbf28d1cc0df92877bff5bced20802d531ce7e9c2ea682c779b";
		json_array_foreach(sigs, i, s) {
			if (strcmp(json_string_value(json_object_get(s, "keyid")), oldid) != 0)
				json_array_append(s1, s);
		}
		assert_int_equal(json_array_size(s1), 1);
		assert_int_equal(signp_cjson_wire(&w, v3->signed_obj, s1, &err), SIGN_OK);
		assert_int_equal(signp_tuf_parse(&m, "root", w.ptr, w.size, &err), SIGN_OK);
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_tuf_root_rotation_check(v2, m, &err), SIGN_EVERIFY);
		assert_non_null(strstr(err.message, "root rotation"));
		/* still self-consistent on its own */
		assert_int_equal(signp_tuf_root_check(m, C2_GUN, NOW_2027, 1, NULL), SIGN_OK);
		signp_tuf_file_free(m);
		json_decref(s1);

		/* remove the new key's signature instead: own threshold fails */
		s1 = json_array();
		json_array_foreach(sigs, i, s) {
			if (strcmp(json_string_value(json_object_get(s, "keyid")), oldid) == 0)
				json_array_append(s1, s);
		}
		signp_buf_clear(&w);
		assert_int_equal(signp_cjson_wire(&w, v3->signed_obj, s1, &err), SIGN_OK);
		assert_int_equal(signp_tuf_parse(&m, "root", w.ptr, w.size, &err), SIGN_OK);
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_tuf_root_rotation_check(v2, m, &err), SIGN_EVERIFY);
		assert_string_equal(err.message, "valid signatures did not meet threshold for root");
		signp_tuf_file_free(m);
		json_decref(s1);
		sign_buf_dispose(&w);
	}
	signp_tuf_file_free(v2);
	signp_tuf_file_free(v3);
	signp_tuf_file_free(c1);
}

/* ---------------------------------------------------------------------- */
/* (9) garbage                                                             */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_check_vectors),
		cmocka_unit_test(test_root_check_structure),
		cmocka_unit_test(test_root_check_generated),
		cmocka_unit_test(test_rotation),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

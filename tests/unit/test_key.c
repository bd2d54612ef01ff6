/*
 * test_key.c - keys, key files, root certificates, signatures (the key
 * store: test_keystore.c).
 */
#include "keyvec.h"

/* ---- cosign vectors ---- */

static void check_cosign_vector(const char *key, const char *pub, const char *pass)
{
	sign_buf kdata = SIGN_BUF_INIT, pdata = SIGN_BUF_INIT, pem = SIGN_BUF_INIT;
	signp_key *k = NULL, *pk = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	read_vector(&kdata, key);
	read_vector(&pdata, pub);
	assert_true(signp_key_data_encrypted(kdata.ptr, kdata.size));
	assert_int_equal(signp_key_parse(&k, kdata.ptr, kdata.size, pass, strlen(pass), &err),
		SIGN_OK);
	assert_true(k->is_private);
	assert_int_equal(EVP_PKEY_get_base_id(k->pkey), EVP_PKEY_EC);
	assert_int_equal(signp_key_parse(&pk, pdata.ptr, pdata.size, NULL, 0, &err), SIGN_OK);
	assert_false(pk->is_private);
	assert_string_equal(k->id, pk->id);
	spki_pem_of(&pem, k->pkey);
	assert_string_equal(pem.ptr, pdata.ptr);
	assert_int_equal(EVP_PKEY_eq(k->pkey, pk->pkey), 1);
	signp_key_free(k);
	signp_key_free(pk);
	sign_buf_dispose(&kdata);
	sign_buf_dispose(&pdata);
	sign_buf_dispose(&pem);
}

static void test_cosign_vectors(void **state)
{
	(void)state;
	check_cosign_vector("cosign-local/k1.key", "cosign-local/k1.pub", "pass1");
	check_cosign_vector("cosign-local/k2.key", "cosign-local/k2.pub", "pass2");
}

static void test_cosign_wrong_pass(void **state)
{
	sign_buf kdata = SIGN_BUF_INIT;
	signp_key *k = NULL;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	read_vector(&kdata, "cosign-local/k1.key");
	assert_int_equal(signp_key_parse(&k, kdata.ptr, kdata.size, "pass2", 5, &err),
		SIGN_EPASSPHRASE);
	assert_null(k);
	assert_non_null(strstr(err.message, "wrong passphrase"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_key_parse(&k, kdata.ptr, kdata.size, NULL, 0, &err),
		SIGN_EPASSPHRASE);
	assert_null(k);
	sign_buf_dispose(&kdata);
}

/* ---- notary vectors ---- */

static void test_notary_root_key(void **state)
{
	sign_buf kdata = SIGN_BUF_INIT, root = SIGN_BUF_INIT, cert_pem = SIGN_BUF_INIT;
	signp_key *k = NULL;
	EVP_PKEY *cert_pub = NULL;
	char cn[256], certid[65];
	int64_t nb, na;
	const char *certkey =
		"230f962ab9fda2a16a842afbbad7c1084b9b9fc52858eba66261f0bb46a54f60";
	const char *p, *q;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));

	read_vector(&kdata, "notary/root_key_aae408.key");
	assert_true(signp_key_data_encrypted(kdata.ptr, kdata.size));
	assert_int_equal(signp_key_parse(&k, kdata.ptr, kdata.size, "wrong", 5, &err),
		SIGN_EPASSPHRASE);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_key_parse(&k, kdata.ptr, kdata.size, "rootpass", 8, &err), SIGN_OK);
	assert_string_equal(k->role, "root");
	assert_string_equal(k->gun, "");
	assert_true(signp_str_has_prefix(k->id, "aae40851"));

	/* the cert in c1_root.v1.json carries the same key */
	read_vector(&root, "notary/c1_root.v1.json");
	p = strstr(root.ptr, certkey);
	assert_non_null(p);
	p = strstr(p, "\"public\":");
	assert_non_null(p);
	p = strchr(p + 9, '"');
	assert_non_null(p);
	p++;
	q = strchr(p, '"');
	assert_non_null(q);
	assert_int_equal(signp_b64_decode(&cert_pem, p, (size_t)(q - p)), SIGN_OK);
	assert_int_equal(signp_cert_parse(&cert_pub, cn, &nb, &na, cert_pem.ptr, cert_pem.size, &err),
		SIGN_OK);
	assert_string_equal(cn, "example.com/test/repo");
	assert_int_equal(na - nb, 3650 * 86400);
	assert_int_equal(signp_key_canonical_id(certid, cert_pub, &err), SIGN_OK);
	assert_string_equal(certid, k->id);
	/* the TUF ID of the cert key is the sha256 of the cert-PEM key JSON */
	{
		sign_buf b64 = SIGN_BUF_INIT, json = SIGN_BUF_INIT;
		unsigned char md[32];
		char hex[65];
		signp_b64_encode(&b64, cert_pem.ptr, cert_pem.size);
		signp_buf_printf(&json,
			"{\"keytype\":\"ecdsa-x509\",\"keyval\":{\"private\":null,\"public\":\"%s\"}}",
			b64.ptr);
		signp_sha256(md, json.ptr, json.size);
		signp_hex(hex, md, 32);
		assert_string_equal(hex, certkey);
		sign_buf_dispose(&b64);
		sign_buf_dispose(&json);
	}
	/* a key parsed from the CERTIFICATE block gets the same canonical ID */
	{
		signp_key *ck = NULL;
		assert_int_equal(signp_key_parse(&ck, cert_pem.ptr, cert_pem.size, NULL, 0, &err),
			SIGN_OK);
		assert_string_equal(ck->id, k->id);
		assert_false(ck->is_private);
		signp_key_free(ck);
	}
	EVP_PKEY_free(cert_pub);
	signp_key_free(k);
	sign_buf_dispose(&kdata);
	sign_buf_dispose(&root);
	sign_buf_dispose(&cert_pem);
}

static void test_notary_targets_key(void **state)
{
	sign_buf kdata = SIGN_BUF_INIT, root = SIGN_BUF_INIT;
	signp_key *k = NULL;
	char role[64], gun[512];
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	read_vector(&kdata, "notary/targets_key_sample.key");
	assert_int_equal(signp_key_read_headers(role, gun, kdata.ptr, kdata.size), SIGN_OK);
	assert_string_equal(role, "targets");
	assert_string_equal(gun, "example.com/test/repo");
	assert_int_equal(signp_key_parse(&k, kdata.ptr, kdata.size, "targetspass", 11, &err),
		SIGN_OK);
	assert_string_equal(k->role, "targets");
	assert_string_equal(k->gun, "example.com/test/repo");
	/* its ID is the targets key of the c1 collection */
	read_vector(&root, "notary/c1_root.v1.json");
	assert_non_null(strstr(root.ptr, k->id));
	assert_string_equal(k->id,
		"2c0474daeff7df7a95190b5a95ea5b1cdb272a9eaa897a418bf62844584cbf3d");
	signp_key_free(k);
	sign_buf_dispose(&kdata);
	sign_buf_dispose(&root);
}

static void test_ed25519_id(void **state)
{
	/* reference/notary-tuf.md §2 example */
	static const unsigned char raw[32] = { 0 };
	EVP_PKEY *pk;
	sign_buf b = SIGN_BUF_INIT;
	char id[65];
	unsigned char pub[32];
	sign_error err;
	(void)state;
	(void)raw;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_b64_decode(&b, "tcElQLhMPXiYwkSd84bdDu2ct9r+hTEHZAwZcH9ChVI=", 44),
		SIGN_OK);
	memcpy(pub, b.ptr, 32);
	pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	assert_non_null(pk);
	assert_int_equal(signp_key_canonical_id(id, pk, &err), SIGN_OK);
	assert_string_equal(id, "dfe3ce724de74e3ec5f33d20fdd1eb5ac9ae55fbc614e5a00a13156b368141e5");
	EVP_PKEY_free(pk);
	sign_buf_dispose(&b);
}

/* ---- round trips ---- */

static void test_cosign_roundtrip(void **state)
{
	signp_key *k = NULL, *k2 = NULL;
	sign_buf pem = SIGN_BUF_INIT;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_key_generate(&k, &err), SIGN_OK);
	assert_int_equal(strlen(k->id), 64);
	strcpy(k->role, "targets");
	strcpy(k->gun, "docker.io/library/x");
	assert_int_equal(signp_key_write_cosign(&pem, k, "secret", 6, &err), SIGN_OK);
	assert_true(signp_str_has_prefix(pem.ptr,
		"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
		"gun: docker.io/library/x\nrole: targets\n\n"));
	assert_true(signp_str_has_suffix(pem.ptr, "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
	assert_true(signp_key_data_encrypted(pem.ptr, pem.size));
	assert_int_equal(signp_key_parse(&k2, pem.ptr, pem.size, "secret", 6, &err), SIGN_OK);
	assert_string_equal(k2->id, k->id);
	assert_string_equal(k2->role, "targets");
	assert_string_equal(k2->gun, "docker.io/library/x");
	assert_int_equal(EVP_PKEY_eq(k->pkey, k2->pkey), 1);
	signp_key_free(k2);
	k2 = NULL;
	assert_int_equal(signp_key_parse(&k2, pem.ptr, pem.size, "Secret", 6, &err),
		SIGN_EPASSPHRASE);
	/* empty passphrase allowed */
	memset(&err, 0, sizeof(err));
	k->role[0] = k->gun[0] = '\0';
	assert_int_equal(signp_key_write_cosign(&pem, k, "", 0, &err), SIGN_OK);
	assert_true(signp_str_has_prefix(pem.ptr,
		"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\neyJ"));
	assert_int_equal(signp_key_parse(&k2, pem.ptr, pem.size, "", 0, &err), SIGN_OK);
	assert_string_equal(k2->id, k->id);
	signp_key_free(k2);
	signp_key_free(k);
	sign_buf_dispose(&pem);
}

static void test_pkcs8_roundtrip(void **state)
{
	signp_key *k = NULL, *k2 = NULL;
	sign_buf pem = SIGN_BUF_INIT;
	sign_error err;
	char path[] = "/tmp/test_key_p8_XXXXXX";
	char cmd[512], want[256];
	int fd;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_key_generate(&k, &err), SIGN_OK);
	strcpy(k->role, "root");
	assert_int_equal(signp_key_write_pkcs8(&pem, k, "x", 1, &err), SIGN_OK);
	/* notary key export's headers, sorted: path (the key ID), role */
	snprintf(want, sizeof(want), "-----BEGIN ENCRYPTED PRIVATE KEY-----\npath: %s\nrole: root\n\n",
		k->id);
	assert_true(signp_str_has_prefix(pem.ptr, want));
	assert_int_equal(signp_key_parse(&k2, pem.ptr, pem.size, "x", 1, &err), SIGN_OK);
	assert_string_equal(k2->id, k->id);
	assert_string_equal(k2->role, "root");
	assert_string_equal(k2->gun, "");
	signp_key_free(k2);
	k2 = NULL;
	/* a GUN with a port (':' inside the header value) */
	strcpy(k->role, "snapshot");
	strcpy(k->gun, "localhost:5000/a/b");
	assert_int_equal(signp_key_write_pkcs8(&pem, k, "x", 1, &err), SIGN_OK);
	snprintf(want, sizeof(want), "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
		"gun: localhost:5000/a/b\npath: %s\nrole: snapshot\n\n", k->id);
	assert_true(signp_str_has_prefix(pem.ptr, want));
	assert_int_equal(signp_key_parse(&k2, pem.ptr, pem.size, "x", 1, &err), SIGN_OK);
	assert_string_equal(k2->role, "snapshot");
	assert_string_equal(k2->gun, "localhost:5000/a/b");
	signp_key_free(k2);
	k2 = NULL;
	k->gun[0] = '\0';
	strcpy(k->role, "bad\nrole");
	assert_int_equal(signp_key_write_pkcs8(&pem, k, "x", 1, &err), SIGN_EINVAL);
	memset(&err, 0, sizeof(err));
	strcpy(k->role, "root");
	assert_int_equal(signp_key_parse(&k2, pem.ptr, pem.size, "y", 1, &err), SIGN_EPASSPHRASE);

	/* parameters: PBES2, PBKDF2 (no PRF => SHA1), 8-byte salt, 2048 iterations, AES-256-CBC */
	{
		sign_buf der = SIGN_BUF_INIT;
		const char *b = strstr(pem.ptr, "\n\n") + 2;
		const char *e = strstr(b, "-----END");
		sign_buf clean = SIGN_BUF_INIT;
		const unsigned char *dp;
		X509_SIG *sig;
		const X509_ALGOR *alg;
		PBE2PARAM *pbe2;
		PBKDF2PARAM *kdf;
		for (const char *c = b; c < e; c++)
			if (*c != '\n')
				signp_buf_putc(&clean, *c);
		assert_int_equal(signp_b64_decode(&der, clean.ptr, clean.size), SIGN_OK);
		dp = (const unsigned char *)der.ptr;
		sig = d2i_X509_SIG(NULL, &dp, (long)der.size);
		assert_non_null(sig);
		X509_SIG_get0(sig, &alg, NULL);
		assert_int_equal(OBJ_obj2nid(alg->algorithm), NID_pbes2);
		pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
		assert_non_null(pbe2);
		assert_int_equal(OBJ_obj2nid(pbe2->keyfunc->algorithm), NID_id_pbkdf2);
		assert_int_equal(OBJ_obj2nid(pbe2->encryption->algorithm), NID_aes_256_cbc);
		kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter);
		assert_non_null(kdf);
		assert_int_equal(ASN1_INTEGER_get(kdf->iter), 2048);
		assert_null(kdf->prf);
		assert_null(kdf->keylength);
		assert_int_equal(kdf->salt->value.octet_string->length, 8);
		PBKDF2PARAM_free(kdf);
		PBE2PARAM_free(pbe2);
		X509_SIG_free(sig);
		sign_buf_dispose(&der);
		sign_buf_dispose(&clean);
	}

	/* openssl itself decrypts it (headers stripped: OpenSSL's PEM reader
	 * only knows Proc-Type headers) */
	k->role[0] = '\0';
	k->id[0] = '\0'; /* no path: header either */
	assert_int_equal(signp_key_write_pkcs8(&pem, k, "x", 1, &err), SIGN_OK);
	assert_true(signp_str_has_prefix(pem.ptr, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMI"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pem.ptr, pem.size), (ssize_t)pem.size);
	close(fd);
	snprintf(cmd, sizeof(cmd),
		"command -v openssl >/dev/null 2>&1 || exit 0; "
		"openssl pkcs8 -in %s -passin pass:x -out /dev/null 2>/dev/null", path);
	assert_int_equal(system(cmd), 0);
	unlink(path);
	signp_key_free(k);
	sign_buf_dispose(&pem);
}

static void test_public_pem(void **state)
{
	signp_key *k = NULL, *pk = NULL;
	sign_buf pem = SIGN_BUF_INIT, der = SIGN_BUF_INIT;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_key_generate(&k, &err), SIGN_OK);
	assert_int_equal(signp_key_public_pem(&pem, k->pkey, &err), SIGN_OK);
	assert_true(signp_str_has_prefix(pem.ptr, "-----BEGIN PUBLIC KEY-----\n"));
	assert_int_equal(signp_key_parse(&pk, pem.ptr, pem.size, NULL, 0, &err), SIGN_OK);
	assert_string_equal(pk->id, k->id);
	assert_int_equal(signp_key_spki_der(&der, k->pkey, &err), SIGN_OK);
	assert_int_equal(der.size, 91);
	signp_key_free(k);
	signp_key_free(pk);
	sign_buf_dispose(&pem);
	sign_buf_dispose(&der);
}

static void test_unencrypted_formats(void **state)
{
	signp_key *k = NULL, *k2 = NULL;
	sign_buf pem = SIGN_BUF_INIT;
	BIO *bio;
	char *p;
	long n;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_key_generate(&k, &err), SIGN_OK);

	/* PKCS#8 PRIVATE KEY */
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &p);
	assert_false(signp_key_data_encrypted(p, (size_t)n));
	assert_int_equal(signp_key_parse(&k2, p, (size_t)n, NULL, 0, &err), SIGN_OK);
	assert_string_equal(k2->id, k->id);
	assert_true(k2->is_private);
	signp_key_free(k2);
	k2 = NULL;
	BIO_free(bio);

	/* SEC1 EC PRIVATE KEY */
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey_traditional(bio, k->pkey, NULL, NULL, 0, NULL,
				 NULL),
		1);
	n = BIO_get_mem_data(bio, &p);
	assert_true(n > 30 && memcmp(p, "-----BEGIN EC PRIVATE KEY-----", 30) == 0);
	assert_int_equal(signp_key_parse(&k2, p, (size_t)n, NULL, 0, &err), SIGN_OK);
	assert_string_equal(k2->id, k->id);
	signp_key_free(k2);
	k2 = NULL;
	BIO_free(bio);

	/* legacy encrypted EC PRIVATE KEY (Proc-Type) */
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey_traditional(bio, k->pkey, EVP_aes_128_cbc(),
				 (unsigned char *)"pw", 2, NULL, NULL),
		1);
	n = BIO_get_mem_data(bio, &p);
	assert_true(signp_key_data_encrypted(p, (size_t)n));
	assert_int_equal(signp_key_parse(&k2, p, (size_t)n, NULL, 0, &err), SIGN_EPASSPHRASE);
	assert_int_equal(signp_key_parse(&k2, p, (size_t)n, "nope", 4, &err), SIGN_EPASSPHRASE);
	assert_int_equal(signp_key_parse(&k2, p, (size_t)n, "pw", 2, &err), SIGN_OK);
	assert_string_equal(k2->id, k->id);
	signp_key_free(k2);
	BIO_free(bio);

	signp_key_free(k);
	sign_buf_dispose(&pem);
}

/* ---- root certificate ---- */

static void check_cert(const char *gun, int want_type)
{
	signp_key *k = NULL;
	sign_buf pem = SIGN_BUF_INIT;
	EVP_PKEY *pub = NULL;
	char cn[256], id[65];
	int64_t nb = 0, na = 0, t0 = 1764323011; /* 2025-11-28 */
	sign_error err;
	BIO *bio;
	X509 *x;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_key_generate(&k, &err), SIGN_OK);
	assert_int_equal(signp_key_root_cert(&pem, k, gun, t0, 3650, &err), SIGN_OK);
	assert_true(signp_str_has_prefix(pem.ptr, "-----BEGIN CERTIFICATE-----\n"));
	assert_true(signp_str_has_suffix(pem.ptr, "=\n-----END CERTIFICATE-----\n") ||
		    signp_str_has_suffix(pem.ptr, "\n-----END CERTIFICATE-----\n"));
	/* 64-column lines */
	{
		const char *l = strchr(pem.ptr, '\n') + 1;
		while (strncmp(l, "-----END", 8) != 0) {
			const char *nl = strchr(l, '\n');
			assert_true(nl - l <= 64);
			if (nl - l < 64)
				assert_true(strncmp(nl + 1, "-----END", 8) == 0);
			l = nl + 1;
		}
	}
	assert_int_equal(signp_cert_parse(&pub, cn, &nb, &na, pem.ptr, pem.size, &err), SIGN_OK);
	assert_string_equal(cn, gun);
	assert_int_equal(nb, t0);
	assert_int_equal(na, t0 + 3650 * 86400);
	assert_int_equal(EVP_PKEY_eq(pub, k->pkey), 1);
	assert_int_equal(signp_key_canonical_id(id, pub, &err), SIGN_OK);
	assert_string_equal(id, k->id);

	bio = BIO_new_mem_buf(pem.ptr, (int)pem.size);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	assert_non_null(x);
	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	assert_int_equal(X509_verify(x, k->pkey), 1);
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
	{
		X509_NAME *s = X509_get_subject_name(x);
		ASN1_STRING *d;
		assert_int_equal(X509_NAME_entry_count(s), 1);
		d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(s, 0));
		assert_int_equal(ASN1_STRING_type(d), want_type);
	}
	assert_int_equal(X509_get_ext_count(x), 3);
	assert_int_equal(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(x, 0))), NID_key_usage);
	assert_true(X509_EXTENSION_get_critical(X509_get_ext(x, 0)));
	assert_int_equal(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(x, 1))),
		NID_ext_key_usage);
	assert_false(X509_EXTENSION_get_critical(X509_get_ext(x, 1)));
	assert_int_equal(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(x, 2))),
		NID_basic_constraints);
	assert_true(X509_EXTENSION_get_critical(X509_get_ext(x, 2)));
	assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	assert_int_equal(X509_get_extended_key_usage(x), XKU_CODE_SIGN);
	assert_int_equal(X509_check_ca(x), 0);
	assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
	{
		const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
		BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);
		assert_true(BN_num_bits(bn) <= 128);
		assert_false(BN_is_negative(bn));
		BN_free(bn);
	}
	{
		/* extension bytes exactly as Go wrote them in c1_root.v1.json */
		ASN1_OCTET_STRING *d = X509_EXTENSION_get_data(X509_get_ext(x, 0));
		assert_int_equal(ASN1_STRING_length(d), 4);
		assert_memory_equal(ASN1_STRING_get0_data(d), "\x03\x02\x05\xa0", 4);
		d = X509_EXTENSION_get_data(X509_get_ext(x, 1));
		assert_int_equal(ASN1_STRING_length(d), 12);
		assert_memory_equal(ASN1_STRING_get0_data(d),
			"\x30\x0a\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x03", 12);
		d = X509_EXTENSION_get_data(X509_get_ext(x, 2));
		assert_int_equal(ASN1_STRING_length(d), 2);
		assert_memory_equal(ASN1_STRING_get0_data(d), "\x30\x00", 2);
	}
	X509_free(x);
	BIO_free(bio);
	EVP_PKEY_free(pub);
	signp_key_free(k);
	sign_buf_dispose(&pem);
}

static void test_root_cert(void **state)
{
	(void)state;
	check_cert("example.com/test/repo", V_ASN1_PRINTABLESTRING);
	check_cert("localhost:5000/my_repo", V_ASN1_UTF8STRING);
}

static void test_root_cert_structure_like_go(void **state)
{
	/* Same DER layout as the notary-made cert: compare everything except
	 * serial, key, times and signature by re-encoding a cert made with the
	 * vector's parameters and checking the TBS prefix lengths. */
	sign_buf root = SIGN_BUF_INIT, cert_pem = SIGN_BUF_INIT, mine = SIGN_BUF_INIT;
	signp_key *k = NULL;
	sign_error err;
	const char *p, *q;
	char cn[256];
	int64_t nb, na;
	(void)state;
	memset(&err, 0, sizeof(err));
	read_vector(&root, "notary/c1_root.v1.json");
	p = strstr(root.ptr, "\"ecdsa-x509\"");
	assert_non_null(p);
	p = strstr(p, "\"public\":\"") + 10;
	q = strchr(p, '"');
	assert_int_equal(signp_b64_decode(&cert_pem, p, (size_t)(q - p)), SIGN_OK);
	assert_int_equal(signp_cert_parse(NULL, cn, &nb, &na, cert_pem.ptr, cert_pem.size, &err),
		SIGN_OK);
	assert_int_equal(signp_key_generate(&k, &err), SIGN_OK);
	assert_int_equal(signp_key_root_cert(&mine, k, cn, nb, 3650, &err), SIGN_OK);
	{
		/* decode both and compare the TBS from the validity through the
		 * extensions, skipping the public key bits */
		sign_buf a = SIGN_BUF_INIT, b = SIGN_BUF_INIT;
		BIO *bio;
		X509 *xa, *xb;
		unsigned char *ta = NULL, *tb = NULL;
		int la, lb;
		bio = BIO_new_mem_buf(cert_pem.ptr, (int)cert_pem.size);
		xa = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
		bio = BIO_new_mem_buf(mine.ptr, (int)mine.size);
		xb = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
		assert_non_null(xa);
		assert_non_null(xb);
		la = i2d_re_X509_tbs(xa, &ta);
		lb = i2d_re_X509_tbs(xb, &tb);
		/* serial 16 or 17 bytes; everything after it from the
		 * signature algorithm to the SPKI header and the extensions */
		assert_true(la > 200 && lb > 200);
		{
			/* TBS: 30 82 LL LL, a0 03 02 01 02, 02 <n> serial, then
			 * sigalg(12) issuer(34) validity(32) subject(34) and the
			 * SPKI header up to the point bits (27); then the
			 * extensions (the last 55 bytes) */
			size_t sa, sb;
			assert_int_equal(ta[0], 0x30);
			assert_int_equal(ta[1], 0x82);
			assert_memory_equal(ta + 4, "\xa0\x03\x02\x01\x02\x02", 6);
			assert_memory_equal(tb + 4, "\xa0\x03\x02\x01\x02\x02", 6);
			sa = 11 + ta[10];
			sb = 11 + tb[10];
			assert_memory_equal(ta + sa, tb + sb, 12 + 34 + 32 + 34 + 27);
			assert_memory_equal(ta + la - 55, tb + lb - 55, 55);
		}
		OPENSSL_free(ta);
		OPENSSL_free(tb);
		X509_free(xa);
		X509_free(xb);
		sign_buf_dispose(&a);
		sign_buf_dispose(&b);
	}
	signp_key_free(k);
	sign_buf_dispose(&root);
	sign_buf_dispose(&cert_pem);
	sign_buf_dispose(&mine);
}

/* ---- signatures ---- */

static void test_sign_verify(void **state)
{
	signp_key *k = NULL, *other = NULL;
	sign_buf sig = SIGN_BUF_INIT;
	const char *msg = "{\"critical\":{}}";
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_key_generate(&k, &err), SIGN_OK);
	assert_int_equal(signp_key_generate(&other, &err), SIGN_OK);
	assert_int_equal(signp_key_sign_der(&sig, k, msg, strlen(msg), &err), SIGN_OK);
	assert_true(sig.size >= 8 && (unsigned char)sig.ptr[0] == 0x30);
	/* the warm-up a verify runs while a request is out changes nothing,
	 * and may run any number of times */
	signp_crypto_warm();
	signp_crypto_warm();
	assert_int_equal(signp_pkey_verify_der(k->pkey, msg, strlen(msg), sig.ptr, sig.size),
		SIGN_OK);
	assert_int_equal(signp_pkey_verify_der(other->pkey, msg, strlen(msg), sig.ptr, sig.size),
		SIGN_EVERIFY);
	assert_int_equal(signp_pkey_verify_der(k->pkey, msg, strlen(msg) - 1, sig.ptr, sig.size),
		SIGN_EVERIFY);
	for (size_t i = 0; i < sig.size; i++) {
		sig.ptr[i] ^= 0x01;
		assert_int_equal(signp_pkey_verify_der(k->pkey, msg, strlen(msg), sig.ptr, sig.size),
			SIGN_EVERIFY);
		sig.ptr[i] ^= 0x01;
	}
	assert_int_equal(signp_pkey_verify_der(k->pkey, msg, strlen(msg), sig.ptr, sig.size - 1),
		SIGN_EVERIFY);
	assert_int_equal(signp_pkey_verify_der(k->pkey, msg, strlen(msg), "garbage", 7),
		SIGN_EVERIFY);
	assert_int_equal(signp_pkey_verify_der(k->pkey, msg, strlen(msg), "", 0), SIGN_EVERIFY);
	assert_int_equal(signp_pkey_verify_der(NULL, msg, strlen(msg), sig.ptr, sig.size),
		SIGN_EVERIFY);
	/* empty message */
	assert_int_equal(signp_key_sign_der(&sig, k, "", 0, &err), SIGN_OK);
	assert_int_equal(signp_pkey_verify_der(k->pkey, "", 0, sig.ptr, sig.size), SIGN_OK);
	signp_key_free(k);
	signp_key_free(other);
	sign_buf_dispose(&sig);
}

static void test_verify_rsa(void **state)
{
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	signp_key *k = NULL;
	sign_buf sig = SIGN_BUF_INIT;
	char id[65];
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_non_null(rsa);
	assert_int_equal(signp_key_canonical_id(id, rsa, &err), SIGN_OK);
	assert_int_equal(signp_key_wrap(&k, rsa, 1, &err), SIGN_OK);
	assert_string_equal(k->id, id);
	assert_int_equal(signp_key_sign_der(&sig, k, "abc", 3, &err), SIGN_OK);
	assert_int_equal(sig.size, 256);
	assert_int_equal(signp_pkey_verify_der(k->pkey, "abc", 3, sig.ptr, sig.size), SIGN_OK);
	sig.ptr[10] ^= 1;
	assert_int_equal(signp_pkey_verify_der(k->pkey, "abc", 3, sig.ptr, sig.size), SIGN_EVERIFY);
	signp_key_free(k);
	sign_buf_dispose(&sig);
}

/* containers/image fixture: verify a real cosign signature */
static void test_verify_cosign_fixture(void **state)
{
	sign_buf pub = SIGN_BUF_INIT, sigfile = SIGN_BUF_INIT, payload = SIGN_BUF_INIT,
		 der = SIGN_BUF_INIT;
	signp_key *pk = NULL;
	sign_error err;
	const char *p, *q;
	(void)state;
	memset(&err, 0, sizeof(err));
	read_vector(&pub, "containers-image-cosign/cosign.pub");
	read_vector(&sigfile, "containers-image-cosign/dir-img-cosign-valid/signature-1");
	assert_int_equal(signp_key_parse(&pk, pub.ptr, pub.size, NULL, 0, &err), SIGN_OK);
	p = strstr(sigfile.ptr + 15, "\"payload\":\"");
	assert_non_null(p);
	p += 11;
	q = strchr(p, '"');
	assert_int_equal(signp_b64_decode(&payload, p, (size_t)(q - p)), SIGN_OK);
	p = strstr(sigfile.ptr + 15, "\"dev.cosignproject.cosign/signature\":\"");
	assert_non_null(p);
	p += 38;
	q = strchr(p, '"');
	assert_int_equal(signp_b64_decode(&der, p, (size_t)(q - p)), SIGN_OK);
	assert_int_equal(signp_pkey_verify_der(pk->pkey, payload.ptr, payload.size, der.ptr, der.size),
		SIGN_OK);
	payload.ptr[5] ^= 1;
	assert_int_equal(signp_pkey_verify_der(pk->pkey, payload.ptr, payload.size, der.ptr, der.size),
		SIGN_EVERIFY);
	signp_key_free(pk);
	sign_buf_dispose(&pub);
	sign_buf_dispose(&sigfile);
	sign_buf_dispose(&payload);
	sign_buf_dispose(&der);
}

/* ---- garbage ---- */

static void expect_parse_fail(const char *text, const char *pass)
{
	signp_key *k = NULL;
	sign_error err;
	int r;
	memset(&err, 0, sizeof(err));
	r = signp_key_parse(&k, text, strlen(text), pass, pass ? strlen(pass) : 0, &err);
	if (r == SIGN_OK)
		fail_msg("parse accepted: %s", text);
	assert_null(k);
	assert_true(r < 0);
	assert_true(err.message[0] != '\0');
}

static void cosign_body(char *out, size_t size, const char *json)
{
	sign_buf b = SIGN_BUF_INIT;
	assert_int_equal(signp_b64_encode(&b, json, strlen(json)), SIGN_OK);
	snprintf(out, size,
		"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n%s\n"
		"-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
		b.ptr);
	sign_buf_dispose(&b);
}

static void test_garbage(void **state)
{
	sign_buf k1 = SIGN_BUF_INIT;
	char buf[8192];
	signp_key *k = NULL;
	sign_error err;
	char role[64], gun[512];
	(void)state;
	memset(&err, 0, sizeof(err));

	expect_parse_fail("", NULL);
	expect_parse_fail("hello", NULL);
	expect_parse_fail("-----BEGIN PUBLIC KEY-----\n", NULL);
	expect_parse_fail("-----BEGIN PUBLIC KEY-----\nMFkw\n", NULL);
	expect_parse_fail("-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n", NULL);
	expect_parse_fail("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", NULL);
	expect_parse_fail("-----BEGIN PUBLIC KEY-----\n\n-----END PUBLIC KEY-----\n", NULL);
	expect_parse_fail("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", NULL);
	expect_parse_fail("-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n", NULL);
	expect_parse_fail("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", NULL);
	expect_parse_fail("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", NULL);
	expect_parse_fail("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
		NULL);
	expect_parse_fail(
		"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
		"x");
	expect_parse_fail("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n"
			  "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
		"x");
	cosign_body(buf, sizeof(buf), "{\"kdf\":");
	expect_parse_fail(buf, "x");
	cosign_body(buf, sizeof(buf), "[]");
	expect_parse_fail(buf, "x");
	cosign_body(buf, sizeof(buf),
		"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":1024,\"r\":8,\"p\":1},"
		"\"salt\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"},"
		"\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"},"
		"\"ciphertext\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}");
	expect_parse_fail(buf, "x");
	cosign_body(buf, sizeof(buf),
		"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":65536,\"r\":16,\"p\":1},"
		"\"salt\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"},"
		"\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"},"
		"\"ciphertext\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}");
	expect_parse_fail(buf, "x");
	cosign_body(buf, sizeof(buf),
		"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":32768,\"r\":8,\"p\":1},"
		"\"salt\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"},"
		"\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"AAAA\"},"
		"\"ciphertext\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}");
	expect_parse_fail(buf, "x");
	cosign_body(buf, sizeof(buf),
		"{\"kdf\":{\"name\":\"argon2\",\"params\":{\"N\":32768,\"r\":8,\"p\":1},"
		"\"salt\":\"AAAA\"},\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"AAAA\"},"
		"\"ciphertext\":\"AAAA\"}");
	expect_parse_fail(buf, "x");
	/* valid parameters, random ciphertext: wrong passphrase */
	cosign_body(buf, sizeof(buf),
		"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":32768,\"r\":8,\"p\":1},"
		"\"salt\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"},"
		"\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"},"
		"\"ciphertext\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}");
	assert_int_equal(signp_key_parse(&k, buf, strlen(buf), "x", 1, &err), SIGN_EPASSPHRASE);

	/* truncated real files */
	read_vector(&k1, "cosign-local/k1.key");
	for (size_t n = 0; n < k1.size - 1; n += 7) {
		memset(&err, 0, sizeof(err));
		assert_true(signp_key_parse(&k, k1.ptr, n, "pass1", 5, &err) < 0);
		assert_null(k);
	}
	/* bit flips in the body */
	for (size_t i = 60; i < k1.size - 50; i += 97) {
		char saved = k1.ptr[i];
		if (saved == '\n')
			continue;
		k1.ptr[i] = saved == 'A' ? 'B' : 'A';
		memset(&err, 0, sizeof(err));
		assert_true(signp_key_parse(&k, k1.ptr, k1.size, "pass1", 5, &err) < 0);
		assert_null(k);
		k1.ptr[i] = saved;
	}
	assert_true(signp_key_read_headers(role, gun, "junk", 4) < 0);
	assert_false(signp_key_data_encrypted("junk", 4));
	assert_true(signp_cert_parse(NULL, NULL, NULL, NULL, "junk", 4, &err) < 0);
	sign_buf_dispose(&k1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cosign_vectors),
		cmocka_unit_test(test_cosign_wrong_pass),
		cmocka_unit_test(test_notary_root_key),
		cmocka_unit_test(test_notary_targets_key),
		cmocka_unit_test(test_ed25519_id),
		cmocka_unit_test(test_cosign_roundtrip),
		cmocka_unit_test(test_pkcs8_roundtrip),
		cmocka_unit_test(test_public_pem),
		cmocka_unit_test(test_unencrypted_formats),
		cmocka_unit_test(test_root_cert),
		cmocka_unit_test(test_root_cert_structure_like_go),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_verify_rsa),
		cmocka_unit_test(test_verify_cosign_fixture),
		cmocka_unit_test(test_garbage),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

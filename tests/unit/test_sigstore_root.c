/*
 * test_sigstore_root.c - Sigstore trusted roots (sigstore_root.c): the
 * embedded public-good root and sigstore-conformance's roots read (PKCS#1
 * and Ed25519 log keys, origins, closed validity periods), and every root
 * the reader refuses refused with its message.
 */
#include "sigvec.h"

#include <openssl/evp.h>

#define P256 "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw=="
#define KEYID "wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0="
#define ROOTCA "MIIB9zCCAXygAwIBAgIUALZNAPFdxHPwjeDloDwyYChAO/4wCgYIKoZIzj0EAwMwKjEVMBMGA1UEChMMc2lnc3RvcmUuZGV2MREwDwYDVQQDEwhzaWdzdG9yZTAeFw0yMTEwMDcxMzU2NTlaFw0zMTEwMDUxMzU2NThaMCoxFTATBgNVBAoTDHNpZ3N0b3JlLmRldjERMA8GA1UEAxMIc2lnc3RvcmUwdjAQBgcqhkjOPQIBBgUrgQQAIgNiAAT7XeFT4rb3PQGwS4IajtLk3/OlnpgangaBclYpsYBr5i+4ynB07ceb3LP0OIOZdxexX69c5iVuyJRQ+Hz05yi+UF3uBWAlHpiS5sh0+H2GHE7SXrk1EC5m1Tr19L9gg92jYzBhMA4GA1UdDwEB/wQEAwIBBjAPBgNVHRMBAf8EBTADAQH/MB0GA1UdDgQWBBRYwB5fkUWlZql6zJChkyLQKsXF+jAfBgNVHSMEGDAWgBRYwB5fkUWlZql6zJChkyLQKsXF+jAKBggqhkjOPQQDAwNpADBmAjEAj1nHeXZp+13NWBNa+EDsDP8G1WWg1tCMWP/WHPqpaVo0jhsweNFZgSs0eE7wYI4qAjEA2WB9ot98sIkoF3vZYdd3/VtWB5b9TNMea7Ix/stJ5TfcLLeABLE4BNJOsQ4vnBHJ"
#define MT "\"mediaType\":\"application/vnd.dev.sigstore.trustedroot+json;version=0.1\""
#define VF "\"validFor\":{\"start\":\"2021-01-12T11:53:27Z\"}"
#define LOG(url, alg, details, raw, keyid, vf) \
	"{\"baseUrl\":\"" url "\",\"hashAlgorithm\":\"" alg "\",\"publicKey\":{\"rawBytes\":\"" raw \
	"\",\"keyDetails\":\"" details "\"" vf "},\"logId\":{\"keyId\":\"" keyid "\"}}"
#define GOODLOG(url) LOG(url, "SHA2_256", "PKIX_ECDSA_P256_SHA_256", P256, KEYID, "," VF)
#define CA(certs, vf) "{\"uri\":\"https://fulcio.example\",\"certChain\":{\"certificates\":[" certs "]}" vf "}"
#define CERT(raw) "{\"rawBytes\":\"" raw "\"}"

static int64_t t3339(const char *s)
{
	int64_t t;
	assert_int_equal(signp_time_parse(s, &t), SIGN_OK);
	return t;
}

static void test_public_good(void **state)
{
	signp_trusted_root *r;
	sign_buf id = SIGN_BUF_INIT;
	size_t len;
	(void)state;
	assert_non_null(signp_sigstore_public_good_root(&len));
	assert_int_equal(strlen(signp_sigstore_public_good_root(NULL)), len);
	r = sv_root("happy-path-v0.3"); /* no trusted_root.json: the public-good root */
	assert_int_equal(r->ntlogs, 2);
	assert_int_equal(r->nctlogs, 2);
	assert_int_equal(r->ncas, 2);
	assert_int_equal(r->ntsas, 1);
	assert_string_equal(r->tlogs[0].base_url, "https://rekor.sigstore.dev");
	assert_string_equal(r->tlogs[0].origin, "rekor.sigstore.dev");
	assert_string_equal(r->tlogs[1].origin, "log2025-1.rekor.sigstore.dev");
	assert_int_equal(EVP_PKEY_get_base_id(r->tlogs[0].key), EVP_PKEY_EC);
	assert_int_equal(EVP_PKEY_get_base_id(r->tlogs[1].key), EVP_PKEY_ED25519);
	assert_int_equal(r->tlogs[0].start, t3339("2021-01-12T11:53:27Z"));
	assert_true(r->tlogs[0].end == SIGNP_TIME_OPEN);
	/* a fraction of a second is dropped: 23:59:59.999 ends at 23:59:59 */
	assert_int_equal(r->ctlogs[0].end, t3339("2022-10-31T23:59:59Z"));
	assert_int_equal(r->cas[0].ncerts, 1);
	assert_int_equal(r->cas[1].ncerts, 2);
	assert_string_equal(r->cas[1].uri, "https://fulcio.sigstore.dev");
	assert_int_equal(r->tsas[0].ncerts, 2);
	sv_b64(&id, KEYID);
	assert_int_equal(r->tlogs[0].idlen, 32);
	assert_ptr_equal(signp_sig_log_find(r->tlogs, r->ntlogs, id.ptr, id.size, sv_integrated_time("happy-path-v0.3")),
		&r->tlogs[0]);
	assert_null(signp_sig_log_find(r->tlogs, r->ntlogs, id.ptr, id.size, r->tlogs[0].start - 1));
	assert_null(signp_sig_log_find(r->tlogs, r->ntlogs, id.ptr, id.size - 1, r->tlogs[0].start));
	assert_null(signp_sig_log_find(r->ctlogs, r->nctlogs, id.ptr, id.size, r->tlogs[0].start));
	free(id.ptr);
	signp_trusted_root_free(r);
}

/* sigstage's root: a CT log key as a PKCS#1 RSAPublicKey (keyDetails
 * PKCS1_RSA_PKCS1V5), a Rekor v2 log with an Ed25519 key. */
static void test_staging(void **state)
{
	signp_trusted_root *r = sv_root("rekor2-happy-path");
	(void)state;
	assert_int_equal(r->ntlogs, 2);
	assert_int_equal(r->nctlogs, 3);
	assert_int_equal(EVP_PKEY_get_base_id(r->ctlogs[0].key), EVP_PKEY_RSA);
	assert_int_equal(EVP_PKEY_get_bits(r->ctlogs[0].key), 4096);
	assert_string_equal(r->tlogs[1].origin, "log2025-alpha1.rekor.sigstage.dev");
	assert_int_equal(EVP_PKEY_get_base_id(r->tlogs[1].key), EVP_PKEY_ED25519);
	assert_string_equal(r->tsas[0].uri, "https://timestamp.sigstage.dev/api/v1/timestamp");
	signp_trusted_root_free(r);
}

/* The conformance cases on validity: a missing start is an error, an end
 * is inclusive. */
static void test_validity_cases(void **state)
{
	signp_trusted_root *r;
	sign_buf b = SIGN_BUF_INIT, id = SIGN_BUF_INIT;
	sign_error err;
	int64_t t = sv_integrated_time("trust-root-tlog-validity-end-inclusive");
	(void)state;
	memset(&err, 0, sizeof(err));
	sv_read(&b, "trust-root-tlog-missing-validity-start_fail", "trusted_root.json");
	assert_int_equal(signp_trusted_root_parse(&r, b.ptr, b.size, &err), SIGN_EFORMAT);
	assert_null(r);
	assert_string_equal(err.message, "trusted root: tlogs[1]: validFor has no start");

	r = sv_root("trust-root-tlog-validity-end-inclusive");
	sv_b64(&id, KEYID);
	assert_int_equal(t, 1689177396);
	assert_non_null(signp_sig_log_find(r->tlogs, r->ntlogs, id.ptr, id.size, t));
	assert_null(signp_sig_log_find(r->tlogs, r->ntlogs, id.ptr, id.size, t + 1));
	signp_trusted_root_free(r);

	r = sv_root("trust-root-tsa-validity-end-inclusive");
	assert_int_equal(r->tsas[0].end, t3339("2025-06-12T12:02:20Z"));
	signp_trusted_root_free(r);
	free(b.ptr);
	free(id.ptr);
}

static void test_origin(void **state)
{
	signp_trusted_root *r;
	(void)state;
	r = sv_root_text("{" MT ",\"tlogs\":[" GOODLOG("https://user@log.example:8443/api/v2?x") ","
		GOODLOG("[::1]:80") "]}", SIGN_OK, NULL);
	assert_string_equal(r->tlogs[0].origin, "log.example");
	assert_string_equal(r->tlogs[1].origin, "::1");
	signp_trusted_root_free(r);
	/* base64 broken into lines (as `base64` writes it): Go's decoder skips CR and LF */
	r = sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_256", "PKIX_ECDSA_P256_SHA_256",
		"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwr\\n"
		"kBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==\\r\\n",
		"wNI9atQGlz+VWfO6LRygH4QUfY/8W4RF\\nwiT5i5WRgB0=", "," VF) "]}", SIGN_OK, NULL);
	assert_int_equal(r->tlogs[0].idlen, 32);
	signp_trusted_root_free(r);
	sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_256", "PKIX_ECDSA_P256_SHA_256", P256,
		"wNI9atQGlz+VWfO6LRygH4QUfY/8W4RF wiT5i5WRgB0=", "," VF) "]}", SIGN_EFORMAT,
		"trusted root: tlogs[0]: keyId is not base64");
	/* no baseUrl: no origin (a Rekor v1 log needs none) */
	r = sv_root_text("{" MT ",\"tlogs\":[{\"hashAlgorithm\":\"SHA2_256\",\"publicKey\":{\"rawBytes\":\"" P256
		"\",\"keyDetails\":\"PKIX_ECDSA_P256_SHA_256\"," VF "},\"logId\":{\"keyId\":\"" KEYID "\"}}]}",
		SIGN_OK, NULL);
	assert_null(r->tlogs[0].base_url);
	assert_null(r->tlogs[0].origin);
	signp_trusted_root_free(r);
	sv_root_text("{" MT ",\"tlogs\":[" GOODLOG("https:///path") "]}", SIGN_EFORMAT,
		"trusted root: tlogs[0]: baseUrl has no host");
}

static void test_refused(void **state)
{
	char big[80 * 70], *p = big;
	int i;
	(void)state;
	sv_root_text("{" MT ",\"tlogs\":[", SIGN_EFORMAT, "trusted root: not JSON");
	sv_root_text("[]", SIGN_EFORMAT, "trusted root: not a JSON object");
	sv_root_text("{" MT "," MT "}", SIGN_EFORMAT, "trusted root: not JSON: duplicate object key");
	sv_root_text("{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot+json;version=9\"}",
		SIGN_EFORMAT, "trusted root: unsupported mediaType application/vnd.dev.sigstore.trustedroot+json;version=9");
	sv_root_text("{}", SIGN_EFORMAT, "trusted root: unsupported mediaType (none)");
	sv_root_text("{" MT ",\"tlogs\":{}}", SIGN_EFORMAT, "trusted root: tlogs is not an array");
	signp_trusted_root_free(sv_root_text("{" MT ",\"tlogs\":null,\"ctlogs\":[]}", SIGN_OK, NULL));
	sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_256", "PKIX_ECDSA_P256_SHA_256", P256, KEYID,
		",\"validFor\":{\"start\":null}") "]}", SIGN_EFORMAT, "trusted root: tlogs[0]: validFor has no start");
	sv_root_text("{" MT ",\"ctlogs\":[1]}", SIGN_EFORMAT, "trusted root: ctlogs[0] is not an object");
	/* 65 logs */
	p += sprintf(p, "{" MT ",\"tlogs\":[");
	for (i = 0; i < 65; i++)
		p += sprintf(p, "%s{}", i ? "," : "");
	sprintf(p, "]}");
	sv_root_text(big, SIGN_EFORMAT, "trusted root: 65 tlogs, more than 64");
	sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_384", "PKIX_ECDSA_P256_SHA_256", P256, KEYID, "," VF)
		"]}", SIGN_EFORMAT, "trusted root: tlogs[0]: hashAlgorithm is not SHA2_256");
	sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_256", "PKIX_ECDSA_P256_SHA_256", P256, "@@@@", "," VF)
		"]}", SIGN_EFORMAT, "trusted root: tlogs[0]: keyId is not base64");
	sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_256", "PKIX_ECDSA_P256_SHA_256", P256,
		P256, "," VF) "]}", SIGN_EFORMAT, "trusted root: tlogs[0]: logId.keyId is 91 bytes, more than 64");
	sv_root_text("{" MT ",\"tlogs\":[{\"hashAlgorithm\":\"SHA2_256\"}]}", SIGN_EFORMAT,
		"trusted root: tlogs[0]: no logId");
	sv_root_text("{" MT ",\"tlogs\":[{\"hashAlgorithm\":\"SHA2_256\",\"logId\":{\"keyId\":\"" KEYID "\"}}]}",
		SIGN_EFORMAT, "trusted root: tlogs[0]: no publicKey");
	sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_256", "PKIX_SLH_DSA", P256, KEYID, "," VF)
		"]}", SIGN_EFORMAT, "trusted root: tlogs[0]: unsupported keyDetails PKIX_SLH_DSA");
	sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_256", "PKIX_ECDSA_P256_SHA_256", "", KEYID, "," VF)
		"]}", SIGN_EFORMAT, "trusted root: tlogs[0]: no rawBytes");
	sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_256", "PKIX_ECDSA_P256_SHA_256", KEYID, KEYID, "," VF)
		"]}", SIGN_EFORMAT, "trusted root: tlogs[0]: publicKey.rawBytes is not a DER SubjectPublicKeyInfo");
	sv_root_text("{" MT ",\"ctlogs\":[" LOG("https://l", "SHA2_256", "PKCS1_RSA_PKCS1V5", P256, KEYID, "," VF)
		"]}", SIGN_EFORMAT, "trusted root: ctlogs[0]: publicKey.rawBytes is not a PKCS#1 RSA public key");
	sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_256", "PKIX_ED25519", P256, KEYID, "," VF)
		"]}", SIGN_EFORMAT, "trusted root: tlogs[0]: publicKey is not the key its keyDetails names");
	sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_256", "PKIX_ECDSA_P256_SHA_256", P256, KEYID, "")
		"]}", SIGN_EFORMAT, "trusted root: tlogs[0]: no validFor");
	sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_256", "PKIX_ECDSA_P256_SHA_256", P256, KEYID,
		",\"validFor\":{\"start\":\"yesterday\"}") "]}", SIGN_EFORMAT,
		"trusted root: tlogs[0]: validFor.start is not an RFC 3339 time");
	sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_256", "PKIX_ECDSA_P256_SHA_256", P256, KEYID,
		",\"validFor\":{\"start\":\"2021-01-12T11:53:27Z\",\"end\":7}") "]}", SIGN_EFORMAT,
		"trusted root: tlogs[0]: validFor.end is not an RFC 3339 time");
	sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_256", "PKIX_ECDSA_P256_SHA_256", P256, KEYID,
		",\"validFor\":{\"start\":\"2021-01-12T11:53:27Z\",\"end\":\"2021-01-12T11:53:26Z\"}") "]}", SIGN_EFORMAT,
		"trusted root: tlogs[0]: validFor ends before it starts");
	sv_root_text("{" MT ",\"tlogs\":[" LOG("https://l", "SHA2_256", "PKIX_ECDSA_P256_SHA_256", P256, KEYID,
		",\"validFor\":{\"start\":\"2021-01-12T11:53:27Z\",\"start\":\"2021-01-12T11:53:27Z\"}") "]}", SIGN_EFORMAT,
		"duplicate object key");
	sv_root_text("{" MT ",\"tlogs\":[{\"baseUrl\":7}]}", SIGN_EFORMAT,
		"trusted root: tlogs[0]: hashAlgorithm is not SHA2_256");
	sv_root_text("{" MT ",\"tlogs\":[{\"hashAlgorithm\":\"SHA2_256\",\"baseUrl\":7}]}", SIGN_EFORMAT,
		"trusted root: tlogs[0]: baseUrl is not a string of at most 1024 bytes");
	/* certificate and timestamp authorities */
	sv_root_text("{" MT ",\"certificateAuthorities\":[" CA(CERT(ROOTCA), "") "]}", SIGN_EFORMAT,
		"trusted root: certificateAuthorities[0]: no validFor");
	sv_root_text("{" MT ",\"certificateAuthorities\":[" CA(CERT(ROOTCA), ",\"validFor\":{}") "]}", SIGN_EFORMAT,
		"trusted root: certificateAuthorities[0]: validFor has no start");
	sv_root_text("{" MT ",\"timestampAuthorities\":[" CA("", "," VF) "]}", SIGN_EFORMAT,
		"trusted root: timestampAuthorities[0]: 0 certificates in certChain (1 to 10)");
	sv_root_text("{" MT ",\"timestampAuthorities\":[{\"certChain\":{}}]}", SIGN_EFORMAT,
		"trusted root: timestampAuthorities[0]: 0 certificates in certChain (1 to 10)");
	sv_root_text("{" MT ",\"certificateAuthorities\":[" CA(CERT(ROOTCA) "," CERT(ROOTCA) "," CERT(ROOTCA) ","
		CERT(ROOTCA) "," CERT(ROOTCA) "," CERT(ROOTCA) "," CERT(ROOTCA) "," CERT(ROOTCA) "," CERT(ROOTCA) ","
		CERT(ROOTCA) "," CERT(ROOTCA), "," VF) "]}", SIGN_EFORMAT,
		"trusted root: certificateAuthorities[0]: 11 certificates in certChain (1 to 10)");
	sv_root_text("{" MT ",\"certificateAuthorities\":[" CA(CERT(ROOTCA) "," CERT(P256), "," VF) "]}", SIGN_EFORMAT,
		"trusted root: certificateAuthorities[0] certificate 1 is not a DER certificate");
	sv_root_text("{" MT ",\"certificateAuthorities\":[" CA(CERT(ROOTCA "AAAA"), "," VF) "]}", SIGN_EFORMAT,
		"trusted root: certificateAuthorities[0] certificate 0 is not a DER certificate");
	sv_root_text("{" MT ",\"certificateAuthorities\":[" CA("7", "," VF) "]}", SIGN_EFORMAT,
		"trusted root: certificateAuthorities[0] certificate 0 is not an object");
	sv_root_text("{" MT ",\"certificateAuthorities\":[" CA("{}", "," VF) "]}", SIGN_EFORMAT,
		"trusted root: certificateAuthorities[0] certificate 0: no rawBytes");
}

static void test_too_big(void **state)
{
	size_t n = (4u << 20) + 1;
	char *s = malloc(n);
	signp_trusted_root *r = NULL;
	sign_error err;
	(void)state;
	assert_non_null(s);
	memset(s, ' ', n);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trusted_root_parse(&r, s, n, &err), SIGN_EFORMAT);
	assert_string_equal(err.message, "trusted root: 4194305 bytes, more than 4194304");
	free(s);
	signp_trusted_root_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_good),
		cmocka_unit_test(test_staging),
		cmocka_unit_test(test_validity_cases),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_too_big),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

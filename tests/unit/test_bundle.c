/*
 * test_bundle.c - reading Sigstore bundles (libsign/bundle.c): the
 * conformance suite's bundles of each version and kind are read with what
 * they hold; malformed ones are refused, each with the reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"

static const char *vectors(void)
{
	const char *v = getenv("VECTORS");
	return (v && *v) ? v : "tests/vectors";
}

static void load(sign_buf *out, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/sigstore-conformance/%s/bundle.sigstore.json", vectors(), name);
	signp_buf_clear(out);
	assert_int_equal(signp_read_file(out, path, SIGNP_BUNDLE_MAX_JSON, NULL), SIGN_OK);
}

static int parse_text(signp_bundle **b, const char *text, sign_error *err)
{
	memset(err, 0, sizeof(*err));
	return signp_bundle_parse(b, text, strlen(text), err);
}

static void test_versions(void **state)
{
	sign_buf data = SIGN_BUF_INIT;
	signp_bundle *b = NULL;
	sign_error err;
	(void)state;

	load(&data, "happy-path-v0.1");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_bundle_parse(&b, data.ptr, data.size, &err), SIGN_OK);
	assert_int_equal(b->minor, 1);
	assert_non_null(b->cert);
	assert_null(b->dsse);
	assert_string_equal(b->digest_alg, "sha256");
	assert_int_equal(b->digest.size, 32);
	assert_true(b->sig.size > 0);
	assert_int_equal(b->ntlog, 1);
	assert_ptr_equal(signp_bundle_signature(b), &b->sig);
	signp_bundle_free(b);

	load(&data, "happy-path-v0.3");
	assert_int_equal(signp_bundle_parse(&b, data.ptr, data.size, &err), SIGN_OK);
	assert_int_equal(b->minor, 3);
	assert_non_null(b->cert);
	assert_null(b->chain);
	signp_bundle_free(b);

	load(&data, "happy-path-v0.3-new-mediaType");
	assert_int_equal(signp_bundle_parse(&b, data.ptr, data.size, &err), SIGN_OK);
	assert_int_equal(b->minor, 3);
	signp_bundle_free(b);

	load(&data, "happy-path-intoto-in-dsse-v3");
	assert_int_equal(signp_bundle_parse(&b, data.ptr, data.size, &err), SIGN_OK);
	assert_non_null(b->dsse);
	assert_string_equal(b->dsse->payload_type, "application/vnd.in-toto+json");
	assert_ptr_equal(signp_bundle_signature(b), &b->dsse->sigs[0].sig);
	signp_bundle_free(b);

	load(&data, "managed-key-happy-path");
	assert_int_equal(signp_bundle_parse(&b, data.ptr, data.size, &err), SIGN_OK);
	assert_null(b->cert);
	assert_true(b->has_public_key);
	signp_bundle_free(b);

	load(&data, "rekor2-timestamp-with-embedded-cert");
	assert_int_equal(signp_bundle_parse(&b, data.ptr, data.size, &err), SIGN_OK);
	assert_int_equal(b->ntsa, 1);
	assert_true(b->tsa[0].size > 0);
	signp_bundle_free(b);
	sign_buf_dispose(&data);
}

static void test_refusals(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "not JSON" },
		{ "[]", "no mediaType" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.4\"}", "is not a Sigstore bundle" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\"}", "no verificationMaterial" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{}}",
			"exactly one of certificate, x509CertificateChain, publicKey" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":"
		  "{\"publicKey\":{\"hint\":\"k\"},\"certificate\":{\"rawBytes\":\"AA==\"}}}",
			"exactly one of certificate" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.2\",\"verificationMaterial\":"
		  "{\"x509CertificateChain\":{\"certificates\":[]}}}", "x509CertificateChain is empty" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":"
		  "{\"certificate\":{\"rawBytes\":\"not base64!\"}}}", "certificate's rawBytes is not base64" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":"
		  "{\"certificate\":{\"rawBytes\":\"AAAA\"}}}", "not a DER certificate" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":"
		  "{\"publicKey\":{}}}", "needs exactly one of messageSignature and dsseEnvelope" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":"
		  "{\"publicKey\":{}},\"messageSignature\":{\"signature\":\"AA==\"},\"dsseEnvelope\":{}}",
			"needs exactly one of messageSignature and dsseEnvelope" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":"
		  "{\"publicKey\":{}},\"messageSignature\":{\"signature\":\"AA==\",\"messageDigest\":"
		  "{\"algorithm\":\"MD5\",\"digest\":\"AA==\"}}}", "MD5 is not supported" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":"
		  "{\"publicKey\":{}},\"messageSignature\":{\"signature\":\"AA==\",\"messageDigest\":"
		  "{\"algorithm\":\"SHA2_256\",\"digest\":\"AA==\"}}}", "not a sha256 digest" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":"
		  "{\"publicKey\":{}},\"messageSignature\":{}}", "messageSignature has no signature" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"mediaType\":\"x\"}", "not JSON" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":"
		  "{\"publicKey\":{},\"tlogEntries\":{}},\"messageSignature\":{\"signature\":\"AA==\"}}",
			"tlogEntries is not a list" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":"
		  "{\"publicKey\":{},\"timestampVerificationData\":{\"rfc3161Timestamps\":[{}]}},"
		  "\"messageSignature\":{\"signature\":\"AA==\"}}", "RFC 3161 timestamp has no signedTimestamp" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":"
		  "{\"publicKey\":{}},\"dsseEnvelope\":{\"payload\":\"AA==\",\"payloadType\":\"t\",\"signatures\":"
		  "[{\"sig\":\"AA==\"},{\"sig\":\"AQ==\"}]}}", "has 2 signatures" },
	};
	signp_bundle *b;
	sign_error err;
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = NULL;
		int r = parse_text(&b, bad[i].text, &err);
		if (r == SIGN_OK || strstr(err.message, bad[i].why) == NULL)
			fail_msg("case %zu: got %d \"%s\", wanted \"%s\"", i, r, err.message, bad[i].why);
		assert_null(b);
	}
}

static void test_conformance_malformed(void **state)
{
	static const struct {
		const char *name, *why;
	} cases[] = {
		{ "bundle-malformed-json_fail", "not JSON" },
		{ "bundle-unknown-version_fail", "is not a Sigstore bundle" },
		{ "bundle-empty-certificate-chain_fail", "x509CertificateChain is empty" },
		{ "bundle-invalid-base64-signature_fail", "not base64" },
	};
	sign_buf data = SIGN_BUF_INIT;
	signp_bundle *b;
	sign_error err;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = NULL;
		memset(&err, 0, sizeof(err));
		load(&data, cases[i].name);
		if (signp_bundle_parse(&b, data.ptr, data.size, &err) == SIGN_OK || strstr(err.message, cases[i].why) == NULL)
			fail_msg("%s: \"%s\", wanted \"%s\"", cases[i].name, err.message, cases[i].why);
	}
	sign_buf_dispose(&data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_conformance_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * sigvec.h - what the Sigstore unit tests share (test_sigstore_root.c,
 * test_fulcio.c, test_tsa.c): the sigstore-conformance cases of $VECTORS
 * (default tests/vectors), read by hand with jansson (the bundle parser is
 * not under test here), and a root parsed from a case or from text.
 * Static helpers in a header: each test program includes it once.
 */
#ifndef SIGN_TEST_SIGVEC_H
#define SIGN_TEST_SIGVEC_H

#define SV_UNUSED __attribute__((unused))

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "sigstore_root.h"

static SV_UNUSED const char *sv_vectors(void)
{
	const char *v = getenv("VECTORS");
	return (v && *v) ? v : "tests/vectors";
}

/* tests/vectors/sigstore-conformance/<name>/<file>, whole. */
static SV_UNUSED void sv_read(sign_buf *out, const char *name, const char *file)
{
	char path[1024];
	sign_error err;
	memset(&err, 0, sizeof(err));
	snprintf(path, sizeof(path), "%s/sigstore-conformance/%s/%s", sv_vectors(), name, file);
	signp_buf_clear(out);
	if (signp_read_file(out, path, 8u << 20, &err) != SIGN_OK)
		fail_msg("%s: %s", path, err.message);
}

/* The case's trusted_root.json, or the embedded public-good root when the
 * case has none (as the conformance suite does). */
static SV_UNUSED signp_trusted_root *sv_root(const char *name)
{
	sign_buf b = SIGN_BUF_INIT;
	signp_trusted_root *r = NULL;
	sign_error err;
	char path[1024];
	FILE *f;
	memset(&err, 0, sizeof(err));
	snprintf(path, sizeof(path), "%s/sigstore-conformance/%s/trusted_root.json", sv_vectors(), name);
	if ((f = fopen(path, "rb")) != NULL) {
		fclose(f);
		sv_read(&b, name, "trusted_root.json");
		if (signp_trusted_root_parse(&r, b.ptr, b.size, &err) != SIGN_OK)
			fail_msg("%s: %s", path, err.message);
	} else {
		size_t len;
		const char *pg = signp_sigstore_public_good_root(&len);
		if (signp_trusted_root_parse(&r, pg, len, &err) != SIGN_OK)
			fail_msg("public good root: %s", err.message);
	}
	free(b.ptr);
	return r;
}

static SV_UNUSED json_t *sv_bundle(const char *name)
{
	sign_buf b = SIGN_BUF_INIT;
	json_error_t je;
	json_t *j;
	sv_read(&b, name, "bundle.sigstore.json");
	j = json_loadb(b.ptr, b.size, 0, &je);
	if (j == NULL)
		fail_msg("%s: bundle: %s", name, je.text);
	free(b.ptr);
	return j;
}

/* Base64 as protobuf-JSON reads it: line breaks skipped (one case's
 * timestamp was written by `base64`, 76 characters a line). */
static SV_UNUSED void sv_b64(sign_buf *out, const char *s)
{
	char *t, *w;
	assert_non_null(s);
	t = w = strdup(s);
	assert_non_null(t);
	for (; *s; s++)
		if (*s != '\n' && *s != '\r')
			*w++ = *s;
	*w = '\0';
	signp_buf_clear(out);
	assert_int_equal(signp_b64_decode(out, t, strlen(t)), SIGN_OK);
	free(t);
}

static SV_UNUSED X509 *sv_der_cert(const char *b64)
{
	sign_buf b = SIGN_BUF_INIT;
	const unsigned char *p;
	X509 *x;
	sv_b64(&b, b64);
	p = (const unsigned char *)b.ptr;
	x = d2i_X509(NULL, &p, (long)b.size);
	assert_non_null(x);
	free(b.ptr);
	return x;
}

/* The bundle's signing certificate (v0.3 certificate, or the first of an
 * x509CertificateChain); its other chain certificates in *extra when
 * extra is not NULL. */
static SV_UNUSED X509 *sv_leaf(const char *name, STACK_OF(X509) **extra)
{
	json_t *b = sv_bundle(name), *vm = json_object_get(b, "verificationMaterial"), *c;
	X509 *leaf;
	size_t i;
	if (extra != NULL)
		*extra = NULL;
	if ((c = json_object_get(vm, "certificate")) != NULL) {
		leaf = sv_der_cert(json_string_value(json_object_get(c, "rawBytes")));
	} else {
		json_t *certs = json_object_get(json_object_get(vm, "x509CertificateChain"), "certificates");
		leaf = sv_der_cert(json_string_value(json_object_get(json_array_get(certs, 0), "rawBytes")));
		if (extra != NULL && json_array_size(certs) > 1) {
			*extra = sk_X509_new_null();
			for (i = 1; i < json_array_size(certs); i++)
				sk_X509_push(*extra, sv_der_cert(json_string_value(
					json_object_get(json_array_get(certs, i), "rawBytes"))));
		}
	}
	json_decref(b);
	return leaf;
}

/* The integratedTime of the bundle's first log entry. */
static SV_UNUSED int64_t sv_integrated_time(const char *name)
{
	json_t *b = sv_bundle(name);
	const char *s = json_string_value(json_object_get(json_array_get(json_object_get(
		json_object_get(b, "verificationMaterial"), "tlogEntries"), 0), "integratedTime"));
	int64_t t;
	assert_non_null(s);
	t = strtoll(s, NULL, 10);
	json_decref(b);
	return t;
}

/* The bundle's first RFC 3161 timestamp (DER) and its message signature. */
static SV_UNUSED void sv_timestamp(const char *name, sign_buf *ts, sign_buf *sig)
{
	json_t *b = sv_bundle(name);
	const json_t *t = json_array_get(json_object_get(json_object_get(json_object_get(b,
		"verificationMaterial"), "timestampVerificationData"), "rfc3161Timestamps"), 0);
	sv_b64(ts, json_string_value(json_object_get(t, "signedTimestamp")));
	sv_b64(sig, json_string_value(json_object_get(json_object_get(b, "messageSignature"), "signature")));
	json_decref(b);
}

static SV_UNUSED signp_trusted_root *sv_root_text(const char *text, int want, const char *msg)
{
	signp_trusted_root *r = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trusted_root_parse(&r, text, strlen(text), &err), want);
	if (msg != NULL && strstr(err.message, msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.message, msg);
	return r;
}

#endif

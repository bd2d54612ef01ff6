/*
 * x509vec.h - throwaway certificate authorities for the Sigstore unit tests
 * (test_fulcio.c, test_tsa.c): keys and certificates made with OpenSSL as a
 * test asks (validity, key usage, EKU, SANs, Fulcio's issuer extensions),
 * and a trusted root holding them.  Static helpers in a header: each test
 * program includes it once.
 */
#ifndef SIGN_TEST_X509VEC_H
#define SIGN_TEST_X509VEC_H

#define XV_UNUSED __attribute__((unused))

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sigstore_root.h"

static XV_UNUSED EVP_PKEY *xv_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	assert_non_null(k);
	return k;
}

typedef struct xv_cert_opts {
	const char *cn;          /* subject CN */
	X509 *issuer;            /* NULL: self-signed */
	EVP_PKEY *issuer_key;    /* NULL: the certificate's own key */
	int ca;                  /* basicConstraints CA:TRUE */
	int64_t not_before, not_after;
	const char *ku;          /* keyUsage, e.g. "critical,digitalSignature"; NULL: none */
	const char *eku;         /* extendedKeyUsage, e.g. "codeSigning"; NULL: none */
	const char *san;         /* subjectAltName, OpenSSL's syntax; NULL: none */
	const char *issuer_v2;   /* 1.3.6.1.4.1.57264.1.8 as a DER UTF8String; NULL: none */
	const char *issuer_v1;   /* 1.3.6.1.4.1.57264.1.1 raw; NULL: none */
} xv_cert_opts;

static XV_UNUSED void xv_add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

static XV_UNUSED void xv_add_raw_ext(X509 *x, const char *oid, const void *data, int len)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e;
	assert_non_null(o);
	assert_int_equal(ASN1_OCTET_STRING_set(os, data, len), 1);
	e = X509_EXTENSION_create_by_OBJ(NULL, o, 0, os);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(o);
}

/* A certificate of key as o says, signed by o->issuer_key (or key). */
static XV_UNUSED X509 *xv_cert(EVP_PKEY *key, const xv_cert_opts *o)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509 *issuer;
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)o->cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, o->issuer != NULL ? X509_get_subject_name(o->issuer) : n);
	X509_NAME_free(n);
	assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)o->not_before));
	assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)o->not_after));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	issuer = o->issuer != NULL ? o->issuer : x;
	xv_add_ext(x, issuer, NID_basic_constraints, o->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	xv_add_ext(x, issuer, NID_subject_key_identifier, "hash");
	if (o->issuer != NULL)
		xv_add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
	if (o->ku != NULL)
		xv_add_ext(x, issuer, NID_key_usage, o->ku);
	if (o->eku != NULL)
		xv_add_ext(x, issuer, NID_ext_key_usage, o->eku);
	if (o->san != NULL)
		xv_add_ext(x, issuer, NID_subject_alt_name, o->san);
	if (o->issuer_v2 != NULL) {
		ASN1_UTF8STRING *u = ASN1_UTF8STRING_new();
		unsigned char *der = NULL;
		int len;
		ASN1_STRING_set(u, o->issuer_v2, -1);
		len = i2d_ASN1_UTF8STRING(u, &der);
		assert_true(len > 0);
		xv_add_raw_ext(x, "1.3.6.1.4.1.57264.1.8", der, len);
		OPENSSL_free(der);
		ASN1_UTF8STRING_free(u);
	}
	if (o->issuer_v1 != NULL)
		xv_add_raw_ext(x, "1.3.6.1.4.1.57264.1.1", o->issuer_v1, (int)strlen(o->issuer_v1));
	assert_true(X509_sign(x, o->issuer_key != NULL ? o->issuer_key : key, EVP_sha256()) > 0);
	return x;
}

/* A CA root (self-signed) and its key, valid from t0 to t1. */
static XV_UNUSED X509 *xv_root(EVP_PKEY **key, const char *cn, int64_t t0, int64_t t1)
{
	xv_cert_opts o = { 0 };
	*key = xv_key();
	o.cn = cn;
	o.ca = 1;
	o.not_before = t0;
	o.not_after = t1;
	o.ku = "critical,keyCertSign,cRLSign";
	return xv_cert(*key, &o);
}

/* Add a CA (or TSA) of certificates certs[0..n) (issuing first), valid
 * from start to end, to the list *cas of *ncas (realloc'd). */
static XV_UNUSED void xv_root_add_ca(signp_sig_ca **cas, size_t *ncas, X509 *const *certs, size_t n,
	int64_t start, int64_t end, const char *uri)
{
	signp_sig_ca *c;
	size_t i;
	*cas = realloc(*cas, (*ncas + 1) * sizeof(**cas));
	assert_non_null(*cas);
	c = &(*cas)[(*ncas)++];
	memset(c, 0, sizeof(*c));
	c->certs = calloc(n, sizeof(*c->certs));
	assert_non_null(c->certs);
	for (i = 0; i < n; i++) {
		X509_up_ref(certs[i]);
		c->certs[i] = certs[i];
	}
	c->ncerts = n;
	c->start = start;
	c->end = end;
	c->uri = uri != NULL ? strdup(uri) : NULL;
}

static XV_UNUSED signp_trusted_root *xv_trusted_root(void)
{
	signp_trusted_root *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	return r;
}

#endif

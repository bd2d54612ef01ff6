/*
 * test_tsa.c - RFC 3161 timestamps (tsa.c): sigstore-conformance's
 * timestamps over their bundles' signatures, accepted and refused as the
 * cases say; and throwaway timestamp authorities made here with OpenSSL's
 * TS API (a token over other data, a TSA outside its validity in the
 * trusted root or its certificate at the time, a TSA without the
 * timeStamping EKU, a response not granted, garbage).
 */
#include "sigvec.h"
#include "x509vec.h"

#include <openssl/ts.h>

#include "tsa.h"

static sign_error *clr(sign_error *e)
{
	memset(e, 0, sizeof(*e));
	return e;
}

static int64_t t3339(const char *s)
{
	int64_t t;
	assert_int_equal(signp_time_parse(s, &t), SIGN_OK);
	return t;
}

static void expect(int got, int want, const sign_error *err, const char *msg)
{
	if (got != want)
		fail_msg("got %d (%s), want %d", got, err->message, want);
	if (msg != NULL && strstr(err->message, msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err->message, msg);
}

/* The case's timestamp over its signature, against its root. */
static int conformance(const char *name, int64_t *t, sign_error *err)
{
	signp_trusted_root *r = sv_root(name);
	sign_buf ts = SIGN_BUF_INIT, sig = SIGN_BUF_INIT;
	int rc;
	sv_timestamp(name, &ts, &sig);
	rc = signp_tsa_verify(ts.ptr, ts.size, sig.ptr, sig.size, r, t, clr(err));
	free(ts.ptr);
	free(sig.ptr);
	signp_trusted_root_free(r);
	return rc;
}

static void test_conformance(void **state)
{
	static const char *const good[] = {
		"rekor2-happy-path", "rekor2-timestamp-with-embedded-cert", "rekor2-timestamp-without-embedded-cert",
		/* the TSA's chain has expired since, it was valid at the time */
		"rekor2-timestamp-with-expired-cert-chain",
	};
	sign_error err;
	int64_t t;
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		expect(conformance(good[i], &t, &err), SIGN_OK, &err, NULL);
	expect(conformance("rekor2-happy-path", &t, &err), SIGN_OK, &err, NULL);
	assert_int_equal(t, t3339("2025-06-12T12:02:20Z"));
	/* the TSA's validity in the root ends at the timestamp's time: closed */
	expect(conformance("trust-root-tsa-validity-end-inclusive", &t, &err), SIGN_OK, &err, NULL);
	assert_int_equal(t, t3339("2025-06-12T12:02:20Z"));

	expect(conformance("rekor2-timestamp-outside-trust-root-tsa-validity_fail", &t, &err), SIGN_EVERIFY, &err,
		"timestamp: its time 2025-06-12T12:02:20Z is outside the validity of the timestamp authority https://timestamp.sigstage.dev/api/v1/timestamp in the trusted root (2025-04-09T00:00:00Z to 2025-06-01T00:00:00Z)");
	expect(conformance("rekor2-timestamp-outside-tsa-cert-validity_fail", &t, &err), SIGN_EVERIFY, &err,
		"timestamp: signed by no timestamp authority of the trusted root at its time 2025-08-07T15:38:32Z: certificate verify error: Verify error:certificate has expired");
	expect(conformance("rekor2-timestamp-payload-mismatch_fail", &t, &err), SIGN_EVERIFY, &err,
		"timestamp: it is over other data (its message imprint is not the signature's)");
	expect(conformance("rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail", &t, &err), SIGN_EVERIFY, &err,
		"timestamp: signed by no timestamp authority of the trusted root at its time 2025-08-06T19:38:49Z: certificate verify error");
	expect(conformance("rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail", &t, &err), SIGN_EVERIFY, &err,
		"timestamp: signed by no timestamp authority of the trusted root at its time 2025-08-06T19:40:29Z: signer certificate not found");
}

/* ---- throwaway timestamp authorities ---- */

#define T0 1700000000 /* 2023-11-14T22:13:20Z */
#define DAY 86400

typedef struct tsa {
	EVP_PKEY *root_key, *key;
	X509 *root, *leaf;
} tsa;

static void tsa_make(tsa *a, int64_t not_after)
{
	xv_cert_opts o = { 0 };
	a->root = xv_root(&a->root_key, "throwaway TSA root", T0 - 365 * DAY, T0 + 365 * DAY);
	a->key = xv_key();
	o.cn = "throwaway TSA";
	o.issuer = a->root;
	o.issuer_key = a->root_key;
	o.not_before = T0 - DAY;
	o.not_after = not_after;
	o.ku = "critical,digitalSignature";
	o.eku = "critical,timeStamping";
	a->leaf = xv_cert(a->key, &o);
}

static void tsa_free(tsa *a)
{
	EVP_PKEY_free(a->root_key);
	EVP_PKEY_free(a->key);
	X509_free(a->root);
	X509_free(a->leaf);
}

/* A root whose one TSA is a's chain, valid from start to end. */
static signp_trusted_root *tsa_root(const tsa *a, int64_t start, int64_t end)
{
	signp_trusted_root *r = xv_trusted_root();
	X509 *c[2];
	c[0] = a->leaf;
	c[1] = a->root;
	xv_root_add_ca(&r->tsas, &r->ntsas, c, 2, start, end, "https://tsa.example");
	return r;
}

static int time_cb(struct TS_resp_ctx *ctx, void *data, long *sec, long *usec)
{
	(void)ctx;
	*sec = (long)*(const int64_t *)data;
	*usec = 0;
	return 1;
}

/* a's TimeStampResp (DER) over data at time t; with its certificate in the
 * token when embed; the imprint's hash sha256 (or, when md is set, md). */
static void stamp(sign_buf *out, tsa *a, const void *data, size_t len, int64_t t, int embed, const EVP_MD *md)
{
	TS_RESP_CTX *ctx = TS_RESP_CTX_new();
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_OBJECT *policy = OBJ_txt2obj("1.3.6.1.4.1.57264.2", 1);
	unsigned char h[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int hlen;
	BIO *b = BIO_new(BIO_s_mem());
	TS_RESP *resp;
	int n;
	if (md == NULL)
		md = EVP_sha256();
	assert_int_equal(EVP_Digest(data, len, h, &hlen, md, NULL), 1);
	X509_ALGOR_set0(alg, OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL, NULL);
	TS_MSG_IMPRINT_set_algo(mi, alg);
	TS_MSG_IMPRINT_set_msg(mi, h, (int)hlen);
	TS_REQ_set_version(req, 1);
	TS_REQ_set_msg_imprint(req, mi);
	TS_REQ_set_cert_req(req, embed);
	assert_int_equal(i2d_TS_REQ_bio(b, req), 1);
	assert_int_equal(TS_RESP_CTX_set_signer_cert(ctx, a->leaf), 1);
	assert_int_equal(TS_RESP_CTX_set_signer_key(ctx, a->key), 1);
	assert_int_equal(TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()), 1);
	assert_int_equal(TS_RESP_CTX_set_def_policy(ctx, policy), 1);
	assert_int_equal(TS_RESP_CTX_add_md(ctx, EVP_sha256()), 1);
	TS_RESP_CTX_set_time_cb(ctx, time_cb, &t);
	resp = TS_RESP_create_response(ctx, b);
	assert_non_null(resp);
	n = i2d_TS_RESP(resp, &der);
	assert_true(n > 0);
	signp_buf_clear(out);
	signp_buf_put(out, der, (size_t)n);
	OPENSSL_free(der);
	TS_RESP_free(resp);
	BIO_free(b);
	ASN1_OBJECT_free(policy);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	TS_RESP_CTX_free(ctx);
}

/* The token alone (the ContentInfo) of a TimeStampResp. */
static void token_of(sign_buf *out, const sign_buf *resp_der)
{
	const unsigned char *p = (const unsigned char *)resp_der->ptr;
	TS_RESP *resp = d2i_TS_RESP(NULL, &p, (long)resp_der->size);
	unsigned char *der = NULL;
	int n;
	assert_non_null(resp);
	n = i2d_PKCS7(TS_RESP_get_token(resp), &der);
	assert_true(n > 0);
	signp_buf_clear(out);
	signp_buf_put(out, der, (size_t)n);
	OPENSSL_free(der);
	TS_RESP_free(resp);
}

static void test_throwaway(void **state)
{
	static const char sig[] = "the signature's bytes";
	tsa a, other;
	signp_trusted_root *r;
	sign_buf ts = SIGN_BUF_INIT, tok = SIGN_BUF_INIT;
	sign_error err;
	int64_t t = 0;
	(void)state;
	tsa_make(&a, T0 + 30 * DAY);
	tsa_make(&other, T0 + 30 * DAY);
	r = tsa_root(&a, T0 - DAY, SIGNP_TIME_OPEN);

	/* a TimeStampResp and its token alone, with the certificate and without */
	stamp(&ts, &a, sig, sizeof(sig), T0 + 60, 1, NULL);
	expect(signp_tsa_verify(ts.ptr, ts.size, sig, sizeof(sig), r, &t, clr(&err)), SIGN_OK, &err, NULL);
	assert_int_equal(t, T0 + 60);
	token_of(&tok, &ts);
	expect(signp_tsa_verify(tok.ptr, tok.size, sig, sizeof(sig), r, NULL, clr(&err)), SIGN_OK, &err, NULL);
	stamp(&ts, &a, sig, sizeof(sig), T0 + 60, 0, NULL);
	expect(signp_tsa_verify(ts.ptr, ts.size, sig, sizeof(sig), r, &t, clr(&err)), SIGN_OK, &err, NULL);

	/* over other data */
	expect(signp_tsa_verify(ts.ptr, ts.size, sig, sizeof(sig) - 1, r, &t, clr(&err)), SIGN_EVERIFY, &err,
		"timestamp: it is over other data (its message imprint is not the signature's)");
	/* another TSA, alone and before the right one */
	stamp(&ts, &other, sig, sizeof(sig), T0 + 60, 1, NULL);
	expect(signp_tsa_verify(ts.ptr, ts.size, sig, sizeof(sig), r, &t, clr(&err)), SIGN_EVERIFY, &err,
		"timestamp: signed by no timestamp authority of the trusted root at its time 2023-11-14T22:14:20Z: certificate verify error: Verify error:unable to get local issuer certificate");
	stamp(&ts, &other, sig, sizeof(sig), T0 + 60, 0, NULL);
	expect(signp_tsa_verify(ts.ptr, ts.size, sig, sizeof(sig), r, &t, clr(&err)), SIGN_EVERIFY, &err,
		"timestamp: signed by no timestamp authority of the trusted root at its time 2023-11-14T22:14:20Z: signer certificate not found");
	{
		X509 *c[2] = { other.leaf, other.root };
		signp_trusted_root *r2 = tsa_root(&a, T0 - DAY, SIGNP_TIME_OPEN);
		xv_root_add_ca(&r2->tsas, &r2->ntsas, c, 2, T0, T0 + 60, NULL);
		expect(signp_tsa_verify(ts.ptr, ts.size, sig, sizeof(sig), r2, &t, clr(&err)), SIGN_OK, &err, NULL);
		/* the TSA's validity in the trusted root, closed */
		stamp(&ts, &other, sig, sizeof(sig), T0 + 61, 0, NULL);
		expect(signp_tsa_verify(ts.ptr, ts.size, sig, sizeof(sig), r2, &t, clr(&err)), SIGN_EVERIFY, &err,
			"timestamp: its time 2023-11-14T22:14:21Z is outside the validity of the timestamp authority (no uri) in the trusted root (2023-11-14T22:13:20Z to 2023-11-14T22:14:20Z)");
		stamp(&ts, &other, sig, sizeof(sig), T0 - 1, 0, NULL);
		expect(signp_tsa_verify(ts.ptr, ts.size, sig, sizeof(sig), r2, &t, clr(&err)), SIGN_EVERIFY, &err,
			"is outside the validity of the timestamp authority (no uri) in the trusted root");
		signp_trusted_root_free(r2);
	}
	/* the TSA's certificate at its last second; expired at the time; not yet valid */
	stamp(&ts, &a, sig, sizeof(sig), T0 + 30 * DAY, 1, NULL);
	expect(signp_tsa_verify(ts.ptr, ts.size, sig, sizeof(sig), r, &t, clr(&err)), SIGN_OK, &err, NULL);
	stamp(&ts, &a, sig, sizeof(sig), T0 + 30 * DAY + 1, 1, NULL);
	expect(signp_tsa_verify(ts.ptr, ts.size, sig, sizeof(sig), r, &t, clr(&err)), SIGN_EVERIFY, &err,
		"certificate has expired");
	stamp(&ts, &a, sig, sizeof(sig), T0 + 31 * DAY, 1, NULL);
	expect(signp_tsa_verify(ts.ptr, ts.size, sig, sizeof(sig), r, &t, clr(&err)), SIGN_EVERIFY, &err,
		"timestamp: signed by no timestamp authority of the trusted root at its time 2023-12-15T22:13:20Z: certificate verify error: Verify error:certificate has expired");
	stamp(&ts, &a, sig, sizeof(sig), T0 - 2 * DAY, 1, NULL);
	expect(signp_tsa_verify(ts.ptr, ts.size, sig, sizeof(sig), r, &t, clr(&err)), SIGN_EVERIFY, &err,
		"certificate is not yet valid");
	/* no TSA at all */
	{
		signp_trusted_root *none = xv_trusted_root();
		stamp(&ts, &a, sig, sizeof(sig), T0 + 60, 1, NULL);
		expect(signp_tsa_verify(ts.ptr, ts.size, sig, sizeof(sig), none, &t, clr(&err)), SIGN_EVERIFY, &err,
			"timestamp: the trusted root has no timestamp authority");
		signp_trusted_root_free(none);
	}
	/* a response not granted: the TSA refuses SHA-1 imprints */
	stamp(&ts, &a, sig, sizeof(sig), T0 + 60, 1, EVP_sha1());
	expect(signp_tsa_verify(ts.ptr, ts.size, sig, sizeof(sig), r, &t, clr(&err)), SIGN_EFORMAT, &err,
		"timestamp: the response's status is 2, not granted");
	/* not DER; trailing bytes; too long */
	expect(signp_tsa_verify("garbage", 7, sig, sizeof(sig), r, &t, clr(&err)), SIGN_EFORMAT, &err,
		"timestamp: neither a TimeStampToken nor a TimeStampResp in DER");
	signp_buf_putc(&tok, 0);
	expect(signp_tsa_verify(tok.ptr, tok.size, sig, sizeof(sig), r, &t, clr(&err)), SIGN_EFORMAT, &err,
		"timestamp: neither a TimeStampToken nor a TimeStampResp in DER");
	expect(signp_tsa_verify(tok.ptr, (256u << 10) + 1, sig, sizeof(sig), r, &t, clr(&err)), SIGN_EFORMAT, &err,
		"timestamp: 262145 bytes, more than 262144");
	/* a CMS SignedData of something else than a TSTInfo */
	{
		BIO *in = BIO_new_mem_buf(sig, sizeof(sig));
		PKCS7 *p7 = PKCS7_sign(a.leaf, a.key, NULL, in, PKCS7_BINARY);
		unsigned char *der = NULL;
		int n = i2d_PKCS7(p7, &der);
		assert_true(n > 0);
		expect(signp_tsa_verify(der, (size_t)n, sig, sizeof(sig), r, &t, clr(&err)), SIGN_EFORMAT, &err,
			"timestamp: not a signed TSTInfo");
		OPENSSL_free(der);
		PKCS7_free(p7);
		BIO_free(in);
	}
	free(ts.ptr);
	free(tok.ptr);
	signp_trusted_root_free(r);
	tsa_free(&a);
	tsa_free(&other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conformance),
		cmocka_unit_test(test_throwaway),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

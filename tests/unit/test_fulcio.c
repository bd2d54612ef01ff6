/*
 * test_fulcio.c - Fulcio certificates (fulcio.c): sigstore-conformance's
 * certificates chained, their SCTs verified and their identities read, at
 * the times their bundles prove; and throwaway CAs made here for what must
 * be refused (expired, another CA, no code-signing EKU, a self-signed
 * certificate in the bundle's chain, a CA outside its validity, a tampered
 * SCT or another CT log, another identity or issuer, regexps).
 */
#include "sigvec.h"
#include "x509vec.h"

#include <openssl/ct.h>

#include "fulcio.h"
#include "tsa.h"

#define BEACON "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
#define GHA "https://token.actions.githubusercontent.com"

static int64_t t3339(const char *s)
{
	int64_t t;
	assert_int_equal(signp_time_parse(s, &t), SIGN_OK);
	return t;
}

static sign_error *clr(sign_error *e)
{
	memset(e, 0, sizeof(*e));
	return e;
}

static void expect(int got, int want, const sign_error *err, const char *msg)
{
	if (got != want)
		fail_msg("got %d (%s), want %d", got, err->message, want);
	if (msg != NULL && strstr(err->message, msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err->message, msg);
}

/* ---- the conformance vectors ---- */

static void conformance_ok(const char *name, int64_t t, int nchain)
{
	signp_trusted_root *r = sv_root(name);
	STACK_OF(X509) *extra = NULL, *chain = NULL;
	X509 *leaf = sv_leaf(name, &extra);
	sign_error err;
	expect(signp_fulcio_verify_chain(leaf, extra, r, t, &chain, clr(&err)), SIGN_OK, &err, NULL);
	assert_int_equal(sk_X509_num(chain), nchain); /* leaf, intermediate, root */
	assert_ptr_equal(X509_cmp(sk_X509_value(chain, 0), leaf), 0);
	expect(signp_fulcio_verify_sct(leaf, chain, r, clr(&err)), SIGN_OK, &err, NULL);
	/* without the out parameter too */
	expect(signp_fulcio_verify_chain(leaf, extra, r, t, NULL, clr(&err)), SIGN_OK, &err, NULL);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(extra, X509_free);
	X509_free(leaf);
	signp_trusted_root_free(r);
}

static void test_conformance_happy(void **state)
{
	(void)state;
	/* leaf, intermediate, root */
	conformance_ok("happy-path-v0.3", sv_integrated_time("happy-path-v0.3"), 3);
	conformance_ok("happy-path-v0.1", sv_integrated_time("happy-path-v0.1"), 3);
	/* Rekor v2: the time is the RFC 3161 timestamp's (its genTime) */
	conformance_ok("rekor2-happy-path", t3339("2025-06-12T12:02:20Z"), 3);
	/* an SCT with extensions (Static CT API logs); a root CA issuing the leaf */
	conformance_ok("bundle-with-sct-with-extensions", t3339("2026-01-15T22:50:00Z"), 2);
}

static void test_conformance_refused(void **state)
{
	signp_trusted_root *r;
	STACK_OF(X509) *chain = NULL;
	X509 *leaf;
	sign_error err;
	(void)state;

	/* the certificate expired at the time: ten minutes and a second later */
	r = sv_root("happy-path-v0.3");
	leaf = sv_leaf("happy-path-v0.3", NULL);
	expect(signp_fulcio_verify_chain(leaf, NULL, r, t3339("2024-03-19T17:36:27Z"), &chain, clr(&err)), SIGN_EVERIFY,
		&err, "certificate chain: certificate has expired at the signing time 2024-03-19T17:36:27Z");
	assert_null(chain);
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_chain(leaf, NULL, r, t3339("2024-03-19T17:26:25Z"), &chain, clr(&err)), SIGN_EVERIFY,
		&err, "certificate chain: certificate is not yet valid at the signing time");
	/* notBefore and notAfter are both valid (OpenSSL alone would count the
	 * notAfter second expired) */
	expect(signp_fulcio_verify_chain(leaf, NULL, r, t3339("2024-03-19T17:26:26Z"), NULL, clr(&err)), SIGN_OK, &err, NULL);
	expect(signp_fulcio_verify_chain(leaf, NULL, r, t3339("2024-03-19T17:36:26Z"), NULL, clr(&err)), SIGN_OK, &err, NULL);
	X509_free(leaf);
	signp_trusted_root_free(r);

	/* a certificate of 2030 logged in 2023 (the case says "issued outside
	 * the validity window") */
	r = sv_root("intoto-expired-certificate_fail");
	leaf = sv_leaf("intoto-expired-certificate_fail", NULL);
	expect(signp_fulcio_verify_chain(leaf, NULL, r, sv_integrated_time("intoto-expired-certificate_fail"), &chain,
		clr(&err)), SIGN_EVERIFY, &err,
		"certificate chain: certificate is not yet valid at the signing time 2023-02-01T00:00:00Z");
	X509_free(leaf);
	signp_trusted_root_free(r);

	/* a CT key that is not the log's: the SCT does not verify */
	memset(&err, 0, sizeof(err));
	r = sv_root("invalid-ct-key_fail");
	leaf = sv_leaf("invalid-ct-key_fail", NULL);
	expect(signp_fulcio_verify_chain(leaf, NULL, r, sv_integrated_time("invalid-ct-key_fail"), &chain, clr(&err)),
		SIGN_OK, &err, NULL);
	expect(signp_fulcio_verify_sct(leaf, chain, r, clr(&err)), SIGN_EVERIFY, &err,
		"SCT: no SCT of the certificate verifies: its CT log ");
	sk_X509_pop_free(chain, X509_free);
	X509_free(leaf);
	signp_trusted_root_free(r);

	/* a genuine timestamp, made after the certificate expired */
	{
		sign_buf ts = SIGN_BUF_INIT, sig = SIGN_BUF_INIT;
		int64_t when = 0;
		r = sv_root("rekor2-timestamp-with-incorrect-time_fail");
		leaf = sv_leaf("rekor2-timestamp-with-incorrect-time_fail", NULL);
		sv_timestamp("rekor2-timestamp-with-incorrect-time_fail", &ts, &sig);
		expect(signp_tsa_verify(ts.ptr, ts.size, sig.ptr, sig.size, r, &when, clr(&err)), SIGN_OK, &err, NULL);
		expect(signp_fulcio_verify_chain(leaf, NULL, r, when, &chain, clr(&err)), SIGN_EVERIFY, &err,
			"certificate chain: certificate has expired at the signing time 2025-07-15T10:33:31Z");
		free(ts.ptr);
		free(sig.ptr);
		X509_free(leaf);
		signp_trusted_root_free(r);
	}

	/* the staging certificate against the public-good root: no CA */
	memset(&err, 0, sizeof(err));
	r = sv_root("happy-path-v0.3");
	leaf = sv_leaf("rekor2-happy-path", NULL);
	expect(signp_fulcio_verify_chain(leaf, NULL, r, t3339("2025-06-12T12:02:20Z"), &chain, clr(&err)), SIGN_EVERIFY,
		&err, "certificate chain: the certificate (issuer O = sigstore.dev, CN = sigstore-intermediate) was issued by no Fulcio CA of the trusted root");
	X509_free(leaf);
	signp_trusted_root_free(r);
}

/* The SCT of the happy path, one byte of its signature flipped (the
 * certificate is not signed again: only the SCT is under test). */
static void test_sct_tampered(void **state)
{
	signp_trusted_root *r = sv_root("happy-path-v0.3");
	X509 *leaf = sv_leaf("happy-path-v0.3", NULL);
	STACK_OF(X509) *chain = NULL, *wrong;
	STACK_OF(SCT) *scts;
	unsigned char *sig, *copy;
	size_t len;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_chain(leaf, NULL, r, sv_integrated_time("happy-path-v0.3"), &chain, clr(&err)), SIGN_OK,
		&err, NULL);
	/* the issuer is needed, and must be the real one */
	wrong = sk_X509_new_null();
	sk_X509_push(wrong, leaf);
	expect(signp_fulcio_verify_sct(leaf, wrong, r, clr(&err)), SIGN_EINVAL, &err, "SCT: the certificate's issuer is needed");
	sk_X509_push(wrong, sk_X509_value(chain, 2));
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_sct(leaf, wrong, r, clr(&err)), SIGN_EVERIFY, &err,
		"SCT: no SCT of the certificate verifies: its signature does not verify with the key of CT log dd3d306ac6c7113263191e1c99673702a24a5eb8de3cadff878a72802f29ee8e");
	sk_X509_free(wrong);

	scts = X509_get_ext_d2i(leaf, NID_ct_precert_scts, NULL, NULL);
	assert_int_equal(sk_SCT_num(scts), 1);
	len = SCT_get0_signature(sk_SCT_value(scts, 0), &sig);
	copy = OPENSSL_memdup(sig, len);
	copy[len - 1] ^= 1;
	SCT_set0_signature(sk_SCT_value(scts, 0), copy, len);
	X509_EXTENSION_free(X509_delete_ext(leaf, X509_get_ext_by_NID(leaf, NID_ct_precert_scts, -1)));
	assert_int_equal(X509_add1_ext_i2d(leaf, NID_ct_precert_scts, scts, 0, X509V3_ADD_APPEND), 1);
	SCT_LIST_free(scts);
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_sct(leaf, chain, r, clr(&err)), SIGN_EVERIFY, &err,
		"SCT: no SCT of the certificate verifies: its signature does not verify with the key of CT log");

	/* no SCT at all */
	X509_EXTENSION_free(X509_delete_ext(leaf, X509_get_ext_by_NID(leaf, NID_ct_precert_scts, -1)));
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_sct(leaf, chain, r, clr(&err)), SIGN_EVERIFY, &err,
		"SCT: the certificate carries no embedded SCT");
	sk_X509_pop_free(chain, X509_free);
	X509_free(leaf);
	signp_trusted_root_free(r);
}

/* The CT log's key replaced by another key: the SCT's log is unknown; the
 * log's validity not including the SCT's time: refused too. */
static void test_sct_other_log(void **state)
{
	signp_trusted_root *r = sv_root("happy-path-v0.3");
	X509 *leaf = sv_leaf("happy-path-v0.3", NULL);
	STACK_OF(X509) *chain = NULL;
	sign_error err;
	size_t i;
	(void)state;
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_chain(leaf, NULL, r, sv_integrated_time("happy-path-v0.3"), &chain, clr(&err)), SIGN_OK,
		&err, NULL);
	for (i = 0; i < r->nctlogs; i++)
		r->ctlogs[i].end = r->ctlogs[i].start; /* a second long */
	expect(signp_fulcio_verify_sct(leaf, chain, r, clr(&err)), SIGN_EVERIFY, &err,
		"SCT: no SCT of the certificate verifies: its time 2024-03-19T17:26:26Z is outside the validity of CT log dd3d306a");
	for (i = 0; i < r->nctlogs; i++) {
		EVP_PKEY_free(r->ctlogs[i].key);
		r->ctlogs[i].key = xv_key();
		r->ctlogs[i].end = SIGNP_TIME_OPEN;
	}
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_sct(leaf, chain, r, clr(&err)), SIGN_EVERIFY, &err,
		"SCT: no SCT of the certificate verifies: its CT log dd3d306ac6c7113263191e1c99673702a24a5eb8de3cadff878a72802f29ee8e is not in the trusted root");
	for (i = 0; i < r->nctlogs; i++) {
		EVP_PKEY_free(r->ctlogs[i].key);
		free(r->ctlogs[i].base_url);
		free(r->ctlogs[i].origin);
	}
	r->nctlogs = 0;
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_sct(leaf, chain, r, clr(&err)), SIGN_EVERIFY, &err, "SCT: the trusted root has no CT log");
	sk_X509_pop_free(chain, X509_free);
	X509_free(leaf);
	signp_trusted_root_free(r);
}

static void test_conformance_identity(void **state)
{
	X509 *leaf = sv_leaf("happy-path-v0.3", NULL);
	sign_buf san = SIGN_BUF_INIT, iss = SIGN_BUF_INIT;
	signp_identity id = { BEACON, NULL, GHA, NULL };
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_fulcio_describe(leaf, &san, &iss), SIGN_OK);
	assert_string_equal(san.ptr, BEACON);
	assert_string_equal(iss.ptr, GHA);
	expect(signp_fulcio_check_identity(leaf, &id, &err), SIGN_OK, &err, NULL);
	id.san = NULL;
	id.san_regexp = "^https://github\\.com/sigstore-conformance/";
	id.issuer = NULL;
	id.issuer_regexp = "githubusercontent\\.com$";
	expect(signp_fulcio_check_identity(leaf, &id, &err), SIGN_OK, &err, NULL);
	id.san_regexp = "^https://github\\.com/sigstore/";
	expect(signp_fulcio_check_identity(leaf, &id, &err), SIGN_EVERIFY, &err,
		"identity: the certificate's SAN is " BEACON ", not a match of ^https://github\\.com/sigstore/");
	free(san.ptr);
	free(iss.ptr);
	X509_free(leaf);
}

/* ---- throwaway CAs ---- */

#define T0 1700000000 /* 2023-11-14T22:13:20Z */
#define DAY 86400

typedef struct pki {
	EVP_PKEY *root_key, *int_key, *leaf_key;
	X509 *root, *inter;
	signp_trusted_root *r;
} pki;

static void pki_make(pki *p)
{
	xv_cert_opts o = { 0 };
	X509 *chain[2];
	p->root = xv_root(&p->root_key, "throwaway root", T0 - 365 * DAY, T0 + 365 * DAY);
	p->int_key = xv_key();
	o.cn = "throwaway intermediate";
	o.issuer = p->root;
	o.issuer_key = p->root_key;
	o.ca = 1;
	o.not_before = T0 - 300 * DAY;
	o.not_after = T0 + 300 * DAY;
	o.ku = "critical,keyCertSign";
	o.eku = "codeSigning";
	p->inter = xv_cert(p->int_key, &o);
	p->leaf_key = xv_key();
	p->r = xv_trusted_root();
	chain[0] = p->inter;
	chain[1] = p->root;
	xv_root_add_ca(&p->r->cas, &p->r->ncas, chain, 2, T0 - 300 * DAY, SIGNP_TIME_OPEN, "https://fulcio.example");
}

static void pki_free(pki *p)
{
	EVP_PKEY_free(p->root_key);
	EVP_PKEY_free(p->int_key);
	EVP_PKEY_free(p->leaf_key);
	X509_free(p->root);
	X509_free(p->inter);
	signp_trusted_root_free(p->r);
}

/* A Fulcio-like leaf: ten minutes from T0, issued by the intermediate. */
static X509 *leaf_of(pki *p, const char *ku, const char *eku, const char *san, const char *iss2, const char *iss1)
{
	xv_cert_opts o = { 0 };
	o.cn = "";
	o.issuer = p->inter;
	o.issuer_key = p->int_key;
	o.not_before = T0;
	o.not_after = T0 + 600;
	o.ku = ku;
	o.eku = eku;
	o.san = san;
	o.issuer_v2 = iss2;
	o.issuer_v1 = iss1;
	return xv_cert(p->leaf_key, &o);
}

static void test_chain_throwaway(void **state)
{
	pki p, other;
	X509 *leaf, *self;
	STACK_OF(X509) *chain = NULL, *extra;
	sign_error err;
	(void)state;
	pki_make(&p);
	pki_make(&other);
	leaf = leaf_of(&p, "critical,digitalSignature", "codeSigning", "email:a@example.com", GHA, NULL);
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_chain(leaf, NULL, p.r, T0 + 60, &chain, clr(&err)), SIGN_OK, &err, NULL);
	assert_int_equal(sk_X509_num(chain), 3);
	sk_X509_pop_free(chain, X509_free);
	/* expired at the time */
	expect(signp_fulcio_verify_chain(leaf, NULL, p.r, T0 + 601, NULL, clr(&err)), SIGN_EVERIFY, &err,
		"certificate chain: certificate has expired at the signing time 2023-11-14T22:23:21Z");
	/* another CA (first in the list), then the right one */
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_chain(leaf, NULL, other.r, T0 + 60, NULL, clr(&err)), SIGN_EVERIFY, &err,
		"certificate chain: the certificate (issuer CN = throwaway intermediate) was issued by no Fulcio CA of the trusted root");
	{
		X509 *c[2] = { p.inter, p.root };
		xv_root_add_ca(&other.r->cas, &other.r->ncas, c, 2, T0, T0 + 60, NULL);
	}
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_chain(leaf, NULL, other.r, T0 + 60, NULL, clr(&err)), SIGN_OK, &err, NULL);
	/* validity closed at both ends */
	expect(signp_fulcio_verify_chain(leaf, NULL, other.r, T0, NULL, clr(&err)), SIGN_OK, &err, NULL);
	expect(signp_fulcio_verify_chain(leaf, NULL, other.r, T0 + 61, NULL, clr(&err)), SIGN_EVERIFY, &err,
		"certificate chain: issued by the Fulcio CA (no uri), whose validity in the trusted root (2023-11-14T22:13:20Z to 2023-11-14T22:14:20Z) does not include the signing time 2023-11-14T22:14:21Z");
	/* a CA of the intermediate alone: the anchor need not be self-signed; the
	 * bundle's chain may bring an intermediate */
	signp_trusted_root_free(other.r);
	other.r = xv_trusted_root();
	xv_root_add_ca(&other.r->cas, &other.r->ncas, &p.inter, 1, T0, SIGNP_TIME_OPEN, NULL);
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_chain(leaf, NULL, other.r, T0 + 60, NULL, clr(&err)), SIGN_OK, &err, NULL);
	signp_trusted_root_free(other.r);
	other.r = xv_trusted_root();
	xv_root_add_ca(&other.r->cas, &other.r->ncas, &p.root, 1, T0 - DAY, SIGNP_TIME_OPEN, NULL);
	extra = sk_X509_new_null();
	sk_X509_push(extra, p.inter);
	expect(signp_fulcio_verify_chain(leaf, extra, other.r, T0 + 60, &chain, clr(&err)), SIGN_OK, &err, NULL);
	assert_int_equal(sk_X509_num(chain), 3);
	sk_X509_pop_free(chain, X509_free);
	/* a self-signed certificate in the bundle's chain is refused */
	sk_X509_push(extra, p.root);
	expect(signp_fulcio_verify_chain(leaf, extra, other.r, T0 + 60, &chain, clr(&err)), SIGN_EVERIFY, &err,
		"certificate chain: the chain given with the signature holds a self-signed certificate (CN = throwaway root)");
	sk_X509_free(extra);
	/* a self-signed leaf is issued by no CA */
	{
		xv_cert_opts o = { 0 };
		o.cn = "me";
		o.not_before = T0;
		o.not_after = T0 + 600;
		o.ku = "critical,digitalSignature";
		o.eku = "codeSigning";
		self = xv_cert(p.leaf_key, &o);
	}
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_chain(self, NULL, p.r, T0 + 60, NULL, clr(&err)), SIGN_EVERIFY, &err,
		"certificate chain: ");
	X509_free(self);
	X509_free(leaf);

	/* key usage and EKU */
	leaf = leaf_of(&p, "critical,digitalSignature", "serverAuth", "email:a@example.com", GHA, NULL);
	expect(signp_fulcio_verify_chain(leaf, NULL, p.r, T0 + 60, NULL, clr(&err)), SIGN_EVERIFY, &err,
		"certificate chain: the certificate is not a code-signing certificate (no extended key usage codeSigning)");
	X509_free(leaf);
	leaf = leaf_of(&p, "critical,digitalSignature", NULL, "email:a@example.com", GHA, NULL);
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_chain(leaf, NULL, p.r, T0 + 60, NULL, clr(&err)), SIGN_EVERIFY, &err,
		"certificate chain: the certificate is not a code-signing certificate");
	X509_free(leaf);
	leaf = leaf_of(&p, "critical,keyEncipherment", "codeSigning", "email:a@example.com", GHA, NULL);
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_chain(leaf, NULL, p.r, T0 + 60, NULL, clr(&err)), SIGN_EVERIFY, &err,
		"certificate chain: the certificate's key usage does not allow digital signatures");
	X509_free(leaf);
	leaf = leaf_of(&p, NULL, "codeSigning", "email:a@example.com", GHA, NULL);
	memset(&err, 0, sizeof(err));
	expect(signp_fulcio_verify_chain(leaf, NULL, p.r, T0 + 60, NULL, clr(&err)), SIGN_EVERIFY, &err,
		"certificate chain: the certificate's key usage does not allow digital signatures");
	X509_free(leaf);
	pki_free(&p);
	pki_free(&other);
}

static int identity(X509 *leaf, const char *san, const char *san_re, const char *iss, const char *iss_re,
	sign_error *err)
{
	signp_identity id;
	id.san = san;
	id.san_regexp = san_re;
	id.issuer = iss;
	id.issuer_regexp = iss_re;
	memset(err, 0, sizeof(*err));
	return signp_fulcio_check_identity(leaf, &id, err);
}

static void test_identity_throwaway(void **state)
{
	pki p;
	X509 *leaf;
	sign_buf san = SIGN_BUF_INIT, iss = SIGN_BUF_INIT;
	sign_error err;
	(void)state;
	pki_make(&p);

	/* email SAN, issuer in .1.8 (and a stale .1.1, which .1.8 overrides) */
	leaf = leaf_of(&p, "critical,digitalSignature", "codeSigning", "critical,email:dev@example.com",
		"https://accounts.example.com", "https://old.example.com");
	expect(identity(leaf, "dev@example.com", NULL, "https://accounts.example.com", NULL, &err), SIGN_OK, &err, NULL);
	expect(identity(leaf, "eve@example.com", NULL, "https://accounts.example.com", NULL, &err), SIGN_EVERIFY, &err,
		"identity: the certificate's SAN is dev@example.com, not eve@example.com");
	expect(identity(leaf, "dev@example.com", NULL, "https://old.example.com", NULL, &err), SIGN_EVERIFY, &err,
		"identity: the certificate's OIDC issuer is https://accounts.example.com, not https://old.example.com");
	/* regexps: unanchored as Go's, anchored when asked */
	expect(identity(leaf, NULL, "@example\\.com", NULL, "accounts", &err), SIGN_OK, &err, NULL);
	expect(identity(leaf, NULL, "^[a-z]+@example\\.(com|org)$", NULL, "^https://accounts\\.example\\.com$", &err),
		SIGN_OK, &err, NULL);
	expect(identity(leaf, NULL, "^dev@example\\.org$", NULL, "accounts", &err), SIGN_EVERIFY, &err,
		"identity: the certificate's SAN is dev@example.com, not a match of ^dev@example\\.org$");
	expect(identity(leaf, NULL, "example", NULL, "^accounts", &err), SIGN_EVERIFY, &err,
		"identity: the certificate's OIDC issuer is https://accounts.example.com, not a match of ^accounts");
	/* exact and regexp together: both must hold */
	expect(identity(leaf, "dev@example.com", "^eve", GHA, NULL, &err), SIGN_EVERIFY, &err,
		"identity: the certificate's SAN is dev@example.com, not dev@example.com (and to match ^eve)");
	/* a bad regexp, missing parts */
	expect(identity(leaf, NULL, "(unclosed", GHA, NULL, &err), SIGN_EINVAL, &err,
		"identity: the SAN regexp (unclosed is not a POSIX extended regular expression: ");
	expect(identity(leaf, "dev@example.com", NULL, NULL, "a[", &err), SIGN_EINVAL, &err,
		"identity: the OIDC issuer regexp a[ is not a POSIX extended regular expression");
	expect(identity(leaf, NULL, NULL, GHA, NULL, &err), SIGN_EINVAL, &err,
		"identity: both a SAN (exact or regexp) and an OIDC issuer (exact or regexp) are needed");
	expect(identity(leaf, "dev@example.com", NULL, NULL, NULL, &err), SIGN_EINVAL, &err, "are needed");
	assert_int_equal(signp_fulcio_check_identity(leaf, NULL, &err), SIGN_EINVAL);
	assert_int_equal(signp_fulcio_describe(leaf, &san, &iss), SIGN_OK);
	assert_string_equal(san.ptr, "dev@example.com");
	assert_string_equal(iss.ptr, "https://accounts.example.com");
	X509_free(leaf);

	/* URI SAN, another DNS SAN before it (not an identity), the deprecated .1.1 alone */
	leaf = leaf_of(&p, "critical,digitalSignature", "codeSigning", "DNS:host.example,URI:" BEACON, NULL, GHA);
	expect(identity(leaf, BEACON, NULL, GHA, NULL, &err), SIGN_OK, &err, NULL);
	expect(identity(leaf, "host.example", NULL, GHA, NULL, &err), SIGN_EVERIFY, &err,
		"identity: the certificate's SAN is " BEACON ", not host.example");
	expect(identity(leaf, BEACON, NULL, "https://token.actions.githubusercontent.co", NULL, &err), SIGN_EVERIFY, &err,
		"identity: the certificate's OIDC issuer is " GHA ", not https://token.actions.githubusercontent.co");
	X509_free(leaf);

	/* Fulcio's otherName SAN (a username), two SANs: any one matches */
	leaf = leaf_of(&p, "critical,digitalSignature", "codeSigning",
		"otherName:1.3.6.1.4.1.57264.1.7;UTF8:alice!example.com,email:alice@example.com",
		"https://oidc.example", NULL);
	expect(identity(leaf, "alice!example.com", NULL, "https://oidc.example", NULL, &err), SIGN_OK, &err, NULL);
	expect(identity(leaf, "alice@example.com", NULL, "https://oidc.example", NULL, &err), SIGN_OK, &err, NULL);
	expect(identity(leaf, "bob", NULL, "https://oidc.example", NULL, &err), SIGN_EVERIFY, &err,
		"identity: the certificate's SAN is alice!example.com (and others), not bob");
	X509_free(leaf);

	/* an otherName of another type is no identity; no issuer */
	leaf = leaf_of(&p, "critical,digitalSignature", "codeSigning", "otherName:1.2.3.4;UTF8:alice", NULL, NULL);
	expect(identity(leaf, "alice", NULL, GHA, NULL, &err), SIGN_EVERIFY, &err,
		"identity: the certificate has no email, URI or Fulcio SAN, alice is wanted");
	X509_free(leaf);
	leaf = leaf_of(&p, "critical,digitalSignature", "codeSigning", "email:a@example.com", NULL, NULL);
	expect(identity(leaf, "a@example.com", NULL, GHA, NULL, &err), SIGN_EVERIFY, &err,
		"identity: the certificate names no OIDC issuer (extension 1.3.6.1.4.1.57264.1.8 or 1.3.6.1.4.1.57264.1.1), " GHA " is wanted");
	assert_int_equal(signp_fulcio_describe(leaf, &san, &iss), SIGN_OK);
	assert_string_equal(iss.ptr, "");
	X509_free(leaf);
	/* a .1.8 that is not a DER UTF8String */
	leaf = leaf_of(&p, "critical,digitalSignature", "codeSigning", "email:a@example.com", NULL, NULL);
	xv_add_raw_ext(leaf, "1.3.6.1.4.1.57264.1.8", GHA, (int)strlen(GHA));
	expect(identity(leaf, "a@example.com", NULL, GHA, NULL, &err), SIGN_EVERIFY, &err,
		"identity: the certificate's OIDC issuer extension is malformed");
	X509_free(leaf);
	free(san.ptr);
	free(iss.ptr);
	pki_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conformance_happy),
		cmocka_unit_test(test_conformance_refused),
		cmocka_unit_test(test_sct_tampered),
		cmocka_unit_test(test_sct_other_log),
		cmocka_unit_test(test_conformance_identity),
		cmocka_unit_test(test_chain_throwaway),
		cmocka_unit_test(test_identity_throwaway),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

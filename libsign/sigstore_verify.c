/*
 * sigstore_verify.c - a Sigstore bundle checked against a trusted root and
 * a policy (sigstore_verify.h).  The order is the specification's: the
 * log entries and timestamps first (they give the times), then the
 * certificate at each time, its SCT and identity, then the signature over
 * the artifact, then the log entries' bodies against what was verified.
 */
#include "sigstore_verify.h"
#include "key.h"
#include "tsa.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#define MAX_TIMES (2 * SIGNP_BUNDLE_MAX_ENTRIES)

void signp_sigstore_result_dispose(signp_sigstore_result *res)
{
	if (res == NULL)
		return;
	sign_buf_dispose(&res->san);
	sign_buf_dispose(&res->issuer);
	signp_intoto_free(res->statement);
	res->statement = NULL;
}

static const EVP_MD *md_of(const char *alg)
{
	if (strcmp(alg, "sha256") == 0)
		return EVP_sha256();
	if (strcmp(alg, "sha384") == 0)
		return EVP_sha384();
	if (strcmp(alg, "sha512") == 0)
		return EVP_sha512();
	return NULL;
}

int signp_verify_prehashed(EVP_PKEY *pub, const char *alg, const unsigned char *digest,
	size_t digestlen, const void *sig, size_t siglen)
{
	const EVP_MD *md = md_of(alg);
	EVP_PKEY_CTX *ctx = NULL;
	int r = SIGN_EVERIFY, base;

	if (pub == NULL || md == NULL || (size_t)EVP_MD_get_size(md) != digestlen || siglen == 0 || siglen > 2048)
		return SIGN_EVERIFY;
	base = EVP_PKEY_get_base_id(pub);
	if (base != EVP_PKEY_EC && base != EVP_PKEY_RSA)
		return SIGN_EVERIFY;
	if ((ctx = EVP_PKEY_CTX_new(pub, NULL)) == NULL || EVP_PKEY_verify_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, md) != 1)
		goto out;
	if (base == EVP_PKEY_RSA && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)
		goto out;
	if (EVP_PKEY_verify(ctx, sig, siglen, digest, digestlen) == 1)
		r = SIGN_OK;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/* A trusted root file is a few tens of KiB. */
#define MAX_TRUSTED_ROOT (4u << 20)

int signp_sigstore_root_load(signp_trusted_root **out, const char *path, const char *json, size_t len,
	sign_error *err)
{
	sign_buf data = SIGN_BUF_INIT;
	const char *what = "the embedded public-good trusted root";
	int r;

	if (path != NULL) {
		if ((r = signp_read_file_ex(&data, path, MAX_TRUSTED_ROOT, SIGNP_READ_FOREIGN, err)) != SIGN_OK)
			return signp_err_prefix(err, r, "trusted root");
		json = data.ptr;
		len = data.size;
		what = path;
	} else if (json != NULL) {
		what = "the cached trusted root";
	} else {
		json = signp_sigstore_public_good_root(&len);
	}
	if ((r = signp_trusted_root_parse(out, json, len, err)) != SIGN_OK)
		signp_err_prefix(err, r, "%s", what);
	sign_buf_dispose(&data);
	return r;
}

/* The log entries: each verified as the bundle's version asks (v0.1: a
 * signed entry timestamp; later: an inclusion proof), each a time when it
 * vouches for one. */
static int check_tlog(int64_t *times, size_t *ntimes, const signp_bundle *b, const signp_trusted_root *r,
	const signp_sigstore_policy *p, sign_error *err)
{
	unsigned need = b->minor == 1 ? SIGNP_REKOR_NEED_PROMISE : SIGNP_REKOR_NEED_PROOF;
	int rc;

	if (b->ntlog == 0 && !p->tlog_optional)
		return signp_err(err, SIGN_EVERIFY, "bundle: no transparency log entry");
	for (size_t i = 0; i < b->ntlog; i++) {
		int64_t t = -1;
		if ((rc = signp_rekor_verify(b->tlog[i], r, need, p->now, &t, err)) != SIGN_OK)
			return signp_err_prefix(err, rc, "transparency log entry %lld",
				(long long)signp_rekor_entry_index(b->tlog[i]));
		if (t >= 0)
			times[(*ntimes)++] = t;
	}
	return SIGN_OK;
}

static int check_timestamps(int64_t *times, size_t *ntimes, const signp_bundle *b, const signp_trusted_root *r,
	sign_error *err)
{
	const sign_buf *sig = signp_bundle_signature(b);
	int rc;

	for (size_t i = 0; i < b->ntsa; i++) {
		int64_t t;
		if ((rc = signp_tsa_verify(b->tsa[i].ptr, b->tsa[i].size, sig->ptr, sig->size, r, &t, err)) != SIGN_OK)
			return signp_err_prefix(err, rc, "RFC 3161 timestamp %zu", i + 1);
		times[(*ntimes)++] = t;
	}
	return SIGN_OK;
}

/* Keyless: the certificate at every verified time, its SCT, its identity. */
static int check_certificate(signp_sigstore_result *res, const signp_bundle *b, const signp_trusted_root *r,
	const signp_sigstore_policy *p, const int64_t *times, size_t ntimes, sign_error *err)
{
	STACK_OF(X509) *chain = NULL;
	int rc = SIGN_OK;

	if (ntimes == 0)
		return signp_err(err, SIGN_EVERIFY,
			"bundle: no verified time to check the certificate at (no log entry's time, no RFC 3161 timestamp)");
	for (size_t i = 0; i < ntimes && rc == SIGN_OK; i++) {
		sk_X509_pop_free(chain, X509_free);
		chain = NULL;
		rc = signp_fulcio_verify_chain(b->cert, b->chain, r, times[i], &chain, err);
	}
	if (rc == SIGN_OK)
		rc = signp_fulcio_verify_sct(b->cert, chain, r, err);
	if (rc == SIGN_OK)
		rc = signp_fulcio_check_identity(b->cert, p->identity, err);
	if (rc == SIGN_OK && res)
		rc = signp_fulcio_describe(b->cert, &res->san, &res->issuer);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

static int digest_equals(const signp_sigstore_policy *p, const char *alg, const unsigned char *d, size_t len)
{
	return strcmp(p->digest_alg, alg) == 0 && p->digestlen == len && memcmp(p->digest, d, len) == 0;
}

/* The signature over the artifact: a message signature over its digest,
 * or a DSSE envelope whose in-toto statement has the artifact as subject. */
static int check_signature(signp_sigstore_result *res, const signp_bundle *b, EVP_PKEY *key,
	const signp_sigstore_policy *p, sign_error *err)
{
	signp_intoto *st = NULL;
	char subject[16 + 2 * EVP_MAX_MD_SIZE], hex[2 * EVP_MAX_MD_SIZE + 1];
	int rc;

	if (b->dsse == NULL) {
		if (b->digest.size > 0 &&
		    !digest_equals(p, b->digest_alg, (const unsigned char *)b->digest.ptr, b->digest.size))
			return signp_err(err, SIGN_EVERIFY, "bundle: the message digest is not the artifact's %s digest",
				b->digest_alg);
		if (strcmp(p->digest_alg, b->digest_alg) != 0)
			return signp_err(err, SIGN_EVERIFY, "bundle: signs a %s digest; the artifact's is %s", b->digest_alg,
				p->digest_alg);
		if (signp_verify_prehashed(key, p->digest_alg, p->digest, p->digestlen, b->sig.ptr, b->sig.size) != SIGN_OK)
			return signp_err(err, SIGN_EVERIFY, "bundle: the signature does not verify over the artifact with the %s",
				b->cert ? "certificate's key" : "given key");
		return SIGN_OK;
	}
	if ((rc = signp_dsse_verify(b->dsse, key, err)) != SIGN_OK)
		return signp_err_prefix(err, rc, "bundle: with the %s", b->cert ? "certificate's key" : "given key");
	if (strcmp(b->dsse->payload_type, SIGNP_INTOTO_PAYLOAD_TYPE) != 0)
		return signp_err(err, SIGN_EVERIFY, "bundle: the DSSE payload is %.80s, not an in-toto statement",
			b->dsse->payload_type);
	if ((rc = signp_intoto_parse(&st, b->dsse->payload.ptr, b->dsse->payload.size, err)) != SIGN_OK)
		return signp_err_prefix_as(err, SIGN_EVERIFY, "bundle");
	signp_hex(hex, p->digest, p->digestlen < EVP_MAX_MD_SIZE ? p->digestlen : EVP_MAX_MD_SIZE);
	snprintf(subject, sizeof(subject), "%s:%s", p->digest_alg, hex);
	if ((rc = signp_intoto_has_subject(st, subject, err)) != SIGN_OK) {
		signp_intoto_free(st);
		return signp_err_prefix(err, rc, "bundle");
	}
	if (res)
		res->statement = st;
	else
		signp_intoto_free(st);
	return SIGN_OK;
}

static int check_bodies(const signp_bundle *b, EVP_PKEY *key, sign_error *err)
{
	signp_rekor_claim c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.cert = b->cert;
	c.key = b->cert ? NULL : key;
	if (b->dsse) {
		c.dsse = b->dsse;
	} else {
		c.sig = b->sig.ptr;
		c.siglen = b->sig.size;
		c.digest_alg = b->digest_alg;
		c.digest = (const unsigned char *)b->digest.ptr;
		c.digestlen = b->digest.size;
	}
	for (size_t i = 0; i < b->ntlog; i++)
		if ((rc = signp_rekor_body_check(b->tlog[i], &c, err)) != SIGN_OK)
			return signp_err_prefix(err, rc, "transparency log entry %lld",
				(long long)signp_rekor_entry_index(b->tlog[i]));
	return SIGN_OK;
}

int signp_sigstore_verify(signp_sigstore_result *res, const signp_bundle *b,
	const signp_trusted_root *r, const signp_sigstore_policy *p, sign_error *err)
{
	int64_t times[MAX_TIMES];
	size_t ntimes = 0;
	EVP_PKEY *key;
	int rc;

	if (res) {
		memset(res, 0, sizeof(*res));
		res->signed_time = res->log_index = -1;
	}
	if (p->identity == NULL && p->key == NULL)
		return signp_err(err, SIGN_EINVAL, "bundle: nothing to verify it with (no identity, no key)");
	if (p->key != NULL && b->cert != NULL)
		return signp_err(err, SIGN_EVERIFY,
			"bundle: signed by a certificate, not a key; verify it with --certificate-identity and --certificate-oidc-issuer");
	if (p->key == NULL && b->cert == NULL)
		return signp_err(err, SIGN_EVERIFY, "bundle: signed with a key, not a certificate; verify it with --key");
	key = b->cert ? X509_get0_pubkey(b->cert) : p->key;
	if (key == NULL)
		return signp_err(err, SIGN_EFORMAT, "bundle: the certificate's public key cannot be read");

	if ((rc = check_tlog(times, &ntimes, b, r, p, err)) != SIGN_OK)
		return rc;
	if ((rc = check_timestamps(times, &ntimes, b, r, err)) != SIGN_OK)
		return rc;
	if (b->cert && (rc = check_certificate(res, b, r, p, times, ntimes, err)) != SIGN_OK)
		goto fail;
	if ((rc = check_signature(res, b, key, p, err)) != SIGN_OK)
		goto fail;
	if ((rc = check_bodies(b, key, err)) != SIGN_OK)
		goto fail;
	if (res) {
		for (size_t i = 0; i < ntimes; i++)
			if (res->signed_time < 0 || times[i] < res->signed_time)
				res->signed_time = times[i];
		if (b->ntlog > 0)
			res->log_index = signp_rekor_entry_index(b->tlog[0]);
	}
	return SIGN_OK;
fail:
	signp_sigstore_result_dispose(res);
	return rc;
}

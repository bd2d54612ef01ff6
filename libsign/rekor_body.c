/*
 * rekor_body.c - does a log entry's body record what the caller verified
 * (rekor.h, signp_rekor_body_check)?  The kinds Rekor v1 writes
 * (hashedrekord 0.0.1, dsse 0.0.1, intoto 0.0.2) and Rekor v2 writes
 * (hashedrekord 0.0.2, also over a DSSE envelope's PAE; dsse 0.0.2), with
 * what sigstore-go's pkg/verify/tlog.go compares: the signature bytes, the
 * certificate or key (DER, not text), and the digest or payload hash.
 */
#include "rekor_int.h"

#include <inttypes.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECORDED_SIGS SIGNP_DSSE_MAX_SIGS

/* One signature the body records, and whether its verifier is c's. */
typedef struct rec_sig {
	sign_buf sig;
	int by_claim;
} rec_sig;

static int bytes_eq(const void *a, size_t alen, const void *b, size_t blen)
{
	return alen == blen && (alen == 0 || CRYPTO_memcmp(a, b, alen) == 0);
}

/* A base64 string member (decoded into out, which it appends to); NULL
 * member or bad base64 is -1. */
static int b64_member(sign_buf *out, const json_t *v)
{
	const char *s = json_string_value(v);
	if (s == NULL || json_string_length(v) == 0)
		return -1;
	return signp_b64_decode(out, s, json_string_length(v)) == SIGN_OK ? 0 : -1;
}

/* Is DER (a certificate when is_cert, else an SPKI) the claim's signer? */
static int der_is_claim(const unsigned char *der, size_t len, int is_cert, const signp_rekor_claim *c)
{
	unsigned char *mine = NULL;
	const unsigned char *p = der;
	EVP_PKEY *k;
	int n, eq;

	if (is_cert) {
		if (c->cert == NULL || (n = i2d_X509(c->cert, &mine)) <= 0)
			return 0;
		eq = bytes_eq(mine, (size_t)n, der, len);
		OPENSSL_free(mine);
		return eq;
	}
	if (c->cert != NULL || c->key == NULL || len > LONG_MAX)
		return 0;
	if ((k = d2i_PUBKEY(NULL, &p, (long)len)) == NULL)
		return 0;
	eq = p == der + len && EVP_PKEY_eq(k, c->key) == 1;
	EVP_PKEY_free(k);
	return eq;
}

/* Rekor v1's verifier: base64 of a PEM certificate or public key. */
static int pem_is_claim(const json_t *v, const signp_rekor_claim *c)
{
	sign_buf pem = SIGN_BUF_INIT;
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long len = 0;
	BIO *bio;
	int eq = 0;

	if (b64_member(&pem, v) != 0 || pem.size > INT_MAX) {
		sign_buf_dispose(&pem);
		return 0;
	}
	if ((bio = BIO_new_mem_buf(pem.ptr, (int)pem.size)) != NULL &&
	    PEM_read_bio(bio, &name, &header, &der, &len) == 1 && len > 0) {
		if (strcmp(name, "CERTIFICATE") == 0)
			eq = der_is_claim(der, (size_t)len, 1, c);
		else if (strcmp(name, "PUBLIC KEY") == 0)
			eq = der_is_claim(der, (size_t)len, 0, c);
	}
	ERR_clear_error();
	BIO_free(bio);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	sign_buf_dispose(&pem);
	return eq;
}

/* Rekor v2's verifier: {"x509Certificate":{"rawBytes"}} or
 * {"publicKey":{"rawBytes"}}, with keyDetails. */
static int v2_is_claim(const json_t *verifier, const signp_rekor_claim *c)
{
	sign_buf der = SIGN_BUF_INIT;
	const json_t *cert = json_object_get(verifier, "x509Certificate"),
		     *key = json_object_get(verifier, "publicKey");
	int eq = 0;
	if ((cert == NULL) == (key == NULL))
		return 0;
	if (b64_member(&der, json_object_get(cert != NULL ? cert : key, "rawBytes")) == 0)
		eq = der_is_claim((const unsigned char *)der.ptr, der.size, cert != NULL, c);
	sign_buf_dispose(&der);
	return eq;
}

static const char *signer_word(const signp_rekor_claim *c)
{
	return c->cert != NULL ? "certificate" : "public key";
}

/* Algorithm names: Rekor v1's ("sha256"), Rekor v2's ("SHA2_256"). */
static const EVP_MD *digest_md(const char *alg)
{
	if (alg == NULL)
		return NULL;
	if (strcmp(alg, "sha256") == 0 || strcmp(alg, "SHA2_256") == 0)
		return EVP_sha256();
	if (strcmp(alg, "sha384") == 0 || strcmp(alg, "SHA2_384") == 0)
		return EVP_sha384();
	if (strcmp(alg, "sha512") == 0 || strcmp(alg, "SHA2_512") == 0)
		return EVP_sha512();
	return NULL;
}

static int md_of(unsigned char *out, unsigned *outlen, const EVP_MD *md, const void *data, size_t len)
{
	return EVP_Digest(data, len, out, outlen, md, NULL) == 1 ? SIGN_OK : SIGN_ECRYPTO;
}

/* The recorded signatures against the envelope: as many, each one of its
 * signatures, and one by the claim's signer (c->sig, when given). */
static int check_sigs(const signp_rekor_entry *e, const signp_rekor_claim *c, rec_sig *rs, size_t n,
	sign_error *err)
{
	size_t i, j;
	int found = 0;

	if (n != c->dsse->nsigs)
		return signp_err(err, SIGN_EVERIFY,
			"log entry %" PRId64 ": its %s entry records %zu signatures, the envelope has %zu",
			e->log_index, e->kind, n, c->dsse->nsigs);
	for (i = 0; i < n; i++) {
		int in_env = 0;
		for (j = 0; j < c->dsse->nsigs; j++)
			in_env |= bytes_eq(rs[i].sig.ptr, rs[i].sig.size, c->dsse->sigs[j].sig.ptr,
				c->dsse->sigs[j].sig.size);
		if (!in_env)
			return signp_err(err, SIGN_EVERIFY,
				"log entry %" PRId64 ": its %s entry records a signature the envelope does not carry",
				e->log_index, e->kind);
		if (rs[i].by_claim && (c->sig == NULL || bytes_eq(rs[i].sig.ptr, rs[i].sig.size, c->sig, c->siglen)))
			found = 1;
	}
	if (!found)
		return signp_err(err, SIGN_EVERIFY,
			"log entry %" PRId64 ": its %s entry records no signature by the signing %s",
			e->log_index, e->kind, signer_word(c));
	return SIGN_OK;
}

static int payload_hash_check(const signp_rekor_entry *e, const signp_rekor_claim *c, const char *alg,
	const unsigned char *want, size_t wantlen, sign_error *err)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned hl = 0;
	if (alg == NULL || strcmp(alg, e->v2 ? "SHA2_256" : "sha256") != 0)
		return signp_err(err, SIGN_EVERIFY, "log entry %" PRId64 ": its %s entry's payload hash is not SHA-256",
			e->log_index, e->kind);
	if (md_of(h, &hl, EVP_sha256(), c->dsse->payload.ptr, c->dsse->payload.size) != SIGN_OK)
		return signp_err_openssl(err, SIGN_ECRYPTO, "log entry: hashing the payload");
	if (!bytes_eq(h, hl, want, wantlen))
		return signp_err(err, SIGN_EVERIFY,
			"log entry %" PRId64 ": its %s entry records the hash of another payload than the envelope's",
			e->log_index, e->kind);
	return SIGN_OK;
}

static void rec_dispose(rec_sig *rs, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		sign_buf_dispose(&rs[i].sig);
}

/* The recorded signatures list of dsse 0.0.1 ("signature", "verifier"),
 * dsse 0.0.2 ("content", "verifier" {...}) or intoto 0.0.2 ("sig" and
 * "publicKey", each base64 once more). */
static int read_sigs(const signp_rekor_entry *e, const signp_rekor_claim *c, const json_t *list,
	rec_sig *rs, size_t *n, sign_error *err)
{
	const json_t *s;
	size_t i;
	int intoto = strcmp(e->kind, "intoto") == 0, v2 = e->v2;

	*n = 0;
	if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > MAX_RECORDED_SIGS)
		return signp_err(err, SIGN_EVERIFY, "log entry %" PRId64 ": its %s entry records 1 to %u signatures, not %zu",
			e->log_index, e->kind, MAX_RECORDED_SIGS, json_array_size(list));
	json_array_foreach(list, i, s) {
		rec_sig *r = &rs[i];
		int bad;
		memset(r, 0, sizeof(*r));
		*n = i + 1;
		if (intoto) {
			sign_buf once = SIGN_BUF_INIT;
			bad = b64_member(&once, json_object_get(s, "sig")) != 0 ||
			      signp_b64_decode(&r->sig, once.ptr, once.size) != SIGN_OK;
			sign_buf_dispose(&once);
			r->by_claim = pem_is_claim(json_object_get(s, "publicKey"), c);
		} else {
			bad = b64_member(&r->sig, json_object_get(s, v2 ? "content" : "signature")) != 0;
			r->by_claim = v2 ? v2_is_claim(json_object_get(s, "verifier"), c)
				: pem_is_claim(json_object_get(s, "verifier"), c);
		}
		if (bad || r->sig.size == 0)
			return signp_err(err, SIGN_EVERIFY,
				"log entry %" PRId64 ": its %s entry's signature %zu is not %sbase64", e->log_index,
				e->kind, i, intoto ? "the base64 of " : "");
	}
	return SIGN_OK;
}

/* A hash output: Rekor v2's {"algorithm","digest": base64}, Rekor v1's
 * {"algorithm","value": hex}.  -1 when absent or malformed. */
static int read_hash(sign_buf *out, const json_t *h, int v2)
{
	const char *hex = json_string_value(json_object_get(h, "value"));
	size_t n;
	if (v2)
		return b64_member(out, json_object_get(h, "digest"));
	if (hex == NULL || (n = strlen(hex)) == 0 || n % 2 != 0 || n / 2 > EVP_MAX_MD_SIZE ||
	    signp_buf_grow(out, n / 2) != SIGN_OK || signp_unhex((unsigned char *)out->ptr, n / 2, hex) != SIGN_OK)
		return -1;
	out->size = n / 2;
	return 0;
}

static int need_dsse(const signp_rekor_entry *e, const signp_rekor_claim *c, sign_error *err)
{
	if (c->dsse == NULL)
		return signp_err(err, SIGN_EVERIFY,
			"log entry %" PRId64 ": it is a %s entry, of a DSSE envelope, not of a message signature",
			e->log_index, e->kind);
	return SIGN_OK;
}

static int check_dsse_like(const signp_rekor_entry *e, const signp_rekor_claim *c, const json_t *spec,
	sign_error *err)
{
	rec_sig rs[MAX_RECORDED_SIGS];
	sign_buf want = SIGN_BUF_INIT;
	const json_t *ph, *env = NULL, *list;
	size_t n = 0;
	int r;

	if ((r = need_dsse(e, c, err)) != SIGN_OK)
		return r;
	if (strcmp(e->kind, "intoto") == 0) {
		const json_t *content = json_object_get(spec, "content");
		env = json_object_get(content, "envelope");
		ph = json_object_get(content, "payloadHash");
		list = json_object_get(env, "signatures");
	} else if (e->v2) {
		spec = json_object_get(spec, "dsseV002");
		ph = json_object_get(spec, "payloadHash");
		list = json_object_get(spec, "signatures");
	} else {
		ph = json_object_get(spec, "payloadHash");
		list = json_object_get(spec, "signatures");
	}
	if (read_hash(&want, ph, e->v2) != 0) {
		sign_buf_dispose(&want);
		return signp_err(err, SIGN_EVERIFY, "log entry %" PRId64 ": its %s entry has no payload hash",
			e->log_index, e->kind);
	}
	r = payload_hash_check(e, c, json_string_value(json_object_get(ph, "algorithm")),
		(const unsigned char *)want.ptr, want.size, err);
	sign_buf_dispose(&want);
	if (r != SIGN_OK)
		return r;
	if (env != NULL) {
		/* intoto keeps the envelope: its type and (base64 once more) payload */
		const char *type = json_string_value(json_object_get(env, "payloadType"));
		const json_t *pl = json_object_get(env, "payload");
		if (type != NULL && strcmp(type, c->dsse->payload_type) != 0)
			return signp_err(err, SIGN_EVERIFY,
				"log entry %" PRId64 ": its intoto entry records payload type %.80s, the envelope's is %.80s",
				e->log_index, type, c->dsse->payload_type);
		if (pl != NULL) {
			sign_buf once = SIGN_BUF_INIT, twice = SIGN_BUF_INIT;
			int same = b64_member(&once, pl) == 0 &&
				   signp_b64_decode(&twice, once.ptr, once.size) == SIGN_OK &&
				   bytes_eq(twice.ptr, twice.size, c->dsse->payload.ptr, c->dsse->payload.size);
			sign_buf_dispose(&once);
			sign_buf_dispose(&twice);
			if (!same)
				return signp_err(err, SIGN_EVERIFY,
					"log entry %" PRId64 ": its intoto entry records another payload than the envelope's",
					e->log_index);
		}
	}
	if ((r = read_sigs(e, c, list, rs, &n, err)) == SIGN_OK)
		r = check_sigs(e, c, rs, n, err);
	rec_dispose(rs, n);
	return r;
}

/* hashedrekord 0.0.1: data.hash {algorithm, value hex}, signature.content
 * and signature.publicKey.content (base64 PEM). */
static int check_hashedrekord_v1(const signp_rekor_entry *e, const signp_rekor_claim *c, const json_t *spec,
	sign_error *err)
{
	const json_t *hash = json_object_get(json_object_get(spec, "data"), "hash"),
		     *sig = json_object_get(spec, "signature");
	const char *alg = json_string_value(json_object_get(hash, "algorithm")),
		   *value = json_string_value(json_object_get(hash, "value"));
	sign_buf s = SIGN_BUF_INIT, d = SIGN_BUF_INIT;
	int r = SIGN_OK;

	if (alg == NULL || value == NULL || digest_md(alg) == NULL || strcmp(alg, c->digest_alg) != 0)
		return signp_err(err, SIGN_EVERIFY,
			"log entry %" PRId64 ": its hashedrekord records a %.16s digest, the signature's is %s",
			e->log_index, alg != NULL ? alg : "missing", c->digest_alg);
	if (strlen(value) != 2 * c->digestlen || signp_buf_grow(&d, c->digestlen) != SIGN_OK ||
	    signp_unhex((unsigned char *)d.ptr, c->digestlen, value) != SIGN_OK ||
	    !bytes_eq(d.ptr, c->digestlen, c->digest, c->digestlen))
		r = signp_err(err, SIGN_EVERIFY,
			"log entry %" PRId64 ": its hashedrekord records the digest of another artifact", e->log_index);
	else if (b64_member(&s, json_object_get(sig, "content")) != 0 || !bytes_eq(s.ptr, s.size, c->sig, c->siglen))
		r = signp_err(err, SIGN_EVERIFY, "log entry %" PRId64 ": its hashedrekord records another signature",
			e->log_index);
	else if (!pem_is_claim(json_object_get(json_object_get(sig, "publicKey"), "content"), c))
		r = signp_err(err, SIGN_EVERIFY, "log entry %" PRId64 ": its hashedrekord records another %s",
			e->log_index, signer_word(c));
	sign_buf_dispose(&s);
	sign_buf_dispose(&d);
	return r;
}

/* hashedrekord 0.0.2 (Rekor v2): hashedRekordV002 {data {algorithm
 * "SHA2_256", digest b64}, signature {content, verifier}}; over a DSSE
 * envelope its digest is of the envelope's PAE. */
static int check_hashedrekord_v2(const signp_rekor_entry *e, const signp_rekor_claim *c, const json_t *spec,
	sign_error *err)
{
	const json_t *hr = json_object_get(spec, "hashedRekordV002"), *data = json_object_get(hr, "data"),
		     *sig = json_object_get(hr, "signature");
	const char *alg = json_string_value(json_object_get(data, "algorithm"));
	const EVP_MD *md = digest_md(alg);
	unsigned char mine[EVP_MAX_MD_SIZE];
	unsigned minelen = 0;
	const unsigned char *dig = c->digest;
	size_t diglen = c->digestlen;
	sign_buf s = SIGN_BUF_INIT, d = SIGN_BUF_INIT;
	int r = SIGN_OK;

	if (md == NULL || (c->dsse == NULL && EVP_MD_get_type(md) != EVP_MD_get_type(digest_md(c->digest_alg))))
		return signp_err(err, SIGN_EVERIFY,
			"log entry %" PRId64 ": its hashedrekord records a %.16s digest, the signature's is %s",
			e->log_index, alg != NULL ? alg : "missing", c->dsse != NULL ? "of its PAE" : c->digest_alg);
	if (c->dsse != NULL) {
		sign_buf pae = SIGN_BUF_INIT;
		r = signp_dsse_pae(&pae, c->dsse->payload_type, c->dsse->payload.ptr, c->dsse->payload.size);
		if (r == SIGN_OK)
			r = md_of(mine, &minelen, md, pae.ptr, pae.size);
		sign_buf_dispose(&pae);
		if (r != SIGN_OK)
			return signp_err(err, r, "log entry: hashing the envelope's PAE failed");
		dig = mine;
		diglen = minelen;
	}
	if (b64_member(&d, json_object_get(data, "digest")) != 0 || !bytes_eq(d.ptr, d.size, dig, diglen)) {
		r = signp_err(err, SIGN_EVERIFY, "log entry %" PRId64 ": its hashedrekord records the digest of another %s",
			e->log_index, c->dsse != NULL ? "envelope" : "artifact");
	} else if (b64_member(&s, json_object_get(sig, "content")) != 0) {
		r = signp_err(err, SIGN_EVERIFY, "log entry %" PRId64 ": its hashedrekord records no signature",
			e->log_index);
	} else {
		int same = 0;
		size_t j;
		if (c->sig != NULL)
			same = bytes_eq(s.ptr, s.size, c->sig, c->siglen);
		else if (c->dsse != NULL)
			for (j = 0; j < c->dsse->nsigs; j++)
				same |= bytes_eq(s.ptr, s.size, c->dsse->sigs[j].sig.ptr, c->dsse->sigs[j].sig.size);
		if (!same)
			r = signp_err(err, SIGN_EVERIFY, "log entry %" PRId64 ": its hashedrekord records another signature",
				e->log_index);
		else if (!v2_is_claim(json_object_get(sig, "verifier"), c))
			r = signp_err(err, SIGN_EVERIFY, "log entry %" PRId64 ": its hashedrekord records another %s",
				e->log_index, signer_word(c));
	}
	sign_buf_dispose(&s);
	sign_buf_dispose(&d);
	return r;
}

int signp_rekor_body_check(const signp_rekor_entry *e, const signp_rekor_claim *c, sign_error *err)
{
	const json_t *spec = json_object_get(e->doc, "spec");

	if (c->cert == NULL && c->key == NULL)
		return signp_err(err, SIGN_EINVAL, "log entry: no certificate or key to compare its body with");
	if (c->dsse == NULL && (c->sig == NULL || c->digest == NULL || c->digest_alg == NULL ||
				digest_md(c->digest_alg) == NULL))
		return signp_err(err, SIGN_EINVAL, "log entry: no signature and digest to compare its body with");
	if (strcmp(e->kind, "hashedrekord") == 0 && strcmp(e->version, "0.0.1") == 0) {
		if (c->dsse != NULL)
			return signp_err(err, SIGN_EVERIFY,
				"log entry %" PRId64 ": it is a hashedrekord 0.0.1 entry, of a message signature, "
				"not of a DSSE envelope", e->log_index);
		return check_hashedrekord_v1(e, c, spec, err);
	}
	if (strcmp(e->kind, "hashedrekord") == 0 && strcmp(e->version, "0.0.2") == 0)
		return check_hashedrekord_v2(e, c, spec, err);
	if ((strcmp(e->kind, "dsse") == 0 && (strcmp(e->version, "0.0.1") == 0 || strcmp(e->version, "0.0.2") == 0)) ||
	    (strcmp(e->kind, "intoto") == 0 && strcmp(e->version, "0.0.2") == 0))
		return check_dsse_like(e, c, spec, err);
	return signp_err(err, SIGN_EVERIFY, "log entry %" PRId64 ": its kind %s %s is not one sign reads",
		e->log_index, e->kind, e->version);
}

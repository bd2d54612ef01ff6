/*
 * bundle.c - Sigstore bundles (bundle.h): the protobuf JSON read with
 * jansson, bounded, every byte field decoded, nothing trusted yet.
 */
#include "bundle.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

static const struct {
	const char *type;
	int minor;
} media_types[] = {
	{ "application/vnd.dev.sigstore.bundle+json;version=0.1", 1 },
	{ "application/vnd.dev.sigstore.bundle+json;version=0.2", 2 },
	{ "application/vnd.dev.sigstore.bundle+json;version=0.3", 3 },
	{ "application/vnd.dev.sigstore.bundle.v0.3+json", 3 },
};

void signp_bundle_free(signp_bundle *b)
{
	if (b == NULL)
		return;
	X509_free(b->cert);
	sk_X509_pop_free(b->chain, X509_free);
	free(b->key_hint);
	for (size_t i = 0; i < b->ntlog; i++)
		signp_rekor_entry_free(b->tlog[i]);
	for (size_t i = 0; i < b->ntsa; i++)
		sign_buf_dispose(&b->tsa[i]);
	signp_dsse_free(b->dsse);
	sign_buf_dispose(&b->digest);
	sign_buf_dispose(&b->sig);
	free(b);
}

const sign_buf *signp_bundle_signature(const signp_bundle *b)
{
	return b->dsse ? &b->dsse->sigs[0].sig : &b->sig;
}

/* A base64 member of o, decoded into out (non-empty), line breaks
 * skipped (signp_b64_decode_lines): a timestamp pasted from `base64`'s
 * wrapped output reads as it does in Go's protobuf JSON. */
static int b64_member(sign_buf *out, const json_t *o, const char *name, const char *what, sign_error *err)
{
	const json_t *v = json_object_get(o, name);
	int r;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return signp_err(err, SIGN_EFORMAT, "bundle: %s has no %s", what, name);
	if ((r = signp_b64_decode_lines(out, json_string_value(v), json_string_length(v))) != SIGN_OK) {
		sign_buf_dispose(out); /* a failed decode's leftovers: not the caller's to free */
		return r == SIGN_ENOMEM ? signp_err(err, r, "bundle: out of memory") :
					  signp_err(err, SIGN_EFORMAT, "bundle: %s's %s is not base64", what, name);
	}
	if (out->size == 0) {
		sign_buf_dispose(out);
		return signp_err(err, SIGN_EFORMAT, "bundle: %s's %s is empty", what, name);
	}
	return SIGN_OK;
}

static int cert_of(X509 **out, const json_t *o, const char *what, sign_error *err)
{
	sign_buf der = SIGN_BUF_INIT;
	const unsigned char *p;
	int r;
	*out = NULL;
	if ((r = b64_member(&der, o, "rawBytes", what, err)) != SIGN_OK)
		goto out;
	p = (const unsigned char *)der.ptr;
	if ((*out = d2i_X509(NULL, &p, (long)der.size)) == NULL || p != (const unsigned char *)der.ptr + der.size) {
		X509_free(*out);
		*out = NULL;
		ERR_clear_error();
		r = signp_err(err, SIGN_EFORMAT, "bundle: %s is not a DER certificate", what);
	}
out:
	sign_buf_dispose(&der);
	return r;
}

static int read_material(signp_bundle *b, const json_t *vm, sign_error *err)
{
	const json_t *chain = json_object_get(vm, "x509CertificateChain");
	const json_t *cert = json_object_get(vm, "certificate");
	const json_t *pk = json_object_get(vm, "publicKey");
	const json_t *entries = json_object_get(vm, "tlogEntries");
	const json_t *tvd = json_object_get(vm, "timestampVerificationData");
	const json_t *v;
	size_t i;
	int r;

	if (!json_is_object(vm))
		return signp_err(err, SIGN_EFORMAT, "bundle: no verificationMaterial");
	if ((chain != NULL) + (cert != NULL) + (pk != NULL) != 1)
		return signp_err(err, SIGN_EFORMAT,
			"bundle: verificationMaterial needs exactly one of certificate, x509CertificateChain, publicKey");
	if (cert != NULL) {
		if ((r = cert_of(&b->cert, cert, "certificate", err)) != SIGN_OK)
			return r;
	} else if (chain != NULL) {
		const json_t *certs = json_object_get(chain, "certificates");
		if (!json_is_array(certs) || json_array_size(certs) == 0)
			return signp_err(err, SIGN_EFORMAT, "bundle: x509CertificateChain is empty");
		if (json_array_size(certs) > SIGNP_BUNDLE_MAX_CERTS)
			return signp_err(err, SIGN_EFORMAT, "bundle: x509CertificateChain has %zu certificates (at most %u)",
				json_array_size(certs), SIGNP_BUNDLE_MAX_CERTS);
		json_array_foreach(certs, i, v) {
			X509 *x;
			if ((r = cert_of(&x, v, "a certificate of x509CertificateChain", err)) != SIGN_OK)
				return r;
			/* the trusted root supplies the root: a chain that brings its
			 * own is refused (the Sigstore client specification) */
			if (X509_check_issued(x, x) == X509_V_OK) {
				X509_free(x);
				return signp_err(err, SIGN_EFORMAT,
					"bundle: x509CertificateChain holds a root (self-signed) certificate, certificate %zu", i + 1);
			}
			if (i == 0) {
				b->cert = x;
				continue;
			}
			if ((b->chain == NULL && (b->chain = sk_X509_new_null()) == NULL) || !sk_X509_push(b->chain, x)) {
				X509_free(x);
				return signp_err(err, SIGN_ENOMEM, "bundle: out of memory");
			}
		}
	} else {
		const char *hint = json_string_value(json_object_get(pk, "hint"));
		if (!json_is_object(pk))
			return signp_err(err, SIGN_EFORMAT, "bundle: publicKey is not an object");
		b->has_public_key = 1;
		if (hint != NULL && (b->key_hint = strdup(hint)) == NULL)
			return signp_err(err, SIGN_ENOMEM, "bundle: out of memory");
	}

	if (entries != NULL && !json_is_array(entries))
		return signp_err(err, SIGN_EFORMAT, "bundle: tlogEntries is not a list");
	if (json_array_size(entries) > SIGNP_BUNDLE_MAX_ENTRIES)
		return signp_err(err, SIGN_EFORMAT, "bundle: %zu tlogEntries (at most %u)", json_array_size(entries),
			SIGNP_BUNDLE_MAX_ENTRIES);
	json_array_foreach(entries, i, v) {
		if ((r = signp_rekor_entry_parse(&b->tlog[b->ntlog], v, err)) != SIGN_OK)
			return signp_err_prefix(err, r, "bundle: tlog entry %zu", i);
		b->ntlog++;
	}

	if (tvd != NULL) {
		const json_t *ts = json_object_get(tvd, "rfc3161Timestamps");
		if (!json_is_object(tvd) || (ts != NULL && !json_is_array(ts)))
			return signp_err(err, SIGN_EFORMAT, "bundle: timestampVerificationData is malformed");
		if (json_array_size(ts) > SIGNP_BUNDLE_MAX_ENTRIES)
			return signp_err(err, SIGN_EFORMAT, "bundle: %zu rfc3161Timestamps (at most %u)",
				json_array_size(ts), SIGNP_BUNDLE_MAX_ENTRIES);
		json_array_foreach(ts, i, v) {
			if ((r = b64_member(&b->tsa[b->ntsa], v, "signedTimestamp", "an RFC 3161 timestamp", err)) != SIGN_OK)
				return r;
			b->ntsa++;
		}
	}
	return SIGN_OK;
}

static int read_message_signature(signp_bundle *b, const json_t *ms, sign_error *err)
{
	const json_t *md = json_object_get(ms, "messageDigest");
	const char *alg = json_string_value(json_object_get(md, "algorithm"));
	int r;

	if ((r = b64_member(&b->sig, ms, "signature", "messageSignature", err)) != SIGN_OK)
		return r;
	if (md == NULL) { /* the digest may be left out: the artifact is then hashed with SHA-256 */
		signp_strlcpy(b->digest_alg, "sha256", sizeof(b->digest_alg));
		return SIGN_OK;
	}
	if (alg == NULL)
		return signp_err(err, SIGN_EFORMAT, "bundle: messageDigest has no algorithm");
	if (strcmp(alg, "SHA2_256") == 0)
		signp_strlcpy(b->digest_alg, "sha256", sizeof(b->digest_alg));
	else if (strcmp(alg, "SHA2_384") == 0)
		signp_strlcpy(b->digest_alg, "sha384", sizeof(b->digest_alg));
	else if (strcmp(alg, "SHA2_512") == 0)
		signp_strlcpy(b->digest_alg, "sha512", sizeof(b->digest_alg));
	else
		return signp_err(err, SIGN_EFORMAT, "bundle: messageDigest algorithm %.40s is not supported", alg);
	if ((r = b64_member(&b->digest, md, "digest", "messageDigest", err)) != SIGN_OK)
		return r;
	if (b->digest.size != (strcmp(b->digest_alg, "sha256") == 0 ? 32u : strcmp(b->digest_alg, "sha384") == 0 ? 48u : 64u))
		return signp_err(err, SIGN_EFORMAT, "bundle: messageDigest is %zu bytes, not a %s digest", b->digest.size,
			b->digest_alg);
	return SIGN_OK;
}

int signp_bundle_parse(signp_bundle **out, const void *json, size_t len, sign_error *err)
{
	signp_bundle *b = NULL;
	json_t *doc = NULL;
	const json_t *ms, *env;
	const char *mt;
	json_error_t je;
	int r;

	*out = NULL;
	if (len > SIGNP_BUNDLE_MAX_JSON)
		return signp_err(err, SIGN_EFORMAT, "bundle: %zu bytes, more than %u", len, SIGNP_BUNDLE_MAX_JSON);
	if ((doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return signp_err(err, SIGN_EFORMAT, "bundle: not JSON: %s (line %d)", je.text, je.line);
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "bundle: out of memory");
		goto out;
	}
	if (!json_is_object(doc) || (mt = json_string_value(json_object_get(doc, "mediaType"))) == NULL) {
		r = signp_err(err, SIGN_EFORMAT, "bundle: no mediaType");
		goto out;
	}
	for (size_t i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++)
		if (strcmp(mt, media_types[i].type) == 0)
			b->minor = media_types[i].minor;
	if (b->minor == 0) {
		r = signp_err(err, SIGN_EFORMAT, "bundle: media type %.100s is not a Sigstore bundle v0.1, v0.2 or v0.3", mt);
		goto out;
	}
	if ((r = read_material(b, json_object_get(doc, "verificationMaterial"), err)) != SIGN_OK)
		goto out;
	ms = json_object_get(doc, "messageSignature");
	env = json_object_get(doc, "dsseEnvelope");
	if ((ms != NULL) == (env != NULL)) {
		r = signp_err(err, SIGN_EFORMAT, "bundle: needs exactly one of messageSignature and dsseEnvelope");
		goto out;
	}
	if (ms != NULL) {
		if (!json_is_object(ms)) {
			r = signp_err(err, SIGN_EFORMAT, "bundle: messageSignature is not an object");
			goto out;
		}
		r = read_message_signature(b, ms, err);
	} else {
		char *text = json_dumps(env, JSON_COMPACT);
		if (text == NULL) {
			r = signp_err(err, SIGN_EFORMAT, "bundle: dsseEnvelope is not an object");
			goto out;
		}
		r = signp_dsse_parse(&b->dsse, text, strlen(text), err);
		free(text);
		if (r == SIGN_OK && b->dsse->nsigs != 1)
			r = signp_err(err, SIGN_EFORMAT, "bundle: the DSSE envelope has %zu signatures (a bundle's has one)",
				b->dsse->nsigs);
	}
out:
	json_decref(doc);
	if (r != SIGN_OK)
		signp_bundle_free(b);
	else
		*out = b;
	return r;
}

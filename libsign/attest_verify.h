/*
 * attest_verify.h - finding an image's attestations of one predicate type
 * that verify: cosign's .att tag and OCI 1.1 referrers, each DSSE envelope
 * checked by a verifier (who may sign), its in-toto statement checked for
 * the type and the image's digest.  Internal.
 */
#ifndef SIGN_ATTEST_VERIFY_H
#define SIGN_ATTEST_VERIFY_H

#include "common.h"
#include "dsse.h"
#include "store.h"

#include <jansson.h>
#include <openssl/evp.h>

/* What a verifier is shown of one attestation. */
typedef struct signp_att_evidence {
	const signp_dsse *env;        /* the envelope, read */
	const json_t *annotations;    /* its layer's annotations: for a keyless
	                               * signature, the certificate, chain, Rekor
	                               * bundle and RFC 3161 timestamp */
	const json_t *bundle;         /* the Sigstore bundle the envelope came in
	                               * (cosign v3's referrers: verification
	                               * material, log entries), or NULL */
	const sign_buf *blob;         /* the layer's blob as fetched (its digest
	                               * checked): the envelope's bytes, which a
	                               * Rekor entry of a .att layer hashes, or
	                               * the bundle's */
} signp_att_evidence;

/* Which signatures an attestation must carry: the one step of the check
 * that knows about keys.  check gives SIGN_OK, with who signed in who
 * (a key ID, or a certificate's identity), or SIGN_EVERIFY saying why
 * not.  The keyed verifier below is one; a certificate-based one (Fulcio,
 * Rekor) fits the same slot. */
typedef struct signp_att_verifier signp_att_verifier;
struct signp_att_verifier {
	int (*check)(const signp_att_verifier *v, const signp_att_evidence *e, char who[256],
		sign_error *err);
	const void *arg;
};

/* The keys that may sign (canonical IDs beside them), and how many of
 * them must sign one envelope (at least 1). */
typedef struct signp_att_keys {
	EVP_PKEY *const *pkeys;
	const char (*ids)[72];
	size_t n;
	int64_t threshold;
} signp_att_keys;

/* v checks envelopes against keys (borrowed: they outlive v). */
void signp_att_verifier_keys(signp_att_verifier *v, const signp_att_keys *keys);

/* The attestations of digest whose predicateType is type_uri, that v
 * accepts and whose statement has digest as a subject: from the
 * sha256-<hex>.att manifest and the referrers (API or tag schema: DSSE
 * layers, and the envelopes of Sigstore bundle layers), at most
 * SIGNP_ATT_MAX_CHECKED envelopes looked at.  *found gets a JSON array of
 * {predicateType, predicate, subject, signer, source, envelope}.  None:
 * SIGN_EVERIFY saying what the ones found lacked. */
#define SIGNP_ATT_MAX_CHECKED 100
int signp_attest_find(json_t **found, signp_store *st, const char *digest, const char *type_uri,
	const signp_att_verifier *v, sign_error *err);

#endif

/*
 * rekor.h - a transparency log entry (Rekor v1 and v2) as a Sigstore
 * bundle or cosign's dev.sigstore.cosign/bundle annotation carries it:
 * its inclusion proof against a signed checkpoint, its signed entry
 * timestamp (inclusion promise), and whether its body records the
 * signature, key or certificate and digest the caller verified.
 * Internal.
 */
#ifndef SIGN_REKOR_H
#define SIGN_REKOR_H

#include "common.h"
#include "dsse.h"
#include "sigstore_root.h"

#include <jansson.h>
#include <openssl/x509.h>

typedef struct signp_rekor_entry signp_rekor_entry;

/* Read one element of a bundle's verificationMaterial.tlogEntries
 * (protobuf JSON: int64 as strings, bytes as base64).  SIGN_EFORMAT. */
int signp_rekor_entry_parse(signp_rekor_entry **out, const json_t *tlog_entry, sign_error *err);
/* Read cosign's dev.sigstore.cosign/bundle annotation:
 * {"SignedEntryTimestamp":b64,"Payload":{"body":b64,"integratedTime":n,
 * "logIndex":n,"logID":hex}}.  SIGN_EFORMAT. */
int signp_rekor_entry_from_cosign(signp_rekor_entry **out, const void *json, size_t len,
	sign_error *err);
void signp_rekor_entry_free(signp_rekor_entry *e);

/* What signp_rekor_verify must find. */
#define SIGNP_REKOR_NEED_PROOF   1u   /* an inclusion proof with a signed checkpoint */
#define SIGNP_REKOR_NEED_PROMISE 2u   /* a signed entry timestamp */

/* Is the entry in a log of r?  Its log is found by logId among r's tlogs
 * (valid at the entry's integrated time; a Rekor v2 entry has none, and
 * its log is found by logId alone); its inclusion proof, when present or
 * needed, is checked (RFC 9162 audit path to the root hash of a
 * checkpoint signed by that log's key); its signed entry timestamp, when
 * present or needed, is checked with that key.  An integrated time later
 * than now (+ a minute's skew) is refused.
 * *integrated_time gets the entry's integratedTime when a verified SET
 * vouches for it, else -1 (an inclusion proof does not sign the time;
 * Rekor v2 entries carry none).
 * SIGN_OK, SIGN_EFORMAT, or SIGN_EVERIFY saying why. */
int signp_rekor_verify(const signp_rekor_entry *e, const signp_trusted_root *r, unsigned need,
	int64_t now, int64_t *integrated_time, sign_error *err);

/* What the entry's body must record: the signature the caller verified,
 * the key or certificate it verified with, and what was signed. */
typedef struct signp_rekor_claim {
	X509 *cert;                  /* the signing certificate, or NULL */
	EVP_PKEY *key;               /* or the public key (when cert is NULL) */
	/* a message signature (hashedrekord): */
	const void *sig;             /* the signature bytes */
	size_t siglen;
	const char *digest_alg;      /* "sha256", "sha384", "sha512" */
	const unsigned char *digest; /* the artifact digest */
	size_t digestlen;
	/* or a DSSE envelope (dsse, intoto): */
	const signp_dsse *dsse;
} signp_rekor_claim;

/* Does the entry's canonicalized body (kind hashedrekord, dsse or intoto,
 * the versions Rekor v1 and v2 write) record exactly c?  SIGN_OK, or
 * SIGN_EVERIFY saying which part differs. */
int signp_rekor_body_check(const signp_rekor_entry *e, const signp_rekor_claim *c,
	sign_error *err);

/* The entry's log index and kind, for messages and output. */
int64_t signp_rekor_entry_index(const signp_rekor_entry *e);
const char *signp_rekor_entry_kind(const signp_rekor_entry *e);

#endif

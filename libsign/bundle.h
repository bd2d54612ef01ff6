/*
 * bundle.h - Sigstore bundles (media types v0.1, v0.2, v0.3): what they
 * hold, read from protobuf JSON and bounded.  Reading checks the form
 * only; sigstore_verify.c decides trust.  Internal.
 */
#ifndef SIGN_BUNDLE_H
#define SIGN_BUNDLE_H

#include "common.h"
#include "dsse.h"
#include "rekor.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

/* The most log entries and timestamps a bundle may carry. */
#define SIGNP_BUNDLE_MAX_ENTRIES 16u
#define SIGNP_BUNDLE_MAX_CERTS 10u
/* A bundle bigger than this is refused unread. */
#define SIGNP_BUNDLE_MAX_JSON (32u << 20)

typedef struct signp_bundle {
	int minor;                   /* 1, 2 or 3: version=0.<minor> */
	/* verification material: a certificate, or a public key's hint */
	X509 *cert;                  /* certificate, or x509CertificateChain's first */
	STACK_OF(X509) *chain;       /* the rest of x509CertificateChain, or NULL */
	int has_public_key;          /* publicKey: verified with a key of the caller */
	char *key_hint;              /* publicKey.hint, or NULL */
	signp_rekor_entry *tlog[SIGNP_BUNDLE_MAX_ENTRIES];
	size_t ntlog;
	sign_buf tsa[SIGNP_BUNDLE_MAX_ENTRIES];  /* rfc3161Timestamps[].signedTimestamp, DER */
	size_t ntsa;
	/* content: a message signature, or a DSSE envelope */
	signp_dsse *dsse;            /* NULL for a message signature */
	char digest_alg[16];         /* "sha256", "sha384", "sha512" */
	sign_buf digest;             /* messageDigest.digest */
	sign_buf sig;                /* messageSignature.signature */
} signp_bundle;

/* Read a bundle (outside input, at most len bytes).  SIGN_EFORMAT saying
 * what is wrong: unknown media type, no or two kinds of material or
 * content, an empty chain, bad base64, too many entries. */
int signp_bundle_parse(signp_bundle **out, const void *json, size_t len, sign_error *err);
void signp_bundle_free(signp_bundle *b);

/* The bytes a timestamp of b is over: the message signature, or the DSSE
 * envelope's (first) signature. */
const sign_buf *signp_bundle_signature(const signp_bundle *b);

#endif

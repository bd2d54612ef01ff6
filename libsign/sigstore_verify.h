/*
 * sigstore_verify.h - verifying a Sigstore bundle as the Sigstore client
 * specification says: the log entries and timestamps give the verified
 * times, the certificate chains to a Fulcio CA at each of them and names
 * the wanted identity (or the caller's key signed), the signature covers
 * the artifact, and every log entry records that signature.  Internal.
 */
#ifndef SIGN_SIGSTORE_VERIFY_H
#define SIGN_SIGSTORE_VERIFY_H

#include "bundle.h"
#include "fulcio.h"
#include "intoto.h"
#include "sigstore_root.h"

typedef struct signp_sigstore_policy {
	const signp_identity *identity; /* keyless: what the certificate must say; or NULL */
	EVP_PKEY *key;                  /* or the caller's key (a publicKey bundle) */
	/* the artifact, as its digest (sha256 for a DSSE bundle's subject) */
	const char *digest_alg;         /* "sha256", "sha384", "sha512" */
	const unsigned char *digest;
	size_t digestlen;
	int64_t now;                    /* unix seconds */
	int tlog_optional;              /* a bundle without a log entry may pass (cosign's
	                                 * own attached signatures with a key); else at least one */
} signp_sigstore_policy;

typedef struct signp_sigstore_result {
	int64_t signed_time;            /* earliest verified time; -1 when none */
	int64_t log_index;              /* first log entry's index; -1 when none */
	sign_buf san, issuer;           /* the certificate's identity (keyless) */
	signp_intoto *statement;        /* DSSE in-toto bundles: the statement (owned) */
} signp_sigstore_result;

/* SIGN_OK, or SIGN_EVERIFY / SIGN_EFORMAT saying which check failed.
 * res (may be NULL) is filled on success; release it with
 * signp_sigstore_result_dispose. */
int signp_sigstore_verify(signp_sigstore_result *res, const signp_bundle *b,
	const signp_trusted_root *r, const signp_sigstore_policy *p, sign_error *err);
void signp_sigstore_result_dispose(signp_sigstore_result *res);

/* The trusted root a command is given: the file at path, else the text
 * json (len bytes), else the embedded public-good root.  SIGN_EFORMAT,
 * SIGN_ENOTFOUND, SIGN_EIO saying which. */
int signp_sigstore_root_load(signp_trusted_root **out, const char *path, const char *json, size_t len,
	sign_error *err);

/* Verify sig over a digest already computed (alg "sha256", ...) with pub
 * (ECDSA, RSA PKCS#1 v1.5).  SIGN_OK or SIGN_EVERIFY. */
int signp_verify_prehashed(EVP_PKEY *pub, const char *alg, const unsigned char *digest,
	size_t digestlen, const void *sig, size_t siglen);

#endif

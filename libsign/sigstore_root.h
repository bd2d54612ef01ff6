/*
 * sigstore_root.h - a Sigstore trusted root (trusted_root.json, media type
 * application/vnd.dev.sigstore.trustedroot+json;version=0.1 and 0.2): the
 * Fulcio CAs, the transparency logs (Rekor), the CT logs and the timestamp
 * authorities a Sigstore verifier trusts, each with its validity period.
 * Internal.
 */
#ifndef SIGN_SIGSTORE_ROOT_H
#define SIGN_SIGSTORE_ROOT_H

#include "common.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

/* validFor.end absent: open-ended. */
#define SIGNP_TIME_OPEN INT64_MAX

/* A transparency log (Rekor) or a certificate transparency log. */
typedef struct signp_sig_log {
	unsigned char id[64];   /* logId.keyId, decoded (Rekor v1 and CT: SHA-256 of the SPKI) */
	size_t idlen;
	EVP_PKEY *key;          /* publicKey.rawBytes (SPKI DER) */
	int64_t start, end;     /* publicKey.validFor, unix seconds, both inclusive */
	char *base_url;         /* baseUrl, may be NULL */
	char *origin;           /* checkpoint origin (baseUrl without scheme), may be NULL */
} signp_sig_log;

/* A Fulcio certificate authority or a timestamp authority. */
typedef struct signp_sig_ca {
	X509 **certs;           /* certChain.certificates as listed: issuing first, root last */
	size_t ncerts;
	int64_t start, end;     /* validFor, both inclusive */
	char *uri;              /* may be NULL */
} signp_sig_ca;

typedef struct signp_trusted_root {
	signp_sig_log *tlogs;
	size_t ntlogs;
	signp_sig_log *ctlogs;
	size_t nctlogs;
	signp_sig_ca *cas;
	size_t ncas;
	signp_sig_ca *tsas;
	size_t ntsas;
} signp_trusted_root;

/* Read a trusted root (outside input, at most len bytes).  SIGN_EFORMAT
 * saying what is wrong (a log or CA without validFor.start is an error). */
int signp_trusted_root_parse(signp_trusted_root **out, const void *json, size_t len,
	sign_error *err);
void signp_trusted_root_free(signp_trusted_root *r);

/* The log of logs[0..n) whose id is id (exact bytes) and whose validity
 * includes t; NULL when none. */
const signp_sig_log *signp_sig_log_find(const signp_sig_log *logs, size_t n, const void *id,
	size_t idlen, int64_t t);

#endif

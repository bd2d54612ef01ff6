/*
 * dsse.h - DSSE envelopes (github.com/secure-systems-lab/dsse, v1.0), the
 * signed wrapper of in-toto attestations and of Sigstore bundles' DSSE
 * content: reading one, its pre-authentication encoding, and checking its
 * signatures with a key.  Internal.
 */
#ifndef SIGN_DSSE_H
#define SIGN_DSSE_H

#include "common.h"

#include <openssl/evp.h>

/* The most signatures an envelope may carry (cosign writes one). */
#define SIGNP_DSSE_MAX_SIGS 16u

typedef struct signp_dsse_sig {
	char keyid[256];        /* "" when absent */
	sign_buf sig;           /* decoded */
} signp_dsse_sig;

typedef struct signp_dsse {
	char *payload_type;
	sign_buf payload;       /* decoded */
	signp_dsse_sig sigs[SIGNP_DSSE_MAX_SIGS];
	size_t nsigs;
} signp_dsse;

/* Read an envelope (JSON, at most len bytes of outside input): payloadType
 * and payload (base64, standard or URL-safe) required, one to
 * SIGNP_DSSE_MAX_SIGS signatures.  SIGN_EFORMAT saying what is wrong. */
int signp_dsse_parse(signp_dsse **out, const void *json, size_t len, sign_error *err);
void signp_dsse_free(signp_dsse *e);

/* PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body,
 * lengths in ASCII decimal: the bytes a DSSE signature is made over. */
int signp_dsse_pae(sign_buf *out, const char *type, const void *body, size_t len);

/* Is one of e's signatures by pub, over PAE(payloadType, payload)?
 * SIGN_OK, or SIGN_EVERIFY saying so. */
int signp_dsse_verify(const signp_dsse *e, EVP_PKEY *pub, sign_error *err);

#endif

/*
 * tuf_local.h - what the TUF modules (tuf.c, tuf_key.c, tuf_sig.c,
 * tuf_root.c) share and nothing else uses.  Internal.
 */
#ifndef SIGN_TUF_LOCAL_H
#define SIGN_TUF_LOCAL_H

#include "tuf.h"

#include <openssl/x509.h>

/* Verification attempts per call: a hostile file could carry huge numbers
 * of bogus signatures under a listed key ID. */
#define TUF_MAX_SIG_ATTEMPTS SIGN_MAX_SIGNATURES
#define TUF_RSA_MIN_BITS 2048

/* tuf.c: integer value of an integer or integral real; 0 if not one. */
int signp_tuf_json_int64(const json_t *v, int64_t *out);
/* tuf.c: o[key] if it is a string, else NULL. */
const char *signp_tuf_obj_str(const json_t *o, const char *key);

/* tuf_key.c: is k a key of that OpenSSL type name ("EC", "RSA", ...)? */
int signp_tuf_pkey_is(const EVP_PKEY *k, const char *name);
/* tuf_key.c: refuse an RSA key under TUF_RSA_MIN_BITS (SIGN_EVERIFY). */
int signp_tuf_check_rsa_size(EVP_PKEY *k, sign_error *err);
/* tuf_key.c: first certificate of a PEM text, or NULL. */
X509 *signp_tuf_pem_first_cert(const void *pem, size_t len);

/* tuf_sig.c: count the distinct public keys among keyids that made a
 * valid signature of f: a key listed under several key IDs (its point in
 * another encoding, a certificate over it, two certificates) counts once,
 * by its canonical ID.  *dups (may be NULL) gets the number of valid
 * signatures dropped as made by a key already counted.  Negative code on
 * internal failure. */
int signp_tuf_count_valid_ex(const signp_tuf_file *f, const json_t *keys, const json_t *keyids,
	int *dups, sign_error *err);
/* tuf_sig.c: why a threshold was missed, when signatures were dropped as
 * made by a key already counted ("" when none was); written into buf. */
const char *signp_tuf_dup_note(char *buf, size_t size, int dups);

#endif

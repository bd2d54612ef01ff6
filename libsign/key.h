/*
 * key.h - private and public keys, key files, root certificates, and the
 * key store in the home folder.  Internal.
 */
#ifndef SIGN_KEY_H
#define SIGN_KEY_H

#include "common.h"
#include <openssl/evp.h>

typedef struct signp_key {
	EVP_PKEY *pkey;     /* owned; private or public */
	int is_private;
	char role[64];      /* from the file's role: header, or "" */
	char gun[512];      /* from the file's gun: header, or "" */
	char id[65];        /* canonical key ID (notary: ID of the plain ecdsa/rsa/ed25519 key) */
} signp_key;

/* New ECDSA P-256 private key. */
int signp_key_generate(signp_key **out, sign_error *err);
/* Wrap an EVP_PKEY (stolen on success) and compute its canonical ID. */
int signp_key_wrap(signp_key **out, EVP_PKEY *pkey, int is_private, sign_error *err);
void signp_key_free(signp_key *k);

/* DER SubjectPublicKeyInfo in one canonical encoding: an EC key on its
 * named curve with its point uncompressed, whatever form it was read in
 * (a compressed point, explicit curve parameters).  One public key gives
 * one byte string, hence one canonical ID. */
int signp_key_spki_der(sign_buf *out, EVP_PKEY *pkey, sign_error *err);
/* A public key from SubjectPublicKeyInfo DER, all bytes used; NULL if it
 * does not parse.  P-256 keys take a direct path (no OpenSSL decoder). */
EVP_PKEY *signp_pubkey_from_spki(const void *der, size_t len);
/* Make OpenSSL do, ahead, the one-time work of a process's first P-256
 * signature check (its name map and the fetch of the EC key manager, ECDSA
 * and SHA-256: about 3.5 million instructions), so that it can run while a
 * request is in flight (signp_registry_add_idle).  No effect on results. */
void signp_crypto_warm(void);
/* PEM "PUBLIC KEY". */
int signp_key_public_pem(sign_buf *out, EVP_PKEY *pkey, sign_error *err);
/* Canonical key ID: notary's TUF key ID of the plain key
 * ({"keytype":"ecdsa"|"rsa"|"ed25519","keyval":{"private":null,"public":b64(SPKI DER | raw ed25519)}}),
 * the SPKI in signp_key_spki_der's canonical encoding.  Two keys have the
 * same canonical ID exactly when they are the same public key, however
 * they were encoded: the identity thresholds count. */
int signp_key_canonical_id(char out[65], EVP_PKEY *pkey, sign_error *err);

/*
 * Parse a key file.  Recognised: "ENCRYPTED SIGSTORE PRIVATE KEY" and
 * "ENCRYPTED COSIGN PRIVATE KEY" (scrypt + secretbox, PKCS#8 inside),
 * "ENCRYPTED PRIVATE KEY" (PKCS#8 PBES2, notary/DCT, with role:/gun:
 * headers), "PRIVATE KEY", "EC PRIVATE KEY", "PUBLIC KEY", "CERTIFICATE"
 * (public key of the certificate).  PEM headers role: and gun: fill
 * k->role and k->gun.  pass may be NULL for unencrypted files; an encrypted
 * file then gives SIGN_EPASSPHRASE, and so does a wrong passphrase.
 */
int signp_key_parse(signp_key **out, const void *data, size_t len, const char *pass,
	size_t passlen, sign_error *err);
/* The key in a file the caller names (a --key PUB): read as another
 * tool's file (bounded, a link followed), parsed unencrypted; errors say
 * "reading --key PATH: ...". */
int signp_key_read_named(signp_key **out, const char *path, sign_error *err);
/* Non-zero if the data is an encrypted private key file. */
int signp_key_data_encrypted(const void *data, size_t len);
/* Read the role:/gun: PEM headers without decrypting (either may be ""). */
int signp_key_read_headers(char role[64], char gun[512], const void *data, size_t len);

/* cosign's encrypted format (scrypt N=65536 r=8 p=1, NaCl secretbox, PKCS#8
 * DER inside), PEM "ENCRYPTED SIGSTORE PRIVATE KEY", with gun:/role:
 * headers (Go pem order) when k->gun / k->role are set. */
int signp_key_write_cosign(sign_buf *out, const signp_key *k, const char *pass, size_t passlen,
	sign_error *err);
/* Notary / DCT format: "ENCRYPTED PRIVATE KEY", PBES2 with PBKDF2-SHA1
 * (2048 iterations, 8-byte salt) and AES-256-CBC, gun:/role: headers. */
int signp_key_write_pkcs8(sign_buf *out, const signp_key *k, const char *pass, size_t passlen,
	sign_error *err);

/* Self-signed root certificate with CN = gun, as notary makes it
 * (reference/notary-tuf.md §2), PEM encoded exactly as Go does.
 * not_before: unix seconds; days: validity (3650 by default). */
int signp_key_root_cert(sign_buf *pem_out, const signp_key *k, const char *gun, int64_t not_before,
	int days, sign_error *err);
/* Public key of a PEM certificate (first one), its CN and notAfter. */
int signp_cert_parse(EVP_PKEY **pub_out, char cn[256], int64_t *not_before, int64_t *not_after,
	const void *pem, size_t len, sign_error *err);

/* cosign signatures: ECDSA (DER) over SHA-256 of msg. */
int signp_key_sign_der(sign_buf *sig_out, const signp_key *k, const void *msg, size_t len,
	sign_error *err);
/* SIGN_OK or SIGN_EVERIFY.  ECDSA DER, or RSA PKCS#1 v1.5, SHA-256. */
int signp_pkey_verify_der(EVP_PKEY *pub, const void *msg, size_t len, const void *sig,
	size_t siglen);

/* ---- key store: <home>/private/<canonical id>.key, 0600 in 0700 ---- */

typedef struct signp_keyinfo {
	char id[65];
	char role[64];
	char gun[512];
	char path[4096];
} signp_keyinfo;

/* Save k encrypted (cosign format) with its role and gun.  Atomic. */
int signp_keystore_save(const char *home, const signp_key *k, const char *pass, size_t passlen,
	sign_error *err);
/* Save a file's bytes as they are (import of an already encrypted file). */
int signp_keystore_save_raw(const char *home, const char *id, const void *data, size_t len,
	sign_error *err);
/* All keys, read from headers only (no passphrase).  Free with free(). */
int signp_keystore_list(signp_keyinfo **out, size_t *n, const char *home, sign_error *err);
/* First key with that role and gun (gun NULL: any).  SIGN_ENOTFOUND. */
int signp_keystore_find(signp_keyinfo *out, const char *home, const char *role, const char *gun,
	sign_error *err);
int signp_keystore_info(signp_keyinfo *out, const char *home, const char *keyid, sign_error *err);
/* Load and decrypt; refuses a file readable by group/others. */
int signp_keystore_load(signp_key **out, const char *home, const char *keyid, const char *pass,
	size_t passlen, sign_error *err);
/* The public key kept beside a private key (<id>.pub), checked against
 * its ID.  SIGN_ENOTFOUND when there is none (older homes). */
int signp_keystore_public(signp_key **out, const char *home, const char *keyid, sign_error *err);
int signp_keystore_remove(const char *home, const char *keyid, sign_error *err);

#endif

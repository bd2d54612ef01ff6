/*
 * key_pem.h - PEM framing of key files and certificates (Go encoding/pem
 * compatible, with the role:/gun:/path: headers notary and cosign write).
 * Internal to the key modules (key.c, key_file.c, key_cert.c).
 */
#ifndef SIGN_KEY_PEM_H
#define SIGN_KEY_PEM_H

#include "common.h"

#define LABEL_SIGSTORE "ENCRYPTED SIGSTORE PRIVATE KEY"
#define LABEL_COSIGN   "ENCRYPTED COSIGN PRIVATE KEY"
#define LABEL_PKCS8ENC "ENCRYPTED PRIVATE KEY"
#define LABEL_PKCS8    "PRIVATE KEY"
#define LABEL_EC       "EC PRIVATE KEY"
#define LABEL_RSA      "RSA PRIVATE KEY"
#define LABEL_PUBLIC   "PUBLIC KEY"
#define LABEL_CERT     "CERTIFICATE"

typedef struct signp_pem_block {
	char label[64];
	char role[64];
	char gun[512];
	int proc_encrypted; /* legacy "Proc-Type: 4,ENCRYPTED" */
	sign_buf der;
} signp_pem_block;

/* Wipe and free the block's DER. */
void signp_pem_block_dispose(signp_pem_block *b);
/*
 * Find the first PEM block (whose label is `want`, if non-NULL) and decode
 * it.  Headers role:/gun: and Proc-Type are recorded.  If decode is zero
 * only the label and headers are read.
 */
int signp_pem_parse(signp_pem_block *out, const void *data, size_t len, const char *want, int decode,
	sign_error *err);
/* Go pem.EncodeToMemory: headers sorted (gun < path < role), blank line,
 * 64 columns.  path: notary's key export writes the key's file name there
 * (the key ID), which `notary key import` needs for an encrypted key. */
int signp_pem_write(sign_buf *out, const char *label, const char *gun, const char *path,
	const char *role, const void *der, size_t len, sign_error *err);

#endif

/*
 * pinning.h - the trust pinning rules that decide which roots a GUN may
 * have (see pinning.c).  Internal.
 */
#ifndef SIGN_PINNING_H
#define SIGN_PINNING_H

#include "common.h"
#include "ctx.h"
#include "tuf.h"

#define SIGNP_PIN_MAX_KEYS 16
#define SIGN_MAX_CA_BUNDLE (1u << 20)

/* A pin names root keys in one of three ways.  None of them is met by a key
 * ID written in a root: every key a root lists is parsed from its bytes, its
 * IDs are recomputed, and the root must carry a valid signature by the
 * pinned key itself (signp_pin_check_root). */
typedef struct signp_pin {
	EVP_PKEY *keys[SIGNP_PIN_MAX_KEYS]; /* --root-key, `sign trust pin`: compared as keys */
	size_t nkeys;
	json_t *keyids;        /* config.json certs: key IDs (canonical or the certificate's
	                        * TUF ID), compared with IDs recomputed from the key bytes */
	char ca_file[4096];    /* or: a root certificate with CN = GUN must chain to this CA */
	sign_buf ca_pem;       /* that CA bundle's bytes */
	int disable_tofu;      /* no pin and nothing cached: refuse */
	char rule[256];        /* which rule applies, for messages and `trust show` */
} signp_pin;

int signp_pin_resolve(signp_pin *out, sign_ctx *ctx, const char *gun,
	const char *const *root_key_files, sign_error *err);
/* The same, with a caller's CA file (sign_verify_options.root_ca) pinning
 * beside root_key_files: either meets the pin, and config.json's rules
 * are not consulted (its disable_tofu still is). */
int signp_pin_resolve_ca(signp_pin *out, sign_ctx *ctx, const char *gun,
	const char *const *root_key_files, const char *root_ca, sign_error *err);
void signp_pin_dispose(signp_pin *p);
/* Is any pin (keys, key IDs or CA) set? */
int signp_pin_active(const signp_pin *p);
/* Does root meet the pin?  SIGN_OK when one of root's root-role keys is a
 * pinned key (by key, by recomputed ID, or a certificate for gun chaining
 * to the pinned CA at now) AND root carries a valid signature by that key;
 * SIGN_EVERIFY saying which part failed otherwise. */
int signp_pin_check_root(const signp_pin *p, const signp_tuf_file *root, const char *gun,
	int64_t now, sign_error *err);

#endif

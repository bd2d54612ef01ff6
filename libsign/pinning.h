/*
 * pinning.h - the trust pinning rules that decide which roots a GUN may
 * have (see pinning.c).  Internal.
 */
#ifndef SIGN_PINNING_H
#define SIGN_PINNING_H

#include "common.h"
#include "ctx.h"
#include "tuf.h"

typedef struct signp_pin {
	json_t *keyids;        /* pinned root key IDs (canonical or cert TUF IDs) */
	char ca_file[4096];    /* or: root certificates must chain to this CA bundle */
	int disable_tofu;      /* no pin and nothing cached: refuse */
	char rule[256];        /* which rule applies, for messages and `trust show` */
} signp_pin;

int signp_pin_resolve(signp_pin *out, sign_ctx *ctx, const char *gun,
	const char *const *root_key_files, sign_error *err);
void signp_pin_dispose(signp_pin *p);
/* Is any pin (key IDs or CA) set? */
int signp_pin_active(const signp_pin *p);
/* Is one of root's root-role keys pinned (by ID, or chaining to the CA)? */
int signp_pin_root_matches(const signp_pin *p, const signp_tuf_file *root, int64_t now);

#endif

/*
 * gun_keys.h - the keys a GUN's publisher holds, the per-GUN lock, and
 * root version 1 of a new GUN.  Internal.
 */
#ifndef SIGN_GUN_KEYS_H
#define SIGN_GUN_KEYS_H

#include "common.h"
#include "ctx.h"
#include "key.h"
#include "trust.h"

/* The keys a GUN's publisher holds (any may be NULL). */
typedef struct signp_gun_keys {
	signp_key *targets;
	signp_key *snapshot;
	signp_key *timestamp;
} signp_gun_keys;

void signp_gun_keys_free(signp_gun_keys *k);
/* Load (and for a new GUN, create: create != 0) the keys this home holds:
 * the repository key, and the snapshot and timestamp keys unless the
 * server holds them (server_ts: a Notary server always holds the
 * timestamp key, and the snapshot key too unless local_snapshot).  With
 * timestamp_only, just the timestamp key (sign trust refresh). */
int signp_gun_keys_get(signp_gun_keys *k, int *created, sign_ctx *ctx, const char *gun, int create,
	int timestamp_only, int server_ts, int local_snapshot, sign_error *err);

/* A new key for role (and gun), saved with its role's passphrase. */
int signp_new_role_key(signp_key **out, sign_ctx *ctx, const char *role, const char *gun,
	sign_error *err);

/* One writer per GUN and home: an exclusive lock on trust/<gun>/.lock. */
int signp_lock_gun(int *fd_out, sign_ctx *ctx, const char *gun, sign_error *err);
void signp_unlock_gun(int fd);

/* Root v1 for a new GUN: the home's root key (root_keyid, or the home's
 * first; created when the home has none: *created_root) certified for
 * this GUN; the snapshot and timestamp keys are k's, or the server's
 * (remembered in the home). */
/* The root keys of this home that root lists, loaded as signers under the
 * root's key IDs (signers[i].keyid borrows from root; held[i] owns the
 * key: free each), each public key once (a second ID or certificate over
 * one key adds no signature that counts); at most max.  *n may be 0: the
 * caller says what that means. */
int signp_root_signers(signp_tuf_signer *signers, signp_key **held, size_t max, size_t *n,
	sign_ctx *ctx, const signp_tuf_file *root, sign_error *err);

int signp_build_root_v1(sign_buf *wire, int *created_root, sign_ctx *ctx, signp_trust_backend *be,
	const char *gun, const signp_gun_keys *k, const char *root_keyid, sign_error *err);

#endif

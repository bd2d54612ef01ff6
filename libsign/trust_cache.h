/*
 * trust_cache.h - the home's cache of verified trust metadata, the root
 * memo, and the cache as a trust backend (--offline).  Internal.
 */
#ifndef SIGN_TRUST_CACHE_H
#define SIGN_TRUST_CACHE_H

#include "common.h"
#include "ctx.h"
#include "trust_backend.h"
#include "tuf.h"

/* The cached copy of role (parsed, not verified); SIGN_ENOTFOUND etc. */
int signp_trust_cache_load(signp_tuf_file **out, sign_ctx *ctx, const char *gun, const char *role);
/* The cached copy's bytes, unparsed. */
int signp_trust_cache_read(sign_buf *out, sign_ctx *ctx, const char *gun, const char *role);
/* Cache f (unless the cached copy has the same bytes). */
int signp_trust_cache_store(sign_ctx *ctx, const char *gun, const signp_tuf_file *f, sign_error *err);
/* Remove a role's cached copy that failed its checks (logged). */
void signp_trust_cache_drop(sign_ctx *ctx, const char *gun, const char *role);

/* The verified targets index of gun (metadata/targets.index), and the
 * home's index key (cache/index.key, made on first use) into key
 * (SIGNP_TINDEX_KEY_BYTES of sodium_malloc memory).  Storing or dropping
 * a targets or delegation file removes the index first: an index exists
 * only beside the very files it was built from. */
int signp_trust_cache_index_path(sign_buf *out, sign_ctx *ctx, const char *gun, sign_error *err);
int signp_trust_cache_index_key(unsigned char *key, sign_ctx *ctx, sign_error *err);
void signp_trust_cache_index_drop(sign_ctx *ctx, const char *gun);

/* Does the root memo hold for root at now (the root passed every check
 * and its certificates are in their validity span)? */
int signp_trust_root_memo_ok(sign_ctx *ctx, const char *gun, const signp_tuf_file *root, int64_t now);
/* Write the memo for root (which passed every check). */
int signp_trust_root_memo_store(sign_ctx *ctx, const char *gun, const signp_tuf_file *root,
	int64_t now, sign_error *err);

/* The cache as a trust backend: refresh does nothing, fetch reads the
 * cached copies (read[]: the top roles already read, handed out as they
 * are; the others from their files).  gun and read[] are borrowed. */
int signp_trust_backend_cache(signp_trust_backend **out, sign_ctx *ctx, const char *gun,
	const signp_tuf_file *const read[4], sign_error *err);

#endif

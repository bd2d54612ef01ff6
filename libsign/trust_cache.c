/*
 * trust_cache.c - the home's cache of a GUN's verified trust metadata
 * (<home>/trust/<gun>/metadata/<role>.json), the root memo
 * (metadata/root.checked), and the cache as a trust backend for --offline.
 */
#include "trust_cache.h"
#include "targets_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

static int cache_path(sign_buf *out, sign_ctx *ctx, const char *gun, const char *role, int mk,
	sign_error *err)
{
	sign_buf file = SIGN_BUF_INIT;
	int r;
	if (signp_buf_printf(&file, "metadata/%s.json", role) != SIGN_OK)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	if (mk) {
		/* delegation names hold '/': make their folders */
		sign_buf dir = SIGN_BUF_INIT;
		char *slash;
		r = signp_ctx_gun_path(&dir, ctx, gun, file.ptr, 0, err);
		if (r == SIGN_OK && (slash = strrchr(dir.ptr, '/')) != NULL) {
			*slash = '\0';
			r = signp_mkdirs(dir.ptr, 0700, err);
		}
		sign_buf_dispose(&dir);
		if (r != SIGN_OK) {
			sign_buf_dispose(&file);
			return r;
		}
	}
	r = signp_ctx_gun_path(out, ctx, gun, file.ptr, 0, err);
	sign_buf_dispose(&file);
	return r;
}

int signp_trust_cache_load(signp_tuf_file **out, sign_ctx *ctx, const char *gun, const char *role)
{
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	int r;
	*out = NULL;
	if ((r = cache_path(&path, ctx, gun, role, 0, NULL)) == SIGN_OK &&
	    (r = signp_read_file(&data, path.ptr, SIGN_MAX_METADATA, NULL)) == SIGN_OK)
		r = signp_tuf_parse(out, role, data.ptr, data.size, NULL);
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	return r;
}

int signp_trust_cache_read(sign_buf *out, sign_ctx *ctx, const char *gun, const char *role)
{
	sign_buf path = SIGN_BUF_INIT;
	int r;
	if ((r = cache_path(&path, ctx, gun, role, 0, NULL)) == SIGN_OK)
		r = signp_read_file(out, path.ptr, SIGN_MAX_METADATA, NULL);
	sign_buf_dispose(&path);
	return r;
}

int signp_trust_cache_store(sign_ctx *ctx, const char *gun, const signp_tuf_file *f, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	int r;
	/* a warm verify writes nothing (and makes no folder): skip files that
	 * did not change (compared a piece at a time: a 9 MB targets file is
	 * not read whole beside the one in memory) */
	if ((r = cache_path(&path, ctx, gun, f->role, 0, err)) == SIGN_OK &&
	    !signp_file_equals(path.ptr, f->bytes, f->len)) {
		signp_buf_clear(&path);
		if (signp_str_has_prefix(f->role, "targets"))
			signp_trust_cache_index_drop(ctx, gun);
		if ((r = cache_path(&path, ctx, gun, f->role, 1, err)) == SIGN_OK)
			r = signp_write_file_atomic(path.ptr, f->bytes, f->len, 0600, err);
	}
	sign_buf_dispose(&path);
	return r;
}

/* Remove a role's cached copy that failed its checks, so that nothing
 * later trusts it. */
void signp_trust_cache_drop(sign_ctx *ctx, const char *gun, const char *role)
{
	sign_buf path = SIGN_BUF_INIT;
	if (signp_str_has_prefix(role, "targets"))
		signp_trust_cache_index_drop(ctx, gun);
	if (cache_path(&path, ctx, gun, role, 0, NULL) == SIGN_OK && unlink(path.ptr) == 0)
		signp_ctx_log(ctx, SIGN_LOG_WARN, "dropped the cached %s of %s: it failed its checks",
			role, gun);
	sign_buf_dispose(&path);
}

int signp_trust_cache_index_path(sign_buf *out, sign_ctx *ctx, const char *gun, sign_error *err)
{
	return signp_ctx_gun_path(out, ctx, gun, "metadata/targets.index", 0, err);
}

void signp_trust_cache_index_drop(sign_ctx *ctx, const char *gun)
{
	sign_buf path = SIGN_BUF_INIT;
	if (signp_trust_cache_index_path(&path, ctx, gun, NULL) == SIGN_OK)
		(void)unlink(path.ptr);
	sign_buf_dispose(&path);
}

int signp_trust_cache_index_key(unsigned char *key, sign_ctx *ctx, sign_error *err)
{
	sign_buf dir = SIGN_BUF_INIT, path = SIGN_BUF_INIT;
	int r;
	if (signp_ctx_path(&dir, ctx, "cache") != SIGN_OK || signp_ctx_path(&path, ctx, "cache/index.key") != SIGN_OK)
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
	else if ((r = signp_mkdirs(dir.ptr, 0700, err)) == SIGN_OK)
		r = signp_tindex_key(key, path.ptr, err);
	sign_buf_dispose(&dir);
	sign_buf_dispose(&path);
	return r;
}

/* The cache as a trust backend, for --offline: each cached file is then
 * read through the very code, and passes the very checks, of a fetched one
 * (hashes against the cached parents, signatures, thresholds, expiry). */
typedef struct cache_backend {
	signp_trust_backend be;
	sign_ctx *ctx;
	const char *gun;
	const signp_tuf_file *read[4]; /* the top roles, already read (cached_load) */
} cache_backend;

static int cache_be_refresh(signp_trust_backend *be, sign_error *err)
{
	(void)be;
	(void)err;
	return SIGN_OK;
}

static int cache_be_fetch(signp_trust_backend *be, const char *role, int64_t version,
	const char *sha256_hex, size_t max, sign_buf *out, sign_error *err)
{
	cache_backend *c = (cache_backend *)be;
	sign_buf path = SIGN_BUF_INIT;
	int r;
	(void)sha256_hex;
	(void)max; /* a cached file larger than its parent says fails the hash check */
	if (version > 0) /* the cache keeps the current root only */
		return signp_err(err, SIGN_ENOTFOUND, "root version %lld is not cached",
			(long long)version);
	for (size_t i = 0; i < 4; i++)
		if (c->read[i] != NULL && strcmp(c->read[i]->role, role) == 0)
			return signp_buf_put(out, c->read[i]->bytes, c->read[i]->len) == SIGN_OK ?
				SIGN_OK : signp_err(err, SIGN_ENOMEM, "out of memory");
	if ((r = cache_path(&path, c->ctx, c->gun, role, 0, err)) == SIGN_OK &&
	    (r = signp_read_file(out, path.ptr, SIGN_MAX_METADATA, NULL)) != SIGN_OK)
		r = r == SIGN_ENOTFOUND ? signp_err(err, r, "not cached") :
			signp_err(err, r, "reading the cached copy %s failed", path.ptr);
	sign_buf_dispose(&path);
	return r;
}

static void cache_be_free(signp_trust_backend *be)
{
	free(be);
}

int signp_trust_backend_cache(signp_trust_backend **out, sign_ctx *ctx, const char *gun,
	const signp_tuf_file *const read[4], sign_error *err)
{
	cache_backend *c = calloc(1, sizeof(*c));
	*out = NULL;
	if (c == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	for (size_t i = 0; i < 4; i++)
		c->read[i] = read[i];
	c->be.refresh = cache_be_refresh;
	c->be.fetch = cache_be_fetch;
	c->be.free = cache_be_free;
	c->be.name = "cache";
	c->ctx = ctx;
	c->gun = gun;
	*out = &c->be;
	return SIGN_OK;
}

/* The root memo, metadata/root.checked: "v2 <sha256 of root.json> <latest
 * notBefore> <earliest notAfter>" of the cached root, written once that root
 * passed every check.  While the served root is byte-identical to it and the
 * certificates are in their validity span, the root needs no re-check (its
 * certificates are not parsed again: the costliest step of a warm verify). */
/* The memo names the rules it was checked under: a memo written by an
 * older verifier (which, say, counted key IDs rather than keys, issue 11)
 * does not hold, so every role is checked again once under today's rules. */
#define ROOT_MEMO_TAG "v2"

static int root_memo_path(sign_buf *out, sign_ctx *ctx, const char *gun)
{
	return signp_ctx_gun_path(out, ctx, gun, "metadata/root.checked", 0, NULL);
}

int signp_trust_root_memo_ok(sign_ctx *ctx, const char *gun, const signp_tuf_file *root, int64_t now)
{
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	unsigned char h[32];
	char hex[65], want[65];
	long long nb = 0, na = 0;
	int ok = 0;
	if (root != NULL && root_memo_path(&path, ctx, gun) == SIGN_OK &&
	    signp_read_file(&data, path.ptr, 256, NULL) == SIGN_OK &&
	    sscanf(data.ptr, ROOT_MEMO_TAG " %64s %lld %lld", want, &nb, &na) == 3) {
		signp_sha256(h, root->bytes, root->len);
		signp_hex(hex, h, 32);
		ok = sodium_memcmp(hex, want, 64) == 0 && strlen(want) == 64 &&
		     now <= (int64_t)na && (int64_t)nb <= now + 86400;
	}
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	return ok;
}

int signp_trust_root_memo_store(sign_ctx *ctx, const char *gun, const signp_tuf_file *root,
	int64_t now, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT, line = SIGN_BUF_INIT;
	unsigned char h[32];
	char hex[65];
	int64_t nb, na;
	int r = SIGN_OK;
	if (signp_trust_root_memo_ok(ctx, gun, root, now) ||
	    signp_tuf_root_cert_window(root, &nb, &na) != SIGN_OK)
		return SIGN_OK;
	signp_sha256(h, root->bytes, root->len);
	signp_hex(hex, h, 32);
	if (root_memo_path(&path, ctx, gun) != SIGN_OK ||
	    signp_buf_printf(&line, ROOT_MEMO_TAG " %s %lld %lld\n", hex, (long long)nb, (long long)na) != SIGN_OK)
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
	else
		r = signp_write_file_atomic(path.ptr, line.ptr, line.size, 0600, err);
	sign_buf_dispose(&path);
	sign_buf_dispose(&line);
	return r;
}

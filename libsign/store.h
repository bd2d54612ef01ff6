/*
 * store.h - where images live: an OCI registry repository or an OCI layout
 * folder, behind one interface.  Internal.
 */
#ifndef SIGN_STORE_H
#define SIGN_STORE_H

#include "common.h"
#include "ctx.h"
#include "ref.h"

/* An image store (opaque).  Each implementation fills a table of
 * functions (store_backend.h): store_registry.c over a registry
 * repository, store_oci.c over a layout folder. */
typedef struct signp_store signp_store;

/* What a store can do (signp_store_caps). */
/* It makes network requests: work can be queued to run while one is out
 * (signp_store_add_idle), and verified blobs are cached in the home. */
#define SIGNP_STORE_CAP_NET 0x1u

/* A registry repository (ref->host, ref->path) or, for oci: references, the
 * layout folder (with create, a new one is made). */
int signp_store_open(signp_store **out, sign_ctx *ctx, const signp_ref *ref, int create,
	sign_error *err);
/* The same registry repository over a registry handle of its own (a
 * connection of its own: signp_ctx_registry_own), for a worker thread of
 * a batch; the blob cache is the home's, whose folder the context's store
 * made.  Not for layouts. */
int signp_store_open_own(signp_store **out, sign_ctx *ctx, const signp_ref *ref, sign_error *err);
/* Requests made over that handle (0 for other stores); and connections. */
long signp_store_own_requests(const signp_store *s);
void signp_store_own_counters(const signp_store *s, long *requests, long *connections);
void signp_store_free(signp_store *s);
/* SIGNP_STORE_CAP_* of s. */
unsigned int signp_store_caps(const signp_store *s);
/* What s is, for messages: "registry" or "oci". */
const char *signp_store_kind(const signp_store *s);
/* What a message calls s: "registry" or "layout". */
const char *signp_store_noun(const signp_store *s);

/* ref: tag or digest.  digest_out = sha256 of the body. */
int signp_store_get_manifest(signp_store *s, const char *ref, size_t max, sign_buf *body,
	char media_type[256], char digest_out[80], sign_error *err);
/* Registry stores: send the HEAD of ref now, for signp_store_resolve to
 * collect (signp_registry_head_manifest_start).  No-op for a layout. */
void signp_store_resolve_ahead(signp_store *s, const char *ref);
/* Forget it if it was not collected (end of the operation that sent it). */
void signp_store_resolve_ahead_cancel(signp_store *s);
/* signp_registry_add_idle / drop_idle on a registry store; a layout makes
 * no request: add_idle gives SIGN_ERROR. */
int signp_store_add_idle(signp_store *s, void (*fn)(void *), void *arg);
void signp_store_drop_idle(signp_store *s, void (*fn)(void *), void *arg);
int signp_store_resolve(signp_store *s, const char *ref, char digest_out[80],
	char media_type[256], uint64_t *size, sign_error *err);
/* The manifest ref names, fetched (GET, never HEAD) and hashed: digest_out
 * is the sha256 of the bytes received, never a registry header, and is
 * what anything that signs must use.  size is their length; body (may be
 * NULL) gets them.  A Docker-Content-Digest naming another digest than the
 * content's fails (SIGN_EVERIFY, from the registry layer, naming both). */
int signp_store_resolve_content(signp_store *s, const char *ref, char digest_out[80],
	char media_type[256], uint64_t *size, sign_buf *body, sign_error *err);
/* tag may be NULL (by digest only). */
int signp_store_put_manifest(signp_store *s, const char *tag, const void *body, size_t len,
	const char *media_type, char digest_out[80], sign_error *err);
/* Cached by digest when the store has a blob cache. */
int signp_store_get_blob(signp_store *s, const char *digest, size_t max, sign_buf *out,
	sign_error *err);
int signp_store_put_blob(signp_store *s, const void *data, size_t len, char digest_out[80],
	sign_error *err);
/* The same, kept out of the blob cache unless cache (a blob the caller
 * keeps a copy of elsewhere: the trust cache's targets files). */
int signp_store_get_blob_ex(signp_store *s, const char *digest, size_t max, int cache,
	sign_buf *out, sign_error *err);
/* signp_store_put_blob_ex's flags.  SIGNP_BLOB_CACHE: keep a copy in the
 * blob cache (what signp_store_put_blob does).  SIGNP_BLOB_NEW: the blob is
 * almost surely not in the store yet (a new signature's blobs): a
 * registry store uploads it without asking first (no HEAD; uploading a
 * blob it has is harmless); a layout writes it as it writes any blob. */
#define SIGNP_BLOB_CACHE 0x1u
#define SIGNP_BLOB_NEW   0x2u
int signp_store_put_blob_ex(signp_store *s, const void *data, size_t len, unsigned int flags,
	char digest_out[80], sign_error *err);
/* Copy the blob digest (size bytes) from src to dst: streamed from the
 * file when src keeps blobs in files and dst uploads files, else read
 * whole and written. */
int signp_store_copy_blob(signp_store *src, signp_store *dst, const char *digest, uint64_t size,
	sign_error *err);
/* The OCI 1.1 referrers of digest as an image index: the referrers API,
 * else the tag schema fallback (tag sha256-<hex>).  SIGN_ENOTFOUND when
 * neither has any. */
int signp_store_referrers(signp_store *s, const char *digest, sign_buf *index_json,
	sign_error *err);
/* The most referrers a walk reads (as notation's --max-signatures). */
#define SIGNP_STORE_MAX_REFERRERS 100u
/* Walk the referrers of digest (signp_store_referrers), the first max of
 * them: each manifest is fetched by its digest and given to fn with it
 * (one that cannot be fetched is skipped).  The walk stops when fn returns
 * nonzero, which is then returned; 0 when it ran to the end or there are
 * no referrers. */
int signp_store_referrers_each(signp_store *s, const char *digest, size_t max,
	int (*fn)(void *arg, const sign_buf *manifest, const char *mdigest), void *arg);
/* List the referrer manifest mdigest (msize bytes, of artifact_type) in
 * the tag schema's fallback index of digest (tag sha256-<hex>), for
 * registries without the referrers API; a missing or unreadable index is
 * started anew. */
int signp_store_referrers_tag_add(signp_store *s, const char *digest, const char *mdigest,
	uint64_t msize, const char *artifact_type, sign_error *err);
/* The registry's tags list of the repository, {"name","tags"} JSON of at
 * most max bytes (the pages followed); SIGN_EINVAL for a layout. */
int signp_store_tags(signp_store *s, size_t max, sign_buf *json_out, sign_error *err);
/* Remove a tag: from a layout's index, or (registries) delete the
 * manifest it points to, by digest. */
int signp_store_untag(signp_store *s, const char *tag, sign_error *err);

#endif

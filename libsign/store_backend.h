/*
 * store_backend.h - what an image store implementation provides: a table
 * of functions (store.c dispatches to it, adding what every store shares:
 * the verified blob cache, resolve_content, the referrers tag schema).
 * Only store.c and the implementations include this.  Internal.
 */
#ifndef SIGN_STORE_BACKEND_H
#define SIGN_STORE_BACKEND_H

#include "common.h"
#include "registry.h"
#include "store.h"

typedef struct signp_store_backend signp_store_backend;

struct signp_store_backend {
	/* What the store does (SIGNP_STORE_CAP_*). */
	unsigned int caps;
	/* What it is, for messages: "registry", "oci". */
	const char *kind;
	/* What prose calls it: "the registry", "the layout". */
	const char *noun;
	/* The operations of store.h, on this store. */
	int (*get_manifest)(signp_store_backend *b, const char *ref, size_t max, sign_buf *body,
		char media_type[256], char digest_out[80], sign_error *err);
	int (*resolve)(signp_store_backend *b, const char *ref, char digest_out[80],
		char media_type[256], uint64_t *size, sign_error *err);
	int (*put_manifest)(signp_store_backend *b, const char *tag, const void *body, size_t len,
		const char *media_type, char digest_out[80], sign_error *err);
	int (*get_blob)(signp_store_backend *b, const char *digest, size_t max, sign_buf *out,
		sign_error *err);
	/* digest_out gets the sha256 of data. */
	int (*put_blob)(signp_store_backend *b, const void *data, size_t len, char digest_out[80],
		sign_error *err);
	int (*untag)(signp_store_backend *b, const char *tag, sign_error *err);
	void (*free)(signp_store_backend *b);
	/* Optional (NULL when the store has none of these). */
	/* The local file that holds blob digest (a layout's blobs/sha256/<hex>). */
	int (*blob_file)(signp_store_backend *b, const char *digest, sign_buf *path);
	/* Upload a blob without asking first whether the store has it
	 * (SIGNP_BLOB_NEW); without it, put_blob is used.  digest_out as
	 * put_blob's. */
	int (*put_blob_new)(signp_store_backend *b, const void *data, size_t len,
		char digest_out[80], sign_error *err);
	/* Upload a blob streamed from a file. */
	int (*put_blob_file)(signp_store_backend *b, const char *digest, const char *path,
		uint64_t size, sign_error *err);
	/* The referrers API's index for digest; any failure sends store.c to
	 * the tag schema. */
	int (*referrers)(signp_store_backend *b, const char *digest, sign_buf *index_json);
	/* The tags list ({"name","tags"} JSON), at most max bytes. */
	int (*tags)(signp_store_backend *b, size_t max, sign_buf *json_out, sign_error *err);
	/* Requests sent ahead and idle work (store.h); add_idle is only set
	 * on stores with SIGNP_STORE_CAP_NET. */
	void (*resolve_ahead)(signp_store_backend *b, const char *ref);
	void (*resolve_ahead_cancel)(signp_store_backend *b);
	int (*add_idle)(signp_store_backend *b, void (*fn)(void *), void *arg);
	void (*drop_idle)(signp_store_backend *b, void (*fn)(void *), void *arg);
};

/* A registry repository (registry.c's distribution API); reg borrowed. */
int signp_store_registry_open(signp_store_backend **out, signp_registry *reg, const char *host,
	const char *repo, sign_error *err);
/* An OCI layout folder (oci.c); with create, a new one is made. */
int signp_store_oci_open(signp_store_backend **out, const char *dir, int create, sign_error *err);

#endif

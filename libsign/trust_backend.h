/*
 * trust_backend.h - where a GUN's trust collection is read from and
 * published to: the backend interface (a table of functions), its
 * capabilities, and the factory.  Internal.
 */
#ifndef SIGN_TRUST_BACKEND_H
#define SIGN_TRUST_BACKEND_H

#include "common.h"
#include "ctx.h"
#include "ref.h"
#include "store.h"

#include <jansson.h>

/* One file to publish: role name ("root", "targets/releases") and bytes. */
typedef struct signp_trust_out {
	char role[128];
	int64_t version;
	const unsigned char *bytes;
	size_t len;
} signp_trust_out;

/* A trust backend: where a GUN's collection is read from and published to.
 * The registry and OCI layout backends keep it as one artifact under
 * SIGN_TRUST_TAG; a Notary server backend speaks notary-server's API. */
typedef struct signp_trust_backend signp_trust_backend;

/* Capabilities of a backend (its caps field). */
/* The server makes and signs the timestamp: a publisher never writes one. */
#define SIGNP_TRUST_CAP_SERVER_TIMESTAMP 0x1u
/* The server holds role keys: server_key answers (snapshot, timestamp). */
#define SIGNP_TRUST_CAP_SERVER_KEYS 0x2u

struct signp_trust_backend {
	/* Take a consistent view of the current collection.  SIGN_ENOTFOUND
	 * when the GUN has none. */
	int (*refresh)(signp_trust_backend *be, sign_error *err);
	/* Bytes of a role file of that view; version > 0 asks for N.root.json;
	 * sha256_hex (or NULL), when the parent's metadata names the file's
	 * hash, lets a backend fetch it by checksum (notary's consistent
	 * snapshot URLs).  The caller checks the hash either way.
	 * SIGN_ENOTFOUND when absent. */
	int (*fetch)(signp_trust_backend *be, const char *role, int64_t version,
		const char *sha256_hex, size_t max, sign_buf *out, sign_error *err);
	/* Publish files over the view taken by refresh.  SIGN_ECONFLICT when
	 * another writer changed the collection in between. */
	int (*publish)(signp_trust_backend *be, const signp_trust_out *files, size_t n,
		sign_error *err);
	void (*free)(signp_trust_backend *be);
	/* Optional (NULL when the client holds every key): the public key the
	 * server signs `role` ("timestamp", "snapshot") with, as a TUF key
	 * object (new reference) and its ID; rotate asks for a new one. */
	int (*server_key)(signp_trust_backend *be, const char *role, int rotate, json_t **keyobj,
		char keyid[65], sign_error *err);
	/* Optional: send the GET of the current root ahead, on its own
	 * connection, just before refresh (load_root asks for it next). */
	void (*prefetch_root)(signp_trust_backend *be);
	/* What this backend does (SIGNP_TRUST_CAP_*): callers test these,
	 * never which backend they hold. */
	unsigned int caps;
	/* What it is, for messages: "registry", "oci", "notary", "cache";
	 * never compared. */
	const char *name;
	/* Optional (NULL when refresh makes no request): queue fn(arg) to run
	 * while refresh's request is out (signp_registry_add_idle's contract:
	 * SIGN_OK when queued), and unqueue it if it did not run. */
	int (*add_idle)(signp_trust_backend *be, void (*fn)(void *), void *arg);
	void (*drop_idle)(signp_trust_backend *be, void (*fn)(void *), void *arg);
};

/* The backend for ref: the Notary server of the context (--trust-server),
 * else the artifact in the image store (trust_backend.c). */
int signp_trust_backend_open(signp_trust_backend **out, sign_ctx *ctx, signp_store *store,
	const signp_ref *ref, sign_error *err);
/* The backend for ref's GUN on the Notary server at url (migrate's source),
 * whatever the context's --trust-server. */
int signp_trust_backend_open_notary(signp_trust_backend **out, sign_ctx *ctx, const char *url,
	const signp_ref *ref, sign_error *err);

/* The implementations.  Artifact backend over an image store (registry
 * repository or layout), trust_artifact.c; the Notary backend is in
 * notary.h, the offline cache backend in trust_cache.h. */
int signp_trust_backend_artifact(signp_trust_backend **out, signp_store *store, const char *gun,
	sign_error *err);

#endif

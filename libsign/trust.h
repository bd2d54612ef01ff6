/*
 * trust.h - a GUN's trust collection: backends, verification with the local
 * cache, and building signed updates.  Internal.
 */
#ifndef SIGN_TRUST_H
#define SIGN_TRUST_H

#include "common.h"
#include "ctx.h"
#include "mediatype.h"
#include "ref.h"
#include "store.h"
#include "tuf.h"

/* Reserved tag holding the trust collection in a repository or layout. */
#define SIGN_TRUST_TAG "_sign.trust"

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
	const char *name;     /* "registry", "oci", "notary" */
	/* the handle refresh's request goes over (NULL for a layout): the
	 * caller may queue work to run while it is out (add_idle) */
	signp_registry *net;
};

/* The backend for ref: the Notary server of the context (--trust-server),
 * else the artifact in the image store. */
int signp_trust_backend_open(signp_trust_backend **out, sign_ctx *ctx, signp_store *store,
	const signp_ref *ref, sign_error *err);

/* Artifact backend over an image store (registry repository or layout). */
int signp_trust_backend_artifact(signp_trust_backend **out, signp_store *store, const char *gun,
	sign_error *err);

#define SIGN_TRUST_MAX_DELEG 64

typedef struct signp_trust {
	char gun[520];
	signp_tuf_file *root;
	signp_tuf_file *targets;
	signp_tuf_file *snapshot;
	signp_tuf_file *timestamp;
	signp_tuf_file *deleg[SIGN_TRUST_MAX_DELEG];
	size_t ndeleg;
	int tofu;               /* the root was trusted on first use in this call */
	int root_memo;          /* metadata/root.checked already names this root */
	char pinned_by[64];     /* "cache", "pin", "root-key", "tofu" */
	char bad_role[128];     /* the role whose hash or signatures failed, if any */
} signp_trust;

typedef struct signp_trust_load_opts {
	const char *const *root_key_files; /* --root-key */
	int offline;
	int allow_missing;    /* a GUN with no collection gives SIGN_ENOTFOUND, not EVERIFY */
	int publisher;        /* the publisher re-signing: an expired timestamp is
	                       * accepted (it is about to be replaced) */
	int64_t at;           /* check as of this later time (0: now); nothing
	                       * is cached then */
	/* called once the backend answered (refresh), before the checks: the
	 * caller can send a request whose answer it needs after them */
	void (*refreshed)(void *arg);
	void *refreshed_arg;
} signp_trust_load_opts;

/* Fetch, verify (SPEC §3 steps 1-4) and cache a GUN's collection. */
int signp_trust_load(signp_trust **out, sign_ctx *ctx, signp_trust_backend *be, const char *gun,
	const signp_trust_load_opts *opts, sign_error *err);
void signp_trust_free(signp_trust *t);

/* Find the accepted target for tag, by docker pull's rule (targets/releases,
 * then targets).  role_out borrowed; keys/keyids borrowed; SIGN_EVERIFY when
 * the tag is not signed. */
typedef struct signp_target {
	char role[128];
	char digest[80];
	uint64_t size;
	const json_t *keys;     /* map keyid -> key object */
	const json_t *keyids;   /* authorised key IDs */
	int64_t threshold;
} signp_target;
int signp_trust_find_target(signp_target *out, const signp_trust *t, const char *tag,
	sign_error *err);
/* First target (any name) whose sha256 equals digest. */
int signp_trust_find_digest(signp_target *out, char name_out[136], const signp_trust *t,
	const char *digest, sign_error *err);

/* f carries role's threshold of valid signatures by the keys root lists
 * for role. */
int signp_trust_verify_role(const signp_tuf_file *root, const signp_tuf_file *f, const char *role,
	sign_error *err);

/* Canonical IDs of the root role's keys (for pins and display). */
int signp_trust_root_canonical_ids(json_t **out, const signp_tuf_file *root, sign_error *err);

/* Per-GUN settings (timestamp lifetime). */
int64_t signp_trust_timestamp_lifetime(sign_ctx *ctx, const char *gun);
int signp_trust_set_timestamp_lifetime(sign_ctx *ctx, const char *gun, int64_t seconds,
	sign_error *err);

/* Does the home hold a cached (trusted) root for gun? */
int signp_trust_cached_root(sign_ctx *ctx, const char *gun);

/* Save verified files into the cache. */
int signp_trust_save(sign_ctx *ctx, const signp_trust *t, sign_error *err);

#endif

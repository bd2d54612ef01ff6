/*
 * tuf1.h - a client of the TUF 1.0 specification (theupdateframework.io
 * spec, §5 "Detailed client workflow").  Internal.
 *
 * Distinct from tuf.h, the Notary dialect of TUF: here metadata are signed
 * over the OLPC canonical JSON of "signed" (securesystemslib), roles are
 * root/timestamp/snapshot/targets plus delegated targets roles, and the
 * key types are ed25519, ecdsa (nistp256, PEM SubjectPublicKeyInfo) and
 * rsa (rsassa-pss-sha256, PEM).
 *
 * tuf1_meta.c reads and verifies one role's metadata; tuf1_client.c runs
 * the workflow over a backend table (fetch and local storage) that the
 * caller supplies: tuf1_http.c gives one on libsign's HTTP client and a
 * metadata folder, tests give their own.
 */
#ifndef SIGN_TUF1_H
#define SIGN_TUF1_H

#include "common.h"

#include <jansson.h>

/* Bounds (python-tuf's defaults where it has one). */
#define SIGNP_TUF1_ROOT_MAX        (512u << 10)
#define SIGNP_TUF1_TIMESTAMP_MAX   (16u << 10)
#define SIGNP_TUF1_SNAPSHOT_MAX    (2000000u)
#define SIGNP_TUF1_TARGETS_MAX     (5000000u)
#define SIGNP_TUF1_TARGET_MAX      (512u << 20)   /* a target file, whatever its length says */
#define SIGNP_TUF1_MAX_ROTATIONS   256            /* root versions fetched in one refresh */
#define SIGNP_TUF1_MAX_DELEGATIONS 32             /* targets roles visited per lookup */
#define SIGNP_TUF1_MAX_KEYS        1024
#define SIGNP_TUF1_MAX_SIGS        1024

/* ---- one role's metadata (tuf1_meta.c) ---- */

/* The OLPC canonical JSON of v (securesystemslib's encode_canonical):
 * SIGN_EFORMAT for a real number or nesting deeper than 64. */
int signp_tuf1_canonical(sign_buf *out, const json_t *v, sign_error *err);

enum { SIGNP_TUF1_ROOT, SIGNP_TUF1_TIMESTAMP, SIGNP_TUF1_SNAPSHOT, SIGNP_TUF1_TARGETS };

typedef struct signp_tuf1_meta {
	json_t *doc;        /* the whole document (owned) */
	json_t *sig;        /* borrowed: "signed" */
	json_t *signatures; /* borrowed: "signatures" */
	int type;           /* SIGNP_TUF1_* */
	int64_t version;
	int64_t expires;
	sign_buf canon;     /* canonical JSON of "signed": the signed bytes */
} signp_tuf1_meta;

/* Parse metadata of the given type (SIGNP_TUF1_*): bounded, duplicate
 * members refused, "_type", "spec_version" 1.x, "version" >= 1, "expires"
 * (UTC "YYYY-MM-DDTHH:MM:SSZ"), signatures with unique key IDs, and the
 * type's own members checked (root keys and roles, timestamp and snapshot
 * meta, targets and delegations).  name names it in messages. */
int signp_tuf1_meta_parse(signp_tuf1_meta **out, const void *data, size_t len, int type,
	const char *name, sign_error *err);
void signp_tuf1_meta_free(signp_tuf1_meta *m);

/* Verify that m carries threshold valid signatures of distinct keys of
 * role (an object with "keyids" and "threshold") from keys (key ID ->
 * key).  SIGN_EVERIFY "<name>: ... signatures, threshold N" otherwise. */
int signp_tuf1_meta_verify(const signp_tuf1_meta *m, const json_t *keys, const json_t *role,
	const char *name, sign_error *err);
/* Verify m by the role called rolename of the root (a root's own role
 * "root", or "timestamp", "snapshot", "targets"). */
int signp_tuf1_root_verify(const signp_tuf1_meta *root, const char *rolename,
	const signp_tuf1_meta *m, sign_error *err);
/* The delegated role named name of the targets metadata delegator (the
 * object of its "delegations.roles"), or NULL. */
const json_t *signp_tuf1_delegated_role(const signp_tuf1_meta *delegator, const char *name);
/* Verify m as the delegated role name of delegator. */
int signp_tuf1_delegate_verify(const signp_tuf1_meta *delegator, const char *name,
	const signp_tuf1_meta *m, sign_error *err);
/* Is m expired at now (unix seconds)? */
int signp_tuf1_expired(const signp_tuf1_meta *m, int64_t now);
/* Check data against a METAFILES/TARGETS entry: its "length" and every
 * hash of "hashes", when present (a target has both).  SIGN_EVERIFY
 * "<what>: length ... / <alg> hash mismatch". */
int signp_tuf1_fileinfo_check(const json_t *info, const void *data, size_t len, const char *what,
	sign_error *err);
/* Does the delegated role (an entry of "delegations.roles") cover the
 * target path (its "paths" globs or "path_hash_prefixes")? */
int signp_tuf1_role_covers(const json_t *role, const char *target);

/* ---- the client (tuf1_client.c) ---- */

typedef struct signp_tuf1_ops {
	/* GET url, at most max bytes, into out.  SIGN_ENOTFOUND for a 403
	 * or 404 answer, SIGN_EVERIFY when the answer is longer than max,
	 * SIGN_ENET and others for the rest. */
	int (*fetch)(void *payload, const char *url, size_t max, sign_buf *out, sign_error *err);
	/* The trusted local copy of a file ("root.json", "timestamp.json",
	 * "<quoted role>.json"), at most max bytes: SIGN_ENOTFOUND when absent. */
	int (*load)(void *payload, const char *name, size_t max, sign_buf *out, sign_error *err);
	/* Replace the local copy of name atomically. */
	int (*store)(void *payload, const char *name, const void *data, size_t len, sign_error *err);
	void *payload;
} signp_tuf1_ops;

typedef struct signp_tuf1_client signp_tuf1_client;

/* A client over ops, with the metadata and targets base URLs (a trailing
 * '/' is optional), at time now.  The trusted root is loaded from the
 * local "root.json" and must be signed by its own root role. */
int signp_tuf1_client_new(signp_tuf1_client **out, const signp_tuf1_ops *ops,
	const char *metadata_url, const char *targets_url, int64_t now, sign_error *err);
void signp_tuf1_client_free(signp_tuf1_client *c);
/* Update root (rotation chain), timestamp, snapshot and top-level targets
 * (§5.3 to §5.6).  Once per client. */
int signp_tuf1_refresh(signp_tuf1_client *c, sign_error *err);
/* Instead of signp_tuf1_refresh, without the network: trust the local
 * timestamp, snapshot and targets (and, on lookups, delegated roles) as
 * far as they verify under the local root and chain by version, length
 * and hashes, expired or not.  signp_tuf1_cached_expired then says whether
 * any of them (or the root) had expired. */
int signp_tuf1_load_cached(signp_tuf1_client *c, sign_error *err);
int signp_tuf1_cached_expired(const signp_tuf1_client *c);
/* Find the target path among targets and its delegations (pre-order,
 * depth first, terminating roles, at most SIGNP_TUF1_MAX_DELEGATIONS
 * roles); refreshes first if that was not done.  *info is borrowed from
 * the client.  SIGN_ENOTFOUND when no role lists it. */
int signp_tuf1_find_target(signp_tuf1_client *c, const char *path, const json_t **info,
	sign_error *err);
/* Download the target (at its hashed name under consistent snapshots)
 * and check its length and hashes. */
int signp_tuf1_download_target(signp_tuf1_client *c, const char *path, const json_t *info,
	sign_buf *out, sign_error *err);
/* The trusted root's version (after refresh: the newest). */
int64_t signp_tuf1_root_version(const signp_tuf1_client *c);

/* Append s percent-encoded, every byte but the unreserved ones (Python's
 * quote(s, "")): how role names become file names and URLs. */
int signp_tuf1_quote(sign_buf *out, const char *s);

/* Store initial root bytes as the trusted "root.json" (parsed, not verified
 * against anything: it is the trust anchor). */
int signp_tuf1_init(const signp_tuf1_ops *ops, const void *root, size_t len, sign_error *err);

/* ---- backends (tuf1_http.c) ---- */

/* load/store over a folder (payload: its path, a NUL-terminated string);
 * names must be plain file names.  Files are written with signp_atomic_*. */
int signp_tuf1_dir_load(void *payload, const char *name, size_t max, sign_buf *out, sign_error *err);
int signp_tuf1_dir_store(void *payload, const char *name, const void *data, size_t len,
	sign_error *err);

/* The whole backend: fetches on libsign's HTTP client (a handle for the
 * server of base_url; plain http allowed; ca_file and timeout seconds as
 * in signp_http_options), metadata in the folder dir. */
typedef struct signp_tuf1_http signp_tuf1_http;
int signp_tuf1_http_new(signp_tuf1_http **out, const char *base_url, const char *dir,
	const char *ca_file, long timeout, sign_error *err);
void signp_tuf1_http_free(signp_tuf1_http *h);
/* Fill ops with h's functions (h is the payload; it must outlive ops). */
void signp_tuf1_http_ops(signp_tuf1_ops *ops, signp_tuf1_http *h);
int signp_tuf1_http_fetch(void *payload, const char *url, size_t max, sign_buf *out, sign_error *err);

#endif

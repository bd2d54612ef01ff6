/*
 * trust.h - a GUN's trust collection: verification with the local cache,
 * the context's memo of verified collections, settings.  Where the
 * collection is read from and published to is trust_backend.h.  Internal.
 */
#ifndef SIGN_TRUST_H
#define SIGN_TRUST_H

#include "common.h"
#include "ctx.h"
#include "mediatype.h"
#include "ref.h"
#include "store.h"
#include "trust_backend.h"
#include "tuf.h"

/* Reserved tag holding the trust collection in a repository or layout. */
#define SIGN_TRUST_TAG "_sign.trust"

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
	/* a verified targets index stands for targets and deleg[] (which are
	 * then their skeletons: no targets, not their bytes; lookups read the
	 * index): signp_trust_load_opts.index */
	struct signp_tindex *index;
} signp_trust;

typedef struct signp_trust_load_opts {
	const char *const *root_key_files; /* --root-key */
	const char *root_ca_file;          /* --root-ca: either pin is enough */
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
	/* the caller only looks tags up (signp_trust_find_target, _find_in_role,
	 * _check_signers with a tag): SIGNP_TRUST_INDEX_USE reads the verified
	 * targets index instead of the targets and delegation files when its
	 * header names the very files the verified snapshot lists, under the
	 * verified root, and writes a fresh one otherwise; _REBUILD does not
	 * read it, only writes it.  Ignored offline and with at. */
	int index;
} signp_trust_load_opts;

#define SIGNP_TRUST_INDEX_USE 1
#define SIGNP_TRUST_INDEX_REBUILD 2

/* Fetch, verify (SPEC §3 steps 1-4) and cache a GUN's collection. */
int signp_trust_load(signp_trust **out, sign_ctx *ctx, signp_trust_backend *be, const char *gun,
	const signp_trust_load_opts *opts, sign_error *err);
void signp_trust_free(signp_trust *t);
/* A verified collection remembered on the context under key (borrowed), or
 * NULL; remember t (the context takes it over: signp_ctx_memo_put). */
signp_trust *signp_trust_memo_get(sign_ctx *ctx, const char *key);
void signp_trust_memo_put(sign_ctx *ctx, const char *key, signp_trust *t);

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

/* The entry of one role for tag: "targets", or a delegation that loaded
 * and verified and whose paths allow tag.  1 found, 0 not. */
int signp_trust_find_in_role(signp_target *out, const signp_trust *t, const char *role,
	const char *tag);
/* The same for the first target of role (any name, its name to
 * name_out) whose digest is digest. */
int signp_trust_find_digest_in_role(signp_target *out, char name_out[136], const signp_trust *t,
	const char *role, const char *digest);
/* Are signers (NULL-terminated role names, or NULL) and threshold a valid
 * requirement?  SIGN_EINVAL, saying why, when a name is no role name or
 * is given twice, the list is empty or has more than 65 roles, threshold
 * exceeds their number, or a threshold comes without signers. */
int signp_trust_signers_check_args(const char *const *signers, unsigned int threshold,
	sign_error *err);
/* Is tag (or, tag NULL, a target with digest) signed with digest in at
 * least threshold (0: all) of signers?  what names it in the message.
 * SIGN_OK (also for signers NULL), SIGN_EINVAL for bad arguments, or
 * SIGN_EVERIFY naming the roles that signed and, with why, the missing. */
int signp_trust_check_signers(const signp_trust *t, const char *what, const char *tag,
	const char *digest, const char *const *signers, unsigned int threshold, sign_error *err);

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

/* Did a lookup find t's index tampered (an entry failed its MAC or its
 * bounds)?  Its answers are then no answer: the caller drops it
 * (signp_trust_index_drop) and loads again with SIGNP_TRUST_INDEX_REBUILD. */
int signp_trust_index_failed(const signp_trust *t);
void signp_trust_index_drop(sign_ctx *ctx, const char *gun);

/* Save verified files into the cache. */
int signp_trust_save(sign_ctx *ctx, const signp_trust *t, sign_error *err);

#endif

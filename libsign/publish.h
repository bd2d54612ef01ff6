/*
 * publish.h - one publish transaction for a GUN's trust data.  Every
 * command that changes the trust data (push, trust refresh, revoke, signer
 * add/remove, push --key, key rotate, migrate, trust republish) goes
 * through it; libgit2's git_transaction_* is the model.  Internal.
 *
 *   signp_publish *tx;
 *   signp_publish_begin(&tx, ctx, be, gun, &opts, err);   takes the lock
 *   signp_publish_commit(tx, stage, arg, err);            any number of times
 *   signp_publish_end(tx);                                unlocks, frees
 *
 * A commit reads the current verified state, calls stage(tx, current, arg)
 * to stage the changes against it (targets entries, a new targets signed
 * part, already-signed files such as delegation files or a new root, the
 * keys that sign), signs targets when it changed, builds the snapshot and
 * timestamp once over what was staged, and publishes through the backend.
 * When the backend answers SIGN_ECONFLICT (another writer published in
 * between), it backs off randomly and does it all again from a fresh read,
 * stage included, a bounded number of times.  After a publish it reads the
 * result back through the verifier, so the cache holds what is published.
 */
#ifndef SIGN_PUBLISH_H
#define SIGN_PUBLISH_H

#include "common.h"
#include "ctx.h"
#include "key.h"
#include "trust.h"
/* the pieces a publisher is built from (test tools use them too) */
#include "detached.h"
#include "gun_keys.h"
#include "journal.h"
#include "meta_build.h"

typedef struct signp_publish signp_publish;

typedef struct signp_publish_opts {
	/* a GUN with no trust data yet: stage gets current == NULL (and a
	 * targets signed part to start from, version 1) */
	int allow_missing;
	/* with nothing staged, publish a new timestamp over the current
	 * snapshot all the same (sign trust refresh) */
	int refresh;
	/* the state the first attempt works on, already read (borrowed);
	 * after a conflict the state is read again */
	const signp_trust *first;
	/* publish over `first` once, without reading the backend's state
	 * (migrate and republish publish over a state read elsewhere) */
	int first_only;
	/* no read-back after the publish (the caller reads it itself, with
	 * signp_publish_reread) */
	int no_reread;
	/* the read-back takes the publisher's view (an expired timestamp is
	 * accepted) */
	int reread_publisher;
	/* what the read-back error is prefixed with (NULL: "re-reading the
	 * published trust data") */
	const char *reread_what;
	/* the read-back is a verifier's lookup load (SIGNP_TRUST_INDEX_REBUILD:
	 * the targets read lean and their index written, trust.h): for a
	 * caller that does not read signp_publish_result's targets */
	int reread_lookup;
} signp_publish_opts;

/* Stage the changes against current (NULL only with allow_missing).  Called
 * once per attempt; everything staged by an earlier attempt is gone. */
typedef int (*signp_publish_stage_fn)(signp_publish *tx, const signp_trust *current, void *arg,
	sign_error *err);

/* Take the per-GUN lock; opts may be NULL.  be is borrowed (NULL: set it
 * with signp_publish_set_backend before the first commit). */
int signp_publish_begin(signp_publish **out, sign_ctx *ctx, signp_trust_backend *be, const char *gun,
	const signp_publish_opts *opts, sign_error *err);
/* One transaction: stage, sign, build, publish, retry on conflict, read
 * back.  SIGN_OK also when stage left nothing to publish
 * (signp_publish_published says which). */
int signp_publish_commit(signp_publish *tx, signp_publish_stage_fn stage, void *arg, sign_error *err);
/* Read the published state back through the verifier (as a commit does
 * after publishing): signp_publish_result gives it. */
int signp_publish_reread(signp_publish *tx, sign_error *err);
/* Unlock and free (NULL is fine). */
void signp_publish_end(signp_publish *tx);
/* When the timestamp the last commit published expires (unix seconds),
 * exactly as signed; 0 when it published none (or the server signs it). */
int64_t signp_publish_timestamp_expires(const signp_publish *tx);

/* The backend to publish to (migrate opens it under the lock). */
void signp_publish_set_backend(signp_publish *tx, signp_trust_backend *be);
/* Options for the next commits. */
void signp_publish_set_opts(signp_publish *tx, const signp_publish_opts *opts);
/* The GUN the transaction publishes. */
const char *signp_publish_gun(const signp_publish *tx);
/* Did the last commit publish anything? */
int signp_publish_published(const signp_publish *tx);
/* The state the last commit read back (borrowed; NULL when it published
 * nothing or did not read back). */
const signp_trust *signp_publish_result(const signp_publish *tx);

/* ---- staging, from a stage callback ---- */

/* The keys the commit signs with (borrowed): targets signs the targets
 * role when it changed; snapshot NULL means the server makes the snapshot;
 * timestamp is needed unless the backend makes it. */
void signp_publish_set_keys(signp_publish *tx, const signp_key *targets, const signp_key *snapshot,
	const signp_key *timestamp);
/* Set (digest) or remove (digest NULL) a tag of the targets role.  A
 * request that changes nothing is no change: when every request of a
 * commit is such, nothing is published. */
int signp_publish_set_target(signp_publish *tx, const char *tag, const char *digest, uint64_t size,
	sign_error *err);
/* The targets signed part to edit in place (borrowed; a copy of the
 * current one, made on the first call or signp_publish_set_target, NULL
 * when out of memory); it is re-signed with a new version and expiry. */
json_t *signp_publish_edit_targets(signp_publish *tx);
/* An already-signed file (a delegation file, a root, a targets file signed
 * elsewhere), published in staging order, before targets, snapshot and
 * timestamp.  The bytes are copied. */
int signp_publish_add_file(signp_publish *tx, const char *role, int64_t version, const void *bytes,
	size_t len, sign_error *err);

#endif

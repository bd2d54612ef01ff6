/*
 * publish.h - pieces of the publisher (push.c) shared with migrate.c:
 * the GUN's keys, the per-GUN lock, metadata builders and the detached
 * signature writer.  Internal.
 */
#ifndef SIGN_PUBLISH_H
#define SIGN_PUBLISH_H

#include "common.h"
#include "ctx.h"
#include "key.h"
#include "ref.h"
#include "store.h"
#include "trust.h"

/* The keys a GUN's publisher holds (any may be NULL). */
typedef struct signp_gun_keys {
	signp_key *targets;
	signp_key *snapshot;
	signp_key *timestamp;
} signp_gun_keys;

void signp_gun_keys_free(signp_gun_keys *k);
/* See push.c: load (and for a new GUN, create) the keys this home holds. */
int signp_gun_keys_get(signp_gun_keys *k, int *created, sign_ctx *ctx, const char *gun, int create,
	int timestamp_only, int server_ts, int local_snapshot, sign_error *err);

/* A targets entry: {"hashes":{"sha256":b64(digest)},"length":size}, as
 * docker writes it (new reference; NULL on a bad digest). */
json_t *signp_target_json(const char *digest, uint64_t size);

/* A new key for role (and gun), saved with its role's passphrase. */
int signp_new_role_key(signp_key **out, sign_ctx *ctx, const char *role, const char *gun,
	sign_error *err);

/* One writer per GUN and home: an exclusive lock on trust/<gun>/.lock. */
int signp_lock_gun(int *fd_out, sign_ctx *ctx, const char *gun, sign_error *err);
void signp_unlock_gun(int fd);

/* Is key `id` listed for `role` in the root? */
int signp_root_lists(const signp_tuf_file *root, const char *role, const char *id);

/* "expires" now + seconds, RFC 3339 UTC (new reference). */
json_t *signp_expires_in(int64_t seconds);
/* Sign a role's signed object with one key and write the file bytes. */
int signp_sign_file(sign_buf *wire, json_t *signed_obj, const signp_key *k, sign_error *err);
/* Snapshot over root (root_bytes, or t's root when empty), targets and
 * t's delegation files. */
int signp_build_snapshot(sign_buf *wire, const signp_trust *t, const sign_buf *root_bytes,
	const sign_buf *targets_bytes, int64_t version, const signp_key *k, sign_error *err);
int signp_build_timestamp(sign_buf *wire, const void *snap, size_t snaplen, int64_t version,
	int64_t lifetime, const signp_key *k, sign_error *err);
/* Append a detached signature by k over digest to the image's .sig
 * manifest (no duplicate: *changed = 0 when one by k is there). */
int signp_push_signature(int *changed, signp_store *st, const char *gun, const char *digest,
	const signp_key *k, sign_error *err);

/* The same signature in cosign's OCI 1.1 form: a manifest with a subject
 * (PUT by digest) listed in the sha256-<hex> referrers fallback index. */
int signp_push_signature_referrer(int *changed, signp_store *st, const char *gun, const char *digest,
	const char *subject_mt, uint64_t subject_size, const signp_key *k, sign_error *err);

/* The tag a push signs: REF's, or "latest"; a REF with only a digest is
 * refused (the trust data maps tags to digests). */
int signp_push_tag(const char **tag, const signp_ref *ref, const char *refstr, sign_error *err);
/* Resolve that tag in the store; when REF also names a digest, the tag
 * must point to it.  media_type may be NULL. */
int signp_push_resolve(char digest[80], char media_type[256], uint64_t *size, signp_store *st,
	const signp_ref *ref, const char *refstr, const char *tag, sign_error *err);

/* ---- the publish journal (publish.c) ----
 * Tags this home signed with the repository key that no later read of the
 * published, verified trust data has confirmed yet: a concurrent
 * publisher's write may have replaced ours after we read it back. */

/* Its "tags" object: tag -> {"digest","size"} (new reference; empty when
 * there is none). */
json_t *signp_journal_load(sign_ctx *ctx, const char *gun);
/* Written atomically (temp, fsync, rename), 0600. */
int signp_journal_save(sign_ctx *ctx, const char *gun, const json_t *tags, sign_error *err);
int signp_journal_set(json_t *tags, const char *tag, const char *digest, uint64_t size);
/* A signer push's entry: keyids as given to --key. */
int signp_journal_set_signer(json_t *tags, const char *tag, const char *digest, uint64_t size,
	const char *keyids);
/* The signer key IDs of an entry, or NULL for a repository-key push. */
const char *signp_journal_signer(const json_t *e);
/* An entry's digest and size: 1, or 0 when it is malformed. */
int signp_journal_entry(const json_t *e, const char **digest, uint64_t *size);
/* Where an entry stands in a targets object: */
enum { SIGNP_JOURNAL_PUBLISHED, SIGNP_JOURNAL_CHANGED, SIGNP_JOURNAL_MISSING };
int signp_journal_state(const json_t *targets, const char *tag, const char *digest, uint64_t size);
/* Where an entry stands by docker pull's rule (any role: signer pushes). */
int signp_journal_state_any(const signp_trust *t, const char *tag, const char *digest);
/* A warning per journaled tag missing from t, naming the command that
 * publishes it again (sign inspect: no keys, nothing written). */
void signp_journal_report(sign_ctx *ctx, const signp_trust *t);
/* That warning for a signer push's tag. */
void signp_journal_report_signer(sign_ctx *ctx, const char *gun, const char *tag, const char *digest,
	const char *keyids);

/* sign push --key KEYID: sign into the delegation roles (signers) that
 * list that key (signer.c). */
int signp_push_as_signer(sign_push_result *out, sign_ctx *ctx, const char *refstr,
	const sign_push_options *opts, sign_error *err);

#endif

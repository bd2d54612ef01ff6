/*
 * meta_build.h - metadata builders: targets entries, expiry, signing one
 * role, snapshot and timestamp.  Internal.
 */
#ifndef SIGN_META_BUILD_H
#define SIGN_META_BUILD_H

#include "common.h"
#include "key.h"
#include "trust.h"
#include "tuf.h"

/* A targets entry: {"hashes":{"sha256":b64(digest)},"length":size}, as
 * docker writes it (new reference; NULL on a bad digest). */
json_t *signp_target_json(const char *digest, uint64_t size);

/* Is key `id` listed for `role` in the root? */
int signp_root_lists(const signp_tuf_file *root, const char *role, const char *id);

/* "expires" now + seconds, RFC 3339 UTC (new reference). */
json_t *signp_expires_in(int64_t seconds);
/* Sign a role's signed object with one key and write the file bytes. */
int signp_sign_file(sign_buf *wire, json_t *signed_obj, const signp_key *k, sign_error *err);

/* The snapshot over t (may be NULL: a new GUN) with files published
 * alongside it: root (the newest root of files, else t's), targets, every
 * delegation file of t that the targets signed part tsigned (NULL: t's)
 * still delegates to, and t's snapshot entries of delegation files that
 * did not verify yet but are still delegated to (a two-person release
 * half signed); each file of files (other than root) replaces its entry. */
int signp_build_snapshot_over(sign_buf *wire, const signp_trust *t, const signp_trust_out *files,
	size_t n, const json_t *tsigned, int64_t version, const signp_key *k, sign_error *err);
/* The same with root_bytes (empty: t's root) and targets_bytes. */
int signp_build_snapshot(sign_buf *wire, const signp_trust *t, const sign_buf *root_bytes,
	const sign_buf *targets_bytes, int64_t version, const signp_key *k, sign_error *err);
/* A timestamp over snap expiring at `expires` (unix seconds). */
int signp_build_timestamp_until(sign_buf *wire, const void *snap, size_t snaplen, int64_t version,
	int64_t expires, const signp_key *k, sign_error *err);

#endif

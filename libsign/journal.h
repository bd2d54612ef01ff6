/*
 * journal.h - the publish journal (journal.c).  Internal.
 */
#ifndef SIGN_JOURNAL_H
#define SIGN_JOURNAL_H

#include "common.h"
#include "ctx.h"
#include "trust.h"

/*
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

#endif


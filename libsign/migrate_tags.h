/*
 * migrate_tags.h - the detached signatures of a migration (sign_migrate):
 * per signed tag, the registry checks and the signature, concurrent over a
 * bounded pool of registry connections.  Internal.
 */
#ifndef SIGN_MIGRATE_TAGS_H
#define SIGN_MIGRATE_TAGS_H

#include "common.h"
#include "ctx.h"
#include "gun_keys.h"
#include "ref.h"
#include "trust.h"

/* Worker threads, each with a registry connection of its own. */
#define SIGNP_MIGRATE_WORKERS 8

/* For every signed tag of t (targets/releases, then targets, each name
 * once, as docker pull reads them): does the registry serve the tag under
 * the digest it was signed for (its tags list, then a HEAD of each tag it
 * lists), and, once per digest and key, is a
 * detached signature by the key that signed it (k->targets, or a
 * delegation key this home holds) there, else it is written.  The checks
 * and writes run on at most SIGNP_MIGRATE_WORKERS threads, each on a
 * registry handle of its own for ref's repository.  Every step is
 * idempotent: a signature already there is found and not written again, so
 * a migration stopped anywhere and run again ends as one run would.
 *
 * tags_json and notes_json receive the report's entries as JSON text, one
 * object per line, comma-separated: {tag, digest, role, signature} per tag,
 * and {tag, reason} per tag left without a signature, then {role, reason}
 * per delegation other than targets/releases.  progress (may be NULL) is
 * called on this thread with the tags done so far and their number.
 *
 * Any failure but "the registry does not have the tag" (a network error, a
 * refused write, a passphrase) stops the work and is returned: nothing is
 * reported, and what was written stays. */
int signp_migrate_tags(sign_buf *tags_json, sign_buf *notes_json, sign_ctx *ctx, const signp_ref *ref,
	const signp_trust *t, const signp_gun_keys *k, sign_progress_fn progress, void *progress_arg,
	sign_error *err);

#endif

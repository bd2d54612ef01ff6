/*
 * signer.h - pieces shared by the signer commands (signer.c): names, role
 * lookups, the snapshot and timestamp keys a publish by someone other than
 * the root holder needs, and JSON output.  Internal.
 */
#ifndef SIGN_SIGNER_H
#define SIGN_SIGNER_H

#include "common.h"
#include "ctx.h"
#include "key.h"
#include "ref.h"
#include "store.h"
#include "trust.h"

#define SIGNP_RELEASES "targets/releases"

/* A signer name: lower-case letters, digits, - and _ (1 to 200). */
int signp_signer_name_ok(const char *name);
/* A direct child delegation name "targets/x" (what we read and sign). */
int signp_signer_direct_child(const char *role);
/* Does the key ID array ids hold id? */
int signp_ids_has(const json_t *ids, const char *id);
/* Do the role's paths allow tag? */
int signp_path_allowed(const json_t *role, const char *tag);
/* The role named name in a delegations roles array (its index in *idx,
 * which may be NULL), or NULL. */
json_t *signp_find_role(const json_t *roles, const char *name, size_t *idx);
/* {"role","keyids","paths","threshold"} of a delegation role (new ref). */
json_t *signp_role_json(const json_t *role);
/* doc as compact JSON into out (NULL out: nothing). */
int signp_dump_json(sign_buf *out, json_t *doc, sign_error *err);
/* Parse the GUN, open its store and trust backend. */
int signp_signer_open(signp_ref *ref, signp_store **st, signp_trust_backend **be, sign_ctx *ctx,
	const char *refstr, sign_error *err);

/* The snapshot and timestamp keys a publish needs. */
typedef struct signp_pub_keys {
	signp_key *snapshot;   /* NULL: the server makes the snapshot */
	signp_key *timestamp;  /* NULL: the server makes the timestamp */
} signp_pub_keys;

void signp_pub_keys_free(signp_pub_keys *p);
/* Snapshot and timestamp keys for a publish by someone other than the
 * root holder: against a registry both are needed; against a Notary
 * server the timestamp is the server's, and the snapshot too unless the
 * root lists a key of this home.  what names the command in the error. */
int signp_pub_keys_get(signp_pub_keys *p, sign_ctx *ctx, signp_trust_backend *be, const signp_trust *t,
	const char *what, sign_error *err);

/* sign push --key KEYID: sign into the delegation roles (signers) that
 * list that key (signer_push.c). */
int signp_push_as_signer(sign_push_result *out, sign_ctx *ctx, const char *refstr,
	const sign_push_options *opts, sign_error *err);

#endif

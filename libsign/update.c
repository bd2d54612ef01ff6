/*
 * update.c - the repository key's update of the targets role (update.h):
 * tag changes, the publish journal's lost tags, and a new GUN's root v1.
 */
#include "update.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Compare the journal with the published targets of t; the lost entries
 * (none of the request's own tags) go into *extra (malloc'd, *nextra). */
static int journal_reconcile(signp_target_change **extra, size_t *nextra, sign_ctx *ctx, const signp_trust *t,
	const signp_gun_keys *k, const signp_update_req *req, sign_error *err)
{
	const json_t *targets = json_object_get(t->targets->signed_obj, "targets");
	const char *tag;
	json_t *e, *tmp, *own = NULL;
	size_t n = 0;
	*extra = NULL;
	*nextra = 0;
	if (req->journal == NULL || json_object_size(req->journal) == 0)
		return SIGN_OK;
	/* the request's own tags, as a set: a batch push has thousands */
	if ((*extra = calloc(json_object_size(req->journal), sizeof(**extra))) == NULL ||
	    (own = json_object()) == NULL) {
		free(*extra);
		*extra = NULL;
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < req->nchanges; i++)
		if (json_object_set_new(own, req->changes[i].tag, json_true()) != 0) {
			json_decref(own);
			free(*extra);
			*extra = NULL;
			return signp_err(err, SIGN_ENOMEM, "out of memory");
		}
	json_object_foreach_safe(req->journal, tmp, tag, e) {
		const char *digest;
		uint64_t size;
		if (json_object_get(own, tag))
			continue;
		if (!signp_journal_entry(e, &digest, &size)) {
			json_object_del(req->journal, tag);
			*req->jdirty = 1;
			continue;
		}
		if (signp_journal_signer(e)) {
			/* a signer push's tag: only its keys publish it again */
			int st = signp_journal_state_any(t, tag, digest);
			if (st == SIGNP_JOURNAL_MISSING) {
				if (req->republished && !json_object_get(req->republished, tag)) {
					signp_journal_report_signer(ctx, t->gun, tag, digest, signp_journal_signer(e));
					json_object_set_new(req->republished, tag, json_null());
				}
			} else {
				if (st == SIGNP_JOURNAL_CHANGED)
					signp_ctx_log(ctx, SIGN_LOG_WARN, "%s:%s, signed by this home at %s, is now signed "
						"to another digest by another publisher; leaving theirs", t->gun, tag, digest);
				json_object_del(req->journal, tag);
				*req->jdirty = 1;
			}
			continue;
		}
		switch (signp_journal_state(targets, tag, digest, size)) {
		case SIGNP_JOURNAL_PUBLISHED:
			json_object_del(req->journal, tag);
			*req->jdirty = 1;
			break;
		case SIGNP_JOURNAL_CHANGED:
			/* another publisher signed the tag to another digest after
			 * us: theirs stands */
			signp_ctx_log(ctx, SIGN_LOG_WARN, "%s:%s, signed by this home at %s, is now signed to "
				"another digest by another publisher; leaving theirs", t->gun, tag, digest);
			json_object_del(req->journal, tag);
			*req->jdirty = 1;
			break;
		default:
			/* lost: our write was replaced by one that did not hold it */
			if (k->targets == NULL)
				break;
			(*extra)[n].tag = tag;
			(*extra)[n].digest = digest;
			(*extra)[n].size = size;
			n++;
			if (req->republished && !json_object_get(req->republished, tag))
				json_object_set_new(req->republished, tag, json_string(digest));
			break;
		}
	}
	json_decref(own);
	*nextra = n;
	return SIGN_OK;
}

/* One attempt: read, merge, sign, publish. *noop when nothing changed. */

int signp_update_stage(signp_publish *tx, const signp_trust *t, void *arg, sign_error *err)
{
	signp_update_req *req = arg;
	sign_ctx *ctx = req->ctx;
	signp_trust_backend *be = req->be;
	const signp_gun_keys *k = req->k;
	const char *gun = signp_publish_gun(tx);
	sign_buf root = SIGN_BUF_INIT;
	size_t nchanges = req->nchanges, nextra = 0;
	int r = SIGN_OK, local_snapshot, server_ts = (be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP) != 0;
	signp_target_change *extra = NULL;

	if (t == NULL) {
		int cr = 0;
		if (!req->allow_init)
			return signp_err(err, SIGN_EVERIFY, "%s has no trust data to update", gun);
		if (signp_trust_cached_root(ctx, gun)) {
			/* we trusted a collection for this GUN: it is gone from this
			 * backend (deleted, or another backend): never start a new
			 * one silently over it */
			r = signp_err(err, SIGN_EVERIFY,
				"%s: this home trusts a root for it, but the %s holds no trust data", gun,
				server_ts ? "trust server" : "registry");
			signp_err_hint(err, "if that is expected, remove %s/trust/%s/metadata and push again",
				ctx->home, gun);
			return r;
		}
		r = signp_build_root_v1(&root, &cr, ctx, be, gun, k, req->root_keyid, err);
		if (cr)
			req->created_root = 1;
		if (r == SIGN_OK)
			r = signp_publish_add_file(tx, "root", 1, root.ptr, root.size, err);
		sign_buf_dispose(&root);
		if (r != SIGN_OK)
			return r;
		local_snapshot = k->snapshot != NULL;
	} else {
		if ((r = journal_reconcile(&extra, &nextra, ctx, t, k, req, err)) != SIGN_OK)
			goto out;
		nchanges += nextra;
		local_snapshot = k->snapshot && signp_root_lists(t->root, "snapshot", k->snapshot->id);
		if ((nchanges && !signp_root_lists(t->root, "targets", k->targets->id)) ||
		    (!server_ts && ((nchanges && !local_snapshot) || k->timestamp == NULL ||
			 !signp_root_lists(t->root, "timestamp", k->timestamp->id)))) {
			r = signp_err(err, SIGN_EKEY,
				"signing %s: the keys in this home are not the ones its root certifies", gun);
			signp_err_hint(err, "import the repository key of %s%s", gun,
				server_ts ? "" : " and its snapshot and timestamp keys");
			goto out;
		}
		/* a lost tag's detached signature, written again if it is gone
		 * (as a push does: the signature before the metadata) */
		for (size_t i = 0; req->st && i < nextra; i++) {
			int ch = 0;
			if ((r = signp_push_signature(&ch, req->st, gun, extra[i].digest, k->targets, err)) != SIGN_OK) {
				signp_err_prefix(err, r, "publishing %s:%s again", gun, extra[i].tag);
				goto out;
			}
		}
	}
	/* the request's changes, and the lost tags riding along */
	for (size_t i = 0; r == SIGN_OK && i < req->nchanges; i++)
		r = signp_publish_set_target(tx, req->changes[i].tag, req->changes[i].digest, req->changes[i].size,
			err);
	for (size_t i = 0; r == SIGN_OK && i < nextra; i++)
		r = signp_publish_set_target(tx, extra[i].tag, extra[i].digest, extra[i].size, err);
	signp_publish_set_keys(tx, k->targets, local_snapshot ? k->snapshot : NULL, k->timestamp);
out:
	free(extra);
	return r;
}

void signp_update_journal_done(sign_ctx *ctx, const char *gun, const json_t *journal, int jdirty,
	const json_t *republished, int published)
{
	const char *tag;
	json_t *d;
	sign_error e;
	memset(&e, 0, sizeof(e));
	if (jdirty && signp_journal_save(ctx, gun, journal, &e) != SIGN_OK)
		signp_ctx_log(ctx, SIGN_LOG_WARN, "%s", e.message);
	json_object_foreach((json_t *)republished, tag, d)
		if (json_is_string(d))
			signp_ctx_log(ctx, SIGN_LOG_WARN, "%s:%s, signed by this home at %s, was missing from the "
				"published trust data (another publisher's write replaced it): %s", gun, tag,
				json_string_value(d), published ? "published it again" : "publishing it again failed");
}

/*
 * push.c - sign_push and sign_trust_refresh: detached signature first,
 * then targets, snapshot and timestamp, published in one publish
 * transaction (publish.h) with the update stage of update.c.
 */
#include "common.h"
#include "cosign.h"
#include "ctx.h"
#include "key.h"
#include "ref.h"
#include "store.h"
#include "trust.h"
#include "tuf.h"
#include "publish.h"
#include "push_target.h"
#include "signer.h"
#include "update.h"
#include "upload.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

SIGN_EXTERN(int) sign_push(sign_push_result *out, sign_ctx *ctx, const char *refstr,
	const sign_push_options *opts, sign_error *err)
{
	sign_push_options dflt = SIGN_PUSH_OPTIONS_INIT;
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	signp_gun_keys k;
	char digest[80], mt[256], up_digest[80] = "", up_mt[256] = "";
	const char *tag = NULL;
	uint64_t size = 0, up_size = 0;
	int r, noop = 0, changed = 0, jdirty = 0;
	json_t *journal = NULL, *republished = NULL;
	signp_update_req req;
	signp_target_change change;
	signp_publish *tx = NULL;
	signp_publish_opts po = { .allow_missing = 1 };
	long before = 0;

	signp_err_clear(err);
	if (out == NULL)
		return signp_err(err, SIGN_EINVAL, "push: no result given");
	if (out->version != SIGN_PUSH_RESULT_VERSION)
		return signp_err(err, SIGN_EINVAL, "push: unsupported result version %u", out->version);
	memset(out, 0, sizeof(*out));
	out->version = SIGN_PUSH_RESULT_VERSION;
	memset(&k, 0, sizeof(k));
	if (opts == NULL)
		opts = &dflt;
	if (opts->version != SIGN_PUSH_OPTIONS_VERSION)
		return signp_err(err, SIGN_EINVAL, "push: unsupported options version");
	/* this push's requests, when the context made some before */
	signp_ctx_counters(ctx, &before, NULL);
	if (opts->keyid) {
		r = signp_push_as_signer(out, ctx, refstr, opts, err);
		out->requests -= before;
		return r;
	}
	if ((r = signp_push_open(&ref, &st, &be, ctx, refstr, opts->gun, opts->from != NULL, err)) != SIGN_OK)
		goto out;
	if ((r = signp_push_tag(&tag, &ref, refstr, err)) != SIGN_OK)
		goto out;
	if (opts->from &&
	    (r = signp_upload_from(ctx, opts->from, st, tag, up_digest, up_mt, &up_size, err)) != SIGN_OK)
		goto out;
	if ((r = signp_push_resolve(digest, mt, &size, st, &ref, refstr, tag, err)) != SIGN_OK)
		goto out;
	if (opts->from && strcmp(digest, up_digest) != 0) {
		/* the tag no longer names what we uploaded: sign neither */
		r = signp_err(err, SIGN_EREGISTRY, "push %s: uploaded %s under tag %s, but the %s now serves "
			"%s for it; nothing was signed", refstr, up_digest, tag, signp_store_noun(st),
			digest);
		signp_err_hint(err, "another writer moved the tag, or the registry is not trustworthy; "
			"check who pushes to %s", ref.gun);
		goto out;
	}
	if (opts->from) {
		/* sign what was uploaded, described by its own bytes */
		signp_strlcpy(digest, up_digest, sizeof(digest));
		signp_strlcpy(mt, up_mt, sizeof(mt));
		size = up_size;
	}
	if ((r = signp_publish_begin(&tx, ctx, be, ref.gun, &po, err)) != SIGN_OK)
		goto out;
	if ((r = signp_gun_keys_get(&k, &out->created_repository, ctx, ref.gun, 1, 0, (be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP),
		     opts->local_snapshot, err)) != SIGN_OK)
		goto out;
	if (opts->timestamp_lifetime > 0 &&
	    (r = signp_trust_set_timestamp_lifetime(ctx, ref.gun, opts->timestamp_lifetime, err)) != SIGN_OK)
		goto out;
	/* the signature goes first: an interrupted push leaves a signature
	 * that nothing references yet, never a tag without a signature */
	if ((r = opts->referrers ?
		     signp_push_signature_referrer(&changed, st, ref.gun, digest, mt, size, k.targets, err) :
		     signp_push_signature(&changed, st, ref.gun, digest, k.targets, err)) != SIGN_OK)
		goto out;
	if (opts->recursive && (strcmp(mt, SIGN_MT_OCI_INDEX) == 0 || strcmp(mt, SIGN_MT_DOCKER_LIST) == 0)) {
		sign_buf body = SIGN_BUF_INIT;
		char got[80];
		json_t *doc, *d;
		size_t i;
		r = signp_store_get_manifest(st, digest, SIGN_MAX_MANIFEST, &body, NULL, got, err);
		doc = r == SIGN_OK ? json_loadb(body.ptr, body.size, 0, NULL) : NULL;
		json_array_foreach(json_object_get(doc, "manifests"), i, d) {
			const char *cd = json_string_value(json_object_get(d, "digest"));
			char pd[80];
			int ch = 0;
			if (r != SIGN_OK || cd == NULL || !signp_digest_valid(cd))
				continue;
			/* each platform manifest is fetched by digest and its bytes
			 * hashed (the store refuses content that does not hash to
			 * it): what is signed is what the registry holds */
			signp_buf_clear(&body);
			r = signp_store_get_manifest(st, cd, SIGN_MAX_MANIFEST, &body, NULL, pd, err);
			if (r == SIGN_OK && strcmp(pd, cd) != 0)
				r = signp_err(err, SIGN_EREGISTRY, "push %s: platform manifest %s: the registry sent "
					"content with digest %s", refstr, cd, pd);
			if (r == SIGN_OK)
				r = signp_push_signature(&ch, st, ref.gun, cd, k.targets, err);
		}
		json_decref(doc);
		sign_buf_dispose(&body);
		if (r != SIGN_OK)
			goto out;
	}
	change.tag = tag;
	change.digest = digest;
	change.size = size;
	memset(&req, 0, sizeof(req));
	req.ctx = ctx;
	req.be = be;
	req.k = &k;
	req.changes = &change;
	req.nchanges = 1;
	req.allow_init = 1;
	req.root_keyid = NULL;
	/* the tag goes into the journal before anything is published: a
	 * later command from this home notices if a concurrent publisher's
	 * write loses it */
	journal = signp_journal_load(ctx, ref.gun);
	republished = json_object();
	if (republished == NULL || signp_journal_set(journal, tag, digest, size) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = signp_journal_save(ctx, ref.gun, journal, err)) != SIGN_OK)
		goto out;
	req.journal = journal;
	req.jdirty = &jdirty;
	req.republished = republished;
	req.st = st;
	r = signp_publish_commit(tx, signp_update_stage, &req, err);
	noop = r == SIGN_OK && !signp_publish_published(tx);
	if (r != SIGN_OK || noop) {
		/* failed (the user was told), or already published as it is */
		json_object_del(journal, tag);
		jdirty = 1;
	}
	signp_update_journal_done(ctx, ref.gun, journal, jdirty, republished, r == SIGN_OK);
	if (r != SIGN_OK)
		goto out;
	if (noop && opts->timestamp_lifetime > 0) {
		/* nothing new to record, but a new lifetime was asked for */
		signp_update_req rq = { .ctx = ctx, .be = be, .k = &k };
		po.refresh = 1;
		signp_publish_set_opts(tx, &po);
		if ((r = signp_publish_commit(tx, signp_update_stage, &rq, err)) != SIGN_OK)
			goto out;
	}
	signp_ref_push_repository(out->repository, &ref, refstr);
	signp_strlcpy(out->gun, ref.gun, sizeof(out->gun));
	signp_strlcpy(out->tag, tag, sizeof(out->tag));
	signp_strlcpy(out->digest, digest, sizeof(out->digest));
	signp_strlcpy(out->keyid, k.targets->id, sizeof(out->keyid));
	signp_strlcpy(out->role, "targets", sizeof(out->role));
	out->size = size;
	out->created_root = req.created_root;
	out->new_signature = changed;
out:
	json_decref(journal);
	json_decref(republished);
	signp_publish_end(tx);
	signp_ctx_counters(ctx, &out->requests, NULL);
	out->requests -= before;
	signp_ctx_remember_schemes(ctx);
	signp_gun_keys_free(&k);
	if (be)
		be->free(be);
	signp_store_free(st);
	return r;
}

SIGN_EXTERN(int) sign_trust_refresh(sign_buf *json_out, sign_ctx *ctx, const char *refstr,
	const char *gun, long lifetime, sign_error *err)
{
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	signp_gun_keys k;
	int r, created = 0, jdirty = 0;
	int64_t lifetime_now;
	signp_publish *tx = NULL;
	signp_publish_opts po = { .allow_missing = 1, .refresh = 1 };
	json_t *journal = NULL, *republished = json_object();
	signp_update_req req = { .changes = NULL };
	char when[32];

	signp_err_clear(err);
	memset(&k, 0, sizeof(k));
	if ((r = signp_push_open(&ref, &st, &be, ctx, refstr, gun, 0, err)) != SIGN_OK)
		goto out;
	if ((r = signp_publish_begin(&tx, ctx, be, ref.gun, &po, err)) != SIGN_OK)
		goto out;
	if (be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP) {
		r = signp_err(err, SIGN_EINVAL, "refreshing %s: the trust server re-signs the timestamp itself",
			ref.gun);
		goto out;
	}
	/* tags this home signed and no read has confirmed yet: a lost one is
	 * published again, which takes the repository and snapshot keys */
	journal = signp_journal_load(ctx, ref.gun);
	if ((r = signp_gun_keys_get(&k, &created, ctx, ref.gun, 0, json_object_size(journal) == 0, 0, 0,
		     err)) != SIGN_OK)
		goto out;
	if (lifetime > 0 && (r = signp_trust_set_timestamp_lifetime(ctx, ref.gun, lifetime, err)) != SIGN_OK)
		goto out;
	lifetime_now = signp_trust_timestamp_lifetime(ctx, ref.gun);
	req.ctx = ctx;
	req.be = be;
	req.k = &k;
	if (json_object_size(journal)) {
		req.journal = journal;
		req.jdirty = &jdirty;
		req.republished = republished;
		req.st = st;
	}
	r = signp_publish_commit(tx, signp_update_stage, &req, err);
	signp_update_journal_done(ctx, ref.gun, journal, jdirty, republished, r == SIGN_OK);
	if (r != SIGN_OK)
		goto out;
	signp_time_format(when, signp_now() + lifetime_now);
	if (json_out)
		signp_buf_printf(json_out, "{\"gun\":\"%s\",\"timestamp_expires\":\"%s\"}", ref.gun, when);
out:
	json_decref(journal);
	json_decref(republished);
	signp_publish_end(tx);
	signp_ctx_remember_schemes(ctx);
	signp_gun_keys_free(&k);
	if (be)
		be->free(be);
	signp_store_free(st);
	return r;
}


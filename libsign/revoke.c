/*
 * revoke.c - sign_revoke: the tag leaves the targets role (one publish
 * transaction with update.c's stage), then its detached signature, unless
 * another tag still names the digest.
 */
#include "common.h"
#include "cosign.h"
#include "ctx.h"
#include "publish.h"
#include "ref.h"
#include "store.h"
#include "trust.h"
#include "push_target.h"
#include "update.h"

#include <string.h>

#include <jansson.h>

/* Does any role of t still name digest (under another tag)? */
static int digest_still_signed(const signp_trust *t, const char *digest)
{
	signp_target tg;
	char name[136];
	return signp_trust_find_digest(&tg, name, t, digest, NULL) == SIGN_OK;
}

SIGN_EXTERN(int) sign_revoke(sign_buf *json_out, sign_ctx *ctx, const char *refstr, const char *gun,
	sign_error *err)
{
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	signp_trust *t = NULL;
	signp_trust_load_opts lo = { .publisher = 1 };
	signp_gun_keys k;
	signp_target tg;
	signp_target_change change;
	signp_update_req req = { .changes = NULL };
	signp_publish *tx = NULL;
	signp_publish_opts po = { .allow_missing = 1 };
	char sigtag[96], jdigest[80] = "";
	int r, created = 0, removed = 0, journaled = 0;

	signp_err_clear(err);
	memset(&k, 0, sizeof(k));
	if ((r = signp_push_open(&ref, &st, &be, ctx, refstr, gun, 0, err)) != SIGN_OK)
		goto out;
	if (!ref.tag[0]) {
		r = signp_err(err, SIGN_EINVAL, "revoke %s: name the tag to revoke", refstr);
		goto out;
	}
	if ((r = signp_publish_begin(&tx, ctx, be, ref.gun, &po, err)) != SIGN_OK)
		goto out;
	/* a revoked tag is never published again from the journal, even one
	 * that a concurrent publisher's write lost before this revoke */
	{
		json_t *journal = signp_journal_load(ctx, ref.gun);
		const char *jd;
		uint64_t jsize;
		if (signp_journal_entry(json_object_get(journal, ref.tag), &jd, &jsize))
			signp_strlcpy(jdigest, jd, sizeof(jdigest));
		if (json_object_del(journal, ref.tag) == 0) {
			journaled = jdigest[0] != '\0';
			r = signp_journal_save(ctx, ref.gun, journal, err);
		}
		json_decref(journal);
		if (r != SIGN_OK)
			goto out;
	}
	if ((r = signp_trust_load(&t, ctx, be, ref.gun, &lo, err)) != SIGN_OK)
		goto out;
	if (!json_object_get(json_object_get(t->targets->signed_obj, "targets"), ref.tag)) {
		if (journaled && signp_trust_find_target(&tg, t, ref.tag, NULL) != SIGN_OK) {
			/* signed here, lost to another publisher's write: now it
			 * stays unpublished */
			signp_ctx_log(ctx, SIGN_LOG_WARN, "%s:%s, signed by this home at %s, is not in the published "
				"trust data (another publisher's write lost it, or its push was interrupted); it will not "
				"be published again", ref.gun, ref.tag, jdigest);
			if (json_out)
				signp_buf_printf(json_out, "{\"gun\":\"%s\",\"tag\":\"%s\",\"digest\":\"%s\","
					"\"revoked\":true,\"signature_removed\":false}", ref.gun, ref.tag, jdigest);
			goto out;
		}
		if (signp_trust_find_target(&tg, t, ref.tag, NULL) == SIGN_OK) {
			r = signp_err(err, SIGN_EKEY, "revoke %s: the tag is signed in %s, by a signer", refstr, tg.role);
			signp_err_hint(err, "remove that signer with `sign signer remove`");
		} else {
			r = signp_err(err, SIGN_EVERIFY, "revoke %s: the tag is not signed", refstr);
		}
		goto out;
	}
	if ((r = signp_trust_find_target(&tg, t, ref.tag, err)) != SIGN_OK)
		goto out;
	if ((r = signp_gun_keys_get(&k, &created, ctx, ref.gun, 0, 0, (be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP), 0, err)) != SIGN_OK)
		goto out;
	change.tag = ref.tag;
	change.digest = NULL;
	change.size = 0;
	req.changes = &change;
	req.nchanges = 1;
	req.ctx = ctx;
	req.be = be;
	req.k = &k;
	if ((r = signp_publish_commit(tx, signp_update_stage, &req, err)) != SIGN_OK)
		goto out;
	/* the detached signature goes too, unless another tag names the digest */
	signp_trust_free(t);
	t = NULL;
	lo.publisher = 0;
	if (signp_publish_result(tx) == NULL && (r = signp_trust_load(&t, ctx, be, ref.gun, &lo, err)) != SIGN_OK)
		goto out;
	if (!digest_still_signed(t ? t : signp_publish_result(tx), tg.digest) && signp_cosign_sig_tag(sigtag, tg.digest) == SIGN_OK) {
		sign_error e;
		memset(&e, 0, sizeof(e));
		if (signp_store_untag(st, sigtag, &e) == SIGN_OK)
			removed = 1;
		else if (e.code != SIGN_ENOTFOUND)
			signp_ctx_log(ctx, SIGN_LOG_WARN, "the detached signature stays: %s", e.message);
	}
	if (json_out)
		signp_buf_printf(json_out, "{\"gun\":\"%s\",\"tag\":\"%s\",\"digest\":\"%s\",\"revoked\":true,"
			"\"signature_removed\":%s}", ref.gun, ref.tag, tg.digest, removed ? "true" : "false");
out:
	signp_publish_end(tx);
	signp_ctx_remember_schemes(ctx);
	signp_gun_keys_free(&k);
	signp_trust_free(t);
	if (be)
		be->free(be);
	signp_store_free(st);
	return r;
}

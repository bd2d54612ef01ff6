/*
 * republish.c - sign_trust_republish: the owner of a GUN's keys publishes
 * the home's newer signed state again over an older one that the registry
 * serves (a registry restored from backup), with versions above both.
 *
 * The served state must be an ancestor of the home's, which here means all
 * of:
 *   - its root is byte for byte the root the home trusts (a root rotated
 *     since the backup is refused: the home does not hold the roots in
 *     between to publish them again);
 *   - its timestamp, snapshot and targets verify under that root's keys
 *     and thresholds, and chain (the timestamp's hash of the snapshot, the
 *     snapshot's of targets);
 *   - every one of their versions is at most the version the home cached,
 *     and at least one is lower (otherwise nothing was rolled back).
 * Anything else is refused with SIGN_EVERIFY, publishing nothing.
 */
#include "common.h"
#include "ctx.h"
#include "key.h"
#include "publish.h"
#include "ref.h"
#include "store.h"
#include "trust.h"
#include "tuf.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* The served role file, parsed (raw: no cache, no rollback check). */
static int fetch_served(signp_tuf_file **out, signp_trust_backend *be, const char *role,
	sign_error *err)
{
	sign_buf b = SIGN_BUF_INIT;
	size_t max = strcmp(role, "timestamp") == 0 ? SIGN_MAX_TIMESTAMP : SIGN_MAX_METADATA;
	int r = be->fetch(be, role, 0, NULL, max, &b, err);
	if (r == SIGN_OK)
		r = signp_tuf_parse(out, role, b.ptr, b.size, err);
	else
		signp_err_prefix(err, r, "reading the served %s", role);
	sign_buf_dispose(&b);
	return r;
}

/* parent's meta entry for child matches child's bytes. */
static int chains(const signp_tuf_file *parent, const char *name, const signp_tuf_file *child,
	sign_error *err)
{
	const json_t *m = json_object_get(json_object_get(parent->signed_obj, "meta"), name);
	if (m == NULL)
		return signp_err(err, SIGN_EVERIFY, "the served %s does not list %s", parent->role, name);
	return signp_tuf_check_filemeta(m, child->bytes, child->len, name, err);
}

/* Is the served state (root, ts, snap, targets) an ancestor of mine? */
static int check_ancestor(int *older, const signp_trust *mine, signp_tuf_file *const served[4],
	sign_error *err)
{
	const signp_tuf_file *const home[4] = { mine->root, mine->timestamp, mine->snapshot, mine->targets };
	const char *gun = mine->gun;
	int r;
	*older = 0;
	if (served[0]->len != mine->root->len || memcmp(served[0]->bytes, mine->root->bytes, mine->root->len) != 0) {
		r = signp_err(err, SIGN_EVERIFY, "republishing %s: the registry serves root version %lld, not the root "
			"this home trusts (version %lld): it is not an earlier state of this home's trust data", gun,
			(long long)served[0]->version, (long long)mine->root->version);
		signp_err_hint(err, "a different root under this GUN (another publisher's, or a root rotated "
			"since the backup) cannot be republished over");
		return r;
	}
	for (int i = 1; i < 4; i++) {
		if ((r = signp_trust_verify_role(mine->root, served[i], served[i]->role, err)) != SIGN_OK)
			return signp_err_prefix(err, SIGN_EVERIFY, "republishing %s: the served %s is not signed by "
				"the keys this home's root certifies", gun, served[i]->role);
		if (served[i]->version > home[i]->version)
			return signp_err(err, SIGN_EVERIFY, "republishing %s: the served %s version %lld is above this "
				"home's version %lld: it is newer, not an earlier state", gun, served[i]->role,
				(long long)served[i]->version, (long long)home[i]->version);
		if (served[i]->version < home[i]->version)
			*older = 1;
		else if (served[i]->len != home[i]->len || memcmp(served[i]->bytes, home[i]->bytes, home[i]->len) != 0)
			return signp_err(err, SIGN_EVERIFY, "republishing %s: the served %s version %lld differs from "
				"this home's file of the same version", gun, served[i]->role, (long long)served[i]->version);
	}
	if ((r = chains(served[1], "snapshot", served[2], err)) != SIGN_OK ||
	    (r = chains(served[2], "targets", served[3], err)) != SIGN_OK)
		return signp_err_prefix(err, SIGN_EVERIFY, "republishing %s: the served files do not chain", gun);
	return SIGN_OK;
}

/* The stage over the home's state: the delegation files as the home holds
 * them (the snapshot names them), targets re-signed; versions above both
 * (mine >= served for every role, checked before). */
static int republish_stage(signp_publish *tx, const signp_trust *mine, void *arg, sign_error *err)
{
	const signp_gun_keys *k = arg;
	int r = SIGN_OK;
	for (size_t i = 0; r == SIGN_OK && i < mine->ndeleg; i++)
		r = signp_publish_add_file(tx, mine->deleg[i]->role, mine->deleg[i]->version, mine->deleg[i]->bytes,
			mine->deleg[i]->len, err);
	if (r != SIGN_OK)
		return r;
	signp_publish_edit_targets(tx);
	signp_publish_set_keys(tx, k->targets, k->snapshot, k->timestamp);
	return SIGN_OK;
}

SIGN_EXTERN(int) sign_trust_republish(sign_buf *json_out, sign_ctx *ctx, const char *refstr,
	const char *gun, sign_error *err)
{
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	signp_trust *mine = NULL;
	signp_trust_load_opts off = { .offline = 1, .publisher = 1 };
	signp_publish *tx = NULL;
	signp_publish_opts po = { .first_only = 1, .no_reread = 1, .reread_publisher = 1 };
	char what[600];
	signp_tuf_file *served[4] = { NULL, NULL, NULL, NULL };
	static const char *const roles[4] = { "root", "timestamp", "snapshot", "targets" };
	signp_gun_keys k;
	int r, created = 0, older = 0;

	signp_err_clear(err);
	memset(&k, 0, sizeof(k));
	if ((r = signp_ref_parse(&ref, refstr, gun, err)) != SIGN_OK ||
	    (r = signp_store_open(&st, ctx, &ref, 0, err)) != SIGN_OK ||
	    (r = signp_trust_backend_open(&be, ctx, st, &ref, err)) != SIGN_OK)
		goto out;
	if (be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP) {
		r = signp_err(err, SIGN_EINVAL, "republishing %s: a trust server keeps the versions itself", ref.gun);
		goto out;
	}
	snprintf(what, sizeof(what), "re-reading the republished trust data of %s", ref.gun);
	po.reread_what = what;
	if ((r = signp_publish_begin(&tx, ctx, be, ref.gun, NULL, err)) != SIGN_OK)
		goto out;
	/* the home's state, as it verified and cached it */
	if ((r = signp_trust_load(&mine, ctx, be, ref.gun, &off, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "republishing %s: this home's trust data", ref.gun);
		goto out;
	}
	if ((r = signp_gun_keys_get(&k, &created, ctx, ref.gun, 0, 0, 0, 0, err)) != SIGN_OK)
		goto out;
	if (k.snapshot == NULL || k.timestamp == NULL ||
	    !signp_root_lists(mine->root, "targets", k.targets->id) ||
	    !signp_root_lists(mine->root, "snapshot", k.snapshot->id) ||
	    !signp_root_lists(mine->root, "timestamp", k.timestamp->id)) {
		r = signp_err(err, SIGN_EKEY, "republishing %s: the keys in this home are not the ones its root "
			"certifies", ref.gun);
		signp_err_hint(err, "import the repository, snapshot and timestamp keys of %s", ref.gun);
		goto out;
	}
	/* the served state, raw */
	if ((r = be->refresh(be, err)) != SIGN_OK) {
		if (r == SIGN_ENOTFOUND) {
			signp_err_clear(err);
			r = signp_err(err, SIGN_EVERIFY, "republishing %s: the registry holds no trust data for it", ref.gun);
			signp_err_hint(err, "if it was deleted on purpose, remove %s/trust/%s/metadata and push again",
				ctx->home, ref.gun);
		}
		goto out;
	}
	for (int i = 0; i < 4; i++)
		if ((r = fetch_served(&served[i], be, roles[i], err)) != SIGN_OK) {
			r = signp_err_prefix(err, r, "republishing %s", ref.gun);
			goto out;
		}
	if ((r = check_ancestor(&older, mine, served, err)) != SIGN_OK)
		goto out;
	if (!older) {
		if (json_out)
			signp_buf_printf(json_out, "{\"gun\":\"%s\",\"republished\":false,\"targets\":%lld,"
				"\"snapshot\":%lld,\"timestamp\":%lld}", ref.gun, (long long)mine->targets->version,
				(long long)mine->snapshot->version, (long long)mine->timestamp->version);
		goto out;
	}
	/* the detached signatures of the home's tags, written again when the
	 * restore lost them (as a push does: signatures before metadata) */
	{
		const char *tag;
		json_t *e;
		json_object_foreach(json_object_get(mine->targets->signed_obj, "targets"), tag, e) {
			signp_target tg;
			int ch = 0;
			if (signp_trust_find_target(&tg, mine, tag, NULL) != SIGN_OK || strcmp(tg.role, "targets") != 0)
				continue;
			if ((r = signp_push_signature(&ch, st, ref.gun, tg.digest, k.targets, err)) != SIGN_OK) {
				signp_err_prefix(err, r, "republishing %s:%s", ref.gun, tag);
				goto out;
			}
		}
	}
	po.first = mine;
	signp_publish_set_opts(tx, &po);
	if ((r = signp_publish_commit(tx, republish_stage, &k, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "republishing %s", ref.gun);
		goto out;
	}
	/* read back through the verifier: the cache now holds it */
	if ((r = signp_publish_reread(tx, err)) != SIGN_OK)
		goto out;
	if (json_out)
		signp_buf_printf(json_out, "{\"gun\":\"%s\",\"republished\":true,"
			"\"served\":{\"targets\":%lld,\"snapshot\":%lld,\"timestamp\":%lld},"
			"\"targets\":%lld,\"snapshot\":%lld,\"timestamp\":%lld}", ref.gun,
			(long long)served[3]->version, (long long)served[2]->version, (long long)served[1]->version,
			(long long)mine->targets->version + 1, (long long)mine->snapshot->version + 1,
			(long long)mine->timestamp->version + 1);
out:
	signp_publish_end(tx);
	signp_ctx_remember_schemes(ctx);
	for (int i = 0; i < 4; i++)
		signp_tuf_file_free(served[i]);
	signp_trust_free(mine);
	signp_gun_keys_free(&k);
	if (be)
		be->free(be);
	signp_store_free(st);
	return r;
}

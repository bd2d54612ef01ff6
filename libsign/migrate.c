/*
 * migrate.c - sign_migrate: move a GUN's trust collection off a Notary
 * server into the registry backend.
 *
 * The collection is carried over, not rebuilt: every root version, the
 * targets and delegation files go into the registry artifact as they are,
 * and root version N+1 (signed by the root key, which this home must
 * hold) hands the snapshot and timestamp roles to keys of this home, which
 * then sign a new snapshot and timestamp.  A verifier pinned to the old
 * root follows the rotation.  Every signed tag whose image the registry
 * serves, and whose signing key this home holds, gets a detached signature
 * (migrate_tags.c), before anything else is published.
 */
#include "common.h"
#include "ctx.h"
#include "key.h"
#include "migrate_tags.h"
#include "publish.h"
#include "ref.h"
#include "store.h"
#include "trust.h"
#include "tuf.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define MIGRATE_ROOT_SIGNERS 4

/* The root keys of this home that root lists, as signers. */
static int root_signers(signp_tuf_signer *signers, signp_key **held, size_t *n, sign_ctx *ctx,
	const char *gun, const signp_tuf_file *root, sign_error *err)
{
	int r = signp_root_signers(signers, held, MIGRATE_ROOT_SIGNERS, n, ctx, root, err);
	if (r == SIGN_OK && *n == 0) {
		signp_err(err, SIGN_EKEY, "migrating %s: this home holds none of its root keys", gun);
		signp_err_hint(err, "import the root key first: sign key import ~/.docker/trust/private/<id>.key");
		return SIGN_EKEY;
	}
	return r;
}

/* Does root list, for role, the TUF key whose canonical ID is cid? */
static int root_lists_key(const signp_tuf_file *root, const char *role, const char *cid)
{
	const json_t *keys = json_object_get(root->signed_obj, "keys");
	const json_t *ids = json_object_get(json_object_get(json_object_get(root->signed_obj,
		"roles"), role), "keyids"), *id;
	size_t i;
	json_array_foreach(ids, i, id) {
		EVP_PKEY *pk = NULL;
		char c[65];
		int hit = 0;
		const char *tid = json_string_value(id);
		if (tid && signp_tuf_key_pkey(&pk, json_object_get(keys, tid), NULL) == SIGN_OK &&
		    signp_key_canonical_id(c, pk, NULL) == SIGN_OK && strcmp(c, cid) == 0)
			hit = 1;
		EVP_PKEY_free(pk);
		if (hit)
			return 1;
	}
	return 0;
}

/* Root N+1: the snapshot and timestamp roles move to this home's keys. */
static int build_next_root(sign_buf *wire, sign_ctx *ctx, const char *gun,
	const signp_tuf_file *root, const signp_gun_keys *k, sign_error *err)
{
	json_t *s = json_deep_copy(root->signed_obj), *keys, *roles, *obj = NULL;
	signp_tuf_signer signers[MIGRATE_ROOT_SIGNERS];
	signp_key *held[MIGRATE_ROOT_SIGNERS] = { NULL };
	size_t n = 0;
	char sid[65], tsid[65];
	int r;
	const char *role;
	json_t *rv;
	if (s == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	keys = json_object_get(s, "keys");
	roles = json_object_get(s, "roles");
	/* drop the keys only the old snapshot/timestamp roles used */
	json_object_foreach(roles, role, rv) {
		const json_t *id;
		size_t i;
		if (strcmp(role, "snapshot") != 0 && strcmp(role, "timestamp") != 0)
			continue;
		json_array_foreach(json_object_get(rv, "keyids"), i, id) {
			const char *kid = json_string_value(id);
			int used = 0;
			const char *other;
			json_t *ov;
			json_object_foreach(roles, other, ov) {
				const json_t *oid;
				size_t j;
				if (strcmp(other, "snapshot") == 0 || strcmp(other, "timestamp") == 0)
					continue;
				json_array_foreach(json_object_get(ov, "keyids"), j, oid)
					if (kid && json_is_string(oid) && strcmp(json_string_value(oid), kid) == 0)
						used = 1;
			}
			if (kid && !used)
				json_object_del(keys, kid);
		}
	}
	if ((r = signp_tuf_key_new(&obj, sid, k->snapshot->pkey, NULL, err)) != SIGN_OK)
		goto out;
	json_object_set_new(keys, sid, obj);
	if ((r = signp_tuf_key_new(&obj, tsid, k->timestamp->pkey, NULL, err)) != SIGN_OK)
		goto out;
	json_object_set_new(keys, tsid, obj);
	json_object_set_new(roles, "snapshot", json_pack("{s:[s], s:i}", "keyids", sid, "threshold", 1));
	json_object_set_new(roles, "timestamp", json_pack("{s:[s], s:i}", "keyids", tsid, "threshold", 1));
	json_object_set_new(s, "version", json_integer(root->version + 1));
	json_object_set_new(s, "expires", signp_expires_in(SIGN_LIFE_ROOT));
	if ((r = root_signers(signers, held, &n, ctx, gun, root, err)) != SIGN_OK)
		goto out;
	r = signp_tuf_sign(wire, s, signers, n, err);
out:
	for (size_t i = 0; i < MIGRATE_ROOT_SIGNERS; i++)
		signp_key_free(held[i]);
	json_decref(s);
	return r;
}

/* What a migration publishes over the source's state. */
typedef struct migrate_run {
	sign_ctx *ctx;
	const signp_ref *ref;
	const signp_gun_keys *k;
	const sign_buf *history;      /* [1..version]: every root version */
	const sign_buf *root;         /* root N+1 */
	sign_buf *tags, *notes;       /* the report's entries (migrate_tags.h) */
	sign_progress_fn progress;
	void *progress_arg;
} migrate_run;

/* Give back what b holds beyond its bytes (a buffer grown by doubling). */
static void buf_fit(sign_buf *b)
{
	char *p;
	if (b->ptr != NULL && b->asize > b->size + 1 && (p = realloc(b->ptr, b->size + 1)) != NULL) {
		b->ptr = p;
		b->asize = b->size + 1;
	}
}

/* The stage: every root version, root N+1, targets and the delegation
 * files as they are; snapshot and timestamp by this home's keys. */
static int migrate_stage(signp_publish *tx, const signp_trust *src, void *arg, sign_error *err)
{
	migrate_run *run = arg;
	int64_t v;
	int r = SIGN_OK;
	for (v = 1; r == SIGN_OK && v <= src->root->version; v++)
		r = signp_publish_add_file(tx, "root", v, run->history[v].ptr, run->history[v].size, err);
	if (r == SIGN_OK)
		r = signp_publish_add_file(tx, "root", src->root->version + 1, run->root->ptr, run->root->size, err);
	if (r == SIGN_OK)
		r = signp_publish_add_file(tx, "targets", src->targets->version, src->targets->bytes,
			src->targets->len, err);
	for (size_t i = 0; r == SIGN_OK && i < src->ndeleg; i++)
		r = signp_publish_add_file(tx, src->deleg[i]->role, src->deleg[i]->version, src->deleg[i]->bytes,
			src->deleg[i]->len, err);
	if (r != SIGN_OK)
		return r;
	signp_publish_set_keys(tx, NULL, run->k->snapshot, run->k->timestamp);
	/* detached signatures go first, as in a push: a failure there publishes
	 * nothing, and a rerun finds what was written */
	signp_buf_clear(run->tags);
	signp_buf_clear(run->notes);
	r = signp_migrate_tags(run->tags, run->notes, run->ctx, run->ref, src, run->k, run->progress,
		run->progress_arg, err);
	buf_fit(run->tags);
	buf_fit(run->notes);
	return r;
}

SIGN_EXTERN(int) sign_migrate(sign_buf *json_out, sign_ctx *ctx, const char *gun,
	const sign_migrate_options *opts, sign_error *err)
{
	signp_ref ref;
	signp_trust_backend *src_be = NULL, *dst_be = NULL;
	signp_store *st = NULL;
	signp_trust *src = NULL;
	signp_trust_load_opts lo;
	signp_gun_keys k;
	signp_publish *tx = NULL;
	/* no read-back in the commit: this one is made after the source's trees
	 * are freed (at 100,000 tags each costs tens of MB) */
	signp_publish_opts po = { .first_only = 1, .no_reread = 1,
		.reread_what = "re-reading the migrated trust data" };
	sign_migrate_options v2 = SIGN_MIGRATE_OPTIONS_INIT;
	migrate_run run;
	sign_buf root = SIGN_BUF_INIT;
	sign_buf *history = NULL;
	sign_buf tags = SIGN_BUF_INIT, notes = SIGN_BUF_INIT;
	char *jgun = NULL, *jfrom = NULL;
	int r, created = 0, ok;
	int64_t v, root_version;

	signp_err_clear(err);
	memset(&k, 0, sizeof(k));
	memset(&run, 0, sizeof(run));
	if (opts != NULL && opts->version == 1) {
		/* version 1 ends before progress */
		memcpy(&v2, opts, offsetof(sign_migrate_options, progress));
		v2.version = SIGN_MIGRATE_OPTIONS_VERSION;
		opts = &v2;
	}
	if (opts == NULL || opts->version != SIGN_MIGRATE_OPTIONS_VERSION || opts->from_trust_server == NULL) {
		r = signp_err(err, SIGN_EINVAL, "migrate: --from-trust-server URL is needed");
		goto out;
	}
	if ((r = signp_ref_parse(&ref, gun, NULL, err)) != SIGN_OK)
		goto out;
	if (ref.layout || ref.tag[0] || ref.digest[0]) {
		r = signp_err(err, SIGN_EINVAL, "migrate %s: name a GUN (host/path), without tag or digest", gun);
		goto out;
	}
	/* the source: the Notary server */
	if ((r = signp_trust_backend_open_notary(&src_be, ctx, opts->from_trust_server, &ref, err)) != SIGN_OK)
		goto out;
	if ((r = signp_publish_begin(&tx, ctx, NULL, ref.gun, NULL, err)) != SIGN_OK)
		goto out;
	memset(&lo, 0, sizeof(lo));
	lo.root_key_files = opts->root_keys;
	if ((r = signp_trust_load(&src, ctx, src_be, ref.gun, &lo, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "reading %s from the notary server", ref.gun);
		goto out;
	}
	/* the destination: the registry repository of the GUN */
	if ((r = signp_store_open(&st, ctx, &ref, 0, err)) != SIGN_OK ||
	    (r = signp_trust_backend_artifact(&dst_be, st, ref.gun, err)) != SIGN_OK)
		goto out;
	r = dst_be->refresh(dst_be, err);
	if (r == SIGN_OK) {
		r = signp_err(err, SIGN_EINVAL, "migrate %s: the registry already holds trust data for it",
			ref.gun);
		signp_err_hint(err, "sign inspect %s shows it", ref.gun);
		goto out;
	}
	if (r != SIGN_ENOTFOUND)
		goto out;
	signp_err_clear(err);
	/* keys: the root and repository keys as notary had them (checked
	 * before anything is created); snapshot and timestamp keys of this
	 * home, created when missing */
	{
		signp_tuf_signer sg[MIGRATE_ROOT_SIGNERS];
		signp_key *held[MIGRATE_ROOT_SIGNERS] = { NULL };
		size_t nh = 0;
		r = root_signers(sg, held, &nh, ctx, ref.gun, src->root, err);
		for (size_t i = 0; i < nh; i++)
			signp_key_free(held[i]);
		if (r != SIGN_OK)
			goto out;
	}
	if ((r = signp_gun_keys_get(&k, &created, ctx, ref.gun, 0, 0, 0, 0, err)) != SIGN_OK)
		goto out;
	if (!root_lists_key(src->root, "targets", k.targets->id)) {
		r = signp_err(err, SIGN_EKEY, "migrating %s: the repository key in this home is not the one its root certifies",
			ref.gun);
		signp_err_hint(err, "import the GUN's targets key from ~/.docker/trust/private or ~/.notary/private");
		goto out;
	}
	if ((k.snapshot == NULL && (r = signp_new_role_key(&k.snapshot, ctx, "snapshot", ref.gun, err)) != SIGN_OK) ||
	    (k.timestamp == NULL && (r = signp_new_role_key(&k.timestamp, ctx, "timestamp", ref.gun, err)) != SIGN_OK))
		goto out;
	if ((r = build_next_root(&root, ctx, ref.gun, src->root, &k, err)) != SIGN_OK)
		goto out;
	/* every root version, then the rest */
	if ((history = calloc((size_t)src->root->version + 1, sizeof(sign_buf))) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	for (v = 1; v <= src->root->version; v++) {
		if ((r = src_be->fetch(src_be, "root", v, NULL, SIGN_MAX_METADATA, &history[v], err)) != SIGN_OK) {
			signp_err_prefix(err, r, "fetching root version %lld", (long long)v);
			goto out;
		}
	}
	run.ctx = ctx;
	run.ref = &ref;
	run.k = &k;
	run.history = history;
	run.root = &root;
	run.tags = &tags;
	run.notes = &notes;
	run.progress = opts->progress;
	run.progress_arg = opts->progress_arg;
	po.first = src;
	signp_publish_set_opts(tx, &po);
	signp_publish_set_backend(tx, dst_be);
	if ((r = signp_publish_commit(tx, migrate_stage, &run, err)) != SIGN_OK)
		goto out;
	for (v = 0; v <= src->root->version; v++)
		sign_buf_dispose(&history[v]);
	signp_trust_free(src);
	src = NULL;
	if ((r = signp_publish_reread(tx, err)) != SIGN_OK)
		goto out;
	/* done with the published collection (a tree of every target) before
	 * the report is put together */
	root_version = signp_publish_result(tx)->root->version;
	signp_publish_end(tx);
	tx = NULL;
	/* the report as text: a tree of 100,000 tags would cost ~100 MB */
	{
		json_t *g = json_string(ref.gun), *f = json_string(opts->from_trust_server);
		jgun = g ? json_dumps(g, JSON_ENCODE_ANY) : NULL;
		jfrom = f ? json_dumps(f, JSON_ENCODE_ANY) : NULL;
		json_decref(g);
		json_decref(f);
	}
	/* room for all of it at once, and each part dropped once copied */
	ok = jgun != NULL && jfrom != NULL &&
	     signp_buf_grow(json_out, strlen(jgun) + strlen(jfrom) + tags.size + notes.size + 200) == SIGN_OK &&
	     signp_buf_printf(json_out, "{\n  \"gun\": %s,\n  \"from\": %s,\n  \"root_version\": %lld,\n  \"tags\": [",
		     jgun, jfrom, (long long)root_version) == SIGN_OK &&
	     (tags.size == 0 || (signp_buf_putc(json_out, '\n') == SIGN_OK &&
		     signp_buf_put(json_out, tags.ptr, tags.size) == SIGN_OK &&
		     signp_buf_puts(json_out, "\n  ") == SIGN_OK));
	sign_buf_dispose(&tags);
	ok = ok && signp_buf_puts(json_out, "],\n  \"not_carried\": [") == SIGN_OK &&
	     (notes.size == 0 || (signp_buf_putc(json_out, '\n') == SIGN_OK &&
		     signp_buf_put(json_out, notes.ptr, notes.size) == SIGN_OK &&
		     signp_buf_puts(json_out, "\n  ") == SIGN_OK)) &&
	     signp_buf_puts(json_out, "]\n}") == SIGN_OK;
	if (!ok)
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
out:
	signp_publish_end(tx);
	signp_ctx_remember_schemes(ctx);
	free(jgun);
	free(jfrom);
	sign_buf_dispose(&tags);
	sign_buf_dispose(&notes);
	if (history)
		for (v = 0; src && v <= src->root->version; v++)
			sign_buf_dispose(&history[v]);
	free(history);
	sign_buf_dispose(&root);
	signp_gun_keys_free(&k);
	signp_trust_free(src);
	if (src_be)
		src_be->free(src_be);
	if (dst_be)
		dst_be->free(dst_be);
	signp_store_free(st);
	return r;
}

/*
 * signer_edit.c - sign signer add|remove: edits of the targets role's
 * delegations (signer.c has the model), published in one publish
 * transaction (publish.h).
 */
#include "signer.h"
#include "publish.h"
#include "tuf.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#define MAX_SIGNER_KEYS 32
#define MAX_SIGNER_PATHS 64
#define RELEASES SIGNP_RELEASES

/* The delegations object of a targets signed part, made well formed. */
static json_t *delegations_of(json_t *tsigned)
{
	json_t *d = json_object_get(tsigned, "delegations");
	if (!json_is_object(d)) {
		d = json_object();
		json_object_set_new(tsigned, "delegations", d);
	}
	if (!json_is_object(json_object_get(d, "keys")))
		json_object_set_new(d, "keys", json_object());
	if (!json_is_array(json_object_get(d, "roles")))
		json_object_set_new(d, "roles", json_array());
	return d;
}


/* ---- signer add / remove: edits of targets ---- */

/* Union of keyids into role; paths replaced when given; threshold set
 * when > 0.  Created (paths [""], threshold 1) when absent. */
static json_t *role_upsert(json_t *roles, const char *name, const json_t *ids, const json_t *paths,
	int threshold)
{
	json_t *role = signp_find_role(roles, name, NULL), *kids, *v;
	size_t i;
	if (role == NULL) {
		role = json_pack("{s:[], s:s, s:[s], s:i}", "keyids", "name", name, "paths", "", "threshold", 1);
		if (role == NULL || json_array_append_new(roles, role) != 0)
			return NULL;
	}
	kids = json_object_get(role, "keyids");
	if (!json_is_array(kids)) {
		kids = json_array();
		json_object_set_new(role, "keyids", kids);
	}
	json_array_foreach(ids, i, v)
		if (!signp_ids_has(kids, json_string_value(v)))
			json_array_append(kids, v);
	if (paths)
		json_object_set_new(role, "paths", json_deep_copy(paths));
	if (threshold > 0)
		json_object_set_new(role, "threshold", json_integer(threshold));
	if (!json_is_integer(json_object_get(role, "threshold")))
		json_object_set_new(role, "threshold", json_integer(1));
	return role;
}

/* targets/releases' paths: the union of the signer roles' paths (and of
 * its own, when it holds keys no signer role lists: a role made by other
 * tools).  [""] covers everything. */
static void releases_paths(json_t *roles, json_t *rel)
{
	json_t *paths = json_array(), *r, *p, *id;
	size_t i, j;
	int foreign = 0, all = 0;
	json_array_foreach(json_object_get(rel, "keyids"), i, id) {
		int listed = 0;
		json_array_foreach(roles, j, r) {
			const char *n = json_string_value(json_object_get(r, "name"));
			if (n && strcmp(n, RELEASES) != 0 && signp_signer_direct_child(n) &&
			    signp_ids_has(json_object_get(r, "keyids"), json_string_value(id)))
				listed = 1;
		}
		if (!listed)
			foreign = 1;
	}
	json_array_foreach(roles, i, r) {
		const char *n = json_string_value(json_object_get(r, "name"));
		if (n == NULL || !signp_signer_direct_child(n) || (strcmp(n, RELEASES) == 0 && !foreign))
			continue;
		json_array_foreach(json_object_get(r, "paths"), j, p) {
			size_t k;
			json_t *q;
			int seen = 0;
			if (!json_is_string(p))
				continue;
			if (json_string_length(p) == 0)
				all = 1;
			json_array_foreach(paths, k, q)
				if (json_equal(p, q))
					seen = 1;
			if (!seen)
				json_array_append(paths, p);
		}
	}
	if (all) {
		json_array_clear(paths);
		json_array_append_new(paths, json_string(""));
	}
	if (json_array_size(paths) == 0)
		json_object_del(rel, "paths"); /* notary: omitted when empty; signs nothing */
	else
		json_object_set(rel, "paths", paths);
	json_decref(paths);
}

/* Drop keys no role lists any more. */
static void prune_keys(json_t *deleg)
{
	json_t *keys = json_object_get(deleg, "keys"), *roles = json_object_get(deleg, "roles"), *r, *v;
	const char *id;
	void *tmp;
	size_t i;
	json_object_foreach_safe(keys, tmp, id, v) {
		int used = 0;
		json_array_foreach(roles, i, r)
			if (signp_ids_has(json_object_get(r, "keyids"), id))
				used = 1;
		if (!used)
			json_object_del(keys, id);
	}
}

typedef struct signer_edit {
	int remove;
	const char *name;       /* signer name */
	const json_t *keys;     /* add: keyid -> TUF key object */
	const json_t *paths;    /* add: NULL keeps (new role: [""]) */
	int threshold;          /* add: 0 keeps (new role: 1) */
} signer_edit;

/* A role lists each public key once: under two key IDs (another encoding
 * of its point, a certificate over it) one key would fill two places of the
 * threshold in the eyes of a verifier that counted IDs. */
static int check_distinct(const json_t *keys, const json_t *role, sign_error *err)
{
	char a[65], b[65];
	const json_t *ids = json_object_get(role, "keyids");
	int n = signp_tuf_distinct_keys(keys, ids, a, b);
	if (n < 0)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	if ((size_t)n < json_array_size(ids)) {
		signp_err(err, SIGN_EINVAL, "%s: key IDs %s and %s are the same public key: a "
			"threshold counts distinct keys, so a role lists each key once",
			json_string_value(json_object_get(role, "name")), a, b);
		signp_err_hint(err, "remove the signer that lists it twice (`sign signer remove`) and add "
			"it again with each key once");
		return SIGN_EINVAL;
	}
	return SIGN_OK;
}

/* The threshold is at most the number of distinct keys. */
static int check_threshold(const json_t *keys, const json_t *role, sign_error *err)
{
	json_int_t th = json_integer_value(json_object_get(role, "threshold"));
	int nd = signp_tuf_distinct_keys(keys, json_object_get(role, "keyids"), NULL, NULL);
	size_t n = nd > 0 ? (size_t)nd : 0;
	if (th < 1 || (size_t)th > n)
		return signp_err(err, SIGN_EINVAL, "%s: threshold %lld but %zu key(s): a role cannot need "
			"more signatures than it has keys", json_string_value(json_object_get(role, "name")),
			(long long)th, n);
	return SIGN_OK;
}

/* Apply an edit to a copy of targets' signed part (a removed role leaves
 * the snapshot with it: the snapshot lists only delegated roles). */
static int apply_edit(json_t *tsigned, const signer_edit *e, const char *rname, const char *gun,
	sign_error *err)
{
	json_t *deleg = delegations_of(tsigned), *roles = json_object_get(deleg, "roles");
	json_t *ids = json_array(), *role, *rel, *v;
	const char *id;
	size_t i, idx;
	int r = SIGN_OK;

	if (ids == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	if (!e->remove) {
		json_object_foreach((json_t *)e->keys, id, v) {
			json_object_set(json_object_get(deleg, "keys"), id, v);
			json_array_append_new(ids, json_string(id));
		}
		if ((role = role_upsert(roles, rname, ids, e->paths, e->threshold)) == NULL ||
		    (rel = role_upsert(roles, RELEASES, ids, NULL, e->threshold)) == NULL) {
			r = signp_err(err, SIGN_ENOMEM, "out of memory");
			goto out;
		}
		releases_paths(roles, rel);
		if ((r = check_distinct(json_object_get(deleg, "keys"), role, err)) != SIGN_OK ||
		    (r = check_distinct(json_object_get(deleg, "keys"), rel, err)) != SIGN_OK ||
		    (r = check_threshold(json_object_get(deleg, "keys"), role, err)) != SIGN_OK ||
		    (r = check_threshold(json_object_get(deleg, "keys"), rel, err)) != SIGN_OK)
			goto out;
	} else {
		json_t *gone;
		if ((role = signp_find_role(roles, rname, &idx)) == NULL) {
			r = signp_err(err, SIGN_ENOTFOUND, "%s has no signer %s", gun, e->name);
			signp_err_hint(err, "`sign signer list %s` shows its signers", gun);
			goto out;
		}
		gone = json_incref(role);
		json_array_remove(roles, idx);
		rel = signp_find_role(roles, RELEASES, &idx);
		if (rel) {
			json_t *kids = json_object_get(rel, "keyids"), *keep = json_array();
			json_array_foreach(kids, i, v) {
				int other = 0;
				size_t j;
				json_t *o;
				if (!json_is_string(v))
					continue;
				if (signp_ids_has(json_object_get(gone, "keyids"), json_string_value(v))) {
					/* still listed by another signer's role? keep it */
					json_array_foreach(roles, j, o) {
						const char *n = json_string_value(json_object_get(o, "name"));
						if (n && strcmp(n, RELEASES) != 0 &&
						    signp_ids_has(json_object_get(o, "keyids"), json_string_value(v)))
							other = 1;
					}
					if (!other)
						continue;
				}
				json_array_append(keep, v);
			}
			json_object_set_new(rel, "keyids", keep);
			if (json_array_size(keep) == 0) {
				json_array_remove(roles, idx);
			} else {
				json_int_t th = json_integer_value(json_object_get(rel, "threshold"));
				int ndk = signp_tuf_distinct_keys(json_object_get(deleg, "keys"), keep, NULL, NULL);
				if (ndk > 0 && th > (json_int_t)ndk)
					json_object_set_new(rel, "threshold", json_integer((json_int_t)ndk));
				releases_paths(roles, rel);
			}
		}
		json_decref(gone);
		prune_keys(deleg);
	}
out:
	json_decref(ids);
	return r;
}

/* What an edit stages against the current state. */
typedef struct edit_run {
	sign_ctx *ctx;
	signp_trust_backend *be;
	const signp_key *targets;
	signp_pub_keys pk;
	const signer_edit *e;
	json_t *result;
} edit_run;

/* The stage of a targets edit: merge it into the current targets. */
static int edit_stage(signp_publish *tx, const signp_trust *t, void *arg, sign_error *err)
{
	edit_run *run = arg;
	const signer_edit *e = run->e;
	const char *gun = signp_publish_gun(tx);
	json_t *tsigned, *roles, *role, *rel;
	char dropname[256];
	int r;

	json_decref(run->result);
	run->result = NULL;
	if (t == NULL) {
		/* no trust data at all: it was never signed */
		r = signp_err(err, SIGN_EVERIFY, "%s has no trust data: it was never signed", gun);
		signp_err_prefix(err, r, "reading the current trust data of %s", gun);
		signp_err_hint(err, "sign a tag first (`sign push %s:TAG`): that creates the repository", gun);
		return r;
	}
	if (!signp_root_lists(t->root, "targets", run->targets->id)) {
		r = signp_err(err, SIGN_EKEY, "changing the signers of %s: the repository key in this home "
			"is not the one its root certifies", gun);
		signp_err_hint(err, "import the repository key of %s", gun);
		return r;
	}
	if ((r = signp_pub_keys_get(&run->pk, run->ctx, run->be, t, "changing the signers", err)) != SIGN_OK)
		return r;
	if ((tsigned = signp_publish_edit_targets(tx)) == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	snprintf(dropname, sizeof(dropname), "targets/%s", e->name);
	if ((r = apply_edit(tsigned, e, dropname, gun, err)) != SIGN_OK)
		return r;
	signp_publish_set_keys(tx, run->targets, run->pk.snapshot, run->pk.timestamp);
	/* the result: the signer's role and targets/releases as published */
	roles = json_object_get(json_object_get(tsigned, "delegations"), "roles");
	role = signp_find_role(roles, dropname, NULL);
	rel = signp_find_role(roles, RELEASES, NULL);
	run->result = json_pack("{s:s, s:s, s:s, s:o, s:o, s:I}", "gun", gun, "signer", e->name,
		e->remove ? "removed" : "role", dropname,
		"signer_role", role ? signp_role_json(role) : json_null(),
		"releases", rel ? signp_role_json(rel) : json_null(),
		"targets_version", (json_int_t)(t->targets->version + 1));
	if (run->result == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	return SIGN_OK;
}

static int signer_edit_run(sign_buf *json_out, sign_ctx *ctx, const char *gunref, const signer_edit *e,
	sign_error *err)
{
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	signp_key *targets = NULL;
	signp_publish *tx = NULL;
	signp_publish_opts po = { .allow_missing = 1 };
	edit_run run;
	signp_keyinfo info;
	int r;

	memset(&run, 0, sizeof(run));
	if ((r = signp_signer_open(&ref, &st, &be, ctx, gunref, err)) != SIGN_OK)
		goto out;
	if ((r = signp_publish_begin(&tx, ctx, be, ref.gun, &po, err)) != SIGN_OK)
		goto out;
	/* the repository key (snapshot and timestamp: as the root lists them) */
	if ((r = signp_keystore_find(&info, ctx->home, "targets", ref.gun, NULL)) == SIGN_ENOTFOUND) {
		r = signp_err(err, SIGN_EKEY, "changing the signers of %s: this home holds no repository key "
			"for it", ref.gun);
		signp_err_hint(err, "run it in the publisher's home, or import the repository key with "
			"`sign key import FILE --role targets --gun %s`", ref.gun);
		goto out;
	}
	if (r != SIGN_OK || (r = signp_ctx_load_key(&targets, ctx, info.id, SIGN_PASS_REPOSITORY, err)) != SIGN_OK)
		goto out;
	run.ctx = ctx;
	run.be = be;
	run.targets = targets;
	run.e = e;
	if ((r = signp_publish_commit(tx, edit_stage, &run, err)) != SIGN_OK)
		goto out;
	r = signp_dump_json(json_out, run.result, err);
out:
	signp_publish_end(tx);
	signp_ctx_remember_schemes(ctx);
	json_decref(run.result);
	signp_key_free(targets);
	signp_pub_keys_free(&run.pk);
	if (be)
		be->free(be);
	signp_store_free(st);
	return r;
}

/* The key ID of an EC key as its file encodes it (the point compressed or
 * not: what notary would list it under), "" for other keys, whose encoding
 * is canonical.  For the message that names a key given twice, whose
 * canonical IDs agree by construction. */
static void id_as_encoded(char out[65], EVP_PKEY *pkey)
{
	unsigned char *der = NULL;
	sign_buf b64 = SIGN_BUF_INIT;
	int n;
	out[0] = '\0';
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC)
		return;
	n = i2d_PUBKEY(pkey, &der);
	if (n <= 0 || signp_b64_encode(&b64, der, (size_t)n) != SIGN_OK ||
	    signp_tuf_keyid(out, "ecdsa", b64.ptr, NULL) != SIGN_OK)
		out[0] = '\0';
	ERR_clear_error();
	OPENSSL_free(der);
	sign_buf_dispose(&b64);
}

SIGN_EXTERN(int) sign_signer_add(sign_buf *json_out, sign_ctx *ctx, const char *name, const char *gun,
	const char *const *key_files, const char *const *paths, int threshold, sign_error *err)
{
	signer_edit e;
	json_t *keys = json_object(), *jpaths = NULL;
	json_t *given = json_object(); /* canonical ID -> [file, ID as that file encodes it] */
	sign_buf data = SIGN_BUF_INIT;
	size_t nkeys = 0, npaths = 0;
	int r = SIGN_OK;

	signp_err_clear(err);
	memset(&e, 0, sizeof(e));
	if (keys == NULL || given == NULL) {
		json_decref(keys);
		json_decref(given);
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	}
	if (!signp_signer_name_ok(name) || strcmp(name, "releases") == 0) {
		r = signp_err(err, SIGN_EINVAL, "signer name \"%.64s\": use lower-case letters, digits, - and _%s",
			name ? name : "", name && strcmp(name, "releases") == 0 ? " (releases is reserved)" : "");
		goto out;
	}
	if (threshold < 0 || threshold > MAX_SIGNER_KEYS) {
		r = signp_err(err, SIGN_EINVAL, "signer %s: bad threshold %d", name, threshold);
		goto out;
	}
	for (const char *const *f = key_files; f && *f; f++) {
		signp_key *k = NULL;
		json_t *obj = NULL;
		char id[65];
		if (++nkeys > MAX_SIGNER_KEYS) {
			r = signp_err(err, SIGN_EINVAL, "signer %s: at most %d keys", name, MAX_SIGNER_KEYS);
			goto out;
		}
		signp_buf_clear(&data);
		if ((r = signp_read_file(&data, *f, SIGN_MAX_KEYFILE, err)) != SIGN_OK ||
		    (r = signp_key_parse(&k, data.ptr, data.size, NULL, 0, err)) != SIGN_OK) {
			if (r == SIGN_EPASSPHRASE) {
				signp_err_clear(err);
				r = signp_err(err, SIGN_EINVAL, "%s is an encrypted private key", *f);
				signp_err_hint(err, "give the signer's public key (`sign key export KEYID --public`)");
			}
			signp_err_prefix(err, r, "reading signer key %s", *f);
			goto out;
		}
		r = signp_tuf_key_new(&obj, id, k->pkey, NULL, err);
		if (r == SIGN_OK) {
			/* one public key twice (perhaps in two encodings, with two
			 * IDs elsewhere) would meet a threshold of two alone */
			const json_t *prev = json_object_get(given, id);
			char enc[65];
			id_as_encoded(enc, k->pkey);
			if (prev != NULL) {
				const char *pf = json_string_value(json_array_get(prev, 0));
				const char *pe = json_string_value(json_array_get(prev, 1));
				r = signp_err(err, SIGN_EINVAL, "signer %s: %s (key ID %s) and %s (key ID %s) are "
					"the same public key: a threshold counts distinct keys", name, pf,
					pe[0] ? pe : id, *f, enc[0] ? enc : id);
				signp_err_hint(err, "give each signer key once; its canonical key ID is %s", id);
			} else if (json_object_set_new(given, id, json_pack("[s,s]", *f, enc)) != 0) {
				r = signp_err(err, SIGN_ENOMEM, "out of memory");
			}
		}
		signp_key_free(k);
		if (r != SIGN_OK) {
			json_decref(obj);
			goto out;
		}
		json_object_set_new(keys, id, obj);
	}
	if (nkeys == 0) {
		r = signp_err(err, SIGN_EINVAL, "signer %s: give at least one --key PUB.pem", name);
		goto out;
	}
	if (paths && paths[0]) {
		jpaths = json_array();
		for (const char *const *p = paths; *p; p++) {
			if (++npaths > MAX_SIGNER_PATHS || strlen(*p) > 255) {
				r = signp_err(err, SIGN_EINVAL, "signer %s: too many or too long --paths", name);
				goto out;
			}
			if (json_array_append_new(jpaths, json_string(*p)) != 0) {
				r = signp_err(err, SIGN_EINVAL, "signer %s: --paths must be UTF-8", name);
				goto out;
			}
		}
	}
	e.name = name;
	e.keys = keys;
	e.paths = jpaths;
	e.threshold = threshold;
	r = signer_edit_run(json_out, ctx, gun, &e, err);
out:
	json_decref(keys);
	json_decref(given);
	json_decref(jpaths);
	sign_buf_dispose(&data);
	return r;
}

SIGN_EXTERN(int) sign_signer_remove(sign_buf *json_out, sign_ctx *ctx, const char *name, const char *gun,
	sign_error *err)
{
	signer_edit e;

	signp_err_clear(err);
	memset(&e, 0, sizeof(e));
	if (!signp_signer_name_ok(name) || strcmp(name, "releases") == 0)
		return signp_err(err, SIGN_EINVAL, "signer name \"%.64s\": not a signer name", name ? name : "");
	e.remove = 1;
	e.name = name;
	return signer_edit_run(json_out, ctx, gun, &e, err);
}


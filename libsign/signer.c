/*
 * signer.c - signers (TUF delegations): sign signer add|remove|list, and
 * sign push --key KEYID into the signer's roles.
 *
 * Model (docker trust signer, reference/notary-tuf.md §8):
 *  - `signer add NAME` puts the signer's keys into targets' delegations
 *    and lists them in two roles: targets/NAME (the signer's own role, with
 *    its paths and threshold) and targets/releases (the role docker pull
 *    and `sign verify` read).  targets/releases is shared by every signer:
 *    its keys are the union of the signers' keys, its paths the union of
 *    their paths, and --threshold sets it too (a two-person release).
 *  - `push --key` signs the tag into every direct delegation that lists
 *    the key and whose paths allow the tag; the signer's own roles decide
 *    what it may sign.  A role with threshold N needs N signatures over
 *    the same content: a signer pushing a tag and digest that a role file
 *    already holds adds its signature to the file without changing it.
 *  - Only the repository key signs targets (add, remove); a signer needs
 *    its delegation key, plus the snapshot and timestamp keys against a
 *    registry (a Notary server makes those itself).
 */
#include "publish.h"
#include "cosign.h"
#include "ref.h"
#include "tuf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <sodium.h>

#define SIGNER_TRIES 10
#define MAX_SIGNER_KEYS 32
#define MAX_SIGNER_PATHS 64
#define RELEASES "targets/releases"

/* ---- small helpers ---- */

static int name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 200)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* A direct child delegation name "targets/x" (what we read and sign). */
static int direct_child(const char *role)
{
	return role && signp_str_has_prefix(role, "targets/") && name_ok(role + 8);
}

static int ids_has(const json_t *ids, const char *id)
{
	const json_t *v;
	size_t i;
	json_array_foreach(ids, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
			return 1;
	return 0;
}

static int root_lists(const signp_tuf_file *root, const char *role, const char *id)
{
	return ids_has(json_object_get(json_object_get(json_object_get(root->signed_obj, "roles"),
		role), "keyids"), id);
}

static int path_allowed(const json_t *role, const char *tag)
{
	const json_t *p;
	size_t i;
	json_array_foreach(json_object_get(role, "paths"), i, p)
		if (json_is_string(p) && signp_str_has_prefix(tag, json_string_value(p)))
			return 1;
	return 0;
}

static void back_off(int attempt)
{
	struct timespec ts = { 0, (long)(20 + randombytes_uniform(80) * (unsigned)(attempt + 1)) * 1000000L };
	nanosleep(&ts, NULL);
}

static int open_gun(signp_ref *ref, signp_store **st, signp_trust_backend **be, sign_ctx *ctx,
	const char *refstr, sign_error *err)
{
	int r;
	if (refstr == NULL)
		return signp_err(err, SIGN_EINVAL, "signer: no GUN given");
	if ((r = signp_ref_parse(ref, refstr, NULL, err)) != SIGN_OK)
		return r;
	if ((r = signp_store_open(st, ctx, ref, 0, err)) != SIGN_OK)
		return r;
	return signp_trust_backend_open(be, ctx, *st, ref, err);
}

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

static json_t *find_role(const json_t *roles, const char *name, size_t *idx)
{
	json_t *r;
	size_t i;
	json_array_foreach(roles, i, r) {
		const char *n = json_string_value(json_object_get(r, "name"));
		if (n && strcmp(n, name) == 0) {
			if (idx)
				*idx = i;
			return r;
		}
	}
	return NULL;
}

/* ---- loading the snapshot and timestamp keys a publish needs ---- */

typedef struct pub_keys {
	signp_key *snapshot;   /* NULL: the server makes the snapshot */
	signp_key *timestamp;  /* NULL: the server makes the timestamp */
} pub_keys;

static void pub_keys_free(pub_keys *p)
{
	signp_key_free(p->snapshot);
	signp_key_free(p->timestamp);
	memset(p, 0, sizeof(*p));
}

/* The key of the home that the root lists for role (snapshot, timestamp),
 * or NULL (*out) when the home holds none of them. */
static int held_role_key(signp_key **out, sign_ctx *ctx, const signp_tuf_file *root, const char *role,
	sign_error *err)
{
	const json_t *ids = json_object_get(json_object_get(json_object_get(root->signed_obj, "roles"),
		role), "keyids"), *id;
	size_t i;
	*out = NULL;
	json_array_foreach(ids, i, id) {
		signp_keyinfo info;
		if (!json_is_string(id) || strlen(json_string_value(id)) != 64)
			continue;
		if (signp_keystore_info(&info, ctx->home, json_string_value(id), NULL) != SIGN_OK)
			continue;
		return signp_ctx_load_key(out, ctx, info.id, SIGN_PASS_REPOSITORY, err);
	}
	return SIGN_OK;
}

/* Snapshot and timestamp keys for a publish by someone other than the
 * root holder: against a registry both are needed; against a Notary
 * server the timestamp is the server's, and the snapshot too unless the
 * root lists a key of this home. */
static int get_pub_keys(pub_keys *p, sign_ctx *ctx, signp_trust_backend *be, const signp_trust *t,
	const char *what, sign_error *err)
{
	int r;
	if (p->snapshot == NULL && (r = held_role_key(&p->snapshot, ctx, t->root, "snapshot", err)) != SIGN_OK)
		return r;
	if (be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP)
		return SIGN_OK;
	if (p->timestamp == NULL && (r = held_role_key(&p->timestamp, ctx, t->root, "timestamp", err)) != SIGN_OK)
		return r;
	if (p->snapshot == NULL || p->timestamp == NULL) {
		r = signp_err(err, SIGN_EKEY,
			"%s: this home holds no %s key of %s: against a registry, whoever publishes also "
			"re-signs the snapshot and timestamp, so this home needs the GUN's snapshot and "
			"timestamp keys (they use the repository passphrase)", what,
			p->snapshot == NULL ? "snapshot" : "timestamp", t->gun);
		signp_err_hint(err, "export them from the publisher's home (`sign key export KEYID`) and "
			"import them here with `sign key import FILE --role snapshot|timestamp --gun %s`",
			t->gun);
		return r;
	}
	return SIGN_OK;
}

/* ---- publishing: snapshot over the changed files, timestamp ---- */

typedef struct out_file {
	char role[128];
	int64_t version;
	sign_buf bytes;
} out_file;

/* Publish files (targets and/or delegation files) with a new snapshot
 * (when this home holds the snapshot key) and timestamp (registry).  The
 * snapshot starts from the current one, so delegation files not touched
 * keep their entries (also ones still waiting for more signatures);
 * roles in `drop` lose theirs. */
static int publish_files(sign_ctx *ctx, signp_trust_backend *be, const signp_trust *t, out_file *files,
	size_t n, const char *const *drop, const pub_keys *pk, sign_error *err)
{
	signp_trust_out outs[SIGN_TRUST_MAX_DELEG + 4];
	sign_buf snap = SIGN_BUF_INIT, ts = SIGN_BUF_INIT;
	json_t *meta = NULL, *s = NULL;
	size_t no = 0;
	int r;
	int64_t sver = t->snapshot->version + 1, tsver = t->timestamp->version + 1;

	if (n > SIGN_TRUST_MAX_DELEG + 1)
		return signp_err(err, SIGN_EINVAL, "publishing: too many files");
	for (size_t i = 0; i < n; i++)
		outs[no++] = (signp_trust_out){ "", files[i].version, (const unsigned char *)files[i].bytes.ptr,
			files[i].bytes.size };
	for (size_t i = 0; i < n; i++)
		signp_strlcpy(outs[i].role, files[i].role, sizeof(outs[i].role));
	if (pk->snapshot) {
		meta = json_deep_copy(json_object_get(t->snapshot->signed_obj, "meta"));
		if (!json_is_object(meta)) {
			r = signp_err(err, SIGN_EFORMAT, "snapshot of %s has no meta", t->gun);
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			json_object_set_new(meta, files[i].role,
				signp_tuf_filemeta(files[i].bytes.ptr, files[i].bytes.size, 1));
		for (const char *const *d = drop; d && *d; d++)
			json_object_del(meta, *d);
		s = json_pack("{s:s, s:o, s:O, s:I}", "_type", "Snapshot", "expires",
			signp_expires_in(SIGN_LIFE_SNAPSHOT), "meta", meta, "version", (json_int_t)sver);
		if (s == NULL) {
			r = signp_err(err, SIGN_ENOMEM, "building snapshot: out of memory");
			goto out;
		}
		if ((r = signp_sign_file(&snap, s, pk->snapshot, err)) != SIGN_OK)
			goto out;
		outs[no++] = (signp_trust_out){ "snapshot", sver, (const unsigned char *)snap.ptr, snap.size };
	}
	if (!(be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP)) {
		if (pk->timestamp == NULL || snap.size == 0) {
			r = signp_err(err, SIGN_EKEY, "publishing %s: no snapshot or timestamp key", t->gun);
			goto out;
		}
		if ((r = signp_build_timestamp(&ts, snap.ptr, snap.size, tsver,
			     signp_trust_timestamp_lifetime(ctx, t->gun), pk->timestamp, err)) != SIGN_OK)
			goto out;
		outs[no++] = (signp_trust_out){ "timestamp", tsver, (const unsigned char *)ts.ptr, ts.size };
	}
	r = be->publish(be, outs, no, err);
out:
	json_decref(meta);
	json_decref(s);
	sign_buf_dispose(&snap);
	sign_buf_dispose(&ts);
	return r;
}

/* Re-read through the verifier so that the cache holds what was published. */
static int reread(sign_ctx *ctx, signp_trust_backend *be, const char *gun, sign_error *err)
{
	signp_trust *t = NULL;
	signp_trust_load_opts lo = { 0 };
	int r = signp_trust_load(&t, ctx, be, gun, &lo, err);
	if (r != SIGN_OK)
		signp_err_prefix(err, r, "re-reading the published trust data");
	signp_trust_free(t);
	return r;
}

/* ---- JSON of roles ---- */

static json_t *role_json(const json_t *role)
{
	json_t *paths = json_object_get(role, "paths"), *ids = json_object_get(role, "keyids");
	return json_pack("{s:O, s:o, s:o, s:I}", "role", json_object_get(role, "name"),
		"keyids", json_is_array(ids) ? json_incref(ids) : json_array(),
		"paths", json_is_array(paths) ? json_incref(paths) : json_array(),
		"threshold", (json_int_t)json_integer_value(json_object_get(role, "threshold")));
}

static int dump_json(sign_buf *out, json_t *doc, sign_error *err)
{
	char *s;
	int r;
	if (out == NULL)
		return SIGN_OK;
	if (doc == NULL || (s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	signp_buf_clear(out);
	r = signp_buf_puts(out, s) == SIGN_OK ? SIGN_OK : signp_err(err, SIGN_ENOMEM, "out of memory");
	free(s);
	return r;
}

/* ---- signer add / remove: edits of targets ---- */

/* Union of keyids into role; paths replaced when given; threshold set
 * when > 0.  Created (paths [""], threshold 1) when absent. */
static json_t *role_upsert(json_t *roles, const char *name, const json_t *ids, const json_t *paths,
	int threshold)
{
	json_t *role = find_role(roles, name, NULL), *kids, *v;
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
		if (!ids_has(kids, json_string_value(v)))
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
			if (n && strcmp(n, RELEASES) != 0 && direct_child(n) &&
			    ids_has(json_object_get(r, "keyids"), json_string_value(id)))
				listed = 1;
		}
		if (!listed)
			foreign = 1;
	}
	json_array_foreach(roles, i, r) {
		const char *n = json_string_value(json_object_get(r, "name"));
		if (n == NULL || !direct_child(n) || (strcmp(n, RELEASES) == 0 && !foreign))
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
			if (ids_has(json_object_get(r, "keyids"), id))
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

/* Apply an edit to a copy of targets' signed part.  drop gets the roles
 * removed (for the snapshot). */
static int apply_edit(json_t *tsigned, const signer_edit *e, const char *rname, const char *gun,
	const char *drop[3], sign_error *err)
{
	json_t *deleg = delegations_of(tsigned), *roles = json_object_get(deleg, "roles");
	json_t *ids = json_array(), *role, *rel, *v;
	const char *id;
	size_t i, idx;
	int r = SIGN_OK, nd = 0;

	drop[0] = drop[1] = drop[2] = NULL;
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
		if ((role = find_role(roles, rname, &idx)) == NULL) {
			r = signp_err(err, SIGN_ENOTFOUND, "%s has no signer %s", gun, e->name);
			signp_err_hint(err, "`sign signer list %s` shows its signers", gun);
			goto out;
		}
		gone = json_incref(role);
		json_array_remove(roles, idx);
		drop[nd++] = rname;
		rel = find_role(roles, RELEASES, &idx);
		if (rel) {
			json_t *kids = json_object_get(rel, "keyids"), *keep = json_array();
			json_array_foreach(kids, i, v) {
				int other = 0;
				size_t j;
				json_t *o;
				if (!json_is_string(v))
					continue;
				if (ids_has(json_object_get(gone, "keyids"), json_string_value(v))) {
					/* still listed by another signer's role? keep it */
					json_array_foreach(roles, j, o) {
						const char *n = json_string_value(json_object_get(o, "name"));
						if (n && strcmp(n, RELEASES) != 0 &&
						    ids_has(json_object_get(o, "keyids"), json_string_value(v)))
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
				drop[nd++] = RELEASES;
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

/* One read-merge-sign-publish attempt of a targets edit. */
static int edit_once(json_t **result, sign_ctx *ctx, signp_trust_backend *be, const char *gun,
	const signp_gun_keys *k, pub_keys *pk, const signer_edit *e, sign_error *err)
{
	signp_trust *t = NULL;
	signp_trust_load_opts lo = { .publisher = 1 };
	json_t *tsigned = NULL, *roles;
	out_file f;
	const char *drop[3];
	char dropname[256];
	int r;

	memset(&f, 0, sizeof(f));
	if ((r = signp_trust_load(&t, ctx, be, gun, &lo, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "reading the current trust data of %s", gun);
		if (r == SIGN_EVERIFY && err && strstr(err->message, "never signed"))
			signp_err_hint(err, "sign a tag first (`sign push %s:TAG`): that creates the repository",
				gun);
		goto out;
	}
	if (!root_lists(t->root, "targets", k->targets->id)) {
		r = signp_err(err, SIGN_EKEY, "changing the signers of %s: the repository key in this home "
			"is not the one its root certifies", gun);
		signp_err_hint(err, "import the repository key of %s", gun);
		goto out;
	}
	if ((r = get_pub_keys(pk, ctx, be, t, "changing the signers", err)) != SIGN_OK)
		goto out;
	if ((tsigned = json_deep_copy(t->targets->signed_obj)) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(dropname, sizeof(dropname), "targets/%s", e->name);
	if ((r = apply_edit(tsigned, e, dropname, gun, drop, err)) != SIGN_OK)
		goto out;
	json_object_set_new(tsigned, "version", json_integer(t->targets->version + 1));
	json_object_set_new(tsigned, "expires", signp_expires_in(SIGN_LIFE_TARGETS));
	if ((r = signp_sign_file(&f.bytes, tsigned, k->targets, err)) != SIGN_OK)
		goto out;
	signp_strlcpy(f.role, "targets", sizeof(f.role));
	f.version = t->targets->version + 1;
	if ((r = publish_files(ctx, be, t, &f, 1, drop, pk, err)) != SIGN_OK)
		goto out;
	/* the result: the signer's role and targets/releases as published */
	roles = json_object_get(json_object_get(tsigned, "delegations"), "roles");
	{
		json_t *role = find_role(roles, dropname, NULL), *rel = find_role(roles, RELEASES, NULL);
		*result = json_pack("{s:s, s:s, s:s, s:o, s:o, s:I}", "gun", gun, "signer", e->name,
			e->remove ? "removed" : "role", dropname,
			"signer_role", role ? role_json(role) : json_null(),
			"releases", rel ? role_json(rel) : json_null(),
			"targets_version", (json_int_t)f.version);
		if (*result == NULL)
			r = signp_err(err, SIGN_ENOMEM, "out of memory");
	}
out:
	signp_trust_free(t);
	json_decref(tsigned);
	sign_buf_dispose(&f.bytes);
	return r;
}

static int signer_edit_run(sign_buf *json_out, sign_ctx *ctx, const char *gunref, const signer_edit *e,
	sign_error *err)
{
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	signp_gun_keys k;
	pub_keys pk;
	json_t *result = NULL;
	signp_keyinfo info;
	int r, lockfd = -1;

	memset(&k, 0, sizeof(k));
	memset(&pk, 0, sizeof(pk));
	if ((r = open_gun(&ref, &st, &be, ctx, gunref, err)) != SIGN_OK)
		goto out;
	if ((r = signp_lock_gun(&lockfd, ctx, ref.gun, err)) != SIGN_OK)
		goto out;
	/* the repository key (snapshot and timestamp: as the root lists them) */
	if ((r = signp_keystore_find(&info, ctx->home, "targets", ref.gun, NULL)) == SIGN_ENOTFOUND) {
		r = signp_err(err, SIGN_EKEY, "changing the signers of %s: this home holds no repository key "
			"for it", ref.gun);
		signp_err_hint(err, "run it in the publisher's home, or import the repository key with "
			"`sign key import FILE --role targets --gun %s`", ref.gun);
		goto out;
	}
	if (r != SIGN_OK || (r = signp_ctx_load_key(&k.targets, ctx, info.id, SIGN_PASS_REPOSITORY, err)) != SIGN_OK)
		goto out;
	for (int attempt = 0; attempt < SIGNER_TRIES; attempt++) {
		signp_err_clear(err);
		json_decref(result);
		result = NULL;
		r = edit_once(&result, ctx, be, ref.gun, &k, &pk, e, err);
		if (r != SIGN_ECONFLICT)
			break;
		back_off(attempt);
	}
	if (r != SIGN_OK || (r = reread(ctx, be, ref.gun, err)) != SIGN_OK)
		goto out;
	r = dump_json(json_out, result, err);
out:
	signp_unlock_gun(lockfd);
	signp_ctx_remember_schemes(ctx);
	json_decref(result);
	signp_gun_keys_free(&k);
	pub_keys_free(&pk);
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

	memset(&e, 0, sizeof(e));
	if (keys == NULL || given == NULL) {
		json_decref(keys);
		json_decref(given);
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	}
	if (!name_ok(name) || strcmp(name, "releases") == 0) {
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
	memset(&e, 0, sizeof(e));
	if (!name_ok(name) || strcmp(name, "releases") == 0)
		return signp_err(err, SIGN_EINVAL, "signer name \"%.64s\": not a signer name", name ? name : "");
	e.remove = 1;
	e.name = name;
	return signer_edit_run(json_out, ctx, gun, &e, err);
}

SIGN_EXTERN(int) sign_signer_list(sign_buf *json_out, sign_ctx *ctx, const char *gunref, sign_error *err)
{
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	signp_trust *t = NULL;
	signp_trust_load_opts lo = { 0 };
	json_t *doc = NULL, *arr, *role;
	size_t i;
	int r;

	if ((r = open_gun(&ref, &st, &be, ctx, gunref, err)) != SIGN_OK)
		goto out;
	if ((r = signp_trust_load(&t, ctx, be, ref.gun, &lo, err)) != SIGN_OK)
		goto out;
	arr = json_array();
	doc = json_pack("{s:s, s:o}", "gun", ref.gun, "roles", arr);
	if (doc == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(json_object_get(json_object_get(t->targets->signed_obj, "delegations"), "roles"),
		i, role) {
		const char *n = json_string_value(json_object_get(role, "name"));
		const signp_tuf_file *f = NULL;
		json_t *j, *tags = json_array();
		const char *status, *tag;
		json_t *v;
		if (n == NULL || (j = role_json(role)) == NULL) {
			json_decref(tags);
			continue;
		}
		for (size_t d = 0; d < t->ndeleg; d++)
			if (strcmp(t->deleg[d]->role, n) == 0)
				f = t->deleg[d];
		if (f)
			status = "valid";
		else if (json_object_get(json_object_get(t->snapshot->signed_obj, "meta"), n))
			status = "not-valid"; /* published, but too few signatures, expired or bad */
		else
			status = "no-tags";
		if (f)
			json_object_foreach(json_object_get(f->signed_obj, "targets"), tag, v)
				if (path_allowed(role, tag))
					json_array_append_new(tags, json_string(tag));
		json_object_set_new(j, "name", json_string(signp_str_has_prefix(n, "targets/") ? n + 8 : n));
		json_object_set_new(j, "status", json_string(status));
		json_object_set_new(j, "version", json_integer(f ? f->version : 0));
		json_object_set_new(j, "tags", tags);
		json_array_append_new(arr, j);
	}
	r = dump_json(json_out, doc, err);
out:
	json_decref(doc);
	signp_trust_free(t);
	signp_ctx_remember_schemes(ctx);
	if (be)
		be->free(be);
	signp_store_free(st);
	return r;
}

/* ---- sign push --key KEYID ---- */

/* The TUF key ID under which the role lists dk (its canonical ID, or a
 * certificate or other form of the same public key), or NULL. */
static const char *role_key_id(const json_t *role, const json_t *keys, const signp_key *dk)
{
	const json_t *id;
	size_t i;
	if (ids_has(json_object_get(role, "keyids"), dk->id) && json_object_get(keys, dk->id))
		return dk->id;
	json_array_foreach(json_object_get(role, "keyids"), i, id) {
		EVP_PKEY *pk = NULL;
		int same;
		const json_t *obj = json_object_get(keys, json_string_value(id) ? json_string_value(id) : "");
		if (obj == NULL || signp_tuf_key_pkey(&pk, obj, NULL) != SIGN_OK)
			continue;
		same = EVP_PKEY_eq(pk, dk->pkey) == 1;
		EVP_PKEY_free(pk);
		if (same)
			return json_string_value(id);
	}
	return NULL;
}

/* The current file of a delegation: the verified one, else the published
 * one the snapshot names (hash-checked, signatures not yet enough), else
 * NULL (none yet). */
static int current_deleg(signp_tuf_file **out, signp_trust_backend *be, const signp_trust *t,
	const char *role, sign_error *err)
{
	const json_t *meta = json_object_get(json_object_get(t->snapshot->signed_obj, "meta"), role);
	const char *h;
	sign_buf raw = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	char hex[65];
	int r;
	*out = NULL;
	for (size_t i = 0; i < t->ndeleg; i++)
		if (strcmp(t->deleg[i]->role, role) == 0)
			return signp_tuf_parse(out, role, t->deleg[i]->bytes, t->deleg[i]->len, err);
	if (meta == NULL)
		return SIGN_OK;
	h = json_string_value(json_object_get(json_object_get(meta, "hashes"), "sha256"));
	if (h && signp_b64_decode(&raw, h, strlen(h)) == SIGN_OK && raw.size == 32)
		signp_hex(hex, (const unsigned char *)raw.ptr, 32);
	else
		hex[0] = '\0';
	sign_buf_dispose(&raw);
	r = be->fetch(be, role, 0, hex[0] ? hex : NULL, SIGN_MAX_METADATA, &data, err);
	if (r == SIGN_OK)
		r = signp_tuf_check_filemeta(meta, data.ptr, data.size, role, err);
	if (r == SIGN_OK)
		r = signp_tuf_parse(out, role, data.ptr, data.size, err);
	if (r != SIGN_OK)
		signp_err_prefix(err, r, "reading %s", role);
	sign_buf_dispose(&data);
	return r;
}

#define MAX_PUSH_KEYS 8

/* Add signatures by signers[] to f's existing ones; same signed part (an
 * earlier signature by one of those key IDs is replaced). */
static int cosign_file(sign_buf *wire, const signp_tuf_file *f, const signp_tuf_signer *signers, size_t n,
	sign_error *err)
{
	sign_buf msg = SIGN_BUF_INIT, sig = SIGN_BUF_INIT;
	json_t *sigs = json_array(), *s;
	char method[16];
	size_t i, j;
	int r = SIGN_OK;
	if (sigs == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	json_array_foreach(f->signatures, i, s) {
		const char *kid = json_string_value(json_object_get(s, "keyid"));
		int ours = 0;
		for (j = 0; kid && j < n; j++)
			if (strcmp(kid, signers[j].keyid) == 0)
				ours = 1;
		if (kid && !ours)
			json_array_append(sigs, s);
	}
	if ((r = signp_cjson_canonical(&msg, f->signed_obj, err)) != SIGN_OK)
		goto out;
	for (j = 0; j < n; j++) {
		if ((r = signp_tuf_sig_create(&sig, method, signers[j].pkey, msg.ptr, msg.size, err)) != SIGN_OK)
			goto out;
		if (json_array_append_new(sigs, json_pack("{s:s,s:s,s:s}", "keyid", signers[j].keyid,
			    "method", method, "sig", sig.ptr)) != 0) {
			r = signp_err(err, SIGN_ENOMEM, "out of memory");
			goto out;
		}
	}
	signp_buf_clear(wire);
	r = signp_cjson_wire(wire, f->signed_obj, sigs, err);
out:
	json_decref(sigs);
	sign_buf_dispose(&msg);
	sign_buf_dispose(&sig);
	return r;
}

typedef struct signer_push {
	signp_store *st;
	const char *gun;
	const char *tag;
	const char *digest;
	uint64_t size;
	signp_key *dks[MAX_PUSH_KEYS]; /* the signer keys given (--key ID[,ID...]) */
	size_t ndk;
	int used[MAX_PUSH_KEYS];       /* the key may sign the tag into some role */
	int sig_done[MAX_PUSH_KEYS];   /* its detached signature is pushed */
	int sig_changed;
	char roles[64];         /* roles signed into, comma separated */
	char pending[512];      /* roles still short of their threshold */
} signer_push;

/* May dk sign tag into role?  Its own signer roles (targets/x other than
 * releases, listing the key) decide; targets/releases also checks its
 * own paths. */
static int may_sign(const json_t *roles, const json_t *keys, const json_t *role, const signp_key *dk,
	const char *tag)
{
	const char *n = json_string_value(json_object_get(role, "name"));
	const json_t *o;
	size_t i;
	int own = 0, own_ok = 0;
	if (!path_allowed(role, tag))
		return 0;
	if (strcmp(n, RELEASES) != 0)
		return 1;
	json_array_foreach(roles, i, o) {
		const char *on = json_string_value(json_object_get(o, "name"));
		if (!direct_child(on) || strcmp(on, RELEASES) == 0 || role_key_id(o, keys, dk) == NULL)
			continue;
		own = 1;
		if (path_allowed(o, tag))
			own_ok = 1;
	}
	return !own || own_ok;
}

static void paths_text(char *out, size_t size, const json_t *role)
{
	const json_t *p;
	size_t i, o = 0;
	out[0] = '\0';
	json_array_foreach(json_object_get(role, "paths"), i, p) {
		int n = snprintf(out + o, size - o, "%s\"%s\"", o ? ", " : "",
			json_string_value(p) ? json_string_value(p) : "?");
		if (n < 0 || (size_t)n >= size - o)
			break;
		o += (size_t)n;
	}
	if (o == 0)
		snprintf(out, size, "none");
}

/* Remember a role the tag is (now) in, and whether it is short of its
 * threshold. */
static void note_role(signer_push *sp, const char *n, int nvalid, int64_t th)
{
	size_t l = strlen(sp->roles);
	if (l + strlen(n) + 2 < sizeof(sp->roles))
		snprintf(sp->roles + l, sizeof(sp->roles) - l, "%s%s", l ? "," : "", n);
	if (nvalid < th) {
		l = strlen(sp->pending);
		snprintf(sp->pending + l, sizeof(sp->pending) - l, "%s%s (%d of %lld)",
			l ? ", " : "", n, nvalid, (long long)th);
	}
}

/* Detached signatures by every key that signs, before the metadata: an
 * interrupted push leaves a signature that nothing references yet, never
 * a tag without a signature. */
static int push_detached(signer_push *sp, sign_error *err)
{
	int r, ch;
	for (size_t j = 0; j < sp->ndk; j++) {
		if (!sp->used[j] || sp->sig_done[j])
			continue;
		ch = 0;
		if ((r = signp_push_signature(&ch, sp->st, sp->gun, sp->digest, sp->dks[j], err)) != SIGN_OK)
			return r;
		sp->sig_done[j] = 1;
		if (ch)
			sp->sig_changed = 1;
	}
	return SIGN_OK;
}

static int signer_once(int *noop, signer_push *sp, sign_ctx *ctx, signp_trust_backend *be,
	pub_keys *pk, sign_error *err)
{
	signp_trust *t = NULL;
	signp_trust_load_opts lo = { .publisher = 1 };
	const json_t *deleg, *roles, *keys, *role;
	out_file files[SIGN_TRUST_MAX_DELEG];
	size_t nf = 0, i, j, nlisted = 0;
	json_t *want = NULL, *ns = NULL;
	signp_tuf_file *cur = NULL;
	char refused[256] = "", ptxt[192];
	int r = SIGN_OK, own_refusal = 0;
	int64_t now = signp_now();

	*noop = 0;
	memset(files, 0, sizeof(files));
	sp->roles[0] = sp->pending[0] = '\0';
	if ((r = signp_trust_load(&t, ctx, be, sp->gun, &lo, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "reading the current trust data of %s", sp->gun);
		goto out;
	}
	deleg = json_object_get(t->targets->signed_obj, "delegations");
	roles = json_object_get(deleg, "roles");
	keys = json_object_get(deleg, "keys");
	if ((want = signp_target_json(sp->digest, sp->size)) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(roles, i, role) {
		const char *n = json_string_value(json_object_get(role, "name"));
		signp_tuf_signer use[MAX_PUSH_KEYS];
		size_t nu = 0, iu[MAX_PUSH_KEYS];
		const json_t *entry;
		out_file *f;
		int64_t th;
		int nvalid, listed = 0;
		if (!direct_child(n))
			continue;
		for (j = 0; j < sp->ndk; j++) {
			const char *kid = role_key_id(role, keys, sp->dks[j]);
			if (kid == NULL)
				continue;
			listed = 1;
			if (may_sign(roles, keys, role, sp->dks[j], sp->tag)) {
				use[nu].keyid = kid;
				use[nu].pkey = sp->dks[j]->pkey;
				iu[nu++] = j;
			}
		}
		if (!listed)
			continue;
		nlisted++;
		if (nu == 0) {
			/* name the signer's own role first; targets/releases only
			 * when its own paths are what refuse */
			if ((strcmp(n, RELEASES) != 0 && !own_refusal) ||
			    (refused[0] == '\0' && !path_allowed(role, sp->tag))) {
				paths_text(ptxt, sizeof(ptxt), role);
				snprintf(refused, sizeof(refused), "%.64s may sign only tags starting with %.150s",
					n, ptxt);
				own_refusal = strcmp(n, RELEASES) != 0;
			}
			continue;
		}
		for (j = 0; j < nu; j++)
			sp->used[iu[j]] = 1;
		if (nf == SIGN_TRUST_MAX_DELEG)
			break;
		signp_tuf_file_free(cur);
		cur = NULL;
		if ((r = current_deleg(&cur, be, t, n, err)) != SIGN_OK)
			goto out;
		th = json_integer_value(json_object_get(role, "threshold"));
		if (th < 1)
			th = 1;
		f = &files[nf];
		signp_strlcpy(f->role, n, sizeof(f->role));
		entry = cur ? json_object_get(json_object_get(cur->signed_obj, "targets"), sp->tag) : NULL;
		if (cur && entry && json_equal(entry, want) && cur->expires > now) {
			/* the file holds this tag and digest already: co-sign it
			 * with the keys that have not signed it yet */
			size_t na = 0;
			nvalid = signp_tuf_count_valid(cur, keys, json_object_get(role, "keyids"));
			for (j = 0; j < nu && nvalid < th; j++) {
				json_t *one = json_pack("[s]", use[j].keyid);
				int mine = signp_tuf_count_valid(cur, keys, one);
				json_decref(one);
				if (mine <= 0)
					use[na++] = use[j];
			}
			if (nvalid >= th || na == 0) {
				note_role(sp, n, nvalid, th); /* signed already */
				continue;
			}
			if ((r = cosign_file(&f->bytes, cur, use, na, err)) != SIGN_OK)
				goto out;
			f->version = cur->version;
			nvalid += (int)na;
		} else {
			json_decref(ns);
			ns = cur ? json_deep_copy(cur->signed_obj) :
				json_pack("{s:s, s:{s:{}, s:[]}, s:{}, s:i}", "_type", "Targets", "delegations", "keys",
					"roles", "targets", "version", 0);
			if (ns == NULL || !json_is_object(json_object_get(ns, "targets")) ||
			    json_object_set(json_object_get(ns, "targets"), sp->tag, want) != 0) {
				r = signp_err(err, SIGN_EFORMAT, "%s: cannot add %s to it", n, sp->tag);
				goto out;
			}
			f->version = (cur ? cur->version : 0) + 1;
			json_object_set_new(ns, "version", json_integer(f->version));
			json_object_set_new(ns, "expires", signp_expires_in(SIGN_LIFE_TARGETS));
			if ((r = signp_tuf_sign(&f->bytes, ns, use, nu, err)) != SIGN_OK)
				goto out;
			nvalid = (int)nu;
		}
		nf++;
		note_role(sp, n, nvalid, th);
	}
	if (nf == 0 && sp->roles[0] == '\0' && refused[0]) {
		r = signp_err(err, SIGN_EINVAL, "signing %s:%s with key %.12s: refused: %s", sp->gun, sp->tag,
			sp->dks[0]->id, refused);
		goto out;
	}
	if (nlisted == 0) {
		r = signp_err(err, SIGN_EKEY, "signing %s:%s: key %.12s is not a signer of %s", sp->gun, sp->tag,
			sp->dks[0]->id, sp->gun);
		signp_err_hint(err, "the repository owner adds it with `sign signer add NAME %s --key PUB.pem`",
			sp->gun);
		goto out;
	}
	if (nf == 0) {
		/* nothing to change in the metadata (signed already) */
		r = push_detached(sp, err);
		*noop = 1;
		goto out;
	}
	if ((r = get_pub_keys(pk, ctx, be, t, "signing as a signer", err)) != SIGN_OK ||
	    (r = push_detached(sp, err)) != SIGN_OK)
		goto out;
	r = publish_files(ctx, be, t, files, nf, NULL, pk, err);
	if (r != SIGN_OK && sp->pending[0] && (be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP) && err &&
	    strstr(err->message, "did not meet threshold"))
		signp_err_hint(err, "a Notary server takes a delegation file only once it holds its threshold "
			"of signatures: sign with enough of the role's keys at once (`--key ID1,ID2`)");
out:
	for (i = 0; i < SIGN_TRUST_MAX_DELEG; i++)
		sign_buf_dispose(&files[i].bytes);
	signp_tuf_file_free(cur);
	json_decref(want);
	json_decref(ns);
	signp_trust_free(t);
	return r;
}

/* Load the signer keys of --key ID[,ID...] (delegation passphrase). */
static int load_signer_keys(signer_push *sp, sign_ctx *ctx, const char *list, sign_error *err)
{
	const char *p = list;
	int r;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char id[80];
		signp_keyinfo info;
		if (len == 0 || len >= sizeof(id))
			return signp_err(err, SIGN_EINVAL, "push --key: bad key ID list \"%.80s\"", list);
		if (sp->ndk == MAX_PUSH_KEYS)
			return signp_err(err, SIGN_EINVAL, "push --key: at most %d keys", MAX_PUSH_KEYS);
		memcpy(id, p, len);
		id[len] = '\0';
		if ((r = signp_keystore_info(&info, ctx->home, id, err)) != SIGN_OK)
			return signp_err_prefix(err, r, "push --key %.72s", id);
		if (strcmp(info.role, "root") == 0 || strcmp(info.role, "targets") == 0 ||
		    strcmp(info.role, "snapshot") == 0 || strcmp(info.role, "timestamp") == 0) {
			r = signp_err(err, SIGN_EINVAL, "push --key %.12s: that is a %s key, not a signer key",
				info.id, info.role);
			signp_err_hint(err, "push without --key to sign with the repository key");
			return r;
		}
		for (size_t j = 0; j < sp->ndk; j++)
			if (strcmp(sp->dks[j]->id, info.id) == 0)
				return signp_err(err, SIGN_EINVAL, "push --key: %.12s given twice", info.id);
		if ((r = signp_ctx_load_key(&sp->dks[sp->ndk], ctx, info.id, SIGN_PASS_DELEGATION, err)) != SIGN_OK)
			return r;
		sp->ndk++;
		p = comma ? comma + 1 : NULL;
	}
	if (sp->ndk == 0)
		return signp_err(err, SIGN_EINVAL, "push --key: no key ID given");
	return SIGN_OK;
}

/* The signer tags this home's journal holds that a read of the published
 * state no longer shows (a concurrent publisher's write lost them): the
 * ones signed with the same keys (keyids) go through the same signing path
 * again, the others are named with the command that publishes them.
 * Confirmed or changed entries leave the journal. */
static void republish_lost(signer_push *base, sign_ctx *ctx, signp_trust_backend *be, pub_keys *pk,
	json_t *journal, const char *keyids)
{
	signp_trust *t = NULL;
	signp_trust_load_opts lo = { .publisher = 1 };
	const char *tag, *digest, *signer;
	json_t *e, *tmp;
	uint64_t size;
	sign_error e2;
	int dirty = 0, others = 0;
	memset(&e2, 0, sizeof(e2));
	json_object_foreach(journal, tag, e)
		others |= signp_journal_signer(e) != NULL && strcmp(tag, base->tag) != 0;
	if (!others)
		return; /* no read needed */
	if (signp_trust_load(&t, ctx, be, base->gun, &lo, &e2) != SIGN_OK) {
		signp_ctx_log(ctx, SIGN_LOG_WARN, "checking the publish journal of %s: %s", base->gun, e2.message);
		return;
	}
	json_object_foreach_safe(journal, tmp, tag, e) {
		int st, r = SIGN_ECONFLICT, noop = 0;
		signer_push sp;
		if ((signer = signp_journal_signer(e)) == NULL || strcmp(tag, base->tag) == 0 ||
		    !signp_journal_entry(e, &digest, &size))
			continue;
		st = signp_journal_state_any(t, tag, digest);
		if (st != SIGNP_JOURNAL_MISSING) {
			if (st == SIGNP_JOURNAL_CHANGED)
				signp_ctx_log(ctx, SIGN_LOG_WARN, "%s:%s, signed by this home at %s, is now signed to "
					"another digest by another publisher; leaving theirs", base->gun, tag, digest);
			json_object_del(journal, tag);
			dirty = 1;
			continue;
		}
		if (strcmp(signer, keyids) != 0) {
			signp_journal_report_signer(ctx, base->gun, tag, digest, signer);
			continue;
		}
		/* the same path as the push that signed it, with the same keys */
		memcpy(&sp, base, sizeof(sp));
		memset(sp.used, 0, sizeof(sp.used));
		memset(sp.sig_done, 0, sizeof(sp.sig_done));
		sp.sig_changed = 0;
		sp.tag = tag;
		sp.digest = digest;
		sp.size = size;
		for (int attempt = 0; attempt < SIGNER_TRIES; attempt++) {
			signp_err_clear(&e2);
			r = signer_once(&noop, &sp, ctx, be, pk, &e2);
			if (r != SIGN_ECONFLICT)
				break;
			back_off(attempt);
		}
		if (r == SIGN_OK && !noop)
			r = reread(ctx, be, base->gun, &e2);
		signp_ctx_log(ctx, SIGN_LOG_WARN, "%s:%s, signed by this home at %s, was missing from the published "
			"trust data (another publisher's write replaced it): %s%s", base->gun, tag, digest,
			r == SIGN_OK ? "published it again" : "publishing it again failed: ",
			r == SIGN_OK ? "" : e2.message);
	}
	if (dirty && signp_journal_save(ctx, base->gun, journal, &e2) != SIGN_OK)
		signp_ctx_log(ctx, SIGN_LOG_WARN, "%s", e2.message);
	signp_trust_free(t);
}

int signp_push_as_signer(sign_push_result *out, sign_ctx *ctx, const char *refstr,
	const sign_push_options *opts, sign_error *err)
{
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	pub_keys pk;
	signer_push sp;
	char digest[80];
	const char *tag = NULL;
	uint64_t size = 0;
	int r, lockfd = -1, noop = 0;
	json_t *journal = NULL;

	memset(&pk, 0, sizeof(pk));
	memset(&sp, 0, sizeof(sp));
	if (opts->from || opts->recursive) {
		r = signp_err(err, SIGN_EINVAL, "push --key: --from and --recursive are for the repository key; "
			"upload the image first, then sign it as a signer");
		goto out;
	}
	if ((r = signp_ref_parse(&ref, refstr, opts->gun, err)) != SIGN_OK ||
	    (r = signp_store_open(&st, ctx, &ref, 0, err)) != SIGN_OK ||
	    (r = signp_trust_backend_open(&be, ctx, st, &ref, err)) != SIGN_OK)
		goto out;
	if ((r = signp_push_tag(&tag, &ref, refstr, err)) != SIGN_OK ||
	    (r = signp_push_resolve(digest, NULL, &size, st, &ref, refstr, tag, err)) != SIGN_OK)
		goto out;
	if ((r = load_signer_keys(&sp, ctx, opts->keyid, err)) != SIGN_OK)
		goto out;
	if ((r = signp_lock_gun(&lockfd, ctx, ref.gun, err)) != SIGN_OK)
		goto out;
	sp.st = st;
	sp.gun = ref.gun;
	sp.tag = tag;
	sp.digest = digest;
	sp.size = size;
	/* the publish journal (publish.c): the tag before anything is
	 * published, so that a later command notices if a concurrent
	 * publisher's write loses it */
	journal = signp_journal_load(ctx, ref.gun);
	if (signp_journal_set_signer(journal, tag, digest, size, opts->keyid) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = signp_journal_save(ctx, ref.gun, journal, err)) != SIGN_OK)
		goto out;
	for (int attempt = 0; attempt < SIGNER_TRIES; attempt++) {
		signp_err_clear(err);
		r = signer_once(&noop, &sp, ctx, be, &pk, err);
		if (r != SIGN_ECONFLICT)
			break;
		back_off(attempt);
	}
	if (r == SIGN_OK && !noop)
		r = reread(ctx, be, ref.gun, err);
	if (r != SIGN_OK || noop) {
		/* failed (the user is told), or signed already */
		sign_error e2;
		memset(&e2, 0, sizeof(e2));
		json_object_del(journal, tag);
		if (signp_journal_save(ctx, ref.gun, journal, &e2) != SIGN_OK)
			signp_ctx_log(ctx, SIGN_LOG_WARN, "%s", e2.message);
	}
	if (r != SIGN_OK)
		goto out;
	republish_lost(&sp, ctx, be, &pk, journal, opts->keyid);
	if (sp.pending[0])
		signp_ctx_log(ctx, SIGN_LOG_WARN,
			"%s:%s needs more signers: %s; it verifies once enough signer keys have signed the "
			"same digest (`sign push --key KEYID %s:%s`)", ref.gun, tag, sp.pending, ref.gun, tag);
	signp_strlcpy(out->repository, ref.gun, sizeof(out->repository));
	signp_strlcpy(out->gun, ref.gun, sizeof(out->gun));
	signp_strlcpy(out->tag, tag, sizeof(out->tag));
	signp_strlcpy(out->digest, digest, sizeof(out->digest));
	signp_strlcpy(out->keyid, sp.dks[0]->id, sizeof(out->keyid));
	signp_strlcpy(out->role, sp.roles[0] ? sp.roles : RELEASES, sizeof(out->role));
	out->size = size;
	out->new_signature = sp.sig_changed;
out:
	signp_unlock_gun(lockfd);
	signp_ctx_counters(ctx, &out->requests, NULL);
	signp_ctx_remember_schemes(ctx);
	for (size_t j = 0; j < sp.ndk; j++)
		signp_key_free(sp.dks[j]);
	json_decref(journal);
	pub_keys_free(&pk);
	if (be)
		be->free(be);
	signp_store_free(st);
	return r;
}

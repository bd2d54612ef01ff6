/*
 * signer.c - signers (TUF delegations): what the signer commands share,
 * and sign signer list.  signer_edit.c adds and removes signers,
 * signer_push.c signs as one (sign push --key KEYID).
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
#include "signer.h"
#include "meta_build.h"
#include "tuf.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define RELEASES SIGNP_RELEASES

int signp_signer_name_ok(const char *name)
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
int signp_signer_direct_child(const char *role)
{
	return role && signp_str_has_prefix(role, "targets/") && signp_signer_name_ok(role + 8);
}

int signp_ids_has(const json_t *ids, const char *id)
{
	const json_t *v;
	size_t i;
	json_array_foreach(ids, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
			return 1;
	return 0;
}

int signp_path_allowed(const json_t *role, const char *tag)
{
	const json_t *p;
	size_t i;
	json_array_foreach(json_object_get(role, "paths"), i, p)
		if (json_is_string(p) && signp_str_has_prefix(tag, json_string_value(p)))
			return 1;
	return 0;
}


int signp_signer_open(signp_ref *ref, signp_store **st, signp_trust_backend **be, sign_ctx *ctx,
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

json_t *signp_find_role(const json_t *roles, const char *name, size_t *idx)
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

void signp_pub_keys_free(signp_pub_keys *p)
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
int signp_pub_keys_get(signp_pub_keys *p, sign_ctx *ctx, signp_trust_backend *be, const signp_trust *t,
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


/* ---- JSON of roles ---- */

json_t *signp_role_json(const json_t *role)
{
	json_t *paths = json_object_get(role, "paths"), *ids = json_object_get(role, "keyids");
	return json_pack("{s:O, s:o, s:o, s:I}", "role", json_object_get(role, "name"),
		"keyids", json_is_array(ids) ? json_incref(ids) : json_array(),
		"paths", json_is_array(paths) ? json_incref(paths) : json_array(),
		"threshold", (json_int_t)json_integer_value(json_object_get(role, "threshold")));
}

int signp_dump_json(sign_buf *out, json_t *doc, sign_error *err)
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

	signp_err_clear(err);
	if ((r = signp_signer_open(&ref, &st, &be, ctx, gunref, err)) != SIGN_OK)
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
		if (n == NULL || (j = signp_role_json(role)) == NULL) {
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
				if (signp_path_allowed(role, tag))
					json_array_append_new(tags, json_string(tag));
		json_object_set_new(j, "name", json_string(signp_str_has_prefix(n, "targets/") ? n + 8 : n));
		json_object_set_new(j, "status", json_string(status));
		json_object_set_new(j, "version", json_integer(f ? f->version : 0));
		json_object_set_new(j, "tags", tags);
		json_array_append_new(arr, j);
	}
	r = signp_dump_json(json_out, doc, err);
out:
	json_decref(doc);
	signp_trust_free(t);
	signp_ctx_remember_schemes(ctx);
	if (be)
		be->free(be);
	signp_store_free(st);
	return r;
}


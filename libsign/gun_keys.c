/*
 * gun_keys.c - the keys a GUN's publisher holds: the per-GUN lock (one
 * writer per GUN and home), loading (and for a new GUN, creating) the
 * repository, snapshot and timestamp keys, and root version 1 that
 * certifies them.
 */
#include "gun_keys.h"
#include "meta_build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <jansson.h>

void signp_gun_keys_free(signp_gun_keys *k)
{
	signp_key_free(k->targets);
	signp_key_free(k->snapshot);
	signp_key_free(k->timestamp);
	memset(k, 0, sizeof(*k));
}

/* ---- locking: one writer per GUN and home ---- */

int signp_lock_gun(int *fd_out, sign_ctx *ctx, const char *gun, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	int r, fd;
	*fd_out = -1;
	if ((r = signp_ctx_gun_path(&path, ctx, gun, ".lock", 1, err)) != SIGN_OK)
		goto out;
	fd = open(path.ptr, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = signp_err_errno(err, SIGN_EIO, "locking %s", path.ptr);
		goto out;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			r = signp_err_errno(err, SIGN_EIO, "locking %s", path.ptr);
			close(fd);
			goto out;
		}
	}
	*fd_out = fd;
	r = SIGN_OK;
out:
	sign_buf_dispose(&path);
	return r;
}

void signp_unlock_gun(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* ---- keys ---- */

static int load_role_key(signp_key **out, sign_ctx *ctx, const char *role, const char *gun,
	sign_error *err)
{
	signp_keyinfo info;
	int r = signp_keystore_find(&info, ctx->home, role, gun, err);
	if (r != SIGN_OK)
		return r;
	return signp_ctx_load_key(out, ctx, info.id, signp_role_pass_kind(role), err);
}

/* A repository key signp_keystore_find gave r for: loaded into *out, or
 * *out left NULL (SIGN_OK) when the home holds none. */
static int load_found(signp_key **out, sign_ctx *ctx, int r, const signp_keyinfo *ki,
	sign_error *err)
{
	*out = NULL;
	if (r == SIGN_ENOTFOUND)
		return SIGN_OK;
	if (r != SIGN_OK)
		return r;
	return signp_ctx_load_key(out, ctx, ki->id, SIGN_PASS_REPOSITORY, err);
}

int signp_new_role_key(signp_key **out, sign_ctx *ctx, const char *role, const char *gun,
	sign_error *err)
{
	signp_key *k = NULL;
	int r;
	*out = NULL;
	if ((r = signp_key_generate(&k, err)) != SIGN_OK)
		return r;
	signp_strlcpy(k->role, role, sizeof(k->role));
	if (gun)
		signp_strlcpy(k->gun, gun, sizeof(k->gun));
	if ((r = signp_ctx_save_key(ctx, k, signp_role_pass_kind(role), err)) != SIGN_OK) {
		signp_key_free(k);
		return r;
	}
	*out = k;
	return SIGN_OK;
}

/* Load the GUN's keys held in this home, creating what a new GUN needs
 * (create != 0): the repository key, and the snapshot and timestamp keys
 * unless the server holds them (server_ts: a Notary server always holds
 * the timestamp key, and the snapshot key too unless local_snapshot).
 * With timestamp_only, just the timestamp key (sign trust refresh). */
int signp_gun_keys_get(signp_gun_keys *k, int *created, sign_ctx *ctx, const char *gun, int create,
	int timestamp_only, int server_ts, int local_snapshot, sign_error *err)
{
	static const char *const roles[3] = { "targets", "snapshot", "timestamp" };
	signp_keyinfo ki[3];
	const char *ids[3];
	int found[3], nroles = server_ts ? 2 : 3, r;
	size_t n = 0;
	*created = 0;
	if (timestamp_only) {
		r = load_role_key(&k->timestamp, ctx, "timestamp", gun, err);
		if (r == SIGN_ENOTFOUND) {
			signp_err_clear(err);
			r = signp_err(err, SIGN_EKEY, "refreshing %s: this home holds no timestamp key for it", gun);
			signp_err_hint(err, "import it with `sign key import FILE --role timestamp --gun %s`", gun);
		}
		return r;
	}
	/* each role looked up once; the keys found decrypted side by side */
	for (int i = 0; i < nroles; i++) {
		found[i] = signp_keystore_find(&ki[i], ctx->home, roles[i], gun, err);
		if (found[i] == SIGN_ENOTFOUND)
			signp_err_clear(err);
		else if (found[i] == SIGN_OK)
			ids[n++] = ki[i].id;
	}
	signp_ctx_prefetch_keys(ctx, ids, n, SIGN_PASS_REPOSITORY);
	r = found[0];
	if (r == SIGN_ENOTFOUND) {
		if (!create) {
			r = signp_err(err, SIGN_EKEY, "signing %s: this home holds no repository key for it", gun);
			signp_err_hint(err, "import it with `sign key import FILE --role targets --gun %s`", gun);
			return r;
		}
		if ((r = signp_new_role_key(&k->targets, ctx, "targets", gun, err)) != SIGN_OK)
			return r;
		*created = 1;
	} else if (r != SIGN_OK) {
		return signp_err_prefix(err, r, "finding the repository key of %s", gun);
	} else if ((r = signp_ctx_load_key(&k->targets, ctx, ki[0].id, SIGN_PASS_REPOSITORY, err)) != SIGN_OK) {
		return r;
	}
	r = load_found(&k->snapshot, ctx, found[1], &ki[1], err);
	if (r == SIGN_OK && k->snapshot == NULL && create && (!server_ts || local_snapshot))
		r = signp_new_role_key(&k->snapshot, ctx, "snapshot", gun, err);
	if (r != SIGN_OK || server_ts)
		return r;
	r = load_found(&k->timestamp, ctx, found[2], &ki[2], err);
	if (r == SIGN_OK && k->timestamp == NULL && create)
		r = signp_new_role_key(&k->timestamp, ctx, "timestamp", gun, err);
	return r;
}

static int key_entry(json_t *keys, char id[65], EVP_PKEY *pkey, const char *cert, sign_error *err)
{
	json_t *obj = NULL;
	int r = signp_tuf_key_new(&obj, id, pkey, cert, err);
	if (r != SIGN_OK)
		return r;
	json_object_set_new(keys, id, obj);
	return SIGN_OK;
}

static json_t *role_obj(const char *id)
{
	return json_pack("{s:[s], s:i}", "keyids", id, "threshold", 1);
}

/* The server's key for role, remembered in the home: a Notary server makes
 * a new key on every GET until a root lists one. */
static int server_key(json_t **keyobj, char id[65], sign_ctx *ctx, signp_trust_backend *be,
	const char *gun, const char *role, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	json_t *doc = NULL, *k;
	char *s = NULL;
	int r;
	*keyobj = NULL;
	if ((r = signp_ctx_gun_path(&path, ctx, gun, "server_keys.json", 1, err)) != SIGN_OK)
		goto out;
	if (signp_read_file(&data, path.ptr, 65536, NULL) == SIGN_OK)
		doc = json_loadb(data.ptr, data.size, 0, NULL);
	if (!json_is_object(doc)) {
		json_decref(doc);
		doc = json_object();
	}
	k = json_object_get(doc, role);
	if (k && json_is_string(json_object_get(k, "keyid")) && json_is_object(json_object_get(k, "key"))) {
		signp_strlcpy(id, json_string_value(json_object_get(k, "keyid")), 65);
		*keyobj = json_incref(json_object_get(k, "key"));
		r = SIGN_OK;
		goto out;
	}
	if (!(be->caps & SIGNP_TRUST_CAP_SERVER_KEYS)) {
		r = signp_err(err, SIGN_EINVAL, "%s: this backend holds no %s key", gun, role);
		goto out;
	}
	if ((r = be->server_key(be, role, 0, keyobj, id, err)) != SIGN_OK)
		goto out;
	json_object_set_new(doc, role, json_pack("{s:s, s:O}", "keyid", id, "key", *keyobj));
	if ((s = json_dumps(doc, JSON_COMPACT)) != NULL)
		r = signp_write_file_atomic(path.ptr, s, strlen(s), 0600, err);
out:
	free(s);
	json_decref(doc);
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	return r;
}

int signp_build_root_v1(sign_buf *wire, int *created_root, sign_ctx *ctx, signp_trust_backend *be,
	const char *gun, const signp_gun_keys *k, const char *root_keyid, sign_error *err)
{
	signp_key *root = NULL;
	sign_buf cert = SIGN_BUF_INIT;
	json_t *signed_obj = NULL, *keys = json_object(), *roles = json_object(), *srv = NULL;
	char rid[65], tid[65], sid[65], tsid[65];
	signp_tuf_signer signer;
	int r;

	*created_root = 0;
	if (root_keyid)
		r = signp_ctx_load_key(&root, ctx, root_keyid, SIGN_PASS_ROOT, err);
	else
		r = load_role_key(&root, ctx, "root", NULL, err);
	if (r == SIGN_ENOTFOUND && root_keyid == NULL) {
		signp_err_clear(err);
		if ((r = signp_new_role_key(&root, ctx, "root", NULL, err)) != SIGN_OK)
			goto out;
		*created_root = 1;
	}
	if (r != SIGN_OK)
		goto out;
	if ((r = signp_key_root_cert(&cert, root, gun, signp_now(), 3650, err)) != SIGN_OK)
		goto out;
	if ((r = key_entry(keys, rid, root->pkey, cert.ptr, err)) != SIGN_OK ||
	    (r = key_entry(keys, tid, k->targets->pkey, NULL, err)) != SIGN_OK)
		goto out;
	if (k->snapshot)
		r = key_entry(keys, sid, k->snapshot->pkey, NULL, err);
	else if ((r = server_key(&srv, sid, ctx, be, gun, "snapshot", err)) == SIGN_OK)
		json_object_set_new(keys, sid, srv);
	if (r != SIGN_OK)
		goto out;
	if (k->timestamp && !(be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP))
		r = key_entry(keys, tsid, k->timestamp->pkey, NULL, err);
	else if ((r = server_key(&srv, tsid, ctx, be, gun, "timestamp", err)) == SIGN_OK)
		json_object_set_new(keys, tsid, srv);
	if (r != SIGN_OK)
		goto out;
	json_object_set_new(roles, "root", role_obj(rid));
	json_object_set_new(roles, "targets", role_obj(tid));
	json_object_set_new(roles, "snapshot", role_obj(sid));
	json_object_set_new(roles, "timestamp", role_obj(tsid));
	signed_obj = json_pack("{s:s, s:b, s:o, s:O, s:O, s:i}", "_type", "Root",
		"consistent_snapshot", 0, "expires", signp_expires_in(SIGN_LIFE_ROOT), "keys", keys,
		"roles", roles, "version", 1);
	if (signed_obj == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "building root: out of memory");
		goto out;
	}
	signer.keyid = rid;
	signer.pkey = root->pkey;
	r = signp_tuf_sign(wire, signed_obj, &signer, 1, err);
out:
	signp_key_free(root);
	sign_buf_dispose(&cert);
	json_decref(keys);
	json_decref(roles);
	json_decref(signed_obj);
	return r;
}


int signp_root_signers(signp_tuf_signer *signers, signp_key **held, size_t max, size_t *n,
	sign_ctx *ctx, const signp_tuf_file *root, sign_error *err)
{
	const json_t *keys = json_object_get(root->signed_obj, "keys");
	const json_t *ids = json_object_get(json_object_get(json_object_get(root->signed_obj,
		"roles"), "root"), "keyids"), *id;
	size_t i;
	*n = 0;
	json_array_foreach(ids, i, id) {
		const char *tid = json_string_value(id);
		char cid[65];
		signp_keyinfo info;
		size_t j;
		int r;
		if (tid == NULL || *n >= max ||
		    signp_tuf_key_canonical_id(cid, json_object_get(keys, tid), NULL) != SIGN_OK ||
		    signp_keystore_info(&info, ctx->home, cid, NULL) != SIGN_OK)
			continue;
		for (j = 0; j < *n && strcmp(held[j]->id, cid) != 0; j++)
			;
		if (j < *n)
			continue;
		if ((r = signp_ctx_load_key(&held[*n], ctx, cid, SIGN_PASS_ROOT, err)) != SIGN_OK)
			return r;
		signers[*n].keyid = tid;
		signers[*n].pkey = held[*n]->pkey;
		(*n)++;
	}
	return SIGN_OK;
}

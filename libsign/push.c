/*
 * push.c - sign_push and sign_trust_refresh: detached signature first,
 * then targets, snapshot and timestamp, published with re-read and retry.
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
#include "upload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#define PUBLISH_TRIES 10

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

/* ---- metadata builders ---- */

json_t *signp_expires_in(int64_t seconds)
{
	char buf[32];
	signp_time_format(buf, signp_now() + seconds);
	return json_string(buf);
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

/* Root v1 for a new GUN: the home's root key certified for this GUN; the
 * snapshot and timestamp keys are ours, or the server's. */
static int build_root(sign_buf *wire, int *created_root, sign_ctx *ctx, signp_trust_backend *be,
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

/* Is `id` listed for `role` in the root? */
int signp_root_lists(const signp_tuf_file *root, const char *role, const char *id)
{
	const json_t *ids = json_object_get(json_object_get(json_object_get(root->signed_obj,
		"roles"), role), "keyids"), *v;
	size_t i;
	json_array_foreach(ids, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
			return 1;
	return 0;
}

int signp_sign_file(sign_buf *wire, json_t *signed_obj, const signp_key *k, sign_error *err)
{
	signp_tuf_signer s = { k->id, k->pkey };
	return signp_tuf_sign(wire, signed_obj, &s, 1, err);
}

/* New snapshot over root, targets and the delegation files. */
int signp_build_snapshot(sign_buf *wire, const signp_trust *t, const sign_buf *root_bytes,
	const sign_buf *targets_bytes, int64_t version, const signp_key *k, sign_error *err)
{
	json_t *meta = json_object(), *s;
	int r;
	const unsigned char *rb = t && t->root && root_bytes->size == 0 ? t->root->bytes :
		(const unsigned char *)root_bytes->ptr;
	size_t rl = t && t->root && root_bytes->size == 0 ? t->root->len : root_bytes->size;
	json_object_set_new(meta, "root", signp_tuf_filemeta(rb, rl, 1));
	json_object_set_new(meta, "targets", signp_tuf_filemeta(targets_bytes->ptr,
		targets_bytes->size, 1));
	for (size_t i = 0; t && i < t->ndeleg; i++)
		json_object_set_new(meta, t->deleg[i]->role,
			signp_tuf_filemeta(t->deleg[i]->bytes, t->deleg[i]->len, 1));
	/* keep the entries of delegation files that did not verify yet (a
	 * two-person release half signed): targets still lists their roles */
	if (t && t->snapshot) {
		const char *name;
		json_t *m, *roles = json_object_get(json_object_get(t->targets->signed_obj,
			"delegations"), "roles"), *role;
		json_object_foreach(json_object_get(t->snapshot->signed_obj, "meta"), name, m) {
			size_t i;
			if (json_object_get(meta, name) || !signp_str_has_prefix(name, "targets/"))
				continue;
			json_array_foreach(roles, i, role)
				if (json_is_string(json_object_get(role, "name")) &&
				    strcmp(json_string_value(json_object_get(role, "name")), name) == 0)
					json_object_set(meta, name, m);
		}
	}
	s = json_pack("{s:s, s:o, s:o, s:I}", "_type", "Snapshot",
		"expires", signp_expires_in(SIGN_LIFE_SNAPSHOT), "meta", meta, "version", (json_int_t)version);
	if (s == NULL)
		return signp_err(err, SIGN_ENOMEM, "building snapshot: out of memory");
	r = signp_sign_file(wire, s, k, err);
	json_decref(s);
	return r;
}

int signp_build_timestamp(sign_buf *wire, const void *snap, size_t snaplen, int64_t version,
	int64_t lifetime, const signp_key *k, sign_error *err)
{
	json_t *s = json_pack("{s:s, s:o, s:{s:o}, s:I}", "_type", "Timestamp",
		"expires", signp_expires_in(lifetime), "meta", "snapshot",
		signp_tuf_filemeta(snap, snaplen, 1), "version", (json_int_t)version);
	int r;
	if (s == NULL)
		return signp_err(err, SIGN_ENOMEM, "building timestamp: out of memory");
	r = signp_sign_file(wire, s, k, err);
	json_decref(s);
	return r;
}

/* ---- detached signature ---- */

int signp_push_signature(int *changed, signp_store *st, const char *gun, const char *digest,
	const signp_key *k, sign_error *err)
{
	sign_buf payload = SIGN_BUF_INIT, der = SIGN_BUF_INIT, b64 = SIGN_BUF_INIT;
	sign_buf old = SIGN_BUF_INIT, manifest = SIGN_BUF_INIT, config = SIGN_BUF_INIT;
	char tag[96], pdigest[80], odigest[80];
	int r, have_old;

	*changed = 0;
	if ((r = signp_cosign_sig_tag(tag, digest)) != SIGN_OK)
		return signp_err(err, r, "signing %s: bad digest", digest);
	if ((r = signp_cosign_payload(&payload, gun, digest)) != SIGN_OK ||
	    (r = signp_key_sign_der(&der, k, payload.ptr, payload.size, err)) != SIGN_OK ||
	    (r = signp_b64_encode(&b64, der.ptr, der.size)) != SIGN_OK)
		goto out;
	r = signp_store_get_manifest(st, tag, SIGN_MAX_MANIFEST, &old, NULL, odigest, err);
	if (r != SIGN_OK && r != SIGN_ENOTFOUND)
		goto out;
	have_old = r == SIGN_OK;
	signp_err_clear(err);
	signp_digest(pdigest, payload.ptr, payload.size);
	if ((r = signp_cosign_manifest_append(&manifest, &config, changed, have_old ? old.ptr : NULL,
		     have_old ? old.size : 0, pdigest, payload.size, b64.ptr, k->pkey, payload.ptr,
		     payload.size, err)) != SIGN_OK || !*changed)
		goto out;
	if ((r = signp_store_put_blob(st, payload.ptr, payload.size, NULL, err)) != SIGN_OK ||
	    (r = signp_store_put_blob(st, config.ptr, config.size, NULL, err)) != SIGN_OK ||
	    (r = signp_store_put_manifest(st, tag, manifest.ptr, manifest.size, SIGN_MT_OCI_MANIFEST,
		     NULL, err)) != SIGN_OK)
		signp_err_prefix(err, r, "publishing the detached signature");
out:
	sign_buf_dispose(&payload);
	sign_buf_dispose(&der);
	sign_buf_dispose(&b64);
	sign_buf_dispose(&old);
	sign_buf_dispose(&manifest);
	sign_buf_dispose(&config);
	return r;
}

/* Has a referrer signature manifest of digest a layer signed by k over
 * the payload with digest pdigest? */
static int referrer_has(signp_store *st, const char *digest, const char *pdigest, const signp_key *k,
	const sign_buf *payload)
{
	sign_buf index = SIGN_BUF_INIT, m = SIGN_BUF_INIT;
	json_t *doc, *d;
	size_t i;
	int found = 0;
	if (signp_store_referrers(st, digest, &index, NULL) != SIGN_OK) {
		sign_buf_dispose(&index);
		return 0;
	}
	doc = json_loadb(index.ptr, index.size, 0, NULL);
	json_array_foreach(json_object_get(doc, "manifests"), i, d) {
		const char *md = json_string_value(json_object_get(d, "digest"));
		signp_cosign_layer *l = NULL;
		size_t n = 0;
		char got[80];
		if (found || i >= 100 || md == NULL || !signp_digest_valid(md))
			continue;
		signp_buf_clear(&m);
		if (signp_store_get_manifest(st, md, SIGN_MAX_MANIFEST, &m, NULL, got, NULL) != SIGN_OK ||
		    signp_cosign_manifest_layers(&l, &n, m.ptr, m.size, NULL) != SIGN_OK)
			continue;
		for (size_t j = 0; j < n && !found; j++)
			if (strcmp(l[j].digest, pdigest) == 0 &&
			    signp_cosign_verify(k->pkey, payload->ptr, payload->size, l[j].sig_b64) == SIGN_OK)
				found = 1;
		signp_cosign_layers_free(l, n);
	}
	json_decref(doc);
	sign_buf_dispose(&index);
	sign_buf_dispose(&m);
	return found;
}

int signp_push_signature_referrer(int *changed, signp_store *st, const char *gun, const char *digest,
	const char *subject_mt, uint64_t subject_size, const signp_key *k, sign_error *err)
{
	sign_buf payload = SIGN_BUF_INIT, der = SIGN_BUF_INIT, b64 = SIGN_BUF_INIT;
	sign_buf manifest = SIGN_BUF_INIT, config = SIGN_BUF_INIT, index = SIGN_BUF_INIT;
	json_t *doc = NULL, *idx = NULL;
	char pdigest[80], mdigest[80], itag[96], *body = NULL, *ibody = NULL;
	int r;

	*changed = 0;
	if (!signp_digest_valid(digest))
		return signp_err(err, SIGN_EINVAL, "signing %s: bad digest", digest);
	if ((r = signp_cosign_payload(&payload, gun, digest)) != SIGN_OK)
		goto out;
	signp_digest(pdigest, payload.ptr, payload.size);
	if (referrer_has(st, digest, pdigest, k, &payload))
		goto out; /* already signed by this key: nothing to add */
	if ((r = signp_key_sign_der(&der, k, payload.ptr, payload.size, err)) != SIGN_OK ||
	    (r = signp_b64_encode(&b64, der.ptr, der.size)) != SIGN_OK ||
	    (r = signp_cosign_manifest_append(&manifest, &config, changed, NULL, 0, pdigest, payload.size,
		     b64.ptr, k->pkey, payload.ptr, payload.size, err)) != SIGN_OK)
		goto out;
	/* cosign's OCI 1.1 form: the same manifest, with a subject and an
	 * artifactType (also its config's media type) */
	r = SIGN_ENOMEM;
	if ((doc = json_loadb(manifest.ptr, manifest.size, JSON_DECODE_ANY, NULL)) == NULL)
		goto out;
	json_object_set_new(doc, "artifactType", json_string(SIGN_MT_COSIGN_SIG_ARTIFACT));
	json_object_set_new(json_object_get(doc, "config"), "mediaType", json_string(SIGN_MT_COSIGN_SIG_ARTIFACT));
	json_object_set_new(doc, "subject", json_pack("{s:s, s:s, s:I}", "mediaType",
		subject_mt && *subject_mt ? subject_mt : SIGN_MT_OCI_MANIFEST, "digest", digest,
		"size", (json_int_t)subject_size));
	if ((body = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		goto out;
	if ((r = signp_store_put_blob(st, payload.ptr, payload.size, NULL, err)) != SIGN_OK ||
	    (r = signp_store_put_blob(st, config.ptr, config.size, NULL, err)) != SIGN_OK ||
	    (r = signp_store_put_manifest(st, NULL, body, strlen(body), SIGN_MT_OCI_MANIFEST, mdigest, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "publishing the detached signature");
		goto out;
	}
	/* registries without the referrers API (distribution 2.x): the tag
	 * schema fallback index sha256-<hex> lists it */
	snprintf(itag, sizeof(itag), "sha256-%s", digest + 7);
	if (signp_store_get_manifest(st, itag, SIGN_MAX_MANIFEST, &index, NULL, pdigest, NULL) == SIGN_OK)
		idx = json_loadb(index.ptr, index.size, 0, NULL);
	if (!json_is_object(idx) || !json_is_array(json_object_get(idx, "manifests"))) {
		json_decref(idx);
		idx = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType", SIGN_MT_OCI_INDEX,
			"manifests");
	}
	r = SIGN_ENOMEM;
	if (idx == NULL || json_array_append_new(json_object_get(idx, "manifests"),
		json_pack("{s:s, s:s, s:I, s:s}", "mediaType", SIGN_MT_OCI_MANIFEST, "digest", mdigest,
			"size", (json_int_t)strlen(body), "artifactType", SIGN_MT_COSIGN_SIG_ARTIFACT)) != 0 ||
	    (ibody = json_dumps(idx, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		goto out;
	if ((r = signp_store_put_manifest(st, itag, ibody, strlen(ibody), SIGN_MT_OCI_INDEX, NULL, err)) != SIGN_OK)
		signp_err_prefix(err, r, "updating the referrers index %s", itag);
	*changed = 1;
out:
	if (r == SIGN_ENOMEM)
		signp_err(err, r, "out of memory");
	free(body);
	free(ibody);
	json_decref(doc);
	json_decref(idx);
	sign_buf_dispose(&payload);
	sign_buf_dispose(&der);
	sign_buf_dispose(&b64);
	sign_buf_dispose(&manifest);
	sign_buf_dispose(&config);
	sign_buf_dispose(&index);
	return r;
}

/* ---- the update loop ---- */

/* One change to a targets entry. */
typedef struct target_change {
	const char *tag;
	const char *digest;     /* NULL: remove the tag (revoke) */
	uint64_t size;
} target_change;

typedef struct update_req {
	const target_change *changes; /* NULL/0: refresh only */
	size_t nchanges;
	int64_t ts_lifetime;
	const char *root_keyid;       /* a new GUN's root key (NULL: the home's first) */
	/* the publish journal (publish.c), or NULL: each read of the published
	 * state drops the entries it confirms or that another publisher
	 * changed (*jdirty set), and adds the lost ones to the update (their
	 * tags go into republished, their signatures are checked in st) */
	json_t *journal;
	int *jdirty;
	json_t *republished;
	signp_store *st;
} update_req;

/* Compare the journal with the published targets of t; the lost entries
 * (none of the request's own tags) go into *extra (malloc'd, *nextra). */
static int journal_reconcile(target_change **extra, size_t *nextra, sign_ctx *ctx, const signp_trust *t,
	const signp_gun_keys *k, const update_req *req, sign_error *err)
{
	const json_t *targets = json_object_get(t->targets->signed_obj, "targets");
	const char *tag;
	json_t *e, *tmp;
	size_t n = 0;
	*extra = NULL;
	*nextra = 0;
	if (req->journal == NULL || json_object_size(req->journal) == 0)
		return SIGN_OK;
	if ((*extra = calloc(json_object_size(req->journal), sizeof(**extra))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	json_object_foreach_safe(req->journal, tmp, tag, e) {
		const char *digest;
		uint64_t size;
		int own = 0;
		for (size_t i = 0; i < req->nchanges; i++)
			own |= strcmp(req->changes[i].tag, tag) == 0;
		if (own)
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
	*nextra = n;
	return SIGN_OK;
}

/* One attempt: read, merge, sign, publish. *noop when nothing changed. */
static int update_once(int *noop, int *created_root, sign_ctx *ctx, signp_trust_backend *be,
	const char *gun, const signp_gun_keys *k, const update_req *req, int allow_init, sign_error *err)
{
	signp_trust *t = NULL;
	signp_trust_load_opts lo = { .allow_missing = 1, .publisher = 1 };
	sign_buf root = SIGN_BUF_INIT, targets = SIGN_BUF_INIT, snap = SIGN_BUF_INIT, ts = SIGN_BUF_INIT;
	json_t *tsigned = NULL, *entry;
	signp_trust_out files[4];
	size_t nfiles = 0, nchanges = req->nchanges, nextra = 0;
	int r, local_snapshot = 0;
	int64_t tver = 1, sver = 1, tsver = 1;
	target_change *extra = NULL, *all = NULL;
	const target_change *changes = req->changes;

	*noop = 0;
	r = signp_trust_load(&t, ctx, be, gun, &lo, err);
	if (r == SIGN_OK) {
		if ((r = journal_reconcile(&extra, &nextra, ctx, t, k, req, err)) != SIGN_OK)
			goto out;
		if (nextra) {
			/* the lost tags ride along with this update */
			if ((all = calloc(nchanges + nextra, sizeof(*all))) == NULL) {
				r = signp_err(err, SIGN_ENOMEM, "out of memory");
				goto out;
			}
			if (nchanges)
				memcpy(all, req->changes, nchanges * sizeof(*all));
			memcpy(all + nchanges, extra, nextra * sizeof(*all));
			changes = all;
			nchanges += nextra;
		}
	}
	if (r == SIGN_ENOTFOUND) {
		if (!allow_init) {
			r = signp_err(err, SIGN_EVERIFY, "%s has no trust data to update", gun);
			goto out;
		}
		signp_err_clear(err);
		if (signp_trust_cached_root(ctx, gun)) {
			/* we trusted a collection for this GUN: it is gone from this
			 * backend (deleted, or another backend): never start a new
			 * one silently over it */
			r = signp_err(err, SIGN_EVERIFY,
				"%s: this home trusts a root for it, but the %s holds no trust data", gun,
				(be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP) ? "trust server" : "registry");
			signp_err_hint(err, "if that is expected, remove %s/trust/%s/metadata and push again",
				ctx->home, gun);
			goto out;
		}
		if ((r = build_root(&root, created_root, ctx, be, gun, k, req->root_keyid, err)) != SIGN_OK)
			goto out;
		tsigned = json_pack("{s:s, s:{s:{}, s:[]}, s:o, s:{}, s:i}", "_type", "Targets",
			"delegations", "keys", "roles", "expires", signp_expires_in(SIGN_LIFE_TARGETS),
			"targets", "version", 1);
		local_snapshot = k->snapshot != NULL;
	} else if (r != SIGN_OK) {
		signp_err_prefix(err, r, "reading the current trust data of %s", gun);
		goto out;
	} else {
		local_snapshot = k->snapshot && signp_root_lists(t->root, "snapshot", k->snapshot->id);
		if ((nchanges && !signp_root_lists(t->root, "targets", k->targets->id)) ||
		    (!(be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP) && ((nchanges && !local_snapshot) || k->timestamp == NULL ||
			 !signp_root_lists(t->root, "timestamp", k->timestamp->id)))) {
			r = signp_err(err, SIGN_EKEY,
				"signing %s: the keys in this home are not the ones its root certifies", gun);
			signp_err_hint(err, "import the repository key of %s%s", gun,
				(be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP) ? "" : " and its snapshot and timestamp keys");
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
		tsigned = json_deep_copy(t->targets->signed_obj);
		tver = t->targets->version + 1;
		sver = t->snapshot->version + 1;
		tsver = t->timestamp->version + 1;
	}
	if (tsigned == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	if (nchanges) {
		json_t *tg = json_object_get(tsigned, "targets");
		int changed = t == NULL;
		for (size_t i = 0; i < nchanges; i++) {
			const target_change *c = &changes[i];
			json_t *want = c->digest ? signp_target_json(c->digest, c->size) : NULL;
			entry = json_object_get(tg, c->tag);
			if ((c->digest == NULL && entry == NULL) ||
			    (c->digest && entry && json_equal(entry, want))) {
				json_decref(want);
				continue;
			}
			changed = 1;
			if (c->digest == NULL)
				json_object_del(tg, c->tag);
			else if (want == NULL || json_object_set_new(tg, c->tag, want) != 0) {
				r = signp_err(err, SIGN_ENOMEM, "out of memory");
				goto out;
			}
		}
		if (!changed) {
			*noop = 1;
			r = SIGN_OK;
			goto out;
		}
		json_object_set_new(tsigned, "version", json_integer(tver));
		json_object_set_new(tsigned, "expires", signp_expires_in(SIGN_LIFE_TARGETS));
		if ((r = signp_sign_file(&targets, tsigned, k->targets, err)) != SIGN_OK)
			goto out;
		/* a server-held snapshot is made by the server from what we upload */
		if (local_snapshot &&
		    (r = signp_build_snapshot(&snap, t, &root, &targets, sver, k->snapshot, err)) != SIGN_OK)
			goto out;
	} else {
		/* refresh: only the timestamp changes */
		if (t == NULL) {
			r = signp_err(err, SIGN_EVERIFY, "%s has no trust data to refresh", gun);
			goto out;
		}
		signp_buf_put(&snap, t->snapshot->bytes, t->snapshot->len);
	}
	if (!(be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP) &&
	    (r = signp_build_timestamp(&ts, snap.ptr, snap.size, tsver, req->ts_lifetime, k->timestamp, err)) != SIGN_OK)
		goto out;
	if (root.size) {
		files[nfiles++] = (signp_trust_out){ "root", 1, (unsigned char *)root.ptr, root.size };
	}
	if (targets.size)
		files[nfiles++] = (signp_trust_out){ "targets", tver, (unsigned char *)targets.ptr, targets.size };
	if (nchanges && snap.size)
		files[nfiles++] = (signp_trust_out){ "snapshot", sver, (unsigned char *)snap.ptr, snap.size };
	if (ts.size)
		files[nfiles++] = (signp_trust_out){ "timestamp", tsver, (unsigned char *)ts.ptr, ts.size };
	r = be->publish(be, files, nfiles, err);
out:
	free(extra);
	free(all);
	signp_trust_free(t);
	json_decref(tsigned);
	sign_buf_dispose(&root);
	sign_buf_dispose(&targets);
	sign_buf_dispose(&snap);
	sign_buf_dispose(&ts);
	return r;
}

/* After an update that carried the journal: save it when it changed, and
 * say which lost tags were published again (published != 0) or still
 * wait for it. */
static void journal_done(sign_ctx *ctx, const char *gun, const json_t *journal, int jdirty,
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

/* Publish with retries, then re-read through the verifier so the cache
 * holds what is now published. */
static int update_loop(int *noop, int *created_root, sign_ctx *ctx, signp_trust_backend *be,
	const char *gun, const signp_gun_keys *k, const update_req *req, int allow_init, sign_error *err)
{
	int r = SIGN_ECONFLICT;
	for (int attempt = 0; attempt < PUBLISH_TRIES; attempt++) {
		int cr = 0;
		signp_err_clear(err);
		r = update_once(noop, &cr, ctx, be, gun, k, req, allow_init, err);
		if (cr)
			*created_root = 1;
		if (r != SIGN_ECONFLICT)
			break;
		/* back off a little, differently per process */
		struct timespec ts = { 0, (long)(20 + randombytes_uniform(80) * (unsigned)(attempt + 1)) * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (r == SIGN_OK && !*noop) {
		signp_trust *t = NULL;
		signp_trust_load_opts lo = { 0 };
		r = signp_trust_load(&t, ctx, be, gun, &lo, err);
		if (r != SIGN_OK)
			signp_err_prefix(err, r, "re-reading the published trust data");
		signp_trust_free(t);
	}
	return r;
}

static int open_target(signp_ref *ref, signp_store **st, signp_trust_backend **be, sign_ctx *ctx,
	const char *refstr, const char *gun, int create, sign_error *err)
{
	int r;
	if ((r = signp_ref_parse(ref, refstr, gun, err)) != SIGN_OK)
		return r;
	if ((r = signp_store_open(st, ctx, ref, create, err)) != SIGN_OK)
		return r;
	return signp_trust_backend_open(be, ctx, *st, ref, err);
}

int signp_push_tag(const char **tag, const signp_ref *ref, const char *refstr, sign_error *err)
{
	if (ref->digest[0] && !ref->tag[0])
		return signp_err(err, SIGN_EINVAL,
			"push %s: name a tag to sign (the trust data maps tags to digests)", refstr);
	*tag = ref->tag[0] ? ref->tag : "latest";
	return SIGN_OK;
}

int signp_push_resolve(char digest[80], char media_type[256], uint64_t *size, signp_store *st,
	const signp_ref *ref, const char *refstr, const char *tag, sign_error *err)
{
	/* the digest signed is the hash of the manifest bytes fetched, never
	 * a registry header: a registry naming another digest for them is an
	 * operational error (exit 2) that names both */
	int r = signp_store_resolve_content(st, tag, digest, media_type, size, NULL, err);
	if (r == SIGN_EVERIFY || r == SIGN_EREGISTRY)
		return signp_err_prefix_as(err, SIGN_EREGISTRY, "resolving %s:%s to sign it", ref->gun, tag);
	if (r != SIGN_OK)
		return signp_err_prefix(err, r, "resolving %s:%s", ref->gun, tag);
	if (ref->digest[0] && strcmp(ref->digest, digest) != 0)
		return signp_err(err, SIGN_EINVAL, "push %s: the tag points to %s, not to the digest given",
			refstr, digest);
	return SIGN_OK;
}

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
	int r, lockfd = -1, created = 0, noop = 0, changed = 0, jdirty = 0;
	json_t *journal = NULL, *republished = NULL;
	update_req req;
	target_change change;
	long before = 0;

	memset(out, 0, sizeof(*out));
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
	if ((r = open_target(&ref, &st, &be, ctx, refstr, opts->gun, opts->from != NULL, err)) != SIGN_OK)
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
			"%s for it; nothing was signed", refstr, up_digest, tag, ref.layout ? "layout" : "registry",
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
	if ((r = signp_lock_gun(&lockfd, ctx, ref.gun, err)) != SIGN_OK)
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
	req.changes = &change;
	req.nchanges = 1;
	req.root_keyid = NULL;
	req.ts_lifetime = signp_trust_timestamp_lifetime(ctx, ref.gun);
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
	r = update_loop(&noop, &created, ctx, be, ref.gun, &k, &req, 1, err);
	if (r != SIGN_OK || noop) {
		/* failed (the user was told), or already published as it is */
		json_object_del(journal, tag);
		jdirty = 1;
	}
	journal_done(ctx, ref.gun, journal, jdirty, republished, r == SIGN_OK);
	if (r != SIGN_OK)
		goto out;
	if (noop && opts->timestamp_lifetime > 0) {
		/* nothing new to record, but a new lifetime was asked for */
		update_req rq = { .ts_lifetime = req.ts_lifetime };
		if ((r = update_loop(&noop, &created, ctx, be, ref.gun, &k, &rq, 0, err)) != SIGN_OK)
			goto out;
	}
	signp_strlcpy(out->repository, ref.layout ? refstr : ref.gun, sizeof(out->repository));
	if (ref.layout) {
		/* "oci:DIR:tag" -> "oci:DIR" */
		char *c = strrchr(out->repository, ':');
		char *at = strrchr(out->repository, '@');
		if (at)
			*at = '\0';
		else if (c && c > out->repository + 3 && ref.tag[0] && strcmp(c + 1, ref.tag) == 0)
			*c = '\0';
	}
	signp_strlcpy(out->gun, ref.gun, sizeof(out->gun));
	signp_strlcpy(out->tag, tag, sizeof(out->tag));
	signp_strlcpy(out->digest, digest, sizeof(out->digest));
	signp_strlcpy(out->keyid, k.targets->id, sizeof(out->keyid));
	signp_strlcpy(out->role, "targets", sizeof(out->role));
	out->size = size;
	out->created_root = created;
	out->new_signature = changed;
out:
	json_decref(journal);
	json_decref(republished);
	signp_unlock_gun(lockfd);
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
	int r, lockfd = -1, created = 0, noop = 0, cr = 0, jdirty = 0;
	json_t *journal = NULL, *republished = json_object();
	update_req req = { .changes = NULL };
	char when[32];

	memset(&k, 0, sizeof(k));
	if ((r = open_target(&ref, &st, &be, ctx, refstr, gun, 0, err)) != SIGN_OK)
		goto out;
	if ((r = signp_lock_gun(&lockfd, ctx, ref.gun, err)) != SIGN_OK)
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
	req.ts_lifetime = signp_trust_timestamp_lifetime(ctx, ref.gun);
	if (json_object_size(journal)) {
		req.journal = journal;
		req.jdirty = &jdirty;
		req.republished = republished;
		req.st = st;
	}
	r = update_loop(&noop, &cr, ctx, be, ref.gun, &k, &req, 0, err);
	journal_done(ctx, ref.gun, journal, jdirty, republished, r == SIGN_OK);
	if (r != SIGN_OK)
		goto out;
	signp_time_format(when, signp_now() + req.ts_lifetime);
	if (json_out)
		signp_buf_printf(json_out, "{\"gun\":\"%s\",\"timestamp_expires\":\"%s\"}", ref.gun, when);
out:
	json_decref(journal);
	json_decref(republished);
	signp_unlock_gun(lockfd);
	signp_ctx_remember_schemes(ctx);
	signp_gun_keys_free(&k);
	if (be)
		be->free(be);
	signp_store_free(st);
	return r;
}

/* ---- revoke ---- */

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
	target_change change;
	update_req req = { .changes = NULL };
	char sigtag[96], jdigest[80] = "";
	int r, lockfd = -1, created = 0, noop = 0, cr = 0, removed = 0, journaled = 0;

	memset(&k, 0, sizeof(k));
	if ((r = open_target(&ref, &st, &be, ctx, refstr, gun, 0, err)) != SIGN_OK)
		goto out;
	if (!ref.tag[0]) {
		r = signp_err(err, SIGN_EINVAL, "revoke %s: name the tag to revoke", refstr);
		goto out;
	}
	if ((r = signp_lock_gun(&lockfd, ctx, ref.gun, err)) != SIGN_OK)
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
	req.ts_lifetime = signp_trust_timestamp_lifetime(ctx, ref.gun);
	if ((r = update_loop(&noop, &cr, ctx, be, ref.gun, &k, &req, 0, err)) != SIGN_OK)
		goto out;
	/* the detached signature goes too, unless another tag names the digest */
	signp_trust_free(t);
	t = NULL;
	lo.publisher = 0;
	if ((r = signp_trust_load(&t, ctx, be, ref.gun, &lo, err)) != SIGN_OK)
		goto out;
	if (!digest_still_signed(t, tg.digest) && signp_cosign_sig_tag(sigtag, tg.digest) == SIGN_OK) {
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
	signp_unlock_gun(lockfd);
	signp_ctx_remember_schemes(ctx);
	signp_gun_keys_free(&k);
	signp_trust_free(t);
	if (be)
		be->free(be);
	signp_store_free(st);
	return r;
}

/*
 * rotate.c - sign_key_rotate: replace the key of one base role of a GUN
 * (root, targets = the repository key, snapshot, timestamp), in the
 * registry and OCI layout backends and on a Notary server, as
 * `notary key rotate` does (reference/notary-tuf.md §9).
 *
 * Root version N+1 lists the new key for the role (a new root key as a
 * self-signed certificate with CN = GUN) and is signed by the root keys of
 * version N this home holds; a root rotation is signed by the new root key
 * as well, and keeps the old certificate in "keys", as notary does.  The
 * files the new root invalidates are published with it: targets re-signed
 * by a new repository key, snapshot and timestamp by the home's keys (on a
 * Notary server, by the server when it holds them).  Every root version
 * stays published (N.root.json), so a verifier pinned to any older root
 * walks the rotations forward.
 *
 * Nothing is lost when the process dies half way: before anything is
 * published a small record (trust/<gun>/rotation.json: role, new key ID,
 * old key IDs, the server's key) is written atomically, and the new key is
 * saved; a re-run takes the same key.  Once root N+1 lists that key, a
 * re-run only finishes the remaining steps (detached signatures, removing
 * the replaced private key) and drops the record.  Detached signatures by a
 * new repository key are written before the root that authorises it is
 * published, so the current tags verify at every moment.
 */
#include "common.h"
#include "ctx.h"
#include "key.h"
#include "publish.h"
#include "ref.h"
#include "store.h"
#include "trust.h"
#include "tuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#define RECORD_FILE "rotation.json"
#define MAX_ROOT_SIGNERS 8

typedef struct rotation {
	char role[16];          /* TUF role: root, targets, snapshot, timestamp */
	const char *name;       /* as the command names it: root, repository, ... */
	int server;             /* the trust server's new key (--server) */
	signp_key *newkey;      /* new local key (private); NULL with server */
	json_t *server_keyobj;  /* the server's new key (TUF key object) */
	char new_cid[65];       /* canonical ID of the new key */
	json_t *old_cids;       /* canonical IDs root N listed for the role */
} rotation;

/*
 * TEST HOOK, compiled in only with -DSIGN_TEST_HOOKS, for
 * tests/cli/test_rotate.sh: build/tools/sign-hooks (the CLI built with it)
 * sets signp_test_fail_after from SIGN_TEST_FAIL_AFTER=<step>, which stops
 * the rotation right after <step>, as if the process had been killed
 * there, so that the tests can show that a re-run finishes the job.  Steps,
 * in order: "key" (record written, new key saved), "resign" (detached
 * signatures by the new key pushed), "publish" (root N+1 published).  It is
 * not a user feature: the release libsign and sign have neither the
 * variable nor the check (test_hostile_home.sh looks).
 */
#ifdef SIGN_TEST_HOOKS
extern const char *signp_test_fail_after;
const char *signp_test_fail_after;

static int test_stop(const char *step, sign_error *err)
{
	if (signp_test_fail_after != NULL && strcmp(signp_test_fail_after, step) == 0)
		return signp_err(err, SIGN_ERROR, "stopped after %s (SIGN_TEST_FAIL_AFTER)", step);
	return SIGN_OK;
}
#else
static int test_stop(const char *step, sign_error *err)
{
	(void)step;
	(void)err;
	return SIGN_OK;
}
#endif

/* ---- keys listed by a root ---- */

static const json_t *role_keyids(const signp_tuf_file *root, const char *role)
{
	return json_object_get(json_object_get(json_object_get(root->signed_obj, "roles"), role),
		"keyids");
}

/* Canonical IDs of the keys root lists for role. */
static json_t *role_cids(const signp_tuf_file *root, const char *role)
{
	const json_t *keys = json_object_get(root->signed_obj, "keys"), *id;
	json_t *out = json_array();
	size_t i;
	char cid[65];
	json_array_foreach(role_keyids(root, role), i, id) {
		const char *tid = json_string_value(id);
		if (out && tid && signp_tuf_key_canonical_id(cid, json_object_get(keys, tid), NULL) == SIGN_OK)
			json_array_append_new(out, json_string(cid));
	}
	return out;
}

static int root_lists_cid(const signp_tuf_file *root, const char *role, const char *cid)
{
	json_t *ids = role_cids(root, role), *v;
	size_t i;
	int hit = 0;
	json_array_foreach(ids, i, v)
		if (strcmp(json_string_value(v), cid) == 0)
			hit = 1;
	json_decref(ids);
	return hit;
}

/* The first key root lists for role that this home holds (SIGN_ENOTFOUND
 * with no message when none). */
static int load_held(signp_key **out, sign_ctx *ctx, const signp_tuf_file *root, const char *role,
	sign_error *err)
{
	json_t *ids = role_cids(root, role), *v;
	size_t i;
	int r = SIGN_ENOTFOUND;
	*out = NULL;
	json_array_foreach(ids, i, v) {
		signp_keyinfo info;
		if (signp_keystore_info(&info, ctx->home, json_string_value(v), NULL) != SIGN_OK)
			continue;
		r = signp_ctx_load_key(out, ctx, json_string_value(v), signp_role_pass_kind(role), err);
		break;
	}
	json_decref(ids);
	return r;
}

/* The root keys of this home that root lists, as signers: one place is
 * kept free for the new root key of a root rotation. */
static int root_signers(signp_tuf_signer *signers, signp_key **held, size_t *n, sign_ctx *ctx,
	const signp_tuf_file *root, const char *gun, sign_error *err)
{
	int r = signp_root_signers(signers, held, MAX_ROOT_SIGNERS - 1, n, ctx, root, err);
	if (r == SIGN_OK && *n == 0) {
		signp_err(err, SIGN_EKEY, "rotating a key of %s: this home holds none of its root keys", gun);
		signp_err_hint(err, "a rotation changes the root: import the root key first "
			"(sign key import ROOT.key), and remove it again afterwards if it is kept offline");
		return SIGN_EKEY;
	}
	return r;
}

/* ---- the pending-rotation record ---- */

static int record_path(sign_buf *path, sign_ctx *ctx, const char *gun, sign_error *err)
{
	return signp_ctx_gun_path(path, ctx, gun, RECORD_FILE, 1, err);
}

/* *out = NULL when there is none. */
static int record_load(json_t **out, sign_ctx *ctx, const char *gun, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	json_t *doc = NULL;
	int r;
	*out = NULL;
	if ((r = record_path(&path, ctx, gun, err)) != SIGN_OK)
		goto out;
	r = signp_read_file(&data, path.ptr, 65536, NULL);
	if (r == SIGN_ENOTFOUND || (r != SIGN_OK && access(path.ptr, F_OK) != 0)) {
		r = SIGN_OK;
		goto out;
	}
	if (r != SIGN_OK) {
		r = signp_err(err, SIGN_EIO, "reading the pending rotation %s", path.ptr);
		goto out;
	}
	doc = json_loadb(data.ptr, data.size, 0, NULL);
	if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "role")) ||
	    !json_is_string(json_object_get(doc, "keyid")) ||
	    strlen(json_string_value(json_object_get(doc, "keyid"))) != 64 ||
	    !json_is_array(json_object_get(doc, "old_keyids"))) {
		r = signp_err(err, SIGN_EFORMAT, "the pending rotation %s is malformed", path.ptr);
		signp_err_hint(err, "remove it and rotate again");
		goto out;
	}
	*out = doc;
	doc = NULL;
	r = SIGN_OK;
out:
	json_decref(doc);
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	return r;
}

static int record_save(sign_ctx *ctx, const char *gun, const rotation *rot, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	json_t *doc;
	char *s = NULL;
	int r;
	doc = json_pack("{s:s, s:s, s:b, s:O}", "role", rot->role, "keyid", rot->new_cid,
		"server", rot->server, "old_keyids", rot->old_cids);
	if (doc && rot->server_keyobj)
		json_object_set(doc, "key", rot->server_keyobj);
	if (doc == NULL || (s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = record_path(&path, ctx, gun, err)) == SIGN_OK)
		r = signp_write_file_atomic(path.ptr, s, strlen(s), 0600, err);
	if (r != SIGN_OK)
		signp_err_prefix(err, r, "recording the pending rotation");
out:
	free(s);
	json_decref(doc);
	sign_buf_dispose(&path);
	return r;
}

static int record_remove(sign_ctx *ctx, const char *gun, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	int r;
	if ((r = record_path(&path, ctx, gun, err)) == SIGN_OK && unlink(path.ptr) != 0 &&
	    errno != ENOENT)
		r = signp_err_errno(err, SIGN_EIO, "removing the pending rotation %s", path.ptr);
	sign_buf_dispose(&path);
	return r;
}

/* ---- detached signatures ---- */

/* Digest (sha256:hex) of a targets entry. */
static int entry_digest(char out[80], const json_t *e)
{
	const char *h = json_string_value(json_object_get(json_object_get(e, "hashes"), "sha256"));
	sign_buf raw = SIGN_BUF_INIT;
	int ok = 0;
	if (h && signp_b64_decode(&raw, h, strlen(h)) == SIGN_OK && raw.size == 32) {
		memcpy(out, "sha256:", 7);
		signp_hex(out + 7, (const unsigned char *)raw.ptr, 32);
		ok = 1;
	}
	sign_buf_dispose(&raw);
	return ok;
}

/* A signature by k for every tag of the targets role whose image the
 * store serves.  Idempotent. */
static int resign_tags(json_t *report, signp_store *st, const signp_trust *t, const signp_key *k,
	sign_error *err)
{
	const char *name;
	json_t *e;
	json_object_foreach(json_object_get(t->targets->signed_obj, "targets"), name, e) {
		char digest[80], served[80];
		const char *status;
		sign_error e2;
		int changed = 0, r;
		if (!entry_digest(digest, e))
			continue;
		memset(&e2, 0, sizeof(e2));
		if (signp_store_resolve_content(st, name, served, NULL, NULL, NULL, &e2) != SIGN_OK) {
			status = "image not in the registry";
		} else if (strcmp(served, digest) != 0) {
			status = "the registry serves another digest";
		} else {
			if ((r = signp_push_signature(&changed, st, t->gun, digest, k, err)) != SIGN_OK)
				return signp_err_prefix(err, r, "re-signing %s:%s", t->gun, name);
			status = changed ? "signature written" : "signature already there";
		}
		json_array_append_new(report, json_pack("{s:s, s:s, s:s}", "tag", name, "digest", digest,
			"signature", status));
	}
	return SIGN_OK;
}

/* ---- building and publishing root N+1 ---- */

/* The new key as a TUF key object (a root key: as a certificate). */
static int new_key_obj(json_t **obj, char tid[65], const rotation *rot, const char *gun,
	sign_error *err)
{
	sign_buf cert = SIGN_BUF_INIT;
	int r;
	*obj = NULL;
	if (rot->server_keyobj) {
		const json_t *kv = json_object_get(rot->server_keyobj, "keyval");
		const char *kt = json_string_value(json_object_get(rot->server_keyobj, "keytype"));
		const char *pub = json_string_value(json_object_get(kv, "public"));
		if (kt == NULL || pub == NULL)
			return signp_err(err, SIGN_EFORMAT, "the server's new %s key is malformed", rot->role);
		if ((r = signp_tuf_keyid(tid, kt, pub, err)) != SIGN_OK)
			return r;
		*obj = json_deep_copy(rot->server_keyobj);
		return *obj ? SIGN_OK : signp_err(err, SIGN_ENOMEM, "out of memory");
	}
	if (strcmp(rot->role, "root") == 0 &&
	    (r = signp_key_root_cert(&cert, rot->newkey, gun, signp_now(), 3650, err)) != SIGN_OK)
		return r;
	r = signp_tuf_key_new(obj, tid, rot->newkey->pkey, cert.size ? cert.ptr : NULL, err);
	sign_buf_dispose(&cert);
	return r;
}

/* Is TUF key ID kid listed by a role other than `role`? */
static int used_elsewhere(const json_t *roles, const char *role, const char *kid)
{
	const char *other;
	json_t *ov, *id;
	size_t i;
	json_object_foreach((json_t *)roles, other, ov) {
		if (strcmp(other, role) == 0)
			continue;
		json_array_foreach(json_object_get(ov, "keyids"), i, id)
			if (json_is_string(id) && strcmp(json_string_value(id), kid) == 0)
				return 1;
	}
	return 0;
}

/* What a rotation stages: the rotation and the keys it signs with. */
typedef struct rotate_run {
	sign_ctx *ctx;
	signp_trust_backend *be;
	const rotation *rot;
	signp_key *snapkey, *tskey;   /* held keys of root N, per attempt */
} rotate_run;

static void rotate_run_keys_free(rotate_run *run)
{
	signp_key_free(run->snapkey);
	signp_key_free(run->tskey);
	run->snapkey = run->tskey = NULL;
}

/* The stage over the current collection t: root N+1 and the files it
 * invalidates (targets re-signed by a new repository key), published
 * together with a snapshot and timestamp by the keys root N+1 lists. */
static int rotate_stage(signp_publish *tx, const signp_trust *t, void *arg, sign_error *err)
{
	rotate_run *run = arg;
	const rotation *rot = run->rot;
	sign_ctx *ctx = run->ctx;
	json_t *s = NULL, *keys, *roles, *obj = NULL;
	signp_tuf_signer signers[MAX_ROOT_SIGNERS];
	signp_key *held[MAX_ROOT_SIGNERS] = { NULL };
	sign_buf root = SIGN_BUF_INIT;
	size_t nsigners = 0, i;
	const signp_key *use_snap = NULL, *use_ts = NULL, *use_targets = NULL;
	char tid[65];
	int r;

	rotate_run_keys_free(run);
	if (root_lists_cid(t->root, rot->role, rot->new_cid))
		return SIGN_OK; /* published after all (a conflict's read shows it) */
	if ((s = json_deep_copy(t->root->signed_obj)) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	keys = json_object_get(s, "keys");
	roles = json_object_get(s, "roles");
	if (!json_is_object(keys) || !json_is_object(roles)) {
		r = signp_err(err, SIGN_EFORMAT, "root of %s: no keys or roles", t->gun);
		goto out;
	}
	/* the replaced keys leave root.keys (a root certificate stays, as
	 * notary keeps it) unless another role still lists them */
	if (strcmp(rot->role, "root") != 0) {
		json_t *old = json_object_get(json_object_get(roles, rot->role), "keyids"), *id;
		json_array_foreach(old, i, id) {
			const char *kid = json_string_value(id);
			if (kid && !used_elsewhere(roles, rot->role, kid))
				json_object_del(keys, kid);
		}
	}
	if ((r = new_key_obj(&obj, tid, rot, t->gun, err)) != SIGN_OK)
		goto out;
	json_object_set_new(keys, tid, obj);
	json_object_set_new(roles, rot->role, json_pack("{s:[s], s:i}", "keyids", tid, "threshold", 1));
	json_object_set_new(s, "version", json_integer(t->root->version + 1));
	json_object_set_new(s, "expires", signp_expires_in(SIGN_LIFE_ROOT));
	if ((r = root_signers(signers, held, &nsigners, ctx, t->root, t->gun, err)) != SIGN_OK)
		goto out;
	if (strcmp(rot->role, "root") == 0) {
		/* signed by the old root (the rotation rule) and by the new one */
		signers[nsigners].keyid = tid;
		signers[nsigners].pkey = rot->newkey->pkey;
		nsigners++;
	}
	if ((r = signp_tuf_sign(&root, s, signers, nsigners, err)) != SIGN_OK ||
	    (r = signp_publish_add_file(tx, "root", t->root->version + 1, root.ptr, root.size, err)) != SIGN_OK)
		goto out;

	/* targets: re-signed by a new repository key */
	if (strcmp(rot->role, "targets") == 0) {
		signp_publish_edit_targets(tx);
		use_targets = rot->newkey;
	}

	/* snapshot: by the home when it holds the key root N+1 lists */
	if (strcmp(rot->role, "snapshot") == 0) {
		use_snap = rot->newkey; /* NULL with --server: the server makes it */
	} else {
		r = load_held(&run->snapkey, ctx, t->root, "snapshot", err);
		if (r != SIGN_OK && r != SIGN_ENOTFOUND)
			goto out;
		use_snap = run->snapkey;
	}
	if (use_snap == NULL && !(run->be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP)) {
		r = signp_err(err, SIGN_EKEY, "rotating a key of %s: this home holds no snapshot key for it",
			t->gun);
		signp_err_hint(err, "import it with `sign key import FILE --role snapshot --gun %s`", t->gun);
		goto out;
	}

	/* timestamp: a Notary server always makes it */
	if (!(run->be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP)) {
		if (strcmp(rot->role, "timestamp") == 0) {
			use_ts = rot->newkey;
		} else {
			r = load_held(&run->tskey, ctx, t->root, "timestamp", err);
			if (r == SIGN_ENOTFOUND) {
				r = signp_err(err, SIGN_EKEY,
					"rotating a key of %s: this home holds no timestamp key for it", t->gun);
				signp_err_hint(err, "import it with `sign key import FILE --role timestamp --gun %s`",
					t->gun);
			}
			if (r != SIGN_OK)
				goto out;
			use_ts = run->tskey;
		}
	}
	signp_publish_set_keys(tx, use_targets, use_snap, use_ts);
	r = SIGN_OK;
out:
	for (i = 0; i < MAX_ROOT_SIGNERS; i++)
		signp_key_free(held[i]);
	json_decref(s);
	sign_buf_dispose(&root);
	return r;
}

/* ---- the command ---- */

static const char *tuf_role(const char *role)
{
	if (role == NULL)
		return NULL;
	if (strcmp(role, "root") == 0)
		return "root";
	if (strcmp(role, "repository") == 0 || strcmp(role, "targets") == 0)
		return "targets";
	if (strcmp(role, "snapshot") == 0)
		return "snapshot";
	if (strcmp(role, "timestamp") == 0)
		return "timestamp";
	return NULL;
}

static const signp_trust_load_opts publisher_opts = { .publisher = 1 };

/* Does this home hold a root key root N lists?  (Not loaded: no
 * passphrase asked yet.) */
static int check_root_key(sign_ctx *ctx, const signp_trust *t, sign_error *err)
{
	json_t *ids = role_cids(t->root, "root"), *v;
	size_t i;
	int held = 0;
	json_array_foreach(ids, i, v) {
		signp_keyinfo info;
		if (signp_keystore_info(&info, ctx->home, json_string_value(v), NULL) == SIGN_OK)
			held = 1;
	}
	json_decref(ids);
	if (held)
		return SIGN_OK;
	signp_err(err, SIGN_EKEY, "rotating a key of %s: this home holds none of its root keys", t->gun);
	signp_err_hint(err, "a rotation changes the root: import the root key first "
		"(sign key import ROOT.key), and remove it again afterwards if it is kept offline");
	return SIGN_EKEY;
}

/* Take the new key: the pending one, or a new one (recorded first). */
static int take_new_key(rotation *rot, int *published, sign_ctx *ctx, signp_trust_backend *be,
	const signp_trust *t, const json_t *rec, sign_error *err)
{
	int r;
	*published = 0;
	if (rec) {
		json_t *old = json_object_get(rec, "old_keyids");
		signp_strlcpy(rot->new_cid, json_string_value(json_object_get(rec, "keyid")),
			sizeof(rot->new_cid));
		rot->server = json_is_true(json_object_get(rec, "server"));
		json_decref(rot->old_cids);
		rot->old_cids = json_deep_copy(old);
		if (root_lists_cid(t->root, rot->role, rot->new_cid)) {
			*published = 1;
			return SIGN_OK;
		}
		if (rot->server) {
			char cid[65];
			json_t *k = json_object_get(rec, "key");
			if (k && signp_tuf_key_canonical_id(cid, k, NULL) == SIGN_OK && strcmp(cid, rot->new_cid) == 0) {
				rot->server_keyobj = json_deep_copy(k);
				return SIGN_OK;
			}
		} else {
			signp_keyinfo info;
			if (signp_keystore_info(&info, ctx->home, rot->new_cid, NULL) == SIGN_OK)
				return signp_ctx_load_key(&rot->newkey, ctx, rot->new_cid,
					signp_role_pass_kind(rot->role), err);
		}
		/* the key was never saved (stopped in between): nothing
		 * refers to it yet, start over */
	}
	/* nothing is made before we know root N+1 can be signed */
	if ((r = check_root_key(ctx, t, err)) != SIGN_OK)
		return r;
	json_decref(rot->old_cids);
	if ((rot->old_cids = role_cids(t->root, rot->role)) == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	if (rot->server) {
		char tid[65];
		if ((r = be->server_key(be, rot->role, 1, &rot->server_keyobj, tid, err)) != SIGN_OK)
			return r;
		if (signp_tuf_key_canonical_id(rot->new_cid, rot->server_keyobj, NULL) != SIGN_OK)
			return signp_err(err, SIGN_EFORMAT, "the server's new %s key is unusable", rot->role);
		return record_save(ctx, t->gun, rot, err);
	}
	if ((r = signp_key_generate(&rot->newkey, err)) != SIGN_OK)
		return r;
	signp_strlcpy(rot->newkey->role, rot->role, sizeof(rot->newkey->role));
	signp_strlcpy(rot->newkey->gun, t->gun, sizeof(rot->newkey->gun));
	signp_strlcpy(rot->new_cid, rot->newkey->id, sizeof(rot->new_cid));
	/* record first, then the key: a key file that exists is always the
	 * recorded one */
	if ((r = record_save(ctx, t->gun, rot, err)) != SIGN_OK)
		return r;
	return signp_ctx_save_key(ctx, rot->newkey, signp_role_pass_kind(rot->role), err);
}

SIGN_EXTERN(int) sign_key_rotate(sign_buf *json_out, sign_ctx *ctx, const char *gun,
	const char *role, const sign_rotate_options *opts, sign_error *err)
{
	sign_rotate_options dflt = SIGN_ROTATE_OPTIONS_INIT;
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	signp_trust *t = NULL;
	const signp_trust *now = NULL;
	signp_publish *tx = NULL;
	signp_publish_opts po = { .no_reread = 1 };
	rotate_run run;
	char what[600];
	rotation rot;
	json_t *rec = NULL, *report = json_array(), *doc = NULL, *v;
	char *s = NULL;
	int r, published = 0;
	int64_t root_version = 0;
	size_t i;

	signp_err_clear(err);
	memset(&rot, 0, sizeof(rot));
	memset(&run, 0, sizeof(run));
	if (opts == NULL)
		opts = &dflt;
	if (opts->version != SIGN_ROTATE_OPTIONS_VERSION) {
		r = signp_err(err, SIGN_EINVAL, "key rotate: unsupported options version");
		goto out;
	}
	if (tuf_role(role) == NULL) {
		r = signp_err(err, SIGN_EINVAL, "key rotate: unknown role \"%.32s\": use root, repository, "
			"snapshot or timestamp", role ? role : "");
		goto out;
	}
	signp_strlcpy(rot.role, tuf_role(role), sizeof(rot.role));
	rot.name = strcmp(rot.role, "targets") == 0 ? "repository" : rot.role;
	rot.server = opts->server != 0;
	if (gun == NULL || (r = signp_ref_parse(&ref, gun, opts->gun, err)) != SIGN_OK) {
		r = gun ? r : signp_err(err, SIGN_EINVAL, "key rotate: no GUN");
		goto out;
	}
	if (ref.tag[0] || ref.digest[0]) {
		r = signp_err(err, SIGN_EINVAL, "key rotate %s: name a GUN, without tag or digest", gun);
		goto out;
	}
	if ((r = signp_store_open(&st, ctx, &ref, 0, err)) != SIGN_OK ||
	    (r = signp_trust_backend_open(&be, ctx, st, &ref, err)) != SIGN_OK)
		goto out;
	if (rot.server && (!(be->caps & SIGNP_TRUST_CAP_SERVER_KEYS) ||
	    (strcmp(rot.role, "snapshot") != 0 && strcmp(rot.role, "timestamp") != 0))) {
		r = signp_err(err, SIGN_EINVAL, "key rotate %s %s --server: %s", ref.gun, rot.name,
			!(be->caps & SIGNP_TRUST_CAP_SERVER_KEYS) ? "only a Notary trust server (--trust-server) holds keys" :
			"the server holds only snapshot and timestamp keys");
		goto out;
	}
	if (!rot.server && (be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP) && strcmp(rot.role, "timestamp") == 0) {
		r = signp_err(err, SIGN_EINVAL, "key rotate %s timestamp: the trust server holds the timestamp key",
			ref.gun);
		signp_err_hint(err, "add --server: the server makes a new timestamp key");
		goto out;
	}
	snprintf(what, sizeof(what), "re-reading the published trust data of %s", ref.gun);
	po.reread_what = what;
	if ((r = signp_publish_begin(&tx, ctx, be, ref.gun, &po, err)) != SIGN_OK)
		goto out;
	if ((r = signp_trust_load(&t, ctx, be, ref.gun, &publisher_opts, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "rotating the %s key of %s: reading its trust data", rot.name, ref.gun);
		goto out;
	}
	if ((r = record_load(&rec, ctx, ref.gun, err)) != SIGN_OK)
		goto out;
	if (rec && strcmp(json_string_value(json_object_get(rec, "role")), rot.role) != 0) {
		const char *pr = json_string_value(json_object_get(rec, "role"));
		r = signp_err(err, SIGN_EINVAL, "key rotate %s: a rotation of its %s key is not finished",
			ref.gun, pr);
		signp_err_hint(err, "finish it first: sign key rotate %s %s",
			ref.gun, strcmp(pr, "targets") == 0 ? "repository" : pr);
		goto out;
	}
	if ((r = take_new_key(&rot, &published, ctx, be, t, rec, err)) != SIGN_OK ||
	    (r = test_stop("key", err)) != SIGN_OK)
		goto out;

	if (!published) {
		/* signatures by the new key first: the tags verify before and
		 * after root N+1 is published */
		if (strcmp(rot.role, "targets") == 0 && !opts->no_resign &&
		    (r = resign_tags(report, st, t, rot.newkey, err)) != SIGN_OK)
			goto out;
		if ((r = test_stop("resign", err)) != SIGN_OK)
			goto out;
		run.ctx = ctx;
		run.be = be;
		run.rot = &rot;
		po.first = t;
		signp_publish_set_opts(tx, &po);
		r = signp_publish_commit(tx, rotate_stage, &run, err);
		rotate_run_keys_free(&run);
		if (r != SIGN_OK) {
			signp_err_prefix(err, r, "rotating the %s key of %s", rot.name, ref.gun);
			goto out;
		}
		if ((r = test_stop("publish", err)) != SIGN_OK)
			goto out;
	}

	/* read it back through the verifier (and cache it) */
	if ((r = signp_publish_reread(tx, err)) != SIGN_OK)
		goto out;
	now = signp_publish_result(tx);
	if (!root_lists_cid(now->root, rot.role, rot.new_cid)) {
		r = signp_err(err, SIGN_ECONFLICT, "rotating the %s key of %s: the published root does not list the new key",
			rot.name, ref.gun);
		goto out;
	}
	root_version = now->root->version;
	/* a re-run after the root was published: finish the signatures */
	if (published && strcmp(rot.role, "targets") == 0 && !opts->no_resign) {
		if ((r = signp_ctx_load_key(&rot.newkey, ctx, rot.new_cid, SIGN_PASS_REPOSITORY, err)) != SIGN_OK ||
		    (r = resign_tags(report, st, now, rot.newkey, err)) != SIGN_OK)
			goto out;
	}
	/* the replaced private keys go (notary deletes them too); root keys
	 * stay until `sign key remove` */
	if (strcmp(rot.role, "root") != 0) {
		json_array_foreach(rot.old_cids, i, v) {
			signp_keyinfo info;
			const char *cid = json_string_value(v);
			if (cid == NULL || strcmp(cid, rot.new_cid) == 0 ||
			    signp_keystore_info(&info, ctx->home, cid, NULL) != SIGN_OK ||
			    strcmp(info.role, "root") == 0)
				continue;
			signp_ctx_forget_key(ctx, cid);
			if ((r = signp_keystore_remove(ctx->home, cid, err)) != SIGN_OK)
				goto out;
		}
	}
	if ((r = record_remove(ctx, ref.gun, err)) != SIGN_OK)
		goto out;
	if (rot.old_cids == NULL)
		rot.old_cids = json_array();
	doc = json_pack("{s:s, s:s, s:O, s:[s], s:I, s:O}", "gun", ref.gun, "role", rot.name,
		"old_keyids", rot.old_cids, "new_keyids", rot.new_cid,
		"root_version", (json_int_t)root_version, "tags", report);
	if (doc == NULL || (s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL ||
	    (json_out && signp_buf_puts(json_out, s) != SIGN_OK)) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	r = SIGN_OK;
out:
	signp_publish_end(tx);
	signp_ctx_remember_schemes(ctx);
	free(s);
	json_decref(doc);
	json_decref(report);
	json_decref(rec);
	json_decref(rot.old_cids);
	json_decref(rot.server_keyobj);
	signp_key_free(rot.newkey);
	signp_trust_free(t);
	if (be)
		be->free(be);
	signp_store_free(st);
	return r;
}

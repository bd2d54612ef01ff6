/*
 * trust.c - verifying a GUN's trust collection against the local cache
 * (SPEC §3, steps 1 to 4), and the per-GUN trust state in the home.
 *
 * Order: root (pin or TOFU, then every rotation since), timestamp,
 * snapshot (hash from the timestamp), targets and delegations (hashes from
 * the snapshot).  Versions never go below the cached ones; expiry is
 * checked on every role.  Verified bytes are cached exactly as received
 * (trust_cache.c).
 */
#include "trust.h"
#include "key.h"
#include "pinning.h"
#include "targets_index.h"
#include "tuf_scan.h"
#include "trust_cache.h"

#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define NEAR_EXPIRY (2 * 86400)
/* root versions a pinned verifier with nothing cached fetches, at most, to
 * find the first one the pinned key signed */
#define SIGN_MAX_ROOT_SEARCH 1000

void signp_trust_free(signp_trust *t)
{
	if (t == NULL)
		return;
	signp_tuf_file_free(t->root);
	signp_tuf_file_free(t->targets);
	signp_tuf_file_free(t->snapshot);
	signp_tuf_file_free(t->timestamp);
	for (size_t i = 0; i < t->ndeleg; i++)
		signp_tuf_file_free(t->deleg[i]);
	signp_tindex_free(t->index);
	free(t);
}

static void trust_free_obj(void *obj)
{
	signp_trust_free(obj);
}

signp_trust *signp_trust_memo_get(sign_ctx *ctx, const char *key)
{
	return signp_ctx_memo_get(ctx, key);
}

void signp_trust_memo_put(sign_ctx *ctx, const char *key, signp_trust *t)
{
	signp_ctx_memo_put(ctx, key, t, trust_free_obj);
}

int signp_trust_cached_root(sign_ctx *ctx, const char *gun)
{
	signp_tuf_file *f = NULL;
	int r = signp_trust_cache_load(&f, ctx, gun, "root");
	signp_tuf_file_free(f);
	return r == SIGN_OK;
}

static int same_bytes(const signp_tuf_file *a, const signp_tuf_file *b);

/* signp_trust_save; known[] (root, targets, snapshot, timestamp, or NULL)
 * are the copies the caller read from the cache: a role byte-identical to
 * its copy is left as it is, without reading the file again to compare. */
static int trust_save(sign_ctx *ctx, const signp_trust *t, const signp_tuf_file *const *known,
	sign_error *err)
{
	int r;
	const signp_tuf_file *files[4] = { t->root, t->targets, t->snapshot, t->timestamp };
	/* delegations and targets first, timestamp last: a crash leaves an
	 * older timestamp, never a newer one pointing at missing files.  With
	 * an index, targets and deleg[] are skeletons: the cached files are
	 * the ones it was built from already. */
	for (size_t i = 0; i < t->ndeleg && t->index == NULL; i++)
		if ((r = signp_trust_cache_store(ctx, t->gun, t->deleg[i], err)) != SIGN_OK)
			return r;
	for (int i = 0; i < 4; i++)
		if (files[i] && !(i == 1 && t->index != NULL) && !(known && same_bytes(files[i], known[i])) &&
		    (r = signp_trust_cache_store(ctx, t->gun, files[i], err)) != SIGN_OK)
			return r;
	if (t->root && !t->root_memo)
		return signp_trust_root_memo_store(ctx, t->gun, t->root, signp_now(), err);
	return SIGN_OK;
}

int signp_trust_save(sign_ctx *ctx, const signp_trust *t, sign_error *err)
{
	return trust_save(ctx, t, NULL, err);
}

/* ---- settings ---- */

int64_t signp_trust_timestamp_lifetime(sign_ctx *ctx, const char *gun)
{
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	int64_t v = SIGN_LIFE_TIMESTAMP;
	if (signp_ctx_gun_path(&path, ctx, gun, "settings.json", 0, NULL) == SIGN_OK &&
	    signp_read_file(&data, path.ptr, 65536, NULL) == SIGN_OK) {
		json_t *doc = json_loadb(data.ptr, data.size, 0, NULL);
		json_t *l = json_object_get(doc, "timestamp_lifetime");
		if (json_is_integer(l) && json_integer_value(l) > 0)
			v = json_integer_value(l);
		json_decref(doc);
	}
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	return v;
}

int signp_trust_set_timestamp_lifetime(sign_ctx *ctx, const char *gun, int64_t seconds,
	sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	char body[96];
	int r;
	if ((r = signp_ctx_gun_path(&path, ctx, gun, "settings.json", 1, err)) == SIGN_OK) {
		snprintf(body, sizeof(body), "{\"timestamp_lifetime\":%lld}\n", (long long)seconds);
		r = signp_write_file_atomic(path.ptr, body, strlen(body), 0600, err);
	}
	sign_buf_dispose(&path);
	return r;
}

/* ---- helpers ---- */

static const json_t *role_entry(const signp_tuf_file *root, const char *role)
{
	return json_object_get(json_object_get(root->signed_obj, "roles"), role);
}

static int same_bytes(const signp_tuf_file *a, const signp_tuf_file *b)
{
	return a != NULL && b != NULL && a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

int signp_trust_verify_role(const signp_tuf_file *root, const signp_tuf_file *f, const char *role,
	sign_error *err)
{
	const json_t *entry = role_entry(root, role);
	return signp_tuf_verify(f, json_object_get(root->signed_obj, "keys"),
		json_object_get(entry, "keyids"),
		json_integer_value(json_object_get(entry, "threshold")), err);
}

/* Version no lower than the cached one, and not expired (unless the
 * publisher is about to replace it: allow_expired). */
static int check_fresh(sign_ctx *ctx, const char *gun, const signp_tuf_file *f,
	const signp_tuf_file *cached, int64_t now, int allow_expired, sign_error *err)
{
	char when[32];
	if (cached && f->version < cached->version)
		return signp_err(err, SIGN_EVERIFY,
			"%s: version %lld is lower than the cached version %lld: the trust data was rolled back",
			f->role, (long long)f->version, (long long)cached->version);
	if (allow_expired || f->expires - now >= NEAR_EXPIRY)
		return SIGN_OK;
	signp_time_format(when, f->expires);
	if (now > f->expires) {
		if (now > signp_now() + 5) { /* checked ahead of time (--at) */
			char at[32];
			signp_time_format(at, now);
			signp_err(err, SIGN_EVERIFY, "%s: expired at %s, as of %s, the time checked",
				f->role, when, at);
		} else {
			signp_err(err, SIGN_EVERIFY, "%s: expired at %s", f->role, when);
		}
		if (strcmp(f->role, "timestamp") == 0)
			signp_err_hint(err, "the publisher must run `sign trust refresh`");
		return SIGN_EVERIFY;
	}
	if (strcmp(f->role, "timestamp") == 0)
		signp_ctx_log(ctx, SIGN_LOG_WARN,
			"the timestamp of %s expires at %s: its publisher should run `sign trust refresh %s`",
			gun, when, gun);
	return SIGN_OK;
}

/* A second handle on f, already parsed (signp_tuf_file_dup). */
static int dup_parsed(signp_tuf_file **out, const signp_tuf_file *f, sign_error *err)
{
	if ((*out = signp_tuf_file_dup(f)) == NULL)
		return signp_err(err, SIGN_ENOMEM, "%s: out of memory", f->role);
	return SIGN_OK;
}

/* Parse bytes as role; when they are the bytes of known (a copy of that
 * role already parsed: the cached one, mostly), take a second handle on it
 * instead of parsing them again. */
static int parse_or_dup(signp_tuf_file **out, const char *role, const void *bytes, size_t len,
	const signp_tuf_file *known, sign_error *err)
{
	if (known != NULL && strcmp(known->role, role) == 0 && known->len == len &&
	    memcmp(known->bytes, bytes, len) == 0)
		return dup_parsed(out, known, err);
	return signp_tuf_parse(out, role, bytes, len, err);
}

/* Parse data as role lean (tuf_scan.h: data's memory taken over), or as
 * a whole when the scan cannot stand for it. */
static int parse_lean_or_whole(signp_tuf_file **out, const char *role, sign_buf *data, sign_error *err)
{
	int r = signp_tuf_parse_lean(out, role, data, err);
	if (r != SIGN_EINVAL)
		return r;
	signp_err_clear(err);
	return signp_tuf_parse(out, role, data->ptr, data->size, err);
}

static int fetch_parse(signp_tuf_file **out, signp_trust_backend *be, const char *role,
	int64_t version, size_t max, const signp_tuf_file *known, sign_error *err)
{
	sign_buf data = SIGN_BUF_INIT;
	int r = be->fetch(be, role, version, NULL, max, &data, err);
	if (r == SIGN_OK)
		r = parse_or_dup(out, role, data.ptr, data.size, known, err);
	sign_buf_dispose(&data);
	return r;
}

int signp_trust_root_canonical_ids(json_t **out, const signp_tuf_file *root, sign_error *err)
{
	const json_t *keys = json_object_get(root->signed_obj, "keys");
	const json_t *ids = json_object_get(role_entry(root, "root"), "keyids"), *id;
	json_t *res = json_array();
	size_t i;
	*out = NULL;
	if (res == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	json_array_foreach(ids, i, id) {
		EVP_PKEY *pk = NULL;
		char cid[65];
		const json_t *k = json_object_get(keys, json_string_value(id) ? json_string_value(id) : "");
		int seen = 0;
		if (k && signp_tuf_key_pkey(&pk, k, NULL) == SIGN_OK &&
		    signp_key_canonical_id(cid, pk, NULL) == SIGN_OK) {
			/* one key listed under two IDs is one key */
			for (size_t j = 0; j < json_array_size(res) && !seen; j++)
				seen = strcmp(json_string_value(json_array_get(res, j)), cid) == 0;
			if (!seen)
				json_array_append_new(res, json_string(cid));
		}
		EVP_PKEY_free(pk);
	}
	*out = res;
	return SIGN_OK;
}

/* Step 1: the root.  anchor: the cached root, or the first root version
 * signed by a pinned key, or (trust on first use) the newest one; then
 * every later version must be signed by its predecessor and itself. */
static int load_root(signp_trust *t, signp_trust_backend *be,
	const signp_tuf_file *cached, int cached_memo_ok, const signp_pin *pin, int64_t now,
	sign_error *err)
{
	signp_tuf_file *latest = NULL, *cur = NULL, *next = NULL;
	int r;
	int64_t v;

	if ((r = fetch_parse(&latest, be, "root", 0, SIGN_MAX_METADATA, cached, err)) != SIGN_OK)
		goto out;
	if (signp_pin_active(pin) &&
	    !(cached && signp_pin_check_root(pin, cached, t->gun, now, NULL) == SIGN_OK)) {
		/* the first version signed by a pinned key; why: what the
		 * newest one lacks, for the message */
		sign_error why;
		memset(&why, 0, sizeof(why));
		if (latest->version > SIGN_MAX_ROOT_SEARCH + 1) {
			/* each version is a request: a root claiming a huge
			 * version must not keep the search going for ever */
			r = signp_err(err, SIGN_EVERIFY,
				"root of %s: version %lld is too high to search for the pinned root among its "
				"versions (at most %d)", t->gun, (long long)latest->version, SIGN_MAX_ROOT_SEARCH);
			goto out;
		}
		for (v = 1; v <= latest->version && cur == NULL; v++) {
			signp_tuf_file *f = NULL;
			int got = v == latest->version ?
				dup_parsed(&f, latest, NULL) :
				fetch_parse(&f, be, "root", v, SIGN_MAX_METADATA, cached, NULL);
			if (got != SIGN_OK)
				continue;
			if (f->version == v &&
			    signp_pin_check_root(pin, f, t->gun, now, v == latest->version ? &why : NULL) == SIGN_OK &&
			    signp_tuf_root_check(f, t->gun, now, 0, NULL) == SIGN_OK &&
			    signp_trust_verify_role(f, f, "root", NULL) == SIGN_OK)
				cur = f;
			else
				signp_tuf_file_free(f);
		}
		if (cur == NULL) {
			r = signp_err(err, SIGN_EVERIFY,
				"root of %s: no root version is signed by the pinned root key (pinned by %s)%s%s",
				t->gun, pin->rule, why.message[0] ? ": " : "", why.message);
			signp_err_hint(err, "the repository's root differs from the one you pinned; check `sign inspect %s`",
				t->gun);
			goto out;
		}
		signp_strlcpy(t->pinned_by, pin->rule, sizeof(t->pinned_by));
	} else if (cached) {
		if ((r = dup_parsed(&cur, cached, err)) != SIGN_OK)
			goto out;
		signp_strlcpy(t->pinned_by, "cache", sizeof(t->pinned_by));
	} else {
		/* trust on first use */
		if ((r = signp_tuf_root_check(latest, t->gun, now, 1, err)) != SIGN_OK)
			goto out;
		if ((r = signp_trust_verify_role(latest, latest, "root", err)) != SIGN_OK)
			goto out;
		t->root = latest;
		latest = NULL;
		t->tofu = 1;
		signp_strlcpy(t->pinned_by, "tofu", sizeof(t->pinned_by));
		r = SIGN_OK;
		goto out;
	}

	/* walk cur -> latest */
	if (latest->version < cur->version) {
		r = signp_err(err, SIGN_EVERIFY,
			"root: version %lld is lower than the trusted version %lld: the trust data was rolled back",
			(long long)latest->version, (long long)cur->version);
		goto out;
	}
	if (latest->version == cur->version) {
		if (latest->len != cur->len || memcmp(latest->bytes, cur->bytes, cur->len) != 0) {
			/* same version, other bytes: only acceptable if the
			 * trusted root signs it */
			if ((r = signp_tuf_root_rotation_check(cur, latest, err)) != SIGN_OK) {
				signp_err_prefix(err, r, "root of %s was swapped", t->gun);
				goto out;
			}
		}
	} else {
		for (v = cur->version + 1; v < latest->version; v++) {
			if ((r = fetch_parse(&next, be, "root", v, SIGN_MAX_METADATA, NULL, err)) != SIGN_OK) {
				signp_err_prefix(err, r, "root rotation to version %lld", (long long)v);
				goto out;
			}
			if (next->version != v) {
				r = signp_err(err, SIGN_EVERIFY, "root: %lld.root.json holds version %lld",
					(long long)v, (long long)next->version);
				goto out;
			}
			if ((r = signp_tuf_root_rotation_check(cur, next, err)) != SIGN_OK ||
			    (r = signp_tuf_root_check(next, t->gun, now, 0, err)) != SIGN_OK) {
				signp_err_prefix(err, r, "root rotation to version %lld", (long long)v);
				goto out;
			}
			signp_tuf_file_free(cur);
			cur = next;
			next = NULL;
		}
		if ((r = signp_tuf_root_rotation_check(cur, latest, err)) != SIGN_OK) {
			signp_err_prefix(err, r, "root rotation to version %lld", (long long)latest->version);
			goto out;
		}
	}
	/* unchanged since it passed every check (the memo): only the time
	 * checks, which the memo's span answers, could differ */
	if (!(cached_memo_ok && same_bytes(latest, cached)) &&
	    (r = signp_tuf_root_check(latest, t->gun, now, 1, err)) != SIGN_OK)
		goto out;
	t->root = latest;
	latest = NULL;
	if (cached && t->root->version < cached->version)
		r = signp_err(err, SIGN_EVERIFY,
			"root: version %lld is lower than the cached version %lld: the trust data was rolled back",
			(long long)t->root->version, (long long)cached->version);
out:
	signp_tuf_file_free(latest);
	signp_tuf_file_free(cur);
	signp_tuf_file_free(next);
	return r;
}

static const json_t *meta_of(const signp_tuf_file *f, const char *role)
{
	return json_object_get(json_object_get(f->signed_obj, "meta"), role);
}

static int64_t meta_length(const json_t *meta, size_t dflt)
{
	json_t *l = json_object_get(meta, "length");
	if (json_is_integer(l) && json_integer_value(l) > 0 &&
	    (uint64_t)json_integer_value(l) <= dflt)
		return json_integer_value(l);
	return (int64_t)dflt;
}

/* The sha256 of a file meta entry, as hex, if well formed. */
static int meta_sha256_hex(const json_t *meta, char hex[65])
{
	const char *b64 = json_string_value(json_object_get(json_object_get(meta, "hashes"), "sha256"));
	sign_buf raw = SIGN_BUF_INIT;
	int ok = 0;
	if (b64 && signp_b64_decode(&raw, b64, strlen(b64)) == SIGN_OK && raw.size == 32) {
		signp_hex(hex, (const unsigned char *)raw.ptr, 32);
		ok = 1;
	}
	sign_buf_dispose(&raw);
	return ok;
}

/* Fetch a role whose hash the parent names; the cached copy is used when
 * its bytes match that hash (the parent proves it: no request). */
static int load_checked(signp_tuf_file **out, signp_trust_backend *be, const char *role,
	const json_t *meta, const signp_tuf_file *cached, int lean, sign_error *err)
{
	sign_buf data = SIGN_BUF_INIT;
	char hex[65];
	int r;
	*out = NULL;
	if (meta == NULL)
		return signp_err(err, SIGN_EVERIFY, "%s: not listed in its parent's metadata", role);
	if (cached && signp_tuf_check_filemeta(meta, cached->bytes, cached->len, role, NULL) == SIGN_OK)
		return dup_parsed(out, cached, err);
	r = be->fetch(be, role, 0, meta_sha256_hex(meta, hex) ? hex : NULL,
		(size_t)meta_length(meta, SIGN_MAX_METADATA), &data, err);
	if (r == SIGN_ENOTFOUND) /* listed by its signed parent: a verification failure */
		r = signp_err_prefix_as(err, SIGN_EVERIFY, "%s", role);
	if (r == SIGN_OK)
		r = signp_tuf_check_filemeta(meta, data.ptr, data.size, role, err);
	if (r == SIGN_OK)
		r = lean ? parse_lean_or_whole(out, role, &data, err) :
			   parse_or_dup(out, role, data.ptr, data.size, cached, err);
	sign_buf_dispose(&data);
	return r;
}

/* A lean file (tuf_scan.h) parsed whole instead, from its bytes, and its
 * signatures checked again over the canonical form of that tree: for a
 * file whose "signed" bytes are not canonical, or that the index cannot
 * stand for. */
static int unlean(signp_tuf_file **f, const signp_tuf_file *root, sign_error *err)
{
	signp_tuf_file *whole = NULL;
	int r = signp_tuf_parse(&whole, (*f)->role, (*f)->bytes, (*f)->len, err);
	if (r == SIGN_OK)
		r = signp_trust_verify_role(root, whole, whole->role, err);
	signp_tuf_file_free(*f);
	*f = whole;
	return r;
}

/* The same once index_write dropped the bytes: read back from the cache
 * (where trust_save put them), and taken only when the snapshot lists
 * those very bytes. */
static int unlean_cached(signp_trust *t, sign_ctx *ctx, sign_error *err)
{
	sign_buf data = SIGN_BUF_INIT;
	int r = SIGN_OK;
	if (t->targets->bytes == NULL) {
		if ((r = signp_trust_cache_read(&data, ctx, t->gun, "targets")) != SIGN_OK ||
		    (r = signp_tuf_check_filemeta(meta_of(t->snapshot, "targets"), data.ptr, data.size,
			     "targets", err)) != SIGN_OK) {
			sign_buf_dispose(&data);
			return r == SIGN_ENOTFOUND ? signp_err(err, SIGN_ERROR,
				"targets of %s: its cached copy is gone", t->gun) : r;
		}
		t->targets->bytes = (unsigned char *)data.ptr;
		t->targets->len = data.size;
	}
	return unlean(&t->targets, t->root, err);
}

static const json_t *find_deleg_role(const signp_tuf_file *parent, const char *name)
{
	const json_t *roles = json_object_get(json_object_get(parent->signed_obj, "delegations"),
		"roles"), *r;
	size_t i;
	json_array_foreach(roles, i, r) {
		const char *n = json_string_value(json_object_get(r, "name"));
		if (n && strcmp(n, name) == 0)
			return r;
	}
	return NULL;
}

/* Step 4, delegations: every delegation of targets listed in the snapshot
 * is fetched, hash-checked and verified; an invalid one is skipped with a
 * warning, as notary does. */
static int load_delegations(signp_trust *t, sign_ctx *ctx, signp_trust_backend *be,
	int64_t now, sign_error *err)
{
	const json_t *roles = json_object_get(json_object_get(t->targets->signed_obj,
		"delegations"), "roles"), *role;
	size_t i;
	json_array_foreach(roles, i, role) {
		const char *name = json_string_value(json_object_get(role, "name"));
		signp_tuf_file *f = NULL, *cached = NULL;
		sign_error e;
		int r;
		if (name == NULL || !signp_str_has_prefix(name, "targets/") ||
		    strchr(name + 8, '/') != NULL || strstr(name, "..") != NULL)
			continue;
		if (meta_of(t->snapshot, name) == NULL)
			continue; /* nothing published for it */
		if (t->ndeleg == SIGN_TRUST_MAX_DELEG)
			return signp_err(err, SIGN_EVERIFY, "targets: too many delegations");
		memset(&e, 0, sizeof(e));
		signp_trust_cache_load(&cached, ctx, t->gun, name);
		r = load_checked(&f, be, name, meta_of(t->snapshot, name), cached, 0, &e);
		if (r == SIGN_OK)
			r = signp_tuf_verify(f, json_object_get(json_object_get(t->targets->signed_obj,
				"delegations"), "keys"), json_object_get(role, "keyids"),
				json_integer_value(json_object_get(role, "threshold")), &e);
		/* a copy that fails its hash or signatures now is never used
		 * later (--offline) */
		if (r == SIGN_EVERIFY && cached != NULL)
			signp_trust_cache_drop(ctx, t->gun, name);
		if (r == SIGN_OK)
			r = check_fresh(ctx, t->gun, f, cached, now, 0, &e);
		signp_tuf_file_free(cached);
		if (r != SIGN_OK) {
			signp_tuf_file_free(f);
			if (r == SIGN_EVERIFY) {
				signp_ctx_log(ctx, SIGN_LOG_WARN, "skipping delegation: %s", e.message);
				continue;
			}
			memcpy(err, &e, sizeof(e));
			return r;
		}
		t->deleg[t->ndeleg++] = f;
	}
	return SIGN_OK;
}

/* A role its parent names by hash (snapshot, targets): fetched or taken
 * from the cache, verified under t->root (always: a copy identical to the
 * cached one is not taken on the cache's word), then checked for rollback
 * and expiry. */
static int load_role(signp_tuf_file **out, signp_trust *t, sign_ctx *ctx, signp_trust_backend *be,
	const char *role, const json_t *meta, const signp_tuf_file *cached, int lean, int64_t now,
	sign_error *err)
{
	int r;
	if ((r = load_checked(out, be, role, meta, cached, lean, err)) == SIGN_OK &&
	    (r = signp_trust_verify_role(t->root, *out, role, err)) == SIGN_EVERIFY && (*out)->scan != NULL) {
		/* not over its "signed" bytes: maybe over their canonical form */
		signp_err_clear(err);
		r = unlean(out, t->root, err);
	}
	if (r != SIGN_OK) {
		if (r == SIGN_EVERIFY)
			signp_strlcpy(t->bad_role, role, sizeof(t->bad_role));
		return r;
	}
	return check_fresh(ctx, t->gun, *out, cached, now, 0, err);
}

/* Steps 2 and 3: the timestamp, then the snapshot it names, both under
 * t->root; the snapshot must name t->root's exact bytes. */
static int load_ts_snap(signp_trust *t, sign_ctx *ctx, signp_trust_backend *be,
	const signp_tuf_file *c_ts, const signp_tuf_file *c_snap, int64_t now, int publisher,
	sign_error *err)
{
	int r;
	if ((r = fetch_parse(&t->timestamp, be, "timestamp", 0, SIGN_MAX_TIMESTAMP, c_ts, err)) != SIGN_OK) {
		if (r == SIGN_ENOTFOUND)
			r = signp_err_prefix_as(err, SIGN_EVERIFY, "timestamp");
		return r;
	}
	if ((r = signp_trust_verify_role(t->root, t->timestamp, "timestamp", err)) != SIGN_OK) {
		signp_strlcpy(t->bad_role, "timestamp", sizeof(t->bad_role));
		return r;
	}
	if ((r = check_fresh(ctx, t->gun, t->timestamp, c_ts, now, publisher, err)) != SIGN_OK)
		return r;
	if ((r = load_role(&t->snapshot, t, ctx, be, "snapshot", meta_of(t->timestamp, "snapshot"),
		     c_snap, 0, now, err)) != SIGN_OK)
		return r;
	if ((r = signp_tuf_check_filemeta(meta_of(t->snapshot, "root"), t->root->bytes,
		     t->root->len, "root", err)) != SIGN_OK) {
		signp_err_prefix(err, r, "snapshot does not match the root");
		signp_strlcpy(t->bad_role, "snapshot", sizeof(t->bad_role));
	}
	return r;
}

/* ---- the verified targets index (targets_index.c) ---- */

/* The delegations of targets (the file or its skeleton) that
 * load_delegations loads: well named and listed in the snapshot, in order;
 * SIGN_TRUST_MAX_DELEG + 1 at most are counted. */
static size_t listed_delegations(const signp_trust *t, const signp_tuf_file *targets,
	const char *names[SIGN_TRUST_MAX_DELEG + 1])
{
	const json_t *roles = json_object_get(json_object_get(targets->signed_obj, "delegations"),
		"roles"), *role;
	size_t i, n = 0;
	json_array_foreach(roles, i, role) {
		const char *name = json_string_value(json_object_get(role, "name"));
		if (name == NULL || !signp_str_has_prefix(name, "targets/") ||
		    strchr(name + 8, '/') != NULL || strstr(name, "..") != NULL ||
		    meta_of(t->snapshot, name) == NULL)
			continue;
		if (n == SIGN_TRUST_MAX_DELEG + 1)
			break;
		names[n++] = name;
	}
	return n;
}

/* The snapshot's meta entry for role (hashes, length) as canonical text:
 * what an index is keyed by. */
static char *meta_text(const signp_trust *t, const char *role)
{
	const json_t *m = meta_of(t->snapshot, role);
	return m ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

static int file_sink(void *arg, const void *data, size_t len, sign_error *err)
{
	return signp_atomic_write(arg, data, len, err);
}

/* After targets and its delegations passed every check: build their
 * index, and write it.  Not written when a listed delegation was skipped
 * (it is then checked, and warned of, on every verify), nor on any
 * failure (logged): the index only spares work.  When targets is lean
 * (tuf_scan.h), the index just built stands for it in t, written or not:
 * SIGN_OK then means t->index is set. */
static int index_write(signp_trust *t, sign_ctx *ctx)
{
	const char *names[SIGN_TRUST_MAX_DELEG + 1];
	signp_tindex_src src[SIGNP_TINDEX_MAX_FILES];
	char *metas[SIGNP_TINDEX_MAX_FILES];
	unsigned char *key = sodium_malloc(SIGNP_TINDEX_KEY_BYTES), root_h[32];
	sign_buf out = SIGN_BUF_INIT, path = SIGN_BUF_INIT;
	sign_error e;
	size_t n = 0;
	int lean = t->targets->scan != NULL, persist = 1, r = SIGN_ERROR;
	memset(&e, 0, sizeof(e));
	if (listed_delegations(t, t->targets, names) != t->ndeleg) {
		signp_ctx_log(ctx, SIGN_LOG_DEBUG, "no targets index for %s: a delegation did not verify",
			t->gun);
		persist = 0;
		if (!lean)
			goto out;
	}
	if (t->ndeleg + 1 > SIGNP_TINDEX_MAX_FILES) {
		signp_err(&e, SIGN_EINVAL, "too many delegations");
		goto out;
	}
	for (; n <= t->ndeleg; n++) {
		const signp_tuf_file *f = n == 0 ? t->targets : t->deleg[n - 1];
		if ((metas[n] = meta_text(t, f->role)) == NULL)
			break;
		src[n].file = f;
		src[n].meta = metas[n];
	}
	signp_sha256(root_h, t->root->bytes, t->root->len);
	if (n != t->ndeleg + 1 || key == NULL)
		signp_err(&e, SIGN_ENOMEM, "out of memory");
	else if (signp_trust_cache_index_key(key, ctx, &e) == SIGN_OK) {
		signp_atomic_file af;
		if (lean) {
			/* from here the index stands for targets, which is its
			 * skeleton (trust.h): its bytes are in the cache now
			 * (trust_save), and not kept beside the index built */
			free(t->targets->bytes);
			t->targets->bytes = NULL;
			t->targets->len = 0;
		}
		/* written a piece at a time, and mapped from the file written
		 * (before its rename: no other writer's index is read back) */
		if (persist && signp_trust_cache_index_path(&path, ctx, t->gun, &e) == SIGN_OK &&
		    signp_atomic_open(&af, path.ptr, 0600, &e) == SIGN_OK) {
			if (signp_tindex_write(file_sink, &af, key, root_h, src, n, &e) != SIGN_OK) {
				signp_atomic_abort(&af);
			} else {
				if (lean)
					r = signp_tindex_open_fd(&t->index, af.fd, key, &e);
				if (signp_atomic_commit(&af, &e) == SIGN_OK)
					signp_ctx_log(ctx, SIGN_LOG_DEBUG,
						"wrote the verified targets index of %s (%zu file%s)", t->gun, n,
						n == 1 ? "" : "s");
			}
		}
		/* not written (a delegation skipped, a home that cannot be
		 * written): in memory */
		if (lean && t->index == NULL && signp_tindex_build(&out, key, root_h, src, n, &e) == SIGN_OK)
			r = signp_tindex_open_built(&t->index, &out, key, &e);
		if (lean && t->index != NULL)
			r = SIGN_OK;
	}
	if (e.message[0])
		signp_ctx_log(ctx, SIGN_LOG_DEBUG, "no targets index for %s: %s", t->gun, e.message);
out:
	for (size_t i = 0; i < n; i++)
		free(metas[i]);
	if (key != NULL)
		sodium_free(key);
	sign_buf_dispose(&out);
	sign_buf_dispose(&path);
	return r;
}

/* Does the index stand for targets and its delegations?  Only when its
 * MAC holds under the home's key, and its header names the verified root
 * and, for each file, the very meta entry (hashes, length) the verified
 * snapshot lists, and the delegations the snapshot lists are the ones it
 * holds; their expiry is checked from its header.  Rollback needs no
 * check: an index exists only beside the cached files it was built from
 * (storing another targets or delegation file removes it first), and
 * those passed the rollback check when they were cached.  1: t->index
 * set, t->targets and t->deleg[] its skeletons; 0: the full path (logged,
 * a forged index as a warning), and *cached_version, when the index is
 * authentic but stale, the skeleton of the cached targets it was built
 * from: their version, for the rollback check, without parsing them; with
 * *targets_changed when the snapshot lists other targets bytes than those
 * (then the cached file need not even be hashed). */
static int index_use(signp_trust *t, sign_ctx *ctx, int64_t now, signp_tuf_file **cached_version,
	int *targets_changed)
{
	unsigned char *key = sodium_malloc(SIGNP_TINDEX_KEY_BYTES), root_h[32];
	sign_buf path = SIGN_BUF_INIT;
	signp_tindex *ix = NULL;
	signp_tuf_file *files[SIGNP_TINDEX_MAX_FILES];
	const char *names[SIGN_TRUST_MAX_DELEG + 1];
	const char *stale = NULL;
	sign_error e;
	size_t n = 0, i;
	int r, used = 0;

	memset(&e, 0, sizeof(e));
	memset(files, 0, sizeof(files));
	if (key == NULL || signp_trust_cache_index_path(&path, ctx, t->gun, &e) != SIGN_OK ||
	    signp_trust_cache_index_key(key, ctx, &e) != SIGN_OK) {
		stale = e.message[0] ? e.message : "out of memory";
		goto out;
	}
	if ((r = signp_tindex_open_file(&ix, path.ptr, key, &e)) != SIGN_OK) {
		if (r == SIGN_ENOTFOUND)
			stale = "none yet";
		else
			signp_ctx_log(ctx, SIGN_LOG_WARN,
				"the targets index of %s failed its checks (%s): it is rebuilt from the verified targets",
				t->gun, e.message);
		goto out;
	}
	n = signp_tindex_nfiles(ix);
	for (i = 0; i < n; i++) {
		const void *sk;
		size_t skl;
		signp_tindex_skeleton(ix, i, &sk, &skl);
		if ((i == 0) != (strcmp(signp_tindex_role(ix, i), "targets") == 0) ||
		    signp_tuf_parse(&files[i], signp_tindex_role(ix, i), sk, skl, &e) != SIGN_OK) {
			signp_ctx_log(ctx, SIGN_LOG_WARN,
				"the targets index of %s failed its checks (%s): it is rebuilt from the verified targets",
				t->gun, e.message[0] ? e.message : "targets index: its first file is not targets");
			goto out;
		}
	}
	signp_sha256(root_h, t->root->bytes, t->root->len);
	if (sodium_memcmp(root_h, signp_tindex_root_sha256(ix), 32) != 0) {
		stale = "it was built under another root";
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *role = signp_tindex_role(ix, i);
		char *m = meta_text(t, role);
		int same = m != NULL && strcmp(m, signp_tindex_meta(ix, i)) == 0;
		free(m);
		if (!same && i == 0)
			*targets_changed = 1;
		if (!same) {
			stale = "the snapshot lists other files";
			goto out;
		}
	}
	if (listed_delegations(t, files[0], names) != n - 1) {
		stale = "the snapshot lists other delegations";
		goto out;
	}
	for (i = 1; i < n; i++)
		if (strcmp(names[i - 1], files[i]->role) != 0) {
			stale = "the snapshot lists other delegations";
			goto out;
		}
	for (i = 0; i < n; i++)
		if (check_fresh(ctx, t->gun, files[i], NULL, now, 0, &e) != SIGN_OK) {
			stale = e.message; /* the full path says it, as ever */
			goto out;
		}
	signp_ctx_log(ctx, SIGN_LOG_DEBUG,
		"%s: targets and %zu delegation(s) read from the verified targets index (%zu targets), "
		"not from the targets file", t->gun, n - 1, signp_tindex_nentries(ix));
	t->targets = files[0];
	for (i = 1; i < n; i++)
		t->deleg[t->ndeleg++] = files[i];
	memset(files, 0, sizeof(files));
	t->index = ix;
	ix = NULL;
	used = 1;
out:
	if (stale != NULL) {
		signp_ctx_log(ctx, SIGN_LOG_DEBUG, "the targets index of %s is not used: %s", t->gun, stale);
		*cached_version = files[0];
		files[0] = NULL;
	}
	for (i = 0; i < SIGNP_TINDEX_MAX_FILES; i++)
		signp_tuf_file_free(files[i]);
	signp_tindex_free(ix);
	if (key != NULL)
		sodium_free(key);
	sign_buf_dispose(&path);
	return used;
}

/* The cached targets, when an index might have stood for them, for
 * load_role: parsed (lean, tuf_scan.h) only when the snapshot lists their
 * very bytes (they are then the file used, parsed once); otherwise only
 * their version counts (the rollback check), which the stale index's
 * skeleton gives (skel, taken over; NULL: the file is parsed, as without
 * an index).
 * changed: the index says the snapshot lists other bytes than the cached
 * ones (it was built from them): they are not even read. */
static signp_tuf_file *cached_targets_lean(sign_ctx *ctx, const signp_trust *t, signp_tuf_file *skel,
	int changed)
{
	sign_buf data = SIGN_BUF_INIT;
	signp_tuf_file *f = NULL;
	int have;
	if (skel != NULL && changed)
		return skel;
	have = signp_trust_cache_read(&data, ctx, t->gun, "targets") == SIGN_OK;
	if (have && (skel == NULL || signp_tuf_check_filemeta(meta_of(t->snapshot, "targets"), data.ptr,
			 data.size, "targets", NULL) == SIGN_OK))
		parse_lean_or_whole(&f, "targets", &data, NULL);
	sign_buf_dispose(&data);
	if (f != NULL || !have) {
		signp_tuf_file_free(skel);
		return f;
	}
	return skel;
}

int signp_trust_index_failed(const signp_trust *t)
{
	return t->index != NULL && signp_tindex_failed(t->index);
}

void signp_trust_index_drop(sign_ctx *ctx, const char *gun)
{
	signp_trust_cache_index_drop(ctx, gun);
}

/* The cached copies of the four top roles, and whether the root memo
 * holds for the cached root: read while the backend's first request is out
 * (the registry handle's idle work), or else before they are needed. */
typedef struct cached_set {
	sign_ctx *ctx;
	const char *gun;
	int64_t now;
	int done;
	int memo_ok;
	int skip_targets;    /* an index may stand for it: read it when needed */
	signp_tuf_file *root, *ts, *snap, *targets;
} cached_set;

static void cached_load(void *arg)
{
	cached_set *c = arg;
	if (c->done)
		return;
	c->done = 1;
	signp_trust_cache_load(&c->root, c->ctx, c->gun, "root");
	signp_trust_cache_load(&c->ts, c->ctx, c->gun, "timestamp");
	signp_trust_cache_load(&c->snap, c->ctx, c->gun, "snapshot");
	if (!c->skip_targets)
		signp_trust_cache_load(&c->targets, c->ctx, c->gun, "targets");
	c->memo_ok = c->root != NULL && signp_trust_root_memo_ok(c->ctx, c->gun, c->root, c->now);
}

int signp_trust_load(signp_trust **out, sign_ctx *ctx, signp_trust_backend *be, const char *gun,
	const signp_trust_load_opts *opts, sign_error *err)
{
	signp_trust *t;
	signp_tuf_file *c_root = NULL, *c_ts = NULL, *c_snap = NULL, *c_targets = NULL;
	signp_pin pin;
	signp_trust_backend *cache_be = NULL;
	int have_pin = 0, memo_ok, queued = 0, offline = 0;
	/* lookups only, online, now: an index may stand for the targets */
	int lookup = opts && opts->index && !opts->offline && !(opts->at > 0), targets_changed = 0;
	int64_t now = signp_now();
	cached_set cs;
	int r;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	signp_strlcpy(t->gun, gun, sizeof(t->gun));
	if (opts && opts->at > now)
		now = opts->at; /* never earlier than now */
	memset(&cs, 0, sizeof(cs));
	cs.ctx = ctx;
	cs.gun = gun;
	cs.now = now;
	cs.skip_targets = lookup;

	if ((r = signp_pin_resolve_ca(&pin, ctx, gun, opts ? opts->root_key_files : NULL,
		     opts ? opts->root_ca_file : NULL, err)) != SIGN_OK)
		goto out;
	have_pin = 1;

	if (opts && opts->offline) {
		/* the cached state only, checked from the root down exactly as
		 * a fetched one would be: nothing is taken on the word of the
		 * cache (a file that fails is dropped) */
		cached_load(&cs);
		c_root = cs.root; c_ts = cs.ts; c_snap = cs.snap; c_targets = cs.targets;
		if (c_root == NULL || c_ts == NULL || c_snap == NULL || c_targets == NULL) {
			r = signp_err(err, SIGN_EVERIFY, "trust data of %s: nothing cached for offline use", gun);
			signp_err_hint(err, "verify once online first");
			goto out;
		}
		{
			const signp_tuf_file *read[4] = { c_root, c_ts, c_snap, c_targets };
			if ((r = signp_trust_backend_cache(&cache_be, ctx, gun, read, err)) != SIGN_OK)
				goto out;
		}
		be = cache_be;
		offline = 1;
		memo_ok = 0;
		goto check;
	}

	if (be->prefetch_root != NULL)
		be->prefetch_root(be);
	queued = be->add_idle != NULL && be->add_idle(be, cached_load, &cs) == SIGN_OK;
	r = be->refresh(be, err);
	if (queued)
		be->drop_idle(be, cached_load, &cs);
	cached_load(&cs);
	c_root = cs.root; c_ts = cs.ts; c_snap = cs.snap; c_targets = cs.targets;
	if (r != SIGN_OK) {
		if (r == SIGN_ENOTFOUND) {
			if (opts && opts->allow_missing)
				goto out;
			signp_err_clear(err);
			r = signp_err(err, SIGN_EVERIFY, "%s has no trust data: it was never signed", gun);
		}
		goto out;
	}
	if (opts && opts->refreshed)
		opts->refreshed(opts->refreshed_arg);
	if (!signp_pin_active(&pin) && c_root == NULL && pin.disable_tofu) {
		r = signp_err(err, SIGN_EVERIFY, "root of %s: trust on first use is disabled and no root is pinned",
			gun);
		signp_err_hint(err, "pin it with `sign trust pin %s --root-key ROOT.pub` or pass --root-key", gun);
		goto out;
	}
	memo_ok = cs.memo_ok;
check:
	/* 1. root: always fetched, so that a served root the cached one does
	 * not lead to (a forged or swapped root) is refused, not ignored */
	if ((r = load_root(t, be, c_root, memo_ok, &pin, now, err)) != SIGN_OK ||
	    (r = check_fresh(ctx, t->gun, t->root, NULL, now, opts && opts->publisher, err)) != SIGN_OK)
		goto out;
	/* The memo only spares the root's certificate checks: every other
	 * role's signatures are checked every time, even when its bytes equal
	 * the cached copy (a cached file is no evidence of its own). */
	t->root_memo = memo_ok && same_bytes(t->root, c_root);
	/* 2. timestamp, 3. snapshot */
	if ((r = load_ts_snap(t, ctx, be, c_ts, c_snap, now, opts && opts->publisher, err)) != SIGN_OK)
		goto out;
	/* 4. targets and delegations: from their verified index when it
	 * stands for the files the snapshot lists, else fetched (or the cached
	 * copy the snapshot names) and checked */
	if (!(lookup && opts->index == SIGNP_TRUST_INDEX_USE &&
	      index_use(t, ctx, now, &c_targets, &targets_changed))) {
		if (lookup)
			c_targets = cached_targets_lean(ctx, t, c_targets, targets_changed);
		if ((r = load_role(&t->targets, t, ctx, be, "targets", meta_of(t->snapshot, "targets"),
			     c_targets, lookup, now, err)) != SIGN_OK)
			goto out;
		if ((r = load_delegations(t, ctx, be, now, err)) != SIGN_OK)
			goto out;
	}
	if (!offline && !(opts && opts->at > 0)) {
		const signp_tuf_file *known[4] = { c_root, c_targets, c_snap, c_ts };
		r = trust_save(ctx, t, known, err);
	}
	if (r == SIGN_OK && lookup && t->index == NULL && index_write(t, ctx) != SIGN_OK &&
	    t->targets->scan != NULL) {
		/* lean, and no index stands for it (two targets of one name, a
		 * name too long for it, a home it cannot be written to): the file
		 * parsed whole, and lookups read the tree.  A file that then fails
		 * (a duplicate whose signature holds over its text, never over a
		 * tree's canonical form) leaves the cache */
		if ((r = unlean_cached(t, ctx, err)) == SIGN_EVERIFY) {
			signp_strlcpy(t->bad_role, "targets", sizeof(t->bad_role));
			signp_trust_cache_drop(ctx, gun, "targets");
		}
	}
out:
	if (offline && r == SIGN_EVERIFY && t->bad_role[0])
		signp_trust_cache_drop(ctx, gun, t->bad_role);
	if (cache_be != NULL)
		cache_be->free(cache_be);
	signp_tuf_file_free(c_root);
	signp_tuf_file_free(c_ts);
	signp_tuf_file_free(c_snap);
	signp_tuf_file_free(c_targets);
	if (have_pin)
		signp_pin_dispose(&pin);
	if (r != SIGN_OK) {
		signp_trust_free(t);
		return r;
	}
	*out = t;
	return SIGN_OK;
}

/* ---- targets ---- */

static int target_entry(signp_target *out, const signp_tuf_file *f, const char *name)
{
	const json_t *e = json_object_get(json_object_get(f->signed_obj, "targets"), name);
	const char *h = json_string_value(json_object_get(json_object_get(e, "hashes"), "sha256"));
	sign_buf raw = SIGN_BUF_INIT;
	json_t *len = json_object_get(e, "length");
	int ok = 0;
	if (h && signp_b64_decode(&raw, h, strlen(h)) == SIGN_OK && raw.size == 32) {
		memcpy(out->digest, "sha256:", 7);
		signp_hex(out->digest + 7, (const unsigned char *)raw.ptr, 32);
		out->size = json_is_integer(len) && json_integer_value(len) > 0 ?
			(uint64_t)json_integer_value(len) : 0;
		ok = 1;
	}
	sign_buf_dispose(&raw);
	return ok;
}

static int path_allowed(const json_t *role, const char *name)
{
	const json_t *paths = json_object_get(role, "paths"), *p;
	size_t i;
	json_array_foreach(paths, i, p) {
		const char *s = json_string_value(p);
		if (s && signp_str_has_prefix(name, s))
			return 1;
	}
	return 0;
}

static size_t deleg_pos(const signp_trust *t, const char *name)
{
	size_t i = 0;
	while (i < t->ndeleg && strcmp(t->deleg[i]->role, name) != 0)
		i++;
	return i;
}

static const signp_tuf_file *deleg_file(const signp_trust *t, const char *name)
{
	size_t i = deleg_pos(t, name);
	return i < t->ndeleg ? t->deleg[i] : NULL;
}

/* target_entry from the index: file 0 is targets, file i + 1 deleg[i].
 * A forged entry is no entry (and marks the index failed). */
static int index_entry(signp_target *out, const signp_trust *t, size_t file, const char *name)
{
	return signp_tindex_lookup(t->index, file, name, out->digest, &out->size, NULL) == 1;
}

static int lookup_in(signp_target *out, const signp_trust *t, const char *role, const char *name)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(role, "targets") == 0) {
		const json_t *entry = role_entry(t->root, "targets");
		if (!(t->index ? index_entry(out, t, 0, name) : target_entry(out, t->targets, name)))
			return 0;
		out->keys = json_object_get(t->root->signed_obj, "keys");
		out->keyids = json_object_get(entry, "keyids");
		out->threshold = json_integer_value(json_object_get(entry, "threshold"));
	} else {
		const signp_tuf_file *f = deleg_file(t, role);
		const json_t *dr = find_deleg_role(t->targets, role);
		if (f == NULL || dr == NULL || !path_allowed(dr, name) ||
		    !(t->index ? index_entry(out, t, deleg_pos(t, role) + 1, name) : target_entry(out, f, name)))
			return 0;
		out->keys = json_object_get(json_object_get(t->targets->signed_obj, "delegations"), "keys");
		out->keyids = json_object_get(dr, "keyids");
		out->threshold = json_integer_value(json_object_get(dr, "threshold"));
	}
	signp_strlcpy(out->role, role, sizeof(out->role));
	return 1;
}

int signp_trust_find_target(signp_target *out, const signp_trust *t, const char *tag,
	sign_error *err)
{
	/* docker pull: targets/releases first, then targets */
	if (lookup_in(out, t, "targets/releases", tag) || lookup_in(out, t, "targets", tag))
		return SIGN_OK;
	if (find_deleg_role(t->targets, "targets/releases") && deleg_file(t, "targets/releases") == NULL &&
	    t->snapshot && meta_of(t->snapshot, "targets/releases"))
		return signp_err(err, SIGN_EVERIFY, "%s:%s is not signed: targets/releases did not verify "
			"(too few signatures for its threshold, expired or tampered)", t->gun, tag);
	return signp_err(err, SIGN_EVERIFY, "%s:%s is not signed: no trust data for that tag", t->gun,
		tag);
}

int signp_trust_find_digest(signp_target *out, char name_out[136], const signp_trust *t,
	const char *digest, sign_error *err)
{
	const char *roles[2] = { "targets/releases", "targets" };
	for (int i = 0; i < 2; i++) {
		const signp_tuf_file *f = i == 0 ? deleg_file(t, roles[i]) : t->targets;
		const char *name;
		json_t *e;
		if (f == NULL)
			continue;
		json_object_foreach(json_object_get(f->signed_obj, "targets"), name, e) {
			(void)e;
			if (lookup_in(out, t, roles[i], name) && strcmp(out->digest, digest) == 0) {
				signp_strlcpy(name_out, name, 136);
				return SIGN_OK;
			}
		}
	}
	return signp_err(err, SIGN_EVERIFY, "%s@%s is not signed: no tag of the trust data has that digest",
		t->gun, digest);
}

/* ---- required signers (sign_verify_options.signers) ---- */

/* what a delegation's name may hold after "targets/" (one level: the
 * loader verifies no deeper delegation) */
#define ROLE_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

int signp_trust_find_in_role(signp_target *out, const signp_trust *t, const char *role,
	const char *tag)
{
	return lookup_in(out, t, role, tag);
}

int signp_trust_find_digest_in_role(signp_target *out, char name_out[136], const signp_trust *t,
	const char *role, const char *digest)
{
	const signp_tuf_file *f = strcmp(role, "targets") == 0 ? t->targets : deleg_file(t, role);
	const char *name;
	json_t *e;
	if (f == NULL)
		return 0;
	json_object_foreach(json_object_get(f->signed_obj, "targets"), name, e) {
		(void)e;
		if (lookup_in(out, t, role, name) && strcmp(out->digest, digest) == 0) {
			signp_strlcpy(name_out, name, 136);
			return 1;
		}
	}
	return 0;
}

int signp_trust_signers_check_args(const char *const *signers, unsigned int threshold,
	sign_error *err)
{
	size_t n = 0;
	if (signers == NULL) {
		if (threshold > 0)
			return signp_err(err, SIGN_EINVAL, "signers: a threshold of %u without signers",
				threshold);
		return SIGN_OK;
	}
	for (const char *const *s = signers; *s; s++, n++) {
		const char *name = *s;
		if (n == SIGN_TRUST_MAX_DELEG + 1)
			return signp_err(err, SIGN_EINVAL, "signers: more than %d roles",
				SIGN_TRUST_MAX_DELEG + 1);
		if (strcmp(name, "targets") != 0 &&
		    (!signp_str_has_prefix(name, "targets/") || name[8] == '\0' || strlen(name) >= 128 ||
			    strspn(name + 8, ROLE_CHARS) != strlen(name + 8) || strstr(name, "..") != NULL))
			return signp_err(err, SIGN_EINVAL,
				"signers: \"%.128s\" is not a role name (targets or targets/NAME)", name);
		for (const char *const *p = signers; p < s; p++)
			if (strcmp(*p, name) == 0)
				return signp_err(err, SIGN_EINVAL, "signers: %s is given twice (each role counts once)",
					name);
	}
	if (n == 0)
		return signp_err(err, SIGN_EINVAL, "signers: an empty list of roles");
	if (threshold > n)
		return signp_err(err, SIGN_EINVAL, "signers: threshold %u but only %zu role%s given",
			threshold, n, n == 1 ? "" : "s");
	return SIGN_OK;
}

/* Why role does not sign tag (or, tag NULL, digest) with digest, into
 * why; "" when it does. */
static void role_signs(char *why, size_t size, const signp_trust *t, const char *role,
	const char *tag, const char *digest)
{
	signp_target tg;
	why[0] = '\0';
	if (strcmp(role, "targets") != 0) {
		const json_t *dr = find_deleg_role(t->targets, role);
		if (dr == NULL) {
			snprintf(why, size, "not delegated");
			return;
		}
		if (deleg_file(t, role) == NULL) {
			snprintf(why, size, t->snapshot && meta_of(t->snapshot, role) ?
				"its metadata did not verify" : "has signed nothing");
			return;
		}
		if (tag != NULL && !path_allowed(dr, tag)) {
			snprintf(why, size, "%.100s is outside its paths", tag);
			return;
		}
	}
	if (tag != NULL) {
		if (!lookup_in(&tg, t, role, tag))
			snprintf(why, size, "does not sign %.100s", tag);
		else if (strcmp(tg.digest, digest) != 0)
			snprintf(why, size, "signs %.100s for %.80s", tag, tg.digest);
		return;
	}
	{
		char name[136];
		if (!signp_trust_find_digest_in_role(&tg, name, t, role, digest))
			snprintf(why, size, "signs no tag with that digest");
	}
}

int signp_trust_check_signers(const signp_trust *t, const char *what, const char *tag,
	const char *digest, const char *const *signers, unsigned int threshold, sign_error *err)
{
	sign_buf ok = SIGN_BUF_INIT, missing = SIGN_BUF_INIT;
	size_t n = 0, nok = 0;
	int r;
	char why[300];

	if ((r = signp_trust_signers_check_args(signers, threshold, err)) != SIGN_OK || signers == NULL)
		return r;
	for (const char *const *s = signers; *s; s++, n++) {
		role_signs(why, sizeof(why), t, *s, tag, digest);
		if (why[0] == '\0') {
			nok++;
			r = signp_buf_printf(&ok, "%s%s", ok.size ? ", " : "", *s);
		} else {
			r = signp_buf_printf(&missing, "%s%s (%s)", missing.size ? ", " : "", *s, why);
		}
		if (r != SIGN_OK) {
			r = signp_err(err, SIGN_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (threshold == 0)
		threshold = (unsigned int)n;
	if (nok >= threshold) {
		r = SIGN_OK;
		goto out;
	}
	r = signp_err(err, SIGN_EVERIFY, "%s is signed by %zu of the required signers (%s), %u needed: missing %s",
		what, nok, nok ? ok.ptr : "none", threshold, missing.ptr);
out:
	sign_buf_dispose(&ok);
	sign_buf_dispose(&missing);
	return r;
}

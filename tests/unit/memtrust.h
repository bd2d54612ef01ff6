/*
 * memtrust.h - static helpers shared by the trust engine's unit tests
 * (included, not linked): a temporary home, an in-memory trust backend,
 * and a GUN's metadata built and signed in the test with libsign's own
 * functions, so that every check of SPEC §3 can be tried with one forged
 * input and no server.
 *
 * The in-memory backend serves role files from memory (fetch), records
 * what is published to it (publish) and can answer SIGN_ECONFLICT, alone
 * or with another writer's files put in place first (mt_theirs).  It
 * sets only refresh, fetch, publish, free and caps: the rest of the
 * backend table is the engine's business.
 *
 * The functions are static and marked unused: each test file takes the
 * ones it needs.  memfixture.h builds the common per-test fixture on them.
 */
#ifndef SIGN_TEST_MEMTRUST_H
#define SIGN_TEST_MEMTRUST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "key.h"
#include "trust.h"
#include "tuf.h"

#define MT_UNUSED __attribute__((unused))

/* ---------------------------------------------------------------------- */
/* a temporary folder and a home in it                                     */

/* mkdtemp under $TMPDIR (else /tmp): the test's own folder. */
static MT_UNUSED void mt_tmpdir(char *out, size_t size, const char *name)
{
	const char *base = getenv("TMPDIR");
	if (base == NULL || *base == '\0')
		base = "/tmp";
	snprintf(out, size, "%s/sign-unit-%s.XXXXXX", base, name);
	if (mkdtemp(out) == NULL)
		fail_msg("mkdtemp %s failed", out);
}

/* rm -rf path (a folder this test made; symbolic links are not followed). */
static MT_UNUSED int mt_rmtree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int r = 0;
	if (lstat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char sub[4096];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (mt_rmtree(sub) != 0)
			r = -1;
	}
	closedir(d);
	return rmdir(path) == 0 ? r : -1;
}

/* The passphrase callback: one fixed passphrase for every key. */
static MT_UNUSED int mt_pass(char *buf, size_t size, sign_pass_kind kind, const char *keyid,
	int confirm, void *payload)
{
	(void)kind;
	(void)keyid;
	(void)confirm;
	(void)payload;
	return snprintf(buf, size, "unit-test-pass") < (int)size ? 0 : -1;
}

/* Warnings the library logs, kept for assertions (the last one). */
static char mt_last_warning[768];

static MT_UNUSED void mt_log(int level, const char *message, void *payload)
{
	(void)payload;
	if (level == SIGN_LOG_WARN)
		snprintf(mt_last_warning, sizeof(mt_last_warning), "%s", message);
}

/* A context on home (made if missing), tofu allowed unless disable_tofu. */
static MT_UNUSED sign_ctx *mt_ctx(const char *home, int disable_tofu)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	sign_ctx *ctx = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	o.home = home;
	o.passphrase_cb = mt_pass;
	o.log_cb = mt_log;
	o.disable_tofu = disable_tofu;
	if (sign_ctx_new(&ctx, &o, &err) != SIGN_OK)
		fail_msg("sign_ctx_new: %s", err.message);
	return ctx;
}

/* Does err hold code and exactly message? (fails the test otherwise) */
#define mt_assert_err(err, want_code, want_msg) do { \
		if ((err)->code != (want_code) || strcmp((err)->message, (want_msg)) != 0) \
			fail_msg("want %d \"%s\", got %d \"%s\"", (want_code), (want_msg), \
				(err)->code, (err)->message); \
	} while (0)

/* ---------------------------------------------------------------------- */
/* the in-memory backend                                                   */

#define MT_MAX_FILES 64

typedef struct mt_file {
	char role[128];
	int64_t version;       /* 0: the current file of that role; N: N.root.json */
	unsigned char *bytes;
	size_t len;
} mt_file;

typedef struct mt_backend {
	signp_trust_backend be;
	mt_file files[MT_MAX_FILES];
	size_t n;
	int missing;          /* refresh: the GUN has no collection */
	int conflicts;        /* the next publishes answer SIGN_ECONFLICT */
	/* another writer's files: the next publish installs them (as current
	 * files) and answers SIGN_ECONFLICT, as if that writer had published
	 * between our read and our write */
	mt_file theirs[4];
	size_t ntheirs;
	int conflicted;       /* publishes answered with SIGN_ECONFLICT */
	int refreshes, fetches, publishes;
	/* the files of the last publish, in order */
	char published[16][128];
	size_t npublished;
} mt_backend;

static mt_file *mt_find(mt_backend *m, const char *role, int64_t version)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->files[i].version == version && strcmp(m->files[i].role, role) == 0)
			return &m->files[i];
	return NULL;
}

/* Serve bytes as role's current file (version 0) or as N.root.json. */
static void mt_put(mt_backend *m, const char *role, int64_t version, const void *bytes, size_t len)
{
	mt_file *f = mt_find(m, role, version);
	if (f == NULL) {
		if (m->n == MT_MAX_FILES)
			fail_msg("in-memory backend: too many files");
		f = &m->files[m->n++];
		snprintf(f->role, sizeof(f->role), "%s", role);
		f->version = version;
	} else {
		free(f->bytes);
	}
	f->bytes = malloc(len ? len : 1);
	assert_non_null(f->bytes);
	memcpy(f->bytes, bytes, len);
	f->len = len;
}

static MT_UNUSED void mt_remove(mt_backend *m, const char *role, int64_t version)
{
	mt_file *f = mt_find(m, role, version);
	if (f != NULL) {
		free(f->bytes);
		*f = m->files[--m->n];
	}
}

static int mt_refresh(signp_trust_backend *be, sign_error *err)
{
	mt_backend *m = (mt_backend *)be;
	m->refreshes++;
	if (m->missing)
		return signp_err(err, SIGN_ENOTFOUND, "in-memory backend: no trust data");
	return SIGN_OK;
}

static int mt_fetch(signp_trust_backend *be, const char *role, int64_t version,
	const char *sha256_hex, size_t max, sign_buf *out, sign_error *err)
{
	mt_backend *m = (mt_backend *)be;
	mt_file *f;
	(void)sha256_hex; /* the engine checks the hash itself */
	m->fetches++;
	if ((f = mt_find(m, role, version)) == NULL)
		return signp_err(err, SIGN_ENOTFOUND, "%s: not found", role);
	if (f->len > max)
		return signp_err(err, SIGN_EFORMAT, "%s: larger than %zu bytes", role, max);
	if (signp_buf_put(out, f->bytes, f->len) != SIGN_OK)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	return SIGN_OK;
}

static int mt_publish(signp_trust_backend *be, const signp_trust_out *files, size_t n,
	sign_error *err)
{
	mt_backend *m = (mt_backend *)be;
	if (m->ntheirs > 0) {
		for (size_t i = 0; i < m->ntheirs; i++) {
			mt_put(m, m->theirs[i].role, 0, m->theirs[i].bytes, m->theirs[i].len);
			free(m->theirs[i].bytes);
		}
		m->ntheirs = 0;
		m->conflicted++;
		return signp_err(err, SIGN_ECONFLICT, "publishing: another writer changed the trust data");
	}
	if (m->conflicts > 0) {
		m->conflicts--;
		m->conflicted++;
		return signp_err(err, SIGN_ECONFLICT, "publishing: another writer changed the trust data");
	}
	m->publishes++;
	m->npublished = 0;
	for (size_t i = 0; i < n; i++) {
		mt_put(m, files[i].role, 0, files[i].bytes, files[i].len);
		if (strcmp(files[i].role, "root") == 0)
			mt_put(m, "root", files[i].version, files[i].bytes, files[i].len);
		if (m->npublished < 16)
			snprintf(m->published[m->npublished++], 128, "%s", files[i].role);
	}
	return SIGN_OK;
}

/* Releases the files (the struct itself is the caller's). */
static void mt_free(signp_trust_backend *be)
{
	mt_backend *m = (mt_backend *)be;
	for (size_t i = 0; i < m->n; i++)
		free(m->files[i].bytes);
	m->n = 0;
	for (size_t i = 0; i < m->ntheirs; i++)
		free(m->theirs[i].bytes);
	m->ntheirs = 0;
}

/* Another writer's file for role, published by it just before our next
 * publish (which then meets a conflict).  The bytes are copied. */
static MT_UNUSED void mt_theirs(mt_backend *m, const char *role, const void *bytes, size_t len)
{
	mt_file *f;
	if (m->ntheirs == sizeof(m->theirs) / sizeof(m->theirs[0]))
		fail_msg("in-memory backend: too many files of another writer");
	f = &m->theirs[m->ntheirs++];
	snprintf(f->role, sizeof(f->role), "%s", role);
	f->version = 0;
	f->bytes = malloc(len ? len : 1);
	assert_non_null(f->bytes);
	memcpy(f->bytes, bytes, len);
	f->len = len;
}

/* How many files of role the last publish carried. */
static MT_UNUSED int mt_published(const mt_backend *m, const char *role)
{
	int n = 0;
	for (size_t i = 0; i < m->npublished; i++)
		n += strcmp(m->published[i], role) == 0;
	return n;
}

static MT_UNUSED void mt_backend_init(mt_backend *m)
{
	memset(m, 0, sizeof(*m));
	m->be = (signp_trust_backend){
		.refresh = mt_refresh,
		.fetch = mt_fetch,
		.publish = mt_publish,
		.free = mt_free,
		.caps = 0,
	};
}

/* ---------------------------------------------------------------------- */
/* a GUN's metadata, built and signed here                                 */

enum { MT_ROOT = 0, MT_TARGETS = 1, MT_SNAPSHOT = 2, MT_TIMESTAMP = 3 };
static const char *const mt_role_names[4] = { "root", "targets", "snapshot", "timestamp" };

typedef struct mt_repo {
	char gun[256];
	signp_key *k[4];     /* the key of each base role */
	char id[4][65];      /* its TUF key ID (root: the certificate's) */
	json_t *s[4];        /* the signed part of each base role */
	sign_buf w[4];       /* the file bytes, once signed */
	/* one delegation, when added */
	char dname[128];
	signp_key *dk;
	char did[65];
	json_t *ds;
	sign_buf dw;
} mt_repo;

static MT_UNUSED signp_key *mt_new_key(void)
{
	signp_key *k = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (signp_key_generate(&k, &err) != SIGN_OK)
		fail_msg("generating a key: %s", err.message);
	return k;
}

/* "expires" in seconds from now, as metadata writes it. */
static MT_UNUSED void mt_set_expires(json_t *s, int64_t from_now)
{
	char when[32];
	signp_time_format(when, signp_now() + from_now);
	json_object_set_new(s, "expires", json_string(when));
}

static MT_UNUSED void mt_set_version(json_t *s, int64_t v)
{
	json_object_set_new(s, "version", json_integer(v));
}

static MT_UNUSED int64_t mt_version(const json_t *s)
{
	return json_integer_value(json_object_get(s, "version"));
}

/* A root certificate key object (CN = gun) over k; its TUF key ID. */
static MT_UNUSED json_t *mt_cert_obj(const signp_key *k, const char *gun, char id[65])
{
	sign_buf pem = SIGN_BUF_INIT;
	json_t *o = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (signp_key_root_cert(&pem, k, gun, signp_now() - 3600, 3650, &err) != SIGN_OK ||
	    signp_tuf_key_new(&o, id, k->pkey, pem.ptr, &err) != SIGN_OK)
		fail_msg("root certificate: %s", err.message);
	sign_buf_dispose(&pem);
	return o;
}

static MT_UNUSED json_t *mt_plain_obj(const signp_key *k, char id[65])
{
	json_t *o = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (signp_tuf_key_new(&o, id, k->pkey, NULL, &err) != SIGN_OK)
		fail_msg("key object: %s", err.message);
	return o;
}

/* Sign s with the given signers into w (replacing it). */
static MT_UNUSED void mt_sign_with(sign_buf *w, const json_t *s, const signp_tuf_signer *sg, size_t n)
{
	sign_error err;
	memset(&err, 0, sizeof(err));
	signp_buf_clear(w);
	if (signp_tuf_sign(w, s, sg, n, &err) != SIGN_OK)
		fail_msg("signing metadata: %s", err.message);
}

/* A root's signed part: root role [root_id] (key object root_obj), the other
 * roles the repo's keys; version v. */
static MT_UNUSED json_t *mt_root_signed(mt_repo *r, const char *root_id, json_t *root_obj, int64_t v)
{
	json_t *keys = json_object(), *roles = json_object(), *s;
	json_object_set(keys, root_id, root_obj);
	json_object_set_new(roles, "root", json_pack("{s:[s], s:i}", "keyids", root_id, "threshold", 1));
	for (int i = MT_TARGETS; i <= MT_TIMESTAMP; i++) {
		char id[65];
		json_object_set_new(keys, r->id[i], mt_plain_obj(r->k[i], id));
		json_object_set_new(roles, mt_role_names[i],
			json_pack("{s:[s], s:i}", "keyids", r->id[i], "threshold", 1));
	}
	s = json_pack("{s:s, s:b, s:o, s:o, s:I}", "_type", "Root", "consistent_snapshot", 0, "keys",
		keys, "roles", roles, "version", (json_int_t)v);
	assert_non_null(s);
	mt_set_expires(s, 3650LL * 86400);
	return s;
}

/* Keys for the four roles and version 1 of every file (signed, with no
 * target yet: mt_repo_sign_all makes the bytes). */
static MT_UNUSED void mt_repo_init(mt_repo *r, const char *gun)
{
	json_t *rootobj;
	memset(r, 0, sizeof(*r));
	snprintf(r->gun, sizeof(r->gun), "%s", gun);
	for (int i = 0; i < 4; i++)
		r->k[i] = mt_new_key();
	rootobj = mt_cert_obj(r->k[MT_ROOT], gun, r->id[MT_ROOT]);
	for (int i = MT_TARGETS; i <= MT_TIMESTAMP; i++) {
		json_t *o = mt_plain_obj(r->k[i], r->id[i]);
		json_decref(o);
	}
	r->s[MT_ROOT] = mt_root_signed(r, r->id[MT_ROOT], rootobj, 1);
	json_decref(rootobj);
	r->s[MT_TARGETS] = json_pack("{s:s, s:{}, s:{s:{}, s:[]}, s:i}", "_type", "Targets",
		"targets", "delegations", "keys", "roles", "version", 1);
	r->s[MT_SNAPSHOT] = json_pack("{s:s, s:{}, s:i}", "_type", "Snapshot", "meta", "version", 1);
	r->s[MT_TIMESTAMP] = json_pack("{s:s, s:{}, s:i}", "_type", "Timestamp", "meta", "version", 1);
	mt_set_expires(r->s[MT_TARGETS], 1095LL * 86400);
	mt_set_expires(r->s[MT_SNAPSHOT], 1095LL * 86400);
	mt_set_expires(r->s[MT_TIMESTAMP], 14LL * 86400);
	for (int i = 0; i < 4; i++)
		assert_non_null(r->s[i]);
}

static MT_UNUSED void mt_repo_dispose(mt_repo *r)
{
	for (int i = 0; i < 4; i++) {
		signp_key_free(r->k[i]);
		json_decref(r->s[i]);
		sign_buf_dispose(&r->w[i]);
	}
	signp_key_free(r->dk);
	json_decref(r->ds);
	sign_buf_dispose(&r->dw);
	memset(r, 0, sizeof(*r));
}

/* Sign base role i with its own key. */
static MT_UNUSED void mt_sign_role(mt_repo *r, int i)
{
	signp_tuf_signer sg = { r->id[i], r->k[i]->pkey };
	mt_sign_with(&r->w[i], r->s[i], &sg, 1);
}

static MT_UNUSED void mt_sign_deleg(mt_repo *r)
{
	signp_tuf_signer sg = { r->did, r->dk->pkey };
	mt_sign_with(&r->dw, r->ds, &sg, 1);
}

/* The snapshot's meta names the current root, targets (and delegation)
 * bytes; the timestamp's the current snapshot bytes.  Neither is signed. */
static MT_UNUSED void mt_snapshot_meta(mt_repo *r)
{
	json_t *meta = json_object();
	json_object_set_new(meta, "root", signp_tuf_filemeta(r->w[MT_ROOT].ptr, r->w[MT_ROOT].size, 0));
	json_object_set_new(meta, "targets", signp_tuf_filemeta(r->w[MT_TARGETS].ptr,
		r->w[MT_TARGETS].size, 0));
	if (r->ds != NULL)
		json_object_set_new(meta, r->dname, signp_tuf_filemeta(r->dw.ptr, r->dw.size, 0));
	json_object_set_new(r->s[MT_SNAPSHOT], "meta", meta);
}

static MT_UNUSED void mt_timestamp_meta(mt_repo *r)
{
	json_object_set_new(r->s[MT_TIMESTAMP], "meta", json_pack("{s:o}", "snapshot",
		signp_tuf_filemeta(r->w[MT_SNAPSHOT].ptr, r->w[MT_SNAPSHOT].size, 0)));
}

/* Sign every file, parents naming their children's bytes. */
static MT_UNUSED void mt_repo_sign_all(mt_repo *r)
{
	mt_sign_role(r, MT_ROOT);
	mt_sign_role(r, MT_TARGETS);
	if (r->ds != NULL)
		mt_sign_deleg(r);
	mt_snapshot_meta(r);
	mt_sign_role(r, MT_SNAPSHOT);
	mt_timestamp_meta(r);
	mt_sign_role(r, MT_TIMESTAMP);
}

/* Everything from the targets down again, each version one higher: the
 * next publish (the root's bytes stay as they are). */
static MT_UNUSED void mt_repo_next(mt_repo *r)
{
	for (int i = MT_TARGETS; i <= MT_TIMESTAMP; i++)
		mt_set_version(r->s[i], mt_version(r->s[i]) + 1);
	if (r->ds != NULL)
		mt_set_version(r->ds, mt_version(r->ds) + 1);
	mt_sign_role(r, MT_TARGETS);
	if (r->ds != NULL)
		mt_sign_deleg(r);
	mt_snapshot_meta(r);
	mt_sign_role(r, MT_SNAPSHOT);
	mt_timestamp_meta(r);
	mt_sign_role(r, MT_TIMESTAMP);
}

/* A target entry for tag in role ("targets" or the delegation): a digest
 * of the bytes "image <tag>". */
static MT_UNUSED void mt_add_target(mt_repo *r, const char *role, const char *tag, char digest[80])
{
	char body[256];
	unsigned char h[32];
	sign_buf b64 = SIGN_BUF_INIT;
	json_t *s = strcmp(role, "targets") == 0 ? r->s[MT_TARGETS] : r->ds;
	snprintf(body, sizeof(body), "image %s", tag);
	signp_sha256(h, body, strlen(body));
	assert_int_equal(signp_b64_encode(&b64, h, 32), SIGN_OK);
	json_object_set_new(json_object_get(s, "targets"), tag,
		json_pack("{s:{s:s}, s:i}", "hashes", "sha256", b64.ptr, "length", (int)strlen(body)));
	if (digest != NULL) {
		memcpy(digest, "sha256:", 7);
		signp_hex(digest + 7, h, 32);
	}
	sign_buf_dispose(&b64);
}

/* Delegation name (targets/NAME) with its own key, restricted to paths
 * (NULL-terminated prefixes), threshold 1. */
static MT_UNUSED void mt_add_delegation(mt_repo *r, const char *name, const char *const *paths)
{
	json_t *dl = json_object_get(r->s[MT_TARGETS], "delegations");
	json_t *p = json_array();
	snprintf(r->dname, sizeof(r->dname), "%s", name);
	r->dk = mt_new_key();
	{
		json_t *o = mt_plain_obj(r->dk, r->did);
		json_object_set_new(json_object_get(dl, "keys"), r->did, o);
	}
	for (const char *const *q = paths; q && *q; q++)
		json_array_append_new(p, json_string(*q));
	json_array_append_new(json_object_get(dl, "roles"), json_pack("{s:s, s:[s], s:i, s:o}",
		"name", name, "keyids", r->did, "threshold", 1, "paths", p));
	r->ds = json_pack("{s:s, s:{}, s:i}", "_type", "Targets", "targets", "version", 1);
	mt_set_expires(r->ds, 1095LL * 86400);
}

/* Serve the repo's current files (and the root as N.root.json). */
static MT_UNUSED void mt_serve(mt_backend *m, const mt_repo *r)
{
	for (int i = 0; i < 4; i++)
		mt_put(m, mt_role_names[i], 0, r->w[i].ptr, r->w[i].size);
	mt_put(m, "root", mt_version(r->s[MT_ROOT]), r->w[MT_ROOT].ptr, r->w[MT_ROOT].size);
	if (r->ds != NULL)
		mt_put(m, r->dname, 0, r->dw.ptr, r->dw.size);
}

/* signp_trust_load with default options; err cleared first. */
static MT_UNUSED int mt_load(signp_trust **t, sign_ctx *ctx, mt_backend *m, const char *gun,
	const signp_trust_load_opts *opts, sign_error *err)
{
	memset(err, 0, sizeof(*err));
	*t = NULL;
	return signp_trust_load(t, ctx, &m->be, gun, opts, err);
}

/* Read a file of the home's cache of gun: <home>/trust/<gun>/metadata/<role>.json */
static MT_UNUSED void mt_cache_path(char *out, size_t size, const char *home, const char *gun,
	const char *role)
{
	snprintf(out, size, "%s/trust/%s/metadata/%s.json", home, gun, role);
}

static MT_UNUSED int mt_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

#endif

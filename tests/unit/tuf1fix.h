/*
 * tuf1fix.h - a TUF 1.0 repository built in memory for the tests of
 * tuf1_meta.c and tuf1_client.c: keys made here (ed25519, ECDSA P-256,
 * RSA-PSS), metadata signed over canonical JSON, served and stored through
 * a signp_tuf1_ops table over two in-memory file lists.  Static functions,
 * included by one test file each.
 */
#ifndef TUF1FIX_H
#define TUF1FIX_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "tuf1.h"

/* each test file uses some of these */
#define FIX_FN static __attribute__((unused))

#define FIX_URL "https://tuf.test/"
#define FIX_MAX_FILES 64

typedef struct fix_key {
	const char *id;
	EVP_PKEY *k;
	const char *keytype, *scheme;
} fix_key;

typedef struct fix_file {
	char name[256];
	sign_buf data;
} fix_file;

typedef struct fix_repo {
	fix_key keys[8];
	size_t nkeys;
	fix_file served[FIX_MAX_FILES], local[FIX_MAX_FILES];
	size_t nserved, nlocal;
	char fetched[FIX_MAX_FILES][256];
	size_t nfetched;
} fix_repo;

FIX_FN fix_file *fix_find(fix_file *files, size_t n, const char *name)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (strcmp(files[i].name, name) == 0)
			return &files[i];
	return NULL;
}

FIX_FN void fix_put(fix_file *files, size_t *n, const char *name, const void *data, size_t len)
{
	fix_file *f = fix_find(files, *n, name);
	if (f == NULL) {
		if (*n == FIX_MAX_FILES)
			abort();
		f = &files[(*n)++];
		snprintf(f->name, sizeof(f->name), "%s", name);
	}
	signp_buf_clear(&f->data);
	if (len > 0 && signp_buf_put(&f->data, data, len) != SIGN_OK)
		abort();
}

FIX_FN int fix_fetch(void *p, const char *url, size_t max, sign_buf *out, sign_error *err)
{
	fix_repo *r = p;
	fix_file *f;
	if (strncmp(url, FIX_URL, strlen(FIX_URL)) != 0)
		return signp_err(err, SIGN_ENET, "%s: not of the test server", url);
	url += strlen(FIX_URL);
	if (r->nfetched < FIX_MAX_FILES)
		snprintf(r->fetched[r->nfetched++], 256, "%s", url);
	if ((f = fix_find(r->served, r->nserved, url)) == NULL)
		return signp_err(err, SIGN_ENOTFOUND, "%s: HTTP 404", url);
	if (f->data.size > max)
		return signp_err(err, SIGN_EVERIFY, "%s: answer exceeds %zu bytes", url, max);
	signp_buf_clear(out);
	return signp_buf_put(out, f->data.ptr ? f->data.ptr : "", f->data.size);
}

FIX_FN int fix_load(void *p, const char *name, size_t max, sign_buf *out, sign_error *err)
{
	fix_repo *r = p;
	fix_file *f = fix_find(r->local, r->nlocal, name);
	if (f == NULL)
		return signp_err(err, SIGN_ENOTFOUND, "%s: absent", name);
	if (f->data.size > max)
		return signp_err(err, SIGN_EFORMAT, "%s: too large", name);
	signp_buf_clear(out);
	return signp_buf_put(out, f->data.ptr ? f->data.ptr : "", f->data.size);
}

FIX_FN int fix_store(void *p, const char *name, const void *data, size_t len, sign_error *err)
{
	(void)err;
	fix_put(((fix_repo *)p)->local, &((fix_repo *)p)->nlocal, name, data, len);
	return SIGN_OK;
}

FIX_FN signp_tuf1_ops fix_ops(fix_repo *r)
{
	signp_tuf1_ops o;
	o.fetch = fix_fetch;
	o.load = fix_load;
	o.store = fix_store;
	o.payload = r;
	return o;
}

FIX_FN int fix_was_fetched(const fix_repo *r, const char *name)
{
	size_t i;
	for (i = 0; i < r->nfetched; i++)
		if (strcmp(r->fetched[i], name) == 0)
			return 1;
	return 0;
}

/* kind: "ed25519", "ecdsa", "rsa" */
FIX_FN void fix_add_key(fix_repo *r, const char *id, const char *kind)
{
	fix_key *k = &r->keys[r->nkeys++];
	k->id = id;
	if (strcmp(kind, "ed25519") == 0) {
		k->k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		k->keytype = k->scheme = "ed25519";
	} else if (strcmp(kind, "ecdsa") == 0) {
		k->k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		k->keytype = "ecdsa";
		k->scheme = "ecdsa-sha2-nistp256";
	} else {
		k->k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		k->keytype = "rsa";
		k->scheme = "rsassa-pss-sha256";
	}
	if (k->k == NULL)
		abort();
}

FIX_FN fix_key *fix_key_by_id(fix_repo *r, const char *id)
{
	size_t i;
	for (i = 0; i < r->nkeys; i++)
		if (strcmp(r->keys[i].id, id) == 0)
			return &r->keys[i];
	abort();
}

FIX_FN json_t *fix_key_json(fix_repo *r, const char *id)
{
	fix_key *k = fix_key_by_id(r, id);
	char pub[4096];
	if (strcmp(k->keytype, "ed25519") == 0) {
		unsigned char raw[32];
		size_t n = 32;
		if (EVP_PKEY_get_raw_public_key(k->k, raw, &n) != 1)
			abort();
		signp_hex(pub, raw, 32);
	} else {
		BIO *b = BIO_new(BIO_s_mem());
		int n;
		PEM_write_bio_PUBKEY(b, k->k);
		n = BIO_read(b, pub, sizeof(pub) - 1);
		pub[n > 0 ? n : 0] = '\0';
		BIO_free(b);
	}
	return json_pack("{s:s, s:s, s:{s:s}}", "keytype", k->keytype, "scheme", k->scheme,
		"keyval", "public", pub);
}

/* Sign s (stolen) with the keys named in the NULL-terminated list;
 * returns the document's bytes (free()). */
FIX_FN char *fix_sign(fix_repo *r, json_t *s, ...)
{
	sign_buf b = SIGN_BUF_INIT;
	json_t *sigs = json_array(), *doc;
	const char *id;
	char *out;
	va_list ap;
	if (signp_tuf1_canonical(&b, s, NULL) != SIGN_OK)
		abort();
	va_start(ap, s);
	while ((id = va_arg(ap, const char *)) != NULL) {
		fix_key *k = fix_key_by_id(r, id);
		unsigned char sig[1024];
		char hex[2049];
		size_t sl = sizeof(sig);
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		EVP_PKEY_CTX *pctx = NULL;
		const EVP_MD *md = strcmp(k->keytype, "ed25519") == 0 ? NULL : EVP_sha256();
		if (EVP_DigestSignInit(ctx, &pctx, md, NULL, k->k) != 1)
			abort();
		if (strcmp(k->keytype, "rsa") == 0 &&
		    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
			    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
			abort();
		if (EVP_DigestSign(ctx, sig, &sl, (const unsigned char *)b.ptr, b.size) != 1)
			abort();
		EVP_MD_CTX_free(ctx);
		signp_hex(hex, sig, sl);
		json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid", id, "sig", hex));
	}
	va_end(ap);
	sign_buf_dispose(&b);
	doc = json_pack("{s:o, s:o}", "signatures", sigs, "signed", s);
	out = json_dumps(doc, JSON_INDENT(1));
	json_decref(doc);
	return out;
}

FIX_FN void fix_expires(char out[32], int64_t delta)
{
	signp_time_format(out, signp_now() + delta);
}

#define FIX_YEAR (365 * 86400)

FIX_FN json_t *fix_role(const char *id, const char *id2, int threshold)
{
	json_t *ids = json_array();
	json_array_append_new(ids, json_string(id));
	if (id2 != NULL)
		json_array_append_new(ids, json_string(id2));
	return json_pack("{s:o, s:i}", "keyids", ids, "threshold", threshold);
}

/* A root: root role (rid, rid2 or NULL, threshold), the online key oid for
 * timestamp, snapshot and targets; consistent snapshots. */
FIX_FN json_t *fix_root(fix_repo *r, int version, const char *rid, const char *rid2, int threshold,
	const char *oid)
{
	json_t *keys = json_object();
	char when[32];
	json_object_set_new(keys, rid, fix_key_json(r, rid));
	if (rid2 != NULL)
		json_object_set_new(keys, rid2, fix_key_json(r, rid2));
	json_object_set_new(keys, oid, fix_key_json(r, oid));
	fix_expires(when, FIX_YEAR);
	return json_pack("{s:s, s:s, s:i, s:s, s:b, s:o, s:{s:o, s:o, s:o, s:o}}", "_type", "root",
		"spec_version", "1.0.31", "version", version, "expires", when, "consistent_snapshot", 1,
		"keys", keys, "roles", "root", fix_role(rid, rid2, threshold), "timestamp",
		fix_role(oid, NULL, 1), "snapshot", fix_role(oid, NULL, 1), "targets",
		fix_role(oid, NULL, 1));
}

FIX_FN json_t *fix_fileinfo(const void *data, size_t len, int version)
{
	unsigned char d[32];
	char hex[65];
	json_t *j;
	signp_sha256(d, data, len);
	signp_hex(hex, d, 32);
	j = json_pack("{s:I, s:{s:s}}", "length", (json_int_t)len, "hashes", "sha256", hex);
	if (version > 0)
		json_object_set_new(j, "version", json_integer(version));
	return j;
}

FIX_FN json_t *fix_meta(const char *type, int version, int64_t delta, json_t *meta)
{
	char when[32];
	fix_expires(when, delta);
	return json_pack("{s:s, s:s, s:i, s:s, s:o}", "_type", type, "spec_version", "1.0.31",
		"version", version, "expires", when, "meta", meta);
}

FIX_FN json_t *fix_targets(int version, json_t *targets, json_t *delegations)
{
	char when[32];
	json_t *t;
	fix_expires(when, FIX_YEAR);
	t = json_pack("{s:s, s:s, s:i, s:s, s:o}", "_type", "targets", "spec_version", "1.0.31",
		"version", version, "expires", when, "targets", targets);
	if (delegations != NULL)
		json_object_set_new(t, "delegations", delegations);
	return t;
}

FIX_FN void fix_serve(fix_repo *r, const char *name, char *doc)
{
	fix_put(r->served, &r->nserved, name, doc, strlen(doc));
	free(doc);
}

/* Serve a target file under its consistent name dir/HASH.base. */
FIX_FN void fix_serve_target(fix_repo *r, const char *path, const char *content)
{
	unsigned char d[32];
	char hex[65], name[256];
	const char *slash = strrchr(path, '/');
	int dl = slash ? (int)(slash - path) + 1 : 0;
	signp_sha256(d, content, strlen(content));
	signp_hex(hex, d, 32);
	snprintf(name, sizeof(name), "targets/%.*s%s.%s", dl, path, hex, path + dl);
	fix_put(r->served, &r->nserved, name, content, strlen(content));
}

/* Targets of version tv listing file.txt ("hello") plus extra_targets
 * (stolen, may be NULL), with delegations (stolen, may be NULL); snapshot
 * of version sv listing targets.json and extra_meta (stolen, may be NULL);
 * timestamp of version tsv expiring ts_delta from now.  Consistent names. */
FIX_FN void fix_publish_v(fix_repo *r, int tv, int sv, int tsv, json_t *extra_targets,
	json_t *delegations, json_t *extra_meta, int64_t ts_delta)
{
	json_t *t = extra_targets ? extra_targets : json_object();
	json_t *m = extra_meta ? extra_meta : json_object();
	char *td, *sd, name[64];
	json_object_set_new(t, "file.txt", fix_fileinfo("hello", 5, 0));
	td = fix_sign(r, fix_targets(tv, t, delegations), "o1", NULL);
	json_object_set_new(m, "targets.json", fix_fileinfo(td, strlen(td), tv));
	sd = fix_sign(r, fix_meta("snapshot", sv, FIX_YEAR, m), "o1", NULL);
	snprintf(name, sizeof(name), "%d.targets.json", tv);
	fix_serve(r, name, td);
	fix_serve(r, "timestamp.json",
		fix_sign(r, fix_meta("timestamp", tsv, ts_delta,
				    json_pack("{s:o}", "snapshot.json", fix_fileinfo(sd, strlen(sd), sv))),
			"o1", NULL));
	snprintf(name, sizeof(name), "%d.snapshot.json", sv);
	fix_serve(r, name, sd);
	fix_serve_target(r, "file.txt", "hello");
}

FIX_FN void fix_publish(fix_repo *r, int v, int64_t ts_delta)
{
	fix_publish_v(r, v, v, v, NULL, NULL, NULL, ts_delta);
}

FIX_FN void fix_init(fix_repo *r)
{
	char *root;
	memset(r, 0, sizeof(*r));
	fix_add_key(r, "r1", "ed25519");
	fix_add_key(r, "r2", "ed25519");
	fix_add_key(r, "o1", "ed25519");
	fix_add_key(r, "d1", "ed25519");
	root = fix_sign(r, fix_root(r, 1, "r1", NULL, 1, "o1"), "r1", NULL);
	fix_put(r->local, &r->nlocal, "root.json", root, strlen(root));
	fix_serve(r, "1.root.json", root);
}

FIX_FN void fix_free(fix_repo *r)
{
	size_t i;
	for (i = 0; i < r->nkeys; i++)
		EVP_PKEY_free(r->keys[i].k);
	for (i = 0; i < r->nserved; i++)
		sign_buf_dispose(&r->served[i].data);
	for (i = 0; i < r->nlocal; i++)
		sign_buf_dispose(&r->local[i].data);
}

#endif

/*
 * forge - an attacker's and a clock's toolbox for the tests.  It writes
 * to a registry or layout what the tests need and `sign` would refuse to
 * make: signatures by foreign keys, expired or tampered metadata.
 *
 *   forge badsig HOME REF KEY.pem   replace the detached signatures of REF's
 *                                   digest with one made by KEY.pem
 *   forge expire HOME REF           re-sign the timestamp (version+1) with an
 *                                   expiry in the past, using HOME's key
 *   forge tamper HOME REF ROLE      bump "version" inside ROLE's signed part
 *                                   without re-signing, and publish it
 *   forge expire-root HOME REF      publish root version+1, signed by HOME's
 *                                   root key but expired an hour ago, with
 *                                   a snapshot and a timestamp that name it
 *                                   (a publisher who let the root lapse)
 *   forge swap-root HOME GUN [URL]  an attacker's root rotation: publish root
 *                                   version N+1 listing a fresh root key (a
 *                                   certificate with CN = GUN), signed by
 *                                   that key ONLY, not by the root keys of
 *                                   version N.  A verifier must refuse it.
 *                                   With the Notary server URL it goes there
 *                                   (which should refuse it itself: exit 3);
 *                                   otherwise into the registry's artifact.
 *   forge graft-pin HOME REF VICTIM_ROOT.json list|id:KEYID [URL]
 *                                   the pinning bypass: HOME (the attacker,
 *                                   who published REF's collection with its
 *                                   own root key) publishes root version+1
 *                                   that also lists the victim's root keys
 *                                   (list: copied from VICTIM_ROOT.json) or
 *                                   the pinned key ID with the attacker's
 *                                   certificate as its key (id:KEYID), signed
 *                                   by the attacker's root key only, with a
 *                                   snapshot and timestamp naming it.  A
 *                                   pinned verifier must refuse it.  With the
 *                                   Notary server URL it goes there.
 *                                   version:N grafts nothing and claims
 *                                   version N instead.
 *   forge dup-key HOME REF KEY.pem [KEY2.pem]
 *                                   one key counted twice: as HOME's
 *                                   repository key, delegate targets/releases
 *                                   (and targets/ci, no file) to KEY listed
 *                                   under two key IDs, its point uncompressed
 *                                   and compressed (and to KEY2), threshold
 *                                   2; publish targets/releases naming REF's
 *                                   digest, signed by KEY under both IDs (and
 *                                   by KEY2), with snapshot and timestamp; and
 *                                   replace REF's detached signatures with
 *                                   two by KEY.  Prints the two IDs of KEY.
 *   forge add-sig HOME REF KEY.pem  append one detached signature by KEY to
 *                                   those of REF's digest
 *
 * Uses libsign's internals on purpose.  Exit 0 on success, 2 on error.
 */
#include "common.h"
#include "cosign.h"
#include "ctx.h"
#include "key.h"
#include "publish.h"
#include "ref.h"
#include "store.h"
#include "trust.h"
#include "tuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/x509.h>

static int die(const sign_error *err, const char *what)
{
	fprintf(stderr, "forge: %s: %s\n", what, err->message[0] ? err->message : "failed");
	return 2;
}

static int pass_cb(char *buf, size_t size, sign_pass_kind kind, const char *keyid, int confirm,
	void *payload)
{
	const char *v = getenv(kind == SIGN_PASS_ROOT ? "SIGN_ROOT_PASSPHRASE" :
		kind == SIGN_PASS_REPOSITORY ? "SIGN_REPOSITORY_PASSPHRASE" : "SIGN_DELEGATION_PASSPHRASE");
	(void)keyid;
	(void)confirm;
	(void)payload;
	if (v == NULL || strlen(v) >= size)
		return -1;
	memcpy(buf, v, strlen(v) + 1);
	return 0;
}

static int read_key(signp_key **k, const char *keyfile)
{
	sign_error err = { 0 };
	sign_buf data = SIGN_BUF_INIT;
	int r = signp_read_file(&data, keyfile, SIGN_MAX_KEYFILE, &err);
	if (r == SIGN_OK)
		r = signp_key_parse(k, data.ptr, data.size, NULL, 0, &err);
	sign_buf_dispose(&data);
	return r == SIGN_OK ? 0 : die(&err, "reading key");
}

/* Put n detached signatures by k over digest: in place of the .sig
 * manifest's layers, or after them when keep.  Signatures by one key are
 * not merged (what sign push does): an attacker's manifest. */
static int put_sigs(signp_store *st, const char *gun, const char *digest, const signp_key *k, int n,
	int keep)
{
	sign_error err = { 0 };
	sign_buf payload = SIGN_BUF_INIT, der = SIGN_BUF_INIT, b64 = SIGN_BUF_INIT;
	sign_buf old = SIGN_BUF_INIT, manifest = SIGN_BUF_INIT, config = SIGN_BUF_INIT;
	char tag[96], pd[80], md[80];
	int changed = 0, rc = 2;
	signp_cosign_sig_tag(tag, digest);
	signp_cosign_payload(&payload, gun, digest);
	signp_digest(pd, payload.ptr, payload.size);
	if (keep && signp_store_get_manifest(st, tag, SIGN_MAX_MANIFEST, &old, NULL, md, &err) != SIGN_OK) {
		die(&err, "reading the signatures");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		signp_buf_clear(&der);
		signp_buf_clear(&b64);
		if (signp_key_sign_der(&der, k, payload.ptr, payload.size, &err) != SIGN_OK) {
			die(&err, "signing");
			goto out;
		}
		signp_b64_encode(&b64, der.ptr, der.size);
		if (signp_cosign_manifest_append(&manifest, &config, &changed, old.size ? old.ptr : NULL,
			    old.size, pd, payload.size, b64.ptr, NULL, NULL, 0, &err) != SIGN_OK) {
			die(&err, "building manifest");
			goto out;
		}
		signp_buf_clear(&old);
		signp_buf_put(&old, manifest.ptr, manifest.size);
	}
	if (signp_store_put_blob(st, payload.ptr, payload.size, NULL, &err) != SIGN_OK ||
	    signp_store_put_blob(st, config.ptr, config.size, NULL, &err) != SIGN_OK ||
	    signp_store_put_manifest(st, tag, manifest.ptr, manifest.size, "application/vnd.oci.image.manifest.v1+json",
		    NULL, &err) != SIGN_OK) {
		die(&err, "publishing");
		goto out;
	}
	rc = 0;
out:
	sign_buf_dispose(&payload);
	sign_buf_dispose(&der);
	sign_buf_dispose(&b64);
	sign_buf_dispose(&old);
	sign_buf_dispose(&manifest);
	sign_buf_dispose(&config);
	return rc;
}

/* One detached signature by KEY over REF's digest: in place of REF's
 * signatures (badsig) or beside them (add-sig, append). */
static int sig_by(signp_store *st, const signp_ref *ref, const char *keyfile, int append)
{
	sign_error err = { 0 };
	signp_key *k = NULL;
	char digest[80];
	int rc;
	if (read_key(&k, keyfile) != 0)
		return 2;
	if (signp_store_resolve(st, ref->tag[0] ? ref->tag : "latest", digest, NULL, NULL, &err) != SIGN_OK) {
		signp_key_free(k);
		return die(&err, "resolving");
	}
	rc = put_sigs(st, ref->gun, digest, k, 1, append);
	signp_key_free(k);
	return rc;
}

/* An "ecdsa" key object of pk with its point compressed, as another tool
 * may write it: another key ID for the same key. */
static json_t *compressed_obj(EVP_PKEY *pk, char id[65])
{
	EVP_PKEY *c = EVP_PKEY_dup(pk);
	unsigned char *der = NULL;
	sign_buf b64 = SIGN_BUF_INIT;
	json_t *o = NULL;
	int n;
	if (c != NULL &&
	    EVP_PKEY_set_utf8_string_param(c, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed") == 1 &&
	    (n = i2d_PUBKEY(c, &der)) > 0 && signp_b64_encode(&b64, der, (size_t)n) == SIGN_OK &&
	    signp_tuf_keyid(id, "ecdsa", b64.ptr, NULL) == SIGN_OK)
		o = json_pack("{s:s, s:{s:n, s:s}}", "keytype", "ecdsa", "keyval", "private", "public", b64.ptr);
	OPENSSL_free(der);
	EVP_PKEY_free(c);
	sign_buf_dispose(&b64);
	return o;
}

/* dup-key: see the top. */
static int dup_key(sign_ctx *ctx, signp_store *st, signp_trust_backend *be, const signp_ref *ref,
	const char *keyfile, const char *key2file)
{
	sign_error err = { 0 };
	signp_trust_load_opts lo = { .publisher = 1 };
	signp_trust *t = NULL;
	signp_gun_keys gk = { 0 };
	signp_key *k = NULL, *k2 = NULL;
	sign_buf tgw = SIGN_BUF_INIT, relw = SIGN_BUF_INIT, snapw = SIGN_BUF_INIT, tsw = SIGN_BUF_INIT;
	json_t *ts = NULL, *rel = NULL, *snap = NULL, *meta, *ou, *oc, *keys, *ids, *deleg;
	signp_tuf_signer signers[3];
	signp_trust_out out[4];
	char u[65], c[65], id2[65], digest[80], when[32];
	uint64_t size = 0;
	size_t ns = 0;
	int created = 0, rc = 2;

	if (read_key(&k, keyfile) != 0 || (key2file != NULL && read_key(&k2, key2file) != 0))
		goto out;
	if (signp_trust_load(&t, ctx, be, ref->gun, &lo, &err) != SIGN_OK) {
		die(&err, "loading the trust data");
		goto out;
	}
	if (signp_gun_keys_get(&gk, &created, ctx, ref->gun, 0, 0, 0, 0, &err) != SIGN_OK ||
	    gk.targets == NULL || gk.snapshot == NULL || gk.timestamp == NULL) {
		die(&err, "loading the repository, snapshot and timestamp keys");
		goto out;
	}
	if (signp_store_resolve(st, ref->tag[0] ? ref->tag : "latest", digest, NULL, &size, &err) != SIGN_OK) {
		die(&err, "resolving");
		goto out;
	}
	/* targets: delegations to KEY under two IDs (and KEY2), threshold 2 */
	if (signp_tuf_key_new(&ou, u, k->pkey, NULL, &err) != SIGN_OK || (oc = compressed_obj(k->pkey, c)) == NULL) {
		die(&err, "making key objects");
		goto out;
	}
	keys = json_pack("{s:o, s:o}", u, ou, c, oc);
	ids = json_pack("[s, s]", u, c);
	if (k2 != NULL) {
		json_t *o2;
		if (signp_tuf_key_new(&o2, id2, k2->pkey, NULL, &err) != SIGN_OK) {
			json_decref(keys);
			json_decref(ids);
			die(&err, "making key objects");
			goto out;
		}
		json_object_set_new(keys, id2, o2);
		json_array_append_new(ids, json_string(id2));
	}
	deleg = json_pack("{s:o, s:[{s:s, s:O, s:i, s:[s]}, {s:s, s:O, s:i, s:[s]}]}", "keys", keys, "roles",
		"name", "targets/releases", "keyids", ids, "threshold", 2, "paths", "",
		"name", "targets/ci", "keyids", ids, "threshold", 2, "paths", "");
	json_decref(ids);
	ts = json_deep_copy(t->targets->signed_obj);
	json_object_set_new(ts, "delegations", deleg);
	json_object_set_new(ts, "version", json_integer(t->targets->version + 1));
	if (signp_sign_file(&tgw, ts, gk.targets, &err) != SIGN_OK) {
		die(&err, "signing targets");
		goto out;
	}
	/* targets/releases: the tag, signed by KEY under both IDs (and KEY2) */
	signp_time_format(when, signp_now() + 86400 * 30);
	rel = json_pack("{s:s, s:{s:{}, s:[]}, s:s, s:{s:o}, s:i}", "_type", "Targets", "delegations", "keys",
		"roles", "expires", when, "targets", ref->tag[0] ? ref->tag : "latest",
		signp_target_json(digest, size), "version", 1);
	signers[ns++] = (signp_tuf_signer){ u, k->pkey };
	signers[ns++] = (signp_tuf_signer){ c, k->pkey };
	if (k2 != NULL)
		signers[ns++] = (signp_tuf_signer){ id2, k2->pkey };
	if (rel == NULL || signp_tuf_sign(&relw, rel, signers, ns, &err) != SIGN_OK) {
		die(&err, "signing targets/releases");
		goto out;
	}
	/* snapshot and timestamp that name them */
	meta = json_deep_copy(json_object_get(t->snapshot->signed_obj, "meta"));
	json_object_set_new(meta, "targets", signp_tuf_filemeta(tgw.ptr, tgw.size, 1));
	json_object_set_new(meta, "targets/releases", signp_tuf_filemeta(relw.ptr, relw.size, 1));
	snap = json_pack("{s:s, s:s, s:o, s:I}", "_type", "Snapshot", "expires", when, "meta", meta, "version",
		(json_int_t)(t->snapshot->version + 1));
	if (snap == NULL || signp_sign_file(&snapw, snap, gk.snapshot, &err) != SIGN_OK ||
	    signp_build_timestamp_until(&tsw, snapw.ptr, snapw.size, t->timestamp->version + 1, signp_now() + 14 * 86400, gk.timestamp,
		    &err) != SIGN_OK) {
		die(&err, "signing snapshot and timestamp");
		goto out;
	}
	/* the detached signatures: two by KEY */
	if (put_sigs(st, ref->gun, digest, k, 2, 0) != 0)
		goto out;
	memset(out, 0, sizeof(out));
	out[0] = (signp_trust_out){ "targets", t->targets->version + 1, (const unsigned char *)tgw.ptr, tgw.size };
	out[1] = (signp_trust_out){ "targets/releases", 1, (const unsigned char *)relw.ptr, relw.size };
	out[2] = (signp_trust_out){ "snapshot", t->snapshot->version + 1, (const unsigned char *)snapw.ptr,
		snapw.size };
	out[3] = (signp_trust_out){ "timestamp", t->timestamp->version + 1, (const unsigned char *)tsw.ptr,
		tsw.size };
	if (be->publish(be, out, 4, &err) != SIGN_OK) {
		die(&err, "publishing");
		goto out;
	}
	printf("%s %s\n", u, c);
	rc = 0;
out:
	json_decref(ts);
	json_decref(rel);
	json_decref(snap);
	signp_gun_keys_free(&gk);
	signp_key_free(k);
	signp_key_free(k2);
	signp_trust_free(t);
	sign_buf_dispose(&tgw);
	sign_buf_dispose(&relw);
	sign_buf_dispose(&snapw);
	sign_buf_dispose(&tsw);
	return rc;
}

static int publish_role(signp_trust_backend *be, const char *role, int64_t version, const void *b,
	size_t len)
{
	sign_error err = { 0 };
	signp_trust_out f;
	memset(&f, 0, sizeof(f));
	signp_strlcpy(f.role, role, sizeof(f.role));
	f.version = version;
	f.bytes = b;
	f.len = len;
	if (be->publish(be, &f, 1, &err) != SIGN_OK)
		return die(&err, "publishing");
	return 0;
}

static int expire(sign_ctx *ctx, signp_trust_backend *be, const signp_ref *ref)
{
	sign_error err = { 0 };
	sign_buf data = SIGN_BUF_INIT, wire = SIGN_BUF_INIT;
	signp_tuf_file *ts = NULL;
	signp_keyinfo info;
	signp_key *k = NULL;
	json_t *s;
	char when[32];
	signp_tuf_signer signer;
	int rc;
	if (be->refresh(be, &err) != SIGN_OK || be->fetch(be, "timestamp", 0, NULL, SIGN_MAX_TIMESTAMP, &data, &err) != SIGN_OK ||
	    signp_tuf_parse(&ts, "timestamp", data.ptr, data.size, &err) != SIGN_OK)
		return die(&err, "reading timestamp");
	if (signp_keystore_find(&info, ctx->home, "timestamp", ref->gun, &err) != SIGN_OK ||
	    signp_ctx_load_key(&k, ctx, info.id, SIGN_PASS_REPOSITORY, &err) != SIGN_OK)
		return die(&err, "loading the timestamp key");
	s = json_deep_copy(ts->signed_obj);
	signp_time_format(when, signp_now() - 3600);
	json_object_set_new(s, "expires", json_string(when));
	json_object_set_new(s, "version", json_integer(ts->version + 1));
	signer.keyid = k->id;
	signer.pkey = k->pkey;
	if (signp_tuf_sign(&wire, s, &signer, 1, &err) != SIGN_OK)
		return die(&err, "signing");
	rc = publish_role(be, "timestamp", ts->version + 1, wire.ptr, wire.size);
	json_decref(s);
	signp_tuf_file_free(ts);
	signp_key_free(k);
	sign_buf_dispose(&data);
	sign_buf_dispose(&wire);
	return rc;
}

static int tamper(signp_trust_backend *be, const char *role)
{
	sign_error err = { 0 };
	sign_buf data = SIGN_BUF_INIT;
	char *p;
	int rc;
	if (be->refresh(be, &err) != SIGN_OK || be->fetch(be, role, 0, NULL, SIGN_MAX_METADATA, &data, &err) != SIGN_OK)
		return die(&err, "reading role");
	/* the last "version": inside "signed" (signatures carry none) */
	p = strstr(data.ptr, "\"version\":");
	if (p == NULL) {
		fprintf(stderr, "forge: no version field\n");
		return 2;
	}
	p += 10;
	if (*p >= '0' && *p < '9')
		(*p)++;
	else
		*p = '1';
	rc = publish_role(be, role, 0, data.ptr, data.size);
	sign_buf_dispose(&data);
	return rc;
}

/* A change made to a copy of the current root's signed part before the
 * home's root key re-signs it as version+1; it may add signers (keyid
 * under which the same root key signs again). */
typedef int (*root_edit_fn)(json_t *s, const char **extra_keyid, void *arg);

/* Publish root version+1 (edited by edit, signed by HOME's root key), with
 * a snapshot and (unless the server makes it) a timestamp that name it. */
static int republish_root(sign_ctx *ctx, signp_trust_backend *be, const signp_ref *ref,
	root_edit_fn edit, void *arg)
{
	sign_error err = { 0 };
	signp_trust_load_opts lo = { .publisher = 1 };
	signp_trust *t = NULL;
	signp_gun_keys gk = { 0 };
	signp_key *rk = NULL;
	signp_tuf_signer signer[2];
	sign_buf root = SIGN_BUF_INIT, snap = SIGN_BUF_INIT, ts = SIGN_BUF_INIT, tg = SIGN_BUF_INIT;
	signp_trust_out out[3];
	const json_t *keys, *id;
	const char *extra = NULL;
	json_t *s;
	size_t i, n = 2;
	int created = 0, rc = 2;
	const int server_ts = (be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP) != 0;
	memset(signer, 0, sizeof(signer));
	if (signp_trust_load(&t, ctx, be, ref->gun, &lo, &err) != SIGN_OK)
		return die(&err, "loading the trust data");
	/* the root key this home holds, under its ID in root.json */
	keys = json_object_get(t->root->signed_obj, "keys");
	json_array_foreach(json_object_get(json_object_get(json_object_get(t->root->signed_obj, "roles"),
		"root"), "keyids"), i, id) {
		EVP_PKEY *pk = NULL;
		char cid[65];
		if (signp_tuf_key_pkey(&pk, json_object_get(keys, json_string_value(id)), NULL) == SIGN_OK &&
		    signp_key_canonical_id(cid, pk, NULL) == SIGN_OK &&
		    signp_ctx_load_key(&rk, ctx, cid, SIGN_PASS_ROOT, NULL) == SIGN_OK) {
			signer[0].keyid = json_string_value(id);
			signer[0].pkey = rk->pkey;
		}
		EVP_PKEY_free(pk);
		if (rk != NULL)
			break;
	}
	if (rk == NULL) {
		fprintf(stderr, "forge: this home holds no root key of %s\n", ref->gun);
		goto out;
	}
	/* a Notary server may make the snapshot too: then it gets the root alone */
	if (signp_gun_keys_get(&gk, &created, ctx, ref->gun, 0, 0, server_ts, 0, &err) != SIGN_OK ||
	    (gk.snapshot == NULL && !server_ts) || (gk.timestamp == NULL && !server_ts)) {
		die(&err, "loading the snapshot and timestamp keys");
		goto out;
	}
	s = json_deep_copy(t->root->signed_obj);
	json_object_set_new(s, "version", json_integer(t->root->version + 1));
	if (edit(s, &extra, arg) != 0) {
		json_decref(s);
		goto out;
	}
	signer[1].keyid = extra;
	signer[1].pkey = rk->pkey;
	if (extra == NULL)
		n = 1;
	rc = signp_tuf_sign(&root, s, signer, n, &err);
	json_decref(s);
	if (rc == SIGN_OK)
		rc = signp_buf_put(&tg, t->targets->bytes, t->targets->len);
	if (rc == SIGN_OK && gk.snapshot != NULL)
		rc = signp_build_snapshot(&snap, t, &root, &tg, t->snapshot->version + 1, gk.snapshot, &err);
	if (rc == SIGN_OK && !server_ts)
		rc = signp_build_timestamp_until(&ts, snap.ptr, snap.size, t->timestamp->version + 1, signp_now() + 86400,
			gk.timestamp, &err);
	if (rc != SIGN_OK) {
		rc = die(&err, "signing");
		goto out;
	}
	memset(out, 0, sizeof(out));
	signp_strlcpy(out[0].role, "root", sizeof(out[0].role));
	out[0].version = t->root->version + 1;
	out[0].bytes = (const unsigned char *)root.ptr;
	out[0].len = root.size;
	signp_strlcpy(out[1].role, "snapshot", sizeof(out[1].role));
	out[1].version = t->snapshot->version + 1;
	out[1].bytes = (const unsigned char *)snap.ptr;
	out[1].len = snap.size;
	signp_strlcpy(out[2].role, "timestamp", sizeof(out[2].role));
	out[2].version = t->timestamp->version + 1;
	out[2].bytes = (const unsigned char *)ts.ptr;
	out[2].len = ts.size;
	rc = be->publish(be, out, gk.snapshot == NULL ? 1 : server_ts ? 2 : 3, &err) == SIGN_OK ?
		0 : die(&err, "publishing");
out:
	signp_gun_keys_free(&gk);
	signp_key_free(rk);
	signp_trust_free(t);
	sign_buf_dispose(&root);
	sign_buf_dispose(&snap);
	sign_buf_dispose(&ts);
	sign_buf_dispose(&tg);
	return rc;
}

/* expire-root: the same root, expired an hour ago. */
static int edit_expire(json_t *s, const char **extra, void *arg)
{
	char when[32];
	(void)extra;
	(void)arg;
	signp_time_format(when, signp_now() - 3600);
	return json_object_set_new(s, "expires", json_string(when));
}

/* graft-pin: the attacker's root also lists the victim's pinned root key.
 *   list      every root key of the victim's root.json (its certificates,
 *             which anyone can copy), under their IDs
 *   id:KEYID  the pinned key's ID, with the attacker's own certificate as
 *             that ID's key; the attacker signs under that ID too */
typedef struct graft {
	const char *victim_root; /* root.json of the victim */
	const char *mode;
} graft;

static int edit_graft(json_t *s, const char **extra, void *arg)
{
	const graft *g = arg;
	json_t *keys = json_object_get(s, "keys");
	json_t *ids = json_object_get(json_object_get(json_object_get(s, "roles"), "root"), "keyids");
	const json_t *id;
	size_t i;
	if (strcmp(g->mode, "list") == 0) {
		json_error_t je;
		json_t *v = json_load_file(g->victim_root, 0, &je);
		const json_t *vs = json_object_get(v, "signed");
		const json_t *vkeys = json_object_get(vs, "keys");
		int n = 0;
		json_array_foreach(json_object_get(json_object_get(json_object_get(vs, "roles"), "root"),
			"keyids"), i, id) {
			const char *k = json_string_value(id);
			if (k == NULL || json_object_get(vkeys, k) == NULL)
				continue;
			json_object_set(keys, k, json_object_get(vkeys, k));
			json_array_append(ids, (json_t *)id);
			n++;
		}
		json_decref(v);
		if (n == 0) {
			fprintf(stderr, "forge: no root key in %s\n", g->victim_root);
			return 1;
		}
		return 0;
	}
	if (strncmp(g->mode, "id:", 3) == 0 && strlen(g->mode + 3) == 64) {
		/* the attacker's own root certificate, under the pinned ID */
		const json_t *own = json_object_get(keys, json_string_value(json_array_get(ids, 0)));
		if (own == NULL)
			return 1;
		json_object_set_new(keys, g->mode + 3, json_deep_copy(own));
		json_array_append_new(ids, json_string(g->mode + 3));
		*extra = g->mode + 3;
		return 0;
	}
	if (strncmp(g->mode, "version:", 8) == 0) {
		/* no graft: a root claiming a huge version */
		char *end;
		long long v = strtoll(g->mode + 8, &end, 10);
		if (*end != '\0' || v < 1)
			return 1;
		return json_object_set_new(s, "version", json_integer(v));
	}
	fprintf(stderr, "forge: graft-pin mode is list, id:KEYID or version:N\n");
	return 1;
}

/* swap-root: root v+1 signed by a fresh key only (see the top). */
static int swap_root(signp_trust_backend *be, const signp_ref *ref)
{
	sign_error err = { 0 };
	signp_tuf_file *root = NULL;
	signp_key *k = NULL;
	sign_buf data = SIGN_BUF_INIT, cert = SIGN_BUF_INIT, wire = SIGN_BUF_INIT;
	json_t *s = NULL, *obj = NULL;
	signp_tuf_signer signer;
	signp_trust_out f;
	char tid[65];
	int rc = 2;
	if (be->refresh(be, &err) != SIGN_OK ||
	    be->fetch(be, "root", 0, NULL, SIGN_MAX_METADATA, &data, &err) != SIGN_OK ||
	    signp_tuf_parse(&root, "root", data.ptr, data.size, &err) != SIGN_OK) {
		rc = die(&err, "reading root");
		goto out;
	}
	if (signp_key_generate(&k, &err) != SIGN_OK ||
	    signp_key_root_cert(&cert, k, ref->gun, signp_now(), 3650, &err) != SIGN_OK ||
	    signp_tuf_key_new(&obj, tid, k->pkey, cert.ptr, &err) != SIGN_OK) {
		rc = die(&err, "making a root key");
		goto out;
	}
	s = json_deep_copy(root->signed_obj);
	json_object_set_new(json_object_get(s, "keys"), tid, obj);
	json_object_set_new(json_object_get(s, "roles"), "root",
		json_pack("{s:[s], s:i}", "keyids", tid, "threshold", 1));
	json_object_set_new(s, "version", json_integer(root->version + 1));
	signer.keyid = tid;
	signer.pkey = k->pkey;
	if (signp_tuf_sign(&wire, s, &signer, 1, &err) != SIGN_OK) {
		rc = die(&err, "signing");
		goto out;
	}
	memset(&f, 0, sizeof(f));
	signp_strlcpy(f.role, "root", sizeof(f.role));
	f.version = root->version + 1;
	f.bytes = (const unsigned char *)wire.ptr;
	f.len = wire.size;
	if (be->publish(be, &f, 1, &err) != SIGN_OK) {
		die(&err, "publishing");
		rc = 3;
		goto out;
	}
	rc = 0;
out:
	json_decref(s);
	signp_key_free(k);
	signp_tuf_file_free(root);
	sign_buf_dispose(&data);
	sign_buf_dispose(&cert);
	sign_buf_dispose(&wire);
	return rc;
}

int main(int argc, char **argv)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	sign_ctx *ctx = NULL;
	sign_error err = { 0 };
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	int rc, swap, graft_mode, remote;

	if (argc < 4) {
		fprintf(stderr, "usage: forge badsig|expire|expire-root|tamper|swap-root|graft-pin|dup-key|add-sig HOME REF [ARG...]\n");
		return 2;
	}
	swap = strcmp(argv[1], "swap-root") == 0;
	graft_mode = strcmp(argv[1], "graft-pin") == 0 && (argc == 6 || argc == 7);
	if (strcmp(argv[1], "graft-pin") == 0 && !graft_mode) {
		fprintf(stderr, "usage: forge graft-pin HOME REF VICTIM_ROOT.json list|id:KEYID|version:N [URL]\n");
		return 2;
	}
	remote = (swap && argc == 5) || (graft_mode && argc == 7);
	sign_global_init();
	o.home = argv[2];
	o.passphrase_cb = pass_cb;
	o.trust_server = remote ? argv[argc - 1] : NULL;
	if (sign_ctx_new(&ctx, &o, &err) != SIGN_OK || signp_ref_parse(&ref, argv[3], NULL, &err) != SIGN_OK ||
	    signp_store_open(&st, ctx, &ref, 0, &err) != SIGN_OK ||
	    (swap || graft_mode ? signp_trust_backend_open(&be, ctx, st, &ref, &err) :
		    signp_trust_backend_artifact(&be, st, ref.gun, &err)) != SIGN_OK)
		return die(&err, "opening");
	if (swap)
		rc = swap_root(be, &ref);
	else if (strcmp(argv[1], "badsig") == 0 && argc == 5)
		rc = sig_by(st, &ref, argv[4], 0);
	else if (strcmp(argv[1], "expire") == 0)
		rc = expire(ctx, be, &ref);
	else if (strcmp(argv[1], "tamper") == 0 && argc == 5)
		rc = tamper(be, argv[4]);
	else if (strcmp(argv[1], "expire-root") == 0)
		rc = republish_root(ctx, be, &ref, edit_expire, NULL);
	else if (graft_mode) {
		graft g = { argv[4], argv[5] };
		rc = republish_root(ctx, be, &ref, edit_graft, &g);
	} else if (strcmp(argv[1], "dup-key") == 0 && (argc == 5 || argc == 6))
		rc = dup_key(ctx, st, be, &ref, argv[4], argc == 6 ? argv[5] : NULL);
	else if (strcmp(argv[1], "add-sig") == 0 && argc == 5)
		rc = sig_by(st, &ref, argv[4], 1);
	else
		rc = 2;
	be->free(be);
	signp_store_free(st);
	sign_ctx_free(ctx);
	sign_global_cleanup();
	return rc;
}

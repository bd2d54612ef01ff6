/*
 * test_tuf.c - canonical JSON, metadata bytes, key IDs, signatures, hashes
 * and root checks against the real notary vectors in $VECTORS/notary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "tuf.h"

/* 2027-01-01T00:00:00Z: inside the validity of every vector certificate. */
#define NOW_2027 1798761600LL
#define C1_GUN "example.com/test/repo"
#define C2_GUN "docker.io/library/demo"

struct vec {
	const char *file;
	const char *role;
};

static const struct vec all_vecs[] = {
	{ "c1_root.v1.json", "root" },
	{ "c1_snapshot.v4.json", "snapshot" },
	{ "c1_targets.v4.json", "targets" },
	{ "c1_targets_releases.v1.json", "targets/releases" },
	{ "c1_timestamp.v1.json", "timestamp" },
	{ "c2_root.v2.json", "root" },
	{ "c2_root.v3_rotated.json", "root" },
	{ "c2_snapshot_server_signed.json", "snapshot" },
	{ "c2_timestamp.json", "timestamp" },
	{ "py_generated_targets.json", "targets" },
};
#define NVECS (sizeof(all_vecs) / sizeof(all_vecs[0]))

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

static void read_vec(sign_buf *b, const char *name)
{
	const char *dir = getenv("VECTORS");
	char path[1024];
	sign_error err = { 0 };
	if (dir == NULL || *dir == '\0')
		dir = "tests/vectors";
	snprintf(path, sizeof(path), "%s/notary/%s", dir, name);
	signp_buf_clear(b);
	if (signp_read_file(b, path, SIGN_MAX_METADATA, &err) != SIGN_OK)
		fail_msg("cannot read %s: %s (set VECTORS)", path, err.message);
}

static signp_tuf_file *load_vec(const char *role, const char *name)
{
	sign_buf b = SIGN_BUF_INIT;
	sign_error err = { 0 };
	signp_tuf_file *f = NULL;
	read_vec(&b, name);
	if (signp_tuf_parse(&f, role, b.ptr, b.size, &err) != SIGN_OK)
		fail_msg("parse %s: %s", name, err.message);
	sign_buf_dispose(&b);
	return f;
}

static int parse_str(signp_tuf_file **f, const char *role, const char *s, sign_error *err)
{
	return signp_tuf_parse(f, role, s, strlen(s), err);
}

static const json_t *root_role(const signp_tuf_file *root, const char *role)
{
	return json_object_get(json_object_get(root->signed_obj, "roles"), role);
}

static const json_t *root_keys(const signp_tuf_file *root)
{
	return json_object_get(root->signed_obj, "keys");
}

static int64_t role_threshold(const json_t *r)
{
	return (int64_t)json_integer_value(json_object_get(r, "threshold"));
}

/* Verify f with the root's keys for base role `role`. */
static int verify_with_root(const signp_tuf_file *f, const signp_tuf_file *root,
	const char *role, sign_error *err)
{
	const json_t *r = root_role(root, role);
	return signp_tuf_verify(f, root_keys(root), json_object_get(r, "keyids"),
		role_threshold(r), err);
}

static const json_t *delegation(const signp_tuf_file *parent, const char *name)
{
	const json_t *roles = json_object_get(json_object_get(parent->signed_obj, "delegations"),
		"roles");
	const json_t *r;
	size_t i;
	json_array_foreach(roles, i, r) {
		const char *n = json_string_value(json_object_get(r, "name"));
		if (n && strcmp(n, name) == 0)
			return r;
	}
	return NULL;
}

static char *canon_str(const char *json, int *rc)
{
	json_error_t je;
	json_t *v = json_loads(json, JSON_DECODE_ANY, &je);
	sign_buf b = SIGN_BUF_INIT;
	sign_error err = { 0 };
	char *s;
	assert_non_null(v);
	*rc = signp_cjson_canonical(&b, v, &err);
	json_decref(v);
	s = strdup(b.ptr ? b.ptr : "");
	sign_buf_dispose(&b);
	return s;
}

/* Replace the first occurrence of `from` by `to` in a copy of s. */
static char *replace1(const char *s, size_t len, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), off;
	const char *p = NULL;
	char *o;
	for (off = 0; off + fl <= len; off++)
		if (memcmp(s + off, from, fl) == 0) {
			p = s + off;
			break;
		}
	assert_non_null(p);
	off = (size_t)(p - s);
	o = malloc(len - fl + tl + 1);
	assert_non_null(o);
	memcpy(o, s, off);
	memcpy(o + off, to, tl);
	memcpy(o + off + tl, p + fl, len - off - fl);
	o[len - fl + tl] = '\0';
	return o;
}

static EVP_PKEY *gen_p256(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(k);
	return k;
}

/* Self-signed cert for k with the given CN, validity and digest. */
static char *make_cert(EVP_PKEY *k, const char *cn, long nb_off, long na_off, const EVP_MD *md)
{
	X509 *x = X509_new();
	X509_NAME *n;
	BIO *bio = BIO_new(BIO_s_mem());
	BUF_MEM *bm;
	char *pem;
	assert_non_null(x);
	assert_non_null(bio);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 12345);
	X509_gmtime_adj(X509_getm_notBefore(x), nb_off);
	X509_gmtime_adj(X509_getm_notAfter(x), na_off);
	X509_set_pubkey(x, k);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	assert_true(X509_sign(x, k, md) > 0);
	assert_int_equal(PEM_write_bio_X509(bio, x), 1);
	BIO_get_mem_ptr(bio, &bm);
	pem = strndup(bm->data, bm->length);
	BIO_free(bio);
	X509_free(x);
	return pem;
}

/* ---------------------------------------------------------------------- */
/* (1) re-serialisation                                                    */

static void test_reserialize_all(void **state)
{
	size_t i;
	(void)state;
	for (i = 0; i < NVECS; i++) {
		sign_buf b = SIGN_BUF_INIT, w = SIGN_BUF_INIT;
		sign_error err = { 0 };
		signp_tuf_file *f = NULL;
		read_vec(&b, all_vecs[i].file);
		assert_int_equal(signp_tuf_parse(&f, all_vecs[i].role, b.ptr, b.size, &err),
			SIGN_OK);
		assert_int_equal(f->len, b.size);
		assert_memory_equal(f->bytes, b.ptr, b.size);
		assert_int_equal(signp_cjson_wire(&w, f->signed_obj, f->signatures, &err), SIGN_OK);
		if (w.size != b.size || memcmp(w.ptr, b.ptr, b.size) != 0)
			fail_msg("%s does not re-serialise byte for byte", all_vecs[i].file);
		signp_tuf_file_free(f);
		sign_buf_dispose(&b);
		sign_buf_dispose(&w);
	}
}

/* A second handle (signp_tuf_file_dup, as a warm verify takes for roles
 * whose bytes match the cached copy) sees the same file and outlives the
 * first: its signatures still verify after the original is freed. */
static void test_file_dup(void **state)
{
	sign_error err = { 0 };
	signp_tuf_file *root = load_vec("root", "c1_root.v1.json");
	signp_tuf_file *ts = load_vec("timestamp", "c1_timestamp.v1.json");
	signp_tuf_file *d = signp_tuf_file_dup(ts), *r2 = signp_tuf_file_dup(root);
	(void)state;
	assert_non_null(d);
	assert_non_null(r2);
	assert_ptr_not_equal(d->bytes, ts->bytes);
	assert_int_equal(d->len, ts->len);
	assert_memory_equal(d->bytes, ts->bytes, ts->len);
	assert_string_equal(d->role, "timestamp");
	assert_int_equal(d->version, ts->version);
	assert_int_equal(d->expires, ts->expires);
	signp_tuf_file_free(ts);
	signp_tuf_file_free(root);
	assert_int_equal(verify_with_root(d, r2, "timestamp", &err), SIGN_OK);
	assert_null(signp_tuf_file_dup(NULL));
	signp_tuf_file_free(d);
	signp_tuf_file_free(r2);
}

/* ---------------------------------------------------------------------- */
/* (2) every signature verifies                                            */

static void test_verify_c1(void **state)
{
	sign_error err = { 0 };
	signp_tuf_file *root = load_vec("root", "c1_root.v1.json");
	signp_tuf_file *tg = load_vec("targets", "c1_targets.v4.json");
	signp_tuf_file *sn = load_vec("snapshot", "c1_snapshot.v4.json");
	signp_tuf_file *ts = load_vec("timestamp", "c1_timestamp.v1.json");
	signp_tuf_file *rel = load_vec("targets/releases", "c1_targets_releases.v1.json");
	signp_tuf_file *py = load_vec("targets", "py_generated_targets.json");
	const json_t *d;
	(void)state;

	assert_int_equal(root->version, 1);
	assert_string_equal(root->type, "Root");
	assert_int_equal(verify_with_root(root, root, "root", &err), SIGN_OK);
	assert_int_equal(verify_with_root(tg, root, "targets", &err), SIGN_OK);
	assert_int_equal(verify_with_root(sn, root, "snapshot", &err), SIGN_OK);
	assert_int_equal(verify_with_root(ts, root, "timestamp", &err), SIGN_OK);
	/* py_generated_targets is signed by c1's targets key */
	assert_int_equal(verify_with_root(py, root, "targets", &err), SIGN_OK);
	assert_int_equal(signp_tuf_count_valid(py, root_keys(root),
				 json_object_get(root_role(root, "targets"), "keyids")),
		1);

	/* the delegation is signed by the key listed in targets v4 */
	d = delegation(tg, "targets/releases");
	assert_non_null(d);
	assert_int_equal(signp_tuf_verify(rel,
				 json_object_get(json_object_get(tg->signed_obj, "delegations"),
					 "keys"),
				 json_object_get(d, "keyids"), role_threshold(d), &err),
		SIGN_OK);

	/* wrong role's keys do not verify */
	assert_int_equal(verify_with_root(tg, root, "snapshot", &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "valid signatures did not meet threshold for targets");

	signp_tuf_file_free(root);
	signp_tuf_file_free(tg);
	signp_tuf_file_free(sn);
	signp_tuf_file_free(ts);
	signp_tuf_file_free(rel);
	signp_tuf_file_free(py);
}

static void test_verify_c2(void **state)
{
	sign_error err = { 0 };
	signp_tuf_file *v2 = load_vec("root", "c2_root.v2.json");
	signp_tuf_file *v3 = load_vec("root", "c2_root.v3_rotated.json");
	signp_tuf_file *sn = load_vec("snapshot", "c2_snapshot_server_signed.json");
	signp_tuf_file *ts = load_vec("timestamp", "c2_timestamp.json");
	const char *tskid;
	(void)state;

	assert_int_equal(verify_with_root(v2, v2, "root", &err), SIGN_OK);
	assert_int_equal(verify_with_root(v3, v3, "root", &err), SIGN_OK);
	/* v3 carries both signatures: the old key (listed in v2) and the new */
	assert_int_equal(verify_with_root(v3, v2, "root", &err), SIGN_OK);
	assert_int_equal(signp_tuf_count_valid(v3, root_keys(v3),
				 json_object_get(root_role(v3, "root"), "keyids")),
		1);
	/* server-signed snapshot (eddsa) with the snapshot key of v2/v3 */
	assert_int_equal(verify_with_root(sn, v3, "snapshot", &err), SIGN_OK);
	assert_int_equal(verify_with_root(sn, v2, "snapshot", &err), SIGN_OK);

	/* c2_timestamp is signed by a timestamp key that a later root (not in
	 * the vectors) introduced: it is in neither v2 nor v3.  Check the
	 * signature directly: it is eddsa, so the key is needed. */
	tskid = json_string_value(
		json_object_get(json_array_get(ts->signatures, 0), "keyid"));
	assert_non_null(tskid);
	assert_null(json_object_get(root_keys(v3), tskid));
	err.message[0] = '\0';
	err.code = 0;
	assert_int_equal(verify_with_root(ts, v3, "timestamp", &err), SIGN_EVERIFY);

	signp_tuf_file_free(v2);
	signp_tuf_file_free(v3);
	signp_tuf_file_free(sn);
	signp_tuf_file_free(ts);
}

/* ---------------------------------------------------------------------- */
/* (3) key IDs recompute                                                   */

static void check_keys_map(const json_t *keys)
{
	const char *id;
	json_t *k;
	assert_true(json_is_object(keys));
	json_object_foreach((json_t *)keys, id, k) {
		char calc[65];
		sign_error err = { 0 };
		EVP_PKEY *pk = NULL;
		const char *kt = json_string_value(json_object_get(k, "keytype"));
		const char *pub = json_string_value(
			json_object_get(json_object_get(k, "keyval"), "public"));
		assert_int_equal(signp_tuf_keyid(calc, kt, pub, &err), SIGN_OK);
		assert_string_equal(calc, id);
		if (signp_tuf_key_pkey(&pk, k, &err) != SIGN_OK)
			fail_msg("key %s (%s): %s", id, kt, err.message);
		EVP_PKEY_free(pk);
	}
}

static void test_keyids(void **state)
{
	size_t i;
	char id[65];
	sign_error err = { 0 };
	(void)state;
	for (i = 0; i < NVECS; i++) {
		signp_tuf_file *f = load_vec(all_vecs[i].role, all_vecs[i].file);
		const json_t *dl = json_object_get(f->signed_obj, "delegations");
		if (json_object_get(f->signed_obj, "keys"))
			check_keys_map(json_object_get(f->signed_obj, "keys"));
		if (dl)
			check_keys_map(json_object_get(dl, "keys"));
		signp_tuf_file_free(f);
	}
	/* the worked example of notary-tuf.md §2 */
	assert_int_equal(signp_tuf_keyid(id, "ed25519",
				 "tcElQLhMPXiYwkSd84bdDu2ct9r+hTEHZAwZcH9ChVI=", &err),
		SIGN_OK);
	assert_string_equal(id, "dfe3ce724de74e3ec5f33d20fdd1eb5ac9ae55fbc614e5a00a13156b368141e5");
}

/* ---------------------------------------------------------------------- */
/* (4) hash chain                                                          */

static void test_hash_chain(void **state)
{
	sign_buf rb = SIGN_BUF_INIT, tb = SIGN_BUF_INIT, sb = SIGN_BUF_INIT;
	sign_error err = { 0 };
	signp_tuf_file *sn = load_vec("snapshot", "c1_snapshot.v4.json");
	signp_tuf_file *ts = load_vec("timestamp", "c1_timestamp.v1.json");
	signp_tuf_file *sn2 = load_vec("snapshot", "c2_snapshot_server_signed.json");
	signp_tuf_file *ts2 = load_vec("timestamp", "c2_timestamp.json");
	const json_t *meta = json_object_get(sn->signed_obj, "meta");
	(void)state;

	read_vec(&rb, "c1_root.v1.json");
	read_vec(&tb, "c1_targets.v4.json");
	read_vec(&sb, "c1_snapshot.v4.json");
	/* snapshot v4 -> root v1 and targets v4: both hashes match */
	assert_int_equal(signp_tuf_check_filemeta(json_object_get(meta, "root"), rb.ptr, rb.size,
				 "root", &err),
		SIGN_OK);
	assert_int_equal(signp_tuf_check_filemeta(json_object_get(meta, "targets"), tb.ptr,
				 tb.size, "targets", &err),
		SIGN_OK);
	/* root entry does not fit the targets bytes */
	assert_int_equal(signp_tuf_check_filemeta(json_object_get(meta, "root"), tb.ptr, tb.size,
				 "root", &err),
		SIGN_EVERIFY);
	assert_string_equal(err.message, "sha512 checksum for root did not match");
	/* c1_snapshot.v4 lists no targets/releases entry (checked, not assumed) */
	assert_null(json_object_get(meta, "targets/releases"));
	/* c1_timestamp v1 describes an earlier snapshot (683 bytes), not v4 */
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(ts->signed_obj, "meta"), "snapshot"),
				 "length")),
		683);
	assert_int_equal(sb.size, 684);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf_check_filemeta(
				 json_object_get(json_object_get(ts->signed_obj, "meta"), "snapshot"),
				 sb.ptr, sb.size, "snapshot", &err),
		SIGN_EVERIFY);
	/* c2: the timestamp does describe the server-signed snapshot */
	assert_int_equal(signp_tuf_check_filemeta(
				 json_object_get(json_object_get(ts2->signed_obj, "meta"), "snapshot"),
				 sn2->bytes, sn2->len, "snapshot", &err),
		SIGN_OK);

	sign_buf_dispose(&rb);
	sign_buf_dispose(&tb);
	sign_buf_dispose(&sb);
	signp_tuf_file_free(sn);
	signp_tuf_file_free(ts);
	signp_tuf_file_free(sn2);
	signp_tuf_file_free(ts2);
}

static void test_filemeta(void **state)
{
	static const char data[] = "hello world";
	sign_error err = { 0 };
	json_t *m = signp_tuf_filemeta(data, sizeof(data) - 1, 1), *m2;
	(void)state;
	assert_non_null(m);
	assert_int_equal(json_integer_value(json_object_get(m, "length")), 11);
	assert_string_equal(json_string_value(json_object_get(json_object_get(m, "hashes"),
				    "sha256")),
		"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");
	assert_int_equal(signp_tuf_check_filemeta(m, data, 11, "x", &err), SIGN_OK);
	assert_int_equal(signp_tuf_check_filemeta(m, data, 10, "x", &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "sha512 checksum for x did not match");
	json_decref(m);

	/* sha256 only (Docker Content Trust style) */
	m = signp_tuf_filemeta(data, 11, 0);
	assert_null(json_object_get(json_object_get(m, "hashes"), "sha512"));
	assert_int_equal(signp_tuf_check_filemeta(m, data, 11, "x", NULL), SIGN_OK);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf_check_filemeta(m, "hello worle", 11, "x", &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "sha256 checksum for x did not match");
	json_decref(m);

	/* only unknown algorithms: refused; unknown ones beside sha256 ignored */
	m2 = json_loads("{\"hashes\":{\"md5\":\"AAAA\"},\"length\":11}", 0, NULL);
	assert_int_equal(signp_tuf_check_filemeta(m2, data, 11, "x", NULL), SIGN_EVERIFY);
	json_decref(m2);
	m2 = json_loads("{\"hashes\":{\"md5\":\"AAAA\",\"sha256\":"
			"\"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=\"}}",
		0, NULL);
	assert_int_equal(signp_tuf_check_filemeta(m2, data, 11, "x", NULL), SIGN_OK);
	json_decref(m2);
	/* bad base64, wrong digest length, not a string, no hashes */
	m2 = json_loads("{\"hashes\":{\"sha256\":\"!!!\"}}", 0, NULL);
	assert_int_equal(signp_tuf_check_filemeta(m2, data, 11, "x", NULL), SIGN_EVERIFY);
	json_decref(m2);
	m2 = json_loads("{\"hashes\":{\"sha256\":\"AAAA\"}}", 0, NULL);
	assert_int_equal(signp_tuf_check_filemeta(m2, data, 11, "x", NULL), SIGN_EVERIFY);
	json_decref(m2);
	m2 = json_loads("{\"hashes\":{\"sha256\":5}}", 0, NULL);
	assert_int_equal(signp_tuf_check_filemeta(m2, data, 11, "x", NULL), SIGN_EVERIFY);
	json_decref(m2);
	m2 = json_loads("{\"length\":11}", 0, NULL);
	assert_int_equal(signp_tuf_check_filemeta(m2, data, 11, "x", NULL), SIGN_EVERIFY);
	json_decref(m2);
	assert_int_equal(signp_tuf_check_filemeta(NULL, data, 11, "x", NULL), SIGN_EVERIFY);
}

/* ---------------------------------------------------------------------- */
/* (5) tampering                                                           */

static void test_tamper(void **state)
{
	sign_buf b = SIGN_BUF_INIT, w = SIGN_BUF_INIT;
	sign_error err = { 0 };
	signp_tuf_file *root = load_vec("root", "c1_root.v1.json");
	signp_tuf_file *f = NULL;
	const json_t *tr = root_role(root, "targets");
	const json_t *tids = json_object_get(tr, "keyids");
	const char *tkid = json_string_value(json_array_get(tids, 0));
	const char *skid = json_string_value(
		json_array_get(json_object_get(root_role(root, "snapshot"), "keyids"), 0));
	json_t *sigs, *keys2;
	char *t;
	(void)state;

	read_vec(&b, "c1_targets.v4.json");

	/* one byte inside "signed" */
	t = replace1(b.ptr, b.size, "\"length\":86", "\"length\":87");
	assert_int_equal(parse_str(&f, "targets", t, &err), SIGN_OK);
	assert_int_equal(verify_with_root(f, root, "targets", &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "valid signatures did not meet threshold for targets");
	signp_tuf_file_free(f);
	free(t);
	/* an escaped byte in a target name */
	t = replace1(b.ptr, b.size, "v1\\u003c", "v2\\u003c");
	assert_int_equal(parse_str(&f, "targets", t, NULL), SIGN_OK);
	assert_int_equal(verify_with_root(f, root, "targets", NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);
	free(t);
	/* one character of the signature */
	t = replace1(b.ptr, b.size, "\"sig\":\"GXDB", "\"sig\":\"GXDC");
	assert_int_equal(parse_str(&f, "targets", t, NULL), SIGN_OK);
	assert_int_equal(verify_with_root(f, root, "targets", NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);
	free(t);
	/* the signature claims another key ID (snapshot key, not listed) */
	t = replace1(b.ptr, b.size, tkid, skid);
	assert_int_equal(parse_str(&f, "targets", t, NULL), SIGN_OK);
	assert_int_equal(verify_with_root(f, root, "targets", NULL), SIGN_EVERIFY);
	/* ...even when that key is listed for the role */
	assert_int_equal(verify_with_root(f, root, "snapshot", NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);
	free(t);

	/* pretty-printed, \u-escaped, upper-case method: still verifies (the
	 * signature covers the canonical form of the decoded value) */
	f = load_vec("targets", "c1_targets.v4.json");
	json_object_set_new(json_array_get(f->signatures, 0), "method", json_string("ECDSA"));
	{
		char *pretty = json_dumps(f->doc, JSON_INDENT(3) | JSON_ENSURE_ASCII);
		signp_tuf_file *g = NULL;
		assert_non_null(pretty);
		assert_non_null(strstr(pretty, "ECDSA"));
		assert_int_equal(parse_str(&g, "targets", pretty, &err), SIGN_OK);
		assert_string_equal(json_string_value(json_object_get(
					    json_array_get(g->signatures, 0), "method")),
			"ecdsa");
		assert_int_equal(verify_with_root(g, root, "targets", &err), SIGN_OK);
		/* and re-serialises to the original bytes */
		assert_int_equal(signp_cjson_wire(&w, g->signed_obj, g->signatures, &err), SIGN_OK);
		assert_int_equal(w.size, b.size);
		assert_memory_equal(w.ptr, b.ptr, b.size);
		signp_tuf_file_free(g);
		free(pretty);
	}
	signp_tuf_file_free(f);

	/* threshold 2 with one signature; duplicates of it count once */
	f = load_vec("targets", "c1_targets.v4.json");
	assert_int_equal(signp_tuf_verify(f, root_keys(root), tids, 2, &err), SIGN_EVERIFY);
	sigs = f->signatures;
	json_array_append_new(sigs, json_deep_copy(json_array_get(sigs, 0)));
	json_array_append_new(sigs, json_deep_copy(json_array_get(sigs, 0)));
	assert_int_equal(json_array_size(sigs), 3);
	assert_int_equal(signp_tuf_count_valid(f, root_keys(root), tids), 1);
	assert_int_equal(signp_tuf_verify(f, root_keys(root), tids, 2, NULL), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_verify(f, root_keys(root), tids, 1, NULL), SIGN_OK);
	/* threshold < 1 is an error */
	assert_int_equal(signp_tuf_verify(f, root_keys(root), tids, 0, NULL), SIGN_EVERIFY);
	/* no keys / no keyids */
	assert_int_equal(signp_tuf_verify(f, NULL, tids, 1, NULL), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_verify(f, root_keys(root), NULL, 1, NULL), SIGN_EVERIFY);

	/* a keys map whose entry does not hash to its ID is skipped: put the
	 * snapshot key under the targets key ID */
	keys2 = json_deep_copy(root_keys(root));
	json_object_set(keys2, tkid, json_object_get(root_keys(root), skid));
	assert_int_equal(signp_tuf_verify(f, keys2, tids, 1, NULL), SIGN_EVERIFY);
	/* and the real targets key under the snapshot ID does not help either */
	json_object_set(keys2, skid, json_object_get(root_keys(root), tkid));
	assert_int_equal(signp_tuf_verify(f, keys2,
				 json_object_get(root_role(root, "snapshot"), "keyids"), 1, NULL),
		SIGN_EVERIFY);
	json_decref(keys2);
	signp_tuf_file_free(f);

	/* a signature made for targets does not verify snapshot data */
	f = load_vec("snapshot", "c1_snapshot.v4.json");
	json_object_set_new(json_array_get(f->signatures, 0), "sig",
		json_string("GXDBKbYsVdVBUBFNKmoho7J+hIGj24WR+kIzFjgZybAu49WvJztlcJcI5+DxH1gZhqoT4TRw"
			    "0K7g6e79nz0IaA=="));
	assert_int_equal(verify_with_root(f, root, "snapshot", NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);

	signp_tuf_file_free(root);
	sign_buf_dispose(&b);
	sign_buf_dispose(&w);
}

/* ---------------------------------------------------------------------- */
/* (6) canonical edge cases                                                */

static void test_canonical(void **state)
{
	int rc;
	char *s;
	sign_buf w = SIGN_BUF_INIT;
	sign_error err = { 0 };
	json_t *v, *sigs;
	(void)state;

	s = canon_str("{\"b\":1,\"a\":[1.0,1e3]}", &rc);
	assert_int_equal(rc, SIGN_OK);
	assert_string_equal(s, "{\"a\":[1,1000],\"b\":1}");
	free(s);
	s = canon_str("{\"a\":1.5}", &rc);
	assert_int_equal(rc, SIGN_EFORMAT);
	assert_string_equal(s, ""); /* nothing left behind on failure */
	free(s);
	s = canon_str("[1e300]", &rc);
	assert_int_equal(rc, SIGN_EFORMAT);
	free(s);
	s = canon_str("[-0.0, -5, 9223372036854775807, -9223372036854775808]", &rc);
	assert_int_equal(rc, SIGN_OK);
	assert_string_equal(s, "[0,-5,9223372036854775807,-9223372036854775808]");
	free(s);
	/* bytewise key order: "_type" (0x5F) before lowercase, upper before
	 * lower, nested objects sorted too, whitespace gone */
	s = canon_str("{ \"b\" : {\"z\":null,\"Z\":true}, \"_type\":\"x\", \"B\":false, "
		      "\"\xc3\xa9\":[], \"a\":{} }",
		&rc);
	assert_int_equal(rc, SIGN_OK);
	assert_string_equal(s, "{\"B\":false,\"_type\":\"x\",\"a\":{},\"b\":{\"Z\":true,\"z\":null},"
			       "\"\xc3\xa9\":[]}");
	free(s);
	/* duplicate keys: the last one wins (as in Go) */
	s = canon_str("{\"a\":1,\"a\":2}", &rc);
	assert_int_equal(rc, SIGN_OK);
	assert_string_equal(s, "{\"a\":2}");
	free(s);
	/* strings: only quote and backslash escaped; \u escapes decoded raw */
	s = canon_str("[\"<&>\", \"q\\\"b\\\\s/\", \"\\u00e9\\u2028\\/\"]", &rc);
	assert_int_equal(rc, SIGN_OK);
	assert_string_equal(s, "[\"<&>\",\"q\\\"b\\\\s/\",\"\xc3\xa9\xe2\x80\xa8/\"]");
	free(s);
	/* control characters would make notary emit invalid JSON: refused */
	s = canon_str("[\"a\\nb\"]", &rc);
	assert_int_equal(rc, SIGN_EFORMAT);
	free(s);
	s = canon_str("{\"a\\u0001\":1}", &rc);
	assert_int_equal(rc, SIGN_EFORMAT);
	free(s);
	/* 0x7f and non-ASCII stay raw */
	s = canon_str("[\"\x7f\"]", &rc);
	assert_int_equal(rc, SIGN_OK);
	assert_string_equal(s, "[\"\x7f\"]");
	free(s);

	/* wire: <&> and U+2028/9 escaped, also in keys and signature fields */
	v = json_loads("{\"<k>\":\"a<&>b\xe2\x80\xa8\xe2\x80\xa9\xc3\xa9\"}", 0, NULL);
	assert_non_null(v);
	sigs = json_loads("[{\"sig\":\"s&\",\"method\":\"m\",\"keyid\":\"k<\"}]", 0, NULL);
	assert_int_equal(signp_cjson_wire(&w, v, sigs, &err), SIGN_OK);
	assert_string_equal(w.ptr,
		"{\"signed\":{\"\\u003ck\\u003e\":\"a\\u003c\\u0026\\u003eb\\u2028\\u2029\xc3\xa9\"},"
		"\"signatures\":[{\"keyid\":\"k\\u003c\",\"method\":\"m\",\"sig\":\"s\\u0026\"}]}");
	signp_buf_clear(&w);
	assert_int_equal(signp_cjson_canonical(&w, v, &err), SIGN_OK);
	assert_string_equal(w.ptr, "{\"<k>\":\"a<&>b\xe2\x80\xa8\xe2\x80\xa9\xc3\xa9\"}");
	json_decref(sigs);
	/* empty / missing signatures */
	signp_buf_clear(&w);
	sigs = json_array();
	assert_int_equal(signp_cjson_wire(&w, v, sigs, &err), SIGN_OK);
	assert_non_null(strstr(w.ptr, ",\"signatures\":[]}"));
	signp_buf_clear(&w);
	assert_int_equal(signp_cjson_wire(&w, v, NULL, &err), SIGN_OK);
	assert_non_null(strstr(w.ptr, ",\"signatures\":[]}"));
	/* malformed signatures */
	json_array_append_new(sigs, json_pack("{s:s,s:s}", "keyid", "a", "method", "b"));
	assert_int_equal(signp_cjson_wire(&w, v, sigs, NULL), SIGN_EFORMAT);
	json_decref(sigs);
	sigs = json_loads("[5]", 0, NULL);
	assert_int_equal(signp_cjson_wire(&w, v, sigs, NULL), SIGN_EFORMAT);
	json_decref(sigs);
	assert_int_equal(signp_cjson_wire(&w, json_array_get(sigs, 0), NULL, NULL), SIGN_EINVAL);
	assert_int_equal(signp_cjson_canonical(&w, NULL, NULL), SIGN_EINVAL);
	json_decref(v);
	sign_buf_dispose(&w);
}

/* ---------------------------------------------------------------------- */
/* (7) sign + verify round trips                                           */

static void roundtrip_key(EVP_PKEY *k, const char *want_kt, const char *want_method,
	size_t want_siglen)
{
	sign_error err = { 0 };
	sign_buf sig = SIGN_BUF_INIT, raw = SIGN_BUF_INIT, wire = SIGN_BUF_INIT;
	char method[16], id[65], id2[65];
	json_t *ko = NULL, *keys, *ids, *signed_obj;
	EVP_PKEY *pub = NULL;
	signp_tuf_file *f = NULL;
	signp_tuf_signer signer;
	static const char msg[] = "{\"a\":1}";

	assert_int_equal(signp_tuf_key_new(&ko, id, k, NULL, &err), SIGN_OK);
	assert_string_equal(json_string_value(json_object_get(ko, "keytype")), want_kt);
	assert_true(json_is_null(json_object_get(json_object_get(ko, "keyval"), "private")));
	assert_int_equal(signp_tuf_keyid(id2, want_kt,
				 json_string_value(json_object_get(json_object_get(ko, "keyval"),
					 "public")),
				 &err),
		SIGN_OK);
	assert_string_equal(id, id2);
	assert_int_equal(signp_tuf_key_pkey(&pub, ko, &err), SIGN_OK);
	assert_int_equal(EVP_PKEY_eq(pub, k), 1);

	/* primitives */
	assert_int_equal(signp_tuf_sig_create(&sig, method, k, msg, sizeof(msg) - 1, &err),
		SIGN_OK);
	assert_string_equal(method, want_method);
	assert_int_equal(signp_b64_decode(&raw, sig.ptr, sig.size), SIGN_OK);
	if (want_siglen)
		assert_int_equal(raw.size, want_siglen);
	assert_int_equal(signp_tuf_sig_check(pub, method, msg, sizeof(msg) - 1, raw.ptr,
				 raw.size),
		SIGN_OK);
	assert_int_equal(signp_tuf_sig_check(pub, "ECDSA", msg, sizeof(msg) - 1, raw.ptr,
				 raw.size) == SIGN_OK,
		strcmp(method, "ecdsa") == 0);
	assert_int_equal(signp_tuf_sig_check(pub, method, msg, sizeof(msg) - 2, raw.ptr,
				 raw.size),
		SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(pub, method, msg, sizeof(msg) - 1, raw.ptr,
				 raw.size - 1),
		SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(pub, "bogus", msg, sizeof(msg) - 1, raw.ptr,
				 raw.size),
		SIGN_EVERIFY);

	/* whole files */
	signed_obj = json_loads("{\"_type\":\"Targets\",\"delegations\":{\"keys\":{},\"roles\":[]},"
				"\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{\"tag&1\":{"
				"\"hashes\":{\"sha256\":\"dGUPnqctYk1BhDX1e5l/7shnJcDcy1XTyelta40GabA=\"},"
				"\"length\":86}},\"version\":3}",
		0, NULL);
	assert_non_null(signed_obj);
	signer.keyid = id;
	signer.pkey = k;
	assert_int_equal(signp_tuf_sign(&wire, signed_obj, &signer, 1, &err), SIGN_OK);
	assert_non_null(strstr(wire.ptr, "\"tag\\u00261\""));
	assert_int_equal(signp_tuf_parse(&f, "targets/x", wire.ptr, wire.size, &err), SIGN_OK);
	assert_int_equal(f->version, 3);
	assert_int_equal(f->expires, 1893456000LL);
	keys = json_object();
	json_object_set(keys, id, ko);
	ids = json_pack("[s]", id);
	assert_int_equal(signp_tuf_verify(f, keys, ids, 1, &err), SIGN_OK);
	signp_tuf_file_free(f);
	/* two signatures from the same signer count once */
	{
		signp_tuf_signer two[2] = { signer, signer };
		signp_buf_clear(&wire);
		assert_int_equal(signp_tuf_sign(&wire, signed_obj, two, 2, &err), SIGN_OK);
		assert_int_equal(signp_tuf_parse(&f, "targets", wire.ptr, wire.size, &err),
			SIGN_OK);
		assert_int_equal(json_array_size(f->signatures), 2);
		assert_int_equal(signp_tuf_count_valid(f, keys, ids), 1);
		assert_int_equal(signp_tuf_verify(f, keys, ids, 2, NULL), SIGN_EVERIFY);
		signp_tuf_file_free(f);
	}
	/* unsigned */
	signp_buf_clear(&wire);
	assert_int_equal(signp_tuf_sign(&wire, signed_obj, NULL, 0, &err), SIGN_OK);
	assert_int_equal(signp_tuf_parse(&f, "targets", wire.ptr, wire.size, &err), SIGN_OK);
	assert_int_equal(signp_tuf_verify(f, keys, ids, 1, NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);
	/* non-integral numbers cannot be signed */
	json_object_set_new(signed_obj, "version", json_real(1.5));
	assert_int_equal(signp_tuf_sign(&wire, signed_obj, &signer, 1, NULL), SIGN_EFORMAT);

	json_decref(signed_obj);
	json_decref(keys);
	json_decref(ids);
	json_decref(ko);
	EVP_PKEY_free(pub);
	sign_buf_dispose(&sig);
	sign_buf_dispose(&raw);
	sign_buf_dispose(&wire);
}

static void test_roundtrip(void **state)
{
	EVP_PKEY *k;
	(void)state;
	k = gen_p256();
	roundtrip_key(k, "ecdsa", "ecdsa", 64);
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	assert_non_null(k);
	roundtrip_key(k, "ecdsa", "ecdsa", 96);
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(k);
	roundtrip_key(k, "ed25519", "eddsa", 64);
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	assert_non_null(k);
	roundtrip_key(k, "rsa", "rsapss", 256);
	EVP_PKEY_free(k);
}

static void test_small_rsa_refused(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	sign_buf b = SIGN_BUF_INIT;
	char method[16];
	json_t *ko = NULL;
	(void)state;
	assert_non_null(k);
	assert_int_not_equal(signp_tuf_sig_create(&b, method, k, "x", 1, NULL), SIGN_OK);
	assert_int_not_equal(signp_tuf_key_new(&ko, NULL, k, NULL, NULL), SIGN_OK);
	assert_null(ko);
	EVP_PKEY_free(k);
	sign_buf_dispose(&b);
}

/* ---------------------------------------------------------------------- */
/* (8) root checks                                                         */

static void test_root_check_vectors(void **state)
{
	sign_error err = { 0 };
	signp_tuf_file *c1 = load_vec("root", "c1_root.v1.json");
	signp_tuf_file *v2 = load_vec("root", "c2_root.v2.json");
	signp_tuf_file *v3 = load_vec("root", "c2_root.v3_rotated.json");
	signp_tuf_file *tg = load_vec("targets", "c1_targets.v4.json");
	(void)state;

	assert_int_equal(signp_tuf_root_check(c1, C1_GUN, NOW_2027, 1, &err), SIGN_OK);
	assert_int_equal(signp_tuf_root_check(c1, "example.com/test/other", NOW_2027, 1, &err),
		SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "does not match the GUN"));
	assert_int_equal(signp_tuf_root_check(c1, "example.com/test/rep", NOW_2027, 0, NULL),
		SIGN_EVERIFY);
	assert_int_equal(signp_tuf_root_check(c1, "", NOW_2027, 0, NULL), SIGN_EVERIFY);
	/* cert valid 2026-11-28 .. 2036-11-25 */
	assert_int_equal(signp_tuf_root_check(c1, C1_GUN, 2240000000LL, 1, NULL), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_root_check(c1, C1_GUN, 2240000000LL, 0, NULL), SIGN_OK);
	assert_int_equal(signp_tuf_root_check(c1, C1_GUN, 1764000000LL, 1, NULL), SIGN_EVERIFY);
	/* notBefore at most one day ahead is tolerated */
	assert_int_equal(signp_tuf_root_check(c1, C1_GUN, 1795859011LL - 80000, 1, NULL), SIGN_OK);
	assert_int_equal(signp_tuf_root_check(c1, C1_GUN, 1795859011LL - 90000, 1, NULL),
		SIGN_EVERIFY);
	/* only roots */
	assert_int_equal(signp_tuf_root_check(tg, C1_GUN, NOW_2027, 0, NULL), SIGN_EVERIFY);

	assert_int_equal(signp_tuf_root_check(v2, C2_GUN, NOW_2027, 1, &err), SIGN_OK);
	assert_int_equal(signp_tuf_root_check(v3, C2_GUN, NOW_2027, 1, &err), SIGN_OK);
	assert_int_equal(signp_tuf_root_check(v3, C1_GUN, NOW_2027, 1, NULL), SIGN_EVERIFY);

	signp_tuf_file_free(c1);
	signp_tuf_file_free(v2);
	signp_tuf_file_free(v3);
	signp_tuf_file_free(tg);
}

/* Mutate c1 root's signed part and re-check (signature breaks, but the
 * structural checks come first and must name the problem). */
static void test_root_check_structure(void **state)
{
	static const char *const muts[] = {
		"{\"del\":\"timestamp\"}", "{\"th\":0}", "{\"th\":2}", "{\"ghost\":1}",
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(muts) / sizeof(muts[0]); i++) {
		signp_tuf_file *f = load_vec("root", "c1_root.v1.json");
		json_t *roles = json_object_get(f->signed_obj, "roles");
		sign_error err = { 0 };
		if (i == 0)
			json_object_del(roles, "timestamp");
		else if (i == 1)
			json_object_set_new(json_object_get(roles, "root"), "threshold",
				json_integer(0));
		else if (i == 2)
			json_object_set_new(json_object_get(roles, "root"), "threshold",
				json_integer(2));
		else
			json_array_append_new(
				json_object_get(json_object_get(roles, "snapshot"), "keyids"),
				json_string("00000000000000000000000000000000000000000000000000000000"
					    "00000000"));
		assert_int_equal(signp_tuf_root_check(f, C1_GUN, NOW_2027, 1, &err), SIGN_EVERIFY);
		assert_true(err.message[0] != '\0');
		signp_tuf_file_free(f);
	}
}

/* Build, sign and check a root around a freshly made certificate. */
static int make_root(signp_tuf_file **out, EVP_PKEY *k, const char *cert, const char *kt_override)
{
	json_t *ko = NULL, *other = NULL, *signed_obj, *keys;
	char id[65], oid[65];
	sign_buf wire = SIGN_BUF_INIT;
	sign_error err = { 0 };
	EVP_PKEY *ok = gen_p256();
	signp_tuf_signer s;
	int rc;

	rc = signp_tuf_key_new(&ko, id, k, cert, &err);
	if (rc != SIGN_OK)
		fail_msg("key_new: %s", err.message);
	if (kt_override) {
		json_object_set_new(ko, "keytype", json_string(kt_override));
		assert_int_equal(signp_tuf_keyid(id, kt_override,
					 json_string_value(json_object_get(
						 json_object_get(ko, "keyval"), "public")),
					 &err),
			SIGN_OK);
	}
	assert_int_equal(signp_tuf_key_new(&other, oid, ok, NULL, &err), SIGN_OK);
	keys = json_object();
	json_object_set_new(keys, id, ko);
	json_object_set_new(keys, oid, other);
	signed_obj = json_pack("{s:s,s:b,s:s,s:o,s:{s:{s:[s],s:i},s:{s:[s],s:i},s:{s:[s],s:i},"
			       "s:{s:[s],s:i}},s:i}",
		"_type", "Root", "consistent_snapshot", 0, "expires", "2030-01-01T00:00:00Z",
		"keys", keys, "roles", "root", "keyids", id, "threshold", 1, "targets", "keyids",
		oid, "threshold", 1, "snapshot", "keyids", oid, "threshold", 1, "timestamp",
		"keyids", oid, "threshold", 1, "version", 1);
	assert_non_null(signed_obj);
	s.keyid = id;
	s.pkey = k;
	assert_int_equal(signp_tuf_sign(&wire, signed_obj, &s, 1, &err), SIGN_OK);
	assert_int_equal(signp_tuf_parse(out, "root", wire.ptr, wire.size, &err), SIGN_OK);
	json_decref(signed_obj);
	sign_buf_dispose(&wire);
	EVP_PKEY_free(ok);
	return SIGN_OK;
}

static void test_root_check_generated(void **state)
{
	EVP_PKEY *k = gen_p256(), *k2 = gen_p256();
	char *cert;
	signp_tuf_file *f = NULL;
	sign_error err = { 0 };
	int64_t now = signp_now();
	json_t *ko = NULL;
	(void)state;

	/* good cert */
	cert = make_cert(k, "example.org/app", 0, 86400L * 3650, EVP_sha256());
	make_root(&f, k, cert, NULL);
	assert_int_equal(signp_tuf_root_check(f, "example.org/app", now, 1, &err), SIGN_OK);
	assert_int_equal(signp_tuf_root_check(f, "example.org/ap", now, 1, NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);
	/* a cert that does not belong to the key is refused by key_new */
	assert_int_not_equal(signp_tuf_key_new(&ko, NULL, k2, cert, NULL), SIGN_OK);
	assert_null(ko);
	free(cert);

	/* wildcard CN */
	cert = make_cert(k, "example.org/*", 0, 86400L * 3650, EVP_sha256());
	make_root(&f, k, cert, NULL);
	assert_int_equal(signp_tuf_root_check(f, "example.org/app", now, 1, &err), SIGN_OK);
	assert_int_equal(signp_tuf_root_check(f, "example.net/app", now, 1, NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);
	free(cert);

	/* expired cert: refused with expiry checks, accepted without */
	cert = make_cert(k, "example.org/app", -86400L * 20, -86400L * 10, EVP_sha256());
	make_root(&f, k, cert, NULL);
	assert_int_equal(signp_tuf_root_check(f, "example.org/app", now, 1, &err), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "expired"));
	assert_int_equal(signp_tuf_root_check(f, "example.org/app", now, 0, NULL), SIGN_OK);
	signp_tuf_file_free(f);
	free(cert);

	/* SHA-1 signed cert */
	cert = make_cert(k, "example.org/app", 0, 86400L * 3650, EVP_sha1());
	make_root(&f, k, cert, NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf_root_check(f, "example.org/app", now, 0, &err), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "weak"));
	signp_tuf_file_free(f);
	free(cert);

	/* plain (non-cert) root key */
	make_root(&f, k, NULL, NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf_root_check(f, "example.org/app", now, 0, &err), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "not an x509 certificate"));
	signp_tuf_file_free(f);

	/* rsa-x509 label on an EC cert */
	cert = make_cert(k, "example.org/app", 0, 86400L * 3650, EVP_sha256());
	make_root(&f, k, cert, "rsa-x509");
	assert_int_equal(signp_tuf_root_check(f, "example.org/app", now, 0, NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);
	free(cert);

	/* ed25519 cannot be a certificate key */
	{
		EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		assert_non_null(ed);
		cert = make_cert(k, "example.org/app", 0, 86400L * 3650, EVP_sha256());
		assert_int_equal(signp_tuf_key_new(&ko, NULL, ed, cert, NULL), SIGN_EINVAL);
		assert_null(ko);
		free(cert);
		EVP_PKEY_free(ed);
	}

	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

static void test_rotation(void **state)
{
	sign_error err = { 0 };
	signp_tuf_file *v2 = load_vec("root", "c2_root.v2.json");
	signp_tuf_file *v3 = load_vec("root", "c2_root.v3_rotated.json");
	signp_tuf_file *c1 = load_vec("root", "c1_root.v1.json");
	json_t *sigs;
	(void)state;

	assert_int_equal(signp_tuf_root_rotation_check(v2, v3, &err), SIGN_OK);
	assert_int_equal(signp_tuf_root_rotation_check(v2, v2, &err), SIGN_OK);
	/* another repository's root cannot take over */
	assert_int_equal(signp_tuf_root_rotation_check(c1, v3, &err), SIGN_EVERIFY);
	/* v2 is not signed by v3's new key */
	assert_int_equal(signp_tuf_root_rotation_check(v3, v2, NULL), SIGN_EVERIFY);

	/* remove the old key's signature: rotation must fail */
	sigs = v3->signatures;
	assert_int_equal(json_array_size(sigs), 2);
	{
		signp_tuf_file *m = NULL;
		sign_buf w = SIGN_BUF_INIT;
		json_t *s1 = json_array();
		size_t i;
		json_t *s;
		const char *oldid = "600e928c69135bbf28d1cc0df92877bff5bced20802d531ce7e9c2ea682c779b";
		json_array_foreach(sigs, i, s) {
			if (strcmp(json_string_value(json_object_get(s, "keyid")), oldid) != 0)
				json_array_append(s1, s);
		}
		assert_int_equal(json_array_size(s1), 1);
		assert_int_equal(signp_cjson_wire(&w, v3->signed_obj, s1, &err), SIGN_OK);
		assert_int_equal(signp_tuf_parse(&m, "root", w.ptr, w.size, &err), SIGN_OK);
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_tuf_root_rotation_check(v2, m, &err), SIGN_EVERIFY);
		assert_non_null(strstr(err.message, "root rotation"));
		/* still self-consistent on its own */
		assert_int_equal(signp_tuf_root_check(m, C2_GUN, NOW_2027, 1, NULL), SIGN_OK);
		signp_tuf_file_free(m);
		json_decref(s1);

		/* remove the new key's signature instead: own threshold fails */
		s1 = json_array();
		json_array_foreach(sigs, i, s) {
			if (strcmp(json_string_value(json_object_get(s, "keyid")), oldid) == 0)
				json_array_append(s1, s);
		}
		signp_buf_clear(&w);
		assert_int_equal(signp_cjson_wire(&w, v3->signed_obj, s1, &err), SIGN_OK);
		assert_int_equal(signp_tuf_parse(&m, "root", w.ptr, w.size, &err), SIGN_OK);
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_tuf_root_rotation_check(v2, m, &err), SIGN_EVERIFY);
		assert_string_equal(err.message, "valid signatures did not meet threshold for root");
		signp_tuf_file_free(m);
		json_decref(s1);
		sign_buf_dispose(&w);
	}
	signp_tuf_file_free(v2);
	signp_tuf_file_free(v3);
	signp_tuf_file_free(c1);
}

/* ---------------------------------------------------------------------- */
/* (9) garbage                                                             */

static void expect_bad(const char *role, const char *s, size_t len, const char *want)
{
	signp_tuf_file *f = NULL;
	sign_error err = { 0 };
	int rc = signp_tuf_parse(&f, role, s, len, &err);
	if (rc == SIGN_OK)
		fail_msg("accepted as %s: %.80s", role, s);
	assert_null(f);
	assert_true(err.message[0] != '\0');
	if (want && strstr(err.message, want) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.message, want);
}

#define BAD(role, s, want) expect_bad(role, s, strlen(s), want)
#define TS_HEAD "{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"2030-01-01T00:00:00Z\","
#define TS_META "\"meta\":{\"snapshot\":{\"hashes\":{\"sha256\":\"AA==\"},\"length\":1}}"

static void test_garbage(void **state)
{
	sign_buf b = SIGN_BUF_INIT;
	size_t i;
	signp_tuf_file *f = NULL;
	char *deep;
	(void)state;

	/* the minimal good timestamp, as a baseline */
	assert_int_equal(parse_str(&f, "timestamp",
				 TS_HEAD TS_META ",\"version\":1},\"signatures\":[]}", NULL),
		SIGN_OK);
	signp_tuf_file_free(f);
	/* integral real version accepted */
	assert_int_equal(parse_str(&f, "timestamp",
				 TS_HEAD TS_META ",\"version\":2.0},\"signatures\":[]}", NULL),
		SIGN_OK);
	assert_int_equal(f->version, 2);
	signp_tuf_file_free(f);

	BAD("timestamp", "", "invalid JSON");
	BAD("timestamp", "not json", "invalid JSON");
	BAD("timestamp", "null", NULL);
	BAD("timestamp", "[]", "not a JSON object");
	BAD("timestamp", "{}", "missing signed");
	BAD("timestamp", "{\"signed\":[],\"signatures\":[]}", "missing signed");
	BAD("timestamp", "{\"signed\":{},\"signatures\":{}}", "missing signatures");
	BAD("timestamp", "{\"signed\":{},\"signatures\":[]}", "missing _type");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":1},\"signatures\":[]} x", "invalid JSON");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":1},\"signatures\":[1]}", "signature");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":1},\"signatures\":[{\"keyid\":\"a\"}]}",
		"signature");
	BAD("timestamp",
		TS_HEAD TS_META ",\"version\":1},\"signatures\":[{\"keyid\":1,\"method\":\"e\","
				"\"sig\":\"\"}]}",
		"signature");
	BAD("timestamp", TS_HEAD TS_META "},\"signatures\":[]}", "version");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":0},\"signatures\":[]}", "version");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":-3},\"signatures\":[]}", "version");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":\"1\"},\"signatures\":[]}", "version");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":1.5},\"signatures\":[]}", "version");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":99999999999999999999},\"signatures\":[]}",
		"invalid JSON");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":1e300},\"signatures\":[]}", "version");
	BAD("timestamp", TS_HEAD TS_META ",\"version\":true},\"signatures\":[]}", "version");
	BAD("timestamp",
		"{\"signed\":{\"_type\":\"Timestamp\"," TS_META ",\"version\":1},\"signatures\":[]}",
		"timestamp: malformed metadata: missing expires");
	BAD("timestamp",
		"{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"tomorrow\"," TS_META
		",\"version\":1},\"signatures\":[]}",
		"expires");
	BAD("timestamp",
		"{\"signed\":{\"_type\":\"Timestamp\",\"expires\":5," TS_META
		",\"version\":1},\"signatures\":[]}",
		"expires");
	BAD("timestamp", TS_HEAD "\"version\":1},\"signatures\":[]}", "meta");
	BAD("timestamp",
		TS_HEAD "\"meta\":{\"snapshot\":{\"hashes\":{\"sha512\":\"AA==\"}}},\"version\":1},"
			"\"signatures\":[]}",
		"sha256");
	/* wrong _type for the role, and bad role names */
	BAD("snapshot", TS_HEAD TS_META ",\"version\":1},\"signatures\":[]}", "_type");
	BAD("targets", TS_HEAD TS_META ",\"version\":1},\"signatures\":[]}", "_type");
	BAD("timestamp",
		"{\"signed\":{\"_type\":\"timestamp\",\"expires\":\"2030-01-01T00:00:00Z\"," TS_META
		",\"version\":1},\"signatures\":[]}",
		"_type");
	BAD("bogus", TS_HEAD TS_META ",\"version\":1},\"signatures\":[]}", "role");
	BAD("targetsx", TS_HEAD TS_META ",\"version\":1},\"signatures\":[]}", "role");
	BAD(NULL, TS_HEAD TS_META ",\"version\":1},\"signatures\":[]}", NULL);
	/* NUL byte inside */
	{
		static const char nul[] = "{\"signed\":{\"_type\":\"Time\0stamp\"}}";
		expect_bad("timestamp", nul, sizeof(nul) - 1, NULL);
	}
	/* role-specific structure */
	BAD("snapshot",
		"{\"signed\":{\"_type\":\"Snapshot\",\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{"
		"\"root\":{\"hashes\":{\"sha256\":\"AA==\"}}},\"version\":1},\"signatures\":[]}",
		"targets");
	BAD("targets",
		"{\"signed\":{\"_type\":\"Targets\",\"expires\":\"2030-01-01T00:00:00Z\","
		"\"version\":1},\"signatures\":[]}",
		"targets");
	BAD("targets",
		"{\"signed\":{\"_type\":\"Targets\",\"expires\":\"2030-01-01T00:00:00Z\","
		"\"targets\":{},\"delegations\":{\"keys\":{}},\"version\":1},\"signatures\":[]}",
		"delegations");
	BAD("targets/x",
		"{\"signed\":{\"_type\":\"Targets\",\"expires\":\"2030-01-01T00:00:00Z\","
		"\"targets\":{},\"delegations\":{\"keys\":{},\"roles\":[{\"name\":\"targets/x/y\","
		"\"keyids\":[],\"threshold\":0}]},\"version\":1},\"signatures\":[]}",
		"threshold");
	BAD("root",
		"{\"signed\":{\"_type\":\"Root\",\"expires\":\"2030-01-01T00:00:00Z\",\"keys\":{},"
		"\"roles\":{},\"version\":1},\"signatures\":[]}",
		"role root");
	BAD("root",
		"{\"signed\":{\"_type\":\"Root\",\"expires\":\"2030-01-01T00:00:00Z\",\"keys\":{\"a\":"
		"{\"keytype\":\"ecdsa\"}},\"roles\":{},\"version\":1},\"signatures\":[]}",
		"key");

	/* every truncation of a real file fails cleanly */
	read_vec(&b, "c1_targets.v4.json");
	for (i = 0; i < b.size; i++) {
		signp_tuf_file *g = NULL;
		assert_int_not_equal(signp_tuf_parse(&g, "targets", b.ptr, i, NULL), SIGN_OK);
		assert_null(g);
	}
	/* the root file loaded under another role */
	signp_buf_clear(&b);
	read_vec(&b, "c1_root.v1.json");
	expect_bad("targets", b.ptr, b.size, "wrong _type");
	/* size bound is checked before anything is read */
	expect_bad("targets", b.ptr, (size_t)SIGN_MAX_METADATA + 1, "too large");
	sign_buf_dispose(&b);

	/* deep nesting */
	deep = malloc(20001);
	assert_non_null(deep);
	memset(deep, '[', 10000);
	memset(deep + 10000, ']', 10000);
	deep[20000] = '\0';
	BAD("targets", deep, NULL);
	free(deep);
}

static void test_garbage_keys_sigs(void **state)
{
	static const char *const bad_keys[] = {
		"{}",
		"{\"keytype\":\"ecdsa\"}",
		"{\"keytype\":\"ecdsa\",\"keyval\":{\"public\":\"!!\"}}",
		"{\"keytype\":\"ecdsa\",\"keyval\":{\"public\":\"AAAA\"}}",
		"{\"keytype\":\"ed25519\",\"keyval\":{\"public\":\"AAAA\"}}",
		"{\"keytype\":\"ecdsa-x509\",\"keyval\":{\"public\":\"AAAA\"}}",
		"{\"keytype\":\"weird\",\"keyval\":{\"public\":\"AAAA\"}}",
		/* an ed25519 key labelled ecdsa */
		"{\"keytype\":\"ecdsa\",\"keyval\":{\"public\":"
		"\"tcElQLhMPXiYwkSd84bdDu2ct9r+hTEHZAwZcH9ChVI=\"}}",
		/* a P-256 SPKI labelled rsa */
		"{\"keytype\":\"rsa\",\"keyval\":{\"public\":\"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"
		"ZWD5j01VKSsq5eQnJCVIwu9cMM2aOUW4zxyZN89ghEovzx9l0jUkl8YAIL2vVWL8Zhf2vkBgIAvNqr8HxCJTKw==\"}}",
		/* SPKI with trailing bytes */
		"{\"keytype\":\"ecdsa\",\"keyval\":{\"public\":\"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"
		"ZWD5j01VKSsq5eQnJCVIwu9cMM2aOUW4zxyZN89ghEovzx9l0jUkl8YAIL2vVWL8Zhf2vkBgIAvNqr8HxCJTKwAA\"}}",
	};
	size_t i;
	EVP_PKEY *pk = NULL, *k;
	unsigned char junk[64] = { 1 };
	(void)state;
	for (i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		json_t *o = json_loads(bad_keys[i], 0, NULL);
		sign_error err = { 0 };
		assert_non_null(o);
		if (signp_tuf_key_pkey(&pk, o, &err) == SIGN_OK)
			fail_msg("accepted key %s", bad_keys[i]);
		assert_null(pk);
		assert_true(err.message[0] != '\0');
		json_decref(o);
	}
	assert_int_not_equal(signp_tuf_key_pkey(&pk, NULL, NULL), SIGN_OK);
	k = gen_p256();
	assert_int_equal(signp_tuf_sig_check(k, "ecdsa", "x", 1, junk, 64), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(k, "ecdsa", "x", 1, junk, 63), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(k, "ecdsa", "x", 1, junk, 0), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(k, "eddsa", "x", 1, junk, 64), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(k, "rsapss", "x", 1, junk, 64), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(k, NULL, "x", 1, junk, 64), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(NULL, "ecdsa", "x", 1, junk, 64), SIGN_EVERIFY);
	memset(junk, 0, sizeof(junk));
	assert_int_equal(signp_tuf_sig_check(k, "ecdsa", "x", 1, junk, 64), SIGN_EVERIFY);
	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(signp_tuf_sig_check(k, "ecdsa", "x", 1, junk, 64), SIGN_EVERIFY);
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserialize_all),
		cmocka_unit_test(test_file_dup),
		cmocka_unit_test(test_verify_c1),
		cmocka_unit_test(test_verify_c2),
		cmocka_unit_test(test_keyids),
		cmocka_unit_test(test_hash_chain),
		cmocka_unit_test(test_filemeta),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_small_rsa_refused),
		cmocka_unit_test(test_root_check_vectors),
		cmocka_unit_test(test_root_check_structure),
		cmocka_unit_test(test_root_check_generated),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_garbage_keys_sigs),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

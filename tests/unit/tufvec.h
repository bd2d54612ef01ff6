/*
 * tufvec.h - what the TUF unit tests share (test_tuf.c, test_tuf_root.c,
 * test_tuf_garbage.c): the notary vectors of $VECTORS/notary (default
 * tests/vectors), and small helpers to read, parse, edit and re-sign them.
 * Static helpers in a header: each test program includes it once.
 */
#ifndef SIGN_TEST_TUFVEC_H
#define SIGN_TEST_TUFVEC_H

#define TV_UNUSED __attribute__((unused))

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

static TV_UNUSED const struct vec all_vecs[] = {
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

static TV_UNUSED void read_vec(sign_buf *b, const char *name)
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

static TV_UNUSED signp_tuf_file *load_vec(const char *role, const char *name)
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

static TV_UNUSED int parse_str(signp_tuf_file **f, const char *role, const char *s, sign_error *err)
{
	return signp_tuf_parse(f, role, s, strlen(s), err);
}

static TV_UNUSED const json_t *root_role(const signp_tuf_file *root, const char *role)
{
	return json_object_get(json_object_get(root->signed_obj, "roles"), role);
}

static TV_UNUSED const json_t *root_keys(const signp_tuf_file *root)
{
	return json_object_get(root->signed_obj, "keys");
}

static TV_UNUSED int64_t role_threshold(const json_t *r)
{
	return (int64_t)json_integer_value(json_object_get(r, "threshold"));
}

/* Verify f with the root's keys for base role `role`. */
static TV_UNUSED int verify_with_root(const signp_tuf_file *f, const signp_tuf_file *root,
	const char *role, sign_error *err)
{
	const json_t *r = root_role(root, role);
	return signp_tuf_verify(f, root_keys(root), json_object_get(r, "keyids"),
		role_threshold(r), err);
}

static TV_UNUSED const json_t *delegation(const signp_tuf_file *parent, const char *name)
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

static TV_UNUSED char *canon_str(const char *json, int *rc)
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
static TV_UNUSED char *replace1(const char *s, size_t len, const char *from, const char *to)
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

static TV_UNUSED EVP_PKEY *gen_p256(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(k);
	return k;
}

/* Self-signed cert for k with the given CN, validity and digest. */
static TV_UNUSED char *make_cert(EVP_PKEY *k, const char *cn, long nb_off, long na_off, const EVP_MD *md)
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

#endif

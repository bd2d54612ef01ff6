/*
 * test_distinct_keys.c - thresholds count distinct public keys, not key
 * IDs (issue 11, "one key meets a threshold of two").
 *
 * One P-256 key can be listed under several TUF key IDs: an "ecdsa" SPKI
 * with its point compressed or uncompressed, or with explicit curve
 * parameters, an "ecdsa-x509" certificate over it, two certificates.  An
 * RSA key likewise bare and as "rsa-x509".  Each test below forges a role
 * that lists one key under two IDs with a threshold of 2 and a file signed
 * by that key under both IDs: it must not verify.  The same with two
 * distinct keys must.  Also: the canonical key ID is the same for every
 * encoding of a key, and unchanged for the keys sign and notary write.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "key.h"
#include "tuf.h"

#define GUN "example.com/distinct/keys"
#define DUP_NOTE "1 more signature(s) by a key already counted under another key ID " \
	"(a threshold counts distinct keys)"

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

static signp_key *new_p256(void)
{
	signp_key *k = NULL;
	sign_error err = { 0 };
	if (signp_key_generate(&k, &err) != SIGN_OK)
		fail_msg("generating a key: %s", err.message);
	return k;
}

/* pk's public key re-encoded by OpenSSL with the given EC point form and
 * parameter encoding (what another tool may write): SPKI DER. */
static void spki_in_form(sign_buf *der, EVP_PKEY *pk, const char *form, const char *enc)
{
	EVP_PKEY *c = EVP_PKEY_dup(pk);
	unsigned char *p = NULL;
	int n;
	assert_non_null(c);
	assert_int_equal(EVP_PKEY_set_utf8_string_param(c, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
				 form), 1);
	assert_int_equal(EVP_PKEY_set_utf8_string_param(c, OSSL_PKEY_PARAM_EC_ENCODING, enc), 1);
	n = i2d_PUBKEY(c, &p);
	assert_true(n > 0);
	signp_buf_clear(der);
	assert_int_equal(signp_buf_put(der, p, (size_t)n), SIGN_OK);
	OPENSSL_free(p);
	EVP_PKEY_free(c);
}

/* An "ecdsa" TUF key object over SPKI DER exactly as given; its key ID. */
static json_t *ecdsa_obj_of(const sign_buf *der, char id[65])
{
	sign_buf b64 = SIGN_BUF_INIT;
	json_t *o;
	assert_int_equal(signp_b64_encode(&b64, der->ptr, der->size), SIGN_OK);
	o = json_pack("{s:s, s:{s:n, s:s}}", "keytype", "ecdsa", "keyval", "private", "public", b64.ptr);
	assert_non_null(o);
	assert_int_equal(signp_tuf_keyid(id, "ecdsa", b64.ptr, NULL), SIGN_OK);
	sign_buf_dispose(&b64);
	return o;
}

static json_t *ecdsa_obj(EVP_PKEY *pk, const char *form, const char *enc, char id[65])
{
	sign_buf der = SIGN_BUF_INIT;
	json_t *o;
	spki_in_form(&der, pk, form, enc);
	o = ecdsa_obj_of(&der, id);
	sign_buf_dispose(&der);
	return o;
}

/* An "ecdsa-x509" / "rsa-x509" key object: a self-signed certificate with
 * CN = GUN over k, valid from not_before (two such with other dates are two
 * certificates, two key IDs, one key). */
static json_t *cert_obj(const signp_key *k, int64_t not_before, char id[65])
{
	sign_buf pem = SIGN_BUF_INIT;
	json_t *o = NULL;
	sign_error err = { 0 };
	if (signp_key_root_cert(&pem, k, GUN, not_before, 3650, &err) != SIGN_OK ||
	    signp_tuf_key_new(&o, id, k->pkey, pem.ptr, &err) != SIGN_OK)
		fail_msg("certificate: %s", err.message);
	sign_buf_dispose(&pem);
	return o;
}

/* The key object sign writes itself. */
static json_t *plain_obj(EVP_PKEY *pk, char id[65])
{
	json_t *o = NULL;
	sign_error err = { 0 };
	if (signp_tuf_key_new(&o, id, pk, NULL, &err) != SIGN_OK)
		fail_msg("key object: %s", err.message);
	return o;
}

/* A targets file whose signed part is s, signed by each signer; parsed. */
static signp_tuf_file *signed_as(const char *role, json_t *s, const signp_tuf_signer *signers,
	size_t n)
{
	sign_buf w = SIGN_BUF_INIT;
	sign_error err = { 0 };
	signp_tuf_file *f = NULL;
	if (signp_tuf_sign(&w, s, signers, n, &err) != SIGN_OK ||
	    signp_tuf_parse(&f, role, w.ptr, w.size, &err) != SIGN_OK)
		fail_msg("signing %s: %s", role, err.message);
	sign_buf_dispose(&w);
	return f;
}

static signp_tuf_file *targets_signed(const signp_tuf_signer *signers, size_t n)
{
	json_t *s = json_pack("{s:s, s:s, s:{}, s:i}", "_type", "Targets", "expires",
		"2030-01-01T00:00:00Z", "targets", "version", 1);
	signp_tuf_file *f = signed_as("targets/releases", s, signers, n);
	json_decref(s);
	return f;
}

/* keys {a: oa, b: ob}, role keyids [a, b], a file signed by ka as a and by
 * kb as b, threshold 2: SIGN_OK when the two are distinct keys, otherwise
 * the threshold message naming why. */
static int two_of_two(json_t *oa, const char *a, EVP_PKEY *ka, json_t *ob, const char *b,
	EVP_PKEY *kb, sign_error *err, int *count)
{
	json_t *keys = json_pack("{s:O, s:O}", a, oa, b, ob);
	json_t *ids = json_pack("[s, s]", a, b);
	signp_tuf_signer s[2] = { { a, ka }, { b, kb } };
	signp_tuf_file *f = targets_signed(s, 2);
	int rc;
	assert_non_null(keys);
	assert_non_null(ids);
	*count = signp_tuf_count_valid(f, keys, ids);
	memset(err, 0, sizeof(*err));
	rc = signp_tuf_verify(f, keys, ids, 2, err);
	/* a threshold of 1 is met either way */
	assert_int_equal(signp_tuf_verify(f, keys, ids, 1, NULL), SIGN_OK);
	signp_tuf_file_free(f);
	json_decref(keys);
	json_decref(ids);
	return rc;
}

static void expect_one_key(json_t *oa, const char *a, json_t *ob, const char *b, EVP_PKEY *k,
	const char *what)
{
	sign_error err;
	int count = -1;
	if (strcmp(a, b) == 0)
		fail_msg("%s: the two encodings have one key ID: not a test", what);
	if (two_of_two(oa, a, k, ob, b, k, &err, &count) != SIGN_EVERIFY)
		fail_msg("%s: one key under two IDs met a threshold of 2", what);
	if (strcmp(err.message, "valid signatures did not meet threshold for targets/releases: "
		    DUP_NOTE) != 0)
		fail_msg("%s: message \"%s\"", what, err.message);
	assert_int_equal(count, 1);
}

/* ---------------------------------------------------------------------- */
/* canonical key IDs                                                       */

/* PEM text of pk's public key in the given form. */
static void pem_in_form(sign_buf *out, EVP_PKEY *pk, const char *form, const char *enc)
{
	sign_buf der = SIGN_BUF_INIT, b64 = SIGN_BUF_INIT;
	spki_in_form(&der, pk, form, enc);
	assert_int_equal(signp_b64_encode(&b64, der.ptr, der.size), SIGN_OK);
	signp_buf_clear(out);
	assert_int_equal(signp_buf_printf(out, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n",
				 b64.ptr), SIGN_OK);
	sign_buf_dispose(&der);
	sign_buf_dispose(&b64);
}

static void test_canonical_id_every_encoding(void **state)
{
	signp_key *k = new_p256(), *p = NULL;
	sign_buf pem = SIGN_BUF_INIT, der = SIGN_BUF_INIT, canon = SIGN_BUF_INIT, cert = SIGN_BUF_INIT;
	sign_error err = { 0 };
	char id[65], cid[65];
	json_t *o;
	static const char *const forms[][2] = {
		{ "compressed", "named_curve" },
		{ "uncompressed", "explicit" },
		{ "compressed", "explicit" },
		{ "hybrid", "named_curve" },
	};
	(void)state;

	/* sign's own keys keep their IDs: the canonical ID of a generated key
	 * is the TUF ID of its SPKI as OpenSSL writes it (uncompressed) */
	spki_in_form(&der, k->pkey, "uncompressed", "named_curve");
	o = ecdsa_obj_of(&der, id);
	assert_string_equal(id, k->id);
	json_decref(o);
	assert_int_equal(signp_key_spki_der(&canon, k->pkey, &err), SIGN_OK);
	assert_int_equal(canon.size, der.size);
	assert_memory_equal(canon.ptr, der.ptr, der.size);
	assert_int_equal(canon.size, 91);
	assert_int_equal((unsigned char)canon.ptr[26], 0x04);

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		sign_buf again = SIGN_BUF_INIT;
		/* the key read from that encoding: same canonical ID and SPKI */
		pem_in_form(&pem, k->pkey, forms[i][0], forms[i][1]);
		if (signp_key_parse(&p, pem.ptr, pem.size, NULL, 0, &err) != SIGN_OK)
			fail_msg("%s/%s: %s", forms[i][0], forms[i][1], err.message);
		assert_string_equal(p->id, k->id);
		{
			/* encoding canonically leaves the caller's key as it was */
			unsigned char *before = NULL, *after = NULL;
			int nb = i2d_PUBKEY(p->pkey, &before), na;
			assert_true(nb > 0);
			assert_true(nb != (int)canon.size || memcmp(before, canon.ptr, canon.size) != 0);
			assert_int_equal(signp_key_spki_der(&again, p->pkey, &err), SIGN_OK);
			na = i2d_PUBKEY(p->pkey, &after);
			assert_int_equal(na, nb);
			assert_memory_equal(after, before, (size_t)nb);
			OPENSSL_free(before);
			OPENSSL_free(after);
		}
		assert_int_equal(again.size, canon.size);
		assert_memory_equal(again.ptr, canon.ptr, canon.size);
		/* sign's key object for it is the canonical one */
		o = plain_obj(p->pkey, id);
		assert_string_equal(id, k->id);
		json_decref(o);
		/* the key object as the other tool wrote it: another TUF ID,
		 * the same canonical ID */
		o = ecdsa_obj(k->pkey, forms[i][0], forms[i][1], id);
		assert_string_not_equal(id, k->id);
		assert_int_equal(signp_tuf_key_canonical_id(cid, o, &err), SIGN_OK);
		assert_string_equal(cid, k->id);
		json_decref(o);
		signp_key_free(p);
		p = NULL;
		sign_buf_dispose(&again);
	}

	/* a certificate over the key: its own TUF ID, the key's canonical ID */
	assert_int_equal(signp_key_root_cert(&cert, k, GUN, signp_now(), 3650, &err), SIGN_OK);
	assert_int_equal(signp_key_parse(&p, cert.ptr, cert.size, NULL, 0, &err), SIGN_OK);
	assert_string_equal(p->id, k->id);
	signp_key_free(p);
	o = cert_obj(k, signp_now(), id);
	assert_string_not_equal(id, k->id);
	assert_int_equal(signp_tuf_key_canonical_id(cid, o, &err), SIGN_OK);
	assert_string_equal(cid, k->id);
	json_decref(o);

	/* another curve takes OpenSSL's encoder: the same rule holds */
	{
		EVP_PKEY *p384 = EVP_EC_gen("secp384r1");
		char want[65];
		assert_non_null(p384);
		assert_int_equal(signp_key_canonical_id(want, p384, &err), SIGN_OK);
		for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
			pem_in_form(&pem, p384, forms[i][0], forms[i][1]);
			if (signp_key_parse(&p, pem.ptr, pem.size, NULL, 0, &err) != SIGN_OK)
				fail_msg("P-384 %s/%s: %s", forms[i][0], forms[i][1], err.message);
			assert_string_equal(p->id, want);
			o = ecdsa_obj(p384, forms[i][0], forms[i][1], id);
			assert_string_not_equal(id, want);
			assert_int_equal(signp_tuf_key_canonical_id(cid, o, &err), SIGN_OK);
			assert_string_equal(cid, want);
			json_decref(o);
			signp_key_free(p);
			p = NULL;
		}
		spki_in_form(&der, p384, "uncompressed", "named_curve");
		o = ecdsa_obj_of(&der, id);
		assert_string_equal(id, want);
		json_decref(o);
		EVP_PKEY_free(p384);
	}

	/* a key object that holds no key has no canonical ID */
	o = json_pack("{s:s, s:{s:n, s:s}}", "keytype", "ecdsa", "keyval", "private", "public", "AAAA");
	assert_int_not_equal(signp_tuf_key_canonical_id(cid, o, NULL), SIGN_OK);
	json_decref(o);

	signp_key_free(k);
	sign_buf_dispose(&pem);
	sign_buf_dispose(&der);
	sign_buf_dispose(&canon);
	sign_buf_dispose(&cert);
}

/* notary's own keys keep their IDs: every bare key of the vectors has, as
 * canonical ID, the ID its metadata lists it under. */
static void test_notary_vector_ids_unchanged(void **state)
{
	static const char *const files[][2] = {
		{ "c1_root.v1.json", "root" },
		{ "c1_targets.v4.json", "targets" },
		{ "c2_root.v3_rotated.json", "root" },
	};
	const char *dir = getenv("VECTORS");
	size_t nbare = 0;
	(void)state;
	if (dir == NULL || *dir == '\0')
		dir = "tests/vectors";
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[1024];
		sign_buf b = SIGN_BUF_INIT;
		signp_tuf_file *f = NULL;
		sign_error err = { 0 };
		const json_t *keys;
		const char *id;
		json_t *o;
		snprintf(path, sizeof(path), "%s/notary/%s", dir, files[i][0]);
		if (signp_read_file(&b, path, SIGN_MAX_METADATA, &err) != SIGN_OK ||
		    signp_tuf_parse(&f, files[i][1], b.ptr, b.size, &err) != SIGN_OK)
			fail_msg("%s: %s (set VECTORS)", path, err.message);
		keys = json_object_get(f->signed_obj, "keys");
		if (keys == NULL)
			keys = json_object_get(json_object_get(f->signed_obj, "delegations"), "keys");
		json_object_foreach((json_t *)keys, id, o) {
			const char *kt = json_string_value(json_object_get(o, "keytype"));
			char cid[65];
			if (kt == NULL || strcmp(kt, "ecdsa") != 0)
				continue;
			assert_int_equal(signp_tuf_key_canonical_id(cid, o, &err), SIGN_OK);
			assert_string_equal(cid, id);
			nbare++;
		}
		signp_tuf_file_free(f);
		sign_buf_dispose(&b);
	}
	assert_true(nbare >= 2);
}

static void test_distinct_keys_count(void **state)
{
	signp_key *k = new_p256(), *k2 = new_p256();
	char u[65], c[65], x[65], o2[65], a[65], b[65];
	json_t *keys = json_object(), *ids;
	json_t *o;
	(void)state;
	o = plain_obj(k->pkey, u);
	json_object_set_new(keys, u, o);
	o = ecdsa_obj(k->pkey, "compressed", "named_curve", c);
	json_object_set_new(keys, c, o);
	o = cert_obj(k, signp_now(), x);
	json_object_set_new(keys, x, o);
	o = plain_obj(k2->pkey, o2);
	json_object_set_new(keys, o2, o);
	ids = json_pack("[s, s]", u, o2);
	assert_int_equal(signp_tuf_distinct_keys(keys, ids, a, b), 2);
	assert_string_equal(a, "");
	json_decref(ids);
	ids = json_pack("[s, s, s, s, s]", u, o2, c, x, "no-such-key");
	assert_int_equal(signp_tuf_distinct_keys(keys, ids, a, b), 3);
	assert_string_equal(a, u);
	assert_string_equal(b, c);
	assert_int_equal(signp_tuf_distinct_keys(keys, ids, NULL, NULL), 3);
	json_decref(ids);
	json_decref(keys);
	signp_key_free(k);
	signp_key_free(k2);
}

/* ---------------------------------------------------------------------- */
/* thresholds over TUF metadata                                            */

static void test_threshold_one_p256_key_twice(void **state)
{
	signp_key *k = new_p256(), *k2 = new_p256();
	char u[65], c[65], e[65], x1[65], x2[65], o2[65];
	json_t *ou = plain_obj(k->pkey, u);
	json_t *oc = ecdsa_obj(k->pkey, "compressed", "named_curve", c);
	json_t *oe = ecdsa_obj(k->pkey, "uncompressed", "explicit", e);
	json_t *ox1 = cert_obj(k, signp_now() - 3600, x1);
	json_t *ox2 = cert_obj(k, signp_now() - 7200, x2);
	json_t *oc2 = ecdsa_obj(k2->pkey, "compressed", "named_curve", o2);
	sign_error err;
	int count;
	(void)state;

	expect_one_key(ou, u, oc, c, k->pkey, "compressed and uncompressed SPKI");
	expect_one_key(oc, c, ou, u, k->pkey, "uncompressed and compressed SPKI");
	expect_one_key(ou, u, oe, e, k->pkey, "named curve and explicit parameters");
	expect_one_key(ou, u, ox1, x1, k->pkey, "a bare key and a certificate over it");
	expect_one_key(ox1, x1, oc, c, k->pkey, "a certificate and the compressed key");
	expect_one_key(ox1, x1, ox2, x2, k->pkey, "two certificates over one key");

	/* two distinct keys (one of them compressed) do meet it */
	assert_int_equal(two_of_two(ou, u, k->pkey, oc2, o2, k2->pkey, &err, &count), SIGN_OK);
	assert_int_equal(count, 2);
	assert_int_equal(two_of_two(ox1, x1, k->pkey, oc2, o2, k2->pkey, &err, &count), SIGN_OK);

	/* the same key under both IDs plus a second key: two, not three */
	{
		json_t *keys = json_pack("{s:O, s:O, s:O}", u, ou, c, oc, o2, oc2);
		json_t *ids = json_pack("[s, s, s]", u, c, o2);
		signp_tuf_signer s[3] = { { u, k->pkey }, { c, k->pkey }, { o2, k2->pkey } };
		signp_tuf_file *f = targets_signed(s, 3);
		assert_int_equal(signp_tuf_count_valid(f, keys, ids), 2);
		assert_int_equal(signp_tuf_verify(f, keys, ids, 2, NULL), SIGN_OK);
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_tuf_verify(f, keys, ids, 3, &err), SIGN_EVERIFY);
		assert_non_null(strstr(err.message, "did not meet threshold for targets/releases"));
		assert_non_null(strstr(err.message, DUP_NOTE));
		signp_tuf_file_free(f);
		json_decref(keys);
		json_decref(ids);
	}
	json_decref(ou);
	json_decref(oc);
	json_decref(oe);
	json_decref(ox1);
	json_decref(ox2);
	json_decref(oc2);
	signp_key_free(k);
	signp_key_free(k2);
}

static void test_threshold_one_rsa_key_twice(void **state)
{
	EVP_PKEY *rsa = EVP_RSA_gen(2048), *rsa2 = EVP_RSA_gen(2048);
	signp_key *k = NULL;
	char r[65], x[65], r2[65];
	json_t *or, *ox, *or2;
	sign_error err;
	int count;
	(void)state;
	assert_non_null(rsa);
	assert_non_null(rsa2);
	assert_int_equal(signp_key_wrap(&k, rsa, 1, NULL), SIGN_OK);
	or = plain_obj(k->pkey, r);
	ox = cert_obj(k, signp_now(), x);
	or2 = plain_obj(rsa2, r2);
	assert_string_equal(json_string_value(json_object_get(ox, "keytype")), "rsa-x509");
	expect_one_key(or, r, ox, x, k->pkey, "an RSA key bare and as a certificate");
	assert_int_equal(two_of_two(ox, x, k->pkey, or2, r2, rsa2, &err, &count), SIGN_OK);
	assert_int_equal(count, 2);
	json_decref(or);
	json_decref(ox);
	json_decref(or2);
	signp_key_free(k);
	EVP_PKEY_free(rsa2);
}

/* ---------------------------------------------------------------------- */
/* roots and root rotations                                                */

/* A root signed part: root role [r1, r2] threshold 2 (keys or1, or2), the
 * other roles one plain key. */
static json_t *root_signed(const char *r1, json_t *or1, const char *r2, json_t *or2, int version)
{
	signp_key *t = new_p256();
	char tid[65];
	json_t *ot = plain_obj(t->pkey, tid);
	json_t *s = json_pack("{s:s, s:s, s:b, s:{s:O, s:O, s:o}, s:{s:{s:[s, s], s:i}, s:{s:[s], s:i}, "
		"s:{s:[s], s:i}, s:{s:[s], s:i}}, s:i}",
		"_type", "Root", "expires", "2030-01-01T00:00:00Z", "consistent_snapshot", 0,
		"keys", r1, or1, r2, or2, tid, ot,
		"roles", "root", "keyids", r1, r2, "threshold", 2,
		"targets", "keyids", tid, "threshold", 1,
		"snapshot", "keyids", tid, "threshold", 1,
		"timestamp", "keyids", tid, "threshold", 1,
		"version", version);
	assert_non_null(s);
	signp_key_free(t);
	return s;
}

static void test_root_one_key_twice(void **state)
{
	signp_key *k = new_p256(), *k2 = new_p256();
	char x1[65], x2[65], y[65];
	json_t *ox1 = cert_obj(k, signp_now() - 3600, x1);
	json_t *ox2 = cert_obj(k, signp_now() - 7200, x2);
	json_t *oy = cert_obj(k2, signp_now() - 3600, y);
	json_t *s;
	signp_tuf_file *root;
	sign_error err = { 0 };
	(void)state;

	/* root role: two certificates over one key, threshold 2, signed by
	 * that key under both IDs */
	s = root_signed(x1, ox1, x2, ox2, 1);
	{
		signp_tuf_signer sg[2] = { { x1, k->pkey }, { x2, k->pkey } };
		root = signed_as("root", s, sg, 2);
	}
	assert_int_equal(signp_tuf_root_check(root, GUN, signp_now(), 1, &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "valid signatures did not meet threshold for root: " DUP_NOTE);
	signp_tuf_file_free(root);
	json_decref(s);

	/* two keys: accepted */
	s = root_signed(x1, ox1, y, oy, 1);
	{
		signp_tuf_signer sg[2] = { { x1, k->pkey }, { y, k2->pkey } };
		root = signed_as("root", s, sg, 2);
	}
	memset(&err, 0, sizeof(err));
	if (signp_tuf_root_check(root, GUN, signp_now(), 1, &err) != SIGN_OK)
		fail_msg("two root keys: %s", err.message);
	signp_tuf_file_free(root);
	json_decref(s);

	signp_key_free(k);
	signp_key_free(k2);
	json_decref(ox1);
	json_decref(ox2);
	json_decref(oy);
}

static void test_rotation_one_key_twice(void **state)
{
	signp_key *k = new_p256(), *k2 = new_p256(), *k3 = new_p256();
	char x1[65], x2[65], y[65], z[65];
	json_t *ox1 = cert_obj(k, signp_now() - 3600, x1);
	json_t *ox2 = cert_obj(k, signp_now() - 7200, x2);
	json_t *oy = cert_obj(k2, signp_now() - 3600, y);
	json_t *oz = cert_obj(k3, signp_now() - 3600, z);
	json_t *s1, *s2;
	signp_tuf_file *prev, *next;
	sign_error err = { 0 };
	(void)state;

	/* the trusted root lists one key twice with threshold 2 (a root an
	 * older verifier may hold); the new root, signed by that key under
	 * both IDs, meets its own threshold with k and k3 but not the old
	 * root's: one key is one of the two signatures it needs */
	s1 = root_signed(x1, ox1, x2, ox2, 1);
	prev = signed_as("root", s1, (signp_tuf_signer[]){ { x1, k->pkey }, { x2, k->pkey } }, 2);
	s2 = root_signed(x1, ox1, z, oz, 2);
	json_object_set(json_object_get(s2, "keys"), x2, ox2);
	next = signed_as("root", s2,
		(signp_tuf_signer[]){ { x1, k->pkey }, { x2, k->pkey }, { z, k3->pkey } }, 3);
	assert_int_equal(signp_tuf_verify(next, json_object_get(s2, "keys"),
				 json_object_get(json_object_get(json_object_get(s2, "roles"), "root"), "keyids"),
				 2, NULL),
		SIGN_OK);
	assert_int_equal(signp_tuf_root_rotation_check(prev, next, &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "root rotation: new root version 2 is not signed by the trusted "
		"root keys of version 1: " DUP_NOTE);
	signp_tuf_file_free(prev);
	signp_tuf_file_free(next);
	json_decref(s1);
	json_decref(s2);

	/* the same rotation from a root with two distinct keys: accepted */
	s1 = root_signed(x1, ox1, y, oy, 1);
	prev = signed_as("root", s1, (signp_tuf_signer[]){ { x1, k->pkey }, { y, k2->pkey } }, 2);
	s2 = root_signed(x1, ox1, z, oz, 2);
	next = signed_as("root", s2,
		(signp_tuf_signer[]){ { x1, k->pkey }, { y, k2->pkey }, { z, k3->pkey } }, 3);
	memset(&err, 0, sizeof(err));
	if (signp_tuf_root_rotation_check(prev, next, &err) != SIGN_OK)
		fail_msg("rotation from two keys: %s", err.message);
	/* and without k2's signature it is one of two again */
	signp_tuf_file_free(next);
	next = signed_as("root", s2,
		(signp_tuf_signer[]){ { x1, k->pkey }, { x2, k->pkey }, { z, k3->pkey } }, 3);
	assert_int_equal(signp_tuf_root_rotation_check(prev, next, NULL), SIGN_EVERIFY);
	signp_tuf_file_free(prev);
	signp_tuf_file_free(next);
	json_decref(s1);
	json_decref(s2);

	signp_key_free(k);
	signp_key_free(k2);
	signp_key_free(k3);
	json_decref(ox1);
	json_decref(ox2);
	json_decref(oy);
	json_decref(oz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_id_every_encoding),
		cmocka_unit_test(test_notary_vector_ids_unchanged),
		cmocka_unit_test(test_distinct_keys_count),
		cmocka_unit_test(test_threshold_one_p256_key_twice),
		cmocka_unit_test(test_threshold_one_rsa_key_twice),
		cmocka_unit_test(test_root_one_key_twice),
		cmocka_unit_test(test_rotation_one_key_twice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_merkle.c - RFC 6962 / 9162 inclusion proofs (merkle.c): every case
 * of transparency-dev/merkle's inclusion vectors (tests/vectors/merkle/,
 * accepted or refused as they say), proofs made here by RFC 6962's own
 * recursive definition for every leaf of trees up to 33 leaves, and the
 * messages of the refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "merkle.h"

static const char *vectors(void)
{
	const char *v = getenv("VECTORS");
	return (v && *v) ? v : "tests/vectors";
}

static void b64(sign_buf *out, const char *s)
{
	signp_buf_clear(out);
	if (s != NULL && *s != '\0')
		assert_int_equal(signp_b64_decode(out, s, strlen(s)), SIGN_OK);
}

/* A member that is an unsigned 64-bit number (up to 2^64 - 1, which
 * jansson's signed integers cannot hold): read from the text. */
static uint64_t num(const char *path, const char *member)
{
	sign_buf text = SIGN_BUF_INIT, key = SIGN_BUF_INIT;
	const char *p;
	uint64_t v;
	assert_int_equal(signp_read_file(&text, path, 1u << 20, NULL), SIGN_OK);
	assert_int_equal(signp_buf_printf(&key, "\"%s\":", member), SIGN_OK);
	p = strstr(text.ptr, key.ptr);
	assert_non_null(p);
	p += key.size;
	while (*p == ' ')
		p++;
	v = (uint64_t)strtoull(p, NULL, 10);
	sign_buf_dispose(&text);
	sign_buf_dispose(&key);
	return v;
}

/* One vector file: 1 when it passed as it says, 0 otherwise. */
static int run_vector(const char *path, int *want_err)
{
	json_error_t je;
	json_t *doc = json_load_file(path, JSON_DECODE_INT_AS_REAL, &je), *p;
	sign_buf leaf = SIGN_BUF_INIT, root = SIGN_BUF_INIT, proof[SIGNP_MERKLE_MAX_PROOF + 8];
	size_t n = 0, i;
	sign_error err;
	int r;
	if (doc == NULL)
		fail_msg("%s: %s", path, je.text);
	memset(&err, 0, sizeof(err));
	b64(&leaf, json_string_value(json_object_get(doc, "leafHash")));
	b64(&root, json_string_value(json_object_get(doc, "root")));
	json_array_foreach(json_object_get(doc, "proof"), i, p) {
		assert_true(n < sizeof(proof) / sizeof(proof[0]));
		memset(&proof[n], 0, sizeof(proof[n]));
		b64(&proof[n++], json_string_value(p));
	}
	r = signp_merkle_verify_inclusion(num(path, "leafIdx"), num(path, "treeSize"), &leaf, proof, n, &root,
		&err);
	*want_err = json_is_true(json_object_get(doc, "wantErr"));
	if (r != SIGN_OK)
		assert_true(err.message[0] != '\0'); /* a refusal says why */
	for (i = 0; i < n; i++)
		sign_buf_dispose(&proof[i]);
	sign_buf_dispose(&leaf);
	sign_buf_dispose(&root);
	json_decref(doc);
	return (r == SIGN_OK) != *want_err;
}

static void test_vectors(void **state)
{
	char dir[1024];
	DIR *top, *d;
	struct dirent *e, *f;
	int total = 0, accepted = 0;
	(void)state;
	snprintf(dir, sizeof(dir), "%s/merkle/inclusion", vectors());
	top = opendir(dir);
	assert_non_null(top);
	while ((e = readdir(top)) != NULL) {
		char sub[1300];
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		if ((d = opendir(sub)) == NULL)
			continue;
		while ((f = readdir(d)) != NULL) {
			char path[1600];
			int want_err;
			if (strstr(f->d_name, ".json") == NULL)
				continue;
			snprintf(path, sizeof(path), "%s/%s", sub, f->d_name);
			if (!run_vector(path, &want_err))
				fail_msg("%s: %s", path, want_err ? "accepted, should fail" : "refused, should pass");
			total++;
			accepted += !want_err;
		}
		closedir(d);
	}
	closedir(top);
	assert_int_equal(total, 94);    /* every case of the copied set */
	assert_int_equal(accepted, 6);  /* its happy paths */
}

/* ---- proofs by RFC 6962's definitions (2.1 and 2.1.1) ---- */

static void node(unsigned char out[32], const unsigned char l[32], const unsigned char r[32])
{
	unsigned char buf[65];
	unsigned int n;
	buf[0] = 0x01;
	memcpy(buf + 1, l, 32);
	memcpy(buf + 33, r, 32);
	assert_int_equal(EVP_Digest(buf, sizeof(buf), out, &n, EVP_sha256(), NULL), 1);
}

/* the largest power of two smaller than n */
static size_t split(size_t n)
{
	size_t k = 1;
	while (k << 1 < n)
		k <<= 1;
	return k;
}

static void mth(unsigned char out[32], unsigned char (*leaves)[32], size_t n)
{
	unsigned char a[32], b[32];
	size_t k;
	if (n == 1) {
		memcpy(out, leaves[0], 32);
		return;
	}
	k = split(n);
	mth(a, leaves, k);
	mth(b, leaves + k, n - k);
	node(out, a, b);
}

/* PATH(m, D[n]) into out[*np] */
static void path(sign_buf *out, size_t *np, size_t m, unsigned char (*leaves)[32], size_t n)
{
	unsigned char h[32];
	size_t k;
	if (n == 1)
		return;
	k = split(n);
	if (m < k) {
		path(out, np, m, leaves, k);
		mth(h, leaves + k, n - k);
	} else {
		path(out, np, m - k, leaves + k, n - k);
		mth(h, leaves, k);
	}
	memset(&out[*np], 0, sizeof(out[*np]));
	assert_int_equal(signp_buf_put(&out[*np], h, 32), SIGN_OK);
	(*np)++;
}

static void test_reference_trees(void **state)
{
	unsigned char leaves[33][32], rh[32];
	(void)state;
	for (size_t i = 0; i < 33; i++) {
		char d[16];
		snprintf(d, sizeof(d), "entry %zu", i);
		signp_merkle_leaf_hash(leaves[i], d, strlen(d));
	}
	for (size_t n = 1; n <= 33; n++) {
		sign_buf root = SIGN_BUF_INIT;
		mth(rh, leaves, n);
		assert_int_equal(signp_buf_put(&root, rh, 32), SIGN_OK);
		for (size_t m = 0; m < n; m++) {
			sign_buf proof[SIGNP_MERKLE_MAX_PROOF], leaf = SIGN_BUF_INIT;
			size_t np = 0;
			sign_error err;
			memset(&err, 0, sizeof(err));
			path(proof, &np, m, leaves, n);
			assert_int_equal(signp_buf_put(&leaf, leaves[m], 32), SIGN_OK);
			if (signp_merkle_verify_inclusion(m, n, &leaf, proof, np, &root, &err) != SIGN_OK)
				fail_msg("leaf %zu of %zu: %s", m, n, err.message);
			/* another leaf's place, or a proof a hash short, never verifies */
			if (n > 1)
				assert_int_equal(signp_merkle_verify_inclusion((m + 1) % n, n, &leaf, proof, np, &root,
							 &err), SIGN_EVERIFY);
			if (np > 0)
				assert_int_equal(signp_merkle_verify_inclusion(m, n, &leaf, proof, np - 1, &root, &err),
					SIGN_EVERIFY);
			for (size_t i = 0; i < np; i++)
				sign_buf_dispose(&proof[i]);
			sign_buf_dispose(&leaf);
		}
		sign_buf_dispose(&root);
	}
}

static void test_messages(void **state)
{
	unsigned char l[32];
	sign_buf leaf = SIGN_BUF_INIT, root = SIGN_BUF_INIT, shortroot = SIGN_BUF_INIT, proof[2];
	sign_error err;
	(void)state;
	memset(proof, 0, sizeof(proof));
	signp_merkle_leaf_hash(l, "a", 1);
	assert_int_equal(signp_buf_put(&leaf, l, 32), SIGN_OK);
	assert_int_equal(signp_buf_put(&root, l, 32), SIGN_OK);
	assert_int_equal(signp_buf_put(&shortroot, l, 31), SIGN_OK);
	/* a tree of one leaf: its root is the leaf's hash */
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_merkle_verify_inclusion(0, 1, &leaf, proof, 0, &root, &err), SIGN_OK);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_merkle_verify_inclusion(1, 1, &leaf, proof, 0, &root, &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "inclusion proof: leaf 1 of a tree of 1");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_merkle_verify_inclusion(0, 1, &leaf, proof, 0, &shortroot, &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "inclusion proof: a root hash of 31 bytes, not 32");
	assert_int_equal(signp_buf_put(&proof[0], l, 32), SIGN_OK);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_merkle_verify_inclusion(0, 1, &leaf, proof, 1, &root, &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "inclusion proof: 1 hashes, more than leaf 0 of 1 needs");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_merkle_verify_inclusion(0, 2, &leaf, proof, 0, &root, &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "inclusion proof: 0 hashes, fewer than leaf 0 of 2 needs");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_merkle_verify_inclusion(0, 2, &leaf, proof, 1, &root, &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "inclusion proof: it leads to another root than the log's");
	sign_buf_dispose(&proof[0]);
	sign_buf_dispose(&leaf);
	sign_buf_dispose(&root);
	sign_buf_dispose(&shortroot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_reference_trees),
		cmocka_unit_test(test_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

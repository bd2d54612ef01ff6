/*
 * fuzz_tuf.c - Notary TUF metadata (tuf.c, tuf_root.c, tuf_key.c,
 * tuf_sig.c): the input is parsed as each role (root, targets, snapshot,
 * timestamp and the delegation targets/releases).  What parses is then
 *   - written back in notary's wire form, which must parse again to the same
 *     canonical signed object and the same bytes (a stable round trip);
 *   - for a root: its structure, certificates and key objects checked, its
 *     signatures counted against its own root role, and the rotation rule
 *     checked both ways against the vector root;
 *   - for a snapshot or timestamp: each file entry's hashes checked (against
 *     the input itself);
 *   - for the others: signatures counted against the keys of the public
 *     vector c1_root.v1.json (FUZZ_VECTORS), which signed the seeds.
 */
#include "fuzz.h"

#include "tuf.h"

#ifndef FUZZ_VECTORS
#define FUZZ_VECTORS "tests/vectors"
#endif

static signp_tuf_file *vec_root;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sign_buf b = SIGN_BUF_INIT;
	sign_error err;
	(void)argc;
	(void)argv;
	memset(&err, 0, sizeof(err));
	if (signp_read_file(&b, FUZZ_VECTORS "/notary/c1_root.v1.json", SIGN_MAX_METADATA, &err) ==
	    SIGN_OK)
		(void)signp_tuf_parse(&vec_root, "root", b.ptr, b.size, &err);
	sign_buf_dispose(&b);
	return 0;
}

static void round_trip(const signp_tuf_file *f)
{
	sign_buf w1 = SIGN_BUF_INIT, w2 = SIGN_BUF_INIT, c1 = SIGN_BUF_INIT, c2 = SIGN_BUF_INIT;
	signp_tuf_file *g = NULL;
	sign_error err;

	memset(&err, 0, sizeof(err));
	if (signp_cjson_wire(&w1, f->signed_obj, f->signatures, &err) != SIGN_OK)
		goto out; /* not canonicalisable (a control character, a fraction) */
	memset(&err, 0, sizeof(err));
	FUZZ_ASSERT(signp_tuf_parse(&g, f->role, w1.ptr, w1.size, &err) == SIGN_OK);
	FUZZ_ASSERT(g->version == f->version && g->expires == f->expires);
	FUZZ_ASSERT(signp_cjson_canonical(&c1, f->signed_obj, &err) == SIGN_OK);
	FUZZ_ASSERT(signp_cjson_canonical(&c2, g->signed_obj, &err) == SIGN_OK);
	FUZZ_ASSERT(c1.size == c2.size && memcmp(c1.ptr, c2.ptr, c1.size) == 0);
	FUZZ_ASSERT(signp_cjson_wire(&w2, g->signed_obj, g->signatures, &err) == SIGN_OK);
	FUZZ_ASSERT(w1.size == w2.size && memcmp(w1.ptr, w2.ptr, w1.size) == 0);
out:
	signp_tuf_file_free(g);
	sign_buf_dispose(&w1);
	sign_buf_dispose(&w2);
	sign_buf_dispose(&c1);
	sign_buf_dispose(&c2);
}

static void count_with(const signp_tuf_file *f, const signp_tuf_file *root, const char *role)
{
	const json_t *keys = json_object_get(root->signed_obj, "keys");
	const json_t *r = json_object_get(json_object_get(root->signed_obj, "roles"), role);
	sign_error err;
	memset(&err, 0, sizeof(err));
	(void)signp_tuf_count_valid(f, keys, json_object_get(r, "keyids"));
	(void)signp_tuf_verify(f, keys, json_object_get(r, "keyids"), 1, &err);
}

static void root_checks(const signp_tuf_file *f)
{
	const char *id;
	json_t *k;
	int64_t nb = 0, na = 0;
	sign_error err;

	memset(&err, 0, sizeof(err));
	(void)signp_tuf_root_check(f, "docker.io/library/alpine", 1700000000, 1, &err);
	memset(&err, 0, sizeof(err));
	(void)signp_tuf_root_check(f, "localhost:5000/app", 0, 0, &err);
	(void)signp_tuf_root_cert_window(f, &nb, &na);
	json_object_foreach(json_object_get(f->signed_obj, "keys"), id, k) {
		EVP_PKEY *pk = NULL;
		memset(&err, 0, sizeof(err));
		if (signp_tuf_key_pkey(&pk, k, &err) == SIGN_OK)
			EVP_PKEY_free(pk);
	}
	count_with(f, f, "root");
	if (vec_root != NULL) {
		memset(&err, 0, sizeof(err));
		(void)signp_tuf_root_rotation_check(vec_root, f, &err);
		memset(&err, 0, sizeof(err));
		(void)signp_tuf_root_rotation_check(f, vec_root, &err);
	}
}

/* a snapshot's or timestamp's file entries, checked against the input */
static void meta_checks(const signp_tuf_file *f, const uint8_t *data, size_t size)
{
	const char *name;
	json_t *e;
	sign_error err;
	json_object_foreach(json_object_get(f->signed_obj, "meta"), name, e) {
		memset(&err, 0, sizeof(err));
		(void)signp_tuf_check_filemeta(e, data, size, name, &err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const roles[] = { "root", "targets", "snapshot", "timestamp",
		"targets/releases" };
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		signp_tuf_file *f = NULL;
		sign_error err;
		memset(&err, 0, sizeof(err));
		if (signp_tuf_parse(&f, roles[i], data, size, &err) != SIGN_OK) {
			FUZZ_ASSERT(f == NULL && err.message[0] != '\0');
			continue;
		}
		round_trip(f);
		if (i == 0)
			root_checks(f);
		else if (vec_root != NULL)
			count_with(f, vec_root, i == 4 ? "targets" : roles[i]);
		if (i == 2 || i == 3)
			meta_checks(f, data, size);
		signp_tuf_file_free(f);
	}
	return 0;
}

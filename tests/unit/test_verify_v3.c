/*
 * test_verify_v3.c - sign_verify_options version 3 through the public API
 * over an OCI image layout (no server): root_ca (the root pinned by a CA,
 * either pin with root_keys, part of the context's memo key), signers and
 * threshold (the tag or digest signed with the verified digest in enough
 * of the required roles), the argument checks, and callers of versions 1
 * and 2 that know nothing of the new fields.  The tests run in order: the
 * layout's trust data grows as they go.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memtrust.h"

#define GUN "local/v3"

static char dir[1024];
static char layout[1200], owner_home[1200];
static char ref_v1[1300], ref_v2[1300];
static char layout_ref[1300];
static char d1[80], d2[80], d5[80];
static char ca_good[1300], ca_other[1300], other_root_pub[1300];
static char alice[72], bob[72];
static sign_ctx *owner;
static int nhome;

/* ---------------------------------------------------------------------- */
/* a small OCI layout (as test_engine_push.c makes it)                     */

static void write_all(const char *path, const void *data, size_t len)
{
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (signp_write_file_atomic(path, data, len, 0644, &err) != SIGN_OK)
		fail_msg("%s: %s", path, err.message);
}

static void put_blob(const char *data, size_t len, char out[80])
{
	char path[1400];
	signp_digest(out, data, len);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, out + 7);
	write_all(path, data, len);
}

static void set_tag(const char *tag, const char *digest, size_t size)
{
	char path[1300];
	json_t *idx, *mans;
	char *s;
	size_t i;
	snprintf(path, sizeof(path), "%s/index.json", layout);
	idx = json_load_file(path, 0, NULL);
	assert_non_null(idx);
	mans = json_object_get(idx, "manifests");
	for (i = 0; i < json_array_size(mans); i++) {
		const char *n = json_string_value(json_object_get(json_object_get(
			json_array_get(mans, i), "annotations"), "org.opencontainers.image.ref.name"));
		if (n && strcmp(n, tag) == 0) {
			json_array_remove(mans, i);
			break;
		}
	}
	json_array_append_new(mans, json_pack("{s:s, s:s, s:I, s:{s:s}}", "mediaType",
		"application/vnd.oci.image.manifest.v1+json", "digest", digest, "size", (json_int_t)size,
		"annotations", "org.opencontainers.image.ref.name", tag));
	s = json_dumps(idx, JSON_COMPACT);
	assert_non_null(s);
	write_all(path, s, strlen(s));
	free(s);
	json_decref(idx);
}

static void mk_image(const char *tag, int seed, char out[80])
{
	char layer[64], layer_d[80], config[512], config_d[80], manifest[1024];
	int ln, cn, mn;
	ln = snprintf(layer, sizeof(layer), "verify v3 unit test, seed %d\n", seed);
	put_blob(layer, (size_t)ln, layer_d);
	cn = snprintf(config, sizeof(config), "{\"architecture\":\"amd64\",\"os\":\"linux\","
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}", layer_d);
	put_blob(config, (size_t)cn, config_d);
	mn = snprintf(manifest, sizeof(manifest), "{\"schemaVersion\":2,\"mediaType\":"
		"\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
		"\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%d},"
		"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		"\"digest\":\"%s\",\"size\":%d}]}", config_d, cn, layer_d, ln);
	put_blob(manifest, (size_t)mn, out);
	set_tag(tag, out, (size_t)mn);
}

static void push(const char *ref, const char *keyid, const char *digest)
{
	sign_push_options o = SIGN_PUSH_OPTIONS_INIT;
	sign_push_result res = SIGN_PUSH_RESULT_INIT;
	sign_error err;
	memset(&err, 0, sizeof(err));
	o.keyid = keyid;
	if (sign_push(&res, owner, ref, &o, &err) != SIGN_OK)
		fail_msg("push %s: %s", ref, err.message);
	assert_string_equal(res.digest, digest);
}

/* A signer key NAME in the owner's home, delegated as targets/NAME. */
static void add_signer(const char *name, char kid[72])
{
	char path[1400];
	const char *files[2] = { path, NULL };
	sign_buf pem = SIGN_BUF_INIT, out = SIGN_BUF_INIT;
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (sign_key_generate(kid, owner, name, NULL, &err) != SIGN_OK)
		fail_msg("key generate: %s", err.message);
	assert_int_equal(sign_key_export(&pem, owner, kid, SIGN_KEY_FORMAT_PUBLIC, &err), SIGN_OK);
	snprintf(path, sizeof(path), "%s/%s.pub", dir, name);
	write_all(path, pem.ptr, pem.size);
	if (sign_signer_add(&out, owner, name, layout_ref, files, NULL, 0, &err) != SIGN_OK)
		fail_msg("signer add %s: %s", name, err.message);
	sign_buf_dispose(&pem);
	sign_buf_dispose(&out);
}

/* The PEM certificate of a root key object, to a file. */
static void write_cert(const char *path, const json_t *kobj)
{
	const char *b64 = json_string_value(json_object_get(json_object_get(kobj, "keyval"), "public"));
	sign_buf pem = SIGN_BUF_INIT;
	assert_non_null(b64);
	assert_int_equal(signp_b64_decode(&pem, b64, strlen(b64)), SIGN_OK);
	assert_non_null(strstr(pem.ptr, "BEGIN CERTIFICATE"));
	write_all(path, pem.ptr, pem.size);
	sign_buf_dispose(&pem);
}

static int group_setup(void **state)
{
	char path[1400], home[1300];
	sign_ctx *ctx;
	sign_verify_result vr = SIGN_VERIFY_RESULT_INIT;
	sign_error err;
	signp_tuf_file *root = NULL;
	sign_buf data = SIGN_BUF_INIT, pem = SIGN_BUF_INIT;
	const json_t *ids;
	signp_key *k;
	json_t *o;
	char id[65], kid[72];
	(void)state;
	if (sign_global_init() != SIGN_OK)
		return -1;
	mt_tmpdir(dir, sizeof(dir), "verify-v3");
	snprintf(layout, sizeof(layout), "%s/v3", dir);
	snprintf(owner_home, sizeof(owner_home), "%s/owner", dir);
	snprintf(path, sizeof(path), "%s/blobs/sha256", layout);
	if (signp_mkdirs(path, 0755, NULL) != SIGN_OK)
		return -1;
	snprintf(path, sizeof(path), "%s/oci-layout", layout);
	write_all(path, "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	snprintf(path, sizeof(path), "%s/index.json", layout);
	write_all(path, "{\"schemaVersion\":2,\"manifests\":[]}", 34);
	snprintf(layout_ref, sizeof(layout_ref), "oci:%s", layout);
	snprintf(ref_v1, sizeof(ref_v1), "oci:%s:v1", layout);
	snprintf(ref_v2, sizeof(ref_v2), "oci:%s:v2", layout);
	mk_image("v1", 1, d1);
	mk_image("v2", 2, d2);
	owner = mt_ctx(owner_home, 0);
	/* v1 by the repository key; alice and bob delegated; v2 by alice */
	push(ref_v1, NULL, d1);
	add_signer("alice", alice);
	add_signer("bob", bob);
	push(ref_v2, alice, d2);

	/* the GUN's root certificate (self-signed, CN = GUN: its own CA),
	 * from a home that trusted it on first use */
	snprintf(home, sizeof(home), "%s/tofu", dir);
	ctx = mt_ctx(home, 0);
	memset(&err, 0, sizeof(err));
	if (sign_verify(&vr, ctx, ref_v1, NULL, &err) != SIGN_OK)
		fail_msg("verify: %s", err.message);
	sign_verify_result_dispose(&vr);
	sign_ctx_free(ctx);
	mt_cache_path(path, sizeof(path), home, GUN, "root");
	assert_int_equal(signp_read_file(&data, path, SIGN_MAX_METADATA, &err), SIGN_OK);
	assert_int_equal(signp_tuf_parse(&root, "root", data.ptr, data.size, &err), SIGN_OK);
	ids = json_object_get(json_object_get(json_object_get(root->signed_obj, "roles"), "root"), "keyids");
	snprintf(ca_good, sizeof(ca_good), "%s/root-ca.pem", dir);
	write_cert(ca_good, json_object_get(json_object_get(root->signed_obj, "keys"),
		json_string_value(json_array_get(ids, 0))));
	signp_tuf_file_free(root);
	sign_buf_dispose(&data);

	/* another CA: a certificate for the same GUN over another key */
	k = mt_new_key();
	o = mt_cert_obj(k, GUN, id);
	snprintf(ca_other, sizeof(ca_other), "%s/other-ca.pem", dir);
	write_cert(ca_other, o);
	json_decref(o);
	signp_key_free(k);

	/* another root key, as a --root-key file */
	snprintf(home, sizeof(home), "%s/other", dir);
	ctx = mt_ctx(home, 0);
	if (sign_key_generate(kid, ctx, "root", NULL, &err) != SIGN_OK ||
	    sign_key_export(&pem, ctx, kid, SIGN_KEY_FORMAT_PUBLIC, &err) != SIGN_OK)
		fail_msg("another root key: %s", err.message);
	snprintf(other_root_pub, sizeof(other_root_pub), "%s/other-root.pub", dir);
	write_all(other_root_pub, pem.ptr, pem.size);
	sign_buf_dispose(&pem);
	sign_ctx_free(ctx);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	sign_ctx_free(owner);
	return mt_rmtree(dir);
}

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

/* A fresh verifier context (a new home, trust on first use off: only the
 * pins given decide). */
static sign_ctx *verifier(int disable_tofu)
{
	char home[1300];
	snprintf(home, sizeof(home), "%s/v%d", dir, ++nhome);
	return mt_ctx(home, disable_tofu);
}

static int verify_with(sign_ctx *ctx, const char *ref, const sign_verify_options *o, sign_error *err,
	char digest_out[80])
{
	sign_verify_result vr = SIGN_VERIFY_RESULT_INIT;
	int r;
	memset(err, 0, sizeof(*err));
	r = sign_verify(&vr, ctx, ref, o, err);
	if (digest_out)
		snprintf(digest_out, 80, "%s", vr.digest);
	sign_verify_result_dispose(&vr);
	return r;
}

static void verify_ok(sign_ctx *ctx, const char *ref, const sign_verify_options *o, const char *digest)
{
	sign_error err;
	char got[80];
	if (verify_with(ctx, ref, o, &err, got) != SIGN_OK)
		fail_msg("verify %s: %s", ref, err.message);
	assert_string_equal(got, digest);
}

static void verify_fails(sign_ctx *ctx, const char *ref, const sign_verify_options *o, int code,
	const char *msg)
{
	sign_error err;
	assert_int_equal(verify_with(ctx, ref, o, &err, NULL), code);
	mt_assert_err(&err, code, msg);
}

/* ---------------------------------------------------------------------- */

/* Version 1 and 2 callers: their structs end before root_ca (or at); the
 * library reads none of the later fields (ASan would see it in
 * SANITIZE=1). */
static void test_older_callers(void **state)
{
	struct v2 {
		unsigned int version;
		const char *const *root_keys;
		const char *key;
		const char *gun;
		int offline;
		int64_t at;
	} *o2 = calloc(1, sizeof(*o2));
	struct v1 {
		unsigned int version;
		const char *const *root_keys;
		const char *key;
		const char *gun;
		int offline;
	} *o1 = calloc(1, sizeof(*o1));
	sign_ctx *ctx = verifier(0);
	(void)state;
	assert_non_null(o1);
	assert_non_null(o2);
	o2->version = 2;
	verify_ok(ctx, ref_v1, (const sign_verify_options *)o2, d1);
	verify_ok(ctx, ref_v2, (const sign_verify_options *)o2, d2);
	o1->version = 1;
	verify_ok(ctx, ref_v1, (const sign_verify_options *)o1, d1);
	sign_ctx_free(ctx);
	free(o1);
	free(o2);
}

static void test_root_ca(void **state)
{
	sign_verify_options o = SIGN_VERIFY_OPTIONS_INIT;
	const char *other[2] = { other_root_pub, NULL };
	char want[2048];
	sign_ctx *ctx;
	(void)state;
	/* nothing pinned, trust on first use off: refused */
	ctx = verifier(1);
	snprintf(want, sizeof(want), "verifying %s: root of " GUN ": trust on first use is disabled and no "
		"root is pinned", ref_v1);
	verify_fails(ctx, ref_v1, &o, SIGN_EVERIFY, want);
	/* the CA that issued the root certificate: met */
	o.root_ca = ca_good;
	verify_ok(ctx, ref_v1, &o, d1);
	sign_ctx_free(ctx);

	/* another CA: refused */
	ctx = verifier(1);
	o.root_ca = ca_other;
	snprintf(want, sizeof(want), "verifying %s: root of " GUN ": no root version is signed by the "
		"pinned root key (pinned by --root-ca): root version 1 does not list the pinned root key "
		"(nor a certificate for this GUN that chains to the pinned CA)", ref_v1);
	verify_fails(ctx, ref_v1, &o, SIGN_EVERIFY, want);
	sign_ctx_free(ctx);

	/* a home that trusted the root on first use: the pin still decides */
	ctx = verifier(0);
	verify_ok(ctx, ref_v1, NULL, d1);
	verify_fails(ctx, ref_v1, &o, SIGN_EVERIFY, want);
	sign_ctx_free(ctx);

	/* with root_keys: either pin is enough */
	ctx = verifier(1);
	o.root_keys = other;
	o.root_ca = ca_good;
	verify_ok(ctx, ref_v1, &o, d1);
	sign_ctx_free(ctx);
	ctx = verifier(1);
	o.root_ca = ca_other;
	snprintf(want, sizeof(want), "verifying %s: root of " GUN ": no root version is signed by the "
		"pinned root key (pinned by --root-key or --root-ca): root version 1 does not list the "
		"pinned root key (nor a certificate for this GUN that chains to the pinned CA)", ref_v1);
	verify_fails(ctx, ref_v1, &o, SIGN_EVERIFY, want);
	sign_ctx_free(ctx);
}

/* The context's memo of verified collections is keyed by the CA too: a
 * collection verified under one CA is not reused under another. */
static void test_root_ca_memo(void **state)
{
	sign_verify_options o = SIGN_VERIFY_OPTIONS_INIT;
	sign_ctx *ctx = verifier(1);
	sign_error err;
	(void)state;
	o.root_ca = ca_good;
	verify_ok(ctx, ref_v1, &o, d1);
	verify_ok(ctx, ref_v2, &o, d2);
	o.root_ca = ca_other;
	assert_int_equal(verify_with(ctx, ref_v1, &o, &err, NULL), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "pinned by --root-ca"));
	o.root_ca = NULL; /* the cached root is trusted now, without a pin */
	verify_ok(ctx, ref_v1, &o, d1);
	sign_ctx_free(ctx);
}

static void test_root_ca_bad_file(void **state)
{
	sign_verify_options o = SIGN_VERIFY_OPTIONS_INIT;
	sign_ctx *ctx = verifier(1);
	char path[1400], want[3000];
	sign_error err;
	(void)state;
	snprintf(path, sizeof(path), "%s/nosuch.pem", dir);
	o.root_ca = path;
	assert_int_equal(verify_with(ctx, ref_v1, &o, &err, NULL), SIGN_ENOTFOUND);
	snprintf(want, sizeof(want), "reading root CA %s", path);
	assert_non_null(strstr(err.message, want));
	o.root_ca = other_root_pub; /* a public key, no certificate */
	snprintf(want, sizeof(want), "verifying %s: reading root CA %s: no PEM certificate in it", ref_v1,
		other_root_pub);
	verify_fails(ctx, ref_v1, &o, SIGN_EINVAL, want);
	sign_ctx_free(ctx);
}

static void test_signers(void **state)
{
	sign_verify_options o = SIGN_VERIFY_OPTIONS_INIT;
	const char *targets[] = { "targets", NULL };
	const char *a[] = { "targets/alice", NULL };
	const char *ab[] = { "targets/alice", "targets/bob", NULL };
	const char *ac[] = { "targets/alice", "targets/carol", NULL };
	const char *ar[] = { "targets/releases", "targets/alice", NULL };
	char want[2048], ref[1400];
	sign_ctx *ctx = verifier(0);
	(void)state;
	o.signers = targets;
	verify_ok(ctx, ref_v1, &o, d1);
	o.signers = a;
	verify_ok(ctx, ref_v2, &o, d2);
	snprintf(want, sizeof(want), "verifying %s: " GUN ":v1 is signed by 0 of the required signers "
		"(none), 1 needed: missing targets/alice (does not sign v1)", ref_v1);
	verify_fails(ctx, ref_v1, &o, SIGN_EVERIFY, want);
	o.signers = ar;
	verify_ok(ctx, ref_v2, &o, d2);
	/* all by default */
	o.signers = ab;
	snprintf(want, sizeof(want), "verifying %s: " GUN ":v2 is signed by 1 of the required signers "
		"(targets/alice), 2 needed: missing targets/bob (has signed nothing)", ref_v2);
	verify_fails(ctx, ref_v2, &o, SIGN_EVERIFY, want);
	o.threshold = 1;
	verify_ok(ctx, ref_v2, &o, d2);
	o.threshold = 2;
	verify_fails(ctx, ref_v2, &o, SIGN_EVERIFY, want);
	/* a role not delegated does not count */
	o.signers = ac;
	o.threshold = 0;
	snprintf(want, sizeof(want), "verifying %s: " GUN ":v2 is signed by 1 of the required signers "
		"(targets/alice), 2 needed: missing targets/carol (not delegated)", ref_v2);
	verify_fails(ctx, ref_v2, &o, SIGN_EVERIFY, want);
	/* by digest */
	o.signers = a;
	snprintf(ref, sizeof(ref), "oci:%s@%s", layout, d2);
	verify_ok(ctx, ref, &o, d2);
	snprintf(ref, sizeof(ref), "oci:%s@%s", layout, d1);
	snprintf(want, sizeof(want), "verifying %s: " GUN "@%s is signed by 0 of the required signers "
		"(none), 1 needed: missing targets/alice (signs no tag with that digest)", ref, d1);
	verify_fails(ctx, ref, &o, SIGN_EVERIFY, want);
	sign_ctx_free(ctx);

	/* bob signs too */
	push(ref_v2, bob, d2);
	ctx = verifier(0);
	o.signers = ab;
	verify_ok(ctx, ref_v2, &o, d2);
	/* offline, from what that verify cached */
	o.offline = 1;
	verify_ok(ctx, ref_v2, &o, d2);
	o.signers = ac;
	snprintf(want, sizeof(want), "verifying %s: " GUN ":v2 is signed by 1 of the required signers "
		"(targets/alice), 2 needed: missing targets/carol (not delegated)", ref_v2);
	verify_fails(ctx, ref_v2, &o, SIGN_EVERIFY, want);
	o.offline = 0;
	sign_ctx_free(ctx);

	/* v2 moves to another image that only bob signs: alice's role lists
	 * v2 with the old digest and does not count */
	mk_image("v2", 5, d5);
	push(ref_v2, bob, d5);
	ctx = verifier(0);
	o.signers = ab;
	snprintf(want, sizeof(want), "verifying %s: " GUN ":v2 is signed by 1 of the required signers "
		"(targets/bob), 2 needed: missing targets/alice (signs v2 for %s)", ref_v2, d2);
	verify_fails(ctx, ref_v2, &o, SIGN_EVERIFY, want);
	o.threshold = 1;
	verify_ok(ctx, ref_v2, &o, d5);
	o.threshold = 0;
	o.signers = a;
	snprintf(want, sizeof(want), "verifying %s: " GUN ":v2 is signed by 0 of the required signers "
		"(none), 1 needed: missing targets/alice (signs v2 for %s)", ref_v2, d2);
	verify_fails(ctx, ref_v2, &o, SIGN_EVERIFY, want);
	sign_ctx_free(ctx);
}

/* Requirements that cannot be met or make no sense: SIGN_EINVAL, before
 * anything is read. */
static void test_signers_args(void **state)
{
	sign_verify_options o = SIGN_VERIFY_OPTIONS_INIT;
	const char *twice[] = { "targets/alice", "targets/bob", "targets/alice", NULL };
	const char *ab[] = { "targets/alice", "targets/bob", NULL };
	const char *empty[] = { NULL };
	const char *bad[] = { "targets/a/../b", NULL };
	const char *bad2[] = { "releases", NULL };
	const char *many[80];
	sign_ctx *ctx = verifier(0);
	char names[80][32];
	(void)state;
	o.signers = twice;
	verify_fails(ctx, ref_v1, &o, SIGN_EINVAL,
		"verify: signers: targets/alice is given twice (each role counts once)");
	o.signers = ab;
	o.threshold = 3;
	verify_fails(ctx, ref_v1, &o, SIGN_EINVAL, "verify: signers: threshold 3 but only 2 roles given");
	o.signers = NULL;
	o.threshold = 1;
	verify_fails(ctx, ref_v1, &o, SIGN_EINVAL, "verify: signers: a threshold of 1 without signers");
	o.threshold = 0;
	o.signers = empty;
	verify_fails(ctx, ref_v1, &o, SIGN_EINVAL, "verify: signers: an empty list of roles");
	o.signers = bad;
	verify_fails(ctx, ref_v1, &o, SIGN_EINVAL,
		"verify: signers: \"targets/a/../b\" is not a role name (targets or targets/NAME)");
	o.signers = bad2;
	verify_fails(ctx, ref_v1, &o, SIGN_EINVAL,
		"verify: signers: \"releases\" is not a role name (targets or targets/NAME)");
	for (int i = 0; i < 79; i++) {
		snprintf(names[i], sizeof(names[i]), "targets/s%d", i);
		many[i] = names[i];
	}
	many[79] = NULL;
	o.signers = many;
	verify_fails(ctx, ref_v1, &o, SIGN_EINVAL, "verify: signers: more than 65 roles");
	/* a key-only check reads no trust data */
	o.signers = ab;
	o.key = other_root_pub;
	verify_fails(ctx, ref_v1, &o, SIGN_EINVAL,
		"verify: a key-only check (key) reads no trust data: it takes no root_ca or signers");
	o.signers = NULL;
	o.root_ca = ca_good;
	verify_fails(ctx, ref_v1, &o, SIGN_EINVAL,
		"verify: a key-only check (key) reads no trust data: it takes no root_ca or signers");
	sign_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_older_callers),
		cmocka_unit_test(test_root_ca),
		cmocka_unit_test(test_root_ca_memo),
		cmocka_unit_test(test_root_ca_bad_file),
		cmocka_unit_test(test_signers),
		cmocka_unit_test(test_signers_args),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

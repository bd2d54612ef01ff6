/*
 * test_engine_push.c - push, signer add, key rotation, revoke and verify
 * through the public API (sign.h) over an OCI image layout: no server.
 * One owner home signs into the layout; each check verifies from a
 * verifier home with a new context (a context remembers the trust data it
 * verified).  The tests run in order and build on one another: the
 * layout's trust data grows from the first push to the last revoke.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memtrust.h"

#define GUN "local/img"
#define SIG_TAG_PREFIX "sha256-"

static char dir[1024];
static char layout[1200], owner_home[1200], verifier_home[1200];
static char ref_v1[1300], ref_v2[1300], ref_v3[1300];
static char layout_ref[1300]; /* oci:DIR, where a call takes a GUN */
static char d1[80], d2[80], d3[80];
static sign_ctx *owner;
static char repo_key[72];   /* the repository key that signed v1 */
static char root_pub[1300]; /* the first root key's public half */
static char alice_pub[1300]; /* the signer's public key */

/* ---------------------------------------------------------------------- */
/* a small OCI layout                                                      */

static void write_all(const char *path, const void *data, size_t len)
{
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (signp_write_file_atomic(path, data, len, 0644, &err) != SIGN_OK)
		fail_msg("%s: %s", path, err.message);
}

/* Store a blob; its digest in out. */
static void put_blob(const char *data, size_t len, char out[80])
{
	char path[1400];
	signp_digest(out, data, len);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, out + 7);
	write_all(path, data, len);
}

static json_t *read_index(void)
{
	char path[1300];
	json_t *j;
	snprintf(path, sizeof(path), "%s/index.json", layout);
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	return j;
}

static void write_index(json_t *j)
{
	char path[1300];
	char *s = json_dumps(j, JSON_COMPACT);
	assert_non_null(s);
	snprintf(path, sizeof(path), "%s/index.json", layout);
	write_all(path, s, strlen(s));
	free(s);
}

/* Point tag at digest (size bytes) in index.json, replacing its entry. */
static void set_tag(const char *tag, const char *digest, size_t size)
{
	json_t *idx = read_index(), *mans = json_object_get(idx, "manifests"), *e;
	size_t i;
	for (i = 0; i < json_array_size(mans); i++) {
		const char *n = json_string_value(json_object_get(json_object_get(
			json_array_get(mans, i), "annotations"), "org.opencontainers.image.ref.name"));
		if (n && strcmp(n, tag) == 0) {
			json_array_remove(mans, i);
			break;
		}
	}
	e = json_pack("{s:s, s:s, s:I, s:{s:s}}", "mediaType", "application/vnd.oci.image.manifest.v1+json",
		"digest", digest, "size", (json_int_t)size, "annotations",
		"org.opencontainers.image.ref.name", tag);
	json_array_append_new(mans, e);
	write_index(idx);
	json_decref(idx);
}

/* A one-layer image whose content depends on seed, tagged tag; the
 * manifest digest in out (what mkimage.sh makes, without tar). */
static size_t mk_image(const char *tag, int seed, char out[80])
{
	char layer[64], layer_d[80], config[512], config_d[80], manifest[1024];
	int ln, cn, mn;
	ln = snprintf(layer, sizeof(layer), "hello from the unit test, seed %d\n", seed);
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
	return (size_t)mn;
}

static int group_setup(void **state)
{
	char path[1400];
	(void)state;
	if (sign_global_init() != SIGN_OK)
		return -1;
	mt_tmpdir(dir, sizeof(dir), "engine");
	snprintf(layout, sizeof(layout), "%s/img", dir);
	snprintf(owner_home, sizeof(owner_home), "%s/owner", dir);
	snprintf(verifier_home, sizeof(verifier_home), "%s/verifier", dir);
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
	snprintf(ref_v3, sizeof(ref_v3), "oci:%s:v3", layout);
	mk_image("v1", 1, d1);
	mk_image("v2", 2, d2);
	owner = mt_ctx(owner_home, 0);
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

/* A result as the API wants it handed in: from its *_INIT macro when
 * sign.h has one (result structs that carry a version), else zeroed. */
static void push_result_init(sign_push_result *res)
{
#ifdef SIGN_PUSH_RESULT_INIT
	sign_push_result init = SIGN_PUSH_RESULT_INIT;
	*res = init;
#else
	memset(res, 0, sizeof(*res));
#endif
}

static void verify_result_init(sign_verify_result *res)
{
#ifdef SIGN_VERIFY_RESULT_INIT
	sign_verify_result init = SIGN_VERIFY_RESULT_INIT;
	*res = init;
#else
	memset(res, 0, sizeof(*res));
#endif
}

static void push(sign_push_result *res, const char *ref, const char *keyid)
{
	sign_push_options o = SIGN_PUSH_OPTIONS_INIT;
	sign_error err;
	memset(&err, 0, sizeof(err));
	push_result_init(res);
	o.keyid = keyid;
	if (sign_push(res, owner, ref, &o, &err) != SIGN_OK)
		fail_msg("push %s: %s", ref, err.message);
}

/* Verify from the verifier home (or home), a new context each time. */
static int verify_in(const char *home, sign_verify_result *res, const char *ref,
	const sign_verify_options *vo, sign_error *err)
{
	sign_verify_options dflt = SIGN_VERIFY_OPTIONS_INIT;
	sign_ctx *ctx = mt_ctx(home, 0);
	int r;
	memset(err, 0, sizeof(*err));
	verify_result_init(res);
	r = sign_verify(res, ctx, ref, vo ? vo : &dflt, err);
	sign_ctx_free(ctx);
	return r;
}

static void verify_ok(sign_verify_result *res, const char *ref, const char *digest)
{
	sign_error err;
	if (verify_in(verifier_home, res, ref, NULL, &err) != SIGN_OK)
		fail_msg("verify %s: %s", ref, err.message);
	assert_string_equal(res->digest, digest);
}

static void verify_fails(const char *ref, const char *msg)
{
	sign_verify_result res;
	sign_error err;
	assert_int_equal(verify_in(verifier_home, &res, ref, NULL, &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, msg);
}

static json_t *parse_json(const sign_buf *b)
{
	json_t *j = json_loadb(b->ptr, b->size, 0, NULL);
	assert_non_null(j);
	return j;
}

/* ---------------------------------------------------------------------- */

/* The first push creates the keys and the GUN's trust data; the verifier
 * trusts its root on first use and checks the detached signature. */
static void test_push_then_verify(void **state)
{
	sign_push_result pr;
	sign_verify_result vr;
	(void)state;
	push(&pr, ref_v1, NULL);
	assert_string_equal(pr.gun, GUN);
	assert_string_equal(pr.tag, "v1");
	assert_string_equal(pr.digest, d1);
	assert_string_equal(pr.role, "targets");
	assert_int_equal(pr.created_root, 1);
	assert_int_equal(pr.created_repository, 1);
	assert_int_equal(pr.new_signature, 1);
	assert_int_equal(pr.requests, 0);
	snprintf(repo_key, sizeof(repo_key), "%s", pr.keyid);
	verify_ok(&vr, ref_v1, d1);
	assert_string_equal(vr.tag, "v1");
	assert_string_equal(vr.role, "targets");
	assert_int_equal(vr.nsigners, 1);
	assert_string_equal(vr.signers[0], repo_key);
	/* the same digest again: no new signature, nothing created */
	push(&pr, ref_v1, NULL);
	assert_int_equal(pr.new_signature, 0);
	assert_int_equal(pr.created_root, 0);
	assert_int_equal(pr.created_repository, 0);
}

/* A tag of the layout that was never signed. */
static void test_unsigned_tag(void **state)
{
	char want[2048];
	(void)state;
	snprintf(want, sizeof(want), "verifying %s: " GUN ":v2 is not signed: no trust data for that tag",
		ref_v2);
	verify_fails(ref_v2, want);
}

static void test_push_second_tag(void **state)
{
	sign_push_result pr;
	sign_verify_result vr;
	(void)state;
	push(&pr, ref_v2, NULL);
	assert_string_equal(pr.digest, d2);
	assert_int_equal(pr.created_repository, 0);
	verify_ok(&vr, ref_v2, d2);
	verify_ok(&vr, ref_v1, d1);
}

/* Step 5: the tag must still point to the signed digest. */
static void test_tag_moved(void **state)
{
	char want[2048];
	sign_verify_result vr;
	(void)state;
	set_tag("v1", d2, 0);
	snprintf(want, sizeof(want), "verifying %s: " GUN ":v1 moved: it now points to %s but the signed "
		"digest is %s", ref_v1, d2, d1);
	verify_fails(ref_v1, want);
	/* back */
	mk_image("v1", 1, d1);
	verify_ok(&vr, ref_v1, d1);
	/* a digest given with the tag must be the signed one */
	{
		char ref[1400];
		snprintf(ref, sizeof(ref), "%s@%s", ref_v1, d2);
		snprintf(want, sizeof(want), "verifying %s: " GUN ":v1 is signed for %s, not for the digest %s "
			"given", ref, d1, d2);
		verify_fails(ref, want);
	}
}

/* Step 6: without its detached signature the image does not verify. */
static void test_signature_missing(void **state)
{
	json_t *idx = read_index(), *saved = json_deep_copy(idx), *mans = json_object_get(idx, "manifests");
	char sigtag[96], want[2048];
	sign_verify_result vr;
	size_t i;
	(void)state;
	snprintf(sigtag, sizeof(sigtag), SIG_TAG_PREFIX "%s.sig", d1 + 7);
	for (i = 0; i < json_array_size(mans); i++) {
		const char *n = json_string_value(json_object_get(json_object_get(
			json_array_get(mans, i), "annotations"), "org.opencontainers.image.ref.name"));
		if (n && strcmp(n, sigtag) == 0)
			break;
	}
	assert_true(i < json_array_size(mans));
	json_array_remove(mans, i);
	write_index(idx);
	snprintf(want, sizeof(want), "verifying %s: " GUN "@%s: no detached signature found", ref_v1, d1);
	verify_fails(ref_v1, want);
	write_index(saved);
	verify_ok(&vr, ref_v1, d1);
	json_decref(idx);
	json_decref(saved);
}

/* A signer: its key is delegated (targets/alice and targets/releases), a
 * push with it records the tag in targets/releases. */
static void test_signer_add_and_push(void **state)
{
	char kid[72];
	const char *files[2] = { alice_pub, NULL };
	sign_buf pem = SIGN_BUF_INIT, out = SIGN_BUF_INIT;
	sign_push_result pr;
	sign_verify_result vr;
	sign_error err;
	json_t *j;
	(void)state;
	memset(&err, 0, sizeof(err));
	if (sign_key_generate(kid, owner, "alice", NULL, &err) != SIGN_OK)
		fail_msg("key generate: %s", err.message);
	assert_int_equal(sign_key_export(&pem, owner, kid, SIGN_KEY_FORMAT_PUBLIC, &err), SIGN_OK);
	snprintf(alice_pub, sizeof(alice_pub), "%s/alice.pub", dir);
	write_all(alice_pub, pem.ptr, pem.size);
	if (sign_signer_add(&out, owner, "alice", layout_ref, files, NULL, 0, &err) != SIGN_OK)
		fail_msg("signer add: %s", err.message);
	j = parse_json(&out);
	assert_string_equal(json_string_value(json_object_get(j, "role")), "targets/alice");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "releases"), "role")),
		"targets/releases");
	json_decref(j);
	signp_buf_clear(&out);
	mk_image("v3", 3, d3);
	push(&pr, ref_v3, kid);
	assert_string_equal(pr.digest, d3);
	/* in the signer's own role and in the one docker pull reads */
	assert_string_equal(pr.role, "targets/alice,targets/releases");
	verify_ok(&vr, ref_v3, d3);
	assert_string_equal(vr.role, "targets/releases");
	assert_int_equal(vr.nsigners, 1);
	assert_string_equal(vr.signers[0], kid);
	/* the repository's own tags still verify */
	verify_ok(&vr, ref_v1, d1);
	assert_string_equal(vr.role, "targets");
	/* listed */
	assert_int_equal(sign_signer_list(&out, owner, layout_ref, &err), SIGN_OK);
	assert_non_null(strstr(out.ptr, "\"targets/alice\""));
	sign_buf_dispose(&pem);
	sign_buf_dispose(&out);
}

/* The repository key rotated: the tags are re-signed by the new key; the
 * verifier, with the old state cached, follows. */
static void test_rotate_repository(void **state)
{
	sign_rotate_options ro = SIGN_ROTATE_OPTIONS_INIT;
	sign_buf out = SIGN_BUF_INIT;
	sign_verify_result vr;
	sign_error err;
	json_t *j;
	const char *newkey;
	(void)state;
	memset(&err, 0, sizeof(err));
	if (sign_key_rotate(&out, owner, layout_ref, "repository", &ro, &err) != SIGN_OK)
		fail_msg("rotate repository: %s", err.message);
	j = parse_json(&out);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "old_keyids"), 0)),
		repo_key);
	newkey = json_string_value(json_array_get(json_object_get(j, "new_keyids"), 0));
	assert_non_null(newkey);
	assert_string_not_equal(newkey, repo_key);
	verify_ok(&vr, ref_v1, d1);
	assert_int_equal(vr.nsigners, 1);
	assert_string_equal(vr.signers[0], newkey);
	verify_ok(&vr, ref_v2, d2);
	assert_string_equal(vr.signers[0], newkey);
	json_decref(j);
	sign_buf_dispose(&out);
}

/* Before the root rotation: the first root key's public half, for a pin. */
static void save_root_pub(void)
{
	sign_buf list = SIGN_BUF_INIT, pem = SIGN_BUF_INIT;
	sign_error err;
	json_t *keys, *k;
	size_t i;
	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_key_list(&list, owner, &err), SIGN_OK);
	keys = parse_json(&list);
	json_array_foreach(keys, i, k) {
		if (strcmp(json_string_value(json_object_get(k, "role")), "root") == 0) {
			assert_int_equal(sign_key_export(&pem, owner,
				json_string_value(json_object_get(k, "keyid")), SIGN_KEY_FORMAT_PUBLIC, &err),
				SIGN_OK);
			break;
		}
	}
	assert_true(pem.size > 0);
	snprintf(root_pub, sizeof(root_pub), "%s/root1.pub", dir);
	write_all(root_pub, pem.ptr, pem.size);
	json_decref(keys);
	sign_buf_dispose(&list);
	sign_buf_dispose(&pem);
}

/* Root rotated: version 3 signed by the old and the new root keys; the
 * verifier with version 2 cached walks the chain, a new verifier trusts
 * version 3 on first use, and one pinned to the first root key finds
 * version 1 signed by it and walks from there. */
static void test_rotate_root(void **state)
{
	sign_rotate_options ro = SIGN_ROTATE_OPTIONS_INIT;
	sign_verify_options vo = SIGN_VERIFY_OPTIONS_INIT;
	const char *pins[2] = { root_pub, NULL };
	char fresh[1300], pinned[1300];
	sign_buf out = SIGN_BUF_INIT;
	sign_verify_result vr;
	sign_error err;
	json_t *j;
	(void)state;
	save_root_pub();
	memset(&err, 0, sizeof(err));
	if (sign_key_rotate(&out, owner, layout_ref, "root", &ro, &err) != SIGN_OK)
		fail_msg("rotate root: %s", err.message);
	j = parse_json(&out);
	/* version 2 came with the new repository key */
	assert_int_equal(json_integer_value(json_object_get(j, "root_version")), 3);
	json_decref(j);
	verify_ok(&vr, ref_v1, d1);
	snprintf(fresh, sizeof(fresh), "%s/fresh-verifier", dir);
	if (verify_in(fresh, &vr, ref_v1, NULL, &err) != SIGN_OK)
		fail_msg("fresh verifier: %s", err.message);
	snprintf(pinned, sizeof(pinned), "%s/pinned-verifier", dir);
	vo.root_keys = pins;
	if (verify_in(pinned, &vr, ref_v1, &vo, &err) != SIGN_OK)
		fail_msg("pinned to the first root key: %s", err.message);
	assert_string_equal(vr.digest, d1);
	sign_buf_dispose(&out);
}

/* Revoked: the tag is no longer signed, the others are. */
static void test_revoke(void **state)
{
	sign_buf out = SIGN_BUF_INIT;
	sign_verify_result vr;
	sign_error err;
	char want[2048];
	json_t *j;
	(void)state;
	memset(&err, 0, sizeof(err));
	if (sign_revoke(&out, owner, ref_v2, NULL, &err) != SIGN_OK)
		fail_msg("revoke: %s", err.message);
	j = parse_json(&out);
	assert_string_equal(json_string_value(json_object_get(j, "tag")), "v2");
	assert_string_equal(json_string_value(json_object_get(j, "digest")), d2);
	json_decref(j);
	snprintf(want, sizeof(want), "verifying %s: " GUN ":v2 is not signed: no trust data for that tag",
		ref_v2);
	verify_fails(ref_v2, want);
	verify_ok(&vr, ref_v1, d1);
	verify_ok(&vr, ref_v3, d3);
	/* revoking it again: not signed */
	memset(&err, 0, sizeof(err));
	signp_buf_clear(&out);
	assert_int_equal(sign_revoke(&out, owner, ref_v2, NULL, &err), SIGN_EVERIFY);
	sign_buf_dispose(&out);
}

/* --offline: the verifier's cache alone; it fails once that has expired. */
static void test_offline(void **state)
{
	sign_verify_options vo = SIGN_VERIFY_OPTIONS_INIT;
	sign_verify_result vr;
	sign_error err;
	(void)state;
	vo.offline = 1;
	if (verify_in(verifier_home, &vr, ref_v1, &vo, &err) != SIGN_OK)
		fail_msg("offline: %s", err.message);
	assert_string_equal(vr.digest, d1);
	vo.at = signp_now() + 30 * 86400;
	assert_int_equal(verify_in(verifier_home, &vr, ref_v1, &vo, &err), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "timestamp: expired at "));
	/* a home that never verified has nothing to go on */
	{
		char none[1300];
		snprintf(none, sizeof(none), "%s/never-online", dir);
		vo.at = 0;
		assert_int_equal(verify_in(none, &vr, ref_v1, &vo, &err), SIGN_EVERIFY);
		assert_non_null(strstr(err.message, "trust data of " GUN ": nothing cached for offline use"));
	}
}

/* Key-only mode (cosign's): only the detached signatures, against the
 * key given. */
static void test_key_only(void **state)
{
	sign_verify_options vo = SIGN_VERIFY_OPTIONS_INIT;
	sign_verify_result vr;
	sign_error err;
	char want[2048];
	(void)state;
	vo.key = alice_pub;
	if (verify_in(verifier_home, &vr, ref_v3, &vo, &err) != SIGN_OK)
		fail_msg("--key: %s", err.message);
	assert_string_equal(vr.digest, d3);
	assert_string_equal(vr.role, "key");
	/* v1 carries no signature by that key */
	assert_int_equal(verify_in(verifier_home, &vr, ref_v1, &vo, &err), SIGN_EVERIFY);
	snprintf(want, sizeof(want), "verifying %s: " GUN "@%s: no detached signature is by a key the "
		"root authorises (", ref_v1, d1);
	assert_true(signp_str_has_prefix(err.message, want));
}

/* The timestamp re-signed for a longer lifetime: what was expired as of
 * a later time verifies as of then. */
static void test_trust_refresh(void **state)
{
	sign_verify_options vo = SIGN_VERIFY_OPTIONS_INIT;
	sign_buf out = SIGN_BUF_INIT;
	sign_verify_result vr;
	sign_error err;
	json_t *j;
	int64_t expires;
	(void)state;
	memset(&err, 0, sizeof(err));
	if (sign_trust_refresh(&out, owner, layout_ref, NULL, 40L * 86400, &err) != SIGN_OK)
		fail_msg("trust refresh: %s", err.message);
	j = parse_json(&out);
	assert_string_equal(json_string_value(json_object_get(j, "gun")), GUN);
	assert_int_equal(signp_time_parse(json_string_value(json_object_get(j, "timestamp_expires")),
		&expires), SIGN_OK);
	assert_true(expires > signp_now() + 39L * 86400);
	json_decref(j);
	vo.at = signp_now() + 30 * 86400;
	if (verify_in(verifier_home, &vr, ref_v1, &vo, &err) != SIGN_OK)
		fail_msg("as of 30 days on: %s", err.message);
	assert_int_equal(vr.timestamp_expires, expires);
	sign_buf_dispose(&out);
}

/* inspect lists the signed tags: v1 and v3, not the revoked v2. */
static void test_inspect(void **state)
{
	sign_ctx *ctx = mt_ctx(verifier_home, 0);
	sign_buf out = SIGN_BUF_INIT;
	sign_error err;
	json_t *j, *tags, *e;
	size_t i;
	int seen1 = 0, seen3 = 0;
	(void)state;
	memset(&err, 0, sizeof(err));
	if (sign_inspect(&out, ctx, layout_ref, NULL, &err) != SIGN_OK)
		fail_msg("inspect: %s", err.message);
	j = parse_json(&out);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "Name")), GUN);
	tags = json_object_get(json_array_get(j, 0), "SignedTags");
	assert_true(json_array_size(tags) > 0);
	json_array_foreach(tags, i, e) {
		const char *tag = json_string_value(json_object_get(e, "SignedTag"));
		assert_non_null(tag);
		assert_string_not_equal(tag, "v2");
		seen1 |= strcmp(tag, "v1") == 0;
		seen3 |= strcmp(tag, "v3") == 0;
	}
	assert_true(seen1 && seen3);
	json_decref(j);
	sign_buf_dispose(&out);
	sign_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_then_verify),
		cmocka_unit_test(test_unsigned_tag),
		cmocka_unit_test(test_push_second_tag),
		cmocka_unit_test(test_tag_moved),
		cmocka_unit_test(test_signature_missing),
		cmocka_unit_test(test_signer_add_and_push),
		cmocka_unit_test(test_rotate_repository),
		cmocka_unit_test(test_rotate_root),
		cmocka_unit_test(test_revoke),
		cmocka_unit_test(test_offline),
		cmocka_unit_test(test_key_only),
		cmocka_unit_test(test_trust_refresh),
		cmocka_unit_test(test_inspect),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * test_tuf1_client.c - the TUF 1.0 client workflow (tuf1_client.c) over a
 * repository built in memory (tuf1fix.h): a good update and download with
 * consistent snapshot names, then each forgery refused with its message:
 * root rotation not signed by the old or the new root, root threshold not
 * met, a root of the wrong version, an expired timestamp, a frozen one
 * (same version, expired by the client's clock), a timestamp and a
 * snapshot rolled back, a snapshot that is not the one the timestamp
 * describes, a target of the wrong hash or length; and delegations (path
 * globs, hash prefixes, terminating roles, a role signed by the wrong key,
 * a role missing from the snapshot).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tuf1fix.h"

static int refresh_at(fix_repo *r, int64_t now, sign_error *err)
{
	signp_tuf1_ops o = fix_ops(r);
	signp_tuf1_client *c = NULL;
	int rc;
	memset(err, 0, sizeof(*err));
	rc = signp_tuf1_client_new(&c, &o, FIX_URL, FIX_URL "targets/", now, err);
	if (rc == SIGN_OK)
		rc = signp_tuf1_refresh(c, err);
	signp_tuf1_client_free(c);
	return rc;
}

static int refresh(fix_repo *r, sign_error *err)
{
	return refresh_at(r, signp_now(), err);
}

static int get_target(fix_repo *r, const char *path, sign_buf *out, sign_error *err)
{
	signp_tuf1_ops o = fix_ops(r);
	signp_tuf1_client *c = NULL;
	const json_t *info;
	int rc;
	memset(err, 0, sizeof(*err));
	rc = signp_tuf1_client_new(&c, &o, FIX_URL, FIX_URL "targets", signp_now(), err);
	if (rc == SIGN_OK)
		rc = signp_tuf1_find_target(c, path, &info, err);
	if (rc == SIGN_OK)
		rc = signp_tuf1_download_target(c, path, info, out, err);
	signp_tuf1_client_free(c);
	return rc;
}

#define HAS(err, s)                                                                  \
	do {                                                                         \
		if (strstr((err).message, (s)) == NULL)                              \
			fail_msg("message \"%s\" lacks \"%s\"", (err).message, (s)); \
	} while (0)

static void test_update_and_download(void **state)
{
	fix_repo r;
	sign_error err;
	sign_buf out = SIGN_BUF_INIT;
	(void)state;
	fix_init(&r);
	fix_publish(&r, 1, FIX_YEAR);
	assert_int_equal(get_target(&r, "file.txt", &out, &err), SIGN_OK);
	assert_string_equal(out.ptr, "hello");
	assert_true(fix_was_fetched(&r, "2.root.json"));
	assert_true(fix_was_fetched(&r, "timestamp.json"));
	assert_true(fix_was_fetched(&r, "1.snapshot.json"));
	assert_true(fix_was_fetched(&r, "1.targets.json"));
	assert_true(fix_was_fetched(&r,
		"targets/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824.file.txt"));
	assert_non_null(fix_find(r.local, r.nlocal, "timestamp.json"));
	assert_non_null(fix_find(r.local, r.nlocal, "snapshot.json"));
	assert_non_null(fix_find(r.local, r.nlocal, "targets.json"));
	/* a second update trusts the local snapshot and targets */
	r.nfetched = 0;
	assert_int_equal(refresh(&r, &err), SIGN_OK);
	assert_false(fix_was_fetched(&r, "1.snapshot.json"));
	assert_int_equal(get_target(&r, "nothing.txt", &out, &err), SIGN_ENOTFOUND);
	HAS(err, "target nothing.txt: not listed by any trusted targets role");
	sign_buf_dispose(&out);
	fix_free(&r);
}

static void test_root_rotation(void **state)
{
	fix_repo r;
	sign_error err;
	signp_tuf1_ops o;
	signp_tuf1_client *c = NULL;
	(void)state;
	fix_init(&r);
	fix_publish(&r, 1, FIX_YEAR);
	fix_serve(&r, "2.root.json", fix_sign(&r, fix_root(&r, 2, "r2", NULL, 1, "o1"), "r1", "r2", NULL));
	o = fix_ops(&r);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf1_client_new(&c, &o, FIX_URL, FIX_URL, signp_now(), &err), SIGN_OK);
	assert_int_equal(signp_tuf1_refresh(c, &err), SIGN_OK);
	assert_int_equal(signp_tuf1_root_version(c), 2);
	assert_true(fix_was_fetched(&r, "3.root.json"));
	signp_tuf1_client_free(c);
	fix_free(&r);
}

static void test_root_forgeries(void **state)
{
	fix_repo r;
	sign_error err;
	(void)state;
	fix_init(&r);
	fix_publish(&r, 1, FIX_YEAR);

	fix_serve(&r, "2.root.json", fix_sign(&r, fix_root(&r, 2, "r2", NULL, 1, "o1"), "r2", NULL));
	assert_int_equal(refresh(&r, &err), SIGN_EVERIFY);
	HAS(err, "root version 2 is not signed by the trusted root");
	HAS(err, "threshold 1 not met");

	fix_serve(&r, "2.root.json", fix_sign(&r, fix_root(&r, 2, "r2", NULL, 1, "o1"), "r1", NULL));
	assert_int_equal(refresh(&r, &err), SIGN_EVERIFY);
	HAS(err, "root version 2 is not signed by its own root role");

	fix_serve(&r, "2.root.json",
		fix_sign(&r, fix_root(&r, 2, "r1", "r2", 2, "o1"), "r1", NULL));
	assert_int_equal(refresh(&r, &err), SIGN_EVERIFY);
	HAS(err, "1 valid signatures of the role's keys, threshold 2 not met");

	fix_serve(&r, "2.root.json", fix_sign(&r, fix_root(&r, 3, "r1", NULL, 1, "o1"), "r1", NULL));
	assert_int_equal(refresh(&r, &err), SIGN_EVERIFY);
	HAS(err, "root version 2: its version is 3");

	/* a bad signature: the right key ID, another key's signature */
	{
		char *doc = fix_sign(&r, fix_root(&r, 2, "r1", NULL, 1, "o1"), "r2", NULL);
		char *id = strstr(doc, "\"r2\"");
		assert_non_null(id);
		id[2] = '1';
		fix_serve(&r, "2.root.json", doc);
	}
	assert_int_equal(refresh(&r, &err), SIGN_EVERIFY);
	HAS(err, "0 valid signatures");
	fix_free(&r);
}

static void test_timestamp(void **state)
{
	fix_repo r;
	sign_error err;
	(void)state;
	fix_init(&r);
	fix_publish(&r, 1, -60);
	assert_int_equal(refresh(&r, &err), SIGN_EVERIFY);
	HAS(err, "timestamp (version 1): expired");
	assert_null(fix_find(r.local, r.nlocal, "timestamp.json"));

	/* frozen: the same timestamp served after its expiry */
	fix_publish(&r, 1, 3600);
	assert_int_equal(refresh(&r, &err), SIGN_OK);
	assert_int_equal(refresh_at(&r, signp_now() + 7200, &err), SIGN_EVERIFY);
	HAS(err, "timestamp (version 1): expired (frozen)");

	/* rollback below the version the client holds */
	fix_publish(&r, 2, FIX_YEAR);
	assert_int_equal(refresh(&r, &err), SIGN_OK);
	fix_publish(&r, 1, FIX_YEAR);
	assert_int_equal(refresh(&r, &err), SIGN_EVERIFY);
	HAS(err, "timestamp: version 1 is older than the trusted version 2 (rollback)");

	/* a newer timestamp naming an older snapshot */
	fix_publish_v(&r, 1, 1, 3, NULL, NULL, NULL, FIX_YEAR);
	assert_int_equal(refresh(&r, &err), SIGN_EVERIFY);
	HAS(err, "timestamp: snapshot version 1 is older than the trusted 2 (rollback)");

	/* signed by a key the root does not give the timestamp role */
	{
		char *ts = fix_sign(&r, fix_meta("timestamp", 9, FIX_YEAR,
						json_pack("{s:{s:i}}", "snapshot.json", "version", 2)),
			"r1", NULL);
		fix_serve(&r, "timestamp.json", ts);
	}
	assert_int_equal(refresh(&r, &err), SIGN_EVERIFY);
	HAS(err, "timestamp (version 9): 0 valid signatures of the role's keys, threshold 1 not met");
	fix_free(&r);
}

static void test_snapshot(void **state)
{
	fix_repo r;
	sign_error err;
	char *doc;
	(void)state;
	fix_init(&r);
	fix_publish(&r, 1, FIX_YEAR);
	/* another snapshot than the one the timestamp hashed */
	doc = fix_sign(&r, fix_meta("snapshot", 1, FIX_YEAR - 1,
				json_pack("{s:{s:i}}", "targets.json", "version", 1)),
		"o1", NULL);
	fix_serve(&r, "1.snapshot.json", doc);
	assert_int_equal(refresh(&r, &err), SIGN_EVERIFY);
	HAS(err, "snapshot: ");
	assert_true(strstr(err.message, "hash mismatch") || strstr(err.message, "length"));

	/* targets rolled back in a newer snapshot */
	fix_publish(&r, 2, FIX_YEAR);
	assert_int_equal(refresh(&r, &err), SIGN_OK);
	fix_publish_v(&r, 1, 3, 3, NULL, NULL, NULL, FIX_YEAR);
	assert_int_equal(refresh(&r, &err), SIGN_EVERIFY);
	HAS(err, "snapshot: targets.json version 1 is older than the trusted 2 (rollback)");

	/* a snapshot that drops a file the trusted one lists */
	fix_publish_v(&r, 4, 4, 4, NULL, NULL, json_pack("{s:{s:i}}", "extra.json", "version", 1),
		FIX_YEAR);
	assert_int_equal(refresh(&r, &err), SIGN_OK);
	fix_publish(&r, 5, FIX_YEAR);
	assert_int_equal(refresh(&r, &err), SIGN_EVERIFY);
	HAS(err, "snapshot: no longer lists extra.json");
	fix_free(&r);
}

static void test_target_mismatch(void **state)
{
	static const char *name =
		"targets/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824.file.txt";
	fix_repo r;
	sign_error err;
	sign_buf out = SIGN_BUF_INIT;
	(void)state;
	fix_init(&r);
	fix_publish(&r, 1, FIX_YEAR);
	fix_put(r.served, &r.nserved, name, "hellO", 5);
	assert_int_equal(get_target(&r, "file.txt", &out, &err), SIGN_EVERIFY);
	HAS(err, "file.txt: target: sha256 hash mismatch");
	fix_put(r.served, &r.nserved, name, "hell", 4);
	assert_int_equal(get_target(&r, "file.txt", &out, &err), SIGN_EVERIFY);
	HAS(err, "file.txt: target: length 4, expected 5");
	fix_put(r.served, &r.nserved, name, "hello, world", 12);
	assert_int_equal(get_target(&r, "file.txt", &out, &err), SIGN_EVERIFY);
	HAS(err, "answer exceeds 5 bytes");
	sign_buf_dispose(&out);
	fix_free(&r);
}

/* targets delegating to the roles of delegations (a JSON array text). */
static void publish_delegating(fix_repo *r, const char *roles_json, const char *signer)
{
	json_t *roles = json_loads(roles_json, 0, NULL), *meta = json_object(), *role;
	size_t i;
	assert_non_null(roles);
	json_array_foreach(roles, i, role) {
		const char *n = json_string_value(json_object_get(role, "name"));
		json_t *t = json_object();
		char file[128];
		char *doc;
		/* each role lists dir/<its name>.txt and dir/b.txt */
		snprintf(file, sizeof(file), "dir/%s.txt", n);
		json_object_set_new(t, file, fix_fileinfo(n, strlen(n), 0));
		fix_serve_target(r, file, n);
		if (strcmp(n, "b") == 0) {
			json_object_set_new(t, "dir/b.txt", fix_fileinfo("b", 1, 0));
			fix_serve_target(r, "dir/b.txt", "b");
		}
		doc = fix_sign(r, fix_targets(1, t, NULL), signer, NULL);
		snprintf(file, sizeof(file), "%s.json", n);
		json_object_set_new(meta, file, fix_fileinfo(doc, strlen(doc), 1));
		snprintf(file, sizeof(file), "1.%s.json", n);
		fix_serve(r, file, doc);
	}
	fix_publish_v(r, 1, 1, 1, NULL,
		json_pack("{s:{s:o}, s:o}", "keys", "d1", fix_key_json(r, "d1"), "roles", roles), meta,
		FIX_YEAR);
}

static void test_delegations(void **state)
{
	fix_repo r;
	sign_error err;
	sign_buf out = SIGN_BUF_INIT;
	unsigned char d[32];
	char hex[65], roles[512];
	(void)state;

	fix_init(&r);
	publish_delegating(&r,
		"[{\"name\":\"a\",\"keyids\":[\"d1\"],\"threshold\":1,\"terminating\":false,\"paths\":[\"dir/*\"]},"
		" {\"name\":\"b\",\"keyids\":[\"d1\"],\"threshold\":1,\"terminating\":false,\"paths\":[\"dir/?.txt\"]}]",
		"d1");
	assert_int_equal(get_target(&r, "dir/a.txt", &out, &err), SIGN_OK);
	assert_string_equal(out.ptr, "a");
	assert_false(fix_was_fetched(&r, "1.b.json"));
	assert_int_equal(get_target(&r, "dir/b.txt", &out, &err), SIGN_OK);
	assert_string_equal(out.ptr, "b");
	assert_true(fix_was_fetched(&r, "1.b.json"));
	r.nfetched = 0;
	assert_int_equal(get_target(&r, "dir/sub/a.txt", &out, &err), SIGN_ENOTFOUND);
	assert_false(fix_was_fetched(&r, "1.a.json"));
	fix_free(&r);

	/* a terminating role ends the search */
	fix_init(&r);
	publish_delegating(&r,
		"[{\"name\":\"a\",\"keyids\":[\"d1\"],\"threshold\":1,\"terminating\":true,\"paths\":[\"dir/*\"]},"
		" {\"name\":\"b\",\"keyids\":[\"d1\"],\"threshold\":1,\"terminating\":false,\"paths\":[\"dir/*\"]}]",
		"d1");
	assert_int_equal(get_target(&r, "dir/b.txt", &out, &err), SIGN_ENOTFOUND);
	HAS(err, "dir/b.txt: not listed by any trusted targets role");
	assert_false(fix_was_fetched(&r, "1.b.json"));
	fix_free(&r);

	/* path_hash_prefixes */
	fix_init(&r);
	signp_sha256(d, "dir/b.txt", 9);
	signp_hex(hex, d, 32);
	snprintf(roles, sizeof(roles),
		"[{\"name\":\"b\",\"keyids\":[\"d1\"],\"threshold\":1,\"terminating\":false,"
		"\"path_hash_prefixes\":[\"%.2s\"]}]", hex);
	publish_delegating(&r, roles, "d1");
	assert_int_equal(get_target(&r, "dir/b.txt", &out, &err), SIGN_OK);
	fix_free(&r);

	/* a delegated role signed by a key it was not given */
	fix_init(&r);
	publish_delegating(&r,
		"[{\"name\":\"a\",\"keyids\":[\"d1\"],\"threshold\":1,\"terminating\":false,\"paths\":[\"dir/*\"]}]",
		"o1");
	assert_int_equal(get_target(&r, "dir/a.txt", &out, &err), SIGN_EVERIFY);
	HAS(err, "a (version 1): 0 valid signatures of the role's keys, threshold 1 not met");
	fix_free(&r);

	/* a delegated role the snapshot does not list */
	fix_init(&r);
	fix_publish_v(&r, 1, 1, 1, NULL,
		json_pack("{s:{s:o}, s:[{s:s, s:[s], s:i, s:b, s:[s]}]}", "keys", "d1",
			fix_key_json(&r, "d1"), "roles", "name", "c", "keyids", "d1", "threshold", 1,
			"terminating", 0, "paths", "*"),
		NULL, FIX_YEAR);
	assert_int_equal(get_target(&r, "x", &out, &err), SIGN_EVERIFY);
	HAS(err, "c: not listed in the snapshot");
	fix_free(&r);
	sign_buf_dispose(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_and_download),
		cmocka_unit_test(test_root_rotation),
		cmocka_unit_test(test_root_forgeries),
		cmocka_unit_test(test_timestamp),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_target_mismatch),
		cmocka_unit_test(test_delegations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_keystore.c - the key store: <home>/private/<id>.key, its modes,
 * lookups and removal; file paths named by sha256.
 */
#include "keyvec.h"

/* ---- key store ---- */

static void rm_home(const char *home)
{
	char dir[4096], path[4096 + 256];
	DIR *d;
	struct dirent *de;
	snprintf(dir, sizeof(dir), "%s/private", home);
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
	rmdir(home);
}

static void test_keystore(void **state)
{
	char home[] = "/tmp/test_key_home_XXXXXX";
	char path[4096];
	signp_key *root = NULL, *targets = NULL, *loaded = NULL;
	signp_keyinfo *list = NULL, info;
	size_t n = 0;
	sign_error err;
	struct stat st;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_non_null(mkdtemp(home));

	/* empty store */
	assert_int_equal(signp_keystore_list(&list, &n, home, &err), SIGN_OK);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(signp_keystore_find(&info, home, "root", NULL, &err), SIGN_ENOTFOUND);
	memset(&err, 0, sizeof(err));

	assert_int_equal(signp_key_generate(&root, &err), SIGN_OK);
	strcpy(root->role, "root");
	assert_int_equal(signp_key_generate(&targets, &err), SIGN_OK);
	strcpy(targets->role, "targets");
	strcpy(targets->gun, "docker.io/library/app");
	assert_int_equal(signp_keystore_save(home, root, "rp", 2, &err), SIGN_OK);
	assert_int_equal(signp_keystore_save(home, targets, "tp", 2, &err), SIGN_OK);

	snprintf(path, sizeof(path), "%s/private", home);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/private/%s.key", home, root->id);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* a stray non-key file and a temp file are skipped */
	snprintf(path, sizeof(path), "%s/private/README", home);
	assert_int_equal(signp_write_file_atomic(path, "hi", 2, 0600, &err), SIGN_OK);
	snprintf(path, sizeof(path), "%s/private/%064d.key", home, 0);
	assert_int_equal(signp_write_file_atomic(path, "not a key", 9, 0600, &err), SIGN_OK);

	assert_int_equal(signp_keystore_list(&list, &n, home, &err), SIGN_OK);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i].id, root->id) == 0) {
			assert_string_equal(list[i].role, "root");
			assert_string_equal(list[i].gun, "");
		} else {
			assert_string_equal(list[i].id, targets->id);
			assert_string_equal(list[i].role, "targets");
			assert_string_equal(list[i].gun, "docker.io/library/app");
		}
	}
	free(list);

	assert_int_equal(signp_keystore_find(&info, home, "root", NULL, &err), SIGN_OK);
	assert_string_equal(info.id, root->id);
	assert_int_equal(signp_keystore_find(&info, home, "targets", "docker.io/library/app", &err),
		SIGN_OK);
	assert_string_equal(info.id, targets->id);
	assert_int_equal(signp_keystore_find(&info, home, "targets", NULL, &err), SIGN_OK);
	assert_string_equal(info.id, targets->id);
	assert_int_equal(signp_keystore_find(&info, home, "targets", "docker.io/library/other", &err),
		SIGN_ENOTFOUND);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_keystore_info(&info, home, targets->id, &err), SIGN_OK);
	assert_string_equal(info.role, "targets");
	assert_non_null(strstr(info.path, targets->id));

	/* load */
	assert_int_equal(signp_keystore_load(&loaded, home, root->id, "rp", 2, &err), SIGN_OK);
	assert_string_equal(loaded->id, root->id);
	assert_string_equal(loaded->role, "root");
	assert_int_equal(EVP_PKEY_eq(loaded->pkey, root->pkey), 1);
	signp_key_free(loaded);
	loaded = NULL;
	assert_int_equal(signp_keystore_load(&loaded, home, root->id, "xx", 2, &err),
		SIGN_EPASSPHRASE);
	assert_null(loaded);
	memset(&err, 0, sizeof(err));

	/* bad IDs never reach the file system */
	assert_int_equal(signp_keystore_load(&loaded, home, "../../etc/passwd", "rp", 2, &err),
		SIGN_EINVAL);
	assert_int_equal(signp_keystore_remove(home, "ABCDEF", &err), SIGN_EINVAL);
	memset(&err, 0, sizeof(err));
	{
		char upper[65];
		strcpy(upper, root->id);
		for (int i = 0; i < 64; i++)
			if (upper[i] >= 'a')
				upper[i] = (char)(upper[i] - 32);
		if (strcmp(upper, root->id) != 0)
			assert_int_equal(signp_keystore_info(&info, home, upper, &err), SIGN_EINVAL);
		memset(&err, 0, sizeof(err));
	}

	/* a group-readable key file is refused */
	snprintf(path, sizeof(path), "%s/private/%s.key", home, root->id);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(signp_keystore_load(&loaded, home, root->id, "rp", 2, &err), SIGN_EKEY);
	assert_null(loaded);
	assert_non_null(strstr(err.hint, "chmod 600"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(chmod(path, 0600), 0);

	/* a file whose content does not match its name */
	{
		sign_buf pem = SIGN_BUF_INIT;
		assert_int_equal(signp_key_write_cosign(&pem, targets, "rp", 2, &err), SIGN_OK);
		assert_int_equal(signp_keystore_save_raw(home, root->id, pem.ptr, pem.size, &err),
			SIGN_OK);
		assert_int_equal(signp_keystore_load(&loaded, home, root->id, "rp", 2, &err),
			SIGN_EKEY);
		memset(&err, 0, sizeof(err));
		sign_buf_dispose(&pem);
		assert_int_equal(signp_keystore_save(home, root, "rp", 2, &err), SIGN_OK);
		/* import a notary key as it is */
		sign_buf raw = SIGN_BUF_INIT;
		read_vector(&raw, "notary/root_key_aae408.key");
		{
			signp_key *nk = NULL;
			assert_int_equal(signp_key_parse(&nk, raw.ptr, raw.size, "rootpass", 8, &err),
				SIGN_OK);
			assert_int_equal(signp_keystore_save_raw(home, nk->id, raw.ptr, raw.size, &err),
				SIGN_OK);
			signp_key_free(loaded);
			loaded = NULL;
			assert_int_equal(signp_keystore_load(&loaded, home, nk->id, "rootpass", 8, &err),
				SIGN_OK);
			assert_string_equal(loaded->role, "root");
			signp_key_free(nk);
		}
		sign_buf_dispose(&raw);
	}

	/* remove */
	assert_int_equal(signp_keystore_remove(home, targets->id, &err), SIGN_OK);
	assert_int_equal(signp_keystore_remove(home, targets->id, &err), SIGN_ENOTFOUND);
	memset(&err, 0, sizeof(err));
	signp_key_free(loaded);
	loaded = NULL;
	assert_int_equal(signp_keystore_load(&loaded, home, targets->id, "tp", 2, &err),
		SIGN_ENOTFOUND);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_keystore_find(&info, home, "targets", NULL, &err), SIGN_ENOTFOUND);

	signp_key_free(loaded);
	signp_key_free(root);
	signp_key_free(targets);
	rm_home(home);
}

/* signp_sha256 takes libsodium below 64 KiB and OpenSSL above: both give
 * the same digest, at the edge and on FIPS 180-2's million 'a's. */
static void test_sha256_paths(void **state)
{
	static const size_t sizes[] = { 0, 3, 65535, 65536, 65537, 1000000 };
	unsigned char *buf = malloc(1000000), got[32], want[32];
	char hex[65];
	size_t i;
	(void)state;
	assert_non_null(buf);
	memset(buf, 'a', 1000000);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		signp_sha256(got, buf, sizes[i]);
		crypto_hash_sha256(want, buf, sizes[i]);
		assert_memory_equal(got, want, 32);
	}
	signp_sha256(got, buf, 1000000);
	signp_hex(hex, got, 32);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	signp_sha256(got, "abc", 3);
	signp_hex(hex, got, 32);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_paths),
		cmocka_unit_test(test_keystore),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

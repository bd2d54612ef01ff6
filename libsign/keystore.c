/*
 * keystore.c - private keys in <home>/private/<canonical id>.key.
 * Files are 0600 in a 0700 folder and are written atomically.
 */
#include "key.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int keyid_valid(const char *id)
{
	size_t i;
	if (id == NULL)
		return 0;
	for (i = 0; i < 64; i++) {
		char c = id[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return id[64] == '\0';
}

static int private_dir(sign_buf *out, const char *home, sign_error *err)
{
	if (home == NULL || home[0] == '\0')
		return signp_err(err, SIGN_EINVAL, "key store: no home folder");
	if (signp_path_join(out, home, "private") != SIGN_OK)
		return signp_err(err, SIGN_ENOMEM, "key store: out of memory");
	return SIGN_OK;
}

static int key_path(sign_buf *out, const char *home, const char *keyid, sign_error *err)
{
	sign_buf dir = SIGN_BUF_INIT;
	char name[80];
	int r;
	if (!keyid_valid(keyid))
		return signp_err(err, SIGN_EINVAL, "key store: invalid key ID");
	if ((r = private_dir(&dir, home, err)) != SIGN_OK)
		goto out;
	snprintf(name, sizeof(name), "%s.key", keyid);
	if (signp_path_join(out, dir.ptr, name) != SIGN_OK)
		r = signp_err(err, SIGN_ENOMEM, "key store: out of memory");
out:
	sign_buf_dispose(&dir);
	return r;
}

/* <home>/private/<id>.pub: the public key, PEM. */
static int pub_path(sign_buf *out, const char *home, const char *keyid)
{
	sign_buf key = SIGN_BUF_INIT;
	int r = key_path(&key, home, keyid, NULL);
	if (r == SIGN_OK && key.size > 4) {
		key.size -= 4; /* ".key" */
		key.ptr[key.size] = '\0';
		r = signp_buf_printf(out, "%s.pub", key.ptr);
	}
	sign_buf_dispose(&key);
	return r;
}

int signp_keystore_public(signp_key **out, const char *home, const char *keyid, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	signp_key *k = NULL;
	int r;
	*out = NULL;
	if ((r = pub_path(&path, home, keyid)) != SIGN_OK ||
	    (r = signp_read_file(&data, path.ptr, SIGN_MAX_KEYFILE, err)) != SIGN_OK ||
	    (r = signp_key_parse(&k, data.ptr, data.size, NULL, 0, err)) != SIGN_OK)
		goto out;
	if (strcmp(k->id, keyid) != 0) {
		r = signp_err(err, SIGN_EKEY, "public key %s does not match its name", path.ptr);
		goto out;
	}
	*out = k;
	k = NULL;
out:
	signp_key_free(k);
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	return r;
}

static int write_key_file(const char *home, const char *keyid, const void *data, size_t len,
	sign_error *err)
{
	sign_buf dir = SIGN_BUF_INIT, path = SIGN_BUF_INIT;
	int r;
	if ((r = key_path(&path, home, keyid, err)) != SIGN_OK)
		goto out;
	if ((r = private_dir(&dir, home, err)) != SIGN_OK)
		goto out;
	if ((r = signp_mkdirs(dir.ptr, 0700, err)) != SIGN_OK)
		goto out;
	r = signp_write_file_atomic(path.ptr, data, len, 0600, err);
out:
	sign_buf_dispose(&dir);
	sign_buf_dispose(&path);
	return r;
}

int signp_keystore_save(const char *home, const signp_key *k, const char *pass, size_t passlen,
	sign_error *err)
{
	sign_buf pem = SIGN_BUF_INIT;
	int r;
	if (k == NULL || !k->is_private)
		return signp_err(err, SIGN_EINVAL, "saving key: not a private key");
	if ((r = signp_key_write_cosign(&pem, k, pass, passlen, err)) != SIGN_OK)
		goto out;
	r = write_key_file(home, k->id, pem.ptr, pem.size, err);
	if (r == SIGN_OK) {
		/* the public half beside it, so exporting it needs no passphrase */
		sign_buf pub = SIGN_BUF_INIT, ppath = SIGN_BUF_INIT;
		if (signp_key_public_pem(&pub, k->pkey, NULL) == SIGN_OK &&
		    pub_path(&ppath, home, k->id) == SIGN_OK)
			signp_write_file_atomic(ppath.ptr, pub.ptr, pub.size, 0600, NULL);
		sign_buf_dispose(&pub);
		sign_buf_dispose(&ppath);
	}
out:
	if (r != SIGN_OK)
		signp_err_prefix(err, r, "saving key %.12s", k->id);
	sign_buf_dispose(&pem);
	return r;
}

int signp_keystore_save_raw(const char *home, const char *id, const void *data, size_t len,
	sign_error *err)
{
	if (data == NULL || len == 0 || len > SIGN_MAX_KEYFILE)
		return signp_err(err, SIGN_EINVAL, "saving key: bad key file size");
	return write_key_file(home, id, data, len, err);
}

/* Is this file content a private key PEM?  Fill info from its headers. */
static int read_info(signp_keyinfo *out, const char *path, const char *keyid, sign_error *err)
{
	sign_buf data = SIGN_BUF_INIT;
	int r;
	memset(out, 0, sizeof(*out));
	if ((r = signp_read_file(&data, path, SIGN_MAX_KEYFILE, err)) != SIGN_OK)
		goto out;
	if (strstr(data.ptr, "PRIVATE KEY-----") == NULL ||
		signp_key_read_headers(out->role, out->gun, data.ptr, data.size) != SIGN_OK) {
		r = signp_err(err, SIGN_EFORMAT, "reading %s: not a private key file", path);
		goto out;
	}
	memcpy(out->id, keyid, 64);
	out->id[64] = '\0';
	if (signp_strlcpy(out->path, path, sizeof(out->path)) != 0) {
		r = signp_err(err, SIGN_EINVAL, "reading %s: path too long", path);
		goto out;
	}
	r = SIGN_OK;
out:
	signp_buf_dispose_secure(&data);
	return r;
}

static int cmp_info(const void *a, const void *b)
{
	return strcmp(((const signp_keyinfo *)a)->id, ((const signp_keyinfo *)b)->id);
}

int signp_keystore_list(signp_keyinfo **out, size_t *n, const char *home, sign_error *err)
{
	sign_buf dir = SIGN_BUF_INIT, path = SIGN_BUF_INIT;
	DIR *d = NULL;
	struct dirent *de;
	signp_keyinfo *list = NULL, *tmp;
	size_t count = 0, cap = 0;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = private_dir(&dir, home, err)) != SIGN_OK)
		goto out;
	d = opendir(dir.ptr);
	if (d == NULL) {
		if (errno == ENOENT) {
			r = SIGN_OK;
			goto out;
		}
		r = signp_err_errno(err, SIGN_EIO, "listing keys in %s", dir.ptr);
		goto out;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		char id[65];
		signp_keyinfo info;
		if (strlen(de->d_name) != 68 || !signp_str_has_suffix(de->d_name, ".key"))
			continue;
		memcpy(id, de->d_name, 64);
		id[64] = '\0';
		if (!keyid_valid(id))
			continue;
		signp_buf_clear(&path);
		if (signp_path_join(&path, dir.ptr, de->d_name) != SIGN_OK) {
			r = signp_err(err, SIGN_ENOMEM, "listing keys: out of memory");
			goto out;
		}
		if (read_info(&info, path.ptr, id, NULL) != SIGN_OK)
			continue; /* not a key file: skip */
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			tmp = realloc(list, ncap * sizeof(*list));
			if (tmp == NULL) {
				r = signp_err(err, SIGN_ENOMEM, "listing keys: out of memory");
				goto out;
			}
			list = tmp;
			cap = ncap;
		}
		list[count++] = info;
	}
	if (errno != 0) {
		r = signp_err_errno(err, SIGN_EIO, "listing keys in %s", dir.ptr);
		goto out;
	}
	if (count > 1)
		qsort(list, count, sizeof(*list), cmp_info);
	*out = list;
	*n = count;
	list = NULL;
	r = SIGN_OK;
out:
	if (d)
		closedir(d);
	free(list);
	sign_buf_dispose(&dir);
	sign_buf_dispose(&path);
	return r;
}

int signp_keystore_find(signp_keyinfo *out, const char *home, const char *role, const char *gun,
	sign_error *err)
{
	signp_keyinfo *list = NULL;
	size_t n = 0, i;
	int r;
	if (role == NULL)
		return signp_err(err, SIGN_EINVAL, "finding key: no role");
	if ((r = signp_keystore_list(&list, &n, home, err)) != SIGN_OK)
		return r;
	r = SIGN_ENOTFOUND;
	for (i = 0; i < n; i++) {
		if (strcmp(list[i].role, role) != 0)
			continue;
		if (gun != NULL && strcmp(list[i].gun, gun) != 0)
			continue;
		*out = list[i];
		r = SIGN_OK;
		break;
	}
	free(list);
	if (r != SIGN_OK) {
		if (gun)
			signp_err(err, SIGN_ENOTFOUND, "finding key: no %s key for %s", role, gun);
		else
			signp_err(err, SIGN_ENOTFOUND, "finding key: no %s key", role);
	}
	return r;
}

int signp_keystore_info(signp_keyinfo *out, const char *home, const char *keyid, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	int r;
	if ((r = key_path(&path, home, keyid, err)) != SIGN_OK)
		goto out;
	r = read_info(out, path.ptr, keyid, err);
	if (r == SIGN_ENOTFOUND)
		signp_err_hint(err, "run `sign key list` to see the keys you have");
out:
	sign_buf_dispose(&path);
	return r;
}

int signp_keystore_load(signp_key **out, const char *home, const char *keyid, const char *pass,
	size_t passlen, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	signp_key *k = NULL;
	int r;

	*out = NULL;
	if ((r = key_path(&path, home, keyid, err)) != SIGN_OK)
		goto out;
	if (access(path.ptr, F_OK) != 0 && errno == ENOENT) {
		r = signp_err(err, SIGN_ENOTFOUND, "loading key %.12s: not in the key store", keyid);
		goto out;
	}
	if ((r = signp_check_private_file(path.ptr, err)) != SIGN_OK) {
		r = SIGN_EKEY;
		if (err && err->code != SIGN_EKEY)
			err->code = SIGN_EKEY;
		goto out;
	}
	if ((r = signp_read_file(&data, path.ptr, SIGN_MAX_KEYFILE, err)) != SIGN_OK)
		goto out;
	if ((r = signp_key_parse(&k, data.ptr, data.size, pass, passlen, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "loading key %.12s", keyid);
		goto out;
	}
	if (!k->is_private) {
		r = signp_err(err, SIGN_EKEY, "loading key %.12s: file holds no private key", keyid);
		goto out;
	}
	if (strcmp(k->id, keyid) != 0) {
		r = signp_err(err, SIGN_EKEY, "loading key %.12s: file holds key %.12s instead", keyid,
			k->id);
		goto out;
	}
	*out = k;
	k = NULL;
	r = SIGN_OK;
out:
	signp_key_free(k);
	signp_buf_dispose_secure(&data);
	sign_buf_dispose(&path);
	return r;
}

int signp_keystore_remove(const char *home, const char *keyid, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	int r;
	if ((r = key_path(&path, home, keyid, err)) != SIGN_OK)
		goto out;
	{
		sign_buf pub = SIGN_BUF_INIT;
		if (pub_path(&pub, home, keyid) == SIGN_OK)
			unlink(pub.ptr);
		sign_buf_dispose(&pub);
	}
	if (unlink(path.ptr) != 0) {
		if (errno == ENOENT)
			r = signp_err(err, SIGN_ENOTFOUND, "removing key %.12s: not in the key store",
				keyid);
		else
			r = signp_err_errno(err, SIGN_EIO, "removing key %s", path.ptr);
		goto out;
	}
	r = SIGN_OK;
out:
	sign_buf_dispose(&path);
	return r;
}

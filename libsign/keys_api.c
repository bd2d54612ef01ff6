/*
 * keys_api.c - sign_key_*: generate, list, import, export, remove.
 */
#include "common.h"
#include "ctx.h"
#include "key.h"
#include "ref.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

static int valid_role(const char *role)
{
	if (role == NULL || *role == '\0' || strlen(role) >= 64)
		return 0;
	for (const char *p = role; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		      *p == '/'))
			return 0;
	return 1;
}

SIGN_EXTERN(int) sign_key_generate(char keyid_out[72], sign_ctx *ctx, const char *role,
	const char *gun, sign_error *err)
{
	signp_key *k = NULL;
	int r;
	signp_err_clear(err);
	keyid_out[0] = '\0';
	if (!valid_role(role))
		return signp_err(err, SIGN_EINVAL, "generating key: bad role name");
	if (gun && *gun && !signp_gun_valid(gun))
		return signp_err(err, SIGN_EINVAL, "generating key: %s is not a valid GUN", gun);
	if ((r = signp_key_generate(&k, err)) != SIGN_OK)
		return r;
	signp_strlcpy(k->role, role, sizeof(k->role));
	if (gun)
		signp_strlcpy(k->gun, gun, sizeof(k->gun));
	if ((r = signp_ctx_save_key(ctx, k, signp_role_pass_kind(role), err)) == SIGN_OK)
		signp_strlcpy(keyid_out, k->id, 72);
	signp_key_free(k);
	return r;
}

SIGN_EXTERN(int) sign_key_list(sign_buf *json_out, sign_ctx *ctx, sign_error *err)
{
	signp_keyinfo *infos = NULL;
	size_t n = 0;
	json_t *arr;
	char *s;
	int r;
	signp_err_clear(err);
	r = signp_keystore_list(&infos, &n, ctx->home, err);
	if (r == SIGN_ENOTFOUND) {
		signp_err_clear(err);
		r = SIGN_OK;
	}
	if (r != SIGN_OK)
		return r;
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "keyid", infos[i].id,
			"role", infos[i].role, "gun", infos[i].gun, "file", infos[i].path));
	s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s == NULL || signp_buf_puts(json_out, s) != SIGN_OK)
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
	free(s);
	json_decref(arr);
	free(infos);
	return r;
}

SIGN_EXTERN(int) sign_key_import(char keyid_out[72], sign_ctx *ctx, const char *path,
	const char *role, const char *gun, sign_error *err)
{
	sign_buf data = SIGN_BUF_INIT;
	signp_key *k = NULL;
	char *pass = NULL, frole[64] = "", fgun[512] = "";
	int r;
	sign_pass_kind kind;

	signp_err_clear(err);
	keyid_out[0] = '\0';
	if (role && !valid_role(role))
		return signp_err(err, SIGN_EINVAL, "importing %s: bad role name", path);
	if (gun && *gun && !signp_gun_valid(gun))
		return signp_err(err, SIGN_EINVAL, "importing %s: %s is not a valid GUN", path, gun);
	if ((r = signp_read_file(&data, path, SIGN_MAX_KEYFILE, err)) != SIGN_OK)
		goto out;
	signp_key_read_headers(frole, fgun, data.ptr, data.size);
	if (role == NULL)
		role = frole[0] ? frole : "targets";
	/* cosign and notary call the repository key "targets" */
	kind = signp_role_pass_kind(role);
	if (signp_key_data_encrypted(data.ptr, data.size)) {
		/* the file's own passphrase if the caller has one, else the role's */
		if (signp_ctx_passphrase(&pass, ctx, SIGN_PASS_IMPORT, NULL, 0, NULL) != SIGN_OK &&
		    (r = signp_ctx_passphrase(&pass, ctx, kind, NULL, 0, err)) != SIGN_OK)
			goto out;
	}
	if ((r = signp_key_parse(&k, data.ptr, data.size, pass, pass ? strlen(pass) : 0, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "importing %s", path);
		goto out;
	}
	if (!k->is_private) {
		r = signp_err(err, SIGN_EINVAL, "importing %s: not a private key", path);
		goto out;
	}
	signp_strlcpy(k->role, role, sizeof(k->role));
	signp_strlcpy(k->gun, gun ? gun : fgun, sizeof(k->gun));
	/* store under the home's passphrase for that role */
	if ((r = signp_ctx_save_key(ctx, k, kind, err)) != SIGN_OK)
		goto out;
	signp_strlcpy(keyid_out, k->id, 72);
out:
	if (pass)
		sodium_free(pass);
	signp_key_free(k);
	signp_buf_dispose_secure(&data);
	return r;
}

SIGN_EXTERN(int) sign_key_export(sign_buf *out, sign_ctx *ctx, const char *keyid,
	sign_key_format format, sign_error *err)
{
	signp_keyinfo info;
	signp_key *k = NULL;
	sign_buf data = SIGN_BUF_INIT;
	int r;
	signp_err_clear(err);
	if ((r = signp_keystore_info(&info, ctx->home, keyid, err)) != SIGN_OK)
		return r;
	switch (format) {
	case SIGN_KEY_FORMAT_COSIGN:
		if ((r = signp_check_private_file(info.path, err)) == SIGN_OK)
			r = signp_read_file(out, info.path, SIGN_MAX_KEYFILE, err);
		break;
	case SIGN_KEY_FORMAT_PUBLIC:
		if (signp_keystore_public(&k, ctx->home, info.id, NULL) == SIGN_OK) {
			r = signp_key_public_pem(out, k->pkey, err);
			break;
		}
		/* no public file beside it: decrypt */
		__attribute__((fallthrough));
	case SIGN_KEY_FORMAT_PKCS8: {
		char *pass = NULL;
		if ((r = signp_ctx_load_key(&k, ctx, info.id, signp_role_pass_kind(info.role), err)) != SIGN_OK)
			break;
		if (format == SIGN_KEY_FORMAT_PUBLIC) {
			r = signp_key_public_pem(out, k->pkey, err);
			break;
		}
		if ((r = signp_ctx_passphrase(&pass, ctx, signp_role_pass_kind(info.role), info.id, 0, err)) == SIGN_OK)
			r = signp_key_write_pkcs8(out, k, pass, strlen(pass), err);
		if (pass)
			sodium_free(pass);
		break;
	}
	default:
		r = signp_err(err, SIGN_EINVAL, "export: unknown format");
	}
	signp_key_free(k);
	sign_buf_dispose(&data);
	return r;
}

SIGN_EXTERN(int) sign_key_remove(sign_ctx *ctx, const char *keyid, sign_error *err)
{
	signp_err_clear(err);
	signp_ctx_forget_key(ctx, keyid);
	return signp_keystore_remove(ctx->home, keyid, err);
}

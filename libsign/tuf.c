/*
 * tuf.c - Notary v1's TUF dialect: metadata files (parsing and structure
 * checks) and file metadata (lengths and hashes).  Keys are tuf_key.c's,
 * signatures and thresholds tuf_sig.c's, root checks tuf_root.c's,
 * canonical JSON cjson.c's.
 * Reference: shared/reference/notary-tuf.md §1 to §4 and §6.
 */
#include "tuf_local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static const char *role_type(const char *role)
{
	if (role == NULL)
		return NULL;
	if (strcmp(role, "root") == 0)
		return "Root";
	if (strcmp(role, "snapshot") == 0)
		return "Snapshot";
	if (strcmp(role, "timestamp") == 0)
		return "Timestamp";
	if (strcmp(role, "targets") == 0 || strncmp(role, "targets/", 8) == 0)
		return "Targets";
	return NULL;
}

/* Integer value of an integer or integral real; 0 if not one. */
int signp_tuf_json_int64(const json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return 1;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d != d || d < -9223372036854775808.0 || d >= 9223372036854775808.0 ||
		    (double)(long long)d != d)
			return 0;
		*out = (int64_t)d;
		return 1;
	}
	return 0;
}

const char *signp_tuf_obj_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---------------------------------------------------------------------- */
/* Parsing                                                                 */

static int malformed(sign_error *err, const char *role, const char *why)
{
	return signp_err(err, SIGN_EVERIFY, "%s: malformed metadata: %s", role, why);
}

/* {"keyids":[str...],"threshold":int>=1} */
static int check_role_obj(const json_t *r, const char *role, const char *name, sign_error *err)
{
	const json_t *ids = json_object_get(r, "keyids"), *id;
	int64_t th;
	size_t i;
	char why[192];

	if (!json_is_object(r)) {
		snprintf(why, sizeof(why), "role %.100s is missing or not an object", name);
		return malformed(err, role, why);
	}
	if (!json_is_array(ids)) {
		snprintf(why, sizeof(why), "role %.100s has no keyids", name);
		return malformed(err, role, why);
	}
	json_array_foreach(ids, i, id) {
		if (!json_is_string(id)) {
			snprintf(why, sizeof(why), "role %.100s has a key ID that is not a string",
				name);
			return malformed(err, role, why);
		}
	}
	if (!signp_tuf_json_int64(json_object_get(r, "threshold"), &th) || th < 1) {
		snprintf(why, sizeof(why), "role %.100s has an invalid threshold", name);
		return malformed(err, role, why);
	}
	return SIGN_OK;
}

/* keys map: {id:{"keytype":str,"keyval":{"public":str,...}}} */
static int check_keys_obj(const json_t *keys, const char *role, sign_error *err)
{
	const char *id;
	json_t *k;

	if (!json_is_object(keys))
		return malformed(err, role, "keys is missing or not an object");
	json_object_foreach((json_t *)keys, id, k) {
		const json_t *kv = json_object_get(k, "keyval");
		if (!json_is_object(k) || signp_tuf_obj_str(k, "keytype") == NULL || !json_is_object(kv) ||
		    signp_tuf_obj_str(kv, "public") == NULL)
			return malformed(err, role, "key entry without keytype or keyval.public");
	}
	return SIGN_OK;
}

static int check_meta_entry(const json_t *meta, const char *role, const char *name,
	sign_error *err)
{
	const json_t *e = json_object_get(meta, name);
	char why[192];
	if (!json_is_object(e) || signp_tuf_obj_str(json_object_get(e, "hashes"), "sha256") == NULL) {
		snprintf(why, sizeof(why), "meta for %.100s has no sha256 hash", name);
		return malformed(err, role, why);
	}
	return SIGN_OK;
}

static int check_structure(const signp_tuf_file *f, const char *role, sign_error *err)
{
	const json_t *s = f->signed_obj, *meta, *roles, *dl;
	static const char *const base[] = { "root", "targets", "snapshot", "timestamp" };
	size_t i;
	int r;

	if (strcmp(f->type, "Root") == 0) {
		if ((r = check_keys_obj(json_object_get(s, "keys"), role, err)) != SIGN_OK)
			return r;
		roles = json_object_get(s, "roles");
		if (!json_is_object(roles))
			return malformed(err, role, "missing roles");
		for (i = 0; i < 4; i++)
			if ((r = check_role_obj(json_object_get(roles, base[i]), role, base[i],
				     err)) != SIGN_OK)
				return r;
	} else if (strcmp(f->type, "Snapshot") == 0) {
		meta = json_object_get(s, "meta");
		if (!json_is_object(meta))
			return malformed(err, role, "missing meta");
		if ((r = check_meta_entry(meta, role, "root", err)) != SIGN_OK ||
		    (r = check_meta_entry(meta, role, "targets", err)) != SIGN_OK)
			return r;
	} else if (strcmp(f->type, "Timestamp") == 0) {
		meta = json_object_get(s, "meta");
		if (!json_is_object(meta))
			return malformed(err, role, "missing meta");
		if ((r = check_meta_entry(meta, role, "snapshot", err)) != SIGN_OK)
			return r;
	} else {
		if (!json_is_object(json_object_get(s, "targets")))
			return malformed(err, role, "missing targets");
		dl = json_object_get(s, "delegations");
		if (dl != NULL && !json_is_null(dl)) {
			const json_t *dr;
			if (!json_is_object(dl))
				return malformed(err, role, "delegations is not an object");
			if ((r = check_keys_obj(json_object_get(dl, "keys"), role, err)) != SIGN_OK)
				return r;
			roles = json_object_get(dl, "roles");
			if (!json_is_array(roles))
				return malformed(err, role, "delegations.roles is not an array");
			json_array_foreach(roles, i, dr) {
				const char *name = signp_tuf_obj_str(dr, "name");
				const json_t *paths = json_object_get(dr, "paths");
				if (name == NULL)
					return malformed(err, role, "delegation without a name");
				if ((r = check_role_obj(dr, role, name, err)) != SIGN_OK)
					return r;
				if (paths != NULL && !json_is_null(paths) && !json_is_array(paths))
					return malformed(err, role,
						"delegation paths is not an array");
			}
		}
	}
	return SIGN_OK;
}

int signp_tuf_parse(signp_tuf_file **out, const char *role, const void *bytes, size_t len,
	sign_error *err)
{
	int r = SIGN_ERROR;
	signp_tuf_file *f = NULL;
	const char *type = role_type(role), *exp;
	const json_t *tv;
	json_t *sig;
	json_error_t jerr;
	size_t i;

	if (out == NULL || (bytes == NULL && len > 0))
		return signp_err(err, SIGN_EINVAL, "metadata: bad arguments");
	*out = NULL;
	if (type == NULL || strlen(role) >= sizeof(f->role))
		return signp_err(err, SIGN_EINVAL, "metadata: invalid role name");
	if (len > SIGN_MAX_METADATA)
		return signp_err(err, SIGN_EVERIFY, "%s: metadata too large (%zu bytes)", role, len);
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return signp_err(err, SIGN_ENOMEM, "%s: out of memory", role);
	memcpy(f->role, role, strlen(role) + 1);
	memcpy(f->type, type, strlen(type) + 1);
	f->bytes = malloc(len ? len : 1);
	if (f->bytes == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "%s: out of memory", role);
		goto out;
	}
	if (len)
		memcpy(f->bytes, bytes, len);
	f->len = len;

	f->doc = json_loadb(bytes ? bytes : "", len, 0, &jerr);
	if (f->doc == NULL) {
		r = signp_err(err, SIGN_EVERIFY, "%s: malformed metadata: invalid JSON: %s", role,
			jerr.text);
		goto out;
	}
	if (!json_is_object(f->doc)) {
		r = malformed(err, role, "not a JSON object");
		goto out;
	}
	f->signed_obj = json_object_get(f->doc, "signed");
	f->signatures = json_object_get(f->doc, "signatures");
	if (!json_is_object(f->signed_obj)) {
		r = malformed(err, role, "missing signed");
		goto out;
	}
	if (!json_is_array(f->signatures)) {
		r = malformed(err, role, "missing signatures");
		goto out;
	}
	json_array_foreach(f->signatures, i, sig) {
		json_t *m = json_object_get(sig, "method");
		char *lower;
		size_t j, ml;
		if (!json_is_object(sig) || signp_tuf_obj_str(sig, "keyid") == NULL || !json_is_string(m) ||
		    signp_tuf_obj_str(sig, "sig") == NULL) {
			r = malformed(err, role, "invalid signature entry");
			goto out;
		}
		ml = json_string_length(m);
		lower = signp_strndup(json_string_value(m), ml);
		if (lower == NULL) {
			r = signp_err(err, SIGN_ENOMEM, "%s: out of memory", role);
			goto out;
		}
		for (j = 0; j < ml; j++)
			if (lower[j] >= 'A' && lower[j] <= 'Z')
				lower[j] = (char)(lower[j] - 'A' + 'a');
		j = (size_t)json_string_setn(m, lower, ml);
		free(lower);
		if (j != 0) {
			r = malformed(err, role, "invalid signature method");
			goto out;
		}
	}
	tv = json_object_get(f->signed_obj, "_type");
	if (!json_is_string(tv)) {
		r = malformed(err, role, "missing _type");
		goto out;
	}
	if (strcmp(json_string_value(tv), type) != 0) {
		r = signp_err(err, SIGN_EVERIFY, "%s: malformed metadata: wrong _type \"%.32s\"",
			role, json_string_value(tv));
		goto out;
	}
	if (!signp_tuf_json_int64(json_object_get(f->signed_obj, "version"), &f->version)) {
		r = malformed(err, role, "missing or invalid version");
		goto out;
	}
	if (f->version < 1) {
		r = malformed(err, role, "version must be at least 1");
		goto out;
	}
	exp = signp_tuf_obj_str(f->signed_obj, "expires");
	if (exp == NULL) {
		r = malformed(err, role, "missing expires");
		goto out;
	}
	if (signp_time_parse(exp, &f->expires) != SIGN_OK) {
		r = malformed(err, role, "invalid expires");
		goto out;
	}
	if ((r = check_structure(f, role, err)) != SIGN_OK)
		goto out;
	*out = f;
	f = NULL;
	r = SIGN_OK;
out:
	signp_tuf_file_free(f);
	return r;
}

void signp_tuf_scan_free(signp_tuf_scan *s)
{
	if (s == NULL)
		return;
	free(s->targets);
	free(s->names);
	free(s);
}

static signp_tuf_scan *scan_dup(const signp_tuf_scan *src)
{
	signp_tuf_scan *s = malloc(sizeof(*s));
	if (s == NULL)
		return NULL;
	*s = *src;
	s->targets = malloc(src->ntargets ? src->ntargets * sizeof(*s->targets) : 1);
	s->names = malloc(src->names_len ? src->names_len : 1);
	if (s->targets == NULL || s->names == NULL) {
		signp_tuf_scan_free(s);
		return NULL;
	}
	if (src->ntargets)
		memcpy(s->targets, src->targets, src->ntargets * sizeof(*s->targets));
	if (src->names_len)
		memcpy(s->names, src->names, src->names_len);
	return s;
}

signp_tuf_file *signp_tuf_file_dup(const signp_tuf_file *src)
{
	signp_tuf_file *f;
	if (src == NULL || (f = malloc(sizeof(*f))) == NULL)
		return NULL;
	*f = *src;
	if ((f->bytes = malloc(src->len ? src->len : 1)) == NULL) {
		free(f);
		return NULL;
	}
	if (src->len)
		memcpy(f->bytes, src->bytes, src->len);
	f->scan = NULL;
	if (src->scan != NULL && (f->scan = scan_dup(src->scan)) == NULL) {
		free(f->bytes);
		free(f);
		return NULL;
	}
	json_incref(f->doc);
	return f;
}

void signp_tuf_file_free(signp_tuf_file *f)
{
	if (f == NULL)
		return;
	json_decref(f->doc);
	free(f->bytes);
	signp_tuf_scan_free(f->scan);
	free(f);
}

/* ---------------------------------------------------------------------- */
/* File metadata                                                           */

json_t *signp_tuf_filemeta(const void *bytes, size_t len, int with_sha512)
{
	unsigned char d256[32], d512[64];
	sign_buf b = SIGN_BUF_INIT;
	json_t *hashes = NULL, *o = NULL;

	if (bytes == NULL && len > 0)
		return NULL;
	if (bytes == NULL)
		bytes = "";
	if (len > (size_t)INT64_MAX)
		return NULL;
	hashes = json_object();
	if (hashes == NULL)
		goto fail;
	signp_sha256(d256, bytes, len);
	if (signp_b64_encode(&b, d256, sizeof(d256)) != SIGN_OK ||
	    json_object_set_new(hashes, "sha256", json_string(b.ptr)) != 0)
		goto fail;
	if (with_sha512) {
		signp_sha512(d512, bytes, len);
		signp_buf_clear(&b);
		if (signp_b64_encode(&b, d512, sizeof(d512)) != SIGN_OK ||
		    json_object_set_new(hashes, "sha512", json_string(b.ptr)) != 0)
			goto fail;
	}
	o = json_object();
	if (o == NULL || json_object_set_new(o, "hashes", hashes) != 0) {
		hashes = NULL; /* consumed even on failure */
		goto fail;
	}
	hashes = NULL;
	if (json_object_set_new(o, "length", json_integer((json_int_t)len)) != 0)
		goto fail;
	sign_buf_dispose(&b);
	return o;
fail:
	json_decref(hashes);
	json_decref(o);
	sign_buf_dispose(&b);
	return NULL;
}

int signp_tuf_check_filemeta(const json_t *meta, const void *bytes, size_t len, const char *role,
	sign_error *err)
{
	static const struct {
		const char *name;
		size_t size;
	} algs[] = { { "sha512", 64 }, { "sha256", 32 } }; /* notary checks sha512 first */
	const json_t *hashes = json_object_get(meta, "hashes");
	unsigned char d[64];
	sign_buf raw = SIGN_BUF_INIT;
	int r = SIGN_ERROR, known = 0;
	size_t i;

	if (role == NULL)
		role = "metadata";
	if (bytes == NULL && len > 0)
		return signp_err(err, SIGN_EINVAL, "checksum for %s: bad arguments", role);
	if (bytes == NULL)
		bytes = "";
	if (!json_is_object(hashes)) {
		r = signp_err(err, SIGN_EVERIFY, "checksum for %s: no hashes", role);
		goto out;
	}
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		const json_t *h = json_object_get(hashes, algs[i].name);
		if (h == NULL)
			continue;
		known++;
		signp_buf_clear(&raw);
		if (!json_is_string(h) ||
		    signp_b64_decode(&raw, json_string_value(h), json_string_length(h)) != SIGN_OK ||
		    raw.size != algs[i].size) {
			r = signp_err(err, SIGN_EVERIFY, "%s checksum for %s did not match",
				algs[i].name, role);
			goto out;
		}
		if (algs[i].size == 64)
			signp_sha512(d, bytes, len);
		else
			signp_sha256(d, bytes, len);
		if (sodium_memcmp(d, raw.ptr, algs[i].size) != 0) {
			r = signp_err(err, SIGN_EVERIFY, "%s checksum for %s did not match",
				algs[i].name, role);
			goto out;
		}
	}
	if (known == 0) {
		r = signp_err(err, SIGN_EVERIFY, "checksum for %s: no sha256 or sha512 hash", role);
		goto out;
	}
	r = SIGN_OK;
out:
	sign_buf_dispose(&raw);
	return r;
}

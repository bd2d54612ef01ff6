/*
 * tuf.c - Notary v1's TUF dialect: metadata files, key IDs, signatures,
 * file metadata (hashes) and root validation.
 * Reference: shared/reference/notary-tuf.md §1 to §4 and §6.
 */
#include "tuf.h"
#include "key.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

/* Verification attempts per call: a hostile file could carry huge numbers
 * of bogus signatures under a listed key ID. */
#define TUF_MAX_SIG_ATTEMPTS SIGN_MAX_SIGNATURES
#define TUF_RSA_MIN_BITS 2048

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */

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
static int json_int64(const json_t *v, int64_t *out)
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

static const char *obj_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int is_hexid(const char *s)
{
	size_t i;
	if (s == NULL)
		return 0;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
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
	if (!json_int64(json_object_get(r, "threshold"), &th) || th < 1) {
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
		if (!json_is_object(k) || obj_str(k, "keytype") == NULL || !json_is_object(kv) ||
		    obj_str(kv, "public") == NULL)
			return malformed(err, role, "key entry without keytype or keyval.public");
	}
	return SIGN_OK;
}

static int check_meta_entry(const json_t *meta, const char *role, const char *name,
	sign_error *err)
{
	const json_t *e = json_object_get(meta, name);
	char why[192];
	if (!json_is_object(e) || obj_str(json_object_get(e, "hashes"), "sha256") == NULL) {
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
				const char *name = obj_str(dr, "name");
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
		if (!json_is_object(sig) || obj_str(sig, "keyid") == NULL || !json_is_string(m) ||
		    obj_str(sig, "sig") == NULL) {
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
	if (!json_int64(json_object_get(f->signed_obj, "version"), &f->version)) {
		r = malformed(err, role, "missing or invalid version");
		goto out;
	}
	if (f->version < 1) {
		r = malformed(err, role, "version must be at least 1");
		goto out;
	}
	exp = obj_str(f->signed_obj, "expires");
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
	json_incref(f->doc);
	return f;
}

void signp_tuf_file_free(signp_tuf_file *f)
{
	if (f == NULL)
		return;
	json_decref(f->doc);
	free(f->bytes);
	free(f);
}

/* ---------------------------------------------------------------------- */
/* Keys                                                                    */

int signp_tuf_keyid(char out[65], const char *keytype, const char *public_b64, sign_error *err)
{
	int r = SIGN_ERROR;
	json_t *o = NULL;
	sign_buf b = SIGN_BUF_INIT;
	unsigned char md[32];

	if (out == NULL || keytype == NULL || public_b64 == NULL)
		return signp_err(err, SIGN_EINVAL, "key ID: bad arguments");
	out[0] = '\0';
	o = json_pack("{s:s,s:{s:n,s:s}}", "keytype", keytype, "keyval", "private", "public",
		public_b64);
	if (o == NULL) {
		r = signp_err(err, SIGN_EFORMAT, "key ID: invalid key type or public key text");
		goto out;
	}
	if ((r = signp_cjson_canonical(&b, o, err)) != SIGN_OK)
		goto out;
	signp_sha256(md, b.ptr, b.size);
	signp_hex(out, md, sizeof(md));
	r = SIGN_OK;
out:
	json_decref(o);
	sign_buf_dispose(&b);
	return r;
}

static int pkey_is(const EVP_PKEY *k, const char *name)
{
	return k != NULL && EVP_PKEY_is_a(k, name);
}

static int check_rsa_size(EVP_PKEY *k, sign_error *err)
{
	if (pkey_is(k, "RSA") && EVP_PKEY_get_bits(k) < TUF_RSA_MIN_BITS)
		return signp_err(err, SIGN_EFORMAT, "key: RSA key of %d bits is too small",
			EVP_PKEY_get_bits(k));
	return SIGN_OK;
}

/* First certificate of a PEM text. */
static X509 *pem_first_cert(const void *pem, size_t len)
{
	BIO *bio;
	X509 *x;
	if (len > INT32_MAX)
		return NULL;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL)
		return NULL;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

int signp_tuf_key_pkey(EVP_PKEY **out, const json_t *keyobj, sign_error *err)
{
	int r = SIGN_ERROR;
	const char *kt = obj_str(keyobj, "keytype");
	const char *pub = obj_str(json_object_get(keyobj, "keyval"), "public");
	sign_buf raw = SIGN_BUF_INIT;
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	const char *want = NULL;

	if (out == NULL)
		return signp_err(err, SIGN_EINVAL, "key: bad arguments");
	*out = NULL;
	if (kt == NULL || pub == NULL)
		return signp_err(err, SIGN_EFORMAT, "key: missing keytype or keyval.public");
	if (signp_b64_decode(&raw, pub, strlen(pub)) != SIGN_OK) {
		r = signp_err(err, SIGN_EFORMAT, "key: public key is not valid base64");
		goto out;
	}
	if (strcmp(kt, "ecdsa") == 0 || strcmp(kt, "rsa") == 0) {
		want = kt[0] == 'e' ? "EC" : "RSA";
		if ((k = signp_pubkey_from_spki(raw.ptr, raw.size)) == NULL) {
			r = signp_err_openssl(err, SIGN_EFORMAT, "key: invalid %s public key", kt);
			goto out;
		}
	} else if (strcmp(kt, "ecdsa-x509") == 0 || strcmp(kt, "rsa-x509") == 0) {
		want = kt[0] == 'e' ? "EC" : "RSA";
		x = pem_first_cert(raw.ptr, raw.size);
		if (x == NULL || (k = X509_get_pubkey(x)) == NULL) {
			r = signp_err_openssl(err, SIGN_EFORMAT, "key: invalid %s certificate", kt);
			goto out;
		}
	} else if (strcmp(kt, "ed25519") == 0) {
		want = "ED25519";
		if (raw.size != 32) {
			r = signp_err(err, SIGN_EFORMAT, "key: ed25519 public key is not 32 bytes");
			goto out;
		}
		k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
			(const unsigned char *)raw.ptr, raw.size);
		if (k == NULL) {
			r = signp_err_openssl(err, SIGN_EFORMAT, "key: invalid ed25519 public key");
			goto out;
		}
	} else {
		r = signp_err(err, SIGN_EFORMAT, "key: unsupported key type \"%.32s\"", kt);
		goto out;
	}
	if (!pkey_is(k, want)) {
		r = signp_err(err, SIGN_EFORMAT, "key: key type %s does not match the key", kt);
		goto out;
	}
	if ((r = check_rsa_size(k, err)) != SIGN_OK)
		goto out;
	*out = k;
	k = NULL;
	r = SIGN_OK;
out:
	ERR_clear_error();
	EVP_PKEY_free(k);
	X509_free(x);
	sign_buf_dispose(&raw);
	return r;
}

int signp_tuf_key_new(json_t **out, char id_out[65], EVP_PKEY *pkey, const char *cert_pem,
	sign_error *err)
{
	int r = SIGN_ERROR;
	sign_buf pub = SIGN_BUF_INIT, der = SIGN_BUF_INIT;
	unsigned char raw[32];
	size_t rawlen = sizeof(raw);
	const char *kt;
	X509 *x = NULL;
	json_t *o = NULL;
	char id[65];

	if (out == NULL || pkey == NULL)
		return signp_err(err, SIGN_EINVAL, "key: bad arguments");
	*out = NULL;
	if (pkey_is(pkey, "EC"))
		kt = cert_pem ? "ecdsa-x509" : "ecdsa";
	else if (pkey_is(pkey, "RSA"))
		kt = cert_pem ? "rsa-x509" : "rsa";
	else if (pkey_is(pkey, "ED25519") && cert_pem == NULL)
		kt = "ed25519";
	else
		return signp_err(err, SIGN_EINVAL, "key: unsupported key type%s",
			cert_pem ? " for a certificate" : "");
	if ((r = check_rsa_size(pkey, err)) != SIGN_OK)
		goto out;
	if (cert_pem != NULL) {
		x = pem_first_cert(cert_pem, strlen(cert_pem));
		if (x == NULL) {
			r = signp_err_openssl(err, SIGN_EFORMAT, "key: invalid certificate PEM");
			goto out;
		}
		if (EVP_PKEY_eq(X509_get0_pubkey(x), pkey) != 1) {
			r = signp_err(err, SIGN_EINVAL,
				"key: certificate does not match the key");
			goto out;
		}
		r = signp_b64_encode(&pub, cert_pem, strlen(cert_pem));
	} else if (strcmp(kt, "ed25519") == 0) {
		if (EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) != 1 || rawlen != 32) {
			r = signp_err_openssl(err, SIGN_ECRYPTO, "key: cannot get ed25519 public key");
			goto out;
		}
		r = signp_b64_encode(&pub, raw, rawlen);
	} else {
		/* one canonical encoding (EC: uncompressed point), so that a key
		 * given in another form gets the ID `sign key list` shows */
		if ((r = signp_key_spki_der(&der, pkey, err)) != SIGN_OK)
			goto out;
		r = signp_b64_encode(&pub, der.ptr, der.size);
	}
	if (r != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "key: out of memory");
		goto out;
	}
	o = json_pack("{s:s,s:{s:n,s:s}}", "keytype", kt, "keyval", "private", "public", pub.ptr);
	if (o == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "key: out of memory");
		goto out;
	}
	if ((r = signp_tuf_keyid(id, kt, pub.ptr, err)) != SIGN_OK)
		goto out;
	if (id_out != NULL)
		memcpy(id_out, id, sizeof(id));
	*out = o;
	o = NULL;
	r = SIGN_OK;
out:
	ERR_clear_error();
	json_decref(o);
	X509_free(x);
	sign_buf_dispose(&der);
	sign_buf_dispose(&pub);
	return r;
}

int signp_tuf_key_canonical_id(char out[65], const json_t *keyobj, sign_error *err)
{
	EVP_PKEY *pk = NULL;
	int r;
	out[0] = '\0';
	if ((r = signp_tuf_key_pkey(&pk, keyobj, err)) == SIGN_OK)
		r = signp_key_canonical_id(out, pk, err);
	EVP_PKEY_free(pk);
	return r;
}

int signp_tuf_distinct_keys(const json_t *keys, const json_t *keyids, char same_a[65],
	char same_b[65])
{
	json_t *seen = json_object(); /* canonical ID -> first key ID listing it */
	const json_t *id;
	size_t i;
	int n = 0;
	if (same_a != NULL)
		same_a[0] = '\0';
	if (same_b != NULL)
		same_b[0] = '\0';
	if (seen == NULL)
		return -1;
	json_array_foreach(keyids, i, id) {
		const char *kid = json_string_value(id);
		const json_t *first;
		char cid[65];
		if (kid == NULL)
			continue;
		/* a key that does not parse signs nothing: it stands for itself */
		if (signp_tuf_key_canonical_id(cid, json_object_get(keys, kid), NULL) != SIGN_OK)
			snprintf(cid, sizeof(cid), "%.64s", kid);
		first = json_object_get(seen, cid);
		if (first != NULL) {
			if (same_a != NULL && same_b != NULL && same_a[0] == '\0' &&
			    strcmp(json_string_value(first), kid) != 0) {
				snprintf(same_a, 65, "%.64s", json_string_value(first));
				snprintf(same_b, 65, "%.64s", kid);
			}
			continue;
		}
		if (json_object_set_new(seen, cid, json_string(kid)) != 0) {
			n = -1;
			break;
		}
		n++;
	}
	json_decref(seen);
	return n;
}

/* ---------------------------------------------------------------------- */
/* Signatures                                                              */

static int ec_field_len(EVP_PKEY *k)
{
	int bits = EVP_PKEY_get_bits(k);
	return bits > 0 ? (bits + 7) / 8 : 0;
}

/* Sign msg with an optional digest and RSA-PSS padding; *sig is malloc'd. */
static int digest_sign(EVP_PKEY *k, const EVP_MD *md, int pss, const void *msg, size_t len,
	unsigned char **sig, size_t *siglen, sign_error *err)
{
	int r = SIGN_ERROR;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *buf = NULL;
	size_t n = 0;

	*sig = NULL;
	if (ctx == NULL || EVP_DigestSignInit(ctx, &pctx, md, NULL, k) != 1) {
		r = signp_err_openssl(err, SIGN_ECRYPTO, "signature: cannot start signing");
		goto out;
	}
	if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
		       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1)) {
		r = signp_err_openssl(err, SIGN_ECRYPTO, "signature: cannot set RSA-PSS");
		goto out;
	}
	if (EVP_DigestSign(ctx, NULL, &n, msg, len) != 1 || n == 0 ||
	    (buf = malloc(n)) == NULL || EVP_DigestSign(ctx, buf, &n, msg, len) != 1) {
		r = signp_err_openssl(err, SIGN_ECRYPTO, "signature: signing failed");
		goto out;
	}
	*sig = buf;
	*siglen = n;
	buf = NULL;
	r = SIGN_OK;
out:
	free(buf);
	EVP_MD_CTX_free(ctx);
	return r;
}

int signp_tuf_sig_create(sign_buf *b64_out, char method[16], EVP_PKEY *priv, const void *msg,
	size_t len, sign_error *err)
{
	int r = SIGN_ERROR;
	unsigned char *der = NULL, *raw = NULL;
	const unsigned char *p;
	size_t derlen = 0, fl;
	ECDSA_SIG *es = NULL;
	const BIGNUM *br, *bs;
	const char *m;

	if (b64_out == NULL || method == NULL || priv == NULL || (msg == NULL && len > 0))
		return signp_err(err, SIGN_EINVAL, "signature: bad arguments");
	if (msg == NULL)
		msg = "";
	if (pkey_is(priv, "EC")) {
		m = "ecdsa";
		if ((r = digest_sign(priv, EVP_sha256(), 0, msg, len, &der, &derlen, err)) != SIGN_OK)
			goto out;
		fl = (size_t)ec_field_len(priv);
		p = der;
		if (fl == 0 || derlen > INT32_MAX ||
		    (es = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL) {
			r = signp_err_openssl(err, SIGN_ECRYPTO, "signature: bad ECDSA signature");
			goto out;
		}
		ECDSA_SIG_get0(es, &br, &bs);
		raw = malloc(2 * fl);
		if (raw == NULL || BN_bn2binpad(br, raw, (int)fl) != (int)fl ||
		    BN_bn2binpad(bs, raw + fl, (int)fl) != (int)fl) {
			r = signp_err(err, SIGN_ECRYPTO, "signature: cannot encode ECDSA signature");
			goto out;
		}
		free(der);
		der = raw;
		raw = NULL;
		derlen = 2 * fl;
	} else if (pkey_is(priv, "ED25519")) {
		m = "eddsa";
		if ((r = digest_sign(priv, NULL, 0, msg, len, &der, &derlen, err)) != SIGN_OK)
			goto out;
	} else if (pkey_is(priv, "RSA")) {
		m = "rsapss";
		if ((r = check_rsa_size(priv, err)) != SIGN_OK)
			goto out;
		if ((r = digest_sign(priv, EVP_sha256(), 1, msg, len, &der, &derlen, err)) != SIGN_OK)
			goto out;
	} else {
		r = signp_err(err, SIGN_EINVAL, "signature: unsupported key type");
		goto out;
	}
	signp_buf_clear(b64_out);
	if (signp_b64_encode(b64_out, der, derlen) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "signature: out of memory");
		goto out;
	}
	memcpy(method, m, strlen(m) + 1);
	r = SIGN_OK;
out:
	ERR_clear_error();
	ECDSA_SIG_free(es);
	free(der);
	free(raw);
	return r;
}

int signp_tuf_sig_check(EVP_PKEY *pub, const char *method, const void *msg, size_t len,
	const void *sig, size_t siglen)
{
	int r = SIGN_EVERIFY;
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	const EVP_MD *md = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	unsigned char *der = NULL;
	const unsigned char *s = sig;
	int dlen, pad = 0;
	size_t fl;

	if (pub == NULL || method == NULL || sig == NULL || siglen == 0 || siglen > 65536 ||
	    (msg == NULL && len > 0))
		return SIGN_EVERIFY;
	if (msg == NULL)
		msg = "";
	if (strcasecmp(method, "ecdsa") == 0) {
		if (!pkey_is(pub, "EC"))
			goto out;
		fl = (size_t)ec_field_len(pub);
		if (fl == 0 || siglen != 2 * fl)
			goto out;
		es = ECDSA_SIG_new();
		br = BN_bin2bn(s, (int)fl, NULL);
		bs = BN_bin2bn(s + fl, (int)fl, NULL);
		if (es == NULL || br == NULL || bs == NULL || ECDSA_SIG_set0(es, br, bs) != 1)
			goto out;
		br = bs = NULL;
		dlen = i2d_ECDSA_SIG(es, &der);
		if (dlen <= 0)
			goto out;
		s = der;
		siglen = (size_t)dlen;
		md = EVP_sha256();
	} else if (strcasecmp(method, "eddsa") == 0) {
		if (!pkey_is(pub, "ED25519") || siglen != 64)
			goto out;
	} else if (strcasecmp(method, "rsapss") == 0 || strcasecmp(method, "rsapkcs1v15") == 0) {
		if (!pkey_is(pub, "RSA") || EVP_PKEY_get_bits(pub) < TUF_RSA_MIN_BITS)
			goto out;
		md = EVP_sha256();
		pad = strcasecmp(method, "rsapss") == 0 ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING;
	} else {
		goto out;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pub) != 1)
		goto out;
	if (pad == RSA_PKCS1_PSS_PADDING &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1))
		goto out;
	if (pad == RSA_PKCS1_PADDING && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
		goto out;
	if (EVP_DigestVerify(ctx, s, siglen, msg, len) == 1)
		r = SIGN_OK;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	ECDSA_SIG_free(es);
	BN_free(br);
	BN_free(bs);
	OPENSSL_free(der);
	return r;
}

/* ---------------------------------------------------------------------- */
/* Threshold verification                                                  */

EVP_PKEY *signp_tuf_listed_key(const json_t *keys, const char *id)
{
	const json_t *k = json_object_get(keys, id);
	const char *kt = obj_str(k, "keytype");
	const char *pub = obj_str(json_object_get(k, "keyval"), "public");
	char calc[65];
	EVP_PKEY *pk = NULL;

	if (kt == NULL || pub == NULL)
		return NULL;
	if (strlen(id) != 64 || signp_tuf_keyid(calc, kt, pub, NULL) != SIGN_OK ||
	    sodium_memcmp(calc, id, 64) != 0)
		return NULL;
	if (signp_tuf_key_pkey(&pk, k, NULL) != SIGN_OK)
		return NULL;
	return pk;
}

/* Count the distinct public keys among keyids that made a valid signature
 * of f: a key listed under several key IDs (its point in another encoding,
 * a certificate over it, two certificates) counts once, by its canonical
 * ID.  *dups (may be NULL) gets the number of valid signatures dropped as
 * made by a key already counted.  Negative code on internal failure. */
static int count_valid(const signp_tuf_file *f, const json_t *keys, const json_t *keyids,
	int *dups, sign_error *err)
{
	int r = SIGN_ERROR, count = 0, attempts = 0;
	json_t *set = NULL, *counted = NULL, *sig, *id;
	sign_buf msg = SIGN_BUF_INIT, raw = SIGN_BUF_INIT;
	size_t i;

	if (dups != NULL)
		*dups = 0;
	if (f == NULL || !json_is_object(f->signed_obj))
		return signp_err(err, SIGN_EINVAL, "verify: no metadata");
	if (!json_is_array(f->signatures) || !json_is_object(keys) || !json_is_array(keyids))
		return 0;
	/* the allowed key IDs, as a hash set; value true once counted */
	set = json_object();
	counted = json_object(); /* canonical IDs of the keys counted */
	if (set == NULL || counted == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "verify: out of memory");
		goto out;
	}
	json_array_foreach(keyids, i, id) {
		if (json_is_string(id) && json_object_set_new(set, json_string_value(id),
						  json_false()) != 0) {
			r = signp_err(err, SIGN_ENOMEM, "verify: out of memory");
			goto out;
		}
	}
	if ((r = signp_cjson_canonical(&msg, f->signed_obj, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "%s", f->role);
		goto out;
	}
	json_array_foreach(f->signatures, i, sig) {
		const char *kid = obj_str(sig, "keyid"), *method = obj_str(sig, "method");
		const char *b64 = obj_str(sig, "sig");
		json_t *mark;
		EVP_PKEY *pk;
		char cid[65];
		int ok;

		if (kid == NULL || method == NULL || b64 == NULL)
			continue;
		mark = json_object_get(set, kid);
		if (mark == NULL || json_is_true(mark))
			continue;
		if (attempts++ >= TUF_MAX_SIG_ATTEMPTS)
			break;
		signp_buf_clear(&raw);
		if (signp_b64_decode(&raw, b64, strlen(b64)) != SIGN_OK || raw.size == 0)
			continue;
		pk = signp_tuf_listed_key(keys, kid);
		if (pk == NULL)
			continue;
		ok = signp_tuf_sig_check(pk, method, msg.ptr, msg.size, raw.ptr, raw.size) ==
			     SIGN_OK &&
		     signp_key_canonical_id(cid, pk, NULL) == SIGN_OK;
		EVP_PKEY_free(pk);
		if (!ok)
			continue;
		json_object_set_new(set, kid, json_true());
		if (json_object_get(counted, cid) != NULL) {
			if (dups != NULL)
				(*dups)++;
			continue;
		}
		if (json_object_set_new(counted, cid, json_true()) != 0) {
			r = signp_err(err, SIGN_ENOMEM, "verify: out of memory");
			goto out;
		}
		count++;
	}
	r = count;
out:
	json_decref(set);
	json_decref(counted);
	sign_buf_dispose(&msg);
	sign_buf_dispose(&raw);
	return r;
}

int signp_tuf_count_valid(const signp_tuf_file *f, const json_t *keys, const json_t *keyids)
{
	return count_valid(f, keys, keyids, NULL, NULL);
}

/* Why a threshold was missed, when signatures were dropped as made by a
 * key already counted ("" when none was). */
static const char *dup_note(char *buf, size_t size, int dups)
{
	buf[0] = '\0';
	if (dups > 0)
		snprintf(buf, size, ": %d more signature(s) by a key already counted under another "
			"key ID (a threshold counts distinct keys)", dups);
	return buf;
}

int signp_tuf_verify(const signp_tuf_file *f, const json_t *keys, const json_t *keyids,
	int64_t threshold, sign_error *err)
{
	int n, dups = 0;
	char note[160];

	if (f == NULL)
		return signp_err(err, SIGN_EINVAL, "verify: no metadata");
	if (threshold < 1)
		return signp_err(err, SIGN_EVERIFY, "%s: invalid signature threshold %lld", f->role,
			(long long)threshold);
	n = count_valid(f, keys, keyids, &dups, err);
	if (n < 0)
		return n;
	if ((int64_t)n < threshold)
		return signp_err(err, SIGN_EVERIFY, "valid signatures did not meet threshold for %s%s",
			f->role, dup_note(note, sizeof(note), dups));
	return SIGN_OK;
}

int signp_tuf_sign(sign_buf *wire_out, const json_t *signed_obj, const signp_tuf_signer *signers,
	size_t n, sign_error *err)
{
	int r = SIGN_ERROR;
	sign_buf msg = SIGN_BUF_INIT, sig = SIGN_BUF_INIT;
	json_t *sigs = NULL;
	char method[16];
	size_t i;

	if (wire_out == NULL || !json_is_object(signed_obj) || (signers == NULL && n > 0))
		return signp_err(err, SIGN_EINVAL, "sign metadata: bad arguments");
	if ((r = signp_cjson_canonical(&msg, signed_obj, err)) != SIGN_OK)
		goto out;
	sigs = json_array();
	if (sigs == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "sign metadata: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (signers[i].keyid == NULL || signers[i].pkey == NULL) {
			r = signp_err(err, SIGN_EINVAL, "sign metadata: signer without key");
			goto out;
		}
		if ((r = signp_tuf_sig_create(&sig, method, signers[i].pkey, msg.ptr, msg.size,
			     err)) != SIGN_OK)
			goto out;
		if (json_array_append_new(sigs, json_pack("{s:s,s:s,s:s}", "keyid",
							 signers[i].keyid, "method", method,
							 "sig", sig.ptr)) != 0) {
			r = signp_err(err, SIGN_EINVAL, "sign metadata: invalid key ID");
			goto out;
		}
	}
	signp_buf_clear(wire_out);
	r = signp_cjson_wire(wire_out, signed_obj, sigs, err);
out:
	json_decref(sigs);
	sign_buf_dispose(&msg);
	sign_buf_dispose(&sig);
	return r;
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

/* ---------------------------------------------------------------------- */
/* Root checks                                                             */

static int asn1_to_unix(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;
	time_t v;
	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	v = timegm(&tm);
	if (v == (time_t)-1)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* Does the certificate CN fit the GUN?  Exactly one CN, no NUL. */
static int cn_matches(X509 *x, const char *gun, char *cn_out, size_t cn_size)
{
	const X509_NAME *name = X509_get_subject_name(x);
	int idx, ok = 0, n;
	unsigned char *utf8 = NULL;
	const X509_NAME_ENTRY *e;
	size_t cl;

	cn_out[0] = '\0';
	if (name == NULL)
		return 0;
	idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (idx < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, idx) >= 0)
		return 0;
	e = X509_NAME_get_entry(name, idx);
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	if (n <= 0 || utf8 == NULL)
		goto out;
	cl = (size_t)n;
	if (strlen((char *)utf8) != cl)
		goto out;
	snprintf(cn_out, cn_size, "%s", (char *)utf8);
	if (strcmp((char *)utf8, gun) == 0)
		ok = 1;
	else if (cl > 0 && utf8[cl - 1] == '*' && strncmp(gun, (char *)utf8, cl - 1) == 0)
		ok = 1;
out:
	OPENSSL_free(utf8);
	return ok;
}

int signp_tuf_root_cert_ok(const json_t *k, const char *gun, int64_t now, int check_expiry,
	char *why, size_t why_size)
{
	int r = SIGN_EVERIFY, mdnid = NID_undef, pknid = NID_undef;
	const char *kt = obj_str(k, "keytype");
	const char *pub = obj_str(json_object_get(k, "keyval"), "public");
	sign_buf pem = SIGN_BUF_INIT;
	X509 *x = NULL;
	EVP_PKEY *pk;
	int64_t nb, na;
	char cn[128];

	if (kt == NULL || pub == NULL ||
	    (strcmp(kt, "ecdsa-x509") != 0 && strcmp(kt, "rsa-x509") != 0)) {
		snprintf(why, why_size, "root key is not an x509 certificate");
		goto out;
	}
	if (signp_b64_decode(&pem, pub, strlen(pub)) != SIGN_OK ||
	    (x = pem_first_cert(pem.ptr, pem.size)) == NULL) {
		snprintf(why, why_size, "root certificate does not parse");
		goto out;
	}
	if (!cn_matches(x, gun, cn, sizeof(cn))) {
		snprintf(why, why_size, "certificate CN \"%.100s\" does not match the GUN", cn);
		goto out;
	}
	if (OBJ_find_sigid_algs(X509_get_signature_nid(x), &mdnid, &pknid) != 1 ||
	    mdnid == NID_sha1 || mdnid == NID_md5 || mdnid == NID_undef) {
		snprintf(why, why_size, "certificate uses a weak or unknown signature algorithm");
		goto out;
	}
	pk = X509_get0_pubkey(x);
	if (pk == NULL || !(pkey_is(pk, kt[0] == 'e' ? "EC" : "RSA"))) {
		snprintf(why, why_size, "certificate key does not match key type %s", kt);
		goto out;
	}
	if (pkey_is(pk, "RSA") && EVP_PKEY_get_bits(pk) < TUF_RSA_MIN_BITS) {
		snprintf(why, why_size, "certificate RSA key is smaller than 2048 bits");
		goto out;
	}
	if (check_expiry) {
		if (asn1_to_unix(X509_get0_notBefore(x), &nb) != 0 ||
		    asn1_to_unix(X509_get0_notAfter(x), &na) != 0) {
			snprintf(why, why_size, "certificate validity does not parse");
			goto out;
		}
		if (now > na) {
			snprintf(why, why_size, "certificate for %.100s has expired", cn);
			goto out;
		}
		if (nb > now + 86400) {
			snprintf(why, why_size, "certificate for %.100s is not valid yet", cn);
			goto out;
		}
	}
	r = SIGN_OK;
out:
	ERR_clear_error();
	X509_free(x);
	sign_buf_dispose(&pem);
	return r;
}

int signp_tuf_root_cert_window(const signp_tuf_file *root, int64_t *not_before,
	int64_t *not_after)
{
	const json_t *keys, *id;
	size_t i;
	int n = 0;
	if (root == NULL || root->signed_obj == NULL || not_before == NULL || not_after == NULL)
		return SIGN_EINVAL;
	keys = json_object_get(root->signed_obj, "keys");
	json_array_foreach(json_object_get(json_object_get(json_object_get(root->signed_obj,
		"roles"), "root"), "keyids"), i, id) {
		const json_t *k = json_object_get(keys, json_string_value(id) ? json_string_value(id) : "");
		const char *pub = obj_str(json_object_get(k, "keyval"), "public");
		sign_buf pem = SIGN_BUF_INIT;
		X509 *x = NULL;
		int64_t nb, na;
		if (pub != NULL && signp_b64_decode(&pem, pub, strlen(pub)) == SIGN_OK &&
		    (x = pem_first_cert(pem.ptr, pem.size)) != NULL &&
		    asn1_to_unix(X509_get0_notBefore(x), &nb) == 0 &&
		    asn1_to_unix(X509_get0_notAfter(x), &na) == 0) {
			if (n == 0 || nb > *not_before)
				*not_before = nb;
			if (n == 0 || na < *not_after)
				*not_after = na;
			n++;
		}
		X509_free(x);
		sign_buf_dispose(&pem);
	}
	ERR_clear_error();
	return n > 0 ? SIGN_OK : SIGN_EVERIFY;
}

int signp_tuf_root_check(const signp_tuf_file *root, const char *gun, int64_t now,
	int check_expiry, sign_error *err)
{
	static const char *const base[] = { "root", "targets", "snapshot", "timestamp" };
	int r = SIGN_ERROR, nvalid = 0;
	const json_t *keys, *roles, *rr, *id;
	json_t *valid = NULL;
	int64_t th = 0;
	size_t i, j;
	char why[256] = "";

	if (root == NULL || gun == NULL || root->signed_obj == NULL)
		return signp_err(err, SIGN_EINVAL, "root: bad arguments");
	if (strcmp(root->type, "Root") != 0)
		return signp_err(err, SIGN_EVERIFY, "root: metadata is not a root");
	keys = json_object_get(root->signed_obj, "keys");
	roles = json_object_get(root->signed_obj, "roles");
	if (!json_is_object(keys) || !json_is_object(roles))
		return signp_err(err, SIGN_EVERIFY, "root: malformed metadata: missing keys or roles");
	for (i = 0; i < 4; i++) {
		const json_t *ro = json_object_get(roles, base[i]);
		const json_t *ids = json_object_get(ro, "keyids");
		int64_t t;
		if (!json_is_object(ro) || !json_is_array(ids) ||
		    !json_int64(json_object_get(ro, "threshold"), &t) || t < 1)
			return signp_err(err, SIGN_EVERIFY,
				"root: invalid or missing %s role", base[i]);
		if ((int64_t)json_array_size(ids) < t)
			return signp_err(err, SIGN_EVERIFY,
				"root: %s role lists fewer keys than its threshold", base[i]);
		json_array_foreach(ids, j, id) {
			if (!json_is_string(id) ||
			    !json_is_object(json_object_get(keys, json_string_value(id))))
				return signp_err(err, SIGN_EVERIFY,
					"root: %s role lists a key that is not in keys", base[i]);
		}
	}
	rr = json_object_get(roles, "root");
	json_int64(json_object_get(rr, "threshold"), &th);
	/* Like notary's validRootLeafCerts: drop root keys whose certificate
	 * fails the checks, then require the threshold from the rest. */
	valid = json_array();
	if (valid == NULL)
		return signp_err(err, SIGN_ENOMEM, "root: out of memory");
	json_array_foreach(json_object_get(rr, "keyids"), j, id) {
		const char *kid = json_string_value(id);
		char w[256];
		if (!is_hexid(kid)) {
			snprintf(w, sizeof(w), "invalid key ID");
		} else if (signp_tuf_root_cert_ok(json_object_get(keys, kid), gun, now, check_expiry, w,
				   sizeof(w)) == SIGN_OK) {
			if (json_array_append(valid, (json_t *)id) != 0) {
				r = signp_err(err, SIGN_ENOMEM, "root: out of memory");
				goto out;
			}
			nvalid++;
			continue;
		}
		if (why[0] == '\0')
			snprintf(why, sizeof(why), "%s", w);
	}
	if (nvalid == 0) {
		r = signp_err(err, SIGN_EVERIFY, "root: no valid root certificate for %s: %s", gun,
			why[0] ? why : "no root keys");
		goto out;
	}
	r = signp_tuf_verify(root, keys, valid, th, err);
	if (r != SIGN_OK && why[0] && err != NULL)
		signp_err_hint(err, "a root certificate was ignored: %s", why);
out:
	json_decref(valid);
	return r;
}

int signp_tuf_root_rotation_check(const signp_tuf_file *prev, const signp_tuf_file *next,
	sign_error *err)
{
	const json_t *prr, *nrr;
	int64_t pth, nth;
	int n, dups = 0;
	char note[160];

	if (prev == NULL || next == NULL)
		return signp_err(err, SIGN_EINVAL, "root rotation: bad arguments");
	prr = json_object_get(json_object_get(prev->signed_obj, "roles"), "root");
	nrr = json_object_get(json_object_get(next->signed_obj, "roles"), "root");
	if (!json_int64(json_object_get(prr, "threshold"), &pth) || pth < 1 ||
	    !json_int64(json_object_get(nrr, "threshold"), &nth) || nth < 1)
		return signp_err(err, SIGN_EVERIFY, "root rotation: invalid root role");
	n = count_valid(next, json_object_get(prev->signed_obj, "keys"),
		json_object_get(prr, "keyids"), &dups, err);
	if (n < 0)
		return n;
	if ((int64_t)n < pth)
		return signp_err(err, SIGN_EVERIFY,
			"root rotation: new root version %lld is not signed by the trusted root keys "
			"of version %lld%s",
			(long long)next->version, (long long)prev->version,
			dup_note(note, sizeof(note), dups));
	return signp_tuf_verify(next, json_object_get(next->signed_obj, "keys"),
		json_object_get(nrr, "keyids"), nth, err);
}

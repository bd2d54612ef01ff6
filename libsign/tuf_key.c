/*
 * tuf_key.c - TUF key objects: key IDs, the public key a key object holds
 * (plain or in a certificate), new key objects, canonical IDs and distinct
 * keys.  Reference: shared/reference/notary-tuf.md §2.
 */
#include "tuf_local.h"
#include "key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

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

int signp_tuf_pkey_is(const EVP_PKEY *k, const char *name)
{
	return k != NULL && EVP_PKEY_is_a(k, name);
}

int signp_tuf_check_rsa_size(EVP_PKEY *k, sign_error *err)
{
	if (signp_tuf_pkey_is(k, "RSA") && EVP_PKEY_get_bits(k) < TUF_RSA_MIN_BITS)
		return signp_err(err, SIGN_EFORMAT, "key: RSA key of %d bits is too small",
			EVP_PKEY_get_bits(k));
	return SIGN_OK;
}

/* First certificate of a PEM text. */
X509 *signp_tuf_pem_first_cert(const void *pem, size_t len)
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
	const char *kt = signp_tuf_obj_str(keyobj, "keytype");
	const char *pub = signp_tuf_obj_str(json_object_get(keyobj, "keyval"), "public");
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
		x = signp_tuf_pem_first_cert(raw.ptr, raw.size);
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
	if (!signp_tuf_pkey_is(k, want)) {
		r = signp_err(err, SIGN_EFORMAT, "key: key type %s does not match the key", kt);
		goto out;
	}
	if ((r = signp_tuf_check_rsa_size(k, err)) != SIGN_OK)
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
	if (signp_tuf_pkey_is(pkey, "EC"))
		kt = cert_pem ? "ecdsa-x509" : "ecdsa";
	else if (signp_tuf_pkey_is(pkey, "RSA"))
		kt = cert_pem ? "rsa-x509" : "rsa";
	else if (signp_tuf_pkey_is(pkey, "ED25519") && cert_pem == NULL)
		kt = "ed25519";
	else
		return signp_err(err, SIGN_EINVAL, "key: unsupported key type%s",
			cert_pem ? " for a certificate" : "");
	if ((r = signp_tuf_check_rsa_size(pkey, err)) != SIGN_OK)
		goto out;
	if (cert_pem != NULL) {
		x = signp_tuf_pem_first_cert(cert_pem, strlen(cert_pem));
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

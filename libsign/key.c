/*
 * key.c - key objects: generation, the canonical public key encoding and
 * key ID, and DER signatures.  Key files are read and written by
 * key_file.c, root certificates by key_cert.c, PEM framing by key_pem.c.
 */
#include "key.h"
#include "key_pem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

/* ---------------------------------------------------------------------- */
/* Key objects                                                             */

void signp_key_free(signp_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	sodium_memzero(k, sizeof(*k));
	free(k);
}

/* SubjectPublicKeyInfo of a P-256 key: SEQUENCE { SEQUENCE { id-ecPublicKey,
 * prime256v1 }, BIT STRING { 0x04 X Y } } has exactly these 26 bytes before
 * the 65-byte point.  Such keys are imported from the point, which OpenSSL
 * checks is on the curve; this skips the generic decoder, whose setup costs
 * more than the signature check itself.  Anything else takes d2i_PUBKEY. */
static const unsigned char p256_spki_prefix[26] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00
};

static EVP_PKEY *p256_from_point(const unsigned char *pt, size_t len)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *k = NULL;
	OSSL_PARAM params[3];
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
		(char *)"prime256v1", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
		(void *)pt, len);
	params[2] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	return k;
}

EVP_PKEY *signp_pubkey_from_spki(const void *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *k;
	if (der == NULL || len == 0 || len > INT32_MAX)
		return NULL;
	if (len == sizeof(p256_spki_prefix) + 65 &&
	    memcmp(p, p256_spki_prefix, sizeof(p256_spki_prefix)) == 0 &&
	    p[sizeof(p256_spki_prefix)] == 0x04)
		return p256_from_point(p + sizeof(p256_spki_prefix), 65);
	k = d2i_PUBKEY(NULL, &p, (long)len);
	if (k && p != (const unsigned char *)der + len) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

void signp_crypto_warm(void)
{
	/* P-256's generator as the public key: a valid point, and no secret */
	static const unsigned char g[65] = {
		0x04,
		0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
		0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
		0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
		0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
	};
	EVP_PKEY *k = p256_from_point(g, sizeof(g));
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (k != NULL && ctx != NULL)
		(void)EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	ERR_clear_error();
}

/* Is pkey an EC key that i2d_PUBKEY would write in another form than the
 * canonical one (a named curve, the point uncompressed)?  OpenSSL keeps the
 * point form and the parameter encoding a key was read with. */
static int ec_needs_canonical_form(EVP_PKEY *pkey)
{
	char form[32] = "", enc[32] = "";
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC)
		return 0;
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, form,
		    sizeof(form), NULL) != 1 ||
	    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, enc, sizeof(enc),
		    NULL) != 1) {
		ERR_clear_error();
		return 1;
	}
	return strcmp(form, OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 0 ||
	       strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP) != 0;
}

/* The canonical SPKI of a P-256 key, built from its uncompressed point
 * without OpenSSL's encoder (i2d_PUBKEY costs more than a signature
 * check).  0 when pkey is not P-256 (or its point does not come out
 * uncompressed): the caller takes the general path. */
static int p256_spki(unsigned char out[91], EVP_PKEY *pkey)
{
	char group[32] = "";
	size_t n = 0;
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC)
		return 0;
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		    NULL) != 1 ||
	    (strcmp(group, SN_X9_62_prime256v1) != 0 && strcmp(group, "P-256") != 0) ||
	    EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
		    out + sizeof(p256_spki_prefix), 65, &n) != 1 ||
	    n != 65 || out[sizeof(p256_spki_prefix)] != 0x04) {
		ERR_clear_error();
		return 0;
	}
	memcpy(out, p256_spki_prefix, sizeof(p256_spki_prefix));
	return 1;
}

int signp_key_spki_der(sign_buf *out, EVP_PKEY *pkey, sign_error *err)
{
	int n, r = SIGN_ERROR;
	unsigned char *p, fast[sizeof(p256_spki_prefix) + 65];
	EVP_PKEY *canon = NULL;
	if (pkey == NULL)
		return signp_err(err, SIGN_EINVAL, "encoding public key: no key");
	if (p256_spki(fast, pkey)) {
		signp_buf_clear(out);
		if (signp_buf_put(out, fast, sizeof(fast)) != SIGN_OK)
			return signp_err(err, SIGN_ENOMEM, "encoding public key: out of memory");
		return SIGN_OK;
	}
	if (ec_needs_canonical_form(pkey)) {
		/* a copy set to the canonical form: the caller's key is not changed */
		if ((canon = EVP_PKEY_dup(pkey)) == NULL ||
		    EVP_PKEY_set_utf8_string_param(canon, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
			    OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 1) {
			r = signp_err_openssl(err, SIGN_ECRYPTO, "encoding public key");
			goto out;
		}
		/* a curve given by explicit parameters keeps them unless it is a
		 * named one (OpenSSL recognises P-256 and the others) */
		if (EVP_PKEY_set_utf8_string_param(canon, OSSL_PKEY_PARAM_EC_ENCODING,
			    OSSL_PKEY_EC_ENCODING_GROUP) != 1)
			ERR_clear_error();
		pkey = canon;
	}
	n = i2d_PUBKEY(pkey, NULL);
	if (n <= 0) {
		r = signp_err_openssl(err, SIGN_ECRYPTO, "encoding public key");
		goto out;
	}
	signp_buf_clear(out);
	if (signp_buf_grow(out, (size_t)n) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "encoding public key: out of memory");
		goto out;
	}
	p = (unsigned char *)out->ptr;
	if (i2d_PUBKEY(pkey, &p) != n) {
		r = signp_err_openssl(err, SIGN_ECRYPTO, "encoding public key");
		goto out;
	}
	out->size = (size_t)n;
	out->ptr[n] = '\0';
	r = SIGN_OK;
out:
	EVP_PKEY_free(canon);
	return r;
}

int signp_key_public_pem(sign_buf *out, EVP_PKEY *pkey, sign_error *err)
{
	sign_buf der = SIGN_BUF_INIT;
	int r = signp_key_spki_der(&der, pkey, err);
	if (r == SIGN_OK)
		r = signp_pem_write(out, LABEL_PUBLIC, NULL, NULL, NULL, der.ptr, der.size, err);
	sign_buf_dispose(&der);
	return r;
}

int signp_key_canonical_id(char out[65], EVP_PKEY *pkey, sign_error *err)
{
	sign_buf pub = SIGN_BUF_INIT, b64 = SIGN_BUF_INIT, json = SIGN_BUF_INIT;
	const char *type;
	unsigned char md[32];
	int r = SIGN_ERROR;

	out[0] = '\0';
	if (pkey == NULL)
		return signp_err(err, SIGN_EINVAL, "computing key ID: no key");
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_EC:
		type = "ecdsa";
		break;
	case EVP_PKEY_RSA:
		type = "rsa";
		break;
	case EVP_PKEY_ED25519:
		type = "ed25519";
		break;
	default:
		return signp_err(err, SIGN_EKEY, "computing key ID: unsupported key type");
	}
	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519) {
		size_t n = 32;
		if (signp_buf_grow(&pub, 32) != SIGN_OK) {
			r = signp_err(err, SIGN_ENOMEM, "computing key ID: out of memory");
			goto out;
		}
		if (EVP_PKEY_get_raw_public_key(pkey, (unsigned char *)pub.ptr, &n) != 1 || n != 32) {
			r = signp_err_openssl(err, SIGN_ECRYPTO, "computing key ID");
			goto out;
		}
		pub.size = n;
	} else if ((r = signp_key_spki_der(&pub, pkey, err)) != SIGN_OK) {
		goto out;
	}
	if (signp_b64_encode(&b64, pub.ptr, pub.size) != SIGN_OK ||
		signp_buf_printf(&json,
			"{\"keytype\":\"%s\",\"keyval\":{\"private\":null,\"public\":\"%s\"}}", type,
			b64.ptr) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "computing key ID: out of memory");
		goto out;
	}
	signp_sha256(md, json.ptr, json.size);
	signp_hex(out, md, sizeof(md));
	r = SIGN_OK;
out:
	sign_buf_dispose(&pub);
	sign_buf_dispose(&b64);
	sign_buf_dispose(&json);
	return r;
}

int signp_key_wrap(signp_key **out, EVP_PKEY *pkey, int is_private, sign_error *err)
{
	signp_key *k;
	int r;
	*out = NULL;
	if (pkey == NULL)
		return signp_err(err, SIGN_EINVAL, "loading key: no key");
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return signp_err(err, SIGN_ENOMEM, "loading key: out of memory");
	r = signp_key_canonical_id(k->id, pkey, err);
	if (r != SIGN_OK) {
		free(k);
		return r;
	}
	k->pkey = pkey;
	k->is_private = is_private ? 1 : 0;
	*out = k;
	return SIGN_OK;
}

int signp_key_generate(signp_key **out, sign_error *err)
{
	EVP_PKEY *pkey;
	int r;
	*out = NULL;
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (pkey == NULL)
		return signp_err_openssl(err, SIGN_ECRYPTO, "generating key");
	r = signp_key_wrap(out, pkey, 1, err);
	if (r != SIGN_OK)
		EVP_PKEY_free(pkey);
	return r;
}

/* ---------------------------------------------------------------------- */
/* DER signatures                                                          */

int signp_key_sign_der(sign_buf *sig_out, const signp_key *k, const void *msg, size_t len,
	sign_error *err)
{
	EVP_MD_CTX *ctx = NULL;
	size_t siglen = 0;
	int r = SIGN_ECRYPTO, base;

	if (k == NULL || k->pkey == NULL || !k->is_private)
		return signp_err(err, SIGN_EINVAL, "signing: not a private key");
	base = EVP_PKEY_get_base_id(k->pkey);
	if (base != EVP_PKEY_EC && base != EVP_PKEY_RSA)
		return signp_err(err, SIGN_EKEY, "signing: unsupported key type");
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		goto ssl;
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) != 1)
		goto ssl;
	if (EVP_DigestSign(ctx, NULL, &siglen, msg, len) != 1)
		goto ssl;
	signp_buf_clear(sig_out);
	if (signp_buf_grow(sig_out, siglen) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "signing: out of memory");
		goto out;
	}
	if (EVP_DigestSign(ctx, (unsigned char *)sig_out->ptr, &siglen, msg, len) != 1)
		goto ssl;
	sig_out->size = siglen;
	sig_out->ptr[siglen] = '\0';
	r = SIGN_OK;
	goto out;
ssl:
	r = signp_err_openssl(err, SIGN_ECRYPTO, "signing");
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

int signp_pkey_verify_der(EVP_PKEY *pub, const void *msg, size_t len, const void *sig,
	size_t siglen)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int r = SIGN_EVERIFY, base;

	if (pub == NULL || sig == NULL || siglen == 0 || siglen > 2048 || (msg == NULL && len > 0))
		return SIGN_EVERIFY;
	base = EVP_PKEY_get_base_id(pub);
	if (base != EVP_PKEY_EC && base != EVP_PKEY_RSA)
		return SIGN_EVERIFY;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, pub) != 1)
		goto out;
	if (base == EVP_PKEY_RSA && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
		goto out;
	if (EVP_DigestVerify(ctx, sig, siglen, msg ? msg : (const void *)"", len) == 1)
		r = SIGN_OK;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return r;
}

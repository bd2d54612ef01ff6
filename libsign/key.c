/*
 * key.c - private and public keys, key files (cosign, notary/DCT PKCS#8,
 * plain PEM), root certificates and DER signatures.
 */
#include "key.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>

/* cosign / go-securesystemslib parameters */
#define COSIGN_SCRYPT_N     65536u
#define COSIGN_SCRYPT_R     8u
#define COSIGN_SCRYPT_P     1u
#define COSIGN_SALT_LEN     32u
#define COSIGN_KEY_LEN      32u
#define COSIGN_MAX_CT       (64u << 10)
#define COSIGN_MAX_SALT     1024u

/* notary PBES2 parameters */
#define NOTARY_PBKDF2_ITER  2048
#define NOTARY_SALT_LEN     8
#define PBKDF2_MAX_ITER     10000000L

#define LABEL_SIGSTORE "ENCRYPTED SIGSTORE PRIVATE KEY"
#define LABEL_COSIGN   "ENCRYPTED COSIGN PRIVATE KEY"
#define LABEL_PKCS8ENC "ENCRYPTED PRIVATE KEY"
#define LABEL_PKCS8    "PRIVATE KEY"
#define LABEL_EC       "EC PRIVATE KEY"
#define LABEL_RSA      "RSA PRIVATE KEY"
#define LABEL_PUBLIC   "PUBLIC KEY"
#define LABEL_CERT     "CERTIFICATE"

/* ---------------------------------------------------------------------- */
/* PEM framing (Go encoding/pem compatible, with headers)                  */

typedef struct pem_block {
	char label[64];
	char role[64];
	char gun[512];
	int proc_encrypted; /* legacy "Proc-Type: 4,ENCRYPTED" */
	sign_buf der;
} pem_block;

static void pem_block_dispose(pem_block *b)
{
	signp_buf_dispose_secure(&b->der);
}

/* Next line in [*p, end): sets line/linelen (without \r\n), advances *p. */
static int next_line(const char **p, const char *end, const char **line, size_t *linelen)
{
	const char *s = *p, *nl;
	size_t n;
	if (s >= end)
		return 0;
	nl = memchr(s, '\n', (size_t)(end - s));
	n = nl ? (size_t)(nl - s) : (size_t)(end - s);
	*p = nl ? nl + 1 : end;
	*line = s;
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*linelen = n;
	return 1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_space((*s)[*n - 1]))
		(*n)--;
}

static int copy_field(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size || memchr(src, '\0', n) != NULL)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

/*
 * Find the first PEM block (whose label is `want`, if non-NULL) and decode
 * it.  Headers role:/gun: and Proc-Type are recorded.  If decode is zero
 * only the label and headers are read.
 */
static int pem_parse(pem_block *out, const void *data, size_t len, const char *want, int decode,
	sign_error *err)
{
	const char *p = data, *end = (const char *)data + len, *line;
	size_t n;
	sign_buf b64 = SIGN_BUF_INIT;
	int r = SIGN_EFORMAT;

	memset(out->label, 0, sizeof(out->label));
	out->role[0] = out->gun[0] = '\0';
	out->proc_encrypted = 0;
	if (data == NULL || len == 0) {
		signp_err(err, SIGN_EFORMAT, "reading PEM: empty input");
		goto out;
	}
	if (len > SIGN_MAX_KEYFILE) {
		signp_err(err, SIGN_EFORMAT, "reading PEM: input is larger than %u bytes",
			(unsigned)SIGN_MAX_KEYFILE);
		goto out;
	}
	for (;;) {
		if (!next_line(&p, end, &line, &n)) {
			if (want)
				signp_err(err, SIGN_EFORMAT, "reading PEM: no %s block found", want);
			else
				signp_err(err, SIGN_EFORMAT, "reading PEM: no PEM block found");
			goto out;
		}
		if (n > 16 && memcmp(line, "-----BEGIN ", 11) == 0 &&
			memcmp(line + n - 5, "-----", 5) == 0) {
			const char *lab = line + 11;
			size_t ln = n - 16;
			if (copy_field(out->label, sizeof(out->label), lab, ln) != 0)
				continue;
			if (want == NULL || strcmp(out->label, want) == 0)
				break;
		}
	}
	/* headers: "Key: value" lines right after BEGIN */
	for (;;) {
		const char *save = p, *colon, *k, *v;
		size_t kn, vn;
		if (!next_line(&p, end, &line, &n)) {
			signp_err(err, SIGN_EFORMAT, "reading PEM: truncated %s block", out->label);
			goto out;
		}
		colon = n ? memchr(line, ':', n) : NULL;
		if (colon == NULL || (n >= 5 && memcmp(line, "-----", 5) == 0)) {
			p = save;
			break;
		}
		k = line;
		kn = (size_t)(colon - line);
		v = colon + 1;
		vn = n - kn - 1;
		trim(&k, &kn);
		trim(&v, &vn);
		if (kn == 4 && memcmp(k, "role", 4) == 0) {
			if (copy_field(out->role, sizeof(out->role), v, vn) != 0) {
				signp_err(err, SIGN_EFORMAT, "reading PEM: role header is too long");
				goto out;
			}
		} else if (kn == 3 && memcmp(k, "gun", 3) == 0) {
			if (copy_field(out->gun, sizeof(out->gun), v, vn) != 0) {
				signp_err(err, SIGN_EFORMAT, "reading PEM: gun header is too long");
				goto out;
			}
		} else if (kn == 9 && memcmp(k, "Proc-Type", 9) == 0) {
			if (vn >= 9 && memcmp(v + vn - 9, "ENCRYPTED", 9) == 0)
				out->proc_encrypted = 1;
		}
	}
	/* body until the matching END line */
	for (;;) {
		if (!next_line(&p, end, &line, &n)) {
			signp_err(err, SIGN_EFORMAT, "reading PEM: truncated %s block (no END line)",
				out->label);
			goto out;
		}
		if (n >= 5 && memcmp(line, "-----", 5) == 0) {
			size_t ll = strlen(out->label);
			if (n == 14 + ll && memcmp(line, "-----END ", 9) == 0 &&
				memcmp(line + 9, out->label, ll) == 0 &&
				memcmp(line + 9 + ll, "-----", 5) == 0)
				break;
			signp_err(err, SIGN_EFORMAT, "reading PEM: unexpected line in %s block",
				out->label);
			goto out;
		}
		if (!decode)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (is_space(line[i]))
				continue;
			if (signp_buf_putc(&b64, line[i]) != SIGN_OK) {
				signp_err(err, SIGN_ENOMEM, "reading PEM: out of memory");
				r = SIGN_ENOMEM;
				goto out;
			}
		}
	}
	if (decode) {
		signp_buf_clear(&out->der);
		if (b64.size == 0 || signp_b64_decode(&out->der, b64.ptr, b64.size) != SIGN_OK ||
			out->der.size == 0) {
			signp_err(err, SIGN_EFORMAT, "reading PEM: bad base64 in %s block", out->label);
			goto out;
		}
	}
	r = SIGN_OK;
out:
	signp_buf_dispose_secure(&b64);
	return r;
}

static int header_value_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* Go pem.EncodeToMemory: headers sorted (gun < path < role), blank line,
 * 64 columns.  path: notary's key export writes the key's file name there
 * (the key ID), which `notary key import` needs for an encrypted key. */
static int pem_write(sign_buf *out, const char *label, const char *gun, const char *path,
	const char *role, const void *der, size_t len, sign_error *err)
{
	sign_buf b64 = SIGN_BUF_INIT;
	int r = SIGN_ENOMEM;
	int has_headers = (gun && gun[0]) || (path && path[0]) || (role && role[0]);

	if ((gun && !header_value_ok(gun)) || (path && !header_value_ok(path)) ||
	    (role && !header_value_ok(role))) {
		r = signp_err(err, SIGN_EINVAL, "writing PEM: bad character in gun, path or role");
		goto out;
	}
	signp_buf_clear(out);
	if (signp_b64_encode(&b64, der, len) != SIGN_OK)
		goto oom;
	if (signp_buf_printf(out, "-----BEGIN %s-----\n", label) != SIGN_OK)
		goto oom;
	if (gun && gun[0] && signp_buf_printf(out, "gun: %s\n", gun) != SIGN_OK)
		goto oom;
	if (path && path[0] && signp_buf_printf(out, "path: %s\n", path) != SIGN_OK)
		goto oom;
	if (role && role[0] && signp_buf_printf(out, "role: %s\n", role) != SIGN_OK)
		goto oom;
	if (has_headers && signp_buf_putc(out, '\n') != SIGN_OK)
		goto oom;
	for (size_t i = 0; i < b64.size; i += 64) {
		size_t n = b64.size - i < 64 ? b64.size - i : 64;
		if (signp_buf_put(out, b64.ptr + i, n) != SIGN_OK || signp_buf_putc(out, '\n') != SIGN_OK)
			goto oom;
	}
	if (signp_buf_printf(out, "-----END %s-----\n", label) != SIGN_OK)
		goto oom;
	r = SIGN_OK;
	goto out;
oom:
	r = signp_err(err, SIGN_ENOMEM, "writing PEM: out of memory");
out:
	sign_buf_dispose(&b64);
	return r;
}

/* ---------------------------------------------------------------------- */
/* Key objects                                                             */

static int ensure_sodium(sign_error *err)
{
	if (sodium_init() < 0)
		return signp_err(err, SIGN_ECRYPTO, "initialising libsodium: failed");
	return SIGN_OK;
}

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
		r = pem_write(out, LABEL_PUBLIC, NULL, NULL, NULL, der.ptr, der.size, err);
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
/* DER decoders                                                            */

static EVP_PKEY *pkcs8_der_to_pkey(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	PKCS8_PRIV_KEY_INFO *p8;
	EVP_PKEY *pkey = NULL;
	if (len == 0 || len > LONG_MAX)
		return NULL;
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
	if (p8 == NULL)
		return NULL;
	if (p == der + len)
		pkey = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return pkey;
}

/* PKCS#8 DER of a private key in sodium_malloc memory. */
static int pkcs8_der_secure(unsigned char **out, size_t *outlen, EVP_PKEY *pkey, sign_error *err)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	unsigned char *buf = NULL, *p;
	int n, r = SIGN_ECRYPTO;

	*out = NULL;
	*outlen = 0;
	p8 = EVP_PKEY2PKCS8(pkey);
	if (p8 == NULL) {
		signp_err_openssl(err, SIGN_ECRYPTO, "encoding private key");
		goto out;
	}
	n = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL);
	if (n <= 0) {
		signp_err_openssl(err, SIGN_ECRYPTO, "encoding private key");
		goto out;
	}
	buf = sodium_malloc((size_t)n);
	if (buf == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "encoding private key: out of memory");
		goto out;
	}
	p = buf;
	if (i2d_PKCS8_PRIV_KEY_INFO(p8, &p) != n) {
		signp_err_openssl(err, SIGN_ECRYPTO, "encoding private key");
		goto out;
	}
	*out = buf;
	*outlen = (size_t)n;
	buf = NULL;
	r = SIGN_OK;
out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	sodium_free(buf);
	return r;
}

/* ---------------------------------------------------------------------- */
/* cosign format                                                           */

static int b64_field(sign_buf *out, json_t *v)
{
	const char *s = json_string_value(v);
	if (s == NULL)
		return SIGN_EFORMAT;
	return signp_b64_decode(out, s, json_string_length(v));
}

static int cosign_decrypt(EVP_PKEY **pkey_out, const unsigned char *body, size_t len,
	const char *pass, size_t passlen, sign_error *err)
{
	json_t *root = NULL, *kdf, *params, *cipher, *v;
	json_error_t jerr;
	sign_buf salt = SIGN_BUF_INIT, nonce = SIGN_BUF_INIT, ct = SIGN_BUF_INIT;
	unsigned char *key = NULL, *plain = NULL;
	size_t plainlen = 0;
	json_int_t N, rr, pp;
	int r = SIGN_EFORMAT;

	*pkey_out = NULL;
	root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		signp_err(err, SIGN_EFORMAT, "reading cosign key: bad JSON");
		goto out;
	}
	kdf = json_object_get(root, "kdf");
	cipher = json_object_get(root, "cipher");
	params = json_object_get(kdf, "params");
	if (!json_is_object(kdf) || !json_is_object(cipher) || !json_is_object(params)) {
		signp_err(err, SIGN_EFORMAT, "reading cosign key: missing kdf or cipher");
		goto out;
	}
	v = json_object_get(kdf, "name");
	if (!json_is_string(v) || strcmp(json_string_value(v), "scrypt") != 0) {
		signp_err(err, SIGN_EFORMAT, "reading cosign key: unsupported KDF");
		goto out;
	}
	v = json_object_get(cipher, "name");
	if (!json_is_string(v) || strcmp(json_string_value(v), "nacl/secretbox") != 0) {
		signp_err(err, SIGN_EFORMAT, "reading cosign key: unsupported cipher");
		goto out;
	}
	if (!json_is_integer(json_object_get(params, "N")) ||
		!json_is_integer(json_object_get(params, "r")) ||
		!json_is_integer(json_object_get(params, "p"))) {
		signp_err(err, SIGN_EFORMAT, "reading cosign key: bad scrypt parameters");
		goto out;
	}
	N = json_integer_value(json_object_get(params, "N"));
	rr = json_integer_value(json_object_get(params, "r"));
	pp = json_integer_value(json_object_get(params, "p"));
	if ((N != 32768 && N != 65536 && N != 131072) || rr != 8 || pp != 1) {
		signp_err(err, SIGN_EFORMAT,
			"reading cosign key: unsupported scrypt parameters N=%lld r=%lld p=%lld",
			(long long)N, (long long)rr, (long long)pp);
		goto out;
	}
	if (b64_field(&salt, json_object_get(kdf, "salt")) != SIGN_OK || salt.size == 0 ||
		salt.size > COSIGN_MAX_SALT) {
		signp_err(err, SIGN_EFORMAT, "reading cosign key: bad salt");
		goto out;
	}
	if (b64_field(&nonce, json_object_get(cipher, "nonce")) != SIGN_OK ||
		nonce.size != crypto_secretbox_NONCEBYTES) {
		signp_err(err, SIGN_EFORMAT, "reading cosign key: bad nonce");
		goto out;
	}
	v = json_object_get(root, "ciphertext");
	if (!json_is_string(v) || json_string_length(v) > COSIGN_MAX_CT * 2 ||
		b64_field(&ct, v) != SIGN_OK || ct.size <= crypto_secretbox_MACBYTES ||
		ct.size > COSIGN_MAX_CT) {
		signp_err(err, SIGN_EFORMAT, "reading cosign key: bad ciphertext");
		goto out;
	}
	if (pass == NULL) {
		r = signp_err(err, SIGN_EPASSPHRASE, "decrypting key: a passphrase is required");
		goto out;
	}
	if ((r = ensure_sodium(err)) != SIGN_OK)
		goto out;
	key = sodium_malloc(COSIGN_KEY_LEN);
	plainlen = ct.size - crypto_secretbox_MACBYTES;
	plain = sodium_malloc(plainlen);
	if (key == NULL || plain == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "decrypting key: out of memory");
		goto out;
	}
	if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)(passlen ? pass : ""), passlen,
		    (const uint8_t *)salt.ptr, salt.size, (uint64_t)N, (uint32_t)rr, (uint32_t)pp, key,
		    COSIGN_KEY_LEN) != 0) {
		r = signp_err(err, SIGN_ECRYPTO, "decrypting key: scrypt failed");
		goto out;
	}
	if (crypto_secretbox_open_easy(plain, (const unsigned char *)ct.ptr, ct.size,
		    (const unsigned char *)nonce.ptr, key) != 0) {
		r = signp_err(err, SIGN_EPASSPHRASE, "decrypting key: wrong passphrase");
		goto out;
	}
	*pkey_out = pkcs8_der_to_pkey(plain, plainlen);
	if (*pkey_out == NULL) {
		ERR_clear_error();
		r = signp_err(err, SIGN_EFORMAT, "reading cosign key: plaintext is not a PKCS#8 key");
		goto out;
	}
	r = SIGN_OK;
out:
	json_decref(root);
	sign_buf_dispose(&salt);
	sign_buf_dispose(&nonce);
	sign_buf_dispose(&ct);
	sodium_free(key);
	sodium_free(plain);
	return r;
}

int signp_key_write_cosign(sign_buf *out, const signp_key *k, const char *pass, size_t passlen,
	sign_error *err)
{
	unsigned char salt[COSIGN_SALT_LEN], nonce[crypto_secretbox_NONCEBYTES];
	unsigned char *key = NULL, *plain = NULL, *ct = NULL;
	size_t plainlen = 0, ctlen;
	sign_buf bsalt = SIGN_BUF_INIT, bnonce = SIGN_BUF_INIT, bct = SIGN_BUF_INIT;
	json_t *root = NULL;
	char *text = NULL;
	int r = SIGN_ERROR;

	if (k == NULL || k->pkey == NULL || !k->is_private)
		return signp_err(err, SIGN_EINVAL, "encrypting key: not a private key");
	if (pass == NULL)
		return signp_err(err, SIGN_EPASSPHRASE, "encrypting key: a passphrase is required");
	if ((r = ensure_sodium(err)) != SIGN_OK)
		return r;
	if ((r = pkcs8_der_secure(&plain, &plainlen, k->pkey, err)) != SIGN_OK)
		goto out;
	key = sodium_malloc(COSIGN_KEY_LEN);
	ctlen = plainlen + crypto_secretbox_MACBYTES;
	ct = malloc(ctlen);
	if (key == NULL || ct == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "encrypting key: out of memory");
		goto out;
	}
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)(passlen ? pass : ""), passlen,
		    salt, sizeof(salt), COSIGN_SCRYPT_N, COSIGN_SCRYPT_R, COSIGN_SCRYPT_P, key,
		    COSIGN_KEY_LEN) != 0) {
		r = signp_err(err, SIGN_ECRYPTO, "encrypting key: scrypt failed");
		goto out;
	}
	if (crypto_secretbox_easy(ct, plain, plainlen, nonce, key) != 0) {
		r = signp_err(err, SIGN_ECRYPTO, "encrypting key: secretbox failed");
		goto out;
	}
	if (signp_b64_encode(&bsalt, salt, sizeof(salt)) != SIGN_OK ||
		signp_b64_encode(&bnonce, nonce, sizeof(nonce)) != SIGN_OK ||
		signp_b64_encode(&bct, ct, ctlen) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "encrypting key: out of memory");
		goto out;
	}
	root = json_pack("{s:{s:s,s:{s:i,s:i,s:i},s:s},s:{s:s,s:s},s:s}", "kdf", "name", "scrypt",
		"params", "N", (int)COSIGN_SCRYPT_N, "r", (int)COSIGN_SCRYPT_R, "p",
		(int)COSIGN_SCRYPT_P, "salt", bsalt.ptr, "cipher", "name", "nacl/secretbox", "nonce",
		bnonce.ptr, "ciphertext", bct.ptr);
	if (root == NULL || (text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "encrypting key: out of memory");
		goto out;
	}
	r = pem_write(out, LABEL_SIGSTORE, k->gun, NULL, k->role, text, strlen(text), err);
out:
	sodium_memzero(salt, sizeof(salt));
	sodium_free(key);
	sodium_free(plain);
	free(ct);
	free(text);
	json_decref(root);
	sign_buf_dispose(&bsalt);
	sign_buf_dispose(&bnonce);
	sign_buf_dispose(&bct);
	return r;
}

/* ---------------------------------------------------------------------- */
/* notary / DCT PKCS#8                                                     */

/* Refuse absurd PBKDF2 iteration counts before OpenSSL spends time on them. */
static int pbes2_iter_ok(const X509_SIG *sig)
{
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	const void *pval = NULL;
	int ptype = 0, ok = 1;
	PBE2PARAM *pbe2 = NULL;
	PBKDF2PARAM *kdf = NULL;

	X509_SIG_get0(sig, &alg, NULL);
	if (alg == NULL)
		return 0;
	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	if (OBJ_obj2nid(obj) != NID_pbes2)
		return 1; /* OpenSSL rejects or handles other schemes itself */
	if (ptype != V_ASN1_SEQUENCE)
		return 0;
	pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
	if (pbe2 == NULL || pbe2->keyfunc == NULL)
		ok = 0;
	else if (OBJ_obj2nid(pbe2->keyfunc->algorithm) == NID_id_pbkdf2) {
		long iter;
		kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter);
		if (kdf == NULL || kdf->iter == NULL)
			ok = 0;
		else {
			iter = ASN1_INTEGER_get(kdf->iter);
			if (iter <= 0 || iter > PBKDF2_MAX_ITER)
				ok = 0;
		}
	}
	PBKDF2PARAM_free(kdf);
	PBE2PARAM_free(pbe2);
	ERR_clear_error();
	return ok;
}

static int pkcs8_decrypt(EVP_PKEY **pkey_out, const unsigned char *der, size_t len,
	const char *pass, size_t passlen, sign_error *err)
{
	const unsigned char *p = der;
	X509_SIG *sig = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	int r = SIGN_EFORMAT;

	*pkey_out = NULL;
	if (len > LONG_MAX || passlen > INT_MAX) {
		signp_err(err, SIGN_EFORMAT, "reading encrypted key: too large");
		goto out;
	}
	sig = d2i_X509_SIG(NULL, &p, (long)len);
	if (sig == NULL || p != der + len) {
		signp_err(err, SIGN_EFORMAT, "reading encrypted key: not a PKCS#8 EncryptedPrivateKeyInfo");
		goto out;
	}
	if (!pbes2_iter_ok(sig)) {
		signp_err(err, SIGN_EFORMAT, "reading encrypted key: unsupported encryption parameters");
		goto out;
	}
	if (pass == NULL) {
		r = signp_err(err, SIGN_EPASSPHRASE, "decrypting key: a passphrase is required");
		goto out;
	}
	p8 = PKCS8_decrypt(sig, passlen ? pass : "", (int)passlen);
	if (p8 == NULL) {
		r = signp_err(err, SIGN_EPASSPHRASE, "decrypting key: wrong passphrase");
		goto out;
	}
	*pkey_out = EVP_PKCS82PKEY(p8);
	if (*pkey_out == NULL) {
		signp_err(err, SIGN_EFORMAT, "reading encrypted key: unsupported private key");
		goto out;
	}
	r = SIGN_OK;
out:
	ERR_clear_error();
	X509_SIG_free(sig);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return r;
}

int signp_key_write_pkcs8(sign_buf *out, const signp_key *k, const char *pass, size_t passlen,
	sign_error *err)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	X509_ALGOR *pbe = NULL;
	X509_SIG *sig = NULL;
	unsigned char *der = NULL, *p;
	int n, r = SIGN_ECRYPTO;

	if (k == NULL || k->pkey == NULL || !k->is_private)
		return signp_err(err, SIGN_EINVAL, "encrypting key: not a private key");
	if (pass == NULL)
		return signp_err(err, SIGN_EPASSPHRASE, "encrypting key: a passphrase is required");
	if (passlen > INT_MAX)
		return signp_err(err, SIGN_EINVAL, "encrypting key: passphrase too long");
	p8 = EVP_PKEY2PKCS8(k->pkey);
	if (p8 == NULL) {
		signp_err_openssl(err, SIGN_ECRYPTO, "encrypting key");
		goto out;
	}
	/* PBKDF2 with HMAC-SHA1 (no prf field), 8-byte salt, 2048 rounds, AES-256-CBC */
	pbe = PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), NOTARY_PBKDF2_ITER, NULL, NOTARY_SALT_LEN, NULL,
		NID_hmacWithSHA1);
	if (pbe == NULL) {
		signp_err_openssl(err, SIGN_ECRYPTO, "encrypting key");
		goto out;
	}
	sig = PKCS8_set0_pbe(passlen ? pass : "", (int)passlen, p8, pbe);
	if (sig == NULL) {
		signp_err_openssl(err, SIGN_ECRYPTO, "encrypting key");
		goto out;
	}
	pbe = NULL; /* owned by sig */
	n = i2d_X509_SIG(sig, NULL);
	if (n <= 0 || (der = malloc((size_t)n)) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "encrypting key: out of memory");
		goto out;
	}
	p = der;
	if (i2d_X509_SIG(sig, &p) != n) {
		signp_err_openssl(err, SIGN_ECRYPTO, "encrypting key");
		goto out;
	}
	r = pem_write(out, LABEL_PKCS8ENC, k->gun, k->id, k->role, der, (size_t)n, err);
out:
	ERR_clear_error();
	PKCS8_PRIV_KEY_INFO_free(p8);
	X509_ALGOR_free(pbe);
	X509_SIG_free(sig);
	free(der);
	return r;
}

/* ---------------------------------------------------------------------- */
/* Parsing key files                                                       */

int signp_key_data_encrypted(const void *data, size_t len)
{
	pem_block b;
	int enc;
	memset(&b, 0, sizeof(b));
	if (pem_parse(&b, data, len, NULL, 0, NULL) != SIGN_OK)
		return 0;
	enc = strcmp(b.label, LABEL_SIGSTORE) == 0 || strcmp(b.label, LABEL_COSIGN) == 0 ||
	      strcmp(b.label, LABEL_PKCS8ENC) == 0 || b.proc_encrypted;
	pem_block_dispose(&b);
	return enc;
}

int signp_key_read_headers(char role[64], char gun[512], const void *data, size_t len)
{
	pem_block b;
	int r;
	memset(&b, 0, sizeof(b));
	role[0] = gun[0] = '\0';
	r = pem_parse(&b, data, len, NULL, 0, NULL);
	if (r == SIGN_OK) {
		memcpy(role, b.role, sizeof(b.role));
		memcpy(gun, b.gun, sizeof(b.gun));
	}
	pem_block_dispose(&b);
	return r;
}

/* Legacy OpenSSL-encrypted traditional PEM (Proc-Type/DEK-Info). */
static int legacy_encrypted(EVP_PKEY **out, const void *data, size_t len, const char *pass,
	size_t passlen, sign_error *err)
{
	BIO *bio = NULL;
	char *pw = NULL;
	int r = SIGN_EPASSPHRASE;
	*out = NULL;
	if (pass == NULL)
		return signp_err(err, SIGN_EPASSPHRASE, "decrypting key: a passphrase is required");
	if (len > INT_MAX || passlen > 1023)
		return signp_err(err, SIGN_EFORMAT, "reading key: too large");
	pw = sodium_malloc(passlen + 1);
	if (pw == NULL)
		return signp_err(err, SIGN_ENOMEM, "decrypting key: out of memory");
	memcpy(pw, pass, passlen);
	pw[passlen] = '\0';
	bio = BIO_new_mem_buf(data, (int)len);
	if (bio == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "decrypting key: out of memory");
		goto out;
	}
	*out = PEM_read_bio_PrivateKey(bio, NULL, NULL, pw);
	if (*out == NULL) {
		r = signp_err(err, SIGN_EPASSPHRASE, "decrypting key: wrong passphrase");
		goto out;
	}
	r = SIGN_OK;
out:
	ERR_clear_error();
	BIO_free(bio);
	sodium_free(pw);
	return r;
}

int signp_key_parse(signp_key **out, const void *data, size_t len, const char *pass,
	size_t passlen, sign_error *err)
{
	pem_block b;
	EVP_PKEY *pkey = NULL;
	X509 *cert = NULL;
	int is_private = 1, r = SIGN_EFORMAT;
	const unsigned char *p;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	r = pem_parse(&b, data, len, NULL, 1, err);
	if (r != SIGN_OK)
		goto out;
	if (strcmp(b.label, "EC PARAMETERS") == 0) {
		/* openssl ecparam -genkey output: the key follows */
		pem_block_dispose(&b);
		memset(&b, 0, sizeof(b));
		if ((r = pem_parse(&b, data, len, LABEL_EC, 1, err)) != SIGN_OK)
			goto out;
	}
	r = SIGN_EFORMAT;
	p = (const unsigned char *)b.der.ptr;
	if (strcmp(b.label, LABEL_SIGSTORE) == 0 || strcmp(b.label, LABEL_COSIGN) == 0) {
		if ((r = cosign_decrypt(&pkey, p, b.der.size, pass, passlen, err)) != SIGN_OK)
			goto out;
	} else if (strcmp(b.label, LABEL_PKCS8ENC) == 0) {
		if ((r = pkcs8_decrypt(&pkey, p, b.der.size, pass, passlen, err)) != SIGN_OK)
			goto out;
	} else if (b.proc_encrypted &&
		   (strcmp(b.label, LABEL_EC) == 0 || strcmp(b.label, LABEL_RSA) == 0)) {
		if ((r = legacy_encrypted(&pkey, data, len, pass, passlen, err)) != SIGN_OK)
			goto out;
	} else if (strcmp(b.label, LABEL_PKCS8) == 0) {
		pkey = pkcs8_der_to_pkey(p, b.der.size);
	} else if (strcmp(b.label, LABEL_EC) == 0 || strcmp(b.label, LABEL_RSA) == 0) {
		int type = strcmp(b.label, LABEL_EC) == 0 ? EVP_PKEY_EC : EVP_PKEY_RSA;
		if (b.der.size <= LONG_MAX) {
			pkey = d2i_PrivateKey(type, NULL, &p, (long)b.der.size);
			if (pkey && p != (const unsigned char *)b.der.ptr + b.der.size) {
				EVP_PKEY_free(pkey);
				pkey = NULL;
			}
		}
	} else if (strcmp(b.label, LABEL_PUBLIC) == 0) {
		is_private = 0;
		pkey = signp_pubkey_from_spki(b.der.ptr, b.der.size);
	} else if (strcmp(b.label, LABEL_CERT) == 0) {
		is_private = 0;
		if (b.der.size <= LONG_MAX)
			cert = d2i_X509(NULL, &p, (long)b.der.size);
		if (cert)
			pkey = X509_get_pubkey(cert);
	} else {
		r = signp_err(err, SIGN_EFORMAT, "reading key: unsupported PEM type \"%s\"", b.label);
		goto out;
	}
	if (pkey == NULL) {
		ERR_clear_error();
		r = signp_err(err, SIGN_EFORMAT, "reading key: malformed %s", b.label);
		goto out;
	}
	if ((r = signp_key_wrap(out, pkey, is_private, err)) != SIGN_OK)
		goto out;
	pkey = NULL;
	memcpy((*out)->role, b.role, sizeof(b.role));
	memcpy((*out)->gun, b.gun, sizeof(b.gun));
	r = SIGN_OK;
out:
	EVP_PKEY_free(pkey);
	X509_free(cert);
	pem_block_dispose(&b);
	return r;
}

/* ---------------------------------------------------------------------- */
/* Root certificates                                                       */

/* Go encoding/asn1: PrintableString when every byte is in this set. */
static int go_printable(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (strchr(" '()+,-./:=?", c) == NULL)
			return 0;
	}
	return 1;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
	int ok;
	if (ext == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

int signp_key_root_cert(sign_buf *pem_out, const signp_key *k, const char *gun, int64_t not_before,
	int days, sign_error *err)
{
	X509 *x = NULL;
	X509_NAME *name = NULL;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *serial = NULL;
	X509V3_CTX ctx;
	unsigned char *der = NULL;
	int n, r = SIGN_ECRYPTO, type;
	size_t gl;

	if (k == NULL || k->pkey == NULL || !k->is_private)
		return signp_err(err, SIGN_EINVAL, "creating root certificate: not a private key");
	if (gun == NULL || (gl = strlen(gun)) == 0 || gl > 255)
		return signp_err(err, SIGN_EINVAL, "creating root certificate: bad GUN");
	if (days <= 0 || not_before < 0 || not_before > INT64_C(253402300799) - (int64_t)days * 86400)
		return signp_err(err, SIGN_EINVAL, "creating root certificate: bad validity");
	if ((x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL || (bn = BN_new()) == NULL)
		goto ssl;
	if (X509_set_version(x, X509_VERSION_3) != 1)
		goto ssl;
	if (BN_rand(bn, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
		(serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL || X509_set_serialNumber(x, serial) != 1)
		goto ssl;
	type = go_printable(gun) ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING;
	if (X509_NAME_add_entry_by_NID(name, NID_commonName, type, (const unsigned char *)gun,
		    (int)gl, -1, 0) != 1)
		goto ssl;
	if (X509_set_subject_name(x, name) != 1 || X509_set_issuer_name(x, name) != 1)
		goto ssl;
	if (ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) == NULL ||
		ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(not_before + (int64_t)days * 86400)) ==
			NULL)
		goto ssl;
	if (X509_set_pubkey(x, k->pkey) != 1)
		goto ssl;
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (!add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
		!add_ext(x, &ctx, NID_ext_key_usage, "codeSigning") ||
		!add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE"))
		goto ssl;
	if (X509_sign(x, k->pkey, EVP_sha256()) <= 0)
		goto ssl;
	n = i2d_X509(x, &der);
	if (n <= 0)
		goto ssl;
	r = pem_write(pem_out, LABEL_CERT, NULL, NULL, NULL, der, (size_t)n, err);
	goto out;
ssl:
	r = signp_err_openssl(err, SIGN_ECRYPTO, "creating root certificate");
out:
	OPENSSL_free(der);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	X509_NAME_free(name);
	X509_free(x);
	return r;
}

static int asn1_time_to_unix(const ASN1_TIME *t, int64_t *out)
{
	ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
	int day = 0, sec = 0, ok;
	if (epoch == NULL)
		return 0;
	ok = ASN1_TIME_diff(&day, &sec, epoch, t);
	ASN1_TIME_free(epoch);
	if (!ok)
		return 0;
	*out = (int64_t)day * 86400 + sec;
	return 1;
}

int signp_cert_parse(EVP_PKEY **pub_out, char cn[256], int64_t *not_before, int64_t *not_after,
	const void *pem, size_t len, sign_error *err)
{
	pem_block b;
	X509 *x = NULL;
	EVP_PKEY *pub = NULL;
	const unsigned char *p;
	unsigned char *utf8 = NULL;
	int r = SIGN_EFORMAT;

	if (pub_out)
		*pub_out = NULL;
	if (cn)
		cn[0] = '\0';
	memset(&b, 0, sizeof(b));
	if ((r = pem_parse(&b, pem, len, LABEL_CERT, 1, err)) != SIGN_OK)
		goto out;
	r = SIGN_EFORMAT;
	p = (const unsigned char *)b.der.ptr;
	if (b.der.size > LONG_MAX || (x = d2i_X509(NULL, &p, (long)b.der.size)) == NULL ||
		p != (const unsigned char *)b.der.ptr + b.der.size) {
		signp_err(err, SIGN_EFORMAT, "reading certificate: malformed DER");
		goto out;
	}
	if ((pub = X509_get_pubkey(x)) == NULL) {
		signp_err(err, SIGN_EFORMAT, "reading certificate: unsupported public key");
		goto out;
	}
	if (cn) {
		X509_NAME *subj = X509_get_subject_name(x);
		int idx = subj ? X509_NAME_get_index_by_NID(subj, NID_commonName, -1) : -1;
		if (idx >= 0) {
			ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx));
			int n = s ? ASN1_STRING_to_UTF8(&utf8, s) : -1;
			if (n < 0 || n > 255 || memchr(utf8, '\0', (size_t)n) != NULL) {
				signp_err(err, SIGN_EFORMAT, "reading certificate: bad common name");
				goto out;
			}
			memcpy(cn, utf8, (size_t)n);
			cn[n] = '\0';
		}
	}
	if (not_before && !asn1_time_to_unix(X509_get0_notBefore(x), not_before)) {
		signp_err(err, SIGN_EFORMAT, "reading certificate: bad notBefore");
		goto out;
	}
	if (not_after && !asn1_time_to_unix(X509_get0_notAfter(x), not_after)) {
		signp_err(err, SIGN_EFORMAT, "reading certificate: bad notAfter");
		goto out;
	}
	if (pub_out) {
		*pub_out = pub;
		pub = NULL;
	}
	r = SIGN_OK;
out:
	ERR_clear_error();
	OPENSSL_free(utf8);
	EVP_PKEY_free(pub);
	X509_free(x);
	pem_block_dispose(&b);
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

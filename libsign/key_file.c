/*
 * key_file.c - key files: cosign's encrypted format (scrypt + secretbox),
 * notary/DCT's encrypted PKCS#8 (PBES2), legacy encrypted PEM, and plain
 * PEM keys and certificates, read into and written from key objects.
 */
#include "key.h"
#include "key_pem.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
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

static int ensure_sodium(sign_error *err)
{
	if (sodium_init() < 0)
		return signp_err(err, SIGN_ECRYPTO, "initialising libsodium: failed");
	return SIGN_OK;
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
	r = signp_pem_write(out, LABEL_SIGSTORE, k->gun, NULL, k->role, text, strlen(text), err);
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
	r = signp_pem_write(out, LABEL_PKCS8ENC, k->gun, k->id, k->role, der, (size_t)n, err);
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
	signp_pem_block b;
	int enc;
	memset(&b, 0, sizeof(b));
	if (signp_pem_parse(&b, data, len, NULL, 0, NULL) != SIGN_OK)
		return 0;
	enc = strcmp(b.label, LABEL_SIGSTORE) == 0 || strcmp(b.label, LABEL_COSIGN) == 0 ||
	      strcmp(b.label, LABEL_PKCS8ENC) == 0 || b.proc_encrypted;
	signp_pem_block_dispose(&b);
	return enc;
}

int signp_key_read_headers(char role[64], char gun[512], const void *data, size_t len)
{
	signp_pem_block b;
	int r;
	memset(&b, 0, sizeof(b));
	role[0] = gun[0] = '\0';
	r = signp_pem_parse(&b, data, len, NULL, 0, NULL);
	if (r == SIGN_OK) {
		memcpy(role, b.role, sizeof(b.role));
		memcpy(gun, b.gun, sizeof(b.gun));
	}
	signp_pem_block_dispose(&b);
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
	signp_pem_block b;
	EVP_PKEY *pkey = NULL;
	X509 *cert = NULL;
	int is_private = 1, r = SIGN_EFORMAT;
	const unsigned char *p;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	r = signp_pem_parse(&b, data, len, NULL, 1, err);
	if (r != SIGN_OK)
		goto out;
	if (strcmp(b.label, "EC PARAMETERS") == 0) {
		/* openssl ecparam -genkey output: the key follows */
		signp_pem_block_dispose(&b);
		memset(&b, 0, sizeof(b));
		if ((r = signp_pem_parse(&b, data, len, LABEL_EC, 1, err)) != SIGN_OK)
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
	signp_pem_block_dispose(&b);
	return r;
}

int signp_key_read_named(signp_key **out, const char *path, sign_error *err)
{
	sign_buf data = SIGN_BUF_INIT;
	int r;
	*out = NULL;
	if ((r = signp_read_file_ex(&data, path, SIGN_MAX_KEYFILE, SIGNP_READ_FOREIGN, err)) != SIGN_OK ||
	    (r = signp_key_parse(out, data.ptr, data.size, NULL, 0, err)) != SIGN_OK)
		signp_err_prefix(err, r, "reading --key %s", path);
	sign_buf_dispose(&data);
	return r;
}

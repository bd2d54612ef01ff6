/*
 * key_cert.c - root certificates: the self-signed certificate notary makes
 * for a GUN's root key, and reading the public key, CN and validity of one.
 */
#include "key.h"
#include "key_pem.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

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
	r = signp_pem_write(pem_out, LABEL_CERT, NULL, NULL, NULL, der, (size_t)n, err);
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
	signp_pem_block b;
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
	if ((r = signp_pem_parse(&b, pem, len, LABEL_CERT, 1, err)) != SIGN_OK)
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
	signp_pem_block_dispose(&b);
	return r;
}

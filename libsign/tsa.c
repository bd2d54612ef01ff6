/*
 * tsa.c - RFC 3161 timestamps (tsa.h) checked with OpenSSL's TS API: the
 * token's signature and its signer's chain against each timestamp
 * authority of the trusted root at the token's own time, then its message
 * imprint against the data, then the authority's validity.
 */
#include "tsa.h"

#include <openssl/err.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

/* A token with its certificate chain is a few KB. */
#define TSA_MAX_DER (256u << 10)

/* The reason of the OpenSSL error queue's first error and its data (a TS
 * verify error carries the certificate's: "Verify error:..."), cleared. */
static void openssl_why(char *out, size_t outsz)
{
	const char *data = NULL;
	int flags = 0;
	unsigned long e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags);
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;
	char buf[300];
	snprintf(buf, sizeof(buf), "%s%s%s", reason != NULL ? reason : "verification failed",
		(flags & ERR_TXT_STRING) && data != NULL && *data ? ": " : "",
		(flags & ERR_TXT_STRING) && data != NULL ? data : "");
	signp_clean_copy(out, outsz, buf, strlen(buf));
	ERR_clear_error();
}

/* The token's signature and chain checked with one authority, at t. */
static int verify_with_tsa(PKCS7 *token, const signp_sig_ca *tsa, int64_t t, char *why, size_t whysz)
{
	TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
	/* the authority's last certificate the anchor, the time genTime */
	X509_STORE *store = signp_sig_ca_store(tsa, t);
	STACK_OF(X509) *certs = sk_X509_new_null();
	size_t i;
	int ok = -1;

	ERR_clear_error();
	if (ctx == NULL || store == NULL || certs == NULL)
		goto out;
	/* the signer may be absent from the token: the root's chain has it */
	for (i = 0; i + 1 < tsa->ncerts; i++) {
		if (!sk_X509_push(certs, tsa->certs[i]))
			goto out;
		X509_up_ref(tsa->certs[i]);
	}
	/* OpenSSL 3.0: the context owns the store and the certificates */
	TS_VERIFY_CTX_set_store(ctx, store);
	store = NULL;
	TS_VERIFY_CTX_set_certs(ctx, certs);
	certs = NULL;
	TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNATURE);
	ok = TS_RESP_verify_token(ctx, token) == 1;
	if (!ok)
		openssl_why(why, whysz);
out:
	if (ok < 0)
		signp_strlcpy(why, "out of memory", whysz);
	ERR_clear_error();
	TS_VERIFY_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(certs, X509_free);
	return ok;
}

/* Is the token's message imprint that of data? */
static int imprint_matches(PKCS7 *token, const void *data, size_t datalen)
{
	TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
	BIO *b = BIO_new_mem_buf(data, (int)datalen);
	int ok = 0;
	if (ctx != NULL && b != NULL) {
		TS_VERIFY_CTX_set_data(ctx, b);
		b = NULL;
		TS_VERIFY_CTX_set_flags(ctx, TS_VFY_DATA);
		ok = TS_RESP_verify_token(ctx, token) == 1;
	}
	ERR_clear_error();
	BIO_free(b);
	TS_VERIFY_CTX_free(ctx);
	return ok;
}

/* genTime as unix seconds (a fraction dropped). */
static int gen_time(const TS_TST_INFO *tst, int64_t *out)
{
	const ASN1_GENERALIZEDTIME *g = TS_TST_INFO_get_time(tst);
	ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
	int days, secs, ok;
	ok = g != NULL && epoch != NULL && ASN1_TIME_diff(&days, &secs, epoch, g) == 1;
	ASN1_TIME_free(epoch);
	if (!ok)
		return -1;
	*out = (int64_t)days * 86400 + secs;
	return 0;
}

/* The token of der: a TimeStampToken, or the one of a granted
 * TimeStampResp.  NULL with err set. */
static PKCS7 *read_token(const void *der, size_t len, sign_error *err)
{
	const unsigned char *p = der, *end = (const unsigned char *)der + len;
	PKCS7 *token = d2i_PKCS7(NULL, &p, (long)len);
	TS_RESP *resp;
	if (token != NULL && p == end)
		return token;
	PKCS7_free(token);
	p = der;
	resp = d2i_TS_RESP(NULL, &p, (long)len);
	ERR_clear_error();
	if (resp == NULL || p != end) {
		TS_RESP_free(resp);
		signp_err(err, SIGN_EFORMAT, "timestamp: neither a TimeStampToken nor a TimeStampResp in DER");
		return NULL;
	}
	{
		const ASN1_INTEGER *st = TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp));
		long s = st != NULL ? ASN1_INTEGER_get(st) : -1;
		if (s != 0 && s != 1) { /* granted, grantedWithMods */
			TS_RESP_free(resp);
			signp_err(err, SIGN_EFORMAT, "timestamp: the response's status is %ld, not granted", s);
			return NULL;
		}
	}
	token = TS_RESP_get_token(resp) != NULL ? PKCS7_dup(TS_RESP_get_token(resp)) : NULL;
	TS_RESP_free(resp);
	if (token == NULL)
		signp_err(err, SIGN_EFORMAT, "timestamp: the response holds no token");
	return token;
}

int signp_tsa_verify(const void *der, size_t len, const void *data, size_t datalen,
	const signp_trusted_root *r, int64_t *time_out, sign_error *err)
{
	PKCS7 *token;
	TS_TST_INFO *tst = NULL;
	const signp_sig_ca *outside = NULL;
	char when[32], why[320] = "", w[320];
	int64_t t;
	size_t i;
	int rc;

	if (len > TSA_MAX_DER)
		return signp_err(err, SIGN_EFORMAT, "timestamp: %zu bytes, more than %u", len, TSA_MAX_DER);
	if (datalen > INT32_MAX)
		return signp_err(err, SIGN_EINVAL, "timestamp: %zu bytes of data", datalen);
	if ((token = read_token(der, len, err)) == NULL)
		return err != NULL ? err->code : SIGN_EFORMAT;
	if ((tst = PKCS7_to_TS_TST_INFO(token)) == NULL) {
		ERR_clear_error();
		rc = signp_err(err, SIGN_EFORMAT, "timestamp: not a signed TSTInfo");
		goto out;
	}
	if (gen_time(tst, &t) != 0) {
		rc = signp_err(err, SIGN_EFORMAT, "timestamp: its genTime is not a time");
		goto out;
	}
	signp_time_format(when, t);
	for (i = 0; i < r->ntsas; i++) {
		int ok = verify_with_tsa(token, &r->tsas[i], t, w, sizeof(w));
		if (ok < 0) {
			rc = signp_err(err, SIGN_ENOMEM, "timestamp: out of memory");
			goto out;
		}
		if (ok == 0) {
			/* a chain error at the time says more than another TSA's "not found" */
			if (why[0] == '\0' || (strstr(w, "unable to get local issuer") == NULL &&
					       strstr(w, "signer certificate not found") == NULL))
				signp_strlcpy(why, w, sizeof(why));
			continue;
		}
		if (r->tsas[i].start <= t && t <= r->tsas[i].end)
			break;
		if (outside == NULL)
			outside = &r->tsas[i];
	}
	if (i == r->ntsas) {
		if (outside != NULL) {
			char s[32], e[32];
			signp_time_format(s, outside->start);
			if (outside->end == SIGNP_TIME_OPEN)
				signp_strlcpy(e, "open-ended", sizeof(e));
			else
				signp_time_format(e, outside->end);
			rc = signp_err(err, SIGN_EVERIFY,
				"timestamp: its time %s is outside the validity of the timestamp authority %.200s in the trusted root (%s to %s)",
				when, outside->uri != NULL ? outside->uri : "(no uri)", s, e);
		} else if (r->ntsas == 0) {
			rc = signp_err(err, SIGN_EVERIFY, "timestamp: the trusted root has no timestamp authority");
		} else {
			rc = signp_err(err, SIGN_EVERIFY,
				"timestamp: signed by no timestamp authority of the trusted root at its time %s: %s", when,
				why);
		}
		goto out;
	}
	if (!imprint_matches(token, data, datalen)) {
		rc = signp_err(err, SIGN_EVERIFY,
			"timestamp: it is over other data (its message imprint is not the signature's)");
		goto out;
	}
	if (time_out != NULL)
		*time_out = t;
	rc = SIGN_OK;
out:
	TS_TST_INFO_free(tst);
	PKCS7_free(token);
	return rc;
}

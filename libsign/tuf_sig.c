/*
 * tuf_sig.c - TUF signatures: making and checking one signature in each
 * of notary's methods, counting distinct valid keys against a threshold,
 * and signing a metadata file.  Reference: shared/reference/notary-tuf.md §3.
 */
#include "tuf_local.h"
#include "key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <sodium.h>

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
	if (signp_tuf_pkey_is(priv, "EC")) {
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
	} else if (signp_tuf_pkey_is(priv, "ED25519")) {
		m = "eddsa";
		if ((r = digest_sign(priv, NULL, 0, msg, len, &der, &derlen, err)) != SIGN_OK)
			goto out;
	} else if (signp_tuf_pkey_is(priv, "RSA")) {
		m = "rsapss";
		if ((r = signp_tuf_check_rsa_size(priv, err)) != SIGN_OK)
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
		if (!signp_tuf_pkey_is(pub, "EC"))
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
		if (!signp_tuf_pkey_is(pub, "ED25519") || siglen != 64)
			goto out;
	} else if (strcasecmp(method, "rsapss") == 0 || strcasecmp(method, "rsapkcs1v15") == 0) {
		if (!signp_tuf_pkey_is(pub, "RSA") || EVP_PKEY_get_bits(pub) < TUF_RSA_MIN_BITS)
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
	const char *kt = signp_tuf_obj_str(k, "keytype");
	const char *pub = signp_tuf_obj_str(json_object_get(k, "keyval"), "public");
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
int signp_tuf_count_valid_ex(const signp_tuf_file *f, const json_t *keys, const json_t *keyids,
	int *dups, sign_error *err)
{
	int r = SIGN_ERROR, count = 0, attempts = 0;
	json_t *set = NULL, *counted = NULL, *sig, *id;
	sign_buf msg = SIGN_BUF_INIT, raw = SIGN_BUF_INIT;
	const void *msg_ptr;
	size_t i, msg_len;

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
	/* a lean file's tree is its skeleton: its signatures are checked
	 * over the bytes of its "signed" value (tuf_scan.h), which are the
	 * canonical form for any file a notary client or sign wrote; for
	 * another, none verifies, and the caller parses it whole */
	if (f->scan != NULL) {
		if (f->scan->signed_off > f->len || f->scan->signed_len > f->len - f->scan->signed_off) {
			r = signp_err(err, SIGN_EINVAL, "%s: bad scan", f->role);
			goto out;
		}
		msg_ptr = f->bytes + f->scan->signed_off;
		msg_len = f->scan->signed_len;
	} else {
		if ((r = signp_cjson_canonical(&msg, f->signed_obj, err)) != SIGN_OK) {
			signp_err_prefix(err, r, "%s", f->role);
			goto out;
		}
		msg_ptr = msg.ptr;
		msg_len = msg.size;
	}
	json_array_foreach(f->signatures, i, sig) {
		const char *kid = signp_tuf_obj_str(sig, "keyid"), *method = signp_tuf_obj_str(sig, "method");
		const char *b64 = signp_tuf_obj_str(sig, "sig");
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
		ok = signp_tuf_sig_check(pk, method, msg_ptr, msg_len, raw.ptr, raw.size) ==
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
	return signp_tuf_count_valid_ex(f, keys, keyids, NULL, NULL);
}

/* Why a threshold was missed, when signatures were dropped as made by a
 * key already counted ("" when none was). */
const char *signp_tuf_dup_note(char *buf, size_t size, int dups)
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
	n = signp_tuf_count_valid_ex(f, keys, keyids, &dups, err);
	if (n < 0)
		return n;
	if ((int64_t)n < threshold)
		return signp_err(err, SIGN_EVERIFY, "valid signatures did not meet threshold for %s%s",
			f->role, signp_tuf_dup_note(note, sizeof(note), dups));
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

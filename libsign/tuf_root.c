/*
 * tuf_root.c - root validation: root certificates (CN, validity, key
 * size), the root's own structure and signatures, and root rotation.
 * Reference: shared/reference/notary-tuf.md §4.
 */
#include "tuf_local.h"
#include "key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

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
	const char *kt = signp_tuf_obj_str(k, "keytype");
	const char *pub = signp_tuf_obj_str(json_object_get(k, "keyval"), "public");
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
	    (x = signp_tuf_pem_first_cert(pem.ptr, pem.size)) == NULL) {
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
	if (pk == NULL || !(signp_tuf_pkey_is(pk, kt[0] == 'e' ? "EC" : "RSA"))) {
		snprintf(why, why_size, "certificate key does not match key type %s", kt);
		goto out;
	}
	if (signp_tuf_pkey_is(pk, "RSA") && EVP_PKEY_get_bits(pk) < TUF_RSA_MIN_BITS) {
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
		const char *pub = signp_tuf_obj_str(json_object_get(k, "keyval"), "public");
		sign_buf pem = SIGN_BUF_INIT;
		X509 *x = NULL;
		int64_t nb, na;
		if (pub != NULL && signp_b64_decode(&pem, pub, strlen(pub)) == SIGN_OK &&
		    (x = signp_tuf_pem_first_cert(pem.ptr, pem.size)) != NULL &&
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
		    !signp_tuf_json_int64(json_object_get(ro, "threshold"), &t) || t < 1)
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
	signp_tuf_json_int64(json_object_get(rr, "threshold"), &th);
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
	if (!signp_tuf_json_int64(json_object_get(prr, "threshold"), &pth) || pth < 1 ||
	    !signp_tuf_json_int64(json_object_get(nrr, "threshold"), &nth) || nth < 1)
		return signp_err(err, SIGN_EVERIFY, "root rotation: invalid root role");
	n = signp_tuf_count_valid_ex(next, json_object_get(prev->signed_obj, "keys"),
		json_object_get(prr, "keyids"), &dups, err);
	if (n < 0)
		return n;
	if ((int64_t)n < pth)
		return signp_err(err, SIGN_EVERIFY,
			"root rotation: new root version %lld is not signed by the trusted root keys "
			"of version %lld%s",
			(long long)next->version, (long long)prev->version,
			signp_tuf_dup_note(note, sizeof(note), dups));
	return signp_tuf_verify(next, json_object_get(next->signed_obj, "keys"),
		json_object_get(nrr, "keyids"), nth, err);
}

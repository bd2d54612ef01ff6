/*
 * tuf1_meta.c - one TUF 1.0 metadata file: read it (bounded, duplicate
 * members refused, every member the workflow uses checked for type), and
 * verify its signatures over the canonical JSON of "signed" against a
 * role's keys and threshold.
 */
#include "tuf1.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

static const char *const type_names[] = { "root", "timestamp", "snapshot", "targets" };

static int bad(sign_error *err, const char *name, const char *why)
{
	return signp_err(err, SIGN_EFORMAT, "%s: %s", name, why);
}

/* ---- OLPC canonical JSON (securesystemslib's encode_canonical) ----
 * Object members sorted by name (bytewise: code point order), no
 * whitespace, strings with only '"' and '\' escaped and every other byte
 * as is, integers in decimal, no reals. */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int canon_string(sign_buf *out, const char *s, size_t len)
{
	size_t i;
	if (signp_buf_putc(out, '"') != SIGN_OK)
		return SIGN_ENOMEM;
	for (i = 0; i < len; i++) {
		if ((s[i] == '"' || s[i] == '\\') && signp_buf_putc(out, '\\') != SIGN_OK)
			return SIGN_ENOMEM;
		if (signp_buf_putc(out, s[i]) != SIGN_OK)
			return SIGN_ENOMEM;
	}
	return signp_buf_putc(out, '"') == SIGN_OK ? SIGN_OK : SIGN_ENOMEM;
}

static int canon_value(sign_buf *out, const json_t *v, int depth)
{
	size_t i, n;
	int rc = SIGN_OK;
	if (depth > 64)
		return SIGN_EFORMAT;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char **names;
		const char *k;
		json_t *x;
		n = json_object_size(v);
		if ((names = calloc(n ? n : 1, sizeof(*names))) == NULL)
			return SIGN_ENOMEM;
		i = 0;
		json_object_foreach((json_t *)v, k, x)
			names[i++] = k;
		qsort(names, n, sizeof(*names), cmp_names);
		rc = signp_buf_putc(out, '{');
		for (i = 0; rc == SIGN_OK && i < n; i++) {
			if (i > 0)
				rc = signp_buf_putc(out, ',');
			if (rc == SIGN_OK)
				rc = canon_string(out, names[i], strlen(names[i]));
			if (rc == SIGN_OK)
				rc = signp_buf_putc(out, ':');
			if (rc == SIGN_OK)
				rc = canon_value(out, json_object_get(v, names[i]), depth + 1);
		}
		free(names);
		if (rc == SIGN_OK)
			rc = signp_buf_putc(out, '}');
		return rc;
	}
	case JSON_ARRAY:
		rc = signp_buf_putc(out, '[');
		for (i = 0; rc == SIGN_OK && i < json_array_size(v); i++) {
			if (i > 0)
				rc = signp_buf_putc(out, ',');
			if (rc == SIGN_OK)
				rc = canon_value(out, json_array_get(v, i), depth + 1);
		}
		return rc == SIGN_OK ? signp_buf_putc(out, ']') : rc;
	case JSON_STRING:
		return canon_string(out, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return signp_buf_printf(out, "%lld", (long long)json_integer_value(v));
	case JSON_TRUE:
		return signp_buf_puts(out, "true");
	case JSON_FALSE:
		return signp_buf_puts(out, "false");
	case JSON_NULL:
		return signp_buf_puts(out, "null");
	default:
		return SIGN_EFORMAT; /* a real */
	}
}

int signp_tuf1_canonical(sign_buf *out, const json_t *v, sign_error *err)
{
	int rc = canon_value(out, v, 0);
	if (rc == SIGN_EFORMAT)
		return signp_err(err, rc, "canonical JSON: a real number or nesting deeper than 64");
	if (rc != SIGN_OK)
		return signp_err(err, SIGN_ENOMEM, "canonical JSON: out of memory");
	return SIGN_OK;
}

static int get_int(const json_t *o, const char *k, int64_t min, int64_t *out)
{
	const json_t *v = json_object_get(o, k);
	if (!json_is_integer(v) || json_integer_value(v) < min)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* An array of unique strings, at most max of them. */
static int unique_strings(const json_t *a, size_t max)
{
	size_t i, j, n;
	if (!json_is_array(a) || (n = json_array_size(a)) > max)
		return -1;
	for (i = 0; i < n; i++) {
		if (!json_is_string(json_array_get(a, i)))
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(a, i)),
				    json_string_value(json_array_get(a, j))) == 0)
				return -1;
	}
	return 0;
}

static int check_role(const json_t *r, const char *name, const char *role, sign_error *err)
{
	int64_t t;
	if (!json_is_object(r))
		return signp_err(err, SIGN_EFORMAT, "%s: role %s is not an object", name, role);
	if (unique_strings(json_object_get(r, "keyids"), SIGNP_TUF1_MAX_KEYS) != 0)
		return signp_err(err, SIGN_EFORMAT, "%s: role %s: keyids must be unique strings",
			name, role);
	if (get_int(r, "threshold", 1, &t) != 0)
		return signp_err(err, SIGN_EFORMAT, "%s: role %s: threshold must be an integer >= 1",
			name, role);
	return SIGN_OK;
}

static int check_keys(const json_t *keys, const char *name, sign_error *err)
{
	const char *id;
	json_t *k;
	if (!json_is_object(keys) || json_object_size(keys) > SIGNP_TUF1_MAX_KEYS)
		return bad(err, name, "keys must be an object of at most 1024 keys");
	json_object_foreach((json_t *)keys, id, k) {
		const json_t *kv = json_object_get(k, "keyval");
		if (!json_is_string(json_object_get(k, "keytype")) ||
		    !json_is_string(json_object_get(k, "scheme")) || !json_is_object(kv) ||
		    !json_is_string(json_object_get(kv, "public")))
			return signp_err(err, SIGN_EFORMAT,
				"%s: key %.64s: keytype, scheme and keyval.public must be strings", name, id);
	}
	return SIGN_OK;
}

static int check_fileinfo(const json_t *f, int target, const char *name, const char *file,
	sign_error *err)
{
	int64_t v;
	const json_t *h = json_object_get(f, "hashes");
	const char *alg;
	json_t *x;
	if (!json_is_object(f))
		return signp_err(err, SIGN_EFORMAT, "%s: %.200s: not an object", name, file);
	if (!target && get_int(f, "version", 1, &v) != 0)
		return signp_err(err, SIGN_EFORMAT, "%s: %.200s: version must be an integer >= 1",
			name, file);
	if (json_object_get(f, "length") != NULL || target)
		if (get_int(f, "length", 0, &v) != 0)
			return signp_err(err, SIGN_EFORMAT, "%s: %.200s: length must be an integer >= 0",
				name, file);
	if (h != NULL || target) {
		if (!json_is_object(h) || json_object_size(h) == 0)
			return signp_err(err, SIGN_EFORMAT, "%s: %.200s: hashes must be a non-empty object",
				name, file);
		json_object_foreach((json_t *)h, alg, x)
			if (!json_is_string(x))
				return signp_err(err, SIGN_EFORMAT, "%s: %.200s: hash %.32s is not a string",
					name, file, alg);
	}
	return SIGN_OK;
}

static int check_meta(const json_t *meta, const char *name, sign_error *err)
{
	const char *file;
	json_t *f;
	int rc;
	if (!json_is_object(meta))
		return bad(err, name, "meta must be an object");
	json_object_foreach((json_t *)meta, file, f)
		if ((rc = check_fileinfo(f, 0, name, file, err)) != SIGN_OK)
			return rc;
	return SIGN_OK;
}

static int check_delegations(const json_t *d, const char *name, sign_error *err)
{
	const json_t *roles = json_object_get(d, "roles");
	size_t i, j;
	int rc;
	if (!json_is_object(d))
		return bad(err, name, "delegations must be an object");
	if ((rc = check_keys(json_object_get(d, "keys"), name, err)) != SIGN_OK)
		return rc;
	if (!json_is_array(roles) || json_array_size(roles) > SIGNP_TUF1_MAX_KEYS)
		return bad(err, name, "delegations.roles must be an array");
	for (i = 0; i < json_array_size(roles); i++) {
		const json_t *r = json_array_get(roles, i);
		const json_t *paths = json_object_get(r, "paths");
		const json_t *pfx = json_object_get(r, "path_hash_prefixes");
		const char *rn = json_string_value(json_object_get(r, "name"));
		if (rn == NULL || *rn == '\0')
			return bad(err, name, "a delegated role has no name");
		for (j = 0; j < i; j++)
			if (strcmp(rn, json_string_value(json_object_get(json_array_get(roles, j),
					    "name"))) == 0)
				return signp_err(err, SIGN_EFORMAT, "%s: delegated role %.100s listed twice",
					name, rn);
		if (strcmp(rn, "root") == 0 || strcmp(rn, "timestamp") == 0 ||
		    strcmp(rn, "snapshot") == 0 || strcmp(rn, "targets") == 0)
			return signp_err(err, SIGN_EFORMAT, "%s: delegated role named %s", name, rn);
		if ((rc = check_role(r, name, rn, err)) != SIGN_OK)
			return rc;
		if (!json_is_boolean(json_object_get(r, "terminating")))
			return signp_err(err, SIGN_EFORMAT, "%s: delegated role %.100s: terminating must be a boolean",
				name, rn);
		if ((paths == NULL) == (pfx == NULL) ||
		    (paths != NULL && !json_is_array(paths)) ||
		    (pfx != NULL && !json_is_array(pfx)))
			return signp_err(err, SIGN_EFORMAT,
				"%s: delegated role %.100s: exactly one of paths and path_hash_prefixes", name, rn);
		for (j = 0; j < json_array_size(paths ? paths : pfx); j++)
			if (!json_is_string(json_array_get(paths ? paths : pfx, j)))
				return signp_err(err, SIGN_EFORMAT, "%s: delegated role %.100s: a path is not a string",
					name, rn);
	}
	return SIGN_OK;
}

static int check_signed(const signp_tuf1_meta *m, const char *name, sign_error *err)
{
	const json_t *s = m->sig;
	const char *file;
	json_t *f;
	int rc;
	switch (m->type) {
	case SIGNP_TUF1_ROOT: {
		static const char *const roles[] = { "root", "timestamp", "snapshot", "targets" };
		const json_t *r = json_object_get(s, "roles");
		const json_t *cs = json_object_get(s, "consistent_snapshot");
		size_t i;
		if ((rc = check_keys(json_object_get(s, "keys"), name, err)) != SIGN_OK)
			return rc;
		if (!json_is_object(r))
			return bad(err, name, "roles must be an object");
		for (i = 0; i < 4; i++)
			if ((rc = check_role(json_object_get(r, roles[i]), name, roles[i], err)) != SIGN_OK)
				return rc;
		if (cs != NULL && !json_is_boolean(cs))
			return bad(err, name, "consistent_snapshot must be a boolean");
		return SIGN_OK;
	}
	case SIGNP_TUF1_TIMESTAMP: {
		const json_t *meta = json_object_get(s, "meta");
		if ((rc = check_meta(meta, name, err)) != SIGN_OK)
			return rc;
		if (json_object_get(meta, "snapshot.json") == NULL)
			return bad(err, name, "meta has no snapshot.json");
		return SIGN_OK;
	}
	case SIGNP_TUF1_SNAPSHOT:
		return check_meta(json_object_get(s, "meta"), name, err);
	default:
		if (!json_is_object(json_object_get(s, "targets")))
			return bad(err, name, "targets must be an object");
		json_object_foreach(json_object_get(s, "targets"), file, f)
			if ((rc = check_fileinfo(f, 1, name, file, err)) != SIGN_OK)
				return rc;
		if (json_object_get(s, "delegations") != NULL)
			return check_delegations(json_object_get(s, "delegations"), name, err);
		return SIGN_OK;
	}
}

/* "1.x" or "1.x.y", digits only. */
static int spec_version_ok(const char *v)
{
	int parts = 0;
	const char *p = v;
	if (v == NULL || strncmp(v, "1.", 2) != 0)
		return 0;
	while (*p) {
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
		parts++;
		if (*p == '.' && p[1] != '\0')
			p++;
		else if (*p != '\0')
			return 0;
	}
	return parts == 2 || parts == 3;
}

int signp_tuf1_meta_parse(signp_tuf1_meta **out, const void *data, size_t len, int type,
	const char *name, sign_error *err)
{
	signp_tuf1_meta *m = NULL;
	json_error_t je;
	const char *exp, *t;
	size_t i, j, n;
	int rc = SIGN_EFORMAT;

	*out = NULL;
	if (len > SIGNP_TUF1_TARGETS_MAX * 4)
		return bad(err, name, "too large");
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "%s: out of memory", name);
	m->type = type;
	m->doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (m->doc == NULL) {
		rc = signp_err(err, SIGN_EFORMAT, "%s: not JSON: %s", name, je.text);
		goto out;
	}
	m->sig = json_object_get(m->doc, "signed");
	m->signatures = json_object_get(m->doc, "signatures");
	if (!json_is_object(m->sig) || !json_is_array(m->signatures)) {
		rc = bad(err, name, "no signed object or signatures array");
		goto out;
	}
	t = json_string_value(json_object_get(m->sig, "_type"));
	if (t == NULL || strcmp(t, type_names[type]) != 0) {
		rc = signp_err(err, SIGN_EFORMAT, "%s: _type is %.32s, expected %s", name,
			t ? t : "missing", type_names[type]);
		goto out;
	}
	if (!spec_version_ok(json_string_value(json_object_get(m->sig, "spec_version")))) {
		rc = bad(err, name, "unsupported spec_version (1.x expected)");
		goto out;
	}
	if (get_int(m->sig, "version", 1, &m->version) != 0) {
		rc = bad(err, name, "version must be an integer >= 1");
		goto out;
	}
	exp = json_string_value(json_object_get(m->sig, "expires"));
	if (exp == NULL || strlen(exp) != 20 || exp[19] != 'Z' ||
	    signp_time_parse(exp, &m->expires) != SIGN_OK) {
		rc = bad(err, name, "expires must be YYYY-MM-DDTHH:MM:SSZ");
		goto out;
	}
	n = json_array_size(m->signatures);
	if (n > SIGNP_TUF1_MAX_SIGS) {
		rc = bad(err, name, "too many signatures");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const json_t *s = json_array_get(m->signatures, i);
		const char *kid = json_string_value(json_object_get(s, "keyid"));
		if (kid == NULL || !json_is_string(json_object_get(s, "sig"))) {
			rc = bad(err, name, "a signature lacks keyid or sig");
			goto out;
		}
		for (j = 0; j < i; j++)
			if (strcmp(kid, json_string_value(json_object_get(json_array_get(m->signatures, j),
					     "keyid"))) == 0) {
				rc = signp_err(err, SIGN_EFORMAT, "%s: two signatures by key %.64s", name, kid);
				goto out;
			}
	}
	if ((rc = check_signed(m, name, err)) != SIGN_OK)
		goto out;
	if ((rc = signp_tuf1_canonical(&m->canon, m->sig, err)) != SIGN_OK) {
		signp_err_prefix(err, rc, "%s", name);
		goto out;
	}
	*out = m;
	m = NULL;
out:
	signp_tuf1_meta_free(m);
	return rc;
}

void signp_tuf1_meta_free(signp_tuf1_meta *m)
{
	if (m == NULL)
		return;
	json_decref(m->doc);
	sign_buf_dispose(&m->canon);
	free(m);
}

/* The public key of a TUF key object, and the digest its scheme signs
 * with (NULL for ed25519); *pss for rsassa-pss. */
static EVP_PKEY *load_key(const json_t *k, const EVP_MD **md, int *pss)
{
	const char *kt = json_string_value(json_object_get(k, "keytype"));
	const char *sc = json_string_value(json_object_get(k, "scheme"));
	const char *pub = json_string_value(json_object_get(json_object_get(k, "keyval"), "public"));
	EVP_PKEY *pk = NULL;
	*md = NULL;
	*pss = 0;
	if (kt == NULL || sc == NULL || pub == NULL)
		return NULL;
	if (strcmp(kt, "ed25519") == 0 && strcmp(sc, "ed25519") == 0) {
		unsigned char raw[32];
		if (strlen(pub) != 64 || signp_unhex(raw, 32, pub) != 0)
			return NULL;
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
	}
	if ((strcmp(kt, "ecdsa") == 0 || strcmp(kt, "ecdsa-sha2-nistp256") == 0 ||
		    strcmp(kt, "ecdsa-sha2-nistp384") == 0) &&
	    (strcmp(sc, "ecdsa-sha2-nistp256") == 0 || strcmp(sc, "ecdsa-sha2-nistp384") == 0)) {
		*md = strcmp(sc, "ecdsa-sha2-nistp256") == 0 ? EVP_sha256() : EVP_sha384();
	} else if (strcmp(kt, "rsa") == 0 && strcmp(sc, "rsassa-pss-sha256") == 0) {
		*md = EVP_sha256();
		*pss = 1;
	} else if (strcmp(kt, "rsa") == 0 && strcmp(sc, "rsassa-pss-sha384") == 0) {
		*md = EVP_sha384();
		*pss = 1;
	} else if (strcmp(kt, "rsa") == 0 && strcmp(sc, "rsassa-pss-sha512") == 0) {
		*md = EVP_sha512();
		*pss = 1;
	} else if (strcmp(kt, "rsa") == 0 && strcmp(sc, "rsa-pkcs1v15-sha256") == 0) {
		*md = EVP_sha256();
	} else {
		return NULL;
	}
	{
		BIO *b = BIO_new_mem_buf(pub, (int)strlen(pub));
		if (b == NULL)
			return NULL;
		pk = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	if (pk != NULL) {
		int id = EVP_PKEY_get_base_id(pk);
		if ((strncmp(kt, "ecdsa", 5) == 0 && id != EVP_PKEY_EC) ||
		    (strcmp(kt, "rsa") == 0 && id != EVP_PKEY_RSA)) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
	}
	return pk;
}

/* Does sig_hex verify over data with key k?  0 yes, -1 no. */
static int sig_ok(const json_t *k, const char *sig_hex, const void *data, size_t len)
{
	const EVP_MD *md;
	int pss, ok = -1;
	EVP_PKEY *pk = load_key(k, &md, &pss);
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *sig = NULL;
	size_t n = strlen(sig_hex) / 2;

	if (pk == NULL || n == 0 || strlen(sig_hex) % 2 != 0 || n > 4096)
		goto out;
	if ((sig = malloc(n)) == NULL || signp_unhex(sig, n, sig_hex) != 0)
		goto out;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pk) != 1)
		goto out;
	if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1))
		goto out;
	if (EVP_DigestVerify(ctx, sig, n, data, len) == 1)
		ok = 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	free(sig);
	return ok;
}

int signp_tuf1_meta_verify(const signp_tuf1_meta *m, const json_t *keys, const json_t *role,
	const char *name, sign_error *err)
{
	const json_t *ids = json_object_get(role, "keyids");
	int64_t threshold = json_integer_value(json_object_get(role, "threshold"));
	int64_t good = 0;
	size_t i, j;

	if (!json_is_array(ids) || threshold < 1)
		return signp_err(err, SIGN_EFORMAT, "%s: no such role to verify with", name);
	for (i = 0; i < json_array_size(m->signatures); i++) {
		const json_t *s = json_array_get(m->signatures, i);
		const char *kid = json_string_value(json_object_get(s, "keyid"));
		const json_t *k;
		for (j = 0; j < json_array_size(ids); j++)
			if (strcmp(kid, json_string_value(json_array_get(ids, j))) == 0)
				break;
		if (j == json_array_size(ids) || (k = json_object_get(keys, kid)) == NULL)
			continue;
		if (sig_ok(k, json_string_value(json_object_get(s, "sig")), m->canon.ptr,
			    m->canon.size) == 0)
			good++;
	}
	if (good < threshold)
		return signp_err(err, SIGN_EVERIFY,
			"%s: %lld valid signatures of the role's keys, threshold %lld not met", name,
			(long long)good, (long long)threshold);
	return SIGN_OK;
}

int signp_tuf1_root_verify(const signp_tuf1_meta *root, const char *rolename,
	const signp_tuf1_meta *m, sign_error *err)
{
	char name[64];
	snprintf(name, sizeof(name), "%s (version %lld)", rolename, (long long)m->version);
	return signp_tuf1_meta_verify(m, json_object_get(root->sig, "keys"),
		json_object_get(json_object_get(root->sig, "roles"), rolename), name, err);
}

const json_t *signp_tuf1_delegated_role(const signp_tuf1_meta *delegator, const char *name)
{
	const json_t *roles = json_object_get(json_object_get(delegator->sig, "delegations"), "roles");
	size_t i;
	for (i = 0; i < json_array_size(roles); i++) {
		const json_t *r = json_array_get(roles, i);
		if (strcmp(json_string_value(json_object_get(r, "name")), name) == 0)
			return r;
	}
	return NULL;
}

int signp_tuf1_delegate_verify(const signp_tuf1_meta *delegator, const char *name,
	const signp_tuf1_meta *m, sign_error *err)
{
	const json_t *r = signp_tuf1_delegated_role(delegator, name);
	char label[160];
	snprintf(label, sizeof(label), "%.100s (version %lld)", name, (long long)m->version);
	if (r == NULL)
		return signp_err(err, SIGN_EVERIFY, "%s: not delegated", label);
	return signp_tuf1_meta_verify(m,
		json_object_get(json_object_get(delegator->sig, "delegations"), "keys"), r, label, err);
}

int signp_tuf1_expired(const signp_tuf1_meta *m, int64_t now)
{
	return m->expires <= now;
}

int signp_tuf1_fileinfo_check(const json_t *info, const void *data, size_t len, const char *what,
	sign_error *err)
{
	const json_t *l = json_object_get(info, "length");
	const char *alg;
	json_t *h;
	if (l != NULL && (json_integer_value(l) < 0 || (uint64_t)json_integer_value(l) != len))
		return signp_err(err, SIGN_EVERIFY, "%s: length %zu, expected %lld", what, len,
			(long long)json_integer_value(l));
	json_object_foreach(json_object_get(info, "hashes"), alg, h) {
		const EVP_MD *md = NULL;
		unsigned char d[EVP_MAX_MD_SIZE];
		char hex[2 * EVP_MAX_MD_SIZE + 1];
		unsigned int dl = 0;
		const char *want = json_string_value(h);
		if (strcmp(alg, "sha256") == 0)
			md = EVP_sha256();
		else if (strcmp(alg, "sha384") == 0)
			md = EVP_sha384();
		else if (strcmp(alg, "sha512") == 0)
			md = EVP_sha512();
		if (md == NULL)
			return signp_err(err, SIGN_EVERIFY, "%s: unsupported hash algorithm %.32s", what, alg);
		if (EVP_Digest(data, len, d, &dl, md, NULL) != 1)
			return signp_err_openssl(err, SIGN_ECRYPTO, "%s: %s", what, alg);
		signp_hex(hex, d, dl);
		if (want == NULL || strlen(want) != 2 * (size_t)dl ||
		    CRYPTO_memcmp(hex, want, 2 * (size_t)dl) != 0)
			return signp_err(err, SIGN_EVERIFY, "%s: %s hash mismatch", what, alg);
	}
	return SIGN_OK;
}

int signp_tuf1_role_covers(const json_t *role, const char *target)
{
	const json_t *paths = json_object_get(role, "paths");
	const json_t *pfx = json_object_get(role, "path_hash_prefixes");
	size_t i;
	if (paths != NULL) {
		size_t slashes = 0;
		const char *p;
		for (p = target; *p; p++)
			slashes += *p == '/';
		for (i = 0; i < json_array_size(paths); i++) {
			const char *pat = json_string_value(json_array_get(paths, i));
			size_t ps = 0;
			for (p = pat; *p; p++)
				ps += *p == '/';
			/* segment by segment: '*' never crosses a '/' */
			if (ps == slashes && fnmatch(pat, target, FNM_PATHNAME | FNM_NOESCAPE) == 0)
				return 1;
		}
		return 0;
	}
	if (pfx != NULL) {
		unsigned char d[32];
		char hex[65];
		signp_sha256(d, target, strlen(target));
		signp_hex(hex, d, 32);
		for (i = 0; i < json_array_size(pfx); i++) {
			const char *x = json_string_value(json_array_get(pfx, i));
			if (strncmp(hex, x, strlen(x)) == 0)
				return 1;
		}
	}
	return 0;
}

/*
 * pinning.c - which roots a GUN may have: --root-key files, `sign trust
 * pin`, and the trust pinning rules of <home>/config.json, in notary's
 * format and order of precedence:
 *
 *   {"trust_pinning": {
 *      "certs": {"<gun>": ["<root key id>", ...], "<prefix>*": [...]},
 *      "ca":    {"<gun prefix>": "<CA bundle file>"},
 *      "disable_tofu": true }}
 *
 * --root-key and --root-ca (either is enough) > `sign trust pin` > certs
 * for the exact GUN > the longest matching "prefix*" certs > the longest
 * matching CA prefix > trust on first use (unless disable_tofu, or
 * SIGN_DISABLE_TOFU=1).  Key IDs may be canonical (the public key's, as
 * `sign key list` shows) or the TUF ID of the root certificate (as
 * root.json lists it).
 *
 * A pin is met only by a signature (signp_pin_check_root): the root must
 * list a pinned key AND carry a valid signature made by that key.  Which
 * keys a root lists is read from their bytes: a key ID written in the root
 * is a claim, recomputed from the key and never compared on its own.
 */
#include "pinning.h"
#include "key.h"
#include "ref.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

void signp_pin_dispose(signp_pin *p)
{
	if (p == NULL)
		return;
	json_decref(p->keyids);
	p->keyids = NULL;
	for (size_t i = 0; i < p->nkeys; i++)
		EVP_PKEY_free(p->keys[i]);
	p->nkeys = 0;
	sign_buf_dispose(&p->ca_pem);
}

/* Add a pinned key (its public half) and its canonical ID (for display). */
static int pin_add_key(signp_pin *p, const signp_key *key, sign_error *err)
{
	if (p->nkeys == SIGNP_PIN_MAX_KEYS)
		return signp_err(err, SIGN_EINVAL, "too many pinned root keys (at most %d)",
			SIGNP_PIN_MAX_KEYS);
	if (!EVP_PKEY_up_ref(key->pkey))
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	p->keys[p->nkeys++] = key->pkey;
	json_array_append_new(p->keyids, json_string(key->id));
	return SIGN_OK;
}

/* Parse a public key from a PEM text (a --root-key file, or one kept in
 * pinned_root.json) and pin it. */
static int pin_add_pem(signp_pin *p, const void *pem, size_t len, sign_error *err)
{
	signp_key *key = NULL;
	int r = signp_key_parse(&key, pem, len, NULL, 0, err);
	if (r == SIGN_OK)
		r = pin_add_key(p, key, err);
	signp_key_free(key);
	return r;
}

static int config_load(json_t **out, sign_ctx *ctx, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	json_error_t je;
	int r;
	*out = NULL;
	if ((r = signp_ctx_path(&path, ctx, "config.json")) != SIGN_OK)
		goto out;
	r = signp_read_file(&data, path.ptr, 1u << 20, NULL);
	if (r == SIGN_ENOTFOUND) {
		r = SIGN_OK;
		goto out;
	}
	if (r != SIGN_OK) {
		r = signp_err(err, SIGN_EIO, "reading %s: cannot read it", path.ptr);
		goto out;
	}
	if ((*out = json_loadb(data.ptr, data.size, 0, &je)) == NULL || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		r = signp_err(err, SIGN_EINVAL, "reading %s: not a JSON object (%s, line %d)", path.ptr,
			je.text, je.line);
	}
out:
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	return r;
}

/* Does a CA bundle hold at least one PEM certificate? */
static int ca_has_cert(const sign_buf *pem)
{
	BIO *bio;
	X509 *c = NULL;
	int ok;
	if (pem->size == 0 || pem->size > INT32_MAX ||
	    (bio = BIO_new_mem_buf(pem->ptr, (int)pem->size)) == NULL)
		return 0;
	c = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	ok = c != NULL;
	X509_free(c);
	BIO_free(bio);
	ERR_clear_error();
	return ok;
}

static int add_ids(json_t *dst, const json_t *src)
{
	const json_t *id;
	size_t i;
	json_array_foreach(src, i, id)
		if (json_is_string(id))
			json_array_append(dst, (json_t *)id);
	return json_array_size(dst) > 0;
}

int signp_pin_resolve(signp_pin *out, sign_ctx *ctx, const char *gun,
	const char *const *root_key_files, sign_error *err)
{
	return signp_pin_resolve_ca(out, ctx, gun, root_key_files, NULL, err);
}

int signp_pin_resolve_ca(signp_pin *out, sign_ctx *ctx, const char *gun,
	const char *const *root_key_files, const char *root_ca, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	json_t *cfg = NULL, *tp, *certs, *ca, *v;
	const char *k;
	size_t best = 0;
	int r = SIGN_OK;

	memset(out, 0, sizeof(*out));
	if ((out->keyids = json_array()) == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	signp_strlcpy(out->rule, "trust on first use", sizeof(out->rule));
	/* 1. --root-key */
	for (const char *const *f = root_key_files; f && *f; f++) {
		signp_buf_clear(&data);
		if ((r = signp_read_file_ex(&data, *f, SIGN_MAX_KEYFILE, SIGNP_READ_FOREIGN, err)) != SIGN_OK ||
		    (r = pin_add_pem(out, data.ptr, data.size, err)) != SIGN_OK) {
			signp_err_prefix(err, r, "reading root key %s", *f);
			goto out;
		}
		signp_strlcpy(out->rule, "--root-key", sizeof(out->rule));
	}
	/* 1b. --root-ca (the caller's CA, beside or instead of its keys:
	 * either pin is enough), read bounded, as a config.json CA is */
	if (root_ca != NULL) {
		if (root_ca[0] == '\0' || strlen(root_ca) >= sizeof(out->ca_file)) {
			r = signp_err(err, SIGN_EINVAL, "reading root CA: the file name is empty or too long");
			goto out;
		}
		signp_strlcpy(out->ca_file, root_ca, sizeof(out->ca_file));
		if ((r = signp_read_file_ex(&out->ca_pem, root_ca, SIGN_MAX_CA_BUNDLE, SIGNP_READ_FOREIGN, err)) != SIGN_OK) {
			signp_err_prefix(err, r, "reading root CA %s", root_ca);
			goto out;
		}
		if (!ca_has_cert(&out->ca_pem)) {
			r = signp_err(err, SIGN_EINVAL, "reading root CA %s: no PEM certificate in it", root_ca);
			goto out;
		}
		signp_strlcpy(out->rule, out->nkeys > 0 ? "--root-key or --root-ca" : "--root-ca",
			sizeof(out->rule));
	}
	if ((r = config_load(&cfg, ctx, err)) != SIGN_OK)
		goto out;
	tp = json_object_get(cfg, "trust_pinning");
	out->disable_tofu = json_is_true(json_object_get(tp, "disable_tofu"));
	if (ctx->disable_tofu)
		out->disable_tofu = 1;
	if (out->nkeys > 0 || out->ca_file[0])
		goto out;
	/* 2. sign trust pin: the pinned keys themselves ("root_keys", PEM), or
	 * for a file written before they were kept, their IDs */
	if (signp_ctx_gun_path(&path, ctx, gun, "pinned_root.json", 0, NULL) == SIGN_OK) {
		signp_buf_clear(&data);
		if (signp_read_file(&data, path.ptr, 65536, NULL) == SIGN_OK) {
			json_t *doc = json_loadb(data.ptr, data.size, 0, NULL);
			const json_t *pems = json_object_get(doc, "root_keys"), *pem;
			size_t i;
			int ok;
			json_array_foreach(pems, i, pem) {
				const char *t = json_string_value(pem);
				if (t == NULL || (r = pin_add_pem(out, t, strlen(t), err)) != SIGN_OK) {
					json_decref(doc);
					r = signp_err(err, SIGN_EKEY, "pinned root of %s: %s holds a bad key",
						gun, path.ptr);
					goto out;
				}
			}
			ok = out->nkeys > 0 || add_ids(out->keyids, json_object_get(doc, "root_keyids"));
			json_decref(doc);
			if (!ok) {
				r = signp_err(err, SIGN_EKEY, "pinned root of %s: %s is malformed", gun, path.ptr);
				goto out;
			}
			signp_strlcpy(out->rule, "sign trust pin", sizeof(out->rule));
			goto out;
		}
	}
	/* 3. certs: the exact GUN, then the longest prefix* */
	certs = json_object_get(tp, "certs");
	if ((v = json_object_get(certs, gun)) != NULL && add_ids(out->keyids, v)) {
		snprintf(out->rule, sizeof(out->rule), "config.json trust_pinning.certs \"%.200s\"", gun);
		goto out;
	}
	json_object_foreach(certs, k, v) {
		size_t n = strlen(k);
		if (n == 0 || k[n - 1] != '*' || n - 1 < best || strncmp(gun, k, n - 1) != 0)
			continue;
		json_array_clear(out->keyids);
		if (add_ids(out->keyids, v)) {
			best = n - 1;
			snprintf(out->rule, sizeof(out->rule), "config.json trust_pinning.certs \"%.200s\"", k);
		}
	}
	if (json_array_size(out->keyids))
		goto out;
	/* 4. ca: the longest matching prefix */
	best = 0;
	ca = json_object_get(tp, "ca");
	json_object_foreach(ca, k, v) {
		size_t n = strlen(k);
		const char *file = json_string_value(v);
		if (file == NULL || n < best || strncmp(gun, k, n) != 0)
			continue;
		best = n;
		signp_buf_clear(&path);
		if (file[0] == '/')
			signp_buf_puts(&path, file);
		else
			signp_path_join(&path, ctx->home, file);
		signp_strlcpy(out->ca_file, path.ptr, sizeof(out->ca_file));
		snprintf(out->rule, sizeof(out->rule), "config.json trust_pinning.ca \"%.200s\"", k);
	}
	/* the bundle is read here, bounded and only if it is a regular file
	 * (OpenSSL's own loader would wait on a FIFO) */
	if (out->ca_file[0] &&
	    (r = signp_read_file(&out->ca_pem, out->ca_file, SIGN_MAX_CA_BUNDLE, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "reading the CA bundle of %s", out->rule);
		goto out;
	}
out:
	json_decref(cfg);
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	if (r != SIGN_OK)
		signp_pin_dispose(out);
	return r;
}

int signp_pin_active(const signp_pin *p)
{
	return p->nkeys > 0 || json_array_size(p->keyids) > 0 || p->ca_file[0] != '\0';
}

/* Does a root certificate (PEM: leaf, then intermediates) chain to the CA
 * bundle (PEM certificates, read by signp_pin_resolve) at `now`? */
static int chains_to(const char *pem, size_t len, const sign_buf *ca_pem, int64_t now)
{
	BIO *cabio = NULL;
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *leaf = NULL, *c;
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *vctx = X509_STORE_CTX_new();
	int ok = 0;
	if (bio == NULL || chain == NULL || store == NULL || vctx == NULL)
		goto out;
	if ((leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
		goto out;
	while ((c = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(chain, c))
			X509_free(c);
	if (ca_pem->size > INT32_MAX || (cabio = BIO_new_mem_buf(ca_pem->ptr, (int)ca_pem->size)) == NULL)
		goto out;
	while ((c = PEM_read_bio_X509(cabio, NULL, NULL, NULL)) != NULL) {
		int added = X509_STORE_add_cert(store, c);
		X509_free(c);
		if (added != 1)
			goto out;
	}
	if (X509_STORE_CTX_init(vctx, store, leaf, chain) != 1)
		goto out;
	X509_STORE_CTX_set_time(vctx, 0, (time_t)now);
	ok = X509_verify_cert(vctx) == 1;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(vctx);
	X509_STORE_free(store);
	sk_X509_pop_free(chain, X509_free);
	X509_free(leaf);
	BIO_free(bio);
	BIO_free(cabio);
	return ok;
}

/* Is pk, listed in a root as tid (an ID recomputed from its key object
 * kobj), a key the pin names? */
static int key_pinned(const signp_pin *p, EVP_PKEY *pk, const json_t *kobj, const char *tid,
	const char *gun, int64_t now)
{
	char cid[65] = "", why[160];
	const json_t *pin;
	size_t i;
	int hit = 0;

	for (i = 0; i < p->nkeys && !hit; i++)
		hit = EVP_PKEY_eq(pk, p->keys[i]) == 1;
	if (!hit && json_array_size(p->keyids) > 0 && signp_key_canonical_id(cid, pk, NULL) == SIGN_OK) {
		json_array_foreach(p->keyids, i, pin) {
			const char *s = json_string_value(pin);
			if (s && (strcmp(s, tid) == 0 || strcmp(s, cid) == 0)) {
				hit = 1;
				break;
			}
		}
	}
	if (!hit && p->ca_file[0] &&
	    signp_tuf_root_cert_ok(kobj, gun, now, 1, why, sizeof(why)) == SIGN_OK) {
		const char *b64 = json_string_value(json_object_get(json_object_get(kobj, "keyval"),
			"public"));
		sign_buf pem = SIGN_BUF_INIT;
		hit = b64 && signp_b64_decode(&pem, b64, strlen(b64)) == SIGN_OK &&
		      chains_to(pem.ptr, pem.size, &p->ca_pem, now);
		sign_buf_dispose(&pem);
	}
	ERR_clear_error();
	return hit;
}

int signp_pin_check_root(const signp_pin *p, const signp_tuf_file *root, const char *gun,
	int64_t now, sign_error *err)
{
	const json_t *keys = json_object_get(root->signed_obj, "keys");
	const json_t *ids = json_object_get(json_object_get(json_object_get(root->signed_obj,
		"roles"), "root"), "keyids"), *id;
	json_t *pinned = json_array();
	size_t i;
	int n;

	if (pinned == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	json_array_foreach(ids, i, id) {
		const char *tid = json_string_value(id);
		/* the ID the root writes is a claim: it must be the key's own */
		EVP_PKEY *pk = tid ? signp_tuf_listed_key(keys, tid) : NULL;
		if (pk != NULL && key_pinned(p, pk, json_object_get(keys, tid), tid, gun, now))
			json_array_append_new(pinned, json_string(tid));
		EVP_PKEY_free(pk);
	}
	if (json_array_size(pinned) == 0) {
		json_decref(pinned);
		return signp_err(err, SIGN_EVERIFY, "root version %lld does not list the pinned root key%s",
			(long long)root->version, p->ca_file[0] ?
			" (nor a certificate for this GUN that chains to the pinned CA)" : "");
	}
	/* listing it is not enough: the pinned key must have signed */
	n = signp_tuf_count_valid(root, keys, pinned);
	json_decref(pinned);
	if (n < 1)
		return signp_err(err, SIGN_EVERIFY,
			"root version %lld lists the pinned root key but is not signed by it",
			(long long)root->version);
	return SIGN_OK;
}

/* ---- writing the rules (sign trust pin PREFIX*, --ca, sign trust tofu) ---- */

static int config_save(sign_ctx *ctx, json_t *cfg, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	char *s = json_dumps(cfg, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int r;
	if (s == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	if ((r = signp_mkdirs(ctx->home, 0700, err)) == SIGN_OK &&
	    (r = signp_ctx_path(&path, ctx, "config.json")) == SIGN_OK)
		r = signp_write_file_atomic(path.ptr, s, strlen(s), 0600, err);
	free(s);
	sign_buf_dispose(&path);
	return r;
}

static json_t *section(json_t *cfg, const char *a, const char *b)
{
	json_t *x = json_object_get(cfg, a);
	if (!json_is_object(x)) {
		x = json_object();
		json_object_set_new(cfg, a, x);
	}
	if (b == NULL)
		return x;
	json_t *y = json_object_get(x, b);
	if (!json_is_object(y)) {
		y = json_object();
		json_object_set_new(x, b, y);
	}
	return y;
}

SIGN_EXTERN(int) sign_trust_pin_rule(sign_ctx *ctx, const char *pattern, const char *root_key_file,
	const char *ca_file, sign_error *err)
{
	json_t *cfg = NULL;
	sign_buf data = SIGN_BUF_INIT;
	signp_key *k = NULL;
	size_t n = pattern ? strlen(pattern) : 0;
	int r;
	signp_err_clear(err);
	if (n == 0 || n > 512 || (root_key_file == NULL) == (ca_file == NULL))
		return signp_err(err, SIGN_EINVAL, "pinning: give a GUN or prefix and one of a root key or a CA file");
	if ((r = config_load(&cfg, ctx, err)) != SIGN_OK)
		return r;
	if (cfg == NULL)
		cfg = json_object();
	if (root_key_file) {
		if (pattern[n - 1] != '*' && !signp_gun_valid(pattern)) {
			r = signp_err(err, SIGN_EINVAL, "pinning %s: not a GUN or a prefix ending in *", pattern);
			goto out;
		}
		if ((r = signp_read_file_ex(&data, root_key_file, SIGN_MAX_KEYFILE, SIGNP_READ_FOREIGN, err)) != SIGN_OK ||
		    (r = signp_key_parse(&k, data.ptr, data.size, NULL, 0, err)) != SIGN_OK) {
			signp_err_prefix(err, r, "reading root key %s", root_key_file);
			goto out;
		}
		json_object_set_new(section(cfg, "trust_pinning", "certs"), pattern, json_pack("[s]", k->id));
	} else {
		char *abs = realpath(ca_file, NULL);
		if (abs == NULL) {
			r = signp_err_errno(err, SIGN_EIO, "pinning %s: CA file %s", pattern, ca_file);
			goto out;
		}
		json_object_set_new(section(cfg, "trust_pinning", "ca"), pattern, json_string(abs));
		free(abs);
	}
	r = config_save(ctx, cfg, err);
out:
	signp_key_free(k);
	sign_buf_dispose(&data);
	json_decref(cfg);
	return r;
}

SIGN_EXTERN(int) sign_trust_set_tofu(sign_ctx *ctx, int allow, sign_error *err)
{
	json_t *cfg = NULL;
	int r;
	signp_err_clear(err);
	if ((r = config_load(&cfg, ctx, err)) != SIGN_OK)
		return r;
	if (cfg == NULL)
		cfg = json_object();
	json_object_set_new(section(cfg, "trust_pinning", NULL), "disable_tofu", json_boolean(!allow));
	r = config_save(ctx, cfg, err);
	json_decref(cfg);
	return r;
}

/*
 * cosign.c - detached signatures in cosign's simple-signing layout
 * (reference/oci-registry-cosign.md §1.1-1.5).
 *
 * The payload is produced byte-for-byte as Go's json.Marshal does; the
 * signature manifest follows go-containerregistry's empty-image layout with
 * one simple-signing layer per signature.
 */
#include "cosign.h"
#include "key.h"

#include <jansson.h>
#include <stddef.h>
#include <string.h>

#define ANN_CERTIFICATE   "dev.sigstore.cosign/certificate"
#define ANN_CHAIN         "dev.sigstore.cosign/chain"
#define ANN_BUNDLE        "dev.sigstore.cosign/bundle"
#define ANN_TIMESTAMP     "dev.sigstore.cosign/rfc3161timestamp"
#define MAX_KEYLESS_ANN   (256u << 10) /* a certificate chain, a Rekor bundle */
#define SIGFILE_PREFIX    "\0sigstore-json\n"
#define SIGFILE_PREFIX_LEN 15
#define MAX_SIG_B64       16384   /* RSA-4096 is ~700 characters */
#define GCR_ZERO_TIME     "0001-01-01T00:00:00Z"

/* Serialize compactly, in insertion order, then apply Go's HTML-safe
 * escaping (<, >, & and U+2028/U+2029).  Those bytes can only occur inside
 * JSON strings, so a byte-level rewrite of the output is exact. */
static int dump_go(sign_buf *out, const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	size_t i, n;
	int r = SIGN_ENOMEM;
	if (s == NULL)
		return SIGN_ENOMEM;
	n = strlen(s);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		if (c == '<')
			esc = "\\u003c";
		else if (c == '>')
			esc = "\\u003e";
		else if (c == '&')
			esc = "\\u0026";
		else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
			 ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
			esc = (unsigned char)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
			i += 2;
		}
		if (esc != NULL) {
			if (signp_buf_puts(out, esc) != SIGN_OK)
				goto out;
		} else if (signp_buf_putc(out, (char)c) != SIGN_OK) {
			goto out;
		}
	}
	r = SIGN_OK;
out:
	free(s);
	return r;
}

/* Annotation value as a string, NULL when absent, not a string or empty. */
static const char *ann_str(const json_t *annotations, const char *key)
{
	const char *v;
	if (!json_is_object(annotations))
		return NULL;
	v = json_string_value(json_object_get(annotations, key));
	if (v == NULL || v[0] == '\0')
		return NULL;
	return v;
}

int signp_cosign_sig_tag(char out[96], const char *digest)
{
	if (digest == NULL || !signp_digest_valid(digest))
		return SIGN_EINVAL;
	/* "sha256:" + 64 hex -> "sha256-" + 64 hex + ".sig" = 75 chars */
	snprintf(out, 96, "sha256-%s.sig", digest + 7);
	return SIGN_OK;
}

int signp_cosign_payload(sign_buf *out, const char *docker_reference, const char *digest)
{
	json_t *root = NULL;
	const unsigned char *p;
	int r = SIGN_EINVAL;
	if (out == NULL || docker_reference == NULL || digest == NULL || !signp_digest_valid(digest))
		return SIGN_EINVAL;
	/* A docker reference never holds control characters; refusing them
	 * also avoids the one place where jansson and Go escape differently. */
	for (p = (const unsigned char *)docker_reference; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return SIGN_EINVAL;
	root = json_pack("{s:{s:{s:s},s:{s:s},s:s},s:n}", "critical", "identity", "docker-reference",
		docker_reference, "image", "docker-manifest-digest", digest, "type", SIGN_COSIGN_TYPE,
		"optional");
	if (root == NULL)
		goto out; /* invalid UTF-8 (or out of memory) */
	r = dump_go(out, root);
out:
	json_decref(root);
	return r;
}

/* Does obj hold only members named in allowed (NULL-terminated)? */
static const char *unknown_member(const json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		size_t i;
		int ok = 0;
		(void)v;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				ok = 1;
		if (!ok)
			return key;
	}
	return NULL;
}

int signp_cosign_payload_check(const void *payload, size_t len, const char *digest,
	sign_buf *docker_reference_out, sign_error *err)
{
	static const char *const top_keys[] = { "critical", "optional", NULL };
	static const char *const crit_keys[] = { "identity", "image", "type", NULL };
	static const char *const ident_keys[] = { "docker-reference", NULL };
	static const char *const image_keys[] = { "docker-manifest-digest", NULL };
	json_t *root = NULL, *crit, *ident, *image, *opt;
	json_error_t jerr;
	const char *type, *dref, *mdig, *bad;
	int r = SIGN_EVERIFY;

	if (payload == NULL || digest == NULL)
		return signp_err(err, SIGN_EINVAL, "checking signature payload: no data");
	if (len > SIGN_MAX_SIGBLOB) {
		signp_err(err, SIGN_EVERIFY, "checking signature payload: larger than %u bytes",
			SIGN_MAX_SIGBLOB);
		goto out;
	}
	root = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		signp_err(err, SIGN_EVERIFY, "checking signature payload: invalid JSON: %s", jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		signp_err(err, SIGN_EVERIFY, "checking signature payload: not a JSON object");
		goto out;
	}
	if ((bad = unknown_member(root, top_keys)) != NULL) {
		signp_err(err, SIGN_EVERIFY, "checking signature payload: unknown member \"%.64s\"",
			bad);
		goto out;
	}
	opt = json_object_get(root, "optional");
	if (opt != NULL && !json_is_null(opt) && !json_is_object(opt)) {
		signp_err(err, SIGN_EVERIFY,
			"checking signature payload: \"optional\" is neither null nor an object");
		goto out;
	}
	crit = json_object_get(root, "critical");
	if (!json_is_object(crit)) {
		signp_err(err, SIGN_EVERIFY,
			"checking signature payload: missing or invalid \"critical\" object");
		goto out;
	}
	if ((bad = unknown_member(crit, crit_keys)) != NULL) {
		signp_err(err, SIGN_EVERIFY,
			"checking signature payload: unknown member \"critical.%.64s\"", bad);
		goto out;
	}
	type = json_string_value(json_object_get(crit, "type"));
	if (type == NULL || strcmp(type, SIGN_COSIGN_TYPE) != 0) {
		signp_err(err, SIGN_EVERIFY,
			"checking signature payload: critical.type is not \"" SIGN_COSIGN_TYPE "\"");
		goto out;
	}
	ident = json_object_get(crit, "identity");
	image = json_object_get(crit, "image");
	if (!json_is_object(ident) || !json_is_object(image) ||
	    unknown_member(ident, ident_keys) != NULL || unknown_member(image, image_keys) != NULL) {
		signp_err(err, SIGN_EVERIFY,
			"checking signature payload: critical.identity or critical.image is malformed");
		goto out;
	}
	dref = json_string_value(json_object_get(ident, "docker-reference"));
	mdig = json_string_value(json_object_get(image, "docker-manifest-digest"));
	if (dref == NULL || mdig == NULL) {
		signp_err(err, SIGN_EVERIFY,
			"checking signature payload: missing docker-reference or docker-manifest-digest");
		goto out;
	}
	if (strcmp(mdig, digest) != 0) {
		signp_err(err, SIGN_EVERIFY,
			"checking signature payload: it signs %.80s, not %.80s", mdig, digest);
		goto out;
	}
	if (docker_reference_out != NULL) {
		signp_buf_clear(docker_reference_out);
		if (signp_buf_puts(docker_reference_out, dref) != SIGN_OK) {
			r = signp_err(err, SIGN_ENOMEM, "checking signature payload: out of memory");
			goto out;
		}
	}
	r = SIGN_OK;
out:
	json_decref(root);
	return r;
}

void signp_cosign_layers_free(signp_cosign_layer *l, size_t n)
{
	size_t i;
	if (l == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(l[i].sig_b64);
		free(l[i].cert_pem);
		free(l[i].chain_pem);
		free(l[i].rekor_bundle);
		free(l[i].timestamp);
	}
	free(l);
}

/* Parse a manifest blob into a JSON object with a layers array (absent
 * layers give an empty array only when allow_missing). */
static int load_manifest(json_t **out, const void *data, size_t len, const char *what,
	sign_error *err)
{
	json_error_t jerr;
	json_t *root, *layers;
	if (len > SIGN_MAX_MANIFEST)
		return signp_err(err, SIGN_EFORMAT, "%s: manifest larger than %u bytes", what,
			SIGN_MAX_MANIFEST);
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return signp_err(err, SIGN_EFORMAT, "%s: invalid JSON: %s", what, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return signp_err(err, SIGN_EFORMAT, "%s: manifest is not a JSON object", what);
	}
	layers = json_object_get(root, "layers");
	if (layers != NULL && !json_is_array(layers)) {
		json_decref(root);
		return signp_err(err, SIGN_EFORMAT, "%s: \"layers\" is not an array", what);
	}
	if (layers != NULL && json_array_size(layers) > SIGN_MAX_SIGNATURES) {
		json_decref(root);
		return signp_err(err, SIGN_EFORMAT, "%s: more than %d layers", what,
			SIGN_MAX_SIGNATURES);
	}
	*out = root;
	return SIGN_OK;
}

/* Validate one layer descriptor: digest and size. */
static int layer_desc(const json_t *layer, const char **digest, uint64_t *size)
{
	json_t *jsz = json_object_get(layer, "size");
	const char *d = json_string_value(json_object_get(layer, "digest"));
	json_int_t sz;
	if (d == NULL || !signp_digest_valid(d) || !json_is_integer(jsz))
		return SIGN_EFORMAT;
	sz = json_integer_value(jsz);
	if (sz < 0)
		return SIGN_EFORMAT;
	*digest = d;
	*size = (uint64_t)sz;
	return SIGN_OK;
}

static int is_simplesigning(const json_t *layer)
{
	const char *mt = json_string_value(json_object_get(layer, "mediaType"));
	return mt != NULL && strcmp(mt, SIGN_MT_SIMPLESIGNING) == 0;
}

/* The keyless annotations of a layer, copied when present and bounded
 * (an oversized one is left out: the layer then fails its check). */
static int keyless_annotations(signp_cosign_layer *l, const json_t *ann)
{
	static const struct {
		const char *name;
		size_t off;
	} names[] = {
		{ ANN_CERTIFICATE, offsetof(signp_cosign_layer, cert_pem) },
		{ ANN_CHAIN, offsetof(signp_cosign_layer, chain_pem) },
		{ ANN_BUNDLE, offsetof(signp_cosign_layer, rekor_bundle) },
		{ ANN_TIMESTAMP, offsetof(signp_cosign_layer, timestamp) },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = ann_str(ann, names[i].name);
		char **slot = (char **)((char *)l + names[i].off);
		if (v == NULL || *v == '\0' || strlen(v) > MAX_KEYLESS_ANN)
			continue;
		if ((*slot = signp_strdup(v)) == NULL)
			return SIGN_ENOMEM;
	}
	return SIGN_OK;
}

int signp_cosign_manifest_layers(signp_cosign_layer **out, size_t *n, const void *manifest,
	size_t len, sign_error *err)
{
	json_t *root = NULL, *layers, *layer;
	signp_cosign_layer *l = NULL;
	size_t i, count = 0;
	int r = SIGN_EFORMAT;

	if (out == NULL || n == NULL || manifest == NULL)
		return signp_err(err, SIGN_EINVAL, "reading signature manifest: no data");
	*out = NULL;
	*n = 0;
	if ((r = load_manifest(&root, manifest, len, "reading signature manifest", err)) != SIGN_OK)
		goto out;
	r = SIGN_EFORMAT;
	layers = json_object_get(root, "layers");
	if (layers == NULL) {
		signp_err(err, SIGN_EFORMAT, "reading signature manifest: no \"layers\"");
		goto out;
	}
	if (json_array_size(layers) > 0) {
		l = calloc(json_array_size(layers), sizeof(*l));
		if (l == NULL) {
			r = signp_err(err, SIGN_ENOMEM, "reading signature manifest: out of memory");
			goto out;
		}
	}
	/* A malformed layer is skipped, not fatal: whoever can add a bad
	 * layer must not be able to hide the good signatures beside it. */
	json_array_foreach(layers, i, layer) {
		const char *d, *sig;
		uint64_t sz;
		json_t *ann;
		if (!json_is_object(layer) || !is_simplesigning(layer))
			continue;
		if (layer_desc(layer, &d, &sz) != SIGN_OK || sz > SIGN_MAX_SIGBLOB)
			continue;
		ann = json_object_get(layer, "annotations");
		if (ann != NULL && !json_is_object(ann))
			continue;
		sig = ann_str(ann, SIGN_ANN_SIGNATURE);
		if (sig == NULL || strlen(sig) > MAX_SIG_B64)
			continue; /* nothing we could verify */
		signp_strlcpy(l[count].digest, d, sizeof(l[count].digest));
		l[count].size = sz;
		l[count].has_cert = ann_str(ann, ANN_CERTIFICATE) != NULL;
		l[count].sig_b64 = signp_strdup(sig);
		if (l[count].sig_b64 == NULL || keyless_annotations(&l[count], ann) != SIGN_OK) {
			count++;
			r = signp_err(err, SIGN_ENOMEM, "reading signature manifest: out of memory");
			goto out;
		}
		count++;
	}
	*out = l;
	*n = count;
	l = NULL;
	r = SIGN_OK;
out:
	if (l != NULL)
		signp_cosign_layers_free(l, count);
	json_decref(root);
	return r;
}

/* go-containerregistry's empty-image config for these layers. */
static int make_config(sign_buf *out, const json_t *layers)
{
	size_t i, n = json_array_size(layers);
	json_t *layer;
	if (signp_buf_puts(out, "{\"architecture\":\"\",\"created\":\"" GCR_ZERO_TIME
		"\",\"history\":[") != SIGN_OK)
		return SIGN_ENOMEM;
	for (i = 0; i < n; i++)
		if (signp_buf_printf(out, "%s{\"created\":\"" GCR_ZERO_TIME "\"}", i ? "," : "") !=
		    SIGN_OK)
			return SIGN_ENOMEM;
	if (signp_buf_puts(out, "],\"os\":\"\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[") !=
	    SIGN_OK)
		return SIGN_ENOMEM;
	json_array_foreach(layers, i, layer) {
		/* digests were validated by the caller */
		const char *d = json_string_value(json_object_get(layer, "digest"));
		if (signp_buf_printf(out, "%s\"%s\"", i ? "," : "", d) != SIGN_OK)
			return SIGN_ENOMEM;
	}
	if (signp_buf_puts(out, "]},\"config\":{}}") != SIGN_OK)
		return SIGN_ENOMEM;
	return SIGN_OK;
}

/* The manifest to append a layer to: old (its layers checked, room left
 * checked), or a new empty one (old NULL).  *layers is borrowed from
 * *root; *config_mt is the config media type its kind takes. */
static int open_manifest(json_t **root, json_t **layers, const char **config_mt, const void *old,
	size_t oldlen, const char *what, sign_error *err)
{
	const char *mt;
	json_t *l;
	size_t i;
	int r;

	*config_mt = SIGN_MT_OCI_CONFIG;
	if (old == NULL) {
		*layers = json_array();
		*root = json_pack("{s:i,s:s,s:{},s:o}", "schemaVersion", 2, "mediaType",
			SIGN_MT_OCI_MANIFEST, "config", "layers", *layers);
		return *root != NULL ? SIGN_OK : signp_err(err, SIGN_ENOMEM, "%s: out of memory", what);
	}
	if ((r = load_manifest(root, old, oldlen, what, err)) != SIGN_OK)
		return r;
	mt = json_string_value(json_object_get(*root, "mediaType"));
	if (mt != NULL && strcmp(mt, SIGN_MT_DOCKER_MANIFEST) == 0)
		*config_mt = SIGN_MT_DOCKER_CONFIG;
	else if (mt != NULL && strcmp(mt, SIGN_MT_OCI_MANIFEST) != 0)
		return signp_err(err, SIGN_EFORMAT, "%s: unexpected manifest media type \"%.100s\"",
			what, mt);
	if ((*layers = json_object_get(*root, "layers")) == NULL) {
		*layers = json_array();
		if (*layers == NULL || json_object_set_new(*root, "layers", *layers) != 0)
			return signp_err(err, SIGN_ENOMEM, "%s: out of memory", what);
	}
	json_array_foreach(*layers, i, l) {
		const char *d;
		uint64_t sz;
		if (!json_is_object(l) || layer_desc(l, &d, &sz) != SIGN_OK)
			return signp_err(err, SIGN_EFORMAT, "%s: layer %zu has an invalid digest or size",
				what, i);
	}
	return SIGN_OK;
}

static int finish_manifest(sign_buf *manifest_out, sign_buf *config_out, json_t *root,
	json_t *layers, json_t *layer, const char *config_mt, const char *what, sign_error *err);

int signp_cosign_manifest_append(sign_buf *manifest_out, sign_buf *config_out, int *changed,
	const void *old, size_t oldlen, const char *payload_digest, uint64_t payload_size,
	const char *sig_b64, EVP_PKEY *signer_pub, const void *payload, size_t payload_len,
	sign_error *err)
{
	static const char *what = "adding a signature to the signature manifest";
	json_t *root = NULL, *layers = NULL, *layer;
	const char *config_mt;
	size_t i;
	int r = SIGN_EINVAL;

	if (manifest_out == NULL || config_out == NULL || changed == NULL || payload_digest == NULL ||
	    !signp_digest_valid(payload_digest) || sig_b64 == NULL || sig_b64[0] == '\0' ||
	    strlen(sig_b64) > MAX_SIG_B64 || payload_size > SIGN_MAX_SIGBLOB ||
	    (old == NULL && oldlen != 0)) {
		signp_err(err, SIGN_EINVAL, "%s: invalid arguments", what);
		goto out;
	}
	if (signer_pub != NULL && payload == NULL) {
		signp_err(err, SIGN_EINVAL, "%s: payload bytes are needed to check duplicates", what);
		goto out;
	}
	if (payload != NULL && (payload_len != payload_size ||
		!signp_digest_matches(payload_digest, payload, payload_len))) {
		signp_err(err, SIGN_EINVAL, "%s: payload does not match %s", what, payload_digest);
		goto out;
	}
	*changed = 0;

	if ((r = open_manifest(&root, &layers, &config_mt, old, oldlen, what, err)) != SIGN_OK)
		goto out;
	json_array_foreach(layers, i, layer) {
		const char *d, *sig;
		uint64_t sz;
		if (layer_desc(layer, &d, &sz) != SIGN_OK || !is_simplesigning(layer) ||
		    strcmp(d, payload_digest) != 0)
			continue;
		sig = ann_str(json_object_get(layer, "annotations"), SIGN_ANN_SIGNATURE);
		if (sig == NULL)
			continue;
		if (signer_pub != NULL ? signp_cosign_verify(signer_pub, payload, payload_len, sig) == SIGN_OK :
					 strcmp(sig, sig_b64) == 0) {
			/* already signed: hand back the old bytes */
			signp_buf_clear(manifest_out);
			signp_buf_clear(config_out);
			if (signp_buf_put(manifest_out, old, oldlen) != SIGN_OK)
				r = signp_err(err, SIGN_ENOMEM, "%s: out of memory", what);
			goto out;
		}
	}

	layer = json_pack("{s:s,s:I,s:s,s:{s:s}}", "mediaType", SIGN_MT_SIMPLESIGNING, "size",
		(json_int_t)payload_size, "digest", payload_digest, "annotations", SIGN_ANN_SIGNATURE,
		sig_b64);
	if (layer == NULL) {
		/* sig_b64 not UTF-8, or out of memory */
		r = signp_err(err, SIGN_EINVAL, "%s: cannot encode the signature layer", what);
		goto out;
	}
	if ((r = finish_manifest(manifest_out, config_out, root, layers, layer, config_mt, what,
		     err)) != SIGN_OK)
		goto out;
	*changed = 1;
out:
	json_decref(root);
	return r;
}

/* Append layer (stolen) to root's layers and write the manifest and its
 * regenerated empty-image config into the outputs. */
static int finish_manifest(sign_buf *manifest_out, sign_buf *config_out, json_t *root,
	json_t *layers, json_t *layer, const char *config_mt, const char *what, sign_error *err)
{
	sign_buf cfg = SIGN_BUF_INIT, man = SIGN_BUF_INIT;
	json_t *cfgdesc = NULL;
	char cfg_digest[72];
	int r;

	if (json_array_size(layers) >= SIGN_MAX_SIGNATURES) {
		json_decref(layer);
		return signp_err(err, SIGN_EFORMAT, "%s: it already holds %d layers (the maximum)", what,
			SIGN_MAX_SIGNATURES);
	}
	if (json_array_append_new(layers, layer) != 0) {
		r = signp_err(err, SIGN_ENOMEM, "%s: out of memory", what);
		goto out;
	}
	if (make_config(&cfg, layers) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "%s: out of memory", what);
		goto out;
	}
	signp_digest(cfg_digest, cfg.ptr, cfg.size);
	cfgdesc = json_pack("{s:s,s:I,s:s}", "mediaType", config_mt, "size", (json_int_t)cfg.size,
		"digest", cfg_digest);
	if (cfgdesc == NULL || json_object_set(root, "config", cfgdesc) != 0 ||
	    dump_go(&man, root) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "%s: out of memory", what);
		goto out;
	}
	if (man.size > SIGN_MAX_MANIFEST) {
		r = signp_err(err, SIGN_EFORMAT, "%s: manifest would exceed %u bytes", what,
			SIGN_MAX_MANIFEST);
		goto out;
	}
	signp_buf_clear(manifest_out);
	signp_buf_clear(config_out);
	if (signp_buf_put(manifest_out, man.ptr, man.size) != SIGN_OK ||
	    signp_buf_put(config_out, cfg.ptr, cfg.size) != SIGN_OK) {
		signp_buf_clear(manifest_out);
		signp_buf_clear(config_out);
		r = signp_err(err, SIGN_ENOMEM, "%s: out of memory", what);
		goto out;
	}
	r = SIGN_OK;
out:
	json_decref(cfgdesc);
	sign_buf_dispose(&cfg);
	sign_buf_dispose(&man);
	return r;
}

int signp_cosign_manifest_add_layer(sign_buf *manifest_out, sign_buf *config_out, const void *old,
	size_t oldlen, json_t *layer, sign_error *err)
{
	static const char *what = "adding a layer to the cosign manifest";
	json_t *root = NULL, *layers = NULL;
	const char *config_mt;
	int r;

	if (manifest_out == NULL || config_out == NULL || !json_is_object(layer) ||
	    (old == NULL && oldlen != 0)) {
		json_decref(layer);
		return signp_err(err, SIGN_EINVAL, "%s: invalid arguments", what);
	}
	if ((r = open_manifest(&root, &layers, &config_mt, old, oldlen, what, err)) != SIGN_OK) {
		json_decref(layer);
		json_decref(root);
		return r;
	}
	r = finish_manifest(manifest_out, config_out, root, layers, layer, config_mt, what, err);
	json_decref(root);
	return r;
}

int signp_cosign_verify(EVP_PKEY *pub, const void *payload, size_t len, const char *sig_b64)
{
	sign_buf der = SIGN_BUF_INIT;
	size_t n;
	int r = SIGN_EVERIFY;
	if (pub == NULL || payload == NULL || sig_b64 == NULL)
		return SIGN_EINVAL;
	n = strlen(sig_b64);
	if (n == 0 || n > MAX_SIG_B64)
		return SIGN_EVERIFY;
	if (signp_b64_decode(&der, sig_b64, n) != SIGN_OK || der.size == 0)
		goto out;
	r = signp_pkey_verify_der(pub, payload, len, der.ptr, der.size) == SIGN_OK ? SIGN_OK :
										       SIGN_EVERIFY;
out:
	sign_buf_dispose(&der);
	return r;
}

int signp_cosign_parse_sigfile(sign_buf *payload_out, sign_buf *sig_b64_out, const void *data,
	size_t len, sign_error *err)
{
	static const char *what = "reading signature file";
	json_t *root = NULL, *ann;
	json_error_t jerr;
	const char *mime, *pl, *sig;
	sign_buf dec = SIGN_BUF_INIT;
	int r = SIGN_EFORMAT;

	if (payload_out == NULL || sig_b64_out == NULL || data == NULL)
		return signp_err(err, SIGN_EINVAL, "%s: no data", what);
	if (len < SIGFILE_PREFIX_LEN || memcmp(data, SIGFILE_PREFIX, SIGFILE_PREFIX_LEN) != 0) {
		signp_err(err, SIGN_EFORMAT, "%s: not a sigstore-json signature", what);
		goto out;
	}
	if (len - SIGFILE_PREFIX_LEN > 4u * SIGN_MAX_SIGBLOB) {
		signp_err(err, SIGN_EFORMAT, "%s: larger than %u bytes", what, 4u * SIGN_MAX_SIGBLOB);
		goto out;
	}
	root = json_loadb((const char *)data + SIGFILE_PREFIX_LEN, len - SIGFILE_PREFIX_LEN,
		JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		signp_err(err, SIGN_EFORMAT, "%s: invalid JSON: %s", what,
			root == NULL ? jerr.text : "not an object");
		goto out;
	}
	mime = json_string_value(json_object_get(root, "mimeType"));
	pl = json_string_value(json_object_get(root, "payload"));
	ann = json_object_get(root, "annotations");
	if (mime == NULL || pl == NULL || !json_is_object(ann)) {
		signp_err(err, SIGN_EFORMAT, "%s: missing mimeType, payload or annotations", what);
		goto out;
	}
	if (strcmp(mime, SIGN_MT_SIMPLESIGNING) != 0) {
		r = signp_err(err, SIGN_EVERIFY, "%s: unexpected MIME type \"%.100s\"", what, mime);
		goto out;
	}
	sig = ann_str(ann, SIGN_ANN_SIGNATURE);
	if (sig == NULL || strlen(sig) > MAX_SIG_B64) {
		signp_err(err, SIGN_EFORMAT, "%s: missing or oversized signature annotation", what);
		goto out;
	}
	if (strlen(pl) > SIGN_MAX_SIGBLOB / 3 * 4 + 4 ||
	    signp_b64_decode(&dec, pl, strlen(pl)) != SIGN_OK) {
		signp_err(err, SIGN_EFORMAT, "%s: payload is not valid base64 (or too large)", what);
		goto out;
	}
	signp_buf_clear(payload_out);
	signp_buf_clear(sig_b64_out);
	if (signp_buf_put(payload_out, dec.ptr ? dec.ptr : "", dec.size) != SIGN_OK ||
	    signp_buf_puts(sig_b64_out, sig) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "%s: out of memory", what);
		goto out;
	}
	r = SIGN_OK;
out:
	sign_buf_dispose(&dec);
	json_decref(root);
	return r;
}

/*
 * trust_artifact.c - the trust collection as one OCI artifact under the
 * reserved tag SIGN_TRUST_TAG, in a registry repository or a layout.
 *
 * Each role file is a blob holding its exact bytes, one layer each, titled
 * with notary's file name ("root.json", "3.root.json", "targets.json",
 * "targets/releases.json", "snapshot.json", "timestamp.json").  Every root
 * version is kept.  See man/sign-formats.5.
 */
#include "trust.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define MAX_LAYERS 4096
#define EMPTY_DIGEST "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

typedef struct layer {
	char title[160];
	char digest[80];
	uint64_t size;
} layer;

typedef struct artifact_be {
	signp_trust_backend be;
	signp_store *store;   /* borrowed */
	char gun[520];
	char base_digest[80]; /* manifest digest of the view, "" when none */
	layer *layers;
	size_t nlayers;
} artifact_be;

static int parse_manifest(artifact_be *a, const sign_buf *body, sign_error *err)
{
	json_error_t je;
	json_t *doc = json_loadb(body->ptr, body->size, 0, &je), *layers, *l;
	size_t i;
	int r = SIGN_EVERIFY;

	free(a->layers);
	a->layers = NULL;
	a->nlayers = 0;
	if (!json_is_object(doc)) {
		signp_err(err, r, "trust collection of %s: malformed artifact manifest: %s", a->gun,
			doc ? "not an object" : je.text);
		goto out;
	}
	layers = json_object_get(doc, "layers");
	if (!json_is_array(layers) || json_array_size(layers) > MAX_LAYERS) {
		signp_err(err, r, "trust collection of %s: malformed artifact manifest: bad layers",
			a->gun);
		goto out;
	}
	a->layers = calloc(json_array_size(layers) + 1, sizeof(layer));
	if (a->layers == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(layers, i, l) {
		const char *title = json_string_value(json_object_get(
			json_object_get(l, "annotations"), "org.opencontainers.image.title"));
		const char *digest = json_string_value(json_object_get(l, "digest"));
		json_t *size = json_object_get(l, "size");
		if (title == NULL || digest == NULL || !signp_digest_valid(digest) ||
		    !json_is_integer(size) || json_integer_value(size) < 0 ||
		    strlen(title) >= sizeof(a->layers[0].title)) {
			signp_err(err, r, "trust collection of %s: malformed artifact layer %zu",
				a->gun, i);
			goto out;
		}
		layer *L = &a->layers[a->nlayers++];
		signp_strlcpy(L->title, title, sizeof(L->title));
		signp_strlcpy(L->digest, digest, sizeof(L->digest));
		L->size = (uint64_t)json_integer_value(size);
	}
	r = SIGN_OK;
out:
	json_decref(doc);
	return r;
}

static int art_refresh(signp_trust_backend *be, sign_error *err)
{
	artifact_be *a = (artifact_be *)be;
	sign_buf body = SIGN_BUF_INIT;
	int r;
	a->base_digest[0] = '\0';
	free(a->layers);
	a->layers = NULL;
	a->nlayers = 0;
	r = signp_store_get_manifest(a->store, SIGN_TRUST_TAG, SIGN_MAX_MANIFEST, &body, NULL,
		a->base_digest, err);
	if (r == SIGN_OK)
		r = parse_manifest(a, &body, err);
	if (r != SIGN_OK)
		a->base_digest[0] = '\0';
	sign_buf_dispose(&body);
	return r;
}

static const layer *find_layer(const artifact_be *a, const char *title)
{
	for (size_t i = 0; i < a->nlayers; i++)
		if (strcmp(a->layers[i].title, title) == 0)
			return &a->layers[i];
	return NULL;
}

static void title_of(char out[160], const char *role, int64_t version)
{
	if (version > 0)
		snprintf(out, 160, "%lld.%s.json", (long long)version, role);
	else
		snprintf(out, 160, "%s.json", role);
}

static int art_fetch(signp_trust_backend *be, const char *role, int64_t version,
	const char *sha256_hex, size_t max, sign_buf *out, sign_error *err)
{
	artifact_be *a = (artifact_be *)be;
	char title[160];
	const layer *L;
	(void)sha256_hex; /* blobs are content-addressed already */
	title_of(title, role, version);
	if ((L = find_layer(a, title)) == NULL)
		return signp_err(err, SIGN_ENOTFOUND, "trust collection of %s: no %s", a->gun, title);
	if (L->size > max)
		return signp_err(err, SIGN_EVERIFY, "trust collection of %s: %s is %llu bytes, over the %zu byte bound",
			a->gun, title, (unsigned long long)L->size, max);
	/* targets and delegation files are kept once, in the trust cache
	 * (metadata/), which load_checked reads when the snapshot names its
	 * bytes: not a second time as blobs */
	return signp_store_get_blob_ex(a->store, L->digest, max, !signp_str_has_prefix(role, "targets"),
		out, err);
}

static json_t *layer_json(const layer *L, const char *role, int64_t version)
{
	char v[32];
	snprintf(v, sizeof(v), "%lld", (long long)version);
	return json_pack("{s:s, s:s, s:I, s:{s:s, s:s, s:s}}",
		"mediaType", SIGN_MT_TUF_LAYER, "digest", L->digest, "size", (json_int_t)L->size,
		"annotations", "org.opencontainers.image.title", L->title,
		"dev.sign.tuf.role", role, "dev.sign.tuf.version", v);
}

static void role_of_title(char role[160], int64_t *version, const char *title)
{
	/* "3.root.json" -> root,3 ; "targets/releases.json" -> targets/releases,0 */
	const char *p = title;
	char *end = NULL;
	long long v = 0;
	if (*p >= '0' && *p <= '9') {
		v = strtoll(p, &end, 10);
		if (end && *end == '.')
			p = end + 1;
		else
			v = 0;
	}
	signp_strlcpy(role, p, 160);
	if (signp_str_has_suffix(role, ".json"))
		role[strlen(role) - 5] = '\0';
	*version = v;
}

static int art_publish(signp_trust_backend *be, const signp_trust_out *files, size_t n,
	sign_error *err)
{
	artifact_be *a = (artifact_be *)be;
	layer *ls = NULL;
	size_t nls = 0, cap = a->nlayers + 2 * n + 1;
	json_t *doc = NULL, *jl;
	char *body = NULL, digest[80], check_digest[80];
	sign_buf check = SIGN_BUF_INIT;
	int r = SIGN_ENOMEM;

	if ((ls = calloc(cap, sizeof(layer))) == NULL)
		goto out;
	/* start from the view, replace or add the published files */
	for (size_t i = 0; i < a->nlayers; i++)
		ls[nls++] = a->layers[i];
	for (size_t f = 0; f < n; f++) {
		char titles[2][160];
		int ntitles = 1;
		title_of(titles[0], files[f].role, 0);
		if (strcmp(files[f].role, "root") == 0)
			title_of(titles[ntitles++], "root", files[f].version);
		if ((r = signp_store_put_blob_ex(a->store, files[f].bytes, files[f].len,
			     signp_str_has_prefix(files[f].role, "targets") ? 0 : SIGNP_BLOB_CACHE, digest,
			     err)) != SIGN_OK)
			goto out;
		for (int t = 0; t < ntitles; t++) {
			layer *L = NULL;
			for (size_t i = 0; i < nls; i++)
				if (strcmp(ls[i].title, titles[t]) == 0)
					L = &ls[i];
			if (L == NULL)
				L = &ls[nls++];
			signp_strlcpy(L->title, titles[t], sizeof(L->title));
			signp_strlcpy(L->digest, digest, sizeof(L->digest));
			L->size = files[f].len;
		}
	}
	if ((r = signp_store_put_blob(a->store, "{}", 2, NULL, err)) != SIGN_OK)
		goto out;
	r = SIGN_ENOMEM;
	doc = json_pack("{s:i, s:s, s:s, s:{s:s, s:s, s:i}, s:[], s:{s:s}}",
		"schemaVersion", 2, "mediaType", SIGN_MT_OCI_MANIFEST,
		"artifactType", SIGN_MT_TRUST_ARTIFACT,
		"config", "mediaType", SIGN_MT_EMPTY, "digest", EMPTY_DIGEST, "size", 2,
		"layers", "annotations", "dev.sign.gun", a->gun);
	if (doc == NULL)
		goto out;
	jl = json_object_get(doc, "layers");
	for (size_t i = 0; i < nls; i++) {
		char role[160];
		int64_t version;
		role_of_title(role, &version, ls[i].title);
		if (json_array_append_new(jl, layer_json(&ls[i], role, version)) != 0)
			goto out;
	}
	if ((body = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		goto out;
	/* Narrow the window for lost updates: the registry has no
	 * compare-and-swap, so check that nobody wrote since our view. */
	r = signp_store_get_manifest(a->store, SIGN_TRUST_TAG, SIGN_MAX_MANIFEST, &check, NULL,
		check_digest, NULL);
	if (r == SIGN_OK ? strcmp(check_digest, a->base_digest) != 0 : a->base_digest[0] != '\0') {
		r = signp_err(err, SIGN_ECONFLICT, "publishing trust data of %s: another writer changed it",
			a->gun);
		goto out;
	}
	if ((r = signp_store_put_manifest(a->store, SIGN_TRUST_TAG, body, strlen(body),
		     SIGN_MT_OCI_MANIFEST, digest, err)) != SIGN_OK)
		goto out;
	/* Re-read after writing: a concurrent writer may have replaced ours. */
	signp_buf_clear(&check);
	r = signp_store_get_manifest(a->store, SIGN_TRUST_TAG, SIGN_MAX_MANIFEST, &check, NULL,
		check_digest, err);
	if (r != SIGN_OK)
		goto out;
	if (strcmp(check_digest, digest) != 0) {
		r = signp_err(err, SIGN_ECONFLICT, "publishing trust data of %s: another writer replaced it",
			a->gun);
		goto out;
	}
	free(a->layers);
	a->layers = ls;
	a->nlayers = nls;
	ls = NULL;
	signp_strlcpy(a->base_digest, digest, sizeof(a->base_digest));
	r = SIGN_OK;
out:
	if (r == SIGN_ENOMEM)
		signp_err(err, r, "publishing trust data: out of memory");
	free(ls);
	free(body);
	json_decref(doc);
	sign_buf_dispose(&check);
	return r;
}

static int art_add_idle(signp_trust_backend *be, void (*fn)(void *), void *arg)
{
	return signp_store_add_idle(((artifact_be *)be)->store, fn, arg);
}

static void art_drop_idle(signp_trust_backend *be, void (*fn)(void *), void *arg)
{
	signp_store_drop_idle(((artifact_be *)be)->store, fn, arg);
}

static void art_free(signp_trust_backend *be)
{
	artifact_be *a = (artifact_be *)be;
	if (a == NULL)
		return;
	free(a->layers);
	free(a);
}

int signp_trust_backend_artifact(signp_trust_backend **out, signp_store *store, const char *gun,
	sign_error *err)
{
	artifact_be *a = calloc(1, sizeof(*a));
	*out = NULL;
	if (a == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	a->be.refresh = art_refresh;
	a->be.fetch = art_fetch;
	a->be.publish = art_publish;
	a->be.free = art_free;
	a->be.name = signp_store_kind(store);
	a->store = store;
	if (signp_store_caps(store) & SIGNP_STORE_CAP_NET) {
		a->be.add_idle = art_add_idle;
		a->be.drop_idle = art_drop_idle;
	}
	signp_strlcpy(a->gun, gun, sizeof(a->gun));
	*out = &a->be;
	return SIGN_OK;
}

/*
 * store.c - one interface over image stores: the factory, dispatch to the
 * implementation's table of functions (store_backend.h), and what every
 * store shares: the verified blob cache of network stores, manifests
 * fetched and hashed, the referrers tag schema, blob copies.
 */
#include "store_backend.h"

#include "mediatype.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct signp_store {
	signp_store_backend *be; /* owned */
	signp_registry *own;     /* signp_store_open_own's handle (owned), or NULL */
	char blob_cache[4096];   /* <home>/cache/blobs: verified blobs by digest, "" for none */
};

static int blob_cache_path(sign_buf *out, const signp_store *s, const char *digest)
{
	if (s->blob_cache[0] == '\0' || !signp_digest_valid(digest))
		return SIGN_EINVAL;
	return signp_buf_printf(out, "%s/%s", s->blob_cache, digest + 7);
}

int signp_store_open(signp_store **out, sign_ctx *ctx, const signp_ref *ref, int create,
	sign_error *err)
{
	signp_store *s;
	signp_registry *reg = NULL;
	sign_buf cache = SIGN_BUF_INIT;
	int r;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "opening image store: out of memory");
	if (ref->layout)
		r = signp_store_oci_open(&s->be, ref->oci_dir, create, err);
	else if ((r = signp_ctx_registry(&reg, ctx, ref->host, err)) == SIGN_OK)
		r = signp_store_registry_open(&s->be, reg, ref->host, ref->path, err);
	if (r != SIGN_OK)
		goto fail;
	if ((s->be->caps & SIGNP_STORE_CAP_NET) && signp_ctx_path(&cache, ctx, "cache/blobs") == SIGN_OK &&
	    signp_mkdirs(cache.ptr, 0700, NULL) == SIGN_OK)
		signp_strlcpy(s->blob_cache, cache.ptr, sizeof(s->blob_cache));
	sign_buf_dispose(&cache);
	*out = s;
	return SIGN_OK;
fail:
	sign_buf_dispose(&cache);
	signp_store_free(s);
	return r;
}

int signp_store_open_own(signp_store **out, sign_ctx *ctx, const signp_ref *ref, sign_error *err)
{
	signp_store *s;
	signp_registry *reg = NULL;
	sign_buf cache = SIGN_BUF_INIT;
	int r;

	*out = NULL;
	if (ref->layout)
		return signp_err(err, SIGN_EINVAL, "a layout has no connection of its own");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "opening image store: out of memory");
	if ((r = signp_ctx_registry_own(&reg, ctx, ref->host, err)) == SIGN_OK) {
		s->own = reg;
		r = signp_store_registry_open(&s->be, reg, ref->host, ref->path, err);
	}
	if (r != SIGN_OK) {
		signp_store_free(s);
		return r;
	}
	if (signp_ctx_path(&cache, ctx, "cache/blobs") == SIGN_OK)
		signp_strlcpy(s->blob_cache, cache.ptr, sizeof(s->blob_cache));
	sign_buf_dispose(&cache);
	*out = s;
	return SIGN_OK;
}

long signp_store_own_requests(const signp_store *s)
{
	return s->own ? signp_registry_requests(s->own) : 0;
}

void signp_store_own_counters(const signp_store *s, long *requests, long *connections)
{
	*requests = s->own ? signp_registry_requests(s->own) : 0;
	*connections = s->own ? signp_registry_connections(s->own) : 0;
}

void signp_store_free(signp_store *s)
{
	if (s == NULL)
		return;
	if (s->be != NULL)
		s->be->free(s->be);
	signp_registry_free(s->own);
	free(s);
}

unsigned int signp_store_caps(const signp_store *s)
{
	return s->be->caps;
}

const char *signp_store_kind(const signp_store *s)
{
	return s->be->kind;
}

const char *signp_store_noun(const signp_store *s)
{
	return s->be->noun;
}

int signp_store_get_manifest(signp_store *s, const char *ref, size_t max, sign_buf *body,
	char media_type[256], char digest_out[80], sign_error *err)
{
	return s->be->get_manifest(s->be, ref, max, body, media_type, digest_out, err);
}

void signp_store_resolve_ahead(signp_store *s, const char *ref)
{
	if (s != NULL && s->be->resolve_ahead != NULL)
		s->be->resolve_ahead(s->be, ref);
}

int signp_store_add_idle(signp_store *s, void (*fn)(void *), void *arg)
{
	return s != NULL && s->be->add_idle != NULL ? s->be->add_idle(s->be, fn, arg) : SIGN_ERROR;
}

void signp_store_drop_idle(signp_store *s, void (*fn)(void *), void *arg)
{
	if (s != NULL && s->be->drop_idle != NULL)
		s->be->drop_idle(s->be, fn, arg);
}

void signp_store_resolve_ahead_cancel(signp_store *s)
{
	if (s != NULL && s->be->resolve_ahead_cancel != NULL)
		s->be->resolve_ahead_cancel(s->be);
}

int signp_store_resolve(signp_store *s, const char *ref, char digest_out[80],
	char media_type[256], uint64_t *size, sign_error *err)
{
	return s->be->resolve(s->be, ref, digest_out, media_type, size, err);
}

int signp_store_resolve_content(signp_store *s, const char *ref, char digest_out[80],
	char media_type[256], uint64_t *size, sign_buf *body, sign_error *err)
{
	sign_buf b = SIGN_BUF_INIT;
	char mt[256] = "", dg[80];
	int r = signp_store_get_manifest(s, ref, SIGN_MAX_MANIFEST, &b, mt, dg, err);
	if (r == SIGN_OK) {
		signp_digest(digest_out, b.ptr ? b.ptr : "", b.size);
		if (strcmp(digest_out, dg) != 0)
			r = signp_err(err, SIGN_EREGISTRY, "manifest %s: the store named %s for content that "
				"hashes to %s", ref, dg, digest_out);
	}
	if (r == SIGN_OK) {
		if (media_type)
			signp_strlcpy(media_type, mt[0] ? mt : SIGN_MT_OCI_MANIFEST, 256);
		if (size)
			*size = b.size;
		if (body) {
			sign_buf_dispose(body);
			*body = b;
			b = (sign_buf)SIGN_BUF_INIT;
		}
	}
	sign_buf_dispose(&b);
	return r;
}

int signp_store_put_manifest(signp_store *s, const char *tag, const void *body, size_t len,
	const char *media_type, char digest_out[80], sign_error *err)
{
	return s->be->put_manifest(s->be, tag, body, len, media_type, digest_out, err);
}

int signp_store_get_blob(signp_store *s, const char *digest, size_t max, sign_buf *out,
	sign_error *err)
{
	return signp_store_get_blob_ex(s, digest, max, 1, out, err);
}

int signp_store_get_blob_ex(signp_store *s, const char *digest, size_t max, int cache,
	sign_buf *out, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	int r;
	if (cache && blob_cache_path(&path, s, digest) == SIGN_OK) {
		size_t start = out->size;
		if (signp_read_file(out, path.ptr, max, NULL) == SIGN_OK &&
		    signp_digest_matches(digest, out->ptr + start, out->size - start)) {
			sign_buf_dispose(&path);
			return SIGN_OK;
		}
		out->size = start;
		if (out->ptr)
			out->ptr[start] = '\0';
	}
	r = s->be->get_blob(s->be, digest, max, out, err);
	if (r == SIGN_OK && path.size > 0)
		signp_write_file_atomic(path.ptr, out->ptr, out->size, 0600, NULL);
	sign_buf_dispose(&path);
	return r;
}

int signp_store_put_blob(signp_store *s, const void *data, size_t len, char digest_out[80],
	sign_error *err)
{
	return signp_store_put_blob_ex(s, data, len, SIGNP_BLOB_CACHE, digest_out, err);
}

int signp_store_put_blob_ex(signp_store *s, const void *data, size_t len, unsigned int flags,
	char digest_out[80], sign_error *err)
{
	char digest[80];
	sign_buf path = SIGN_BUF_INIT;
	int r = (flags & SIGNP_BLOB_NEW) && s->be->put_blob_new != NULL ?
		s->be->put_blob_new(s->be, data, len, digest, err) :
		s->be->put_blob(s->be, data, len, digest, err);
	if (r == SIGN_OK && (flags & SIGNP_BLOB_CACHE) && blob_cache_path(&path, s, digest) == SIGN_OK)
		signp_write_file_atomic(path.ptr, data, len, 0600, NULL);
	sign_buf_dispose(&path);
	if (r == SIGN_OK && digest_out)
		signp_strlcpy(digest_out, digest, 80);
	return r;
}

int signp_store_copy_blob(signp_store *src, signp_store *dst, const char *digest, uint64_t size,
	sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	int r;
	if (dst->be->put_blob_file != NULL && src->be->blob_file != NULL) {
		/* streamed from the file */
		if ((r = src->be->blob_file(src->be, digest, &path)) != SIGN_OK) {
			r = signp_err(err, r, "uploading %s: bad blob path", digest);
			goto out;
		}
		r = dst->be->put_blob_file(dst->be, digest, path.ptr, size, err);
	} else {
		if ((r = signp_store_get_blob(src, digest, (size_t)1 << 34, &data, err)) == SIGN_OK)
			r = signp_store_put_blob(dst, data.ptr, data.size, NULL, err);
	}
out:
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	return r;
}

int signp_store_untag(signp_store *s, const char *tag, sign_error *err)
{
	return s->be->untag(s->be, tag, err);
}

int signp_store_tags(signp_store *s, size_t max, sign_buf *json_out, sign_error *err)
{
	if (s->be->tags == NULL)
		return signp_err(err, SIGN_EINVAL, "%s: no tags list", s->be->noun);
	return s->be->tags(s->be, max, json_out, err);
}

int signp_store_referrers(signp_store *s, const char *digest, sign_buf *index_json, sign_error *err)
{
	char tag[96], mt[256], got[80];
	int r;
	if (!signp_digest_valid(digest))
		return signp_err(err, SIGN_EINVAL, "referrers of %.80s: bad digest", digest);
	if (s->be->referrers != NULL) {
		if (s->be->referrers(s->be, digest, index_json) == SIGN_OK)
			return SIGN_OK;
		signp_buf_clear(index_json);
		/* no referrers API: use the tag schema */
	}
	snprintf(tag, sizeof(tag), "sha256-%s", digest + 7);
	r = signp_store_get_manifest(s, tag, SIGN_MAX_MANIFEST, index_json, mt, got, err);
	if (r == SIGN_ENOTFOUND)
		signp_err_clear(err);
	return r == SIGN_ENOTFOUND ? SIGN_ENOTFOUND : r;
}

int signp_store_referrers_each(signp_store *s, const char *digest, size_t max,
	int (*fn)(void *arg, const sign_buf *manifest, const char *mdigest), void *arg)
{
	sign_buf index = SIGN_BUF_INIT, m = SIGN_BUF_INIT;
	json_t *doc, *d;
	size_t i;
	int r = 0;
	if (signp_store_referrers(s, digest, &index, NULL) != SIGN_OK) {
		sign_buf_dispose(&index);
		return 0;
	}
	doc = json_loadb(index.ptr, index.size, JSON_REJECT_DUPLICATES, NULL);
	json_array_foreach(json_object_get(doc, "manifests"), i, d) {
		const char *md = json_string_value(json_object_get(d, "digest"));
		char got[80];
		if (i >= max || r != 0)
			break;
		/* the index's word is a list of digests, nothing more: each
		 * manifest is fetched by digest (its bytes hashed) and classified
		 * by what it holds */
		if (md == NULL || !signp_digest_valid(md))
			continue;
		signp_buf_clear(&m);
		if (signp_store_get_manifest(s, md, SIGN_MAX_MANIFEST, &m, NULL, got, NULL) == SIGN_OK)
			r = fn(arg, &m, got);
	}
	json_decref(doc);
	sign_buf_dispose(&index);
	sign_buf_dispose(&m);
	return r;
}

int signp_store_referrers_tag_add(signp_store *s, const char *digest, const char *mdigest,
	uint64_t msize, const char *artifact_type, sign_error *err)
{
	sign_buf index = SIGN_BUF_INIT;
	json_t *idx = NULL;
	char itag[96], got[80], *ibody = NULL;
	int r = SIGN_ENOMEM;

	if (!signp_digest_valid(digest) || !signp_digest_valid(mdigest))
		return signp_err(err, SIGN_EINVAL, "referrers of %.80s: bad digest", digest);
	snprintf(itag, sizeof(itag), "sha256-%s", digest + 7);
	if (signp_store_get_manifest(s, itag, SIGN_MAX_MANIFEST, &index, NULL, got, NULL) == SIGN_OK)
		idx = json_loadb(index.ptr, index.size, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(idx) || !json_is_array(json_object_get(idx, "manifests"))) {
		json_decref(idx);
		idx = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType", SIGN_MT_OCI_INDEX,
			"manifests");
	}
	if (idx == NULL || json_array_append_new(json_object_get(idx, "manifests"),
		json_pack("{s:s, s:s, s:I, s:s}", "mediaType", SIGN_MT_OCI_MANIFEST, "digest", mdigest,
			"size", (json_int_t)msize, "artifactType", artifact_type)) != 0 ||
	    (ibody = json_dumps(idx, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "updating the referrers index %s: out of memory", itag);
		goto out;
	}
	if ((r = signp_store_put_manifest(s, itag, ibody, strlen(ibody), SIGN_MT_OCI_INDEX, NULL, err)) !=
	    SIGN_OK)
		signp_err_prefix(err, r, "updating the referrers index %s", itag);
out:
	free(ibody);
	json_decref(idx);
	sign_buf_dispose(&index);
	return r;
}

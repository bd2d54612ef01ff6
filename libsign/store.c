/*
 * store.c - one interface over registry repositories and OCI layouts.
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

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
	sign_buf cache = SIGN_BUF_INIT;
	int r;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "opening image store: out of memory");
	if (ref->layout) {
		s->is_oci = 1;
		if ((r = signp_oci_open(&s->oci, ref->oci_dir, create, err)) != SIGN_OK)
			goto fail;
	} else {
		signp_strlcpy(s->repo, ref->path, sizeof(s->repo));
		signp_strlcpy(s->host, ref->host, sizeof(s->host));
		if ((r = signp_ctx_registry(&s->reg, ctx, ref->host, err)) != SIGN_OK)
			goto fail;
		if (signp_ctx_path(&cache, ctx, "cache/blobs") == SIGN_OK &&
		    signp_mkdirs(cache.ptr, 0700, NULL) == SIGN_OK)
			signp_strlcpy(s->blob_cache, cache.ptr, sizeof(s->blob_cache));
	}
	sign_buf_dispose(&cache);
	*out = s;
	return SIGN_OK;
fail:
	sign_buf_dispose(&cache);
	signp_store_free(s);
	return r;
}

void signp_store_free(signp_store *s)
{
	if (s == NULL)
		return;
	signp_oci_free(s->oci);
	free(s);
}

int signp_store_get_manifest(signp_store *s, const char *ref, size_t max, sign_buf *body,
	char media_type[256], char digest_out[80], sign_error *err)
{
	if (!s->is_oci)
		return signp_registry_get_manifest(s->reg, s->repo, ref, body, media_type,
			digest_out, err);
	char digest[80];
	int r;
	if (signp_str_has_prefix(ref, "sha256:")) {
		signp_strlcpy(digest, ref, sizeof(digest));
		if (media_type)
			media_type[0] = '\0';
	} else if ((r = signp_oci_resolve(s->oci, ref, digest, media_type, NULL, err)) != SIGN_OK) {
		return r;
	}
	if ((r = signp_oci_get_blob(s->oci, digest, max, body, err)) != SIGN_OK)
		return r;
	if (media_type && media_type[0] == '\0') {
		/* by digest: the manifest names its own media type */
		json_t *doc = json_loadb(body->ptr, body->size, 0, NULL);
		const char *mt = json_string_value(json_object_get(doc, "mediaType"));
		signp_strlcpy(media_type, mt ? mt : SIGN_MT_OCI_MANIFEST, 256);
		json_decref(doc);
	}
	signp_strlcpy(digest_out, digest, 80);
	return SIGN_OK;
}

void signp_store_resolve_ahead(signp_store *s, const char *ref)
{
	if (s != NULL && !s->is_oci)
		(void)signp_registry_head_manifest_start(s->reg, s->repo, ref);
}

int signp_store_add_idle(signp_store *s, void (*fn)(void *), void *arg)
{
	return s != NULL && !s->is_oci ? signp_registry_add_idle(s->reg, fn, arg) : SIGN_ERROR;
}

void signp_store_drop_idle(signp_store *s, void (*fn)(void *), void *arg)
{
	if (s != NULL && !s->is_oci)
		signp_registry_drop_idle(s->reg, fn, arg);
}

void signp_store_resolve_ahead_cancel(signp_store *s)
{
	if (s != NULL && !s->is_oci)
		signp_registry_head_manifest_cancel(s->reg);
}

int signp_store_resolve(signp_store *s, const char *ref, char digest_out[80],
	char media_type[256], uint64_t *size, sign_error *err)
{
	if (!s->is_oci)
		return signp_registry_head_manifest(s->reg, s->repo, ref, digest_out, media_type,
			size, err);
	if (signp_str_has_prefix(ref, "sha256:")) {
		if (!signp_oci_has_blob(s->oci, ref, size))
			return signp_err(err, SIGN_ENOTFOUND, "manifest %s: not found in the layout",
				ref);
		signp_strlcpy(digest_out, ref, 80);
		if (media_type)
			signp_strlcpy(media_type, SIGN_MT_OCI_MANIFEST, 256);
		return SIGN_OK;
	}
	return signp_oci_resolve(s->oci, ref, digest_out, media_type, size, err);
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
	int r;
	char digest[80];
	if (!s->is_oci) {
		if (tag == NULL) {
			signp_digest(digest, body, len);
			return signp_registry_put_manifest(s->reg, s->repo, digest, body, len,
				media_type, digest_out, err);
		}
		return signp_registry_put_manifest(s->reg, s->repo, tag, body, len, media_type,
			digest_out, err);
	}
	if ((r = signp_oci_put_blob(s->oci, body, len, digest, err)) != SIGN_OK)
		return r;
	if (tag && (r = signp_oci_tag(s->oci, tag, digest, media_type, len, err)) != SIGN_OK)
		return r;
	if (digest_out)
		signp_strlcpy(digest_out, digest, 80);
	return SIGN_OK;
}

int signp_store_get_blob(signp_store *s, const char *digest, size_t max, sign_buf *out,
	sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	int r;
	if (s->is_oci)
		return signp_oci_get_blob(s->oci, digest, max, out, err);
	if (!signp_digest_valid(digest))
		return signp_err(err, SIGN_EVERIFY, "blob digest %.80s: malformed", digest);
	if (blob_cache_path(&path, s, digest) == SIGN_OK) {
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
	r = signp_registry_get_blob(s->reg, s->repo, digest, max, out, err);
	if (r == SIGN_OK && path.size > 0)
		signp_write_file_atomic(path.ptr, out->ptr, out->size, 0600, NULL);
	sign_buf_dispose(&path);
	return r;
}

int signp_store_put_blob(signp_store *s, const void *data, size_t len, char digest_out[80],
	sign_error *err)
{
	char digest[80];
	sign_buf path = SIGN_BUF_INIT;
	int r;
	if (s->is_oci)
		return signp_oci_put_blob(s->oci, data, len, digest_out, err);
	signp_digest(digest, data, len);
	r = signp_registry_put_blob(s->reg, s->repo, digest, data, len, err);
	if (r == SIGN_OK && blob_cache_path(&path, s, digest) == SIGN_OK)
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
	if (!dst->is_oci) {
		if ((r = signp_oci_blob_path(&path, src->oci, digest)) != SIGN_OK) {
			r = signp_err(err, r, "uploading %s: bad blob path", digest);
			goto out;
		}
		r = signp_registry_put_blob_file(dst->reg, dst->repo, digest, path.ptr, size, err);
	} else {
		if ((r = signp_oci_get_blob(src->oci, digest, (size_t)1 << 34, &data, err)) == SIGN_OK)
			r = signp_oci_put_blob(dst->oci, data.ptr, data.size, NULL, err);
	}
out:
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	return r;
}

int signp_store_untag(signp_store *s, const char *tag, sign_error *err)
{
	char digest[80], path[600], scope[400];
	sign_buf resp = SIGN_BUF_INIT;
	long status = 0;
	int r;
	if (s->is_oci)
		return signp_oci_untag(s->oci, tag, err);
	/* registries delete manifests by digest (distribution refuses tags) */
	if ((r = signp_registry_head_manifest(s->reg, s->repo, tag, digest, NULL, NULL, err)) != SIGN_OK)
		return r;
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", s->repo, digest);
	snprintf(scope, sizeof(scope), "repository:%s:delete,pull,push", s->repo);
	r = signp_registry_request(s->reg, "DELETE", path, NULL, NULL, 0, scope, 65536, &resp, &status, err);
	if (r == SIGN_OK && status != 202 && status != 200 && status != 204)
		r = signp_err(err, SIGN_EREGISTRY, "deleting %s:%s from registry %s: HTTP %ld%s", s->repo, tag,
			s->host, status, status == 405 ? " (the registry does not allow deletes)" : "");
	sign_buf_dispose(&resp);
	return r;
}

int signp_store_referrers(signp_store *s, const char *digest, sign_buf *index_json, sign_error *err)
{
	char tag[96], mt[256], got[80];
	int r;
	if (!signp_digest_valid(digest))
		return signp_err(err, SIGN_EINVAL, "referrers of %.80s: bad digest", digest);
	if (!s->is_oci) {
		char path[600], scope[400];
		long status = 0;
		snprintf(path, sizeof(path), "/v2/%s/referrers/%s", s->repo, digest);
		snprintf(scope, sizeof(scope), "repository:%s:pull", s->repo);
		r = signp_registry_request(s->reg, "GET", path, NULL, NULL, 0, scope, SIGN_MAX_MANIFEST,
			index_json, &status, NULL);
		if (r == SIGN_OK && status == 200)
			return SIGN_OK;
		signp_buf_clear(index_json);
		/* 404 (or 400): no referrers API; use the tag schema */
	}
	snprintf(tag, sizeof(tag), "sha256-%s", digest + 7);
	r = signp_store_get_manifest(s, tag, SIGN_MAX_MANIFEST, index_json, mt, got, err);
	if (r == SIGN_ENOTFOUND)
		signp_err_clear(err);
	return r == SIGN_ENOTFOUND ? SIGN_ENOTFOUND : r;
}

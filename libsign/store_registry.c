/*
 * store_registry.c - the image store over a registry repository: the
 * distribution API of registry.c.
 */
#include "store_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct registry_store {
	signp_store_backend b;
	signp_registry *reg;   /* borrowed from the ctx */
	char repo[256];
	char host[256];
} registry_store;

static int reg_get_manifest(signp_store_backend *b, const char *ref, size_t max, sign_buf *body,
	char media_type[256], char digest_out[80], sign_error *err)
{
	registry_store *s = (registry_store *)b;
	(void)max;
	return signp_registry_get_manifest(s->reg, s->repo, ref, body, media_type, digest_out, err);
}

static int reg_resolve(signp_store_backend *b, const char *ref, char digest_out[80],
	char media_type[256], uint64_t *size, sign_error *err)
{
	registry_store *s = (registry_store *)b;
	return signp_registry_head_manifest(s->reg, s->repo, ref, digest_out, media_type, size, err);
}

static int reg_put_manifest(signp_store_backend *b, const char *tag, const void *body, size_t len,
	const char *media_type, char digest_out[80], sign_error *err)
{
	registry_store *s = (registry_store *)b;
	char digest[80];
	if (tag == NULL) {
		signp_digest(digest, body, len);
		return signp_registry_put_manifest(s->reg, s->repo, digest, body, len, media_type,
			digest_out, err);
	}
	return signp_registry_put_manifest(s->reg, s->repo, tag, body, len, media_type, digest_out,
		err);
}

static int reg_get_blob(signp_store_backend *b, const char *digest, size_t max, sign_buf *out,
	sign_error *err)
{
	registry_store *s = (registry_store *)b;
	if (!signp_digest_valid(digest))
		return signp_err(err, SIGN_EVERIFY, "blob digest %.80s: malformed", digest);
	return signp_registry_get_blob(s->reg, s->repo, digest, max, out, err);
}

/* A blob from memory through one of the registry's uploads (asking first
 * whether it is there, or not). */
static int put_mem(signp_store_backend *b, const void *data, size_t len, char digest_out[80],
	int (*upload)(signp_registry *, const char *, const char *, const void *, size_t, sign_error *),
	sign_error *err)
{
	registry_store *s = (registry_store *)b;
	char digest[80];
	int r;
	signp_digest(digest, data, len);
	r = upload(s->reg, s->repo, digest, data, len, err);
	if (r == SIGN_OK && digest_out)
		signp_strlcpy(digest_out, digest, 80);
	return r;
}

static int reg_put_blob(signp_store_backend *b, const void *data, size_t len, char digest_out[80],
	sign_error *err)
{
	return put_mem(b, data, len, digest_out, signp_registry_put_blob, err);
}

static int reg_put_blob_new(signp_store_backend *b, const void *data, size_t len,
	char digest_out[80], sign_error *err)
{
	return put_mem(b, data, len, digest_out, signp_registry_upload_blob, err);
}

static int reg_put_blob_file(signp_store_backend *b, const char *digest, const char *path,
	uint64_t size, sign_error *err)
{
	registry_store *s = (registry_store *)b;
	return signp_registry_put_blob_file(s->reg, s->repo, digest, path, size, err);
}

static int reg_untag(signp_store_backend *b, const char *tag, sign_error *err)
{
	registry_store *s = (registry_store *)b;
	char digest[80], path[600], scope[400];
	sign_buf resp = SIGN_BUF_INIT;
	long status = 0;
	int r;
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

static int reg_referrers(signp_store_backend *b, const char *digest, sign_buf *index_json)
{
	registry_store *s = (registry_store *)b;
	char path[600], scope[400];
	long status = 0;
	int r;
	snprintf(path, sizeof(path), "/v2/%s/referrers/%s", s->repo, digest);
	snprintf(scope, sizeof(scope), "repository:%s:pull", s->repo);
	r = signp_registry_request(s->reg, "GET", path, NULL, NULL, 0, scope, SIGN_MAX_MANIFEST,
		index_json, &status, NULL);
	if (r == SIGN_OK && status == 200)
		return SIGN_OK;
	/* 404 (or 400): no referrers API */
	return r == SIGN_OK ? SIGN_ENOTFOUND : r;
}

static int reg_tags(signp_store_backend *b, size_t max, sign_buf *json_out, sign_error *err)
{
	registry_store *s = (registry_store *)b;
	return signp_registry_tags(s->reg, s->repo, max, json_out, err);
}

static void reg_resolve_ahead(signp_store_backend *b, const char *ref)
{
	registry_store *s = (registry_store *)b;
	(void)signp_registry_head_manifest_start(s->reg, s->repo, ref);
}

static void reg_resolve_ahead_cancel(signp_store_backend *b)
{
	signp_registry_head_manifest_cancel(((registry_store *)b)->reg);
}

static int reg_add_idle(signp_store_backend *b, void (*fn)(void *), void *arg)
{
	return signp_registry_add_idle(((registry_store *)b)->reg, fn, arg);
}

static void reg_drop_idle(signp_store_backend *b, void (*fn)(void *), void *arg)
{
	signp_registry_drop_idle(((registry_store *)b)->reg, fn, arg);
}

static void reg_free(signp_store_backend *b)
{
	free(b);
}

int signp_store_registry_open(signp_store_backend **out, signp_registry *reg, const char *host,
	const char *repo, sign_error *err)
{
	registry_store *s;
	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "opening image store: out of memory");
	s->b.caps = SIGNP_STORE_CAP_NET;
	s->b.kind = "registry";
	s->b.noun = "registry";
	s->b.get_manifest = reg_get_manifest;
	s->b.resolve = reg_resolve;
	s->b.put_manifest = reg_put_manifest;
	s->b.get_blob = reg_get_blob;
	s->b.put_blob = reg_put_blob;
	s->b.put_blob_new = reg_put_blob_new;
	s->b.untag = reg_untag;
	s->b.free = reg_free;
	s->b.put_blob_file = reg_put_blob_file;
	s->b.referrers = reg_referrers;
	s->b.tags = reg_tags;
	s->b.resolve_ahead = reg_resolve_ahead;
	s->b.resolve_ahead_cancel = reg_resolve_ahead_cancel;
	s->b.add_idle = reg_add_idle;
	s->b.drop_idle = reg_drop_idle;
	s->reg = reg;
	signp_strlcpy(s->repo, repo, sizeof(s->repo));
	signp_strlcpy(s->host, host, sizeof(s->host));
	*out = &s->b;
	return SIGN_OK;
}

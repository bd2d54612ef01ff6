/*
 * registry.c - OCI distribution client: manifests, blobs (uploads, mounts,
 * redirected downloads), tags, on top of the HTTP core (http.h) with the
 * docker config's credentials (auth.h).  Every answer is checked: digests
 * against the content, sizes against their bounds.
 */
#include "registry.h"
#include "auth.h"
#include "ref.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#define TAGS_PAGES_MAX 100
#define TAGS_PAGE_MAX (4u << 20)
#define MANIFEST_PATH_MAX 600 /* "/v2/<repo>/manifests/<ref>" */

/* ------------------------------------------------------------------------ */
/* handle                                                                   */

int signp_registry_new(signp_registry **out, const signp_registry_options *opts, sign_error *err)
{
	signp_http_options ho;
	signp_auth_options ao;
	signp_http *h = NULL;
	int rc;
	if (out == NULL || opts == NULL)
		return signp_err(err, SIGN_EINVAL, "registry: no host given");
	memset(&ho, 0, sizeof(ho));
	ho.host = opts->host;
	ho.insecure = opts->insecure;
	ho.ca_file = opts->ca_file;
	ho.timeout = opts->timeout;
	ho.connect_timeout = opts->connect_timeout;
	ho.scheme_hint = opts->scheme_hint;
	ho.user_agent = opts->user_agent;
	ho.base_url = opts->base_url;
	ho.label = opts->label;
	if ((rc = signp_http_new(&h, &ho, err)) != SIGN_OK)
		return rc;
	memset(&ao, 0, sizeof(ao));
	ao.docker_config = opts->docker_config;
	ao.docker_auth_config = opts->docker_auth_config;
	ao.cred_host = opts->cred_host;
	if ((rc = signp_auth_attach(h, &ao, err)) != SIGN_OK) {
		signp_http_free(h);
		return rc;
	}
	*out = h;
	return SIGN_OK;
}

void signp_registry_free(signp_registry *r)
{
	signp_http_free(r);
}

const char *signp_registry_scheme(const signp_registry *r)
{
	return signp_http_scheme(r);
}

long signp_registry_requests(const signp_registry *r)
{
	return signp_http_requests(r);
}

long signp_registry_connections(const signp_registry *r)
{
	return signp_http_connections(r);
}

const char *signp_registry_host(const signp_registry *r)
{
	return signp_http_host(r);
}

int signp_registry_add_idle(signp_registry *r, void (*fn)(void *), void *arg)
{
	return signp_http_add_idle(r, fn, arg);
}

void signp_registry_drop_idle(signp_registry *r, void (*fn)(void *), void *arg)
{
	signp_http_drop_idle(r, fn, arg);
}

int signp_registry_side_get(signp_registry *r, const char *path, size_t max)
{
	return signp_http_side_get(r, path, max);
}

void signp_registry_side_cancel(signp_registry *r)
{
	signp_http_side_cancel(r);
}

int signp_registry_request(signp_registry *r, const char *method, const char *path,
	const char *content_type, const void *body, size_t len, const char *scope, size_t max,
	sign_buf *resp, long *status, sign_error *err)
{
	return signp_http_request(r, method, path, content_type, body, len, scope, max, resp, status, err);
}

/* ------------------------------------------------------------------------ */
/* references                                                               */

static int tag_ok(const char *s)
{
	size_t n = strlen(s), i;
	if (n == 0 || n > 128)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c > 127 || !(isalnum(c) || c == '_' || (i > 0 && (c == '.' || c == '-'))))
			return 0;
	}
	return 1;
}

static int repo_ok(const char *repo)
{
	char tmp[300];
	if (repo == NULL || strlen(repo) > 255)
		return 0;
	snprintf(tmp, sizeof(tmp), "h/%s", repo);
	return signp_gun_valid(tmp);
}

static int ref_ok(const char *ref)
{
	return ref != NULL && (signp_digest_valid(ref) || tag_ok(ref));
}

/* ------------------------------------------------------------------------ */
/* manifests                                                                */

/* q and path for METHOD /v2/<repo>/manifests/<ref>, q set to read a
 * manifest (a PUT then sets what it sends and reads instead); 0 when the
 * path does not fit (check_repo_ref bounds both parts first). */
static int manifest_req(signp_http_req *q, char path[MANIFEST_PATH_MAX], const char *method, const char *repo,
	const char *ref)
{
	memset(q, 0, sizeof(*q));
	q->method = method;
	q->repo = repo;
	q->accept = SIGN_MANIFEST_ACCEPT;
	q->max = SIGN_MAX_MANIFEST;
	q->idempotent = 1;
	return snprintf(path, MANIFEST_PATH_MAX, "/v2/%s/manifests/%s", repo, ref) < MANIFEST_PATH_MAX;
}

/* Whether the registry's Docker-Content-Digest names another sha256 than
 * want (no header, or another algorithm, is not a difference); if so, the
 * header as it may be shown goes into shown. */
static int served_digest_differs(const signp_http_xfer *x, const char *want, char shown[80])
{
	if (!x->digest[0] || !signp_str_has_prefix(x->digest, "sha256:") || strcmp(x->digest, want) == 0)
		return 0;
	signp_clean_copy(shown, 80, x->digest, strlen(x->digest));
	return 1;
}

static int check_repo_ref(const signp_registry *r, const char *repo, const char *ref, sign_error *err)
{
	if (r == NULL)
		return signp_err(err, SIGN_EINVAL, "registry: no handle");
	if (!repo_ok(repo))
		return signp_err(err, SIGN_EINVAL, "registry %s: invalid repository name \"%.100s\"", signp_http_host(r),
			repo ? repo : "");
	if (ref != NULL && !ref_ok(ref))
		return signp_err(err, SIGN_EINVAL, "registry %s: invalid tag or digest \"%.100s\"", signp_http_host(r), ref);
	return SIGN_OK;
}

void signp_registry_head_manifest_cancel(signp_registry *r)
{
	signp_http_ahead_cancel(r);
}

int signp_registry_head_manifest_start(signp_registry *r, const char *repo, const char *ref)
{
	char path[MANIFEST_PATH_MAX];
	signp_http_req q;
	if (r == NULL || ref == NULL || signp_http_scheme(r) == NULL || check_repo_ref(r, repo, ref, NULL) != SIGN_OK)
		return SIGN_ERROR;
	if (!manifest_req(&q, path, "HEAD", repo, ref)) {
		signp_http_ahead_cancel(r);
		return SIGN_ERROR;
	}
	return signp_http_ahead_start(r, &q, path);
}

static void media_type_of(char out[256], const signp_http_xfer *x, const void *body, size_t len)
{
	size_t n = strcspn(x->content_type, ";");
	while (n > 0 && x->content_type[n - 1] == ' ')
		n--;
	if (n > 0 && n < 256) {
		memcpy(out, x->content_type, n);
		out[n] = '\0';
		return;
	}
	out[0] = '\0';
	if (body != NULL && len > 0) {
		json_t *j = json_loadb(body, len, 0, NULL);
		json_t *mt = json_object_get(j, "mediaType");
		if (json_is_string(mt) && json_string_length(mt) < 256)
			signp_clean_copy(out, 256, json_string_value(mt), json_string_length(mt));
		json_decref(j);
	}
}

int signp_registry_get_manifest(signp_registry *r, const char *repo, const char *ref,
	sign_buf *body, char media_type_out[256], char digest_out[80], sign_error *err)
{
	int rc;
	signp_http_xfer x;
	signp_http_req q;
	char path[MANIFEST_PATH_MAX], dg[72], shown[80];
	memset(&x, 0, sizeof(x));
	if ((rc = check_repo_ref(r, repo, ref, err)) != SIGN_OK)
		return rc;
	if (ref == NULL || body == NULL)
		return signp_err(err, SIGN_EINVAL, "fetching a manifest: no reference given");
	if (!manifest_req(&q, path, "GET", repo, ref))
		return signp_err(err, SIGN_EINVAL, "fetching manifest %s:%s: reference too long", repo, ref);
	rc = signp_http_send(r, &q, path, &x, NULL, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status != 200) {
		rc = signp_http_status_error(signp_http_host(r), &x, err, "fetching manifest %s%s%s", repo, ref[0] && signp_digest_valid(ref) ? "@" : ":", ref);
		goto out;
	}
	signp_digest(dg, x.body.ptr ? x.body.ptr : "", x.body.size);
	if (signp_digest_valid(ref) && strcmp(ref, dg) != 0) {
		rc = signp_err(err, SIGN_EVERIFY, "fetching manifest %s@%s: manifest digest mismatch: the registry "
			"sent content with digest %s", repo, ref, dg);
		goto out;
	}
	if (served_digest_differs(&x, dg, shown)) {
		rc = signp_err(err, SIGN_EVERIFY, "fetching manifest %s:%s: manifest digest mismatch: "
			"Docker-Content-Digest %s, content %s", repo, ref, shown, dg);
		goto out;
	}
	if (media_type_out != NULL)
		media_type_of(media_type_out, &x, x.body.ptr, x.body.size);
	if (digest_out != NULL)
		signp_strlcpy(digest_out, dg, 80);
	if (signp_http_xfer_take_body(&x, body) != SIGN_OK)
		rc = signp_err(err, SIGN_ENOMEM, "fetching manifest: out of memory");
out:
	signp_http_xfer_dispose(&x);
	return rc;
}

int signp_registry_head_manifest(signp_registry *r, const char *repo, const char *ref,
	char digest_out[80], char media_type_out[256], uint64_t *size_out, sign_error *err)
{
	int rc;
	signp_http_xfer x;
	signp_http_req q;
	char path[MANIFEST_PATH_MAX];
	memset(&x, 0, sizeof(x));
	if ((rc = check_repo_ref(r, repo, ref, err)) != SIGN_OK)
		return rc;
	if (ref == NULL)
		return signp_err(err, SIGN_EINVAL, "checking a manifest: no reference given");
	if (!manifest_req(&q, path, "HEAD", repo, ref))
		return signp_err(err, SIGN_EINVAL, "checking manifest %s:%s: reference too long", repo, ref);
	rc = signp_http_ahead_take(r, path, SIZE_MAX, &x) ? SIGN_OK : signp_http_send(r, &q, path, &x, NULL, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status != 200) {
		rc = signp_http_status_error(signp_http_host(r), &x, err, "checking manifest %s%s%s", repo, signp_digest_valid(ref) ? "@" : ":", ref);
		goto out;
	}
	if (!signp_digest_valid(x.digest) || x.content_length < 0) {
		/* no usable digest header: fetch and hash the manifest */
		sign_buf b = SIGN_BUF_INIT;
		char dg[80];
		signp_http_xfer_dispose(&x);
		rc = signp_registry_get_manifest(r, repo, ref, &b, media_type_out, dg, err);
		if (rc == SIGN_OK) {
			if (digest_out != NULL)
				signp_strlcpy(digest_out, dg, 80);
			if (size_out != NULL)
				*size_out = b.size;
		}
		sign_buf_dispose(&b);
		return rc;
	}
	if (signp_digest_valid(ref) && strcmp(ref, x.digest) != 0) {
		rc = signp_err(err, SIGN_EVERIFY, "checking manifest %s@%s: manifest digest mismatch: the registry "
			"answered %s", repo, ref, x.digest);
		goto out;
	}
	if ((unsigned long long)x.content_length > SIGN_MAX_MANIFEST) {
		rc = signp_err(err, SIGN_EFORMAT, "checking manifest %s:%s: registry %s: manifest of %lld bytes "
			"exceeds %u", repo, ref, signp_http_host(r), x.content_length, SIGN_MAX_MANIFEST);
		goto out;
	}
	if (digest_out != NULL)
		signp_strlcpy(digest_out, x.digest, 80);
	if (media_type_out != NULL)
		media_type_of(media_type_out, &x, NULL, 0);
	if (size_out != NULL)
		*size_out = (uint64_t)x.content_length;
	rc = SIGN_OK;
out:
	signp_http_xfer_dispose(&x);
	return rc;
}

int signp_registry_put_manifest(signp_registry *r, const char *repo, const char *ref,
	const void *body, size_t len, const char *media_type, char digest_out[80], sign_error *err)
{
	int rc;
	signp_http_xfer x;
	signp_http_req q;
	signp_http_body src;
	char path[MANIFEST_PATH_MAX], dg[72], shown[80];
	memset(&x, 0, sizeof(x));
	memset(&src, 0, sizeof(src));
	if ((rc = check_repo_ref(r, repo, ref, err)) != SIGN_OK)
		return rc;
	if (ref == NULL || body == NULL || len == 0)
		return signp_err(err, SIGN_EINVAL, "pushing a manifest: nothing to push");
	if (len > SIGN_MAX_MANIFEST)
		return signp_err(err, SIGN_EINVAL, "pushing manifest %s:%s: %zu bytes exceed %u", repo, ref, len,
			SIGN_MAX_MANIFEST);
	if (media_type == NULL || !signp_http_header_value_ok(media_type, 255))
		return signp_err(err, SIGN_EINVAL, "pushing manifest %s:%s: invalid media type", repo, ref);
	signp_digest(dg, body, len);
	if (signp_digest_valid(ref) && strcmp(ref, dg) != 0)
		return signp_err(err, SIGN_EINVAL, "pushing manifest %s@%s: the content hashes to %s", repo, ref, dg);
	if (!manifest_req(&q, path, "PUT", repo, ref))
		return signp_err(err, SIGN_EINVAL, "pushing manifest %s:%s: reference too long", repo, ref);
	src.data = body;
	src.len = len;
	q.accept = NULL;
	q.push = 1;
	q.content_type = media_type;
	q.src = &src;
	q.max = SIGNP_HTTP_SMALL_MAX;
	rc = signp_http_send(r, &q, path, &x, NULL, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status < 200 || x.status > 299) {
		rc = signp_http_status_error(signp_http_host(r), &x, err, "pushing manifest %s%s%s", repo, signp_digest_valid(ref) ? "@" : ":", ref);
		goto out;
	}
	if (served_digest_differs(&x, dg, shown)) {
		rc = signp_err(err, SIGN_EVERIFY, "pushing manifest %s:%s: the registry stored digest %s, "
			"not %s", repo, ref, shown, dg);
		goto out;
	}
	if (digest_out != NULL)
		signp_strlcpy(digest_out, dg, 80);
	rc = SIGN_OK;
out:
	signp_http_xfer_dispose(&x);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* blobs                                                                    */

static int check_digest_arg(const signp_registry *r, const char *repo, const char *digest, sign_error *err)
{
	int rc = check_repo_ref(r, repo, NULL, err);
	if (rc != SIGN_OK)
		return rc;
	if (digest == NULL || !signp_digest_valid(digest))
		return signp_err(err, SIGN_EINVAL, "registry %s: invalid blob digest \"%.80s\"", signp_http_host(r),
			digest ? digest : "");
	return SIGN_OK;
}

int signp_registry_blob_exists(signp_registry *r, const char *repo, const char *digest,
	uint64_t *size_out, sign_error *err)
{
	int rc;
	signp_http_xfer x;
	signp_http_req q;
	char path[600];
	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	if ((rc = check_digest_arg(r, repo, digest, err)) != SIGN_OK)
		return rc;
	q.method = "HEAD";
	q.repo = repo;
	q.max = SIGNP_HTTP_SMALL_MAX;
	q.idempotent = 1;
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", repo, digest);
	rc = signp_http_send(r, &q, path, &x, NULL, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status == 404) {
		rc = SIGN_ENOTFOUND; /* an expected answer: err left alone */
		goto out;
	}
	if (x.status != 200 && x.status != 307 && x.status != 302) {
		rc = signp_http_status_error(signp_http_host(r), &x, err, "checking blob %s@%s", repo, digest);
		goto out;
	}
	if (size_out != NULL)
		*size_out = x.content_length >= 0 ? (uint64_t)x.content_length : 0;
	rc = SIGN_OK;
out:
	signp_http_xfer_dispose(&x);
	return rc;
}

int signp_registry_get_blob(signp_registry *r, const char *repo, const char *digest, size_t max,
	sign_buf *body, sign_error *err)
{
	int rc;
	signp_http_xfer x;
	signp_http_req q;
	char path[600], what[800];
	char *url = NULL;
	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	if ((rc = check_digest_arg(r, repo, digest, err)) != SIGN_OK)
		return rc;
	if (body == NULL || max == 0)
		return signp_err(err, SIGN_EINVAL, "fetching a blob: no output");
	q.method = "GET";
	q.repo = repo;
	q.max = max;
	q.idempotent = 1;
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", repo, digest);
	snprintf(what, sizeof(what), "fetching blob %s@%s", repo, digest);
	rc = signp_http_send(r, &q, path, &x, &url, err);
	if (rc != SIGN_OK)
		goto out;
	if ((rc = signp_http_follow(r, &q, &url, &x, what, err)) != SIGN_OK)
		goto out;
	if (x.status != 200) {
		rc = signp_http_status_error(signp_http_host(r), &x, err, "fetching blob %s@%s", repo, digest);
		goto out;
	}
	if (!signp_digest_matches(digest, x.body.ptr ? x.body.ptr : "", x.body.size)) {
		rc = signp_err(err, SIGN_EVERIFY, "fetching blob %s@%s: blob digest mismatch", repo, digest);
		goto out;
	}
	if (signp_http_xfer_take_body(&x, body) != SIGN_OK)
		rc = signp_err(err, SIGN_ENOMEM, "fetching blob: out of memory");
out:
	free(url);
	signp_http_xfer_dispose(&x);
	return rc;
}

/* POST an upload session; returns the absolute upload URL. */
static int start_upload(signp_registry *r, const char *repo, char **loc_out, sign_error *err)
{
	int rc;
	signp_http_xfer x;
	signp_http_req q;
	char path[600];
	char *url = NULL;
	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	*loc_out = NULL;
	q.method = "POST";
	q.repo = repo;
	q.push = 1;
	q.max = SIGNP_HTTP_SMALL_MAX;
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", repo);
	rc = signp_http_send(r, &q, path, &x, &url, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status != 202) {
		rc = signp_http_status_error(signp_http_host(r), &x, err, "starting an upload to %s", repo);
		goto out;
	}
	if (x.location.size == 0 || (*loc_out = signp_http_resolve_url(url, x.location.ptr)) == NULL) {
		rc = signp_err(err, SIGN_EREGISTRY, "starting an upload to %s: registry %s sent no usable Location",
			repo, signp_http_host(r));
		goto out;
	}
	rc = SIGN_OK;
out:
	free(url);
	signp_http_xfer_dispose(&x);
	return rc;
}

static int finish_upload(signp_registry *r, const char *repo, const char *loc, const char *digest,
	signp_http_body *src, sign_error *err)
{
	int rc, conn_failed = 0;
	signp_http_xfer x;
	signp_http_req q;
	sign_buf url = SIGN_BUF_INIT;
	char shown[80];
	char *e = signp_http_escape(digest, 0);
	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	if (e == NULL || signp_buf_printf(&url, "%s%cdigest=%s", loc, strchr(loc, '?') ? '&' : '?', e) != SIGN_OK) {
		rc = signp_err(err, SIGN_ENOMEM, "uploading a blob: out of memory");
		goto out;
	}
	q.method = "PUT";
	q.repo = repo;
	q.push = 1;
	q.content_type = "application/octet-stream";
	q.src = src;
	q.max = SIGNP_HTTP_SMALL_MAX;
	rc = signp_http_send_url(r, &q, url.ptr, &x, &conn_failed, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status != 201 && x.status != 204 && x.status != 200) {
		rc = signp_http_status_error(signp_http_host(r), &x, err, "uploading blob %s@%s", repo, digest);
		goto out;
	}
	if (served_digest_differs(&x, digest, shown)) {
		rc = signp_err(err, SIGN_EVERIFY, "uploading blob %s@%s: the registry stored digest %s",
			repo, digest, shown);
		goto out;
	}
	rc = SIGN_OK;
out:
	signp_http_str_free(e);
	sign_buf_dispose(&url);
	signp_http_xfer_dispose(&x);
	return rc;
}

static void cancel_upload(signp_registry *r, const char *repo, const char *loc)
{
	signp_http_xfer x;
	signp_http_req q;
	sign_error ignored;
	int conn_failed;
	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	memset(&ignored, 0, sizeof(ignored));
	q.method = "DELETE";
	q.repo = repo;
	q.push = 1;
	q.max = SIGNP_HTTP_SMALL_MAX;
	(void)signp_http_send_url(r, &q, loc, &x, &conn_failed, &ignored);
	signp_http_xfer_dispose(&x);
}

/* The arguments of an upload from memory. */
static int check_upload_arg(const signp_registry *r, const char *repo, const char *digest,
	const void *data, size_t len, sign_error *err)
{
	int rc;
	if ((rc = check_digest_arg(r, repo, digest, err)) != SIGN_OK)
		return rc;
	if (data == NULL && len > 0)
		return signp_err(err, SIGN_EINVAL, "uploading blob: no data");
	if (!signp_digest_matches(digest, data ? data : "", len))
		return signp_err(err, SIGN_EINVAL, "uploading blob %s@%s: the data does not hash to it", repo, digest);
	return SIGN_OK;
}

/* POST then PUT ?digest=, arguments checked. */
static int upload_mem(signp_registry *r, const char *repo, const char *digest, const void *data,
	size_t len, sign_error *err)
{
	int rc;
	char *loc = NULL;
	signp_http_body src;
	rc = start_upload(r, repo, &loc, err);
	if (rc != SIGN_OK)
		goto out;
	memset(&src, 0, sizeof(src));
	src.data = data;
	src.len = len;
	rc = finish_upload(r, repo, loc, digest, &src, err);
out:
	signp_http_str_free(loc);
	return rc;
}

int signp_registry_put_blob(signp_registry *r, const char *repo, const char *digest,
	const void *data, size_t len, sign_error *err)
{
	int rc;
	if ((rc = check_upload_arg(r, repo, digest, data, len, err)) != SIGN_OK)
		return rc;
	rc = signp_registry_blob_exists(r, repo, digest, NULL, err);
	if (rc == SIGN_OK)
		return SIGN_OK;
	if (rc != SIGN_ENOTFOUND)
		return rc;
	return upload_mem(r, repo, digest, data, len, err);
}

int signp_registry_upload_blob(signp_registry *r, const char *repo, const char *digest,
	const void *data, size_t len, sign_error *err)
{
	int rc;
	if ((rc = check_upload_arg(r, repo, digest, data, len, err)) != SIGN_OK)
		return rc;
	return upload_mem(r, repo, digest, data, len, err);
}

int signp_registry_put_blob_file(signp_registry *r, const char *repo, const char *digest,
	const char *path, uint64_t size, sign_error *err)
{
	int rc;
	char *loc = NULL;
	signp_http_body src;
	FILE *fp = NULL;
	struct stat st;
	int fd;
	if ((rc = check_digest_arg(r, repo, digest, err)) != SIGN_OK)
		return rc;
	if (path == NULL)
		return signp_err(err, SIGN_EINVAL, "uploading blob: no file");
	rc = signp_registry_blob_exists(r, repo, digest, NULL, err);
	if (rc == SIGN_OK)
		return SIGN_OK;
	if (rc != SIGN_ENOTFOUND)
		return rc;
	if ((fd = signp_open_regular(path, 0, &st, err)) < 0) {
		signp_err_prefix(err, fd, "uploading blob %s", digest);
		return fd;
	}
	if ((fp = fdopen(fd, "rb")) == NULL) {
		close(fd);
		return signp_err_errno(err, SIGN_EIO, "uploading blob %s: opening %s", digest, path);
	}
	if ((uint64_t)st.st_size != size) {
		rc = signp_err(err, SIGN_EIO, "uploading blob %s: %s is not a regular file of %llu bytes", digest,
			path, (unsigned long long)size);
		goto out;
	}
	rc = start_upload(r, repo, &loc, err);
	if (rc != SIGN_OK)
		goto out;
	memset(&src, 0, sizeof(src));
	src.fp = fp;
	src.len = (size_t)size;
	rc = finish_upload(r, repo, loc, digest, &src, err);
out:
	if (fp != NULL)
		fclose(fp);
	signp_http_str_free(loc);
	return rc;
}

int signp_registry_mount_blob(signp_registry *r, const char *repo, const char *digest,
	const char *from_repo, sign_error *err)
{
	int rc;
	signp_http_xfer x;
	signp_http_req q;
	char path[1200];
	char *url = NULL, *loc = NULL, *e = NULL, *f = NULL;
	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	if ((rc = check_digest_arg(r, repo, digest, err)) != SIGN_OK)
		return rc;
	if (!repo_ok(from_repo))
		return signp_err(err, SIGN_EINVAL, "mounting a blob: invalid source repository");
	e = signp_http_escape(digest, 0);
	f = signp_http_escape(from_repo, 0);
	if (e == NULL || f == NULL) {
		rc = signp_err(err, SIGN_ENOMEM, "mounting a blob: out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/?mount=%s&from=%s", repo, e, f);
	q.method = "POST";
	q.repo = repo;
	q.from_repo = from_repo;
	q.push = 1;
	q.max = SIGNP_HTTP_SMALL_MAX;
	rc = signp_http_send(r, &q, path, &x, &url, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status == 201) {
		rc = SIGN_OK;
		goto out;
	}
	if (x.status == 202) {
		if (x.location.size > 0 && (loc = signp_http_resolve_url(url, x.location.ptr)) != NULL)
			cancel_upload(r, repo, loc);
		rc = SIGN_ENOTFOUND; /* expected: upload instead; err left alone */
		goto out;
	}
	rc = signp_http_status_error(signp_http_host(r), &x, err, "mounting blob %s from %s into %s", digest, from_repo, repo);
out:
	signp_http_str_free(e);
	signp_http_str_free(f);
	signp_http_str_free(loc);
	free(url);
	signp_http_xfer_dispose(&x);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* tags                                                                     */

/* The rel="next" target of a Link header value, or NULL. */
static char *link_next(const char *v)
{
	const char *p = v;
	while (p != NULL && *p) {
		const char *lt = strchr(p, '<'), *gt, *end;
		if (lt == NULL)
			return NULL;
		gt = strchr(lt, '>');
		if (gt == NULL)
			return NULL;
		end = strchr(gt, '<');
		{
			size_t plen = end ? (size_t)(end - gt) : strlen(gt);
			char params[512];
			size_t i;
			if (plen >= sizeof(params))
				plen = sizeof(params) - 1;
			memcpy(params, gt, plen);
			params[plen] = '\0';
			for (i = 0; params[i]; i++)
				params[i] = (char)tolower((unsigned char)params[i]);
			if (strstr(params, "rel=\"next\"") != NULL || strstr(params, "rel=next") != NULL)
				return signp_strndup(lt + 1, (size_t)(gt - lt - 1));
		}
		p = end;
	}
	return NULL;
}

int signp_registry_tags(signp_registry *r, const char *repo, size_t max, sign_buf *json_out,
	sign_error *err)
{
	int rc, page, conn_failed = 0;
	size_t total = 0;
	signp_http_xfer x;
	signp_http_req q;
	char path[600];
	char *url = NULL;
	json_t *all = json_array(), *out = NULL;
	char *name = NULL, *dumped = NULL;
	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	if ((rc = check_repo_ref(r, repo, NULL, err)) != SIGN_OK)
		goto out;
	if (json_out == NULL || all == NULL) {
		rc = signp_err(err, SIGN_EINVAL, "listing tags: no output");
		goto out;
	}
	q.method = "GET";
	q.repo = repo;
	q.max = TAGS_PAGE_MAX;
	q.idempotent = 1;
	snprintf(path, sizeof(path), "/v2/%s/tags/list", repo);
	for (page = 0;; page++) {
		json_t *j, *tags;
		char *next;
		if (page == 0)
			rc = signp_http_send(r, &q, path, &x, &url, err);
		else
			rc = signp_http_send_url(r, &q, url, &x, &conn_failed, err);
		if (rc != SIGN_OK)
			goto out;
		if (x.status != 200) {
			rc = signp_http_status_error(signp_http_host(r), &x, err, "listing tags of %s", repo);
			goto out;
		}
		total += x.body.size;
		if (total > max) {
			rc = signp_err(err, SIGN_EFORMAT, "listing tags of %s: registry %s: more than %zu bytes",
				repo, signp_http_host(r), max);
			goto out;
		}
		j = json_loadb(x.body.ptr ? x.body.ptr : "", x.body.size, 0, NULL);
		if (!json_is_object(j)) {
			json_decref(j);
			rc = signp_err(err, SIGN_EFORMAT, "listing tags of %s: registry %s: answer is not a JSON object",
				repo, signp_http_host(r));
			goto out;
		}
		if (name == NULL && json_is_string(json_object_get(j, "name")))
			name = signp_strdup(json_string_value(json_object_get(j, "name")));
		tags = json_object_get(j, "tags");
		if (json_is_array(tags)) {
			size_t i;
			json_t *t;
			json_array_foreach(tags, i, t) {
				if (json_is_string(t))
					json_array_append(all, t);
			}
		} else if (tags != NULL && !json_is_null(tags)) {
			json_decref(j);
			rc = signp_err(err, SIGN_EFORMAT, "listing tags of %s: registry %s: \"tags\" is not an array",
				repo, signp_http_host(r));
			goto out;
		}
		json_decref(j);
		if (x.link.size == 0 || (next = link_next(x.link.ptr)) == NULL)
			break;
		if (page + 1 >= TAGS_PAGES_MAX) {
			free(next);
			rc = signp_err(err, SIGN_EREGISTRY, "listing tags of %s: registry %s: more than %d pages",
				repo, signp_http_host(r), TAGS_PAGES_MAX);
			goto out;
		}
		{
			char *abs = signp_http_resolve_url(url, next);
			free(next);
			if (abs == NULL) {
				rc = signp_err(err, SIGN_EREGISTRY, "listing tags of %s: registry %s: bad Link header",
					repo, signp_http_host(r));
				goto out;
			}
			free(url);
			url = signp_strdup(abs);
			signp_http_str_free(abs);
			if (url == NULL) {
				rc = signp_err(err, SIGN_ENOMEM, "listing tags: out of memory");
				goto out;
			}
		}
	}
	out = json_pack("{s:s, s:O}", "name", name ? name : repo, "tags", all);
	dumped = out ? json_dumps(out, JSON_COMPACT) : NULL;
	if (dumped == NULL) {
		rc = signp_err(err, SIGN_ENOMEM, "listing tags: out of memory");
		goto out;
	}
	signp_buf_clear(json_out);
	if (signp_buf_puts(json_out, dumped) != SIGN_OK) {
		rc = signp_err(err, SIGN_ENOMEM, "listing tags: out of memory");
		goto out;
	}
	rc = SIGN_OK;
out:
	free(dumped);
	json_decref(out);
	json_decref(all);
	free(name);
	free(url);
	signp_http_xfer_dispose(&x);
	return rc;
}


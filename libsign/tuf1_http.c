/*
 * tuf1_http.c - the backends of the TUF 1.0 client that libsign itself
 * offers: metadata kept in a folder (each file replaced atomically), and
 * downloads through libsign's HTTP client (bounded, redirects followed).
 */
#include "http.h"
#include "tuf1.h"

#include <stdlib.h>
#include <string.h>

static int plain_name(const char *name)
{
	return name[0] != '\0' && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
	       strchr(name, '/') == NULL && strlen(name) < 1024;
}

/* The path of metadata file name in the folder payload. */
static int dir_path(sign_buf *path, const void *payload, const char *name, sign_error *err)
{
	if (!plain_name(name))
		return signp_err(err, SIGN_EINVAL, "metadata file name %.100s refused", name);
	if (signp_path_join(path, payload, name) != SIGN_OK)
		return signp_err(err, SIGN_ENOMEM, "%s: out of memory", name);
	return SIGN_OK;
}

int signp_tuf1_dir_load(void *payload, const char *name, size_t max, sign_buf *out, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	int rc;
	if ((rc = dir_path(&path, payload, name, err)) != SIGN_OK)
		return rc;
	signp_buf_clear(out);
	rc = signp_read_file(out, path.ptr, max, err);
	sign_buf_dispose(&path);
	return rc;
}

int signp_tuf1_dir_store(void *payload, const char *name, const void *data, size_t len,
	sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	int rc;
	if ((rc = dir_path(&path, payload, name, err)) != SIGN_OK)
		return rc;
	rc = signp_write_file_atomic(path.ptr, data, len, 0644, err);
	sign_buf_dispose(&path);
	return rc;
}

struct signp_tuf1_http {
	signp_http *h;
	char *dir;
};

int signp_tuf1_http_new(signp_tuf1_http **out, const char *base_url, const char *dir,
	const char *ca_file, long timeout, sign_error *err)
{
	signp_http_options o;
	signp_tuf1_http *t;
	int rc;
	*out = NULL;
	memset(&o, 0, sizeof(o));
	o.base_url = base_url;
	o.label = "TUF repository";
	o.insecure = strncmp(base_url, "http://", 7) == 0;
	o.ca_file = ca_file;
	o.timeout = timeout;
	if ((t = calloc(1, sizeof(*t))) == NULL || (t->dir = signp_strdup(dir)) == NULL) {
		free(t);
		return signp_err(err, SIGN_ENOMEM, "TUF repository: out of memory");
	}
	if ((rc = signp_http_new(&t->h, &o, err)) != SIGN_OK) {
		free(t->dir);
		free(t);
		return rc;
	}
	*out = t;
	return SIGN_OK;
}

void signp_tuf1_http_free(signp_tuf1_http *t)
{
	if (t == NULL)
		return;
	signp_http_free(t->h);
	free(t->dir);
	free(t);
}

static int http_load(void *payload, const char *name, size_t max, sign_buf *out, sign_error *err)
{
	return signp_tuf1_dir_load(((signp_tuf1_http *)payload)->dir, name, max, out, err);
}

static int http_store(void *payload, const char *name, const void *data, size_t len,
	sign_error *err)
{
	return signp_tuf1_dir_store(((signp_tuf1_http *)payload)->dir, name, data, len, err);
}

void signp_tuf1_http_ops(signp_tuf1_ops *ops, signp_tuf1_http *h)
{
	ops->fetch = signp_tuf1_http_fetch;
	ops->load = http_load;
	ops->store = http_store;
	ops->payload = h;
}

int signp_tuf1_http_fetch(void *payload, const char *url, size_t max, sign_buf *out, sign_error *err)
{
	signp_tuf1_http *t = payload;
	signp_http_xfer x;
	signp_http_req q;
	char *u = signp_strdup(url);
	int rc, conn_failed = 0;

	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	if (u == NULL)
		return signp_err(err, SIGN_ENOMEM, "%.300s: out of memory", url);
	q.method = "GET";
	q.max = max;
	q.idempotent = 1;
	q.no_auth = 1;
	rc = signp_http_send_url(t->h, &q, u, &x, &conn_failed, err);
	if (rc == SIGN_OK)
		rc = signp_http_follow(t->h, &q, &u, &x, url, err);
	if (rc != SIGN_OK) {
		if (x.too_big)
			rc = signp_err_prefix_as(err, SIGN_EVERIFY, "%.300s", url);
		goto out;
	}
	if (x.status == 403 || x.status == 404) {
		rc = signp_err(err, SIGN_ENOTFOUND, "%.300s: HTTP %ld", url, x.status);
		goto out;
	}
	if (x.status != 200) {
		rc = signp_err(err, SIGN_ENET, "%.300s: HTTP %ld", url, x.status);
		goto out;
	}
	signp_buf_clear(out);
	if (x.body.size > 0 && signp_buf_put(out, x.body.ptr, x.body.size) != SIGN_OK)
		rc = signp_err(err, SIGN_ENOMEM, "%.300s: out of memory", url);
out:
	free(u);
	signp_http_xfer_dispose(&x);
	return rc;
}

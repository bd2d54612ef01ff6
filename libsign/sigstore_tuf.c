/*
 * sigstore_tuf.c - the Sigstore trusted root (trusted_root.json) fetched
 * through a TUF 1.0 repository (tuf1.h) and cached in the home, so that
 * verification never needs the network:
 *
 *   <home>/sigstore/<host[_port][_path]>/            root.json, timestamp.json,
 *                                                   snapshot.json, targets.json, ...
 *   <home>/sigstore/<host[_port][_path]>/targets/trusted_root.json
 *
 * sign_sigstore_update runs the TUF workflow; sign_sigstore_trusted_root
 * reads the cache and says whether its TUF metadata has expired since.
 */
#include "ctx.h"
#include "sigstore_tuf.h"
#include "tuf1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRUSTED_ROOT_TARGET "trusted_root.json"
#define TRUSTED_ROOT_MAX    (4u << 20)

int signp_sigstore_cache_dir(sign_buf *out, const char *home, const char *tuf_url, sign_error *err)
{
	const char *p;
	size_t n;
	if (strncmp(tuf_url, "https://", 8) == 0)
		p = tuf_url + 8;
	else if (strncmp(tuf_url, "http://", 7) == 0)
		p = tuf_url + 7;
	else
		return signp_err(err, SIGN_EINVAL, "TUF repository %.200s: not an http(s) URL", tuf_url);
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n == 0 || n > 200)
		return signp_err(err, SIGN_EINVAL, "TUF repository %.200s: no host or too long", tuf_url);
	signp_buf_clear(out);
	if (signp_buf_puts(out, home) != SIGN_OK || signp_buf_puts(out, "/sigstore/") != SIGN_OK)
		goto nomem;
	for (; n > 0; n--, p++) {
		char ch = *p;
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			    ch == '.' || ch == '-'))
			ch = '_';
		if (signp_buf_putc(out, ch) != SIGN_OK)
			goto nomem;
	}
	if (strcmp(out->ptr + strlen(home) + 10, ".") == 0 ||
	    strcmp(out->ptr + strlen(home) + 10, "..") == 0)
		return signp_err(err, SIGN_EINVAL, "TUF repository %.200s: bad host", tuf_url);
	return SIGN_OK;
nomem:
	return signp_err(err, SIGN_ENOMEM, "TUF repository: out of memory");
}

/* The trust anchor of a first update into an empty cache. */
static int bootstrap(const signp_tuf1_ops *ops, const char *tuf_url, const char *root_file,
	sign_error *err)
{
	sign_buf b = SIGN_BUF_INIT;
	int rc;
	if (root_file != NULL) {
		if ((rc = signp_read_file_ex(&b, root_file, SIGNP_TUF1_ROOT_MAX, SIGNP_READ_FOREIGN,
			     err)) != SIGN_OK)
			return signp_err_prefix(err, rc, "--tuf-root");
		rc = signp_tuf1_init(ops, b.ptr, b.size, err);
		sign_buf_dispose(&b);
		return rc;
	}
	if (strcmp(tuf_url, SIGN_SIGSTORE_TUF_URL) != 0) {
		rc = signp_err(err, SIGN_EINVAL, "TUF repository %.200s: no trusted root.json yet",
			tuf_url);
		signp_err_hint(err, "give the repository's initial root.json with --tuf-root FILE");
		return rc;
	}
	return signp_tuf1_init(ops, signp_sigstore_root_json, signp_sigstore_root_json_len, err);
}

static int json_answer(sign_buf *out, const char *url, const signp_tuf1_client *c,
	const char *dir, const char *path, sign_error *err)
{
	sign_buf ts = SIGN_BUF_INIT;
	sign_error ignored;
	signp_tuf1_meta *m = NULL;
	json_t *j;
	char *s;
	int rc = SIGN_OK;

	memset(&ignored, 0, sizeof(ignored));
	if (signp_tuf1_dir_load((void *)dir, "timestamp.json", SIGNP_TUF1_TIMESTAMP_MAX, &ts,
		    &ignored) == SIGN_OK)
		(void)signp_tuf1_meta_parse(&m, ts.ptr, ts.size, SIGNP_TUF1_TIMESTAMP, "timestamp",
			&ignored);
	j = json_pack("{s:s, s:I, s:I, s:s}", "tuf_url", url, "root_version",
		(json_int_t)signp_tuf1_root_version(c), "timestamp_version",
		(json_int_t)(m ? m->version : 0), "trusted_root", path);
	if (j != NULL && m != NULL) {
		char when[32];
		signp_time_format(when, m->expires);
		json_object_set_new(j, "timestamp_expires", json_string(when));
	}
	s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (s == NULL || signp_buf_puts(out, s) != SIGN_OK)
		rc = signp_err(err, SIGN_ENOMEM, "out of memory");
	free(s);
	json_decref(j);
	signp_tuf1_meta_free(m);
	sign_buf_dispose(&ts);
	return rc;
}

int sign_sigstore_update(sign_buf *json_out, sign_ctx *ctx, const char *tuf_url,
	const char *tuf_root_file, sign_error *err)
{
	sign_buf dir = SIGN_BUF_INIT, tdir = SIGN_BUF_INIT, tpath = SIGN_BUF_INIT,
		 data = SIGN_BUF_INIT, probe = SIGN_BUF_INIT;
	signp_tuf1_http *http = NULL;
	signp_tuf1_client *c = NULL;
	signp_tuf1_ops ops;
	const json_t *info;
	sign_error ignored;
	int rc;

	memset(&ignored, 0, sizeof(ignored));
	if (ctx == NULL)
		return signp_err(err, SIGN_EINVAL, "sigstore update: no context");
	if (tuf_url == NULL)
		tuf_url = SIGN_SIGSTORE_TUF_URL;
	if ((rc = signp_sigstore_cache_dir(&dir, ctx->home, tuf_url, err)) != SIGN_OK)
		goto out;
	if ((rc = signp_path_join(&tdir, dir.ptr, "targets")) != SIGN_OK ||
	    (rc = signp_path_join(&tpath, tdir.ptr, TRUSTED_ROOT_TARGET)) != SIGN_OK) {
		rc = signp_err(err, SIGN_ENOMEM, "sigstore update: out of memory");
		goto out;
	}
	if ((rc = signp_mkdirs(tdir.ptr, 0700, err)) != SIGN_OK)
		goto out;
	if ((rc = signp_tuf1_http_new(&http, tuf_url, dir.ptr, ctx->ca_file, ctx->timeout, err)) !=
	    SIGN_OK)
		goto out;
	signp_tuf1_http_ops(&ops, http);
	rc = ops.load(ops.payload, "root.json", SIGNP_TUF1_ROOT_MAX, &probe, err);
	if (rc == SIGN_ENOTFOUND) {
		signp_err_clear(err);
		rc = bootstrap(&ops, tuf_url, tuf_root_file, err);
	} else if (rc != SIGN_OK) {
		signp_err_prefix(err, rc, "cached TUF root");
	}
	if (rc != SIGN_OK)
		goto out;
	/* metadata at the repository's root, targets under targets/ (the
	 * layout of tuf-repo-cdn.sigstore.dev and of sigstore clients) */
	signp_buf_clear(&probe);
	if (signp_buf_puts(&probe, tuf_url) != SIGN_OK ||
	    (probe.size > 0 && probe.ptr[probe.size - 1] != '/' && signp_buf_putc(&probe, '/') != SIGN_OK) ||
	    signp_buf_puts(&probe, "targets/") != SIGN_OK) {
		rc = signp_err(err, SIGN_ENOMEM, "sigstore update: out of memory");
		goto out;
	}
	if ((rc = signp_tuf1_client_new(&c, &ops, tuf_url, probe.ptr, signp_now(), err)) != SIGN_OK ||
	    (rc = signp_tuf1_refresh(c, err)) != SIGN_OK ||
	    (rc = signp_tuf1_find_target(c, TRUSTED_ROOT_TARGET, &info, err)) != SIGN_OK)
		goto tuf_failed;
	if (signp_read_file(&data, tpath.ptr, TRUSTED_ROOT_MAX, &ignored) != SIGN_OK ||
	    signp_tuf1_fileinfo_check(info, data.ptr, data.size, TRUSTED_ROOT_TARGET, &ignored) !=
		    SIGN_OK) {
		if ((rc = signp_tuf1_download_target(c, TRUSTED_ROOT_TARGET, info, &data, err)) !=
		    SIGN_OK)
			goto tuf_failed;
		if ((rc = signp_write_file_atomic(tpath.ptr, data.ptr, data.size, 0644, err)) !=
		    SIGN_OK)
			goto out;
	}
	rc = json_out ? json_answer(json_out, tuf_url, c, dir.ptr, tpath.ptr, err) : SIGN_OK;
	goto out;
tuf_failed:
	signp_err_prefix(err, rc, "TUF repository %.200s", tuf_url);
out:
	signp_tuf1_client_free(c);
	signp_tuf1_http_free(http);
	sign_buf_dispose(&dir);
	sign_buf_dispose(&tdir);
	sign_buf_dispose(&tpath);
	sign_buf_dispose(&data);
	sign_buf_dispose(&probe);
	return rc;
}

static int no_fetch(void *payload, const char *url, size_t max, sign_buf *out, sign_error *err)
{
	(void)payload;
	(void)max;
	(void)out;
	return signp_err(err, SIGN_EINVAL, "%.300s: no download when reading the cache", url);
}

static int no_store(void *payload, const char *name, const void *data, size_t len,
	sign_error *err)
{
	(void)payload;
	(void)data;
	(void)len;
	return signp_err(err, SIGN_EINVAL, "%.100s: no write when reading the cache", name);
}

int sign_sigstore_trusted_root(sign_buf *out, int *expired, sign_ctx *ctx, const char *tuf_url,
	sign_error *err)
{
	sign_buf dir = SIGN_BUF_INIT, path = SIGN_BUF_INIT;
	signp_tuf1_client *c = NULL;
	signp_tuf1_ops ops;
	const json_t *info;
	int rc;

	if (expired != NULL)
		*expired = 0;
	if (ctx == NULL || out == NULL)
		return signp_err(err, SIGN_EINVAL, "sigstore trusted root: no context or output");
	if (tuf_url == NULL)
		tuf_url = SIGN_SIGSTORE_TUF_URL;
	if ((rc = signp_sigstore_cache_dir(&dir, ctx->home, tuf_url, err)) != SIGN_OK)
		goto out;
	if (signp_path_join(&path, dir.ptr, "targets/" TRUSTED_ROOT_TARGET) != SIGN_OK) {
		rc = signp_err(err, SIGN_ENOMEM, "sigstore trusted root: out of memory");
		goto out;
	}
	signp_buf_clear(out);
	if ((rc = signp_read_file(out, path.ptr, TRUSTED_ROOT_MAX, err)) != SIGN_OK)
		goto failed;
	/* the cached metadata checked again, offline: signatures, versions,
	 * lengths and hashes from the cached root down to the file */
	memset(&ops, 0, sizeof(ops));
	ops.fetch = no_fetch;
	ops.load = signp_tuf1_dir_load;
	ops.store = no_store;
	ops.payload = dir.ptr;
	if ((rc = signp_tuf1_client_new(&c, &ops, tuf_url, tuf_url, signp_now(), err)) != SIGN_OK ||
	    (rc = signp_tuf1_load_cached(c, err)) != SIGN_OK ||
	    (rc = signp_tuf1_find_target(c, TRUSTED_ROOT_TARGET, &info, err)) != SIGN_OK ||
	    (rc = signp_tuf1_fileinfo_check(info, out->ptr, out->size, TRUSTED_ROOT_TARGET, err)) !=
		    SIGN_OK) {
		if (rc != SIGN_ENOMEM)
			rc = signp_err_prefix_as(err, SIGN_EVERIFY, "cached TUF metadata");
		goto failed;
	}
	if (expired != NULL)
		*expired = signp_tuf1_cached_expired(c);
	goto out;
failed:
	signp_buf_clear(out);
	signp_err_prefix(err, rc, "cached Sigstore trusted root of %.200s", tuf_url);
	if (rc == SIGN_ENOTFOUND || rc == SIGN_EVERIFY)
		signp_err_hint(err, "run `sign trust sigstore-update%s%s`",
			strcmp(tuf_url, SIGN_SIGSTORE_TUF_URL) ? " --tuf-url " : "",
			strcmp(tuf_url, SIGN_SIGSTORE_TUF_URL) ? tuf_url : "");
out:
	signp_tuf1_client_free(c);
	sign_buf_dispose(&dir);
	sign_buf_dispose(&path);
	return rc;
}

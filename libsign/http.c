/*
 * http.c - HTTP client core on libcurl: the handle, and requests on it.
 *
 * One CURL easy handle per handle, reused for every request so that they
 * share a connection.  Redirects are never followed by libcurl: GETs
 * follow them here (at most 5), sending Authorization only to the
 * server's own origin.  Every answer is bounded (Content-Length checked up
 * front, body counted in the write callback, headers capped: http_xfer.c).
 *
 * TLS: verification on by default.  ca_file is given to CURLOPT_CAINFO,
 * which *replaces* libcurl's default bundle for this handle (so a private
 * registry's CA file should contain what it needs).  insecure turns peer
 * verification off and allows plain HTTP.  Loopback and insecure hosts are
 * tried with scheme_hint (default https) then the other scheme on a
 * connection or TLS failure, like docker does; the scheme that worked is
 * kept.  Idempotent requests are retried on transient failures, with a
 * short back-off.  Authentication is the attached table's (auth.c).
 */
#include "http_int.h"
#include "ref.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REDIRECTS_MAX 5
#define RETRIES_MAX 2

/* ------------------------------------------------------------------------ */
/* small helpers                                                            */

static void err_copy(sign_error *dst, const sign_error *src)
{
	if (dst == NULL || dst->message[0] != '\0' || src->message[0] == '\0')
		return;
	*dst = *src;
}

static void sleep_ms(long ms)
{
	struct timespec ts;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Is url on the server's own origin (scheme, host, port)? */
static int same_origin(const signp_http *r, const char *url)
{
	char a[400], b[400], base[300];
	const char *scheme = r->scheme[0] ? r->scheme : NULL;
	if (!signp_http_url_origin(url, a, sizeof(a)))
		return 0;
	if (scheme == NULL)
		scheme = signp_str_has_prefix(a, "http://") ? "http" : "https";
	snprintf(base, sizeof(base), "%s://%s/", scheme, r->api_host);
	if (!signp_http_url_origin(base, b, sizeof(b)))
		return 0;
	return strcmp(a, b) == 0;
}
static int is_tls_error(CURLcode cc)
{
	switch (cc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
		return 1;
	default:
		return 0;
	}
}

/* Worth trying the other scheme? (never after a timeout) */
static int is_conn_error(CURLcode cc)
{
	return cc == CURLE_COULDNT_CONNECT || cc == CURLE_GOT_NOTHING || cc == CURLE_RECV_ERROR ||
		cc == CURLE_SEND_ERROR || cc == CURLE_WEIRD_SERVER_REPLY || cc == CURLE_HTTP2 ||
		cc == CURLE_UNSUPPORTED_PROTOCOL || is_tls_error(cc);
}

/* Transient: retry an idempotent request. */
static int is_retryable_net(CURLcode cc)
{
	return cc == CURLE_GOT_NOTHING || cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR ||
		cc == CURLE_PARTIAL_FILE || cc == CURLE_HTTP2_STREAM;
}

static int net_error(signp_http *r, CURLcode cc, const char *url, sign_error *err)
{
	char host[300];
	const char *why = r->errbuf[0] ? r->errbuf : curl_easy_strerror(cc);
	signp_http_url_host(url, host, sizeof(host));
	if (same_origin(r, url) || host[0] == '\0')
		signp_err(err, SIGN_ENET, "connecting to %s %s: %s", r->label, r->host, why);
	else
		signp_err(err, SIGN_ENET, "connecting to %s (for registry %s): %s", host, r->host, why);
	signp_err_source(err, "curl");
	if (is_tls_error(cc)) {
		if (r->url_mode)
			signp_err_hint(err, "for a %s with a private CA use --ca-file FILE", r->label);
		else if (r->try_both)
			signp_err_hint(err, "if %s speaks plain HTTP or uses a private CA, use "
				"--insecure-registry %s or --ca-file FILE", r->host, r->host);
		else
			signp_err_hint(err, "for a registry with a private CA use --ca-file FILE; "
				"or --insecure-registry %s to skip verification", r->host);
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		signp_err_hint(err, "raise the limit with --timeout SECONDS");
	}
	return SIGN_ENET;
}

/* ------------------------------------------------------------------------ */
/* a request on one URL: auth and retries                                   */

void signp_http_set_auth(signp_http *r, const signp_http_auth_ops *ops, void *state)
{
	r->auth = ops;
	r->auth_state = state;
}

/* The Authorization line of the attached authentication, if any. */
static int auth_line(signp_http *r, const signp_http_req *q, sign_buf *out, int *creds_sent)
{
	*creds_sent = 0;
	return r->auth != NULL ? r->auth->header(r->auth_state, q, out, creds_sent) : SIGN_OK;
}

int signp_http_send_url(signp_http *r, const signp_http_req *q, const char *url, signp_http_xfer *x,
	int *conn_failed, sign_error *err)
{
	int attempt = 0, authed = 0, rc;
	int origin = q->no_auth ? 0 : same_origin(r, url);
	*conn_failed = 0;

	for (;;) {
		sign_buf auth = SIGN_BUF_INIT;
		CURLcode cc;
		int creds_sent = 0;
		if (q->no_auth) {
			if (q->auth_header != NULL)
				signp_buf_puts(&auth, q->auth_header);
		} else if (origin) {
			rc = auth_line(r, q, &auth, &creds_sent);
			if (rc != SIGN_OK) {
				signp_buf_dispose_secure(&auth);
				return signp_err(err, SIGN_ENOMEM, "registry request: out of memory");
			}
		}
		cc = signp_http_perform(r, q, url, auth.ptr, x);
		signp_buf_dispose_secure(&auth);
		if (cc == CURLE_WRITE_ERROR && x->err_truncated && x->status > 0)
			cc = CURLE_OK; /* we have the status and the start of the error body */
		x->creds_sent = creds_sent;
		if (x->too_big)
			return signp_err(err, SIGN_EFORMAT, "%s %s: answer exceeds %zu bytes", r->label, r->host, q->max);
		if (x->hdr_too_big)
			return signp_err(err, SIGN_EFORMAT, "%s %s: answer headers exceed %u bytes", r->label, r->host,
				HEADERS_TOTAL_MAX);
		if (x->oom)
			return signp_err(err, SIGN_ENOMEM, "%s %s: out of memory", r->label, r->host);
		if (q->src != NULL && q->src->ferr)
			return signp_err_errno(err, SIGN_EIO, "reading the upload for registry %s", r->host);
		if (cc != CURLE_OK) {
			if (q->idempotent && attempt < RETRIES_MAX && is_retryable_net(cc) &&
			    !signp_http_deadline_within(r, attempt == 0 ? 200 : 600)) {
				sleep_ms(attempt == 0 ? 200 : 600);
				attempt++;
				continue;
			}
			*conn_failed = is_tls_error(cc) ? 2 : is_conn_error(cc);
			return net_error(r, cc, url, err);
		}
		/* a 401 goes to the attached authentication once; without
		 * one, it stands */
		if (x->status == 401 && origin && !authed && r->auth != NULL) {
			authed = 1;
			rc = r->auth->challenge(r->auth_state, q, x, err);
			if (rc != SIGN_OK)
				return rc;
			if (x->www_auth.size > 0)
				continue;
			return SIGN_OK;
		}
		if ((x->status == 429 || (x->status >= 500 && x->status <= 599 && x->status != 501 &&
		    x->status != 505)) && q->idempotent && attempt < RETRIES_MAX) {
			long ms = attempt == 0 ? 200 : 600;
			if (x->retry_after >= 0)
				ms = x->retry_after > 2 ? 2000 : x->retry_after * 1000;
			if (signp_http_deadline_within(r, ms))
				return SIGN_OK; /* no time for another try: this answer stands */
			sleep_ms(ms);
			attempt++;
			continue;
		}
		return SIGN_OK;
	}
}

int signp_http_send(signp_http *r, const signp_http_req *q, const char *path, signp_http_xfer *x,
	char **url_out, sign_error *err)
{
	const char *schemes[2];
	int n = 0, i, rc = SIGN_ERROR, first_tls = 0;
	sign_error first;
	memset(&first, 0, sizeof(first));
	if (url_out != NULL)
		*url_out = NULL;
	if (r->scheme[0]) {
		schemes[n++] = r->scheme;
	} else if (r->try_both) {
		schemes[n++] = r->hint;
		schemes[n++] = strcmp(r->hint, "https") == 0 ? "http" : "https";
	} else {
		schemes[n++] = "https";
	}
	for (i = 0; i < n; i++) {
		sign_buf url = SIGN_BUF_INIT;
		sign_error e;
		int conn_failed = 0;
		memset(&e, 0, sizeof(e));
		if (signp_buf_printf(&url, "%s://%s%s%s", schemes[i], r->api_host, r->base_path, path) != SIGN_OK) {
			sign_buf_dispose(&url);
			return signp_err(err, SIGN_ENOMEM, "registry request: out of memory");
		}
		rc = signp_http_send_url(r, q, url.ptr, x, &conn_failed, &e);
		if (rc == SIGN_OK && i > 0 && first_tls && x->status == 400 && !signp_http_is_error_doc(x)) {
			/* plain HTTP to a TLS port: the TLS failure is the real story
			 * (a registry's own error document means it speaks HTTP) */
			sign_buf_dispose(&url);
			err_copy(err, &first);
			return SIGN_ENET;
		}
		if (rc == SIGN_OK) {
			if (!r->scheme[0])
				signp_strlcpy(r->scheme, schemes[i], sizeof(r->scheme));
			if (url_out != NULL)
				*url_out = signp_buf_detach(&url, NULL);
			sign_buf_dispose(&url);
			return SIGN_OK;
		}
		sign_buf_dispose(&url);
		if (rc != SIGN_ENET && !r->scheme[0])
			signp_strlcpy(r->scheme, schemes[i], sizeof(r->scheme)); /* it answered */
		/* report the first scheme's connection failure, unless the
		 * other scheme got further */
		if (i == 0 || !conn_failed)
			first = e;
		if (i == 0)
			first_tls = conn_failed == 2;
		if (!(rc == SIGN_ENET && conn_failed))
			break;
	}
	err_copy(err, &first);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* transfers sent ahead                                                     */

/* Send q for path on e now, with the handle's credentials. */
static int early_send(signp_http *r, struct early *e, const signp_http_req *q, const char *path)
{
	sign_buf url = SIGN_BUF_INIT, auth = SIGN_BUF_INIT;
	int creds_sent = 0, rc = SIGN_ERROR;
	if (signp_buf_printf(&url, "%s://%s%s%s", r->scheme, r->api_host, r->base_path, path) != SIGN_OK ||
	    (same_origin(r, url.ptr) && auth_line(r, q, &auth, &creds_sent) != SIGN_OK))
		goto out;
	rc = signp_http_early_start(r, e, q, path, url.ptr, auth.ptr, creds_sent);
out:
	sign_buf_dispose(&url);
	signp_buf_dispose_secure(&auth);
	return rc;
}

int signp_http_ahead_start(signp_http *r, const signp_http_req *q, const char *path)
{
	if (r == NULL || !r->scheme[0])
		return SIGN_ERROR;
	signp_http_early_drop(r, r->ahead);
	return early_send(r, r->ahead, q, path);
}

int signp_http_ahead_take(signp_http *r, const char *path, size_t max, signp_http_xfer *x)
{
	return signp_http_early_take(r, r->ahead, path, max, x);
}

void signp_http_ahead_cancel(signp_http *r)
{
	if (r != NULL)
		signp_http_early_drop(r, r->ahead);
}

void signp_http_side_cancel(signp_http *r)
{
	if (r != NULL)
		signp_http_early_drop(r, r->side);
}

int signp_http_side_get(signp_http *r, const char *path, size_t max)
{
	signp_http_req q;
	if (r == NULL || path == NULL || max == 0 || strcmp(r->scheme, "http") != 0 ||
	    r->side->state != 0 || !signp_http_path_ok(path))
		return SIGN_ERROR;
	if (r->side->c == NULL && (r->side->c = curl_easy_init()) == NULL)
		return SIGN_ERROR;
	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.max = max;
	q.idempotent = 1;
	return early_send(r, r->side, &q, path);
}

/* ------------------------------------------------------------------------ */
/* handle                                                                   */

int signp_http_new(signp_http **out, const signp_http_options *opts, sign_error *err)
{
	signp_http *r = NULL;
	const char *api, *hostname;
	char url_scheme[8] = "", url_host[256] = "", url_path[512] = "";
	size_t i, n;
	if (out == NULL || opts == NULL || (opts->host == NULL && opts->base_url == NULL))
		return signp_err(err, SIGN_EINVAL, "registry: no host given");
	*out = NULL;
	if (opts->base_url != NULL) {
		if (!signp_http_parse_base_url(opts->base_url, url_scheme, url_host, url_path))
			return signp_err(err, SIGN_EINVAL, "%s: invalid URL \"%.120s\" (want http[s]://HOST[:PORT][/PATH])",
				opts->label ? opts->label : "registry", opts->base_url);
		hostname = url_host;
	} else {
		hostname = opts->host;
	}
	n = strlen(hostname);
	if (n == 0 || n >= 256)
		return signp_err(err, SIGN_EINVAL, "registry: invalid host \"%.64s\"", hostname);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)hostname[i];
		if (!(isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_'))
			return signp_err(err, SIGN_EINVAL, "registry: invalid host \"%.64s\"", hostname);
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return signp_err(err, SIGN_ENOMEM, "registry: out of memory");
	signp_strlcpy(r->host, hostname, sizeof(r->host));
	signp_strlcpy(r->label, (opts->label && opts->label[0]) ? opts->label : "registry", sizeof(r->label));
	if (opts->base_url != NULL) {
		/* a server URL: exactly that scheme, host and path */
		signp_strlcpy(r->api_host, url_host, sizeof(r->api_host));
		signp_strlcpy(r->scheme, url_scheme, sizeof(r->scheme));
		signp_strlcpy(r->base_path, url_path, sizeof(r->base_path));
		r->url_mode = 1;
		r->url_http = strcmp(url_scheme, "http") == 0;
		r->insecure = opts->insecure != 0;
		r->try_both = 0;
	} else {
		api = signp_registry_api_host(hostname);
		signp_strlcpy(r->api_host, api, sizeof(r->api_host));
		r->insecure = opts->insecure != 0;
		r->try_both = r->insecure || signp_host_is_loopback(hostname);
	}
	signp_strlcpy(r->hint, (opts->scheme_hint && strcmp(opts->scheme_hint, "http") == 0) ? "http" : "https",
		sizeof(r->hint));
	r->timeout = opts->timeout > 0 ? opts->timeout : 30;
	r->connect_timeout = opts->connect_timeout > 0 ? opts->connect_timeout : 10;
	if (r->connect_timeout > r->timeout)
		r->connect_timeout = r->timeout;
	if (opts->ca_file != NULL && opts->ca_file[0] && (r->ca_file = signp_strdup(opts->ca_file)) == NULL)
		goto oom;
	r->user_agent = signp_strdup(opts->user_agent ? opts->user_agent : "sign/" SIGN_VERSION);
	if (r->user_agent == NULL)
		goto oom;
	if ((r->ahead = calloc(1, sizeof(*r->ahead))) == NULL ||
	    (r->side = calloc(1, sizeof(*r->side))) == NULL)
		goto oom;
	r->curl = curl_easy_init();
	r->multi = curl_multi_init();
	if (r->curl == NULL || r->multi == NULL) {
		signp_http_free(r);
		return signp_err(err, SIGN_ERROR, "registry %s: cannot initialise libcurl", hostname);
	}
	r->ahead->c = r->curl;
	*out = r;
	return SIGN_OK;
oom:
	signp_http_free(r);
	return signp_err(err, SIGN_ENOMEM, "registry: out of memory");
}

void signp_http_free(signp_http *r)
{
	if (r == NULL)
		return;
	if (r->ahead != NULL)
		signp_http_early_abort(r, r->ahead);
	if (r->side != NULL) {
		signp_http_early_abort(r, r->side);
		if (r->side->c != NULL)
			curl_easy_cleanup(r->side->c);
	}
	free(r->ahead);
	free(r->side);
	if (r->curl != NULL)
		curl_easy_cleanup(r->curl);
	if (r->multi != NULL)
		curl_multi_cleanup(r->multi);
	if (r->auth != NULL && r->auth->free != NULL)
		r->auth->free(r->auth_state);
	free(r->ca_file);
	free(r->user_agent);
	free(r);
}

const char *signp_http_scheme(const signp_http *r)
{
	return (r != NULL && r->scheme[0]) ? r->scheme : NULL;
}

long signp_http_requests(const signp_http *r)
{
	return r ? r->requests : 0;
}

long signp_http_connections(const signp_http *r)
{
	return r ? r->connections : 0;
}

/* ------------------------------------------------------------------------ */
/* generic requests (trust servers)                                         */

int signp_http_request(signp_http *r, const char *method, const char *path,
	const char *content_type, const void *body, size_t len, const char *scope, size_t max,
	sign_buf *resp, long *status, sign_error *err)
{
	int rc;
	signp_http_xfer x;
	signp_http_req q;
	signp_http_body src;
	char *url = NULL;
	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	memset(&src, 0, sizeof(src));
	if (status != NULL)
		*status = 0;
	if (r == NULL || method == NULL || path == NULL || resp == NULL || max == 0)
		return signp_err(err, SIGN_EINVAL, "server request: bad arguments");
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && strcmp(method, "POST") != 0 &&
	    strcmp(method, "PUT") != 0 && strcmp(method, "DELETE") != 0)
		return signp_err(err, SIGN_EINVAL, "%s %s: unsupported method \"%.16s\"", r->label, r->host, method);
	if (!signp_http_path_ok(path))
		return signp_err(err, SIGN_EINVAL, "%s %s: invalid request path", r->label, r->host);
	if (content_type != NULL && !signp_http_header_value_ok(content_type, 255))
		return signp_err(err, SIGN_EINVAL, "%s %s: invalid content type", r->label, r->host);
	if (scope != NULL && (!signp_http_header_value_ok(scope, 900) || strchr(scope, ' ') != NULL))
		return signp_err(err, SIGN_EINVAL, "%s %s: invalid token scope", r->label, r->host);
	if (body == NULL && len > 0)
		return signp_err(err, SIGN_EINVAL, "%s %s: no request body", r->label, r->host);
	q.method = method;
	q.scope = scope;
	q.content_type = content_type;
	q.max = max;
	/* only requests without side effects are sent again */
	q.idempotent = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	if (body != NULL || strcmp(method, "PUT") == 0) {
		src.data = body;
		src.len = len;
		q.src = &src;
	}
	if (strcmp(method, "GET") == 0 && body == NULL && signp_http_early_take(r, r->side, path, max, &x)) {
		rc = SIGN_OK; /* answered on the second connection */
		goto answered;
	}
	rc = signp_http_send(r, &q, path, &x, q.idempotent ? &url : NULL, err);
	if (rc == SIGN_OK && q.idempotent) {
		char what[200];
		snprintf(what, sizeof(what), "%s %.150s", method, path);
		rc = signp_http_follow(r, &q, &url, &x, what, err);
	}
	if (rc != SIGN_OK)
		goto out;
answered:
	if (status != NULL)
		*status = x.status;
	if (signp_http_xfer_take_body(&x, resp) != SIGN_OK)
		rc = signp_err(err, SIGN_ENOMEM, "%s %s: out of memory", r->label, r->host);
out:
	free(url);
	signp_http_xfer_dispose(&x);
	return rc;
}

const char *signp_http_host(const signp_http *r)
{
	return r ? r->host : "";
}

const char *signp_http_label(const signp_http *r)
{
	return r->label;
}

int signp_http_plain_realm_ok(const signp_http *r)
{
	return r->try_both || r->url_http;
}

int signp_http_plain_ok(const signp_http *r, const char *host)
{
	return r->insecure || r->url_http || signp_host_is_loopback(host);
}

/* ------------------------------------------------------------------------ */
/* redirects                                                                */

static int is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

int signp_http_follow(signp_http *r, const signp_http_req *q, char **url, signp_http_xfer *x,
	const char *what, sign_error *err)
{
	int rc, hops = 0, conn_failed = 0;
	while (is_redirect(x->status)) {
		char *next;
		if (++hops > REDIRECTS_MAX)
			return signp_err(err, SIGN_EREGISTRY, "%s: %s %s: more than %d redirects", what, r->label,
				r->host, REDIRECTS_MAX);
		if (x->location.size == 0)
			return signp_err(err, SIGN_EREGISTRY, "%s: %s %s: redirect without Location", what,
				r->label, r->host);
		if (*url == NULL || (next = signp_http_resolve_url(*url, x->location.ptr)) == NULL)
			return signp_err(err, SIGN_EREGISTRY, "%s: %s %s: bad redirect target", what, r->label,
				r->host);
		if (signp_str_has_prefix(*url, "https:") && signp_str_has_prefix(next, "http:") && !r->try_both) {
			signp_http_str_free(next);
			return signp_err(err, SIGN_EREGISTRY, "%s: %s %s redirects from HTTPS to plain HTTP", what,
				r->label, r->host);
		}
		free(*url);
		*url = signp_strdup(next);
		signp_http_str_free(next);
		if (*url == NULL)
			return signp_err(err, SIGN_ENOMEM, "%s: out of memory", what);
		if ((rc = signp_http_send_url(r, q, *url, x, &conn_failed, err)) != SIGN_OK)
			return rc;
	}
	return SIGN_OK;
}

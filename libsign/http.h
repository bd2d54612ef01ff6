/*
 * http.h - HTTP client core on libcurl.  Internal.
 *
 * One handle per server; it keeps one CURL easy handle (so requests share
 * one connection) and one CURLM (so every transfer, the ones sent ahead
 * included, shares one connection cache).  Every answer is hostile:
 * bounded sizes, capped headers, timeouts on every request.
 *
 * The core knows nothing of credentials: whoever makes the handle may
 * attach an authentication table (auth.c does), which the core asks for
 * the Authorization line of a request and hands a 401 answer to.  Calls go
 * one way: the distribution API (registry.c) and auth.c call the core,
 * the core calls auth only through that table.
 */
#ifndef SIGN_HTTP_H
#define SIGN_HTTP_H

#include "common.h"

#include <stdio.h>

#define SIGNP_HTTP_SMALL_MAX (1u << 20)  /* bound of small answers (uploads, errors) */

typedef struct signp_http signp_http;

typedef struct signp_http_options {
	const char *host;          /* host[:port] as in the reference (docker.io allowed) */
	int insecure;              /* plain HTTP allowed, or TLS without verification */
	const char *ca_file;       /* extra CA bundle, or NULL */
	long timeout;              /* seconds, total per request (default 30) */
	long connect_timeout;      /* seconds (default 10) */
	const char *scheme_hint;   /* "https" or "http": try this one first (loopback/insecure) */
	const char *user_agent;    /* NULL: "sign/<version>" */
	/* A server given by URL: "http[s]://HOST[:PORT][/PATH]"; see
	 * signp_registry_options in registry.h. */
	const char *base_url;
	const char *label;         /* what the server is called in messages: NULL "registry" */
} signp_http_options;

/* Bound every transfer of h by *deadline_ms (CLOCK_MONOTONIC milliseconds,
 * 0: no deadline), read before each transfer: its timeouts are capped by
 * the time left, and one started past it fails at once ("deadline
 * exceeded").  deadline_ms must outlive h; NULL removes the bound. */
void signp_http_set_deadline(signp_http *h, const int64_t *deadline_ms);
/* CLOCK_MONOTONIC in milliseconds: the clock of deadlines. */
int64_t signp_monotonic_ms(void);

/* A request body: memory or a file. */
typedef struct signp_http_body {
	const unsigned char *data;
	size_t len;
	size_t pos;
	FILE *fp;
	int ferr;
} signp_http_body;

/* What a request wants. */
typedef struct signp_http_req {
	const char *method;     /* GET HEAD PUT POST DELETE */
	const char *repo;       /* for the token scope; NULL: none */
	const char *from_repo;  /* mount source: pull scope as well */
	int push;               /* scope actions pull,push */
	const char *accept;
	const char *content_type;
	signp_http_body *src;
	size_t max;             /* answer bound */
	int idempotent;
	int no_auth;            /* token requests: no 401 handling, auth_header as given */
	const char *auth_header;
	const char *scope;      /* explicit token scope (generic requests); overrides repo */
} signp_http_req;

/* One answer. */
typedef struct signp_http_xfer {
	size_t max;
	int is_head;
	sign_buf body;
	int too_big;
	int err_truncated; /* an error answer's body was cut at its bound */
	long line_status;  /* from the status line, known before the body */
	char reason[64];
	int hdr_too_big;
	int oom;
	long status;
	char content_type[256];
	char digest[160];
	sign_buf www_auth;
	sign_buf location;
	sign_buf link;
	long retry_after;
	long long content_length;
	size_t header_total;
	int creds_sent;  /* the request carried credentials (or a token got with them) */
} signp_http_xfer;

/* ---- authentication, attached by the handle's maker ---- */

typedef struct signp_http_auth_ops {
	/* The Authorization header line ("Authorization: ...") for q to the
	 * server's own origin into out, or nothing; *creds_sent when it
	 * carries credentials (or a token got with them).  SIGN_ENOMEM. */
	int (*header)(void *state, const signp_http_req *q, sign_buf *out, int *creds_sent);
	/* Answer the 401 in x (a token for Bearer, a switch to Basic):
	 * SIGN_OK, after which the request is sent again when x carried a
	 * challenge, or an error that ends the request. */
	int (*challenge)(void *state, const signp_http_req *q, const signp_http_xfer *x, sign_error *err);
	/* Free state (wiping secrets) with the handle. */
	void (*free)(void *state);
} signp_http_auth_ops;

/* Attach ops over state to h (once, before any request); h owns state
 * from then on, and frees it with ops->free. */
void signp_http_set_auth(signp_http *h, const signp_http_auth_ops *ops, void *state);

/* ---- handle ---- */

int signp_http_new(signp_http **out, const signp_http_options *opts, sign_error *err);
void signp_http_free(signp_http *h);
/* host[:port] of the handle (as in references), for messages and lookups. */
const char *signp_http_host(const signp_http *h);
/* What the server is called in messages ("registry", "notary server"). */
const char *signp_http_label(const signp_http *h);
/* The scheme that worked ("https"/"http"), or NULL before any request. */
const char *signp_http_scheme(const signp_http *h);
long signp_http_requests(const signp_http *h);
long signp_http_connections(const signp_http *h);
/* May a URL on host (a token realm) be plain HTTP?  Only for an insecure
 * server, one on loopback, or one given by an http:// URL. */
int signp_http_plain_ok(const signp_http *h, const char *host);
/* A token realm given as http:// at all (before the host is looked at). */
int signp_http_plain_realm_ok(const signp_http *h);

/* ---- requests ---- */

/* q on a path of the server ("/v2/..."; the base path is prepended): the
 * scheme choice and fallback, auth, retries of idempotent requests.  url_out
 * (optional) receives the URL that answered (free it).  SIGN_OK whenever
 * the server answered: the caller reads x->status. */
int signp_http_send(signp_http *h, const signp_http_req *q, const char *path, signp_http_xfer *x,
	char **url_out, sign_error *err);
/* q on one absolute URL (an upload location, a token realm, a redirect):
 * credentials only to the server's own origin.  *conn_failed: 1 after a
 * connection failure, 2 after a TLS failure. */
int signp_http_send_url(signp_http *h, const signp_http_req *q, const char *url, signp_http_xfer *x,
	int *conn_failed, sign_error *err);
/* Follow the redirects of a GET or HEAD answered in *x, which *url asked:
 * at most 5 hops, never from HTTPS down to plain HTTP (unless the host may
 * speak both); no credentials to another origin.  *x and *url become the
 * last answer and its URL.  what names the request in messages. */
int signp_http_follow(signp_http *h, const signp_http_req *q, char **url, signp_http_xfer *x,
	const char *what, sign_error *err);
void signp_http_xfer_dispose(signp_http_xfer *x);
/* Hand the answer's body to *out (an empty body as ""): SIGN_OK, or
 * SIGN_ENOMEM with *out untouched. */
int signp_http_xfer_take_body(signp_http_xfer *x, sign_buf *out);

/* A request to any path of the server; see signp_registry_request. */
int signp_http_request(signp_http *h, const char *method, const char *path,
	const char *content_type, const void *body, size_t len, const char *scope, size_t max,
	sign_buf *resp, long *status, sign_error *err);

/* ---- transfers sent ahead, idle work (see registry.h) ---- */

/* Send q for path on the handle's connection now and return; its answer
 * is collected by signp_http_ahead_take of the same path. */
int signp_http_ahead_start(signp_http *h, const signp_http_req *q, const char *path);
/* The answer sent ahead for path if it is a plain 200 within max, moved
 * into *x (1); otherwise it is dropped (0). */
int signp_http_ahead_take(signp_http *h, const char *path, size_t max, signp_http_xfer *x);
void signp_http_ahead_cancel(signp_http *h);
int signp_http_side_get(signp_http *h, const char *path, size_t max);
void signp_http_side_cancel(signp_http *h);
int signp_http_add_idle(signp_http *h, void (*fn)(void *), void *arg);
void signp_http_drop_idle(signp_http *h, void (*fn)(void *), void *arg);

/* ---- error answers (http_error.c) ---- */

/* The first error of a registry error body ({"errors":[{"code","message",
 * "detail"}]}, bounded), each field cleaned to printable text and cut to
 * its buffer; empty strings for what is absent or malformed. */
typedef struct signp_registry_errdoc {
	char code[64];
	char msg[300];
	char detail[160];
} signp_registry_errdoc;
void signp_registry_error_doc(signp_registry_errdoc *out, const void *body, size_t len);
/* The body of x is a registry error document ({"errors":[...]}). */
int signp_http_is_error_doc(const signp_http_xfer *x);
/* The error for an unexpected status in x: "<what>: registry HOST: ...",
 * from the error document when there is one.  SIGN_ENOTFOUND, SIGN_EAUTH
 * or SIGN_EREGISTRY. */
int signp_http_status_error(const char *host, const signp_http_xfer *x, sign_error *err,
	const char *fmt, ...) SIGN_ATTR_PRINTF(4, 5);

/* ---- URLs and header values (http_url.c) ---- */

/* loc resolved against base, http or https only; NULL on failure.  Free
 * with signp_http_str_free. */
char *signp_http_resolve_url(const char *base, const char *loc);
/* scheme://host:port of url, lowercase, into out; 0 on failure. */
int signp_http_url_origin(const char *url, char *out, size_t outsz);
/* host[:port] of url into out ("" on failure). */
void signp_http_url_host(const char *url, char *out, size_t outsz);
/* Split a server URL "http[s]://host[:port][/path]" into scheme,
 * host[:port] and path (no trailing slash); no user info, query or
 * fragment.  0 on failure. */
int signp_http_parse_base_url(const char *url, char scheme[8], char host[256], char path[512]);
/* 1..maxlen printable ASCII characters. */
int signp_http_header_value_ok(const char *s, size_t maxlen);
/* "/..." of at most 4096 printable characters, no space and no fragment. */
int signp_http_path_ok(const char *path);
/* s (len bytes; 0: up to its NUL) percent-encoded for a URL; NULL when
 * out of memory.  Free with signp_http_str_free. */
char *signp_http_escape(const char *s, size_t len);
void signp_http_str_free(char *s);

/* ---- multipart/form-data (RFC 7578) in memory (http_multipart.c) ---- */

typedef struct signp_multipart_part {
	const char *name;          /* form field name: no quotes, backslashes or controls */
	const char *filename;      /* same rules */
	const char *content_type;  /* NULL: application/octet-stream */
	const void *data;          /* exact bytes */
	size_t len;
} signp_multipart_part;
/* Build the body with a random 60-hex-digit boundary found in no part:
 * "--B\r\nContent-Disposition: form-data; name=\"N\"; filename=\"F\"\r\n
 * Content-Type: T\r\n\r\n<data>\r\n" per part, then "--B--\r\n".  The
 * request's Content-Type is "multipart/form-data; boundary=B". */
int signp_multipart_build(sign_buf *out, char boundary_out[72], const signp_multipart_part *parts,
	size_t n, sign_error *err);

#endif

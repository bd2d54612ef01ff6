/*
 * registry.c - OCI distribution client on libcurl.
 *
 * One CURL easy handle per registry handle, reused for every request so
 * that they share a connection.  Redirects are never followed by libcurl:
 * blob GETs follow them here (at most 5), sending Authorization only to
 * the registry's own origin.  Every answer is bounded (Content-Length
 * checked up front, body counted in the write callback, headers capped).
 *
 * TLS: verification on by default.  ca_file is given to CURLOPT_CAINFO,
 * which *replaces* libcurl's default bundle for this handle (so a private
 * registry's CA file should contain what it needs).  insecure turns peer
 * verification off and allows plain HTTP.  Loopback and insecure hosts are
 * tried with scheme_hint (default https) then the other scheme on a
 * connection or TLS failure, like docker does; the scheme that worked is
 * kept.
 */
#include "registry.h"
#include "dockercfg.h"
#include "ref.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#define TOKEN_ANSWER_MAX (256u << 10)
#define SMALL_ANSWER_MAX (1u << 20)
#define HEADER_LINE_MAX 8192
#define HEADERS_TOTAL_MAX (64u << 10)
#define TOKEN_CACHE_MAX 16
#define TAGS_PAGES_MAX 100
#define TAGS_PAGE_MAX (4u << 20)
#define REDIRECTS_MAX 5
#define RETRIES_MAX 2
#define CHALLENGE_MAX 16384
#define MANIFEST_PATH_MAX 600 /* "/v2/<repo>/manifests/<ref>" */
#define ERROR_BODY_MAX (64u << 10)

typedef struct token_entry {
	char *scope;
	char *token;  /* sodium_malloc'd */
	size_t token_len;
	int64_t expires;
} token_entry;

struct xfer;

#define IDLE_MAX 4 /* pieces of idle work queued at once (add_idle) */

struct signp_registry {
	CURL *curl;
	CURLM *multi;       /* every transfer runs through it: one connection cache */
	/* transfers sent early, their answers kept for the call that needs
	 * them: a manifest HEAD on curl (signp_registry_head_manifest_start)
	 * and a GET on a second connection (signp_registry_side_get) */
	struct early *ahead;
	struct early *side;
	/* work to run once, while a request is on the wire (add_idle) */
	struct {
		void (*fn)(void *);
		void *arg;
	} idle[IDLE_MAX];
	int nidle;
	char host[256];     /* as in references (docker.io) */
	char api_host[256]; /* what we connect to (registry-1.docker.io) */
	char scheme[8];     /* "" until a request worked */
	char hint[8];
	int try_both;       /* loopback or insecure: https and http */
	int url_mode;       /* made from base_url: scheme fixed, base_path prepended */
	int url_http;       /* ... and that scheme is plain http */
	char base_path[512];/* "" or "/prefix" (no trailing slash) */
	char label[32];     /* "registry", or e.g. "notary server", for messages */
	char *cred_host;    /* second host to look credentials up for, or NULL */
	int insecure;
	char *ca_file;
	char *docker_config;
	const char *docker_auth_config; /* borrowed */
	char *user_agent;
	long timeout;
	long connect_timeout;
	long requests;
	long connections;
	char errbuf[CURL_ERROR_SIZE];
	/* credentials: 0 not loaded yet, 1 loaded, 2 none */
	int creds_state;
	sign_buf user;
	sign_buf secret;
	int use_basic;
	token_entry tokens[TOKEN_CACHE_MAX];
	int ntokens;
};

/* A request body: memory or a file. */
typedef struct body_src {
	const unsigned char *data;
	size_t len;
	size_t pos;
	FILE *fp;
	int ferr;
} body_src;

/* What a request wants. */
typedef struct req {
	const char *method;     /* GET HEAD PUT POST DELETE */
	const char *repo;       /* for the token scope; NULL: none */
	const char *from_repo;  /* mount source: pull scope as well */
	int push;               /* scope actions pull,push */
	const char *accept;
	const char *content_type;
	body_src *src;
	size_t max;             /* answer bound */
	int idempotent;
	int no_auth;            /* token requests: no 401 handling, auth_header as given */
	const char *auth_header;
	const char *scope;      /* explicit token scope (generic requests); overrides repo */
} req;

/* One answer. */
typedef struct xfer {
	size_t max;
	int is_head;
	sign_buf body;
	int too_big;
	int err_truncated; /* an error answer's body was cut at ERROR_BODY_MAX */
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
} xfer;

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


static int header_value_ok(const char *s, size_t maxlen)
{
	size_t i, n = strlen(s);
	if (n == 0 || n > maxlen)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f)
			return 0;
	}
	return 1;
}

static void slist_free_wipe(struct curl_slist *l)
{
	struct curl_slist *p;
	for (p = l; p != NULL; p = p->next) {
		if (p->data)
			sodium_memzero(p->data, strlen(p->data));
	}
	curl_slist_free_all(l);
}

/* ------------------------------------------------------------------------ */
/* URLs                                                                     */

static char *resolve_url(const char *base, const char *loc)
{
	CURLU *u = curl_url();
	char *out = NULL, *scheme = NULL;
	if (u == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, loc, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
	    curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK)
		out = NULL;
	curl_free(scheme);
	curl_url_cleanup(u);
	return out;
}

/* scheme, host and port of url into out; 0 on failure */
static int url_origin(const char *url, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *s = NULL, *h = NULL, *p = NULL;
	int ok = 0;
	if (u == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		size_t i;
		snprintf(out, outsz, "%s://%s:%s", s, h, p);
		for (i = 0; out[i]; i++)
			out[i] = (char)tolower((unsigned char)out[i]);
		ok = 1;
	}
	curl_free(s);
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return ok;
}

static void url_host(const char *url, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *h = NULL, *p = NULL;
	out[0] = '\0';
	if (u == NULL)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &p, 0) == CURLUE_OK)
			snprintf(out, outsz, "%s:%s", h, p);
		else
			snprintf(out, outsz, "%s", h);
	}
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
}

/* Is url on the registry's own origin (scheme, host, port)? */
static int same_origin(const signp_registry *r, const char *url)
{
	char a[400], b[400], base[300];
	const char *scheme = r->scheme[0] ? r->scheme : NULL;
	if (!url_origin(url, a, sizeof(a)))
		return 0;
	if (scheme == NULL)
		scheme = signp_str_has_prefix(a, "http://") ? "http" : "https";
	snprintf(base, sizeof(base), "%s://%s/", scheme, r->api_host);
	if (!url_origin(base, b, sizeof(b)))
		return 0;
	return strcmp(a, b) == 0;
}

/* ------------------------------------------------------------------------ */
/* libcurl callbacks                                                        */

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	xfer *x = ud;
	size_t n = size * nmemb;
	if (x->line_status < 200 || x->line_status > 299) {
		/* error answers: keep the first ERROR_BODY_MAX bytes, then stop */
		if (n > ERROR_BODY_MAX || x->body.size > ERROR_BODY_MAX - n) {
			x->err_truncated = 1;
			return 0;
		}
	} else if (n > x->max || x->body.size > x->max - n) {
		x->too_big = 1;
		return 0;
	}
	if (signp_buf_put(&x->body, ptr, n) != SIGN_OK) {
		x->oom = 1;
		return 0;
	}
	return n;
}

static void xfer_reset_headers(xfer *x)
{
	x->content_type[0] = '\0';
	x->digest[0] = '\0';
	signp_buf_clear(&x->www_auth);
	signp_buf_clear(&x->location);
	signp_buf_clear(&x->link);
	x->retry_after = -1;
	x->content_length = -1;
}

static void append_list(sign_buf *b, const char *v)
{
	if (b->size > 0)
		signp_buf_puts(b, ", ");
	signp_buf_puts(b, v);
}

static size_t header_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	xfer *x = ud;
	size_t n = size * nitems;
	char line[HEADER_LINE_MAX + 1];
	char *colon, *v, *end;
	size_t namelen;

	x->header_total += n;
	if (x->header_total > HEADERS_TOTAL_MAX) {
		x->hdr_too_big = 1;
		return 0;
	}
	if (n >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
		/* a new answer (100 Continue, then the real one) */
		const char *sp = memchr(buf, ' ', n);
		xfer_reset_headers(x);
		x->line_status = 0;
		x->reason[0] = '\0';
		if (sp != NULL && (size_t)(sp - buf) + 4 <= n) {
			size_t i = (size_t)(sp - buf) + 1, o = 0;
			if (isdigit((unsigned char)buf[i]) && isdigit((unsigned char)buf[i + 1]) &&
			    isdigit((unsigned char)buf[i + 2]))
				x->line_status = (buf[i] - '0') * 100 + (buf[i + 1] - '0') * 10 + (buf[i + 2] - '0');
			i += 3;
			while (i < n && buf[i] == ' ')
				i++;
			while (i < n && o + 1 < sizeof(x->reason) && buf[i] != '\r' && buf[i] != '\n') {
				unsigned char c = (unsigned char)buf[i++];
				x->reason[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
			}
			x->reason[o] = '\0';
		}
		return n;
	}
	if (n > HEADER_LINE_MAX)
		return n; /* ignore one oversized header */
	memcpy(line, buf, n);
	line[n] = '\0';
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		line[--n] = '\0';
	colon = strchr(line, ':');
	if (colon == NULL)
		return size * nitems;
	namelen = (size_t)(colon - line);
	*colon = '\0';
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	(void)namelen;
	if (strcasecmp(line, "content-type") == 0) {
		signp_strlcpy(x->content_type, v, sizeof(x->content_type));
	} else if (strcasecmp(line, "docker-content-digest") == 0) {
		signp_strlcpy(x->digest, v, sizeof(x->digest));
	} else if (strcasecmp(line, "www-authenticate") == 0) {
		append_list(&x->www_auth, v);
	} else if (strcasecmp(line, "location") == 0) {
		signp_buf_clear(&x->location);
		signp_buf_puts(&x->location, v);
	} else if (strcasecmp(line, "link") == 0) {
		append_list(&x->link, v);
	} else if (strcasecmp(line, "retry-after") == 0) {
		char *e = NULL;
		long ra = strtol(v, &e, 10);
		if (e != v && *e == '\0' && ra >= 0)
			x->retry_after = ra;
	} else if (strcasecmp(line, "content-length") == 0) {
		char *e = NULL;
		unsigned long long cl;
		errno = 0;
		cl = strtoull(v, &e, 10);
		if (e != v && *e == '\0' && errno == 0 && v[0] != '-') {
			x->content_length = cl > (unsigned long long)LLONG_MAX ? LLONG_MAX : (long long)cl;
			if (!x->is_head && x->line_status >= 200 && x->line_status <= 299 &&
			    cl > (unsigned long long)x->max) {
				x->too_big = 1;
				return 0;
			}
		}
	}
	return size * nitems;
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	body_src *b = ud;
	size_t want = size * nitems, n;
	if (b->fp != NULL) {
		n = fread(buf, 1, want, b->fp);
		if (n == 0 && ferror(b->fp)) {
			b->ferr = 1;
			return CURL_READFUNC_ABORT;
		}
		return n;
	}
	n = b->len - b->pos;
	if (n > want)
		n = want;
	if (n)
		memcpy(buf, b->data + b->pos, n);
	b->pos += n;
	return n;
}

/* ------------------------------------------------------------------------ */
/* one HTTP exchange                                                        */

/* A request is out and its answer has not begun: the time to run the idle
 * work, which would otherwise wait for the server or delay the request. */
static int awaiting_answer(CURL *c)
{
	curl_off_t pre = 0, first = 0;
	return curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pre) == CURLE_OK &&
	       curl_easy_getinfo(c, CURLINFO_STARTTRANSFER_TIME_T, &first) == CURLE_OK &&
	       pre > 0 && first == 0;
}

/* Run the queued idle work, in order; each piece once. */
static void run_idle(signp_registry *r)
{
	int i, n = r->nidle;
	void (*fn[IDLE_MAX])(void *);
	void *arg[IDLE_MAX];
	for (i = 0; i < n; i++) {
		fn[i] = r->idle[i].fn;
		arg[i] = r->idle[i].arg;
	}
	r->nidle = 0;
	for (i = 0; i < n; i++)
		fn[i](arg[i]);
}

static void early_ended(signp_registry *r, CURL *c, CURLcode cc);

/* Drive r->multi until the transfer of c (already added) ends, then take c
 * out of it: c's result, or CURLE_FAILED_INIT when the multi interface
 * itself failed.  An early transfer on another handle goes on meanwhile,
 * and is kept if it ends here. */
static CURLcode multi_wait(signp_registry *r, CURL *c)
{
	CURLcode res = CURLE_OK;
	CURLMsg *m;
	int running = 1, left, done = 0;
	while (!done) {
		if (curl_multi_perform(r->multi, &running) != CURLM_OK) {
			res = CURLE_FAILED_INIT;
			break;
		}
		while ((m = curl_multi_info_read(r->multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			if (m->easy_handle == c) {
				done = 1;
				res = m->data.result;
			} else {
				early_ended(r, m->easy_handle, m->data.result);
			}
		}
		if (done)
			break;
		if (!running) { /* nothing left to drive, yet no end for c */
			res = CURLE_FAILED_INIT;
			break;
		}
		if (r->nidle > 0 && awaiting_answer(c)) {
			run_idle(r);
			continue;
		}
		if (curl_multi_poll(r->multi, NULL, 0, 1000, NULL) != CURLM_OK) {
			res = CURLE_FAILED_INIT;
			break;
		}
	}
	curl_multi_remove_handle(r->multi, c);
	return res;
}

/* Run the transfer set up on r->curl to its end through r->multi. */
static CURLcode run_multi(signp_registry *r)
{
	if (curl_multi_add_handle(r->multi, r->curl) != CURLM_OK)
		return CURLE_FAILED_INIT;
	return multi_wait(r, r->curl);
}

/* After a transfer on c: count it, take its status, drop its header list. */
static void transfer_done(signp_registry *r, CURL *c, xfer *x, struct curl_slist *h)
{
	long nconn = 0;
	r->requests++;
	if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nconn) == CURLE_OK && nconn > 0)
		r->connections += nconn;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x->status);
	/* drop references to our header list before freeing it */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	slist_free_wipe(h);
}

static void ahead_finish(signp_registry *r);

/* Set c (r->curl, or the second connection's handle) up for one exchange;
 * *hout: the header list to free after. */
static CURLcode setup_easy(signp_registry *r, CURL *c, const req *q, const char *url,
	const char *auth, xfer *x, struct curl_slist **hout)
{
	struct curl_slist *h = NULL, *t;
	char line[512];
	int ok = 1;

	*hout = NULL;
	curl_easy_reset(c);
	r->errbuf[0] = '\0';
	x->header_total = 0;
	x->too_big = x->hdr_too_big = x->oom = x->err_truncated = 0;
	x->status = 0;
	x->line_status = 0;
	x->reason[0] = '\0';
	x->max = q->max;
	x->is_head = strcmp(q->method, "HEAD") == 0;
	signp_buf_clear(&x->body);
	xfer_reset_headers(x);

	if (q->accept != NULL) {
		snprintf(line, sizeof(line), "Accept: %s", q->accept);
		ok = ok && (t = curl_slist_append(h, line)) != NULL && (h = t) != NULL;
	}
	if (q->content_type != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", q->content_type);
		ok = ok && (t = curl_slist_append(h, line)) != NULL && (h = t) != NULL;
	}
	if (auth != NULL)
		ok = ok && (t = curl_slist_append(h, auth)) != NULL && (h = t) != NULL;
	if (q->src != NULL || strcmp(q->method, "POST") == 0 || strcmp(q->method, "PUT") == 0)
		ok = ok && (t = curl_slist_append(h, "Expect:")) != NULL && (h = t) != NULL;
	if (!ok) {
		slist_free_wipe(h);
		x->oom = 1;
		return CURLE_OUT_OF_MEMORY;
	}

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, r->connect_timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, r->timeout);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, r->user_agent);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	if (r->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, r->ca_file);
	if (r->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (q->src != NULL) {
		q->src->pos = 0;
		q->src->ferr = 0;
		if (q->src->fp != NULL)
			rewind(q->src->fp);
	}
	if (strcmp(q->method, "GET") == 0) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else if (x->is_head) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (strcmp(q->method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(c, CURLOPT_READDATA, q->src);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(q->src ? q->src->len : 0));
	} else if (strcmp(q->method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		if (q->src != NULL) {
			curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
			curl_easy_setopt(c, CURLOPT_READDATA, q->src);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->src->len);
		} else {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		}
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	}
	*hout = h;
	return CURLE_OK;
}

static CURLcode do_perform(signp_registry *r, const req *q, const char *url,
	const char *auth, xfer *x)
{
	struct curl_slist *h = NULL;
	CURLcode cc;
	/* one handle, one connection: a HEAD sent ahead is answered first */
	ahead_finish(r);
	if ((cc = setup_easy(r, r->curl, q, url, auth, x, &h)) != CURLE_OK)
		return cc;
	cc = run_multi(r);
	transfer_done(r, r->curl, x, h);
	return cc;
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

static int net_error(signp_registry *r, CURLcode cc, const char *url, sign_error *err)
{
	char host[300];
	const char *why = r->errbuf[0] ? r->errbuf : curl_easy_strerror(cc);
	url_host(url, host, sizeof(host));
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
/* registry error bodies                                                    */

static int status_error(const signp_registry *r, const xfer *x, sign_error *err, const char *fmt, ...)
	SIGN_ATTR_PRINTF(4, 5);

void signp_registry_error_doc(signp_registry_errdoc *out, const void *body, size_t len)
{
	char *code = out->code, *msg = out->msg, *detail = out->detail;
	json_t *j = NULL;

	memset(out, 0, sizeof(*out));
	if (body != NULL && len > 0 && len <= SMALL_ANSWER_MAX)
		j = json_loadb(body, len, 0, NULL);
	if (json_is_object(j)) {
		json_t *errs = json_object_get(j, "errors");
		json_t *e0 = json_is_array(errs) ? json_array_get(errs, 0) : NULL;
		if (json_is_object(e0)) {
			json_t *c = json_object_get(e0, "code"), *m = json_object_get(e0, "message");
			json_t *d = json_object_get(e0, "detail");
			if (json_is_string(c))
				signp_clean_copy(code, sizeof(out->code), json_string_value(c),
					json_string_length(c));
			if (json_is_string(m))
				signp_clean_copy(msg, sizeof(out->msg), json_string_value(m),
					json_string_length(m));
			if (json_is_string(d)) {
				signp_clean_copy(detail, sizeof(out->detail), json_string_value(d),
					json_string_length(d));
			} else if (d != NULL && !json_is_null(d)) {
				char *s = json_dumps(d, JSON_COMPACT);
				if (s != NULL)
					signp_clean_copy(detail, sizeof(out->detail), s, strlen(s));
				free(s);
			}
		}
	}
	json_decref(j);
}

static int status_error(const signp_registry *r, const xfer *x, sign_error *err, const char *fmt, ...)
{
	char what[300];
	signp_registry_errdoc doc;
	const char *code = doc.code, *msg = doc.msg, *detail = doc.detail;
	int rc = SIGN_EREGISTRY;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

	signp_registry_error_doc(&doc, x->body.ptr, x->body.size);

	/* not found: a 404, or an *_UNKNOWN code -- except MANIFEST_BLOB_UNKNOWN,
	 * which is a push refused for a missing blob */
	if (x->status == 404 || (code[0] && signp_str_has_suffix(code, "_UNKNOWN") &&
	    strcmp(code, "MANIFEST_BLOB_UNKNOWN") != 0))
		rc = SIGN_ENOTFOUND;
	if (x->status == 401 || x->status == 403 || strcmp(code, "UNAUTHORIZED") == 0 ||
	    strcmp(code, "DENIED") == 0)
		rc = SIGN_EAUTH;

	if (rc == SIGN_EAUTH && x->status == 401) {
		if (x->creds_sent)
			signp_err(err, rc, "%s: registry %s refused the credentials%s%s", what, r->host,
				code[0] ? ": " : "", code);
		else
			signp_err(err, rc, "%s: registry %s requires authentication%s%s", what, r->host,
				code[0] ? ": " : "", code);
		signp_err_hint(err, "run `docker login %s`", r->host);
	} else if (code[0]) {
		signp_err(err, rc, "%s: registry %s: %s: %s%s%s%s", what, r->host, code,
			msg[0] ? msg : "(no message)", detail[0] ? " (" : "", detail, detail[0] ? ")" : "");
		if (rc == SIGN_EAUTH)
			signp_err_hint(err, "check your access to the repository (`docker login %s`)", r->host);
	} else {
		char text[120] = "";
		int textual = x->body.size > 0 &&
			(signp_str_has_prefix(x->content_type, "text/") || x->content_type[0] == '\0');
		if (textual)
			signp_clean_copy(text, sizeof(text), x->body.ptr, x->body.size);
		signp_err(err, rc, "%s: registry %s: HTTP %ld%s%s%s%s", what, r->host, x->status,
			x->reason[0] ? " " : "", x->reason, text[0] ? ": " : "", text);
		if (rc == SIGN_EAUTH)
			signp_err_hint(err, "run `docker login %s`", r->host);
	}
	signp_err_source(err, "registry");
	return rc;
}

/* ------------------------------------------------------------------------ */
/* WWW-Authenticate                                                         */

enum { TK_TOKEN = 1, TK_QUOTED, TK_EQ, TK_COMMA };
typedef struct tok {
	int type;
	char *text;
} tok;

static int tchar(unsigned char c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~/", c) != NULL);
}

/* TOKEN "=" (TOKEN|QUOTED) followed by the end or a comma */
static int param_at(const tok *t, size_t nt, size_t k)
{
	return k + 2 < nt && t[k].type == TK_TOKEN && t[k + 1].type == TK_EQ &&
		(t[k + 2].type == TK_TOKEN || t[k + 2].type == TK_QUOTED) &&
		(k + 3 == nt || t[k + 3].type == TK_COMMA);
}

static int set_buf(sign_buf *b, const char *s)
{
	if (b == NULL)
		return SIGN_OK;
	signp_buf_clear(b);
	return signp_buf_puts(b, s);
}

int signp_auth_parse_challenge(const char *header, char scheme_out[16], sign_buf *realm,
	sign_buf *service, sign_buf *scope)
{
	int rc = SIGN_EFORMAT;
	size_t n, i, nt = 0, k;
	char *scratch = NULL, *w;
	tok *t = NULL;
	int best = 0; /* 1 basic, 2 bearer */
	const char *b_realm = "", *b_service = "", *b_scope = "";

	if (scheme_out != NULL)
		scheme_out[0] = '\0';
	if (header == NULL)
		return SIGN_EFORMAT;
	n = strlen(header);
	if (n == 0 || n > CHALLENGE_MAX)
		return SIGN_EFORMAT;
	scratch = malloc(2 * n + 2);
	t = calloc(n + 1, sizeof(*t));
	if (scratch == NULL || t == NULL) {
		rc = SIGN_ENOMEM;
		goto out;
	}
	/* tokenise */
	w = scratch;
	for (i = 0; i < n;) {
		unsigned char c = (unsigned char)header[i];
		if (c == ' ' || c == '\t') {
			i++;
		} else if (c == ',') {
			t[nt++] = (tok){ TK_COMMA, NULL };
			i++;
		} else if (c == '=') {
			t[nt++] = (tok){ TK_EQ, NULL };
			i++;
		} else if (c == '"') {
			t[nt].type = TK_QUOTED;
			t[nt].text = w;
			i++;
			for (;;) {
				if (i >= n)
					goto out; /* unterminated */
				c = (unsigned char)header[i];
				if (c == '"') {
					i++;
					break;
				}
				if (c == '\\') {
					if (i + 1 >= n)
						goto out;
					c = (unsigned char)header[i + 1];
					i++;
				}
				if (c < 0x20 && c != '\t')
					goto out;
				*w++ = (char)c;
				i++;
			}
			*w++ = '\0';
			nt++;
		} else if (tchar(c)) {
			t[nt].type = TK_TOKEN;
			t[nt].text = w;
			while (i < n && tchar((unsigned char)header[i]))
				*w++ = header[i++];
			*w++ = '\0';
			nt++;
		} else {
			goto out;
		}
	}
	/* parse: challenge = scheme [ token68 | param *( "," param ) ] */
	k = 0;
	while (k < nt) {
		int kind = 0;
		const char *c_realm = "", *c_service = "", *c_scope = "";
		if (t[k].type == TK_COMMA) {
			k++;
			continue;
		}
		if (t[k].type != TK_TOKEN)
			goto out;
		if (strcasecmp(t[k].text, "bearer") == 0)
			kind = 2;
		else if (strcasecmp(t[k].text, "basic") == 0)
			kind = 1;
		k++;
		for (;;) {
			if (param_at(t, nt, k)) {
				const char *name = t[k].text, *val = t[k + 2].text;
				if (strcasecmp(name, "realm") == 0)
					c_realm = val;
				else if (strcasecmp(name, "service") == 0)
					c_service = val;
				else if (strcasecmp(name, "scope") == 0)
					c_scope = val;
				k += 3;
				/* after a comma: another param of this challenge, or a new challenge */
				while (k < nt && t[k].type == TK_COMMA)
					k++;
				continue;
			}
			if (k + 1 < nt && t[k].type == TK_TOKEN && t[k + 1].type == TK_EQ) {
				/* token68 with '=' padding */
				k++;
				while (k < nt && t[k].type == TK_EQ)
					k++;
				if (k < nt && t[k].type != TK_COMMA)
					goto out;
				while (k < nt && t[k].type == TK_COMMA)
					k++;
				continue;
			}
			break; /* next challenge (or a bare token68) starts here */
		}
		if (kind > best) {
			best = kind;
			b_realm = c_realm;
			b_service = c_service;
			b_scope = c_scope;
		}
	}
	if (best == 0) {
		rc = SIGN_ENOTFOUND;
		goto out;
	}
	if (scheme_out != NULL)
		signp_strlcpy(scheme_out, best == 2 ? "bearer" : "basic", 16);
	if (set_buf(realm, b_realm) != SIGN_OK || set_buf(service, b_service) != SIGN_OK ||
	    set_buf(scope, b_scope) != SIGN_OK) {
		rc = SIGN_ENOMEM;
		goto out;
	}
	rc = SIGN_OK;
out:
	free(scratch);
	free(t);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* credentials and tokens                                                   */

static int load_creds(signp_registry *r, sign_error *err)
{
	int rc;
	if (r->creds_state == 1)
		return SIGN_OK;
	if (r->creds_state == 2)
		return SIGN_ENOTFOUND;
	rc = signp_docker_credentials(&r->user, &r->secret, r->docker_config, r->docker_auth_config,
		r->host, err);
	if (rc == SIGN_ENOTFOUND && r->cred_host != NULL)
		rc = signp_docker_credentials(&r->user, &r->secret, r->docker_config,
			r->docker_auth_config, r->cred_host, err);
	if (rc == SIGN_OK) {
		r->creds_state = 1;
		return SIGN_OK;
	}
	if (rc == SIGN_ENOTFOUND) {
		r->creds_state = 2;
		return SIGN_ENOTFOUND;
	}
	return rc;
}

static int basic_header(sign_buf *out, const signp_registry *r)
{
	sign_buf up = SIGN_BUF_INIT;
	int rc = SIGN_ENOMEM;
	size_t need = r->user.size + r->secret.size + 1;
	if (signp_buf_grow(&up, need) != SIGN_OK)
		goto out;
	signp_buf_put(&up, r->user.ptr, r->user.size);
	signp_buf_putc(&up, ':');
	signp_buf_put(&up, r->secret.ptr, r->secret.size);
	if (signp_buf_grow(out, 32 + need * 2) != SIGN_OK)
		goto out;
	signp_buf_puts(out, "Authorization: Basic ");
	rc = signp_b64_encode(out, up.ptr, up.size);
out:
	signp_buf_dispose_secure(&up);
	return rc;
}

static void token_free(token_entry *e)
{
	free(e->scope);
	if (e->token != NULL)
		sodium_free(e->token);
	memset(e, 0, sizeof(*e));
}

static const token_entry *token_find(const signp_registry *r, const char *scope)
{
	int i;
	int64_t now = signp_now();
	for (i = 0; i < r->ntokens; i++) {
		if (strcmp(r->tokens[i].scope, scope) == 0 && r->tokens[i].expires > now)
			return &r->tokens[i];
	}
	return NULL;
}

static int token_put(signp_registry *r, const char *scope, const char *token, size_t len, long expires_in)
{
	token_entry e;
	int i;
	memset(&e, 0, sizeof(e));
	e.scope = signp_strdup(scope);
	e.token = sodium_malloc(len + 1);
	if (e.scope == NULL || e.token == NULL) {
		token_free(&e);
		return SIGN_ENOMEM;
	}
	memcpy(e.token, token, len);
	e.token[len] = '\0';
	e.token_len = len;
	if (expires_in < 60)
		expires_in = 60;
	if (expires_in > 86400)
		expires_in = 86400;
	e.expires = signp_now() + expires_in - 5;
	for (i = 0; i < r->ntokens; i++) {
		if (strcmp(r->tokens[i].scope, scope) == 0) {
			token_free(&r->tokens[i]);
			r->tokens[i] = e;
			return SIGN_OK;
		}
	}
	if (r->ntokens == TOKEN_CACHE_MAX) {
		token_free(&r->tokens[0]);
		memmove(&r->tokens[0], &r->tokens[1], sizeof(r->tokens[0]) * (TOKEN_CACHE_MAX - 1));
		r->ntokens--;
	}
	r->tokens[r->ntokens++] = e;
	return SIGN_OK;
}

/* Scope key of a request: "repository:R:pull[,push][ repository:F:pull]". */
static void scope_key(char *out, size_t outsz, const req *q)
{
	if (q->scope != NULL) {
		snprintf(out, outsz, "%s", q->scope);
		return;
	}
	if (q->repo == NULL) {
		out[0] = '\0';
		return;
	}
	if (q->from_repo != NULL)
		snprintf(out, outsz, "repository:%s:pull,push repository:%s:pull", q->repo, q->from_repo);
	else
		snprintf(out, outsz, "repository:%s:%s", q->repo, q->push ? "pull,push" : "pull");
}

static int request_url(signp_registry *r, const req *q, const char *url, xfer *x,
	int *conn_failed, sign_error *err);
static int follow_redirects(signp_registry *r, const req *q, char **url, xfer *x, const char *what,
	sign_error *err);

/* Get a token from realm for the space-separated scopes. */
static int fetch_token(signp_registry *r, const char *realm, const char *service, const char *scopes,
	int have_creds, sign_error *err)
{
	int rc = SIGN_ERROR;
	sign_buf url = SIGN_BUF_INIT, auth = SIGN_BUF_INIT, form = SIGN_BUF_INIT;
	xfer x;
	req q;
	body_src src;
	json_t *j = NULL;
	int oauth = have_creds && r->user.ptr != NULL && strcmp(r->user.ptr, "<token>") == 0;
	int conn_failed = 0;
	char realm_host[300];
	const char *sc;
	char one[600];

	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	memset(&src, 0, sizeof(src));

	if (!signp_str_has_prefix(realm, "https://") &&
	    !(signp_str_has_prefix(realm, "http://") && (r->try_both || r->url_http))) {
		return signp_err(err, SIGN_EAUTH, "%s %s: token realm \"%.200s\" is not an https URL",
			r->label, r->host, realm);
	}
	url_host(realm, realm_host, sizeof(realm_host));
	if (realm_host[0] == '\0')
		return signp_err(err, SIGN_EAUTH, "%s %s: invalid token realm \"%.200s\"", r->label, r->host, realm);
	/* plain HTTP realms only for an insecure registry or on loopback */
	if (signp_str_has_prefix(realm, "http://") && !r->insecure && !r->url_http &&
	    !signp_host_is_loopback(realm_host))
		return signp_err(err, SIGN_EAUTH, "%s %s: token realm \"%.200s\" is not an https URL",
			r->label, r->host, realm);

	if (oauth) {
		/* OAuth2 refresh-token grant with an identity token */
		char *e;
		signp_buf_puts(&form, "grant_type=refresh_token&client_id=sign&refresh_token=");
		e = curl_easy_escape(r->curl, r->secret.ptr, (int)r->secret.size);
		if (e == NULL)
			goto oom;
		signp_buf_grow(&form, strlen(e) + 1024 + strlen(scopes) * 3);
		signp_buf_puts(&form, e);
		sodium_memzero(e, strlen(e));
		curl_free(e);
		if (service[0]) {
			e = curl_easy_escape(r->curl, service, 0);
			if (e == NULL)
				goto oom;
			signp_buf_printf(&form, "&service=%s", e);
			curl_free(e);
		}
		if (scopes[0]) {
			e = curl_easy_escape(r->curl, scopes, 0);
			if (e == NULL)
				goto oom;
			signp_buf_printf(&form, "&scope=%s", e);
			curl_free(e);
		}
		signp_buf_puts(&url, realm);
		src.data = (const unsigned char *)form.ptr;
		src.len = form.size;
		q.method = "POST";
		q.content_type = "application/x-www-form-urlencoded";
		q.src = &src;
	} else {
		char sep = strchr(realm, '?') ? '&' : '?';
		signp_buf_puts(&url, realm);
		if (service[0]) {
			char *e = curl_easy_escape(r->curl, service, 0);
			if (e == NULL)
				goto oom;
			signp_buf_printf(&url, "%cservice=%s", sep, e);
			sep = '&';
			curl_free(e);
		}
		for (sc = scopes; *sc;) {
			size_t len = strcspn(sc, " ");
			if (len > 0 && len < sizeof(one)) {
				char *e;
				memcpy(one, sc, len);
				one[len] = '\0';
				e = curl_easy_escape(r->curl, one, 0);
				if (e == NULL)
					goto oom;
				signp_buf_printf(&url, "%cscope=%s", sep, e);
				sep = '&';
				curl_free(e);
			}
			sc += len;
			while (*sc == ' ')
				sc++;
		}
		if (have_creds) {
			char *e = curl_easy_escape(r->curl, r->user.ptr, (int)r->user.size);
			if (e == NULL)
				goto oom;
			signp_buf_printf(&url, "%caccount=%s", sep, e);
			curl_free(e);
			if (basic_header(&auth, r) != SIGN_OK)
				goto oom;
		}
		q.method = "GET";
		q.idempotent = 1;
	}
	if (url.ptr == NULL)
		goto oom;
	q.max = TOKEN_ANSWER_MAX;
	q.no_auth = 1;
	q.auth_header = auth.ptr;
	rc = request_url(r, &q, url.ptr, &x, &conn_failed, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status == 401 || x.status == 403) {
		if (have_creds) {
			rc = signp_err(err, SIGN_EAUTH, "%s %s refused the credentials (token server %s: HTTP %ld)",
				r->label, r->host, realm_host, x.status);
			signp_err_hint(err, "run `docker login %s`", r->host);
		} else {
			rc = signp_err(err, SIGN_EAUTH, "%s %s requires authentication (token server %s: HTTP %ld)",
				r->label, r->host, realm_host, x.status);
			signp_err_hint(err, "run `docker login %s`", r->host);
		}
		goto out;
	}
	if (x.status != 200) {
		rc = status_error(r, &x, err, "getting a token from %s", realm_host);
		goto out;
	}
	{
		json_t *tk, *ex;
		const char *tv;
		long expires_in = 60;
		j = json_loadb(x.body.ptr ? x.body.ptr : "", x.body.size, 0, NULL);
		tk = json_object_get(j, "token");
		if (!json_is_string(tk) || json_string_length(tk) == 0)
			tk = json_object_get(j, "access_token");
		if (!json_is_string(tk) || json_string_length(tk) == 0) {
			rc = signp_err(err, SIGN_EAUTH, "%s %s: token server %s sent no token", r->label, r->host, realm_host);
			goto out;
		}
		tv = json_string_value(tk);
		if (!header_value_ok(tv, TOKEN_ANSWER_MAX) || strchr(tv, ' ') != NULL) {
			rc = signp_err(err, SIGN_EAUTH, "%s %s: token server %s sent a malformed token",
				r->label, r->host, realm_host);
			goto out;
		}
		ex = json_object_get(j, "expires_in");
		if (json_is_integer(ex) && json_integer_value(ex) > 0 && json_integer_value(ex) < 1000000)
			expires_in = (long)json_integer_value(ex);
		rc = token_put(r, scopes, tv, json_string_length(tk), expires_in);
		if (rc != SIGN_OK) {
			rc = signp_err(err, SIGN_ENOMEM, "storing a registry token: out of memory");
			goto out;
		}
	}
	rc = SIGN_OK;
	goto out;
oom:
	rc = signp_err(err, SIGN_ENOMEM, "getting a registry token: out of memory");
out:
	signp_json_decref_wipe(j);
	signp_buf_dispose_secure(&form);
	signp_buf_dispose_secure(&auth);
	signp_buf_dispose_secure(&x.body);
	sign_buf_dispose(&x.www_auth);
	sign_buf_dispose(&x.location);
	sign_buf_dispose(&x.link);
	sign_buf_dispose(&url);
	return rc;
}

/* Answer a 401: get a token (Bearer) or switch to Basic. */
static int authenticate(signp_registry *r, const req *q, const xfer *x, sign_error *err)
{
	char scheme[16];
	sign_buf realm = SIGN_BUF_INIT, service = SIGN_BUF_INIT, scope = SIGN_BUF_INIT, scopes = SIGN_BUF_INIT;
	char key[1100];
	int rc, have;

	if (x->www_auth.size == 0)
		return SIGN_OK; /* nothing to do: the 401 stands */
	rc = signp_auth_parse_challenge(x->www_auth.ptr, scheme, &realm, &service, &scope);
	if (rc != SIGN_OK) {
		char shown[120];
		signp_clean_copy(shown, sizeof(shown), x->www_auth.ptr, x->www_auth.size);
		rc = signp_err(err, SIGN_EAUTH, "%s %s: unsupported authentication challenge \"%s\"",
			r->label, r->host, shown);
		goto out;
	}
	rc = load_creds(r, err);
	if (rc != SIGN_OK && rc != SIGN_ENOTFOUND)
		goto out;
	have = rc == SIGN_OK;
	if (strcmp(scheme, "basic") == 0) {
		if (have && strcmp(r->user.ptr ? r->user.ptr : "", "<token>") == 0) {
			rc = signp_err(err, SIGN_EAUTH, "%s %s asks for Basic auth but the docker config "
				"holds an identity token for it", r->label, r->host);
			signp_err_hint(err, "run `docker login %s` with a user name and password", r->host);
			goto out;
		}
		r->use_basic = have;
		rc = SIGN_OK;
		goto out;
	}
	/* bearer */
	if (realm.size == 0) {
		rc = signp_err(err, SIGN_EAUTH, "%s %s: Bearer challenge without a realm", r->label, r->host);
		goto out;
	}
	scope_key(key, sizeof(key), q);
	signp_buf_puts(&scopes, key);
	if (scope.size > 0 && strstr(key, scope.ptr) == NULL) {
		/* the challenge's own scope(s), unless ours already cover it */
		if (scopes.size > 0)
			signp_buf_putc(&scopes, ' ');
		signp_buf_puts(&scopes, scope.ptr);
	}
	if (scopes.ptr == NULL) {
		rc = signp_buf_puts(&scopes, "");
		if (rc != SIGN_OK)
			goto out;
	}
	rc = fetch_token(r, realm.ptr, service.ptr ? service.ptr : "", scopes.ptr, have, err);
	if (rc != SIGN_OK)
		goto out;
	/* file it under our own key as well */
	if (strcmp(scopes.ptr, key) != 0) {
		const token_entry *e = token_find(r, scopes.ptr);
		if (e != NULL) {
			char *tmp = signp_strndup(e->token, e->token_len);
			if (tmp != NULL) {
				token_put(r, key, tmp, strlen(tmp), (long)(e->expires - signp_now() + 5));
				sodium_memzero(tmp, strlen(tmp));
				free(tmp);
			}
		}
	}
	rc = SIGN_OK;
out:
	sign_buf_dispose(&realm);
	sign_buf_dispose(&service);
	sign_buf_dispose(&scope);
	sign_buf_dispose(&scopes);
	return rc;
}

/* The Authorization header line for a request to the registry. */
static int auth_line(signp_registry *r, const req *q, sign_buf *out, int *creds_sent)
{
	char key[1100];
	const token_entry *e;
	*creds_sent = 0;
	if (r->use_basic && r->creds_state == 1) {
		*creds_sent = 1;
		return basic_header(out, r);
	}
	scope_key(key, sizeof(key), q);
	e = token_find(r, key);
	if (e == NULL && q->repo != NULL && !q->push && q->from_repo == NULL) {
		char k2[1100];
		snprintf(k2, sizeof(k2), "repository:%s:pull,push", q->repo);
		e = token_find(r, k2);
	}
	if (e == NULL)
		return SIGN_OK;
	*creds_sent = r->creds_state == 1;
	if (signp_buf_grow(out, e->token_len + 32) != SIGN_OK)
		return SIGN_ENOMEM;
	signp_buf_puts(out, "Authorization: Bearer ");
	return signp_buf_put(out, e->token, e->token_len);
}

/* ------------------------------------------------------------------------ */
/* a request on one URL: auth and retries                                   */

static int request_url(signp_registry *r, const req *q, const char *url, xfer *x,
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
		cc = do_perform(r, q, url, auth.ptr, x);
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
			if (q->idempotent && attempt < RETRIES_MAX && is_retryable_net(cc)) {
				sleep_ms(attempt == 0 ? 200 : 600);
				attempt++;
				continue;
			}
			*conn_failed = is_tls_error(cc) ? 2 : is_conn_error(cc);
			return net_error(r, cc, url, err);
		}
		if (x->status == 401 && origin && !authed) {
			authed = 1;
			rc = authenticate(r, q, x, err);
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
			sleep_ms(ms);
			attempt++;
			continue;
		}
		return SIGN_OK;
	}
}

/* The body is a registry error document ({"errors":[...]}). */
static int is_registry_error(const xfer *x)
{
	json_t *j;
	int yes;
	if (x->body.size == 0 || x->body.size > SMALL_ANSWER_MAX)
		return 0;
	j = json_loadb(x->body.ptr, x->body.size, 0, NULL);
	yes = json_is_array(json_object_get(j, "errors"));
	json_decref(j);
	return yes;
}

/* A request on a registry path ("/v2/..."): scheme choice and fallback.
 * url_out (optional) receives the URL that answered (caller frees). */
static int request(signp_registry *r, const req *q, const char *path, xfer *x, char **url_out,
	sign_error *err)
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
		rc = request_url(r, q, url.ptr, x, &conn_failed, &e);
		if (rc == SIGN_OK && i > 0 && first_tls && x->status == 400 && !is_registry_error(x)) {
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

static void xfer_dispose(xfer *x)
{
	sign_buf_dispose(&x->body);
	sign_buf_dispose(&x->www_auth);
	sign_buf_dispose(&x->location);
	sign_buf_dispose(&x->link);
}

/* Hand the answer's body to *out (an empty body as ""): SIGN_OK, or
 * SIGN_ENOMEM with *out untouched. */
static int xfer_take_body(xfer *x, sign_buf *out)
{
	if (x->body.ptr == NULL && signp_buf_puts(&x->body, "") != SIGN_OK)
		return SIGN_ENOMEM;
	sign_buf_dispose(out);
	*out = x->body;
	memset(&x->body, 0, sizeof(x->body));
	return SIGN_OK;
}

/* A path signp_registry_request may send: "/..." of at most 4096 printable
 * characters, no space and no fragment. */
static int request_path_ok(const char *path)
{
	size_t i, n = strlen(path);
	if (n == 0 || path[0] != '/' || n > 4096)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c <= 0x20 || c >= 0x7f || c == '#')
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------------------------ */
/* transfers sent early                                                     */

/* A transfer sent before its answer is needed, so that the server works on
 * it meanwhile; the call that needs it collects the answer (early_take),
 * and any answer but a plain 200 is dropped and the request made again the
 * normal way, so a result never depends on it. */
struct early {
	int state;               /* 0 none, 1 in flight, 2 answered and kept */
	char path[600];
	CURL *c;                 /* r->curl, or the second connection's handle */
	xfer *x;
	struct curl_slist *h;
	CURLcode cc;
	char errbuf[CURL_ERROR_SIZE];
};

static void early_free_x(struct early *e)
{
	if (e->x != NULL) {
		xfer_dispose(e->x);
		free(e->x);
		e->x = NULL;
	}
}

/* The transfer of c has ended with cc: if it was sent early, count it and
 * keep its answer. */
static void early_ended(signp_registry *r, CURL *c, CURLcode cc)
{
	struct early *e = r->ahead->state == 1 && r->ahead->c == c ? r->ahead :
			  r->side->state == 1 && r->side->c == c ? r->side : NULL;
	if (e == NULL)
		return;
	e->cc = cc;
	curl_multi_remove_handle(r->multi, c);
	transfer_done(r, c, e->x, e->h);
	e->h = NULL;
	e->state = 2;
}

/* Wait for e to end, if it is in flight. */
static void early_finish(signp_registry *r, struct early *e)
{
	if (e->state == 1) {
		CURLcode cc = multi_wait(r, e->c);
		early_ended(r, e->c, cc);
	}
}

/* Stop e where it is (closing its connection if it was in flight; counted,
 * for it was sent) and forget it. */
static void early_abort(signp_registry *r, struct early *e)
{
	if (e->state == 1) {
		curl_multi_remove_handle(r->multi, e->c);
		transfer_done(r, e->c, e->x, e->h);
		e->h = NULL;
	}
	early_free_x(e);
	e->state = 0;
}

/* Forget e: on r->curl it is let end first, so that the one connection
 * stays up; on the second connection it is stopped. */
static void early_drop(signp_registry *r, struct early *e)
{
	if (e->c == r->curl)
		early_finish(r, e);
	early_abort(r, e);
}

/* The answer to e if it was for path and is a plain 200 within max: moved
 * into *x (1).  Anything else (an error, a 401, a retry to make) is dropped
 * and the caller asks again the normal way (0). */
static int early_take(signp_registry *r, struct early *e, const char *path, size_t max, xfer *x)
{
	int ok;
	if (e->state == 0 || strcmp(e->path, path) != 0)
		return 0;
	early_finish(r, e);
	ok = e->cc == CURLE_OK && e->x->status == 200 && !e->x->too_big && !e->x->hdr_too_big &&
	     !e->x->oom && e->x->body.size <= max;
	if (ok) {
		*x = *e->x;
		free(e->x);
		e->x = NULL;
		e->state = 0;
		return 1;
	}
	early_drop(r, e);
	return 0;
}

/* Send q for path on e->c now, with the handle's credentials, and return;
 * SIGN_ERROR (nothing sent) when it cannot be set up. */
static int early_start(signp_registry *r, struct early *e, const req *q, const char *path)
{
	sign_buf url = SIGN_BUF_INIT, auth = SIGN_BUF_INIT;
	int running = 0, creds_sent = 0, rc = SIGN_ERROR;
	if (strlen(path) >= sizeof(e->path))
		return SIGN_ERROR;
	if ((e->x = calloc(1, sizeof(xfer))) == NULL ||
	    signp_buf_printf(&url, "%s://%s%s%s", r->scheme, r->api_host, r->base_path, path) != SIGN_OK ||
	    (same_origin(r, url.ptr) && auth_line(r, q, &auth, &creds_sent) != SIGN_OK))
		goto out;
	e->x->creds_sent = creds_sent;
	if (setup_easy(r, e->c, q, url.ptr, auth.ptr, e->x, &e->h) != CURLE_OK)
		goto out;
	curl_easy_setopt(e->c, CURLOPT_ERRORBUFFER, e->errbuf);
	if (curl_multi_add_handle(r->multi, e->c) != CURLM_OK) {
		curl_easy_setopt(e->c, CURLOPT_HTTPHEADER, NULL);
		slist_free_wipe(e->h);
		e->h = NULL;
		goto out;
	}
	signp_strlcpy(e->path, path, sizeof(e->path));
	e->state = 1;
	/* send it now; the answer is read when it is needed */
	curl_multi_perform(r->multi, &running);
	rc = SIGN_OK;
out:
	if (rc != SIGN_OK)
		early_free_x(e);
	sign_buf_dispose(&url);
	signp_buf_dispose_secure(&auth);
	return rc;
}

/* A HEAD sent ahead shares r->curl: it ends before the next exchange. */
static void ahead_finish(signp_registry *r)
{
	early_finish(r, r->ahead);
}

int signp_registry_add_idle(signp_registry *r, void (*fn)(void *), void *arg)
{
	if (r == NULL || fn == NULL || r->nidle == IDLE_MAX)
		return SIGN_ERROR;
	r->idle[r->nidle].fn = fn;
	r->idle[r->nidle].arg = arg;
	r->nidle++;
	return SIGN_OK;
}

void signp_registry_drop_idle(signp_registry *r, void (*fn)(void *), void *arg)
{
	int i, j = 0;
	if (r == NULL)
		return;
	for (i = 0; i < r->nidle; i++)
		if (r->idle[i].fn != fn || r->idle[i].arg != arg)
			r->idle[j++] = r->idle[i];
	r->nidle = j;
}

void signp_registry_head_manifest_cancel(signp_registry *r)
{
	if (r != NULL)
		early_drop(r, r->ahead);
}

/* q and path for METHOD /v2/<repo>/manifests/<ref>, q set to read a
 * manifest (a PUT then sets what it sends and reads instead); 0 when the
 * path does not fit (check_repo_ref bounds both parts first). */
static int manifest_req(req *q, char path[MANIFEST_PATH_MAX], const char *method, const char *repo,
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
static int served_digest_differs(const xfer *x, const char *want, char shown[80])
{
	if (!x->digest[0] || !signp_str_has_prefix(x->digest, "sha256:") || strcmp(x->digest, want) == 0)
		return 0;
	signp_clean_copy(shown, 80, x->digest, strlen(x->digest));
	return 1;
}

static int check_repo_ref(const signp_registry *r, const char *repo, const char *ref,
	sign_error *err);

int signp_registry_head_manifest_start(signp_registry *r, const char *repo, const char *ref)
{
	char path[MANIFEST_PATH_MAX];
	req q;
	if (r == NULL || ref == NULL || !r->scheme[0] || check_repo_ref(r, repo, ref, NULL) != SIGN_OK)
		return SIGN_ERROR;
	early_drop(r, r->ahead);
	if (!manifest_req(&q, path, "HEAD", repo, ref))
		return SIGN_ERROR;
	return early_start(r, r->ahead, &q, path);
}

void signp_registry_side_cancel(signp_registry *r)
{
	if (r != NULL)
		early_drop(r, r->side);
}

int signp_registry_side_get(signp_registry *r, const char *path, size_t max)
{
	req q;
	if (r == NULL || path == NULL || max == 0 || strcmp(r->scheme, "http") != 0 ||
	    r->side->state != 0 || !request_path_ok(path))
		return SIGN_ERROR;
	if (r->side->c == NULL && (r->side->c = curl_easy_init()) == NULL)
		return SIGN_ERROR;
	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.max = max;
	q.idempotent = 1;
	return early_start(r, r->side, &q, path);
}

/* ------------------------------------------------------------------------ */
/* handle                                                                   */

/* Split a server URL "http[s]://host[:port][/path]" into scheme, host[:port]
 * and path (no trailing slash).  No user info, query or fragment. */
static int parse_base_url(const char *url, char scheme[8], char host[256], char path[512])
{
	CURLU *u = curl_url();
	char *s = NULL, *h = NULL, *p = NULL, *pa = NULL, *x = NULL;
	int ok = 0;
	size_t n;
	if (u == NULL)
		return 0;
	if (strlen(url) > 700 || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
	    (strcmp(s, "http") != 0 && strcmp(s, "https") != 0))
		goto out;
	if (curl_url_get(u, CURLUPART_USER, &x, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &x, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &x, 0) == CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || h[0] == '\0')
		goto out;
	if (curl_url_get(u, CURLUPART_PORT, &p, 0) == CURLUE_OK)
		snprintf(host, 256, "%s:%s", h, p);
	else if (signp_strlcpy(host, h, 256) != 0)
		goto out;
	if (curl_url_get(u, CURLUPART_PATH, &pa, 0) != CURLUE_OK || signp_strlcpy(path, pa, 512) != 0)
		goto out;
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		path[--n] = '\0';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c <= 0x20 || c >= 0x7f)
			goto out;
	}
	signp_strlcpy(scheme, s, 8);
	ok = 1;
out:
	curl_free(s);
	curl_free(h);
	curl_free(p);
	curl_free(pa);
	curl_free(x);
	curl_url_cleanup(u);
	return ok;
}

int signp_registry_new(signp_registry **out, const signp_registry_options *opts, sign_error *err)
{
	signp_registry *r = NULL;
	const char *api, *hostname;
	char url_scheme[8] = "", url_host[256] = "", url_path[512] = "";
	size_t i, n;
	if (out == NULL || opts == NULL || (opts->host == NULL && opts->base_url == NULL))
		return signp_err(err, SIGN_EINVAL, "registry: no host given");
	*out = NULL;
	if (opts->base_url != NULL) {
		if (!parse_base_url(opts->base_url, url_scheme, url_host, url_path))
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
	if (opts->cred_host != NULL && opts->cred_host[0] && strcmp(opts->cred_host, r->host) != 0 &&
	    (r->cred_host = signp_strdup(opts->cred_host)) == NULL)
		goto oom;
	signp_strlcpy(r->hint, (opts->scheme_hint && strcmp(opts->scheme_hint, "http") == 0) ? "http" : "https",
		sizeof(r->hint));
	r->timeout = opts->timeout > 0 ? opts->timeout : 30;
	r->connect_timeout = opts->connect_timeout > 0 ? opts->connect_timeout : 10;
	if (r->connect_timeout > r->timeout)
		r->connect_timeout = r->timeout;
	if (opts->ca_file != NULL && opts->ca_file[0] && (r->ca_file = signp_strdup(opts->ca_file)) == NULL)
		goto oom;
	if (opts->docker_config != NULL && opts->docker_config[0] &&
	    (r->docker_config = signp_strdup(opts->docker_config)) == NULL)
		goto oom;
	r->docker_auth_config = opts->docker_auth_config;
	r->user_agent = signp_strdup(opts->user_agent ? opts->user_agent : "sign/" SIGN_VERSION);
	if (r->user_agent == NULL)
		goto oom;
	if ((r->ahead = calloc(1, sizeof(*r->ahead))) == NULL ||
	    (r->side = calloc(1, sizeof(*r->side))) == NULL)
		goto oom;
	r->curl = curl_easy_init();
	r->multi = curl_multi_init();
	if (r->curl == NULL || r->multi == NULL) {
		signp_registry_free(r);
		return signp_err(err, SIGN_ERROR, "registry %s: cannot initialise libcurl", hostname);
	}
	r->ahead->c = r->curl;
	*out = r;
	return SIGN_OK;
oom:
	signp_registry_free(r);
	return signp_err(err, SIGN_ENOMEM, "registry: out of memory");
}

void signp_registry_free(signp_registry *r)
{
	int i;
	if (r == NULL)
		return;
	if (r->ahead != NULL)
		early_abort(r, r->ahead);
	if (r->side != NULL) {
		early_abort(r, r->side);
		if (r->side->c != NULL)
			curl_easy_cleanup(r->side->c);
	}
	free(r->ahead);
	free(r->side);
	if (r->curl != NULL)
		curl_easy_cleanup(r->curl);
	if (r->multi != NULL)
		curl_multi_cleanup(r->multi);
	for (i = 0; i < r->ntokens; i++)
		token_free(&r->tokens[i]);
	signp_buf_dispose_secure(&r->user);
	signp_buf_dispose_secure(&r->secret);
	free(r->ca_file);
	free(r->cred_host);
	free(r->docker_config);
	free(r->user_agent);
	free(r);
}

const char *signp_registry_scheme(const signp_registry *r)
{
	return (r != NULL && r->scheme[0]) ? r->scheme : NULL;
}

long signp_registry_requests(const signp_registry *r)
{
	return r ? r->requests : 0;
}

long signp_registry_connections(const signp_registry *r)
{
	return r ? r->connections : 0;
}

/* ------------------------------------------------------------------------ */
/* generic requests (trust servers)                                         */

int signp_registry_request(signp_registry *r, const char *method, const char *path,
	const char *content_type, const void *body, size_t len, const char *scope, size_t max,
	sign_buf *resp, long *status, sign_error *err)
{
	int rc;
	xfer x;
	req q;
	body_src src;
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
	if (!request_path_ok(path))
		return signp_err(err, SIGN_EINVAL, "%s %s: invalid request path", r->label, r->host);
	if (content_type != NULL && !header_value_ok(content_type, 255))
		return signp_err(err, SIGN_EINVAL, "%s %s: invalid content type", r->label, r->host);
	if (scope != NULL && (!header_value_ok(scope, 900) || strchr(scope, ' ') != NULL))
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
	if (strcmp(method, "GET") == 0 && body == NULL && early_take(r, r->side, path, max, &x)) {
		rc = SIGN_OK; /* answered on the second connection */
		goto answered;
	}
	rc = request(r, &q, path, &x, q.idempotent ? &url : NULL, err);
	if (rc == SIGN_OK && q.idempotent) {
		char what[200];
		snprintf(what, sizeof(what), "%s %.150s", method, path);
		rc = follow_redirects(r, &q, &url, &x, what, err);
	}
	if (rc != SIGN_OK)
		goto out;
answered:
	if (status != NULL)
		*status = x.status;
	if (xfer_take_body(&x, resp) != SIGN_OK)
		rc = signp_err(err, SIGN_ENOMEM, "%s %s: out of memory", r->label, r->host);
out:
	free(url);
	xfer_dispose(&x);
	return rc;
}

const char *signp_registry_host(const signp_registry *r)
{
	return r ? r->host : "";
}

/* Does data contain the string needle? */
static int contains(const void *data, size_t len, const char *needle)
{
	const unsigned char *d = data, *p;
	size_t nl = strlen(needle);
	if (nl == 0 || len < nl)
		return 0;
	for (p = d; (p = memchr(p, needle[0], len - nl + 1 - (size_t)(p - d))) != NULL; p++)
		if (memcmp(p, needle, nl) == 0)
			return 1;
	return 0;
}

static int mp_token_ok(const char *s)
{
	size_t i, n;
	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n == 0 || n > 255)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

int signp_multipart_build(sign_buf *out, char boundary_out[72], const signp_multipart_part *parts,
	size_t n, sign_error *err)
{
	char boundary[72];
	unsigned char rnd[30];
	int tries, clash = 1, rc = SIGN_ENOMEM;
	size_t i, total = 64;

	if (out == NULL || boundary_out == NULL || (parts == NULL && n > 0))
		return signp_err(err, SIGN_EINVAL, "multipart body: bad arguments");
	for (i = 0; i < n; i++) {
		if (!mp_token_ok(parts[i].name) || !mp_token_ok(parts[i].filename) ||
		    (parts[i].content_type != NULL && !header_value_ok(parts[i].content_type, 255)) ||
		    (parts[i].data == NULL && parts[i].len > 0))
			return signp_err(err, SIGN_EINVAL, "multipart body: invalid part %zu", i);
		if (parts[i].len > SIZE_MAX / 2 - total - 1024)
			return signp_err(err, SIGN_EINVAL, "multipart body: too large");
		total += parts[i].len + 1024;
	}
	/* a random boundary (like Go's mime/multipart), never inside a part */
	for (tries = 0; tries < 8 && clash; tries++) {
		randombytes_buf(rnd, sizeof(rnd));
		signp_hex(boundary, rnd, sizeof(rnd));
		clash = 0;
		for (i = 0; i < n && !clash; i++)
			clash = contains(parts[i].data, parts[i].len, boundary);
	}
	if (clash)
		return signp_err(err, SIGN_ERROR, "multipart body: no usable boundary");
	signp_buf_clear(out);
	if (signp_buf_grow(out, total) != SIGN_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if (signp_buf_printf(out, "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
			    "Content-Type: %s\r\n\r\n", boundary, parts[i].name, parts[i].filename,
			    parts[i].content_type ? parts[i].content_type : "application/octet-stream") != SIGN_OK ||
		    (parts[i].len > 0 && signp_buf_put(out, parts[i].data, parts[i].len) != SIGN_OK) ||
		    signp_buf_puts(out, "\r\n") != SIGN_OK)
			goto out;
	}
	if (signp_buf_printf(out, "--%s--\r\n", boundary) != SIGN_OK)
		goto out;
	memcpy(boundary_out, boundary, strlen(boundary) + 1);
	rc = SIGN_OK;
out:
	if (rc != SIGN_OK)
		signp_err(err, rc, "multipart body: out of memory");
	return rc;
}

/* ------------------------------------------------------------------------ */
/* manifests                                                                */

static int check_repo_ref(const signp_registry *r, const char *repo, const char *ref, sign_error *err)
{
	if (r == NULL)
		return signp_err(err, SIGN_EINVAL, "registry: no handle");
	if (!repo_ok(repo))
		return signp_err(err, SIGN_EINVAL, "registry %s: invalid repository name \"%.100s\"", r->host,
			repo ? repo : "");
	if (ref != NULL && !ref_ok(ref))
		return signp_err(err, SIGN_EINVAL, "registry %s: invalid tag or digest \"%.100s\"", r->host, ref);
	return SIGN_OK;
}

static void media_type_of(char out[256], const xfer *x, const void *body, size_t len)
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
	xfer x;
	req q;
	char path[MANIFEST_PATH_MAX], dg[72], shown[80];
	memset(&x, 0, sizeof(x));
	if ((rc = check_repo_ref(r, repo, ref, err)) != SIGN_OK)
		return rc;
	if (ref == NULL || body == NULL)
		return signp_err(err, SIGN_EINVAL, "fetching a manifest: no reference given");
	if (!manifest_req(&q, path, "GET", repo, ref))
		return signp_err(err, SIGN_EINVAL, "fetching manifest %s:%s: reference too long", repo, ref);
	rc = request(r, &q, path, &x, NULL, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status != 200) {
		rc = status_error(r, &x, err, "fetching manifest %s%s%s", repo, ref[0] && signp_digest_valid(ref) ? "@" : ":", ref);
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
	if (xfer_take_body(&x, body) != SIGN_OK)
		rc = signp_err(err, SIGN_ENOMEM, "fetching manifest: out of memory");
out:
	xfer_dispose(&x);
	return rc;
}

int signp_registry_head_manifest(signp_registry *r, const char *repo, const char *ref,
	char digest_out[80], char media_type_out[256], uint64_t *size_out, sign_error *err)
{
	int rc;
	xfer x;
	req q;
	char path[MANIFEST_PATH_MAX];
	memset(&x, 0, sizeof(x));
	if ((rc = check_repo_ref(r, repo, ref, err)) != SIGN_OK)
		return rc;
	if (ref == NULL)
		return signp_err(err, SIGN_EINVAL, "checking a manifest: no reference given");
	if (!manifest_req(&q, path, "HEAD", repo, ref))
		return signp_err(err, SIGN_EINVAL, "checking manifest %s:%s: reference too long", repo, ref);
	rc = early_take(r, r->ahead, path, SIZE_MAX, &x) ? SIGN_OK : request(r, &q, path, &x, NULL, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status != 200) {
		rc = status_error(r, &x, err, "checking manifest %s%s%s", repo, signp_digest_valid(ref) ? "@" : ":", ref);
		goto out;
	}
	if (!signp_digest_valid(x.digest) || x.content_length < 0) {
		/* no usable digest header: fetch and hash the manifest */
		sign_buf b = SIGN_BUF_INIT;
		char dg[80];
		xfer_dispose(&x);
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
			"exceeds %u", repo, ref, r->host, x.content_length, SIGN_MAX_MANIFEST);
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
	xfer_dispose(&x);
	return rc;
}

int signp_registry_put_manifest(signp_registry *r, const char *repo, const char *ref,
	const void *body, size_t len, const char *media_type, char digest_out[80], sign_error *err)
{
	int rc;
	xfer x;
	req q;
	body_src src;
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
	if (media_type == NULL || !header_value_ok(media_type, 255))
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
	q.max = SMALL_ANSWER_MAX;
	rc = request(r, &q, path, &x, NULL, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status < 200 || x.status > 299) {
		rc = status_error(r, &x, err, "pushing manifest %s%s%s", repo, signp_digest_valid(ref) ? "@" : ":", ref);
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
	xfer_dispose(&x);
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
		return signp_err(err, SIGN_EINVAL, "registry %s: invalid blob digest \"%.80s\"", r->host,
			digest ? digest : "");
	return SIGN_OK;
}

int signp_registry_blob_exists(signp_registry *r, const char *repo, const char *digest,
	uint64_t *size_out, sign_error *err)
{
	int rc;
	xfer x;
	req q;
	char path[600];
	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	if ((rc = check_digest_arg(r, repo, digest, err)) != SIGN_OK)
		return rc;
	q.method = "HEAD";
	q.repo = repo;
	q.max = SMALL_ANSWER_MAX;
	q.idempotent = 1;
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", repo, digest);
	rc = request(r, &q, path, &x, NULL, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status == 404) {
		rc = SIGN_ENOTFOUND; /* an expected answer: err left alone */
		goto out;
	}
	if (x.status != 200 && x.status != 307 && x.status != 302) {
		rc = status_error(r, &x, err, "checking blob %s@%s", repo, digest);
		goto out;
	}
	if (size_out != NULL)
		*size_out = x.content_length >= 0 ? (uint64_t)x.content_length : 0;
	rc = SIGN_OK;
out:
	xfer_dispose(&x);
	return rc;
}

static int is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Follow the redirects of a GET or HEAD answered in *x, which *url asked:
 * at most REDIRECTS_MAX hops, never from HTTPS down to plain HTTP (unless
 * the host may speak both); request_url sends no credentials to another
 * origin.  *x and *url become the last answer and its URL.  what names the
 * request in messages. */
static int follow_redirects(signp_registry *r, const req *q, char **url, xfer *x, const char *what,
	sign_error *err)
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
		if (*url == NULL || (next = resolve_url(*url, x->location.ptr)) == NULL)
			return signp_err(err, SIGN_EREGISTRY, "%s: %s %s: bad redirect target", what, r->label,
				r->host);
		if (signp_str_has_prefix(*url, "https:") && signp_str_has_prefix(next, "http:") && !r->try_both) {
			curl_free(next);
			return signp_err(err, SIGN_EREGISTRY, "%s: %s %s redirects from HTTPS to plain HTTP", what,
				r->label, r->host);
		}
		free(*url);
		*url = signp_strdup(next);
		curl_free(next);
		if (*url == NULL)
			return signp_err(err, SIGN_ENOMEM, "%s: out of memory", what);
		if ((rc = request_url(r, q, *url, x, &conn_failed, err)) != SIGN_OK)
			return rc;
	}
	return SIGN_OK;
}

int signp_registry_get_blob(signp_registry *r, const char *repo, const char *digest, size_t max,
	sign_buf *body, sign_error *err)
{
	int rc;
	xfer x;
	req q;
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
	rc = request(r, &q, path, &x, &url, err);
	if (rc != SIGN_OK)
		goto out;
	if ((rc = follow_redirects(r, &q, &url, &x, what, err)) != SIGN_OK)
		goto out;
	if (x.status != 200) {
		rc = status_error(r, &x, err, "fetching blob %s@%s", repo, digest);
		goto out;
	}
	if (!signp_digest_matches(digest, x.body.ptr ? x.body.ptr : "", x.body.size)) {
		rc = signp_err(err, SIGN_EVERIFY, "fetching blob %s@%s: blob digest mismatch", repo, digest);
		goto out;
	}
	if (xfer_take_body(&x, body) != SIGN_OK)
		rc = signp_err(err, SIGN_ENOMEM, "fetching blob: out of memory");
out:
	free(url);
	xfer_dispose(&x);
	return rc;
}

/* POST an upload session; returns the absolute upload URL. */
static int start_upload(signp_registry *r, const char *repo, char **loc_out, sign_error *err)
{
	int rc;
	xfer x;
	req q;
	char path[600];
	char *url = NULL;
	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	*loc_out = NULL;
	q.method = "POST";
	q.repo = repo;
	q.push = 1;
	q.max = SMALL_ANSWER_MAX;
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", repo);
	rc = request(r, &q, path, &x, &url, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status != 202) {
		rc = status_error(r, &x, err, "starting an upload to %s", repo);
		goto out;
	}
	if (x.location.size == 0 || (*loc_out = resolve_url(url, x.location.ptr)) == NULL) {
		rc = signp_err(err, SIGN_EREGISTRY, "starting an upload to %s: registry %s sent no usable Location",
			repo, r->host);
		goto out;
	}
	rc = SIGN_OK;
out:
	free(url);
	xfer_dispose(&x);
	return rc;
}

static int finish_upload(signp_registry *r, const char *repo, const char *loc, const char *digest,
	body_src *src, sign_error *err)
{
	int rc, conn_failed = 0;
	xfer x;
	req q;
	sign_buf url = SIGN_BUF_INIT;
	char shown[80];
	char *e = curl_easy_escape(r->curl, digest, 0);
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
	q.max = SMALL_ANSWER_MAX;
	rc = request_url(r, &q, url.ptr, &x, &conn_failed, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status != 201 && x.status != 204 && x.status != 200) {
		rc = status_error(r, &x, err, "uploading blob %s@%s", repo, digest);
		goto out;
	}
	if (served_digest_differs(&x, digest, shown)) {
		rc = signp_err(err, SIGN_EVERIFY, "uploading blob %s@%s: the registry stored digest %s",
			repo, digest, shown);
		goto out;
	}
	rc = SIGN_OK;
out:
	curl_free(e);
	sign_buf_dispose(&url);
	xfer_dispose(&x);
	return rc;
}

static void cancel_upload(signp_registry *r, const char *repo, const char *loc)
{
	xfer x;
	req q;
	sign_error ignored;
	int conn_failed;
	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	memset(&ignored, 0, sizeof(ignored));
	q.method = "DELETE";
	q.repo = repo;
	q.push = 1;
	q.max = SMALL_ANSWER_MAX;
	(void)request_url(r, &q, loc, &x, &conn_failed, &ignored);
	xfer_dispose(&x);
}

int signp_registry_put_blob(signp_registry *r, const char *repo, const char *digest,
	const void *data, size_t len, sign_error *err)
{
	int rc;
	char *loc = NULL;
	body_src src;
	if ((rc = check_digest_arg(r, repo, digest, err)) != SIGN_OK)
		return rc;
	if (data == NULL && len > 0)
		return signp_err(err, SIGN_EINVAL, "uploading blob: no data");
	if (!signp_digest_matches(digest, data ? data : "", len))
		return signp_err(err, SIGN_EINVAL, "uploading blob %s@%s: the data does not hash to it", repo, digest);
	rc = signp_registry_blob_exists(r, repo, digest, NULL, err);
	if (rc == SIGN_OK)
		return SIGN_OK;
	if (rc != SIGN_ENOTFOUND)
		return rc;
	rc = start_upload(r, repo, &loc, err);
	if (rc != SIGN_OK)
		goto out;
	memset(&src, 0, sizeof(src));
	src.data = data;
	src.len = len;
	rc = finish_upload(r, repo, loc, digest, &src, err);
out:
	curl_free(loc);
	return rc;
}

int signp_registry_put_blob_file(signp_registry *r, const char *repo, const char *digest,
	const char *path, uint64_t size, sign_error *err)
{
	int rc;
	char *loc = NULL;
	body_src src;
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
	curl_free(loc);
	return rc;
}

int signp_registry_mount_blob(signp_registry *r, const char *repo, const char *digest,
	const char *from_repo, sign_error *err)
{
	int rc;
	xfer x;
	req q;
	char path[1200];
	char *url = NULL, *loc = NULL, *e = NULL, *f = NULL;
	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	if ((rc = check_digest_arg(r, repo, digest, err)) != SIGN_OK)
		return rc;
	if (!repo_ok(from_repo))
		return signp_err(err, SIGN_EINVAL, "mounting a blob: invalid source repository");
	e = curl_easy_escape(r->curl, digest, 0);
	f = curl_easy_escape(r->curl, from_repo, 0);
	if (e == NULL || f == NULL) {
		rc = signp_err(err, SIGN_ENOMEM, "mounting a blob: out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/?mount=%s&from=%s", repo, e, f);
	q.method = "POST";
	q.repo = repo;
	q.from_repo = from_repo;
	q.push = 1;
	q.max = SMALL_ANSWER_MAX;
	rc = request(r, &q, path, &x, &url, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status == 201) {
		rc = SIGN_OK;
		goto out;
	}
	if (x.status == 202) {
		if (x.location.size > 0 && (loc = resolve_url(url, x.location.ptr)) != NULL)
			cancel_upload(r, repo, loc);
		rc = SIGN_ENOTFOUND; /* expected: upload instead; err left alone */
		goto out;
	}
	rc = status_error(r, &x, err, "mounting blob %s from %s into %s", digest, from_repo, repo);
out:
	curl_free(e);
	curl_free(f);
	curl_free(loc);
	free(url);
	xfer_dispose(&x);
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

int signp_registry_tags(signp_registry *r, const char *repo, sign_buf *json_out, sign_error *err)
{
	int rc, page, conn_failed = 0;
	xfer x;
	req q;
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
			rc = request(r, &q, path, &x, &url, err);
		else
			rc = request_url(r, &q, url, &x, &conn_failed, err);
		if (rc != SIGN_OK)
			goto out;
		if (x.status != 200) {
			rc = status_error(r, &x, err, "listing tags of %s", repo);
			goto out;
		}
		j = json_loadb(x.body.ptr ? x.body.ptr : "", x.body.size, 0, NULL);
		if (!json_is_object(j)) {
			json_decref(j);
			rc = signp_err(err, SIGN_EFORMAT, "listing tags of %s: registry %s: answer is not a JSON object",
				repo, r->host);
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
				repo, r->host);
			goto out;
		}
		json_decref(j);
		if (x.link.size == 0 || (next = link_next(x.link.ptr)) == NULL)
			break;
		if (page + 1 >= TAGS_PAGES_MAX) {
			free(next);
			rc = signp_err(err, SIGN_EREGISTRY, "listing tags of %s: registry %s: more than %d pages",
				repo, r->host, TAGS_PAGES_MAX);
			goto out;
		}
		{
			char *abs = resolve_url(url, next);
			free(next);
			if (abs == NULL) {
				rc = signp_err(err, SIGN_EREGISTRY, "listing tags of %s: registry %s: bad Link header",
					repo, r->host);
				goto out;
			}
			free(url);
			url = signp_strdup(abs);
			curl_free(abs);
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
	xfer_dispose(&x);
	return rc;
}

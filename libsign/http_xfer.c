/*
 * http_xfer.c - one HTTP exchange on libcurl: the easy handle set up for a
 * request, the callbacks that bound headers and bodies, the multi loop
 * that runs idle work while the server thinks, and the transfers sent
 * ahead (a HEAD on the same connection, a GET on a second one) whose
 * answers wait for the call that needs them.
 */
#include "http_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#define HEADER_LINE_MAX 8192
#define ERROR_BODY_MAX (64u << 10)

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
/* libcurl callbacks                                                        */

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	signp_http_xfer *x = ud;
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

static void xfer_reset_headers(signp_http_xfer *x)
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
	signp_http_xfer *x = ud;
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
	signp_http_body *b = ud;
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
static void run_idle(signp_http *r)
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

static void early_ended(signp_http *r, CURL *c, CURLcode cc);

/* Drive r->multi until the transfer of c (already added) ends, then take c
 * out of it: c's result, or CURLE_FAILED_INIT when the multi interface
 * itself failed.  An early transfer on another handle goes on meanwhile,
 * and is kept if it ends here. */
static CURLcode multi_wait(signp_http *r, CURL *c)
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
static CURLcode run_multi(signp_http *r)
{
	if (curl_multi_add_handle(r->multi, r->curl) != CURLM_OK)
		return CURLE_FAILED_INIT;
	return multi_wait(r, r->curl);
}

/* After a transfer on c: count it, take its status, drop its header list. */
static void transfer_done(signp_http *r, CURL *c, signp_http_xfer *x, struct curl_slist *h)
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

static void ahead_finish(signp_http *r);

int64_t signp_monotonic_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void signp_http_set_deadline(signp_http *h, const int64_t *deadline_ms)
{
	h->deadline_ms = deadline_ms;
}

int signp_http_deadline_within(const signp_http *h, long ms)
{
	int64_t dl = h->deadline_ms != NULL ? *h->deadline_ms : 0;
	return dl > 0 && signp_monotonic_ms() + ms >= dl;
}

/* The handle's timeouts on c, capped by the time left before its owner's
 * deadline; -1 (errbuf says why) when that time is already up. */
static int apply_deadline(signp_http *r, CURL *c)
{
	long long total = (long long)r->timeout * 1000, conn = (long long)r->connect_timeout * 1000;
	int64_t dl = r->deadline_ms != NULL ? *r->deadline_ms : 0;
	if (dl > 0) {
		int64_t left = dl - signp_monotonic_ms();
		if (left <= 0) {
			snprintf(r->errbuf, sizeof(r->errbuf), "deadline exceeded");
			return -1;
		}
		if (total <= 0 || left < total)
			total = left;
		if (conn <= 0 || left < conn)
			conn = left;
	}
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)conn);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)total);
	return 0;
}

/* Set c (r->curl, or the second connection's handle) up for one exchange;
 * *hout: the header list to free after. */
static CURLcode setup_easy(signp_http *r, CURL *c, const signp_http_req *q, const char *url,
	const char *auth, signp_http_xfer *x, struct curl_slist **hout)
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
	if (apply_deadline(r, c) != 0) {
		slist_free_wipe(h);
		return CURLE_OPERATION_TIMEDOUT;
	}
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

CURLcode signp_http_perform(signp_http *r, const signp_http_req *q, const char *url,
	const char *auth, signp_http_xfer *x)
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

void signp_http_xfer_dispose(signp_http_xfer *x)
{
	sign_buf_dispose(&x->body);
	sign_buf_dispose(&x->www_auth);
	sign_buf_dispose(&x->location);
	sign_buf_dispose(&x->link);
}

int signp_http_xfer_take_body(signp_http_xfer *x, sign_buf *out)
{
	if (x->body.ptr == NULL && signp_buf_puts(&x->body, "") != SIGN_OK)
		return SIGN_ENOMEM;
	sign_buf_dispose(out);
	*out = x->body;
	memset(&x->body, 0, sizeof(x->body));
	return SIGN_OK;
}

/* ------------------------------------------------------------------------ */
/* transfers sent early (struct early: http_int.h)                          */

static void early_free_x(struct early *e)
{
	if (e->x != NULL) {
		signp_http_xfer_dispose(e->x);
		free(e->x);
		e->x = NULL;
	}
}

/* The transfer of c has ended with cc: if it was sent early, count it and
 * keep its answer. */
static void early_ended(signp_http *r, CURL *c, CURLcode cc)
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
static void early_finish(signp_http *r, struct early *e)
{
	if (e->state == 1) {
		CURLcode cc = multi_wait(r, e->c);
		early_ended(r, e->c, cc);
	}
}

/* Stop e where it is (closing its connection if it was in flight; counted,
 * for it was sent) and forget it. */
void signp_http_early_abort(signp_http *r, struct early *e)
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
void signp_http_early_drop(signp_http *r, struct early *e)
{
	if (e->c == r->curl)
		early_finish(r, e);
	signp_http_early_abort(r, e);
}

/* The answer to e if it was for path and is a plain 200 within max: moved
 * into *x (1).  Anything else (an error, a 401, a retry to make) is dropped
 * and the caller asks again the normal way (0). */
int signp_http_early_take(signp_http *r, struct early *e, const char *path, size_t max, signp_http_xfer *x)
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
	signp_http_early_drop(r, e);
	return 0;
}

int signp_http_early_start(signp_http *r, struct early *e, const signp_http_req *q, const char *path,
	const char *url, const char *auth, int creds_sent)
{
	int running = 0;
	if (strlen(path) >= sizeof(e->path))
		return SIGN_ERROR;
	if ((e->x = calloc(1, sizeof(signp_http_xfer))) == NULL)
		return SIGN_ERROR;
	e->x->creds_sent = creds_sent;
	if (setup_easy(r, e->c, q, url, auth, e->x, &e->h) != CURLE_OK)
		goto fail;
	curl_easy_setopt(e->c, CURLOPT_ERRORBUFFER, e->errbuf);
	if (curl_multi_add_handle(r->multi, e->c) != CURLM_OK) {
		curl_easy_setopt(e->c, CURLOPT_HTTPHEADER, NULL);
		slist_free_wipe(e->h);
		e->h = NULL;
		goto fail;
	}
	signp_strlcpy(e->path, path, sizeof(e->path));
	e->state = 1;
	/* send it now; the answer is read when it is needed */
	curl_multi_perform(r->multi, &running);
	return SIGN_OK;
fail:
	early_free_x(e);
	return SIGN_ERROR;
}

/* A HEAD sent ahead shares r->curl: it ends before the next exchange. */
static void ahead_finish(signp_http *r)
{
	early_finish(r, r->ahead);
}

/* ------------------------------------------------------------------------ */
/* idle work                                                                */

int signp_http_add_idle(signp_http *r, void (*fn)(void *), void *arg)
{
	if (r == NULL || fn == NULL || r->nidle == IDLE_MAX)
		return SIGN_ERROR;
	r->idle[r->nidle].fn = fn;
	r->idle[r->nidle].arg = arg;
	r->nidle++;
	return SIGN_OK;
}

void signp_http_drop_idle(signp_http *r, void (*fn)(void *), void *arg)
{
	int i, j = 0;
	if (r == NULL)
		return;
	for (i = 0; i < r->nidle; i++)
		if (r->idle[i].fn != fn || r->idle[i].arg != arg)
			r->idle[j++] = r->idle[i];
	r->nidle = j;
}

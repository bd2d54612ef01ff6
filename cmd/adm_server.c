/*
 * adm_server.c - the HTTPS server of `sign admission`, on libevent's evhttp
 * with bufferevent_openssl.  One thread runs the event loop: it accepts,
 * reads requests, answers the cheap routes, and hands each review to the
 * worker pool (adm_pool.c).  A worker's decision comes back to the loop
 * through an event made active from the worker's thread; only the loop
 * thread touches requests, the histogram and the audit output.
 *
 * A review's state is one atomic word: the worker sets it from PENDING to
 * DONE when its decision is ready, the loop's backstop timer from PENDING
 * to LATE when the deadline (+200 ms) passed first; whoever moves it
 * answers, and the other side's result is dropped.  The job is freed by
 * whichever of the two lets go of it last (a reference count).
 */
#include "adm.h"
#include "cli.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <arpa/inet.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>

#define BACKSTOP_MS 200
#define FLUSH_S 5
/* bodies of the reviews taken and not answered, together: a flood of 3 MiB
 * bodies is refused ("server busy") rather than held in memory */
#define MAX_PENDING_BYTES (128u << 20)
#define HTTP_TIMEOUT_S 30
#define MAX_HEADERS (64 * 1024)

enum { JOB_PENDING, JOB_DONE, JOB_LATE };

typedef struct adm_server adm_server;

typedef struct adm_job {
	adm_server *srv;
	struct evhttp_request *req;
	unsigned char *body;
	size_t len;
	sign_admission_mode mode;
	int64_t received_ms;
	int64_t deadline_ms;
	double t0;                  /* seconds, for the histogram */
	uint64_t seq;               /* the server's count of reviews, for -v's log */
	sign_admission_decision d;  /* the worker's, read by the loop after DONE */
	int rc;
	sign_error err;
	atomic_int state;
	atomic_int refs;
	struct event *done_ev;
	struct event *backstop;
} adm_job;

struct adm_server {
	const adm_config *cfg;
	sign_admission *adm;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	adm_tls tls;
	adm_pool pool;
	adm_metrics metrics;
	size_t pending;             /* reviews taken and not yet answered */
	uint64_t seq;               /* reviews taken so far */
	size_t pending_bytes;       /* their bodies */
	size_t writing;             /* review answers sent and not yet written out */
	struct adm_out *outs;       /* those answers (loop thread) */
	int draining;
	struct event *flush_timer;  /* draining: the longest wait for answers to go out */
	FILE *audit_log;
	struct event *sig_term, *sig_int, *sig_hup, *tls_timer;
};

void adm_log(const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "sign admission: %s\n", line);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- answers ---- */

static void reply(struct evhttp_request *req, int code, const char *reason, const char *type,
	const void *body, size_t len)
{
	struct evbuffer *out = evbuffer_new();
	if (out == NULL) {
		evhttp_send_error(req, HTTP_SERVUNAVAIL, "out of memory");
		return;
	}
	if (len > 0)
		evbuffer_add(out, body, len);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_send_reply(req, code, reason, out);
	evbuffer_free(out);
}

static const char *reason_of(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

/* {"error": message} with the status code */
static void reply_error(struct evhttp_request *req, int code, const char *message)
{
	struct evbuffer *out = evbuffer_new();
	if (out == NULL) {
		evhttp_send_error(req, HTTP_SERVUNAVAIL, "out of memory");
		return;
	}
	evbuffer_add_printf(out, "{\"error\":\"");
	for (const unsigned char *p = (const unsigned char *)message; *p; p++) {
		if (*p == '"' || *p == '\\')
			evbuffer_add_printf(out, "\\%c", *p);
		else if (*p < 0x20)
			evbuffer_add_printf(out, "\\u%04x", *p);
		else
			evbuffer_add(out, p, 1);
	}
	evbuffer_add_printf(out, "\"}\n");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	evhttp_send_reply(req, code, reason_of(code), out);
	evbuffer_free(out);
}

static void write_audit(adm_server *s, const sign_admission_decision *d)
{
	if (d->audit.size == 0)
		return;
	fwrite(d->audit.ptr, 1, d->audit.size, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	if (s->audit_log != NULL) {
		fwrite(d->audit.ptr, 1, d->audit.size, s->audit_log);
		fputc('\n', s->audit_log);
		fflush(s->audit_log);
	}
}

static void maybe_stop(adm_server *s);

/* A review answer on its way out: evhttp calls sent_cb when its last byte
 * went, or closed_cb when the connection goes first (the request is then
 * freed without sent_cb). */
typedef struct adm_out {
	adm_server *srv;
	struct evhttp_connection *evcon;
	struct adm_out *prev, *next;
} adm_out;

static void out_remove(adm_server *s, adm_out *o)
{
	if (o->prev)
		o->prev->next = o->next;
	else
		s->outs = o->next;
	if (o->next)
		o->next->prev = o->prev;
	free(o);
	if (s->writing > 0)
		s->writing--;
}

static void sent_cb(struct evhttp_request *req, void *arg)
{
	adm_out *o = arg;
	adm_server *s = o->srv;
	(void)req;
	out_remove(s, o);
	maybe_stop(s);
}

static void closed_cb(struct evhttp_connection *evcon, void *arg)
{
	adm_server *s = arg;
	adm_out *o = s->outs, *next;
	for (; o != NULL; o = next) {
		next = o->next;
		if (o->evcon == evcon)
			out_remove(s, o);
	}
	maybe_stop(s);
}

/* Draining waits for review answers to be written out, not only queued.  A
 * request whose client went away and that evhttp let go has no connection,
 * and its answer is dropped at once. */
static void track(adm_server *s, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	adm_out *o;
	if (evcon == NULL || (o = calloc(1, sizeof(*o))) == NULL)
		return;
	o->srv = s;
	o->evcon = evcon;
	o->next = s->outs;
	if (s->outs)
		s->outs->prev = o;
	s->outs = o;
	s->writing++;
	evhttp_request_set_on_complete_cb(req, sent_cb, o);
	evhttp_connection_set_closecb(evcon, closed_cb, s);
}

/* Send a decision (the engine's or a refusal), count it, write its audit line. */
static void send_decision(adm_server *s, struct evhttp_request *req, int rc,
	const sign_admission_decision *d, const sign_error *err, double t0)
{
	int result;
	track(s, req);
	if (rc != SIGN_OK || d->answer.size == 0) {
		reply_error(req, 500, err->message[0] ? err->message : "no decision could be written");
		result = ADM_RESULT_ERROR;
	} else {
		reply(req, d->http_status, reason_of(d->http_status), "application/json",
			d->answer.ptr, d->answer.size);
		result = d->http_status != 200 ? ADM_RESULT_ERROR :
			d->allowed ? ADM_RESULT_ALLOW : ADM_RESULT_DENY;
	}
	adm_metrics_observe(&s->metrics, result, now_s() - t0);
	if (rc == SIGN_OK)
		write_audit(s, d);
}

/* A refusal without a worker: busy, draining, past the deadline. */
static void refuse(adm_server *s, struct evhttp_request *req, const void *body, size_t len,
	const char *message, int64_t received_ms, double t0)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	sign_error err;
	int rc;
	memset(&err, 0, sizeof(err));
	rc = sign_admission_refuse(&d, s->adm, body, len, message, received_ms, &err);
	send_decision(s, req, rc, &d, &err, t0);
	sign_admission_decision_dispose(&d);
}

/* ---- jobs ---- */

static void job_unref(adm_job *j)
{
	if (atomic_fetch_sub(&j->refs, 1) != 1)
		return;
	sign_admission_decision_dispose(&j->d);
	free(j->body);
	free(j);
}

/* The loop is done with the job: its events go (loop thread only). */
static void job_release(adm_job *j)
{
	adm_server *s = j->srv;
	event_free(j->done_ev);
	event_free(j->backstop);
	j->done_ev = NULL;
	j->backstop = NULL;
	s->pending--;
	s->pending_bytes -= j->len;
	job_unref(j);
	maybe_stop(s);
}

/* worker thread */
static void job_run(void *arg, sign_admission_worker *w)
{
	adm_job *j = arg;
	int expect = JOB_PENDING;
	if (j->srv->cfg->verbose)
		adm_log("review #%llu started", (unsigned long long)j->seq);
	if (atomic_load(&j->state) == JOB_PENDING)
		j->rc = sign_admission_review(&j->d, w, j->body, j->len, j->mode, j->received_ms,
			j->deadline_ms, &j->err);
	if (atomic_compare_exchange_strong(&j->state, &expect, JOB_DONE))
		event_active(j->done_ev, 0, 0);
	/* else the loop answered at the deadline: this result is dropped */
	job_unref(j);
}

/* loop thread: the worker's decision is ready */
static void job_done_cb(evutil_socket_t fd, short what, void *arg)
{
	adm_job *j = arg;
	(void)fd;
	(void)what;
	send_decision(j->srv, j->req, j->rc, &j->d, &j->err, j->t0);
	job_release(j);
}

/* loop thread: the deadline passed with no decision */
static void job_backstop_cb(evutil_socket_t fd, short what, void *arg)
{
	adm_job *j = arg;
	adm_server *s = j->srv;
	int expect = JOB_PENDING;
	char msg[200];
	(void)fd;
	(void)what;
	if (!atomic_compare_exchange_strong(&j->state, &expect, JOB_LATE))
		return; /* the decision is on its way (job_done_cb) */
	snprintf(msg, sizeof(msg), "deadline exceeded: no decision within %.3g s; denied (fail closed)",
		(double)s->cfg->deadline_ms / 1000.0);
	s->metrics.backstop++;
	refuse(s, j->req, j->body, j->len, msg, j->received_ms, j->t0);
	job_release(j);
}

static void review(adm_server *s, struct evhttp_request *req, sign_admission_mode mode)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	double t0 = now_s();
	int64_t received = sign_admission_now_ms();
	adm_job *j;
	struct timeval tv;

	if (len > ADM_MAX_BODY) {
		reply_error(req, 400, "request body over 3 MiB");
		adm_metrics_observe(&s->metrics, ADM_RESULT_ERROR, now_s() - t0);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL || (j->body = malloc(len + 1)) == NULL) {
		free(j);
		reply_error(req, 503, "server out of memory");
		adm_metrics_observe(&s->metrics, ADM_RESULT_ERROR, now_s() - t0);
		return;
	}
	if (evbuffer_remove(in, j->body, len) != (ev_ssize_t)len) {
		free(j->body);
		free(j);
		reply_error(req, 400, "request body could not be read");
		adm_metrics_observe(&s->metrics, ADM_RESULT_ERROR, now_s() - t0);
		return;
	}
	j->body[len] = '\0';
	j->len = len;
	if (s->draining) {
		refuse(s, req, j->body, len, "server shutting down: the review was not started",
			received, t0);
		free(j->body);
		free(j);
		return;
	}
	{
		/* what needs no request upstream is answered here, in the loop,
		 * without a worker and the two thread switches it costs */
		sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
		sign_error err;
		memset(&err, 0, sizeof(err));
		if (sign_admission_review_cached(&d, s->adm, j->body, len, mode, received, &err) ==
			    SIGN_OK && d.http_status != 0) {
			s->metrics.fast++;
			if (s->cfg->verbose)
				adm_log("review of %zu bytes for %s answered without a worker", len,
					mode == SIGN_ADMISSION_MUTATE ? "/mutate" : "/validate");
			send_decision(s, req, SIGN_OK, &d, &err, t0);
			sign_admission_decision_dispose(&d);
			free(j->body);
			free(j);
			return;
		}
		/* undecided (or no decision could be written): a worker decides */
		sign_admission_decision_dispose(&d);
	}
	j->srv = s;
	j->req = req;
	j->mode = mode;
	j->received_ms = received;
	j->deadline_ms = received + s->cfg->deadline_ms;
	j->t0 = t0;
	sign_admission_decision_dispose(&j->d);
	j->d.version = SIGN_ADMISSION_DECISION_VERSION;
	atomic_init(&j->state, JOB_PENDING);
	atomic_init(&j->refs, 2);
	j->done_ev = event_new(s->base, -1, 0, job_done_cb, j);
	j->backstop = evtimer_new(s->base, job_backstop_cb, j);
	tv.tv_sec = (s->cfg->deadline_ms + BACKSTOP_MS) / 1000;
	tv.tv_usec = (suseconds_t)((s->cfg->deadline_ms + BACKSTOP_MS) % 1000) * 1000;
	if (j->done_ev == NULL || j->backstop == NULL || evtimer_add(j->backstop, &tv) != 0) {
		if (j->done_ev)
			event_free(j->done_ev);
		if (j->backstop)
			event_free(j->backstop);
		refuse(s, req, j->body, len, "server out of resources: the review was not started",
			received, t0);
		free(j->body);
		free(j);
		return;
	}
	s->pending++;
	s->pending_bytes += len;
	j->seq = ++s->seq;
	if (s->cfg->verbose)
		adm_log("review #%llu of %zu bytes taken for %s (%zu pending)",
			(unsigned long long)j->seq, len,
			mode == SIGN_ADMISSION_MUTATE ? "/mutate" : "/validate", s->pending);
	if ((s->pending > 1 && s->pending_bytes > MAX_PENDING_BYTES) ||
	    adm_pool_push(&s->pool, j) != 0) {
		/* the queue is full: answered at once, never queued */
		if (s->cfg->verbose)
			adm_log("review #%llu refused: server busy", (unsigned long long)j->seq);
		atomic_store(&j->state, JOB_LATE);
		refuse(s, req, j->body, len, "server busy: too many reviews waiting; try again",
			received, t0);
		job_unref(j); /* the worker's reference: no worker will see it */
		job_release(j);
	}
}

/* ---- routes ---- */

static void metrics_route(adm_server *s, struct evhttp_request *req)
{
	sign_admission_stats st = SIGN_ADMISSION_STATS_INIT;
	struct evbuffer *out = evbuffer_new();
	if (out == NULL || sign_admission_stats_get(&st, s->adm) != SIGN_OK ||
	    adm_metrics_write(out, &s->metrics, &st) != 0) {
		if (out)
			evbuffer_free(out);
		reply_error(req, 500, "metrics could not be written");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
		"text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

static void route_cb(struct evhttp_request *req, void *arg)
{
	adm_server *s = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	int post = 0, get = 0;

	if (path == NULL || *path == '\0')
		path = "/";
	if (strcmp(path, "/validate") == 0 || strcmp(path, "/mutate") == 0)
		post = 1;
	else if (strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0 ||
		 strcmp(path, "/metrics") == 0)
		get = 1;
	if (!post && !get) {
		reply_error(req, 404, "no such path: the server answers POST /validate, POST /mutate, "
			"GET /healthz, /readyz and /metrics");
		return;
	}
	if (post && cmd != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
		reply_error(req, 405, "method not allowed: use POST");
		return;
	}
	if (get && cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		reply_error(req, 405, "method not allowed: use GET");
		return;
	}
	if (strcmp(path, "/validate") == 0) {
		review(s, req, SIGN_ADMISSION_VALIDATE);
	} else if (strcmp(path, "/mutate") == 0) {
		review(s, req, SIGN_ADMISSION_MUTATE);
	} else if (strcmp(path, "/healthz") == 0) {
		reply(req, 200, "OK", "text/plain; charset=utf-8", "ok\n", 3);
	} else if (strcmp(path, "/readyz") == 0) {
		sign_admission_stats st = SIGN_ADMISSION_STATS_INIT;
		if (sign_admission_stats_get(&st, s->adm) == SIGN_OK && st.policy_generation > 0 &&
		    !s->draining)
			reply(req, 200, "OK", "text/plain; charset=utf-8", "ready\n", 6);
		else if (s->draining)
			reply(req, 503, "Service Unavailable", "text/plain; charset=utf-8",
				"draining\n", 9);
		else
			reply(req, 503, "Service Unavailable", "text/plain; charset=utf-8",
				"no policy\n", 10);
	} else {
		metrics_route(s, req);
	}
}

/* ---- TLS per connection ---- */

static struct bufferevent *bev_cb(struct event_base *base, void *arg)
{
	adm_server *s = arg;
	SSL *ssl = SSL_new(s->tls.ctx);
	struct bufferevent *bev;
	if (ssl == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
		BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

static void tls_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	adm_server *s = arg;
	char why[1000];
	(void)fd;
	(void)what;
	switch (adm_tls_check(&s->tls, why, sizeof(why))) {
	case 1:
		adm_log("certificate reloaded: %s", s->tls.subject);
		break;
	case -1:
		adm_log("certificate reload failed: %s; keeping %s", why, s->tls.subject);
		break;
	default:
		break;
	}
}

/* ---- signals ---- */

static void hup_cb(evutil_socket_t fd, short what, void *arg)
{
	adm_server *s = arg;
	sign_error err;
	sign_admission_stats st = SIGN_ADMISSION_STATS_INIT;
	int rc;
	(void)fd;
	(void)what;
	memset(&err, 0, sizeof(err));
	rc = sign_admission_load_policy(s->adm, s->cfg->policy, &err);
	(void)sign_admission_stats_get(&st, s->adm);
	if (rc == SIGN_OK)
		adm_log("policy reloaded: generation %llu", (unsigned long long)st.policy_generation);
	else
		adm_log("policy reload failed: %s; keeping generation %llu",
			err.message[0] ? err.message : sign_strerror(rc),
			(unsigned long long)st.policy_generation);
}

static void term_cb(evutil_socket_t fd, short what, void *arg)
{
	adm_server *s = arg;
	(void)fd;
	(void)what;
	if (s->draining)
		return;
	s->draining = 1;
	if (s->bound != NULL) {
		evhttp_del_accept_socket(s->http, s->bound);
		s->bound = NULL;
	}
	adm_log("draining %zu review%s", s->pending, s->pending == 1 ? "" : "s");
	maybe_stop(s);
}

static void flush_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	adm_server *s = arg;
	(void)fd;
	(void)what;
	adm_log("%zu answer%s not written out in time; stopping anyway", s->writing,
		s->writing == 1 ? "" : "s");
	event_base_loopexit(s->base, NULL);
}

/* Draining ends when every review was answered and its answer written out
 * (at most FLUSH_S seconds after the last answer: a client that stopped
 * reading does not hold the server). */
static void maybe_stop(adm_server *s)
{
	struct timeval tv = { FLUSH_S, 0 };
	if (!s->draining || s->pending > 0)
		return;
	if (s->writing == 0) {
		event_base_loopexit(s->base, NULL);
		return;
	}
	if (s->flush_timer == NULL && (s->flush_timer = evtimer_new(s->base, flush_timeout_cb, s)) != NULL)
		evtimer_add(s->flush_timer, &tv);
}

/* ---- start and stop ---- */

static int parse_listen(const char *listen, char *host, size_t hostlen, unsigned *port)
{
	const char *colon;
	size_t hl;
	char *end = NULL;
	long p;
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (close == NULL || close[1] != ':')
			return -1;
		hl = (size_t)(close - listen - 1);
		listen++;
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (colon == NULL)
			return -1;
		hl = (size_t)(colon - listen);
	}
	if (hl == 0 || hl >= hostlen)
		return -1;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || p < 0 || p > 65535)
		return -1;
	*port = (unsigned)p;
	return 0;
}

static int bound_port(struct evhttp_bound_socket *b, char *addr, size_t addrlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	evutil_socket_t fd = evhttp_bound_socket_get_fd(b);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return -1;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		char h[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof(h));
		snprintf(addr, addrlen, "[%s]", h);
		return ntohs(a->sin6_port);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		char h[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &a->sin_addr, h, sizeof(h));
		snprintf(addr, addrlen, "%s", h);
		return ntohs(a->sin_port);
	}
}

int adm_serve(sign_admission *adm, const adm_config *cfg)
{
	adm_server s;
	char why[1000], host[256], addr[300];
	unsigned port = 0;
	int rc = EXIT_USAGE, got;
	sign_error err;
	sign_admission_stats st = SIGN_ADMISSION_STATS_INIT;
	struct timeval one = { 1, 0 };

	memset(&s, 0, sizeof(s));
	memset(&err, 0, sizeof(err));
	s.cfg = cfg;
	s.adm = adm;
	if (parse_listen(cfg->listen, host, sizeof(host), &port) != 0) {
		fprintf(stderr, "sign: --listen %s: want ADDR:PORT\n", cfg->listen);
		return EXIT_USAGE;
	}
	if (adm_tls_init(&s.tls, cfg->cert, cfg->key, why, sizeof(why)) != 0) {
		fprintf(stderr, "sign: TLS certificate: %s\n", why);
		adm_tls_free(&s.tls);
		return EXIT_USAGE;
	}
	if (cfg->audit_log != NULL && (s.audit_log = fopen(cfg->audit_log, "ae")) == NULL) {
		fprintf(stderr, "sign: --audit-log %s: %s\n", cfg->audit_log, strerror(errno));
		adm_tls_free(&s.tls);
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() != 0 || (s.base = event_base_new()) == NULL ||
	    (s.http = evhttp_new(s.base)) == NULL) {
		fprintf(stderr, "sign: starting the event loop failed\n");
		goto out;
	}
	evhttp_set_allowed_methods(s.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
		EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
		EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_timeout(s.http, HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(s.http, MAX_HEADERS);
	evhttp_set_max_body_size(s.http, (ev_ssize_t)ADM_MAX_BODY + 1);
	evhttp_set_default_content_type(s.http, "application/json");
	evhttp_set_bevcb(s.http, bev_cb, &s);
	evhttp_set_gencb(s.http, route_cb, &s);
	if ((s.bound = evhttp_bind_socket_with_handle(s.http, host, (ev_uint16_t)port)) == NULL) {
		fprintf(stderr, "sign: --listen %s: cannot listen there: %s\n", cfg->listen,
			strerror(errno));
		goto out;
	}
	{
		/* answers go out at once: without it, an answer written in two
		 * TLS records waits for the client's delayed ACK (about 40 ms);
		 * accepted connections inherit the option from the listener */
		int nodelay = 1;
		(void)setsockopt(evhttp_bound_socket_get_fd(s.bound), IPPROTO_TCP, TCP_NODELAY, &nodelay,
			sizeof(nodelay));
	}
	if ((got = bound_port(s.bound, addr, sizeof(addr))) < 0) {
		fprintf(stderr, "sign: --listen %s: %s\n", cfg->listen, strerror(errno));
		goto out;
	}
	if (adm_pool_start(&s.pool, adm, cfg->workers, cfg->queue, job_run, &err) != SIGN_OK) {
		fprintf(stderr, "sign: %s\n", err.message);
		goto out;
	}
	s.sig_term = evsignal_new(s.base, SIGTERM, term_cb, &s);
	s.sig_int = evsignal_new(s.base, SIGINT, term_cb, &s);
	s.sig_hup = evsignal_new(s.base, SIGHUP, hup_cb, &s);
	s.tls_timer = event_new(s.base, -1, EV_PERSIST, tls_timer_cb, &s);
	if (s.sig_term == NULL || s.sig_int == NULL || s.sig_hup == NULL || s.tls_timer == NULL ||
	    evsignal_add(s.sig_term, NULL) != 0 || evsignal_add(s.sig_int, NULL) != 0 ||
	    evsignal_add(s.sig_hup, NULL) != 0 || evtimer_add(s.tls_timer, &one) != 0) {
		fprintf(stderr, "sign: setting up signals and timers failed\n");
		goto out;
	}
	(void)sign_admission_stats_get(&st, adm);
	adm_log("listening on https://%s:%d (policy generation %llu, %zu worker%s)", addr, got,
		(unsigned long long)st.policy_generation, cfg->workers, cfg->workers == 1 ? "" : "s");
	if (event_base_dispatch(s.base) < 0) {
		fprintf(stderr, "sign: the event loop failed\n");
		goto out;
	}
	rc = 0;
out:
	/* every review was answered (the loop ends when none is pending) */
	adm_pool_stop(&s.pool);
	if (s.sig_term)
		event_free(s.sig_term);
	if (s.sig_int)
		event_free(s.sig_int);
	if (s.sig_hup)
		event_free(s.sig_hup);
	if (s.tls_timer)
		event_free(s.tls_timer);
	if (s.flush_timer)
		event_free(s.flush_timer);
	if (s.http)
		evhttp_free(s.http); /* closed_cb empties s.outs */
	while (s.outs != NULL) {
		struct adm_out *o = s.outs;
		s.outs = o->next;
		free(o);
	}
	if (s.base)
		event_base_free(s.base);
	adm_tls_free(&s.tls);
	if (s.audit_log)
		fclose(s.audit_log);
	if (rc == 0)
		adm_log("stopped");
	return rc;
}

/*
 * adm_server.c - the HTTPS server of `sign admission`, on libevent's evhttp
 * with bufferevent_openssl.  --io-threads event loops, each a thread with
 * its own event_base, evhttp and listening socket on the same address
 * (SO_REUSEPORT: the kernel spreads the connections evenly over the
 * sockets, where one socket shared by all loops would wake every loop for
 * each connection and let the least busy take most of them).  A loop
 * accepts, does TLS, reads requests, answers the cheap routes and every
 * review the engine decides without a request upstream
 * (sign_admission_review_cached: cache hits, rules, bad bodies), and hands
 * the rest to the worker pool (adm_pool.c).  A worker's decision comes
 * back to the loop that owns the request through an event of that loop
 * made active from the worker's thread; only a loop's thread touches its
 * requests.  Each loop keeps its own metrics under its own mutex (summed
 * for /metrics); audit lines are written whole under one mutex.  The first
 * loop runs in the main thread: it handles the signals (SIGHUP reloads the
 * policy, SIGTERM and SIGINT tell every loop to drain) and checks the
 * certificate files every second.
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
#include <fcntl.h>
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
#include <unistd.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
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
/* an answer's head and body are joined into one TLS record up to this size */
#define JOIN_MAX (64 * 1024)

enum { JOB_PENDING, JOB_DONE, JOB_LATE };

typedef struct adm_server adm_server;
typedef struct adm_loop adm_loop;

typedef struct adm_job {
	adm_loop *loop;             /* the loop that owns req */
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

/* One event loop and what only its thread touches (but metrics, under mu). */
struct adm_loop {
	adm_server *srv;
	size_t index;               /* 1 for the first loop, for -v's log */
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	pthread_mutex_t mu;         /* metrics: written by this loop, read by /metrics */
	adm_metrics metrics;
	size_t pending;             /* reviews taken here and not yet answered */
	size_t pending_bytes;       /* their bodies */
	size_t writing;             /* review answers sent and not yet written out */
	struct adm_out *outs;       /* those answers */
	int draining;
	struct event *drain_ev;     /* made active by the first loop on SIGTERM */
	struct event *flush_timer;  /* draining: the longest wait for answers to go out */
	struct evbuffer *audit;     /* audit lines of this loop not yet written */
	struct event *audit_ev;     /* made active by the first of them: writes them */
	pthread_t thread;
	int running;                /* thread started (loops other than the first) */
};

struct adm_server {
	const adm_config *cfg;
	sign_admission *adm;
	adm_tls tls;
	adm_pool pool;
	adm_loop *loops;            /* cfg->io_threads; loops[0] runs in the main thread */
	size_t nloops;
	atomic_ullong seq;          /* reviews taken so far */
	atomic_size_t pending;      /* reviews taken and not yet answered, all loops */
	atomic_int draining;
	size_t drain_pending;       /* reviews pending at SIGTERM, for the log */
	atomic_size_t closed;       /* loops that stopped accepting, draining */
	pthread_mutex_t audit_mu;   /* a loop's audit lines are written whole */
	int audit_fd;               /* --audit-log, opened to append, or -1 */
	struct event *sig_term, *sig_int, *sig_hup, *tls_timer; /* on loops[0] */
	adm_filesig policy_sig;      /* the policy file as last loaded (loops[0]) */
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

/* evhttp_send_reply, with the answer's head and body joined in the
 * connection's buffer: bufferevent_openssl writes one TLS record per piece
 * of it, and the head and body as two records cost the client a second
 * record and the server a second write(2) for every answer. */
static void send_joined(struct evhttp_request *req, int code, const char *reason,
	struct evbuffer *body)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	evhttp_send_reply(req, code, reason, body);
	if (evcon != NULL && (bev = evhttp_connection_get_bufferevent(evcon)) != NULL) {
		struct evbuffer *out = bufferevent_get_output(bev);
		if (evbuffer_get_length(out) <= JOIN_MAX)
			evbuffer_pullup(out, -1);
	}
}

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
	send_joined(req, code, reason, out);
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
	send_joined(req, code, reason_of(code), out);
	evbuffer_free(out);
}

/* All of buf onto fd; what a failing fd does not take is dropped. */
static void write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* The loop's audit lines, written together once the decisions of this turn
 * of the loop were sent (audit_ev is active from the first of them): a
 * write(2) per turn instead of one per decision.  Under audit_mu, so that
 * the lines of two loops never interleave. */
static void audit_flush(adm_loop *l)
{
	size_t n = evbuffer_get_length(l->audit);
	unsigned char *p;
	if (n == 0 || (p = evbuffer_pullup(l->audit, -1)) == NULL)
		return;
	pthread_mutex_lock(&l->srv->audit_mu);
	write_all(STDOUT_FILENO, p, n);
	if (l->srv->audit_fd >= 0)
		write_all(l->srv->audit_fd, p, n);
	pthread_mutex_unlock(&l->srv->audit_mu);
	evbuffer_drain(l->audit, n);
}

static void audit_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	audit_flush(arg);
}

/* A decision's audit line, written by audit_cb before this turn of the loop
 * ends (at once when it cannot be queued). */
static void write_audit(adm_loop *l, const sign_admission_decision *d)
{
	int first;
	if (d->audit.size == 0)
		return;
	first = evbuffer_get_length(l->audit) == 0;
	if (evbuffer_add(l->audit, d->audit.ptr, d->audit.size) != 0 ||
	    evbuffer_add(l->audit, "\n", 1) != 0) {
		audit_flush(l);
		pthread_mutex_lock(&l->srv->audit_mu);
		write_all(STDOUT_FILENO, (const unsigned char *)d->audit.ptr, d->audit.size);
		write_all(STDOUT_FILENO, (const unsigned char *)"\n", 1);
		pthread_mutex_unlock(&l->srv->audit_mu);
		return;
	}
	if (first)
		event_active(l->audit_ev, 0, 0);
}

static void observe(adm_loop *l, int result, double t0)
{
	double took = now_s() - t0;
	pthread_mutex_lock(&l->mu);
	adm_metrics_observe(&l->metrics, result, took);
	pthread_mutex_unlock(&l->mu);
}

static void maybe_stop(adm_loop *l);

/* A review answer on its way out: evhttp calls sent_cb when its last byte
 * went, or closed_cb when the connection goes first (the request is then
 * freed without sent_cb). */
typedef struct adm_out {
	adm_loop *loop;
	struct evhttp_connection *evcon;
	struct adm_out *prev, *next;
} adm_out;

static void out_remove(adm_loop *l, adm_out *o)
{
	if (o->prev)
		o->prev->next = o->next;
	else
		l->outs = o->next;
	if (o->next)
		o->next->prev = o->prev;
	free(o);
	if (l->writing > 0)
		l->writing--;
}

static void sent_cb(struct evhttp_request *req, void *arg)
{
	adm_out *o = arg;
	adm_loop *l = o->loop;
	(void)req;
	out_remove(l, o);
	maybe_stop(l);
}

static void closed_cb(struct evhttp_connection *evcon, void *arg)
{
	adm_loop *l = arg;
	adm_out *o = l->outs, *next;
	for (; o != NULL; o = next) {
		next = o->next;
		if (o->evcon == evcon)
			out_remove(l, o);
	}
	maybe_stop(l);
}

/* Draining waits for review answers to be written out, not only queued.  A
 * request whose client went away and that evhttp let go has no connection,
 * and its answer is dropped at once. */
static void track(adm_loop *l, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	adm_out *o;
	if (evcon == NULL || (o = calloc(1, sizeof(*o))) == NULL)
		return;
	o->loop = l;
	o->evcon = evcon;
	o->next = l->outs;
	if (l->outs)
		l->outs->prev = o;
	l->outs = o;
	l->writing++;
	evhttp_request_set_on_complete_cb(req, sent_cb, o);
	evhttp_connection_set_closecb(evcon, closed_cb, l);
}

/* Send a decision (the engine's or a refusal), count it, write its audit line. */
static void send_decision(adm_loop *l, struct evhttp_request *req, int rc,
	const sign_admission_decision *d, const sign_error *err, double t0)
{
	int result;
	track(l, req);
	if (rc != SIGN_OK || d->answer.size == 0) {
		reply_error(req, 500, err->message[0] ? err->message : "no decision could be written");
		result = ADM_RESULT_ERROR;
	} else {
		reply(req, d->http_status, reason_of(d->http_status), "application/json",
			d->answer.ptr, d->answer.size);
		result = d->http_status != 200 ? ADM_RESULT_ERROR :
			d->allowed ? ADM_RESULT_ALLOW : ADM_RESULT_DENY;
	}
	observe(l, result, t0);
	if (rc == SIGN_OK)
		write_audit(l, d);
}

/* A refusal without a worker: busy, draining, past the deadline. */
static void refuse(adm_loop *l, struct evhttp_request *req, const void *body, size_t len,
	const char *message, int64_t received_ms, double t0)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	sign_error err;
	int rc;
	memset(&err, 0, sizeof(err));
	rc = sign_admission_refuse(&d, l->srv->adm, body, len, message, received_ms, &err);
	send_decision(l, req, rc, &d, &err, t0);
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

/* The loop is done with the job: its events go (its loop's thread only). */
static void job_release(adm_job *j)
{
	adm_loop *l = j->loop;
	event_free(j->done_ev);
	event_free(j->backstop);
	j->done_ev = NULL;
	j->backstop = NULL;
	l->pending--;
	l->pending_bytes -= j->len;
	atomic_fetch_sub(&l->srv->pending, 1);
	job_unref(j);
	maybe_stop(l);
}

/* worker thread */
static void job_run(void *arg, sign_admission_worker *w)
{
	adm_job *j = arg;
	int expect = JOB_PENDING;
	if (j->loop->srv->cfg->verbose)
		adm_log("review #%llu started", (unsigned long long)j->seq);
	if (atomic_load(&j->state) == JOB_PENDING)
		j->rc = sign_admission_review(&j->d, w, j->body, j->len, j->mode, j->received_ms,
			j->deadline_ms, &j->err);
	if (atomic_compare_exchange_strong(&j->state, &expect, JOB_DONE))
		event_active(j->done_ev, 0, 0); /* wakes the loop that owns the request */
	/* else the loop answered at the deadline: this result is dropped */
	job_unref(j);
}

/* the job's loop: the worker's decision is ready */
static void job_done_cb(evutil_socket_t fd, short what, void *arg)
{
	adm_job *j = arg;
	(void)fd;
	(void)what;
	send_decision(j->loop, j->req, j->rc, &j->d, &j->err, j->t0);
	job_release(j);
}

/* the job's loop: the deadline passed with no decision */
static void job_backstop_cb(evutil_socket_t fd, short what, void *arg)
{
	adm_job *j = arg;
	adm_loop *l = j->loop;
	int expect = JOB_PENDING;
	char msg[200];
	(void)fd;
	(void)what;
	if (!atomic_compare_exchange_strong(&j->state, &expect, JOB_LATE))
		return; /* the decision is on its way (job_done_cb) */
	snprintf(msg, sizeof(msg), "deadline exceeded: no decision within %.3g s; denied (fail closed)",
		(double)l->srv->cfg->deadline_ms / 1000.0);
	pthread_mutex_lock(&l->mu);
	l->metrics.backstop++;
	pthread_mutex_unlock(&l->mu);
	refuse(l, j->req, j->body, j->len, msg, j->received_ms, j->t0);
	job_release(j);
}

static const char *route_of(sign_admission_mode mode)
{
	return mode == SIGN_ADMISSION_MUTATE ? "/mutate" : "/validate";
}

/* What needs no request upstream is answered here, in the loop, without a
 * worker and the two thread switches it costs: 1 when answered, 0 when a
 * worker must decide (or no decision could be written: the worker tries). */
static int review_here(adm_loop *l, struct evhttp_request *req, const unsigned char *body,
	size_t len, sign_admission_mode mode, int64_t received, double t0)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	sign_error err;
	int done = 0;
	memset(&err, 0, sizeof(err));
	if (sign_admission_review_cached(&d, l->srv->adm, body, len, mode, received, &err) ==
		    SIGN_OK && d.http_status != 0) {
		pthread_mutex_lock(&l->mu);
		l->metrics.fast++;
		pthread_mutex_unlock(&l->mu);
		if (l->srv->cfg->verbose)
			adm_log("review of %zu bytes for %s answered without a worker (I/O thread %zu)",
				len, route_of(mode), l->index);
		send_decision(l, req, SIGN_OK, &d, &err, t0);
		done = 1;
	}
	sign_admission_decision_dispose(&d);
	return done;
}

static void review(adm_loop *l, struct evhttp_request *req, sign_admission_mode mode)
{
	adm_server *s = l->srv;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	double t0 = now_s();
	int64_t received = sign_admission_now_ms();
	adm_job *j;
	struct timeval tv;

	if (len > ADM_MAX_BODY) {
		reply_error(req, 400, "request body over 3 MiB");
		observe(l, ADM_RESULT_ERROR, t0);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL || (j->body = malloc(len + 1)) == NULL) {
		free(j);
		reply_error(req, 503, "server out of memory");
		observe(l, ADM_RESULT_ERROR, t0);
		return;
	}
	if (evbuffer_remove(in, j->body, len) != (ev_ssize_t)len) {
		free(j->body);
		free(j);
		reply_error(req, 400, "request body could not be read");
		observe(l, ADM_RESULT_ERROR, t0);
		return;
	}
	j->body[len] = '\0';
	j->len = len;
	if (l->draining) {
		refuse(l, req, j->body, len, "server shutting down: the review was not started",
			received, t0);
		free(j->body);
		free(j);
		return;
	}
	if (review_here(l, req, j->body, len, mode, received, t0)) {
		free(j->body);
		free(j);
		return;
	}
	j->loop = l;
	j->req = req;
	j->mode = mode;
	j->received_ms = received;
	j->deadline_ms = received + s->cfg->deadline_ms;
	j->t0 = t0;
	sign_admission_decision_dispose(&j->d);
	j->d.version = SIGN_ADMISSION_DECISION_VERSION;
	atomic_init(&j->state, JOB_PENDING);
	atomic_init(&j->refs, 2);
	j->done_ev = event_new(l->base, -1, 0, job_done_cb, j);
	j->backstop = evtimer_new(l->base, job_backstop_cb, j);
	tv.tv_sec = (s->cfg->deadline_ms + BACKSTOP_MS) / 1000;
	tv.tv_usec = (suseconds_t)((s->cfg->deadline_ms + BACKSTOP_MS) % 1000) * 1000;
	if (j->done_ev == NULL || j->backstop == NULL || evtimer_add(j->backstop, &tv) != 0) {
		if (j->done_ev)
			event_free(j->done_ev);
		if (j->backstop)
			event_free(j->backstop);
		refuse(l, req, j->body, len, "server out of resources: the review was not started",
			received, t0);
		free(j->body);
		free(j);
		return;
	}
	l->pending++;
	l->pending_bytes += len;
	j->seq = atomic_fetch_add(&s->seq, 1) + 1;
	{
		size_t all = atomic_fetch_add(&s->pending, 1) + 1;
		if (s->cfg->verbose)
			adm_log("review #%llu of %zu bytes taken for %s (%zu pending)",
				(unsigned long long)j->seq, len, route_of(mode), all);
	}
	/* each loop holds at most its share of the bodies' bound */
	if ((l->pending > 1 && l->pending_bytes > MAX_PENDING_BYTES / s->nloops) ||
	    adm_pool_push(&s->pool, j) != 0) {
		/* the queue is full: answered at once, never queued */
		if (s->cfg->verbose)
			adm_log("review #%llu refused: server busy", (unsigned long long)j->seq);
		atomic_store(&j->state, JOB_LATE);
		refuse(l, req, j->body, len, "server busy: too many reviews waiting; try again",
			received, t0);
		job_unref(j); /* the worker's reference: no worker will see it */
		job_release(j);
	}
}

/* ---- routes ---- */

/* every loop's metrics, summed: each read under its loop's mutex */
static void metrics_route(adm_server *s, struct evhttp_request *req)
{
	sign_admission_stats st = SIGN_ADMISSION_STATS_INIT;
	adm_metrics sum;
	struct evbuffer *out = evbuffer_new();
	memset(&sum, 0, sizeof(sum));
	for (size_t i = 0; i < s->nloops; i++) {
		pthread_mutex_lock(&s->loops[i].mu);
		adm_metrics_add(&sum, &s->loops[i].metrics);
		pthread_mutex_unlock(&s->loops[i].mu);
	}
	if (out == NULL || sign_admission_stats_get(&st, s->adm) != SIGN_OK ||
	    adm_metrics_write(out, &sum, &st) != 0) {
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
	adm_loop *l = arg;
	adm_server *s = l->srv;
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
		review(l, req, SIGN_ADMISSION_VALIDATE);
	} else if (strcmp(path, "/mutate") == 0) {
		review(l, req, SIGN_ADMISSION_MUTATE);
	} else if (strcmp(path, "/healthz") == 0) {
		reply(req, 200, "OK", "text/plain; charset=utf-8", "ok\n", 3);
	} else if (strcmp(path, "/readyz") == 0) {
		sign_admission_stats st = SIGN_ADMISSION_STATS_INIT;
		if (sign_admission_stats_get(&st, s->adm) == SIGN_OK && st.policy_generation > 0 &&
		    !l->draining)
			reply(req, 200, "OK", "text/plain; charset=utf-8", "ready\n", 6);
		else if (l->draining)
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
	adm_loop *l = arg;
	SSL *ssl = adm_tls_ssl(&l->srv->tls);
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

/* Load the policy again (SIGHUP, or its file changed): all or nothing. */
static void reload_policy(adm_server *s)
{
	sign_error err;
	sign_admission_stats st = SIGN_ADMISSION_STATS_INIT;
	int rc;
	memset(&err, 0, sizeof(err));
	adm_filesig_read(&s->policy_sig, s->cfg->policy);
	rc = sign_admission_load_policy(s->adm, s->cfg->policy, &err);
	(void)sign_admission_stats_get(&st, s->adm);
	if (rc == SIGN_OK)
		adm_log("policy reloaded: generation %llu", (unsigned long long)st.policy_generation);
	else
		adm_log("policy reload failed: %s; keeping generation %llu",
			err.message[0] ? err.message : sign_strerror(rc),
			(unsigned long long)st.policy_generation);
}

static void tls_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	adm_server *s = arg;
	adm_filesig pol;
	char why[1000];
	(void)fd;
	(void)what;
	if (s->cfg->watch_policy)
		adm_filesig_read(&pol, s->cfg->policy);
	if (s->cfg->watch_policy && !adm_filesig_same(&pol, &s->policy_sig)) {
		adm_log("policy file %s changed: loading it", s->cfg->policy);
		reload_policy(s);
	}
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
	(void)fd;
	(void)what;
	reload_policy(arg);
}

/* a loop: stop accepting, answer what was taken, then end */
static void drain_cb(evutil_socket_t fd, short what, void *arg)
{
	adm_loop *l = arg;
	(void)fd;
	(void)what;
	if (l->draining)
		return;
	l->draining = 1;
	if (l->bound != NULL) {
		evhttp_del_accept_socket(l->http, l->bound);
		l->bound = NULL;
	}
	/* the last loop to close its socket says so: no connection is taken now */
	if (atomic_fetch_add(&l->srv->closed, 1) + 1 == l->srv->nloops)
		adm_log("draining %zu review%s", l->srv->drain_pending,
			l->srv->drain_pending == 1 ? "" : "s");
	maybe_stop(l);
}

/* the first loop: SIGTERM or SIGINT, told to every loop */
static void term_cb(evutil_socket_t fd, short what, void *arg)
{
	adm_server *s = arg;
	(void)fd;
	(void)what;
	if (atomic_exchange(&s->draining, 1))
		return;
	s->drain_pending = atomic_load(&s->pending);
	for (size_t i = 0; i < s->nloops; i++)
		event_active(s->loops[i].drain_ev, 0, 0);
}

static void flush_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	adm_loop *l = arg;
	(void)fd;
	(void)what;
	adm_log("%zu answer%s not written out in time; stopping anyway", l->writing,
		l->writing == 1 ? "" : "s");
	event_base_loopexit(l->base, NULL);
}

/* A loop's draining ends when every review it took was answered and its
 * answer written out (at most FLUSH_S seconds after the last answer: a
 * client that stopped reading does not hold the server). */
static void maybe_stop(adm_loop *l)
{
	struct timeval tv = { FLUSH_S, 0 };
	if (!l->draining || l->pending > 0)
		return;
	if (l->writing == 0) {
		event_base_loopexit(l->base, NULL);
		return;
	}
	if (l->flush_timer == NULL && (l->flush_timer = evtimer_new(l->base, flush_timeout_cb, l)) != NULL)
		evtimer_add(l->flush_timer, &tv);
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

/* A listening socket on host:port (the first address it resolves to, as
 * evhttp_bind_socket does), or -1 with errno.  reuseport: SO_REUSEPORT, for
 * a socket per loop on the same address. */
static evutil_socket_t listen_on(const char *host, unsigned port, int reuseport)
{
	struct evutil_addrinfo hints, *ai = NULL;
	char portstr[16];
	evutil_socket_t fd;
	int one = 1, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_ADDRCONFIG;
	snprintf(portstr, sizeof(portstr), "%u", port);
	if (evutil_getaddrinfo(host, portstr, &hints, &ai) != 0 || ai == NULL) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		evutil_freeaddrinfo(ai);
		errno = e;
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* answers go out at once: without it, an answer written in two TLS
	 * records waits for the client's delayed ACK (about 40 ms); accepted
	 * connections inherit the option from the listener */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) ||
	    bind(fd, ai->ai_addr, (socklen_t)ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
		e = errno;
		evutil_closesocket(fd);
		evutil_freeaddrinfo(ai);
		errno = e;
		return -1;
	}
	evutil_freeaddrinfo(ai);
	return fd;
}

/* A loop's base and evhttp, accepting on a socket of its own. */
static int loop_init(adm_server *s, adm_loop *l, const char *host, unsigned port)
{
	const adm_config *cfg = s->cfg;
	struct event_config *ecfg;
	evutil_socket_t fd;
	l->srv = s;
	l->index = (size_t)(l - s->loops) + 1;
	pthread_mutex_init(&l->mu, NULL);
	/* the changelist folds the enabling and disabling of a connection's
	 * events within one turn of the loop into one epoll_ctl(2) */
	if ((ecfg = event_config_new()) == NULL ||
	    event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) != 0 ||
	    (l->base = event_base_new_with_config(ecfg)) == NULL ||
	    (l->http = evhttp_new(l->base)) == NULL ||
	    (l->drain_ev = event_new(l->base, -1, 0, drain_cb, l)) == NULL ||
	    (l->audit = evbuffer_new()) == NULL ||
	    (l->audit_ev = event_new(l->base, -1, 0, audit_cb, l)) == NULL) {
		if (ecfg)
			event_config_free(ecfg);
		fprintf(stderr, "sign: starting the event loop failed\n");
		return -1;
	}
	event_config_free(ecfg);
	evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
		EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
		EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_timeout(l->http, HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(l->http, MAX_HEADERS);
	evhttp_set_max_body_size(l->http, (ev_ssize_t)ADM_MAX_BODY + 1);
	evhttp_set_default_content_type(l->http, "application/json");
	evhttp_set_bevcb(l->http, bev_cb, l);
	evhttp_set_gencb(l->http, route_cb, l);
	if ((fd = listen_on(host, port, s->nloops > 1)) < 0 ||
	    (l->bound = evhttp_accept_socket_with_handle(l->http, fd)) == NULL) {
		int e = errno;
		if (fd >= 0)
			evutil_closesocket(fd);
		fprintf(stderr, "sign: --listen %s: cannot listen there: %s\n", cfg->listen,
			strerror(e));
		return -1;
	}
	return 0;
}

static void *loop_main(void *arg)
{
	adm_loop *l = arg;
	if (event_base_dispatch(l->base) < 0)
		adm_log("an event loop failed");
	audit_flush(l);
	return NULL;
}

int adm_serve(sign_admission *adm, const adm_config *cfg)
{
	adm_server s;
	adm_loop *l0;
	char why[1000], host[256], addr[300];
	unsigned port = 0;
	int rc = EXIT_USAGE, got = -1;
	sign_error err;
	sign_admission_stats st = SIGN_ADMISSION_STATS_INIT;
	struct timeval one = { 1, 0 };
	sigset_t all, old;

	memset(&s, 0, sizeof(s));
	memset(&err, 0, sizeof(err));
	s.cfg = cfg;
	s.adm = adm;
	s.nloops = cfg->io_threads < 1 ? 1 : cfg->io_threads;
	atomic_init(&s.seq, 0);
	atomic_init(&s.pending, 0);
	atomic_init(&s.draining, 0);
	atomic_init(&s.closed, 0);
	pthread_mutex_init(&s.audit_mu, NULL);
	if (parse_listen(cfg->listen, host, sizeof(host), &port) != 0) {
		fprintf(stderr, "sign: --listen %s: want ADDR:PORT\n", cfg->listen);
		pthread_mutex_destroy(&s.audit_mu);
		return EXIT_USAGE;
	}
	if (adm_tls_init(&s.tls, cfg->cert, cfg->key, why, sizeof(why)) != 0) {
		fprintf(stderr, "sign: TLS certificate: %s\n", why);
		adm_tls_free(&s.tls);
		pthread_mutex_destroy(&s.audit_mu);
		return EXIT_USAGE;
	}
	s.audit_fd = -1;
	if (cfg->audit_log != NULL &&
	    (s.audit_fd = open(cfg->audit_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		fprintf(stderr, "sign: --audit-log %s: %s\n", cfg->audit_log, strerror(errno));
		adm_tls_free(&s.tls);
		pthread_mutex_destroy(&s.audit_mu);
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() != 0 || (s.loops = calloc(s.nloops, sizeof(*s.loops))) == NULL) {
		fprintf(stderr, "sign: starting the event loop failed\n");
		goto out;
	}
	l0 = &s.loops[0];
	/* the first loop binds (with port 0, any free port), the others take its port */
	for (size_t i = 0; i < s.nloops; i++) {
		if (loop_init(&s, &s.loops[i], host, port) != 0)
			goto out;
		if (i == 0) {
			if ((got = bound_port(l0->bound, addr, sizeof(addr))) < 0) {
				fprintf(stderr, "sign: --listen %s: %s\n", cfg->listen, strerror(errno));
				goto out;
			}
			port = (unsigned)got;
		}
	}
	if (adm_pool_start(&s.pool, adm, cfg->workers, cfg->queue, job_run, &err) != SIGN_OK) {
		fprintf(stderr, "sign: %s\n", err.message);
		goto out;
	}
	s.sig_term = evsignal_new(l0->base, SIGTERM, term_cb, &s);
	s.sig_int = evsignal_new(l0->base, SIGINT, term_cb, &s);
	s.sig_hup = evsignal_new(l0->base, SIGHUP, hup_cb, &s);
	/* the policy cmd_admission.c loaded: a change from now on reloads it */
	adm_filesig_read(&s.policy_sig, cfg->policy);
	s.tls_timer = event_new(l0->base, -1, EV_PERSIST, tls_timer_cb, &s);
	if (s.sig_term == NULL || s.sig_int == NULL || s.sig_hup == NULL || s.tls_timer == NULL ||
	    evsignal_add(s.sig_term, NULL) != 0 || evsignal_add(s.sig_int, NULL) != 0 ||
	    evsignal_add(s.sig_hup, NULL) != 0 || evtimer_add(s.tls_timer, &one) != 0) {
		fprintf(stderr, "sign: setting up signals and timers failed\n");
		goto out;
	}
	/* the other loops' threads: signals belong to the first loop's */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (size_t i = 1; i < s.nloops; i++) {
		if (pthread_create(&s.loops[i].thread, NULL, loop_main, &s.loops[i]) != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			fprintf(stderr, "sign: starting the event loops: cannot start a thread\n");
			term_cb(-1, 0, &s);
			goto out;
		}
		s.loops[i].running = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	(void)sign_admission_stats_get(&st, adm);
	adm_log("listening on https://%s:%d (policy generation %llu, %zu worker%s, %zu I/O thread%s)",
		addr, got, (unsigned long long)st.policy_generation, cfg->workers,
		cfg->workers == 1 ? "" : "s", s.nloops, s.nloops == 1 ? "" : "s");
	if (event_base_dispatch(l0->base) < 0) {
		fprintf(stderr, "sign: the event loop failed\n");
		term_cb(-1, 0, &s);
		goto out;
	}
	audit_flush(l0);
	rc = 0;
out:
	/* the other loops end once they drained (every review they took was
	 * answered) */
	for (size_t i = 1; s.loops != NULL && i < s.nloops; i++)
		if (s.loops[i].running)
			pthread_join(s.loops[i].thread, NULL);
	adm_pool_stop(&s.pool);
	if (s.sig_term)
		event_free(s.sig_term);
	if (s.sig_int)
		event_free(s.sig_int);
	if (s.sig_hup)
		event_free(s.sig_hup);
	if (s.tls_timer)
		event_free(s.tls_timer);
	for (size_t i = 0; s.loops != NULL && i < s.nloops; i++) {
		adm_loop *l = &s.loops[i];
		if (l->drain_ev)
			event_free(l->drain_ev);
		if (l->flush_timer)
			event_free(l->flush_timer);
		if (l->audit_ev)
			event_free(l->audit_ev);
		if (l->audit) {
			audit_flush(l);
			evbuffer_free(l->audit);
		}
		if (l->http)
			evhttp_free(l->http); /* closed_cb empties l->outs */
		while (l->outs != NULL) {
			struct adm_out *o = l->outs;
			l->outs = o->next;
			free(o);
		}
		if (l->base)
			event_base_free(l->base);
		if (l->srv)
			pthread_mutex_destroy(&l->mu);
	}
	free(s.loops);
	adm_tls_free(&s.tls);
	if (s.audit_fd >= 0)
		close(s.audit_fd);
	pthread_mutex_destroy(&s.audit_mu);
	if (rc == 0)
		adm_log("stopped");
	return rc;
}

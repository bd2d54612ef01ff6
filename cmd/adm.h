/*
 * adm.h - the pieces of `sign admission` (cmd_admission.c): the HTTPS
 * server (adm_server.c), its worker pool (adm_pool.c), its metrics
 * (adm_metrics.c) and its certificate (adm_tls.c).  CLI side: the decision
 * engine is <sign_admission.h>; all I/O, threads and signals are here.
 */
#ifndef SIGN_ADM_H
#define SIGN_ADM_H

#include <sign_admission.h>

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <event2/buffer.h>
#include <openssl/ssl.h>

/* The API server sends at most 3 MiB; evhttp reads one byte more, so that
 * a larger body is told apart and answered by us. */
#define ADM_MAX_BODY (3u << 20)
/* Reviews waiting for a worker (--queue); one more is refused at once
 * ("server busy"). */
#define ADM_QUEUE_DEFAULT 256
#define ADM_QUEUE_MAX 65536
#define ADM_MAX_WORKERS 256
/* --io-threads: event loops, each a thread doing TLS and HTTP (default: the
 * online CPUs, at most this) */
#define ADM_MAX_IO_THREADS 16

/* "sign admission: ..." on stderr, one line. */
void adm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- adm_metrics.c: counters and the latency histogram (one per event loop,
 * summed for /metrics) ---- */

enum { ADM_RESULT_ALLOW, ADM_RESULT_DENY, ADM_RESULT_ERROR, ADM_NRESULTS };
#define ADM_NBUCKETS 14

typedef struct adm_metrics {
	uint64_t reviews[ADM_NRESULTS];
	uint64_t buckets[ADM_NBUCKETS]; /* not cumulative; summed when written */
	uint64_t count;
	double sum;
	uint64_t backstop;  /* reviews the server itself denied at the deadline */
	uint64_t fast;      /* reviews answered by the I/O thread, without a worker */
} adm_metrics;

void adm_metrics_observe(adm_metrics *m, int result, double seconds);
/* to += from */
void adm_metrics_add(adm_metrics *to, const adm_metrics *from);
/* The Prometheus text format (0.0.4) of m and of the engine's stats. */
int adm_metrics_write(struct evbuffer *out, const adm_metrics *m, const sign_admission_stats *st);

/* ---- adm_tls.c: the serving certificate, reloaded when its files change ---- */

typedef struct adm_filesig {
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
	int ok;             /* the file could be stat'ed */
} adm_filesig;

/* What stat(2) says of path, through symbolic links (ok 0 when it cannot
 * be stat'ed), and whether two such are the same: a file replaced by
 * rename, a Secret or ConfigMap volume's link swap, or written in place. */
void adm_filesig_read(adm_filesig *s, const char *path);
int adm_filesig_same(const adm_filesig *a, const adm_filesig *b);

typedef struct adm_tls {
	const char *cert_path;
	const char *key_path;
	pthread_mutex_t mu; /* ctx is swapped under it, read under it by adm_tls_ssl */
	SSL_CTX *ctx;       /* for new connections; SSL_new takes its own reference */
	adm_filesig cert_sig, key_sig;
	char subject[256];  /* of the certificate in force, for the log */
} adm_tls;

/* Load the pair (TLS 1.2 at least; the key must match the certificate).
 * -1 with why filled when it cannot be served. */
int adm_tls_init(adm_tls *t, const char *cert, const char *key, char *why, size_t whylen);
/* Look at the files: 0 unchanged, 1 a new pair is in force, -1 they changed
 * but the new pair was refused (why; the old one stays). */
int adm_tls_check(adm_tls *t, char *why, size_t whylen);
/* A new connection's SSL on the pair in force, from any thread (NULL when
 * out of memory).  adm_tls_check is called from one thread at a time. */
SSL *adm_tls_ssl(adm_tls *t);
void adm_tls_free(adm_tls *t);

/* ---- adm_pool.c: a bounded queue and the worker threads ---- */

/* Runs in a worker thread with that worker's engine handle. */
typedef void (*adm_run_fn)(void *job, sign_admission_worker *w);

typedef struct adm_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void **queue;       /* a ring of cap jobs */
	size_t cap, head, n;
	int stop;
	size_t nthreads;
	pthread_t *threads;
	sign_admission_worker **workers;
	adm_run_fn run;
} adm_pool;

/* Make nworkers engine workers and their threads.  SIGN_OK or an error in err. */
int adm_pool_start(adm_pool *p, sign_admission *adm, size_t nworkers, size_t cap,
	adm_run_fn run, sign_error *err);
/* Queue a job: 0, or -1 when the queue is full (the job is not taken). */
int adm_pool_push(adm_pool *p, void *job);
/* Run what is queued, then stop and join the threads and free the workers. */
void adm_pool_stop(adm_pool *p);

/* ---- adm_server.c: evhttp over TLS, routes, deadlines, signals ---- */

typedef struct adm_config {
	const char *listen;       /* ADDR:PORT, [V6]:PORT */
	const char *cert;
	const char *key;
	const char *policy;
	const char *audit_log;    /* or NULL */
	size_t workers;
	size_t queue;             /* reviews waiting for a worker, at most */
	int64_t deadline_ms;
	int verbose;              /* -v: a line per review taken */
	int watch_policy;         /* --watch-policy: reload when the file changes */
	size_t io_threads;        /* event loops (threads), 1 or more */
} adm_config;

/* Serve until SIGTERM or SIGINT; returns the exit code (messages printed). */
int adm_serve(sign_admission *adm, const adm_config *cfg);

#endif

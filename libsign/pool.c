/*
 * pool.c - signp_pool_run (pool.h): a bounded set of threads over the
 * items of one job, taken in order from a shared counter.
 */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t n, next, done, failed; /* failed: the lowest failing item, or n */
	int rc;                       /* its code and message */
	sign_error err;
	signp_pool_fn fn;
	void *shared;
} pool;

typedef struct pool_worker {
	pool *p;
	void *state;
} pool_worker;

/* The next item to run, or n when none is left (or one before it failed). */
static size_t take(pool *p)
{
	size_t i;
	pthread_mutex_lock(&p->mu);
	i = p->next < p->failed ? p->next++ : p->n;
	pthread_mutex_unlock(&p->mu);
	return i;
}

/* Item i ran on state: its outcome recorded (the lowest failure kept). */
static void run_one(pool *p, void *state, size_t i)
{
	sign_error e;
	int rc;
	memset(&e, 0, sizeof(e));
	rc = p->fn(p->shared, state, i, &e);
	pthread_mutex_lock(&p->mu);
	if (rc != SIGN_OK && i < p->failed) {
		p->failed = i;
		p->rc = rc;
		p->err = e;
	}
	p->done++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void *work(void *arg)
{
	pool_worker *w = arg;
	size_t i;
	while ((i = take(w->p)) < w->p->n)
		run_one(w->p, w->state, i);
	return NULL;
}

size_t signp_pool_run(size_t n, void *const *states, size_t nstates, signp_pool_fn fn, void *shared,
	signp_pool_progress_fn progress, void *progress_arg, int *rc, sign_error *err)
{
	pool p = { .n = n, .failed = n, .rc = SIGN_OK, .fn = fn, .shared = shared };
	pthread_t *tids = NULL;
	pool_worker *ws = NULL;
	size_t started = 0, last = 0, i;

	if (nstates > n + 1)
		nstates = n + 1;
	if (pthread_mutex_init(&p.mu, NULL) != 0)
		goto alone;
	if (pthread_cond_init(&p.cv, NULL) != 0) {
		pthread_mutex_destroy(&p.mu);
		goto alone;
	}
	if (nstates > 1 && (tids = calloc(nstates, sizeof(*tids))) != NULL &&
	    (ws = calloc(nstates, sizeof(*ws))) != NULL) {
		for (size_t t = 1; t < nstates; t++) {
			ws[t].p = &p;
			ws[t].state = states[t];
			if (pthread_create(&tids[t], NULL, work, &ws[t]) != 0)
				break;
			started = t;
		}
	}
	if (started == 0) {
		/* no thread of its own: the calling thread does it all,
		 * reporting progress as it goes */
		while ((i = take(&p)) < n) {
			run_one(&p, states[0], i);
			if (progress)
				progress(progress_arg, p.done, n);
		}
	} else {
		/* the calling thread reports progress while the threads work,
		 * woken by each finished item */
		pthread_mutex_lock(&p.mu);
		while (p.done < (p.failed < n ? p.next : n)) {
			if (progress && p.done != last) {
				size_t d = last = p.done;
				pthread_mutex_unlock(&p.mu);
				progress(progress_arg, d, n);
				pthread_mutex_lock(&p.mu);
				continue;
			}
			pthread_cond_wait(&p.cv, &p.mu);
		}
		last = p.done;
		pthread_mutex_unlock(&p.mu);
		for (size_t t = 1; t <= started; t++)
			pthread_join(tids[t], NULL);
		if (progress && last)
			progress(progress_arg, last, n);
	}
	free(tids);
	free(ws);
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	if (p.failed < n) {
		*rc = p.rc;
		*err = p.err;
	}
	return p.failed;
alone:
	/* no mutex: one thread, one item after the other */
	for (i = 0; i < n; i++) {
		int r = fn(shared, states[0], i, err);
		if (r != SIGN_OK) {
			*rc = r;
			return i;
		}
		if (progress)
			progress(progress_arg, i + 1, n);
	}
	return n;
}

/*
 * adm_pool.c - the worker threads of `sign admission`: a bounded queue of
 * reviews, and a fixed number of threads, each owning one engine worker
 * (its HTTP handles and connections), that take reviews from it.  The
 * threads never touch HTTP requests: a job's run function hands its result
 * back to the event loop.
 */
#include "adm.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct thread_arg {
	adm_pool *pool;
	sign_admission_worker *worker;
} thread_arg;

static void *worker_main(void *arg)
{
	thread_arg *ta = arg;
	adm_pool *p = ta->pool;
	sign_admission_worker *w = ta->worker;
	free(ta);
	for (;;) {
		void *job;
		pthread_mutex_lock(&p->mu);
		while (p->n == 0 && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->n == 0) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		job = p->queue[p->head];
		p->head = (p->head + 1) % p->cap;
		p->n--;
		pthread_mutex_unlock(&p->mu);
		p->run(job, w);
	}
	return NULL;
}

int adm_pool_start(adm_pool *p, sign_admission *adm, size_t nworkers, size_t cap,
	adm_run_fn run, sign_error *err)
{
	sigset_t all, old;
	int rc;
	memset(p, 0, sizeof(*p));
	p->cap = cap;
	p->run = run;
	p->queue = calloc(cap, sizeof(void *));
	p->threads = calloc(nworkers, sizeof(pthread_t));
	p->workers = calloc(nworkers, sizeof(sign_admission_worker *));
	if (p->queue == NULL || p->threads == NULL || p->workers == NULL) {
		snprintf(err->message, sizeof(err->message), "starting the workers: out of memory");
		err->code = SIGN_ENOMEM;
		goto fail_alloc;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (size_t i = 0; i < nworkers; i++) {
		if ((rc = sign_admission_worker_new(&p->workers[i], adm, err)) != SIGN_OK) {
			for (size_t j = 0; j < i; j++)
				sign_admission_worker_free(p->workers[j]);
			pthread_cond_destroy(&p->cv);
			pthread_mutex_destroy(&p->mu);
			free(p->queue);
			free(p->threads);
			free(p->workers);
			return rc;
		}
	}
	/* signals belong to the event loop's thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (size_t i = 0; i < nworkers; i++) {
		thread_arg *ta = malloc(sizeof(*ta));
		if (ta != NULL) {
			ta->pool = p;
			ta->worker = p->workers[i];
		}
		if (ta == NULL || pthread_create(&p->threads[i], NULL, worker_main, ta) != 0) {
			free(ta);
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			snprintf(err->message, sizeof(err->message), "starting the workers: cannot start a thread");
			err->code = SIGN_ERROR;
			p->nthreads = i;
			for (size_t j = i; j < nworkers; j++) {
				sign_admission_worker_free(p->workers[j]);
				p->workers[j] = NULL;
			}
			adm_pool_stop(p);
			return SIGN_ERROR;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	p->nthreads = nworkers;
	return SIGN_OK;
fail_alloc:
	free(p->queue);
	free(p->threads);
	free(p->workers);
	memset(p, 0, sizeof(*p));
	return SIGN_ENOMEM;
}

int adm_pool_push(adm_pool *p, void *job)
{
	pthread_mutex_lock(&p->mu);
	if (p->n == p->cap || p->stop) {
		pthread_mutex_unlock(&p->mu);
		return -1;
	}
	p->queue[(p->head + p->n) % p->cap] = job;
	p->n++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

void adm_pool_stop(adm_pool *p)
{
	if (p->threads == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	for (size_t i = 0; i < p->nthreads; i++)
		sign_admission_worker_free(p->workers[i]);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->queue);
	free(p->threads);
	free(p->workers);
	memset(p, 0, sizeof(*p));
}

/*
 * verify_batch.c - sign_verify_batch: many references, each verified as
 * sign_verify does, with each repository's trust data verified once on the
 * calling thread and the other references' registry requests (the tag's
 * HEAD, the detached signatures) over a bounded pool of threads, each with
 * a connection of its own (pool.h).  A digest's detached signatures are
 * checked once per call, whatever the number of its tags (signp_sig_memo).
 */
#include "common.h"
#include "ctx.h"
#include "pool.h"
#include "ref.h"
#include "store.h"
#include "verify.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Threads (and connections) for one batch. */
#define VERIFY_CONNECTIONS 8

typedef struct vjob {
	sign_verify_result *out;
	int *rcs;
	sign_error *errs;
	sign_ctx *ctx;
	const char *const *refs;
	const sign_verify_options *opts;
	const size_t *items;  /* the references the pool verifies */
	signp_sig_memo *sigs; /* the signature checks passed so far, or NULL */
} vjob;

/* A worker's store, kept while its references stay in one repository. */
typedef struct vworker {
	signp_store *st;
	char repo[1024];
} vworker;

static int vjob_one(void *shared, void *state, size_t item, sign_error *err)
{
	vjob *j = shared;
	vworker *w = state;
	(void)err; /* each reference's error is its own, in errs */
	size_t i = j->items[item];
	signp_ref *ref = malloc(sizeof(*ref));
	char repo[1024];

	if (ref == NULL || signp_ref_parse(ref, j->refs[i], j->opts->gun, NULL) != SIGN_OK || ref->layout) {
		/* the calling thread says what is wrong with it */
		free(ref);
		j->rcs[i] = SIGNP_VERIFY_NOMEMO;
		return SIGN_OK;
	}
	snprintf(repo, sizeof(repo), "%s/%s", ref->host, ref->path);
	if (w->st == NULL || strcmp(w->repo, repo) != 0) {
		signp_store_free(w->st);
		w->st = NULL;
		if (signp_store_open_own(&w->st, j->ctx, ref, NULL) != SIGN_OK) {
			free(ref);
			j->rcs[i] = SIGNP_VERIFY_NOMEMO;
			return SIGN_OK;
		}
		signp_strlcpy(w->repo, repo, sizeof(w->repo));
	}
	free(ref);
	j->rcs[i] = signp_verify_ref(&j->out[i], j->ctx, j->refs[i], j->opts, w->st, 1, j->sigs,
		&j->errs[i]);
	/* a failed reference does not stop the others */
	return SIGN_OK;
}

SIGN_EXTERN(int) sign_verify_batch(sign_verify_result *out, int *rcs, sign_error *errs, size_t n,
	sign_ctx *ctx, const char *const *refs, const sign_verify_options *opts)
{
	json_t *seen = NULL;
	size_t *items = NULL, nitems = 0;
	signp_ref *ref = NULL;
	signp_sig_memo *sigs = NULL;
	int r = SIGN_OK;

	if (n == 0)
		return SIGN_OK;
	if (out == NULL || rcs == NULL || errs == NULL || refs == NULL)
		return SIGN_EINVAL;
	for (size_t i = 0; i < n; i++) {
		rcs[i] = SIGNP_VERIFY_NOMEMO;
		memset(&errs[i], 0, sizeof(errs[i]));
	}
	if (n > 1)
		sigs = signp_sig_memo_new(); /* NULL: every reference checks its own */
	/* the pool only where a worker reads the context and nothing else:
	 * the registry backend, online */
	if (n > 1 && !(opts && opts->offline) && ctx->trust_server == NULL) {
		seen = json_object();
		items = calloc(n, sizeof(*items));
		ref = malloc(sizeof(*ref));
	}
	if (seen && items && ref) {
		/* each repository's first reference on this thread: it verifies
		 * (and memoises) the repository's trust data */
		for (size_t i = 0; i < n; i++) {
			if (signp_ref_parse(ref, refs[i], opts ? opts->gun : NULL, NULL) != SIGN_OK ||
			    ref->layout || json_object_get(seen, ref->gun) != NULL) {
				items[nitems++] = i;
				continue;
			}
			json_object_set_new(seen, ref->gun, json_true());
			rcs[i] = signp_verify_ref(&out[i], ctx, refs[i], opts, NULL, 0, sigs, &errs[i]);
		}
		if (nitems) {
			vworker ws[VERIFY_CONNECTIONS + 1];
			void *states[VERIFY_CONNECTIONS + 1];
			vjob job = { out, rcs, errs, ctx, refs, opts, items, sigs };
			size_t nw = nitems < VERIFY_CONNECTIONS ? nitems : VERIFY_CONNECTIONS;
			memset(ws, 0, sizeof(ws));
			for (size_t w = 0; w <= nw; w++)
				states[w] = &ws[w];
			int prc = SIGN_OK;
			sign_error perr;
			(void)signp_pool_run(nitems, states, nw + 1, vjob_one, &job, NULL, NULL, &prc, &perr);
			for (size_t w = 0; w <= nw; w++)
				signp_store_free(ws[w].st);
		}
	}
	/* the rest on this thread, in order: all of them without the pool */
	for (size_t i = 0; i < n; i++) {
		if (rcs[i] == SIGNP_VERIFY_NOMEMO) {
			sign_verify_result fresh = SIGN_VERIFY_RESULT_INIT;
			sign_verify_result_dispose(&out[i]);
			out[i] = fresh;
			memset(&errs[i], 0, sizeof(errs[i]));
			rcs[i] = signp_verify_ref(&out[i], ctx, refs[i], opts, NULL, 0, sigs, &errs[i]);
		}
		if (r == SIGN_OK && rcs[i] != SIGN_OK)
			r = rcs[i];
	}
	free(ref);
	free(items);
	json_decref(seen);
	signp_sig_memo_free(sigs);
	return r;
}

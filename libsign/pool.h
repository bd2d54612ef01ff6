/*
 * pool.h - items of one job run over a bounded number of threads: each
 * thread takes the next item, the lowest failing item stops the items
 * after it from starting.  push and verify batches use it to keep several
 * registry requests out at once, each thread over its own connection.
 * Internal.
 */
#ifndef SIGN_POOL_H
#define SIGN_POOL_H

#include "common.h"

#include <stddef.h>

/* Work on item i with the thread's own state: SIGN_OK, or a failure with
 * its message in err. */
typedef int (*signp_pool_fn)(void *shared, void *state, size_t item, sign_error *err);
/* Called on the calling thread as items finish (done of n). */
typedef void (*signp_pool_progress_fn)(void *arg, size_t done, size_t n);

/* Items [0, n) over nstates - 1 threads started and joined here, with
 * states[1..nstates) (the calling thread reports progress meanwhile); when
 * no thread can be started, the calling thread does all the work with
 * states[0].  Returns the lowest item that failed, with its code in *rc
 * and its message in err (both left alone when none failed), or n when
 * none did: items after a failed one that had not started are not run
 * (ones already running finish). */
size_t signp_pool_run(size_t n, void *const *states, size_t nstates, signp_pool_fn fn, void *shared,
	signp_pool_progress_fn progress, void *progress_arg, int *rc, sign_error *err);

#endif

/*
 * verify.h - one reference's verification (verify.c), as sign_verify and
 * the batch (verify_batch.c) run it.  Internal.
 */
#ifndef SIGN_VERIFY_H
#define SIGN_VERIFY_H

#include "common.h"
#include "store.h"

/* memo_only found no verified trust data for the reference's repository
 * on the context: the caller verifies it on its own thread instead. */
#define SIGNP_VERIFY_NOMEMO (-100)

/* sign_verify of refstr.  own: a store of the reference's repository over
 * a connection of its own (signp_store_open_own; borrowed), used instead
 * of the context's, and then the context is only read (a worker thread of
 * a batch).  memo_only: the trust data must come from the context's memo
 * of verified collections, else SIGNP_VERIFY_NOMEMO. */
int signp_verify_ref(sign_verify_result *out, sign_ctx *ctx, const char *refstr,
	const sign_verify_options *opts, signp_store *own, int memo_only, sign_error *err);

#endif

/*
 * verify.h - one reference's verification (verify.c), as sign_verify and
 * the batch (verify_batch.c) run it.  Internal.
 */
#ifndef SIGN_VERIFY_H
#define SIGN_VERIFY_H

#include "common.h"
#include "store.h"

#include <openssl/evp.h>

/* memo_only found no verified trust data for the reference's repository
 * on the context: the caller verifies it on its own thread instead. */
#define SIGNP_VERIFY_NOMEMO (-100)

/* The detached signature checks one batch has passed (step 6), shared by
 * its threads under a lock: a digest whose signatures met a role's
 * threshold with the role's keys, in a repository, is not checked again
 * for another reference of the same call (tags of one image); each
 * reference's tag, trust answer and served digest are still checked.
 * Successes only, the most recent SIGNP_SIG_MEMO of them.  Scoped to one
 * call, never kept in a context: a long-lived context (the admission
 * webhook) must see a signature that was revoked since. */
#define SIGNP_SIG_MEMO 256
typedef struct signp_sig_memo signp_sig_memo;
signp_sig_memo *signp_sig_memo_new(void);
void signp_sig_memo_free(signp_sig_memo *m);

/* sign_verify of refstr.  own: a store of the reference's repository over
 * a connection of its own (signp_store_open_own; borrowed), used instead
 * of the context's, and then the context is only read (a worker thread of
 * a batch).  memo_only: the trust data must come from the context's memo
 * of verified collections, else SIGNP_VERIFY_NOMEMO.  sigs: the batch's
 * signature checks (may be NULL). */
int signp_verify_ref(sign_verify_result *out, sign_ctx *ctx, const char *refstr,
	const sign_verify_options *opts, signp_store *own, int memo_only, signp_sig_memo *sigs,
	sign_error *err);

/* A check run after the image verified (its signed digest known), with the
 * keys that verified it: the trust data's role keys for that digest (each
 * public key once, its canonical ID beside it) and the role's threshold,
 * or the --key.  Attestations are checked this way. */
typedef struct signp_verify_then {
	int (*fn)(void *arg, signp_store *st, const char *gun, const char *digest, EVP_PKEY *const *pkeys,
		const char (*ids)[72], size_t nkeys, int64_t threshold, sign_error *err);
	void *arg;
} signp_verify_then;

/* signp_verify_ref of refstr on the context's store, then then->fn: its
 * failure is the verification's.  With a key (opts->key), the image's
 * detached signature is not required: then->fn's check stands for it (as
 * cosign verify-attestation --key).  Not offline (the registry is read). */
int signp_verify_ref_then(sign_verify_result *out, sign_ctx *ctx, const char *refstr,
	const sign_verify_options *opts, const signp_verify_then *then, sign_error *err);

#endif

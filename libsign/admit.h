/*
 * admit.h - the insides of the admission decision engine
 * (include/sign_admission.h): the bounded cache of verification results
 * with its singleflight (admit_cache.c), used by the reviews (admit.c).
 * Internal.
 */
#ifndef SIGN_ADMIT_H
#define SIGN_ADMIT_H

#include "common.h"

/*
 * A bounded map from a key (the text of (policy generation, rule,
 * repository, tag, digest)) to a verdict that expires, with a hash table
 * (SipHash under a random key: no flooding by chosen image names) for O(1)
 * lookups and a least-recently-used list for eviction: it never holds more
 * than max entries.  Successes are kept; a failure is handed to the
 * reviews that waited for it and forgotten.
 *
 * While one thread verifies a key (a "flight"), others that need the same
 * key wait for its end (a condition variable, bounded by their own
 * deadline) rather than verify it again.  Thread safe.
 */
typedef struct signp_admit_cache signp_admit_cache;
typedef struct signp_admit_flight signp_admit_flight;

int signp_admit_cache_new(signp_admit_cache **out, size_t max_entries, sign_error *err);
/* No flight may be under way.  NULL is a no-op. */
void signp_admit_cache_free(signp_admit_cache *c);
/* Entries held now (flights under way not counted). */
size_t signp_admit_cache_size(signp_admit_cache *c);
/* Threads waiting for a flight now (for tests and metrics). */
size_t signp_admit_cache_waiting(signp_admit_cache *c);

typedef enum signp_admit_claim_result {
	SIGNP_ADMIT_HIT = 0,   /* a success kept and not expired; text copied */
	SIGNP_ADMIT_SHARED,    /* another thread's verification ended while this one
	                        * waited: *ok and text are its verdict */
	SIGNP_ADMIT_RUN,       /* nobody has the key: verify it, then
	                        * signp_admit_cache_finish(*flight) */
	SIGNP_ADMIT_TIMEOUT,   /* deadline_ms passed while waiting */
	SIGNP_ADMIT_NOMEM
} signp_admit_claim_result;

/*
 * Look key up at now_ms (signp_monotonic_ms clock).  A wait ends by
 * deadline_ms (0: no bound).  text (textsz bytes, may be 0) gets the
 * verdict's text.
 */
signp_admit_claim_result signp_admit_cache_claim(signp_admit_cache *c, const char *key,
	int64_t now_ms, int64_t deadline_ms, int *ok, char *text, size_t textsz,
	signp_admit_flight **flight);
/*
 * End the flight claimed with SIGNP_ADMIT_RUN: ok and text (may be NULL)
 * go to every waiter.  A success with keep_until_ms > 0 is kept until
 * then (signp_monotonic_ms clock), the least recently used entry going
 * when the cache is full.  retry: the verdict says nothing about the key
 * (the verifying review ran out of time): the waiters look again, one of
 * them verifying it under its own deadline.  flight is gone after.
 */
void signp_admit_cache_finish(signp_admit_cache *c, signp_admit_flight *flight, int ok,
	int64_t keep_until_ms, const char *text, int retry);

/* A kept value without flights (tag resolutions): 1 and text copied when
 * key is held and not expired at now_ms, else 0. */
int signp_admit_cache_get(signp_admit_cache *c, const char *key, int64_t now_ms, char *text,
	size_t textsz);
/* Keep text under key until keep_until_ms (replacing what it held). */
void signp_admit_cache_put(signp_admit_cache *c, const char *key, int64_t keep_until_ms,
	const char *text);

/*
 * Until when (signp_monotonic_ms clock) a verification that succeeded at
 * now_ms may answer for its key: now + ttl_seconds, but no later than the
 * trust data's timestamp expiry (expires, unix seconds, at now_unix; 0: no
 * expiry, as for a key-only verification).  0: not kept (ttl_seconds not
 * positive, or the trust data expires now).
 */
int64_t signp_admit_keep_until(int64_t now_ms, long ttl_seconds, int64_t expires, int64_t now_unix);

#endif

/*
 * sign_admission.h - the decision engine of a Kubernetes admission webhook
 * (`sign admission`): an AdmissionReview in, its answer out, every image
 * verified under a policy file.
 *
 * The engine holds the policy, a bounded cache of verification results and
 * the bookkeeping that lets concurrent reviews of one image share one
 * verification.  It does no HTTP serving, no printing and no signal
 * handling: the program that embeds it (the `sign admission` command)
 * reads requests, hands each body to sign_admission_review() from one of
 * its worker threads, and writes the answer and the audit line it gets
 * back.
 *
 * Thread safety: one sign_admission is shared by all threads;
 * sign_admission_load_policy(), sign_admission_stats_get() and
 * sign_admission_refuse() may be called from any thread at any time.  A
 * sign_admission_worker (its HTTP handles and connections) is used by one
 * thread at a time.
 *
 * What a review decides, for each image of the object
 * (containers, initContainers, ephemeralContainers of a Pod or of a
 * workload's pod template):
 *   1. the namespace is exempt, or the image's rule says allow: allowed
 *      without looking at it; the rule says deny, or no rule matches:
 *      denied (the default).
 *   2. otherwise a tag is resolved to the digest the registry serves now
 *      (a HEAD on every review unless resolve_ttl_seconds allows reusing a
 *      resolution); an image given by digest keeps its digest.
 *   3. a verification of (rule, repository, tag, digest) that is cached and
 *      not expired answers; else one verification runs (sign_verify under
 *      the rule's backend, pins, signers), shared by every concurrent
 *      review that needs the same one, and a success is cached until
 *      min(now + cache_ttl_seconds, the trust data's timestamp expiry).
 *      Failures are not cached.
 *   4. past the review's deadline, whatever is still unverified is denied
 *      ("image R (rule N): deadline exceeded: not verified within M ms"):
 *      fail closed.
 * The review is allowed when every image is.  In SIGN_ADMISSION_MUTATE
 * mode an allowed answer carries a JSONPatch that replaces each verified
 * image given by tag with repository@digest.
 *
 * Before the images: a DELETE or CONNECT review is allowed (nothing new
 * runs); in an exempt namespace any kind is allowed; a kind without a pod
 * spec (a Service, a custom resource) is denied with the reason (narrow
 * the webhook's rules); a body that is no review is a denial with the
 * parser's reason when its request.uid can be read, else a 400.
 *
 * What is verified: a tag as "repository:tag" (sign_verify checks that
 * the tag is signed for the digest the registry serves, and the engine
 * that this is the digest it resolved, its cache key and the pin), an
 * image given by digest as "repository@digest" ("repository:tag@digest"
 * when it gives both: the tag must be signed for that digest).  A
 * `trust: layout` rule verifies "oci:LAYOUT:tag" instead, the
 * layout's GUN being local/<folder name> (sign_verify's default for oci:
 * references): the layout stands in for the registry, for tests.
 * Messages name rules by their number in the file, from 1, and their name
 * when they have one: "image R (rule 2 \"team\"): <why>"; several refused
 * images are joined with "; ", the whole bounded (4 KiB).  A review that
 * waited for another's verification of the same image counts that result
 * as a cache hit.
 */
#ifndef SIGN_ADMISSION_H
#define SIGN_ADMISSION_H

#include "sign.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sign_admission sign_admission;
typedef struct sign_admission_worker sign_admission_worker;

typedef struct sign_admission_options {
	unsigned int version;
	/* How to reach registries and trust servers, for every worker: home
	 * (the trust cache and pins), insecure_registries, ca_file,
	 * docker_config / docker_auth_config, timeout_seconds, log_cb.  Its
	 * trust_server is ignored (each rule names its own); passphrase_cb is
	 * never called; log_cb may be called from several workers' threads at
	 * once.  Copied (docker_auth_config too, wiped at sign_admission_free):
	 * it need not outlive sign_admission_new. */
	const sign_ctx_options *ctx;
	size_t cache_entries;        /* verification results kept; 0: 10000 */
	long cache_ttl_seconds;      /* longest a result is reused; 0: 60; -1: no cache */
	long resolve_ttl_seconds;    /* reuse a tag's resolution this long; 0: never
	                              * (a HEAD on every review) */
} sign_admission_options;

#define SIGN_ADMISSION_OPTIONS_VERSION 1
#define SIGN_ADMISSION_OPTIONS_INIT { SIGN_ADMISSION_OPTIONS_VERSION, NULL, 0, 0, 0 }

SIGN_EXTERN(int) sign_admission_new(sign_admission **out, const sign_admission_options *opts,
	sign_error *err) SIGN_WARN_UNUSED;
/* All workers must have been freed first.  NULL is a no-op. */
SIGN_EXTERN(void) sign_admission_free(sign_admission *adm);

/*
 * Load the policy file at path (YAML or JSON; see sign-policy(5)) and put
 * it in force for the reviews that start from now on; reviews under way
 * finish under the policy they started with.  On any failure (a file that
 * does not parse, a rule that breaks the form, a key file a rule names that
 * cannot be read) SIGN_EFORMAT / SIGN_ENOTFOUND / SIGN_EIO / SIGN_EKEY with
 * err saying where and why, and the policy in force stays.  Results
 * cached under an older policy are not reused.
 */
SIGN_EXTERN(int) sign_admission_load_policy(sign_admission *adm, const char *path,
	sign_error *err) SIGN_WARN_UNUSED;

/* Monotonic milliseconds, the clock of deadlines and latencies. */
SIGN_EXTERN(int64_t) sign_admission_now_ms(void);

SIGN_EXTERN(int) sign_admission_worker_new(sign_admission_worker **out, sign_admission *adm,
	sign_error *err) SIGN_WARN_UNUSED;
SIGN_EXTERN(void) sign_admission_worker_free(sign_admission_worker *w);

typedef enum sign_admission_mode {
	SIGN_ADMISSION_VALIDATE = 0, /* answer allowed or denied */
	SIGN_ADMISSION_MUTATE = 1    /* and pin each verified tag to its digest */
} sign_admission_mode;

typedef struct sign_admission_decision {
	unsigned int version;     /* SIGN_ADMISSION_DECISION_VERSION */
	int http_status;          /* 200: answer is an AdmissionReview; 400: the body
	                           * is no review we can answer (answer is a JSON
	                           * {"error": MESSAGE}) */
	int allowed;              /* 1 allowed, 0 denied (or 400) */
	size_t images;            /* images looked at */
	size_t cache_hits;        /* of them, answered from the cache */
	size_t verifications;     /* verifications this review ran itself */
	size_t upstream_errors;   /* registries or trust servers that failed (network,
	                           * HTTP errors, timeouts): not verdicts on an image */
	int deadline_exceeded;    /* the deadline denied an image */
	sign_buf answer;          /* the HTTP response body (JSON) */
	sign_buf audit;           /* one JSON object, no newline: time (RFC 3339 UTC),
	                           * uid, namespace, kind, name, operation, mode
	                           * ("validate"/"mutate"), images[], digests[] (null
	                           * where none), rules[] (per image: the rule's name,
	                           * else its number from 1, or "exempt"/"default"),
	                           * result ("allow"/"deny"/"error" for a 400),
	                           * reasons[], cached[] (per image), latency_ms */
} sign_admission_decision;

#define SIGN_ADMISSION_DECISION_VERSION 1
#define SIGN_ADMISSION_DECISION_INIT { SIGN_ADMISSION_DECISION_VERSION, 0, 0, 0, 0, 0, 0, 0, \
	SIGN_BUF_INIT, SIGN_BUF_INIT }

/* Free the decision's buffers and leave it empty, its version kept. */
SIGN_EXTERN(void) sign_admission_decision_dispose(sign_admission_decision *d);

/*
 * Review one request body (len bytes, at most 3 MiB; larger is a 400).
 * received_ms is when the request arrived and deadline_ms when the answer
 * is due (both sign_admission_now_ms() clock); every request upstream is
 * bounded by the deadline.  Returns SIGN_OK with *out filled (denials
 * included: a denial is a decision), or SIGN_EINVAL / SIGN_ENOMEM when no
 * decision could be written at all.
 */
SIGN_EXTERN(int) sign_admission_review(sign_admission_decision *out, sign_admission_worker *w,
	const void *body, size_t len, sign_admission_mode mode, int64_t received_ms,
	int64_t deadline_ms, sign_error *err) SIGN_WARN_UNUSED;

/*
 * A denial without a verification, for a body the server will not review
 * (it is draining, its workers missed the deadline): an AdmissionReview
 * answer with the body's uid, allowed false and message, or, when the body
 * has no usable uid, http_status 400.  Fills out as sign_admission_review
 * does (audit included, latency from received_ms).
 */
SIGN_EXTERN(int) sign_admission_refuse(sign_admission_decision *out, sign_admission *adm,
	const void *body, size_t len, const char *message, int64_t received_ms,
	sign_error *err) SIGN_WARN_UNUSED;

typedef struct sign_admission_stats {
	unsigned int version;     /* SIGN_ADMISSION_STATS_VERSION */
	uint64_t allowed;         /* reviews answered allowed */
	uint64_t denied;          /* reviews answered denied */
	uint64_t bad_requests;    /* bodies answered 400 */
	uint64_t cache_hits;      /* image verdicts from the cache */
	uint64_t cache_misses;
	uint64_t verifications;   /* verifications run */
	uint64_t upstream_errors;
	uint64_t deadline_exceeded;
	uint64_t in_flight;       /* verifications running now */
	uint64_t cache_size;      /* entries held now */
	uint64_t policy_generation; /* 1 for the first policy, +1 per reload that took */
	uint64_t policy_reload_failures;
	uint64_t policy_rules;    /* rules of the policy in force (its default rule not
	                           * counted), for `sign admission --check` */
} sign_admission_stats;

#define SIGN_ADMISSION_STATS_VERSION 1
#define SIGN_ADMISSION_STATS_INIT { SIGN_ADMISSION_STATS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

SIGN_EXTERN(int) sign_admission_stats_get(sign_admission_stats *out, sign_admission *adm);

#ifdef __cplusplus
}
#endif

#endif

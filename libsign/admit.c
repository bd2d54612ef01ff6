/*
 * admit.c - the admission decision engine (include/sign_admission.h): the
 * policy in force and its swap, the workers' contexts, and the review of
 * one AdmissionReview: its images matched, resolved, verified (through the
 * cache and its singleflight, admit_cache.c), the answer and the audit
 * line written.
 */
#include "sign_admission.h"

#include "admit.h"
#include "ctx.h"
#include "http.h"
#include "policy.h"
#include "ref.h"
#include "review.h"
#include "store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#define ADM_DEFAULT_ENTRIES 10000
#define ADM_DEFAULT_TTL 60
#define ADM_MAX_ENTRIES (1u << 24)
/* status.message: the API server shows it to the user */
#define ADM_MESSAGE_MAX 4096
#define ADM_TEXT_MAX 1024
#define ADM_NOTARY_MAX 8  /* notary contexts a worker keeps (oldest dropped) */

/* A policy in force, shared by the reviews that started under it. */
typedef struct adm_policy {
	atomic_size_t refs;
	signp_policy *p;
	uint64_t generation;
} adm_policy;

struct sign_admission {
	/* the contexts' options, deep copies */
	sign_ctx_options ctxo;
	char *home, *ca_file, *docker_config, *docker_auth_config;
	char **insecure;           /* NULL-terminated */
	long cache_ttl, resolve_ttl;
	signp_admit_cache *cache;  /* verdicts; NULL when cache_ttl is -1 */
	signp_admit_cache *flights;/* singleflight only (cache off): nothing kept */
	signp_admit_cache *resolved; /* tag resolutions, when resolve_ttl > 0 */
	pthread_mutex_t mu;        /* guards pol and generation */
	adm_policy *pol;
	uint64_t generation;
	atomic_uint_fast64_t allowed, denied, bad_requests, cache_hits, cache_misses, verifications,
		upstream_errors, deadline_exceeded, in_flight, reload_failures;
};

struct sign_admission_worker {
	sign_admission *adm;
	sign_ctx *reg;             /* registry backend (and layouts), or NULL */
	uint64_t reg_review;       /* the review that last used it */
	struct {
		char *url;
		sign_ctx *ctx;
		uint64_t review;
	} notary[ADM_NOTARY_MAX];
	size_t nnotary;
	int64_t deadline_ms;       /* of the review under way */
	uint64_t review;           /* reviews started */
};

SIGN_EXTERN(int64_t) sign_admission_now_ms(void)
{
	return signp_monotonic_ms();
}

/* ---------------------------------------------------------------------- */
/* the engine                                                              */

static void free_copies(sign_admission *adm)
{
	free(adm->home);
	free(adm->ca_file);
	free(adm->docker_config);
	if (adm->docker_auth_config != NULL) {
		sodium_memzero(adm->docker_auth_config, strlen(adm->docker_auth_config));
		free(adm->docker_auth_config);
	}
	for (char **p = adm->insecure; p != NULL && *p != NULL; p++)
		free(*p);
	free(adm->insecure);
}

static int dup_opt(char **out, const char *s)
{
	*out = NULL;
	return s == NULL || (*out = signp_strdup(s)) != NULL ? 0 : -1;
}

/* Deep copies of the context options (version 1 or 2) into adm->ctxo. */
static int copy_ctx_options(sign_admission *adm, const sign_ctx_options *o, sign_error *err)
{
	sign_ctx_options init = SIGN_CTX_OPTIONS_INIT;
	size_t n = 0;
	adm->ctxo = init;
	if (o == NULL)
		return SIGN_OK;
	if (o->version != 1 && o->version != SIGN_CTX_OPTIONS_VERSION)
		return signp_err(err, SIGN_EINVAL, "admission: unsupported context options version %u",
			o->version);
	if (dup_opt(&adm->home, o->home) || dup_opt(&adm->ca_file, o->ca_file) ||
	    dup_opt(&adm->docker_config, o->docker_config))
		return signp_err(err, SIGN_ENOMEM, "admission: out of memory");
	if (o->version >= 2) {
		if (o->docker_auth_config != NULL && o->docker_auth_config[0] != '\0' &&
		    dup_opt(&adm->docker_auth_config, o->docker_auth_config))
			return signp_err(err, SIGN_ENOMEM, "admission: out of memory");
		adm->ctxo.disable_tofu = o->disable_tofu;
	}
	for (const char *const *h = o->insecure_registries; h != NULL && *h != NULL; h++)
		n++;
	if (o->insecure_registries != NULL) {
		if ((adm->insecure = calloc(n + 1, sizeof(char *))) == NULL)
			return signp_err(err, SIGN_ENOMEM, "admission: out of memory");
		for (size_t i = 0; i < n; i++)
			if ((adm->insecure[i] = signp_strdup(o->insecure_registries[i])) == NULL)
				return signp_err(err, SIGN_ENOMEM, "admission: out of memory");
	}
	adm->ctxo.home = adm->home;
	adm->ctxo.ca_file = adm->ca_file;
	adm->ctxo.docker_config = adm->docker_config;
	adm->ctxo.docker_auth_config = adm->docker_auth_config;
	adm->ctxo.insecure_registries = (const char *const *)adm->insecure;
	adm->ctxo.timeout_seconds = o->timeout_seconds;
	adm->ctxo.log_cb = o->log_cb;
	adm->ctxo.payload = o->payload;
	return SIGN_OK;
}

SIGN_EXTERN(int) sign_admission_new(sign_admission **out, const sign_admission_options *opts,
	sign_error *err)
{
	sign_admission *adm;
	size_t entries;
	int r;

	signp_err_clear(err);
	if (out == NULL)
		return signp_err(err, SIGN_EINVAL, "admission: no output given");
	*out = NULL;
	if (opts == NULL || opts->version != SIGN_ADMISSION_OPTIONS_VERSION)
		return signp_err(err, SIGN_EINVAL, "admission: unsupported options version");
	if (opts->cache_ttl_seconds < -1 || opts->resolve_ttl_seconds < 0)
		return signp_err(err, SIGN_EINVAL, "admission: a negative cache lifetime "
			"(cache_ttl_seconds -1 turns the cache off)");
	entries = opts->cache_entries ? opts->cache_entries : ADM_DEFAULT_ENTRIES;
	if (entries > ADM_MAX_ENTRIES)
		return signp_err(err, SIGN_EINVAL, "admission: cache of %zu entries: at most %u",
			entries, ADM_MAX_ENTRIES);
	if ((adm = calloc(1, sizeof(*adm))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "admission: out of memory");
	if (pthread_mutex_init(&adm->mu, NULL) != 0) {
		free(adm);
		return signp_err(err, SIGN_ERROR, "admission: cannot make a mutex");
	}
	adm->cache_ttl = opts->cache_ttl_seconds ? opts->cache_ttl_seconds : ADM_DEFAULT_TTL;
	adm->resolve_ttl = opts->resolve_ttl_seconds;
	if ((r = copy_ctx_options(adm, opts->ctx, err)) != SIGN_OK)
		goto fail;
	/* with the cache off, verifications under way are still shared */
	if (adm->cache_ttl > 0)
		r = signp_admit_cache_new(&adm->cache, entries, err);
	else
		r = signp_admit_cache_new(&adm->flights, 1, err);
	if (r == SIGN_OK && adm->resolve_ttl > 0)
		r = signp_admit_cache_new(&adm->resolved, entries, err);
	if (r != SIGN_OK)
		goto fail;
	*out = adm;
	return SIGN_OK;
fail:
	sign_admission_free(adm);
	return r;
}

static void policy_put(adm_policy *p)
{
	if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1) {
		signp_policy_free(p->p);
		free(p);
	}
}

static adm_policy *policy_get(sign_admission *adm)
{
	adm_policy *p;
	pthread_mutex_lock(&adm->mu);
	if ((p = adm->pol) != NULL)
		atomic_fetch_add(&p->refs, 1);
	pthread_mutex_unlock(&adm->mu);
	return p;
}

SIGN_EXTERN(void) sign_admission_free(sign_admission *adm)
{
	if (adm == NULL)
		return;
	policy_put(adm->pol);
	signp_admit_cache_free(adm->cache);
	signp_admit_cache_free(adm->flights);
	signp_admit_cache_free(adm->resolved);
	free_copies(adm);
	pthread_mutex_destroy(&adm->mu);
	free(adm);
}

/* A file a rule names (what: "rootKeys", "rootCA", "key") must be a
 * readable regular file (a link is followed: mounted ConfigMaps and
 * Secrets are links). */
static int check_rule_file(const char *path, const signp_policy_rule *rule, const char *what,
	const char *policy_path, sign_error *err)
{
	int fd = signp_open_regular(path, SIGNP_READ_FOREIGN, NULL, err);
	if (fd < 0) {
		int code = fd == SIGN_ENOTFOUND ? SIGN_ENOTFOUND : SIGN_EIO;
		if (err != NULL && err->message[0] == '\0')
			signp_err(err, code, "%s: cannot be read", path);
		return signp_err_prefix(err, code, "policy %s: rules[%d].%s (line %lu)", policy_path,
			rule->index, what, rule->line);
	}
	close(fd);
	return SIGN_OK;
}

static int check_policy_files(const signp_policy *p, const char *path, sign_error *err)
{
	size_t n = signp_policy_rule_count(p);
	int r = SIGN_OK;
	for (size_t i = 0; i < n && r == SIGN_OK; i++) {
		const signp_policy_rule *rule = signp_policy_rule_at(p, i);
		for (size_t k = 0; k < rule->n_root_keys && r == SIGN_OK; k++)
			r = check_rule_file(rule->root_keys[k], rule, "rootKeys", path, err);
		if (r == SIGN_OK && rule->root_ca != NULL)
			r = check_rule_file(rule->root_ca, rule, "rootCA", path, err);
		if (r == SIGN_OK && rule->key != NULL)
			r = check_rule_file(rule->key, rule, "key", path, err);
		if (r == SIGN_OK && rule->trusted_root != NULL)
			r = check_rule_file(rule->trusted_root, rule, "trustedRoot", path, err);
	}
	return r;
}

SIGN_EXTERN(int) sign_admission_load_policy(sign_admission *adm, const char *path, sign_error *err)
{
	signp_policy *p = NULL;
	adm_policy *np, *old;
	int r;

	signp_err_clear(err);
	if (adm == NULL || path == NULL)
		return signp_err(err, SIGN_EINVAL, "loading a policy: no engine or path given");
	if ((r = signp_policy_load(&p, path, err)) != SIGN_OK ||
	    (r = check_policy_files(p, path, err)) != SIGN_OK)
		goto fail;
	if ((np = calloc(1, sizeof(*np))) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "loading policy %s: out of memory", path);
		goto fail;
	}
	atomic_init(&np->refs, 1);
	np->p = p;
	pthread_mutex_lock(&adm->mu);
	np->generation = ++adm->generation;
	old = adm->pol;
	adm->pol = np;
	pthread_mutex_unlock(&adm->mu);
	policy_put(old); /* reviews under way keep theirs */
	return SIGN_OK;
fail:
	signp_policy_free(p);
	atomic_fetch_add(&adm->reload_failures, 1);
	return r;
}

SIGN_EXTERN(int) sign_admission_stats_get(sign_admission_stats *out, sign_admission *adm)
{
	if (out == NULL || adm == NULL || out->version != SIGN_ADMISSION_STATS_VERSION)
		return SIGN_EINVAL;
	out->allowed = atomic_load(&adm->allowed);
	out->denied = atomic_load(&adm->denied);
	out->bad_requests = atomic_load(&adm->bad_requests);
	out->cache_hits = atomic_load(&adm->cache_hits);
	out->cache_misses = atomic_load(&adm->cache_misses);
	out->verifications = atomic_load(&adm->verifications);
	out->upstream_errors = atomic_load(&adm->upstream_errors);
	out->deadline_exceeded = atomic_load(&adm->deadline_exceeded);
	out->in_flight = atomic_load(&adm->in_flight);
	out->cache_size = adm->cache != NULL ? signp_admit_cache_size(adm->cache) : 0;
	pthread_mutex_lock(&adm->mu);
	out->policy_generation = adm->generation;
	out->policy_rules = adm->pol != NULL ? signp_policy_rule_count(adm->pol->p) : 0;
	pthread_mutex_unlock(&adm->mu);
	out->policy_reload_failures = atomic_load(&adm->reload_failures);
	return SIGN_OK;
}

/* ---------------------------------------------------------------------- */
/* workers                                                                 */

SIGN_EXTERN(int) sign_admission_worker_new(sign_admission_worker **out, sign_admission *adm,
	sign_error *err)
{
	sign_admission_worker *w;
	signp_err_clear(err);
	if (out == NULL || adm == NULL)
		return signp_err(err, SIGN_EINVAL, "admission worker: no engine given");
	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "admission worker: out of memory");
	w->adm = adm;
	*out = w;
	return SIGN_OK;
}

SIGN_EXTERN(void) sign_admission_worker_free(sign_admission_worker *w)
{
	if (w == NULL)
		return;
	sign_ctx_free(w->reg);
	for (size_t i = 0; i < w->nnotary; i++) {
		sign_ctx_free(w->notary[i].ctx);
		free(w->notary[i].url);
	}
	free(w);
}

/* The worker's context for rule's backend, made on first use (trust
 * server: the rule's notary server; else none). */
static int worker_ctx(sign_ctx **out, sign_admission_worker *w, const signp_policy_rule *rule,
	sign_error *err)
{
	sign_ctx_options o = w->adm->ctxo;
	sign_ctx *ctx = NULL;
	uint64_t *last;
	int r;
	*out = NULL;
	if (rule->trust != SIGNP_POLICY_TRUST_NOTARY) {
		if (w->reg == NULL && (r = sign_ctx_new(&w->reg, &o, err)) != SIGN_OK)
			return r;
		ctx = w->reg;
		last = &w->reg_review;
	} else {
		size_t i;
		for (i = 0; i < w->nnotary; i++)
			if (strcmp(w->notary[i].url, rule->server) == 0)
				break;
		if (i == w->nnotary) {
			char *url = signp_strdup(rule->server);
			if (url == NULL)
				return signp_err(err, SIGN_ENOMEM, "admission: out of memory");
			o.trust_server = rule->server;
			if ((r = sign_ctx_new(&ctx, &o, err)) != SIGN_OK) {
				free(url);
				return r;
			}
			if (w->nnotary == ADM_NOTARY_MAX) {
				sign_ctx_free(w->notary[0].ctx);
				free(w->notary[0].url);
				memmove(&w->notary[0], &w->notary[1],
					(ADM_NOTARY_MAX - 1) * sizeof(w->notary[0]));
				w->nnotary--;
			}
			i = w->nnotary++;
			w->notary[i].url = url;
			w->notary[i].ctx = ctx;
		}
		ctx = w->notary[i].ctx;
		last = &w->notary[i].review;
	}
	/* trust verified in an earlier review is looked at again: the
	 * context remembers it only within one review */
	if (*last != w->review) {
		signp_ctx_memo_clear(ctx);
		*last = w->review;
	}
	signp_ctx_set_deadline(ctx, w->deadline_ms);
	*out = ctx;
	return SIGN_OK;
}

/* ---------------------------------------------------------------------- */
/* one review                                                              */

/* What became of one image. */
typedef struct adm_image {
	const char *image;       /* as written (borrowed from the review) */
	int allowed;
	int cached;
	char digest[80];         /* "" when none */
	char rule[96];           /* for the audit: name, number, "exempt", "default" */
	char *reason;            /* why it was refused, or NULL */
	char *pinned;            /* mutate: repository@digest, or NULL */
} adm_image;

typedef struct adm_review {
	sign_admission_worker *w;
	sign_admission *adm;
	adm_policy *pol;
	sign_admission_decision *d;
	const char *ns;
	int64_t received_ms, deadline_ms;
	int fast;        /* sign_admission_review_cached: no worker, no request upstream */
	int need_worker; /* fast, and an image needs a request upstream */
} adm_review;

static int set_reason(adm_image *im, const char *fmt, ...) SIGN_ATTR_PRINTF(2, 3);
static int set_reason(adm_image *im, const char *fmt, ...)
{
	char buf[ADM_TEXT_MAX + 512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(im->reason);
	im->reason = signp_strdup(buf);
	im->allowed = 0;
	return im->reason != NULL ? SIGN_OK : SIGN_ENOMEM;
}

/* "rule 2" or "rule 2 \"team\"": rules are numbered from 1, in file order */
static void rule_label(char *out, size_t n, const signp_policy_rule *rule)
{
	if (rule->name != NULL)
		snprintf(out, n, "rule %d \"%.60s\"", rule->index + 1, rule->name);
	else
		snprintf(out, n, "rule %d", rule->index + 1);
}

static int is_upstream(int code)
{
	return code == SIGN_ENET || code == SIGN_EREGISTRY || code == SIGN_EAUTH;
}

static int past(const adm_review *rv)
{
	return rv->deadline_ms > 0 && sign_admission_now_ms() >= rv->deadline_ms;
}

static int deny_deadline(adm_review *rv, adm_image *im, const char *label)
{
	rv->d->deadline_exceeded = 1;
	atomic_fetch_add(&rv->adm->deadline_exceeded, 1);
	return set_reason(im, "image %s (%s): deadline exceeded: not verified within %lld ms",
		im->image, label, (long long)(rv->deadline_ms - rv->received_ms));
}

/* The digest tag names now, in the layout or registry of sref. */
static int resolve_tag(adm_review *rv, sign_ctx *ctx, const signp_ref *sref, const char *tag,
	char digest[80], sign_error *err)
{
	signp_store *st = NULL;
	sign_buf key = SIGN_BUF_INIT;
	char mt[256];
	uint64_t size = 0;
	int r;
	if (rv->adm->resolved != NULL) {
		if (signp_buf_printf(&key, "%s|%s|%s", sref->layout ? "oci" : "reg",
			sref->layout ? sref->oci_dir : sref->gun, tag) != SIGN_OK)
			return signp_err(err, SIGN_ENOMEM, "resolving tag %s: out of memory", tag);
		if (signp_admit_cache_get(rv->adm->resolved, key.ptr, sign_admission_now_ms(), digest, 80)) {
			sign_buf_dispose(&key);
			return SIGN_OK;
		}
	}
	if (rv->fast) {
		/* a HEAD is a worker's job */
		sign_buf_dispose(&key);
		rv->need_worker = 1;
		return SIGN_OK;
	}
	if ((r = signp_store_open(&st, ctx, sref, 0, err)) == SIGN_OK)
		r = signp_store_resolve(st, tag, digest, mt, &size, err);
	signp_store_free(st);
	if (r == SIGN_OK && !signp_digest_valid(digest))
		r = signp_err(err, SIGN_EFORMAT, "the %s answered with no valid digest",
			sref->layout ? "layout" : "registry");
	if (r == SIGN_OK && rv->adm->resolved != NULL)
		signp_admit_cache_put(rv->adm->resolved, key.ptr,
			sign_admission_now_ms() + rv->adm->resolve_ttl * 1000, digest);
	sign_buf_dispose(&key);
	return r;
}

int64_t signp_admit_keep_until(int64_t now_ms, long ttl_seconds, int64_t expires, int64_t now_unix)
{
	int64_t life;
	if (ttl_seconds <= 0)
		return 0;
	life = (int64_t)ttl_seconds * 1000;
	if (expires > 0) {
		int64_t left = expires - now_unix;
		if (left <= 0)
			return 0;
		if (left < (int64_t)ttl_seconds)
			life = left * 1000;
	}
	return now_ms + life;
}

/* Verify vref under rule (the flight's owner). */
static int run_verify(adm_review *rv, sign_ctx *ctx, const signp_policy_rule *rule,
	const char *vref, const char *digest, int64_t *keep_until, sign_error *err)
{
	const char *roots[SIGNP_POLICY_MAX_LIST + 1], *signers[SIGNP_POLICY_MAX_LIST + 1];
	sign_verify_options vo = SIGN_VERIFY_OPTIONS_INIT;
	sign_verify_result res = SIGN_VERIFY_RESULT_INIT;
	int r;
	size_t i;

	for (i = 0; i < rule->n_root_keys && i < SIGNP_POLICY_MAX_LIST; i++)
		roots[i] = rule->root_keys[i];
	roots[i] = NULL;
	for (i = 0; i < rule->n_signers && i < SIGNP_POLICY_MAX_LIST; i++)
		signers[i] = rule->signers[i];
	signers[i] = NULL;
	if (rule->n_root_keys > 0)
		vo.root_keys = roots;
	vo.root_ca = rule->root_ca;
	if (rule->n_signers > 0) {
		vo.signers = signers;
		vo.threshold = rule->threshold;
	}
	if (rule->trust == SIGNP_POLICY_TRUST_KEY)
		vo.key = rule->key;
	atomic_fetch_add(&rv->adm->in_flight, 1);
	atomic_fetch_add(&rv->adm->verifications, 1);
	rv->d->verifications++;
	if (rule->trust == SIGNP_POLICY_TRUST_KEYLESS) {
		sign_sigstore_options ko = SIGN_SIGSTORE_OPTIONS_INIT;
		ko.certificate_identity = rule->identity;
		ko.certificate_identity_regexp = rule->identity_re;
		ko.certificate_oidc_issuer = rule->issuer;
		ko.certificate_oidc_issuer_regexp = rule->issuer_re;
		ko.trusted_root_path = rule->trusted_root;
		r = sign_verify_sigstore(&res, NULL, ctx, vref, &ko, err);
	} else {
		r = sign_verify(&res, ctx, vref, &vo, err);
	}
	atomic_fetch_sub(&rv->adm->in_flight, 1);
	/* the cache key and the pin are that digest: sign_verify checked it,
	 * and so does this, whatever the backend */
	if (r == SIGN_OK && strcmp(res.digest, digest) != 0)
		r = signp_err(err, SIGN_EVERIFY, "verifying %s: verified %s, not the digest %s resolved",
			vref, res.digest, digest);
	*keep_until = 0;
	if (r == SIGN_OK)
		*keep_until = signp_admit_keep_until(sign_admission_now_ms(), rv->adm->cache_ttl,
			rule->trust == SIGNP_POLICY_TRUST_KEY || rule->trust == SIGNP_POLICY_TRUST_KEYLESS ? 0 :
			res.timestamp_expires, signp_now());
	sign_verify_result_dispose(&res);
	return r;
}

static int review_cached(adm_review *rv, adm_image *im, const signp_policy_rule *rule,
	const char *label, sign_ctx *ctx, const signp_ref *ref, sign_buf *where, sign_buf *vref,
	sign_buf *key);

/* A message into out, cut to fit. */
static void textf(char *out, size_t n, const char *fmt, ...) SIGN_ATTR_PRINTF(3, 4);
static void textf(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, n, fmt, ap);
	va_end(ap);
}

/* One image under a verifying rule: resolve, then the cache, else verify. */
static int review_verify(adm_review *rv, adm_image *im, const signp_policy_rule *rule,
	const char *label)
{
	signp_ref ref;
	sign_ctx *ctx = NULL;
	sign_error e;
	sign_buf where = SIGN_BUF_INIT, vref = SIGN_BUF_INIT, key = SIGN_BUF_INIT;
	int r;

	memset(&e, 0, sizeof(e));
	if ((r = signp_ref_parse(&ref, im->image, NULL, &e)) != SIGN_OK)
		return set_reason(im, "image %s (%s): %s", im->image, label, e.message);
	if (rv->fast) {
		r = review_cached(rv, im, rule, label, NULL, &ref, &where, &vref, &key);
		sign_buf_dispose(&where);
		sign_buf_dispose(&vref);
		sign_buf_dispose(&key);
		return r;
	}
	if ((r = worker_ctx(&ctx, rv->w, rule, &e)) != SIGN_OK) {
		if (r == SIGN_ENOMEM)
			return r;
		return set_reason(im, "image %s (%s): %s", im->image, label, e.message);
	}
	/* a worker meets many registries over its life, a context holds a
	 * few handles: start afresh when an image could find no free slot
	 * (a registry and a trust server) */
	if (ctx->nregs + 2 > SIGN_MAX_REGISTRIES)
		signp_ctx_drop_registries(ctx);
	if (past(rv))
		return deny_deadline(rv, im, label);
	r = review_cached(rv, im, rule, label, ctx, &ref, &where, &vref, &key);
	sign_buf_dispose(&where);
	sign_buf_dispose(&vref);
	sign_buf_dispose(&key);
	return r;
}

/* review_verify's body, with its buffers. */
static int review_cached(adm_review *rv, adm_image *im, const signp_policy_rule *rule,
	const char *label, sign_ctx *ctx, const signp_ref *ref, sign_buf *where, sign_buf *vref,
	sign_buf *key)
{
	sign_admission *adm = rv->adm;
	signp_admit_cache *cache = adm->cache != NULL ? adm->cache : adm->flights;
	signp_admit_flight *flight = NULL;
	signp_admit_claim_result claim;
	signp_ref sref;
	sign_error e;
	char text[ADM_TEXT_MAX];
	const char *tag;
	int r, ok = 0;
	int64_t keep_until = 0;

	memset(&e, 0, sizeof(e));
	tag = ref->tag[0] ? ref->tag : ref->digest[0] ? "" : "latest";
	/* where the image and its trust data are: the registry, or the
	 * rule's layout standing in for it (its GUN: local/<folder>) */
	if ((rule->trust == SIGNP_POLICY_TRUST_LAYOUT ? signp_buf_printf(where, "oci:%s", rule->layout) :
		signp_buf_puts(where, ref->gun)) != SIGN_OK)
		return SIGN_ENOMEM;
	if (ref->digest[0]) {
		signp_strlcpy(im->digest, ref->digest, sizeof(im->digest));
	} else {
		sign_buf sstr = SIGN_BUF_INIT;
		if (signp_buf_printf(&sstr, "%s:%s", where->ptr, tag) != SIGN_OK)
			return SIGN_ENOMEM;
		memset(&sref, 0, sizeof(sref));
		if ((r = signp_ref_parse(&sref, sstr.ptr, NULL, &e)) == SIGN_OK)
			r = resolve_tag(rv, ctx, &sref, tag, im->digest, &e);
		sign_buf_dispose(&sstr);
		if (r == SIGN_OK && rv->need_worker)
			return SIGN_OK;
		if (r != SIGN_OK) {
			im->digest[0] = '\0';
			if (r == SIGN_ENOMEM)
				return r;
			if (is_upstream(r)) {
				rv->d->upstream_errors++;
				atomic_fetch_add(&adm->upstream_errors, 1);
			}
			if (is_upstream(r) && past(rv))
				return deny_deadline(rv, im, label);
			return set_reason(im, "image %s (%s): resolving tag %s: %s", im->image, label,
				tag, e.message);
		}
	}
	/* a tag with the digest resolved (or given): the tag must be signed for
	 * exactly that digest, whatever the backend (a notary server's
	 * collection says nothing of what the registry serves); an image given
	 * by digest alone: that digest */
	if ((tag[0] ? signp_buf_printf(vref, "%s:%s@%s", where->ptr, tag, im->digest) :
		      signp_buf_printf(vref, "%s@%s", where->ptr, im->digest)) != SIGN_OK ||
	    signp_buf_printf(key, "%llu|%d|%s|%s|%s", (unsigned long long)rv->pol->generation,
		rule->index, where->ptr, tag, im->digest) != SIGN_OK)
		return SIGN_ENOMEM;

	if (rv->fast) {
		/* a success the cache holds, or a worker's review: a fast
		 * review neither verifies nor waits for another's verification */
		if (adm->cache == NULL ||
		    !signp_admit_cache_get(adm->cache, key->ptr, sign_admission_now_ms(), text, sizeof(text))) {
			rv->need_worker = 1;
			return SIGN_OK;
		}
		claim = SIGNP_ADMIT_HIT;
	} else {
		claim = signp_admit_cache_claim(cache, key->ptr, sign_admission_now_ms(), rv->deadline_ms,
			&ok, text, sizeof(text), &flight);
	}
	switch (claim) {
	case SIGNP_ADMIT_HIT:
		im->allowed = im->cached = 1;
		rv->d->cache_hits++;
		if (!rv->fast) /* a fast review counts its hits once it is decided */
			atomic_fetch_add(&adm->cache_hits, 1);
		break;
	case SIGNP_ADMIT_SHARED:
		/* another review's verification, ended while this one waited */
		im->cached = 1;
		rv->d->cache_hits++;
		atomic_fetch_add(&adm->cache_hits, 1);
		if (ok)
			im->allowed = 1;
		else if ((r = set_reason(im, "image %s (%s): %s", im->image, label, text)) != SIGN_OK)
			return r;
		break;
	case SIGNP_ADMIT_TIMEOUT:
		atomic_fetch_add(&adm->cache_misses, 1);
		return deny_deadline(rv, im, label);
	case SIGNP_ADMIT_NOMEM:
		return SIGN_ENOMEM;
	case SIGNP_ADMIT_RUN:
		atomic_fetch_add(&adm->cache_misses, 1);
		memset(&e, 0, sizeof(e));
		r = run_verify(rv, ctx, rule, vref->ptr, im->digest, &keep_until, &e);
		if (r == SIGN_OK) {
			signp_admit_cache_finish(cache, flight, 1, keep_until, NULL, 0);
			im->allowed = 1;
			break;
		}
		if (is_upstream(r)) {
			rv->d->upstream_errors++;
			atomic_fetch_add(&adm->upstream_errors, 1);
		}
		/* sign_verify's messages name the reference already */
		if (signp_str_has_prefix(e.message, "verifying "))
			textf(text, sizeof(text), "%s", e.message);
		else
			textf(text, sizeof(text), "verifying %s: %s", vref->ptr, e.message);
		/* a verdict cut short by this review's deadline says nothing of
		 * the image: the reviews waiting for it look again */
		if (is_upstream(r) && past(rv)) {
			signp_admit_cache_finish(cache, flight, 0, 0, text, 1);
			return deny_deadline(rv, im, label);
		}
		signp_admit_cache_finish(cache, flight, 0, 0, text, 0);
		if ((r = set_reason(im, "image %s (%s): %s", im->image, label, text)) != SIGN_OK)
			return r;
		break;
	}
	if (im->allowed && !ref->digest[0]) {
		sign_buf pin = SIGN_BUF_INIT;
		if (signp_buf_printf(&pin, "%s@%s", ref->gun, im->digest) != SIGN_OK)
			return SIGN_ENOMEM;
		im->pinned = signp_buf_detach(&pin, NULL);
	}
	return SIGN_OK;
}

static int review_image(adm_review *rv, adm_image *im)
{
	const signp_policy_rule *rule = NULL;
	char label[96];
	sign_error e;
	memset(&e, 0, sizeof(e));
	if (signp_policy_match_ex(rv->pol->p, im->image, rv->ns, &rule, &e) != SIGN_OK) {
		signp_strlcpy(im->rule, "default", sizeof(im->rule));
		return set_reason(im, "%s: denied", e.message);
	}
	if (rule == NULL) {
		signp_strlcpy(im->rule, "exempt", sizeof(im->rule));
		im->allowed = 1;
		return SIGN_OK;
	}
	if (rule->index < 0) {
		signp_strlcpy(im->rule, "default", sizeof(im->rule));
		return set_reason(im, "image %s: no policy rule matches (denied by default)", im->image);
	}
	rule_label(label, sizeof(label), rule);
	if (rule->name != NULL)
		signp_strlcpy(im->rule, rule->name, sizeof(im->rule));
	else
		snprintf(im->rule, sizeof(im->rule), "%d", rule->index + 1);
	if (rule->action == SIGNP_POLICY_ALLOW) {
		im->allowed = 1;
		return SIGN_OK;
	}
	if (rule->action == SIGNP_POLICY_DENY)
		return set_reason(im, "image %s (%s): denied by the policy", im->image, label);
	if (past(rv))
		return deny_deadline(rv, im, label);
	return review_verify(rv, im, rule, label);
}

/* The reasons joined with "; ", bounded. */
static int join_reasons(sign_buf *msg, char *const *reasons, size_t n)
{
	size_t shown = 0, total = 0;
	for (size_t i = 0; i < n; i++)
		if (reasons[i] != NULL)
			total++;
	for (size_t i = 0; i < n; i++) {
		if (reasons[i] == NULL)
			continue;
		if (msg->size > 0 && msg->size + strlen(reasons[i]) + 2 > ADM_MESSAGE_MAX - 64)
			break;
		if ((shown > 0 && signp_buf_puts(msg, "; ") != SIGN_OK) ||
		    signp_buf_put(msg, reasons[i],
			strlen(reasons[i]) < ADM_MESSAGE_MAX - 64 ? strlen(reasons[i]) : ADM_MESSAGE_MAX - 64) != SIGN_OK)
			return SIGN_ENOMEM;
		shown++;
	}
	if (shown < total && signp_buf_printf(msg, "; and %zu more image(s) refused", total - shown) != SIGN_OK)
		return SIGN_ENOMEM;
	return SIGN_OK;
}

static json_t *str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

/* The audit line: one JSON object, no newline. */
static int write_audit(sign_admission_decision *d, const signp_review *r, const char *uid,
	sign_admission_mode mode, const adm_image *ims, size_t n, const char *result,
	const char *const *reasons, size_t nreasons, int64_t received_ms)
{
	char t[32];
	json_t *j, *images, *digests, *rules, *why, *cached;
	char *s;
	int64_t lat = sign_admission_now_ms() - received_ms;
	signp_time_format(t, signp_now());
	images = json_array();
	digests = json_array();
	rules = json_array();
	why = json_array();
	cached = json_array();
	j = json_object();
	if (j == NULL || images == NULL || digests == NULL || rules == NULL || why == NULL || cached == NULL) {
		json_decref(j);
		json_decref(images);
		json_decref(digests);
		json_decref(rules);
		json_decref(why);
		json_decref(cached);
		return SIGN_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *rl;
		char *end = NULL;
		long num = strtol(ims[i].rule, &end, 10);
		rl = end != ims[i].rule && *end == '\0' ? json_integer(num) : json_string(ims[i].rule);
		json_array_append_new(images, json_string(ims[i].image));
		json_array_append_new(digests, str_or_null(ims[i].digest));
		json_array_append_new(rules, rl);
		json_array_append_new(cached, json_boolean(ims[i].cached));
		if (ims[i].reason != NULL)
			json_array_append_new(why, json_string(ims[i].reason));
	}
	for (size_t i = 0; i < nreasons; i++)
		json_array_append_new(why, json_string(reasons[i]));
	json_object_set_new(j, "time", json_string(t));
	json_object_set_new(j, "uid", str_or_null(uid));
	json_object_set_new(j, "namespace", r ? json_string(signp_review_namespace(r)) : json_null());
	json_object_set_new(j, "kind", r ? json_string(signp_review_kind(r)) : json_null());
	json_object_set_new(j, "name", r ? json_string(signp_review_name(r)) : json_null());
	json_object_set_new(j, "operation", r ? json_string(signp_review_operation(r)) : json_null());
	json_object_set_new(j, "mode", json_string(mode == SIGN_ADMISSION_MUTATE ? "mutate" : "validate"));
	json_object_set_new(j, "images", images);
	json_object_set_new(j, "digests", digests);
	json_object_set_new(j, "rules", rules);
	json_object_set_new(j, "result", json_string(result));
	json_object_set_new(j, "reasons", why);
	json_object_set_new(j, "cached", cached);
	json_object_set_new(j, "latency_ms", json_integer(lat > 0 ? lat : 0));
	s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	if (s == NULL)
		return SIGN_ENOMEM;
	signp_buf_clear(&d->audit);
	if (signp_buf_puts(&d->audit, s) != SIGN_OK) {
		free(s);
		return SIGN_ENOMEM;
	}
	free(s);
	return SIGN_OK;
}

static void decision_reset(sign_admission_decision *d)
{
	d->http_status = 0;
	d->allowed = 0;
	d->images = d->cache_hits = d->verifications = d->upstream_errors = 0;
	d->deadline_exceeded = 0;
	signp_buf_clear(&d->answer);
	signp_buf_clear(&d->audit);
}

/* A 400: {"error": message}. */
static int bad_request(sign_admission *adm, sign_admission_decision *d, const char *message,
	sign_admission_mode mode, int64_t received_ms)
{
	json_t *j = json_pack("{s:s}", "error", message);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	const char *reasons[1];
	int r;
	json_decref(j);
	if (s == NULL)
		return SIGN_ENOMEM;
	d->http_status = 400;
	d->allowed = 0;
	r = signp_buf_puts(&d->answer, s);
	free(s);
	if (r != SIGN_OK)
		return SIGN_ENOMEM;
	reasons[0] = message;
	atomic_fetch_add(&adm->bad_requests, 1);
	return write_audit(d, NULL, NULL, mode, NULL, 0, "error", reasons, 1, received_ms);
}

/* A denial of the body's review without looking at its images: its uid
 * (parsed, or peeked from a body the parser refused), else a 400. */
static int refuse_body(sign_admission *adm, sign_admission_decision *d, const signp_review *rv,
	const void *body, size_t len, const char *message, sign_admission_mode mode,
	int64_t received_ms, sign_error *err)
{
	sign_buf uid = SIGN_BUF_INIT;
	const char *reasons[1];
	int r;
	if (rv != NULL) {
		r = signp_buf_puts(&uid, signp_review_uid(rv));
	} else {
		r = body != NULL && len <= SIGNP_REVIEW_MAX_BODY ? signp_review_peek_uid(&uid, body, len) :
								   SIGN_ENOTFOUND;
		if (r == SIGN_ENOTFOUND) {
			sign_buf_dispose(&uid);
			return bad_request(adm, d, message, mode, received_ms);
		}
	}
	if (r != SIGN_OK) {
		sign_buf_dispose(&uid);
		return signp_err(err, SIGN_ENOMEM, "admission: out of memory");
	}
	d->http_status = 200;
	d->allowed = 0;
	r = signp_review_response(&d->answer, uid.ptr, 0, message, NULL, err);
	reasons[0] = message;
	if (r == SIGN_OK)
		r = write_audit(d, rv, uid.ptr, mode, NULL, 0, "deny", reasons, 1, received_ms);
	sign_buf_dispose(&uid);
	if (r == SIGN_OK)
		atomic_fetch_add(&adm->denied, 1);
	return r;
}

static int check_decision(const sign_admission_decision *out, sign_error *err)
{
	if (out == NULL || out->version != SIGN_ADMISSION_DECISION_VERSION)
		return signp_err(err, SIGN_EINVAL, "admission: unsupported decision version");
	return SIGN_OK;
}

/* A review by worker w, or, fast (w NULL), from what is known without a
 * request upstream: out->http_status stays 0 when that is not enough. */
static int review_run(sign_admission_decision *out, sign_admission *adm, sign_admission_worker *w,
	const void *body, size_t len, sign_admission_mode mode, int64_t received_ms,
	int64_t deadline_ms, sign_error *err)
{
	signp_review *r = NULL;
	adm_review rv;
	adm_image *ims = NULL;
	char **reasons = NULL, **pinned = NULL;
	sign_buf msg = SIGN_BUF_INIT;
	sign_error pe;
	size_t n = 0;
	int rc, allowed;

	signp_err_clear(err);
	memset(&rv, 0, sizeof(rv));
	if ((rc = check_decision(out, err)) != SIGN_OK)
		return rc;
	if (adm == NULL || (body == NULL && len > 0) ||
	    (mode != SIGN_ADMISSION_VALIDATE && mode != SIGN_ADMISSION_MUTATE))
		return signp_err(err, SIGN_EINVAL, "admission review: bad arguments");
	decision_reset(out);
	if (len > SIGNP_REVIEW_MAX_BODY) {
		char m[160];
		snprintf(m, sizeof(m), "admission review: a body of %zu bytes is over the bound of %u bytes",
			len, SIGNP_REVIEW_MAX_BODY);
		rc = bad_request(adm, out, m, mode, received_ms);
		goto done;
	}
	memset(&pe, 0, sizeof(pe));
	if ((rc = signp_review_parse(&r, body, len, &pe)) != SIGN_OK) {
		if (rc == SIGN_ENOMEM) {
			rc = signp_err(err, SIGN_ENOMEM, "admission review: out of memory");
			goto done;
		}
		rc = refuse_body(adm, out, NULL, body, len, pe.message, mode, received_ms, err);
		goto done;
	}
	rv.w = w;
	rv.adm = adm;
	rv.d = out;
	rv.ns = signp_review_namespace(r);
	rv.received_ms = received_ms;
	rv.deadline_ms = deadline_ms;
	rv.fast = w == NULL;
	if (w != NULL) {
		w->deadline_ms = deadline_ms;
		w->review++;
	}
	if ((rv.pol = policy_get(adm)) == NULL) {
		rc = refuse_body(adm, out, r, NULL, 0, "sign admission: no policy in force", mode,
			received_ms, err);
		goto done;
	}
	if (strcmp(signp_review_operation(r), "DELETE") == 0 ||
	    strcmp(signp_review_operation(r), "CONNECT") == 0) {
		/* nothing new to run */
		allowed = 1;
	} else if (signp_policy_ns_exempt(rv.pol->p, rv.ns) && !signp_review_has_pod_spec(r)) {
		/* the operator exempted the namespace: whatever the kind */
		allowed = 1;
	} else if (!signp_review_has_pod_spec(r)) {
		char m[512];
		snprintf(m, sizeof(m), "kind %.100s (group \"%.100s\") holds no pod spec: sign admission "
			"reviews Pods and workloads; narrow the webhook's rules", signp_review_kind(r),
			signp_review_group(r));
		rc = refuse_body(adm, out, r, NULL, 0, m, mode, received_ms, err);
		goto done;
	} else {
		n = signp_review_nimages(r);
		allowed = 1;
		if (n > 0 && ((ims = calloc(n, sizeof(*ims))) == NULL ||
			      (reasons = calloc(n, sizeof(char *))) == NULL ||
			      (pinned = calloc(n, sizeof(char *))) == NULL)) {
			rc = signp_err(err, SIGN_ENOMEM, "admission review: out of memory");
			goto done;
		}
		for (size_t i = 0; i < n; i++) {
			ims[i].image = signp_review_image(r, i);
			if (review_image(&rv, &ims[i]) != SIGN_OK) {
				rc = signp_err(err, SIGN_ENOMEM, "admission review: out of memory");
				goto done;
			}
			if (rv.need_worker) {
				/* undecided: nothing counted, nothing written */
				decision_reset(out);
				rc = SIGN_OK;
				goto done;
			}
			allowed = allowed && ims[i].allowed;
			reasons[i] = ims[i].reason;
			pinned[i] = mode == SIGN_ADMISSION_MUTATE ? ims[i].pinned : NULL;
		}
	}
	if (rv.fast)
		atomic_fetch_add(&adm->cache_hits, out->cache_hits);
	out->images = n;
	if (!allowed && join_reasons(&msg, reasons, n) != SIGN_OK) {
		rc = signp_err(err, SIGN_ENOMEM, "admission review: out of memory");
		goto done;
	}
	out->http_status = 200;
	out->allowed = allowed;
	if ((rc = signp_review_answer(&out->answer, r, allowed, allowed ? NULL : msg.ptr,
		     mode == SIGN_ADMISSION_MUTATE && allowed ? (const char *const *)pinned : NULL, err)) != SIGN_OK ||
	    (rc = write_audit(out, r, signp_review_uid(r), mode, ims, n, allowed ? "allow" : "deny", NULL, 0,
		     received_ms)) != SIGN_OK)
		goto done;
	atomic_fetch_add(allowed ? &adm->allowed : &adm->denied, 1);
done:
	policy_put(rv.pol);
	for (size_t i = 0; ims != NULL && i < n; i++) {
		free(ims[i].reason);
		free(ims[i].pinned);
	}
	free(ims);
	free(reasons);
	free(pinned);
	sign_buf_dispose(&msg);
	signp_review_free(r);
	if (w != NULL)
		w->deadline_ms = 0;
	if (rc != SIGN_OK && rc != SIGN_ENOMEM && rc != SIGN_EINVAL)
		rc = signp_err(err, rc, "admission review: cannot write the answer");
	return rc;
}

SIGN_EXTERN(int) sign_admission_review(sign_admission_decision *out, sign_admission_worker *w,
	const void *body, size_t len, sign_admission_mode mode, int64_t received_ms,
	int64_t deadline_ms, sign_error *err)
{
	signp_err_clear(err);
	if (w == NULL)
		return signp_err(err, SIGN_EINVAL, "admission review: bad arguments");
	return review_run(out, w->adm, w, body, len, mode, received_ms, deadline_ms, err);
}

SIGN_EXTERN(int) sign_admission_review_cached(sign_admission_decision *out, sign_admission *adm,
	const void *body, size_t len, sign_admission_mode mode, int64_t received_ms, sign_error *err)
{
	return review_run(out, adm, NULL, body, len, mode, received_ms, 0, err);
}

SIGN_EXTERN(void) sign_admission_decision_dispose(sign_admission_decision *d)
{
	if (d == NULL)
		return;
	sign_buf_dispose(&d->answer);
	sign_buf_dispose(&d->audit);
	decision_reset(d);
}

SIGN_EXTERN(int) sign_admission_refuse(sign_admission_decision *out, sign_admission *adm,
	const void *body, size_t len, const char *message, int64_t received_ms, sign_error *err)
{
	signp_review *r = NULL;
	sign_error pe;
	int rc;
	signp_err_clear(err);
	if ((rc = check_decision(out, err)) != SIGN_OK)
		return rc;
	if (adm == NULL || message == NULL || (body == NULL && len > 0))
		return signp_err(err, SIGN_EINVAL, "admission refusal: bad arguments");
	decision_reset(out);
	memset(&pe, 0, sizeof(pe));
	if (len <= SIGNP_REVIEW_MAX_BODY && signp_review_parse(&r, body, len, &pe) != SIGN_OK)
		r = NULL;
	rc = refuse_body(adm, out, r, body, len, message, SIGN_ADMISSION_VALIDATE, received_ms, err);
	signp_review_free(r);
	return rc;
}

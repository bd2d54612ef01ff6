/*
 * adm_metrics.c - the metrics of `sign admission` in Prometheus' text
 * format 0.0.4: reviews by result and their latency (kept by each event
 * loop for the reviews it answers, summed when written), and the engine's
 * counters.
 */
#include "adm.h"

#include <inttypes.h>

static const double bucket_le[ADM_NBUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

static const char *const result_name[ADM_NRESULTS] = { "allow", "deny", "error" };

void adm_metrics_observe(adm_metrics *m, int result, double seconds)
{
	if (result < 0 || result >= ADM_NRESULTS)
		result = ADM_RESULT_ERROR;
	m->reviews[result]++;
	if (seconds < 0)
		seconds = 0;
	for (size_t i = 0; i < ADM_NBUCKETS; i++) {
		if (seconds <= bucket_le[i]) {
			m->buckets[i]++;
			break;
		}
	}
	m->count++;
	m->sum += seconds;
}

void adm_metrics_add(adm_metrics *to, const adm_metrics *from)
{
	for (int r = 0; r < ADM_NRESULTS; r++)
		to->reviews[r] += from->reviews[r];
	for (size_t i = 0; i < ADM_NBUCKETS; i++)
		to->buckets[i] += from->buckets[i];
	to->count += from->count;
	to->sum += from->sum;
	to->backstop += from->backstop;
	to->fast += from->fast;
}

static int metric(struct evbuffer *out, const char *name, const char *type, const char *help,
	uint64_t v)
{
	return evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n",
		name, help, name, type, name, v) < 0 ? -1 : 0;
}

int adm_metrics_write(struct evbuffer *out, const adm_metrics *m, const sign_admission_stats *st)
{
	uint64_t cum = 0;
	int bad = 0;
	bad |= evbuffer_add_printf(out,
		"# HELP sign_admission_reviews_total Admission reviews answered, by result "
		"(error: bodies answered with HTTP 400).\n"
		"# TYPE sign_admission_reviews_total counter\n") < 0;
	for (int r = 0; r < ADM_NRESULTS; r++)
		bad |= evbuffer_add_printf(out, "sign_admission_reviews_total{result=\"%s\"} %" PRIu64 "\n",
			result_name[r], m->reviews[r]) < 0;
	bad |= evbuffer_add_printf(out,
		"# HELP sign_admission_review_duration_seconds Time from a review's arrival to its answer.\n"
		"# TYPE sign_admission_review_duration_seconds histogram\n") < 0;
	for (size_t i = 0; i < ADM_NBUCKETS; i++) {
		cum += m->buckets[i];
		bad |= evbuffer_add_printf(out,
			"sign_admission_review_duration_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
			bucket_le[i], cum) < 0;
	}
	bad |= evbuffer_add_printf(out,
		"sign_admission_review_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
		"sign_admission_review_duration_seconds_sum %.6f\n"
		"sign_admission_review_duration_seconds_count %" PRIu64 "\n",
		m->count, m->sum, m->count) < 0;
	bad |= metric(out, "sign_admission_reviews_fast_total", "counter",
		"Reviews answered where they were read, without a worker (cache hits, rules, "
		"bad bodies).", m->fast);
	bad |= metric(out, "sign_admission_cache_hits_total", "counter",
		"Image verdicts answered from the verification cache.", st->cache_hits);
	bad |= metric(out, "sign_admission_cache_misses_total", "counter",
		"Image verdicts the cache could not answer.", st->cache_misses);
	bad |= metric(out, "sign_admission_verifications_total", "counter",
		"Verifications run.", st->verifications);
	bad |= metric(out, "sign_admission_verifications_in_flight", "gauge",
		"Verifications running now.", st->in_flight);
	bad |= metric(out, "sign_admission_upstream_errors_total", "counter",
		"Registries or trust servers that failed (network, HTTP errors, timeouts).",
		st->upstream_errors);
	bad |= metric(out, "sign_admission_deadline_exceeded_total", "counter",
		"Reviews denied because their deadline passed.", st->deadline_exceeded + m->backstop);
	bad |= metric(out, "sign_admission_cache_entries", "gauge",
		"Verification results held in the cache.", st->cache_size);
	bad |= metric(out, "sign_admission_policy_generation", "gauge",
		"The policy in force: 1 for the first, +1 per reload that took.", st->policy_generation);
	bad |= metric(out, "sign_admission_policy_reload_failures_total", "counter",
		"Policy reloads refused (the policy in force stayed).", st->policy_reload_failures);
	return bad ? -1 : 0;
}

/*
 * admtime - the client side of `make bench`'s admission numbers
 * (tests/bench_admission.sh).
 *
 *   admtime [-k HOST]... uncached N HOME REF URL CA BODY
 *       times, in turn (one of each per round, so that a machine whose speed
 *       drifts weighs on both alike), N in-process sign_verify() calls of REF
 *       (a fresh sign_ctx on HOME each, as a program that calls the library
 *       once would; -k: an insecure registry) and N AdmissionReviews (the
 *       file BODY) posted to URL over one keep-alive TLS connection (one
 *       libcurl easy handle reused; CA: the server's CA certificate).  One
 *       untimed call of each comes first.  Prints two lines,
 *       "verify MEDIAN_MS MIN_MS P99_MS FAILURES" and
 *       "review MEDIAN_MS MIN_MS P99_MS ERRORS".
 *   admtime load N C URL CA BODY
 *       posts BODY N times to URL from C threads, each with its own
 *       keep-alive connection, and prints "REQUESTS ERRORS SECONDS".
 *
 * An error is an answer that is not HTTP 200 or whose "allowed" is not
 * true; the first one is described on standard error.  Exit 0 when every
 * call worked, 1 when some failed, 2 on a usage or set-up error.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <curl/curl.h>

#include "sign.h"

#define MAX_INSECURE 8
#define MAX_ROUNDS 1000000L
#define MAX_THREADS 256L
#define MAX_BODY (3L * 1024 * 1024)
#define ANSWER_MAX (1024 * 1024)

typedef struct answer {
	char buf[ANSWER_MAX];
	size_t len;
	int overflow;
} answer;

typedef struct poster {
	CURL *curl;
	struct curl_slist *hdrs;
	answer ans;
	char errbuf[CURL_ERROR_SIZE];
} poster;

static const char *g_url, *g_ca;
static char *g_body;
static long g_body_len;
static atomic_long g_next, g_errors;
static atomic_int g_told;

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static long number(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	return v;
}

static size_t collect(char *p, size_t s, size_t n, void *u)
{
	answer *a = u;
	size_t len = s * n;
	if (len > sizeof(a->buf) - 1 - a->len) {
		a->overflow = 1;
		return len;
	}
	memcpy(a->buf + a->len, p, len);
	a->len += len;
	a->buf[a->len] = '\0';
	return len;
}

/* Whether an AdmissionReview answer says "allowed": true. */
static int allowed(const answer *a)
{
	const char *p = strstr(a->buf, "\"allowed\"");
	if (a->overflow || p == NULL)
		return 0;
	p += strlen("\"allowed\"");
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p++ != ':')
		return 0;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return strncmp(p, "true", 4) == 0;
}

/* Read the file at path (at most MAX_BODY bytes) into a new buffer. */
static char *slurp(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > MAX_BODY || fseek(f, 0, SEEK_SET) != 0 ||
		(buf = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	*len = n;
	return buf;
}

static int poster_init(poster *p)
{
	memset(p->errbuf, 0, sizeof(p->errbuf));
	p->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	if (p->hdrs == NULL || (p->curl = curl_easy_init()) == NULL)
		return -1;
	curl_easy_setopt(p->curl, CURLOPT_URL, g_url);
	curl_easy_setopt(p->curl, CURLOPT_CAINFO, g_ca);
	curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, p->hdrs);
	curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, g_body);
	curl_easy_setopt(p->curl, CURLOPT_POSTFIELDSIZE, g_body_len);
	curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(p->curl, CURLOPT_WRITEDATA, &p->ans);
	curl_easy_setopt(p->curl, CURLOPT_ERRORBUFFER, p->errbuf);
	curl_easy_setopt(p->curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(p->curl, CURLOPT_NOSIGNAL, 1L);
	/* no "Expect: 100-continue" round trip for a larger body */
	p->hdrs = curl_slist_append(p->hdrs, "Expect:");
	return p->hdrs == NULL ? -1 : 0;
}

static void poster_free(poster *p)
{
	curl_easy_cleanup(p->curl);
	curl_slist_free_all(p->hdrs);
}

/* One review posted; 0 when it came back 200 and allowed, else -1 (the
 * first failure of the process described on stderr). */
static int post(poster *p)
{
	long code = 0;
	CURLcode rc;
	p->ans.len = 0;
	p->ans.overflow = 0;
	p->ans.buf[0] = '\0';
	p->errbuf[0] = '\0';
	rc = curl_easy_perform(p->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK && code == 200 && allowed(&p->ans))
		return 0;
	if (atomic_exchange(&g_told, 1) == 0) {
		if (rc != CURLE_OK)
			fprintf(stderr, "admtime: POST %s: %s\n", g_url, p->errbuf[0] ? p->errbuf : curl_easy_strerror(rc));
		else {
			for (char *c = p->ans.buf; *c; c++)
				if (*c == '\n' || *c == '\r')
					*c = ' ';
			fprintf(stderr, "admtime: POST %s: HTTP %ld: %.300s\n", g_url, code, p->ans.buf);
		}
	}
	return -1;
}

static int verify_once(const char *home, const char *const *insecure, const char *ref)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	sign_verify_options vo = SIGN_VERIFY_OPTIONS_INIT;
	sign_verify_result r = SIGN_VERIFY_RESULT_INIT;
	sign_error err;
	sign_ctx *ctx = NULL;
	int rc;
	o.home = home;
	o.insecure_registries = insecure;
	memset(&err, 0, sizeof(err));
	rc = sign_ctx_new(&ctx, &o, &err);
	if (rc == SIGN_OK)
		rc = sign_verify(&r, ctx, ref, &vo, &err);
	sign_verify_result_dispose(&r);
	sign_ctx_free(ctx);
	if (rc != SIGN_OK && atomic_exchange(&g_told, 1) == 0)
		fprintf(stderr, "admtime: verify %s: %s\n", ref, err.message);
	return rc == SIGN_OK ? 0 : -1;
}

static void report(const char *what, double *ms, long n, long failures)
{
	long p99 = (n * 99 + 99) / 100 - 1;
	qsort(ms, (size_t)n, sizeof(double), cmp);
	printf("%s %.3f %.3f %.3f %ld\n", what, ms[n / 2], ms[0], ms[p99 < n ? p99 : n - 1], failures);
}

static int uncached(long n, const char *home, const char *const *insecure, const char *ref)
{
	double *vms = calloc((size_t)n, sizeof(double)), *rms = calloc((size_t)n, sizeof(double));
	long vfail = 0, rfail = 0;
	poster *p = calloc(1, sizeof(*p));
	int rc = 2;
	if (vms == NULL || rms == NULL || p == NULL || poster_init(p) != 0) {
		fprintf(stderr, "admtime: out of memory\n");
		goto out;
	}
	/* untimed: the server's TLS connection, the library's first use */
	rc = 1;
	if (post(p) != 0 || verify_once(home, insecure, ref) != 0)
		goto out;
	for (long i = 0; i < n; i++) {
		double t = now_ms();
		vfail += verify_once(home, insecure, ref) != 0;
		vms[i] = now_ms() - t;
		t = now_ms();
		rfail += post(p) != 0;
		rms[i] = now_ms() - t;
	}
	report("verify", vms, n, vfail);
	report("review", rms, n, rfail);
	rc = vfail + rfail ? 1 : 0;
out:
	if (p != NULL)
		poster_free(p);
	free(p);
	free(vms);
	free(rms);
	return rc;
}

static atomic_long g_total;

static void *load_thread(void *arg)
{
	poster *p = arg;
	while (atomic_fetch_add(&g_next, 1) < atomic_load(&g_total))
		if (post(p) != 0)
			atomic_fetch_add(&g_errors, 1);
	return NULL;
}

static int load(long n, long c)
{
	poster *ps = calloc((size_t)c, sizeof(*ps));
	pthread_t *th = calloc((size_t)c, sizeof(*th));
	long started = 0;
	double t0;
	if (ps == NULL || th == NULL) {
		fprintf(stderr, "admtime: out of memory\n");
		free(ps);
		free(th);
		return 2;
	}
	atomic_store(&g_total, n);
	t0 = now_ms();
	for (long i = 0; i < c; i++) {
		if (poster_init(&ps[i]) != 0 || pthread_create(&th[i], NULL, load_thread, &ps[i]) != 0) {
			fprintf(stderr, "admtime: could not start client %ld\n", i);
			poster_free(&ps[i]);
			atomic_store(&g_total, 0);
			break;
		}
		started++;
	}
	for (long i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	printf("%ld %ld %.3f\n", n, atomic_load(&g_errors), (now_ms() - t0) / 1e3);
	for (long i = 0; i < started; i++)
		poster_free(&ps[i]);
	free(ps);
	free(th);
	return started == c && atomic_load(&g_errors) == 0 ? 0 : 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: admtime [-k HOST]... uncached N HOME REF URL CA BODY\n"
		"       admtime load N C URL CA BODY\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *insecure[MAX_INSECURE + 1] = { NULL };
	int ninsecure = 0, i = 1, rc;
	long n;
	while (i + 1 < argc && strcmp(argv[i], "-k") == 0) {
		if (ninsecure == MAX_INSECURE)
			return usage();
		insecure[ninsecure++] = argv[i + 1];
		i += 2;
	}
	if (i >= argc)
		return usage();
	if (sign_global_init() != SIGN_OK) {
		fprintf(stderr, "admtime: sign_global_init failed\n");
		return 2;
	}
	if (strcmp(argv[i], "uncached") == 0 && argc - i == 7) {
		if ((n = number(argv[i + 1], 1, MAX_ROUNDS)) < 0)
			return usage();
		g_url = argv[i + 4];
		g_ca = argv[i + 5];
		if ((g_body = slurp(argv[i + 6], &g_body_len)) == NULL) {
			fprintf(stderr, "admtime: cannot read %s\n", argv[i + 6]);
			sign_global_cleanup();
			return 2;
		}
		rc = uncached(n, argv[i + 2], insecure, argv[i + 3]);
	} else if (strcmp(argv[i], "load") == 0 && argc - i == 6) {
		long c;
		if ((n = number(argv[i + 1], 1, 100L * MAX_ROUNDS)) < 0 || (c = number(argv[i + 2], 1, MAX_THREADS)) < 0)
			return usage();
		g_url = argv[i + 3];
		g_ca = argv[i + 4];
		if ((g_body = slurp(argv[i + 5], &g_body_len)) == NULL) {
			fprintf(stderr, "admtime: cannot read %s\n", argv[i + 5]);
			sign_global_cleanup();
			return 2;
		}
		rc = load(n, c);
	} else {
		return usage();
	}
	free(g_body);
	sign_global_cleanup();
	return rc;
}

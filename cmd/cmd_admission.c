/*
 * cmd_admission.c - `sign admission`: a Kubernetes admission webhook over
 * HTTPS (adm_server.c) that decides with the engine of <sign_admission.h>.
 * Options, the policy at start, `--check`, and the exit code.
 */
#include "adm.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: sign admission --listen ADDR:PORT --tls-cert FILE --tls-key FILE --policy FILE\n"
	"                      [options]\n"
	"       sign admission --check --policy FILE [--tls-cert FILE --tls-key FILE]\n"
	"\n"
	"A Kubernetes admission webhook over HTTPS: POST /validate (allow or deny a Pod or\n"
	"workload whose images do not verify under the policy), POST /mutate (the same, and\n"
	"each verified tag pinned to its digest), GET /healthz, /readyz and /metrics.\n"
	"\n"
	"options:\n"
	"  --listen ADDR:PORT      address to serve on (port 0: any free port, printed)\n"
	"  --tls-cert FILE         serving certificate (PEM, chain); reloaded when it changes\n"
	"  --tls-key FILE          its private key (PEM); reloaded with it\n"
	"  --policy FILE           the policy (YAML or JSON); reloaded on SIGHUP (and with\n"
	"                          --watch-policy when the file changes)\n"
	"  --workers N             reviews decided at once (default 4, at most 256)\n"
	"  --io-threads N          event loops doing TLS and HTTP, each on its own thread\n"
	"                          (default: the online CPUs, at most 16)\n"
	"  --queue N               reviews waiting for a worker (default 256); one more\n"
	"                          is denied at once (\"server busy\")\n"
	"  --deadline SECONDS      a review not decided by then is denied (default 9; under\n"
	"                          the webhook's timeoutSeconds; more than 0, less than 30)\n"
	"  --cache-entries N       verification results kept (default 10000)\n"
	"  --cache-ttl SECONDS     longest a result is reused (default 60; 0 or -1: no cache)\n"
	"  --resolve-cache SECONDS reuse a tag's digest this long (default 0: ask the\n"
	"                          registry on every review)\n"
	"  --audit-log FILE        also append the audit lines to FILE\n"
	"  --watch-policy          also reload the policy when its file changes (checked\n"
	"                          every second, through links: a ConfigMap volume)\n"
	"  --check                 load the policy (and the files it names), print\n"
	"                          \"policy FILE: N rules, OK\" and exit; with --tls-cert\n"
	"                          and --tls-key, check that pair too\n"
	"\n"
	"Registries are reached with the global options (--insecure-registry, --ca-file,\n"
	"--timeout, --home for the trust cache) and the docker config's credentials.\n"
	"Audit: one JSON line per decision on stdout.  Logs: stderr.\n"
	"Signals: SIGHUP reloads the policy (a broken one keeps the old); SIGTERM and\n"
	"SIGINT stop accepting, answer every review in flight, and exit 0.\n"
	"\n"
	"exit status: 0 stopped or policy OK, 2 usage, policy, certificate or start-up error.\n"
	"See sign-admission(1).\n";

/* the library's log, from any thread */
static void adm_log_cb(int level, const char *message, void *payload)
{
	const cli *c = payload;
	if (level == SIGN_LOG_WARN && !c->quiet)
		adm_log("warning: %s", message);
	else if (level == SIGN_LOG_INFO && c->verbose)
		adm_log("%s", message);
	else if (level == SIGN_LOG_DEBUG && c->verbose > 1)
		adm_log("debug: %s", message);
}

static int number(const char *opt, const char *v, long lo, long hi, long *out)
{
	char *end = NULL;
	long n;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi)
		return cli_usage(usage, "%s %s: want a whole number from %ld to %ld", opt, v, lo, hi);
	*out = n;
	return EXIT_OK;
}

int cmd_admission(cli *c, int argc, char **argv)
{
	enum { O_LISTEN = 256, O_CERT, O_KEY, O_POLICY, O_WORKERS, O_DEADLINE, O_CENTRIES, O_CTTL,
	       O_RESOLVE, O_AUDIT, O_CHECK, O_QUEUE, O_IO_THREADS, O_WATCH };
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "tls-cert", required_argument, NULL, O_CERT },
		{ "tls-key", required_argument, NULL, O_KEY },
		{ "policy", required_argument, NULL, O_POLICY },
		{ "workers", required_argument, NULL, O_WORKERS },
		{ "queue", required_argument, NULL, O_QUEUE },
		{ "io-threads", required_argument, NULL, O_IO_THREADS },
		{ "deadline", required_argument, NULL, O_DEADLINE },
		{ "cache-entries", required_argument, NULL, O_CENTRIES },
		{ "cache-ttl", required_argument, NULL, O_CTTL },
		{ "resolve-cache", required_argument, NULL, O_RESOLVE },
		{ "audit-log", required_argument, NULL, O_AUDIT },
		{ "check", no_argument, NULL, O_CHECK },
		{ "watch-policy", no_argument, NULL, O_WATCH },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	adm_config cfg = { NULL, NULL, NULL, NULL, NULL, 4, ADM_QUEUE_DEFAULT, 9000, 0, 0, 0 };
	sign_admission_options ao = SIGN_ADMISSION_OPTIONS_INIT;
	sign_ctx_options co = c->opts;
	sign_admission *adm = NULL;
	sign_admission_stats st = SIGN_ADMISSION_STATS_INIT;
	sign_error err;
	int ch, check = 0, rc;
	long n;

	memset(&err, 0, sizeof(err));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case O_LISTEN: cfg.listen = optarg; break;
		case O_CERT: cfg.cert = optarg; break;
		case O_KEY: cfg.key = optarg; break;
		case O_POLICY: cfg.policy = optarg; break;
		case O_AUDIT: cfg.audit_log = optarg; break;
		case O_CHECK: check = 1; break;
		case O_WATCH: cfg.watch_policy = 1; break;
		case O_WORKERS:
			if ((rc = number("--workers", optarg, 1, ADM_MAX_WORKERS, &n)) != EXIT_OK)
				return rc;
			cfg.workers = (size_t)n;
			break;
		case O_QUEUE:
			if ((rc = number("--queue", optarg, 1, ADM_QUEUE_MAX, &n)) != EXIT_OK)
				return rc;
			cfg.queue = (size_t)n;
			break;
		case O_IO_THREADS:
			if ((rc = number("--io-threads", optarg, 1, ADM_MAX_IO_THREADS, &n)) != EXIT_OK)
				return rc;
			cfg.io_threads = (size_t)n;
			break;
		case O_DEADLINE: {
			char *end = NULL;
			double d;
			errno = 0;
			d = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(d) || d <= 0 || d >= 30)
				return cli_usage(usage, "--deadline %s: want seconds, more than 0 and "
					"less than 30 (under the webhook's timeoutSeconds)", optarg);
			cfg.deadline_ms = (int64_t)(d * 1000.0 + 0.5);
			if (cfg.deadline_ms < 1)
				cfg.deadline_ms = 1;
			break;
		}
		case O_CENTRIES:
			if ((rc = number("--cache-entries", optarg, 1, 100000000L, &n)) != EXIT_OK)
				return rc;
			ao.cache_entries = (size_t)n;
			break;
		case O_CTTL:
			if ((rc = number("--cache-ttl", optarg, -1, 86400L * 365, &n)) != EXIT_OK)
				return rc;
			ao.cache_ttl_seconds = n <= 0 ? -1 : n;
			break;
		case O_RESOLVE:
			if ((rc = number("--resolve-cache", optarg, 0, 86400L, &n)) != EXIT_OK)
				return rc;
			ao.resolve_ttl_seconds = n;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return cli_usage(usage, "admission: bad option %s", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage(usage, "admission takes no arguments (%s)", argv[optind]);
	if (cfg.policy == NULL)
		return cli_usage(usage, "admission needs --policy FILE");
	if (!check && (cfg.listen == NULL || cfg.cert == NULL || cfg.key == NULL))
		return cli_usage(usage, "admission needs --listen ADDR:PORT, --tls-cert FILE and "
			"--tls-key FILE");

	/* the global options, for every worker; the policy's rules name their
	 * own trust servers */
	cfg.verbose = c->verbose;
	co.trust_server = NULL;
	co.passphrase_cb = NULL;
	co.log_cb = adm_log_cb;
	co.payload = c;
	ao.ctx = &co;
	if ((rc = sign_admission_new(&adm, &ao, &err)) != SIGN_OK)
		return cli_fail(c, rc, &err);
	if ((rc = sign_admission_load_policy(adm, cfg.policy, &err)) != SIGN_OK) {
		(void)cli_fail(c, rc, &err);
		sign_admission_free(adm);
		return EXIT_USAGE; /* a policy that cannot be served is an operational error */
	}
	if (check) {
		if (cfg.cert != NULL || cfg.key != NULL) {
			adm_tls t;
			char why[1000];
			if (cfg.cert == NULL || cfg.key == NULL) {
				sign_admission_free(adm);
				return cli_usage(usage, "--check: give both --tls-cert and --tls-key, or neither");
			}
			if (adm_tls_init(&t, cfg.cert, cfg.key, why, sizeof(why)) != 0) {
				fprintf(stderr, "sign: TLS certificate: %s\n", why);
				adm_tls_free(&t);
				sign_admission_free(adm);
				return EXIT_USAGE;
			}
			printf("certificate %s (%s) and key %s: OK\n", cfg.cert, t.subject, cfg.key);
			adm_tls_free(&t);
		}
		(void)sign_admission_stats_get(&st, adm);
		printf("policy %s: %llu rule%s, OK\n", cfg.policy, (unsigned long long)st.policy_rules,
			st.policy_rules == 1 ? "" : "s");
		sign_admission_free(adm);
		return EXIT_OK;
	}
	if (cfg.io_threads == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		cfg.io_threads = cpus < 1 ? 1 : cpus > ADM_MAX_IO_THREADS ? ADM_MAX_IO_THREADS : (size_t)cpus;
	}
	rc = adm_serve(adm, &cfg);
	sign_admission_free(adm);
	return rc;
}

/*
 * cmd_verify.c - sign verify [--root-key FILE]... [--root-ca FILE] [--key PUB]
 *                [--signer ROLE]... [--threshold N] [--offline] [--at TIME]
 *                [--attestation TYPE] REF...
 *              sign verify --certificate-identity[-regexp] X
 *                --certificate-oidc-issuer[-regexp] U [--trusted-root FILE] REF...
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* References verified per batch: bounds the results held at once. */
#define VERIFY_WINDOW 1024

static const char usage[] =
	"usage: sign verify [--root-key FILE]... [--root-ca FILE] [--key PUBKEY] [--offline]\n"
	"                   [--signer ROLE]... [--threshold N] [--gun GUN] [--attestation TYPE]\n"
	"                   [--at +Nd|+Nh|YYYY-MM-DDTHH:MM:SSZ] [--refs-from FILE|-] REF...\n"
	"       sign verify (--certificate-identity ID | --certificate-identity-regexp RE)\n"
	"                   (--certificate-oidc-issuer URL | --certificate-oidc-issuer-regexp RE)\n"
	"                   [--trusted-root FILE | --tuf-url URL] [--attestation TYPE] [--gun GUN] REF...\n";

/* Keyless options (issue 15): long options only. */
enum {
	OPT_CERT_IDENTITY = 1000,
	OPT_CERT_IDENTITY_RE,
	OPT_CERT_ISSUER,
	OPT_CERT_ISSUER_RE,
	OPT_TRUSTED_ROOT,
	OPT_ATTESTATION,
	OPT_TUF_URL,
};

/* --signer NAME: a role name as is (targets, targets/NAME), or a signer's
 * name as `sign signer add` takes it, for targets/NAME.  A new string. */
static char *signer_role(const char *name)
{
	size_t n = strlen(name);
	char *s;
	if (strcmp(name, "targets") == 0 || strncmp(name, "targets/", 8) == 0)
		return strdup(name);
	if ((s = malloc(n + 9)) != NULL) {
		memcpy(s, "targets/", 8);
		memcpy(s + 8, name, n + 1);
	}
	return s;
}

/* --threshold: a count, 1 to 1000; 0 when malformed (0 itself means all,
 * the default: not needed on the command line). */
static unsigned int parse_threshold(const char *s)
{
	char *end;
	long v;
	if (s[0] < '0' || s[0] > '9')
		return 0;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 1 && v <= 1000 ? (unsigned int)v : 0;
}

/* --at: "+N" with a unit (s, m, h, d) from now, or an RFC 3339 UTC time.
 * 0 when malformed; whether it lies ahead is the library's check. */
static int64_t parse_at(const char *s)
{
	struct tm tm;
	char z = 0;
	time_t t;
	long d;
	if (s[0] == '+') {
		/* a duration as --timestamp-lifetime takes, its unit required */
		if (s[1] == '\0' || strchr("smhd", s[strlen(s) - 1]) == NULL ||
		    (d = cli_duration(s + 1)) <= 0)
			return 0;
		return (int64_t)time(NULL) + d;
	}
	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 || z != 'Z' ||
	    tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	return t > 0 ? (int64_t)t : 0;
}

/* One reference's outcome: REPO@DIGEST, or its error; with -o json, its
 * object in the results array. */
static void print_one(const cli *c, size_t i, const char *ref, const sign_verify_result *res, int rc,
	const sign_error *err, const char *atts)
{
	int code = cli_exit_code(rc);
	if (c->json) {
		printf("%s{\"reference\":", i > 0 ? "," : "");
		cli_json_str(stdout, ref);
		printf(",\"verified\":%s", rc == SIGN_OK ? "true" : "false");
		if (rc == SIGN_OK) {
			char pull[700];
			printf(",\"repository\":");
			cli_json_str(stdout, res->repository);
			printf(",\"tag\":");
			cli_json_str(stdout, res->tag);
			printf(",\"digest\":\"%s\",\"pull\":", res->digest);
			snprintf(pull, sizeof(pull), "%s@%s", res->repository, res->digest);
			cli_json_str(stdout, pull);
			printf(",\"size\":%llu,\"role\":\"%s\",\"signers\":[",
				(unsigned long long)res->size, res->role);
			for (size_t s = 0; s < res->nsigners; s++) {
				printf("%s", s ? "," : "");
				cli_json_str(stdout, res->signers[s]);
			}
			printf("],\"requests\":%ld,\"connections\":%ld", res->requests, res->connections);
			if (atts != NULL)
				printf(",\"attestations\":%s", atts);
			printf("}");
		} else {
			printf(",\"exit\":%d,\"error\":", code);
			cli_json_str(stdout, err->message);
			if (err->hint[0]) {
				printf(",\"hint\":");
				cli_json_str(stdout, err->hint);
			}
			printf("}");
		}
	} else if (rc == SIGN_OK) {
		printf("%s@%s\n", res->repository, res->digest);
		if (c->verbose)
			fprintf(stderr, "sign: %s: %ld requests, %ld connections\n", ref, res->requests,
				res->connections);
	} else {
		cli_fail(c, rc, err);
	}
}

/* The keyless options' own rules: both halves of the identity, one of
 * exact or regexp each, and none of the trust-data options. */
static int keyless_args(const sign_sigstore_options *ko, const sign_verify_options *o, const char **roots,
	const char **signers)
{
	if (ko->certificate_identity && ko->certificate_identity_regexp)
		return cli_usage(usage, "give --certificate-identity or --certificate-identity-regexp, not both");
	if (ko->certificate_oidc_issuer && ko->certificate_oidc_issuer_regexp)
		return cli_usage(usage, "give --certificate-oidc-issuer or --certificate-oidc-issuer-regexp, not both");
	if ((!ko->certificate_identity && !ko->certificate_identity_regexp) ||
	    (!ko->certificate_oidc_issuer && !ko->certificate_oidc_issuer_regexp))
		return cli_usage(usage, "a keyless check needs --certificate-identity[-regexp] and "
			"--certificate-oidc-issuer[-regexp]");
	if (o->key || o->root_ca || o->offline || o->at || roots || signers)
		return cli_usage(usage, "a keyless check reads no trust data: it takes no --key, --root-key, "
			"--root-ca, --signer, --offline or --at");
	return EXIT_OK;
}

/* One reference at a time, keyless (ko) or, with type and no ko, the
 * attestations of type under the repository's trust (o); with type, the
 * verified attestations go into -o json's results.  The worst exit code. */
static int verify_each(cli *c, const cli_refs *refs, const sign_sigstore_options *ko,
	const sign_verify_options *o, const char *type)
{
	int worst = EXIT_OK;
	if (c->json)
		printf("{\"results\":[");
	for (size_t i = 0; i < refs->n; i++) {
		sign_verify_result res = SIGN_VERIFY_RESULT_INIT;
		sign_buf atts = SIGN_BUF_INIT;
		sign_error err;
		int rc, code;
		memset(&err, 0, sizeof(err));
		rc = ko ? sign_verify_sigstore(&res, type ? &atts : NULL, c->ctx, refs->v[i], ko, &err) :
			  sign_verify_attestation(&res, &atts, c->ctx, refs->v[i], type, o, &err);
		code = cli_exit_code(rc);
		if (code > worst)
			worst = code;
		print_one(c, i, refs->v[i], &res, rc, &err, type ? (atts.ptr ? atts.ptr : "[]") : NULL);
		sign_buf_dispose(&atts);
		sign_verify_result_dispose(&res);
	}
	if (c->json)
		printf("],\"ok\":%s}\n", worst == EXIT_OK ? "true" : "false");
	return worst;
}

int cmd_verify(cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root-key", required_argument, NULL, 'r' },
		{ "key", required_argument, NULL, 'k' },
		{ "offline", no_argument, NULL, 'O' },
		{ "gun", required_argument, NULL, 'g' },
		{ "at", required_argument, NULL, 'a' },
		{ "root-ca", required_argument, NULL, 'C' },
		{ "signer", required_argument, NULL, 's' },
		{ "threshold", required_argument, NULL, 't' },
		{ "refs-from", required_argument, NULL, 'F' },
		{ "certificate-identity", required_argument, NULL, OPT_CERT_IDENTITY },
		{ "certificate-identity-regexp", required_argument, NULL, OPT_CERT_IDENTITY_RE },
		{ "certificate-oidc-issuer", required_argument, NULL, OPT_CERT_ISSUER },
		{ "certificate-oidc-issuer-regexp", required_argument, NULL, OPT_CERT_ISSUER_RE },
		{ "trusted-root", required_argument, NULL, OPT_TRUSTED_ROOT },
		{ "attestation", required_argument, NULL, OPT_ATTESTATION },
		{ "tuf-url", required_argument, NULL, OPT_TUF_URL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	sign_verify_options o = SIGN_VERIFY_OPTIONS_INIT;
	sign_sigstore_options ko = SIGN_SIGSTORE_OPTIONS_INIT;
	sign_buf root = SIGN_BUF_INIT;
	const char *tuf_url = NULL;
	const char **roots = NULL, **signers = NULL;
	size_t nroots = 0, nsigners = 0;
	const char *from = NULL;
	cli_refs refs = { NULL, 0, 0 };
	sign_error err;
	int ch, rc, worst = EXIT_OK;

	memset(&err, 0, sizeof(err));
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (cli_list_add(&roots, &nroots, optarg) != 0) {
				rc = EXIT_USAGE;
				goto out;
			}
			break;
		case 'C': o.root_ca = optarg; break;
		case 's': {
			char *role = signer_role(optarg);
			if (role == NULL || cli_list_add(&signers, &nsigners, role) != 0) {
				free(role);
				rc = EXIT_USAGE;
				goto out;
			}
			break;
		}
		case 't':
			if ((o.threshold = parse_threshold(optarg)) == 0) {
				rc = cli_usage(usage, "--threshold wants a number of signers from 1 to 1000, not '%s'",
					optarg);
				goto out;
			}
			break;
		case 'k': o.key = optarg; break;
		case 'O': o.offline = 1; break;
		case 'F': from = optarg; break;
		case 'g': o.gun = ko.gun = optarg; break;
		case OPT_CERT_IDENTITY: ko.certificate_identity = optarg; break;
		case OPT_CERT_IDENTITY_RE: ko.certificate_identity_regexp = optarg; break;
		case OPT_CERT_ISSUER: ko.certificate_oidc_issuer = optarg; break;
		case OPT_CERT_ISSUER_RE: ko.certificate_oidc_issuer_regexp = optarg; break;
		case OPT_TRUSTED_ROOT: ko.trusted_root_path = optarg; break;
		case OPT_ATTESTATION: ko.attestation = optarg; break;
		case OPT_TUF_URL: tuf_url = optarg; break;
		case 'a':
			if ((o.at = parse_at(optarg)) == 0) {
				rc = cli_usage(usage, "--at wants +N with a unit (s, m, h, d) or "
					"an RFC 3339 UTC time such as 2027-01-31T00:00:00Z, not '%s'", optarg);
				goto out;
			}
			break;
		case 'h': fputs(usage, stdout); rc = EXIT_OK; goto out;
		default: rc = cli_usage(usage, "bad option"); goto out;
		}
	}
	o.root_keys = roots;
	o.signers = signers;
	if (o.threshold > 0 && signers == NULL) {
		rc = cli_usage(usage, "--threshold counts --signer roles: give them");
		goto out;
	}
	if (o.key && (o.root_ca || signers)) {
		rc = cli_usage(usage, "--key checks the detached signature only: it takes no --root-ca or --signer");
		goto out;
	}
	if (ko.certificate_identity || ko.certificate_identity_regexp || ko.certificate_oidc_issuer ||
	    ko.certificate_oidc_issuer_regexp || ko.trusted_root_path || tuf_url) {
		if ((rc = keyless_args(&ko, &o, roots, signers)) != EXIT_OK)
			goto out;
		if ((rc = cli_refs_start(c, &refs, argc, argv, optind, from, usage,
			     "verify needs at least one REF")) != EXIT_OK)
			goto out;
		if (ko.trusted_root_path && tuf_url) {
			rc = cli_usage(usage, "give --trusted-root or --tuf-url, not both");
			goto out;
		}
		if (ko.trusted_root_path == NULL) {
			if ((rc = cli_sigstore_root(c, tuf_url, &root)) != EXIT_OK)
				goto out;
			ko.trusted_root_json = root.ptr;
			ko.trusted_root_len = root.size;
		}
		rc = verify_each(c, &refs, &ko, NULL, ko.attestation);
		goto out;
	}
	if (ko.attestation && o.offline) {
		rc = cli_usage(usage, "--attestation reads the attestations from the registry: it takes no --offline");
		goto out;
	}
	if ((rc = cli_refs_start(c, &refs, argc, argv, optind, from, usage,
		     "verify needs at least one REF")) != EXIT_OK)
		goto out;
	if (ko.attestation) {
		rc = verify_each(c, &refs, NULL, &o, ko.attestation);
		goto out;
	}
	if (c->json)
		printf("{\"results\":[");
	/* in windows of VERIFY_WINDOW references: each window one batch
	 * (its registry requests over a pool of connections), printed in
	 * order */
	for (size_t w = 0; w < refs.n; w += VERIFY_WINDOW) {
		size_t m = refs.n - w < VERIFY_WINDOW ? refs.n - w : VERIFY_WINDOW;
		sign_verify_result *res = calloc(m, sizeof(*res));
		sign_error *errs = calloc(m, sizeof(*errs));
		int *rcs = calloc(m, sizeof(*rcs));
		if (res == NULL || errs == NULL || rcs == NULL) {
			free(res);
			free(errs);
			free(rcs);
			fprintf(stderr, "sign: verify: out of memory\n");
			worst = EXIT_USAGE;
			break;
		}
		for (size_t k = 0; k < m; k++)
			res[k] = (sign_verify_result)SIGN_VERIFY_RESULT_INIT;
		(void)sign_verify_batch(res, rcs, errs, m, c->ctx, (const char *const *)refs.v + w, &o);
		for (size_t k = 0; k < m; k++) {
			int code = cli_exit_code(rcs[k]);
			if (code > worst)
				worst = code;
			print_one(c, w + k, refs.v[w + k], &res[k], rcs[k], &errs[k], NULL);
			sign_verify_result_dispose(&res[k]);
		}
		free(res);
		free(errs);
		free(rcs);
	}
	if (c->json)
		printf("],\"ok\":%s}\n", worst == EXIT_OK ? "true" : "false");
	rc = worst;
out:
	sign_buf_dispose(&root);
	cli_refs_free(&refs);
	free(roots);
	for (size_t i = 0; i < nsigners; i++)
		free((char *)signers[i]);
	free(signers);
	return rc;
}

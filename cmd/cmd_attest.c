/*
 * cmd_attest.c - sign attest --predicate FILE|- [--type TYPE] [--referrers]
 *                [--key KEYID] [--gun GUN] REF
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* The largest predicate read (the library's bound is the same). */
#define PREDICATE_MAX (16u << 20)

static const char usage[] =
	"usage: sign attest --predicate FILE|- [--type TYPE] [--referrers] [--key KEYID] [--gun GUN] REF\n"
	"  TYPE: custom (default), slsaprovenance, slsaprovenance02, slsaprovenance1, spdx,\n"
	"        spdxjson, cyclonedx, link, vuln, openvex, or a predicate type URI\n";

/* The predicate file ("-": standard input), at most PREDICATE_MAX bytes.
 * 0, or -1 having said why. */
static int read_predicate(char **data, size_t *len, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t n = 0, cap = 65536;
	char *buf;
	if (f == NULL) {
		fprintf(stderr, "sign: attest: reading the predicate %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(cap)) == NULL)
		goto nomem;
	for (;;) {
		size_t got;
		if (n == cap) {
			char *p;
			if (cap > PREDICATE_MAX) {
				fprintf(stderr, "sign: attest: the predicate %s is larger than %u bytes\n", path,
					PREDICATE_MAX);
				goto fail;
			}
			if ((p = realloc(buf, cap * 2)) == NULL)
				goto nomem;
			buf = p;
			cap *= 2;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "sign: attest: reading the predicate %s: %s\n", path, strerror(errno));
		goto fail;
	}
	if (n > PREDICATE_MAX) {
		fprintf(stderr, "sign: attest: the predicate %s is larger than %u bytes\n", path, PREDICATE_MAX);
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	*data = buf;
	*len = n;
	return 0;
nomem:
	fprintf(stderr, "sign: attest: out of memory\n");
fail:
	free(buf);
	if (f != stdin)
		fclose(f);
	return -1;
}

int cmd_attest(cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "predicate", required_argument, NULL, 'p' },
		{ "type", required_argument, NULL, 't' },
		{ "referrers", no_argument, NULL, 'R' },
		{ "gun", required_argument, NULL, 'g' },
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	sign_attest_options o = SIGN_ATTEST_OPTIONS_INIT;
	sign_attest_result res = SIGN_ATTEST_RESULT_INIT;
	const char *path = NULL, *type = "custom";
	sign_error err;
	char *data = NULL;
	size_t len = 0;
	int ch, rc;

	memset(&err, 0, sizeof(err));
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p': path = optarg; break;
		case 't': type = optarg; break;
		case 'R': o.referrers = 1; break;
		case 'g': o.gun = optarg; break;
		case 'k': o.keyid = optarg; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cli_usage(usage, "bad option");
		}
	}
	if (path == NULL)
		return cli_usage(usage, "attest needs --predicate FILE");
	if (optind != argc - 1)
		return cli_usage(usage, "attest needs exactly one REF");
	if (read_predicate(&data, &len, path) != 0)
		return EXIT_USAGE;
	if ((rc = cli_open(c, &err)) != SIGN_OK) {
		free(data);
		return cli_fail(c, rc, &err);
	}
	rc = sign_attest(&res, c->ctx, argv[optind], type, data, len, &o, &err);
	free(data);
	if (rc != SIGN_OK)
		return cli_fail(c, rc, &err);
	if (c->json) {
		printf("{\"repository\":");
		cli_json_str(stdout, res.repository);
		printf(",\"digest\":\"%s\",\"predicateType\":", res.digest);
		cli_json_str(stdout, res.predicate_type);
		printf(",\"keyid\":\"%s\",\"tag\":\"%s\",\"envelope\":\"%s\",\"referrer\":\"%s\","
		       "\"new_attestation\":%s}\n", res.keyid, res.tag, res.envelope, res.referrer,
			res.new_attestation ? "true" : "false");
	} else {
		printf("%s@%s\n", res.repository, res.digest);
		if (!c->quiet) {
			if (res.new_attestation)
				fprintf(stderr, "sign: attested %s@%s (%s) with key %s%s\n", res.repository,
					res.digest, res.predicate_type, res.keyid,
					res.referrer[0] ? ", also as a referrer" : "");
			else
				fprintf(stderr, "sign: %s@%s already holds this attestation by key %s\n",
					res.repository, res.digest, res.keyid);
		}
	}
	return EXIT_OK;
}

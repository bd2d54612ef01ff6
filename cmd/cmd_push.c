/*
 * cmd_push.c - sign push [--from oci:DIR[:tag]] [--gun GUN] [--recursive] REF...
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: sign push [--from oci:DIR[:tag]] [--gun GUN] [--recursive] [--key KEYID[,KEYID...]]\n"
	"                 [--timestamp-lifetime DURATION] [--local-snapshot] [--referrers]\n"
	"                 [--refs-from FILE|-] REF...\n";

/* One line per reference: REPO@DIGEST, or one JSON object with -o json. */
static void print_result(const cli *c, const sign_push_result *res)
{
	if (c->json) {
		printf("{\"repository\":");
		cli_json_str(stdout, res->repository);
		printf(",\"gun\":");
		cli_json_str(stdout, res->gun);
		printf(",\"tag\":");
		cli_json_str(stdout, res->tag);
		printf(",\"digest\":\"%s\",\"size\":%llu,\"keyid\":\"%s\",\"role\":\"%s\","
		       "\"created_root\":%s,\"created_repository\":%s,\"new_signature\":%s,\"requests\":%ld}\n",
			res->digest, (unsigned long long)res->size, res->keyid, res->role,
			res->created_root ? "true" : "false", res->created_repository ? "true" : "false",
			res->new_signature ? "true" : "false", res->requests);
	} else {
		printf("%s@%s\n", res->repository, res->digest);
		if (!c->quiet) {
			if (res->created_root)
				fprintf(stderr, "sign: created a root key (back it up: `sign key export`)\n");
			if (res->created_repository)
				fprintf(stderr, "sign: created the repository key of %s\n", res->gun);
			fprintf(stderr, "sign: signed %s:%s with key %s (%s)\n", res->repository, res->tag,
				res->keyid, res->role);
		}
	}
	fflush(stdout);
}

int cmd_push(cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "gun", required_argument, NULL, 'g' },
		{ "key", required_argument, NULL, 'k' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "timestamp-lifetime", required_argument, NULL, 't' },
		{ "local-snapshot", no_argument, NULL, 'S' },
		{ "referrers", no_argument, NULL, 'R' },
		{ "refs-from", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	sign_push_options o = SIGN_PUSH_OPTIONS_INIT;
	sign_push_result *res;
	cli_progress prog;
	sign_error err;
	const char *from = NULL;
	cli_refs refs;
	int ch, rc;

	memset(&err, 0, sizeof(err));
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': o.from = optarg; break;
		case 'g': o.gun = optarg; break;
		case 'k': o.keyid = optarg; break;
		case 'r': o.recursive = 1; break;
		case 'S': o.local_snapshot = 1; break;
		case 'R': o.referrers = 1; break;
		case 'F': from = optarg; break;
		case 't':
			if ((o.timestamp_lifetime = cli_duration(optarg)) <= 0)
				return cli_usage(usage, "--timestamp-lifetime %s: use e.g. 14d, 36h, 3600", optarg);
			break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cli_usage(usage, "bad option");
		}
	}
	if ((rc = cli_refs_start(c, &refs, argc, argv, optind, from, usage, "push needs a REF")) != EXIT_OK)
		return rc;
	/* one batch: each repository's keys unlocked once and its trust
	 * data published once; the first failure stops the run (what was
	 * staged before it is still published) */
	if ((res = calloc(refs.n, sizeof(*res))) == NULL) {
		cli_refs_free(&refs);
		fprintf(stderr, "sign: push: out of memory\n");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < refs.n; i++)
		res[i] = (sign_push_result)SIGN_PUSH_RESULT_INIT;
	cli_progress_init(&prog, c, "pushed");
	rc = sign_push_batch(res, refs.n, c->ctx, (const char *const *)refs.v, &o,
		refs.n > 1 ? cli_progress_cb : NULL, &prog, &err);
	cli_progress_end(&prog);
	for (size_t i = 0; i < refs.n; i++)
		if (res[i].digest[0])
			print_result(c, &res[i]);
	rc = rc == SIGN_OK ? EXIT_OK : cli_fail(c, rc, &err);
	free(res);
	cli_refs_free(&refs);
	return rc;
}

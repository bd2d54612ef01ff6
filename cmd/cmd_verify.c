/*
 * cmd_verify.c - sign verify [--root-key FILE]... [--key PUB] [--offline] REF...
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: sign verify [--root-key FILE]... [--key PUBKEY] [--offline] [--gun GUN] REF...\n";

int cmd_verify(cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root-key", required_argument, NULL, 'r' },
		{ "key", required_argument, NULL, 'k' },
		{ "offline", no_argument, NULL, 'O' },
		{ "gun", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	sign_verify_options o = SIGN_VERIFY_OPTIONS_INIT;
	const char **roots = NULL;
	size_t nroots = 0;
	sign_error err;
	int ch, rc, worst = EXIT_OK;

	memset(&err, 0, sizeof(err));
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (cli_list_add(&roots, &nroots, optarg) != 0) {
				free(roots);
				return EXIT_USAGE;
			}
			break;
		case 'k': o.key = optarg; break;
		case 'O': o.offline = 1; break;
		case 'g': o.gun = optarg; break;
		case 'h': fputs(usage, stdout); free(roots); return EXIT_OK;
		default: free(roots); return cli_usage(usage, "bad option");
		}
	}
	o.root_keys = roots;
	if (optind >= argc) {
		free(roots);
		return cli_usage(usage, "verify needs at least one REF");
	}
	if ((rc = cli_open(c, &err)) != SIGN_OK) {
		free(roots);
		return cli_fail(c, rc, &err);
	}
	if (c->json)
		printf("{\"results\":[");
	for (int i = optind; i < argc; i++) {
		sign_verify_result res;
		int code;
		memset(&err, 0, sizeof(err));
		rc = sign_verify(&res, c->ctx, argv[i], &o, &err);
		code = cli_exit_code(rc);
		if (code > worst)
			worst = code;
		if (c->json) {
			printf("%s{\"reference\":", i > optind ? "," : "");
			cli_json_str(stdout, argv[i]);
			printf(",\"verified\":%s", rc == SIGN_OK ? "true" : "false");
			if (rc == SIGN_OK) {
				printf(",\"repository\":");
				cli_json_str(stdout, res.repository);
				printf(",\"tag\":");
				cli_json_str(stdout, res.tag);
				printf(",\"digest\":\"%s\",\"pull\":", res.digest);
				{
					char pull[700];
					snprintf(pull, sizeof(pull), "%s@%s", res.repository, res.digest);
					cli_json_str(stdout, pull);
				}
				printf(",\"size\":%llu,\"role\":\"%s\",\"signers\":[",
					(unsigned long long)res.size, res.role);
				for (int s = 0; s < res.nsigners; s++)
					printf("%s\"%s\"", s ? "," : "", res.signers[s]);
				printf("],\"requests\":%ld,\"connections\":%ld}", res.requests, res.connections);
			} else {
				printf(",\"exit\":%d,\"error\":", code);
				cli_json_str(stdout, err.message);
				if (err.hint[0]) {
					printf(",\"hint\":");
					cli_json_str(stdout, err.hint);
				}
				printf("}");
			}
		} else if (rc == SIGN_OK) {
			printf("%s@%s\n", res.repository, res.digest);
			if (c->verbose)
				fprintf(stderr, "sign: %s: %ld requests, %ld connections\n", argv[i],
					res.requests, res.connections);
		} else {
			cli_fail(c, rc, &err);
		}
	}
	if (c->json)
		printf("],\"ok\":%s}\n", worst == EXIT_OK ? "true" : "false");
	free(roots);
	return worst;
}

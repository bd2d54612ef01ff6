/*
 * cmd_migrate.c - sign migrate GUN --from-trust-server URL [--root-key FILE]...
 */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: sign migrate GUN --from-trust-server URL [--root-key FILE]...\n";

static void print_text(const char *doc)
{
	json_t *j = json_loads(doc, 0, NULL), *v;
	size_t i;
	if (j == NULL) {
		printf("%s\n", doc);
		return;
	}
	printf("migrated %s from %s (root version %lld)\n", json_string_value(json_object_get(j, "gun")),
		json_string_value(json_object_get(j, "from")),
		(long long)json_integer_value(json_object_get(j, "root_version")));
	json_array_foreach(json_object_get(j, "tags"), i, v)
		printf("  %-20s %s  %s (%s)\n", json_string_value(json_object_get(v, "tag")),
			json_string_value(json_object_get(v, "digest")),
			json_string_value(json_object_get(v, "signature")),
			json_string_value(json_object_get(v, "role")));
	if (json_array_size(json_object_get(j, "not_carried")))
		printf("not carried over:\n");
	json_array_foreach(json_object_get(j, "not_carried"), i, v) {
		const char *what = json_string_value(json_object_get(v, "tag"));
		if (what == NULL)
			what = json_string_value(json_object_get(v, "role"));
		printf("  %s: %s\n", what ? what : "?", json_string_value(json_object_get(v, "reason")));
	}
	json_decref(j);
}

int cmd_migrate(cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from-trust-server", required_argument, NULL, 'f' },
		{ "root-key", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	sign_migrate_options o = SIGN_MIGRATE_OPTIONS_INIT;
	const char **roots = NULL;
	size_t nroots = 0;
	sign_buf out = SIGN_BUF_INIT;
	sign_error err;
	cli_progress prog;
	int ch, rc;

	memset(&err, 0, sizeof(err));
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': o.from_trust_server = optarg; break;
		case 'r':
			if (cli_list_add(&roots, &nroots, optarg) != 0) {
				free(roots);
				return EXIT_USAGE;
			}
			break;
		case 'h': fputs(usage, stdout); free(roots); return EXIT_OK;
		default: free(roots); return cli_usage(usage, "bad option");
		}
	}
	o.root_keys = roots;
	if (optind != argc - 1 || o.from_trust_server == NULL) {
		free(roots);
		return cli_usage(usage, "migrate needs a GUN and --from-trust-server URL");
	}
	if ((rc = cli_open(c, &err)) != SIGN_OK) {
		free(roots);
		return cli_fail(c, rc, &err);
	}
	/* "checked N/M": the signed tags, checked in the registry and signed */
	cli_progress_init(&prog, c, "checked");
	o.progress = cli_progress_cb;
	o.progress_arg = &prog;
	rc = sign_migrate(&out, c->ctx, argv[optind], &o, &err);
	cli_progress_end(&prog);
	free(roots);
	if (rc != SIGN_OK)
		return cli_fail(c, rc, &err);
	if (c->json)
		printf("%s\n", out.ptr);
	else
		print_text(out.ptr);
	sign_buf_dispose(&out);
	return EXIT_OK;
}

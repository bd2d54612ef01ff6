/*
 * cmd_revoke.c - sign revoke [--gun GUN] [--refs-from FILE|-] REF...
 */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <string.h>

static const char usage[] = "usage: sign revoke [--gun GUN] [--refs-from FILE|-] REF...\n";

static void print_revoked(const cli *c, const sign_buf *out)
{
	if (c->json) {
		printf("%s\n", out->ptr);
	} else if (!c->quiet) {
		json_t *j = json_loads(out->ptr, 0, NULL);
		fprintf(stderr, "sign: revoked %s:%s (%s)%s\n", json_string_value(json_object_get(j, "gun")),
			json_string_value(json_object_get(j, "tag")), json_string_value(json_object_get(j, "digest")),
			json_is_true(json_object_get(j, "signature_removed")) ? "; its detached signature is deleted" : "");
		json_decref(j);
	}
	fflush(stdout);
}

int cmd_revoke(cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "gun", required_argument, NULL, 'g' },
		{ "refs-from", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *gun = NULL, *from = NULL;
	sign_error err;
	cli_refs refs;
	int ch, rc;

	memset(&err, 0, sizeof(err));
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'g': gun = optarg; break;
		case 'F': from = optarg; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cli_usage(usage, "bad option");
		}
	}
	if ((rc = cli_refs_start(c, &refs, argc, argv, optind, from, usage,
		     "revoke needs a REF with a tag")) != EXIT_OK)
		return rc;
	/* in order; the first failure stops the run (those before it stay revoked) */
	rc = EXIT_OK;
	for (size_t i = 0; i < refs.n && rc == EXIT_OK; i++) {
		sign_buf out = SIGN_BUF_INIT;
		if ((rc = sign_revoke(&out, c->ctx, refs.v[i], gun, &err)) != SIGN_OK)
			rc = cli_fail(c, rc, &err);
		else
			print_revoked(c, &out);
		sign_buf_dispose(&out);
	}
	cli_refs_free(&refs);
	return rc;
}

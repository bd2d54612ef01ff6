/*
 * cmd_signer.c - sign signer add|remove|list
 */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: sign signer add NAME GUN --key PUB.pem... [--paths P]... [--threshold N]\n"
	"       sign signer remove NAME GUN\n"
	"       sign signer list GUN\n";

#define MAX_ARGS 64

static void print_ids(const json_t *ids, const char *indent)
{
	const json_t *v;
	size_t i;
	json_array_foreach(ids, i, v)
		printf("%s%s\n", indent, json_string_value(v) ? json_string_value(v) : "?");
}

static void print_paths(const json_t *paths)
{
	const json_t *v;
	size_t i;
	if (json_array_size(paths) == 0) {
		printf("(none: signs nothing)");
		return;
	}
	json_array_foreach(paths, i, v)
		printf("%s\"%s\"", i ? ", " : "", json_string_value(v) ? json_string_value(v) : "?");
}

static void list_text(const char *doc)
{
	json_t *j = json_loads(doc, 0, NULL), *r;
	size_t i;
	if (j == NULL) {
		printf("%s\n", doc);
		return;
	}
	if (json_array_size(json_object_get(j, "roles")) == 0)
		printf("%s has no signers\n", json_string_value(json_object_get(j, "gun")));
	json_array_foreach(json_object_get(j, "roles"), i, r) {
		const json_t *t, *tags = json_object_get(r, "tags");
		size_t k;
		printf("%s%s\n", i ? "\n" : "", json_string_value(json_object_get(r, "role")));
		printf("  threshold: %lld of %zu key(s)\n",
			(long long)json_integer_value(json_object_get(r, "threshold")),
			json_array_size(json_object_get(r, "keyids")));
		printf("  paths:     ");
		print_paths(json_object_get(r, "paths"));
		printf("\n  status:    %s", json_string_value(json_object_get(r, "status")));
		if (json_integer_value(json_object_get(r, "version")) > 0)
			printf(" (version %lld)", (long long)json_integer_value(json_object_get(r, "version")));
		printf("\n  keys:\n");
		print_ids(json_object_get(r, "keyids"), "    ");
		if (json_array_size(tags)) {
			printf("  tags:     ");
			json_array_foreach(tags, k, t)
				printf(" %s", json_string_value(t));
			printf("\n");
		}
	}
	json_decref(j);
}

static void edit_text(const char *doc, int removed)
{
	json_t *j = json_loads(doc, 0, NULL), *rel;
	if (j == NULL)
		return;
	rel = json_object_get(j, "releases");
	if (removed)
		fprintf(stderr, "sign: removed signer %s from %s\n", json_string_value(json_object_get(j, "signer")),
			json_string_value(json_object_get(j, "gun")));
	else
		fprintf(stderr, "sign: %s of %s: %zu key(s), threshold %lld\n",
			json_string_value(json_object_get(j, "role")), json_string_value(json_object_get(j, "gun")),
			json_array_size(json_object_get(json_object_get(j, "signer_role"), "keyids")),
			(long long)json_integer_value(json_object_get(json_object_get(j, "signer_role"), "threshold")));
	if (json_is_object(rel))
		fprintf(stderr, "sign: targets/releases: %zu key(s), threshold %lld\n",
			json_array_size(json_object_get(rel, "keyids")),
			(long long)json_integer_value(json_object_get(rel, "threshold")));
	json_decref(j);
}

int cmd_signer(cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "paths", required_argument, NULL, 'p' },
		{ "threshold", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *keys[MAX_ARGS + 1], *paths[MAX_ARGS + 1], *sub;
	size_t nkeys = 0, npaths = 0;
	long threshold = 0;
	sign_buf out = SIGN_BUF_INIT;
	sign_error err;
	char *end;
	int ch, rc, nargs;

	memset(&err, 0, sizeof(err));
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (argc < 2)
		return cli_usage(usage, "signer needs a subcommand (add, remove, list)");
	sub = argv[1];
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			if (nkeys == MAX_ARGS)
				return cli_usage(usage, "too many --key");
			keys[nkeys++] = optarg;
			break;
		case 'p':
			if (npaths == MAX_ARGS)
				return cli_usage(usage, "too many --paths");
			paths[npaths++] = optarg;
			break;
		case 't':
			threshold = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || threshold < 1 || threshold > 32)
				return cli_usage(usage, "--threshold %s: a number from 1 to 32", optarg);
			break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cli_usage(usage, "bad option");
		}
	}
	keys[nkeys] = NULL;
	paths[npaths] = NULL;
	nargs = argc - optind;
	if (strcmp(sub, "add") == 0) {
		if (nargs != 2)
			return cli_usage(usage, "signer add needs NAME and GUN");
		if (nkeys == 0)
			return cli_usage(usage, "signer add needs --key PUB.pem");
	} else if (strcmp(sub, "remove") == 0 || strcmp(sub, "rm") == 0) {
		if (nargs != 2)
			return cli_usage(usage, "signer remove needs NAME and GUN");
	} else if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0) {
		if (nargs != 1)
			return cli_usage(usage, "signer list needs one GUN");
	} else {
		return cli_usage(usage, "unknown signer subcommand '%s'", sub);
	}
	if (strcmp(sub, "add") != 0 && (nkeys || npaths || threshold))
		return cli_usage(usage, "--key, --paths and --threshold are for signer add");
	if ((rc = cli_open(c, &err)) != SIGN_OK)
		return cli_fail(c, rc, &err);
	if (strcmp(sub, "add") == 0)
		rc = sign_signer_add(&out, c->ctx, argv[optind], argv[optind + 1], keys, paths, (int)threshold,
			&err);
	else if (sub[0] == 'r')
		rc = sign_signer_remove(&out, c->ctx, argv[optind], argv[optind + 1], &err);
	else
		rc = sign_signer_list(&out, c->ctx, argv[optind], &err);
	if (rc != SIGN_OK) {
		sign_buf_dispose(&out);
		return cli_fail(c, rc, &err);
	}
	if (c->json)
		printf("%s\n", out.ptr);
	else if (sub[0] == 'l')
		list_text(out.ptr);
	else if (!c->quiet)
		edit_text(out.ptr, sub[0] == 'r');
	sign_buf_dispose(&out);
	return EXIT_OK;
}

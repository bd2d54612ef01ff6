/*
 * cmd_trust.c - sign trust pin GUN --root-key FILE | show GUN | refresh [--republish] REF|GUN
 *               | sigstore-update [--tuf-url URL] [--tuf-root FILE]
 */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <string.h>

static const char usage[] =
	"usage: sign trust pin GUN|PREFIX* --root-key FILE\n"
	"       sign trust pin PREFIX --ca FILE\n"
	"       sign trust tofu on|off\n"
	"       sign trust show GUN\n"
	"       sign trust refresh REF|GUN [--lifetime DURATION] [--gun GUN]\n"
	"       sign trust refresh --republish REF|GUN [--gun GUN]\n"
	"       sign trust sigstore-update [--tuf-url URL] [--tuf-root FILE]\n";

/* sign trust sigstore-update: the Sigstore trusted root through TUF. */
static int sigstore_update(cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tuf-url", required_argument, NULL, 'u' },
		{ "tuf-root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL, *root = NULL;
	sign_buf out = SIGN_BUF_INIT;
	sign_error err;
	json_t *j;
	int ch, rc;

	memset(&err, 0, sizeof(err));
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u': url = optarg; break;
		case 'r': root = optarg; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cli_usage(usage, "bad option");
		}
	}
	if (optind != argc)
		return cli_usage(usage, "trust sigstore-update takes no argument");
	if ((rc = cli_open(c, &err)) != SIGN_OK)
		return cli_fail(c, rc, &err);
	if ((rc = sign_sigstore_update(&out, c->ctx, url, root, &err)) != SIGN_OK)
		return cli_fail(c, rc, &err);
	if (c->json) {
		printf("%s\n", out.ptr);
	} else if (!c->quiet && (j = json_loads(out.ptr, 0, NULL)) != NULL) {
		fprintf(stderr, "sign: Sigstore trusted root of %s is up to date (TUF root version %lld, "
			"timestamp version %lld, expires %s): %s\n",
			json_string_value(json_object_get(j, "tuf_url")),
			(long long)json_integer_value(json_object_get(j, "root_version")),
			(long long)json_integer_value(json_object_get(j, "timestamp_version")),
			json_string_value(json_object_get(j, "timestamp_expires")) ?
				json_string_value(json_object_get(j, "timestamp_expires")) : "?",
			json_string_value(json_object_get(j, "trusted_root")));
		json_decref(j);
	}
	sign_buf_dispose(&out);
	return EXIT_OK;
}

static void show_text(const char *doc)
{
	json_t *j = json_loads(doc, 0, NULL), *v, *ids;
	const char *name;
	size_t i;
	if (j == NULL) {
		printf("%s\n", doc);
		return;
	}
	printf("GUN:                %s\n", json_string_value(json_object_get(j, "gun")));
	printf("root pinned by:     %s\n", json_string_value(json_object_get(j, "pinned_by")));
	if (json_is_string(json_object_get(j, "pinned_ca")))
		printf("pinned CA bundle:   %s\n", json_string_value(json_object_get(j, "pinned_ca")));
	printf("trust on first use: %s\n", json_is_true(json_object_get(j, "trust_on_first_use")) ?
		"allowed" : "refused");
	ids = json_object_get(j, "pinned_root_keyids");
	if (json_array_size(ids)) {
		printf("pinned root keys:  ");
		json_array_foreach(ids, i, v)
			printf(" %s", json_string_value(v));
		printf("\n");
	}
	ids = json_object_get(j, "root_keyids");
	if (json_array_size(ids)) {
		printf("cached root keys:  ");
		json_array_foreach(ids, i, v)
			printf(" %s", json_string_value(v));
		printf("\n");
	}
	printf("timestamp lifetime: %lld s\n",
		(long long)json_integer_value(json_object_get(j, "timestamp_lifetime")));
	json_object_foreach(json_object_get(j, "cached"), name, v)
		printf("cached %-10s  version %lld, expires %s\n", name,
			(long long)json_integer_value(json_object_get(v, "version")),
			json_string_value(json_object_get(v, "expires")));
	json_decref(j);
}

int cmd_trust(cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root-key", required_argument, NULL, 'r' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "gun", required_argument, NULL, 'g' },
		{ "ca", required_argument, NULL, 'c' },
		{ "republish", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *root_key = NULL, *sub, *gun = NULL, *ca = NULL;
	long lifetime = 0;
	sign_buf out = SIGN_BUF_INIT;
	sign_error err;
	int ch, rc, republish = 0;

	memset(&err, 0, sizeof(err));
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (argc < 2)
		return cli_usage(usage, "trust needs a subcommand");
	sub = argv[1];
	argc--;
	argv++;
	if (strcmp(sub, "sigstore-update") == 0)
		return sigstore_update(c, argc, argv);
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': root_key = optarg; break;
		case 'g': gun = optarg; break;
		case 'c': ca = optarg; break;
		case 'R': republish = 1; break;
		case 'l':
			if ((lifetime = cli_duration(optarg)) <= 0)
				return cli_usage(usage, "--lifetime %s: use e.g. 14d, 36h, 3600", optarg);
			break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cli_usage(usage, "bad option");
		}
	}
	if (optind != argc - 1)
		return cli_usage(usage, "trust %s needs one argument", sub);
	if (republish && (strcmp(sub, "refresh") != 0 || lifetime > 0))
		return cli_usage(usage, "--republish goes with trust refresh, without --lifetime");
	if ((rc = cli_open(c, &err)) != SIGN_OK)
		return cli_fail(c, rc, &err);
	if (strcmp(sub, "tofu") == 0) {
		int on = strcmp(argv[optind], "on") == 0;
		if (!on && strcmp(argv[optind], "off") != 0)
			return cli_usage(usage, "trust tofu takes on or off");
		if ((rc = sign_trust_set_tofu(c->ctx, on, &err)) != SIGN_OK)
			return cli_fail(c, rc, &err);
		if (c->json)
			printf("{\"trust_on_first_use\":%s}\n", on ? "true" : "false");
		else if (!c->quiet)
			fprintf(stderr, "sign: trust on first use is %s\n", on ? "allowed" : "refused");
		return EXIT_OK;
	}
	if (strcmp(sub, "pin") == 0) {
		size_t n = strlen(argv[optind]);
		if ((root_key == NULL) == (ca == NULL))
			return cli_usage(usage, "trust pin needs --root-key FILE or --ca FILE");
		if (ca || (n && argv[optind][n - 1] == '*'))
			rc = sign_trust_pin_rule(c->ctx, argv[optind], root_key, ca, &err);
		else
			rc = sign_trust_pin(c->ctx, argv[optind], root_key, &err);
		if (rc != SIGN_OK)
			return cli_fail(c, rc, &err);
		if (c->json)
			printf("{\"pinned\":\"%s\"}\n", argv[optind]);
		else if (!c->quiet)
			fprintf(stderr, "sign: pinned the root of %s\n", argv[optind]);
		return EXIT_OK;
	}
	if (strcmp(sub, "show") == 0)
		rc = sign_trust_show(&out, c->ctx, argv[optind], &err);
	else if (strcmp(sub, "refresh") == 0 && republish)
		rc = sign_trust_republish(&out, c->ctx, argv[optind], gun, &err);
	else if (strcmp(sub, "refresh") == 0)
		rc = sign_trust_refresh(&out, c->ctx, argv[optind], gun, lifetime, &err);
	else
		return cli_usage(usage, "unknown trust subcommand '%s'", sub);
	if (rc != SIGN_OK)
		return cli_fail(c, rc, &err);
	if (c->json) {
		printf("%s\n", out.ptr);
	} else if (strcmp(sub, "show") == 0) {
		show_text(out.ptr);
	} else if (republish && !c->quiet) {
		json_t *j = json_loads(out.ptr, 0, NULL), *sv = json_object_get(j, "served");
		const char *g = json_string_value(json_object_get(j, "gun"));
		if (!json_is_true(json_object_get(j, "republished")))
			fprintf(stderr, "sign: the registry serves this home's trust data of %s: nothing to republish\n",
				g ? g : "");
		else
			fprintf(stderr, "sign: republished the trust data of %s over the older state the registry "
				"served: targets %lld -> %lld, snapshot %lld -> %lld, timestamp %lld -> %lld\n", g ? g : "",
				(long long)json_integer_value(json_object_get(sv, "targets")),
				(long long)json_integer_value(json_object_get(j, "targets")),
				(long long)json_integer_value(json_object_get(sv, "snapshot")),
				(long long)json_integer_value(json_object_get(j, "snapshot")),
				(long long)json_integer_value(json_object_get(sv, "timestamp")),
				(long long)json_integer_value(json_object_get(j, "timestamp")));
		json_decref(j);
	} else if (!c->quiet) {
		json_t *j = json_loads(out.ptr, 0, NULL);
		fprintf(stderr, "sign: the timestamp of %s now expires at %s\n",
			json_string_value(json_object_get(j, "gun")),
			json_string_value(json_object_get(j, "timestamp_expires")));
		json_decref(j);
	}
	sign_buf_dispose(&out);
	return EXIT_OK;
}

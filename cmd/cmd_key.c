/*
 * cmd_key.c - sign key generate|list|import|export|remove|rotate
 */
#include "cli.h"

#include <getopt.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

static const char usage[] =
	"usage: sign key generate [--role ROLE] [--gun GUN]\n"
	"       sign key list\n"
	"       sign key import FILE... [--role ROLE] [--gun GUN]\n"
	"       sign key export KEYID [--public | --format cosign|notary|pkcs8|public]\n"
	"       sign key remove KEYID\n"
	"       sign key rotate GUN root|repository|snapshot|timestamp [--server] [--no-resign]\n";

static int key_list(cli *c)
{
	sign_buf out = SIGN_BUF_INIT;
	sign_error err;
	int rc;
	memset(&err, 0, sizeof(err));
	if ((rc = sign_key_list(&out, c->ctx, &err)) != SIGN_OK)
		return cli_fail(c, rc, &err);
	if (c->json) {
		printf("%s\n", out.ptr);
	} else {
		json_t *arr = json_loads(out.ptr, 0, NULL), *k;
		size_t i;
		printf("%-64s  %-10s %s\n", "KEY ID", "ROLE", "GUN");
		json_array_foreach(arr, i, k)
			printf("%-64s  %-10s %s\n", json_string_value(json_object_get(k, "keyid")),
				json_string_value(json_object_get(k, "role")),
				json_string_value(json_object_get(k, "gun")));
		json_decref(arr);
	}
	sign_buf_dispose(&out);
	return EXIT_OK;
}

/* sign key rotate GUN ROLE: passphrases from the environment (the
 * context's callback); -o json prints the library's document. */
static int key_rotate(cli *c, const char *gun, const char *role, int server, int no_resign)
{
	sign_rotate_options o = SIGN_ROTATE_OPTIONS_INIT;
	sign_buf out = SIGN_BUF_INIT;
	sign_error err;
	json_t *doc, *v;
	size_t i;
	int rc;
	memset(&err, 0, sizeof(err));
	o.server = server;
	o.no_resign = no_resign;
	if ((rc = sign_key_rotate(&out, c->ctx, gun, role, &o, &err)) != SIGN_OK)
		return cli_fail(c, rc, &err);
	if (c->json) {
		printf("%s\n", out.ptr);
	} else if (!c->quiet) {
		doc = json_loads(out.ptr, 0, NULL);
		printf("rotated the %s key of %s: ", json_string_value(json_object_get(doc, "role")),
			json_string_value(json_object_get(doc, "gun")));
		json_array_foreach(json_object_get(doc, "old_keyids"), i, v)
			printf("%s%.12s", i ? ", " : "", json_string_value(v));
		if (json_array_size(json_object_get(doc, "old_keyids")) == 0)
			printf("(none)");
		printf(" -> ");
		json_array_foreach(json_object_get(doc, "new_keyids"), i, v)
			printf("%s%s", i ? ", " : "", json_string_value(v));
		printf(" (root version %lld)\n",
			(long long)json_integer_value(json_object_get(doc, "root_version")));
		json_array_foreach(json_object_get(doc, "tags"), i, v)
			printf("  %s: %s\n", json_string_value(json_object_get(v, "tag")),
				json_string_value(json_object_get(v, "signature")));
		json_decref(doc);
	}
	sign_buf_dispose(&out);
	return EXIT_OK;
}

int cmd_key(cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "gun", required_argument, NULL, 'g' },
		{ "name", required_argument, NULL, 'r' },
		{ "public", no_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "server", no_argument, NULL, 's' },
		{ "no-resign", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *role = NULL, *gun = NULL, *sub;
	sign_key_format fmt = SIGN_KEY_FORMAT_COSIGN;
	sign_error err;
	char keyid[72];
	int ch, rc, server = 0, no_resign = 0;

	memset(&err, 0, sizeof(err));
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (argc < 2)
		return cli_usage(usage, "key needs a subcommand");
	sub = argv[1];
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': role = optarg; break;
		case 'g': gun = optarg; break;
		case 'p': fmt = SIGN_KEY_FORMAT_PUBLIC; break;
		case 'f':
			if (strcmp(optarg, "cosign") == 0)
				fmt = SIGN_KEY_FORMAT_COSIGN;
			else if (strcmp(optarg, "pkcs8") == 0 || strcmp(optarg, "notary") == 0)
				fmt = SIGN_KEY_FORMAT_PKCS8;
			else if (strcmp(optarg, "public") == 0)
				fmt = SIGN_KEY_FORMAT_PUBLIC;
			else
				return cli_usage(usage, "--format %s: use cosign, notary (pkcs8) or public", optarg);
			break;
		case 's': server = 1; break;
		case 'n': no_resign = 1; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cli_usage(usage, "bad option");
		}
	}
	if ((server || no_resign) && strcmp(sub, "rotate") != 0)
		return cli_usage(usage, "--server and --no-resign are options of key rotate");
	if (strcmp(sub, "rotate") == 0 && optind != argc - 2)
		return cli_usage(usage, "key rotate needs a GUN and a role (root, repository, snapshot, timestamp)");
	if ((rc = cli_open(c, &err)) != SIGN_OK)
		return cli_fail(c, rc, &err);
	if (strcmp(sub, "rotate") == 0)
		return key_rotate(c, argv[optind], argv[optind + 1], server, no_resign);
	if (strcmp(sub, "list") == 0) {
		if (optind != argc)
			return cli_usage(usage, "key list takes no arguments");
		return key_list(c);
	}
	if (strcmp(sub, "generate") == 0) {
		if (optind != argc)
			return cli_usage(usage, "key generate takes no arguments");
		rc = sign_key_generate(keyid, c->ctx, role ? role : "targets", gun, &err);
	} else if (strcmp(sub, "import") == 0) {
		/* several files at once: ~/.docker/trust/private/\*.key */
		int worst = EXIT_OK;
		if (optind >= argc)
			return cli_usage(usage, "key import needs a FILE");
		if (c->json)
			printf("[");
		for (int i = optind; i < argc; i++) {
			memset(&err, 0, sizeof(err));
			rc = sign_key_import(keyid, c->ctx, argv[i], role, gun, &err);
			if (rc != SIGN_OK) {
				cli_fail(c, rc, &err);
				worst = EXIT_USAGE;
				continue;
			}
			if (c->json) {
				printf("%s{\"file\":", i > optind ? "," : "");
				cli_json_str(stdout, argv[i]);
				printf(",\"keyid\":\"%s\"}", keyid);
			} else {
				printf("%s\n", keyid);
			}
		}
		if (c->json)
			printf("]\n");
		return worst;
	} else if (strcmp(sub, "export") == 0) {
		sign_buf out = SIGN_BUF_INIT;
		if (optind != argc - 1)
			return cli_usage(usage, "key export needs one KEYID");
		if ((rc = sign_key_export(&out, c->ctx, argv[optind], fmt, &err)) != SIGN_OK)
			return cli_fail(c, rc, &err);
		if (c->json) {
			printf("{\"keyid\":");
			cli_json_str(stdout, argv[optind]);
			printf(",\"format\":\"%s\",\"pem\":", fmt == SIGN_KEY_FORMAT_PUBLIC ? "public" :
				fmt == SIGN_KEY_FORMAT_PKCS8 ? "pkcs8" : "cosign");
			cli_json_str(stdout, out.ptr);
			printf("}\n");
		} else {
			fwrite(out.ptr, 1, out.size, stdout);
		}
		/* the encrypted forms hold no secret in the clear; wipe anyway
		 * (sodium_memzero: a memset before free may be dropped) */
		if (out.ptr != NULL)
			sodium_memzero(out.ptr, out.size);
		sign_buf_dispose(&out);
		return EXIT_OK;
	} else if (strcmp(sub, "remove") == 0) {
		if (optind != argc - 1)
			return cli_usage(usage, "key remove needs one KEYID");
		if ((rc = sign_key_remove(c->ctx, argv[optind], &err)) != SIGN_OK)
			return cli_fail(c, rc, &err);
		if (c->json)
			printf("{\"removed\":\"%s\"}\n", argv[optind]);
		else if (!c->quiet)
			fprintf(stderr, "sign: removed key %s\n", argv[optind]);
		return EXIT_OK;
	} else {
		return cli_usage(usage, "unknown key subcommand '%s'", sub);
	}
	if (rc != SIGN_OK)
		return cli_fail(c, rc, &err);
	if (c->json)
		printf("{\"keyid\":\"%s\"}\n", keyid);
	else
		printf("%s\n", keyid);
	return EXIT_OK;
}

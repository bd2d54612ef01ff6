/*
 * cmd_inspect.c - sign inspect [--gun GUN] REF|GUN
 */
#include "cli.h"

#include <jansson.h>
#include <string.h>

static const char usage[] = "usage: sign inspect [--gun GUN] REF|GUN\n";

static void print_text(const char *doc)
{
	json_t *root = json_loads(doc, 0, NULL), *r = json_array_get(root, 0), *v, *k;
	size_t i, j;
	const char *name;
	if (r == NULL) {
		fputs(doc, stdout);
		json_decref(root);
		return;
	}
	printf("Signatures for %s\n\n", json_string_value(json_object_get(r, "Name")));
	printf("%-24s %-66s %s\n", "SIGNED TAG", "DIGEST", "SIGNERS");
	json_array_foreach(json_object_get(r, "SignedTags"), i, v)
		printf("%-24s %-66s %s\n", json_string_value(json_object_get(v, "SignedTag")),
			json_string_value(json_object_get(v, "Digest")),
			json_string_value(json_array_get(json_object_get(v, "Signers"), 0)));
	printf("\nAdministrative keys for %s\n\n", json_string_value(json_object_get(r, "Name")));
	json_array_foreach(json_object_get(r, "AdministrativeKeys"), i, v) {
		printf("  %s Key:\t", json_string_value(json_object_get(v, "Name")));
		json_array_foreach(json_object_get(v, "Keys"), j, k)
			printf("%s%s", j ? ", " : "", json_string_value(json_object_get(k, "ID")));
		printf("\n");
	}
	printf("\n%-10s %-8s %s\n", "ROLE", "VERSION", "EXPIRES");
	json_object_foreach(json_object_get(r, "Roles"), name, v)
		printf("%-10s %-8lld %s\n", name, (long long)json_integer_value(json_object_get(v, "version")),
			json_string_value(json_object_get(v, "expires")));
	json_decref(root);
}

int cmd_inspect(cli *c, int argc, char **argv)
{
	const char *gun, *arg;
	sign_buf out = SIGN_BUF_INIT;
	sign_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	if ((rc = cli_gun_and_arg(argc, argv, usage, "inspect needs exactly one REF or GUN", &gun, &arg)) >= 0)
		return rc;
	if ((rc = cli_open(c, &err)) != SIGN_OK)
		return cli_fail(c, rc, &err);
	if ((rc = sign_inspect(&out, c->ctx, arg, gun, &err)) != SIGN_OK)
		return cli_fail(c, rc, &err);
	if (c->json)
		printf("%s\n", out.ptr);
	else
		print_text(out.ptr);
	sign_buf_dispose(&out);
	return EXIT_OK;
}

/*
 * cmd_revoke.c - sign revoke [--gun GUN] REF
 */
#include "cli.h"

#include <jansson.h>
#include <string.h>

static const char usage[] = "usage: sign revoke [--gun GUN] REF\n";

int cmd_revoke(cli *c, int argc, char **argv)
{
	const char *gun, *arg;
	sign_buf out = SIGN_BUF_INIT;
	sign_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	if ((rc = cli_gun_and_arg(argc, argv, usage, "revoke needs one REF with a tag", &gun, &arg)) >= 0)
		return rc;
	if ((rc = cli_open(c, &err)) != SIGN_OK)
		return cli_fail(c, rc, &err);
	if ((rc = sign_revoke(&out, c->ctx, arg, gun, &err)) != SIGN_OK)
		return cli_fail(c, rc, &err);
	if (c->json) {
		printf("%s\n", out.ptr);
	} else if (!c->quiet) {
		json_t *j = json_loads(out.ptr, 0, NULL);
		fprintf(stderr, "sign: revoked %s:%s (%s)%s\n", json_string_value(json_object_get(j, "gun")),
			json_string_value(json_object_get(j, "tag")), json_string_value(json_object_get(j, "digest")),
			json_is_true(json_object_get(j, "signature_removed")) ? "; its detached signature is deleted" : "");
		json_decref(j);
	}
	sign_buf_dispose(&out);
	return EXIT_OK;
}

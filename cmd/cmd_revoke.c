/*
 * cmd_revoke.c - sign revoke REF
 */
#include "cli.h"

#include <string.h>

static const char usage[] = "usage: sign revoke [--gun GUN] REF\n";

int cmd_revoke(cli *c, int argc, char **argv)
{
	(void)c;
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	(void)argv;
	return cli_usage(usage, "revoke: not implemented yet");
}

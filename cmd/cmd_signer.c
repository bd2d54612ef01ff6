/*
 * cmd_signer.c - sign signer add|remove|list
 */
#include "cli.h"

#include <string.h>

static const char usage[] =
	"usage: sign signer add NAME GUN --key PUB.pem... [--paths P]... [--threshold N]\n"
	"       sign signer remove NAME GUN\n"
	"       sign signer list GUN\n";

int cmd_signer(cli *c, int argc, char **argv)
{
	(void)c;
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	(void)argv;
	return cli_usage(usage, "signer: not implemented yet");
}

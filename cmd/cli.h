/*
 * cli.h - shared pieces of the sign command line.  The CLI uses only the
 * public API (<sign.h>) and owns all I/O, prompts and exit codes.
 */
#ifndef SIGN_CLI_H
#define SIGN_CLI_H

#include <sign.h>
#include <stdio.h>

#define EXIT_OK 0
#define EXIT_VERIFY 1
#define EXIT_USAGE 2

typedef struct cli {
	sign_ctx *ctx;
	int json;      /* -o json */
	int quiet;     /* -q */
	int verbose;   /* -v */
	sign_ctx_options opts;
} cli;

/* A command: argv[0] is the command name. */
typedef int (*cli_fn)(cli *c, int argc, char **argv);

int cmd_push(cli *c, int argc, char **argv);
int cmd_verify(cli *c, int argc, char **argv);
int cmd_attest(cli *c, int argc, char **argv);
int cmd_inspect(cli *c, int argc, char **argv);
int cmd_key(cli *c, int argc, char **argv);
int cmd_trust(cli *c, int argc, char **argv);
int cmd_migrate(cli *c, int argc, char **argv);
int cmd_signer(cli *c, int argc, char **argv);
int cmd_revoke(cli *c, int argc, char **argv);
int cmd_admission(cli *c, int argc, char **argv);
int cmd_verify_blob(cli *c, int argc, char **argv);
/* The Sigstore trusted root for a keyless check without --trusted-root:
 * the one `sign trust sigstore-update` cached for tuf_url (NULL: the public
 * good) (into *json, with a warning
 * when its TUF metadata has expired), else none (*json left empty: the
 * embedded public-good root).  Returns EXIT_OK, or the exit code having
 * said why (a cache that no longer verifies). */
int cli_sigstore_root(cli *c, const char *tuf_url, sign_buf *json);

/* References: argv[first..argc), then the lines of --refs-from FROM
 * ("-": standard input; blank lines and "#" comments skipped), or NULL.
 * Returns EXIT_OK, or EXIT_USAGE having said why (refs then empty). */
typedef struct cli_refs {
	char **v;
	size_t n, cap;
} cli_refs;
int cli_refs_gather(cli_refs *r, int argc, char **argv, int first, const char *from);
void cli_refs_free(cli_refs *r);
/* What push, verify and revoke do first: the references gathered, none
 * being the usage error `what` ("push needs a REF"), then the context
 * opened.  Returns EXIT_OK, or the exit code having said why (refs then
 * empty). */
int cli_refs_start(cli *c, cli_refs *r, int argc, char **argv, int first, const char *from,
	const char *usage, const char *what);

/* A progress line on standard error (progress.c): only on a terminal and
 * without -q.  cli_progress_cb is a sign_progress_fn (arg: the
 * cli_progress); cli_progress_end ends the line if one was drawn. */
typedef struct cli_progress {
	int on, shown;
	const char *what;       /* "pushed", "migrated" */
	int64_t start_ms, last_ms;
} cli_progress;
void cli_progress_init(cli_progress *p, const cli *c, const char *what);
void cli_progress_cb(void *arg, size_t done, size_t total);
void cli_progress_end(cli_progress *p);

/* Print "sign: <message>" (+ hint) to stderr; return the exit code for rc. */
int cli_fail(const cli *c, int rc, const sign_error *err);
/* Usage error: print "sign: <msg>" and the usage line; exit code 2. */
int cli_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Exit code for a library return code. */
int cli_exit_code(int rc);
/* Open the context lazily (commands that need it). */
int cli_open(cli *c, sign_error *err);
/* Parse a duration: "90s", "15m", "36h", "14d", or seconds. -1 on error. */
long cli_duration(const char *s);
/* Print a JSON string value with escapes. */
void cli_json_str(FILE *f, const char *s);
/* Is argv[i] "--help" / "-h"? */
int cli_wants_help(int argc, char **argv);
/* Append v to the NULL-terminated list *list of *n entries (options given
 * more than once).  -1 when out of memory, the list unchanged. */
int cli_list_add(const char ***list, size_t *n, const char *v);
/* Commands of the form `sign CMD [--gun GUN] ARG`: parse the options, set
 * *gun and *arg.  Returns -1 to go on, else the exit code (help printed,
 * or a usage error for `what`, e.g. "inspect needs exactly one REF or GUN"). */
int cli_gun_and_arg(int argc, char **argv, const char *usage, const char *what,
	const char **gun, const char **arg);

#endif

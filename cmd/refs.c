/*
 * refs.c - the references of push, verify and revoke: the command line's,
 * then those of --refs-from FILE ("-": standard input), one a line, for
 * lists that do not fit on a command line (ARG_MAX).
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A reference is a name of at most 255 characters, a tag and a digest:
 * a line is bounded well above that, and so is the number of lines. */
#define REF_LINE_MAX 4096
#define REFS_MAX 1000000

static int refs_add(cli_refs *r, const char *s, size_t n)
{
	char *copy;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		char **grown = realloc(r->v, cap * sizeof(*grown));
		if (grown == NULL)
			return -1;
		r->v = grown;
		r->cap = cap;
	}
	if ((copy = malloc(n + 1)) == NULL)
		return -1;
	memcpy(copy, s, n);
	copy[n] = '\0';
	r->v[r->n++] = copy;
	return 0;
}

void cli_refs_free(cli_refs *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* One line of f into line (without its newline): 1, or 0 at the end; -1
 * for a line over REF_LINE_MAX bytes, -2 for one with a NUL byte. */
static int next_line(FILE *f, char *line, size_t *len)
{
	size_t n = 0;
	int ch, bad = 0;
	while ((ch = getc(f)) != EOF && ch != '\n') {
		if (ch == '\0')
			bad = -2;
		else if (n == REF_LINE_MAX)
			bad = bad ? bad : -1;
		else
			line[n++] = (char)ch;
	}
	*len = n;
	if (bad)
		return bad;
	return ch == EOF && n == 0 ? 0 : 1;
}

/* The lines of f: blanks and "#" comments skipped, spaces around trimmed. */
static int read_lines(cli_refs *r, FILE *f, const char *name)
{
	char line[REF_LINE_MAX];
	unsigned long no = 0;
	size_t n;
	int got;

	while ((got = next_line(f, line, &n)) != 0) {
		size_t start = 0;
		no++;
		if (got == -1) {
			fprintf(stderr, "sign: --refs-from %s: line %lu is longer than %d bytes\n", name, no,
				REF_LINE_MAX);
			return EXIT_USAGE;
		}
		if (got == -2) {
			fprintf(stderr, "sign: --refs-from %s: line %lu holds a NUL byte\n", name, no);
			return EXIT_USAGE;
		}
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		while (start < n && (line[start] == ' ' || line[start] == '\t'))
			start++;
		if (start == n || line[start] == '#')
			continue;
		if (r->n >= REFS_MAX) {
			fprintf(stderr, "sign: --refs-from %s: more than %d references\n", name, REFS_MAX);
			return EXIT_USAGE;
		}
		if (refs_add(r, line + start, n - start) != 0) {
			fprintf(stderr, "sign: --refs-from %s: out of memory\n", name);
			return EXIT_USAGE;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "sign: --refs-from %s: cannot read: %s\n", name, strerror(errno));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cli_refs_gather(cli_refs *r, int argc, char **argv, int first, const char *from)
{
	FILE *f;
	int rc;

	memset(r, 0, sizeof(*r));
	for (int i = first; i < argc; i++)
		if (refs_add(r, argv[i], strlen(argv[i])) != 0) {
			fprintf(stderr, "sign: out of memory\n");
			cli_refs_free(r);
			return EXIT_USAGE;
		}
	if (from == NULL)
		return EXIT_OK;
	if (strcmp(from, "-") == 0) {
		rc = read_lines(r, stdin, "-");
	} else if ((f = fopen(from, "re")) == NULL) {
		fprintf(stderr, "sign: --refs-from %s: cannot open: %s\n", from, strerror(errno));
		rc = EXIT_USAGE;
	} else {
		rc = read_lines(r, f, from);
		fclose(f);
	}
	if (rc != EXIT_OK)
		cli_refs_free(r);
	return rc;
}

int cli_refs_start(cli *c, cli_refs *r, int argc, char **argv, int first, const char *from,
	const char *usage, const char *what)
{
	sign_error err;
	int rc;

	memset(r, 0, sizeof(*r));
	if (first >= argc && from == NULL)
		return cli_usage(usage, "%s", what);
	if ((rc = cli_refs_gather(r, argc, argv, first, from)) != EXIT_OK)
		return rc;
	if (r->n == 0) {
		cli_refs_free(r);
		return cli_usage(usage, "%s: --refs-from %s holds none", what, from);
	}
	memset(&err, 0, sizeof(err));
	if ((rc = cli_open(c, &err)) != SIGN_OK) {
		cli_refs_free(r);
		return cli_fail(c, rc, &err);
	}
	return EXIT_OK;
}

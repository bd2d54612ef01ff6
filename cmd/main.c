/*
 * main.c - `sign`: global options, dispatch, passphrases, messages.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

static const char usage_text[] =
	"usage: sign [global options] COMMAND [options] ARGS\n"
	"\n"
	"commands:\n"
	"  push [--from oci:DIR[:tag]] [--recursive] REF   sign an image (and upload it first)\n"
	"  verify [--root-key FILE]... [--key PUB] REF...    verify before pulling; prints REPO@sha256:...\n"
	"  verify-blob --bundle FILE ... FILE|sha256:HEX     verify a Sigstore bundle (keyless or --key)\n"
	"  attest --predicate FILE --type TYPE REF           attach a signed in-toto attestation (cosign's .att)\n"
	"  inspect REF|GUN                                   signed tags, keys, versions and expiry\n"
	"  key generate|list|import|export|remove|rotate     manage and rotate keys\n"
	"  trust pin|show|refresh                            pin a root, show trust state, extend the timestamp\n"
	"  trust sigstore-update [--tuf-url URL]             fetch the Sigstore trusted root through TUF\n"
	"  migrate GUN --from-trust-server URL               move a Notary-hosted GUN into the registry\n"
	"  signer add|remove|list                            signers (delegations) of a GUN\n"
	"  revoke REF                                        remove a tag's signature\n"
	"  admission --listen ADDR:PORT --policy FILE ...    Kubernetes admission webhook (HTTPS)\n"
	"\n"
	"global options:\n"
	"  --home DIR                 keys and trust state (default $SIGN_HOME or ~/.sign)\n"
	"  --trust-server URL         Notary v1 server holding the trust data\n"
	"  --insecure-registry HOST   plain HTTP or unverified TLS for HOST (repeatable)\n"
	"  --ca-file FILE             CA bundle for TLS\n"
	"  --timeout SECONDS          per request (default 30)\n"
	"  -o text|json               output format\n"
	"  -q, -v                     quieter, more verbose\n"
	"\n"
	"exit status: 0 ok, 1 verification failed, 2 usage or operational error.\n"
	"See sign(1).\n";

static const struct {
	const char *name;
	cli_fn fn;
} commands[] = {
	{ "push", cmd_push },
	{ "verify", cmd_verify },
	{ "verify-blob", cmd_verify_blob },
	{ "attest", cmd_attest },
	{ "inspect", cmd_inspect },
	{ "key", cmd_key },
	{ "trust", cmd_trust },
	{ "migrate", cmd_migrate },
	{ "signer", cmd_signer },
	{ "revoke", cmd_revoke },
	{ "admission", cmd_admission },
};

int cli_exit_code(int rc)
{
	if (rc == SIGN_OK)
		return EXIT_OK;
	if (rc == SIGN_EVERIFY)
		return EXIT_VERIFY;
	return EXIT_USAGE;
}

int cli_fail(const cli *c, int rc, const sign_error *err)
{
	(void)c;
	if (err && err->message[0])
		fprintf(stderr, "sign: %s\n", err->message);
	else
		fprintf(stderr, "sign: %s\n", sign_strerror(rc));
	if (err && err->hint[0])
		fprintf(stderr, "hint: %s\n", err->hint);
	return cli_exit_code(rc);
}

int cli_usage(const char *usage, const char *fmt, ...)
{
	va_list ap;
	fputs("sign: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (usage)
		fprintf(stderr, "%s", usage);
	return EXIT_USAGE;
}

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

int cli_list_add(const char ***list, size_t *n, const char *v)
{
	const char **p = realloc(*list, (*n + 2) * sizeof(char *));
	if (p == NULL)
		return -1;
	p[(*n)++] = v;
	p[*n] = NULL;
	*list = p;
	return 0;
}

int cli_gun_and_arg(int argc, char **argv, const char *usage, const char *what,
	const char **gun, const char **arg)
{
	static const struct option longopts[] = {
		{ "gun", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;
	*gun = NULL;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'g': *gun = optarg; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cli_usage(usage, "bad option");
		}
	}
	if (optind != argc - 1)
		return cli_usage(usage, "%s", what);
	*arg = argv[optind];
	return -1;
}

long cli_duration(const char *s)
{
	char *end = NULL;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v <= 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "m") == 0 && v < 1000000000L / 60)
		return v * 60;
	if (strcmp(end, "h") == 0 && v < 1000000000L / 3600)
		return v * 3600;
	if (strcmp(end, "d") == 0 && v < 1000000000L / 86400)
		return v * 86400;
	return -1;
}

void cli_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* ---- passphrases: environment first, then the terminal, no echo ---- */

static const char *env_first(const char *a, const char *b)
{
	const char *v = getenv(a);
	if (v == NULL && b)
		v = getenv(b);
	return v;
}

static int read_tty(char *buf, size_t size, const char *prompt)
{
	struct termios old, noecho;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	size_t n = 0;
	int ok = -1;
	if (fd < 0)
		return -1;
	if (tcgetattr(fd, &old) != 0)
		goto out;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	noecho.c_lflag |= ICANON;
	if (write(fd, prompt, strlen(prompt)) < 0)
		goto out;
	if (tcsetattr(fd, TCSAFLUSH, &noecho) != 0)
		goto out;
	for (;;) {
		char ch = '\0';
		ssize_t r = read(fd, &ch, 1);
		if (r <= 0 || ch == '\n' || ch == '\r')
			break;
		if (n + 1 < size)
			buf[n++] = ch;
		sodium_memzero(&ch, sizeof(ch));
	}
	memset(buf + n, 0, size - n);
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		goto out;
	ok = 0;
out:
	close(fd);
	return ok;
}

static int passphrase_cb(char *buf, size_t size, sign_pass_kind kind, const char *keyid,
	int confirm, void *payload)
{
	const char *v, *what;
	char prompt[200];
	(void)payload;
	switch (kind) {
	case SIGN_PASS_ROOT:
		v = env_first("SIGN_ROOT_PASSPHRASE", "DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE");
		what = "root";
		break;
	case SIGN_PASS_REPOSITORY:
		v = env_first("SIGN_REPOSITORY_PASSPHRASE", "DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE");
		what = "repository";
		break;
	case SIGN_PASS_IMPORT:
		/* no prompt: without the variable the role's passphrase is asked */
		v = env_first("SIGN_IMPORT_PASSPHRASE", NULL);
		if (v == NULL)
			return -1;
		what = "imported";
		break;
	default:
		v = env_first("SIGN_DELEGATION_PASSPHRASE", NULL);
		what = "signer";
		break;
	}
	if (v) {
		if (strlen(v) >= size)
			return -1;
		memcpy(buf, v, strlen(v) + 1);
		return 0;
	}
	if (!isatty(STDIN_FILENO))
		return -1;
	snprintf(prompt, sizeof(prompt), "%s passphrase for %s key%s%.12s: ",
		confirm ? "Enter a new" : "Enter the", what, keyid ? " " : "", keyid ? keyid : "");
	if (read_tty(buf, size, prompt) != 0)
		return -1;
	if (confirm) {
		/* guarded memory, wiped by sodium_free, as the library's buf */
		char *again = sodium_malloc(size);
		int same;
		if (again == NULL)
			return -1;
		if (read_tty(again, size, "Repeat it: ") != 0) {
			sodium_free(again);
			return -1;
		}
		same = sodium_memcmp(again, buf, size) == 0;
		sodium_free(again);
		if (!same) {
			fprintf(stderr, "sign: the passphrases differ\n");
			return -1;
		}
	}
	return 0;
}

static void log_cb(int level, const char *message, void *payload)
{
	const cli *c = payload;
	if (level == SIGN_LOG_WARN && !c->quiet)
		fprintf(stderr, "sign: warning: %s\n", message);
	else if (level == SIGN_LOG_INFO && c->verbose)
		fprintf(stderr, "sign: %s\n", message);
	else if (level == SIGN_LOG_DEBUG && c->verbose > 1)
		fprintf(stderr, "sign: debug: %s\n", message);
}

int cli_open(cli *c, sign_error *err)
{
	if (c->ctx)
		return SIGN_OK;
	c->opts.passphrase_cb = passphrase_cb;
	c->opts.log_cb = log_cb;
	c->opts.payload = c;
	return sign_ctx_new(&c->ctx, &c->opts, err);
}

/* Take the global options out of argv, wherever they stand. */
static int take_globals(cli *c, int *argc, char **argv, const char ***insecure, size_t *ninsecure)
{
	int out = 1;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
#define TAKES(name) (strcmp(a, name) == 0 || (strncmp(a, name "=", sizeof(name)) == 0 && (val = a + sizeof(name))))
		if (TAKES("--home") || TAKES("--trust-server") || TAKES("--insecure-registry") ||
		    TAKES("--ca-file") || TAKES("--timeout") || TAKES("--output") ||
		    strcmp(a, "-o") == 0) {
			if (val == NULL) {
				if (i + 1 >= *argc)
					return cli_usage(NULL, "option %s needs a value", a);
				val = argv[++i];
			}
			if (strncmp(a, "--home", 6) == 0) {
				c->opts.home = val;
			} else if (strncmp(a, "--trust-server", 14) == 0) {
				c->opts.trust_server = val;
			} else if (strncmp(a, "--insecure-registry", 19) == 0) {
				if (cli_list_add(insecure, ninsecure, val) != 0)
					return EXIT_USAGE;
			} else if (strncmp(a, "--ca-file", 9) == 0) {
				c->opts.ca_file = val;
			} else if (strncmp(a, "--timeout", 9) == 0) {
				long t = cli_duration(val);
				if (t <= 0)
					return cli_usage(NULL, "--timeout %s: not a number of seconds", val);
				c->opts.timeout_seconds = t;
			} else {
				if (strcmp(val, "json") == 0)
					c->json = 1;
				else if (strcmp(val, "text") == 0)
					c->json = 0;
				else
					return cli_usage(NULL, "-o %s: use text or json", val);
			}
			continue;
		}
#undef TAKES
		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			c->quiet = 1;
			continue;
		}
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			c->verbose++;
			continue;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	*argc = out;
	return EXIT_OK;
}

#ifdef SIGN_TEST_HOOKS
/* build/tools/sign-hooks only: the rotation's fault-injection point
 * (libsign/rotate.c), never in the release build */
extern const char *signp_test_fail_after;
#endif

/* The environment variables sign reads, turned into the library's options
 * (the library reads none).  What is made here is kept in *keep (freed by
 * the caller); the rest points into the environment. */
typedef struct env_keep {
	char *home;          /* $HOME/.sign */
	char *docker_config; /* $DOCKER_CONFIG/config.json or $HOME/.docker/config.json */
	char *insecure;      /* a copy of SIGN_INSECURE_REGISTRIES, cut at the commas */
} env_keep;

static int take_env(cli *c, const char ***insecure, size_t *ninsecure, env_keep *keep)
{
	const char *v, *home = getenv("HOME");
	char *save = NULL;
	size_t n;
	if (home != NULL && *home == '\0')
		home = NULL;
	if (c->opts.home == NULL) {
		if ((v = getenv("SIGN_HOME")) != NULL && *v) {
			c->opts.home = v;
		} else if (home != NULL) {
			n = strlen(home) + sizeof("/.sign");
			if ((keep->home = malloc(n)) == NULL)
				return EXIT_USAGE;
			snprintf(keep->home, n, "%s%s.sign", home, home[strlen(home) - 1] == '/' ? "" : "/");
			c->opts.home = keep->home;
		}
	}
	if ((v = getenv("SIGN_INSECURE_REGISTRIES")) != NULL && *v) {
		if ((keep->insecure = strdup(v)) == NULL)
			return EXIT_USAGE;
		for (char *t = strtok_r(keep->insecure, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			while (*t == ' ')
				t++;
			if (*t && cli_list_add(insecure, ninsecure, t) != 0)
				return EXIT_USAGE;
		}
	}
	if ((v = getenv("SIGN_DISABLE_TOFU")) != NULL && strcmp(v, "1") == 0)
		c->opts.disable_tofu = 1;
	if ((v = getenv("DOCKER_CONFIG")) != NULL && *v) {
		n = strlen(v) + sizeof("/config.json");
		if ((keep->docker_config = malloc(n)) == NULL)
			return EXIT_USAGE;
		snprintf(keep->docker_config, n, "%s/config.json", v);
	} else if (home != NULL) {
		n = strlen(home) + sizeof("/.docker/config.json");
		if ((keep->docker_config = malloc(n)) == NULL)
			return EXIT_USAGE;
		snprintf(keep->docker_config, n, "%s/.docker/config.json", home);
	}
	c->opts.docker_config = keep->docker_config;
	if ((v = getenv("DOCKER_AUTH_CONFIG")) != NULL && *v)
		c->opts.docker_auth_config = v;
#ifdef SIGN_TEST_HOOKS
	signp_test_fail_after = getenv("SIGN_TEST_FAIL_AFTER");
#endif
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	cli c;
	const char **insecure = NULL;
	size_t ninsecure = 0;
	int rc;
	sign_ctx_options dflt = SIGN_CTX_OPTIONS_INIT;
	sign_global_options gopts = SIGN_GLOBAL_OPTIONS_INIT;
	env_keep keep = { NULL, NULL, NULL };

	memset(&c, 0, sizeof(c));
	c.opts = dflt;
	if ((rc = take_globals(&c, &argc, argv, &insecure, &ninsecure)) != EXIT_OK)
		goto out;
	if ((rc = take_env(&c, &insecure, &ninsecure, &keep)) != EXIT_OK) {
		fprintf(stderr, "sign: reading the environment: out of memory\n");
		goto out;
	}
	c.opts.insecure_registries = insecure;
	if (c.opts.trust_server == NULL) {
		const char *ts = env_first("SIGN_TRUST_SERVER", "DOCKER_CONTENT_TRUST_SERVER");
		if (ts && *ts)
			c.opts.trust_server = ts;
	}
	if (argc < 2) {
		fputs(usage_text, stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		rc = EXIT_OK;
		goto out;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("sign %s\n", sign_version());
		rc = EXIT_OK;
		goto out;
	}
	/* the process ends soon after the command: OpenSSL's tables need no
	 * clean-up at exit, which is sign's choice to make, not the library's */
	gopts.flags = SIGN_GLOBAL_OPENSSL_NO_ATEXIT;
	if (sign_global_init_opts(&gopts, NULL) != SIGN_OK) {
		fprintf(stderr, "sign: initialising libraries failed\n");
		rc = EXIT_USAGE;
		goto out;
	}
	rc = -1;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			rc = commands[i].fn(&c, argc - 1, argv + 1);
	if (rc == -1)
		rc = cli_usage(usage_text, "unknown command '%s'", argv[1]);
	sign_ctx_free(c.ctx);
	sign_global_cleanup();
out:
	free(insecure);
	free(keep.home);
	free(keep.docker_config);
	free(keep.insecure);
	return rc;
}

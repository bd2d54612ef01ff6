/*
 * cmd_verify_blob.c - sign verify-blob --bundle FILE (--certificate-identity[-regexp] X
 *   --certificate-oidc-issuer[-regexp] U | --key PUB) [--trusted-root FILE] FILE|sha256:HEX
 * with cosign's flag names.
 */
#include "cli.h"

#include <getopt.h>
#include <string.h>
#include <time.h>

static const char usage[] =
	"usage: sign verify-blob --bundle FILE\n"
	"         (--certificate-identity ID | --certificate-identity-regexp RE)\n"
	"         (--certificate-oidc-issuer URL | --certificate-oidc-issuer-regexp RE)\n"
	"         [--trusted-root FILE | --tuf-url URL] FILE|sha256:HEX\n"
	"       sign verify-blob --bundle FILE --key PUB [--insecure-ignore-tlog]\n"
	"         [--trusted-root FILE | --tuf-url URL] FILE|sha256:HEX\n";

static void print_result(const cli *c, const sign_blob_result *r)
{
	char when[32] = "";
	if (r->signed_time >= 0) {
		time_t t = (time_t)r->signed_time;
		struct tm tm;
		if (gmtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	if (c->json) {
		printf("{\"verified\":true,\"digest\":");
		cli_json_str(stdout, r->digest);
		printf(",\"identity\":");
		cli_json_str(stdout, r->identity);
		printf(",\"issuer\":");
		cli_json_str(stdout, r->issuer);
		printf(",\"predicateType\":");
		cli_json_str(stdout, r->predicate_type);
		printf(",\"signedTime\":");
		cli_json_str(stdout, when);
		printf(",\"logIndex\":%lld}\n", (long long)r->log_index);
		return;
	}
	if (c->quiet)
		return;
	printf("Verified OK: %s\n", r->digest);
	if (r->identity[0])
		printf("  signed by %s (issuer %s)\n", r->identity, r->issuer);
	if (r->predicate_type[0])
		printf("  in-toto statement, predicate %s\n", r->predicate_type);
	if (when[0])
		printf("  at %s", when);
	if (r->log_index >= 0)
		printf("%slog index %lld", when[0] ? ", " : "  ", (long long)r->log_index);
	if (when[0] || r->log_index >= 0)
		printf("\n");
}

int cli_sigstore_root(cli *c, const char *tuf_url, sign_buf *json)
{
	sign_error err;
	int expired = 0, rc;

	memset(&err, 0, sizeof(err));
	if ((rc = cli_open(c, &err)) != SIGN_OK) {
		/* no usable home holds no cache: the built-in root, unless an
		 * instance's cache was asked for */
		if (tuf_url != NULL)
			return cli_fail(c, rc, &err);
		if (c->verbose)
			fprintf(stderr, "sign: no home (%s): using the built-in Sigstore trusted root\n", err.message);
		return EXIT_OK;
	}
	rc = sign_sigstore_trusted_root(json, &expired, c->ctx, tuf_url, &err);
	if (rc == SIGN_ENOTFOUND && tuf_url != NULL)
		return cli_fail(c, rc, &err); /* asked for that instance's root: there is none */
	if (rc == SIGN_ENOTFOUND) {
		if (c->verbose)
			fprintf(stderr, "sign: no cached Sigstore trusted root: using the one built in\n");
		return EXIT_OK;
	}
	if (rc != SIGN_OK)
		return cli_fail(c, rc, &err);
	if (expired)
		fprintf(stderr, "sign: warning: the cached Sigstore trusted root's TUF metadata has expired: "
			"it may be stale\nhint: run `sign trust sigstore-update`\n");
	return EXIT_OK;
}

int cmd_verify_blob(cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "key", required_argument, NULL, 'k' },
		{ "certificate-identity", required_argument, NULL, 'i' },
		{ "certificate-identity-regexp", required_argument, NULL, 'I' },
		{ "certificate-oidc-issuer", required_argument, NULL, 's' },
		{ "certificate-oidc-issuer-regexp", required_argument, NULL, 'S' },
		{ "trusted-root", required_argument, NULL, 't' },
		{ "tuf-url", required_argument, NULL, 'u' },
		{ "insecure-ignore-tlog", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	sign_blob_options o = SIGN_BLOB_OPTIONS_INIT;
	sign_blob_result res = SIGN_BLOB_RESULT_INIT;
	sign_buf root = SIGN_BUF_INIT;
	const char *tuf_url = NULL;
	sign_error err;
	int ch, rc;

	memset(&err, 0, sizeof(err));
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b': o.bundle_path = optarg; break;
		case 'k': o.key_path = optarg; break;
		case 'i': o.certificate_identity = optarg; break;
		case 'I': o.certificate_identity_regexp = optarg; break;
		case 's': o.certificate_oidc_issuer = optarg; break;
		case 'S': o.certificate_oidc_issuer_regexp = optarg; break;
		case 't': o.trusted_root_path = optarg; break;
		case 'u': tuf_url = optarg; break;
		case 'n': o.insecure_ignore_tlog = 1; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return cli_usage(usage, "bad option");
		}
	}
	if (optind != argc - 1)
		return cli_usage(usage, "verify-blob needs exactly one FILE or sha256:HEX");
	if (o.bundle_path == NULL)
		return cli_usage(usage, "verify-blob needs --bundle FILE");
	if (o.certificate_identity && o.certificate_identity_regexp)
		return cli_usage(usage, "give --certificate-identity or --certificate-identity-regexp, not both");
	if (o.certificate_oidc_issuer && o.certificate_oidc_issuer_regexp)
		return cli_usage(usage, "give --certificate-oidc-issuer or --certificate-oidc-issuer-regexp, not both");
	if (o.key_path == NULL && ((!o.certificate_identity && !o.certificate_identity_regexp) ||
				   (!o.certificate_oidc_issuer && !o.certificate_oidc_issuer_regexp)))
		return cli_usage(usage, "verify-blob needs --key, or --certificate-identity[-regexp] and "
			"--certificate-oidc-issuer[-regexp]");
	if (o.key_path && (o.certificate_identity || o.certificate_identity_regexp || o.certificate_oidc_issuer ||
			   o.certificate_oidc_issuer_regexp))
		return cli_usage(usage, "--key verifies a key's bundle: it takes no certificate identity or issuer");
	if (o.insecure_ignore_tlog && o.key_path == NULL)
		return cli_usage(usage, "--insecure-ignore-tlog is for --key: a keyless bundle needs its log entry");
	if (o.trusted_root_path && tuf_url)
		return cli_usage(usage, "give --trusted-root or --tuf-url, not both");
	o.artifact = argv[optind];
	if (o.trusted_root_path == NULL) {
		if ((rc = cli_sigstore_root(c, tuf_url, &root)) != EXIT_OK)
			return rc;
		o.trusted_root_json = root.ptr;
		o.trusted_root_len = root.size;
	}
	rc = sign_verify_blob(&res, &o, &err);
	sign_buf_dispose(&root);
	if (rc != SIGN_OK)
		return cli_fail(c, rc, &err);
	print_result(c, &res);
	return EXIT_OK;
}

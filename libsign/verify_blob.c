/*
 * verify_blob.c - sign_verify_blob (sign.h): a Sigstore bundle, read from
 * its file, verified over an artifact given as a file or a digest against
 * a trusted root (sigstore_verify.c does the checks).
 */
#include "bundle.h"
#include "key.h"
#include "sigstore_verify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

/* "sha256:<64 hex>" naming no file: the digest itself (the Sigstore
 * conformance protocol's rule).  Returns 1 and fills d, else 0. */
static int artifact_digest(unsigned char d[32], const char *a)
{
	struct stat st;
	return strncmp(a, "sha256:", 7) == 0 && stat(a, &st) != 0 && signp_unhex(d, 32, a + 7) == SIGN_OK;
}

/* The file's digest, read in one pass of 64 KiB pieces. */
static int hash_file(unsigned char *d, size_t *dlen, const char *path, const char *alg, sign_error *err)
{
	const EVP_MD *md = EVP_get_digestbyname(alg);
	EVP_MD_CTX *ctx = NULL;
	unsigned char buf[65536];
	unsigned int n = 0;
	ssize_t got;
	int fd, r = SIGN_OK;

	if ((fd = signp_open_regular(path, SIGNP_READ_FOREIGN, NULL, err)) < 0)
		return signp_err_prefix(err, fd, "artifact");
	if (md == NULL || (ctx = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(ctx, md, NULL) != 1) {
		r = signp_err_openssl(err, SIGN_ECRYPTO, "artifact: %s", alg);
		goto out;
	}
	while ((got = read(fd, buf, sizeof(buf))) != 0) {
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			r = signp_err_errno(err, SIGN_EIO, "artifact %s", path);
			goto out;
		}
		if (EVP_DigestUpdate(ctx, buf, (size_t)got) != 1) {
			r = signp_err_openssl(err, SIGN_ECRYPTO, "artifact: %s", alg);
			goto out;
		}
	}
	if (EVP_DigestFinal_ex(ctx, d, &n) != 1)
		r = signp_err_openssl(err, SIGN_ECRYPTO, "artifact: %s", alg);
	*dlen = n;
out:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return r;
}

static void fill_result(sign_blob_result *out, const signp_sigstore_result *res, const char *alg,
	const unsigned char *d, size_t dlen)
{
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	signp_hex(hex, d, dlen);
	snprintf(out->digest, sizeof(out->digest), "%.6s:%.128s", alg, hex); /* sha256..sha512 */
	if (res->statement)
		signp_strlcpy(out->predicate_type, res->statement->predicate_type, sizeof(out->predicate_type));
	if (res->san.ptr)
		signp_strlcpy(out->identity, res->san.ptr, sizeof(out->identity));
	if (res->issuer.ptr)
		signp_strlcpy(out->issuer, res->issuer.ptr, sizeof(out->issuer));
	out->signed_time = res->signed_time;
	out->log_index = res->log_index;
}

int sign_verify_blob(sign_blob_result *out, const sign_blob_options *opts, sign_error *err)
{
	signp_trusted_root *root = NULL;
	signp_bundle *b = NULL;
	signp_key *key = NULL;
	signp_sigstore_result res;
	signp_identity id;
	signp_sigstore_policy pol;
	sign_buf data = SIGN_BUF_INIT;
	unsigned char d[EVP_MAX_MD_SIZE];
	size_t dlen = 0;
	const char *alg;
	int r, keyless;

	signp_err_clear(err);
	memset(&res, 0, sizeof(res));
	if (opts == NULL || opts->version != SIGN_BLOB_OPTIONS_VERSION || (out && out->version != SIGN_BLOB_RESULT_VERSION))
		return signp_err(err, SIGN_EINVAL, "verify-blob: unknown options or result version");
	if (opts->bundle_path == NULL || opts->artifact == NULL)
		return signp_err(err, SIGN_EINVAL, "verify-blob: needs a bundle and an artifact");
	keyless = opts->key_path == NULL;
	if (keyless && ((opts->certificate_identity == NULL && opts->certificate_identity_regexp == NULL) ||
			(opts->certificate_oidc_issuer == NULL && opts->certificate_oidc_issuer_regexp == NULL)))
		return signp_err(err, SIGN_EINVAL,
			"verify-blob: needs --key, or an identity and an OIDC issuer (--certificate-identity[-regexp], --certificate-oidc-issuer[-regexp])");
	if (!keyless && (opts->certificate_identity || opts->certificate_identity_regexp ||
			 opts->certificate_oidc_issuer || opts->certificate_oidc_issuer_regexp))
		return signp_err(err, SIGN_EINVAL, "verify-blob: --key takes no certificate identity or issuer");

	if (keyless && opts->insecure_ignore_tlog)
		return signp_err(err, SIGN_EINVAL,
			"verify-blob: --insecure-ignore-tlog is for a key's bundle: a keyless one needs the log's time");

	if ((r = signp_read_file_ex(&data, opts->bundle_path, SIGNP_BUNDLE_MAX_JSON, SIGNP_READ_FOREIGN, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "bundle");
		goto out;
	}
	if ((r = signp_bundle_parse(&b, data.ptr, data.size, err)) != SIGN_OK)
		goto out;
	if ((r = signp_sigstore_root_load(&root, opts->trusted_root_path, opts->trusted_root_json,
		     opts->trusted_root_len, err)) != SIGN_OK)
		goto out;
	if (!keyless && (r = signp_key_read_named(&key, opts->key_path, err)) != SIGN_OK)
		goto out;

	/* a DSSE bundle's artifact is a subject of its statement, named by its
	 * SHA-256; a message signature's, by the bundle's digest algorithm */
	alg = b->dsse ? "sha256" : b->digest_alg;
	if (artifact_digest(d, opts->artifact)) {
		dlen = 32;
		if (strcmp(alg, "sha256") != 0) {
			r = signp_err(err, SIGN_EVERIFY, "bundle: signs a %s digest; the artifact is given as a sha256 digest", alg);
			goto out;
		}
	} else if ((r = hash_file(d, &dlen, opts->artifact, alg, err)) != SIGN_OK) {
		goto out;
	}

	if (keyless && (r = signp_identity_set(&id, opts->certificate_identity, opts->certificate_identity_regexp,
			     opts->certificate_oidc_issuer, opts->certificate_oidc_issuer_regexp, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "verify-blob");
		goto out;
	}
	memset(&pol, 0, sizeof(pol));
	pol.identity = keyless ? &id : NULL;
	pol.key = key ? key->pkey : NULL;
	pol.digest_alg = alg;
	pol.digest = d;
	pol.digestlen = dlen;
	pol.now = opts->now ? opts->now : (int64_t)time(NULL);
	pol.tlog_optional = !keyless && opts->insecure_ignore_tlog;
	if ((r = signp_sigstore_verify(&res, b, root, &pol, err)) != SIGN_OK)
		goto out;
	if (out)
		fill_result(out, &res, alg, d, dlen);
out:
	signp_sigstore_result_dispose(&res);
	signp_bundle_free(b);
	signp_trusted_root_free(root);
	signp_key_free(key);
	sign_buf_dispose(&data);
	return r;
}

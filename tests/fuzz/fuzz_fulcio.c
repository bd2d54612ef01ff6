/*
 * fuzz_fulcio.c - Fulcio certificates (fulcio.c): the input is read as a
 * DER certificate (OpenSSL's parser, not under test); what fulcio.c reads
 * of it itself - its SANs (email, URI, Fulcio's otherName), its OIDC issuer
 * extensions, its embedded SCTs - is read by signp_fulcio_describe,
 * signp_fulcio_check_identity (exact and regexp) and signp_fulcio_verify_sct
 * (the public-good intermediate as its issuer), and its chain is checked
 * against the embedded public-good root.  A SAN it describes matches itself
 * exactly; nothing verifies that no CA issued; a refusal says why.
 */
#include "fuzz.h"

#include <openssl/x509.h>

#include "fulcio.h"

static signp_trusted_root *root;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sign_error err;
	size_t len;
	const char *pg = signp_sigstore_public_good_root(&len);
	(void)argc;
	(void)argv;
	memset(&err, 0, sizeof(err));
	FUZZ_ASSERT(signp_trusted_root_parse(&root, pg, len, &err) == SIGN_OK);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	X509 *leaf = d2i_X509(NULL, &p, (long)size);
	sign_buf san = SIGN_BUF_INIT, iss = SIGN_BUF_INIT;
	STACK_OF(X509) *chain = NULL, *two;
	signp_identity id;
	sign_error err;
	int rc;

	if (leaf == NULL)
		return 0;
	FUZZ_ASSERT(signp_fulcio_describe(leaf, &san, &iss) == SIGN_OK);
	FUZZ_ASSERT(san.ptr != NULL && iss.ptr != NULL);
	/* what it describes is what it carries */
	if (san.size > 0 && iss.size > 0) {
		id.san = san.ptr;
		id.san_regexp = NULL;
		id.issuer = iss.ptr;
		id.issuer_regexp = NULL;
		memset(&err, 0, sizeof(err));
		FUZZ_ASSERT(signp_fulcio_check_identity(leaf, &id, &err) == SIGN_OK);
	}
	id.san = NULL;
	id.san_regexp = "^https://github\\.com/[^/]+/";
	id.issuer = "https://token.actions.githubusercontent.com";
	id.issuer_regexp = NULL;
	memset(&err, 0, sizeof(err));
	rc = signp_fulcio_check_identity(leaf, &id, &err);
	FUZZ_ASSERT(rc == SIGN_OK || (rc == SIGN_EVERIFY && err.message[0] != '\0'));
	memset(&err, 0, sizeof(err));
	rc = signp_fulcio_verify_chain(leaf, NULL, root, 1710869186, &chain, &err);
	FUZZ_ASSERT(rc == SIGN_OK ? chain != NULL && sk_X509_num(chain) >= 2 : err.message[0] != '\0');
	sk_X509_pop_free(chain, X509_free);
	two = sk_X509_new_null();
	FUZZ_ASSERT(two != NULL);
	sk_X509_push(two, leaf);
	sk_X509_push(two, root->cas[1].certs[0]);
	memset(&err, 0, sizeof(err));
	rc = signp_fulcio_verify_sct(leaf, two, root, &err);
	FUZZ_ASSERT(rc == SIGN_OK || err.message[0] != '\0');
	sk_X509_free(two);
	free(san.ptr);
	free(iss.ptr);
	X509_free(leaf);
	return 0;
}

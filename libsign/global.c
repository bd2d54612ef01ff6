/*
 * global.c - the library's one-time set-up and tear-down, and its version.
 *
 * Process-wide settings (how OpenSSL ends with the process) are the
 * program's choice: it passes them in sign_global_options; the library
 * makes none of its own.
 */
#include "common.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <sodium.h>

#define SIGN_GLOBAL_KNOWN_FLAGS SIGN_GLOBAL_OPENSSL_NO_ATEXIT

SIGN_EXTERN(const char *) sign_version(void)
{
	return SIGN_VERSION;
}

SIGN_EXTERN(int) sign_global_init_opts(const sign_global_options *opts, sign_error *err)
{
	sign_global_options dflt = SIGN_GLOBAL_OPTIONS_INIT;
	uint64_t ossl = OPENSSL_INIT_LOAD_CRYPTO_STRINGS;

	signp_err_clear(err);
	if (opts == NULL)
		opts = &dflt;
	if (opts->version != SIGN_GLOBAL_OPTIONS_VERSION)
		return signp_err(err, SIGN_EINVAL, "global init: unsupported options version");
	if ((opts->flags & ~(unsigned int)SIGN_GLOBAL_KNOWN_FLAGS) != 0)
		return signp_err(err, SIGN_EINVAL, "global init: unknown flags 0x%x",
			opts->flags & ~(unsigned int)SIGN_GLOBAL_KNOWN_FLAGS);
	if (sodium_init() < 0)
		return signp_err(err, SIGN_ERROR, "global init: libsodium failed to initialise");
	/* jansson's hash seed from libsodium's generator (getrandom), not
	 * from opening /dev/urandom at the first JSON object; 0 would mean
	 * "seed yourself" */
	json_object_seed((size_t)randombytes_random() | 1u);
	/* before libcurl initialises OpenSSL, so that the caller's choice
	 * holds when this is the first to initialise it */
	if (opts->flags & SIGN_GLOBAL_OPENSSL_NO_ATEXIT)
		ossl |= OPENSSL_INIT_NO_ATEXIT;
	if (OPENSSL_init_crypto(ossl, NULL) != 1)
		return signp_err_openssl(err, SIGN_ERROR, "global init: OpenSSL failed to initialise");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return signp_err(err, SIGN_ERROR, "global init: libcurl failed to initialise");
	return SIGN_OK;
}

SIGN_EXTERN(int) sign_global_init(void)
{
	return sign_global_init_opts(NULL, NULL);
}

SIGN_EXTERN(void) sign_global_cleanup(void)
{
	curl_global_cleanup();
}

/*
 * fuzz_www_auth.c - WWW-Authenticate challenges (auth.c,
 * signp_auth_parse_challenge): the scheme chosen and the realm, service and
 * scope parameters of a registry's 401 answer.
 */
#include "fuzz.h"

#include "auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	char scheme[16];
	sign_buf realm = SIGN_BUF_INIT, service = SIGN_BUF_INIT, scope = SIGN_BUF_INIT;

	if (signp_auth_parse_challenge(s, scheme, &realm, &service, &scope) == SIGN_OK)
		FUZZ_ASSERT(strcmp(scheme, "bearer") == 0 || strcmp(scheme, "basic") == 0);
	(void)signp_auth_parse_challenge(s, NULL, NULL, NULL, NULL);
	sign_buf_dispose(&realm);
	sign_buf_dispose(&service);
	sign_buf_dispose(&scope);
	free(s);
	return 0;
}

/*
 * fuzz_cosign_sigfile.c - containers/image signature files (cosign.c,
 * signp_cosign_parse_sigfile): "\0sigstore-json\n" and a JSON document
 * carrying the base64 payload and the signature annotation.  A payload that
 * comes out is checked as simple signing too.
 */
#include "fuzz.h"

#include "cosign.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sign_buf payload = SIGN_BUF_INIT, sig = SIGN_BUF_INIT, ref = SIGN_BUF_INIT;
	sign_error err;

	if (size > SIGN_MAX_SIGBLOB)
		return 0;
	memset(&err, 0, sizeof(err));
	if (signp_cosign_parse_sigfile(&payload, &sig, data, size, &err) == SIGN_OK) {
		memset(&err, 0, sizeof(err));
		(void)signp_cosign_payload_check(payload.ptr, payload.size, DIGEST, &ref, &err);
	} else {
		FUZZ_ASSERT(err.message[0] != '\0');
	}
	sign_buf_dispose(&payload);
	sign_buf_dispose(&sig);
	sign_buf_dispose(&ref);
	return 0;
}

/*
 * fuzz_cosign_payload.c - simple-signing payloads (cosign.c,
 * signp_cosign_payload_check): the blob a signature layer signs, which must
 * name the manifest digest and the repository.
 */
#include "fuzz.h"

#include "cosign.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sign_buf ref = SIGN_BUF_INIT;
	sign_error err;

	if (size > SIGN_MAX_SIGBLOB)
		return 0; /* payload blobs are read with this bound */
	memset(&err, 0, sizeof(err));
	if (signp_cosign_payload_check(data, size, DIGEST, &ref, &err) != SIGN_OK)
		FUZZ_ASSERT(err.message[0] != '\0');
	memset(&err, 0, sizeof(err));
	(void)signp_cosign_payload_check(data, size, DIGEST, NULL, &err);
	sign_buf_dispose(&ref);
	return 0;
}

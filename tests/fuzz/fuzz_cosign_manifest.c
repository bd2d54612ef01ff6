/*
 * fuzz_cosign_manifest.c - cosign .sig manifests (cosign.c): the
 * simple-signing layers a registry serves under sha256-<hex>.sig, and the
 * same manifest taken as the old one a push appends its layer to.
 */
#include "fuzz.h"

#include "cosign.h"

#define PAYLOAD_DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	signp_cosign_layer *l = NULL;
	size_t n = 0, i;
	sign_buf man = SIGN_BUF_INIT, cfg = SIGN_BUF_INIT;
	int changed = 0;
	sign_error err;

	if (size > SIGN_MAX_MANIFEST)
		return 0; /* every caller bounds manifests to this */
	memset(&err, 0, sizeof(err));
	if (signp_cosign_manifest_layers(&l, &n, data, size, &err) == SIGN_OK) {
		FUZZ_ASSERT(n <= SIGN_MAX_SIGNATURES);
		for (i = 0; i < n; i++)
			FUZZ_ASSERT(l[i].sig_b64 != NULL && strlen(l[i].digest) < sizeof(l[i].digest));
		signp_cosign_layers_free(l, n);
	}
	memset(&err, 0, sizeof(err));
	if (signp_cosign_manifest_append(&man, &cfg, &changed, data, size, PAYLOAD_DIGEST, 42,
		    "MEUCIQDfuzz", NULL, NULL, 0, &err) == SIGN_OK && changed) {
		/* what a push writes must read back */
		l = NULL;
		n = 0;
		memset(&err, 0, sizeof(err));
		FUZZ_ASSERT(signp_cosign_manifest_layers(&l, &n, man.ptr, man.size, &err) == SIGN_OK);
		FUZZ_ASSERT(n >= 1);
		signp_cosign_layers_free(l, n);
	}
	sign_buf_dispose(&man);
	sign_buf_dispose(&cfg);
	return 0;
}

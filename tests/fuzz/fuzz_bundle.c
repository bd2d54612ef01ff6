/*
 * fuzz_bundle.c - Sigstore bundles (bundle.c): the input is read as a
 * bundle; a refusal says why, and one that is read holds exactly one kind
 * of material and of content, within the bounds.
 */
#include "fuzz.h"

#include "bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	signp_bundle *b = NULL;
	sign_error err;

	memset(&err, 0, sizeof(err));
	if (signp_bundle_parse(&b, data, size, &err) != SIGN_OK) {
		FUZZ_ASSERT(err.message[0] != '\0' && b == NULL);
		return 0;
	}
	FUZZ_ASSERT(b->minor >= 1 && b->minor <= 3);
	FUZZ_ASSERT((b->cert != NULL) + (b->has_public_key != 0) == 1);
	FUZZ_ASSERT(b->ntlog <= SIGNP_BUNDLE_MAX_ENTRIES && b->ntsa <= SIGNP_BUNDLE_MAX_ENTRIES);
	FUZZ_ASSERT(b->dsse != NULL || b->sig.size > 0);
	FUZZ_ASSERT(signp_bundle_signature(b)->size > 0);
	signp_bundle_free(b);
	return 0;
}

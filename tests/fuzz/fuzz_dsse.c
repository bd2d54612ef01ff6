/*
 * fuzz_dsse.c - DSSE envelopes (dsse.c): the input is read as an
 * envelope; one that is read has a payload type, 1 to 16 decoded
 * signatures, a PAE that begins "DSSEv1 " and ends with the payload, and
 * is checked against a key of the harness's (never by it: the harness
 * signs nothing), with a refusal that says why.
 */
#include "fuzz.h"

#include "dsse.h"
#include "key.h"

static signp_key *key;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sign_error err;
	(void)argc;
	(void)argv;
	memset(&err, 0, sizeof(err));
	FUZZ_ASSERT(signp_key_generate(&key, &err) == SIGN_OK);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	signp_dsse *e = NULL;
	sign_buf pae = SIGN_BUF_INIT;
	sign_error err;

	memset(&err, 0, sizeof(err));
	if (signp_dsse_parse(&e, data, size, &err) != SIGN_OK) {
		FUZZ_ASSERT(err.message[0] != '\0');
		return 0;
	}
	FUZZ_ASSERT(e->payload_type != NULL && e->nsigs >= 1 && e->nsigs <= SIGNP_DSSE_MAX_SIGS);
	for (size_t i = 0; i < e->nsigs; i++)
		FUZZ_ASSERT(e->sigs[i].sig.size > 0);
	FUZZ_ASSERT(signp_dsse_pae(&pae, e->payload_type, e->payload.ptr ? e->payload.ptr : "", e->payload.size) ==
		    SIGN_OK);
	FUZZ_ASSERT(pae.size >= 7 + e->payload.size && memcmp(pae.ptr, "DSSEv1 ", 7) == 0);
	FUZZ_ASSERT(e->payload.size == 0 || memcmp(pae.ptr + pae.size - e->payload.size, e->payload.ptr,
						   e->payload.size) == 0);
	memset(&err, 0, sizeof(err));
	FUZZ_ASSERT(signp_dsse_verify(e, key->pkey, &err) == SIGN_EVERIFY && err.message[0] != '\0');
	sign_buf_dispose(&pae);
	signp_dsse_free(e);
	return 0;
}

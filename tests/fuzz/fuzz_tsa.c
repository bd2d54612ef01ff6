/*
 * fuzz_tsa.c - RFC 3161 timestamps (tsa.c): the input is read as a
 * TimeStampToken or TimeStampResp (DER) and checked against the timestamp
 * authorities of sigstore-conformance's staging trusted root
 * (rekor2-happy-path, FUZZ_VECTORS) and the embedded public-good root, over
 * that case's signature (which the seeds' tokens stamp).  One accepted has
 * a time inside a TSA's validity; a refusal says why.
 */
#include "fuzz.h"

#include <jansson.h>

#include "tsa.h"

#ifndef FUZZ_VECTORS
#define FUZZ_VECTORS "tests/vectors"
#endif

static signp_trusted_root *roots[2];
static sign_buf sig = SIGN_BUF_INIT;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sign_buf b = SIGN_BUF_INIT;
	sign_error err;
	const char *pg;
	size_t len;
	json_t *j;
	(void)argc;
	(void)argv;
	memset(&err, 0, sizeof(err));
	if (signp_read_file(&b, FUZZ_VECTORS "/sigstore-conformance/rekor2-happy-path/trusted_root.json", 1u << 22,
		    &err) == SIGN_OK)
		(void)signp_trusted_root_parse(&roots[0], b.ptr, b.size, &err);
	signp_buf_clear(&b);
	if (signp_read_file(&b, FUZZ_VECTORS "/sigstore-conformance/rekor2-happy-path/bundle.sigstore.json", 1u << 22,
		    &err) == SIGN_OK &&
	    (j = json_loadb(b.ptr, b.size, 0, NULL)) != NULL) {
		const char *s = json_string_value(
			json_object_get(json_object_get(j, "messageSignature"), "signature"));
		if (s != NULL)
			(void)signp_b64_decode(&sig, s, strlen(s));
		json_decref(j);
	}
	free(b.ptr);
	pg = signp_sigstore_public_good_root(&len);
	(void)signp_trusted_root_parse(&roots[1], pg, len, &err);
	FUZZ_ASSERT(roots[1] != NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t k, i;
	for (k = 0; k < 2; k++) {
		sign_error err;
		int64_t t = -1;
		int rc, inside = 0;
		if (roots[k] == NULL)
			continue;
		memset(&err, 0, sizeof(err));
		rc = signp_tsa_verify(data, size, sig.ptr != NULL ? sig.ptr : "", sig.size, roots[k], &t, &err);
		if (rc != SIGN_OK) {
			FUZZ_ASSERT(err.message[0] != '\0' && (rc == SIGN_EFORMAT || rc == SIGN_EVERIFY));
			continue;
		}
		for (i = 0; i < roots[k]->ntsas; i++)
			inside |= roots[k]->tsas[i].start <= t && t <= roots[k]->tsas[i].end;
		FUZZ_ASSERT(inside);
	}
	return 0;
}

/*
 * fuzz_sigstore_root.c - Sigstore trusted roots (sigstore_root.c): the
 * input is read as a trusted_root.json; one that is read holds at most 64
 * entries a list, every log a key, an ID of at most 64 bytes, a validity
 * that starts no later than it ends, an origin exactly when it has a
 * baseUrl, and every CA 1 to 10 certificates; each log is found by its ID
 * at its start and end.  A refusal says why.
 */
#include "fuzz.h"

#include "sigstore_root.h"

static void check_logs(const signp_sig_log *logs, size_t n)
{
	size_t i;
	FUZZ_ASSERT(n <= 64);
	for (i = 0; i < n; i++) {
		const signp_sig_log *l = &logs[i], *f;
		FUZZ_ASSERT(l->key != NULL && l->idlen >= 1 && l->idlen <= sizeof(l->id));
		FUZZ_ASSERT(l->start <= l->end);
		FUZZ_ASSERT((l->base_url == NULL) == (l->origin == NULL));
		FUZZ_ASSERT(l->origin == NULL || (l->origin[0] != '\0' && strchr(l->origin, '/') == NULL));
		f = signp_sig_log_find(logs, n, l->id, l->idlen, l->start);
		FUZZ_ASSERT(f != NULL && f->idlen == l->idlen && memcmp(f->id, l->id, l->idlen) == 0);
		FUZZ_ASSERT(signp_sig_log_find(logs, n, l->id, l->idlen, l->end) != NULL);
	}
}

static void check_cas(const signp_sig_ca *cas, size_t n)
{
	size_t i, k;
	FUZZ_ASSERT(n <= 64);
	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(cas[i].ncerts >= 1 && cas[i].ncerts <= 10);
		FUZZ_ASSERT(cas[i].start <= cas[i].end);
		for (k = 0; k < cas[i].ncerts; k++)
			FUZZ_ASSERT(cas[i].certs[k] != NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	signp_trusted_root *r = NULL;
	sign_error err;

	memset(&err, 0, sizeof(err));
	if (signp_trusted_root_parse(&r, data, size, &err) != SIGN_OK) {
		FUZZ_ASSERT(r == NULL && err.message[0] != '\0');
		return 0;
	}
	check_logs(r->tlogs, r->ntlogs);
	check_logs(r->ctlogs, r->nctlogs);
	check_cas(r->cas, r->ncas);
	check_cas(r->tsas, r->ntsas);
	signp_trusted_root_free(r);
	return 0;
}

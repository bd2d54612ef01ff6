/*
 * fuzz_key.c - key files (key_file.c, key_pem.c): every format signp_key_parse reads (PEM
 * public keys and certificates, PKCS#8, EC PRIVATE KEY, cosign's and
 * notary/DCT's encrypted files) and their role:/gun: headers.  Each input is
 * parsed without a passphrase; an encrypted file whose structure got as far
 * as asking for one is parsed again with the fixed passphrase "rootpass"
 * (that of the vector root_key_aae408.key and of the seed cosign key), so
 * the key derivation runs only for inputs that reach it.
 */
#include "fuzz.h"

#include "key.h"

#define FUZZ_PASS "rootpass"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	signp_key *k = NULL;
	sign_error err;
	char role[64], gun[512];
	int r;

	if (size > SIGN_MAX_KEYFILE)
		return 0; /* the callers bound key files to this */
	(void)signp_key_data_encrypted(data, size);
	(void)signp_key_read_headers(role, gun, data, size);
	memset(&err, 0, sizeof(err));
	r = signp_key_parse(&k, data, size, NULL, 0, &err);
	signp_key_free(k);
	k = NULL;
	if (r == SIGN_EPASSPHRASE) {
		memset(&err, 0, sizeof(err));
		r = signp_key_parse(&k, data, size, FUZZ_PASS, strlen(FUZZ_PASS), &err);
		signp_key_free(k);
	}
	FUZZ_ASSERT(r == SIGN_OK || err.message[0] != '\0');
	return 0;
}

/*
 * fuzz_notary_key.c - notary-server public key answers (trust_notary.c,
 * signp_notary_parse_key): GET .../timestamp.key and snapshot.key.  A key
 * that parses must have a key ID that recomputes from its bytes.
 */
#include "fuzz.h"

#include "notary.h"
#include "tuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *k = NULL;
	char id[65], again[65];
	sign_error err;

	memset(&err, 0, sizeof(err));
	if (signp_notary_parse_key(&k, id, data, size, &err) == SIGN_OK) {
		const json_t *kv = json_object_get(k, "keyval");
		const char *t = json_string_value(json_object_get(k, "keytype"));
		const char *p = json_string_value(json_object_get(kv, "public"));
		EVP_PKEY *pk = NULL;
		FUZZ_ASSERT(t != NULL && p != NULL);
		FUZZ_ASSERT(signp_tuf_keyid(again, t, p, &err) == SIGN_OK);
		FUZZ_ASSERT(strcmp(id, again) == 0);
		if (signp_tuf_key_pkey(&pk, k, &err) == SIGN_OK)
			EVP_PKEY_free(pk);
		json_decref(k);
	} else {
		FUZZ_ASSERT(k == NULL && err.message[0] != '\0');
	}
	return 0;
}

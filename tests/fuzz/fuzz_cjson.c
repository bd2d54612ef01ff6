/*
 * fuzz_cjson.c - canonical JSON (tuf.c/cjson.c): any JSON document is
 * canonicalised; when that succeeds, the canonical bytes must parse again
 * and canonicalise to themselves (canonical form is a fixed point).
 */
#include "fuzz.h"

#include "tuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v, *v2;
	sign_buf c1 = SIGN_BUF_INIT, c2 = SIGN_BUF_INIT;
	sign_error err;

	memset(&err, 0, sizeof(err));
	v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (v == NULL)
		return 0;
	if (signp_cjson_canonical(&c1, v, &err) == SIGN_OK) {
		v2 = json_loadb(c1.ptr, c1.size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		FUZZ_ASSERT(v2 != NULL);
		memset(&err, 0, sizeof(err));
		FUZZ_ASSERT(signp_cjson_canonical(&c2, v2, &err) == SIGN_OK);
		FUZZ_ASSERT(c1.size == c2.size && memcmp(c1.ptr, c2.ptr, c1.size) == 0);
		json_decref(v2);
	}
	json_decref(v);
	sign_buf_dispose(&c1);
	sign_buf_dispose(&c2);
	return 0;
}

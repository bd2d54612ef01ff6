/*
 * fuzz_notary_error.c - notary-server error answers (trust_notary.c,
 * signp_notary_error): {"errors":[{"code","message","detail"}]} with
 * detail a string or notary's {"Name","Error":{"Msg","Missing"}}.  The
 * message must be a bounded, printable C string whatever the body.
 */
#include "fuzz.h"

#include "notary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 400, 401, 404, 500 };
	sign_error err;
	size_t i, j;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		memset(&err, 0, sizeof(err));
		FUZZ_ASSERT(signp_notary_error(&err, "publishing", "notary.example.com", statuses[i],
				    data, size) < 0);
		FUZZ_ASSERT(memchr(err.message, '\0', sizeof(err.message)) != NULL);
		for (j = 0; err.message[j]; j++)
			FUZZ_ASSERT((unsigned char)err.message[j] >= 0x20);
	}
	return 0;
}

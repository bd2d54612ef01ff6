/*
 * fuzz_registry_error.c - a registry's error body (http_error.c,
 * signp_registry_error_doc): {"errors":[{"code","message","detail"}]}, the
 * detail a string or any JSON.  The fields quoted in messages must come out
 * as bounded printable strings.
 */
#include "fuzz.h"

#include "http.h"

static void printable(const char *s, size_t cap)
{
	size_t i;
	FUZZ_ASSERT(memchr(s, '\0', cap) != NULL);
	for (i = 0; s[i]; i++)
		FUZZ_ASSERT((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	signp_registry_errdoc doc;

	signp_registry_error_doc(&doc, data, size);
	printable(doc.code, sizeof(doc.code));
	printable(doc.msg, sizeof(doc.msg));
	printable(doc.detail, sizeof(doc.detail));
	return 0;
}

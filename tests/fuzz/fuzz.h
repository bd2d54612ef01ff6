/*
 * fuzz.h - what the libFuzzer harnesses share: the entry points' prototypes
 * and a bounded NUL-terminated copy of the input.  Harness code only; the
 * library has no fuzzing code.
 */
#ifndef SIGN_FUZZ_H
#define SIGN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input as a C string (a NUL inside ends it early, as it would for a
 * header or an argument).  Free with free(). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A check the harness makes on the parser's output: a failure is a bug
 * (libFuzzer reports the abort as a crash and saves the input). */
#define FUZZ_ASSERT(c) \
	do { \
		if (!(c)) \
			abort(); \
	} while (0)

#endif

/*
 * fuzz_intoto.c - in-toto statements (intoto.c): the input is read as a
 * statement; one that is read has a predicate type and 1 to 4096 subjects,
 * each of whose sha256 digests (if any) it says it carries; another digest
 * it does not, and a refusal says why.
 */
#include "fuzz.h"

#include "intoto.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	signp_intoto *st = NULL;
	const json_t *s;
	sign_error err;
	size_t i;

	memset(&err, 0, sizeof(err));
	if (signp_intoto_parse(&st, data, size, &err) != SIGN_OK) {
		FUZZ_ASSERT(err.message[0] != '\0');
		return 0;
	}
	FUZZ_ASSERT(st->predicate_type != NULL && st->predicate_type[0] != '\0');
	FUZZ_ASSERT(st->nsubjects >= 1 && st->nsubjects <= SIGNP_INTOTO_MAX_SUBJECTS);
	json_array_foreach(json_object_get(st->doc, "subject"), i, s) {
		const char *h = json_string_value(json_object_get(json_object_get(s, "digest"), "sha256"));
		char d[300];
		if (h == NULL || strlen(h) > 200)
			continue;
		snprintf(d, sizeof(d), "sha256:%s", h);
		memset(&err, 0, sizeof(err));
		FUZZ_ASSERT(signp_intoto_has_subject(st, d, &err) == SIGN_OK);
	}
	memset(&err, 0, sizeof(err));
	if (signp_intoto_has_subject(st, "sha256:not-a-hex-digest", &err) != SIGN_EVERIFY)
		abort(); /* hex only: never carried */
	FUZZ_ASSERT(err.message[0] != '\0');
	signp_intoto_free(st);
	return 0;
}

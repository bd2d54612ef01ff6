/*
 * intoto.h - in-toto attestation statements (v0.1 and v1), the payload of
 * a DSSE envelope of type application/vnd.in-toto+json: their subjects
 * and predicate.  Internal.
 */
#ifndef SIGN_INTOTO_H
#define SIGN_INTOTO_H

#include "common.h"

#include <jansson.h>

#define SIGNP_INTOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"
/* The most subjects a statement may list (a release of many files). */
#define SIGNP_INTOTO_MAX_SUBJECTS 4096u

typedef struct signp_intoto {
	json_t *doc;                 /* owned */
	const char *predicate_type;  /* borrowed from doc */
	const json_t *predicate;     /* borrowed; NULL when absent */
	size_t nsubjects;
} signp_intoto;

/* Read a statement (outside input): _type one of in-toto's Statement
 * v0.1 or v1, 1 to SIGNP_INTOTO_MAX_SUBJECTS subjects each with a digest
 * object of hex strings, a predicateType.  SIGN_EFORMAT saying what is
 * wrong. */
int signp_intoto_parse(signp_intoto **out, const void *json, size_t len, sign_error *err);
void signp_intoto_free(signp_intoto *st);

/* Does a subject of st carry digest ("sha256:<64 hex>", or another
 * algorithm as "<alg>:<hex>")?  SIGN_OK, or SIGN_EVERIFY saying none does. */
int signp_intoto_has_subject(const signp_intoto *st, const char *digest, sign_error *err);

#endif

/*
 * intoto.c - in-toto statements (intoto.h), read with jansson, bounded.
 */
#include "intoto.h"

#include <stdlib.h>
#include <string.h>

/* An attestation of more than this is no statement a verifier reads. */
#define INTOTO_MAX_JSON (32u << 20)

static int lower_hex(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

void signp_intoto_free(signp_intoto *st)
{
	if (st == NULL)
		return;
	json_decref(st->doc);
	free(st);
}

int signp_intoto_parse(signp_intoto **out, const void *json, size_t len, sign_error *err)
{
	signp_intoto *st;
	const json_t *subjects, *s;
	const char *type;
	json_error_t je;
	size_t i;
	int r;

	*out = NULL;
	if (len > INTOTO_MAX_JSON)
		return signp_err(err, SIGN_EFORMAT, "in-toto statement: %zu bytes, more than %u", len,
			INTOTO_MAX_JSON);
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "in-toto statement: out of memory");
	if ((st->doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		r = signp_err(err, SIGN_EFORMAT, "in-toto statement: not JSON: %s", je.text);
		goto fail;
	}
	type = json_string_value(json_object_get(st->doc, "_type"));
	if (type == NULL || (strcmp(type, "https://in-toto.io/Statement/v1") != 0 &&
			     strcmp(type, "https://in-toto.io/Statement/v0.1") != 0)) {
		r = signp_err(err, SIGN_EFORMAT, "in-toto statement: _type is not in-toto's Statement v0.1 or v1");
		goto fail;
	}
	if ((st->predicate_type = json_string_value(json_object_get(st->doc, "predicateType"))) == NULL ||
	    st->predicate_type[0] == '\0') {
		r = signp_err(err, SIGN_EFORMAT, "in-toto statement: no predicateType");
		goto fail;
	}
	st->predicate = json_object_get(st->doc, "predicate");
	subjects = json_object_get(st->doc, "subject");
	if (!json_is_array(subjects) || json_array_size(subjects) == 0 ||
	    json_array_size(subjects) > SIGNP_INTOTO_MAX_SUBJECTS) {
		r = signp_err(err, SIGN_EFORMAT, "in-toto statement: %zu subjects (1 to %u)",
			json_is_array(subjects) ? json_array_size(subjects) : 0, SIGNP_INTOTO_MAX_SUBJECTS);
		goto fail;
	}
	json_array_foreach(subjects, i, s) {
		const json_t *digests = json_object_get(s, "digest"), *v;
		const char *alg;
		if (!json_is_object(digests) || json_object_size(digests) == 0) {
			r = signp_err(err, SIGN_EFORMAT, "in-toto statement: subject %zu has no digest", i);
			goto fail;
		}
		json_object_foreach((json_t *)digests, alg, v)
			if (!json_is_string(v) || !lower_hex(json_string_value(v))) {
				r = signp_err(err, SIGN_EFORMAT,
					"in-toto statement: subject %zu: its %.32s digest is not lowercase hex", i, alg);
				goto fail;
			}
	}
	st->nsubjects = json_array_size(subjects);
	*out = st;
	return SIGN_OK;
fail:
	signp_intoto_free(st);
	return r;
}

int signp_intoto_has_subject(const signp_intoto *st, const char *digest, sign_error *err)
{
	const char *colon = strchr(digest, ':');
	const json_t *s;
	char alg[32];
	size_t i;
	if (colon == NULL || (size_t)(colon - digest) >= sizeof(alg) || colon == digest)
		return signp_err(err, SIGN_EINVAL, "in-toto statement: bad digest %.80s", digest);
	memcpy(alg, digest, (size_t)(colon - digest));
	alg[colon - digest] = '\0';
	json_array_foreach(json_object_get(st->doc, "subject"), i, s) {
		const char *v = json_string_value(json_object_get(json_object_get(s, "digest"), alg));
		if (v != NULL && strcmp(v, colon + 1) == 0)
			return SIGN_OK;
	}
	return signp_err(err, SIGN_EVERIFY, "in-toto statement: no subject of its %zu is %.80s", st->nsubjects,
		digest);
}

/*
 * test_intoto.c - in-toto statements (intoto.c): v1 and v0.1 statements
 * read, their subjects matched by digest, and every statement the reader
 * refuses refused with its message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "intoto.h"

#define D1 "6a1c0bd0d4a8d1d1f7ac5a1bb77cbd3cf22a0b8f5bf0b0e1c3a1f2d4e5f60718"
#define D2 "0000000000000000000000000000000000000000000000000000000000000001"

static const char v1[] = "{\"_type\":\"https://in-toto.io/Statement/v1\","
	"\"subject\":[{\"name\":\"registry.example/app\",\"digest\":{\"sha256\":\"" D1 "\"}},"
	"{\"name\":\"b\",\"digest\":{\"sha512\":\"ab\",\"sha256\":\"" D2 "\"}}],"
	"\"predicateType\":\"https://slsa.dev/provenance/v1\",\"predicate\":{\"buildDefinition\":{}}}";

static void test_read_and_match(void **state)
{
	signp_intoto *st = NULL;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_intoto_parse(&st, v1, strlen(v1), &err), SIGN_OK);
	assert_string_equal(st->predicate_type, "https://slsa.dev/provenance/v1");
	assert_non_null(st->predicate);
	assert_int_equal(st->nsubjects, 2);
	assert_int_equal(signp_intoto_has_subject(st, "sha256:" D1, &err), SIGN_OK);
	assert_int_equal(signp_intoto_has_subject(st, "sha256:" D2, &err), SIGN_OK);
	assert_int_equal(signp_intoto_has_subject(st, "sha512:ab", &err), SIGN_OK);
	/* another image's digest, and one digest under another algorithm's name */
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_intoto_has_subject(st, "sha256:" D2 "0", &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "in-toto statement: no subject of its 2 is sha256:" D2 "0");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_intoto_has_subject(st, "sha512:" D1, &err), SIGN_EVERIFY);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_intoto_has_subject(st, D1, &err), SIGN_EINVAL);
	signp_intoto_free(st);
	/* v0.1, as cosign's attestations are; no predicate is allowed */
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_intoto_parse(&st, "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"subject\":"
		"[{\"digest\":{\"sha256\":\"" D1 "\"}}],\"predicateType\":\"https://cosign.sigstore.dev/attestation/v1\"}",
		strlen("{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"subject\":"
		"[{\"digest\":{\"sha256\":\"" D1 "\"}}],\"predicateType\":\"https://cosign.sigstore.dev/attestation/v1\"}"),
		&err), SIGN_OK);
	assert_null(st->predicate);
	signp_intoto_free(st);
}

static void refused(const char *text, const char *want)
{
	signp_intoto *st = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_intoto_parse(&st, text, strlen(text), &err), SIGN_EFORMAT);
	assert_null(st);
	if (strstr(err.message, want) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.message, want);
}

static void test_refused(void **state)
{
	(void)state;
	refused("[]", "_type is not in-toto's Statement v0.1 or v1");
	refused("{\"_type\":\"https://in-toto.io/Statement/v2\",\"subject\":[{\"digest\":{\"sha256\":\"" D1
		"\"}}],\"predicateType\":\"p\"}", "_type is not in-toto's Statement");
	refused("{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"digest\":{\"sha256\":\"" D1
		"\"}}]}", "no predicateType");
	refused("{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[],\"predicateType\":\"p\"}",
		"0 subjects (1 to 4096)");
	refused("{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"x\"}],\"predicateType\":\"p\"}",
		"subject 0 has no digest");
	refused("{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"digest\":{\"sha256\":\"ABCD\"}}],"
		"\"predicateType\":\"p\"}", "subject 0: its sha256 digest is not lowercase hex");
	/* two subject lists: which one a verifier read would be a choice */
	refused("{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"digest\":{\"sha256\":\"" D1
		"\"}}],\"subject\":[{\"digest\":{\"sha256\":\"" D2 "\"}}],\"predicateType\":\"p\"}", "not JSON");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_and_match),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

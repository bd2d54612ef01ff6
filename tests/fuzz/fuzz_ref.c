/*
 * fuzz_ref.c - references and GUNs (ref.c).  The input, as a string, is
 * parsed as a reference (with and without --gun), checked as a GUN and as a
 * host.  A registry reference that parses must normalise to a fixed point:
 * its GUN (plus tag and digest) parses again to the same fields, and the
 * GUN is valid.
 */
#include "fuzz.h"

#include <stdio.h>

#include "ref.h"

static void check_fixed_point(const signp_ref *a)
{
	signp_ref b;
	char again[1100];
	sign_error err;

	if (a->layout || strlen(a->gun) > 255)
		return; /* docker.io/library/ may take a 255-character name past the limit */
	FUZZ_ASSERT(signp_gun_valid(a->gun));
	snprintf(again, sizeof(again), "%s%s%s%s%s", a->gun, a->tag[0] ? ":" : "", a->tag,
		a->digest[0] ? "@" : "", a->digest);
	memset(&err, 0, sizeof(err));
	FUZZ_ASSERT(signp_ref_parse(&b, again, NULL, &err) == SIGN_OK);
	FUZZ_ASSERT(strcmp(a->host, b.host) == 0 && strcmp(a->path, b.path) == 0 &&
		strcmp(a->tag, b.tag) == 0 && strcmp(a->digest, b.digest) == 0 &&
		strcmp(a->gun, b.gun) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	signp_ref *ref = malloc(sizeof(*ref));
	sign_error err;

	if (ref == NULL)
		abort();
	memset(&err, 0, sizeof(err));
	if (signp_ref_parse(ref, s, NULL, &err) == SIGN_OK)
		check_fixed_point(ref);
	else
		FUZZ_ASSERT(err.message[0] != '\0');
	memset(&err, 0, sizeof(err));
	(void)signp_ref_parse(ref, s, "example.com/team/app", &err);
	if (signp_str_has_prefix(s, "oci:")) {
		memset(&err, 0, sizeof(err));
		(void)signp_ref_parse(ref, "oci:layout", s + 4, &err);
	}
	(void)signp_gun_valid(s);
	(void)signp_host_is_loopback(s);
	(void)signp_registry_api_host(s);
	free(ref);
	free(s);
	return 0;
}

/*
 * fuzz_attest.c - cosign attestation layouts (attest.c): the input is read
 * as a .att manifest, each DSSE layer found having a valid digest, a size
 * within the envelope bound and an annotations object; as a Sigstore
 * bundle, whose envelope taken out is a JSON object; and it is given to
 * the statement maker as the predicate of three types (vuln: a JSON object
 * kept as it is; custom and spdx: text), each statement made being one the
 * in-toto reader takes, of that type, over the digest; a refusal says why.
 */
#include "fuzz.h"

#include "attest.h"
#include "intoto.h"

#define DIGEST "sha256:1111111111111111111111111111111111111111111111111111111111111111"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "vuln", "custom", "spdx" };
	signp_att_layer *l = NULL;
	sign_error err;
	size_t n = 0;

	memset(&err, 0, sizeof(err));
	if (signp_attest_layers(&l, &n, data, size, &err) == SIGN_OK) {
		for (size_t i = 0; i < n; i++) {
			FUZZ_ASSERT(signp_digest_valid(l[i].digest));
			FUZZ_ASSERT(l[i].size <= SIGNP_ATT_MAX_ENVELOPE);
			FUZZ_ASSERT(json_is_object(l[i].annotations));
		}
		signp_attest_layers_free(l, n);
	} else {
		FUZZ_ASSERT(err.message[0] != '\0');
	}
	{
		sign_buf env = SIGN_BUF_INIT;
		json_t *bundle = NULL, *e;
		memset(&err, 0, sizeof(err));
		if (signp_attest_bundle_envelope(&env, &bundle, data, size, &err) == SIGN_OK) {
			FUZZ_ASSERT(bundle != NULL);
			FUZZ_ASSERT((e = json_loadb(env.ptr, env.size, 0, NULL)) != NULL && json_is_object(e));
			json_decref(e);
			json_decref(bundle);
		} else {
			FUZZ_ASSERT(err.message[0] != '\0' && bundle == NULL);
		}
		sign_buf_dispose(&env);
	}
	for (size_t t = 0; t < 3; t++) {
		sign_buf st = SIGN_BUF_INIT;
		signp_intoto *s = NULL;
		memset(&err, 0, sizeof(err));
		if (signp_attest_statement(&st, types[t], "registry.example/app", DIGEST, data, size, 0, &err) !=
		    SIGN_OK) {
			FUZZ_ASSERT(err.message[0] != '\0');
			sign_buf_dispose(&st);
			continue;
		}
		memset(&err, 0, sizeof(err));
		FUZZ_ASSERT(signp_intoto_parse(&s, st.ptr, st.size, &err) == SIGN_OK);
		FUZZ_ASSERT(strcmp(s->predicate_type, signp_attest_type_uri(types[t])) == 0);
		FUZZ_ASSERT(signp_intoto_has_subject(s, DIGEST, &err) == SIGN_OK);
		FUZZ_ASSERT(s->predicate != NULL);
		signp_intoto_free(s);
		sign_buf_dispose(&st);
	}
	return 0;
}

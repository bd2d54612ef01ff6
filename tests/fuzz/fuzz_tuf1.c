/*
 * fuzz_tuf1.c - TUF 1.0 metadata (tuf1_meta.c): the input is read as each
 * of the four roles' metadata; one that is read has a version >= 1 and
 * canonical signed bytes, and its signatures are checked without a crash
 * (a root against its own root role, the others against an empty key
 * set, which never verifies); the delegations of targets are matched
 * against a path; a refusal says why.
 */
#include "fuzz.h"

#include "tuf1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int type;
	for (type = SIGNP_TUF1_ROOT; type <= SIGNP_TUF1_TARGETS; type++) {
		signp_tuf1_meta *m = NULL;
		sign_error err;
		json_t *keys, *role;
		memset(&err, 0, sizeof(err));
		if (signp_tuf1_meta_parse(&m, data, size, type, "fuzz", &err) != SIGN_OK) {
			FUZZ_ASSERT(err.message[0] != '\0');
			FUZZ_ASSERT(m == NULL);
			continue;
		}
		FUZZ_ASSERT(m->version >= 1 && m->canon.size > 0);
		memset(&err, 0, sizeof(err));
		if (type == SIGNP_TUF1_ROOT) {
			(void)signp_tuf1_root_verify(m, "root", m, &err);
		} else {
			keys = json_object();
			role = json_pack("{s:[s], s:i}", "keyids", "k", "threshold", 1);
			FUZZ_ASSERT(signp_tuf1_meta_verify(m, keys, role, "fuzz", &err) == SIGN_EVERIFY);
			json_decref(keys);
			json_decref(role);
		}
		if (type == SIGNP_TUF1_TARGETS) {
			const json_t *roles = json_object_get(json_object_get(m->sig, "delegations"), "roles");
			size_t i;
			for (i = 0; i < json_array_size(roles); i++)
				(void)signp_tuf1_role_covers(json_array_get(roles, i), "a/b.txt");
		}
		signp_tuf1_meta_free(m);
	}
	return 0;
}

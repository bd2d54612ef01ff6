/*
 * fuzz_policy.c - the admission policy file (policy.c): libyaml's events
 * into rules.  The input is parsed as a policy; a refusal must have a
 * message and its code.  A policy that parses must hold what policy.h
 * promises: a verifying rule has a trust and what that trust needs, a
 * threshold lies within its signers, and every exact pattern, matched as an
 * image, is governed by the first rule that lists it (exact beats wildcard,
 * ties go to the earlier rule).
 */
#include "fuzz.h"

#include "policy.h"

static void check_rule(const signp_policy_rule *r)
{
	FUZZ_ASSERT(r->n_images > 0);
	if (r->action != SIGNP_POLICY_VERIFY) {
		FUZZ_ASSERT(r->trust == SIGNP_POLICY_TRUST_NONE);
		FUZZ_ASSERT(r->n_root_keys == 0 && r->n_signers == 0 && r->root_ca == NULL &&
			r->server == NULL && r->key == NULL && r->layout == NULL);
		return;
	}
	FUZZ_ASSERT(r->trust != SIGNP_POLICY_TRUST_NONE);
	FUZZ_ASSERT((r->trust == SIGNP_POLICY_TRUST_NOTARY) == (r->server != NULL));
	FUZZ_ASSERT((r->trust == SIGNP_POLICY_TRUST_KEY) == (r->key != NULL));
	FUZZ_ASSERT((r->trust == SIGNP_POLICY_TRUST_LAYOUT) == (r->layout != NULL));
	FUZZ_ASSERT(r->n_signers <= SIGNP_POLICY_MAX_LIST && r->n_root_keys <= SIGNP_POLICY_MAX_LIST);
	if (r->n_signers == 0)
		FUZZ_ASSERT(r->threshold == 0);
	else
		FUZZ_ASSERT(r->threshold >= 1 && r->threshold <= r->n_signers);
}

/* The first rule, in file order, that lists text as an exact pattern. */
static const signp_policy_rule *first_exact(const signp_policy *p, const char *text)
{
	for (size_t i = 0; i < signp_policy_rule_count(p); i++) {
		const signp_policy_rule *r = signp_policy_rule_at(p, i);
		for (size_t j = 0; j < r->n_images; j++) {
			if (strcmp(r->images[j], text) == 0)
				return r;
		}
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const images[] = {
		"nginx",
		"registry.example.com/team/app:1",
		("ghcr.io/o/r@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
		"127.0.0.1:5000/a/b/c",
		"UPPER",
		"oci:dir",
	};
	signp_policy *p = NULL;
	sign_error err;
	int r;

	memset(&err, 0, sizeof(err));
	r = signp_policy_parse(&p, data, size, "fuzz", &err);
	if (r != SIGN_OK) {
		FUZZ_ASSERT(p == NULL && err.message[0] != '\0' && err.code == r);
		return 0;
	}
	FUZZ_ASSERT(p != NULL && signp_policy_rule_count(p) <= SIGNP_POLICY_MAX_ITEMS);
	const signp_policy_rule *deflt = signp_policy_default_rule(p);
	FUZZ_ASSERT(deflt->index == -1 && deflt->action == SIGNP_POLICY_DENY);
	for (size_t i = 0; i < signp_policy_rule_count(p); i++) {
		const signp_policy_rule *rule = signp_policy_rule_at(p, i);
		FUZZ_ASSERT(rule->index == (int)i);
		check_rule(rule);
		for (size_t j = 0; j < rule->n_images; j++) {
			const char *t = rule->images[j];
			/* (a name of docker.io/library/ may be normalised past the
			 * 255-character limit of an image name: as in fuzz_ref) */
			if (strchr(t, '*') != NULL || strlen(t) > 255)
				continue;
			const signp_policy_rule *m = signp_policy_match(p, t, "fuzz-ns");
			if (signp_policy_ns_exempt(p, "fuzz-ns"))
				FUZZ_ASSERT(m == NULL);
			else
				FUZZ_ASSERT(m == first_exact(p, t));
		}
	}
	for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		const signp_policy_rule *m = signp_policy_match(p, images[i], "default");
		FUZZ_ASSERT(m != NULL || signp_policy_ns_exempt(p, "default"));
		FUZZ_ASSERT(m == NULL || m == deflt ||
			(m->index >= 0 && m == signp_policy_rule_at(p, (size_t)m->index)));
		(void)signp_policy_match(p, images[i], "kube-system");
	}
	signp_policy_free(p);
	return 0;
}

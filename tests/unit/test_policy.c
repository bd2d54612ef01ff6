/* test_policy.c - the admission policy file (policy.c): parsing, matching, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "policy.h"

/* The form of issue 13, exactly as written there. */
static const char issue_example[] =
	"rules:\n"
	"- images: [\"registry.example.com/team/*\"]\n"
	"  trust: registry                      # the trust collection in the registry\n"
	"  rootKeys: [/etc/sign/team-root.pub]  # pins; without them, trust on first use\n"
	"- images: [\"registry.example.com/legacy/*\"]\n"
	"  trust: notary\n"
	"  server: https://notary.example.com:4443\n"
	"- images: [\"registry.example.com/vendor/*\"]\n"
	"  trust: key                           # a detached cosign signature by this key\n"
	"  key: /etc/sign/vendor.pub\n"
	"- images: [\"registry.example.com/public/*\"]\n"
	"  action: allow\n"
	"- images: [\"*\"]\n"
	"  action: deny\n"
	"exemptNamespaces: [kube-system]\n";

static signp_policy *parse_ok(const char *doc)
{
	signp_policy *p = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	int r = signp_policy_parse(&p, doc, strlen(doc), "test.yaml", &err);
	if (r != SIGN_OK)
		fail_msg("parse failed: %s", err.message);
	assert_non_null(p);
	return p;
}

static int match_index(const signp_policy *p, const char *image, const char *ns)
{
	const signp_policy_rule *r = signp_policy_match(p, image, ns);
	return r == NULL ? -2 : r->index;
}

static void test_issue_example(void **state)
{
	(void)state;
	signp_policy *p = parse_ok(issue_example);
	const signp_policy_rule *r;

	assert_int_equal(signp_policy_rule_count(p), 5);
	r = signp_policy_rule_at(p, 0);
	assert_int_equal(r->index, 0);
	assert_int_equal(r->line, 2);
	assert_int_equal(signp_policy_rule_at(p, 4)->line, 13);
	assert_int_equal(r->action, SIGNP_POLICY_VERIFY);
	assert_int_equal(r->trust, SIGNP_POLICY_TRUST_REGISTRY);
	assert_int_equal(r->n_images, 1);
	assert_string_equal(r->images[0], "registry.example.com/team/*");
	assert_int_equal(r->n_root_keys, 1);
	assert_string_equal(r->root_keys[0], "/etc/sign/team-root.pub");
	assert_null(r->root_ca);
	assert_int_equal(r->n_signers, 0);
	assert_int_equal(r->threshold, 0);
	r = signp_policy_rule_at(p, 1);
	assert_int_equal(r->trust, SIGNP_POLICY_TRUST_NOTARY);
	assert_string_equal(r->server, "https://notary.example.com:4443");
	r = signp_policy_rule_at(p, 2);
	assert_int_equal(r->trust, SIGNP_POLICY_TRUST_KEY);
	assert_string_equal(r->key, "/etc/sign/vendor.pub");
	r = signp_policy_rule_at(p, 3);
	assert_int_equal(r->action, SIGNP_POLICY_ALLOW);
	assert_int_equal(r->trust, SIGNP_POLICY_TRUST_NONE);
	r = signp_policy_rule_at(p, 4);
	assert_int_equal(r->action, SIGNP_POLICY_DENY);
	assert_null(signp_policy_rule_at(p, 5));

	assert_int_equal(match_index(p, "registry.example.com/team/app:1.4", "default"), 0);
	assert_int_equal(match_index(p, "registry.example.com/team/a/b@sha256:"
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "prod"), 0);
	assert_int_equal(match_index(p, "registry.example.com/legacy/db", "default"), 1);
	assert_int_equal(match_index(p, "registry.example.com/vendor/agent:2", "default"), 2);
	assert_int_equal(match_index(p, "registry.example.com/public/tools", "default"), 3);
	assert_int_equal(match_index(p, "nginx", "default"), 4);
	assert_int_equal(match_index(p, "registry.example.com/other/x", "default"), 4);
	/* the slash after "team" is part of the pattern: teamx is not in it */
	assert_int_equal(match_index(p, "registry.example.com/teamx/app", "default"), 4);
	/* the exempt namespace: no rule at all, whatever the image */
	assert_null(signp_policy_match(p, "nginx", "kube-system"));
	assert_null(signp_policy_match(p, "registry.example.com/team/app", "kube-system"));
	assert_true(signp_policy_ns_exempt(p, "kube-system"));
	assert_false(signp_policy_ns_exempt(p, "kube-public"));
	assert_false(signp_policy_ns_exempt(p, ""));
	assert_false(signp_policy_ns_exempt(p, NULL));
	assert_int_equal(match_index(p, "nginx", NULL), 4);
	signp_policy_free(p);
}

static void test_most_specific(void **state)
{
	(void)state;
	signp_policy *p = parse_ok(
		"rules:\n"
		"- {images: ['*'], action: allow}\n"                                    /* 0 */
		"- {images: ['registry.example.com/*'], action: deny}\n"                /* 1 */
		"- {images: ['registry.example.com/team/*'], trust: registry}\n"        /* 2 */
		"- {images: ['registry.example.com/team/app'], action: allow}\n"        /* 3 */
		"- {images: ['registry.example.com/team/*'], action: deny}\n"           /* 4: tie, later */
		"- {images: ['registry.example.com/team/a*', 'nginx'], action: deny}\n" /* 5 */
		"- {images: ['docker.io/library/*'], action: allow}\n"                  /* 6 */
		"- {images: ['ghcr.io/*/x*y'], action: allow}\n"                       /* 7 */
		"- {images: ['localhost/*', 'localhost:5000/*', 'reg*/x', '*/x'], action: deny}\n");                      /* 7 */

	/* exact beats every wildcard, even one with a longer prefix */
	assert_int_equal(match_index(p, "registry.example.com/team/app:v1", "ns"), 3);
	/* longest literal prefix */
	assert_int_equal(match_index(p, "registry.example.com/team/api", "ns"), 5);
	assert_int_equal(match_index(p, "registry.example.com/team/web", "ns"), 2);
	assert_int_equal(match_index(p, "registry.example.com/team/web/sub", "ns"), 2);
	assert_int_equal(match_index(p, "registry.example.com/web", "ns"), 1);
	assert_int_equal(match_index(p, "ghcr.io/o/r", "ns"), 0);
	/* exact patterns are normalised: nginx is docker.io/library/nginx */
	assert_int_equal(match_index(p, "docker.io/library/nginx:1.25", "ns"), 5);
	assert_int_equal(match_index(p, "nginx", "ns"), 5);
	assert_string_equal(signp_policy_rule_at(p, 5)->images[1], "docker.io/library/nginx");
	assert_int_equal(match_index(p, "alpine", "ns"), 6);
	/* several stars */
	assert_int_equal(match_index(p, "ghcr.io/o/xay", "ns"), 7);
	assert_int_equal(match_index(p, "ghcr.io/o/xa", "ns"), 0);
	/* a wildcard pattern's first component may be a host of any form */
	assert_int_equal(match_index(p, "localhost:5000/a/b", "ns"), 8);
	assert_int_equal(match_index(p, "localhost/a", "ns"), 8);
	signp_policy_free(p);
}

static void test_defaults(void **state)
{
	(void)state;
	signp_policy *p = parse_ok("rules:\n- images: [registry.example.com/team/*]\n  trust: registry\n");
	const signp_policy_rule *d = signp_policy_default_rule(p);
	const signp_policy_rule *r;
	sign_error err;

	assert_int_equal(d->index, -1);
	assert_int_equal(d->action, SIGNP_POLICY_DENY);
	assert_ptr_equal(signp_policy_match(p, "nginx", "default"), d);
	assert_ptr_equal(signp_policy_match(p, "nginx", "kube-system"), d); /* nothing exempt */
	/* an image that is no reference: the default rule, and match_ex says why */
	assert_ptr_equal(signp_policy_match(p, "Not A Ref", "default"), d);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_match_ex(p, "UPPER", "default", &r, &err), SIGN_EINVAL);
	assert_ptr_equal(r, d);
	assert_true(signp_str_has_prefix(err.message, "image UPPER: "));
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_match_ex(p, "oci:some/dir:v1", "default", &r, &err),
		SIGN_EINVAL);
	assert_string_equal(err.message, "image oci:some/dir:v1: not a registry reference");
	assert_int_equal(signp_policy_match_ex(p, "registry.example.com/team/x", "d", &r, NULL),
		SIGN_OK);
	assert_int_equal(r->index, 0);
	signp_policy_free(p);

	/* no rules at all: everything denied */
	p = parse_ok("rules: []\nexemptNamespaces: [kube-system, sign-admission]\n");
	assert_int_equal(signp_policy_rule_count(p), 0);
	assert_ptr_equal(signp_policy_match(p, "nginx", "default"), signp_policy_default_rule(p));
	assert_null(signp_policy_match(p, "nginx", "sign-admission"));
	signp_policy_free(p);
	signp_policy_free(NULL);
	assert_string_equal(signp_policy_action_name(SIGNP_POLICY_DENY), "deny");
	assert_string_equal(signp_policy_trust_name(SIGNP_POLICY_TRUST_LAYOUT), "layout");
}

static void test_full_rule(void **state)
{
	(void)state;
	signp_policy *p = parse_ok(
		"rules:\n"
		"- name: team releases\n"
		"  images:\n"
		"  - registry.example.com/team/*\n"
		"  - 127.0.0.1:5000/app\n"
		"  trust: registry\n"
		"  rootKeys: [a.pub, b.pub]\n"
		"  rootCA: ca.pem\n"
		"  signers: [targets/releases, targets/qa, targets]\n"
		"  threshold: 2\n"
		"- images: [localhost:5000/*]\n"
		"  trust: layout\n"
		"  layout: ./layouts\n"
		"  signers: [targets/releases]\n"
		"- images: [ghcr.io/acme/*]\n"
		"  trust: keyless\n"
		"  identityRegexp: ^https://github\\.com/acme/\n"
		"  issuer: https://token.actions.githubusercontent.com\n"
		"  trustedRoot: /etc/sign/trusted_root.json\n");
	const signp_policy_rule *r = signp_policy_rule_at(p, 0);
	assert_string_equal(r->name, "team releases");
	assert_int_equal(r->n_images, 2);
	assert_string_equal(r->images[1], "127.0.0.1:5000/app");
	assert_int_equal(r->n_root_keys, 2);
	assert_string_equal(r->root_keys[1], "b.pub");
	assert_string_equal(r->root_ca, "ca.pem");
	assert_int_equal(r->n_signers, 3);
	assert_string_equal(r->signers[2], "targets");
	assert_int_equal(r->threshold, 2);
	r = signp_policy_rule_at(p, 1);
	assert_null(r->name);
	assert_int_equal(r->trust, SIGNP_POLICY_TRUST_LAYOUT);
	assert_string_equal(r->layout, "./layouts");
	assert_int_equal(r->threshold, 1); /* all signers by default */
	assert_int_equal(match_index(p, "127.0.0.1:5000/app:v1", "x"), 0);
	assert_int_equal(match_index(p, "localhost:5000/app:v1", "x"), 1);
	r = signp_policy_rule_at(p, 2);
	assert_int_equal(r->trust, SIGNP_POLICY_TRUST_KEYLESS);
	assert_null(r->identity);
	assert_string_equal(r->identity_re, "^https://github\\.com/acme/");
	assert_string_equal(r->issuer, "https://token.actions.githubusercontent.com");
	assert_null(r->issuer_re);
	assert_string_equal(r->trusted_root, "/etc/sign/trusted_root.json");
	assert_string_equal(signp_policy_trust_name(r->trust), "keyless");
	assert_int_equal(match_index(p, "ghcr.io/acme/app:1.0", "x"), 2);
	signp_policy_free(p);
}

static void test_json(void **state)
{
	(void)state;
	signp_policy *p = parse_ok(
		"{\n"
		"  \"rules\": [\n"
		"    {\"images\": [\"registry.example.com/team/*\"], \"trust\": \"registry\",\n"
		"     \"rootKeys\": [\"/etc/sign/team-root.pub\"], \"signers\": [\"targets/releases\"],\n"
		"     \"threshold\": 1},\n"
		"    {\"images\": [\"registry.example.com/legacy/*\"], \"trust\": \"notary\",\n"
		"     \"server\": \"https://notary.example.com:4443\"},\n"
		"    {\"images\": [\"*\"], \"action\": \"deny\"}\n"
		"  ],\n"
		"  \"exemptNamespaces\": [\"kube-system\"]\n"
		"}\n");
	assert_int_equal(signp_policy_rule_count(p), 3);
	assert_int_equal(signp_policy_rule_at(p, 0)->threshold, 1);
	assert_int_equal(match_index(p, "registry.example.com/team/app", "default"), 0);
	assert_int_equal(match_index(p, "registry.example.com/legacy/app", "default"), 1);
	assert_int_equal(match_index(p, "busybox", "default"), 2);
	assert_null(signp_policy_match(p, "busybox", "kube-system"));
	signp_policy_free(p);

	/* tab-indented (jq --tab) and minified */
	p = parse_ok("{\n\t\"rules\": [\n\t\t{\"images\": [\"*\"],\t\"action\": \"allow\"}\n\t]\n}\n");
	assert_int_equal(signp_policy_match(p, "busybox", "default")->action, SIGNP_POLICY_ALLOW);
	signp_policy_free(p);
	p = parse_ok("{\"rules\":[{\"images\":[\"a.com/*\"],\"trust\":\"key\",\"key\":\"k.pub\"}],"
		"\"exemptNamespaces\":[]}");
	assert_int_equal(match_index(p, "a.com/x", "default"), 0);
	signp_policy_free(p);
}

typedef struct bad_case {
	const char *doc;
	const char *message; /* the whole message */
} bad_case;

#define R0 "rules:\n- images: [a.com/*]\n"
static const bad_case bad[] = {
	{ "", "policy test.yaml: empty document: expected a mapping with rules" },
	{ "# nothing\n", "policy test.yaml: empty document: expected a mapping with rules" },
	{ "- a\n", "policy test.yaml: expected a mapping with rules, not a list (line 1)" },
	{ "hello\n", "policy test.yaml: expected a mapping with rules, not a string (line 1)" },
	{ "exemptNamespaces: [a]\n", "policy test.yaml: no rules (line 1)" },
	{ "rules: {}\n", "policy test.yaml: rules: expected a list, not a mapping (line 1)" },
	{ "rules: []\nrules: []\n", "policy test.yaml: rules: given twice (line 2)" },
	{ "rules: []\nexemptNamespace: [a]\n",
	  "policy test.yaml: exemptNamespace: unknown key (rules, exemptNamespaces) (line 2)" },
	{ "rules: []\n[a]: b\n", "policy test.yaml: a key is a list, not a string (line 2)" },
	{ "rules: []\nexemptNamespaces: kube-system\n",
	  "policy test.yaml: exemptNamespaces: expected a list, not a string (line 2)" },
	{ "rules: []\nexemptNamespaces: [Kube_System]\n",
	  "policy test.yaml: exemptNamespaces[0]: \"Kube_System\" is not a namespace name (line 2)" },
	{ "rules: [a]\n", "policy test.yaml: rules[0]: expected a mapping, not a string (line 1)" },
	{ "rules:\n- action: deny\n", "policy test.yaml: rules[0]: no images (line 2)" },
	{ "rules:\n- images: []\n  action: deny\n",
	  "policy test.yaml: rules[0].images: empty list (line 2)" },
	{ "rules:\n- images: '*'\n  action: deny\n",
	  "policy test.yaml: rules[0].images: expected a list, not a string (line 2)" },
	{ "rules:\n- images: ['']\n  action: deny\n",
	  "policy test.yaml: rules[0].images[0]: empty (line 2)" },
	{ "rules:\n- images: [[a]]\n  action: deny\n",
	  "policy test.yaml: rules[0].images[0]: expected a string, not a list (line 2)" },
	{ "rules:\n- images: ['a b/*']\n  action: deny\n",
	  "policy test.yaml: rules[0].images[0]: \"a b/*\" is not an image pattern (a repository "
	  "name, '*' for any characters) (line 2)" },
	{ "rules:\n- images: ['library/*']\n  action: deny\n",
	  "policy test.yaml: rules[0].images[0]: \"library/*\" can match no image: a pattern with "
	  "'*' is matched against the full name, host first (such as docker.io/library/*) "
	  "(line 2)" },
	{ "rules:\n- images: ['team/app/*']\n  action: deny\n",
	  "policy test.yaml: rules[0].images[0]: \"team/app/*\" can match no image: a pattern with "
	  "'*' is matched against the full name, host first (such as docker.io/team/app/*) "
	  "(line 2)" },
	{ "rules:\n- images: ['nginx:1.25']\n  action: deny\n",
	  "policy test.yaml: rules[0].images[0]: \"nginx:1.25\" names a tag, digest or layout: a "
	  "pattern names repositories (line 2)" },
	{ "rules:\n- images: ['Nginx']\n  action: deny\n",
	  "policy test.yaml: rules[0].images[0]: reference \"Nginx\": invalid repository name "
	  "\"Nginx\" (lowercase letters, digits and separators . _ __ - between components) "
	  "(line 2)" },
	{ "rules:\n- images: [\"a\\0b\"]\n  action: deny\n",
	  "policy test.yaml: rules[0].images[0]: holds a NUL byte (line 2)" },
	{ R0 "  action: deny\n  acton: allow\n",
	  "policy test.yaml: rules[0].acton: unknown key (images, name, action, trust, rootKeys, "
	  "rootCA, signers, threshold, server, key, layout, identity, identityRegexp, issuer, "
	  "issuerRegexp, trustedRoot) (line 4)" },
	{ R0 "  action: deny\n  action: allow\n",
	  "policy test.yaml: rules[0].action: given twice (line 4)" },
	{ R0, "policy test.yaml: rules[0]: neither action (allow, deny) nor trust (registry, "
	  "notary, key, layout, keyless) (line 2)" },
	{ R0 "  action: permit\n",
	  "policy test.yaml: rules[0].action: \"permit\" is not allow or deny (line 3)" },
	{ R0 "  action: [allow]\n",
	  "policy test.yaml: rules[0].action: expected a string, not a list (line 3)" },
	{ R0 "  action: allow\n  trust: registry\n",
	  "policy test.yaml: rules[0]: both action and trust: a rule either decides (action) or "
	  "verifies (trust) (line 4)" },
	{ R0 "  action: allow\n  rootKeys: [a.pub]\n",
	  "policy test.yaml: rules[0].rootKeys: only a rule with trust takes it (line 4)" },
	{ "rules:\n- images: [a.com/*]\n  action: deny\n- images: [b.com/*]\n  action: deny\n"
	  "- images: [c.com/*]\n  trust: notarry\n",
	  "policy test.yaml: rules[2].trust: \"notarry\" is not registry, notary, key, layout or "
	  "keyless (line 7)" },
	{ R0 "  trust: keyless\n  issuer: https://i\n",
	  "policy test.yaml: rules[0]: trust: keyless needs one of identity and identityRegexp (the "
	  "certificate's SAN) (line 2)" },
	{ R0 "  trust: keyless\n  identity: a@b\n  identityRegexp: a\n  issuer: https://i\n",
	  "policy test.yaml: rules[0]: trust: keyless needs one of identity and identityRegexp (the "
	  "certificate's SAN) (line 2)" },
	{ R0 "  trust: keyless\n  identity: a@b\n",
	  "policy test.yaml: rules[0]: trust: keyless needs one of issuer and issuerRegexp (the OIDC "
	  "issuer) (line 2)" },
	{ R0 "  trust: keyless\n  identityRegexp: \"(\"\n  issuer: https://i\n",
	  "policy test.yaml: rules[0].identityRegexp: \"(\" is not a POSIX extended regular expression "
	  "(Unmatched ( or \\() (line 4)" },
	{ R0 "  trust: keyless\n  identityRegexp: \"\\\\pL\"\n  issuer: https://i\n",
	  "policy test.yaml: rules[0].identityRegexp: \"\\pL\" is not a POSIX extended regular expression "
	  "(\\p is Go's (RE2), not POSIX) (line 4)" },
	{ R0 "  trust: keyless\n  identity: a@b\n  issuerRegexp: \"[\"\n",
	  "policy test.yaml: rules[0].issuerRegexp: \"[\" is not a POSIX extended regular expression "
	  "(Invalid regular expression) (line 5)" },
	{ R0 "  trust: registry\n  identity: a@b\n",
	  "policy test.yaml: rules[0].identity: not an option of trust: registry (line 4)" },
	{ R0 "  trust: keyless\n  identity: a@b\n  issuer: https://i\n  key: k.pub\n",
	  "policy test.yaml: rules[0].key: not an option of trust: keyless (line 6)" },
	{ R0 "  trust: {kind: registry}\n",
	  "policy test.yaml: rules[0].trust: expected a string, not a mapping (line 3)" },
	{ R0 "  trust: notary\n",
	  "policy test.yaml: rules[0]: trust: notary needs server (the Notary server URL) (line 2)" },
	{ R0 "  trust: key\n",
	  "policy test.yaml: rules[0]: trust: key needs key (a cosign public key file) (line 2)" },
	{ R0 "  trust: layout\n",
	  "policy test.yaml: rules[0]: trust: layout needs layout (an OCI layout folder) (line 2)" },
	{ R0 "  trust: registry\n  server: https://n.example.com\n",
	  "policy test.yaml: rules[0].server: not an option of trust: registry (line 4)" },
	{ R0 "  trust: key\n  key: k.pub\n  rootKeys: [a.pub]\n",
	  "policy test.yaml: rules[0].rootKeys: not an option of trust: key (line 5)" },
	{ R0 "  trust: registry\n  key: k.pub\n",
	  "policy test.yaml: rules[0].key: not an option of trust: registry (line 4)" },
	{ R0 "  trust: notary\n  server: notary.example.com\n",
	  "policy test.yaml: rules[0].server: \"notary.example.com\" is not an http:// or https:// "
	  "URL (line 4)" },
	{ R0 "  trust: registry\n  rootKeys: a.pub\n",
	  "policy test.yaml: rules[0].rootKeys: expected a list, not a string (line 4)" },
	{ R0 "  trust: registry\n  rootKeys: []\n",
	  "policy test.yaml: rules[0].rootKeys: empty list (line 4)" },
	{ R0 "  trust: registry\n  rootCA: [ca.pem]\n",
	  "policy test.yaml: rules[0].rootCA: expected a string, not a list (line 4)" },
	{ R0 "  trust: registry\n  signers: [releases]\n",
	  "policy test.yaml: rules[0].signers[0]: \"releases\" is not a delegation role (targets "
	  "or targets/NAME) (line 4)" },
	{ R0 "  trust: registry\n  signers: [targets/a, targets/a]\n",
	  "policy test.yaml: rules[0].signers[1]: targets/a listed twice (line 4)" },
	{ R0 "  trust: registry\n  threshold: 1\n",
	  "policy test.yaml: rules[0].threshold: only with signers (line 4)" },
	{ R0 "  trust: registry\n  signers: [targets/a]\n  threshold: 2\n",
	  "policy test.yaml: rules[0].threshold: 2 is not between 1 and the 1 signers (line 5)" },
	{ R0 "  trust: registry\n  signers: [targets/a]\n  threshold: 0\n",
	  "policy test.yaml: rules[0].threshold: 0 is not between 1 and the 1 signers (line 5)" },
	{ R0 "  trust: registry\n  signers: [targets/a]\n  threshold: one\n",
	  "policy test.yaml: rules[0].threshold: expected a whole number (line 5)" },
	{ R0 "  trust: registry\n  signers: [targets/a]\n  threshold: -1\n",
	  "policy test.yaml: rules[0].threshold: expected a whole number (line 5)" },
	{ "rules:\n- &r {images: [a.com/*], action: deny}\n- *r\n",
	  "policy test.yaml: YAML aliases are not supported (line 3)" },
	{ "rules: []\n---\nrules: []\n", "policy test.yaml: more than one YAML document (line 2)" },
	{ "rules: [\n", "policy test.yaml: not valid YAML: did not find expected node content "
	  "while parsing a flow node (line 2)" },
	{ "rules:\n\t- a\n", "policy test.yaml: not valid YAML: found character that cannot "
	  "start any token while scanning for the next token (line 2)" },
	/* JSON without its closing brace */
	{ "{\"rules\": [{\"images\": [\"*\"], \"action\": \"deny\"}]\n",
	  "policy test.yaml: not valid YAML: did not find expected ',' or '}' while parsing a "
	  "flow mapping (line 2)" },
	{ "rules: [[[[[[[[[a]]]]]]]]]\n",
	  "policy test.yaml: nested deeper than 8 levels (line 1)" },
};

static void test_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		signp_policy *p = (signp_policy *)&p;
		sign_error err;
		memset(&err, 0, sizeof(err));
		int r = signp_policy_parse(&p, bad[i].doc, strlen(bad[i].doc), "test.yaml", &err);
		if (r != SIGN_EFORMAT || strcmp(err.message, bad[i].message) != 0)
			fail_msg("case %zu: code %d, message\n  got:  %s\n  want: %s", i, r, err.message,
				bad[i].message);
		assert_null(p);
		assert_int_equal(err.code, SIGN_EFORMAT);
	}
}

static void test_bounds(void **state)
{
	(void)state;
	signp_policy *p = NULL;
	sign_error err;
	size_t cap = SIGNP_POLICY_MAX_BYTES + 64, len = 0;
	char *doc = malloc(cap);
	assert_non_null(doc);

	/* over 1 MiB */
	memset(doc, '#', SIGNP_POLICY_MAX_BYTES + 1);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_parse(&p, doc, SIGNP_POLICY_MAX_BYTES + 1, "big", &err),
		SIGN_EFORMAT);
	assert_string_equal(err.message, "policy big: larger than 1048576 bytes");

	/* 10,001 rules */
	len = (size_t)snprintf(doc, cap, "rules:\n");
	for (int i = 0; i <= SIGNP_POLICY_MAX_ITEMS; i++)
		len += (size_t)snprintf(doc + len, cap - len, "- {images: [a.com/%d], action: deny}\n", i);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_parse(&p, doc, len, "many", &err), SIGN_EFORMAT);
	assert_string_equal(err.message, "policy many: rules: more than 10000 rules (line 2)");

	/* 10,000 rules are fine, and the last exact one is found */
	len = (size_t)snprintf(doc, cap, "rules:\n");
	for (int i = 0; i < SIGNP_POLICY_MAX_ITEMS; i++)
		len += (size_t)snprintf(doc + len, cap - len, "- {images: [a.com/%d], action: deny}\n", i);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_parse(&p, doc, len, "many", &err), SIGN_OK);
	assert_int_equal(match_index(p, "a.com/9999", "x"), 9999);
	signp_policy_free(p);

	/* 10,001 patterns over two rules */
	len = (size_t)snprintf(doc, cap, "rules:\n- action: deny\n  images: [");
	for (int i = 0; i < 6000; i++)
		len += (size_t)snprintf(doc + len, cap - len, "%sa.com/%d", i ? "," : "", i);
	len += (size_t)snprintf(doc + len, cap - len, "]\n- action: deny\n  images: [");
	for (int i = 0; i < 4001; i++)
		len += (size_t)snprintf(doc + len, cap - len, "%sb.com/%d", i ? "," : "", i);
	len += (size_t)snprintf(doc + len, cap - len, "]\n");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_parse(&p, doc, len, "many", &err), SIGN_EFORMAT);
	assert_string_equal(err.message,
		"policy many: rules[1].images: more than 10000 image patterns in all (line 5)");

	/* a pattern over 512 characters */
	len = (size_t)snprintf(doc, cap, "rules:\n- {action: deny, images: ['");
	for (int i = 0; i < 257; i++)
		len += (size_t)snprintf(doc + len, cap - len, "*a");
	len += (size_t)snprintf(doc + len, cap - len, "']}\n");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_parse(&p, doc, len, "pat", &err), SIGN_EFORMAT);
	assert_string_equal(err.message,
		"policy pat: rules[0].images[0]: longer than 512 characters (line 2)");

	/* a string over 4096 bytes */
	len = (size_t)snprintf(doc, cap, "rules:\n- {images: ['*'], trust: key, key: ");
	memset(doc + len, 'k', 4097);
	len += 4097;
	len += (size_t)snprintf(doc + len, cap - len, "}\n");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_parse(&p, doc, len, "long", &err), SIGN_EFORMAT);
	assert_string_equal(err.message, "policy long: rules[0].key: longer than 4096 bytes (line 2)");

	/* 200,001 nodes (under 1 MiB: "[a,a,a,...]") */
	len = (size_t)snprintf(doc, cap, "rules: []\nx: [");
	for (int i = 0; i <= SIGNP_POLICY_MAX_NODES; i++)
		len += (size_t)snprintf(doc + len, cap - len, "%sa", i ? "," : "");
	len += (size_t)snprintf(doc + len, cap - len, "]\n");
	assert_true(len < SIGNP_POLICY_MAX_BYTES);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_parse(&p, doc, len, "nodes", &err), SIGN_EFORMAT);
	assert_string_equal(err.message, "policy nodes: more than 200000 YAML nodes");

	/* deep nesting is refused before it is built */
	len = (size_t)snprintf(doc, cap, "rules: ");
	for (int i = 0; i < 100000; i++)
		doc[len++] = '[';
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_parse(&p, doc, len, "deep", &err), SIGN_EFORMAT);
	assert_string_equal(err.message, "policy deep: nested deeper than 8 levels (line 1)");
	free(doc);

	/* arguments */
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_parse(NULL, "rules: []", 9, "x", &err), SIGN_EINVAL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_parse(&p, NULL, 9, "x", &err), SIGN_EINVAL);
	assert_null(signp_policy_match(NULL, "nginx", "x"));
}

static void test_load(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	char dir[512], path[600];
	signp_policy *p = NULL;
	sign_error err;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/sign-test-policy.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/policy.yaml", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(issue_example, 1, sizeof(issue_example) - 1, f),
		sizeof(issue_example) - 1);
	assert_int_equal(fclose(f), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_load(&p, path, &err), SIGN_OK);
	assert_int_equal(match_index(p, "registry.example.com/vendor/x", "a"), 2);
	signp_policy_free(p);

	/* the origin of a message is the path */
	assert_non_null(f = fopen(path, "w"));
	fputs("rules:\n- images: ['*']\n  trust: nope\n", f);
	assert_int_equal(fclose(f), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_load(&p, path, &err), SIGN_EFORMAT);
	assert_null(p);
	char want[800];
	snprintf(want, sizeof(want), "policy %s: rules[0].trust: \"nope\" is not registry, "
		"notary, key, layout or keyless (line 3)", path);
	assert_string_equal(err.message, want);

	/* too big, missing, not a regular file */
	assert_int_equal(truncate(path, SIGNP_POLICY_MAX_BYTES + 1), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_load(&p, path, &err), SIGN_EFORMAT);
	snprintf(want, sizeof(want), "policy: reading %s: file is larger than 1048576 bytes", path);
	assert_string_equal(err.message, want);
	assert_int_equal(unlink(path), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_load(&p, path, &err), SIGN_ENOTFOUND);
	assert_true(signp_str_has_prefix(err.message, "policy: "));
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_policy_load(&p, dir, &err), SIGN_EIO);
	assert_true(signp_str_has_prefix(err.message, "policy: "));
	assert_null(p);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_example),
		cmocka_unit_test(test_most_specific),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_rule),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

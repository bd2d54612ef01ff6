// policy.h - the admission policy of `sign admission`: which rule governs an
// image in a namespace.  Internal (signp_), not exported yet.
//
// The file is YAML (libyaml) or JSON (a JSON document is YAML):
//
//   rules:
//   - images: ["registry.example.com/team/*"]
//     trust: registry                      # the trust collection in the registry
//     rootKeys: [/etc/sign/team-root.pub]  # pins; without them, trust on first use
//     signers: [targets/releases]          # optional: delegation roles that must sign
//     threshold: 1                         # optional: how many of the signers
//   - images: ["registry.example.com/legacy/*"]
//     trust: notary
//     server: https://notary.example.com:4443
//   - images: ["registry.example.com/vendor/*"]
//     trust: key                           # a detached cosign signature by this key
//     key: /etc/sign/vendor.pub
//   - images: ["ghcr.io/acme/*"]
//     trust: keyless                       # cosign keyless signatures (Sigstore)
//     identityRegexp: ^https://github\.com/acme/
//     issuer: https://token.actions.githubusercontent.com
//   - images: ["registry.example.com/public/*"]
//     action: allow
//   - images: ["*"]
//     action: deny
//   exemptNamespaces: [kube-system]
//
// Top level: `rules` (a list, required, may be empty) and `exemptNamespaces`
// (a list of namespace names, optional, may be empty).  Every other list
// must have entries: `rootKeys: []` is refused rather than read as "no pin".
// Each rule is a mapping of:
//   images     required, non-empty list of patterns (below)
//   name       optional label for audit lines and messages
//   action     allow | deny: the rule decides without verifying
//   trust      registry | notary | key | layout | keyless: the rule verifies;
//              exactly one of action and trust is given
//   rootKeys   list of key files that pin the root (registry, notary, layout)
//   rootCA     a CA certificate file the root must chain to (registry,
//              notary, layout); with neither pin, trust on first use
//   signers    list of delegation roles ("targets" or "targets/NAME") whose
//              signature the tag needs (registry, notary, layout)
//   threshold  how many of `signers` must have signed the tag, 1..count;
//              default: all of them.  Only with signers.
//   server     the Notary server URL, http:// or https:// (notary: required)
//   key        a cosign public key file (key: required)
//   layout     an OCI layout folder standing in for the registry (layout,
//              for tests: required)
//   identity, identityRegexp   keyless: the certificate's SAN, exactly or a
//              POSIX ERE (one of them required)
//   issuer, issuerRegexp       keyless: its OIDC issuer (one of them required)
//   trustedRoot  keyless: a Sigstore trusted_root.json (default: the one
//              embedded, the public good's)
// Anything else is refused: an unknown key, a key given twice, a wrong type,
// an option the rule's trust does not use, an alias or a second document.
// Messages name the place: "policy ORIGIN: rules[2].trust: ... (line 9)".
// Paths are kept as written; the caller reads the files.
//
// Bounds: the input at most SIGNP_POLICY_MAX_BYTES, nesting at most
// SIGNP_POLICY_MAX_DEPTH, at most SIGNP_POLICY_MAX_NODES YAML nodes, at most
// SIGNP_POLICY_MAX_ITEMS rules, image patterns (over all rules) and exempt
// namespaces, at most SIGNP_POLICY_MAX_LIST rootKeys or signers a rule, and
// each string at most SIGNP_POLICY_MAX_STRING bytes (no NUL), each image
// pattern at most SIGNP_POLICY_MAX_PATTERN (so a match costs at most
// SIGNP_POLICY_MAX_PATTERN * 273 steps a pattern, stars or not).
//
// Patterns and matching.  An image is normalised by signp_ref_parse first
// (`nginx:1.25` is docker.io/library/nginx) and only its repository name
// (host/path, the GUN) is matched: tags and digests are not part of it.
//   - A pattern without `*` is a repository name, normalised the same way
//     (`nginx` matches docker.io/library/nginx); it may not carry a tag or
//     digest.  It matches that repository only.
//   - A pattern with `*` is matched as written against the normalised name;
//     `*` stands for any run of characters, `/` included
//     (`registry.example.com/team/*` matches registry.example.com/team/a/b;
//     `*` matches everything).  No other character is special.  So a
//     pattern whose first component before a `*` is not a host (`library/*`,
//     `team/app/*`) could match nothing and is refused.
// The most specific matching pattern wins:
//   1. an exact pattern (no `*`) beats every pattern with `*`;
//   2. among patterns with `*`, the longer literal prefix before the first
//      `*` wins (`registry.example.com/team/*` beats `registry.example.com/*`,
//      which beats `*`);
//   3. ties go to the rule that comes first in the file.
// No matching pattern: the policy's default rule, which denies.
// (Line comments: a pattern's "/*" inside a block comment trips -Wcomment.)
#ifndef SIGN_POLICY_H
#define SIGN_POLICY_H

#include "common.h"

#define SIGNP_POLICY_MAX_BYTES  (1u << 20) /* 1 MiB */
#define SIGNP_POLICY_MAX_DEPTH  8
#define SIGNP_POLICY_MAX_NODES  200000
#define SIGNP_POLICY_MAX_ITEMS  10000
#define SIGNP_POLICY_MAX_LIST   64
#define SIGNP_POLICY_MAX_STRING 4096
#define SIGNP_POLICY_MAX_PATTERN 512 /* an image name is at most 255 + "docker.io/library/" */

typedef enum signp_policy_action {
	SIGNP_POLICY_VERIFY = 0, /* verify under `trust` */
	SIGNP_POLICY_ALLOW,
	SIGNP_POLICY_DENY
} signp_policy_action;

typedef enum signp_policy_trust {
	SIGNP_POLICY_TRUST_NONE = 0, /* action rules */
	SIGNP_POLICY_TRUST_REGISTRY, /* the trust collection in the registry */
	SIGNP_POLICY_TRUST_NOTARY,   /* a Notary v1 server: `server` */
	SIGNP_POLICY_TRUST_KEY,      /* a detached cosign signature by `key` */
	SIGNP_POLICY_TRUST_LAYOUT,   /* an OCI layout folder: `layout` (tests) */
	SIGNP_POLICY_TRUST_KEYLESS   /* cosign keyless signatures: identity, issuer */
} signp_policy_trust;

/* One rule, owned by its policy (borrowed by every caller). */
typedef struct signp_policy_rule {
	int index;                  /* position in rules[], -1 for the default rule */
	unsigned long line;         /* where the rule starts in the file, 0 for the default */
	const char *name;           /* `name`, or NULL */
	signp_policy_action action;
	signp_policy_trust trust;   /* NONE unless action is VERIFY */
	char **images;              /* the patterns, exact ones normalised */
	size_t n_images;
	char **root_keys;           /* rootKeys */
	size_t n_root_keys;
	const char *root_ca;        /* rootCA, or NULL */
	char **signers;             /* signers: delegation roles */
	size_t n_signers;
	unsigned threshold;         /* of signers; 0 when there are no signers */
	const char *server;         /* notary: URL */
	const char *key;            /* key: cosign public key file */
	const char *layout;         /* layout: folder */
	const char *identity;       /* keyless: SAN, or NULL */
	const char *identity_re;    /* keyless: SAN regexp, or NULL */
	const char *issuer;         /* keyless: OIDC issuer, or NULL */
	const char *issuer_re;      /* keyless: its regexp, or NULL */
	const char *trusted_root;   /* keyless: trusted_root.json, or NULL */
} signp_policy_rule;

typedef struct signp_policy signp_policy;

/*
 * Parse a policy from len bytes of YAML or JSON; origin names it in
 * messages (a path, "ConfigMap ...").  *out is new (signp_policy_free) on
 * SIGN_OK, NULL otherwise.  SIGN_EFORMAT with the place and the reason for
 * a document that breaks the form above, SIGN_EINVAL for NULL arguments,
 * SIGN_ENOMEM.
 */
int signp_policy_parse(signp_policy **out, const void *data, size_t len, const char *origin,
	sign_error *err);
/*
 * The same from a regular file, read up to SIGNP_POLICY_MAX_BYTES (larger:
 * SIGN_EFORMAT; missing: SIGN_ENOTFOUND; not a regular file: SIGN_EIO).
 */
int signp_policy_load(signp_policy **out, const char *path, sign_error *err);

/*
 * The rule that governs image (as a Pod names it) in namespace ns:
 *   - NULL when ns is one of exemptNamespaces: the image is allowed
 *     without looking at it (ns NULL or "" is never exempt);
 *   - else the most specific matching rule (see above), or the policy's
 *     default rule (index -1, action DENY) when none matches or the image is
 *     not a valid registry reference.
 * Borrowed from p.  Pure: safe from many threads on one policy.
 */
const signp_policy_rule *signp_policy_match(const signp_policy *p, const char *image,
	const char *ns);
/*
 * The same, telling an invalid image apart: SIGN_OK with *out as above, or
 * SIGN_EINVAL ("image X: <why>") for an image that is not a registry
 * reference (an oci: layout reference is not one).
 */
int signp_policy_match_ex(const signp_policy *p, const char *image, const char *ns,
	const signp_policy_rule **out, sign_error *err);

/* The rules in file order (borrowed), and the default rule. */
size_t signp_policy_rule_count(const signp_policy *p);
const signp_policy_rule *signp_policy_rule_at(const signp_policy *p, size_t i);
const signp_policy_rule *signp_policy_default_rule(const signp_policy *p);
/* Is ns one of exemptNamespaces? */
int signp_policy_ns_exempt(const signp_policy *p, const char *ns);

/* Names for messages and audit lines: "allow", "registry", ... */
const char *signp_policy_action_name(signp_policy_action a);
const char *signp_policy_trust_name(signp_policy_trust t);

/* NULL is a no-op. */
void signp_policy_free(signp_policy *p);

#endif

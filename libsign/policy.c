/*
 * policy.c - the admission policy (policy.h): libyaml's events into a small
 * bounded tree, the tree checked into rules, and the rule for an image.
 */
#include "policy.h"
#include "re.h"

#include "ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- the document as a tree ---- */

enum { YN_SCALAR, YN_SEQ, YN_MAP };

typedef struct ynode {
	int kind;
	unsigned long line;      /* 1-based */
	char *str;               /* scalar */
	size_t len;
	struct ynode **kids;     /* seq: items; map: key, value, key, value... */
	size_t n, cap;
} ynode;

static void ynode_free(ynode *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->n; i++)
		ynode_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

static int ynode_add(ynode *parent, ynode *kid)
{
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		ynode **k = realloc(parent->kids, cap * sizeof(*k));
		if (k == NULL)
			return -1;
		parent->kids = k;
		parent->cap = cap;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

typedef struct pctx {
	const char *origin;
	sign_error *err;
} pctx;

/* "policy ORIGIN: WHERE: WHY (line N)" */
static int perr(const pctx *c, const ynode *at, const char *fmt, ...) SIGN_ATTR_PRINTF(3, 4);
static int perr(const pctx *c, const ynode *at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at != NULL)
		return signp_err(c->err, SIGN_EFORMAT, "policy %s: %s (line %lu)", c->origin, msg,
			at->line);
	return signp_err(c->err, SIGN_EFORMAT, "policy %s: %s", c->origin, msg);
}

static int yaml_failed(const pctx *c, const yaml_parser_t *y)
{
	if (y->error == YAML_MEMORY_ERROR)
		return signp_err(c->err, SIGN_ENOMEM, "policy %s: out of memory", c->origin);
	char why[256];
	signp_clean_copy(why, sizeof(why), y->problem ? y->problem : "syntax error",
		strlen(y->problem ? y->problem : "syntax error"));
	if (y->context != NULL) {
		char ctx[128];
		signp_clean_copy(ctx, sizeof(ctx), y->context, strlen(y->context));
		return signp_err(c->err, SIGN_EFORMAT, "policy %s: not valid YAML: %s %s (line %lu)",
			c->origin, why, ctx, (unsigned long)y->problem_mark.line + 1);
	}
	return signp_err(c->err, SIGN_EFORMAT, "policy %s: not valid YAML: %s (line %lu)", c->origin,
		why, (unsigned long)y->problem_mark.line + 1);
}

/* The one document of data as a tree (*root NULL for an empty stream). */
static int load_tree(ynode **root, const void *data, size_t len, const pctx *c)
{
	yaml_parser_t y;
	yaml_event_t ev;
	ynode *stack[SIGNP_POLICY_MAX_DEPTH];
	size_t depth = 0, nodes = 0;
	int docs = 0, done = 0, r = SIGN_EFORMAT;
	ynode *top = NULL;

	*root = NULL;
	if (!yaml_parser_initialize(&y))
		return signp_err(c->err, SIGN_ENOMEM, "policy %s: out of memory", c->origin);
	yaml_parser_set_input_string(&y, data, len);
	while (!done) {
		ynode *n = NULL;
		if (!yaml_parser_parse(&y, &ev)) {
			r = yaml_failed(c, &y);
			goto out;
		}
		unsigned long line = (unsigned long)ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				yaml_event_delete(&ev);
				r = signp_err(c->err, SIGN_EFORMAT,
					"policy %s: more than one YAML document (line %lu)", c->origin, line);
				goto out;
			}
			break;
		case YAML_ALIAS_EVENT:
			yaml_event_delete(&ev);
			r = signp_err(c->err, SIGN_EFORMAT,
				"policy %s: YAML aliases are not supported (line %lu)", c->origin, line);
			goto out;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++nodes > SIGNP_POLICY_MAX_NODES) {
				yaml_event_delete(&ev);
				r = signp_err(c->err, SIGN_EFORMAT, "policy %s: more than %d YAML nodes",
					c->origin, SIGNP_POLICY_MAX_NODES);
				goto out;
			}
			if (ev.type != YAML_SCALAR_EVENT && depth == SIGNP_POLICY_MAX_DEPTH) {
				yaml_event_delete(&ev);
				r = signp_err(c->err, SIGN_EFORMAT,
					"policy %s: nested deeper than %d levels (line %lu)", c->origin,
					SIGNP_POLICY_MAX_DEPTH, line);
				goto out;
			}
			if ((n = calloc(1, sizeof(*n))) == NULL)
				goto nomem;
			n->line = line;
			if (ev.type == YAML_SCALAR_EVENT) {
				n->kind = YN_SCALAR;
				n->len = ev.data.scalar.length;
				if ((n->str = malloc(n->len + 1)) == NULL) {
					free(n);
					goto nomem;
				}
				if (n->len > 0)
					memcpy(n->str, ev.data.scalar.value, n->len);
				n->str[n->len] = '\0';
			} else {
				n->kind = ev.type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP;
			}
			if (depth == 0 && top != NULL) { /* cannot happen: one document, one root */
				ynode_free(n);
				yaml_event_delete(&ev);
				r = signp_err(c->err, SIGN_EFORMAT, "policy %s: more than one root node",
					c->origin);
				goto out;
			} else if (depth == 0) {
				top = n;
			} else if (ynode_add(stack[depth - 1], n) != 0) {
				ynode_free(n);
				goto nomem;
			}
			if (n->kind != YN_SCALAR)
				stack[depth++] = n;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	*root = top;
	top = NULL;
	r = SIGN_OK;
	goto out;
nomem:
	yaml_event_delete(&ev);
	r = signp_err(c->err, SIGN_ENOMEM, "policy %s: out of memory", c->origin);
out:
	ynode_free(top);
	yaml_parser_delete(&y);
	return r;
}

/* ---- the policy ---- */

typedef struct pattern {
	const char *text;   /* owned by the rule */
	size_t prefix;      /* literal characters before the first '*' */
	int exact;          /* no '*' */
	size_t order;       /* position in the file, for ties */
	const signp_policy_rule *rule;
} pattern;

struct signp_policy {
	signp_policy_rule *rules;
	size_t n_rules;
	signp_policy_rule deflt;
	pattern *patterns;  /* most specific first */
	size_t n_patterns;
	char **exempt;
	size_t n_exempt;
};

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static void rule_clear(signp_policy_rule *r)
{
	free_list(r->images, r->n_images);
	free_list(r->root_keys, r->n_root_keys);
	free_list(r->signers, r->n_signers);
	free((char *)r->name);
	free((char *)r->root_ca);
	free((char *)r->server);
	free((char *)r->key);
	free((char *)r->layout);
	free((char *)r->identity);
	free((char *)r->identity_re);
	free((char *)r->issuer);
	free((char *)r->issuer_re);
	free((char *)r->trusted_root);
}

void signp_policy_free(signp_policy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		rule_clear(&p->rules[i]);
	free(p->rules);
	free(p->patterns);
	free_list(p->exempt, p->n_exempt);
	free(p);
}

static const char *kind_name(const ynode *n)
{
	return n->kind == YN_MAP ? "a mapping" : n->kind == YN_SEQ ? "a list" : "a string";
}

/* A string value: a scalar, not empty, no NUL, bounded.  New in *out. */
static int get_string(const pctx *c, const ynode *n, const char *where, char **out)
{
	if (n->kind != YN_SCALAR)
		return perr(c, n, "%s: expected a string, not %s", where, kind_name(n));
	if (n->len == 0)
		return perr(c, n, "%s: empty", where);
	if (n->len > SIGNP_POLICY_MAX_STRING)
		return perr(c, n, "%s: longer than %d bytes", where, SIGNP_POLICY_MAX_STRING);
	if (memchr(n->str, '\0', n->len) != NULL)
		return perr(c, n, "%s: holds a NUL byte", where);
	if ((*out = signp_strdup(n->str)) == NULL)
		return signp_err(c->err, SIGN_ENOMEM, "policy %s: out of memory", c->origin);
	return SIGN_OK;
}

/* A list of strings, 1..max of them (0..SIGNP_POLICY_MAX_ITEMS when max is 0:
 * exemptNamespaces: [] says "none").  check (may be NULL) vets each. */
typedef int (*item_check)(const pctx *c, const ynode *n, const char *where, char **s);

static int get_list(const pctx *c, const ynode *n, const char *where, size_t max, item_check check,
	char ***out, size_t *count)
{
	char item[96];
	if (n->kind != YN_SEQ)
		return perr(c, n, "%s: expected a list, not %s", where, kind_name(n));
	if (n->n == 0 && max > 0)
		return perr(c, n, "%s: empty list", where);
	if (n->n == 0)
		return SIGN_OK; /* max 0: an empty list is welcome */
	if (max == 0)
		max = SIGNP_POLICY_MAX_ITEMS;
	if (n->n > max)
		return perr(c, n, "%s: more than %zu entries", where, max);
	if ((*out = calloc(n->n, sizeof(char *))) == NULL)
		return signp_err(c->err, SIGN_ENOMEM, "policy %s: out of memory", c->origin);
	for (size_t i = 0; i < n->n; i++) {
		int r;
		snprintf(item, sizeof(item), "%s[%zu]", where, i);
		if ((r = get_string(c, n->kids[i], item, &(*out)[i])) != SIGN_OK)
			return r;
		*count = i + 1;
		if (check != NULL && (r = check(c, n->kids[i], item, &(*out)[i])) != SIGN_OK)
			return r;
	}
	return SIGN_OK;
}

/* Is the first component of a name a registry host (as the docker grammar
 * decides: a '.' or ':', "localhost", an IPv6 bracket, or an upper-case
 * letter)? */
static int looks_like_host(const char *s, size_t n)
{
	if (n == 9 && memcmp(s, "localhost", 9) == 0)
		return 1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.' || s[i] == ':' || s[i] == '[' || (s[i] >= 'A' && s[i] <= 'Z'))
			return 1;
	}
	return 0;
}

/* An image pattern: an exact one is normalised (nginx -> docker.io/library/nginx). */
static int check_pattern(const pctx *c, const ynode *n, const char *where, char **s)
{
	const char *p = *s;
	if (strlen(p) > SIGNP_POLICY_MAX_PATTERN)
		return perr(c, n, "%s: longer than %d characters", where, SIGNP_POLICY_MAX_PATTERN);
	for (const char *q = p; *q; q++) {
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f || *q == '@')
			return perr(c, n, "%s: \"%.80s\" is not an image pattern (a repository name, "
				"'*' for any characters)", where, p);
	}
	const char *star = strchr(p, '*'), *slash = strchr(p, '/');
	if (star != NULL && slash != NULL && slash < star && !looks_like_host(p, (size_t)(slash - p)))
		return perr(c, n, "%s: \"%.80s\" can match no image: a pattern with '*' is matched "
			"against the full name, host first (such as docker.io/%.*s*)",
			where, p, (int)(star - p > 40 ? 40 : star - p), p);
	if (star != NULL)
		return SIGN_OK;
	signp_ref *ref = malloc(sizeof(*ref));
	sign_error e;
	int r;
	if (ref == NULL)
		return signp_err(c->err, SIGN_ENOMEM, "policy %s: out of memory", c->origin);
	memset(&e, 0, sizeof(e));
	if (signp_ref_parse(ref, p, NULL, &e) != SIGN_OK)
		r = perr(c, n, "%s: %s", where, e.message);
	else if (ref->layout || ref->tag[0] || ref->digest[0])
		r = perr(c, n, "%s: \"%.80s\" names a tag, digest or layout: a pattern names "
			"repositories", where, p);
	else
		r = SIGN_OK;
	if (r == SIGN_OK && strcmp(ref->gun, p) != 0) {
		char *norm = signp_strdup(ref->gun);
		if (norm == NULL) {
			r = signp_err(c->err, SIGN_ENOMEM, "policy %s: out of memory", c->origin);
		} else {
			free(*s);
			*s = norm;
		}
	}
	free(ref);
	return r;
}

static int check_signer(const pctx *c, const ynode *n, const char *where, char **s)
{
	const char *p = *s;
	if (strcmp(p, "targets") == 0)
		return SIGN_OK;
	if (!signp_str_has_prefix(p, "targets/") || p[8] == '\0' || strlen(p) > 255 ||
		strstr(p, "..") != NULL || p[strlen(p) - 1] == '/')
		return perr(c, n, "%s: \"%.80s\" is not a delegation role (targets or targets/NAME)",
			where, p);
	for (const char *q = p; *q; q++) {
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
			return perr(c, n, "%s: \"%.80s\" is not a delegation role (targets or "
				"targets/NAME)", where, p);
	}
	return SIGN_OK;
}

static int check_namespace(const pctx *c, const ynode *n, const char *where, char **s)
{
	const char *p = *s;
	size_t len = strlen(p);
	int ok = len <= 63 && p[0] != '-' && p[len - 1] != '-';
	for (const char *q = p; ok && *q; q++)
		ok = (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-';
	if (!ok)
		return perr(c, n, "%s: \"%.80s\" is not a namespace name", where, p);
	return SIGN_OK;
}

/* The keys of a rule. */
enum {
	K_IMAGES, K_NAME, K_ACTION, K_TRUST, K_ROOTKEYS, K_ROOTCA, K_SIGNERS, K_THRESHOLD,
	K_SERVER, K_KEY, K_LAYOUT, K_IDENTITY, K_IDENTITY_RE, K_ISSUER, K_ISSUER_RE, K_TRUSTED_ROOT,
	K_COUNT
};
static const char *const rule_keys[K_COUNT] = {
	"images", "name", "action", "trust", "rootKeys", "rootCA", "signers", "threshold",
	"server", "key", "layout", "identity", "identityRegexp", "issuer", "issuerRegexp",
	"trustedRoot",
};

/* Which trust kinds take which option. */
static int option_fits(int k, signp_policy_trust t)
{
	switch (k) {
	case K_ROOTKEYS:
	case K_ROOTCA:
	case K_SIGNERS:
	case K_THRESHOLD:
		return t == SIGNP_POLICY_TRUST_REGISTRY || t == SIGNP_POLICY_TRUST_NOTARY ||
			t == SIGNP_POLICY_TRUST_LAYOUT;
	case K_SERVER:
		return t == SIGNP_POLICY_TRUST_NOTARY;
	case K_KEY:
		return t == SIGNP_POLICY_TRUST_KEY;
	case K_LAYOUT:
		return t == SIGNP_POLICY_TRUST_LAYOUT;
	case K_IDENTITY:
	case K_IDENTITY_RE:
	case K_ISSUER:
	case K_ISSUER_RE:
	case K_TRUSTED_ROOT:
		return t == SIGNP_POLICY_TRUST_KEYLESS;
	default:
		return 1;
	}
}

static int parse_rule(const pctx *c, const ynode *n, size_t idx, signp_policy_rule *rule,
	size_t *n_patterns)
{
	const ynode *val[K_COUNT] = { 0 };
	char where[96], *s = NULL;
	int r;

	rule->index = (int)idx;
	rule->line = n->line;
	if (n->kind != YN_MAP)
		return perr(c, n, "rules[%zu]: expected a mapping, not %s", idx, kind_name(n));
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const ynode *k = n->kids[i];
		int which = -1;
		if (k->kind != YN_SCALAR)
			return perr(c, k, "rules[%zu]: a key is %s, not a string", idx, kind_name(k));
		for (int j = 0; j < K_COUNT; j++) {
			if (strlen(k->str) == k->len && strcmp(k->str, rule_keys[j]) == 0)
				which = j;
		}
		if (which < 0) {
			char name[64];
			signp_clean_copy(name, sizeof(name), k->str, k->len);
			return perr(c, k, "rules[%zu].%s: unknown key (images, name, action, trust, "
				"rootKeys, rootCA, signers, threshold, server, key, layout, identity, "
				"identityRegexp, issuer, issuerRegexp, trustedRoot)", idx, name);
		}
		if (val[which] != NULL)
			return perr(c, k, "rules[%zu].%s: given twice", idx, rule_keys[which]);
		val[which] = n->kids[i + 1];
	}
	if (val[K_IMAGES] == NULL)
		return perr(c, n, "rules[%zu]: no images", idx);
	snprintf(where, sizeof(where), "rules[%zu].images", idx);
	if ((r = get_list(c, val[K_IMAGES], where, SIGNP_POLICY_MAX_ITEMS, check_pattern,
		&rule->images, &rule->n_images)) != SIGN_OK)
		return r;
	if ((*n_patterns += rule->n_images) > SIGNP_POLICY_MAX_ITEMS)
		return perr(c, val[K_IMAGES], "rules[%zu].images: more than %d image patterns in all",
			idx, SIGNP_POLICY_MAX_ITEMS);
	if (val[K_NAME] != NULL) {
		snprintf(where, sizeof(where), "rules[%zu].name", idx);
		if ((r = get_string(c, val[K_NAME], where, &s)) != SIGN_OK)
			return r;
		rule->name = s;
		s = NULL;
	}
	if (val[K_ACTION] != NULL && val[K_TRUST] != NULL)
		return perr(c, val[K_TRUST], "rules[%zu]: both action and trust: a rule either "
			"decides (action) or verifies (trust)", idx);
	if (val[K_ACTION] == NULL && val[K_TRUST] == NULL)
		return perr(c, n, "rules[%zu]: neither action (allow, deny) nor trust (registry, "
			"notary, key, layout, keyless)", idx);
	if (val[K_ACTION] != NULL) {
		snprintf(where, sizeof(where), "rules[%zu].action", idx);
		if ((r = get_string(c, val[K_ACTION], where, &s)) != SIGN_OK)
			return r;
		if (strcmp(s, "allow") == 0)
			rule->action = SIGNP_POLICY_ALLOW;
		else if (strcmp(s, "deny") == 0)
			rule->action = SIGNP_POLICY_DENY;
		else
			r = perr(c, val[K_ACTION], "%s: \"%.40s\" is not allow or deny", where, s);
		free(s);
		if (r != SIGN_OK)
			return r;
		for (int k = K_ROOTKEYS; k < K_COUNT; k++) {
			if (val[k] != NULL)
				return perr(c, val[k], "rules[%zu].%s: only a rule with trust takes it",
					idx, rule_keys[k]);
		}
		return SIGN_OK;
	}
	rule->action = SIGNP_POLICY_VERIFY;
	snprintf(where, sizeof(where), "rules[%zu].trust", idx);
	if ((r = get_string(c, val[K_TRUST], where, &s)) != SIGN_OK)
		return r;
	if (strcmp(s, "registry") == 0)
		rule->trust = SIGNP_POLICY_TRUST_REGISTRY;
	else if (strcmp(s, "notary") == 0)
		rule->trust = SIGNP_POLICY_TRUST_NOTARY;
	else if (strcmp(s, "key") == 0)
		rule->trust = SIGNP_POLICY_TRUST_KEY;
	else if (strcmp(s, "layout") == 0)
		rule->trust = SIGNP_POLICY_TRUST_LAYOUT;
	else if (strcmp(s, "keyless") == 0)
		rule->trust = SIGNP_POLICY_TRUST_KEYLESS;
	else
		r = perr(c, val[K_TRUST], "%s: \"%.40s\" is not registry, notary, key, layout or "
			"keyless", where, s);
	free(s);
	if (r != SIGN_OK)
		return r;
	for (int k = K_ROOTKEYS; k < K_COUNT; k++) {
		if (val[k] != NULL && !option_fits(k, rule->trust))
			return perr(c, val[k], "rules[%zu].%s: not an option of trust: %s", idx,
				rule_keys[k], signp_policy_trust_name(rule->trust));
	}
	if (rule->trust == SIGNP_POLICY_TRUST_NOTARY && val[K_SERVER] == NULL)
		return perr(c, n, "rules[%zu]: trust: notary needs server (the Notary server URL)",
			idx);
	if (rule->trust == SIGNP_POLICY_TRUST_KEY && val[K_KEY] == NULL)
		return perr(c, n, "rules[%zu]: trust: key needs key (a cosign public key file)", idx);
	if (rule->trust == SIGNP_POLICY_TRUST_LAYOUT && val[K_LAYOUT] == NULL)
		return perr(c, n, "rules[%zu]: trust: layout needs layout (an OCI layout folder)",
			idx);
	if (rule->trust == SIGNP_POLICY_TRUST_KEYLESS) {
		if ((val[K_IDENTITY] == NULL) == (val[K_IDENTITY_RE] == NULL))
			return perr(c, n, "rules[%zu]: trust: keyless needs one of identity and "
				"identityRegexp (the certificate's SAN)", idx);
		if ((val[K_ISSUER] == NULL) == (val[K_ISSUER_RE] == NULL))
			return perr(c, n, "rules[%zu]: trust: keyless needs one of issuer and "
				"issuerRegexp (the OIDC issuer)", idx);
	}
	if (val[K_ROOTKEYS] != NULL) {
		snprintf(where, sizeof(where), "rules[%zu].rootKeys", idx);
		if ((r = get_list(c, val[K_ROOTKEYS], where, SIGNP_POLICY_MAX_LIST, NULL,
			&rule->root_keys, &rule->n_root_keys)) != SIGN_OK)
			return r;
	}
	if (val[K_SIGNERS] != NULL) {
		snprintf(where, sizeof(where), "rules[%zu].signers", idx);
		if ((r = get_list(c, val[K_SIGNERS], where, SIGNP_POLICY_MAX_LIST, check_signer,
			&rule->signers, &rule->n_signers)) != SIGN_OK)
			return r;
		for (size_t i = 0; i < rule->n_signers; i++) {
			for (size_t j = 0; j < i; j++) {
				if (strcmp(rule->signers[i], rule->signers[j]) == 0)
					return perr(c, val[K_SIGNERS]->kids[i],
						"rules[%zu].signers[%zu]: %s listed twice", idx, i,
						rule->signers[i]);
			}
		}
		rule->threshold = (unsigned)rule->n_signers;
	}
	if (val[K_THRESHOLD] != NULL) {
		const ynode *t = val[K_THRESHOLD];
		unsigned long v = 0;
		int ok = t->kind == YN_SCALAR && t->len > 0 && t->len <= 4;
		for (size_t i = 0; ok && i < t->len; i++) {
			ok = t->str[i] >= '0' && t->str[i] <= '9';
			v = v * 10 + (unsigned long)(t->str[i] - '0');
		}
		if (!ok)
			return perr(c, t, "rules[%zu].threshold: expected a whole number", idx);
		if (rule->n_signers == 0)
			return perr(c, t, "rules[%zu].threshold: only with signers", idx);
		if (v < 1 || v > rule->n_signers)
			return perr(c, t, "rules[%zu].threshold: %lu is not between 1 and the %zu "
				"signers", idx, v, rule->n_signers);
		rule->threshold = (unsigned)v;
	}
	struct { int k; const char **dst; } one[] = {
		{ K_ROOTCA, &rule->root_ca }, { K_SERVER, &rule->server },
		{ K_KEY, &rule->key }, { K_LAYOUT, &rule->layout },
		{ K_IDENTITY, &rule->identity }, { K_IDENTITY_RE, &rule->identity_re },
		{ K_ISSUER, &rule->issuer }, { K_ISSUER_RE, &rule->issuer_re },
		{ K_TRUSTED_ROOT, &rule->trusted_root },
	};
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		if (val[one[i].k] == NULL)
			continue;
		snprintf(where, sizeof(where), "rules[%zu].%s", idx, rule_keys[one[i].k]);
		if ((r = get_string(c, val[one[i].k], where, &s)) != SIGN_OK)
			return r;
		*one[i].dst = s;
		s = NULL;
	}
	for (int k = K_IDENTITY_RE; k <= K_ISSUER_RE; k += K_ISSUER_RE - K_IDENTITY_RE) {
		const char *re_text = k == K_IDENTITY_RE ? rule->identity_re : rule->issuer_re;
		regex_t re;
		char why[128];
		if (re_text == NULL)
			continue;
		if (signp_regcomp(&re, re_text, why, sizeof(why)) != SIGN_OK)
			return perr(c, val[k], "rules[%zu].%s: \"%.80s\" is not a POSIX extended regular "
				"expression (%s)", idx, rule_keys[k], re_text, why);
		regfree(&re);
	}
	if (rule->server != NULL && !signp_str_has_prefix(rule->server, "https://") &&
		!signp_str_has_prefix(rule->server, "http://"))
		return perr(c, val[K_SERVER], "rules[%zu].server: \"%.80s\" is not an http:// or "
			"https:// URL", idx, rule->server);
	if (rule->server != NULL && strpbrk(rule->server, " \t\r\n") != NULL)
		return perr(c, val[K_SERVER], "rules[%zu].server: holds white space", idx);
	return SIGN_OK;
}

/* Most specific first: exact, then the longer prefix, then file order. */
static int pattern_cmp(const void *a, const void *b)
{
	const pattern *x = a, *y = b;
	if (x->exact != y->exact)
		return x->exact ? -1 : 1;
	if (x->prefix != y->prefix)
		return x->prefix > y->prefix ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int build_patterns(signp_policy *p, size_t total, const pctx *c)
{
	size_t k = 0;
	if (total == 0)
		return SIGN_OK;
	if ((p->patterns = calloc(total, sizeof(*p->patterns))) == NULL)
		return signp_err(c->err, SIGN_ENOMEM, "policy %s: out of memory", c->origin);
	for (size_t i = 0; i < p->n_rules; i++) {
		for (size_t j = 0; j < p->rules[i].n_images; j++, k++) {
			const char *t = p->rules[i].images[j];
			const char *star = strchr(t, '*');
			p->patterns[k].text = t;
			p->patterns[k].exact = star == NULL;
			p->patterns[k].prefix = star ? (size_t)(star - t) : strlen(t);
			p->patterns[k].order = k;
			p->patterns[k].rule = &p->rules[i];
		}
	}
	p->n_patterns = k;
	qsort(p->patterns, p->n_patterns, sizeof(*p->patterns), pattern_cmp);
	return SIGN_OK;
}

int signp_policy_parse(signp_policy **out, const void *data, size_t len, const char *origin,
	sign_error *err)
{
	pctx c = { origin ? origin : "(policy)", err };
	ynode *root = NULL;
	signp_policy *p = NULL;
	const ynode *rules = NULL, *exempt = NULL;
	size_t total = 0;
	int r;

	if (out == NULL)
		return signp_err(err, SIGN_EINVAL, "policy: no place for the result");
	*out = NULL;
	if (data == NULL && len > 0)
		return signp_err(err, SIGN_EINVAL, "policy %s: no data", c.origin);
	if (len > SIGNP_POLICY_MAX_BYTES)
		return perr(&c, NULL, "larger than %u bytes", SIGNP_POLICY_MAX_BYTES);
	if ((r = load_tree(&root, data ? data : "", len, &c)) != SIGN_OK)
		return r;
	if (root == NULL || (root->kind == YN_SCALAR && root->len == 0)) {
		r = perr(&c, NULL, "empty document: expected a mapping with rules");
		goto out;
	}
	if (root->kind != YN_MAP) {
		r = perr(&c, root, "expected a mapping with rules, not %s", kind_name(root));
		goto out;
	}
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		const ynode *k = root->kids[i];
		if (k->kind == YN_SCALAR && strlen(k->str) == k->len && strcmp(k->str, "rules") == 0) {
			if (rules != NULL) {
				r = perr(&c, k, "rules: given twice");
				goto out;
			}
			rules = root->kids[i + 1];
		} else if (k->kind == YN_SCALAR && strlen(k->str) == k->len &&
			strcmp(k->str, "exemptNamespaces") == 0) {
			if (exempt != NULL) {
				r = perr(&c, k, "exemptNamespaces: given twice");
				goto out;
			}
			exempt = root->kids[i + 1];
		} else if (k->kind == YN_SCALAR) {
			char name[64];
			signp_clean_copy(name, sizeof(name), k->str, k->len);
			r = perr(&c, k, "%s: unknown key (rules, exemptNamespaces)", name);
			goto out;
		} else {
			r = perr(&c, k, "a key is %s, not a string", kind_name(k));
			goto out;
		}
	}
	if (rules == NULL) {
		r = perr(&c, root, "no rules");
		goto out;
	}
	if (rules->kind != YN_SEQ) {
		r = perr(&c, rules, "rules: expected a list, not %s", kind_name(rules));
		goto out;
	}
	if (rules->n > SIGNP_POLICY_MAX_ITEMS) {
		r = perr(&c, rules, "rules: more than %d rules", SIGNP_POLICY_MAX_ITEMS);
		goto out;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
		(rules->n > 0 && (p->rules = calloc(rules->n, sizeof(*p->rules))) == NULL)) {
		r = signp_err(err, SIGN_ENOMEM, "policy %s: out of memory", c.origin);
		goto out;
	}
	p->deflt.index = -1;
	p->deflt.action = SIGNP_POLICY_DENY;
	for (size_t i = 0; i < rules->n; i++) {
		p->n_rules = i + 1;
		if ((r = parse_rule(&c, rules->kids[i], i, &p->rules[i], &total)) != SIGN_OK)
			goto out;
	}
	if (exempt != NULL && (r = get_list(&c, exempt, "exemptNamespaces", 0,
		check_namespace, &p->exempt, &p->n_exempt)) != SIGN_OK)
		goto out;
	if ((r = build_patterns(p, total, &c)) != SIGN_OK)
		goto out;
	*out = p;
	p = NULL; /* transferred */
	r = SIGN_OK;
out:
	signp_policy_free(p);
	ynode_free(root);
	return r;
}

int signp_policy_load(signp_policy **out, const char *path, sign_error *err)
{
	sign_buf b = { 0 };
	int r;
	if (out == NULL || path == NULL)
		return signp_err(err, SIGN_EINVAL, "policy: no file");
	*out = NULL;
	if ((r = signp_read_file_ex(&b, path, SIGNP_POLICY_MAX_BYTES, SIGNP_READ_FOREIGN, err)) != SIGN_OK) {
		sign_buf_dispose(&b);
		return signp_err_prefix(err, r, "policy");
	}
	r = signp_policy_parse(out, b.ptr, b.size, path, err);
	sign_buf_dispose(&b);
	return r;
}

/* ---- matching ---- */

/* Does s match pat, where '*' is any run of characters?  Linear in
 * |s| * |pat| at worst (one back-track point, the last '*'). */
static int glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *retry = NULL;
	while (*s) {
		if (*pat == '*') {
			star = pat++;
			retry = s;
		} else if (*pat == *s) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++retry;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

int signp_policy_ns_exempt(const signp_policy *p, const char *ns)
{
	if (p == NULL || ns == NULL || ns[0] == '\0')
		return 0;
	for (size_t i = 0; i < p->n_exempt; i++) {
		if (strcmp(p->exempt[i], ns) == 0)
			return 1;
	}
	return 0;
}

int signp_policy_match_ex(const signp_policy *p, const char *image, const char *ns,
	const signp_policy_rule **out, sign_error *err)
{
	signp_ref *ref;
	int r;
	if (out == NULL)
		return signp_err(err, SIGN_EINVAL, "policy match: no place for the result");
	*out = NULL;
	if (p == NULL || image == NULL)
		return signp_err(err, SIGN_EINVAL, "policy match: no policy or image");
	if (signp_policy_ns_exempt(p, ns))
		return SIGN_OK;
	*out = &p->deflt;
	if ((ref = malloc(sizeof(*ref))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "policy match: out of memory");
	if ((r = signp_ref_parse(ref, image, NULL, err)) != SIGN_OK) {
		r = signp_err_prefix_as(err, SIGN_EINVAL, "image %.300s", image);
		goto out;
	}
	if (ref->layout) {
		r = signp_err(err, SIGN_EINVAL, "image %.300s: not a registry reference", image);
		goto out;
	}
	for (size_t i = 0; i < p->n_patterns; i++) {
		const pattern *pt = &p->patterns[i];
		if (pt->exact ? strcmp(pt->text, ref->gun) == 0 : glob_match(pt->text, ref->gun)) {
			*out = pt->rule;
			break;
		}
	}
	r = SIGN_OK;
out:
	free(ref);
	return r;
}

const signp_policy_rule *signp_policy_match(const signp_policy *p, const char *image,
	const char *ns)
{
	const signp_policy_rule *rule = NULL;
	if (p == NULL)
		return NULL;
	if (signp_policy_match_ex(p, image, ns, &rule, NULL) != SIGN_OK)
		return &p->deflt;
	return rule;
}

size_t signp_policy_rule_count(const signp_policy *p)
{
	return p ? p->n_rules : 0;
}

const signp_policy_rule *signp_policy_rule_at(const signp_policy *p, size_t i)
{
	return p && i < p->n_rules ? &p->rules[i] : NULL;
}

const signp_policy_rule *signp_policy_default_rule(const signp_policy *p)
{
	return p ? &p->deflt : NULL;
}

const char *signp_policy_action_name(signp_policy_action a)
{
	switch (a) {
	case SIGNP_POLICY_VERIFY:
		return "verify";
	case SIGNP_POLICY_ALLOW:
		return "allow";
	case SIGNP_POLICY_DENY:
		return "deny";
	}
	return "?";
}

const char *signp_policy_trust_name(signp_policy_trust t)
{
	switch (t) {
	case SIGNP_POLICY_TRUST_NONE:
		return "none";
	case SIGNP_POLICY_TRUST_REGISTRY:
		return "registry";
	case SIGNP_POLICY_TRUST_NOTARY:
		return "notary";
	case SIGNP_POLICY_TRUST_KEY:
		return "key";
	case SIGNP_POLICY_TRUST_LAYOUT:
		return "layout";
	case SIGNP_POLICY_TRUST_KEYLESS:
		return "keyless";
	}
	return "?";
}

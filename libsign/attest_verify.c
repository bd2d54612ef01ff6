/*
 * attest_verify.c - sign_verify_attestation: the image verified as
 * sign_verify does, then its attestations of one type (attest_verify.h)
 * checked with the keys that verified it.
 */
#include "attest.h"
#include "attest_verify.h"
#include "cosign.h"
#include "intoto.h"
#include "mediatype.h"
#include "verify.h"

#include <stdlib.h>
#include <string.h>

/* ---- the keyed verifier ---- */

static int keys_check(const signp_att_verifier *v, const signp_att_evidence *e, char who[256],
	sign_error *err)
{
	const signp_att_keys *k = v->arg;
	int64_t need = k->threshold < 1 ? 1 : k->threshold, got = 0;
	who[0] = '\0';
	for (size_t i = 0; i < k->n; i++) {
		if (signp_dsse_verify(e->env, k->pkeys[i], NULL) != SIGN_OK)
			continue;
		if (got++ == 0)
			signp_strlcpy(who, k->ids[i], 256);
	}
	if (got >= need)
		return SIGN_OK;
	if (got == 0)
		return signp_err(err, SIGN_EVERIFY, "its envelope is signed by no key the trust data authorises "
			"(%zu signature(s), %zu key(s))", e->env->nsigs, k->n);
	return signp_err(err, SIGN_EVERIFY, "its envelope is signed by %lld authorised key(s), %lld needed",
		(long long)got, (long long)need);
}

void signp_att_verifier_keys(signp_att_verifier *v, const signp_att_keys *keys)
{
	v->check = keys_check;
	v->arg = keys;
}

/* ---- finding them ---- */

/* Why the attestations looked at did not count: the furthest any got. */
enum att_stage { ST_NONE, ST_UNREADABLE, ST_UNSIGNED, ST_MALFORMED, ST_OTHER_TYPE, ST_OTHER_SUBJECT };

typedef struct att_search {
	signp_store *st;
	const char *digest, *type_uri;
	const signp_att_verifier *v;
	json_t *found;       /* the array being filled */
	json_t *seen;        /* envelope digests looked at (an object used as a set) */
	json_t *types;       /* the signed predicate types of other types (a set) */
	size_t checked;
	enum att_stage stage;
	sign_error why;      /* the message of the furthest stage */
} att_search;

static void note(att_search *s, enum att_stage stage, const sign_error *e)
{
	if (stage < s->stage)
		return;
	s->stage = stage;
	if (e != NULL)
		s->why = *e;
}

/* One envelope blob: read, verified, its statement checked. */
static int check_layer(att_search *s, const signp_att_layer *l, const char *source)
{
	sign_buf blob = SIGN_BUF_INIT, inner = SIGN_BUF_INIT;
	const sign_buf *envjson = &blob;
	json_t *bundle = NULL;
	signp_dsse *env = NULL;
	signp_intoto *stmt = NULL;
	signp_att_evidence ev;
	sign_error e;
	char who[256];
	json_t *item;
	int r;

	memset(&e, 0, sizeof(e));
	if (json_object_get(s->seen, l->digest) != NULL || s->checked >= SIGNP_ATT_MAX_CHECKED)
		return SIGN_OK;
	s->checked++;
	json_object_set_new(s->seen, l->digest, json_true());
	if ((r = signp_store_get_blob_ex(s->st, l->digest, SIGNP_ATT_MAX_ENVELOPE, 0, &blob, &e)) != SIGN_OK) {
		if (r == SIGN_ENOMEM)
			goto out;
		signp_err_prefix(&e, SIGN_EVERIFY, "reading the envelope %s", l->digest);
		note(s, ST_UNREADABLE, &e);
		r = SIGN_OK;
		goto out;
	}
	if (l->bundle) {
		/* cosign v3's form: the envelope inside a Sigstore bundle */
		if ((r = signp_attest_bundle_envelope(&inner, &bundle, blob.ptr, blob.size, &e)) != SIGN_OK) {
			if (r == SIGN_ENOMEM)
				goto out;
			note(s, ST_UNREADABLE, &e);
			r = SIGN_OK;
			goto out;
		}
		envjson = &inner;
	}
	if ((r = signp_dsse_parse(&env, envjson->ptr, envjson->size, &e)) != SIGN_OK) {
		if (r == SIGN_ENOMEM)
			goto out;
		note(s, ST_UNREADABLE, &e);
		r = SIGN_OK;
		goto out;
	}
	/* who signed it first: nothing unsigned is read further */
	ev.env = env;
	ev.annotations = l->annotations;
	ev.bundle = bundle;
	ev.blob = &blob;
	if ((r = s->v->check(s->v, &ev, who, &e)) != SIGN_OK) {
		if (r == SIGN_ENOMEM)
			goto out;
		note(s, ST_UNSIGNED, &e);
		r = SIGN_OK;
		goto out;
	}
	if (strcmp(env->payload_type, SIGNP_INTOTO_PAYLOAD_TYPE) != 0) {
		signp_err(&e, SIGN_EVERIFY, "its payload type is \"%.100s\", not " SIGNP_INTOTO_PAYLOAD_TYPE,
			env->payload_type);
		note(s, ST_MALFORMED, &e);
		goto out;
	}
	if ((r = signp_intoto_parse(&stmt, env->payload.ptr ? env->payload.ptr : "", env->payload.size,
		     &e)) != SIGN_OK) {
		if (r == SIGN_ENOMEM)
			goto out;
		note(s, ST_MALFORMED, &e);
		r = SIGN_OK;
		goto out;
	}
	if (strcmp(stmt->predicate_type, s->type_uri) != 0) {
		json_object_set_new(s->types, stmt->predicate_type, json_true());
		note(s, ST_OTHER_TYPE, NULL);
		goto out;
	}
	if (signp_intoto_has_subject(stmt, s->digest, &e) != SIGN_OK) {
		signp_err_prefix(&e, SIGN_EVERIFY, "the attestation of type %.200s is for another image", s->type_uri);
		note(s, ST_OTHER_SUBJECT, &e);
		goto out;
	}
	item = json_pack("{s:s, s:O, s:s, s:s, s:s, s:s}", "predicateType", stmt->predicate_type,
		"predicate", stmt->predicate ? stmt->predicate : json_null(), "subject", s->digest,
		"signer", who, "source", source, "envelope", l->digest);
	if (item == NULL || json_array_append_new(s->found, item) != 0)
		r = SIGN_ENOMEM;
out:
	signp_intoto_free(stmt);
	signp_dsse_free(env);
	json_decref(bundle);
	sign_buf_dispose(&blob);
	sign_buf_dispose(&inner);
	return r;
}

/* Every DSSE layer of one manifest. */
static int check_manifest(att_search *s, const sign_buf *m, const char *source)
{
	signp_att_layer *l = NULL;
	size_t n = 0;
	int r = SIGN_OK;
	if (signp_attest_layers(&l, &n, m->ptr, m->size, NULL) != SIGN_OK)
		return SIGN_OK; /* not one of ours */
	for (size_t i = 0; i < n && r == SIGN_OK; i++)
		r = check_layer(s, &l[i], source);
	signp_attest_layers_free(l, n);
	return r;
}

static int check_one(void *arg, const sign_buf *m, const char *mdigest)
{
	(void)mdigest;
	return check_manifest(arg, m, "referrer");
}

static int check_referrers(att_search *s)
{
	return signp_store_referrers_each(s->st, s->digest, SIGNP_ATT_MAX_CHECKED, check_one, s);
}

/* "a, b, c" of the set's keys, at most ~400 characters. */
static void list_types(char *out, size_t size, const json_t *set)
{
	const char *k;
	json_t *v;
	size_t n = 0;
	out[0] = '\0';
	json_object_foreach((json_t *)set, k, v) {
		(void)v;
		if (n + strlen(k) + 8 >= size) {
			snprintf(out + n, size - n, ", ...");
			return;
		}
		n += (size_t)snprintf(out + n, size - n, "%s%s", n ? ", " : "", k);
	}
}

int signp_attest_find(json_t **found, signp_store *st, const char *digest, const char *type_uri,
	const signp_att_verifier *v, sign_error *err)
{
	att_search s;
	sign_buf m = SIGN_BUF_INIT;
	char tag[96], got[80], types[420];
	int r;

	*found = NULL;
	if (signp_attest_tag(tag, digest) != SIGN_OK || type_uri == NULL || v == NULL)
		return signp_err(err, SIGN_EINVAL, "attestations of %.80s: bad arguments", digest ? digest : "");
	memset(&s, 0, sizeof(s));
	s.st = st;
	s.digest = digest;
	s.type_uri = type_uri;
	s.v = v;
	s.found = json_array();
	s.seen = json_object();
	s.types = json_object();
	if (s.found == NULL || s.seen == NULL || s.types == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	r = signp_store_get_manifest(st, tag, SIGN_MAX_MANIFEST, &m, NULL, got, err);
	if (r != SIGN_OK && r != SIGN_ENOTFOUND) {
		signp_err_prefix(err, r, "reading the attestations %s", tag);
		goto out;
	}
	signp_err_clear(err);
	r = r == SIGN_OK ? check_manifest(&s, &m, "att") : SIGN_OK;
	if (r == SIGN_OK)
		r = check_referrers(&s);
	if (r != SIGN_OK) {
		signp_err(err, r, "reading the attestations of %s: out of memory", digest);
		goto out;
	}
	if (json_array_size(s.found) > 0) {
		*found = s.found;
		s.found = NULL;
		goto out;
	}
	r = SIGN_EVERIFY;
	switch (s.stage) {
	case ST_NONE:
		signp_err(err, r, "no attestation found (no %s tag, no referrer with one)", tag);
		break;
	case ST_OTHER_TYPE:
		list_types(types, sizeof(types), s.types);
		signp_err(err, r, "no attestation of type %.200s (%zu found): those signed by the keys are of "
			"type %s", type_uri, s.checked, types);
		break;
	default:
		signp_err(err, r, "no attestation of type %.200s verifies (%zu found): %s", type_uri, s.checked,
			s.why.message);
		break;
	}
out:
	json_decref(s.found);
	json_decref(s.seen);
	json_decref(s.types);
	sign_buf_dispose(&m);
	return r;
}

/* ---- sign_verify_attestation ---- */

typedef struct att_then {
	const char *type_uri;
	json_t *found;
} att_then;

/* After the image verified: its attestations, by the keys that verified it. */
static int then_attestations(void *arg, signp_store *st, const char *gun, const char *digest,
	EVP_PKEY *const *pkeys, const char (*ids)[72], size_t nkeys, int64_t threshold, sign_error *err)
{
	att_then *a = arg;
	signp_att_keys keys = { pkeys, ids, nkeys, threshold };
	signp_att_verifier v;
	int r;
	signp_att_verifier_keys(&v, &keys);
	r = signp_attest_find(&a->found, st, digest, a->type_uri, &v, err);
	if (r != SIGN_OK)
		signp_err_prefix(err, r, "%s@%s", gun, digest);
	return r;
}

SIGN_EXTERN(int) sign_verify_attestation(sign_verify_result *out, sign_buf *json_out, sign_ctx *ctx,
	const char *ref, const char *type, const sign_verify_options *opts, sign_error *err)
{
	att_then a = { NULL, NULL };
	signp_verify_then then = { then_attestations, &a };
	char *s = NULL;
	int r;

	signp_err_clear(err);
	if (json_out == NULL || ref == NULL)
		return signp_err(err, SIGN_EINVAL, "verify: no reference or output given");
	if ((a.type_uri = signp_attest_type_uri(type)) == NULL)
		return signp_err(err, SIGN_EINVAL, "verify: unknown predicate type \"%.100s\": use one of cosign's "
			"names (slsaprovenance, spdxjson, cyclonedx, vuln, openvex, custom, ...) or a URI",
			type ? type : "");
	r = signp_verify_ref_then(out, ctx, ref, opts, &then, err);
	if (r == SIGN_OK) {
		if ((s = json_dumps(a.found, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL ||
		    signp_buf_puts(json_out, s) != SIGN_OK) {
			r = signp_err(err, SIGN_ENOMEM, "verify: out of memory");
			sign_verify_result_dispose(out);
		}
	}
	free(s);
	json_decref(a.found);
	return r;
}

/*
 * test_attest.c - attestations in cosign's layout: predicate types, the
 * statement and its envelope, the .att layers (attest.c), and finding the
 * ones that verify in an OCI layout store (attest_verify.c), forged every
 * way a check refuses, and cosign's own attestation vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "attest.h"
#include "attest_verify.h"
#include "common.h"
#include "cosign.h"
#include "ctx.h"
#include "dsse.h"
#include "intoto.h"
#include "key.h"
#include "mediatype.h"
#include "ref.h"
#include "store.h"

#define DIGEST "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define OTHER  "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define VULN   "https://cosign.sigstore.dev/attestation/vuln/v1"
#define SLSA02 "https://slsa.dev/provenance/v0.2"
/* the subject of cosign's vectors: sha256("some-payload") */
#define VEC_DIGEST "sha256:658781cd4ed9bca60dacd09f7bb914bb51502e8b5d619f57f39a1d652596cc24"

/* The error of the last call, cleared before each (a message is set by
 * the first failure only). */
static sign_error err;
#define ERR (signp_err_clear(&err), &err)

static char dir[512];
static sign_ctx *ctx;
static signp_key *k1, *k2;
static int nlayout;

static const char *vectors(void)
{
	const char *v = getenv("VECTORS");
	return (v && *v) ? v : "tests/vectors";
}

static void read_vec(sign_buf *out, const char *name)
{
	sign_buf path = SIGN_BUF_INIT;
	assert_int_equal(signp_buf_printf(&path, "%s/cosign-attestation/%s", vectors(), name), SIGN_OK);
	signp_buf_clear(out);
	assert_int_equal(signp_read_file(out, path.ptr, 1u << 20, NULL), SIGN_OK);
	sign_buf_dispose(&path);
}

static int setup(void **state)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	char home[600];
	const char *tmp = getenv("TMPDIR");
	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_attest.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL || sign_global_init() != SIGN_OK)
		return -1;
	snprintf(home, sizeof(home), "%s/home", dir);
	o.home = home;
	memset(&err, 0, sizeof(err));
	if (sign_ctx_new(&ctx, &o, ERR) != SIGN_OK)
		return -1;
	return signp_key_generate(&k1, NULL) == SIGN_OK && signp_key_generate(&k2, NULL) == SIGN_OK ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];
	(void)state;
	signp_key_free(k1);
	signp_key_free(k2);
	sign_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static signp_store *new_layout(void)
{
	signp_store *s = NULL;
	signp_ref ref;
	char rs[700];
	memset(&err, 0, sizeof(err));
	snprintf(rs, sizeof(rs), "oci:%s/layout%d", dir, ++nlayout);
	assert_int_equal(signp_ref_parse(&ref, rs, NULL, ERR), SIGN_OK);
	assert_int_equal(signp_store_open(&s, ctx, &ref, 1, ERR), SIGN_OK);
	return s;
}

/* ---- predicate types ---- */

static void test_type_uri(void **state)
{
	(void)state;
	assert_string_equal(signp_attest_type_uri("custom"), "https://cosign.sigstore.dev/attestation/v1");
	assert_string_equal(signp_attest_type_uri("slsaprovenance"), SLSA02);
	assert_string_equal(signp_attest_type_uri("slsaprovenance02"), SLSA02);
	assert_string_equal(signp_attest_type_uri("slsaprovenance1"), "https://slsa.dev/provenance/v1");
	assert_string_equal(signp_attest_type_uri("spdx"), "https://spdx.dev/Document");
	assert_string_equal(signp_attest_type_uri("spdxjson"), "https://spdx.dev/Document");
	assert_string_equal(signp_attest_type_uri("cyclonedx"), "https://cyclonedx.org/bom");
	assert_string_equal(signp_attest_type_uri("link"), "https://in-toto.io/Link/v1");
	assert_string_equal(signp_attest_type_uri("vuln"), VULN);
	assert_string_equal(signp_attest_type_uri("openvex"), "https://openvex.dev/ns");
	assert_string_equal(signp_attest_type_uri("https://example.com/scan/v1"), "https://example.com/scan/v1");
	assert_string_equal(signp_attest_type_uri("urn:example:grype"), "urn:example:grype");
	assert_null(signp_attest_type_uri("sbom"));
	assert_null(signp_attest_type_uri("https:"));
	assert_null(signp_attest_type_uri("1http://x"));
	assert_null(signp_attest_type_uri("https://a b"));
	assert_null(signp_attest_type_uri("https://a\n"));
	assert_null(signp_attest_type_uri(""));
	assert_null(signp_attest_type_uri(NULL));
}

/* ---- the statement ---- */

static void test_statement_object(void **state)
{
	const char *pred = "  {\"matches\":[{\"cvss\":9.8,\"id\":\"CVE-1\"}],\"z\":1,\"a\":2}\n";
	sign_buf st = SIGN_BUF_INIT;
	signp_intoto *s = NULL;
	(void)state;
	assert_int_equal(signp_attest_statement(&st, "vuln", "127.0.0.1:5000/app", DIGEST, pred, strlen(pred),
		0, ERR), SIGN_OK);
	/* the predicate kept byte for byte (9.8 not rewritten, members in order) */
	assert_non_null(strstr(st.ptr, "\"predicate\":{\"matches\":[{\"cvss\":9.8,\"id\":\"CVE-1\"}],\"z\":1,\"a\":2}}"));
	assert_non_null(strstr(st.ptr, "\"_type\":\"https://in-toto.io/Statement/v1\""));
	assert_non_null(strstr(st.ptr, "\"name\":\"127.0.0.1:5000/app\""));
	assert_int_equal(signp_intoto_parse(&s, st.ptr, st.size, ERR), SIGN_OK);
	assert_string_equal(s->predicate_type, VULN);
	assert_int_equal(signp_intoto_has_subject(s, DIGEST, ERR), SIGN_OK);
	assert_int_equal(signp_intoto_has_subject(s, OTHER, ERR), SIGN_EVERIFY);
	signp_intoto_free(s);
	sign_buf_dispose(&st);
}

static void test_statement_text_forms(void **state)
{
	const char *text = "SPDXVersion: SPDX-2.3\n<&>";
	sign_buf st = SIGN_BUF_INIT;
	signp_intoto *s = NULL;
	(void)state;
	/* custom: {"Data": the text, "Timestamp"} as cosign makes it */
	assert_int_equal(signp_attest_statement(&st, "custom", "r", DIGEST, text, strlen(text), 0, ERR), SIGN_OK);
	assert_int_equal(signp_intoto_parse(&s, st.ptr, st.size, ERR), SIGN_OK);
	assert_string_equal(json_string_value(json_object_get(s->predicate, "Data")), text);
	assert_string_equal(json_string_value(json_object_get(s->predicate, "Timestamp")), "1970-01-01T00:00:00Z");
	signp_intoto_free(s);
	/* the same by its URI, as cosign */
	signp_buf_clear(&st);
	assert_int_equal(signp_attest_statement(&st, "https://cosign.sigstore.dev/attestation/v1", "r", DIGEST, text,
		strlen(text), 0, ERR), SIGN_OK);
	assert_int_equal(signp_intoto_parse(&s, st.ptr, st.size, ERR), SIGN_OK);
	assert_string_equal(json_string_value(json_object_get(s->predicate, "Data")), text);
	signp_intoto_free(s);
	/* spdx (tag-value): a JSON string */
	signp_buf_clear(&st);
	assert_int_equal(signp_attest_statement(&st, "spdx", "r", DIGEST, text, strlen(text), 0, ERR), SIGN_OK);
	assert_int_equal(signp_intoto_parse(&s, st.ptr, st.size, ERR), SIGN_OK);
	assert_string_equal(json_string_value(s->predicate), text);
	assert_string_equal(s->predicate_type, "https://spdx.dev/Document");
	signp_intoto_free(s);
	sign_buf_dispose(&st);
}

static void test_statement_refused(void **state)
{
	sign_buf st = SIGN_BUF_INIT;
	(void)state;
	assert_int_equal(signp_attest_statement(&st, "sbom", "r", DIGEST, "{}", 2, 0, ERR), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "unknown predicate type \"sbom\""));
	assert_int_equal(signp_attest_statement(&st, "cyclonedx", "r", DIGEST, "[1]", 3, 0, ERR), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "the predicate of type cyclonedx must be a JSON object"));
	assert_int_equal(signp_attest_statement(&st, "vuln", "r", DIGEST, "{\"a\":1,\"a\":2}", 13, 0, ERR),
		SIGN_EINVAL);
	assert_non_null(strstr(err.message, "the predicate is not JSON"));
	assert_int_equal(signp_attest_statement(&st, "vuln", "r", DIGEST, "{} {}", 5, 0, ERR), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "the predicate is not JSON"));
	assert_int_equal(signp_attest_statement(&st, "custom", "r", DIGEST, "a\0b", 3, 0, ERR), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "must be UTF-8 without NUL"));
	assert_int_equal(signp_attest_statement(&st, "custom", "r", DIGEST, "\xff", 1, 0, ERR), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "must be UTF-8 without NUL"));
	assert_int_equal(signp_attest_statement(&st, "vuln", "r", "sha256:12", "{}", 2, 0, ERR), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "bad subject"));
	sign_buf_dispose(&st);
}

/* ---- envelope and layers ---- */

static void test_envelope_signed(void **state)
{
	const char *stmt = "{\"x\":1}";
	sign_buf env = SIGN_BUF_INIT;
	signp_dsse *e = NULL;
	(void)state;
	assert_int_equal(signp_attest_envelope(&env, k1, stmt, strlen(stmt), ERR), SIGN_OK);
	assert_int_equal(signp_dsse_parse(&e, env.ptr, env.size, ERR), SIGN_OK);
	assert_string_equal(e->payload_type, "application/vnd.in-toto+json");
	assert_int_equal(e->payload.size, strlen(stmt));
	assert_string_equal(e->sigs[0].keyid, "");
	assert_int_equal(signp_dsse_verify(e, k1->pkey, ERR), SIGN_OK);
	assert_int_equal(signp_dsse_verify(e, k2->pkey, ERR), SIGN_EVERIFY);
	signp_dsse_free(e);
	sign_buf_dispose(&env);
}

static void test_layers(void **state)
{
	sign_buf m = SIGN_BUF_INIT, cfg = SIGN_BUF_INIT, m2 = SIGN_BUF_INIT;
	signp_att_layer *l = NULL;
	size_t n = 0;
	json_t *doc;
	char tag[96];
	(void)state;
	assert_int_equal(signp_attest_tag(tag, DIGEST), SIGN_OK);
	assert_string_equal(tag, "sha256-1111111111111111111111111111111111111111111111111111111111111111.att");
	assert_int_equal(signp_attest_tag(tag, "sha256:1"), SIGN_EINVAL);
	/* two layers appended as cosign does: the config lists both */
	assert_int_equal(signp_cosign_manifest_add_layer(&m, &cfg, NULL, 0, signp_attest_layer(DIGEST, 10, VULN),
		ERR), SIGN_OK);
	assert_int_equal(signp_cosign_manifest_add_layer(&m2, &cfg, m.ptr, m.size,
		signp_attest_layer(OTHER, 20, SLSA02), ERR), SIGN_OK);
	assert_non_null(strstr(m2.ptr, "\"annotations\":{\"dev.cosignproject.cosign/signature\":\"\","
		"\"predicateType\":\"" VULN "\"}"));
	assert_non_null(strstr(cfg.ptr, DIGEST));
	assert_non_null(strstr(cfg.ptr, OTHER));
	assert_int_equal(signp_attest_layers(&l, &n, m2.ptr, m2.size, ERR), SIGN_OK);
	assert_int_equal(n, 2);
	assert_string_equal(l[1].digest, OTHER);
	assert_int_equal(l[1].size, 20);
	assert_string_equal(json_string_value(json_object_get(l[0].annotations, "predicateType")), VULN);
	signp_attest_layers_free(l, n);
	/* a simple-signing layer, a bad digest, a negative size: skipped */
	doc = json_loadb(m2.ptr, m2.size, 0, NULL);
	json_array_append_new(json_object_get(doc, "layers"), json_pack("{s:s,s:i,s:s}", "mediaType",
		SIGN_MT_SIMPLESIGNING, "size", 1, "digest", DIGEST));
	json_array_append_new(json_object_get(doc, "layers"), json_pack("{s:s,s:i,s:s}", "mediaType",
		SIGN_MT_DSSE, "size", 1, "digest", "sha256:xyz"));
	json_array_append_new(json_object_get(doc, "layers"), json_pack("{s:s,s:i,s:s}", "mediaType",
		SIGN_MT_DSSE, "size", -1, "digest", DIGEST));
	{
		char *s = json_dumps(doc, JSON_COMPACT);
		assert_int_equal(signp_attest_layers(&l, &n, s, strlen(s), ERR), SIGN_OK);
		assert_int_equal(n, 2);
		signp_attest_layers_free(l, n);
		free(s);
	}
	json_decref(doc);
	assert_int_equal(signp_attest_layers(&l, &n, "{\"layers\":1}", 12, ERR), SIGN_EFORMAT);
	assert_non_null(strstr(err.message, "no \"layers\" array"));
	assert_int_equal(signp_attest_layers(&l, &n, "{", 1, ERR), SIGN_EFORMAT);
	assert_non_null(strstr(err.message, "attestation manifest: invalid JSON"));
	sign_buf_dispose(&m);
	sign_buf_dispose(&m2);
	sign_buf_dispose(&cfg);
}

/* ---- finding them in a store ---- */

/* Put envelope bytes as a layer of the .att manifest of digest in st. */
static void put_att(signp_store *st, const char *digest, const void *env, size_t len, const char *type_uri)
{
	sign_buf old = SIGN_BUF_INIT, m = SIGN_BUF_INIT, cfg = SIGN_BUF_INIT;
	char tag[96], ed[80], got[80];
	int have;
	assert_int_equal(signp_attest_tag(tag, digest), SIGN_OK);
	have = signp_store_get_manifest(st, tag, SIGN_MAX_MANIFEST, &old, NULL, got, NULL) == SIGN_OK;
	assert_int_equal(signp_store_put_blob(st, env, len, ed, NULL), SIGN_OK);
	assert_int_equal(signp_cosign_manifest_add_layer(&m, &cfg, have ? old.ptr : NULL, have ? old.size : 0,
		signp_attest_layer(ed, len, type_uri), NULL), SIGN_OK);
	assert_int_equal(signp_store_put_blob(st, cfg.ptr, cfg.size, NULL, NULL), SIGN_OK);
	assert_int_equal(signp_store_put_manifest(st, tag, m.ptr, m.size, SIGN_MT_OCI_MANIFEST, NULL, NULL),
		SIGN_OK);
	sign_buf_dispose(&old);
	sign_buf_dispose(&m);
	sign_buf_dispose(&cfg);
}

/* An envelope by k of a statement of type over subject. */
static void make_env(sign_buf *env, const signp_key *k, const char *type, const char *subject)
{
	sign_buf st = SIGN_BUF_INIT;
	const char *pred = "{\"scanner\":{\"uri\":\"grype\"}}";
	signp_buf_clear(env);
	assert_int_equal(signp_attest_statement(&st, type, "app", subject, pred, strlen(pred), 0, NULL), SIGN_OK);
	assert_int_equal(signp_attest_envelope(env, k, st.ptr, st.size, NULL), SIGN_OK);
	sign_buf_dispose(&st);
}

/* find with k1 (threshold 1) for type_uri over DIGEST. */
static int find_k1(json_t **found, signp_store *st, const char *type_uri, sign_error *e)
{
	EVP_PKEY *pk[1] = { k1->pkey };
	char ids[1][72];
	signp_att_keys keys = { pk, (const char (*)[72])ids, 1, 1 };
	signp_att_verifier v;
	signp_strlcpy(ids[0], k1->id, 72);
	signp_att_verifier_keys(&v, &keys);
	return signp_attest_find(found, st, DIGEST, type_uri, &v, e);
}

static void test_find_ok(void **state)
{
	signp_store *st = new_layout();
	sign_buf env = SIGN_BUF_INIT;
	json_t *found = NULL, *a;
	(void)state;
	make_env(&env, k1, "vuln", DIGEST);
	put_att(st, DIGEST, env.ptr, env.size, VULN);
	assert_int_equal(find_k1(&found, st, VULN, ERR), SIGN_OK);
	assert_int_equal(json_array_size(found), 1);
	a = json_array_get(found, 0);
	assert_string_equal(json_string_value(json_object_get(a, "predicateType")), VULN);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(a, "predicate"),
		"scanner"), "uri")), "grype");
	assert_string_equal(json_string_value(json_object_get(a, "signer")), k1->id);
	assert_string_equal(json_string_value(json_object_get(a, "source")), "att");
	assert_string_equal(json_string_value(json_object_get(a, "subject")), DIGEST);
	json_decref(found);
	sign_buf_dispose(&env);
	signp_store_free(st);
}

static void test_find_none(void **state)
{
	signp_store *st = new_layout();
	json_t *found = NULL;
	(void)state;
	assert_int_equal(find_k1(&found, st, VULN, ERR), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "no attestation found (no sha256-1111"));
	assert_null(found);
	signp_store_free(st);
}

static void test_find_wrong_type(void **state)
{
	signp_store *st = new_layout();
	sign_buf env = SIGN_BUF_INIT;
	json_t *found = NULL;
	(void)state;
	make_env(&env, k1, "vuln", DIGEST);
	/* the annotation lies: the signed statement's type is what counts */
	put_att(st, DIGEST, env.ptr, env.size, "https://cyclonedx.org/bom");
	assert_int_equal(find_k1(&found, st, "https://cyclonedx.org/bom", ERR), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "no attestation of type https://cyclonedx.org/bom (1 found): those "
		"signed by the keys are of type " VULN));
	sign_buf_dispose(&env);
	signp_store_free(st);
}

static void test_find_other_key(void **state)
{
	signp_store *st = new_layout();
	sign_buf env = SIGN_BUF_INIT;
	json_t *found = NULL;
	(void)state;
	make_env(&env, k2, "vuln", DIGEST);
	put_att(st, DIGEST, env.ptr, env.size, VULN);
	assert_int_equal(find_k1(&found, st, VULN, ERR), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "no attestation of type " VULN " verifies (1 found): its envelope is "
		"signed by no key the trust data authorises"));
	sign_buf_dispose(&env);
	signp_store_free(st);
}

static void test_find_tampered(void **state)
{
	signp_store *st = new_layout();
	sign_buf env = SIGN_BUF_INIT, st_json = SIGN_BUF_INIT, b64 = SIGN_BUF_INIT, forged = SIGN_BUF_INIT;
	signp_dsse *e = NULL;
	json_t *found = NULL;
	char *p;
	(void)state;
	make_env(&env, k1, "vuln", DIGEST);
	/* the payload rewritten (grype -> gripe), the signature kept */
	assert_int_equal(signp_dsse_parse(&e, env.ptr, env.size, NULL), SIGN_OK);
	assert_int_equal(signp_buf_put(&st_json, e->payload.ptr, e->payload.size), SIGN_OK);
	assert_non_null(p = strstr(st_json.ptr, "grype"));
	p[3] = 'i';
	assert_int_equal(signp_b64_encode(&b64, st_json.ptr, st_json.size), SIGN_OK);
	{
		json_t *doc = json_loadb(env.ptr, env.size, 0, NULL);
		char *s;
		json_object_set_new(doc, "payload", json_string(b64.ptr));
		s = json_dumps(doc, JSON_COMPACT);
		signp_buf_puts(&forged, s);
		free(s);
		json_decref(doc);
	}
	put_att(st, DIGEST, forged.ptr, forged.size, VULN);
	assert_int_equal(find_k1(&found, st, VULN, ERR), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "signed by no key the trust data authorises"));
	signp_dsse_free(e);
	sign_buf_dispose(&env);
	sign_buf_dispose(&st_json);
	sign_buf_dispose(&b64);
	sign_buf_dispose(&forged);
	signp_store_free(st);
}

static void test_find_other_subject(void **state)
{
	signp_store *st = new_layout();
	sign_buf env = SIGN_BUF_INIT;
	json_t *found = NULL;
	(void)state;
	/* signed by k1, for another image, copied under this image's tag */
	make_env(&env, k1, "vuln", OTHER);
	put_att(st, DIGEST, env.ptr, env.size, VULN);
	assert_int_equal(find_k1(&found, st, VULN, ERR), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "the attestation of type " VULN " is for another image: in-toto "
		"statement: no subject of its 1 is " DIGEST));
	sign_buf_dispose(&env);
	signp_store_free(st);
}

static void test_find_not_intoto(void **state)
{
	signp_store *st = new_layout();
	sign_buf env = SIGN_BUF_INIT, pae = SIGN_BUF_INIT, der = SIGN_BUF_INIT, sig = SIGN_BUF_INIT;
	sign_buf body = SIGN_BUF_INIT;
	json_t *found = NULL;
	const char *payload = "{\"_type\":\"https://in-toto.io/Statement/v1\"}";
	(void)state;
	/* signed by k1, but of another payload type */
	assert_int_equal(signp_dsse_pae(&pae, "text/plain", payload, strlen(payload)), SIGN_OK);
	assert_int_equal(signp_key_sign_der(&der, k1, pae.ptr, pae.size, NULL), SIGN_OK);
	assert_int_equal(signp_b64_encode(&sig, der.ptr, der.size), SIGN_OK);
	assert_int_equal(signp_b64_encode(&body, payload, strlen(payload)), SIGN_OK);
	assert_int_equal(signp_buf_printf(&env, "{\"payloadType\":\"text/plain\",\"payload\":\"%s\","
		"\"signatures\":[{\"sig\":\"%s\"}]}", body.ptr, sig.ptr), SIGN_OK);
	put_att(st, DIGEST, env.ptr, env.size, VULN);
	/* and one that is not an envelope at all */
	put_att(st, DIGEST, "{}", 2, VULN);
	assert_int_equal(find_k1(&found, st, VULN, ERR), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "(2 found): its payload type is \"text/plain\", not "
		"application/vnd.in-toto+json"));
	sign_buf_dispose(&env);
	sign_buf_dispose(&pae);
	sign_buf_dispose(&der);
	sign_buf_dispose(&sig);
	sign_buf_dispose(&body);
	signp_store_free(st);
}

static void test_find_threshold(void **state)
{
	signp_store *st = new_layout();
	sign_buf env = SIGN_BUF_INIT;
	EVP_PKEY *pk[2] = { k1->pkey, k2->pkey };
	char ids[2][72];
	signp_att_keys keys = { pk, (const char (*)[72])ids, 2, 2 };
	signp_att_verifier v;
	json_t *found = NULL;
	(void)state;
	signp_strlcpy(ids[0], k1->id, 72);
	signp_strlcpy(ids[1], k2->id, 72);
	signp_att_verifier_keys(&v, &keys);
	make_env(&env, k1, "vuln", DIGEST);
	put_att(st, DIGEST, env.ptr, env.size, VULN);
	assert_int_equal(signp_attest_find(&found, st, DIGEST, VULN, &v, ERR), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "its envelope is signed by 1 authorised key(s), 2 needed"));
	sign_buf_dispose(&env);
	signp_store_free(st);
}

/* The store failing (not a missing tag): an error of its own, not a
 * verification failure. */
static void test_find_store_error(void **state)
{
	signp_store *st = new_layout();
	json_t *found = NULL;
	char path[700];
	FILE *f;
	int r;
	(void)state;
	snprintf(path, sizeof(path), "%s/layout%d/index.json", dir, nlayout);
	assert_non_null(f = fopen(path, "w"));
	fputs("{\"schemaVersion\":2,\"manifests\":", f);
	fclose(f);
	r = find_k1(&found, st, VULN, ERR);
	assert_int_not_equal(r, SIGN_OK);
	assert_int_not_equal(r, SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "reading the attestations sha256-1111"));
	signp_store_free(st);
}

/* One good beside bad ones: found, and only it. */
static void test_find_one_good_among_bad(void **state)
{
	signp_store *st = new_layout();
	sign_buf env = SIGN_BUF_INIT;
	json_t *found = NULL;
	(void)state;
	make_env(&env, k2, "vuln", DIGEST);
	put_att(st, DIGEST, env.ptr, env.size, VULN);
	put_att(st, DIGEST, "not json", 8, VULN);
	make_env(&env, k1, "vuln", DIGEST);
	put_att(st, DIGEST, env.ptr, env.size, VULN);
	assert_int_equal(find_k1(&found, st, VULN, ERR), SIGN_OK);
	assert_int_equal(json_array_size(found), 1);
	json_decref(found);
	sign_buf_dispose(&env);
	signp_store_free(st);
}

/* A referrer of DIGEST holding one layer of media type mt with blob data. */
static void put_referrer(signp_store *st, const void *data, size_t len, const char *mt)
{
	char bd[80], md[80], ed[80];
	json_t *doc;
	char *body;
	assert_int_equal(signp_store_put_blob(st, data, len, bd, NULL), SIGN_OK);
	assert_int_equal(signp_store_put_blob(st, "{}", 2, ed, NULL), SIGN_OK);
	doc = json_pack("{s:i,s:s,s:s,s:{s:s,s:i,s:s},s:[{s:s,s:I,s:s}],s:{s:s,s:s,s:i}}", "schemaVersion", 2,
		"mediaType", SIGN_MT_OCI_MANIFEST, "artifactType", mt, "config", "mediaType", SIGN_MT_EMPTY,
		"size", 2, "digest", ed, "layers", "mediaType", mt, "size", (json_int_t)len, "digest", bd,
		"subject", "mediaType", SIGN_MT_OCI_MANIFEST, "digest", DIGEST, "size", 100);
	assert_non_null(body = json_dumps(doc, JSON_COMPACT));
	assert_int_equal(signp_store_put_manifest(st, NULL, body, strlen(body), SIGN_MT_OCI_MANIFEST, md, NULL),
		SIGN_OK);
	assert_int_equal(signp_store_referrers_tag_add(st, DIGEST, md, strlen(body), mt, NULL), SIGN_OK);
	free(body);
	json_decref(doc);
}

#define BUNDLE_MT "application/vnd.dev.sigstore.bundle.v0.3+json"

static void test_find_referrers(void **state)
{
	signp_store *st = new_layout();
	sign_buf env = SIGN_BUF_INIT, b = SIGN_BUF_INIT;
	json_t *found = NULL;
	(void)state;
	/* a DSSE referrer (cosign's WriteAttestationsReferrer) */
	make_env(&env, k1, "vuln", DIGEST);
	put_referrer(st, env.ptr, env.size, SIGN_MT_DSSE);
	/* a Sigstore bundle referrer (cosign v3's attest), its envelope inside */
	make_env(&env, k1, "cyclonedx", DIGEST);
	assert_int_equal(signp_buf_printf(&b, "{\"mediaType\":\"" BUNDLE_MT "\",\"verificationMaterial\":"
		"{\"publicKey\":{\"hint\":\"k1\"},\"tlogEntries\":[]},\"dsseEnvelope\":%s}", env.ptr), SIGN_OK);
	put_referrer(st, b.ptr, b.size, BUNDLE_MT);
	assert_int_equal(find_k1(&found, st, VULN, ERR), SIGN_OK);
	assert_string_equal(json_string_value(json_object_get(json_array_get(found, 0), "source")), "referrer");
	json_decref(found);
	found = NULL;
	assert_int_equal(find_k1(&found, st, "https://cyclonedx.org/bom", ERR), SIGN_OK);
	assert_int_equal(json_array_size(found), 1);
	json_decref(found);
	found = NULL;
	signp_store_free(st);
	/* a bundle of a message signature: no attestation, and why */
	st = new_layout();
	signp_buf_clear(&b);
	assert_int_equal(signp_buf_puts(&b, "{\"mediaType\":\"" BUNDLE_MT "\",\"messageSignature\":{}}"), SIGN_OK);
	put_referrer(st, b.ptr, b.size, BUNDLE_MT);
	assert_int_equal(find_k1(&found, st, VULN, ERR), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "(1 found): Sigstore bundle: it holds no DSSE envelope"));
	signp_store_free(st);
	sign_buf_dispose(&env);
	sign_buf_dispose(&b);
}

static void test_bundle_envelope(void **state)
{
	sign_buf env = SIGN_BUF_INIT;
	json_t *bundle = NULL;
	const char *ok = "{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.2\","
		"\"dsseEnvelope\":{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[]}}";
	(void)state;
	assert_int_equal(signp_attest_bundle_envelope(&env, &bundle, ok, strlen(ok), ERR), SIGN_OK);
	assert_non_null(strstr(env.ptr, "\"payload\":\"e30=\""));
	assert_non_null(json_object_get(bundle, "dsseEnvelope"));
	json_decref(bundle);
	assert_int_equal(signp_attest_bundle_envelope(&env, NULL, "{\"mediaType\":\"x\"}", 17, ERR),
		SIGN_EFORMAT);
	assert_non_null(strstr(err.message, "Sigstore bundle: no Sigstore bundle media type"));
	assert_int_equal(signp_attest_bundle_envelope(&env, NULL, "[", 1, ERR), SIGN_EFORMAT);
	assert_non_null(strstr(err.message, "Sigstore bundle: not JSON"));
	sign_buf_dispose(&env);
}

/* ---- cosign's own attestations (cosign attest-blob --key) ---- */

static void vec_keys(signp_key **k, EVP_PKEY **pk, char ids[1][72], signp_att_keys *keys)
{
	sign_buf pem = SIGN_BUF_INIT;
	read_vec(&pem, "cosign.pub");
	assert_int_equal(signp_key_parse(k, pem.ptr, pem.size, NULL, 0, NULL), SIGN_OK);
	pk[0] = (*k)->pkey;
	signp_strlcpy(ids[0], (*k)->id, 72);
	keys->pkeys = pk;
	keys->ids = (const char (*)[72])ids;
	keys->n = 1;
	keys->threshold = 1;
	sign_buf_dispose(&pem);
}

static void test_cosign_vectors(void **state)
{
	signp_store *st = new_layout();
	sign_buf env = SIGN_BUF_INIT;
	signp_key *k = NULL;
	EVP_PKEY *pk[1];
	char ids[1][72];
	signp_att_keys keys;
	signp_att_verifier v;
	json_t *found = NULL;
	(void)state;
	vec_keys(&k, pk, ids, &keys);
	signp_att_verifier_keys(&v, &keys);
	/* cosign's slsaprovenance envelope in a .att manifest: verified with
	 * its key, for its subject and type */
	read_vec(&env, "slsa-provenance.dsse.json");
	put_att(st, VEC_DIGEST, env.ptr, env.size, SLSA02);
	assert_int_equal(signp_attest_find(&found, st, VEC_DIGEST, SLSA02, &v, ERR), SIGN_OK);
	assert_int_equal(json_array_size(found), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(
		json_array_get(found, 0), "predicate"), "builder"), "id")), "2");
	json_decref(found);
	found = NULL;
	/* of another type: refused */
	assert_int_equal(signp_attest_find(&found, st, VEC_DIGEST, "https://cosign.sigstore.dev/attestation/v1",
		&v, ERR), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "(1 found): those signed by the keys are of type " SLSA02));
	/* by another key: refused */
	{
		EVP_PKEY *other[1] = { k2->pkey };
		signp_att_keys ok = { other, (const char (*)[72])ids, 1, 1 };
		signp_att_verifier ov;
		signp_att_verifier_keys(&ov, &ok);
		assert_int_equal(signp_attest_find(&found, st, VEC_DIGEST, SLSA02, &ov, ERR), SIGN_EVERIFY);
		assert_non_null(strstr(err.message, "signed by no key the trust data authorises"));
	}
	signp_store_free(st);
	/* two subjects, one of them ours: verified; neither: refused */
	st = new_layout();
	read_vec(&env, "multiple-subjects.dsse.json");
	put_att(st, VEC_DIGEST, env.ptr, env.size, SLSA02);
	assert_int_equal(signp_attest_find(&found, st, VEC_DIGEST, SLSA02, &v, ERR), SIGN_OK);
	json_decref(found);
	found = NULL;
	signp_store_free(st);
	st = new_layout();
	read_vec(&env, "multiple-subjects-invalid.dsse.json");
	put_att(st, VEC_DIGEST, env.ptr, env.size, SLSA02);
	assert_int_equal(signp_attest_find(&found, st, VEC_DIGEST, SLSA02, &v, ERR), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "is for another image: in-toto statement: no subject of its 2 is "
		VEC_DIGEST));
	signp_store_free(st);
	signp_key_free(k);
	sign_buf_dispose(&env);
}

/* ---- the public calls' arguments ---- */

static void test_api_arguments(void **state)
{
	sign_attest_result res = SIGN_ATTEST_RESULT_INIT;
	sign_attest_options o = SIGN_ATTEST_OPTIONS_INIT;
	sign_verify_result vr = SIGN_VERIFY_RESULT_INIT;
	sign_verify_options vo = SIGN_VERIFY_OPTIONS_INIT;
	sign_buf json = SIGN_BUF_INIT;
	char ref[700];
	(void)state;
	snprintf(ref, sizeof(ref), "oci:%s/none:v1", dir);
	res.version = 99;
	assert_int_equal(sign_attest(&res, ctx, ref, "vuln", "{}", 2, NULL, &err), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "attest: unsupported result version 99"));
	res.version = SIGN_ATTEST_RESULT_VERSION;
	o.version = 7;
	assert_int_equal(sign_attest(&res, ctx, ref, "vuln", "{}", 2, &o, &err), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "attest: unsupported options version"));
	assert_int_equal(sign_attest(&res, ctx, ref, "sbom", "{}", 2, NULL, &err), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "attest: unknown predicate type \"sbom\""));
	assert_int_equal(sign_attest(&res, ctx, NULL, "vuln", "{}", 2, NULL, &err), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "attest: no reference or result given"));
	/* a layout that does not exist: the store says so, with the REF */
	assert_int_not_equal(sign_attest(&res, ctx, ref, "vuln", "{}", 2, NULL, &err), SIGN_OK);
	assert_non_null(strstr(err.message, "attesting oci:"));
	assert_int_equal(sign_verify_attestation(&vr, &json, ctx, ref, "sbom", NULL, &err), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "verify: unknown predicate type \"sbom\""));
	assert_int_equal(sign_verify_attestation(&vr, NULL, ctx, ref, "vuln", NULL, &err), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "verify: no reference or output given"));
	vo.offline = 1;
	assert_int_equal(sign_verify_attestation(&vr, &json, ctx, ref, "vuln", &vo, &err), SIGN_EINVAL);
	assert_non_null(strstr(err.message, "attestations are read from the registry: not offline"));
	assert_int_equal(json.size, 0);
	sign_verify_result_dispose(&vr);
	sign_buf_dispose(&json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_uri),
		cmocka_unit_test(test_statement_object),
		cmocka_unit_test(test_statement_text_forms),
		cmocka_unit_test(test_statement_refused),
		cmocka_unit_test(test_envelope_signed),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_find_ok),
		cmocka_unit_test(test_find_none),
		cmocka_unit_test(test_find_wrong_type),
		cmocka_unit_test(test_find_other_key),
		cmocka_unit_test(test_find_tampered),
		cmocka_unit_test(test_find_other_subject),
		cmocka_unit_test(test_find_not_intoto),
		cmocka_unit_test(test_find_threshold),
		cmocka_unit_test(test_find_store_error),
		cmocka_unit_test(test_find_one_good_among_bad),
		cmocka_unit_test(test_find_referrers),
		cmocka_unit_test(test_bundle_envelope),
		cmocka_unit_test(test_cosign_vectors),
		cmocka_unit_test(test_api_arguments),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

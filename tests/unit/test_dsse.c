/*
 * test_dsse.c - DSSE envelopes (dsse.c): the specification's PAE example,
 * an envelope signed here and verified, and each forgery refused with its
 * message: another payload, another payload type, another key, and a
 * signature over the bare payload instead of its PAE; and the envelopes
 * the reader refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dsse.h"
#include "key.h"

#define STATEMENT "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"https://slsa.dev/provenance/v1\"}"
#define INTOTO "application/vnd.in-toto+json"

static signp_key *new_key(void)
{
	signp_key *k = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_key_generate(&k, &err), SIGN_OK);
	return k;
}

/* An envelope of type over body, signed by k over msg (NULL: the PAE). */
static char *envelope(const signp_key *k, const char *type, const char *body, const char *msg)
{
	sign_buf pae = SIGN_BUF_INIT, der = SIGN_BUF_INIT, sig = SIGN_BUF_INIT, pl = SIGN_BUF_INIT;
	sign_error err;
	char *text;
	json_t *doc;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_dsse_pae(&pae, type, body, strlen(body)), SIGN_OK);
	assert_int_equal(signp_key_sign_der(&der, k, msg ? msg : pae.ptr, msg ? strlen(msg) : pae.size, &err),
		SIGN_OK);
	assert_int_equal(signp_b64_encode(&sig, der.ptr, der.size), SIGN_OK);
	assert_int_equal(signp_b64_encode(&pl, body, strlen(body)), SIGN_OK);
	doc = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "payloadType", type, "payload", pl.ptr, "signatures",
		"keyid", "", "sig", sig.ptr);
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	sign_buf_dispose(&pae);
	sign_buf_dispose(&der);
	sign_buf_dispose(&sig);
	sign_buf_dispose(&pl);
	return text;
}

static int verify_text(const char *text, const signp_key *k, sign_error *err)
{
	signp_dsse *e = NULL;
	int r;
	memset(err, 0, sizeof(*err));
	if ((r = signp_dsse_parse(&e, text, strlen(text), err)) != SIGN_OK)
		return r;
	r = signp_dsse_verify(e, k->pkey, err);
	signp_dsse_free(e);
	return r;
}

static void test_pae_spec_example(void **state)
{
	sign_buf pae = SIGN_BUF_INIT;
	(void)state;
	/* the DSSE specification's protocol.md */
	assert_int_equal(signp_dsse_pae(&pae, "http://example.com/HelloWorld", "hello world", 11), SIGN_OK);
	assert_int_equal(pae.size, strlen("DSSEv1 29 http://example.com/HelloWorld 11 hello world"));
	assert_memory_equal(pae.ptr, "DSSEv1 29 http://example.com/HelloWorld 11 hello world", pae.size);
	assert_int_equal(signp_dsse_pae(&pae, "", "", 0), SIGN_OK);
	assert_string_equal(pae.ptr, "DSSEv1 0  0 ");
	sign_buf_dispose(&pae);
}

static void test_round_trip_and_forgeries(void **state)
{
	signp_key *k = new_key(), *other = new_key();
	sign_error err;
	char *good = envelope(k, INTOTO, STATEMENT, NULL), *bare = envelope(k, INTOTO, STATEMENT, STATEMENT);
	char *forged;
	json_t *doc;
	(void)state;
	assert_int_equal(verify_text(good, k, &err), SIGN_OK);
	/* another key */
	assert_int_equal(verify_text(good, other, &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "DSSE envelope: none of its 1 signature(s) is by the key");
	/* a signature over the bare payload, not its PAE */
	assert_int_equal(verify_text(bare, k, &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "DSSE envelope: none of its 1 signature(s) is by the key");
	/* the payload type changed: the PAE binds it */
	doc = json_loads(good, 0, NULL);
	json_object_set_new(doc, "payloadType", json_string("application/json"));
	forged = json_dumps(doc, JSON_COMPACT);
	assert_int_equal(verify_text(forged, k, &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "DSSE envelope: none of its 1 signature(s) is by the key");
	free(forged);
	/* the payload changed */
	json_object_set_new(doc, "payloadType", json_string(INTOTO));
	json_object_set_new(doc, "payload", json_string("e30="));
	forged = json_dumps(doc, JSON_COMPACT);
	assert_int_equal(verify_text(forged, k, &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "DSSE envelope: none of its 1 signature(s) is by the key");
	free(forged);
	json_decref(doc);
	free(good);
	free(bare);
	signp_key_free(k);
	signp_key_free(other);
}

static void parse_fails(const char *text, const char *want)
{
	signp_dsse *e = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_dsse_parse(&e, text, strlen(text), &err), SIGN_EFORMAT);
	assert_null(e);
	if (strstr(err.message, want) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.message, want);
}

static void test_refused_envelopes(void **state)
{
	sign_buf many = SIGN_BUF_INIT;
	signp_dsse *e = NULL;
	sign_error err;
	(void)state;
	parse_fails("not json", "DSSE envelope: not JSON");
	parse_fails("{\"payload\":\"e30=\",\"signatures\":[{\"sig\":\"AA==\"}]}", "no payloadType, payload or signatures");
	parse_fails("{\"payloadType\":\"t\",\"payload\":\"e30=\",\"signatures\":[]}", "0 signatures (1 to 16)");
	parse_fails("{\"payloadType\":\"t\",\"payload\":\"!!\",\"signatures\":[{\"sig\":\"AA==\"}]}",
		"the payload is not base64");
	parse_fails("{\"payloadType\":\"t\",\"payload\":\"e30=\",\"signatures\":[{\"keyid\":\"k\"}]}",
		"signature 0 has no sig");
	parse_fails("{\"payloadType\":\"t\",\"payload\":\"e30=\",\"signatures\":[{\"sig\":\"@@\"}]}",
		"signature 0 is not base64");
	parse_fails("{\"payloadType\":\"t\",\"payloadType\":\"u\",\"payload\":\"e30=\",\"signatures\":[{\"sig\":\"AA==\"}]}",
		"not JSON");
	assert_int_equal(signp_buf_puts(&many, "{\"payloadType\":\"t\",\"payload\":\"e30=\",\"signatures\":["), SIGN_OK);
	for (int i = 0; i < 17; i++)
		assert_int_equal(signp_buf_puts(&many, i ? ",{\"sig\":\"AA==\"}" : "{\"sig\":\"AA==\"}"), SIGN_OK);
	assert_int_equal(signp_buf_puts(&many, "]}"), SIGN_OK);
	parse_fails(many.ptr, "17 signatures (1 to 16)");
	sign_buf_dispose(&many);
	/* URL-safe base64, unpadded, is DSSE too */
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_dsse_parse(&e, "{\"payloadType\":\"t\",\"payload\":\"-_8\",\"signatures\":[{\"sig\":\"_w\"}]}",
				 strlen("{\"payloadType\":\"t\",\"payload\":\"-_8\",\"signatures\":[{\"sig\":\"_w\"}]}"), &err),
		SIGN_OK);
	assert_int_equal(e->payload.size, 2);
	assert_memory_equal(e->payload.ptr, "\xfb\xff", 2);
	signp_dsse_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pae_spec_example),
		cmocka_unit_test(test_round_trip_and_forgeries),
		cmocka_unit_test(test_refused_envelopes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

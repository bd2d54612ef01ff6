/*
 * dsse.c - DSSE envelopes (dsse.h): read with jansson, bounded, and
 * checked over their pre-authentication encoding.
 */
#include "dsse.h"
#include "key.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* An envelope bigger than this is no attestation a verifier should read. */
#define DSSE_MAX_JSON (32u << 20)

void signp_dsse_free(signp_dsse *e)
{
	if (e == NULL)
		return;
	free(e->payload_type);
	sign_buf_dispose(&e->payload);
	for (size_t i = 0; i < e->nsigs; i++)
		sign_buf_dispose(&e->sigs[i].sig);
	free(e);
}

int signp_dsse_parse(signp_dsse **out, const void *json, size_t len, sign_error *err)
{
	signp_dsse *e;
	json_t *doc = NULL, *sigs, *s;
	const char *type, *payload;
	json_error_t je;
	size_t i;
	int r;

	*out = NULL;
	if (len > DSSE_MAX_JSON)
		return signp_err(err, SIGN_EFORMAT, "DSSE envelope: %zu bytes, more than %u", len, DSSE_MAX_JSON);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "DSSE envelope: out of memory");
	doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL) {
		r = signp_err(err, SIGN_EFORMAT, "DSSE envelope: not JSON: %s", je.text);
		goto fail;
	}
	type = json_string_value(json_object_get(doc, "payloadType"));
	payload = json_string_value(json_object_get(doc, "payload"));
	sigs = json_object_get(doc, "signatures");
	if (type == NULL || payload == NULL || !json_is_array(sigs)) {
		r = signp_err(err, SIGN_EFORMAT, "DSSE envelope: no payloadType, payload or signatures");
		goto fail;
	}
	if (json_array_size(sigs) == 0 || json_array_size(sigs) > SIGNP_DSSE_MAX_SIGS) {
		r = signp_err(err, SIGN_EFORMAT, "DSSE envelope: %zu signatures (1 to %u)", json_array_size(sigs),
			SIGNP_DSSE_MAX_SIGS);
		goto fail;
	}
	if ((e->payload_type = strdup(type)) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "DSSE envelope: out of memory");
		goto fail;
	}
	if ((r = signp_b64_decode_any(&e->payload, payload, strlen(payload))) != SIGN_OK) {
		r = r == SIGN_ENOMEM ? signp_err(err, r, "DSSE envelope: out of memory") :
				       signp_err(err, r, "DSSE envelope: the payload is not base64");
		goto fail;
	}
	json_array_foreach(sigs, i, s) {
		const char *kid = json_string_value(json_object_get(s, "keyid"));
		const char *sig = json_string_value(json_object_get(s, "sig"));
		signp_dsse_sig *d = &e->sigs[e->nsigs];
		if (sig == NULL || (kid != NULL && strlen(kid) >= sizeof(d->keyid))) {
			r = signp_err(err, SIGN_EFORMAT, "DSSE envelope: signature %zu has no sig, or a keyid too long", i);
			goto fail;
		}
		signp_strlcpy(d->keyid, kid ? kid : "", sizeof(d->keyid));
		e->nsigs++;
		if ((r = signp_b64_decode_any(&d->sig, sig, strlen(sig))) != SIGN_OK || d->sig.size == 0) {
			r = r == SIGN_ENOMEM ? signp_err(err, r, "DSSE envelope: out of memory") :
					       signp_err(err, SIGN_EFORMAT, "DSSE envelope: signature %zu is not base64", i);
			goto fail;
		}
	}
	json_decref(doc);
	*out = e;
	return SIGN_OK;
fail:
	json_decref(doc);
	signp_dsse_free(e);
	return r;
}

int signp_dsse_pae(sign_buf *out, const char *type, const void *body, size_t len)
{
	signp_buf_clear(out);
	if (signp_buf_printf(out, "DSSEv1 %zu %s %zu ", strlen(type), type, len) != SIGN_OK ||
	    signp_buf_put(out, body, len) != SIGN_OK)
		return SIGN_ENOMEM;
	return SIGN_OK;
}

int signp_dsse_verify(const signp_dsse *e, EVP_PKEY *pub, sign_error *err)
{
	sign_buf pae = SIGN_BUF_INIT;
	int r = SIGN_EVERIFY;
	if (signp_dsse_pae(&pae, e->payload_type, e->payload.ptr ? e->payload.ptr : "", e->payload.size) !=
	    SIGN_OK) {
		sign_buf_dispose(&pae);
		return signp_err(err, SIGN_ENOMEM, "DSSE envelope: out of memory");
	}
	for (size_t i = 0; i < e->nsigs && r != SIGN_OK; i++)
		if (signp_pkey_verify_der(pub, pae.ptr, pae.size, e->sigs[i].sig.ptr, e->sigs[i].sig.size) == SIGN_OK)
			r = SIGN_OK;
	sign_buf_dispose(&pae);
	if (r != SIGN_OK)
		return signp_err(err, SIGN_EVERIFY, "DSSE envelope: none of its %zu signature(s) is by the key",
			e->nsigs);
	return SIGN_OK;
}

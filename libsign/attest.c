/*
 * attest.c - in-toto attestations in cosign's layout (attest.h): what
 * cosign attest writes, read from cosign v3 (commit d6d86c22,
 * cmd/cosign/cli/options/predicate.go, pkg/cosign/attestation,
 * cmd/cosign/cli/attest/attest.go, pkg/oci/static).
 */
#include "attest.h"
#include "cosign.h"
#include "dsse.h"
#include "intoto.h"
#include "mediatype.h"

#include <stdlib.h>
#include <string.h>

#define STATEMENT_V1 "https://in-toto.io/Statement/v1"

/* cosign's --type names and the URIs it maps them to (PredicateTypeMap). */
static const struct {
	const char *name, *uri;
} short_types[] = {
	{ "custom", "https://cosign.sigstore.dev/attestation/v1" },
	{ "slsaprovenance", "https://slsa.dev/provenance/v0.2" },
	{ "slsaprovenance02", "https://slsa.dev/provenance/v0.2" },
	{ "slsaprovenance1", "https://slsa.dev/provenance/v1" },
	{ "spdx", "https://spdx.dev/Document" },
	{ "spdxjson", "https://spdx.dev/Document" },
	{ "cyclonedx", "https://cyclonedx.org/bom" },
	{ "link", "https://in-toto.io/Link/v1" },
	{ "vuln", "https://cosign.sigstore.dev/attestation/vuln/v1" },
	{ "openvex", "https://openvex.dev/ns" },
};

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

const char *signp_attest_type_uri(const char *type)
{
	const char *p;
	if (type == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(short_types) / sizeof(short_types[0]); i++)
		if (strcmp(type, short_types[i].name) == 0)
			return short_types[i].uri;
	/* a URI: scheme ":" and something, printable ASCII without spaces */
	if (strlen(type) > SIGNP_ATT_MAX_TYPE || !is_alpha(type[0]))
		return NULL;
	for (p = type; is_alpha(*p) || (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'; p++)
		;
	if (*p != ':' || p[1] == '\0')
		return NULL;
	for (; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return NULL;
	return type;
}

/* JSON text of a string value, with jansson's escapes. */
static int put_json_string(sign_buf *out, const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	int r = t != NULL ? signp_buf_puts(out, t) : SIGN_EINVAL;
	free(t);
	json_decref(j);
	return r;
}

/* The predicate's JSON text: the file's object as it is, or one of
 * cosign's text forms. */
static int predicate_text(sign_buf *out, const char *type, const void *data, size_t len, int64_t now,
	sign_error *err)
{
	const char *p = data;
	json_t *doc;
	json_error_t je;
	char when[32];
	int r, custom;

	/* as cosign: its custom type's URI (by name or not) wraps the text,
	 * the name spdx (not spdxjson, of the same URI) makes it a string */
	custom = strcmp(signp_attest_type_uri(type), short_types[0].uri) == 0;
	if (custom || strcmp(type, "spdx") == 0) {
		/* the file as text: UTF-8 without NUL (a JSON string) */
		char *s = signp_strndup(p, len);
		json_t *j;
		if (s == NULL)
			return signp_err(err, SIGN_ENOMEM, "attest: out of memory");
		if (strlen(s) != len || (j = json_string(s)) == NULL) {
			free(s);
			return signp_err(err, SIGN_EINVAL,
				"attest: the predicate of type %s is text: it must be UTF-8 without NUL", type);
		}
		json_decref(j);
		if (!custom)
			r = put_json_string(out, s);
		else {
			signp_time_format(when, now);
			r = signp_buf_puts(out, "{\"Data\":");
			if (r == SIGN_OK)
				r = put_json_string(out, s);
			if (r == SIGN_OK)
				r = signp_buf_printf(out, ",\"Timestamp\":\"%s\"}", when);
		}
		free(s);
		return r == SIGN_OK ? SIGN_OK : signp_err(err, SIGN_ENOMEM, "attest: out of memory");
	}
	/* a JSON object, checked whole (no duplicate member, nothing after
	 * it), then kept byte for byte without the blanks around it */
	if ((doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return signp_err(err, SIGN_EINVAL, "attest: the predicate is not JSON: %s (line %d)", je.text,
			je.line);
	r = json_is_object(doc);
	json_decref(doc);
	if (!r)
		return signp_err(err, SIGN_EINVAL, "attest: the predicate of type %s must be a JSON object",
			type);
	while (len > 0 && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
		p++;
		len--;
	}
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	return signp_buf_put(out, p, len) == SIGN_OK ? SIGN_OK :
						       signp_err(err, SIGN_ENOMEM, "attest: out of memory");
}

int signp_attest_statement(sign_buf *out, const char *type, const char *name, const char *digest,
	const void *predicate, size_t len, int64_t now, sign_error *err)
{
	const char *uri = signp_attest_type_uri(type);
	sign_buf pred = SIGN_BUF_INIT;
	int r;

	if (uri == NULL)
		return signp_err(err, SIGN_EINVAL, "attest: unknown predicate type \"%.100s\": use one of cosign's "
			"names (slsaprovenance, spdxjson, cyclonedx, vuln, openvex, custom, ...) or a URI",
			type ? type : "");
	if (name == NULL || digest == NULL || !signp_digest_valid(digest) || (predicate == NULL && len > 0))
		return signp_err(err, SIGN_EINVAL, "attest: bad subject or predicate");
	if (len > SIGNP_ATT_MAX_PREDICATE)
		return signp_err(err, SIGN_EINVAL, "attest: the predicate is %zu bytes, more than %u", len,
			SIGNP_ATT_MAX_PREDICATE);
	if ((r = predicate_text(&pred, type, predicate ? predicate : "", len, now, err)) != SIGN_OK)
		goto out;
	signp_buf_clear(out);
	r = signp_buf_puts(out, "{\"_type\":\"" STATEMENT_V1 "\",\"subject\":[{\"name\":");
	if (r == SIGN_OK)
		r = put_json_string(out, name);
	if (r == SIGN_OK)
		r = signp_buf_printf(out, ",\"digest\":{\"sha256\":\"%s\"}}],\"predicateType\":", digest + 7);
	if (r == SIGN_OK)
		r = put_json_string(out, uri);
	if (r == SIGN_OK)
		r = signp_buf_puts(out, ",\"predicate\":");
	if (r == SIGN_OK)
		r = signp_buf_put(out, pred.ptr, pred.size);
	if (r == SIGN_OK)
		r = signp_buf_putc(out, '}');
	if (r != SIGN_OK)
		r = signp_err(err, r == SIGN_ENOMEM ? r : SIGN_EINVAL, "attest: the subject name is not UTF-8");
out:
	sign_buf_dispose(&pred);
	return r;
}

int signp_attest_envelope(sign_buf *out, const signp_key *k, const void *statement, size_t len,
	sign_error *err)
{
	sign_buf pae = SIGN_BUF_INIT, der = SIGN_BUF_INIT, sig = SIGN_BUF_INIT, body = SIGN_BUF_INIT;
	int r;

	if ((r = signp_dsse_pae(&pae, SIGNP_INTOTO_PAYLOAD_TYPE, statement, len)) != SIGN_OK ||
	    (r = signp_b64_encode(&body, statement, len)) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "attest: out of memory");
		goto out;
	}
	if ((r = signp_key_sign_der(&der, k, pae.ptr, pae.size, err)) != SIGN_OK)
		goto out;
	if (signp_b64_encode(&sig, der.ptr, der.size) != SIGN_OK ||
	    signp_buf_printf(out, "{\"payloadType\":\"" SIGNP_INTOTO_PAYLOAD_TYPE "\",\"payload\":\"%s\","
		    "\"signatures\":[{\"keyid\":\"\",\"sig\":\"%s\"}]}", body.ptr, sig.ptr) != SIGN_OK)
		r = signp_err(err, SIGN_ENOMEM, "attest: out of memory");
out:
	sign_buf_dispose(&pae);
	sign_buf_dispose(&der);
	sign_buf_dispose(&sig);
	sign_buf_dispose(&body);
	return r;
}

int signp_attest_tag(char out[96], const char *digest)
{
	if (digest == NULL || !signp_digest_valid(digest))
		return SIGN_EINVAL;
	snprintf(out, 96, "sha256-%s.att", digest + 7);
	return SIGN_OK;
}

json_t *signp_attest_layer(const char *env_digest, uint64_t size, const char *type_uri)
{
	/* the annotations in the order Go's encoding/json writes a map's */
	return json_pack("{s:s,s:I,s:s,s:{s:s,s:s}}", "mediaType", SIGN_MT_DSSE, "size", (json_int_t)size,
		"digest", env_digest, "annotations", SIGN_ANN_SIGNATURE, "", SIGNP_ATT_ANN_PREDICATE,
		type_uri);
}

void signp_attest_layers_free(signp_att_layer *l, size_t n)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		json_decref(l[i].annotations);
	free(l);
}

int signp_attest_layers(signp_att_layer **out, size_t *n, const void *manifest, size_t len,
	sign_error *err)
{
	json_t *doc, *layers, *layer;
	json_error_t je;
	signp_att_layer *l = NULL;
	size_t i, count = 0;

	*out = NULL;
	*n = 0;
	if (len > SIGN_MAX_MANIFEST)
		return signp_err(err, SIGN_EFORMAT, "attestation manifest: more than %u bytes", SIGN_MAX_MANIFEST);
	if ((doc = json_loadb(manifest, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return signp_err(err, SIGN_EFORMAT, "attestation manifest: invalid JSON: %s", je.text);
	layers = json_object_get(doc, "layers");
	if (!json_is_array(layers) || json_array_size(layers) > SIGN_MAX_SIGNATURES) {
		json_decref(doc);
		return signp_err(err, SIGN_EFORMAT, "attestation manifest: no \"layers\" array of at most %d",
			SIGN_MAX_SIGNATURES);
	}
	if (json_array_size(layers) > 0 && (l = calloc(json_array_size(layers), sizeof(*l))) == NULL) {
		json_decref(doc);
		return signp_err(err, SIGN_ENOMEM, "attestation manifest: out of memory");
	}
	/* a malformed layer is skipped: one bad layer must not hide the
	 * good ones beside it */
	json_array_foreach(layers, i, layer) {
		const char *mt = json_string_value(json_object_get(layer, "mediaType"));
		const char *d = json_string_value(json_object_get(layer, "digest"));
		json_t *sz = json_object_get(layer, "size"), *ann = json_object_get(layer, "annotations");
		int bundle = mt != NULL && signp_str_has_prefix(mt, SIGN_MT_SIGSTORE_BUNDLE_PREFIX);
		if (mt == NULL || (strcmp(mt, SIGN_MT_DSSE) != 0 && !bundle) || d == NULL || !signp_digest_valid(d) ||
		    !json_is_integer(sz) || json_integer_value(sz) < 0 ||
		    json_integer_value(sz) > (json_int_t)SIGNP_ATT_MAX_ENVELOPE ||
		    (ann != NULL && !json_is_object(ann)))
			continue;
		signp_strlcpy(l[count].digest, d, sizeof(l[count].digest));
		l[count].size = (uint64_t)json_integer_value(sz);
		l[count].bundle = bundle;
		l[count].annotations = ann ? json_incref(ann) : json_object();
		if (l[count].annotations == NULL) {
			signp_attest_layers_free(l, count);
			json_decref(doc);
			return signp_err(err, SIGN_ENOMEM, "attestation manifest: out of memory");
		}
		count++;
	}
	json_decref(doc);
	*out = l;
	*n = count;
	return SIGN_OK;
}

int signp_attest_bundle_envelope(sign_buf *env, json_t **bundle, const void *data, size_t len,
	sign_error *err)
{
	json_t *doc, *e;
	json_error_t je;
	const char *mt;
	char *s;
	int r;

	if (bundle != NULL)
		*bundle = NULL;
	if (len > SIGNP_ATT_MAX_ENVELOPE)
		return signp_err(err, SIGN_EFORMAT, "Sigstore bundle: %zu bytes, more than %u", len,
			SIGNP_ATT_MAX_ENVELOPE);
	if ((doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return signp_err(err, SIGN_EFORMAT, "Sigstore bundle: not JSON: %s", je.text);
	mt = json_string_value(json_object_get(doc, "mediaType"));
	if (mt == NULL || !signp_str_has_prefix(mt, SIGN_MT_SIGSTORE_BUNDLE_PREFIX)) {
		json_decref(doc);
		return signp_err(err, SIGN_EFORMAT, "Sigstore bundle: no Sigstore bundle media type");
	}
	if (!json_is_object(e = json_object_get(doc, "dsseEnvelope"))) {
		json_decref(doc);
		return signp_err(err, SIGN_EFORMAT, "Sigstore bundle: it holds no DSSE envelope (a message "
			"signature is no attestation)");
	}
	if ((s = json_dumps(e, JSON_COMPACT)) == NULL) {
		json_decref(doc);
		return signp_err(err, SIGN_ENOMEM, "Sigstore bundle: out of memory");
	}
	signp_buf_clear(env);
	r = signp_buf_puts(env, s);
	free(s);
	if (r != SIGN_OK) {
		json_decref(doc);
		return signp_err(err, SIGN_ENOMEM, "Sigstore bundle: out of memory");
	}
	if (bundle != NULL)
		*bundle = doc;
	else
		json_decref(doc);
	return SIGN_OK;
}

/*
 * cjson.c - canonical JSON as notary signs it, and the exact file bytes
 * notary writes (shared/reference/notary-tuf.md §1.1 and §1.3).
 *
 * Canonical form: object keys sorted bytewise, no whitespace, strings with
 * only `"` and `\` escaped (everything else raw UTF-8), integers in decimal,
 * reals only when integral (printed as int64), true/false/null.
 *
 * Wire form: the canonical form with `<`, `>`, `&`, U+2028 and U+2029
 * replaced by \u003c, \u003e, \u0026, \u2028 and \u2029 (Go's json.Marshal
 * of a RawMessage), wrapped as {"signed":...,"signatures":[...]}.
 */
#include "tuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* jansson's own parser stops at this depth; trees built by hand are bounded
 * the same way so that recursion stays shallow. */
#define CJSON_MAX_DEPTH 2048

static int cmp_keys(const void *a, const void *b)
{
	const char *const *x = a;
	const char *const *y = b;
	return strcmp(*x, *y);
}

/* Write a JSON string.  wire != 0 adds Go's HTML-safe escapes. */
static int put_string(sign_buf *out, const char *s, size_t len, int wire, sign_error *err)
{
	size_t i, run = 0;
	const unsigned char *u = (const unsigned char *)s;

	if (signp_buf_putc(out, '"') != SIGN_OK)
		goto nomem;
	for (i = 0; i < len; i++) {
		const char *esc = NULL;
		size_t skip = 1;
		unsigned char c = u[i];

		if (c < 0x20)
			return signp_err(err, SIGN_EFORMAT,
				"canonical JSON: control character 0x%02x in a string", c);
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (wire && c == '<')
			esc = "\\u003c";
		else if (wire && c == '>')
			esc = "\\u003e";
		else if (wire && c == '&')
			esc = "\\u0026";
		else if (wire && c == 0xe2 && i + 2 < len && u[i + 1] == 0x80 &&
			 (u[i + 2] == 0xa8 || u[i + 2] == 0xa9)) {
			esc = u[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
			skip = 3;
		}
		if (esc == NULL) {
			run++;
			continue;
		}
		if (run && signp_buf_put(out, s + i - run, run) != SIGN_OK)
			goto nomem;
		run = 0;
		if (signp_buf_puts(out, esc) != SIGN_OK)
			goto nomem;
		i += skip - 1;
	}
	if (run && signp_buf_put(out, s + len - run, run) != SIGN_OK)
		goto nomem;
	if (signp_buf_putc(out, '"') != SIGN_OK)
		goto nomem;
	return SIGN_OK;
nomem:
	return signp_err(err, SIGN_ENOMEM, "canonical JSON: out of memory");
}

static int put_value(sign_buf *out, const json_t *v, int wire, int depth, sign_error *err);

static int put_object(sign_buf *out, const json_t *v, int wire, int depth, sign_error *err)
{
	int r = SIGN_ERROR;
	size_t n = json_object_size(v), i = 0;
	const char **keys = NULL;
	const char *k;
	json_t *val;

	if (n == 0) {
		if (signp_buf_puts(out, "{}") != SIGN_OK)
			return signp_err(err, SIGN_ENOMEM, "canonical JSON: out of memory");
		return SIGN_OK;
	}
	keys = calloc(n, sizeof(*keys));
	if (keys == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "canonical JSON: out of memory");
		goto out;
	}
	/* jansson has no const iteration API; nothing is modified. */
	json_object_foreach((json_t *)v, k, val) {
		if (i < n)
			keys[i++] = k;
	}
	n = i;
	qsort(keys, n, sizeof(*keys), cmp_keys);
	if (signp_buf_putc(out, '{') != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "canonical JSON: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (i > 0 && signp_buf_putc(out, ',') != SIGN_OK) {
			r = signp_err(err, SIGN_ENOMEM, "canonical JSON: out of memory");
			goto out;
		}
		if ((r = put_string(out, keys[i], strlen(keys[i]), wire, err)) != SIGN_OK)
			goto out;
		if (signp_buf_putc(out, ':') != SIGN_OK) {
			r = signp_err(err, SIGN_ENOMEM, "canonical JSON: out of memory");
			goto out;
		}
		if ((r = put_value(out, json_object_get(v, keys[i]), wire, depth + 1, err)) !=
		    SIGN_OK)
			goto out;
	}
	if (signp_buf_putc(out, '}') != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "canonical JSON: out of memory");
		goto out;
	}
	r = SIGN_OK;
out:
	free(keys);
	return r;
}

static int put_value(sign_buf *out, const json_t *v, int wire, int depth, sign_error *err)
{
	size_t i, n;
	int r;

	if (v == NULL)
		return signp_err(err, SIGN_EINVAL, "canonical JSON: missing value");
	if (depth > CJSON_MAX_DEPTH)
		return signp_err(err, SIGN_EFORMAT, "canonical JSON: nesting too deep");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_object(out, v, wire, depth, err);
	case JSON_ARRAY:
		n = json_array_size(v);
		if (signp_buf_putc(out, '[') != SIGN_OK)
			goto nomem;
		for (i = 0; i < n; i++) {
			if (i > 0 && signp_buf_putc(out, ',') != SIGN_OK)
				goto nomem;
			r = put_value(out, json_array_get(v, i), wire, depth + 1, err);
			if (r != SIGN_OK)
				return r;
		}
		if (signp_buf_putc(out, ']') != SIGN_OK)
			goto nomem;
		return SIGN_OK;
	case JSON_STRING:
		return put_string(out, json_string_value(v), json_string_length(v), wire, err);
	case JSON_INTEGER:
		if (signp_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) != SIGN_OK)
			goto nomem;
		return SIGN_OK;
	case JSON_REAL: {
		double d = json_real_value(v);
		/* Go: math.Floor(f) != f is an error; then int64(f).  Keep to the
		 * range where that conversion is exact. */
		if (!isfinite(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0 ||
		    (double)(long long)d != d)
			return signp_err(err, SIGN_EFORMAT,
				"canonical JSON: number %g is not an integer", d);
		if (signp_buf_printf(out, "%lld", (long long)d) != SIGN_OK)
			goto nomem;
		return SIGN_OK;
	}
	case JSON_TRUE:
		if (signp_buf_puts(out, "true") != SIGN_OK)
			goto nomem;
		return SIGN_OK;
	case JSON_FALSE:
		if (signp_buf_puts(out, "false") != SIGN_OK)
			goto nomem;
		return SIGN_OK;
	case JSON_NULL:
		if (signp_buf_puts(out, "null") != SIGN_OK)
			goto nomem;
		return SIGN_OK;
	}
	return signp_err(err, SIGN_EFORMAT, "canonical JSON: unknown value type");
nomem:
	return signp_err(err, SIGN_ENOMEM, "canonical JSON: out of memory");
}

int signp_cjson_canonical(sign_buf *out, const json_t *v, sign_error *err)
{
	size_t start;
	int r;

	if (out == NULL)
		return signp_err(err, SIGN_EINVAL, "canonical JSON: no output buffer");
	start = out->size;
	r = put_value(out, v, 0, 0, err);
	if (r != SIGN_OK && out->ptr != NULL) {
		out->size = start;
		out->ptr[start] = '\0';
	}
	return r;
}

/* One signature object, fields in Go struct order: keyid, method, sig. */
static int put_signature(sign_buf *out, const json_t *sig, sign_error *err)
{
	static const char *const fields[] = { "keyid", "method", "sig" };
	size_t i;
	int r;

	if (!json_is_object(sig))
		return signp_err(err, SIGN_EFORMAT, "metadata bytes: signature is not an object");
	if (signp_buf_putc(out, '{') != SIGN_OK)
		goto nomem;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const json_t *s = json_object_get(sig, fields[i]);
		if (!json_is_string(s))
			return signp_err(err, SIGN_EFORMAT,
				"metadata bytes: signature %s is not a string", fields[i]);
		if (signp_buf_printf(out, "%s\"%s\":", i ? "," : "", fields[i]) != SIGN_OK)
			goto nomem;
		r = put_string(out, json_string_value(s), json_string_length(s), 1, err);
		if (r != SIGN_OK)
			return r;
	}
	if (signp_buf_putc(out, '}') != SIGN_OK)
		goto nomem;
	return SIGN_OK;
nomem:
	return signp_err(err, SIGN_ENOMEM, "metadata bytes: out of memory");
}

int signp_cjson_wire(sign_buf *out, const json_t *signed_obj, const json_t *signatures,
	sign_error *err)
{
	size_t start, i, n;
	int r = SIGN_ERROR;

	if (out == NULL || !json_is_object(signed_obj) ||
	    (signatures != NULL && !json_is_array(signatures)))
		return signp_err(err, SIGN_EINVAL, "metadata bytes: bad arguments");
	start = out->size;
	if (signp_buf_puts(out, "{\"signed\":") != SIGN_OK)
		goto nomem;
	if ((r = put_value(out, signed_obj, 1, 0, err)) != SIGN_OK)
		goto out;
	if (signp_buf_puts(out, ",\"signatures\":[") != SIGN_OK)
		goto nomem;
	n = signatures ? json_array_size(signatures) : 0;
	for (i = 0; i < n; i++) {
		if (i > 0 && signp_buf_putc(out, ',') != SIGN_OK)
			goto nomem;
		if ((r = put_signature(out, json_array_get(signatures, i), err)) != SIGN_OK)
			goto out;
	}
	if (signp_buf_puts(out, "]}") != SIGN_OK)
		goto nomem;
	r = SIGN_OK;
	goto out;
nomem:
	r = signp_err(err, SIGN_ENOMEM, "metadata bytes: out of memory");
out:
	if (r != SIGN_OK && out->ptr != NULL) {
		out->size = start;
		out->ptr[start] = '\0';
	}
	return r;
}

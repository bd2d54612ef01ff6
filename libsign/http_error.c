/*
 * http_error.c - error answers: the registry error document
 * ({"errors":[{"code","message","detail"}]}) read bounded and cleaned to
 * printable text, and the error a status that was not expected becomes.
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

void signp_registry_error_doc(signp_registry_errdoc *out, const void *body, size_t len)
{
	char *code = out->code, *msg = out->msg, *detail = out->detail;
	json_t *j = NULL;

	memset(out, 0, sizeof(*out));
	if (body != NULL && len > 0 && len <= SIGNP_HTTP_SMALL_MAX)
		j = json_loadb(body, len, 0, NULL);
	if (json_is_object(j)) {
		json_t *errs = json_object_get(j, "errors");
		json_t *e0 = json_is_array(errs) ? json_array_get(errs, 0) : NULL;
		if (json_is_object(e0)) {
			json_t *c = json_object_get(e0, "code"), *m = json_object_get(e0, "message");
			json_t *d = json_object_get(e0, "detail");
			if (json_is_string(c))
				signp_clean_copy(code, sizeof(out->code), json_string_value(c),
					json_string_length(c));
			if (json_is_string(m))
				signp_clean_copy(msg, sizeof(out->msg), json_string_value(m),
					json_string_length(m));
			if (json_is_string(d)) {
				signp_clean_copy(detail, sizeof(out->detail), json_string_value(d),
					json_string_length(d));
			} else if (d != NULL && !json_is_null(d)) {
				char *s = json_dumps(d, JSON_COMPACT);
				if (s != NULL)
					signp_clean_copy(detail, sizeof(out->detail), s, strlen(s));
				free(s);
			}
		}
	}
	json_decref(j);
}

int signp_http_status_error(const char *host, const signp_http_xfer *x, sign_error *err, const char *fmt, ...)
{
	char what[300];
	signp_registry_errdoc doc;
	const char *code = doc.code, *msg = doc.msg, *detail = doc.detail;
	int rc = SIGN_EREGISTRY;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

	signp_registry_error_doc(&doc, x->body.ptr, x->body.size);

	/* not found: a 404, or an *_UNKNOWN code -- except MANIFEST_BLOB_UNKNOWN,
	 * which is a push refused for a missing blob */
	if (x->status == 404 || (code[0] && signp_str_has_suffix(code, "_UNKNOWN") &&
	    strcmp(code, "MANIFEST_BLOB_UNKNOWN") != 0))
		rc = SIGN_ENOTFOUND;
	if (x->status == 401 || x->status == 403 || strcmp(code, "UNAUTHORIZED") == 0 ||
	    strcmp(code, "DENIED") == 0)
		rc = SIGN_EAUTH;

	if (rc == SIGN_EAUTH && x->status == 401) {
		if (x->creds_sent)
			signp_err(err, rc, "%s: registry %s refused the credentials%s%s", what, host,
				code[0] ? ": " : "", code);
		else
			signp_err(err, rc, "%s: registry %s requires authentication%s%s", what, host,
				code[0] ? ": " : "", code);
		signp_err_hint(err, "run `docker login %s`", host);
	} else if (code[0]) {
		signp_err(err, rc, "%s: registry %s: %s: %s%s%s%s", what, host, code,
			msg[0] ? msg : "(no message)", detail[0] ? " (" : "", detail, detail[0] ? ")" : "");
		if (rc == SIGN_EAUTH)
			signp_err_hint(err, "check your access to the repository (`docker login %s`)", host);
	} else {
		char text[120] = "";
		int textual = x->body.size > 0 &&
			(signp_str_has_prefix(x->content_type, "text/") || x->content_type[0] == '\0');
		if (textual)
			signp_clean_copy(text, sizeof(text), x->body.ptr, x->body.size);
		signp_err(err, rc, "%s: registry %s: HTTP %ld%s%s%s%s", what, host, x->status,
			x->reason[0] ? " " : "", x->reason, text[0] ? ": " : "", text);
		if (rc == SIGN_EAUTH)
			signp_err_hint(err, "run `docker login %s`", host);
	}
	signp_err_source(err, "registry");
	return rc;
}

int signp_http_is_error_doc(const signp_http_xfer *x)
{
	json_t *j;
	int yes;
	if (x->body.size == 0 || x->body.size > SIGNP_HTTP_SMALL_MAX)
		return 0;
	j = json_loadb(x->body.ptr, x->body.size, 0, NULL);
	yes = json_is_array(json_object_get(j, "errors"));
	json_decref(j);
	return yes;
}

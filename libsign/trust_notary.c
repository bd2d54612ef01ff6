/*
 * trust_notary.c - the trust collection on a Notary v1 server
 * (notary-server; reference notary-tuf.md §5 and §6).
 *
 * Files live under /v2/<gun>/_trust/tuf/: <role>.json (current),
 * <role>.<sha256hex>.json (by checksum), <N>.<role>.json (by version).
 * Publishing is one atomic multipart POST of every changed role but the
 * timestamp, which the server always signs itself.  The server may hold
 * the timestamp (and snapshot) keys: <role>.key hands out their public
 * halves.  Every answer is bounded and its errors turned into messages.
 */
#include "notary.h"
#include "ref.h"
#include "tuf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define NOTARY_MAGIC 0x6e6f7461u
#define ERROR_DOC_MAX (64u << 10)
#define PUBLISH_ANSWER_MAX (1u << 20)
#define SHOWN_MAX 300

typedef struct notary_be {
	signp_trust_backend be;
	unsigned magic;
	signp_registry *http;  /* borrowed */
	char gun[520];
	char server[256];      /* host[:port], for messages */
	char base[600];        /* "/v2/<gun>/_trust/tuf/" */
	char scope_pull[640];
	char scope_push[640];
	char scope_all[640];
	sign_buf ts;           /* timestamp bytes of the view */
	int have_ts;
} notary_be;

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */


static void clean_json_string(char *out, size_t outsz, const json_t *s)
{
	out[0] = '\0';
	if (json_is_string(s))
		signp_clean_copy(out, outsz, json_string_value(s), json_string_length(s));
}

int signp_notary_role_ok(const char *role)
{
	size_t i, n;
	if (role == NULL)
		return 0;
	if (strcmp(role, "root") == 0 || strcmp(role, "targets") == 0 ||
	    strcmp(role, "snapshot") == 0 || strcmp(role, "timestamp") == 0)
		return 1;
	n = strlen(role);
	if (n <= 8 || n >= 256 || strncmp(role, "targets/", 8) != 0)
		return 0;
	for (i = 8; i < n; i++) {
		unsigned char c = (unsigned char)role[i];
		if (c == '/') {
			if (role[i - 1] == '/' || i + 1 == n)
				return 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

static int hex64_ok(const char *s)
{
	size_t i;
	if (s == NULL || strlen(s) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static void nb_free(signp_trust_backend *be);

/* be as this file's handle, or NULL: a backend is one of ours when its
 * table is (its free function), and the handle still alive (magic). */
static notary_be *as_notary(signp_trust_backend *be)
{
	notary_be *n = (notary_be *)be;
	if (be == NULL || be->free != nb_free || n->magic != NOTARY_MAGIC)
		return NULL;
	return n;
}

/* ------------------------------------------------------------------------ */
/* error documents                                                          */

int signp_notary_error(sign_error *err, const char *what, const char *server, long status,
	const void *body, size_t len)
{
	char code[64] = "", msg[SHOWN_MAX] = "", detail[SHOWN_MAX] = "";
	char dname[64] = "", dmsg[SHOWN_MAX] = "", dmissing[64] = "";
	json_t *j = NULL, *e0 = NULL, *d = NULL;
	int rc = SIGN_EREGISTRY;

	if (what == NULL)
		what = "notary request";
	if (server == NULL)
		server = "?";
	if (body != NULL && len > 0 && len <= ERROR_DOC_MAX)
		j = json_loadb(body, len, 0, NULL);
	if (json_is_object(j)) {
		json_t *errs = json_object_get(j, "errors");
		e0 = json_is_array(errs) ? json_array_get(errs, 0) : NULL;
	}
	if (json_is_object(e0)) {
		clean_json_string(code, sizeof(code), json_object_get(e0, "code"));
		clean_json_string(msg, sizeof(msg), json_object_get(e0, "message"));
		d = json_object_get(e0, "detail");
		if (json_is_string(d)) {
			clean_json_string(detail, sizeof(detail), d);
		} else if (json_is_object(d)) {
			json_t *er = json_object_get(d, "Error");
			clean_json_string(dname, sizeof(dname), json_object_get(d, "Name"));
			clean_json_string(dmissing, sizeof(dmissing), json_object_get(d, "Missing"));
			if (json_is_object(er)) {
				clean_json_string(dmsg, sizeof(dmsg), json_object_get(er, "Msg"));
				if (dmissing[0] == '\0') /* ErrBadHierarchy: {"Missing","Msg"} */
					clean_json_string(dmissing, sizeof(dmissing), json_object_get(er, "Missing"));
			} else
				clean_json_string(dmsg, sizeof(dmsg), er);
			if (dname[0] == '\0' && dmsg[0] == '\0' && json_object_size(d) > 0) {
				char *s = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
				if (s != NULL)
					signp_clean_copy(detail, sizeof(detail), s, strlen(s));
				free(s);
			}
		} else if (d != NULL && !json_is_null(d)) {
			char *s = json_dumps(d, JSON_COMPACT | JSON_ENCODE_ANY);
			if (s != NULL)
				signp_clean_copy(detail, sizeof(detail), s, strlen(s));
			free(s);
		}
	}
	json_decref(j);

	if (status == 404 || strcmp(code, "METADATA_NOT_FOUND") == 0) {
		rc = signp_err(err, SIGN_ENOTFOUND, "%s: notary server %s has no such trust data%s%s", what,
			server, code[0] ? ": " : "", code);
	} else if (status == 401 || status == 403 || strcmp(code, "UNAUTHORIZED") == 0 ||
		   strcmp(code, "DENIED") == 0) {
		rc = signp_err(err, SIGN_EAUTH, "%s: notary server %s refused access: HTTP %ld%s%s%s%s", what,
			server, status, code[0] ? " " : "", code, msg[0] ? ": " : "", msg);
		signp_err_hint(err, "log in to the registry (`docker login`) or check your access to the repository");
	} else if (strcmp(code, "VERSION") == 0) {
		rc = signp_err(err, SIGN_ECONFLICT, "%s: notary server %s: a newer version of the trust data "
			"is already available (another publisher updated it)", what, server);
		signp_err_hint(err, "run the command again to build on the newest version");
	} else if (strcmp(code, "INVALID_UPDATE") == 0) {
		if (dname[0] || dmsg[0])
			rc = signp_err(err, SIGN_EREGISTRY, "%s: notary server %s refused the update: %s%s%s%s%s%s",
				what, server, dname[0] ? dname : "invalid update", dmsg[0] ? ": " : "", dmsg,
				dmissing[0] ? " (missing: " : "", dmissing, dmissing[0] ? ")" : "");
		else
			rc = signp_err(err, SIGN_EREGISTRY, "%s: notary server %s refused the update: %s%s%s%s",
				what, server, msg[0] ? msg : "invalid update", detail[0] ? " (" : "", detail,
				detail[0] ? ")" : "");
		if (strcmp(dmissing, "snapshot") == 0)
			signp_err_hint(err, "the server does not hold the snapshot key: the snapshot must be "
				"signed and uploaded by the publisher");
	} else if (status >= 500 && status <= 599) {
		char text[120] = "";
		if (!code[0] && body != NULL && len > 0)
			signp_clean_copy(text, sizeof(text), body, len < 400 ? len : 400);
		rc = signp_err(err, SIGN_EREGISTRY, "%s: notary server %s is unavailable: HTTP %ld%s%s%s%s",
			what, server, status, code[0] ? " " : "", code, (msg[0] || text[0]) ? ": " : "",
			msg[0] ? msg : text);
	} else if (code[0]) {
		rc = signp_err(err, SIGN_EREGISTRY, "%s: notary server %s: %s: %s%s%s%s", what, server, code,
			msg[0] ? msg : "(no message)", detail[0] ? " (" : "", detail, detail[0] ? ")" : "");
		if (strcmp(code, "INVALID_GUN") == 0)
			signp_err_hint(err, "the server does not serve this repository name (gun_prefixes)");
	} else {
		char text[120] = "";
		if (body != NULL && len > 0)
			signp_clean_copy(text, sizeof(text), body, len < 400 ? len : 400);
		rc = signp_err(err, SIGN_EREGISTRY, "%s: notary server %s: HTTP %ld%s%s", what, server, status,
			text[0] ? ": " : "", text);
	}
	signp_err_source(err, "notary");
	return rc;
}

/* ------------------------------------------------------------------------ */
/* requests                                                                 */

/* GET base + file; SIGN_OK with 200, SIGN_ENOTFOUND (err set) on 404. */
static int get_file(notary_be *n, const char *file, size_t max, sign_buf *out, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT, body = SIGN_BUF_INIT;
	long status = 0;
	char what[1000];
	int r;
	snprintf(what, sizeof(what), "fetching %s of %s", file, n->gun);
	if (signp_buf_printf(&path, "%s%s", n->base, file) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "%s: out of memory", what);
		goto out;
	}
	r = signp_registry_request(n->http, "GET", path.ptr, NULL, NULL, 0, n->scope_pull, max, &body,
		&status, err);
	if (r != SIGN_OK) {
		if (r == SIGN_EFORMAT) {
			/* over the bound the signed metadata (or the spec) sets: a
			 * server sending it is misbehaving */
			r = SIGN_EVERIFY;
			if (err != NULL)
				err->code = r;
			signp_err_prefix(err, r, "%s", what);
		}
		goto out;
	}
	if (status != 200) {
		r = signp_notary_error(err, what, n->server, status, body.ptr, body.size);
		goto out;
	}
	if (body.size > max) { /* the transport bounds it; belt and braces */
		r = signp_err(err, SIGN_EVERIFY, "%s: notary server %s: answer exceeds %zu bytes", what,
			n->server, max);
		goto out;
	}
	sign_buf_dispose(out);
	*out = body;
	memset(&body, 0, sizeof(body));
	r = SIGN_OK;
out:
	sign_buf_dispose(&path);
	sign_buf_dispose(&body);
	return r;
}

static int nb_refresh(signp_trust_backend *be, sign_error *err)
{
	notary_be *n = (notary_be *)be;
	sign_buf b = SIGN_BUF_INIT;
	sign_error e;
	int r;
	memset(&e, 0, sizeof(e));
	n->have_ts = 0;
	signp_buf_clear(&n->ts);
	r = get_file(n, "timestamp.json", SIGN_MAX_TIMESTAMP, &b, &e);
	if (r == SIGN_ENOTFOUND) {
		/* an expected answer for a GUN never published */
		r = signp_err(err, SIGN_ENOTFOUND, "%s has no trust data on notary server %s", n->gun,
			n->server);
		goto out;
	}
	if (r != SIGN_OK) {
		if (err != NULL && err->message[0] == '\0')
			*err = e;
		goto out;
	}
	sign_buf_dispose(&n->ts);
	n->ts = b;
	memset(&b, 0, sizeof(b));
	n->have_ts = 1;
out:
	sign_buf_dispose(&b);
	return r;
}

static int nb_fetch(signp_trust_backend *be, const char *role, int64_t version,
	const char *sha256_hex, size_t max, sign_buf *out, sign_error *err)
{
	notary_be *n = (notary_be *)be;
	char file[400];
	int r;
	if (!signp_notary_role_ok(role))
		return signp_err(err, SIGN_EINVAL, "fetching trust data of %s: invalid role name", n->gun);
	if (out == NULL || max == 0)
		return signp_err(err, SIGN_EINVAL, "fetching trust data of %s: no output", n->gun);
	if (version > 0) {
		snprintf(file, sizeof(file), "%lld.%s.json", (long long)version, role);
		return get_file(n, file, max, out, err);
	}
	if (strcmp(role, "timestamp") == 0 && n->have_ts) {
		if (n->ts.size > max)
			return signp_err(err, SIGN_EVERIFY, "fetching timestamp.json of %s: %zu bytes exceed %zu",
				n->gun, n->ts.size, max);
		signp_buf_clear(out);
		return signp_buf_put(out, n->ts.ptr ? n->ts.ptr : "", n->ts.size) == SIGN_OK ? SIGN_OK :
			signp_err(err, SIGN_ENOMEM, "fetching timestamp.json: out of memory");
	}
	if (sha256_hex != NULL && sha256_hex[0] != '\0') {
		sign_error e;
		if (!hex64_ok(sha256_hex))
			return signp_err(err, SIGN_EINVAL, "fetching %s of %s: invalid sha256 \"%.70s\"", role,
				n->gun, sha256_hex);
		memset(&e, 0, sizeof(e));
		snprintf(file, sizeof(file), "%s.%s.json", role, sha256_hex);
		r = get_file(n, file, max, out, &e);
		if (r != SIGN_ENOTFOUND) {
			if (r != SIGN_OK && err != NULL && err->message[0] == '\0')
				*err = e;
			return r;
		}
		/* servers that do not index by checksum: the current file (the
		 * caller checks its hash either way) */
	}
	snprintf(file, sizeof(file), "%s.json", role);
	return get_file(n, file, max, out, err);
}

int signp_notary_publish_body(sign_buf *body, char boundary_out[72], const signp_trust_out *files,
	size_t n, size_t *nparts_out, sign_error *err)
{
	signp_multipart_part *parts = NULL;
	size_t i, np = 0;
	int r;
	if (nparts_out != NULL)
		*nparts_out = 0;
	if (files == NULL && n > 0)
		return signp_err(err, SIGN_EINVAL, "publishing: no files");
	parts = calloc(n + 1, sizeof(*parts));
	if (parts == NULL)
		return signp_err(err, SIGN_ENOMEM, "publishing: out of memory");
	for (i = 0; i < n; i++) {
		if (!signp_notary_role_ok(files[i].role)) {
			r = signp_err(err, SIGN_EINVAL, "publishing: invalid role name \"%.128s\"", files[i].role);
			goto out;
		}
		if (files[i].bytes == NULL || files[i].len == 0) {
			r = signp_err(err, SIGN_EINVAL, "publishing: %s is empty", files[i].role);
			goto out;
		}
		if (strcmp(files[i].role, "timestamp") == 0)
			continue; /* the server makes the timestamp */
		for (size_t k = 0; k < np; k++) {
			if (strcmp(parts[k].filename, files[i].role) == 0) {
				r = signp_err(err, SIGN_EINVAL, "publishing: %s given twice", files[i].role);
				goto out;
			}
		}
		parts[np].name = "files";
		parts[np].filename = files[i].role;
		parts[np].content_type = "application/octet-stream";
		parts[np].data = files[i].bytes;
		parts[np].len = files[i].len;
		np++;
	}
	if (np == 0) {
		r = signp_err(err, SIGN_EINVAL, "publishing: nothing to upload (the server signs the timestamp)");
		goto out;
	}
	r = signp_multipart_build(body, boundary_out, parts, np, err);
	if (r == SIGN_OK && nparts_out != NULL)
		*nparts_out = np;
out:
	free(parts);
	return r;
}

static int nb_publish(signp_trust_backend *be, const signp_trust_out *files, size_t nfiles,
	sign_error *err)
{
	notary_be *n = (notary_be *)be;
	sign_buf body = SIGN_BUF_INIT, resp = SIGN_BUF_INIT;
	char boundary[72], ctype[128], what[700];
	long status = 0;
	int r;

	snprintf(what, sizeof(what), "publishing trust data of %s", n->gun);
	r = signp_notary_publish_body(&body, boundary, files, nfiles, NULL, err);
	if (r != SIGN_OK) {
		if (r != SIGN_ENOMEM)
			signp_err_prefix(err, r, "%s", n->gun);
		goto out;
	}
	snprintf(ctype, sizeof(ctype), "multipart/form-data; boundary=%s", boundary);
	r = signp_registry_request(n->http, "POST", n->base, ctype, body.ptr, body.size, n->scope_push,
		PUBLISH_ANSWER_MAX, &resp, &status, err);
	if (r != SIGN_OK) {
		if (r == SIGN_ENET)
			signp_err_hint(err, "the update may or may not have been stored: run `sign verify` or "
				"publish again");
		goto out;
	}
	if (status != 200 && status != 201 && status != 204) {
		r = signp_notary_error(err, what, n->server, status, resp.ptr, resp.size);
		goto out;
	}
	/* the server signed a new timestamp: the view is stale */
	n->have_ts = 0;
	signp_buf_clear(&n->ts);
	r = SIGN_OK;
out:
	sign_buf_dispose(&body);
	sign_buf_dispose(&resp);
	return r;
}

/* The root GET that follows every refresh of a verify, sent now on a second
 * connection, so that notary-server answers it while it answers the
 * timestamp; nb_fetch("root") collects it. */
static void nb_prefetch_root(signp_trust_backend *be)
{
	notary_be *n = (notary_be *)be;
	char path[700];
	if (snprintf(path, sizeof(path), "%sroot.json", n->base) < (int)sizeof(path))
		(void)signp_registry_side_get(n->http, path, SIGN_MAX_METADATA);
}

static int nb_add_idle(signp_trust_backend *be, void (*fn)(void *), void *arg)
{
	return signp_registry_add_idle(((notary_be *)be)->http, fn, arg);
}

static void nb_drop_idle(signp_trust_backend *be, void (*fn)(void *), void *arg)
{
	signp_registry_drop_idle(((notary_be *)be)->http, fn, arg);
}

static void nb_free(signp_trust_backend *be)
{
	notary_be *n = (notary_be *)be;
	if (n == NULL)
		return;
	/* an answer not collected must not serve a later GET */
	signp_registry_side_cancel(n->http);
	sign_buf_dispose(&n->ts);
	n->magic = 0;
	free(n);
}

static int nb_server_key(signp_trust_backend *be, const char *role, int rotate, json_t **keyobj,
	char keyid[65], sign_error *err)
{
	return signp_notary_server_key(keyobj, keyid, be, role, rotate, err);
}

int signp_trust_backend_notary(signp_trust_backend **out, signp_registry *http, const char *gun,
	sign_error *err)
{
	notary_be *n;
	if (out == NULL)
		return signp_err(err, SIGN_EINVAL, "notary backend: no output");
	*out = NULL;
	if (http == NULL)
		return signp_err(err, SIGN_EINVAL, "notary backend: no server handle");
	if (gun == NULL || !signp_gun_valid(gun) || strlen(gun) >= 512)
		return signp_err(err, SIGN_EINVAL, "notary backend: invalid GUN \"%.128s\"", gun ? gun : "");
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	n->be.refresh = nb_refresh;
	n->be.fetch = nb_fetch;
	n->be.publish = nb_publish;
	n->be.free = nb_free;
	n->be.name = "notary";
	n->be.server_key = nb_server_key;
	n->be.prefetch_root = nb_prefetch_root;
	n->be.caps = SIGNP_TRUST_CAP_SERVER_TIMESTAMP | SIGNP_TRUST_CAP_SERVER_KEYS;
	n->magic = NOTARY_MAGIC;
	n->http = http;
	n->be.add_idle = nb_add_idle;
	n->be.drop_idle = nb_drop_idle;
	signp_strlcpy(n->gun, gun, sizeof(n->gun));
	signp_strlcpy(n->server, signp_registry_host(http), sizeof(n->server));
	snprintf(n->base, sizeof(n->base), "/v2/%s/_trust/tuf/", gun);
	snprintf(n->scope_pull, sizeof(n->scope_pull), "repository:%s:pull", gun);
	snprintf(n->scope_push, sizeof(n->scope_push), "repository:%s:push,pull", gun);
	snprintf(n->scope_all, sizeof(n->scope_all), "repository:%s:*", gun);
	*out = &n->be;
	return SIGN_OK;
}

/* ------------------------------------------------------------------------ */
/* server-held keys                                                         */

int signp_notary_parse_key(json_t **keyobj_out, char keyid_out[65], const void *body, size_t len,
	sign_error *err)
{
	json_t *j = NULL, *kv, *o = NULL;
	const char *kt, *pub;
	char id[65];
	EVP_PKEY *pk = NULL;
	sign_buf raw = SIGN_BUF_INIT;
	int r = SIGN_EFORMAT;

	if (keyobj_out != NULL)
		*keyobj_out = NULL;
	if (keyid_out != NULL)
		keyid_out[0] = '\0';
	if (body == NULL || len == 0 || len > SIGN_NOTARY_MAX_KEY) {
		r = signp_err(err, r, "server key: empty or oversized answer");
		goto out;
	}
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j)) {
		r = signp_err(err, r, "server key: the answer is not a JSON object");
		goto out;
	}
	kt = json_string_value(json_object_get(j, "keytype"));
	kv = json_object_get(j, "keyval");
	pub = json_string_value(json_object_get(kv, "public"));
	if (kt == NULL || !json_is_object(kv) || pub == NULL || pub[0] == '\0') {
		r = signp_err(err, r, "server key: no keytype or keyval.public");
		goto out;
	}
	if (strcmp(kt, "ed25519") != 0 && strcmp(kt, "ecdsa") != 0 && strcmp(kt, "rsa") != 0 &&
	    strcmp(kt, "ecdsa-x509") != 0 && strcmp(kt, "rsa-x509") != 0) {
		char shown[40];
		signp_clean_copy(shown, sizeof(shown), kt, strlen(kt));
		r = signp_err(err, r, "server key: unsupported key type \"%s\"", shown);
		goto out;
	}
	{
		json_t *priv = json_object_get(kv, "private");
		if (priv != NULL && !json_is_null(priv)) {
			r = signp_err(err, r, "server key: the answer carries a private key");
			goto out;
		}
	}
	if (json_string_length(json_object_get(kv, "public")) != strlen(pub) ||
	    signp_b64_decode(&raw, pub, strlen(pub)) != SIGN_OK || raw.size == 0) {
		r = signp_err(err, r, "server key: keyval.public is not base64");
		goto out;
	}
	o = json_pack("{s:s,s:{s:n,s:s}}", "keytype", kt, "keyval", "private", "public", pub);
	if (o == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "server key: out of memory");
		goto out;
	}
	/* it must be a usable public key of that type */
	if ((r = signp_tuf_key_pkey(&pk, o, err)) != SIGN_OK) {
		r = signp_err_prefix(err, SIGN_EFORMAT, "server key");
		goto out;
	}
	if ((r = signp_tuf_keyid(id, kt, pub, err)) != SIGN_OK)
		goto out;
	if (keyid_out != NULL)
		memcpy(keyid_out, id, sizeof(id));
	if (keyobj_out != NULL) {
		*keyobj_out = o;
		o = NULL;
	}
	r = SIGN_OK;
out:
	EVP_PKEY_free(pk);
	sign_buf_dispose(&raw);
	json_decref(o);
	json_decref(j);
	return r;
}

int signp_notary_server_key(json_t **keyobj_out, char keyid_out[65], signp_trust_backend *be,
	const char *role, int rotate, sign_error *err)
{
	notary_be *n = as_notary(be);
	sign_buf path = SIGN_BUF_INIT, body = SIGN_BUF_INIT;
	long status = 0;
	char what[700];
	int r;
	if (keyobj_out != NULL)
		*keyobj_out = NULL;
	if (n == NULL)
		return signp_err(err, SIGN_EINVAL, "server key: not a notary backend");
	if (role == NULL || (strcmp(role, "timestamp") != 0 && strcmp(role, "snapshot") != 0))
		return signp_err(err, SIGN_EINVAL, "server key: the server holds only timestamp and snapshot keys");
	snprintf(what, sizeof(what), "%s the %s key of %s", rotate ? "rotating" : "getting", role, n->gun);
	if (signp_buf_printf(&path, "%s%s.key", n->base, role) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "%s: out of memory", what);
		goto out;
	}
	r = signp_registry_request(n->http, rotate ? "POST" : "GET", path.ptr, NULL, NULL, 0,
		rotate ? n->scope_all : n->scope_push, SIGN_NOTARY_MAX_KEY, &body, &status, err);
	if (r != SIGN_OK) {
		if (r == SIGN_EFORMAT)
			signp_err_prefix(err, r, "%s", what);
		goto out;
	}
	if (status != 200) {
		r = signp_notary_error(err, what, n->server, status, body.ptr, body.size);
		goto out;
	}
	r = signp_notary_parse_key(keyobj_out, keyid_out, body.ptr, body.size, err);
	if (r != SIGN_OK)
		signp_err_prefix(err, r, "%s: notary server %s", what, n->server);
out:
	sign_buf_dispose(&path);
	sign_buf_dispose(&body);
	return r;
}

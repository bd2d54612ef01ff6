/*
 * auth.c - authentication for the HTTP core: WWW-Authenticate challenges,
 * Basic, the Bearer token flow (OAuth2 refresh-token grant for identity
 * tokens) and its token cache, over credentials from the docker config.
 * Attached to a handle as a table of functions: the core asks it for the
 * Authorization line of a request and hands it a 401 answer.
 */
#include "auth.h"
#include "dockercfg.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#define TOKEN_ANSWER_MAX (256u << 10)
#define TOKEN_CACHE_MAX 16
#define CHALLENGE_MAX 16384

typedef struct token_entry {
	char *scope;
	char *token;  /* sodium_malloc'd */
	size_t token_len;
	int64_t expires;
} token_entry;

/* The authentication of one HTTP handle (its table's state). */
typedef struct signp_auth {
	signp_http *h;
	const char *host;   /* the handle's, which outlives this */
	const char *label;
	char *cred_host;    /* second host to look credentials up for, or NULL */
	char *docker_config;
	const char *docker_auth_config; /* borrowed */
	/* credentials: 0 not loaded yet, 1 loaded, 2 none */
	int creds_state;
	sign_buf user;
	sign_buf secret;
	int use_basic;
	token_entry tokens[TOKEN_CACHE_MAX];
	int ntokens;
} signp_auth;

/* ------------------------------------------------------------------------ */
/* WWW-Authenticate                                                         */

enum { TK_TOKEN = 1, TK_QUOTED, TK_EQ, TK_COMMA };
typedef struct tok {
	int type;
	char *text;
} tok;

static int tchar(unsigned char c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~/", c) != NULL);
}

/* TOKEN "=" (TOKEN|QUOTED) followed by the end or a comma */
static int param_at(const tok *t, size_t nt, size_t k)
{
	return k + 2 < nt && t[k].type == TK_TOKEN && t[k + 1].type == TK_EQ &&
		(t[k + 2].type == TK_TOKEN || t[k + 2].type == TK_QUOTED) &&
		(k + 3 == nt || t[k + 3].type == TK_COMMA);
}

static int set_buf(sign_buf *b, const char *s)
{
	if (b == NULL)
		return SIGN_OK;
	signp_buf_clear(b);
	return signp_buf_puts(b, s);
}

int signp_auth_parse_challenge(const char *header, char scheme_out[16], sign_buf *realm,
	sign_buf *service, sign_buf *scope)
{
	int rc = SIGN_EFORMAT;
	size_t n, i, nt = 0, k;
	char *scratch = NULL, *w;
	tok *t = NULL;
	int best = 0; /* 1 basic, 2 bearer */
	const char *b_realm = "", *b_service = "", *b_scope = "";

	if (scheme_out != NULL)
		scheme_out[0] = '\0';
	if (header == NULL)
		return SIGN_EFORMAT;
	n = strlen(header);
	if (n == 0 || n > CHALLENGE_MAX)
		return SIGN_EFORMAT;
	scratch = malloc(2 * n + 2);
	t = calloc(n + 1, sizeof(*t));
	if (scratch == NULL || t == NULL) {
		rc = SIGN_ENOMEM;
		goto out;
	}
	/* tokenise */
	w = scratch;
	for (i = 0; i < n;) {
		unsigned char c = (unsigned char)header[i];
		if (c == ' ' || c == '\t') {
			i++;
		} else if (c == ',') {
			t[nt++] = (tok){ TK_COMMA, NULL };
			i++;
		} else if (c == '=') {
			t[nt++] = (tok){ TK_EQ, NULL };
			i++;
		} else if (c == '"') {
			t[nt].type = TK_QUOTED;
			t[nt].text = w;
			i++;
			for (;;) {
				if (i >= n)
					goto out; /* unterminated */
				c = (unsigned char)header[i];
				if (c == '"') {
					i++;
					break;
				}
				if (c == '\\') {
					if (i + 1 >= n)
						goto out;
					c = (unsigned char)header[i + 1];
					i++;
				}
				if (c < 0x20 && c != '\t')
					goto out;
				*w++ = (char)c;
				i++;
			}
			*w++ = '\0';
			nt++;
		} else if (tchar(c)) {
			t[nt].type = TK_TOKEN;
			t[nt].text = w;
			while (i < n && tchar((unsigned char)header[i]))
				*w++ = header[i++];
			*w++ = '\0';
			nt++;
		} else {
			goto out;
		}
	}
	/* parse: challenge = scheme [ token68 | param *( "," param ) ] */
	k = 0;
	while (k < nt) {
		int kind = 0;
		const char *c_realm = "", *c_service = "", *c_scope = "";
		if (t[k].type == TK_COMMA) {
			k++;
			continue;
		}
		if (t[k].type != TK_TOKEN)
			goto out;
		if (strcasecmp(t[k].text, "bearer") == 0)
			kind = 2;
		else if (strcasecmp(t[k].text, "basic") == 0)
			kind = 1;
		k++;
		for (;;) {
			if (param_at(t, nt, k)) {
				const char *name = t[k].text, *val = t[k + 2].text;
				if (strcasecmp(name, "realm") == 0)
					c_realm = val;
				else if (strcasecmp(name, "service") == 0)
					c_service = val;
				else if (strcasecmp(name, "scope") == 0)
					c_scope = val;
				k += 3;
				/* after a comma: another param of this challenge, or a new challenge */
				while (k < nt && t[k].type == TK_COMMA)
					k++;
				continue;
			}
			if (k + 1 < nt && t[k].type == TK_TOKEN && t[k + 1].type == TK_EQ) {
				/* token68 with '=' padding */
				k++;
				while (k < nt && t[k].type == TK_EQ)
					k++;
				if (k < nt && t[k].type != TK_COMMA)
					goto out;
				while (k < nt && t[k].type == TK_COMMA)
					k++;
				continue;
			}
			break; /* next challenge (or a bare token68) starts here */
		}
		if (kind > best) {
			best = kind;
			b_realm = c_realm;
			b_service = c_service;
			b_scope = c_scope;
		}
	}
	if (best == 0) {
		rc = SIGN_ENOTFOUND;
		goto out;
	}
	if (scheme_out != NULL)
		signp_strlcpy(scheme_out, best == 2 ? "bearer" : "basic", 16);
	if (set_buf(realm, b_realm) != SIGN_OK || set_buf(service, b_service) != SIGN_OK ||
	    set_buf(scope, b_scope) != SIGN_OK) {
		rc = SIGN_ENOMEM;
		goto out;
	}
	rc = SIGN_OK;
out:
	free(scratch);
	free(t);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* credentials and tokens                                                   */

static int load_creds(signp_auth *a, sign_error *err)
{
	int rc;
	if (a->creds_state == 1)
		return SIGN_OK;
	if (a->creds_state == 2)
		return SIGN_ENOTFOUND;
	rc = signp_docker_credentials(&a->user, &a->secret, a->docker_config, a->docker_auth_config,
		a->host, err);
	if (rc == SIGN_ENOTFOUND && a->cred_host != NULL)
		rc = signp_docker_credentials(&a->user, &a->secret, a->docker_config,
			a->docker_auth_config, a->cred_host, err);
	if (rc == SIGN_OK) {
		a->creds_state = 1;
		return SIGN_OK;
	}
	if (rc == SIGN_ENOTFOUND) {
		a->creds_state = 2;
		return SIGN_ENOTFOUND;
	}
	return rc;
}

static int basic_header(sign_buf *out, const signp_auth *a)
{
	sign_buf up = SIGN_BUF_INIT;
	int rc = SIGN_ENOMEM;
	size_t need = a->user.size + a->secret.size + 1;
	if (signp_buf_grow(&up, need) != SIGN_OK)
		goto out;
	signp_buf_put(&up, a->user.ptr, a->user.size);
	signp_buf_putc(&up, ':');
	signp_buf_put(&up, a->secret.ptr, a->secret.size);
	if (signp_buf_grow(out, 32 + need * 2) != SIGN_OK)
		goto out;
	signp_buf_puts(out, "Authorization: Basic ");
	rc = signp_b64_encode(out, up.ptr, up.size);
out:
	signp_buf_dispose_secure(&up);
	return rc;
}

static void token_free(token_entry *e)
{
	free(e->scope);
	if (e->token != NULL)
		sodium_free(e->token);
	memset(e, 0, sizeof(*e));
}

static const token_entry *token_find(const signp_auth *a, const char *scope)
{
	int i;
	int64_t now = signp_now();
	for (i = 0; i < a->ntokens; i++) {
		if (strcmp(a->tokens[i].scope, scope) == 0 && a->tokens[i].expires > now)
			return &a->tokens[i];
	}
	return NULL;
}

static int token_put(signp_auth *a, const char *scope, const char *token, size_t len, long expires_in)
{
	token_entry e;
	int i;
	memset(&e, 0, sizeof(e));
	e.scope = signp_strdup(scope);
	e.token = sodium_malloc(len + 1);
	if (e.scope == NULL || e.token == NULL) {
		token_free(&e);
		return SIGN_ENOMEM;
	}
	memcpy(e.token, token, len);
	e.token[len] = '\0';
	e.token_len = len;
	if (expires_in < 60)
		expires_in = 60;
	if (expires_in > 86400)
		expires_in = 86400;
	e.expires = signp_now() + expires_in - 5;
	for (i = 0; i < a->ntokens; i++) {
		if (strcmp(a->tokens[i].scope, scope) == 0) {
			token_free(&a->tokens[i]);
			a->tokens[i] = e;
			return SIGN_OK;
		}
	}
	if (a->ntokens == TOKEN_CACHE_MAX) {
		token_free(&a->tokens[0]);
		memmove(&a->tokens[0], &a->tokens[1], sizeof(a->tokens[0]) * (TOKEN_CACHE_MAX - 1));
		a->ntokens--;
	}
	a->tokens[a->ntokens++] = e;
	return SIGN_OK;
}

/* Scope key of a request: "repository:R:pull[,push][ repository:F:pull]". */
static void scope_key(char *out, size_t outsz, const signp_http_req *q)
{
	if (q->scope != NULL) {
		snprintf(out, outsz, "%s", q->scope);
		return;
	}
	if (q->repo == NULL) {
		out[0] = '\0';
		return;
	}
	if (q->from_repo != NULL)
		snprintf(out, outsz, "repository:%s:pull,push repository:%s:pull", q->repo, q->from_repo);
	else
		snprintf(out, outsz, "repository:%s:%s", q->repo, q->push ? "pull,push" : "pull");
}

/* Get a token from realm for the space-separated scopes. */
static int fetch_token(signp_auth *a, const char *realm, const char *service, const char *scopes,
	int have_creds, sign_error *err)
{
	int rc = SIGN_ERROR;
	sign_buf url = SIGN_BUF_INIT, auth = SIGN_BUF_INIT, form = SIGN_BUF_INIT;
	signp_http_xfer x;
	signp_http_req q;
	signp_http_body src;
	json_t *j = NULL;
	int oauth = have_creds && a->user.ptr != NULL && strcmp(a->user.ptr, "<token>") == 0;
	int conn_failed = 0;
	char realm_host[300];
	const char *sc;
	char one[600];

	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	memset(&src, 0, sizeof(src));

	if (!signp_str_has_prefix(realm, "https://") &&
	    !(signp_str_has_prefix(realm, "http://") && signp_http_plain_realm_ok(a->h))) {
		return signp_err(err, SIGN_EAUTH, "%s %s: token realm \"%.200s\" is not an https URL",
			a->label, a->host, realm);
	}
	signp_http_url_host(realm, realm_host, sizeof(realm_host));
	if (realm_host[0] == '\0')
		return signp_err(err, SIGN_EAUTH, "%s %s: invalid token realm \"%.200s\"", a->label, a->host, realm);
	/* plain HTTP realms only for an insecure registry or on loopback */
	if (signp_str_has_prefix(realm, "http://") && !signp_http_plain_ok(a->h, realm_host))
		return signp_err(err, SIGN_EAUTH, "%s %s: token realm \"%.200s\" is not an https URL",
			a->label, a->host, realm);

	if (oauth) {
		/* OAuth2 refresh-token grant with an identity token */
		char *e;
		signp_buf_puts(&form, "grant_type=refresh_token&client_id=sign&refresh_token=");
		e = signp_http_escape(a->secret.ptr, a->secret.size);
		if (e == NULL)
			goto oom;
		signp_buf_grow(&form, strlen(e) + 1024 + strlen(scopes) * 3);
		signp_buf_puts(&form, e);
		sodium_memzero(e, strlen(e));
		signp_http_str_free(e);
		if (service[0]) {
			e = signp_http_escape(service, 0);
			if (e == NULL)
				goto oom;
			signp_buf_printf(&form, "&service=%s", e);
			signp_http_str_free(e);
		}
		if (scopes[0]) {
			e = signp_http_escape(scopes, 0);
			if (e == NULL)
				goto oom;
			signp_buf_printf(&form, "&scope=%s", e);
			signp_http_str_free(e);
		}
		signp_buf_puts(&url, realm);
		src.data = (const unsigned char *)form.ptr;
		src.len = form.size;
		q.method = "POST";
		q.content_type = "application/x-www-form-urlencoded";
		q.src = &src;
	} else {
		char sep = strchr(realm, '?') ? '&' : '?';
		signp_buf_puts(&url, realm);
		if (service[0]) {
			char *e = signp_http_escape(service, 0);
			if (e == NULL)
				goto oom;
			signp_buf_printf(&url, "%cservice=%s", sep, e);
			sep = '&';
			signp_http_str_free(e);
		}
		for (sc = scopes; *sc;) {
			size_t len = strcspn(sc, " ");
			if (len > 0 && len < sizeof(one)) {
				char *e;
				memcpy(one, sc, len);
				one[len] = '\0';
				e = signp_http_escape(one, 0);
				if (e == NULL)
					goto oom;
				signp_buf_printf(&url, "%cscope=%s", sep, e);
				sep = '&';
				signp_http_str_free(e);
			}
			sc += len;
			while (*sc == ' ')
				sc++;
		}
		if (have_creds) {
			char *e = signp_http_escape(a->user.ptr, a->user.size);
			if (e == NULL)
				goto oom;
			signp_buf_printf(&url, "%caccount=%s", sep, e);
			signp_http_str_free(e);
			if (basic_header(&auth, a) != SIGN_OK)
				goto oom;
		}
		q.method = "GET";
		q.idempotent = 1;
	}
	if (url.ptr == NULL)
		goto oom;
	q.max = TOKEN_ANSWER_MAX;
	q.no_auth = 1;
	q.auth_header = auth.ptr;
	rc = signp_http_send_url(a->h, &q, url.ptr, &x, &conn_failed, err);
	if (rc != SIGN_OK)
		goto out;
	if (x.status == 401 || x.status == 403) {
		if (have_creds) {
			rc = signp_err(err, SIGN_EAUTH, "%s %s refused the credentials (token server %s: HTTP %ld)",
				a->label, a->host, realm_host, x.status);
			signp_err_hint(err, "run `docker login %s`", a->host);
		} else {
			rc = signp_err(err, SIGN_EAUTH, "%s %s requires authentication (token server %s: HTTP %ld)",
				a->label, a->host, realm_host, x.status);
			signp_err_hint(err, "run `docker login %s`", a->host);
		}
		goto out;
	}
	if (x.status != 200) {
		rc = signp_http_status_error(a->host, &x, err, "getting a token from %s", realm_host);
		goto out;
	}
	{
		json_t *tk, *ex;
		const char *tv;
		long expires_in = 60;
		j = json_loadb(x.body.ptr ? x.body.ptr : "", x.body.size, 0, NULL);
		tk = json_object_get(j, "token");
		if (!json_is_string(tk) || json_string_length(tk) == 0)
			tk = json_object_get(j, "access_token");
		if (!json_is_string(tk) || json_string_length(tk) == 0) {
			rc = signp_err(err, SIGN_EAUTH, "%s %s: token server %s sent no token", a->label, a->host, realm_host);
			goto out;
		}
		tv = json_string_value(tk);
		if (!signp_http_header_value_ok(tv, TOKEN_ANSWER_MAX) || strchr(tv, ' ') != NULL) {
			rc = signp_err(err, SIGN_EAUTH, "%s %s: token server %s sent a malformed token",
				a->label, a->host, realm_host);
			goto out;
		}
		ex = json_object_get(j, "expires_in");
		if (json_is_integer(ex) && json_integer_value(ex) > 0 && json_integer_value(ex) < 1000000)
			expires_in = (long)json_integer_value(ex);
		rc = token_put(a, scopes, tv, json_string_length(tk), expires_in);
		if (rc != SIGN_OK) {
			rc = signp_err(err, SIGN_ENOMEM, "storing a registry token: out of memory");
			goto out;
		}
	}
	rc = SIGN_OK;
	goto out;
oom:
	rc = signp_err(err, SIGN_ENOMEM, "getting a registry token: out of memory");
out:
	signp_json_decref_wipe(j);
	signp_buf_dispose_secure(&form);
	signp_buf_dispose_secure(&auth);
	signp_buf_dispose_secure(&x.body);
	sign_buf_dispose(&x.www_auth);
	sign_buf_dispose(&x.location);
	sign_buf_dispose(&x.link);
	sign_buf_dispose(&url);
	return rc;
}

/* Answer a 401: get a token (Bearer) or switch to Basic. */
static int authenticate(signp_auth *a, const signp_http_req *q, const signp_http_xfer *x, sign_error *err)
{
	char scheme[16];
	sign_buf realm = SIGN_BUF_INIT, service = SIGN_BUF_INIT, scope = SIGN_BUF_INIT, scopes = SIGN_BUF_INIT;
	char key[1100];
	int rc, have;

	if (x->www_auth.size == 0)
		return SIGN_OK; /* nothing to do: the 401 stands */
	rc = signp_auth_parse_challenge(x->www_auth.ptr, scheme, &realm, &service, &scope);
	if (rc != SIGN_OK) {
		char shown[120];
		signp_clean_copy(shown, sizeof(shown), x->www_auth.ptr, x->www_auth.size);
		rc = signp_err(err, SIGN_EAUTH, "%s %s: unsupported authentication challenge \"%s\"",
			a->label, a->host, shown);
		goto out;
	}
	rc = load_creds(a, err);
	if (rc != SIGN_OK && rc != SIGN_ENOTFOUND)
		goto out;
	have = rc == SIGN_OK;
	if (strcmp(scheme, "basic") == 0) {
		if (have && strcmp(a->user.ptr ? a->user.ptr : "", "<token>") == 0) {
			rc = signp_err(err, SIGN_EAUTH, "%s %s asks for Basic auth but the docker config "
				"holds an identity token for it", a->label, a->host);
			signp_err_hint(err, "run `docker login %s` with a user name and password", a->host);
			goto out;
		}
		a->use_basic = have;
		rc = SIGN_OK;
		goto out;
	}
	/* bearer */
	if (realm.size == 0) {
		rc = signp_err(err, SIGN_EAUTH, "%s %s: Bearer challenge without a realm", a->label, a->host);
		goto out;
	}
	scope_key(key, sizeof(key), q);
	signp_buf_puts(&scopes, key);
	if (scope.size > 0 && strstr(key, scope.ptr) == NULL) {
		/* the challenge's own scope(s), unless ours already cover it */
		if (scopes.size > 0)
			signp_buf_putc(&scopes, ' ');
		signp_buf_puts(&scopes, scope.ptr);
	}
	if (scopes.ptr == NULL) {
		rc = signp_buf_puts(&scopes, "");
		if (rc != SIGN_OK)
			goto out;
	}
	rc = fetch_token(a, realm.ptr, service.ptr ? service.ptr : "", scopes.ptr, have, err);
	if (rc != SIGN_OK)
		goto out;
	/* file it under our own key as well */
	if (strcmp(scopes.ptr, key) != 0) {
		const token_entry *e = token_find(a, scopes.ptr);
		if (e != NULL) {
			char *tmp = signp_strndup(e->token, e->token_len);
			if (tmp != NULL) {
				token_put(a, key, tmp, strlen(tmp), (long)(e->expires - signp_now() + 5));
				sodium_memzero(tmp, strlen(tmp));
				free(tmp);
			}
		}
	}
	rc = SIGN_OK;
out:
	sign_buf_dispose(&realm);
	sign_buf_dispose(&service);
	sign_buf_dispose(&scope);
	sign_buf_dispose(&scopes);
	return rc;
}

/* The Authorization header line for a request to the registry. */
static int auth_line(signp_auth *a, const signp_http_req *q, sign_buf *out, int *creds_sent)
{
	char key[1100];
	const token_entry *e;
	*creds_sent = 0;
	if (a->use_basic && a->creds_state == 1) {
		*creds_sent = 1;
		return basic_header(out, a);
	}
	scope_key(key, sizeof(key), q);
	e = token_find(a, key);
	if (e == NULL && q->repo != NULL && !q->push && q->from_repo == NULL) {
		char k2[1100];
		snprintf(k2, sizeof(k2), "repository:%s:pull,push", q->repo);
		e = token_find(a, k2);
	}
	if (e == NULL)
		return SIGN_OK;
	*creds_sent = a->creds_state == 1;
	if (signp_buf_grow(out, e->token_len + 32) != SIGN_OK)
		return SIGN_ENOMEM;
	signp_buf_puts(out, "Authorization: Bearer ");
	return signp_buf_put(out, e->token, e->token_len);
}

/* ------------------------------------------------------------------------ */
/* the table the core calls                                                 */

static int ops_header(void *state, const signp_http_req *q, sign_buf *out, int *creds_sent)
{
	return auth_line(state, q, out, creds_sent);
}

static int ops_challenge(void *state, const signp_http_req *q, const signp_http_xfer *x, sign_error *err)
{
	return authenticate(state, q, x, err);
}

static void ops_free(void *state)
{
	signp_auth *a = state;
	int i;
	if (a == NULL)
		return;
	for (i = 0; i < a->ntokens; i++)
		token_free(&a->tokens[i]);
	signp_buf_dispose_secure(&a->user);
	signp_buf_dispose_secure(&a->secret);
	free(a->cred_host);
	free(a->docker_config);
	free(a);
}

static const signp_http_auth_ops auth_ops = { ops_header, ops_challenge, ops_free };

int signp_auth_attach(signp_http *h, const signp_auth_options *opts, sign_error *err)
{
	signp_auth *a = calloc(1, sizeof(*a));
	if (a == NULL)
		goto oom;
	a->h = h;
	a->host = signp_http_host(h);
	a->label = signp_http_label(h);
	if (opts->cred_host != NULL && opts->cred_host[0] && strcmp(opts->cred_host, a->host) != 0 &&
	    (a->cred_host = signp_strdup(opts->cred_host)) == NULL)
		goto oom;
	if (opts->docker_config != NULL && opts->docker_config[0] &&
	    (a->docker_config = signp_strdup(opts->docker_config)) == NULL)
		goto oom;
	a->docker_auth_config = opts->docker_auth_config;
	signp_http_set_auth(h, &auth_ops, a);
	return SIGN_OK;
oom:
	ops_free(a);
	return signp_err(err, SIGN_ENOMEM, "registry: out of memory");
}

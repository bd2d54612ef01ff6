/*
 * tokenproxy UPSTREAM_PORT LOGFILE USER:PASS [IDTOKEN] - a reverse proxy in
 * front of a loopback docker-registry that demands the Bearer token flow, as
 * Docker Hub does: requests without "Authorization: Bearer <token>" get a
 * 401 with a Bearer challenge whose realm is this proxy's /token endpoint,
 * which hands out the token only for Basic USER:PASS (GET), or, with
 * IDTOKEN, for an OAuth2 refresh-token grant (POST, form-encoded
 * grant_type=refresh_token&refresh_token=IDTOKEN), as registries that
 * issue identity tokens do; that answer names it "access_token".
 *
 * Writes "listening on 127.0.0.1:PORT" to LOGFILE once ready, and appends
 * one line per request ("token ok", "token refused", "token oauth-ok",
 * "token oauth-refused", "401 <path>", "forward <path>") so the tests can
 * check what happened.  Serves until killed.  One process per
 * connection; a forwarded answer closes the client connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "toolnet.h"

#define MAXHDR 65536

static unsigned g_port, g_up;
static char g_basic[512];   /* "Basic <b64>" */
static char g_token[64];
static const char *g_idtoken; /* NULL: no OAuth2 grant */
static FILE *g_log;

static void b64(char *out, const unsigned char *in, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = t[in[i] >> 2];
		out[o++] = t[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		out[o++] = t[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		out[o++] = t[in[i + 2] & 63];
	}
	if (i < n) {
		out[o++] = t[in[i] >> 2];
		if (i + 1 < n) {
			out[o++] = t[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			out[o++] = t[(in[i + 1] & 15) << 2];
		} else {
			out[o++] = t[(in[i] & 3) << 4];
			out[o++] = '=';
		}
		out[o++] = '=';
	}
	out[o] = '\0';
}

static void logf_line(const char *what, const char *path)
{
	fprintf(g_log, "%s %s\n", what, path);
	fflush(g_log);
}

static void reply(int fd, const char *status, const char *extra, const char *body)
{
	char buf[2048];
	int n = snprintf(buf, sizeof(buf),
		"HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n%s", status,
		strlen(body), extra, body);
	if (n > 0)
		tn_write_all(fd, buf, (size_t)n);
}

static int forward(int cfd, const char *hdrs, size_t hlen, const char *body, size_t blen)
{
	char out[MAXHDR + 128], buf[65536];
	size_t o;
	int u = tn_connect_loopback(g_up);
	if (u < 0)
		return -1;
	/* the registry behind needs no credentials */
	o = tn_rewrite_head(out, sizeof(out), hdrs, hlen, 0, 1);
	if (tn_write_all(u, out, o) != 0 || (blen && tn_write_all(u, body, blen) != 0)) {
		close(u);
		return -1;
	}
	for (;;) {
		ssize_t r = read(u, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (tn_write_all(cfd, buf, (size_t)r) != 0)
			break;
	}
	close(u);
	return 0;
}

/* The repository name of a /v2/<name>/(manifests|blobs|tags)/... path. */
static void repo_of(char *out, size_t size, const char *path)
{
	const char *p = path + 4, *e = NULL;
	const char *kinds[3] = { "/manifests/", "/blobs/", "/tags/" };
	out[0] = '\0';
	if (strncmp(path, "/v2/", 4) != 0)
		return;
	for (int i = 0; i < 3; i++) {
		const char *k = strstr(p, kinds[i]);
		if (k && (e == NULL || k < e))
			e = k;
	}
	if (e && (size_t)(e - p) < size) {
		memcpy(out, p, (size_t)(e - p));
		out[e - p] = '\0';
	}
}

/* The URL-decoded value of field name in a form-encoded body ("" when
 * absent or too long). */
static void form_field(char *out, size_t size, const char *body, const char *name)
{
	size_t nl = strlen(name), o = 0;
	const char *p = body;
	out[0] = '\0';
	while (p && *p) {
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			for (p += nl + 1; *p && *p != '&' && o + 1 < size; p++) {
				unsigned v;
				if (*p == '%' && sscanf(p + 1, "%2x", &v) == 1) {
					out[o++] = (char)v;
					p += 2;
				} else
					out[o++] = *p == '+' ? ' ' : *p;
			}
			out[o] = '\0';
			return;
		}
		p = strchr(p, '&');
		if (p)
			p++;
	}
}

static void serve(int fd)
{
	char buf[MAXHDR + 1];
	size_t len = 0;
	for (;;) {
		char head[MAXHDR + 1], method[16], path[4096], auth[1024], cl[32], extra[2048], name[1024];
		char *body;
		size_t blen = 0, hl, have;
		if ((hl = tn_read_head(fd, buf, sizeof(buf), &len)) == 0)
			return;
		memcpy(head, buf, hl);
		head[hl] = '\0';
		if (sscanf(head, "%15s %4095s", method, path) != 2)
			return;
		if (tn_header(head, "Content-Length", cl, sizeof(cl)))
			blen = (size_t)strtoull(cl, NULL, 10);
		if (blen > (64u << 20) || (body = malloc(blen + 1)) == NULL)
			return;
		have = len - hl < blen ? len - hl : blen;
		memcpy(body, buf + hl, have);
		memmove(buf, buf + hl + have, len - hl - have);
		len -= hl + have;
		buf[len] = '\0';
		while (have < blen) {
			ssize_t r = read(fd, body + have, blen - have);
			if (r <= 0) {
				free(body);
				return;
			}
			have += (size_t)r;
		}
		if (!tn_header(head, "Authorization", auth, sizeof(auth)))
			auth[0] = '\0';
		if (strncmp(path, "/token", 6) == 0) {
			/* GET with Basic credentials, or POST of an OAuth2 grant */
			int oauth = strcmp(method, "POST") == 0, ok;
			char tok[128];
			if (oauth) {
				char grant[64], rt[512];
				body[blen] = '\0';
				form_field(grant, sizeof(grant), body, "grant_type");
				form_field(rt, sizeof(rt), body, "refresh_token");
				ok = g_idtoken && strcmp(grant, "refresh_token") == 0 && strcmp(rt, g_idtoken) == 0;
			} else {
				ok = strcmp(auth, g_basic) == 0;
			}
			logf_line("token", oauth ? (ok ? "oauth-ok" : "oauth-refused") : (ok ? "ok" : "refused"));
			if (ok) {
				snprintf(tok, sizeof(tok), "{\"%s\":\"%s\",\"expires_in\":300}",
					oauth ? "access_token" : "token", g_token);
				reply(fd, "200 OK", "", tok);
			} else {
				reply(fd, "401 Unauthorized", "", oauth ? "{\"error\":\"invalid_grant\"}" :
					"{\"details\":\"incorrect username or password\"}");
			}
			free(body);
			continue;
		}
		if (strncmp(auth, "Bearer ", 7) != 0 || strcmp(auth + 7, g_token) != 0) {
			repo_of(name, sizeof(name), path);
			if (name[0])
				snprintf(extra, sizeof(extra),
					"WWW-Authenticate: Bearer realm=\"http://127.0.0.1:%u/token\",service=\"tokenproxy\",scope=\"repository:%s:pull\"\r\n",
					g_port, name);
			else
				snprintf(extra, sizeof(extra),
					"WWW-Authenticate: Bearer realm=\"http://127.0.0.1:%u/token\",service=\"tokenproxy\"\r\n",
					g_port);
			logf_line("401", path);
			reply(fd, "401 Unauthorized", extra,
				"{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
			free(body);
			continue;
		}
		logf_line("forward", path);
		forward(fd, head, hl, body, blen);
		free(body);
		return; /* the upstream answer ends with a close */
	}
}

int main(int argc, char **argv)
{
	int ls;
	unsigned char rnd[16];
	FILE *ur;
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: tokenproxy UPSTREAM_PORT LOGFILE USER:PASS [IDTOKEN]\n");
		return 2;
	}
	g_idtoken = argc == 5 ? argv[4] : NULL;
	g_up = (unsigned)atoi(argv[1]);
	if ((g_log = fopen(argv[2], "a")) == NULL)
		return 2;
	{
		char enc[400];
		if (strlen(argv[3]) > 280)
			return 2;
		b64(enc, (const unsigned char *)argv[3], strlen(argv[3]));
		snprintf(g_basic, sizeof(g_basic), "Basic %s", enc);
	}
	if ((ur = fopen("/dev/urandom", "rb")) == NULL || fread(rnd, 1, sizeof(rnd), ur) != sizeof(rnd))
		return 2;
	fclose(ur);
	for (size_t i = 0; i < sizeof(rnd); i++)
		sprintf(g_token + 2 * i, "%02x", rnd[i]);
	if ((ls = tn_listen_loopback(&g_port)) < 0)
		return 2;
	fprintf(g_log, "listening on 127.0.0.1:%u\n", g_port);
	fflush(g_log);
	tn_serve_forever(ls, serve);
}

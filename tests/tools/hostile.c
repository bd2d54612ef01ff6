/*
 * hostile - a misbehaving OCI registry on loopback, for the fault tests.
 *
 *   hostile PORTFILE MODE [ARG]
 *
 * Listens on 127.0.0.1, port 0; writes the port to PORTFILE (via a
 * temporary name and rename) and then prints "listening on 127.0.0.1:PORT"
 * on stdout, so a test can wait for that line in a log without sleeping.
 * Serves until killed (SIGTERM also kills the per-connection children).
 *
 * Every connection gets a child process.  A connection that starts with a
 * TLS handshake record is closed at once (clients then fall back to plain
 * HTTP on loopback).  GET /v2/ answers 200 {} (except in auth-loop).
 *
 * MODE (ARG "blob" makes the blob answers hostile and serves well-formed
 * manifests instead, so that the client gets as far as the blobs; the
 * default, "manifest", makes every manifest answer hostile):
 *   garbage        200 with random bytes that are not JSON
 *   truncated      Content-Length larger than the body, then close
 *   huge           manifests: 8 MiB streamed without Content-Length;
 *                  blobs: Content-Length of 10 GiB, then bytes
 *   badjson        manifests: {"layers":"x"}
 *   deepjson       manifests: [[[[...]]]] 100000 deep
 *   hang           accept, read, never answer (the socket stays open)
 *   wrongdigest    a manifest whose Docker-Content-Digest does not match
 *   redirect-loop  307 to the same URL, forever
 *   auth-loop      401 + Bearer challenge whose realm is this server;
 *                  the token endpoint (/token) answers garbage when ARG is
 *                  "garbage", else a token that is then refused again
 *   errjson        manifests: 400 with a registry error whose code and
 *                  message hold escape sequences and 20000 characters
 *   busy           manifests: 503 with Retry-After: 999999
 *   badauth        everything: 401 with a malformed, 8000-byte
 *                  WWW-Authenticate challenge (ARG picks the variant:
 *                  "quote", "long", "empty-realm", "ctl")
 *   files DIR      manifests from DIR/manifests/<repo-with-_>/<ref> (or
 *                  DIR/manifests/<ref>), blobs from DIR/blobs/<digest>;
 *                  404 otherwise
 *
 * POSIX sockets only; no libraries.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "toolnet.h"

#define REQ_MAX (64 * 1024)

static const char *g_mode;
static const char *g_arg = "";
static int g_blob_target;
static unsigned g_port;
static unsigned long long g_rng;

static unsigned char rnd(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return (unsigned char)(g_rng >> 24);
}

static int write_str(int fd, const char *s)
{
	return tn_write_all(fd, s, strlen(s));
}

/* Status line, headers (each ending in \r\n) and a body. */
static int answer(int fd, int head, const char *status, const char *headers, const char *body,
	size_t len)
{
	char h[256];
	snprintf(h, sizeof(h), "HTTP/1.1 %s\r\n", status);
	if (write_str(fd, h) != 0 || write_str(fd, headers ? headers : "") != 0)
		return -1;
	snprintf(h, sizeof(h), "Content-Length: %zu\r\n\r\n", len);
	if (write_str(fd, h) != 0)
		return -1;
	if (head || len == 0)
		return 0;
	return tn_write_all(fd, body, len);
}

static int answer_json(int fd, int head, const char *status, const char *json)
{
	return answer(fd, head, status, "Content-Type: application/json\r\n", json, strlen(json));
}

static int not_found(int fd, int head)
{
	return answer_json(fd, head, "404 Not Found",
		"{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"not here\"}]}");
}

/* Stream n bytes of filler; stop quietly when the peer hangs up. */
static int stream(int fd, size_t n, int random)
{
	char chunk[65536];
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = random ? (char)rnd() : 'a';
	while (n > 0) {
		size_t k = n < sizeof(chunk) ? n : sizeof(chunk);
		if (tn_write_all(fd, chunk, k) != 0)
			return -1;
		n -= k;
	}
	return 0;
}

static const char MT_MANIFEST[] = "application/vnd.oci.image.manifest.v1+json";

/* A well-formed trust artifact manifest whose layers name made-up blobs,
 * or a tiny image manifest. */
static void good_manifest(char *out, size_t outsz, int trust)
{
	static const char *const titles[] = { "root.json", "timestamp.json", "snapshot.json",
		"targets.json" };
	size_t o;
	o = (size_t)snprintf(out, outsz,
		"{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
		"\"application/vnd.oci.empty.v1+json\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8"
		"649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},\"layers\":[", MT_MANIFEST);
	for (int i = 0; i < (trust ? 4 : 1) && o < outsz; i++) {
		o += (size_t)snprintf(out + o, outsz - o,
			"%s{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":"
			"\"sha256:%064d\",\"size\":1000,\"annotations\":"
			"{\"org.opencontainers.image.title\":\"%s\"}}",
			i ? "," : "", i + 1, titles[i]);
	}
	if (o < outsz)
		snprintf(out + o, outsz - o, "]}");
}

static int serve_file(int fd, int head, const char *path, const char *ctype)
{
	char hdr[256], *buf = NULL;
	struct stat st;
	int r = -1, f = open(path, O_RDONLY);
	if (f < 0 || fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (f >= 0)
			close(f);
		return not_found(fd, head);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf != NULL && read(f, buf, (size_t)st.st_size) == (ssize_t)st.st_size) {
		snprintf(hdr, sizeof(hdr), "Content-Type: %s\r\n", ctype);
		r = answer(fd, head, "200 OK", hdr, buf, (size_t)st.st_size);
	}
	free(buf);
	close(f);
	return r;
}

/* One request.  Returns 0 to keep the connection, -1 to close it. */
static int handle(int fd, const char *method, const char *path)
{
	int head = strcmp(method, "HEAD") == 0;
	int is_manifest = strstr(path, "/manifests/") != NULL;
	int is_blob = strstr(path, "/blobs/") != NULL;
	int hostile = g_blob_target ? is_blob : is_manifest;
	char hdr[10240], body[4096];

	if (strcmp(g_mode, "auth-loop") == 0) {
		if (strncmp(path, "/token", 6) == 0) {
			if (strcmp(g_arg, "garbage") == 0) {
				size_t n = 3000;
				char *g = malloc(n);
				int r;
				if (g == NULL)
					return -1;
				g[0] = (char)0xff;
				for (size_t i = 1; i < n; i++)
					g[i] = (char)rnd();
				r = answer(fd, head, "200 OK", "Content-Type: application/json\r\n", g, n);
				free(g);
				return r;
			}
			return answer_json(fd, head, "200 OK", "{\"token\":\"hostile-token\",\"expires_in\":300}");
		}
		snprintf(hdr, sizeof(hdr), "Content-Type: application/json\r\n"
			"WWW-Authenticate: Bearer realm=\"http://127.0.0.1:%u/token\",service=\"hostile\"\r\n",
			g_port);
		snprintf(body, sizeof(body), "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"hostile\"}]}");
		return answer(fd, head, "401 Unauthorized", hdr, body, strlen(body));
	}
	if (strcmp(g_mode, "badauth") == 0) {
		char *h = malloc(9000);
		int r;
		if (h == NULL)
			return -1;
		if (strcmp(g_arg, "long") == 0) {
			strcpy(h, "WWW-Authenticate: Bearer realm=\"http://127.0.0.1/");
			size_t o = strlen(h);
			memset(h + o, 'a', 7900);
			h[o + 7900] = '\0';
			strcat(h, "\"\r\n");
		} else if (strcmp(g_arg, "empty-realm") == 0) {
			strcpy(h, "WWW-Authenticate: Bearer realm=\"\",service=,scope=\"\"\r\n");
		} else if (strcmp(g_arg, "ctl") == 0) {
			strcpy(h, "WWW-Authenticate: Bearer realm=\"http://127.0.0.1:1/\033[2J\",service=\"\033[31m\"\r\n");
		} else {
			strcpy(h, "WWW-Authenticate: Bearer realm=\"http://127.0.0.1/,service=\"x,scope=,,,=,\"\\\r\n");
		}
		r = answer(fd, head, "401 Unauthorized", h, "", 0);
		free(h);
		return r;
	}
	if (strcmp(path, "/v2/") == 0 || strcmp(path, "/v2") == 0)
		return answer_json(fd, head, "200 OK", "{}");

	if (strcmp(g_mode, "files") == 0) {
		char file[4096];
		const char *p;
		if (is_manifest) {
			/* /v2/<repo>/manifests/<ref> */
			const char *m = strstr(path, "/manifests/");
			char repo[1024];
			size_t rl = (size_t)(m - path) - 4;
			if (strncmp(path, "/v2/", 4) != 0 || rl >= sizeof(repo) || strstr(path, ".."))
				return not_found(fd, head);
			memcpy(repo, path + 4, rl);
			repo[rl] = '\0';
			for (char *c = repo; *c; c++)
				if (*c == '/')
					*c = '_';
			snprintf(file, sizeof(file), "%s/manifests/%s/%s", g_arg, repo, m + 11);
			if (access(file, R_OK) != 0)
				snprintf(file, sizeof(file), "%s/manifests/%s", g_arg, m + 11);
			return serve_file(fd, head, file, MT_MANIFEST);
		}
		if (is_blob && (p = strstr(path, "/blobs/")) != NULL && strchr(p + 7, '/') == NULL &&
		    strstr(path, "..") == NULL) {
			snprintf(file, sizeof(file), "%s/blobs/%s", g_arg, p + 7);
			return serve_file(fd, head, file, "application/octet-stream");
		}
		return not_found(fd, head);
	}

	if (!hostile) {
		if (is_manifest) {
			good_manifest(body, sizeof(body), strstr(path, "/manifests/_sign.trust") != NULL);
			snprintf(hdr, sizeof(hdr), "Content-Type: %s\r\n", MT_MANIFEST);
			return answer(fd, head, "200 OK", hdr, body, strlen(body));
		}
		return not_found(fd, head);
	}

	if (strcmp(g_mode, "garbage") == 0) {
		size_t n = 2000 + rnd() * 8u;
		char *g = malloc(n);
		int r;
		if (g == NULL)
			return -1;
		g[0] = (char)0xfe; /* never JSON */
		for (size_t i = 1; i < n; i++)
			g[i] = (char)rnd();
		snprintf(hdr, sizeof(hdr), "Content-Type: %s\r\n",
			is_manifest ? MT_MANIFEST : "application/octet-stream");
		r = answer(fd, head, "200 OK", hdr, g, n);
		free(g);
		return r;
	}
	if (strcmp(g_mode, "truncated") == 0) {
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: 100000\r\n\r\n",
			is_manifest ? MT_MANIFEST : "application/octet-stream");
		if (write_str(fd, hdr) != 0 || head)
			return -1;
		write_str(fd, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"lay");
		return -1;
	}
	if (strcmp(g_mode, "huge") == 0) {
		if (is_blob) {
			write_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
				"Content-Length: 10737418240\r\n\r\n");
			if (!head)
				stream(fd, 16u << 20, 1);
			return -1;
		}
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nConnection: close\r\n\r\n",
			MT_MANIFEST);
		if (write_str(fd, hdr) != 0 || head)
			return -1;
		if (write_str(fd, "{\"x\":\"") == 0)
			stream(fd, 8u << 20, 0);
		return -1;
	}
	if (strcmp(g_mode, "badjson") == 0) {
		snprintf(hdr, sizeof(hdr), "Content-Type: %s\r\n", MT_MANIFEST);
		return answer(fd, head, "200 OK", hdr, "{\"layers\":\"x\"}", 14);
	}
	if (strcmp(g_mode, "deepjson") == 0) {
		size_t depth = 100000, n = depth * 2;
		char *d = malloc(n);
		int r;
		if (d == NULL)
			return -1;
		memset(d, '[', depth);
		memset(d + depth, ']', depth);
		snprintf(hdr, sizeof(hdr), "Content-Type: %s\r\n", MT_MANIFEST);
		r = answer(fd, head, "200 OK", hdr, d, n);
		free(d);
		return r;
	}
	if (strcmp(g_mode, "wrongdigest") == 0) {
		good_manifest(body, sizeof(body), strstr(path, "/manifests/_sign.trust") != NULL);
		snprintf(hdr, sizeof(hdr), "Content-Type: %s\r\nDocker-Content-Digest: sha256:%064d\r\n",
			MT_MANIFEST, 7);
		return answer(fd, head, "200 OK", hdr, body, strlen(body));
	}
	if (strcmp(g_mode, "errjson") == 0) {
		size_t n = 20000;
		char *e = malloc(n + 200);
		int r;
		if (e == NULL)
			return -1;
		strcpy(e, "{\"errors\":[{\"code\":\"\\u001b[2JMANIFEST_\\u0007INVALID\",\"message\":\"\\u001b[31m");
		size_t o = strlen(e);
		memset(e + o, 'm', n);
		e[o + n] = '\0';
		strcat(e, "\",\"detail\":[[[[{\"a\":\"\\u001b\"}]]]]}]}");
		r = answer(fd, head, "400 Bad Request", "Content-Type: application/json\r\n", e, strlen(e));
		free(e);
		return r;
	}
	if (strcmp(g_mode, "busy") == 0)
		return answer(fd, head, "503 Service Unavailable", "Retry-After: 999999\r\n", "", 0);
	if (strcmp(g_mode, "redirect-loop") == 0) {
		snprintf(hdr, sizeof(hdr), "Location: http://127.0.0.1:%u%s\r\n", g_port, path);
		return answer(fd, head, "307 Temporary Redirect", hdr, "", 0);
	}
	return answer_json(fd, head, "500 Internal Server Error",
		"{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"unknown hostile mode\"}]}");
}

/* Serve one connection (in a child). */
static void serve(int fd)
{
	static char buf[REQ_MAX + 1];
	size_t have = 0;

	g_rng ^= (unsigned long long)getpid() << 32;
	for (;;) {
		char *end, method[16], path[8192];
		size_t hlen;
		long long clen = 0;
		char *cl;
		ssize_t n;

		if ((hlen = tn_read_head(fd, buf, sizeof(buf), &have)) == 0)
			return;
		end = buf + hlen - 4;
		if (strcmp(g_mode, "hang") == 0) {
			/* read on, never answer, until the client gives up */
			while ((n = read(fd, buf, REQ_MAX)) != 0)
				if (n < 0 && errno != EINTR)
					return;
			return;
		}
		if (sscanf(buf, "%15s %8191s", method, path) != 2)
			return;
		for (cl = buf; (cl = strchr(cl, '\n')) != NULL && cl < end;) {
			cl++;
			if (strncasecmp(cl, "content-length:", 15) == 0)
				clen = atoll(cl + 15);
		}
		/* drop the request body */
		memmove(buf, buf + hlen, have - hlen);
		have -= hlen;
		buf[have] = '\0';
		while (clen > 0) {
			if (have > 0) {
				size_t k = (long long)have < clen ? have : (size_t)clen;
				memmove(buf, buf + k, have - k);
				have -= k;
				buf[have] = '\0';
				clen -= (long long)k;
				continue;
			}
			n = read(fd, buf, REQ_MAX);
			if (n <= 0)
				return;
			have = (size_t)n;
			buf[have] = '\0';
		}
		if (handle(fd, method, path) != 0)
			return;
	}
}

int main(int argc, char **argv)
{
	char tmp[4096];
	FILE *f;
	int lfd;

	if (argc < 3) {
		fprintf(stderr, "usage: hostile PORTFILE MODE [ARG]\n");
		return 2;
	}
	g_mode = argv[2];
	if (argc > 3)
		g_arg = argv[3];
	g_blob_target = strcmp(g_arg, "blob") == 0;
	g_rng = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 20) ^ 0x9e3779b97f4a7c15ull;

	if ((lfd = tn_listen_loopback(&g_port)) < 0) {
		perror("hostile: listen");
		return 2;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%u\n", g_port) < 0 || fclose(f) != 0 || rename(tmp, argv[1]) != 0) {
		perror("hostile: port file");
		return 2;
	}
	printf("listening on 127.0.0.1:%u mode %s\n", g_port, g_mode);
	fflush(stdout);

	tn_serve_forever(lfd, serve);
}

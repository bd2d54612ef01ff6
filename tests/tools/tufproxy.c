/*
 * tufproxy - a reverse proxy in front of a plain-HTTP notary-server on
 * loopback that attacks the TUF metadata it relays, for the Notary tests.
 *
 *   tufproxy UPSTREAM_PORT LOGFILE MODE [ARG]
 *
 * Listens on 127.0.0.1, port 0, and appends "listening on 127.0.0.1:PORT"
 * to LOGFILE once ready, so a test can wait for that line without sleeping.
 * Serves until killed (SIGTERM also kills the per-connection children).
 * One process per connection, one request per connection (the answer ends
 * with a close).  A connection that does not start like an HTTP request (a
 * TLS ClientHello, say) is closed at once.
 *
 * Every request is forwarded unchanged (but for "Connection: close") except,
 * depending on MODE, the GETs of one role's metadata:
 *   pass               nothing changed
 *   tamper-ROLE        (ROLE = root|targets|snapshot|timestamp) the response
 *                      to GET .../ROLE.json, .../ROLE.<hex>.json or
 *                      .../N.ROLE.json has one digit of the "expires" value
 *                      inside "signed" changed (the last digit of the time,
 *                      d -> d^1): the JSON and the date stay valid, the
 *                      signature and the checksums no longer match
 *   rollback-ROLE FILE answer GET .../ROLE.json and .../ROLE.<hex>.json with
 *                      the bytes of FILE (an older version the test saved)
 *   expired-ROLE FILE  the same mechanism; FILE is a genuinely signed file
 *                      that has expired by the verifier's clock (the tests
 *                      capture the server's timestamp and run the verifier
 *                      with its clock moved past its expiry, see
 *                      tests/cli/test_notary.sh)
 *   serve-ROLE FILE    the same, under a neutral name
 *   redirect-ROLE      answer GETs of ROLE's metadata with a 307 to the same
 *                      path on notary-server itself (another origin)
 *   loop-ROLE          answer them with a 307 to the same URL, forever
 *
 * In front of a plain-HTTP docker-registry, the manifests of one TAG (a
 * path ending in /manifests/TAG):
 *   movetag-TAG "FILE DIGEST"  once a PUT of TAG has succeeded through the
 *                      proxy (it leaves FILE.put), answer GET and HEAD of TAG
 *                      with FILE's bytes (another image's manifest) and
 *                      Docker-Content-Digest DIGEST: a registry that moves
 *                      the tag between an upload and the next read
 *   liedigest-TAG DIGEST  answer GET and HEAD of TAG with the registry's own
 *                      answer but Docker-Content-Digest set to DIGEST
 *   holdput-TAG DIR    hold every PUT of TAG: the n-th one (n = 1, 2, ...,
 *                      claimed as DIR/put.n) logs "held PUT PATH #n", waits
 *                      until the test opens the fifo DIR/release.n for
 *                      writing and writes a line, logs "released #n", then
 *                      goes upstream ("forward PUT PATH STATUS #n")
 * MODE "@FILE" reads "MODE [ARG]" from the first line of FILE for every
 * request, so a test can switch the attack without changing the URL.
 *
 * Log lines (one per request):
 *   forward METHOD PATH STATUS
 *   tampered ROLE PATH expires OLD -> NEW
 *   tamper-failed ROLE PATH WHY
 *   served ROLE PATH FILE (MODE)
 *   redirected ROLE PATH (MODE)
 *   moved PATH FILE, lied PATH DIGEST, held/released (holdput)
 *
 * POSIX sockets only; no libraries.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "toolnet.h"

#define MAXHDR (64 * 1024)
#define MAXRESP (32u << 20) /* buffered (tampered) responses */
#define MAXFILE (8u << 20)

static unsigned g_up;
static FILE *g_log;
static char g_mode[64];
static char g_arg[4096];
static const char *g_modefile;
static const char *g_mark_2xx; /* relay: create this file on a 2xx, before the client sees it */

__attribute__((format(printf, 1, 2))) static void logline(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(g_log, fmt, ap);
	va_end(ap);
	fputc('\n', g_log);
	fflush(g_log);
}

/* Printable copy of untrusted text, for the log. */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

/* Sets g_mode/g_arg from "MODE [ARG]" (argv or the mode file). */
static int set_mode(const char *mode, const char *arg)
{
	if (strlen(mode) >= sizeof(g_mode) || strlen(arg) >= sizeof(g_arg))
		return -1;
	strcpy(g_mode, mode);
	strcpy(g_arg, arg);
	return 0;
}

static int load_modefile(void)
{
	char line[sizeof(g_arg) + sizeof(g_mode) + 8], *sp, *nl;
	FILE *f = fopen(g_modefile, "r");
	if (f == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return -1;
	}
	fclose(f);
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	if ((sp = strchr(line, ' ')) != NULL) {
		*sp = '\0';
		return set_mode(line, sp + 1);
	}
	return set_mode(line, "");
}

/*
 * The role a metadata path names: ".../_trust/tuf/<file>" with <file> =
 * [N.]ROLE[.HEX].json.  Writes "" when the path is not metadata.  *plain is
 * set when there is no "N." version prefix.
 */
static void role_of(const char *path, char *role, size_t size, int *plain)
{
	const char *p = strstr(path, "/_trust/tuf/"), *e;
	char tmp[512];
	size_t n;
	char *s, *dot;
	role[0] = '\0';
	*plain = 1;
	if (p == NULL)
		return;
	p += strlen("/_trust/tuf/");
	e = strchr(p, '?');
	n = e ? (size_t)(e - p) : strlen(p);
	if (n < 6 || n >= sizeof(tmp) || strncmp(p + n - 5, ".json", 5) != 0)
		return;
	memcpy(tmp, p, n - 5);
	tmp[n - 5] = '\0';
	s = tmp;
	/* "N." version prefix */
	if (isdigit((unsigned char)s[0])) {
		char *q = s;
		while (isdigit((unsigned char)*q))
			q++;
		if (*q == '.') {
			s = q + 1;
			*plain = 0;
		}
	}
	/* ".HEX" checksum suffix */
	if ((dot = strrchr(s, '.')) != NULL) {
		size_t hl = strlen(dot + 1), i;
		int hex = hl == 64 || hl == 96 || hl == 128;
		for (i = 0; hex && i < hl; i++)
			hex = isxdigit((unsigned char)dot[1 + i]) != 0;
		if (hex)
			*dot = '\0';
	}
	if (strlen(s) < size)
		strcpy(role, s);
}

static int status_of(const char *resp, size_t n)
{
	char tmp[32];
	size_t k = n < sizeof(tmp) - 1 ? n : sizeof(tmp) - 1;
	int st = 0;
	memcpy(tmp, resp, k);
	tmp[k] = '\0';
	if (sscanf(tmp, "HTTP/%*d.%*d %d", &st) != 1)
		return 0;
	return st;
}

/*
 * Relay: the head (and the body bytes already read) to upstream, then both
 * directions until upstream closes.  Returns the upstream status or 0.
 */
static int relay(int cfd, const char *head, size_t hl, const char *rest, size_t rlen)
{
	static char out[MAXHDR + 64], buf[65536];
	struct pollfd pf[2];
	size_t o;
	int u, st = 0, client_open = 1, first = 1;
	if ((u = tn_connect_loopback(g_up)) < 0)
		return 0;
	o = tn_rewrite_head(out, sizeof(out), head, hl, 0, 0);
	if (tn_write_all(u, out, o) != 0 || (rlen && tn_write_all(u, rest, rlen) != 0)) {
		close(u);
		return 0;
	}
	for (;;) {
		int nf = 0;
		pf[nf].fd = u;
		pf[nf].events = POLLIN;
		nf++;
		if (client_open) {
			pf[nf].fd = cfd;
			pf[nf].events = POLLIN;
			nf++;
		}
		if (poll(pf, (nfds_t)nf, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (client_open && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(cfd, buf, sizeof(buf));
			if (r <= 0)
				client_open = 0;
			else if (tn_write_all(u, buf, (size_t)r) != 0)
				break;
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(u, buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			if (first) {
				st = status_of(buf, (size_t)r);
				first = 0;
				if (g_mark_2xx && st >= 200 && st <= 299) {
					int m = open(g_mark_2xx, O_WRONLY | O_CREAT, 0600);
					if (m >= 0)
						close(m);
				}
			}
			if (tn_write_all(cfd, buf, (size_t)r) != 0)
				break;
		}
	}
	close(u);
	return st;
}

/* The whole upstream answer to a body-less request, in *resp (malloc'd). */
static int fetch_all(const char *head, size_t hl, char **resp, size_t *rn)
{
	static char out[MAXHDR + 64];
	size_t o, n = 0, cap = 65536;
	char *b = malloc(cap + 1);
	int u;
	*resp = NULL;
	if (b == NULL || (u = tn_connect_loopback(g_up)) < 0) {
		free(b);
		return -1;
	}
	o = tn_rewrite_head(out, sizeof(out), head, hl, 1, 0);
	if (tn_write_all(u, out, o) != 0) {
		close(u);
		free(b);
		return -1;
	}
	for (;;) {
		ssize_t r;
		if (n == cap) {
			char *nb;
			if (cap >= MAXRESP || (nb = realloc(b, cap * 2 + 1)) == NULL) {
				close(u);
				free(b);
				return -1;
			}
			b = nb;
			cap *= 2;
		}
		r = read(u, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(u);
			free(b);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(u);
	b[n] = '\0';
	*resp = b;
	*rn = n;
	return 0;
}

/* First occurrence of the NUL-free needle in the n bytes at hay. */
static char *find(char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}

/*
 * Change one digit of signed.expires in the JSON body: the last digit of
 * the value, d -> d^1 (0<->1, 2<->3, ...), which keeps a valid date.
 */
static int tamper_body(char *body, size_t n, char *old, char *neu, size_t vsize)
{
	char *s = find(body, n, "\"signed\":"), *v, *q, *d;
	size_t vl;
	if (s == NULL)
		return -1;
	v = find(s, n - (size_t)(s - body), "\"expires\":\"");
	if (v == NULL)
		return -1;
	v += 11;
	q = memchr(v, '"', n - (size_t)(v - body));
	if (q == NULL)
		return -1;
	for (d = q - 1; d >= v && !isdigit((unsigned char)*d); d--)
		;
	if (d < v)
		return -1;
	vl = (size_t)(q - v) < vsize - 1 ? (size_t)(q - v) : vsize - 1;
	memcpy(old, v, vl);
	old[vl] = '\0';
	*d = (char)('0' + ((*d - '0') ^ 1));
	memcpy(neu, v, vl);
	neu[vl] = '\0';
	return 0;
}

static void do_tamper(int cfd, const char *head, size_t hl, const char *role, const char *path)
{
	char *resp = NULL, *hend, old[128], neu[128];
	size_t rn = 0;
	int st;
	if (fetch_all(head, hl, &resp, &rn) != 0) {
		logline("tamper-failed %s %s upstream", role, path);
		return;
	}
	st = status_of(resp, rn);
	hend = strstr(resp, "\r\n\r\n");
	if (st != 200 || hend == NULL) {
		logline("tamper-failed %s %s status %d", role, path, st);
	} else if (tamper_body(hend + 4, rn - (size_t)(hend + 4 - resp), old, neu, sizeof(old)) != 0) {
		logline("tamper-failed %s %s no signed.expires", role, path);
	} else {
		clean(old);
		clean(neu);
		logline("tampered %s %s expires %s -> %s", role, path, old, neu);
	}
	tn_write_all(cfd, resp, rn);
	free(resp);
}

/* The bytes of file (at most MAXFILE, at least min_size), malloc'd, their
 * count in *len; NULL when it cannot be read. */
static char *read_whole(const char *file, size_t min_size, size_t *len)
{
	struct stat sb;
	char *data = NULL;
	size_t got = 0;
	int fd = open(file, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size < 0 || (size_t)sb.st_size < min_size ||
	    (size_t)sb.st_size > MAXFILE || (data = malloc((size_t)sb.st_size + 1)) == NULL) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t r = read(fd, data + got, (size_t)sb.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return data;
}

static void answer_500(int cfd)
{
	static const char e500[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
	tn_write_all(cfd, e500, sizeof(e500) - 1);
}

static void do_serve(int cfd, const char *role, const char *path)
{
	char hdr[256], *data;
	size_t got = 0;
	int n;
	if ((data = read_whole(g_arg, 0, &got)) == NULL) {
		logline("serve-failed %s %s %s", role, path, g_arg);
		answer_500(cfd);
		return;
	}
	n = snprintf(hdr, sizeof(hdr),
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: public, max-age=300, s-maxage=300, must-revalidate\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		got);
	logline("served %s %s %s (%s)", role, path, g_arg, g_mode);
	if (n > 0 && tn_write_all(cfd, hdr, (size_t)n) == 0)
		tn_write_all(cfd, data, got);
	free(data);
}

/* redirect-ROLE and loop-ROLE: a 307 upstream or back here. */
static void do_redirect(int cfd, const char *role, const char *path)
{
	char hdr[4300];
	int n;
	if (strncmp(g_mode, "loop-", 5) == 0)
		n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 307 Temporary Redirect\r\nLocation: %s\r\n"
			"Content-Length: 0\r\nConnection: close\r\n\r\n", path);
	else
		n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 307 Temporary Redirect\r\n"
			"Location: http://127.0.0.1:%u%s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
			g_up, path);
	logline("redirected %s %s (%s)", role, path, g_mode);
	if (n > 0 && (size_t)n < sizeof(hdr))
		tn_write_all(cfd, hdr, (size_t)n);
}

/* Does path (query left out) end in "/manifests/" tag? */
static int names_tag(const char *path, const char *tag)
{
	char suffix[300];
	const char *q = strchr(path, '?');
	size_t n = q ? (size_t)(q - path) : strlen(path), k;
	if (snprintf(suffix, sizeof(suffix), "/manifests/%s", tag) >= (int)sizeof(suffix))
		return 0;
	k = strlen(suffix);
	return n >= k && strncmp(path + n - k, suffix, k) == 0;
}

/* "FILE DIGEST" in g_arg: split into file (in place) and the digest. */
static const char *arg_digest(char *file, size_t size)
{
	const char *sp = strchr(g_arg, ' ');
	size_t n = sp ? (size_t)(sp - g_arg) : strlen(g_arg);
	if (n >= size)
		n = size - 1;
	memcpy(file, g_arg, n);
	file[n] = '\0';
	return sp ? sp + 1 : "";
}

static int exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* movetag: FILE's bytes as the manifest of the tag. */
static void do_moved(int cfd, const char *method, const char *path)
{
	char file[4096], hdr[512], *data;
	const char *digest = arg_digest(file, sizeof(file));
	size_t got = 0;
	int n;
	if ((data = read_whole(file, 1, &got)) == NULL) {
		logline("move-failed %s %s", path, file);
		answer_500(cfd);
		return;
	}
	n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\n"
		"Docker-Content-Digest: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", digest, got);
	logline("moved %s %s %s", method, path, file);
	if (n > 0 && (size_t)n < sizeof(hdr) && tn_write_all(cfd, hdr, (size_t)n) == 0 &&
	    strcmp(method, "HEAD") != 0)
		tn_write_all(cfd, data, got);
	free(data);
}

/* liedigest: the registry's answer with Docker-Content-Digest replaced. */
static void do_lie(int cfd, const char *head, size_t hl, const char *path)
{
	char *resp = NULL, *hend, *h, *eol, *out;
	size_t rn = 0, pre, post, k = 0;
	if (fetch_all(head, hl, &resp, &rn) != 0 || (hend = strstr(resp, "\r\n\r\n")) == NULL) {
		logline("lie-failed %s upstream", path);
		free(resp);
		return;
	}
	h = NULL;
	for (char *p = resp; p < hend; p = eol + 2) {
		eol = strstr(p, "\r\n");
		if (eol == NULL)
			break;
		if (strncasecmp(p, "Docker-Content-Digest:", 22) == 0) {
			h = p;
			break;
		}
	}
	if (h == NULL || (out = malloc(rn + strlen(g_arg) + 64)) == NULL) {
		logline("lie-failed %s no digest header", path);
		tn_write_all(cfd, resp, rn);
		free(resp);
		return;
	}
	eol = strstr(h, "\r\n");
	pre = (size_t)(h - resp);
	post = rn - (size_t)(eol - resp);
	memcpy(out, resp, pre);
	k = pre + (size_t)sprintf(out + pre, "Docker-Content-Digest: %s", g_arg);
	memcpy(out + k, eol, post);
	logline("lied %s %s", path, g_arg);
	tn_write_all(cfd, out, k + post);
	free(out);
	free(resp);
}

/* holdput: wait for the test to release this PUT; its number, or 0. */
static int hold_put(const char *path)
{
	char claim[4200], fifo[4200], line[64];
	int n, fd;
	for (n = 1; n < 1000; n++) {
		snprintf(claim, sizeof(claim), "%s/put.%d", g_arg, n);
		if ((fd = open(claim, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0) {
			close(fd);
			break;
		}
		if (errno != EEXIST)
			return 0;
	}
	snprintf(fifo, sizeof(fifo), "%s/release.%d", g_arg, n);
	if (mkfifo(fifo, 0600) != 0 && errno != EEXIST)
		return 0;
	logline("held PUT %s #%d", path, n);
	/* blocks until the test opens it for writing; then wait for a line */
	if ((fd = open(fifo, O_RDONLY)) < 0)
		return 0;
	while (read(fd, line, sizeof(line)) < 0 && errno == EINTR)
		;
	close(fd);
	logline("released #%d", n);
	return n;
}

static void serve(int fd)
{
	static char buf[MAXHDR + 1];
	char method[16], path[4096], role[256], want[64];
	const char *dash;
	size_t len = 0, hl;
	int plain, st;
	if ((hl = tn_read_head(fd, buf, sizeof(buf), &len)) == 0)
		return;
	if (sscanf(buf, "%15s %4095s", method, path) != 2)
		return;
	clean(path);
	if (g_modefile && load_modefile() != 0) {
		logline("modefile-unreadable %s", g_modefile);
		return;
	}
	role_of(path, role, sizeof(role), &plain);
	dash = strchr(g_mode, '-');
	want[0] = '\0';
	if (dash && strlen(dash + 1) < sizeof(want))
		strcpy(want, dash + 1);
	if (want[0] && names_tag(path, want)) {
		int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
		if (strncmp(g_mode, "movetag-", 8) == 0) {
			char file[4096], mark[4200];
			(void)arg_digest(file, sizeof(file));
			snprintf(mark, sizeof(mark), "%s.put", file);
			if (get && exists(mark)) {
				do_moved(fd, method, path);
				return;
			}
			if (strcmp(method, "PUT") == 0) {
				/* marked before the client can read the answer (and
				 * send its next request) */
				g_mark_2xx = mark;
				st = relay(fd, buf, hl, buf + hl, len - hl);
				g_mark_2xx = NULL;
				logline("forward %s %s %d", method, path, st);
				return;
			}
		}
		if (strncmp(g_mode, "liedigest-", 10) == 0 && get) {
			do_lie(fd, buf, hl, path);
			return;
		}
		if (strncmp(g_mode, "holdput-", 8) == 0 && strcmp(method, "PUT") == 0) {
			int n = hold_put(path);
			st = relay(fd, buf, hl, buf + hl, len - hl);
			logline("forward %s %s %d #%d", method, path, st, n);
			return;
		}
	}
	if (strcmp(method, "GET") == 0 && role[0] && strcmp(role, want) == 0) {
		if (strncmp(g_mode, "tamper-", 7) == 0) {
			do_tamper(fd, buf, hl, role, path);
			return;
		}
		if (strncmp(g_mode, "redirect-", 9) == 0 || strncmp(g_mode, "loop-", 5) == 0) {
			do_redirect(fd, role, path);
			return;
		}
		if (plain && (strncmp(g_mode, "rollback-", 9) == 0 || strncmp(g_mode, "expired-", 8) == 0 ||
			      strncmp(g_mode, "serve-", 6) == 0)) {
			do_serve(fd, role, path);
			return;
		}
	}
	st = relay(fd, buf, hl, buf + hl, len - hl);
	logline("forward %s %s %d", method, path, st);
}

static int known_mode(const char *m, int has_arg)
{
	static const char *const roles[] = { "root", "targets", "snapshot", "timestamp" };
	const char *dash = strchr(m, '-');
	if (strcmp(m, "pass") == 0)
		return 1;
	if (dash == NULL)
		return 0;
	if (strncmp(m, "movetag-", 8) == 0 || strncmp(m, "liedigest-", 10) == 0 ||
	    strncmp(m, "holdput-", 8) == 0)
		return dash[1] != '\0' && has_arg;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strcmp(dash + 1, roles[i]) != 0)
			continue;
		if (strncmp(m, "tamper-", 7) == 0 || strncmp(m, "redirect-", 9) == 0 || strncmp(m, "loop-", 5) == 0)
			return 1;
		if (strncmp(m, "rollback-", 9) == 0 || strncmp(m, "expired-", 8) == 0 || strncmp(m, "serve-", 6) == 0)
			return has_arg;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned port;
	int ls;
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: tufproxy UPSTREAM_PORT LOGFILE MODE [ARG]\n"
				"  MODE: pass | tamper-ROLE | redirect-ROLE | loop-ROLE | rollback-ROLE FILE | expired-ROLE FILE |\n"
				"        serve-ROLE FILE | movetag-TAG \"FILE DIGEST\" | liedigest-TAG DIGEST |\n"
				"        holdput-TAG DIR | @MODEFILE\n");
		return 2;
	}
	g_up = (unsigned)atoi(argv[1]);
	if (g_up == 0 || g_up > 65535) {
		fprintf(stderr, "tufproxy: bad upstream port %s\n", argv[1]);
		return 2;
	}
	if (argv[3][0] == '@') {
		g_modefile = argv[3] + 1;
		if (load_modefile() != 0) {
			fprintf(stderr, "tufproxy: cannot read the mode file %s\n", g_modefile);
			return 2;
		}
	} else if (set_mode(argv[3], argc > 4 ? argv[4] : "") != 0) {
		fprintf(stderr, "tufproxy: mode too long\n");
		return 2;
	}
	if (!g_modefile && !known_mode(g_mode, g_arg[0] != '\0')) {
		fprintf(stderr, "tufproxy: unknown mode %s (or missing FILE)\n", g_mode);
		return 2;
	}
	if ((g_log = fopen(argv[2], "a")) == NULL) {
		perror("tufproxy: log");
		return 2;
	}
	if ((ls = tn_listen_loopback(&port)) < 0) {
		perror("tufproxy: listen");
		return 2;
	}
	logline("listening on 127.0.0.1:%u", port);
	tn_serve_forever(ls, serve);
}

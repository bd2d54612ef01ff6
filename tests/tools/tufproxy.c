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
 * MODE "@FILE" reads "MODE [ARG]" from the first line of FILE for every
 * request, so a test can switch the attack without changing the URL.
 *
 * Log lines (one per request):
 *   forward METHOD PATH STATUS
 *   tampered ROLE PATH expires OLD -> NEW
 *   tamper-failed ROLE PATH WHY
 *   served ROLE PATH FILE (MODE)
 *
 * POSIX sockets only; no libraries.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXHDR (64 * 1024)
#define MAXRESP (32u << 20) /* buffered (tampered) responses */
#define MAXFILE (8u << 20)
#define MAX_CHILDREN 1024

static unsigned g_up;
static FILE *g_log;
static char g_mode[64];
static char g_arg[4096];
static const char *g_modefile;
static volatile pid_t g_children[MAX_CHILDREN];

__attribute__((format(printf, 1, 2))) static void logline(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(g_log, fmt, ap);
	va_end(ap);
	fputc('\n', g_log);
	fflush(g_log);
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
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

static int connect_up(void)
{
	struct sockaddr_in a;
	int u = socket(AF_INET, SOCK_STREAM, 0);
	if (u < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)g_up);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(u, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(u);
		return -1;
	}
	return u;
}

/*
 * The request head rewritten for upstream: hop-by-hop Connection headers
 * dropped, "Connection: close" added; with http10 the request line says
 * HTTP/1.0 (so that the answer is not chunked and ends with a close).
 */
static size_t rewrite_head(char *out, size_t size, const char *head, size_t hl, int http10)
{
	const char *line = head, *next;
	size_t o = 0;
	int first = 1;
	while ((next = strstr(line, "\r\n")) != NULL && next < head + hl) {
		size_t len = (size_t)(next - line);
		if (len == 0)
			break;
		if (first && http10 && len > 8 && strncmp(next - 8, "HTTP/1.1", 8) == 0) {
			if (o + len + 2 < size) {
				memcpy(out + o, line, len - 8);
				o += len - 8;
				memcpy(out + o, "HTTP/1.0\r\n", 10);
				o += 10;
			}
		} else if (strncasecmp(line, "Connection:", 11) != 0 && strncasecmp(line, "Keep-Alive:", 11) != 0 &&
			   strncasecmp(line, "Proxy-Connection:", 17) != 0 && o + len + 2 < size) {
			memcpy(out + o, line, len);
			o += len;
			memcpy(out + o, "\r\n", 2);
			o += 2;
		}
		first = 0;
		line = next + 2;
	}
	if (o + 22 < size) {
		memcpy(out + o, "Connection: close\r\n\r\n", 21);
		o += 21;
	}
	return o;
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
	if ((u = connect_up()) < 0)
		return 0;
	o = rewrite_head(out, sizeof(out), head, hl, 0);
	if (write_all(u, out, o) != 0 || (rlen && write_all(u, rest, rlen) != 0)) {
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
			else if (write_all(u, buf, (size_t)r) != 0)
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
			}
			if (write_all(cfd, buf, (size_t)r) != 0)
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
	if (b == NULL || (u = connect_up()) < 0) {
		free(b);
		return -1;
	}
	o = rewrite_head(out, sizeof(out), head, hl, 1);
	if (write_all(u, out, o) != 0) {
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
	write_all(cfd, resp, rn);
	free(resp);
}

static void do_serve(int cfd, const char *role, const char *path)
{
	char hdr[256], *data = NULL;
	struct stat sb;
	int fd = open(g_arg, O_RDONLY);
	size_t got = 0;
	int n;
	if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size < 0 || (size_t)sb.st_size > MAXFILE ||
	    (data = malloc((size_t)sb.st_size + 1)) == NULL) {
		logline("serve-failed %s %s %s", role, path, g_arg);
		if (fd >= 0)
			close(fd);
		free(data);
		{
			static const char e500[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
			write_all(cfd, e500, sizeof(e500) - 1);
		}
		return;
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
	n = snprintf(hdr, sizeof(hdr),
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: public, max-age=300, s-maxage=300, must-revalidate\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		got);
	logline("served %s %s %s (%s)", role, path, g_arg, g_mode);
	if (n > 0 && write_all(cfd, hdr, (size_t)n) == 0)
		write_all(cfd, data, got);
	free(data);
}

static void serve(int fd)
{
	static char buf[MAXHDR + 1];
	char method[16], path[4096], role[256], want[64];
	const char *dash;
	char *end;
	size_t len = 0, hl;
	int plain, st;
	while ((end = (len ? strstr(buf, "\r\n\r\n") : NULL)) == NULL) {
		ssize_t r;
		if (len >= MAXHDR)
			return;
		r = read(fd, buf + len, MAXHDR - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		len += (size_t)r;
		buf[len] = '\0';
		if (buf[0] < 'A' || buf[0] > 'Z')
			return; /* not HTTP (a TLS ClientHello): close */
		if (memchr(buf, '\0', len) != NULL)
			return;
	}
	hl = (size_t)(end - buf) + 4;
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
	if (strcmp(method, "GET") == 0 && role[0] && strcmp(role, want) == 0) {
		if (strncmp(g_mode, "tamper-", 7) == 0) {
			do_tamper(fd, buf, hl, role, path);
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

static void on_term(int sig)
{
	(void)sig;
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (g_children[i] > 0)
			kill(g_children[i], SIGKILL);
	_exit(0);
}

static void on_chld(int sig)
{
	(void)sig;
}

static void reap(void)
{
	pid_t p;
	while ((p = waitpid(-1, NULL, WNOHANG)) > 0) {
		for (int i = 0; i < MAX_CHILDREN; i++)
			if (g_children[i] == p)
				g_children[i] = 0;
	}
}

static int known_mode(const char *m, int has_arg)
{
	static const char *const roles[] = { "root", "targets", "snapshot", "timestamp" };
	const char *dash = strchr(m, '-');
	if (strcmp(m, "pass") == 0)
		return 1;
	if (dash == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strcmp(dash + 1, roles[i]) != 0)
			continue;
		if (strncmp(m, "tamper-", 7) == 0)
			return 1;
		if (strncmp(m, "rollback-", 9) == 0 || strncmp(m, "expired-", 8) == 0 || strncmp(m, "serve-", 6) == 0)
			return has_arg;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	struct sigaction sa;
	socklen_t al = sizeof(a);
	int ls, one = 1;
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: tufproxy UPSTREAM_PORT LOGFILE MODE [ARG]\n"
				"  MODE: pass | tamper-ROLE | rollback-ROLE FILE | expired-ROLE FILE | serve-ROLE FILE | @MODEFILE\n");
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
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_chld; /* no SA_RESTART: accept() wakes up to reap */
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0) {
		perror("tufproxy: socket");
		return 2;
	}
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 64) != 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &al) != 0) {
		perror("tufproxy: bind");
		return 2;
	}
	logline("listening on 127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
	for (;;) {
		int c;
		pid_t p;
		reap();
		c = accept(ls, NULL, NULL);
		if (c < 0)
			continue;
		p = fork();
		if (p == 0) {
			close(ls);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			alarm(120); /* a safety net: no child outlives a test run */
			serve(c);
			shutdown(c, SHUT_RDWR);
			close(c);
			_exit(0);
		}
		if (p > 0) {
			for (int i = 0; i < MAX_CHILDREN; i++)
				if (g_children[i] == 0) {
					g_children[i] = p;
					break;
				}
		}
		close(c);
	}
}

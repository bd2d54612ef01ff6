/* toolnet - see toolnet.h. */
#include "toolnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CHILDREN 1024

static volatile pid_t g_children[MAX_CHILDREN];

int tn_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == ENOTSOCK)
			w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void loopback(struct sockaddr_in *a, unsigned port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((unsigned short)port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

int tn_listen_loopback(unsigned *port)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0)
		return -1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	loopback(&a, 0);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 64) != 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &al) != 0) {
		close(ls);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return ls;
}

int tn_connect_loopback(unsigned port)
{
	struct sockaddr_in a;
	int u = socket(AF_INET, SOCK_STREAM, 0);
	if (u < 0)
		return -1;
	loopback(&a, port);
	if (connect(u, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(u);
		return -1;
	}
	return u;
}

/* The first "\r\n\r\n" in the n bytes at p (which may hold NULs), or NULL. */
static char *head_end(char *p, size_t n)
{
	for (size_t i = 0; n >= 4 && i <= n - 4; i++)
		if (memcmp(p + i, "\r\n\r\n", 4) == 0)
			return p + i;
	return NULL;
}

size_t tn_read_head(int fd, char *buf, size_t size, size_t *len)
{
	char *end;
	buf[*len] = '\0';
	/* a body's first bytes may arrive with the head: only the head must
	 * be free of NULs */
	while ((end = head_end(buf, *len)) == NULL) {
		ssize_t r;
		if (*len + 1 >= size)
			return 0;
		r = read(fd, buf + *len, size - 1 - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		*len += (size_t)r;
		buf[*len] = '\0';
		if (buf[0] < 'A' || buf[0] > 'Z')
			return 0;
	}
	if (memchr(buf, '\0', (size_t)(end - buf)) != NULL)
		return 0;
	return (size_t)(end - buf) + 4;
}

int tn_header(const char *head, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
		const char *h = p + 2;
		if (strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
			const char *v = h + nl + 1, *e = strstr(v, "\r\n");
			size_t n;
			while (*v == ' ')
				v++;
			n = e ? (size_t)(e - v) : strlen(v);
			if (n >= size)
				n = size - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return 1;
		}
	}
	return 0;
}

static int dropped(const char *line, int drop_auth)
{
	return strncasecmp(line, "Connection:", 11) == 0 || strncasecmp(line, "Keep-Alive:", 11) == 0 ||
	       strncasecmp(line, "Proxy-Connection:", 17) == 0 ||
	       (drop_auth && strncasecmp(line, "Authorization:", 14) == 0);
}

size_t tn_rewrite_head(char *out, size_t size, const char *head, size_t hl, int http10,
	int drop_auth)
{
	const char *line = head, *next;
	size_t o = 0;
	int first = 1;
	while ((next = strstr(line, "\r\n")) != NULL && next < head + hl) {
		size_t n = (size_t)(next - line);
		if (n == 0)
			break;
		if (first && http10 && n > 8 && strncmp(next - 8, "HTTP/1.1", 8) == 0) {
			if (o + n + 2 < size) {
				memcpy(out + o, line, n - 8);
				o += n - 8;
				memcpy(out + o, "HTTP/1.0\r\n", 10);
				o += 10;
			}
		} else if (!dropped(line, drop_auth) && o + n + 2 < size) {
			memcpy(out + o, line, n);
			o += n;
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
	while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
		for (int i = 0; i < MAX_CHILDREN; i++)
			if (g_children[i] == p)
				g_children[i] = 0;
}

void tn_serve_forever(int ls, void (*serve)(int fd))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_chld; /* no SA_RESTART: accept() wakes up to reap */
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
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

/*
 * dirserve - serve the files of a folder over plain HTTP on loopback, for
 * the tests of the TUF client (a TUF repository is static files).
 *
 *   dirserve DIR LOGFILE
 *
 * Listens on 127.0.0.1, port 0, and appends "listening on 127.0.0.1:PORT"
 * to LOGFILE once ready (the test waits for that line, never sleeps).
 * GET /PATH answers DIR/PATH (200, or 404 when absent; ".." refused), one
 * request per connection, and appends "GET /PATH STATUS" to LOGFILE.
 */
#include "toolnet.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *root, *logfile;

static void logline(const char *path, int status)
{
	FILE *f = fopen(logfile, "a");
	if (f != NULL) {
		fprintf(f, "GET %s %d\n", path, status);
		fclose(f);
	}
}

static void answer(int fd, int status, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
		"HTTP/1.1 %d %s\r\nContent-Length: %zu\r\nContent-Type: application/octet-stream\r\n"
		"Connection: close\r\n\r\n",
		status, status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request", len);
	if (tn_write_all(fd, head, (size_t)n) == 0 && len > 0)
		(void)tn_write_all(fd, body, len);
}

static void serve(int fd)
{
	char buf[8192], path[4096], file[8192];
	size_t len = 0, hl = tn_read_head(fd, buf, sizeof(buf), &len);
	char *sp, *data;
	struct stat st;
	int f;
	ssize_t got;
	size_t off = 0;

	if (hl == 0 || strncmp(buf, "GET /", 5) != 0 || (sp = strchr(buf + 4, ' ')) == NULL ||
	    (size_t)(sp - (buf + 4)) >= sizeof(path)) {
		answer(fd, 400, "", 0);
		return;
	}
	memcpy(path, buf + 4, (size_t)(sp - (buf + 4)));
	path[sp - (buf + 4)] = '\0';
	snprintf(file, sizeof(file), "%s%s", root, path);
	if (strstr(path, "..") != NULL || (f = open(file, O_RDONLY)) < 0) {
		logline(path, 404);
		answer(fd, 404, "", 0);
		return;
	}
	if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (64 << 20) ||
	    (data = malloc((size_t)st.st_size + 1)) == NULL) {
		close(f);
		logline(path, 404);
		answer(fd, 404, "", 0);
		return;
	}
	while (off < (size_t)st.st_size && (got = read(f, data + off, (size_t)st.st_size - off)) > 0)
		off += (size_t)got;
	close(f);
	logline(path, 200);
	answer(fd, 200, data, off);
	free(data);
}

int main(int argc, char **argv)
{
	unsigned port = 0;
	int ls;
	FILE *f;
	if (argc != 3) {
		fprintf(stderr, "usage: dirserve DIR LOGFILE\n");
		return 2;
	}
	root = argv[1];
	logfile = argv[2];
	if ((ls = tn_listen_loopback(&port)) < 0) {
		perror("dirserve: listen");
		return 1;
	}
	if ((f = fopen(logfile, "a")) == NULL) {
		perror("dirserve: log");
		return 1;
	}
	fprintf(f, "listening on 127.0.0.1:%u\n", port);
	fclose(f);
	tn_serve_forever(ls, serve);
}

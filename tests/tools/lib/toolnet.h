/*
 * toolnet - the socket and HTTP/1.1 plumbing that the test servers share
 * (hostile, tufproxy, tokenproxy): loopback listen and connect, whole
 * writes, a bounded read of a request head, header lookup, a head rewritten
 * for an upstream, and a fork-per-connection accept loop whose children die
 * with it.  POSIX sockets only; test code, not part of libsign.
 */
#ifndef SIGN_TOOLNET_H
#define SIGN_TOOLNET_H

#include <stddef.h>

/* Write all n bytes (EINTR retried, no SIGPIPE): 0, or -1 when the peer
 * went away. */
int tn_write_all(int fd, const void *p, size_t n);

/* A listening socket on 127.0.0.1 with a port the kernel picks (*port). */
int tn_listen_loopback(unsigned *port);

/* A connected socket to 127.0.0.1:port, or -1. */
int tn_connect_loopback(unsigned port);

/*
 * Read until buf holds a whole request head ("\r\n\r\n").  buf has size
 * bytes; *len is what it holds already (a client may send the next request
 * early) and becomes what it holds now, NUL-terminated.  Returns the head's
 * length (the body's first bytes may follow in buf), or 0 when the peer
 * closed, the head would not fit, a byte is NUL, or it does not start like
 * an HTTP request (a TLS ClientHello, say: the client then falls back to
 * plain HTTP on loopback).
 */
size_t tn_read_head(int fd, char *buf, size_t size, size_t *len);

/* The value of header name (case-insensitive) in a head, copied to out:
 * 1, or 0 when absent. */
int tn_header(const char *head, const char *name, char *out, size_t size);

/*
 * The request head rewritten for an upstream: the hop-by-hop headers
 * (Connection, Keep-Alive, Proxy-Connection) and, with drop_auth,
 * Authorization are left out; "Connection: close" is added; with http10 the
 * request line says HTTP/1.0 (so that the answer is not chunked and ends
 * with a close).  Returns the length written to out.
 */
size_t tn_rewrite_head(char *out, size_t size, const char *head, size_t hl, int http10,
	int drop_auth);

/*
 * Accept connections on ls until killed.  Each gets a child process that
 * runs serve(fd), closes it and exits; a child lives 120 s at most.
 * SIGTERM and SIGINT kill the children too.
 */
__attribute__((noreturn)) void tn_serve_forever(int ls, void (*serve)(int fd));

#endif

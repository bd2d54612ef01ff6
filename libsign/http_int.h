/*
 * http_int.h - the HTTP handle's insides, shared by http.c (requests:
 * auth, retries, scheme choice) and http_xfer.c (one exchange on libcurl,
 * transfers sent ahead, idle work).  Internal to those two files.
 */
#ifndef SIGN_HTTP_INT_H
#define SIGN_HTTP_INT_H

#include "http.h"

#include <curl/curl.h>

#define IDLE_MAX 4 /* pieces of idle work queued at once (add_idle) */
#define HEADERS_TOTAL_MAX (64u << 10) /* all header lines of one answer */

/* A transfer sent before its answer is needed, so that the server works on
 * it meanwhile; the call that needs it collects the answer (early_take),
 * and any answer but a plain 200 is dropped and the request made again the
 * normal way, so a result never depends on it. */
struct early {
	int state;               /* 0 none, 1 in flight, 2 answered and kept */
	char path[600];
	CURL *c;                 /* h->curl, or the second connection's handle */
	signp_http_xfer *x;
	struct curl_slist *h;
	CURLcode cc;
	char errbuf[CURL_ERROR_SIZE];
};

struct signp_http {
	CURL *curl;
	CURLM *multi;       /* every transfer runs through it: one connection cache */
	/* transfers sent early, their answers kept for the call that needs
	 * them: a manifest HEAD on curl (signp_http_ahead_start) and a GET on
	 * a second connection (signp_http_side_get) */
	struct early *ahead;
	struct early *side;
	/* work to run once, while a request is on the wire (add_idle) */
	struct {
		void (*fn)(void *);
		void *arg;
	} idle[IDLE_MAX];
	int nidle;
	char host[256];     /* as in references (docker.io) */
	char api_host[256]; /* what we connect to (registry-1.docker.io) */
	char scheme[8];     /* "" until a request worked */
	char hint[8];
	int try_both;       /* loopback or insecure: https and http */
	int url_mode;       /* made from base_url: scheme fixed, base_path prepended */
	int url_http;       /* ... and that scheme is plain http */
	char base_path[512];/* "" or "/prefix" (no trailing slash) */
	char label[32];     /* "registry", or e.g. "notary server", for messages */
	int insecure;
	char *ca_file;
	char *user_agent;
	long timeout;
	long connect_timeout;
	/* the owner's deadline (monotonic ms, 0: none), read before each
	 * transfer (signp_http_set_deadline); NULL: none */
	const int64_t *deadline_ms;
	long requests;
	long connections;
	char errbuf[CURL_ERROR_SIZE];
	/* authentication (auth.c), or NULL */
	const signp_http_auth_ops *auth;
	void *auth_state;
};

/* http_xfer.c */

/* One exchange of q on h->curl (a HEAD sent ahead is answered first),
 * through h->multi, running idle work while the server thinks. */
CURLcode signp_http_perform(signp_http *h, const signp_http_req *q, const char *url, const char *auth,
	signp_http_xfer *x);
/* Send q for path (url, with the Authorization line auth or NULL) on e->c
 * now, and return; SIGN_ERROR (nothing sent) when it cannot be set up. */
int signp_http_early_start(signp_http *h, struct early *e, const signp_http_req *q, const char *path,
	const char *url, const char *auth, int creds_sent);
/* The answer to e if it was for path and is a plain 200 within max: moved
 * into *x (1).  Anything else is dropped (0). */
int signp_http_early_take(signp_http *h, struct early *e, const char *path, size_t max, signp_http_xfer *x);
/* Forget e: on h->curl it is let end first, so that the one connection
 * stays up; on the second connection it is stopped. */
void signp_http_early_drop(signp_http *h, struct early *e);
/* Would waiting ms more pass the owner's deadline (signp_http_set_deadline)?
 * A retry's back-off is skipped then: the deadline ends the request. */
int signp_http_deadline_within(const signp_http *h, long ms);
/* Stop e where it is and forget it. */
void signp_http_early_abort(signp_http *h, struct early *e);

#endif

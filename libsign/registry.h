/*
 * registry.h - OCI distribution client.  Internal.
 * One handle per registry host: an HTTP handle (http.h: one connection,
 * bounds, timeouts, retries) with the docker config's credentials and a
 * token cache attached (auth.h).  Every answer is hostile: bounded sizes,
 * digests checked, timeouts on every request.
 */
#ifndef SIGN_REGISTRY_H
#define SIGN_REGISTRY_H

#include "common.h"
#include "http.h"
#include "mediatype.h"

/* A registry handle is an HTTP handle with authentication attached: the
 * signp_http_* calls take it as well. */
typedef signp_http signp_registry;

typedef struct signp_registry_options {
	const char *host;          /* host[:port] as in the reference (docker.io allowed) */
	int insecure;              /* plain HTTP allowed, or TLS without verification */
	const char *ca_file;       /* extra CA bundle, or NULL */
	long timeout;              /* seconds, total per request (default 30) */
	long connect_timeout;      /* seconds (default 10) */
	const char *docker_config; /* path of config.json, or NULL for the default lookup */
	const char *docker_auth_config; /* config JSON text used instead of any file, or
	                                 * NULL; borrowed: it must outlive the handle */
	const char *scheme_hint;   /* "https" or "http": try this one first (loopback/insecure) */
	const char *user_agent;    /* NULL: "sign/<version>" */
	/* A server given by URL (a notary server): "http[s]://HOST[:PORT][/PATH]".
	 * When set, host may be NULL; the scheme is exactly the URL's (plain
	 * HTTP only when it says http://, no fallback either way), PATH is
	 * prepended to every request path, and scheme_hint is ignored.
	 * insecure then only skips TLS verification. */
	const char *base_url;
	/* Look credentials up for this host too when the docker config has
	 * none for host (a trust server takes the registry's credentials, as
	 * docker does), or NULL. */
	const char *cred_host;
	/* What the server is called in messages: NULL "registry". */
	const char *label;
} signp_registry_options;

int signp_registry_new(signp_registry **out, const signp_registry_options *opts, sign_error *err);
void signp_registry_free(signp_registry *r);
/* The scheme that worked ("https"/"http"), or NULL before any request. */
const char *signp_registry_scheme(const signp_registry *r);
long signp_registry_requests(const signp_registry *r);
long signp_registry_connections(const signp_registry *r);

/* GET a manifest by tag or digest (Accept: SIGN_MANIFEST_ACCEPT), at most
 * SIGN_MAX_MANIFEST.  digest_out = sha256 of the body; when ref is a digest
 * the body must hash to it, and a Docker-Content-Digest header must match.
 * SIGN_ENOTFOUND on 404 / MANIFEST_UNKNOWN. media_type_out may be NULL. */
int signp_registry_get_manifest(signp_registry *r, const char *repo, const char *ref,
	sign_buf *body, char media_type_out[256], char digest_out[80], sign_error *err);
/* Send a HEAD of repo:ref now and return at once (SIGN_OK), so that the
 * registry answers while the caller works; signp_registry_head_manifest of
 * the same repo:ref collects the answer.  Only once a request has worked on
 * this handle (its scheme is known), one at a time, on the same connection:
 * any other request first waits for it.  An answer that is not a plain 200
 * is dropped and the HEAD is made again, so this never changes a result. */
int signp_registry_head_manifest_start(signp_registry *r, const char *repo, const char *ref);
/* Forget a HEAD sent ahead and not collected: its answer must not serve a
 * later call, by when the tag may have moved. */
void signp_registry_head_manifest_cancel(signp_registry *r);
/* Queue fn(arg) to run once, the next time this handle has sent a request
 * and waits for its answer (the server's time, otherwise idle).  For work
 * the caller needs later anyway (signp_crypto_warm, loading the trust
 * cache): it never runs before a request is sent, and an answer that comes
 * in meanwhile is read when it ends.  At most 4 at a time: SIGN_ERROR when
 * full (the caller then does the work itself).  drop_idle unqueues work
 * that has not run, before its arg goes away. */
int signp_registry_add_idle(signp_registry *r, void (*fn)(void *), void *arg);
void signp_registry_drop_idle(signp_registry *r, void (*fn)(void *), void *arg);
/* Send a GET of path (as signp_registry_request would, with the handle's
 * credentials) now, on a second connection, and return at once (SIGN_OK):
 * the server works on it while this handle makes its other request.
 * signp_registry_request of the same GET collects the answer; one that is
 * not a plain 200 within its max is dropped and the GET made again the
 * normal way, so this never changes a result.  Plain HTTP only (over TLS a
 * second connection costs a second handshake), one at a time; SIGN_ERROR
 * otherwise, and the caller simply goes on.  side_cancel forgets it. */
int signp_registry_side_get(signp_registry *r, const char *path, size_t max);
void signp_registry_side_cancel(signp_registry *r);
/* HEAD: the registry's digest, media type and size (no body to check). */
int signp_registry_head_manifest(signp_registry *r, const char *repo, const char *ref,
	char digest_out[80], char media_type_out[256], uint64_t *size_out, sign_error *err);
/* PUT a manifest under a tag or digest; digest_out = sha256 of body (the
 * answer's Docker-Content-Digest must agree). */
int signp_registry_put_manifest(signp_registry *r, const char *repo, const char *ref,
	const void *body, size_t len, const char *media_type, char digest_out[80], sign_error *err);

/* HEAD a blob: SIGN_OK (size_out set), SIGN_ENOTFOUND. */
int signp_registry_blob_exists(signp_registry *r, const char *repo, const char *digest,
	uint64_t *size_out, sign_error *err);
/* GET a blob (follows redirects, drops Authorization on host change), at
 * most max bytes, digest checked. */
int signp_registry_get_blob(signp_registry *r, const char *repo, const char *digest, size_t max,
	sign_buf *body, sign_error *err);
/* Upload a blob from memory unless it exists: POST then PUT ?digest=. */
int signp_registry_put_blob(signp_registry *r, const char *repo, const char *digest,
	const void *data, size_t len, sign_error *err);
/* The same without asking first (no HEAD): for a blob that is almost
 * surely new, where the question costs a request and an upload of a blob
 * the registry has is harmless.  Two requests: distribution 2.8 answers a
 * single-request monolithic POST ?digest= with an upload session (202),
 * ignoring its body. */
int signp_registry_upload_blob(signp_registry *r, const char *repo, const char *digest,
	const void *data, size_t len, sign_error *err);
/* Upload a blob from a file (streamed), unless it exists. */
int signp_registry_put_blob_file(signp_registry *r, const char *repo, const char *digest,
	const char *path, uint64_t size, sign_error *err);
/* Cross-repository mount: SIGN_OK when mounted, SIGN_ENOTFOUND when the
 * registry wants an upload instead. */
int signp_registry_mount_blob(signp_registry *r, const char *repo, const char *digest,
	const char *from_repo, sign_error *err);
/* Tags list (follows Link pagination); body is the merged {"name","tags"} JSON.
 * The pages' bodies together may not pass max bytes (SIGN_EFORMAT). */
int signp_registry_tags(signp_registry *r, const char *repo, size_t max, sign_buf *json_out,
	sign_error *err);

/* A request to any path of the server (base path prepended): the same
 * scheme choice, auth (a 401 challenge is answered with a token for scope,
 * e.g. "repository:<gun>:pull"; NULL: none asked), timeouts and bounds as
 * the calls above.  Only GET and HEAD are retried.  body/len may be NULL/0.
 * A 2xx answer over max bytes (or announcing it in Content-Length) fails
 * with SIGN_EFORMAT before the body is read; other answers keep at most
 * 64 KiB.  SIGN_OK whenever the server answered, whatever the status: the
 * caller interprets *status and resp (the body, NUL-terminated).
 * Other results: SIGN_ENET, SIGN_EAUTH (token step), SIGN_EFORMAT,
 * SIGN_EINVAL, SIGN_ENOMEM. */
int signp_registry_request(signp_registry *r, const char *method, const char *path,
	const char *content_type, const void *body, size_t len, const char *scope, size_t max,
	sign_buf *resp, long *status, sign_error *err);
/* host[:port] of the handle, for messages. */
const char *signp_registry_host(const signp_registry *r);

#endif

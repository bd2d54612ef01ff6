/*
 * registry.h - OCI distribution client on libcurl.  Internal.
 * One handle per registry host; it keeps one CURL easy handle (so requests
 * share one connection) and a token cache.  Every answer is hostile:
 * bounded sizes, digests checked, timeouts on every request.
 */
#ifndef SIGN_REGISTRY_H
#define SIGN_REGISTRY_H

#include "common.h"

#define SIGN_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define SIGN_MT_OCI_INDEX    "application/vnd.oci.image.index.v1+json"
#define SIGN_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define SIGN_MT_DOCKER_LIST  "application/vnd.docker.distribution.manifest.list.v2+json"
#define SIGN_MANIFEST_ACCEPT SIGN_MT_OCI_INDEX ", " SIGN_MT_OCI_MANIFEST ", " \
	SIGN_MT_DOCKER_LIST ", " SIGN_MT_DOCKER_MANIFEST

typedef struct signp_registry signp_registry;

typedef struct signp_registry_options {
	const char *host;          /* host[:port] as in the reference (docker.io allowed) */
	int insecure;              /* plain HTTP allowed, or TLS without verification */
	const char *ca_file;       /* extra CA bundle, or NULL */
	long timeout;              /* seconds, total per request (default 30) */
	long connect_timeout;      /* seconds (default 10) */
	const char *docker_config; /* path of config.json, or NULL for the default lookup */
	const char *scheme_hint;   /* "https" or "http": try this one first (loopback/insecure) */
	const char *user_agent;    /* NULL: "sign/<version>" */
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
/* Upload a blob from a file (streamed), unless it exists. */
int signp_registry_put_blob_file(signp_registry *r, const char *repo, const char *digest,
	const char *path, uint64_t size, sign_error *err);
/* Cross-repository mount: SIGN_OK when mounted, SIGN_ENOTFOUND when the
 * registry wants an upload instead. */
int signp_registry_mount_blob(signp_registry *r, const char *repo, const char *digest,
	const char *from_repo, sign_error *err);
/* Tags list (follows Link pagination); body is the merged {"name","tags"} JSON. */
int signp_registry_tags(signp_registry *r, const char *repo, sign_buf *json_out, sign_error *err);

/* ---- pieces exposed for unit tests ---- */

/* Parse a WWW-Authenticate value. scheme_out: "bearer"/"basic".  Params
 * realm, service, scope (empty when absent). */
int signp_auth_parse_challenge(const char *header, char scheme_out[16], sign_buf *realm,
	sign_buf *service, sign_buf *scope);
/* Credentials for host from a docker config file (auths, credHelpers,
 * credsStore via docker-credential-<x> get).  SIGN_ENOTFOUND when none.
 * identity tokens come back with user "<token>". */
int signp_docker_credentials(sign_buf *user, sign_buf *secret, const char *config_path,
	const char *host, sign_error *err);

#endif

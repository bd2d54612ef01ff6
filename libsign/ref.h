/*
 * ref.h - image references (docker grammar, normalised) and oci: layouts.
 */
#ifndef SIGN_REF_H
#define SIGN_REF_H

#include "common.h"

typedef struct signp_ref {
	int layout;          /* oci:DIR[:tag|@digest]: an OCI layout folder */
	char oci_dir[4096];  /* layout folder (layout) */
	char host[256];      /* "docker.io", "127.0.0.1:5000", "[::1]:5000", "" for oci */
	char path[256];      /* "library/alpine" (registry repository name) */
	char tag[136];       /* "" when none given (default applied by caller) */
	char digest[80];     /* "" when none */
	char gun[520];       /* host/path; for oci: --gun or "local/<folder name>" */
} signp_ref;

/*
 * Parse and normalise (reference/oci-registry-cosign.md §3.8):
 * docker.io default host, library/ for one-component docker.io paths,
 * index.docker.io -> docker.io, lowercase path checks, tag and digest
 * grammar, total name at most 255.  For "oci:" refs the GUN is `gun` if not
 * NULL, else "local/<folder name>" (lowercased, invalid characters -> '-').
 * SIGN_EINVAL with a message on bad input.
 */
int signp_ref_parse(signp_ref *out, const char *s, const char *gun, sign_error *err);
/* The repository a result names: "oci:DIR" for a layout (at most 511
 * characters), else the GUN. */
void signp_ref_repository(char out[512], const signp_ref *ref);
/* The repository a push reports: the GUN, or REF as written without its
 * tag or digest for a layout ("oci:DIR:tag" -> "oci:DIR"). */
void signp_ref_push_repository(char out[512], const signp_ref *ref, const char *refstr);
/* Validate a GUN (host/path form, no "..", same grammar). */
int signp_gun_valid(const char *gun);
/* Is the host (without port) loopback: localhost, 127.0.0.0/8, ::1? */
int signp_host_is_loopback(const char *host);
/* The registry API host for a reference host (docker.io -> registry-1.docker.io). */
const char *signp_registry_api_host(const char *host);

#endif

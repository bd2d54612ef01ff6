/*
 * auth.h - authentication for the HTTP core.  Internal.
 * WWW-Authenticate challenges, Basic, the Bearer token flow (and the OAuth2
 * refresh-token grant of an identity token) with a token cache per scope,
 * credentials from the docker config (dockercfg.h).  Attached to a handle
 * as its table of functions, so the core never calls in here directly.
 */
#ifndef SIGN_AUTH_H
#define SIGN_AUTH_H

#include "http.h"

typedef struct signp_auth_options {
	const char *docker_config; /* path of config.json, or NULL for the default lookup */
	const char *docker_auth_config; /* config JSON text used instead of any file, or
	                                 * NULL; borrowed: it must outlive the handle */
	/* Look credentials up for this host too when the docker config has
	 * none for the handle's host, or NULL. */
	const char *cred_host;
} signp_auth_options;

/* Give h its authentication: credentials are looked up on the first 401,
 * tokens kept per scope until they expire, all wiped with the handle.
 * SIGN_ENOMEM (h is then left without). */
int signp_auth_attach(signp_http *h, const signp_auth_options *opts, sign_error *err);

/* Parse a WWW-Authenticate value. scheme_out: "bearer"/"basic".  Params
 * realm, service, scope (empty when absent).  Exposed for unit tests. */
int signp_auth_parse_challenge(const char *header, char scheme_out[16], sign_buf *realm,
	sign_buf *service, sign_buf *scope);

#endif

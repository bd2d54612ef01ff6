/*
 * dockercfg.h - registry credentials from the docker config.  Internal.
 */
#ifndef SIGN_DOCKERCFG_H
#define SIGN_DOCKERCFG_H

#include "common.h"

/* Credentials for host from a docker config (auths, credHelpers,
 * credsStore via docker-credential-<x> get): the JSON text auth_config if
 * it is not NULL or empty (the caller's DOCKER_AUTH_CONFIG), else the file
 * config_path, else ~/.docker/config.json with ~ from the password
 * database (no environment variable is read).  SIGN_ENOTFOUND when none.
 * identity tokens come back with user "<token>". */
int signp_docker_credentials(sign_buf *user, sign_buf *secret, const char *config_path,
	const char *auth_config, const char *host, sign_error *err);

#endif

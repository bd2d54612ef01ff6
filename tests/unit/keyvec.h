/*
 * keyvec.h - what the key unit tests share (test_key.c, test_keystore.c):
 * the vectors of $VECTORS (default tests/vectors) and a public key's PEM.
 * Static helpers in a header: each test program includes it once.
 */
#ifndef SIGN_TEST_KEYVEC_H
#define SIGN_TEST_KEYVEC_H

#define KV_UNUSED __attribute__((unused))

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "common.h"
#include "key.h"

static KV_UNUSED const char *vectors(void)
{
	const char *v = getenv("VECTORS");
	return (v && *v) ? v : "tests/vectors";
}

static KV_UNUSED void read_vector(sign_buf *out, const char *rel)
{
	char path[4096];
	sign_error err;
	memset(&err, 0, sizeof(err));
	snprintf(path, sizeof(path), "%s/%s", vectors(), rel);
	if (signp_read_file(out, path, 1u << 20, &err) != SIGN_OK)
		fail_msg("cannot read vector %s: %s", path, err.message);
}

static KV_UNUSED void spki_pem_of(sign_buf *out, EVP_PKEY *pkey)
{
	sign_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_key_public_pem(out, pkey, &err), SIGN_OK);
}

#endif

/*
 * push_target.h - what a push signs: the tag and its digest.  Internal.
 */
#ifndef SIGN_PUSH_TARGET_H
#define SIGN_PUSH_TARGET_H

#include "common.h"
#include "ref.h"
#include "store.h"
#include "trust.h"

/* The tag a push signs: REF's, or "latest"; a REF with only a digest is
 * refused (the trust data maps tags to digests). */
int signp_push_tag(const char **tag, const signp_ref *ref, const char *refstr, sign_error *err);
/* Resolve that tag in the store; when REF also names a digest, the tag
 * must point to it.  media_type may be NULL. */
int signp_push_resolve(char digest[80], char media_type[256], uint64_t *size, signp_store *st,
	const signp_ref *ref, const char *refstr, const char *tag, sign_error *err);
/* Parse REF (gun: --gun), open its store (create: a layout may be made)
 * and its trust backend. */
int signp_push_open(signp_ref *ref, signp_store **st, signp_trust_backend **be, sign_ctx *ctx,
	const char *refstr, const char *gun, int create, sign_error *err);

#endif

/*
 * detached.h - detached signatures (cosign layout).  Internal.
 */
#ifndef SIGN_DETACHED_H
#define SIGN_DETACHED_H

#include "common.h"
#include "key.h"
#include "store.h"

/* Append a detached signature by k over digest to the image's .sig
 * manifest (no duplicate: *changed = 0 when one by k is there). */
int signp_push_signature(int *changed, signp_store *st, const char *gun, const char *digest,
	const signp_key *k, sign_error *err);

/* The same signature in cosign's OCI 1.1 form: a manifest with a subject
 * (PUT by digest) listed in the sha256-<hex> referrers fallback index. */
int signp_push_signature_referrer(int *changed, signp_store *st, const char *gun, const char *digest,
	const char *subject_mt, uint64_t subject_size, const signp_key *k, sign_error *err);

#endif

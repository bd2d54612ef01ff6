/*
 * push_target.c - what a push signs: the tag REF names and the digest the
 * store resolves it to (sign push, sign push --key), and opening what a
 * push or revoke works on.
 */
#include "push_target.h"

#include <string.h>

int signp_push_tag(const char **tag, const signp_ref *ref, const char *refstr, sign_error *err)
{
	if (ref->digest[0] && !ref->tag[0])
		return signp_err(err, SIGN_EINVAL,
			"push %s: name a tag to sign (the trust data maps tags to digests)", refstr);
	*tag = ref->tag[0] ? ref->tag : "latest";
	return SIGN_OK;
}

int signp_push_resolve(char digest[80], char media_type[256], uint64_t *size, signp_store *st,
	const signp_ref *ref, const char *refstr, const char *tag, sign_error *err)
{
	/* the digest signed is the hash of the manifest bytes fetched, never
	 * a registry header: a registry naming another digest for them is an
	 * operational error (exit 2) that names both */
	int r = signp_store_resolve_content(st, tag, digest, media_type, size, NULL, err);
	if (r == SIGN_EVERIFY || r == SIGN_EREGISTRY)
		return signp_err_prefix_as(err, SIGN_EREGISTRY, "resolving %s:%s to sign it", ref->gun, tag);
	if (r != SIGN_OK)
		return signp_err_prefix(err, r, "resolving %s:%s", ref->gun, tag);
	if (ref->digest[0] && strcmp(ref->digest, digest) != 0)
		return signp_err(err, SIGN_EINVAL, "push %s: the tag points to %s, not to the digest given",
			refstr, digest);
	return SIGN_OK;
}


int signp_push_open(signp_ref *ref, signp_store **st, signp_trust_backend **be, sign_ctx *ctx,
	const char *refstr, const char *gun, int create, sign_error *err)
{
	int r;
	if ((r = signp_ref_parse(ref, refstr, gun, err)) != SIGN_OK)
		return r;
	if ((r = signp_store_open(st, ctx, ref, create, err)) != SIGN_OK)
		return r;
	return signp_trust_backend_open(be, ctx, *st, ref, err);
}

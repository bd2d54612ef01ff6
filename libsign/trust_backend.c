/*
 * trust_backend.c - the trust backend factory: which backend holds a GUN's
 * collection.  Callers above the interface never ask which one they got.
 */
#include "trust_backend.h"

#include "notary.h"

int signp_trust_backend_open(signp_trust_backend **out, sign_ctx *ctx, signp_store *store,
	const signp_ref *ref, sign_error *err)
{
	*out = NULL;
	if (ctx->trust_server) {
		if (ref->layout)
			return signp_err(err, SIGN_EINVAL, "--trust-server works with registry references, not oci: layouts");
		return signp_trust_backend_open_notary(out, ctx, ctx->trust_server, ref, err);
	}
	return signp_trust_backend_artifact(out, store, ref->gun, err);
}

int signp_trust_backend_open_notary(signp_trust_backend **out, sign_ctx *ctx, const char *url,
	const signp_ref *ref, sign_error *err)
{
	signp_registry *http = NULL;
	int r;
	*out = NULL;
	if ((r = signp_ctx_notary(&http, ctx, url, ref->host, err)) != SIGN_OK)
		return r;
	return signp_trust_backend_notary(out, http, ref->gun, err);
}

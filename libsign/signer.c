/*
 * signer.c - signers (TUF delegations): sign signer add|remove|list, and
 * sign push --key KEYID into the signer's roles.
 */
#include "publish.h"

int signp_push_as_signer(sign_push_result *out, sign_ctx *ctx, const char *refstr,
	const sign_push_options *opts, sign_error *err)
{
	(void)out;
	(void)ctx;
	(void)refstr;
	(void)opts;
	return signp_err(err, SIGN_EINVAL, "push --key: signer keys are not supported yet");
}

/*
 * upload.h - copy an image (manifest or index, its config and layers) from
 * an OCI layout into any image store: `sign push --from oci:DIR[:tag]`.
 * Internal.
 */
#ifndef SIGN_UPLOAD_H
#define SIGN_UPLOAD_H

#include "common.h"
#include "ctx.h"
#include "store.h"

/* Upload the image `from` names (oci:DIR[:tag|@digest], tag "latest" when
 * none is given) to dst under tag.  up_digest, up_mt and up_size describe
 * the manifest bytes uploaded (what a push signs). */
int signp_upload_from(sign_ctx *ctx, const char *from, signp_store *dst, const char *tag,
	char up_digest[80], char up_mt[256], uint64_t *up_size, sign_error *err);

#endif

/*
 * upload.c - copy an image from an OCI layout into an image store, through
 * the store interface only: manifests with signp_store_get_manifest and
 * signp_store_put_manifest, blobs with signp_store_copy_blob.
 */
#include "upload.h"

#include "mediatype.h"
#include "ref.h"

#include <jansson.h>

/* Copy one manifest (and what it names) from src to dst; up_digest (may be
 * NULL) gets the digest of the bytes put, up_mt their media type and
 * up_size their length. */
static int copy_manifest(signp_store *src, signp_store *dst, const char *digest, const char *tag,
	int depth, char up_digest[80], char up_mt[256], uint64_t *up_size, sign_error *err)
{
	sign_buf body = SIGN_BUF_INIT;
	char mt[256] = "", got[80];
	json_t *doc = NULL, *d;
	size_t i;
	int r;

	if (depth > 2)
		return signp_err(err, SIGN_EFORMAT, "uploading image: index nested too deep");
	if ((r = signp_store_get_manifest(src, digest, SIGN_MAX_MANIFEST, &body, mt, got, err)) != SIGN_OK)
		goto out;
	if ((doc = json_loadb(body.ptr, body.size, 0, NULL)) == NULL || !json_is_object(doc)) {
		r = signp_err(err, SIGN_EFORMAT, "uploading image: manifest %s is not JSON", digest);
		goto out;
	}
	if (json_is_array(json_object_get(doc, "manifests"))) {
		json_array_foreach(json_object_get(doc, "manifests"), i, d) {
			const char *cd = json_string_value(json_object_get(d, "digest"));
			if (cd == NULL || !signp_digest_valid(cd)) {
				r = signp_err(err, SIGN_EFORMAT, "uploading image: bad index entry");
				goto out;
			}
			if ((r = copy_manifest(src, dst, cd, NULL, depth + 1, NULL, NULL, NULL, err)) != SIGN_OK)
				goto out;
		}
	} else {
		json_t *cfg = json_object_get(doc, "config");
		const char *cd = json_string_value(json_object_get(cfg, "digest"));
		if (cd == NULL || !signp_digest_valid(cd)) {
			r = signp_err(err, SIGN_EFORMAT, "uploading image: manifest has no config");
			goto out;
		}
		if ((r = signp_store_copy_blob(src, dst, cd, (uint64_t)json_integer_value(json_object_get(cfg, "size")),
			     err)) != SIGN_OK)
			goto out;
		json_array_foreach(json_object_get(doc, "layers"), i, d) {
			const char *ld = json_string_value(json_object_get(d, "digest"));
			if (ld == NULL || !signp_digest_valid(ld)) {
				r = signp_err(err, SIGN_EFORMAT, "uploading image: bad layer entry");
				goto out;
			}
			if ((r = signp_store_copy_blob(src, dst, ld, (uint64_t)json_integer_value(json_object_get(d, "size")),
				     err)) != SIGN_OK)
				goto out;
		}
	}
	{
		const char *own = json_string_value(json_object_get(doc, "mediaType"));
		const char *use = own ? own : (mt[0] ? mt : SIGN_MT_OCI_MANIFEST);
		r = signp_store_put_manifest(dst, tag, body.ptr, body.size, use, NULL, err);
		if (r == SIGN_OK && up_digest)
			signp_digest(up_digest, body.ptr, body.size);
		if (r == SIGN_OK && up_mt)
			signp_strlcpy(up_mt, use, 256);
		if (r == SIGN_OK && up_size)
			*up_size = body.size;
	}
out:
	json_decref(doc);
	sign_buf_dispose(&body);
	return r;
}

/* The image from names, copied into dst under tag (upload.h). */
int signp_upload_from(sign_ctx *ctx, const char *from, signp_store *dst, const char *tag,
	char up_digest[80], char up_mt[256], uint64_t *up_size, sign_error *err)
{
	signp_ref src_ref;
	signp_store *src = NULL;
	char digest[80];
	int r;
	if ((r = signp_ref_parse(&src_ref, from, NULL, err)) != SIGN_OK)
		return signp_err_prefix(err, r, "--from %s", from);
	if (!src_ref.layout)
		return signp_err(err, SIGN_EINVAL, "--from %s: only oci:DIR[:tag] sources are supported", from);
	if ((r = signp_store_open(&src, ctx, &src_ref, 0, err)) != SIGN_OK)
		return r;
	r = signp_store_resolve(src, src_ref.digest[0] ? src_ref.digest :
		(src_ref.tag[0] ? src_ref.tag : "latest"), digest, NULL, NULL, err);
	if (r == SIGN_OK)
		r = copy_manifest(src, dst, digest, tag, 0, up_digest, up_mt, up_size, err);
	if (r != SIGN_OK)
		signp_err_prefix(err, r, "uploading %s", from);
	signp_store_free(src);
	return r;
}

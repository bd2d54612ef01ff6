/*
 * store_oci.c - the image store over an OCI layout folder (oci.c).
 */
#include "store_backend.h"

#include "mediatype.h"
#include "oci.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

typedef struct oci_store {
	signp_store_backend b;
	signp_oci *oci;        /* owned */
} oci_store;

static int oci_get_manifest(signp_store_backend *b, const char *ref, size_t max, sign_buf *body,
	char media_type[256], char digest_out[80], sign_error *err)
{
	oci_store *s = (oci_store *)b;
	char digest[80];
	int r;
	if (signp_str_has_prefix(ref, "sha256:")) {
		signp_strlcpy(digest, ref, sizeof(digest));
		if (media_type)
			media_type[0] = '\0';
	} else if ((r = signp_oci_resolve(s->oci, ref, digest, media_type, NULL, err)) != SIGN_OK) {
		return r;
	}
	if ((r = signp_oci_get_blob(s->oci, digest, max, body, err)) != SIGN_OK)
		return r;
	if (media_type && media_type[0] == '\0') {
		/* by digest: the manifest names its own media type */
		json_t *doc = json_loadb(body->ptr, body->size, 0, NULL);
		const char *mt = json_string_value(json_object_get(doc, "mediaType"));
		signp_strlcpy(media_type, mt ? mt : SIGN_MT_OCI_MANIFEST, 256);
		json_decref(doc);
	}
	signp_strlcpy(digest_out, digest, 80);
	return SIGN_OK;
}

static int oci_resolve(signp_store_backend *b, const char *ref, char digest_out[80],
	char media_type[256], uint64_t *size, sign_error *err)
{
	oci_store *s = (oci_store *)b;
	if (signp_str_has_prefix(ref, "sha256:")) {
		if (!signp_oci_has_blob(s->oci, ref, size))
			return signp_err(err, SIGN_ENOTFOUND, "manifest %s: not found in the layout",
				ref);
		signp_strlcpy(digest_out, ref, 80);
		if (media_type)
			signp_strlcpy(media_type, SIGN_MT_OCI_MANIFEST, 256);
		return SIGN_OK;
	}
	return signp_oci_resolve(s->oci, ref, digest_out, media_type, size, err);
}

static int oci_put_manifest(signp_store_backend *b, const char *tag, const void *body, size_t len,
	const char *media_type, char digest_out[80], sign_error *err)
{
	oci_store *s = (oci_store *)b;
	char digest[80];
	int r;
	if ((r = signp_oci_put_blob(s->oci, body, len, digest, err)) != SIGN_OK)
		return r;
	if (tag && (r = signp_oci_tag(s->oci, tag, digest, media_type, len, err)) != SIGN_OK)
		return r;
	if (digest_out)
		signp_strlcpy(digest_out, digest, 80);
	return SIGN_OK;
}

static int oci_get_blob(signp_store_backend *b, const char *digest, size_t max, sign_buf *out,
	sign_error *err)
{
	return signp_oci_get_blob(((oci_store *)b)->oci, digest, max, out, err);
}

static int oci_put_blob(signp_store_backend *b, const void *data, size_t len, char digest_out[80],
	sign_error *err)
{
	return signp_oci_put_blob(((oci_store *)b)->oci, data, len, digest_out, err);
}

static int oci_blob_file(signp_store_backend *b, const char *digest, sign_buf *path)
{
	return signp_oci_blob_path(path, ((oci_store *)b)->oci, digest);
}

static int oci_untag(signp_store_backend *b, const char *tag, sign_error *err)
{
	return signp_oci_untag(((oci_store *)b)->oci, tag, err);
}

static void oci_free(signp_store_backend *b)
{
	oci_store *s = (oci_store *)b;
	if (s == NULL)
		return;
	signp_oci_free(s->oci);
	free(s);
}

int signp_store_oci_open(signp_store_backend **out, const char *dir, int create, sign_error *err)
{
	oci_store *s;
	int r;
	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "opening image store: out of memory");
	s->b.kind = "oci";
	s->b.noun = "layout";
	s->b.get_manifest = oci_get_manifest;
	s->b.resolve = oci_resolve;
	s->b.put_manifest = oci_put_manifest;
	s->b.get_blob = oci_get_blob;
	s->b.put_blob = oci_put_blob;
	s->b.untag = oci_untag;
	s->b.free = oci_free;
	s->b.blob_file = oci_blob_file;
	if ((r = signp_oci_open(&s->oci, dir, create, err)) != SIGN_OK) {
		oci_free(&s->b);
		return r;
	}
	*out = &s->b;
	return SIGN_OK;
}

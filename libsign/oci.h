/*
 * oci.h - OCI image layout folders (image-spec image-layout.md).  Internal.
 * Tags are index.json entries annotated org.opencontainers.image.ref.name.
 */
#ifndef SIGN_OCI_H
#define SIGN_OCI_H

#include "common.h"

typedef struct signp_oci signp_oci;

/* Open a layout (oci-layout + index.json); with create, make a new one. */
int signp_oci_open(signp_oci **out, const char *dir, int create, sign_error *err);
void signp_oci_free(signp_oci *o);
/* Tag -> descriptor.  SIGN_ENOTFOUND. */
int signp_oci_resolve(signp_oci *o, const char *tag, char digest_out[80], char media_type_out[256],
	uint64_t *size_out, sign_error *err);
/* Read blobs/sha256/<hex>, at most max bytes; digest checked (SIGN_EVERIFY
 * if the content does not hash to its name). SIGN_ENOTFOUND. */
int signp_oci_get_blob(signp_oci *o, const char *digest, size_t max, sign_buf *out,
	sign_error *err);
/* 1 if blobs/sha256/<hex> exists (size_out may be NULL), else 0. */
int signp_oci_has_blob(signp_oci *o, const char *digest, uint64_t *size_out);
/* Path of a blob file (for streaming uploads). */
int signp_oci_blob_path(sign_buf *out, signp_oci *o, const char *digest);
/* Write a blob atomically; digest_out may be NULL. */
int signp_oci_put_blob(signp_oci *o, const void *data, size_t len, char digest_out[80],
	sign_error *err);
/* Point tag at a descriptor (replace an entry with that tag), write
 * index.json atomically. */
int signp_oci_tag(signp_oci *o, const char *tag, const char *digest, const char *media_type,
	uint64_t size, sign_error *err);
/* Remove a tag (SIGN_ENOTFOUND if absent). */
int signp_oci_untag(signp_oci *o, const char *tag, sign_error *err);
/* Tags as a NULL-terminated array (free each and the array). */
int signp_oci_tags(char ***out, signp_oci *o, sign_error *err);

#endif

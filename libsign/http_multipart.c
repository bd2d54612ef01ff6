/*
 * http_multipart.c - a multipart/form-data body (RFC 7578) in memory, with
 * a random boundary that occurs in no part (a notary server's upload).
 */
#include "http.h"

#include <string.h>

#include <sodium.h>

static int contains(const void *data, size_t len, const char *needle)
{
	const unsigned char *d = data, *p;
	size_t nl = strlen(needle);
	if (nl == 0 || len < nl)
		return 0;
	for (p = d; (p = memchr(p, needle[0], len - nl + 1 - (size_t)(p - d))) != NULL; p++)
		if (memcmp(p, needle, nl) == 0)
			return 1;
	return 0;
}

static int mp_token_ok(const char *s)
{
	size_t i, n;
	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n == 0 || n > 255)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

int signp_multipart_build(sign_buf *out, char boundary_out[72], const signp_multipart_part *parts,
	size_t n, sign_error *err)
{
	char boundary[72];
	unsigned char rnd[30];
	int tries, clash = 1, rc = SIGN_ENOMEM;
	size_t i, total = 64;

	if (out == NULL || boundary_out == NULL || (parts == NULL && n > 0))
		return signp_err(err, SIGN_EINVAL, "multipart body: bad arguments");
	for (i = 0; i < n; i++) {
		if (!mp_token_ok(parts[i].name) || !mp_token_ok(parts[i].filename) ||
		    (parts[i].content_type != NULL && !signp_http_header_value_ok(parts[i].content_type, 255)) ||
		    (parts[i].data == NULL && parts[i].len > 0))
			return signp_err(err, SIGN_EINVAL, "multipart body: invalid part %zu", i);
		if (parts[i].len > SIZE_MAX / 2 - total - 1024)
			return signp_err(err, SIGN_EINVAL, "multipart body: too large");
		total += parts[i].len + 1024;
	}
	/* a random boundary (like Go's mime/multipart), never inside a part */
	for (tries = 0; tries < 8 && clash; tries++) {
		randombytes_buf(rnd, sizeof(rnd));
		signp_hex(boundary, rnd, sizeof(rnd));
		clash = 0;
		for (i = 0; i < n && !clash; i++)
			clash = contains(parts[i].data, parts[i].len, boundary);
	}
	if (clash)
		return signp_err(err, SIGN_ERROR, "multipart body: no usable boundary");
	signp_buf_clear(out);
	if (signp_buf_grow(out, total) != SIGN_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if (signp_buf_printf(out, "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
			    "Content-Type: %s\r\n\r\n", boundary, parts[i].name, parts[i].filename,
			    parts[i].content_type ? parts[i].content_type : "application/octet-stream") != SIGN_OK ||
		    (parts[i].len > 0 && signp_buf_put(out, parts[i].data, parts[i].len) != SIGN_OK) ||
		    signp_buf_puts(out, "\r\n") != SIGN_OK)
			goto out;
	}
	if (signp_buf_printf(out, "--%s--\r\n", boundary) != SIGN_OK)
		goto out;
	memcpy(boundary_out, boundary, strlen(boundary) + 1);
	rc = SIGN_OK;
out:
	if (rc != SIGN_OK)
		signp_err(err, rc, "multipart body: out of memory");
	return rc;
}

/* ------------------------------------------------------------------------ */
/* manifests                                                                */

/*
 * key_pem.c - PEM framing of key files and certificates: parsing with
 * headers, and writing byte for byte as Go's encoding/pem does.
 */
#include "key_pem.h"

#include <stdio.h>
#include <string.h>

void signp_pem_block_dispose(signp_pem_block *b)
{
	signp_buf_dispose_secure(&b->der);
}

/* Next line in [*p, end): sets line/linelen (without \r\n), advances *p. */
static int next_line(const char **p, const char *end, const char **line, size_t *linelen)
{
	const char *s = *p, *nl;
	size_t n;
	if (s >= end)
		return 0;
	nl = memchr(s, '\n', (size_t)(end - s));
	n = nl ? (size_t)(nl - s) : (size_t)(end - s);
	*p = nl ? nl + 1 : end;
	*line = s;
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*linelen = n;
	return 1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_space((*s)[*n - 1]))
		(*n)--;
}

static int copy_field(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size || memchr(src, '\0', n) != NULL)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int signp_pem_parse(signp_pem_block *out, const void *data, size_t len, const char *want, int decode,
	sign_error *err)
{
	const char *p = data, *end = (const char *)data + len, *line;
	size_t n;
	sign_buf b64 = SIGN_BUF_INIT;
	int r = SIGN_EFORMAT;

	memset(out->label, 0, sizeof(out->label));
	out->role[0] = out->gun[0] = '\0';
	out->proc_encrypted = 0;
	if (data == NULL || len == 0) {
		signp_err(err, SIGN_EFORMAT, "reading PEM: empty input");
		goto out;
	}
	if (len > SIGN_MAX_KEYFILE) {
		signp_err(err, SIGN_EFORMAT, "reading PEM: input is larger than %u bytes",
			(unsigned)SIGN_MAX_KEYFILE);
		goto out;
	}
	for (;;) {
		if (!next_line(&p, end, &line, &n)) {
			if (want)
				signp_err(err, SIGN_EFORMAT, "reading PEM: no %s block found", want);
			else
				signp_err(err, SIGN_EFORMAT, "reading PEM: no PEM block found");
			goto out;
		}
		if (n > 16 && memcmp(line, "-----BEGIN ", 11) == 0 &&
			memcmp(line + n - 5, "-----", 5) == 0) {
			const char *lab = line + 11;
			size_t ln = n - 16;
			if (copy_field(out->label, sizeof(out->label), lab, ln) != 0)
				continue;
			if (want == NULL || strcmp(out->label, want) == 0)
				break;
		}
	}
	/* headers: "Key: value" lines right after BEGIN */
	for (;;) {
		const char *save = p, *colon, *k, *v;
		size_t kn, vn;
		if (!next_line(&p, end, &line, &n)) {
			signp_err(err, SIGN_EFORMAT, "reading PEM: truncated %s block", out->label);
			goto out;
		}
		colon = n ? memchr(line, ':', n) : NULL;
		if (colon == NULL || (n >= 5 && memcmp(line, "-----", 5) == 0)) {
			p = save;
			break;
		}
		k = line;
		kn = (size_t)(colon - line);
		v = colon + 1;
		vn = n - kn - 1;
		trim(&k, &kn);
		trim(&v, &vn);
		if (kn == 4 && memcmp(k, "role", 4) == 0) {
			if (copy_field(out->role, sizeof(out->role), v, vn) != 0) {
				signp_err(err, SIGN_EFORMAT, "reading PEM: role header is too long");
				goto out;
			}
		} else if (kn == 3 && memcmp(k, "gun", 3) == 0) {
			if (copy_field(out->gun, sizeof(out->gun), v, vn) != 0) {
				signp_err(err, SIGN_EFORMAT, "reading PEM: gun header is too long");
				goto out;
			}
		} else if (kn == 9 && memcmp(k, "Proc-Type", 9) == 0) {
			if (vn >= 9 && memcmp(v + vn - 9, "ENCRYPTED", 9) == 0)
				out->proc_encrypted = 1;
		}
	}
	/* body until the matching END line */
	for (;;) {
		if (!next_line(&p, end, &line, &n)) {
			signp_err(err, SIGN_EFORMAT, "reading PEM: truncated %s block (no END line)",
				out->label);
			goto out;
		}
		if (n >= 5 && memcmp(line, "-----", 5) == 0) {
			size_t ll = strlen(out->label);
			if (n == 14 + ll && memcmp(line, "-----END ", 9) == 0 &&
				memcmp(line + 9, out->label, ll) == 0 &&
				memcmp(line + 9 + ll, "-----", 5) == 0)
				break;
			signp_err(err, SIGN_EFORMAT, "reading PEM: unexpected line in %s block",
				out->label);
			goto out;
		}
		if (!decode)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (is_space(line[i]))
				continue;
			if (signp_buf_putc(&b64, line[i]) != SIGN_OK) {
				signp_err(err, SIGN_ENOMEM, "reading PEM: out of memory");
				r = SIGN_ENOMEM;
				goto out;
			}
		}
	}
	if (decode) {
		signp_buf_clear(&out->der);
		if (b64.size == 0 || signp_b64_decode(&out->der, b64.ptr, b64.size) != SIGN_OK ||
			out->der.size == 0) {
			signp_err(err, SIGN_EFORMAT, "reading PEM: bad base64 in %s block", out->label);
			goto out;
		}
	}
	r = SIGN_OK;
out:
	signp_buf_dispose_secure(&b64);
	return r;
}

static int header_value_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int signp_pem_write(sign_buf *out, const char *label, const char *gun, const char *path,
	const char *role, const void *der, size_t len, sign_error *err)
{
	sign_buf b64 = SIGN_BUF_INIT;
	int r = SIGN_ENOMEM;
	int has_headers = (gun && gun[0]) || (path && path[0]) || (role && role[0]);

	if ((gun && !header_value_ok(gun)) || (path && !header_value_ok(path)) ||
	    (role && !header_value_ok(role))) {
		r = signp_err(err, SIGN_EINVAL, "writing PEM: bad character in gun, path or role");
		goto out;
	}
	signp_buf_clear(out);
	if (signp_b64_encode(&b64, der, len) != SIGN_OK)
		goto oom;
	if (signp_buf_printf(out, "-----BEGIN %s-----\n", label) != SIGN_OK)
		goto oom;
	if (gun && gun[0] && signp_buf_printf(out, "gun: %s\n", gun) != SIGN_OK)
		goto oom;
	if (path && path[0] && signp_buf_printf(out, "path: %s\n", path) != SIGN_OK)
		goto oom;
	if (role && role[0] && signp_buf_printf(out, "role: %s\n", role) != SIGN_OK)
		goto oom;
	if (has_headers && signp_buf_putc(out, '\n') != SIGN_OK)
		goto oom;
	for (size_t i = 0; i < b64.size; i += 64) {
		size_t n = b64.size - i < 64 ? b64.size - i : 64;
		if (signp_buf_put(out, b64.ptr + i, n) != SIGN_OK || signp_buf_putc(out, '\n') != SIGN_OK)
			goto oom;
	}
	if (signp_buf_printf(out, "-----END %s-----\n", label) != SIGN_OK)
		goto oom;
	r = SIGN_OK;
	goto out;
oom:
	r = signp_err(err, SIGN_ENOMEM, "writing PEM: out of memory");
out:
	sign_buf_dispose(&b64);
	return r;
}

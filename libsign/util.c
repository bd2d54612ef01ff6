/*
 * util.c - errors, buffers, encodings, time and atomic files.
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>

/* ---- errors ---- */

/* Messages may quote what a server sent: never let control characters
 * (terminal escapes) through to the user's terminal. */
static void defang(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static int err_vset(sign_error *err, int code, const char *source, const char *fmt, va_list ap)
{
	if (err == NULL || err->message[0] != '\0')
		return code;
	err->code = code;
	signp_strlcpy(err->source, source, sizeof(err->source));
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	defang(err->message);
	return code;
}

int signp_err(sign_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, code, "sign", fmt, ap);
	va_end(ap);
	return code;
}

int signp_err_errno(sign_error *err, int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	if (err == NULL || err->message[0] != '\0')
		return code;
	va_start(ap, fmt);
	err_vset(err, code, "errno", fmt, ap);
	va_end(ap);
	size_t n = strlen(err->message);
	snprintf(err->message + n, sizeof(err->message) - n, ": %s", strerror(saved));
	defang(err->message);
	return code;
}

int signp_err_openssl(sign_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	unsigned long e;
	char reason[256] = "";
	while ((e = ERR_get_error()) != 0)
		ERR_error_string_n(e, reason, sizeof(reason));
	if (err == NULL || err->message[0] != '\0')
		return code;
	va_start(ap, fmt);
	err_vset(err, code, "openssl", fmt, ap);
	va_end(ap);
	if (reason[0] != '\0') {
		size_t n = strlen(err->message);
		snprintf(err->message + n, sizeof(err->message) - n, ": %s", reason);
	}
	defang(err->message);
	return code;
}

static int err_vprefix(sign_error *err, int code, const char *fmt, va_list ap)
{
	char prefix[256];
	char old[sizeof(err->message)];
	if (err == NULL)
		return code;
	if (err->message[0] == '\0')
		return err_vset(err, code, "sign", fmt, ap);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	memcpy(old, err->message, sizeof(old));
	{
		size_t pl = strlen(prefix), ol = strlen(old), cap = sizeof(err->message) - 1;
		if (pl + 2 > cap)
			pl = cap - 2;
		memcpy(err->message, prefix, pl);
		memcpy(err->message + pl, ": ", 2);
		if (ol > cap - pl - 2)
			ol = cap - pl - 2;
		memcpy(err->message + pl + 2, old, ol);
		err->message[pl + 2 + ol] = '\0';
	}
	defang(err->message);
	return err->code;
}

int signp_err_prefix(sign_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = err_vprefix(err, code, fmt, ap);
	va_end(ap);
	return r;
}

int signp_err_prefix_as(sign_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vprefix(err, code, fmt, ap);
	va_end(ap);
	if (err != NULL)
		err->code = code;
	return code;
}

void signp_err_hint(sign_error *err, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL || err->hint[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
	va_end(ap);
	defang(err->hint);
}

void signp_err_clear(sign_error *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}

void signp_err_source(sign_error *err, const char *source)
{
	if (err != NULL)
		signp_strlcpy(err->source, source, sizeof(err->source));
}

SIGN_EXTERN(const char *) sign_strerror(int code)
{
	switch (code) {
	case SIGN_OK: return "success";
	case SIGN_ERROR: return "error";
	case SIGN_EVERIFY: return "verification failed";
	case SIGN_ENOTFOUND: return "not found";
	case SIGN_EFORMAT: return "malformed input";
	case SIGN_ENET: return "network error";
	case SIGN_ECRYPTO: return "crypto error";
	case SIGN_EINVAL: return "invalid argument";
	case SIGN_ENOMEM: return "out of memory";
	case SIGN_EIO: return "I/O error";
	case SIGN_EPASSPHRASE: return "passphrase missing or wrong";
	case SIGN_EAUTH: return "authentication failed";
	case SIGN_EKEY: return "key unavailable";
	case SIGN_EREGISTRY: return "registry error";
	case SIGN_ECONFLICT: return "concurrent update conflict";
	default: return "unknown error";
	}
}

/* ---- buffers ---- */

int signp_buf_grow(sign_buf *b, size_t need)
{
	size_t want, ncap;
	char *p;
	if (need > SIZE_MAX - b->size - 1)
		return SIGN_ENOMEM;
	want = b->size + need + 1;
	if (want <= b->asize)
		return SIGN_OK;
	ncap = b->asize ? b->asize : 64;
	while (ncap < want) {
		if (ncap > SIZE_MAX / 2) {
			ncap = want;
			break;
		}
		ncap *= 2;
	}
	p = realloc(b->ptr, ncap);
	if (p == NULL)
		return SIGN_ENOMEM;
	b->ptr = p;
	b->asize = ncap;
	return SIGN_OK;
}

int signp_buf_put(sign_buf *b, const void *data, size_t len)
{
	if (signp_buf_grow(b, len) != SIGN_OK)
		return SIGN_ENOMEM;
	if (len)
		memcpy(b->ptr + b->size, data, len);
	b->size += len;
	b->ptr[b->size] = '\0';
	return SIGN_OK;
}

int signp_buf_puts(sign_buf *b, const char *s)
{
	return signp_buf_put(b, s, strlen(s));
}

int signp_buf_putc(sign_buf *b, char c)
{
	return signp_buf_put(b, &c, 1);
}

int signp_buf_printf(sign_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return SIGN_ERROR;
	if (signp_buf_grow(b, (size_t)n) != SIGN_OK)
		return SIGN_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->size, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->size += (size_t)n;
	return SIGN_OK;
}

void signp_buf_clear(sign_buf *b)
{
	b->size = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

char *signp_buf_detach(sign_buf *b, size_t *len)
{
	char *p = b->ptr;
	if (len)
		*len = b->size;
	if (p == NULL)
		p = calloc(1, 1);
	b->ptr = NULL;
	b->asize = b->size = 0;
	return p;
}

SIGN_EXTERN(void) sign_buf_dispose(sign_buf *b)
{
	if (b == NULL)
		return;
	free(b->ptr);
	b->ptr = NULL;
	b->asize = b->size = 0;
}

void signp_buf_dispose_secure(sign_buf *b)
{
	if (b == NULL)
		return;
	if (b->ptr)
		sodium_memzero(b->ptr, b->asize);
	sign_buf_dispose(b);
}

/* ---- encodings ---- */

void signp_hex(char *out, const unsigned char *in, size_t len)
{
	sodium_bin2hex(out, len * 2 + 1, in, len);
}

int signp_unhex(unsigned char *out, size_t outlen, const char *hex)
{
	size_t got = 0;
	if (strlen(hex) != outlen * 2)
		return SIGN_EFORMAT;
	if (sodium_hex2bin(out, outlen, hex, outlen * 2, NULL, &got, NULL) != 0 || got != outlen)
		return SIGN_EFORMAT;
	return SIGN_OK;
}

int signp_b64_encode(sign_buf *out, const void *in, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	if (signp_buf_grow(out, n) != SIGN_OK)
		return SIGN_ENOMEM;
	sodium_bin2base64(out->ptr + out->size, n, in, len, sodium_base64_VARIANT_ORIGINAL);
	out->size += n - 1;
	out->ptr[out->size] = '\0';
	return SIGN_OK;
}

/* Append the decoding of in, standard alphabet or (urlsafe) the URL-safe
 * one, padded or not. */
static int b64_decode(sign_buf *out, const char *in, size_t len, int urlsafe)
{
	size_t max = len / 4 * 3 + 3, got = 0;
	const char *end = NULL;
	int variant;
	if (signp_buf_grow(out, max) != SIGN_OK)
		return SIGN_ENOMEM;
	/* accept input with or without padding */
	if (urlsafe)
		variant = (len % 4 == 0) ? sodium_base64_VARIANT_URLSAFE : sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	else
		variant = (len % 4 == 0) ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
	if (sodium_base642bin((unsigned char *)out->ptr + out->size, max, in, len, NULL, &got, &end,
		    variant) != 0 || end != in + len)
		return SIGN_EFORMAT;
	out->size += got;
	out->ptr[out->size] = '\0';
	return SIGN_OK;
}

int signp_b64_decode(sign_buf *out, const char *in, size_t len)
{
	return b64_decode(out, in, len, 0);
}

int signp_b64_decode_any(sign_buf *out, const char *in, size_t len)
{
	/* '-' and '_' are the URL-safe alphabet's only letters of their own */
	return b64_decode(out, in, len, memchr(in, '-', len) != NULL || memchr(in, '_', len) != NULL);
}

int signp_b64_decode_lines(sign_buf *out, const char *in, size_t len)
{
	char *flat;
	size_t n = 0;
	int r;
	if (memchr(in, '\r', len) == NULL && memchr(in, '\n', len) == NULL)
		return signp_b64_decode_any(out, in, len);
	if ((flat = malloc(len)) == NULL)
		return SIGN_ENOMEM;
	for (size_t i = 0; i < len; i++)
		if (in[i] != '\r' && in[i] != '\n')
			flat[n++] = in[i];
	r = signp_b64_decode_any(out, flat, n);
	free(flat);
	return r;
}

#define SIGN_SHA256_EVP_MIN ((size_t)64 * 1024)

void signp_sha256(unsigned char out[32], const void *data, size_t len)
{
	/* Small inputs (metadata, manifests): libsodium.  OpenSSL's first
	 * digest in a process costs about as much as hashing 100 KiB, for its
	 * algorithm fetch; a warm verify that checks no signature needs none.
	 * Large inputs (layers, big blobs): OpenSSL's, which uses the CPU's SHA
	 * extensions, several times libsodium's portable code. */
	unsigned int n = 0;
	if (len >= SIGN_SHA256_EVP_MIN &&
	    EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32)
		return;
	crypto_hash_sha256(out, data, len);
}

void signp_sha512(unsigned char out[64], const void *data, size_t len)
{
	crypto_hash_sha512(out, data, len);
}

void signp_digest(char out[72], const void *data, size_t len)
{
	unsigned char h[32];
	memcpy(out, "sha256:", 7);
	signp_sha256(h, data, len);
	signp_hex(out + 7, h, 32);
}

int signp_digest_valid(const char *s)
{
	size_t i;
	if (s == NULL || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + 64)
		return 0;
	for (i = 7; i < 7 + 64; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return 1;
}

int signp_digest_matches(const char *digest, const void *data, size_t len)
{
	char got[72];
	if (!signp_digest_valid(digest))
		return 0;
	signp_digest(got, data, len);
	return sodium_memcmp(got, digest, 71) == 0;
}

/* ---- time ---- */

int64_t signp_now(void)
{
	return (int64_t)time(NULL);
}

static int days_from_civil(int64_t y, unsigned m, unsigned d, int64_t *out)
{
	/* Howard Hinnant's algorithm: days since 1970-01-01. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*out = era * 146097 + (int64_t)doe - 719468;
	return 0;
}

static int parse_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int signp_time_parse(const char *s, int64_t *out)
{
	const char *p = s;
	int Y, M, D, h, m, sec, oh = 0, om = 0, sign = 0;
	int64_t days;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (s == NULL || strlen(s) > 64)
		return SIGN_EFORMAT;
	if (parse_digits(&p, 4, &Y) || *p++ != '-' || parse_digits(&p, 2, &M) || *p++ != '-' ||
	    parse_digits(&p, 2, &D) || (*p != 'T' && *p != 't') || !*p++ ||
	    parse_digits(&p, 2, &h) || *p++ != ':' || parse_digits(&p, 2, &m) || *p++ != ':' ||
	    parse_digits(&p, 2, &sec))
		return SIGN_EFORMAT;
	if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || m > 59 || sec > 60)
		return SIGN_EFORMAT;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return SIGN_EFORMAT;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (parse_digits(&p, 2, &oh) || *p++ != ':' || parse_digits(&p, 2, &om) || oh > 23 ||
		    om > 59)
			return SIGN_EFORMAT;
	} else {
		return SIGN_EFORMAT;
	}
	if (*p != '\0')
		return SIGN_EFORMAT;
	days_from_civil(Y, (unsigned)M, (unsigned)D, &days);
	*out = days * 86400 + h * 3600 + m * 60 + sec - sign * (oh * 3600 + om * 60);
	return SIGN_OK;
}

void signp_time_format(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- secrets in JSON ---- */

static void json_wipe(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;
	if (j == NULL || j->refcount > 1)
		return;
	if (json_is_string(j)) {
		sodium_memzero((char *)json_string_value(j), json_string_length(j));
	} else if (json_is_object(j)) {
		json_object_foreach(j, key, v)
			json_wipe(v);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			json_wipe(v);
	}
}

void signp_json_decref_wipe(json_t *j)
{
	if (j != NULL && j->refcount == 1)
		json_wipe(j);
	json_decref(j);
}

/* ---- files ---- */

int signp_mkdirs(const char *path, mode_t mode, sign_error *err)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);
	if (len == 0 || len >= sizeof(tmp))
		return signp_err(err, SIGN_EINVAL, "creating folder: path too long");
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST)
			return signp_err_errno(err, SIGN_EIO, "creating folder %s", tmp);
		*p = '/';
	}
	if (mkdir(tmp, mode) != 0 && errno != EEXIST)
		return signp_err_errno(err, SIGN_EIO, "creating folder %s", tmp);
	return SIGN_OK;
}

/* Room for need more bytes in out; a secret buffer moves to a new one and
 * the old one is wiped, where realloc could leave a copy behind. */
static int read_grow(sign_buf *out, size_t need, unsigned flags)
{
	sign_buf nb = SIGN_BUF_INIT;
	if (!(flags & SIGNP_READ_SECRET) || out->asize > out->size + need)
		return signp_buf_grow(out, need);
	if (signp_buf_grow(&nb, out->size + need) != SIGN_OK ||
	    signp_buf_put(&nb, out->ptr ? out->ptr : "", out->size) != SIGN_OK) {
		signp_buf_dispose_secure(&nb);
		return SIGN_ENOMEM;
	}
	signp_buf_dispose_secure(out);
	*out = nb;
	return SIGN_OK;
}

int signp_open_regular(const char *path, unsigned flags, struct stat *st, sign_error *err)
{
	int fd;
	struct stat sb;
	/* O_NONBLOCK: opening a FIFO with no writer, or a device, must not
	 * wait; only a regular file is ever read, and for one the flag changes
	 * nothing */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
		(flags & SIGNP_READ_FOREIGN ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		if (errno == ENOENT || (errno == ENOTDIR && (flags & SIGNP_READ_FOREIGN))) {
			signp_err(err, SIGN_ENOTFOUND, "reading %s: no such file", path);
			return SIGN_ENOTFOUND;
		}
		signp_err_errno(err, SIGN_EIO, "reading %s", path);
		return SIGN_EIO;
	}
	if (st == NULL)
		st = &sb;
	if (fstat(fd, st) != 0) {
		signp_err_errno(err, SIGN_EIO, "reading %s", path);
		close(fd);
		return SIGN_EIO;
	}
	if (!S_ISREG(st->st_mode)) {
		signp_err(err, SIGN_EIO, "reading %s: not a regular file", path);
		close(fd);
		return SIGN_EIO;
	}
	return fd;
}

int signp_read_file_ex(sign_buf *out, const char *path, size_t max, unsigned flags, sign_error *err)
{
	int fd, r = SIGN_EIO;
	struct stat st;
	if ((fd = signp_open_regular(path, flags, &st, err)) < 0)
		return fd;
	if ((uint64_t)st.st_size > max) {
		r = signp_err(err, SIGN_EFORMAT, "reading %s: file is larger than %zu bytes", path, max);
		goto out;
	}
	/* Straight into the buffer, with room for the size fstat gave and one
	 * byte more, so that the end of the file is seen without growing it.
	 * A file that grows meanwhile is read on (the buffer doubles when it
	 * is full), and never beyond max + 1 bytes. */
	for (int first = 1;; first = 0) {
		size_t len, left = out->size < max ? max - out->size : 0;
		ssize_t n;
		if (first || out->asize - out->size - 1 == 0) {
			if (read_grow(out, first ? (size_t)st.st_size + 1 : out->size + 1, flags) != SIGN_OK) {
				r = signp_err(err, SIGN_ENOMEM, "reading %s: out of memory", path);
				goto out;
			}
		}
		out->ptr[out->size] = '\0';
		len = out->asize - out->size - 1;
		if (left < SIZE_MAX && len > left + 1)
			len = left + 1;
		n = read(fd, out->ptr + out->size, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			signp_err_errno(err, SIGN_EIO, "reading %s", path);
			goto out;
		}
		if (n == 0)
			break;
		if (out->size + (size_t)n > max) {
			r = signp_err(err, SIGN_EFORMAT, "reading %s: file is larger than %zu bytes", path,
				max);
			goto out;
		}
		out->size += (size_t)n;
		out->ptr[out->size] = '\0';
	}
	r = SIGN_OK;
out:
	close(fd);
	return r;
}

int signp_read_file(sign_buf *out, const char *path, size_t max, sign_error *err)
{
	return signp_read_file_ex(out, path, max, 0, err);
}

static int fsync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, r;
	if (slash == NULL) {
		strcpy(dir, ".");
	} else {
		size_t n = (size_t)(slash - path);
		if (n == 0)
			n = 1;
		if (n >= sizeof(dir))
			return -1;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int signp_atomic_open(signp_atomic_file *f, const char *path, mode_t mode, sign_error *err)
{
	unsigned char rnd[6];
	char rhex[13];
	f->fd = -1;
	randombytes_buf(rnd, sizeof(rnd));
	signp_hex(rhex, rnd, sizeof(rnd));
	if (strlen(path) >= sizeof(f->path) ||
	    (size_t)snprintf(f->tmp, sizeof(f->tmp), "%s.tmp-%s", path, rhex) >= sizeof(f->tmp))
		return signp_err(err, SIGN_EINVAL, "writing %s: path too long", path);
	memcpy(f->path, path, strlen(path) + 1);
	f->fd = open(f->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (f->fd < 0)
		return signp_err_errno(err, SIGN_EIO, "writing %s", path);
	if (fchmod(f->fd, mode) != 0) {
		signp_err_errno(err, SIGN_EIO, "writing %s", path);
		signp_atomic_abort(f);
		return SIGN_EIO;
	}
	return SIGN_OK;
}

int signp_atomic_write(signp_atomic_file *f, const void *data, size_t len, sign_error *err)
{
	const unsigned char *p = data;
	while (len > 0) {
		/* at most 64 KiB a call: the page cache then holds the file in
		 * folios of that size at most, and a reader that maps it (the
		 * targets index) pays in memory for the pages it touches, not for
		 * the large folios around them */
		ssize_t n = write(f->fd, p, len < 65536 ? len : 65536);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return signp_err_errno(err, SIGN_EIO, "writing %s", f->path);
		}
		p += n;
		len -= (size_t)n;
	}
	return SIGN_OK;
}

int signp_atomic_commit(signp_atomic_file *f, sign_error *err)
{
	int fd = f->fd;
	f->fd = -1;
	if (fsync(fd) != 0) {
		close(fd);
		goto fail;
	}
	if (close(fd) != 0 || rename(f->tmp, f->path) != 0)
		goto fail;
	fsync_dir(f->path);
	return SIGN_OK;
fail:
	signp_err_errno(err, SIGN_EIO, "writing %s", f->path);
	unlink(f->tmp);
	return SIGN_EIO;
}

void signp_atomic_abort(signp_atomic_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	unlink(f->tmp);
}

int signp_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
	sign_error *err)
{
	signp_atomic_file f;
	int r;
	if ((r = signp_atomic_open(&f, path, mode, err)) != SIGN_OK)
		return r;
	if ((r = signp_atomic_write(&f, data, len, err)) != SIGN_OK) {
		signp_atomic_abort(&f);
		return r;
	}
	return signp_atomic_commit(&f, err);
}

int signp_file_equals(const char *path, const void *data, size_t len)
{
	const unsigned char *p = data;
	unsigned char buf[65536];
	struct stat sb;
	int fd = signp_open_regular(path, 0, &sb, NULL), same;
	if (fd < 0)
		return 0;
	same = (uint64_t)sb.st_size == (uint64_t)len;
	while (same && len > 0) {
		ssize_t n = read(fd, buf, len < sizeof(buf) ? len : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || memcmp(buf, p, (size_t)n) != 0)
			same = 0;
		else {
			p += n;
			len -= (size_t)n;
		}
	}
	close(fd);
	return same;
}

int signp_check_private_file(const char *path, sign_error *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return signp_err_errno(err, SIGN_EKEY, "checking %s", path);
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		signp_err(err, SIGN_EKEY,
			"refusing key file %s: it is accessible by group or others (mode %03o)", path,
			(unsigned)(st.st_mode & 0777));
		signp_err_hint(err, "chmod 600 %s", path);
		return SIGN_EKEY;
	}
	return SIGN_OK;
}

int signp_path_join(sign_buf *out, const char *a, const char *b)
{
	size_t n = strlen(a);
	if (signp_buf_puts(out, a) != SIGN_OK)
		return SIGN_ENOMEM;
	if (n > 0 && a[n - 1] != '/' && signp_buf_putc(out, '/') != SIGN_OK)
		return SIGN_ENOMEM;
	return signp_buf_puts(out, b);
}

/* ---- strings ---- */

void signp_clean_copy(char *out, size_t outsz, const char *in, size_t n)
{
	size_t i, o = 0;
	if (outsz == 0)
		return;
	for (i = 0; i < n && o + 1 < outsz; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '\n' || c == '\r' || c == '\t') {
			if (o > 0 && out[o - 1] != ' ')
				out[o++] = ' ';
			continue;
		}
		out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

char *signp_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *signp_strndup(const char *s, size_t n)
{
	return s ? strndup(s, n) : NULL;
}

int signp_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);
	if (size == 0)
		return -1;
	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

int signp_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int signp_str_has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

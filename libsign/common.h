/*
 * common.h - internal helpers shared by every libsign module.
 * Never installed.  Cross-file internals are named signp_*.
 */
#ifndef SIGN_COMMON_H
#define SIGN_COMMON_H

#include "sign.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SIGN_ATTR_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Size bounds (SPEC §5). */
#define SIGN_MAX_TIMESTAMP   (1u << 20)          /* 1 MiB */
#define SIGN_MAX_METADATA    (100u << 20)        /* 100 MiB */
#define SIGN_MAX_MANIFEST    (4u << 20)          /* 4 MiB */
#define SIGN_MAX_KEYFILE     (256u << 10)        /* 256 KiB */
#define SIGN_MAX_SIGBLOB     (1u << 20)          /* a simple-signing payload */
#define SIGN_MAX_SIGNATURES  1000                /* cosign's cap per .sig manifest */

/* ---- errors ---- */

/* Set err (if non-NULL and still empty) and return code. */
int signp_err(sign_error *err, int code, const char *fmt, ...) SIGN_ATTR_PRINTF(3, 4);
/* Like signp_err, with source "errno" and ": strerror(errno)" appended. */
int signp_err_errno(sign_error *err, int code, const char *fmt, ...) SIGN_ATTR_PRINTF(3, 4);
/* Like signp_err, draining the OpenSSL error queue into the reason. */
int signp_err_openssl(sign_error *err, int code, const char *fmt, ...) SIGN_ATTR_PRINTF(3, 4);
/* Prefix the existing message with "<context>: ".  Returns err->code
 * (or `code` when err is NULL). */
int signp_err_prefix(sign_error *err, int code, const char *fmt, ...) SIGN_ATTR_PRINTF(3, 4);
/* The same, and the error becomes one of kind code (returned): for an
 * error that means something else in the caller's context (a file missing
 * where signed metadata lists it is a verification failure). */
int signp_err_prefix_as(sign_error *err, int code, const char *fmt, ...) SIGN_ATTR_PRINTF(3, 4);
/* Set the hint of an error that is already set. */
void signp_err_hint(sign_error *err, const char *fmt, ...) SIGN_ATTR_PRINTF(2, 3);
void signp_err_clear(sign_error *err);
void signp_err_source(sign_error *err, const char *source);

/* ---- buffers ---- */

int signp_buf_grow(sign_buf *b, size_t need);               /* room for need more bytes + NUL */
int signp_buf_put(sign_buf *b, const void *data, size_t len);
int signp_buf_puts(sign_buf *b, const char *s);
int signp_buf_putc(sign_buf *b, char c);
int signp_buf_printf(sign_buf *b, const char *fmt, ...) SIGN_ATTR_PRINTF(2, 3);
void signp_buf_clear(sign_buf *b);                           /* size = 0, keeps memory */
/* Detach the memory (caller frees with free()). */
char *signp_buf_detach(sign_buf *b, size_t *len);
/* Dispose after wiping the contents. */
void signp_buf_dispose_secure(sign_buf *b);
/* json_decref of a parsed document that held secrets (a docker config, a
 * token answer): its string values are wiped first, those no other
 * reference shares.  What jansson's parser copied meanwhile is not. */
struct json_t;
void signp_json_decref_wipe(struct json_t *j);

/* ---- encoding and hashing ---- */

void signp_hex(char *out, const unsigned char *in, size_t len);   /* out: 2*len+1 */
int signp_unhex(unsigned char *out, size_t outlen, const char *hex); /* exact length */
/* Standard base64 with padding (libsodium). */
int signp_b64_encode(sign_buf *out, const void *in, size_t len);
/* Decode standard base64 (padding optional, no whitespace). Returns
 * SIGN_EFORMAT on bad input. */
int signp_b64_decode(sign_buf *out, const char *in, size_t len);
/* The same, the URL-safe alphabet accepted too (DSSE allows either). */
int signp_b64_decode_any(sign_buf *out, const char *in, size_t len);
/* The same, line breaks (CR, LF) skipped: protobuf JSON's bytes as Go's
 * decoder reads them (Sigstore bundles, trusted roots). */
int signp_b64_decode_lines(sign_buf *out, const char *in, size_t len);
void signp_sha256(unsigned char out[32], const void *data, size_t len);
void signp_sha512(unsigned char out[64], const void *data, size_t len);
/* "sha256:<hex>" of data. */
void signp_digest(char out[72], const void *data, size_t len);
/* Is s a well-formed "sha256:<64 lowercase hex>"? */
int signp_digest_valid(const char *s);
/* Does "sha256:<hex>" match the data?  Constant-time compare. */
int signp_digest_matches(const char *digest, const void *data, size_t len);

/* ---- time ---- */

/* Current time (unix seconds). */
int64_t signp_now(void);
/* Parse RFC 3339 with optional fraction and any offset. */
int signp_time_parse(const char *s, int64_t *out);
/* Format as UTC "2006-01-02T15:04:05Z". */
void signp_time_format(char out[32], int64_t t);

/* ---- files ---- */

/* mkdir -p with mode (0700 for the home). */
int signp_mkdirs(const char *path, mode_t mode, sign_error *err);
/* Read a whole file, at most max bytes (SIGN_EFORMAT if larger).
 * Returns SIGN_ENOTFOUND if it does not exist. */
int signp_read_file(sign_buf *out, const char *path, size_t max, sign_error *err);
/* signp_read_file's flags: */
#define SIGNP_READ_SECRET 1u /* grow by copy and wipe, never realloc: no stray copy */
#define SIGNP_READ_FOREIGN 2u /* a file not of the home's: another tool's (docker config)
			       * or one the caller names (a policy, a --root-key, --root-ca
			       * or --key file, often a Kubernetes ConfigMap volume's link):
			       * a symbolic link is followed, and a path through a
			       * non-folder is absent */
int signp_read_file_ex(sign_buf *out, const char *path, size_t max, unsigned flags, sign_error *err);
/* Open a file for reading without blocking (a FIFO or a device does not
 * wait) and check that it is a regular file: the one way every file is
 * opened for reading.  flags as above (SIGNP_READ_FOREIGN follows a link).
 * Returns the descriptor (its fstat in *st if st is not NULL), or
 * SIGN_ENOTFOUND / SIGN_EIO ("<path>: not a regular file") with err set. */
struct stat;
int signp_open_regular(const char *path, unsigned flags, struct stat *st, sign_error *err);
/* Atomic write: temp file in the same folder, fsync, rename, fsync dir. */
int signp_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
	sign_error *err);
/* The same written in pieces: open, write any number of times, then commit
 * (fsync, rename, fsync dir) or abort (the temp file removed).  A failed
 * write leaves the file to abort; commit aborts itself on failure.  fd is
 * open for reading too: what was written can be mapped before the commit. */
typedef struct signp_atomic_file {
	int fd;
	char path[4096], tmp[4096 + 32];
} signp_atomic_file;
int signp_atomic_open(signp_atomic_file *f, const char *path, mode_t mode, sign_error *err);
int signp_atomic_write(signp_atomic_file *f, const void *data, size_t len, sign_error *err);
int signp_atomic_commit(signp_atomic_file *f, sign_error *err);
void signp_atomic_abort(signp_atomic_file *f);
/* Does the file at path hold exactly these bytes?  Read in pieces, never
 * whole: 0 when it differs, is absent or unreadable. */
int signp_file_equals(const char *path, const void *data, size_t len);
/* Refuse a private file readable or writable by group or others. */
int signp_check_private_file(const char *path, sign_error *err);
/* path join into buf */
int signp_path_join(sign_buf *out, const char *a, const char *b);

/* ---- strings ---- */

/* Printable ASCII copy of n bytes of server text for a message: newlines
 * and tabs folded to one space, other bytes outside 0x20-0x7e as '?',
 * truncated to outsz - 1. */
void signp_clean_copy(char *out, size_t outsz, const char *in, size_t n);

char *signp_strdup(const char *s);
char *signp_strndup(const char *s, size_t n);
int signp_strlcpy(char *dst, const char *src, size_t size); /* 0 ok, -1 truncated */
int signp_str_has_prefix(const char *s, const char *prefix);
int signp_str_has_suffix(const char *s, const char *suffix);

#endif

/*
 * sigstore_tuf.h - the Sigstore trusted root kept fresh through TUF
 * (sigstore_tuf.c) and the public-good TUF root shipped as its anchor
 * (sigstore_tuf_root.c).  Internal; the API is sign_sigstore_update and
 * sign_sigstore_trusted_root in sign.h.
 */
#ifndef SIGN_SIGSTORE_TUF_H
#define SIGN_SIGSTORE_TUF_H

#include "common.h"

/* The Sigstore public-good root.json, byte for byte (not NUL-counted). */
extern const char signp_sigstore_root_json[];
extern const size_t signp_sigstore_root_json_len;

/* The cache folder of a TUF repository URL under home:
 * "<home>/sigstore/<host[_port][_path]>" (every byte outside
 * [A-Za-z0-9.-] as '_').  SIGN_EINVAL for a URL that is not http(s). */
int signp_sigstore_cache_dir(sign_buf *out, const char *home, const char *tuf_url, sign_error *err);

#endif

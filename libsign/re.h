/*
 * re.h - regular expressions as cosign's users write them.  cosign's
 * --certificate-identity-regexp is Go's RE2; sign matches with POSIX
 * extended regular expressions (regcomp).  The two agree on what such
 * patterns use, but for RE2's \d and \D, which POSIX lacks and glibc reads
 * as the letters d and D: `@refs/tags/v\d+` would match "vd", never
 * "v12".  Internal.
 */
#ifndef SIGN_RE_H
#define SIGN_RE_H

#include "common.h"

#include <regex.h>

/* Compile pattern (REG_EXTENDED | REG_NOSUB) with RE2's \d as [0-9] and
 * \D as [^0-9] (0-9 inside a bracket expression; \D there, and RE2's \p,
 * \P, \A, \z anywhere, are refused).  SIGN_OK, or SIGN_EINVAL with the
 * reason in why. */
int signp_regcomp(regex_t *re, const char *pattern, char *why, size_t whysz);

#endif

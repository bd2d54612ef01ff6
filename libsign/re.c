/*
 * re.c - signp_regcomp (re.h): RE2's digit classes made POSIX, then
 * regcomp.
 */
#include "re.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int signp_regcomp(regex_t *re, const char *pattern, char *why, size_t whysz)
{
	size_t n = strlen(pattern), o = 0;
	char *out;
	int in_bracket = 0, e;

	/* each byte becomes at most "[^0-9]": 6 */
	if (n > (1u << 16)) {
		snprintf(why, whysz, "longer than 65536 bytes");
		return SIGN_EINVAL;
	}
	if ((out = malloc(6 * n + 1)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return SIGN_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		char c = pattern[i];
		if (in_bracket) {
			/* a class, collating symbol or equivalence class ([:digit:],
			 * [.a.], [=a=]) is copied whole: its ] does not end the bracket */
			if (c == '[' && i + 1 < n && strchr(":.=", pattern[i + 1]) != NULL) {
				const char *end = strstr(pattern + i + 2, (char[]){ pattern[i + 1], ']', '\0' });
				size_t len = end != NULL ? (size_t)(end - (pattern + i)) + 2 : n - i;
				memcpy(out + o, pattern + i, len);
				o += len;
				i += len - 1;
				continue;
			}
			/* POSIX: a backslash is itself inside brackets, but RE2's
			 * user means an escape; ] first (or after ^) is literal */
			if (c == '\\' && i + 1 < n && pattern[i + 1] == 'd') {
				memcpy(out + o, "0-9", 3);
				o += 3;
				i++;
				continue;
			}
			if (c == '\\' && i + 1 < n && strchr("DpPsSwW", pattern[i + 1]) != NULL) {
				snprintf(why, whysz, "\\%c inside [...] has no POSIX form", pattern[i + 1]);
				free(out);
				return SIGN_EINVAL;
			}
			if (c == ']' && !(o > 0 && (out[o - 1] == '[' || (out[o - 1] == '^' && o > 1 && out[o - 2] == '['))))
				in_bracket = 0;
			out[o++] = c;
			continue;
		}
		if (c == '\\' && i + 1 < n) {
			char d = pattern[++i];
			if (d == 'd' || d == 'D') {
				memcpy(out + o, d == 'd' ? "[0-9]" : "[^0-9]", d == 'd' ? 5 : 6);
				o += d == 'd' ? 5 : 6;
				continue;
			}
			if (strchr("pPAz", d) != NULL) {
				snprintf(why, whysz, "\\%c is Go's (RE2), not POSIX", d);
				free(out);
				return SIGN_EINVAL;
			}
			out[o++] = c;
			out[o++] = d;
			continue;
		}
		if (c == '[')
			in_bracket = 1;
		out[o++] = c;
	}
	out[o] = '\0';
	e = regcomp(re, out, REG_EXTENDED | REG_NOSUB);
	if (e != 0)
		regerror(e, re, why, whysz);
	free(out);
	return e == 0 ? SIGN_OK : SIGN_EINVAL;
}

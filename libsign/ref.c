/*
 * ref.c - image references: the docker grammar (distribution/reference),
 * normalised, and "oci:DIR[:tag|@digest]" layout references.
 */
#include "ref.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_TOTAL_MAX 255

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* over s[0..n). */
static int component_valid(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0 || !is_lower_alnum(s[0]))
		return 0;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		/* a separator: ".", "_", "__" or "-+" followed by alnum */
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return 0;
		}
		if (i >= n || !is_lower_alnum(s[i]))
			return 0;
	}
	return 1;
}

/* Path: components separated by '/'. */
static int path_valid(const char *s, size_t n)
{
	size_t start = 0, i;
	if (n == 0)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '/') {
			if (!component_valid(s + start, i - start))
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

static int tag_valid(const char *s)
{
	size_t n = strlen(s), i;
	if (n == 0 || n > 128)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int ok = isalnum((unsigned char)c) || c == '_' || (i > 0 && (c == '.' || c == '-'));
		if (!ok || (unsigned char)c > 127)
			return 0;
	}
	return 1;
}

/* Domain label: [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static int label_valid(const char *s, size_t n)
{
	size_t i;
	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c > 127 || !(isalnum(c) || (c == '-' && i != 0 && i != n - 1)))
			return 0;
	}
	return 1;
}

static int port_valid(const char *s, size_t n)
{
	size_t i;
	unsigned long v = 0;
	if (n == 0 || n > 5)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/* host[:port] with host a DNS name, IPv4 or [IPv6]. */
static int domain_valid(const char *s, size_t n)
{
	size_t hostlen = n, i, start;
	if (n == 0 || n > 253)
		return 0;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		char tmp[64];
		unsigned char addr[16];
		size_t in;
		if (close == NULL)
			return 0;
		in = (size_t)(close - s) - 1;
		if (in == 0 || in >= sizeof(tmp))
			return 0;
		for (i = 1; i <= in; i++) {
			if (!isxdigit((unsigned char)s[i]) && s[i] != ':' && s[i] != '.')
				return 0;
		}
		memcpy(tmp, s + 1, in);
		tmp[in] = '\0';
		if (inet_pton(AF_INET6, tmp, addr) != 1)
			return 0;
		hostlen = (size_t)(close - s) + 1;
		if (hostlen == n)
			return 1;
		if (s[hostlen] != ':')
			return 0;
		return port_valid(s + hostlen + 1, n - hostlen - 1);
	}
	{
		const char *colon = memchr(s, ':', n);
		if (colon != NULL) {
			hostlen = (size_t)(colon - s);
			if (!port_valid(colon + 1, n - hostlen - 1))
				return 0;
		}
	}
	start = 0;
	for (i = 0; i <= hostlen; i++) {
		if (i == hostlen || s[i] == '.') {
			if (!label_valid(s + start, i - start))
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

/* Does the first component look like a registry domain (docker rules)? */
static int looks_like_domain(const char *s, size_t n)
{
	size_t i;
	if (n == 9 && memcmp(s, "localhost", 9) == 0)
		return 1;
	for (i = 0; i < n; i++) {
		if (s[i] == '.' || s[i] == ':' || s[i] == '[' || (s[i] >= 'A' && s[i] <= 'Z'))
			return 1;
	}
	return 0;
}

/* Validate "sha256:<64 lowercase hex>"; other algorithms get their own message. */
static int check_digest(const char *d, const char *what, sign_error *err)
{
	const char *colon;
	if (signp_digest_valid(d))
		return SIGN_OK;
	colon = strchr(d, ':');
	if (colon != NULL && colon != d && !signp_str_has_prefix(d, "sha256:")) {
		size_t i, alen = (size_t)(colon - d);
		int alg_ok = alen <= 32;
		for (i = 0; i < alen && alg_ok; i++) {
			char c = d[i];
			alg_ok = is_lower_alnum(c) || ((c == '+' || c == '.' || c == '_' || c == '-') && i > 0);
		}
		if (alg_ok)
			return signp_err(err, SIGN_EINVAL,
				"%s: unsupported digest algorithm \"%.*s\" (only sha256 is supported)",
				what, (int)alen, d);
	}
	return signp_err(err, SIGN_EINVAL, "%s: invalid digest (want sha256:<64 lowercase hex>)", what);
}

int signp_gun_valid(const char *gun)
{
	const char *slash;
	size_t n;
	if (gun == NULL)
		return 0;
	n = strlen(gun);
	if (n == 0 || n > NAME_TOTAL_MAX)
		return 0;
	slash = strchr(gun, '/');
	if (slash == NULL || slash == gun)
		return 0;
	if (!domain_valid(gun, (size_t)(slash - gun)) &&
	    !component_valid(gun, (size_t)(slash - gun)))
		return 0;
	if (strstr(gun, "..") != NULL)
		return 0;
	return path_valid(slash + 1, n - (size_t)(slash - gun) - 1);
}

/* Turn a folder name into a valid path component. */
static void sanitize_component(char *out, size_t outsz, const char *name)
{
	size_t i, o = 0;
	char tmp[256];
	for (i = 0; name[i] != '\0' && o + 1 < sizeof(tmp); i++) {
		unsigned char c = (unsigned char)tolower((unsigned char)name[i]);
		if (is_lower_alnum((char)c) || c == '.' || c == '_' || c == '-')
			tmp[o++] = (char)c;
		else
			tmp[o++] = '-';
	}
	tmp[o] = '\0';
	if (!component_valid(tmp, o)) {
		/* harsher: every non-alnum run becomes one '-', trimmed */
		size_t j = 0;
		int dash = 0;
		for (i = 0; i < o; i++) {
			if (is_lower_alnum(tmp[i])) {
				if (dash && j > 0)
					tmp[j++] = '-';
				tmp[j++] = tmp[i];
				dash = 0;
			} else {
				dash = 1;
			}
		}
		tmp[j] = '\0';
		o = j;
	}
	if (o == 0)
		signp_strlcpy(tmp, "image", sizeof(tmp));
	if (strlen(tmp) > 200)
		tmp[200] = '\0';
	/* a cut may leave a trailing separator */
	o = strlen(tmp);
	while (o > 1 && !is_lower_alnum(tmp[o - 1]))
		tmp[--o] = '\0';
	signp_strlcpy(out, tmp, outsz);
}

static int parse_oci(signp_ref *out, const char *s, const char *gun, sign_error *err)
{
	char dir[4096];
	size_t n = strlen(s);
	char *at, *colon, *base;
	char name[256];

	if (n == 0)
		return signp_err(err, SIGN_EINVAL, "reference \"oci:\": no layout folder given");
	if (n >= sizeof(dir))
		return signp_err(err, SIGN_EINVAL, "reference oci:...: layout path too long");
	memcpy(dir, s, n + 1);

	/* "@alg:..." suffix without '/' is a digest */
	at = strrchr(dir, '@');
	if (at != NULL && strchr(at, '/') == NULL && strchr(at, ':') != NULL) {
		int r = check_digest(at + 1, "oci reference", err);
		if (r != SIGN_OK)
			return r;
		signp_strlcpy(out->digest, at + 1, sizeof(out->digest));
		*at = '\0';
	}
	/* the last ':' whose suffix is a valid tag (and has no '/') */
	colon = strrchr(dir, ':');
	if (colon != NULL && strchr(colon, '/') == NULL && tag_valid(colon + 1)) {
		signp_strlcpy(out->tag, colon + 1, sizeof(out->tag));
		*colon = '\0';
	}
	if (dir[0] == '\0')
		return signp_err(err, SIGN_EINVAL, "reference oci:%s: no layout folder given", s);
	signp_strlcpy(out->oci_dir, dir, sizeof(out->oci_dir));
	out->layout = 1;

	if (gun != NULL && gun[0] != '\0') {
		if (!signp_gun_valid(gun))
			return signp_err(err, SIGN_EINVAL,
				"GUN \"%s\": not a valid host/path repository name", gun);
		signp_strlcpy(out->gun, gun, sizeof(out->gun));
		return SIGN_OK;
	}
	/* basename of the folder */
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	base = strrchr(dir, '/');
	base = base ? base + 1 : dir;
	if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		char *real = realpath(out->oci_dir, NULL);
		const char *b = NULL;
		if (real != NULL) {
			b = strrchr(real, '/');
			b = b ? b + 1 : real;
		}
		sanitize_component(name, sizeof(name), (b && *b) ? b : "image");
		free(real);
	} else {
		sanitize_component(name, sizeof(name), base);
	}
	snprintf(out->gun, sizeof(out->gun), "local/%s", name);
	return SIGN_OK;
}

int signp_ref_parse(signp_ref *out, const char *s, const char *gun, sign_error *err)
{
	char buf[1024];
	char *at, *name, *slash, *colon, *tagpart = NULL;
	size_t n, namelen;

	if (out == NULL)
		return signp_err(err, SIGN_EINVAL, "parsing reference: no output");
	memset(out, 0, sizeof(*out));
	if (s == NULL || s[0] == '\0')
		return signp_err(err, SIGN_EINVAL, "parsing reference: empty reference");
	if (signp_str_has_prefix(s, "oci:"))
		return parse_oci(out, s + 4, gun, err);

	n = strlen(s);
	if (n >= sizeof(buf))
		return signp_err(err, SIGN_EINVAL, "reference \"%.64s...\": too long", s);
	memcpy(buf, s, n + 1);

	at = strchr(buf, '@');
	if (at != NULL) {
		int r;
		*at = '\0';
		r = check_digest(at + 1, "reference", err);
		if (r != SIGN_OK)
			return r;
		signp_strlcpy(out->digest, at + 1, sizeof(out->digest));
	}
	name = buf;
	slash = strrchr(name, '/');
	colon = strrchr(slash ? slash : name, ':');
	if (colon != NULL) {
		*colon = '\0';
		tagpart = colon + 1;
		if (!tag_valid(tagpart))
			return signp_err(err, SIGN_EINVAL,
				"reference \"%s\": invalid tag \"%s\" (want [A-Za-z0-9_][A-Za-z0-9_.-]{0,127})",
				s, tagpart);
		signp_strlcpy(out->tag, tagpart, sizeof(out->tag));
	}
	namelen = strlen(name);
	if (namelen == 0)
		return signp_err(err, SIGN_EINVAL, "reference \"%s\": no repository name", s);
	if (namelen > NAME_TOTAL_MAX)
		return signp_err(err, SIGN_EINVAL,
			"reference \"%.64s...\": repository name longer than %d characters", s, NAME_TOTAL_MAX);

	slash = strchr(name, '/');
	if (slash != NULL && looks_like_domain(name, (size_t)(slash - name))) {
		size_t hl = (size_t)(slash - name);
		if (!domain_valid(name, hl))
			return signp_err(err, SIGN_EINVAL, "reference \"%s\": invalid registry host \"%.*s\"",
				s, (int)hl, name);
		if (hl >= sizeof(out->host))
			return signp_err(err, SIGN_EINVAL, "reference \"%s\": registry host too long", s);
		memcpy(out->host, name, hl);
		out->host[hl] = '\0';
		if (strcmp(out->host, "index.docker.io") == 0)
			signp_strlcpy(out->host, "docker.io", sizeof(out->host));
		name = slash + 1;
	} else {
		signp_strlcpy(out->host, "docker.io", sizeof(out->host));
	}
	namelen = strlen(name);
	if (!path_valid(name, namelen)) {
		return signp_err(err, SIGN_EINVAL,
			"reference \"%s\": invalid repository name \"%s\" (lowercase letters, digits and "
			"separators . _ __ - between components)", s, name);
	}
	if (strcmp(out->host, "docker.io") == 0 && strchr(name, '/') == NULL) {
		if (snprintf(out->path, sizeof(out->path), "library/%s", name) >= (int)sizeof(out->path))
			return signp_err(err, SIGN_EINVAL, "reference \"%s\": repository name too long", s);
	} else {
		if (signp_strlcpy(out->path, name, sizeof(out->path)) != 0)
			return signp_err(err, SIGN_EINVAL, "reference \"%s\": repository name too long", s);
	}
	snprintf(out->gun, sizeof(out->gun), "%s/%s", out->host, out->path);
	return SIGN_OK;
}

int signp_host_is_loopback(const char *host)
{
	char h[256];
	size_t n;
	unsigned char a4[4], a6[16];
	static const unsigned char v6lo[16] = { 0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,1 };
	const char *colon;

	if (host == NULL)
		return 0;
	n = strlen(host);
	if (n == 0 || n >= sizeof(h))
		return 0;
	if (host[0] == '[') {
		const char *close = strchr(host, ']');
		if (close == NULL)
			return 0;
		n = (size_t)(close - host) - 1;
		memcpy(h, host + 1, n);
		h[n] = '\0';
		if (close[1] != '\0' && (close[1] != ':' || !port_valid(close + 2, strlen(close + 2))))
			return 0;
		return inet_pton(AF_INET6, h, a6) == 1 && memcmp(a6, v6lo, 16) == 0;
	}
	colon = strchr(host, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		/* bare IPv6 */
		return inet_pton(AF_INET6, host, a6) == 1 && memcmp(a6, v6lo, 16) == 0;
	}
	if (colon != NULL) {
		if (!port_valid(colon + 1, strlen(colon + 1)))
			return 0;
		n = (size_t)(colon - host);
	}
	memcpy(h, host, n);
	h[n] = '\0';
	if (strcasecmp(h, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, h, a4) == 1)
		return a4[0] == 127;
	return 0;
}

const char *signp_registry_api_host(const char *host)
{
	if (host == NULL)
		return NULL;
	if (strcmp(host, "docker.io") == 0 || strcmp(host, "index.docker.io") == 0)
		return "registry-1.docker.io";
	return host;
}

void signp_ref_repository(char out[512], const signp_ref *ref)
{
	if (ref->layout) {
		size_t n = strlen(ref->oci_dir);
		memcpy(out, "oci:", 4);
		if (n > 507)
			n = 507;
		memcpy(out + 4, ref->oci_dir, n);
		out[4 + n] = '\0';
	} else {
		signp_strlcpy(out, ref->gun, 512);
	}
}

void signp_ref_push_repository(char out[512], const signp_ref *ref, const char *refstr)
{
	char *c, *at;
	if (!ref->layout) {
		signp_strlcpy(out, ref->gun, 512);
		return;
	}
	signp_strlcpy(out, refstr, 512);
	c = strrchr(out, ':');
	at = strrchr(out, '@');
	if (at)
		*at = '\0';
	else if (c && c > out + 3 && ref->tag[0] && strcmp(c + 1, ref->tag) == 0)
		*c = '\0';
}

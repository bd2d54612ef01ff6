/*
 * http_url.c - URLs for the HTTP core: resolving a Location, origins and
 * hosts, a server's base URL, and the checks on paths and header values
 * a request may carry.
 */
#include "http.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

int signp_http_header_value_ok(const char *s, size_t maxlen)
{
	size_t i, n = strlen(s);
	if (n == 0 || n > maxlen)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f)
			return 0;
	}
	return 1;
}
char *signp_http_resolve_url(const char *base, const char *loc)
{
	CURLU *u = curl_url();
	char *out = NULL, *scheme = NULL;
	if (u == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, loc, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
	    curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK)
		out = NULL;
	curl_free(scheme);
	curl_url_cleanup(u);
	return out;
}

/* scheme, host and port of url into out; 0 on failure */
int signp_http_url_origin(const char *url, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *s = NULL, *h = NULL, *p = NULL;
	int ok = 0;
	if (u == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		size_t i;
		snprintf(out, outsz, "%s://%s:%s", s, h, p);
		for (i = 0; out[i]; i++)
			out[i] = (char)tolower((unsigned char)out[i]);
		ok = 1;
	}
	curl_free(s);
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return ok;
}

void signp_http_url_host(const char *url, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *h = NULL, *p = NULL;
	out[0] = '\0';
	if (u == NULL)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &p, 0) == CURLUE_OK)
			snprintf(out, outsz, "%s:%s", h, p);
		else
			snprintf(out, outsz, "%s", h);
	}
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
}

int signp_http_path_ok(const char *path)
{
	size_t i, n = strlen(path);
	if (n == 0 || path[0] != '/' || n > 4096)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c <= 0x20 || c >= 0x7f || c == '#')
			return 0;
	}
	return 1;
}

int signp_http_parse_base_url(const char *url, char scheme[8], char host[256], char path[512])
{
	CURLU *u = curl_url();
	char *s = NULL, *h = NULL, *p = NULL, *pa = NULL, *x = NULL;
	int ok = 0;
	size_t n;
	if (u == NULL)
		return 0;
	if (strlen(url) > 700 || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
	    (strcmp(s, "http") != 0 && strcmp(s, "https") != 0))
		goto out;
	if (curl_url_get(u, CURLUPART_USER, &x, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &x, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &x, 0) == CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || h[0] == '\0')
		goto out;
	if (curl_url_get(u, CURLUPART_PORT, &p, 0) == CURLUE_OK)
		snprintf(host, 256, "%s:%s", h, p);
	else if (signp_strlcpy(host, h, 256) != 0)
		goto out;
	if (curl_url_get(u, CURLUPART_PATH, &pa, 0) != CURLUE_OK || signp_strlcpy(path, pa, 512) != 0)
		goto out;
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		path[--n] = '\0';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c <= 0x20 || c >= 0x7f)
			goto out;
	}
	signp_strlcpy(scheme, s, 8);
	ok = 1;
out:
	curl_free(s);
	curl_free(h);
	curl_free(p);
	curl_free(pa);
	curl_free(x);
	curl_url_cleanup(u);
	return ok;
}

char *signp_http_escape(const char *s, size_t len)
{
	/* libcurl ignores the handle argument (7.82 and later) */
	return curl_easy_escape(NULL, s, (int)len);
}

void signp_http_str_free(char *s)
{
	curl_free(s);
}

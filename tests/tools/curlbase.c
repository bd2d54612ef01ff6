/*
 * curlbase URL - the baseline for `make bench`: a program that loads
 * libcurl, initialises it and makes one GET, nothing else.
 */
#include <curl/curl.h>

static size_t sink(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

int main(int argc, char **argv)
{
	CURL *c;
	if (argc != 2 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (c = curl_easy_init()) == NULL)
		return 2;
	curl_easy_setopt(c, CURLOPT_URL, argv[1]);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_perform(c);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return 0;
}

/* test_notary.c - the notary server backend's offline pieces: error
 * documents to codes and messages, the multipart publish body (compared
 * with the real notary client's upload in $VECTORS/notary), the server key
 * parser, role names, and handle/backend argument checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "notary.h"
#include "registry.h"

/* ---- helpers ---- */

static void no_controls(const char *s)
{
	for (; *s; s++)
		assert_true((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f);
}

static int has(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL) {
		print_error("\"%s\" does not contain \"%s\"\n", hay, needle);
		return 0;
	}
	return 1;
}

static const unsigned char *find(const unsigned char *p, size_t n, const char *needle)
{
	size_t nl = strlen(needle);
	for (size_t i = 0; nl <= n && i <= n - nl; i++)
		if (memcmp(p + i, needle, nl) == 0)
			return p + i;
	return NULL;
}

/* ---- error documents ---- */

typedef struct err_case {
	long status;
	const char *body;
	int rc;
	const char *want1, *want2;
} err_case;

static const err_case err_cases[] = {
	{ 400, "{\"errors\":[{\"code\":\"VERSION\",\"message\":\"A newer version of metadata is already "
	  "available.\",\"detail\":null}]}\n", SIGN_ECONFLICT, "a newer version", "is already available" },
	{ 400, "{\"errors\":[{\"code\":\"INVALID_UPDATE\",\"message\":\"Update sent by the client is invalid.\","
	  "\"detail\":{\"Name\":\"ErrBadRoot\",\"Error\":{\"Msg\":\"could not rotate trust to a new trusted root: "
	  "failed to validate data with current trusted certificates\"}}}]}",
	  SIGN_EREGISTRY, "refused the update: ErrBadRoot: could not rotate trust to a new trusted root",
	  "failed to validate data with current trusted certificates" },
	{ 400, "{\"errors\":[{\"code\":\"INVALID_UPDATE\",\"message\":\"Update sent by the client is invalid.\","
	  "\"detail\":{\"Name\":\"ErrBadHierarchy\",\"Missing\":\"snapshot\",\"Error\":{\"Msg\":\"metadata "
	  "hierarchy is incomplete\"}}}]}", SIGN_EREGISTRY, "refused the update: ErrBadHierarchy", "(missing: snapshot)" },
	/* as notary-server 0.7.0 sends it */
	{ 400, "{\"errors\":[{\"code\":\"INVALID_UPDATE\",\"message\":\"Update sent by the client is invalid.\","
	  "\"detail\":{\"Name\":\"ErrBadHierarchy\",\"Error\":{\"Missing\":\"snapshot\",\"Msg\":\"no snapshot "
	  "was included in update and server does not hold current snapshot key for repository\"}}}]}", SIGN_EREGISTRY,
	  "refused the update: ErrBadHierarchy: no snapshot was included in update", "(missing: snapshot)" },
	{ 400, "{\"errors\":[{\"code\":\"INVALID_UPDATE\",\"message\":\"Update sent by the client is invalid.\","
	  "\"detail\":{\"Name\":\"ErrBadTargets\",\"Error\":\"plain string\"}}]}",
	  SIGN_EREGISTRY, "refused the update: ErrBadTargets: plain string", NULL },
	{ 400, "{\"errors\":[{\"code\":\"INVALID_UPDATE\",\"message\":\"Update sent by the client is invalid.\"}]}",
	  SIGN_EREGISTRY, "refused the update: Update sent by the client is invalid.", NULL },
	{ 404, "{\"errors\":[{\"code\":\"METADATA_NOT_FOUND\",\"message\":\"You have requested metadata that does "
	  "not exist.\",\"detail\":{}}]}", SIGN_ENOTFOUND, "has no such trust data", "METADATA_NOT_FOUND" },
	{ 404, "404 page not found\n", SIGN_ENOTFOUND, "has no such trust data", NULL },
	{ 400, "{\"errors\":[{\"code\":\"MALFORMED_UPLOAD\",\"message\":\"The body of your request is "
	  "malformed.\",\"detail\":{}}]}", SIGN_EREGISTRY, "MALFORMED_UPLOAD: The body of your request is malformed.", NULL },
	{ 400, "{\"errors\":[{\"code\":\"INVALID_ROLE\",\"message\":\"The role you are attempting to operate on "
	  "is invalid.\",\"detail\":\"targets/Bad\"}]}", SIGN_EREGISTRY, "INVALID_ROLE", "(targets/Bad)" },
	{ 400, "{\"errors\":[{\"code\":\"INVALID_GUN\",\"message\":\"The Globally Unique Name is invalid.\","
	  "\"detail\":\"x\"}]}", SIGN_EREGISTRY, "INVALID_GUN: The Globally Unique Name is invalid.", NULL },
	{ 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\","
	  "\"detail\":[{\"Type\":\"repository\",\"Name\":\"x/y\",\"Action\":\"push\"}]}]}", SIGN_EAUTH,
	  "refused access: HTTP 401 UNAUTHORIZED: authentication required", NULL },
	{ 403, "", SIGN_EAUTH, "refused access: HTTP 403", NULL },
	{ 500, "{\"errors\":[{\"code\":\"UPDATING\",\"message\":\"An error has occurred while updating the TUF "
	  "repository.\"}]}", SIGN_EREGISTRY, "is unavailable: HTTP 500 UPDATING: An error has occurred", NULL },
	{ 503, "<html>\x01\x02\xff busy\r\n</html>", SIGN_EREGISTRY, "is unavailable: HTTP 503: <html>", NULL },
	{ 400, "garbage \x1b[31m\n{{{", SIGN_EREGISTRY, "HTTP 400: garbage ?[31m {{{", NULL },
	{ 400, "{\"errors\":[]}", SIGN_EREGISTRY, "HTTP 400", NULL },
	{ 400, "{\"errors\":[{\"code\":7,\"message\":[1]}]}", SIGN_EREGISTRY, "HTTP 400", NULL },
	{ 418, NULL, SIGN_EREGISTRY, "HTTP 418", NULL },
};

static void test_error_documents(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const err_case *c = &err_cases[i];
		sign_error err;
		int rc;
		memset(&err, 0, sizeof(err));
		rc = signp_notary_error(&err, "publishing trust data of example.com/a/b", "127.0.0.1:4443",
			c->status, c->body, c->body ? strlen(c->body) : 0);
		if (rc != c->rc)
			print_error("case %zu: rc %d, want %d (%s)\n", i, rc, c->rc, err.message);
		assert_int_equal(rc, c->rc);
		assert_int_equal(err.code, c->rc);
		assert_true(has(err.message, "publishing trust data of example.com/a/b: notary server 127.0.0.1:4443"));
		assert_true(has(err.message, c->want1));
		if (c->want2)
			assert_true(has(err.message, c->want2));
		no_controls(err.message);
		no_controls(err.hint);
	}
}

static void test_error_hints(void **state)
{
	sign_error err;
	const char *b = "{\"errors\":[{\"code\":\"INVALID_UPDATE\",\"detail\":{\"Name\":\"ErrBadHierarchy\","
		"\"Error\":{\"Missing\":\"snapshot\",\"Msg\":\"m\"}}}]}";
	(void)state;
	memset(&err, 0, sizeof(err));
	signp_notary_error(&err, "w", "s", 400, b, strlen(b));
	assert_true(has(err.hint, "snapshot key"));
	memset(&err, 0, sizeof(err));
	signp_notary_error(&err, "w", "s", 400, "{\"errors\":[{\"code\":\"VERSION\"}]}", 31);
	assert_int_equal(err.code, SIGN_ECONFLICT);
	assert_true(err.hint[0] != '\0');
	/* a huge error body is not parsed, and never overflows the message */
	{
		size_t n = 200000;
		char *big = malloc(n + 1);
		assert_non_null(big);
		memset(big, 'A', n);
		big[n] = '\0';
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_notary_error(&err, "w", "s", 502, big, n), SIGN_EREGISTRY);
		assert_true(strlen(err.message) < sizeof(err.message));
		free(big);
	}
	/* NULL err is fine */
	assert_int_equal(signp_notary_error(NULL, NULL, NULL, 404, NULL, 0), SIGN_ENOTFOUND);
}

/* ---- multipart ---- */

typedef struct part {
	char filename[160];
	char headers[512];
	const unsigned char *data;
	size_t len;
} part;

/* Parse a multipart body with boundary b into parts; returns the count or -1. */
static int parse_multipart(const unsigned char *body, size_t n, const char *b, part *parts, int maxparts)
{
	char delim[100], first[100];
	const unsigned char *p = body, *end = body + n;
	int np = 0;
	snprintf(first, sizeof(first), "--%s\r\n", b);
	snprintf(delim, sizeof(delim), "\r\n--%s", b);
	if (n < strlen(first) || memcmp(p, first, strlen(first)) != 0)
		return -1;
	p += strlen(first);
	for (;;) {
		const unsigned char *hend = find(p, (size_t)(end - p), "\r\n\r\n"), *next, *fn;
		part *pt;
		if (hend == NULL || np == maxparts)
			return -1;
		pt = &parts[np++];
		if ((size_t)(hend - p) >= sizeof(pt->headers))
			return -1;
		memcpy(pt->headers, p, (size_t)(hend - p));
		pt->headers[hend - p] = '\0';
		fn = (const unsigned char *)strstr(pt->headers, "filename=\"");
		if (fn == NULL)
			return -1;
		fn += 10;
		{
			size_t k = strcspn((const char *)fn, "\"");
			if (k >= sizeof(pt->filename))
				return -1;
			memcpy(pt->filename, fn, k);
			pt->filename[k] = '\0';
		}
		pt->data = hend + 4;
		next = find(pt->data, (size_t)(end - pt->data), delim);
		if (next == NULL)
			return -1;
		pt->len = (size_t)(next - pt->data);
		p = next + strlen(delim);
		if (end - p >= 4 && memcmp(p, "--\r\n", 4) == 0)
			return p + 4 == end ? np : -1;
		if (end - p < 2 || memcmp(p, "\r\n", 2) != 0)
			return -1;
		p += 2;
	}
}

static char *read_vector(const char *name, size_t *len)
{
	const char *dir = getenv("VECTORS");
	char path[1024];
	FILE *f;
	char *buf;
	long n;
	snprintf(path, sizeof(path), "%s/notary/%s", dir && dir[0] ? dir : "tests/vectors", name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s (set VECTORS)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_multipart_vs_vector(void **state)
{
	size_t vlen, nparts = 0;
	char *v = read_vector("wire_initial_publish_POST.txt", &vlen);
	const char *ct = strstr(v, "boundary="), *bodyp;
	char vb[100], ours[72];
	part vparts[8], oparts[8];
	int nv, no;
	signp_trust_out files[4];
	sign_buf body = SIGN_BUF_INIT;
	sign_error err;
	const char *ts = "{\"signed\":{\"_type\":\"Timestamp\"},\"signatures\":[]}";
	(void)state;

	/* the real client's upload */
	assert_non_null(ct);
	{
		size_t k = strcspn(ct + 9, "\r\n");
		assert_true(k > 0 && k < sizeof(vb));
		memcpy(vb, ct + 9, k);
		vb[k] = '\0';
	}
	bodyp = strstr(v, "\n\n");
	assert_non_null(bodyp);
	bodyp += 2;
	nv = parse_multipart((const unsigned char *)bodyp, vlen - (size_t)(bodyp - v), vb, vparts, 8);
	assert_int_equal(nv, 3);
	assert_string_equal(vparts[0].filename, "snapshot");
	assert_string_equal(vparts[1].filename, "root");
	assert_string_equal(vparts[2].filename, "targets");

	/* ours, from the same files plus a timestamp that must be left out */
	memset(files, 0, sizeof(files));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(signp_strlcpy(files[i].role, vparts[i].filename, sizeof(files[i].role)), 0);
		files[i].bytes = vparts[i].data;
		files[i].len = vparts[i].len;
	}
	snprintf(files[3].role, sizeof(files[3].role), "timestamp");
	files[3].bytes = (const unsigned char *)ts;
	files[3].len = strlen(ts);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_notary_publish_body(&body, ours, files, 4, &nparts, &err), SIGN_OK);
	assert_int_equal(nparts, 3);
	assert_int_equal(strlen(ours), 60);
	for (size_t i = 0; i < 60; i++)
		assert_non_null(strchr("0123456789abcdef", ours[i]));
	no = parse_multipart((const unsigned char *)body.ptr, body.size, ours, oparts, 8);
	assert_int_equal(no, 3);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(oparts[i].filename, vparts[i].filename);
		assert_string_equal(oparts[i].headers, vparts[i].headers);
		assert_int_equal(oparts[i].len, vparts[i].len);
		assert_memory_equal(oparts[i].data, vparts[i].data, vparts[i].len);
	}
	/* byte for byte the same body once the boundaries agree */
	{
		sign_buf same = SIGN_BUF_INIT;
		const char *p = bodyp, *q;
		size_t blen = vlen - (size_t)(bodyp - v);
		while ((q = (const char *)find((const unsigned char *)p, blen - (size_t)(p - bodyp), vb)) != NULL) {
			signp_buf_put(&same, p, (size_t)(q - p));
			signp_buf_puts(&same, ours);
			p = q + strlen(vb);
		}
		signp_buf_put(&same, p, blen - (size_t)(p - bodyp));
		assert_int_equal(same.size, body.size);
		assert_memory_equal(same.ptr, body.ptr, body.size);
		sign_buf_dispose(&same);
	}
	/* a fresh boundary every time */
	{
		sign_buf b2 = SIGN_BUF_INIT;
		char other[72];
		assert_int_equal(signp_notary_publish_body(&b2, other, files, 3, NULL, &err), SIGN_OK);
		assert_string_not_equal(other, ours);
		sign_buf_dispose(&b2);
	}
	sign_buf_dispose(&body);
	free(v);
}

static void test_multipart_rules(void **state)
{
	sign_buf body = SIGN_BUF_INIT;
	char b[72];
	size_t np = 0;
	sign_error err;
	signp_trust_out f[3];
	const unsigned char data[] = "{\"x\":1}\r\n--not-a-boundary\r\n";
	(void)state;
	memset(f, 0, sizeof(f));
	snprintf(f[0].role, sizeof(f[0].role), "targets/releases");
	f[0].bytes = data;
	f[0].len = sizeof(data) - 1;
	snprintf(f[1].role, sizeof(f[1].role), "snapshot");
	f[1].bytes = data;
	f[1].len = 3;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_notary_publish_body(&body, b, f, 2, &np, &err), SIGN_OK);
	assert_int_equal(np, 2);
	assert_non_null(strstr(body.ptr, "Content-Disposition: form-data; name=\"files\"; filename=\"targets/releases\"\r\n"
		"Content-Type: application/octet-stream\r\n\r\n{\"x\":1}\r\n--not-a-boundary\r\n\r\n--"));
	{
		part p[4];
		assert_int_equal(parse_multipart((const unsigned char *)body.ptr, body.size, b, p, 4), 2);
		assert_int_equal(p[0].len, sizeof(data) - 1);
		assert_int_equal(p[1].len, 3);
	}
	/* bad roles, empty files, duplicates, only a timestamp */
	snprintf(f[2].role, sizeof(f[2].role), "Targets/x\"");
	f[2].bytes = data;
	f[2].len = 3;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_notary_publish_body(&body, b, &f[2], 1, NULL, &err), SIGN_EINVAL);
	snprintf(f[2].role, sizeof(f[2].role), "snapshot");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_notary_publish_body(&body, b, f, 3, NULL, &err), SIGN_EINVAL);
	assert_true(has(err.message, "twice"));
	f[2].len = 0;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_notary_publish_body(&body, b, &f[2], 1, NULL, &err), SIGN_EINVAL);
	snprintf(f[2].role, sizeof(f[2].role), "timestamp");
	f[2].len = 3;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_notary_publish_body(&body, b, &f[2], 1, NULL, &err), SIGN_EINVAL);
	assert_true(has(err.message, "nothing to upload"));

	/* the generic builder refuses header injection */
	{
		signp_multipart_part mp = { "files", "a\r\nX-Evil: 1", NULL, "x", 1 };
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_multipart_build(&body, b, &mp, 1, &err), SIGN_EINVAL);
		mp.filename = "ok";
		mp.content_type = "text/plain\r\nX: y";
		assert_int_equal(signp_multipart_build(&body, b, &mp, 1, &err), SIGN_EINVAL);
	}
	sign_buf_dispose(&body);
}

static void test_role_names(void **state)
{
	static const char *good[] = { "root", "targets", "snapshot", "timestamp", "targets/releases",
		"targets/a/b_c-9", NULL };
	static const char *bad[] = { "", "Root", "targets/", "targets//a", "targets/a/", "targets/A",
		"targets/../root", "targets/a.b", "foo", "targets/a b", "/targets", "targetsx", NULL };
	(void)state;
	for (int i = 0; good[i]; i++)
		assert_true(signp_notary_role_ok(good[i]));
	for (int i = 0; bad[i]; i++) {
		if (signp_notary_role_ok(bad[i]))
			fail_msg("role \"%s\" accepted", bad[i]);
	}
	assert_false(signp_notary_role_ok(NULL));
}

/* ---- server keys ---- */

static void test_server_key(void **state)
{
	json_t *k = NULL;
	char id[65];
	sign_error err;
	const char *ed = "{\"keytype\":\"ed25519\",\"keyval\":{\"public\":"
		"\"tcElQLhMPXiYwkSd84bdDu2ct9r+hTEHZAwZcH9ChVI=\",\"private\":null}}";
	const char *ec = "{\"keytype\":\"ecdsa\",\"keyval\":{\"public\":\"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZWD5"
		"j01VKSsq5eQnJCVIwu9cMM2aOUW4zxyZN89ghEovzx9l0jUkl8YAIL2vVWL8Zhf2vkBgIAvNqr8HxCJTKw==\","
		"\"private\":null}}\n";
	static const char *garbage[] = {
		"", "null", "[]", "{}", "not json",
		"{\"keytype\":\"ed25519\"}",
		"{\"keytype\":\"ed25519\",\"keyval\":{\"private\":null}}",
		"{\"keytype\":\"ed25519\",\"keyval\":{\"public\":\"\",\"private\":null}}",
		"{\"keytype\":\"ed25519\",\"keyval\":{\"public\":\"!!!not base64\",\"private\":null}}",
		"{\"keytype\":\"ed25519\",\"keyval\":{\"public\":\"AAAA\",\"private\":null}}",
		"{\"keytype\":\"dsa\",\"keyval\":{\"public\":\"tcElQLhMPXiYwkSd84bdDu2ct9r+hTEHZAwZcH9ChVI=\"}}",
		"{\"keytype\":\"ed25519\",\"keyval\":{\"public\":\"tcElQLhMPXiYwkSd84bdDu2ct9r+hTEHZAwZcH9ChVI=\","
		"\"private\":\"c2VjcmV0\"}}",
		"{\"keytype\":\"ecdsa\",\"keyval\":{\"public\":\"tcElQLhMPXiYwkSd84bdDu2ct9r+hTEHZAwZcH9ChVI=\"}}",
		"{\"keytype\":\"ed25519\",\"keytype\":\"ecdsa\",\"keyval\":{\"public\":"
		"\"tcElQLhMPXiYwkSd84bdDu2ct9r+hTEHZAwZcH9ChVI=\"}}",
		"{\"keytype\":7,\"keyval\":{\"public\":\"tcElQLhMPXiYwkSd84bdDu2ct9r+hTEHZAwZcH9ChVI=\"}}",
		NULL };
	(void)state;

	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_notary_parse_key(&k, id, ed, strlen(ed), &err), SIGN_OK);
	assert_string_equal(id, "dfe3ce724de74e3ec5f33d20fdd1eb5ac9ae55fbc614e5a00a13156b368141e5");
	assert_string_equal(json_string_value(json_object_get(k, "keytype")), "ed25519");
	assert_true(json_is_null(json_object_get(json_object_get(k, "keyval"), "private")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(k, "keyval"), "public")),
		"tcElQLhMPXiYwkSd84bdDu2ct9r+hTEHZAwZcH9ChVI=");
	assert_int_equal(json_object_size(k), 2);
	assert_int_equal(json_object_size(json_object_get(k, "keyval")), 2);
	{
		char id2[65];
		assert_int_equal(signp_tuf_keyid(id2, "ed25519", "tcElQLhMPXiYwkSd84bdDu2ct9r+hTEHZAwZcH9ChVI=",
			&err), SIGN_OK);
		assert_string_equal(id, id2);
	}
	json_decref(k);
	k = NULL;

	assert_int_equal(signp_notary_parse_key(&k, id, ec, strlen(ec), &err), SIGN_OK);
	assert_string_equal(id, "176b21c432dba1272f1e8f2c2d4fe7066c85879a51f4261b92fe343d6546efc9");
	json_decref(k);
	k = NULL;

	for (int i = 0; garbage[i]; i++) {
		int rc;
		memset(&err, 0, sizeof(err));
		rc = signp_notary_parse_key(&k, id, garbage[i], strlen(garbage[i]), &err);
		if (rc != SIGN_EFORMAT)
			fail_msg("garbage %d accepted (rc %d): %s", i, rc, garbage[i]);
		assert_null(k);
		assert_string_equal(id, "");
		assert_true(err.message[0] != '\0');
		no_controls(err.message);
	}
	/* over the bound */
	{
		size_t n = SIGN_NOTARY_MAX_KEY + 1;
		char *big = calloc(1, n + 1);
		assert_non_null(big);
		memset(big, ' ', n);
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_notary_parse_key(&k, id, big, n, &err), SIGN_EFORMAT);
		free(big);
	}
}

/* ---- handles and backend arguments (no network) ---- */

static void test_handles(void **state)
{
	signp_registry *r = NULL;
	signp_registry_options o;
	signp_trust_backend *be = NULL;
	sign_error err;
	sign_buf b = SIGN_BUF_INIT;
	json_t *k = NULL;
	char id[65];
	static const char *bad_urls[] = { "ftp://x", "notary.example.com", "http://", "https://u:p@h/",
		"https://h/?q=1", "https://h/#f", "http://h/a b", NULL };
	(void)state;
	memset(&o, 0, sizeof(o));
	for (int i = 0; bad_urls[i]; i++) {
		o.base_url = bad_urls[i];
		o.label = "notary server";
		memset(&err, 0, sizeof(err));
		if (signp_registry_new(&r, &o, &err) != SIGN_EINVAL)
			fail_msg("URL \"%s\" accepted", bad_urls[i]);
		assert_null(r);
	}
	o.base_url = "https://notary.example.com:4443/prefix/";
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_registry_new(&r, &o, &err), SIGN_OK);
	assert_string_equal(signp_registry_host(r), "notary.example.com:4443");
	assert_string_equal(signp_registry_scheme(r), "https");
	signp_registry_free(r);

	/* a closed loopback port (9 is discard: nobody listens) */
	o.base_url = "http://127.0.0.1:9";
	o.timeout = 5;
	assert_int_equal(signp_registry_new(&r, &o, &err), SIGN_OK);
	assert_string_equal(signp_registry_scheme(r), "http");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_backend_notary(&be, r, "not a gun", &err), SIGN_EINVAL);
	assert_null(be);
	assert_int_equal(signp_trust_backend_notary(&be, NULL, "example.com/a/b", &err), SIGN_EINVAL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_backend_notary(&be, r, "example.com/a/b", &err), SIGN_OK);
	assert_string_equal(be->name, "notary");
	memset(&err, 0, sizeof(err));
	assert_int_equal(be->refresh(be, &err), SIGN_ENET);
	assert_true(has(err.message, "notary server 127.0.0.1:9"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(be->fetch(be, "../../x", 0, NULL, 100, &b, &err), SIGN_EINVAL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(be->fetch(be, "snapshot", 0, "ABC", 100, &b, &err), SIGN_EINVAL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_notary_server_key(&k, id, be, "targets", 0, &err), SIGN_EINVAL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_notary_server_key(&k, id, be, "timestamp", 0, &err), SIGN_ENET);
	/* not a notary backend */
	{
		signp_trust_backend fake;
		memset(&fake, 0, sizeof(fake));
		fake.name = "registry";
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_notary_server_key(&k, id, &fake, "timestamp", 0, &err), SIGN_EINVAL);
	}
	/* generic request argument checks */
	{
		long st = 0;
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_registry_request(r, "GET", "/v2/a b", NULL, NULL, 0, NULL, 10, &b, &st, &err),
			SIGN_EINVAL);
		assert_int_equal(signp_registry_request(r, "PATCH", "/v2/", NULL, NULL, 0, NULL, 10, &b, &st, &err),
			SIGN_EINVAL);
		assert_int_equal(signp_registry_request(r, "GET", "/v2/", "a\r\nb", NULL, 0, NULL, 10, &b, &st, &err),
			SIGN_EINVAL);
		assert_int_equal(signp_registry_request(r, "GET", "/v2/", NULL, NULL, 0, "a b", 10, &b, &st, &err),
			SIGN_EINVAL);
	}
	be->free(be);
	signp_registry_free(r);
	sign_buf_dispose(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_documents),
		cmocka_unit_test(test_error_hints),
		cmocka_unit_test(test_multipart_vs_vector),
		cmocka_unit_test(test_multipart_rules),
		cmocka_unit_test(test_role_names),
		cmocka_unit_test(test_server_key),
		cmocka_unit_test(test_handles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_review.c - AdmissionReview requests read, answers written (review.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "review.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "705ab4f5-6393-11e8-b7cc-42010a800002"

/* An AdmissionReview for a CREATE of an object of group/kind. */
#define REVIEW(group, kind, object) \
	"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{" \
	"\"uid\":\"" UID "\",\"kind\":{\"group\":\"" group "\",\"version\":\"v1\",\"kind\":\"" kind \
	"\"},\"resource\":{\"group\":\"" group "\",\"version\":\"v1\",\"resource\":\"x\"}," \
	"\"namespace\":\"team\",\"name\":\"web\",\"operation\":\"CREATE\"," \
	"\"userInfo\":{\"username\":\"admin\"},\"object\":" object ",\"oldObject\":null," \
	"\"dryRun\":false}}"

/* A review of the request fields given. */
#define RQ(fields) \
	"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{" fields "}}"
#define POD_RQ(object) \
	RQ("\"uid\":\"u\",\"kind\":{\"kind\":\"Pod\"},\"operation\":\"CREATE\",\"object\":" object)

static signp_review *parse_ok(const char *body)
{
	signp_review *r = NULL;
	sign_error err;
	int rc = signp_review_parse(&r, body, strlen(body), &err);
	if (rc != SIGN_OK)
		fail_msg("parse: %d %s", rc, err.message);
	assert_non_null(r);
	return r;
}

static void expect_images(const signp_review *r, const char *const *want)
{
	size_t i, n = 0;
	while (want[2 * n] != NULL)
		n++;
	assert_int_equal(signp_review_nimages(r), n);
	for (i = 0; i < n; i++) {
		assert_string_equal(signp_review_image(r, i), want[2 * i]);
		assert_string_equal(signp_review_path(r, i), want[2 * i + 1]);
	}
	assert_null(signp_review_image(r, n));
	assert_null(signp_review_path(r, n));
}

static void test_pod(void **state)
{
	static const char *const want[] = {
		"registry.example.com/team/web:1.2", "/spec/containers/0/image",
		"registry.example.com/team/sidecar@sha256:" D64, "/spec/containers/2/image",
		"busybox", "/spec/initContainers/0/image",
		"registry.example.com/debug:latest", "/spec/ephemeralContainers/0/image",
		NULL };
	static const char *const sub[] = {
		"registry.example.com/team/web:1.2", "/spec/containers/0/image",
		"busybox", "/spec/ephemeralContainers/0/image",
		NULL };
	signp_review *r;
	(void)state;
	r = parse_ok(REVIEW("", "Pod",
		"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\"},\"spec\":{"
		"\"containers\":[{\"name\":\"a\",\"image\":\"registry.example.com/team/web:1.2\"},"
		"{\"name\":\"b\"},"
		"{\"name\":\"c\",\"image\":\"registry.example.com/team/sidecar@sha256:" D64 "\"}],"
		"\"initContainers\":[{\"name\":\"i\",\"image\":\"busybox\"}],"
		"\"ephemeralContainers\":[{\"name\":\"d\",\"image\":\"registry.example.com/debug:latest\"}]"
		"}}"));
	assert_string_equal(signp_review_uid(r), UID);
	assert_string_equal(signp_review_group(r), "");
	assert_string_equal(signp_review_kind(r), "Pod");
	assert_string_equal(signp_review_subresource(r), "");
	assert_string_equal(signp_review_namespace(r), "team");
	assert_string_equal(signp_review_name(r), "web");
	assert_string_equal(signp_review_operation(r), "CREATE");
	assert_int_equal(signp_review_has_pod_spec(r), 1);
	expect_images(r, want);
	signp_review_free(r);

	/* a debug container added through the subresource: the whole Pod */
	r = parse_ok(RQ("\"uid\":\"u\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
			"\"subResource\":\"ephemeralcontainers\",\"namespace\":\"team\",\"name\":\"web-0\","
			"\"operation\":\"UPDATE\",\"object\":{\"spec\":{"
			"\"containers\":[{\"name\":\"a\",\"image\":\"registry.example.com/team/web:1.2\"}],"
			"\"ephemeralContainers\":[{\"name\":\"d\",\"image\":\"busybox\"}]}}"));
	assert_string_equal(signp_review_subresource(r), "ephemeralcontainers");
	assert_string_equal(signp_review_operation(r), "UPDATE");
	expect_images(r, sub);
	signp_review_free(r);
}

static void test_templates(void **state)
{
	static const char *const tmpl[] = {
		"registry.example.com/team/api:v3", "/spec/template/spec/containers/0/image",
		"registry.example.com/team/migrate:v3", "/spec/template/spec/initContainers/0/image",
		NULL };
	static const char *const cron[] = {
		"registry.example.com/team/report:7", "/spec/jobTemplate/spec/template/spec/containers/0/image",
		NULL };
	static const char *const kinds[][2] = { { "apps", "Deployment" }, { "apps", "ReplicaSet" },
		{ "apps", "StatefulSet" }, { "apps", "DaemonSet" }, { "batch", "Job" },
		{ "", "ReplicationController" } };
	const char *spec = "{\"spec\":{\"replicas\":2,\"template\":{\"metadata\":{},\"spec\":{"
			   "\"containers\":[{\"name\":\"api\",\"image\":\"registry.example.com/team/api:v3\"}],"
			   "\"initContainers\":[{\"name\":\"m\",\"image\":\"registry.example.com/team/migrate:v3\"}]}}}}";
	char body[2048];
	signp_review *r;
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(body, sizeof(body),
			"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"
			"\"uid\":\"u\",\"kind\":{\"group\":\"%s\",\"version\":\"v1\",\"kind\":\"%s\"},"
			"\"namespace\":\"team\",\"name\":\"api\",\"operation\":\"UPDATE\",\"object\":%s}}",
			kinds[i][0], kinds[i][1], spec);
		r = parse_ok(body);
		assert_string_equal(signp_review_kind(r), kinds[i][1]);
		assert_string_equal(signp_review_operation(r), "UPDATE");
		expect_images(r, tmpl);
		signp_review_free(r);
	}
	r = parse_ok(REVIEW("batch", "CronJob",
		"{\"spec\":{\"schedule\":\"0 * * * *\",\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{"
		"\"containers\":[{\"name\":\"r\",\"image\":\"registry.example.com/team/report:7\"}],"
		"\"restartPolicy\":\"Never\"}}}}}}"));
	expect_images(r, cron);
	signp_review_free(r);
}

/* A kind that holds no pod spec, a Pod kind of another group, a DELETE
 * without object: no images. */
static void test_no_images(void **state)
{
	static const char *const none[] = { NULL };
	signp_review *r;
	(void)state;
	r = parse_ok(REVIEW("", "Service",
		"{\"spec\":{\"ports\":[{\"port\":80}],\"containers\":[{\"image\":\"x\"}]}}"));
	assert_int_equal(signp_review_has_pod_spec(r), 0);
	expect_images(r, none);
	signp_review_free(r);

	r = parse_ok(REVIEW("example.com", "Deployment", "{\"spec\":{\"template\":7}}"));
	assert_int_equal(signp_review_has_pod_spec(r), 0);
	expect_images(r, none);
	signp_review_free(r);

	r = parse_ok("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
		     "\"request\":{\"uid\":\"u\",\"kind\":{\"kind\":\"Pod\"},\"operation\":\"DELETE\","
		     "\"object\":null,\"oldObject\":{\"spec\":{}}}}");
	assert_int_equal(signp_review_has_pod_spec(r), 0);
	assert_string_equal(signp_review_namespace(r), "");
	assert_string_equal(signp_review_name(r), "");
	expect_images(r, none);
	signp_review_free(r);

	/* a Pod with an empty spec, and with empty lists */
	r = parse_ok(REVIEW("", "Pod", "{\"spec\":{\"containers\":[],\"initContainers\":null}}"));
	assert_int_equal(signp_review_has_pod_spec(r), 1);
	expect_images(r, none);
	signp_review_free(r);
}

/* The reader is one pass over the body's events: the kind may come after
 * the object, the places a pod spec may be are told apart by the kind, and
 * what the kind does not use is not read. */
static void test_one_pass(void **state)
{
	static const char *const tmpl[] = {
		"registry.example.com/team/api:v3", "/spec/template/spec/containers/0/image", NULL };
	static const char *const pod[] = {
		"registry.example.com/team/web:1", "/spec/containers/0/image", NULL };
	static const char *const cron[] = {
		"registry.example.com/team/report:7", "/spec/jobTemplate/spec/template/spec/containers/0/image",
		NULL };
	/* an object with a pod spec in all three places */
#define ALL_THREE \
	"{\"spec\":{\"containers\":[{\"image\":\"registry.example.com/team/web:1\"}]," \
	"\"template\":{\"spec\":{\"containers\":[{\"image\":\"registry.example.com/team/api:v3\"}]}}," \
	"\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":" \
	"\"registry.example.com/team/report:7\"}]}}}}}}"
	signp_review *r;
	(void)state;

	/* the object first, the kind last */
	r = parse_ok("{\"request\":{\"object\":" ALL_THREE ",\"operation\":\"CREATE\",\"uid\":\"u\","
		     "\"kind\":{\"kind\":\"Deployment\",\"group\":\"apps\"}},"
		     "\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v1\"}");
	assert_string_equal(signp_review_kind(r), "Deployment");
	expect_images(r, tmpl);
	signp_review_free(r);
	r = parse_ok(REVIEW("", "Pod", ALL_THREE));
	expect_images(r, pod);
	signp_review_free(r);
	r = parse_ok(REVIEW("batch", "CronJob", ALL_THREE));
	expect_images(r, cron);
	signp_review_free(r);

	/* a fault where the kind does not look is no fault of the review */
	r = parse_ok(REVIEW("", "Pod",
		"{\"spec\":{\"containers\":[{\"image\":\"registry.example.com/team/web:1\"}],"
		"\"template\":{\"spec\":{\"containers\":[{\"image\":7}]}},\"jobTemplate\":[]}}"));
	expect_images(r, pod);
	signp_review_free(r);
	r = parse_ok(REVIEW("apps", "Deployment",
		"{\"spec\":{\"containers\":{},\"template\":{\"spec\":{\"containers\":["
		"{\"image\":\"registry.example.com/team/api:v3\"}]}}}}"));
	expect_images(r, tmpl);
	signp_review_free(r);

	/* a key given twice where nothing is read from it changes nothing read */
	r = parse_ok(REVIEW("", "Pod",
		"{\"metadata\":{\"labels\":{\"a\":\"1\",\"a\":\"2\"}},\"spec\":{\"containers\":["
		"{\"name\":\"x\",\"name\":\"y\",\"image\":\"registry.example.com/team/web:1\"}]}}"));
	expect_images(r, pod);
	signp_review_free(r);
#undef ALL_THREE
}

typedef struct bad_case {
	const char *body;
	int code;
	const char *message;
} bad_case;

static const bad_case bad[] = {
	{ "", SIGN_EFORMAT, "admission review: not JSON: parse error: premature EOF (byte 0)" },
	{ "{\"a\":", SIGN_EFORMAT, "admission review: not JSON: parse error: premature EOF (byte 5)" },
	{ "[1]", SIGN_EFORMAT, "admission review: the body is not a JSON object" },
	{ "{\"kind\":\"AdmissionReview\"}", SIGN_EFORMAT,
	  "admission review: apiVersion is not admission.k8s.io/v1" },
	{ "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\"}", SIGN_EFORMAT,
	  "admission review: apiVersion is not admission.k8s.io/v1" },
	{ "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"Pod\"}", SIGN_EFORMAT,
	  "admission review: kind is not AdmissionReview" },
	{ "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", SIGN_EFORMAT,
	  "admission review: request is missing" },
	{ "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":[]}",
	  SIGN_EFORMAT, "admission review: request is not an object" },
	{ "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{},"
	  "\"kind\":\"AdmissionReview\"}",
	  SIGN_EFORMAT, "admission review: not JSON: duplicate object key \"kind\" (byte 80)" },
	{ RQ(""), SIGN_EFORMAT, "admission review: request.uid is missing" },
	{ RQ("\"uid\":7"), SIGN_EFORMAT, "admission review: request.uid is not a string" },
	{ RQ("\"uid\":\"\""), SIGN_EFORMAT, "admission review: request.uid is empty" },
	{ RQ("\"uid\":\"u\""), SIGN_EFORMAT, "admission review: request.kind is missing" },
	{ RQ("\"uid\":\"u\",\"kind\":\"Pod\""), SIGN_EFORMAT,
	  "admission review: request.kind is not an object" },
	{ RQ("\"uid\":\"u\",\"kind\":{\"group\":\"\"}"), SIGN_EFORMAT,
	  "admission review: request.kind.kind is missing" },
	{ RQ("\"uid\":\"u\",\"kind\":{\"group\":1,\"kind\":\"Pod\"}"), SIGN_EFORMAT,
	  "admission review: request.kind.group is not a string" },
	{ RQ("\"uid\":\"u\",\"kind\":{\"kind\":\"Pod\"},\"subResource\":{}"), SIGN_EFORMAT,
	  "admission review: request.subResource is not a string" },
	{ RQ("\"uid\":\"u\",\"kind\":{\"kind\":\"Pod\"},\"namespace\":[]"), SIGN_EFORMAT,
	  "admission review: request.namespace is not a string" },
	{ RQ("\"uid\":\"u\",\"kind\":{\"kind\":\"Pod\"},\"name\":false"), SIGN_EFORMAT,
	  "admission review: request.name is not a string" },
	{ RQ("\"uid\":\"u\",\"kind\":{\"kind\":\"Pod\"}"), SIGN_EFORMAT,
	  "admission review: request.operation is missing" },
	{ RQ("\"uid\":\"u\",\"kind\":{\"kind\":\"Pod\"},\"operation\":\"PATCH\""), SIGN_EFORMAT,
	  "admission review: request.operation is not CREATE, UPDATE, DELETE or CONNECT" },
	{ RQ("\"uid\":\"u\",\"kind\":{\"kind\":\"Pod\"},\"operation\":\"CREATE\""), SIGN_EFORMAT,
	  "admission review: request.object is missing" },
	{ POD_RQ("null"), SIGN_EFORMAT, "admission review: request.object is missing" },
	{ POD_RQ("\"x\""), SIGN_EFORMAT, "admission review: request.object is not an object" },
	{ POD_RQ("{}"), SIGN_EFORMAT, "admission review: request.object.spec is missing" },
	{ POD_RQ("{\"spec\":[]}"), SIGN_EFORMAT, "admission review: request.object.spec is not an object" },
	{ POD_RQ("{\"spec\":{\"containers\":{}}}"), SIGN_EFORMAT,
	  "admission review: request.object.spec.containers is not an array" },
	{ POD_RQ("{\"spec\":{\"containers\":[{\"image\":\"a\"},{\"image\":\"b\"},{\"image\":7}]}}"),
	  SIGN_EFORMAT, "admission review: request.object.spec.containers[2].image is not a string" },
	{ POD_RQ("{\"spec\":{\"initContainers\":[1]}}"), SIGN_EFORMAT,
	  "admission review: request.object.spec.initContainers[0] is not an object" },
	{ POD_RQ("{\"spec\":{\"ephemeralContainers\":[{\"image\":{}}]}}"), SIGN_EFORMAT,
	  "admission review: request.object.spec.ephemeralContainers[0].image is not a string" },
	{ RQ("\"uid\":\"u\",\"kind\":{\"group\":\"apps\",\"kind\":\"Deployment\"},\"operation\":"
	     "\"CREATE\",\"object\":{\"spec\":{\"template\":{}}}"),
	  SIGN_EFORMAT, "admission review: request.object.spec.template.spec is missing" },
	{ RQ("\"uid\":\"u\",\"kind\":{\"group\":\"batch\",\"kind\":\"CronJob\"},\"operation\":"
	     "\"CREATE\",\"object\":{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":"
	     "{\"containers\":[{\"image\":null},{\"image\":true}]}}}}}}"),
	  SIGN_EFORMAT,
	  "admission review: request.object.spec.jobTemplate.spec.template.spec.containers[1].image "
	  "is not a string" },
	{ "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"
	  "\"uid\":\"a\\u0000b\"}}",
	  SIGN_EFORMAT,
	  "admission review: not JSON: a string holds \\u0000 (byte 88)" },
	/* a key that is read, given twice: the API server's decoder and this
	 * one might take different values */
	{ POD_RQ("{\"spec\":{\"containers\":[{\"image\":\"a\",\"image\":\"b\"}]}}"), SIGN_EFORMAT,
	  "admission review: not JSON: duplicate object key \"image\" (byte 177)" },
	{ POD_RQ("{\"spec\":{\"containers\":[],\"containers\":[{\"image\":\"b\"}]}}"), SIGN_EFORMAT,
	  "admission review: not JSON: duplicate object key \"containers\" (byte 171)" },
	{ POD_RQ("{\"spec\":{},\"spec\":{}}"), SIGN_EFORMAT,
	  "admission review: not JSON: duplicate object key \"spec\" (byte 151)" },
	{ RQ("\"uid\":\"a\",\"uid\":\"b\""), SIGN_EFORMAT,
	  "admission review: not JSON: duplicate object key \"uid\" (byte 87)" },
	/* \u0000 in a key, in a string nothing reads; invalid UTF-8; more
	 * after the value; nesting past jansson's own bound */
	{ RQ("\"a\\u0000\":1"), SIGN_EFORMAT, "admission review: not JSON: a key holds \\u0000 (byte 81)" },
	{ POD_RQ("{\"metadata\":{\"x\":\"\\u0000\"}}"), SIGN_EFORMAT,
	  "admission review: not JSON: a string holds \\u0000 (byte 159)" },
	{ RQ("\"uid\":\"\xc3\x28\""), SIGN_EFORMAT,
	  "admission review: not JSON: lexical error: invalid bytes in UTF8 string (byte 81)" },
	{ "{\"a\":1} {}", SIGN_EFORMAT, "admission review: not JSON: parse error: trailing garbage (byte 9)" },
};

static void test_bad(void **state)
{
	signp_review *r = (signp_review *)1;
	sign_error err;
	size_t i, failed = 0;
	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = signp_review_parse(&r, bad[i].body, strlen(bad[i].body), &err);
		if (rc != bad[i].code || strcmp(err.message, bad[i].message) != 0) {
			print_error("case %zu: got %d \"%s\", want %d \"%s\"\n", i, rc, err.message,
				bad[i].code, bad[i].message);
			failed++;
		}
		assert_null(r);
	}
	if (failed > 0)
		fail_msg("%zu of %zu cases", failed, i);
}

/* Bounds: the body, the uid, an image, the number of images. */
static void test_bounds(void **state)
{
	signp_review *r = NULL;
	sign_error err;
	char *big, uid[300], *p;
	size_t n = SIGNP_REVIEW_MAX_BODY + 1, i;
	(void)state;

	big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	assert_int_equal(signp_review_parse(&r, big, n, &err), SIGN_EFORMAT);
	assert_string_equal(err.message, "admission review: body is larger than 3145728 bytes");
	assert_null(r);

	memset(uid, 'u', 257);
	uid[257] = '\0';
	snprintf(big, n, RQ("\"uid\":\"%s\""), uid);
	assert_int_equal(signp_review_parse(&r, big, strlen(big), &err), SIGN_EFORMAT);
	assert_string_equal(err.message, "admission review: request.uid is longer than 256 bytes");

	/* (the prefix without RQ's closing "}}") */
	p = big + sprintf(big, "%s", POD_RQ("{\"spec\":{\"containers\":[{\"image\":\"")) - 2;
	memset(p, 'a', 1025);
	strcpy(p + 1025, "\"}]}}}}");
	assert_int_equal(signp_review_parse(&r, big, strlen(big), &err), SIGN_EFORMAT);
	assert_string_equal(err.message,
		"admission review: request.object.spec.containers[0].image is longer than 1024 bytes");

	/* 600 containers and 401 initContainers: one too many */
	p = big + sprintf(big, "%s", POD_RQ("{\"spec\":{\"containers\":[")) - 2;
	for (i = 0; i < 600; i++)
		p += sprintf(p, "%s{\"image\":\"app\"}", i ? "," : "");
	p += sprintf(p, "],\"initContainers\":[");
	for (i = 0; i < 400; i++)
		p += sprintf(p, "%s{\"image\":\"init\"}", i ? "," : "");
	strcpy(p, "]}}}}");
	r = parse_ok(big);
	assert_int_equal(signp_review_nimages(r), 1000);
	assert_string_equal(signp_review_path(r, 999), "/spec/initContainers/399/image");
	signp_review_free(r);
	r = NULL;
	strcpy(p, ",{\"image\":\"init\"}]}}}}");
	assert_int_equal(signp_review_parse(&r, big, strlen(big), &err), SIGN_EFORMAT);
	assert_string_equal(err.message, "admission review: request.object has more than 1000 images");
	assert_null(r);
	free(big);
}

/* The uid of a refused review, for a denial that says why. */
static void test_peek_uid(void **state)
{
	static const struct {
		const char *body;
		const char *uid;
	} cases[] = {
		{ POD_RQ("{\"spec\":{\"containers\":[{\"image\":7}]}}"), "u" },
		{ RQ("\"uid\":\"" UID "\",\"kind\":\"Pod\""), UID },
		{ "{\"request\":{\"uid\":\"x\"}}", "x" },
		{ "", NULL },
		{ "[]", NULL },
		{ "{\"request\":[]}", NULL },
		{ RQ("\"uid\":7"), NULL },
		{ RQ("\"uid\":\"\""), NULL },
		{ RQ("\"uid\":\"a\",\"uid\":\"b\""), NULL },
	};
	sign_buf b = SIGN_BUF_INIT;
	char *big;
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = signp_review_peek_uid(&b, cases[i].body, strlen(cases[i].body));
		if (cases[i].uid == NULL) {
			assert_int_equal(rc, SIGN_ENOTFOUND);
			assert_int_equal(b.size, 0);
		} else {
			assert_int_equal(rc, SIGN_OK);
			assert_string_equal(b.ptr, cases[i].uid);
		}
		signp_buf_clear(&b);
	}
	big = calloc(1, SIGNP_REVIEW_MAX_UID + 64);
	assert_non_null(big);
	memcpy(big, "{\"request\":{\"uid\":\"", 19);
	memset(big + 19, 'u', SIGNP_REVIEW_MAX_UID + 1);
	memcpy(big + 19 + SIGNP_REVIEW_MAX_UID + 1, "\"}}", 3);
	assert_int_equal(signp_review_peek_uid(&b, big, strlen(big)), SIGN_ENOTFOUND);
	big[19 + SIGNP_REVIEW_MAX_UID] = '"';
	memcpy(big + 19 + SIGNP_REVIEW_MAX_UID, "\"}}", 4);
	assert_int_equal(signp_review_peek_uid(&b, big, strlen(big)), SIGN_OK);
	assert_int_equal(b.size, SIGNP_REVIEW_MAX_UID);
	free(big);
	sign_buf_dispose(&b);
}

static void test_pointer_escape(void **state)
{
	sign_buf b = SIGN_BUF_INIT;
	(void)state;
	assert_int_equal(signp_json_pointer_append(&b, "spec"), SIGN_OK);
	assert_int_equal(signp_json_pointer_append(&b, "a/b~c~1"), SIGN_OK);
	assert_int_equal(signp_json_pointer_append(&b, ""), SIGN_OK);
	assert_int_equal(signp_json_pointer_append(&b, "~/"), SIGN_OK);
	assert_string_equal(b.ptr, "/spec/a~1b~0c~01//~0~1");
	sign_buf_dispose(&b);
}

#define HEAD "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":"

static void test_response(void **state)
{
	sign_buf out = SIGN_BUF_INIT, dec = SIGN_BUF_INIT;
	sign_error err;
	const char *patch = "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"a@sha256:" D64 "\"}]";
	const char *b64;
	(void)state;

	assert_int_equal(signp_review_response(&out, UID, 1, "ignored", NULL, &err), SIGN_OK);
	assert_string_equal(out.ptr, HEAD "{\"uid\":\"" UID "\",\"allowed\":true}}");
	signp_buf_clear(&out);

	assert_int_equal(signp_review_response(&out, "u\"\\1", 0,
				 "registry.example.com/x:1: no trust data\nsecond \"line\"", NULL, &err),
		SIGN_OK);
	assert_string_equal(out.ptr,
		HEAD "{\"uid\":\"u\\\"\\\\1\",\"allowed\":false,\"status\":{\"code\":403,\"message\":"
		     "\"registry.example.com/x:1: no trust data\\nsecond \\\"line\\\"\"}}}");
	signp_buf_clear(&out);

	assert_int_equal(signp_review_response(&out, UID, 0, NULL, NULL, &err), SIGN_OK);
	assert_string_equal(out.ptr, HEAD "{\"uid\":\"" UID "\",\"allowed\":false,\"status\":"
					  "{\"code\":403,\"message\":\"\"}}}");
	signp_buf_clear(&out);

	assert_int_equal(signp_review_response(&out, UID, 1, NULL, patch, &err), SIGN_OK);
	assert_true(signp_str_has_prefix(out.ptr, HEAD "{\"uid\":\"" UID "\",\"allowed\":true,"
						  "\"patchType\":\"JSONPatch\",\"patch\":\""));
	assert_true(signp_str_has_suffix(out.ptr, "\"}}"));
	b64 = strstr(out.ptr, "\"patch\":\"") + 9;
	assert_int_equal(signp_b64_decode(&dec, b64, strlen(b64) - 3), SIGN_OK);
	assert_string_equal(dec.ptr, patch);
	sign_buf_dispose(&dec);
	sign_buf_dispose(&out);

	assert_int_equal(signp_review_response(&out, UID, 0, "no", patch, &err), SIGN_EINVAL);
	assert_string_equal(err.message, "admission review answer: a patch on a denial");
	assert_int_equal(signp_review_response(&out, "", 1, NULL, NULL, &err), SIGN_EINVAL);
	assert_string_equal(err.message, "admission review answer: no uid");
	assert_int_equal(signp_review_response(&out, "\xff", 1, NULL, NULL, &err), SIGN_EINVAL);
	assert_string_equal(err.message, "admission review answer: the uid is not UTF-8");
	assert_null(out.ptr);
}

/* The decoded patch of an answer (or "" without one). */
static void answer_patch(sign_buf *patch, const signp_review *r, const char *const *pinned)
{
	sign_buf out = SIGN_BUF_INIT;
	sign_error err;
	const char *p, *end;
	assert_int_equal(signp_review_answer(&out, r, 1, NULL, pinned, &err), SIGN_OK);
	assert_true(signp_str_has_prefix(out.ptr, HEAD "{\"uid\":\"" UID "\",\"allowed\":true"));
	p = strstr(out.ptr, "\"patch\":\"");
	signp_buf_clear(patch);
	signp_buf_puts(patch, "");
	if (p != NULL) {
		assert_non_null(strstr(out.ptr, ",\"patchType\":\"JSONPatch\",\"patch\":\""));
		p += 9;
		end = strchr(p, '"');
		assert_int_equal(signp_b64_decode(patch, p, (size_t)(end - p)), SIGN_OK);
		assert_string_equal(end, "\"}}");
	} else {
		assert_string_equal(out.ptr, HEAD "{\"uid\":\"" UID "\",\"allowed\":true}}");
	}
	sign_buf_dispose(&out);
}

static void test_answer(void **state)
{
	signp_review *r;
	sign_buf patch = SIGN_BUF_INIT, out = SIGN_BUF_INIT;
	sign_error err;
	const char *const pinned[] = { "registry.example.com/team/api@sha256:" D64, NULL,
		"registry.example.com/team/web@sha256:" D64 };
	const char *const same[] = { NULL, "registry.example.com/team/side@sha256:" D64, NULL };
	const char *const badpin[] = { "registry.example.com/team/api:v4", NULL, NULL };
	(void)state;

	r = parse_ok(REVIEW("apps", "Deployment",
		"{\"spec\":{\"template\":{\"spec\":{\"containers\":["
		"{\"image\":\"registry.example.com/team/api:v3\"},"
		"{\"image\":\"registry.example.com/team/side@sha256:" D64 "\"}],"
		"\"initContainers\":[{\"image\":\"registry.example.com/team/web\"}]}}}}"));
	answer_patch(&patch, r, pinned);
	assert_string_equal(patch.ptr,
		"[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\","
		"\"value\":\"registry.example.com/team/api@sha256:" D64 "\"},"
		"{\"op\":\"replace\",\"path\":\"/spec/template/spec/initContainers/0/image\","
		"\"value\":\"registry.example.com/team/web@sha256:" D64 "\"}]");
	/* already by digest, or nothing pinned: no patch */
	answer_patch(&patch, r, same);
	assert_string_equal(patch.ptr, "");
	answer_patch(&patch, r, NULL);
	assert_string_equal(patch.ptr, "");

	/* a denial ignores pinned and carries the message */
	assert_int_equal(signp_review_answer(&out, r, 0, "registry.example.com/team/api:v3: not signed",
				 pinned, &err), SIGN_OK);
	assert_string_equal(out.ptr, HEAD "{\"uid\":\"" UID "\",\"allowed\":false,\"status\":{\"code\":403,"
					  "\"message\":\"registry.example.com/team/api:v3: not signed\"}}}");
	sign_buf_dispose(&out);

	assert_int_equal(signp_review_answer(&out, r, 1, NULL, badpin, &err), SIGN_EINVAL);
	assert_string_equal(err.message,
		"admission review answer: the pinned image 0 is not repo@sha256:<digest>");
	assert_null(out.ptr);
	sign_buf_dispose(&patch);
	signp_review_free(r);
	signp_review_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_no_images),
		cmocka_unit_test(test_one_pass),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_peek_uid),
		cmocka_unit_test(test_pointer_escape),
		cmocka_unit_test(test_response),
		cmocka_unit_test(test_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_admit.c - the admission decision engine (sign_admission.h) over an
 * OCI layout made here, standing in for the registry (`trust: layout`
 * rules): no network.  An owner home signs tags into the layout; the
 * engine verifies from a home of its own.  Tags: v1, v3 and v5 signed, v2
 * and v4 not (v4 is signed later, by the cache bound test).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>

#include "memtrust.h"

#include "admit.h"
#include "ctx.h"
#include "http.h"
#include "review.h"
#include "sign_admission.h"

#define IMG "registry.example.com/team/app"

static char dir[1024];
static char layout[1200], owner_home[1200], engine_home[1200];
static char policy_path[1200], bad_policy_path[1200];
static char d1[80], d2[80], d3[80], d4[80], d5[80];
static size_t s2;
static sign_ctx *owner;

/* ---------------------------------------------------------------------- */
/* a small OCI layout (as test_engine_push.c makes it)                     */

static void write_all(const char *path, const void *data, size_t len)
{
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (signp_write_file_atomic(path, data, len, 0644, &err) != SIGN_OK)
		fail_msg("%s: %s", path, err.message);
}

static void put_blob(const char *data, size_t len, char out[80])
{
	char path[1400];
	signp_digest(out, data, len);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, out + 7);
	write_all(path, data, len);
}

static void set_tag(const char *tag, const char *digest, size_t size)
{
	char path[1300];
	json_t *idx, *mans, *e;
	size_t i;
	char *s;
	snprintf(path, sizeof(path), "%s/index.json", layout);
	idx = json_load_file(path, 0, NULL);
	assert_non_null(idx);
	mans = json_object_get(idx, "manifests");
	for (i = 0; i < json_array_size(mans); i++) {
		const char *n = json_string_value(json_object_get(json_object_get(
			json_array_get(mans, i), "annotations"), "org.opencontainers.image.ref.name"));
		if (n && strcmp(n, tag) == 0) {
			json_array_remove(mans, i);
			break;
		}
	}
	e = json_pack("{s:s, s:s, s:I, s:{s:s}}", "mediaType", "application/vnd.oci.image.manifest.v1+json",
		"digest", digest, "size", (json_int_t)size, "annotations",
		"org.opencontainers.image.ref.name", tag);
	json_array_append_new(mans, e);
	s = json_dumps(idx, JSON_COMPACT);
	write_all(path, s, strlen(s));
	free(s);
	json_decref(idx);
}

static size_t mk_image(const char *tag, int seed, char out[80])
{
	char layer[64], layer_d[80], config[512], config_d[80], manifest[1024];
	int ln, cn, mn;
	ln = snprintf(layer, sizeof(layer), "hello from the admission test, seed %d\n", seed);
	put_blob(layer, (size_t)ln, layer_d);
	cn = snprintf(config, sizeof(config), "{\"architecture\":\"amd64\",\"os\":\"linux\","
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}", layer_d);
	put_blob(config, (size_t)cn, config_d);
	mn = snprintf(manifest, sizeof(manifest), "{\"schemaVersion\":2,\"mediaType\":"
		"\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
		"\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%d},"
		"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		"\"digest\":\"%s\",\"size\":%d}]}", config_d, cn, layer_d, ln);
	put_blob(manifest, (size_t)mn, out);
	set_tag(tag, out, (size_t)mn);
	return (size_t)mn;
}

static void push(const char *tag)
{
	sign_push_options o = SIGN_PUSH_OPTIONS_INIT;
	sign_push_result res = SIGN_PUSH_RESULT_INIT;
	sign_error err;
	char ref[1300];
	memset(&err, 0, sizeof(err));
	snprintf(ref, sizeof(ref), "oci:%s:%s", layout, tag);
	if (sign_push(&res, owner, ref, &o, &err) != SIGN_OK)
		fail_msg("push %s: %s", ref, err.message);
}

static void write_policy(const char *path, const char *text)
{
	write_all(path, text, strlen(text));
}

static int group_setup(void **state)
{
	char path[1400], pol[4096];
	(void)state;
	if (sign_global_init() != SIGN_OK)
		return -1;
	mt_tmpdir(dir, sizeof(dir), "admit");
	snprintf(layout, sizeof(layout), "%s/img", dir);
	snprintf(owner_home, sizeof(owner_home), "%s/owner", dir);
	snprintf(engine_home, sizeof(engine_home), "%s/engine", dir);
	snprintf(policy_path, sizeof(policy_path), "%s/policy.yaml", dir);
	snprintf(bad_policy_path, sizeof(bad_policy_path), "%s/bad.yaml", dir);
	snprintf(path, sizeof(path), "%s/blobs/sha256", layout);
	if (signp_mkdirs(path, 0755, NULL) != SIGN_OK)
		return -1;
	snprintf(path, sizeof(path), "%s/oci-layout", layout);
	write_all(path, "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	snprintf(path, sizeof(path), "%s/index.json", layout);
	write_all(path, "{\"schemaVersion\":2,\"manifests\":[]}", 34);
	mk_image("v1", 1, d1);
	s2 = mk_image("v2", 2, d2);
	mk_image("v3", 3, d3);
	mk_image("v4", 4, d4);
	mk_image("v5", 5, d5);
	owner = mt_ctx(owner_home, 0);
	push("v1");
	push("v3");
	push("v5");
	snprintf(pol, sizeof(pol),
		"rules:\n"
		"- images: [\"registry.example.com/team/*\"]\n"
		"  trust: layout\n"
		"  layout: %s\n"
		"- images: [\"registry.example.com/public/*\"]\n"
		"  action: allow\n"
		"- images: [\"registry.example.com/evil/*\"]\n"
		"  name: no-evil\n"
		"  action: deny\n"
		"exemptNamespaces: [kube-system]\n", layout);
	write_policy(policy_path, pol);
	write_policy(bad_policy_path, "rules:\n- images: [\"*\"]\n  trust: nowhere\n");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	sign_ctx_free(owner);
	return mt_rmtree(dir);
}

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

typedef struct eng {
	sign_admission *adm;
	sign_admission_worker *w;
} eng;

static void eng_open_ex(eng *e, long ttl, size_t entries, long resolve_ttl)
{
	sign_ctx_options co = SIGN_CTX_OPTIONS_INIT;
	sign_admission_options o = SIGN_ADMISSION_OPTIONS_INIT;
	sign_error err;
	memset(&err, 0, sizeof(err));
	co.home = engine_home;
	co.log_cb = mt_log;
	o.ctx = &co;
	o.cache_ttl_seconds = ttl;
	o.cache_entries = entries;
	o.resolve_ttl_seconds = resolve_ttl;
	if (sign_admission_new(&e->adm, &o, &err) != SIGN_OK)
		fail_msg("sign_admission_new: %s", err.message);
	if (sign_admission_load_policy(e->adm, policy_path, &err) != SIGN_OK)
		fail_msg("load policy: %s", err.message);
	if (sign_admission_worker_new(&e->w, e->adm, &err) != SIGN_OK)
		fail_msg("worker: %s", err.message);
}

static void eng_open(eng *e, long ttl, size_t entries)
{
	eng_open_ex(e, ttl, entries, 0);
}

static void eng_close(eng *e)
{
	sign_admission_worker_free(e->w);
	sign_admission_free(e->adm);
}

/* An AdmissionReview of a Pod with images (NULL-terminated) in ns. */
static char *pod_review(const char *uid, const char *ns, const char *const *images)
{
	json_t *cs = json_array(), *j;
	char *s;
	for (size_t i = 0; images[i] != NULL; i++) {
		char name[32];
		snprintf(name, sizeof(name), "c%u", (unsigned)(i % 1000));
		json_array_append_new(cs, json_pack("{s:s, s:s}", "name", name, "image", images[i]));
	}
	j = json_pack("{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:{s:{s:o}}}}",
		"apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview", "request",
		"uid", uid, "kind", "group", "", "version", "v1", "kind", "Pod",
		"operation", "CREATE", "namespace", ns, "name", "p", "object", "spec",
		"containers", cs);
	assert_non_null(j);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	assert_non_null(s);
	return s;
}

static int review_body(sign_admission_decision *d, sign_admission_worker *w, const char *body,
	size_t len, sign_admission_mode mode, int64_t deadline)
{
	sign_error err;
	int64_t now = sign_admission_now_ms();
	int r;
	memset(&err, 0, sizeof(err));
	r = sign_admission_review(d, w, body, len, mode, now, deadline ? deadline : now + 10000, &err);
	if (r != SIGN_OK)
		fail_msg("review: %s", err.message);
	return r;
}

/* Review a Pod of one image in ns; the decision in d. */
static void review1(sign_admission_decision *d, eng *e, const char *image, const char *ns,
	sign_admission_mode mode)
{
	const char *imgs[2] = { image, NULL };
	char *body = pod_review("uid-1", ns, imgs);
	review_body(d, e->w, body, strlen(body), mode, 0);
	free(body);
}

static json_t *answer_json(const sign_admission_decision *d)
{
	json_t *j = json_loadb(d->answer.ptr, d->answer.size, 0, NULL);
	assert_non_null(j);
	return j;
}

/* The answer's response.status.message ("" when none). */
static void assert_message(const sign_admission_decision *d, const char *want)
{
	json_t *j = answer_json(d);
	const char *m = json_string_value(json_object_get(json_object_get(json_object_get(j,
		"response"), "status"), "message"));
	if (m == NULL || strcmp(m, want) != 0)
		fail_msg("want message \"%s\", got \"%s\"", want, m ? m : "(none)");
	json_decref(j);
}

static void assert_allowed(const sign_admission_decision *d, int want)
{
	json_t *j = answer_json(d);
	assert_int_equal(d->http_status, 200);
	assert_int_equal(d->allowed, want);
	assert_true(json_is_true(json_object_get(json_object_get(j, "response"), "allowed")) == (want != 0));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "response"), "uid")),
		"uid-1");
	json_decref(j);
}

static json_t *audit_json(const sign_admission_decision *d)
{
	json_t *j = json_loadb(d->audit.ptr, d->audit.size, 0, NULL);
	assert_non_null(j);
	assert_null(strchr(d->audit.ptr, '\n'));
	return j;
}

static void stats(sign_admission_stats *st, eng *e)
{
	sign_admission_stats init = SIGN_ADMISSION_STATS_INIT;
	*st = init;
	assert_int_equal(sign_admission_stats_get(st, e->adm), SIGN_OK);
}

/* ---------------------------------------------------------------------- */
/* tests                                                                   */

static void test_signed_allowed(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	sign_admission_stats st;
	json_t *a;
	eng e;
	(void)state;
	eng_open(&e, 0, 0);
	review1(&d, &e, IMG ":v1", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 1);
	assert_int_equal(d.images, 1);
	assert_int_equal(d.verifications, 1);
	assert_int_equal(d.cache_hits, 0);
	a = audit_json(&d);
	assert_string_equal(json_string_value(json_object_get(a, "result")), "allow");
	assert_string_equal(json_string_value(json_object_get(a, "uid")), "uid-1");
	assert_string_equal(json_string_value(json_object_get(a, "namespace")), "team");
	assert_string_equal(json_string_value(json_object_get(a, "kind")), "Pod");
	assert_string_equal(json_string_value(json_object_get(a, "operation")), "CREATE");
	assert_string_equal(json_string_value(json_object_get(a, "mode")), "validate");
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "images"), 0)), IMG ":v1");
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "digests"), 0)), d1);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(a, "rules"), 0)), 1);
	assert_true(json_is_false(json_array_get(json_object_get(a, "cached"), 0)));
	assert_int_equal(json_array_size(json_object_get(a, "reasons")), 0);
	assert_true(json_is_integer(json_object_get(a, "latency_ms")));
	assert_non_null(json_string_value(json_object_get(a, "time")));
	json_decref(a);

	/* the second review of the image: from the cache */
	review1(&d, &e, IMG ":v1", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 1);
	assert_int_equal(d.cache_hits, 1);
	assert_int_equal(d.verifications, 0);
	a = audit_json(&d);
	assert_true(json_is_true(json_array_get(json_object_get(a, "cached"), 0)));
	json_decref(a);
	stats(&st, &e);
	assert_int_equal(st.allowed, 2);
	assert_int_equal(st.verifications, 1);
	assert_int_equal(st.cache_hits, 1);
	assert_int_equal(st.cache_misses, 1);
	assert_int_equal(st.cache_size, 1);
	assert_int_equal(st.policy_generation, 1);
	assert_int_equal(st.policy_rules, 3);
	assert_int_equal(st.in_flight, 0);
	sign_admission_decision_dispose(&d);
	eng_close(&e);
}

static void test_mutate_patch(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	sign_buf patch = SIGN_BUF_INIT;
	char want[600];
	json_t *j;
	const char *p;
	eng e;
	(void)state;
	eng_open(&e, 0, 0);
	review1(&d, &e, IMG ":v1", "team", SIGN_ADMISSION_MUTATE);
	assert_allowed(&d, 1);
	j = answer_json(&d);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "response"), "patchType")),
		"JSONPatch");
	p = json_string_value(json_object_get(json_object_get(j, "response"), "patch"));
	assert_non_null(p);
	assert_int_equal(signp_b64_decode(&patch, p, strlen(p)), SIGN_OK);
	snprintf(want, sizeof(want), "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\","
		"\"value\":\"" IMG "@%s\"}]", d1);
	assert_string_equal(patch.ptr, want);
	json_decref(j);
	j = audit_json(&d);
	assert_string_equal(json_string_value(json_object_get(j, "mode")), "mutate");
	json_decref(j);

	/* an image given by digest verifies by it and needs no patch */
	snprintf(want, sizeof(want), IMG "@%s", d1);
	review1(&d, &e, want, "team", SIGN_ADMISSION_MUTATE);
	assert_allowed(&d, 1);
	j = answer_json(&d);
	assert_null(json_object_get(json_object_get(j, "response"), "patch"));
	json_decref(j);
	sign_buf_dispose(&patch);
	sign_admission_decision_dispose(&d);
	eng_close(&e);
}

static void test_unsigned_denied(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	sign_admission_stats st;
	char want[2048];
	json_t *a;
	eng e;
	(void)state;
	eng_open(&e, 0, 0);
	review1(&d, &e, IMG ":v2", "team", SIGN_ADMISSION_MUTATE);
	assert_allowed(&d, 0);
	snprintf(want, sizeof(want), "image " IMG ":v2 (rule 1): verifying oci:%s:v2: "
		"local/img:v2 is not signed: no trust data for that tag", layout);
	assert_message(&d, want);
	a = audit_json(&d);
	assert_string_equal(json_string_value(json_object_get(a, "result")), "deny");
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "reasons"), 0)), want);
	json_decref(a);
	/* failures are not cached */
	review1(&d, &e, IMG ":v2", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 0);
	assert_int_equal(d.cache_hits, 0);
	assert_int_equal(d.verifications, 1);
	stats(&st, &e);
	assert_int_equal(st.denied, 2);
	assert_int_equal(st.verifications, 2);
	assert_int_equal(st.cache_size, 0);
	sign_admission_decision_dispose(&d);
	eng_close(&e);
}

static void test_rules(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	const char *imgs[] = { "registry.example.com/public/x:1", "registry.example.com/evil/x:1",
		"quay.io/other/thing:2", IMG ":v2", NULL };
	char *body;
	json_t *a;
	eng e;
	(void)state;
	eng_open(&e, 0, 0);
	review1(&d, &e, "registry.example.com/public/x:1", "team", SIGN_ADMISSION_MUTATE);
	assert_allowed(&d, 1);
	assert_int_equal(d.verifications, 0);
	review1(&d, &e, "registry.example.com/evil/x:1", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 0);
	assert_message(&d, "image registry.example.com/evil/x:1 (rule 3 \"no-evil\"): denied by the policy");
	review1(&d, &e, "quay.io/other/thing:2", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 0);
	assert_message(&d, "image quay.io/other/thing:2: no policy rule matches (denied by default)");
	review1(&d, &e, "Not A Reference", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 0);
	assert_message(&d, "image Not A Reference: reference \"Not A Reference\": invalid repository "
		"name \"Not A Reference\" (lowercase letters, digits and separators . _ __ - between "
		"components): denied");

	/* an exempt namespace: allowed without a look */
	body = pod_review("uid-1", "kube-system", imgs);
	review_body(&d, e.w, body, strlen(body), SIGN_ADMISSION_VALIDATE, 0);
	free(body);
	assert_allowed(&d, 1);
	assert_int_equal(d.images, 4);
	assert_int_equal(d.verifications, 0);
	a = audit_json(&d);
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "rules"), 0)), "exempt");
	json_decref(a);

	/* several refused images: each named, joined with "; " */
	body = pod_review("uid-1", "team", imgs);
	review_body(&d, e.w, body, strlen(body), SIGN_ADMISSION_VALIDATE, 0);
	free(body);
	assert_allowed(&d, 0);
	{
		char want[3000];
		snprintf(want, sizeof(want), "image registry.example.com/evil/x:1 (rule 3 \"no-evil\"): "
			"denied by the policy; image quay.io/other/thing:2: no policy rule matches (denied "
			"by default); image " IMG ":v2 (rule 1): verifying oci:%s:v2: "
			"local/img:v2 is not signed: no trust data for that tag", layout);
		assert_message(&d, want);
	}
	a = audit_json(&d);
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "rules"), 1)), "no-evil");
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "rules"), 2)), "default");
	assert_true(json_is_null(json_array_get(json_object_get(a, "digests"), 0)));
	assert_int_equal(json_array_size(json_object_get(a, "reasons")), 3);
	json_decref(a);
	sign_admission_decision_dispose(&d);
	eng_close(&e);
}

static void test_kinds_and_bodies(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	const char *svc = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
		"\"request\":{\"uid\":\"uid-1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Service\"},"
		"\"operation\":\"CREATE\",\"namespace\":\"team\",\"object\":{\"spec\":{}}}}";
	const char *del = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
		"\"request\":{\"uid\":\"uid-1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
		"\"operation\":\"DELETE\",\"namespace\":\"team\",\"object\":null}}";
	const char *noop = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
		"\"request\":{\"uid\":\"uid-1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
		"\"namespace\":\"team\",\"object\":{}}}";
	const char *norequest = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}";
	sign_admission_stats st;
	json_t *j;
	char *big;
	eng e;
	(void)state;
	eng_open(&e, 0, 0);

	review_body(&d, e.w, svc, strlen(svc), SIGN_ADMISSION_VALIDATE, 0);
	assert_allowed(&d, 0);
	assert_message(&d, "kind Service (group \"\") holds no pod spec: sign admission reviews Pods "
		"and workloads; narrow the webhook's rules");

	/* in an exempt namespace, any kind passes */
	{
		char *svc2 = strdup(svc), *at = strstr(svc2, "\"team\"");
		char body[1024];
		assert_non_null(at);
		*at = '\0';
		snprintf(body, sizeof(body), "%s\"kube-system\"%s", svc2, at + 6);
		free(svc2);
		review_body(&d, e.w, body, strlen(body), SIGN_ADMISSION_VALIDATE, 0);
		assert_allowed(&d, 1);
	}

	review_body(&d, e.w, del, strlen(del), SIGN_ADMISSION_VALIDATE, 0);
	assert_allowed(&d, 1);
	assert_int_equal(d.images, 0);

	/* a review the parser refuses, with a usable uid: a reasoned denial */
	review_body(&d, e.w, noop, strlen(noop), SIGN_ADMISSION_VALIDATE, 0);
	assert_allowed(&d, 0);
	j = answer_json(&d);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(json_object_get(j,
		"response"), "status"), "message")), "operation"));
	json_decref(j);

	/* no uid: 400 with the reason */
	review_body(&d, e.w, "not json", 8, SIGN_ADMISSION_VALIDATE, 0);
	assert_int_equal(d.http_status, 400);
	assert_int_equal(d.allowed, 0);
	j = answer_json(&d);
	assert_non_null(strstr(json_string_value(json_object_get(j, "error")), "admission review"));
	json_decref(j);
	j = audit_json(&d);
	assert_string_equal(json_string_value(json_object_get(j, "result")), "error");
	json_decref(j);

	review_body(&d, e.w, norequest, strlen(norequest), SIGN_ADMISSION_VALIDATE, 0);
	assert_int_equal(d.http_status, 400);
	j = answer_json(&d);
	assert_non_null(strstr(json_string_value(json_object_get(j, "error")), "request"));
	json_decref(j);

	/* over the bound: 400 */
	big = calloc(1, SIGNP_REVIEW_MAX_BODY + 2);
	assert_non_null(big);
	memset(big, ' ', SIGNP_REVIEW_MAX_BODY + 1);
	review_body(&d, e.w, big, SIGNP_REVIEW_MAX_BODY + 1, SIGN_ADMISSION_VALIDATE, 0);
	free(big);
	assert_int_equal(d.http_status, 400);
	j = answer_json(&d);
	assert_string_equal(json_string_value(json_object_get(j, "error")),
		"admission review: a body of 3145729 bytes is over the bound of 3145728 bytes");
	json_decref(j);

	/* refusals without a review */
	{
		const char *imgs[2] = { IMG ":v1", NULL };
		char *body = pod_review("uid-1", "team", imgs);
		sign_error err;
		memset(&err, 0, sizeof(err));
		assert_int_equal(sign_admission_refuse(&d, e.adm, body, strlen(body), "sign admission: draining",
			sign_admission_now_ms(), &err), SIGN_OK);
		free(body);
		assert_allowed(&d, 0);
		assert_message(&d, "sign admission: draining");
		assert_int_equal(sign_admission_refuse(&d, e.adm, "{}", 2, "sign admission: draining",
			sign_admission_now_ms(), &err), SIGN_OK);
		assert_int_equal(d.http_status, 400);
		assert_string_equal(d.answer.ptr, "{\"error\":\"sign admission: draining\"}");
	}
	stats(&st, &e);
	assert_int_equal(st.bad_requests, 4);
	sign_admission_decision_dispose(&d);
	eng_close(&e);
}

static void test_tag_moved(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	char want[2048];
	eng e;
	(void)state;
	eng_open(&e, 0, 0);
	review1(&d, &e, IMG ":v3", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 1);
	review1(&d, &e, IMG ":v3", "team", SIGN_ADMISSION_VALIDATE);
	assert_int_equal(d.cache_hits, 1);
	/* v3 now names the unsigned image: resolved anew, a miss, denied */
	set_tag("v3", d2, s2);
	review1(&d, &e, IMG ":v3", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 0);
	assert_int_equal(d.cache_hits, 0);
	assert_int_equal(d.verifications, 1);
	/* as sign verify says it */
	snprintf(want, sizeof(want), "image " IMG ":v3 (rule 1): verifying oci:%s:v3: local/img:v3 moved: "
		"it now points to %s but the signed digest is %s", layout, d2, d3);
	assert_message(&d, want);
	sign_admission_decision_dispose(&d);
	eng_close(&e);
}

static void test_policy_reload(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	sign_admission_stats st;
	sign_error err;
	char missing[1300], pol[2048];
	eng e;
	(void)state;
	eng_open(&e, 0, 0);
	review1(&d, &e, IMG ":v1", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 1);
	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_admission_load_policy(e.adm, bad_policy_path, &err), SIGN_EFORMAT);
	assert_non_null(strstr(err.message, "rules[0].trust"));
	/* a rule naming a key file that is not there */
	snprintf(missing, sizeof(missing), "%s/missing.yaml", dir);
	snprintf(pol, sizeof(pol), "rules:\n- images: [\"*\"]\n  trust: key\n  key: %s/nokey.pub\n", dir);
	write_policy(missing, pol);
	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_admission_load_policy(e.adm, missing, &err), SIGN_ENOTFOUND);
	{
		char want[1400];
		snprintf(want, sizeof(want), "policy %s: rules[0].key (line 2): ", missing);
		if (strncmp(err.message, want, strlen(want)) != 0 || strstr(err.message, "nokey.pub") == NULL)
			fail_msg("message: %s", err.message);
	}
	stats(&st, &e);
	assert_int_equal(st.policy_reload_failures, 2);
	assert_int_equal(st.policy_generation, 1);
	/* the old policy still rules, its cache entry too */
	review1(&d, &e, IMG ":v1", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 1);
	assert_int_equal(d.cache_hits, 1);
	/* a reload that takes: a new generation, the old results not reused */
	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_admission_load_policy(e.adm, policy_path, &err), SIGN_OK);
	stats(&st, &e);
	assert_int_equal(st.policy_generation, 2);
	review1(&d, &e, IMG ":v1", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 1);
	assert_int_equal(d.cache_hits, 0);
	assert_int_equal(d.verifications, 1);
	sign_admission_decision_dispose(&d);
	eng_close(&e);
}

static void test_deadline(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	const char *imgs[2] = { IMG ":v1", NULL };
	sign_admission_stats st;
	char *body = pod_review("uid-1", "team", imgs);
	sign_error err;
	int64_t now = sign_admission_now_ms();
	eng e;
	(void)state;
	eng_open(&e, 0, 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_admission_review(&d, e.w, body, strlen(body), SIGN_ADMISSION_VALIDATE,
		now - 250, now - 50, &err), SIGN_OK);
	free(body);
	assert_allowed(&d, 0);
	assert_int_equal(d.deadline_exceeded, 1);
	assert_message(&d, "image " IMG ":v1 (rule 1): deadline exceeded: not verified within 200 ms");
	stats(&st, &e);
	assert_int_equal(st.deadline_exceeded, 1);
	assert_int_equal(st.verifications, 0);
	sign_admission_decision_dispose(&d);
	eng_close(&e);
}

/* A context whose deadline is past: its HTTP transfers fail at once. */
static void test_ctx_deadline(void **state)
{
	sign_ctx *ctx = mt_ctx(engine_home, 0);
	sign_verify_options vo = SIGN_VERIFY_OPTIONS_INIT;
	sign_verify_result res = SIGN_VERIFY_RESULT_INIT;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	signp_ctx_set_deadline(ctx, signp_monotonic_ms() - 1);
	assert_int_equal(sign_verify(&res, ctx, "127.0.0.1:9/nothing/here:v1", &vo, &err), SIGN_ENET);
	if (strstr(err.message, "deadline exceeded") == NULL)
		fail_msg("message: %s", err.message);
	sign_verify_result_dispose(&res);
	sign_ctx_free(ctx);
}

/* A loopback TCP socket bound to a free port (listening when listen_too:
 * connections are queued and never answered). */
static int loopback_socket(int listen_too, int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	if (listen_too)
		assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* A registry that accepts connections and never answers: the review's
 * deadline ends it, and the image is denied (fail closed). */
static void test_registry_silent(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	sign_admission_stats st;
	char pol[512], path[1300], image[64], want[256], *body;
	const char *imgs[2] = { image, NULL };
	sign_error err;
	int port, fd = loopback_socket(1, &port);
	int64_t now;
	eng e;
	(void)state;
	eng_open(&e, 0, 0);
	snprintf(path, sizeof(path), "%s/silent.yaml", dir);
	snprintf(pol, sizeof(pol), "rules:\n- images: [\"127.0.0.1:%d/*\"]\n  trust: registry\n", port);
	write_policy(path, pol);
	memset(&err, 0, sizeof(err));
	if (sign_admission_load_policy(e.adm, path, &err) != SIGN_OK)
		fail_msg("policy: %s", err.message);
	snprintf(image, sizeof(image), "127.0.0.1:%d/app:v1", port);
	body = pod_review("uid-1", "team", imgs);
	now = sign_admission_now_ms();
	assert_int_equal(sign_admission_review(&d, e.w, body, strlen(body), SIGN_ADMISSION_VALIDATE,
		now, now + 300, &err), SIGN_OK);
	free(body);
	close(fd);
	assert_allowed(&d, 0);
	assert_int_equal(d.deadline_exceeded, 1);
	assert_true(d.upstream_errors >= 1);
	snprintf(want, sizeof(want), "image %s (rule 1): deadline exceeded: not verified within 300 ms",
		image);
	assert_message(&d, want);
	stats(&st, &e);
	assert_int_equal(st.in_flight, 0);
	assert_int_equal(st.deadline_exceeded, 1);
	sign_admission_decision_dispose(&d);
	eng_close(&e);
}

/* A registry that is down: denied at once, with the reason. */
static void test_registry_down(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	char pol[512], path[1300], image[64], want[256], *body;
	const char *imgs[2] = { image, NULL };
	sign_error err;
	int port, fd = loopback_socket(0, &port);
	json_t *j;
	const char *m;
	eng e;
	(void)state;
	close(fd); /* nobody listens there now */
	eng_open(&e, 0, 0);
	snprintf(path, sizeof(path), "%s/down.yaml", dir);
	snprintf(pol, sizeof(pol), "rules:\n- images: [\"127.0.0.1:%d/*\"]\n  trust: registry\n", port);
	write_policy(path, pol);
	memset(&err, 0, sizeof(err));
	if (sign_admission_load_policy(e.adm, path, &err) != SIGN_OK)
		fail_msg("policy: %s", err.message);
	snprintf(image, sizeof(image), "127.0.0.1:%d/app:v1", port);
	body = pod_review("uid-1", "team", imgs);
	review_body(&d, e.w, body, strlen(body), SIGN_ADMISSION_VALIDATE, sign_admission_now_ms() + 60000);
	free(body);
	assert_allowed(&d, 0);
	assert_int_equal(d.deadline_exceeded, 0);
	assert_true(d.upstream_errors >= 1);
	snprintf(want, sizeof(want), "image %s (rule 1): resolving tag v1: ", image);
	j = answer_json(&d);
	m = json_string_value(json_object_get(json_object_get(json_object_get(j, "response"), "status"),
		"message"));
	if (m == NULL || strncmp(m, want, strlen(want)) != 0 || strstr(m, "registry 127.0.0.1:") == NULL)
		fail_msg("message: %s", m ? m : "(none)");
	json_decref(j);
	sign_admission_decision_dispose(&d);
	eng_close(&e);
}

/* A worker meets more registries than a context has slots for: each
 * review of each still reaches its registry (down here: refused). */
static void test_many_registries(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	char path[1300], image[64];
	const char *imgs[2] = { image, NULL };
	sign_error err;
	eng e;
	(void)state;
	eng_open(&e, 0, 0);
	snprintf(path, sizeof(path), "%s/any.yaml", dir);
	write_policy(path, "rules:\n- images: [\"*\"]\n  trust: registry\n");
	memset(&err, 0, sizeof(err));
	if (sign_admission_load_policy(e.adm, path, &err) != SIGN_OK)
		fail_msg("policy: %s", err.message);
	for (int i = 0; i < 2 * SIGN_MAX_REGISTRIES; i++) {
		int port, fd = loopback_socket(0, &port);
		char want[256], *body;
		json_t *j;
		const char *m;
		close(fd);
		snprintf(image, sizeof(image), "127.0.0.1:%d/app:v1", port);
		body = pod_review("uid-1", "team", imgs);
		review_body(&d, e.w, body, strlen(body), SIGN_ADMISSION_VALIDATE, sign_admission_now_ms() + 60000);
		free(body);
		assert_allowed(&d, 0);
		snprintf(want, sizeof(want), "image %s (rule 1): resolving tag v1: connecting to registry 127.0.0.1:%d",
			image, port);
		j = answer_json(&d);
		m = json_string_value(json_object_get(json_object_get(json_object_get(j, "response"), "status"),
			"message"));
		if (m == NULL || strncmp(m, want, strlen(want)) != 0)
			fail_msg("review %d: %s", i, m ? m : "(none)");
		json_decref(j);
	}
	sign_admission_decision_dispose(&d);
	eng_close(&e);
}

/* ---- N reviews of one image at once: one verification ---- */

typedef struct racer {
	sign_admission *adm;
	int allowed;
} racer;

static void *race(void *arg)
{
	racer *r = arg;
	sign_admission_worker *w = NULL;
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	const char *imgs[2] = { IMG ":v1", NULL };
	char *body = pod_review("uid-1", "team", imgs);
	sign_error err;
	int64_t now = sign_admission_now_ms();
	memset(&err, 0, sizeof(err));
	if (sign_admission_worker_new(&w, r->adm, &err) == SIGN_OK &&
	    sign_admission_review(&d, w, body, strlen(body), SIGN_ADMISSION_VALIDATE, now, now + 60000,
		&err) == SIGN_OK)
		r->allowed = d.allowed;
	free(body);
	sign_admission_decision_dispose(&d);
	sign_admission_worker_free(w);
	return NULL;
}

#define RACERS 8

static void test_singleflight_engine(void **state)
{
	pthread_t t[RACERS];
	racer rs[RACERS];
	sign_admission_stats st;
	eng e;
	(void)state;
	eng_open(&e, 0, 0);
	for (int i = 0; i < RACERS; i++) {
		rs[i].adm = e.adm;
		rs[i].allowed = -1;
		assert_int_equal(pthread_create(&t[i], NULL, race, &rs[i]), 0);
	}
	for (int i = 0; i < RACERS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(rs[i].allowed, 1);
	}
	stats(&st, &e);
	assert_int_equal(st.verifications, 1);
	assert_int_equal(st.cache_hits, RACERS - 1);
	assert_int_equal(st.allowed, RACERS);
	eng_close(&e);
}

/* Reviews go on while the policy is reloaded again and again: each ends
 * under the policy it started with, none fails. */
#define LOOPS 40

typedef struct looper {
	sign_admission *adm;
	int allowed;
} looper;

static void *review_loop(void *arg)
{
	looper *l = arg;
	sign_admission_worker *w = NULL;
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	const char *imgs[3] = { IMG ":v1", "registry.example.com/public/x:1", NULL };
	char *body = pod_review("uid-1", "team", imgs);
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (sign_admission_worker_new(&w, l->adm, &err) == SIGN_OK) {
		for (int i = 0; i < LOOPS; i++) {
			int64_t now = sign_admission_now_ms();
			if (sign_admission_review(&d, w, body, strlen(body), SIGN_ADMISSION_MUTATE, now,
				now + 60000, &err) == SIGN_OK && d.allowed)
				l->allowed++;
		}
	}
	free(body);
	sign_admission_decision_dispose(&d);
	sign_admission_worker_free(w);
	return NULL;
}

static void test_reload_under_load(void **state)
{
	pthread_t t[4];
	looper ls[4];
	sign_admission_stats st;
	sign_error err;
	eng e;
	(void)state;
	eng_open(&e, 0, 0);
	for (int i = 0; i < 4; i++) {
		ls[i].adm = e.adm;
		ls[i].allowed = 0;
		assert_int_equal(pthread_create(&t[i], NULL, review_loop, &ls[i]), 0);
	}
	for (int i = 0; i < 20; i++) {
		memset(&err, 0, sizeof(err));
		if (sign_admission_load_policy(e.adm, policy_path, &err) != SIGN_OK)
			fail_msg("reload %d: %s", i, err.message);
		assert_int_equal(sign_admission_load_policy(e.adm, bad_policy_path, &err), SIGN_EFORMAT);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(ls[i].allowed, LOOPS);
	}
	stats(&st, &e);
	assert_int_equal(st.policy_generation, 21);
	assert_int_equal(st.policy_reload_failures, 20);
	assert_int_equal(st.allowed, 4 * LOOPS);
	assert_int_equal(st.in_flight, 0);
	assert_true(st.cache_size <= 21);
	eng_close(&e);
}

/* The cache layer itself: waiters block on the flight and share its end. */
typedef struct waiter {
	signp_admit_cache *c;
	int result, ok;
	char text[64];
} waiter;

static void *wait_flight(void *arg)
{
	waiter *wt = arg;
	signp_admit_flight *f = NULL;
	wt->result = (int)signp_admit_cache_claim(wt->c, "k", sign_admission_now_ms(), 0, &wt->ok,
		wt->text, sizeof(wt->text), &f);
	return NULL;
}

static void test_singleflight_cache(void **state)
{
	signp_admit_cache *c = NULL;
	signp_admit_flight *f = NULL, *g = NULL;
	pthread_t t[RACERS];
	waiter ws[RACERS];
	char text[64];
	int ok = -1;
	(void)state;
	assert_int_equal(signp_admit_cache_new(&c, 4, NULL), SIGN_OK);
	assert_int_equal(signp_admit_cache_claim(c, "k", 1, 0, &ok, text, sizeof(text), &f), SIGNP_ADMIT_RUN);
	assert_non_null(f);
	for (int i = 0; i < RACERS; i++) {
		ws[i].c = c;
		ws[i].result = -1;
		assert_int_equal(pthread_create(&t[i], NULL, wait_flight, &ws[i]), 0);
	}
	while (signp_admit_cache_waiting(c) < RACERS)
		sched_yield();
	/* one that cannot wait: its deadline is past */
	assert_int_equal(signp_admit_cache_claim(c, "k", 1, sign_admission_now_ms() - 1, &ok, text,
		sizeof(text), &g), SIGNP_ADMIT_TIMEOUT);
	assert_null(g);
	signp_admit_cache_finish(c, f, 0, 0, "verifying k: no", 0);
	for (int i = 0; i < RACERS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(ws[i].result, SIGNP_ADMIT_SHARED);
		assert_int_equal(ws[i].ok, 0);
		assert_string_equal(ws[i].text, "verifying k: no");
	}
	assert_int_equal(signp_admit_cache_size(c), 0);
	signp_admit_cache_free(c);
}

static void test_cache_bound(void **state)
{
	signp_admit_cache *c = NULL;
	signp_admit_flight *f = NULL;
	char key[32], text[16];
	int ok;
	(void)state;
	assert_int_equal(signp_admit_cache_new(&c, 10, NULL), SIGN_OK);
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		assert_int_equal(signp_admit_cache_claim(c, key, 1, 0, &ok, text, sizeof(text), &f),
			SIGNP_ADMIT_RUN);
		signp_admit_cache_finish(c, f, 1, 1000, NULL, 0);
		assert_true(signp_admit_cache_size(c) <= 10);
		/* key-0 is used again and again: the least recent ones go */
		assert_int_equal(signp_admit_cache_claim(c, "key-0", 2, 0, &ok, text, sizeof(text), &f),
			SIGNP_ADMIT_HIT);
	}
	assert_int_equal(signp_admit_cache_size(c), 10);
	assert_int_equal(signp_admit_cache_claim(c, "key-99", 2, 0, &ok, text, sizeof(text), &f),
		SIGNP_ADMIT_HIT);
	assert_int_equal(signp_admit_cache_claim(c, "key-50", 2, 0, &ok, text, sizeof(text), &f),
		SIGNP_ADMIT_RUN);
	signp_admit_cache_finish(c, f, 0, 0, "no", 0);
	/* expired: a miss */
	assert_int_equal(signp_admit_cache_claim(c, "key-99", 1000, 0, &ok, text, sizeof(text), &f),
		SIGNP_ADMIT_RUN);
	signp_admit_cache_finish(c, f, 0, 0, "no", 0);
	assert_int_equal(signp_admit_cache_size(c), 9);
	signp_admit_cache_free(c);
}

/* resolve_ttl_seconds: a tag's resolution is reused that long (a tag moved
 * meanwhile is still seen where it was); without it, never. */
static void test_resolve_ttl(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	eng e, f;
	(void)state;
	eng_open_ex(&e, 0, 0, 3600);
	review1(&d, &e, IMG ":v5", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 1);
	set_tag("v5", d2, s2);
	review1(&d, &e, IMG ":v5", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 1);
	assert_int_equal(d.cache_hits, 1);
	eng_open(&f, 0, 0);
	review1(&d, &f, IMG ":v5", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 0);
	eng_close(&f);
	eng_close(&e);
	sign_admission_decision_dispose(&d);
}

/* Options refused. */
static void test_bad_options(void **state)
{
	sign_admission_options o = SIGN_ADMISSION_OPTIONS_INIT;
	sign_admission *adm = NULL;
	sign_error err;
	(void)state;
	memset(&err, 0, sizeof(err));
	o.cache_ttl_seconds = -2;
	assert_int_equal(sign_admission_new(&adm, &o, &err), SIGN_EINVAL);
	assert_null(adm);
	assert_string_equal(err.message, "admission: a negative cache lifetime (cache_ttl_seconds -1 "
		"turns the cache off)");
	o.cache_ttl_seconds = 0;
	o.version = 99;
	assert_int_equal(sign_admission_new(&adm, &o, &err), SIGN_EINVAL);
	assert_string_equal(err.message, "admission: unsupported options version");
}

/* The cache off (-1): nothing kept, every review verifies. */
static void test_cache_off(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	sign_admission_stats st;
	eng e;
	(void)state;
	eng_open(&e, -1, 0);
	review1(&d, &e, IMG ":v1", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 1);
	review1(&d, &e, IMG ":v1", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 1);
	assert_int_equal(d.cache_hits, 0);
	stats(&st, &e);
	assert_int_equal(st.verifications, 2);
	assert_int_equal(st.cache_size, 0);
	sign_admission_decision_dispose(&d);
	eng_close(&e);
}

/* The public half of the owner's key of role into path. */
static void export_pub(const char *role, const char *path)
{
	sign_buf list = SIGN_BUF_INIT, pem = SIGN_BUF_INIT;
	sign_error err;
	json_t *keys, *k;
	size_t i;
	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_key_list(&list, owner, &err), SIGN_OK);
	keys = json_loadb(list.ptr, list.size, 0, NULL);
	assert_non_null(keys);
	json_array_foreach(keys, i, k) {
		if (strcmp(json_string_value(json_object_get(k, "role")), role) == 0) {
			assert_int_equal(sign_key_export(&pem, owner, json_string_value(json_object_get(k,
				"keyid")), SIGN_KEY_FORMAT_PUBLIC, &err), SIGN_OK);
			break;
		}
	}
	assert_true(pem.size > 0);
	write_all(path, pem.ptr, pem.size);
	json_decref(keys);
	sign_buf_dispose(&list);
	sign_buf_dispose(&pem);
}

/* A reason of d's answer: the one that starts with prefix, holding part. */
static void assert_reason(const sign_admission_decision *d, const char *prefix, const char *part)
{
	json_t *j = answer_json(d);
	const char *m = json_string_value(json_object_get(json_object_get(json_object_get(j, "response"),
		"status"), "message"));
	if (m == NULL || strncmp(m, prefix, strlen(prefix)) != 0 || strstr(m, part) == NULL)
		fail_msg("want \"%s...%s...\", got \"%s\"", prefix, part, m ? m : "(none)");
	json_decref(j);
}

/* Rules with pins (rootKeys), signers and threshold. */
static void test_pins_and_signers(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	char root[1300], repo[1300], path[1300], pol[8192], want[2048];
	sign_error err;
	eng e;
	(void)state;
	snprintf(root, sizeof(root), "%s/root.pub", dir);
	snprintf(repo, sizeof(repo), "%s/repo.pub", dir);
	export_pub("root", root);
	export_pub("targets", repo);
	snprintf(path, sizeof(path), "%s/pins.yaml", dir);
	snprintf(pol, sizeof(pol),
		"rules:\n"
		"- images: [\"registry.example.com/team/*\"]\n"
		"  trust: layout\n  layout: %s\n  rootKeys: [%s]\n  signers: [targets]\n  threshold: 1\n"
		"- images: [\"registry.example.com/wrong/*\"]\n"
		"  trust: layout\n  layout: %s\n  rootKeys: [%s]\n"
		"- images: [\"registry.example.com/alice/*\"]\n"
		"  name: alice\n  trust: layout\n  layout: %s\n  signers: [targets/alice]\n",
		layout, root, layout, repo, layout);
	write_policy(path, pol);
	eng_open(&e, 0, 0);
	memset(&err, 0, sizeof(err));
	if (sign_admission_load_policy(e.adm, path, &err) != SIGN_OK)
		fail_msg("policy: %s", err.message);
	review1(&d, &e, IMG ":v1", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 1);
	review1(&d, &e, "registry.example.com/wrong/app:v1", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 0);
	snprintf(want, sizeof(want), "image registry.example.com/wrong/app:v1 (rule 2): verifying "
		"oci:%s:v1: ", layout);
	assert_reason(&d, want, "pinned root key");
	review1(&d, &e, "registry.example.com/alice/app:v1", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 0);
	snprintf(want, sizeof(want), "image registry.example.com/alice/app:v1 (rule 3 \"alice\"): "
		"verifying oci:%s:v1: local/img:v1 is signed by 0 of the required signers (none), "
		"1 needed: missing targets/alice", layout);
	assert_reason(&d, want, "");
	sign_admission_decision_dispose(&d);
	eng_close(&e);
}

/* A success is kept until min(now + ttl, the timestamp's expiry). */
static void test_keep_until(void **state)
{
	(void)state;
	/* the ttl when the trust data lasts longer, or for a key */
	assert_int_equal(signp_admit_keep_until(5000, 60, 1000000 + 3600, 1000000), 65000);
	assert_int_equal(signp_admit_keep_until(5000, 60, 0, 1000000), 65000);
	/* the expiry when it comes first */
	assert_int_equal(signp_admit_keep_until(5000, 60, 1000000 + 10, 1000000), 15000);
	/* expired or expiring now: not kept */
	assert_int_equal(signp_admit_keep_until(5000, 60, 1000000, 1000000), 0);
	assert_int_equal(signp_admit_keep_until(5000, 60, 999999, 1000000), 0);
	/* the cache off */
	assert_int_equal(signp_admit_keep_until(5000, -1, 0, 1000000), 0);
	assert_int_equal(signp_admit_keep_until(5000, 0, 0, 1000000), 0);
}

/* The engine's bound: two entries, three signed images. */
static void test_engine_cache_bound(void **state)
{
	sign_admission_decision d = SIGN_ADMISSION_DECISION_INIT;
	sign_admission_stats st;
	eng e;
	(void)state;
	push("v4");
	eng_open(&e, 0, 2);
	review1(&d, &e, IMG ":v1", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 1);
	review1(&d, &e, IMG ":v4", "team", SIGN_ADMISSION_VALIDATE);
	assert_allowed(&d, 1);
	{
		char byd[200];
		snprintf(byd, sizeof(byd), IMG "@%s", d1);
		review1(&d, &e, byd, "team", SIGN_ADMISSION_VALIDATE);
		assert_allowed(&d, 1);
	}
	stats(&st, &e);
	assert_int_equal(st.cache_size, 2);
	assert_int_equal(st.verifications, 3);
	sign_admission_decision_dispose(&d);
	eng_close(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_allowed),
		cmocka_unit_test(test_mutate_patch),
		cmocka_unit_test(test_unsigned_denied),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_kinds_and_bodies),
		cmocka_unit_test(test_policy_reload),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_ctx_deadline),
		cmocka_unit_test(test_registry_silent),
		cmocka_unit_test(test_registry_down),
		cmocka_unit_test(test_many_registries),
		cmocka_unit_test(test_singleflight_engine),
		cmocka_unit_test(test_singleflight_cache),
		cmocka_unit_test(test_reload_under_load),
		cmocka_unit_test(test_cache_bound),
		cmocka_unit_test(test_keep_until),
		cmocka_unit_test(test_tag_moved),
		cmocka_unit_test(test_engine_cache_bound),
		cmocka_unit_test(test_resolve_ttl),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_cache_off),
		cmocka_unit_test(test_pins_and_signers),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * review.c - a Kubernetes AdmissionReview (admission.k8s.io/v1): read the
 * request and the images of its object, write the answer (with a
 * JSONPatch pinning images to digests for a mutating webhook).
 */
#include "review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define API_VERSION "admission.k8s.io/v1"
#define WHAT "admission review"
/* Bounds of the short request fields (Kubernetes' own are smaller: 253
 * for a name, 63 for a namespace). */
#define MAX_FIELD 256

typedef struct review_image {
	char *image;
	char *path;
} review_image;

struct signp_review {
	char *uid, *group, *kind, *sub, *ns, *name, *operation;
	int has_pod_spec;
	review_image *images;
	size_t n, cap;
};

/* The kinds that hold a pod spec, and where (JSON Pointer tokens from the
 * object, NULL-terminated). */
typedef struct pod_kind {
	const char *group, *kind;
	const char *const *where;
} pod_kind;

static const char *const at_spec[] = { "spec", NULL };
static const char *const at_template[] = { "spec", "template", "spec", NULL };
static const char *const at_job_template[] = { "spec", "jobTemplate", "spec", "template", "spec",
	NULL };

static const pod_kind pod_kinds[] = {
	{ "", "Pod", at_spec },
	{ "", "ReplicationController", at_template },
	{ "apps", "Deployment", at_template },
	{ "apps", "ReplicaSet", at_template },
	{ "apps", "StatefulSet", at_template },
	{ "apps", "DaemonSet", at_template },
	{ "batch", "Job", at_template },
	{ "batch", "CronJob", at_job_template },
};

static const char *const container_lists[] = { "containers", "initContainers",
	"ephemeralContainers" };

static const char *const operations[] = { "CREATE", "UPDATE", "DELETE", "CONNECT" };

int signp_json_pointer_append(sign_buf *ptr, const char *token)
{
	const char *p;
	if (signp_buf_putc(ptr, '/') != SIGN_OK)
		return SIGN_ENOMEM;
	for (p = token; *p != '\0'; p++) {
		const char *esc = *p == '~' ? "~0" : *p == '/' ? "~1" : NULL;
		if ((esc ? signp_buf_puts(ptr, esc) : signp_buf_putc(ptr, *p)) != SIGN_OK)
			return SIGN_ENOMEM;
	}
	return SIGN_OK;
}

/* A string member, copied into *out.  required: absent (or null) is an
 * error, else it gives "".  Empty strings are refused when nonempty. */
static int get_string(char **out, json_t *parent, const char *key, const char *field, int required,
	int nonempty, size_t max, sign_error *err)
{
	json_t *v = json_object_get(parent, key);
	const char *s = "";
	size_t n = 0;

	if (v == NULL || json_is_null(v)) {
		if (required)
			return signp_err(err, SIGN_EFORMAT, WHAT ": %s is missing", field);
	} else if (!json_is_string(v)) {
		return signp_err(err, SIGN_EFORMAT, WHAT ": %s is not a string", field);
	} else {
		s = json_string_value(v);
		n = json_string_length(v);
		if (n > max)
			return signp_err(err, SIGN_EFORMAT, WHAT ": %s is longer than %zu bytes", field,
				max);
		if (n == 0 && nonempty)
			return signp_err(err, SIGN_EFORMAT, WHAT ": %s is empty", field);
	}
	if ((*out = signp_strndup(s, n)) == NULL)
		return signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
	return SIGN_OK;
}

/* A member that must be an object. */
static int get_object(json_t **out, json_t *parent, const char *key, const char *field,
	sign_error *err)
{
	json_t *v = json_object_get(parent, key);
	if (v == NULL || json_is_null(v))
		return signp_err(err, SIGN_EFORMAT, WHAT ": %s is missing", field);
	if (!json_is_object(v))
		return signp_err(err, SIGN_EFORMAT, WHAT ": %s is not an object", field);
	*out = v;
	return SIGN_OK;
}

static int add_image(signp_review *r, const char *image, size_t len, const char *path,
	sign_error *err)
{
	review_image *im;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		review_image *grown = realloc(r->images, cap * sizeof(*grown));
		if (grown == NULL)
			return signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
		r->images = grown;
		r->cap = cap;
	}
	im = &r->images[r->n];
	im->image = signp_strndup(image, len);
	im->path = signp_strdup(path);
	if (im->image == NULL || im->path == NULL) {
		free(im->image);
		free(im->path);
		return signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
	}
	r->n++;
	return SIGN_OK;
}

/* The images of one container list of the pod spec at spec (its field name
 * in messages: field, its pointer: ptr). */
static int scan_list(signp_review *r, json_t *spec, const char *list, const char *field,
	const char *ptr, sign_error *err)
{
	json_t *arr = json_object_get(spec, list), *c, *img;
	size_t i;
	char name[640];
	sign_buf path = SIGN_BUF_INIT;
	int rc = SIGN_OK;

	if (arr == NULL || json_is_null(arr))
		return SIGN_OK;
	if (!json_is_array(arr))
		return signp_err(err, SIGN_EFORMAT, WHAT ": %s.%s is not an array", field, list);
	json_array_foreach(arr, i, c) {
		snprintf(name, sizeof(name), "%s.%s[%zu]", field, list, i);
		if (!json_is_object(c)) {
			rc = signp_err(err, SIGN_EFORMAT, WHAT ": %s is not an object", name);
			break;
		}
		img = json_object_get(c, "image");
		if (img == NULL || json_is_null(img))
			continue;
		if (!json_is_string(img)) {
			rc = signp_err(err, SIGN_EFORMAT, WHAT ": %s.image is not a string", name);
			break;
		}
		if (json_string_length(img) == 0)
			continue;
		if (json_string_length(img) > SIGNP_REVIEW_MAX_IMAGE) {
			rc = signp_err(err, SIGN_EFORMAT, WHAT ": %s.image is longer than %u bytes",
				name, (unsigned)SIGNP_REVIEW_MAX_IMAGE);
			break;
		}
		if (r->n >= SIGNP_REVIEW_MAX_IMAGES) {
			rc = signp_err(err, SIGN_EFORMAT, WHAT ": %s has more than %u images",
				"request.object", (unsigned)SIGNP_REVIEW_MAX_IMAGES);
			break;
		}
		signp_buf_clear(&path);
		if (signp_buf_puts(&path, ptr) != SIGN_OK || signp_json_pointer_append(&path, list) != SIGN_OK ||
		    signp_buf_printf(&path, "/%zu", i) != SIGN_OK ||
		    signp_json_pointer_append(&path, "image") != SIGN_OK) {
			rc = signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
			break;
		}
		if ((rc = add_image(r, json_string_value(img), json_string_length(img), path.ptr,
			     err)) != SIGN_OK)
			break;
	}
	sign_buf_dispose(&path);
	return rc;
}

/* Walk from the object to the pod spec of kind k and scan its lists. */
static int scan_object(signp_review *r, json_t *obj, const pod_kind *k, sign_error *err)
{
	char field[256] = "request.object";
	sign_buf ptr = SIGN_BUF_INIT;
	json_t *at = obj;
	size_t i, len;
	int rc = SIGN_OK;

	for (i = 0; k->where[i] != NULL && rc == SIGN_OK; i++) {
		len = strlen(field);
		snprintf(field + len, sizeof(field) - len, ".%s", k->where[i]);
		if ((rc = get_object(&at, at, k->where[i], field, err)) == SIGN_OK &&
		    signp_json_pointer_append(&ptr, k->where[i]) != SIGN_OK)
			rc = signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
	}
	for (i = 0; i < sizeof(container_lists) / sizeof(container_lists[0]) && rc == SIGN_OK; i++)
		rc = scan_list(r, at, container_lists[i], field, ptr.ptr, err);
	sign_buf_dispose(&ptr);
	return rc;
}

static int parse_request(signp_review *r, json_t *req, sign_error *err)
{
	json_t *kind, *obj;
	size_t i;
	int rc, known_op = 0, may_lack_object;

	if ((rc = get_string(&r->uid, req, "uid", "request.uid", 1, 1, SIGNP_REVIEW_MAX_UID,
		     err)) != SIGN_OK ||
	    (rc = get_object(&kind, req, "kind", "request.kind", err)) != SIGN_OK ||
	    (rc = get_string(&r->group, kind, "group", "request.kind.group", 0, 0, MAX_FIELD,
		     err)) != SIGN_OK ||
	    (rc = get_string(&r->kind, kind, "kind", "request.kind.kind", 1, 1, MAX_FIELD, err)) !=
		    SIGN_OK ||
	    (rc = get_string(&r->sub, req, "subResource", "request.subResource", 0, 0, MAX_FIELD,
		     err)) != SIGN_OK ||
	    (rc = get_string(&r->ns, req, "namespace", "request.namespace", 0, 0, MAX_FIELD,
		     err)) != SIGN_OK ||
	    (rc = get_string(&r->name, req, "name", "request.name", 0, 0, MAX_FIELD, err)) !=
		    SIGN_OK ||
	    (rc = get_string(&r->operation, req, "operation", "request.operation", 1, 1, MAX_FIELD,
		     err)) != SIGN_OK)
		return rc;
	for (i = 0; i < sizeof(operations) / sizeof(operations[0]); i++)
		known_op |= strcmp(r->operation, operations[i]) == 0;
	if (!known_op)
		return signp_err(err, SIGN_EFORMAT,
			WHAT ": request.operation is not CREATE, UPDATE, DELETE or CONNECT");

	obj = json_object_get(req, "object");
	may_lack_object = strcmp(r->operation, "DELETE") == 0 || strcmp(r->operation, "CONNECT") == 0;
	if ((obj == NULL || json_is_null(obj)) && may_lack_object)
		return SIGN_OK;
	if ((rc = get_object(&obj, req, "object", "request.object", err)) != SIGN_OK)
		return rc;
	for (i = 0; i < sizeof(pod_kinds) / sizeof(pod_kinds[0]); i++) {
		if (strcmp(r->group, pod_kinds[i].group) == 0 &&
		    strcmp(r->kind, pod_kinds[i].kind) == 0) {
			r->has_pod_spec = 1;
			return scan_object(r, obj, &pod_kinds[i], err);
		}
	}
	return SIGN_OK;
}

int signp_review_parse(signp_review **out, const void *body, size_t len, sign_error *err)
{
	signp_review *r = NULL;
	json_t *root = NULL, *v, *req;
	json_error_t je;
	int rc;

	*out = NULL;
	signp_err_clear(err);
	if (body == NULL && len > 0)
		return signp_err(err, SIGN_EINVAL, WHAT ": no body");
	if (len > SIGNP_REVIEW_MAX_BODY)
		return signp_err(err, SIGN_EFORMAT, WHAT ": body is larger than %u bytes",
			(unsigned)SIGNP_REVIEW_MAX_BODY);
	root = json_loadb(len ? body : "", len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		char why[160];
		signp_clean_copy(why, sizeof(why), je.text, strlen(je.text));
		return signp_err(err, SIGN_EFORMAT, WHAT ": not JSON: %s (byte %d)", why,
			je.position);
	}
	if (!json_is_object(root)) {
		rc = signp_err(err, SIGN_EFORMAT, WHAT ": the body is not a JSON object");
		goto out;
	}
	v = json_object_get(root, "apiVersion");
	if (!json_is_string(v) || strcmp(json_string_value(v), API_VERSION) != 0) {
		rc = signp_err(err, SIGN_EFORMAT, WHAT ": apiVersion is not " API_VERSION);
		goto out;
	}
	v = json_object_get(root, "kind");
	if (!json_is_string(v) || strcmp(json_string_value(v), "AdmissionReview") != 0) {
		rc = signp_err(err, SIGN_EFORMAT, WHAT ": kind is not AdmissionReview");
		goto out;
	}
	if ((rc = get_object(&req, root, "request", "request", err)) != SIGN_OK)
		goto out;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		rc = signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
		goto out;
	}
	if ((rc = parse_request(r, req, err)) != SIGN_OK)
		goto out;
	*out = r;
	r = NULL; /* transferred */
	rc = SIGN_OK;
out:
	signp_review_free(r);
	json_decref(root);
	return rc;
}

int signp_review_peek_uid(sign_buf *out, const void *body, size_t len)
{
	json_t *root, *uid;
	int rc = SIGN_ENOTFOUND;

	if ((body == NULL && len > 0) || len > SIGNP_REVIEW_MAX_BODY)
		return SIGN_ENOTFOUND;
	root = json_loadb(len ? body : "", len, JSON_REJECT_DUPLICATES, NULL);
	uid = json_object_get(json_object_get(root, "request"), "uid");
	if (json_is_string(uid) && json_string_length(uid) > 0 &&
	    json_string_length(uid) <= SIGNP_REVIEW_MAX_UID)
		rc = signp_buf_put(out, json_string_value(uid), json_string_length(uid)) == SIGN_OK
			? SIGN_OK
			: SIGN_ENOMEM;
	json_decref(root);
	return rc;
}

void signp_review_free(signp_review *r)
{
	size_t i;
	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->images[i].image);
		free(r->images[i].path);
	}
	free(r->images);
	free(r->uid);
	free(r->group);
	free(r->kind);
	free(r->sub);
	free(r->ns);
	free(r->name);
	free(r->operation);
	free(r);
}

const char *signp_review_uid(const signp_review *r) { return r->uid; }
const char *signp_review_group(const signp_review *r) { return r->group; }
const char *signp_review_kind(const signp_review *r) { return r->kind; }
const char *signp_review_subresource(const signp_review *r) { return r->sub; }
const char *signp_review_namespace(const signp_review *r) { return r->ns; }
const char *signp_review_name(const signp_review *r) { return r->name; }
const char *signp_review_operation(const signp_review *r) { return r->operation; }
int signp_review_has_pod_spec(const signp_review *r) { return r->has_pod_spec; }
size_t signp_review_nimages(const signp_review *r) { return r->n; }

const char *signp_review_image(const signp_review *r, size_t i)
{
	return i < r->n ? r->images[i].image : NULL;
}

const char *signp_review_path(const signp_review *r, size_t i)
{
	return i < r->n ? r->images[i].path : NULL;
}

/* ---- answers ---- */

/* Dump j compactly onto out; takes j's reference. */
static int dump_into(sign_buf *out, json_t *j, sign_error *err)
{
	char *s;
	int rc = SIGN_OK;
	if (j == NULL)
		return signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL || signp_buf_puts(out, s) != SIGN_OK)
		rc = signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
	free(s);
	return rc;
}

int signp_review_response(sign_buf *out, const char *uid, int allowed, const char *message,
	const char *patch_json, sign_error *err)
{
	json_t *resp = NULL, *root = NULL;
	sign_buf b64 = SIGN_BUF_INIT;
	int rc = SIGN_ENOMEM;

	signp_err_clear(err);
	if (uid == NULL || uid[0] == '\0')
		return signp_err(err, SIGN_EINVAL, WHAT " answer: no uid");
	if (patch_json != NULL && !allowed)
		return signp_err(err, SIGN_EINVAL, WHAT " answer: a patch on a denial");
	resp = json_pack("{s:s, s:b}", "uid", uid, "allowed", allowed ? 1 : 0);
	if (resp == NULL) {
		/* json_pack fails on a string that is not UTF-8 as well */
		rc = signp_err(err, SIGN_EINVAL, WHAT " answer: the uid is not UTF-8");
		goto out;
	}
	if (!allowed) {
		json_t *status = json_pack("{s:i, s:s}", "code", 403, "message",
			message ? message : "");
		if (status == NULL) {
			rc = signp_err(err, SIGN_EINVAL, WHAT " answer: the message is not UTF-8");
			goto out;
		}
		if (json_object_set_new(resp, "status", status) != 0)
			goto nomem;
	} else if (patch_json != NULL) {
		if (signp_b64_encode(&b64, patch_json, strlen(patch_json)) != SIGN_OK ||
		    json_object_set_new(resp, "patchType", json_string("JSONPatch")) != 0 ||
		    json_object_set_new(resp, "patch", json_string(b64.ptr)) != 0)
			goto nomem;
	}
	root = json_pack("{s:s, s:s, s:O}", "apiVersion", API_VERSION, "kind", "AdmissionReview",
		"response", resp);
	rc = dump_into(out, root, err);
	goto out;
nomem:
	rc = signp_err(err, SIGN_ENOMEM, WHAT " answer: out of memory");
out:
	json_decref(resp);
	sign_buf_dispose(&b64);
	return rc;
}

/* Is s "<name>@sha256:<64 lowercase hex>"? */
static int pinned_valid(const char *s)
{
	const char *at = strrchr(s, '@');
	return at != NULL && at != s && signp_digest_valid(at + 1);
}

int signp_review_answer(sign_buf *out, const signp_review *r, int allowed, const char *message,
	const char *const *pinned, sign_error *err)
{
	json_t *ops = NULL, *op;
	char *patch = NULL;
	size_t i;
	int rc;

	signp_err_clear(err);
	if (allowed && pinned != NULL) {
		if ((ops = json_array()) == NULL)
			return signp_err(err, SIGN_ENOMEM, WHAT " answer: out of memory");
		for (i = 0; i < r->n; i++) {
			if (pinned[i] == NULL || strcmp(pinned[i], r->images[i].image) == 0)
				continue;
			if (!pinned_valid(pinned[i])) {
				rc = signp_err(err, SIGN_EINVAL,
					WHAT " answer: the pinned image %zu is not repo@sha256:<digest>", i);
				goto out;
			}
			op = json_pack("{s:s, s:s, s:s}", "op", "replace", "path", r->images[i].path,
				"value", pinned[i]);
			if (op == NULL) {
				rc = signp_err(err, SIGN_EINVAL,
					WHAT " answer: the pinned image %zu is not UTF-8", i);
				goto out;
			}
			if (json_array_append_new(ops, op) != 0) {
				rc = signp_err(err, SIGN_ENOMEM, WHAT " answer: out of memory");
				goto out;
			}
		}
		if (json_array_size(ops) > 0 && (patch = json_dumps(ops, JSON_COMPACT)) == NULL) {
			rc = signp_err(err, SIGN_ENOMEM, WHAT " answer: out of memory");
			goto out;
		}
	}
	rc = signp_review_response(out, r->uid, allowed, message, patch, err);
out:
	free(patch);
	json_decref(ops);
	return rc;
}

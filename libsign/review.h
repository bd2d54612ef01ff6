/*
 * review.h - a Kubernetes admission.k8s.io/v1 AdmissionReview: the request
 * read, the images of its object found, the answer written.  Internal (the
 * admission server's groundwork; not exported).  No HTTP and no
 * verification here: the server reads the body, calls signp_review_parse,
 * verifies each image, and writes signp_review_answer.
 */
#ifndef SIGN_REVIEW_H
#define SIGN_REVIEW_H

#include "common.h"

/* The API server sends at most 3 MiB; a larger body is refused. */
#define SIGNP_REVIEW_MAX_BODY (3u << 20)
/* Containers of all three lists together, per object. */
#define SIGNP_REVIEW_MAX_IMAGES 1000
/* request.uid (a UUID, 36 characters, in practice). */
#define SIGNP_REVIEW_MAX_UID 256
/* An image string (a reference: 255 characters of name, a tag, a digest). */
#define SIGNP_REVIEW_MAX_IMAGE 1024

typedef struct signp_review signp_review;

/*
 * Parse an AdmissionReview of admission.k8s.io/v1 with a request: body of
 * len bytes (not NUL-terminated), at most SIGNP_REVIEW_MAX_BODY.
 *
 * Required: apiVersion "admission.k8s.io/v1", kind "AdmissionReview",
 * request.uid (a non-empty string of at most SIGNP_REVIEW_MAX_UID bytes),
 * request.kind.kind, request.operation (CREATE, UPDATE, DELETE or CONNECT),
 * and request.object (an object; for DELETE and CONNECT it may be null or
 * absent: there is nothing new to run, and the review has no images).
 * request.kind.group, request.subResource, request.namespace and
 * request.name are strings when present, else "" (a cluster-scoped object
 * has no namespace; a Pod made from generateName has no name yet).  A
 * subresource's review (an UPDATE of pods/ephemeralcontainers) carries the
 * whole Pod, and its images are found as for the Pod.
 *
 * Images are looked for in the pod spec of the kinds that hold one, by
 * group and kind:
 *   ""      Pod                          .spec
 *   ""      ReplicationController        .spec.template.spec
 *   "apps"  Deployment, ReplicaSet, StatefulSet, DaemonSet  .spec.template.spec
 *   "batch" Job                          .spec.template.spec
 *   "batch" CronJob                      .spec.jobTemplate.spec.template.spec
 * in spec.containers, spec.initContainers and spec.ephemeralContainers, in
 * that order.  Any other kind (a Service, a ConfigMap, a custom resource
 * that reuses one of these names in another group) has no images:
 * signp_review_has_pod_spec() is 0 and the server should allow it, as it
 * holds nothing to verify (the webhook's rules normally keep such kinds
 * away).  A container without an image (or with "") adds none: image is
 * optional in a workload's template, and the Pods made from it come to
 * the webhook themselves.  (The validating webhook runs after every
 * mutating one, so its review holds the images that will run; the
 * mutating one's may still change.)
 *
 * The body is read in one pass of yajl's event parser, without a tree of
 * it: the request's fields and the images are kept, the rest is only
 * checked to be JSON (UTF-8, one value, nesting to 2048 levels, no \u0000
 * in any string or key).  A key that is read (apiVersion, kind, request,
 * its uid, kind, group, subResource, namespace, name, operation, object,
 * the objects on the way to a pod spec, the container lists, a container's
 * image) given twice in its object is refused: the API server's decoder and
 * this one must not see two different images in one container.  A key
 * given twice where nothing is read (a label) changes nothing read.
 *
 * Returns SIGN_OK with *out a new review (free with signp_review_free), or
 * SIGN_EFORMAT with err naming the field ("admission review:
 * request.object.spec.containers[2].image is not a string"), or
 * SIGN_ENOMEM.  *out is NULL on failure.
 */
int signp_review_parse(signp_review **out, const void *body, size_t len, sign_error *err)
	__attribute__((warn_unused_result));

/*
 * After signp_review_parse refused a body: its request.uid, if the body is
 * JSON with a request whose uid is as signp_review_parse wants it, so that
 * the server can answer with a denial that gives the reason (the API server
 * shows it to the user) rather than an HTTP 400.  Appends the uid to out;
 * returns SIGN_OK, SIGN_ENOTFOUND (no usable uid) or SIGN_ENOMEM.
 */
int signp_review_peek_uid(sign_buf *out, const void *body, size_t len)
	__attribute__((warn_unused_result));

/* A no-op for NULL. */
void signp_review_free(signp_review *r);

/* Borrowed strings, valid until signp_review_free; never NULL. */
const char *signp_review_uid(const signp_review *r);
const char *signp_review_group(const signp_review *r);     /* request.kind.group */
const char *signp_review_kind(const signp_review *r);      /* request.kind.kind */
const char *signp_review_subresource(const signp_review *r); /* request.subResource */
const char *signp_review_namespace(const signp_review *r);
const char *signp_review_name(const signp_review *r);
const char *signp_review_operation(const signp_review *r);
/* 1 if the object's kind holds a pod spec (the table above) and the
 * object is present, else 0. */
int signp_review_has_pod_spec(const signp_review *r);
size_t signp_review_nimages(const signp_review *r);
/* Image i as written in the object, and its JSON Pointer (RFC 6901) in the
 * object, e.g. "/spec/template/spec/containers/1/image".  NULL when i is
 * out of range. */
const char *signp_review_image(const signp_review *r, size_t i);
const char *signp_review_path(const signp_review *r, size_t i);

/*
 * Append one reference token to a JSON Pointer: "/" then token with "~"
 * written "~0" and "/" written "~1" (RFC 6901).
 */
int signp_json_pointer_append(sign_buf *ptr, const char *token);

/*
 * Write an AdmissionReview response into out (appended, compact JSON):
 *   {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
 *    "response":{"uid":UID,"allowed":BOOL, ...}}
 * When denied: "status":{"code":403,"message":MESSAGE} (message NULL gives
 * ""; it is ignored when allowed).  When allowed and patch_json is not
 * NULL: "patchType":"JSONPatch","patch":base64(patch_json).  A patch with
 * a denial is an error (SIGN_EINVAL).  Returns SIGN_OK, SIGN_EINVAL or
 * SIGN_ENOMEM.
 */
int signp_review_response(sign_buf *out, const char *uid, int allowed, const char *message,
	const char *patch_json, sign_error *err) __attribute__((warn_unused_result));

/*
 * The answer to review r: signp_review_response with r's uid.  pinned, if
 * not NULL and allowed, has signp_review_nimages(r) entries: for image i,
 * the reference it is to become ("repo@sha256:<64 hex>") or NULL to leave
 * it.  Each pinned image that differs from the object's gives one
 * {"op":"replace","path":PATH,"value":PINNED} of a JSONPatch (RFC 6902),
 * in image order; with none, the answer has no patch (validation, or
 * images already given by those digests).  A pinned value without a valid
 * "@sha256:" digest is SIGN_EINVAL.  pinned is ignored when denied.
 */
int signp_review_answer(sign_buf *out, const signp_review *r, int allowed, const char *message,
	const char *const *pinned, sign_error *err) __attribute__((warn_unused_result));

#endif

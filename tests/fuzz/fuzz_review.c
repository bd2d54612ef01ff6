/*
 * fuzz_review.c - Kubernetes AdmissionReviews (review.c).  The input is
 * parsed as a review body.  A review that parses has a bounded uid and at
 * most 1000 images, each with a JSON Pointer into the object's pod spec;
 * its answers (allowed with every image pinned to a digest, and denied)
 * parse back as JSON with the same uid, and the allowed one's base64
 * JSONPatch decodes to one replace per image, at that image's path.  For
 * a body refused, the uid signp_review_peek_uid finds is bounded.
 */
#include "fuzz.h"

#include <jansson.h>

#include "review.h"

#define PIN "example.com/pinned@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static json_t *response_of(const sign_buf *out, const char *uid, int allowed)
{
	json_t *root = json_loadb(out->ptr, out->size, JSON_REJECT_DUPLICATES, NULL), *resp;
	FUZZ_ASSERT(root != NULL);
	FUZZ_ASSERT(strcmp(json_string_value(json_object_get(root, "apiVersion")),
			    "admission.k8s.io/v1") == 0);
	resp = json_object_get(root, "response");
	FUZZ_ASSERT(json_is_object(resp));
	FUZZ_ASSERT(strcmp(json_string_value(json_object_get(resp, "uid")), uid) == 0);
	FUZZ_ASSERT(json_is_boolean(json_object_get(resp, "allowed")));
	FUZZ_ASSERT(json_boolean_value(json_object_get(resp, "allowed")) == allowed);
	json_incref(resp);
	json_decref(root);
	return resp;
}

static void check_answers(const signp_review *r)
{
	size_t i, n = signp_review_nimages(r);
	const char **pinned = calloc(n ? n : 1, sizeof(*pinned));
	sign_buf out = SIGN_BUF_INIT, patch = SIGN_BUF_INIT;
	sign_error err;
	json_t *resp, *ops;
	const char *b64;
	size_t changed = 0;

	FUZZ_ASSERT(pinned != NULL);
	for (i = 0; i < n; i++) {
		pinned[i] = PIN;
		changed += strcmp(signp_review_image(r, i), PIN) != 0;
	}
	FUZZ_ASSERT(signp_review_answer(&out, r, 1, NULL, pinned, &err) == SIGN_OK);
	resp = response_of(&out, signp_review_uid(r), 1);
	FUZZ_ASSERT(json_object_get(resp, "status") == NULL);
	b64 = json_string_value(json_object_get(resp, "patch"));
	FUZZ_ASSERT((b64 != NULL) == (changed > 0));
	if (b64 != NULL) {
		FUZZ_ASSERT(signp_b64_decode(&patch, b64, strlen(b64)) == SIGN_OK);
		ops = json_loadb(patch.ptr, patch.size, 0, NULL);
		FUZZ_ASSERT(json_is_array(ops) && json_array_size(ops) == changed);
		for (i = 0; i < changed; i++) {
			json_t *op = json_array_get(ops, i);
			const char *path = json_string_value(json_object_get(op, "path"));
			FUZZ_ASSERT(strcmp(json_string_value(json_object_get(op, "op")), "replace") == 0);
			FUZZ_ASSERT(path != NULL && signp_str_has_suffix(path, "/image"));
		}
		json_decref(ops);
	}
	json_decref(resp);
	signp_buf_clear(&out);

	FUZZ_ASSERT(signp_review_answer(&out, r, 0, "denied", pinned, &err) == SIGN_OK);
	resp = response_of(&out, signp_review_uid(r), 0);
	FUZZ_ASSERT(json_integer_value(json_object_get(json_object_get(resp, "status"), "code")) ==
		403);
	FUZZ_ASSERT(json_object_get(resp, "patch") == NULL);
	json_decref(resp);
	sign_buf_dispose(&out);
	sign_buf_dispose(&patch);
	free(pinned);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	signp_review *r = NULL;
	sign_error err;
	size_t i, n;

	if (signp_review_parse(&r, data, size, &err) != SIGN_OK) {
		sign_buf uid = SIGN_BUF_INIT;
		FUZZ_ASSERT(r == NULL && err.message[0] != '\0');
		if (signp_review_peek_uid(&uid, data, size) == SIGN_OK)
			FUZZ_ASSERT(uid.size > 0 && uid.size <= SIGNP_REVIEW_MAX_UID &&
				strlen(uid.ptr) == uid.size);
		else
			FUZZ_ASSERT(uid.size == 0);
		sign_buf_dispose(&uid);
		return 0;
	}
	FUZZ_ASSERT(r != NULL);
	n = strlen(signp_review_uid(r));
	FUZZ_ASSERT(n > 0 && n <= SIGNP_REVIEW_MAX_UID);
	FUZZ_ASSERT(signp_review_kind(r)[0] != '\0' && signp_review_operation(r)[0] != '\0');
	n = signp_review_nimages(r);
	FUZZ_ASSERT(n <= SIGNP_REVIEW_MAX_IMAGES);
	FUZZ_ASSERT(n == 0 || signp_review_has_pod_spec(r));
	for (i = 0; i < n; i++) {
		const char *im = signp_review_image(r, i), *path = signp_review_path(r, i);
		FUZZ_ASSERT(im != NULL && im[0] != '\0' && strlen(im) <= SIGNP_REVIEW_MAX_IMAGE);
		FUZZ_ASSERT(path != NULL && signp_str_has_prefix(path, "/spec/") &&
			signp_str_has_suffix(path, "/image"));
	}
	FUZZ_ASSERT(signp_review_image(r, n) == NULL);
	check_answers(r);
	signp_review_free(r);
	return 0;
}

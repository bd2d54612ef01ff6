/*
 * attest.h - in-toto attestations in cosign's layout: the predicate types
 * cosign names, the statement over an image digest and its DSSE envelope,
 * the sha256-<hex>.att tag and its layers.  Formats only: no store.
 * Internal.
 */
#ifndef SIGN_ATTEST_H
#define SIGN_ATTEST_H

#include "common.h"
#include "key.h"

#include <jansson.h>

/* The layer annotation naming the statement's predicate type (cosign's). */
#define SIGNP_ATT_ANN_PREDICATE "predicateType"
/* The most a predicate file, and an envelope blob, may be. */
#define SIGNP_ATT_MAX_PREDICATE (16u << 20)
#define SIGNP_ATT_MAX_ENVELOPE  (32u << 20)
/* The longest predicate type URI taken. */
#define SIGNP_ATT_MAX_TYPE 512u

/* The predicate type URI of type: one of cosign's short names (custom,
 * slsaprovenance, slsaprovenance02, slsaprovenance1, spdx, spdxjson,
 * cyclonedx, link, vuln, openvex), else type itself when it is a URI
 * (scheme ":" then printable ASCII, at most SIGNP_ATT_MAX_TYPE).  NULL when
 * it is neither. */
const char *signp_attest_type_uri(const char *type);

/* The in-toto Statement v1 cosign attest makes of the predicate file for
 * type (a short name or URI) over the image name@digest: subject
 * [{name, digest:{sha256}}], predicateType, predicate.  The predicate is
 * the file's JSON object as it is (its bytes kept), except for cosign's
 * two text forms: "custom" wraps the file as {"Data": text, "Timestamp":
 * now (RFC 3339)}, "spdx" (tag-value) makes it a JSON string.  SIGN_EINVAL
 * saying what is wrong with the type or the file. */
int signp_attest_statement(sign_buf *out, const char *type, const char *name, const char *digest,
	const void *predicate, size_t len, int64_t now, sign_error *err);

/* The DSSE envelope of statement (payloadType application/vnd.in-toto+json)
 * with one signature by k over its pre-authentication encoding; keyid ""
 * as cosign writes for a key. */
int signp_attest_envelope(sign_buf *out, const signp_key *k, const void *statement, size_t len,
	sign_error *err);

/* "sha256:<hex>" -> "sha256-<hex>.att" */
int signp_attest_tag(char out[96], const char *digest);

/* The layer descriptor of an envelope blob in a .att manifest or an
 * attestation referrer: DSSE media type, annotations
 * dev.cosignproject.cosign/signature "" and predicateType.  NULL when out
 * of memory or type_uri is not UTF-8. */
json_t *signp_attest_layer(const char *env_digest, uint64_t size, const char *type_uri);

/* One DSSE layer of a manifest, or a Sigstore bundle layer (cosign v3's
 * referrers), whose DSSE envelope is inside. */
typedef struct signp_att_layer {
	char digest[80];
	uint64_t size;
	int bundle;            /* a Sigstore bundle, not an envelope */
	json_t *annotations;   /* the layer's (owned; an empty object when none):
	                        * predicateType, and for keyless signing the
	                        * certificate, chain, Rekor bundle, timestamp */
} signp_att_layer;

/* The DSSE and Sigstore bundle layers of a manifest (others skipped, as a
 * malformed one is), at most SIGN_MAX_SIGNATURES.  Free with
 * signp_attest_layers_free. */
int signp_attest_layers(signp_att_layer **out, size_t *n, const void *manifest, size_t len,
	sign_error *err);
void signp_attest_layers_free(signp_att_layer *l, size_t n);

/* The DSSE envelope of a Sigstore bundle (outside input, at most
 * SIGNP_ATT_MAX_ENVELOPE bytes): its dsseEnvelope member as JSON text into
 * env; *bundle (may be NULL) gets the whole bundle, for a verifier that
 * reads its verification material.  SIGN_EFORMAT saying what is wrong: not
 * a bundle, or one of a message signature. */
int signp_attest_bundle_envelope(sign_buf *env, json_t **bundle, const void *data, size_t len,
	sign_error *err);

#endif

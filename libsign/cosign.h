/*
 * cosign.h - detached signatures in cosign's simple-signing layout
 * (reference/oci-registry-cosign.md §1.1-1.5).  Internal.
 */
#ifndef SIGN_COSIGN_H
#define SIGN_COSIGN_H

#include "common.h"
#include "mediatype.h"
#include <jansson.h>
#include <openssl/evp.h>

#define SIGN_ANN_SIGNATURE    "dev.cosignproject.cosign/signature"
#define SIGN_COSIGN_TYPE      "cosign container image signature"

/* "sha256:<hex>" -> "sha256-<hex>.sig" */
int signp_cosign_sig_tag(char out[96], const char *digest);

/* Exact cosign payload bytes:
 * {"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},"type":"cosign container image signature"},"optional":null} */
int signp_cosign_payload(sign_buf *out, const char *docker_reference, const char *digest);
/* Parse a payload; require critical.type and docker-manifest-digest ==
 * digest.  docker_reference_out (may be NULL) gets the identity.
 * SIGN_EVERIFY on mismatch or malformed payload. */
int signp_cosign_payload_check(const void *payload, size_t len, const char *digest,
	sign_buf *docker_reference_out, sign_error *err);

typedef struct signp_cosign_layer {
	char digest[80];     /* payload blob digest */
	uint64_t size;
	char *sig_b64;       /* dev.cosignproject.cosign/signature (owned) */
	int has_cert;        /* dev.sigstore.cosign/certificate present and non-empty */
	/* keyless signatures' annotations (owned, NULL when absent): */
	char *cert_pem;      /* dev.sigstore.cosign/certificate */
	char *chain_pem;     /* dev.sigstore.cosign/chain */
	char *rekor_bundle;  /* dev.sigstore.cosign/bundle */
	char *timestamp;     /* dev.sigstore.cosign/rfc3161timestamp */
} signp_cosign_layer;

/* Parse a .sig manifest: the simplesigning layers (others skipped), at most
 * SIGN_MAX_SIGNATURES.  Free with signp_cosign_layers_free. */
int signp_cosign_manifest_layers(signp_cosign_layer **out, size_t *n, const void *manifest,
	size_t len, sign_error *err);
void signp_cosign_layers_free(signp_cosign_layer *l, size_t n);

/* Append one signature layer to an existing .sig manifest (old may be NULL
 * for a new one), regenerating the go-containerregistry empty-image config.
 * If a layer with the same payload digest already holds a signature that
 * verifies with `signer_pub` (may be NULL: then an identical signature
 * string), *changed = 0 and nothing is appended. */
int signp_cosign_manifest_append(sign_buf *manifest_out, sign_buf *config_out, int *changed,
	const void *old, size_t oldlen, const char *payload_digest, uint64_t payload_size,
	const char *sig_b64, EVP_PKEY *signer_pub, const void *payload, size_t payload_len,
	sign_error *err);
/* Append layer (a descriptor; stolen, also on failure) to the cosign
 * manifest old (NULL: a new one), regenerating the empty-image config as
 * signp_cosign_manifest_append does: for cosign's other layers (the DSSE
 * envelopes of a .att manifest).  No duplicate check: the caller's. */
int signp_cosign_manifest_add_layer(sign_buf *manifest_out, sign_buf *config_out, const void *old,
	size_t oldlen, json_t *layer, sign_error *err);
/* Remove every layer whose signature verifies with pub over its payload
 * (payload bytes from the layers' blobs are supplied by the caller in the
 * same order as signp_cosign_manifest_layers returned them). */

/* Verify one layer signature (base64 DER) over payload with pub. */
int signp_cosign_verify(EVP_PKEY *pub, const void *payload, size_t len, const char *sig_b64);

/* containers/image signature file: "\0sigstore-json\n" + JSON with
 * mimeType, payload (base64), annotations.  payload_out gets the decoded
 * payload, sig_b64_out the signature annotation. */
int signp_cosign_parse_sigfile(sign_buf *payload_out, sign_buf *sig_b64_out, const void *data,
	size_t len, sign_error *err);

#endif

/*
 * mediatype.h - every media type the library reads or writes, in one
 * place.  Internal.
 */
#ifndef SIGN_MEDIATYPE_H
#define SIGN_MEDIATYPE_H

/* OCI image spec */
#define SIGN_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define SIGN_MT_OCI_INDEX    "application/vnd.oci.image.index.v1+json"
#define SIGN_MT_OCI_CONFIG   "application/vnd.oci.image.config.v1+json"
#define SIGN_MT_EMPTY        "application/vnd.oci.empty.v1+json"

/* Docker image manifest v2 schema 2 */
#define SIGN_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define SIGN_MT_DOCKER_LIST  "application/vnd.docker.distribution.manifest.list.v2+json"
#define SIGN_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

/* What a manifest GET accepts. */
#define SIGN_MANIFEST_ACCEPT SIGN_MT_OCI_INDEX ", " SIGN_MT_OCI_MANIFEST ", " \
	SIGN_MT_DOCKER_LIST ", " SIGN_MT_DOCKER_MANIFEST

/* cosign */
#define SIGN_MT_SIMPLESIGNING "application/vnd.dev.cosign.simplesigning.v1+json"
/* cosign's artifactType for simple-signing signatures in the OCI 1.1 form */
#define SIGN_MT_COSIGN_SIG_ARTIFACT "application/vnd.dev.cosign.artifact.sig.v1+json"
/* in-toto attestations in DSSE envelopes: the .att layers, and the
 * artifactType of their OCI 1.1 referrer (cosign v3's
 * WriteAttestationsReferrer) */
#define SIGN_MT_DSSE         "application/vnd.dsse.envelope.v1+json"
#define SIGN_MT_INTOTO       "application/vnd.in-toto+json"
/* Sigstore bundles: every version's media type starts so (v0.3:
 * application/vnd.dev.sigstore.bundle.v0.3+json, the layer and artifactType
 * of cosign v3's attestation referrers) */
#define SIGN_MT_SIGSTORE_BUNDLE_PREFIX "application/vnd.dev.sigstore.bundle"
#define SIGN_MT_SIGSTORE_BUNDLE_V03 "application/vnd.dev.sigstore.bundle.v0.3+json"

/* the trust artifact (docs/architecture.md, "Choices made") */
#define SIGN_MT_TRUST_ARTIFACT "application/vnd.sign.trust.v1"
#define SIGN_MT_TUF_LAYER    "application/vnd.sign.tuf.metadata.v1+json"

#endif

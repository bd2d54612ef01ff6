/*
 * verify_keyless.c - sign_verify_sigstore (sign.h): an image's keyless
 * signatures and attestations, as cosign attaches them, each made into a
 * Sigstore bundle and verified by sigstore_verify.c over the image's
 * manifest digest.
 *
 * Where they live:
 *  - sha256-<hex>.sig: simple-signing layers whose annotations carry the
 *    certificate, chain, Rekor bundle (a signed entry timestamp) and RFC
 *    3161 timestamp (cosign v2);
 *  - sha256-<hex>.att: DSSE envelope layers with the same annotations
 *    (cosign v2 attestations);
 *  - OCI 1.1 referrers of artifactType application/vnd.dev.sigstore.bundle
 *    (cosign v3): a Sigstore bundle whose DSSE in-toto statement names the
 *    image, of predicate type https://sigstore.dev/cosign/sign/v1 for a
 *    signature.
 * A signature is accepted only when every check passes; a layer that does
 * not verify is a failure kept for the message, never a reason to stop
 * looking at the others.
 */
#include "attest.h"
#include "bundle.h"
#include "cosign.h"
#include "ctx.h"
#include "ref.h"
#include "sigstore_verify.h"
#include "store.h"
#include "verify.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define ANN_CERT         "dev.sigstore.cosign/certificate"
#define ANN_CHAIN        "dev.sigstore.cosign/chain"
#define ANN_REKOR        "dev.sigstore.cosign/bundle"
#define ANN_TIMESTAMP    "dev.sigstore.cosign/rfc3161timestamp"
#define AT_BUNDLE_PREFIX "application/vnd.dev.sigstore.bundle"
#define PT_COSIGN_SIGN   "https://sigstore.dev/cosign/sign/v1"
#define MAX_BUNDLE_BLOB  (4u << 20)
#define MAX_LAYERS       100u   /* as notation's --max-signatures */
#define MAX_REASONS      3

/* What the search found so far. */
typedef struct hunt {
	const signp_trusted_root *root;
	signp_sigstore_policy pol;
	const char *image_digest;       /* sha256:<hex> */
	const char *want_type;          /* predicate type; NULL: a signature */
	json_t *predicates;             /* attestations verified */
	size_t seen, valid;
	char reasons[MAX_REASONS][900];
	size_t nreasons;
	signp_store *st;                /* for the referrers walk */
	sign_buf who;                   /* the signers' identities, NUL-separated */
	size_t nwho;
} hunt;

/* The result's signers, as sign_verify_result_dispose frees them: one
 * block of pointers followed by the strings. */
static int set_signers(sign_verify_result *res, const hunt *h)
{
	char **p;
	char *text;
	if (h->nwho == 0)
		return SIGN_OK;
	if ((p = malloc(h->nwho * sizeof(char *) + h->who.size)) == NULL)
		return SIGN_ENOMEM;
	text = (char *)(p + h->nwho);
	memcpy(text, h->who.ptr, h->who.size);
	for (size_t i = 0; i < h->nwho; i++) {
		p[i] = text;
		text += strlen(text) + 1;
	}
	res->signers = p;
	res->nsigners = h->nwho;
	return SIGN_OK;
}

static void reason(hunt *h, const char *where, const sign_error *e)
{
	if (h->nreasons < MAX_REASONS)
		snprintf(h->reasons[h->nreasons++], sizeof(h->reasons[0]), "%s: %s", where,
			e->message[0] ? e->message : "does not verify");
}

static void accepted(hunt *h, const signp_sigstore_result *sr)
{
	h->valid++;
	/* "SAN (issuer)\0" each, made into the result's one block at the end */
	if (signp_buf_printf(&h->who, "%s (%s)", sr->san.ptr ? sr->san.ptr : "", sr->issuer.ptr ? sr->issuer.ptr : "") ==
		    SIGN_OK &&
	    signp_buf_putc(&h->who, '\0') == SIGN_OK)
		h->nwho++;
	if (h->want_type && sr->statement) {
		json_t *o = json_object();
		json_object_set_new(o, "predicateType", json_string(sr->statement->predicate_type));
		json_object_set(o, "predicate", sr->statement->predicate ? (json_t *)sr->statement->predicate : json_null());
		json_object_set_new(o, "identity", json_string(sr->san.ptr ? sr->san.ptr : ""));
		json_object_set_new(o, "issuer", json_string(sr->issuer.ptr ? sr->issuer.ptr : ""));
		json_object_set_new(o, "logIndex", json_integer(sr->log_index));
		json_array_append_new(h->predicates, o);
	}
}

/* Verify b over the image digest; for an attestation, of the wanted type;
 * a cosign v2 signature's payload (when given) must name the image. */
static void try_bundle(hunt *h, const signp_bundle *b, const sign_buf *payload, const char *where)
{
	signp_sigstore_policy pol = h->pol;
	signp_sigstore_result sr;
	unsigned char pd[32];
	sign_error e;
	memset(&e, 0, sizeof(e));
	h->seen++;
	if (payload) {
		/* a cosign v2 signature signs its payload, which names the image */
		signp_sha256(pd, payload->ptr, payload->size);
		pol.digest = pd;
	}
	if (signp_sigstore_verify(&sr, b, h->root, &pol, &e) != SIGN_OK) {
		reason(h, where, &e);
		return;
	}
	if (payload && signp_cosign_payload_check(payload->ptr, payload->size, h->image_digest, NULL, &e) != SIGN_OK) {
		reason(h, where, &e);
	} else if (h->want_type && (sr.statement == NULL || strcmp(sr.statement->predicate_type, h->want_type) != 0)) {
		signp_err(&e, SIGN_EVERIFY, "an attestation of type %.100s, not %.100s",
			sr.statement ? sr.statement->predicate_type : "(none: a signature)", h->want_type);
		reason(h, where, &e);
	} else if (!h->want_type && sr.statement &&
		   strcmp(sr.statement->predicate_type, PT_COSIGN_SIGN) != 0) {
		h->seen--; /* an attestation: not a signature, not a failed one either */
	} else {
		accepted(h, &sr);
	}
	signp_sigstore_result_dispose(&sr);
}

/* A Sigstore bundle blob (a referrer's layer, a bundle layer of .att). */
static void hunt_bundle_blob(hunt *h, signp_store *st, const char *digest, const char *where)
{
	sign_buf blob = SIGN_BUF_INIT;
	signp_bundle *b = NULL;
	sign_error e;
	memset(&e, 0, sizeof(e));
	if (!signp_digest_valid(digest) || signp_store_get_blob(st, digest, MAX_BUNDLE_BLOB, &blob, &e) != SIGN_OK ||
	    signp_bundle_parse(&b, blob.ptr, blob.size, &e) != SIGN_OK) {
		h->seen++;
		reason(h, where, &e);
	} else {
		try_bundle(h, b, NULL, where);
	}
	signp_bundle_free(b);
	sign_buf_dispose(&blob);
}

static int pem_certs(X509 **leaf, STACK_OF(X509) **rest, const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x;
	int n = 0;
	if (bio == NULL)
		return -1;
	while (n < (int)SIGNP_BUNDLE_MAX_CERTS && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		n++;
		if (leaf && *leaf == NULL) {
			*leaf = x;
			continue;
		}
		/* a self-signed certificate of the chain is a root: the trusted
		 * root's CAs anchor the chain, never the signature's own */
		if (X509_check_issued(x, x) == X509_V_OK ||
		    (*rest == NULL && (*rest = sk_X509_new_null()) == NULL) || !sk_X509_push(*rest, x))
			X509_free(x);
	}
	ERR_clear_error();
	BIO_free(bio);
	return n;
}

/* cosign's dev.sigstore.cosign/rfc3161timestamp: {"SignedRFC3161Timestamp":b64} */
static int cosign_timestamp(sign_buf *der, const char *json)
{
	json_t *doc = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
	const char *v = json_string_value(json_object_get(doc, "SignedRFC3161Timestamp"));
	int r = v ? signp_b64_decode_any(der, v, strlen(v)) : SIGN_EFORMAT;
	json_decref(doc);
	return r;
}

/* What a cosign v2 keyless layer's annotations carry. */
typedef struct keyless_ann {
	const char *cert, *chain, *rekor, *timestamp;
	const char *sig_b64;            /* .sig: the signature; .att: NULL (in the envelope) */
} keyless_ann;

/* A cosign v2 layer (.sig: a signature over the payload; .att: a DSSE
 * envelope as the payload) as a v0.1 bundle: its Rekor bundle is a signed
 * entry timestamp. */
static int layer_bundle(signp_bundle **out, const keyless_ann *a, const sign_buf *payload, sign_error *err)
{
	signp_bundle *b = calloc(1, sizeof(*b));
	int r;
	*out = NULL;
	if (b == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	b->minor = 1;
	if (a->cert == NULL || pem_certs(&b->cert, &b->chain, a->cert) < 1 || b->cert == NULL) {
		r = signp_err(err, SIGN_EVERIFY, "no certificate (a keyed signature: verify it with --key)");
		goto fail;
	}
	if (a->chain)
		(void)pem_certs(NULL, &b->chain, a->chain);
	if (a->rekor) {
		if ((r = signp_rekor_entry_from_cosign(&b->tlog[0], a->rekor, strlen(a->rekor), err)) != SIGN_OK)
			goto fail;
		b->ntlog = 1;
	}
	if (a->timestamp) {
		if (cosign_timestamp(&b->tsa[0], a->timestamp) != SIGN_OK) {
			r = signp_err(err, SIGN_EFORMAT, "the RFC 3161 timestamp annotation is malformed");
			goto fail;
		}
		b->ntsa = 1;
	}
	if (a->sig_b64 == NULL) {
		if ((r = signp_dsse_parse(&b->dsse, payload->ptr, payload->size, err)) != SIGN_OK)
			goto fail;
	} else {
		unsigned char d[32];
		signp_strlcpy(b->digest_alg, "sha256", sizeof(b->digest_alg));
		signp_sha256(d, payload->ptr, payload->size);
		if ((r = signp_buf_put(&b->digest, d, sizeof(d))) != SIGN_OK ||
		    (r = signp_b64_decode_any(&b->sig, a->sig_b64, strlen(a->sig_b64))) != SIGN_OK) {
			r = signp_err(err, SIGN_EFORMAT, "the signature annotation is not base64");
			goto fail;
		}
	}
	*out = b;
	return SIGN_OK;
fail:
	signp_bundle_free(b);
	return r;
}

/* One keyless layer: its blob fetched, made a bundle, tried. */
static void hunt_layer(hunt *h, signp_store *st, const char *digest, const keyless_ann *a, const char *where)
{
	sign_buf payload = SIGN_BUF_INIT;
	signp_bundle *b = NULL;
	sign_error e;
	memset(&e, 0, sizeof(e));
	if (signp_store_get_blob(st, digest, SIGN_MAX_SIGBLOB, &payload, &e) != SIGN_OK ||
	    layer_bundle(&b, a, &payload, &e) != SIGN_OK) {
		h->seen++;
		reason(h, where, &e);
	} else {
		/* a signature's payload must name the image; an envelope's
		 * statement, checked by sigstore_verify.c, must */
		try_bundle(h, b, a->sig_b64 ? &payload : NULL, where);
	}
	signp_bundle_free(b);
	sign_buf_dispose(&payload);
}

/* cosign v2's .sig: simple-signing layers with a certificate. */
static void hunt_sig(hunt *h, signp_store *st, const sign_buf *manifest)
{
	signp_cosign_layer *l = NULL;
	size_t n = 0;
	if (signp_cosign_manifest_layers(&l, &n, manifest->ptr, manifest->size, NULL) != SIGN_OK)
		return;
	for (size_t i = 0; i < n && i < MAX_LAYERS; i++) {
		keyless_ann a = { l[i].cert_pem, l[i].chain_pem, l[i].rekor_bundle, l[i].timestamp, l[i].sig_b64 };
		char where[64];
		if (l[i].cert_pem == NULL)
			continue; /* a keyed signature: sign verify --key's */
		snprintf(where, sizeof(where), ".sig layer %zu", i + 1);
		hunt_layer(h, st, l[i].digest, &a, where);
	}
	signp_cosign_layers_free(l, n);
}

static const char *ann(const json_t *o, const char *name)
{
	const char *v = json_string_value(json_object_get(o, name));
	return v != NULL && *v != '\0' ? v : NULL;
}

/* cosign v2's .att: DSSE envelope layers with a certificate (and Sigstore
 * bundle layers), read by attest.c as the keyed check reads them. */
static void hunt_att(hunt *h, signp_store *st, const sign_buf *manifest)
{
	signp_att_layer *l = NULL;
	size_t n = 0;
	if (signp_attest_layers(&l, &n, manifest->ptr, manifest->size, NULL) != SIGN_OK)
		return;
	for (size_t i = 0; i < n && i < MAX_LAYERS; i++) {
		keyless_ann a = { ann(l[i].annotations, ANN_CERT), ann(l[i].annotations, ANN_CHAIN),
			ann(l[i].annotations, ANN_REKOR), ann(l[i].annotations, ANN_TIMESTAMP), NULL };
		char where[64];
		snprintf(where, sizeof(where), ".att layer %zu", i + 1);
		if (l[i].bundle) {
			hunt_bundle_blob(h, st, l[i].digest, where);
			continue;
		}
		if (a.cert == NULL)
			continue; /* a keyed attestation: sign verify --attestation's */
		hunt_layer(h, st, l[i].digest, &a, where);
	}
	signp_attest_layers_free(l, n);
}

/* cosign v3: Sigstore bundles as OCI 1.1 referrers, classified by the
 * manifest itself (its artifactType and first layer), not the index. */
static int hunt_one(void *arg, const sign_buf *m, const char *mdigest)
{
	hunt *h = arg;
	json_t *man, *layer;
	const char *at, *ld;
	char where[128];

	man = json_loadb(m->ptr, m->size, JSON_REJECT_DUPLICATES, NULL);
	at = json_string_value(json_object_get(man, "artifactType"));
	layer = json_array_get(json_object_get(man, "layers"), 0);
	ld = json_string_value(json_object_get(layer, "digest"));
	if (at != NULL && strncmp(at, AT_BUNDLE_PREFIX, strlen(AT_BUNDLE_PREFIX)) == 0 && ld != NULL &&
	    signp_digest_valid(ld)) {
		snprintf(where, sizeof(where), "referrer %.80s", mdigest);
		hunt_bundle_blob(h, h->st, ld, where);
	}
	json_decref(man);
	return 0;
}

static void hunt_referrers(hunt *h, signp_store *st)
{
	h->st = st;
	(void)signp_store_referrers_each(st, h->image_digest, MAX_LAYERS, hunt_one, h);
}

int sign_verify_sigstore(sign_verify_result *out, sign_buf *predicates_json, sign_ctx *ctx, const char *refstr,
	const sign_sigstore_options *opts, sign_error *err)
{
	signp_trusted_root *root = NULL;
	signp_store *st = NULL;
	signp_identity id;
	signp_ref ref;
	hunt h;
	sign_buf m = SIGN_BUF_INIT;
	unsigned char d[32];
	char digest[80], tag[96], got[80];
	uint64_t size = 0;
	int r;

	signp_err_clear(err);
	memset(&h, 0, sizeof(h));
	if (out == NULL || out->version != SIGN_VERIFY_RESULT_VERSION || opts == NULL ||
	    opts->version != SIGN_SIGSTORE_OPTIONS_VERSION)
		return signp_err(err, SIGN_EINVAL, "verify: unknown options or result version");
	memset(out, 0, sizeof(*out));
	out->version = SIGN_VERIFY_RESULT_VERSION;
	if ((!opts->certificate_identity && !opts->certificate_identity_regexp) ||
	    (!opts->certificate_oidc_issuer && !opts->certificate_oidc_issuer_regexp))
		return signp_err(err, SIGN_EINVAL,
			"verify: a keyless check needs an identity and an OIDC issuer (--certificate-identity[-regexp], --certificate-oidc-issuer[-regexp])");
	if ((r = signp_sigstore_root_load(&root, opts->trusted_root_path, opts->trusted_root_json,
		     opts->trusted_root_len, err)) != SIGN_OK)
		return r;
	if ((r = signp_ref_parse(&ref, refstr, opts->gun, err)) != SIGN_OK)
		goto out;
	signp_ref_repository(out->repository, &ref);
	if ((r = signp_store_open(&st, ctx, &ref, 0, err)) != SIGN_OK)
		goto out;
	if ((r = signp_store_resolve(st, ref.digest[0] ? ref.digest : (ref.tag[0] ? ref.tag : "latest"), digest, NULL,
		     &size, err)) != SIGN_OK)
		goto out;
	if (ref.digest[0] && strcmp(ref.digest, digest) != 0) {
		r = signp_err(err, SIGN_EVERIFY, "%s: the registry serves %s for %s", ref.gun, digest, ref.digest);
		goto out;
	}
	if (!ref.digest[0])
		signp_strlcpy(out->tag, ref.tag[0] ? ref.tag : "latest", sizeof(out->tag));

	if ((r = signp_identity_set(&id, opts->certificate_identity, opts->certificate_identity_regexp,
		     opts->certificate_oidc_issuer, opts->certificate_oidc_issuer_regexp, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "verify");
		goto out;
	}
	if ((r = signp_unhex(d, sizeof(d), digest + 7)) != SIGN_OK) {
		r = signp_err(err, SIGN_EFORMAT, "verify: %s is not a sha256 digest", digest);
		goto out;
	}
	h.root = root;
	h.pol.identity = &id;
	h.pol.digest_alg = "sha256";
	h.pol.digest = d;
	h.pol.digestlen = 32;
	h.pol.now = opts->now ? opts->now : (int64_t)time(NULL);
	h.image_digest = digest;
	h.want_type = opts->attestation ? signp_attest_type_uri(opts->attestation) : NULL;
	h.predicates = json_array();
	if (opts->attestation && h.want_type == NULL) {
		r = signp_err(err, SIGN_EINVAL, "verify: --attestation %.100s is neither a URI nor one of cosign's types",
			opts->attestation);
		goto out;
	}

	/* cosign v2: the .sig or .att tag */
	signp_cosign_sig_tag(tag, digest);
	if (h.want_type)
		memcpy(tag + strlen(tag) - 3, "att", 3);
	if (signp_store_get_manifest(st, tag, SIGN_MAX_MANIFEST, &m, NULL, got, NULL) == SIGN_OK) {
		if (h.want_type)
			hunt_att(&h, st, &m);
		else
			hunt_sig(&h, st, &m);
	}
	/* cosign v3: referrers */
	if (h.valid == 0)
		hunt_referrers(&h, st);

	if (h.valid == 0) {
		if (h.seen == 0)
			r = signp_err(err, SIGN_EVERIFY, "%s@%s: no keyless %s found (%s, referrers)", out->repository, digest,
				h.want_type ? "attestation" : "signature", tag);
		else
			r = signp_err(err, SIGN_EVERIFY, "%s@%s: none of %zu keyless %s verifies: %s%s%s%s%s", out->repository,
				digest, h.seen, h.want_type ? "attestations" : "signatures", h.reasons[0],
				h.nreasons > 1 ? "; " : "", h.nreasons > 1 ? h.reasons[1] : "", h.nreasons > 2 ? "; " : "",
				h.nreasons > 2 ? h.reasons[2] : "");
		goto out;
	}
	signp_strlcpy(out->digest, digest, sizeof(out->digest));
	out->size = size;
	signp_strlcpy(out->role, "keyless", sizeof(out->role));
	if (set_signers(out, &h) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "verify: out of memory");
		goto out;
	}
	if (predicates_json) {
		char *s = json_dumps(h.predicates, JSON_COMPACT);
		r = s ? signp_buf_puts(predicates_json, s) : signp_err(err, SIGN_ENOMEM, "verify: out of memory");
		free(s);
	}
out:
	if (r != SIGN_OK)
		sign_verify_result_dispose(out);
	json_decref(h.predicates);
	sign_buf_dispose(&h.who);
	sign_buf_dispose(&m);
	signp_store_free(st);
	signp_trusted_root_free(root);
	return r;
}

/*
 * attest_push.c - sign_attest: an in-toto statement over an image's
 * digest, signed with the GUN's repository key (or a signer key) in a DSSE
 * envelope, stored as cosign stores attestations: a layer of the
 * sha256-<hex>.att manifest, and with referrers, an OCI 1.1 referrer
 * manifest of its own.
 */
#include "attest.h"
#include "cosign.h"
#include "ctx.h"
#include "dsse.h"
#include "gun_keys.h"
#include "key.h"
#include "mediatype.h"
#include "ref.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* The OCI empty descriptor's blob (image-spec, "Guidance for an empty
 * descriptor"). */
#define EMPTY_JSON "{}"

/* Does manifest m hold a DSSE layer signed by k over exactly statement? */
static int holds_identical(signp_store *st, const sign_buf *m, const signp_key *k, const sign_buf *statement)
{
	signp_att_layer *l = NULL;
	sign_buf blob = SIGN_BUF_INIT, inner = SIGN_BUF_INIT;
	size_t n = 0;
	int found = 0;
	if (signp_attest_layers(&l, &n, m->ptr, m->size, NULL) != SIGN_OK)
		return 0;
	for (size_t i = 0; i < n && !found; i++) {
		signp_dsse *env = NULL;
		/* a statement's envelope is about 4/3 of it, plus the signature
		 * (and a bundle's verification material) */
		if (l[i].size < statement->size || l[i].size > statement->size / 3 * 4 + 65536)
			continue;
		signp_buf_clear(&blob);
		if (signp_store_get_blob_ex(st, l[i].digest, SIGNP_ATT_MAX_ENVELOPE, 0, &blob, NULL) != SIGN_OK ||
		    (l[i].bundle && signp_attest_bundle_envelope(&inner, NULL, blob.ptr, blob.size, NULL) != SIGN_OK))
			continue;
		if (signp_dsse_parse(&env, l[i].bundle ? inner.ptr : blob.ptr, l[i].bundle ? inner.size : blob.size,
			NULL) == SIGN_OK &&
		    env->payload.size == statement->size &&
		    memcmp(env->payload.ptr, statement->ptr, statement->size) == 0 &&
		    signp_dsse_verify(env, k->pkey, NULL) == SIGN_OK)
			found = 1;
		signp_dsse_free(env);
	}
	sign_buf_dispose(&blob);
	sign_buf_dispose(&inner);
	signp_attest_layers_free(l, n);
	return found;
}

/* Is the statement by k one of digest's referrers already? */
typedef struct holds_walk {
	signp_store *st;
	const signp_key *k;
	const sign_buf *statement;
} holds_walk;

static int holds_one(void *arg, const sign_buf *m, const char *mdigest)
{
	holds_walk *w = arg;
	(void)mdigest;
	return holds_identical(w->st, m, w->k, w->statement);
}

static int referrer_holds(signp_store *st, const char *digest, const signp_key *k, const sign_buf *statement)
{
	holds_walk w = { st, k, statement };
	return signp_store_referrers_each(st, digest, SIGNP_STORE_MAX_REFERRERS, holds_one, &w);
}

/* The envelope in a Sigstore bundle (v0.3), an OCI 1.1 referrer of the
 * image, as cosign v3's attest writes it (WriteAttestationNewBundleFormat)
 * with a key and no transparency log: verification material the key's hint
 * (base64 of the SHA-256 of its SubjectPublicKeyInfo), no log entry.  It is
 * listed in the tag schema's index. */
static int put_referrer(sign_attest_result *out, signp_store *st, const char *mt, uint64_t size,
	const signp_key *k, const sign_buf *env, const char *type_uri, sign_error *err)
{
	sign_buf spki = SIGN_BUF_INIT, hint = SIGN_BUF_INIT, bundle = SIGN_BUF_INIT;
	json_t *doc = NULL;
	unsigned char h[32];
	char *body = NULL, when[32], empty_digest[80], bundle_digest[80];
	int r;

	if ((r = signp_key_spki_der(&spki, k->pkey, err)) != SIGN_OK)
		goto out;
	signp_sha256(h, spki.ptr, spki.size);
	if (signp_b64_encode(&hint, h, sizeof(h)) != SIGN_OK ||
	    signp_buf_printf(&bundle, "{\"mediaType\":\"" SIGN_MT_SIGSTORE_BUNDLE_V03 "\",\"verificationMaterial\":"
		    "{\"publicKey\":{\"hint\":\"%s\"}},\"dsseEnvelope\":%s}", hint.ptr, env->ptr) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	signp_time_format(when, signp_now());
	signp_digest(empty_digest, EMPTY_JSON, strlen(EMPTY_JSON));
	signp_digest(bundle_digest, bundle.ptr, bundle.size);
	doc = json_pack("{s:i, s:s, s:{s:s, s:s, s:s, s:i}, s:[{s:s, s:s, s:I}], s:{s:s, s:s, s:s}, "
		"s:{s:s, s:s, s:I}, s:s}",
		"schemaVersion", 2, "mediaType", SIGN_MT_OCI_MANIFEST,
		"config", "mediaType", SIGN_MT_EMPTY, "artifactType", SIGN_MT_SIGSTORE_BUNDLE_V03, "digest", empty_digest,
		"size", (int)strlen(EMPTY_JSON),
		"layers", "mediaType", SIGN_MT_SIGSTORE_BUNDLE_V03, "digest", bundle_digest, "size", (json_int_t)bundle.size,
		"annotations", "dev.sigstore.bundle.content", "dsse-envelope", "dev.sigstore.bundle.predicateType",
		type_uri, "org.opencontainers.image.created", when,
		"subject", "mediaType", mt[0] ? mt : SIGN_MT_OCI_MANIFEST, "digest", out->digest, "size",
		(json_int_t)size,
		"artifactType", SIGN_MT_SIGSTORE_BUNDLE_V03);
	if (doc == NULL || (body = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = signp_store_put_blob_ex(st, bundle.ptr, bundle.size, SIGNP_BLOB_NEW, NULL, err)) != SIGN_OK ||
	    (r = signp_store_put_blob(st, EMPTY_JSON, strlen(EMPTY_JSON), NULL, err)) != SIGN_OK ||
	    (r = signp_store_put_manifest(st, NULL, body, strlen(body), SIGN_MT_OCI_MANIFEST, out->referrer,
		     err)) != SIGN_OK) {
		signp_err_prefix(err, r, "publishing the attestation referrer");
		goto out;
	}
	r = signp_store_referrers_tag_add(st, out->digest, out->referrer, strlen(body), SIGN_MT_SIGSTORE_BUNDLE_V03, err);
out:
	free(body);
	json_decref(doc);
	sign_buf_dispose(&spki);
	sign_buf_dispose(&hint);
	sign_buf_dispose(&bundle);
	return r;
}

/* The signer key keyid of the home, unlocked (not a root, snapshot or
 * timestamp key). */
static int signer_key(signp_key **k, sign_ctx *ctx, const char *keyid, sign_error *err)
{
	signp_keyinfo info;
	int r;
	if ((r = signp_keystore_info(&info, ctx->home, keyid, err)) != SIGN_OK)
		return signp_err_prefix(err, r, "attest --key %.72s", keyid);
	if (strcmp(info.role, "root") == 0 || strcmp(info.role, "snapshot") == 0 ||
	    strcmp(info.role, "timestamp") == 0) {
		r = signp_err(err, SIGN_EINVAL, "attest --key %.12s: that is a %s key, not a signer key", info.id,
			info.role);
		signp_err_hint(err, "attest without --key to sign with the repository key");
		return r;
	}
	return signp_ctx_load_key(k, ctx, info.id,
		strcmp(info.role, "targets") == 0 ? SIGN_PASS_REPOSITORY : SIGN_PASS_DELEGATION, err);
}

/* The repository key of gun, unlocked. */
static int repository_key(signp_key **k, sign_ctx *ctx, const char *gun, sign_error *err)
{
	signp_keyinfo ki;
	int r = signp_keystore_find(&ki, ctx->home, "targets", gun, err);
	if (r == SIGN_ENOTFOUND) {
		signp_err_clear(err);
		r = signp_err(err, SIGN_EKEY, "this home holds no repository key for %s", gun);
		signp_err_hint(err, "attest with the home that signs %s (`sign push`), or import its key with "
			"`sign key import FILE --role targets --gun %s`", gun, gun);
		return r;
	}
	if (r != SIGN_OK)
		return signp_err_prefix(err, r, "finding the repository key of %s", gun);
	return signp_ctx_load_key(k, ctx, ki.id, SIGN_PASS_REPOSITORY, err);
}

SIGN_EXTERN(int) sign_attest(sign_attest_result *out, sign_ctx *ctx, const char *refstr, const char *type,
	const void *predicate, size_t len, const sign_attest_options *opts, sign_error *err)
{
	sign_attest_options dflt = SIGN_ATTEST_OPTIONS_INIT;
	signp_ref ref;
	signp_store *st = NULL;
	signp_key *k = NULL;
	sign_buf statement = SIGN_BUF_INIT, env = SIGN_BUF_INIT, old = SIGN_BUF_INIT;
	sign_buf manifest = SIGN_BUF_INIT, config = SIGN_BUF_INIT;
	json_t *layer = NULL;
	const char *uri;
	char mt[256] = "", odigest[80];
	uint64_t size = 0;
	int r, have_old, dup, ref_dup, lock = -1;

	signp_err_clear(err);
	if (out == NULL || refstr == NULL)
		return signp_err(err, SIGN_EINVAL, "attest: no reference or result given");
	if (out->version != SIGN_ATTEST_RESULT_VERSION)
		return signp_err(err, SIGN_EINVAL, "attest: unsupported result version %u", out->version);
	memset(out, 0, sizeof(*out));
	out->version = SIGN_ATTEST_RESULT_VERSION;
	if (opts == NULL)
		opts = &dflt;
	if (opts->version != SIGN_ATTEST_OPTIONS_VERSION)
		return signp_err(err, SIGN_EINVAL, "attest: unsupported options version");
	if ((uri = signp_attest_type_uri(type)) == NULL)
		return signp_err(err, SIGN_EINVAL, "attest: unknown predicate type \"%.100s\": use one of cosign's "
			"names (slsaprovenance, spdxjson, cyclonedx, vuln, openvex, custom, ...) or a URI",
			type ? type : "");
	if ((r = signp_ref_parse(&ref, refstr, opts->gun, err)) != SIGN_OK)
		goto out;
	if ((r = signp_store_open(&st, ctx, &ref, 0, err)) != SIGN_OK)
		goto out;
	/* the digest of the bytes the store serves, as push signs it */
	if ((r = signp_store_resolve_content(st, ref.digest[0] ? ref.digest : ref.tag[0] ? ref.tag : "latest",
		     out->digest, mt, &size, NULL, err)) != SIGN_OK)
		goto out;
	if (ref.digest[0] && strcmp(ref.digest, out->digest) != 0) {
		r = signp_err(err, SIGN_EVERIFY, "the %s serves %s for %s", signp_store_noun(st), out->digest,
			ref.digest);
		goto out;
	}
	if ((r = signp_attest_statement(&statement, type, ref.gun, out->digest, predicate, len, signp_now(),
		     err)) != SIGN_OK)
		goto out;
	if ((r = opts->keyid ? signer_key(&k, ctx, opts->keyid, err) : repository_key(&k, ctx, ref.gun, err)) !=
	    SIGN_OK)
		goto out;
	signp_ref_push_repository(out->repository, &ref, refstr);
	signp_strlcpy(out->predicate_type, uri, sizeof(out->predicate_type));
	signp_strlcpy(out->keyid, k->id, sizeof(out->keyid));
	signp_attest_tag(out->tag, out->digest);

	/* the .att manifest is read, then written whole: one writer of the
	 * GUN at a time from this home (a push holds the same lock) */
	if ((r = signp_lock_gun(&lock, ctx, ref.gun, err)) != SIGN_OK)
		goto out;
	r = signp_store_get_manifest(st, out->tag, SIGN_MAX_MANIFEST, &old, NULL, odigest, err);
	if (r != SIGN_OK && r != SIGN_ENOTFOUND)
		goto out;
	have_old = r == SIGN_OK;
	signp_err_clear(err);
	/* what is there already: the same statement by this key, in the .att
	 * manifest, and (asked for) as a referrer; only what is missing is
	 * written */
	dup = have_old && holds_identical(st, &old, k, &statement);
	ref_dup = opts->referrers && referrer_holds(st, out->digest, k, &statement);
	if (dup && (!opts->referrers || ref_dup)) {
		r = SIGN_OK; /* attested already, in every form asked for */
		goto out;
	}
	if ((r = signp_attest_envelope(&env, k, statement.ptr, statement.size, err)) != SIGN_OK)
		goto out;
	signp_digest(out->envelope, env.ptr, env.size);
	if (!dup) {
		if ((layer = signp_attest_layer(out->envelope, env.size, uri)) == NULL) {
			r = signp_err(err, SIGN_ENOMEM, "out of memory");
			goto out;
		}
		if ((r = signp_cosign_manifest_add_layer(&manifest, &config, have_old ? old.ptr : NULL,
			     have_old ? old.size : 0, json_incref(layer), err)) != SIGN_OK)
			goto out;
		if ((r = signp_store_put_blob_ex(st, env.ptr, env.size, SIGNP_BLOB_NEW, NULL, err)) != SIGN_OK ||
		    (r = signp_store_put_blob_ex(st, config.ptr, config.size, SIGNP_BLOB_NEW, NULL, err)) != SIGN_OK ||
		    (r = signp_store_put_manifest(st, out->tag, manifest.ptr, manifest.size, SIGN_MT_OCI_MANIFEST,
			     NULL, err)) != SIGN_OK) {
			signp_err_prefix(err, r, "publishing the attestation");
			goto out;
		}
	}
	if (opts->referrers && !ref_dup && (r = put_referrer(out, st, mt, size, k, &env, uri, err)) != SIGN_OK)
		goto out;
	out->new_attestation = 1;
out:
	if (r != SIGN_OK)
		signp_err_prefix(err, r, "attesting %s", refstr);
	signp_unlock_gun(lock);
	json_decref(layer);
	signp_key_free(k);
	sign_buf_dispose(&statement);
	sign_buf_dispose(&env);
	sign_buf_dispose(&old);
	sign_buf_dispose(&manifest);
	sign_buf_dispose(&config);
	signp_store_free(st);
	if (ctx != NULL)
		signp_ctx_remember_schemes(ctx);
	return r;
}

/*
 * detached.c - detached signatures in cosign's layout: appended to the
 * image's .sig manifest, or in the OCI 1.1 referrers form.
 */
#include "detached.h"
#include "cosign.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int signp_push_signature(int *changed, signp_store *st, const char *gun, const char *digest,
	const signp_key *k, sign_error *err)
{
	sign_buf payload = SIGN_BUF_INIT, der = SIGN_BUF_INIT, b64 = SIGN_BUF_INIT;
	sign_buf old = SIGN_BUF_INIT, manifest = SIGN_BUF_INIT, config = SIGN_BUF_INIT;
	char tag[96], pdigest[80], odigest[80];
	int r, have_old;

	*changed = 0;
	if ((r = signp_cosign_sig_tag(tag, digest)) != SIGN_OK)
		return signp_err(err, r, "signing %s: bad digest", digest);
	if ((r = signp_cosign_payload(&payload, gun, digest)) != SIGN_OK ||
	    (r = signp_key_sign_der(&der, k, payload.ptr, payload.size, err)) != SIGN_OK ||
	    (r = signp_b64_encode(&b64, der.ptr, der.size)) != SIGN_OK)
		goto out;
	r = signp_store_get_manifest(st, tag, SIGN_MAX_MANIFEST, &old, NULL, odigest, err);
	if (r != SIGN_OK && r != SIGN_ENOTFOUND)
		goto out;
	have_old = r == SIGN_OK;
	signp_err_clear(err);
	signp_digest(pdigest, payload.ptr, payload.size);
	if ((r = signp_cosign_manifest_append(&manifest, &config, changed, have_old ? old.ptr : NULL,
		     have_old ? old.size : 0, pdigest, payload.size, b64.ptr, k->pkey, payload.ptr,
		     payload.size, err)) != SIGN_OK || !*changed)
		goto out;
	/* Blobs the store almost surely lacks are uploaded without asking
	 * first (a registry's HEAD each): the payload when the image had no
	 * signature manifest (another signer's layer may share it
	 * otherwise), and always the config, which lists every layer's
	 * digest and so is new with the layer just added.  Neither goes to
	 * the home's blob cache: a verify builds sign's own payload instead
	 * of reading it, and never reads a signature manifest's config. */
	if ((r = signp_store_put_blob_ex(st, payload.ptr, payload.size, have_old ? 0 : SIGNP_BLOB_NEW,
		     NULL, err)) != SIGN_OK ||
	    (r = signp_store_put_blob_ex(st, config.ptr, config.size, SIGNP_BLOB_NEW, NULL, err)) !=
		    SIGN_OK ||
	    (r = signp_store_put_manifest(st, tag, manifest.ptr, manifest.size, SIGN_MT_OCI_MANIFEST,
		     NULL, err)) != SIGN_OK)
		signp_err_prefix(err, r, "publishing the detached signature");
out:
	sign_buf_dispose(&payload);
	sign_buf_dispose(&der);
	sign_buf_dispose(&b64);
	sign_buf_dispose(&old);
	sign_buf_dispose(&manifest);
	sign_buf_dispose(&config);
	return r;
}

/* Has a referrer signature manifest of digest a layer signed by k over
 * the payload with digest pdigest? */
typedef struct has_walk {
	const char *pdigest;
	const signp_key *k;
	const sign_buf *payload;
} has_walk;

static int has_one(void *arg, const sign_buf *m, const char *mdigest)
{
	has_walk *w = arg;
	signp_cosign_layer *l = NULL;
	size_t n = 0;
	int found = 0;
	(void)mdigest;
	if (signp_cosign_manifest_layers(&l, &n, m->ptr, m->size, NULL) != SIGN_OK)
		return 0;
	for (size_t j = 0; j < n && !found; j++)
		if (strcmp(l[j].digest, w->pdigest) == 0 &&
		    signp_cosign_verify(w->k->pkey, w->payload->ptr, w->payload->size, l[j].sig_b64) == SIGN_OK)
			found = 1;
	signp_cosign_layers_free(l, n);
	return found;
}

static int referrer_has(signp_store *st, const char *digest, const char *pdigest, const signp_key *k,
	const sign_buf *payload)
{
	has_walk w = { pdigest, k, payload };
	return signp_store_referrers_each(st, digest, SIGNP_STORE_MAX_REFERRERS, has_one, &w);
}

int signp_push_signature_referrer(int *changed, signp_store *st, const char *gun, const char *digest,
	const char *subject_mt, uint64_t subject_size, const signp_key *k, sign_error *err)
{
	sign_buf payload = SIGN_BUF_INIT, der = SIGN_BUF_INIT, b64 = SIGN_BUF_INIT;
	sign_buf manifest = SIGN_BUF_INIT, config = SIGN_BUF_INIT;
	json_t *doc = NULL;
	char pdigest[80], mdigest[80], *body = NULL;
	int r;

	*changed = 0;
	if (!signp_digest_valid(digest))
		return signp_err(err, SIGN_EINVAL, "signing %s: bad digest", digest);
	if ((r = signp_cosign_payload(&payload, gun, digest)) != SIGN_OK)
		goto out;
	signp_digest(pdigest, payload.ptr, payload.size);
	if (referrer_has(st, digest, pdigest, k, &payload))
		goto out; /* already signed by this key: nothing to add */
	if ((r = signp_key_sign_der(&der, k, payload.ptr, payload.size, err)) != SIGN_OK ||
	    (r = signp_b64_encode(&b64, der.ptr, der.size)) != SIGN_OK ||
	    (r = signp_cosign_manifest_append(&manifest, &config, changed, NULL, 0, pdigest, payload.size,
		     b64.ptr, k->pkey, payload.ptr, payload.size, err)) != SIGN_OK)
		goto out;
	/* cosign's OCI 1.1 form: the same manifest, with a subject and an
	 * artifactType (also its config's media type) */
	r = SIGN_ENOMEM;
	if ((doc = json_loadb(manifest.ptr, manifest.size, JSON_DECODE_ANY, NULL)) == NULL)
		goto out;
	json_object_set_new(doc, "artifactType", json_string(SIGN_MT_COSIGN_SIG_ARTIFACT));
	json_object_set_new(json_object_get(doc, "config"), "mediaType", json_string(SIGN_MT_COSIGN_SIG_ARTIFACT));
	json_object_set_new(doc, "subject", json_pack("{s:s, s:s, s:I}", "mediaType",
		subject_mt && *subject_mt ? subject_mt : SIGN_MT_OCI_MANIFEST, "digest", digest,
		"size", (json_int_t)subject_size));
	if ((body = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		goto out;
	if ((r = signp_store_put_blob(st, payload.ptr, payload.size, NULL, err)) != SIGN_OK ||
	    (r = signp_store_put_blob(st, config.ptr, config.size, NULL, err)) != SIGN_OK ||
	    (r = signp_store_put_manifest(st, NULL, body, strlen(body), SIGN_MT_OCI_MANIFEST, mdigest, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "publishing the detached signature");
		goto out;
	}
	/* registries without the referrers API (distribution 2.x): the tag
	 * schema fallback index sha256-<hex> lists it */
	r = signp_store_referrers_tag_add(st, digest, mdigest, strlen(body), SIGN_MT_COSIGN_SIG_ARTIFACT, err);
	*changed = 1;
out:
	if (r == SIGN_ENOMEM)
		signp_err(err, r, "out of memory");
	free(body);
	json_decref(doc);
	sign_buf_dispose(&payload);
	sign_buf_dispose(&der);
	sign_buf_dispose(&b64);
	sign_buf_dispose(&manifest);
	sign_buf_dispose(&config);
	return r;
}


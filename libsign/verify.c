/*
 * verify.c - sign_verify (SPEC §3 steps 1-6), sign_inspect, trust pinning.
 */
#include "common.h"
#include "cosign.h"
#include "ctx.h"
#include "key.h"
#include "pinning.h"
#include "publish.h"
#include "ref.h"
#include "store.h"
#include "trust.h"
#include "tuf.h"
#include "verify.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* What step 6 has found so far, across the places signatures live. */
typedef struct sig_tally {
	int *ok;             /* per authorised key: a valid signature seen */
	int64_t valid;
	size_t seen;         /* signature layers looked at */
	int bad_identity, bad_payload;
	/* The payload sign itself signs for this image and GUN
	 * (signp_cosign_payload), and its digest; size 0 if it could not be
	 * built.  A layer that names it is checked over these bytes, with no
	 * request (tally_manifest). */
	sign_buf own;
	char own_digest[80];
} sig_tally;

/* Check every signature layer of one signature manifest. */
static void tally_manifest(sig_tally *tl, sign_verify_result *res, signp_store *st, const char *gun,
	const char *digest, EVP_PKEY **pkeys, char (*ids)[72], size_t nkeys, const sign_buf *manifest)
{
	sign_buf payload = SIGN_BUF_INIT, ref = SIGN_BUF_INIT;
	signp_cosign_layer *layers = NULL;
	size_t nlayers = 0;
	if (signp_cosign_manifest_layers(&layers, &nlayers, manifest->ptr, manifest->size, NULL) != SIGN_OK)
		return;
	for (size_t i = 0; i < nlayers; i++) {
		const sign_buf *p = &payload;
		tl->seen++;
		if (layers[i].size > SIGN_MAX_SIGBLOB)
			continue;
		/* A layer whose descriptor names sign's own payload (digest and
		 * size) is checked over the bytes built here, without fetching
		 * the blob.  The descriptor is only a hint that saves a GET:
		 * the signature is still verified over the exact bytes then
		 * interpreted, and those bytes are ours.  A descriptor that
		 * lies gives a signature that does not verify over them (the
		 * layer counts as a bad signature, as a wrong signature over a
		 * fetched blob does) or one that does, by an authorised key,
		 * over our payload for this image: a valid signature.  Fetching
		 * the blob after a failed check would not help: a GET of that
		 * digest yields these same bytes (the registry layer checks the
		 * hash) or nothing.  Any other payload (cosign's, with its own
		 * fields) is fetched and checked as it is. */
		if (tl->own.size > 0 && layers[i].size == tl->own.size &&
		    strcmp(layers[i].digest, tl->own_digest) == 0) {
			p = &tl->own;
		} else {
			signp_buf_clear(&payload);
			if (signp_store_get_blob(st, layers[i].digest, SIGN_MAX_SIGBLOB, &payload, NULL) !=
			    SIGN_OK)
				continue;
		}
		for (size_t j = 0; j < nkeys; j++) {
			if (tl->ok[j] || signp_cosign_verify(pkeys[j], p->ptr, p->size,
				     layers[i].sig_b64) != SIGN_OK)
				continue;
			signp_buf_clear(&ref);
			if (signp_cosign_payload_check(p->ptr, p->size, digest, &ref, NULL) != SIGN_OK) {
				tl->bad_payload = 1;
				continue;
			}
			if (strcmp(ref.ptr, gun) != 0) {
				tl->bad_identity = 1;
				continue;
			}
			tl->ok[j] = 1;
			if (res && res->signers)
				signp_strlcpy(res->signers[res->nsigners++], ids[j], 72);
			tl->valid++;
		}
	}
	signp_cosign_layers_free(layers, nlayers);
	sign_buf_dispose(&payload);
	sign_buf_dispose(&ref);
}

/* The OCI 1.1 referrers of digest that are cosign signature manifests
 * (referrers API, else the sha256-<hex> tag schema): checked when the
 * .sig tag does not already meet the threshold. */
typedef struct tally_walk {
	sig_tally *tl;
	sign_verify_result *res;
	signp_store *st;
	const char *gun, *digest;
	EVP_PKEY **pkeys;
	char (*ids)[72];
	size_t nkeys;
} tally_walk;

static int tally_one(void *arg, const sign_buf *m, const char *mdigest)
{
	tally_walk *w = arg;
	(void)mdigest;
	tally_manifest(w->tl, w->res, w->st, w->gun, w->digest, w->pkeys, w->ids, w->nkeys, m);
	return 0;
}

static void tally_referrers(sig_tally *tl, sign_verify_result *res, signp_store *st, const char *gun,
	const char *digest, EVP_PKEY **pkeys, char (*ids)[72], size_t nkeys)
{
	tally_walk w = { tl, res, st, gun, digest, pkeys, ids, nkeys };
	(void)signp_store_referrers_each(st, digest, SIGNP_STORE_MAX_REFERRERS, tally_one, &w);
}

/* ---- a batch's passed signature checks ---- */

typedef struct sig_memo_entry {
	char *key;        /* digest|gun|threshold|key IDs..., NULL when unused */
	size_t nsigners;
	char (*signers)[72];
} sig_memo_entry;

struct signp_sig_memo {
	pthread_mutex_t mu;
	sig_memo_entry e[SIGNP_SIG_MEMO];
	size_t next;      /* the slot the next success takes (oldest first) */
};

signp_sig_memo *signp_sig_memo_new(void)
{
	signp_sig_memo *m = calloc(1, sizeof(*m));
	if (m != NULL && pthread_mutex_init(&m->mu, NULL) != 0) {
		free(m);
		m = NULL;
	}
	return m;
}

void signp_sig_memo_free(signp_sig_memo *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < SIGNP_SIG_MEMO; i++) {
		free(m->e[i].key);
		free(m->e[i].signers);
	}
	pthread_mutex_destroy(&m->mu);
	free(m);
}

/* What a check depends on: the digest, the repository, the threshold and
 * the authorised keys (canonical IDs, in the role's order). */
static char *sig_memo_key(const char *gun, const char *digest, char (*ids)[72], size_t nkeys,
	int64_t threshold)
{
	sign_buf k = SIGN_BUF_INIT;
	if (signp_buf_printf(&k, "%s|%s|%lld", digest, gun, (long long)threshold) != SIGN_OK)
		goto fail;
	for (size_t i = 0; i < nkeys; i++)
		if (signp_buf_printf(&k, "|%s", ids[i]) != SIGN_OK)
			goto fail;
	return k.ptr;
fail:
	sign_buf_dispose(&k);
	return NULL;
}

/* A passed check under key: its signers into res (room for them made by
 * the caller).  1 when found. */
static int sig_memo_get(signp_sig_memo *m, const char *key, sign_verify_result *res)
{
	int found = 0;
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < SIGNP_SIG_MEMO && !found; i++) {
		if (m->e[i].key == NULL || strcmp(m->e[i].key, key) != 0)
			continue;
		found = 1;
		if (res && res->signers)
			for (size_t s = 0; s < m->e[i].nsigners; s++)
				signp_strlcpy(res->signers[res->nsigners++], m->e[i].signers[s], 72);
	}
	pthread_mutex_unlock(&m->mu);
	return found;
}

/* Remember a passed check (key is taken); out of memory: not kept. */
static void sig_memo_put(signp_sig_memo *m, char *key, const sign_verify_result *res)
{
	size_t n = res && res->signers ? res->nsigners : 0;
	char (*signers)[72] = calloc(n ? n : 1, sizeof(*signers));
	sig_memo_entry *e;
	if (signers == NULL) {
		free(key);
		return;
	}
	for (size_t s = 0; s < n; s++)
		signp_strlcpy(signers[s], res->signers[s], 72);
	pthread_mutex_lock(&m->mu);
	e = &m->e[m->next];
	m->next = (m->next + 1) % SIGNP_SIG_MEMO;
	free(e->key);
	free(e->signers);
	e->key = key;
	e->signers = signers;
	e->nsigners = n;
	pthread_mutex_unlock(&m->mu);
}

/* Room in res for every one of nkeys signers (each key counts once): one
 * block, the pointers first, then the IDs they point to, so that nothing
 * can fail while signatures are tallied. */
static int signers_alloc(sign_verify_result *res, size_t nkeys)
{
	char **p;
	char *ids;
	free(res->signers);
	res->signers = NULL;
	res->nsigners = 0;
	if (nkeys == 0)
		return SIGN_OK;
	if ((p = calloc(nkeys, sizeof(char *) + 72)) == NULL)
		return SIGN_ENOMEM;
	ids = (char *)(p + nkeys);
	for (size_t i = 0; i < nkeys; i++)
		p[i] = ids + i * 72;
	res->signers = p;
	return SIGN_OK;
}

SIGN_EXTERN(void) sign_verify_result_dispose(sign_verify_result *res)
{
	unsigned int version;
	if (res == NULL)
		return;
	version = res->version;
	free(res->signers);
	memset(res, 0, sizeof(*res));
	res->version = version;
}

/* Step 6: detached signatures over digest by authorised keys, meeting the
 * threshold.  pkeys[i] / ids[i]: the authorised keys. */
static int check_signatures(sign_verify_result *res, signp_store *st, const char *gun,
	const char *digest, EVP_PKEY **pkeys, char (*ids)[72], size_t nkeys, int64_t threshold,
	signp_sig_memo *sigs, sign_error *err)
{
	sign_buf manifest = SIGN_BUF_INIT;
	sig_tally tl;
	char tag[96], mdigest[80], *mkey = NULL;
	int r;

	memset(&tl, 0, sizeof(tl));
	if (threshold < 1)
		threshold = 1;
	if ((r = signp_cosign_sig_tag(tag, digest)) != SIGN_OK)
		return signp_err(err, SIGN_EVERIFY, "bad digest %s", digest);
	if ((tl.ok = calloc(nkeys + 1, sizeof(int))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	if (signp_cosign_payload(&tl.own, gun, digest) == SIGN_OK)
		signp_digest(tl.own_digest, tl.own.ptr, tl.own.size);
	else
		signp_buf_clear(&tl.own); /* then every layer's blob is fetched */
	if (res && (r = signers_alloc(res, nkeys)) != SIGN_OK) {
		free(tl.ok);
		sign_buf_dispose(&tl.own);
		return signp_err(err, r, "out of memory");
	}
	/* the same check passed already in this batch (another tag of the
	 * image): its signers, no request */
	if (sigs != NULL && (mkey = sig_memo_key(gun, digest, ids, nkeys, threshold)) != NULL &&
	    sig_memo_get(sigs, mkey, res)) {
		r = SIGN_OK;
		goto out;
	}
	/* cosign's tag first: one request when it holds enough */
	r = signp_store_get_manifest(st, tag, SIGN_MAX_MANIFEST, &manifest, NULL, mdigest, err);
	if (r == SIGN_OK)
		tally_manifest(&tl, res, st, gun, digest, pkeys, ids, nkeys, &manifest);
	else if (r != SIGN_ENOTFOUND)
		goto out;
	signp_err_clear(err);
	if (tl.valid < threshold)
		tally_referrers(&tl, res, st, gun, digest, pkeys, ids, nkeys);
	if (tl.valid < threshold) {
		if (tl.seen == 0)
			r = signp_err(err, SIGN_EVERIFY, "%s@%s: no detached signature found", gun, digest);
		else if (tl.valid == 0 && tl.bad_identity)
			r = signp_err(err, SIGN_EVERIFY, "%s@%s: the signature names another repository",
				gun, digest);
		else if (tl.valid == 0 && tl.bad_payload)
			r = signp_err(err, SIGN_EVERIFY, "%s@%s: the signed payload is for another image",
				gun, digest);
		else if (tl.valid == 0)
			r = signp_err(err, SIGN_EVERIFY,
				"%s@%s: no detached signature is by a key the root authorises (%zu found)",
				gun, digest, tl.seen);
		else
			r = signp_err(err, SIGN_EVERIFY,
				"%s@%s: %lld valid signature(s), the role needs %lld", gun, digest,
				(long long)tl.valid, (long long)threshold);
		goto out;
	}
	r = SIGN_OK;
	if (mkey != NULL) {
		sig_memo_put(sigs, mkey, res);
		mkey = NULL;
	}
out:
	free(mkey);
	free(tl.ok);
	sign_buf_dispose(&tl.own);
	sign_buf_dispose(&manifest);
	return r;
}

static int verify_with_key(sign_verify_result *res, signp_store *st, const signp_ref *ref,
	const char *keyfile, signp_sig_memo *sigs, const signp_verify_then *then, sign_error *err)
{
	signp_key *k = NULL;
	char ids[1][72];
	char digest[80];
	uint64_t size = 0;
	int r;
	EVP_PKEY *pk;
	if ((r = signp_key_read_named(&k, keyfile, err)) != SIGN_OK)
		goto out;
	if ((r = signp_store_resolve(st, ref->digest[0] ? ref->digest : (ref->tag[0] ? ref->tag : "latest"),
		     digest, NULL, &size, err)) != SIGN_OK)
		goto out;
	if (ref->digest[0] && strcmp(ref->digest, digest) != 0) {
		r = signp_err(err, SIGN_EVERIFY, "%s: the registry serves %s for %s", ref->gun, digest,
			ref->digest);
		goto out;
	}
	signp_strlcpy(ids[0], k->id, 72);
	pk = k->pkey;
	if (then != NULL)
		r = then->fn(then->arg, st, ref->gun, digest, &pk, (const char (*)[72])ids, 1, 1, err);
	else
		r = check_signatures(res, st, ref->gun, digest, &pk, ids, 1, 1, sigs, err);
	if (r == SIGN_OK) {
		signp_strlcpy(res->digest, digest, sizeof(res->digest));
		res->size = size;
		signp_strlcpy(res->role, "key", sizeof(res->role));
	}
out:
	signp_key_free(k);
	return r;
}

/* Step 5's HEAD, sent while steps 1-4 run (one connection, no wait). */
typedef struct ahead_arg {
	signp_store *st;
	const char *tag;
} ahead_arg;

static void resolve_ahead(void *arg)
{
	const ahead_arg *a = arg;
	signp_store_resolve_ahead(a->st, a->tag);
}

static void warm(void *arg)
{
	(void)arg;
	signp_crypto_warm();
}

/* The entry of the first of signers (NULL: none) that signs tag, or with
 * tag NULL, a target with digest (its name to name_out). */
static int find_in_signers(signp_target *tg, char name_out[136], const signp_trust *t,
	const char *const *signers, const char *tag, const char *digest)
{
	for (const char *const *s = signers; s && *s; s++)
		if (tag ? signp_trust_find_in_role(tg, t, *s, tag) :
			  signp_trust_find_digest_in_role(tg, name_out, t, *s, digest))
			return 1;
	return 0;
}

/* Step 5's answer from the trust data: the entry signed for tag (or, tag
 * NULL, for ref's digest, its name to tagname) that the required signers
 * back. */
static int trust_answer(signp_target *tg, char tagname[136], const signp_trust *t,
	const signp_ref *ref, const char *tag, const sign_verify_options *opts, sign_error *err)
{
	char what[700];
	int r;
	if (tag != NULL) {
		if ((r = signp_trust_find_target(tg, t, tag, err)) != SIGN_OK) {
			/* not where docker pull looks: the first required signer
			 * that signs it names the digest the others must sign */
			if (!find_in_signers(tg, NULL, t, opts->signers, tag, NULL))
				return r;
			signp_err_clear(err);
		}
		if (ref->digest[0] && strcmp(ref->digest, tg->digest) != 0)
			return signp_err(err, SIGN_EVERIFY, "%s:%s is signed for %s, not for the digest %s given",
				ref->gun, tag, tg->digest, ref->digest);
		snprintf(what, sizeof(what), "%s:%s", ref->gun, tag);
		return signp_trust_check_signers(t, what, tag, tg->digest, opts->signers, opts->threshold,
			err);
	}
	if ((r = signp_trust_find_digest(tg, tagname, t, ref->digest, err)) != SIGN_OK) {
		if (!find_in_signers(tg, tagname, t, opts->signers, NULL, ref->digest))
			return r;
		signp_err_clear(err);
	}
	snprintf(what, sizeof(what), "%s@%s", ref->gun, ref->digest);
	return signp_trust_check_signers(t, what, NULL, tg->digest, opts->signers, opts->threshold, err);
}

static int verify_ref(sign_verify_result *out, sign_ctx *ctx, const char *refstr,
	const sign_verify_options *opts, signp_store *own, int memo_only, signp_sig_memo *sigs,
	const signp_verify_then *then, sign_error *err);

SIGN_EXTERN(int) sign_verify(sign_verify_result *out, sign_ctx *ctx, const char *refstr,
	const sign_verify_options *opts, sign_error *err)
{
	return verify_ref(out, ctx, refstr, opts, NULL, 0, NULL, NULL, err);
}

int signp_verify_ref(sign_verify_result *out, sign_ctx *ctx, const char *refstr,
	const sign_verify_options *opts, signp_store *own, int memo_only, signp_sig_memo *sigs,
	sign_error *err)
{
	return verify_ref(out, ctx, refstr, opts, own, memo_only, sigs, NULL, err);
}

int signp_verify_ref_then(sign_verify_result *out, sign_ctx *ctx, const char *refstr,
	const sign_verify_options *opts, const signp_verify_then *then, sign_error *err)
{
	return verify_ref(out, ctx, refstr, opts, NULL, 0, NULL, then, err);
}

static int verify_ref(sign_verify_result *out, sign_ctx *ctx, const char *refstr,
	const sign_verify_options *opts, signp_store *own, int memo_only, signp_sig_memo *sigs,
	const signp_verify_then *then, sign_error *err)
{
	sign_verify_options dflt = SIGN_VERIFY_OPTIONS_INIT;
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	signp_trust *t = NULL;
	signp_trust_load_opts lo;
	signp_target tg;
	char served[80], tagname[136];
	EVP_PKEY **pkeys = NULL;
	char (*ids)[72] = NULL;
	size_t nkeys = 0;
	const json_t *id;
	size_t i;
	int r, borrowed = 0, memo_ok = 0;
	char memo[1024];
	const char *tag = NULL;
	ahead_arg ahead;

	signp_err_clear(err);
	if (out == NULL)
		return signp_err(err, SIGN_EINVAL, "verify: no result given");
	if (out->version != SIGN_VERIFY_RESULT_VERSION)
		return signp_err(err, SIGN_EINVAL, "verify: unsupported result version %u",
			out->version);
	memset(out, 0, sizeof(*out));
	out->version = SIGN_VERIFY_RESULT_VERSION;
	if (opts != NULL && (opts->version == 1 || opts->version == 2)) {
		/* version 1 ends before at, version 2 before root_ca */
		memcpy(&dflt, opts, opts->version == 1 ? offsetof(sign_verify_options, at)
			: offsetof(sign_verify_options, root_ca));
		dflt.version = SIGN_VERIFY_OPTIONS_VERSION;
		opts = &dflt;
	}
	if (opts == NULL)
		opts = &dflt;
	if (opts->version != SIGN_VERIFY_OPTIONS_VERSION)
		return signp_err(err, SIGN_EINVAL, "verify: unsupported options version");
	if ((r = signp_trust_signers_check_args(opts->signers, opts->threshold, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "verify");
		return r;
	}
	if (opts->key && (opts->root_ca || opts->signers))
		return signp_err(err, SIGN_EINVAL,
			"verify: a key-only check (key) reads no trust data: it takes no root_ca or signers");
	if (then != NULL && opts->offline)
		return signp_err(err, SIGN_EINVAL,
			"verify: attestations are read from the registry: not offline");
	if (opts->at < 0 || (opts->at > 0 && opts->at < signp_now() - 60))
		return signp_err(err, SIGN_EINVAL,
			"verify: the time to check at is in the past: expired trust data is never accepted");
	if ((r = signp_ref_parse(&ref, refstr, opts->gun, err)) != SIGN_OK)
		goto out;
	signp_ref_repository(out->repository, &ref);
	if (own)
		st = own;
	else if ((r = signp_store_open(&st, ctx, &ref, 0, err)) != SIGN_OK)
		goto out;
	/* Step 6 checks detached signatures (not offline, nor with a trust
	 * server): OpenSSL's one-time set-up for it runs while the first
	 * request to the registry is out. */
	if (opts->key) {
		(void)signp_store_add_idle(st, warm, NULL);
		r = verify_with_key(out, st, &ref, opts->key, sigs, then, err);
		goto out;
	}
	if ((r = signp_trust_backend_open(&be, ctx, st, &ref, err)) != SIGN_OK)
		goto out;
	if (!opts->offline && !(be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP))
		(void)signp_store_add_idle(st, warm, NULL);
	memset(&lo, 0, sizeof(lo));
	lo.root_key_files = opts->root_keys;
	lo.root_ca_file = opts->root_ca;
	lo.offline = opts->offline;
	lo.at = opts->at;
	ahead.st = st;
	ahead.tag = ref.tag[0] ? ref.tag : "latest";
	if (!opts->offline && !(be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP) && (ref.tag[0] || !ref.digest[0])) {
		lo.refreshed = resolve_ahead;
		lo.refreshed_arg = &ahead;
	}
	if (ref.tag[0] || !ref.digest[0]) {
		tag = ref.tag[0] ? ref.tag : "latest";
		signp_strlcpy(out->tag, tag, sizeof(out->tag));
	}
	/* steps 1-4, once per GUN, backend, pins and reading in this context:
	 * a tag is looked up in the verified targets index when it stands for
	 * the verified files; an index that a lookup finds forged is dropped,
	 * and the files are loaded and checked again (and indexed anew) */
	for (int attempt = 0;; attempt++) {
		lo.index = tag == NULL ? 0 : attempt == 0 ? SIGNP_TRUST_INDEX_USE : SIGNP_TRUST_INDEX_REBUILD;
		snprintf(memo, sizeof(memo), "%s|%s|%d|%lld|%d", be->name, ref.gun, opts->offline,
			(long long)opts->at, lo.index);
		for (const char *const *rk = opts->root_keys; rk && *rk; rk++) {
			size_t n = strlen(memo);
			snprintf(memo + n, sizeof(memo) - n, "|%s", *rk);
		}
		if (opts->root_ca) {
			size_t n = strlen(memo);
			snprintf(memo + n, sizeof(memo) - n, "|ca=%s", opts->root_ca);
		}
		/* a key cut short could stand for other pins: no memo then */
		memo_ok = strlen(memo) < sizeof(memo) - 1;
		if (memo_ok && (t = signp_trust_memo_get(ctx, memo)) != NULL) {
			borrowed = 1;
		} else if (memo_only) {
			r = signp_err(err, SIGNP_VERIFY_NOMEMO, "%s: its trust data is not verified yet", ref.gun);
			goto out;
		} else if ((r = signp_trust_load(&t, ctx, be, ref.gun, &lo, err)) != SIGN_OK) {
			goto out;
		}
		out->timestamp_expires = t->timestamp->expires;
		/* step 5: the signed digest for the tag (it must be what is
		 * served now, below) */
		r = trust_answer(&tg, tagname, t, &ref, tag, opts, err);
		if (attempt > 0 || !signp_trust_index_failed(t))
			break;
		if (memo_only) {
			/* a batch's worker: the calling thread rebuilds it */
			r = signp_err(err, SIGNP_VERIFY_NOMEMO, "%s: its targets index failed its checks", ref.gun);
			goto out;
		}
		signp_ctx_log(ctx, SIGN_LOG_WARN,
			"the targets index of %s failed its checks (an entry does not verify): it is rebuilt "
			"from the verified targets", ref.gun);
		signp_trust_index_drop(ctx, ref.gun);
		if (!borrowed)
			signp_trust_free(t);
		t = NULL;
		borrowed = 0;
		signp_err_clear(err);
	}
	if (r != SIGN_OK)
		goto out;
	if (tag != NULL) {
		if (!opts->offline && !(be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP)) {
			if ((r = signp_store_resolve(st, tag, served, NULL, NULL, err)) != SIGN_OK) {
				signp_err_prefix(err, r, "resolving %s:%s", ref.gun, tag);
				goto out;
			}
			if (strcmp(served, tg.digest) != 0) {
				r = signp_err(err, SIGN_EVERIFY,
					"%s:%s moved: it now points to %s but the signed digest is %s",
					ref.gun, tag, served, tg.digest);
				signp_err_hint(err, "pull by the signed digest, or sign the new image with `sign push`");
				goto out;
			}
		}
	} else {
		signp_strlcpy(out->tag, tagname, sizeof(out->tag));
	}
	signp_strlcpy(out->role, tg.role, sizeof(out->role));
	/* step 6, and with then, its check with the same keys */
	if ((opts->offline || (be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP)) && then == NULL) {
		/* The cached targets are the evidence offline; with a trust
		 * server, its signed targets are, as docker pull trusts them
		 * (the digest printed is what to pull by) */
		r = SIGN_OK;
	} else {
		/* the role's distinct public keys, each once under its canonical
		 * ID: a key listed under several key IDs (another encoding, a
		 * certificate) must not count twice toward the threshold */
		size_t nlisted = json_array_size(tg.keyids);
		pkeys = calloc(nlisted ? nlisted : 1, sizeof(*pkeys));
		ids = calloc(nlisted ? nlisted : 1, sizeof(*ids));
		if (pkeys == NULL || ids == NULL) {
			r = signp_err(err, SIGN_ENOMEM, "out of memory");
			goto out;
		}
		json_array_foreach(tg.keyids, i, id) {
			const json_t *kobj = json_object_get(tg.keys,
				json_string_value(id) ? json_string_value(id) : "");
			EVP_PKEY *pk = NULL;
			char cid[65];
			size_t j = 0;
			if (kobj == NULL || signp_tuf_key_pkey(&pk, kobj, NULL) != SIGN_OK)
				continue;
			if (signp_key_canonical_id(cid, pk, NULL) == SIGN_OK)
				while (j < nkeys && strcmp(ids[j], cid) != 0)
					j++;
			if (j < nkeys || cid[0] == '\0') {
				EVP_PKEY_free(pk); /* listed already, under another ID */
				continue;
			}
			pkeys[nkeys] = pk;
			signp_strlcpy(ids[nkeys], cid, 72);
			nkeys++;
		}
		if (!(opts->offline || (be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP)) &&
		    (r = check_signatures(out, st, ref.gun, tg.digest, pkeys, ids, nkeys,
			     tg.threshold, sigs, err)) != SIGN_OK)
			goto out;
		if (then != NULL && (r = then->fn(then->arg, st, ref.gun, tg.digest, pkeys,
			(const char (*)[72])ids, nkeys, tg.threshold, err)) != SIGN_OK)
			goto out;
	}
	signp_strlcpy(out->digest, tg.digest, sizeof(out->digest));
	out->size = tg.size;
out:
	if (r != SIGN_OK) {
		signp_err_prefix(err, r, "verifying %s", refstr);
		free(out->signers);
		out->signers = NULL;
		out->nsigners = 0;
	}
	for (i = 0; i < nkeys; i++)
		EVP_PKEY_free(pkeys[i]);
	free(pkeys);
	free(ids);
	signp_ctx_counters(ctx, &out->requests, &out->connections);
	if (own) {
		/* a worker of a batch: its own connection's, and the context
		 * is not written to */
		long rq = 0, cn = 0;
		signp_store_own_counters(own, &rq, &cn);
		out->requests += rq;
		out->connections += cn;
	} else {
		signp_ctx_remember_schemes(ctx);
	}
	if (t && !borrowed) {
		if (memo_ok && (r == SIGN_OK || r == SIGN_EVERIFY))
			signp_trust_memo_put(ctx, memo, t); /* verified: reuse for the next REF */
		else
			signp_trust_free(t);
	}
	if (be)
		be->free(be);
	signp_store_drop_idle(st, warm, NULL);
	signp_store_resolve_ahead_cancel(st);
	if (st != own)
		signp_store_free(st);
	return r;
}

/* ---- inspect ---- */

/* A role's keys as docker trust inspect lists them, by key ID, each public
 * key once: a key listed under several IDs appears under the first. */
static json_t *keys_of(const json_t *keys, const json_t *ids)
{
	json_t *arr = json_array(), *seen = json_object(), *id;
	size_t i;
	json_array_foreach(ids, i, id) {
		const char *kid = json_string_value(id);
		char cid[65];
		if (kid == NULL)
			continue;
		if (signp_tuf_key_canonical_id(cid, json_object_get(keys, kid), NULL) == SIGN_OK) {
			if (json_object_get(seen, cid) != NULL)
				continue;
			json_object_set_new(seen, cid, json_true());
		}
		json_array_append_new(arr, json_pack("{s:O}", "ID", id));
	}
	json_decref(seen);
	return arr;
}

static json_t *role_info(const signp_tuf_file *f)
{
	char when[32];
	signp_time_format(when, f->expires);
	return json_pack("{s:I, s:s}", "version", (json_int_t)f->version, "expires", when);
}

SIGN_EXTERN(int) sign_inspect(sign_buf *json_out, sign_ctx *ctx, const char *refstr,
	const char *gun, sign_error *err)
{
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	signp_trust *t = NULL;
	signp_trust_load_opts lo;
	json_t *doc = NULL, *tags, *admin, *roles, *signers, *root_ids = NULL;
	const json_t *rroles;
	char *s = NULL;
	int r;

	signp_err_clear(err);
	if ((r = signp_ref_parse(&ref, refstr, gun, err)) != SIGN_OK)
		goto out;
	if ((r = signp_store_open(&st, ctx, &ref, 0, err)) != SIGN_OK ||
	    (r = signp_trust_backend_open(&be, ctx, st, &ref, err)) != SIGN_OK)
		goto out;
	memset(&lo, 0, sizeof(lo));
	if ((r = signp_trust_load(&t, ctx, be, ref.gun, &lo, err)) != SIGN_OK)
		goto out;
	/* tags this home signed that the published state lost (issue 11) */
	signp_journal_report(ctx, t);
	rroles = json_object_get(t->root->signed_obj, "roles");
	tags = json_array();
	signers = json_array();
	{
		/* every tag of targets and of the verified delegations, with the
		 * digest docker pull would take and the roles that sign it */
		json_t *seen = json_object(), *files = json_array(), *f;
		const char *name;
		json_t *e;
		size_t i;
		json_array_append_new(files, json_integer(-1));
		for (i = 0; i < t->ndeleg; i++)
			json_array_append_new(files, json_integer((json_int_t)i));
		json_array_foreach(files, i, f) {
			json_int_t fi = json_integer_value(f);
			const signp_tuf_file *tf = fi < 0 ? t->targets : t->deleg[fi];
			json_object_foreach(json_object_get(tf->signed_obj, "targets"), name, e) {
				signp_target tg;
				json_t *who = json_array();
				(void)e;
				if ((ref.tag[0] && strcmp(ref.tag, name) != 0) || json_object_get(seen, name) ||
				    signp_trust_find_target(&tg, t, name, NULL) != SIGN_OK) {
					json_decref(who);
					continue;
				}
				json_object_set_new(seen, name, json_true());
				if (json_object_get(json_object_get(t->targets->signed_obj, "targets"), name))
					json_array_append_new(who, json_string("Repo Admin"));
				for (size_t d = 0; d < t->ndeleg; d++)
					if (json_object_get(json_object_get(t->deleg[d]->signed_obj, "targets"), name) &&
					    strcmp(t->deleg[d]->role, "targets/releases") != 0)
						json_array_append_new(who, json_string(t->deleg[d]->role + 8));
				if (json_array_size(who) == 0)
					json_array_append_new(who, json_string(tg.role + 8));
				json_array_append_new(tags, json_pack("{s:s, s:s, s:I, s:o}", "SignedTag", name,
					"Digest", tg.digest + 7, "Size", (json_int_t)tg.size, "Signers", who));
			}
		}
		json_decref(files);
		json_decref(seen);
		/* the signers: delegation roles but releases, with their keys */
		json_array_foreach(json_object_get(json_object_get(t->targets->signed_obj, "delegations"),
			"roles"), i, e) {
			const char *rn = json_string_value(json_object_get(e, "name"));
			if (rn == NULL || !signp_str_has_prefix(rn, "targets/") || strcmp(rn, "targets/releases") == 0)
				continue;
			json_array_append_new(signers, json_pack("{s:s, s:o}", "Name", rn + 8,
				"Keys", keys_of(json_object_get(json_object_get(t->targets->signed_obj,
					"delegations"), "keys"), json_object_get(e, "keyids"))));
		}
	}
	signp_trust_root_canonical_ids(&root_ids, t->root, NULL);
	admin = json_pack("[{s:s, s:o}, {s:s, s:o}]",
		"Name", "Root", "Keys", keys_of(json_object_get(t->root->signed_obj, "keys"),
			json_object_get(json_object_get(rroles, "root"), "keyids")),
		"Name", "Repository", "Keys", keys_of(json_object_get(t->root->signed_obj, "keys"),
			json_object_get(json_object_get(rroles, "targets"), "keyids")));
	roles = json_pack("{s:o, s:o, s:o, s:o}", "root", role_info(t->root), "targets",
		role_info(t->targets), "snapshot", role_info(t->snapshot), "timestamp",
		role_info(t->timestamp));
	doc = json_pack("[{s:s, s:o, s:o, s:o, s:O, s:o, s:s}]", "Name", ref.gun, "SignedTags", tags,
		"Signers", signers, "AdministrativeKeys", admin, "RootKeyIDs", root_ids ? root_ids : json_array(),
		"Roles", roles, "Backend", be->name);
	if (doc == NULL || (s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "inspect: out of memory");
		goto out;
	}
	r = signp_buf_puts(json_out, s);
out:
	free(s);
	json_decref(doc);
	json_decref(root_ids);
	signp_trust_free(t);
	if (be)
		be->free(be);
	signp_store_free(st);
	signp_ctx_remember_schemes(ctx);
	return r;
}

/* ---- trust pin / show ---- */

SIGN_EXTERN(int) sign_trust_pin(sign_ctx *ctx, const char *gun, const char *root_key_file,
	sign_error *err)
{
	sign_buf data = SIGN_BUF_INIT, path = SIGN_BUF_INIT, body = SIGN_BUF_INIT, pem = SIGN_BUF_INIT;
	signp_key *k = NULL;
	json_t *doc = NULL;
	char *text = NULL;
	int r;
	signp_err_clear(err);
	if (!signp_gun_valid(gun))
		return signp_err(err, SIGN_EINVAL, "pinning %s: not a valid GUN", gun);
	if ((r = signp_read_file_ex(&data, root_key_file, SIGN_MAX_KEYFILE, SIGNP_READ_FOREIGN, err)) != SIGN_OK ||
	    (r = signp_key_parse(&k, data.ptr, data.size, NULL, 0, err)) != SIGN_OK) {
		signp_err_prefix(err, r, "reading root key %s", root_key_file);
		goto out;
	}
	if ((r = signp_ctx_gun_path(&path, ctx, gun, "pinned_root.json", 1, err)) != SIGN_OK)
		goto out;
	/* the key itself, which a root must be signed by; its ID for display */
	if ((r = signp_key_public_pem(&pem, k->pkey, err)) != SIGN_OK)
		goto out;
	doc = json_pack("{s:[s],s:[s]}", "root_keyids", k->id, "root_keys", pem.ptr);
	if (doc == NULL || (text = json_dumps(doc, JSON_COMPACT)) == NULL ||
	    signp_buf_printf(&body, "%s\n", text) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	r = signp_write_file_atomic(path.ptr, body.ptr, body.size, 0600, err);
out:
	free(text);
	json_decref(doc);
	sign_buf_dispose(&pem);
	signp_key_free(k);
	sign_buf_dispose(&data);
	sign_buf_dispose(&path);
	sign_buf_dispose(&body);
	return r;
}

SIGN_EXTERN(int) sign_trust_show(sign_buf *json_out, sign_ctx *ctx, const char *gun,
	sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	json_t *doc = json_object(), *pin = NULL, *roles = json_object();
	const char *names[4] = { "root", "targets", "snapshot", "timestamp" };
	char *s = NULL;
	int r = SIGN_OK;
	signp_err_clear(err);
	if (!signp_gun_valid(gun)) {
		r = signp_err(err, SIGN_EINVAL, "trust show %s: not a valid GUN", gun);
		goto out;
	}
	json_object_set_new(doc, "gun", json_string(gun));
	if (signp_ctx_gun_path(&path, ctx, gun, "pinned_root.json", 0, NULL) == SIGN_OK &&
	    signp_read_file(&data, path.ptr, 65536, NULL) == SIGN_OK)
		pin = json_loadb(data.ptr, data.size, 0, NULL);
	json_object_set_new(doc, "pinned_root_keyids",
		pin ? json_incref(json_object_get(pin, "root_keyids")) : json_null());
	for (int i = 0; i < 4; i++) {
		sign_buf p = SIGN_BUF_INIT, d = SIGN_BUF_INIT;
		signp_tuf_file *f = NULL;
		signp_buf_printf(&p, "metadata/%s.json", names[i]);
		sign_buf full = SIGN_BUF_INIT;
		if (signp_ctx_gun_path(&full, ctx, gun, p.ptr, 0, NULL) == SIGN_OK &&
		    signp_read_file(&d, full.ptr, SIGN_MAX_METADATA, NULL) == SIGN_OK &&
		    signp_tuf_parse(&f, names[i], d.ptr, d.size, NULL) == SIGN_OK)
			json_object_set_new(roles, names[i], role_info(f));
		if (f && i == 0) {
			json_t *ids = NULL;
			signp_trust_root_canonical_ids(&ids, f, NULL);
			json_object_set_new(doc, "root_keyids", ids ? ids : json_array());
		}
		signp_tuf_file_free(f);
		sign_buf_dispose(&p);
		sign_buf_dispose(&d);
		sign_buf_dispose(&full);
	}
	json_object_set(doc, "cached", roles);
	{
		signp_pin rule;
		char what[400];
		if ((r = signp_pin_resolve(&rule, ctx, gun, NULL, err)) != SIGN_OK)
			goto out;
		if (signp_pin_active(&rule))
			snprintf(what, sizeof(what), "%s", rule.rule);
		else if (json_object_size(roles))
			snprintf(what, sizeof(what), "the cached root (first trusted on first use)");
		else if (rule.disable_tofu)
			snprintf(what, sizeof(what), "nothing: trust on first use is disabled, verify will refuse");
		else
			snprintf(what, sizeof(what), "nothing yet: trust on first use");
		json_object_set_new(doc, "pinned_by", json_string(what));
		if (rule.ca_file[0])
			json_object_set_new(doc, "pinned_ca", json_string(rule.ca_file));
		if (json_array_size(rule.keyids))
			json_object_set(doc, "pinned_root_keyids", rule.keyids);
		json_object_set_new(doc, "trust_on_first_use", json_boolean(!rule.disable_tofu));
		signp_pin_dispose(&rule);
	}
	json_object_set_new(doc, "timestamp_lifetime",
		json_integer(signp_trust_timestamp_lifetime(ctx, gun)));
	if ((s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL ||
	    signp_buf_puts(json_out, s) != SIGN_OK)
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
out:
	free(s);
	json_decref(pin);
	json_decref(doc);
	json_decref(roles);
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	return r;
}

/*
 * push.c - sign_push, sign_push_batch and sign_trust_refresh: detached
 * signatures first, then targets, snapshot and timestamp, published in one
 * publish transaction (publish.h) with the update stage of update.c.
 *
 * A batch groups its references by repository: each group's store and
 * trust backend are opened once, its keys unlocked once, each reference
 * resolved and its detached signature written, and then every tag of the
 * group is published in one commit: targets, snapshot and timestamp are
 * signed once per group, not once per reference.
 */
#include "common.h"
#include "cosign.h"
#include "ctx.h"
#include "key.h"
#include "ref.h"
#include "store.h"
#include "trust.h"
#include "tuf.h"
#include "publish.h"
#include "push_target.h"
#include "signer.h"
#include "update.h"
#include "upload.h"
#include "pool.h"


#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* The references of one repository, and what they share. */
typedef struct push_group {
	sign_ctx *ctx;
	const sign_push_options *opts;
	signp_ref ref;                /* the group's first reference */
	signp_store *st;
	signp_trust_backend *be;
	signp_publish *tx;
	signp_publish_opts po;
	signp_gun_keys k;
	int have_keys;
	int created_repository;
} push_group;

/* The context's requests since mark. */
static long requests_since(const sign_ctx *ctx, long mark)
{
	long now = 0;
	signp_ctx_counters(ctx, &now, NULL);
	return now - mark;
}

/* Sort key: the group's first reference's index, then the reference's. */
typedef struct push_slot {
	size_t group, index;
} push_slot;

/* A platform manifest of an index, signed as the index is (--recursive). */
static int stage_platforms(push_group *g, signp_store *st, const char *refstr, const char *digest,
	sign_error *err)
{
	sign_buf body = SIGN_BUF_INIT;
	char got[80];
	json_t *doc, *d;
	size_t i;
	int r = signp_store_get_manifest(st, digest, SIGN_MAX_MANIFEST, &body, NULL, got, err);
	doc = r == SIGN_OK ? json_loadb(body.ptr, body.size, 0, NULL) : NULL;
	json_array_foreach(json_object_get(doc, "manifests"), i, d) {
		const char *cd = json_string_value(json_object_get(d, "digest"));
		char pd[80];
		int ch = 0;
		if (r != SIGN_OK || cd == NULL || !signp_digest_valid(cd))
			continue;
		/* each platform manifest is fetched by digest and its bytes
		 * hashed (the store refuses content that does not hash to
		 * it): what is signed is what the registry holds */
		signp_buf_clear(&body);
		r = signp_store_get_manifest(st, cd, SIGN_MAX_MANIFEST, &body, NULL, pd, err);
		if (r == SIGN_OK && strcmp(pd, cd) != 0)
			r = signp_err(err, SIGN_EREGISTRY, "push %s: platform manifest %s: the registry sent "
				"content with digest %s", refstr, cd, pd);
		if (r == SIGN_OK)
			r = signp_push_signature(&ch, st, g->ref.gun, cd, g->k.targets, err);
	}
	json_decref(doc);
	sign_buf_dispose(&body);
	return r;
}

/* One reference of the group, over st (the group's store, or a worker's):
 * its tag resolved (after the upload of --from), the keys unlocked the
 * first time, its detached signature written.  out gets the tag, digest
 * and size to publish.  Once the keys are unlocked, it runs on worker
 * threads: it then touches only st, out and the keys (read). */
static int stage_ref(push_group *g, signp_store *st, sign_push_result *out, const char *refstr,
	sign_error *err)
{
	const sign_push_options *opts = g->opts;
	signp_ref ref;
	const char *tag = NULL;
	char mt[256], up_digest[80] = "", up_mt[256] = "";
	uint64_t up_size = 0;
	int r;

	if ((r = signp_ref_parse(&ref, refstr, opts->gun, err)) != SIGN_OK ||
	    (r = signp_push_tag(&tag, &ref, refstr, err)) != SIGN_OK)
		return r;
	if (opts->from &&
	    (r = signp_upload_from(g->ctx, opts->from, st, tag, up_digest, up_mt, &up_size, err)) != SIGN_OK)
		return r;
	if ((r = signp_push_resolve(out->digest, mt, &out->size, st, &ref, refstr, tag, err)) != SIGN_OK)
		return r;
	if (opts->from && strcmp(out->digest, up_digest) != 0) {
		/* the tag no longer names what we uploaded: sign neither */
		r = signp_err(err, SIGN_EREGISTRY, "push %s: uploaded %s under tag %s, but the %s now serves "
			"%s for it; nothing was signed", refstr, up_digest, tag, signp_store_noun(st),
			out->digest);
		signp_err_hint(err, "another writer moved the tag, or the registry is not trustworthy; "
			"check who pushes to %s", ref.gun);
		out->digest[0] = '\0';
		return r;
	}
	if (opts->from) {
		/* sign what was uploaded, described by its own bytes */
		signp_strlcpy(out->digest, up_digest, sizeof(out->digest));
		signp_strlcpy(mt, up_mt, sizeof(mt));
		out->size = up_size;
	}
	if (!g->have_keys) {
		/* the first reference that resolved: lock the GUN and unlock
		 * its keys, once for the group */
		if ((r = signp_publish_begin(&g->tx, g->ctx, g->be, g->ref.gun, &g->po, err)) != SIGN_OK ||
		    (r = signp_gun_keys_get(&g->k, &g->created_repository, g->ctx, g->ref.gun, 1, 0,
			     (g->be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP), opts->local_snapshot, err)) != SIGN_OK ||
		    (opts->timestamp_lifetime > 0 &&
			(r = signp_trust_set_timestamp_lifetime(g->ctx, g->ref.gun, opts->timestamp_lifetime,
			     err)) != SIGN_OK)) {
			out->digest[0] = '\0';
			return r;
		}
		g->have_keys = 1;
	}
	/* the signature goes first: an interrupted push leaves a signature
	 * that nothing references yet, never a tag without a signature */
	r = opts->referrers ?
		signp_push_signature_referrer(&out->new_signature, st, g->ref.gun, out->digest, mt,
			out->size, g->k.targets, err) :
		signp_push_signature(&out->new_signature, st, g->ref.gun, out->digest, g->k.targets, err);
	if (r == SIGN_OK && opts->recursive &&
	    (strcmp(mt, SIGN_MT_OCI_INDEX) == 0 || strcmp(mt, SIGN_MT_DOCKER_LIST) == 0))
		r = stage_platforms(g, st, refstr, out->digest, err);
	if (r != SIGN_OK) {
		out->digest[0] = '\0';
		return r;
	}
	signp_ref_push_repository(out->repository, &ref, refstr);
	signp_strlcpy(out->gun, ref.gun, sizeof(out->gun));
	signp_strlcpy(out->tag, tag, sizeof(out->tag));
	signp_strlcpy(out->keyid, g->k.targets->id, sizeof(out->keyid));
	signp_strlcpy(out->role, "targets", sizeof(out->role));
	return SIGN_OK;
}

/* The staged references (their results) published in one commit; on
 * failure, none of them counts as signed. */
static int publish_group(push_group *g, sign_push_result *const *res, size_t n, sign_error *err)
{
	signp_target_change *changes = NULL;
	signp_update_req req;
	json_t *journal = NULL, *republished = NULL;
	int r, noop, jdirty = 0;

	if (n == 0)
		return SIGN_OK;
	if ((changes = calloc(n, sizeof(*changes))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	/* the tags go into the journal before anything is published: a
	 * later command from this home notices if a concurrent publisher's
	 * write loses one */
	journal = signp_journal_load(g->ctx, g->ref.gun);
	republished = json_object();
	r = journal && republished ? SIGN_OK : SIGN_ENOMEM;
	for (size_t i = 0; r == SIGN_OK && i < n; i++) {
		changes[i].tag = res[i]->tag;
		changes[i].digest = res[i]->digest;
		changes[i].size = res[i]->size;
		if (signp_journal_set(journal, res[i]->tag, res[i]->digest, res[i]->size) != SIGN_OK)
			r = SIGN_ENOMEM;
	}
	if (r != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = signp_journal_save(g->ctx, g->ref.gun, journal, err)) != SIGN_OK)
		goto out;
	memset(&req, 0, sizeof(req));
	req.ctx = g->ctx;
	req.be = g->be;
	req.k = &g->k;
	req.changes = changes;
	req.nchanges = n;
	req.allow_init = 1;
	req.journal = journal;
	req.jdirty = &jdirty;
	req.republished = republished;
	req.st = g->st;
	r = signp_publish_commit(g->tx, signp_update_stage, &req, err);
	noop = r == SIGN_OK && !signp_publish_published(g->tx);
	if (r != SIGN_OK || noop) {
		/* failed (the user was told), or already published as it is */
		for (size_t i = 0; i < n; i++)
			json_object_del(journal, res[i]->tag);
		jdirty = 1;
	}
	signp_update_journal_done(g->ctx, g->ref.gun, journal, jdirty, republished, r == SIGN_OK);
	if (r == SIGN_OK && noop && g->opts->timestamp_lifetime > 0) {
		/* nothing new to record, but a new lifetime was asked for */
		signp_update_req rq = { .ctx = g->ctx, .be = g->be, .k = &g->k };
		g->po.refresh = 1;
		signp_publish_set_opts(g->tx, &g->po);
		r = signp_publish_commit(g->tx, signp_update_stage, &rq, err);
	}
	if (r == SIGN_OK)
		res[0]->created_root = req.created_root;
out:
	json_decref(journal);
	json_decref(republished);
	free(changes);
	return r;
}

/* The references after the first of a group, staged over a pool of
 * threads, each with a connection of its own. */
#define PUSH_CONNECTIONS 8

typedef struct pool_job {
	push_group *g;
	sign_push_result *out;
	const char *const *refs;
	const push_slot *slots;  /* the job's references */
	size_t n;
	/* progress, as the whole batch's */
	size_t base, total;
	sign_progress_fn progress;
	void *progress_arg;
} pool_job;

static int pool_stage(void *shared, void *state, size_t item, sign_error *err)
{
	pool_job *j = shared;
	signp_store *st = state;
	sign_push_result *o = &j->out[j->slots[item].index];
	int own = st != j->g->st, r;
	long before = 0;

	if (own)
		before = signp_store_own_requests(st);
	else
		signp_ctx_counters(j->g->ctx, &before, NULL);
	r = stage_ref(j->g, st, o, j->refs[j->slots[item].index], err);
	o->requests = own ? signp_store_own_requests(st) - before : requests_since(j->g->ctx, before);
	return r;
}

static void pool_progress(void *arg, size_t done, size_t n)
{
	pool_job *j = arg;
	(void)n;
	j->progress(j->progress_arg, j->base + done, j->total);
}

/* Returns how many of the job's references (from the first) staged before
 * the first failure, all of them when none failed (*rc, err: that failure).
 * The requests of the calling thread's store are added to *main_requests. */
static size_t stage_pool(pool_job *j, long *main_requests, int *rc, sign_error *err)
{
	void *states[PUSH_CONNECTIONS + 1];
	size_t nstates = 1, ok;

	states[0] = j->g->st;
	/* a registry's references over connections of their own; a layout's,
	 * and an upload's (--from), on this thread */
	if ((signp_store_caps(j->g->st) & SIGNP_STORE_CAP_NET) && j->g->opts->from == NULL) {
		while (nstates <= PUSH_CONNECTIONS && nstates <= j->n) {
			signp_store *w = NULL;
			sign_error e;
			if (signp_store_open_own(&w, j->g->ctx, &j->g->ref, &e) != SIGN_OK)
				break;
			states[nstates++] = w;
		}
	}
	ok = signp_pool_run(j->n, states, nstates, pool_stage, j, j->progress ? pool_progress : NULL, j,
		rc, err);
	for (size_t t = 1; t < nstates; t++)
		signp_store_free(states[t]);
	if (nstates == 1) {
		/* the calling thread's store: its requests are the context's */
		for (size_t i = 0; i < j->n; i++)
			*main_requests += j->out[j->slots[i].index].requests;
	}
	return ok;
}

static void group_close(push_group *g)
{
	signp_publish_end(g->tx);
	signp_gun_keys_free(&g->k);
	if (g->be)
		g->be->free(g->be);
	signp_store_free(g->st);
	memset(g, 0, sizeof(*g));
}



static int slot_cmp(const void *a, const void *b)
{
	const push_slot *x = a, *y = b;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Each reference's group: the index of the first reference of its
 * repository (one parse each; repositories found through a JSON object
 * used as a hash table).  On a bad reference, its message in err. */
static int group_refs(push_slot *slots, const char *const *refs, size_t n, const char *gun,
	sign_error *err)
{
	json_t *seen = json_object();
	signp_ref *ref = malloc(sizeof(*ref));
	sign_buf key = SIGN_BUF_INIT;
	int r = seen && ref ? SIGN_OK : signp_err(err, SIGN_ENOMEM, "out of memory");
	for (size_t i = 0; r == SIGN_OK && i < n; i++) {
		json_t *first;
		if ((r = signp_ref_parse(ref, refs[i], gun, err)) != SIGN_OK)
			break;
		signp_buf_clear(&key);
		signp_buf_printf(&key, "%d\n%s\n%s\n%s", ref->layout, ref->host, ref->oci_dir, ref->gun);
		slots[i].index = i;
		if ((first = json_object_get(seen, key.ptr)) != NULL) {
			slots[i].group = (size_t)json_integer_value(first);
		} else {
			slots[i].group = i;
			if (json_object_set_new(seen, key.ptr, json_integer((json_int_t)i)) != 0)
				r = signp_err(err, SIGN_ENOMEM, "out of memory");
		}
	}
	sign_buf_dispose(&key);
	free(ref);
	json_decref(seen);
	if (r == SIGN_OK)
		qsort(slots, n, sizeof(*slots), slot_cmp);
	return r;
}

SIGN_EXTERN(int) sign_push_batch(sign_push_result *out, size_t n, sign_ctx *ctx, const char *const *refs,
	const sign_push_options *opts, sign_progress_fn progress, void *progress_arg, sign_error *err)
{
	sign_push_options dflt = SIGN_PUSH_OPTIONS_INIT;
	push_slot *slots = NULL;
	push_group *g = NULL;
	sign_error first;
	size_t done = 0;
	int r = SIGN_OK, failed = SIGN_OK;

	signp_err_clear(err);
	memset(&first, 0, sizeof(first));
	if (out == NULL || (n > 0 && refs == NULL))
		return signp_err(err, SIGN_EINVAL, "push: no references or results given");
	for (size_t i = 0; i < n; i++)
		if (out[i].version != SIGN_PUSH_RESULT_VERSION)
			return signp_err(err, SIGN_EINVAL, "push: unsupported result version %u", out[i].version);
	if (opts == NULL)
		opts = &dflt;
	if (opts->version != SIGN_PUSH_OPTIONS_VERSION)
		return signp_err(err, SIGN_EINVAL, "push: unsupported options version");
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].version = SIGN_PUSH_RESULT_VERSION;
	}
	if (opts->keyid) {
		/* a signer's push goes through its delegations: one at a time */
		for (size_t i = 0; i < n && r == SIGN_OK; i++) {
			long before = 0;
			signp_ctx_counters(ctx, &before, NULL);
			r = signp_push_as_signer(&out[i], ctx, refs[i], opts, err);
			out[i].requests -= before;
			if (r != SIGN_OK)
				out[i].digest[0] = '\0';
			if (progress)
				progress(progress_arg, ++done, n);
		}
		return r;
	}
	if ((slots = calloc(n ? n : 1, sizeof(*slots))) == NULL || (g = calloc(1, sizeof(*g))) == NULL) {
		free(slots);
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	}
	/* every reference parses before anything is done */
	if ((r = group_refs(slots, refs, n, opts->gun, err)) != SIGN_OK)
		goto out;
	for (size_t s = 0; s < n && failed == SIGN_OK;) {
		size_t end = s, staged = 0;
		sign_push_result **res;
		long before = 0, mark = 0, shared, main_requests = 0;
		while (end < n && slots[end].group == slots[s].group)
			end++;
		if ((res = calloc(end - s, sizeof(*res))) == NULL) {
			r = signp_err(err, SIGN_ENOMEM, "out of memory");
			goto out;
		}
		signp_ctx_counters(ctx, &before, NULL);
		g->ctx = ctx;
		g->opts = opts;
		g->po.allow_missing = 1;
		/* the read-back only refreshes the cache: a verifier's load,
		 * which also writes the targets index */
		g->po.reread_lookup = 1;
		r = signp_push_open(&g->ref, &g->st, &g->be, ctx, refs[slots[s].index], opts->gun,
			opts->from != NULL, err);
		/* on this thread until the keys are unlocked (the first
		 * reference that resolves), then over the pool */
		size_t i = s;
		for (; r == SIGN_OK && i < end && !g->have_keys; i++) {
			sign_push_result *o = &out[slots[i].index];
			signp_ctx_counters(ctx, &mark, NULL);
			r = stage_ref(g, g->st, o, refs[slots[i].index], err);
			o->requests = requests_since(ctx, mark);
			main_requests += o->requests;
			if (r == SIGN_OK)
				res[staged++] = o;
			if (progress)
				progress(progress_arg, ++done, n);
		}
		if (r == SIGN_OK && i < end) {
			pool_job job = { .g = g, .out = out, .refs = refs, .slots = slots + i, .n = end - i,
				.base = done, .total = n, .progress = progress, .progress_arg = progress_arg };
			size_t ok = stage_pool(&job, &main_requests, &r, err);
			for (size_t j = 0; j < ok; j++)
				res[staged++] = &out[slots[i + j].index];
			for (size_t j = ok; j < end - i; j++)
				out[slots[i + j].index].digest[0] = '\0';
			done += end - i;
		}
		if (r != SIGN_OK) {
			/* the references staged before the failure are still
			 * published; the failure is what the caller hears of */
			failed = r;
			first = *err;
		}
		if (staged && (r = publish_group(g, res, staged, err)) != SIGN_OK) {
			for (size_t k = 0; k < staged; k++)
				res[k]->digest[0] = '\0';
			if (failed == SIGN_OK) {
				failed = r;
				first = *err;
			}
		}
		if (staged) {
			/* the repository's opening and its publish are counted in
			 * its first reference's requests */
			shared = requests_since(ctx, before) - main_requests;
			res[0]->requests += shared;
			res[0]->created_repository = g->created_repository;
		}
		free(res);
		group_close(g);
		s = end;
	}
	r = failed;
	if (r != SIGN_OK)
		*err = first;
out:
	signp_ctx_remember_schemes(ctx);
	if (g)
		group_close(g);
	free(g);
	free(slots);
	return r;
}

SIGN_EXTERN(int) sign_push(sign_push_result *out, sign_ctx *ctx, const char *refstr,
	const sign_push_options *opts, sign_error *err)
{
	signp_err_clear(err);
	if (out == NULL)
		return signp_err(err, SIGN_EINVAL, "push: no result given");
	return sign_push_batch(out, 1, ctx, &refstr, opts, NULL, NULL, err);
}

SIGN_EXTERN(int) sign_trust_refresh(sign_buf *json_out, sign_ctx *ctx, const char *refstr,
	const char *gun, long lifetime, sign_error *err)
{
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	signp_gun_keys k;
	int r, created = 0, jdirty = 0;
	int64_t lifetime_now;
	signp_publish *tx = NULL;
	signp_publish_opts po = { .allow_missing = 1, .refresh = 1 };
	json_t *journal = NULL, *republished = json_object();
	signp_update_req req = { .changes = NULL };
	char when[32];

	signp_err_clear(err);
	memset(&k, 0, sizeof(k));
	if ((r = signp_push_open(&ref, &st, &be, ctx, refstr, gun, 0, err)) != SIGN_OK)
		goto out;
	if ((r = signp_publish_begin(&tx, ctx, be, ref.gun, &po, err)) != SIGN_OK)
		goto out;
	if (be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP) {
		r = signp_err(err, SIGN_EINVAL, "refreshing %s: the trust server re-signs the timestamp itself",
			ref.gun);
		goto out;
	}
	/* tags this home signed and no read has confirmed yet: a lost one is
	 * published again, which takes the repository and snapshot keys */
	journal = signp_journal_load(ctx, ref.gun);
	if ((r = signp_gun_keys_get(&k, &created, ctx, ref.gun, 0, json_object_size(journal) == 0, 0, 0,
		     err)) != SIGN_OK)
		goto out;
	if (lifetime > 0 && (r = signp_trust_set_timestamp_lifetime(ctx, ref.gun, lifetime, err)) != SIGN_OK)
		goto out;
	lifetime_now = signp_trust_timestamp_lifetime(ctx, ref.gun);
	req.ctx = ctx;
	req.be = be;
	req.k = &k;
	if (json_object_size(journal)) {
		req.journal = journal;
		req.jdirty = &jdirty;
		req.republished = republished;
		req.st = st;
	}
	r = signp_publish_commit(tx, signp_update_stage, &req, err);
	signp_update_journal_done(ctx, ref.gun, journal, jdirty, republished, r == SIGN_OK);
	if (r != SIGN_OK)
		goto out;
	/* the expiry signed into the published timestamp, not a second reading
	 * of the clock (which may have moved on by a second) */
	signp_time_format(when, signp_publish_timestamp_expires(tx) ? signp_publish_timestamp_expires(tx) :
		signp_now() + lifetime_now);
	if (json_out)
		signp_buf_printf(json_out, "{\"gun\":\"%s\",\"timestamp_expires\":\"%s\"}", ref.gun, when);
out:
	json_decref(journal);
	json_decref(republished);
	signp_publish_end(tx);
	signp_ctx_remember_schemes(ctx);
	signp_gun_keys_free(&k);
	if (be)
		be->free(be);
	signp_store_free(st);
	return r;
}


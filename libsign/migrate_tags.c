/*
 * migrate_tags.c - the detached signatures of a migration: which signed
 * tags the registry serves under their signed digest, and a signature for
 * each, concurrent over a bounded pool of registry connections.
 *
 * First the registry's tags list (a few requests for 100,000 tags): a tag it
 * does not list is not in the registry, and needs no HEAD.  Trusting the
 * list that far is safe: a registry that leaves a tag out only keeps a
 * signature from being written, as a 404 to its HEAD would.  Without a list
 * (refused, malformed, over SIGNP_MIGRATE_TAGS_MAX) every tag is asked.
 *
 * Then two passes over the tags, each spread over at most SIGNP_MIGRATE_WORKERS
 * threads (pool.c) that take the next item in order; each thread has a
 * store on a registry handle of its own (signp_store_open_own: its own
 * connection, credentials and tokens, the same timeouts and bounds), so no
 * handle is ever used by two threads, and the context is only used by the
 * calling thread (keys are loaded before the threads start).
 *
 *   1. one HEAD per tag: is the tag there, and under which digest?  The
 *      registry's Docker-Content-Digest is enough here: what is signed is
 *      the digest the verified targets file gives the tag, never the
 *      registry's, so a registry that lies can only make a signature be
 *      written (or not) for a digest its key had signed anyway.
 *   2. one unit per digest to sign (tags sharing a digest share its .sig
 *      manifest, so one thread does all of a digest's keys, in turn, and two
 *      threads never write the same manifest): signp_push_signature reads
 *      the .sig manifest and writes only when this key's signature is not
 *      in it.  That makes a rerun cheap and exact: what an interrupted run
 *      wrote is found, and only the rest is written.
 *
 * Memory: one small record per tag (the name borrowed from the trust data);
 * the report is written as JSON text, not built as a tree.
 */
#include "migrate_tags.h"
#include "pool.h"
#include "detached.h"
#include "key.h"
#include "store.h"
#include "tuf.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* The most the tags list may take, every page together (~3 million tags). */
#define SIGNP_MIGRATE_TAGS_MAX (32u << 20)

/* What became of a tag. */
enum {
	ST_SIGN,    /* served under its digest, a key held: pass 2 signs it */
	ST_ABSENT,
	ST_OTHER,
	ST_NOKEY,
	ST_WRITTEN,
	ST_THERE
};
static const char *const status_text[] = {
	"", "image not in the registry", "the registry serves another digest",
	"no signing key in this home", "signature written", "signature already there"
};

/* The two roles docker pull reads, in its order. */
static const char *const roles[2] = { "targets/releases", "targets" };

typedef struct mtag {
	const char *name;         /* borrowed from the trust data */
	char digest[72];
	unsigned char role;       /* index in roles */
	unsigned char status;
} mtag;

/* A tag to sign, for sorting by digest, then by its place in the report. */
typedef struct uref {
	const char *digest;
	size_t i;
} uref;

typedef struct migrate_job {
	const char *gun;
	mtag *tags;
	size_t ntags;
	size_t *check;            /* pass 1: the tags to HEAD (those the registry lists) */
	uref *unit;               /* pass 2: the tags to sign, sorted by digest */
	size_t *ustart;           /* where each unit (one digest) starts in unit; [nunits] = end */
	size_t nunits;
	const signp_key *key[2];  /* per role: the key that signs, or NULL */
	/* the test hook (below): stop after this many signatures (0: never) */
	atomic_long written;
	long stop_after;
} migrate_job;

/* ---- the passes over pool.c ---- */

/* Item i of a pass on st: SIGN_OK, *ndone tags finished. */
typedef int (*pass_fn)(migrate_job *j, signp_store *st, size_t i, size_t *ndone, sign_error *err);

typedef struct pass {
	migrate_job *job;
	pass_fn fn;
	atomic_size_t done;       /* tags finished, for progress */
	size_t base, total;
	sign_progress_fn progress;
	void *progress_arg;
} pass;

static int pass_item(void *shared, void *state, size_t item, sign_error *err)
{
	pass *ps = shared;
	size_t nd = 0;
	int r = ps->fn(ps->job, state, item, &nd, err);
	atomic_fetch_add(&ps->done, nd);
	return r;
}

/* pool.c counts items; progress counts tags (a unit of pass 2 is all of
 * one digest's tags) */
static void pass_progress(void *arg, size_t done, size_t n)
{
	pass *ps = arg;
	(void)done;
	(void)n;
	ps->progress(ps->progress_arg, ps->base + atomic_load(&ps->done), ps->total);
}

/* Run fn over n items, each worker on a store of its own (st[0..nw));
 * progress is called on the caller's thread with base + the tags done.
 * *done_out: tags done.  The first failure stops the items after it. */
static int pool_run(migrate_job *j, pass_fn fn, size_t n, signp_store *const *st, size_t nw, size_t base,
	size_t total, sign_progress_fn progress, void *progress_arg, size_t *done_out, sign_error *err)
{
	void *states[SIGNP_MIGRATE_WORKERS + 1];
	pass ps = { .job = j, .fn = fn, .base = base, .total = total, .progress = progress,
		.progress_arg = progress_arg };
	int r = SIGN_OK;

	atomic_init(&ps.done, 0);
	/* states[0]: the calling thread's, should no thread start */
	states[0] = st[0];
	for (size_t i = 0; i < nw; i++)
		states[i + 1] = st[i];
	(void)signp_pool_run(n, states, nw + 1, pass_item, &ps, progress ? pass_progress : NULL, &ps, &r, err);
	*done_out = atomic_load(&ps.done);
	return r;
}

/* ---- the test hook ---- */

/*
 * TEST HOOK, compiled in only with -DSIGN_TEST_HOOKS (build/tools/sign-hooks;
 * the variable is rotate.c's): SIGN_TEST_FAIL_AFTER=signatures:N stops the
 * migration once N detached signatures are written (a few more may be in
 * flight on other threads), as a network failure would, so that
 * test_migrate.sh can show that a rerun finishes the job.  Not in the
 * release build (test_hostile_home.sh looks).
 */
#ifdef SIGN_TEST_HOOKS
extern const char *signp_test_fail_after;
static void test_hook_init(migrate_job *j)
{
	const char *s = signp_test_fail_after;
	if (s != NULL && strncmp(s, "signatures:", 11) == 0)
		j->stop_after = strtol(s + 11, NULL, 10);
}
/* After a signature was written. */
static int test_stop(migrate_job *j, sign_error *err)
{
	if (j->stop_after > 0 && atomic_fetch_add(&j->written, 1) + 1 >= j->stop_after)
		return signp_err(err, SIGN_ERROR, "stopped after %ld signatures (SIGN_TEST_FAIL_AFTER)",
			j->stop_after);
	return SIGN_OK;
}
#else
static void test_hook_init(migrate_job *j)
{
	(void)j;
}
static int test_stop(migrate_job *j, sign_error *err)
{
	(void)j;
	(void)err;
	return SIGN_OK;
}
#endif

/* ---- the passes ---- */

/* Pass 1, item i: one HEAD. */
static int check_tag(migrate_job *j, signp_store *st, size_t i, size_t *ndone, sign_error *err)
{
	mtag *m = &j->tags[j->check[i]];
	char served[80];
	int r = signp_store_resolve(st, m->name, served, NULL, NULL, err);
	if (r == SIGN_ENOTFOUND || r == SIGN_EINVAL) {
		/* not there (a 404), or a target name no registry tag can have
		 * (notary signs any string), which is not even asked */
		m->status = ST_ABSENT;
	} else if (r != SIGN_OK) {
		signp_err_prefix(err, r, "checking %s:%s in the registry", j->gun, m->name);
		return r;
	} else if (strcmp(served, m->digest) != 0) {
		m->status = ST_OTHER;
	} else {
		m->status = j->key[m->role] != NULL ? ST_SIGN : ST_NOKEY;
	}
	*ndone = m->status == ST_SIGN ? 0 : 1;
	return SIGN_OK;
}

/* Pass 2, unit u: every tag to sign with one digest, each key once. */
static int sign_unit(migrate_job *j, signp_store *st, size_t u, size_t *ndone, sign_error *err)
{
	size_t a = j->ustart[u], b = j->ustart[u + 1];
	const signp_key *used[2] = { NULL, NULL }; /* the keys (at most one per role) done */
	for (size_t x = a; x < b; x++) {
		mtag *m = &j->tags[j->unit[x].i];
		const signp_key *k = j->key[m->role];
		int changed = 0, r;
		/* a key an earlier tag of this digest used (a digest may have
		 * 100,000 tags): that tag's answer */
		if (used[0] == k || used[1] == k) {
			m->status = ST_THERE;
			continue;
		}
		used[used[0] == NULL ? 0 : 1] = k;
		if ((r = signp_push_signature(&changed, st, j->gun, m->digest, k, err)) != SIGN_OK) {
			signp_err_prefix(err, r, "writing the detached signature of %s:%s", j->gun, m->name);
			return r;
		}
		m->status = changed ? ST_WRITTEN : ST_THERE;
		if (changed && (r = test_stop(j, err)) != SIGN_OK)
			return r;
	}
	*ndone = b - a;
	return SIGN_OK;
}

/* ---- keys ---- */

/* The canonical ID of the key tid of tg, into cid; 0 when it has none. */
static int key_cid(char cid[65], const signp_target *tg, const char *tid)
{
	EVP_PKEY *pk = NULL;
	int ok = tid != NULL && signp_tuf_key_pkey(&pk, json_object_get(tg->keys, tid), NULL) == SIGN_OK &&
		 signp_key_canonical_id(cid, pk, NULL) == SIGN_OK;
	EVP_PKEY_free(pk);
	return ok;
}

/* The key of this home that signs for tg's role: the repository key when
 * the role lists it, else a delegation key the role lists and the home
 * holds (*owned, to free), else NULL (*why says why, when it is known). */
static const signp_key *role_key(signp_key **owned, sign_error *why, sign_ctx *ctx, const signp_target *tg,
	const signp_gun_keys *k)
{
	const json_t *id;
	size_t i;
	char cid[65];
	*owned = NULL;
	json_array_foreach(tg->keyids, i, id)
		if (key_cid(cid, tg, json_string_value(id)) && k->targets && strcmp(cid, k->targets->id) == 0)
			return k->targets;
	json_array_foreach(tg->keyids, i, id) {
		signp_keyinfo info;
		if (!key_cid(cid, tg, json_string_value(id)) ||
		    signp_keystore_info(&info, ctx->home, cid, NULL) != SIGN_OK)
			continue;
		if (signp_ctx_load_key(owned, ctx, cid, signp_role_pass_kind(info.role), why) == SIGN_OK)
			return *owned;
	}
	return NULL;
}

/* ---- the report ---- */

/* s as a JSON string. */
static int put_str(sign_buf *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	int r = signp_buf_putc(out, '"');
	for (; r == SIGN_OK && *u; u++) {
		if (*u == '"' || *u == '\\')
			r = signp_buf_printf(out, "\\%c", *u);
		else if (*u < 0x20 || *u == 0x7f)
			r = signp_buf_printf(out, "\\u%04x", *u);
		else
			r = signp_buf_putc(out, (char)*u);
	}
	return r == SIGN_OK ? signp_buf_putc(out, '"') : r;
}

/* ,\n before every entry but the first; then {"k1": "v1", ...} */
static int put_entry(sign_buf *out, const char *k1, const char *v1, const char *k2, const char *v2,
	const char *k3, const char *v3, const char *k4, const char *v4)
{
	const char *kv[8] = { k1, v1, k2, v2, k3, v3, k4, v4 };
	int r = out->size > 0 ? signp_buf_puts(out, ",\n    {") : signp_buf_puts(out, "    {");
	for (int i = 0; r == SIGN_OK && i < 8 && kv[i] != NULL; i += 2) {
		if (i > 0)
			r = signp_buf_puts(out, ", ");
		if (r == SIGN_OK)
			r = put_str(out, kv[i]);
		if (r == SIGN_OK)
			r = signp_buf_puts(out, ": ");
		if (r == SIGN_OK)
			r = put_str(out, kv[i + 1]);
	}
	return r == SIGN_OK ? signp_buf_putc(out, '}') : r;
}

/* ---- the tags list ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Mark absent the tags the registry does not list; j->check gets the rest
 * (all of them without a usable list).  *nabsent: how many were marked. */
static int plan_checks(migrate_job *j, signp_store *st, size_t *nabsent, sign_error *err)
{
	sign_buf lst = SIGN_BUF_INIT;
	json_t *doc = NULL, *arr, *v;
	const char **names = NULL;
	size_t nn = 0, nc = 0, i;
	int listed = 0;

	*nabsent = 0;
	if ((j->check = malloc(j->ntags * sizeof(*j->check))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "migrate: out of memory");
	if (signp_store_tags(st, SIGNP_MIGRATE_TAGS_MAX, &lst, NULL) == SIGN_OK &&
	    (doc = json_loadb(lst.ptr ? lst.ptr : "", lst.size, 0, NULL)) != NULL &&
	    json_is_array(arr = json_object_get(doc, "tags")) &&
	    (names = malloc((json_array_size(arr) + 1) * sizeof(*names))) != NULL) {
		json_array_foreach(arr, i, v)
			if (json_is_string(v))
				names[nn++] = json_string_value(v);
		qsort(names, nn, sizeof(*names), cmp_str);
		listed = 1;
	}
	sign_buf_dispose(&lst);
	for (i = 0; i < j->ntags; i++) {
		if (listed && bsearch(&j->tags[i].name, names, nn, sizeof(*names), cmp_str) == NULL) {
			j->tags[i].status = ST_ABSENT;
			(*nabsent)++;
		} else {
			j->check[nc++] = i;
		}
	}
	free(names);
	json_decref(doc);
	return SIGN_OK;
}

/* ---- the whole ---- */

static int cmp_uref(const void *a, const void *b)
{
	const uref *x = a, *y = b;
	int c = strcmp(x->digest, y->digest);
	return c != 0 ? c : (x->i < y->i ? -1 : x->i > y->i);
}

/* The tags, each name once: targets/releases first, then targets. */
static int gather(migrate_job *j, const signp_trust *t, sign_error *err)
{
	const signp_tuf_file *rel = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < t->ndeleg; i++)
		if (strcmp(t->deleg[i]->role, roles[0]) == 0)
			rel = t->deleg[i];
	for (int ri = 0; ri < 2; ri++) {
		const signp_tuf_file *f = ri == 0 ? rel : t->targets;
		const json_t *targets = json_object_get(f ? f->signed_obj : NULL, "targets");
		const char *name;
		json_t *e;
		if (f == NULL)
			continue;
		cap += json_object_size(targets);
		if ((j->tags = realloc(j->tags, (cap ? cap : 1) * sizeof(*j->tags))) == NULL)
			return signp_err(err, SIGN_ENOMEM, "migrate: out of memory");
		json_object_foreach((json_t *)targets, name, e) {
			signp_target tg;
			mtag *m;
			(void)e;
			/* each name once, from the role docker pull takes it from:
			 * targets/releases when that role signs it, else targets */
			if (ri == 0 ? !signp_trust_find_in_role(&tg, t, roles[0], name) :
				      signp_trust_find_in_role(&tg, t, roles[0], name) ||
				      signp_trust_find_target(&tg, t, name, NULL) != SIGN_OK)
				continue;
			m = &j->tags[j->ntags++];
			m->name = name;
			signp_strlcpy(m->digest, tg.digest, sizeof(m->digest));
			m->role = strcmp(tg.role, roles[0]) == 0 ? 0 : 1;
			m->status = ST_ABSENT;
		}
	}
	return SIGN_OK;
}

int signp_migrate_tags(sign_buf *tags_json, sign_buf *notes_json, sign_ctx *ctx, const signp_ref *ref,
	const signp_trust *t, const signp_gun_keys *k, sign_progress_fn progress, void *progress_arg,
	sign_error *err)
{
	migrate_job j;
	signp_store *w[SIGNP_MIGRATE_WORKERS];
	signp_key *owned[2] = { NULL, NULL };
	sign_error why[2];
	size_t nw = 0, done1 = 0, done2 = 0, nsign = 0, nabsent = 0;
	int r = SIGN_OK;

	memset(&j, 0, sizeof(j));
	memset(w, 0, sizeof(w));
	memset(why, 0, sizeof(why));
	j.gun = t->gun;
	atomic_init(&j.written, 0);
	test_hook_init(&j);
	if ((r = gather(&j, t, err)) != SIGN_OK)
		goto out;
	/* the key of each role, on this thread (it may ask for a passphrase) */
	for (int ri = 0; ri < 2; ri++) {
		for (size_t i = 0; i < j.ntags; i++) {
			signp_target tg;
			if (j.tags[i].role != ri || signp_trust_find_in_role(&tg, t, roles[ri], j.tags[i].name) == 0)
				continue;
			j.key[ri] = role_key(&owned[ri], &why[ri], ctx, &tg, k);
			break;
		}
	}
	if (progress != NULL)
		progress(progress_arg, 0, j.ntags);
	if (j.ntags > 0) {
		for (nw = 0; nw < SIGNP_MIGRATE_WORKERS && nw < j.ntags; nw++)
			if ((r = signp_store_open_own(&w[nw], ctx, ref, err)) != SIGN_OK)
				goto out;
		if ((r = plan_checks(&j, w[0], &nabsent, err)) != SIGN_OK)
			goto out;
		signp_ctx_log(ctx, SIGN_LOG_DEBUG, "migrate: %zu signed tags, %zu not in the registry's tags "
			"list, the rest checked on %zu connections", j.ntags, nabsent, nw);
		/* pass 1: the HEADs */
		if ((r = pool_run(&j, check_tag, j.ntags - nabsent, w, nw, nabsent, j.ntags, progress,
			     progress_arg, &done1, err)) != SIGN_OK)
			goto out;
		done1 += nabsent;
		/* pass 2: the digests to sign, one unit each */
		for (size_t i = 0; i < j.ntags; i++)
			nsign += j.tags[i].status == ST_SIGN;
		if (nsign > 0) {
			if ((j.unit = malloc(nsign * sizeof(*j.unit))) == NULL ||
			    (j.ustart = malloc((nsign + 1) * sizeof(*j.ustart))) == NULL) {
				r = signp_err(err, SIGN_ENOMEM, "migrate: out of memory");
				goto out;
			}
			nsign = 0;
			for (size_t i = 0; i < j.ntags; i++) {
				if (j.tags[i].status != ST_SIGN)
					continue;
				j.unit[nsign].digest = j.tags[i].digest;
				j.unit[nsign++].i = i;
			}
			qsort(j.unit, nsign, sizeof(*j.unit), cmp_uref);
			for (size_t x = 0; x < nsign; x++)
				if (x == 0 || strcmp(j.unit[x].digest, j.unit[x - 1].digest) != 0)
					j.ustart[j.nunits++] = x;
			j.ustart[j.nunits] = nsign;
			if ((r = pool_run(&j, sign_unit, j.nunits, w, nw, done1, j.ntags, progress, progress_arg,
				     &done2, err)) != SIGN_OK)
				goto out;
		}
	}
	/* the report, in the tags' order */
	for (size_t i = 0; r == SIGN_OK && i < j.ntags; i++) {
		const mtag *m = &j.tags[i];
		const char *st = status_text[m->status];
		r = put_entry(tags_json, "tag", m->name, "digest", m->digest, "role", roles[m->role],
			"signature", st);
		if (r == SIGN_OK && m->status != ST_WRITTEN && m->status != ST_THERE)
			r = put_entry(notes_json, "tag", m->name, "reason",
				m->status == ST_NOKEY && why[m->role].message[0] ? why[m->role].message : st,
				NULL, NULL, NULL, NULL);
	}
	/* delegations other than targets/releases: carried as data, but docker
	 * pull and sign verify only read targets/releases and targets */
	for (size_t i = 0; r == SIGN_OK && i < t->ndeleg; i++)
		if (strcmp(t->deleg[i]->role, roles[0]) != 0)
			r = put_entry(notes_json, "role", t->deleg[i]->role, "reason",
				"carried over, but verification only reads targets/releases and targets",
				NULL, NULL, NULL, NULL);
	if (r != SIGN_OK)
		r = signp_err(err, SIGN_ENOMEM, "migrate: out of memory");
out:
	for (size_t i = 0; i < nw; i++)
		signp_store_free(w[i]);
	signp_key_free(owned[0]);
	signp_key_free(owned[1]);
	free(j.tags);
	free(j.check);
	free(j.unit);
	free(j.ustart);
	return r;
}

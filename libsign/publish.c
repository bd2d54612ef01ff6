/*
 * publish.c - the publish transaction (publish.h): the one place that
 * reads the current state, signs targets, builds the snapshot and the
 * timestamp, publishes, backs off and retries on a conflict, and reads the
 * result back.
 */
#include "publish.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#define PUBLISH_TRIES 10

typedef struct staged_file {
	char role[128];
	int64_t version;
	sign_buf bytes;
} staged_file;

struct signp_publish {
	sign_ctx *ctx;
	signp_trust_backend *be;
	char gun[520];
	signp_publish_opts opts;
	int lockfd;
	/* staged by the current attempt */
	const signp_key *targets_key, *snapshot_key, *timestamp_key;
	/* the targets signed part to edit: a copy of base's, made when a stage
	 * first edits it (a stage that only adds files, as migrate's, never
	 * pays for a copy of 100,000 targets) */
	json_t *tsigned;
	const signp_trust *base;
	int base_owned;         /* base was read by this attempt, for it alone */
	int targets_changed;
	int requested;          /* set_target calls */
	staged_file *files;
	size_t nfiles, cap;
	/* the last commit */
	int published;
	int64_t timestamp_expires;  /* of the timestamp it signed (0: none) */
	signp_trust *after;
};

int signp_publish_begin(signp_publish **out, sign_ctx *ctx, signp_trust_backend *be, const char *gun,
	const signp_publish_opts *opts, sign_error *err)
{
	signp_publish *tx;
	int r;
	*out = NULL;
	if ((tx = calloc(1, sizeof(*tx))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	tx->ctx = ctx;
	tx->be = be;
	signp_strlcpy(tx->gun, gun, sizeof(tx->gun));
	if (opts)
		tx->opts = *opts;
	if ((r = signp_lock_gun(&tx->lockfd, ctx, gun, err)) != SIGN_OK) {
		free(tx);
		return r;
	}
	*out = tx;
	return SIGN_OK;
}

static void unstage(signp_publish *tx)
{
	for (size_t i = 0; i < tx->nfiles; i++)
		sign_buf_dispose(&tx->files[i].bytes);
	tx->nfiles = 0;
	json_decref(tx->tsigned);
	tx->tsigned = NULL;
	tx->base = NULL;
	tx->base_owned = 0;
	tx->targets_changed = tx->requested = 0;
	tx->targets_key = tx->snapshot_key = tx->timestamp_key = NULL;
}

int64_t signp_publish_timestamp_expires(const signp_publish *tx)
{
	return tx->published ? tx->timestamp_expires : 0;
}

void signp_publish_end(signp_publish *tx)
{
	if (tx == NULL)
		return;
	unstage(tx);
	free(tx->files);
	signp_trust_free(tx->after);
	signp_unlock_gun(tx->lockfd);
	free(tx);
}

void signp_publish_set_backend(signp_publish *tx, signp_trust_backend *be)
{
	tx->be = be;
}

void signp_publish_set_opts(signp_publish *tx, const signp_publish_opts *opts)
{
	tx->opts = *opts;
}

const char *signp_publish_gun(const signp_publish *tx)
{
	return tx->gun;
}

int signp_publish_published(const signp_publish *tx)
{
	return tx->published;
}

const signp_trust *signp_publish_result(const signp_publish *tx)
{
	return tx->after;
}

void signp_publish_set_keys(signp_publish *tx, const signp_key *targets, const signp_key *snapshot,
	const signp_key *timestamp)
{
	tx->targets_key = targets;
	tx->snapshot_key = snapshot;
	tx->timestamp_key = timestamp;
}

/* The targets signed part to edit, copied from the base on first use;
 * NULL when out of memory. */
static json_t *tsigned_of(signp_publish *tx)
{
	if (tx->tsigned == NULL && tx->base != NULL) {
		json_t *s = tx->base->targets->signed_obj;
		/* a base this attempt read, whose tree nothing else holds (its
		 * cached twin was freed by the load): edited in place, as a copy
		 * of 100,000 targets (and freeing both) cost a tenth of a push */
		if (tx->base_owned && tx->base->targets->doc->refcount == 1 && s->refcount == 1)
			tx->tsigned = json_incref(s);
		else
			tx->tsigned = json_deep_copy(s);
	}
	return tx->tsigned;
}

int signp_publish_set_target(signp_publish *tx, const char *tag, const char *digest, uint64_t size,
	sign_error *err)
{
	json_t *tg, *entry, *want;
	if (tsigned_of(tx) == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	tg = json_object_get(tx->tsigned, "targets");
	entry = json_object_get(tg, tag);
	tx->requested++;
	if (digest == NULL) {
		if (entry == NULL)
			return SIGN_OK;
		json_object_del(tg, tag);
		tx->targets_changed = 1;
		return SIGN_OK;
	}
	want = signp_target_json(digest, size);
	if (want && entry && json_equal(entry, want)) {
		json_decref(want);
		return SIGN_OK;
	}
	if (want == NULL || json_object_set_new(tg, tag, want) != 0)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	tx->targets_changed = 1;
	return SIGN_OK;
}

json_t *signp_publish_edit_targets(signp_publish *tx)
{
	tx->targets_changed = 1;
	return tsigned_of(tx);
}

int signp_publish_add_file(signp_publish *tx, const char *role, int64_t version, const void *bytes,
	size_t len, sign_error *err)
{
	staged_file *f;
	if (tx->nfiles == tx->cap) {
		size_t cap = tx->cap ? tx->cap * 2 : 8;
		staged_file *n = realloc(tx->files, cap * sizeof(*n));
		if (n == NULL)
			return signp_err(err, SIGN_ENOMEM, "out of memory");
		tx->files = n;
		tx->cap = cap;
	}
	f = &tx->files[tx->nfiles];
	memset(f, 0, sizeof(*f));
	signp_strlcpy(f->role, role, sizeof(f->role));
	f->version = version;
	if (signp_buf_put(&f->bytes, bytes, len) != SIGN_OK)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	tx->nfiles++;
	return SIGN_OK;
}

/* Re-read through the verifier so that the cache holds what was published. */
int signp_publish_reread(signp_publish *tx, sign_error *err)
{
	signp_trust_load_opts lo = { .publisher = tx->opts.reread_publisher,
		.index = tx->opts.reread_lookup ? SIGNP_TRUST_INDEX_REBUILD : 0 };
	int r;
	signp_trust_free(tx->after);
	tx->after = NULL;
	r = signp_trust_load(&tx->after, tx->ctx, tx->be, tx->gun, &lo, err);
	if (r != SIGN_OK)
		signp_err_prefix(err, r, "%s", tx->opts.reread_what ? tx->opts.reread_what :
			"re-reading the published trust data");
	return r;
}

/* Sign what stage left, build the snapshot and timestamp over it, publish. */
static int publish_staged(signp_publish *tx, const signp_trust *cur, sign_error *err)
{
	signp_trust_out *outs = NULL;
	sign_buf targets = SIGN_BUF_INIT, snap = SIGN_BUF_INIT, ts = SIGN_BUF_INIT;
	size_t n = 0;
	int r, changed = tx->targets_changed || tx->nfiles > 0;
	int server_ts = (tx->be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP) != 0;
	int64_t tver = cur ? cur->targets->version + 1 : 1;
	int64_t sver = cur ? cur->snapshot->version + 1 : 1, tsver = cur ? cur->timestamp->version + 1 : 1;

	tx->published = 0;
	if (!changed && (tx->requested || !tx->opts.refresh))
		return SIGN_OK; /* nothing to publish */
	if ((outs = calloc(tx->nfiles + 3, sizeof(*outs))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	for (size_t i = 0; i < tx->nfiles; i++) {
		signp_strlcpy(outs[n].role, tx->files[i].role, sizeof(outs[n].role));
		outs[n].version = tx->files[i].version;
		outs[n].bytes = (const unsigned char *)tx->files[i].bytes.ptr;
		outs[n++].len = tx->files[i].bytes.size;
	}
	if (tx->targets_changed) {
		if (tsigned_of(tx) == NULL) {
			r = signp_err(err, SIGN_ENOMEM, "out of memory");
			goto out;
		}
		json_object_set_new(tx->tsigned, "version", json_integer(tver));
		json_object_set_new(tx->tsigned, "expires", signp_expires_in(SIGN_LIFE_TARGETS));
		if (tx->targets_key == NULL) {
			r = signp_err(err, SIGN_EKEY, "publishing %s: no repository key", tx->gun);
			goto out;
		}
		if ((r = signp_sign_file(&targets, tx->tsigned, tx->targets_key, err)) != SIGN_OK)
			goto out;
		outs[n++] = (signp_trust_out){ "targets", tver, (const unsigned char *)targets.ptr, targets.size };
	}
	if (!changed) {
		/* refresh: only the timestamp changes */
		if (cur == NULL) {
			r = signp_err(err, SIGN_EVERIFY, "%s has no trust data to refresh", tx->gun);
			goto out;
		}
		signp_buf_put(&snap, cur->snapshot->bytes, cur->snapshot->len);
	} else if (tx->snapshot_key) {
		/* else a server-held snapshot is made by the server from what we upload */
		/* the targets as published: the edited copy, else cur's, unchanged */
		if ((r = signp_build_snapshot_over(&snap, cur, outs, n,
			     tx->tsigned ? tx->tsigned : cur ? cur->targets->signed_obj : NULL, sver,
			     tx->snapshot_key, err)) != SIGN_OK)
			goto out;
		outs[n++] = (signp_trust_out){ "snapshot", sver, (const unsigned char *)snap.ptr, snap.size };
	}
	if (!server_ts) {
		if (tx->timestamp_key == NULL || snap.size == 0) {
			r = signp_err(err, SIGN_EKEY, "publishing %s: no snapshot or timestamp key", tx->gun);
			goto out;
		}
		/* one time for the file and for whoever reports its expiry */
		tx->timestamp_expires = signp_now() + signp_trust_timestamp_lifetime(tx->ctx, tx->gun);
		if ((r = signp_build_timestamp_until(&ts, snap.ptr, snap.size, tsver, tx->timestamp_expires,
			     tx->timestamp_key, err)) != SIGN_OK)
			goto out;
		outs[n++] = (signp_trust_out){ "timestamp", tsver, (const unsigned char *)ts.ptr, ts.size };
	}
	if ((r = tx->be->publish(tx->be, outs, n, err)) == SIGN_OK)
		tx->published = 1;
out:
	free(outs);
	sign_buf_dispose(&targets);
	sign_buf_dispose(&snap);
	sign_buf_dispose(&ts);
	return r;
}

/* One attempt: read, stage, sign, build, publish. */
static int attempt(signp_publish *tx, int n, signp_publish_stage_fn stage, void *arg, sign_error *err)
{
	signp_trust *t = NULL;
	const signp_trust *cur = NULL;
	signp_trust_load_opts lo = { .allow_missing = tx->opts.allow_missing, .publisher = 1 };
	int r;

	unstage(tx);
	if (n == 0 && tx->opts.first) {
		cur = tx->opts.first;
	} else {
		r = signp_trust_load(&t, tx->ctx, tx->be, tx->gun, &lo, err);
		if (r == SIGN_ENOTFOUND && tx->opts.allow_missing) {
			signp_err_clear(err);
		} else if (r != SIGN_OK) {
			signp_err_prefix(err, r, "reading the current trust data of %s", tx->gun);
			goto out;
		}
		cur = t;
	}
	if (cur) {
		tx->base = cur; /* copied when a stage edits it, unless owned */
		tx->base_owned = cur == t;
	}
	else
		tx->tsigned = json_pack("{s:s, s:{s:{}, s:[]}, s:o, s:{}, s:i}", "_type", "Targets",
			"delegations", "keys", "roles", "expires", signp_expires_in(SIGN_LIFE_TARGETS),
			"targets", "version", 1);
	if (cur == NULL && tx->tsigned == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	/* a new GUN always gets its targets role */
	tx->targets_changed = cur == NULL;
	if ((r = stage(tx, cur, arg, err)) == SIGN_OK)
		r = publish_staged(tx, cur, err);
out:
	signp_trust_free(t);
	return r;
}

int signp_publish_commit(signp_publish *tx, signp_publish_stage_fn stage, void *arg, sign_error *err)
{
	int r = SIGN_ECONFLICT, tries = tx->opts.first_only ? 1 : PUBLISH_TRIES;
	signp_trust_free(tx->after);
	tx->after = NULL;
	tx->published = 0;
	for (int n = 0; n < tries; n++) {
		signp_err_clear(err);
		r = attempt(tx, n, stage, arg, err);
		if (r != SIGN_ECONFLICT || n + 1 == tries)
			break;
		/* back off a little, differently per process */
		struct timespec pause = { 0, (long)(20 + randombytes_uniform(80) * (unsigned)(n + 1)) * 1000000L };
		nanosleep(&pause, NULL);
	}
	unstage(tx);
	if (r == SIGN_OK && tx->published && !tx->opts.no_reread)
		r = signp_publish_reread(tx, err);
	return r;
}

/*
 * test_publish_tx.c - the publish transaction (libsign/publish.h) over an
 * in-memory trust backend: a commit that meets a conflict (another writer
 * published in between) reads the new state, runs its stage again against
 * it, and publishes once, with one snapshot and one timestamp, keeping the
 * other writer's change; a stage that changes nothing publishes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "ctx.h"
#include "publish.h"
#include "memtrust.h"

#define GUN "example.com/publish/tx"

/* ---- fixtures: a home in the test's own folder ---- */

static char dir[4096];
static char home[4200];

static int setup(void **state)
{
	(void)state;
	if (sign_global_init() != SIGN_OK)
		return -1;
	mt_tmpdir(dir, sizeof(dir), "publish-tx");
	snprintf(home, sizeof(home), "%s/home", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return mt_rmtree(dir);
}

static const char D1[] = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
static const char D2[] = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
static const char D3[] = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

/* A stage that sets one tag with the home's keys; it counts its calls and
 * notes whether the state it saw had the other writer's tag. */
typedef struct tag_stage {
	const signp_gun_keys *k;
	const char *tag, *digest;
	int calls;
	int saw_theirs;
} tag_stage;

static int stage_tag(signp_publish *tx, const signp_trust *cur, void *arg, sign_error *err)
{
	tag_stage *s = arg;
	s->calls++;
	if (cur == NULL)
		fail_msg("the GUN is set up before");
	s->saw_theirs = json_object_get(json_object_get(cur->targets->signed_obj, "targets"), "theirs") != NULL;
	signp_publish_set_keys(tx, s->k->targets, s->k->snapshot, s->k->timestamp);
	return signp_publish_set_target(tx, s->tag, s->digest, 100, err);
}

/* A new GUN: root v1 made from the home's keys. */
typedef struct init_stage {
	sign_ctx *ctx;
	signp_trust_backend *be;
	const signp_gun_keys *k;
} init_stage;

static int stage_init(signp_publish *tx, const signp_trust *cur, void *arg, sign_error *err)
{
	init_stage *s = arg;
	sign_buf root = SIGN_BUF_INIT;
	int created = 0, r;
	assert_null(cur);
	r = signp_build_root_v1(&root, &created, s->ctx, s->be, GUN, s->k, NULL, err);
	if (r == SIGN_OK)
		r = signp_publish_add_file(tx, "root", 1, root.ptr, root.size, err);
	sign_buf_dispose(&root);
	signp_publish_set_keys(tx, s->k->targets, s->k->snapshot, s->k->timestamp);
	if (r == SIGN_OK)
		r = signp_publish_set_target(tx, "first", D1, 100, err);
	return r;
}

/* Another writer's update over the current state: targets with "theirs"
 * added, snapshot, timestamp; published by it just before our next publish.
 * Returns the version of its targets. */
static int64_t their_update(mt_backend *m, sign_ctx *ctx, const signp_gun_keys *k)
{
	signp_trust *t = NULL;
	signp_trust_load_opts lo = { .publisher = 1 };
	sign_error err;
	sign_buf targets = SIGN_BUF_INIT, snap = SIGN_BUF_INIT, ts = SIGN_BUF_INIT, none = SIGN_BUF_INIT;
	json_t *s;
	int64_t version;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_load(&t, ctx, &m->be, GUN, &lo, &err), SIGN_OK);
	s = json_deep_copy(t->targets->signed_obj);
	assert_non_null(s);
	version = t->targets->version + 1;
	json_object_set_new(json_object_get(s, "targets"), "theirs", signp_target_json(D3, 300));
	json_object_set_new(s, "version", json_integer(version));
	assert_int_equal(signp_sign_file(&targets, s, k->targets, &err), SIGN_OK);
	assert_int_equal(signp_build_snapshot(&snap, t, &none, &targets, t->snapshot->version + 1, k->snapshot,
		&err), SIGN_OK);
	assert_int_equal(signp_build_timestamp_until(&ts, snap.ptr, snap.size, t->timestamp->version + 1, signp_now() + 86400,
		k->timestamp, &err), SIGN_OK);
	mt_theirs(m, "targets", targets.ptr, targets.size);
	mt_theirs(m, "snapshot", snap.ptr, snap.size);
	mt_theirs(m, "timestamp", ts.ptr, ts.size);
	sign_buf_dispose(&targets);
	sign_buf_dispose(&snap);
	sign_buf_dispose(&ts);
	json_decref(s);
	signp_trust_free(t);
	return version;
}

/* ---- tests ---- */

static void test_conflict_redoes_the_stage_on_the_new_state(void **state)
{
	sign_ctx *ctx = mt_ctx(home, 0);
	mt_backend m;
	signp_gun_keys k;
	signp_publish *tx = NULL;
	signp_publish_opts po = { .allow_missing = 1 };
	init_stage is;
	tag_stage ts;
	sign_error err;
	signp_target tg;
	const signp_trust *after;
	int created = 0;
	int64_t their_targets_version;
	(void)state;

	memset(&err, 0, sizeof(err));
	memset(&k, 0, sizeof(k));
	mt_backend_init(&m);
	assert_int_equal(signp_gun_keys_get(&k, &created, ctx, GUN, 1, 0, 0, 0, &err), SIGN_OK);
	assert_int_equal(signp_publish_begin(&tx, ctx, &m.be, GUN, &po, &err), SIGN_OK);

	/* a new GUN: root, targets, snapshot and timestamp in one publish */
	is.ctx = ctx;
	is.be = &m.be;
	is.k = &k;
	assert_int_equal(signp_publish_commit(tx, stage_init, &is, &err), SIGN_OK);
	assert_true(signp_publish_published(tx));
	assert_int_equal(m.publishes, 1);
	assert_int_equal(m.npublished, 4);
	assert_int_equal(mt_published(&m, "snapshot"), 1);
	assert_int_equal(mt_published(&m, "timestamp"), 1);
	assert_non_null(signp_publish_result(tx));

	/* another writer's update waits in the backend */
	their_targets_version = their_update(&m, ctx, &k);

	/* our update meets theirs: one conflict, then one publish */
	memset(&ts, 0, sizeof(ts));
	ts.k = &k;
	ts.tag = "mine";
	ts.digest = D2;
	m.publishes = 0;
	assert_int_equal(signp_publish_commit(tx, stage_tag, &ts, &err), SIGN_OK);
	assert_int_equal(m.conflicted, 1);     /* two publishes: one refused, */
	assert_int_equal(m.publishes, 1);      /* one accepted */
	assert_int_equal(ts.calls, 2);          /* the stage ran again ... */
	assert_true(ts.saw_theirs);             /* ... against the new state */
	assert_int_equal(mt_published(&m, "targets"), 1);
	assert_int_equal(mt_published(&m, "snapshot"), 1);  /* one snapshot, one timestamp */
	assert_int_equal(mt_published(&m, "timestamp"), 1);
	assert_int_equal(m.npublished, 3);

	/* read back through the verifier: both tags, above their version */
	after = signp_publish_result(tx);
	assert_non_null(after);
	assert_int_equal(after->targets->version, their_targets_version + 1);
	assert_int_equal(signp_trust_find_target(&tg, after, "mine", &err), SIGN_OK);
	assert_string_equal(tg.digest, D2);
	assert_int_equal(signp_trust_find_target(&tg, after, "theirs", &err), SIGN_OK);
	assert_string_equal(tg.digest, D3);
	assert_int_equal(signp_trust_find_target(&tg, after, "first", &err), SIGN_OK);

	/* the same tag again changes nothing: nothing is published */
	memset(&ts, 0, sizeof(ts));
	ts.k = &k;
	ts.tag = "mine";
	ts.digest = D2;
	m.publishes = 0;
	assert_int_equal(signp_publish_commit(tx, stage_tag, &ts, &err), SIGN_OK);
	assert_false(signp_publish_published(tx));
	assert_int_equal(m.publishes, 0);
	assert_null(signp_publish_result(tx));

	signp_publish_end(tx);
	signp_gun_keys_free(&k);
	m.be.free(&m.be);
	sign_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conflict_redoes_the_stage_on_the_new_state),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

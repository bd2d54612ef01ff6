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

#define GUN "example.com/publish/tx"
#define MAX_FILES 64

/* ---- an in-memory backend ---- */

typedef struct mem_file {
	char role[128];
	int64_t version;
	sign_buf bytes;
} mem_file;

typedef struct mem_be {
	signp_trust_backend be;
	mem_file files[MAX_FILES];   /* every file ever published; the last of a role is current */
	size_t n;
	/* the next publish installs these files (another writer's) and
	 * answers SIGN_ECONFLICT */
	mem_file theirs[4];
	size_t ntheirs;
	int publishes, conflicts;
	/* what the last successful publish carried */
	int last_snapshots, last_timestamps, last_targets, last_files;
} mem_be;

static void put(mem_be *m, const char *role, int64_t version, const void *bytes, size_t len)
{
	mem_file *f;
	assert_true(m->n < MAX_FILES);
	f = &m->files[m->n++];
	memset(f, 0, sizeof(*f));
	snprintf(f->role, sizeof(f->role), "%s", role);
	f->version = version;
	assert_int_equal(signp_buf_put(&f->bytes, bytes, len), SIGN_OK);
}

static int mem_refresh(signp_trust_backend *be, sign_error *err)
{
	mem_be *m = (mem_be *)be;
	return m->n ? SIGN_OK : signp_err(err, SIGN_ENOTFOUND, "no trust data");
}

static int mem_fetch(signp_trust_backend *be, const char *role, int64_t version, const char *sha256_hex,
	size_t max, sign_buf *out, sign_error *err)
{
	mem_be *m = (mem_be *)be;
	const mem_file *hit = NULL;
	(void)sha256_hex;
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->files[i].role, role) == 0 && (version <= 0 || m->files[i].version == version))
			hit = &m->files[i];
	if (hit == NULL)
		return signp_err(err, SIGN_ENOTFOUND, "%s: not found", role);
	if (hit->bytes.size > max)
		return signp_err(err, SIGN_EFORMAT, "%s: too large", role);
	return signp_buf_put(out, hit->bytes.ptr, hit->bytes.size);
}

static int mem_publish(signp_trust_backend *be, const signp_trust_out *files, size_t n, sign_error *err)
{
	mem_be *m = (mem_be *)be;
	m->publishes++;
	if (m->ntheirs) {
		for (size_t i = 0; i < m->ntheirs; i++) {
			put(m, m->theirs[i].role, m->theirs[i].version, m->theirs[i].bytes.ptr, m->theirs[i].bytes.size);
			sign_buf_dispose(&m->theirs[i].bytes);
		}
		m->ntheirs = 0;
		m->conflicts++;
		return signp_err(err, SIGN_ECONFLICT, "another writer published first");
	}
	m->last_snapshots = m->last_timestamps = m->last_targets = 0;
	m->last_files = (int)n;
	for (size_t i = 0; i < n; i++) {
		put(m, files[i].role, files[i].version, files[i].bytes, files[i].len);
		m->last_snapshots += strcmp(files[i].role, "snapshot") == 0;
		m->last_timestamps += strcmp(files[i].role, "timestamp") == 0;
		m->last_targets += strcmp(files[i].role, "targets") == 0;
	}
	return SIGN_OK;
}

static void mem_free(signp_trust_backend *be)
{
	(void)be;
}

static void mem_init(mem_be *m)
{
	memset(m, 0, sizeof(*m));
	m->be.refresh = mem_refresh;
	m->be.fetch = mem_fetch;
	m->be.publish = mem_publish;
	m->be.free = mem_free;
	m->be.name = "memory";
}

static void mem_dispose(mem_be *m)
{
	for (size_t i = 0; i < m->n; i++)
		sign_buf_dispose(&m->files[i].bytes);
	for (size_t i = 0; i < m->ntheirs; i++)
		sign_buf_dispose(&m->theirs[i].bytes);
}

/* ---- fixtures ---- */

static char dir[] = "/tmp/sign-test-publish-tx.XXXXXX";
static char home[128];

static int passphrase(char *buf, size_t size, sign_pass_kind kind, const char *keyid, int confirm,
	void *payload)
{
	(void)kind;
	(void)keyid;
	(void)confirm;
	(void)payload;
	snprintf(buf, size, "correct horse battery staple");
	return 0;
}

static int setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL || sign_global_init() != SIGN_OK)
		return -1;
	snprintf(home, sizeof(home), "%s/home", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[80];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static sign_ctx *new_ctx(void)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	sign_ctx *ctx = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	o.home = home;
	o.passphrase_cb = passphrase;
	if (sign_ctx_new(&ctx, &o, &err) != SIGN_OK)
		fail_msg("sign_ctx_new: %s", err.message);
	return ctx;
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
 * added, snapshot, timestamp; staged in the backend for its next publish. */
static void their_update(mem_be *m, sign_ctx *ctx, const signp_gun_keys *k)
{
	signp_trust *t = NULL;
	signp_trust_load_opts lo = { .publisher = 1 };
	sign_error err;
	sign_buf targets = SIGN_BUF_INIT, snap = SIGN_BUF_INIT, ts = SIGN_BUF_INIT, none = SIGN_BUF_INIT;
	json_t *s;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_load(&t, ctx, &m->be, GUN, &lo, &err), SIGN_OK);
	s = json_deep_copy(t->targets->signed_obj);
	assert_non_null(s);
	json_object_set_new(json_object_get(s, "targets"), "theirs", signp_target_json(D3, 300));
	json_object_set_new(s, "version", json_integer(t->targets->version + 1));
	assert_int_equal(signp_sign_file(&targets, s, k->targets, &err), SIGN_OK);
	assert_int_equal(signp_build_snapshot(&snap, t, &none, &targets, t->snapshot->version + 1, k->snapshot,
		&err), SIGN_OK);
	assert_int_equal(signp_build_timestamp(&ts, snap.ptr, snap.size, t->timestamp->version + 1, 86400,
		k->timestamp, &err), SIGN_OK);
	memset(m->theirs, 0, sizeof(m->theirs));
	snprintf(m->theirs[0].role, 128, "targets");
	m->theirs[0].version = t->targets->version + 1;
	m->theirs[0].bytes = targets;
	snprintf(m->theirs[1].role, 128, "snapshot");
	m->theirs[1].version = t->snapshot->version + 1;
	m->theirs[1].bytes = snap;
	snprintf(m->theirs[2].role, 128, "timestamp");
	m->theirs[2].version = t->timestamp->version + 1;
	m->theirs[2].bytes = ts;
	m->ntheirs = 3;
	json_decref(s);
	signp_trust_free(t);
}

/* ---- tests ---- */

static void test_conflict_redoes_the_stage_on_the_new_state(void **state)
{
	sign_ctx *ctx = new_ctx();
	mem_be m;
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
	mem_init(&m);
	assert_int_equal(signp_gun_keys_get(&k, &created, ctx, GUN, 1, 0, 0, 0, &err), SIGN_OK);
	assert_int_equal(signp_publish_begin(&tx, ctx, &m.be, GUN, &po, &err), SIGN_OK);

	/* a new GUN: root, targets, snapshot and timestamp in one publish */
	is.ctx = ctx;
	is.be = &m.be;
	is.k = &k;
	assert_int_equal(signp_publish_commit(tx, stage_init, &is, &err), SIGN_OK);
	assert_true(signp_publish_published(tx));
	assert_int_equal(m.publishes, 1);
	assert_int_equal(m.last_files, 4);
	assert_int_equal(m.last_snapshots, 1);
	assert_int_equal(m.last_timestamps, 1);
	assert_non_null(signp_publish_result(tx));

	/* another writer's update waits in the backend */
	their_update(&m, ctx, &k);
	their_targets_version = m.theirs[0].version;

	/* our update meets theirs: one conflict, then one publish */
	memset(&ts, 0, sizeof(ts));
	ts.k = &k;
	ts.tag = "mine";
	ts.digest = D2;
	m.publishes = 0;
	assert_int_equal(signp_publish_commit(tx, stage_tag, &ts, &err), SIGN_OK);
	assert_int_equal(m.conflicts, 1);
	assert_int_equal(m.publishes, 2);
	assert_int_equal(ts.calls, 2);          /* the stage ran again ... */
	assert_true(ts.saw_theirs);             /* ... against the new state */
	assert_int_equal(m.last_targets, 1);
	assert_int_equal(m.last_snapshots, 1);  /* one snapshot, one timestamp */
	assert_int_equal(m.last_timestamps, 1);
	assert_int_equal(m.last_files, 3);

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
	mem_dispose(&m);
	sign_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conflict_redoes_the_stage_on_the_new_state),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_trust_checks.c - every check of SPEC §3 "What verify checks", steps
 * 1 to 4 (and the lookups of 5 and 6), on the trust engine itself: a GUN's
 * metadata is built and signed here, served by an in-memory backend, and
 * each test forges one input and asserts the return code and the message.
 * No server; keys are made with signp_key_generate (no scrypt).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memtrust.h"

#define GUN "example.com/unit/checks"
#define DUP_NOTE "1 more signature(s) by a key already counted under another key ID " \
	"(a threshold counts distinct keys)"

static char dir[4096];
static int nhome;

typedef struct fixture {
	char home[4200];
	sign_ctx *ctx;
	mt_repo r;
	mt_backend m;
	char v1[80];     /* digest signed for tag v1 in targets */
} fixture;

static int group_setup(void **state)
{
	(void)state;
	if (sign_global_init() != SIGN_OK)
		return -1;
	mt_tmpdir(dir, sizeof(dir), "checks");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return mt_rmtree(dir);
}

/* A fresh home, a GUN with tag v1 in targets, served. */
static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));
	if (fx == NULL)
		return -1;
	snprintf(fx->home, sizeof(fx->home), "%s/home%d", dir, ++nhome);
	fx->ctx = mt_ctx(fx->home, 0);
	mt_repo_init(&fx->r, GUN);
	mt_add_target(&fx->r, "targets", "v1", fx->v1);
	mt_repo_sign_all(&fx->r);
	mt_backend_init(&fx->m);
	mt_serve(&fx->m, &fx->r);
	mt_last_warning[0] = '\0';
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	mt_repo_dispose(&fx->r);
	fx->m.be.free(&fx->m.be);
	sign_ctx_free(fx->ctx);
	free(fx);
	return 0;
}

/* Load what is served: must verify (and caches it). */
static void load_ok(fixture *fx)
{
	signp_trust *t = NULL;
	sign_error err;
	if (mt_load(&t, fx->ctx, &fx->m, GUN, NULL, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	signp_trust_free(t);
}

/* Load what is served: must fail with code and message. */
static void load_fails(fixture *fx, const signp_trust_load_opts *opts, int code, const char *msg)
{
	signp_trust *t = NULL;
	sign_error err;
	int r = mt_load(&t, fx->ctx, &fx->m, GUN, opts, &err);
	assert_int_equal(r, code);
	assert_null(t);
	mt_assert_err(&err, code, msg);
}

/* Flip one character of a file's first signature (the JSON stays valid,
 * the bytes and hence the hash change, the signature no longer verifies). */
static void tamper_sig(sign_buf *w)
{
	char *p = strstr(w->ptr, "\"sig\":\"");
	assert_non_null(p);
	p += 7;
	*p = *p == 'A' ? 'B' : 'A';
}

/* ---------------------------------------------------------------------- */
/* 1. root pin and rotation chain                                          */

/* Root version N+1 of fx->r: a new root key, signed by the old root key
 * (sign_old) and/or the new one (sign_new); every other file re-signed. */
static void rotate_root(fixture *fx, int sign_old, int sign_new)
{
	mt_repo *r = &fx->r;
	signp_key *old = r->k[MT_ROOT], *nk = mt_new_key();
	char oldid[65], nid[65];
	json_t *nobj = mt_cert_obj(nk, GUN, nid);
	int64_t v = mt_version(r->s[MT_ROOT]) + 1;
	signp_tuf_signer sg[2];
	size_t n = 0;
	memcpy(oldid, r->id[MT_ROOT], sizeof(oldid));
	json_decref(r->s[MT_ROOT]);
	r->s[MT_ROOT] = mt_root_signed(r, nid, nobj, v);
	json_decref(nobj);
	if (sign_old)
		sg[n++] = (signp_tuf_signer){ oldid, old->pkey };
	if (sign_new)
		sg[n++] = (signp_tuf_signer){ nid, nk->pkey };
	mt_sign_with(&r->w[MT_ROOT], r->s[MT_ROOT], sg, n);
	signp_key_free(old);
	r->k[MT_ROOT] = nk;
	memcpy(r->id[MT_ROOT], nid, sizeof(nid));
	for (int i = MT_TARGETS; i <= MT_TIMESTAMP; i++)
		mt_set_version(r->s[i], mt_version(r->s[i]) + 1);
	mt_sign_role(r, MT_TARGETS);
	mt_snapshot_meta(r);
	mt_sign_role(r, MT_SNAPSHOT);
	mt_timestamp_meta(r);
	mt_sign_role(r, MT_TIMESTAMP);
	mt_serve(&fx->m, r);
}

static void test_root_rotation_by_both_accepted(void **state)
{
	fixture *fx = *state;
	signp_trust *t = NULL;
	sign_error err;
	load_ok(fx);
	/* two rotations while the verifier was away: 2.root.json is fetched
	 * and checked on the way to version 3 */
	rotate_root(fx, 1, 1);
	rotate_root(fx, 1, 1);
	if (mt_load(&t, fx->ctx, &fx->m, GUN, NULL, &err) != SIGN_OK)
		fail_msg("rotation chain: %s", err.message);
	assert_int_equal(t->root->version, 3);
	assert_string_equal(t->pinned_by, "cache");
	signp_trust_free(t);
}

static void test_root_rotation_not_signed_by_previous(void **state)
{
	fixture *fx = *state;
	load_ok(fx);
	rotate_root(fx, 0, 1);
	load_fails(fx, NULL, SIGN_EVERIFY, "root rotation to version 2: root rotation: new root version 2 "
		"is not signed by the trusted root keys of version 1");
}

static void test_root_rotation_not_signed_by_itself(void **state)
{
	fixture *fx = *state;
	load_ok(fx);
	rotate_root(fx, 1, 0);
	load_fails(fx, NULL, SIGN_EVERIFY,
		"root rotation to version 2: valid signatures did not meet threshold for root");
}

/* A broken link in the middle of the chain: version 2 is not signed by
 * version 1, version 3 is properly signed by 2. */
static void test_root_rotation_broken_link(void **state)
{
	fixture *fx = *state;
	load_ok(fx);
	rotate_root(fx, 0, 1);
	rotate_root(fx, 1, 1);
	load_fails(fx, NULL, SIGN_EVERIFY, "root rotation to version 2: root rotation: new root version 2 "
		"is not signed by the trusted root keys of version 1");
}

/* The cached root decides: a root of the same version with other keys
 * (another collection for the GUN) is a swap, refused. */
static void test_root_swapped(void **state)
{
	fixture *fx = *state;
	mt_repo other;
	load_ok(fx);
	mt_repo_init(&other, GUN);
	mt_repo_sign_all(&other);
	mt_serve(&fx->m, &other);
	load_fails(fx, NULL, SIGN_EVERIFY, "root of " GUN " was swapped: root rotation: new root version 1 "
		"is not signed by the trusted root keys of version 1");
	mt_repo_dispose(&other);
}

/* Trust on first use still needs a root signed by its own root key. */
static void test_root_tofu_not_self_signed(void **state)
{
	fixture *fx = *state;
	signp_tuf_signer sg = { fx->r.id[MT_ROOT], fx->r.k[MT_TARGETS]->pkey };
	mt_sign_with(&fx->r.w[MT_ROOT], fx->r.s[MT_ROOT], &sg, 1);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY, "valid signatures did not meet threshold for root");
}

/* A root rolled back below the cached version. */
static void test_root_rollback(void **state)
{
	fixture *fx = *state;
	sign_buf v1 = SIGN_BUF_INIT;
	assert_int_equal(signp_buf_put(&v1, fx->r.w[MT_ROOT].ptr, fx->r.w[MT_ROOT].size), SIGN_OK);
	rotate_root(fx, 1, 1);
	load_ok(fx);
	mt_put(&fx->m, "root", 0, v1.ptr, v1.size);
	load_fails(fx, NULL, SIGN_EVERIFY,
		"root: version 1 is lower than the trusted version 2: the trust data was rolled back");
	sign_buf_dispose(&v1);
}

/* --root-key FILE holding pk: written under the home's folder. */
static void write_pub(char *path, size_t size, const fixture *fx, const signp_key *k)
{
	sign_buf pem = SIGN_BUF_INIT;
	sign_error err;
	FILE *f;
	memset(&err, 0, sizeof(err));
	snprintf(path, size, "%s.root.pub", fx->home);
	assert_int_equal(signp_key_public_pem(&pem, k->pkey, &err), SIGN_OK);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(pem.ptr, 1, pem.size, f), pem.size);
	assert_int_equal(fclose(f), 0);
	sign_buf_dispose(&pem);
}

static void test_root_pin_met_by_signature(void **state)
{
	fixture *fx = *state;
	char path[4300];
	const char *files[2] = { path, NULL };
	signp_trust_load_opts o;
	signp_trust *t = NULL;
	sign_error err;
	memset(&o, 0, sizeof(o));
	o.root_key_files = files;
	write_pub(path, sizeof(path), fx, fx->r.k[MT_ROOT]);
	if (mt_load(&t, fx->ctx, &fx->m, GUN, &o, &err) != SIGN_OK)
		fail_msg("pinned: %s", err.message);
	assert_string_equal(t->pinned_by, "--root-key");
	assert_int_equal(t->tofu, 0);
	signp_trust_free(t);
}

/* The root lists the pinned key (a valid certificate over it, in the root
 * role) but only another root key signed it: refused. */
static void test_root_pin_listed_not_signed(void **state)
{
	fixture *fx = *state;
	signp_key *pinned = mt_new_key();
	char path[4300], pid[65];
	const char *files[2] = { path, NULL };
	signp_trust_load_opts o;
	json_t *pobj = mt_cert_obj(pinned, GUN, pid);
	json_t *rr = json_object_get(json_object_get(fx->r.s[MT_ROOT], "roles"), "root");
	memset(&o, 0, sizeof(o));
	o.root_key_files = files;
	json_object_set_new(json_object_get(fx->r.s[MT_ROOT], "keys"), pid, pobj);
	json_array_append_new(json_object_get(rr, "keyids"), json_string(pid));
	mt_repo_sign_all(&fx->r);
	mt_serve(&fx->m, &fx->r);
	write_pub(path, sizeof(path), fx, pinned);
	load_fails(fx, &o, SIGN_EVERIFY, "root of " GUN ": no root version is signed by the pinned root "
		"key (pinned by --root-key): root version 1 lists the pinned root key but is not signed by it");
	signp_key_free(pinned);
}

/* The root lists the pinned key's ID over another key (a claim: the ID is
 * recomputed from the key bytes), signed by that other key under the
 * pinned ID: it does not list the pinned key at all. */
static void test_root_pin_claimed_id(void **state)
{
	fixture *fx = *state;
	signp_key *pinned = mt_new_key();
	char path[4300], pid[65], oid[65];
	const char *files[2] = { path, NULL };
	signp_trust_load_opts o;
	json_t *pobj = mt_cert_obj(pinned, GUN, pid);
	json_t *oobj = mt_cert_obj(fx->r.k[MT_ROOT], GUN, oid);
	signp_tuf_signer sg = { pid, fx->r.k[MT_ROOT]->pkey };
	memset(&o, 0, sizeof(o));
	o.root_key_files = files;
	json_decref(pobj);
	json_decref(fx->r.s[MT_ROOT]);
	fx->r.s[MT_ROOT] = mt_root_signed(&fx->r, pid, oobj, 1);
	json_decref(oobj);
	mt_sign_with(&fx->r.w[MT_ROOT], fx->r.s[MT_ROOT], &sg, 1);
	mt_sign_role(&fx->r, MT_TARGETS);
	mt_snapshot_meta(&fx->r);
	mt_sign_role(&fx->r, MT_SNAPSHOT);
	mt_timestamp_meta(&fx->r);
	mt_sign_role(&fx->r, MT_TIMESTAMP);
	mt_serve(&fx->m, &fx->r);
	write_pub(path, sizeof(path), fx, pinned);
	load_fails(fx, &o, SIGN_EVERIFY, "root of " GUN ": no root version is signed by the pinned root "
		"key (pinned by --root-key): root version 1 does not list the pinned root key");
	/* without the pin the claimed ID is no key of the root role at all:
	 * trust on first use refuses it too */
	load_fails(fx, NULL, SIGN_EVERIFY, "valid signatures did not meet threshold for root");
	signp_key_free(pinned);
}

/* ---------------------------------------------------------------------- */
/* 2. timestamp                                                            */

static void test_timestamp_bad_signature(void **state)
{
	fixture *fx = *state;
	signp_tuf_signer sg = { fx->r.id[MT_TIMESTAMP], fx->r.k[MT_SNAPSHOT]->pkey };
	mt_sign_with(&fx->r.w[MT_TIMESTAMP], fx->r.s[MT_TIMESTAMP], &sg, 1);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY, "valid signatures did not meet threshold for timestamp");
}

static void test_timestamp_tampered(void **state)
{
	fixture *fx = *state;
	tamper_sig(&fx->r.w[MT_TIMESTAMP]);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY, "valid signatures did not meet threshold for timestamp");
}

static void test_timestamp_expired(void **state)
{
	fixture *fx = *state;
	char want[128];
	signp_trust *t = NULL;
	sign_error err;
	signp_trust_load_opts o;
	mt_set_expires(fx->r.s[MT_TIMESTAMP], -3600);
	mt_sign_role(&fx->r, MT_TIMESTAMP);
	mt_serve(&fx->m, &fx->r);
	snprintf(want, sizeof(want), "timestamp: expired at %s",
		json_string_value(json_object_get(fx->r.s[MT_TIMESTAMP], "expires")));
	load_fails(fx, NULL, SIGN_EVERIFY, want);
	/* with the hint for whoever holds the timestamp key */
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_load(&t, fx->ctx, &fx->m.be, GUN, NULL, &err), SIGN_EVERIFY);
	assert_string_equal(err.hint, "the publisher must run `sign trust refresh`");
	/* the publisher about to replace it may read it */
	memset(&o, 0, sizeof(o));
	o.publisher = 1;
	if (mt_load(&t, fx->ctx, &fx->m, GUN, &o, &err) != SIGN_OK)
		fail_msg("publisher: %s", err.message);
	signp_trust_free(t);
}

/* Valid today, expired as of a later time asked for (--at). */
static void test_timestamp_expired_at(void **state)
{
	fixture *fx = *state;
	signp_trust_load_opts o;
	signp_trust *t = NULL;
	sign_error err;
	char at[32], want[160];
	memset(&o, 0, sizeof(o));
	o.at = signp_now() + 30 * 86400;
	signp_time_format(at, o.at);
	snprintf(want, sizeof(want), "timestamp: expired at %s, as of %s, the time checked",
		json_string_value(json_object_get(fx->r.s[MT_TIMESTAMP], "expires")), at);
	load_fails(fx, &o, SIGN_EVERIFY, want);
	/* and such a check caches nothing */
	o.at = signp_now() + 86400 * 3;
	if (mt_load(&t, fx->ctx, &fx->m, GUN, &o, &err) != SIGN_OK)
		fail_msg("at: %s", err.message);
	signp_trust_free(t);
	assert_int_equal(signp_trust_cached_root(fx->ctx, GUN), 0);
}

static void test_timestamp_rollback(void **state)
{
	fixture *fx = *state;
	mt_repo_next(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_ok(fx);
	mt_set_version(fx->r.s[MT_TIMESTAMP], 1);
	mt_sign_role(&fx->r, MT_TIMESTAMP);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY,
		"timestamp: version 1 is lower than the cached version 2: the trust data was rolled back");
}

static void test_timestamp_missing(void **state)
{
	fixture *fx = *state;
	mt_remove(&fx->m, "timestamp", 0);
	load_fails(fx, NULL, SIGN_EVERIFY, "timestamp: timestamp: not found");
}

/* ---------------------------------------------------------------------- */
/* 3. snapshot                                                             */

static void test_snapshot_hash_mismatch(void **state)
{
	fixture *fx = *state;
	tamper_sig(&fx->r.w[MT_SNAPSHOT]);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY, "sha256 checksum for snapshot did not match");
}

static void test_snapshot_bad_signature(void **state)
{
	fixture *fx = *state;
	signp_tuf_signer sg = { fx->r.id[MT_SNAPSHOT], fx->r.k[MT_TARGETS]->pkey };
	mt_sign_with(&fx->r.w[MT_SNAPSHOT], fx->r.s[MT_SNAPSHOT], &sg, 1);
	mt_timestamp_meta(&fx->r);
	mt_sign_role(&fx->r, MT_TIMESTAMP);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY, "valid signatures did not meet threshold for snapshot");
}

static void test_snapshot_expired(void **state)
{
	fixture *fx = *state;
	char want[128];
	mt_set_expires(fx->r.s[MT_SNAPSHOT], -60);
	mt_sign_role(&fx->r, MT_SNAPSHOT);
	mt_timestamp_meta(&fx->r);
	mt_sign_role(&fx->r, MT_TIMESTAMP);
	mt_serve(&fx->m, &fx->r);
	snprintf(want, sizeof(want), "snapshot: expired at %s",
		json_string_value(json_object_get(fx->r.s[MT_SNAPSHOT], "expires")));
	load_fails(fx, NULL, SIGN_EVERIFY, want);
}

static void test_snapshot_rollback(void **state)
{
	fixture *fx = *state;
	mt_repo_next(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_ok(fx);
	/* snapshot 1 again under a new timestamp (3) */
	mt_set_version(fx->r.s[MT_SNAPSHOT], 1);
	mt_sign_role(&fx->r, MT_SNAPSHOT);
	mt_set_version(fx->r.s[MT_TIMESTAMP], 3);
	mt_timestamp_meta(&fx->r);
	mt_sign_role(&fx->r, MT_TIMESTAMP);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY,
		"snapshot: version 1 is lower than the cached version 2: the trust data was rolled back");
}

/* The snapshot must name the root's exact bytes. */
static void test_snapshot_names_other_root(void **state)
{
	fixture *fx = *state;
	json_object_set_new(json_object_get(fx->r.s[MT_SNAPSHOT], "meta"), "root",
		signp_tuf_filemeta("another root", 12, 0));
	mt_sign_role(&fx->r, MT_SNAPSHOT);
	mt_timestamp_meta(&fx->r);
	mt_sign_role(&fx->r, MT_TIMESTAMP);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY,
		"snapshot does not match the root: sha256 checksum for root did not match");
}

/* ---------------------------------------------------------------------- */
/* 4. targets and delegations                                              */

/* Snapshot and timestamp again over the current targets bytes. */
static void resign_parents(mt_repo *r)
{
	mt_snapshot_meta(r);
	mt_sign_role(r, MT_SNAPSHOT);
	mt_timestamp_meta(r);
	mt_sign_role(r, MT_TIMESTAMP);
}

static void test_targets_hash_mismatch(void **state)
{
	fixture *fx = *state;
	tamper_sig(&fx->r.w[MT_TARGETS]);
	mt_put(&fx->m, "targets", 0, fx->r.w[MT_TARGETS].ptr, fx->r.w[MT_TARGETS].size);
	load_fails(fx, NULL, SIGN_EVERIFY, "sha256 checksum for targets did not match");
}

static void test_targets_bad_signature(void **state)
{
	fixture *fx = *state;
	signp_tuf_signer sg = { fx->r.id[MT_TARGETS], fx->r.k[MT_SNAPSHOT]->pkey };
	mt_sign_with(&fx->r.w[MT_TARGETS], fx->r.s[MT_TARGETS], &sg, 1);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY, "valid signatures did not meet threshold for targets");
}

static void test_targets_expired(void **state)
{
	fixture *fx = *state;
	char want[128];
	mt_set_expires(fx->r.s[MT_TARGETS], -60);
	mt_sign_role(&fx->r, MT_TARGETS);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	snprintf(want, sizeof(want), "targets: expired at %s",
		json_string_value(json_object_get(fx->r.s[MT_TARGETS], "expires")));
	load_fails(fx, NULL, SIGN_EVERIFY, want);
}

static void test_targets_rollback(void **state)
{
	fixture *fx = *state;
	mt_repo_next(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_ok(fx);
	mt_set_version(fx->r.s[MT_TARGETS], 1);
	mt_sign_role(&fx->r, MT_TARGETS);
	mt_set_version(fx->r.s[MT_SNAPSHOT], 3);
	mt_set_version(fx->r.s[MT_TIMESTAMP], 3);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY,
		"targets: version 1 is lower than the cached version 2: the trust data was rolled back");
}

/* A targets file listed by the snapshot but not served. */
static void test_targets_missing(void **state)
{
	fixture *fx = *state;
	mt_remove(&fx->m, "targets", 0);
	load_fails(fx, NULL, SIGN_EVERIFY, "targets: targets: not found");
}

static const char *const prod_only[] = { "prod/", NULL };

/* targets/releases, restricted to prod/..., signing prod/v2 and dev. */
static void with_releases(fixture *fx, char prod[80])
{
	mt_add_delegation(&fx->r, "targets/releases", prod_only);
	mt_add_target(&fx->r, "targets/releases", "prod/v2", prod);
	mt_add_target(&fx->r, "targets/releases", "dev", NULL);
	mt_repo_sign_all(&fx->r);
	mt_serve(&fx->m, &fx->r);
}

static void test_delegation_path_restriction(void **state)
{
	fixture *fx = *state;
	signp_trust *t = NULL;
	signp_target tg;
	sign_error err;
	char prod[80];
	with_releases(fx, prod);
	if (mt_load(&t, fx->ctx, &fx->m, GUN, NULL, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	assert_int_equal(t->ndeleg, 1);
	assert_int_equal(signp_trust_find_target(&tg, t, "prod/v2", &err), SIGN_OK);
	assert_string_equal(tg.role, "targets/releases");
	assert_string_equal(tg.digest, prod);
	/* dev is in the delegation's file, outside its paths: not signed */
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_find_target(&tg, t, "dev", &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, GUN ":dev is not signed: no trust data for that tag");
	/* nor found by its digest */
	{
		char name[136], dev[80];
		mt_add_target(&fx->r, "targets/releases", "dev", dev);
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_trust_find_digest(&tg, name, t, dev, &err), SIGN_EVERIFY);
		assert_non_null(strstr(err.message, "is not signed: no tag of the trust data has that digest"));
	}
	signp_trust_free(t);
}

/* A delegation that fails is skipped with a warning, as notary does; its
 * tags are then unsigned, and the lookup says why. */
static void deleg_skipped(fixture *fx, const char *warning)
{
	signp_trust *t = NULL;
	signp_target tg;
	sign_error err;
	if (mt_load(&t, fx->ctx, &fx->m, GUN, NULL, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	assert_int_equal(t->ndeleg, 0);
	assert_string_equal(mt_last_warning, warning);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_find_target(&tg, t, "prod/v2", &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, GUN ":prod/v2 is not signed: targets/releases did not verify "
		"(too few signatures for its threshold, expired or tampered)");
	/* the top-level targets still count */
	assert_int_equal(signp_trust_find_target(&tg, t, "v1", &err), SIGN_OK);
	assert_string_equal(tg.role, "targets");
	signp_trust_free(t);
}

static void test_delegation_bad_signature(void **state)
{
	fixture *fx = *state;
	char prod[80];
	with_releases(fx, prod);
	{
		signp_tuf_signer sg = { fx->r.did, fx->r.k[MT_TARGETS]->pkey };
		mt_sign_with(&fx->r.dw, fx->r.ds, &sg, 1);
	}
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	deleg_skipped(fx, "skipping delegation: valid signatures did not meet threshold for targets/releases");
}

static void test_delegation_hash_mismatch(void **state)
{
	fixture *fx = *state;
	char prod[80];
	with_releases(fx, prod);
	tamper_sig(&fx->r.dw);
	mt_put(&fx->m, "targets/releases", 0, fx->r.dw.ptr, fx->r.dw.size);
	deleg_skipped(fx, "skipping delegation: sha256 checksum for targets/releases did not match");
}

static void test_delegation_expired(void **state)
{
	fixture *fx = *state;
	char prod[80], want[160];
	with_releases(fx, prod);
	mt_set_expires(fx->r.ds, -60);
	mt_sign_deleg(&fx->r);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	snprintf(want, sizeof(want), "skipping delegation: targets/releases: expired at %s",
		json_string_value(json_object_get(fx->r.ds, "expires")));
	deleg_skipped(fx, want);
}

static void test_delegation_rollback(void **state)
{
	fixture *fx = *state;
	char prod[80];
	with_releases(fx, prod);
	mt_repo_next(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_ok(fx);
	mt_set_version(fx->r.ds, 1);
	mt_sign_deleg(&fx->r);
	mt_set_version(fx->r.s[MT_SNAPSHOT], 3);
	mt_set_version(fx->r.s[MT_TIMESTAMP], 3);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	deleg_skipped(fx, "skipping delegation: targets/releases: version 1 is lower than the cached "
		"version 2: the trust data was rolled back");
}

/* ---------------------------------------------------------------------- */
/* 5, 6. lookups and thresholds                                            */

static void test_find_target_unsigned_tag(void **state)
{
	fixture *fx = *state;
	signp_trust *t = NULL;
	signp_target tg;
	sign_error err;
	char name[136];
	if (mt_load(&t, fx->ctx, &fx->m, GUN, NULL, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	assert_int_equal(signp_trust_find_target(&tg, t, "v1", &err), SIGN_OK);
	assert_string_equal(tg.role, "targets");
	assert_string_equal(tg.digest, fx->v1);
	assert_int_equal(tg.threshold, 1);
	assert_int_equal(signp_trust_find_digest(&tg, name, t, fx->v1, &err), SIGN_OK);
	assert_string_equal(name, "v1");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_find_target(&tg, t, "v2", &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, GUN ":v2 is not signed: no trust data for that tag");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_trust_find_digest(&tg, name, t, "sha256:"
		"0000000000000000000000000000000000000000000000000000000000000000", &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, GUN "@sha256:0000000000000000000000000000000000000000000000000000000000000000"
		" is not signed: no tag of the trust data has that digest");
	signp_trust_free(t);
}

/* The root lists the targets key under two IDs (bare and as a
 * certificate) with a threshold of 2; a targets file signed by that key
 * under both IDs counts once. */
static void test_threshold_distinct_keys(void **state)
{
	fixture *fx = *state;
	signp_key *k = fx->r.k[MT_TARGETS], *k2 = mt_new_key();
	char xid[65], id2[65];
	json_t *xobj = mt_cert_obj(k, GUN, xid), *o2 = mt_plain_obj(k2, id2);
	json_t *keys = json_object_get(fx->r.s[MT_ROOT], "keys");
	json_t *tr = json_object_get(json_object_get(fx->r.s[MT_ROOT], "roles"), "targets");
	signp_tuf_file *root = NULL, *f = NULL;
	sign_error err;
	json_object_set_new(keys, xid, xobj);
	json_object_set_new(keys, id2, o2);
	json_object_set_new(tr, "keyids", json_pack("[s, s, s]", fx->r.id[MT_TARGETS], xid, id2));
	json_object_set_new(tr, "threshold", json_integer(2));
	mt_sign_role(&fx->r, MT_ROOT);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf_parse(&root, "root", fx->r.w[MT_ROOT].ptr, fx->r.w[MT_ROOT].size,
		&err), SIGN_OK);
	{
		signp_tuf_signer sg[2] = { { fx->r.id[MT_TARGETS], k->pkey }, { xid, k->pkey } };
		mt_sign_with(&fx->r.w[MT_TARGETS], fx->r.s[MT_TARGETS], sg, 2);
	}
	assert_int_equal(signp_tuf_parse(&f, "targets", fx->r.w[MT_TARGETS].ptr,
		fx->r.w[MT_TARGETS].size, &err), SIGN_OK);
	assert_int_equal(signp_trust_verify_role(root, f, "targets", &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, "valid signatures did not meet threshold for targets: " DUP_NOTE);
	/* the whole load refuses it the same way */
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_fails(fx, NULL, SIGN_EVERIFY, "valid signatures did not meet threshold for targets: " DUP_NOTE);
	/* two distinct keys meet it */
	signp_tuf_file_free(f);
	f = NULL;
	{
		signp_tuf_signer sg[2] = { { xid, k->pkey }, { id2, k2->pkey } };
		mt_sign_with(&fx->r.w[MT_TARGETS], fx->r.s[MT_TARGETS], sg, 2);
	}
	assert_int_equal(signp_tuf_parse(&f, "targets", fx->r.w[MT_TARGETS].ptr,
		fx->r.w[MT_TARGETS].size, &err), SIGN_OK);
	memset(&err, 0, sizeof(err));
	if (signp_trust_verify_role(root, f, "targets", &err) != SIGN_OK)
		fail_msg("two keys: %s", err.message);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	load_ok(fx);
	signp_tuf_file_free(f);
	signp_tuf_file_free(root);
	signp_key_free(k2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_root_rotation_by_both_accepted),
		T(test_root_rotation_not_signed_by_previous),
		T(test_root_rotation_not_signed_by_itself),
		T(test_root_rotation_broken_link),
		T(test_root_swapped),
		T(test_root_tofu_not_self_signed),
		T(test_root_rollback),
		T(test_root_pin_met_by_signature),
		T(test_root_pin_listed_not_signed),
		T(test_root_pin_claimed_id),
		T(test_timestamp_bad_signature),
		T(test_timestamp_tampered),
		T(test_timestamp_expired),
		T(test_timestamp_expired_at),
		T(test_timestamp_rollback),
		T(test_timestamp_missing),
		T(test_snapshot_hash_mismatch),
		T(test_snapshot_bad_signature),
		T(test_snapshot_expired),
		T(test_snapshot_rollback),
		T(test_snapshot_names_other_root),
		T(test_targets_hash_mismatch),
		T(test_targets_bad_signature),
		T(test_targets_expired),
		T(test_targets_rollback),
		T(test_targets_missing),
		T(test_delegation_path_restriction),
		T(test_delegation_bad_signature),
		T(test_delegation_hash_mismatch),
		T(test_delegation_expired),
		T(test_delegation_rollback),
		T(test_find_target_unsigned_tag),
		T(test_threshold_distinct_keys),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

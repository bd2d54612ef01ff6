/*
 * test_trust_root.c - SPEC §3 step 1 on the trust engine: the root is
 * pinned (trust on first use unless a pin says otherwise), and every root
 * rotation since the trusted one is signed by the previous root's
 * threshold and by its own; a pin is met only by the pinned key's own
 * signature.  Metadata built and signed here, served from memory; each
 * forged input is checked for its return code and message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define GUN "example.com/unit/root"
#include "memfixture.h"

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

/* N.root.json must hold version N. */
static void test_root_version_file_mismatch(void **state)
{
	fixture *fx = *state;
	mt_file *f;
	load_ok(fx);
	rotate_root(fx, 1, 1);
	rotate_root(fx, 1, 1);
	/* 2.root.json serves version 3's bytes */
	f = mt_find(&fx->m, "root", 3);
	assert_non_null(f);
	mt_put(&fx->m, "root", 2, f->bytes, f->len);
	load_fails(fx, NULL, SIGN_EVERIFY, "root: 2.root.json holds version 3");
}

/* A pinned verifier with nothing cached searches the root versions for
 * the first one the pinned key signed, but not for ever. */
static void test_root_pin_search_bounded(void **state)
{
	fixture *fx = *state;
	signp_key *pinned = mt_new_key();
	char path[4300];
	const char *files[2] = { path, NULL };
	signp_trust_load_opts o;
	memset(&o, 0, sizeof(o));
	o.root_key_files = files;
	mt_set_version(fx->r.s[MT_ROOT], 5000);
	mt_repo_sign_all(&fx->r);
	mt_serve(&fx->m, &fx->r);
	write_pub(path, sizeof(path), fx, pinned);
	fx->m.fetches = 0;
	load_fails(fx, &o, SIGN_EVERIFY, "root of " GUN ": version 5000 is too high to search for the "
		"pinned root among its versions (at most 1000)");
	assert_true(fx->m.fetches <= 2);
	/* a low version is searched, each version once */
	mt_set_version(fx->r.s[MT_ROOT], 3);
	mt_repo_sign_all(&fx->r);
	mt_serve(&fx->m, &fx->r);
	fx->m.fetches = 0;
	load_fails(fx, &o, SIGN_EVERIFY, "root of " GUN ": no root version is signed by the pinned root "
		"key (pinned by --root-key): root version 3 does not list the pinned root key");
	assert_int_equal(fx->m.fetches, 3); /* root, 1.root.json, 2.root.json */
	signp_key_free(pinned);
}

/* Trust on first use still checks the root's own structure: its root
 * keys are certificates for this GUN, valid now, and it has not expired. */
static void tofu_root_with_key(fixture *fx, json_t *obj, const char *id)
{
	signp_tuf_signer sg = { id, fx->r.k[MT_ROOT]->pkey };
	json_decref(fx->r.s[MT_ROOT]);
	fx->r.s[MT_ROOT] = mt_root_signed(&fx->r, id, obj, 1);
	mt_sign_with(&fx->r.w[MT_ROOT], fx->r.s[MT_ROOT], &sg, 1);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
}

static void test_root_cert_for_other_gun(void **state)
{
	fixture *fx = *state;
	char id[65];
	json_t *o = mt_cert_obj(fx->r.k[MT_ROOT], "example.com/unit/other", id);
	tofu_root_with_key(fx, o, id);
	json_decref(o);
	load_fails(fx, NULL, SIGN_EVERIFY, "root: no valid root certificate for " GUN ": certificate CN "
		"\"example.com/unit/other\" does not match the GUN");
}

static void test_root_key_not_a_cert(void **state)
{
	fixture *fx = *state;
	char id[65];
	json_t *o = mt_plain_obj(fx->r.k[MT_ROOT], id);
	tofu_root_with_key(fx, o, id);
	json_decref(o);
	load_fails(fx, NULL, SIGN_EVERIFY,
		"root: no valid root certificate for " GUN ": root key is not an x509 certificate");
}

static void test_root_cert_expired(void **state)
{
	fixture *fx = *state;
	sign_buf pem = SIGN_BUF_INIT;
	char id[65];
	json_t *o = NULL;
	assert_int_equal(signp_key_root_cert(&pem, fx->r.k[MT_ROOT], GUN, signp_now() - 10 * 86400, 1,
		NULL), SIGN_OK);
	assert_int_equal(signp_tuf_key_new(&o, id, fx->r.k[MT_ROOT]->pkey, pem.ptr, NULL), SIGN_OK);
	tofu_root_with_key(fx, o, id);
	json_decref(o);
	sign_buf_dispose(&pem);
	load_fails(fx, NULL, SIGN_EVERIFY,
		"root: no valid root certificate for " GUN ": certificate for " GUN " has expired");
}

static void test_root_expired(void **state)
{
	fixture *fx = *state;
	char want[128];
	mt_set_expires(fx->r.s[MT_ROOT], -60);
	mt_sign_role(&fx->r, MT_ROOT);
	resign_parents(&fx->r);
	mt_serve(&fx->m, &fx->r);
	snprintf(want, sizeof(want), "root: expired at %s",
		json_string_value(json_object_get(fx->r.s[MT_ROOT], "expires")));
	load_fails(fx, NULL, SIGN_EVERIFY, want);
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
		T(test_root_version_file_mismatch),
		T(test_root_pin_search_bounded),
		T(test_root_cert_for_other_gun),
		T(test_root_key_not_a_cert),
		T(test_root_cert_expired),
		T(test_root_expired),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}


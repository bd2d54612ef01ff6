/*
 * memfixture.h - the fixture of the trust engine's unit tests over the
 * in-memory backend (memtrust.h): a fresh home per test and a GUN (GUN,
 * defined by the includer) with tag v1 signed in targets, served.  Static
 * helpers, included, not linked.
 */
#ifndef SIGN_TEST_MEMFIXTURE_H
#define SIGN_TEST_MEMFIXTURE_H

#include "memtrust.h"

#ifndef GUN
#error "define GUN before including memfixture.h"
#endif

#define DUP_NOTE "1 more signature(s) by a key already counted under another key ID " \
	"(a threshold counts distinct keys)"

static char dir[1024];
static int nhome;

typedef struct fixture {
	char home[1100];
	sign_ctx *ctx;
	mt_repo r;
	mt_backend m;
	char v1[80];     /* digest signed for tag v1 in targets */
} fixture;

static MT_UNUSED int group_setup(void **state)
{
	(void)state;
	if (sign_global_init() != SIGN_OK)
		return -1;
	mt_tmpdir(dir, sizeof(dir), "trust");
	return 0;
}

static MT_UNUSED int group_teardown(void **state)
{
	(void)state;
	return mt_rmtree(dir);
}

/* A fresh home, a GUN with tag v1 in targets, served. */
static MT_UNUSED int setup(void **state)
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

static MT_UNUSED int teardown(void **state)
{
	fixture *fx = *state;
	mt_repo_dispose(&fx->r);
	fx->m.be.free(&fx->m.be);
	sign_ctx_free(fx->ctx);
	free(fx);
	return 0;
}

/* Load what is served: must verify (and caches it). */
static MT_UNUSED void load_ok(fixture *fx)
{
	signp_trust *t = NULL;
	sign_error err;
	if (mt_load(&t, fx->ctx, &fx->m, GUN, NULL, &err) != SIGN_OK)
		fail_msg("load: %s", err.message);
	signp_trust_free(t);
}

/* Load what is served: must fail with code and message. */
static MT_UNUSED void load_fails(fixture *fx, const signp_trust_load_opts *opts, int code, const char *msg)
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
static MT_UNUSED void tamper_sig(sign_buf *w)
{
	char *p = strstr(w->ptr, "\"sig\":\"");
	assert_non_null(p);
	p += 7;
	*p = *p == 'A' ? 'B' : 'A';
}


/* Snapshot and timestamp again over the current targets bytes. */
static MT_UNUSED void resign_parents(mt_repo *r)
{
	mt_snapshot_meta(r);
	mt_sign_role(r, MT_SNAPSHOT);
	mt_timestamp_meta(r);
	mt_sign_role(r, MT_TIMESTAMP);
}


/* --root-key FILE holding pk: written under the home's folder. */
static MT_UNUSED void write_pub(char *path, size_t size, const fixture *fx, const signp_key *k)
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

#endif

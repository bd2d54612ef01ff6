/* test_abi.c - the public ABI as a program sees it, through <sign.h> only:
 * every public call clears the caller's sign_error on entry (a sign_error
 * full of garbage comes back with code 0 and empty strings after a
 * success), sign_version() names the library, result structs of an
 * unknown version are refused before anything is written into them, and
 * sign_verify reports its signers in an array sign_verify_result_dispose()
 * frees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <sign.h>

static char dir[4096];
static char home[4200], vhome[4200], layout[4200];

static const char pass[] = "abi test passphrase";

static int pass_cb(char *buf, size_t size, sign_pass_kind kind, const char *keyid, int confirm,
	void *payload)
{
	(void)kind;
	(void)keyid;
	(void)confirm;
	(void)payload;
	if (sizeof(pass) > size)
		return -1;
	memcpy(buf, pass, sizeof(pass));
	return 0;
}

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char cmd[8800];
	(void)state;
	snprintf(dir, sizeof(dir), "%s/sign-test-abi.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(home, sizeof(home), "%s/home", dir);
	snprintf(vhome, sizeof(vhome), "%s/verifier", dir);
	snprintf(layout, sizeof(layout), "%s/layout", dir);
	/* a tiny OCI image layout, tagged v1 */
	snprintf(cmd, sizeof(cmd), "sh tests/lib/mkimage.sh '%s' v1 abi >/dev/null", layout);
	if (system(cmd) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[4200];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A sign_error as a careless caller might hand it over: never zeroed. */
static void garbage(sign_error *err)
{
	memset(err, 0x5a, sizeof(*err));
	err->message[sizeof(err->message) - 1] = '\0';
}

static void assert_clear(const sign_error *err)
{
	assert_int_equal(err->code, 0);
	assert_string_equal(err->message, "");
	assert_string_equal(err->hint, "");
	assert_string_equal(err->source, "");
}

static sign_ctx *open_ctx(const char *h)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	sign_ctx *ctx = NULL;
	sign_error err;
	o.home = h;
	o.passphrase_cb = pass_cb;
	garbage(&err);
	assert_int_equal(sign_ctx_new(&ctx, &o, &err), SIGN_OK);
	assert_clear(&err);
	return ctx;
}

static void test_version(void **state)
{
	(void)state;
	assert_non_null(sign_version());
	assert_string_equal(sign_version(), SIGN_VERSION);
}

static void test_global_init(void **state)
{
	sign_global_options g = SIGN_GLOBAL_OPTIONS_INIT;
	sign_error err;
	(void)state;
	g.flags = SIGN_GLOBAL_OPENSSL_NO_ATEXIT;
	garbage(&err);
	assert_int_equal(sign_global_init_opts(&g, &err), SIGN_OK);
	assert_clear(&err);
	garbage(&err);
	assert_int_equal(sign_global_init_opts(NULL, &err), SIGN_OK);
	assert_clear(&err);
	/* an unknown version or flag is refused, with a message */
	g.version = SIGN_GLOBAL_OPTIONS_VERSION + 1;
	garbage(&err);
	assert_int_equal(sign_global_init_opts(&g, &err), SIGN_EINVAL);
	assert_int_equal(err.code, SIGN_EINVAL);
	assert_string_equal(err.message, "global init: unsupported options version");
	g.version = SIGN_GLOBAL_OPTIONS_VERSION;
	g.flags = 0x80u;
	assert_int_equal(sign_global_init_opts(&g, &err), SIGN_EINVAL);
	assert_string_equal(err.message, "global init: unknown flags 0x80");
	assert_int_equal(sign_global_init(), SIGN_OK);
}

/* Keys, pins and trust state: calls that succeed leave err empty. */
static void test_clear_on_success(void **state)
{
	sign_ctx *ctx;
	sign_error err;
	sign_buf out = SIGN_BUF_INIT, pem = SIGN_BUF_INIT, pkcs8 = SIGN_BUF_INIT;
	char keyid[72], again[72], path[4300], pkpath[4300];
	FILE *f;
	(void)state;
	ctx = open_ctx(home);
	assert_string_equal(sign_ctx_home(ctx), home);

	garbage(&err);
	assert_int_equal(sign_key_list(&out, ctx, &err), SIGN_OK);
	assert_clear(&err);
	sign_buf_dispose(&out);

	garbage(&err);
	assert_int_equal(sign_key_generate(keyid, ctx, "root", NULL, &err), SIGN_OK);
	assert_clear(&err);
	assert_true(strlen(keyid) > 0);

	garbage(&err);
	assert_int_equal(sign_key_export(&pem, ctx, keyid, SIGN_KEY_FORMAT_PUBLIC, &err), SIGN_OK);
	assert_clear(&err);
	snprintf(pkpath, sizeof(pkpath), "%s/root.pub", dir);
	assert_non_null(f = fopen(pkpath, "w"));
	assert_int_equal(fwrite(pem.ptr, 1, pem.size, f), pem.size);
	assert_int_equal(fclose(f), 0);

	garbage(&err);
	assert_int_equal(sign_key_export(&pkcs8, ctx, keyid, SIGN_KEY_FORMAT_PKCS8, &err), SIGN_OK);
	assert_clear(&err);
	snprintf(path, sizeof(path), "%s/root.p8", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(pkcs8.ptr, 1, pkcs8.size, f), pkcs8.size);
	assert_int_equal(fclose(f), 0);

	garbage(&err);
	assert_int_equal(sign_trust_pin(ctx, "example.com/abi/app", pkpath, &err), SIGN_OK);
	assert_clear(&err);
	garbage(&err);
	assert_int_equal(sign_trust_pin_rule(ctx, "example.com/abi/*", pkpath, NULL, &err), SIGN_OK);
	assert_clear(&err);
	garbage(&err);
	assert_int_equal(sign_trust_set_tofu(ctx, 1, &err), SIGN_OK);
	assert_clear(&err);
	garbage(&err);
	assert_int_equal(sign_trust_show(&out, ctx, "example.com/abi/app", &err), SIGN_OK);
	assert_clear(&err);
	sign_buf_dispose(&out);

	garbage(&err);
	assert_int_equal(sign_key_remove(ctx, keyid, &err), SIGN_OK);
	assert_clear(&err);
	garbage(&err);
	assert_int_equal(sign_key_import(again, ctx, path, "root", NULL, &err), SIGN_OK);
	assert_clear(&err);
	assert_string_equal(again, keyid);

	sign_buf_dispose(&pem);
	sign_buf_dispose(&pkcs8);
	sign_ctx_free(ctx);
}

/* Results of a version the library does not know are refused, and nothing
 * is written into them. */
static void test_result_version(void **state)
{
	sign_ctx *ctx;
	sign_error err;
	sign_push_result pr = SIGN_PUSH_RESULT_INIT;
	sign_verify_result vr = SIGN_VERIFY_RESULT_INIT;
	char ref[4300];
	(void)state;
	ctx = open_ctx(home);
	snprintf(ref, sizeof(ref), "oci:%s:v1", layout);

	pr.version = SIGN_PUSH_RESULT_VERSION + 1;
	memset(pr.repository, 'x', sizeof(pr.repository) - 1);
	garbage(&err);
	assert_int_equal(sign_push(&pr, ctx, ref, NULL, &err), SIGN_EINVAL);
	assert_int_equal(err.code, SIGN_EINVAL);
	assert_string_equal(err.message, "push: unsupported result version 2");
	assert_int_equal(pr.version, SIGN_PUSH_RESULT_VERSION + 1);
	assert_int_equal(pr.repository[0], 'x');
	assert_int_equal(sign_push(NULL, ctx, ref, NULL, &err), SIGN_EINVAL);

	vr.version = 0;
	memset(vr.repository, 'x', sizeof(vr.repository) - 1);
	garbage(&err);
	assert_int_equal(sign_verify(&vr, ctx, ref, NULL, &err), SIGN_EINVAL);
	assert_int_equal(err.code, SIGN_EINVAL);
	assert_string_equal(err.message, "verify: unsupported result version 0");
	assert_int_equal(vr.repository[0], 'x');
	assert_null(vr.signers);
	assert_int_equal(sign_verify(NULL, ctx, ref, NULL, &err), SIGN_EINVAL);

	sign_verify_result_dispose(NULL);
	sign_ctx_free(ctx);
}

/* Push and verify an OCI layout: both succeed with err cleared, and the
 * verify result holds its signers until disposed of. */
static void test_push_verify(void **state)
{
	sign_ctx *ctx, *vctx;
	sign_error err;
	sign_push_result pr = SIGN_PUSH_RESULT_INIT;
	sign_verify_result vr = SIGN_VERIFY_RESULT_INIT;
	sign_buf out = SIGN_BUF_INIT;
	char ref[4300];
	(void)state;
	ctx = open_ctx(home);
	snprintf(ref, sizeof(ref), "oci:%s:v1", layout);

	garbage(&err);
	assert_int_equal(sign_push(&pr, ctx, ref, NULL, &err), SIGN_OK);
	assert_clear(&err);
	assert_int_equal(pr.version, SIGN_PUSH_RESULT_VERSION);
	assert_true(strncmp(pr.digest, "sha256:", 7) == 0);
	assert_int_equal(pr.new_signature, 1);

	garbage(&err);
	assert_int_equal(sign_inspect(&out, ctx, ref, NULL, &err), SIGN_OK);
	assert_clear(&err);
	sign_buf_dispose(&out);

	vctx = open_ctx(vhome);
	garbage(&err);
	assert_int_equal(sign_verify(&vr, vctx, ref, NULL, &err), SIGN_OK);
	assert_clear(&err);
	assert_int_equal(vr.version, SIGN_VERIFY_RESULT_VERSION);
	assert_string_equal(vr.digest, pr.digest);
	assert_int_equal(vr.nsigners, 1);
	assert_non_null(vr.signers);
	assert_int_equal(strlen(vr.signers[0]), 64);

	/* given again without disposing: overwritten, the old array is the
	 * caller's to free */
	{
		sign_verify_result second = vr;
		second.signers = NULL;
		second.nsigners = 0;
		garbage(&err);
		assert_int_equal(sign_verify(&second, vctx, ref, NULL, &err), SIGN_OK);
		assert_clear(&err);
		assert_int_equal(second.nsigners, 1);
		assert_string_equal(second.signers[0], vr.signers[0]);
		sign_verify_result_dispose(&second);
	}
	sign_verify_result_dispose(&vr);
	assert_null(vr.signers);
	assert_int_equal(vr.nsigners, 0);
	assert_int_equal(vr.version, SIGN_VERIFY_RESULT_VERSION);
	assert_string_equal(vr.digest, "");
	sign_verify_result_dispose(&vr); /* twice: harmless */

	/* a failing verify leaves the result owning nothing */
	{
		char bad[4300];
		snprintf(bad, sizeof(bad), "oci:%s:nosuchtag", layout);
		assert_int_not_equal(sign_verify(&vr, vctx, bad, NULL, &err), SIGN_OK);
		assert_true(err.message[0] != '\0');
		assert_null(vr.signers);
		assert_int_equal(vr.nsigners, 0);
		/* and the next call clears that error */
		garbage(&err);
		assert_int_equal(sign_verify(&vr, vctx, ref, NULL, &err), SIGN_OK);
		assert_clear(&err);
		sign_verify_result_dispose(&vr);
	}
	/* an attestation: made and verified with err cleared; a result of an
	 * unknown version refused and left as it was */
	{
		sign_attest_result ar = SIGN_ATTEST_RESULT_INIT;
		const char *pred = "{\"matches\":[]}";
		garbage(&err);
		assert_int_equal(sign_attest(&ar, ctx, ref, "vuln", pred, strlen(pred), NULL, &err), SIGN_OK);
		assert_clear(&err);
		assert_string_equal(ar.digest, pr.digest);
		assert_int_equal(ar.new_attestation, 1);
		garbage(&err);
		assert_int_equal(sign_verify_attestation(&vr, &out, vctx, ref, "vuln", NULL, &err), SIGN_OK);
		assert_clear(&err);
		assert_string_equal(vr.digest, pr.digest);
		assert_true(out.size > 0 && out.ptr[0] == '[');
		sign_verify_result_dispose(&vr);
		sign_buf_dispose(&out);
		ar.version = SIGN_ATTEST_RESULT_VERSION + 1;
		memset(ar.repository, 'x', sizeof(ar.repository) - 1);
		garbage(&err);
		assert_int_equal(sign_attest(&ar, ctx, ref, "vuln", pred, strlen(pred), NULL, &err), SIGN_EINVAL);
		assert_string_equal(err.message, "attest: unsupported result version 2");
		assert_int_equal(ar.repository[0], 'x');
	}
	sign_ctx_free(vctx);
	sign_ctx_free(ctx);
}

/* Five signers sign one tag: sign_verify reports all five (a result once
 * had room for four). */
static void test_all_signers(void **state)
{
	enum { NSIGNERS = 5 };
	static const char *const names[NSIGNERS] = { "alice", "bob", "carol", "dave", "erin" };
	sign_ctx *ctx, *vctx;
	sign_error err;
	sign_verify_result vr = SIGN_VERIFY_RESULT_INIT;
	char ref[4300], gunref[4300], keyids[NSIGNERS][72], pubs[NSIGNERS][4300];
	(void)state;
	ctx = open_ctx(home);
	snprintf(ref, sizeof(ref), "oci:%s:v1", layout);
	snprintf(gunref, sizeof(gunref), "oci:%s", layout);
	for (int i = 0; i < NSIGNERS; i++) {
		sign_buf pem = SIGN_BUF_INIT, out = SIGN_BUF_INIT;
		const char *files[2] = { pubs[i], NULL };
		FILE *f;
		assert_int_equal(sign_key_generate(keyids[i], ctx, names[i], NULL, &err), SIGN_OK);
		assert_int_equal(sign_key_export(&pem, ctx, keyids[i], SIGN_KEY_FORMAT_PUBLIC, &err), SIGN_OK);
		snprintf(pubs[i], sizeof(pubs[i]), "%s/%s.pub", dir, names[i]);
		assert_non_null(f = fopen(pubs[i], "w"));
		assert_int_equal(fwrite(pem.ptr, 1, pem.size, f), pem.size);
		assert_int_equal(fclose(f), 0);
		garbage(&err);
		if (sign_signer_add(&out, ctx, names[i], gunref, files, NULL, 0, &err) != SIGN_OK)
			fail_msg("signer add %s: %s", names[i], err.message);
		sign_buf_dispose(&pem);
		sign_buf_dispose(&out);
	}
	for (int i = 0; i < NSIGNERS; i++) {
		sign_push_options o = SIGN_PUSH_OPTIONS_INIT;
		sign_push_result pr = SIGN_PUSH_RESULT_INIT;
		o.keyid = keyids[i];
		if (sign_push(&pr, ctx, ref, &o, &err) != SIGN_OK)
			fail_msg("push --key %s: %s", names[i], err.message);
		assert_int_equal(pr.new_signature, 1);
	}
	vctx = open_ctx(vhome);
	garbage(&err);
	if (sign_verify(&vr, vctx, ref, NULL, &err) != SIGN_OK)
		fail_msg("verify: %s", err.message);
	assert_clear(&err);
	assert_string_equal(vr.role, "targets/releases");
	assert_int_equal(vr.nsigners, NSIGNERS);
	for (size_t i = 0; i < vr.nsigners; i++) {
		size_t j = 0;
		while (j < NSIGNERS && strcmp(vr.signers[i], keyids[j]) != 0)
			j++;
		assert_true(j < NSIGNERS);
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(vr.signers[k], vr.signers[i]);
	}
	sign_verify_result_dispose(&vr);
	sign_ctx_free(vctx);
	sign_ctx_free(ctx);
}

/* A signer role listing as many keys as `sign signer add` takes (32),
 * signed by the last one: the verifier weighs every key the role lists
 * (it keeps them in an array sized by the role, not a fixed one). */
static void test_many_keys(void **state)
{
	enum { NKEYS = 32 };
	static const char *files[NKEYS + 1];
	static char pubs[NKEYS][4300];
	sign_ctx *ctx, *vctx;
	sign_error err;
	sign_verify_result vr = SIGN_VERIFY_RESULT_INIT;
	sign_push_options o = SIGN_PUSH_OPTIONS_INIT;
	sign_push_result pr = SIGN_PUSH_RESULT_INIT;
	sign_buf pem = SIGN_BUF_INIT, out = SIGN_BUF_INIT;
	char lay[4300], h[4300], vh[4300], ref[4400], gunref[4400], cmd[8800], keyid[72];
	FILE *f;
	(void)state;
	snprintf(lay, sizeof(lay), "%s/many-layout", dir);
	snprintf(h, sizeof(h), "%s/many-home", dir);
	snprintf(vh, sizeof(vh), "%s/many-verifier", dir);
	snprintf(cmd, sizeof(cmd), "sh tests/lib/mkimage.sh '%s' v1 many >/dev/null", lay);
	assert_int_equal(system(cmd), 0);
	snprintf(ref, sizeof(ref), "oci:%s:v1", lay);
	snprintf(gunref, sizeof(gunref), "oci:%s", lay);
	ctx = open_ctx(h);
	if (sign_push(&pr, ctx, ref, NULL, &err) != SIGN_OK) /* the repository key */
		fail_msg("push: %s", err.message);
	pr = (sign_push_result)SIGN_PUSH_RESULT_INIT;
	/* 31 keys made here, that nobody uses, then the home's own */
	for (int i = 0; i < NKEYS - 1; i++) {
		EVP_PKEY *pk = EVP_EC_gen("P-256");
		assert_non_null(pk);
		snprintf(pubs[i], sizeof(pubs[i]), "%s/many-%d.pub", dir, i);
		assert_non_null(f = fopen(pubs[i], "w"));
		assert_int_equal(PEM_write_PUBKEY(f, pk), 1);
		assert_int_equal(fclose(f), 0);
		EVP_PKEY_free(pk);
		files[i] = pubs[i];
	}
	assert_int_equal(sign_key_generate(keyid, ctx, "many", NULL, &err), SIGN_OK);
	assert_int_equal(sign_key_export(&pem, ctx, keyid, SIGN_KEY_FORMAT_PUBLIC, &err), SIGN_OK);
	snprintf(pubs[NKEYS - 1], sizeof(pubs[NKEYS - 1]), "%s/many-last.pub", dir);
	assert_non_null(f = fopen(pubs[NKEYS - 1], "w"));
	assert_int_equal(fwrite(pem.ptr, 1, pem.size, f), pem.size);
	assert_int_equal(fclose(f), 0);
	files[NKEYS - 1] = pubs[NKEYS - 1];
	files[NKEYS] = NULL;
	if (sign_signer_add(&out, ctx, "many", gunref, files, NULL, 1, &err) != SIGN_OK)
		fail_msg("signer add: %s", err.message);
	o.keyid = keyid;
	if (sign_push(&pr, ctx, ref, &o, &err) != SIGN_OK)
		fail_msg("push --key: %s", err.message);
	vctx = open_ctx(vh);
	garbage(&err);
	if (sign_verify(&vr, vctx, ref, NULL, &err) != SIGN_OK)
		fail_msg("verify: %s", err.message);
	assert_clear(&err);
	assert_int_equal(vr.nsigners, 1);
	assert_string_equal(vr.signers[0], keyid);
	sign_verify_result_dispose(&vr);
	sign_buf_dispose(&pem);
	sign_buf_dispose(&out);
	sign_ctx_free(vctx);
	sign_ctx_free(ctx);
}

/* The publishing calls clear err too: signers, refresh, rotation, revoke. */
static void test_clear_publishing(void **state)
{
	sign_ctx *ctx;
	sign_error err;
	sign_buf out = SIGN_BUF_INIT;
	sign_rotate_options ro = SIGN_ROTATE_OPTIONS_INIT;
	char ref[4300], gunref[4300];
	(void)state;
	ctx = open_ctx(home);
	snprintf(ref, sizeof(ref), "oci:%s:v1", layout);
	snprintf(gunref, sizeof(gunref), "oci:%s", layout);

	garbage(&err);
	assert_int_equal(sign_signer_list(&out, ctx, gunref, &err), SIGN_OK);
	assert_clear(&err);
	sign_buf_dispose(&out);
	garbage(&err);
	assert_int_equal(sign_signer_remove(&out, ctx, "erin", gunref, &err), SIGN_OK);
	assert_clear(&err);
	sign_buf_dispose(&out);
	garbage(&err);
	assert_int_equal(sign_trust_refresh(&out, ctx, gunref, NULL, 0, &err), SIGN_OK);
	assert_clear(&err);
	sign_buf_dispose(&out);
	garbage(&err);
	assert_int_equal(sign_key_rotate(&out, ctx, gunref, "snapshot", &ro, &err), SIGN_OK);
	assert_clear(&err);
	sign_buf_dispose(&out);
	garbage(&err);
	assert_int_equal(sign_trust_republish(&out, ctx, gunref, NULL, &err), SIGN_OK);
	assert_clear(&err);
	sign_buf_dispose(&out);
	garbage(&err);
	assert_int_equal(sign_revoke(&out, ctx, ref, NULL, &err), SIGN_OK);
	assert_clear(&err);
	sign_buf_dispose(&out);
	sign_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_global_init),
		cmocka_unit_test(test_clear_on_success),
		cmocka_unit_test(test_result_version),
		cmocka_unit_test(test_push_verify),
		cmocka_unit_test(test_all_signers),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_clear_publishing),
	};
	int r;
	if (sign_global_init() != SIGN_OK)
		return 1;
	r = cmocka_run_group_tests(tests, setup, teardown);
	sign_global_cleanup();
	return r;
}

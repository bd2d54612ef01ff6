/*
 * test_rekor.c - transparency log entries (rekor.c, rekor_body.c,
 * rekor_checkpoint.c): sigstore-conformance's bundles (tests/vectors/
 * sigstore-conformance/) accepted and refused as their cases say, with the
 * reason in the message; entries, checkpoints and claims forged here, each
 * refusal asserted by its message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dsse.h"
#include "key.h"
#include "rekor.h"
#include "rekor_int.h"

/* A time after every case's integrated time (2027-01-15). */
#define NOW 1800000000

static const char *vectors(void)
{
	const char *v = getenv("VECTORS");
	return (v && *v) ? v : "tests/vectors";
}

static void expect_msg(const sign_error *err, const char *want)
{
	if (strstr(err->message, want) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err->message, want);
}

static int read_case(sign_buf *out, const char *c, const char *file)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/sigstore-conformance/%s/%s", vectors(), c, file);
	return signp_read_file(out, path, 8u << 20, NULL);
}

static json_t *case_json(const char *c, const char *file)
{
	sign_buf b = SIGN_BUF_INIT;
	json_error_t je;
	json_t *j;
	assert_int_equal(read_case(&b, c, file), SIGN_OK);
	j = json_loadb(b.ptr, b.size, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		fail_msg("%s/%s: %s", c, file, je.text);
	sign_buf_dispose(&b);
	return j;
}

static void b64_into(sign_buf *out, const char *s)
{
	assert_non_null(s);
	signp_buf_clear(out);
	assert_int_equal(signp_b64_decode(out, s, strlen(s)), SIGN_OK);
}

/* ---- the trusted root's logs, read here by hand (sigstore_root.c is
 * another file's job): a case's trusted_root.json, or the public-good
 * logs (those of invalid-ct-key_fail's root) ---- */

static void root_free(signp_trusted_root *r)
{
	size_t i;
	for (i = 0; i < r->ntlogs; i++) {
		EVP_PKEY_free(r->tlogs[i].key);
		free(r->tlogs[i].base_url);
		free(r->tlogs[i].origin);
	}
	free(r->tlogs);
	free(r);
}

static signp_trusted_root *root_of(const char *c)
{
	sign_buf probe = SIGN_BUF_INIT, b = SIGN_BUF_INIT;
	signp_trusted_root *r = calloc(1, sizeof(*r));
	json_t *doc, *t;
	size_t i;

	assert_non_null(r);
	if (read_case(&probe, c, "trusted_root.json") != SIGN_OK)
		c = "invalid-ct-key_fail";
	sign_buf_dispose(&probe);
	doc = case_json(c, "trusted_root.json");
	r->ntlogs = json_array_size(json_object_get(doc, "tlogs"));
	r->tlogs = calloc(r->ntlogs, sizeof(*r->tlogs));
	assert_non_null(r->tlogs);
	json_array_foreach(json_object_get(doc, "tlogs"), i, t) {
		signp_sig_log *l = &r->tlogs[i];
		const json_t *vf = json_object_get(json_object_get(t, "publicKey"), "validFor");
		const char *url = json_string_value(json_object_get(t, "baseUrl")), *end;
		b64_into(&b, json_string_value(json_object_get(json_object_get(t, "publicKey"), "rawBytes")));
		assert_non_null(l->key = signp_pubkey_from_spki(b.ptr, b.size));
		b64_into(&b, json_string_value(json_object_get(json_object_get(t, "logId"), "keyId")));
		assert_true(b.size <= sizeof(l->id));
		memcpy(l->id, b.ptr, b.size);
		l->idlen = b.size;
		assert_int_equal(signp_time_parse(json_string_value(json_object_get(vf, "start")), &l->start), 0);
		l->end = SIGNP_TIME_OPEN;
		if (json_object_get(vf, "end") != NULL)
			assert_int_equal(signp_time_parse(json_string_value(json_object_get(vf, "end")), &l->end), 0);
		l->base_url = signp_strdup(url);
		url = strstr(url, "://") + 3;
		for (end = url; *end != '\0' && *end != '/'; end++)
			;
		l->origin = signp_strndup(url, (size_t)(end - url));
	}
	json_decref(doc);
	sign_buf_dispose(&b);
	return r;
}

/* ---- a case's entry and what its bundle claims ---- */

typedef struct fix {
	json_t *bundle;
	signp_rekor_entry *e;
	signp_trusted_root *root;
	signp_rekor_claim c;
	sign_buf sig, digest;
	X509 *cert;
	EVP_PKEY *key;
	signp_dsse *dsse;
} fix;

static const json_t *tlog_of(const json_t *bundle)
{
	return json_array_get(json_object_get(json_object_get(bundle, "verificationMaterial"), "tlogEntries"), 0);
}

static void claim_of(fix *f, const char *c)
{
	const json_t *vm = json_object_get(f->bundle, "verificationMaterial"), *ms;
	const char *cert = json_string_value(json_object_get(json_object_get(vm, "certificate"), "rawBytes"));
	sign_buf b = SIGN_BUF_INIT;

	if (cert == NULL)
		cert = json_string_value(json_object_get(json_array_get(json_object_get(
			json_object_get(vm, "x509CertificateChain"), "certificates"), 0), "rawBytes"));
	if (cert != NULL) {
		const unsigned char *p;
		b64_into(&b, cert);
		p = (const unsigned char *)b.ptr;
		assert_non_null(f->cert = d2i_X509(NULL, &p, (long)b.size));
	} else {
		BIO *bio;
		assert_int_equal(read_case(&b, c, "key.pub"), SIGN_OK);
		bio = BIO_new_mem_buf(b.ptr, (int)b.size);
		assert_non_null(f->key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL));
		BIO_free(bio);
	}
	f->c.cert = f->cert;
	f->c.key = f->key;
	if ((ms = json_object_get(f->bundle, "messageSignature")) != NULL) {
		const json_t *md = json_object_get(ms, "messageDigest");
		b64_into(&f->sig, json_string_value(json_object_get(ms, "signature")));
		b64_into(&f->digest, json_string_value(json_object_get(md, "digest")));
		assert_string_equal(json_string_value(json_object_get(md, "algorithm")), "SHA2_256");
		f->c.sig = f->sig.ptr;
		f->c.siglen = f->sig.size;
		f->c.digest_alg = "sha256";
		f->c.digest = (const unsigned char *)f->digest.ptr;
		f->c.digestlen = f->digest.size;
	} else {
		char *env = json_dumps(json_object_get(f->bundle, "dsseEnvelope"), 0);
		sign_error err;
		memset(&err, 0, sizeof(err));
		assert_non_null(env);
		assert_int_equal(signp_dsse_parse(&f->dsse, env, strlen(env), &err), SIGN_OK);
		free(env);
		f->c.dsse = f->dsse;
	}
	sign_buf_dispose(&b);
}

static void fix_open(fix *f, const char *c)
{
	sign_error err;
	memset(f, 0, sizeof(*f));
	memset(&err, 0, sizeof(err));
	f->bundle = case_json(c, "bundle.sigstore.json");
	if (signp_rekor_entry_parse(&f->e, tlog_of(f->bundle), &err) != SIGN_OK)
		fail_msg("%s: %s", c, err.message);
	f->root = root_of(c);
	claim_of(f, c);
}

static void fix_close(fix *f)
{
	json_decref(f->bundle);
	signp_rekor_entry_free(f->e);
	root_free(f->root);
	sign_buf_dispose(&f->sig);
	sign_buf_dispose(&f->digest);
	X509_free(f->cert);
	EVP_PKEY_free(f->key);
	signp_dsse_free(f->dsse);
}

/* ---- conformance cases accepted ---- */

static void accepted(const char *c, unsigned need, int has_time)
{
	sign_error err;
	int64_t t = 0;
	fix f;
	fix_open(&f, c);
	memset(&err, 0, sizeof(err));
	if (signp_rekor_verify(f.e, f.root, need, NOW, &t, &err) != SIGN_OK)
		fail_msg("%s: %s", c, err.message);
	if (has_time)
		assert_true(t > 1600000000);
	else
		assert_int_equal(t, -1);
	if (signp_rekor_body_check(f.e, &f.c, &err) != SIGN_OK)
		fail_msg("%s: body: %s", c, err.message);
	fix_close(&f);
}

static void test_accepted(void **state)
{
	(void)state;
	accepted("happy-path-v0.1", SIGNP_REKOR_NEED_PROMISE, 1);
	accepted("happy-path-v0.2", SIGNP_REKOR_NEED_PROOF, 1);
	accepted("happy-path-v0.3", SIGNP_REKOR_NEED_PROOF, 1);
	accepted("happy-path-v0.3", SIGNP_REKOR_NEED_PROOF | SIGNP_REKOR_NEED_PROMISE, 1);
	accepted("happy-path-intoto-in-dsse-v3", SIGNP_REKOR_NEED_PROOF, 1);
	accepted("intoto-with-custom-trust-root", SIGNP_REKOR_NEED_PROOF, 1);
	accepted("managed-key-happy-path", SIGNP_REKOR_NEED_PROOF, 1);
	accepted("rekor2-happy-path", SIGNP_REKOR_NEED_PROOF, 0);
	accepted("rekor2-dsse-happy-path", SIGNP_REKOR_NEED_PROOF, 0);
	accepted("rekor2-checkpoint-cosigned", SIGNP_REKOR_NEED_PROOF, 0);
	accepted("rekor2-checkpoint-origin-not-first", SIGNP_REKOR_NEED_PROOF, 0);
	accepted("rekor2-checkpoint-two-sigs-from-origin", SIGNP_REKOR_NEED_PROOF, 0);
	accepted("rekor2-checkpoint-two-sigs-cosigned", SIGNP_REKOR_NEED_PROOF, 0);
	accepted("rekor2-checkpoint-multiple-cosigs", SIGNP_REKOR_NEED_PROOF, 0);
	accepted("rekor2-dsse-happy-path", 0, 0);
}

/* ---- conformance cases refused ---- */

static void refused_verify(const char *c, int64_t now, const char *want)
{
	sign_error err;
	int64_t t = 0;
	fix f;
	fix_open(&f, c);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_rekor_verify(f.e, f.root, SIGNP_REKOR_NEED_PROOF, now, &t, &err), SIGN_EVERIFY);
	assert_int_equal(t, -1);
	expect_msg(&err, want);
	fix_close(&f);
}

static void refused_body(const char *c, const char *want)
{
	sign_error err;
	int64_t t = 0;
	fix f;
	fix_open(&f, c);
	memset(&err, 0, sizeof(err));
	if (signp_rekor_verify(f.e, f.root, 0, NOW, &t, &err) != SIGN_OK)
		fail_msg("%s: %s", c, err.message);
	assert_int_equal(signp_rekor_body_check(f.e, &f.c, &err), SIGN_EVERIFY);
	expect_msg(&err, want);
	fix_close(&f);
}

static void refused_parse(const char *c, const char *want)
{
	signp_rekor_entry *e = (signp_rekor_entry *)1;
	json_t *b = case_json(c, "bundle.sigstore.json");
	sign_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_rekor_entry_parse(&e, tlog_of(b), &err), SIGN_EFORMAT);
	assert_null(e);
	expect_msg(&err, want);
	json_decref(b);
}

static void test_refused(void **state)
{
	(void)state;
	refused_verify("checkpoint-bad-keyhint_fail", NOW, "log entry 27246492: checkpoint: no signature by the log's key (key hint c0d23d6a)");
	refused_verify("checkpoint-wrong-roothash_fail", NOW,
		"its checkpoint (tree size 75610772) is not of the inclusion proof's tree (size 23083062)");
	refused_verify("inclusion-proof-corrupted-hash_fail", NOW, "log entry 79571823: inclusion proof:");
	refused_verify("invalid-checkpoint-signature_fail", NOW,
		"checkpoint: the signature of rekor.sigstore.dev (key hint c0d23d6a) does not verify with the log's key");
	refused_parse("invalid-inclusion-proof_fail", "log entry: inclusionProof has no checkpoint");
	refused_verify("set-invalid-signature_fail", NOW,
		"log entry 27246492: its signed entry timestamp does not verify with the log's key");
	/* 2026-05-07: in the future of 2023-11-14 */
	refused_verify("integrated-time-in-future_fail", 1700000000,
		"log entry 1462192450: its integrated time 2026-05-07T15:34:11Z is in the future");
	refused_verify("rekor2-checkpoint-missing-log-signature_fail", NOW, "checkpoint: no signature line");
	refused_verify("rekor2-checkpoint-missing-origin_fail", NOW, "checkpoint: tree size is not a decimal number");
	refused_verify("rekor2-checkpoint-missing-root-hash_fail", NOW, "checkpoint: no root hash line");
	refused_verify("rekor2-checkpoint-missing-size_fail", NOW, "checkpoint: tree size is not a decimal number");
	refused_verify("rekor2-checkpoint-no-matching-signature_fail", NOW,
		"checkpoint: its origin log2025-alpha1.rekor.github.dev is not the log's, log2025-alpha1.rekor.sigstage.dev");
	refused_verify("rekor2-no-inclusion-proof_fail", NOW, "it has no inclusion proof (a Rekor v2 entry must)");
	refused_body("wrong-hashedrekord-entry_fail", "log entry 151778873: its hashedrekord records the digest of another artifact");
	refused_body("intoto-log-entry-mismatch_fail", "its intoto entry's signature 0 is not the base64 of base64");
	refused_body("dsse-mismatch-envelope_fail", "its dsse entry records the hash of another payload than the envelope's");
	refused_body("rekor2-dsse-mismatch-envelope_fail", "its hashedrekord records the digest of another envelope");
	refused_parse("bundle-negative-log-index_fail", "log entry: logIndex -1 is negative");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

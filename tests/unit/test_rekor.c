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


/* ---- entries forged here ---- */

/* The first tlog entry of case c, to modify. */
static json_t *entry_json(const char *c)
{
	json_t *b = case_json(c, "bundle.sigstore.json"), *t = json_deep_copy(tlog_of(b));
	json_decref(b);
	assert_non_null(t);
	return t;
}

static void parse_refused(json_t *t, const char *want)
{
	signp_rekor_entry *e = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_rekor_entry_parse(&e, t, &err), SIGN_EFORMAT);
	assert_null(e);
	expect_msg(&err, want);
	json_decref(t);
}

static void set_body(json_t *t, const char *body)
{
	sign_buf b = SIGN_BUF_INIT;
	assert_int_equal(signp_b64_encode(&b, body, strlen(body)), SIGN_OK);
	json_object_set_new(t, "canonicalizedBody", json_string(b.ptr));
	sign_buf_dispose(&b);
}

static void test_parse_forged(void **state)
{
	json_t *t, *h;
	size_t i;
	(void)state;
	t = entry_json("happy-path-v0.3");
	json_object_set_new(t, "logIndex", json_string("12a"));
	parse_refused(t, "log entry: logIndex is not a decimal int64");
	t = entry_json("happy-path-v0.3");
	json_object_set_new(t, "logIndex", json_string("99999999999999999999"));
	parse_refused(t, "log entry: logIndex is not a decimal int64");
	t = entry_json("happy-path-v0.3");
	json_object_set_new(t, "logIndex", json_integer(-5));
	parse_refused(t, "log entry: logIndex -5 is negative");
	t = entry_json("happy-path-v0.3");
	json_object_set_new(t, "integratedTime", json_true());
	parse_refused(t, "log entry: integratedTime is not a number");
	t = entry_json("happy-path-v0.3");
	json_object_del(t, "logId");
	parse_refused(t, "log entry: logId.keyId is missing");
	t = entry_json("happy-path-v0.3");
	json_object_del(t, "kindVersion");
	parse_refused(t, "log entry: no kindVersion.kind and .version");
	/* the body's kind and the kindVersion must agree */
	t = entry_json("happy-path-v0.3");
	json_object_set_new(json_object_get(t, "kindVersion"), "kind", json_string("dsse"));
	parse_refused(t, "log entry: its body is a hashedrekord 0.0.1, its kindVersion says dsse 0.0.1");
	/* two kinds in one body: which one a verifier read would be a choice */
	t = entry_json("happy-path-v0.3");
	set_body(t, "{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"kind\":\"dsse\",\"spec\":{}}");
	parse_refused(t, "log entry: its body is not JSON");
	t = entry_json("happy-path-v0.3");
	set_body(t, "{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\\u0000x\",\"spec\":{}}");
	parse_refused(t, "log entry: its body is not JSON: \\u0000 is not allowed");
	t = entry_json("happy-path-v0.3");
	set_body(t, "{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\"}");
	parse_refused(t, "log entry: its body has no kind, apiVersion and spec");
	t = entry_json("happy-path-v0.3");
	json_object_set_new(t, "canonicalizedBody", json_string("not base64!"));
	parse_refused(t, "log entry: canonicalizedBody is not base64");
	/* proofs: bounded, hashes of 32 bytes, a checkpoint */
	t = entry_json("happy-path-v0.3");
	h = json_object_get(json_object_get(t, "inclusionProof"), "hashes");
	for (i = json_array_size(h); i <= SIGNP_MERKLE_MAX_PROOF; i++)
		json_array_append(h, json_array_get(h, 0));
	parse_refused(t, "log entry: inclusionProof has 65 hashes, more than 64");
	t = entry_json("happy-path-v0.3");
	h = json_object_get(json_object_get(t, "inclusionProof"), "hashes");
	json_array_set_new(h, 1, json_string("AAAA"));
	parse_refused(t, "log entry: inclusionProof hash 1 is not 32 bytes");
	t = entry_json("happy-path-v0.3");
	json_object_set_new(json_object_get(t, "inclusionProof"), "rootHash", json_string("AAAA"));
	parse_refused(t, "log entry: inclusionProof.rootHash is not 32 bytes");
	t = entry_json("happy-path-v0.3");
	json_object_set_new(json_object_get(t, "inclusionProof"), "treeSize", json_string("-1"));
	parse_refused(t, "log entry: inclusionProof.treeSize -1 is negative");
	t = entry_json("happy-path-v0.3");
	json_object_set_new(json_object_get(json_object_get(t, "inclusionProof"), "checkpoint"), "envelope",
		json_string(""));
	parse_refused(t, "log entry: inclusionProof has no checkpoint");
	t = entry_json("happy-path-v0.3");
	json_object_set_new(json_object_get(t, "inclusionPromise"), "signedEntryTimestamp", json_integer(1));
	parse_refused(t, "log entry: inclusionPromise.signedEntryTimestamp is not a base64 string");
	/* a JSON integer is read as protojson reads it */
	t = entry_json("happy-path-v0.3");
	json_object_set_new(t, "logIndex", json_integer(79571823));
	{
		signp_rekor_entry *e = NULL;
		assert_int_equal(signp_rekor_entry_parse(&e, t, NULL), SIGN_OK);
		assert_int_equal(signp_rekor_entry_index(e), 79571823);
		assert_string_equal(signp_rekor_entry_kind(e), "hashedrekord");
		signp_rekor_entry_free(e);
	}
	json_decref(t);
}

/* Verify a modified entry of case c against c's root. */
static int verify_json(json_t *t, const char *c, unsigned need, signp_trusted_root *root, int64_t *time,
	sign_error *err)
{
	signp_rekor_entry *e = NULL;
	signp_trusted_root *own = root == NULL ? root_of(c) : NULL;
	int r;
	memset(err, 0, sizeof(*err));
	if (signp_rekor_entry_parse(&e, t, err) != SIGN_OK)
		fail_msg("%s: %s", c, err->message);
	r = signp_rekor_verify(e, root != NULL ? root : own, need, NOW, time, err);
	signp_rekor_entry_free(e);
	if (own != NULL)
		root_free(own);
	json_decref(t);
	return r;
}

static void verify_refused(json_t *t, const char *c, unsigned need, signp_trusted_root *root, const char *want)
{
	sign_error err;
	int64_t time = 0;
	if (verify_json(t, c, need, root, &time, &err) != SIGN_EVERIFY)
		fail_msg("%s: not refused (\"%s\" wanted)", c, want);
	assert_int_equal(time, -1);
	expect_msg(&err, want);
}

static void test_verify_forged(void **state)
{
	json_t *t, *other;
	signp_trusted_root *root;
	sign_error err;
	int64_t time;
	(void)state;
	/* another entry's body under this entry's SET */
	t = entry_json("happy-path-v0.3");
	other = entry_json("happy-path-v0.2");
	json_object_set(t, "canonicalizedBody", json_object_get(other, "canonicalizedBody"));
	json_decref(other);
	verify_refused(t, "happy-path-v0.3", 0, NULL, "log entry 79571823: its signed entry timestamp does not verify");
	t = entry_json("happy-path-v0.3");
	json_object_set_new(t, "integratedTime", json_string("1710869187"));
	verify_refused(t, "happy-path-v0.3", 0, NULL, "its signed entry timestamp does not verify");
	t = entry_json("happy-path-v0.3");
	json_object_set_new(t, "logIndex", json_string("79571824"));
	verify_refused(t, "happy-path-v0.3", 0, NULL, "log entry 79571824: its signed entry timestamp does not verify");
	/* without the SET: the proof alone, and no time vouched for */
	t = entry_json("happy-path-v0.3");
	json_object_del(t, "inclusionPromise");
	time = 0;
	assert_int_equal(verify_json(t, "happy-path-v0.3", SIGNP_REKOR_NEED_PROOF, NULL, &time, &err), SIGN_OK);
	assert_int_equal(time, -1);
	t = entry_json("happy-path-v0.3");
	json_object_del(t, "inclusionPromise");
	verify_refused(t, "happy-path-v0.3", SIGNP_REKOR_NEED_PROMISE, NULL, "it has no signed entry timestamp");
	t = entry_json("happy-path-v0.3");
	json_object_del(t, "inclusionProof");
	verify_refused(t, "happy-path-v0.3", SIGNP_REKOR_NEED_PROOF, NULL, "log entry 79571823: it has no inclusion proof");
	t = entry_json("happy-path-v0.3");
	json_object_del(t, "inclusionProof");
	time = 0;
	assert_int_equal(verify_json(t, "happy-path-v0.3", SIGNP_REKOR_NEED_PROMISE, NULL, &time, &err), SIGN_OK);
	assert_int_equal(time, 1710869186);
	t = entry_json("happy-path-v0.3");
	json_object_del(t, "inclusionPromise");
	json_object_del(t, "inclusionProof");
	verify_refused(t, "happy-path-v0.3", 0, NULL, "it has neither an inclusion proof nor a signed entry timestamp");
	/* the proof of another leaf of the same tree */
	t = entry_json("happy-path-v0.3");
	json_object_set_new(json_object_get(t, "inclusionProof"), "logIndex", json_string("75408391"));
	verify_refused(t, "happy-path-v0.3", 0, NULL, "log entry 79571823: inclusion proof:");
	/* the checkpoint of another tree than the proof's */
	t = entry_json("happy-path-v0.3");
	json_object_set_new(json_object_get(t, "inclusionProof"), "treeSize", json_string("75408394"));
	verify_refused(t, "happy-path-v0.3", 0, NULL, "is not of the inclusion proof's tree (size 75408394)");
	/* a Rekor v2 proof must be of the entry's own index */
	t = entry_json("rekor2-happy-path");
	json_object_set_new(json_object_get(t, "inclusionProof"), "logIndex", json_string("734"));
	verify_refused(t, "rekor2-happy-path", 0, NULL, "log entry 735: its inclusion proof is for index 734");
	/* the log: another, or not valid then */
	root = root_of("happy-path-v0.3");
	root->tlogs[0].id[0] ^= 1;
	verify_refused(entry_json("happy-path-v0.3"), "happy-path-v0.3", 0, root,
		"its log c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d is not a transparency log of the trusted root");
	root->tlogs[0].id[0] ^= 1;
	root->tlogs[0].start = 1710869187;
	verify_refused(entry_json("happy-path-v0.3"), "happy-path-v0.3", 0, root, "was not a trusted log at its integrated time");
	root->tlogs[0].start = 0;
	root->tlogs[0].end = 1710869185;
	verify_refused(entry_json("happy-path-v0.3"), "happy-path-v0.3", 0, root, "was not a trusted log at its integrated time");
	root->tlogs[0].end = 1710869186; /* both ends inclusive */
	assert_int_equal(verify_json(entry_json("happy-path-v0.3"), "happy-path-v0.3", 0, root, &time, &err), SIGN_OK);
	root_free(root);
	/* Rekor v2: the origin from baseUrl when the root gives none, and
	 * none at all refused */
	root = root_of("rekor2-happy-path");
	free(root->tlogs[1].origin);
	root->tlogs[1].origin = NULL;
	assert_int_equal(verify_json(entry_json("rekor2-happy-path"), "rekor2-happy-path", 0, root, &time, &err), SIGN_OK);
	free(root->tlogs[1].base_url);
	root->tlogs[1].base_url = signp_strdup("https://log2025-alpha1.rekor.sigstage.dev:443/api");
	assert_int_equal(verify_json(entry_json("rekor2-happy-path"), "rekor2-happy-path", 0, root, &time, &err), SIGN_OK);
	free(root->tlogs[1].base_url);
	root->tlogs[1].base_url = NULL;
	verify_refused(entry_json("rekor2-happy-path"), "rekor2-happy-path", 0, root,
		"the trusted root gives its Rekor v2 log no origin (baseUrl)");
	root->tlogs[1].origin = signp_strdup("log2025-beta.rekor.sigstage.dev");
	verify_refused(entry_json("rekor2-happy-path"), "rekor2-happy-path", 0, root,
		"checkpoint: its origin log2025-alpha1.rekor.sigstage.dev is not the log's, log2025-beta.rekor.sigstage.dev");
	root_free(root);
}

/* cosign's bundle annotation, made from a bundle's entry */
static char *cosign_of(const char *c, const char *logindex_json)
{
	json_t *t = entry_json(c), *doc;
	sign_buf id = SIGN_BUF_INIT;
	char hex[129], *s, *p;
	b64_into(&id, json_string_value(json_object_get(json_object_get(t, "logId"), "keyId")));
	signp_hex(hex, (const unsigned char *)id.ptr, id.size);
	doc = json_pack("{s:O,s:{s:O,s:I,s:I,s:s}}", "SignedEntryTimestamp",
		json_object_get(json_object_get(t, "inclusionPromise"), "signedEntryTimestamp"), "Payload",
		"body", json_object_get(t, "canonicalizedBody"), "integratedTime",
		(json_int_t)strtoll(json_string_value(json_object_get(t, "integratedTime")), NULL, 10), "logIndex",
		(json_int_t)424242, "logID", hex);
	assert_non_null(doc);
	s = json_dumps(doc, JSON_COMPACT);
	/* the index as given (a forgery may make it a string) */
	p = strstr(s, "424242");
	assert_non_null(p);
	{
		sign_buf out = SIGN_BUF_INIT;
		char want[32];
		snprintf(want, sizeof(want), "%s", json_string_value(json_object_get(t, "logIndex")));
		signp_buf_put(&out, s, (size_t)(p - s));
		signp_buf_puts(&out, logindex_json != NULL ? logindex_json : want);
		signp_buf_puts(&out, p + 6);
		free(s);
		s = signp_buf_detach(&out, NULL);
	}
	json_decref(t);
	json_decref(doc);
	sign_buf_dispose(&id);
	return s;
}

static void cosign_refused(const char *text, const char *want)
{
	signp_rekor_entry *e = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_rekor_entry_from_cosign(&e, text, strlen(text), &err), SIGN_EFORMAT);
	assert_null(e);
	expect_msg(&err, want);
}

static void test_cosign_annotation(void **state)
{
	static const char rekord[] = "{\"SignedEntryTimestamp\":\"AAAA\",\"Payload\":{\"body\":"
		"\"eyJhcGlWZXJzaW9uIjoiMC4wLjEiLCJraW5kIjoicmVrb3JkIiwic3BlYyI6e319\",\"integratedTime\":1,"
		"\"logIndex\":7,\"logID\":\"c0d2\"}}";
	signp_rekor_entry *e = NULL;
	signp_trusted_root *root = root_of("happy-path-v0.3");
	sign_error err;
	int64_t time = 0;
	char *s;
	fix f;
	(void)state;
	memset(&err, 0, sizeof(err));
	s = cosign_of("happy-path-v0.3", NULL);
	assert_int_equal(signp_rekor_entry_from_cosign(&e, s, strlen(s), &err), SIGN_OK);
	assert_int_equal(signp_rekor_verify(e, root, SIGNP_REKOR_NEED_PROMISE, NOW, &time, &err), SIGN_OK);
	assert_int_equal(time, 1710869186);
	assert_int_equal(signp_rekor_entry_index(e), 79571823);
	fix_open(&f, "happy-path-v0.3");
	assert_int_equal(signp_rekor_body_check(e, &f.c, &err), SIGN_OK);
	fix_close(&f);
	/* no proof in an annotation */
	assert_int_equal(signp_rekor_verify(e, root, SIGNP_REKOR_NEED_PROOF, NOW, &time, &err), SIGN_EVERIFY);
	expect_msg(&err, "it has no inclusion proof");
	signp_rekor_entry_free(e);
	free(s);
	/* another index under the same SET */
	s = cosign_of("happy-path-v0.3", "79571822");
	assert_int_equal(signp_rekor_entry_from_cosign(&e, s, strlen(s), &err), SIGN_OK);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_rekor_verify(e, root, SIGNP_REKOR_NEED_PROMISE, NOW, &time, &err), SIGN_EVERIFY);
	expect_msg(&err, "log entry 79571822: its signed entry timestamp does not verify");
	signp_rekor_entry_free(e);
	free(s);
	s = cosign_of("happy-path-v0.3", "\"79571823\"");
	cosign_refused(s, "cosign bundle annotation: logIndex and integratedTime must be integers");
	free(s);
	s = cosign_of("happy-path-v0.3", "-1");
	cosign_refused(s, "log entry: logIndex -1 is negative");
	free(s);
	s = cosign_of("happy-path-v0.3", "1,\"logIndex\":2");
	cosign_refused(s, "cosign bundle annotation: not JSON");
	free(s);
	cosign_refused("{\"SignedEntryTimestamp\":\"AAAA\"}", "cosign bundle annotation: no Payload object");
	cosign_refused("{\"SignedEntryTimestamp\":\"AAAA\",\"Payload\":{\"body\":\"e30=\",\"integratedTime\":1,"
		"\"logIndex\":1,\"logID\":\"c0d23z\"}}", "cosign bundle annotation: logID is not hex");
	cosign_refused("{\"SignedEntryTimestamp\":\"AAAA\",\"Payload\":{\"body\":\"e30=\",\"integratedTime\":1,"
		"\"logIndex\":1,\"logID\":\"c0d2\"}}", "log entry: its body has no kind, apiVersion and spec");
	/* a kind sign does not read is read, and refused when compared */
	assert_int_equal(signp_rekor_entry_from_cosign(&e, rekord, strlen(rekord), &err), SIGN_OK);
	assert_string_equal(signp_rekor_entry_kind(e), "rekord");
	fix_open(&f, "happy-path-v0.3");
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_rekor_body_check(e, &f.c, &err), SIGN_EVERIFY);
	expect_msg(&err, "log entry 7: its kind rekord 0.0.1 is not one sign reads");
	fix_close(&f);
	signp_rekor_entry_free(e);
	root_free(root);
}

/* ---- claims that are not what the body records ---- */

static void body_refused(fix *f, int code, const char *want)
{
	sign_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_rekor_body_check(f->e, &f->c, &err), code);
	expect_msg(&err, want);
}

static void test_body_forged(void **state)
{
	fix f, g;
	EVP_PKEY *k;
	(void)state;
	fix_open(&f, "happy-path-v0.3");
	f.sig.ptr[10] ^= 1;
	body_refused(&f, SIGN_EVERIFY, "log entry 79571823: its hashedrekord records another signature");
	f.sig.ptr[10] ^= 1;
	f.digest.ptr[0] ^= 1;
	body_refused(&f, SIGN_EVERIFY, "its hashedrekord records the digest of another artifact");
	f.digest.ptr[0] ^= 1;
	f.c.digest_alg = "sha512";
	body_refused(&f, SIGN_EVERIFY, "its hashedrekord records a sha256 digest, the signature's is sha512");
	f.c.digest_alg = "sha256";
	fix_open(&g, "happy-path-v0.2");
	f.c.cert = g.cert;
	body_refused(&f, SIGN_EVERIFY, "its hashedrekord records another certificate");
	/* the certificate's key is not the certificate */
	f.c.cert = NULL;
	f.c.key = X509_get0_pubkey(f.cert);
	body_refused(&f, SIGN_EVERIFY, "its hashedrekord records another public key");
	f.c.key = NULL;
	body_refused(&f, SIGN_EINVAL, "no certificate or key to compare its body with");
	f.c.cert = f.cert;
	f.c.sig = NULL;
	body_refused(&f, SIGN_EINVAL, "no signature and digest to compare its body with");
	fix_close(&g);
	/* a DSSE claim against a message signature's entry, and the reverse */
	fix_open(&g, "happy-path-intoto-in-dsse-v3");
	f.c.dsse = g.dsse;
	body_refused(&f, SIGN_EVERIFY, "it is a hashedrekord 0.0.1 entry, of a message signature, not of a DSSE envelope");
	f.c.dsse = NULL;
	g.c.dsse = NULL;
	g.c.sig = f.sig.ptr;
	g.c.siglen = f.sig.size;
	g.c.digest_alg = "sha256";
	g.c.digest = (const unsigned char *)f.digest.ptr;
	g.c.digestlen = f.digest.size;
	body_refused(&g, SIGN_EVERIFY, "it is a dsse entry, of a DSSE envelope, not of a message signature");
	g.c.dsse = g.dsse;
	g.c.sig = NULL;
	/* dsse 0.0.1: another signature, another signer */
	g.dsse->sigs[0].sig.ptr[8] ^= 1;
	body_refused(&g, SIGN_EVERIFY, "its dsse entry records a signature the envelope does not carry");
	g.dsse->sigs[0].sig.ptr[8] ^= 1;
	g.c.cert = f.cert;
	body_refused(&g, SIGN_EVERIFY, "its dsse entry records no signature by the signing certificate");
	g.c.cert = g.cert;
	g.dsse->nsigs = 2;
	sign_buf_dispose(&g.dsse->sigs[1].sig);
	signp_buf_put(&g.dsse->sigs[1].sig, "x", 1);
	body_refused(&g, SIGN_EVERIFY, "its dsse entry records 1 signatures, the envelope has 2");
	sign_buf_dispose(&g.dsse->sigs[1].sig);
	g.dsse->nsigs = 1;
	g.dsse->payload.ptr[3] ^= 1;
	body_refused(&g, SIGN_EVERIFY, "its dsse entry records the hash of another payload than the envelope's");
	g.dsse->payload.ptr[3] ^= 1;
	assert_int_equal(signp_rekor_body_check(g.e, &g.c, NULL), SIGN_OK);
	fix_close(&g);
	fix_close(&f);
	/* intoto 0.0.2 keeps the envelope's type and payload */
	fix_open(&g, "intoto-with-custom-trust-root");
	free(g.dsse->payload_type);
	g.dsse->payload_type = signp_strdup("text/plain");
	body_refused(&g, SIGN_EVERIFY, "its intoto entry records payload type application/vnd.in-toto+json, the envelope's is text/plain");
	fix_close(&g);
	/* Rekor v2 hashedrekord, over a message and over a DSSE PAE */
	fix_open(&g, "rekor2-happy-path");
	g.digest.ptr[5] ^= 1;
	body_refused(&g, SIGN_EVERIFY, "log entry 735: its hashedrekord records the digest of another artifact");
	g.digest.ptr[5] ^= 1;
	g.sig.ptr[12] ^= 1;
	body_refused(&g, SIGN_EVERIFY, "its hashedrekord records another signature");
	g.sig.ptr[12] ^= 1;
	g.c.digest_alg = "sha384";
	body_refused(&g, SIGN_EVERIFY, "its hashedrekord records a SHA2_256 digest, the signature's is sha384");
	g.c.digest_alg = "sha256";
	fix_open(&f, "happy-path-v0.3");
	g.c.cert = f.cert;
	body_refused(&g, SIGN_EVERIFY, "its hashedrekord records another certificate");
	fix_close(&f);
	fix_close(&g);
	fix_open(&g, "rekor2-dsse-happy-path");
	g.dsse->sigs[0].sig.ptr[9] ^= 1;
	body_refused(&g, SIGN_EVERIFY, "its hashedrekord records another signature");
	g.dsse->sigs[0].sig.ptr[9] ^= 1;
	g.dsse->payload.ptr[0] ^= 1;
	body_refused(&g, SIGN_EVERIFY, "its hashedrekord records the digest of another envelope");
	fix_close(&g);
	/* a managed key: the very key, not another */
	fix_open(&g, "managed-key-happy-path");
	k = EVP_EC_gen("P-256");
	assert_non_null(k);
	g.c.key = k;
	body_refused(&g, SIGN_EVERIFY, "its hashedrekord records another public key");
	EVP_PKEY_free(k);
	fix_close(&g);
}

/* ---- Rekor v2 bodies no conformance case has: dsse 0.0.2, and
 * hashedrekord 0.0.2 of a public key ---- */

/* An entry whose body is doc (stolen), read through a cosign annotation. */
static signp_rekor_entry *entry_of_body(json_t *doc)
{
	signp_rekor_entry *e = NULL;
	sign_buf b = SIGN_BUF_INIT, a = SIGN_BUF_INIT;
	char *body = json_dumps(doc, JSON_COMPACT);
	assert_non_null(body);
	assert_int_equal(signp_b64_encode(&b, body, strlen(body)), SIGN_OK);
	signp_buf_printf(&a, "{\"SignedEntryTimestamp\":\"AAAA\",\"Payload\":{\"body\":\"%s\",\"integratedTime\":1,"
		"\"logIndex\":9,\"logID\":\"c0d2\"}}", b.ptr);
	assert_int_equal(signp_rekor_entry_from_cosign(&e, a.ptr, a.size, NULL), SIGN_OK);
	free(body);
	json_decref(doc);
	sign_buf_dispose(&b);
	sign_buf_dispose(&a);
	return e;
}

static json_t *b64_json(const void *p, size_t n)
{
	sign_buf b = SIGN_BUF_INIT;
	json_t *j;
	assert_int_equal(signp_b64_encode(&b, p, n), SIGN_OK);
	j = json_string(b.ptr);
	sign_buf_dispose(&b);
	return j;
}

static json_t *v2_sig(const void *sig, size_t siglen, X509 *cert, EVP_PKEY *key)
{
	unsigned char *der = NULL;
	int n = cert != NULL ? i2d_X509(cert, &der) : i2d_PUBKEY(key, &der);
	json_t *j;
	assert_true(n > 0);
	j = json_pack("{s:o,s:{s:s,s:{s:o}}}", "content", b64_json(sig, siglen), "verifier", "keyDetails",
		"PKIX_ECDSA_P256_SHA_256", cert != NULL ? "x509Certificate" : "publicKey", "rawBytes",
		b64_json(der, (size_t)n));
	OPENSSL_free(der);
	assert_non_null(j);
	return j;
}

static void test_v2_bodies(void **state)
{
	unsigned char h[32];
	signp_rekor_entry *e;
	sign_error err;
	fix f;
	(void)state;
	/* dsse 0.0.2 of a DSSE case's envelope and certificate */
	fix_open(&f, "happy-path-intoto-in-dsse-v3");
	signp_sha256(h, f.dsse->payload.ptr, f.dsse->payload.size);
	e = entry_of_body(json_pack("{s:s,s:s,s:{s:{s:{s:s,s:o},s:[o]}}}", "apiVersion", "0.0.2", "kind", "dsse",
		"spec", "dsseV002", "payloadHash", "algorithm", "SHA2_256", "digest", b64_json(h, 32), "signatures",
		v2_sig(f.dsse->sigs[0].sig.ptr, f.dsse->sigs[0].sig.size, f.cert, NULL)));
	memset(&err, 0, sizeof(err));
	if (signp_rekor_body_check(e, &f.c, &err) != SIGN_OK)
		fail_msg("dsse 0.0.2: %s", err.message);
	f.dsse->payload.ptr[0] ^= 1;
	body_refused(&(fix){ .e = e, .c = f.c }, SIGN_EVERIFY,
		"log entry 9: its dsse entry records the hash of another payload than the envelope's");
	f.dsse->payload.ptr[0] ^= 1;
	f.dsse->sigs[0].sig.ptr[7] ^= 1;
	body_refused(&(fix){ .e = e, .c = f.c }, SIGN_EVERIFY, "its dsse entry records a signature the envelope does not carry");
	f.dsse->sigs[0].sig.ptr[7] ^= 1;
	signp_rekor_entry_free(e);
	/* SHA-384 is not the payload hash a dsse entry records */
	e = entry_of_body(json_pack("{s:s,s:s,s:{s:{s:{s:s,s:o},s:[o]}}}", "apiVersion", "0.0.2", "kind", "dsse",
		"spec", "dsseV002", "payloadHash", "algorithm", "SHA2_384", "digest", b64_json(h, 32), "signatures",
		v2_sig(f.dsse->sigs[0].sig.ptr, f.dsse->sigs[0].sig.size, f.cert, NULL)));
	body_refused(&(fix){ .e = e, .c = f.c }, SIGN_EVERIFY, "its dsse entry's payload hash is not SHA-256");
	signp_rekor_entry_free(e);
	fix_close(&f);
	/* hashedrekord 0.0.2 of a managed key */
	fix_open(&f, "managed-key-happy-path");
	e = entry_of_body(json_pack("{s:s,s:s,s:{s:{s:{s:s,s:o},s:o}}}", "apiVersion", "0.0.2", "kind",
		"hashedrekord", "spec", "hashedRekordV002", "data", "algorithm", "SHA2_256", "digest",
		b64_json(f.digest.ptr, f.digest.size), "signature", v2_sig(f.sig.ptr, f.sig.size, NULL, f.key)));
	memset(&err, 0, sizeof(err));
	if (signp_rekor_body_check(e, &f.c, &err) != SIGN_OK)
		fail_msg("hashedrekord 0.0.2: %s", err.message);
	{
		EVP_PKEY *k = EVP_EC_gen("P-256");
		signp_rekor_claim c = f.c;
		c.key = k;
		body_refused(&(fix){ .e = e, .c = c }, SIGN_EVERIFY, "log entry 9: its hashedrekord records another public key");
		EVP_PKEY_free(k);
	}
	signp_rekor_entry_free(e);
	fix_close(&f);
}

/* ---- checkpoints made and forged here ---- */

#define ROOT_B64 "rs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI="

/* "— name b64(hint || sig over text)\n" appended to out. */
static void sign_line(sign_buf *out, EVP_PKEY *k, const char *name, uint32_t hint, const char *text)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char blob[4 + 512];
	size_t siglen = sizeof(blob) - 4;
	blob[0] = (unsigned char)(hint >> 24);
	blob[1] = (unsigned char)(hint >> 16);
	blob[2] = (unsigned char)(hint >> 8);
	blob[3] = (unsigned char)hint;
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_PKEY_is_a(k, "ED25519") ? NULL : EVP_sha256(), NULL, k), 1);
	assert_int_equal(EVP_DigestSign(ctx, blob + 4, &siglen, (const unsigned char *)text, strlen(text)), 1);
	EVP_MD_CTX_free(ctx);
	signp_buf_printf(out, "\xe2\x80\x94 %s ", name);
	signp_b64_encode(out, blob, 4 + siglen);
	signp_buf_putc(out, '\n');
}

static uint32_t hint_of(const unsigned char *d)
{
	return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

/* The note key hint of an Ed25519 key named name. */
static uint32_t ed_hint(EVP_PKEY *k, const char *name)
{
	sign_buf in = SIGN_BUF_INIT;
	unsigned char raw[32], md[32];
	size_t rawlen = sizeof(raw);
	assert_int_equal(EVP_PKEY_get_raw_public_key(k, raw, &rawlen), 1);
	signp_buf_puts(&in, name);
	signp_buf_put(&in, "\n\x01", 2);
	signp_buf_put(&in, raw, rawlen);
	signp_sha256(md, in.ptr, in.size);
	sign_buf_dispose(&in);
	return hint_of(md);
}

static uint32_t spki_hint(EVP_PKEY *k)
{
	unsigned char *der = NULL, md[32];
	int n = i2d_PUBKEY(k, &der);
	assert_true(n > 0);
	signp_sha256(md, der, (size_t)n);
	OPENSSL_free(der);
	return hint_of(md);
}

static int cp_verify(const char *text, EVP_PKEY *k, const char *origin, int v1, sign_error *err)
{
	signp_checkpoint cp;
	int r;
	memset(err, 0, sizeof(*err));
	r = signp_checkpoint_parse(&cp, text, strlen(text), err);
	if (r == SIGN_OK)
		r = signp_checkpoint_verify(&cp, k, origin, v1, err);
	signp_checkpoint_dispose(&cp);
	return r;
}

static void cp_refused(const char *text, EVP_PKEY *k, const char *origin, int v1, int code, const char *want)
{
	sign_error err;
	if (cp_verify(text, k, origin, v1, &err) != code)
		fail_msg("checkpoint not refused with %d (%s): %s", code, want, err.message);
	expect_msg(&err, want);
}

static void test_checkpoint(void **state)
{
	static const char body[] = "log.example\n5\n" ROOT_B64 "\nExt: one\n";
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), *ed2 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"),
		 *ec = EVP_EC_gen("P-256");
	sign_buf n = SIGN_BUF_INIT, t = SIGN_BUF_INIT;
	signp_checkpoint cp;
	sign_error err;
	size_t i;
	(void)state;
	assert_non_null(ed);
	assert_non_null(ed2);
	assert_non_null(ec);
	/* Rekor v2 style: the log's Ed25519 line among a witness's and another key's */
	signp_buf_printf(&n, "%s\n", body);
	sign_line(&n, ed2, "witness.example", ed_hint(ed2, "witness.example"), body);
	sign_line(&n, ed2, "log.example", ed_hint(ed2, "log.example"), body);
	sign_line(&n, ed, "log.example", ed_hint(ed, "log.example"), body);
	assert_int_equal(cp_verify(n.ptr, ed, "log.example", 0, &err), SIGN_OK);
	assert_int_equal(signp_checkpoint_parse(&cp, n.ptr, n.size, &err), SIGN_OK);
	assert_string_equal(cp.origin, "log.example");
	assert_int_equal(cp.size, 5);
	assert_int_equal(cp.nsigs, 3);
	assert_int_equal(cp.textlen, strlen(body));
	signp_checkpoint_dispose(&cp);
	/* the log's key named otherwise, or another log */
	cp_refused(n.ptr, ed, "other.example", 0, SIGN_EVERIFY, "checkpoint: its origin log.example is not the log's, other.example");
	cp_refused(n.ptr, ec, "log.example", 0, SIGN_EVERIFY, "checkpoint: no signature by the log's key (key hint ");
	cp_refused(n.ptr, ed, NULL, 0, SIGN_EVERIFY, "checkpoint: the log has no origin to check it against");
	/* its signature over another text */
	signp_buf_clear(&n);
	signp_buf_printf(&n, "log.example\n6\n" ROOT_B64 "\nExt: one\n\n");
	sign_line(&n, ed, "log.example", ed_hint(ed, "log.example"), body);
	cp_refused(n.ptr, ed, "log.example", 0, SIGN_EVERIFY,
		"checkpoint: the signature of log.example (key hint ");
	/* the log's hint under a witness's name is not the log's line */
	signp_buf_clear(&n);
	signp_buf_printf(&n, "%s\n", body);
	sign_line(&n, ed, "witness.example", ed_hint(ed, "log.example"), body);
	cp_refused(n.ptr, ed, "log.example", 0, SIGN_EVERIFY, "no signature by the log's key");
	/* Rekor v1 style: ECDSA, key hint of the SPKI, any name */
	signp_buf_clear(&n);
	signp_buf_printf(&n, "%s\n", body);
	sign_line(&n, ec, "rekor.example", spki_hint(ec), body);
	assert_int_equal(cp_verify(n.ptr, ec, NULL, 1, &err), SIGN_OK);
	/* and ECDSA in Rekor v2: the same hint, the origin's name */
	cp_refused(n.ptr, ec, "log.example", 0, SIGN_EVERIFY, "no signature by the log's key");
	signp_buf_clear(&n);
	signp_buf_printf(&n, "%s\n", body);
	sign_line(&n, ec, "log.example", spki_hint(ec), body);
	assert_int_equal(cp_verify(n.ptr, ec, "log.example", 0, &err), SIGN_OK);
	/* the text's shape */
	cp_refused("log.example\n5\n" ROOT_B64 "\n\n\xe2\x80\x94 a AAAAAAA=", ec, NULL, 1, SIGN_EFORMAT,
		"checkpoint: does not end with a newline");
	cp_refused("log.example\n5\n" ROOT_B64 "\n\xe2\x80\x94 a AAAAAAA=\n", ec, NULL, 1, SIGN_EFORMAT,
		"checkpoint: no blank line before its signatures");
	cp_refused("log.\x01xample\n5\n" ROOT_B64 "\n\n\xe2\x80\x94 a AAAAAAA=\n", ec, NULL, 1, SIGN_EFORMAT,
		"checkpoint: byte 0x01 at offset 4 is not printable ASCII");
	cp_refused("log.\xc3\xa9xample\n5\n" ROOT_B64 "\n\n\xe2\x80\x94 a AAAAAAA=\n", ec, NULL, 1, SIGN_EFORMAT,
		"is not printable ASCII");
	cp_refused("log.example\n5\n" ROOT_B64 "\n\n- a AAAAAAA=\n", ec, NULL, 1, SIGN_EFORMAT,
		"checkpoint: signature line 1 does not begin with an em dash and a space");
	cp_refused("log.example\n5\n" ROOT_B64 "\n\n\xe2\x80\x94 a+b AAAAAAA=\n", ec, NULL, 1, SIGN_EFORMAT,
		"checkpoint: signature line 1 has no valid signer name");
	cp_refused("log.example\n5\n" ROOT_B64 "\n\n\xe2\x80\x94 a\n", ec, NULL, 1, SIGN_EFORMAT,
		"checkpoint: signature line 1 has no valid signer name");
	cp_refused("log.example\n5\n" ROOT_B64 "\n\n\xe2\x80\x94 a AAAAAA==\n", ec, NULL, 1, SIGN_EFORMAT,
		"checkpoint: signature line 1: not the base64 of a key hint and a signature");
	cp_refused("log.example\n5\n" ROOT_B64 "\n\n\xe2\x80\x94 a AAAAAAA=\n\xe2\x80\x94 b AA AA\n", ec, NULL, 1,
		SIGN_EFORMAT, "checkpoint: signature line 2: not the base64");
	cp_refused("\n5\n" ROOT_B64 "\n\n\xe2\x80\x94 a AAAAAAA=\n", ec, NULL, 1, SIGN_EFORMAT,
		"checkpoint: empty origin line");
	cp_refused("log.example\n+5\n" ROOT_B64 "\n\n\xe2\x80\x94 a AAAAAAA=\n", ec, NULL, 1, SIGN_EFORMAT,
		"checkpoint: tree size is not a decimal number");
	cp_refused("log.example\n18446744073709551616\n" ROOT_B64 "\n\n\xe2\x80\x94 a AAAAAAA=\n", ec, NULL, 1,
		SIGN_EFORMAT, "checkpoint: tree size is not a decimal number");
	cp_refused("log.example\n5\nAAAA\n\n\xe2\x80\x94 a AAAAAAA=\n", ec, NULL, 1, SIGN_EFORMAT,
		"checkpoint: root hash is not the base64 of 32 bytes");
	cp_refused("log.example\n5\n\n\xe2\x80\x94 a AAAAAAA=\n", ec, NULL, 1, SIGN_EFORMAT,
		"checkpoint: no root hash line");
	/* the most signature lines, and the most bytes */
	signp_buf_clear(&t);
	signp_buf_printf(&t, "%s\n", body);
	for (i = 0; i <= SIGNP_CHECKPOINT_MAX_SIGS; i++)
		signp_buf_puts(&t, "\xe2\x80\x94 w AAAAAAA=\n");
	cp_refused(t.ptr, ec, NULL, 1, SIGN_EFORMAT, "checkpoint: more than 100 signature lines");
	signp_buf_clear(&t);
	signp_buf_printf(&t, "%s", body);
	while (t.size <= SIGNP_CHECKPOINT_MAX_LEN)
		signp_buf_puts(&t, "Ext: padding padding padding\n");
	signp_buf_puts(&t, "\n\xe2\x80\x94 w AAAAAAA=\n");
	cp_refused(t.ptr, ec, NULL, 1, SIGN_EFORMAT, "bytes, more than 65536");
	sign_buf_dispose(&n);
	sign_buf_dispose(&t);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(ed2);
	EVP_PKEY_free(ec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_parse_forged),
		cmocka_unit_test(test_verify_forged),
		cmocka_unit_test(test_cosign_annotation),
		cmocka_unit_test(test_body_forged),
		cmocka_unit_test(test_v2_bodies),
		cmocka_unit_test(test_checkpoint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_cosign.c - cosign simple-signing payloads, .sig manifests and
 * containers/image signature files, against the public vectors.
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
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "common.h"
#include "cosign.h"
#include "key.h"

static const char *vectors(void)
{
	const char *v = getenv("VECTORS");
	return (v && *v) ? v : "tests/vectors";
}

/* Read a vector file.  The fixtures were copied without symlink support:
 * a file whose whole content is "../something" stands for that file. */
static int read_vec(sign_buf *out, const char *rel)
{
	sign_buf path = SIGN_BUF_INIT;
	int depth, r = SIGN_EFORMAT;
	assert_int_equal(signp_buf_printf(&path, "%s/%s", vectors(), rel), SIGN_OK);
	for (depth = 0; depth < 4; depth++) {
		signp_buf_clear(out);
		r = signp_read_file(out, path.ptr, 8u << 20, NULL);
		if (r != SIGN_OK)
			break;
		if (out->size > 3 && out->size < 200 && memcmp(out->ptr, "../", 3) == 0 &&
		    memchr(out->ptr, '\n', out->size) == NULL && strlen(out->ptr) == out->size) {
			char *slash = strrchr(path.ptr, '/');
			if (slash != NULL)
				path.size = (size_t)(slash - path.ptr);
			assert_int_equal(signp_buf_printf(&path, "/%s", out->ptr), SIGN_OK);
			r = SIGN_EFORMAT;
			continue;
		}
		break;
	}
	sign_buf_dispose(&path);
	return r;
}

static EVP_PKEY *load_pub(const char *rel)
{
	sign_buf b = SIGN_BUF_INIT;
	EVP_PKEY *k = NULL;
	BIO *bio;
	assert_int_equal(read_vec(&b, rel), SIGN_OK);
	bio = BIO_new_mem_buf(b.ptr, (int)b.size);
	assert_non_null(bio);
	k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	sign_buf_dispose(&b);
	assert_non_null(k);
	return k;
}

/* ---- payload ---- */

static void test_sig_tag(void **state)
{
	char tag[96];
	(void)state;
	assert_int_equal(signp_cosign_sig_tag(tag,
		"sha256:f1500da1532d875b3ac366ee57e40c1a2a48183fa5d3bc218aa1b09192fbaa6e"), SIGN_OK);
	assert_string_equal(tag,
		"sha256-f1500da1532d875b3ac366ee57e40c1a2a48183fa5d3bc218aa1b09192fbaa6e.sig");
	assert_int_not_equal(signp_cosign_sig_tag(tag, "sha256:abc"), SIGN_OK);
	assert_int_not_equal(signp_cosign_sig_tag(tag, "latest"), SIGN_OK);
}

static void test_payload_vector(void **state)
{
	const char *d = "sha256:f1500da1532d875b3ac366ee57e40c1a2a48183fa5d3bc218aa1b09192fbaa6e";
	sign_buf want = SIGN_BUF_INIT, got = SIGN_BUF_INIT, ref = SIGN_BUF_INIT;
	sign_error err = { 0 };
	(void)state;
	assert_int_equal(read_vec(&want, "cosign-local/sig_payload.json"), SIGN_OK);
	assert_int_equal(signp_cosign_payload(&got, "127.0.0.1:5055/demo/app", d), SIGN_OK);
	assert_int_equal(got.size, want.size);
	assert_memory_equal(got.ptr, want.ptr, want.size);
	assert_int_equal(signp_cosign_payload_check(got.ptr, got.size, d, &ref, &err), SIGN_OK);
	assert_string_equal(ref.ptr, "127.0.0.1:5055/demo/app");
	/* another digest must not pass */
	assert_int_equal(signp_cosign_payload_check(got.ptr, got.size,
		"sha256:0000000000000000000000000000000000000000000000000000000000000000", NULL, &err),
		SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "not sha256:0000"));
	sign_buf_dispose(&want);
	sign_buf_dispose(&got);
	sign_buf_dispose(&ref);
}

static void test_payload_escaping(void **state)
{
	const char *d = "sha256:f1500da1532d875b3ac366ee57e40c1a2a48183fa5d3bc218aa1b09192fbaa6e";
	sign_buf got = SIGN_BUF_INIT, ref = SIGN_BUF_INIT;
	(void)state;
	/* Go's json.Marshal: HTML characters as \u00XX, quotes and backslash escaped */
	assert_int_equal(signp_cosign_payload(&got, "a<b>&c\"\\d\xe2\x80\xa8", d), SIGN_OK);
	assert_non_null(strstr(got.ptr,
		"\"docker-reference\":\"a\\u003cb\\u003e\\u0026c\\\"\\\\d\\u2028\""));
	assert_int_equal(signp_cosign_payload_check(got.ptr, got.size, d, &ref, NULL), SIGN_OK);
	assert_string_equal(ref.ptr, "a<b>&c\"\\d\xe2\x80\xa8");
	signp_buf_clear(&got);
	assert_int_equal(signp_cosign_payload(&got, "bad\nref", d), SIGN_EINVAL);
	assert_int_equal(signp_cosign_payload(&got, "bad\xff", d), SIGN_EINVAL);
	assert_int_equal(signp_cosign_payload(&got, "ok", "sha256:XYZ"), SIGN_EINVAL);
	sign_buf_dispose(&got);
	sign_buf_dispose(&ref);
}

/* Replace the one "%s" in tmpl by d. */
static void subst(char *buf, size_t size, const char *tmpl, const char *d)
{
	const char *p = strstr(tmpl, "%s");
	assert_non_null(p);
	assert_true(strlen(tmpl) + strlen(d) < size);
	memcpy(buf, tmpl, (size_t)(p - tmpl));
	strcpy(buf + (p - tmpl), d);
	strcat(buf, p + 2);
}

static void test_payload_check_strict(void **state)
{
	const char *d = "sha256:f1500da1532d875b3ac366ee57e40c1a2a48183fa5d3bc218aa1b09192fbaa6e";
	char buf[1024];
	static const char *const bad[] = {
		/* unknown member of critical */
		"{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":{\"docker-manifest-digest\":\"%s\"},\"type\":\"cosign container image signature\",\"extra\":1},\"optional\":null}",
		/* wrong type */
		"{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":{\"docker-manifest-digest\":\"%s\"},\"type\":\"atomic container signature\"},\"optional\":null}",
		/* no critical */
		"{\"optional\":null,\"x\":\"%s\"}",
		/* critical not an object */
		"{\"critical\":\"%s\",\"optional\":null}",
		/* duplicate digest member */
		"{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":{\"docker-manifest-digest\":\"%s\",\"docker-manifest-digest\":\"x\"},\"type\":\"cosign container image signature\"},\"optional\":null}",
		/* digest not a string */
		"{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":{\"docker-manifest-digest\":[\"%s\"]},\"type\":\"cosign container image signature\"},\"optional\":null}",
		/* optional of a wrong type */
		"{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":{\"docker-manifest-digest\":\"%s\"},\"type\":\"cosign container image signature\"},\"optional\":7}",
		/* unknown top-level member */
		"{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":{\"docker-manifest-digest\":\"%s\"},\"type\":\"cosign container image signature\"},\"optional\":null,\"z\":1}",
		/* truncated */
		"{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":{\"docker-manifest-digest\":\"%s\"",
		"[\"%s\"]",
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sign_error err = { 0 };
		subst(buf, sizeof(buf), bad[i], d);
		assert_int_equal(signp_cosign_payload_check(buf, strlen(buf), d, NULL, &err),
			SIGN_EVERIFY);
		assert_true(err.message[0] != '\0');
	}
	/* optional as an object (cosign sign -a k=v) is fine */
	snprintf(buf, sizeof(buf),
		"{\"critical\":{\"identity\":{\"docker-reference\":\"r\"},\"image\":{\"docker-manifest-digest\":\"%s\"},\"type\":\"cosign container image signature\"},\"optional\":{\"k\":\"v\"}}",
		d);
	assert_int_equal(signp_cosign_payload_check(buf, strlen(buf), d, NULL, NULL), SIGN_OK);
	/* oversized input */
	{
		size_t n = SIGN_MAX_SIGBLOB + 1;
		char *big = malloc(n);
		assert_non_null(big);
		memset(big, ' ', n);
		assert_int_equal(signp_cosign_payload_check(big, n, d, NULL, NULL), SIGN_EVERIFY);
		free(big);
	}
}

/* ---- containers/image fixtures ---- */

/* Verify a dir-img-cosign-* folder: every signature-N must parse, name the
 * manifest's digest and verify with pub.  Returns 0 when the whole set
 * verifies, else the number of the first failing signature (or -1 when the
 * manifest cannot be read, -2 with no signatures). */
static int verify_dir(const char *dir, EVP_PKEY *pub, int verbose)
{
	sign_buf man = SIGN_BUF_INIT, sig = SIGN_BUF_INIT, payload = SIGN_BUF_INIT,
		 b64 = SIGN_BUF_INIT;
	char rel[512], digest[72];
	int n, result = 0, count = 0;

	snprintf(rel, sizeof(rel), "containers-image-cosign/%s/manifest.json", dir);
	if (read_vec(&man, rel) != SIGN_OK) {
		if (verbose)
			print_message("  %s: no manifest, cannot verify\n", dir);
		result = -1;
		goto out;
	}
	signp_digest(digest, man.ptr, man.size);
	for (n = 1; n < 10; n++) {
		sign_error err = { 0 };
		int r;
		snprintf(rel, sizeof(rel), "containers-image-cosign/%s/signature-%d", dir, n);
		if (read_vec(&sig, rel) != SIGN_OK)
			break;
		count++;
		r = signp_cosign_parse_sigfile(&payload, &b64, sig.ptr, sig.size, &err);
		if (r == SIGN_OK)
			r = signp_cosign_payload_check(payload.ptr, payload.size, digest, NULL, &err);
		if (r == SIGN_OK) {
			r = signp_cosign_verify(pub, payload.ptr, payload.size, b64.ptr);
			if (r != SIGN_OK)
				signp_err(&err, r, "signature does not verify with the key");
		}
		if (r != SIGN_OK) {
			if (verbose)
				print_message("  %s: signature-%d fails: %s\n", dir, n, err.message);
			if (result == 0)
				result = n;
		}
	}
	if (count == 0)
		result = -2;
out:
	sign_buf_dispose(&man);
	sign_buf_dispose(&sig);
	sign_buf_dispose(&payload);
	sign_buf_dispose(&b64);
	return result;
}

static void test_ci_valid(void **state)
{
	EVP_PKEY *k1 = load_pub("containers-image-cosign/cosign.pub");
	EVP_PKEY *k2 = load_pub("containers-image-cosign/cosign2.pub");
	(void)state;
	assert_int_equal(verify_dir("dir-img-cosign-valid", k1, 1), 0);
	assert_int_equal(verify_dir("dir-img-cosign-valid-2", k1, 1), 0);
	assert_int_equal(verify_dir("dir-img-cosign-valid-with-tag", k1, 1), 0);
	assert_int_equal(verify_dir("dir-img-cosign-key-rekor-valid", k2, 1), 0);
	/* and not with the other key */
	assert_int_not_equal(verify_dir("dir-img-cosign-valid", k2, 0), 0);
	assert_int_not_equal(verify_dir("dir-img-cosign-key-rekor-valid", k1, 0), 0);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}

static void test_ci_must_fail(void **state)
{
	EVP_PKEY *k1 = load_pub("containers-image-cosign/cosign.pub");
	(void)state;
	/* manifest target (a v2s1 manifest) is not part of the vectors */
	assert_int_not_equal(verify_dir("dir-img-cosign-manifest-digest-error", k1, 1), 0);
	/* the signature names another digest */
	assert_int_equal(verify_dir("dir-img-cosign-modified-manifest", k1, 1), 1);
	assert_int_equal(verify_dir("dir-img-cosign-no-manifest", k1, 1), -1);
	/* text/plain attachment */
	assert_int_equal(verify_dir("dir-img-cosign-other-attachment", k1, 1), 1);
	/* signature-1 is by an unknown key, signature-2 is good */
	assert_int_equal(verify_dir("dir-img-cosign-mixed", k1, 1), 1);
	EVP_PKEY_free(k1);
}

static void test_ci_unknown_key(void **state)
{
	EVP_PKEY *k1 = load_pub("containers-image-cosign/cosign.pub");
	sign_buf sig = SIGN_BUF_INIT, payload = SIGN_BUF_INIT, b64 = SIGN_BUF_INIT,
		 man = SIGN_BUF_INIT;
	char digest[72];
	(void)state;
	assert_int_equal(read_vec(&man, "containers-image-cosign/dir-img-cosign-valid/manifest.json"),
		SIGN_OK);
	signp_digest(digest, man.ptr, man.size);
	assert_int_equal(read_vec(&sig, "containers-image-cosign/unknown-cosign-key.signature"),
		SIGN_OK);
	assert_int_equal(signp_cosign_parse_sigfile(&payload, &b64, sig.ptr, sig.size, NULL),
		SIGN_OK);
	/* the claim itself is fine, the key is not */
	assert_int_equal(signp_cosign_payload_check(payload.ptr, payload.size, digest, NULL, NULL),
		SIGN_OK);
	assert_int_equal(signp_cosign_verify(k1, payload.ptr, payload.size, b64.ptr), SIGN_EVERIFY);
	EVP_PKEY_free(k1);
	sign_buf_dispose(&sig);
	sign_buf_dispose(&payload);
	sign_buf_dispose(&b64);
	sign_buf_dispose(&man);
}

static void test_ci_certificate_based_parse(void **state)
{
	static const char *const dirs[] = { "dir-img-cosign-fulcio-rekor-valid",
		"dir-img-cosign-pki-valid" };
	size_t i;
	(void)state;
	for (i = 0; i < 2; i++) {
		sign_buf sig = SIGN_BUF_INIT, payload = SIGN_BUF_INIT, b64 = SIGN_BUF_INIT,
			 man = SIGN_BUF_INIT, ref = SIGN_BUF_INIT;
		char rel[256], digest[72];
		snprintf(rel, sizeof(rel), "containers-image-cosign/%s/manifest.json", dirs[i]);
		assert_int_equal(read_vec(&man, rel), SIGN_OK);
		signp_digest(digest, man.ptr, man.size);
		snprintf(rel, sizeof(rel), "containers-image-cosign/%s/signature-1", dirs[i]);
		assert_int_equal(read_vec(&sig, rel), SIGN_OK);
		assert_int_equal(signp_cosign_parse_sigfile(&payload, &b64, sig.ptr, sig.size, NULL),
			SIGN_OK);
		assert_true(b64.size > 0);
		assert_int_equal(signp_cosign_payload_check(payload.ptr, payload.size, digest, &ref,
			NULL), SIGN_OK);
		assert_true(ref.size > 0);
		sign_buf_dispose(&sig);
		sign_buf_dispose(&payload);
		sign_buf_dispose(&b64);
		sign_buf_dispose(&man);
		sign_buf_dispose(&ref);
	}
}

static void test_sigfile_garbage(void **state)
{
	sign_buf p = SIGN_BUF_INIT, s = SIGN_BUF_INIT;
	static const char f1[] = "\0sigstore-json\n{\"mimeType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"payload\":\"!!!\",\"annotations\":{\"dev.cosignproject.cosign/signature\":\"MEU=\"}}";
	static const char f2[] = "\0sigstore-json\n{\"mimeType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"payload\":\"e30=\",\"annotations\":{\"dev.cosignproject.cosign/signature\":\"\"}}";
	static const char f3[] = "\0sigstore-json\n[1,2";
	static const char f4[] = "\0sigstore-json\n{\"mimeType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"payload\":\"e30=\",\"annotations\":{\"dev.cosignproject.cosign/signature\":\"MEU=\"}}";
	(void)state;
	assert_int_not_equal(signp_cosign_parse_sigfile(&p, &s, "{}", 2, NULL), SIGN_OK);
	assert_int_not_equal(signp_cosign_parse_sigfile(&p, &s, f1, sizeof(f1) - 1, NULL), SIGN_OK);
	assert_int_not_equal(signp_cosign_parse_sigfile(&p, &s, f2, sizeof(f2) - 1, NULL), SIGN_OK);
	assert_int_not_equal(signp_cosign_parse_sigfile(&p, &s, f3, sizeof(f3) - 1, NULL), SIGN_OK);
	assert_int_equal(signp_cosign_parse_sigfile(&p, &s, f4, sizeof(f4) - 1, NULL), SIGN_OK);
	assert_string_equal(p.ptr, "{}");
	assert_string_equal(s.ptr, "MEU=");
	assert_int_not_equal(signp_cosign_parse_sigfile(&p, &s, f4, 10, NULL), SIGN_OK);
	sign_buf_dispose(&p);
	sign_buf_dispose(&s);
}

/* ---- cosign-local: the .sig manifest ---- */

static void test_local_manifest(void **state)
{
	sign_buf man = SIGN_BUF_INIT, payload = SIGN_BUF_INIT, cfg = SIGN_BUF_INIT,
		 out = SIGN_BUF_INIT, outcfg = SIGN_BUF_INIT, out2 = SIGN_BUF_INIT;
	signp_cosign_layer *l = NULL;
	size_t n = 0;
	int changed = -1;
	EVP_PKEY *k1 = load_pub("cosign-local/k1.pub");
	EVP_PKEY *k2 = load_pub("cosign-local/k2.pub");
	char cfg_digest[72];
	json_t *mj;
	(void)state;

	assert_int_equal(read_vec(&man, "cosign-local/sig_manifest.json"), SIGN_OK);
	assert_int_equal(read_vec(&payload, "cosign-local/sig_payload.json"), SIGN_OK);
	assert_int_equal(read_vec(&cfg, "cosign-local/sig_config.json"), SIGN_OK);
	assert_int_equal(signp_cosign_manifest_layers(&l, &n, man.ptr, man.size, NULL), SIGN_OK);
	assert_int_equal(n, 2);
	assert_true(signp_digest_matches(l[0].digest, payload.ptr, payload.size));
	assert_int_equal(l[0].size, payload.size);
	assert_string_equal(l[1].digest, l[0].digest);
	assert_int_equal(l[0].has_cert, 0);
	assert_int_equal(signp_cosign_verify(k1, payload.ptr, payload.size, l[0].sig_b64), SIGN_OK);
	assert_int_equal(signp_cosign_verify(k2, payload.ptr, payload.size, l[1].sig_b64), SIGN_OK);
	assert_int_equal(signp_cosign_verify(k2, payload.ptr, payload.size, l[0].sig_b64),
		SIGN_EVERIFY);
	assert_int_equal(signp_cosign_verify(k1, payload.ptr, payload.size, l[1].sig_b64),
		SIGN_EVERIFY);
	/* the payload names this digest */
	assert_int_equal(signp_cosign_payload_check(payload.ptr, payload.size,
		"sha256:f1500da1532d875b3ac366ee57e40c1a2a48183fa5d3bc218aa1b09192fbaa6e", NULL, NULL),
		SIGN_OK);

	/* rebuild the manifest and its config byte for byte */
	assert_int_equal(signp_cosign_manifest_append(&out, &outcfg, &changed, NULL, 0, l[0].digest,
		l[0].size, l[0].sig_b64, k1, payload.ptr, payload.size, NULL), SIGN_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(outcfg.size, 233); /* one layer: the size seen in the wild */
	assert_int_equal(signp_cosign_manifest_append(&out2, &outcfg, &changed, out.ptr, out.size,
		l[1].digest, l[1].size, l[1].sig_b64, k2, payload.ptr, payload.size, NULL), SIGN_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(outcfg.size, cfg.size);
	assert_memory_equal(outcfg.ptr, cfg.ptr, cfg.size);
	assert_int_equal(out2.size, man.size);
	assert_memory_equal(out2.ptr, man.ptr, man.size);
	signp_digest(cfg_digest, cfg.ptr, cfg.size);
	mj = json_loadb(out2.ptr, out2.size, 0, NULL);
	assert_non_null(mj);
	assert_string_equal(json_string_value(json_object_get(json_object_get(mj, "config"),
		"digest")), cfg_digest);
	json_decref(mj);

	/* appending k1's signature again (as a string, no key) changes nothing */
	assert_int_equal(signp_cosign_manifest_append(&out, &outcfg, &changed, man.ptr, man.size,
		l[0].digest, l[0].size, l[0].sig_b64, NULL, NULL, 0, NULL), SIGN_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(out.size, man.size);
	assert_memory_equal(out.ptr, man.ptr, man.size);

	signp_cosign_layers_free(l, n);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	sign_buf_dispose(&man);
	sign_buf_dispose(&payload);
	sign_buf_dispose(&cfg);
	sign_buf_dispose(&out);
	sign_buf_dispose(&out2);
	sign_buf_dispose(&outcfg);
}

static void sign_payload(sign_buf *b64, signp_key *k, const sign_buf *payload)
{
	sign_buf der = SIGN_BUF_INIT;
	assert_int_equal(signp_key_sign_der(&der, k, payload->ptr, payload->size, NULL), SIGN_OK);
	signp_buf_clear(b64);
	assert_int_equal(signp_b64_encode(b64, der.ptr, der.size), SIGN_OK);
	sign_buf_dispose(&der);
}

static void test_append_dedupe(void **state)
{
	const char *d = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";
	signp_key *ka = NULL, *kb = NULL;
	sign_buf payload = SIGN_BUF_INIT, sa = SIGN_BUF_INIT, sa2 = SIGN_BUF_INIT,
		 sb = SIGN_BUF_INIT, m1 = SIGN_BUF_INIT, m2 = SIGN_BUF_INIT, m3 = SIGN_BUF_INIT,
		 cfg = SIGN_BUF_INIT;
	signp_cosign_layer *l = NULL;
	size_t n = 0;
	char pd[72];
	int changed = -1;
	(void)state;

	assert_int_equal(signp_key_generate(&ka, NULL), SIGN_OK);
	assert_int_equal(signp_key_generate(&kb, NULL), SIGN_OK);
	assert_int_equal(signp_cosign_payload(&payload, "example.com/demo/app", d), SIGN_OK);
	signp_digest(pd, payload.ptr, payload.size);
	sign_payload(&sa, ka, &payload);
	sign_payload(&sa2, ka, &payload); /* ECDSA: another signature string, same key */
	sign_payload(&sb, kb, &payload);

	assert_int_equal(signp_cosign_manifest_append(&m1, &cfg, &changed, NULL, 0, pd, payload.size,
		sa.ptr, ka->pkey, payload.ptr, payload.size, NULL), SIGN_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(signp_cosign_manifest_append(&m2, &cfg, &changed, m1.ptr, m1.size, pd,
		payload.size, sa2.ptr, ka->pkey, payload.ptr, payload.size, NULL), SIGN_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(m2.size, m1.size);
	assert_memory_equal(m2.ptr, m1.ptr, m1.size);
	/* without a key only an identical string counts as a duplicate */
	assert_int_equal(signp_cosign_manifest_append(&m2, &cfg, &changed, m1.ptr, m1.size, pd,
		payload.size, sa2.ptr, NULL, NULL, 0, NULL), SIGN_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(signp_cosign_manifest_append(&m3, &cfg, &changed, m1.ptr, m1.size, pd,
		payload.size, sb.ptr, kb->pkey, payload.ptr, payload.size, NULL), SIGN_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(signp_cosign_manifest_layers(&l, &n, m3.ptr, m3.size, NULL), SIGN_OK);
	assert_int_equal(n, 2);
	assert_int_equal(signp_cosign_verify(ka->pkey, payload.ptr, payload.size, l[0].sig_b64),
		SIGN_OK);
	assert_int_equal(signp_cosign_verify(kb->pkey, payload.ptr, payload.size, l[1].sig_b64),
		SIGN_OK);
	signp_cosign_layers_free(l, n);
	/* payload bytes that do not match the digest are refused */
	assert_int_equal(signp_cosign_manifest_append(&m2, &cfg, &changed, m1.ptr, m1.size, pd,
		payload.size, sb.ptr, kb->pkey, "x", 1, NULL), SIGN_EINVAL);

	signp_key_free(ka);
	signp_key_free(kb);
	sign_buf_dispose(&payload);
	sign_buf_dispose(&sa);
	sign_buf_dispose(&sa2);
	sign_buf_dispose(&sb);
	sign_buf_dispose(&m1);
	sign_buf_dispose(&m2);
	sign_buf_dispose(&m3);
	sign_buf_dispose(&cfg);
}

static void test_append_keeps_layers(void **state)
{
	const char *pd = "sha256:685ecdd16e7b3887d1ed58fffcbbd59803a524aec5415eba987cf7e50e5ea6e3";
	static const char old[] =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":1,"
		"\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"},"
		"\"layers\":[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"size\":239,"
		"\"digest\":\"sha256:2222222222222222222222222222222222222222222222222222222222222222\","
		"\"annotations\":{\"dev.cosignproject.cosign/signature\":\"QUJD\","
		"\"dev.sigstore.cosign/certificate\":\"-----BEGIN CERTIFICATE-----\\nX\\n\","
		"\"dev.sigstore.cosign/chain\":\"\",\"dev.sigstore.cosign/bundle\":\"{\\\"a\\\":1}\"}}],"
		"\"annotations\":{\"x\":\"y\"}}";
	sign_buf m = SIGN_BUF_INIT, cfg = SIGN_BUF_INIT;
	signp_cosign_layer *l = NULL;
	size_t n = 0;
	int changed = 0;
	json_t *j, *l0;
	(void)state;
	assert_int_equal(signp_cosign_manifest_append(&m, &cfg, &changed, old, sizeof(old) - 1, pd,
		239, "REVG", NULL, NULL, 0, NULL), SIGN_OK);
	assert_int_equal(changed, 1);
	j = json_loadb(m.ptr, m.size, 0, NULL);
	assert_non_null(j);
	l0 = json_array_get(json_object_get(j, "layers"), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(l0, "annotations"),
		"dev.sigstore.cosign/bundle")), "{\"a\":1}");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "annotations"),
		"x")), "y");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "config"), "size")),
		cfg.size);
	json_decref(j);
	assert_non_null(strstr(cfg.ptr, "\"diff_ids\":[\"sha256:2222"));
	assert_int_equal(signp_cosign_manifest_layers(&l, &n, m.ptr, m.size, NULL), SIGN_OK);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].has_cert, 1);
	assert_int_equal(l[1].has_cert, 0);
	assert_string_equal(l[1].sig_b64, "REVG");
	signp_cosign_layers_free(l, n);
	sign_buf_dispose(&m);
	sign_buf_dispose(&cfg);
}

static void test_manifest_layers_hostile(void **state)
{
	signp_cosign_layer *l = NULL;
	size_t n = 0;
	static const char tolerant[] =
		"{\"schemaVersion\":2,\"unknown\":{\"a\":[1,2]},\"layers\":["
		"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"size\":1,\"digest\":\"nope\"},"
		"{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"size\":5,"
		"\"digest\":\"sha256:2222222222222222222222222222222222222222222222222222222222222222\","
		"\"annotations\":{\"dev.cosignproject.cosign/signature\":\"\"}},"
		"{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"size\":5,\"extra\":true,"
		"\"digest\":\"sha256:3333333333333333333333333333333333333333333333333333333333333333\","
		"\"annotations\":{\"dev.cosignproject.cosign/signature\":\"QUJD\",\"dev.sigstore.cosign/certificate\":\"\"}}]}";
	static const char *const bad[] = {
		"",
		"[]",
		"{\"layers\":{}}",
		"{}",
		"{\"layers\":[],\"layers\":[]}",
	};
	/* malformed layers are skipped, so that a hostile layer cannot hide a
	 * good signature beside it */
	static const char *const skipped[] = {
		"{\"layers\":[7]}",
		"{\"layers\":[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"size\":5,\"digest\":\"sha256:ABC\"}]}",
		"{\"layers\":[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"size\":-5,\"digest\":\"sha256:3333333333333333333333333333333333333333333333333333333333333333\"}]}",
		"{\"layers\":[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"size\":\"5\",\"digest\":\"sha256:3333333333333333333333333333333333333333333333333333333333333333\"}]}",
		"{\"layers\":[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"size\":99999999999,\"digest\":\"sha256:3333333333333333333333333333333333333333333333333333333333333333\"}]}",
	};
	size_t i;
	sign_buf big = SIGN_BUF_INIT;
	(void)state;
	assert_int_equal(signp_cosign_manifest_layers(&l, &n, tolerant, sizeof(tolerant) - 1, NULL),
		SIGN_OK);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].sig_b64, "QUJD");
	assert_int_equal(l[0].has_cert, 0);
	assert_int_equal(l[0].size, 5);
	signp_cosign_layers_free(l, n);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sign_error err = { 0 };
		l = NULL;
		assert_int_not_equal(signp_cosign_manifest_layers(&l, &n, bad[i], strlen(bad[i]), &err),
			SIGN_OK);
		assert_null(l);
		assert_true(err.message[0] != '\0');
	}
	for (i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++) {
		l = NULL;
		n = 99;
		assert_int_equal(signp_cosign_manifest_layers(&l, &n, skipped[i], strlen(skipped[i]), NULL),
			SIGN_OK);
		assert_int_equal(n, 0);
		signp_cosign_layers_free(l, n);
	}
	/* more than SIGN_MAX_SIGNATURES layers */
	assert_int_equal(signp_buf_puts(&big, "{\"layers\":["), SIGN_OK);
	for (i = 0; i <= SIGN_MAX_SIGNATURES; i++)
		assert_int_equal(signp_buf_printf(&big, "%s{\"mediaType\":\"x\"}", i ? "," : ""),
			SIGN_OK);
	assert_int_equal(signp_buf_puts(&big, "]}"), SIGN_OK);
	assert_int_equal(signp_cosign_manifest_layers(&l, &n, big.ptr, big.size, NULL), SIGN_EFORMAT);
	sign_buf_dispose(&big);
}

static void test_append_cap(void **state)
{
	const char *pd = "sha256:685ecdd16e7b3887d1ed58fffcbbd59803a524aec5415eba987cf7e50e5ea6e3";
	sign_buf old = SIGN_BUF_INIT, m = SIGN_BUF_INIT, cfg = SIGN_BUF_INIT;
	int changed = 0;
	size_t i;
	(void)state;
	assert_int_equal(signp_buf_puts(&old, "{\"schemaVersion\":2,\"layers\":["), SIGN_OK);
	for (i = 0; i < SIGN_MAX_SIGNATURES; i++)
		assert_int_equal(signp_buf_printf(&old,
			"%s{\"mediaType\":\"" SIGN_MT_SIMPLESIGNING "\",\"size\":1,\"digest\":\"%s\","
			"\"annotations\":{\"" SIGN_ANN_SIGNATURE "\":\"S%zu\"}}", i ? "," : "", pd, i),
			SIGN_OK);
	assert_int_equal(signp_buf_puts(&old, "]}"), SIGN_OK);
	assert_int_not_equal(signp_cosign_manifest_append(&m, &cfg, &changed, old.ptr, old.size, pd,
		239, "NEW", NULL, NULL, 0, NULL), SIGN_OK);
	/* a duplicate is still recognised at the cap */
	assert_int_equal(signp_cosign_manifest_append(&m, &cfg, &changed, old.ptr, old.size, pd,
		239, "S5", NULL, NULL, 0, NULL), SIGN_OK);
	assert_int_equal(changed, 0);
	sign_buf_dispose(&old);
	sign_buf_dispose(&m);
	sign_buf_dispose(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_tag),
		cmocka_unit_test(test_payload_vector),
		cmocka_unit_test(test_payload_escaping),
		cmocka_unit_test(test_payload_check_strict),
		cmocka_unit_test(test_ci_valid),
		cmocka_unit_test(test_ci_must_fail),
		cmocka_unit_test(test_ci_unknown_key),
		cmocka_unit_test(test_ci_certificate_based_parse),
		cmocka_unit_test(test_sigfile_garbage),
		cmocka_unit_test(test_local_manifest),
		cmocka_unit_test(test_append_dedupe),
		cmocka_unit_test(test_append_keeps_layers),
		cmocka_unit_test(test_manifest_layers_hostile),
		cmocka_unit_test(test_append_cap),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * fuzz_rekor.c - transparency log entries and checkpoints (rekor.c,
 * rekor_checkpoint.c, rekor_body.c).  The first byte chooses what the rest
 * is: 0 a bundle's tlogEntries element (JSON), 1 cosign's bundle
 * annotation, 2 a signed checkpoint.  An entry that is read is verified
 * against a trusted root holding the public-good Rekor key (so that real
 * entries of the seeds reach the SET and proof checks) and compared with a
 * claim by the harness's own key, which no entry can record; a checkpoint
 * that is read is well-formed and never verifies under the harness's own
 * Ed25519 key (nothing signed it).  A refusal says why.
 */
#include "fuzz.h"

#include "key.h"
#include "rekor_int.h"

/* rekor.sigstore.dev's key (SPKI, base64) and its log ID */
static const char rekor_spki[] = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==";
static const char rekor_id[] = "wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=";

static signp_sig_log logs[2];
static signp_trusted_root root = { logs, 2, NULL, 0, NULL, 0, NULL, 0 };
static EVP_PKEY *ed, *mine;
static char origin[] = "log.example";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sign_buf b = SIGN_BUF_INIT;
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(signp_b64_decode(&b, rekor_spki, strlen(rekor_spki)) == SIGN_OK);
	FUZZ_ASSERT((logs[0].key = signp_pubkey_from_spki(b.ptr, b.size)) != NULL);
	signp_buf_clear(&b);
	FUZZ_ASSERT(signp_b64_decode(&b, rekor_id, strlen(rekor_id)) == SIGN_OK && b.size == 32);
	memcpy(logs[0].id, b.ptr, 32);
	logs[0].idlen = 32;
	logs[0].end = SIGNP_TIME_OPEN;
	sign_buf_dispose(&b);
	/* a Rekor v2 log of the harness's Ed25519 key, under any log ID of 32 zero bytes */
	FUZZ_ASSERT((ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) != NULL);
	FUZZ_ASSERT((mine = EVP_EC_gen("P-256")) != NULL);
	logs[1].key = ed;
	logs[1].idlen = 32;
	logs[1].end = SIGNP_TIME_OPEN;
	logs[1].origin = origin;
	return 0;
}

static void entry_checks(const signp_rekor_entry *e)
{
	static const unsigned char digest[32];
	signp_rekor_claim c;
	sign_error err;
	int64_t t = 0;
	int r;

	FUZZ_ASSERT(signp_rekor_entry_index(e) >= 0);
	FUZZ_ASSERT(signp_rekor_entry_kind(e)[0] != '\0');
	memset(&err, 0, sizeof(err));
	r = signp_rekor_verify(e, &root, 0, 1800000000, &t, &err);
	FUZZ_ASSERT(r == SIGN_OK || err.message[0] != '\0');
	FUZZ_ASSERT(r == SIGN_OK ? t == -1 || t >= 0 : t == -1);
	memset(&c, 0, sizeof(c));
	c.key = mine;
	c.sig = "x";
	c.siglen = 1;
	c.digest_alg = "sha256";
	c.digest = digest;
	c.digestlen = sizeof(digest);
	memset(&err, 0, sizeof(err));
	FUZZ_ASSERT(signp_rekor_body_check(e, &c, &err) == SIGN_EVERIFY);
	FUZZ_ASSERT(err.message[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	signp_rekor_entry *e = NULL;
	sign_error err;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;

	if (size == 0)
		return 0;
	memset(&err, 0, sizeof(err));
	if (data[0] % 3 == 0) {
		json_error_t je;
		json_t *t = json_loadb(in, len, JSON_REJECT_DUPLICATES, &je);
		if (t == NULL)
			return 0;
		if (signp_rekor_entry_parse(&e, t, &err) == SIGN_OK)
			entry_checks(e);
		else
			FUZZ_ASSERT(e == NULL && err.message[0] != '\0');
		json_decref(t);
	} else if (data[0] % 3 == 1) {
		if (signp_rekor_entry_from_cosign(&e, in, len, &err) == SIGN_OK)
			entry_checks(e);
		else
			FUZZ_ASSERT(e == NULL && err.message[0] != '\0');
	} else {
		char *s = fuzz_cstr(data + 1, len);
		signp_checkpoint cp;
		if (signp_checkpoint_parse(&cp, s, strlen(s), &err) == SIGN_OK) {
			FUZZ_ASSERT(cp.textlen < strlen(s) && cp.text[cp.textlen - 1] == '\n');
			FUZZ_ASSERT(cp.origin[0] != '\0');
			FUZZ_ASSERT(cp.nsigs >= 1 && cp.nsigs <= SIGNP_CHECKPOINT_MAX_SIGS);
			memset(&err, 0, sizeof(err));
			FUZZ_ASSERT(signp_checkpoint_verify(&cp, ed, cp.origin, 0, &err) == SIGN_EVERIFY);
			FUZZ_ASSERT(err.message[0] != '\0');
		} else {
			FUZZ_ASSERT(err.message[0] != '\0');
		}
		signp_checkpoint_dispose(&cp);
		free(s);
	}
	signp_rekor_entry_free(e);
	return 0;
}

/*
 * rekor_checkpoint.c - a transparency log's signed checkpoint (rekor_int.h):
 * the signed note of golang.org/x/mod/sumdb/note around a checkpoint of
 * transparency-dev/formats/log, read strictly and bounded, and its log's
 * signature found by name and key hint and checked with OpenSSL.
 */
#include "rekor_int.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

/* U+2014 EM DASH and a space: how a signature line begins. */
#define NOTE_SIG_PREFIX "\xe2\x80\x94 "

void signp_checkpoint_dispose(signp_checkpoint *cp)
{
	sign_buf_dispose(&cp->raw);
	memset(cp, 0, sizeof(*cp));
}

/* A decimal uint64 of digits only (no sign, no space). */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;
	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned d;
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* The checkpoint text: origin, size, root hash, extension lines. */
static int parse_body(signp_checkpoint *cp, sign_error *err)
{
	const char *p = cp->text, *end = cp->text + cp->textlen, *nl;
	sign_buf h = SIGN_BUF_INIT;
	int line;

	for (line = 0; line < 3; line++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return signp_err(err, SIGN_EFORMAT, "checkpoint: %s",
				line == 1 ? "no tree size line" : "no root hash line");
		if (line == 0) {
			if (nl == p)
				return signp_err(err, SIGN_EFORMAT, "checkpoint: empty origin line");
			if ((size_t)(nl - p) >= sizeof(cp->origin))
				return signp_err(err, SIGN_EFORMAT, "checkpoint: origin longer than %zu bytes",
					sizeof(cp->origin) - 1);
			memcpy(cp->origin, p, (size_t)(nl - p));
			cp->origin[nl - p] = '\0';
		} else if (line == 1) {
			if (parse_u64(p, (size_t)(nl - p), &cp->size) != 0)
				return signp_err(err, SIGN_EFORMAT, "checkpoint: tree size is not a decimal number");
		} else {
			if (nl == p || signp_b64_decode(&h, p, (size_t)(nl - p)) != SIGN_OK ||
			    h.size != SIGNP_MERKLE_HASH) {
				sign_buf_dispose(&h);
				return signp_err(err, SIGN_EFORMAT,
					"checkpoint: root hash is not the base64 of %u bytes", SIGNP_MERKLE_HASH);
			}
			memcpy(cp->root, h.ptr, SIGNP_MERKLE_HASH);
			sign_buf_dispose(&h);
		}
		p = nl + 1;
	}
	/* the rest are extension lines (rekor v1 writes "Timestamp: n") */
	return SIGN_OK;
}

/* Is a signer name valid as the note format says: not empty, no space, no
 * '+' (here also printable ASCII)? */
static int valid_name(const char *s, size_t n)
{
	size_t i;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] > 0x7e || s[i] == '+')
			return 0;
	return 1;
}

int signp_checkpoint_parse(signp_checkpoint *cp, const char *s, size_t len, sign_error *err)
{
	const char *sigs, *end, *p;
	size_t i, pos[SIGNP_CHECKPOINT_MAX_SIGS][2];

	memset(cp, 0, sizeof(*cp));
	if (len > SIGNP_CHECKPOINT_MAX_LEN)
		return signp_err(err, SIGN_EFORMAT, "checkpoint: %zu bytes, more than %u", len,
			SIGNP_CHECKPOINT_MAX_LEN);
	if (len == 0 || s[len - 1] != '\n')
		return signp_err(err, SIGN_EFORMAT, "checkpoint: does not end with a newline");
	/* the signatures follow the last blank line */
	for (i = len - 1; i > 0; i--)
		if (s[i] == '\n' && s[i - 1] == '\n')
			break;
	if (i == 0)
		return signp_err(err, SIGN_EFORMAT, "checkpoint: no blank line before its signatures");
	cp->text = s;
	cp->textlen = i;                       /* up to and including the first '\n' of the pair */
	for (p = s; p < s + cp->textlen; p++)
		if ((*p < 0x20 && *p != '\n') || (unsigned char)*p > 0x7e)
			return signp_err(err, SIGN_EFORMAT,
				"checkpoint: byte 0x%02x at offset %zu is not printable ASCII",
				(unsigned char)*p, (size_t)(p - s));
	sigs = s + i + 1;
	end = s + len;
	if (sigs == end)
		return signp_err(err, SIGN_EFORMAT, "checkpoint: no signature line");
	/* first pass: the lines' shape, and their decoded bytes in cp->raw */
	for (p = sigs; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *name, *sp, *b64;
		size_t before;
		signp_note_sig *ns;
		if (cp->nsigs == SIGNP_CHECKPOINT_MAX_SIGS)
			return signp_err(err, SIGN_EFORMAT, "checkpoint: more than %u signature lines",
				SIGNP_CHECKPOINT_MAX_SIGS);
		if ((size_t)(nl - p) < strlen(NOTE_SIG_PREFIX) ||
		    memcmp(p, NOTE_SIG_PREFIX, strlen(NOTE_SIG_PREFIX)) != 0)
			return signp_err(err, SIGN_EFORMAT,
				"checkpoint: signature line %zu does not begin with an em dash and a space",
				cp->nsigs + 1);
		name = p + strlen(NOTE_SIG_PREFIX);
		sp = memchr(name, ' ', (size_t)(nl - name));
		if (sp == NULL || !valid_name(name, (size_t)(sp - name)) ||
		    (size_t)(sp - name) >= sizeof(cp->sigs[0].name))
			return signp_err(err, SIGN_EFORMAT,
				"checkpoint: signature line %zu has no valid signer name", cp->nsigs + 1);
		b64 = sp + 1;
		before = cp->raw.size;
		if (b64 == nl || signp_b64_decode(&cp->raw, b64, (size_t)(nl - b64)) != SIGN_OK ||
		    cp->raw.size - before < 5)
			return signp_err(err, SIGN_EFORMAT,
				"checkpoint: signature line %zu: not the base64 of a key hint and a signature",
				cp->nsigs + 1);
		ns = &cp->sigs[cp->nsigs];
		memcpy(ns->name, name, (size_t)(sp - name));
		ns->name[sp - name] = '\0';
		pos[cp->nsigs][0] = before;
		pos[cp->nsigs][1] = cp->raw.size - before;
		cp->nsigs++;
		p = nl + 1;
	}
	/* cp->raw has stopped moving: point into it */
	for (i = 0; i < cp->nsigs; i++) {
		const unsigned char *b = (const unsigned char *)cp->raw.ptr + pos[i][0];
		cp->sigs[i].hint = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
		cp->sigs[i].sig = b + 4;
		cp->sigs[i].siglen = pos[i][1] - 4;
	}
	return parse_body(cp, err);
}

int signp_log_sig_verify(EVP_PKEY *key, const void *msg, size_t len, const void *sig, size_t siglen)
{
	EVP_MD_CTX *ctx;
	const EVP_MD *md = NULL;
	int ok;

	if (EVP_PKEY_is_a(key, "ED25519"))
		md = NULL;
	else if (EVP_PKEY_is_a(key, "EC"))
		md = EVP_PKEY_get_bits(key) > 384 ? EVP_sha512()
			: EVP_PKEY_get_bits(key) > 256 ? EVP_sha384() : EVP_sha256();
	else if (EVP_PKEY_is_a(key, "RSA"))
		md = EVP_sha256();
	else
		return SIGN_EVERIFY;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return SIGN_EVERIFY;
	ok = EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
	     EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? SIGN_OK : SIGN_EVERIFY;
}

/* The key hint of key for a log named origin: the first four bytes of
 * SHA-256 of the SPKI (Rekor v1, and ECDSA keys in Rekor v2), of
 * origin "\n" 0x01 raw-key (Ed25519), or of origin "\n" 0xff
 * "PKIX-RSA-PKCS#1v1.5" SPKI (RSA in Rekor v2). */
static int key_hint(uint32_t *out, EVP_PKEY *key, const char *origin, int rekor_v1)
{
	unsigned char *spki = NULL, raw[32], md[32];
	sign_buf in = SIGN_BUF_INIT;
	size_t rawlen = sizeof(raw);
	int n, r = SIGN_ENOMEM;

	if ((n = i2d_PUBKEY(key, &spki)) <= 0)
		return SIGN_ECRYPTO;
	if (rekor_v1 || EVP_PKEY_is_a(key, "EC")) {
		r = signp_buf_put(&in, spki, (size_t)n);
	} else if (EVP_PKEY_is_a(key, "ED25519")) {
		if (EVP_PKEY_get_raw_public_key(key, raw, &rawlen) != 1 || rawlen != sizeof(raw))
			r = SIGN_ECRYPTO;
		else if ((r = signp_buf_puts(&in, origin)) == SIGN_OK && (r = signp_buf_put(&in, "\n\x01", 2)) == SIGN_OK)
			r = signp_buf_put(&in, raw, rawlen);
	} else if ((r = signp_buf_puts(&in, origin)) == SIGN_OK &&
		   (r = signp_buf_put(&in, "\n\xffPKIX-RSA-PKCS#1v1.5", 21)) == SIGN_OK) {
		r = signp_buf_put(&in, spki, (size_t)n);
	}
	OPENSSL_free(spki);
	if (r == SIGN_OK) {
		signp_sha256(md, in.ptr, in.size);
		*out = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
	}
	sign_buf_dispose(&in);
	return r;
}

int signp_checkpoint_verify(const signp_checkpoint *cp, EVP_PKEY *key, const char *origin,
	int rekor_v1, sign_error *err)
{
	uint32_t hint;
	size_t i;

	if (origin != NULL && strcmp(cp->origin, origin) != 0)
		return signp_err(err, SIGN_EVERIFY, "checkpoint: its origin %.100s is not the log's, %.100s",
			cp->origin, origin);
	if (origin == NULL && !rekor_v1)
		return signp_err(err, SIGN_EVERIFY, "checkpoint: the log has no origin to check it against");
	if (key_hint(&hint, key, origin != NULL ? origin : "", rekor_v1) != SIGN_OK)
		return signp_err_openssl(err, SIGN_EVERIFY, "checkpoint: the log's key hint");
	for (i = 0; i < cp->nsigs; i++) {
		const signp_note_sig *s = &cp->sigs[i];
		if (s->hint != hint || (origin != NULL && strcmp(s->name, origin) != 0))
			continue;             /* a witness's, or another key's */
		if (signp_log_sig_verify(key, cp->text, cp->textlen, s->sig, s->siglen) != SIGN_OK)
			return signp_err(err, SIGN_EVERIFY,
				"checkpoint: the signature of %.100s (key hint %08x) does not verify with the log's key",
				s->name, (unsigned)hint);
		return SIGN_OK;
	}
	return signp_err(err, SIGN_EVERIFY, "checkpoint: no signature by the log's key (key hint %08x%s%.100s)",
		(unsigned)hint, origin != NULL ? ", name " : "", origin != NULL ? origin : "");
}

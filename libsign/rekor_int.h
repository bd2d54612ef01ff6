/*
 * rekor_int.h - what rekor.c (entries, SET, inclusion proof),
 * rekor_body.c (what a body records) and rekor_checkpoint.c (signed
 * checkpoints) share: the parsed entry and the checkpoint reader.
 * Internal to those three files (and their tests and fuzz harness).
 */
#ifndef SIGN_REKOR_INT_H
#define SIGN_REKOR_INT_H

#include "merkle.h"
#include "rekor.h"

/* A decoded canonicalizedBody of more than this is no entry sign reads
 * (intoto entries carry the whole envelope). */
#define SIGNP_REKOR_MAX_BODY (32u << 20)
/* A checkpoint of more than this, or with more signature lines, is refused
 * (golang.org/x/mod/sumdb/note reads at most 100 signatures). */
#define SIGNP_CHECKPOINT_MAX_LEN (64u << 10)
#define SIGNP_CHECKPOINT_MAX_SIGS 100u

struct signp_rekor_entry {
	int64_t log_index;
	unsigned char log_id[64];
	size_t log_id_len;
	char kind[32];                 /* kindVersion.kind, the body's kind */
	char version[16];              /* kindVersion.version, the body's apiVersion */
	int v2;                        /* a Rekor v2 kind: hashedrekord or dsse 0.0.2 */
	int64_t integrated_time;       /* 0 when absent (Rekor v2) */
	int has_set;
	sign_buf set;                  /* inclusionPromise.signedEntryTimestamp, decoded */
	int has_proof;
	int64_t proof_index, tree_size;
	unsigned char root_hash[SIGNP_MERKLE_HASH];
	sign_buf hashes[SIGNP_MERKLE_MAX_PROOF];
	size_t nhashes;
	char *checkpoint;              /* inclusionProof.checkpoint.envelope */
	sign_buf body;                 /* canonicalizedBody, decoded */
	json_t *doc;                   /* body, parsed (duplicate members refused) */
};

/* One signature line of a signed note: "— <name> <b64(hint4 || sig)>". */
typedef struct signp_note_sig {
	char name[256];
	uint32_t hint;                 /* big-endian first four bytes */
	const unsigned char *sig;      /* into the checkpoint's decoded signatures */
	size_t siglen;
} signp_note_sig;

/* A checkpoint (transparency-dev/formats log checkpoint in a signed note,
 * golang.org/x/mod/sumdb/note): text = origin, size, base64 root hash,
 * extension lines; then a blank line and the signature lines. */
typedef struct signp_checkpoint {
	const char *text;              /* the signed text, into the input */
	size_t textlen;                /* up to and including its last newline */
	char origin[256];
	uint64_t size;
	unsigned char root[SIGNP_MERKLE_HASH];
	signp_note_sig sigs[SIGNP_CHECKPOINT_MAX_SIGS];
	size_t nsigs;
	sign_buf raw;                  /* the decoded signatures sigs[] point into */
} signp_checkpoint;

/* Read a checkpoint (outside input, at most SIGNP_CHECKPOINT_MAX_LEN
 * bytes, printable ASCII but for the signature lines' em dash).  cp->text
 * points into s, which must outlive cp.  SIGN_EFORMAT saying what is
 * wrong; free with signp_checkpoint_dispose either way. */
int signp_checkpoint_parse(signp_checkpoint *cp, const char *s, size_t len, sign_error *err);
void signp_checkpoint_dispose(signp_checkpoint *cp);

/* Is cp signed by key as a log whose checkpoints are named origin (NULL:
 * any name, Rekor v1)?  The signature whose name and key hint are the
 * log's must verify; others (witnesses' cosignatures, another key's) are
 * ignored.  rekor_v1: key hint = SHA-256(SPKI)[:4] (rekor's
 * pkg/util/signed_note.go); else the note key hint of the key type
 * (Ed25519: SHA-256(origin "\n" 0x01 raw key)[:4], as rekor-tiles
 * pkg/note).  SIGN_OK, or SIGN_EVERIFY saying why. */
int signp_checkpoint_verify(const signp_checkpoint *cp, EVP_PKEY *key, const char *origin,
	int rekor_v1, sign_error *err);

/* Verify sig over msg with a log key: ECDSA (DER; SHA-256, -384 or -512
 * by curve size), Ed25519 (pure) or RSA PKCS#1 v1.5 SHA-256.  SIGN_OK or
 * SIGN_EVERIFY (no message set). */
int signp_log_sig_verify(EVP_PKEY *key, const void *msg, size_t len, const void *sig,
	size_t siglen);

#endif

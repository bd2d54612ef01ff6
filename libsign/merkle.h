/*
 * merkle.h - Merkle tree hashes and inclusion proofs as RFC 6962 and
 * RFC 9162 define them: what a transparency log (Rekor, a CT log) proves
 * an entry with.  Internal.
 */
#ifndef SIGN_MERKLE_H
#define SIGN_MERKLE_H

#include "common.h"

#define SIGNP_MERKLE_HASH 32u
/* A proof of a tree of 2^64 leaves has at most 64 hashes. */
#define SIGNP_MERKLE_MAX_PROOF 64u

/* The leaf hash of an entry: SHA-256(0x00 || data). */
void signp_merkle_leaf_hash(unsigned char out[SIGNP_MERKLE_HASH], const void *data, size_t len);

/* Does proof (nproof hashes) prove that the leaf whose hash is leaf_hash
 * is leaf number index of the tree of size leaves whose root is root?
 * RFC 9162 section 2.1.3.2.  Every hash must be SIGNP_MERKLE_HASH bytes.
 * SIGN_OK, or SIGN_EVERIFY saying what does not hold. */
int signp_merkle_verify_inclusion(uint64_t index, uint64_t size, const sign_buf *leaf_hash,
	const sign_buf *proof, size_t nproof, const sign_buf *root, sign_error *err);

#endif

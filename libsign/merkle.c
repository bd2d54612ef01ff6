/*
 * merkle.c - RFC 6962 / RFC 9162 Merkle tree hashes and inclusion proofs
 * (merkle.h), on OpenSSL's SHA-256.
 */
#include "merkle.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* SHA-256(prefix || a || b); b may be NULL. */
static int hash2(unsigned char out[SIGNP_MERKLE_HASH], unsigned char prefix, const void *a, size_t alen,
	const void *b, size_t blen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
		 EVP_DigestUpdate(c, &prefix, 1) == 1 && EVP_DigestUpdate(c, a, alen) == 1 &&
		 (b == NULL || EVP_DigestUpdate(c, b, blen) == 1) && EVP_DigestFinal_ex(c, out, &n) == 1 &&
		 n == SIGNP_MERKLE_HASH;
	EVP_MD_CTX_free(c);
	return ok ? SIGN_OK : SIGN_ECRYPTO;
}

void signp_merkle_leaf_hash(unsigned char out[SIGNP_MERKLE_HASH], const void *data, size_t len)
{
	if (hash2(out, 0x00, data, len, NULL, 0) != SIGN_OK)
		memset(out, 0, SIGNP_MERKLE_HASH); /* never a proof's root: proofs then fail */
}

int signp_merkle_verify_inclusion(uint64_t index, uint64_t size, const sign_buf *leaf_hash,
	const sign_buf *proof, size_t nproof, const sign_buf *root, sign_error *err)
{
	unsigned char r[SIGNP_MERKLE_HASH];
	uint64_t fn, sn;

	if (leaf_hash->size != SIGNP_MERKLE_HASH || root->size != SIGNP_MERKLE_HASH)
		return signp_err(err, SIGN_EVERIFY, "inclusion proof: a %s of %zu bytes, not %u",
			leaf_hash->size != SIGNP_MERKLE_HASH ? "leaf hash" : "root hash",
			leaf_hash->size != SIGNP_MERKLE_HASH ? leaf_hash->size : root->size, SIGNP_MERKLE_HASH);
	if (index >= size)
		return signp_err(err, SIGN_EVERIFY, "inclusion proof: leaf %llu of a tree of %llu",
			(unsigned long long)index, (unsigned long long)size);
	if (nproof > SIGNP_MERKLE_MAX_PROOF)
		return signp_err(err, SIGN_EVERIFY, "inclusion proof: %zu hashes", nproof);
	/* RFC 9162 2.1.3.2: fn walks up from the leaf, sn from the last leaf */
	fn = index;
	sn = size - 1;
	memcpy(r, leaf_hash->ptr, SIGNP_MERKLE_HASH);
	for (size_t i = 0; i < nproof; i++) {
		const sign_buf *p = &proof[i];
		int rc;
		if (p->size != SIGNP_MERKLE_HASH)
			return signp_err(err, SIGN_EVERIFY, "inclusion proof: hash %zu has %zu bytes, not %u", i,
				p->size, SIGNP_MERKLE_HASH);
		if (sn == 0)
			return signp_err(err, SIGN_EVERIFY,
				"inclusion proof: %zu hashes, more than leaf %llu of %llu needs", nproof,
				(unsigned long long)index, (unsigned long long)size);
		if ((fn & 1) || fn == sn) {
			rc = hash2(r, 0x01, p->ptr, SIGNP_MERKLE_HASH, r, SIGNP_MERKLE_HASH);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			rc = hash2(r, 0x01, r, SIGNP_MERKLE_HASH, p->ptr, SIGNP_MERKLE_HASH);
		}
		if (rc != SIGN_OK)
			return signp_err(err, rc, "inclusion proof: hashing failed");
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return signp_err(err, SIGN_EVERIFY,
			"inclusion proof: %zu hashes, fewer than leaf %llu of %llu needs", nproof,
			(unsigned long long)index, (unsigned long long)size);
	if (CRYPTO_memcmp(r, root->ptr, SIGNP_MERKLE_HASH) != 0)
		return signp_err(err, SIGN_EVERIFY, "inclusion proof: it leads to another root than the log's");
	return SIGN_OK;
}

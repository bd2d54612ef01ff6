/*
 * fuzz_merkle.c - RFC 6962 / 9162 inclusion proofs (merkle.c), as a log
 * entry of a bundle gives them: the input is a leaf index and a tree size
 * (8 bytes each), a leaf hash and a root (32 bytes each, or fewer when the
 * input ends), then the proof's hashes, 32 bytes each (the last one
 * shorter when the input ends there).  A proof that verifies must be of a
 * leaf inside the tree, with full-size hashes, and must not verify for
 * the leaf's neighbour (which hashes the first pair the other way round;
 * the same either way only when the leaf equals its sibling).
 */
#include "fuzz.h"

#include "merkle.h"

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void take(sign_buf *b, const uint8_t **p, size_t *left, size_t n)
{
	size_t k = *left < n ? *left : n;
	memset(b, 0, sizeof(*b));
	FUZZ_ASSERT(signp_buf_put(b, *p, k) == SIGN_OK);
	*p += k;
	*left -= k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sign_buf leaf, root, proof[SIGNP_MERKLE_MAX_PROOF + 2];
	const uint8_t *p = data + 16;
	size_t left, n = 0;
	uint64_t index, tsize;
	sign_error err;
	int r;

	if (size < 16)
		return 0;
	index = get64(data);
	tsize = get64(data + 8);
	left = size - 16;
	take(&leaf, &p, &left, 32);
	take(&root, &p, &left, 32);
	while (left > 0 && n < sizeof(proof) / sizeof(proof[0]))
		take(&proof[n++], &p, &left, 32);
	memset(&err, 0, sizeof(err));
	r = signp_merkle_verify_inclusion(index, tsize, &leaf, proof, n, &root, &err);
	if (r == SIGN_OK) {
		FUZZ_ASSERT(index < tsize && leaf.size == 32 && root.size == 32 && n <= SIGNP_MERKLE_MAX_PROOF);
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT(proof[i].size == 32);
		if ((index ^ 1) < tsize && n > 0 && memcmp(leaf.ptr, proof[0].ptr, 32) != 0) {
			memset(&err, 0, sizeof(err));
			FUZZ_ASSERT(signp_merkle_verify_inclusion(index ^ 1, tsize, &leaf, proof, n, &root, &err) !=
				    SIGN_OK);
		}
	} else {
		FUZZ_ASSERT(r == SIGN_EVERIFY && err.message[0] != '\0');
	}
	for (size_t i = 0; i < n; i++)
		sign_buf_dispose(&proof[i]);
	sign_buf_dispose(&leaf);
	sign_buf_dispose(&root);
	return 0;
}

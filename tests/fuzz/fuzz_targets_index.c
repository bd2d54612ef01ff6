/*
 * fuzz_targets_index.c - the verified targets index reader
 * (targets_index.c), whose file is hostile input.  The first input byte
 * picks how the rest is taken: as it is (under a fixed key, it almost
 * never passes the header's MAC), or with the header's MAC recomputed
 * over the header length it claims, so that the bounds behind the MAC
 * (file records, counts, offsets, the entries the binary search reads)
 * are explored as a writer's bug or a stolen key would feed them.  An
 * index that opens must answer each lookup with found, not found or an
 * error, and an answer found must be a well-formed digest.
 */
#include "fuzz.h"

#include "targets_index.h"

static const unsigned char key[SIGNP_TINDEX_KEY_BYTES] = "fuzz-fuzz-fuzz-fuzz-fuzz-fuzz-f";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0) /* sodium_malloc needs it, as the library's users do */
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "", "latest", "v1", "v2", "zzz", "targets", "a/b" };
	unsigned char *copy;
	signp_tindex *ix = NULL;
	sign_error err;
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1;
	/* an exact-size copy: reads past the end are caught */
	if ((copy = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(copy, data + 1, len);
	if ((data[0] & 1) && len >= 64) {
		size_t hl = (size_t)copy[20] | (size_t)copy[21] << 8 | (size_t)copy[22] << 16 |
			(size_t)copy[23] << 24;
		unsigned char hk[crypto_auth_KEYBYTES];
		/* the writer's header key: subkey 1 of the home's key */
		crypto_kdf_derive_from_key(hk, sizeof(hk), 1, "SIGNTIX1", key);
		if (hl >= 64 && hl <= len - crypto_auth_BYTES)
			crypto_auth(copy + hl, copy, hl, hk);
	}
	memset(&err, 0, sizeof(err));
	if (signp_tindex_open(&ix, copy, len, key, &err) != SIGN_OK) {
		FUZZ_ASSERT(ix == NULL && err.message[0] != '\0');
		free(copy);
		return 0;
	}
	for (size_t f = 0; f <= signp_tindex_nfiles(ix); f++) {
		const void *sk;
		size_t skl;
		if (f < signp_tindex_nfiles(ix)) {
			FUZZ_ASSERT(signp_tindex_role(ix, f) != NULL && signp_tindex_meta(ix, f) != NULL);
			signp_tindex_skeleton(ix, f, &sk, &skl);
			FUZZ_ASSERT(skl == 0 || ((const unsigned char *)sk >= copy &&
				(const unsigned char *)sk + skl <= copy + len));
		}
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char digest[80];
			uint64_t sz;
			int r = signp_tindex_lookup(ix, f, names[i], digest, &sz, NULL);
			FUZZ_ASSERT(r == 0 || r == 1 || r == SIGN_EVERIFY);
			if (r == 1)
				FUZZ_ASSERT(strlen(digest) == 71 && memcmp(digest, "sha256:", 7) == 0);
		}
	}
	signp_tindex_free(ix);
	free(copy);
	return 0;
}

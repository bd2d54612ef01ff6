/*
 * tuf.h - Notary v1's TUF dialect: canonical JSON, file bytes, key IDs,
 * signatures, file metadata (hashes) and root validation.  Internal.
 * Reference: shared/reference/notary-tuf.md.
 */
#ifndef SIGN_TUF_H
#define SIGN_TUF_H

#include "common.h"
#include <jansson.h>
#include <openssl/evp.h>

/* Default lifetimes in seconds (notary's NotaryDefaultExpiries). */
#define SIGN_LIFE_ROOT      (3650LL * 86400)
#define SIGN_LIFE_TARGETS   (1095LL * 86400)
#define SIGN_LIFE_SNAPSHOT  (1095LL * 86400)
#define SIGN_LIFE_TIMESTAMP (14LL * 86400)

/* Canonical JSON as notary signs it (§1.1). Floats must be integral. */
int signp_cjson_canonical(sign_buf *out, const json_t *v, sign_error *err);
/* File bytes as notary writes them (§1.3). */
int signp_cjson_wire(sign_buf *out, const json_t *signed_obj, const json_t *signatures,
	sign_error *err);

/* One target a lookup accepts: hashes.sha256 is 32 bytes of base64. */
typedef struct signp_tuf_target {
	uint64_t size;                 /* "length" when a positive integer, else 0 */
	uint32_t name_off, name_len;   /* in the scan's names (a file is < 4 GiB) */
	unsigned char sha256[32];
} signp_tuf_target;

/* A targets file's targets as tuf_scan.c reads them (tuf_scan.h). */
typedef struct signp_tuf_scan {
	signp_tuf_target *targets;     /* in the file's order */
	size_t ntargets;
	char *names;                   /* the names, decoded, one after another */
	size_t names_len;
	size_t signed_off, signed_len; /* the "signed" value's bytes */
	size_t targets_off, targets_len; /* the "targets" member's value */
} signp_tuf_scan;

void signp_tuf_scan_free(signp_tuf_scan *s);

typedef struct signp_tuf_file {
	json_t *doc;            /* owned: whole document (lean: its skeleton) */
	json_t *signed_obj;     /* borrowed from doc */
	json_t *signatures;     /* borrowed from doc (array) */
	char role[128];         /* role name it was loaded as */
	char type[16];          /* "Root", "Targets", "Snapshot", "Timestamp" */
	int64_t version;
	int64_t expires;        /* unix seconds */
	unsigned char *bytes;   /* owned copy of the exact file bytes */
	size_t len;
	/* A lean targets file (tuf_scan.h): its targets, not in doc, and
	 * where the bytes of "signed" its signatures are checked over lie;
	 * NULL for a file parsed as a whole. */
	signp_tuf_scan *scan;
} signp_tuf_file;

/* Parse and check structure: JSON object with "signed" object and
 * "signatures" array; _type fits the role ("targets/x" -> Targets);
 * version >= 1; expires parses; role-specific required fields.
 * Malformed data gives SIGN_EVERIFY with a message naming the role. */
int signp_tuf_parse(signp_tuf_file **out, const char *role, const void *bytes, size_t len,
	sign_error *err);
void signp_tuf_file_free(signp_tuf_file *f);
/* A second handle on an already parsed file, without parsing it again: its
 * own copy of the bytes (and of a lean file's scan), the same
 * (reference-counted) JSON document.  The
 * document is never changed after signp_tuf_parse (writers deep-copy
 * signed_obj), so sharing it is safe.  NULL when out of memory. */
signp_tuf_file *signp_tuf_file_dup(const signp_tuf_file *src);

/* Key ID of {"keytype":T,"keyval":{"private":null,"public":P}} (§2). */
int signp_tuf_keyid(char out[65], const char *keytype, const char *public_b64, sign_error *err);
/* Public key of a TUF key object: ecdsa, ecdsa-x509, rsa, rsa-x509, ed25519. */
int signp_tuf_key_pkey(EVP_PKEY **out, const json_t *keyobj, sign_error *err);
/* Build a TUF key object for pkey ("ecdsa", its SPKI in the canonical
 * encoding of signp_key_spki_der), or for a certificate ("ecdsa-x509",
 * public = base64 of the PEM text) when cert_pem != NULL. */
int signp_tuf_key_new(json_t **out, char id_out[65], EVP_PKEY *pkey, const char *cert_pem,
	sign_error *err);
/* The canonical ID (signp_key_canonical_id) of the public key a TUF key
 * object holds, bare or in a certificate: the same for every key ID under
 * which one public key is listed.  What thresholds count. */
int signp_tuf_key_canonical_id(char out[65], const json_t *keyobj, sign_error *err);
/* The public key keys[id], only if id is the key ID recomputed from that
 * key object's bytes (a key ID written in metadata is a claim); NULL
 * otherwise.  The caller frees it. */
EVP_PKEY *signp_tuf_listed_key(const json_t *keys, const char *id);
/* Number of distinct public keys among keyids (looked up in keys; a key
 * that does not parse counts as itself), or -1 when out of memory.  When
 * two of the IDs hold one key, same_a and same_b (both may be NULL) get the
 * first such pair, else "". */
int signp_tuf_distinct_keys(const json_t *keys, const json_t *keyids, char same_a[65],
	char same_b[65]);

/* Signature primitives (§3).  create: ecdsa -> raw r||s, "ecdsa";
 * ed25519 -> "eddsa"; rsa -> "rsapss".  check: SIGN_OK or SIGN_EVERIFY. */
int signp_tuf_sig_create(sign_buf *b64_out, char method[16], EVP_PKEY *priv, const void *msg,
	size_t len, sign_error *err);
int signp_tuf_sig_check(EVP_PKEY *pub, const char *method, const void *msg, size_t len,
	const void *sig, size_t siglen);

/* Threshold check of f's signatures over canonical(signed) with the keys
 * listed in keyids (looked up in keys, whose map IDs must recompute).  The
 * threshold counts distinct public keys: signatures by one key under
 * several key IDs count once.
 * SIGN_EVERIFY: "valid signatures did not meet threshold for <role>". */
int signp_tuf_verify(const signp_tuf_file *f, const json_t *keys, const json_t *keyids,
	int64_t threshold, sign_error *err);
/* Number of distinct public keys in keyids with a valid signature of f. */
int signp_tuf_count_valid(const signp_tuf_file *f, const json_t *keys, const json_t *keyids);

typedef struct signp_tuf_signer {
	const char *keyid;  /* TUF key ID to put in the signature */
	EVP_PKEY *pkey;     /* private key */
} signp_tuf_signer;
/* Sign canonical(signed_obj) with each signer and write the file bytes. */
int signp_tuf_sign(sign_buf *wire_out, const json_t *signed_obj, const signp_tuf_signer *signers,
	size_t n, sign_error *err);

/* {"hashes":{"sha256":..[,"sha512":..]},"length":n} (new reference). */
json_t *signp_tuf_filemeta(const void *bytes, size_t len, int with_sha512);
/* Check every present sha256/sha512 (at least one needed).
 * SIGN_EVERIFY: "<alg> checksum for <role> did not match". */
int signp_tuf_check_filemeta(const json_t *meta, const void *bytes, size_t len, const char *role,
	sign_error *err);

/* Root structure: four base roles, keyids present in keys, thresholds >= 1,
 * every root-role key an x509 cert with CN == gun (or prefix* wildcard),
 * no SHA-1, not expired at `now` when check_expiry. SIGN_EVERIFY on failure. */
/* The span of time in which every root-role certificate of root is valid:
 * the latest notBefore and the earliest notAfter.  SIGN_EVERIFY if none
 * parses.  A root that passed signp_tuf_root_check keeps passing it while
 * its bytes are unchanged and now lies in that span (trust.c's memo). */
int signp_tuf_root_cert_window(const signp_tuf_file *root, int64_t *not_before,
	int64_t *not_after);
int signp_tuf_root_check(const signp_tuf_file *root, const char *gun, int64_t now,
	int check_expiry, sign_error *err);
/* One root-role key object: an x509 certificate (ecdsa-x509, rsa-x509) whose
 * CN fits gun, with a strong signature algorithm and key, valid at now when
 * check_expiry.  SIGN_OK, or SIGN_EVERIFY with the reason in why. */
int signp_tuf_root_cert_ok(const json_t *keyobj, const char *gun, int64_t now, int check_expiry,
	char *why, size_t why_size);
/* Rotation rule: next is signed by prev's root threshold of prev's root
 * keys AND by its own root threshold (both in distinct public keys).
 * SIGN_EVERIFY on failure. */
int signp_tuf_root_rotation_check(const signp_tuf_file *prev, const signp_tuf_file *next,
	sign_error *err);

#endif

/*
 * targets_index.h - the verified targets index: target name -> (digest,
 * size, role) of a GUN's targets and delegation files that passed every
 * check, so that a later verify of one tag reads neither their JSON nor
 * their bytes.  The file (man/sign-formats.5) is read with mmap and is
 * hostile input: every size, offset and count in it is bounded, its header
 * and each entry carry a MAC under the home's index key, and the caller
 * (trust.c) believes it only when its header names the very files the
 * current, verified snapshot lists and the verified root.  Internal.
 */
#ifndef SIGN_TARGETS_INDEX_H
#define SIGN_TARGETS_INDEX_H

#include "common.h"
#include "tuf.h"

#include <sodium.h>

/* files an index is built from at most: targets and its delegations */
#define SIGNP_TINDEX_MAX_FILES 65
#define SIGNP_TINDEX_KEY_BYTES crypto_auth_KEYBYTES

/* One file an index was built from: the role, the snapshot's meta entry
 * for it (canonical JSON: hashes and length) and the role's "signed"
 * object without its targets (its delegations, version, expiry). */
typedef struct signp_tindex_src {
	const signp_tuf_file *file;  /* verified, parsed */
	const char *meta;            /* the snapshot's meta entry, canonical */
} signp_tindex_src;

typedef struct signp_tindex signp_tindex;

/* Build the index of files[0..n) (files[0]: targets) into out (the whole
 * file), checked under the root whose sha256 is root_sha256; key: the
 * home's index key.  SIGN_EINVAL when the files cannot be indexed (too
 * many, a name over 64 KiB): the caller then keeps the full path. */
int signp_tindex_build(sign_buf *out, const unsigned char key[SIGNP_TINDEX_KEY_BYTES],
	const unsigned char root_sha256[32], const signp_tindex_src *files, size_t n,
	sign_error *err);
/* The same, written to sink a piece at a time (at most 64 KiB): the index
 * is never whole in memory.  The sink's failure is the result. */
typedef int (*signp_tindex_sink)(void *arg, const void *data, size_t len, sign_error *err);
int signp_tindex_write(signp_tindex_sink sink, void *arg, const unsigned char key[SIGNP_TINDEX_KEY_BYTES],
	const unsigned char root_sha256[32], const signp_tindex_src *files, size_t n,
	sign_error *err);

/* Read an index from data (len bytes, borrowed: it must outlive ix): the
 * header's bounds and MAC.  SIGN_EVERIFY saying why when anything does
 * not hold. */
int signp_tindex_open(signp_tindex **out, const void *data, size_t len,
	const unsigned char key[SIGNP_TINDEX_KEY_BYTES], sign_error *err);
/* The same over an index just built (signp_tindex_build), taking buf's
 * memory: buf is left empty, whatever the result. */
int signp_tindex_open_built(signp_tindex **out, sign_buf *buf,
	const unsigned char key[SIGNP_TINDEX_KEY_BYTES], sign_error *err);
/* The same over the file open on fd (for reading; it stays the caller's),
 * mapped: an index just written, before its rename. */
int signp_tindex_open_fd(signp_tindex **out, int fd, const unsigned char key[SIGNP_TINDEX_KEY_BYTES],
	sign_error *err);
/* The same over a file, mapped; SIGN_ENOTFOUND when there is none. */
int signp_tindex_open_file(signp_tindex **out, const char *path,
	const unsigned char key[SIGNP_TINDEX_KEY_BYTES], sign_error *err);
void signp_tindex_free(signp_tindex *ix);

/* The header's claims (authentic once open succeeded). */
const unsigned char *signp_tindex_root_sha256(const signp_tindex *ix);
size_t signp_tindex_nfiles(const signp_tindex *ix);
size_t signp_tindex_nentries(const signp_tindex *ix);
/* File i: its role, the snapshot meta entry it was checked against, and
 * its "skeleton": the file's document with an empty "targets" (to parse
 * with signp_tuf_parse; its bytes are not the file's). */
const char *signp_tindex_role(const signp_tindex *ix, size_t i);
const char *signp_tindex_meta(const signp_tindex *ix, size_t i);
void signp_tindex_skeleton(const signp_tindex *ix, size_t i, const void **bytes, size_t *len);

/* Look name up in file i: 1 found (digest "sha256:<hex>", size), 0 not
 * there, SIGN_EVERIFY (negative) when an entry it read fails its MAC or
 * its bounds: the index must then be dropped, not believed (and
 * signp_tindex_failed says so from then on). */
int signp_tindex_failed(const signp_tindex *ix);
int signp_tindex_lookup(signp_tindex *ix, size_t file, const char *name, char digest[80],
	uint64_t *size, sign_error *err);

/* The home's index key: read from path, or made (random, 0600, created
 * atomically: a key another process made first wins).  key: sodium_malloc
 * memory of SIGNP_TINDEX_KEY_BYTES. */
int signp_tindex_key(unsigned char *key, const char *path, sign_error *err);

#endif

/*
 * targets_index.c - the verified targets index (targets_index.h): its
 * writer, its reader over a mapped file, the binary search of one name,
 * and the home's index key.
 *
 * Layout (little-endian; man/sign-formats.5):
 *   header   "SIGNTIX1", u32 format, u32 nfiles, u32 nentries,
 *            u32 header_len, u64 strings_len, root sha256[32], then per
 *            file u32 role_len, u32 meta_len, u32 skel_len and those bytes
 *   mac      crypto_auth (HMAC-SHA-512-256) of the header_len bytes of
 *            the header, under subkey 1 of the home's key
 *   entries  nentries x 88 bytes, sorted by (name, file): u32 name_off,
 *            u32 name_len, u32 file, u32 zero, digest[32], u64 size,
 *            mac[32] = keyed BLAKE2b-256 under subkey 2 of (header mac,
 *            position, file, digest, size, name_len, name)
 * The subkeys come from the home's key by crypto_kdf (context "SIGNTIX1"):
 * one HMAC per entry made a first verify at 100,000 tags a fifth slower
 * than keyed BLAKE2b, one compression per entry.
 *   strings  strings_len bytes of names; the file ends there.
 * An entry's MAC binds it to this header and to its position: a lookup
 * checks the entry it returns, and an absent name is proved by the two
 * authentic neighbours that bracket it (the writer sorted them).
 */
#include "targets_index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define TIX_MAGIC "SIGNTIX1"
#define TIX_FORMAT 1u
#define TIX_FIXED 64u                  /* the header before its file records */
#define TIX_ENTRY 88u
#define TIX_MAC crypto_auth_BYTES
#define TIX_MAX_HEADER (4u << 20)
#define TIX_MAX_META 4096u
#define TIX_MAX_NAME 65535u
#define TIX_KDF_CTX "SIGNTIX1"
#define TIX_SUBKEY 32u                 /* crypto_auth_KEYBYTES, a BLAKE2b key */
#define TIX_KEYS (2 * TIX_SUBKEY)     /* the header's, then the entries' */

_Static_assert(crypto_kdf_KEYBYTES == SIGNP_TINDEX_KEY_BYTES, "the home's key is a KDF key");
_Static_assert(crypto_auth_KEYBYTES == TIX_SUBKEY, "the header key is a crypto_auth key");

typedef struct tix_file {
	char role[128];
	char *meta;                   /* NUL-terminated copy */
	const unsigned char *skel;    /* in the data */
	size_t skel_len;
} tix_file;

struct signp_tindex {
	const unsigned char *data;
	size_t len;
	void *map;                    /* mmap of the file, or NULL */
	size_t map_len;
	sign_buf built;               /* or the index just built, owned */
	unsigned char *key;           /* sodium_malloc: the two subkeys (TIX_KEYS) */
	unsigned char root[32];
	unsigned char hmac[TIX_MAC];  /* the header's MAC */
	size_t nfiles, nentries;
	const unsigned char *entries, *strings;
	size_t strings_len;
	int failed;                   /* a lookup met a forged entry */
	tix_file files[SIGNP_TINDEX_MAX_FILES];
};

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The header's and the entries' keys (keys: TIX_KEYS bytes) from the
 * home's key. */
static void subkeys(unsigned char *keys, const unsigned char key[SIGNP_TINDEX_KEY_BYTES])
{
	crypto_kdf_derive_from_key(keys, TIX_SUBKEY, 1, TIX_KDF_CTX, key);
	crypto_kdf_derive_from_key(keys + TIX_SUBKEY, TIX_SUBKEY, 2, TIX_KDF_CTX, key);
}

/* The MAC of entry pos: over the header's MAC, the position and the
 * entry's fields; ekey: the entries' key. */
static void entry_mac(unsigned char out[TIX_MAC], const unsigned char *ekey,
	const unsigned char hmac[TIX_MAC], uint32_t pos, uint32_t file,
	const unsigned char digest[32], uint64_t size, const unsigned char *name, uint32_t name_len)
{
	crypto_generichash_blake2b_state st;
	unsigned char b[8];
	crypto_generichash_blake2b_init(&st, ekey, TIX_SUBKEY, TIX_MAC);
	crypto_generichash_blake2b_update(&st, hmac, TIX_MAC);
	put32(b, pos);
	put32(b + 4, file);
	crypto_generichash_blake2b_update(&st, b, 8);
	crypto_generichash_blake2b_update(&st, digest, 32);
	put64(b, size);
	crypto_generichash_blake2b_update(&st, b, 8);
	put32(b, name_len);
	crypto_generichash_blake2b_update(&st, b, 4);
	crypto_generichash_blake2b_update(&st, name, name_len);
	crypto_generichash_blake2b_final(&st, out, TIX_MAC);
	sodium_memzero(&st, sizeof(st));
}

/* ---- writer ---- */

/* An entry to write: 32 bytes, pointing at the name and the digest
 * where they are (a scan's table, a tree's key, or the digests decoded
 * from a tree). */
typedef struct build_entry {
	const char *name;
	uint32_t len;
	uint32_t file;
	const unsigned char *digest;
	uint64_t size;
} build_entry;

static int entry_cmp(const void *a, const void *b)
{
	const build_entry *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);
	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->file < y->file ? -1 : x->file > y->file;
}

/* The output, through a buffer of its own: the sink sees pieces of 64 KiB. */
typedef struct tix_out {
	signp_tindex_sink sink;
	void *arg;
	sign_error *err;
	int r;
	size_t n;
	unsigned char buf[65536];
} tix_out;

static void out_flush(tix_out *o)
{
	if (o->r == SIGN_OK && o->n > 0)
		o->r = o->sink(o->arg, o->buf, o->n, o->err);
	o->n = 0;
}

static void out_put(tix_out *o, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len > 0 && o->r == SIGN_OK) {
		size_t k = sizeof(o->buf) - o->n < len ? sizeof(o->buf) - o->n : len;
		memcpy(o->buf + o->n, p, k);
		o->n += k;
		p += k;
		len -= k;
		if (o->n == sizeof(o->buf))
			out_flush(o);
	}
}

/* The role's document with an empty "targets", compact. */
static int skeleton(sign_buf *out, const signp_tuf_file *f)
{
	json_t *s = json_copy(f->signed_obj), *doc = NULL;
	char *text = NULL;
	int r = SIGN_ENOMEM;
	if (s != NULL && json_object_set_new(s, "targets", json_object()) == 0 &&
	    (doc = json_pack("{s:O, s:[]}", "signed", s, "signatures")) != NULL &&
	    (text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)) != NULL)
		r = signp_buf_puts(out, text);
	free(text);
	json_decref(doc);
	json_decref(s);
	return r;
}

int signp_tindex_write(signp_tindex_sink sink, void *arg, const unsigned char key[SIGNP_TINDEX_KEY_BYTES],
	const unsigned char root_sha256[32], const signp_tindex_src *files, size_t n,
	sign_error *err)
{
	build_entry *ents = NULL;
	unsigned char (*digests)[32] = NULL;  /* decoded from trees */
	size_t nents = 0, cap = 0, ndig = 0, strings_len = 0, header_len;
	sign_buf hdr = SIGN_BUF_INIT, skel = SIGN_BUF_INIT, raw = SIGN_BUF_INIT;
	unsigned char fixed[TIX_FIXED], rec[12], hmac[TIX_MAC], e[TIX_ENTRY];
	unsigned char *keys = NULL;
	tix_out *o = NULL;
	int r = SIGN_OK;

	if (n == 0 || n > SIGNP_TINDEX_MAX_FILES)
		return signp_err(err, SIGN_EINVAL, "targets index: %zu files", n);
	/* room for every entry at once: a scan's count, a tree's size */
	for (size_t i = 0; i < n; i++) {
		const signp_tuf_scan *sc = files[i].file->scan;
		size_t k = sc ? sc->ntargets : json_object_size(json_object_get(files[i].file->signed_obj, "targets"));
		if (k > UINT32_MAX / 2 || cap > UINT32_MAX / 2 - k)
			return signp_err(err, SIGN_EINVAL, "targets index: too many targets");
		cap += k;
		if (sc == NULL)
			ndig += k;
	}
	if ((keys = sodium_malloc(TIX_KEYS)) == NULL || (o = malloc(sizeof(*o))) == NULL ||
	    (ents = malloc((cap ? cap : 1) * sizeof(*ents))) == NULL ||
	    (digests = malloc((ndig ? ndig : 1) * 32)) == NULL)
		goto nomem;
	subkeys(keys, key);
	ndig = 0;
	/* the entries, as target_entry (trust.c) reads them: from the tree,
	 * or from a lean file's scan (tuf_scan.h), which read them alike */
	for (size_t i = 0; i < n; i++) {
		const signp_tuf_scan *sc = files[i].file->scan;
		const char *name;
		json_t *v;
		for (size_t k = 0; sc != NULL && k < sc->ntargets; k++) {
			const signp_tuf_target *tg = &sc->targets[k];
			if (tg->name_len > TIX_MAX_NAME) {
				r = signp_err(err, SIGN_EINVAL, "targets index: a name of %zu bytes", (size_t)tg->name_len);
				goto out;
			}
			ents[nents].name = sc->names + tg->name_off;
			ents[nents].len = tg->name_len;
			ents[nents].file = (uint32_t)i;
			ents[nents].digest = tg->sha256;
			ents[nents].size = tg->size;
			nents++;
			strings_len += tg->name_len;
		}
		if (sc != NULL)
			continue;
		json_object_foreach(json_object_get(files[i].file->signed_obj, "targets"), name, v) {
			const char *h = json_string_value(json_object_get(json_object_get(v, "hashes"), "sha256"));
			const json_t *l = json_object_get(v, "length");
			size_t len = strlen(name);
			signp_buf_clear(&raw);
			if (h == NULL || signp_b64_decode(&raw, h, strlen(h)) != SIGN_OK || raw.size != 32)
				continue; /* not a target the lookups accept */
			if (len > TIX_MAX_NAME) {
				r = signp_err(err, SIGN_EINVAL, "targets index: a name of %zu bytes", len);
				goto out;
			}
			memcpy(digests[ndig], raw.ptr, 32);
			ents[nents].name = name;
			ents[nents].len = (uint32_t)len;
			ents[nents].file = (uint32_t)i;
			ents[nents].digest = digests[ndig++];
			ents[nents].size = json_is_integer(l) && json_integer_value(l) > 0 ?
				(uint64_t)json_integer_value(l) : 0;
			nents++;
			strings_len += len;
		}
	}
	if (strings_len > UINT32_MAX) {
		r = signp_err(err, SIGN_EINVAL, "targets index: too many targets");
		goto out;
	}
	if (nents > 1)
		qsort(ents, nents, sizeof(*ents), entry_cmp);
	/* a name twice in one file: a tree keeps one, the scan gives up on
	 * it; which one a lookup would see is not for the index to choose */
	for (size_t i = 1; i < nents; i++)
		if (entry_cmp(&ents[i - 1], &ents[i]) == 0) {
			r = signp_err(err, SIGN_EINVAL, "targets index: a target listed twice in %s",
				files[ents[i].file].file->role);
			goto out;
		}

	/* the header */
	memset(fixed, 0, sizeof(fixed));
	memcpy(fixed, TIX_MAGIC, 8);
	put32(fixed + 8, TIX_FORMAT);
	put32(fixed + 12, (uint32_t)n);
	put32(fixed + 16, (uint32_t)nents);
	put64(fixed + 24, strings_len);
	memcpy(fixed + 32, root_sha256, 32);
	if (signp_buf_put(&hdr, fixed, sizeof(fixed)) != SIGN_OK)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		const char *role = files[i].file->role, *meta = files[i].meta;
		signp_buf_clear(&skel);
		if (skeleton(&skel, files[i].file) != SIGN_OK)
			goto nomem;
		if (strlen(role) == 0 || strlen(role) >= 128 || strlen(meta) > TIX_MAX_META) {
			r = signp_err(err, SIGN_EINVAL, "targets index: %s cannot be indexed", role);
			goto out;
		}
		put32(rec, (uint32_t)strlen(role));
		put32(rec + 4, (uint32_t)strlen(meta));
		put32(rec + 8, (uint32_t)skel.size);
		if (signp_buf_put(&hdr, rec, sizeof(rec)) != SIGN_OK || signp_buf_puts(&hdr, role) != SIGN_OK ||
		    signp_buf_puts(&hdr, meta) != SIGN_OK || signp_buf_put(&hdr, skel.ptr, skel.size) != SIGN_OK)
			goto nomem;
	}
	header_len = hdr.size;
	if (header_len > TIX_MAX_HEADER) {
		r = signp_err(err, SIGN_EINVAL, "targets index: the delegations are too large to index");
		goto out;
	}
	put32((unsigned char *)hdr.ptr + 20, (uint32_t)header_len);
	crypto_auth(hmac, (const unsigned char *)hdr.ptr, header_len, keys);
	o->sink = sink;
	o->arg = arg;
	o->err = err;
	o->r = SIGN_OK;
	o->n = 0;
	out_put(o, hdr.ptr, header_len);
	out_put(o, hmac, TIX_MAC);
	{
		uint32_t off = 0;
		for (size_t i = 0; i < nents && o->r == SIGN_OK; i++) {
			memset(e, 0, sizeof(e));
			put32(e, off);
			put32(e + 4, ents[i].len);
			put32(e + 8, ents[i].file);
			memcpy(e + 16, ents[i].digest, 32);
			put64(e + 48, ents[i].size);
			entry_mac(e + 56, keys + TIX_SUBKEY, hmac, (uint32_t)i, ents[i].file, ents[i].digest, ents[i].size,
				(const unsigned char *)ents[i].name, ents[i].len);
			out_put(o, e, sizeof(e));
			off += ents[i].len;
		}
	}
	for (size_t i = 0; i < nents; i++)
		out_put(o, ents[i].name, ents[i].len);
	out_flush(o);
	r = o->r;
	goto out;
nomem:
	r = signp_err(err, SIGN_ENOMEM, "targets index: out of memory");
out:
	if (keys != NULL)
		sodium_free(keys);
	free(o);
	free(ents);
	free(digests);
	sign_buf_dispose(&hdr);
	sign_buf_dispose(&skel);
	sign_buf_dispose(&raw);
	return r;
}

static int buf_sink(void *arg, const void *data, size_t len, sign_error *err)
{
	if (signp_buf_put(arg, data, len) != SIGN_OK)
		return signp_err(err, SIGN_ENOMEM, "targets index: out of memory");
	return SIGN_OK;
}

int signp_tindex_build(sign_buf *out, const unsigned char key[SIGNP_TINDEX_KEY_BYTES],
	const unsigned char root_sha256[32], const signp_tindex_src *files, size_t n,
	sign_error *err)
{
	int r;
	signp_buf_clear(out);
	if ((r = signp_tindex_write(buf_sink, out, key, root_sha256, files, n, err)) != SIGN_OK)
		signp_buf_clear(out);
	return r;
}

/* ---- reader ---- */

void signp_tindex_free(signp_tindex *ix)
{
	if (ix == NULL)
		return;
	for (size_t i = 0; i < ix->nfiles; i++)
		free(ix->files[i].meta);
	if (ix->map != NULL)
		munmap(ix->map, ix->map_len);
	sign_buf_dispose(&ix->built);
	if (ix->key != NULL)
		sodium_free(ix->key);
	free(ix);
}

static int bad(sign_error *err, const char *why)
{
	return signp_err(err, SIGN_EVERIFY, "targets index: %s", why);
}

int signp_tindex_open(signp_tindex **out, const void *data, size_t len,
	const unsigned char key[SIGNP_TINDEX_KEY_BYTES], sign_error *err)
{
	const unsigned char *p = data;
	signp_tindex *ix;
	size_t header_len, nfiles, nentries, pos, ent_off;
	uint64_t strings_len;
	int r;

	*out = NULL;
	if (data == NULL || len < TIX_FIXED + TIX_MAC)
		return bad(err, "truncated");
	if (memcmp(p, TIX_MAGIC, 8) != 0)
		return bad(err, "not an index (bad magic)");
	if (get32(p + 8) != TIX_FORMAT)
		return bad(err, "unknown format version");
	nfiles = get32(p + 12);
	nentries = get32(p + 16);
	header_len = get32(p + 20);
	strings_len = get64(p + 24);
	if (nfiles == 0 || nfiles > SIGNP_TINDEX_MAX_FILES)
		return bad(err, "bad file count");
	if (header_len < TIX_FIXED || header_len > TIX_MAX_HEADER || header_len > len - TIX_MAC)
		return bad(err, "bad header length");
	if ((ix = calloc(1, sizeof(*ix))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "targets index: out of memory");
	if ((ix->key = sodium_malloc(TIX_KEYS)) == NULL) {
		free(ix);
		return signp_err(err, SIGN_ENOMEM, "targets index: out of memory");
	}
	subkeys(ix->key, key);
	/* the MAC first: nothing else of the header is believed before it */
	if (crypto_auth_verify(p + header_len, p, header_len, ix->key) != 0) {
		r = bad(err, "the header's MAC does not verify (tampered, or another home's key)");
		goto fail;
	}
	ent_off = header_len + TIX_MAC;
	if (nentries > (len - ent_off) / TIX_ENTRY || strings_len != len - ent_off - nentries * TIX_ENTRY) {
		r = bad(err, "its sizes do not add up to the file's (truncated?)");
		goto fail;
	}
	ix->data = p;
	ix->len = len;
	memcpy(ix->root, p + 32, 32);
	memcpy(ix->hmac, p + header_len, TIX_MAC);
	ix->nentries = nentries;
	ix->entries = p + ent_off;
	ix->strings = p + ent_off + nentries * TIX_ENTRY;
	ix->strings_len = (size_t)strings_len;
	pos = TIX_FIXED;
	for (size_t i = 0; i < nfiles; i++) {
		size_t rl, ml, sl;
		if (header_len - pos < 12) {
			r = bad(err, "truncated file records");
			goto fail;
		}
		rl = get32(p + pos);
		ml = get32(p + pos + 4);
		sl = get32(p + pos + 8);
		pos += 12;
		if (rl == 0 || rl >= sizeof(ix->files[i].role) || ml > TIX_MAX_META ||
		    rl + ml > header_len - pos || sl > header_len - pos - rl - ml) {
			r = bad(err, "bad file record");
			goto fail;
		}
		memcpy(ix->files[i].role, p + pos, rl);
		ix->files[i].role[rl] = '\0';
		if (strlen(ix->files[i].role) != rl || (ix->files[i].meta = malloc(ml + 1)) == NULL) {
			r = strlen(ix->files[i].role) != rl ? bad(err, "bad role name") :
				signp_err(err, SIGN_ENOMEM, "targets index: out of memory");
			goto fail;
		}
		ix->nfiles = i + 1;
		memcpy(ix->files[i].meta, p + pos + rl, ml);
		ix->files[i].meta[ml] = '\0';
		ix->files[i].skel = p + pos + rl + ml;
		ix->files[i].skel_len = sl;
		pos += rl + ml + sl;
	}
	if (pos != header_len) {
		r = bad(err, "bad header length");
		goto fail;
	}
	*out = ix;
	return SIGN_OK;
fail:
	signp_tindex_free(ix);
	return r;
}

int signp_tindex_open_built(signp_tindex **out, sign_buf *buf,
	const unsigned char key[SIGNP_TINDEX_KEY_BYTES], sign_error *err)
{
	int r = signp_tindex_open(out, buf->ptr, buf->size, key, err);
	if (r != SIGN_OK) {
		sign_buf_dispose(buf);
		return r;
	}
	(*out)->built = *buf;
	memset(buf, 0, sizeof(*buf));
	return SIGN_OK;
}

int signp_tindex_open_fd(signp_tindex **out, int fd, const unsigned char key[SIGNP_TINDEX_KEY_BYTES],
	sign_error *err)
{
	struct stat sb;
	void *map;
	int r;
	*out = NULL;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
	    (uint64_t)sb.st_size > (uint64_t)SIZE_MAX / 2)
		return bad(err, "not a regular, non-empty file");
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return signp_err_errno(err, SIGN_EVERIFY, "targets index: mapping it");
	/* a lookup reads a few dozen scattered entries: no read-ahead (nor
	 * mapping whole large folios around each one) */
	(void)posix_madvise(map, (size_t)sb.st_size, POSIX_MADV_RANDOM);
#ifdef MADV_NOHUGEPAGE
	(void)madvise(map, (size_t)sb.st_size, MADV_NOHUGEPAGE);
#endif
	if ((r = signp_tindex_open(out, map, (size_t)sb.st_size, key, err)) != SIGN_OK) {
		munmap(map, (size_t)sb.st_size);
		return r;
	}
	(*out)->map = map;
	(*out)->map_len = (size_t)sb.st_size;
	return SIGN_OK;
}

int signp_tindex_open_file(signp_tindex **out, const char *path,
	const unsigned char key[SIGNP_TINDEX_KEY_BYTES], sign_error *err)
{
	int fd, r;
	*out = NULL;
	/* not a FIFO or a device (O_NONBLOCK, then fstat), not a link */
	if ((fd = signp_open_regular(path, 0, NULL, err)) < 0)
		return fd == SIGN_ENOTFOUND ? fd : bad(err, "not a regular file");
	r = signp_tindex_open_fd(out, fd, key, err);
	close(fd);
	return r;
}

const unsigned char *signp_tindex_root_sha256(const signp_tindex *ix)
{
	return ix->root;
}

size_t signp_tindex_nfiles(const signp_tindex *ix)
{
	return ix->nfiles;
}

size_t signp_tindex_nentries(const signp_tindex *ix)
{
	return ix->nentries;
}

const char *signp_tindex_role(const signp_tindex *ix, size_t i)
{
	return i < ix->nfiles ? ix->files[i].role : NULL;
}

const char *signp_tindex_meta(const signp_tindex *ix, size_t i)
{
	return i < ix->nfiles ? ix->files[i].meta : NULL;
}

void signp_tindex_skeleton(const signp_tindex *ix, size_t i, const void **bytes, size_t *len)
{
	*bytes = i < ix->nfiles ? ix->files[i].skel : NULL;
	*len = i < ix->nfiles ? ix->files[i].skel_len : 0;
}

/* Entry pos's name and file, bounded; 0 when out of bounds. */
static int entry_at(const signp_tindex *ix, size_t pos, const unsigned char **name, uint32_t *name_len,
	uint32_t *file)
{
	const unsigned char *e = ix->entries + pos * TIX_ENTRY;
	uint32_t off = get32(e), nl = get32(e + 4);
	if (off > ix->strings_len || nl > ix->strings_len - off || get32(e + 8) >= ix->nfiles ||
	    get32(e + 12) != 0)
		return 0;
	*name = ix->strings + off;
	*name_len = nl;
	*file = get32(e + 8);
	return 1;
}

/* entry (name, file) against the key (kname, kfile): <0, 0, >0 */
static int key_cmp(const unsigned char *name, size_t nl, uint32_t file, const char *kname, size_t kl,
	uint32_t kfile)
{
	int c = memcmp(name, kname, nl < kl ? nl : kl);
	if (c != 0)
		return c;
	if (nl != kl)
		return nl < kl ? -1 : 1;
	return file < kfile ? -1 : file > kfile;
}

static int entry_authentic(const signp_tindex *ix, size_t pos)
{
	const unsigned char *e = ix->entries + pos * TIX_ENTRY, *name;
	unsigned char mac[TIX_MAC];
	uint32_t nl, file;
	int ok;
	if (!entry_at(ix, pos, &name, &nl, &file))
		return 0;
	entry_mac(mac, ix->key + TIX_SUBKEY, ix->hmac, (uint32_t)pos, file, e + 16, get64(e + 48), name, nl);
	ok = sodium_memcmp(mac, e + 56, TIX_MAC) == 0;
	sodium_memzero(mac, sizeof(mac));
	return ok;
}

int signp_tindex_failed(const signp_tindex *ix)
{
	return ix->failed;
}

static int forged(signp_tindex *ix, sign_error *err, const char *why)
{
	ix->failed = 1;
	return bad(err, why);
}

int signp_tindex_lookup(signp_tindex *ix, size_t file, const char *name, char digest[80],
	uint64_t *size, sign_error *err)
{
	size_t lo = 0, hi = ix->nentries, kl = strlen(name);
	const unsigned char *n;
	uint32_t nl, f;
	if (ix->failed)
		return bad(err, "a forged entry was met before");
	if (file >= ix->nfiles)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (!entry_at(ix, mid, &n, &nl, &f))
			return forged(ix, err, "an entry is out of bounds");
		if (key_cmp(n, nl, f, name, kl, (uint32_t)file) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* the neighbours that decide the answer must be authentic, and
	 * bracket the key */
	if (lo > 0 && (!entry_authentic(ix, lo - 1) || !entry_at(ix, lo - 1, &n, &nl, &f) ||
		       key_cmp(n, nl, f, name, kl, (uint32_t)file) >= 0))
		return forged(ix, err, "an entry's MAC does not verify (tampered)");
	if (lo == ix->nentries)
		return 0;
	if (!entry_authentic(ix, lo) || !entry_at(ix, lo, &n, &nl, &f) ||
	    key_cmp(n, nl, f, name, kl, (uint32_t)file) < 0)
		return forged(ix, err, "an entry's MAC does not verify (tampered)");
	if (key_cmp(n, nl, f, name, kl, (uint32_t)file) != 0)
		return 0;
	{
		const unsigned char *e = ix->entries + lo * TIX_ENTRY;
		memcpy(digest, "sha256:", 7);
		signp_hex(digest + 7, e + 16, 32);
		*size = get64(e + 48);
	}
	return 1;
}

/* ---- the home's key ---- */

static int read_key(unsigned char *key, const char *path, int *exists)
{
	unsigned char extra;
	ssize_t n;
	size_t got = 0;
	int fd = signp_open_regular(path, 0, NULL, NULL);
	*exists = fd != SIGN_ENOTFOUND;
	if (fd < 0)
		return 0;
	while (got < SIGNP_TINDEX_KEY_BYTES &&
	       ((n = read(fd, key + got, SIGNP_TINDEX_KEY_BYTES - got)) > 0 || (n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	n = read(fd, &extra, 1);
	close(fd);
	return got == SIGNP_TINDEX_KEY_BYTES && n == 0;
}

int signp_tindex_key(unsigned char *key, const char *path, sign_error *err)
{
	sign_buf fresh = SIGN_BUF_INIT;
	unsigned char rnd[6];
	char rhex[13];
	int exists, r;
	if (read_key(key, path, &exists))
		return SIGN_OK;
	crypto_auth_keygen(key);
	randombytes_buf(rnd, sizeof(rnd));
	signp_hex(rhex, rnd, sizeof(rnd));
	if (signp_buf_printf(&fresh, "%s.new-%s", path, rhex) != SIGN_OK)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	if ((r = signp_write_file_atomic(fresh.ptr, key, SIGNP_TINDEX_KEY_BYTES, 0600, err)) != SIGN_OK)
		goto out;
	if (exists) {
		/* a key file that is not one (the wrong size): replaced */
		if (rename(fresh.ptr, path) != 0)
			r = signp_err_errno(err, SIGN_EIO, "writing %s", path);
	} else if (link(fresh.ptr, path) != 0) {
		/* another process made one first: that one holds */
		if (errno != EEXIST || !read_key(key, path, &exists))
			r = signp_err_errno(err, SIGN_EIO, "writing %s", path);
	}
	unlink(fresh.ptr);
out:
	sign_buf_dispose(&fresh);
	if (r != SIGN_OK)
		sodium_memzero(key, SIGNP_TINDEX_KEY_BYTES);
	return r;
}

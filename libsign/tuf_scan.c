/*
 * tuf_scan.c - a targets file in one pass of yajl's event parser
 * (tuf_scan.h): its targets as a table, its skeleton as a tree.
 *
 * The scanner follows where each value is with a stack of what its
 * containers are, and reads only the members target_entry (trust.c)
 * reads: signed.targets.NAME.hashes.sha256 and .length.  Where it reads,
 * a duplicate member would let the scan and a tree (jansson keeps the
 * last) disagree on what the file says: it gives up, and the file is
 * parsed as a whole.  Two targets of one name are kept both: the index's
 * writer (targets_index.c), which sorts them, refuses them, and the file
 * is then parsed whole (trust.c), before any lookup reads the scan.
 */
#include "tuf_scan.h"

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

/* What a container is. */
enum {
	IN_OTHER,   /* nothing is read in it */
	IN_TOP,     /* the document */
	IN_SIGNED,  /* .signed */
	IN_TARGETS, /* .signed.targets */
	IN_TARGET,  /* .signed.targets.NAME */
	IN_HASHES,  /* .signed.targets.NAME.hashes */
};

/* What the next value is, from its member's name. */
enum {
	NEXT_OTHER, NEXT_SIGNED, NEXT_TARGETS, NEXT_TARGET, NEXT_HASHES, NEXT_LENGTH, NEXT_SHA256
};

/* Deep enough for any metadata; deeper gives up (then jansson says). */
#define SCAN_DEPTH 64
/* Members of the document and of "signed" whose names are kept to find
 * duplicates: notary's have six at most. */
#define SCAN_MEMBERS 16

typedef struct scan_state {
	yajl_handle h;
	signp_tuf_scan *s;
	size_t cap;                   /* of s->targets */
	size_t names_cap;
	int stack[SCAN_DEPTH];
	size_t depth;
	int next;
	int failed;                   /* gave up, or out of memory */
	int nomem;
	int seen_signed, seen_targets;
	/* the target being read */
	int t_hashes, t_length, t_sha256, t_good;
	signp_tuf_target cur;
	sign_buf raw;                 /* a sha256 decoded */
	/* member names seen in the document and in "signed" */
	char members[2][SCAN_MEMBERS][16];
	size_t nmembers[2];
} scan_state;

/* Is the member name key (len bytes, not NUL-terminated) lit? */
static int key_is(const unsigned char *key, size_t len, const char *lit)
{
	return len == strlen(lit) && memcmp(key, lit, len) == 0;
}

static int give_up(scan_state *st)
{
	st->failed = 1;
	return 0; /* yajl: cancel */
}

static size_t here(const scan_state *st)
{
	return yajl_get_bytes_consumed(st->h);
}

/* A duplicate member of the document or of "signed"?  Names longer than
 * the slots are not those read, and compared by their first bytes only
 * would be no proof: they give up as well, as more members than slots. */
static int member_dup(scan_state *st, int level, const unsigned char *key, size_t len)
{
	size_t n = st->nmembers[level];
	if (len >= sizeof(st->members[0][0]) || n == SCAN_MEMBERS)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (strlen(st->members[level][i]) == len && memcmp(st->members[level][i], key, len) == 0)
			return 1;
	memcpy(st->members[level][n], key, len);
	st->members[level][n][len] = '\0';
	st->nmembers[level] = n + 1;
	return 0;
}

static int add_name(scan_state *st, const unsigned char *name, size_t len)
{
	signp_tuf_scan *s = st->s;
	if (memchr(name, '\0', len) != NULL || len > UINT32_MAX - s->names_len)
		return 0; /* jansson refuses it: let it say so */
	if (s->names_len + len > st->names_cap) {
		size_t cap = st->names_cap ? st->names_cap : 4096;
		char *p;
		while (cap < s->names_len + len)
			cap *= 2;
		if ((p = realloc(s->names, cap)) == NULL) {
			st->nomem = 1;
			return 0;
		}
		s->names = p;
		st->names_cap = cap;
	}
	if (len > 0)
		memcpy(s->names + s->names_len, name, len);
	st->cur.name_off = (uint32_t)s->names_len;
	st->cur.name_len = (uint32_t)len;
	s->names_len += len;
	return 1;
}

static int add_target(scan_state *st)
{
	signp_tuf_scan *s = st->s;
	if (s->ntargets == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 1024;
		signp_tuf_target *p = realloc(s->targets, cap * sizeof(*p));
		if (p == NULL) {
			st->nomem = 1;
			return 0;
		}
		s->targets = p;
		st->cap = cap;
	}
	s->targets[s->ntargets++] = st->cur;
	return 1;
}

/* A value that is not a container: where it is says what it is for. */
static int scalar(scan_state *st)
{
	int next = st->next;
	st->next = NEXT_OTHER;
	/* signed, targets, a target and hashes are objects: anything else is
	 * for jansson to refuse (signed, targets) or for lookups to skip */
	if (next == NEXT_SIGNED || next == NEXT_TARGETS)
		return give_up(st);
	return 1;
}

static int on_null(void *ctx)
{
	return scalar(ctx);
}

static int on_boolean(void *ctx, int b)
{
	(void)b;
	return scalar(ctx);
}

static int on_integer(void *ctx, long long v)
{
	scan_state *st = ctx;
	if (st->next == NEXT_LENGTH && v > 0)
		st->cur.size = (uint64_t)v;
	return scalar(st);
}

static int on_double(void *ctx, double d)
{
	(void)d;
	return scalar(ctx); /* a length that is not an integer counts as none */
}

static int on_string(void *ctx, const unsigned char *v, size_t len)
{
	scan_state *st = ctx;
	if (st->next == NEXT_SHA256) {
		/* as target_entry reads it (signp_b64_decode); a string this
		 * long is not 32 bytes of base64, and is not decoded */
		signp_buf_clear(&st->raw);
		st->t_good = len <= 48 && signp_b64_decode(&st->raw, (const char *)v, len) == SIGN_OK &&
			     st->raw.size == 32;
		if (st->t_good)
			memcpy(st->cur.sha256, st->raw.ptr, 32);
	}
	return scalar(st);
}

static int push(scan_state *st, int what)
{
	if (st->depth == SCAN_DEPTH)
		return give_up(st);
	st->stack[st->depth++] = what;
	st->next = NEXT_OTHER;
	return 1;
}

static int on_start_map(void *ctx)
{
	scan_state *st = ctx;
	switch (st->next) {
	case NEXT_SIGNED:
		st->s->signed_off = here(st) - 1;
		return push(st, IN_SIGNED);
	case NEXT_TARGETS:
		st->s->targets_off = here(st) - 1;
		return push(st, IN_TARGETS);
	case NEXT_TARGET:
		st->t_hashes = st->t_length = st->t_sha256 = st->t_good = 0;
		st->cur.size = 0;
		return push(st, IN_TARGET);
	case NEXT_HASHES:
		return push(st, IN_HASHES);
	default:
		return push(st, st->depth == 0 ? IN_TOP : IN_OTHER);
	}
}

static int on_map_key(void *ctx, const unsigned char *key, size_t len)
{
	scan_state *st = ctx;
	int in = st->stack[st->depth - 1];
	st->next = NEXT_OTHER;
	switch (in) {
	case IN_TOP:
		if (member_dup(st, 0, key, len))
			return give_up(st);
		if (key_is(key, len, "signed"))
			st->next = NEXT_SIGNED;
		break;
	case IN_SIGNED:
		if (member_dup(st, 1, key, len))
			return give_up(st);
		if (key_is(key, len, "targets"))
			st->next = NEXT_TARGETS;
		break;
	case IN_TARGETS:
		if (!add_name(st, key, len))
			return give_up(st);
		st->next = NEXT_TARGET;
		break;
	case IN_TARGET:
		if (key_is(key, len, "hashes")) {
			if (st->t_hashes++)
				return give_up(st);
			st->next = NEXT_HASHES;
		} else if (key_is(key, len, "length")) {
			if (st->t_length++)
				return give_up(st);
			st->next = NEXT_LENGTH;
		}
		break;
	case IN_HASHES:
		if (key_is(key, len, "sha256")) {
			if (st->t_sha256++)
				return give_up(st);
			st->next = NEXT_SHA256;
		}
		break;
	default:
		break;
	}
	return 1;
}

static int on_end_map(void *ctx)
{
	scan_state *st = ctx;
	int in = st->stack[--st->depth];
	st->next = NEXT_OTHER;
	switch (in) {
	case IN_SIGNED:
		st->seen_signed = 1;
		st->s->signed_len = here(st) - st->s->signed_off;
		break;
	case IN_TARGETS:
		st->seen_targets = 1;
		st->s->targets_len = here(st) - st->s->targets_off;
		break;
	case IN_TARGET:
		if (st->t_good && !add_target(st))
			return give_up(st);
		break;
	default:
		break;
	}
	return 1;
}

static int on_start_array(void *ctx)
{
	scan_state *st = ctx;
	if (st->next == NEXT_SIGNED || st->next == NEXT_TARGETS)
		return give_up(st);
	return push(st, IN_OTHER);
}

static int on_end_array(void *ctx)
{
	scan_state *st = ctx;
	st->depth--;
	st->next = NEXT_OTHER;
	return 1;
}

static const yajl_callbacks callbacks = {
	on_null, on_boolean, on_integer, on_double, NULL, on_string,
	on_start_map, on_map_key, on_end_map, on_start_array, on_end_array,
};

int signp_tuf_scan_targets(signp_tuf_scan **out, const void *bytes, size_t len, sign_error *err)
{
	scan_state st;
	yajl_status ys;
	int r = SIGN_EINVAL;

	*out = NULL;
	memset(&st, 0, sizeof(st));
	if ((st.s = calloc(1, sizeof(*st.s))) == NULL ||
	    (st.h = yajl_alloc(&callbacks, NULL, &st)) == NULL) {
		free(st.s);
		return signp_err(err, SIGN_ENOMEM, "targets: out of memory");
	}
	ys = yajl_parse(st.h, bytes, len);
	if (ys == yajl_status_ok)
		ys = yajl_complete_parse(st.h);
	if (st.nomem)
		r = signp_err(err, SIGN_ENOMEM, "targets: out of memory");
	else if (ys != yajl_status_ok || st.failed || !st.seen_signed || !st.seen_targets)
		r = signp_err(err, SIGN_EINVAL, "targets: not scanned (parsed whole)");
	else
		r = SIGN_OK;
	yajl_free(st.h);
	sign_buf_dispose(&st.raw);
	if (r == SIGN_OK && st.s->ntargets >= UINT32_MAX)
		r = signp_err(err, SIGN_EINVAL, "targets: not scanned (parsed whole)");
	if (r != SIGN_OK) {
		signp_tuf_scan_free(st.s);
		return r;
	}
	*out = st.s;
	return SIGN_OK;
}

int signp_tuf_parse_lean(signp_tuf_file **out, const char *role, sign_buf *data, sign_error *err)
{
	signp_tuf_scan *s = NULL;
	signp_tuf_file *f = NULL;
	sign_buf skel = SIGN_BUF_INIT;
	const char *bytes = data->ptr;
	size_t len = data->size;
	int r;

	*out = NULL;
	if (len > SIGN_MAX_METADATA || bytes == NULL)
		return signp_err(err, SIGN_EINVAL, "%s: not scanned (parsed whole)", role);
	if ((r = signp_tuf_scan_targets(&s, bytes, len, err)) != SIGN_OK)
		return r;
	/* the skeleton: the bytes with "targets" emptied */
	if (signp_buf_put(&skel, bytes, s->targets_off) != SIGN_OK || signp_buf_puts(&skel, "{}") != SIGN_OK ||
	    signp_buf_put(&skel, bytes + s->targets_off + s->targets_len,
		    len - s->targets_off - s->targets_len) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "%s: out of memory", role);
		goto out;
	}
	if ((r = signp_tuf_parse(&f, role, skel.ptr, skel.size, err)) != SIGN_OK)
		goto out;
	/* the file's bytes are the caller's buffer, taken over: a 9 MB file
	 * is not copied */
	free(f->bytes);
	f->bytes = (unsigned char *)data->ptr;
	f->len = len;
	memset(data, 0, sizeof(*data));
	f->scan = s;
	s = NULL;
	*out = f;
out:
	signp_tuf_scan_free(s);
	sign_buf_dispose(&skel);
	return r;
}

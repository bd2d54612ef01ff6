/*
 * review.c - a Kubernetes AdmissionReview (admission.k8s.io/v1): read the
 * request and the images of its object, write the answer (with a
 * JSONPatch pinning images to digests for a mutating webhook).
 */
#include "review.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <yajl/yajl_parse.h>

#define API_VERSION "admission.k8s.io/v1"
#define WHAT "admission review"
/* Bounds of the short request fields (Kubernetes' own are smaller: 253
 * for a name, 63 for a namespace). */
#define MAX_FIELD 256

typedef struct review_image {
	char *image;
	char *path;
} review_image;

struct signp_review {
	char *uid, *group, *kind, *sub, *ns, *name, *operation;
	int has_pod_spec;
	review_image *images;
	size_t n, cap;
};

int signp_json_pointer_append(sign_buf *ptr, const char *token)
{
	const char *p;
	if (signp_buf_putc(ptr, '/') != SIGN_OK)
		return SIGN_ENOMEM;
	for (p = token; *p != '\0'; p++) {
		const char *esc = *p == '~' ? "~0" : *p == '/' ? "~1" : NULL;
		if ((esc ? signp_buf_puts(ptr, esc) : signp_buf_putc(ptr, *p)) != SIGN_OK)
			return SIGN_ENOMEM;
	}
	return SIGN_OK;
}

/* ---- reading: one pass of yajl's event parser ----
 *
 * The body (up to 3 MiB, from the network) is read once, as a stream of
 * events, and no tree of it is built: the reader follows where each value
 * is and keeps only what it reads, the request's fields and the images of
 * the pod specs an object may hold.  The kind may come after the object in
 * the body, so the images of all three places a pod spec can be (.spec,
 * .spec.template.spec, .spec.jobTemplate.spec.template.spec) are gathered,
 * each with its first fault, and the kind picks one when the body ended.
 * The checks then run in a fixed order, so that a body with one fault is
 * refused for that fault, wherever it is.
 */

/* The containers of the reader's tree: what a value is, where it is. */
enum {
	AT_SKIP,      /* a value nothing is read from */
	AT_ROOT,      /* the AdmissionReview */
	AT_REQUEST,   /* .request */
	AT_KIND,      /* .request.kind */
	AT_NODE,      /* .request.object, or an object on the way to a pod spec */
	AT_LIST,      /* a container list of a pod spec */
	AT_CONTAINER, /* one of its elements */
};

/* The objects on the ways from .request.object to a pod spec. */
enum {
	N_OBJECT, N_SPEC, N_TEMPLATE, N_TEMPLATE_SPEC, N_JOB, N_JOB_SPEC, N_JOB_TEMPLATE,
	N_JOB_TEMPLATE_SPEC, N_COUNT
};

static const struct {
	int parent;      /* -1 for request.object */
	const char *key; /* its member name in its parent */
	int spec;        /* the pod spec it is (0 to 2), or -1 */
} nodes[N_COUNT] = {
	[N_OBJECT] = { -1, "object", -1 },
	[N_SPEC] = { N_OBJECT, "spec", 0 },
	[N_TEMPLATE] = { N_SPEC, "template", -1 },
	[N_TEMPLATE_SPEC] = { N_TEMPLATE, "spec", 1 },
	[N_JOB] = { N_SPEC, "jobTemplate", -1 },
	[N_JOB_SPEC] = { N_JOB, "spec", -1 },
	[N_JOB_TEMPLATE] = { N_JOB_SPEC, "template", -1 },
	[N_JOB_TEMPLATE_SPEC] = { N_JOB_TEMPLATE, "spec", 2 },
};
#define NSPECS 3
#define NLISTS 3

/* The kinds that hold a pod spec, and which. */
typedef struct pod_kind {
	const char *group, *kind;
	int node;
} pod_kind;

static const pod_kind pod_kinds[] = {
	{ "", "Pod", N_SPEC },
	{ "", "ReplicationController", N_TEMPLATE_SPEC },
	{ "apps", "Deployment", N_TEMPLATE_SPEC },
	{ "apps", "ReplicaSet", N_TEMPLATE_SPEC },
	{ "apps", "StatefulSet", N_TEMPLATE_SPEC },
	{ "apps", "DaemonSet", N_TEMPLATE_SPEC },
	{ "batch", "Job", N_TEMPLATE_SPEC },
	{ "batch", "CronJob", N_JOB_TEMPLATE_SPEC },
};

static const char *const container_lists[NLISTS] = { "containers", "initContainers",
	"ephemeralContainers" };

static const char *const operations[] = { "CREATE", "UPDATE", "DELETE", "CONNECT" };

/* What a member was: absent, null, of the wanted type, or another. */
enum { V_ABSENT, V_NULL, V_GOOD, V_OTHER };

/* The string members read, in the order they are checked. */
enum { F_API, F_REVIEW_KIND, F_UID, F_GROUP, F_KIND, F_SUB, F_NS, F_NAME, F_OP, F_COUNT };

/* Keys of the root, the request and the kind, by the frame they are in;
 * a key's number is its bit in the frame's seen mask.  A key read is a
 * string (field) or opens an object to read from (opens). */
static const struct {
	int at;
	const char *key;
	int field; /* F_*, or -1 */
	int opens; /* AT_REQUEST, AT_KIND, AT_NODE (request.object), or AT_SKIP */
} keys[] = {
	{ AT_ROOT, "apiVersion", F_API, AT_SKIP },
	{ AT_ROOT, "kind", F_REVIEW_KIND, AT_SKIP },
	{ AT_ROOT, "request", -1, AT_REQUEST },
	{ AT_REQUEST, "uid", F_UID, AT_SKIP },
	{ AT_REQUEST, "kind", -1, AT_KIND },
	{ AT_REQUEST, "subResource", F_SUB, AT_SKIP },
	{ AT_REQUEST, "namespace", F_NS, AT_SKIP },
	{ AT_REQUEST, "name", F_NAME, AT_SKIP },
	{ AT_REQUEST, "operation", F_OP, AT_SKIP },
	{ AT_REQUEST, "object", -1, AT_NODE },
	{ AT_KIND, "group", F_GROUP, AT_SKIP },
	{ AT_KIND, "kind", F_KIND, AT_SKIP },
};

/* A fault of a list's element: its index and what. */
enum { BAD_NONE, BAD_NOT_OBJECT, BAD_IMAGE_TYPE, BAD_IMAGE_LONG };

typedef struct rd_image {
	size_t index;
	char *image;
} rd_image;

typedef struct rd_list {
	int state;         /* V_GOOD: an array */
	rd_image *images;  /* in index order, up to the first fault */
	size_t n, cap;
	int bad;           /* BAD_*: the first fault */
	size_t bad_index;
} rd_list;

typedef struct rd_frame {
	unsigned char at;
	unsigned char node, spec, list; /* AT_NODE; AT_LIST and AT_CONTAINER */
	uint32_t seen;                  /* the read keys met in this object */
	size_t index;                   /* AT_CONTAINER: its index in the list;
	                                 * AT_LIST: its next element's */
} rd_frame;

/* as jansson's parser: deeper bodies are refused */
#define MAX_DEPTH 2048
/* the reader's own frames; below one it does not read from, only a count */
#define MAX_FRAMES 16

typedef struct reader {
	int root;                    /* V_GOOD: the body is an object */
	int request, kind;           /* V_* of .request and .request.kind */
	int node[N_COUNT];           /* V_* of each object on the ways */
	int fstate[F_COUNT];
	char *field[F_COUNT];        /* V_GOOD and no longer than MAX_FIELD */
	size_t flen[F_COUNT];
	rd_list lists[NSPECS][NLISTS];
	rd_frame frames[MAX_FRAMES];
	size_t nframes;
	size_t skip;                 /* containers open inside an AT_SKIP value */
	size_t depth;
	int key;                     /* the pending member: a key number, or -1 */
	int nomem;
	char fault[200];             /* what stopped the parser, when a callback did */
	yajl_handle h;
} reader;

static int add_image(signp_review *r, const char *image, size_t len, const char *path,
	sign_error *err)
{
	review_image *im;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		review_image *grown = realloc(r->images, cap * sizeof(*grown));
		if (grown == NULL)
			return signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
		r->images = grown;
		r->cap = cap;
	}
	im = &r->images[r->n];
	im->image = signp_strndup(image, len);
	im->path = signp_strdup(path);
	if (im->image == NULL || im->path == NULL) {
		free(im->image);
		free(im->path);
		return signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
	}
	r->n++;
	return SIGN_OK;
}

static void reader_free(reader *p)
{
	for (size_t i = 0; i < F_COUNT; i++)
		free(p->field[i]);
	for (size_t s = 0; s < NSPECS; s++)
		for (size_t l = 0; l < NLISTS; l++) {
			rd_list *li = &p->lists[s][l];
			for (size_t i = 0; i < li->n; i++)
				free(li->images[i].image);
			free(li->images);
		}
}

static int stop(reader *p, const char *fmt, ...) SIGN_ATTR_PRINTF(2, 3);
static int stop(reader *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->fault, sizeof(p->fault), fmt, ap);
	va_end(ap);
	return 0; /* yajl: cancel */
}

static size_t at_byte(const reader *p)
{
	return yajl_get_bytes_consumed(p->h);
}

/* The kind of value the parser met, for the member or element it fills. */
enum { T_NULL, T_SCALAR, T_STRING, T_MAP, T_ARRAY };

static int list_add(reader *p, rd_list *li, size_t index, const unsigned char *s, size_t len)
{
	if (li->n == li->cap) {
		size_t cap = li->cap ? li->cap * 2 : 4;
		rd_image *grown = realloc(li->images, cap * sizeof(*grown));
		if (grown == NULL)
			return p->nomem = 1, 0;
		li->images = grown;
		li->cap = cap;
	}
	if ((li->images[li->n].image = signp_strndup((const char *)s, len)) == NULL)
		return p->nomem = 1, 0;
	li->images[li->n++].index = index;
	return 1;
}

static void list_bad(rd_list *li, int bad, size_t index)
{
	if (li->bad == BAD_NONE) {
		li->bad = bad;
		li->bad_index = index;
	}
}

static int push(reader *p, rd_frame f)
{
	if (p->nframes == MAX_FRAMES) { /* not reached: the tree is shallower */
		p->skip = 1;
		return 1;
	}
	p->frames[p->nframes++] = f;
	return 1;
}

/* A value (or the start of one) where the pending key or the list puts it. */
static int value(reader *p, int type, const unsigned char *s, size_t len)
{
	rd_frame *top = p->nframes ? &p->frames[p->nframes - 1] : NULL;
	int key = p->key, v = type == T_NULL ? V_NULL : V_OTHER;
	rd_frame f;

	p->key = -1;
	if (type == T_MAP || type == T_ARRAY) {
		if (++p->depth > MAX_DEPTH)
			return stop(p, "nested deeper than %d levels (byte %zu)", MAX_DEPTH, at_byte(p));
	}
	if (p->skip > 0) {
		if (type == T_MAP || type == T_ARRAY)
			p->skip++;
		return 1;
	}
	memset(&f, 0, sizeof(f));
	if (top == NULL) {
		/* the body itself */
		if (type == T_MAP) {
			p->root = V_GOOD;
			f.at = AT_ROOT;
			return push(p, f);
		}
	} else if (top->at == AT_LIST) {
		rd_list *li = &p->lists[top->spec][top->list];
		size_t index = top->index++;
		if (type == T_MAP && li->bad == BAD_NONE && li->n <= SIGNP_REVIEW_MAX_IMAGES) {
			f.at = AT_CONTAINER;
			f.spec = top->spec;
			f.list = top->list;
			f.index = index;
			return push(p, f);
		}
		if (type != T_MAP)
			list_bad(li, BAD_NOT_OBJECT, index);
	} else if (key >= 0 && top->at == AT_CONTAINER) {
		rd_list *li = &p->lists[top->spec][top->list];
		if (type == T_STRING && len > SIGNP_REVIEW_MAX_IMAGE)
			list_bad(li, BAD_IMAGE_LONG, top->index);
		else if (type == T_STRING && len > 0 && li->bad == BAD_NONE)
			return list_add(p, li, top->index, s, len);
		else if (type != T_STRING && type != T_NULL)
			list_bad(li, BAD_IMAGE_TYPE, top->index);
	} else if (key >= 0 && top->at == AT_NODE) {
		/* a child on the ways, or a container list of this pod spec */
		if (key < N_COUNT) {
			p->node[key] = type == T_MAP ? V_GOOD : v;
			if (type == T_MAP) {
				f.at = AT_NODE;
				f.node = (unsigned char)key;
				return push(p, f);
			}
		} else {
			int spec = nodes[top->node].spec, list = key - N_COUNT;
			rd_list *li = &p->lists[spec][list];
			li->state = type == T_ARRAY ? V_GOOD : v;
			if (type == T_ARRAY) {
				f.at = AT_LIST;
				f.spec = (unsigned char)spec;
				f.list = (unsigned char)list;
				return push(p, f);
			}
		}
	} else if (key >= 0) {
		/* a member of the root, the request or the kind */
		int field = keys[key].field;
		if (field >= 0) {
			p->fstate[field] = type == T_STRING ? V_GOOD : v;
			p->flen[field] = len;
			if (type == T_STRING && len <= MAX_FIELD &&
			    (p->field[field] = signp_strndup((const char *)s, len)) == NULL)
				return p->nomem = 1, 0;
		} else {
			int opens = keys[key].opens;
			int *state = opens == AT_REQUEST ? &p->request :
				     opens == AT_KIND ? &p->kind : &p->node[N_OBJECT];
			*state = type == T_MAP ? V_GOOD : v;
			if (type == T_MAP) {
				f.at = (unsigned char)opens;
				f.node = N_OBJECT;
				return push(p, f);
			}
		}
	}
	/* a value nothing more is read from */
	if (type == T_MAP || type == T_ARRAY)
		p->skip = 1;
	return 1;
}

static int end_container(void *ctx)
{
	reader *p = ctx;
	p->depth--;
	if (p->skip > 0)
		p->skip--;
	else if (p->nframes > 0)
		p->nframes--;
	return 1;
}

/* The number of a key that is read in this frame, or -1. */
static int key_number(const rd_frame *top, const unsigned char *k, size_t len)
{
	size_t i;
#define KEY_IS(name) (strlen(name) == len && memcmp((name), k, len) == 0)
	switch (top->at) {
	case AT_ROOT:
	case AT_REQUEST:
	case AT_KIND:
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (keys[i].at == top->at && KEY_IS(keys[i].key))
				return (int)i;
		return -1;
	case AT_NODE:
		for (i = 0; i < N_COUNT; i++)
			if (nodes[i].parent == (int)top->node && KEY_IS(nodes[i].key))
				return (int)i;
		if (nodes[top->node].spec >= 0)
			for (i = 0; i < NLISTS; i++)
				if (KEY_IS(container_lists[i]))
					return N_COUNT + (int)i;
		return -1;
	case AT_CONTAINER:
		return KEY_IS("image") ? 0 : -1;
	default:
		return -1;
	}
#undef KEY_IS
}

static int cb_key(void *ctx, const unsigned char *k, size_t len)
{
	reader *p = ctx;
	rd_frame *top;
	char shown[80];
	if (memchr(k, '\0', len) != NULL)
		return stop(p, "a key holds \\u0000 (byte %zu)", at_byte(p));
	p->key = -1;
	if (p->skip > 0 || p->nframes == 0)
		return 1;
	top = &p->frames[p->nframes - 1];
	if ((p->key = key_number(top, k, len)) < 0)
		return 1;
	/* a key read here, given twice: which of its values would the API
	 * server's decoder have taken? */
	if (top->seen & (UINT32_C(1) << p->key)) {
		signp_clean_copy(shown, sizeof(shown), (const char *)k, len);
		return stop(p, "duplicate object key \"%s\" (byte %zu)", shown, at_byte(p));
	}
	top->seen |= UINT32_C(1) << p->key;
	return 1;
}

static int cb_null(void *ctx)
{
	return value(ctx, T_NULL, NULL, 0);
}

static int cb_boolean(void *ctx, int b)
{
	(void)b;
	return value(ctx, T_SCALAR, NULL, 0);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	(void)s;
	(void)len;
	return value(ctx, T_SCALAR, NULL, 0);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	reader *p = ctx;
	if (memchr(s, '\0', len) != NULL)
		return stop(p, "a string holds \\u0000 (byte %zu)", at_byte(p));
	return value(p, T_STRING, s, len);
}

static int cb_start_map(void *ctx)
{
	return value(ctx, T_MAP, NULL, 0);
}

static int cb_start_array(void *ctx)
{
	return value(ctx, T_ARRAY, NULL, 0);
}

static const yajl_callbacks callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_boolean,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_key,
	.yajl_end_map = end_container,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = end_container,
};

/* Read body into p: SIGN_OK, or SIGN_EFORMAT with err saying why the body
 * is not JSON (a key read twice and \u0000 included), or SIGN_ENOMEM. */
static int read_body(reader *p, const void *body, size_t len, sign_error *err)
{
	yajl_status st;
	int rc = SIGN_OK, at_end = 0;

	memset(p, 0, sizeof(*p));
	p->key = -1;
	/* yajl's defaults: UTF-8 checked, no comments, one value, nothing after it */
	if ((p->h = yajl_alloc(&callbacks, NULL, p)) == NULL)
		return signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
	st = yajl_parse(p->h, len ? body : (const void *)"", len);
	if (st == yajl_status_ok && (st = yajl_complete_parse(p->h)) != yajl_status_ok)
		at_end = 1;
	if (p->nomem) {
		rc = signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
	} else if (st == yajl_status_client_canceled) {
		rc = signp_err(err, SIGN_EFORMAT, WHAT ": not JSON: %s", p->fault);
	} else if (st != yajl_status_ok) {
		unsigned char *e = yajl_get_error(p->h, 0, NULL, 0);
		char why[160];
		/* (the end's check parses a space of its own) */
		size_t at = at_end ? len : yajl_get_bytes_consumed(p->h), n;
		const char *text = e ? (const char *)e : "syntax error";
		/* yajl says "parse error: ...\n": the first line, without its end */
		n = strcspn(text, "\n");
		while (n > 0 && (text[n - 1] == '.' || text[n - 1] == ' '))
			n--;
		signp_clean_copy(why, sizeof(why), text, n);
		rc = signp_err(err, SIGN_EFORMAT, WHAT ": not JSON: %s (byte %zu)", why, at);
		if (e)
			yajl_free_error(p->h, e);
	}
	yajl_free(p->h);
	p->h = NULL;
	return rc;
}

/* Check a member read as an object. */
static int check_object(int state, const char *field, sign_error *err)
{
	if (state == V_ABSENT || state == V_NULL)
		return signp_err(err, SIGN_EFORMAT, WHAT ": %s is missing", field);
	if (state != V_GOOD)
		return signp_err(err, SIGN_EFORMAT, WHAT ": %s is not an object", field);
	return SIGN_OK;
}

/* Check a string member and take it into *out: absent (or null) gives ""
 * unless it is required; empty is refused when nonempty. */
static int take_string(char **out, reader *p, int f, const char *field, int required,
	int nonempty, size_t max, sign_error *err)
{
	switch (p->fstate[f]) {
	case V_ABSENT:
	case V_NULL:
		if (required)
			return signp_err(err, SIGN_EFORMAT, WHAT ": %s is missing", field);
		if ((*out = signp_strdup("")) == NULL)
			return signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
		return SIGN_OK;
	case V_OTHER:
		return signp_err(err, SIGN_EFORMAT, WHAT ": %s is not a string", field);
	default:
		break;
	}
	if (p->flen[f] > max)
		return signp_err(err, SIGN_EFORMAT, WHAT ": %s is longer than %zu bytes", field, max);
	if (p->flen[f] == 0 && nonempty)
		return signp_err(err, SIGN_EFORMAT, WHAT ": %s is empty", field);
	*out = p->field[f];
	p->field[f] = NULL;
	return SIGN_OK;
}

/* The field name ("request.object.spec.template.spec") and JSON Pointer
 * from the object ("/spec/template/spec") of a node. */
static void node_names(int node, char *field, size_t fn, char *ptr, size_t pn)
{
	const char *chain[N_COUNT];
	size_t n = 0, fl, pl;
	for (int at = node; at != N_OBJECT; at = nodes[at].parent)
		chain[n++] = nodes[at].key;
	fl = (size_t)snprintf(field, fn, "request.object");
	ptr[0] = '\0';
	pl = 0;
	while (n-- > 0) {
		fl += (size_t)snprintf(field + fl, fl < fn ? fn - fl : 0, ".%s", chain[n]);
		pl += (size_t)snprintf(ptr + pl, pl < pn ? pn - pl : 0, "/%s", chain[n]);
	}
}

/* The images of the pod spec at node, in list order, into r. */
static int take_images(signp_review *r, reader *p, int node, sign_error *err)
{
	char field[160], ptr[96], name[200], path[160];
	int spec = nodes[node].spec;

	node_names(node, field, sizeof(field), ptr, sizeof(ptr));
	for (size_t l = 0; l < NLISTS; l++) {
		rd_list *li = &p->lists[spec][l];
		if (li->state == V_ABSENT || li->state == V_NULL)
			continue;
		if (li->state != V_GOOD)
			return signp_err(err, SIGN_EFORMAT, WHAT ": %s.%s is not an array", field,
				container_lists[l]);
		for (size_t i = 0; i < li->n; i++) {
			rd_image *im = &li->images[i];
			if (r->n >= SIGNP_REVIEW_MAX_IMAGES)
				return signp_err(err, SIGN_EFORMAT, WHAT ": %s has more than %u images",
					"request.object", (unsigned)SIGNP_REVIEW_MAX_IMAGES);
			snprintf(path, sizeof(path), "%s/%s/%zu/image", ptr, container_lists[l], im->index);
			if (add_image(r, im->image, strlen(im->image), path, err) != SIGN_OK)
				return SIGN_ENOMEM;
		}
		if (li->bad != BAD_NONE) {
			snprintf(name, sizeof(name), "%s.%s[%zu]", field, container_lists[l], li->bad_index);
			if (li->bad == BAD_NOT_OBJECT)
				return signp_err(err, SIGN_EFORMAT, WHAT ": %s is not an object", name);
			if (li->bad == BAD_IMAGE_TYPE)
				return signp_err(err, SIGN_EFORMAT, WHAT ": %s.image is not a string", name);
			return signp_err(err, SIGN_EFORMAT, WHAT ": %s.image is longer than %u bytes", name,
				(unsigned)SIGNP_REVIEW_MAX_IMAGE);
		}
		/* (a list holds at most SIGNP_REVIEW_MAX_IMAGES + 1 images: the
		 * reader stops gathering there, and the check above fires) */
	}
	return SIGN_OK;
}

/* The request, checked in its fields' order, into r. */
static int take_request(signp_review *r, reader *p, sign_error *err)
{
	size_t i;
	int rc, known_op = 0;

	if ((rc = take_string(&r->uid, p, F_UID, "request.uid", 1, 1, SIGNP_REVIEW_MAX_UID, err)) !=
		    SIGN_OK ||
	    (rc = check_object(p->kind, "request.kind", err)) != SIGN_OK ||
	    (rc = take_string(&r->group, p, F_GROUP, "request.kind.group", 0, 0, MAX_FIELD, err)) !=
		    SIGN_OK ||
	    (rc = take_string(&r->kind, p, F_KIND, "request.kind.kind", 1, 1, MAX_FIELD, err)) !=
		    SIGN_OK ||
	    (rc = take_string(&r->sub, p, F_SUB, "request.subResource", 0, 0, MAX_FIELD, err)) !=
		    SIGN_OK ||
	    (rc = take_string(&r->ns, p, F_NS, "request.namespace", 0, 0, MAX_FIELD, err)) !=
		    SIGN_OK ||
	    (rc = take_string(&r->name, p, F_NAME, "request.name", 0, 0, MAX_FIELD, err)) !=
		    SIGN_OK ||
	    (rc = take_string(&r->operation, p, F_OP, "request.operation", 1, 1, MAX_FIELD, err)) !=
		    SIGN_OK)
		return rc;
	for (i = 0; i < sizeof(operations) / sizeof(operations[0]); i++)
		known_op |= strcmp(r->operation, operations[i]) == 0;
	if (!known_op)
		return signp_err(err, SIGN_EFORMAT,
			WHAT ": request.operation is not CREATE, UPDATE, DELETE or CONNECT");
	if ((p->node[N_OBJECT] == V_ABSENT || p->node[N_OBJECT] == V_NULL) &&
	    (strcmp(r->operation, "DELETE") == 0 || strcmp(r->operation, "CONNECT") == 0))
		return SIGN_OK;
	if ((rc = check_object(p->node[N_OBJECT], "request.object", err)) != SIGN_OK)
		return rc;
	for (i = 0; i < sizeof(pod_kinds) / sizeof(pod_kinds[0]); i++) {
		int node = pod_kinds[i].node, way[N_COUNT], n = 0;
		char field[160], ptr[96];
		if (strcmp(r->group, pod_kinds[i].group) != 0 || strcmp(r->kind, pod_kinds[i].kind) != 0)
			continue;
		r->has_pod_spec = 1;
		for (int at = node; at != N_OBJECT; at = nodes[at].parent)
			way[n++] = at;
		while (n-- > 0) {
			node_names(way[n], field, sizeof(field), ptr, sizeof(ptr));
			if ((rc = check_object(p->node[way[n]], field, err)) != SIGN_OK)
				return rc;
		}
		return take_images(r, p, node, err);
	}
	return SIGN_OK;
}

int signp_review_parse(signp_review **out, const void *body, size_t len, sign_error *err)
{
	signp_review *r = NULL;
	reader p;
	int rc;

	*out = NULL;
	signp_err_clear(err);
	if (body == NULL && len > 0)
		return signp_err(err, SIGN_EINVAL, WHAT ": no body");
	if (len > SIGNP_REVIEW_MAX_BODY)
		return signp_err(err, SIGN_EFORMAT, WHAT ": body is larger than %u bytes",
			(unsigned)SIGNP_REVIEW_MAX_BODY);
	if ((rc = read_body(&p, body, len, err)) != SIGN_OK)
		goto out;
	if (p.root != V_GOOD) {
		rc = signp_err(err, SIGN_EFORMAT, WHAT ": the body is not a JSON object");
		goto out;
	}
	if (p.fstate[F_API] != V_GOOD || p.field[F_API] == NULL ||
	    strcmp(p.field[F_API], API_VERSION) != 0) {
		rc = signp_err(err, SIGN_EFORMAT, WHAT ": apiVersion is not " API_VERSION);
		goto out;
	}
	if (p.fstate[F_REVIEW_KIND] != V_GOOD || p.field[F_REVIEW_KIND] == NULL ||
	    strcmp(p.field[F_REVIEW_KIND], "AdmissionReview") != 0) {
		rc = signp_err(err, SIGN_EFORMAT, WHAT ": kind is not AdmissionReview");
		goto out;
	}
	if ((rc = check_object(p.request, "request", err)) != SIGN_OK)
		goto out;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		rc = signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
		goto out;
	}
	if ((rc = take_request(r, &p, err)) != SIGN_OK)
		goto out;
	*out = r;
	r = NULL; /* transferred */
	rc = SIGN_OK;
out:
	signp_review_free(r);
	reader_free(&p);
	return rc;
}

int signp_review_peek_uid(sign_buf *out, const void *body, size_t len)
{
	reader p;
	sign_error err;
	int rc = SIGN_ENOTFOUND;

	if ((body == NULL && len > 0) || len > SIGNP_REVIEW_MAX_BODY)
		return SIGN_ENOTFOUND;
	if (read_body(&p, body, len, &err) == SIGN_OK && p.request == V_GOOD &&
	    p.fstate[F_UID] == V_GOOD && p.flen[F_UID] > 0 && p.flen[F_UID] <= SIGNP_REVIEW_MAX_UID)
		rc = signp_buf_put(out, p.field[F_UID], p.flen[F_UID]) == SIGN_OK ? SIGN_OK : SIGN_ENOMEM;
	reader_free(&p);
	return rc;
}

void signp_review_free(signp_review *r)
{
	size_t i;
	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->images[i].image);
		free(r->images[i].path);
	}
	free(r->images);
	free(r->uid);
	free(r->group);
	free(r->kind);
	free(r->sub);
	free(r->ns);
	free(r->name);
	free(r->operation);
	free(r);
}

const char *signp_review_uid(const signp_review *r) { return r->uid; }
const char *signp_review_group(const signp_review *r) { return r->group; }
const char *signp_review_kind(const signp_review *r) { return r->kind; }
const char *signp_review_subresource(const signp_review *r) { return r->sub; }
const char *signp_review_namespace(const signp_review *r) { return r->ns; }
const char *signp_review_name(const signp_review *r) { return r->name; }
const char *signp_review_operation(const signp_review *r) { return r->operation; }
int signp_review_has_pod_spec(const signp_review *r) { return r->has_pod_spec; }
size_t signp_review_nimages(const signp_review *r) { return r->n; }

const char *signp_review_image(const signp_review *r, size_t i)
{
	return i < r->n ? r->images[i].image : NULL;
}

const char *signp_review_path(const signp_review *r, size_t i)
{
	return i < r->n ? r->images[i].path : NULL;
}

/* ---- answers ---- */

/* Dump j compactly onto out; takes j's reference. */
static int dump_into(sign_buf *out, json_t *j, sign_error *err)
{
	char *s;
	int rc = SIGN_OK;
	if (j == NULL)
		return signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL || signp_buf_puts(out, s) != SIGN_OK)
		rc = signp_err(err, SIGN_ENOMEM, WHAT ": out of memory");
	free(s);
	return rc;
}

int signp_review_response(sign_buf *out, const char *uid, int allowed, const char *message,
	const char *patch_json, sign_error *err)
{
	json_t *resp = NULL, *root = NULL;
	sign_buf b64 = SIGN_BUF_INIT;
	int rc = SIGN_ENOMEM;

	signp_err_clear(err);
	if (uid == NULL || uid[0] == '\0')
		return signp_err(err, SIGN_EINVAL, WHAT " answer: no uid");
	if (patch_json != NULL && !allowed)
		return signp_err(err, SIGN_EINVAL, WHAT " answer: a patch on a denial");
	resp = json_pack("{s:s, s:b}", "uid", uid, "allowed", allowed ? 1 : 0);
	if (resp == NULL) {
		/* json_pack fails on a string that is not UTF-8 as well */
		rc = signp_err(err, SIGN_EINVAL, WHAT " answer: the uid is not UTF-8");
		goto out;
	}
	if (!allowed) {
		json_t *status = json_pack("{s:i, s:s}", "code", 403, "message",
			message ? message : "");
		if (status == NULL) {
			rc = signp_err(err, SIGN_EINVAL, WHAT " answer: the message is not UTF-8");
			goto out;
		}
		if (json_object_set_new(resp, "status", status) != 0)
			goto nomem;
	} else if (patch_json != NULL) {
		if (signp_b64_encode(&b64, patch_json, strlen(patch_json)) != SIGN_OK ||
		    json_object_set_new(resp, "patchType", json_string("JSONPatch")) != 0 ||
		    json_object_set_new(resp, "patch", json_string(b64.ptr)) != 0)
			goto nomem;
	}
	root = json_pack("{s:s, s:s, s:O}", "apiVersion", API_VERSION, "kind", "AdmissionReview",
		"response", resp);
	rc = dump_into(out, root, err);
	goto out;
nomem:
	rc = signp_err(err, SIGN_ENOMEM, WHAT " answer: out of memory");
out:
	json_decref(resp);
	sign_buf_dispose(&b64);
	return rc;
}

/* Is s "<name>@sha256:<64 lowercase hex>"? */
static int pinned_valid(const char *s)
{
	const char *at = strrchr(s, '@');
	return at != NULL && at != s && signp_digest_valid(at + 1);
}

int signp_review_answer(sign_buf *out, const signp_review *r, int allowed, const char *message,
	const char *const *pinned, sign_error *err)
{
	json_t *ops = NULL, *op;
	char *patch = NULL;
	size_t i;
	int rc;

	signp_err_clear(err);
	if (allowed && pinned != NULL) {
		if ((ops = json_array()) == NULL)
			return signp_err(err, SIGN_ENOMEM, WHAT " answer: out of memory");
		for (i = 0; i < r->n; i++) {
			if (pinned[i] == NULL || strcmp(pinned[i], r->images[i].image) == 0)
				continue;
			if (!pinned_valid(pinned[i])) {
				rc = signp_err(err, SIGN_EINVAL,
					WHAT " answer: the pinned image %zu is not repo@sha256:<digest>", i);
				goto out;
			}
			op = json_pack("{s:s, s:s, s:s}", "op", "replace", "path", r->images[i].path,
				"value", pinned[i]);
			if (op == NULL) {
				rc = signp_err(err, SIGN_EINVAL,
					WHAT " answer: the pinned image %zu is not UTF-8", i);
				goto out;
			}
			if (json_array_append_new(ops, op) != 0) {
				rc = signp_err(err, SIGN_ENOMEM, WHAT " answer: out of memory");
				goto out;
			}
		}
		if (json_array_size(ops) > 0 && (patch = json_dumps(ops, JSON_COMPACT)) == NULL) {
			rc = signp_err(err, SIGN_ENOMEM, WHAT " answer: out of memory");
			goto out;
		}
	}
	rc = signp_review_response(out, r->uid, allowed, message, patch, err);
out:
	free(patch);
	json_decref(ops);
	return rc;
}

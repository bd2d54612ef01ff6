/*
 * oci.c - OCI image layout folders (image-spec image-layout.md).
 *
 * <dir>/oci-layout     {"imageLayoutVersion":"1.0.0"}
 * <dir>/index.json     OCI image index; tags are manifests[] entries with the
 *                      annotation org.opencontainers.image.ref.name
 * <dir>/blobs/sha256/<hex>
 *
 * index.json is re-read before every change and replaced atomically; its
 * unknown members are kept as they are.
 */
#include "oci.h"
#include "mediatype.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OCI_LAYOUT_FILE   "oci-layout"
#define OCI_INDEX_FILE    "index.json"
#define OCI_REF_NAME      "org.opencontainers.image.ref.name"
#define OCI_LAYOUT_BODY   "{\"imageLayoutVersion\":\"1.0.0\"}"
#define OCI_MAX_INDEX     (4u << 20)
#define OCI_MAX_LAYOUT    4096
#define OCI_MAX_TAG       255

struct signp_oci {
	char *dir;
	json_t *index; /* last index.json read or written */
};

static int oci_path(sign_buf *out, const signp_oci *o, const char *rel)
{
	signp_buf_clear(out);
	return signp_path_join(out, o->dir, rel) == SIGN_OK ? SIGN_OK : SIGN_ENOMEM;
}

static int blob_path(sign_buf *out, const signp_oci *o, const char *digest)
{
	signp_buf_clear(out);
	if (!signp_digest_valid(digest))
		return SIGN_EINVAL;
	if (signp_buf_printf(out, "%s%sblobs/sha256/%s", o->dir,
		    (o->dir[0] && o->dir[strlen(o->dir) - 1] == '/') ? "" : "/", digest + 7) !=
	    SIGN_OK)
		return SIGN_ENOMEM;
	return SIGN_OK;
}

/* A tag must be printable ASCII without spaces, 1..255 characters. */
static int tag_valid(const char *tag)
{
	size_t n;
	if (tag == NULL)
		return 0;
	for (n = 0; tag[n]; n++)
		if ((unsigned char)tag[n] <= 0x20 || (unsigned char)tag[n] >= 0x7f)
			return 0;
	return n > 0 && n <= OCI_MAX_TAG;
}

static const char *entry_tag(const json_t *entry)
{
	return json_string_value(json_object_get(json_object_get(entry, "annotations"),
		OCI_REF_NAME));
}

/* Read and check index.json. */
static int load_index(json_t **out, const signp_oci *o, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	json_t *root = NULL, *sv, *m;
	json_error_t jerr;
	int r;

	*out = NULL;
	if ((r = oci_path(&path, o, OCI_INDEX_FILE)) != SIGN_OK) {
		r = signp_err(err, r, "reading the OCI layout index: out of memory");
		goto out;
	}
	if ((r = signp_read_file(&data, path.ptr, OCI_MAX_INDEX, err)) != SIGN_OK)
		goto out;
	r = SIGN_EFORMAT;
	root = json_loadb(data.ptr, data.size, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		signp_err(err, SIGN_EFORMAT, "reading %s: invalid JSON: %s", path.ptr, jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		signp_err(err, SIGN_EFORMAT, "reading %s: not a JSON object", path.ptr);
		goto out;
	}
	sv = json_object_get(root, "schemaVersion");
	if (!json_is_integer(sv) || json_integer_value(sv) != 2) {
		signp_err(err, SIGN_EFORMAT, "reading %s: schemaVersion is not 2", path.ptr);
		goto out;
	}
	m = json_object_get(root, "manifests");
	if (m == NULL) {
		if (json_object_set_new(root, "manifests", json_array()) != 0) {
			r = signp_err(err, SIGN_ENOMEM, "reading %s: out of memory", path.ptr);
			goto out;
		}
	} else if (!json_is_array(m)) {
		signp_err(err, SIGN_EFORMAT, "reading %s: \"manifests\" is not an array", path.ptr);
		goto out;
	} else {
		size_t i;
		json_t *e;
		json_array_foreach(m, i, e) {
			json_t *ann = json_object_get(e, "annotations");
			if (!json_is_object(e) || (ann != NULL && !json_is_object(ann))) {
				signp_err(err, SIGN_EFORMAT, "reading %s: manifests[%zu] is malformed",
					path.ptr, i);
				goto out;
			}
		}
	}
	*out = root;
	root = NULL;
	r = SIGN_OK;
out:
	json_decref(root);
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	return r;
}

static int write_index(signp_oci *o, json_t *index, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	char *s = NULL;
	int r = SIGN_ENOMEM;
	if (oci_path(&path, o, OCI_INDEX_FILE) != SIGN_OK) {
		signp_err(err, SIGN_ENOMEM, "writing the OCI layout index: out of memory");
		goto out;
	}
	s = json_dumps(index, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s == NULL) {
		signp_err(err, SIGN_ENOMEM, "writing %s: out of memory", path.ptr);
		goto out;
	}
	if (strlen(s) > OCI_MAX_INDEX) {
		r = signp_err(err, SIGN_EFORMAT, "writing %s: index would exceed %u bytes", path.ptr,
			OCI_MAX_INDEX);
		goto out;
	}
	if ((r = signp_write_file_atomic(path.ptr, s, strlen(s), 0644, err)) != SIGN_OK)
		goto out;
	json_incref(index);
	json_decref(o->index);
	o->index = index;
	r = SIGN_OK;
out:
	free(s);
	sign_buf_dispose(&path);
	return r;
}

static int check_layout_file(const signp_oci *o, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	json_t *root = NULL;
	const char *v;
	int r;
	if ((r = oci_path(&path, o, OCI_LAYOUT_FILE)) != SIGN_OK) {
		r = signp_err(err, r, "opening OCI layout: out of memory");
		goto out;
	}
	if ((r = signp_read_file(&data, path.ptr, OCI_MAX_LAYOUT, err)) != SIGN_OK)
		goto out;
	root = json_loadb(data.ptr, data.size, 0, NULL);
	v = json_string_value(json_object_get(root, "imageLayoutVersion"));
	if (v == NULL || strncmp(v, "1.", 2) != 0) {
		r = signp_err(err, SIGN_EFORMAT,
			"reading %s: not an OCI layout marker (imageLayoutVersion 1.x)", path.ptr);
		goto out;
	}
	r = SIGN_OK;
out:
	json_decref(root);
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	return r;
}

int signp_oci_open(signp_oci **out, const char *dir, int create, sign_error *err)
{
	signp_oci *o = NULL;
	sign_buf path = SIGN_BUF_INIT;
	int r = SIGN_ENOMEM;

	if (out == NULL || dir == NULL || dir[0] == '\0')
		return signp_err(err, SIGN_EINVAL, "opening OCI layout: no folder given");
	*out = NULL;
	if ((o = calloc(1, sizeof(*o))) == NULL || (o->dir = signp_strdup(dir)) == NULL) {
		signp_err(err, SIGN_ENOMEM, "opening OCI layout %s: out of memory", dir);
		goto out;
	}
	if (create) {
		if ((r = oci_path(&path, o, "blobs/sha256")) != SIGN_OK) {
			signp_err(err, r, "opening OCI layout %s: out of memory", dir);
			goto out;
		}
		if ((r = signp_mkdirs(path.ptr, 0755, err)) != SIGN_OK)
			goto out;
		if ((r = oci_path(&path, o, OCI_LAYOUT_FILE)) != SIGN_OK)
			goto out;
		if (access(path.ptr, F_OK) != 0 &&
		    (r = signp_write_file_atomic(path.ptr, OCI_LAYOUT_BODY, strlen(OCI_LAYOUT_BODY),
			     0644, err)) != SIGN_OK)
			goto out;
	}
	if ((r = check_layout_file(o, err)) != SIGN_OK) {
		if (r == SIGN_ENOTFOUND)
			signp_err_prefix(err, r, "%s is not an OCI image layout", dir);
		goto out;
	}
	r = load_index(&o->index, o, create ? NULL : err);
	if (r == SIGN_ENOTFOUND && create) {
		json_t *idx = json_pack("{s:i,s:s,s:[]}", "schemaVersion", 2, "mediaType",
			SIGN_MT_OCI_INDEX, "manifests");
		if (idx == NULL) {
			r = signp_err(err, SIGN_ENOMEM, "opening OCI layout %s: out of memory", dir);
			goto out;
		}
		r = write_index(o, idx, err);
		json_decref(idx);
	} else if (r != SIGN_OK && create) {
		/* report the failure the quiet attempt hid */
		r = load_index(&o->index, o, err);
	}
	if (r != SIGN_OK)
		goto out;
	*out = o;
	o = NULL;
out:
	sign_buf_dispose(&path);
	signp_oci_free(o);
	return r;
}

void signp_oci_free(signp_oci *o)
{
	if (o == NULL)
		return;
	json_decref(o->index);
	free(o->dir);
	free(o);
}

int signp_oci_resolve(signp_oci *o, const char *tag, char digest_out[80], char media_type_out[256],
	uint64_t *size_out, sign_error *err)
{
	json_t *idx = NULL, *e, *found = NULL;
	const char *d, *mt;
	json_t *jsz;
	size_t i;
	int r;

	if (o == NULL || tag == NULL)
		return signp_err(err, SIGN_EINVAL, "resolving a tag: no layout or tag");
	if ((r = load_index(&idx, o, err)) != SIGN_OK)
		return r;
	json_decref(o->index);
	o->index = idx;
	json_array_foreach(json_object_get(idx, "manifests"), i, e) {
		const char *t = entry_tag(e);
		if (t != NULL && strcmp(t, tag) == 0) {
			found = e;
			break;
		}
	}
	if (found == NULL)
		return signp_err(err, SIGN_ENOTFOUND, "tag %.255s: not found in OCI layout %s", tag,
			o->dir);
	d = json_string_value(json_object_get(found, "digest"));
	mt = json_string_value(json_object_get(found, "mediaType"));
	jsz = json_object_get(found, "size");
	if (d == NULL || !signp_digest_valid(d) || !json_is_integer(jsz) ||
	    json_integer_value(jsz) < 0 || (mt != NULL && strlen(mt) >= 256))
		return signp_err(err, SIGN_EFORMAT,
			"tag %.255s in OCI layout %s: malformed descriptor", tag, o->dir);
	if (digest_out != NULL)
		signp_strlcpy(digest_out, d, 80);
	if (media_type_out != NULL)
		signp_strlcpy(media_type_out, mt ? mt : "", 256);
	if (size_out != NULL)
		*size_out = (uint64_t)json_integer_value(jsz);
	return SIGN_OK;
}

int signp_oci_get_blob(signp_oci *o, const char *digest, size_t max, sign_buf *out,
	sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	sign_error rerr = { 0 };
	size_t start;
	int r;

	if (o == NULL || out == NULL || digest == NULL)
		return signp_err(err, SIGN_EINVAL, "reading a blob: invalid arguments");
	if (!signp_digest_valid(digest))
		return signp_err(err, SIGN_EINVAL, "reading blob %.80s: malformed digest", digest);
	start = out->size;
	if ((r = blob_path(&path, o, digest)) != SIGN_OK) {
		r = signp_err(err, r, "reading blob %s: out of memory", digest);
		goto out;
	}
	r = signp_read_file(out, path.ptr, max, &rerr);
	if (r == SIGN_ENOTFOUND) {
		signp_err(err, r, "blob %s: not found in OCI layout %s", digest, o->dir);
		goto out;
	} else if (r != SIGN_OK) {
		signp_err(err, r, "reading blob %s: %s", digest, rerr.message);
		goto out;
	}
	if (!signp_digest_matches(digest, out->ptr + start, out->size - start)) {
		r = signp_err(err, SIGN_EVERIFY, "blob %s does not match its content", digest);
		goto out;
	}
	r = SIGN_OK;
out:
	if (r != SIGN_OK && out->ptr != NULL) {
		out->size = start;
		out->ptr[start] = '\0';
	}
	sign_buf_dispose(&path);
	return r;
}

/* 1 if the blob file exists (size in *size_out), 0 if not or on a bad
 * digest. */
int signp_oci_has_blob(signp_oci *o, const char *digest, uint64_t *size_out)
{
	sign_buf path = SIGN_BUF_INIT;
	struct stat st;
	int r = 0;
	if (o == NULL || digest == NULL || blob_path(&path, o, digest) != SIGN_OK)
		goto out;
	if (lstat(path.ptr, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if (size_out != NULL)
		*size_out = (uint64_t)st.st_size;
	r = 1;
out:
	sign_buf_dispose(&path);
	return r;
}

int signp_oci_blob_path(sign_buf *out, signp_oci *o, const char *digest)
{
	if (out == NULL || o == NULL || digest == NULL)
		return SIGN_EINVAL;
	return blob_path(out, o, digest);
}

int signp_oci_put_blob(signp_oci *o, const void *data, size_t len, char digest_out[80],
	sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	char digest[72];
	int r;

	if (o == NULL || (data == NULL && len != 0))
		return signp_err(err, SIGN_EINVAL, "writing a blob: invalid arguments");
	signp_digest(digest, data ? data : "", len);
	if ((r = oci_path(&path, o, "blobs/sha256")) != SIGN_OK) {
		r = signp_err(err, r, "writing blob %s: out of memory", digest);
		goto out;
	}
	if ((r = signp_mkdirs(path.ptr, 0755, err)) != SIGN_OK)
		goto out;
	if ((r = blob_path(&path, o, digest)) != SIGN_OK) {
		r = signp_err(err, r, "writing blob %s: out of memory", digest);
		goto out;
	}
	if ((r = signp_write_file_atomic(path.ptr, data ? data : "", len, 0644, err)) != SIGN_OK)
		goto out;
	if (digest_out != NULL)
		signp_strlcpy(digest_out, digest, 80);
	r = SIGN_OK;
out:
	sign_buf_dispose(&path);
	return r;
}

/* Remove every entry tagged `tag` from the manifests array; return the
 * position of the first one (or the array size if none) and the count. */
static size_t drop_tag(json_t *manifests, const char *tag, size_t *removed)
{
	size_t i = 0, first = (size_t)-1;
	*removed = 0;
	while (i < json_array_size(manifests)) {
		const char *t = entry_tag(json_array_get(manifests, i));
		if (t != NULL && strcmp(t, tag) == 0) {
			if (first == (size_t)-1)
				first = i;
			json_array_remove(manifests, i);
			(*removed)++;
		} else {
			i++;
		}
	}
	return first == (size_t)-1 ? json_array_size(manifests) : first;
}

int signp_oci_tag(signp_oci *o, const char *tag, const char *digest, const char *media_type,
	uint64_t size, sign_error *err)
{
	json_t *idx = NULL, *entry = NULL, *manifests;
	size_t pos, removed;
	const unsigned char *p;
	int r = SIGN_EINVAL;

	if (o == NULL || !tag_valid(tag)) {
		signp_err(err, SIGN_EINVAL, "tagging in OCI layout: invalid tag \"%.255s\"",
			tag ? tag : "");
		goto out;
	}
	if (digest == NULL || !signp_digest_valid(digest) || media_type == NULL ||
	    media_type[0] == '\0' || strlen(media_type) >= 256 || size > (uint64_t)INT64_MAX) {
		signp_err(err, SIGN_EINVAL, "tagging %s in OCI layout: invalid descriptor", tag);
		goto out;
	}
	for (p = (const unsigned char *)media_type; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f) {
			signp_err(err, SIGN_EINVAL, "tagging %s in OCI layout: invalid media type",
				tag);
			goto out;
		}
	if ((r = load_index(&idx, o, err)) != SIGN_OK)
		goto out;
	manifests = json_object_get(idx, "manifests");
	pos = drop_tag(manifests, tag, &removed);
	entry = json_pack("{s:s,s:s,s:I,s:{s:s}}", "mediaType", media_type, "digest", digest,
		"size", (json_int_t)size, "annotations", OCI_REF_NAME, tag);
	if (entry == NULL || json_array_insert(manifests, pos, entry) != 0) {
		r = signp_err(err, SIGN_ENOMEM, "tagging %s in OCI layout: out of memory", tag);
		goto out;
	}
	r = write_index(o, idx, err);
out:
	json_decref(entry);
	json_decref(idx);
	return r;
}

int signp_oci_untag(signp_oci *o, const char *tag, sign_error *err)
{
	json_t *idx = NULL;
	size_t removed;
	int r;

	if (o == NULL || tag == NULL)
		return signp_err(err, SIGN_EINVAL, "removing a tag from OCI layout: no tag");
	if ((r = load_index(&idx, o, err)) != SIGN_OK)
		return r;
	drop_tag(json_object_get(idx, "manifests"), tag, &removed);
	if (removed == 0)
		r = signp_err(err, SIGN_ENOTFOUND, "removing tag %.255s: not found in OCI layout %s",
			tag, o->dir);
	else
		r = write_index(o, idx, err);
	json_decref(idx);
	return r;
}

int signp_oci_tags(char ***out, signp_oci *o, sign_error *err)
{
	json_t *idx = NULL, *manifests, *e;
	char **v = NULL;
	size_t i, n = 0;
	int r;

	if (out == NULL || o == NULL)
		return signp_err(err, SIGN_EINVAL, "listing OCI layout tags: invalid arguments");
	*out = NULL;
	if ((r = load_index(&idx, o, err)) != SIGN_OK)
		return r;
	json_decref(o->index);
	o->index = idx;
	manifests = json_object_get(idx, "manifests");
	v = calloc(json_array_size(manifests) + 1, sizeof(*v));
	if (v == NULL)
		return signp_err(err, SIGN_ENOMEM, "listing OCI layout tags: out of memory");
	json_array_foreach(manifests, i, e) {
		const char *t = entry_tag(e);
		if (t == NULL)
			continue;
		if ((v[n] = signp_strdup(t)) == NULL) {
			for (i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return signp_err(err, SIGN_ENOMEM, "listing OCI layout tags: out of memory");
		}
		n++;
	}
	*out = v;
	return SIGN_OK;
}

/*
 * meta_build.c - metadata builders: a targets entry, expiry times, one
 * signature over a role, the snapshot and the timestamp.  Every publish
 * builds its snapshot and timestamp here (publish.c).
 */
#include "meta_build.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Entry to record: hashes.sha256 = digest, length = size (as docker does). */
json_t *signp_target_json(const char *digest, uint64_t size)
{
	unsigned char raw[32];
	sign_buf b64 = SIGN_BUF_INIT;
	json_t *j;
	if (signp_unhex(raw, 32, digest + 7) != SIGN_OK || signp_b64_encode(&b64, raw, 32) != SIGN_OK)
		return NULL;
	j = json_pack("{s:{s:s}, s:I}", "hashes", "sha256", b64.ptr, "length", (json_int_t)size);
	sign_buf_dispose(&b64);
	return j;
}

json_t *signp_expires_in(int64_t seconds)
{
	char buf[32];
	signp_time_format(buf, signp_now() + seconds);
	return json_string(buf);
}

/* Is `id` listed for `role` in the root? */
int signp_root_lists(const signp_tuf_file *root, const char *role, const char *id)
{
	const json_t *ids = json_object_get(json_object_get(json_object_get(root->signed_obj,
		"roles"), role), "keyids"), *v;
	size_t i;
	json_array_foreach(ids, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
			return 1;
	return 0;
}

int signp_sign_file(sign_buf *wire, json_t *signed_obj, const signp_key *k, sign_error *err)
{
	signp_tuf_signer s = { k->id, k->pkey };
	return signp_tuf_sign(wire, signed_obj, &s, 1, err);
}

/* Does the targets signed part delegate to role `name`? */
static int delegates(const json_t *tsigned, const char *name)
{
	const json_t *roles = json_object_get(json_object_get(tsigned, "delegations"), "roles"), *role;
	size_t i;
	json_array_foreach(roles, i, role)
		if (json_is_string(json_object_get(role, "name")) &&
		    strcmp(json_string_value(json_object_get(role, "name")), name) == 0)
			return 1;
	return 0;
}

int signp_build_snapshot_over(sign_buf *wire, const signp_trust *t, const signp_trust_out *files,
	size_t n, const json_t *tsigned, int64_t version, const signp_key *k, sign_error *err)
{
	json_t *meta = json_object(), *s;
	const signp_trust_out *root = NULL;
	int r;
	if (meta == NULL)
		return signp_err(err, SIGN_ENOMEM, "building snapshot: out of memory");
	/* the newest root given, else t's */
	for (size_t i = 0; i < n; i++)
		if (strcmp(files[i].role, "root") == 0 && (root == NULL || files[i].version > root->version))
			root = &files[i];
	if (root)
		json_object_set_new(meta, "root", signp_tuf_filemeta(root->bytes, root->len, 1));
	else if (t && t->root)
		json_object_set_new(meta, "root", signp_tuf_filemeta(t->root->bytes, t->root->len, 1));
	if (t && t->targets)
		json_object_set_new(meta, "targets", signp_tuf_filemeta(t->targets->bytes, t->targets->len, 1));
	for (size_t i = 0; t && i < t->ndeleg; i++)
		if (tsigned == NULL || delegates(tsigned, t->deleg[i]->role))
			json_object_set_new(meta, t->deleg[i]->role,
				signp_tuf_filemeta(t->deleg[i]->bytes, t->deleg[i]->len, 1));
	/* keep the entries of delegation files that did not verify yet (a
	 * two-person release half signed): targets still lists their roles */
	if (t && t->snapshot) {
		const char *name;
		json_t *m;
		json_object_foreach(json_object_get(t->snapshot->signed_obj, "meta"), name, m)
			if (!json_object_get(meta, name) && signp_str_has_prefix(name, "targets/") &&
			    delegates(tsigned ? tsigned : t->targets->signed_obj, name))
				json_object_set(meta, name, m);
	}
	/* the files published with it */
	for (size_t i = 0; i < n; i++)
		if (strcmp(files[i].role, "root") != 0)
			json_object_set_new(meta, files[i].role, signp_tuf_filemeta(files[i].bytes, files[i].len, 1));
	s = json_pack("{s:s, s:o, s:o, s:I}", "_type", "Snapshot",
		"expires", signp_expires_in(SIGN_LIFE_SNAPSHOT), "meta", meta, "version", (json_int_t)version);
	if (s == NULL)
		return signp_err(err, SIGN_ENOMEM, "building snapshot: out of memory");
	r = signp_sign_file(wire, s, k, err);
	json_decref(s);
	return r;
}

int signp_build_snapshot(sign_buf *wire, const signp_trust *t, const sign_buf *root_bytes,
	const sign_buf *targets_bytes, int64_t version, const signp_key *k, sign_error *err)
{
	signp_trust_out files[2];
	size_t n = 0;
	if (root_bytes->size)
		files[n++] = (signp_trust_out){ "root", t && t->root ? t->root->version + 1 : 1,
			(const unsigned char *)root_bytes->ptr, root_bytes->size };
	files[n++] = (signp_trust_out){ "targets", 0, (const unsigned char *)targets_bytes->ptr,
		targets_bytes->size };
	return signp_build_snapshot_over(wire, t, files, n, NULL, version, k, err);
}

int signp_build_timestamp_until(sign_buf *wire, const void *snap, size_t snaplen, int64_t version,
	int64_t expires, const signp_key *k, sign_error *err)
{
	char when[32];
	json_t *s;
	signp_time_format(when, expires);
	s = json_pack("{s:s, s:s, s:{s:o}, s:I}", "_type", "Timestamp",
		"expires", when, "meta", "snapshot",
		signp_tuf_filemeta(snap, snaplen, 1), "version", (json_int_t)version);
	int r;
	if (s == NULL)
		return signp_err(err, SIGN_ENOMEM, "building timestamp: out of memory");
	r = signp_sign_file(wire, s, k, err);
	json_decref(s);
	return r;
}

/*
 * test_tuf.c - canonical JSON, metadata bytes, key IDs, signatures and
 * hashes against the real notary vectors in $VECTORS/notary (root checks:
 * test_tuf_root.c; malformed input: test_tuf_garbage.c).
 */
#include "tufvec.h"

static void test_reserialize_all(void **state)
{
	size_t i;
	(void)state;
	for (i = 0; i < NVECS; i++) {
		sign_buf b = SIGN_BUF_INIT, w = SIGN_BUF_INIT;
		sign_error err = { 0 };
		signp_tuf_file *f = NULL;
		read_vec(&b, all_vecs[i].file);
		assert_int_equal(signp_tuf_parse(&f, all_vecs[i].role, b.ptr, b.size, &err),
			SIGN_OK);
		assert_int_equal(f->len, b.size);
		assert_memory_equal(f->bytes, b.ptr, b.size);
		assert_int_equal(signp_cjson_wire(&w, f->signed_obj, f->signatures, &err), SIGN_OK);
		if (w.size != b.size || memcmp(w.ptr, b.ptr, b.size) != 0)
			fail_msg("%s does not re-serialise byte for byte", all_vecs[i].file);
		signp_tuf_file_free(f);
		sign_buf_dispose(&b);
		sign_buf_dispose(&w);
	}
}

/* A second handle (signp_tuf_file_dup, as a warm verify takes for roles
 * whose bytes match the cached copy) sees the same file and outlives the
 * first: its signatures still verify after the original is freed. */
static void test_file_dup(void **state)
{
	sign_error err = { 0 };
	signp_tuf_file *root = load_vec("root", "c1_root.v1.json");
	signp_tuf_file *ts = load_vec("timestamp", "c1_timestamp.v1.json");
	signp_tuf_file *d = signp_tuf_file_dup(ts), *r2 = signp_tuf_file_dup(root);
	(void)state;
	assert_non_null(d);
	assert_non_null(r2);
	assert_ptr_not_equal(d->bytes, ts->bytes);
	assert_int_equal(d->len, ts->len);
	assert_memory_equal(d->bytes, ts->bytes, ts->len);
	assert_string_equal(d->role, "timestamp");
	assert_int_equal(d->version, ts->version);
	assert_int_equal(d->expires, ts->expires);
	signp_tuf_file_free(ts);
	signp_tuf_file_free(root);
	assert_int_equal(verify_with_root(d, r2, "timestamp", &err), SIGN_OK);
	assert_null(signp_tuf_file_dup(NULL));
	signp_tuf_file_free(d);
	signp_tuf_file_free(r2);
}

/* ---------------------------------------------------------------------- */
/* (2) every signature verifies                                            */

static void test_verify_c1(void **state)
{
	sign_error err = { 0 };
	signp_tuf_file *root = load_vec("root", "c1_root.v1.json");
	signp_tuf_file *tg = load_vec("targets", "c1_targets.v4.json");
	signp_tuf_file *sn = load_vec("snapshot", "c1_snapshot.v4.json");
	signp_tuf_file *ts = load_vec("timestamp", "c1_timestamp.v1.json");
	signp_tuf_file *rel = load_vec("targets/releases", "c1_targets_releases.v1.json");
	signp_tuf_file *py = load_vec("targets", "py_generated_targets.json");
	const json_t *d;
	(void)state;

	assert_int_equal(root->version, 1);
	assert_string_equal(root->type, "Root");
	assert_int_equal(verify_with_root(root, root, "root", &err), SIGN_OK);
	assert_int_equal(verify_with_root(tg, root, "targets", &err), SIGN_OK);
	assert_int_equal(verify_with_root(sn, root, "snapshot", &err), SIGN_OK);
	assert_int_equal(verify_with_root(ts, root, "timestamp", &err), SIGN_OK);
	/* py_generated_targets is signed by c1's targets key */
	assert_int_equal(verify_with_root(py, root, "targets", &err), SIGN_OK);
	assert_int_equal(signp_tuf_count_valid(py, root_keys(root),
				 json_object_get(root_role(root, "targets"), "keyids")),
		1);

	/* the delegation is signed by the key listed in targets v4 */
	d = delegation(tg, "targets/releases");
	assert_non_null(d);
	assert_int_equal(signp_tuf_verify(rel,
				 json_object_get(json_object_get(tg->signed_obj, "delegations"),
					 "keys"),
				 json_object_get(d, "keyids"), role_threshold(d), &err),
		SIGN_OK);

	/* wrong role's keys do not verify */
	assert_int_equal(verify_with_root(tg, root, "snapshot", &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "valid signatures did not meet threshold for targets");

	signp_tuf_file_free(root);
	signp_tuf_file_free(tg);
	signp_tuf_file_free(sn);
	signp_tuf_file_free(ts);
	signp_tuf_file_free(rel);
	signp_tuf_file_free(py);
}

static void test_verify_c2(void **state)
{
	sign_error err = { 0 };
	signp_tuf_file *v2 = load_vec("root", "c2_root.v2.json");
	signp_tuf_file *v3 = load_vec("root", "c2_root.v3_rotated.json");
	signp_tuf_file *sn = load_vec("snapshot", "c2_snapshot_server_signed.json");
	signp_tuf_file *ts = load_vec("timestamp", "c2_timestamp.json");
	const char *tskid;
	(void)state;

	assert_int_equal(verify_with_root(v2, v2, "root", &err), SIGN_OK);
	assert_int_equal(verify_with_root(v3, v3, "root", &err), SIGN_OK);
	/* v3 carries both signatures: the old key (listed in v2) and the new */
	assert_int_equal(verify_with_root(v3, v2, "root", &err), SIGN_OK);
	assert_int_equal(signp_tuf_count_valid(v3, root_keys(v3),
				 json_object_get(root_role(v3, "root"), "keyids")),
		1);
	/* server-signed snapshot (eddsa) with the snapshot key of v2/v3 */
	assert_int_equal(verify_with_root(sn, v3, "snapshot", &err), SIGN_OK);
	assert_int_equal(verify_with_root(sn, v2, "snapshot", &err), SIGN_OK);

	/* c2_timestamp is signed by a timestamp key that a later root (not in
	 * the vectors) introduced: it is in neither v2 nor v3.  Check the
	 * signature directly: it is eddsa, so the key is needed. */
	tskid = json_string_value(
		json_object_get(json_array_get(ts->signatures, 0), "keyid"));
	assert_non_null(tskid);
	assert_null(json_object_get(root_keys(v3), tskid));
	err.message[0] = '\0';
	err.code = 0;
	assert_int_equal(verify_with_root(ts, v3, "timestamp", &err), SIGN_EVERIFY);

	signp_tuf_file_free(v2);
	signp_tuf_file_free(v3);
	signp_tuf_file_free(sn);
	signp_tuf_file_free(ts);
}

/* ---------------------------------------------------------------------- */
/* (3) key IDs recompute                                                   */

static void check_keys_map(const json_t *keys)
{
	const char *id;
	json_t *k;
	assert_true(json_is_object(keys));
	json_object_foreach((json_t *)keys, id, k) {
		char calc[65];
		sign_error err = { 0 };
		EVP_PKEY *pk = NULL;
		const char *kt = json_string_value(json_object_get(k, "keytype"));
		const char *pub = json_string_value(
			json_object_get(json_object_get(k, "keyval"), "public"));
		assert_int_equal(signp_tuf_keyid(calc, kt, pub, &err), SIGN_OK);
		assert_string_equal(calc, id);
		if (signp_tuf_key_pkey(&pk, k, &err) != SIGN_OK)
			fail_msg("key %s (%s): %s", id, kt, err.message);
		EVP_PKEY_free(pk);
	}
}

static void test_keyids(void **state)
{
	size_t i;
	char id[65];
	sign_error err = { 0 };
	(void)state;
	for (i = 0; i < NVECS; i++) {
		signp_tuf_file *f = load_vec(all_vecs[i].role, all_vecs[i].file);
		const json_t *dl = json_object_get(f->signed_obj, "delegations");
		if (json_object_get(f->signed_obj, "keys"))
			check_keys_map(json_object_get(f->signed_obj, "keys"));
		if (dl)
			check_keys_map(json_object_get(dl, "keys"));
		signp_tuf_file_free(f);
	}
	/* the worked example of notary-tuf.md §2 */
	assert_int_equal(signp_tuf_keyid(id, "ed25519",
				 "tcElQLhMPXiYwkSd84bdDu2ct9r+hTEHZAwZcH9ChVI=", &err),
		SIGN_OK);
	assert_string_equal(id, "dfe3ce724de74e3ec5f33d20fdd1eb5ac9ae55fbc614e5a00a13156b368141e5");
}

/* ---------------------------------------------------------------------- */
/* (4) hash chain                                                          */

static void test_hash_chain(void **state)
{
	sign_buf rb = SIGN_BUF_INIT, tb = SIGN_BUF_INIT, sb = SIGN_BUF_INIT;
	sign_error err = { 0 };
	signp_tuf_file *sn = load_vec("snapshot", "c1_snapshot.v4.json");
	signp_tuf_file *ts = load_vec("timestamp", "c1_timestamp.v1.json");
	signp_tuf_file *sn2 = load_vec("snapshot", "c2_snapshot_server_signed.json");
	signp_tuf_file *ts2 = load_vec("timestamp", "c2_timestamp.json");
	const json_t *meta = json_object_get(sn->signed_obj, "meta");
	(void)state;

	read_vec(&rb, "c1_root.v1.json");
	read_vec(&tb, "c1_targets.v4.json");
	read_vec(&sb, "c1_snapshot.v4.json");
	/* snapshot v4 -> root v1 and targets v4: both hashes match */
	assert_int_equal(signp_tuf_check_filemeta(json_object_get(meta, "root"), rb.ptr, rb.size,
				 "root", &err),
		SIGN_OK);
	assert_int_equal(signp_tuf_check_filemeta(json_object_get(meta, "targets"), tb.ptr,
				 tb.size, "targets", &err),
		SIGN_OK);
	/* root entry does not fit the targets bytes */
	assert_int_equal(signp_tuf_check_filemeta(json_object_get(meta, "root"), tb.ptr, tb.size,
				 "root", &err),
		SIGN_EVERIFY);
	assert_string_equal(err.message, "sha512 checksum for root did not match");
	/* c1_snapshot.v4 lists no targets/releases entry (checked, not assumed) */
	assert_null(json_object_get(meta, "targets/releases"));
	/* c1_timestamp v1 describes an earlier snapshot (683 bytes), not v4 */
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(ts->signed_obj, "meta"), "snapshot"),
				 "length")),
		683);
	assert_int_equal(sb.size, 684);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf_check_filemeta(
				 json_object_get(json_object_get(ts->signed_obj, "meta"), "snapshot"),
				 sb.ptr, sb.size, "snapshot", &err),
		SIGN_EVERIFY);
	/* c2: the timestamp does describe the server-signed snapshot */
	assert_int_equal(signp_tuf_check_filemeta(
				 json_object_get(json_object_get(ts2->signed_obj, "meta"), "snapshot"),
				 sn2->bytes, sn2->len, "snapshot", &err),
		SIGN_OK);

	sign_buf_dispose(&rb);
	sign_buf_dispose(&tb);
	sign_buf_dispose(&sb);
	signp_tuf_file_free(sn);
	signp_tuf_file_free(ts);
	signp_tuf_file_free(sn2);
	signp_tuf_file_free(ts2);
}

static void test_filemeta(void **state)
{
	static const char data[] = "hello world";
	sign_error err = { 0 };
	json_t *m = signp_tuf_filemeta(data, sizeof(data) - 1, 1), *m2;
	(void)state;
	assert_non_null(m);
	assert_int_equal(json_integer_value(json_object_get(m, "length")), 11);
	assert_string_equal(json_string_value(json_object_get(json_object_get(m, "hashes"),
				    "sha256")),
		"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");
	assert_int_equal(signp_tuf_check_filemeta(m, data, 11, "x", &err), SIGN_OK);
	assert_int_equal(signp_tuf_check_filemeta(m, data, 10, "x", &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "sha512 checksum for x did not match");
	json_decref(m);

	/* sha256 only (Docker Content Trust style) */
	m = signp_tuf_filemeta(data, 11, 0);
	assert_null(json_object_get(json_object_get(m, "hashes"), "sha512"));
	assert_int_equal(signp_tuf_check_filemeta(m, data, 11, "x", NULL), SIGN_OK);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_tuf_check_filemeta(m, "hello worle", 11, "x", &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "sha256 checksum for x did not match");
	json_decref(m);

	/* only unknown algorithms: refused; unknown ones beside sha256 ignored */
	m2 = json_loads("{\"hashes\":{\"md5\":\"AAAA\"},\"length\":11}", 0, NULL);
	assert_int_equal(signp_tuf_check_filemeta(m2, data, 11, "x", NULL), SIGN_EVERIFY);
	json_decref(m2);
	m2 = json_loads("{\"hashes\":{\"md5\":\"AAAA\",\"sha256\":"
			"\"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=\"}}",
		0, NULL);
	assert_int_equal(signp_tuf_check_filemeta(m2, data, 11, "x", NULL), SIGN_OK);
	json_decref(m2);
	/* bad base64, wrong digest length, not a string, no hashes */
	m2 = json_loads("{\"hashes\":{\"sha256\":\"!!!\"}}", 0, NULL);
	assert_int_equal(signp_tuf_check_filemeta(m2, data, 11, "x", NULL), SIGN_EVERIFY);
	json_decref(m2);
	m2 = json_loads("{\"hashes\":{\"sha256\":\"AAAA\"}}", 0, NULL);
	assert_int_equal(signp_tuf_check_filemeta(m2, data, 11, "x", NULL), SIGN_EVERIFY);
	json_decref(m2);
	m2 = json_loads("{\"hashes\":{\"sha256\":5}}", 0, NULL);
	assert_int_equal(signp_tuf_check_filemeta(m2, data, 11, "x", NULL), SIGN_EVERIFY);
	json_decref(m2);
	m2 = json_loads("{\"length\":11}", 0, NULL);
	assert_int_equal(signp_tuf_check_filemeta(m2, data, 11, "x", NULL), SIGN_EVERIFY);
	json_decref(m2);
	assert_int_equal(signp_tuf_check_filemeta(NULL, data, 11, "x", NULL), SIGN_EVERIFY);
}

/* ---------------------------------------------------------------------- */
/* (5) tampering                                                           */

static void test_tamper(void **state)
{
	sign_buf b = SIGN_BUF_INIT, w = SIGN_BUF_INIT;
	sign_error err = { 0 };
	signp_tuf_file *root = load_vec("root", "c1_root.v1.json");
	signp_tuf_file *f = NULL;
	const json_t *tr = root_role(root, "targets");
	const json_t *tids = json_object_get(tr, "keyids");
	const char *tkid = json_string_value(json_array_get(tids, 0));
	const char *skid = json_string_value(
		json_array_get(json_object_get(root_role(root, "snapshot"), "keyids"), 0));
	json_t *sigs, *keys2;
	char *t;
	(void)state;

	read_vec(&b, "c1_targets.v4.json");

	/* one byte inside "signed" */
	t = replace1(b.ptr, b.size, "\"length\":86", "\"length\":87");
	assert_int_equal(parse_str(&f, "targets", t, &err), SIGN_OK);
	assert_int_equal(verify_with_root(f, root, "targets", &err), SIGN_EVERIFY);
	assert_string_equal(err.message, "valid signatures did not meet threshold for targets");
	signp_tuf_file_free(f);
	free(t);
	/* an escaped byte in a target name */
	t = replace1(b.ptr, b.size, "v1\\u003c", "v2\\u003c");
	assert_int_equal(parse_str(&f, "targets", t, NULL), SIGN_OK);
	assert_int_equal(verify_with_root(f, root, "targets", NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);
	free(t);
	/* one character of the signature */
	t = replace1(b.ptr, b.size, "\"sig\":\"GXDB", "\"sig\":\"GXDC");
	assert_int_equal(parse_str(&f, "targets", t, NULL), SIGN_OK);
	assert_int_equal(verify_with_root(f, root, "targets", NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);
	free(t);
	/* the signature claims another key ID (snapshot key, not listed) */
	t = replace1(b.ptr, b.size, tkid, skid);
	assert_int_equal(parse_str(&f, "targets", t, NULL), SIGN_OK);
	assert_int_equal(verify_with_root(f, root, "targets", NULL), SIGN_EVERIFY);
	/* ...even when that key is listed for the role */
	assert_int_equal(verify_with_root(f, root, "snapshot", NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);
	free(t);

	/* pretty-printed, \u-escaped, upper-case method: still verifies (the
	 * signature covers the canonical form of the decoded value) */
	f = load_vec("targets", "c1_targets.v4.json");
	json_object_set_new(json_array_get(f->signatures, 0), "method", json_string("ECDSA"));
	{
		char *pretty = json_dumps(f->doc, JSON_INDENT(3) | JSON_ENSURE_ASCII);
		signp_tuf_file *g = NULL;
		assert_non_null(pretty);
		assert_non_null(strstr(pretty, "ECDSA"));
		assert_int_equal(parse_str(&g, "targets", pretty, &err), SIGN_OK);
		assert_string_equal(json_string_value(json_object_get(
					    json_array_get(g->signatures, 0), "method")),
			"ecdsa");
		assert_int_equal(verify_with_root(g, root, "targets", &err), SIGN_OK);
		/* and re-serialises to the original bytes */
		assert_int_equal(signp_cjson_wire(&w, g->signed_obj, g->signatures, &err), SIGN_OK);
		assert_int_equal(w.size, b.size);
		assert_memory_equal(w.ptr, b.ptr, b.size);
		signp_tuf_file_free(g);
		free(pretty);
	}
	signp_tuf_file_free(f);

	/* threshold 2 with one signature; duplicates of it count once */
	f = load_vec("targets", "c1_targets.v4.json");
	assert_int_equal(signp_tuf_verify(f, root_keys(root), tids, 2, &err), SIGN_EVERIFY);
	sigs = f->signatures;
	json_array_append_new(sigs, json_deep_copy(json_array_get(sigs, 0)));
	json_array_append_new(sigs, json_deep_copy(json_array_get(sigs, 0)));
	assert_int_equal(json_array_size(sigs), 3);
	assert_int_equal(signp_tuf_count_valid(f, root_keys(root), tids), 1);
	assert_int_equal(signp_tuf_verify(f, root_keys(root), tids, 2, NULL), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_verify(f, root_keys(root), tids, 1, NULL), SIGN_OK);
	/* threshold < 1 is an error */
	assert_int_equal(signp_tuf_verify(f, root_keys(root), tids, 0, NULL), SIGN_EVERIFY);
	/* no keys / no keyids */
	assert_int_equal(signp_tuf_verify(f, NULL, tids, 1, NULL), SIGN_EVERIFY);
	assert_int_equal(signp_tuf_verify(f, root_keys(root), NULL, 1, NULL), SIGN_EVERIFY);

	/* a keys map whose entry does not hash to its ID is skipped: put the
	 * snapshot key under the targets key ID */
	keys2 = json_deep_copy(root_keys(root));
	json_object_set(keys2, tkid, json_object_get(root_keys(root), skid));
	assert_int_equal(signp_tuf_verify(f, keys2, tids, 1, NULL), SIGN_EVERIFY);
	/* and the real targets key under the snapshot ID does not help either */
	json_object_set(keys2, skid, json_object_get(root_keys(root), tkid));
	assert_int_equal(signp_tuf_verify(f, keys2,
				 json_object_get(root_role(root, "snapshot"), "keyids"), 1, NULL),
		SIGN_EVERIFY);
	json_decref(keys2);
	signp_tuf_file_free(f);

	/* a signature made for targets does not verify snapshot data */
	f = load_vec("snapshot", "c1_snapshot.v4.json");
	json_object_set_new(json_array_get(f->signatures, 0), "sig",
		json_string("GXDBKbYsVdVBUBFNKmoho7J+hIGj24WR+kIzFjgZybAu49WvJztlcJcI5+DxH1gZhqoT4TRw"
			    "0K7g6e79nz0IaA=="));
	assert_int_equal(verify_with_root(f, root, "snapshot", NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);

	signp_tuf_file_free(root);
	sign_buf_dispose(&b);
	sign_buf_dispose(&w);
}

/* ---------------------------------------------------------------------- */
/* (6) canonical edge cases                                                */

static void test_canonical(void **state)
{
	int rc;
	char *s;
	sign_buf w = SIGN_BUF_INIT;
	sign_error err = { 0 };
	json_t *v, *sigs;
	(void)state;

	s = canon_str("{\"b\":1,\"a\":[1.0,1e3]}", &rc);
	assert_int_equal(rc, SIGN_OK);
	assert_string_equal(s, "{\"a\":[1,1000],\"b\":1}");
	free(s);
	s = canon_str("{\"a\":1.5}", &rc);
	assert_int_equal(rc, SIGN_EFORMAT);
	assert_string_equal(s, ""); /* nothing left behind on failure */
	free(s);
	s = canon_str("[1e300]", &rc);
	assert_int_equal(rc, SIGN_EFORMAT);
	free(s);
	s = canon_str("[-0.0, -5, 9223372036854775807, -9223372036854775808]", &rc);
	assert_int_equal(rc, SIGN_OK);
	assert_string_equal(s, "[0,-5,9223372036854775807,-9223372036854775808]");
	free(s);
	/* bytewise key order: "_type" (0x5F) before lowercase, upper before
	 * lower, nested objects sorted too, whitespace gone */
	s = canon_str("{ \"b\" : {\"z\":null,\"Z\":true}, \"_type\":\"x\", \"B\":false, "
		      "\"\xc3\xa9\":[], \"a\":{} }",
		&rc);
	assert_int_equal(rc, SIGN_OK);
	assert_string_equal(s, "{\"B\":false,\"_type\":\"x\",\"a\":{},\"b\":{\"Z\":true,\"z\":null},"
			       "\"\xc3\xa9\":[]}");
	free(s);
	/* duplicate keys: the last one wins (as in Go) */
	s = canon_str("{\"a\":1,\"a\":2}", &rc);
	assert_int_equal(rc, SIGN_OK);
	assert_string_equal(s, "{\"a\":2}");
	free(s);
	/* strings: only quote and backslash escaped; \u escapes decoded raw */
	s = canon_str("[\"<&>\", \"q\\\"b\\\\s/\", \"\\u00e9\\u2028\\/\"]", &rc);
	assert_int_equal(rc, SIGN_OK);
	assert_string_equal(s, "[\"<&>\",\"q\\\"b\\\\s/\",\"\xc3\xa9\xe2\x80\xa8/\"]");
	free(s);
	/* control characters would make notary emit invalid JSON: refused */
	s = canon_str("[\"a\\nb\"]", &rc);
	assert_int_equal(rc, SIGN_EFORMAT);
	free(s);
	s = canon_str("{\"a\\u0001\":1}", &rc);
	assert_int_equal(rc, SIGN_EFORMAT);
	free(s);
	/* 0x7f and non-ASCII stay raw */
	s = canon_str("[\"\x7f\"]", &rc);
	assert_int_equal(rc, SIGN_OK);
	assert_string_equal(s, "[\"\x7f\"]");
	free(s);

	/* wire: <&> and U+2028/9 escaped, also in keys and signature fields */
	v = json_loads("{\"<k>\":\"a<&>b\xe2\x80\xa8\xe2\x80\xa9\xc3\xa9\"}", 0, NULL);
	assert_non_null(v);
	sigs = json_loads("[{\"sig\":\"s&\",\"method\":\"m\",\"keyid\":\"k<\"}]", 0, NULL);
	assert_int_equal(signp_cjson_wire(&w, v, sigs, &err), SIGN_OK);
	assert_string_equal(w.ptr,
		"{\"signed\":{\"\\u003ck\\u003e\":\"a\\u003c\\u0026\\u003eb\\u2028\\u2029\xc3\xa9\"},"
		"\"signatures\":[{\"keyid\":\"k\\u003c\",\"method\":\"m\",\"sig\":\"s\\u0026\"}]}");
	signp_buf_clear(&w);
	assert_int_equal(signp_cjson_canonical(&w, v, &err), SIGN_OK);
	assert_string_equal(w.ptr, "{\"<k>\":\"a<&>b\xe2\x80\xa8\xe2\x80\xa9\xc3\xa9\"}");
	json_decref(sigs);
	/* empty / missing signatures */
	signp_buf_clear(&w);
	sigs = json_array();
	assert_int_equal(signp_cjson_wire(&w, v, sigs, &err), SIGN_OK);
	assert_non_null(strstr(w.ptr, ",\"signatures\":[]}"));
	signp_buf_clear(&w);
	assert_int_equal(signp_cjson_wire(&w, v, NULL, &err), SIGN_OK);
	assert_non_null(strstr(w.ptr, ",\"signatures\":[]}"));
	/* malformed signatures */
	json_array_append_new(sigs, json_pack("{s:s,s:s}", "keyid", "a", "method", "b"));
	assert_int_equal(signp_cjson_wire(&w, v, sigs, NULL), SIGN_EFORMAT);
	json_decref(sigs);
	sigs = json_loads("[5]", 0, NULL);
	assert_int_equal(signp_cjson_wire(&w, v, sigs, NULL), SIGN_EFORMAT);
	json_decref(sigs);
	assert_int_equal(signp_cjson_wire(&w, json_array_get(sigs, 0), NULL, NULL), SIGN_EINVAL);
	assert_int_equal(signp_cjson_canonical(&w, NULL, NULL), SIGN_EINVAL);
	json_decref(v);
	sign_buf_dispose(&w);
}

/* ---------------------------------------------------------------------- */
/* (7) sign + verify round trips                                           */

static void roundtrip_key(EVP_PKEY *k, const char *want_kt, const char *want_method,
	size_t want_siglen)
{
	sign_error err = { 0 };
	sign_buf sig = SIGN_BUF_INIT, raw = SIGN_BUF_INIT, wire = SIGN_BUF_INIT;
	char method[16], id[65], id2[65];
	json_t *ko = NULL, *keys, *ids, *signed_obj;
	EVP_PKEY *pub = NULL;
	signp_tuf_file *f = NULL;
	signp_tuf_signer signer;
	static const char msg[] = "{\"a\":1}";

	assert_int_equal(signp_tuf_key_new(&ko, id, k, NULL, &err), SIGN_OK);
	assert_string_equal(json_string_value(json_object_get(ko, "keytype")), want_kt);
	assert_true(json_is_null(json_object_get(json_object_get(ko, "keyval"), "private")));
	assert_int_equal(signp_tuf_keyid(id2, want_kt,
				 json_string_value(json_object_get(json_object_get(ko, "keyval"),
					 "public")),
				 &err),
		SIGN_OK);
	assert_string_equal(id, id2);
	assert_int_equal(signp_tuf_key_pkey(&pub, ko, &err), SIGN_OK);
	assert_int_equal(EVP_PKEY_eq(pub, k), 1);

	/* primitives */
	assert_int_equal(signp_tuf_sig_create(&sig, method, k, msg, sizeof(msg) - 1, &err),
		SIGN_OK);
	assert_string_equal(method, want_method);
	assert_int_equal(signp_b64_decode(&raw, sig.ptr, sig.size), SIGN_OK);
	if (want_siglen)
		assert_int_equal(raw.size, want_siglen);
	assert_int_equal(signp_tuf_sig_check(pub, method, msg, sizeof(msg) - 1, raw.ptr,
				 raw.size),
		SIGN_OK);
	assert_int_equal(signp_tuf_sig_check(pub, "ECDSA", msg, sizeof(msg) - 1, raw.ptr,
				 raw.size) == SIGN_OK,
		strcmp(method, "ecdsa") == 0);
	assert_int_equal(signp_tuf_sig_check(pub, method, msg, sizeof(msg) - 2, raw.ptr,
				 raw.size),
		SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(pub, method, msg, sizeof(msg) - 1, raw.ptr,
				 raw.size - 1),
		SIGN_EVERIFY);
	assert_int_equal(signp_tuf_sig_check(pub, "bogus", msg, sizeof(msg) - 1, raw.ptr,
				 raw.size),
		SIGN_EVERIFY);

	/* whole files */
	signed_obj = json_loads("{\"_type\":\"Targets\",\"delegations\":{\"keys\":{},\"roles\":[]},"
				"\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{\"tag&1\":{"
				"\"hashes\":{\"sha256\":\"dGUPnqctYk1BhDX1e5l/7shnJcDcy1XTyelta40GabA=\"},"
				"\"length\":86}},\"version\":3}",
		0, NULL);
	assert_non_null(signed_obj);
	signer.keyid = id;
	signer.pkey = k;
	assert_int_equal(signp_tuf_sign(&wire, signed_obj, &signer, 1, &err), SIGN_OK);
	assert_non_null(strstr(wire.ptr, "\"tag\\u00261\""));
	assert_int_equal(signp_tuf_parse(&f, "targets/x", wire.ptr, wire.size, &err), SIGN_OK);
	assert_int_equal(f->version, 3);
	assert_int_equal(f->expires, 1893456000LL);
	keys = json_object();
	json_object_set(keys, id, ko);
	ids = json_pack("[s]", id);
	assert_int_equal(signp_tuf_verify(f, keys, ids, 1, &err), SIGN_OK);
	signp_tuf_file_free(f);
	/* two signatures from the same signer count once */
	{
		signp_tuf_signer two[2] = { signer, signer };
		signp_buf_clear(&wire);
		assert_int_equal(signp_tuf_sign(&wire, signed_obj, two, 2, &err), SIGN_OK);
		assert_int_equal(signp_tuf_parse(&f, "targets", wire.ptr, wire.size, &err),
			SIGN_OK);
		assert_int_equal(json_array_size(f->signatures), 2);
		assert_int_equal(signp_tuf_count_valid(f, keys, ids), 1);
		assert_int_equal(signp_tuf_verify(f, keys, ids, 2, NULL), SIGN_EVERIFY);
		signp_tuf_file_free(f);
	}
	/* unsigned */
	signp_buf_clear(&wire);
	assert_int_equal(signp_tuf_sign(&wire, signed_obj, NULL, 0, &err), SIGN_OK);
	assert_int_equal(signp_tuf_parse(&f, "targets", wire.ptr, wire.size, &err), SIGN_OK);
	assert_int_equal(signp_tuf_verify(f, keys, ids, 1, NULL), SIGN_EVERIFY);
	signp_tuf_file_free(f);
	/* non-integral numbers cannot be signed */
	json_object_set_new(signed_obj, "version", json_real(1.5));
	assert_int_equal(signp_tuf_sign(&wire, signed_obj, &signer, 1, NULL), SIGN_EFORMAT);

	json_decref(signed_obj);
	json_decref(keys);
	json_decref(ids);
	json_decref(ko);
	EVP_PKEY_free(pub);
	sign_buf_dispose(&sig);
	sign_buf_dispose(&raw);
	sign_buf_dispose(&wire);
}

static void test_roundtrip(void **state)
{
	EVP_PKEY *k;
	(void)state;
	k = gen_p256();
	roundtrip_key(k, "ecdsa", "ecdsa", 64);
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	assert_non_null(k);
	roundtrip_key(k, "ecdsa", "ecdsa", 96);
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(k);
	roundtrip_key(k, "ed25519", "eddsa", 64);
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	assert_non_null(k);
	roundtrip_key(k, "rsa", "rsapss", 256);
	EVP_PKEY_free(k);
}

static void test_small_rsa_refused(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	sign_buf b = SIGN_BUF_INIT;
	char method[16];
	json_t *ko = NULL;
	(void)state;
	assert_non_null(k);
	assert_int_not_equal(signp_tuf_sig_create(&b, method, k, "x", 1, NULL), SIGN_OK);
	assert_int_not_equal(signp_tuf_key_new(&ko, NULL, k, NULL, NULL), SIGN_OK);
	assert_null(ko);
	EVP_PKEY_free(k);
	sign_buf_dispose(&b);
}

/* ---------------------------------------------------------------------- */
/* (8) root checks                                                         */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserialize_all),
		cmocka_unit_test(test_file_dup),
		cmocka_unit_test(test_verify_c1),
		cmocka_unit_test(test_verify_c2),
		cmocka_unit_test(test_keyids),
		cmocka_unit_test(test_hash_chain),
		cmocka_unit_test(test_filemeta),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_small_rsa_refused),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

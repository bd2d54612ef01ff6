/*
 * rekor.c - transparency log entries (rekor.h): read from a bundle's
 * tlogEntries element or cosign's bundle annotation, bounded, and checked
 * against the trusted root's logs: the signed entry timestamp (SET) and
 * the inclusion proof against the log's signed checkpoint.  What the body
 * records is rekor_body.c's; the checkpoint format rekor_checkpoint.c's.
 */
#include "rekor_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Clock skew allowed for an integrated time (sigstore-go's is a minute). */
#define REKOR_TIME_SKEW 60

void signp_rekor_entry_free(signp_rekor_entry *e)
{
	size_t i;
	if (e == NULL)
		return;
	sign_buf_dispose(&e->set);
	for (i = 0; i < SIGNP_MERKLE_MAX_PROOF; i++)
		sign_buf_dispose(&e->hashes[i]);
	free(e->checkpoint);
	sign_buf_dispose(&e->body);
	json_decref(e->doc);
	free(e);
}

int64_t signp_rekor_entry_index(const signp_rekor_entry *e)
{
	return e->log_index;
}

const char *signp_rekor_entry_kind(const signp_rekor_entry *e)
{
	return e->kind;
}

/* An int64 of protobuf JSON: a string of decimal digits (or, as protojson
 * also reads, a JSON integer).  Negative values are refused: no index,
 * size or time of a log is.  what names it in the message. */
static int get_int(int64_t *out, const json_t *v, const char *what, sign_error *err)
{
	const char *s;
	int64_t n = 0;
	size_t i;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if ((s = json_string_value(v)) != NULL) {
		size_t len = json_string_length(v);
		if (len > 0 && s[0] == '-')
			return signp_err(err, SIGN_EFORMAT, "log entry: %s %.24s is negative", what, s);
		if (len == 0 || len > 19)
			return signp_err(err, SIGN_EFORMAT, "log entry: %s is not a decimal int64", what);
		for (i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return signp_err(err, SIGN_EFORMAT, "log entry: %s is not a decimal int64", what);
			if (n > (INT64_MAX - (s[i] - '0')) / 10)
				return signp_err(err, SIGN_EFORMAT, "log entry: %s is out of range", what);
			n = n * 10 + (s[i] - '0');
		}
	} else {
		return signp_err(err, SIGN_EFORMAT, "log entry: %s is not a number", what);
	}
	if (n < 0)
		return signp_err(err, SIGN_EFORMAT, "log entry: %s %" PRId64 " is negative", what, n);
	*out = n;
	return SIGN_OK;
}

/* A protobuf bytes field (standard base64) into out, at most max bytes
 * decoded; required unless absent_ok. */
static int get_bytes(sign_buf *out, const json_t *v, size_t max, const char *what, sign_error *err)
{
	const char *s = json_string_value(v);
	if (s == NULL)
		return signp_err(err, SIGN_EFORMAT, "log entry: %s is %s", what,
			v == NULL ? "missing" : "not a base64 string");
	if (json_string_length(v) / 4 * 3 > max + 3)
		return signp_err(err, SIGN_EFORMAT, "log entry: %s is longer than %zu bytes", what, max);
	if (signp_b64_decode(out, s, json_string_length(v)) != SIGN_OK)
		return signp_err(err, SIGN_EFORMAT, "log entry: %s is not base64", what);
	if (out->size > max)
		return signp_err(err, SIGN_EFORMAT, "log entry: %s is longer than %zu bytes", what, max);
	return SIGN_OK;
}

/* The body: JSON (duplicate members refused) whose kind and apiVersion are
 * e->kind and e->version (when those are already known) or become them. */
static int read_body(signp_rekor_entry *e, sign_error *err)
{
	const char *kind, *version;
	json_error_t je;

	if ((e->doc = json_loadb(e->body.ptr, e->body.size, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return signp_err(err, SIGN_EFORMAT, "log entry: its body is not JSON: %s", je.text);
	kind = json_string_value(json_object_get(e->doc, "kind"));
	version = json_string_value(json_object_get(e->doc, "apiVersion"));
	if (!json_is_object(e->doc) || kind == NULL || version == NULL ||
	    !json_is_object(json_object_get(e->doc, "spec")))
		return signp_err(err, SIGN_EFORMAT, "log entry: its body has no kind, apiVersion and spec");
	if (e->kind[0] == '\0') {
		if (signp_strlcpy(e->kind, kind, sizeof(e->kind)) != 0 ||
		    signp_strlcpy(e->version, version, sizeof(e->version)) != 0)
			return signp_err(err, SIGN_EFORMAT, "log entry: its body's kind or apiVersion is too long");
	} else if (strcmp(kind, e->kind) != 0 || strcmp(version, e->version) != 0) {
		return signp_err(err, SIGN_EFORMAT,
			"log entry: its body is a %.32s %.16s, its kindVersion says %s %s", kind, version,
			e->kind, e->version);
	}
	e->v2 = strcmp(e->version, "0.0.2") == 0 &&
		(strcmp(e->kind, "hashedrekord") == 0 || strcmp(e->kind, "dsse") == 0);
	return SIGN_OK;
}

static int read_proof(signp_rekor_entry *e, const json_t *p, sign_error *err)
{
	const json_t *hashes, *h, *cp;
	sign_buf root = SIGN_BUF_INIT;
	size_t i;
	int r;

	if (!json_is_object(p))
		return signp_err(err, SIGN_EFORMAT, "log entry: inclusionProof is not an object");
	if ((r = get_int(&e->proof_index, json_object_get(p, "logIndex"), "inclusionProof.logIndex", err)) != SIGN_OK ||
	    (r = get_int(&e->tree_size, json_object_get(p, "treeSize"), "inclusionProof.treeSize", err)) != SIGN_OK)
		return r;
	if ((r = get_bytes(&root, json_object_get(p, "rootHash"), SIGNP_MERKLE_HASH,
		     "inclusionProof.rootHash", err)) != SIGN_OK || root.size != SIGNP_MERKLE_HASH) {
		sign_buf_dispose(&root);
		return r != SIGN_OK ? r : signp_err(err, SIGN_EFORMAT,
			"log entry: inclusionProof.rootHash is not %u bytes", SIGNP_MERKLE_HASH);
	}
	memcpy(e->root_hash, root.ptr, SIGNP_MERKLE_HASH);
	sign_buf_dispose(&root);
	hashes = json_object_get(p, "hashes");
	if (hashes != NULL && !json_is_array(hashes))
		return signp_err(err, SIGN_EFORMAT, "log entry: inclusionProof.hashes is not an array");
	if (json_array_size(hashes) > SIGNP_MERKLE_MAX_PROOF)
		return signp_err(err, SIGN_EFORMAT, "log entry: inclusionProof has %zu hashes, more than %u",
			json_array_size(hashes), SIGNP_MERKLE_MAX_PROOF);
	json_array_foreach(hashes, i, h) {
		if ((r = get_bytes(&e->hashes[i], h, SIGNP_MERKLE_HASH, "an inclusionProof hash", err)) != SIGN_OK)
			return r;
		if (e->hashes[i].size != SIGNP_MERKLE_HASH)
			return signp_err(err, SIGN_EFORMAT, "log entry: inclusionProof hash %zu is not %u bytes", i,
				SIGNP_MERKLE_HASH);
		e->nhashes = i + 1;
	}
	/* a proof is only worth its checkpoint (sigstore-go refuses one without) */
	cp = json_object_get(json_object_get(p, "checkpoint"), "envelope");
	if (json_string_value(cp) == NULL || json_string_length(cp) == 0)
		return signp_err(err, SIGN_EFORMAT, "log entry: inclusionProof has no checkpoint");
	if (json_string_length(cp) > SIGNP_CHECKPOINT_MAX_LEN)
		return signp_err(err, SIGN_EFORMAT, "log entry: its checkpoint is longer than %u bytes",
			SIGNP_CHECKPOINT_MAX_LEN);
	if (strlen(json_string_value(cp)) != json_string_length(cp))
		return signp_err(err, SIGN_EFORMAT, "log entry: its checkpoint holds a NUL byte");
	if ((e->checkpoint = signp_strdup(json_string_value(cp))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "log entry: out of memory");
	e->has_proof = 1;
	return SIGN_OK;
}

int signp_rekor_entry_parse(signp_rekor_entry **out, const json_t *t, sign_error *err)
{
	signp_rekor_entry *e;
	const json_t *kv, *v;
	sign_buf id = SIGN_BUF_INIT;
	const char *kind, *version;
	int r;

	*out = NULL;
	if (!json_is_object(t))
		return signp_err(err, SIGN_EFORMAT, "log entry: not an object");
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "log entry: out of memory");
	if ((r = get_int(&e->log_index, json_object_get(t, "logIndex"), "logIndex", err)) != SIGN_OK)
		goto fail;
	if ((r = get_bytes(&id, json_object_get(json_object_get(t, "logId"), "keyId"), sizeof(e->log_id),
		     "logId.keyId", err)) != SIGN_OK)
		goto fail;
	if (id.size == 0) {
		r = signp_err(err, SIGN_EFORMAT, "log entry: logId.keyId is empty");
		goto fail;
	}
	memcpy(e->log_id, id.ptr, id.size);
	e->log_id_len = id.size;
	kv = json_object_get(t, "kindVersion");
	kind = json_string_value(json_object_get(kv, "kind"));
	version = json_string_value(json_object_get(kv, "version"));
	if (kind == NULL || version == NULL || kind[0] == '\0' || version[0] == '\0') {
		r = signp_err(err, SIGN_EFORMAT, "log entry: no kindVersion.kind and .version");
		goto fail;
	}
	if (signp_strlcpy(e->kind, kind, sizeof(e->kind)) != 0 ||
	    signp_strlcpy(e->version, version, sizeof(e->version)) != 0) {
		r = signp_err(err, SIGN_EFORMAT, "log entry: kindVersion is too long");
		goto fail;
	}
	if ((v = json_object_get(t, "integratedTime")) != NULL &&
	    (r = get_int(&e->integrated_time, v, "integratedTime", err)) != SIGN_OK)
		goto fail;
	if ((v = json_object_get(t, "inclusionPromise")) != NULL) {
		if ((r = get_bytes(&e->set, json_object_get(v, "signedEntryTimestamp"), 1024,
			     "inclusionPromise.signedEntryTimestamp", err)) != SIGN_OK)
			goto fail;
		e->has_set = e->set.size > 0;
	}
	if ((v = json_object_get(t, "inclusionProof")) != NULL && (r = read_proof(e, v, err)) != SIGN_OK)
		goto fail;
	if ((r = get_bytes(&e->body, json_object_get(t, "canonicalizedBody"), SIGNP_REKOR_MAX_BODY,
		     "canonicalizedBody", err)) != SIGN_OK ||
	    (r = read_body(e, err)) != SIGN_OK)
		goto fail;
	sign_buf_dispose(&id);
	*out = e;
	return SIGN_OK;
fail:
	sign_buf_dispose(&id);
	signp_rekor_entry_free(e);
	return r;
}

int signp_rekor_entry_from_cosign(signp_rekor_entry **out, const void *json, size_t len,
	sign_error *err)
{
	signp_rekor_entry *e = NULL;
	const json_t *p, *v;
	const char *hex;
	json_t *doc;
	json_error_t je;
	int r;

	*out = NULL;
	if (len > SIGNP_REKOR_MAX_BODY * 2)
		return signp_err(err, SIGN_EFORMAT, "cosign bundle annotation: %zu bytes, more than %u", len,
			SIGNP_REKOR_MAX_BODY * 2);
	if ((doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return signp_err(err, SIGN_EFORMAT, "cosign bundle annotation: not JSON: %s", je.text);
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "cosign bundle annotation: out of memory");
		goto out;
	}
	p = json_object_get(doc, "Payload");
	if (!json_is_object(doc) || !json_is_object(p)) {
		r = signp_err(err, SIGN_EFORMAT, "cosign bundle annotation: no Payload object");
		goto out;
	}
	if ((r = get_bytes(&e->set, json_object_get(doc, "SignedEntryTimestamp"), 1024,
		     "SignedEntryTimestamp", err)) != SIGN_OK)
		goto out;
	e->has_set = e->set.size > 0;
	if (!json_is_integer(v = json_object_get(p, "logIndex")) ||
	    !json_is_integer(json_object_get(p, "integratedTime"))) {
		r = signp_err(err, SIGN_EFORMAT, "cosign bundle annotation: logIndex and integratedTime must be integers");
		goto out;
	}
	if ((r = get_int(&e->log_index, v, "logIndex", err)) != SIGN_OK ||
	    (r = get_int(&e->integrated_time, json_object_get(p, "integratedTime"), "integratedTime", err)) != SIGN_OK)
		goto out;
	hex = json_string_value(json_object_get(p, "logID"));
	if (hex == NULL || strlen(hex) == 0 || strlen(hex) % 2 != 0 || strlen(hex) / 2 > sizeof(e->log_id) ||
	    signp_unhex(e->log_id, strlen(hex) / 2, hex) != SIGN_OK) {
		r = signp_err(err, SIGN_EFORMAT, "cosign bundle annotation: logID is not hex");
		goto out;
	}
	e->log_id_len = strlen(hex) / 2;
	if ((r = get_bytes(&e->body, json_object_get(p, "body"), SIGNP_REKOR_MAX_BODY, "body", err)) != SIGN_OK ||
	    (r = read_body(e, err)) != SIGN_OK)
		goto out;
	*out = e;
	e = NULL;
	r = SIGN_OK;
out:
	signp_rekor_entry_free(e);
	json_decref(doc);
	return r;
}

/* ---- verification ---- */

/* The log of r whose id is e's: valid at the entry's integrated time when
 * it has one; any validity when it has none (Rekor v2: its time comes from
 * a timestamp authority, checked by the caller). */
static const signp_sig_log *find_log(const signp_trusted_root *r, const signp_rekor_entry *e,
	int *wrong_time)
{
	size_t i;
	*wrong_time = 0;
	for (i = 0; i < r->ntlogs; i++) {
		const signp_sig_log *l = &r->tlogs[i];
		if (l->key == NULL || l->idlen != e->log_id_len || memcmp(l->id, e->log_id, l->idlen) != 0)
			continue;
		if (e->integrated_time > 0 && (e->integrated_time < l->start || e->integrated_time > l->end)) {
			*wrong_time = 1;
			continue;
		}
		return l;
	}
	return NULL;
}

/* The SET: the log's signature over the canonical JSON (RFC 8785) of
 * {"body","integratedTime","logID","logIndex"}, as sigstore-go's
 * tlog.VerifySET and rekor's VerifySignedEntryTimestamp make it. */
static int verify_set(const signp_rekor_entry *e, const signp_sig_log *l, sign_error *err)
{
	sign_buf msg = SIGN_BUF_INIT;
	char hex[2 * sizeof(e->log_id) + 1];
	int r;

	signp_hex(hex, e->log_id, e->log_id_len);
	if ((r = signp_buf_puts(&msg, "{\"body\":\"")) != SIGN_OK ||
	    (r = signp_b64_encode(&msg, e->body.ptr, e->body.size)) != SIGN_OK ||
	    (r = signp_buf_printf(&msg, "\",\"integratedTime\":%" PRId64 ",\"logID\":\"%s\",\"logIndex\":%" PRId64 "}",
		     e->integrated_time, hex, e->log_index)) != SIGN_OK) {
		sign_buf_dispose(&msg);
		return signp_err(err, SIGN_ENOMEM, "log entry: out of memory");
	}
	r = signp_log_sig_verify(l->key, msg.ptr, msg.size, e->set.ptr, e->set.size);
	sign_buf_dispose(&msg);
	if (r != SIGN_OK)
		return signp_err(err, SIGN_EVERIFY,
			"log entry %" PRId64 ": its signed entry timestamp does not verify with the log's key",
			e->log_index);
	return SIGN_OK;
}

/* The checkpoint's origin a Rekor v2 log signs as: the trusted root's
 * origin, else its baseUrl's host (as sigstore-go takes u.Hostname()). */
static int log_origin(char *out, size_t outsz, const signp_sig_log *l)
{
	const char *u = l->base_url, *end;
	if (l->origin != NULL && l->origin[0] != '\0')
		return signp_strlcpy(out, l->origin, outsz);
	if (u == NULL)
		return -1;
	if (strstr(u, "://") != NULL)
		u = strstr(u, "://") + 3;
	for (end = u; *end != '\0' && *end != '/' && *end != ':' && *end != '?'; end++)
		;
	if (end == u || (size_t)(end - u) >= outsz)
		return -1;
	memcpy(out, u, (size_t)(end - u));
	out[end - u] = '\0';
	return 0;
}

static int verify_proof(const signp_rekor_entry *e, const signp_sig_log *l, sign_error *err)
{
	signp_checkpoint cp;
	sign_buf leaf = SIGN_BUF_INIT, root = SIGN_BUF_INIT;
	char origin[256];
	int r;

	if (e->v2 && e->proof_index != e->log_index)
		return signp_err(err, SIGN_EVERIFY,
			"log entry %" PRId64 ": its inclusion proof is for index %" PRId64, e->log_index,
			e->proof_index);
	if (e->v2 && log_origin(origin, sizeof(origin), l) != 0)
		return signp_err(err, SIGN_EVERIFY,
			"log entry %" PRId64 ": the trusted root gives its Rekor v2 log no origin (baseUrl)",
			e->log_index);
	if ((r = signp_checkpoint_parse(&cp, e->checkpoint, strlen(e->checkpoint), err)) != SIGN_OK ||
	    (r = signp_checkpoint_verify(&cp, l->key, e->v2 ? origin : NULL, !e->v2, err)) != SIGN_OK) {
		signp_checkpoint_dispose(&cp);
		return signp_err_prefix_as(err, SIGN_EVERIFY, "log entry %" PRId64, e->log_index);
	}
	if (cp.size != (uint64_t)e->tree_size || memcmp(cp.root, e->root_hash, SIGNP_MERKLE_HASH) != 0) {
		r = signp_err(err, SIGN_EVERIFY,
			"log entry %" PRId64 ": its checkpoint (tree size %" PRIu64 ") is not of the inclusion proof's "
			"tree (size %" PRId64 ") and root hash",
			e->log_index, cp.size, e->tree_size);
		signp_checkpoint_dispose(&cp);
		return r;
	}
	signp_checkpoint_dispose(&cp);
	if (signp_buf_grow(&leaf, SIGNP_MERKLE_HASH) != SIGN_OK ||
	    signp_buf_put(&root, e->root_hash, SIGNP_MERKLE_HASH) != SIGN_OK) {
		sign_buf_dispose(&leaf);
		sign_buf_dispose(&root);
		return signp_err(err, SIGN_ENOMEM, "log entry: out of memory");
	}
	signp_merkle_leaf_hash((unsigned char *)leaf.ptr, e->body.ptr, e->body.size);
	leaf.size = SIGNP_MERKLE_HASH;
	r = signp_merkle_verify_inclusion((uint64_t)e->proof_index, (uint64_t)e->tree_size, &leaf, e->hashes,
		e->nhashes, &root, err);
	sign_buf_dispose(&leaf);
	sign_buf_dispose(&root);
	if (r != SIGN_OK)
		return signp_err_prefix(err, r, "log entry %" PRId64, e->log_index);
	return SIGN_OK;
}

int signp_rekor_verify(const signp_rekor_entry *e, const signp_trusted_root *r, unsigned need,
	int64_t now, int64_t *integrated_time, sign_error *err)
{
	const signp_sig_log *l;
	char hex[2 * sizeof(e->log_id) + 1];
	int wrong_time, rc;

	*integrated_time = -1;
	signp_hex(hex, e->log_id, e->log_id_len);
	if ((l = find_log(r, e, &wrong_time)) == NULL)
		return signp_err(err, SIGN_EVERIFY, wrong_time
			? "log entry %" PRId64 ": its log %.64s was not a trusted log at its integrated time"
			: "log entry %" PRId64 ": its log %.64s is not a transparency log of the trusted root",
			e->log_index, hex);
	if (!e->has_proof && !e->has_set && !e->v2)
		return signp_err(err, SIGN_EVERIFY,
			"log entry %" PRId64 ": it has neither an inclusion proof nor a signed entry timestamp",
			e->log_index);
	if (((need & SIGNP_REKOR_NEED_PROOF) || e->v2) && !e->has_proof)
		return signp_err(err, SIGN_EVERIFY, "log entry %" PRId64 ": it has no inclusion proof%s",
			e->log_index, e->v2 ? " (a Rekor v2 entry must)" : "");
	if ((need & SIGNP_REKOR_NEED_PROMISE) && !e->has_set)
		return signp_err(err, SIGN_EVERIFY, "log entry %" PRId64 ": it has no signed entry timestamp",
			e->log_index);
	if (e->integrated_time > now + REKOR_TIME_SKEW) {
		char t[32];
		signp_time_format(t, e->integrated_time);
		return signp_err(err, SIGN_EVERIFY, "log entry %" PRId64 ": its integrated time %s is in the future",
			e->log_index, t);
	}
	if (e->has_set && (rc = verify_set(e, l, err)) != SIGN_OK)
		return rc;
	if (e->has_proof && (rc = verify_proof(e, l, err)) != SIGN_OK)
		return rc;
	if (e->has_set)
		*integrated_time = e->integrated_time;
	return SIGN_OK;
}

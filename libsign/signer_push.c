/*
 * signer_push.c - sign push --key KEYID: sign the tag into every direct
 * delegation that lists the key and whose paths allow the tag (signer.c
 * has the model), in one publish transaction (publish.h).
 */
#include "signer.h"
#include "publish.h"
#include "push_target.h"
#include "tuf.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define RELEASES SIGNP_RELEASES

/* ---- sign push --key KEYID ---- */

/* The TUF key ID under which the role lists dk (its canonical ID, or a
 * certificate or other form of the same public key), or NULL. */
static const char *role_key_id(const json_t *role, const json_t *keys, const signp_key *dk)
{
	const json_t *id;
	size_t i;
	if (signp_ids_has(json_object_get(role, "keyids"), dk->id) && json_object_get(keys, dk->id))
		return dk->id;
	json_array_foreach(json_object_get(role, "keyids"), i, id) {
		EVP_PKEY *pk = NULL;
		int same;
		const json_t *obj = json_object_get(keys, json_string_value(id) ? json_string_value(id) : "");
		if (obj == NULL || signp_tuf_key_pkey(&pk, obj, NULL) != SIGN_OK)
			continue;
		same = EVP_PKEY_eq(pk, dk->pkey) == 1;
		EVP_PKEY_free(pk);
		if (same)
			return json_string_value(id);
	}
	return NULL;
}

/* The current file of a delegation: the verified one, else the published
 * one the snapshot names (hash-checked, signatures not yet enough), else
 * NULL (none yet). */
static int current_deleg(signp_tuf_file **out, signp_trust_backend *be, const signp_trust *t,
	const char *role, sign_error *err)
{
	const json_t *meta = json_object_get(json_object_get(t->snapshot->signed_obj, "meta"), role);
	const char *h;
	sign_buf raw = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	char hex[65];
	int r;
	*out = NULL;
	for (size_t i = 0; i < t->ndeleg; i++)
		if (strcmp(t->deleg[i]->role, role) == 0)
			return signp_tuf_parse(out, role, t->deleg[i]->bytes, t->deleg[i]->len, err);
	if (meta == NULL)
		return SIGN_OK;
	h = json_string_value(json_object_get(json_object_get(meta, "hashes"), "sha256"));
	if (h && signp_b64_decode(&raw, h, strlen(h)) == SIGN_OK && raw.size == 32)
		signp_hex(hex, (const unsigned char *)raw.ptr, 32);
	else
		hex[0] = '\0';
	sign_buf_dispose(&raw);
	r = be->fetch(be, role, 0, hex[0] ? hex : NULL, SIGN_MAX_METADATA, &data, err);
	if (r == SIGN_OK)
		r = signp_tuf_check_filemeta(meta, data.ptr, data.size, role, err);
	if (r == SIGN_OK)
		r = signp_tuf_parse(out, role, data.ptr, data.size, err);
	if (r != SIGN_OK)
		signp_err_prefix(err, r, "reading %s", role);
	sign_buf_dispose(&data);
	return r;
}

#define MAX_PUSH_KEYS 8

/* Add signatures by signers[] to f's existing ones; same signed part (an
 * earlier signature by one of those key IDs is replaced). */
static int cosign_file(sign_buf *wire, const signp_tuf_file *f, const signp_tuf_signer *signers, size_t n,
	sign_error *err)
{
	sign_buf msg = SIGN_BUF_INIT, sig = SIGN_BUF_INIT;
	json_t *sigs = json_array(), *s;
	char method[16];
	size_t i, j;
	int r = SIGN_OK;
	if (sigs == NULL)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	json_array_foreach(f->signatures, i, s) {
		const char *kid = json_string_value(json_object_get(s, "keyid"));
		int ours = 0;
		for (j = 0; kid && j < n; j++)
			if (strcmp(kid, signers[j].keyid) == 0)
				ours = 1;
		if (kid && !ours)
			json_array_append(sigs, s);
	}
	if ((r = signp_cjson_canonical(&msg, f->signed_obj, err)) != SIGN_OK)
		goto out;
	for (j = 0; j < n; j++) {
		if ((r = signp_tuf_sig_create(&sig, method, signers[j].pkey, msg.ptr, msg.size, err)) != SIGN_OK)
			goto out;
		if (json_array_append_new(sigs, json_pack("{s:s,s:s,s:s}", "keyid", signers[j].keyid,
			    "method", method, "sig", sig.ptr)) != 0) {
			r = signp_err(err, SIGN_ENOMEM, "out of memory");
			goto out;
		}
	}
	signp_buf_clear(wire);
	r = signp_cjson_wire(wire, f->signed_obj, sigs, err);
out:
	json_decref(sigs);
	sign_buf_dispose(&msg);
	sign_buf_dispose(&sig);
	return r;
}

typedef struct signer_push {
	signp_store *st;
	const char *gun;
	const char *tag;
	const char *digest;
	uint64_t size;
	signp_key *dks[MAX_PUSH_KEYS]; /* the signer keys given (--key ID[,ID...]) */
	size_t ndk;
	int used[MAX_PUSH_KEYS];       /* the key may sign the tag into some role */
	int sig_done[MAX_PUSH_KEYS];   /* its detached signature is pushed */
	int sig_changed;
	char roles[64];         /* roles signed into, comma separated */
	char pending[512];      /* roles still short of their threshold */
	sign_ctx *ctx;
	signp_trust_backend *be;
	signp_pub_keys *pk;     /* the snapshot and timestamp keys, once loaded */
} signer_push;

/* A delegation file to publish. */
typedef struct out_file {
	char role[128];
	int64_t version;
	sign_buf bytes;
} out_file;

/* May dk sign tag into role?  Its own signer roles (targets/x other than
 * releases, listing the key) decide; targets/releases also checks its
 * own paths. */
static int may_sign(const json_t *roles, const json_t *keys, const json_t *role, const signp_key *dk,
	const char *tag)
{
	const char *n = json_string_value(json_object_get(role, "name"));
	const json_t *o;
	size_t i;
	int own = 0, own_ok = 0;
	if (!signp_path_allowed(role, tag))
		return 0;
	if (strcmp(n, RELEASES) != 0)
		return 1;
	json_array_foreach(roles, i, o) {
		const char *on = json_string_value(json_object_get(o, "name"));
		if (!signp_signer_direct_child(on) || strcmp(on, RELEASES) == 0 || role_key_id(o, keys, dk) == NULL)
			continue;
		own = 1;
		if (signp_path_allowed(o, tag))
			own_ok = 1;
	}
	return !own || own_ok;
}

static void paths_text(char *out, size_t size, const json_t *role)
{
	const json_t *p;
	size_t i, o = 0;
	out[0] = '\0';
	json_array_foreach(json_object_get(role, "paths"), i, p) {
		int n = snprintf(out + o, size - o, "%s\"%s\"", o ? ", " : "",
			json_string_value(p) ? json_string_value(p) : "?");
		if (n < 0 || (size_t)n >= size - o)
			break;
		o += (size_t)n;
	}
	if (o == 0)
		snprintf(out, size, "none");
}

/* Remember a role the tag is (now) in, and whether it is short of its
 * threshold. */
static void note_role(signer_push *sp, const char *n, int nvalid, int64_t th)
{
	size_t l = strlen(sp->roles);
	if (l + strlen(n) + 2 < sizeof(sp->roles))
		snprintf(sp->roles + l, sizeof(sp->roles) - l, "%s%s", l ? "," : "", n);
	if (nvalid < th) {
		l = strlen(sp->pending);
		snprintf(sp->pending + l, sizeof(sp->pending) - l, "%s%s (%d of %lld)",
			l ? ", " : "", n, nvalid, (long long)th);
	}
}

/* Detached signatures by every key that signs, before the metadata: an
 * interrupted push leaves a signature that nothing references yet, never
 * a tag without a signature. */
static int push_detached(signer_push *sp, sign_error *err)
{
	int r, ch;
	for (size_t j = 0; j < sp->ndk; j++) {
		if (!sp->used[j] || sp->sig_done[j])
			continue;
		ch = 0;
		if ((r = signp_push_signature(&ch, sp->st, sp->gun, sp->digest, sp->dks[j], err)) != SIGN_OK)
			return r;
		sp->sig_done[j] = 1;
		if (ch)
			sp->sig_changed = 1;
	}
	return SIGN_OK;
}

/* The stage of a signer push (arg: the signer_push): the tag into every
 * role the keys may sign it into, against the current state t. */
static int signer_stage(signp_publish *tx, const signp_trust *t, void *arg, sign_error *err)
{
	signer_push *sp = arg;
	const json_t *deleg, *roles, *keys, *role;
	out_file files[SIGN_TRUST_MAX_DELEG];
	size_t nf = 0, i, j, nlisted = 0;
	json_t *want = NULL, *ns = NULL;
	signp_tuf_file *cur = NULL;
	char refused[256] = "", ptxt[192];
	int r = SIGN_OK, own_refusal = 0;
	int64_t now = signp_now();

	memset(files, 0, sizeof(files));
	sp->roles[0] = sp->pending[0] = '\0';
	deleg = json_object_get(t->targets->signed_obj, "delegations");
	roles = json_object_get(deleg, "roles");
	keys = json_object_get(deleg, "keys");
	if ((want = signp_target_json(sp->digest, sp->size)) == NULL) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(roles, i, role) {
		const char *n = json_string_value(json_object_get(role, "name"));
		signp_tuf_signer use[MAX_PUSH_KEYS];
		size_t nu = 0, iu[MAX_PUSH_KEYS];
		const json_t *entry;
		out_file *f;
		int64_t th;
		int nvalid, listed = 0;
		if (!signp_signer_direct_child(n))
			continue;
		for (j = 0; j < sp->ndk; j++) {
			const char *kid = role_key_id(role, keys, sp->dks[j]);
			if (kid == NULL)
				continue;
			listed = 1;
			if (may_sign(roles, keys, role, sp->dks[j], sp->tag)) {
				use[nu].keyid = kid;
				use[nu].pkey = sp->dks[j]->pkey;
				iu[nu++] = j;
			}
		}
		if (!listed)
			continue;
		nlisted++;
		if (nu == 0) {
			/* name the signer's own role first; targets/releases only
			 * when its own paths are what refuse */
			if ((strcmp(n, RELEASES) != 0 && !own_refusal) ||
			    (refused[0] == '\0' && !signp_path_allowed(role, sp->tag))) {
				paths_text(ptxt, sizeof(ptxt), role);
				snprintf(refused, sizeof(refused), "%.64s may sign only tags starting with %.150s",
					n, ptxt);
				own_refusal = strcmp(n, RELEASES) != 0;
			}
			continue;
		}
		for (j = 0; j < nu; j++)
			sp->used[iu[j]] = 1;
		if (nf == SIGN_TRUST_MAX_DELEG)
			break;
		signp_tuf_file_free(cur);
		cur = NULL;
		if ((r = current_deleg(&cur, sp->be, t, n, err)) != SIGN_OK)
			goto out;
		th = json_integer_value(json_object_get(role, "threshold"));
		if (th < 1)
			th = 1;
		f = &files[nf];
		signp_strlcpy(f->role, n, sizeof(f->role));
		entry = cur ? json_object_get(json_object_get(cur->signed_obj, "targets"), sp->tag) : NULL;
		if (cur && entry && json_equal(entry, want) && cur->expires > now) {
			/* the file holds this tag and digest already: co-sign it
			 * with the keys that have not signed it yet */
			size_t na = 0;
			nvalid = signp_tuf_count_valid(cur, keys, json_object_get(role, "keyids"));
			for (j = 0; j < nu && nvalid < th; j++) {
				json_t *one = json_pack("[s]", use[j].keyid);
				int mine = signp_tuf_count_valid(cur, keys, one);
				json_decref(one);
				if (mine <= 0)
					use[na++] = use[j];
			}
			if (nvalid >= th || na == 0) {
				note_role(sp, n, nvalid, th); /* signed already */
				continue;
			}
			if ((r = cosign_file(&f->bytes, cur, use, na, err)) != SIGN_OK)
				goto out;
			f->version = cur->version;
			nvalid += (int)na;
		} else {
			json_decref(ns);
			ns = cur ? json_deep_copy(cur->signed_obj) :
				json_pack("{s:s, s:{s:{}, s:[]}, s:{}, s:i}", "_type", "Targets", "delegations", "keys",
					"roles", "targets", "version", 0);
			if (ns == NULL || !json_is_object(json_object_get(ns, "targets")) ||
			    json_object_set(json_object_get(ns, "targets"), sp->tag, want) != 0) {
				r = signp_err(err, SIGN_EFORMAT, "%s: cannot add %s to it", n, sp->tag);
				goto out;
			}
			f->version = (cur ? cur->version : 0) + 1;
			json_object_set_new(ns, "version", json_integer(f->version));
			json_object_set_new(ns, "expires", signp_expires_in(SIGN_LIFE_TARGETS));
			if ((r = signp_tuf_sign(&f->bytes, ns, use, nu, err)) != SIGN_OK)
				goto out;
			nvalid = (int)nu;
		}
		nf++;
		note_role(sp, n, nvalid, th);
	}
	if (nf == 0 && sp->roles[0] == '\0' && refused[0]) {
		r = signp_err(err, SIGN_EINVAL, "signing %s:%s with key %.12s: refused: %s", sp->gun, sp->tag,
			sp->dks[0]->id, refused);
		goto out;
	}
	if (nlisted == 0) {
		r = signp_err(err, SIGN_EKEY, "signing %s:%s: key %.12s is not a signer of %s", sp->gun, sp->tag,
			sp->dks[0]->id, sp->gun);
		signp_err_hint(err, "the repository owner adds it with `sign signer add NAME %s --key PUB.pem`",
			sp->gun);
		goto out;
	}
	if (nf == 0) {
		/* nothing to change in the metadata (signed already) */
		r = push_detached(sp, err);
		goto out;
	}
	if ((r = signp_pub_keys_get(sp->pk, sp->ctx, sp->be, t, "signing as a signer", err)) != SIGN_OK ||
	    (r = push_detached(sp, err)) != SIGN_OK)
		goto out;
	for (i = 0; r == SIGN_OK && i < nf; i++)
		r = signp_publish_add_file(tx, files[i].role, files[i].version, files[i].bytes.ptr,
			files[i].bytes.size, err);
	signp_publish_set_keys(tx, NULL, sp->pk->snapshot, sp->pk->timestamp);
out:
	for (i = 0; i < SIGN_TRUST_MAX_DELEG; i++)
		sign_buf_dispose(&files[i].bytes);
	signp_tuf_file_free(cur);
	json_decref(want);
	json_decref(ns);
	return r;
}

/* Publish sp's tag; the hint when a Notary server refuses the update while
 * a role file is still short of its threshold. */
static int signer_commit(signp_publish *tx, signer_push *sp, sign_error *err)
{
	int r = signp_publish_commit(tx, signer_stage, sp, err);
	if (r == SIGN_EREGISTRY && sp->pending[0] && (sp->be->caps & SIGNP_TRUST_CAP_SERVER_TIMESTAMP))
		signp_err_hint(err, "a Notary server takes a delegation file only once it holds its threshold "
			"of signatures: sign with enough of the role's keys at once (`--key ID1,ID2`)");
	return r;
}

/* Load the signer keys of --key ID[,ID...] (delegation passphrase). */
static int load_signer_keys(signer_push *sp, sign_ctx *ctx, const char *list, sign_error *err)
{
	const char *p = list;
	int r;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char id[80];
		signp_keyinfo info;
		if (len == 0 || len >= sizeof(id))
			return signp_err(err, SIGN_EINVAL, "push --key: bad key ID list \"%.80s\"", list);
		if (sp->ndk == MAX_PUSH_KEYS)
			return signp_err(err, SIGN_EINVAL, "push --key: at most %d keys", MAX_PUSH_KEYS);
		memcpy(id, p, len);
		id[len] = '\0';
		if ((r = signp_keystore_info(&info, ctx->home, id, err)) != SIGN_OK)
			return signp_err_prefix(err, r, "push --key %.72s", id);
		if (strcmp(info.role, "root") == 0 || strcmp(info.role, "targets") == 0 ||
		    strcmp(info.role, "snapshot") == 0 || strcmp(info.role, "timestamp") == 0) {
			r = signp_err(err, SIGN_EINVAL, "push --key %.12s: that is a %s key, not a signer key",
				info.id, info.role);
			signp_err_hint(err, "push without --key to sign with the repository key");
			return r;
		}
		for (size_t j = 0; j < sp->ndk; j++)
			if (strcmp(sp->dks[j]->id, info.id) == 0)
				return signp_err(err, SIGN_EINVAL, "push --key: %.12s given twice", info.id);
		if ((r = signp_ctx_load_key(&sp->dks[sp->ndk], ctx, info.id, SIGN_PASS_DELEGATION, err)) != SIGN_OK)
			return r;
		sp->ndk++;
		p = comma ? comma + 1 : NULL;
	}
	if (sp->ndk == 0)
		return signp_err(err, SIGN_EINVAL, "push --key: no key ID given");
	return SIGN_OK;
}

/* The signer tags this home's journal holds that a read of the published
 * state no longer shows (a concurrent publisher's write lost them): the
 * ones signed with the same keys (keyids) go through the same signing path
 * again, the others are named with the command that publishes them.
 * Confirmed or changed entries leave the journal. */
static void republish_lost(signp_publish *tx, signer_push *base, sign_ctx *ctx, signp_trust_backend *be,
	json_t *journal, const char *keyids)
{
	signp_trust *t = NULL;
	signp_trust_load_opts lo = { .publisher = 1 };
	const char *tag, *digest, *signer;
	json_t *e, *tmp;
	uint64_t size;
	sign_error e2;
	int dirty = 0, others = 0;
	memset(&e2, 0, sizeof(e2));
	json_object_foreach(journal, tag, e)
		others |= signp_journal_signer(e) != NULL && strcmp(tag, base->tag) != 0;
	if (!others)
		return; /* no read needed */
	if (signp_trust_load(&t, ctx, be, base->gun, &lo, &e2) != SIGN_OK) {
		signp_ctx_log(ctx, SIGN_LOG_WARN, "checking the publish journal of %s: %s", base->gun, e2.message);
		return;
	}
	json_object_foreach_safe(journal, tmp, tag, e) {
		int st, r;
		signer_push sp;
		if ((signer = signp_journal_signer(e)) == NULL || strcmp(tag, base->tag) == 0 ||
		    !signp_journal_entry(e, &digest, &size))
			continue;
		st = signp_journal_state_any(t, tag, digest);
		if (st != SIGNP_JOURNAL_MISSING) {
			if (st == SIGNP_JOURNAL_CHANGED)
				signp_ctx_log(ctx, SIGN_LOG_WARN, "%s:%s, signed by this home at %s, is now signed to "
					"another digest by another publisher; leaving theirs", base->gun, tag, digest);
			json_object_del(journal, tag);
			dirty = 1;
			continue;
		}
		if (strcmp(signer, keyids) != 0) {
			signp_journal_report_signer(ctx, base->gun, tag, digest, signer);
			continue;
		}
		/* the same path as the push that signed it, with the same keys */
		memcpy(&sp, base, sizeof(sp));
		memset(sp.used, 0, sizeof(sp.used));
		memset(sp.sig_done, 0, sizeof(sp.sig_done));
		sp.sig_changed = 0;
		sp.tag = tag;
		sp.digest = digest;
		sp.size = size;
		signp_err_clear(&e2);
		r = signer_commit(tx, &sp, &e2);
		signp_ctx_log(ctx, SIGN_LOG_WARN, "%s:%s, signed by this home at %s, was missing from the published "
			"trust data (another publisher's write replaced it): %s%s", base->gun, tag, digest,
			r == SIGN_OK ? "published it again" : "publishing it again failed: ",
			r == SIGN_OK ? "" : e2.message);
	}
	if (dirty && signp_journal_save(ctx, base->gun, journal, &e2) != SIGN_OK)
		signp_ctx_log(ctx, SIGN_LOG_WARN, "%s", e2.message);
	signp_trust_free(t);
}

int signp_push_as_signer(sign_push_result *out, sign_ctx *ctx, const char *refstr,
	const sign_push_options *opts, sign_error *err)
{
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	signp_pub_keys pk;
	signer_push sp;
	char digest[80];
	const char *tag = NULL;
	uint64_t size = 0;
	int r, noop = 0;
	signp_publish *tx = NULL;
	json_t *journal = NULL;

	memset(&pk, 0, sizeof(pk));
	memset(&sp, 0, sizeof(sp));
	if (opts->from || opts->recursive) {
		r = signp_err(err, SIGN_EINVAL, "push --key: --from and --recursive are for the repository key; "
			"upload the image first, then sign it as a signer");
		goto out;
	}
	if ((r = signp_ref_parse(&ref, refstr, opts->gun, err)) != SIGN_OK ||
	    (r = signp_store_open(&st, ctx, &ref, 0, err)) != SIGN_OK ||
	    (r = signp_trust_backend_open(&be, ctx, st, &ref, err)) != SIGN_OK)
		goto out;
	if ((r = signp_push_tag(&tag, &ref, refstr, err)) != SIGN_OK ||
	    (r = signp_push_resolve(digest, NULL, &size, st, &ref, refstr, tag, err)) != SIGN_OK)
		goto out;
	if ((r = load_signer_keys(&sp, ctx, opts->keyid, err)) != SIGN_OK)
		goto out;
	if ((r = signp_publish_begin(&tx, ctx, be, ref.gun, NULL, err)) != SIGN_OK)
		goto out;
	sp.st = st;
	sp.gun = ref.gun;
	sp.tag = tag;
	sp.digest = digest;
	sp.size = size;
	/* the publish journal (journal.c): the tag before anything is
	 * published, so that a later command notices if a concurrent
	 * publisher's write loses it */
	journal = signp_journal_load(ctx, ref.gun);
	if (signp_journal_set_signer(journal, tag, digest, size, opts->keyid) != SIGN_OK) {
		r = signp_err(err, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = signp_journal_save(ctx, ref.gun, journal, err)) != SIGN_OK)
		goto out;
	sp.ctx = ctx;
	sp.be = be;
	sp.pk = &pk;
	r = signer_commit(tx, &sp, err);
	noop = r == SIGN_OK && !signp_publish_published(tx);
	if (r != SIGN_OK || noop) {
		/* failed (the user is told), or signed already */
		sign_error e2;
		memset(&e2, 0, sizeof(e2));
		json_object_del(journal, tag);
		if (signp_journal_save(ctx, ref.gun, journal, &e2) != SIGN_OK)
			signp_ctx_log(ctx, SIGN_LOG_WARN, "%s", e2.message);
	}
	if (r != SIGN_OK)
		goto out;
	republish_lost(tx, &sp, ctx, be, journal, opts->keyid);
	if (sp.pending[0])
		signp_ctx_log(ctx, SIGN_LOG_WARN,
			"%s:%s needs more signers: %s; it verifies once enough signer keys have signed the "
			"same digest (`sign push --key KEYID %s:%s`)", ref.gun, tag, sp.pending, ref.gun, tag);
	signp_strlcpy(out->repository, ref.gun, sizeof(out->repository));
	signp_strlcpy(out->gun, ref.gun, sizeof(out->gun));
	signp_strlcpy(out->tag, tag, sizeof(out->tag));
	signp_strlcpy(out->digest, digest, sizeof(out->digest));
	signp_strlcpy(out->keyid, sp.dks[0]->id, sizeof(out->keyid));
	signp_strlcpy(out->role, sp.roles[0] ? sp.roles : RELEASES, sizeof(out->role));
	out->size = size;
	out->new_signature = sp.sig_changed;
out:
	signp_publish_end(tx);
	signp_ctx_counters(ctx, &out->requests, NULL);
	signp_ctx_remember_schemes(ctx);
	for (size_t j = 0; j < sp.ndk; j++)
		signp_key_free(sp.dks[j]);
	json_decref(journal);
	signp_pub_keys_free(&pk);
	if (be)
		be->free(be);
	signp_store_free(st);
	return r;
}

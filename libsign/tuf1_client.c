/*
 * tuf1_client.c - the TUF 1.0 detailed client workflow (spec §5): the
 * trusted root and its rotation chain, timestamp, snapshot and targets
 * with rollback and freeze protection, consistent snapshots, delegations
 * searched in pre-order, and target downloads checked by length and
 * hashes.  Network and storage go through the caller's signp_tuf1_ops.
 *
 * Local copies are trusted only as far as they verify: a local timestamp
 * or snapshot that verifies under the current root serves as the floor of
 * rollback checks even when it has expired; one that no longer verifies
 * (its keys were rotated away) is ignored, which is how a repository
 * recovers from a fast-forward attack.
 */
#include "tuf1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct loaded_role {
	char *name;
	signp_tuf1_meta *m;
} loaded_role;

struct signp_tuf1_client {
	signp_tuf1_ops ops;
	char *murl, *turl; /* each ends with '/' */
	int64_t now;
	signp_tuf1_meta *root, *timestamp, *snapshot;
	loaded_role *roles;
	size_t nroles, caproles;
	int refreshed;
	int offline;      /* signp_tuf1_load_cached: local files only, expiry noted */
	int expired_seen; /* offline: a file read had expired */
};

static char *with_slash(const char *u)
{
	size_t n = strlen(u);
	char *s = malloc(n + 2);
	if (s == NULL)
		return NULL;
	memcpy(s, u, n);
	if (n == 0 || u[n - 1] != '/')
		s[n++] = '/';
	s[n] = '\0';
	return s;
}

int signp_tuf1_quote(sign_buf *out, const char *s)
{
	static const char hexd[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int rc;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			rc = signp_buf_putc(out, (char)c);
		else
			rc = signp_buf_printf(out, "%%%c%c", hexd[c >> 4], hexd[c & 15]);
		if (rc != SIGN_OK)
			return rc;
	}
	return SIGN_OK;
}

/* The local file name of a role: "<quoted role>.json". */
static int role_file(sign_buf *out, const char *role)
{
	signp_buf_clear(out);
	if (signp_tuf1_quote(out, role) != SIGN_OK || signp_buf_puts(out, ".json") != SIGN_OK)
		return SIGN_ENOMEM;
	return SIGN_OK;
}

/* The URL of a role's metadata: "<murl>[<version>.]<quoted role>.json". */
static int role_url(sign_buf *out, const signp_tuf1_client *c, const char *role, int64_t version)
{
	signp_buf_clear(out);
	if (signp_buf_puts(out, c->murl) != SIGN_OK ||
	    (version > 0 && signp_buf_printf(out, "%lld.", (long long)version) != SIGN_OK) ||
	    signp_tuf1_quote(out, role) != SIGN_OK || signp_buf_puts(out, ".json") != SIGN_OK)
		return SIGN_ENOMEM;
	return SIGN_OK;
}

static int consistent(const signp_tuf1_client *c)
{
	return json_is_true(json_object_get(c->root->sig, "consistent_snapshot"));
}

int signp_tuf1_init(const signp_tuf1_ops *ops, const void *root, size_t len, sign_error *err)
{
	signp_tuf1_meta *m = NULL;
	int rc;
	if (len > SIGNP_TUF1_ROOT_MAX)
		return signp_err(err, SIGN_EFORMAT, "initial root: larger than %u bytes",
			SIGNP_TUF1_ROOT_MAX);
	if ((rc = signp_tuf1_meta_parse(&m, root, len, SIGNP_TUF1_ROOT, "initial root", err)) !=
	    SIGN_OK)
		return rc;
	signp_tuf1_meta_free(m);
	return ops->store(ops->payload, "root.json", root, len, err);
}

int signp_tuf1_client_new(signp_tuf1_client **out, const signp_tuf1_ops *ops,
	const char *metadata_url, const char *targets_url, int64_t now, sign_error *err)
{
	signp_tuf1_client *c;
	sign_buf b = SIGN_BUF_INIT;
	int rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "TUF client: out of memory");
	c->ops = *ops;
	c->now = now;
	c->murl = with_slash(metadata_url);
	c->turl = with_slash(targets_url ? targets_url : metadata_url);
	if (c->murl == NULL || c->turl == NULL) {
		rc = signp_err(err, SIGN_ENOMEM, "TUF client: out of memory");
		goto fail;
	}
	if ((rc = ops->load(ops->payload, "root.json", SIGNP_TUF1_ROOT_MAX, &b, err)) != SIGN_OK) {
		signp_err_prefix(err, rc, "trusted root");
		goto fail;
	}
	if ((rc = signp_tuf1_meta_parse(&c->root, b.ptr, b.size, SIGNP_TUF1_ROOT, "trusted root",
		     err)) != SIGN_OK)
		goto fail;
	if ((rc = signp_tuf1_root_verify(c->root, "root", c->root, err)) != SIGN_OK) {
		signp_err_prefix(err, rc, "trusted root is not signed by its own root role");
		goto fail;
	}
	sign_buf_dispose(&b);
	*out = c;
	return SIGN_OK;
fail:
	sign_buf_dispose(&b);
	signp_tuf1_client_free(c);
	return rc;
}

void signp_tuf1_client_free(signp_tuf1_client *c)
{
	size_t i;
	if (c == NULL)
		return;
	signp_tuf1_meta_free(c->root);
	signp_tuf1_meta_free(c->timestamp);
	signp_tuf1_meta_free(c->snapshot);
	for (i = 0; i < c->nroles; i++) {
		free(c->roles[i].name);
		signp_tuf1_meta_free(c->roles[i].m);
	}
	free(c->roles);
	free(c->murl);
	free(c->turl);
	free(c);
}

int64_t signp_tuf1_root_version(const signp_tuf1_client *c)
{
	return c->root->version;
}

/* §5.3: the root rotation chain, then the final root's expiry. */
static int update_root(signp_tuf1_client *c, sign_error *err)
{
	sign_buf url = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	signp_tuf1_meta *m = NULL;
	int64_t v, last = c->root->version + SIGNP_TUF1_MAX_ROTATIONS;
	int rc = SIGN_OK;
	char name[48];

	for (v = c->root->version + 1; v <= last; v++) {
		snprintf(name, sizeof(name), "root version %lld", (long long)v);
		signp_buf_clear(&data);
		if ((rc = role_url(&url, c, "root", v)) != SIGN_OK) {
			rc = signp_err(err, rc, "root: out of memory");
			break;
		}
		rc = c->ops.fetch(c->ops.payload, url.ptr, SIGNP_TUF1_ROOT_MAX, &data, err);
		if (rc == SIGN_ENOTFOUND) {
			signp_err_clear(err);
			rc = SIGN_OK;
			break;
		}
		if (rc != SIGN_OK) {
			signp_err_prefix(err, rc, "%s", name);
			break;
		}
		if ((rc = signp_tuf1_meta_parse(&m, data.ptr, data.size, SIGNP_TUF1_ROOT, name, err)) !=
		    SIGN_OK)
			break;
		if ((rc = signp_tuf1_root_verify(c->root, "root", m, err)) != SIGN_OK) {
			signp_err_prefix(err, rc, "%s is not signed by the trusted root", name);
			break;
		}
		if (m->version != v) {
			rc = signp_err(err, SIGN_EVERIFY, "%s: its version is %lld", name,
				(long long)m->version);
			break;
		}
		if ((rc = signp_tuf1_root_verify(m, "root", m, err)) != SIGN_OK) {
			signp_err_prefix(err, rc, "%s is not signed by its own root role", name);
			break;
		}
		signp_tuf1_meta_free(c->root);
		c->root = m;
		m = NULL;
		if ((rc = c->ops.store(c->ops.payload, "root.json", data.ptr, data.size, err)) !=
		    SIGN_OK)
			break;
	}
	signp_tuf1_meta_free(m);
	sign_buf_dispose(&url);
	sign_buf_dispose(&data);
	if (rc == SIGN_OK && signp_tuf1_expired(c->root, c->now))
		rc = signp_err(err, SIGN_EVERIFY, "root (version %lld): expired",
			(long long)c->root->version);
	return rc;
}

/* Accept ts (verified) as the timestamp after the rollback checks.  Returns
 * 1 when it has the trusted version (nothing to store). */
static int take_timestamp(signp_tuf1_client *c, signp_tuf1_meta **ts, sign_error *err)
{
	signp_tuf1_meta *n = *ts;
	if (c->timestamp != NULL) {
		const json_t *om = json_object_get(json_object_get(c->timestamp->sig, "meta"),
			"snapshot.json");
		const json_t *nm = json_object_get(json_object_get(n->sig, "meta"), "snapshot.json");
		if (n->version < c->timestamp->version)
			return signp_err(err, SIGN_EVERIFY,
				"timestamp: version %lld is older than the trusted version %lld (rollback)",
				(long long)n->version, (long long)c->timestamp->version);
		if (n->version == c->timestamp->version)
			return 1;
		if (json_integer_value(json_object_get(nm, "version")) <
		    json_integer_value(json_object_get(om, "version")))
			return signp_err(err, SIGN_EVERIFY,
				"timestamp: snapshot version %lld is older than the trusted %lld (rollback)",
				(long long)json_integer_value(json_object_get(nm, "version")),
				(long long)json_integer_value(json_object_get(om, "version")));
	}
	signp_tuf1_meta_free(c->timestamp);
	c->timestamp = n;
	*ts = NULL;
	return 0;
}

/* Read a local copy of name, parse and verify it with verify(): NULL when
 * absent or invalid (it is then simply not trusted). */
static signp_tuf1_meta *load_local(signp_tuf1_client *c, const char *file, size_t max, int type,
	const char *rolename)
{
	sign_buf b = SIGN_BUF_INIT;
	sign_error e = { 0 };
	signp_tuf1_meta *m = NULL;
	if (c->ops.load(c->ops.payload, file, max, &b, &e) == SIGN_OK &&
	    signp_tuf1_meta_parse(&m, b.ptr, b.size, type, rolename, &e) == SIGN_OK &&
	    signp_tuf1_root_verify(c->root, rolename, m, &e) != SIGN_OK) {
		signp_tuf1_meta_free(m);
		m = NULL;
	}
	sign_buf_dispose(&b);
	return m;
}

/* §5.4 */
static int update_timestamp(signp_tuf1_client *c, sign_error *err)
{
	sign_buf url = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	signp_tuf1_meta *m = load_local(c, "timestamp.json", SIGNP_TUF1_TIMESTAMP_MAX,
		SIGNP_TUF1_TIMESTAMP, "timestamp");
	int rc, same = 0;

	if (m != NULL) {
		sign_error ignored = { 0 };
		if (take_timestamp(c, &m, &ignored) != 0)
			signp_tuf1_meta_free(m);
		m = NULL;
	}
	if ((rc = role_url(&url, c, "timestamp", 0)) != SIGN_OK) {
		rc = signp_err(err, rc, "timestamp: out of memory");
		goto out;
	}
	if ((rc = c->ops.fetch(c->ops.payload, url.ptr, SIGNP_TUF1_TIMESTAMP_MAX, &data, err)) !=
	    SIGN_OK) {
		signp_err_prefix(err, rc, "timestamp");
		goto out;
	}
	if ((rc = signp_tuf1_meta_parse(&m, data.ptr, data.size, SIGNP_TUF1_TIMESTAMP, "timestamp",
		     err)) != SIGN_OK)
		goto out;
	if ((rc = signp_tuf1_root_verify(c->root, "timestamp", m, err)) != SIGN_OK)
		goto out;
	rc = take_timestamp(c, &m, err);
	if (rc < 0)
		goto out;
	same = rc == 1;
	rc = SIGN_OK;
	if (signp_tuf1_expired(c->timestamp, c->now)) {
		rc = signp_err(err, SIGN_EVERIFY, "timestamp (version %lld): expired (frozen)",
			(long long)c->timestamp->version);
		goto out;
	}
	if (!same)
		rc = c->ops.store(c->ops.payload, "timestamp.json", data.ptr, data.size, err);
out:
	signp_tuf1_meta_free(m);
	sign_buf_dispose(&url);
	sign_buf_dispose(&data);
	return rc;
}

/* Has m expired?  Offline, an expired file is used and only noted. */
static int is_expired(signp_tuf1_client *c, const signp_tuf1_meta *m)
{
	if (!signp_tuf1_expired(m, c->now))
		return 0;
	c->expired_seen = 1;
	return !c->offline;
}

/* Is the trusted snapshot final: unexpired, of the timestamp's version? */
static int snapshot_final(signp_tuf1_client *c, sign_error *err)
{
	const json_t *sm = json_object_get(json_object_get(c->timestamp->sig, "meta"),
		"snapshot.json");
	int64_t want = json_integer_value(json_object_get(sm, "version"));
	if (is_expired(c, c->snapshot))
		return signp_err(err, SIGN_EVERIFY, "snapshot (version %lld): expired",
			(long long)c->snapshot->version);
	if (c->snapshot->version != want)
		return signp_err(err, SIGN_EVERIFY,
			"snapshot: version %lld, the timestamp says %lld",
			(long long)c->snapshot->version, (long long)want);
	return SIGN_OK;
}

/* Roll back check of a new snapshot against the trusted one. */
static int snapshot_rollback(const signp_tuf1_client *c, const signp_tuf1_meta *n,
	sign_error *err)
{
	const char *file;
	json_t *f;
	if (c->snapshot == NULL)
		return SIGN_OK;
	json_object_foreach(json_object_get(c->snapshot->sig, "meta"), file, f) {
		const json_t *nf = json_object_get(json_object_get(n->sig, "meta"), file);
		if (nf == NULL)
			return signp_err(err, SIGN_EVERIFY, "snapshot: no longer lists %.200s", file);
		if (json_integer_value(json_object_get(nf, "version")) <
		    json_integer_value(json_object_get(f, "version")))
			return signp_err(err, SIGN_EVERIFY,
				"snapshot: %.200s version %lld is older than the trusted %lld (rollback)",
				file, (long long)json_integer_value(json_object_get(nf, "version")),
				(long long)json_integer_value(json_object_get(f, "version")));
	}
	return SIGN_OK;
}

/* §5.5 */
static int update_snapshot(signp_tuf1_client *c, sign_error *err)
{
	const json_t *sm = json_object_get(json_object_get(c->timestamp->sig, "meta"),
		"snapshot.json");
	sign_buf url = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	signp_tuf1_meta *m = load_local(c, "snapshot.json", SIGNP_TUF1_SNAPSHOT_MAX,
		SIGNP_TUF1_SNAPSHOT, "snapshot");
	sign_error ignored = { 0 };
	size_t max = SIGNP_TUF1_SNAPSHOT_MAX;
	int rc;

	if (m != NULL) {
		c->snapshot = m;
		m = NULL;
		if (snapshot_final(c, &ignored) == SIGN_OK)
			return SIGN_OK;
	}
	if (json_object_get(sm, "length") != NULL)
		max = (size_t)json_integer_value(json_object_get(sm, "length"));
	if ((rc = role_url(&url, c, "snapshot",
		     consistent(c) ? json_integer_value(json_object_get(sm, "version")) : 0)) !=
	    SIGN_OK) {
		rc = signp_err(err, rc, "snapshot: out of memory");
		goto out;
	}
	if ((rc = c->ops.fetch(c->ops.payload, url.ptr, max, &data, err)) != SIGN_OK) {
		signp_err_prefix(err, rc, "snapshot");
		goto out;
	}
	if ((rc = signp_tuf1_fileinfo_check(sm, data.ptr, data.size, "snapshot", err)) != SIGN_OK)
		goto out;
	if ((rc = signp_tuf1_meta_parse(&m, data.ptr, data.size, SIGNP_TUF1_SNAPSHOT, "snapshot",
		     err)) != SIGN_OK)
		goto out;
	if ((rc = signp_tuf1_root_verify(c->root, "snapshot", m, err)) != SIGN_OK)
		goto out;
	if ((rc = snapshot_rollback(c, m, err)) != SIGN_OK)
		goto out;
	signp_tuf1_meta_free(c->snapshot);
	c->snapshot = m;
	m = NULL;
	if ((rc = snapshot_final(c, err)) != SIGN_OK)
		goto out;
	rc = c->ops.store(c->ops.payload, "snapshot.json", data.ptr, data.size, err);
out:
	signp_tuf1_meta_free(m);
	sign_buf_dispose(&url);
	sign_buf_dispose(&data);
	return rc;
}

static signp_tuf1_meta *find_loaded(const signp_tuf1_client *c, const char *role)
{
	size_t i;
	for (i = 0; i < c->nroles; i++)
		if (strcmp(c->roles[i].name, role) == 0)
			return c->roles[i].m;
	return NULL;
}

/* Check targets metadata bytes for role (delegated by parent, NULL: the
 * root) against the snapshot entry info; *out on success. */
static int check_targets(signp_tuf1_client *c, const char *role, const signp_tuf1_meta *parent,
	const json_t *info, const sign_buf *data, signp_tuf1_meta **out, sign_error *err)
{
	signp_tuf1_meta *m = NULL;
	char name[160];
	int rc;
	snprintf(name, sizeof(name), "%.100s", role);
	*out = NULL;
	if ((rc = signp_tuf1_fileinfo_check(info, data->ptr, data->size, name, err)) != SIGN_OK)
		return rc;
	if ((rc = signp_tuf1_meta_parse(&m, data->ptr, data->size, SIGNP_TUF1_TARGETS, name,
		     err)) != SIGN_OK)
		return rc;
	if (parent == NULL)
		rc = signp_tuf1_root_verify(c->root, "targets", m, err);
	else
		rc = signp_tuf1_delegate_verify(parent, role, m, err);
	if (rc == SIGN_OK && m->version != json_integer_value(json_object_get(info, "version")))
		rc = signp_err(err, SIGN_EVERIFY, "%s: version %lld, the snapshot says %lld", name,
			(long long)m->version, (long long)json_integer_value(json_object_get(info, "version")));
	if (rc == SIGN_OK && is_expired(c, m))
		rc = signp_err(err, SIGN_EVERIFY, "%s (version %lld): expired", name,
			(long long)m->version);
	if (rc != SIGN_OK) {
		signp_tuf1_meta_free(m);
		return rc;
	}
	*out = m;
	return SIGN_OK;
}

/* §5.6 for role (top-level "targets" or a delegated role of parent). */
static int load_targets(signp_tuf1_client *c, const char *role, const signp_tuf1_meta *parent,
	signp_tuf1_meta **out, sign_error *err)
{
	sign_buf file = SIGN_BUF_INIT, url = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	const json_t *info;
	signp_tuf1_meta *m = NULL;
	sign_error ignored = { 0 };
	size_t max = SIGNP_TUF1_TARGETS_MAX;
	int rc;

	if ((*out = find_loaded(c, role)) != NULL) {
		/* a role two delegators name is trusted through each on its own */
		if (parent != NULL && (rc = signp_tuf1_delegate_verify(parent, role, *out, err)) !=
					      SIGN_OK) {
			*out = NULL;
			return rc;
		}
		return SIGN_OK;
	}
	if ((rc = snapshot_final(c, err)) != SIGN_OK)
		return rc;
	if ((rc = role_file(&file, role)) != SIGN_OK)
		return signp_err(err, rc, "%.100s: out of memory", role);
	if (signp_buf_puts(&data, role) != SIGN_OK || signp_buf_puts(&data, ".json") != SIGN_OK) {
		rc = signp_err(err, SIGN_ENOMEM, "%.100s: out of memory", role);
		goto out;
	}
	info = json_object_get(json_object_get(c->snapshot->sig, "meta"), data.ptr);
	if (info == NULL) {
		rc = signp_err(err, SIGN_EVERIFY, "%.100s: not listed in the snapshot", role);
		goto out;
	}
	signp_buf_clear(&data);
	if (c->offline) {
		/* the cached copy or nothing, its failure the answer */
		if ((rc = c->ops.load(c->ops.payload, file.ptr, SIGNP_TUF1_TARGETS_MAX, &data,
			     err)) != SIGN_OK ||
		    (rc = check_targets(c, role, parent, info, &data, &m, err)) != SIGN_OK) {
			signp_err_prefix(err, rc, "cached %.100s", role);
			goto out;
		}
		goto take;
	}
	if (c->ops.load(c->ops.payload, file.ptr, SIGNP_TUF1_TARGETS_MAX, &data, &ignored) ==
		SIGN_OK &&
	    check_targets(c, role, parent, info, &data, &m, &ignored) == SIGN_OK)
		goto take;
	signp_buf_clear(&data);
	if (json_object_get(info, "length") != NULL)
		max = (size_t)json_integer_value(json_object_get(info, "length"));
	if ((rc = role_url(&url, c, role,
		     consistent(c) ? json_integer_value(json_object_get(info, "version")) : 0)) !=
	    SIGN_OK) {
		rc = signp_err(err, rc, "%.100s: out of memory", role);
		goto out;
	}
	if ((rc = c->ops.fetch(c->ops.payload, url.ptr, max, &data, err)) != SIGN_OK) {
		signp_err_prefix(err, rc, "%.100s", role);
		goto out;
	}
	if ((rc = check_targets(c, role, parent, info, &data, &m, err)) != SIGN_OK)
		goto out;
	if ((rc = c->ops.store(c->ops.payload, file.ptr, data.ptr, data.size, err)) != SIGN_OK)
		goto out;
take:
	if (c->nroles == c->caproles) {
		size_t n = c->caproles ? 2 * c->caproles : 8;
		loaded_role *r = realloc(c->roles, n * sizeof(*r));
		if (r == NULL) {
			rc = signp_err(err, SIGN_ENOMEM, "%.100s: out of memory", role);
			goto out;
		}
		c->roles = r;
		c->caproles = n;
	}
	if ((c->roles[c->nroles].name = signp_strdup(role)) == NULL) {
		rc = signp_err(err, SIGN_ENOMEM, "%.100s: out of memory", role);
		goto out;
	}
	c->roles[c->nroles++].m = m;
	*out = m;
	m = NULL;
	rc = SIGN_OK;
out:
	signp_tuf1_meta_free(m);
	sign_buf_dispose(&file);
	sign_buf_dispose(&url);
	sign_buf_dispose(&data);
	return rc;
}

int signp_tuf1_refresh(signp_tuf1_client *c, sign_error *err)
{
	signp_tuf1_meta *t;
	int rc;
	if (c->refreshed)
		return signp_err(err, SIGN_EINVAL, "TUF client: refreshed twice");
	c->refreshed = 1;
	if ((rc = update_root(c, err)) != SIGN_OK || (rc = update_timestamp(c, err)) != SIGN_OK ||
	    (rc = update_snapshot(c, err)) != SIGN_OK)
		return rc;
	return load_targets(c, "targets", NULL, &t, err);
}

int signp_tuf1_load_cached(signp_tuf1_client *c, sign_error *err)
{
	const json_t *sm;
	sign_buf b = SIGN_BUF_INIT;
	signp_tuf1_meta *m;
	int rc;

	if (c->refreshed)
		return signp_err(err, SIGN_EINVAL, "TUF client: refreshed twice");
	c->refreshed = c->offline = 1;
	(void)is_expired(c, c->root);
	if ((c->timestamp = load_local(c, "timestamp.json", SIGNP_TUF1_TIMESTAMP_MAX,
		     SIGNP_TUF1_TIMESTAMP, "timestamp")) == NULL)
		return signp_err(err, SIGN_EVERIFY,
			"cached timestamp: absent, or not signed by the cached root's timestamp role");
	(void)is_expired(c, c->timestamp);
	sm = json_object_get(json_object_get(c->timestamp->sig, "meta"), "snapshot.json");
	if ((rc = c->ops.load(c->ops.payload, "snapshot.json", SIGNP_TUF1_SNAPSHOT_MAX, &b, err)) !=
		    SIGN_OK ||
	    (rc = signp_tuf1_fileinfo_check(sm, b.ptr, b.size, "snapshot", err)) != SIGN_OK ||
	    (rc = signp_tuf1_meta_parse(&c->snapshot, b.ptr, b.size, SIGNP_TUF1_SNAPSHOT, "snapshot",
		     err)) != SIGN_OK ||
	    (rc = signp_tuf1_root_verify(c->root, "snapshot", c->snapshot, err)) != SIGN_OK ||
	    (rc = snapshot_final(c, err)) != SIGN_OK) {
		signp_err_prefix(err, rc, "cached snapshot");
		sign_buf_dispose(&b);
		return rc;
	}
	sign_buf_dispose(&b);
	return load_targets(c, "targets", NULL, &m, err);
}

int signp_tuf1_cached_expired(const signp_tuf1_client *c)
{
	return c->expired_seen;
}

int signp_tuf1_find_target(signp_tuf1_client *c, const char *path, const json_t **info,
	sign_error *err)
{
	struct visit {
		const char *role, *parent;
	} stack[SIGNP_TUF1_MAX_DELEGATIONS * SIGNP_TUF1_MAX_DELEGATIONS];
	const char *visited[SIGNP_TUF1_MAX_DELEGATIONS];
	size_t nstack = 0, nvisited = 0, i;
	int rc;

	*info = NULL;
	if (!c->refreshed && (rc = signp_tuf1_refresh(c, err)) != SIGN_OK)
		return rc;
	stack[nstack++] = (struct visit){ "targets", NULL };
	while (nstack > 0 && nvisited < SIGNP_TUF1_MAX_DELEGATIONS) {
		struct visit v = stack[--nstack];
		signp_tuf1_meta *m;
		const json_t *roles, *t;
		const char *kids[SIGNP_TUF1_MAX_DELEGATIONS];
		size_t nkids;
		for (i = 0; i < nvisited; i++)
			if (strcmp(visited[i], v.role) == 0)
				break;
		if (i < nvisited)
			continue;
		if ((rc = load_targets(c, v.role, v.parent ? find_loaded(c, v.parent) : NULL, &m,
			     err)) != SIGN_OK)
			return rc;
		if ((t = json_object_get(json_object_get(m->sig, "targets"), path)) != NULL) {
			*info = t;
			return SIGN_OK;
		}
		/* the role's name as kept by the client (lives as long as c) */
		for (i = 0; i < c->nroles; i++)
			if (c->roles[i].m == m)
				visited[nvisited] = c->roles[i].name;
		nvisited++;
		roles = json_object_get(json_object_get(m->sig, "delegations"), "roles");
		nkids = 0;
		for (i = 0; i < json_array_size(roles) && nkids < SIGNP_TUF1_MAX_DELEGATIONS; i++) {
			const json_t *r = json_array_get(roles, i);
			if (!signp_tuf1_role_covers(r, path))
				continue;
			kids[nkids++] = json_string_value(json_object_get(r, "name"));
			if (json_is_true(json_object_get(r, "terminating"))) {
				nstack = 0; /* nothing else is searched */
				break;
			}
		}
		/* pushed in reverse: the first listed role is visited first */
		while (nkids > 0 && nstack < sizeof(stack) / sizeof(stack[0]))
			stack[nstack++] = (struct visit){ kids[--nkids], visited[nvisited - 1] };
	}
	return signp_err(err, SIGN_ENOTFOUND, "target %.200s: not listed by any trusted targets role",
		path);
}

int signp_tuf1_download_target(signp_tuf1_client *c, const char *path, const json_t *info,
	sign_buf *out, sign_error *err)
{
	sign_buf url = SIGN_BUF_INIT;
	int64_t len = json_integer_value(json_object_get(info, "length"));
	const char *slash = strrchr(path, '/');
	int rc;

	if (len < 0 || (uint64_t)len > SIGNP_TUF1_TARGET_MAX)
		return signp_err(err, SIGN_EVERIFY, "target %.200s: length %lld beyond the bound", path,
			(long long)len);
	if (signp_buf_puts(&url, c->turl) != SIGN_OK)
		goto nomem;
	if (consistent(c)) {
		void *it = json_object_iter(json_object_get(info, "hashes"));
		const char *h = json_string_value(json_object_iter_value(it));
		size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
		if (h == NULL)
			return signp_err(err, SIGN_EFORMAT, "target %.200s: no hash", path);
		if (signp_buf_put(&url, path, dir) != SIGN_OK ||
		    signp_buf_printf(&url, "%s.%s", h, path + dir) != SIGN_OK)
			goto nomem;
	} else if (signp_buf_puts(&url, path) != SIGN_OK) {
		goto nomem;
	}
	signp_buf_clear(out);
	rc = c->ops.fetch(c->ops.payload, url.ptr, (size_t)len, out, err);
	if (rc == SIGN_OK)
		rc = signp_tuf1_fileinfo_check(info, out->ptr, out->size, "target", err);
	if (rc != SIGN_OK)
		signp_err_prefix(err, rc, "%.200s", path);
	sign_buf_dispose(&url);
	return rc;
nomem:
	sign_buf_dispose(&url);
	return signp_err(err, SIGN_ENOMEM, "target %.200s: out of memory", path);
}

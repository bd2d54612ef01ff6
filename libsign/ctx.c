/*
 * ctx.c - sign_ctx: home folder, options, registry handles, passphrases.
 */
#include "ctx.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#define SIGN_PASS_MAX 1024

/* ~/.sign, ~ from the password database: the library reads no environment
 * variable (sign(1) passes $SIGN_HOME, or $HOME/.sign) */
static char *default_home(void)
{
	struct passwd *pw = getpwuid(getuid());
	const char *base = pw && pw->pw_dir && pw->pw_dir[0] ? pw->pw_dir : "/";
	sign_buf b = SIGN_BUF_INIT;
	if (signp_path_join(&b, base, ".sign") != SIGN_OK) {
		sign_buf_dispose(&b);
		return NULL;
	}
	return signp_buf_detach(&b, NULL);
}

/* ---- the home must be the user's own (OpenSSH's StrictModes) ---- */

/* Refuse what another user owns (not us, not root) or what group or others
 * can write: they could swap keys, pins or config.json (trust on first use
 * back on).  fix is the chmod mode that makes it right. */
static int check_owner_mode(const struct stat *st, const char *what, const char *path,
	const char *fix, sign_error *err)
{
	uid_t me = geteuid();
	if (st->st_uid != me && st->st_uid != 0) {
		signp_err(err, SIGN_EIO, "refusing %s %s: it is owned by uid %u, not by you (uid %u)%s",
			what, path, (unsigned)st->st_uid, (unsigned)me, me != 0 ? " or root" : "");
		signp_err_hint(err, "chown %s%u %s, or use a home of your own",
			S_ISDIR(st->st_mode) ? "-R " : "", (unsigned)me, path);
		return SIGN_EIO;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		signp_err(err, SIGN_EIO, "refusing %s %s: %s can write it (mode %04o)", what, path,
			(st->st_mode & S_IWOTH) ? "every user" : "its group",
			(unsigned)(st->st_mode & 07777));
		signp_err_hint(err, "chmod %s %s", fix, path);
		return SIGN_EIO;
	}
	return SIGN_OK;
}

/* dir (a real path) and every folder above it, up to /: each owned by us
 * or root, and not writable by group or others unless sticky (/tmp: there
 * nobody else can rename or remove what we own).  Whoever can write one of
 * them could put another home in place of ours. */
static int check_parents(const char *dir, const char *home, sign_error *err)
{
	char *p = signp_strdup(dir), *slash;
	struct stat st;
	uid_t me = geteuid();
	int r = SIGN_OK;
	if (p == NULL)
		return signp_err(err, SIGN_ENOMEM, "checking home %s: out of memory", home);
	for (;;) {
		if (stat(p, &st) != 0) {
			r = signp_err_errno(err, SIGN_EIO, "checking home %s: %s", home, p);
			break;
		}
		if (st.st_uid != me && st.st_uid != 0) {
			r = signp_err(err, SIGN_EIO,
				"refusing home %s: folder %s on its path is owned by uid %u, not by you (uid %u)%s",
				home, p, (unsigned)st.st_uid, (unsigned)me, me != 0 ? " or root" : "");
			signp_err_hint(err, "use a home in a folder of your own, or chown %u %s",
				(unsigned)me, p);
			break;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
			r = signp_err(err, SIGN_EIO,
				"refusing home %s: folder %s on its path can be written by others (mode %04o)",
				home, p, (unsigned)(st.st_mode & 07777));
			signp_err_hint(err, "chmod go-w %s", p);
			break;
		}
		if ((slash = strrchr(p, '/')) == NULL || slash == p) {
			if (slash == p && p[1] != '\0') {
				p[1] = '\0';
				continue;
			}
			break;
		}
		*slash = '\0';
	}
	free(p);
	return r;
}

/* The real path of the folder the home is in, or, when it does not exist,
 * of the nearest folder above it that does (where it will be made). */
static char *home_parent(const char *home, int exists)
{
	sign_buf up = SIGN_BUF_INIT;
	char *real = NULL;
	if (exists) {
		char *slash;
		if ((real = realpath(home, NULL)) != NULL && (slash = strrchr(real, '/')) != NULL)
			slash[slash == real] = '\0';
		return real;
	}
	if (signp_buf_puts(&up, home) != SIGN_OK)
		return NULL;
	for (;;) {
		char *slash = strrchr(up.ptr, '/');
		if (slash == NULL) {
			signp_buf_clear(&up);
			if (signp_buf_putc(&up, '.') != SIGN_OK)
				break;
		} else {
			slash[slash == up.ptr] = '\0';
		}
		if ((real = realpath(up.ptr, NULL)) != NULL || errno != ENOENT ||
		    strcmp(up.ptr, ".") == 0 || strcmp(up.ptr, "/") == 0)
			break;
	}
	sign_buf_dispose(&up);
	return real;
}

/* One entry of the home (private/, config.json), if it is there. */
static int check_entry(int dirfd, const char *home, const char *name, int flags, const char *what,
	const char *fix, sign_error *err)
{
	sign_buf path = SIGN_BUF_INIT;
	struct stat st;
	int r = SIGN_OK;
	if (fstatat(dirfd, name, &st, flags) != 0 || S_ISLNK(st.st_mode))
		return SIGN_OK; /* absent; a linked config.json is refused by the reader */
	if (signp_path_join(&path, home, name) != SIGN_OK)
		return signp_err(err, SIGN_ENOMEM, "checking home %s: out of memory", home);
	r = check_owner_mode(&st, what, path.ptr, fix, err);
	sign_buf_dispose(&path);
	return r;
}

/* The home's folder, private/ and config.json, then the folders above. */
static int check_home(const char *home, sign_error *err)
{
	struct stat st;
	char *up = NULL;
	int fd, r;
	fd = open(home, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		/* another user's home we cannot even read: say whose it is */
		int e = errno;
		if (stat(home, &st) == 0 && (r = check_owner_mode(&st, "home", home, "700", err)) != SIGN_OK)
			return r;
		errno = e;
		return signp_err_errno(err, SIGN_EIO, "opening home %s", home);
	}
	if (fd >= 0) {
		if (fstat(fd, &st) != 0)
			r = signp_err_errno(err, SIGN_EIO, "checking home %s", home);
		else if ((r = check_owner_mode(&st, "home", home, "700", err)) == SIGN_OK &&
			 (r = check_entry(fd, home, "private", 0, "key folder", "700", err)) == SIGN_OK)
			r = check_entry(fd, home, "config.json", AT_SYMLINK_NOFOLLOW, "config file", "600",
				err);
		close(fd);
		if (r != SIGN_OK)
			return r;
	}
	if ((up = home_parent(home, fd >= 0)) == NULL)
		return signp_err_errno(err, SIGN_EIO, "checking home %s", home);
	r = check_parents(up, home, err);
	free(up);
	return r;
}

static int add_insecure(sign_ctx *ctx, size_t *n, const char *host)
{
	char **p = realloc(ctx->insecure, (*n + 2) * sizeof(char *));
	if (p == NULL)
		return SIGN_ENOMEM;
	ctx->insecure = p;
	if ((p[*n] = signp_strdup(host)) == NULL)
		return SIGN_ENOMEM;
	p[++*n] = NULL;
	return SIGN_OK;
}

SIGN_EXTERN(int) sign_ctx_new(sign_ctx **out, const sign_ctx_options *opts, sign_error *err)
{
	sign_ctx *ctx;
	size_t n = 0;
	int r = SIGN_ENOMEM;
	sign_ctx_options v2 = SIGN_CTX_OPTIONS_INIT;

	signp_err_clear(err);
	*out = NULL;
	if (opts != NULL && opts->version == 1) {
		/* version 1 ends before disable_tofu */
		memcpy(&v2, opts, offsetof(sign_ctx_options, disable_tofu));
		v2.version = SIGN_CTX_OPTIONS_VERSION;
		opts = &v2;
	}
	if (opts == NULL || opts->version != SIGN_CTX_OPTIONS_VERSION)
		return signp_err(err, SIGN_EINVAL, "creating context: unsupported options version");
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "creating context: out of memory");
	ctx->home = opts->home ? signp_strdup(opts->home) : default_home();
	if (ctx->home == NULL)
		goto fail;
	{
		int hr = check_home(ctx->home, err);
		if (hr != SIGN_OK) {
			sign_ctx_free(ctx);
			return hr;
		}
	}
	if (opts->trust_server)
		ctx->trust_server = signp_strdup(opts->trust_server);
	if (opts->ca_file) {
		/* libcurl opens it later, and would block on a FIFO: a regular
		 * file only (a link is followed, as CA bundles often are); a
		 * missing one is reported by the first TLS request, as before */
		sign_error e;
		int fd;
		memset(&e, 0, sizeof(e));
		fd = signp_open_regular(opts->ca_file, SIGNP_READ_FOREIGN, NULL, &e);
		if (fd >= 0) {
			close(fd);
		} else if (fd != SIGN_ENOTFOUND) {
			if (err != NULL && err->message[0] == '\0')
				*err = e;
			sign_ctx_free(ctx);
			return signp_err_prefix(err, fd, "CA bundle");
		}
		if ((ctx->ca_file = signp_strdup(opts->ca_file)) == NULL)
			goto fail;
	}
	if (opts->docker_config)
		ctx->docker_config = signp_strdup(opts->docker_config);
	if (opts->docker_auth_config && opts->docker_auth_config[0] &&
	    (ctx->docker_auth_config = signp_strdup(opts->docker_auth_config)) == NULL)
		goto fail;
	ctx->disable_tofu = opts->disable_tofu != 0;
	ctx->timeout = opts->timeout_seconds > 0 ? opts->timeout_seconds : 30;
	ctx->pass_cb = opts->passphrase_cb;
	ctx->log_cb = opts->log_cb;
	ctx->payload = opts->payload;
	if (add_insecure(ctx, &n, "") != SIGN_OK) /* placeholder keeps the list non-NULL */
		goto fail;
	for (const char *const *h = opts->insecure_registries; h && *h; h++)
		if (add_insecure(ctx, &n, *h) != SIGN_OK)
			goto fail;
	*out = ctx;
	return SIGN_OK;
fail:
	sign_ctx_free(ctx);
	return signp_err(err, r, "creating context: out of memory");
}

SIGN_EXTERN(void) sign_ctx_free(sign_ctx *ctx)
{
	if (ctx == NULL)
		return;
	for (size_t i = 0; i < ctx->nregs; i++)
		signp_registry_free(ctx->regs[i].reg);
	for (int i = 0; i < 4; i++)
		if (ctx->pass_cache[i])
			sodium_free(ctx->pass_cache[i]);
	for (size_t i = 0; i < ctx->nmemo; i++)
		ctx->memo[i].destroy(ctx->memo[i].obj);
	for (size_t i = 0; i < ctx->nkeys; i++)
		signp_key_free(ctx->keys[i]);
	for (char **p = ctx->insecure; p && *p; p++)
		free(*p);
	free(ctx->insecure);
	free(ctx->home);
	free(ctx->trust_server);
	free(ctx->ca_file);
	free(ctx->docker_config);
	if (ctx->docker_auth_config) {
		sodium_memzero(ctx->docker_auth_config, strlen(ctx->docker_auth_config));
		free(ctx->docker_auth_config);
	}
	free(ctx);
}

SIGN_EXTERN(const char *) sign_ctx_home(const sign_ctx *ctx)
{
	return ctx ? ctx->home : NULL;
}

int signp_ctx_insecure(const sign_ctx *ctx, const char *host)
{
	for (char **p = ctx->insecure; p && *p; p++)
		if (**p && strcmp(*p, host) == 0)
			return 1;
	return 0;
}

int signp_ctx_path(sign_buf *out, const sign_ctx *ctx, const char *sub)
{
	return signp_path_join(out, ctx->home, sub);
}

int signp_ctx_gun_path(sign_buf *out, const sign_ctx *ctx, const char *gun, const char *file,
	int mkdir, sign_error *err)
{
	if (!signp_gun_valid(gun))
		return signp_err(err, SIGN_EINVAL, "GUN %.200s: not a valid repository name", gun);
	if (signp_buf_printf(out, "%s/trust/%s", ctx->home, gun) != SIGN_OK)
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	if (mkdir) {
		int r = signp_mkdirs(out->ptr, 0700, err);
		if (r != SIGN_OK)
			return r;
	}
	if (file && (signp_buf_putc(out, '/') != SIGN_OK || signp_buf_puts(out, file) != SIGN_OK))
		return signp_err(err, SIGN_ENOMEM, "out of memory");
	return SIGN_OK;
}

/* The scheme that last worked for a host is remembered in the home, so the
 * next run opens one connection instead of probing. */
static void scheme_file(sign_buf *out, const sign_ctx *ctx, const char *host)
{
	signp_buf_printf(out, "%s/cache/scheme-", ctx->home);
	for (const char *p = host; *p; p++)
		signp_buf_putc(out, (*p == '/' ) ? '_' : *p);
}

/* A new handle for host with the context's settings; scheme_hint: the
 * scheme to try first (NULL: the one the home remembers).  *seen gets the
 * hint used ("" for none). */
static int registry_make(signp_registry **out, sign_ctx *ctx, const char *host, const char *scheme_hint,
	char seen[8], sign_error *err)
{
	signp_registry_options o;
	sign_buf path = SIGN_BUF_INIT, hint = SIGN_BUF_INIT;
	int r;

	memset(&o, 0, sizeof(o));
	o.host = host;
	o.insecure = signp_ctx_insecure(ctx, host);
	o.ca_file = ctx->ca_file;
	o.timeout = ctx->timeout;
	o.connect_timeout = ctx->timeout < 10 ? ctx->timeout : 10;
	o.docker_config = ctx->docker_config;
	o.docker_auth_config = ctx->docker_auth_config;
	if (scheme_hint != NULL) {
		o.scheme_hint = scheme_hint;
	} else {
		scheme_file(&path, ctx, host);
		if (signp_read_file(&hint, path.ptr, 16, NULL) == SIGN_OK &&
		    (strcmp(hint.ptr, "http") == 0 || strcmp(hint.ptr, "https") == 0))
			o.scheme_hint = hint.ptr;
	}
	seen[0] = '\0';
	if (o.scheme_hint)
		signp_strlcpy(seen, o.scheme_hint, 8);
	r = signp_registry_new(out, &o, err);
	if (r == SIGN_OK)
		signp_http_set_deadline(*out, &ctx->deadline_ms);
	sign_buf_dispose(&path);
	sign_buf_dispose(&hint);
	return r;
}

int signp_ctx_registry(signp_registry **out, sign_ctx *ctx, const char *host, sign_error *err)
{
	char seen[8];
	int r;

	for (size_t i = 0; i < ctx->nregs; i++) {
		if (strcmp(ctx->regs[i].host, host) == 0) {
			*out = ctx->regs[i].reg;
			return SIGN_OK;
		}
	}
	if (ctx->nregs == SIGN_MAX_REGISTRIES)
		return signp_err(err, SIGN_EINVAL, "too many registries in one call");
	r = registry_make(out, ctx, host, NULL, seen, err);
	if (r == SIGN_OK) {
		signp_strlcpy(ctx->regs[ctx->nregs].host, host, sizeof(ctx->regs[0].host));
		ctx->regs[ctx->nregs].reg = *out;
		if (seen[0])
			signp_strlcpy(ctx->regs[ctx->nregs].scheme_seen, seen, 8);
		ctx->nregs++;
	}
	return r;
}

int signp_ctx_registry_own(signp_registry **out, sign_ctx *ctx, const char *host, sign_error *err)
{
	const char *scheme = NULL;
	char seen[8];
	for (size_t i = 0; i < ctx->nregs; i++)
		if (strcmp(ctx->regs[i].host, host) == 0)
			scheme = signp_registry_scheme(ctx->regs[i].reg);
	return registry_make(out, ctx, host, scheme, seen, err);
}

void signp_ctx_remember_schemes(sign_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nregs; i++) {
		const char *s = signp_registry_scheme(ctx->regs[i].reg);
		sign_buf path = SIGN_BUF_INIT, dir = SIGN_BUF_INIT;
		if (s == NULL || strcmp(s, ctx->regs[i].scheme_seen) == 0 ||
		    strcmp(ctx->regs[i].scheme_seen, "url") == 0)
			continue;
		signp_ctx_path(&dir, ctx, "cache");
		if (signp_mkdirs(dir.ptr, 0700, NULL) == SIGN_OK) {
			scheme_file(&path, ctx, ctx->regs[i].host);
			signp_write_file_atomic(path.ptr, s, strlen(s), 0600, NULL);
		}
		signp_strlcpy(ctx->regs[i].scheme_seen, s, 8);
		sign_buf_dispose(&path);
		sign_buf_dispose(&dir);
	}
}

int signp_ctx_notary(signp_registry **out, sign_ctx *ctx, const char *url, const char *cred_host,
	sign_error *err)
{
	signp_registry_options o;
	unsigned char h[32];
	char key[256], hex[33];
	int r;
	if (url == NULL)
		return signp_err(err, SIGN_EINVAL, "no trust server configured");
	/* one handle per server and credentials host */
	signp_sha256(h, url, strlen(url));
	signp_hex(hex, h, 16);
	snprintf(key, sizeof(key), "notary|%s|%s", hex, cred_host ? cred_host : "");
	for (size_t i = 0; i < ctx->nregs; i++) {
		if (strcmp(ctx->regs[i].host, key) == 0) {
			*out = ctx->regs[i].reg;
			return SIGN_OK;
		}
	}
	if (ctx->nregs == SIGN_MAX_REGISTRIES)
		return signp_err(err, SIGN_EINVAL, "too many servers in one call");
	memset(&o, 0, sizeof(o));
	o.base_url = url;
	o.label = "notary server";
	o.cred_host = cred_host;
	o.ca_file = ctx->ca_file;
	o.timeout = ctx->timeout;
	o.connect_timeout = ctx->timeout < 10 ? ctx->timeout : 10;
	o.docker_config = ctx->docker_config;
	o.docker_auth_config = ctx->docker_auth_config;
	if ((r = signp_registry_new(out, &o, err)) != SIGN_OK)
		return r;
	signp_http_set_deadline(*out, &ctx->deadline_ms);
	signp_strlcpy(ctx->regs[ctx->nregs].host, key, sizeof(ctx->regs[0].host));
	ctx->regs[ctx->nregs].reg = *out;
	/* the URL fixes the scheme: nothing to remember */
	signp_strlcpy(ctx->regs[ctx->nregs].scheme_seen, "url", 8);
	ctx->nregs++;
	return SIGN_OK;
}

void *signp_ctx_memo_get(sign_ctx *ctx, const char *key)
{
	for (size_t i = 0; i < ctx->nmemo; i++)
		if (strcmp(ctx->memo[i].key, key) == 0)
			return ctx->memo[i].obj;
	return NULL;
}

void signp_ctx_memo_clear(sign_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nmemo; i++)
		ctx->memo[i].destroy(ctx->memo[i].obj);
	ctx->nmemo = 0;
}

void signp_ctx_drop_registries(sign_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nregs; i++)
		signp_registry_free(ctx->regs[i].reg);
	memset(ctx->regs, 0, sizeof(ctx->regs));
	ctx->nregs = 0;
}

void signp_ctx_set_deadline(sign_ctx *ctx, int64_t deadline_ms)
{
	ctx->deadline_ms = deadline_ms > 0 ? deadline_ms : 0;
}

void signp_ctx_memo_put(sign_ctx *ctx, const char *key, void *obj, void (*destroy)(void *obj))
{
	size_t n = sizeof(ctx->memo) / sizeof(ctx->memo[0]);
	if (strlen(key) >= sizeof(ctx->memo[0].key)) {
		destroy(obj);
		return;
	}
	if (ctx->nmemo == n) {
		ctx->memo[0].destroy(ctx->memo[0].obj);
		memmove(&ctx->memo[0], &ctx->memo[1], (n - 1) * sizeof(ctx->memo[0]));
		ctx->nmemo--;
	}
	signp_strlcpy(ctx->memo[ctx->nmemo].key, key, sizeof(ctx->memo[0].key));
	ctx->memo[ctx->nmemo].obj = obj;
	ctx->memo[ctx->nmemo++].destroy = destroy;
}

void signp_ctx_counters(const sign_ctx *ctx, long *requests, long *connections)
{
	long rq = 0, cn = 0;
	for (size_t i = 0; i < ctx->nregs; i++) {
		rq += signp_registry_requests(ctx->regs[i].reg);
		cn += signp_registry_connections(ctx->regs[i].reg);
	}
	if (requests)
		*requests = rq;
	if (connections)
		*connections = cn;
}

void signp_ctx_log(sign_ctx *ctx, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (ctx->log_cb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->log_cb(level, msg, ctx->payload);
}

static const char *pass_var(sign_pass_kind kind)
{
	switch (kind) {
	case SIGN_PASS_ROOT: return "SIGN_ROOT_PASSPHRASE";
	case SIGN_PASS_REPOSITORY: return "SIGN_REPOSITORY_PASSPHRASE";
	case SIGN_PASS_IMPORT: return "SIGN_IMPORT_PASSPHRASE";
	default: return "SIGN_DELEGATION_PASSPHRASE";
	}
}

int signp_ctx_passphrase(char **out, sign_ctx *ctx, sign_pass_kind kind, const char *keyid,
	int confirm, sign_error *err)
{
	char *buf;
	*out = NULL;
	if (kind >= 1 && kind <= 3 && ctx->pass_cache[kind]) {
		if ((buf = sodium_malloc(SIGN_PASS_MAX)) == NULL)
			return signp_err(err, SIGN_ENOMEM, "passphrase: out of memory");
		memcpy(buf, ctx->pass_cache[kind], SIGN_PASS_MAX);
		*out = buf;
		return SIGN_OK;
	}
	if (ctx->pass_cb == NULL)
		goto none;
	if ((buf = sodium_malloc(SIGN_PASS_MAX)) == NULL)
		return signp_err(err, SIGN_ENOMEM, "passphrase: out of memory");
	memset(buf, 0, SIGN_PASS_MAX);
	if (ctx->pass_cb(buf, SIGN_PASS_MAX, kind, keyid, confirm, ctx->payload) != 0) {
		sodium_free(buf);
		goto none;
	}
	buf[SIGN_PASS_MAX - 1] = '\0';
	/* ask once per kind and call: a push needs three repository keys */
	if (kind >= 1 && kind <= 3 && (ctx->pass_cache[kind] = sodium_malloc(SIGN_PASS_MAX)) != NULL)
		memcpy(ctx->pass_cache[kind], buf, SIGN_PASS_MAX);
	*out = buf;
	return SIGN_OK;
none:
	signp_err(err, SIGN_EPASSPHRASE, "%s passphrase needed: none given",
		kind == SIGN_PASS_ROOT ? "root" : kind == SIGN_PASS_REPOSITORY ? "repository" :
		kind == SIGN_PASS_IMPORT ? "key file" : "delegation");
	signp_err_hint(err, "set %s or run from a terminal", pass_var(kind));
	return SIGN_EPASSPHRASE;
}

sign_pass_kind signp_role_pass_kind(const char *role)
{
	if (strcmp(role, "root") == 0)
		return SIGN_PASS_ROOT;
	if (strcmp(role, "targets") == 0 || strcmp(role, "snapshot") == 0 ||
	    strcmp(role, "timestamp") == 0)
		return SIGN_PASS_REPOSITORY;
	return SIGN_PASS_DELEGATION;
}

/* A second handle on k (the EVP_PKEY is shared, counted), or NULL. */
static signp_key *key_share(const signp_key *k)
{
	signp_key *c = malloc(sizeof(*c));
	if (c == NULL)
		return NULL;
	*c = *k;
	if (EVP_PKEY_up_ref(c->pkey) != 1) {
		sodium_memzero(c, sizeof(*c));
		free(c);
		return NULL;
	}
	return c;
}

/* Keep a handle on the private key k for later loads (oldest dropped). */
static void key_remember(sign_ctx *ctx, const signp_key *k)
{
	signp_key *c;
	if (!k->is_private || (c = key_share(k)) == NULL)
		return;
	signp_ctx_forget_key(ctx, k->id);
	if (ctx->nkeys == sizeof(ctx->keys) / sizeof(ctx->keys[0])) {
		signp_key_free(ctx->keys[0]);
		memmove(ctx->keys, ctx->keys + 1, (ctx->nkeys - 1) * sizeof(ctx->keys[0]));
		ctx->nkeys--;
	}
	ctx->keys[ctx->nkeys++] = c;
}

/* Where the context keeps private key keyid, or ctx->nkeys when it does not. */
static size_t cached_key(const sign_ctx *ctx, const char *keyid)
{
	size_t i;
	for (i = 0; i < ctx->nkeys; i++)
		if (strcmp(ctx->keys[i]->id, keyid) == 0)
			break;
	return i;
}

void signp_ctx_forget_key(sign_ctx *ctx, const char *keyid)
{
	size_t i = cached_key(ctx, keyid);
	if (i == ctx->nkeys)
		return;
	signp_key_free(ctx->keys[i]);
	memmove(ctx->keys + i, ctx->keys + i + 1, (ctx->nkeys - i - 1) * sizeof(ctx->keys[0]));
	ctx->nkeys--;
}

/* ---- decrypting several keys at once ---- */

#define PREFETCH_MAX 4
/* threads decrypting at once, each with scrypt's 64 MiB: two halve a
 * push's wait and keep its peak near 140 MiB */
#define PREFETCH_THREADS 2

typedef struct prefetch_job {
	const char *keyid;
	signp_key *key;
	int r;
} prefetch_job;

typedef struct prefetch_set {
	const char *home, *pass;
	prefetch_job job[PREFETCH_MAX];
	size_t n;
	atomic_size_t next;
} prefetch_set;

static void *prefetch_run(void *arg)
{
	prefetch_set *p = arg;
	size_t i;
	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		prefetch_job *j = &p->job[i];
		sign_error e;
		memset(&e, 0, sizeof(e));
		j->r = signp_keystore_load(&j->key, p->home, j->keyid, p->pass, strlen(p->pass), &e);
		sodium_memzero(&e, sizeof(e));
	}
	return NULL;
}

void signp_ctx_prefetch_keys(sign_ctx *ctx, const char *const *ids, size_t n, sign_pass_kind kind)
{
	prefetch_set p;
	pthread_t tid[PREFETCH_THREADS - 1];
	size_t i, nt = 0;
	char *pass = NULL;
	memset(&p, 0, sizeof(p));
	for (i = 0; i < n && p.n < PREFETCH_MAX; i++)
		if (ids[i] != NULL && cached_key(ctx, ids[i]) == ctx->nkeys)
			p.job[p.n++].keyid = ids[i];
	/* one key gains nothing from a thread; without a passphrase the
	 * loads that follow report it */
	if (p.n < 2 || signp_ctx_passphrase(&pass, ctx, kind, p.job[0].keyid, 0, NULL) != SIGN_OK)
		return;
	p.home = ctx->home;
	p.pass = pass;
	atomic_init(&p.next, 0);
	while (nt < PREFETCH_THREADS - 1 && nt + 1 < p.n && pthread_create(&tid[nt], NULL, prefetch_run, &p) == 0)
		nt++;
	prefetch_run(&p); /* this thread too; alone if no thread started */
	for (i = 0; i < nt; i++)
		pthread_join(tid[i], NULL);
	sodium_free(pass);
	for (i = 0; i < p.n; i++) {
		if (p.job[i].r == SIGN_OK && p.job[i].key != NULL) {
			signp_ctx_log(ctx, SIGN_LOG_DEBUG, "decrypted key %s (%s)", p.job[i].keyid,
				p.job[i].key->role[0] ? p.job[i].key->role : "no role");
			key_remember(ctx, p.job[i].key);
		}
		signp_key_free(p.job[i].key);
	}
}

int signp_ctx_load_key(signp_key **out, sign_ctx *ctx, const char *keyid, sign_pass_kind kind,
	sign_error *err)
{
	char *pass = NULL;
	size_t at = cached_key(ctx, keyid);
	int r;
	*out = NULL;
	/* decrypted earlier by this context: no passphrase, no scrypt */
	if (at < ctx->nkeys)
		return (*out = key_share(ctx->keys[at])) != NULL ? SIGN_OK :
			signp_err(err, SIGN_ENOMEM, "loading key %s: out of memory", keyid);
	if ((r = signp_ctx_passphrase(&pass, ctx, kind, keyid, 0, err)) != SIGN_OK)
		return r;
	r = signp_keystore_load(out, ctx->home, keyid, pass, strlen(pass), err);
	if (r == SIGN_EPASSPHRASE)
		signp_err_hint(err, "check %s", pass_var(kind));
	sodium_free(pass);
	if (r == SIGN_OK) {
		signp_ctx_log(ctx, SIGN_LOG_DEBUG, "decrypted key %s (%s)", keyid,
			(*out)->role[0] ? (*out)->role : "no role");
		key_remember(ctx, *out);
	}
	return r;
}

int signp_ctx_save_key(sign_ctx *ctx, const signp_key *k, sign_pass_kind kind, sign_error *err)
{
	char *pass = NULL;
	int r;
	if ((r = signp_ctx_passphrase(&pass, ctx, kind, k->id, 1, err)) != SIGN_OK)
		return r;
	r = signp_keystore_save(ctx->home, k, pass, strlen(pass), err);
	sodium_free(pass);
	if (r == SIGN_OK)
		key_remember(ctx, k);
	return r;
}

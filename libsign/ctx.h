/*
 * ctx.h - the sign_ctx handle and services the modules take from it:
 * registry handles, passphrases, keys, warnings, the home layout.
 */
#ifndef SIGN_CTX_H
#define SIGN_CTX_H

#include "common.h"
#include "key.h"
#include "ref.h"
#include "registry.h"

#define SIGN_MAX_REGISTRIES 8

struct sign_ctx {
	char *home;
	char *trust_server;
	char **insecure;            /* NULL-terminated */
	char *ca_file;
	char *docker_config;
	char *docker_auth_config;   /* credentials: wiped at free */
	int disable_tofu;           /* no trust on first use, whatever config.json says */
	long timeout;
	sign_passphrase_cb pass_cb;
	sign_log_cb log_cb;
	void *payload;
	struct {
		char host[256];
		signp_registry *reg;
		char scheme_seen[8];
	} regs[SIGN_MAX_REGISTRIES];
	size_t nregs;
	char *pass_cache[4];        /* sodium_malloc'd, by sign_pass_kind, wiped at free */
	/* private keys decrypted or created during this context's life, so that
	 * one `sign push` of many references runs scrypt once per key */
	struct signp_key *keys[8];
	size_t nkeys;
	/* objects remembered during this context's life, each with the
	 * function that frees it: verified trust collections (trust.c), so
	 * that one `sign verify` of many tags of a GUN loads its trust data
	 * once */
	struct {
		char key[1024];
		void *obj;
		void (*destroy)(void *obj);
	} memo[8];
	size_t nmemo;
	/* every HTTP transfer of the context's handles ends by then
	 * (signp_monotonic_ms clock; 0: no deadline): signp_ctx_set_deadline */
	int64_t deadline_ms;
};

/* An object remembered on the context under key (borrowed), or NULL. */
void *signp_ctx_memo_get(sign_ctx *ctx, const char *key);
/* Remember obj under key: the context takes it over and frees it with
 * destroy (at sign_ctx_free, or when full, oldest first; at once when the
 * key is too long to keep). */
void signp_ctx_memo_put(sign_ctx *ctx, const char *key, void *obj, void (*destroy)(void *obj));

/* Forget every remembered object (freed now): what was verified before is
 * looked at again.  A long-lived context (an admission worker's) calls it
 * between operations, so that trust data never outlives one of them. */
void signp_ctx_memo_clear(sign_ctx *ctx);

/* Close every registry and trust server handle of the context (their
 * connections and tokens go): a long-lived context (an admission
 * worker's) calls it between operations when its SIGN_MAX_REGISTRIES
 * slots run short, as each server it meets takes one.  No handle may be in
 * use. */
void signp_ctx_drop_registries(sign_ctx *ctx);

/* Bound every HTTP transfer of the context (its registry and trust server
 * handles, present and future) by deadline_ms, a signp_monotonic_ms time;
 * 0 removes the bound.  A transfer that would start past it fails at once
 * with SIGN_ENET "... deadline exceeded". */
void signp_ctx_set_deadline(sign_ctx *ctx, int64_t deadline_ms);

struct signp_key;
/* Decrypt the private keys ids[0..n) (one passphrase kind) in parallel
 * threads into the context's cache, so that the signp_ctx_load_key calls
 * that follow find them there: a push needs three scrypt derivations.  Best
 * effort: a key that fails here fails again, with its message, when it is
 * loaded.  NULL ids are skipped. */
void signp_ctx_prefetch_keys(sign_ctx *ctx, const char *const *ids, size_t n, sign_pass_kind kind);
/* Drop a private key from the context's cache (its file was removed). */
void signp_ctx_forget_key(sign_ctx *ctx, const char *keyid);

/* Registry handle for host (cached on the context). */
int signp_ctx_registry(signp_registry **out, sign_ctx *ctx, const char *host, sign_error *err);
/* A registry handle for host of the caller's own (its own connection,
 * credentials and token cache), with the context's settings and the scheme
 * the context's handle found, for a worker thread: free it with
 * signp_registry_free.  Its requests are not in signp_ctx_counters. */
int signp_ctx_registry_own(signp_registry **out, sign_ctx *ctx, const char *host, sign_error *err);
/* Handle for the Notary server at url (the context's --trust-server, or
 * migrate's source); credentials are looked up for the server, then for
 * cred_host (the GUN's registry, as docker does).  Cached on the context,
 * one per cred_host. */
int signp_ctx_notary(signp_registry **out, sign_ctx *ctx, const char *url, const char *cred_host,
	sign_error *err);

/* Sum of requests and connections over the context's registry handles. */
void signp_ctx_counters(const sign_ctx *ctx, long *requests, long *connections);
/* Is host marked insecure (the context's insecure_registries)? */
int signp_ctx_insecure(const sign_ctx *ctx, const char *host);

/* Ask for a passphrase (sodium_malloc'd, NUL-terminated; free with
 * sodium_free).  SIGN_EPASSPHRASE with a hint naming the variable. */
int signp_ctx_passphrase(char **out, sign_ctx *ctx, sign_pass_kind kind, const char *keyid,
	int confirm, sign_error *err);
/* Load and decrypt a key of the home (asks the passphrase of `kind`). */
int signp_ctx_load_key(signp_key **out, sign_ctx *ctx, const char *keyid, sign_pass_kind kind,
	sign_error *err);
/* Save a new key with the passphrase of `kind` (asked with confirmation). */
int signp_ctx_save_key(sign_ctx *ctx, const signp_key *k, sign_pass_kind kind, sign_error *err);
/* Passphrase kind for a role name. */
sign_pass_kind signp_role_pass_kind(const char *role);

/* Persist the scheme (http/https) each registry answered on. */
void signp_ctx_remember_schemes(sign_ctx *ctx);

void signp_ctx_log(sign_ctx *ctx, int level, const char *fmt, ...) SIGN_ATTR_PRINTF(3, 4);

/* <home>/<sub> */
int signp_ctx_path(sign_buf *out, const sign_ctx *ctx, const char *sub);
/* <home>/trust/<gun>[/<file>]; creates the folder (0700) when mkdir. */
int signp_ctx_gun_path(sign_buf *out, const sign_ctx *ctx, const char *gun, const char *file,
	int mkdir, sign_error *err);

#endif

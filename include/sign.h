/*
 * sign.h - the public API of libsign.
 *
 * libsign signs container images and verifies them before they are pulled:
 * a Notary-style TUF trust collection per repository (GUN), plus detached
 * cosign-layout signatures over manifest digests, stored in an OCI registry
 * or an OCI image layout folder.
 *
 * Conventions (see docs/architecture.md):
 *  - every call returns SIGN_OK (0) or a negative SIGN_E* code;
 *  - detail goes into an optional caller-supplied sign_error;
 *  - outputs come first; objects returned through `**out` are owned by the
 *    caller and freed with their *_free() function, which accepts NULL;
 *  - strings come back in a sign_buf, released with sign_buf_dispose();
 *  - options and result structs start with a version and have an *_INIT
 *    macro; an unknown version is refused (SIGN_EINVAL);
 *  - every call that takes a sign_error clears it first;
 *  - process-wide choices are the program's (sign_global_init_opts);
 *  - libsign.so exports exactly the functions of libsign.sym (a linker
 *    version script, node LIBSIGN_0);
 *  - the library never prints, prompts or exits.  Passphrases are asked for
 *    through a caller-supplied callback.
 *
 * Thread safety: distinct sign_ctx handles may be used from distinct threads
 * once sign_global_init() has returned.  One sign_ctx is not thread safe.
 */
#ifndef SIGN_H
#define SIGN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SIGN_BUILDING_LIBRARY)
#define SIGN_EXTERN(type) __attribute__((visibility("default"))) type
#else
#define SIGN_EXTERN(type) type
#endif

#if defined(__GNUC__)
#define SIGN_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define SIGN_WARN_UNUSED
#endif

#define SIGN_VERSION "0.1.0"

/* Return codes.  Append only; never renumber. */
enum {
	SIGN_OK = 0,
	SIGN_ERROR = -1,       /* generic operational failure */
	SIGN_EVERIFY = -2,     /* verification failed: unsigned, tampered, untrusted, expired, rolled back */
	SIGN_ENOTFOUND = -3,   /* object not found */
	SIGN_EFORMAT = -4,     /* malformed input (not a trust failure) */
	SIGN_ENET = -5,        /* network, TLS or timeout */
	SIGN_ECRYPTO = -6,     /* crypto library failure */
	SIGN_EINVAL = -7,      /* bad argument */
	SIGN_ENOMEM = -8,      /* out of memory */
	SIGN_EIO = -9,         /* file system */
	SIGN_EPASSPHRASE = -10,/* passphrase missing or wrong */
	SIGN_EAUTH = -11,      /* registry or trust server refused our credentials */
	SIGN_EKEY = -12,       /* a needed key is missing, unreadable or unsafe */
	SIGN_EREGISTRY = -13,  /* registry or trust server answered with an error */
	SIGN_ECONFLICT = -14   /* concurrent writers could not be reconciled */
};

/* Error detail, filled by the first failure (later context is prefixed). */
typedef struct sign_error {
	int code;
	char source[16];   /* "sign", "openssl", "curl", "errno", "registry" */
	char message[768]; /* "<what failed>: <why>"; never holds a secret */
	char hint[256];    /* optional: what the user can do about it */
} sign_error;

/* A growable, always NUL-terminated byte buffer owned by the caller. */
typedef struct sign_buf {
	char *ptr;
	size_t asize;
	size_t size;
} sign_buf;
#define SIGN_BUF_INIT { NULL, 0, 0 }

SIGN_EXTERN(void) sign_buf_dispose(sign_buf *buf);

/* Human-readable name of a return code. */
SIGN_EXTERN(const char *) sign_strerror(int code);

/* The version of the library in use, e.g. "0.1.0" (static storage).  It
 * may differ from the SIGN_VERSION of the header a program was built with. */
SIGN_EXTERN(const char *) sign_version(void);

/* Process-wide choices, which belong to the program, not to the library:
 * sign_global_init() makes none of them. */
#define SIGN_GLOBAL_OPENSSL_NO_ATEXIT 0x1u /* when this is the first to initialise
                                            * OpenSSL: no atexit(3) clean-up of its
                                            * global tables (the process is ending) */
typedef struct sign_global_options {
	unsigned int version;
	unsigned int flags;   /* SIGN_GLOBAL_* bits; others are refused (SIGN_EINVAL) */
} sign_global_options;
#define SIGN_GLOBAL_OPTIONS_VERSION 1
#define SIGN_GLOBAL_OPTIONS_INIT { SIGN_GLOBAL_OPTIONS_VERSION, 0 }

/* One of the two must be called once before any other function
 * (initialises libsodium, libcurl and OpenSSL).  sign_global_init() is
 * sign_global_init_opts() with the defaults (no flag) and returns SIGN_OK
 * or SIGN_ERROR; sign_global_init_opts() also SIGN_EINVAL (options version
 * or a flag unknown; opts NULL: the defaults). */
SIGN_EXTERN(int) sign_global_init(void);
SIGN_EXTERN(int) sign_global_init_opts(const sign_global_options *opts, sign_error *err);
SIGN_EXTERN(void) sign_global_cleanup(void);

/* ---------------------------------------------------------------------- */
/* Context                                                                 */

/* Which passphrase the library needs. */
typedef enum sign_pass_kind {
	SIGN_PASS_ROOT = 1,
	SIGN_PASS_REPOSITORY = 2, /* targets, and client-held snapshot/timestamp keys */
	SIGN_PASS_DELEGATION = 3,
	SIGN_PASS_IMPORT = 4      /* the passphrase of a key file being imported; when the
	                           * callback has none, the role's kind is asked next */
} sign_pass_kind;

/*
 * Passphrase callback.  Write at most `size - 1` bytes plus a NUL into
 * `buf` (guarded memory owned by the library, wiped after use).  `confirm`
 * is non-zero when a new key is being created (ask twice).  `keyid` may be
 * NULL.  Return 0 on success, or a negative value when no passphrase can be
 * had (the call then fails with SIGN_EPASSPHRASE).
 */
typedef int (*sign_passphrase_cb)(char *buf, size_t size, sign_pass_kind kind,
	const char *keyid, int confirm, void *payload);

/* Optional log callback for warnings ("timestamp expires in 2 days"). */
typedef void (*sign_log_cb)(int level, const char *message, void *payload);
#define SIGN_LOG_WARN 1
#define SIGN_LOG_INFO 2
#define SIGN_LOG_DEBUG 3

typedef struct sign_ctx sign_ctx;

/*
 * The library reads no environment variable: what sign(1) takes from
 * SIGN_HOME, SIGN_INSECURE_REGISTRIES, SIGN_DISABLE_TOFU, DOCKER_CONFIG and
 * DOCKER_AUTH_CONFIG, a caller passes here (or not).
 *
 * sign_ctx_new refuses (SIGN_EIO, with the chmod or chown to run in the
 * hint) a home, <home>/private or <home>/config.json that group or others
 * can write or that a user other than the caller (effective uid) and root
 * owns, and a home below a folder that group or others can write (unless
 * sticky, as /tmp) or that another user owns.
 */
typedef struct sign_ctx_options {
	unsigned int version;
	const char *home;                /* NULL: ~/.sign, ~ from the password database */
	const char *trust_server;        /* Notary server URL; NULL: registry backend */
	const char *const *insecure_registries; /* NULL-terminated list of host[:port] */
	const char *ca_file;             /* extra CA bundle for TLS */
	const char *docker_config;       /* path of the docker config.json; NULL:
	                                  * ~/.docker/config.json, ~ as for home */
	long timeout_seconds;            /* per request total; 0: 30 */
	sign_passphrase_cb passphrase_cb;
	sign_log_cb log_cb;
	void *payload;                   /* given back to both callbacks */
	/* Since version 2 (version 1 callers leave them out): */
	int disable_tofu;                /* refuse trust on first use for every GUN no
	                                  * pin covers, as config.json's disable_tofu */
	const char *docker_auth_config;  /* docker config JSON text used instead of any
	                                  * file (as DOCKER_AUTH_CONFIG); copied, and the
	                                  * copy wiped when the context is freed */
} sign_ctx_options;
#define SIGN_CTX_OPTIONS_VERSION 2
#define SIGN_CTX_OPTIONS_INIT { SIGN_CTX_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, 0, NULL }

SIGN_EXTERN(int) sign_ctx_new(sign_ctx **out, const sign_ctx_options *opts, sign_error *err) SIGN_WARN_UNUSED;
SIGN_EXTERN(void) sign_ctx_free(sign_ctx *ctx);
/* The home folder in use (borrowed). */
SIGN_EXTERN(const char *) sign_ctx_home(const sign_ctx *ctx);

/* ---------------------------------------------------------------------- */
/* Push (sign) and verify                                                  */

typedef struct sign_push_options {
	unsigned int version;
	const char *from;           /* "oci:DIR[:tag]" to upload first, or NULL */
	const char *gun;            /* GUN for an oci: REF (default local/<folder>) */
	const char *keyid;          /* sign with this delegation key (issue: signers) */
	int recursive;              /* also sign each platform manifest of an index */
	long timestamp_lifetime;    /* seconds; 0: keep the GUN's setting (default 14 days) */
	int local_snapshot;         /* Notary backend, new GUN: the client holds the snapshot
	                             * key (default: the server does, as docker sets it up) */
	int referrers;              /* write the detached signature in the OCI 1.1 referrers
	                             * form (subject + sha256-<hex> fallback index) instead of
	                             * cosign's sha256-<hex>.sig tag */
} sign_push_options;
#define SIGN_PUSH_OPTIONS_VERSION 1
#define SIGN_PUSH_OPTIONS_INIT { SIGN_PUSH_OPTIONS_VERSION, NULL, NULL, NULL, 0, 0, 0, 0 }

/* Result structs, like options structs, start with a version the caller
 * sets with their *_INIT macro; a call given a result of a version it does
 * not know fails with SIGN_EINVAL and writes nothing else into it. */
typedef struct sign_push_result {
	unsigned int version;  /* SIGN_PUSH_RESULT_VERSION */
	char repository[512];  /* e.g. 127.0.0.1:5000/app, or oci:DIR */
	char gun[520];         /* the GUN whose trust data was updated */
	char tag[136];
	char digest[80];       /* sha256:<hex> */
	uint64_t size;         /* manifest size */
	char keyid[72];        /* key that signed */
	char role[64];         /* targets role the tag was recorded in */
	int created_root;      /* a new root key was created */
	int created_repository;/* the GUN was initialised */
	int new_signature;     /* 0 when the digest was already signed by that key */
	long requests;         /* HTTP requests made */
} sign_push_result;
#define SIGN_PUSH_RESULT_VERSION 1
#define SIGN_PUSH_RESULT_INIT { SIGN_PUSH_RESULT_VERSION, "", "", "", "", 0, "", "", 0, 0, 0, 0 }

SIGN_EXTERN(int) sign_push(sign_push_result *out, sign_ctx *ctx, const char *ref,
	const sign_push_options *opts, sign_error *err) SIGN_WARN_UNUSED;

/* Progress of a long run: done of total units, called on the caller's
 * thread between units of work.  The library never draws it. */
typedef void (*sign_progress_fn)(void *arg, size_t done, size_t total);

/* Push refs[0..n) as one batch: the references are grouped by repository
 * (GUN), and each group is published once: its keys are unlocked once,
 * each reference's tag resolved and detached signature written, then
 * targets, snapshot and timestamp signed and published once for all of
 * them.  Every reference is parsed before anything is done.  out[0..n)
 * are results, each set with SIGN_PUSH_RESULT_INIT; out[i].digest is
 * non-empty exactly when refs[i] was signed and published.  The first
 * failure stops the run: the group's references staged before it are
 * still published, later groups are not started, and its error is
 * returned.  A result's requests count its own reference's requests; a
 * group's shared ones (opening, publishing) are counted in its first
 * result.  With opts->keyid each reference is published on its own
 * (through the delegations that list the key).  progress may be NULL. */
SIGN_EXTERN(int) sign_push_batch(sign_push_result *out, size_t n, sign_ctx *ctx, const char *const *refs,
	const sign_push_options *opts, sign_progress_fn progress, void *progress_arg,
	sign_error *err) SIGN_WARN_UNUSED;

typedef struct sign_verify_options {
	unsigned int version;
	const char *const *root_keys; /* NULL-terminated list of pinned root public key files */
	const char *key;              /* cosign key-only mode: only check detached signatures with this key */
	const char *gun;              /* GUN for an oci: REF */
	int offline;                  /* use the cached trust state only */
	/* Since version 2.  Check expiry as of this time (unix seconds), not
	 * now: "will it still verify then?", to hear of a freeze window's end
	 * ahead of time.  0: now.  A time in the past is refused (SIGN_EINVAL),
	 * so expired trust data is never accepted; such a check caches
	 * nothing.  Version 1 callers leave it out. */
	int64_t at;
	/* Since version 3 (version 1 and 2 callers leave them out). */
	const char *root_ca;          /* a CA certificate file pinning the root: the root
	                               * must list a certificate with CN = GUN that chains
	                               * to this CA, and carry a valid signature by its key
	                               * (as config.json's trust_pinning ca); with root_keys,
	                               * meeting either pin is enough */
	const char *const *signers;   /* NULL-terminated delegation roles ("targets/releases",
	                               * "targets"): the tag (or digest) must be signed, for
	                               * the verified digest, in at least threshold of them,
	                               * each role's metadata verified through the delegation
	                               * chain; NULL: any role the trust data accepts */
	unsigned int threshold;       /* how many of signers; 0: all of them */
} sign_verify_options;
#define SIGN_VERIFY_OPTIONS_VERSION 3
#define SIGN_VERIFY_OPTIONS_INIT { SIGN_VERIFY_OPTIONS_VERSION, NULL, NULL, NULL, 0, 0, NULL, NULL, 0 }

typedef struct sign_verify_result {
	unsigned int version;    /* SIGN_VERIFY_RESULT_VERSION */
	char repository[512];
	char tag[136];
	char digest[80];         /* the digest to pull by */
	uint64_t size;
	char role[64];           /* role whose entry was accepted */
	char **signers;          /* canonical IDs of the keys whose detached signatures
	                          * count, each once, all of them: nsigners strings owned
	                          * by the result, freed by sign_verify_result_dispose() */
	size_t nsigners;
	int64_t timestamp_expires; /* unix seconds */
	long requests;           /* HTTP requests made */
	long connections;        /* TCP connections opened */
} sign_verify_result;
#define SIGN_VERIFY_RESULT_VERSION 1
#define SIGN_VERIFY_RESULT_INIT { SIGN_VERIFY_RESULT_VERSION, "", "", "", 0, "", NULL, 0, 0, 0, 0 }

/* Returns SIGN_OK, SIGN_EVERIFY when the image is not trusted, or another
 * negative code when the check could not be made.  `out` is overwritten
 * (dispose of a result before giving it again); on failure it owns no
 * memory. */
SIGN_EXTERN(int) sign_verify(sign_verify_result *out, sign_ctx *ctx, const char *ref,
	const sign_verify_options *opts, sign_error *err) SIGN_WARN_UNUSED;
/* Free what a result owns (its signers) and leave it empty, its version
 * kept, ready for another call.  Accepts NULL and an empty result. */
SIGN_EXTERN(void) sign_verify_result_dispose(sign_verify_result *res);

/* Verify refs[0..n), each as sign_verify does: out[i] (each set with
 * SIGN_VERIFY_RESULT_INIT, disposed by the caller), its return code in
 * rcs[i] and its error in errs[i]; one failure does not stop the others.
 * Each repository's trust data is verified once, on the calling thread,
 * for its first reference; the other references' registry requests (the
 * tag's HEAD, the detached signatures) run over a bounded pool of threads,
 * each with a connection of its own (not with a trust server, nor
 * offline: there they run in order).  Returns SIGN_OK when every reference
 * verified, else the first failure's code (in reference order). */
SIGN_EXTERN(int) sign_verify_batch(sign_verify_result *out, int *rcs, sign_error *errs, size_t n,
	sign_ctx *ctx, const char *const *refs, const sign_verify_options *opts);

/* ---------------------------------------------------------------------- */
/* Attestations (in-toto statements in DSSE envelopes, cosign's layout)    */

/* Predicate types: one of cosign's names ("slsaprovenance",
 * "slsaprovenance02", "slsaprovenance1", "spdx", "spdxjson", "cyclonedx",
 * "link", "vuln", "openvex", "custom") or a URI, e.g.
 * "https://cyclonedx.org/bom". */

typedef struct sign_attest_options {
	unsigned int version;
	const char *gun;       /* GUN for an oci: REF (default local/<folder>) */
	int referrers;         /* also write it as an OCI 1.1 referrer (subject = the
	                        * image): a Sigstore bundle v0.3 holding the envelope,
	                        * as cosign v3's attest writes it */
	const char *keyid;     /* sign with this signer key of the home (a delegation's,
	                        * for a tag signed with `sign push --key`) instead of the
	                        * repository key; NULL: the repository key */
} sign_attest_options;
#define SIGN_ATTEST_OPTIONS_VERSION 1
#define SIGN_ATTEST_OPTIONS_INIT { SIGN_ATTEST_OPTIONS_VERSION, NULL, 0, NULL }

typedef struct sign_attest_result {
	unsigned int version;       /* SIGN_ATTEST_RESULT_VERSION */
	char repository[512];
	char digest[80];            /* the image's manifest digest, the statement's subject */
	char predicate_type[520];   /* the URI */
	char keyid[72];             /* the key that signed (repository or signer key) */
	char tag[96];               /* sha256-<hex>.att */
	char envelope[80];          /* digest of the envelope made (a blob of the .att
	                             * manifest, or inside the referrer's bundle), or "" */
	char referrer[80];          /* digest of the referrer manifest, or "" */
	int new_attestation;        /* 0 when an identical statement signed by that key
	                             * was there already (nothing written) */
} sign_attest_result;
#define SIGN_ATTEST_RESULT_VERSION 1
#define SIGN_ATTEST_RESULT_INIT { SIGN_ATTEST_RESULT_VERSION, "", "", "", "", "", "", "", 0 }

/* Attest REF's manifest digest: an in-toto Statement v1 (subject: the
 * repository and the digest; predicate: the predicate's JSON object, or
 * for "custom" and "spdx" its text, as cosign attest makes them) in a DSSE
 * envelope signed with the repository key of REF's GUN, added as a layer
 * of the sha256-<hex>.att manifest as cosign stores attestations (an
 * identical statement by that key is not added twice).  The image need
 * not be signed.  SIGN_EKEY when this home holds no repository key for
 * the GUN; SIGN_EINVAL for an unknown type or a predicate that is not what
 * the type needs. */
SIGN_EXTERN(int) sign_attest(sign_attest_result *out, sign_ctx *ctx, const char *ref, const char *type,
	const void *predicate, size_t len, const sign_attest_options *opts, sign_error *err) SIGN_WARN_UNUSED;

/* Verify REF as sign_verify does, then its attestations of type: from the
 * .att tag and the referrers, those whose envelope is signed by the keys
 * that verified the image (the role's keys meeting its threshold, or
 * opts->key; with a key, the image's detached signature is not needed, as
 * cosign verify-attestation --key) and whose statement names the image's
 * digest.  json_out gets a JSON array of {predicateType, predicate,
 * subject, signer, source ("att" or "referrer"), envelope}.  SIGN_EVERIFY
 * when none verifies, saying what the ones found lacked.  Not offline. */
SIGN_EXTERN(int) sign_verify_attestation(sign_verify_result *out, sign_buf *json_out, sign_ctx *ctx,
	const char *ref, const char *type, const sign_verify_options *opts, sign_error *err) SIGN_WARN_UNUSED;

/* Trust data of a GUN as one JSON document (signed tags, keys by role,
 * versions and expiry), like `docker trust inspect`. */
SIGN_EXTERN(int) sign_inspect(sign_buf *json_out, sign_ctx *ctx, const char *ref_or_gun,
	const char *gun, sign_error *err) SIGN_WARN_UNUSED;

/* Revoke a signed tag: its targets entry goes (the repository key signs
 * the change) and its detached signature is deleted unless another tag
 * names the same digest.  `gun` names the GUN of an oci: layout (or NULL).
 * json_out: {gun, tag, digest, revoked, signature_removed}.  SIGN_EVERIFY
 * when the tag is not signed. */
SIGN_EXTERN(int) sign_revoke(sign_buf *json_out, sign_ctx *ctx, const char *ref, const char *gun,
	sign_error *err) SIGN_WARN_UNUSED;

/* ---------------------------------------------------------------------- */
/* Migration off a Notary server                                           */

typedef struct sign_migrate_options {
	unsigned int version;
	const char *from_trust_server;  /* URL of the Notary server holding the GUN today */
	const char *const *root_keys;   /* NULL-terminated pinned root public key files */
	/* Since version 2 (version 1 callers leave them out): called on the
	 * calling thread as the signed tags are checked and signed, with the
	 * tags done and their number; NULL for none. */
	sign_progress_fn progress;
	void *progress_arg;
} sign_migrate_options;
#define SIGN_MIGRATE_OPTIONS_VERSION 2
#define SIGN_MIGRATE_OPTIONS_INIT { SIGN_MIGRATE_OPTIONS_VERSION, NULL, NULL, NULL, NULL }

/* Copy GUN's trust collection from a Notary server into the registry
 * backend: every root version, targets and delegations as they are, and a
 * root rotation that hands snapshot and timestamp to this home's keys
 * (needs the GUN's root key in the home).  Writes a detached signature
 * for every signed tag whose image the registry serves and whose key this
 * home holds, first (the registry checks and writes run on up to 8
 * connections of their own, from threads of the library's).  Any error
 * stops it before the trust data is published; run again, it finds the
 * signatures already written and writes the rest.  json_out: {gun, from,
 * root_version, tags[{tag, digest, role, signature}], not_carried[...]}. */
SIGN_EXTERN(int) sign_migrate(sign_buf *json_out, sign_ctx *ctx, const char *gun,
	const sign_migrate_options *opts, sign_error *err) SIGN_WARN_UNUSED;

/* ---------------------------------------------------------------------- */
/* Trust state                                                             */

/* Pin the root of GUN to the public key in `root_key_file` (PEM). */
SIGN_EXTERN(int) sign_trust_pin(sign_ctx *ctx, const char *gun, const char *root_key_file,
	sign_error *err) SIGN_WARN_UNUSED;
/* A trust pinning rule in <home>/config.json (notary's format): the roots
 * of `pattern` (a GUN, or a prefix ending in '*') must be signed by the
 * key in root_key_file; or (ca_file) their certificates must chain to that
 * CA bundle, `pattern` being a GUN prefix.  Exactly one of the two. */
SIGN_EXTERN(int) sign_trust_pin_rule(sign_ctx *ctx, const char *pattern, const char *root_key_file,
	const char *ca_file, sign_error *err) SIGN_WARN_UNUSED;
/* Allow (1) or refuse (0) trust on first use for GUNs no rule pins. */
SIGN_EXTERN(int) sign_trust_set_tofu(sign_ctx *ctx, int allow, sign_error *err) SIGN_WARN_UNUSED;
/* The trust state of GUN as JSON (pin, cached versions, expiry). */
SIGN_EXTERN(int) sign_trust_show(sign_buf *json_out, sign_ctx *ctx, const char *gun,
	sign_error *err) SIGN_WARN_UNUSED;
/* Re-sign the timestamp of a GUN (registry and oci backends) for another
 * lifetime; `lifetime` in seconds, 0 keeps the GUN's setting.  Needs only
 * the timestamp key.  `gun` names the GUN of an oci: layout (NULL: the
 * default local/<folder>).  json_out gets {gun, timestamp_expires}. */
SIGN_EXTERN(int) sign_trust_refresh(sign_buf *json_out, sign_ctx *ctx, const char *ref_or_gun,
	const char *gun, long lifetime, sign_error *err) SIGN_WARN_UNUSED;
/* The owner of a GUN's keys publishes the home's cached (newer) trust data
 * again over an older state the registry serves (a registry restored from
 * backup), with targets, snapshot and timestamp versions above both.  Only
 * when the served state is an ancestor of the home's: the same root, files
 * signed by that root's keys, every version at most the cached one.
 * Otherwise SIGN_EVERIFY and nothing is published.  json_out gets {gun,
 * republished, served:{targets,snapshot,timestamp}, targets, snapshot,
 * timestamp} (the new versions). */
SIGN_EXTERN(int) sign_trust_republish(sign_buf *json_out, sign_ctx *ctx, const char *ref_or_gun,
	const char *gun, sign_error *err) SIGN_WARN_UNUSED;

/* ---------------------------------------------------------------------- */
/* The Sigstore trusted root, kept fresh through TUF                       */

#define SIGN_SIGSTORE_TUF_URL "https://tuf-repo-cdn.sigstore.dev"

/* Update the Sigstore trusted root of the TUF repository at tuf_url (NULL:
 * SIGN_SIGSTORE_TUF_URL, the public good) with the TUF 1.0 client: root
 * rotation chain, timestamp, snapshot, targets (delegations followed),
 * then the target "trusted_root.json", checked by length and hashes.  The
 * metadata and the target are cached under <home>/sigstore/<host...>/.
 * The first update of a URL starts from tuf_root_file (a root.json), or,
 * for the public good, from the root.json shipped with libsign; later ones
 * from the cached root (tuf_root_file is then not read).  json_out gets
 * {tuf_url, root_version, timestamp_version, timestamp_expires,
 * trusted_root} (the cached file's path).  SIGN_EVERIFY when the
 * repository's metadata or the target does not verify (nothing newer is
 * cached then), SIGN_ENET when the repository cannot be reached. */
SIGN_EXTERN(int) sign_sigstore_update(sign_buf *json_out, sign_ctx *ctx, const char *tuf_url,
	const char *tuf_root_file, sign_error *err) SIGN_WARN_UNUSED;
/* The cached trusted_root.json of tuf_url (NULL: the public good) into
 * *out, without the network.  The cached TUF metadata is verified again
 * (signatures from the cached root down, versions, lengths and hashes) and
 * must describe the cached file; expired metadata is accepted, and then
 * *expired (if not NULL) is set to 1: the trusted root may be stale, and
 * the caller should warn; else 0.  SIGN_ENOTFOUND when no update has
 * cached one, SIGN_EVERIFY when the cache does not verify (hint for both:
 * run `sign trust sigstore-update`); *out is then empty. */
SIGN_EXTERN(int) sign_sigstore_trusted_root(sign_buf *out, int *expired, sign_ctx *ctx,
	const char *tuf_url, sign_error *err) SIGN_WARN_UNUSED;

/* ---------------------------------------------------------------------- */
/* Signers (delegations)                                                   */

/* Add or update signer NAME of GUN, as `docker trust signer add` does:
 * the public keys in key_files (PEM, NULL-terminated list) go into the
 * targets metadata's delegations, listed by roles targets/NAME and
 * targets/releases.  paths (NULL-terminated prefixes; NULL or empty: keep
 * the role's, or [""] = every tag for a new role) restrict the tags the
 * signer may sign; targets/releases gets the union of its signers' paths.
 * threshold > 0 sets how many of the role's keys must sign (on targets/NAME
 * and targets/releases: a two-person release); 0 keeps it (new role: 1).
 * Needs the repository key (and, against a registry, the snapshot and
 * timestamp keys); not the root key.  json_out: {gun, signer, role,
 * signer_role{role, keyids, paths, threshold}, releases{...}, targets_version}. */
SIGN_EXTERN(int) sign_signer_add(sign_buf *json_out, sign_ctx *ctx, const char *name, const char *gun,
	const char *const *key_files, const char *const *paths, int threshold,
	sign_error *err) SIGN_WARN_UNUSED;
/* Remove targets/NAME, and its keys from targets/releases unless another
 * signer lists them (keys no role lists are dropped).  SIGN_ENOTFOUND when
 * there is no such signer.  json_out: {gun, signer, removed, signer_role:
 * null, releases{...}|null, targets_version}. */
SIGN_EXTERN(int) sign_signer_remove(sign_buf *json_out, sign_ctx *ctx, const char *name, const char *gun,
	sign_error *err) SIGN_WARN_UNUSED;
/* The delegation roles of GUN: {gun, roles[{role, name, keyids, paths,
 * threshold, status ("valid", "not-valid": published but too few
 * signatures, expired or bad; "no-tags"), version, tags[]}]}. */
SIGN_EXTERN(int) sign_signer_list(sign_buf *json_out, sign_ctx *ctx, const char *gun,
	sign_error *err) SIGN_WARN_UNUSED;

/* ---------------------------------------------------------------------- */
/* Keys                                                                    */

/* Generate a P-256 key.  role: "root", "targets", "snapshot", "timestamp"
 * or a signer name; gun may be NULL.  The key ID goes into keyid_out. */
SIGN_EXTERN(int) sign_key_generate(char keyid_out[72], sign_ctx *ctx, const char *role,
	const char *gun, sign_error *err) SIGN_WARN_UNUSED;
/* All keys of the home as a JSON array of {keyid, role, gun, file}. */
SIGN_EXTERN(int) sign_key_list(sign_buf *json_out, sign_ctx *ctx, sign_error *err) SIGN_WARN_UNUSED;
/* Import a key file (cosign, PKCS#8 PEM).  role/gun override the file's. */
SIGN_EXTERN(int) sign_key_import(char keyid_out[72], sign_ctx *ctx, const char *path,
	const char *role, const char *gun, sign_error *err) SIGN_WARN_UNUSED;

typedef enum sign_key_format {
	SIGN_KEY_FORMAT_PUBLIC = 1,  /* PEM SubjectPublicKeyInfo */
	SIGN_KEY_FORMAT_COSIGN = 2,  /* the encrypted file as stored */
	SIGN_KEY_FORMAT_PKCS8 = 3    /* encrypted PKCS#8 PEM (asks the passphrase) */
} sign_key_format;
SIGN_EXTERN(int) sign_key_export(sign_buf *out, sign_ctx *ctx, const char *keyid,
	sign_key_format format, sign_error *err) SIGN_WARN_UNUSED;
SIGN_EXTERN(int) sign_key_remove(sign_ctx *ctx, const char *keyid, sign_error *err) SIGN_WARN_UNUSED;

/* Key rotation (`sign key rotate GUN ROLE`). */
typedef struct sign_rotate_options {
	unsigned int version;
	int server;        /* snapshot, timestamp: the trust server makes the new key
	                    * (Notary backend only; required there for timestamp) */
	int no_resign;     /* repository: leave the current tags' detached signatures */
	const char *gun;   /* GUN of an oci: layout (NULL: local/<folder>) */
} sign_rotate_options;
#define SIGN_ROTATE_OPTIONS_VERSION 1
#define SIGN_ROTATE_OPTIONS_INIT { SIGN_ROTATE_OPTIONS_VERSION, 0, 0, NULL }

/* Rotate one base role's key of a GUN, non-interactively (passphrases
 * through the callback).  role: "root", "repository" (or "targets"),
 * "snapshot" or "timestamp".  Root version N+1 lists the new key and is
 * signed by the root keys of version N this home holds (and, for a root
 * rotation, by the new root key too); it is published with whatever it
 * invalidates (targets re-signed by a new repository key, snapshot and
 * timestamp).  A new repository key re-signs the detached signatures of
 * the current tags unless no_resign.  The replaced private key is removed
 * from the home, except a root key (kept until `sign key remove`).
 * An interrupted rotation is finished by running it again (a pending
 * record in the home keeps the new key).  json_out: {gun, role,
 * old_keyids, new_keyids, root_version, tags[{tag, digest, signature}]}. */
SIGN_EXTERN(int) sign_key_rotate(sign_buf *json_out, sign_ctx *ctx, const char *gun,
	const char *role, const sign_rotate_options *opts, sign_error *err) SIGN_WARN_UNUSED;

/* ---------------------------------------------------------------------- */
/* Sigstore bundles (`sign verify-blob`)                                    */

/* Verify a Sigstore bundle (media types v0.1, v0.2, v0.3; a message
 * signature or a DSSE envelope) over an artifact, as the Sigstore client
 * specification says: its log entries (inclusion proof and signed
 * checkpoint, or signed entry timestamp) and RFC 3161 timestamps against
 * the trusted root; keyless, the certificate's chain to a Fulcio CA at
 * every verified time, its SCT and its identity; with a key, that key;
 * the signature over the artifact (for DSSE: the envelope's signature,
 * and the artifact a subject of its in-toto statement); every log entry's
 * body recording that signature, key or certificate, and digest. */
typedef struct sign_blob_options {
	unsigned int version;
	const char *bundle_path;            /* the bundle (JSON) */
	const char *artifact;               /* a file's path, or "sha256:<hex>" when
	                                     * no such file exists */
	const char *key_path;               /* PEM public key; NULL: keyless */
	const char *certificate_identity;   /* keyless: the SAN, exactly */
	const char *certificate_identity_regexp; /* or a POSIX ERE (unanchored) */
	const char *certificate_oidc_issuer;     /* the OIDC issuer, exactly */
	const char *certificate_oidc_issuer_regexp;
	const char *trusted_root_path;      /* a trusted_root.json file; or */
	const char *trusted_root_json;      /* its text (sign_sigstore_trusted_root's);
	                                     * both NULL: the embedded public-good root */
	size_t trusted_root_len;
	int64_t now;                        /* unix seconds; 0: the clock */
	int insecure_ignore_tlog;           /* with key_path: a bundle without a transparency
	                                     * log entry may pass (cosign's
	                                     * --insecure-ignore-tlog); its entries, if any,
	                                     * are still checked */
} sign_blob_options;
#define SIGN_BLOB_OPTIONS_VERSION 1
#define SIGN_BLOB_OPTIONS_INIT { SIGN_BLOB_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0 }

typedef struct sign_blob_result {
	unsigned int version;       /* SIGN_BLOB_RESULT_VERSION */
	char digest[136];           /* the artifact, "<alg>:<hex>" */
	char predicate_type[256];   /* DSSE in-toto bundles; else "" */
	char identity[1024];        /* keyless: the certificate's SAN; else "" */
	char issuer[512];           /* keyless: its OIDC issuer; else "" */
	int64_t signed_time;        /* earliest verified time; -1: none (a key, no log time) */
	int64_t log_index;          /* first log entry's index; -1: none */
} sign_blob_result;
#define SIGN_BLOB_RESULT_VERSION 1
#define SIGN_BLOB_RESULT_INIT { SIGN_BLOB_RESULT_VERSION, "", "", "", "", -1, -1 }

/* SIGN_OK; SIGN_EVERIFY saying which check failed; SIGN_EFORMAT (a
 * malformed bundle or trusted root), SIGN_EINVAL, SIGN_ENOTFOUND, SIGN_EIO.
 * out may be NULL. */
SIGN_EXTERN(int) sign_verify_blob(sign_blob_result *out, const sign_blob_options *opts,
	sign_error *err) SIGN_WARN_UNUSED;

/* Keyless images (`sign verify --certificate-identity ...`): cosign's
 * keyless signatures in the sha256-<hex>.sig layout (certificate, chain,
 * Rekor bundle and RFC 3161 timestamp annotations) and Sigstore bundles
 * attached as OCI 1.1 referrers (cosign v3, with the tag schema
 * fallback), each verified as sign_verify_blob verifies a bundle, over the
 * image's manifest digest.  With attestation set, in-toto attestations of
 * that predicate type instead: cosign's sha256-<hex>.att layout and
 * referrers. */
typedef struct sign_sigstore_options {
	unsigned int version;
	const char *certificate_identity;        /* the SAN, exactly */
	const char *certificate_identity_regexp; /* or a POSIX ERE (unanchored) */
	const char *certificate_oidc_issuer;
	const char *certificate_oidc_issuer_regexp;
	const char *trusted_root_path;  /* a trusted_root.json file; or */
	const char *trusted_root_json;  /* its text (sign_sigstore_trusted_root's); both
	                                 * NULL: the embedded Sigstore public-good root */
	size_t trusted_root_len;
	const char *attestation;        /* NULL: image signatures; else a predicate type
	                                 * URI or one of cosign's names (slsaprovenance, vuln...) */
	const char *gun;                /* for an oci: REF */
	int64_t now;                    /* unix seconds; 0: the clock */
} sign_sigstore_options;
#define SIGN_SIGSTORE_OPTIONS_VERSION 1
#define SIGN_SIGSTORE_OPTIONS_INIT { SIGN_SIGSTORE_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, 0 }

/* out as sign_verify's (role "keyless", signers: the identities that
 * signed, "SAN (issuer)").  predicates_json (may be NULL): the verified
 * attestations, a JSON array of {predicateType, predicate, identity,
 * issuer, logIndex}.  SIGN_EVERIFY saying why none verified (each
 * signature's reason, the first few). */
SIGN_EXTERN(int) sign_verify_sigstore(sign_verify_result *out, sign_buf *predicates_json,
	sign_ctx *ctx, const char *ref, const sign_sigstore_options *opts, sign_error *err) SIGN_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif /* SIGN_H */

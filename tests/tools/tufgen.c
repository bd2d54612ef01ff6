/*
 * tufgen - build the TUF 1.0 test repository of tests/cli/test_sigstore_update.sh,
 * one step of its story at a time (ed25519 keys made with OpenSSL, kept in
 * DIR/keys; metadata signed over canonical JSON; consistent snapshots):
 *
 *   tufgen DIR init       root v1 (root key R1, online key O1), targets,
 *                         snapshot and timestamp v1, target trusted_root.json
 *                         ("trusted root 1")
 *   tufgen DIR rotate     root v2 (R2, O2) signed by R1 and R2; targets,
 *                         snapshot, timestamp v2 ("trusted root 2")
 *   tufgen DIR expired    timestamp v3 that expired a day ago
 *   tufgen DIR rollback   timestamp v1 (signed by O2): older than the client's
 *   tufgen DIR threshold  a valid timestamp v4, and root v3 whose root role
 *                         needs 2 of R2, R3 but carries R2's signature only
 *
 * With TUFGEN_TARGET=FILE, init publishes that file as trusted_root.json
 * (a real trusted root, for the verify commands' cached root).
 *
 * The repository is DIR/repo (metadata) and DIR/repo/targets; the initial
 * root is DIR/repo/1.root.json.  Test code, not part of libsign.
 */
#include "common.h"
#include "tuf1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

static const char *dir;

static void die(const char *what)
{
	fprintf(stderr, "tufgen: %s\n", what);
	exit(2);
}

/* Keys by name, loaded once and freed at the end. */
static struct {
	char name[8];
	EVP_PKEY *k;
} loaded[8];
static size_t nkeys;

static EVP_PKEY *load_key(const char *name);

static EVP_PKEY *key(const char *name)
{
	size_t i;
	for (i = 0; i < nkeys; i++)
		if (strcmp(loaded[i].name, name) == 0)
			return loaded[i].k;
	if (nkeys == 8)
		die("too many keys");
	snprintf(loaded[nkeys].name, sizeof(loaded[nkeys].name), "%s", name);
	loaded[nkeys].k = load_key(name);
	return loaded[nkeys++].k;
}

static EVP_PKEY *load_key(const char *name)
{
	char path[4096];
	EVP_PKEY *k = NULL;
	FILE *f;
	snprintf(path, sizeof(path), "%s/keys/%s.pem", dir, name);
	if ((f = fopen(path, "r")) != NULL) {
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (k == NULL)
			die("bad key file");
		return k;
	}
	if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
		die("keygen");
	if ((f = fopen(path, "w")) == NULL || !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL))
		die("writing a key");
	fclose(f);
	return k;
}

static json_t *key_json(EVP_PKEY *k)
{
	unsigned char raw[32];
	char hex[65];
	size_t n = sizeof(raw);
	if (EVP_PKEY_get_raw_public_key(k, raw, &n) != 1 || n != 32)
		die("public key");
	signp_hex(hex, raw, 32);
	return json_pack("{s:s, s:s, s:{s:s}}", "keytype", "ed25519", "scheme", "ed25519", "keyval",
		"public", hex);
}

/* The key ID: sha256 of the key object's canonical JSON (the usual rule). */
static void key_id(char out[65], EVP_PKEY *k)
{
	json_t *j = key_json(k);
	sign_buf b = SIGN_BUF_INIT;
	unsigned char d[32];
	if (signp_tuf1_canonical(&b, j, NULL) != SIGN_OK)
		die("canonical");
	signp_sha256(d, b.ptr, b.size);
	signp_hex(out, d, 32);
	sign_buf_dispose(&b);
	json_decref(j);
}

/* {"signatures": [...], "signed": s} signed by the n keys ks; steals s. */
static json_t *sign_doc(json_t *s, EVP_PKEY **ks, size_t n)
{
	sign_buf b = SIGN_BUF_INIT;
	json_t *sigs = json_array();
	size_t i;
	if (signp_tuf1_canonical(&b, s, NULL) != SIGN_OK)
		die("canonical");
	for (i = 0; i < n; i++) {
		unsigned char sig[64];
		char hex[129], id[65];
		size_t sl = sizeof(sig);
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, NULL, NULL, ks[i]) != 1 ||
		    EVP_DigestSign(ctx, sig, &sl, (const unsigned char *)b.ptr, b.size) != 1)
			die("sign");
		EVP_MD_CTX_free(ctx);
		signp_hex(hex, sig, sl);
		key_id(id, ks[i]);
		json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid", id, "sig", hex));
	}
	sign_buf_dispose(&b);
	return json_pack("{s:o, s:o}", "signatures", sigs, "signed", s);
}

static void expires(char out[32], int64_t delta)
{
	signp_time_format(out, signp_now() + delta);
}

/* Write doc as DIR/repo/<name>; its bytes in *bytes if not NULL. */
static void put(const char *name, json_t *doc, sign_buf *bytes)
{
	char path[4096];
	char *s = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS);
	snprintf(path, sizeof(path), "%s/repo/%s", dir, name);
	if (s == NULL || signp_write_file_atomic(path, s, strlen(s), 0644, NULL) != SIGN_OK)
		die("writing metadata");
	if (bytes != NULL) {
		signp_buf_clear(bytes);
		signp_buf_puts(bytes, s);
	}
	free(s);
	json_decref(doc);
}

static json_t *fileinfo(const void *data, size_t len, int64_t version)
{
	unsigned char d[32];
	char hex[65];
	json_t *j;
	signp_sha256(d, data, len);
	signp_hex(hex, d, 32);
	j = json_pack("{s:I, s:{s:s}}", "length", (json_int_t)len, "hashes", "sha256", hex);
	if (version > 0)
		json_object_set_new(j, "version", json_integer(version));
	return j;
}

static json_t *role(EVP_PKEY **ks, size_t n, int threshold)
{
	json_t *ids = json_array();
	size_t i;
	for (i = 0; i < n; i++) {
		char id[65];
		key_id(id, ks[i]);
		json_array_append_new(ids, json_string(id));
	}
	return json_pack("{s:o, s:i}", "keyids", ids, "threshold", threshold);
}

static void make_root(int version, EVP_PKEY **rk, size_t nrk, int threshold, EVP_PKEY **signers,
	size_t nsigners, EVP_PKEY *online)
{
	json_t *keys = json_object(), *roles;
	char when[32], name[64], id[65];
	size_t i;
	for (i = 0; i < nrk; i++) {
		key_id(id, rk[i]);
		json_object_set_new(keys, id, key_json(rk[i]));
	}
	key_id(id, online);
	json_object_set_new(keys, id, key_json(online));
	roles = json_pack("{s:o, s:o, s:o, s:o}", "root", role(rk, nrk, threshold), "timestamp",
		role(&online, 1, 1), "snapshot", role(&online, 1, 1), "targets", role(&online, 1, 1));
	expires(when, 365 * 86400);
	snprintf(name, sizeof(name), "%d.root.json", version);
	put(name,
		sign_doc(json_pack("{s:s, s:s, s:I, s:s, s:b, s:o, s:o}", "_type", "root", "spec_version",
				 "1.0.31", "version", (json_int_t)version, "expires", when,
				 "consistent_snapshot", 1, "keys", keys, "roles", roles),
			signers, nsigners),
		NULL);
}

static void make_timestamp(int version, const sign_buf *snapshot, int snapver, int64_t delta,
	EVP_PKEY *online)
{
	char when[32];
	expires(when, delta);
	put("timestamp.json",
		sign_doc(json_pack("{s:s, s:s, s:I, s:s, s:{s:o}}", "_type", "timestamp", "spec_version",
				 "1.0.31", "version", (json_int_t)version, "expires", when, "meta",
				 "snapshot.json", fileinfo(snapshot->ptr, snapshot->size, snapver)),
			&online, 1),
		NULL);
}

/* targets, snapshot and timestamp of version v, the target saying text. */
static void make_top(int v, const char *text, EVP_PKEY *online)
{
	sign_buf t = SIGN_BUF_INIT, s = SIGN_BUF_INIT;
	char when[32], name[4096], hex[65];
	unsigned char d[32];

	signp_sha256(d, text, strlen(text));
	signp_hex(hex, d, 32);
	snprintf(name, sizeof(name), "%s/repo/targets/%s.trusted_root.json", dir, hex);
	if (signp_write_file_atomic(name, text, strlen(text), 0644, NULL) != SIGN_OK)
		die("writing the target");
	expires(when, 365 * 86400);
	snprintf(name, sizeof(name), "%d.targets.json", v);
	put(name,
		sign_doc(json_pack("{s:s, s:s, s:i, s:s, s:{s:o}}", "_type", "targets", "spec_version",
				 "1.0.31", "version", v, "expires", when, "targets",
				 "trusted_root.json", fileinfo(text, strlen(text), 0)),
			&online, 1),
		&t);
	snprintf(name, sizeof(name), "%d.snapshot.json", v);
	put(name,
		sign_doc(json_pack("{s:s, s:s, s:i, s:s, s:{s:o}}", "_type", "snapshot", "spec_version",
				 "1.0.31", "version", v, "expires", when, "meta", "targets.json",
				 fileinfo(t.ptr, t.size, v)),
			&online, 1),
		&s);
	make_timestamp(v, &s, v, 365 * 86400, online);
	sign_buf_dispose(&t);
	sign_buf_dispose(&s);
}

static void snapshot2(sign_buf *s)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/repo/2.snapshot.json", dir);
	if (signp_read_file(s, path, 1 << 20, NULL) != SIGN_OK)
		die("no snapshot 2 (run rotate first)");
}

int main(int argc, char **argv)
{
	char path[4096];
	sign_buf s = SIGN_BUF_INIT;
	if (argc != 3) {
		fprintf(stderr, "usage: tufgen DIR init|rotate|expired|rollback|threshold\n");
		return 2;
	}
	dir = argv[1];
	snprintf(path, sizeof(path), "%s/keys", dir);
	if (signp_mkdirs(path, 0700, NULL) != SIGN_OK)
		die("mkdir");
	snprintf(path, sizeof(path), "%s/repo/targets", dir);
	if (signp_mkdirs(path, 0755, NULL) != SIGN_OK)
		die("mkdir");
	if (strcmp(argv[2], "init") == 0) {
		EVP_PKEY *r1 = key("R1");
		const char *tf = getenv("TUFGEN_TARGET");
		make_root(1, &r1, 1, 1, &r1, 1, key("O1"));
		if (tf != NULL && *tf != '\0') {
			if (signp_read_file(&s, tf, 4u << 20, NULL) != SIGN_OK)
				die("cannot read TUFGEN_TARGET");
			make_top(1, s.ptr, key("O1"));
		} else {
			make_top(1, "trusted root 1\n", key("O1"));
		}
	} else if (strcmp(argv[2], "rotate") == 0) {
		EVP_PKEY *r2 = key("R2"), *both[2];
		both[0] = key("R1");
		both[1] = r2;
		make_root(2, &r2, 1, 1, both, 2, key("O2"));
		make_top(2, "trusted root 2\n", key("O2"));
	} else if (strcmp(argv[2], "expired") == 0) {
		snapshot2(&s);
		make_timestamp(3, &s, 2, -86400, key("O2"));
	} else if (strcmp(argv[2], "rollback") == 0) {
		snapshot2(&s);
		make_timestamp(1, &s, 2, 365 * 86400, key("O2"));
	} else if (strcmp(argv[2], "threshold") == 0) {
		EVP_PKEY *ks[2];
		ks[0] = key("R2");
		ks[1] = key("R3");
		snapshot2(&s);
		make_timestamp(4, &s, 2, 365 * 86400, key("O2"));
		make_root(3, ks, 2, 2, ks, 1, key("O2"));
	} else {
		die("unknown step");
	}
	sign_buf_dispose(&s);
	while (nkeys > 0)
		EVP_PKEY_free(loaded[--nkeys].k);
	return 0;
}

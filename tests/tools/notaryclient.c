/*
 * notaryclient.c - exercise the notary server backend against a real
 * notary-server.
 *
 *   notaryclient [-c CAFILE] [-k] [-t SECONDS] [-C DOCKERCONFIG] [-r CREDHOST] URL GUN COMMAND ARGS...
 *
 * -C: docker config.json with credentials; -r: the registry host whose
 * credentials are used when the config has none for the server itself.
 *
 * Commands:
 *   selftest            refresh; root.json, timestamp, snapshot and targets by
 *                       checksum (hashes checked), 1.root.json, a missing role,
 *                       a bogus checksum (falls back to the current file)
 *   fetch ROLE [VERSION [SHA256HEX]]   body to stdout
 *   key ROLE [rotate]   the server's public key of timestamp/snapshot, and its ID
 *   publish ROLE=FILE...                upload files as they are
 *   resign KEYFILE PASS [SNAPKEYFILE SNAPPASS]
 *                       add a target "notaryclient-<pid>" to targets, bump its
 *                       version, sign it with KEYFILE (and the snapshot with
 *                       SNAPKEYFILE, else the server signs it), publish, then
 *                       check the server serves it; then publish the same
 *                       files again and expect SIGN_ECONFLICT
 * Exit: 0 ok, 1 failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common.h"
#include "key.h"
#include "notary.h"
#include "registry.h"
#include "tuf.h"

static int failures;

static void report(const char *what, int rc, int want, const sign_error *err)
{
	if (rc != want) {
		failures++;
		fprintf(stderr, "FAIL %s: got %s (%d), want %s: %s%s%s\n", what, sign_strerror(rc), rc,
			sign_strerror(want), err->message, err->hint[0] ? "\n  hint: " : "", err->hint);
	} else {
		fprintf(stderr, "ok   %s%s%s\n", what, err->message[0] ? ": " : "", err->message);
	}
}

#define CHECK(what, expr, want) do { \
	sign_error err_; int rc_; \
	memset(&err_, 0, sizeof(err_)); \
	rc_ = (expr); \
	report(what, rc_, want, &err_); \
} while (0)
#define E (&err_)

/* hex sha256 of meta.<name>.hashes.sha256 in a file's signed part */
static int meta_hex(char out[65], const sign_buf *file, const char *name, int64_t *len)
{
	json_t *j = json_loadb(file->ptr, file->size, 0, NULL);
	json_t *m = json_object_get(json_object_get(json_object_get(j, "signed"), "meta"), name);
	const char *b64 = json_string_value(json_object_get(json_object_get(m, "hashes"), "sha256"));
	sign_buf raw = SIGN_BUF_INIT;
	int ok = 0;
	if (b64 && signp_b64_decode(&raw, b64, strlen(b64)) == SIGN_OK && raw.size == 32) {
		signp_hex(out, (unsigned char *)raw.ptr, 32);
		if (len)
			*len = json_integer_value(json_object_get(m, "length"));
		ok = 1;
	}
	sign_buf_dispose(&raw);
	json_decref(j);
	return ok;
}

static int sha_is(const sign_buf *b, const char *hex)
{
	unsigned char md[32];
	char h[65];
	signp_sha256(md, b->ptr, b->size);
	signp_hex(h, md, 32);
	return strcmp(h, hex) == 0;
}

static int selftest(signp_trust_backend *be)
{
	sign_buf ts = SIGN_BUF_INIT, b = SIGN_BUF_INIT, snap = SIGN_BUF_INIT;
	char hex[65];
	int64_t len = 0;

	CHECK("refresh", be->refresh(be, E), SIGN_OK);
	CHECK("root.json", be->fetch(be, "root", 0, NULL, SIGN_MAX_METADATA, &b, E), SIGN_OK);
	fprintf(stderr, "     root.json: %zu bytes\n", b.size);
	CHECK("1.root.json", be->fetch(be, "root", 1, NULL, SIGN_MAX_METADATA, &b, E), SIGN_OK);
	CHECK("timestamp (kept from refresh)", be->fetch(be, "timestamp", 0, NULL, SIGN_MAX_TIMESTAMP, &ts, E), SIGN_OK);
	CHECK("timestamp over a 10 byte bound", be->fetch(be, "timestamp", 0, NULL, 10, &b, E), SIGN_EVERIFY);
	if (!meta_hex(hex, &ts, "snapshot", &len)) {
		fprintf(stderr, "FAIL timestamp has no snapshot sha256\n");
		return 1;
	}
	CHECK("snapshot by checksum", be->fetch(be, "snapshot", 0, hex, (size_t)len, &snap, E), SIGN_OK);
	if (!sha_is(&snap, hex)) {
		failures++;
		fprintf(stderr, "FAIL snapshot hash\n");
	}
	CHECK("snapshot under its length - 1 (refused)", be->fetch(be, "snapshot", 0, hex, (size_t)len - 1, &b, E),
		SIGN_EVERIFY);
	if (meta_hex(hex, &snap, "targets", &len)) {
		CHECK("targets by checksum", be->fetch(be, "targets", 0, hex, (size_t)len, &b, E), SIGN_OK);
		if (!sha_is(&b, hex)) {
			failures++;
			fprintf(stderr, "FAIL targets hash\n");
		}
	} else {
		failures++;
		fprintf(stderr, "FAIL snapshot has no targets sha256\n");
	}
	if (meta_hex(hex, &snap, "root", &len)) {
		CHECK("root by checksum", be->fetch(be, "root", 0, hex, (size_t)len, &b, E), SIGN_OK);
		if (!sha_is(&b, hex)) {
			failures++;
			fprintf(stderr, "FAIL root hash\n");
		}
	}
	CHECK("bogus checksum falls back to the current file",
		be->fetch(be, "targets", 0, "0000000000000000000000000000000000000000000000000000000000000000",
			SIGN_MAX_METADATA, &b, E), SIGN_OK);
	CHECK("missing delegation", be->fetch(be, "targets/nope", 0, NULL, SIGN_MAX_METADATA, &b, E), SIGN_ENOTFOUND);
	CHECK("missing root version", be->fetch(be, "root", 99, NULL, SIGN_MAX_METADATA, &b, E), SIGN_ENOTFOUND);
	sign_buf_dispose(&ts);
	sign_buf_dispose(&b);
	sign_buf_dispose(&snap);
	return failures ? 1 : 0;
}

static int load_key(signp_key **k, const char *file, const char *pass)
{
	sign_buf b = SIGN_BUF_INIT;
	sign_error err;
	int r;
	memset(&err, 0, sizeof(err));
	r = signp_read_file(&b, file, SIGN_MAX_KEYFILE, &err);
	if (r == SIGN_OK)
		r = signp_key_parse(k, b.ptr, b.size, pass, strlen(pass), &err);
	if (r != SIGN_OK)
		fprintf(stderr, "FAIL loading %s: %s\n", file, err.message);
	sign_buf_dispose(&b);
	return r;
}

/* bump version and expiry of a file's signed object and sign it */
static int resign(sign_buf *out, const sign_buf *in, const char *role, signp_key *k, json_t *edit_meta)
{
	signp_tuf_file *f = NULL;
	sign_error err;
	json_t *s;
	signp_tuf_signer signer;
	char exp[32];
	int r;
	memset(&err, 0, sizeof(err));
	if ((r = signp_tuf_parse(&f, role, in->ptr, in->size, &err)) != SIGN_OK) {
		fprintf(stderr, "FAIL parse %s: %s\n", role, err.message);
		return r;
	}
	s = json_deep_copy(f->signed_obj);
	json_object_set_new(s, "version", json_integer(f->version + 1));
	signp_time_format(exp, signp_now() + 86400 * 30);
	json_object_set_new(s, "expires", json_string(exp));
	if (edit_meta != NULL) {
		const char *key;
		json_t *v;
		json_t *dst = json_object_get(s, strcmp(role, "snapshot") == 0 ? "meta" : "targets");
		json_object_foreach(edit_meta, key, v)
			json_object_set(dst, key, v);
	}
	signer.keyid = k->id;
	signer.pkey = k->pkey;
	r = signp_tuf_sign(out, s, &signer, 1, &err);
	if (r != SIGN_OK)
		fprintf(stderr, "FAIL sign %s: %s\n", role, err.message);
	json_decref(s);
	signp_tuf_file_free(f);
	return r;
}

static int do_resign(signp_trust_backend *be, const char *keyfile, const char *pass,
	const char *snapkeyfile, const char *snappass)
{
	signp_key *tk = NULL, *sk = NULL;
	sign_buf tgt = SIGN_BUF_INIT, snap = SIGN_BUF_INIT, ntgt = SIGN_BUF_INIT, nsnap = SIGN_BUF_INIT;
	sign_buf b = SIGN_BUF_INIT, ts = SIGN_BUF_INIT;
	signp_trust_out files[3];
	size_t nf = 0;
	char name[64], hex[65];
	json_t *add, *meta;
	const char *content = "hello notary";
	int64_t len = 0;

	if (load_key(&tk, keyfile, pass) != SIGN_OK)
		return 1;
	if (snapkeyfile && load_key(&sk, snapkeyfile, snappass) != SIGN_OK)
		return 1;
	CHECK("refresh", be->refresh(be, E), SIGN_OK);
	CHECK("targets.json", be->fetch(be, "targets", 0, NULL, SIGN_MAX_METADATA, &tgt, E), SIGN_OK);
	snprintf(name, sizeof(name), "notaryclient-%ld", (long)getpid());
	add = json_object();
	json_object_set_new(add, name, signp_tuf_filemeta(content, strlen(content), 1));
	if (resign(&ntgt, &tgt, "targets", tk, add) != SIGN_OK)
		return 1;
	json_decref(add);
	memset(files, 0, sizeof(files));
	signp_strlcpy(files[nf].role, "targets", sizeof(files[0].role));
	files[nf].bytes = (unsigned char *)ntgt.ptr;
	files[nf++].len = ntgt.size;
	if (sk != NULL) {
		CHECK("snapshot.json", be->fetch(be, "snapshot", 0, NULL, SIGN_MAX_METADATA, &snap, E), SIGN_OK);
		meta = json_object();
		json_object_set_new(meta, "targets", signp_tuf_filemeta(ntgt.ptr, ntgt.size, 1));
		if (resign(&nsnap, &snap, "snapshot", sk, meta) != SIGN_OK)
			return 1;
		json_decref(meta);
		signp_strlcpy(files[nf].role, "snapshot", sizeof(files[0].role));
		files[nf].bytes = (unsigned char *)nsnap.ptr;
		files[nf++].len = nsnap.size;
	}
	/* a timestamp part is never sent */
	signp_strlcpy(files[nf].role, "timestamp", sizeof(files[0].role));
	files[nf].bytes = (const unsigned char *)"{}";
	files[nf++].len = 2;
	CHECK("publish re-signed targets", be->publish(be, files, nf, E), SIGN_OK);
	CHECK("refresh after publish", be->refresh(be, E), SIGN_OK);
	CHECK("timestamp", be->fetch(be, "timestamp", 0, NULL, SIGN_MAX_TIMESTAMP, &ts, E), SIGN_OK);
	if (meta_hex(hex, &ts, "snapshot", &len)) {
		CHECK("new snapshot by checksum", be->fetch(be, "snapshot", 0, hex, (size_t)len, &snap, E), SIGN_OK);
		if (meta_hex(hex, &snap, "targets", &len)) {
			CHECK("new targets by checksum", be->fetch(be, "targets", 0, hex, (size_t)len, &b, E), SIGN_OK);
			if (b.size != ntgt.size || memcmp(b.ptr, ntgt.ptr, b.size) != 0) {
				failures++;
				fprintf(stderr, "FAIL the server does not serve our targets verbatim\n");
			} else {
				fprintf(stderr, "ok   the server serves our targets verbatim\n");
			}
		}
	}
	CHECK("publishing the same versions again", be->publish(be, files, nf, E), SIGN_ECONFLICT);
	/* a targets file with a bad signature */
	{
		sign_buf bad = SIGN_BUF_INIT;
		signp_key *other = NULL;
		sign_error err;
		memset(&err, 0, sizeof(err));
		signp_key_generate(&other, &err);
		if (resign(&bad, &ntgt, "targets", other, NULL) == SIGN_OK) {
			signp_trust_out f1;
			memset(&f1, 0, sizeof(f1));
			signp_strlcpy(f1.role, "targets", sizeof(f1.role));
			f1.bytes = (unsigned char *)bad.ptr;
			f1.len = bad.size;
			CHECK("publishing targets signed by a stranger", be->publish(be, &f1, 1, E), SIGN_EREGISTRY);
		}
		signp_key_free(other);
		sign_buf_dispose(&bad);
	}
	signp_key_free(tk);
	signp_key_free(sk);
	sign_buf_dispose(&tgt);
	sign_buf_dispose(&snap);
	sign_buf_dispose(&ntgt);
	sign_buf_dispose(&nsnap);
	sign_buf_dispose(&b);
	sign_buf_dispose(&ts);
	return failures ? 1 : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: notaryclient [-c CAFILE] [-k] [-t SECONDS] [-C DOCKERCONFIG] [-r CREDHOST] URL GUN COMMAND ARGS...\n");
	return 2;
}

int main(int argc, char **argv)
{
	signp_registry_options o;
	signp_registry *r = NULL;
	signp_trust_backend *be = NULL;
	sign_error err;
	int opt, rc = 1;
	const char *cmd;

	memset(&o, 0, sizeof(o));
	memset(&err, 0, sizeof(err));
	o.label = "notary server";
	while ((opt = getopt(argc, argv, "c:kt:C:r:")) != -1) {
		switch (opt) {
		case 'C': o.docker_config = optarg; break;
		case 'r': o.cred_host = optarg; break;
		case 'c': o.ca_file = optarg; break;
		case 'k': o.insecure = 1; break;
		case 't': o.timeout = atol(optarg); break;
		default: return usage();
		}
	}
	if (argc - optind < 3)
		return usage();
	o.base_url = argv[optind];
	if (sign_global_init() != SIGN_OK)
		return 1;
	if (signp_registry_new(&r, &o, &err) != SIGN_OK ||
	    signp_trust_backend_notary(&be, r, argv[optind + 1], &err) != SIGN_OK) {
		fprintf(stderr, "FAIL %s\n", err.message);
		goto out;
	}
	cmd = argv[optind + 2];
	argv += optind + 3;
	argc -= optind + 3;
	if (strcmp(cmd, "selftest") == 0) {
		rc = selftest(be);
	} else if (strcmp(cmd, "fetch") == 0 && argc >= 1) {
		sign_buf b = SIGN_BUF_INIT;
		int64_t v = argc >= 2 ? atoll(argv[1]) : 0;
		rc = be->refresh(be, &err);
		if (rc == SIGN_OK || rc == SIGN_ENOTFOUND)
			rc = be->fetch(be, argv[0], v, argc >= 3 ? argv[2] : NULL, SIGN_MAX_METADATA, &b, &err);
		if (rc == SIGN_OK)
			fwrite(b.ptr, 1, b.size, stdout);
		else
			fprintf(stderr, "FAIL %s (%s)\n", err.message, sign_strerror(rc));
		rc = rc == SIGN_OK ? 0 : 1;
		sign_buf_dispose(&b);
	} else if (strcmp(cmd, "key") == 0 && argc >= 1) {
		json_t *k = NULL;
		char id[65];
		rc = signp_notary_server_key(&k, id, be, argv[0], argc >= 2 && strcmp(argv[1], "rotate") == 0, &err);
		if (rc == SIGN_OK) {
			char *s = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
			printf("%s %s\n", id, s);
			free(s);
		} else {
			fprintf(stderr, "FAIL %s (%s)\n", err.message, sign_strerror(rc));
		}
		json_decref(k);
		rc = rc == SIGN_OK ? 0 : 1;
	} else if (strcmp(cmd, "publish") == 0 && argc >= 1) {
		signp_trust_out files[16];
		sign_buf data[16];
		int n = argc > 16 ? 16 : argc;
		memset(files, 0, sizeof(files));
		memset(data, 0, sizeof(data));
		rc = SIGN_OK;
		for (int i = 0; i < n && rc == SIGN_OK; i++) {
			char *eq = strchr(argv[i], '=');
			if (eq == NULL)
				return usage();
			*eq = '\0';
			signp_strlcpy(files[i].role, argv[i], sizeof(files[i].role));
			rc = signp_read_file(&data[i], eq + 1, SIGN_MAX_METADATA, &err);
			files[i].bytes = (unsigned char *)data[i].ptr;
			files[i].len = data[i].size;
		}
		if (rc == SIGN_OK)
			rc = be->publish(be, files, (size_t)n, &err);
		if (rc != SIGN_OK)
			fprintf(stderr, "FAIL %s (%s)%s%s\n", err.message, sign_strerror(rc),
				err.hint[0] ? "\n  hint: " : "", err.hint);
		for (int i = 0; i < n; i++)
			sign_buf_dispose(&data[i]);
		rc = rc == SIGN_OK ? 0 : 1;
	} else if (strcmp(cmd, "resign") == 0 && argc >= 2) {
		rc = do_resign(be, argv[0], argv[1], argc >= 4 ? argv[2] : NULL, argc >= 4 ? argv[3] : NULL);
	} else {
		rc = usage();
	}
	fprintf(stderr, "stats: %ld requests, %ld connections, scheme %s\n", signp_registry_requests(r),
		signp_registry_connections(r), signp_registry_scheme(r) ? signp_registry_scheme(r) : "-");
out:
	if (be)
		be->free(be);
	signp_registry_free(r);
	return rc;
}

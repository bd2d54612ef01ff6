/*
 * tufclient - the client-under-test CLI of the tuf-conformance suite
 * (github.com/theupdateframework/tuf-conformance, CLIENT-CLI.md) on
 * libsign's TUF 1.0 client (libsign/tuf1.h):
 *
 *   tufclient --metadata-dir DIR init TRUSTED_ROOT
 *   tufclient --metadata-dir DIR --metadata-url URL refresh
 *   tufclient --metadata-dir DIR --metadata-url URL --target-name PATH...
 *             --target-base-url URL --target-dir DIR download
 *
 * Exit 0 on success, 1 on any failure (the message on stderr).
 */
#include "common.h"
#include "tuf1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TARGETS 64

static int usage(void)
{
	fprintf(stderr, "usage: tufclient --metadata-dir DIR [--metadata-url URL] [--target-name PATH]...\n"
			"       [--target-base-url URL] [--target-dir DIR] init ROOT|refresh|download\n");
	return 1;
}

static int fail(const sign_error *e)
{
	fprintf(stderr, "tufclient: %s\n", e->message[0] ? e->message : "failed");
	return 1;
}

/* "<dir>/<quoted target path>" */
static int target_file(sign_buf *out, const char *dir, const char *path)
{
	if (signp_buf_puts(out, dir) != SIGN_OK || signp_buf_putc(out, '/') != SIGN_OK ||
	    signp_tuf1_quote(out, path) != SIGN_OK)
		return -1;
	return 0;
}

/* Download one target into tdir, unless a verified copy is there. */
static int download(signp_tuf1_client *c, const char *tdir, const char *name, sign_error *e)
{
	const json_t *info;
	sign_buf path = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	sign_error ignored;
	int rc;

	memset(&ignored, 0, sizeof(ignored));
	if ((rc = signp_tuf1_find_target(c, name, &info, e)) != SIGN_OK)
		return rc;
	if (target_file(&path, tdir, name) != 0) {
		rc = signp_err(e, SIGN_ENOMEM, "out of memory");
		goto out;
	}
	if (signp_read_file(&data, path.ptr, SIGNP_TUF1_TARGET_MAX, &ignored) == SIGN_OK &&
	    signp_tuf1_fileinfo_check(info, data.ptr, data.size, name, &ignored) == SIGN_OK) {
		rc = SIGN_OK; /* cached */
		goto out;
	}
	if ((rc = signp_tuf1_download_target(c, name, info, &data, e)) != SIGN_OK)
		goto out;
	rc = signp_write_file_atomic(path.ptr, data.ptr, data.size, 0644, e);
out:
	sign_buf_dispose(&path);
	sign_buf_dispose(&data);
	return rc;
}

int main(int argc, char **argv)
{
	const char *murl = NULL, *tbase = NULL, *tdir = NULL, *cmd = NULL, *arg = NULL;
	const char *names[MAX_TARGETS];
	size_t nnames = 0, i;
	const char *mdir = NULL;
	signp_tuf1_http *http = NULL;
	signp_tuf1_ops ops;
	signp_tuf1_client *c = NULL;
	sign_error e;
	int a, rc;

	memset(&e, 0, sizeof(e));
	for (a = 1; a < argc; a++) {
		const char *o = argv[a];
		if (strncmp(o, "--", 2) == 0 && a + 1 >= argc)
			return usage();
		if (strcmp(o, "--metadata-dir") == 0)
			mdir = argv[++a];
		else if (strcmp(o, "--metadata-url") == 0)
			murl = argv[++a];
		else if (strcmp(o, "--target-name") == 0 && nnames < MAX_TARGETS)
			names[nnames++] = argv[++a];
		else if (strcmp(o, "--target-base-url") == 0)
			tbase = argv[++a];
		else if (strcmp(o, "--target-dir") == 0)
			tdir = argv[++a];
		else if (strncmp(o, "--", 2) == 0)
			return usage();
		else if (cmd == NULL)
			cmd = o;
		else if (arg == NULL)
			arg = o;
		else
			return usage();
	}
	if (mdir == NULL || cmd == NULL)
		return usage();
	if (sign_global_init() != SIGN_OK)
		return 1;
	memset(&ops, 0, sizeof(ops));
	ops.load = signp_tuf1_dir_load;
	ops.store = signp_tuf1_dir_store;
	ops.payload = (void *)mdir;

	if (strcmp(cmd, "init") == 0) {
		sign_buf root = SIGN_BUF_INIT;
		if (arg == NULL)
			return usage();
		rc = signp_mkdirs(mdir, 0755, &e);
		if (rc == SIGN_OK)
			rc = signp_read_file_ex(&root, arg, SIGNP_TUF1_ROOT_MAX, SIGNP_READ_FOREIGN, &e);
		if (rc == SIGN_OK)
			rc = signp_tuf1_init(&ops, root.ptr, root.size, &e);
		sign_buf_dispose(&root);
		return rc == SIGN_OK ? 0 : fail(&e);
	}
	if (murl == NULL || (strcmp(cmd, "refresh") != 0 && strcmp(cmd, "download") != 0) ||
	    (strcmp(cmd, "download") == 0 && (tbase == NULL || tdir == NULL || nnames == 0)))
		return usage();
	if ((rc = signp_tuf1_http_new(&http, murl, mdir, NULL, 0, &e)) == SIGN_OK) {
		signp_tuf1_http_ops(&ops, http);
		rc = signp_tuf1_client_new(&c, &ops, murl, tbase, signp_now(), &e);
	}
	if (rc == SIGN_OK)
		rc = signp_tuf1_refresh(c, &e);
	if (rc == SIGN_OK && strcmp(cmd, "download") == 0) {
		rc = signp_mkdirs(tdir, 0755, &e);
		for (i = 0; rc == SIGN_OK && i < nnames; i++)
			rc = download(c, tdir, names[i], &e);
	}
	signp_tuf1_client_free(c);
	signp_tuf1_http_free(http);
	return rc == SIGN_OK ? 0 : fail(&e);
}

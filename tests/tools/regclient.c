/*
 * regclient.c - exercise the registry client against a real registry.
 *
 *   regclient [-k] [-H http|https] [-c CONFIG] [-t SECONDS] HOST COMMAND ARGS...
 *
 * Commands:
 *   selftest REPO            push blobs + manifest, read them back, mount, tags, errors
 *   put-blob REPO FILE       upload a blob from a file (streamed); prints its digest
 *   put-manifest REPO REF FILE MEDIATYPE
 *   get-manifest REPO REF    body to stdout; media type and digest to stderr
 *   head-manifest REPO REF
 *   get-blob REPO DIGEST     body to stdout
 *   mount REPO DIGEST FROM
 *   tags REPO
 * Exit: 0 ok, 1 failure.  Stats (requests, connections, scheme) on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "registry.h"

static int fail(const char *what, int rc, const sign_error *err)
{
	fprintf(stderr, "FAIL %s: %s (%d): %s%s%s\n", what, sign_strerror(rc), rc, err->message,
		err->hint[0] ? "\n  hint: " : "", err->hint);
	return 1;
}

#define CHECK(what, expr, want) do { \
	sign_error err_; int rc_; \
	memset(&err_, 0, sizeof(err_)); \
	rc_ = (expr); \
	if (rc_ != (want)) { failures++; fail(what, rc_, &err_); } \
	else fprintf(stderr, "ok   %s%s%s\n", what, err_.message[0] ? ": " : "", err_.message); \
} while (0)
#define E (&err_)

static int selftest(signp_registry *r, const char *repo)
{
	int failures = 0;
	char cfg_d[72], layer_d[72], man_d[80], got_d[80], mt[256], other[300];
	char manifest[2048];
	const char *cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	char layer[5000];
	sign_buf b = SIGN_BUF_INIT;
	uint64_t size = 0;
	char tmpl[] = "/tmp/regclient.XXXXXX";
	int fd;
	char big_d[72];

	snprintf(layer, sizeof(layer), "layer data %ld", (long)getpid());
	signp_digest(cfg_d, cfg, strlen(cfg));
	signp_digest(layer_d, layer, strlen(layer));
	snprintf(manifest, sizeof(manifest),
		"{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
		"\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},"
		"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%zu}]}",
		SIGN_MT_OCI_MANIFEST, cfg_d, strlen(cfg), layer_d, strlen(layer));

	CHECK("blob_exists (missing)", signp_registry_blob_exists(r, repo, cfg_d, NULL, E), SIGN_ENOTFOUND);
	CHECK("put_blob config", signp_registry_put_blob(r, repo, cfg_d, cfg, strlen(cfg), E), SIGN_OK);
	CHECK("put_blob config again (exists)", signp_registry_put_blob(r, repo, cfg_d, cfg, strlen(cfg), E), SIGN_OK);
	/* layer from a file, streamed */
	fd = mkstemp(tmpl);
	if (fd < 0 || write(fd, layer, strlen(layer)) != (ssize_t)strlen(layer))
		return 1;
	close(fd);
	CHECK("put_blob_file layer", signp_registry_put_blob_file(r, repo, layer_d, tmpl, strlen(layer), E), SIGN_OK);
	CHECK("put_blob_file wrong size", signp_registry_put_blob_file(r, repo,
		"sha256:1111111111111111111111111111111111111111111111111111111111111111", tmpl, 3, E), SIGN_EIO);
	/* a bigger blob (> 1 MiB) from a file */
	{
		size_t n = (3u << 20) + 17, i;
		char *big = malloc(n);
		FILE *f;
		char tmpl2[] = "/tmp/regclient.XXXXXX";
		for (i = 0; i < n; i++)
			big[i] = (char)(i * 31 + 7);
		signp_digest(big_d, big, n);
		fd = mkstemp(tmpl2);
		f = fdopen(fd, "w");
		fwrite(big, 1, n, f);
		fclose(f);
		CHECK("put_blob_file 3 MiB", signp_registry_put_blob_file(r, repo, big_d, tmpl2, n, E), SIGN_OK);
		CHECK("blob_exists 3 MiB", signp_registry_blob_exists(r, repo, big_d, &size, E), SIGN_OK);
		if (size != n) {
			failures++;
			fprintf(stderr, "FAIL size %llu\n", (unsigned long long)size);
		}
		CHECK("get_blob 3 MiB", signp_registry_get_blob(r, repo, big_d, n, &b, E), SIGN_OK);
		if (b.size != n || memcmp(b.ptr, big, n) != 0) {
			failures++;
			fprintf(stderr, "FAIL big blob content\n");
		}
		CHECK("get_blob over the bound", signp_registry_get_blob(r, repo, big_d, n - 1, &b, E), SIGN_EFORMAT);
		unlink(tmpl2);
		free(big);
	}
	unlink(tmpl);
	CHECK("blob_exists layer", signp_registry_blob_exists(r, repo, layer_d, &size, E), SIGN_OK);
	if (size != strlen(layer)) {
		failures++;
		fprintf(stderr, "FAIL size %llu\n", (unsigned long long)size);
	}
	CHECK("put_manifest v1", signp_registry_put_manifest(r, repo, "v1", manifest, strlen(manifest),
		SIGN_MT_OCI_MANIFEST, man_d, E), SIGN_OK);
	CHECK("get_manifest v1", signp_registry_get_manifest(r, repo, "v1", &b, mt, got_d, E), SIGN_OK);
	if (strcmp(got_d, man_d) != 0 || strcmp(mt, SIGN_MT_OCI_MANIFEST) != 0 || b.size != strlen(manifest) ||
	    memcmp(b.ptr, manifest, b.size) != 0) {
		failures++;
		fprintf(stderr, "FAIL manifest round trip (%s %s)\n", got_d, mt);
	}
	CHECK("get_manifest by digest", signp_registry_get_manifest(r, repo, man_d, &b, NULL, got_d, E), SIGN_OK);
	CHECK("head_manifest v1", signp_registry_head_manifest(r, repo, "v1", got_d, mt, &size, E), SIGN_OK);
	if (strcmp(got_d, man_d) != 0 || size != strlen(manifest)) {
		failures++;
		fprintf(stderr, "FAIL head %s %llu\n", got_d, (unsigned long long)size);
	}
	CHECK("put_manifest by digest", signp_registry_put_manifest(r, repo, man_d, manifest, strlen(manifest),
		SIGN_MT_OCI_MANIFEST, NULL, E), SIGN_OK);
	CHECK("put_manifest digest mismatch", signp_registry_put_manifest(r, repo, cfg_d, manifest, strlen(manifest),
		SIGN_MT_OCI_MANIFEST, NULL, E), SIGN_EINVAL);
	CHECK("get_blob layer", signp_registry_get_blob(r, repo, layer_d, 1 << 20, &b, E), SIGN_OK);
	if (b.size != strlen(layer) || memcmp(b.ptr, layer, b.size) != 0) {
		failures++;
		fprintf(stderr, "FAIL layer content\n");
	}
	CHECK("get_manifest missing tag", signp_registry_get_manifest(r, repo, "nope", &b, NULL, NULL, E),
		SIGN_ENOTFOUND);
	CHECK("head_manifest missing tag", signp_registry_head_manifest(r, repo, "nope", got_d, NULL, NULL, E),
		SIGN_ENOTFOUND);
	CHECK("get_blob missing", signp_registry_get_blob(r, repo,
		"sha256:2222222222222222222222222222222222222222222222222222222222222222", 100, &b, E), SIGN_ENOTFOUND);
	{
		const char *broken = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
			"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
			"\"sha256:3333333333333333333333333333333333333333333333333333333333333333\",\"size\":3},"
			"\"layers\":[]}";
		CHECK("put_manifest missing blob", signp_registry_put_manifest(r, repo, "broken", broken,
			strlen(broken), SIGN_MT_OCI_MANIFEST, NULL, E), SIGN_EREGISTRY);
	}
	snprintf(other, sizeof(other), "%s-mounted", repo);
	CHECK("mount layer", signp_registry_mount_blob(r, other, layer_d, repo, E), SIGN_OK);
	CHECK("blob_exists mounted", signp_registry_blob_exists(r, other, layer_d, NULL, E), SIGN_OK);
	CHECK("mount missing", signp_registry_mount_blob(r, other,
		"sha256:4444444444444444444444444444444444444444444444444444444444444444", repo, E), SIGN_ENOTFOUND);
	CHECK("put_manifest v2", signp_registry_put_manifest(r, repo, "v2", manifest, strlen(manifest),
		SIGN_MT_OCI_MANIFEST, NULL, E), SIGN_OK);
	CHECK("tags", signp_registry_tags(r, repo, SIZE_MAX, &b, E), SIGN_OK);
	fprintf(stderr, "     tags: %s\n", b.ptr ? b.ptr : "");
	if (b.ptr == NULL || strstr(b.ptr, "\"v1\"") == NULL || strstr(b.ptr, "\"v2\"") == NULL)
		failures++;
	CHECK("tags of a missing repo", signp_registry_tags(r, "no/such/repo", SIZE_MAX, &b, E), SIGN_ENOTFOUND);
	sign_buf_dispose(&b);
	return failures;
}

static int read_all(const char *path, sign_buf *b)
{
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (signp_read_file(b, path, 64u << 20, &err) != SIGN_OK) {
		fprintf(stderr, "%s\n", err.message);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	signp_registry_options o;
	signp_registry *r = NULL;
	sign_error err;
	int opt, rc = 1;
	const char *cmd;
	memset(&o, 0, sizeof(o));
	memset(&err, 0, sizeof(err));
	while ((opt = getopt(argc, argv, "kH:c:t:C:")) != -1) {
		switch (opt) {
		case 'k': o.insecure = 1; break;
		case 'H': o.scheme_hint = optarg; break;
		case 'c': o.docker_config = optarg; break;
		case 't': o.timeout = atol(optarg); break;
		case 'C': o.ca_file = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: regclient [-k] [-H scheme] [-c config] [-t secs] HOST COMMAND ARGS...\n");
		return 2;
	}
	if (sign_global_init() != SIGN_OK)
		return 1;
	o.host = argv[optind];
	cmd = argv[optind + 1];
	argv += optind + 2;
	argc -= optind + 2;
	if (signp_registry_new(&r, &o, &err) != SIGN_OK)
		return fail("registry_new", err.code, &err);

	if (strcmp(cmd, "selftest") == 0 && argc == 1) {
		int failures = selftest(r, argv[0]);
		fprintf(stderr, "%d failure(s)\n", failures);
		rc = failures ? 1 : 0;
	} else if (strcmp(cmd, "put-blob") == 0 && argc == 2) {
		sign_buf b = SIGN_BUF_INIT;
		char d[72];
		if (read_all(argv[1], &b) == 0) {
			signp_digest(d, b.ptr, b.size);
			if (signp_registry_put_blob_file(r, argv[0], d, argv[1], b.size, &err) == SIGN_OK) {
				printf("%s\n", d);
				rc = 0;
			} else {
				fail("put-blob", err.code, &err);
			}
		}
		sign_buf_dispose(&b);
	} else if (strcmp(cmd, "put-manifest") == 0 && argc == 4) {
		sign_buf b = SIGN_BUF_INIT;
		char d[80];
		if (read_all(argv[2], &b) == 0) {
			if (signp_registry_put_manifest(r, argv[0], argv[1], b.ptr, b.size, argv[3], d, &err) == SIGN_OK) {
				printf("%s\n", d);
				rc = 0;
			} else {
				fail("put-manifest", err.code, &err);
			}
		}
		sign_buf_dispose(&b);
	} else if (strcmp(cmd, "get-manifest") == 0 && argc == 2) {
		sign_buf b = SIGN_BUF_INIT;
		char d[80], mt[256];
		if (signp_registry_get_manifest(r, argv[0], argv[1], &b, mt, d, &err) == SIGN_OK) {
			fwrite(b.ptr, 1, b.size, stdout);
			fprintf(stderr, "media type %s\ndigest %s\n", mt, d);
			rc = 0;
		} else {
			fail("get-manifest", err.code, &err);
		}
		sign_buf_dispose(&b);
	} else if (strcmp(cmd, "head-manifest") == 0 && argc == 2) {
		char d[80], mt[256];
		uint64_t size = 0;
		if (signp_registry_head_manifest(r, argv[0], argv[1], d, mt, &size, &err) == SIGN_OK) {
			printf("%s %s %llu\n", d, mt, (unsigned long long)size);
			rc = 0;
		} else {
			fail("head-manifest", err.code, &err);
		}
	} else if (strcmp(cmd, "get-blob") == 0 && argc == 2) {
		sign_buf b = SIGN_BUF_INIT;
		if (signp_registry_get_blob(r, argv[0], argv[1], 64u << 20, &b, &err) == SIGN_OK) {
			fwrite(b.ptr, 1, b.size, stdout);
			rc = 0;
		} else {
			fail("get-blob", err.code, &err);
		}
		sign_buf_dispose(&b);
	} else if (strcmp(cmd, "mount") == 0 && argc == 3) {
		int m = signp_registry_mount_blob(r, argv[0], argv[1], argv[2], &err);
		if (m == SIGN_OK || m == SIGN_ENOTFOUND) {
			printf("%s\n", m == SIGN_OK ? "mounted" : "not mounted");
			rc = 0;
		} else {
			fail("mount", m, &err);
		}
	} else if (strcmp(cmd, "tags") == 0 && argc == 1) {
		sign_buf b = SIGN_BUF_INIT;
		if (signp_registry_tags(r, argv[0], SIZE_MAX, &b, &err) == SIGN_OK) {
			printf("%s\n", b.ptr);
			rc = 0;
		} else {
			fail("tags", err.code, &err);
		}
		sign_buf_dispose(&b);
	} else {
		fprintf(stderr, "regclient: unknown command or wrong arguments: %s\n", cmd);
		rc = 2;
	}
	fprintf(stderr, "requests=%ld connections=%ld scheme=%s\n", signp_registry_requests(r),
		signp_registry_connections(r), signp_registry_scheme(r) ? signp_registry_scheme(r) : "-");
	signp_registry_free(r);
	sign_global_cleanup();
	return rc;
}

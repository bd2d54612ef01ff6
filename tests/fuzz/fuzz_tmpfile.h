/*
 * fuzz_tmpfile.h - for the parsers the library reaches only through a file
 * (the docker config, an OCI layout's index.json): write each input to a
 * file in a private folder under /dev/shm (else $TMPDIR, /tmp), which the
 * harness removes at exit.  Harness code only.
 */
#ifndef SIGN_FUZZ_TMPFILE_H
#define SIGN_FUZZ_TMPFILE_H

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_dir[256];

static void fuzz_tmp_cleanup(void);

/* A private folder for this process (0700). */
static void fuzz_tmp_init(void)
{
	const char *base = getenv("TMPDIR");
	struct stat st;
	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
		base = "/dev/shm";
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/sign-fuzz.XXXXXX", base);
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	atexit(fuzz_tmp_cleanup);
}

/* Replace fuzz_dir/name with the bytes (mode 0600). */
static void fuzz_tmp_write(const char *name, const void *data, size_t size)
{
	char path[512];
	int fd;
	snprintf(path, sizeof(path), "%s/%s", fuzz_dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	while (size > 0) {
		ssize_t w = write(fd, data, size);
		if (w <= 0)
			abort();
		data = (const char *)data + w;
		size -= (size_t)w;
	}
	close(fd);
}

#endif

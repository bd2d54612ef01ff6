/*
 * fuzz_dockercfg.c - the docker config (dockercfg.c,
 * signp_docker_credentials): auths entries ("auth" base64 user:password,
 * identitytoken, username/password) with docker's host aliases, and
 * credHelpers/credsStore.  The library reads the config from a file, so the
 * input is written to one first (fuzz_tmpfile.h).  PATH is an empty folder
 * so that a helper the input names is looked for and not found, rather than
 * run; DOCKER_AUTH_CONFIG is unset so that the file is what gets read.
 */
#include "fuzz.h"
#include "fuzz_tmpfile.h"

#include "dockercfg.h"

static char cfg_path[512];

static void fuzz_tmp_cleanup(void)
{
	unlink(cfg_path);
	rmdir(fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_tmp_init();
	snprintf(cfg_path, sizeof(cfg_path), "%s/config.json", fuzz_dir);
	unsetenv("DOCKER_AUTH_CONFIG");
	setenv("PATH", fuzz_dir, 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = { "registry.example.com", "docker.io",
		"127.0.0.1:5000" };
	sign_buf user = SIGN_BUF_INIT, secret = SIGN_BUF_INIT;
	sign_error err;
	size_t i;
	int r;

	if (size > (1u << 20))
		return 0; /* the library's bound (CFG_MAX) */
	fuzz_tmp_write("config.json", data, size);
	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		memset(&err, 0, sizeof(err));
		r = signp_docker_credentials(&user, &secret, cfg_path, NULL, hosts[i], &err);
		if (r == SIGN_OK)
			FUZZ_ASSERT(user.size > 0 || secret.size > 0);
		else if (r != SIGN_ENOTFOUND)
			FUZZ_ASSERT(err.message[0] != '\0');
		sign_buf_dispose(&user);
		signp_buf_dispose_secure(&secret);
	}
	return 0;
}

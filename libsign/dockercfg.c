/*
 * dockercfg.c - registry credentials from the docker config: auths,
 * credHelpers and credsStore (docker-credential-<x> get), or the config's
 * text given directly (the caller's DOCKER_AUTH_CONFIG).
 */
#include "dockercfg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

extern char **environ;

#define CFG_MAX (1u << 20)
#define HELPER_OUT_MAX (64u << 10)
#define HELPER_TIMEOUT_MS 30000

/* Normalise a config key or host: strip scheme and path, lowercase, map
 * the Docker Hub aliases together. */
static void norm_host(char out[256], const char *in)
{
	const char *p = in, *end;
	size_t n, i;
	if (strncasecmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncasecmp(p, "http://", 7) == 0)
		p += 7;
	end = strchr(p, '/');
	n = end ? (size_t)(end - p) : strlen(p);
	if (n > 255)
		n = 255;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)p[i]);
	out[n] = '\0';
	if (strcmp(out, "index.docker.io") == 0 || strcmp(out, "registry-1.docker.io") == 0 ||
	    strcmp(out, "registry.hub.docker.com") == 0)
		strcpy(out, "docker.io");
}

/* Read the config text: bounded, secret, a symbolic link followed (as
 * docker does).  ENOTFOUND, with err untouched, if there is none. */
static int read_config(sign_buf *out, const char *path, sign_error *err)
{
	sign_error e;
	int r;
	memset(&e, 0, sizeof(e));
	r = signp_read_file_ex(out, path, CFG_MAX, SIGNP_READ_SECRET | SIGNP_READ_FOREIGN, &e);
	if (r != SIGN_OK && r != SIGN_ENOTFOUND && err != NULL && err->message[0] == '\0')
		*err = e;
	return r;
}

static int helper_name_valid(const char *s)
{
	size_t i, n = strlen(s);
	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(isalnum(c) || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run docker-credential-<helper> get, with server on stdin. */
static int run_helper(sign_buf *user, sign_buf *secret, const char *helper, const char *server,
	sign_error *err)
{
	int r = SIGN_ERROR;
	int in_sv[2] = { -1, -1 }, out_p[2] = { -1, -1 }, devnull = -1;
	posix_spawn_file_actions_t fa;
	int fa_ok = 0;
	pid_t pid = -1;
	char prog[96];
	char *argv[3];
	sign_buf out = SIGN_BUF_INIT;
	json_t *j = NULL;
	int status = 0;
	int64_t deadline;
	size_t sent = 0, slen = strlen(server);

	if (!helper_name_valid(helper))
		return signp_err(err, SIGN_EINVAL, "docker config: invalid credential helper name \"%.64s\"",
			helper);
	snprintf(prog, sizeof(prog), "docker-credential-%s", helper);
	argv[0] = prog;
	argv[1] = (char *)"get";
	argv[2] = NULL;

	/* stdin through a socket, so that writing to an exited helper gives
	 * EPIPE (MSG_NOSIGNAL) rather than SIGPIPE */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_sv) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out_p) != 0) {
		r = signp_err_errno(err, SIGN_ERROR, "running %s", prog);
		goto out;
	}
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (posix_spawn_file_actions_init(&fa) != 0) {
		r = signp_err(err, SIGN_ENOMEM, "running %s: out of memory", prog);
		goto out;
	}
	fa_ok = 1;
	posix_spawn_file_actions_adddup2(&fa, in_sv[1], 0);
	posix_spawn_file_actions_adddup2(&fa, out_p[1], 1);
	if (devnull >= 0)
		posix_spawn_file_actions_adddup2(&fa, devnull, 2);
	{
		int e = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
		if (e != 0) {
			pid = -1;
			r = signp_err(err, SIGN_EAUTH, "docker credential helper %s: cannot run it: %s",
				prog, strerror(e));
			signp_err_hint(err, "install %s or fix credsStore/credHelpers in the docker config", prog);
			goto out;
		}
	}
	close(in_sv[1]);
	in_sv[1] = -1;
	close(out_p[1]);
	out_p[1] = -1;

	deadline = mono_ms() + HELPER_TIMEOUT_MS;
	while (sent < slen) {
		ssize_t n = send(in_sv[0], server + sent, slen - sent, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break; /* helper did not read; its answer tells */
		}
		sent += (size_t)n;
	}
	shutdown(in_sv[0], SHUT_WR);

	for (;;) {
		struct pollfd pfd = { out_p[0], POLLIN, 0 };
		int64_t left = deadline - mono_ms();
		int pr;
		ssize_t n;
		char chunk[4096];
		if (left <= 0) {
			r = signp_err(err, SIGN_EAUTH, "docker credential helper %s: no answer within %d s",
				prog, HELPER_TIMEOUT_MS / 1000);
			goto out;
		}
		pr = poll(&pfd, 1, (int)left);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			r = signp_err_errno(err, SIGN_ERROR, "reading from %s", prog);
			goto out;
		}
		if (pr == 0)
			continue;
		n = read(out_p[0], chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			r = signp_err_errno(err, SIGN_ERROR, "reading from %s", prog);
			goto out;
		}
		if (n == 0)
			break;
		if (out.size + (size_t)n > HELPER_OUT_MAX) {
			sodium_memzero(chunk, sizeof(chunk));
			r = signp_err(err, SIGN_EFORMAT, "docker credential helper %s: answer exceeds %u bytes",
				prog, HELPER_OUT_MAX);
			goto out;
		}
		if (out.asize == 0 && signp_buf_grow(&out, HELPER_OUT_MAX + 1) != SIGN_OK) {
			r = signp_err(err, SIGN_ENOMEM, "reading from %s: out of memory", prog);
			goto out;
		}
		signp_buf_put(&out, chunk, (size_t)n);
		sodium_memzero(chunk, sizeof(chunk));
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	pid = -1;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (out.ptr != NULL && strstr(out.ptr, "credentials not found") != NULL) {
			r = SIGN_ENOTFOUND;
			goto out;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
			r = signp_err(err, SIGN_EAUTH, "docker credential helper %s: cannot run it", prog);
			goto out;
		}
		{
			/* first line of the message, printable characters only */
			char msg[160];
			size_t i, o = 0;
			for (i = 0; out.ptr && i < out.size && o + 1 < sizeof(msg); i++) {
				unsigned char c = (unsigned char)out.ptr[i];
				if (c == '\n' || c == '\r')
					break;
				msg[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
			}
			msg[o] = '\0';
			r = signp_err(err, SIGN_EAUTH, "docker credential helper %s failed%s%s", prog,
				o ? ": " : "", msg);
		}
		goto out;
	}
	{
		json_error_t je;
		json_t *u, *s;
		j = json_loadb(out.ptr ? out.ptr : "", out.size, 0, &je);
		if (j == NULL || !json_is_object(j)) {
			r = signp_err(err, SIGN_EFORMAT, "docker credential helper %s: answer is not a JSON object",
				prog);
			goto out;
		}
		u = json_object_get(j, "Username");
		s = json_object_get(j, "Secret");
		if (!json_is_string(u) || !json_is_string(s) || json_string_length(s) == 0) {
			r = signp_err(err, SIGN_EFORMAT, "docker credential helper %s: answer lacks Username/Secret",
				prog);
			goto out;
		}
		if (signp_buf_put(user, json_string_value(u), json_string_length(u)) != SIGN_OK ||
		    signp_buf_put(secret, json_string_value(s), json_string_length(s)) != SIGN_OK) {
			r = signp_err(err, SIGN_ENOMEM, "docker credentials: out of memory");
			goto out;
		}
	}
	r = SIGN_OK;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (in_sv[0] >= 0)
		close(in_sv[0]);
	if (in_sv[1] >= 0)
		close(in_sv[1]);
	if (out_p[0] >= 0)
		close(out_p[0]);
	if (out_p[1] >= 0)
		close(out_p[1]);
	if (devnull >= 0)
		close(devnull);
	signp_json_decref_wipe(j);
	signp_buf_dispose_secure(&out);
	return r;
}

/* Find the auths entry for a normalised host: exact key first, then
 * normalised keys. */
static json_t *find_entry(json_t *obj, const char *host, const char *want)
{
	const char *key;
	json_t *v;
	if (!json_is_object(obj))
		return NULL;
	v = json_object_get(obj, host);
	if (v != NULL)
		return v;
	json_object_foreach(obj, key, v) {
		char nk[256];
		norm_host(nk, key);
		if (strcmp(nk, want) == 0)
			return v;
	}
	return NULL;
}

static int from_auths(sign_buf *user, sign_buf *secret, json_t *root, const char *host,
	const char *want, const char *where, sign_error *err)
{
	json_t *e = find_entry(json_object_get(root, "auths"), host, want);
	json_t *a, *it, *un, *pw;
	if (!json_is_object(e))
		return SIGN_ENOTFOUND;
	it = json_object_get(e, "identitytoken");
	a = json_object_get(e, "auth");
	if (json_is_string(a) && json_string_length(a) > 0) {
		sign_buf dec = SIGN_BUF_INIT;
		const char *p, *colon;
		size_t plen;
		int r;
		if (signp_buf_grow(&dec, json_string_length(a)) != SIGN_OK)
			return signp_err(err, SIGN_ENOMEM, "docker credentials: out of memory");
		r = signp_b64_decode(&dec, json_string_value(a), json_string_length(a));
		if (r != SIGN_OK) {
			signp_buf_dispose_secure(&dec);
			return signp_err(err, SIGN_EFORMAT, "docker config %s: auths entry for %s: \"auth\" is not base64",
				where, want);
		}
		p = dec.ptr ? dec.ptr : "";
		colon = memchr(p, ':', dec.size);
		if (colon == NULL) {
			signp_buf_dispose_secure(&dec);
			return signp_err(err, SIGN_EFORMAT,
				"docker config %s: auths entry for %s: \"auth\" is not user:password", where, want);
		}
		plen = dec.size - (size_t)(colon - p) - 1;
		while (plen > 0 && colon[plen] == '\0')
			plen--;
		if (signp_buf_put(user, p, (size_t)(colon - p)) != SIGN_OK ||
		    signp_buf_put(secret, colon + 1, plen) != SIGN_OK) {
			signp_buf_dispose_secure(&dec);
			return signp_err(err, SIGN_ENOMEM, "docker credentials: out of memory");
		}
		signp_buf_dispose_secure(&dec);
		/* an identity token, when present, is what docker uses */
		if (json_is_string(it) && json_string_length(it) > 0) {
			signp_buf_dispose_secure(secret);
			signp_buf_clear(user);
			if (signp_buf_puts(user, "<token>") != SIGN_OK ||
			    signp_buf_put(secret, json_string_value(it), json_string_length(it)) != SIGN_OK)
				return signp_err(err, SIGN_ENOMEM, "docker credentials: out of memory");
		}
		return SIGN_OK;
	}
	if (json_is_string(it) && json_string_length(it) > 0) {
		if (signp_buf_puts(user, "<token>") != SIGN_OK ||
		    signp_buf_put(secret, json_string_value(it), json_string_length(it)) != SIGN_OK)
			return signp_err(err, SIGN_ENOMEM, "docker credentials: out of memory");
		return SIGN_OK;
	}
	un = json_object_get(e, "username");
	pw = json_object_get(e, "password");
	if (json_is_string(un) && json_is_string(pw) && json_string_length(pw) > 0) {
		if (signp_buf_put(user, json_string_value(un), json_string_length(un)) != SIGN_OK ||
		    signp_buf_put(secret, json_string_value(pw), json_string_length(pw)) != SIGN_OK)
			return signp_err(err, SIGN_ENOMEM, "docker credentials: out of memory");
		return SIGN_OK;
	}
	return SIGN_ENOTFOUND;
}

int signp_docker_credentials(sign_buf *user, sign_buf *secret, const char *config_path,
	const char *auth_config, const char *host, sign_error *err)
{
	int r = SIGN_ERROR;
	sign_buf text = SIGN_BUF_INIT, pathbuf = SIGN_BUF_INIT;
	const char *where;
	json_t *root = NULL;
	json_error_t je;
	char want[256];
	const char *helper = NULL;

	if (user == NULL || secret == NULL || host == NULL || host[0] == '\0')
		return signp_err(err, SIGN_EINVAL, "docker credentials: no host given");
	signp_buf_clear(user);
	signp_buf_clear(secret);
	norm_host(want, host);

	if (auth_config != NULL && auth_config[0] != '\0') {
		where = "$DOCKER_AUTH_CONFIG";
		if (strlen(auth_config) > CFG_MAX)
			return signp_err(err, SIGN_EFORMAT, "DOCKER_AUTH_CONFIG: larger than %u bytes", CFG_MAX);
		if (signp_buf_puts(&text, auth_config) != SIGN_OK) {
			r = signp_err(err, SIGN_ENOMEM, "docker credentials: out of memory");
			goto out;
		}
	} else {
		struct passwd *pw;
		if (config_path != NULL && config_path[0] != '\0') {
			r = signp_buf_puts(&pathbuf, config_path);
		} else if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL && pw->pw_dir[0]) {
			r = signp_path_join(&pathbuf, pw->pw_dir, ".docker/config.json");
		} else {
			r = SIGN_ENOTFOUND;
			goto out;
		}
		if (r != SIGN_OK) {
			r = signp_err(err, SIGN_ENOMEM, "docker credentials: out of memory");
			goto out;
		}
		where = pathbuf.ptr;
		r = read_config(&text, pathbuf.ptr, err);
		if (r != SIGN_OK)
			goto out;
	}
	root = json_loadb(text.ptr ? text.ptr : "", text.size, 0, &je);
	if (root == NULL || !json_is_object(root)) {
		r = signp_err(err, SIGN_EFORMAT, "docker config %s: not a JSON object (line %d)", where, je.line);
		goto out;
	}
	{
		json_t *hs = json_object_get(root, "credHelpers");
		json_t *h = find_entry(hs, host, want);
		if (json_is_string(h) && json_string_length(h) > 0) {
			helper = json_string_value(h);
		} else {
			json_t *cs = json_object_get(root, "credsStore");
			if (json_is_string(cs) && json_string_length(cs) > 0)
				helper = json_string_value(cs);
		}
	}
	if (helper != NULL) {
		char server[300];
		if (strcmp(want, "docker.io") == 0)
			signp_strlcpy(server, "https://index.docker.io/v1/", sizeof(server));
		else
			signp_strlcpy(server, host, sizeof(server));
		r = run_helper(user, secret, helper, server, err);
		if (r != SIGN_ENOTFOUND)
			goto out;
		/* docker falls back on the file's entry */
		signp_buf_clear(user);
		signp_buf_dispose_secure(secret);
	}
	r = from_auths(user, secret, root, host, want, where, err);
out:
	if (r != SIGN_OK) {
		signp_buf_dispose_secure(secret);
		signp_buf_clear(user);
	}
	signp_json_decref_wipe(root);
	signp_buf_dispose_secure(&text);
	sign_buf_dispose(&pathbuf);
	return r;
}

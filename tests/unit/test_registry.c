/* test_registry.c - WWW-Authenticate parsing, docker config credentials
 * (auths, credHelpers, credsStore with a fake helper), offline
 * registry-handle behaviour (bad arguments, a closed port), the idle
 * work run while a request is out (a one-shot server of its own), the HTTP
 * core's URL helpers, and the core with and without auth attached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <cmocka.h>

#include "registry.h"
#include "auth.h"
#include "dockercfg.h"
#include "ref.h"

static char tmpdir[256];

/* ---- challenges ---- */

typedef struct chal_case {
	const char *header;
	int rc;
	const char *scheme, *realm, *service, *scope;
} chal_case;

static const chal_case chals[] = {
	{ "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
	  "scope=\"repository:samalba/my-app:pull,push\"", SIGN_OK, "bearer",
	  "https://auth.docker.io/token", "registry.docker.io", "repository:samalba/my-app:pull,push" },
	{ "Basic realm=\"Registry Realm\"", SIGN_OK, "basic", "Registry Realm", "", "" },
	{ "Basic realm=\"x\", Bearer realm=\"https://a/t\",service=\"s\"", SIGN_OK, "bearer", "https://a/t", "s", "" },
	{ "Bearer realm=\"https://a/t\", Basic realm=\"b\"", SIGN_OK, "bearer", "https://a/t", "", "" },
	{ "Bearer realm=\"https://a/t\",error=\"insufficient_scope\",scope=\"repository:a:pull\"", SIGN_OK,
	  "bearer", "https://a/t", "", "repository:a:pull" },
	{ "Bearer realm=\"https://a/t?x=\\\"y\\\"\",service=\"s\\\\v\"", SIGN_OK, "bearer",
	  "https://a/t?x=\"y\"", "s\\v", "" },
	{ "Bearer realm=\"https://a/t,b=c\", service=plain", SIGN_OK, "bearer", "https://a/t,b=c", "plain", "" },
	{ "BEARER Realm=\"r\" ,SERVICE=\"S\"", SIGN_OK, "bearer", "r", "S", "" },
	{ "Bearer  realm = \"r\" , service = \"s\"", SIGN_OK, "bearer", "r", "s", "" },
	{ "Negotiate abc==, Basic realm=\"x\"", SIGN_OK, "basic", "x", "", "" },
	{ "Negotiate, Basic realm=\"x\", Bearer realm=\"y\", scope=\"a b\"", SIGN_OK, "bearer", "y", "", "a b" },
	{ "Bearer realm=\"a\", realm=\"b\"", SIGN_OK, "bearer", "b", "", "" },
	{ "Bearer realm=\"\",service=\"\"", SIGN_OK, "bearer", "", "", "" },
	{ "Bearer", SIGN_OK, "bearer", "", "", "" },
	{ "Bearer realm=\"r\",,,service=\"s\",", SIGN_OK, "bearer", "r", "s", "" },
	{ "Negotiate", SIGN_ENOTFOUND, NULL, NULL, NULL, NULL },
	{ "Digest realm=\"x\", nonce=\"y\"", SIGN_ENOTFOUND, NULL, NULL, NULL, NULL },
	{ "Bearer realm=\"abc", SIGN_EFORMAT, NULL, NULL, NULL, NULL },
	{ "Bearer realm=\"abc\\", SIGN_EFORMAT, NULL, NULL, NULL, NULL },
	{ "Bearer realm=\"x\" service=\"y\"", SIGN_EFORMAT, NULL, NULL, NULL, NULL },
	{ "Bearer realm=\"x\x01\"", SIGN_EFORMAT, NULL, NULL, NULL, NULL },
	{ "Bearer realm=x;y", SIGN_EFORMAT, NULL, NULL, NULL, NULL },
	{ "=\"x\"", SIGN_EFORMAT, NULL, NULL, NULL, NULL },
	{ "", SIGN_EFORMAT, NULL, NULL, NULL, NULL },
};

static void test_challenges(void **state)
{
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(chals) / sizeof(chals[0]); i++) {
		char scheme[16];
		sign_buf realm = SIGN_BUF_INIT, service = SIGN_BUF_INIT, scope = SIGN_BUF_INIT;
		int rc = signp_auth_parse_challenge(chals[i].header, scheme, &realm, &service, &scope);
		if (rc != chals[i].rc)
			fail_msg("case %zu \"%s\": rc %d, want %d", i, chals[i].header, rc, chals[i].rc);
		if (rc == SIGN_OK) {
			assert_string_equal(scheme, chals[i].scheme);
			assert_string_equal(realm.ptr, chals[i].realm);
			assert_string_equal(service.ptr, chals[i].service);
			assert_string_equal(scope.ptr, chals[i].scope);
		}
		sign_buf_dispose(&realm);
		sign_buf_dispose(&service);
		sign_buf_dispose(&scope);
	}
	assert_int_equal(signp_auth_parse_challenge(NULL, NULL, NULL, NULL, NULL), SIGN_EFORMAT);
	{
		/* huge header refused, no crash */
		size_t n = 100000;
		char *big = malloc(n + 1);
		assert_non_null(big);
		memset(big, 'a', n);
		big[n] = '\0';
		assert_int_not_equal(signp_auth_parse_challenge(big, NULL, NULL, NULL, NULL), SIGN_OK);
		free(big);
	}
}

/* ---- docker config ---- */

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static char *b64(const char *s)
{
	sign_buf b = SIGN_BUF_INIT;
	assert_int_equal(signp_b64_encode(&b, s, strlen(s)), SIGN_OK);
	return b.ptr;
}

/* the docker config text given instead of a file (DOCKER_AUTH_CONFIG's) */
static const char *auth_text;

static int creds(const char *cfg, const char *host, const char *want_user, const char *want_secret)
{
	sign_buf u = SIGN_BUF_INIT, s = SIGN_BUF_INIT;
	sign_error err;
	int rc;
	memset(&err, 0, sizeof(err));
	rc = signp_docker_credentials(&u, &s, cfg, auth_text, host, &err);
	if (rc == SIGN_OK) {
		if (want_user == NULL)
			fail_msg("%s: unexpected credentials", host);
		assert_string_equal(u.ptr, want_user);
		assert_string_equal(s.ptr, want_secret);
	} else if (rc != SIGN_ENOTFOUND) {
		assert_true(err.message[0] != '\0');
	}
	sign_buf_dispose(&u);
	signp_buf_dispose_secure(&s);
	return rc;
}

static void test_docker_config_auths(void **state)
{
	char path[512], text[4096];
	char *a1 = b64("alice:pw:with:colons"), *a2 = b64("bob:hub"), *a3 = b64("carol:c3"),
	     *a4 = b64("nocolon"), *a5 = b64("dave:pw\0");
	(void)state;
	snprintf(path, sizeof(path), "%s/config.json", tmpdir);
	snprintf(text, sizeof(text),
		"{\"auths\":{"
		"\"127.0.0.1:5000\":{\"auth\":\"%s\"},"
		"\"https://index.docker.io/v1/\":{\"auth\":\"%s\"},"
		"\"https://reg.example.com/v2/\":{\"auth\":\"%s\"},"
		"\"tok.example.com\":{\"identitytoken\":\"idtok\"},"
		"\"bad.example.com\":{\"auth\":\"!!!\"},"
		"\"nocolon.example.com\":{\"auth\":\"%s\"},"
		"\"empty.example.com\":{},"
		"\"up.example.com\":{\"username\":\"erin\",\"password\":\"e5\"},"
		"\"http://plain.example.com:8080\":{\"auth\":\"%s\"}"
		"}}", a1, a2, a3, a4, a5);
	write_file(path, text, 0600);
	unsetenv("DOCKER_AUTH_CONFIG");

	assert_int_equal(creds(path, "127.0.0.1:5000", "alice", "pw:with:colons"), SIGN_OK);
	assert_int_equal(creds(path, "docker.io", "bob", "hub"), SIGN_OK);
	assert_int_equal(creds(path, "index.docker.io", "bob", "hub"), SIGN_OK);
	assert_int_equal(creds(path, "registry-1.docker.io", "bob", "hub"), SIGN_OK);
	assert_int_equal(creds(path, "reg.example.com", "carol", "c3"), SIGN_OK);
	assert_int_equal(creds(path, "REG.example.com", "carol", "c3"), SIGN_OK);
	assert_int_equal(creds(path, "tok.example.com", "<token>", "idtok"), SIGN_OK);
	assert_int_equal(creds(path, "up.example.com", "erin", "e5"), SIGN_OK);
	assert_int_equal(creds(path, "plain.example.com:8080", "dave", "pw"), SIGN_OK);
	assert_int_equal(creds(path, "plain.example.com", NULL, NULL), SIGN_ENOTFOUND);
	assert_int_equal(creds(path, "127.0.0.1:5001", NULL, NULL), SIGN_ENOTFOUND);
	assert_int_equal(creds(path, "other.example.com", NULL, NULL), SIGN_ENOTFOUND);
	assert_int_equal(creds(path, "empty.example.com", NULL, NULL), SIGN_ENOTFOUND);
	assert_int_equal(creds(path, "bad.example.com", NULL, NULL), SIGN_EFORMAT);
	assert_int_equal(creds(path, "nocolon.example.com", NULL, NULL), SIGN_EFORMAT);

	/* missing file: no credentials */
	snprintf(path, sizeof(path), "%s/nope/config.json", tmpdir);
	assert_int_equal(creds(path, "127.0.0.1:5000", NULL, NULL), SIGN_ENOTFOUND);

	/* not JSON */
	snprintf(path, sizeof(path), "%s/garbage.json", tmpdir);
	write_file(path, "{\"auths\": [", 0600);
	assert_int_equal(creds(path, "127.0.0.1:5000", NULL, NULL), SIGN_EFORMAT);

	/* the library reads no environment variable: $DOCKER_CONFIG, $HOME
	 * and $DOCKER_AUTH_CONFIG are the CLI's to pass (test_hostile_home.sh
	 * checks that it does); the text given overrides the files */
	{
		char dir[300], home[300];
		snprintf(dir, sizeof(dir), "%s/dc", tmpdir);
		mkdir(dir, 0700);
		snprintf(path, sizeof(path), "%s/config.json", dir);
		snprintf(text, sizeof(text), "{\"auths\":{\"h.example.com\":{\"auth\":\"%s\"}}}", a3);
		write_file(path, text, 0600);
		setenv("DOCKER_CONFIG", dir, 1);
		assert_int_equal(creds(NULL, "h.example.com", NULL, NULL), SIGN_ENOTFOUND);
		assert_int_equal(creds(path, "h.example.com", "carol", "c3"), SIGN_OK);
		unsetenv("DOCKER_CONFIG");
		snprintf(home, sizeof(home), "%s/home", tmpdir);
		mkdir(home, 0700);
		snprintf(dir, sizeof(dir), "%s/home/.docker", tmpdir);
		mkdir(dir, 0700);
		snprintf(path, sizeof(path), "%s/config.json", dir);
		snprintf(text, sizeof(text), "{\"auths\":{\"h.example.com\":{\"auth\":\"%s\"}}}", a2);
		write_file(path, text, 0600);
		{
			char *oldhome = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
			setenv("HOME", home, 1);
			assert_int_equal(creds(NULL, "h.example.com", NULL, NULL), SIGN_ENOTFOUND);
			assert_int_equal(creds(path, "h.example.com", "bob", "hub"), SIGN_OK);
			snprintf(text, sizeof(text), "{\"auths\":{\"h.example.com\":{\"auth\":\"%s\"}}}", a1);
			setenv("DOCKER_AUTH_CONFIG", text, 1);
			assert_int_equal(creds(path, "h.example.com", "bob", "hub"), SIGN_OK);
			unsetenv("DOCKER_AUTH_CONFIG");
			auth_text = text;
			assert_int_equal(creds(NULL, "h.example.com", "alice", "pw:with:colons"), SIGN_OK);
			assert_int_equal(creds(path, "h.example.com", "alice", "pw:with:colons"), SIGN_OK);
			auth_text = NULL;
			if (oldhome) {
				setenv("HOME", oldhome, 1);
				free(oldhome);
			}
		}
	}
	free(a1);
	free(a2);
	free(a3);
	free(a4);
	free(a5);
}

static void test_docker_config_helpers(void **state)
{
	char bindir[512], script[600], path[600], text[2048], newpath[4096];
	const char *oldpath = getenv("PATH");
	char *a1 = b64("alice:pw");
	(void)state;
	snprintf(bindir, sizeof(bindir), "%s/bin", tmpdir);
	mkdir(bindir, 0700);
	snprintf(script, sizeof(script), "%s/docker-credential-fake", bindir);
	write_file(script,
		"#!/bin/sh\n"
		"host=$(cat)\n"
		"case \"$host\" in\n"
		"helper.example.com) echo '{\"ServerURL\":\"helper.example.com\",\"Username\":\"hu\",\"Secret\":\"hs\"}';;\n"
		"https://index.docker.io/v1/) echo '{\"ServerURL\":\"x\",\"Username\":\"<token>\",\"Secret\":\"idt\"}';;\n"
		"broken.example.com) echo 'something bad happened'; exit 3;;\n"
		"garbage.example.com) echo 'not json';;\n"
		"*) echo 'credentials not found in native keychain'; exit 1;;\n"
		"esac\n", 0700);
	snprintf(script, sizeof(script), "%s/docker-credential-slowpoke", bindir);
	write_file(script, "#!/bin/sh\nexit 0\n", 0700);
	snprintf(newpath, sizeof(newpath), "%s:%s", bindir, oldpath ? oldpath : "/usr/bin:/bin");
	setenv("PATH", newpath, 1);
	unsetenv("DOCKER_AUTH_CONFIG");

	snprintf(path, sizeof(path), "%s/helpers.json", tmpdir);
	snprintf(text, sizeof(text),
		"{\"credHelpers\":{\"helper.example.com\":\"fake\",\"broken.example.com\":\"fake\","
		"\"garbage.example.com\":\"fake\",\"missing.example.com\":\"nosuchhelper\","
		"\"evil.example.com\":\"../../bin/sh\",\"fallback.example.com\":\"fake\",\"empty.example.com\":\"slowpoke\"},"
		"\"auths\":{\"fallback.example.com\":{\"auth\":\"%s\"},\"helper.example.com\":{\"auth\":\"%s\"}}}",
		a1, a1);
	write_file(path, text, 0600);
	assert_int_equal(creds(path, "helper.example.com", "hu", "hs"), SIGN_OK);
	assert_int_equal(creds(path, "fallback.example.com", "alice", "pw"), SIGN_OK);
	assert_int_equal(creds(path, "nothing.example.com", NULL, NULL), SIGN_ENOTFOUND);
	assert_int_equal(creds(path, "broken.example.com", NULL, NULL), SIGN_EAUTH);
	assert_int_equal(creds(path, "garbage.example.com", NULL, NULL), SIGN_EFORMAT);
	assert_int_equal(creds(path, "missing.example.com", NULL, NULL), SIGN_EAUTH);
	assert_int_equal(creds(path, "evil.example.com", NULL, NULL), SIGN_EINVAL);
	assert_int_equal(creds(path, "empty.example.com", NULL, NULL), SIGN_EFORMAT);
	{
		sign_buf u = SIGN_BUF_INIT, s = SIGN_BUF_INIT;
		sign_error err;
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_docker_credentials(&u, &s, path, NULL, "broken.example.com", &err), SIGN_EAUTH);
		assert_non_null(strstr(err.message, "something bad happened"));
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_docker_credentials(&u, &s, path, NULL, "missing.example.com", &err), SIGN_EAUTH);
		assert_non_null(strstr(err.message, "docker-credential-nosuchhelper"));
		sign_buf_dispose(&u);
		sign_buf_dispose(&s);
	}

	/* credsStore for every host, auths as the fallback */
	snprintf(path, sizeof(path), "%s/store.json", tmpdir);
	snprintf(text, sizeof(text),
		"{\"credsStore\":\"fake\",\"credHelpers\":{\"other.example.com\":\"nosuchhelper\"},"
		"\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"%s\"},\"helper.example.com\":{}}}", a1);
	write_file(path, text, 0600);
	assert_int_equal(creds(path, "helper.example.com", "hu", "hs"), SIGN_OK);
	assert_int_equal(creds(path, "docker.io", "<token>", "idt"), SIGN_OK);
	assert_int_equal(creds(path, "127.0.0.1:5000", "alice", "pw"), SIGN_OK);
	assert_int_equal(creds(path, "nothing.example.com", NULL, NULL), SIGN_ENOTFOUND);
	assert_int_equal(creds(path, "other.example.com", NULL, NULL), SIGN_EAUTH);

	setenv("PATH", oldpath ? oldpath : "/usr/bin:/bin", 1);
	free(a1);
}

/* ---- handle basics ---- */

static void test_registry_args(void **state)
{
	signp_registry *r = NULL;
	signp_registry_options o;
	sign_error err;
	(void)state;
	memset(&o, 0, sizeof(o));
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_registry_new(&r, &o, &err), SIGN_EINVAL);
	o.host = "bad host/x";
	assert_int_equal(signp_registry_new(&r, &o, NULL), SIGN_EINVAL);
	o.host = "127.0.0.1:5000";
	assert_int_equal(signp_registry_new(&r, &o, &err), SIGN_OK);
	assert_null(signp_registry_scheme(r));
	assert_int_equal(signp_registry_requests(r), 0);
	{
		sign_buf b = SIGN_BUF_INIT;
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_registry_get_manifest(r, "Bad", "v1", &b, NULL, NULL, &err), SIGN_EINVAL);
		memset(&err, 0, sizeof(err));
		assert_int_equal(signp_registry_get_manifest(r, "app", "bad tag", &b, NULL, NULL, &err), SIGN_EINVAL);
		assert_int_equal(signp_registry_get_blob(r, "app", "sha256:abc", 10, &b, NULL), SIGN_EINVAL);
		assert_int_equal(signp_registry_put_blob(r, "app",
			"sha256:0000000000000000000000000000000000000000000000000000000000000000", "x", 1, NULL),
			SIGN_EINVAL);
		assert_int_equal(signp_registry_put_manifest(r, "app", "v1", "{}", 2, "bad\ntype", NULL, NULL),
			SIGN_EINVAL);
		assert_int_equal(signp_registry_requests(r), 0);
		sign_buf_dispose(&b);
	}
	signp_registry_free(r);
	signp_registry_free(NULL);
}

static void test_closed_port(void **state)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char host[64];
	signp_registry *r = NULL;
	signp_registry_options o;
	sign_error err;
	sign_buf b = SIGN_BUF_INIT;
	struct timespec t0, t1;
	(void)state;
	/* find a port nobody listens on */
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	snprintf(host, sizeof(host), "127.0.0.1:%u", ntohs(sa.sin_port));

	memset(&o, 0, sizeof(o));
	memset(&err, 0, sizeof(err));
	o.host = host;
	o.timeout = 5;
	assert_int_equal(signp_registry_new(&r, &o, &err), SIGN_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(signp_registry_get_manifest(r, "app", "v1", &b, NULL, NULL, &err), SIGN_ENET);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 3);
	assert_non_null(strstr(err.message, "connecting to registry 127.0.0.1:"));
	assert_null(signp_registry_scheme(r));
	assert_int_equal(signp_registry_requests(r), 2); /* https, then http */
	signp_registry_free(r);
	sign_buf_dispose(&b);
}

/* A listening socket on a free loopback port, and "http://127.0.0.1:PORT". */
static int listen_loopback(char url[64])
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(url, 64, "http://127.0.0.1:%u", ntohs(sa.sin_port));
	return fd;
}

/* A handle on a server URL, as for a trust server. */
static signp_registry *url_handle(const char *url)
{
	signp_registry *r = NULL;
	signp_registry_options o;
	sign_error err;
	memset(&o, 0, sizeof(o));
	memset(&err, 0, sizeof(err));
	o.base_url = url;
	o.timeout = 20;
	assert_int_equal(signp_registry_new(&r, &o, &err), SIGN_OK);
	return r;
}

/* ---- idle work ---- */

typedef struct idle_probe {
	int fd;     /* write end of the pipe the server waits on, or -1 */
	int runs;
} idle_probe;

static void idle_poke(void *arg)
{
	idle_probe *p = arg;
	p->runs++;
	if (p->fd >= 0 && write(p->fd, "x", 1) != 1)
		p->runs = 100;
}

static void idle_never(void *arg)
{
	idle_probe *p = arg;
	p->runs++;
}

/* A server that reads one request, then answers 404 only once a byte comes
 * through the pipe: the client gets its answer only if its idle work ran
 * while the request was out (no timing involved). */
static pid_t one_shot_server(int lfd, int pipe_rd)
{
	pid_t pid = fork();
	if (pid == 0) {
		char buf[4096], c;
		const char *ans = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		int cfd = accept(lfd, NULL, NULL);
		size_t got = 0;
		ssize_t n;
		if (cfd < 0)
			_exit(1);
		while (got < sizeof(buf) - 1 && (n = read(cfd, buf + got, sizeof(buf) - 1 - got)) > 0) {
			got += (size_t)n;
			buf[got] = '\0';
			if (strstr(buf, "\r\n\r\n") != NULL)
				break;
		}
		if (read(pipe_rd, &c, 1) != 1)
			_exit(1);
		if (write(cfd, ans, strlen(ans)) != (ssize_t)strlen(ans))
			_exit(1);
		close(cfd);
		_exit(0);
	}
	return pid;
}

static void test_idle_work(void **state)
{
	int lfd, pfd[2], st = 0;
	char url[64];
	signp_registry *r = NULL;
	sign_error err;
	sign_buf b = SIGN_BUF_INIT;
	idle_probe p1 = { -1, 0 }, p2 = { -1, 0 }, gone = { -1, 0 };
	long status = 0;
	pid_t pid;
	(void)state;
	lfd = listen_loopback(url);
	assert_int_equal(pipe(pfd), 0);
	pid = one_shot_server(lfd, pfd[0]);
	assert_true(pid > 0);
	close(pfd[0]);
	close(lfd);

	memset(&err, 0, sizeof(err));
	r = url_handle(url);
	/* at most 4 queued; drop unqueues exactly the pair given */
	p1.fd = pfd[1];
	assert_int_equal(signp_registry_add_idle(r, idle_poke, &p1), SIGN_OK);
	assert_int_equal(signp_registry_add_idle(r, idle_never, &gone), SIGN_OK);
	assert_int_equal(signp_registry_add_idle(r, idle_poke, &p2), SIGN_OK);
	assert_int_equal(signp_registry_add_idle(r, idle_never, &p2), SIGN_OK);
	assert_int_equal(signp_registry_add_idle(r, idle_never, &p1), SIGN_ERROR);
	assert_int_equal(signp_registry_add_idle(r, NULL, &p1), SIGN_ERROR);
	assert_int_equal(signp_registry_add_idle(NULL, idle_never, &p1), SIGN_ERROR);
	signp_registry_drop_idle(r, idle_never, &gone);
	signp_registry_drop_idle(r, idle_never, &p2);
	signp_registry_drop_idle(NULL, idle_never, &p2);

	/* the server answers only after idle_poke ran: the request was out */
	assert_int_equal(signp_registry_request(r, "GET", "/v2/", NULL, NULL, 0, NULL, 1024, &b,
		&status, &err), SIGN_OK);
	assert_int_equal(status, 404);
	assert_int_equal(p1.runs, 1);
	assert_int_equal(p2.runs, 1);
	assert_int_equal(gone.runs, 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(pfd[1]);
	/* queued work runs once: nothing is left for the next request */
	assert_int_equal(signp_registry_add_idle(r, idle_never, &gone), SIGN_OK);
	signp_registry_drop_idle(r, idle_never, &gone);
	assert_int_equal(gone.runs, 0);
	signp_registry_free(r);
	sign_buf_dispose(&b);
}

/* ---- a GET on a second connection ---- */

/* A keep-alive server, a process per connection, that logs each request's
 * path to log_path and answers 200 "body of PATH", or 404 for /missing. */
static pid_t log_server(int lfd, const char *log_path)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	for (;;) {
		int cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			_exit(1);
		if (fork() == 0) {
			char buf[4096], path[256], ans[512];
			size_t got = 0;
			ssize_t n;
			close(lfd);
			for (;;) {
				char *end;
				FILE *lf;
				while ((end = strstr(buf, "\r\n\r\n")) == NULL || got == 0) {
					if (got >= sizeof(buf) - 1 ||
					    (n = read(cfd, buf + got, sizeof(buf) - 1 - got)) <= 0)
						_exit(0);
					got += (size_t)n;
					buf[got] = '\0';
				}
				if (sscanf(buf, "GET %255s ", path) != 1)
					_exit(1);
				if ((lf = fopen(log_path, "a")) != NULL) {
					fprintf(lf, "%s\n", path);
					fclose(lf);
				}
				if (strcmp(path, "/missing") == 0)
					snprintf(ans, sizeof(ans), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
				else
					snprintf(ans, sizeof(ans), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\nbody of %s",
						strlen("body of ") + strlen(path), path);
				if (write(cfd, ans, strlen(ans)) != (ssize_t)strlen(ans))
					_exit(1);
				end += 4;
				got -= (size_t)(end - buf);
				memmove(buf, end, got);
				buf[got] = '\0';
			}
		}
		close(cfd);
	}
}

static int count_lines(const char *log_path, const char *line)
{
	FILE *f = fopen(log_path, "r");
	char buf[300];
	int n = 0;
	if (f == NULL)
		return 0;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		n += strcmp(buf, line) == 0;
	}
	fclose(f);
	return n;
}

static void test_side_get(void **state)
{
	int lfd, st;
	char url[64], log_path[300];
	signp_registry *r = NULL, *tls = NULL;
	sign_error err;
	sign_buf b = SIGN_BUF_INIT;
	long status = 0;
	pid_t pid;
	(void)state;
	snprintf(log_path, sizeof(log_path), "%s/side.log", tmpdir);
	lfd = listen_loopback(url);
	pid = log_server(lfd, log_path);
	assert_true(pid > 0);
	close(lfd);

	memset(&err, 0, sizeof(err));
	r = url_handle(url);
	/* only paths a request may send */
	assert_int_equal(signp_registry_side_get(r, "root.json", 1024), SIGN_ERROR);
	assert_int_equal(signp_registry_side_get(r, "/a b", 1024), SIGN_ERROR);
	assert_int_equal(signp_registry_side_get(r, "/a#b", 1024), SIGN_ERROR);
	/* sent ahead on its own connection, collected by the same GET */
	assert_int_equal(signp_registry_side_get(r, "/root.json", 1024), SIGN_OK);
	assert_int_equal(signp_registry_side_get(r, "/other", 1024), SIGN_ERROR); /* one at a time */
	assert_int_equal(signp_registry_request(r, "GET", "/timestamp.json", NULL, NULL, 0, NULL, 1024, &b,
		&status, &err), SIGN_OK);
	assert_string_equal(b.ptr, "body of /timestamp.json");
	assert_int_equal(signp_registry_request(r, "GET", "/root.json", NULL, NULL, 0, NULL, 1024, &b,
		&status, &err), SIGN_OK);
	assert_int_equal(status, 200);
	assert_string_equal(b.ptr, "body of /root.json");
	assert_int_equal(count_lines(log_path, "/root.json"), 1); /* not asked twice */
	assert_int_equal(signp_registry_requests(r), 2);
	/* collected once: the next GET of it is a new request */
	assert_int_equal(signp_registry_request(r, "GET", "/root.json", NULL, NULL, 0, NULL, 1024, &b,
		&status, &err), SIGN_OK);
	assert_int_equal(count_lines(log_path, "/root.json"), 2);
	/* an answer that is not a plain 200 is dropped and asked again */
	assert_int_equal(signp_registry_side_get(r, "/missing", 1024), SIGN_OK);
	assert_int_equal(signp_registry_request(r, "GET", "/missing", NULL, NULL, 0, NULL, 1024, &b,
		&status, &err), SIGN_OK);
	assert_int_equal(status, 404);
	assert_int_equal(count_lines(log_path, "/missing"), 2);
	/* over the collector's bound: dropped too */
	assert_int_equal(signp_registry_side_get(r, "/big-enough", 1024), SIGN_OK);
	assert_int_equal(signp_registry_request(r, "GET", "/big-enough", NULL, NULL, 0, NULL, 8, &b,
		&status, &err), SIGN_EFORMAT);
	assert_int_equal(count_lines(log_path, "/big-enough"), 2);
	/* cancelled: forgotten, asked again */
	assert_int_equal(signp_registry_side_get(r, "/late", 1024), SIGN_OK);
	signp_registry_side_cancel(r);
	signp_registry_side_cancel(NULL);
	assert_int_equal(signp_registry_request(r, "GET", "/late", NULL, NULL, 0, NULL, 1024, &b,
		&status, &err), SIGN_OK);
	assert_string_equal(b.ptr, "body of /late");
	/* a pending one is dropped with the handle */
	assert_int_equal(signp_registry_side_get(r, "/never-collected", 1024), SIGN_OK);
	signp_registry_free(r);

	/* over TLS a second connection costs a second handshake: not done */
	tls = url_handle("https://127.0.0.1:1");
	assert_int_equal(signp_registry_side_get(tls, "/root.json", 1024), SIGN_ERROR);
	signp_registry_free(tls);

	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	sign_buf_dispose(&b);
}

/* ---- a registry that stores other bytes than it was sent ---- */

/* A keep-alive server for one connection that answers each request in turn
 * with answers[i] (after reading its body, by Content-Length), and closes
 * after the last. */
static pid_t scripted_server(int lfd, const char *const *answers)
{
	pid_t pid = fork();
	if (pid == 0) {
		char buf[16384];
		size_t got = 0;
		int cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			_exit(1);
		for (size_t i = 0; answers[i] != NULL; i++) {
			char *end, *cl;
			size_t need;
			ssize_t n;
			while ((end = strstr(buf, "\r\n\r\n")) == NULL || got == 0) {
				if (got >= sizeof(buf) - 1 || (n = read(cfd, buf + got, sizeof(buf) - 1 - got)) <= 0)
					_exit(1);
				got += (size_t)n;
				buf[got] = '\0';
			}
			end += 4;
			cl = strstr(buf, "\r\nContent-Length:"); /* as curl writes it */
			need = (size_t)(end - buf) + (cl != NULL && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
			while (got < need) {
				if (got >= sizeof(buf) - 1 || (n = read(cfd, buf + got, sizeof(buf) - 1 - got)) <= 0)
					_exit(1);
				got += (size_t)n;
				buf[got] = '\0';
			}
			if (write(cfd, answers[i], strlen(answers[i])) != (ssize_t)strlen(answers[i]))
				_exit(1);
			got -= need;
			memmove(buf, buf + need, got);
			buf[got] = '\0';
		}
		close(cfd);
		_exit(0);
	}
	return pid;
}

#define LIE "sha256:0000000000000000000000000000000000000000000000000000000000000007"

/* A Docker-Content-Digest naming other content than was pushed is caught,
 * for a manifest and for a blob; one naming the same content, or none, is
 * not an error. */
static void test_stored_digest(void **state)
{
	static const char manifest[] = "{\"schemaVersion\":2}";
	static const char *const answers[] = {
		/* PUT manifest: the digest of other bytes */
		"HTTP/1.1 201 Created\r\nDocker-Content-Digest: " LIE "\r\nContent-Length: 0\r\n\r\n",
		/* PUT manifest: no digest header */
		"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
		/* blob: not there; upload started; stored under other bytes' digest */
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nLocation: /v2/app/blobs/uploads/u1\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 201 Created\r\nDocker-Content-Digest: " LIE "\r\nContent-Length: 0\r\n\r\n",
		/* upload_blob: no HEAD first, straight to the upload (a HEAD
		 * would get the 202, and fail another way) */
		"HTTP/1.1 202 Accepted\r\nLocation: /v2/app/blobs/uploads/u2\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 201 Created\r\nDocker-Content-Digest: " LIE "\r\nContent-Length: 0\r\n\r\n",
		NULL,
	};
	long before;
	char url[64], dg[80], put[80];
	signp_registry *r;
	sign_error err;
	int lfd, st = 0;
	pid_t pid;
	(void)state;
	lfd = listen_loopback(url);
	pid = scripted_server(lfd, answers);
	assert_true(pid > 0);
	close(lfd);
	r = url_handle(url);
	signp_digest(dg, manifest, strlen(manifest));

	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_registry_put_manifest(r, "app", "v1", manifest, strlen(manifest),
		"application/vnd.oci.image.manifest.v1+json", put, &err), SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "the registry stored digest " LIE));
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_registry_put_manifest(r, "app", "v1", manifest, strlen(manifest),
		"application/vnd.oci.image.manifest.v1+json", put, &err), SIGN_OK);
	assert_string_equal(put, dg);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_registry_put_blob(r, "app", dg, manifest, strlen(manifest), &err),
		SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "the registry stored digest " LIE));
	before = signp_registry_requests(r);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_registry_upload_blob(r, "app", dg, manifest, strlen(manifest), &err),
		SIGN_EVERIFY);
	assert_non_null(strstr(err.message, "the registry stored digest " LIE));
	assert_int_equal(signp_registry_requests(r) - before, 2);
	signp_registry_free(r);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- the HTTP core on its own ---- */

static void test_url_helpers(void **state)
{
	char *u, out[300], scheme[8], host[256], path[512];
	(void)state;
	u = signp_http_resolve_url("https://r.example/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/u1?x=1");
	assert_non_null(u);
	assert_string_equal(u, "https://r.example/v2/a/blobs/uploads/u1?x=1");
	signp_http_str_free(u);
	u = signp_http_resolve_url("https://r.example/v2/a/blobs/uploads/", "u2");
	assert_non_null(u);
	assert_string_equal(u, "https://r.example/v2/a/blobs/uploads/u2");
	signp_http_str_free(u);
	assert_null(signp_http_resolve_url("https://r.example/v2/", "ftp://r.example/x"));
	assert_null(signp_http_resolve_url("https://r.example/v2/", "file:///etc/passwd"));

	assert_int_equal(signp_http_url_origin("HTTPS://R.Example/x", out, sizeof(out)), 1);
	assert_string_equal(out, "https://r.example:443");
	assert_int_equal(signp_http_url_origin("http://r.example:5000/x", out, sizeof(out)), 1);
	assert_string_equal(out, "http://r.example:5000");
	signp_http_url_host("http://h.example:5000/x", out, sizeof(out));
	assert_string_equal(out, "h.example:5000");
	signp_http_url_host("https://h.example/x", out, sizeof(out));
	assert_string_equal(out, "h.example");
	signp_http_url_host("not a url", out, sizeof(out));
	assert_string_equal(out, "");

	assert_int_equal(signp_http_parse_base_url("https://notary.example:4443/base//", scheme, host, path), 1);
	assert_string_equal(scheme, "https");
	assert_string_equal(host, "notary.example:4443");
	assert_string_equal(path, "/base");
	assert_int_equal(signp_http_parse_base_url("http://n.example", scheme, host, path), 1);
	assert_string_equal(scheme, "http");
	assert_string_equal(host, "n.example");
	assert_string_equal(path, "");
	assert_int_equal(signp_http_parse_base_url("ftp://n.example/", scheme, host, path), 0);
	assert_int_equal(signp_http_parse_base_url("https://u:p@n.example/", scheme, host, path), 0);
	assert_int_equal(signp_http_parse_base_url("https://n.example/?q=1", scheme, host, path), 0);
	assert_int_equal(signp_http_parse_base_url("https://n.example/#f", scheme, host, path), 0);

	assert_int_equal(signp_http_header_value_ok("abc", 3), 1);
	assert_int_equal(signp_http_header_value_ok("abc", 2), 0);
	assert_int_equal(signp_http_header_value_ok("", 10), 0);
	assert_int_equal(signp_http_header_value_ok("a\r\nX-Evil: 1", 100), 0);
	assert_int_equal(signp_http_header_value_ok("caf\xc3\xa9", 100), 0);
	assert_int_equal(signp_http_path_ok("/v2/app/manifests/v1"), 1);
	assert_int_equal(signp_http_path_ok("v2/app"), 0);
	assert_int_equal(signp_http_path_ok("/a b"), 0);
	assert_int_equal(signp_http_path_ok("/a#b"), 0);
	assert_int_equal(signp_http_path_ok(""), 0);

	u = signp_http_escape("a b/c&d", 0);
	assert_non_null(u);
	assert_string_equal(u, "a%20b%2Fc%26d");
	signp_http_str_free(u);
}

/* A server that answers every request with ans, one per connection. */
static pid_t canned_server(int lfd, const char *ans)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	for (;;) {
		char buf[4096];
		size_t got = 0;
		ssize_t n;
		int cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			_exit(1);
		buf[0] = '\0';
		while (strstr(buf, "\r\n\r\n") == NULL && got < sizeof(buf) - 1 &&
		       (n = read(cfd, buf + got, sizeof(buf) - 1 - got)) > 0) {
			got += (size_t)n;
			buf[got] = '\0';
		}
		if (write(cfd, ans, strlen(ans)) != (ssize_t)strlen(ans))
			_exit(1);
		close(cfd);
	}
}

/* The core without authentication attached lets a 401 stand (no token
 * step, one request); a registry handle has auth.c attached, which takes
 * the challenge up (and refuses one it does not support). */
static void test_core_without_auth(void **state)
{
	int lfd, st;
	char url[64];
	const char *ans = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\n"
		"Content-Length: 0\r\nConnection: close\r\n\r\n";
	signp_http *h = NULL;
	signp_http_options ho;
	signp_registry *r;
	sign_error err;
	sign_buf b = SIGN_BUF_INIT;
	long status = 0;
	pid_t pid;
	(void)state;
	lfd = listen_loopback(url);
	pid = canned_server(lfd, ans);
	assert_true(pid > 0);
	close(lfd);

	memset(&ho, 0, sizeof(ho));
	memset(&err, 0, sizeof(err));
	ho.base_url = url;
	ho.timeout = 20;
	ho.label = "test server";
	assert_int_equal(signp_http_new(&h, &ho, &err), SIGN_OK);
	assert_string_equal(signp_http_host(h), url + strlen("http://"));
	assert_string_equal(signp_http_label(h), "test server");
	assert_int_equal(signp_http_request(h, "GET", "/x", NULL, NULL, 0, NULL, 1024, &b, &status, &err), SIGN_OK);
	assert_int_equal(status, 401);
	assert_int_equal(signp_http_requests(h), 1);
	assert_string_equal(signp_http_scheme(h), "http");
	signp_http_free(h);

	r = url_handle(url);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_registry_request(r, "GET", "/x", NULL, NULL, 0, NULL, 1024, &b, &status, &err),
		SIGN_EAUTH);
	assert_non_null(strstr(err.message, "unsupported authentication challenge \"Negotiate\""));
	assert_int_equal(signp_registry_requests(r), 1);
	signp_registry_free(r);

	sign_buf_dispose(&b);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_registry.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return sign_global_init() == SIGN_OK ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		return -1;
	sign_global_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenges),
		cmocka_unit_test(test_docker_config_auths),
		cmocka_unit_test(test_docker_config_helpers),
		cmocka_unit_test(test_registry_args),
		cmocka_unit_test(test_closed_port),
		cmocka_unit_test(test_idle_work),
		cmocka_unit_test(test_side_get),
		cmocka_unit_test(test_stored_digest),
		cmocka_unit_test(test_url_helpers),
		cmocka_unit_test(test_core_without_auth),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* test_ctx.c - the context takes its settings from its options only: the
 * library reads no environment variable (SIGN_INSECURE_REGISTRIES,
 * SIGN_HOME, SIGN_DISABLE_TOFU set here must change nothing), and it
 * refuses a home that others can write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctx.h"
#include "pinning.h"

static char dir[] = "/tmp/sign-test-ctx.XXXXXX";
static char home[128];

static int setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL || sign_global_init() != SIGN_OK)
		return -1;
	snprintf(home, sizeof(home), "%s/home", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[64];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static sign_ctx *new_ctx(const sign_ctx_options *o)
{
	sign_ctx *ctx = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (sign_ctx_new(&ctx, o, &err) != SIGN_OK)
		fail_msg("sign_ctx_new: %s", err.message);
	return ctx;
}

/* SIGN_INSECURE_REGISTRIES in the environment of a program that does not
 * pass the option does not mark the host insecure (what would allow plain
 * HTTP and TLS without verification for it); the option does */
static void test_insecure_not_from_env(void **state)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	const char *list[] = { "registry.example.com:5000", NULL };
	sign_ctx *ctx;
	(void)state;
	o.home = home;
	assert_int_equal(setenv("SIGN_INSECURE_REGISTRIES", "registry.example.com:5000, other:1", 1), 0);
	ctx = new_ctx(&o);
	assert_int_equal(signp_ctx_insecure(ctx, "registry.example.com:5000"), 0);
	assert_int_equal(signp_ctx_insecure(ctx, "other:1"), 0);
	sign_ctx_free(ctx);
	o.insecure_registries = list;
	ctx = new_ctx(&o);
	assert_int_equal(signp_ctx_insecure(ctx, "registry.example.com:5000"), 1);
	assert_int_equal(signp_ctx_insecure(ctx, "other:1"), 0);
	sign_ctx_free(ctx);
	unsetenv("SIGN_INSECURE_REGISTRIES");
}

/* SIGN_HOME is the CLI's: with home NULL the library takes ~/.sign from
 * the password database */
static void test_home_not_from_env(void **state)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	struct passwd *pw = getpwuid(getuid());
	char want[600];
	sign_ctx *ctx;
	(void)state;
	assert_non_null(pw);
	snprintf(want, sizeof(want), "%s%s.sign", pw->pw_dir,
		pw->pw_dir[strlen(pw->pw_dir) - 1] == '/' ? "" : "/");
	assert_int_equal(setenv("SIGN_HOME", home, 1), 0);
	ctx = new_ctx(&o);
	assert_string_equal(sign_ctx_home(ctx), want);
	sign_ctx_free(ctx);
	unsetenv("SIGN_HOME");
}

/* SIGN_DISABLE_TOFU=1 in the environment does not refuse trust on first
 * use; the option does */
static void test_tofu_not_from_env(void **state)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	signp_pin pin;
	sign_ctx *ctx;
	(void)state;
	o.home = home;
	assert_int_equal(setenv("SIGN_DISABLE_TOFU", "1", 1), 0);
	ctx = new_ctx(&o);
	assert_int_equal(signp_pin_resolve(&pin, ctx, "registry.example.com/app", NULL, NULL), SIGN_OK);
	assert_int_equal(pin.disable_tofu, 0);
	signp_pin_dispose(&pin);
	sign_ctx_free(ctx);
	o.disable_tofu = 1;
	ctx = new_ctx(&o);
	assert_int_equal(signp_pin_resolve(&pin, ctx, "registry.example.com/app", NULL, NULL), SIGN_OK);
	assert_int_equal(pin.disable_tofu, 1);
	signp_pin_dispose(&pin);
	sign_ctx_free(ctx);
	unsetenv("SIGN_DISABLE_TOFU");
}

/* a caller built against version 1 of the options keeps working */
static void test_options_v1(void **state)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	sign_ctx *ctx = NULL;
	sign_error err;
	(void)state;
	o.version = 1;
	o.home = home;
	ctx = new_ctx(&o);
	assert_string_equal(sign_ctx_home(ctx), home);
	assert_int_equal(ctx->disable_tofu, 0);
	assert_null(ctx->docker_auth_config);
	sign_ctx_free(ctx);
	o.version = 3;
	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_ctx_new(&ctx, &o, &err), SIGN_EINVAL);
	assert_null(ctx);
}

/* a home that group or others can write is refused, with the chmod */
static void test_home_modes(void **state)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	char h[160], want[200];
	sign_ctx *ctx = NULL;
	sign_error err;
	(void)state;
	snprintf(h, sizeof(h), "%s/open", dir);
	assert_int_equal(mkdir(h, 0700), 0);
	assert_int_equal(chmod(h, 0777), 0);
	o.home = h;
	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_ctx_new(&ctx, &o, &err), SIGN_EIO);
	assert_null(ctx);
	assert_non_null(strstr(err.message, h));
	assert_non_null(strstr(err.message, "every user can write it (mode 0777)"));
	snprintf(want, sizeof(want), "chmod 700 %s", h);
	assert_string_equal(err.hint, want);
	assert_int_equal(chmod(h, 0700), 0);
	ctx = new_ctx(&o);
	sign_ctx_free(ctx);
}

/* the context's memo: found by key, each object freed once by its own
 * function (oldest first when full, at once when the key is too long, the
 * rest at sign_ctx_free) */
static int freed[16];

static void free_obj(void *obj)
{
	freed[*(int *)obj]++;
}

static void test_memo(void **state)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	static int objs[16];
	char key[32], big[1100];
	sign_ctx *ctx;
	(void)state;
	o.home = home;
	ctx = new_ctx(&o);
	memset(freed, 0, sizeof(freed));
	assert_null(signp_ctx_memo_get(ctx, "none"));
	for (int i = 0; i < 10; i++) {
		objs[i] = i;
		snprintf(key, sizeof(key), "k%d", i);
		signp_ctx_memo_put(ctx, key, &objs[i], free_obj);
	}
	/* eight kept: k0 and k1 were freed to make room */
	assert_int_equal(freed[0], 1);
	assert_int_equal(freed[1], 1);
	assert_null(signp_ctx_memo_get(ctx, "k0"));
	assert_ptr_equal(signp_ctx_memo_get(ctx, "k2"), &objs[2]);
	assert_ptr_equal(signp_ctx_memo_get(ctx, "k9"), &objs[9]);
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	objs[10] = 10;
	signp_ctx_memo_put(ctx, big, &objs[10], free_obj);
	assert_int_equal(freed[10], 1);
	assert_null(signp_ctx_memo_get(ctx, big));
	for (int i = 2; i < 10; i++)
		assert_int_equal(freed[i], 0);
	sign_ctx_free(ctx);
	for (int i = 0; i < 11; i++)
		assert_int_equal(freed[i], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insecure_not_from_env),
		cmocka_unit_test(test_home_not_from_env),
		cmocka_unit_test(test_tofu_not_from_env),
		cmocka_unit_test(test_options_v1),
		cmocka_unit_test(test_home_modes),
		cmocka_unit_test(test_memo),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_re.c - signp_regcomp (libsign/re.c): cosign's (RE2) patterns as
 * POSIX EREs: \d and \D mean digits as in Go, in and out of brackets; what
 * POSIX cannot say is refused with the reason, not read as letters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "re.h"

static int matches(const char *pattern, const char *s)
{
	regex_t re;
	char why[128];
	int m;
	if (signp_regcomp(&re, pattern, why, sizeof(why)) != SIGN_OK)
		fail_msg("%s: %s", pattern, why);
	m = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

static void refused(const char *pattern, const char *reason)
{
	regex_t re;
	char why[128] = "";
	if (signp_regcomp(&re, pattern, why, sizeof(why)) == SIGN_OK) {
		regfree(&re);
		fail_msg("%s: compiled, wanted a refusal", pattern);
	}
	if (strstr(why, reason) == NULL)
		fail_msg("%s: \"%s\", wanted \"%s\"", pattern, why, reason);
}

static void test_digits(void **state)
{
	const char *tag = "^https://github\\.com/acme/app/\\.github/workflows/release\\.yml@refs/tags/v\\d+\\.\\d+\\.\\d+$";
	(void)state;
	/* glibc alone reads \d as the letter d: the pattern cosign users write */
	assert_true(matches(tag, "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.20.3"));
	assert_false(matches(tag, "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/vd.d.d"));
	assert_false(matches(tag, "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"));
	assert_true(matches("^a\\Db$", "a-b"));
	assert_false(matches("^a\\Db$", "a1b"));
	/* inside brackets */
	assert_true(matches("^[\\d.]+$", "1.2.3"));
	assert_false(matches("^[\\d.]+$", "1.d"));
	assert_true(matches("^[[:alpha:]\\d]+$", "abc123"));
	assert_false(matches("^[[:alpha:]\\d]+$", "abc-123"));
	assert_true(matches("^[]\\d]+$", "]1"));
	assert_true(matches("^[^\\d]+$", "abc"));
	assert_false(matches("^[^\\d]+$", "a1"));
	/* what POSIX and RE2 share is left alone */
	assert_true(matches("^https://token\\.actions\\.githubusercontent\\.com$",
		"https://token.actions.githubusercontent.com"));
	assert_false(matches("^https://token\\.actions\\.githubusercontent\\.com$",
		"https://tokenXactions.githubusercontent.com"));
	assert_true(matches("\\\\d", "\\d"));          /* an escaped backslash, then d */
	assert_true(matches("@(gmail|example)\\.com$", "a@example.com"));
}

static void test_refused(void **state)
{
	(void)state;
	refused("\\pL", "\\p is Go's (RE2), not POSIX");
	refused("\\PL", "\\P is Go's");
	refused("\\Aabc\\z", "\\A is Go's");
	refused("[\\D]", "\\D inside [...] has no POSIX form");
	refused("[\\w]", "\\w inside [...] has no POSIX form");
	refused("(?i)acme", "");
	refused("(", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digits),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * progress.c - a progress line on standard error for long runs (push
 * --refs-from, migrate): count, rate and time left, redrawn at most ten
 * times a second.  Shown only when standard error is a terminal and -q is
 * not given; silent otherwise, so logs and pipes never see it.
 */
#include "cli.h"

#include <stdint.h>
#include <time.h>
#include <unistd.h>

/* Redraw at most this often (milliseconds), and the final count always. */
#define PROGRESS_EVERY_MS 100

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cli_progress_init(cli_progress *p, const cli *c, const char *what)
{
	p->on = !c->quiet && isatty(STDERR_FILENO);
	p->what = what;
	p->shown = 0;
	p->start_ms = now_ms();
	p->last_ms = 0;
}

/* "1h02m", "3m05s", "42s" */
static void span(char *out, size_t size, int64_t s)
{
	if (s >= 3600)
		snprintf(out, size, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(out, size, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(out, size, "%llds", (long long)s);
}

void cli_progress_cb(void *arg, size_t done, size_t total)
{
	cli_progress *p = arg;
	int64_t t = now_ms(), el = t - p->start_ms;
	double rate;
	char eta[32] = "";

	if (!p->on || (done < total && t - p->last_ms < PROGRESS_EVERY_MS))
		return;
	p->last_ms = t;
	rate = el > 0 ? (double)done * 1000.0 / (double)el : 0.0;
	if (done < total && rate > 0.0) {
		char s[24];
		span(s, sizeof(s), (int64_t)((double)(total - done) / rate) + 1);
		snprintf(eta, sizeof(eta), ", %s left", s);
	}
	/* \r and clear to the end of the line: one line, redrawn */
	fprintf(stderr, "\rsign: %s %zu/%zu (%.0f/s%s)\033[K", p->what, done, total, rate, eta);
	fflush(stderr);
	p->shown = 1;
}

void cli_progress_end(cli_progress *p)
{
	if (p->on && p->shown)
		fputc('\n', stderr);
	p->shown = 0;
}

/*
 * timeit N CMD [ARGS...] [:: CMD2 [ARGS...]]... - run each command N times
 * (stdout/stderr to /dev/null) and print, a line per command in the order
 * given, "median_ms min_ms max_rss_kib exit" for `make bench`.  Several
 * commands are run in turn, one run of each per round, so that a machine
 * that speeds up or slows down meanwhile weighs on all of them alike and
 * their ratio stays fair.  Wall time by CLOCK_MONOTONIC, peak RSS of the
 * children by wait4's rusage.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CMDS_MAX 8

typedef struct cmd {
	char **argv;
	double *ms;
	long rss;
	int last;
} cmd;

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One run of c; its time goes to c->ms[i].  0, or -1 if it could not run. */
static int run(cmd *c, int i)
{
	struct timespec a, b;
	struct rusage ru;
	int st;
	pid_t pid;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(c->argv[0], c->argv);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	c->ms[i] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	if (ru.ru_maxrss > c->rss)
		c->rss = ru.ru_maxrss;
	c->last = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	return 0;
}

int main(int argc, char **argv)
{
	cmd cmds[CMDS_MAX];
	int n, ncmd = 0;
	if (argc < 3 || (n = atoi(argv[1])) < 1 || n > 100000) {
		fprintf(stderr, "usage: timeit N CMD [ARGS...] [:: CMD [ARGS...]]...\n");
		return 2;
	}
	memset(cmds, 0, sizeof(cmds));
	/* split argv[2..] at each "::" into commands */
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "::") == 0) {
			argv[i] = NULL;
			continue;
		}
		if (i == 2 || argv[i - 1] == NULL) {
			if (ncmd == CMDS_MAX) {
				fprintf(stderr, "timeit: at most %d commands\n", CMDS_MAX);
				return 2;
			}
			cmds[ncmd].argv = argv + i;
			if ((cmds[ncmd].ms = calloc((size_t)n, sizeof(double))) == NULL)
				return 2;
			ncmd++;
		}
	}
	if (ncmd == 0) {
		fprintf(stderr, "timeit: no command\n");
		return 2;
	}
	for (int i = 0; i < n; i++)
		for (int k = 0; k < ncmd; k++)
			if (run(&cmds[k], i) != 0)
				return 2;
	for (int k = 0; k < ncmd; k++) {
		qsort(cmds[k].ms, (size_t)n, sizeof(double), cmp);
		printf("%.2f %.2f %ld %d\n", cmds[k].ms[n / 2], cmds[k].ms[0], cmds[k].rss, cmds[k].last);
		free(cmds[k].ms);
	}
	return 0;
}

/*
 * timeit N CMD [ARGS...] - run CMD N times (stdout/stderr to /dev/null) and
 * print "median_ms min_ms max_rss_kib exit" for `make bench`.  Wall time
 * by CLOCK_MONOTONIC, peak RSS of the children by wait4's rusage.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n, last = 0;
	double *ms;
	long rss = 0;
	if (argc < 3 || (n = atoi(argv[1])) < 1 || n > 100000) {
		fprintf(stderr, "usage: timeit N CMD [ARGS...]\n");
		return 2;
	}
	if ((ms = calloc((size_t)n, sizeof(double))) == NULL)
		return 2;
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		struct rusage ru;
		int st;
		pid_t pid;
		clock_gettime(CLOCK_MONOTONIC, &a);
		pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);
			dup2(fd, 1);
			dup2(fd, 2);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (wait4(pid, &st, 0, &ru) < 0)
			return 2;
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms[i] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
		if (ru.ru_maxrss > rss)
			rss = ru.ru_maxrss;
		last = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	}
	qsort(ms, (size_t)n, sizeof(double), cmp);
	printf("%.2f %.2f %ld %d\n", ms[n / 2], ms[0], rss, last);
	free(ms);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * cap_bench - strata_cap microbenchmarks; prints one flat JSON object
 *
 *   handle_dup_close_ns  duplicate a handle and close the copy
 *   fd_dup_close_ns      dup(2) an fd and close(2) the copy (the baseline)
 *   event_create_close_ns create an event and close its handle
 *
 * Each figure is the median of 15 rounds of 20000 iterations, in ns per
 * iteration.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

enum { ROUNDS = 15, ITERS = 20000 };

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, ROUNDS, sizeof(*v), cmp_double);
	return v[ROUNDS / 2];
}

static void die(const char *what, int err)
{
	fprintf(stderr, "cap_bench: %s: %s\n", what, strerror(err));
	exit(1);
}

int main(void)
{
	double dup_close[ROUNDS], fd_dup[ROUNDS], create[ROUNDS], t;
	__u32 h, d;
	int table, fd, r, i, err;

	table = strata_cap_open(O_CLOEXEC);
	if (table < 0)
		die("open " STRATA_CAP_DEV, -table);
	err = strata_event_create(table, &h);
	if (err)
		die("create an event", -err);

	for (r = 0; r < ROUNDS; r++) {
		t = now_ns();
		for (i = 0; i < ITERS; i++) {
			if (strata_handle_duplicate(table, h,
						    STRATA_RIGHT_SAME_RIGHTS, &d) ||
			    strata_handle_close(table, d))
				die("duplicate/close", errno);
		}
		dup_close[r] = (now_ns() - t) / ITERS;

		t = now_ns();
		for (i = 0; i < ITERS; i++) {
			fd = dup(table);
			if (fd < 0 || close(fd))
				die("dup/close", errno);
		}
		fd_dup[r] = (now_ns() - t) / ITERS;

		t = now_ns();
		for (i = 0; i < ITERS; i++) {
			if (strata_event_create(table, &d) ||
			    strata_handle_close(table, d))
				die("create/close", errno);
		}
		create[r] = (now_ns() - t) / ITERS;
	}
	printf("{\n");
	printf("  \"handle_dup_close_ns\": %.1f,\n", median(dup_close));
	printf("  \"fd_dup_close_ns\": %.1f,\n", median(fd_dup));
	printf("  \"event_create_close_ns\": %.1f\n", median(create));
	printf("}\n");
	close(table);
	return 0;
}

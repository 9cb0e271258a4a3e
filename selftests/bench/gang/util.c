// SPDX-License-Identifier: GPL-2.0
/*
 * gang_bench - the helpers every part uses: messages, sleeping, CPU
 * work, percentiles, files and module parameters, random numbers, the
 * GPUs (the clocks are inline, in gang_bench.h)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gang_bench.h"

/* ---- messages, sleeping, CPU work, percentiles --------------------------- */

void vnote(const char *fmt, va_list ap)
{
	fprintf(stderr, "gang_bench: %s%s", running, *running ? ": " : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
	cleanup();
	exit(1);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
}

void die(const char *what, int err)
{
	fail("%s: %s", what, strerror(err));
}

void sleep_us(long us)
{
	struct timespec ts = {
		.tv_sec = us / 1000000,
		.tv_nsec = us % 1000000 * 1000,
	};

	while (us > 0 && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void check_signal(void)
{
	if (got_signal)
		fail("stopped by signal %d", got_signal);
}

/*
 * Burn @us of this thread's CPU time.  The clock is read about every
 * 20 us (a system call; costly under TCG): the loop between two reads
 * adapts to the speed of the CPU.
 */
void spin_cpu_us(long us)
{
	static __thread unsigned long chunk = 256;
	__u64 t = thread_cpu_ns(), end = t + us * 1000ULL, now;
	volatile unsigned long sink = 0;
	unsigned long i;

	while (t < end) {
		for (i = 0; i < chunk; i++)
			sink += i;
		now = thread_cpu_ns();
		if (now - t < 10000 && chunk < (1UL << 24))
			chunk *= 2;
		else if (now - t > 40000 && chunk > 16)
			chunk /= 2;
		t = now;
	}
}

static int percentile_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least @p of them at or below. */
double percentile(double *v, int n, double p)
{
	int k;

	if (n <= 0)
		return 0;
	qsort(v, n, sizeof(*v), percentile_cmp);
	k = (int)(p * n + 0.999999) - 1;
	return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

/* ---- files and module parameters ----------------------------------------- */

void set_param(const char *name, unsigned long val)
{
	char path[128], buf[32];
	int err;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	snprintf(buf, sizeof(buf), "%lu", val);
	err = strata_write_str(path, buf);
	if (err)
		fail("write %s to %s: %s", buf, path, strerror(-err));
}

unsigned long get_param(const char *name)
{
	char path[128], buf[32];
	int err;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	err = strata_read_str(path, buf, sizeof(buf));
	if (err)
		fail("read %s: %s", path, strerror(-err));
	return strtoul(buf, NULL, 0);
}

void set_policy(int policy)
{
	set_param("sched_policy", policy);
	policy_changed = true;
}

/* ---- random numbers, without libm ---------------------------------------- */

__u64 rng_state;

__u64 rng_next(void)
{
	__u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
double rng_uniform(void)
{
	return ((rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

#define LN2	0.69314718055994530942

/*
 * exp() and log() by series after range reduction, accurate to ~1e-15,
 * not libm's: the trace must be the same whatever libm a machine has.
 */
double exp_series(double x)
{
	double term = 1, sum = 1;
	int k = 0, i;

	while (x > LN2 / 2) {
		x -= LN2;
		k++;
	}
	while (x < -LN2 / 2) {
		x += LN2;
		k--;
	}
	for (i = 1; i < 20; i++) {
		term *= x / i;
		sum += term;
	}
	for (; k > 0; k--)
		sum *= 2;
	for (; k < 0; k++)
		sum /= 2;
	return sum;
}

double log_series(double x)
{
	double s, s2, term, sum = 0;
	int k = 0, i;

	while (x >= 2) {
		x /= 2;
		k++;
	}
	while (x < 1) {
		x *= 2;
		k--;
	}
	/* log(x) = 2 atanh(s), s = (x - 1) / (x + 1) in [0, 1/3) */
	s = (x - 1) / (x + 1);
	s2 = s * s;
	term = s;
	for (i = 1; i < 40; i += 2) {
		sum += term / i;
		term *= s2;
	}
	return k * LN2 + 2 * sum;
}

/* Standard normal, the Irwin-Hall way (12 uniforms). */
double rng_normal(void)
{
	double sum = 0;
	int i;

	for (i = 0; i < 12; i++)
		sum += rng_uniform();
	return sum - 6;
}

/* ---- GPUs ---------------------------------------------------------------- */

/* The 8 GPUs' kernel time since load, s; their switch time in @sw. */
double gpu_busy_s(double *sw)
{
	struct strata_fakegpu_stat st;
	double sum = 0;
	int i, err;

	*sw = 0;
	for (i = 0; i < NR_GPUS; i++) {
		err = strata_fakegpu_stat(stat_fds[i], &st);
		if (err)
			fail("STAT of gpu%d: %s", i, strerror(-err));
		sum += st.busy_ns / 1e9;
		*sw += st.switch_ns / 1e9;
	}
	return sum;
}

/* Wait until no gang of an earlier run is left. */
void settle(void)
{
	struct strata_gang_status st;
	__u64 end = now_ns() + SETTLE_TIMEOUT_S * 1000000000ULL;
	int err;

	for (;;) {
		err = strata_gang_status(gang_fd, &st);
		if (err)
			fail("STATUS: %s", strerror(-err));
		if (!st.gangs && st.free_gpus == st.nr_gpus &&
		    st.free_cpus == st.nr_cpus)
			return;
		if (now_ns() > end)
			fail("%u gangs still live %d s after the last run ended",
			     st.gangs, SETTLE_TIMEOUT_S);
		sleep_us(10000);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * gang_bench - the co-scheduled gangs of parts 2 (skew.c) and 3
 * (barrier.c): two gangs of threads, in strata_gang or not, their steps
 * and barriers, and a run of them
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gang_bench.h"

/* ---- co-scheduled gangs: skew and barriers ------------------------------- */

struct co_state co;
struct bgang *co_live;		/* the gangs of a co_run, for cleanup */

static __printf(1, 2) void co_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
	ADD(co.errors, 1);
	STORE(co.abort, 1);
}

static long futex(int *uaddr, int op, int val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

/* The barrier; false when the run ends (time is up or it is aborted). */
static bool barrier_wait(struct bgang *g)
{
	static const struct timespec tick = { .tv_nsec = 100000000L };
	int gen = LOAD(g->gen);
	unsigned long spins = 0;

	if (ADD(g->count, 1) == g->members) {
		__u64 t = now_ns();

		g->steps++;
		g->last_ns = t;
		STORE(g->count, 0);
		if (t >= co.end_ns)
			STORE(g->quit, 1);
		STORE(g->gen, gen + 1);
		if (!g->spin)
			futex(&g->gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
		return !LOAD(g->quit);
	}
	while (LOAD(g->gen) == gen) {
		if (LOAD(co.abort))
			return false;
		if (g->spin) {
			cpu_relax();
			if (++spins % 4096)
				continue;
		} else {
			futex(&g->gen, FUTEX_WAIT_PRIVATE, gen, &tick);
		}
		if (now_ns() > co.bail_ns) {
			/*
			 * A livelock of the scheduler under test: an error,
			 * so that no figure comes of the steps before it.
			 */
			if (!__atomic_exchange_n(&co.abort, 1,
						 __ATOMIC_ACQ_REL)) {
				note("a barrier still waits %d s after the start: giving up",
				     BAR_BAIL_S);
				ADD(co.errors, 1);
			}
			return false;
		}
	}
	return !LOAD(g->quit);
}

/* Wait for the start; false if the run was aborted or never started. */
static bool co_wait_go(void)
{
	__u64 end = now_ns() + 30 * 1000000000ULL;

	while (!LOAD(co.go)) {
		if (LOAD(co.abort) || now_ns() > end)
			return false;
		sleep_us(1000);
	}
	return true;
}

static void *co_member(void *arg)
{
	struct bgang *g = arg;
	struct strata_gang_step st;
	__u32 index;
	int err;

	/* Barrier threads stay on the barrier CPUs, in either mode. */
	if (!co.skew && sched_setaffinity(0, sizeof(bar_cpus), &bar_cpus)) {
		co_error("gang %d: sched_setaffinity to %s: %s", g->id,
			 opt_barrier_cpus, strerror(errno));
		return NULL;
	}
	if (g->in_module) {
		err = strata_gang_join(gang_fd, table_fd, g->handle, &index);
		if (err) {
			co_error("gang %d: JOIN: %s", g->id, strerror(-err));
			return NULL;
		}
	}
	ADD(co.ready, 1);
	if (!co_wait_go())
		goto leave;
	for (;;) {
		if (g->in_module) {
			err = strata_gang_step(gang_fd, table_fd, g->handle, 0,
					       &st);
			if (err == -EINTR && !LOAD(co.abort))
				continue;
			if (err) {
				if (!LOAD(co.abort))
					co_error("gang %d: STEP: %s", g->id,
						 strerror(-err));
				break;
			}
		}
		if (LOAD(co.abort))
			break;
		if (co.skew) {
			spin_cpu_us(SKEW_STEP_US);
			if (now_ns() >= co.end_ns)
				break;
		} else {
			spin_cpu_us(BAR_WORK_US);
			if (!barrier_wait(g))
				break;
		}
	}
leave:
	if (g->in_module) {
		err = strata_gang_leave(gang_fd, table_fd, g->handle);
		if (err && !LOAD(co.abort))
			co_error("gang %d: LEAVE: %s", g->id, strerror(-err));
	}
	return NULL;
}

void co_create(struct bgang *g, unsigned int slice_ms)
{
	struct strata_gang_create c = {
		.nr_members = g->members,
		.gpus_per_member = 1,
		.slice_ms = slice_ms,
		.on_member_exit = STRATA_GANG_EXIT_ABORT,
		.flags = STRATA_GANG_COSCHED,
	};
	struct strata_gang_info info;
	int err;

	snprintf(c.name, sizeof(c.name), "co%d", g->id);
	err = strata_gang_create(gang_fd, table_fd, &c, &g->handle);
	if (err)
		fail("CREATE of a COSCHED gang: %s", strerror(-err));
	err = strata_gang_info(gang_fd, table_fd, g->handle, &info);
	if (err)
		fail("INFO: %s", strerror(-err));
	g->koid = info.koid;
}

/*
 * Start both gangs' threads, run until co.end_ns, join them.  @poll, if
 * given, is called every SKEW_POLL_US meanwhile.  Returns false when the
 * threads had to be stopped.
 */
bool co_run(struct bgang *gangs, double secs,
	    void (*poll)(struct bgang *gangs))
{
	__u64 hard;
	struct timespec ts;
	pthread_attr_t attr;
	bool ok = true;
	int i, j, err;

	STORE(co.go, 0);
	STORE(co.ready, 0);
	STORE(co.abort, 0);
	STORE(co.errors, 0);
	co_live = gangs;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_SIZE);
	for (i = 0; i < 2; i++) {
		for (j = 0; j < gangs[i].members; j++) {
			err = pthread_create(&gangs[i].thr[j], &attr,
					     co_member, &gangs[i]);
			if (err) {
				co_error("pthread_create: %s", strerror(err));
				break;
			}
			gangs[i].nr_thr++;
		}
	}
	pthread_attr_destroy(&attr);
	/* Every member joins (and a first gang is admitted) before the start. */
	hard = now_ns() + 30 * 1000000000ULL;
	while (LOAD(co.ready) < gangs[0].nr_thr + gangs[1].nr_thr &&
	       !LOAD(co.abort)) {
		if (now_ns() > hard) {
			co_error("the members did not all join within 30 s");
			break;
		}
		check_signal();
		sleep_us(5000);
	}
	sleep_us(50000);
	co.start_ns = now_ns();
	co.end_ns = co.start_ns + (__u64)(secs * 1e9);
	co.bail_ns = co.start_ns + BAR_BAIL_S * 1000000000ULL;
	STORE(co.go, 1);
	hard = co.start_ns + (__u64)((secs + BAR_BAIL_S + 10) * 1e9);
	for (i = 0; i < 2; i++) {
		for (j = 0; j < gangs[i].nr_thr; j++) {
			for (;;) {
				if (poll)
					poll(gangs);
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_nsec += poll ? SKEW_POLL_US * 1000L :
					      100000000L;
				ts.tv_sec += ts.tv_nsec / 1000000000L;
				ts.tv_nsec %= 1000000000L;
				err = pthread_timedjoin_np(gangs[i].thr[j],
							   NULL, &ts);
				if (err != ETIMEDOUT)
					break;
				if (got_signal) {
					STORE(co.abort, 1);
					check_signal();
				}
				if (ok && now_ns() > hard) {
					co_error("threads still running %.0f s after the end: killing the gangs",
						 (now_ns() - co.end_ns) / 1e9);
					for (int a = 0; a < 2; a++) {
						if (gangs[a].in_module)
							strata_gang_kill(gang_fd, table_fd,
									 gangs[a].handle);
						for (int b = 0; b < gangs[a].nr_thr; b++)
							pthread_kill(gangs[a].thr[b],
								     SIGUSR1);
					}
					ok = false;
					hard = now_ns() + 10 * 1000000000ULL;
				} else if (!ok && now_ns() > hard) {
					fail("threads blocked for good");
				}
			}
		}
	}
	/* Every thread is gone: nothing for cleanup() to kill. */
	co_live = NULL;
	for (i = 0; i < 2; i++) {
		struct strata_gang_info info;

		if (!gangs[i].in_module)
			continue;
		if (!strata_gang_info(gang_fd, table_fd, gangs[i].handle,
				      &info))
			note("gang %d: %llu slices, %llu preemptions, ran %.2f s, queued %.2f s, max skew %.0f us",
			     i, (unsigned long long)info.slices,
			     (unsigned long long)info.preemptions,
			     info.run_ns / 1e9, info.wait_ns / 1e9,
			     info.max_skew_ns / 1e3);
		strata_handle_close(table_fd, gangs[i].handle);
	}
	if (LOAD(co.errors)) {
		note("ERROR: strata_gang misbehaved in this run");
		failed = true;
		ok = false;
	}
	return ok;
}

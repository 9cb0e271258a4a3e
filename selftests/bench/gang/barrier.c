// SPDX-License-Identifier: GPL-2.0
/*
 * gang_bench - part 3, barrier steps: two gangs of threads doing CPU work
 * between barriers (spin or sleep) on the barrier CPUs, under CFS and as
 * COSCHED gangs on a co-scheduling pool of those CPUs
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gang_bench.h"

/* ---- part 3: barrier steps ----------------------------------------------- */

struct bar_result bars[2][2];
/* What cleanup() must undo. */
static bool pool_changed;

/*
 * The module's co-scheduling pool becomes the barrier CPUs, so that a
 * gang of bar_threads members needs them all; false if it cannot.
 */
bool pool_set(void)
{
	struct strata_gang_status st;
	int err;

	settle();
	if (!orig_pool[0]) {
		note("ERROR: no %scpus to read", PARAMS);
		return false;
	}
	err = strata_write_str(PARAMS "cpus", opt_barrier_cpus);
	if (err) {
		note("ERROR: write %s to %scpus: %s", opt_barrier_cpus, PARAMS,
		     strerror(-err));
		return false;
	}
	pool_changed = true;
	err = strata_gang_status(gang_fd, &st);
	if (err)
		fail("STATUS: %s", strerror(-err));
	if (st.nr_cpus != (__u32)bar_nr_cpus) {
		note("ERROR: the pool has %u CPUs after writing %s, not %d",
		     st.nr_cpus, opt_barrier_cpus, bar_nr_cpus);
		return false;
	}
	note("co-scheduling pool %s (was %s)", opt_barrier_cpus, orig_pool);
	return true;
}

/*
 * The pool as it was.  Refused (EBUSY) while a running gang holds pool
 * CPUs: on an early exit those are the gangs of a co_run, killed here.
 */
void pool_restore(void)
{
	__u64 end = now_ns() + SETTLE_TIMEOUT_S * 1000000000ULL;
	int err, i;

	if (!pool_changed)
		return;
	for (;;) {
		err = strata_write_str(PARAMS "cpus", orig_pool);
		if (err != -EBUSY || now_ns() > end)
			break;
		for (i = 0; co_live && i < 2; i++)
			if (co_live[i].in_module)
				strata_gang_kill(gang_fd, table_fd,
						 co_live[i].handle);
		sleep_us(10000);
	}
	if (err)
		note("restore cpus %s: %s", orig_pool, strerror(-err));
	pool_changed = false;
}

void run_barrier(int kind, int sched)
{
	struct bgang gangs[2] = { { .id = 0 }, { .id = 1 } };
	double ideal = BAR_WORK_US / 1e6, sum = 0;
	char label[32];
	int i;

	/* 2N threads on the CPUs, each doing W per step. */
	if (2 * bar_threads > bar_nr_cpus)
		ideal *= 2.0 * bar_threads / bar_nr_cpus;

	snprintf(label, sizeof(label), "%s/%s", kind == SPIN ? "spin" : "sleep",
		 sched == CFS ? "cfs" : "strata");
	running = label;
	if (sched == GANGS) {
		settle();
		set_policy(STRATA_GANG_POLICY_LAS);
	}
	for (i = 0; i < 2; i++) {
		gangs[i].members = bar_threads;
		gangs[i].spin = kind == SPIN;
		gangs[i].in_module = sched == GANGS;
		if (sched == GANGS)
			co_create(&gangs[i], 0);
	}
	co.skew = false;
	note("two gangs of %d threads on CPUs %s%s, %.1f s", bar_threads,
	     opt_barrier_cpus, sched == GANGS ? ", co-scheduled" : "",
	     opt_barrier_s);
	if (!co_run(gangs, opt_barrier_s, NULL)) {
		running = "";
		return;
	}
	for (i = 0; i < 2; i++) {
		double elapsed = (gangs[i].last_ns - co.start_ns) / 1e9;

		if (!gangs[i].steps) {
			note("gang %d completed no step", i);
			sum += 1e3;	/* a figure that says it all */
			continue;
		}
		sum += elapsed / gangs[i].steps / ideal;
		note("gang %d: %ld steps in %.2f s, %.2f ms each (ideal %.1f ms)",
		     i, gangs[i].steps, elapsed,
		     elapsed / gangs[i].steps * 1e3, ideal * 1e3);
	}
	bars[kind][sched].ratio = sum / 2;
	bars[kind][sched].done = true;
	running = "";
}

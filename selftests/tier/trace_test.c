// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier selftests - tracepoints
 *
 * A registered workload whose hot set comes up must leave, in a tracefs
 * instance of the test's own, a strata_tier_scan event per round with the
 * registration's id and a strata_tier_migrate event for the promotion,
 * whose counts agree with STATS, and which tells how many threads moved
 * the pages: the round's worker, and helpers on the CPUs of the
 * workload's threads, as migrate_threads allows.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "common.h"

#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/strata_tier_test"
#define HOT_PAGES	512

FIXTURE(trace) {
	struct tier_work w;
	__u32 id;
	int fd;
};

FIXTURE_SETUP(trace)
{
	struct tier_work_cfg cfg = {
		.len = 2 * HOT_PAGES * TIER_PAGE_SIZE,
		.node = TIER_SLOW_NODE,
		.hot_len = HOT_PAGES * TIER_PAGE_SIZE,
		.seed = 11,
	};
	struct stat st;

	self->id = 0;
	if (stat(TRACEFS "/instances", &st))
		ASSERT_EQ(0, mount("tracefs", TRACEFS, "tracefs", 0, NULL));
	rmdir(INSTANCE);
	ASSERT_EQ(0, mkdir(INSTANCE, 0700));
	ASSERT_EQ(0, strata_write_str(INSTANCE "/events/strata_tier/enable",
				    "1"));
	self->fd = tier_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, tier_fast_scan(20, 40));
	ASSERT_EQ(0, tier_work_start(&self->w, &cfg));
}

FIXTURE_TEARDOWN(trace)
{
	tier_unregister_quiet(self->fd, &self->id);
	tier_work_kill(&self->w);
	tier_settings_restore();
	close(self->fd);
	strata_write_str(INSTANCE "/events/strata_tier/enable", "0");
	rmdir(INSTANCE);
}

/*
 * Lines of the instance's buffer with @event and @needle; the last one's
 * "moved=" count goes to @moved (may be NULL).
 */
static int traced(const char *event, const char *needle,
		  unsigned long long *moved)
{
	char line[512], *m;
	int n = 0;
	FILE *f;

	f = fopen(INSTANCE "/trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, event) || !strstr(line, needle))
			continue;
		n++;
		m = strstr(line, " moved=");
		if (moved && m)
			*moved += strtoull(m + 7, NULL, 10);
	}
	fclose(f);
	return n;
}

/* The fewest and the most threads= of the migrate events; 0 if none. */
static int traced_threads(int *lo, int *hi)
{
	char line[512], *m;
	int n = 0, t;
	FILE *f;

	*lo = INT_MAX;
	*hi = 0;
	f = fopen(INSTANCE "/trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "strata_tier_migrate:"))
			continue;
		m = strstr(line, " threads=");
		t = m ? atoi(m + 9) : 0;
		*lo = t < *lo ? t : *lo;
		*hi = t > *hi ? t : *hi;
		n++;
	}
	fclose(f);
	return n;
}

/* Register the workload and wait for its hot set on the fast node. */
static void promote_hot_set(struct __test_metadata *_metadata,
			    FIXTURE_DATA(trace) *self)
{
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->id));
	ASSERT_TRUE(TIER_WAIT_UNTIL(tier_count_on_node(self->w.pid,
						       tier_work_hot(&self->w),
						       HOT_PAGES * TIER_PAGE_SIZE,
						       TIER_FAST_NODE) ==
				    HOT_PAGES, 60000));
	ASSERT_EQ(0, strata_write_str(INSTANCE "/tracing_on", "0"));
}

TEST_F(trace, rounds_and_promotions_are_traced)
{
	int lo, hi;

	unsigned long long moved = 0;
	struct strata_tier_stats st;
	char id[32];
	int rounds;

	promote_hot_set(_metadata, self);
	ASSERT_EQ(0, strata_tier_stats(self->fd, self->id, &st));

	snprintf(id, sizeof(id), "id=%u ", self->id);
	rounds = traced("strata_tier_scan:", id, NULL);
	EXPECT_LT(0, rounds);
	EXPECT_GE(st.rounds, (__u64)rounds);
	EXPECT_LT(0, traced("strata_tier_migrate:", "promote to node 0",
			    &moved));
	/* The hot set's promotions were traced (STATS was read later). */
	EXPECT_LE((unsigned long long)HOT_PAGES, moved);
	EXPECT_GE(st.promoted, moved);
	EXPECT_EQ(0, traced("strata_tier_migrate:", "demote", NULL));
	/* one workload thread: the round's worker and at most one helper */
	EXPECT_LT(0, traced_threads(&lo, &hi));
	EXPECT_LE(1, lo);
	EXPECT_GE(2, hi);
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F(trace, one_migrate_thread_moves_alone)
{
	int lo, hi;

	ASSERT_EQ(0, tier_param_push("migrate_threads", "1"));
	promote_hot_set(_metadata, self);
	EXPECT_LT(0, traced_threads(&lo, &hi));
	EXPECT_EQ(1, lo);
	EXPECT_EQ(1, hi);
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_HARNESS_MAIN

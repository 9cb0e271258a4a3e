// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier selftests - placement: hot pages of a registered process move
 * to the fast node, cold ones stay on (or go to) the slow node, and data
 * survives every move
 */
#include "kselftest_harness.h"
#include "common.h"

/* Generous: rounds under TCG are slow, and the VM has two vCPUs. */
#define PLACE_TIMEOUT_MS	60000

FIXTURE(place) {
	int fd;
	__u32 id;
	struct tier_work w;
};

FIXTURE_SETUP(place)
{
	self->fd = tier_open();
	ASSERT_LE(0, self->fd);
	ASSERT_TRUE(tier_info_flags(self->fd) & STRATA_TIER_INFO_ACTIVE);
	ASSERT_EQ(0, tier_fast_scan(50, 200));
}

FIXTURE_TEARDOWN(place)
{
	tier_unregister_quiet(self->fd, &self->id);
	tier_work_kill(&self->w);
	tier_settings_restore();
	close(self->fd);
}

/* Pages of the child's [off, off + len) of its main region on @node. */
static long on_node(const struct tier_work *w, size_t off, size_t len,
		    int node)
{
	return tier_count_on_node(w->pid, (char *)tier_work_addr(w) + off, len,
				  node);
}

static struct strata_tier_stats stats(int fd, __u32 id)
{
	struct strata_tier_stats st;

	if (strata_tier_stats(fd, id, &st))
		memset(&st, 0xff, sizeof(st));
	return st;
}

/* Wait until the registration did @n more rounds. */
static bool wait_rounds(int fd, __u32 id, __u64 n, long ms)
{
	__u64 start = stats(fd, id).rounds;

	return TIER_WAIT_UNTIL(stats(fd, id).rounds >= start + n &&
			       stats(fd, id).rounds != ~0ULL, ms);
}

TEST_F_TIMEOUT(place, hot_set_moves_to_the_fast_node_and_cold_pages_stay, 180)
{
	const size_t len = 32 * TIER_MIB, hot_off = 8 * TIER_MIB;
	const size_t hot_len = 8 * TIER_MIB;
	const long hot_pages = hot_len / TIER_PAGE_SIZE;
	const long cold_pages = (len - hot_len) / TIER_PAGE_SIZE;
	struct tier_work_cfg cfg = {
		.len = len,
		.node = TIER_SLOW_NODE,
		.hot_off = hot_off,
		.hot_len = hot_len,
		.seed = 1,
	};
	struct strata_tier_stats st;
	long hot_fast, cold_slow;

	ASSERT_EQ(0, tier_work_start(&self->w, &cfg));
	ASSERT_EQ(len / TIER_PAGE_SIZE,
		  on_node(&self->w, 0, len, TIER_SLOW_NODE));
	ASSERT_TRUE(tier_work_passes(&self->w, 2, 10000));

	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->id));
	EXPECT_TRUE(TIER_WAIT_UNTIL(on_node(&self->w, hot_off, hot_len,
					    TIER_FAST_NODE) >=
				    hot_pages * 9 / 10, PLACE_TIMEOUT_MS));
	hot_fast = on_node(&self->w, hot_off, hot_len, TIER_FAST_NODE);
	cold_slow = on_node(&self->w, 0, hot_off, TIER_SLOW_NODE) +
		    on_node(&self->w, hot_off + hot_len,
			    len - hot_off - hot_len, TIER_SLOW_NODE);
	TH_LOG("hot pages on node 0: %ld of %ld; untouched on node 1: %ld of %ld",
	       hot_fast, hot_pages, cold_slow, cold_pages);
	EXPECT_LE(hot_pages * 9 / 10, hot_fast);
	EXPECT_LE(cold_pages * 9 / 10, cold_slow);

	st = stats(self->fd, self->id);
	EXPECT_LT(0, st.rounds);
	EXPECT_LT(0, st.scanned);
	EXPECT_LT(0, st.young);
	EXPECT_LT(0, st.hot_pages);
	EXPECT_LT(0, st.fast_pages);
	/* every hot page on node 0 got there by a promotion */
	EXPECT_LE(hot_fast, st.promoted);
	EXPECT_EQ(0, st.skip_pinned);
	EXPECT_EQ(0, st.skip_ksm);

	/* the child checks every page against what it wrote */
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

/*
 * With as many movers as the module allows and a workload of two threads,
 * the regions of a large hot set are shared out: every hot page goes up
 * exactly once, none is lost or moved twice, and the data survives.
 */
TEST_F_TIMEOUT(place, many_movers_move_every_hot_page_once, 180)
{
	const size_t len = 32 * TIER_MIB, hot_len = 24 * TIER_MIB;
	const long hot_pages = hot_len / TIER_PAGE_SIZE;
	struct tier_work_cfg cfg = {
		.len = len,
		.node = TIER_SLOW_NODE,
		.hot_len = hot_len,
		.seed = 8,
		.thread = true,
	};
	struct strata_tier_stats st;
	long fast;

	ASSERT_EQ(0, tier_param_push("migrate_threads", "16"));
	ASSERT_EQ(0, tier_work_start(&self->w, &cfg));
	ASSERT_TRUE(tier_work_passes(&self->w, 2, 10000));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->id));
	EXPECT_TRUE(TIER_WAIT_UNTIL(on_node(&self->w, 0, hot_len,
					    TIER_FAST_NODE) == hot_pages,
				    PLACE_TIMEOUT_MS));
	/* a round may still be moving: wait until two more are done */
	EXPECT_TRUE(wait_rounds(self->fd, self->id, 2, PLACE_TIMEOUT_MS));
	st = stats(self->fd, self->id);
	fast = on_node(&self->w, 0, len, TIER_FAST_NODE);
	TH_LOG("%ld of %ld pages on node 0; promoted %llu, failed %llu",
	       fast, len / TIER_PAGE_SIZE, (unsigned long long)st.promoted,
	       (unsigned long long)st.failed);
	EXPECT_EQ(hot_pages, on_node(&self->w, 0, hot_len, TIER_FAST_NODE));
	/* every page started on node 1, and nothing went down */
	EXPECT_EQ(0, st.demoted);
	EXPECT_EQ(fast, st.promoted);
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F_TIMEOUT(place, full_fast_node_trades_cold_pages_for_hot_ones, 180)
{
	const size_t len = 16 * TIER_MIB, hot_len = 8 * TIER_MIB;
	const long hot_pages = hot_len / TIER_PAGE_SIZE;
	struct tier_work_cfg cfg = {
		.len = len,
		.node = TIER_SLOW_NODE,
		.hot_off = 0,
		.hot_len = hot_len,
		.cold_node = TIER_FAST_NODE,
		.seed = 2,
	};
	struct strata_tier_node n0;
	struct strata_tier_stats st;
	unsigned long long reserve, fill;
	long pct, hot_fast, cold_fast, cold_demoted;

	/*
	 * Leave the fast node no room: raise fast_reserve_pct (up to 50) so
	 * that it leaves at least 64 MiB of the free memory usable, then let
	 * the child fill that, and 16 MiB more, with data it never reads.
	 * Promoting the hot set then needs cold pages of the child demoted.
	 */
	ASSERT_EQ(0, tier_get_node(self->fd, TIER_FAST_NODE, &n0));
	pct = (long)((n0.free_bytes - 64 * TIER_MIB) * 100 / n0.total_bytes);
	if (n0.free_bytes < 128 * TIER_MIB || pct < 1)
		SKIP(return, "node 0 has only %llu MiB free",
		     (unsigned long long)n0.free_bytes / TIER_MIB);
	if (pct > 50)
		pct = 50;
	ASSERT_EQ(0, tier_param_push_long("fast_reserve_pct", pct));
	ASSERT_EQ(0, tier_get_node(self->fd, TIER_FAST_NODE, &n0));
	reserve = n0.total_bytes / 100 * pct;
	fill = n0.free_bytes - reserve + 16 * TIER_MIB;
	cfg.cold_len = fill & ~(TIER_PAGE_SIZE - 1);
	TH_LOG("node 0: %llu MiB, %llu MiB free, reserve %ld%%: cold fill %llu MiB",
	       (unsigned long long)n0.total_bytes / TIER_MIB,
	       (unsigned long long)n0.free_bytes / TIER_MIB, pct,
	       fill / TIER_MIB);

	ASSERT_EQ(0, tier_work_start(&self->w, &cfg));
	ASSERT_EQ(len / TIER_PAGE_SIZE,
		  on_node(&self->w, 0, len, TIER_SLOW_NODE));
	ASSERT_TRUE(tier_work_passes(&self->w, 2, 10000));

	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->id));
	EXPECT_TRUE(TIER_WAIT_UNTIL(on_node(&self->w, 0, hot_len,
					    TIER_FAST_NODE) >=
				    hot_pages * 9 / 10, PLACE_TIMEOUT_MS));
	hot_fast = on_node(&self->w, 0, hot_len, TIER_FAST_NODE);
	cold_fast = tier_count_on_node(self->w.pid,
				       (void *)self->w.sh->cold_addr,
				       cfg.cold_len, TIER_FAST_NODE);
	cold_demoted = tier_count_on_node(self->w.pid,
					  (void *)self->w.sh->cold_addr,
					  cfg.cold_len, TIER_SLOW_NODE);
	st = stats(self->fd, self->id);
	TH_LOG("hot on node 0: %ld of %ld; cold fill on node 0: %ld, on node 1: %ld; promoted %llu demoted %llu failed %llu",
	       hot_fast, hot_pages, cold_fast, cold_demoted,
	       (unsigned long long)st.promoted,
	       (unsigned long long)st.demoted,
	       (unsigned long long)st.failed);
	EXPECT_LE(hot_pages * 9 / 10, hot_fast);
	EXPECT_LT(0, st.demoted);
	EXPECT_LT(0, cold_demoted);
	EXPECT_LE(cold_demoted, st.demoted);
	EXPECT_LE(hot_fast, st.promoted);
	/* the hot set's untouched half was not promoted on the way */
	EXPECT_LE((len - hot_len) / TIER_PAGE_SIZE * 9 / 10,
		  on_node(&self->w, hot_len, len - hot_len, TIER_SLOW_NODE));

	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F_TIMEOUT(place, promoted_pages_are_not_demoted_while_there_is_room, 180)
{
	const size_t len = 16 * TIER_MIB, hot_len = 4 * TIER_MIB;
	const long hot_pages = hot_len / TIER_PAGE_SIZE;
	struct tier_work_cfg cfg = {
		.len = len,
		.node = TIER_SLOW_NODE,
		.hot_off = 0,
		.hot_len = hot_len,
		.seed = 3,
	};
	struct strata_tier_stats st0, st1, st2;
	long fast0, fast1;

	ASSERT_EQ(0, tier_work_start(&self->w, &cfg));
	ASSERT_TRUE(tier_work_passes(&self->w, 2, 10000));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->id));
	ASSERT_TRUE(TIER_WAIT_UNTIL(on_node(&self->w, 0, hot_len,
					    TIER_FAST_NODE) >=
				    hot_pages * 9 / 10, PLACE_TIMEOUT_MS));

	/*
	 * Still hot, with ample room on node 0: the next rounds demote
	 * nothing, and no page is promoted twice: all in all, at most the
	 * hot pages.  (Not "at most those not up yet": a round publishes its
	 * counts when it ends, and this may look in the middle of one.)
	 */
	st0 = stats(self->fd, self->id);
	fast0 = on_node(&self->w, 0, hot_len, TIER_FAST_NODE);
	ASSERT_TRUE(wait_rounds(self->fd, self->id, 8, PLACE_TIMEOUT_MS));
	st1 = stats(self->fd, self->id);
	fast1 = on_node(&self->w, 0, hot_len, TIER_FAST_NODE);
	TH_LOG("hot: promoted %llu -> %llu, demoted %llu -> %llu, hot on node 0 %ld -> %ld",
	       (unsigned long long)st0.promoted,
	       (unsigned long long)st1.promoted,
	       (unsigned long long)st0.demoted,
	       (unsigned long long)st1.demoted, fast0, fast1);
	EXPECT_EQ(0, st1.demoted);
	EXPECT_LE(st1.promoted, hot_pages);
	EXPECT_LE(fast0, fast1);

	/*
	 * Gone cold: cold pages on the fast node only make room when
	 * something needs it, and nothing does.
	 */
	self->w.sh->idle = 1;
	ASSERT_TRUE(wait_rounds(self->fd, self->id,
				tier_param_get("cold_rounds") + 4,
				PLACE_TIMEOUT_MS));
	st2 = stats(self->fd, self->id);
	TH_LOG("idle: demoted %llu, hot pages %llu",
	       (unsigned long long)st2.demoted,
	       (unsigned long long)st2.hot_pages);
	EXPECT_EQ(0, st2.demoted);
	EXPECT_EQ(st1.promoted, st2.promoted);
	EXPECT_LE(fast1, on_node(&self->w, 0, hot_len, TIER_FAST_NODE));

	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F_TIMEOUT(place, scan_interval_backs_off_when_quiet_and_drops_with_work,
	       180)
{
	const long min_ms = 50, max_ms = 400;
	struct tier_work_cfg cfg = {
		.len = 8 * TIER_MIB,
		.node = TIER_SLOW_NODE,
		.hot_len = 4 * TIER_MIB,
		.seed = 6,
	};
	struct strata_tier_stats st;
	long long deadline;
	long lo = LONG_MAX, hi = 0;

	ASSERT_EQ(0, tier_param_push_long("scan_max_ms", max_ms));
	ASSERT_EQ(0, tier_param_push_long("scan_min_ms", min_ms));
	ASSERT_EQ(0, tier_work_start(&self->w, &cfg));
	self->w.sh->idle = 1;
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->id));
	/* nothing to do: quiet rounds double the interval up to the max */
	EXPECT_TRUE(TIER_WAIT_UNTIL(stats(self->fd, self->id).interval_ms ==
				    max_ms, PLACE_TIMEOUT_MS));
	EXPECT_EQ(0, stats(self->fd, self->id).promoted);

	/* work: the interval drops to the minimum while pages move */
	self->w.sh->idle = 0;
	deadline = strata_now_ms() + PLACE_TIMEOUT_MS;
	do {
		st = stats(self->fd, self->id);
		if (st.interval_ms < lo)
			lo = st.interval_ms;
		if (st.interval_ms > hi)
			hi = st.interval_ms;
		if (lo == min_ms && st.promoted >= 1024)
			break;
		usleep(2000);
	} while (strata_now_ms() < deadline);
	TH_LOG("interval %ld..%ld ms, promoted %llu", lo, hi,
	       (unsigned long long)st.promoted);
	EXPECT_LE(1024, st.promoted);
	EXPECT_LE(min_ms, lo);
	EXPECT_GE(2 * min_ms, lo);
	EXPECT_GE(max_ms, hi);
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

/*
 * The first round only clears the accessed bits of the fill; the second
 * comes scan_first_ms later, whatever scan_min_ms says, and then the
 * usual intervals take over.
 */
TEST_F_TIMEOUT(place, second_round_comes_after_scan_first_ms, 120)
{
	struct tier_work_cfg cfg = {
		.len = 4 * TIER_MIB,
		.node = TIER_SLOW_NODE,
		.hot_len = 2 * TIER_MIB,
		.seed = 7,
	};
	struct strata_tier_stats st;

	ASSERT_EQ(0, tier_param_push_long("scan_first_ms", 3000));
	ASSERT_EQ(0, tier_work_start(&self->w, &cfg));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->id));
	ASSERT_TRUE(TIER_WAIT_UNTIL(stats(self->fd, self->id).rounds >= 1,
				    PLACE_TIMEOUT_MS));
	/* STATS shows the round's number before its next interval */
	usleep(200 * 1000);
	st = stats(self->fd, self->id);
	EXPECT_EQ(1, st.rounds);
	EXPECT_EQ(3000, st.interval_ms);
	/* scan_min_ms is 50 here: a second round would have come by now */
	usleep(1000 * 1000);
	EXPECT_EQ(1, stats(self->fd, self->id).rounds);
	EXPECT_EQ(0, stats(self->fd, self->id).promoted);

	/*
	 * The second round finds the hot part; then the usual intervals
	 * (50 to 200 ms here) take over: two more rounds well before
	 * another 3 s.
	 */
	EXPECT_TRUE(TIER_WAIT_UNTIL(stats(self->fd, self->id).rounds >= 2,
				    PLACE_TIMEOUT_MS));
	EXPECT_TRUE(TIER_WAIT_UNTIL(stats(self->fd, self->id).promoted > 0,
				    PLACE_TIMEOUT_MS));
	EXPECT_TRUE(TIER_WAIT_UNTIL(stats(self->fd, self->id).rounds >= 4,
				    2500));
	EXPECT_GE(200, stats(self->fd, self->id).interval_ms);
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F_TIMEOUT(place, huge_pages_are_split_to_move_their_hot_part, 180)
{
	/* the hot part starts and ends in the middle of huge pages */
	const size_t len = 16 * TIER_MIB, hot_off = TIER_MIB;
	const size_t hot_len = 4 * TIER_MIB;
	const long hot_pages = hot_len / TIER_PAGE_SIZE;
	struct tier_work_cfg cfg = {
		.len = len,
		.node = TIER_SLOW_NODE,
		.hot_off = hot_off,
		.hot_len = hot_len,
		.seed = 4,
		.thp = true,
	};
	struct strata_tier_stats st;

	ASSERT_EQ(0, tier_param_push("thp_split", "Y"));
	ASSERT_EQ(0, tier_work_start(&self->w, &cfg));
	if (tier_smaps_kb(self->w.pid, "AnonHugePages") <= 0)
		SKIP(return, "the child got no huge pages");
	ASSERT_TRUE(tier_work_passes(&self->w, 2, 10000));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->id));
	EXPECT_TRUE(TIER_WAIT_UNTIL(on_node(&self->w, hot_off, hot_len,
					    TIER_FAST_NODE) >=
				    hot_pages * 9 / 10, PLACE_TIMEOUT_MS));
	st = stats(self->fd, self->id);
	TH_LOG("thp_split %llu skip_thp %llu promoted %llu",
	       (unsigned long long)st.thp_split,
	       (unsigned long long)st.skip_thp,
	       (unsigned long long)st.promoted);
	EXPECT_LE(hot_pages * 9 / 10,
		  on_node(&self->w, hot_off, hot_len, TIER_FAST_NODE));
	/* the untouched first MiB shares a huge page with hot pages */
	EXPECT_LE(TIER_MIB / TIER_PAGE_SIZE * 9 / 10,
		  on_node(&self->w, 0, hot_off, TIER_SLOW_NODE));
	EXPECT_LT(0, st.thp_split);
	EXPECT_EQ(0, st.skip_thp);
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F_TIMEOUT(place, huge_pages_stay_whole_without_thp_split, 180)
{
	const size_t len = 8 * TIER_MIB, hot_len = 4 * TIER_MIB;
	struct tier_work_cfg cfg = {
		.len = len,
		.node = TIER_SLOW_NODE,
		.hot_len = hot_len,
		.seed = 5,
		.thp = true,
	};
	struct strata_tier_stats st;
	char thp[64];

	if (strata_read_str("/sys/kernel/mm/transparent_hugepage/enabled", thp,
			  sizeof(thp)) || strstr(thp, "[never]"))
		SKIP(return, "transparent huge pages are off");
	ASSERT_EQ(0, tier_param_push("thp_split", "N"));
	ASSERT_EQ(0, tier_work_start(&self->w, &cfg));
	if (tier_smaps_kb(self->w.pid, "AnonHugePages") <= 0)
		SKIP(return, "the child got no huge pages");
	ASSERT_TRUE(tier_work_passes(&self->w, 2, 10000));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->id));
	ASSERT_TRUE(TIER_WAIT_UNTIL(stats(self->fd, self->id).skip_thp > 0 &&
				    stats(self->fd, self->id).rounds >= 6,
				    PLACE_TIMEOUT_MS));
	st = stats(self->fd, self->id);
	TH_LOG("thp_split %llu skip_thp %llu promoted %llu",
	       (unsigned long long)st.thp_split,
	       (unsigned long long)st.skip_thp,
	       (unsigned long long)st.promoted);
	EXPECT_EQ(0, st.thp_split);
	EXPECT_LT(0, st.skip_thp);
	EXPECT_EQ(len / TIER_PAGE_SIZE,
		  on_node(&self->w, 0, len, TIER_SLOW_NODE));
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_HARNESS_MAIN

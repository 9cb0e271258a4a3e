// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier selftests - the fast-tier quota of a registration: never
 * exceeded by promotions, enforced by demotions when lowered
 */
#include "kselftest_harness.h"
#include "common.h"

#define QUOTA_TIMEOUT_MS	60000

/*
 * Slack over the quota, in pages.  Every page of the registration counts
 * against its quota, not only the test region: the child's stack, heap
 * and libc data are on node 0 from the start, and pages it faults in later
 * (on node 0, its local node) can only be corrected at the next round.
 * The child touches a few dozen such pages at most; 64 pages (256 KiB,
 * 1/16 of the 4 MiB quota) covers that one round's worth of new faults.
 */
#define SLACK_PAGES		64

#define QUOTA			(4 * TIER_MIB)
#define QUOTA_PAGES		((long)(QUOTA / TIER_PAGE_SIZE))
#define REGION_LEN		(24 * TIER_MIB)
#define HOT_LEN			(16 * TIER_MIB)
#define HOT_PAGES		((long)(HOT_LEN / TIER_PAGE_SIZE))
#define REGION_PAGES		((long)(REGION_LEN / TIER_PAGE_SIZE))

FIXTURE(quota) {
	int fd;
	__u32 id;
	struct tier_work w;
};

FIXTURE_SETUP(quota)
{
	struct tier_work_cfg cfg = {
		.len = REGION_LEN,
		.node = TIER_SLOW_NODE,
		.hot_off = 0,
		.hot_len = HOT_LEN,
		.seed = 11,
	};

	self->fd = tier_open();
	ASSERT_LE(0, self->fd);
	ASSERT_TRUE(tier_info_flags(self->fd) & STRATA_TIER_INFO_ACTIVE);
	ASSERT_EQ(0, tier_fast_scan(50, 200));
	ASSERT_EQ(0, tier_work_start(&self->w, &cfg));
	ASSERT_EQ(REGION_PAGES, tier_count_on_node(self->w.pid,
						   tier_work_addr(&self->w),
						   REGION_LEN,
						   TIER_SLOW_NODE));
	ASSERT_TRUE(tier_work_passes(&self->w, 2, 10000));
}

FIXTURE_TEARDOWN(quota)
{
	tier_unregister_quiet(self->fd, &self->id);
	tier_work_kill(&self->w);
	tier_settings_restore();
	close(self->fd);
}

static struct strata_tier_stats stats(int fd, __u32 id)
{
	struct strata_tier_stats st;

	if (strata_tier_stats(fd, id, &st))
		memset(&st, 0xff, sizeof(st));
	return st;
}

/* Pages of the child's region on @node. */
static long region_on(const struct tier_work *w, int node)
{
	return tier_count_on_node(w->pid, tier_work_addr(w), REGION_LEN,
				  node);
}

/*
 * Sample the region's pages on the fast node and the registration's
 * fast_pages every 20 ms until the region has @region_min pages on the
 * fast node and @rounds more rounds passed; raise *@max_region and
 * *@max_stat to the largest values seen.  False on timeout.
 */
static bool watch_fast(int fd, __u32 id, const struct tier_work *w,
		       long region_min, __u64 rounds, long *max_region,
		       long *max_stat)
{
	__u64 until = stats(fd, id).rounds + rounds;
	struct strata_tier_stats st;
	long long deadline = strata_now_ms() + QUOTA_TIMEOUT_MS;
	long n;

	do {
		n = region_on(w, TIER_FAST_NODE);
		if (n > *max_region)
			*max_region = n;
		st = stats(fd, id);
		if ((long)st.fast_pages > *max_stat)
			*max_stat = st.fast_pages;
		if (st.rounds >= until && n >= region_min)
			return true;
		strata_sleep_ms(20);
	} while (strata_now_ms() < deadline);
	return false;
}

/* Register with @quota and wait until the fast part of the quota is used. */
static bool fill_quota(int fd, const struct tier_work *w, __u64 quota,
		       __u32 *id)
{
	long pages = quota / TIER_PAGE_SIZE;

	if (strata_tier_register_pid(fd, w->pid, quota, id))
		return false;
	/* the child's other pages take part of the quota */
	return TIER_WAIT_UNTIL(region_on(w, TIER_FAST_NODE) >= pages / 2 &&
			       (long)stats(fd, *id).fast_pages >=
			       pages - SLACK_PAGES, QUOTA_TIMEOUT_MS);
}

TEST_F_TIMEOUT(quota, promotions_stop_at_the_quota, 180)
{
	long max_region = 0, max_stat = 0;
	struct strata_tier_stats st;

	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid, QUOTA,
					      &self->id));
	/* from the registration on, through promotion and 10 rounds more */
	ASSERT_TRUE(watch_fast(self->fd, self->id, &self->w, QUOTA_PAGES / 2,
			       0, &max_region, &max_stat));
	ASSERT_TRUE(watch_fast(self->fd, self->id, &self->w, 0, 10,
			       &max_region, &max_stat));
	st = stats(self->fd, self->id);
	TH_LOG("quota %ld pages: region max %ld, fast_pages max %ld, now %llu; promoted %llu demoted %llu",
	       QUOTA_PAGES, max_region, max_stat,
	       (unsigned long long)st.fast_pages,
	       (unsigned long long)st.promoted,
	       (unsigned long long)st.demoted);
	EXPECT_GE(QUOTA_PAGES + SLACK_PAGES, max_region);
	EXPECT_GE(QUOTA_PAGES + SLACK_PAGES, max_stat);
	/* and the quota is used: the hot set is four times bigger */
	EXPECT_LE(QUOTA_PAGES - SLACK_PAGES, (long)st.fast_pages);
	EXPECT_EQ(QUOTA, st.fast_quota);
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F_TIMEOUT(quota, lowering_the_quota_demotes_down_to_it, 180)
{
	const long low_pages = TIER_MIB / TIER_PAGE_SIZE;
	struct strata_tier_stats st;
	long max_region = 0, max_stat = 0;

	ASSERT_TRUE(fill_quota(self->fd, &self->w, QUOTA, &self->id));
	ASSERT_EQ(0, strata_tier_set_quota(self->fd, self->id, TIER_MIB));
	EXPECT_EQ(TIER_MIB, stats(self->fd, self->id).fast_quota);
	EXPECT_TRUE(TIER_WAIT_UNTIL((long)stats(self->fd,
						self->id).fast_pages <=
				    low_pages + SLACK_PAGES &&
				    region_on(&self->w, TIER_FAST_NODE) <=
				    low_pages, QUOTA_TIMEOUT_MS));
	/* and it stays down while the hot set keeps asking */
	ASSERT_TRUE(watch_fast(self->fd, self->id, &self->w, 0, 6,
			       &max_region, &max_stat));
	st = stats(self->fd, self->id);
	TH_LOG("quota %ld pages: region max %ld, fast_pages max %ld; demoted %llu",
	       low_pages, max_region, max_stat,
	       (unsigned long long)st.demoted);
	EXPECT_GE(low_pages + SLACK_PAGES, max_region);
	EXPECT_GE(low_pages + SLACK_PAGES, max_stat);
	EXPECT_LE(QUOTA_PAGES - low_pages - SLACK_PAGES, (long)st.demoted);
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F_TIMEOUT(quota, zero_quota_puts_everything_on_the_slow_node, 180)
{
	struct strata_tier_stats st;
	__u64 start;

	ASSERT_TRUE(fill_quota(self->fd, &self->w, QUOTA, &self->id));
	ASSERT_EQ(0, strata_tier_set_quota(self->fd, self->id, 0));
	EXPECT_TRUE(TIER_WAIT_UNTIL(region_on(&self->w, TIER_SLOW_NODE) ==
				    REGION_PAGES &&
				    stats(self->fd, self->id).fast_pages <=
				    SLACK_PAGES, QUOTA_TIMEOUT_MS));
	/* rounds go on, the hot set stays down */
	start = stats(self->fd, self->id).rounds;
	ASSERT_TRUE(TIER_WAIT_UNTIL(stats(self->fd, self->id).rounds >=
				    start + 4, QUOTA_TIMEOUT_MS));
	st = stats(self->fd, self->id);
	TH_LOG("fast_pages %llu promoted %llu demoted %llu",
	       (unsigned long long)st.fast_pages,
	       (unsigned long long)st.promoted,
	       (unsigned long long)st.demoted);
	EXPECT_EQ(REGION_PAGES, region_on(&self->w, TIER_SLOW_NODE));
	EXPECT_GE(SLACK_PAGES, (long)st.fast_pages);
	EXPECT_LE(QUOTA_PAGES - SLACK_PAGES, (long)st.demoted);
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F_TIMEOUT(quota, zero_quota_registration_never_promotes, 180)
{
	struct strata_tier_stats st;
	__u64 start;

	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid, 0,
					      &self->id));
	/* enough rounds for the hot set to be classified hot */
	start = stats(self->fd, self->id).rounds;
	ASSERT_TRUE(TIER_WAIT_UNTIL(stats(self->fd, self->id).rounds >=
				    start + 8 &&
				    stats(self->fd, self->id).hot_pages > 0,
				    QUOTA_TIMEOUT_MS));
	st = stats(self->fd, self->id);
	EXPECT_EQ(0, st.promoted);
	EXPECT_EQ(REGION_PAGES, region_on(&self->w, TIER_SLOW_NODE));
	EXPECT_EQ(0, st.fast_quota);
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F_TIMEOUT(quota, no_quota_lets_the_whole_hot_set_come_up, 180)
{
	struct strata_tier_stats st;
	long hot_fast;

	ASSERT_TRUE(fill_quota(self->fd, &self->w, QUOTA, &self->id));
	ASSERT_EQ(0, strata_tier_set_quota(self->fd, self->id,
					   STRATA_TIER_QUOTA_NONE));
	EXPECT_EQ(STRATA_TIER_QUOTA_NONE,
		  stats(self->fd, self->id).fast_quota);
	EXPECT_TRUE(TIER_WAIT_UNTIL(tier_count_on_node(self->w.pid,
						       tier_work_hot(&self->w),
						       HOT_LEN,
						       TIER_FAST_NODE) >=
				    HOT_PAGES * 9 / 10, QUOTA_TIMEOUT_MS));
	hot_fast = tier_count_on_node(self->w.pid, tier_work_hot(&self->w),
				      HOT_LEN, TIER_FAST_NODE);
	st = stats(self->fd, self->id);
	TH_LOG("hot on node 0: %ld of %ld; promoted %llu",
	       hot_fast, HOT_PAGES, (unsigned long long)st.promoted);
	EXPECT_LE(HOT_PAGES * 9 / 10, hot_fast);
	EXPECT_LT(QUOTA_PAGES + SLACK_PAGES, (long)st.fast_pages);
	/* the untouched rest was not promoted */
	EXPECT_LE((REGION_PAGES - HOT_PAGES) * 9 / 10,
		  tier_count_on_node(self->w.pid,
				     (char *)tier_work_addr(&self->w) + HOT_LEN,
				     REGION_LEN - HOT_LEN, TIER_SLOW_NODE));
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F(quota, set_quota_checks_its_arguments)
{
	struct strata_tier_quota q = { .fast_quota = TIER_MIB };

	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid, QUOTA,
					      &self->id));
	q.id = self->id;
	q.reserved = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_TIER_IOC_SET_QUOTA, &q));
	EXPECT_EQ(QUOTA, stats(self->fd, self->id).fast_quota);
	q.reserved = 0;
	q.id = self->id + 1000;
	EXPECT_EQ(-ENOENT, sys_ioctl(self->fd, STRATA_TIER_IOC_SET_QUOTA, &q));
	EXPECT_EQ(-EFAULT, sys_ioctl(self->fd, STRATA_TIER_IOC_SET_QUOTA,
				     NULL));
	q.id = self->id;
	EXPECT_EQ(0, sys_ioctl(self->fd, STRATA_TIER_IOC_SET_QUOTA, &q));
	EXPECT_EQ(TIER_MIB, stats(self->fd, self->id).fast_quota);
}

TEST_HARNESS_MAIN

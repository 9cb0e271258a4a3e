// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier selftests - the strata_tier_ops struct_ops and the tier_pin
 * sample policy
 *
 * A policy decides which pages are hot and how many move per round; the
 * tests show each decision changing where pages end up, against the
 * default's placement of the same workload.
 */
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "common.h"
#include "tier_pin.h"
#include "tier_pin.skel.h"

#define POL_LEN		(16 * TIER_MIB)
#define POL_HOT		(4 * TIER_MIB)	/* first 4 MiB: read constantly */
#define POL_PIN_OFF	(8 * TIER_MIB)	/* 8-12 MiB: never read */
#define POL_PIN_LEN	(4 * TIER_MIB)
#define POL_PAGES(len)	((len) / TIER_PAGE_SIZE)

FIXTURE(policy) {
	struct tier_pin_bpf *skel;
	struct bpf_link *link;
	struct tier_work w;
	__u32 id;
	int fd;
};

FIXTURE_SETUP(policy)
{
	struct tier_work_cfg cfg = {
		.len = POL_LEN,
		.node = TIER_SLOW_NODE,
		.hot_len = POL_HOT,
		.seed = 7,
	};

	self->link = NULL;
	self->id = 0;
	self->fd = tier_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, tier_fast_scan(20, 40));
	ASSERT_EQ(0, tier_work_start(&self->w, &cfg));
	self->skel = tier_pin_bpf__open();
	ASSERT_NE(NULL, self->skel);
}

FIXTURE_TEARDOWN(policy)
{
	tier_unregister_quiet(self->fd, &self->id);
	bpf_link__destroy(self->link);
	tier_pin_bpf__destroy(self->skel);
	tier_work_kill(&self->w);
	tier_settings_restore();
	close(self->fd);
}

static int attach(FIXTURE_DATA(policy) *self)
{
	if (tier_pin_bpf__load(self->skel))
		return -1;
	self->link = bpf_map__attach_struct_ops(self->skel->maps.tier_pin);
	return self->link ? 0 : -1;
}

static void pin_range(FIXTURE_DATA(policy) *self)
{
	__u64 start = self->w.sh->addr + POL_PIN_OFF;

	self->skel->rodata->pin_start[0] = start;
	self->skel->rodata->pin_end[0] = start + POL_PIN_LEN;
	self->skel->rodata->nr_pins = 1;
}

static long on_fast(FIXTURE_DATA(policy) *self, size_t off, size_t len)
{
	return tier_count_on_node(self->w.pid,
				  (char *)tier_work_addr(&self->w) + off, len,
				  TIER_FAST_NODE);
}

static __u64 stat_rounds(FIXTURE_DATA(policy) *self)
{
	struct strata_tier_stats st;

	return strata_tier_stats(self->fd, self->id, &st) ? 0 : st.rounds;
}

TEST_F(policy, default_promotes_the_read_pages_and_nothing_else)
{
	__u64 r;

	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->id));
	ASSERT_TRUE(TIER_WAIT_UNTIL(on_fast(self, 0, POL_HOT) >=
				    POL_PAGES(POL_HOT) * 9 / 10, 60000));
	/* Some rounds more: pages nobody reads never go up by default. */
	r = stat_rounds(self);
	ASSERT_TRUE(TIER_WAIT_UNTIL(stat_rounds(self) >= r + 8, 30000));
	EXPECT_EQ(0, on_fast(self, POL_PIN_OFF, POL_PIN_LEN));
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F(policy, pinned_range_is_promoted_although_nobody_reads_it)
{
	pin_range(self);
	ASSERT_EQ(0, attach(self));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->id));
	ASSERT_TRUE(TIER_WAIT_UNTIL(on_fast(self, POL_PIN_OFF, POL_PIN_LEN) ==
				    POL_PAGES(POL_PIN_LEN), 60000));
	/* The read pages still get the default treatment. */
	ASSERT_TRUE(TIER_WAIT_UNTIL(on_fast(self, 0, POL_HOT) >=
				    POL_PAGES(POL_HOT) * 9 / 10, 60000));
	/* Everything else, unread and unpinned, stays down. */
	EXPECT_EQ(0, on_fast(self, POL_HOT, POL_PIN_OFF - POL_HOT));
	EXPECT_EQ(0, on_fast(self, POL_PIN_OFF + POL_PIN_LEN,
			     POL_LEN - POL_PIN_OFF - POL_PIN_LEN));
	EXPECT_LT(0, self->skel->bss->nr_pinned);
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F(policy, promote_budget_caps_each_round)
{
	struct strata_tier_stats st;
	__u64 rounds0;

	self->skel->rodata->max_promote = 16;
	ASSERT_EQ(0, attach(self));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->id));
	ASSERT_TRUE(TIER_WAIT_UNTIL(stat_rounds(self) >= 12, 30000));
	ASSERT_EQ(0, strata_tier_stats(self->fd, self->id, &st));
	rounds0 = st.rounds;
	/* Some moved, but never more than 16 a round. */
	EXPECT_LT(0, st.promoted);
	EXPECT_GE(16 * rounds0, st.promoted);
	EXPECT_GT(POL_PAGES(POL_HOT), st.promoted);
	/* The kfunc read the registration's own counter. */
	EXPECT_LT(0, self->skel->bss->nr_rounds);
	EXPECT_GE(st.promoted, self->skel->bss->last_promoted);
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F(policy, detaching_brings_the_default_back)
{
	struct strata_tier_stats st;

	self->skel->rodata->max_promote = 1;
	ASSERT_EQ(0, attach(self));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->id));
	ASSERT_TRUE(TIER_WAIT_UNTIL(stat_rounds(self) >= 6, 30000));
	ASSERT_EQ(0, strata_tier_stats(self->fd, self->id, &st));
	EXPECT_GE(st.rounds, st.promoted);
	bpf_link__destroy(self->link);
	self->link = NULL;
	ASSERT_TRUE(TIER_WAIT_UNTIL(on_fast(self, 0, POL_HOT) >=
				    POL_PAGES(POL_HOT) * 9 / 10, 60000));
	EXPECT_EQ(0, tier_work_stop(&self->w));
}

TEST_F(policy, a_second_policy_is_refused)
{
	struct tier_pin_bpf *other;
	struct bpf_link *link;

	ASSERT_EQ(0, attach(self));
	other = tier_pin_bpf__open_and_load();
	ASSERT_NE(NULL, other);
	link = bpf_map__attach_struct_ops(other->maps.tier_pin);
	EXPECT_EQ(NULL, link);
	EXPECT_EQ(EBUSY, errno);
	bpf_link__destroy(link);
	tier_pin_bpf__destroy(other);
}

static int run(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	if (!p)
		return -1;
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	return pclose(p);
}

TEST_F(policy, bpftool_lists_the_policy)
{
	const char *bpftool = getenv("STRATA_BPFTOOL");
	static char out[1 << 16];
	char cmd[512];

	if (!bpftool)
		SKIP(return, "STRATA_BPFTOOL is not set");
	ASSERT_EQ(0, attach(self));
	snprintf(cmd, sizeof(cmd), "%s -j struct_ops list", bpftool);
	ASSERT_EQ(0, run(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"name\":\"tier_pin\""));
	EXPECT_NE(NULL, strstr(out, "\"kernel_struct_ops\":\"strata_tier_ops\""));
}

TEST_HARNESS_MAIN

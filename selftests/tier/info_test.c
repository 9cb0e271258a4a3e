// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier selftests - INFO and SET_NODES: how the module sees the
 * memory nodes of the test VM, and overriding their roles
 */
#include "kselftest_harness.h"
#include "common.h"

#define MAX_NODES	16

/* What INFO says that does not change by itself (free memory does). */
struct snapshot {
	__u32 flags;
	__u32 nr_nodes;
	struct strata_tier_node nodes[MAX_NODES];
};

static int take_snapshot(int fd, struct snapshot *s)
{
	struct strata_tier_info info;
	__u32 i;
	int err;

	memset(s, 0, sizeof(*s));
	err = strata_tier_info(fd, &info, s->nodes, MAX_NODES);
	if (err)
		return err;
	s->flags = info.flags;
	s->nr_nodes = info.nr_nodes;
	for (i = 0; i < MAX_NODES; i++)
		s->nodes[i].free_bytes = 0;
	return 0;
}

static bool same_snapshot(const struct snapshot *a, const struct snapshot *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static const struct strata_tier_node *find_node(const struct snapshot *s,
						__u32 nid)
{
	__u32 i;

	for (i = 0; i < s->nr_nodes && i < MAX_NODES; i++)
		if (s->nodes[i].nid == nid)
			return &s->nodes[i];
	return NULL;
}

/* SET_NODES with raw arguments; 0 or -errno. */
static int set_nodes_raw(int fd, __u32 flags, __u32 maxnode, const void *fast,
			 const void *slow)
{
	struct strata_tier_nodes args = {
		.flags = flags,
		.maxnode = maxnode,
		.fast = (__u64)(unsigned long)fast,
		.slow = (__u64)(unsigned long)slow,
	};

	return sys_ioctl(fd, STRATA_TIER_IOC_SET_NODES, &args);
}

static void *unmapped_page(void)
{
	void *p = mmap(NULL, TIER_PAGE_SIZE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, TIER_PAGE_SIZE);
	return p;
}

FIXTURE(info) {
	int fd;
	struct tier_work w;
};

FIXTURE_SETUP(info)
{
	self->fd = tier_open();
	ASSERT_LE(0, self->fd);
	/* a test that failed half-way may have left an override */
	ASSERT_EQ(0, strata_tier_nodes_auto(self->fd));
}

FIXTURE_TEARDOWN(info)
{
	tier_work_kill(&self->w);
	strata_tier_nodes_auto(self->fd);
	close(self->fd);
}

TEST_F(info, node0_is_fast_with_cpus_and_node1_slow_without)
{
	struct strata_tier_node nodes[MAX_NODES];
	struct strata_tier_info info;
	struct snapshot s;
	const struct strata_tier_node *n0, *n1;

	ASSERT_EQ(0, strata_tier_info(self->fd, &info, nodes, MAX_NODES));
	EXPECT_EQ(2, info.nr_nodes);
	EXPECT_TRUE(info.flags & STRATA_TIER_INFO_ACTIVE);
	EXPECT_FALSE(info.flags & STRATA_TIER_INFO_OVERRIDE);
	EXPECT_EQ(0, info.reserved);
	EXPECT_EQ(tier_nr_regs(), info.nr_regs);

	ASSERT_EQ(0, take_snapshot(self->fd, &s));
	n0 = find_node(&s, 0);
	n1 = find_node(&s, 1);
	ASSERT_NE(NULL, n0);
	ASSERT_NE(NULL, n1);
	EXPECT_EQ(STRATA_TIER_ROLE_FAST, n0->role);
	EXPECT_TRUE(n0->flags & STRATA_TIER_NODE_CPU);
	EXPECT_FALSE(n0->flags & STRATA_TIER_NODE_OVERRIDE);
	EXPECT_EQ(STRATA_TIER_ROLE_SLOW, n1->role);
	EXPECT_FALSE(n1->flags & STRATA_TIER_NODE_CPU);
	EXPECT_FALSE(n1->flags & STRATA_TIER_NODE_OVERRIDE);
	/* HMAT says node 1 is slower: a larger abstract distance */
	EXPECT_LT(n0->adistance, n1->adistance);
	EXPECT_LT(n0->adistance / 128, n1->adistance / 128);
	/* the VM splits 2G evenly: each node has most of 1G */
	EXPECT_LT(512 * TIER_MIB, n0->total_bytes);
	EXPECT_LT(512 * TIER_MIB, n1->total_bytes);
	EXPECT_GE(1024 * TIER_MIB, n0->total_bytes);
	EXPECT_GE(1024 * TIER_MIB, n1->total_bytes);
	EXPECT_LT(0, nodes[0].free_bytes);
	EXPECT_GE(nodes[0].total_bytes, nodes[0].free_bytes);
	EXPECT_GE(nodes[1].total_bytes, nodes[1].free_bytes);
}

TEST_F(info, zero_capacity_only_counts_the_nodes)
{
	struct strata_tier_node nodes[2];
	struct strata_tier_info info;

	ASSERT_EQ(0, strata_tier_info(self->fd, &info, NULL, 0));
	EXPECT_EQ(2, info.nr_nodes);
	EXPECT_TRUE(info.flags & STRATA_TIER_INFO_ACTIVE);

	/* capacity 1: only the first entry is written, the count is 2 */
	memset(nodes, 0xa5, sizeof(nodes));
	ASSERT_EQ(0, strata_tier_info(self->fd, &info, nodes, 1));
	EXPECT_EQ(2, info.nr_nodes);
	EXPECT_EQ(0, nodes[0].nid);
	EXPECT_EQ(0xa5a5a5a5, nodes[1].nid);
	EXPECT_EQ(0xa5a5a5a5, nodes[1].role);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, nodes[1].total_bytes);
}

TEST_F(info, info_rejects_nonzero_reserved_and_output_fields)
{
	struct strata_tier_info info = { .reserved = 1 };

	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_TIER_IOC_INFO, &info));
	memset(&info, 0, sizeof(info));
	info.flags = STRATA_TIER_INFO_ACTIVE;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_TIER_IOC_INFO, &info));
	memset(&info, 0, sizeof(info));
	info.nr_regs = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_TIER_IOC_INFO, &info));
}

TEST_F(info, info_with_a_bad_nodes_pointer_fails_efault)
{
	struct strata_tier_info info = {
		.nr_nodes = 2,
		.nodes = (__u64)(unsigned long)unmapped_page(),
	};

	ASSERT_NE(0, info.nodes);
	EXPECT_EQ(-EFAULT, sys_ioctl(self->fd, STRATA_TIER_IOC_INFO, &info));
	EXPECT_EQ(-EFAULT, sys_ioctl(self->fd, STRATA_TIER_IOC_INFO, NULL));
}

TEST_F(info, swapped_roles_show_as_override_until_auto)
{
	const int fast[] = { 1 }, slow[] = { 0 };
	const struct strata_tier_node *n0, *n1;
	struct snapshot before, s;

	ASSERT_EQ(0, take_snapshot(self->fd, &before));
	ASSERT_EQ(0, strata_tier_set_nodes(self->fd, fast, 1, slow, 1));

	ASSERT_EQ(0, take_snapshot(self->fd, &s));
	EXPECT_TRUE(s.flags & STRATA_TIER_INFO_OVERRIDE);
	EXPECT_TRUE(s.flags & STRATA_TIER_INFO_ACTIVE);
	n0 = find_node(&s, 0);
	n1 = find_node(&s, 1);
	ASSERT_NE(NULL, n0);
	ASSERT_NE(NULL, n1);
	EXPECT_EQ(STRATA_TIER_ROLE_SLOW, n0->role);
	EXPECT_EQ(STRATA_TIER_ROLE_FAST, n1->role);
	EXPECT_TRUE(n0->flags & STRATA_TIER_NODE_OVERRIDE);
	EXPECT_TRUE(n1->flags & STRATA_TIER_NODE_OVERRIDE);
	/* what the hardware is does not change */
	EXPECT_TRUE(n0->flags & STRATA_TIER_NODE_CPU);
	EXPECT_FALSE(n1->flags & STRATA_TIER_NODE_CPU);

	ASSERT_EQ(0, strata_tier_nodes_auto(self->fd));
	ASSERT_EQ(0, take_snapshot(self->fd, &s));
	EXPECT_FALSE(s.flags & STRATA_TIER_INFO_OVERRIDE);
	n0 = find_node(&s, 0);
	n1 = find_node(&s, 1);
	ASSERT_NE(NULL, n0);
	ASSERT_NE(NULL, n1);
	EXPECT_EQ(STRATA_TIER_ROLE_FAST, n0->role);
	EXPECT_EQ(STRATA_TIER_ROLE_SLOW, n1->role);
	EXPECT_FALSE(n0->flags & STRATA_TIER_NODE_OVERRIDE);
	EXPECT_FALSE(n1->flags & STRATA_TIER_NODE_OVERRIDE);
	EXPECT_TRUE(same_snapshot(&before, &s));
}

TEST_F(info, maxnode_need_not_be_a_multiple_of_64)
{
	/* bit 5 lies beyond maxnode = 2: not part of the mask */
	const __u64 fast = 1ULL << 0 | 1ULL << 5, slow = 1ULL << 1;
	const struct strata_tier_node *n0, *n1;
	struct snapshot s;

	ASSERT_EQ(0, set_nodes_raw(self->fd, 0, 2, &fast, &slow));
	ASSERT_EQ(0, take_snapshot(self->fd, &s));
	EXPECT_TRUE(s.flags & STRATA_TIER_INFO_OVERRIDE);
	EXPECT_TRUE(s.flags & STRATA_TIER_INFO_ACTIVE);
	n0 = find_node(&s, 0);
	n1 = find_node(&s, 1);
	ASSERT_NE(NULL, n0);
	ASSERT_NE(NULL, n1);
	EXPECT_EQ(STRATA_TIER_ROLE_FAST, n0->role);
	EXPECT_EQ(STRATA_TIER_ROLE_SLOW, n1->role);
}

TEST_F(info, empty_slow_tier_clears_active_and_register_fails_enodev)
{
	struct tier_work_cfg cfg = { .len = TIER_MIB, .node = -1 };
	const int fast[] = { 0, 1 };
	__u32 id = 0;

	ASSERT_EQ(0, tier_work_start(&self->w, &cfg));
	ASSERT_EQ(0, strata_tier_set_nodes(self->fd, fast, 2, NULL, 0));
	EXPECT_FALSE(tier_info_flags(self->fd) & STRATA_TIER_INFO_ACTIVE);
	EXPECT_TRUE(tier_info_flags(self->fd) & STRATA_TIER_INFO_OVERRIDE);
	EXPECT_EQ(-ENODEV, strata_tier_register_pid(self->fd, self->w.pid,
						    STRATA_TIER_QUOTA_NONE,
						    &id));
	EXPECT_EQ(0, tier_nr_regs());

	/* back to discovery: tiering is possible again */
	ASSERT_EQ(0, strata_tier_nodes_auto(self->fd));
	EXPECT_TRUE(tier_info_flags(self->fd) & STRATA_TIER_INFO_ACTIVE);
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w.pid,
					      STRATA_TIER_QUOTA_NONE, &id));
	EXPECT_EQ(0, strata_tier_unregister(self->fd, id));
}

TEST_F(info, node_named_in_neither_mask_is_left_alone)
{
	const struct strata_tier_node *n0, *n1;
	const int fast[] = { 0 };
	struct snapshot s;

	ASSERT_EQ(0, strata_tier_set_nodes(self->fd, fast, 1, NULL, 0));
	ASSERT_EQ(0, take_snapshot(self->fd, &s));
	n0 = find_node(&s, 0);
	n1 = find_node(&s, 1);
	ASSERT_NE(NULL, n0);
	ASSERT_NE(NULL, n1);
	EXPECT_EQ(STRATA_TIER_ROLE_FAST, n0->role);
	EXPECT_EQ(STRATA_TIER_ROLE_NONE, n1->role);
	/* no slow node: nothing to tier */
	EXPECT_FALSE(s.flags & STRATA_TIER_INFO_ACTIVE);
	EXPECT_TRUE(s.flags & STRATA_TIER_INFO_OVERRIDE);
}

TEST_F(info, bad_set_nodes_input_fails_and_changes_nothing)
{
	__u64 big_fast[4096 / 64 + 1] = { 1 }, big_slow[4096 / 64 + 1] = { 2 };
	const __u64 one = 1 << 0, two = 1 << 1, both = 3, none = 0;
	const __u64 node5 = 1 << 5, node63 = 1ULL << 63;
	void *bad = unmapped_page();
	struct snapshot before, s;

	ASSERT_NE(NULL, bad);
	ASSERT_EQ(0, take_snapshot(self->fd, &before));

	/* overlapping masks */
	EXPECT_EQ(-EINVAL, set_nodes_raw(self->fd, 0, 64, &both, &two));
	/* empty fast mask, also with maxnode 0 */
	EXPECT_EQ(-EINVAL, set_nodes_raw(self->fd, 0, 64, &none, &two));
	EXPECT_EQ(-EINVAL, set_nodes_raw(self->fd, 0, 0, &one, &two));
	/* maxnode above 4096 */
	EXPECT_EQ(-EINVAL, set_nodes_raw(self->fd, 0, 4097, big_fast,
					 big_slow));
	/* nodes without memory (or not existing) */
	EXPECT_EQ(-EINVAL, set_nodes_raw(self->fd, 0, 64, &one, &node5));
	EXPECT_EQ(-EINVAL, set_nodes_raw(self->fd, 0, 64, &node5, &two));
	EXPECT_EQ(-EINVAL, set_nodes_raw(self->fd, 0, 64, &node63, &two));
	/* unknown flags */
	EXPECT_EQ(-EINVAL, set_nodes_raw(self->fd, 1U << 1, 64, &one, &two));
	EXPECT_EQ(-EINVAL, set_nodes_raw(self->fd, 1U << 31, 64, &one, &two));
	/* bad pointers */
	EXPECT_EQ(-EFAULT, set_nodes_raw(self->fd, 0, 64, bad, &two));
	EXPECT_EQ(-EFAULT, set_nodes_raw(self->fd, 0, 64, &one, bad));
	EXPECT_EQ(-EFAULT, sys_ioctl(self->fd, STRATA_TIER_IOC_SET_NODES,
				     NULL));

	ASSERT_EQ(0, take_snapshot(self->fd, &s));
	EXPECT_TRUE(same_snapshot(&before, &s));
	EXPECT_FALSE(s.flags & STRATA_TIER_INFO_OVERRIDE);

	/* the largest maxnode is accepted */
	EXPECT_EQ(0, set_nodes_raw(self->fd, 0, 4096, big_fast, big_slow));
}

static int nobody_set_nodes(void *arg)
{
	const int fast[] = { 1 }, slow[] = { 0 };
	struct strata_tier_info info;
	int fd, err;

	fd = tier_open();
	if (fd < 0)
		return 100;
	/* reading is for everyone */
	if (strata_tier_info(fd, &info, NULL, 0))
		return 101;
	if (info.nr_nodes != 2)
		return 102;
	err = strata_tier_set_nodes(fd, fast, 1, slow, 1);
	if (err != -EPERM)
		return 103;
	err = strata_tier_nodes_auto(fd);
	if (err != -EPERM)
		return 104;
	close(fd);
	return 0;
}

TEST_F(info, unprivileged_set_nodes_fails_eperm)
{
	struct snapshot before, s;

	ASSERT_EQ(0, take_snapshot(self->fd, &before));
	EXPECT_EQ(0, tier_as_nobody(nobody_set_nodes, NULL));
	ASSERT_EQ(0, take_snapshot(self->fd, &s));
	EXPECT_TRUE(same_snapshot(&before, &s));
}

TEST_F(info, unknown_ioctl_fails_enotty)
{
	char buf[64] = {};

	EXPECT_EQ(-ENOTTY, sys_ioctl(self->fd, _IOWR(STRATA_TIER_IOC_MAGIC,
						     0x5f, char[64]), buf));
	EXPECT_EQ(-ENOTTY, sys_ioctl(self->fd, _IO('x', 1), NULL));
}

TEST_HARNESS_MAIN

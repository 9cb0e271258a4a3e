// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - CREATE: what a new gang looks like, the ranges of
 * its arguments, and that a refused CREATE changes nothing
 */
#include "kselftest_harness.h"
#include "common.h"

FIXTURE(create) {
	int dev, table;
	int gangs0;
	__u32 nr_cpus;
};

FIXTURE_SETUP(create)
{
	struct strata_gang_status st;

	self->dev = gang_open();
	ASSERT_LE(0, self->dev);
	self->table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->table);
	ASSERT_EQ(0, gang_status(self->dev, &st));
	self->gangs0 = st.gangs;
	self->nr_cpus = st.nr_cpus;
}

FIXTURE_TEARDOWN(create)
{
	close(self->table);
	close(self->dev);
}

/* CREATE @c; it must fail with @err and leave no handle and no gang. */
static int refused(struct __test_metadata *_metadata,
		   FIXTURE_DATA(create) *self, struct strata_gang_create c)
{
	struct strata_cap_table_info ti;
	int err = gang_create_args(self->dev, &c);

	EXPECT_EQ(0, strata_cap_table_info(self->table, &ti));
	EXPECT_EQ(0, ti.nr_handles);
	EXPECT_EQ(self->gangs0, gang_nr_gangs(self->dev));
	return err;
}

TEST_F(create, new_gang_is_a_handle_with_the_default_gang_rights)
{
	struct strata_gang_create c = gang_args(self->table, 2, 3);
	struct strata_cap_handle_info hi;

	ASSERT_EQ(0, gang_create_args(self->dev, &c));
	EXPECT_NE(STRATA_HANDLE_INVALID, c.handle);
	EXPECT_NE(0, c.koid);
	ASSERT_EQ(0, strata_handle_info(self->table, c.handle, &hi));
	EXPECT_EQ(STRATA_OBJ_GANG, hi.type);
	EXPECT_EQ(STRATA_DEFAULT_GANG_RIGHTS, hi.rights);
	EXPECT_EQ(c.koid, hi.koid);
	EXPECT_EQ(0, hi.related_koid);
	EXPECT_EQ(self->gangs0 + 1, gang_nr_gangs(self->dev));
	EXPECT_EQ(0, strata_handle_close(self->table, c.handle));
}

TEST_F(create, info_reports_what_create_was_given)
{
	struct strata_gang_create c = gang_args(self->table, 2, 3);
	struct strata_gang_info info;
	__u64 before, after;

	c.priority = 5;
	c.slice_ms = 30;
	c.on_member_exit = STRATA_GANG_EXIT_SHRINK;
	c.flags = STRATA_GANG_STOP;
	c.runtime_hint_ms = 123456;
	strcpy(c.name, "trainer-7");
	before = gang_now_ns();
	ASSERT_EQ(0, gang_create_args(self->dev, &c));
	after = gang_now_ns();

	ASSERT_EQ(0, gang_info(self->dev, self->table, c.handle, &info));
	EXPECT_EQ(c.koid, info.koid);
	EXPECT_EQ(0, info.uid);
	EXPECT_EQ(STRATA_GANG_FORMING, info.state);
	EXPECT_EQ(STRATA_GANG_ABORT_NONE, info.abort_reason);
	EXPECT_EQ(2, info.nr_members);
	EXPECT_EQ(0, info.joined);
	EXPECT_EQ(0, info.alive);
	EXPECT_EQ(3, info.gpus_per_member);
	EXPECT_EQ(6, info.nr_gpus);
	EXPECT_EQ(5, info.priority);
	EXPECT_EQ(30, info.slice_ms);
	EXPECT_EQ(STRATA_GANG_EXIT_SHRINK, info.on_member_exit);
	EXPECT_EQ(STRATA_GANG_STOP, info.flags);
	EXPECT_EQ(0, info.slices);
	EXPECT_EQ(0, info.preemptions);
	EXPECT_EQ(0, info.deaths);
	EXPECT_EQ(0, info.attained_ns);
	EXPECT_EQ(0, info.run_ns);
	EXPECT_EQ(0, info.last_skew_ns);
	EXPECT_EQ(0, info.max_skew_ns);
	EXPECT_LE(before, info.created_ns);
	EXPECT_GE(after, info.created_ns);
	EXPECT_STREQ("trainer-7", info.name);
	EXPECT_EQ(0, info.gpu_mask);
	EXPECT_EQ(0, info.reserved[0]);
	EXPECT_EQ(0, info.reserved[1]);
	EXPECT_EQ(0, strata_handle_close(self->table, c.handle));
}

TEST_F(create, boundary_values_are_accepted)
{
	struct strata_gang_create c;
	struct strata_gang_info info;

	/* the most members, the most GPUs, the edges of every range */
	c = gang_args(self->table, GANG_NR_FAKE, 1);
	c.priority = STRATA_GANG_MAX_PRIORITY;
	c.slice_ms = STRATA_GANG_MAX_SLICE_MS;
	ASSERT_EQ(0, gang_create_args(self->dev, &c));
	ASSERT_EQ(0, gang_info(self->dev, self->table, c.handle, &info));
	EXPECT_EQ(STRATA_GANG_MAX_PRIORITY, info.priority);
	EXPECT_EQ(STRATA_GANG_MAX_SLICE_MS, info.slice_ms);
	EXPECT_EQ(0, strata_handle_close(self->table, c.handle));

	c = gang_args(self->table, 1, GANG_NR_FAKE);
	c.slice_ms = 1;
	c.runtime_hint_ms = 7ULL * 24 * 3600 * 1000;	/* a week */
	memset(c.name, 'x', STRATA_GANG_NAME_LEN - 1);
	ASSERT_EQ(0, gang_create_args(self->dev, &c));
	ASSERT_EQ(0, gang_info(self->dev, self->table, c.handle, &info));
	EXPECT_EQ(1, info.slice_ms);
	EXPECT_EQ(GANG_NR_FAKE, info.nr_gpus);
	EXPECT_EQ(STRATA_GANG_NAME_LEN - 1, strnlen(info.name,
						   STRATA_GANG_NAME_LEN));
	EXPECT_EQ(0, strata_handle_close(self->table, c.handle));

	c = gang_args(self->table, 1, 1);
	c.on_member_exit = STRATA_GANG_EXIT_SHRINK;
	c.flags = STRATA_GANG_CREATE_FLAGS;
	ASSERT_EQ(0, gang_create_args(self->dev, &c));
	ASSERT_EQ(0, gang_info(self->dev, self->table, c.handle, &info));
	EXPECT_EQ(STRATA_GANG_CREATE_FLAGS, info.flags);
	EXPECT_EQ(0, strata_handle_close(self->table, c.handle));
}

/* The header gives no upper bound: "expected GPU time, 0 if unknown". */
TEST_F(create, runtime_hints_up_to_the_maximum_are_accepted)
{
	struct strata_gang_create c = gang_args(self->table, 1, 1);

	c.runtime_hint_ms = STRATA_GANG_MAX_HINT_MS;
	ASSERT_EQ(0, gang_create_args(self->dev, &c));
	EXPECT_EQ(0, strata_handle_close(self->table, c.handle));
	c = gang_args(self->table, 1, 1);
	c.runtime_hint_ms = STRATA_GANG_MAX_HINT_MS + 1;
	EXPECT_EQ(-EINVAL, refused(_metadata, self, c));
}

TEST_F(create, slice_zero_means_the_module_default)
{
	struct strata_gang_info info;
	long def = gang_param_get("slice_ms");
	__u32 h;

	ASSERT_LT(0, def);
	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &h));
	ASSERT_EQ(0, gang_info(self->dev, self->table, h, &info));
	/* either the default itself or "0: the default" */
	EXPECT_TRUE(info.slice_ms == 0 || info.slice_ms == def)
		TH_LOG("slice_ms %u, module default %ld", info.slice_ms, def);
	EXPECT_EQ(0, strata_handle_close(self->table, h));
}

TEST_F(create, table_fd_must_be_a_handle_table)
{
	struct strata_gang_create c = gang_args(-1, 1, 1);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, null);
	EXPECT_EQ(-EBADF, refused(_metadata, self, c));
	c.table_fd = null;
	EXPECT_EQ(-EBADF, refused(_metadata, self, c));
	c.table_fd = self->dev;
	EXPECT_EQ(-EBADF, refused(_metadata, self, c));
	close(null);
	c.table_fd = null;
	EXPECT_EQ(-EBADF, refused(_metadata, self, c));
}

TEST_F(create, table_of_another_process_is_refused)
{
	int status, err;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct strata_gang_create c = gang_args(self->table, 1, 1);

		/* the fd came through fork: the table is the parent's */
		err = gang_create_args(self->dev, &c);
		_exit(err == -EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(self->gangs0, gang_nr_gangs(self->dev));
}

TEST_F(create, member_count_out_of_range_is_einval)
{
	EXPECT_EQ(-EINVAL, refused(_metadata, self, gang_args(self->table,
							      0, 1)));
	EXPECT_EQ(-EINVAL, refused(_metadata, self,
		  gang_args(self->table, STRATA_GANG_MAX_MEMBERS + 1, 1)));
	EXPECT_EQ(-EINVAL, refused(_metadata, self,
				   gang_args(self->table, ~0U, 1)));
}

TEST_F(create, gpus_per_member_out_of_range_is_einval)
{
	EXPECT_EQ(-EINVAL, refused(_metadata, self, gang_args(self->table,
							      1, 0)));
	EXPECT_EQ(-EINVAL, refused(_metadata, self,
		  gang_args(self->table, 1,
			    STRATA_GANG_MAX_GPUS_PER_MEMBER + 1)));
}

TEST_F(create, priority_above_the_maximum_is_einval)
{
	struct strata_gang_create c = gang_args(self->table, 1, 1);

	c.priority = STRATA_GANG_MAX_PRIORITY + 1;
	EXPECT_EQ(-EINVAL, refused(_metadata, self, c));
}

TEST_F(create, slice_above_the_maximum_is_einval)
{
	struct strata_gang_create c = gang_args(self->table, 1, 1);

	c.slice_ms = STRATA_GANG_MAX_SLICE_MS + 1;
	EXPECT_EQ(-EINVAL, refused(_metadata, self, c));
}

TEST_F(create, unknown_exit_action_is_einval)
{
	struct strata_gang_create c = gang_args(self->table, 1, 1);

	c.on_member_exit = STRATA_GANG_EXIT_SHRINK + 1;
	EXPECT_EQ(-EINVAL, refused(_metadata, self, c));
}

TEST_F(create, unknown_flags_are_einval)
{
	struct strata_gang_create c = gang_args(self->table, 1, 1);
	int bit;

	for (bit = 0; bit < 32; bit++) {
		if (STRATA_GANG_CREATE_FLAGS & (1U << bit))
			continue;
		c.flags = 1U << bit;
		EXPECT_EQ(-EINVAL, refused(_metadata, self, c))
			TH_LOG("flag bit %d", bit);
	}
}

TEST_F(create, nonzero_reserved_handle_or_koid_is_einval)
{
	struct strata_gang_create c;

	c = gang_args(self->table, 1, 1);
	c.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, refused(_metadata, self, c));
	c = gang_args(self->table, 1, 1);
	c.reserved[1] = 1ULL << 63;
	EXPECT_EQ(-EINVAL, refused(_metadata, self, c));
	c = gang_args(self->table, 1, 1);
	c.handle = 1;
	EXPECT_EQ(-EINVAL, refused(_metadata, self, c));
	c = gang_args(self->table, 1, 1);
	c.koid = 42;
	EXPECT_EQ(-EINVAL, refused(_metadata, self, c));
}

TEST_F(create, name_without_a_nul_is_einval)
{
	struct strata_gang_create c = gang_args(self->table, 1, 1);

	memset(c.name, 'n', sizeof(c.name));
	EXPECT_EQ(-EINVAL, refused(_metadata, self, c));
}

TEST_F(create, more_gpus_than_the_machine_has_is_e2big)
{
	EXPECT_EQ(-E2BIG, refused(_metadata, self,
				  gang_args(self->table, 3, 3)));
	EXPECT_EQ(-E2BIG, refused(_metadata, self,
				  gang_args(self->table, GANG_NR_FAKE + 1, 1)));
	EXPECT_EQ(-E2BIG, refused(_metadata, self,
		  gang_args(self->table, STRATA_GANG_MAX_MEMBERS,
			    STRATA_GANG_MAX_GPUS_PER_MEMBER)));
}

TEST_F(create, cosched_needs_a_pool_cpu_per_member)
{
	struct strata_gang_create c = gang_args(self->table, 1, 1);

	ASSERT_LT(0, self->nr_cpus);
	ASSERT_GE(GANG_NR_FAKE, self->nr_cpus + 1);
	c.flags = STRATA_GANG_COSCHED;
	c.nr_members = self->nr_cpus + 1;
	EXPECT_EQ(-E2BIG, refused(_metadata, self, c));
	c.nr_members = self->nr_cpus;
	ASSERT_EQ(0, gang_create_args(self->dev, &c));
	EXPECT_EQ(0, strata_handle_close(self->table, c.handle));
}

TEST_F(create, koids_are_distinct_and_list_is_in_koid_order)
{
	struct strata_gang_info all[8];
	__u32 h[3];
	__u64 k[3];
	int i, n;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &h[i]));
		k[i] = gang_koid(self->table, h[i]);
		ASSERT_NE(0, k[i]);
	}
	EXPECT_NE(k[0], k[1]);
	EXPECT_NE(k[1], k[2]);
	EXPECT_NE(k[0], k[2]);

	n = gang_list(self->dev, NULL, 0);
	EXPECT_EQ(self->gangs0 + 3, n);
	n = gang_list(self->dev, all, 8);
	ASSERT_EQ(self->gangs0 + 3, n);
	for (i = 1; i < n && i < 8; i++)
		EXPECT_LT(all[i - 1].koid, all[i].koid);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(1, gang_listed(self->dev, k[i], NULL));
		EXPECT_EQ(0, strata_handle_close(self->table, h[i]));
	}
}

TEST_F(create, closing_the_only_handle_of_an_unjoined_gang_destroys_it)
{
	__u32 h;
	__u64 koid;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &h));
	koid = gang_koid(self->table, h);
	EXPECT_EQ(1, gang_listed(self->dev, koid, NULL));
	EXPECT_EQ(0, strata_handle_close(self->table, h));
	EXPECT_TRUE(GANG_WAIT_UNTIL(gang_listed(self->dev, koid, NULL) == 0,
				    2000));
	EXPECT_EQ(self->gangs0, gang_nr_gangs(self->dev));
	EXPECT_EQ(-EBADF, gang_join(self->dev, self->table, h, NULL));
}

TEST_F(create, duplicate_names_the_same_gang)
{
	struct strata_gang_info a, b;
	__u32 h, d;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 2, &h));
	ASSERT_EQ(0, strata_handle_duplicate(self->table, h,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	ASSERT_EQ(0, gang_info(self->dev, self->table, h, &a));
	ASSERT_EQ(0, gang_info(self->dev, self->table, d, &b));
	EXPECT_EQ(a.koid, b.koid);
	/* one gang, however many handles */
	EXPECT_EQ(self->gangs0 + 1, gang_nr_gangs(self->dev));
	EXPECT_EQ(0, strata_handle_close(self->table, h));
	/* the duplicate keeps it alive */
	EXPECT_EQ(STRATA_GANG_FORMING, gang_state(self->dev, self->table, d));
	EXPECT_EQ(0, strata_handle_close(self->table, d));
}

TEST_HARNESS_MAIN

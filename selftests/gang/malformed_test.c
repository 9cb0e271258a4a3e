// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - bad input to every ioctl
 *
 * Reserved fields, output fields and unknown flag or mask bits that are
 * not zero, handle values that name nothing (never valid, closed, made up),
 * handles to objects of another type, revoked handles, bad table fds and
 * bad user pointers: each has its errno, and a refused call changes
 * nothing.  KILL_ID names a gang by koid: koid 0 is refused, and a koid of
 * no live gang is -ENOENT.  CREATE's own ranges are in create_test.c.
 */
#include "kselftest_harness.h"
#include "common.h"

/* A value that is no handle in a fresh table (values are random-masked). */
#define MADE_UP_HANDLE	0x5a5a5a5aU
#define NONBLOCK	STRATA_GANG_STEP_NONBLOCK

FIXTURE(bad) {
	int dev, table;
	__u32 h;	/* a 2-member gang, FORMING */
	__u32 event;
	__u32 vmo;
};

FIXTURE_SETUP(bad)
{
	self->dev = gang_open();
	ASSERT_LE(0, self->dev);
	self->table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->table);
	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h));
	ASSERT_EQ(0, strata_event_create(self->table, &self->event));
	ASSERT_EQ(0, strata_vmo_create(self->table, 4096, 0, &self->vmo));
}

FIXTURE_TEARDOWN(bad)
{
	close(self->table);
	close(self->dev);
}

static int ref_raw(int dev, unsigned long cmd, int table, __u32 h,
		   __u32 member, __u32 reserved)
{
	struct strata_gang_ref ref = {
		.table_fd = table,
		.handle = h,
		.member = member,
		.reserved = reserved,
	};

	return sys_ioctl(dev, cmd, &ref);
}

static int set_raw(int dev, int table, __u32 h, __u32 mask, __u32 prio,
		   __u32 slice, __u32 reserved)
{
	struct strata_gang_set s = {
		.table_fd = table,
		.handle = h,
		.mask = mask,
		.priority = prio,
		.slice_ms = slice,
		.reserved = reserved,
	};

	return sys_ioctl(dev, STRATA_GANG_IOC_SET, &s);
}

/*
 * Every call that names a gang, with @table and @h: each must fail with
 * @err.  STEP does not block (NONBLOCK) so that a call wrongly accepted
 * cannot hang the test.
 */
static void every_call_fails(struct __test_metadata *_metadata,
			     FIXTURE_DATA(bad) *self, int table, __u32 h,
			     int err)
{
	struct strata_gang_info info;

	EXPECT_EQ(err, gang_join(self->dev, table, h, NULL));
	EXPECT_EQ(err, gang_step(self->dev, table, h, NONBLOCK, NULL));
	EXPECT_EQ(err, gang_leave(self->dev, table, h));
	EXPECT_EQ(err, gang_kill(self->dev, table, h));
	EXPECT_EQ(err, gang_set(self->dev, table, h, STRATA_GANG_SET_SLICE,
				0, 10));
	EXPECT_EQ(err, gang_info(self->dev, table, h, &info));
}

/* The gang of the fixture is as it was made: FORMING, nobody joined. */
static void gang_untouched(struct __test_metadata *_metadata,
			   FIXTURE_DATA(bad) *self)
{
	struct strata_gang_info info;

	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h, &info));
	EXPECT_EQ(STRATA_GANG_FORMING, info.state);
	EXPECT_EQ(0, info.joined);
	EXPECT_EQ(0, info.priority);
	EXPECT_NE(10, info.slice_ms);
}

TEST_F(bad, invalid_handle_value_is_ebadf_everywhere)
{
	every_call_fails(_metadata, self, self->table, STRATA_HANDLE_INVALID,
			 -EBADF);
	every_call_fails(_metadata, self, self->table, MADE_UP_HANDLE, -EBADF);
	gang_untouched(_metadata, self);
}

TEST_F(bad, closed_handle_is_stale_everywhere)
{
	__u32 d;

	ASSERT_EQ(0, strata_handle_duplicate(self->table, self->h,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	ASSERT_EQ(0, strata_handle_close(self->table, d));
	every_call_fails(_metadata, self, self->table, d, -EBADF);
	gang_untouched(_metadata, self);
}

TEST_F(bad, handle_of_a_gang_destroyed_since_is_stale)
{
	__u32 h;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &h));
	ASSERT_EQ(0, strata_handle_close(self->table, h));
	every_call_fails(_metadata, self, self->table, h, -EBADF);
}

TEST_F(bad, handle_to_another_object_type_is_einval_everywhere)
{
	every_call_fails(_metadata, self, self->table, self->event, -EINVAL);
	every_call_fails(_metadata, self, self->table, self->vmo, -EINVAL);
	/* and nothing happened to them */
	EXPECT_EQ(2 + 1, gang_nr_handles(self->table));
}

TEST_F(bad, revoked_handle_is_ekeyrevoked_everywhere)
{
	__u32 d;

	ASSERT_EQ(0, strata_handle_duplicate(self->table, self->h,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	ASSERT_EQ(1, strata_handle_revoke(self->table, self->h));
	every_call_fails(_metadata, self, self->table, d, -EKEYREVOKED);
	/* the handle revoked from stays valid */
	gang_untouched(_metadata, self);
	EXPECT_EQ(0, strata_handle_close(self->table, d));
}

TEST_F(bad, table_fd_that_is_no_table_is_ebadf_everywhere)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, null);
	every_call_fails(_metadata, self, -1, self->h, -EBADF);
	every_call_fails(_metadata, self, null, self->h, -EBADF);
	every_call_fails(_metadata, self, self->dev, self->h, -EBADF);
	close(null);
	gang_untouched(_metadata, self);
}

TEST_F(bad, table_of_another_process_is_eacces_everywhere)
{
	int status, fails = 0;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct strata_gang_info info;
		int t = self->table;
		__u32 h = self->h;

		fails += gang_join(self->dev, t, h, NULL) != -EACCES;
		fails += gang_step(self->dev, t, h, NONBLOCK, NULL) != -EACCES;
		fails += gang_leave(self->dev, t, h) != -EACCES;
		fails += gang_kill(self->dev, t, h) != -EACCES;
		fails += gang_set(self->dev, t, h, STRATA_GANG_SET_SLICE, 0,
				  10) != -EACCES;
		fails += gang_info(self->dev, t, h, &info) != -EACCES;
		_exit(fails);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("calls not refused");
	gang_untouched(_metadata, self);
}

TEST_F(bad, join_with_nonzero_reserved_or_member_is_einval)
{
	EXPECT_EQ(-EINVAL, ref_raw(self->dev, STRATA_GANG_IOC_JOIN,
				   self->table, self->h, 0, 1));
	/* member is an output */
	EXPECT_EQ(-EINVAL, ref_raw(self->dev, STRATA_GANG_IOC_JOIN,
				   self->table, self->h, 1, 0));
	gang_untouched(_metadata, self);
	EXPECT_EQ(0, ref_raw(self->dev, STRATA_GANG_IOC_JOIN, self->table,
			     self->h, 0, 0));
}

TEST_F(bad, leave_and_kill_with_nonzero_reserved_are_einval)
{
	ASSERT_EQ(0, gang_join(self->dev, self->table, self->h, NULL));
	EXPECT_EQ(-EINVAL, ref_raw(self->dev, STRATA_GANG_IOC_LEAVE,
				   self->table, self->h, 0, 1));
	EXPECT_EQ(-EINVAL, ref_raw(self->dev, STRATA_GANG_IOC_KILL,
				   self->table, self->h, 0, 0x80000000U));
	/* still a member of a gang still forming */
	EXPECT_EQ(STRATA_GANG_FORMING, gang_state(self->dev, self->table,
						  self->h));
	EXPECT_EQ(-EAGAIN, gang_step(self->dev, self->table, self->h,
				     NONBLOCK, NULL));
	EXPECT_EQ(0, gang_leave(self->dev, self->table, self->h));
}

TEST_F(bad, step_with_unknown_flags_reserved_or_outputs_is_einval)
{
	struct strata_gang_step st, base = {
		.table_fd = self->table,
		.handle = self->h,
		.flags = NONBLOCK,
	};
	int bit;

	ASSERT_EQ(0, gang_join(self->dev, self->table, self->h, NULL));
	st = base;
	EXPECT_EQ(-EAGAIN, sys_ioctl(self->dev, STRATA_GANG_IOC_STEP, &st));

	for (bit = 0; bit < 32; bit++) {
		if (STRATA_GANG_STEP_FLAGS & (1U << bit))
			continue;
		st = base;
		st.flags |= 1U << bit;
		EXPECT_EQ(-EINVAL, sys_ioctl(self->dev, STRATA_GANG_IOC_STEP,
					     &st)) TH_LOG("flag bit %d", bit);
	}
	st = base;
	st.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->dev, STRATA_GANG_IOC_STEP, &st));
	st = base;
	st.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->dev, STRATA_GANG_IOC_STEP, &st));
	/* outputs */
	st = base;
	st.member = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->dev, STRATA_GANG_IOC_STEP, &st));
	st = base;
	st.cpu = -1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->dev, STRATA_GANG_IOC_STEP, &st));
	st = base;
	st.nr_gpus = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->dev, STRATA_GANG_IOC_STEP, &st));
	st = base;
	st.slice = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->dev, STRATA_GANG_IOC_STEP, &st));
	st = base;
	st.slice_end_ns = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->dev, STRATA_GANG_IOC_STEP, &st));
	st = base;
	st.gpus[STRATA_GANG_MAX_GPUS_PER_MEMBER - 1] = 3;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->dev, STRATA_GANG_IOC_STEP, &st));
	EXPECT_EQ(0, gang_leave(self->dev, self->table, self->h));
}

TEST_F(bad, set_with_unknown_mask_bits_or_reserved_is_einval)
{
	int bit;

	for (bit = 0; bit < 32; bit++) {
		if (STRATA_GANG_SET_MASK & (1U << bit))
			continue;
		EXPECT_EQ(-EINVAL, set_raw(self->dev, self->table, self->h,
					   STRATA_GANG_SET_SLICE | 1U << bit,
					   0, 10, 0)) TH_LOG("mask bit %d", bit);
	}
	EXPECT_EQ(-EINVAL, set_raw(self->dev, self->table, self->h,
				   STRATA_GANG_SET_SLICE, 0, 10, 1));
	gang_untouched(_metadata, self);
}

TEST_F(bad, set_out_of_range_is_einval_and_changes_nothing)
{
	EXPECT_EQ(-EINVAL, set_raw(self->dev, self->table, self->h,
				   STRATA_GANG_SET_PRIORITY,
				   STRATA_GANG_MAX_PRIORITY + 1, 0, 0));
	EXPECT_EQ(-EINVAL, set_raw(self->dev, self->table, self->h,
				   STRATA_GANG_SET_SLICE, 0,
				   STRATA_GANG_MAX_SLICE_MS + 1, 0));
	/* all or nothing: a good slice does not go in with a bad priority */
	EXPECT_EQ(-EINVAL, set_raw(self->dev, self->table, self->h,
				   STRATA_GANG_SET_MASK,
				   STRATA_GANG_MAX_PRIORITY + 1, 10, 0));
	gang_untouched(_metadata, self);
}

TEST_F(bad, kill_id_with_unknown_flags_reserved_or_koid_zero_is_einval)
{
	__u64 koid = gang_koid(self->table, self->h);
	int bit;

	ASSERT_NE(0, koid);
	for (bit = 0; bit < 32; bit++)
		EXPECT_EQ(-EINVAL, gang_kill_id_raw(self->dev, koid, 1U << bit,
						    0)) TH_LOG("flag bit %d", bit);
	EXPECT_EQ(-EINVAL, gang_kill_id_raw(self->dev, koid, 0, 1));
	EXPECT_EQ(-EINVAL, gang_kill_id_raw(self->dev, koid, 0, 0x80000000U));
	EXPECT_EQ(-EINVAL, gang_kill_id_raw(self->dev, 0, 0, 0));
	gang_untouched(_metadata, self);
	EXPECT_EQ(0, gang_kill_id(self->dev, koid));
}

TEST_F(bad, kill_id_of_a_koid_that_names_no_live_gang_is_enoent)
{
	__u64 event_koid = gang_koid(self->table, self->event);
	__u64 gone;
	__u32 h;

	/* another object's koid, koids never handed out */
	ASSERT_NE(0, event_koid);
	EXPECT_EQ(-ENOENT, gang_kill_id(self->dev, event_koid));
	EXPECT_EQ(-ENOENT, gang_kill_id(self->dev, 1));
	EXPECT_EQ(-ENOENT, gang_kill_id(self->dev, ~0ULL));
	/* a gang whose record is gone */
	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &h));
	gone = gang_koid(self->table, h);
	ASSERT_NE(0, gone);
	ASSERT_EQ(0, strata_handle_close(self->table, h));
	ASSERT_TRUE(GANG_WAIT_UNTIL(gang_listed(self->dev, gone, NULL) == 0,
				    10000));
	EXPECT_EQ(-ENOENT, gang_kill_id(self->dev, gone));
	/* and nothing happened to the gang of the fixture */
	gang_untouched(_metadata, self);
}

TEST_F(bad, info_with_nonzero_output_is_einval)
{
	struct strata_gang_query q;

	memset(&q, 0, sizeof(q));
	q.table_fd = self->table;
	q.handle = self->h;
	ASSERT_EQ(0, sys_ioctl(self->dev, STRATA_GANG_IOC_INFO, &q));
	/* q.info is the output of the call just made */
	EXPECT_EQ(-EINVAL, sys_ioctl(self->dev, STRATA_GANG_IOC_INFO, &q));
}

TEST_F(bad, list_and_gpus_with_nonzero_reserved_or_count_are_einval)
{
	struct strata_gang_list l = { .capacity = 0 };
	struct strata_gang_gpus g = { .capacity = 0 };

	l.reserved = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->dev, STRATA_GANG_IOC_LIST, &l));
	l.reserved = 0;
	l.count = 5;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->dev, STRATA_GANG_IOC_LIST, &l));
	l.count = 0;
	EXPECT_EQ(0, sys_ioctl(self->dev, STRATA_GANG_IOC_LIST, &l));
	EXPECT_LE(1, l.count);

	g.reserved = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->dev, STRATA_GANG_IOC_GPUS, &g));
	g.reserved = 0;
	g.count = 5;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->dev, STRATA_GANG_IOC_GPUS, &g));
	g.count = 0;
	EXPECT_EQ(0, sys_ioctl(self->dev, STRATA_GANG_IOC_GPUS, &g));
	EXPECT_EQ(GANG_NR_FAKE, g.count);
}

TEST_F(bad, list_and_gpus_into_a_bad_pointer_are_efault)
{
	int err;
	void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	ASSERT_NE(MAP_FAILED, hole);
	EXPECT_EQ(-EFAULT, gang_list(self->dev, hole, 4));
	EXPECT_EQ(-EFAULT, gang_gpus(self->dev, hole, 4));
	/* no array but room for 4: refused either way */
	err = gang_list(self->dev, NULL, 4);
	EXPECT_TRUE(err == -EFAULT || err == -EINVAL) TH_LOG("%d", err);
	err = gang_gpus(self->dev, NULL, 4);
	EXPECT_TRUE(err == -EFAULT || err == -EINVAL) TH_LOG("%d", err);
	munmap(hole, 4096);
}

TEST_F(bad, argument_at_a_bad_address_is_efault)
{
	void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	ASSERT_NE(MAP_FAILED, hole);
	EXPECT_EQ(-EFAULT, sys_ioctl(self->dev, STRATA_GANG_IOC_CREATE, hole));
	EXPECT_EQ(-EFAULT, sys_ioctl(self->dev, STRATA_GANG_IOC_JOIN, hole));
	EXPECT_EQ(-EFAULT, sys_ioctl(self->dev, STRATA_GANG_IOC_STEP, hole));
	EXPECT_EQ(-EFAULT, sys_ioctl(self->dev, STRATA_GANG_IOC_INFO, hole));
	EXPECT_EQ(-EFAULT, sys_ioctl(self->dev, STRATA_GANG_IOC_STATUS, hole));
	EXPECT_EQ(-EFAULT, sys_ioctl(self->dev, STRATA_GANG_IOC_SET, NULL));
	EXPECT_EQ(-EFAULT, sys_ioctl(self->dev, STRATA_GANG_IOC_KILL_ID,
				     hole));
	munmap(hole, 4096);
	gang_untouched(_metadata, self);
}

TEST_F(bad, unknown_ioctl_is_enotty)
{
	char buf[64] = { 0 };

	EXPECT_EQ(-ENOTTY, sys_ioctl(self->dev,
				     _IOWR(STRATA_GANG_IOC_MAGIC, 0x7f,
					   char[64]), buf));
	EXPECT_EQ(-ENOTTY, sys_ioctl(self->dev, STRATA_CAP_IOC_TABLE_INFO,
				     buf));
	/* a fake GPU's call on the scheduler's device */
	EXPECT_EQ(-ENOTTY, sys_ioctl(self->dev, STRATA_FAKEGPU_IOC_STAT, buf));
}

TEST_HARNESS_MAIN

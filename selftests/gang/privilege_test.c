// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - what a user without privileges may do
 *
 * Anyone may open the device, list and create gangs; priorities above 0
 * and raising a gang's priority need CAP_SYS_NICE, co-scheduling too
 * unless unpriv_cosched allows it, and a user without CAP_SYS_ADMIN has at
 * most user_max_gangs live gangs.  Handles are the authority: a gang
 * handle passed to an unprivileged process lets it join.  The one call
 * that needs no handle, KILL_ID, needs CAP_SYS_ADMIN, even for the
 * caller's own gang.
 */
#include "kselftest_harness.h"
#include "common.h"

#define LIVE_MS		10000

/* Shared with the unprivileged child: what it got. */
struct outcome {
	int rets[16];
	int nr;
	__u32 uid;
	int export_fd;		/* a gang handle file for the child */
	int limit;		/* user_max_gangs in force */
	__u64 koid;		/* a gang of root's */
};

FIXTURE(unpriv) {
	int dev, table;
	struct outcome *out;
	__u32 h;
};

FIXTURE_SETUP(unpriv)
{
	self->dev = gang_open();
	ASSERT_LE(0, self->dev);
	self->table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->table);
	self->out = mmap(NULL, sizeof(*self->out), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->out);
	self->out->export_fd = -1;
	ASSERT_TRUE(GANG_WAIT_UNTIL(gang_idle(self->dev), LIVE_MS));
}

FIXTURE_TEARDOWN(unpriv)
{
	if (self->out->export_fd >= 0)
		close(self->out->export_fd);
	munmap(self->out, sizeof(*self->out));
	gang_close_quiet(self->table, &self->h);
	gang_params_restore();
	close(self->table);
	close(self->dev);
}

static void note(struct outcome *out, int ret)
{
	if (out->nr < 16)
		out->rets[out->nr++] = ret;
}

/* In the child: its own table and device; 0, or where it failed. */
static int open_both(int *dev, int *table)
{
	*dev = gang_open();
	if (*dev < 0)
		return 1;
	*table = strata_cap_open(O_CLOEXEC);
	if (*table < 0)
		return 2;
	return 0;
}

static int create_with(int dev, int table, __u32 prio, __u32 flags,
		       __u32 *h)
{
	struct strata_gang_create c = gang_args(table, 1, 1);
	int err;

	c.priority = prio;
	c.flags = flags;
	err = gang_create_args(dev, &c);
	if (!err && h)
		*h = c.handle;
	return err;
}

static int priorities(void *arg)
{
	struct outcome *out = arg;
	struct strata_gang_info info = { 0 };
	int dev, table, err;
	__u32 h = 0;

	err = open_both(&dev, &table);
	if (err)
		return err;
	note(out, create_with(dev, table, 1, 0, NULL));
	note(out, create_with(dev, table, STRATA_GANG_MAX_PRIORITY, 0, NULL));
	note(out, create_with(dev, table, 0, 0, &h));
	note(out, gang_info(dev, table, h, &info));
	out->uid = info.uid;
	/* raising is refused, keeping or lowering is not */
	note(out, gang_set(dev, table, h, STRATA_GANG_SET_PRIORITY, 1, 0));
	note(out, gang_set(dev, table, h, STRATA_GANG_SET_PRIORITY, 0, 0));
	note(out, gang_set(dev, table, h, STRATA_GANG_SET_SLICE, 0, 10));
	return 0;
}

TEST_F(unpriv, priority_above_zero_needs_cap_sys_nice)
{
	ASSERT_EQ(0, gang_as_nobody(priorities, self->out));
	ASSERT_EQ(7, self->out->nr);
	EXPECT_EQ(-EPERM, self->out->rets[0]);
	EXPECT_EQ(-EPERM, self->out->rets[1]);
	EXPECT_EQ(0, self->out->rets[2]);
	EXPECT_EQ(0, self->out->rets[3]);
	EXPECT_EQ(GANG_NOBODY, self->out->uid);
	EXPECT_EQ(-EPERM, self->out->rets[4]);
	EXPECT_EQ(0, self->out->rets[5]);
	EXPECT_EQ(0, self->out->rets[6]);
	/* the child's table went with it, and its gang too */
	EXPECT_TRUE(GANG_WAIT_UNTIL(gang_nr_gangs(self->dev) == 0, LIVE_MS));
}

static int set_through_imported_handle(void *arg)
{
	struct outcome *out = arg;
	struct strata_gang_info info = { 0 };
	int dev, table, err;
	__u32 h = 0;

	err = open_both(&dev, &table);
	if (err)
		return err;
	note(out, strata_handle_import(table, out->export_fd, &h));
	/* it has priority 3: 4 raises it, 3 keeps it, 2 lowers it */
	note(out, gang_set(dev, table, h, STRATA_GANG_SET_PRIORITY, 4, 0));
	note(out, gang_set(dev, table, h, STRATA_GANG_SET_PRIORITY, 3, 0));
	note(out, gang_set(dev, table, h, STRATA_GANG_SET_PRIORITY, 2, 0));
	/* and back up is raising again */
	note(out, gang_set(dev, table, h, STRATA_GANG_SET_PRIORITY, 3, 0));
	note(out, gang_info(dev, table, h, &info));
	out->uid = info.uid;
	return 0;
}

TEST_F(unpriv, raising_a_priority_needs_cap_sys_nice)
{
	struct strata_gang_create c = gang_args(self->table, 1, 1);
	struct strata_gang_info info;
	__u32 d;

	c.priority = 3;
	ASSERT_EQ(0, gang_create_args(self->dev, &c));
	self->h = c.handle;
	ASSERT_EQ(0, strata_handle_duplicate(self->table, self->h,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	self->out->export_fd = strata_handle_export(self->table, d,
						    STRATA_RIGHT_SAME_RIGHTS,
						    0);
	ASSERT_LE(0, self->out->export_fd);

	ASSERT_EQ(0, gang_as_nobody(set_through_imported_handle, self->out));
	ASSERT_EQ(6, self->out->nr);
	EXPECT_EQ(0, self->out->rets[0]);
	EXPECT_EQ(-EPERM, self->out->rets[1]);
	EXPECT_EQ(0, self->out->rets[2]);
	EXPECT_EQ(0, self->out->rets[3]);
	EXPECT_EQ(-EPERM, self->out->rets[4]);
	EXPECT_EQ(0, self->out->uid);	/* root made it */
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h, &info));
	EXPECT_EQ(2, info.priority);
	/* root may raise it */
	EXPECT_EQ(0, gang_set(self->dev, self->table, self->h,
			      STRATA_GANG_SET_PRIORITY, 6, 0));
}

static int cosched(void *arg)
{
	struct outcome *out = arg;
	int dev, table, err;

	err = open_both(&dev, &table);
	if (err)
		return err;
	note(out, create_with(dev, table, 0, STRATA_GANG_COSCHED, NULL));
	note(out, create_with(dev, table, 0, STRATA_GANG_STOP, NULL));
	return 0;
}

TEST_F(unpriv, cosched_needs_cap_sys_nice_unless_unpriv_cosched)
{
	ASSERT_EQ(0, gang_param_get("unpriv_cosched"));
	ASSERT_EQ(0, gang_as_nobody(cosched, self->out));
	ASSERT_EQ(2, self->out->nr);
	EXPECT_EQ(-EPERM, self->out->rets[0]);
	EXPECT_EQ(0, self->out->rets[1]);

	ASSERT_EQ(0, gang_param_push("unpriv_cosched", "Y"));
	self->out->nr = 0;
	ASSERT_EQ(0, gang_as_nobody(cosched, self->out));
	ASSERT_EQ(2, self->out->nr);
	EXPECT_EQ(0, self->out->rets[0]);
	EXPECT_EQ(0, self->out->rets[1]);
}

static int many_gangs(void *arg)
{
	struct outcome *out = arg;
	int dev, table, err, i;
	__u32 h[8], extra;

	err = open_both(&dev, &table);
	if (err)
		return err;
	for (i = 0; i < out->limit && i < 8; i++) {
		err = gang_create(dev, table, 1, 1, &h[i]);
		if (err) {
			note(out, err);
			return 3;
		}
	}
	note(out, gang_create(dev, table, 1, 1, &extra));
	/* the table is unchanged by the refusal */
	note(out, (int)gang_nr_handles(table));
	/* one gone, one more may come */
	strata_handle_close(table, h[0]);
	err = -EDQUOT;
	GANG_WAIT_UNTIL((err = gang_create(dev, table, 1, 1, &h[0])) !=
			-EDQUOT, LIVE_MS);
	note(out, err);
	note(out, gang_create(dev, table, 1, 1, &extra));
	return 0;
}

TEST_F(unpriv, a_user_has_at_most_user_max_gangs_live_gangs)
{
	ASSERT_EQ(0, gang_param_push("user_max_gangs", "3"));
	self->out->limit = 3;
	ASSERT_EQ(0, gang_as_nobody(many_gangs, self->out));
	ASSERT_EQ(4, self->out->nr);
	EXPECT_EQ(-EDQUOT, self->out->rets[0]);
	EXPECT_EQ(3, self->out->rets[1]);
	EXPECT_EQ(0, self->out->rets[2]);
	EXPECT_EQ(-EDQUOT, self->out->rets[3]);
	EXPECT_TRUE(GANG_WAIT_UNTIL(gang_nr_gangs(self->dev) == 0, LIVE_MS));
}

TEST_F(unpriv, root_is_not_held_to_user_max_gangs)
{
	__u32 h[3];
	int i;

	ASSERT_EQ(0, gang_param_push("user_max_gangs", "1"));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, gang_create(self->dev, self->table, 1, 1, &h[i]));
	for (i = 0; i < 3; i++)
		strata_handle_close(self->table, h[i]);
}

static int join_through_imported_handle(void *arg)
{
	struct outcome *out = arg;
	struct strata_gang_step st = { 0 };
	int dev, table, err;
	__u32 h = 0;

	err = open_both(&dev, &table);
	if (err)
		return err;
	note(out, strata_handle_import(table, out->export_fd, &h));
	note(out, gang_join(dev, table, h, NULL));
	note(out, gang_step(dev, table, h, 0, &st));
	note(out, (int)st.nr_gpus);
	note(out, gang_leave(dev, table, h));
	/* the list and the status are anyone's */
	note(out, gang_list(dev, NULL, 0));
	note(out, gang_free_gpus(dev));
	return 0;
}

TEST_F(unpriv, an_imported_handle_lets_an_unprivileged_process_join)
{
	__u32 d;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 2, &self->h));
	ASSERT_EQ(0, strata_handle_duplicate(self->table, self->h,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	self->out->export_fd = strata_handle_export(self->table, d,
						    STRATA_RIGHT_SAME_RIGHTS,
						    0);
	ASSERT_LE(0, self->out->export_fd);
	ASSERT_EQ(0, gang_as_nobody(join_through_imported_handle, self->out));
	ASSERT_EQ(7, self->out->nr);
	EXPECT_EQ(0, self->out->rets[0]);
	EXPECT_EQ(0, self->out->rets[1]);
	EXPECT_EQ(0, self->out->rets[2]);
	EXPECT_EQ(2, self->out->rets[3]);
	EXPECT_EQ(0, self->out->rets[4]);
	EXPECT_EQ(1, self->out->rets[5]);
	/* read after its LEAVE: the gang is done, every GPU free */
	EXPECT_EQ(GANG_NR_FAKE, self->out->rets[6]);
	EXPECT_EQ(STRATA_GANG_DONE, gang_state(self->dev, self->table,
					       self->h));
}

static int use_roots_table(void *arg)
{
	struct outcome *out = arg;
	struct strata_gang_create c = gang_args(out->export_fd, 1, 1);
	int dev = gang_open();

	if (dev < 0)
		return 1;
	/* export_fd holds root's table here */
	note(out, gang_create_args(dev, &c));
	note(out, gang_join(dev, out->export_fd, out->rets[15], NULL));
	return 0;
}

TEST_F(unpriv, the_table_of_another_process_is_refused)
{
	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h));
	self->out->export_fd = dup(self->table);
	ASSERT_LE(0, self->out->export_fd);
	self->out->rets[15] = (int)self->h;
	ASSERT_EQ(0, gang_as_nobody(use_roots_table, self->out));
	EXPECT_EQ(-EACCES, self->out->rets[0]);
	EXPECT_EQ(-EACCES, self->out->rets[1]);
	EXPECT_EQ(STRATA_GANG_FORMING, gang_state(self->dev, self->table,
						  self->h));
}

static int kill_by_id(void *arg)
{
	struct outcome *out = arg;
	int dev, table, err;
	__u32 h;

	err = open_both(&dev, &table);
	if (err)
		return err;
	/* root's gang, then its own, then a koid of nothing */
	note(out, gang_kill_id(dev, out->koid));
	err = gang_create(dev, table, 1, 1, &h);
	if (err)
		return 3;
	note(out, gang_kill_id(dev, gang_koid(table, h)));
	note(out, gang_state(dev, table, h));
	note(out, gang_kill_id(dev, ~0ULL));
	/* refused before the argument is even read */
	note(out, gang_kill_id_raw(dev, 0, 1, 1));
	note(out, sys_ioctl(dev, STRATA_GANG_IOC_KILL_ID, NULL));
	return 0;
}

TEST_F(unpriv, kill_id_needs_cap_sys_admin)
{
	struct strata_gang_info info;
	__u64 koid;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h));
	koid = gang_koid(self->table, self->h);
	ASSERT_NE(0, koid);
	self->out->koid = koid;
	ASSERT_EQ(0, gang_as_nobody(kill_by_id, self->out));
	ASSERT_EQ(6, self->out->nr);
	EXPECT_EQ(-EPERM, self->out->rets[0]);
	EXPECT_EQ(-EPERM, self->out->rets[1]);
	EXPECT_EQ(STRATA_GANG_FORMING, self->out->rets[2]);
	EXPECT_EQ(-EPERM, self->out->rets[3]);
	EXPECT_EQ(-EPERM, self->out->rets[4]);
	EXPECT_EQ(-EPERM, self->out->rets[5]);
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h, &info));
	EXPECT_EQ(STRATA_GANG_FORMING, info.state);
	EXPECT_EQ(STRATA_GANG_ABORT_NONE, info.abort_reason);
	/* root may */
	EXPECT_EQ(0, gang_kill_id(self->dev, koid));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h, &info));
	EXPECT_EQ(STRATA_GANG_ABORTED, info.state);
	EXPECT_EQ(STRATA_GANG_ABORT_ADMIN, info.abort_reason);
}

TEST_HARNESS_MAIN

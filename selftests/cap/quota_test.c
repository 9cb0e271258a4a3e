// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - limits: per table and per user
 *
 * max_handles bounds one table (-EMFILE); user_max_handles,
 * user_max_objects and user_max_queued_bytes bound what one uid holds
 * across all its tables (-EDQUOT).  Each test lowers a module parameter
 * and the fixture puts every parameter back from the parent process, so
 * that a failed or crashed test cannot leave a lowered limit behind.
 */
#include <grp.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "common.h"

#define PARAM_DIR	"/sys/module/strata_cap/parameters/"
#define NOBODY		65534

enum { P_MAX_HANDLES, P_USER_HANDLES, P_USER_OBJECTS, P_USER_BYTES, P_NR };

static const char *const param_path[P_NR] = {
	[P_MAX_HANDLES] = PARAM_DIR "max_handles",
	[P_USER_HANDLES] = PARAM_DIR "user_max_handles",
	[P_USER_OBJECTS] = PARAM_DIR "user_max_objects",
	[P_USER_BYTES] = PARAM_DIR "user_max_queued_bytes",
};

FIXTURE(quota) {
	/* Shared with the parent, which restores them. */
	char saved[P_NR][32];
	int fd;
};

static int read_param(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

FIXTURE_SETUP(quota)
{
	int i;

	for (i = 0; i < P_NR; i++) {
		self->saved[i][0] = '\0';
		EXPECT_EQ(0, read_param(param_path[i], self->saved[i],
					sizeof(self->saved[i])))
			TH_LOG("%s", param_path[i]);
	}
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN_PARENT(quota)
{
	int i;

	/* The test's process, and with it self->fd, is gone by now. */
	for (i = 0; i < P_NR; i++) {
		if (!self->saved[i][0])
			continue;
		EXPECT_EQ(0, strata_write_str(param_path[i], self->saved[i]))
			TH_LOG("restoring %s", param_path[i]);
	}
}

/* Set parameter @p to @value; the teardown puts it back. */
static int set_param(int p, long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", value);
	return strata_write_str(param_path[p], buf);
}

/* ---- per table --------------------------------------------------------- */

TEST_F(quota, table_limit_gives_emfile_for_every_way_in)
{
	struct strata_cap_table_info info;
	__u32 c0, c1, ev[6], h, x, e0, e1, got, nh;
	char byte;
	long objects;
	int t, efd, i;

	ASSERT_EQ(0, set_param(P_MAX_HANDLES, 8));
	t = strata_cap_open(O_CLOEXEC);
	ASSERT_EQ(0, strata_write_str(param_path[P_MAX_HANDLES],
			       self->saved[P_MAX_HANDLES]));
	ASSERT_LE(0, t);
	/* The limit is the one in force when the table was opened. */
	ASSERT_EQ(0, strata_cap_table_info(t, &info));
	EXPECT_EQ(8, info.max_handles);
	ASSERT_EQ(0, strata_cap_table_info(self->fd, &info));
	EXPECT_EQ(atol(self->saved[P_MAX_HANDLES]), info.max_handles);

	ASSERT_EQ(0, strata_channel_create(t, &c0, &c1));
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, strata_event_create(t, &ev[i]));
	}
	EXPECT_EQ(8, cap_nr_handles(t));
	objects = cap_stat("objects");
	EXPECT_EQ(-EMFILE, strata_event_create(t, &h));
	EXPECT_EQ(-EMFILE, strata_handle_duplicate(t, ev[0],
				STRATA_RIGHT_SAME_RIGHTS, &h));
	/* An import into a full table leaves the handle in its file. */
	ASSERT_EQ(0, strata_event_create(self->fd, &x));
	efd = strata_handle_export(self->fd, x, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	EXPECT_EQ(-EMFILE, strata_handle_import(t, efd, &h));
	EXPECT_EQ(8, cap_nr_handles(t));
	EXPECT_EQ(objects + 1, cap_stat("objects"));

	/* A pair needs two slots; with one free, neither end is made. */
	ASSERT_EQ(0, strata_handle_close(t, ev[5]));
	objects = cap_stat_settle("objects", objects, 2000);
	EXPECT_EQ(-EMFILE, strata_eventpair_create(t, &e0, &e1));
	EXPECT_EQ(-EMFILE, strata_channel_create(t, &e0, &e1));
	EXPECT_EQ(7, cap_nr_handles(t));
	EXPECT_EQ(objects, cap_stat_settle("objects", objects, 2000));

	/*
	 * A message carrying a handle cannot be read into a full table; it
	 * stays queued (a read is all or nothing) until there is room.
	 */
	ASSERT_EQ(0, strata_channel_write(t, c0, "h", 1, &ev[4], 1));
	ASSERT_EQ(0, strata_event_create(t, &ev[5]));
	ASSERT_EQ(0, strata_event_create(t, &ev[4]));
	EXPECT_EQ(8, cap_nr_handles(t));
	EXPECT_EQ(-EMFILE, strata_channel_read(t, c1, &byte, 1, &got, 1, NULL,
					       &nh));
	EXPECT_EQ(0, strata_object_wait_one(t, c1, STRATA_SIGNAL_READABLE, 0,
					    NULL));
	ASSERT_EQ(0, strata_handle_close(t, ev[0]));
	nh = 0;
	EXPECT_EQ(0, strata_channel_read(t, c1, &byte, 1, &got, 1, NULL, &nh));
	EXPECT_EQ(1, nh);
	EXPECT_EQ(8, cap_nr_handles(t));

	/* Room again: the exported handle comes in after a close. */
	ASSERT_EQ(0, strata_handle_close(t, ev[1]));
	EXPECT_EQ(0, strata_handle_import(t, efd, &h));
	close(efd);
	close(t);
}

/* ---- per user ---------------------------------------------------------- */

TEST_F(quota, user_handle_quota_spans_all_tables_of_the_user)
{
	__u32 h[8], out, e0, e1;
	int t1, t2, i, efd;
	long base;

	t1 = strata_cap_open(O_CLOEXEC);
	t2 = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, t1);
	ASSERT_LE(0, t2);
	/* Everything counted now is root's, i.e. ours. */
	base = cap_stat("handles");
	ASSERT_LE(0, base);
	ASSERT_EQ(0, set_param(P_USER_HANDLES, base + 8));

	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, strata_event_create(t1, &h[i]));
	}
	for (; i < 8; i++) {
		ASSERT_EQ(0, strata_event_create(t2, &h[i]));
	}
	EXPECT_EQ(-EDQUOT, strata_event_create(t2, &out));
	EXPECT_EQ(-EDQUOT, strata_event_create(t1, &out));
	EXPECT_EQ(-EDQUOT, strata_handle_duplicate(t1, h[0],
				STRATA_RIGHT_SAME_RIGHTS, &out));
	EXPECT_EQ(-EDQUOT, strata_eventpair_create(t2, &e0, &e1));
	EXPECT_EQ(-EDQUOT, strata_channel_create(self->fd, &e0, &e1));
	EXPECT_EQ(5, cap_nr_handles(t1));
	EXPECT_EQ(3, cap_nr_handles(t2));
	EXPECT_EQ(0, cap_nr_handles(self->fd));

	/* Moving a handle between the user's tables charges nothing more. */
	efd = strata_handle_export(t1, h[0], STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	EXPECT_EQ(0, strata_handle_import(t2, efd, &h[0]));
	close(efd);

	/* A close gives the unit back, to any table of the user. */
	ASSERT_EQ(0, strata_handle_close(t1, h[1]));
	EXPECT_EQ(0, strata_event_create(t2, &out));
	EXPECT_EQ(-EDQUOT, strata_event_create(t1, &out));
	/* Closing a table gives back all of its handles. */
	close(t1);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, strata_event_create(self->fd, &out));
	}
	close(t2);
}

TEST_F(quota, user_object_quota_counts_objects_not_handles)
{
	__u32 ev[4], out, e0, e1;
	long base;
	int i;

	base = cap_stat("objects");
	ASSERT_LE(0, base);
	ASSERT_EQ(0, set_param(P_USER_OBJECTS, base + 4));

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, strata_event_create(self->fd, &ev[i]));
	}
	EXPECT_EQ(-EDQUOT, strata_event_create(self->fd, &out));
	EXPECT_EQ(-EDQUOT, strata_eventpair_create(self->fd, &e0, &e1));
	EXPECT_EQ(-EDQUOT, strata_channel_create(self->fd, &e0, &e1));
	EXPECT_EQ(4, cap_nr_handles(self->fd));
	EXPECT_EQ(base + 4, cap_stat_settle("objects", base + 4, 2000));
	/* A new handle to an existing object is no new object. */
	EXPECT_EQ(0, strata_handle_duplicate(self->fd, ev[0],
				STRATA_RIGHT_SAME_RIGHTS, &out));
	/* The last handle's close ends the object and gives it back. */
	ASSERT_EQ(0, strata_handle_close(self->fd, ev[1]));
	ASSERT_EQ(base + 3, cap_stat_settle("objects", base + 3, 2000));
	EXPECT_EQ(0, strata_event_create(self->fd, &ev[1]));
	EXPECT_EQ(-EDQUOT, strata_event_create(self->fd, &out));
}

TEST_F(quota, user_queued_bytes_quota_bounds_unread_messages)
{
	static char msg[8192];
	__u32 c0, c1, ev, nb, nh;
	struct strata_cap_handle_info info;
	int i;

	ASSERT_EQ(0, strata_channel_create(self->fd, &c0, &c1));
	ASSERT_EQ(0, strata_event_create(self->fd, &ev));
	/* Nothing is queued anywhere now: the user's count is 0. */
	ASSERT_EQ(0, set_param(P_USER_BYTES, 4096));

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, strata_channel_write(self->fd, c0, msg, 1000,
						  NULL, 0));
	}
	EXPECT_EQ(-EDQUOT, strata_channel_write(self->fd, c0, msg, 1000, NULL,
						0));
	/* A refused write keeps its handles with the sender. */
	EXPECT_EQ(-EDQUOT, strata_channel_write(self->fd, c0, msg, 1000, &ev,
						1));
	EXPECT_EQ(0, strata_handle_info(self->fd, ev, &info));
	/* Either direction counts: it is the user's, not the queue's. */
	EXPECT_EQ(-EDQUOT, strata_channel_write(self->fd, c1, msg, 1000, NULL,
						0));

	/* Reading gives the bytes back. */
	ASSERT_EQ(0, strata_channel_read(self->fd, c1, msg, sizeof(msg), NULL,
					 0, &nb, &nh));
	EXPECT_EQ(1000, nb);
	EXPECT_EQ(0, strata_channel_write(self->fd, c0, msg, 1000, NULL, 0));
	EXPECT_EQ(-EDQUOT, strata_channel_write(self->fd, c0, msg, 1000, NULL,
						0));

	/* Closing the reading end discards the queue and gives it all back. */
	ASSERT_EQ(0, strata_handle_close(self->fd, c1));
	ASSERT_EQ(0, strata_handle_close(self->fd, c0));
	ASSERT_EQ(0, strata_channel_create(self->fd, &c0, &c1));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, strata_channel_write(self->fd, c0, msg, 1000,
						  NULL, 0));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, strata_channel_read(self->fd, c1, msg,
						 sizeof(msg), NULL, 0, NULL,
						 NULL));
	}
	/* One message bigger than the whole quota never fits. */
	EXPECT_EQ(-EDQUOT, strata_channel_write(self->fd, c0, msg,
						sizeof(msg), NULL, 0));
	EXPECT_EQ(-EAGAIN, strata_channel_read(self->fd, c1, msg, sizeof(msg),
					       NULL, 0, NULL, NULL));
}

/* Become nobody: groups first, then gid, then uid. */
static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	return 0;
}

/*
 * The unprivileged child: the root parent's table fd is refused; its own
 * table holds exactly @limit handles; it cannot raise its limit.
 */
static int nobody_child(int parent_fd, __u32 parent_handle, long limit,
			int ready, int go)
{
	struct strata_cap_table_info tinfo;
	struct strata_cap_handle_info info;
	__u32 h;
	long i;
	int t;
	char c;

	if (drop_to_nobody())
		return 10;
	/* Handles are per table, and this table is root's. */
	if (strata_cap_table_info(parent_fd, &tinfo) != -EACCES)
		return 11;
	if (strata_handle_info(parent_fd, parent_handle, &info) != -EACCES)
		return 12;
	if (strata_handle_duplicate(parent_fd, parent_handle,
				    STRATA_RIGHT_SAME_RIGHTS, &h) != -EACCES)
		return 13;
	if (strata_handle_close(parent_fd, parent_handle) != -EACCES)
		return 14;
	if (strata_event_create(parent_fd, &h) != -EACCES)
		return 15;
	/* The limits are root's to change. */
	if (strata_write_str(param_path[P_USER_HANDLES], "100000000") != -EACCES)
		return 16;

	t = strata_cap_open(O_CLOEXEC);
	if (t < 0)
		return 17;
	for (i = 0; i < limit; i++)
		if (strata_event_create(t, &h))
			return 18;
	if (strata_event_create(t, &h) != -EDQUOT)
		return 19;
	if (write(ready, "f", 1) != 1)
		return 20;
	/* Hold the handles while the parent checks its own quota. */
	if (read(go, &c, 1) != 1)
		return 21;
	/* Left open: the exit must give the quota back. */
	return 0;
}

TEST_F(quota, unprivileged_user_has_its_own_table_and_quota)
{
	int ready[2], go[2], status, round;
	__u32 mine, out;
	long limit;
	pid_t pid;
	char c;

	ASSERT_EQ(0, strata_event_create(self->fd, &mine));
	/* Root holds what is counted now; nobody holds nothing. */
	limit = cap_stat("handles") + 16;
	ASSERT_EQ(0, set_param(P_USER_HANDLES, limit));

	/* Twice: a process's exit must give its user's quota back. */
	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
		ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(nobody_child(self->fd, mine, limit, ready[1],
					   go[0]));
		close(ready[1]);
		close(go[0]);
		ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("round %d", round);
		/* Nobody is at its limit; root, below its own, is not. */
		EXPECT_EQ(0, strata_event_create(self->fd, &out));
		EXPECT_EQ(0, strata_handle_close(self->fd, out));
		ASSERT_EQ(1, write(go[1], "g", 1));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("round %d", round);
		close(ready[0]);
		close(go[1]);
	}
	EXPECT_EQ(0, strata_handle_close(self->fd, mine));
}

TEST_F(quota, limits_can_be_lowered_below_the_current_use)
{
	__u32 h[4], out;
	long base;
	int i;

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, strata_event_create(self->fd, &h[i]));
	}
	base = cap_stat("handles");
	/* Lowering takes nothing away; it refuses new charges. */
	ASSERT_EQ(0, set_param(P_USER_HANDLES, base - 2));
	EXPECT_EQ(4, cap_nr_handles(self->fd));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, strata_object_signal(self->fd, h[i], 0,
						  STRATA_SIGNAL_SIGNALED));
	}
	EXPECT_EQ(-EDQUOT, strata_event_create(self->fd, &out));
	/* Closing down to the limit is not enough... */
	ASSERT_EQ(0, strata_handle_close(self->fd, h[0]));
	ASSERT_EQ(0, strata_handle_close(self->fd, h[1]));
	EXPECT_EQ(-EDQUOT, strata_event_create(self->fd, &out));
	/* ... below it is. */
	ASSERT_EQ(0, strata_handle_close(self->fd, h[2]));
	EXPECT_EQ(0, strata_event_create(self->fd, &out));
}

TEST_HARNESS_MAIN

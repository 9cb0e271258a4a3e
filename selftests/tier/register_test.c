// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier selftests - REGISTER, UNREGISTER, LIST and STATS: what can be
 * registered, by whom, how registrations end, and the module parameters'
 * ranges
 */
#include <stddef.h>
#include "kselftest_harness.h"
#include "common.h"

#define NR_WORK		3
#define NR_IDS		8

/* Runs first, before any fixture changed a parameter. */
TEST(parameters_have_their_documented_defaults)
{
	EXPECT_EQ(25, tier_param_get("scan_first_ms"));
	EXPECT_EQ(100, tier_param_get("scan_min_ms"));
	EXPECT_EQ(1000, tier_param_get("scan_max_ms"));
	EXPECT_EQ(2, tier_param_get("hot_rounds"));
	EXPECT_EQ(4, tier_param_get("cold_rounds"));
	EXPECT_EQ(512, tier_param_get("rate_limit_mbps"));
	EXPECT_EQ(4, tier_param_get("migrate_threads"));
	EXPECT_EQ(2, tier_param_get("fast_reserve_pct"));
	EXPECT_EQ(1, tier_param_get("thp_split"));
	EXPECT_EQ(64, tier_param_get("max_regs"));
}

FIXTURE(reg) {
	int fd;
	struct tier_work w[NR_WORK];
	__u32 ids[NR_IDS];
	pid_t extra;		/* a child outside tier_work, or 0 */
	char cg[64];		/* a test cgroup, or "" */
};

FIXTURE_SETUP(reg)
{
	self->fd = tier_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, tier_nr_regs());
	/* cgroup membership changes are seen at the next round */
	ASSERT_EQ(0, tier_fast_scan(50, 200));
}

FIXTURE_TEARDOWN(reg)
{
	int i;

	for (i = 0; i < NR_IDS; i++)
		tier_unregister_quiet(self->fd, &self->ids[i]);
	for (i = 0; i < NR_WORK; i++)
		tier_work_kill(&self->w[i]);
	if (self->extra > 0) {
		kill(self->extra, SIGKILL);
		waitpid(self->extra, NULL, 0);
	}
	tier_cgroup_destroy(self->cg);
	tier_settings_restore();
	close(self->fd);
}

/* A workload child with 1 MiB of memory that it does not touch. */
static int start_idle(struct tier_work *w)
{
	struct tier_work_cfg cfg = { .len = TIER_MIB, .node = -1 };

	return tier_work_start(w, &cfg);
}

static int register_raw(int fd, __u32 flags, __s32 target, __u64 quota,
			__u32 id_in, __u32 reserved, __u32 *id)
{
	struct strata_tier_reg reg = {
		.flags = flags,
		.target = target,
		.fast_quota = quota,
		.id = id_in,
		.reserved = reserved,
	};
	int err;

	err = sys_ioctl(fd, STRATA_TIER_IOC_REGISTER, &reg);
	if (!err && id)
		*id = reg.id;
	return err;
}

/* The cgroup id of directory @path (name_to_handle_at), or 0. */
static __u64 cgroup_id(const char *path)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + sizeof(__u64)];
	} h = { .fh.handle_bytes = sizeof(__u64) };
	__u64 id;
	int mnt;

	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, 0))
		return 0;
	memcpy(&id, h.buf + sizeof(struct file_handle), sizeof(id));
	return id;
}

static __u32 nr_spaces(int fd, __u32 id)
{
	struct strata_tier_stats st;

	if (strata_tier_stats(fd, id, &st))
		return ~0U;
	return st.nr_spaces;
}

/* A pid that is free now: a child's, after it was reaped. */
static pid_t free_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

TEST_F(reg, pid_registration_shows_in_list_info_and_stats)
{
	struct strata_tier_stats st;
	struct strata_tier_info info;
	__u32 ids[4];

	ASSERT_EQ(0, start_idle(&self->w[0]));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w[0].pid,
					      8 * TIER_MIB, &self->ids[0]));
	EXPECT_NE(0, self->ids[0]);

	ASSERT_EQ(1, strata_tier_list(self->fd, ids, 4));
	EXPECT_EQ(self->ids[0], ids[0]);
	ASSERT_EQ(0, strata_tier_info(self->fd, &info, NULL, 0));
	EXPECT_EQ(1, info.nr_regs);
	EXPECT_EQ(1, tier_nr_regs());

	ASSERT_EQ(0, strata_tier_stats(self->fd, self->ids[0], &st));
	EXPECT_EQ(sizeof(st), st.size);
	EXPECT_EQ(self->ids[0], st.id);
	EXPECT_EQ(STRATA_TIER_KIND_PID, st.kind);
	EXPECT_EQ(self->w[0].pid, st.pid);
	EXPECT_EQ(1, st.nr_spaces);
	EXPECT_EQ(0, st.cgroup_id);
	EXPECT_EQ(8 * TIER_MIB, st.fast_quota);

	ASSERT_EQ(0, strata_tier_unregister(self->fd, self->ids[0]));
	EXPECT_EQ(-ENOENT, strata_tier_stats(self->fd, self->ids[0], &st));
	EXPECT_EQ(-ENOENT, strata_tier_unregister(self->fd, self->ids[0]));
	self->ids[0] = 0;
	EXPECT_EQ(0, strata_tier_list(self->fd, ids, 4));
	EXPECT_EQ(0, tier_nr_regs());
}

TEST_F(reg, pidfd_registration_is_a_pid_registration)
{
	struct strata_tier_stats st;
	int pidfd;

	ASSERT_EQ(0, start_idle(&self->w[0]));
	pidfd = syscall(SYS_pidfd_open, self->w[0].pid, 0);
	ASSERT_LE(0, pidfd);
	ASSERT_EQ(0, strata_tier_register_pidfd(self->fd, pidfd,
						STRATA_TIER_QUOTA_NONE,
						&self->ids[0]));
	close(pidfd);
	ASSERT_EQ(0, strata_tier_stats(self->fd, self->ids[0], &st));
	EXPECT_EQ(STRATA_TIER_KIND_PID, st.kind);
	EXPECT_EQ(self->w[0].pid, st.pid);
	EXPECT_EQ(1, st.nr_spaces);
	EXPECT_EQ(STRATA_TIER_QUOTA_NONE, st.fast_quota);
}

TEST_F(reg, pidfd_flag_with_another_fd_fails)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, null);
	EXPECT_EQ(-EINVAL, register_raw(self->fd, STRATA_TIER_REG_PIDFD, null,
					STRATA_TIER_QUOTA_NONE, 0, 0, NULL));
	close(null);
	EXPECT_EQ(-EBADF, register_raw(self->fd, STRATA_TIER_REG_PIDFD, null,
				       STRATA_TIER_QUOTA_NONE, 0, 0, NULL));
	EXPECT_EQ(-EBADF, register_raw(self->fd, STRATA_TIER_REG_PIDFD, -1,
				       STRATA_TIER_QUOTA_NONE, 0, 0, NULL));
	EXPECT_EQ(0, tier_nr_regs());
}

TEST_F(reg, cgroup_registration_covers_the_processes_in_it)
{
	struct strata_tier_stats st;

	ASSERT_EQ(0, tier_cgroup_create(self->cg, sizeof(self->cg)));
	ASSERT_EQ(0, start_idle(&self->w[0]));
	ASSERT_EQ(0, tier_cgroup_move(self->cg, self->w[0].pid));
	ASSERT_EQ(0, strata_tier_register_cgroup(self->fd, self->cg,
						 16 * TIER_MIB,
						 &self->ids[0]));
	ASSERT_EQ(0, strata_tier_stats(self->fd, self->ids[0], &st));
	EXPECT_EQ(STRATA_TIER_KIND_CGROUP, st.kind);
	EXPECT_EQ(0, st.pid);
	EXPECT_NE(0, st.cgroup_id);
	EXPECT_EQ(cgroup_id(self->cg), st.cgroup_id);
	EXPECT_EQ(16 * TIER_MIB, st.fast_quota);
	EXPECT_TRUE(TIER_WAIT_UNTIL(nr_spaces(self->fd, self->ids[0]) == 1,
				    5000));
	EXPECT_EQ(1, tier_listed(self->fd, self->ids[0]));
}

TEST_F(reg, cgroup_registration_follows_processes_joining_and_leaving)
{
	ASSERT_EQ(0, tier_cgroup_create(self->cg, sizeof(self->cg)));
	ASSERT_EQ(0, strata_tier_register_cgroup(self->fd, self->cg,
						 STRATA_TIER_QUOTA_NONE,
						 &self->ids[0]));
	EXPECT_EQ(0, nr_spaces(self->fd, self->ids[0]));

	ASSERT_EQ(0, start_idle(&self->w[0]));
	ASSERT_EQ(0, start_idle(&self->w[1]));
	ASSERT_EQ(0, tier_cgroup_move(self->cg, self->w[0].pid));
	EXPECT_TRUE(TIER_WAIT_UNTIL(nr_spaces(self->fd, self->ids[0]) == 1,
				    5000));
	ASSERT_EQ(0, tier_cgroup_move(self->cg, self->w[1].pid));
	EXPECT_TRUE(TIER_WAIT_UNTIL(nr_spaces(self->fd, self->ids[0]) == 2,
				    5000));

	/* one leaves for the root cgroup, the other exits */
	ASSERT_EQ(0, tier_cgroup_move(TIER_CGROUP_ROOT, self->w[0].pid));
	EXPECT_TRUE(TIER_WAIT_UNTIL(nr_spaces(self->fd, self->ids[0]) == 1,
				    5000));
	EXPECT_EQ(0, tier_work_stop(&self->w[1]));
	EXPECT_TRUE(TIER_WAIT_UNTIL(nr_spaces(self->fd, self->ids[0]) == 0,
				    5000));
	/* an empty cgroup stays registered until unregistered */
	EXPECT_EQ(1, tier_listed(self->fd, self->ids[0]));
	/* the one that left can be registered on its own now */
	EXPECT_EQ(0, strata_tier_register_pid(self->fd, self->w[0].pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->ids[1]));
}

TEST_F(reg, cgroup_flag_with_a_non_cgroup_fd_fails)
{
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err;

	ASSERT_LE(0, dir);
	err = register_raw(self->fd, STRATA_TIER_REG_CGROUP, dir,
			   STRATA_TIER_QUOTA_NONE, 0, 0, NULL);
	EXPECT_TRUE(err == -EBADF || err == -EINVAL);
	close(dir);
	EXPECT_EQ(-EBADF, register_raw(self->fd, STRATA_TIER_REG_CGROUP, dir,
				       STRATA_TIER_QUOTA_NONE, 0, 0, NULL));
	EXPECT_EQ(0, tier_nr_regs());
}

TEST_F(reg, second_registration_of_a_process_fails_ebusy)
{
	__u32 id;
	int pidfd;

	ASSERT_EQ(0, start_idle(&self->w[0]));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w[0].pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->ids[0]));
	EXPECT_EQ(-EBUSY, strata_tier_register_pid(self->fd, self->w[0].pid,
						   STRATA_TIER_QUOTA_NONE,
						   &id));
	pidfd = syscall(SYS_pidfd_open, self->w[0].pid, 0);
	ASSERT_LE(0, pidfd);
	EXPECT_EQ(-EBUSY, strata_tier_register_pidfd(self->fd, pidfd,
						     STRATA_TIER_QUOTA_NONE,
						     &id));
	close(pidfd);
	EXPECT_EQ(1, tier_nr_regs());
}

TEST_F(reg, registering_a_second_thread_fails_ebusy)
{
	struct tier_work_cfg cfg = {
		.len = TIER_MIB,
		.node = -1,
		.thread = true,
	};
	__u32 id;

	ASSERT_EQ(0, tier_work_start(&self->w[0], &cfg));
	ASSERT_NE(0, self->w[0].sh->tid);
	ASSERT_NE(self->w[0].pid, self->w[0].sh->tid);
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w[0].pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->ids[0]));
	EXPECT_EQ(-EBUSY, strata_tier_register_pid(self->fd,
						   self->w[0].sh->tid,
						   STRATA_TIER_QUOTA_NONE,
						   &id));
	/* the other order: the thread first, then its process */
	ASSERT_EQ(0, strata_tier_unregister(self->fd, self->ids[0]));
	self->ids[0] = 0;
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w[0].sh->tid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->ids[0]));
	EXPECT_EQ(-EBUSY, strata_tier_register_pid(self->fd, self->w[0].pid,
						   STRATA_TIER_QUOTA_NONE,
						   &id));
	EXPECT_EQ(1, tier_nr_regs());
}

TEST_F(reg, pid_inside_a_registered_cgroup_fails_ebusy)
{
	__u32 id;

	ASSERT_EQ(0, tier_cgroup_create(self->cg, sizeof(self->cg)));
	ASSERT_EQ(0, start_idle(&self->w[0]));
	ASSERT_EQ(0, tier_cgroup_move(self->cg, self->w[0].pid));
	ASSERT_EQ(0, strata_tier_register_cgroup(self->fd, self->cg,
						 STRATA_TIER_QUOTA_NONE,
						 &self->ids[0]));
	EXPECT_EQ(-EBUSY, strata_tier_register_pid(self->fd, self->w[0].pid,
						   STRATA_TIER_QUOTA_NONE,
						   &id));
	EXPECT_EQ(1, tier_nr_regs());
}

TEST_F(reg, unknown_pid_fails_esrch)
{
	pid_t pid = free_pid();
	__u32 id;

	ASSERT_LT(0, pid);
	EXPECT_EQ(-ESRCH, strata_tier_register_pid(self->fd, pid,
						   STRATA_TIER_QUOTA_NONE,
						   &id));
	EXPECT_EQ(-ESRCH, strata_tier_register_pid(self->fd, INT_MAX,
						   STRATA_TIER_QUOTA_NONE,
						   &id));
	EXPECT_EQ(0, tier_nr_regs());
}

TEST_F(reg, kernel_thread_fails_einval)
{
	char comm[32];
	__u32 id;

	/* pid 2 is kthreadd */
	ASSERT_EQ(0, strata_read_str("/proc/2/comm", comm, sizeof(comm)));
	ASSERT_STREQ("kthreadd", comm);
	EXPECT_EQ(-EINVAL, strata_tier_register_pid(self->fd, 2,
						    STRATA_TIER_QUOTA_NONE,
						    &id));
	EXPECT_EQ(0, tier_nr_regs());
}

TEST_F(reg, zombie_fails_einval)
{
	siginfo_t si;
	__u32 id;

	self->extra = fork();
	ASSERT_LE(0, self->extra);
	if (self->extra == 0)
		_exit(0);
	/* wait until it is a zombie, without reaping it */
	ASSERT_EQ(0, waitid(P_PID, self->extra, &si, WEXITED | WNOWAIT));
	EXPECT_EQ(-EINVAL, strata_tier_register_pid(self->fd, self->extra,
						    STRATA_TIER_QUOTA_NONE,
						    &id));
	EXPECT_EQ(0, tier_nr_regs());
}

TEST_F(reg, bad_flags_reserved_or_id_fail_einval)
{
	pid_t pid;

	ASSERT_EQ(0, start_idle(&self->w[0]));
	pid = self->w[0].pid;
	EXPECT_EQ(-EINVAL, register_raw(self->fd, 1U << 2, pid,
					STRATA_TIER_QUOTA_NONE, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, register_raw(self->fd, 1U << 31, pid,
					STRATA_TIER_QUOTA_NONE, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, register_raw(self->fd, STRATA_TIER_REG_PIDFD |
					STRATA_TIER_REG_CGROUP, pid,
					STRATA_TIER_QUOTA_NONE, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, register_raw(self->fd, 0, pid,
					STRATA_TIER_QUOTA_NONE, 0, 1, NULL));
	EXPECT_EQ(-EINVAL, register_raw(self->fd, 0, pid,
					STRATA_TIER_QUOTA_NONE, 7, 0, NULL));
	EXPECT_EQ(0, tier_nr_regs());
	/* the same pid with clean arguments is fine */
	EXPECT_EQ(0, register_raw(self->fd, 0, pid, STRATA_TIER_QUOTA_NONE,
				  0, 0, &self->ids[0]));
}

struct nobody_args {
	pid_t root_pid;		/* a process of root's */
	__u32 root_id;		/* a registration root made */
};

static int nobody_register(void *arg)
{
	const struct nobody_args *a = arg;
	struct strata_tier_stats st;
	struct strata_tier_info info;
	__u32 ids[4], id;
	int fd;

	fd = tier_open();
	if (fd < 0)
		return 100;
	if (strata_tier_register_pid(fd, getpid(), STRATA_TIER_QUOTA_NONE,
				     &id) != -EPERM)
		return 101;
	if (strata_tier_register_pid(fd, a->root_pid, STRATA_TIER_QUOTA_NONE,
				     &id) != -EPERM)
		return 102;
	if (strata_tier_unregister(fd, a->root_id) != -EPERM)
		return 103;
	if (strata_tier_set_quota(fd, a->root_id, 0) != -EPERM)
		return 104;
	/* reading works for anyone */
	if (strata_tier_info(fd, &info, NULL, 0) || info.nr_regs != 1)
		return 105;
	if (strata_tier_list(fd, ids, 4) != 1 || ids[0] != a->root_id)
		return 106;
	if (strata_tier_stats(fd, a->root_id, &st) ||
	    st.pid != a->root_pid)
		return 107;
	close(fd);
	return 0;
}

TEST_F(reg, unprivileged_changes_fail_eperm_while_reads_work)
{
	struct nobody_args a;
	struct strata_tier_stats st;

	ASSERT_EQ(0, start_idle(&self->w[0]));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w[0].pid,
					      4 * TIER_MIB, &self->ids[0]));
	a.root_pid = self->w[0].pid;
	a.root_id = self->ids[0];
	EXPECT_EQ(0, tier_as_nobody(nobody_register, &a));
	ASSERT_EQ(0, strata_tier_stats(self->fd, self->ids[0], &st));
	EXPECT_EQ(4 * TIER_MIB, st.fast_quota);
	EXPECT_EQ(1, tier_nr_regs());
}

TEST_F(reg, unknown_registration_id_fails_enoent)
{
	struct strata_tier_stats st;
	__u32 id = 0x7ffffff0;

	EXPECT_EQ(-ENOENT, strata_tier_unregister(self->fd, id));
	EXPECT_EQ(-ENOENT, strata_tier_set_quota(self->fd, id, 0));
	EXPECT_EQ(-ENOENT, strata_tier_stats(self->fd, id, &st));
}

TEST_F(reg, registration_ends_when_the_process_exits)
{
	struct strata_tier_stats st;

	ASSERT_EQ(0, start_idle(&self->w[0]));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w[0].pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->ids[0]));
	ASSERT_EQ(0, tier_work_stop(&self->w[0]));
	EXPECT_TRUE(TIER_WAIT_UNTIL(tier_listed(self->fd, self->ids[0]) == 0,
				    5000));
	EXPECT_EQ(-ENOENT, strata_tier_stats(self->fd, self->ids[0], &st));
	EXPECT_EQ(0, tier_nr_regs());
	EXPECT_EQ(-ENOENT, strata_tier_unregister(self->fd, self->ids[0]));
	self->ids[0] = 0;
}

TEST_F(reg, registration_ends_when_the_process_execs)
{
	struct strata_tier_stats st;
	int pipefd[2];
	char c;

	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	self->extra = fork();
	ASSERT_LE(0, self->extra);
	if (self->extra == 0) {
		close(pipefd[1]);
		/* exec once the test registered us */
		if (read(pipefd[0], &c, 1) != 1)
			_exit(1);
		execl("/bin/sleep", "sleep", "60", NULL);
		_exit(1);
	}
	close(pipefd[0]);
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->extra,
					      STRATA_TIER_QUOTA_NONE,
					      &self->ids[0]));
	ASSERT_EQ(1, write(pipefd[1], "x", 1));
	close(pipefd[1]);
	EXPECT_TRUE(TIER_WAIT_UNTIL(tier_listed(self->fd, self->ids[0]) == 0,
				    5000));
	EXPECT_EQ(-ENOENT, strata_tier_stats(self->fd, self->ids[0], &st));
	self->ids[0] = 0;
	/* the process lives on, with a new address space to register */
	EXPECT_EQ(0, kill(self->extra, 0));
	EXPECT_EQ(0, strata_tier_register_pid(self->fd, self->extra,
					      STRATA_TIER_QUOTA_NONE,
					      &self->ids[1]));
}

TEST_F(reg, list_returns_ids_in_ascending_order_up_to_capacity)
{
	struct strata_tier_list list = {};
	__u32 ids[NR_WORK + 1];
	int i;

	for (i = 0; i < NR_WORK; i++) {
		ASSERT_EQ(0, start_idle(&self->w[i]));
		ASSERT_EQ(0, strata_tier_register_pid(self->fd,
						      self->w[i].pid,
						      STRATA_TIER_QUOTA_NONE,
						      &self->ids[i]));
	}
	EXPECT_LT(self->ids[0], self->ids[1]);
	EXPECT_LT(self->ids[1], self->ids[2]);

	memset(ids, 0, sizeof(ids));
	ASSERT_EQ(NR_WORK, strata_tier_list(self->fd, ids, NR_WORK + 1));
	for (i = 0; i < NR_WORK; i++)
		EXPECT_EQ(self->ids[i], ids[i]);
	EXPECT_EQ(0, ids[NR_WORK]);

	/* capacity 0 counts; capacity 1 writes only the first id */
	EXPECT_EQ(NR_WORK, strata_tier_list(self->fd, NULL, 0));
	memset(ids, 0, sizeof(ids));
	EXPECT_EQ(NR_WORK, strata_tier_list(self->fd, ids, 1));
	EXPECT_EQ(self->ids[0], ids[0]);
	EXPECT_EQ(0, ids[1]);

	list.reserved = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_TIER_IOC_LIST, &list));
}

TEST_F(reg, ids_are_not_reused)
{
	__u32 first;

	ASSERT_EQ(0, start_idle(&self->w[0]));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w[0].pid,
					      STRATA_TIER_QUOTA_NONE, &first));
	ASSERT_EQ(0, strata_tier_unregister(self->fd, first));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w[0].pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->ids[0]));
	EXPECT_NE(first, self->ids[0]);
	EXPECT_NE(0, self->ids[0]);
}

TEST_F(reg, max_regs_reached_fails_enospc)
{
	__u32 id;
	int i;

	ASSERT_EQ(0, tier_param_push("max_regs", "2"));
	EXPECT_EQ(2, tier_param_get("max_regs"));
	for (i = 0; i < NR_WORK; i++)
		ASSERT_EQ(0, start_idle(&self->w[i]));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w[0].pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->ids[0]));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w[1].pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->ids[1]));
	EXPECT_EQ(-ENOSPC, strata_tier_register_pid(self->fd, self->w[2].pid,
						    STRATA_TIER_QUOTA_NONE,
						    &id));
	EXPECT_EQ(2, tier_nr_regs());
	/* a slot freed is a slot usable */
	ASSERT_EQ(0, strata_tier_unregister(self->fd, self->ids[0]));
	self->ids[0] = 0;
	EXPECT_EQ(0, strata_tier_register_pid(self->fd, self->w[2].pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->ids[2]));
}

/* A STATS buffer of @size bytes, the rest of 4096 filled with 0xa5. */
static struct strata_tier_stats *stats_buf(void *buf, __u32 size, __u32 id)
{
	struct strata_tier_stats *st = buf;

	memset(buf, 0xa5, 4096);
	memset(buf, 0, size < 4096 ? size : 4096);
	st->size = size;
	st->id = id;
	return st;
}

TEST_F(reg, stats_size_gives_a_prefix_or_accepts_a_zero_tail)
{
	static const __u32 prefix = offsetof(struct strata_tier_stats,
					     rounds);
	struct strata_tier_stats full, *st;
	__u64 buf[4096 / 8 + 1];
	unsigned char *bytes = (unsigned char *)buf;
	__u32 id;
	size_t i;

	ASSERT_EQ(0, start_idle(&self->w[0]));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w[0].pid,
					      2 * TIER_MIB, &self->ids[0]));
	id = self->ids[0];
	ASSERT_EQ(0, strata_tier_stats(self->fd, id, &full));

	/* an older, smaller struct: a prefix, nothing written after it */
	st = stats_buf(buf, prefix, id);
	ASSERT_EQ(0, sys_ioctl(self->fd, STRATA_TIER_IOC_STATS, st));
	EXPECT_EQ(prefix, st->size);
	EXPECT_EQ(STRATA_TIER_KIND_PID, st->kind);
	EXPECT_EQ(self->w[0].pid, st->pid);
	EXPECT_EQ(2 * TIER_MIB, st->fast_quota);
	for (i = prefix; i < sizeof(full); i++)
		if (bytes[i] != 0xa5)
			break;
	EXPECT_EQ(sizeof(full), i);

	/* the smallest size: just size and id */
	st = stats_buf(buf, 8, id);
	EXPECT_EQ(0, sys_ioctl(self->fd, STRATA_TIER_IOC_STATS, st));
	EXPECT_EQ(8, st->size);
	EXPECT_EQ(0xa5a5a5a5, st->kind);

	/* a newer, bigger struct with a zero tail: the known size back */
	st = stats_buf(buf, sizeof(full) + 64, id);
	ASSERT_EQ(0, sys_ioctl(self->fd, STRATA_TIER_IOC_STATS, st));
	EXPECT_EQ(sizeof(full), st->size);
	EXPECT_EQ(self->w[0].pid, st->pid);
	st = stats_buf(buf, 4096, id);
	EXPECT_EQ(0, sys_ioctl(self->fd, STRATA_TIER_IOC_STATS, st));
	EXPECT_EQ(sizeof(full), st->size);
}

TEST_F(reg, stats_bad_size_fails)
{
	struct strata_tier_stats *st;
	__u64 buf[4096 / 8 + 1];
	unsigned char *bytes = (unsigned char *)buf;
	__u32 id;

	ASSERT_EQ(0, start_idle(&self->w[0]));
	ASSERT_EQ(0, strata_tier_register_pid(self->fd, self->w[0].pid,
					      STRATA_TIER_QUOTA_NONE,
					      &self->ids[0]));
	id = self->ids[0];

	/* a nonzero byte in the part the kernel does not know */
	st = stats_buf(buf, sizeof(*st) + 64, id);
	bytes[sizeof(*st) + 63] = 1;
	EXPECT_EQ(-E2BIG, sys_ioctl(self->fd, STRATA_TIER_IOC_STATS, st));
	st = stats_buf(buf, sizeof(*st) + 1, id);
	bytes[sizeof(*st)] = 0x80;
	EXPECT_EQ(-E2BIG, sys_ioctl(self->fd, STRATA_TIER_IOC_STATS, st));

	st = stats_buf(buf, 0, id);
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_TIER_IOC_STATS, st));
	st = stats_buf(buf, 7, id);
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_TIER_IOC_STATS, st));
	st = stats_buf(buf, 4097, id);
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_TIER_IOC_STATS, st));
	st = stats_buf(buf, ~0U, id);
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_TIER_IOC_STATS, st));
	EXPECT_EQ(-EFAULT, sys_ioctl(self->fd, STRATA_TIER_IOC_STATS, NULL));
}

struct param_case {
	const char *name;
	const char *bad[3];
	const char *good;
};

TEST_F(reg, out_of_range_parameter_writes_fail_and_keep_the_value)
{
	static const struct param_case cases[] = {
		{ "scan_first_ms", { "0", "9", "60001" }, "60000" },
		{ "scan_min_ms", { "0", "9", "60001" }, "10" },
		{ "scan_max_ms", { "0", "9", "60001" }, "60000" },
		{ "hot_rounds", { "0", "5", "9" }, "4" },
		{ "cold_rounds", { "0", "9", NULL }, "8" },
		{ "rate_limit_mbps", { "0", "1048577", NULL }, "1" },
		{ "migrate_threads", { "0", "17", "-1" }, "16" },
		{ "fast_reserve_pct", { "51", "-1", NULL }, "50" },
		{ "max_regs", { "0", "4097", NULL }, "4096" },
	};
	unsigned int i, j;
	long old;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct param_case *c = &cases[i];

		old = tier_param_get(c->name);
		ASSERT_LE(0, old) TH_LOG("%s unreadable", c->name);
		for (j = 0; j < 3 && c->bad[j]; j++) {
			EXPECT_EQ(-EINVAL, tier_param_set(c->name, c->bad[j]))
				TH_LOG("%s=%s", c->name, c->bad[j]);
			EXPECT_EQ(old, tier_param_get(c->name))
				TH_LOG("%s=%s", c->name, c->bad[j]);
		}
		/* the bounds themselves are accepted (and put back after) */
		EXPECT_EQ(0, tier_param_push(c->name, c->good))
			TH_LOG("%s=%s", c->name, c->good);
		EXPECT_EQ(strtol(c->good, NULL, 10), tier_param_get(c->name));
	}
}

TEST_HARNESS_MAIN

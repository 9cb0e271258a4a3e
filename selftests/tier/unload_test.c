// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier selftests - unloading the module with registrations alive
 *
 * Runs last (the runner goes alphabetically) and leaves the module loaded,
 * as the runner expects.
 */
#include "kselftest_harness.h"
#include "common.h"

#define NR_WORK		3
#define UNLOAD_MS	10000

FIXTURE(unload) {
	struct tier_work w[NR_WORK];
	char cg[64];
};

FIXTURE_SETUP(unload)
{
	char root[PATH_MAX], ko[PATH_MAX + 32];

	ASSERT_TRUE(tier_module_loaded());
	ASSERT_EQ(0, tier_repo_root(root, sizeof(root)));
	snprintf(ko, sizeof(ko), "%s/kmod/tier/" TIER_MODULE ".ko", root);
	ASSERT_EQ(0, access(ko, R_OK)) TH_LOG("no %s", ko);
	/* automatic NUMA balancing would move pages too */
	ASSERT_EQ(0, tier_sysctl_push("kernel/numa_balancing", "0"));
}

FIXTURE_TEARDOWN(unload)
{
	int i;

	for (i = 0; i < NR_WORK; i++)
		tier_work_kill(&self->w[i]);
	tier_cgroup_destroy(self->cg);
	/* whatever happened, leave the module loaded for the runner */
	if (!tier_module_loaded())
		tier_module_load();
	tier_settings_restore();
}

/* The device node of a freshly loaded module (devtmpfs makes it). */
static int open_when_ready(void)
{
	int fd = -ENOENT;

	TIER_WAIT_UNTIL((fd = tier_open()) >= 0, 5000);
	return fd;
}

/* Scan fast in the module loaded now (a reload resets parameters). */
static int fast_scan(void)
{
	int err = tier_param_set("scan_min_ms", "50");

	return err ? err : tier_param_set("scan_max_ms", "200");
}

static struct strata_tier_stats stats(int fd, __u32 id)
{
	struct strata_tier_stats st;

	if (strata_tier_stats(fd, id, &st))
		memset(&st, 0, sizeof(st));
	return st;
}

TEST_F_TIMEOUT(unload, module_unloads_with_live_registrations_and_reloads,
	       180)
{
	const size_t len = 8 * TIER_MIB, hot_len = 4 * TIER_MIB;
	struct tier_work_cfg cfg = {
		.len = len,
		.node = TIER_SLOW_NODE,
		.hot_len = hot_len,
	};
	__u32 ids[NR_WORK];
	int fd, pidfd, i;

	for (i = 0; i < NR_WORK; i++) {
		cfg.seed = 100 + i;
		ASSERT_EQ(0, tier_work_start(&self->w[i], &cfg));
	}
	ASSERT_EQ(0, tier_cgroup_create(self->cg, sizeof(self->cg)));
	ASSERT_EQ(0, tier_cgroup_move(self->cg, self->w[2].pid));

	fd = tier_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fast_scan());
	/* one registration of each kind */
	ASSERT_EQ(0, strata_tier_register_pid(fd, self->w[0].pid,
					      STRATA_TIER_QUOTA_NONE, &ids[0]));
	pidfd = syscall(SYS_pidfd_open, self->w[1].pid, 0);
	ASSERT_LE(0, pidfd);
	ASSERT_EQ(0, strata_tier_register_pidfd(fd, pidfd, 2 * TIER_MIB,
						&ids[1]));
	close(pidfd);
	ASSERT_EQ(0, strata_tier_register_cgroup(fd, self->cg,
						 STRATA_TIER_QUOTA_NONE,
						 &ids[2]));
	/* let them scan and migrate: the module is busy when it goes */
	for (i = 0; i < NR_WORK; i++)
		EXPECT_TRUE(TIER_WAIT_UNTIL(stats(fd, ids[i]).promoted > 0,
					    60000))
			TH_LOG("registration %d promoted nothing", i);
	EXPECT_EQ(NR_WORK, tier_nr_regs());
	close(fd);

	ASSERT_EQ(0, tier_module_unload(UNLOAD_MS));
	EXPECT_FALSE(tier_module_loaded());
	/* the processes outlive the module; one exits while it is gone */
	for (i = 0; i < NR_WORK; i++)
		EXPECT_EQ(0, kill(self->w[i].pid, 0));
	EXPECT_EQ(0, tier_work_stop(&self->w[0]));

	ASSERT_EQ(0, tier_module_load());
	fd = open_when_ready();
	ASSERT_LE(0, fd);
	/* a fresh module: nothing registered, ids of the old one unknown */
	EXPECT_EQ(0, tier_nr_regs());
	EXPECT_EQ(0, strata_tier_list(fd, NULL, 0));
	EXPECT_EQ(-ENOENT, strata_tier_unregister(fd, ids[1]));
	EXPECT_TRUE(tier_info_flags(fd) & STRATA_TIER_INFO_ACTIVE);
	/* the survivors can be registered again */
	EXPECT_EQ(0, strata_tier_register_pid(fd, self->w[1].pid,
					      STRATA_TIER_QUOTA_NONE,
					      &ids[0]));
	EXPECT_EQ(0, strata_tier_unregister(fd, ids[0]));
	close(fd);

	/* every page the module moved kept its contents */
	EXPECT_EQ(0, tier_work_stop(&self->w[1]));
	EXPECT_EQ(0, tier_work_stop(&self->w[2]));
}

TEST_F_TIMEOUT(unload, repeated_load_and_unload_with_a_live_registration,
	       180)
{
	struct tier_work_cfg cfg = {
		.len = 8 * TIER_MIB,
		.node = TIER_SLOW_NODE,
		.hot_len = 4 * TIER_MIB,
		.seed = 200,
	};
	__u32 id;
	int fd, i;

	ASSERT_EQ(0, tier_work_start(&self->w[0], &cfg));
	for (i = 0; i < 3; i++) {
		fd = open_when_ready();
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fast_scan());
		ASSERT_EQ(0, strata_tier_register_pid(fd, self->w[0].pid,
						      STRATA_TIER_QUOTA_NONE,
						      &id));
		/* at least one round ran in this incarnation */
		EXPECT_TRUE(TIER_WAIT_UNTIL(stats(fd, id).rounds > 0, 30000));
		close(fd);
		ASSERT_EQ(0, tier_module_unload(UNLOAD_MS)) TH_LOG("pass %d", i);
		ASSERT_EQ(0, tier_module_load()) TH_LOG("pass %d", i);
	}
	fd = open_when_ready();
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, tier_nr_regs());
	close(fd);
	EXPECT_EQ(0, tier_work_stop(&self->w[0]));
}

TEST_F_TIMEOUT(unload, open_device_keeps_the_module_loaded, 60)
{
	int fd = tier_open();

	ASSERT_LE(0, fd);
	/* an open file holds a module reference: no unload, no harm */
	EXPECT_NE(0, syscall(SYS_delete_module, TIER_MODULE, O_NONBLOCK));
	EXPECT_TRUE(errno == EAGAIN || errno == EBUSY || errno == EWOULDBLOCK);
	EXPECT_TRUE(tier_module_loaded());
	EXPECT_EQ(0, strata_tier_list(fd, NULL, 0));
	close(fd);
	ASSERT_EQ(0, tier_module_unload(UNLOAD_MS));
	ASSERT_EQ(0, tier_module_load());
}

TEST_HARNESS_MAIN

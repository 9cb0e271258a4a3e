// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - unloading the module
 *
 * While any gang exists (a handle to it, or a member of it, remains) or a
 * device file is open, rmmod strata_gang is refused and the gangs go on
 * undisturbed; once they are gone it unloads, and loads again fresh.
 *
 * Runs last (the runner goes alphabetically) and leaves the module loaded
 * with the parameters it found (fake_gpus=8), as the runner expects.
 */
#include "kselftest_harness.h"
#include "common.h"

#define LIVE_MS		10000
#define UNLOAD_MS	10000

FIXTURE(unload) {
	char params[192];	/* what the module was loaded with */
	int table;
	struct gang_job *jobs;
};

FIXTURE_SETUP(unload)
{
	char root[PATH_MAX], ko[PATH_MAX + 32], fake[32], cpus[128];
	int dev;

	self->table = -1;
	/* by design: the scheduler's kfunc calls pin the module */
	if (gang_expected_mode() == STRATA_GANG_MODE_SCX)
		SKIP(return, "a sched_ext scheduler holds a module reference");
	ASSERT_TRUE(gang_module_loaded());
	ASSERT_EQ(0, gang_ko_root(root, sizeof(root)));
	snprintf(ko, sizeof(ko), "%s/kmod/gang/" GANG_MODULE ".ko", root);
	ASSERT_EQ(0, access(ko, R_OK)) TH_LOG("no %s", ko);
	ASSERT_EQ(0, gang_param_str("fake_gpus", fake, sizeof(fake)));
	snprintf(self->params, sizeof(self->params), "fake_gpus=%s", fake);
	if (!gang_param_str("cpus", cpus, sizeof(cpus)) && cpus[0] &&
	    strcmp(cpus, "(null)"))
		snprintf(self->params + strlen(self->params),
			 sizeof(self->params) - strlen(self->params),
			 " cpus=%s", cpus);
	self->table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->table);
	self->jobs = gang_jobs_new(4);
	ASSERT_NE(NULL, self->jobs);
	dev = gang_open();
	ASSERT_LE(0, dev);
	ASSERT_TRUE(GANG_WAIT_UNTIL(gang_idle(dev), LIVE_MS));
	close(dev);
}

FIXTURE_TEARDOWN(unload)
{
	gang_jobs_free(self->jobs, 4);
	if (self->table >= 0)
		close(self->table);
	/* whatever happened, leave the module loaded for the runner */
	if (!gang_module_loaded())
		gang_module_load(self->params);
}

/* The device nodes of a freshly loaded module (devtmpfs makes them). */
static int open_when_ready(void)
{
	int fd = -ENOENT;

	GANG_WAIT_UNTIL((fd = gang_open()) >= 0 &&
			access("/dev/strata/gpu7", F_OK) == 0, 5000);
	return fd;
}

/* An unload attempt that must be refused because the module is in use. */
static bool refused(void)
{
	int err = gang_module_unload_once();

	return (err == -EBUSY || err == -EAGAIN || err == -EWOULDBLOCK) &&
	       gang_module_loaded();
}

/* Unload, load again with the same parameters, and check the new one. */
static void reload(struct __test_metadata *_metadata,
		   FIXTURE_DATA(unload) *self)
{
	struct strata_gang_status st;
	int dev;

	ASSERT_EQ(0, gang_module_unload(UNLOAD_MS));
	EXPECT_FALSE(gang_module_loaded());
	EXPECT_NE(0, access(STRATA_GANG_DEV, F_OK));
	ASSERT_EQ(0, gang_module_load(self->params));
	dev = open_when_ready();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, gang_status(dev, &st));
	EXPECT_EQ(GANG_NR_FAKE, st.nr_gpus);
	EXPECT_EQ(GANG_NR_FAKE, st.free_gpus);
	EXPECT_EQ(0, st.gangs);
	EXPECT_EQ(0, st.admitted);
	EXPECT_EQ(100, gang_param_get("slice_ms"));
	close(dev);
}

TEST_F_TIMEOUT(unload, a_gang_handle_keeps_the_module_loaded, 120)
{
	int dev = gang_open();
	__u32 h;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, gang_create(dev, self->table, 1, 1, &h));
	close(dev);
	/* no file of the module is open: the handle alone pins it */
	EXPECT_TRUE(refused());
	EXPECT_TRUE(refused());
	dev = gang_open();
	ASSERT_LE(0, dev);
	EXPECT_EQ(STRATA_GANG_FORMING, gang_state(dev, self->table, h));
	close(dev);
	EXPECT_EQ(0, strata_handle_close(self->table, h));
	reload(_metadata, self);
}

TEST_F_TIMEOUT(unload, a_member_keeps_the_module_loaded, 120)
{
	struct gang_job *j = &self->jobs[0];
	int dev = gang_open();
	__u32 h;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, gang_create(dev, self->table, 2, 1, &h));
	j->handle = h;
	j->steps = 1;
	j->hold = true;
	ASSERT_EQ(0, gang_job_start_thread(j, dev, self->table));
	ASSERT_TRUE(gang_job_blocked_in_step(j, LIVE_MS));
	/* the last handle goes: the gang ends, but its member remains */
	EXPECT_EQ(0, strata_handle_close(self->table, h));
	ASSERT_TRUE(gang_job_wait_phase(j, GANG_JOB_HOLDING, LIVE_MS));
	EXPECT_EQ(-ECANCELED, j->step_ret);
	close(dev);
	EXPECT_TRUE(refused());
	EXPECT_TRUE(refused());
	/* the member thread ends (its LEAVE has no handle to name) */
	GANG_STORE(&j->stop, 1);
	ASSERT_EQ(0, gang_job_wait(j, LIVE_MS));
	EXPECT_EQ(-EBADF, j->leave_ret);
	reload(_metadata, self);
}

TEST_F_TIMEOUT(unload, unload_is_refused_while_gangs_run_and_they_go_on, 180)
{
	struct strata_gang_status st;
	int dev = gang_open(), i, steps;
	__u32 h[2];

	ASSERT_LE(0, dev);
	/* a running gang of a member process, a queued one behind it */
	ASSERT_EQ(0, gang_create_ex(dev, self->table, 1, 6, GANG_LONG_SLICE,
				    STRATA_GANG_EXIT_ABORT, 0, &h[0]));
	ASSERT_EQ(0, gang_create_ex(dev, self->table, 1, 4, GANG_LONG_SLICE,
				    STRATA_GANG_EXIT_ABORT, 0, &h[1]));
	for (i = 0; i < 2; i++) {
		self->jobs[i].steps = 0;
		self->jobs[i].kernel_us = 500;
		ASSERT_EQ(0, gang_job_start_process(&self->jobs[i],
						    self->table, h[i]));
		if (i == 0)
			ASSERT_TRUE(gang_job_wait_steps(&self->jobs[0], 1,
							LIVE_MS));
	}
	ASSERT_TRUE(gang_job_blocked_in_step(&self->jobs[1], LIVE_MS));
	close(dev);

	EXPECT_TRUE(refused());
	/* nothing changed for them */
	steps = GANG_LOAD(&self->jobs[0].steps_done);
	EXPECT_TRUE(gang_job_wait_steps(&self->jobs[0], steps + 3, LIVE_MS));
	dev = gang_open();
	ASSERT_LE(0, dev);
	EXPECT_EQ(STRATA_GANG_RUNNING, gang_state(dev, self->table, h[0]));
	EXPECT_EQ(STRATA_GANG_QUEUED, gang_state(dev, self->table, h[1]));
	ASSERT_EQ(0, gang_status(dev, &st));
	EXPECT_EQ(2, st.gangs);
	EXPECT_EQ(GANG_NR_FAKE - 6, st.free_gpus);

	/* they finish as they would have */
	GANG_STORE(&self->jobs[0].stop, 1);
	ASSERT_EQ(0, gang_job_wait(&self->jobs[0], LIVE_MS));
	EXPECT_EQ(0, self->jobs[0].leave_ret);
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[1], 1, LIVE_MS));
	GANG_STORE(&self->jobs[1].stop, 1);
	ASSERT_EQ(0, gang_job_wait(&self->jobs[1], LIVE_MS));
	EXPECT_EQ(0, self->jobs[1].leave_ret);
	EXPECT_EQ(STRATA_GANG_DONE, gang_state(dev, self->table, h[0]));
	EXPECT_EQ(STRATA_GANG_DONE, gang_state(dev, self->table, h[1]));
	close(dev);
	EXPECT_TRUE(refused());		/* the handles still hold them */
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, strata_handle_close(self->table, h[i]));
	reload(_metadata, self);
}

TEST_F_TIMEOUT(unload, open_device_files_keep_the_module_loaded, 120)
{
	int dev = gang_open(), gpu;

	ASSERT_LE(0, dev);
	EXPECT_TRUE(refused());
	close(dev);
	gpu = fakegpu_open(0);
	ASSERT_LE(0, gpu);
	EXPECT_TRUE(refused());
	ASSERT_EQ(0, fakegpu_run(gpu, 100, STRATA_FAKEGPU_RUN_WAIT, NULL));
	close(gpu);
	reload(_metadata, self);
}

TEST_F_TIMEOUT(unload, repeated_load_and_unload_with_work_in_between, 180)
{
	struct strata_gang_step st;
	int i, dev;
	__u32 h;

	for (i = 0; i < 3; i++) {
		dev = open_when_ready();
		ASSERT_LE(0, dev);
		ASSERT_EQ(0, gang_create(dev, self->table, 1, 2, &h));
		ASSERT_EQ(0, gang_join(dev, self->table, h, NULL));
		ASSERT_EQ(0, gang_step(dev, self->table, h, 0, &st));
		EXPECT_EQ(2, st.nr_gpus);
		EXPECT_EQ(0, gang_leave(dev, self->table, h));
		EXPECT_EQ(0, strata_handle_close(self->table, h));
		close(dev);
		reload(_metadata, self);
	}
}

TEST_HARNESS_MAIN

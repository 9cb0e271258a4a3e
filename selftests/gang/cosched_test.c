// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - co-scheduling (STRATA_GANG_COSCHED) and skew
 *
 * While a co-scheduled gang runs, member i's thread is pinned to a CPU of
 * its own from the module's pool and runs SCHED_FIFO at priority 1; after
 * LEAVE, and while the gang is preempted, its own affinity and SCHED_OTHER
 * are back.  With a sched_ext scheduler attached (STRATA_GANG_MODE=scx) it
 * runs SCHED_EXT instead, and keeps it, unpinned, while the gang is
 * preempted.  Nothing a boosted member forks inherits the boost.  A
 * co-scheduled gang needs a free pool CPU per member, GPUs or not.  Every gang measures the skew between its members' starts.
 */
#include "kselftest_harness.h"
#include "common.h"

#define NR_JOBS		4
#define LIVE_MS		10000

FIXTURE(cosched) {
	int dev, table;
	struct gang_job *jobs;
	__u32 h[2];
	__u32 nr_cpus;
	__u64 pool;		/* the module's CPU pool */
	__u64 original;		/* affinity of this test's threads */
};

FIXTURE_SETUP(cosched)
{
	struct strata_gang_status st;
	char cpus[128];

	self->dev = gang_open();
	ASSERT_LE(0, self->dev);
	self->table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->table);
	self->jobs = gang_jobs_new(NR_JOBS);
	ASSERT_NE(NULL, self->jobs);
	ASSERT_TRUE(GANG_WAIT_UNTIL(gang_idle(self->dev), LIVE_MS));
	ASSERT_EQ(0, gang_param_push("sched_policy", "0"));
	ASSERT_EQ(0, gang_param_push("starve_ms", "3600000"));
	ASSERT_EQ(0, gang_param_push("park_grace_ms", "5000"));

	ASSERT_EQ(0, gang_status(self->dev, &st));
	self->nr_cpus = st.nr_cpus;
	ASSERT_EQ(st.nr_cpus, st.free_cpus);
	self->original = gang_affinity(0);
	ASSERT_NE(0, self->original);
	/* the pool: the "cpus" parameter, by default every online CPU */
	self->pool = 0;
	if (!gang_param_str("cpus", cpus, sizeof(cpus)))
		self->pool = gang_cpulist_mask(cpus);
	if (!self->pool)
		self->pool = self->original;
	ASSERT_EQ(self->nr_cpus, gang_popcount(self->pool));
	ASSERT_EQ(SCHED_OTHER, sched_getscheduler(0));
}

FIXTURE_TEARDOWN(cosched)
{
	int i;

	for (i = 0; i < 2; i++)
		if (self->h[i])
			gang_kill(self->dev, self->table, self->h[i]);
	gang_jobs_free(self->jobs, NR_JOBS);
	for (i = 0; i < 2; i++)
		gang_close_quiet(self->table, &self->h[i]);
	gang_params_restore();
	close(self->table);
	close(self->dev);
}

/* Members of a co-scheduled gang: as many as the pool has CPUs, up to 2. */
static __u32 nr_members(FIXTURE_DATA(cosched) *self)
{
	return self->nr_cpus < 2 ? self->nr_cpus : 2;
}

static int start(FIXTURE_DATA(cosched) *self, int i, __u32 h, int steps,
		 bool hold, __u32 us)
{
	struct gang_job *j = &self->jobs[i];

	j->handle = h;
	j->steps = steps;
	j->hold = hold;
	j->kernel_us = us;
	return gang_job_start_thread(j, self->dev, self->table);
}

/*
 * The job is pinned to the CPU its latest STEP reported, SCHED_FIFO 1 (in
 * scx mode SCHED_EXT).
 */
static void pinned_and_boosted(struct __test_metadata *_metadata,
			       FIXTURE_DATA(cosched) *self,
			       const struct gang_job *j)
{
	ASSERT_LE(0, j->last.cpu);
	ASSERT_GT(64, j->last.cpu);
	EXPECT_TRUE(self->pool & (1ULL << j->last.cpu))
		TH_LOG("cpu %d is not in the pool", j->last.cpu);
	EXPECT_EQ(1ULL << j->last.cpu, j->step_affinity);
	/* reset-on-fork: what it forks does not inherit the boost */
	EXPECT_EQ(gang_boost_policy(), j->step_policy);
	EXPECT_EQ(gang_boost_prio(), j->step_prio);
}

TEST_F(cosched, running_members_are_pinned_to_their_own_cpus_and_boosted)
{
	struct strata_gang_status st;
	__u64 cpus = 0;
	__u32 n = nr_members(self), i;

	ASSERT_LE(1, n);
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, n, 1,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT,
				    STRATA_GANG_COSCHED, &self->h[0]));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, start(self, i, self->h[0], 1, true, 0));
	for (i = 0; i < n; i++) {
		struct gang_job *j = &self->jobs[i];

		ASSERT_TRUE(gang_job_wait_phase(j, GANG_JOB_HOLDING, LIVE_MS));
		ASSERT_EQ(1, j->steps_done);
		pinned_and_boosted(_metadata, self, j);
		EXPECT_EQ(0, cpus & (1ULL << j->last.cpu)) TH_LOG("shared");
		cpus |= 1ULL << j->last.cpu;
		/* seen from outside, too */
		EXPECT_EQ(1ULL << j->last.cpu, gang_affinity(j->tid));
		EXPECT_EQ(gang_boost_policy(), sched_getscheduler(j->tid));
	}
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(self->nr_cpus - n, st.free_cpus);

	for (i = 0; i < n; i++)
		GANG_STORE(&self->jobs[i].stop, 1);
	for (i = 0; i < n; i++) {
		struct gang_job *j = &self->jobs[i];

		ASSERT_EQ(0, gang_job_wait(j, LIVE_MS));
		EXPECT_EQ(0, j->leave_ret);
		/* LEAVE gave the thread back as it was */
		EXPECT_EQ(self->original, j->leave_affinity);
		EXPECT_EQ(SCHED_OTHER, j->leave_policy);
	}
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(self->nr_cpus, st.free_cpus);
}

TEST_F_TIMEOUT(cosched, preempted_members_get_their_affinity_and_policy_back,
	       90)
{
	__u32 n = nr_members(self), i;
	struct gang_job *b = &self->jobs[3];
	int steps[2];

	ASSERT_LE(1, n);
	/* A: co-scheduled, short slices, members that keep stepping */
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, n,
				    GANG_NR_FAKE / n, 20,
				    STRATA_GANG_EXIT_ABORT,
				    STRATA_GANG_COSCHED, &self->h[0]));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, start(self, i, self->h[0], 0, false, 500));
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(gang_job_wait_steps(&self->jobs[i], 1, LIVE_MS));
		pinned_and_boosted(_metadata, self, &self->jobs[i]);
	}

	/* B takes every GPU at the end of A's slice, and keeps them */
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 1, GANG_NR_FAKE,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT, 0,
				    &self->h[1]));
	ASSERT_EQ(0, start(self, 3, self->h[1], 1, true, 0));
	ASSERT_TRUE(gang_job_wait_steps(b, 1, LIVE_MS));
	for (i = 0; i < n; i++) {
		struct gang_job *j = &self->jobs[i];

		ASSERT_TRUE(gang_job_blocked_in_step(j, LIVE_MS));
		EXPECT_EQ(self->original, gang_affinity(j->tid));
		/* scx mode: SCHED_EXT still, but no CPU of its own */
		EXPECT_EQ(gang_expected_mode() == STRATA_GANG_MODE_SCX ?
				  gang_boost_policy() : SCHED_OTHER,
			  sched_getscheduler(j->tid));
		steps[i] = GANG_LOAD(&j->steps_done);
	}
	EXPECT_EQ(STRATA_GANG_QUEUED, gang_state(self->dev, self->table,
						 self->h[0]));

	/* B is done: A runs, pinned and boosted again */
	GANG_STORE(&b->stop, 1);
	ASSERT_EQ(0, gang_job_wait(b, LIVE_MS));
	for (i = 0; i < n; i++) {
		struct gang_job *j = &self->jobs[i];

		ASSERT_TRUE(gang_job_wait_steps(j, steps[i] + 1, LIVE_MS));
		GANG_STORE(&j->stop, 1);
		ASSERT_EQ(0, gang_job_wait(j, LIVE_MS));
		pinned_and_boosted(_metadata, self, j);
		EXPECT_EQ(self->original, j->leave_affinity);
		EXPECT_EQ(SCHED_OTHER, j->leave_policy);
	}
}

TEST_F(cosched, cosched_gang_waits_for_free_pool_cpus_even_with_gpus_free)
{
	struct strata_gang_status st;
	struct strata_gang_info info;
	struct gang_job *b = &self->jobs[3];
	__u32 n = self->nr_cpus, i;

	if (n > 3)
		SKIP(return, "a pool of %u CPUs: more members than jobs", n);
	ASSERT_LE(1, n);
	/* A takes every pool CPU but only n GPUs */
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, n, 1,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT,
				    STRATA_GANG_COSCHED, &self->h[0]));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, start(self, i, self->h[0], 1, true, 0));
	for (i = 0; i < n; i++)
		ASSERT_TRUE(gang_job_wait_steps(&self->jobs[i], 1, LIVE_MS));
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(0, st.free_cpus);
	EXPECT_EQ(GANG_NR_FAKE - n, st.free_gpus);

	/* B: one member, one GPU, co-scheduled: no CPU for it */
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 1, 1,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT,
				    STRATA_GANG_COSCHED, &self->h[1]));
	ASSERT_EQ(0, start(self, 3, self->h[1], 1, true, 0));
	ASSERT_TRUE(gang_job_blocked_in_step(b, LIVE_MS));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[1], &info));
	EXPECT_EQ(STRATA_GANG_QUEUED, info.state);
	EXPECT_EQ(0, info.gpu_mask);
	EXPECT_EQ(GANG_NR_FAKE - n, gang_free_gpus(self->dev));

	/* A's members leave: B runs on a CPU of its own */
	for (i = 0; i < n; i++)
		GANG_STORE(&self->jobs[i].stop, 1);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], LIVE_MS));
	ASSERT_TRUE(gang_job_wait_steps(b, 1, LIVE_MS));
	pinned_and_boosted(_metadata, self, b);
	GANG_STORE(&b->stop, 1);
	ASSERT_EQ(0, gang_job_wait(b, LIVE_MS));
	EXPECT_EQ(self->original, b->leave_affinity);
}

TEST_F(cosched, skew_is_measured_once_every_member_started_the_slice)
{
	struct strata_gang_info info;
	struct gang_job *j = &self->jobs[0];
	__u64 waited;

	/* member 0 is a job, member 1 this thread, which starts late */
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 2, 1,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT,
				    0, &self->h[0]));
	ASSERT_EQ(0, start(self, 0, self->h[0], 1, true, 0));
	ASSERT_TRUE(gang_job_wait_phase(j, GANG_JOB_STEPPING, LIVE_MS));
	ASSERT_EQ(0, gang_join(self->dev, self->table, self->h[0], NULL));
	ASSERT_TRUE(gang_job_wait_steps(j, 1, LIVE_MS));
	waited = gang_now_ns();
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(0, info.last_skew_ns);
	EXPECT_EQ(0, info.max_skew_ns);

	strata_sleep_ms(30);
	waited = gang_now_ns() - waited;
	ASSERT_EQ(0, gang_step(self->dev, self->table, self->h[0], 0, NULL));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_LE(waited, info.last_skew_ns);
	EXPECT_LE(info.last_skew_ns, info.max_skew_ns);
	EXPECT_EQ(1, info.slices);

	EXPECT_EQ(0, gang_leave(self->dev, self->table, self->h[0]));
	GANG_STORE(&j->stop, 1);
	ASSERT_EQ(0, gang_job_wait(j, LIVE_MS));
}

/*
 * A boosted member's children start SCHED_OTHER with the member's own
 * affinity, not pinned at SCHED_FIFO for good; LEAVE restores the member
 * without SCHED_RESET_ON_FORK, which it did not have.  In scx mode the
 * children keep SCHED_EXT (reset-on-fork only resets real-time and
 * deadline policies), which owns no CPU: the scheduler runs them as any
 * other task, and the fair class does when it is gone.
 */
TEST_F(cosched, children_of_a_boosted_member_do_not_inherit_the_boost)
{
	struct strata_gang_step st;
	int status, fds[2];
	__u64 child_mask = 0;
	int child_policy = -1;
	pid_t pid;

	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 1, 1,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT,
				    STRATA_GANG_COSCHED, &self->h[0]));
	ASSERT_EQ(0, gang_join(self->dev, self->table, self->h[0], NULL));
	ASSERT_EQ(0, gang_step(self->dev, self->table, self->h[0], 0, &st));
	ASSERT_LE(0, st.cpu);
	ASSERT_EQ(gang_boost_policy(), sched_getscheduler(0));

	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int policy = sched_getscheduler(0);
		__u64 mask = gang_affinity(0);

		if (write(fds[1], &policy, sizeof(policy)) != sizeof(policy) ||
		    write(fds[1], &mask, sizeof(mask)) != sizeof(mask))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	ASSERT_EQ(sizeof(child_policy),
		  read(fds[0], &child_policy, sizeof(child_policy)));
	ASSERT_EQ(sizeof(child_mask),
		  read(fds[0], &child_mask, sizeof(child_mask)));
	close(fds[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(gang_expected_mode() == STRATA_GANG_MODE_SCX ? SCHED_EXT :
								 SCHED_OTHER,
		  child_policy);
	/* affinity is inherited, as for any fork: the pin, not the boost */
	EXPECT_EQ(1ULL << st.cpu, child_mask);

	ASSERT_EQ(0, gang_leave(self->dev, self->table, self->h[0]));
	EXPECT_EQ(SCHED_OTHER, sched_getscheduler(0));
	EXPECT_EQ(self->original, gang_affinity(0));
}

TEST_HARNESS_MAIN

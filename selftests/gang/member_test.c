// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - members: JOIN, STEP, LEAVE, KILL, SET and INFO
 * through a gang's life, FORMING to DONE or ABORTED, and who may do what;
 * KILL_ID, the administrator's KILL by koid, ends a gang as KILL does
 */
#include "kselftest_harness.h"
#include "common.h"

#define NR_JOBS		8
#define NR_GANGS	4
#define LIVE_MS		10000	/* liveness bound of every wait */

FIXTURE(member) {
	int dev, table;
	struct gang_job *jobs;
	__u32 h[NR_GANGS];
};

FIXTURE_SETUP(member)
{
	self->dev = gang_open();
	ASSERT_LE(0, self->dev);
	self->table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->table);
	self->jobs = gang_jobs_new(NR_JOBS);
	ASSERT_NE(NULL, self->jobs);
	ASSERT_TRUE(GANG_WAIT_UNTIL(gang_idle(self->dev), LIVE_MS))
		TH_LOG("a previous test left gangs or held GPUs");
}

FIXTURE_TEARDOWN(member)
{
	int i;

	for (i = 0; i < NR_GANGS; i++)
		if (self->h[i])
			gang_kill(self->dev, self->table, self->h[i]);
	gang_jobs_free(self->jobs, NR_JOBS);
	for (i = 0; i < NR_GANGS; i++)
		gang_close_quiet(self->table, &self->h[i]);
	close(self->table);
	close(self->dev);
}

/* Job @i: a thread member of gang @h taking @steps STEPs, then holding. */
static int start(FIXTURE_DATA(member) *self, int i, __u32 h, int steps,
		 bool wait_go)
{
	struct gang_job *j = &self->jobs[i];

	j->handle = h;
	j->steps = steps;
	j->hold = true;
	j->wait_go = wait_go;
	return gang_job_start_thread(j, self->dev, self->table);
}

TEST_F(member, each_joining_thread_gets_its_own_member_index)
{
	struct strata_gang_info info;
	__u32 seen = 0;
	int i;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 3, 1, &self->h[0]));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, start(self, i, self->h[0], -1, false));
	for (i = 0; i < 3; i++) {
		ASSERT_TRUE(gang_job_wait_phase(&self->jobs[i],
						GANG_JOB_HOLDING, LIVE_MS));
		ASSERT_EQ(0, self->jobs[i].join_ret);
		ASSERT_GT(3, self->jobs[i].member);
		seen |= 1U << self->jobs[i].member;
	}
	EXPECT_EQ(0x7, seen);
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(3, info.joined);
	EXPECT_EQ(3, info.alive);
	for (i = 0; i < 3; i++)
		GANG_STORE(&self->jobs[i].stop, 1);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], LIVE_MS));
		EXPECT_EQ(0, self->jobs[i].leave_ret);
	}
	EXPECT_EQ(STRATA_GANG_DONE, gang_state(self->dev, self->table,
					       self->h[0]));
}

TEST_F(member, the_last_join_makes_the_gang_ready_and_it_runs)
{
	struct strata_gang_status st;
	struct strata_gang_info info;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 2, &self->h[0]));
	EXPECT_EQ(0, gang_signals(self->table, self->h[0]));
	ASSERT_EQ(0, start(self, 0, self->h[0], -1, false));
	ASSERT_TRUE(gang_job_wait_phase(&self->jobs[0], GANG_JOB_HOLDING,
					LIVE_MS));
	ASSERT_EQ(0, self->jobs[0].join_ret);
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(STRATA_GANG_FORMING, info.state);
	EXPECT_EQ(1, info.joined);
	EXPECT_EQ(0, info.gpu_mask);
	EXPECT_EQ(0, gang_signals(self->table, self->h[0]) &
		     STRATA_GANG_SIGNAL_READY);

	ASSERT_EQ(0, start(self, 1, self->h[0], -1, false));
	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[0],
				    STRATA_GANG_RUNNING, LIVE_MS));
	EXPECT_EQ(STRATA_GANG_SIGNAL_READY | STRATA_GANG_SIGNAL_RUNNING,
		  gang_signals(self->table, self->h[0]) &
		  (STRATA_GANG_SIGNAL_READY | STRATA_GANG_SIGNAL_RUNNING |
		   STRATA_GANG_SIGNAL_DONE | STRATA_GANG_SIGNAL_ABORTED));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(2, info.joined);
	EXPECT_EQ(4, info.nr_gpus);
	EXPECT_EQ(4, gang_popcount(info.gpu_mask));
	EXPECT_LE(1, info.slices);
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(st.nr_gpus - 4, st.free_gpus);
	EXPECT_EQ(1, st.running);
	EXPECT_EQ(0, st.queued);
}

TEST_F(member, step_reports_the_member_its_gpus_and_the_slice)
{
	struct strata_gang_gpu gpus[STRATA_GANG_MAX_GPUS];
	struct strata_gang_info info;
	__u64 mask = 0, koid;
	int i, k, n;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 3, &self->h[0]));
	koid = gang_koid(self->table, self->h[0]);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, start(self, i, self->h[0], 1, false));
	for (i = 0; i < 2; i++) {
		struct gang_job *j = &self->jobs[i];

		ASSERT_TRUE(gang_job_wait_steps(j, 1, LIVE_MS));
		EXPECT_EQ(j->member, j->last.member);
		EXPECT_EQ(-1, j->last.cpu);
		ASSERT_EQ(3, j->last.nr_gpus);
		EXPECT_LE(1, j->last.slice);
		EXPECT_LT(0, j->last.slice_end_ns);
		EXPECT_EQ(0, j->last.reserved[0]);
		EXPECT_EQ(0, j->last.reserved[1]);
		for (k = 0; k < 3; k++) {
			ASSERT_GT(GANG_NR_FAKE, j->last.gpus[k]);
			/* distinct within and across members */
			EXPECT_EQ(0, mask & (1ULL << j->last.gpus[k]));
			mask |= 1ULL << j->last.gpus[k];
		}
	}
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(STRATA_GANG_RUNNING, info.state);
	EXPECT_EQ(mask, info.gpu_mask);
	n = gang_gpus(self->dev, gpus, STRATA_GANG_MAX_GPUS);
	ASSERT_EQ(GANG_NR_FAKE, n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(mask & (1ULL << gpus[i].id) ? koid : 0,
			  gpus[i].gang_koid) TH_LOG("gpu %u", gpus[i].id);
}

TEST_F(member, gpus_of_running_gangs_never_overlap)
{
	struct strata_gang_info a, b;
	__u64 ma = 0, mb = 0;
	int i;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 2, &self->h[0]));
	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 4, &self->h[1]));
	ASSERT_EQ(0, start(self, 0, self->h[0], 1, false));
	ASSERT_EQ(0, start(self, 1, self->h[0], 1, false));
	ASSERT_EQ(0, start(self, 2, self->h[1], 1, false));
	for (i = 0; i < 3; i++)
		ASSERT_TRUE(gang_job_wait_steps(&self->jobs[i], 1, LIVE_MS));
	ma = self->jobs[0].gpus_seen | self->jobs[1].gpus_seen;
	mb = self->jobs[2].gpus_seen;
	EXPECT_EQ(4, gang_popcount(ma));
	EXPECT_EQ(4, gang_popcount(mb));
	EXPECT_EQ(0, ma & mb);
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &a));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[1], &b));
	EXPECT_EQ(ma, a.gpu_mask);
	EXPECT_EQ(mb, b.gpu_mask);
	EXPECT_EQ(0, gang_free_gpus(self->dev));
}

TEST_F(member, step_blocks_until_the_last_member_joins)
{
	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h[0]));
	ASSERT_EQ(0, start(self, 0, self->h[0], 1, false));
	ASSERT_TRUE(gang_job_blocked_in_step(&self->jobs[0], LIVE_MS));
	EXPECT_EQ(0, GANG_LOAD(&self->jobs[0].steps_done));
	EXPECT_EQ(STRATA_GANG_FORMING, gang_state(self->dev, self->table,
						  self->h[0]));

	ASSERT_EQ(0, start(self, 1, self->h[0], -1, false));
	EXPECT_TRUE(gang_job_wait_steps(&self->jobs[0], 1, LIVE_MS));
	EXPECT_EQ(STRATA_GANG_RUNNING, gang_state(self->dev, self->table,
						  self->h[0]));
}

TEST_F(member, nonblocking_step_is_eagain_until_the_gang_runs)
{
	struct strata_gang_step st;
	__u32 me;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h[0]));
	ASSERT_EQ(0, gang_join(self->dev, self->table, self->h[0], &me));
	EXPECT_EQ(-EAGAIN, gang_step(self->dev, self->table, self->h[0],
				     STRATA_GANG_STEP_NONBLOCK, NULL));
	ASSERT_EQ(0, start(self, 0, self->h[0], -1, false));
	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[0],
				    STRATA_GANG_RUNNING, LIVE_MS));
	ASSERT_EQ(0, gang_step(self->dev, self->table, self->h[0],
			       STRATA_GANG_STEP_NONBLOCK, &st));
	EXPECT_EQ(me, st.member);
	EXPECT_EQ(1, st.nr_gpus);
	EXPECT_EQ(0, gang_leave(self->dev, self->table, self->h[0]));
}

TEST_F(member, step_by_a_thread_that_is_no_member_is_esrch)
{
	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h[0]));
	EXPECT_EQ(-ESRCH, gang_step(self->dev, self->table, self->h[0],
				    STRATA_GANG_STEP_NONBLOCK, NULL));
	EXPECT_EQ(-ESRCH, gang_step(self->dev, self->table, self->h[0], 0,
				    NULL));
	/* nor once another thread made it run */
	ASSERT_EQ(0, start(self, 0, self->h[0], 1, false));
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[0], 1, LIVE_MS));
	EXPECT_EQ(-ESRCH, gang_step(self->dev, self->table, self->h[0], 0,
				    NULL));
}

TEST_F(member, joining_twice_is_ealready)
{
	struct strata_gang_info info;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h[0]));
	ASSERT_EQ(0, gang_join(self->dev, self->table, self->h[0], NULL));
	EXPECT_EQ(-EALREADY, gang_join(self->dev, self->table, self->h[0],
				       NULL));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(1, info.joined);
	EXPECT_EQ(STRATA_GANG_FORMING, info.state);
}

TEST_F(member, joining_a_full_gang_is_eusers)
{
	struct strata_gang_info info;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h[0]));
	ASSERT_EQ(0, start(self, 0, self->h[0], -1, false));
	ASSERT_TRUE(gang_job_wait_phase(&self->jobs[0], GANG_JOB_HOLDING,
					LIVE_MS));
	ASSERT_EQ(0, self->jobs[0].join_ret);
	EXPECT_EQ(-EUSERS, gang_join(self->dev, self->table, self->h[0],
				     NULL));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(1, info.joined);
	EXPECT_EQ(1, info.alive);
}

TEST_F(member, a_member_of_a_live_gang_cannot_join_another)
{
	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h[0]));
	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h[1]));
	ASSERT_EQ(0, gang_join(self->dev, self->table, self->h[0], NULL));
	EXPECT_EQ(-EBUSY, gang_join(self->dev, self->table, self->h[1], NULL));
	EXPECT_EQ(0, gang_leave(self->dev, self->table, self->h[0]));
}

TEST_F(member, a_thread_that_left_may_join_another_gang)
{
	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h[0]));
	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h[1]));
	ASSERT_EQ(0, start(self, 0, self->h[0], -1, false));
	ASSERT_EQ(0, gang_join(self->dev, self->table, self->h[0], NULL));
	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[0],
				    STRATA_GANG_RUNNING, LIVE_MS));
	ASSERT_EQ(0, gang_step(self->dev, self->table, self->h[0], 0, NULL));
	ASSERT_EQ(0, gang_leave(self->dev, self->table, self->h[0]));
	/* the first gang still runs with its other member */
	EXPECT_EQ(STRATA_GANG_RUNNING, gang_state(self->dev, self->table,
						  self->h[0]));
	ASSERT_EQ(0, gang_join(self->dev, self->table, self->h[1], NULL));
	ASSERT_EQ(0, gang_step(self->dev, self->table, self->h[1], 0, NULL));
	EXPECT_EQ(0, gang_leave(self->dev, self->table, self->h[1]));
	EXPECT_EQ(STRATA_GANG_DONE, gang_state(self->dev, self->table,
					       self->h[1]));
}

TEST_F(member, leave_ends_the_membership)
{
	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 2, &self->h[0]));
	EXPECT_EQ(-ESRCH, gang_leave(self->dev, self->table, self->h[0]));
	ASSERT_EQ(0, gang_join(self->dev, self->table, self->h[0], NULL));
	ASSERT_EQ(0, gang_step(self->dev, self->table, self->h[0], 0, NULL));
	ASSERT_EQ(0, gang_leave(self->dev, self->table, self->h[0]));
	EXPECT_EQ(-ESRCH, gang_step(self->dev, self->table, self->h[0], 0,
				    NULL));
	EXPECT_EQ(-ESRCH, gang_step(self->dev, self->table, self->h[0],
				    STRATA_GANG_STEP_NONBLOCK, NULL));
	EXPECT_EQ(-ESRCH, gang_leave(self->dev, self->table, self->h[0]));
}

TEST_F(member, when_every_member_left_the_gang_is_done_and_its_gpus_free)
{
	struct strata_gang_status st0, st;
	struct strata_gang_info info;
	__u64 t0, t1;
	int i;

	ASSERT_EQ(0, gang_status(self->dev, &st0));
	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 2, &self->h[0]));
	for (i = 0; i < 2; i++) {
		self->jobs[i].kernel_us = 500;
		ASSERT_EQ(0, start(self, i, self->h[0], 2, false));
	}
	for (i = 0; i < 2; i++)
		ASSERT_TRUE(gang_job_wait_steps(&self->jobs[i], 2, LIVE_MS));
	/* it runs for at least the time between these two readings */
	ASSERT_EQ(STRATA_GANG_RUNNING, gang_state(self->dev, self->table,
						  self->h[0]));
	t0 = gang_now_ns();
	strata_sleep_ms(50);
	t1 = gang_now_ns();
	for (i = 0; i < 2; i++) {
		GANG_STORE(&self->jobs[i].stop, 1);
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], LIVE_MS));
		EXPECT_EQ(0, self->jobs[i].leave_ret);
		EXPECT_EQ(0, self->jobs[i].kernel_ret);
		EXPECT_EQ(4, self->jobs[i].kernels);
	}

	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(STRATA_GANG_DONE, info.state);
	EXPECT_EQ(STRATA_GANG_ABORT_NONE, info.abort_reason);
	EXPECT_EQ(2, info.joined);
	EXPECT_EQ(0, info.alive);
	EXPECT_EQ(0, info.deaths);
	EXPECT_EQ(0, info.gpu_mask);
	EXPECT_LE(1, info.slices);
	EXPECT_LE(t1 - t0, info.run_ns);
	EXPECT_LE(4 * (t1 - t0), info.attained_ns);
	EXPECT_TRUE(gang_signals(self->table, self->h[0]) &
		    STRATA_GANG_SIGNAL_DONE);
	EXPECT_FALSE(gang_signals(self->table, self->h[0]) &
		     STRATA_GANG_SIGNAL_RUNNING);
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(st.nr_gpus, st.free_gpus);
	EXPECT_EQ(0, st.running);
	EXPECT_LE(st0.admitted + 1, st.admitted);
	/* an ended gang takes nobody */
	EXPECT_EQ(-ECANCELED, gang_join(self->dev, self->table, self->h[0],
					NULL));
	EXPECT_EQ(-EALREADY, gang_kill(self->dev, self->table, self->h[0]));
}

TEST_F(member, kill_aborts_the_gang_and_wakes_a_blocked_step)
{
	struct strata_gang_status st0, st;
	struct strata_gang_info info;

	ASSERT_EQ(0, gang_status(self->dev, &st0));
	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h[0]));
	ASSERT_EQ(0, start(self, 0, self->h[0], 1, false));
	ASSERT_TRUE(gang_job_blocked_in_step(&self->jobs[0], LIVE_MS));

	ASSERT_EQ(0, gang_kill(self->dev, self->table, self->h[0]));
	ASSERT_TRUE(gang_job_wait_phase(&self->jobs[0], GANG_JOB_HOLDING,
					LIVE_MS));
	EXPECT_EQ(-ECANCELED, self->jobs[0].step_ret);
	EXPECT_EQ(0, self->jobs[0].steps_done);
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(STRATA_GANG_ABORTED, info.state);
	EXPECT_EQ(STRATA_GANG_ABORT_KILLED, info.abort_reason);
	EXPECT_EQ(0, info.gpu_mask);
	EXPECT_TRUE(gang_signals(self->table, self->h[0]) &
		    STRATA_GANG_SIGNAL_ABORTED);
	EXPECT_EQ(-EALREADY, gang_kill(self->dev, self->table, self->h[0]));
	EXPECT_EQ(-ECANCELED, gang_join(self->dev, self->table, self->h[0],
					NULL));
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(st0.aborts + 1, st.aborts);
}

TEST_F(member, kill_of_a_running_gang_frees_its_gpus)
{
	struct gang_job *j = &self->jobs[0];

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 4, &self->h[0]));
	j->handle = self->h[0];
	j->steps = 0;		/* until stopped or cancelled */
	j->kernel_us = 200;
	ASSERT_EQ(0, gang_job_start_thread(j, self->dev, self->table));
	ASSERT_TRUE(gang_job_wait_steps(j, 2, LIVE_MS));
	EXPECT_EQ(GANG_NR_FAKE - 4, gang_free_gpus(self->dev));

	ASSERT_EQ(0, gang_kill(self->dev, self->table, self->h[0]));
	ASSERT_EQ(0, gang_job_wait(j, LIVE_MS));
	EXPECT_EQ(-ECANCELED, j->step_ret);
	EXPECT_EQ(GANG_NR_FAKE, gang_free_gpus(self->dev));
	EXPECT_EQ(STRATA_GANG_ABORTED, gang_state(self->dev, self->table,
						  self->h[0]));
}

/* Whether GPUS shows a GPU held by the gang of @koid. */
static bool holds_a_gpu(int dev, __u64 koid)
{
	struct strata_gang_gpu gpus[STRATA_GANG_MAX_GPUS];
	int n, i;

	n = gang_gpus(dev, gpus, STRATA_GANG_MAX_GPUS);
	for (i = 0; i < n; i++)
		if (gpus[i].gang_koid == koid)
			return true;
	return false;
}

/*
 * The test holds no handle to the gang it kills: its members, processes
 * with handles of their own, do.
 */
TEST_F(member, kill_id_aborts_a_running_gang_and_admits_a_waiting_one)
{
	struct gang_job *w = &self->jobs[2];
	struct strata_gang_status st0, st;
	struct strata_gang_info info;
	__u64 koid;
	int i;

	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 2, 3,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT, 0,
				    &self->h[0]));
	koid = gang_koid(self->table, self->h[0]);
	ASSERT_NE(0, koid);
	for (i = 0; i < 2; i++) {
		self->jobs[i].handle = self->h[0];
		self->jobs[i].steps = 0;	/* until cancelled */
		self->jobs[i].hold = true;	/* then wait for @stop */
		self->jobs[i].kernel_us = 200;
		ASSERT_EQ(0, gang_job_start_process(&self->jobs[i],
						    self->table, self->h[0]));
	}
	for (i = 0; i < 2; i++)
		ASSERT_TRUE(gang_job_wait_steps(&self->jobs[i], 1, LIVE_MS));
	/* a waiter that needs more than the 2 GPUs left */
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 1, 4,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT, 0,
				    &self->h[1]));
	w->handle = self->h[1];
	w->steps = 0;
	w->kernel_us = 200;
	ASSERT_EQ(0, gang_job_start_thread(w, self->dev, self->table));
	ASSERT_TRUE(gang_job_blocked_in_step(w, LIVE_MS));
	EXPECT_EQ(STRATA_GANG_QUEUED, gang_state(self->dev, self->table,
						 self->h[1]));
	gang_close_quiet(self->table, &self->h[0]);
	ASSERT_EQ(1, gang_listed(self->dev, koid, &info));
	ASSERT_EQ(STRATA_GANG_RUNNING, info.state);
	ASSERT_EQ(0, gang_status(self->dev, &st0));

	ASSERT_EQ(0, gang_kill_id(self->dev, koid));
	ASSERT_EQ(1, gang_listed(self->dev, koid, &info));
	EXPECT_EQ(STRATA_GANG_ABORTED, info.state);
	EXPECT_EQ(STRATA_GANG_ABORT_ADMIN, info.abort_reason);
	EXPECT_EQ(0, info.gpu_mask);
	EXPECT_EQ(0, info.nr_gpus);
	EXPECT_FALSE(holds_a_gpu(self->dev, koid));
	/* the members' STEP fails */
	for (i = 0; i < 2; i++) {
		ASSERT_TRUE(gang_job_wait_phase(&self->jobs[i],
						GANG_JOB_HOLDING, LIVE_MS));
		EXPECT_EQ(-ECANCELED, self->jobs[i].step_ret);
	}
	/* what it held lets the waiter in */
	EXPECT_TRUE(gang_job_wait_steps(w, 1, LIVE_MS));
	EXPECT_EQ(STRATA_GANG_RUNNING, gang_state(self->dev, self->table,
						  self->h[1]));
	EXPECT_EQ(GANG_NR_FAKE - 4, gang_free_gpus(self->dev));
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(st0.aborts + 1, st.aborts);
	EXPECT_EQ(st0.admitted + 1, st.admitted);
	/* still a record while its members are: ended already */
	EXPECT_EQ(-EALREADY, gang_kill_id(self->dev, koid));

	/* they LEAVE and end; the record goes with the last of them */
	for (i = 0; i < 2; i++) {
		GANG_STORE(&self->jobs[i].stop, 1);
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], LIVE_MS));
		EXPECT_EQ(0, self->jobs[i].leave_ret);
		EXPECT_TRUE(WIFEXITED(self->jobs[i].exit_status) &&
			    !WEXITSTATUS(self->jobs[i].exit_status));
	}
	EXPECT_TRUE(GANG_WAIT_UNTIL(gang_listed(self->dev, koid, NULL) == 0,
				    LIVE_MS));
	EXPECT_EQ(-ENOENT, gang_kill_id(self->dev, koid));
	GANG_STORE(&w->stop, 1);
	ASSERT_EQ(0, gang_job_wait(w, LIVE_MS));
	EXPECT_EQ(0, w->leave_ret);
	EXPECT_EQ(GANG_NR_FAKE, gang_free_gpus(self->dev));
}

TEST_F(member, kill_id_aborts_a_queued_gang_and_wakes_its_members)
{
	struct gang_job *b = &self->jobs[2];
	struct strata_gang_status st0, st;
	struct strata_gang_info info;
	__u32 sig;
	int i;

	/* a blocker holds every GPU */
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 1, GANG_NR_FAKE,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT, 0,
				    &self->h[1]));
	b->handle = self->h[1];
	b->steps = 0;
	b->kernel_us = 200;
	ASSERT_EQ(0, gang_job_start_thread(b, self->dev, self->table));
	ASSERT_TRUE(gang_job_wait_steps(b, 1, LIVE_MS));
	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h[0]));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, start(self, i, self->h[0], 1, false));
	for (i = 0; i < 2; i++)
		ASSERT_TRUE(gang_job_blocked_in_step(&self->jobs[i], LIVE_MS));
	ASSERT_EQ(STRATA_GANG_QUEUED, gang_state(self->dev, self->table,
						 self->h[0]));
	ASSERT_EQ(0, gang_status(self->dev, &st0));

	ASSERT_EQ(0, gang_kill_id(self->dev,
				  gang_koid(self->table, self->h[0])));
	for (i = 0; i < 2; i++) {
		ASSERT_TRUE(gang_job_wait_phase(&self->jobs[i],
						GANG_JOB_HOLDING, LIVE_MS));
		EXPECT_EQ(-ECANCELED, self->jobs[i].step_ret);
		EXPECT_EQ(0, self->jobs[i].steps_done);
	}
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(STRATA_GANG_ABORTED, info.state);
	EXPECT_EQ(STRATA_GANG_ABORT_ADMIN, info.abort_reason);
	EXPECT_EQ(0, info.gpu_mask);
	sig = gang_signals(self->table, self->h[0]);
	EXPECT_TRUE(sig & STRATA_GANG_SIGNAL_ABORTED);
	EXPECT_FALSE(sig & STRATA_GANG_SIGNAL_RUNNING);
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(st0.aborts + 1, st.aborts);
	EXPECT_EQ(st0.queued - 1, st.queued);
	/* the blocker goes on with every GPU */
	EXPECT_EQ(STRATA_GANG_RUNNING, gang_state(self->dev, self->table,
						  self->h[1]));
	EXPECT_EQ(0, gang_free_gpus(self->dev));
	i = GANG_LOAD(&b->steps_done);
	EXPECT_TRUE(gang_job_wait_steps(b, i + 1, LIVE_MS));
	/* ended once: by id or by handle, it is over already */
	EXPECT_EQ(-EALREADY, gang_kill_id(self->dev,
					  gang_koid(self->table, self->h[0])));
	EXPECT_EQ(-EALREADY, gang_kill(self->dev, self->table, self->h[0]));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(STRATA_GANG_ABORT_ADMIN, info.abort_reason);
	GANG_STORE(&b->stop, 1);
	ASSERT_EQ(0, gang_job_wait(b, LIVE_MS));
	EXPECT_EQ(GANG_NR_FAKE, gang_free_gpus(self->dev));
}

TEST_F(member, kill_id_of_a_forming_gang_turns_later_joins_away)
{
	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h[0]));
	ASSERT_EQ(0, gang_kill_id(self->dev,
				  gang_koid(self->table, self->h[0])));
	EXPECT_EQ(STRATA_GANG_ABORTED, gang_state(self->dev, self->table,
						  self->h[0]));
	EXPECT_EQ(-ECANCELED, gang_join(self->dev, self->table, self->h[0],
					NULL));
}

TEST_F(member, kill_id_of_an_ended_gang_is_ealready_and_changes_nothing)
{
	struct strata_gang_status st0, st;
	struct strata_gang_info info;

	/* DONE: its only member took a STEP and left */
	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h[0]));
	ASSERT_EQ(0, start(self, 0, self->h[0], 1, false));
	GANG_STORE(&self->jobs[0].stop, 1);
	ASSERT_EQ(0, gang_job_wait(&self->jobs[0], LIVE_MS));
	ASSERT_EQ(0, self->jobs[0].leave_ret);
	ASSERT_EQ(STRATA_GANG_DONE, gang_state(self->dev, self->table,
					       self->h[0]));
	/* ABORTED by KILL */
	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h[1]));
	ASSERT_EQ(0, gang_kill(self->dev, self->table, self->h[1]));
	ASSERT_EQ(0, gang_status(self->dev, &st0));

	EXPECT_EQ(-EALREADY, gang_kill_id(self->dev,
					  gang_koid(self->table, self->h[0])));
	EXPECT_EQ(-EALREADY, gang_kill_id(self->dev,
					  gang_koid(self->table, self->h[1])));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(STRATA_GANG_DONE, info.state);
	EXPECT_EQ(STRATA_GANG_ABORT_NONE, info.abort_reason);
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[1], &info));
	EXPECT_EQ(STRATA_GANG_ABORTED, info.state);
	EXPECT_EQ(STRATA_GANG_ABORT_KILLED, info.abort_reason);
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(st0.aborts, st.aborts);
}

TEST_F(member, closing_the_last_handle_aborts_an_unfinished_gang)
{
	struct strata_gang_info info;
	__u64 koid;
	int gangs0 = gang_nr_gangs(self->dev);

	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h[0]));
	koid = gang_koid(self->table, self->h[0]);
	ASSERT_EQ(0, start(self, 0, self->h[0], 1, false));
	ASSERT_TRUE(gang_job_blocked_in_step(&self->jobs[0], LIVE_MS));

	ASSERT_EQ(0, strata_handle_close(self->table, self->h[0]));
	self->h[0] = 0;
	ASSERT_TRUE(gang_job_wait_phase(&self->jobs[0], GANG_JOB_HOLDING,
					LIVE_MS));
	EXPECT_EQ(-ECANCELED, self->jobs[0].step_ret);
	/* listed while its member remains */
	ASSERT_EQ(1, gang_listed(self->dev, koid, &info));
	EXPECT_EQ(STRATA_GANG_ABORTED, info.state);
	EXPECT_EQ(STRATA_GANG_ABORT_NO_HANDLES, info.abort_reason);

	GANG_STORE(&self->jobs[0].stop, 1);
	ASSERT_EQ(0, gang_job_wait(&self->jobs[0], LIVE_MS));
	EXPECT_TRUE(GANG_WAIT_UNTIL(gang_listed(self->dev, koid, NULL) == 0,
				    LIVE_MS));
	EXPECT_EQ(gangs0, gang_nr_gangs(self->dev));
}

TEST_F(member, join_needs_the_write_right)
{
	__u32 d;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h[0]));
	ASSERT_EQ(0, strata_handle_duplicate(self->table, self->h[0],
			STRATA_DEFAULT_GANG_RIGHTS & ~STRATA_RIGHT_WRITE, &d));
	EXPECT_EQ(-EACCES, gang_join(self->dev, self->table, d, NULL));
	EXPECT_EQ(0, strata_handle_close(self->table, d));
	ASSERT_EQ(0, strata_handle_duplicate(self->table, self->h[0],
					     STRATA_RIGHT_WRITE, &d));
	EXPECT_EQ(0, gang_join(self->dev, self->table, d, NULL));
	EXPECT_EQ(0, gang_leave(self->dev, self->table, self->h[0]));
	EXPECT_EQ(0, strata_handle_close(self->table, d));
}

TEST_F(member, kill_needs_the_destroy_right)
{
	__u32 d;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h[0]));
	ASSERT_EQ(0, strata_handle_duplicate(self->table, self->h[0],
			STRATA_DEFAULT_GANG_RIGHTS & ~STRATA_RIGHT_DESTROY,
			&d));
	EXPECT_EQ(-EACCES, gang_kill(self->dev, self->table, d));
	EXPECT_EQ(STRATA_GANG_FORMING, gang_state(self->dev, self->table, d));
	EXPECT_EQ(0, strata_handle_close(self->table, d));
}

TEST_F(member, info_needs_the_inspect_right)
{
	struct strata_gang_info info;
	__u32 d;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h[0]));
	ASSERT_EQ(0, strata_handle_duplicate(self->table, self->h[0],
			STRATA_DEFAULT_GANG_RIGHTS & ~STRATA_RIGHT_INSPECT,
			&d));
	EXPECT_EQ(-EACCES, gang_info(self->dev, self->table, d, &info));
	EXPECT_EQ(0, strata_handle_close(self->table, d));
}

TEST_F(member, set_needs_the_set_property_right)
{
	struct strata_gang_info info;
	__u32 d;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h[0]));
	ASSERT_EQ(0, strata_handle_duplicate(self->table, self->h[0],
			STRATA_DEFAULT_GANG_RIGHTS & ~STRATA_RIGHT_SET_PROPERTY,
			&d));
	EXPECT_EQ(-EACCES, gang_set(self->dev, self->table, d,
				    STRATA_GANG_SET_SLICE, 0, 10));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_NE(10, info.slice_ms);
	EXPECT_EQ(0, strata_handle_close(self->table, d));
}

TEST_F(member, set_changes_only_the_fields_of_its_mask)
{
	struct strata_gang_create c = gang_args(self->table, 1, 1);
	struct strata_gang_info info;

	c.priority = 2;
	c.slice_ms = 40;
	ASSERT_EQ(0, gang_create_args(self->dev, &c));
	self->h[0] = c.handle;

	ASSERT_EQ(0, gang_set(self->dev, self->table, c.handle,
			      STRATA_GANG_SET_SLICE, 6, 25));
	ASSERT_EQ(0, gang_info(self->dev, self->table, c.handle, &info));
	EXPECT_EQ(2, info.priority);
	EXPECT_EQ(25, info.slice_ms);

	ASSERT_EQ(0, gang_set(self->dev, self->table, c.handle,
			      STRATA_GANG_SET_PRIORITY, 6, 77));
	ASSERT_EQ(0, gang_info(self->dev, self->table, c.handle, &info));
	EXPECT_EQ(6, info.priority);
	EXPECT_EQ(25, info.slice_ms);

	ASSERT_EQ(0, gang_set(self->dev, self->table, c.handle,
			      STRATA_GANG_SET_MASK, 1, 500));
	ASSERT_EQ(0, gang_info(self->dev, self->table, c.handle, &info));
	EXPECT_EQ(1, info.priority);
	EXPECT_EQ(500, info.slice_ms);
}

TEST_F(member, a_process_joins_through_an_imported_handle)
{
	struct gang_job *j = &self->jobs[0];
	struct strata_gang_info info;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 2, &self->h[0]));
	j->steps = 2;
	j->kernel_us = 300;
	ASSERT_EQ(0, gang_job_start_process(j, self->table, self->h[0]));
	ASSERT_EQ(0, gang_job_wait(j, LIVE_MS));
	EXPECT_TRUE(WIFEXITED(j->exit_status) &&
		    WEXITSTATUS(j->exit_status) == 0);
	EXPECT_EQ(0, j->setup_ret);
	EXPECT_EQ(0, j->join_ret);
	EXPECT_EQ(2, j->steps_done);
	EXPECT_EQ(4, j->kernels);
	EXPECT_EQ(0, j->leave_ret);
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(STRATA_GANG_DONE, info.state);
	EXPECT_EQ(0, info.deaths);
	/* the duplicate the child imported went with it */
	EXPECT_EQ(1, gang_nr_handles(self->table));
}

TEST_HARNESS_MAIN

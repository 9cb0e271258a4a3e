// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - time-slicing and preemption
 *
 * With sched_policy 0 (least attained service), gangs that cannot run
 * together take turns slice by slice: at the end of a slice a running gang
 * is preempted when a queued one ranks before it; its members park in
 * STEP, and go on when it runs again.  Members of a STRATA_GANG_STOP gang
 * that have not parked within park_grace_ms are stopped (SIGSTOP) and
 * continued with the gang; other gangs' members are never stopped.  Priority
 * divides attained service.  With sched_policy 1 (FIFO) nothing is
 * preempted.
 */
#include "kselftest_harness.h"
#include "common.h"

#define NR_JOBS		4
#define LIVE_MS		10000

FIXTURE(slice) {
	int dev, table;
	struct gang_job *jobs;
	__u32 h[2];
};

FIXTURE_SETUP(slice)
{
	self->dev = gang_open();
	ASSERT_LE(0, self->dev);
	self->table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->table);
	self->jobs = gang_jobs_new(NR_JOBS);
	ASSERT_NE(NULL, self->jobs);
	ASSERT_TRUE(GANG_WAIT_UNTIL(gang_idle(self->dev), LIVE_MS));
	ASSERT_EQ(0, gang_param_push("sched_policy", "0"));
	/* only slices end turns here, never starvation */
	ASSERT_EQ(0, gang_param_push("starve_ms", "3600000"));
	/* member threads of this test always park in time */
	ASSERT_EQ(0, gang_param_push("park_grace_ms", "5000"));
}

FIXTURE_TEARDOWN(slice)
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

/* A 1-member gang of every GPU with @slice_ms, @prio and @flags. */
static int whole_machine_gang(FIXTURE_DATA(slice) *self, int i,
			      __u32 slice_ms, __u32 prio, __u32 flags)
{
	struct strata_gang_create c = gang_args(self->table, 1, GANG_NR_FAKE);
	int err;

	c.slice_ms = slice_ms;
	c.priority = prio;
	c.flags = flags;
	err = gang_create_args(self->dev, &c);
	if (!err)
		self->h[i] = c.handle;
	return err;
}

/* Job @i, a member thread of gang @h stepping until stopped. */
static int stepper(FIXTURE_DATA(slice) *self, int i, __u32 h, __u32 us)
{
	struct gang_job *j = &self->jobs[i];

	j->handle = h;
	j->steps = 0;
	j->kernel_us = us;
	return gang_job_start_thread(j, self->dev, self->table);
}

/* Job @i, a member of gang @h that steps once, then holds until stopped. */
static int holder(FIXTURE_DATA(slice) *self, int i, __u32 h, bool process)
{
	struct gang_job *j = &self->jobs[i];

	j->handle = h;
	j->steps = 1;
	j->hold = true;
	if (process)
		return gang_job_start_process(j, self->table, h);
	return gang_job_start_thread(j, self->dev, self->table);
}

static struct strata_gang_info info_of(FIXTURE_DATA(slice) *self, int i)
{
	struct strata_gang_info info;

	if (gang_info(self->dev, self->table, self->h[i], &info))
		memset(&info, 0xff, sizeof(info));
	return info;
}

TEST_F_TIMEOUT(slice, gangs_that_need_every_gpu_take_turns, 90)
{
	struct strata_gang_status st0, st;
	struct strata_gang_info a, b, all[8];
	int i, n, running, both = 0;
	long long deadline;

	ASSERT_EQ(0, gang_status(self->dev, &st0));
	ASSERT_EQ(0, whole_machine_gang(self, 0, 20, 0, 0));
	ASSERT_EQ(0, whole_machine_gang(self, 1, 20, 0, 0));
	ASSERT_EQ(0, stepper(self, 0, self->h[0], 1000));
	ASSERT_EQ(0, stepper(self, 1, self->h[1], 1000));

	/* each runs, is preempted and runs again, several times */
	deadline = strata_now_ms() + 60000;
	while (!(GANG_LOAD(&self->jobs[0].slices_seen) >= 4 &&
		 GANG_LOAD(&self->jobs[1].slices_seen) >= 4)) {
		n = gang_list(self->dev, all, 8);
		ASSERT_EQ(2, n);
		for (running = 0, i = 0; i < n; i++)
			running += all[i].state == STRATA_GANG_RUNNING;
		both += running > 1;
		ASSERT_GT(deadline, strata_now_ms())
			TH_LOG("they do not take turns: %d and %d slices",
			       self->jobs[0].slices_seen,
			       self->jobs[1].slices_seen);
		strata_sleep_ms(5);
	}
	EXPECT_EQ(0, both) TH_LOG("both ran at once");

	for (i = 0; i < 2; i++)
		GANG_STORE(&self->jobs[i].stop, 1);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], LIVE_MS));
		EXPECT_EQ(0, self->jobs[i].leave_ret);
		EXPECT_EQ(0, self->jobs[i].kernel_ret);
		EXPECT_LT(self->jobs[i].first.slice, self->jobs[i].last.slice);
		EXPECT_EQ(GANG_NR_FAKE, self->jobs[i].last.nr_gpus);
	}
	a = info_of(self, 0);
	b = info_of(self, 1);
	EXPECT_EQ(STRATA_GANG_DONE, a.state);
	EXPECT_EQ(STRATA_GANG_DONE, b.state);
	EXPECT_LE(1, a.preemptions);
	EXPECT_LE(1, b.preemptions);
	/* a slice ends in a preemption or not at all (LEAVE ends it) */
	EXPECT_LE(a.preemptions, a.slices);
	EXPECT_LE(b.preemptions, b.slices);
	EXPECT_LT(0, a.wait_ns + b.wait_ns);
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(st0.preemptions + a.preemptions + b.preemptions,
		  st.preemptions);
	TH_LOG("A: %llu slices, %llu preempted; B: %llu slices, %llu preempted",
	       a.slices, a.preemptions, b.slices, b.preemptions);
}

/*
 * A whole-machine gang has run a while when a 2-GPU gang arrives: the new
 * one ranks first (it has attained nothing), but running it alone would
 * leave 6 of the 8 GPUs idle.  Returns the new gang's slices over 300 ms
 * after it is queued, and in @wide_ms the wide gang's attained GPU time
 * over them, per GPU.
 */
static __u64 narrow_beside_wide(FIXTURE_DATA(slice) *self, __u64 *wide_ms)
{
	struct strata_gang_create c = gang_args(self->table, 1, 2);
	struct strata_gang_info w0, w1, n1;

	c.slice_ms = 20;
	if (whole_machine_gang(self, 0, 20, 0, 0) ||
	    stepper(self, 0, self->h[0], 500) ||
	    !gang_job_wait_steps(&self->jobs[0], 1, LIVE_MS))
		return -1;
	strata_sleep_ms(300);
	if (gang_create_args(self->dev, &c))
		return -1;
	self->h[1] = c.handle;
	if (stepper(self, 1, self->h[1], 500) ||
	    !gang_wait_state(self->dev, self->table, self->h[1],
			     STRATA_GANG_QUEUED, LIVE_MS))
		return -1;
	w0 = info_of(self, 0);
	strata_sleep_ms(300);
	w1 = info_of(self, 0);
	n1 = info_of(self, 1);
	*wide_ms = (w1.attained_ns - w0.attained_ns) / GANG_NR_FAKE / GANG_MS;
	return n1.slices;
}

/*
 * fill_idle: the plan does not leave 6 GPUs idle for the rank's sake; the
 * wide gang goes on, and the narrow one still runs once it has waited
 * starve_ms.
 */
TEST_F_TIMEOUT(slice, wide_gang_is_not_kept_out_beside_idle_gpus, 60)
{
	__u64 slices, wide_ms;
	int i;

	ASSERT_EQ(0, gang_param_push("fill_idle", "1"));
	ASSERT_EQ(0, gang_param_push("starve_ms", "1000"));
	slices = narrow_beside_wide(self, &wide_ms);
	ASSERT_NE((__u64)-1, slices);
	TH_LOG("narrow gang: %llu slices; wide gang ran %llu of 300 ms",
	       slices, wide_ms);
	EXPECT_EQ(0, slices);
	EXPECT_LE(150, wide_ms);
	/* starve_ms still bounds the narrow gang's wait */
	EXPECT_TRUE(GANG_WAIT_UNTIL(info_of(self, 1).slices >= 1, 10000));

	for (i = 0; i < 2; i++)
		GANG_STORE(&self->jobs[i].stop, 1);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], LIVE_MS));
		EXPECT_EQ(0, self->jobs[i].leave_ret);
	}
}

/* Without fill_idle, plain rank order: the narrow gang runs alone. */
TEST_F_TIMEOUT(slice, without_fill_idle_the_first_ranked_runs_alone, 60)
{
	__u64 slices, wide_ms;
	int i;

	ASSERT_EQ(0, gang_param_push("fill_idle", "0"));
	slices = narrow_beside_wide(self, &wide_ms);
	ASSERT_NE((__u64)-1, slices);
	TH_LOG("narrow gang: %llu slices; wide gang ran %llu of 300 ms",
	       slices, wide_ms);
	EXPECT_LE(1, slices);
	EXPECT_GT(150, wide_ms);

	for (i = 0; i < 2; i++)
		GANG_STORE(&self->jobs[i].stop, 1);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], LIVE_MS));
		EXPECT_EQ(0, self->jobs[i].leave_ret);
	}
}

struct releaser {
	struct gang_job *job;
	long ms;
	pthread_t thread;
};

static void *release_later(void *arg)
{
	struct releaser *r = arg;

	strata_sleep_ms(r->ms);
	GANG_STORE(&r->job->stop, 1);
	return NULL;
}

TEST_F_TIMEOUT(slice, preempted_member_blocks_in_step_until_its_gang_runs_again,
	       60)
{
	struct strata_gang_step first, st;
	struct strata_gang_info a;
	struct releaser rel;
	long long deadline;
	int err;

	/* this thread is A's member; A's slices are short */
	ASSERT_EQ(0, whole_machine_gang(self, 0, 20, 0, 0));
	ASSERT_EQ(0, gang_join(self->dev, self->table, self->h[0], NULL));
	ASSERT_EQ(0, gang_step(self->dev, self->table, self->h[0], 0, &first));

	/* B's slice is long: once it runs it keeps the GPUs */
	ASSERT_EQ(0, whole_machine_gang(self, 1, GANG_LONG_SLICE, 0, 0));
	ASSERT_EQ(0, holder(self, 0, self->h[1], false));

	/* A's slice ends: this thread parks at a STEP boundary */
	deadline = strata_now_ms() + LIVE_MS;
	do {
		err = gang_step(self->dev, self->table, self->h[0],
				STRATA_GANG_STEP_NONBLOCK, &st);
		if (!err) {
			EXPECT_EQ(first.member, st.member);
		}
		ASSERT_TRUE(err == 0 || err == -EAGAIN) TH_LOG("%d", err);
		strata_sleep_ms(2);
	} while (err != -EAGAIN && strata_now_ms() < deadline);
	ASSERT_EQ(-EAGAIN, err);

	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[0], 1, LIVE_MS));
	a = info_of(self, 0);
	EXPECT_EQ(STRATA_GANG_QUEUED, a.state);
	EXPECT_EQ(0, a.gpu_mask);
	EXPECT_LE(1, a.preemptions);
	EXPECT_FALSE(gang_signals(self->table, self->h[0]) &
		     STRATA_GANG_SIGNAL_RUNNING);
	EXPECT_EQ(-EAGAIN, gang_step(self->dev, self->table, self->h[0],
				     STRATA_GANG_STEP_NONBLOCK, NULL));

	/* B leaves in a while; until then this STEP blocks */
	rel.job = &self->jobs[0];
	rel.ms = 300;
	ASSERT_EQ(0, pthread_create(&rel.thread, NULL, release_later, &rel));
	ASSERT_EQ(0, gang_step(self->dev, self->table, self->h[0], 0, &st));
	EXPECT_TRUE(GANG_LOAD(&self->jobs[0].stop));
	EXPECT_EQ(STRATA_GANG_DONE, gang_state(self->dev, self->table,
					       self->h[1]));
	EXPECT_LT(first.slice, st.slice);
	EXPECT_EQ(GANG_NR_FAKE, st.nr_gpus);
	pthread_join(rel.thread, NULL);
	EXPECT_EQ(0, gang_leave(self->dev, self->table, self->h[0]));
	ASSERT_EQ(0, gang_job_wait(&self->jobs[0], LIVE_MS));
	EXPECT_EQ(0, self->jobs[0].leave_ret);
}

TEST_F_TIMEOUT(slice, higher_priority_divides_attained_service, 90)
{
	struct strata_gang_info lo, hi;
	int i;

	ASSERT_EQ(0, whole_machine_gang(self, 0, 20, 0, 0));
	ASSERT_EQ(0, whole_machine_gang(self, 1, 20,
					STRATA_GANG_MAX_PRIORITY, 0));
	ASSERT_EQ(0, stepper(self, 0, self->h[0], 500));
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[0], 1, LIVE_MS));
	ASSERT_EQ(0, stepper(self, 1, self->h[1], 500));
	/* a good number of slices between them */
	ASSERT_TRUE(GANG_WAIT_UNTIL(info_of(self, 0).slices +
				    info_of(self, 1).slices >= 40, 60000));
	for (i = 0; i < 2; i++)
		GANG_STORE(&self->jobs[i].stop, 1);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], 30000));
		EXPECT_EQ(0, self->jobs[i].leave_ret);
	}
	lo = info_of(self, 0);
	hi = info_of(self, 1);
	TH_LOG("attained: priority 0 %llu ms, priority %d %llu ms",
	       lo.attained_ns / GANG_MS, STRATA_GANG_MAX_PRIORITY,
	       hi.attained_ns / GANG_MS);
	EXPECT_LT(0, lo.attained_ns);
	EXPECT_LT(2 * lo.attained_ns, hi.attained_ns);
}

/*
 * STRATA_GANG_STOP: a member that has not parked in STEP within
 * park_grace_ms of the preemption is stopped, and continued when its gang
 * runs again.
 */
TEST_F_TIMEOUT(slice, stop_flag_stops_a_member_that_does_not_step, 60)
{
	struct gang_job *member = &self->jobs[1];
	struct strata_gang_info a;

	ASSERT_EQ(0, gang_param_push("park_grace_ms", "100"));

	/* A: STOP; its member, a process, steps once and then computes */
	ASSERT_EQ(0, whole_machine_gang(self, 0, 20, 0, STRATA_GANG_STOP));
	ASSERT_EQ(0, holder(self, 1, self->h[0], true));
	ASSERT_TRUE(gang_job_wait_steps(member, 1, LIVE_MS));
	ASSERT_TRUE(gang_job_wait_phase(member, GANG_JOB_HOLDING, LIVE_MS));
	EXPECT_NE('T', gang_job_task_state(member));

	/* B arrives and ranks first at the end of A's slice */
	ASSERT_EQ(0, whole_machine_gang(self, 1, GANG_LONG_SLICE, 0, 0));
	ASSERT_EQ(0, holder(self, 0, self->h[1], false));
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[0], 1, LIVE_MS));
	EXPECT_TRUE(GANG_WAIT_UNTIL(gang_job_task_state(member) == 'T',
				    LIVE_MS));
	a = info_of(self, 0);
	EXPECT_EQ(STRATA_GANG_QUEUED, a.state);
	EXPECT_EQ(0, a.gpu_mask);
	EXPECT_LE(1, a.preemptions);

	/* B is done: A runs again, and its member goes on */
	GANG_STORE(&self->jobs[0].stop, 1);
	ASSERT_EQ(0, gang_job_wait(&self->jobs[0], LIVE_MS));
	EXPECT_TRUE(gang_wait_state(self->dev, self->table, self->h[0],
				    STRATA_GANG_RUNNING, LIVE_MS));
	EXPECT_TRUE(GANG_WAIT_UNTIL(gang_job_task_state(member) != 'T',
				    LIVE_MS));

	GANG_STORE(&member->stop, 1);
	ASSERT_EQ(0, gang_job_wait(member, LIVE_MS));
	EXPECT_TRUE(WIFEXITED(member->exit_status) &&
		    !WEXITSTATUS(member->exit_status));
	EXPECT_EQ(0, member->leave_ret);
	EXPECT_EQ(STRATA_GANG_DONE, gang_state(self->dev, self->table,
					       self->h[0]));
}

/*
 * Without STRATA_GANG_STOP nothing stops a member that does not park: the
 * preempted gang's GPUs go to the next gang at once all the same.
 */
TEST_F_TIMEOUT(slice, member_that_does_not_park_is_not_stopped_without_stop,
	       60)
{
	struct gang_job *member = &self->jobs[1];
	struct strata_gang_info a;

	ASSERT_EQ(0, gang_param_push("park_grace_ms", "100"));
	/* A without STOP; its member steps once and then never again */
	ASSERT_EQ(0, whole_machine_gang(self, 0, 20, 0, 0));
	ASSERT_EQ(0, holder(self, 1, self->h[0], true));
	ASSERT_TRUE(gang_job_wait_phase(member, GANG_JOB_HOLDING, LIVE_MS));
	ASSERT_EQ(1, member->steps_done);

	ASSERT_EQ(0, whole_machine_gang(self, 1, GANG_LONG_SLICE, 0, 0));
	ASSERT_EQ(0, holder(self, 0, self->h[1], false));
	/* B gets every GPU while A's member still computes */
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[0], 1, LIVE_MS));
	a = info_of(self, 0);
	EXPECT_EQ(STRATA_GANG_QUEUED, a.state);
	EXPECT_EQ(0, a.gpu_mask);
	EXPECT_EQ(STRATA_GANG_RUNNING, gang_state(self->dev, self->table,
						  self->h[1]));
	/* long past the grace, it runs on */
	strata_sleep_ms(500);
	EXPECT_NE('T', gang_job_task_state(member));

	GANG_STORE(&self->jobs[0].stop, 1);
	ASSERT_EQ(0, gang_job_wait(&self->jobs[0], LIVE_MS));
	GANG_STORE(&member->stop, 1);
	ASSERT_EQ(0, gang_job_wait(member, LIVE_MS));
	EXPECT_EQ(0, member->leave_ret);
}

TEST_F_TIMEOUT(slice, fifo_policy_never_preempts, 60)
{
	struct strata_gang_info a;

	ASSERT_EQ(0, gang_param_push("sched_policy", "1"));
	ASSERT_EQ(0, whole_machine_gang(self, 0, 10, 0, 0));
	ASSERT_EQ(0, stepper(self, 0, self->h[0], 500));
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[0], 1, LIVE_MS));
	ASSERT_EQ(0, whole_machine_gang(self, 1, 10, 0, 0));
	ASSERT_EQ(0, stepper(self, 1, self->h[1], 500));
	ASSERT_TRUE(gang_job_blocked_in_step(&self->jobs[1], LIVE_MS));

	/* many of A's slices go by; B waits for A to end */
	ASSERT_TRUE(GANG_WAIT_UNTIL(info_of(self, 0).slices >= 10 ||
				    info_of(self, 0).run_ns >= 300 * GANG_MS,
				    30000));
	a = info_of(self, 0);
	EXPECT_EQ(STRATA_GANG_RUNNING, a.state);
	EXPECT_EQ(0, a.preemptions);
	EXPECT_EQ(STRATA_GANG_QUEUED, gang_state(self->dev, self->table,
						 self->h[1]));
	EXPECT_EQ(0, GANG_LOAD(&self->jobs[1].steps_done));

	GANG_STORE(&self->jobs[0].stop, 1);
	ASSERT_EQ(0, gang_job_wait(&self->jobs[0], LIVE_MS));
	EXPECT_TRUE(gang_job_wait_steps(&self->jobs[1], 1, LIVE_MS));
	GANG_STORE(&self->jobs[1].stop, 1);
	ASSERT_EQ(0, gang_job_wait(&self->jobs[1], LIVE_MS));
	EXPECT_EQ(0, info_of(self, 1).preemptions);
}

TEST_HARNESS_MAIN

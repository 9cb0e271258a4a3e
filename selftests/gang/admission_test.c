// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - admission: all of a gang's GPUs at once or none
 *
 * A gang that is ready queues until every GPU it needs is free at the same
 * time, and never holds part of them while it waits; two gangs that cannot
 * run together take turns and both finish; a big gang is not starved by a
 * stream of small ones.
 */
#include "kselftest_harness.h"
#include "common.h"

#define NR_JOBS		24
#define NR_GANGS	4
#define LIVE_MS		10000

FIXTURE(admit) {
	int dev, table;
	struct gang_job *jobs;
	__u32 h[NR_GANGS];
};

FIXTURE_SETUP(admit)
{
	self->dev = gang_open();
	ASSERT_LE(0, self->dev);
	self->table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->table);
	self->jobs = gang_jobs_new(NR_JOBS);
	ASSERT_NE(NULL, self->jobs);
	ASSERT_TRUE(GANG_WAIT_UNTIL(gang_idle(self->dev), LIVE_MS));
	ASSERT_EQ(0, gang_param_push("sched_policy", "0"));
	/*
	 * Members that are threads of this test run a kernel between STEPs:
	 * give them time to park rather than have the test process stopped
	 * when a slow moment of the VM makes them late.
	 */
	ASSERT_EQ(0, gang_param_push("park_grace_ms", "5000"));
}

FIXTURE_TEARDOWN(admit)
{
	int i;

	for (i = 0; i < NR_GANGS; i++)
		if (self->h[i])
			gang_kill(self->dev, self->table, self->h[i]);
	gang_jobs_free(self->jobs, NR_JOBS);
	for (i = 0; i < NR_GANGS; i++)
		gang_close_quiet(self->table, &self->h[i]);
	gang_params_restore();
	close(self->table);
	close(self->dev);
}

/* A job of gang @h: @steps STEPs (0: until stopped), kernels of @us. */
static struct gang_job *job(FIXTURE_DATA(admit) *self, int i, __u32 h,
			    int steps, __u32 us)
{
	struct gang_job *j = &self->jobs[i];

	j->handle = h;
	j->steps = steps;
	j->kernel_us = us;
	return j;
}

static int start(FIXTURE_DATA(admit) *self, struct gang_job *j,
		 bool process)
{
	if (process)
		return gang_job_start_process(j, self->table, j->handle);
	return gang_job_start_thread(j, self->dev, self->table);
}

/* What the monitor saw of two gangs that cannot run together. */
struct watch {
	int snapshots;
	int contended;		/* one RUNNING, the other QUEUED */
	int partial;		/* a gang holding some but not all its GPUs */
	int queued_holding;	/* a QUEUED gang holding any GPU */
	int overlap;		/* a GPU in both gangs' masks */
	int gpus_bad;		/* GPUS disagrees with the masks */
	int both_running;
};

/* One consistent look (a single LIST, a single GPUS) at gangs @ka, @kb. */
static void look(int dev, __u64 ka, __u64 kb, struct watch *w)
{
	struct strata_gang_gpu gpus[STRATA_GANG_MAX_GPUS];
	struct strata_gang_info all[32], *a = NULL, *b = NULL;
	int n, i, held_a = 0, held_b = 0;

	n = gang_list(dev, all, 32);
	for (i = 0; i < n && i < 32; i++) {
		if (all[i].koid == ka)
			a = &all[i];
		if (all[i].koid == kb)
			b = &all[i];
	}
	if (!a || !b)
		return;
	w->snapshots++;
	if ((a->state == STRATA_GANG_QUEUED && a->gpu_mask) ||
	    (b->state == STRATA_GANG_QUEUED && b->gpu_mask))
		w->queued_holding++;
	if ((a->gpu_mask && gang_popcount(a->gpu_mask) != (int)a->nr_gpus) ||
	    (b->gpu_mask && gang_popcount(b->gpu_mask) != (int)b->nr_gpus))
		w->partial++;
	if (a->gpu_mask & b->gpu_mask)
		w->overlap++;
	if (a->state == STRATA_GANG_RUNNING && b->state == STRATA_GANG_RUNNING)
		w->both_running++;
	if ((a->state == STRATA_GANG_RUNNING &&
	     b->state == STRATA_GANG_QUEUED) ||
	    (b->state == STRATA_GANG_RUNNING &&
	     a->state == STRATA_GANG_QUEUED))
		w->contended++;

	/* GPUS, a moment later: each gang holds all it needs or nothing */
	n = gang_gpus(dev, gpus, STRATA_GANG_MAX_GPUS);
	for (i = 0; i < n && i < (int)STRATA_GANG_MAX_GPUS; i++) {
		held_a += gpus[i].gang_koid == ka;
		held_b += gpus[i].gang_koid == kb;
	}
	if ((held_a && held_a != 6) || (held_b && held_b != 6) ||
	    held_a + held_b > GANG_NR_FAKE)
		w->gpus_bad++;
}

TEST_F_TIMEOUT(admit, two_gangs_of_six_take_turns_and_both_finish, 180)
{
	struct strata_gang_info info;
	struct watch w = { 0 };
	__u64 ka, kb, seen_a = 0, seen_b = 0;
	long long deadline;
	int k, i, done;

	/* 6 x 1 GPU each: one at a time on 8 GPUs */
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 6, 1, 30,
				    STRATA_GANG_EXIT_ABORT, 0, &self->h[0]));
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 6, 1, 30,
				    STRATA_GANG_EXIT_ABORT, 0, &self->h[1]));
	ka = gang_koid(self->table, self->h[0]);
	kb = gang_koid(self->table, self->h[1]);

	/*
	 * Jobs 0-5 are A's members, 6-11 B's; threads and processes
	 * alternate, and they join interleaved: A0 B0 A1 B1 ... A5 B5.
	 */
	for (k = 0; k < 6; k++) {
		struct gang_job *a = job(self, k, self->h[0], 0, 2000);
		struct gang_job *b = job(self, 6 + k, self->h[1], 0, 2000);

		a->wait_go = b->wait_go = true;
		ASSERT_EQ(0, start(self, a, k & 1));
		ASSERT_EQ(0, start(self, b, !(k & 1)));
	}
	for (k = 0; k < 6; k++) {
		for (i = k; i < 12; i += 6) {
			struct gang_job *j = &self->jobs[i];

			GANG_STORE(&j->go, 1);
			ASSERT_TRUE(gang_job_wait_phase(j, GANG_JOB_JOINED,
							LIVE_MS))
				TH_LOG("job %d did not join", i);
			ASSERT_EQ(0, j->join_ret) TH_LOG("job %d", i);
			ASSERT_EQ(0, j->setup_ret) TH_LOG("job %d", i);
			/* nothing is held before a gang is complete */
			if (k < 5)
				EXPECT_EQ(GANG_NR_FAKE,
					  gang_free_gpus(self->dev));
		}
	}

	/* watch them take turns until every member has run a few STEPs */
	deadline = strata_now_ms() + 90000;
	for (;;) {
		look(self->dev, ka, kb, &w);
		for (done = 0, i = 0; i < 12; i++)
			done += GANG_LOAD(&self->jobs[i].steps_done) >= 5;
		if (done == 12)
			break;
		ASSERT_GT(deadline, strata_now_ms())
			TH_LOG("only %d of 12 members took 5 steps", done);
		usleep(2000);
	}
	EXPECT_EQ(0, w.queued_holding);
	EXPECT_EQ(0, w.partial);
	EXPECT_EQ(0, w.overlap);
	EXPECT_EQ(0, w.both_running);
	EXPECT_EQ(0, w.gpus_bad);
	EXPECT_LT(0, w.contended);

	for (i = 0; i < 12; i++)
		GANG_STORE(&self->jobs[i].stop, 1);
	for (i = 0; i < 12; i++) {
		struct gang_job *j = &self->jobs[i];

		ASSERT_EQ(0, gang_job_wait(j, 30000)) TH_LOG("job %d", i);
		EXPECT_LE(5, j->steps_done) TH_LOG("job %d", i);
		EXPECT_EQ(1, j->last.nr_gpus) TH_LOG("job %d", i);
		EXPECT_EQ(0, j->kernel_ret) TH_LOG("job %d", i);
		EXPECT_LE(5, j->kernels) TH_LOG("job %d", i);
		EXPECT_EQ(0, j->leave_ret) TH_LOG("job %d", i);
		if (!j->is_thread)
			EXPECT_TRUE(WIFEXITED(j->exit_status) &&
				    !WEXITSTATUS(j->exit_status));
		if (i < 6)
			seen_a |= 1ULL << j->member;
		else
			seen_b |= 1ULL << j->member;
	}
	EXPECT_EQ(0x3f, seen_a);
	EXPECT_EQ(0x3f, seen_b);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[i],
				       &info));
		EXPECT_EQ(STRATA_GANG_DONE, info.state);
		EXPECT_EQ(0, info.gpu_mask);
		EXPECT_LE(1, info.slices);
	}
	EXPECT_EQ(GANG_NR_FAKE, gang_free_gpus(self->dev));
	TH_LOG("%d looks, %d with one gang running and the other queued",
	       w.snapshots, w.contended);
}

TEST_F_TIMEOUT(admit, gpus_freed_one_by_one_are_not_handed_out_piecemeal, 90)
{
	struct strata_gang_info info;
	int i;

	/* nobody here ranks before anybody else within the test's time */
	ASSERT_EQ(0, gang_param_push("starve_ms", "3600000"));
	/* plain rank order: fill_idle would preempt A for B at once */
	ASSERT_EQ(0, gang_param_push("fill_idle", "0"));
	/* A: 4 members x 1 GPU, C: 1 x 2; both run, 2 GPUs stay free */
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 4, 1,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT, 0,
				    &self->h[0]));
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 1, 2,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT, 0,
				    &self->h[2]));
	for (i = 0; i < 4; i++) {
		job(self, i, self->h[0], 1, 0)->hold = true;
		ASSERT_EQ(0, start(self, &self->jobs[i], false));
	}
	job(self, 4, self->h[2], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[4], false));
	for (i = 0; i < 5; i++)
		ASSERT_TRUE(gang_job_wait_steps(&self->jobs[i], 1, LIVE_MS));
	ASSERT_EQ(2, gang_free_gpus(self->dev));

	/* B: 1 member x 4 GPUs queues; its member blocks in STEP */
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 1, 4,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT, 0,
				    &self->h[1]));
	job(self, 5, self->h[1], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[5], false));
	ASSERT_TRUE(gang_job_blocked_in_step(&self->jobs[5], LIVE_MS));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[1], &info));
	EXPECT_EQ(STRATA_GANG_QUEUED, info.state);
	EXPECT_EQ(0, info.gpu_mask);
	EXPECT_EQ(2, gang_free_gpus(self->dev));

	/* one of A's members leaves: 3 free, still not enough */
	GANG_STORE(&self->jobs[0].stop, 1);
	ASSERT_EQ(0, gang_job_wait(&self->jobs[0], LIVE_MS));
	ASSERT_EQ(0, self->jobs[0].leave_ret);
	EXPECT_TRUE(GANG_WAIT_UNTIL(gang_free_gpus(self->dev) == 3, LIVE_MS));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[1], &info));
	EXPECT_EQ(STRATA_GANG_QUEUED, info.state);
	EXPECT_EQ(0, info.gpu_mask);
	EXPECT_EQ(0, GANG_LOAD(&self->jobs[5].steps_done));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(STRATA_GANG_RUNNING, info.state);
	EXPECT_EQ(3, info.alive);
	EXPECT_EQ(3, info.nr_gpus);
	EXPECT_EQ(3, gang_popcount(info.gpu_mask));

	/* another one: 4 free, and B takes all 4 at once */
	GANG_STORE(&self->jobs[1].stop, 1);
	ASSERT_EQ(0, gang_job_wait(&self->jobs[1], LIVE_MS));
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[5], 1, LIVE_MS));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[1], &info));
	EXPECT_EQ(STRATA_GANG_RUNNING, info.state);
	EXPECT_EQ(4, gang_popcount(info.gpu_mask));
	EXPECT_EQ(info.gpu_mask, self->jobs[5].gpus_seen);
	EXPECT_EQ(4, self->jobs[5].last.nr_gpus);
	EXPECT_EQ(0, gang_free_gpus(self->dev));

	for (i = 0; i < 6; i++)
		GANG_STORE(&self->jobs[i].stop, 1);
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], LIVE_MS));
		EXPECT_EQ(0, self->jobs[i].leave_ret) TH_LOG("job %d", i);
	}
	EXPECT_EQ(GANG_NR_FAKE, gang_free_gpus(self->dev));
}

/* A thread that keeps making, running and ending 1-member gangs. */
struct feeder {
	int dev, table;
	int stop;
	int cycles;
	int err;	/* first unexpected -errno */
	int where;	/* and in which call: 1 create ... 5 close */
	pthread_t thread;
};

static void *feed(void *arg)
{
	struct feeder *f = arg;
	struct strata_gang_step st;
	int gpufd[STRATA_GANG_MAX_GPUS], i, err, where;
	__u32 h;

	for (i = 0; i < (int)STRATA_GANG_MAX_GPUS; i++)
		gpufd[i] = -1;
	while (!GANG_LOAD(&f->stop)) {
		where = 1;
		err = gang_create(f->dev, f->table, 1, 1, &h);
		if (err)
			break;
		where = 2;
		err = gang_join(f->dev, f->table, h, NULL);
		if (!err) {
			where = 3;
			err = gang_step(f->dev, f->table, h, 0, &st);
		}
		if (!err && st.gpus[0] < STRATA_GANG_MAX_GPUS) {
			where = 4;
			if (gpufd[st.gpus[0]] < 0)
				gpufd[st.gpus[0]] = fakegpu_open(st.gpus[0]);
			err = fakegpu_run(gpufd[st.gpus[0]], 5000,
					  STRATA_FAKEGPU_RUN_WAIT, NULL);
		}
		if (!err) {
			where = 5;
			err = gang_leave(f->dev, f->table, h);
		}
		if (!err)
			where = 6;
		if (strata_handle_close(f->table, h) && !err)
			err = -EBADF;
		if (err)
			break;
		GANG_STORE(&f->cycles, f->cycles + 1);
	}
	if (err) {
		f->err = err;
		f->where = where;
	}
	for (i = 0; i < (int)STRATA_GANG_MAX_GPUS; i++)
		if (gpufd[i] >= 0)
			close(gpufd[i]);
	return NULL;
}

static int total_cycles(struct feeder *f, int n)
{
	int i, sum = 0;

	for (i = 0; i < n; i++)
		sum += GANG_LOAD(&f[i].cycles);
	return sum;
}

#define NR_FEEDERS	8

/*
 * Fresh 1-member gangs have attained nothing and rank before a gang that
 * has run: least attained service alone would keep the big one waiting
 * for ever.  starve_ms must bring it back.
 */
TEST_F_TIMEOUT(admit, big_gang_is_not_starved_by_a_stream_of_small_ones, 120)
{
	struct feeder feeders[NR_FEEDERS];
	struct strata_gang_info info;
	long long t0, t1, t2;
	int i, c0, c1;
	__u64 slices;

	ASSERT_EQ(0, gang_param_push("slice_ms", "20"));
	ASSERT_EQ(0, gang_param_push("starve_ms", "500"));

	memset(feeders, 0, sizeof(feeders));
	for (i = 0; i < NR_FEEDERS; i++) {
		feeders[i].dev = self->dev;
		feeders[i].table = self->table;
		ASSERT_EQ(0, pthread_create(&feeders[i].thread, NULL, feed,
					    &feeders[i]));
	}
	/* the stream flows before the big gang comes */
	ASSERT_TRUE(GANG_WAIT_UNTIL(total_cycles(feeders, NR_FEEDERS) >=
				    2 * NR_FEEDERS, 30000));

	/*
	 * 8 members x 1 GPU: every GPU at once.  Its members keep stepping:
	 * when it is preempted they park in STEP.
	 */
	ASSERT_EQ(0, gang_create(self->dev, self->table, GANG_NR_FAKE, 1,
				 &self->h[0]));
	for (i = 0; i < GANG_NR_FAKE; i++) {
		job(self, i, self->h[0], 0, 1000);
		ASSERT_EQ(0, start(self, &self->jobs[i], false));
	}
	for (i = 0; i < GANG_NR_FAKE; i++)
		ASSERT_TRUE(gang_job_wait_phase(&self->jobs[i],
						GANG_JOB_JOINED, LIVE_MS));
	t0 = strata_now_ms();

	/* admitted within a bounded time, whatever the stream does */
	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[0],
				    STRATA_GANG_RUNNING, 10000));
	t1 = strata_now_ms();
	for (i = 0; i < GANG_NR_FAKE; i++) {
		EXPECT_TRUE(gang_job_wait_steps(&self->jobs[i], 1, LIVE_MS))
			TH_LOG("member %d", i);
		EXPECT_EQ(1, self->jobs[i].first.nr_gpus);
	}
	TH_LOG("first admitted after %lld ms", t1 - t0);

	/* it has run: the fresh small gangs rank before it and preempt it */
	ASSERT_TRUE(GANG_WAIT_UNTIL(!gang_info(self->dev, self->table,
					       self->h[0], &info) &&
				    info.preemptions >= 1, 10000));
	if (info.state == STRATA_GANG_QUEUED) {
		EXPECT_EQ(0, info.gpu_mask);
	}
	slices = info.slices;
	t1 = strata_now_ms();
	c0 = total_cycles(feeders, NR_FEEDERS);
	/* and yet it runs again within a bounded time */
	EXPECT_TRUE(GANG_WAIT_UNTIL(!gang_info(self->dev, self->table,
					       self->h[0], &info) &&
				    info.slices > slices, 10000));
	t2 = strata_now_ms();
	c1 = total_cycles(feeders, NR_FEEDERS);
	TH_LOG("preempted, then back after %lld ms while %d small gangs ran",
	       t2 - t1, c1 - c0);

	for (i = 0; i < GANG_NR_FAKE; i++)
		GANG_STORE(&self->jobs[i].stop, 1);
	for (i = 0; i < GANG_NR_FAKE; i++) {
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], 30000));
		EXPECT_EQ(0, self->jobs[i].leave_ret);
		EXPECT_EQ(0, self->jobs[i].kernel_ret);
	}
	/* and the stream goes on after it */
	c0 = total_cycles(feeders, NR_FEEDERS);
	EXPECT_TRUE(GANG_WAIT_UNTIL(total_cycles(feeders, NR_FEEDERS) >
				    c0 + NR_FEEDERS, 30000));
	for (i = 0; i < NR_FEEDERS; i++)
		GANG_STORE(&feeders[i].stop, 1);
	for (i = 0; i < NR_FEEDERS; i++) {
		pthread_join(feeders[i].thread, NULL);
		EXPECT_EQ(0, feeders[i].err)
			TH_LOG("feeder %d: %d in call %d", i, feeders[i].err,
			       feeders[i].where);
	}
	EXPECT_TRUE(GANG_WAIT_UNTIL(gang_free_gpus(self->dev) == GANG_NR_FAKE,
				    LIVE_MS));
}

/* A 1-member gang of @gpus GPUs with a runtime hint of @hint_ms (0: none). */
static int hinted(FIXTURE_DATA(admit) *self, int i, __u32 gpus,
		  __u64 hint_ms)
{
	struct strata_gang_create c = gang_args(self->table, 1, gpus);
	int err;

	c.slice_ms = GANG_LONG_SLICE;
	c.runtime_hint_ms = hint_ms;
	err = gang_create_args(self->dev, &c);
	if (!err)
		self->h[i] = c.handle;
	return err;
}

static __u32 state_of(FIXTURE_DATA(admit) *self, int i)
{
	return gang_state(self->dev, self->table, self->h[i]);
}

/*
 * sched_policy 2, FIFO with EASY backfill: the head's reservation starts
 * when the running gangs' runtime hints run out.  A gang is backfilled
 * only when its own hint ends before that; a gang without a hint, or any
 * gang while a running one has no hint (the reservation's time is
 * unknown), waits behind the head.
 */
TEST_F_TIMEOUT(admit, backfill_never_lets_a_small_gang_delay_the_head, 90)
{
	int i;

	ASSERT_EQ(0, gang_param_push("sched_policy", "2"));

	/* A: 1 GPU, no hint, runs; H: all 8 GPUs, the head, waits */
	ASSERT_EQ(0, hinted(self, 0, 1, 0));
	job(self, 0, self->h[0], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[0], false));
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[0], 1, LIVE_MS));
	ASSERT_EQ(0, hinted(self, 1, GANG_NR_FAKE, 100));
	job(self, 1, self->h[1], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[1], false));
	ASSERT_TRUE(gang_job_blocked_in_step(&self->jobs[1], LIVE_MS));

	/* the head's start is unknown: neither C (no hint) nor D (10 ms) */
	ASSERT_EQ(0, hinted(self, 2, 1, 0));
	job(self, 2, self->h[2], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[2], false));
	ASSERT_EQ(0, hinted(self, 3, 1, 10));
	job(self, 3, self->h[3], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[3], false));
	ASSERT_TRUE(gang_job_blocked_in_step(&self->jobs[2], LIVE_MS));
	ASSERT_TRUE(gang_job_blocked_in_step(&self->jobs[3], LIVE_MS));
	EXPECT_EQ(STRATA_GANG_QUEUED, state_of(self, 2));
	EXPECT_EQ(STRATA_GANG_QUEUED, state_of(self, 3));
	EXPECT_EQ(GANG_NR_FAKE - 1, gang_free_gpus(self->dev));

	/* A ends: the head runs first, C and D after it */
	GANG_STORE(&self->jobs[0].stop, 1);
	ASSERT_EQ(0, gang_job_wait(&self->jobs[0], LIVE_MS));
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[1], 1, LIVE_MS));
	EXPECT_EQ(STRATA_GANG_QUEUED, state_of(self, 2));
	EXPECT_EQ(STRATA_GANG_QUEUED, state_of(self, 3));
	GANG_STORE(&self->jobs[1].stop, 1);
	ASSERT_EQ(0, gang_job_wait(&self->jobs[1], LIVE_MS));
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[2], 1, LIVE_MS));
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[3], 1, LIVE_MS));
	for (i = 2; i < 4; i++) {
		GANG_STORE(&self->jobs[i].stop, 1);
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], LIVE_MS));
		gang_close_quiet(self->table, &self->h[i]);
	}
	for (i = 0; i < 2; i++)
		gang_close_quiet(self->table, &self->h[i]);

	/* A hinted 60 s: a 100 ms gang is backfilled, a 120 s one is not */
	ASSERT_EQ(0, hinted(self, 0, 1, 60000));
	job(self, 4, self->h[0], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[4], false));
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[4], 1, LIVE_MS));
	ASSERT_EQ(0, hinted(self, 1, GANG_NR_FAKE, 100));
	job(self, 5, self->h[1], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[5], false));
	ASSERT_TRUE(gang_job_blocked_in_step(&self->jobs[5], LIVE_MS));
	ASSERT_EQ(0, hinted(self, 2, 1, 120000));
	job(self, 6, self->h[2], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[6], false));
	ASSERT_EQ(0, hinted(self, 3, 1, 100));
	job(self, 7, self->h[3], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[7], false));
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[7], 1, LIVE_MS));
	ASSERT_TRUE(gang_job_blocked_in_step(&self->jobs[6], LIVE_MS));
	EXPECT_EQ(STRATA_GANG_RUNNING, state_of(self, 3));
	EXPECT_EQ(STRATA_GANG_QUEUED, state_of(self, 2));
	EXPECT_EQ(STRATA_GANG_QUEUED, state_of(self, 1));

	for (i = 4; i < 8; i++)
		GANG_STORE(&self->jobs[i].stop, 1);
	for (i = 4; i < 8; i++)
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], LIVE_MS));
}

/*
 * LAS: a gang backfilled behind a head that waits for a running slice gets
 * a slice that ends when that one does (never an endless one), and the
 * head then starts.
 */
TEST_F_TIMEOUT(admit, las_backfill_slices_end_at_the_heads_reservation, 60)
{
	struct strata_gang_create c;
	__u64 a_end, c_end;
	int i;

	ASSERT_EQ(0, gang_param_push("starve_ms", "3600000"));
	/* plain rank order (fill_idle: see the next test) */
	ASSERT_EQ(0, gang_param_push("fill_idle", "0"));
	/* A: 1 GPU, a 2 s slice, runs */
	c = gang_args(self->table, 1, 1);
	c.slice_ms = 2000;
	ASSERT_EQ(0, gang_create_args(self->dev, &c));
	self->h[0] = c.handle;
	job(self, 0, self->h[0], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[0], false));
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[0], 1, LIVE_MS));
	a_end = self->jobs[0].last.slice_end_ns;
	ASSERT_NE(0, a_end);

	/* H: every GPU, the head; C: 1 GPU with a long slice of its own */
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 1, GANG_NR_FAKE,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT, 0,
				    &self->h[1]));
	job(self, 1, self->h[1], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[1], false));
	ASSERT_TRUE(gang_job_blocked_in_step(&self->jobs[1], LIVE_MS));
	c = gang_args(self->table, 1, 1);
	c.slice_ms = 20000;
	ASSERT_EQ(0, gang_create_args(self->dev, &c));
	self->h[2] = c.handle;
	job(self, 2, self->h[2], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[2], false));

	/* C runs now, but only until A's slice ends */
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[2], 1, LIVE_MS));
	c_end = self->jobs[2].last.slice_end_ns;
	EXPECT_NE(0, c_end);
	EXPECT_GE(a_end, c_end);
	/* then the head gets every GPU */
	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[1],
				    STRATA_GANG_RUNNING, LIVE_MS));
	EXPECT_EQ(STRATA_GANG_QUEUED, state_of(self, 0));
	EXPECT_EQ(STRATA_GANG_QUEUED, state_of(self, 2));

	for (i = 0; i < 3; i++)
		GANG_STORE(&self->jobs[i].stop, 1);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], LIVE_MS));
}

/*
 * fill_idle: a head that ranks before a running gang does not wait for
 * the end of that gang's slice beside idle GPUs; it takes the GPUs now.
 */
TEST_F_TIMEOUT(admit, head_does_not_wait_beside_idle_gpus_for_a_slice_end, 60)
{
	struct strata_gang_create c;
	int i;

	ASSERT_EQ(0, gang_param_push("starve_ms", "3600000"));
	ASSERT_EQ(0, gang_param_push("fill_idle", "1"));
	/* A: 1 GPU, a 20 s slice, runs and attains a little */
	c = gang_args(self->table, 1, 1);
	c.slice_ms = 20000;
	ASSERT_EQ(0, gang_create_args(self->dev, &c));
	self->h[0] = c.handle;
	job(self, 0, self->h[0], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[0], false));
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[0], 1, LIVE_MS));
	strata_sleep_ms(50);

	/* H: every GPU, attained nothing: it runs long before A's slice ends */
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 1, GANG_NR_FAKE,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT, 0,
				    &self->h[1]));
	job(self, 1, self->h[1], 1, 0)->hold = true;
	ASSERT_EQ(0, start(self, &self->jobs[1], false));
	ASSERT_TRUE(gang_job_wait_steps(&self->jobs[1], 1, 5000));
	EXPECT_EQ(STRATA_GANG_RUNNING, state_of(self, 1));
	EXPECT_EQ(STRATA_GANG_QUEUED, state_of(self, 0));
	EXPECT_EQ(GANG_NR_FAKE, self->jobs[1].last.nr_gpus);

	for (i = 0; i < 2; i++)
		GANG_STORE(&self->jobs[i].stop, 1);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], LIVE_MS));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - members that die without LEAVE
 *
 * A member thread that exits, or whose process is killed, has died: under
 * STRATA_GANG_EXIT_ABORT the gang is aborted (every member's STEP fails
 * with -ECANCELED, the GPUs are free); under STRATA_GANG_EXIT_SHRINK its
 * GPUs are released and the others go on.  Either way what it held goes to
 * the gangs that wait, and nothing is left behind, whenever the kill comes.
 */
#include "kselftest_harness.h"
#include "common.h"

#define LIVE_MS		10000
#define ITERATIONS	25

FIXTURE(death) {
	int dev, table;
	struct gang_job *jobs;
	int nr_jobs;
	__u32 h[2];
};

FIXTURE_SETUP(death)
{
	self->dev = gang_open();
	ASSERT_LE(0, self->dev);
	self->table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->table);
	ASSERT_TRUE(GANG_WAIT_UNTIL(gang_idle(self->dev), LIVE_MS));
	ASSERT_EQ(0, gang_param_push("sched_policy", "0"));
	/* only deaths and LEAVEs move GPUs here, never starvation */
	ASSERT_EQ(0, gang_param_push("starve_ms", "3600000"));
	ASSERT_EQ(0, gang_param_push("park_grace_ms", "5000"));
	self->nr_jobs = 4;
	self->jobs = gang_jobs_new(self->nr_jobs);
	ASSERT_NE(NULL, self->jobs);
}

FIXTURE_TEARDOWN(death)
{
	int i;

	for (i = 0; i < 2; i++)
		if (self->h[i])
			gang_kill(self->dev, self->table, self->h[i]);
	gang_jobs_free(self->jobs, self->nr_jobs);
	for (i = 0; i < 2; i++)
		gang_close_quiet(self->table, &self->h[i]);
	gang_params_restore();
	close(self->table);
	close(self->dev);
}

static struct gang_job *job(FIXTURE_DATA(death) *self, int i, __u32 h,
			    int steps, __u32 us)
{
	struct gang_job *j = &self->jobs[i];

	j->handle = h;
	j->steps = steps;
	j->kernel_us = us;
	return j;
}

static bool exited_cleanly(const struct gang_job *j)
{
	return WIFEXITED(j->exit_status) && WEXITSTATUS(j->exit_status) == 0;
}

TEST_F(death, member_thread_exiting_without_leave_aborts_the_gang)
{
	struct strata_gang_status st0, st;
	struct strata_gang_info info;
	struct gang_job *j0, *j1;

	ASSERT_EQ(0, gang_status(self->dev, &st0));
	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 2, &self->h[0]));
	j0 = job(self, 0, self->h[0], 0, 200);
	j1 = job(self, 1, self->h[0], 1, 0);
	j1->no_leave = true;
	ASSERT_EQ(0, gang_job_start_thread(j0, self->dev, self->table));
	ASSERT_EQ(0, gang_job_start_thread(j1, self->dev, self->table));
	ASSERT_EQ(0, gang_job_wait(j1, LIVE_MS));
	ASSERT_EQ(1, j1->steps_done);

	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[0],
				    STRATA_GANG_ABORTED, LIVE_MS));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(STRATA_GANG_ABORT_MEMBER_DIED, info.abort_reason);
	EXPECT_EQ(1, info.deaths);
	EXPECT_EQ(0, info.gpu_mask);
	EXPECT_TRUE(gang_signals(self->table, self->h[0]) &
		    STRATA_GANG_SIGNAL_ABORTED);
	/* the survivor's STEP fails from now on */
	ASSERT_EQ(0, gang_job_wait(j0, LIVE_MS));
	EXPECT_EQ(-ECANCELED, j0->step_ret);
	EXPECT_EQ(GANG_NR_FAKE, gang_free_gpus(self->dev));
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(st0.deaths + 1, st.deaths);
	EXPECT_EQ(st0.aborts + 1, st.aborts);
}

TEST_F(death, member_thread_exiting_under_shrink_releases_only_its_gpus)
{
	struct strata_gang_info info;
	struct gang_job *j0, *j1;
	int steps;

	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 2, 2,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_SHRINK, 0,
				    &self->h[0]));
	j0 = job(self, 0, self->h[0], 0, 200);
	j1 = job(self, 1, self->h[0], 1, 0);
	j1->no_leave = true;
	ASSERT_EQ(0, gang_job_start_thread(j0, self->dev, self->table));
	ASSERT_EQ(0, gang_job_start_thread(j1, self->dev, self->table));
	ASSERT_EQ(0, gang_job_wait(j1, LIVE_MS));

	ASSERT_TRUE(GANG_WAIT_UNTIL(!gang_info(self->dev, self->table,
					       self->h[0], &info) &&
				    info.deaths == 1, LIVE_MS));
	EXPECT_EQ(STRATA_GANG_RUNNING, info.state);
	EXPECT_EQ(STRATA_GANG_ABORT_NONE, info.abort_reason);
	EXPECT_EQ(2, info.joined);
	EXPECT_EQ(1, info.alive);
	EXPECT_EQ(2, info.nr_gpus);
	EXPECT_EQ(2, gang_popcount(info.gpu_mask));
	EXPECT_EQ(GANG_NR_FAKE - 2, gang_free_gpus(self->dev));

	/* the survivor goes on with its own GPUs */
	steps = GANG_LOAD(&j0->steps_done);
	ASSERT_TRUE(gang_job_wait_steps(j0, steps + 2, LIVE_MS));
	EXPECT_EQ(2, j0->last.nr_gpus);
	EXPECT_EQ(info.gpu_mask & ((1ULL << j0->last.gpus[0]) |
				   (1ULL << j0->last.gpus[1])),
		  (1ULL << j0->last.gpus[0]) | (1ULL << j0->last.gpus[1]));

	GANG_STORE(&j0->stop, 1);
	ASSERT_EQ(0, gang_job_wait(j0, LIVE_MS));
	EXPECT_EQ(0, j0->leave_ret);
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(STRATA_GANG_DONE, info.state);
	EXPECT_EQ(1, info.deaths);
	EXPECT_EQ(GANG_NR_FAKE, gang_free_gpus(self->dev));
}

TEST_F(death, killed_member_process_aborts_the_gang)
{
	struct strata_gang_info info;
	int i;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 3, &self->h[0]));
	for (i = 0; i < 2; i++) {
		job(self, i, self->h[0], 0, 500);
		ASSERT_EQ(0, gang_job_start_process(&self->jobs[i],
						    self->table, self->h[0]));
	}
	for (i = 0; i < 2; i++)
		ASSERT_TRUE(gang_job_wait_steps(&self->jobs[i], 2, LIVE_MS));
	EXPECT_EQ(GANG_NR_FAKE - 6, gang_free_gpus(self->dev));

	ASSERT_EQ(0, gang_job_kill(&self->jobs[1]));
	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[0],
				    STRATA_GANG_ABORTED, LIVE_MS));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(STRATA_GANG_ABORT_MEMBER_DIED, info.abort_reason);
	EXPECT_EQ(1, info.deaths);
	EXPECT_EQ(0, info.gpu_mask);
	EXPECT_EQ(GANG_NR_FAKE, gang_free_gpus(self->dev));
	ASSERT_EQ(0, gang_job_wait(&self->jobs[0], LIVE_MS));
	EXPECT_EQ(-ECANCELED, self->jobs[0].step_ret);
	EXPECT_TRUE(exited_cleanly(&self->jobs[0]));
}

/* When, in a gang's life, the kill comes. */
enum moment {
	FORMING,	/* some members joined, not all */
	JOINING,	/* racing the victim's own JOIN */
	QUEUED,		/* complete, waiting for GPUs, members not in STEP */
	IN_STEP,	/* complete, waiting for GPUs, members blocked in STEP */
	RUNNING,	/* running, members stepping and running kernels */
	NR_MOMENTS,
};

static const char *const moment_name[] = {
	"forming", "joining", "queued", "in STEP", "running",
};

/* One iteration's cast: G is the gang a member of which dies. */
struct round {
	enum moment when;
	bool shrink;
	int victim;
	int delay_us;
	int nr;			/* G's members */
	__u32 g, other;		/* G, and a blocker or waiter gang */
	struct gang_job *jobs;	/* 0..nr-1: G's members (processes); 3 */
};

#define G_GPM		2

static void round_setup(struct __test_metadata *_metadata,
			FIXTURE_DATA(death) *self, struct round *r)
{
	struct gang_job *o = &r->jobs[3];
	int i;

	r->nr = r->when == JOINING ? 2 : 3;
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, r->nr, G_GPM,
				    GANG_LONG_SLICE,
				    r->shrink ? STRATA_GANG_EXIT_SHRINK :
						STRATA_GANG_EXIT_ABORT,
				    0, &r->g));
	self->h[0] = r->g;

	/* QUEUED, IN_STEP: a blocker holds every GPU */
	if (r->when == QUEUED || r->when == IN_STEP) {
		ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 1,
					    GANG_NR_FAKE, GANG_LONG_SLICE,
					    STRATA_GANG_EXIT_ABORT, 0,
					    &r->other));
		self->h[1] = r->other;
		o->handle = r->other;
		o->steps = 0;
		o->kernel_us = 500;
		ASSERT_EQ(0, gang_job_start_thread(o, self->dev,
						   self->table));
		ASSERT_TRUE(gang_job_wait_steps(o, 1, LIVE_MS));
	}

	for (i = 0; i < r->nr; i++) {
		struct gang_job *j = &r->jobs[i];

		j->handle = r->g;
		j->steps = r->when == QUEUED ? -1 : 0;
		j->hold = r->when == QUEUED;
		j->kernel_us = 1000;
		j->wait_go = true;
		ASSERT_EQ(0, gang_job_start_process(j, self->table, r->g));
	}
	/* FORMING: all but the last join; JOINING: the first joins */
	for (i = 0; i < r->nr; i++) {
		if ((r->when == FORMING || r->when == JOINING) &&
		    i == r->nr - 1)
			break;
		GANG_STORE(&r->jobs[i].go, 1);
		ASSERT_TRUE(gang_job_wait_phase(&r->jobs[i], GANG_JOB_JOINED,
						LIVE_MS));
		ASSERT_EQ(0, r->jobs[i].join_ret);
		ASSERT_EQ(0, r->jobs[i].setup_ret);
	}

	switch (r->when) {
	case FORMING:
	case JOINING:
		EXPECT_EQ(STRATA_GANG_FORMING, gang_state(self->dev,
							  self->table, r->g));
		break;
	case QUEUED:
		for (i = 0; i < r->nr; i++)
			ASSERT_TRUE(gang_job_wait_phase(&r->jobs[i],
							GANG_JOB_HOLDING,
							LIVE_MS));
		EXPECT_EQ(STRATA_GANG_QUEUED, gang_state(self->dev,
							 self->table, r->g));
		break;
	case IN_STEP:
		for (i = 0; i < r->nr; i++)
			ASSERT_TRUE(gang_job_blocked_in_step(&r->jobs[i],
							     LIVE_MS));
		EXPECT_EQ(STRATA_GANG_QUEUED, gang_state(self->dev,
							 self->table, r->g));
		break;
	case RUNNING:
		for (i = 0; i < r->nr; i++)
			ASSERT_TRUE(gang_job_wait_steps(&r->jobs[i], 1,
							LIVE_MS));
		/* a waiter needing more than is left: 6 of 8 are G's */
		ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 1, 4,
					    GANG_LONG_SLICE,
					    STRATA_GANG_EXIT_ABORT, 0,
					    &r->other));
		self->h[1] = r->other;
		o->handle = r->other;
		o->steps = 0;
		o->kernel_us = 500;
		ASSERT_EQ(0, gang_job_start_thread(o, self->dev,
						   self->table));
		ASSERT_TRUE(gang_job_blocked_in_step(o, LIVE_MS));
		EXPECT_EQ(STRATA_GANG_QUEUED, gang_state(self->dev,
							 self->table,
							 r->other));
		break;
	default:
		break;
	}
}

/* After the kill: what the gang, its survivors and the others see. */
static void round_check(struct __test_metadata *_metadata,
			FIXTURE_DATA(death) *self, struct round *r,
			int deaths)
{
	struct gang_job *o = &r->jobs[3];
	struct strata_gang_info info;
	int i, steps;

	if (!deaths) {
		/* JOINING: killed before its JOIN went through */
		ASSERT_EQ(0, gang_info(self->dev, self->table, r->g, &info));
		EXPECT_EQ(STRATA_GANG_FORMING, info.state);
		EXPECT_EQ(r->nr - 1, info.joined);
		EXPECT_EQ(0, info.deaths);
		return;
	}
	if (!r->shrink) {
		ASSERT_TRUE(gang_wait_state(self->dev, self->table, r->g,
					    STRATA_GANG_ABORTED, LIVE_MS));
		ASSERT_EQ(0, gang_info(self->dev, self->table, r->g, &info));
		EXPECT_EQ(STRATA_GANG_ABORT_MEMBER_DIED, info.abort_reason);
		EXPECT_EQ(1, info.deaths);
		EXPECT_EQ(0, info.gpu_mask);
		for (i = 0; i < r->nr; i++) {
			struct gang_job *j = &r->jobs[i];

			if (i == r->victim)
				continue;
			if (r->when == FORMING && i == r->nr - 1) {
				/* an aborted gang takes nobody */
				GANG_STORE(&j->go, 1);
				ASSERT_TRUE(gang_job_wait_phase(j,
						GANG_JOB_DONE, LIVE_MS));
				EXPECT_EQ(-ECANCELED, j->join_ret);
			} else if (r->when != QUEUED) {
				/* blocked or stepping: woken, cancelled */
				ASSERT_TRUE(gang_job_wait_phase(j,
						GANG_JOB_HOLDING, LIVE_MS));
				EXPECT_EQ(-ECANCELED, j->step_ret)
					TH_LOG("member job %d", i);
			}
		}
		if (r->when == RUNNING)
			/* what G held lets the waiter in */
			EXPECT_TRUE(gang_job_wait_steps(o, 1, LIVE_MS));
		return;
	}

	/* shrink: the others go on with fewer GPUs */
	ASSERT_TRUE(GANG_WAIT_UNTIL(!gang_info(self->dev, self->table, r->g,
					       &info) &&
				    info.deaths == 1, LIVE_MS));
	EXPECT_NE(STRATA_GANG_ABORTED, info.state);
	EXPECT_EQ(info.joined - 1, info.alive);
	if (r->when == FORMING || r->when == JOINING) {
		/* the last one still joins, and the gang runs without it */
		struct gang_job *last = &r->jobs[r->nr - 1];

		if (r->when == FORMING) {
			GANG_STORE(&last->go, 1);
			ASSERT_TRUE(gang_job_wait_phase(last, GANG_JOB_JOINED,
							LIVE_MS));
			EXPECT_EQ(0, last->join_ret);
		}
	}
	if (r->when == QUEUED || r->when == IN_STEP) {
		EXPECT_EQ(STRATA_GANG_QUEUED, gang_state(self->dev,
							 self->table, r->g));
		EXPECT_EQ(0, info.gpu_mask);
		/* the blocker ends: G gets the GPUs of its survivors */
		GANG_STORE(&o->stop, 1);
		ASSERT_EQ(0, gang_job_wait(o, LIVE_MS));
	}
	if (r->when == RUNNING)
		/* the dead member's GPUs let the waiter in */
		EXPECT_TRUE(gang_job_wait_steps(o, 1, LIVE_MS));
	if (r->when == JOINING) {
		/* the survivor is the only one left: it runs alone */
		ASSERT_TRUE(gang_job_wait_steps(&r->jobs[0], 1, LIVE_MS));
	} else {
		ASSERT_TRUE(gang_wait_state(self->dev, self->table, r->g,
					    STRATA_GANG_RUNNING, LIVE_MS));
	}
	ASSERT_EQ(0, gang_info(self->dev, self->table, r->g, &info));
	if (info.state == STRATA_GANG_RUNNING)
		EXPECT_EQ(info.alive * G_GPM, gang_popcount(info.gpu_mask));
	EXPECT_EQ(info.alive * G_GPM, info.nr_gpus);
	for (i = 0; i < r->nr; i++) {
		struct gang_job *j = &r->jobs[i];

		if (i == r->victim || r->when == QUEUED)
			continue;
		steps = GANG_LOAD(&j->steps_done);
		EXPECT_TRUE(gang_job_wait_steps(j, steps + 1, LIVE_MS))
			TH_LOG("survivor %d does not step", i);
		EXPECT_EQ(G_GPM, j->last.nr_gpus);
	}
}

TEST_F_TIMEOUT(death, kill_minus_nine_at_random_moments_leaves_nothing_behind,
	       400)
{
	unsigned int seed = (unsigned int)(gang_now_ns() ^ getpid());
	struct strata_gang_status st0, st;
	int it, i, deaths;

	TH_LOG("seed %u", seed);
	srand(seed);
	for (it = 0; it < ITERATIONS; it++) {
		struct round r = {
			.when = it % NR_MOMENTS,
			.shrink = (it % NR_MOMENTS + it / NR_MOMENTS) % 2,
		};

		r.victim = rand() % (r.when == FORMING ? 2 :
				     r.when == JOINING ? 1 : 3);
		if (r.when == JOINING)
			r.victim = 1;
		r.delay_us = rand() % (r.when == JOINING ? 3000 : 30000);
		gang_jobs_free(self->jobs, self->nr_jobs);
		self->jobs = r.jobs = gang_jobs_new(self->nr_jobs);
		ASSERT_NE(NULL, r.jobs);
		ASSERT_EQ(0, gang_status(self->dev, &st0));

		round_setup(_metadata, self, &r);
		if (r.when == JOINING)
			GANG_STORE(&r.jobs[1].go, 1);
		usleep(r.delay_us);
		ASSERT_EQ(0, gang_job_kill(&r.jobs[r.victim]));

		/* JOINING: the victim may have died before it joined */
		deaths = 1;
		if (r.when == JOINING) {
			struct strata_gang_info info;

			strata_sleep_ms(20);
			ASSERT_EQ(0, gang_info(self->dev, self->table, r.g,
					       &info));
			deaths = info.joined == 2 || info.deaths;
		}
		round_check(_metadata, self, &r, deaths);
		if (_metadata->exit_code) {
			TH_LOG("iteration %d: %s, %s, victim %d after %d us",
			       it, moment_name[r.when],
			       r.shrink ? "shrink" : "abort", r.victim,
			       r.delay_us);
			break;
		}

		/* end it all: nothing may be left */
		for (i = 0; i < 4; i++)
			GANG_STORE(&r.jobs[i].stop, 1);
		gang_kill(self->dev, self->table, r.g);
		if (r.other)
			gang_kill(self->dev, self->table, r.other);
		for (i = 0; i < 4; i++)
			if (r.jobs[i].is_thread || r.jobs[i].pid)
				ASSERT_EQ(0, gang_job_wait(&r.jobs[i],
							   LIVE_MS))
					TH_LOG("iteration %d job %d", it, i);
		for (i = 0; i < r.nr; i++)
			if (i != r.victim)
				EXPECT_TRUE(exited_cleanly(&r.jobs[i]))
					TH_LOG("iteration %d job %d", it, i);
		gang_close_quiet(self->table, &self->h[0]);
		gang_close_quiet(self->table, &self->h[1]);
		EXPECT_TRUE(GANG_WAIT_UNTIL(gang_idle(self->dev), LIVE_MS))
			TH_LOG("iteration %d (%s): gangs or GPUs left", it,
			       moment_name[r.when]);
		ASSERT_EQ(0, gang_status(self->dev, &st));
		EXPECT_EQ(GANG_NR_FAKE, st.free_gpus);
		EXPECT_EQ(0, st.gangs);
		EXPECT_EQ(st0.deaths + deaths, st.deaths)
			TH_LOG("iteration %d (%s)", it, moment_name[r.when]);
		if (_metadata->exit_code) {
			TH_LOG("iteration %d: %s, %s, victim %d after %d us",
			       it, moment_name[r.when],
			       r.shrink ? "shrink" : "abort", r.victim,
			       r.delay_us);
			break;
		}
	}
}

TEST_HARNESS_MAIN

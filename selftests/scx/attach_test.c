// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang's sched_ext scheduler - attached and working
 *
 * Attaching gang_scx puts strata_gang in scx mode and detaching it puts
 * it back in stock mode; a second scheduler cannot attach meanwhile.
 * While it is attached the members of a running co-scheduled gang are
 * SCHED_EXT and run on their own CPUs, started together; a member that
 * dies aborts its gang as in stock mode and the scheduler stays; a task
 * that is not a member but SCHED_EXT runs through the fallback DSQ; and
 * strata_gang cannot be unloaded under the scheduler.
 */
#include "kselftest_harness.h"
#include "common.h"

#define NR_MEMBERS	2

FIXTURE(attach) {
	struct scx_env env;
};

FIXTURE_SETUP(attach)
{
	scx_env_setup(_metadata, &self->env);
}

FIXTURE_TEARDOWN_PARENT(attach)
{
	scx_env_teardown(_metadata, &self->env);
}

/* The scheduler is attached and has not exited. */
static void still_attached(struct __test_metadata *_metadata,
			   FIXTURE_DATA(attach) *self)
{
	struct strata_gang_status st;

	EXPECT_TRUE(scx_state_is("enabled"));
	EXPECT_TRUE(scx_root_ops_is("strata_gang"));
	EXPECT_EQ(0, scx_exit_kind(self->env.skel));
	EXPECT_TRUE(GANG_LOAD(&self->env.skel->bss->attached));
	ASSERT_EQ(0, gang_status(self->env.dev, &st));
	EXPECT_EQ(STRATA_GANG_MODE_SCX, st.mode);
	EXPECT_EQ(self->env.st0.scx_attaches + 1, st.scx_attaches);
	EXPECT_EQ(self->env.st0.scx_detaches, st.scx_detaches);
}

/* Detach and unload the scheduler: strata_gang is back in stock mode. */
static void destroy(struct __test_metadata *_metadata,
		    FIXTURE_DATA(attach) *self)
{
	struct strata_gang_status st;

	scx_destroy(&self->env.skel, &self->env.link);
	ASSERT_TRUE(STRATA_WAIT_UNTIL(scx_state_is("disabled"), SCX_LIVE_MS));
	ASSERT_TRUE(GANG_WAIT_UNTIL(scx_gang_mode(self->env.dev) ==
				    STRATA_GANG_MODE_STOCK, SCX_LIVE_MS));
	ASSERT_EQ(0, gang_status(self->env.dev, &st));
	EXPECT_EQ(self->env.st0.scx_attaches + 1, st.scx_attaches);
	EXPECT_EQ(self->env.st0.scx_detaches + 1, st.scx_detaches);
}

TEST_F(attach, attach_switches_to_scx_mode_and_detach_back_to_stock)
{
	struct strata_gang_status st;
	int listed;

	self->env.skel = scx_load(0);
	ASSERT_NE(NULL, self->env.skel)
		TH_LOG("cannot load gang_scx: %s", strerror(errno));
	EXPECT_FALSE(GANG_LOAD(&self->env.skel->bss->attached));
	ASSERT_EQ(0, scx_attach(self->env.skel, &self->env.link));
	EXPECT_TRUE(scx_state_is("enabled"));
	EXPECT_TRUE(scx_root_ops_is("strata_gang"));
	listed = scx_bpftool_lists("gang_scx_ops");
	if (listed < 0)
		TH_LOG("STRATA_BPFTOOL not set: bpftool not asked");
	else
		EXPECT_EQ(1, listed);
	ASSERT_TRUE(GANG_WAIT_UNTIL(scx_gang_mode(self->env.dev) ==
				    STRATA_GANG_MODE_SCX, SCX_LIVE_MS));
	still_attached(_metadata, self);

	/* detached: ops.exit ran, told strata_gang and recorded why */
	scx_detach(&self->env.link);
	EXPECT_EQ(scx_exit_kind_of("SCX_EXIT_UNREG"),
		  scx_exit_kind(self->env.skel));
	EXPECT_FALSE(GANG_LOAD(&self->env.skel->bss->attached));
	destroy(_metadata, self);
	EXPECT_NE(0, access(SCX_SYSFS "root", F_OK));
	ASSERT_EQ(0, gang_status(self->env.dev, &st));
	EXPECT_EQ(STRATA_GANG_MODE_STOCK, st.mode);
	if (listed >= 0)
		EXPECT_TRUE(GANG_WAIT_UNTIL(!scx_bpftool_lists("gang_scx_ops"),
					    SCX_LIVE_MS));
}

TEST_F(attach, second_scheduler_cannot_attach_while_one_is)
{
	struct gang_scx_bpf *second;
	struct bpf_link *link2 = NULL;
	int err, kind;

	scx_env_attach(_metadata, &self->env, 0);
	second = scx_load(0);
	ASSERT_NE(NULL, second);
	err = scx_attach(second, &link2);
	/* sched_ext refuses a second scheduler before its ops.init */
	EXPECT_EQ(-EBUSY, err);
	EXPECT_FALSE(GANG_LOAD(&second->bss->attached));
	/*
	 * ... or, if its ops.init ran, strata_gang refused it, and its
	 * ops.exit did not detach the first one
	 */
	kind = scx_exit_kind(second);
	EXPECT_TRUE(kind == 0 || kind >= scx_exit_kind_of("SCX_EXIT_ERROR"))
		TH_LOG("exit kind %d", kind);
	scx_destroy(&second, &link2);

	/* nothing a wrong detach would have changed, given time to show */
	strata_sleep_ms(300);
	still_attached(_metadata, self);
	destroy(_metadata, self);
}

TEST_F_TIMEOUT(attach, cosched_members_run_sched_ext_on_their_own_cpus, 120)
{
	__u64 dispatches, kicks, cpus = 0;
	int i;

	if (self->env.st0.nr_cpus < NR_MEMBERS)
		SKIP(return, "a pool of %u CPUs", self->env.st0.nr_cpus);
	scx_env_attach(_metadata, &self->env, 0);
	scx_env_cosched(_metadata, &self->env, NR_MEMBERS);
	dispatches = scx_stat(self->env.skel, GANG_SCX_STAT_MEMBER_DISPATCHES);
	kicks = scx_stat(self->env.skel, GANG_SCX_STAT_COSTART_KICKS);
	for (i = 0; i < NR_MEMBERS; i++)
		ASSERT_EQ(0, scx_member_start(&self->env.members[i],
					      self->env.dev, self->env.table,
					      self->env.h));
	for (i = 0; i < NR_MEMBERS; i++)
		ASSERT_TRUE(scx_member_wait_steps(&self->env.members[i], 20,
						  SCX_LIVE_MS));

	for (i = 0; i < NR_MEMBERS; i++) {
		struct scx_member *m = &self->env.members[i];

		ASSERT_LE(0, m->cpu);
		ASSERT_GT(64, m->cpu);
		EXPECT_TRUE(self->env.pool & (1ULL << m->cpu));
		EXPECT_EQ(0, cpus & (1ULL << m->cpu)) TH_LOG("CPU shared");
		cpus |= 1ULL << m->cpu;
		/* seen by the member itself after each STEP ... */
		EXPECT_EQ(SCX_MEMBER_EXT, GANG_LOAD(&m->policy));
		EXPECT_LT(0, GANG_LOAD(&m->ext_on_cpu));
		EXPECT_EQ(0, GANG_LOAD(&m->ext_elsewhere))
			TH_LOG("member %d ran SCHED_EXT off CPU %d", i, m->cpu);
		/* ... and from outside */
		EXPECT_EQ(SCX_MEMBER_EXT, sched_getscheduler(m->tid));
		EXPECT_EQ(1ULL << m->cpu, gang_affinity(m->tid));
	}
	/* the scheduler queued them on their CPUs and kicked for the start */
	EXPECT_LT(dispatches,
		  scx_stat(self->env.skel, GANG_SCX_STAT_MEMBER_DISPATCHES));
	EXPECT_LT(kicks, scx_stat(self->env.skel, GANG_SCX_STAT_COSTART_KICKS));
	EXPECT_EQ(0, scx_stat(self->env.skel, GANG_SCX_STAT_STALLED));

	for (i = 0; i < NR_MEMBERS; i++) {
		struct scx_member *m = &self->env.members[i];

		ASSERT_EQ(0, scx_member_stop(m, SCX_LIVE_MS));
		EXPECT_EQ(0, m->step_ret);
		EXPECT_EQ(0, m->leave_ret);
		/* LEAVE gave the thread its own policy back */
		EXPECT_EQ(SCHED_OTHER, m->left_policy);
	}
	EXPECT_EQ(STRATA_GANG_DONE,
		  gang_state(self->env.dev, self->env.table, self->env.h));
	ASSERT_TRUE(GANG_WAIT_UNTIL(scx_gang_all_free(self->env.dev),
				    SCX_LIVE_MS));
	gang_close_quiet(self->env.table, &self->env.h);
	still_attached(_metadata, self);
	destroy(_metadata, self);
}

TEST_F_TIMEOUT(attach, member_death_aborts_the_gang_and_the_scheduler_stays,
	       120)
{
	struct strata_gang_info info;
	int i;

	if (self->env.st0.nr_cpus < NR_MEMBERS)
		SKIP(return, "a pool of %u CPUs", self->env.st0.nr_cpus);
	scx_env_attach(_metadata, &self->env, 0);
	scx_env_cosched(_metadata, &self->env, NR_MEMBERS);
	ASSERT_TRUE(scx_env_jobs(&self->env, NR_MEMBERS));
	/* member processes: STEP, a 1 ms kernel, STEP, ... */
	for (i = 0; i < NR_MEMBERS; i++) {
		struct gang_job *j = &self->env.jobs[i];

		j->kernel_us = 1000;
		ASSERT_EQ(0, gang_job_start_process(j, self->env.table,
						    self->env.h));
	}
	for (i = 0; i < NR_MEMBERS; i++) {
		struct gang_job *j = &self->env.jobs[i];

		ASSERT_TRUE(gang_job_wait_steps(j, 3, SCX_LIVE_MS));
		EXPECT_EQ(SCX_MEMBER_EXT, sched_getscheduler(j->tid));
		EXPECT_EQ(SCX_MEMBER_EXT, GANG_LOAD(&j->step_policy));
	}
	EXPECT_LT(0, scx_stat(self->env.skel, GANG_SCX_STAT_MEMBER_DISPATCHES));

	ASSERT_EQ(0, gang_job_kill(&self->env.jobs[0]));
	ASSERT_TRUE(gang_wait_state(self->env.dev, self->env.table, self->env.h,
				    STRATA_GANG_ABORTED, SCX_LIVE_MS));
	ASSERT_EQ(0, gang_info(self->env.dev, self->env.table, self->env.h,
			       &info));
	EXPECT_EQ(STRATA_GANG_ABORT_MEMBER_DIED, info.abort_reason);
	/* the other member's next STEP fails, and it ends */
	ASSERT_EQ(0, gang_job_wait(&self->env.jobs[1], SCX_LIVE_MS));
	EXPECT_EQ(-ECANCELED, self->env.jobs[1].step_ret);
	EXPECT_TRUE(WIFEXITED(self->env.jobs[1].exit_status) &&
		    !WEXITSTATUS(self->env.jobs[1].exit_status));
	ASSERT_TRUE(GANG_WAIT_UNTIL(scx_gang_all_free(self->env.dev),
				    SCX_LIVE_MS));
	gang_close_quiet(self->env.table, &self->env.h);

	still_attached(_metadata, self);
	scx_env_jobs_free(&self->env);
	destroy(_metadata, self);
}

#define WORKER_ROUNDS	20

/*
 * The child of the next test: pinned to one CPU, so that sched_ext hands
 * every wakeup to ops.enqueue (it asks ops.select_cpu only about tasks
 * that may move), and SCHED_EXT; then rounds of 5 ms of work and a 1 ms
 * sleep.  Exits 0 if it stayed SCHED_EXT throughout.
 */
static int sched_ext_worker(void)
{
	struct sched_param sp = { .sched_priority = 0 };
	long long deadline;
	struct timespec t;
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return 10;
	if (sched_setscheduler(0, SCHED_EXT, &sp))
		return 11;
	for (i = 0; i < WORKER_ROUNDS; i++) {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		deadline = t.tv_sec * 1000000000LL + t.tv_nsec + 5000000;
		do
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		while (t.tv_sec * 1000000000LL + t.tv_nsec < deadline);
		strata_sleep_ms(1);
	}
	return sched_getscheduler(0) == SCHED_EXT ? 0 : 12;
}

TEST_F_TIMEOUT(attach, non_member_sched_ext_task_runs_through_the_fallback,
	       120)
{
	__u64 fallback;
	int status = -1;
	pid_t pid;

	scx_env_attach(_metadata, &self->env, 0);
	fallback = scx_stat(self->env.skel, GANG_SCX_STAT_FALLBACK_ENQUEUES);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(sched_ext_worker());
	}
	ASSERT_EQ(0, strata_wait_pid(&pid, &status, 6 * SCX_LIVE_MS, 10))
		TH_LOG("the SCHED_EXT task ended with %d", status);
	/* each wakeup went through ops.enqueue to the fallback DSQ */
	EXPECT_LE(fallback + WORKER_ROUNDS,
		  scx_stat(self->env.skel, GANG_SCX_STAT_FALLBACK_ENQUEUES));
	EXPECT_EQ(0, scx_stat(self->env.skel, GANG_SCX_STAT_MEMBER_DISPATCHES));
	still_attached(_metadata, self);
	destroy(_metadata, self);
}

/*
 * The scheduler's kfunc calls hold a reference to strata_gang: the module
 * cannot go while a scheduler that calls into it is attached.
 */
TEST_F(attach, module_cannot_be_unloaded_under_the_scheduler)
{
	int err;

	scx_env_attach(_metadata, &self->env, 0);
	/* no open device either: the scheduler's is the last reference */
	close(self->env.dev);
	self->env.dev = -1;
	err = gang_module_unload_once();
	if (!err)	/* leave the runner a loaded module */
		gang_module_load("fake_gpus=8");
	self->env.dev = gang_open();
	ASSERT_LE(0, self->env.dev);
	EXPECT_TRUE(err == -EAGAIN || err == -EBUSY)
		TH_LOG("delete_module(strata_gang): %s", strerror(-err));
	still_attached(_metadata, self);
	destroy(_metadata, self);
}

TEST_HARNESS_MAIN

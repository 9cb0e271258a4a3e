// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang's sched_ext scheduler - ejected under a running gang
 *
 * However sched_ext ends the scheduler while a co-scheduled gang runs (a
 * scheduler error, the watchdog finding a stalled task, CPU hotplug,
 * which a scheduler without cpu_online/offline ops does not survive),
 * strata_gang goes back to stock mode, and the gang goes on: its members
 * keep STEPping, SCHED_FIFO again, and the gang ends cleanly.
 */
#include "kselftest_harness.h"
#include "common.h"

#define NR_MEMBERS	2
#define WATCHDOG_MS	1000

FIXTURE(eject) {
	struct scx_env env;
};

FIXTURE_SETUP(eject)
{
	scx_env_setup(_metadata, &self->env);
}

FIXTURE_TEARDOWN_PARENT(eject)
{
	scx_env_teardown(_metadata, &self->env);
}

/*
 * Attach the scheduler (watchdog timeout @timeout_ms, 0: the default) and
 * start a co-scheduled gang of NR_MEMBERS members stepping on their CPUs,
 * SCHED_EXT.
 */
static void run_gang(struct __test_metadata *_metadata,
		     FIXTURE_DATA(eject) *self, __u32 timeout_ms)
{
	int i;

	scx_env_attach(_metadata, &self->env, timeout_ms);
	scx_env_cosched(_metadata, &self->env, NR_MEMBERS);
	for (i = 0; i < NR_MEMBERS; i++)
		ASSERT_EQ(0, scx_member_start(&self->env.members[i],
					      self->env.dev, self->env.table,
					      self->env.h));
	for (i = 0; i < NR_MEMBERS; i++) {
		struct scx_member *m = &self->env.members[i];

		ASSERT_TRUE(scx_member_wait_steps(m, 5, SCX_LIVE_MS));
		ASSERT_EQ(SCX_MEMBER_EXT, GANG_LOAD(&m->policy));
		ASSERT_LE(0, m->cpu);
	}
	ASSERT_LT(0, scx_stat(self->env.skel, GANG_SCX_STAT_MEMBER_DISPATCHES));
}

/* sched_ext ejected the scheduler: strata_gang is in stock mode. */
static void ejected(struct __test_metadata *_metadata,
		    FIXTURE_DATA(eject) *self)
{
	struct strata_gang_status st;

	ASSERT_TRUE(STRATA_WAIT_UNTIL(scx_state_is("disabled"), SCX_LIVE_MS));
	EXPECT_FALSE(GANG_LOAD(&self->env.skel->bss->attached));
	ASSERT_TRUE(GANG_WAIT_UNTIL(scx_gang_mode(self->env.dev) ==
				    STRATA_GANG_MODE_STOCK, SCX_LIVE_MS));
	ASSERT_EQ(0, gang_status(self->env.dev, &st));
	EXPECT_EQ(self->env.st0.scx_attaches + 1, st.scx_attaches);
	EXPECT_EQ(self->env.st0.scx_detaches + 1, st.scx_detaches);
	EXPECT_EQ(1, st.running);
}

/*
 * The gang went on through it: every member took STEPs since, with
 * @fifo_mask's members back at SCHED_FIFO on their CPUs.  Then they
 * LEAVE: the gang ends, everything is free.
 */
static void gang_goes_on(struct __test_metadata *_metadata,
			 FIXTURE_DATA(eject) *self, unsigned int fifo_mask)
{
	int i;

	for (i = 0; i < NR_MEMBERS; i++) {
		struct scx_member *m = &self->env.members[i];

		if (!(fifo_mask & (1U << i))) {
			ASSERT_TRUE(scx_member_wait_steps(m, m->steps + 3,
							  SCX_LIVE_MS));
			continue;
		}
		ASSERT_TRUE(scx_member_steps_with(m, 3, SCX_MEMBER_FIFO,
						  SCX_LIVE_MS))
			TH_LOG("member %d: policy %d after %d STEPs", i,
			       GANG_LOAD(&m->policy), GANG_LOAD(&m->steps));
		EXPECT_EQ(SCX_MEMBER_FIFO, sched_getscheduler(m->tid));
		EXPECT_EQ(1ULL << m->cpu, gang_affinity(m->tid));
	}
	for (i = 0; i < NR_MEMBERS; i++) {
		struct scx_member *m = &self->env.members[i];

		ASSERT_EQ(0, scx_member_stop(m, SCX_LIVE_MS));
		EXPECT_EQ(0, m->step_ret);
		EXPECT_EQ(0, m->leave_ret);
		EXPECT_EQ(SCHED_OTHER, m->left_policy);
	}
	EXPECT_EQ(STRATA_GANG_DONE,
		  gang_state(self->env.dev, self->env.table, self->env.h));
	ASSERT_TRUE(GANG_WAIT_UNTIL(scx_gang_all_free(self->env.dev),
				    SCX_LIVE_MS));
	gang_close_quiet(self->env.table, &self->env.h);
	scx_destroy(&self->env.skel, &self->env.link);
	EXPECT_TRUE(scx_state_is("disabled"));
}

TEST_F_TIMEOUT(eject, scheduler_error_ejects_it_and_the_gang_goes_on, 120)
{
	int kind;

	if (self->env.st0.nr_cpus < NR_MEMBERS)
		SKIP(return, "a pool of %u CPUs", self->env.st0.nr_cpus);
	run_gang(_metadata, self, 0);

	GANG_STORE(&self->env.skel->bss->inject_error, 1);
	ASSERT_TRUE(GANG_WAIT_UNTIL(scx_exit_kind(self->env.skel),
				    SCX_LIVE_MS));
	kind = scx_exit_kind(self->env.skel);
	EXPECT_LE(scx_exit_kind_of("SCX_EXIT_ERROR"), kind);
	EXPECT_EQ(scx_exit_kind_of("SCX_EXIT_ERROR_BPF"), kind);
	EXPECT_NE(NULL, strstr(self->env.skel->data->uei.msg, "error injected"))
		TH_LOG("exit message: %s", self->env.skel->data->uei.msg);
	ejected(_metadata, self);
	gang_goes_on(_metadata, self, (1U << NR_MEMBERS) - 1);
}

TEST_F_TIMEOUT(eject, watchdog_ejects_a_stalled_scheduler_and_the_gang_goes_on,
	       120)
{
	if (self->env.st0.nr_cpus < NR_MEMBERS)
		SKIP(return, "a pool of %u CPUs", self->env.st0.nr_cpus);
	run_gang(_metadata, self, WATCHDOG_MS);

	GANG_STORE(&self->env.skel->bss->inject_stall, 1);
	ASSERT_TRUE(GANG_WAIT_UNTIL(scx_exit_kind(self->env.skel),
				    SCX_LIVE_MS));
	EXPECT_EQ(scx_exit_kind_of("SCX_EXIT_ERROR_STALL"),
		  scx_exit_kind(self->env.skel))
		TH_LOG("exit: %s (%s)", self->env.skel->data->uei.reason,
		       self->env.skel->data->uei.msg);
	EXPECT_LT(0, scx_stat(self->env.skel, GANG_SCX_STAT_STALLED));
	ejected(_metadata, self);
	gang_goes_on(_metadata, self, (1U << NR_MEMBERS) - 1);
}

TEST_F_TIMEOUT(eject, cpu_hotplug_ejects_the_scheduler_and_the_gang_goes_on,
	       120)
{
	unsigned int fifo_mask = 0;
	__s64 code;
	int cpu, i;

	cpu = scx_hotplug_cpu(self->env.pool);
	if (self->env.st0.nr_cpus < NR_MEMBERS || cpu < 0)
		SKIP(return, "needs %d pool CPUs, one of which can go offline",
		     NR_MEMBERS);
	run_gang(_metadata, self, 0);

	ASSERT_EQ(0, scx_cpu_set_online(cpu, false));
	ASSERT_TRUE(GANG_WAIT_UNTIL(scx_exit_kind(self->env.skel),
				    SCX_LIVE_MS));
	EXPECT_EQ(scx_exit_kind_of("SCX_EXIT_UNREG_KERN"),
		  scx_exit_kind(self->env.skel))
		TH_LOG("exit: %s (%s)", self->env.skel->data->uei.reason,
		       self->env.skel->data->uei.msg);
	/* the kind of exit after which the loader loads it again */
	code = self->env.skel->data->uei.exit_code;
	EXPECT_TRUE(UEI_ECODE_RESTART(code));
	EXPECT_EQ(SCX_ECODE_RSN_HOTPLUG, UEI_ECODE_SYS_RSN(code));
	ejected(_metadata, self);

	/* the member whose CPU went away is neither pinned nor boosted */
	for (i = 0; i < NR_MEMBERS; i++)
		if (self->env.members[i].cpu != cpu)
			fifo_mask |= 1U << i;
	ASSERT_EQ(0, scx_cpu_set_online(cpu, true));
	ASSERT_EQ(1, scx_cpu_online(cpu));
	gang_goes_on(_metadata, self, fifo_mask);
}

TEST_HARNESS_MAIN

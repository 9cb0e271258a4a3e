// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - the strata_gang_ops struct_ops and the
 * gang_order sample policy
 *
 * A policy ranks the gangs that compete for GPUs and may choose what the
 * death of a member does.  The ordering tests queue two gangs behind a
 * gang that holds every GPU, under FIFO (sched_policy=1, so that nothing
 * but the rank decides), and let it leave: the first gang admitted shows
 * the rank that was used.  Without a policy that is the earlier one;
 * gang_order takes the larger one (or, with smallest_first, the smaller)
 * whatever the arrival order.  The kernel still admits all or nothing:
 * the other one stays queued until the GPUs are free again.
 *
 * Members are threads of the test process (gang_job), and in one test a
 * forked process that is killed.  The teardown runs
 * in the harness's process (FIXTURE_TEARDOWN_PARENT): an ASSERT skips a
 * FIXTURE_TEARDOWN in the test's process, and the module parameter would
 * stay changed; the test process's exit does the rest of the cleanup.
 */
#include <bpf/libbpf.h>
#include <strata/gang_policy.h>

#include "kselftest_harness.h"
#include "common.h"
#include "gang_order.h"
#include "gang_order.skel.h"

#define NR_JOBS		4
#define LIVE_MS		10000	/* liveness bound of every wait */

/* Jobs (and gangs) of the ordering tests. */
enum {
	HOLDER,		/* holds every GPU while the others queue */
	FIRST,		/* queues first */
	SECOND,		/* queues second */
};

FIXTURE(policy) {
	struct gang_order_bpf *skel;
	struct bpf_link *link;
	struct gang_job *jobs;
	__u32 h[NR_JOBS];
	int dev, table;
	char saved_policy[32];	/* sched_policy before the test */
};

FIXTURE_SETUP(policy)
{
	struct strata_gang_status st;

	self->dev = gang_open();
	ASSERT_LE(0, self->dev);
	self->table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->table);
	self->jobs = gang_jobs_new(NR_JOBS);
	ASSERT_NE(NULL, self->jobs);
	ASSERT_TRUE(GANG_WAIT_UNTIL(gang_idle(self->dev), LIVE_MS))
		TH_LOG("a previous test left gangs or held GPUs");
	ASSERT_TRUE(GANG_WAIT_UNTIL(!gang_status(self->dev, &st) &&
				    !st.bpf_policy, LIVE_MS))
		TH_LOG("a strata_gang policy is attached already");
	ASSERT_EQ(GANG_NR_FAKE, st.nr_gpus);
	self->skel = gang_order_bpf__open();
	ASSERT_NE(NULL, self->skel);
	/*
	 * Arrival order, run to the end: only a policy can reorder.  Last:
	 * the teardown, which puts it back, runs only after a full setup.
	 */
	ASSERT_EQ(0, gang_param_str("sched_policy", self->saved_policy,
				    sizeof(self->saved_policy)));
	ASSERT_EQ(0, gang_param_set("sched_policy", "1"));
}

/*
 * In the harness's process, after the test's process has ended, also when
 * an ASSERT cut it short: its exit closed the table, the policy's link and
 * the gangs' handles, and ended the members.  What is left is the module
 * parameter, and making sure no gang and no policy outlive the test.
 */
FIXTURE_TEARDOWN_PARENT(policy)
{
	struct strata_gang_status st;
	int dev;

	EXPECT_EQ(0, gang_param_set("sched_policy", self->saved_policy));
	dev = gang_open();
	ASSERT_LE(0, dev);
	EXPECT_TRUE(GANG_WAIT_UNTIL(gang_idle(dev) &&
				    !gang_status(dev, &st) && !st.bpf_policy,
				    LIVE_MS))
		TH_LOG("gangs or the policy outlived the test");
	close(dev);
}

static int attach(FIXTURE_DATA(policy) *self)
{
	if (gang_order_bpf__load(self->skel))
		return -1;
	self->link = bpf_map__attach_struct_ops(self->skel->maps.gang_order);
	return self->link ? 0 : -1;
}

static void detach(FIXTURE_DATA(policy) *self)
{
	bpf_link__destroy(self->link);
	self->link = NULL;
}

static int state_of(FIXTURE_DATA(policy) *self, int i)
{
	return gang_state(self->dev, self->table, self->h[i]);
}

static long bpf_policy(FIXTURE_DATA(policy) *self)
{
	struct strata_gang_status st;

	return gang_status(self->dev, &st) ? -1 : st.bpf_policy;
}

/*
 * Gang @i: one member of @gpus GPUs with @priority, its member a thread
 * of the test (job @i) that STEPs once, then holds until told to stop
 * and leaves.  Waits until the gang reaches @state.
 */
static void start_gang(struct __test_metadata *_metadata,
		       FIXTURE_DATA(policy) *self, int i, __u32 gpus,
		       __u32 priority, int state)
{
	struct strata_gang_create c = gang_args(self->table, 1, gpus);
	struct gang_job *j = &self->jobs[i];

	c.priority = priority;
	snprintf(c.name, sizeof(c.name), "order-%d", i);
	ASSERT_EQ(0, gang_create_args(self->dev, &c));
	self->h[i] = c.handle;
	j->handle = c.handle;
	j->steps = 1;
	j->hold = true;
	ASSERT_EQ(0, gang_job_start_thread(j, self->dev, self->table));
	ASSERT_TRUE(gang_wait_state(self->dev, self->table, c.handle, state,
				    LIVE_MS))
		TH_LOG("gang %d: %s", i,
		       strata_gang_state_name(state_of(self, i)));
}

/*
 * The holder takes every GPU, then FIRST (@first_gpus GPUs) and SECOND
 * (@second_gpus GPUs, @second_prio) queue behind it, in that order.
 */
static void queue_behind_holder(struct __test_metadata *_metadata,
				FIXTURE_DATA(policy) *self, __u32 first_gpus,
				__u32 second_gpus, __u32 second_prio)
{
	start_gang(_metadata, self, HOLDER, GANG_NR_FAKE, 0,
		   STRATA_GANG_RUNNING);
	start_gang(_metadata, self, FIRST, first_gpus, 0, STRATA_GANG_QUEUED);
	start_gang(_metadata, self, SECOND, second_gpus, second_prio,
		   STRATA_GANG_QUEUED);
	EXPECT_EQ(0, gang_free_gpus(self->dev));
}

/*
 * The holder leaves; returns the gang admitted in its place (FIRST or
 * SECOND), once the other one is seen still queued.
 */
static int release_holder(struct __test_metadata *_metadata,
			  FIXTURE_DATA(policy) *self)
{
	int winner, loser;

	GANG_STORE(&self->jobs[HOLDER].stop, 1);
	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[HOLDER],
				    STRATA_GANG_DONE, LIVE_MS));
	ASSERT_TRUE(GANG_WAIT_UNTIL(
		state_of(self, FIRST) == STRATA_GANG_RUNNING ||
		state_of(self, SECOND) == STRATA_GANG_RUNNING, LIVE_MS));
	winner = state_of(self, FIRST) == STRATA_GANG_RUNNING ? FIRST : SECOND;
	loser = winner == FIRST ? SECOND : FIRST;
	/* All or nothing: the other one did not get the GPUs left over. */
	EXPECT_EQ(STRATA_GANG_QUEUED, state_of(self, loser));
	return winner;
}

/* The admitted gang leaves: the other one runs, then leaves too. */
static void finish_both(struct __test_metadata *_metadata,
			FIXTURE_DATA(policy) *self, int winner)
{
	int loser = winner == FIRST ? SECOND : FIRST;

	GANG_STORE(&self->jobs[winner].stop, 1);
	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[winner],
				    STRATA_GANG_DONE, LIVE_MS));
	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[loser],
				    STRATA_GANG_RUNNING, LIVE_MS));
	GANG_STORE(&self->jobs[loser].stop, 1);
	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[loser],
				    STRATA_GANG_DONE, LIVE_MS));
	EXPECT_TRUE(GANG_WAIT_UNTIL(gang_free_gpus(self->dev) == GANG_NR_FAKE,
				    LIVE_MS));
}

TEST(module_has_btf_for_struct_ops_and_kfuncs)
{
	EXPECT_EQ(0, access("/sys/kernel/btf/" GANG_MODULE, F_OK))
		TH_LOG("strata_gang loaded without BTF: no policy can attach");
}

TEST_F_TIMEOUT(policy, without_a_policy_fifo_admits_the_earlier_gang_first,
	       120)
{
	int winner;

	queue_behind_holder(_metadata, self, 4, GANG_NR_FAKE, 0);
	winner = release_holder(_metadata, self);
	EXPECT_EQ(FIRST, winner);
	finish_both(_metadata, self, winner);
}

TEST_F_TIMEOUT(policy, gang_order_admits_the_larger_gang_before_an_earlier_smaller_one,
	       120)
{
	int winner;

	ASSERT_EQ(0, attach(self));
	queue_behind_holder(_metadata, self, 4, GANG_NR_FAKE, 0);
	winner = release_holder(_metadata, self);
	EXPECT_EQ(SECOND, winner);
	EXPECT_LT(0, self->skel->bss->nr_rank_calls);
	finish_both(_metadata, self, winner);
}

/* The scheduler looks again at once when a policy comes. */
TEST_F_TIMEOUT(policy, policy_attached_while_gangs_wait_ranks_them_at_once,
	       120)
{
	__u64 calls;
	int winner;

	queue_behind_holder(_metadata, self, 4, GANG_NR_FAKE, 0);
	ASSERT_EQ(0, attach(self));
	ASSERT_TRUE(GANG_WAIT_UNTIL(self->skel->bss->nr_rank_calls >= 2,
				    LIVE_MS));
	/*
	 * The kfuncs give the figures of the previous planning pass, which
	 * may have been merged with this one: a parameter write makes one
	 * more pass, after one that surely saw both gangs queued.
	 */
	calls = self->skel->bss->nr_rank_calls;
	ASSERT_EQ(0, gang_param_set("sched_policy", "1"));
	ASSERT_TRUE(GANG_WAIT_UNTIL(self->skel->bss->nr_rank_calls >=
				    calls + 2, LIVE_MS));
	/* Nothing free, both waiting. */
	EXPECT_EQ(0, self->skel->bss->last_free_gpus);
	EXPECT_EQ(2, self->skel->bss->last_queued);
	/* Nothing could start meanwhile. */
	EXPECT_EQ(STRATA_GANG_QUEUED, state_of(self, FIRST));
	EXPECT_EQ(STRATA_GANG_QUEUED, state_of(self, SECOND));
	winner = release_holder(_metadata, self);
	EXPECT_EQ(SECOND, winner);
	finish_both(_metadata, self, winner);
}

TEST_F_TIMEOUT(policy, smallest_first_admits_the_smaller_gang_before_an_earlier_larger_one,
	       120)
{
	int winner;

	self->skel->rodata->smallest_first = 1;
	ASSERT_EQ(0, attach(self));
	queue_behind_holder(_metadata, self, GANG_NR_FAKE, 4, 0);
	winner = release_holder(_metadata, self);
	EXPECT_EQ(SECOND, winner);
	EXPECT_LT(0, self->skel->bss->nr_rank_calls);
	finish_both(_metadata, self, winner);
}

TEST_F_TIMEOUT(policy, smallest_first_keeps_an_earlier_smaller_gang_first,
	       120)
{
	int winner;

	self->skel->rodata->smallest_first = 1;
	ASSERT_EQ(0, attach(self));
	queue_behind_holder(_metadata, self, 4, GANG_NR_FAKE, 0);
	winner = release_holder(_metadata, self);
	EXPECT_EQ(FIRST, winner);
	EXPECT_LT(0, self->skel->bss->nr_rank_calls);
	finish_both(_metadata, self, winner);
}

/* gang_order's rank: priority first, size second, arrival last. */
TEST_F_TIMEOUT(policy, gang_order_puts_priority_before_size_and_arrival, 120)
{
	int winner;

	ASSERT_EQ(0, attach(self));
	queue_behind_holder(_metadata, self, GANG_NR_FAKE, 4, 1);
	winner = release_holder(_metadata, self);
	EXPECT_EQ(SECOND, winner);
	finish_both(_metadata, self, winner);
}

TEST_F_TIMEOUT(policy, detaching_brings_the_default_order_back, 120)
{
	__u64 calls;
	int winner;

	ASSERT_EQ(0, attach(self));
	detach(self);
	ASSERT_TRUE(GANG_WAIT_UNTIL(bpf_policy(self) == 0, LIVE_MS));
	calls = self->skel->bss->nr_rank_calls;
	queue_behind_holder(_metadata, self, 4, GANG_NR_FAKE, 0);
	winner = release_holder(_metadata, self);
	EXPECT_EQ(FIRST, winner);
	/* Nobody asked the detached program. */
	EXPECT_EQ(calls, self->skel->bss->nr_rank_calls);
	finish_both(_metadata, self, winner);
}

TEST_F(policy, status_shows_the_policy_only_while_attached)
{
	EXPECT_EQ(0, bpf_policy(self));
	ASSERT_EQ(0, attach(self));
	EXPECT_EQ(1, bpf_policy(self));
	detach(self);
	EXPECT_TRUE(GANG_WAIT_UNTIL(bpf_policy(self) == 0, LIVE_MS));
}

TEST_F(policy, a_second_policy_is_refused_with_ebusy)
{
	struct gang_order_bpf *other;
	struct bpf_link *link;

	ASSERT_EQ(0, attach(self));
	other = gang_order_bpf__open_and_load();
	ASSERT_NE(NULL, other);
	link = bpf_map__attach_struct_ops(other->maps.gang_order);
	EXPECT_EQ(NULL, link);
	EXPECT_EQ(EBUSY, errno);
	bpf_link__destroy(link);
	gang_order_bpf__destroy(other);
	/* The first one is still the one attached. */
	EXPECT_EQ(1, bpf_policy(self));
}

/* Run a command, return its exit status and the start of its stdout. */
static int run(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	if (!p)
		return -1;
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	return pclose(p);
}

TEST_F(policy, bpftool_lists_the_attached_policy)
{
	const char *bpftool = getenv("STRATA_BPFTOOL");
	static char out[1 << 16];
	char cmd[512];

	if (!bpftool)
		SKIP(return, "STRATA_BPFTOOL is not set");
	ASSERT_EQ(0, attach(self));
	snprintf(cmd, sizeof(cmd), "%s -j struct_ops list", bpftool);
	ASSERT_EQ(0, run(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"name\":\"gang_order\""))
		TH_LOG("bpftool said: %.300s", out);
	EXPECT_NE(NULL, strstr(out,
			       "\"kernel_struct_ops\":\"strata_gang_ops\""));
}

/* ---- member death ------------------------------------------------------- */

/*
 * A gang of two members with one GPU each and @on_exit; member 0 (job
 * FIRST, a thread) holds, member 1 (job SECOND) dies after its first
 * STEP: a thread that ends without LEAVE or, with @sigkill, a member
 * process killed with SIGKILL.  Returns once the death has been handled.
 */
static void one_member_dies(struct __test_metadata *_metadata,
			    FIXTURE_DATA(policy) *self, __u32 on_exit,
			    bool sigkill)
{
	struct gang_job *live = &self->jobs[FIRST];
	struct gang_job *dead = &self->jobs[SECOND];
	struct strata_gang_status st0, st;
	struct strata_gang_info info;

	ASSERT_EQ(0, gang_status(self->dev, &st0));
	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 2, 1, 0, on_exit,
				    0, &self->h[FIRST]));
	live->handle = self->h[FIRST];
	live->steps = 1;
	live->hold = true;
	dead->handle = self->h[FIRST];
	dead->steps = 1;
	dead->hold = sigkill;
	dead->no_leave = !sigkill;
	ASSERT_EQ(0, gang_job_start_thread(live, self->dev, self->table));
	if (sigkill) {
		ASSERT_EQ(0, gang_job_start_process(dead, self->table,
						    self->h[FIRST]));
		ASSERT_TRUE(gang_job_wait_steps(dead, 1, LIVE_MS));
		ASSERT_EQ(0, gang_job_kill(dead));
		EXPECT_TRUE(WIFSIGNALED(dead->exit_status));
	} else {
		ASSERT_EQ(0, gang_job_start_thread(dead, self->dev,
						   self->table));
		ASSERT_EQ(0, gang_job_wait(dead, LIVE_MS));
	}
	ASSERT_EQ(0, dead->setup_ret);
	ASSERT_EQ(0, dead->join_ret);
	ASSERT_EQ(0, dead->step_ret);
	ASSERT_TRUE(gang_job_wait_phase(live, GANG_JOB_HOLDING, LIVE_MS));
	ASSERT_TRUE(GANG_WAIT_UNTIL(!gang_info(self->dev, self->table,
					       self->h[FIRST], &info) &&
				    info.deaths == 1, LIVE_MS));
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(st0.deaths + 1, st.deaths);
}

/* The gang of one_member_dies() went on with its survivor, then is done. */
static void survivor_goes_on(struct __test_metadata *_metadata,
			     FIXTURE_DATA(policy) *self)
{
	struct strata_gang_info info;

	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[FIRST], &info));
	EXPECT_EQ(STRATA_GANG_RUNNING, info.state);
	EXPECT_EQ(STRATA_GANG_ABORT_NONE, info.abort_reason);
	EXPECT_EQ(1, info.alive);
	EXPECT_EQ(1, info.nr_gpus);
	EXPECT_EQ(1, gang_popcount(info.gpu_mask));
	EXPECT_EQ(GANG_NR_FAKE - 1, gang_free_gpus(self->dev));

	GANG_STORE(&self->jobs[FIRST].stop, 1);
	ASSERT_EQ(0, gang_job_wait(&self->jobs[FIRST], LIVE_MS));
	EXPECT_EQ(0, self->jobs[FIRST].leave_ret);
	EXPECT_EQ(STRATA_GANG_DONE, state_of(self, FIRST));
}

TEST_F_TIMEOUT(policy, forced_shrink_keeps_an_abort_gang_running_after_a_death,
	       120)
{
	self->skel->rodata->force_exit_action = STRATA_GANG_OPS_EXIT_SHRINK;
	ASSERT_EQ(0, attach(self));
	one_member_dies(_metadata, self, STRATA_GANG_EXIT_ABORT, false);
	EXPECT_EQ(1, self->skel->bss->nr_exit_calls);
	EXPECT_EQ(self->jobs[SECOND].tid, self->skel->bss->last_exit_pid);
	/* The survivor goes on and finishes: the gang is done, not aborted. */
	survivor_goes_on(_metadata, self);
}

TEST_F_TIMEOUT(policy, forced_shrink_also_applies_to_a_member_killed_by_sigkill,
	       120)
{
	pid_t pid;

	self->skel->rodata->force_exit_action = STRATA_GANG_OPS_EXIT_SHRINK;
	ASSERT_EQ(0, attach(self));
	one_member_dies(_metadata, self, STRATA_GANG_EXIT_ABORT, true);
	/* The member was the process's only thread. */
	pid = self->jobs[SECOND].tid;
	EXPECT_EQ(1, self->skel->bss->nr_exit_calls);
	EXPECT_EQ(pid, self->skel->bss->last_exit_pid);
	survivor_goes_on(_metadata, self);
}

TEST_F_TIMEOUT(policy, forced_abort_ends_a_shrink_gang_at_a_death, 120)
{
	struct strata_gang_info info;

	self->skel->rodata->force_exit_action = STRATA_GANG_OPS_EXIT_ABORT;
	ASSERT_EQ(0, attach(self));
	one_member_dies(_metadata, self, STRATA_GANG_EXIT_SHRINK, false);

	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[FIRST],
				    STRATA_GANG_ABORTED, LIVE_MS));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[FIRST], &info));
	EXPECT_EQ(STRATA_GANG_ABORT_MEMBER_DIED, info.abort_reason);
	EXPECT_EQ(0, info.gpu_mask);
	EXPECT_EQ(GANG_NR_FAKE, gang_free_gpus(self->dev));
	EXPECT_EQ(1, self->skel->bss->nr_exit_calls);
	EXPECT_EQ(self->jobs[SECOND].tid, self->skel->bss->last_exit_pid);
}

/* force_exit_action -1: the callback is asked and leaves it to the gang. */
TEST_F_TIMEOUT(policy, policy_without_a_choice_leaves_the_gang_its_own_action,
	       120)
{
	ASSERT_EQ(0, attach(self));
	one_member_dies(_metadata, self, STRATA_GANG_EXIT_SHRINK, false);
	EXPECT_EQ(1, self->skel->bss->nr_exit_calls);
	survivor_goes_on(_metadata, self);
}

TEST_F_TIMEOUT(policy, without_a_policy_a_death_aborts_an_abort_gang, 120)
{
	struct strata_gang_info info;

	one_member_dies(_metadata, self, STRATA_GANG_EXIT_ABORT, false);

	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[FIRST],
				    STRATA_GANG_ABORTED, LIVE_MS));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[FIRST], &info));
	EXPECT_EQ(STRATA_GANG_ABORT_MEMBER_DIED, info.abort_reason);
	EXPECT_EQ(GANG_NR_FAKE, gang_free_gpus(self->dev));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - a gang's signals, waited on through strata_cap
 *
 * READY when every member joined, RUNNING while it holds its GPUs, DONE
 * when every member left, ABORTED when killed or a member died: WAIT_MANY,
 * WAIT_ASYNC and the table's port see them like any object's signals.
 */
#include <poll.h>

#include "kselftest_harness.h"
#include "common.h"

#define LIVE_MS		10000
#define SECOND_NS	1000000000LL
#define LATER		strata_deadline_after(10 * SECOND_NS)
#define READY		STRATA_GANG_SIGNAL_READY
#define RUNNING		STRATA_GANG_SIGNAL_RUNNING
#define DONE		STRATA_GANG_SIGNAL_DONE
#define ABORTED		STRATA_GANG_SIGNAL_ABORTED

FIXTURE(sig) {
	int dev, table;
	struct gang_job *jobs;
	__u32 h[2];
};

FIXTURE_SETUP(sig)
{
	self->dev = gang_open();
	ASSERT_LE(0, self->dev);
	self->table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->table);
	self->jobs = gang_jobs_new(2);
	ASSERT_NE(NULL, self->jobs);
	ASSERT_TRUE(GANG_WAIT_UNTIL(gang_idle(self->dev), LIVE_MS));
	ASSERT_EQ(0, gang_param_push("starve_ms", "3600000"));
}

FIXTURE_TEARDOWN(sig)
{
	int i;

	for (i = 0; i < 2; i++)
		if (self->h[i])
			gang_kill(self->dev, self->table, self->h[i]);
	gang_jobs_free(self->jobs, 2);
	for (i = 0; i < 2; i++)
		gang_close_quiet(self->table, &self->h[i]);
	gang_params_restore();
	close(self->table);
	close(self->dev);
}

/* STRATA_CAP_IOC_WAIT_MANY on @n items, as the ABI has it. */
static int wait_many(int table, struct strata_cap_wait_item *items,
		     __u32 n, __s64 deadline)
{
	struct strata_cap_wait_many w = {
		.items = (__u64)(unsigned long)items,
		.count = n,
		.deadline = deadline,
	};
	__u32 i;

	for (i = 0; i < n; i++)
		items[i].pending = 0;
	return sys_ioctl(table, STRATA_CAP_IOC_WAIT_MANY, &w);
}

static int table_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, 0) < 0)
		return -errno;
	return !!(pfd.revents & POLLIN);
}

TEST_F(sig, signals_follow_the_life_of_the_gang)
{
	__u32 pending = 0;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 2, &self->h[0]));
	EXPECT_EQ(0, gang_signals(self->table, self->h[0]));
	EXPECT_EQ(-ETIMEDOUT, strata_object_wait_one(self->table, self->h[0],
						     READY, 0, &pending));
	ASSERT_EQ(0, gang_join(self->dev, self->table, self->h[0], NULL));
	ASSERT_EQ(0, strata_object_wait_one(self->table, self->h[0], RUNNING,
					    LATER, &pending));
	EXPECT_EQ(READY | RUNNING, pending & GANG_ALL_SIGNALS);
	ASSERT_EQ(0, gang_step(self->dev, self->table, self->h[0], 0, NULL));
	ASSERT_EQ(0, gang_leave(self->dev, self->table, self->h[0]));
	ASSERT_EQ(0, strata_object_wait_one(self->table, self->h[0], DONE,
					    LATER, &pending));
	EXPECT_TRUE(pending & DONE);
	EXPECT_FALSE(pending & RUNNING);
	EXPECT_FALSE(pending & ABORTED);
}

TEST_F(sig, wait_many_tells_which_gang_runs)
{
	struct strata_cap_wait_item items[2] = {
		{ .signals = RUNNING },
		{ .signals = RUNNING },
	};
	int i;

	/* A runs and keeps the GPUs; B is ready and queued behind it */
	for (i = 0; i < 2; i++) {
		struct gang_job *j = &self->jobs[i];

		ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 1,
					    GANG_NR_FAKE, GANG_LONG_SLICE,
					    STRATA_GANG_EXIT_ABORT, 0,
					    &self->h[i]));
		items[i].handle = self->h[i];
		j->handle = self->h[i];
		j->steps = 1;
		j->hold = true;
		ASSERT_EQ(0, gang_job_start_thread(j, self->dev, self->table));
		if (i == 0)
			ASSERT_TRUE(gang_job_wait_steps(j, 1, LIVE_MS));
	}
	ASSERT_TRUE(gang_job_blocked_in_step(&self->jobs[1], LIVE_MS));

	ASSERT_EQ(0, wait_many(self->table, items, 2, 0));
	EXPECT_EQ(READY | RUNNING, items[0].pending & GANG_ALL_SIGNALS);
	EXPECT_EQ(READY, items[1].pending & GANG_ALL_SIGNALS);
	EXPECT_EQ(-ETIMEDOUT, wait_many(self->table, &items[1], 1,
					strata_deadline_after(SECOND_NS / 10)));
	EXPECT_EQ(READY, items[1].pending & GANG_ALL_SIGNALS);

	/* A's member leaves: A is done, B runs */
	GANG_STORE(&self->jobs[0].stop, 1);
	items[0].signals = RUNNING | ABORTED;
	items[1].signals = RUNNING | ABORTED;
	ASSERT_EQ(0, wait_many(self->table, &items[1], 1, LATER));
	EXPECT_EQ(READY | RUNNING, items[1].pending & GANG_ALL_SIGNALS);
	items[0].signals = DONE;
	ASSERT_EQ(0, wait_many(self->table, items, 1, LATER));
	EXPECT_EQ(DONE, items[0].pending & (DONE | RUNNING | ABORTED));
	GANG_STORE(&self->jobs[1].stop, 1);
	ASSERT_EQ(0, gang_job_wait(&self->jobs[1], LIVE_MS));
}

struct waiter {
	int table;
	__u32 handle, signals, pending;
	int ret;
	pthread_t thread;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->ret = strata_object_wait_one(w->table, w->handle, w->signals,
					STRATA_TIME_INFINITE, &w->pending);
	return NULL;
}

TEST_F(sig, a_blocked_wait_wakes_when_the_gang_is_killed)
{
	struct waiter w = { 0 };

	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h[0]));
	w.table = self->table;
	w.handle = self->h[0];
	w.signals = DONE | ABORTED;
	ASSERT_EQ(0, pthread_create(&w.thread, NULL, wait_thread, &w));
	strata_sleep_ms(50);
	ASSERT_EQ(0, gang_kill(self->dev, self->table, self->h[0]));
	pthread_join(w.thread, NULL);
	EXPECT_EQ(0, w.ret);
	EXPECT_EQ(ABORTED, w.pending & GANG_ALL_SIGNALS);
}

TEST_F(sig, a_member_death_raises_aborted)
{
	struct gang_job *j = &self->jobs[0];
	__u32 pending = 0;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h[0]));
	j->handle = self->h[0];
	j->steps = 1;
	j->hold = true;
	ASSERT_EQ(0, gang_job_start_process(j, self->table, self->h[0]));
	ASSERT_EQ(0, strata_object_wait_one(self->table, self->h[0], RUNNING,
					    LATER, &pending));
	ASSERT_EQ(0, gang_job_kill(j));
	ASSERT_EQ(0, strata_object_wait_one(self->table, self->h[0],
					    ABORTED | DONE, LATER, &pending));
	EXPECT_EQ(ABORTED, pending & (ABORTED | DONE | RUNNING));
}

TEST_F(sig, async_wait_queues_a_packet_on_the_table)
{
	struct strata_cap_packet pkt;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h[0]));
	ASSERT_EQ(0, strata_object_wait_async(self->table, self->h[0], DONE,
					      42));
	ASSERT_EQ(0, strata_object_wait_async(self->table, self->h[0],
					      RUNNING, 7));
	EXPECT_EQ(0, table_readable(self->table));
	EXPECT_EQ(-ETIMEDOUT, strata_port_wait(self->table, &pkt, 1, 0));

	ASSERT_EQ(0, gang_join(self->dev, self->table, self->h[0], NULL));
	ASSERT_EQ(1, strata_port_wait(self->table, &pkt, 1, LATER));
	EXPECT_EQ(7, pkt.key);
	EXPECT_EQ(STRATA_CAP_PKT_SIGNAL, pkt.type);
	EXPECT_EQ(0, pkt.status);
	EXPECT_EQ(RUNNING, pkt.trigger);
	EXPECT_TRUE(pkt.observed & RUNNING);

	ASSERT_EQ(0, gang_leave(self->dev, self->table, self->h[0]));
	EXPECT_TRUE(GANG_WAIT_UNTIL(table_readable(self->table) == 1,
				    LIVE_MS));
	ASSERT_EQ(1, strata_port_wait(self->table, &pkt, 1, 0));
	EXPECT_EQ(42, pkt.key);
	EXPECT_EQ(STRATA_CAP_PKT_SIGNAL, pkt.type);
	EXPECT_EQ(DONE, pkt.trigger);
	EXPECT_TRUE(pkt.observed & DONE);
	EXPECT_EQ(0, table_readable(self->table));
}

TEST_F(sig, waiting_needs_the_wait_right)
{
	__u32 d, pending = 0;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h[0]));
	ASSERT_EQ(0, strata_handle_duplicate(self->table, self->h[0],
			STRATA_DEFAULT_GANG_RIGHTS & ~STRATA_RIGHT_WAIT, &d));
	EXPECT_EQ(-EACCES, strata_object_wait_one(self->table, d, READY, 0,
						  &pending));
	EXPECT_EQ(-EACCES, strata_object_wait_async(self->table, d, READY, 1));
	EXPECT_EQ(0, strata_handle_close(self->table, d));
}

TEST_F(sig, gang_signals_cannot_be_set_from_user_space)
{
	/* READY .. ABORTED are the kernel's; only user signals may be set */
	EXPECT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h[0]));
	EXPECT_NE(0, strata_object_signal(self->table, self->h[0], 0, DONE));
	EXPECT_EQ(0, gang_signals(self->table, self->h[0]));
}

TEST_HARNESS_MAIN

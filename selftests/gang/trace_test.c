// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - tracepoints
 *
 * In a tracefs instance of the test's own: two gangs taking turns leave a
 * strata_gang_admit per admission, a strata_gang_slice_start per slice and
 * a strata_gang_preempt per preemption, whose counts agree with INFO; a
 * member killed under STRATA_GANG_EXIT_ABORT leaves a
 * strata_gang_member_exit with its pid and a strata_gang_abort with the
 * reason, as do a KILL and a KILL_ID.
 */
#include <sys/mount.h>

#include "kselftest_harness.h"
#include "common.h"

#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/strata_gang_test"
#define EVENTS		INSTANCE "/events/strata_gang"
#define LIVE_MS		10000
#define NR_JOBS		4

static const char *const events[] = {
	"strata_gang_admit",
	"strata_gang_slice_start",
	"strata_gang_preempt",
	"strata_gang_member_exit",
	"strata_gang_abort",
};

FIXTURE(trace) {
	int dev, table;
	struct gang_job *jobs;
	__u32 h[4];
};

FIXTURE_SETUP(trace)
{
	struct stat st;

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

	if (stat(TRACEFS "/instances", &st))
		ASSERT_EQ(0, mount("tracefs", TRACEFS, "tracefs", 0, NULL));
	rmdir(INSTANCE);
	ASSERT_EQ(0, mkdir(INSTANCE, 0700));
	ASSERT_EQ(0, strata_write_str(EVENTS "/enable", "1"));
}

FIXTURE_TEARDOWN(trace)
{
	int i;

	for (i = 0; i < 4; i++)
		if (self->h[i])
			gang_kill(self->dev, self->table, self->h[i]);
	gang_jobs_free(self->jobs, NR_JOBS);
	for (i = 0; i < 4; i++)
		gang_close_quiet(self->table, &self->h[i]);
	gang_params_restore();
	close(self->table);
	close(self->dev);
	strata_write_str(EVENTS "/enable", "0");
	rmdir(INSTANCE);
}

/* Lines of the instance's buffer of @event with "koid=@koid " and @needle. */
static int traced(const char *event, __u64 koid, const char *needle)
{
	char line[512], ev[64], id[40];
	int n = 0;
	FILE *f;

	snprintf(ev, sizeof(ev), "%s:", event);
	snprintf(id, sizeof(id), "koid=%llu ", (unsigned long long)koid);
	f = fopen(INSTANCE "/trace", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = ' ';
		if (strstr(line, ev) && strstr(line, id) &&
		    (!needle || strstr(line, needle)))
			n++;
	}
	fclose(f);
	return n;
}

TEST_F(trace, every_event_exists)
{
	char path[256];
	unsigned int i;

	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		snprintf(path, sizeof(path), EVENTS "/%s/format", events[i]);
		EXPECT_EQ(0, access(path, R_OK)) TH_LOG("no %s", path);
	}
}

TEST_F_TIMEOUT(trace, turns_deaths_and_kills_are_traced, 90)
{
	struct strata_gang_info a, b;
	char pid[32];
	__u64 ka, kb, kc, kd;
	pid_t victim;
	int i, n;

	/* A and B take turns on every GPU */
	for (i = 0; i < 2; i++) {
		struct gang_job *j = &self->jobs[i];

		ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 1,
					    GANG_NR_FAKE, 20,
					    STRATA_GANG_EXIT_ABORT, 0,
					    &self->h[i]));
		j->handle = self->h[i];
		j->steps = 0;
		j->kernel_us = 500;
		ASSERT_EQ(0, gang_job_start_thread(j, self->dev, self->table));
	}
	ka = gang_koid(self->table, self->h[0]);
	kb = gang_koid(self->table, self->h[1]);
	ASSERT_TRUE(GANG_WAIT_UNTIL(GANG_LOAD(&self->jobs[0].slices_seen) >= 3
				    && GANG_LOAD(&self->jobs[1].slices_seen) >=
				    3, 30000));
	for (i = 0; i < 2; i++)
		GANG_STORE(&self->jobs[i].stop, 1);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, gang_job_wait(&self->jobs[i], LIVE_MS));

	/* C: a member process dies; D: killed before anyone joined */
	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h[2]));
	kc = gang_koid(self->table, self->h[2]);
	for (i = 2; i < 4; i++) {
		struct gang_job *j = &self->jobs[i];

		j->steps = 0;
		j->kernel_us = 500;
		ASSERT_EQ(0, gang_job_start_process(j, self->table,
						    self->h[2]));
	}
	for (i = 2; i < 4; i++)
		ASSERT_TRUE(gang_job_wait_steps(&self->jobs[i], 1, LIVE_MS));
	victim = self->jobs[3].pid;
	ASSERT_EQ(0, gang_job_kill(&self->jobs[3]));
	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[2],
				    STRATA_GANG_ABORTED, LIVE_MS));
	ASSERT_EQ(0, gang_job_wait(&self->jobs[2], LIVE_MS));
	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 1, &self->h[3]));
	kd = gang_koid(self->table, self->h[3]);
	ASSERT_EQ(0, gang_kill(self->dev, self->table, self->h[3]));
	ASSERT_EQ(0, strata_write_str(INSTANCE "/tracing_on", "0"));

	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &a));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[1], &b));
	TH_LOG("A: %llu slices, %llu preemptions; B: %llu, %llu", a.slices,
	       a.preemptions, b.slices, b.preemptions);
	/* every admission, slice and preemption of A and B */
	EXPECT_LE(1, traced("strata_gang_admit", ka, "gpus=8"));
	EXPECT_GE(a.slices, traced("strata_gang_admit", ka, NULL));
	EXPECT_LE(1, traced("strata_gang_admit", kb, "gpus=8"));
	EXPECT_GE(b.slices, traced("strata_gang_admit", kb, NULL));
	/*
	 * A slice is traced once all its members have started it: one the
	 * gang lost before that (fill_idle may take a running gang's GPUs
	 * for the head before its slice ends; the jobs stop between two
	 * slices) counts in slices but has no slice_start.  Each job saw
	 * at least 3 slices start (its gang's one member returned from STEP
	 * in them): those are traced.
	 */
	n = traced("strata_gang_slice_start", ka, NULL);
	EXPECT_GE(a.slices, n);
	EXPECT_LE(3, n);
	n = traced("strata_gang_slice_start", kb, NULL);
	EXPECT_GE(b.slices, n);
	EXPECT_LE(3, n);
	EXPECT_LE(1, a.preemptions);
	EXPECT_EQ(a.preemptions, traced("strata_gang_preempt", ka, NULL));
	EXPECT_EQ(b.preemptions, traced("strata_gang_preempt", kb, NULL));
	EXPECT_EQ(0, traced("strata_gang_abort", ka, NULL));
	EXPECT_EQ(0, traced("strata_gang_abort", kb, NULL));

	/* C's death and abort, D's kill */
	snprintf(pid, sizeof(pid), "pid=%d ", victim);
	EXPECT_EQ(1, traced("strata_gang_member_exit", kc, pid));
	EXPECT_EQ(1, traced("strata_gang_member_exit", kc, "action=abort"));
	snprintf(pid, sizeof(pid), "reason=%u", STRATA_GANG_ABORT_MEMBER_DIED);
	EXPECT_EQ(1, traced("strata_gang_abort", kc, pid));
	EXPECT_EQ(1, traced("strata_gang_abort", kc, NULL));
	snprintf(pid, sizeof(pid), "reason=%u", STRATA_GANG_ABORT_KILLED);
	EXPECT_EQ(1, traced("strata_gang_abort", kd, pid));
	EXPECT_EQ(0, traced("strata_gang_admit", kd, NULL));
}

TEST_F(trace, a_shrinking_death_is_traced_as_such)
{
	struct gang_job *j = &self->jobs[0];
	char pid[32];
	__u64 koid;

	ASSERT_EQ(0, gang_create_ex(self->dev, self->table, 2, 1,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_SHRINK, 0,
				    &self->h[0]));
	koid = gang_koid(self->table, self->h[0]);
	j->steps = 1;
	j->hold = true;
	ASSERT_EQ(0, gang_job_start_process(j, self->table, self->h[0]));
	ASSERT_TRUE(gang_job_wait_phase(j, GANG_JOB_JOINED, LIVE_MS));
	snprintf(pid, sizeof(pid), "pid=%d ", j->pid);
	ASSERT_EQ(0, gang_job_kill(j));
	ASSERT_TRUE(GANG_WAIT_UNTIL(traced("strata_gang_member_exit", koid,
					   "action=shrink") == 1, LIVE_MS));
	EXPECT_EQ(1, traced("strata_gang_member_exit", koid, pid));
	EXPECT_EQ(0, traced("strata_gang_abort", koid, NULL));
}

TEST_F(trace, a_kill_by_id_is_traced_with_the_admin_reason)
{
	char reason[32];
	__u64 koid;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 2, 1, &self->h[0]));
	koid = gang_koid(self->table, self->h[0]);
	ASSERT_EQ(0, gang_kill_id(self->dev, koid));
	EXPECT_EQ(-EALREADY, gang_kill_id(self->dev, koid));
	snprintf(reason, sizeof(reason), "reason=%u", STRATA_GANG_ABORT_ADMIN);
	EXPECT_EQ(1, traced("strata_gang_abort", koid, reason));
	EXPECT_EQ(1, traced("strata_gang_abort", koid, NULL));
}

TEST_HARNESS_MAIN

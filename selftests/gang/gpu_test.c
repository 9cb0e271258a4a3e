// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - the GPUs: GPUS and STATUS, and the fake GPUs
 *
 * The module loaded with fake_gpus=8 lists 8 fake GPUs, gpu0..gpu7, each a
 * device node /dev/strata/gpuN.  A fake GPU runs one kernel at a time in
 * submission order, each open file being a context, and charges switch_us
 * whenever the next kernel is another context's; it counts kernels, busy
 * time, switches and switching time.
 */
#include "kselftest_harness.h"
#include "common.h"

#define LIVE_MS		10000
#define US		1000ULL		/* ns in a microsecond */

FIXTURE(gpu) {
	int dev, table;
	int fd[4];
};

FIXTURE_SETUP(gpu)
{
	int i;

	self->dev = gang_open();
	ASSERT_LE(0, self->dev);
	self->table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->table);
	for (i = 0; i < 4; i++)
		self->fd[i] = -1;
	ASSERT_TRUE(GANG_WAIT_UNTIL(gang_idle(self->dev), LIVE_MS));
}

FIXTURE_TEARDOWN(gpu)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (self->fd[i] >= 0) {
			fakegpu_sync(self->fd[i]);
			close(self->fd[i]);
		}
	}
	close(self->table);
	close(self->dev);
}

/* new_encode_dev() of a device number, as strata_gang_gpu.dev has it */
static __u32 encode_dev(dev_t d)
{
	unsigned int ma = major(d), mi = minor(d);

	return (mi & 0xff) | (ma << 8) | ((mi & ~0xffU) << 12);
}

TEST_F(gpu, gpus_lists_every_fake_gpu)
{
	struct strata_gang_gpu gpus[STRATA_GANG_MAX_GPUS];
	char name[16], path[64];
	struct stat st;
	int i, n;

	EXPECT_EQ(GANG_NR_FAKE, gang_param_get("fake_gpus"));
	EXPECT_EQ(GANG_NR_FAKE, gang_gpus(self->dev, NULL, 0));
	memset(gpus, 0xa5, sizeof(gpus));
	n = gang_gpus(self->dev, gpus, STRATA_GANG_MAX_GPUS);
	ASSERT_EQ(GANG_NR_FAKE, n);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "gpu%d", i);
		snprintf(path, sizeof(path), STRATA_FAKEGPU_DEV_FMT, i);
		EXPECT_EQ(i, gpus[i].id);
		EXPECT_EQ(STRATA_GANG_GPU_FAKE, gpus[i].kind);
		EXPECT_STREQ(name, gpus[i].name);
		EXPECT_EQ(0, gpus[i].gang_koid);
		EXPECT_EQ(0, gpus[i].reserved[0]);
		EXPECT_EQ(0, gpus[i].reserved[1]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_TRUE(S_ISCHR(st.st_mode));
		EXPECT_EQ(encode_dev(st.st_rdev), gpus[i].dev) TH_LOG("%s",
								      path);
	}
	/* the entry after the last is not written */
	EXPECT_EQ(0xa5a5a5a5U, gpus[n].id);
}

TEST_F(gpu, gpus_writes_no_more_than_its_capacity)
{
	struct strata_gang_gpu gpus[4];

	memset(gpus, 0xa5, sizeof(gpus));
	ASSERT_EQ(GANG_NR_FAKE, gang_gpus(self->dev, gpus, 3));
	EXPECT_EQ(2, gpus[2].id);
	EXPECT_EQ(0xa5a5a5a5U, gpus[3].id);
}

TEST_F(gpu, status_counts_gpus_cpus_and_gangs)
{
	struct strata_gang_status st;

	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(GANG_NR_FAKE, st.nr_gpus);
	EXPECT_EQ(GANG_NR_FAKE, st.free_gpus);
	/* run-tests says which mode this pass runs in */
	EXPECT_EQ(gang_expected_mode(), st.mode);
	EXPECT_EQ(gang_param_get("sched_policy"), st.policy);
	EXPECT_LT(0, st.nr_cpus);
	EXPECT_EQ(st.nr_cpus, st.free_cpus);
	EXPECT_EQ(0, st.gangs);
	EXPECT_EQ(0, st.queued);
	EXPECT_EQ(0, st.running);
	EXPECT_EQ(0, st.bpf_policy);
	/* a scheduler is attached for the scx pass, none otherwise */
	if (gang_expected_mode() == STRATA_GANG_MODE_SCX) {
		EXPECT_LT(st.scx_detaches, st.scx_attaches);
	} else {
		EXPECT_EQ(st.scx_detaches, st.scx_attaches);
	}
	EXPECT_EQ(0, st.reserved[0]);
	EXPECT_EQ(0, st.reserved[1]);
}

TEST_F(gpu, status_follows_the_sched_policy_parameter)
{
	struct strata_gang_status st;

	ASSERT_EQ(0, gang_param_push("sched_policy", "2"));
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(STRATA_GANG_POLICY_BACKFILL, st.policy);
	ASSERT_EQ(0, gang_param_set("sched_policy", "1"));
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(STRATA_GANG_POLICY_FIFO, st.policy);
	EXPECT_NE(0, gang_param_set("sched_policy", "3"));
	EXPECT_EQ(1, gang_param_get("sched_policy"));
	gang_params_restore();
}

TEST_F(gpu, parameters_refuse_values_out_of_range)
{
	EXPECT_NE(0, gang_param_set("slice_ms", "0"));
	EXPECT_NE(0, gang_param_set("slice_ms", "60001"));
	EXPECT_EQ(100, gang_param_get("slice_ms"));
	EXPECT_EQ(150, gang_param_get("switch_us"));
	EXPECT_EQ(2000, gang_param_get("starve_ms"));
	EXPECT_EQ(50, gang_param_get("park_grace_ms"));
	EXPECT_EQ(64, gang_param_get("user_max_gangs"));
	EXPECT_EQ(0, gang_param_get("unpriv_cosched"));
	/* read-only after load */
	EXPECT_NE(0, gang_param_set("fake_gpus", "4"));
}

TEST_F(gpu, a_running_gang_shows_as_the_holder_of_its_gpus)
{
	struct strata_gang_gpu gpus[STRATA_GANG_MAX_GPUS];
	struct strata_gang_status st;
	struct strata_gang_step step;
	__u64 koid, mask = 0;
	int i, n;
	__u32 h;

	ASSERT_EQ(0, gang_create(self->dev, self->table, 1, 3, &h));
	koid = gang_koid(self->table, h);
	ASSERT_EQ(0, gang_join(self->dev, self->table, h, NULL));
	ASSERT_EQ(0, gang_step(self->dev, self->table, h, 0, &step));
	ASSERT_EQ(3, step.nr_gpus);
	for (i = 0; i < 3; i++)
		mask |= 1ULL << step.gpus[i];
	n = gang_gpus(self->dev, gpus, STRATA_GANG_MAX_GPUS);
	ASSERT_EQ(GANG_NR_FAKE, n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(mask & (1ULL << i) ? koid : 0, gpus[i].gang_koid);
	ASSERT_EQ(0, gang_status(self->dev, &st));
	EXPECT_EQ(GANG_NR_FAKE - 3, st.free_gpus);
	EXPECT_EQ(1, st.running);
	EXPECT_EQ(1, st.gangs);

	ASSERT_EQ(0, gang_leave(self->dev, self->table, h));
	n = gang_gpus(self->dev, gpus, STRATA_GANG_MAX_GPUS);
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, gpus[i].gang_koid);
	EXPECT_EQ(0, strata_handle_close(self->table, h));
}

TEST_F(gpu, fake_gpu_stat_names_the_device)
{
	struct strata_fakegpu_stat st;
	int i, fd;

	for (i = 0; i < GANG_NR_FAKE; i++) {
		fd = fakegpu_open(i);
		ASSERT_LE(0, fd) TH_LOG("gpu%d", i);
		ASSERT_EQ(0, fakegpu_stat(fd, &st));
		EXPECT_EQ(i, st.id);
		EXPECT_EQ(0, st.ctx_completed);
		EXPECT_EQ(0, st.reserved[0]);
		close(fd);
	}
	EXPECT_EQ(-ENOENT, fakegpu_open(GANG_NR_FAKE));
}

TEST_F(gpu, run_with_wait_lasts_at_least_its_duration)
{
	struct strata_fakegpu_run r1, r2;
	__u64 before;

	self->fd[0] = fakegpu_open(2);
	ASSERT_LE(0, self->fd[0]);
	before = gang_now_ns();
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 3000, STRATA_FAKEGPU_RUN_WAIT,
				 &r1));
	EXPECT_EQ(1, r1.seq);
	EXPECT_LE(before, r1.start_ns);
	EXPECT_LE(r1.start_ns + 3000 * US, r1.end_ns);
	EXPECT_GE(gang_now_ns(), r1.end_ns);
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 1, STRATA_FAKEGPU_RUN_WAIT,
				 &r2));
	EXPECT_EQ(2, r2.seq);
	EXPECT_LE(r1.end_ns, r2.start_ns);
	EXPECT_LE(r2.start_ns + 1 * US, r2.end_ns);
}

TEST_F(gpu, busy_time_grows_by_the_durations)
{
	struct strata_gang_gpu gpus[STRATA_GANG_MAX_GPUS];
	struct strata_fakegpu_stat a, b;
	int i;

	self->fd[0] = fakegpu_open(3);
	ASSERT_LE(0, self->fd[0]);
	ASSERT_EQ(0, fakegpu_stat(self->fd[0], &a));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, fakegpu_run(self->fd[0], 2000,
					 STRATA_FAKEGPU_RUN_WAIT, NULL));
	ASSERT_EQ(0, fakegpu_stat(self->fd[0], &b));
	EXPECT_EQ(a.kernels + 5, b.kernels);
	EXPECT_EQ(5, b.ctx_completed);
	EXPECT_LE(a.busy_ns + 5 * 2000 * US, b.busy_ns);
	EXPECT_EQ(0, b.queued);
	/* GPUS reports the same counters */
	ASSERT_EQ(GANG_NR_FAKE, gang_gpus(self->dev, gpus,
					  STRATA_GANG_MAX_GPUS));
	EXPECT_EQ(b.kernels, gpus[3].kernels);
	EXPECT_EQ(b.busy_ns, gpus[3].busy_ns);
	EXPECT_EQ(b.switches, gpus[3].switches);
	EXPECT_EQ(b.switch_ns, gpus[3].switch_ns);
}

TEST_F(gpu, kernels_queued_without_wait_complete_by_sync)
{
	struct strata_fakegpu_run r;
	struct strata_fakegpu_stat st;
	int i;

	self->fd[0] = fakegpu_open(4);
	ASSERT_LE(0, self->fd[0]);
	for (i = 1; i <= 4; i++) {
		ASSERT_EQ(0, fakegpu_run(self->fd[0], 5000, 0, &r));
		EXPECT_EQ(i, r.seq);
	}
	ASSERT_EQ(0, fakegpu_sync(self->fd[0]));
	ASSERT_EQ(0, fakegpu_stat(self->fd[0], &st));
	EXPECT_EQ(4, st.ctx_completed);
	EXPECT_EQ(0, st.queued);
	/* the next one waits behind nothing */
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 100, STRATA_FAKEGPU_RUN_WAIT,
				 &r));
	EXPECT_EQ(5, r.seq);
}

TEST_F(gpu, contexts_taking_turns_pay_for_switches)
{
	struct strata_fakegpu_stat a, b, c;
	long switch_us = gang_param_get("switch_us");
	int i;

	ASSERT_LE(0, switch_us);
	self->fd[0] = fakegpu_open(5);
	self->fd[1] = fakegpu_open(5);
	ASSERT_LE(0, self->fd[0]);
	ASSERT_LE(0, self->fd[1]);

	/* one context back to back: no switch after the first kernel */
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 500, STRATA_FAKEGPU_RUN_WAIT,
				 NULL));
	ASSERT_EQ(0, fakegpu_stat(self->fd[0], &a));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, fakegpu_run(self->fd[0], 500,
					 STRATA_FAKEGPU_RUN_WAIT, NULL));
	ASSERT_EQ(0, fakegpu_stat(self->fd[0], &b));
	EXPECT_EQ(a.switches, b.switches);
	EXPECT_EQ(a.switch_ns, b.switch_ns);

	/* two contexts alternating: a switch before each kernel */
	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, fakegpu_run(self->fd[(i + 1) % 2], 500,
					 STRATA_FAKEGPU_RUN_WAIT, NULL));
	ASSERT_EQ(0, fakegpu_stat(self->fd[1], &c));
	EXPECT_EQ(b.switches + 6, c.switches);
	EXPECT_LE(b.switch_ns + 6 * switch_us * US, c.switch_ns);
	EXPECT_EQ(3, c.ctx_completed);
}

struct submitter {
	int fd;
	int n;
	int err;
	struct strata_fakegpu_run runs[8];
	pthread_t thread;
};

static void *submit(void *arg)
{
	struct submitter *s = arg;
	int i;

	for (i = 0; i < s->n && !s->err; i++)
		s->err = fakegpu_run(s->fd, 2000, STRATA_FAKEGPU_RUN_WAIT,
				     &s->runs[i]);
	return NULL;
}

TEST_F(gpu, a_gpu_runs_one_kernel_at_a_time)
{
	struct submitter s[2];
	int i, k, m;

	for (i = 0; i < 2; i++) {
		self->fd[i] = fakegpu_open(6);
		ASSERT_LE(0, self->fd[i]);
		memset(&s[i], 0, sizeof(s[i]));
		s[i].fd = self->fd[i];
		s[i].n = 8;
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&s[i].thread, NULL, submit, &s[i]));
	for (i = 0; i < 2; i++) {
		pthread_join(s[i].thread, NULL);
		ASSERT_EQ(0, s[i].err);
	}
	/* no two kernels' run times overlap */
	for (k = 0; k < 8; k++) {
		for (m = 0; m < 8; m++) {
			const struct strata_fakegpu_run *x = &s[0].runs[k];
			const struct strata_fakegpu_run *y = &s[1].runs[m];

			EXPECT_TRUE(x->end_ns <= y->start_ns ||
				    y->end_ns <= x->start_ns)
				TH_LOG("kernel %d of A and %d of B overlap",
				       k, m);
		}
	}
}

TEST_F(gpu, run_with_bad_arguments_is_einval)
{
	struct strata_fakegpu_run r;
	int bit;

	self->fd[0] = fakegpu_open(7);
	ASSERT_LE(0, self->fd[0]);
	EXPECT_EQ(-EINVAL, fakegpu_run(self->fd[0], 0, 0, NULL));
	EXPECT_EQ(-EINVAL, fakegpu_run(self->fd[0], STRATA_FAKEGPU_MAX_US + 1,
				       0, NULL));
	for (bit = 0; bit < 32; bit++) {
		if (STRATA_FAKEGPU_RUN_FLAGS & (1U << bit))
			continue;
		EXPECT_EQ(-EINVAL, fakegpu_run(self->fd[0], 10, 1U << bit,
					       NULL)) TH_LOG("flag bit %d", bit);
	}
	memset(&r, 0, sizeof(r));
	r.duration_us = 10;
	r.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd[0], STRATA_FAKEGPU_IOC_RUN, &r));
	/* outputs */
	memset(&r, 0, sizeof(r));
	r.duration_us = 10;
	r.seq = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd[0], STRATA_FAKEGPU_IOC_RUN, &r));
	memset(&r, 0, sizeof(r));
	r.duration_us = 10;
	r.end_ns = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd[0], STRATA_FAKEGPU_IOC_RUN, &r));
	/* nothing was queued by all that */
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 10, STRATA_FAKEGPU_RUN_WAIT,
				 &r));
	EXPECT_EQ(1, r.seq);
	/* and the scheduler's calls are not the GPU's */
	EXPECT_EQ(-ENOTTY, sys_ioctl(self->fd[0], STRATA_GANG_IOC_LIST, &r));
}

TEST_F(gpu, a_context_queues_at_most_its_limit)
{
	struct strata_fakegpu_stat st;
	int i, err = 0;

	self->fd[0] = fakegpu_open(1);
	ASSERT_LE(0, self->fd[0]);
	/* 10 ms kernels: the first ones cannot all complete meanwhile */
	for (i = 0; i < 400; i++) {
		err = fakegpu_run(self->fd[0], 10000, 0, NULL);
		if (err)
			break;
	}
	EXPECT_EQ(-EAGAIN, err);
	EXPECT_LE(STRATA_FAKEGPU_MAX_QUEUED, i);
	ASSERT_EQ(0, fakegpu_stat(self->fd[0], &st));
	EXPECT_GE(STRATA_FAKEGPU_MAX_QUEUED, st.queued);
	ASSERT_EQ(0, fakegpu_sync(self->fd[0]));
	ASSERT_EQ(0, fakegpu_stat(self->fd[0], &st));
	EXPECT_EQ(i, st.ctx_completed);
}

/*
 * WAIT: kernel @seq of the context completed.  @w is what WAIT returned,
 * @after a time taken once it returned.
 */
static bool wait_result_sane(const struct strata_fakegpu_wait *w, __u64 seq,
			     __u64 after)
{
	return w->seq == seq && w->completed >= seq && w->start_ns &&
	       w->start_ns <= w->end_ns && w->end_ns <= after &&
	       !w->flags && !w->pad && !w->reserved[0] && !w->reserved[1];
}

TEST_F(gpu, wait_returns_once_a_queued_kernel_completed)
{
	struct strata_fakegpu_run r;
	struct strata_fakegpu_wait w;
	__u64 before, after;

	self->fd[0] = fakegpu_open(0);
	ASSERT_LE(0, self->fd[0]);
	before = gang_now_ns();
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 50000, 0, &r));
	EXPECT_EQ(1, r.seq);
	/* no RUN_WAIT: no times */
	EXPECT_EQ(0, r.start_ns);
	EXPECT_EQ(0, r.end_ns);
	ASSERT_EQ(0, fakegpu_wait(self->fd[0], r.seq, &w));
	after = gang_now_ns();
	EXPECT_TRUE(wait_result_sane(&w, r.seq, after));
	EXPECT_EQ(1, w.completed);
	EXPECT_LE(before + 50000 * US, after);
	EXPECT_LE(before, w.start_ns);
	EXPECT_LE(w.start_ns + 50000 * US, w.end_ns);
	EXPECT_GE(after, w.end_ns);
}

TEST_F(gpu, wait_is_a_fence_for_one_kernel)
{
	struct strata_fakegpu_run a, b;
	struct strata_fakegpu_wait wa, wb;
	struct strata_fakegpu_stat st;
	__u64 before, after;

	self->fd[0] = fakegpu_open(1);
	ASSERT_LE(0, self->fd[0]);
	before = gang_now_ns();
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 30000, 0, &a));
	/* long enough to be still running when WAIT(a) returns */
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 300000, 0, &b));
	EXPECT_EQ(a.seq + 1, b.seq);

	ASSERT_EQ(0, fakegpu_wait(self->fd[0], a.seq, &wa));
	after = gang_now_ns();
	ASSERT_EQ(0, fakegpu_stat(self->fd[0], &st));
	EXPECT_TRUE(wait_result_sane(&wa, a.seq, after));
	/* A's completion, not B's: B is still on the device */
	EXPECT_EQ(a.seq, wa.completed);
	EXPECT_EQ(a.seq, st.ctx_completed);
	EXPECT_EQ(1, st.queued);
	EXPECT_LE(before, wa.start_ns);
	EXPECT_LE(wa.start_ns + 30000 * US, wa.end_ns);
	EXPECT_GT(wa.start_ns + 300000 * US, wa.end_ns);
	EXPECT_LE(before + 30000 * US, after);

	ASSERT_EQ(0, fakegpu_wait(self->fd[0], b.seq, &wb));
	after = gang_now_ns();
	EXPECT_TRUE(wait_result_sane(&wb, b.seq, after));
	EXPECT_EQ(b.seq, wb.completed);
	EXPECT_LE(wb.start_ns + 300000 * US, wb.end_ns);
	/* one kernel at a time, in submission order */
	EXPECT_LE(wa.end_ns, wb.start_ns);
	TH_LOG("B started %llu us after A ended",
	       (unsigned long long)(wb.start_ns - wa.end_ns) / US);
}

TEST_F(gpu, wait_for_a_completed_kernel_returns_at_once)
{
	struct strata_fakegpu_run r3;
	struct strata_fakegpu_wait w;
	__u64 seq, before, after;

	self->fd[0] = fakegpu_open(2);
	ASSERT_LE(0, self->fd[0]);
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 10000, 0, NULL));
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 10000, 0, NULL));
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 10000, STRATA_FAKEGPU_RUN_WAIT,
				 &r3));
	ASSERT_EQ(3, r3.seq);
	ASSERT_EQ(0, fakegpu_sync(self->fd[0]));

	for (seq = 1; seq <= 3; seq++) {
		before = gang_now_ns();
		ASSERT_EQ(0, fakegpu_wait(self->fd[0], seq, &w));
		after = gang_now_ns();
		EXPECT_GT(before + 1000 * GANG_MS, after)
			TH_LOG("seq %llu", (unsigned long long)seq);
		EXPECT_TRUE(wait_result_sane(&w, seq, after));
		/* every kernel completed: the times are the last one's */
		EXPECT_EQ(3, w.completed);
		EXPECT_EQ(r3.start_ns, w.start_ns);
		EXPECT_EQ(r3.end_ns, w.end_ns);
	}
}

TEST_F(gpu, wait_keeps_the_next_kernel_queued_behind_the_one_waited_for)
{
	struct strata_fakegpu_wait w, prev;
	struct strata_fakegpu_stat a, b;
	struct strata_fakegpu_run r;
	__u64 i, n = 6;

	self->fd[0] = fakegpu_open(3);
	ASSERT_LE(0, self->fd[0]);
	ASSERT_EQ(0, fakegpu_stat(self->fd[0], &a));
	memset(&prev, 0, sizeof(prev));
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 20000, 0, &r));
	for (i = 2; i <= n + 1; i++) {
		if (i <= n) {
			ASSERT_EQ(0, fakegpu_run(self->fd[0], 20000, 0, &r));
			EXPECT_EQ(i, r.seq);
		}
		ASSERT_EQ(0, fakegpu_wait(self->fd[0], i - 1, &w));
		EXPECT_TRUE(wait_result_sane(&w, i - 1, gang_now_ns()));
		EXPECT_LE(prev.completed, w.completed);
		EXPECT_LE(prev.end_ns, w.end_ns);
		if (w.completed > prev.completed)
			EXPECT_LE(prev.end_ns, w.start_ns);
		prev = w;
	}
	EXPECT_EQ(n, prev.completed);
	ASSERT_EQ(0, fakegpu_stat(self->fd[0], &b));
	EXPECT_EQ(n, b.ctx_completed);
	EXPECT_EQ(0, b.queued);
	EXPECT_EQ(a.kernels + n, b.kernels);
	EXPECT_LE(a.busy_ns + n * 20000 * US, b.busy_ns);
}

/* A raw WAIT with @w as it is: -EINVAL, and @w left as it was. */
static bool wait_refused(int fd, const struct strata_fakegpu_wait *w)
{
	struct strata_fakegpu_wait copy = *w;

	return sys_ioctl(fd, STRATA_FAKEGPU_IOC_WAIT, &copy) == -EINVAL &&
	       !memcmp(&copy, w, sizeof(copy));
}

TEST_F(gpu, wait_with_bad_arguments_is_einval)
{
	struct strata_fakegpu_wait w;
	struct strata_fakegpu_stat st;
	struct strata_fakegpu_run r;
	int bit;

	self->fd[0] = fakegpu_open(4);
	ASSERT_LE(0, self->fd[0]);
	/* nothing queued yet: no kernel to wait for */
	memset(&w, 0, sizeof(w));
	EXPECT_TRUE(wait_refused(self->fd[0], &w));
	w.seq = 1;
	EXPECT_TRUE(wait_refused(self->fd[0], &w));

	/* long enough that none of the below may wait for it */
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 500000, 0, &r));
	ASSERT_EQ(1, r.seq);
	memset(&w, 0, sizeof(w));
	EXPECT_TRUE(wait_refused(self->fd[0], &w));	/* seq 0 */
	w.seq = 2;
	EXPECT_TRUE(wait_refused(self->fd[0], &w));
	w.seq = ~0ULL;
	EXPECT_TRUE(wait_refused(self->fd[0], &w));

	/* a valid seq, but a nonzero input that must be zero */
	for (bit = 0; bit < 32; bit++) {
		memset(&w, 0, sizeof(w));
		w.seq = 1;
		w.flags = 1U << bit;
		EXPECT_TRUE(wait_refused(self->fd[0], &w)) TH_LOG("flag bit %d",
								  bit);
	}
	memset(&w, 0, sizeof(w));
	w.seq = 1;
	w.pad = 1;
	EXPECT_TRUE(wait_refused(self->fd[0], &w));
	memset(&w, 0, sizeof(w));
	w.seq = 1;
	w.reserved[0] = 1;
	EXPECT_TRUE(wait_refused(self->fd[0], &w));
	memset(&w, 0, sizeof(w));
	w.seq = 1;
	w.reserved[1] = 1ULL << 63;
	EXPECT_TRUE(wait_refused(self->fd[0], &w));
	/* outputs */
	memset(&w, 0, sizeof(w));
	w.seq = 1;
	w.completed = 1;
	EXPECT_TRUE(wait_refused(self->fd[0], &w));
	memset(&w, 0, sizeof(w));
	w.seq = 1;
	w.start_ns = 1;
	EXPECT_TRUE(wait_refused(self->fd[0], &w));
	memset(&w, 0, sizeof(w));
	w.seq = 1;
	w.end_ns = 1;
	EXPECT_TRUE(wait_refused(self->fd[0], &w));

	/* none of that waited for the kernel, nor queued or dropped one */
	ASSERT_EQ(0, fakegpu_stat(self->fd[0], &st));
	EXPECT_EQ(0, st.ctx_completed);
	EXPECT_EQ(1, st.queued);
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 10, 0, &r));
	EXPECT_EQ(2, r.seq);
	ASSERT_EQ(0, fakegpu_wait(self->fd[0], 2, &w));
	EXPECT_EQ(2, w.completed);
}

TEST_F(gpu, wait_with_a_bad_pointer_is_efault)
{
	struct strata_fakegpu_wait *w;
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	self->fd[0] = fakegpu_open(5);
	ASSERT_LE(0, self->fd[0]);
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 10000, STRATA_FAKEGPU_RUN_WAIT,
				 NULL));
	EXPECT_EQ(-EFAULT, sys_ioctl(self->fd[0], STRATA_FAKEGPU_IOC_WAIT,
				     NULL));
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap((char *)p + page, page));
	/* the struct runs off the end of the page, into a hole */
	w = (void *)((char *)p + page - sizeof(*w) / 2);
	memset(w, 0, sizeof(*w) / 2);
	EXPECT_EQ(-EFAULT, sys_ioctl(self->fd[0], STRATA_FAKEGPU_IOC_WAIT, w));
	/* readable but not writable: the results cannot be stored */
	w = p;
	memset(w, 0, sizeof(*w));
	w->seq = 1;
	ASSERT_EQ(0, mprotect(p, page, PROT_READ));
	EXPECT_EQ(-EFAULT, sys_ioctl(self->fd[0], STRATA_FAKEGPU_IOC_WAIT, w));
	ASSERT_EQ(0, munmap(p, page));
	EXPECT_EQ(-EFAULT, sys_ioctl(self->fd[0], STRATA_FAKEGPU_IOC_WAIT, p));
	/* the context is none the worse */
	EXPECT_EQ(0, fakegpu_wait(self->fd[0], 1, NULL));
}

static volatile sig_atomic_t wait_signals;

static void count_signal(int sig)
{
	wait_signals++;
}

struct waiter {
	int fd;
	int err;
	int done;
	pid_t tid;
	struct strata_fakegpu_wait w;
	pthread_t thread;
};

/* WAIT with @wt->w as the test set it up. */
static void *waiter_fn(void *arg)
{
	struct waiter *wt = arg;
	int err;

	GANG_STORE(&wt->tid, gettid());
	err = sys_ioctl(wt->fd, STRATA_FAKEGPU_IOC_WAIT, &wt->w);
	GANG_STORE(&wt->err, err);
	GANG_STORE(&wt->done, 1);
	return NULL;
}

/* Start @wt waiting for @seq on @fd, and wait until it sleeps. */
static bool waiter_start(struct waiter *wt, int fd, __u64 seq)
{
	memset(wt, 0, sizeof(*wt));
	wt->fd = fd;
	wt->w.seq = seq;
	if (pthread_create(&wt->thread, NULL, waiter_fn, wt))
		return false;
	return GANG_WAIT_UNTIL(GANG_LOAD(&wt->tid) &&
			       gang_task_state(getpid(),
					       GANG_LOAD(&wt->tid)) == 'S',
			       LIVE_MS);
}

static int catch_sigusr1(int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_signal;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL);
}

TEST_F(gpu, a_signal_interrupts_wait_and_changes_nothing)
{
	struct strata_fakegpu_wait zero;
	struct strata_fakegpu_stat st;
	struct strata_fakegpu_run r;
	struct waiter wt;
	__u64 after;

	ASSERT_EQ(0, catch_sigusr1(0));		/* no SA_RESTART */
	self->fd[0] = fakegpu_open(6);
	ASSERT_LE(0, self->fd[0]);
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 2000000, 0, &r));
	ASSERT_TRUE(waiter_start(&wt, self->fd[0], r.seq));
	EXPECT_EQ(0, GANG_LOAD(&wt.done));
	ASSERT_EQ(0, pthread_kill(wt.thread, SIGUSR1));
	EXPECT_TRUE(GANG_WAIT_UNTIL(GANG_LOAD(&wt.done), LIVE_MS));
	pthread_join(wt.thread, NULL);
	EXPECT_EQ(1, wait_signals);
	EXPECT_EQ(-EINTR, wt.err);
	/* nothing written back: the same struct can be passed again */
	memset(&zero, 0, sizeof(zero));
	zero.seq = r.seq;
	EXPECT_EQ(0, memcmp(&zero, &wt.w, sizeof(zero)));
	/* the kernel is still running, and the context still has it */
	ASSERT_EQ(0, fakegpu_stat(self->fd[0], &st));
	EXPECT_EQ(0, st.ctx_completed);
	EXPECT_EQ(1, st.queued);

	ASSERT_EQ(0, sys_ioctl(self->fd[0], STRATA_FAKEGPU_IOC_WAIT, &wt.w));
	after = gang_now_ns();
	EXPECT_TRUE(wait_result_sane(&wt.w, r.seq, after));
	EXPECT_EQ(1, wt.w.completed);
	EXPECT_LE(wt.w.start_ns + 2000000 * US, wt.w.end_ns);
}

TEST_F(gpu, a_wait_interrupted_with_sa_restart_goes_on_waiting)
{
	struct strata_fakegpu_run r;
	struct waiter wt;
	__u64 after;

	ASSERT_EQ(0, catch_sigusr1(SA_RESTART));
	self->fd[0] = fakegpu_open(7);
	ASSERT_LE(0, self->fd[0]);
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 500000, 0, &r));
	ASSERT_TRUE(waiter_start(&wt, self->fd[0], r.seq));
	ASSERT_EQ(0, pthread_kill(wt.thread, SIGUSR1));
	ASSERT_TRUE(GANG_WAIT_UNTIL(wait_signals == 1, LIVE_MS));
	EXPECT_TRUE(GANG_WAIT_UNTIL(GANG_LOAD(&wt.done), LIVE_MS));
	pthread_join(wt.thread, NULL);
	after = gang_now_ns();
	/* restarted, not failed: it returned when the kernel completed */
	EXPECT_EQ(0, wt.err);
	EXPECT_TRUE(wait_result_sane(&wt.w, r.seq, after));
	EXPECT_EQ(1, wt.w.completed);
	EXPECT_LE(wt.w.start_ns + 500000 * US, wt.w.end_ns);
}

TEST_F(gpu, waiters_for_different_kernels_wake_in_turn)
{
	struct strata_fakegpu_wait w;
	struct waiter wt;

	self->fd[0] = fakegpu_open(0);
	ASSERT_LE(0, self->fd[0]);
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 30000, 0, NULL));
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 300000, 0, NULL));
	ASSERT_TRUE(waiter_start(&wt, self->fd[0], 2));
	ASSERT_EQ(0, fakegpu_wait(self->fd[0], 1, &w));
	EXPECT_EQ(1, w.completed);
	/* the first kernel's completion does not end the wait for the 2nd */
	EXPECT_EQ(0, GANG_LOAD(&wt.done));
	EXPECT_TRUE(GANG_WAIT_UNTIL(GANG_LOAD(&wt.done), LIVE_MS));
	pthread_join(wt.thread, NULL);
	EXPECT_EQ(0, wt.err);
	EXPECT_EQ(2, wt.w.completed);
	EXPECT_LE(w.end_ns, wt.w.start_ns);
	EXPECT_LE(wt.w.start_ns + 300000 * US, wt.w.end_ns);
}

TEST_F(gpu, wait_sees_only_its_own_context)
{
	struct strata_fakegpu_wait w0, w1;
	struct strata_fakegpu_wait w;
	long switch_us = gang_param_get("switch_us");

	ASSERT_LE(0, switch_us);
	self->fd[0] = fakegpu_open(1);
	self->fd[1] = fakegpu_open(1);
	ASSERT_LE(0, self->fd[0]);
	ASSERT_LE(0, self->fd[1]);
	ASSERT_EQ(0, fakegpu_run(self->fd[0], 200000, 0, NULL));
	/* the other context queued nothing: seq 1 is not one of its own */
	memset(&w, 0, sizeof(w));
	w.seq = 1;
	EXPECT_TRUE(wait_refused(self->fd[1], &w));
	/* its own seq 1, behind the first context's kernel on the device */
	ASSERT_EQ(0, fakegpu_run(self->fd[1], 20000, 0, NULL));
	ASSERT_EQ(0, fakegpu_wait(self->fd[1], 1, &w1));
	EXPECT_EQ(1, w1.completed);
	ASSERT_EQ(0, fakegpu_wait(self->fd[0], 1, &w0));
	EXPECT_EQ(1, w0.completed);
	EXPECT_LE(w0.start_ns + 200000 * US, w0.end_ns);
	EXPECT_LE(w1.start_ns + 20000 * US, w1.end_ns);
	/* its kernel ran after the other's, and after a context switch */
	EXPECT_LE(w0.end_ns + switch_us * US, w1.start_ns);
	/* WAIT(2) is still not the other context's */
	memset(&w, 0, sizeof(w));
	w.seq = 2;
	EXPECT_TRUE(wait_refused(self->fd[1], &w));
}

TEST_HARNESS_MAIN

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

TEST_HARNESS_MAIN

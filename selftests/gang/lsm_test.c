// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - GPU device nodes belong to the gang that holds
 * the GPU (the gang_gpu BPF LSM program)
 *
 * With bpf/gang_gpu.bpf.c attached, opening /dev/strata/gpuN succeeds
 * only in the process of the member the GPU is assigned to, while its
 * gang runs; everybody else, root included, gets EPERM.  Files opened
 * while allowed stay usable, and other devices are not concerned.
 *
 * Each test attaches the program in its fixture (one program attaches
 * quickly); the end of the test's process detaches it.  Members are
 * "agents": a thread of the test, or a forked process with a table of its
 * own, that do what the test asks (JOIN, STEP, try to open every GPU, ...)
 * and report back through shared memory, so that each open is tried by
 * the member itself.  A forked process closes its copy of the program's
 * link at once: a copy left open would keep the program attached after
 * the test detaches it.
 */
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "common.h"
#include "gang_gpu.h"
#include "gang_gpu.skel.h"

#define NR_AGENTS	3
#define NR_GANGS	3
#define LIVE_MS		10000	/* liveness bound of every wait */
#define NR_GPUS		GANG_NR_FAKE

/* The program's link in the test process; forked agents close it. */
static int lsm_link_fd = -1;

/* ---- agents: members that act on request ------------------------------- */

enum agent_cmd {
	AGENT_JOIN = 1,	/* JOIN the gang */
	AGENT_STEP,	/* STEP (blocks until the gang runs) */
	AGENT_OPEN,	/* try to open every GPU; keep what opened */
	AGENT_RUN,	/* run a short kernel on every GPU file kept */
	AGENT_CLOSE,	/* close the GPU files kept */
	AGENT_LEAVE,	/* LEAVE */
};

/*
 * In shared memory: a forked agent writes where the test reads.  Agents
 * serve requests until the test's process ends.
 */
struct agent {
	/* thread: set before the start */
	__u32 handle;		/* the gang in the test's table */
	int dev, table;		/* the test's */
	/* requests: the test writes @cmd, then bumps @req */
	int cmd;
	int req;
	/* answers: the agent sets @ret, then @done = @req */
	int done;
	int ret;
	struct strata_gang_step step;	/* the latest successful STEP */
	int open_ret[NR_GPUS];		/* AGENT_OPEN: 0 or -errno per GPU */
	int run_ret[NR_GPUS];		/* AGENT_RUN: 0 or -errno per GPU */
	int setup_ret;			/* process: opening, importing */
	/* the agent's own */
	int fd[NR_GPUS];		/* GPU files kept, in its process */
};

static int agent_do(struct agent *a, int dev, int table, __u32 h, int cmd)
{
	struct strata_gang_step st;
	int i, fd, err = 0;

	switch (cmd) {
	case AGENT_JOIN:
		return gang_join(dev, table, h, NULL);
	case AGENT_STEP:
		do {
			err = gang_step(dev, table, h, 0, &st);
		} while (err == -EINTR);
		if (!err)
			a->step = st;
		return err;
	case AGENT_OPEN:
		for (i = 0; i < NR_GPUS; i++) {
			fd = fakegpu_open(i);
			a->open_ret[i] = fd < 0 ? fd : 0;
			if (fd >= 0 && a->fd[i] < 0)
				a->fd[i] = fd;
			else if (fd >= 0)
				close(fd);
		}
		return 0;
	case AGENT_RUN:
		for (i = 0; i < NR_GPUS; i++)
			a->run_ret[i] = a->fd[i] < 0 ? -EBADF :
				fakegpu_run(a->fd[i], 10,
					    STRATA_FAKEGPU_RUN_WAIT, NULL);
		return 0;
	case AGENT_CLOSE:
		for (i = 0; i < NR_GPUS; i++) {
			if (a->fd[i] >= 0)
				close(a->fd[i]);
			a->fd[i] = -1;
		}
		return 0;
	case AGENT_LEAVE:
		return gang_leave(dev, table, h);
	}
	return -EINVAL;
}

/* Serve requests, for good. */
static void agent_loop(struct agent *a, int dev, int table, __u32 h)
{
	int seen = 0, req;

	for (;;) {
		while ((req = GANG_LOAD(&a->req)) == seen)
			strata_sleep_ms(1);
		seen = req;
		a->ret = agent_do(a, dev, table, h, GANG_LOAD(&a->cmd));
		GANG_STORE(&a->done, req);
	}
}

static void *agent_thread(void *arg)
{
	struct agent *a = arg;

	agent_loop(a, a->dev, a->table, a->handle);
	return NULL;
}

static void agent_init(struct agent *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < NR_GPUS; i++)
		a->fd[i] = -1;
}

/* A thread of the test, to be a member of gang @h of the test's table. */
static int agent_start_thread(struct agent *a, int dev, int table, __u32 h)
{
	pthread_t thread;
	int err;

	agent_init(a);
	a->handle = h;
	a->dev = dev;
	a->table = table;
	err = pthread_create(&thread, NULL, agent_thread, a);
	if (err)
		return -err;
	pthread_detach(thread);
	return 0;
}

/*
 * A forked process, to be a member of gang @h through a duplicate that
 * it imports into a table of its own.  It dies with the test.
 */
static int agent_start_process(struct agent *a, int table, __u32 h)
{
	int err, own, dev, efd;
	__u32 dup, mine;
	pid_t pid;

	agent_init(a);
	err = strata_handle_duplicate(table, h, STRATA_RIGHT_SAME_RIGHTS, &dup);
	if (err)
		return err;
	efd = strata_handle_export(table, dup, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	if (efd < 0) {
		strata_handle_close(table, dup);
		return efd;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(efd);
		return err;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (lsm_link_fd >= 0)
			close(lsm_link_fd);
		own = strata_cap_open(O_CLOEXEC);
		dev = gang_open();
		err = own < 0 ? own : dev < 0 ? dev :
		      strata_handle_import(own, efd, &mine);
		if (err) {
			GANG_STORE(&a->setup_ret, err);
			_exit(2);
		}
		close(efd);
		agent_loop(a, dev, own, mine);
		_exit(0);
	}
	close(efd);
	return 0;
}

/* Ask @a to do @cmd; don't wait.  -EBUSY while a request is pending. */
static int agent_send(struct agent *a, int cmd)
{
	int req = GANG_LOAD(&a->req);

	if (GANG_LOAD(&a->done) != req)
		return -EBUSY;
	GANG_STORE(&a->cmd, cmd);
	GANG_STORE(&a->req, req + 1);
	return 0;
}

/* Wait (up to @ms) for the answer to the pending request: its result. */
static int agent_wait(struct agent *a, long ms)
{
	if (!GANG_WAIT_UNTIL(GANG_LOAD(&a->done) == GANG_LOAD(&a->req) ||
			     GANG_LOAD(&a->setup_ret), ms))
		return -ETIMEDOUT;
	if (a->setup_ret)
		return a->setup_ret;
	return a->ret;
}

static int agent_call(struct agent *a, int cmd)
{
	int err = agent_send(a, cmd);

	return err ? err : agent_wait(a, LIVE_MS);
}

/* The GPU ids of @a's latest STEP, as a mask. */
static __u64 agent_gpus(const struct agent *a)
{
	__u64 mask = 0;
	__u32 i;

	for (i = 0; i < a->step.nr_gpus && i < STRATA_GANG_MAX_GPUS_PER_MEMBER;
	     i++)
		mask |= 1ULL << a->step.gpus[i];
	return mask;
}

/* The GPUs whose open succeeded at @a's latest AGENT_OPEN, as a mask. */
static __u64 agent_opened(const struct agent *a)
{
	__u64 mask = 0;
	int i;

	for (i = 0; i < NR_GPUS; i++)
		if (!a->open_ret[i])
			mask |= 1ULL << i;
	return mask;
}

/* Whether every open of @a's latest AGENT_OPEN outside @allowed was EPERM. */
static bool agent_refused_all_but(const struct agent *a, __u64 allowed)
{
	int i;

	for (i = 0; i < NR_GPUS; i++)
		if (!(allowed & (1ULL << i)) && a->open_ret[i] != -EPERM)
			return false;
	return true;
}

/* ---- other processes ----------------------------------------------------- */

/* Open @path in a forked process that is no member: 0 or -errno. */
static int open_in_other_process(const char *path)
{
	int status, fd;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (lsm_link_fd >= 0)
			close(lsm_link_fd);
		fd = open(path, O_RDWR | O_CLOEXEC);
		_exit(fd < 0 ? (errno & 0x7f) : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return -WEXITSTATUS(status);
}

static char *gpu_path(char *buf, size_t size, __u32 id)
{
	snprintf(buf, size, STRATA_FAKEGPU_DEV_FMT, id);
	return buf;
}

/* ---- the fixture ----------------------------------------------------------- */

FIXTURE(gpu) {
	struct gang_gpu_bpf *skel;
	struct agent *agents;	/* NR_AGENTS, shared memory */
	__u32 h[NR_GANGS];
	int dev, table;
	char saved_policy[32];	/* sched_policy before the test */
};

FIXTURE_SETUP(gpu)
{
	struct strata_gang_status st;

	self->agents = mmap(NULL, NR_AGENTS * sizeof(*self->agents),
			    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			    -1, 0);
	ASSERT_NE(MAP_FAILED, self->agents);
	self->dev = gang_open();
	ASSERT_LE(0, self->dev);
	self->table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->table);
	ASSERT_TRUE(GANG_WAIT_UNTIL(gang_idle(self->dev), LIVE_MS))
		TH_LOG("a previous test left gangs or held GPUs");
	ASSERT_EQ(0, gang_status(self->dev, &st));
	ASSERT_EQ(NR_GPUS, st.nr_gpus);
	self->skel = gang_gpu_bpf__open_and_load();
	ASSERT_NE(NULL, self->skel)
		TH_LOG("cannot load gang_gpu (is \"bpf\" in lsm=?)");
	ASSERT_EQ(0, gang_gpu_bpf__attach(self->skel));
	lsm_link_fd = bpf_link__fd(self->skel->links.gang_gpu_file_open);
	/* Last: the teardown puts it back. Arrival order, no slices. */
	ASSERT_EQ(0, gang_param_str("sched_policy", self->saved_policy,
				    sizeof(self->saved_policy)));
	ASSERT_EQ(0, gang_param_set("sched_policy", "1"));
}

/*
 * In the harness's process, after the test's process has ended (also when
 * an ASSERT cut it short, which would skip a FIXTURE_TEARDOWN): its exit
 * detached the program, closed its table and gang handles, ended its
 * member threads, and its agent processes died with it.  What is left is
 * the module parameter, and making sure no gang outlives the test.
 */
FIXTURE_TEARDOWN_PARENT(gpu)
{
	int dev;

	EXPECT_EQ(0, gang_param_set("sched_policy", self->saved_policy));
	dev = gang_open();
	ASSERT_LE(0, dev);
	EXPECT_TRUE(GANG_WAIT_UNTIL(gang_idle(dev), LIVE_MS))
		TH_LOG("gangs outlived the test");
	close(dev);
}

static __u64 denied(FIXTURE_DATA(gpu) *self)
{
	return GANG_LOAD(&self->skel->bss->stats.denied);
}

/* Gang @g: @members members of @gpm GPUs each, FORMING. */
static int create(FIXTURE_DATA(gpu) *self, int g, __u32 members, __u32 gpm,
		  __u32 slice_ms)
{
	return gang_create_ex(self->dev, self->table, members, gpm, slice_ms,
			      STRATA_GANG_EXIT_ABORT, 0, &self->h[g]);
}

/* @a joins and STEPs: returns once its gang runs. */
static void join_and_step(struct __test_metadata *_metadata,
			  struct agent *a)
{
	ASSERT_EQ(0, agent_call(a, AGENT_JOIN));
	ASSERT_EQ(0, agent_call(a, AGENT_STEP));
}

/* ==== tests =============================================================== */

TEST_F(gpu, non_member_cannot_open_a_free_gpu)
{
	__u64 d0 = denied(self);
	int i;

	EXPECT_EQ(NR_GPUS, gang_free_gpus(self->dev));
	for (i = 0; i < NR_GPUS; i++)
		EXPECT_EQ(-EPERM, fakegpu_open(i)) TH_LOG("gpu%d", i);
	EXPECT_EQ(d0 + NR_GPUS, denied(self));
}

TEST_F_TIMEOUT(gpu, member_opens_exactly_the_gpus_step_gave_it, 60)
{
	struct agent *a = &self->agents[0];
	__u64 mine;
	int i;

	ASSERT_EQ(0, create(self, 0, 1, 3, 0));
	ASSERT_EQ(0, agent_start_thread(a, self->dev, self->table,
					self->h[0]));
	join_and_step(_metadata, a);
	ASSERT_EQ(3, a->step.nr_gpus);
	mine = agent_gpus(a);
	ASSERT_EQ(3, gang_popcount(mine));

	ASSERT_EQ(0, agent_call(a, AGENT_OPEN));
	EXPECT_EQ(mine, agent_opened(a));
	EXPECT_TRUE(agent_refused_all_but(a, mine));
	/* What it opened is a working GPU context. */
	ASSERT_EQ(0, agent_call(a, AGENT_RUN));
	for (i = 0; i < NR_GPUS; i++)
		if (mine & (1ULL << i))
			EXPECT_EQ(0, a->run_ret[i]) TH_LOG("gpu%d", i);
	ASSERT_EQ(0, agent_call(a, AGENT_CLOSE));
	ASSERT_EQ(0, agent_call(a, AGENT_LEAVE));
}

/* Two member processes of one gang: each has its own GPUs only. */
TEST_F_TIMEOUT(gpu, members_cannot_open_each_others_gpus, 60)
{
	struct agent *a = &self->agents[0], *b = &self->agents[1];
	__u64 d0 = denied(self), ga, gb;

	ASSERT_EQ(0, create(self, 0, 2, 2, 0));
	ASSERT_EQ(0, agent_start_process(a, self->table, self->h[0]));
	ASSERT_EQ(0, agent_start_process(b, self->table, self->h[0]));
	ASSERT_EQ(0, agent_call(a, AGENT_JOIN));
	ASSERT_EQ(0, agent_call(b, AGENT_JOIN));
	ASSERT_EQ(0, agent_call(a, AGENT_STEP));
	ASSERT_EQ(0, agent_call(b, AGENT_STEP));
	ga = agent_gpus(a);
	gb = agent_gpus(b);
	ASSERT_EQ(2, gang_popcount(ga));
	ASSERT_EQ(2, gang_popcount(gb));
	ASSERT_EQ(0, ga & gb);

	ASSERT_EQ(0, agent_call(a, AGENT_OPEN));
	ASSERT_EQ(0, agent_call(b, AGENT_OPEN));
	EXPECT_EQ(ga, agent_opened(a));
	EXPECT_EQ(gb, agent_opened(b));
	EXPECT_TRUE(agent_refused_all_but(a, ga));
	EXPECT_TRUE(agent_refused_all_but(b, gb));
	/* The test process is no member: it gets none of them. */
	EXPECT_EQ(-EPERM, fakegpu_open(__builtin_ctzll(ga)));
	EXPECT_EQ(-EPERM, fakegpu_open(__builtin_ctzll(gb)));
	EXPECT_EQ(d0 + 2 * (NR_GPUS - 2) + 2, denied(self));

	ASSERT_EQ(0, agent_call(a, AGENT_LEAVE));
	ASSERT_EQ(0, agent_call(b, AGENT_LEAVE));
	EXPECT_TRUE(gang_wait_state(self->dev, self->table, self->h[0],
				    STRATA_GANG_DONE, LIVE_MS));
}

/*
 * Only the member's process: a sibling thread of the member may open its
 * GPU (the rule is per process), a forked child of that process may not.
 */
TEST_F_TIMEOUT(gpu, only_the_members_process_can_open_a_held_gpu, 60)
{
	struct agent *a = &self->agents[0];
	char path[64];
	__u32 id;
	int fd;

	ASSERT_EQ(0, create(self, 0, 1, 1, 0));
	ASSERT_EQ(0, agent_start_thread(a, self->dev, self->table,
					self->h[0]));
	join_and_step(_metadata, a);
	id = a->step.gpus[0];
	gpu_path(path, sizeof(path), id);

	EXPECT_EQ(-EPERM, open_in_other_process(path));
	fd = fakegpu_open(id);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	/* Held or free, another GPU is still no one else's. */
	EXPECT_EQ(-EPERM, open_in_other_process(gpu_path(path, sizeof(path),
							 (id + 1) % NR_GPUS)));
	ASSERT_EQ(0, agent_call(a, AGENT_LEAVE));
}

TEST_F_TIMEOUT(gpu, member_cannot_open_after_leave_but_keeps_its_open_files,
	       60)
{
	struct agent *a = &self->agents[0];
	__u64 mine, d0;
	int i;

	ASSERT_EQ(0, create(self, 0, 1, 2, 0));
	ASSERT_EQ(0, agent_start_thread(a, self->dev, self->table,
					self->h[0]));
	join_and_step(_metadata, a);
	mine = agent_gpus(a);
	ASSERT_EQ(0, agent_call(a, AGENT_OPEN));
	ASSERT_EQ(mine, agent_opened(a));

	ASSERT_EQ(0, agent_call(a, AGENT_LEAVE));
	ASSERT_TRUE(gang_wait_state(self->dev, self->table, self->h[0],
				    STRATA_GANG_DONE, LIVE_MS));
	d0 = denied(self);
	ASSERT_EQ(0, agent_call(a, AGENT_OPEN));
	EXPECT_EQ(0, agent_opened(a));
	EXPECT_TRUE(agent_refused_all_but(a, 0));
	EXPECT_EQ(d0 + NR_GPUS, denied(self));
	/* Only opens are checked: the files it had still work. */
	ASSERT_EQ(0, agent_call(a, AGENT_RUN));
	for (i = 0; i < NR_GPUS; i++)
		if (mine & (1ULL << i))
			EXPECT_EQ(0, a->run_ret[i]) TH_LOG("gpu%d", i);
}

/*
 * Under LAS, gang A (a member process, short slices) runs on every GPU;
 * gang B (a member thread of the test, a long slice) queues for all of
 * them and takes them at the end of A's slice.  A's member can open
 * nothing then, and its GPUs again once A runs again.
 */
TEST_F_TIMEOUT(gpu, preempted_member_cannot_open_until_its_gang_runs_again,
	       120)
{
	struct agent *a = &self->agents[0], *b = &self->agents[1];
	struct strata_gang_info info;
	__u64 all = (1ULL << NR_GPUS) - 1;

	ASSERT_EQ(0, gang_param_set("sched_policy", "0"));
	ASSERT_EQ(0, create(self, 0, 1, NR_GPUS, 20));
	ASSERT_EQ(0, create(self, 1, 1, NR_GPUS, GANG_LONG_SLICE));
	ASSERT_EQ(0, agent_start_process(a, self->table, self->h[0]));
	ASSERT_EQ(0, agent_start_thread(b, self->dev, self->table,
					self->h[1]));
	join_and_step(_metadata, a);
	ASSERT_EQ(0, agent_call(a, AGENT_OPEN));
	EXPECT_EQ(all, agent_opened(a));
	ASSERT_EQ(0, agent_call(a, AGENT_CLOSE));

	/* B queues; A's slice ends and B, with nothing attained, runs. */
	ASSERT_EQ(0, agent_call(b, AGENT_JOIN));
	ASSERT_EQ(0, agent_call(b, AGENT_STEP));
	ASSERT_EQ(0, gang_info(self->dev, self->table, self->h[0], &info));
	EXPECT_EQ(STRATA_GANG_QUEUED, info.state);
	EXPECT_LE(1, info.preemptions);

	ASSERT_EQ(0, agent_call(a, AGENT_OPEN));
	EXPECT_EQ(0, agent_opened(a));
	EXPECT_TRUE(agent_refused_all_but(a, 0));
	/* B's member has them now. */
	ASSERT_EQ(0, agent_call(b, AGENT_OPEN));
	EXPECT_EQ(all, agent_opened(b));
	ASSERT_EQ(0, agent_call(b, AGENT_CLOSE));

	/* B ends: A runs again, and its member has its GPUs back. */
	ASSERT_EQ(0, agent_call(b, AGENT_LEAVE));
	ASSERT_EQ(0, agent_call(a, AGENT_STEP));
	ASSERT_EQ(0, agent_call(a, AGENT_OPEN));
	EXPECT_EQ(agent_gpus(a), agent_opened(a));
	EXPECT_EQ(all, agent_opened(a));
	ASSERT_EQ(0, agent_call(a, AGENT_CLOSE));
	ASSERT_EQ(0, agent_call(a, AGENT_LEAVE));
}

TEST_F_TIMEOUT(gpu, other_character_devices_are_not_affected, 60)
{
	static const char *const paths[] = {
		"/dev/null", "/dev/zero", "/dev/urandom", STRATA_GANG_DEV,
	};
	struct agent *a = &self->agents[0];
	__u64 d0;
	size_t i;
	int fd;

	/* Also while a gang holds GPUs, and for a process of no member. */
	ASSERT_EQ(0, create(self, 0, 1, 1, 0));
	ASSERT_EQ(0, agent_start_thread(a, self->dev, self->table,
					self->h[0]));
	join_and_step(_metadata, a);
	d0 = denied(self);
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		fd = open(paths[i], O_RDWR | O_CLOEXEC);
		EXPECT_LE(0, fd) TH_LOG("%s: %s", paths[i], strerror(errno));
		if (fd >= 0)
			close(fd);
		EXPECT_EQ(0, open_in_other_process(paths[i]))
			TH_LOG("%s", paths[i]);
	}
	EXPECT_EQ(d0, denied(self));
	ASSERT_EQ(0, agent_call(a, AGENT_LEAVE));
}

TEST_F_TIMEOUT(gpu, each_refusal_is_counted_with_who_and_which_device, 60)
{
	const struct gang_gpu_event *ev;
	struct strata_gang_gpu gpus[NR_GPUS];
	char comm[32], path[64];
	struct stat st;
	__u64 d0 = denied(self);

	ASSERT_EQ(NR_GPUS, gang_gpus(self->dev, gpus, NR_GPUS));
	ASSERT_EQ(0, stat(gpu_path(path, sizeof(path), 5), &st));
	ASSERT_EQ(0, strata_read_str("/proc/thread-self/comm", comm,
				   sizeof(comm)));

	ASSERT_EQ(-EPERM, fakegpu_open(5));
	ASSERT_EQ(d0 + 1, denied(self));
	ev = &self->skel->bss->stats.recent[d0 % GANG_GPU_RECENT];
	EXPECT_EQ(-EPERM, ev->err);
	EXPECT_EQ(getpid(), ev->tgid);
	EXPECT_EQ(gettid(), ev->pid);
	EXPECT_EQ((__u32)st.st_rdev, ev->dev);
	EXPECT_EQ(gpus[5].dev, ev->dev);
	EXPECT_EQ(0, strncmp(comm, ev->comm, sizeof(ev->comm)));
	EXPECT_GE(gang_now_ns(), ev->time_ns);

	/* A refusal in another process is counted too. */
	EXPECT_EQ(-EPERM, open_in_other_process(path));
	EXPECT_EQ(d0 + 2, denied(self));
	ev = &self->skel->bss->stats.recent[(d0 + 1) % GANG_GPU_RECENT];
	EXPECT_NE(getpid(), ev->tgid);
	EXPECT_EQ(gpus[5].dev, ev->dev);
}

TEST_F_TIMEOUT(gpu, detached_program_refuses_nothing, 60)
{
	struct agent *a = &self->agents[0];
	char path[64];
	__u64 d0;
	int fd, i;

	ASSERT_EQ(0, create(self, 0, 1, 1, 0));
	ASSERT_EQ(0, agent_start_thread(a, self->dev, self->table,
					self->h[0]));
	join_and_step(_metadata, a);
	gpu_path(path, sizeof(path), a->step.gpus[0]);
	ASSERT_EQ(-EPERM, open_in_other_process(path));

	gang_gpu_bpf__detach(self->skel);
	lsm_link_fd = -1;
	d0 = denied(self);
	/* Free GPUs, to the test process ... */
	for (i = 0; i < NR_GPUS; i++) {
		if (i == (int)a->step.gpus[0])
			continue;
		fd = fakegpu_open(i);
		EXPECT_LE(0, fd) TH_LOG("gpu%d: %s", i, strerror(-fd));
		if (fd >= 0)
			close(fd);
	}
	/* ... and a held one, to a process of no member. */
	EXPECT_EQ(0, open_in_other_process(path));
	EXPECT_EQ(d0, denied(self));
	ASSERT_EQ(0, agent_call(a, AGENT_LEAVE));
}

TEST_HARNESS_MAIN

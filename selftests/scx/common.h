/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata selftests - helpers shared by the tests of strata_gang's sched_ext
 * scheduler (bpf/scx/gang_scx.bpf.c)
 *
 * The tests run as root on the sched_ext test kernel (scripts/vm-run
 * --kernel scx) with strata_cap and strata_gang fake_gpus=8 of
 * build/scx/mod loaded and no sched_ext scheduler attached.  Each test
 * loads the scheduler through its skeleton itself, not through the loader,
 * so that it can read the counters and the exit info and set the fault
 * injection flags, and destroys it.  The gang helpers are the gang area's
 * (../gang/common.h).
 *
 * Every test leaves no gang, no scheduler and no CPU offline behind, also
 * when an ASSERT cuts it short: struct scx_env's teardown runs in the
 * harness's process (FIXTURE_TEARDOWN_PARENT) after the test's process
 * has ended, whose exit detached the scheduler (its link), aborted its
 * gangs (their last handles) and killed its member processes; it checks
 * that, falls back to SysRq-S for a scheduler that stayed, onlines every
 * CPU and puts the module parameters back.
 *
 * Groups of helpers:
 *   the scheduler   scx_load(), scx_attach(), scx_detach(), scx_destroy(),
 *                   scx_stat(), scx_exit_kind(), scx_exit_kind_of()
 *   sched_ext       scx_state_is(), scx_root_ops_is(), scx_bpftool_lists(),
 *                   scx_sysrq_disable()
 *   strata_gang     scx_gang_mode(), scx_gang_all_free()
 *   CPU hotplug     scx_cpu_online(), scx_cpu_set_online(),
 *                   scx_all_online(), scx_online_all(), scx_hotplug_cpu()
 *   members         struct scx_member: a member thread that STEPs until
 *                   told to stop and samples its policy and CPU each time
 *   the fixture     struct scx_env, scx_env_setup(), scx_env_attach(),
 *                   scx_env_cosched(), scx_env_jobs(), scx_env_jobs_free(),
 *                   scx_env_teardown()
 */
#ifndef _STRATA_SELFTESTS_SCX_COMMON_H
#define _STRATA_SELFTESTS_SCX_COMMON_H

#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <sched.h>

#include "../gang/common.h"

/* tools/sched_ext's headers: u64 & co. for the skeleton, the exit info */
#include <scx/common.h>

#include "gang_scx.h"
#include "gang_scx.skel.h"

#ifndef SCHED_EXT
#define SCHED_EXT		7
#endif

#define SCX_LIVE_MS		10000
#define SCX_SYSFS		"/sys/kernel/sched_ext/"
#define SCX_CPU_SYSFS		"/sys/devices/system/cpu/"
/* A member while the scheduler is attached, and in stock mode. */
#define SCX_MEMBER_EXT		(SCHED_EXT | SCHED_RESET_ON_FORK)
#define SCX_MEMBER_FIFO		(SCHED_FIFO | SCHED_RESET_ON_FORK)

/* ---- the scheduler ----------------------------------------------------- */

/*
 * Open gang_scx with a watchdog timeout of @timeout_ms (0: sched_ext's
 * default) and load it.  NULL on failure, with errno set.
 */
static inline struct gang_scx_bpf *scx_load(__u32 timeout_ms)
{
	struct gang_scx_bpf *skel;
	int err;

	skel = gang_scx_bpf__open();
	if (!skel)
		return NULL;
	if (timeout_ms)
		skel->struct_ops.gang_scx_ops->timeout_ms = timeout_ms;
	UEI_SET_SIZE(skel, gang_scx_ops, uei);
	err = gang_scx_bpf__load(skel);
	if (err) {
		gang_scx_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

/* Attach @skel's scheduler: sched_ext enables it.  0 or -errno. */
static inline int scx_attach(struct gang_scx_bpf *skel,
			     struct bpf_link **link)
{
	*link = bpf_map__attach_struct_ops(skel->maps.gang_scx_ops);
	return *link ? 0 : -errno;
}

/* Detach the scheduler: ops.exit has run when this returns. */
static inline void scx_detach(struct bpf_link **link)
{
	if (*link)
		bpf_link__destroy(*link);
	*link = NULL;
}

static inline void scx_destroy(struct gang_scx_bpf **skel,
			       struct bpf_link **link)
{
	scx_detach(link);
	if (*skel)
		gang_scx_bpf__destroy(*skel);
	*skel = NULL;
}

/* Counter @idx (enum gang_scx_stat). */
static inline __u64 scx_stat(const struct gang_scx_bpf *skel, int idx)
{
	return __atomic_load_n(&skel->bss->stats[idx], __ATOMIC_RELAXED);
}

/* The exit kind ops.exit recorded (enum scx_exit_kind); 0 before. */
static inline int scx_exit_kind(const struct gang_scx_bpf *skel)
{
	return __atomic_load_n(&skel->data->uei.kind, __ATOMIC_ACQUIRE);
}

/* The value of SCX_EXIT_* @name in the kernel's BTF, or 0. */
static inline int scx_exit_kind_of(const char *name)
{
	return (int)__COMPAT_ENUM_OR_ZERO("scx_exit_kind", name);
}

/* ---- sched_ext --------------------------------------------------------- */

static inline bool scx_sysfs_is(const char *file, const char *want)
{
	char buf[128];

	return !strata_read_str(file, buf, sizeof(buf)) && !strcmp(buf, want);
}

/* /sys/kernel/sched_ext/state is @state: "enabled", "disabled", ... */
static inline bool scx_state_is(const char *state)
{
	return scx_sysfs_is(SCX_SYSFS "state", state);
}

/* The attached scheduler's name is @name. */
static inline bool scx_root_ops_is(const char *name)
{
	return scx_sysfs_is(SCX_SYSFS "root/ops", name);
}

/*
 * Does "$STRATA_BPFTOOL struct_ops list" list the sched_ext_ops map
 * @map?  1 or 0; -1 when STRATA_BPFTOOL is not set or bpftool fails.
 */
static inline int scx_bpftool_lists(const char *map)
{
	const char *bpftool = getenv("STRATA_BPFTOOL");
	char cmd[PATH_MAX + 64], line[256], name[64], type[64];
	int found = 0, id;
	FILE *f;

	if (!bpftool || !*bpftool)
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s' struct_ops list 2>/dev/null",
		 bpftool);
	fflush(stdout);
	f = popen(cmd, "re");
	if (!f)
		return -1;
	/* "ID: NAME  TYPE" per map */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d: %63s %63s", &id, name, type) == 3 &&
		    !strcmp(name, map) && !strcmp(type, "sched_ext_ops"))
			found = 1;
	if (pclose(f))
		return -1;
	return found;
}

/* SysRq-S: sched_ext disables whatever scheduler is attached. */
static inline int scx_sysrq_disable(void)
{
	return strata_write_str("/proc/sysrq-trigger", "S");
}

/* ---- strata_gang ------------------------------------------------------- */

/* STATUS.mode (enum strata_gang_mode), or -errno. */
static inline int scx_gang_mode(int dev)
{
	struct strata_gang_status st;
	int err = gang_status(dev, &st);

	return err ? err : (int)st.mode;
}

/* Every GPU and every pool CPU is free, no gang runs. */
static inline bool scx_gang_all_free(int dev)
{
	struct strata_gang_status st;

	return !gang_status(dev, &st) && st.free_gpus == st.nr_gpus &&
	       st.free_cpus == st.nr_cpus && !st.running;
}

/* ---- CPU hotplug ------------------------------------------------------- */

static inline const char *scx_cpu_online_path(int cpu, char *buf,
					      size_t size)
{
	snprintf(buf, size, SCX_CPU_SYSFS "cpu%d/online", cpu);
	return buf;
}

/* 1 online, 0 offline, -1 no such hotpluggable CPU (e.g. CPU 0). */
static inline int scx_cpu_online(int cpu)
{
	char path[64];

	return (int)strata_read_long(scx_cpu_online_path(cpu, path,
							 sizeof(path)));
}

/* Take CPU @cpu offline or bring it back; 0 or -errno. */
static inline int scx_cpu_set_online(int cpu, bool online)
{
	char path[64];

	return strata_write_str(scx_cpu_online_path(cpu, path, sizeof(path)),
				online ? "1" : "0");
}

/* No CPU is offline. */
static inline bool scx_all_online(void)
{
	char buf[256];

	return !strata_read_str(SCX_CPU_SYSFS "offline", buf, sizeof(buf)) &&
	       !buf[0];
}

/* Bring every offline CPU (of 0..63) back; the number brought back. */
static inline int scx_online_all(void)
{
	int cpu, n = 0;

	for (cpu = 0; cpu < 64; cpu++)
		if (scx_cpu_online(cpu) == 0 && !scx_cpu_set_online(cpu, true))
			n++;
	return n;
}

/*
 * The highest online CPU of @pool that can go offline while another CPU
 * stays online, or -1.
 */
static inline int scx_hotplug_cpu(__u64 pool)
{
	int cpu, online = 0;

	for (cpu = 0; cpu < 64; cpu++)
		if (scx_cpu_online(cpu) != 0)
			online++;
	if (online < 2)
		return -1;
	for (cpu = 63; cpu > 0; cpu--)
		if ((pool & (1ULL << cpu)) && scx_cpu_online(cpu) == 1)
			return cpu;
	return -1;
}

/* ---- members ----------------------------------------------------------- */

/*
 * A member thread of the test: JOINs, then STEPs until @stop, sleeping a
 * millisecond between STEPs (so it wakes up, and is queued, each time),
 * and samples its own policy and CPU after each STEP; then LEAVEs.  A
 * failed STEP (-ECANCELED once the gang is aborted) ends it at once.
 * Read the results with GANG_LOAD().
 */
struct scx_member {
	int dev, table;
	__u32 handle;
	int stop;		/* set by the test */
	pthread_t thread;
	bool started;
	bool done;
	pid_t tid;
	int join_ret;
	int step_ret;		/* the STEP that failed, else 0 */
	int leave_ret;
	int cpu;		/* the CPU the first STEP gave it */
	int steps;		/* successful STEPs */
	int policy;		/* sched_getscheduler() after the latest */
	int ext_on_cpu;		/* STEPs it ended SCHED_EXT on @cpu */
	int ext_elsewhere;	/* ... SCHED_EXT on another CPU */
	int left_policy;	/* sched_getscheduler() after LEAVE */
};

static inline void *scx_member_thread(void *arg)
{
	struct scx_member *m = arg;
	struct strata_gang_step st;
	int err, policy, cpu;

	GANG_STORE(&m->tid, gettid());
	m->join_ret = gang_join(m->dev, m->table, m->handle, NULL);
	if (m->join_ret)
		goto out;
	while (!GANG_LOAD(&m->stop)) {
		err = gang_step(m->dev, m->table, m->handle, 0, &st);
		if (err == -EINTR || err == -EAGAIN)
			continue;
		if (err) {
			GANG_STORE(&m->step_ret, err);
			break;
		}
		policy = sched_getscheduler(0);
		cpu = sched_getcpu();
		if (!m->steps)
			m->cpu = st.cpu;
		if ((policy & ~SCHED_RESET_ON_FORK) == SCHED_EXT) {
			if (cpu == st.cpu)
				GANG_STORE(&m->ext_on_cpu, m->ext_on_cpu + 1);
			else
				GANG_STORE(&m->ext_elsewhere,
					   m->ext_elsewhere + 1);
		}
		GANG_STORE(&m->policy, policy);
		GANG_STORE(&m->steps, m->steps + 1);
		strata_sleep_ms(1);
	}
	if (!m->step_ret) {
		m->leave_ret = gang_leave(m->dev, m->table, m->handle);
		m->left_policy = sched_getscheduler(0);
	}
out:
	GANG_STORE(&m->done, true);
	return NULL;
}

/* Start @m as a member of gang @h of the test's @table.  0 or -errno. */
static inline int scx_member_start(struct scx_member *m, int dev, int table,
				   __u32 h)
{
	int err;

	memset(m, 0, sizeof(*m));
	m->dev = dev;
	m->table = table;
	m->handle = h;
	m->cpu = -1;
	err = pthread_create(&m->thread, NULL, scx_member_thread, m);
	if (err)
		return -err;
	m->started = true;
	return 0;
}

/* Wait (up to @ms) until @m took @n STEPs or more. */
static inline bool scx_member_wait_steps(struct scx_member *m, int n, long ms)
{
	return GANG_WAIT_UNTIL(GANG_LOAD(&m->steps) >= n, ms);
}

/*
 * Wait (up to @ms) until @m took @n more STEPs and the latest was taken
 * with @policy.
 */
static inline bool scx_member_steps_with(struct scx_member *m, int n,
					 int policy, long ms)
{
	int base = GANG_LOAD(&m->steps);

	return GANG_WAIT_UNTIL(GANG_LOAD(&m->steps) >= base + n &&
			       GANG_LOAD(&m->policy) == policy, ms);
}

/* Tell @m to stop and wait (up to @ms) for it to end.  0 or -ETIMEDOUT. */
static inline int scx_member_stop(struct scx_member *m, long ms)
{
	if (!m->started)
		return 0;
	GANG_STORE(&m->stop, 1);
	if (!GANG_WAIT_UNTIL(GANG_LOAD(&m->done), ms))
		return -ETIMEDOUT;
	pthread_join(m->thread, NULL);
	m->started = false;
	return 0;
}

/* ---- the fixture ------------------------------------------------------- */

/* The module parameters a test sets, and what they are set to. */
static const char *const scx_params[][2] = {
	{ "sched_policy", "0" },	/* LAS */
	{ "starve_ms", "3600000" },	/* no starvation in these tests */
	{ "park_grace_ms", "5000" },
};

#define SCX_NR_PARAMS	ARRAY_SIZE(scx_params)

#define SCX_MAX_MEMBERS	4

/*
 * The fixture of every test (in shared memory: FIXTURE_TEARDOWN_PARENT):
 * what it starts from, and what it holds.
 */
struct scx_env {
	int dev, table;
	struct strata_gang_status st0;	/* STATUS at the start */
	__u64 pool;			/* the module's CPU pool */
	char saved[SCX_NR_PARAMS][64];	/* the parameters before */
	pid_t test_pid;			/* the test's process */
	/* held by the test */
	struct gang_scx_bpf *skel;
	struct bpf_link *link;
	__u32 h;			/* a gang */
	struct scx_member members[SCX_MAX_MEMBERS];
	struct gang_job *jobs;		/* member processes */
	int nr_jobs;
};

/* @n member processes for @env's test (gang_jobs_new()); false if not. */
static inline bool scx_env_jobs(struct scx_env *env, int n)
{
	env->jobs = gang_jobs_new(n);
	env->nr_jobs = env->jobs ? n : 0;
	return env->jobs;
}

/* Stop and reap @env's member processes. */
static inline void scx_env_jobs_free(struct scx_env *env)
{
	gang_jobs_free(env->jobs, env->nr_jobs);
	env->jobs = NULL;
	env->nr_jobs = 0;
}

/*
 * The test's start: the sched_ext kernel, no scheduler attached, every
 * CPU online, strata_gang idle in stock mode.  Sets the parameters last:
 * the teardown only runs after a setup that completed.
 */
static inline void scx_env_setup(struct __test_metadata *_metadata,
				 struct scx_env *env)
{
	char cpus[128];
	size_t i;

	env->test_pid = getpid();
	ASSERT_EQ(0, access(SCX_SYSFS "state", F_OK))
		TH_LOG("not the sched_ext kernel (vm-run --kernel scx)");
	ASSERT_TRUE(STRATA_WAIT_UNTIL(scx_state_is("disabled"), SCX_LIVE_MS))
		TH_LOG("a sched_ext scheduler is attached");
	ASSERT_TRUE(scx_all_online()) TH_LOG("a CPU is offline");
	env->dev = gang_open();
	ASSERT_LE(0, env->dev);
	env->table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, env->table);
	ASSERT_TRUE(GANG_WAIT_UNTIL(gang_idle(env->dev), SCX_LIVE_MS))
		TH_LOG("a previous test left gangs or held GPUs");
	ASSERT_EQ(0, gang_status(env->dev, &env->st0));
	ASSERT_EQ(STRATA_GANG_MODE_STOCK, env->st0.mode);
	ASSERT_EQ(env->st0.nr_cpus, env->st0.free_cpus);
	env->pool = 0;
	if (!gang_param_str("cpus", cpus, sizeof(cpus)))
		env->pool = gang_cpulist_mask(cpus);
	if (!env->pool)
		env->pool = gang_affinity(0);
	for (i = 0; i < SCX_NR_PARAMS; i++)
		ASSERT_EQ(0, gang_param_str(scx_params[i][0], env->saved[i],
					    sizeof(env->saved[i])));
	for (i = 0; i < SCX_NR_PARAMS; i++)
		ASSERT_EQ(0, gang_param_set(scx_params[i][0],
					    scx_params[i][1]));
}

/*
 * Load the scheduler for @env's test with a watchdog timeout of
 * @timeout_ms (0: the default) and attach it: strata_gang is in scx mode.
 */
static inline void scx_env_attach(struct __test_metadata *_metadata,
				  struct scx_env *env, __u32 timeout_ms)
{
	env->skel = scx_load(timeout_ms);
	ASSERT_NE(NULL, env->skel)
		TH_LOG("cannot load gang_scx: %s", strerror(errno));
	ASSERT_EQ(0, scx_attach(env->skel, &env->link));
	ASSERT_TRUE(GANG_WAIT_UNTIL(scx_gang_mode(env->dev) ==
				    STRATA_GANG_MODE_SCX, SCX_LIVE_MS));
}

/* Create @env's gang: co-scheduled, @nr members of a GPU each. */
static inline void scx_env_cosched(struct __test_metadata *_metadata,
				   struct scx_env *env, __u32 nr)
{
	ASSERT_EQ(0, gang_create_ex(env->dev, env->table, nr, 1,
				    GANG_LONG_SLICE, STRATA_GANG_EXIT_ABORT,
				    STRATA_GANG_COSCHED, &env->h));
}

/*
 * Let go of what @env's test holds: the scheduler, its gang (aborted),
 * its member threads and processes.  Only in the test's own process.
 */
static inline void scx_env_release(struct scx_env *env)
{
	int i;

	scx_destroy(&env->skel, &env->link);
	if (env->h != STRATA_HANDLE_INVALID)
		gang_kill(env->dev, env->table, env->h);
	for (i = 0; i < SCX_MAX_MEMBERS; i++)
		if (scx_member_stop(&env->members[i], SCX_LIVE_MS))
			pthread_detach(env->members[i].thread);
	scx_env_jobs_free(env);
	gang_close_quiet(env->table, &env->h);
}

/*
 * Once the test has ended: no scheduler, every CPU online, strata_gang
 * idle and in stock mode, the parameters back.  Normally in the
 * harness's process, after the test's process has gone, whose exit let
 * go of everything it held (see the top of this file).  But after an
 * ASSERT's longjmp at -O2 the harness may take the test's process for
 * its own (the fork's result is clobbered) and run this there: then it
 * lets go of what the test holds first.
 */
static inline void scx_env_teardown(struct __test_metadata *_metadata,
				    struct scx_env *env)
{
	size_t i;
	int dev;

	if (getpid() == env->test_pid)
		scx_env_release(env);
	if (!STRATA_WAIT_UNTIL(scx_state_is("disabled"), SCX_LIVE_MS)) {
		TH_LOG("the scheduler outlived the test: SysRq-S");
		EXPECT_EQ(0, scx_sysrq_disable());
		EXPECT_TRUE(STRATA_WAIT_UNTIL(scx_state_is("disabled"),
					      SCX_LIVE_MS));
		_metadata->exit_code = KSFT_FAIL;
	}
	if (scx_online_all())
		TH_LOG("brought offline CPUs back");
	EXPECT_TRUE(scx_all_online());
	dev = gang_open();
	EXPECT_LE(0, dev);
	if (dev >= 0) {
		EXPECT_TRUE(GANG_WAIT_UNTIL(gang_idle(dev), SCX_LIVE_MS))
			TH_LOG("gangs outlived the test");
		EXPECT_TRUE(GANG_WAIT_UNTIL(scx_gang_mode(dev) ==
					    STRATA_GANG_MODE_STOCK,
					    SCX_LIVE_MS));
		close(dev);
	}
	for (i = 0; i < SCX_NR_PARAMS; i++)
		EXPECT_EQ(0, gang_param_set(scx_params[i][0], env->saved[i]));
}

#endif /* _STRATA_SELFTESTS_SCX_COMMON_H */

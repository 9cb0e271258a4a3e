/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata selftests - helpers shared by the strata_gang tests
 *
 * Everything here returns 0 (or a count) on success and a negative errno
 * on failure, like libstrata, unless it says otherwise.  The tests run as
 * root in the test VM (2 CPUs) with strata_cap loaded and strata_gang
 * loaded with fake_gpus=8: /dev/strata/gang and /dev/strata/gpu0..7.
 *
 * Groups of helpers:
 *   files and time      gang_now_ns(), GANG_WAIT_UNTIL(cond, ms); the
 *                       others are in ../strata_test.h
 *   module parameters   gang_param_get(), gang_param_push(),
 *                       gang_params_restore(): change them for one test
 *                       and put them back
 *   ioctls              gang_open(), gang_create(), gang_join(),
 *                       gang_step(), gang_leave(), gang_kill(),
 *                       gang_kill_id(), gang_set(), gang_info(),
 *                       gang_status(), gang_gpus(), gang_list(),
 *                       gang_listed()
 *   fake GPUs           fakegpu_open(), fakegpu_run(), fakegpu_wait(),
 *                       fakegpu_stat()
 *   members             struct gang_job: a member thread, or a member
 *                       process that imports the gang's handle, doing
 *                       JOIN, STEPs with kernels on its GPUs, LEAVE
 *   tasks               gang_task_state(): 'S', 'T', ... from /proc
 *   privileges          gang_as_nobody(): run a function as uid 65534
 *   module              gang_module_unload(), gang_module_load()
 */
#ifndef _STRATA_SELFTESTS_GANG_COMMON_H
#define _STRATA_SELFTESTS_GANG_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <strata.h>
#include "strata_test.h"
#include <strata/gang.h>

#define GANG_MODULE		"strata_gang"
#define GANG_PARAMS		"/sys/module/strata_gang/parameters/"
#define GANG_NR_FAKE		8	/* fake_gpus the runner loads with */
#define GANG_NOBODY		65534
#define GANG_MS			1000000ULL	/* ns in a millisecond */
#define GANG_LONG_SLICE		STRATA_GANG_MAX_SLICE_MS

#define GANG_LOAD(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define GANG_STORE(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)

/* ---- files and time -------------------------------------------------- */

/* Nanoseconds of CLOCK_MONOTONIC, the clock of every *_ns field. */
static inline __u64 gang_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}


/*
 * GANG_WAIT_UNTIL(cond, ms): evaluate @cond every 5 ms until it is true or
 * @ms milliseconds have passed; the value is the last evaluation.  Only
 * for liveness ("within N seconds"): never assert on how long it took.
 */
#define GANG_WAIT_UNTIL(cond, ms) STRATA_WAIT_UNTIL_STEP(cond, ms, 5)

/* Bits set in a CPU list such as "0-1,3" (CPUs 0..63), or 0 when malformed. */
static inline __u64 gang_cpulist_mask(const char *s)
{
	__u64 mask = 0;
	char *end;
	long a, b;

	while (*s) {
		a = strtol(s, &end, 10);
		if (end == s || a < 0 || a > 63)
			return 0;
		b = a;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1 || b < a || b > 63)
				return 0;
			s = end;
		}
		for (; a <= b; a++)
			mask |= 1ULL << a;
		if (*s == ',')
			s++;
		else if (*s)
			return 0;
	}
	return mask;
}

/* CPUs 0..63 of an affinity mask, as bits. */
static inline __u64 gang_cpuset_mask(const cpu_set_t *set)
{
	__u64 mask = 0;
	int i;

	for (i = 0; i < 64; i++)
		if (CPU_ISSET(i, set))
			mask |= 1ULL << i;
	return mask;
}

/* Affinity of thread @tid (0: the caller) as bits, or 0 on failure. */
static inline __u64 gang_affinity(pid_t tid)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (sched_getaffinity(tid, sizeof(set), &set))
		return 0;
	return gang_cpuset_mask(&set);
}

static inline int gang_popcount(__u64 mask)
{
	return __builtin_popcountll(mask);
}

/* ---- module parameters ------------------------------------------------ */

#define GANG_MAX_SAVED	16

struct gang_saved_param {
	char name[64];
	char old[64];
};

static struct gang_saved_param gang_saved[GANG_MAX_SAVED]
	__attribute__((unused));
static int gang_nr_saved __attribute__((unused));

static inline const char *gang_param_path(const char *name, char *buf,
					  size_t size)
{
	snprintf(buf, size, GANG_PARAMS "%s", name);
	return buf;
}

/*
 * The co-scheduling mode this pass of the tests runs in: run-tests sets
 * STRATA_GANG_MODE=scx when a sched_ext scheduler is attached for it.
 */
static inline __u32 gang_expected_mode(void)
{
	const char *m = getenv("STRATA_GANG_MODE");

	return m && !strcmp(m, "scx") ? STRATA_GANG_MODE_SCX :
					STRATA_GANG_MODE_STOCK;
}

#ifndef SCHED_EXT
#define SCHED_EXT 7
#endif

/*
 * What sched_getscheduler() says of a running co-scheduled member: the
 * SCHED_FIFO boost in stock mode, SCHED_EXT in scx mode; reset-on-fork
 * in both.
 */
static inline int gang_boost_policy(void)
{
	return (gang_expected_mode() == STRATA_GANG_MODE_SCX ? SCHED_EXT :
							       SCHED_FIFO) |
	       SCHED_RESET_ON_FORK;
}

/* Its sched_priority: 1 (SCHED_FIFO) or 0 (SCHED_EXT). */
static inline int gang_boost_prio(void)
{
	return gang_expected_mode() == STRATA_GANG_MODE_SCX ? 0 : 1;
}

/* Module parameter @name as a string in @buf; 0 or -errno. */
static inline int gang_param_str(const char *name, char *buf, size_t size)
{
	char path[128];

	return strata_read_str(gang_param_path(name, path, sizeof(path)), buf,
			     size);
}

/* Module parameter @name as a number (Y/N read as 1/0), or -1. */
static inline long gang_param_get(const char *name)
{
	char buf[64];

	if (gang_param_str(name, buf, sizeof(buf)))
		return -1;
	if (buf[0] == 'Y')
		return 1;
	if (buf[0] == 'N')
		return 0;
	return strtol(buf, NULL, 10);
}

/* Write @val to module parameter @name, not remembering it; 0 or -errno. */
static inline int gang_param_set(const char *name, const char *val)
{
	char path[128];

	return strata_write_str(gang_param_path(name, path, sizeof(path)), val);
}

/*
 * Write @val to module parameter @name, remembering the value it had
 * before (only the first time @name is pushed) for gang_params_restore().
 * 0 or -errno; on failure nothing is remembered.
 */
static inline int gang_param_push(const char *name, const char *val)
{
	struct gang_saved_param *s = NULL;
	char old[64];
	int i, err;

	for (i = 0; i < gang_nr_saved; i++)
		if (!strcmp(gang_saved[i].name, name))
			s = &gang_saved[i];
	if (!s) {
		if (gang_nr_saved == GANG_MAX_SAVED)
			return -ENOSPC;
		err = gang_param_str(name, old, sizeof(old));
		if (err)
			return err;
	}
	err = gang_param_set(name, val);
	if (err || s)
		return err;
	s = &gang_saved[gang_nr_saved++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->old, sizeof(s->old), "%s", old);
	return 0;
}

static inline int gang_param_push_long(const char *name, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return gang_param_push(name, buf);
}

/* Put back every pushed parameter, the last pushed first; forget them. */
static inline void gang_params_restore(void)
{
	while (gang_nr_saved > 0) {
		struct gang_saved_param *s = &gang_saved[--gang_nr_saved];

		gang_param_set(s->name, s->old);
	}
}

/* ---- ioctls ------------------------------------------------------------ */

/* Open STRATA_GANG_DEV read-write; the fd or -errno. */
static inline int gang_open(void)
{
	int fd = open(STRATA_GANG_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* A CREATE argument for @nr members of @gpm GPUs in @table, rest zero. */
static inline struct strata_gang_create gang_args(int table, __u32 nr,
						  __u32 gpm)
{
	struct strata_gang_create c;

	memset(&c, 0, sizeof(c));
	c.table_fd = table;
	c.nr_members = nr;
	c.gpus_per_member = gpm;
	return c;
}

/* CREATE with @c as it is; @c->handle and @c->koid are set on success. */
static inline int gang_create_args(int dev, struct strata_gang_create *c)
{
	return sys_ioctl(dev, STRATA_GANG_IOC_CREATE, c);
}

/* CREATE @nr members x @gpm GPUs, everything else default; handle in @h. */
static inline int gang_create(int dev, int table, __u32 nr, __u32 gpm,
			      __u32 *h)
{
	struct strata_gang_create c = gang_args(table, nr, gpm);
	int err = gang_create_args(dev, &c);

	if (!err && h)
		*h = c.handle;
	return err;
}

/* CREATE with a slice length, exit action and flags. */
static inline int gang_create_ex(int dev, int table, __u32 nr, __u32 gpm,
				 __u32 slice_ms, __u32 on_exit, __u32 flags,
				 __u32 *h)
{
	struct strata_gang_create c = gang_args(table, nr, gpm);
	int err;

	c.slice_ms = slice_ms;
	c.on_member_exit = on_exit;
	c.flags = flags;
	err = gang_create_args(dev, &c);
	if (!err && h)
		*h = c.handle;
	return err;
}

static inline int gang_ref_ioctl(int dev, unsigned long cmd, int table,
				 __u32 h, __u32 *member)
{
	struct strata_gang_ref ref = { .table_fd = table, .handle = h };
	int err = sys_ioctl(dev, cmd, &ref);

	if (!err && member)
		*member = ref.member;
	return err;
}

/* JOIN as the calling thread; its member index in @member (may be NULL). */
static inline int gang_join(int dev, int table, __u32 h, __u32 *member)
{
	return gang_ref_ioctl(dev, STRATA_GANG_IOC_JOIN, table, h, member);
}

static inline int gang_leave(int dev, int table, __u32 h)
{
	return gang_ref_ioctl(dev, STRATA_GANG_IOC_LEAVE, table, h, NULL);
}

static inline int gang_kill(int dev, int table, __u32 h)
{
	return gang_ref_ioctl(dev, STRATA_GANG_IOC_KILL, table, h, NULL);
}

/* KILL_ID with every field as given (needs CAP_SYS_ADMIN). */
static inline int gang_kill_id_raw(int dev, __u64 koid, __u32 flags,
				   __u32 reserved)
{
	struct strata_gang_kill_id k = {
		.koid = koid,
		.flags = flags,
		.reserved = reserved,
	};

	return sys_ioctl(dev, STRATA_GANG_IOC_KILL_ID, &k);
}

/* KILL_ID: abort the gang of koid @koid, no handle needed. */
static inline int gang_kill_id(int dev, __u64 koid)
{
	return gang_kill_id_raw(dev, koid, 0, 0);
}

/* STEP with @flags; the result in @out (may be NULL). */
static inline int gang_step(int dev, int table, __u32 h, __u32 flags,
			    struct strata_gang_step *out)
{
	struct strata_gang_step st;
	int err;

	memset(&st, 0, sizeof(st));
	st.table_fd = table;
	st.handle = h;
	st.flags = flags;
	err = sys_ioctl(dev, STRATA_GANG_IOC_STEP, &st);
	if (!err && out)
		*out = st;
	return err;
}

static inline int gang_set(int dev, int table, __u32 h, __u32 mask,
			   __u32 priority, __u32 slice_ms)
{
	struct strata_gang_set s = {
		.table_fd = table,
		.handle = h,
		.mask = mask,
		.priority = priority,
		.slice_ms = slice_ms,
	};

	return sys_ioctl(dev, STRATA_GANG_IOC_SET, &s);
}

static inline int gang_info(int dev, int table, __u32 h,
			    struct strata_gang_info *info)
{
	struct strata_gang_query q;
	int err;

	memset(&q, 0, sizeof(q));
	q.table_fd = table;
	q.handle = h;
	err = sys_ioctl(dev, STRATA_GANG_IOC_INFO, &q);
	if (!err)
		*info = q.info;
	return err;
}

/* The gang's state (enum strata_gang_state), or -errno. */
static inline int gang_state(int dev, int table, __u32 h)
{
	struct strata_gang_info info;
	int err = gang_info(dev, table, h, &info);

	return err ? err : (int)info.state;
}

static inline int gang_status(int dev, struct strata_gang_status *st)
{
	memset(st, 0, sizeof(*st));
	return sys_ioctl(dev, STRATA_GANG_IOC_STATUS, st);
}

/* STATUS.free_gpus, or -errno. */
static inline int gang_free_gpus(int dev)
{
	struct strata_gang_status st;
	int err = gang_status(dev, &st);

	return err ? err : (int)st.free_gpus;
}

/* STATUS.gangs, or -errno. */
static inline int gang_nr_gangs(int dev)
{
	struct strata_gang_status st;
	int err = gang_status(dev, &st);

	return err ? err : (int)st.gangs;
}

/* Nothing held, nothing live: every GPU free and no gang listed. */
static inline bool gang_idle(int dev)
{
	struct strata_gang_status st;

	return !gang_status(dev, &st) && st.free_gpus == st.nr_gpus &&
	       st.gangs == 0 && st.running == 0 && st.queued == 0;
}

/* GPUS into @gpus (room for @cap); the number of GPUs, or -errno. */
static inline int gang_gpus(int dev, struct strata_gang_gpu *gpus, __u32 cap)
{
	struct strata_gang_gpus g = {
		.gpus = (__u64)(unsigned long)gpus,
		.capacity = cap,
	};
	int err = sys_ioctl(dev, STRATA_GANG_IOC_GPUS, &g);

	return err ? err : (int)g.count;
}

/* LIST into @gangs (room for @cap); the number of live gangs, or -errno. */
static inline int gang_list(int dev, struct strata_gang_info *gangs,
			    __u32 cap)
{
	struct strata_gang_list l = {
		.gangs = (__u64)(unsigned long)gangs,
		.capacity = cap,
	};
	int err = sys_ioctl(dev, STRATA_GANG_IOC_LIST, &l);

	return err ? err : (int)l.count;
}

#define GANG_LIST_MAX	256

/* The LIST entry of @koid in @out: 1, 0 when not listed, or -errno. */
static inline int gang_listed(int dev, __u64 koid,
			      struct strata_gang_info *out)
{
	struct strata_gang_info *all;
	int n, i, found = 0;

	all = calloc(GANG_LIST_MAX, sizeof(*all));
	if (!all)
		return -ENOMEM;
	n = gang_list(dev, all, GANG_LIST_MAX);
	for (i = 0; i < n && i < (int)GANG_LIST_MAX; i++) {
		if (all[i].koid == koid) {
			if (out)
				*out = all[i];
			found = 1;
			break;
		}
	}
	free(all);
	return n < 0 ? n : found;
}

/* The koid of handle @h (HANDLE_INFO, needs no right), or 0. */
static inline __u64 gang_koid(int table, __u32 h)
{
	struct strata_cap_handle_info info;

	if (strata_handle_info(table, h, &info))
		return 0;
	return info.koid;
}

/* Wait (up to @ms) until the gang is in @state; whether it got there. */
static inline bool gang_wait_state(int dev, int table, __u32 h, int state,
				   long ms)
{
	return GANG_WAIT_UNTIL(gang_state(dev, table, h) == state, ms);
}

#define GANG_ALL_SIGNALS	(STRATA_GANG_SIGNAL_READY |		\
				 STRATA_GANG_SIGNAL_RUNNING |		\
				 STRATA_GANG_SIGNAL_DONE |		\
				 STRATA_GANG_SIGNAL_ABORTED)

/*
 * The gang signals of @h now (a WAIT_MANY with deadline 0 only polls), or
 * 0xdeadbeef when the wait is refused.
 */
static inline __u32 gang_signals(int table, __u32 h)
{
	__u32 pending = 0;
	int ret;

	ret = strata_object_wait_one(table, h, GANG_ALL_SIGNALS, 0, &pending);
	if (ret && ret != -ETIMEDOUT)
		return 0xdeadbeef;
	return pending & GANG_ALL_SIGNALS;
}

/* Handles in @table now, or ~0U when the table cannot be read. */
static inline __u32 gang_nr_handles(int table)
{
	struct strata_cap_table_info info;

	if (strata_cap_table_info(table, &info))
		return ~0U;
	return info.nr_handles;
}

/* Close @h when it is not STRATA_HANDLE_INVALID, and reset it. */
static inline void gang_close_quiet(int table, __u32 *h)
{
	if (*h != STRATA_HANDLE_INVALID)
		strata_handle_close(table, *h);
	*h = STRATA_HANDLE_INVALID;
}

/* ---- fake GPUs --------------------------------------------------------- */

/* Open /dev/strata/gpu@id: a new context; the fd or -errno. */
static inline int fakegpu_open(__u32 id)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), STRATA_FAKEGPU_DEV_FMT, id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* RUN a kernel of @us microseconds with @flags; the result in @out. */
static inline int fakegpu_run(int fd, __u64 us, __u32 flags,
			      struct strata_fakegpu_run *out)
{
	struct strata_fakegpu_run r;
	int err;

	memset(&r, 0, sizeof(r));
	r.duration_us = us;
	r.flags = flags;
	err = sys_ioctl(fd, STRATA_FAKEGPU_IOC_RUN, &r);
	if (!err && out)
		*out = r;
	return err;
}

/* WAIT for kernel @seq of the context; the result in @out. */
static inline int fakegpu_wait(int fd, __u64 seq,
			       struct strata_fakegpu_wait *out)
{
	struct strata_fakegpu_wait w;
	int err;

	memset(&w, 0, sizeof(w));
	w.seq = seq;
	err = sys_ioctl(fd, STRATA_FAKEGPU_IOC_WAIT, &w);
	if (!err && out)
		*out = w;
	return err;
}

static inline int fakegpu_stat(int fd, struct strata_fakegpu_stat *st)
{
	memset(st, 0, sizeof(*st));
	return sys_ioctl(fd, STRATA_FAKEGPU_IOC_STAT, st);
}

static inline int fakegpu_sync(int fd)
{
	return ioctl(fd, STRATA_FAKEGPU_IOC_SYNC) < 0 ? -errno : 0;
}

/* ---- tasks ---------------------------------------------------------- */

/*
 * State letter of thread @tid of process @pid ('R', 'S', 'D', 'T', ...),
 * from /proc/PID/task/TID/stat; '?' when it cannot be read.
 */
static inline char gang_task_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if (strata_read_str(path, buf, sizeof(buf)))
		return '?';
	p = strrchr(buf, ')');
	if (!p || !p[1] || !p[2])
		return '?';
	return p[2];
}

/* ---- members ------------------------------------------------------------ */

/* struct gang_job.phase */
enum {
	GANG_JOB_NEW,		/* not started */
	GANG_JOB_STARTED,	/* running, waiting for @go */
	GANG_JOB_JOINING,	/* in JOIN */
	GANG_JOB_JOINED,	/* JOIN succeeded */
	GANG_JOB_STEPPING,	/* in STEP (or just before it) */
	GANG_JOB_WORKING,	/* between STEPs: running kernels */
	GANG_JOB_HOLDING,	/* done stepping, waiting for @stop */
	GANG_JOB_DONE,		/* finished (left, or gave up) */
};

/*
 * One member: a thread of the test (it shares the test's handle table) or
 * a forked process (it opens a table of its own and imports the gang's
 * handle from an exported file).  It JOINs (once @go is set when @wait_go),
 * then takes STEPs, runs a kernel of @kernel_us on each of its GPUs after
 * each STEP, and LEAVEs.  Lives in shared memory (gang_jobs_new()), so a
 * process writes its results where the test reads them.
 */
struct gang_job {
	/* set before the start */
	__u32 handle;		/* thread: the gang in the test's table */
	int export_fd;		/* process: file of HANDLE_EXPORT, or -1 */
	int steps;		/* STEPs to take; 0: until @stop; < 0: none */
	__u32 step_flags;	/* STRATA_GANG_STEP_* */
	__u32 kernel_us;	/* kernel per GPU after each STEP; 0: none */
	bool wait_go;		/* JOIN only once @go is set */
	bool hold;		/* after the STEPs, wait for @stop */
	bool no_leave;		/* end without LEAVE (the member dies) */
	int dev, table;		/* thread: the test's gang fd and table */
	/* control, written by the test */
	int go;
	int stop;
	/* results */
	int phase;		/* GANG_JOB_* */
	pid_t pid;		/* process job: its pid, 0 once reaped */
	pid_t tid;
	int setup_ret;		/* process: opening, importing */
	int join_ret;
	int step_ret;		/* last STEP's */
	int kernel_ret;		/* first failed RUN's */
	int leave_ret;
	__u32 member;
	int steps_done;
	int slices_seen;	/* distinct slice numbers STEP returned */
	__u64 kernels;
	__u64 gpus_seen;	/* every GPU a STEP gave it */
	struct strata_gang_step first;	/* first successful STEP */
	struct strata_gang_step last;	/* latest successful STEP */
	__u64 step_affinity;	/* affinity right after the latest STEP */
	int step_policy;	/* sched_getscheduler() then */
	int step_prio;		/* its rt priority then */
	__u64 leave_affinity;	/* the same right after LEAVE */
	int leave_policy;
	int exit_status;	/* process: wait status once reaped */
	bool is_thread, reaped;
	pthread_t thread;
};

/* @n zeroed jobs in shared memory; NULL on failure. */
static inline struct gang_job *gang_jobs_new(int n)
{
	struct gang_job *jobs;
	int i;

	jobs = mmap(NULL, n * sizeof(*jobs), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (jobs == MAP_FAILED)
		return NULL;
	for (i = 0; i < n; i++)
		jobs[i].export_fd = -1;
	return jobs;
}

static inline void gang_job_phase(struct gang_job *j, int phase)
{
	GANG_STORE(&j->phase, phase);
}

/* Run a kernel on GPU @id (its context opened on first use). */
static inline int gang_job_kernel(struct gang_job *j, int *gpufd, __u32 id)
{
	int err;

	if (id >= STRATA_GANG_MAX_GPUS)
		return -ERANGE;
	if (gpufd[id] < 0) {
		gpufd[id] = fakegpu_open(id);
		if (gpufd[id] < 0)
			return gpufd[id];
	}
	err = fakegpu_run(gpufd[id], j->kernel_us, STRATA_FAKEGPU_RUN_WAIT,
			  NULL);
	if (!err)
		j->kernels++;
	return err;
}

static inline void gang_job_sched_sample(__u64 *affinity, int *policy,
					 int *prio)
{
	struct sched_param sp = { 0 };

	*affinity = gang_affinity(0);
	*policy = sched_getscheduler(0);
	if (prio) {
		sched_getparam(0, &sp);
		*prio = sp.sched_priority;
	}
}

/* What a member does, in whichever thread or process runs it. */
static inline void gang_job_body(struct gang_job *j, int dev, int table,
				 __u32 h)
{
	int gpufd[STRATA_GANG_MAX_GPUS], n, i, err;
	struct strata_gang_step st;

	for (i = 0; i < (int)STRATA_GANG_MAX_GPUS; i++)
		gpufd[i] = -1;
	GANG_STORE(&j->tid, gettid());
	gang_job_phase(j, GANG_JOB_STARTED);
	while (j->wait_go && !GANG_LOAD(&j->go))
		strata_sleep_ms(1);

	gang_job_phase(j, GANG_JOB_JOINING);
	j->join_ret = gang_join(dev, table, h, &j->member);
	if (j->join_ret)
		goto out;
	gang_job_phase(j, GANG_JOB_JOINED);

	for (n = 0; j->steps >= 0; ) {
		if (j->steps > 0 ? n >= j->steps : GANG_LOAD(&j->stop))
			break;
		gang_job_phase(j, GANG_JOB_STEPPING);
		err = gang_step(dev, table, h, j->step_flags, &st);
		GANG_STORE(&j->step_ret, err);
		if (err == -EAGAIN || err == -EINTR) {
			gang_job_phase(j, GANG_JOB_WORKING);
			strata_sleep_ms(1);
			continue;
		}
		if (err)
			break;
		gang_job_sched_sample(&j->step_affinity, &j->step_policy,
				      &j->step_prio);
		if (!j->steps_done)
			j->first = st;
		if (!j->steps_done || st.slice != j->last.slice)
			j->slices_seen++;
		j->last = st;
		for (i = 0; i < (int)st.nr_gpus && i < 8; i++)
			if (st.gpus[i] < 64)
				j->gpus_seen |= 1ULL << st.gpus[i];
		GANG_STORE(&j->steps_done, j->steps_done + 1);
		gang_job_phase(j, GANG_JOB_WORKING);
		for (i = 0; j->kernel_us && i < (int)st.nr_gpus && i < 8; i++) {
			err = gang_job_kernel(j, gpufd, st.gpus[i]);
			if (err && !j->kernel_ret)
				j->kernel_ret = err;
		}
		n++;
	}

	gang_job_phase(j, GANG_JOB_HOLDING);
	while (j->hold && !GANG_LOAD(&j->stop))
		strata_sleep_ms(1);
	if (!j->no_leave) {
		j->leave_ret = gang_leave(dev, table, h);
		gang_job_sched_sample(&j->leave_affinity, &j->leave_policy,
				      NULL);
	}
out:
	for (i = 0; i < (int)STRATA_GANG_MAX_GPUS; i++)
		if (gpufd[i] >= 0)
			close(gpufd[i]);
	gang_job_phase(j, GANG_JOB_DONE);
}

static inline void *gang_job_thread(void *arg)
{
	struct gang_job *j = arg;

	gang_job_body(j, j->dev, j->table, j->handle);
	return NULL;
}

/* Start @j as a thread of the test, a member through @table's handle. */
static inline int gang_job_start_thread(struct gang_job *j, int dev,
					int table)
{
	int err;

	j->dev = dev;
	j->table = table;
	err = pthread_create(&j->thread, NULL, gang_job_thread, j);
	if (err)
		return -err;
	j->is_thread = true;
	return 0;
}

/*
 * Start @j as a forked process, a member through a duplicate of @h that
 * it imports into a table of its own.  It dies with the test's thread
 * that started it (PR_SET_PDEATHSIG).
 */
static inline int gang_job_start_process(struct gang_job *j, int table,
					 __u32 h)
{
	__u32 dup, mine;
	pid_t pid;
	int err, dev, own, efd;

	err = strata_handle_duplicate(table, h, STRATA_RIGHT_SAME_RIGHTS, &dup);
	if (err)
		return err;
	j->export_fd = strata_handle_export(table, dup,
					    STRATA_RIGHT_SAME_RIGHTS, 0);
	if (j->export_fd < 0) {
		err = j->export_fd;
		j->export_fd = -1;
		strata_handle_close(table, dup);
		return err;
	}
	/* @j is shared: the parent resets export_fd while the child runs */
	efd = j->export_fd;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(efd);
		j->export_fd = -1;
		return err;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		GANG_STORE(&j->tid, gettid());
		own = strata_cap_open(O_CLOEXEC);
		dev = gang_open();
		if (own < 0 || dev < 0) {
			j->setup_ret = own < 0 ? own : dev;
			gang_job_phase(j, GANG_JOB_DONE);
			_exit(2);
		}
		err = strata_handle_import(own, efd, &mine);
		if (err) {
			j->setup_ret = err;
			gang_job_phase(j, GANG_JOB_DONE);
			_exit(2);
		}
		close(efd);
		gang_job_body(j, dev, own, mine);
		_exit(0);
	}
	j->pid = pid;
	close(efd);
	j->export_fd = -1;
	return 0;
}

/* Wait (up to @ms) until @j reached @phase or later. */
static inline bool gang_job_wait_phase(struct gang_job *j, int phase,
				       long ms)
{
	return GANG_WAIT_UNTIL(GANG_LOAD(&j->phase) >= phase, ms);
}

/* Wait (up to @ms) until @j took at least @n STEPs. */
static inline bool gang_job_wait_steps(struct gang_job *j, int n, long ms)
{
	return GANG_WAIT_UNTIL(GANG_LOAD(&j->steps_done) >= n, ms);
}

/* The job's task's state letter (see gang_task_state()). */
static inline char gang_job_task_state(struct gang_job *j)
{
	pid_t tid = GANG_LOAD(&j->tid);

	if (!tid)
		return '?';
	return gang_task_state(j->is_thread ? getpid() : j->pid, tid);
}

/*
 * Wait (up to @ms) until @j sleeps in STEP: it published the STEPPING
 * phase, which it does just before the ioctl, and its task sleeps.
 */
static inline bool gang_job_blocked_in_step(struct gang_job *j, long ms)
{
	return GANG_WAIT_UNTIL(GANG_LOAD(&j->phase) == GANG_JOB_STEPPING &&
			       gang_job_task_state(j) == 'S', ms);
}

/*
 * Wait (up to @ms) until @j has finished: a thread is joined, a process
 * reaped (its wait status in @j->exit_status).  0 or -ETIMEDOUT.
 */
static inline int gang_job_wait(struct gang_job *j, long ms)
{
	long long deadline = strata_now_ms() + ms;
	int status;
	pid_t ret;

	if (j->reaped)
		return 0;
	if (j->is_thread) {
		if (!gang_job_wait_phase(j, GANG_JOB_DONE, ms))
			return -ETIMEDOUT;
		pthread_join(j->thread, NULL);
		j->reaped = true;
		return 0;
	}
	if (j->pid <= 0)
		return 0;
	for (;;) {
		ret = waitpid(j->pid, &status, WNOHANG);
		if (ret == j->pid) {
			j->exit_status = status;
			j->pid = 0;
			j->reaped = true;
			return 0;
		}
		if (ret < 0)
			return -errno;
		if (strata_now_ms() >= deadline)
			return -ETIMEDOUT;
		strata_sleep_ms(2);
	}
}

/* SIGKILL a process job and reap it; 0 or -errno. */
static inline int gang_job_kill(struct gang_job *j)
{
	int status;

	if (j->is_thread || j->pid <= 0)
		return -EINVAL;
	if (kill(j->pid, SIGKILL))
		return -errno;
	if (waitpid(j->pid, &status, 0) != j->pid)
		return -errno;
	j->exit_status = status;
	j->pid = 0;
	j->reaped = true;
	return 0;
}

/*
 * Teardown: stop every job of @jobs, kill and reap processes, join the
 * threads that finished, unmap @jobs.  A thread stuck in STEP is left to
 * die with the test, and then @jobs stays mapped: it may still write there.
 */
static inline void gang_jobs_free(struct gang_job *jobs, int n)
{
	bool stuck = false;
	int i;

	if (!jobs)
		return;
	for (i = 0; i < n; i++) {
		GANG_STORE(&jobs[i].go, 1);
		GANG_STORE(&jobs[i].stop, 1);
	}
	for (i = 0; i < n; i++) {
		struct gang_job *j = &jobs[i];

		if (j->reaped)
			continue;
		if (!j->is_thread && j->pid > 0) {
			gang_job_kill(j);
		} else if (j->is_thread) {
			if (gang_job_wait(j, 2000)) {
				pthread_detach(j->thread);
				stuck = true;
			}
		}
		if (j->export_fd >= 0)
			close(j->export_fd);
	}
	if (!stuck)
		munmap(jobs, n * sizeof(*jobs));
}

/* ---- privileges ------------------------------------------------------- */

/*
 * Run @fn(@arg) in a forked child as uid and gid 65534 (nobody) without
 * supplementary groups or capabilities.  Returns @fn's return value, which
 * must be 0..254, or -1 when the child could not drop its privileges or
 * died.  @fn opens its own table and gang device: a table opened by the
 * test is the test's (-EACCES for anyone else).  Put results in shared
 * memory (mmap MAP_SHARED) to read them after.
 */
static inline int gang_as_nobody(int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setgroups(0, NULL) || setresgid(GANG_NOBODY, GANG_NOBODY,
						    GANG_NOBODY) ||
		    setresuid(GANG_NOBODY, GANG_NOBODY, GANG_NOBODY))
			_exit(255);
		_exit(fn(arg) & 0xff);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 255)
		return -1;
	return WEXITSTATUS(status);
}

/* ---- module ----------------------------------------------------------- */

static inline bool gang_module_loaded(void)
{
	return access("/sys/module/" GANG_MODULE, F_OK) == 0;
}

/*
 * The repository's root, from the path of the running test binary
 * (ROOT/build/selftests/gang/NAME_test), in @buf.  0 or -errno.
 */
static inline int gang_repo_root(char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n;
	int i;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	for (i = 0; i < 4; i++) {
		char *slash = strrchr(exe, '/');

		if (!slash)
			return -ENOENT;
		*slash = '\0';
	}
	if ((size_t)snprintf(buf, size, "%s", exe) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Try to unload strata_gang once (never forced): 0, or -errno of
 * delete_module(2) (-EBUSY/-EAGAIN while it is in use).
 */
static inline int gang_module_unload_once(void)
{
	if (!syscall(SYS_delete_module, GANG_MODULE, O_NONBLOCK))
		return 0;
	return errno == ENOENT ? 0 : -errno;
}

/*
 * Unload strata_gang, retrying on EAGAIN and EBUSY for up to @ms
 * milliseconds: references of closing files drop late.  0 or -errno.
 */
static inline int gang_module_unload(long ms)
{
	long long deadline = strata_now_ms() + ms;
	int err;

	for (;;) {
		err = gang_module_unload_once();
		if (!err || (err != -EAGAIN && err != -EBUSY) ||
		    strata_now_ms() >= deadline)
			return err;
		strata_sleep_ms(50);
	}
}

/*
 * Where the modules are: $STRATA_KO_ROOT (run-tests sets it to build/scx/mod
 * on the sched_ext kernel), else the repository.  0 or -errno.
 */
static inline int gang_ko_root(char *buf, size_t size)
{
	const char *env = getenv("STRATA_KO_ROOT");

	if (!env || !*env)
		return gang_repo_root(buf, size);
	if ((size_t)snprintf(buf, size, "%s", env) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Load KO_ROOT/kmod/gang/strata_gang.ko with @params; 0 or -errno. */
static inline int gang_module_load(const char *params)
{
	char root[PATH_MAX], ko[PATH_MAX + 32];
	int fd, err;

	err = gang_ko_root(root, sizeof(root));
	if (err)
		return err;
	snprintf(ko, sizeof(ko), "%s/kmod/gang/" GANG_MODULE ".ko", root);
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = 0;
	if (syscall(SYS_finit_module, fd, params, 0))
		err = -errno;
	close(fd);
	return err;
}

#endif /* _STRATA_SELFTESTS_GANG_COMMON_H */

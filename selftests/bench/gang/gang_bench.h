/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gang_bench - what the benchmark's files share
 *
 * gang_bench.c documents the parts and their metrics, parses the options
 * and prints the JSON; gang/util.c has the helpers, gang/trace.c and
 * gang/trace_members.c part 1 (the trace replay), gang/cosched.c the
 * co-scheduled gangs of parts 2 and 3, gang/skew.c and gang/barrier.c
 * those parts.
 */
#ifndef _GANG_BENCH_H
#define _GANG_BENCH_H

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <strata.h>

#include "strata_test.h"

enum {
	NR_GPUS = 8,
	KERNEL_US = 5000,	/* one fake-GPU kernel: a training step */
	MIN_DUR_MS = KERNEL_US / 1000,
	STALL_MS = 2000,	/* no kernel for this long: deadlock */
	TICK_MS = 10,		/* controller period */
	LAUNCH_JITTER_US = 20000,
	STACK_SIZE = 256 << 10,
	STOP_TIMEOUT_S = 15,	/* threads must be gone this long after */
	SETTLE_TIMEOUT_S = 10,	/* gangs of the last run must be gone */
	COSCHED_MEMBERS = 4,	/* skew: a gang of 4 needs the 4 vCPUs */
	CO_MAX_MEMBERS = 64,	/* barrier threads per gang, at most */
	SKEW_SLICE_MS = 20,
	SKEW_STEP_US = 2000,
	SKEW_POLL_US = 2000,
	BAR_WORK_US = 2000,
	BAR_BAIL_S = 20,
};

enum policy { NAIVE, FIFO, BACKFILL, STRATA, NR_POLICIES };

enum { NR_LOADS = 3 };

enum part { PART_TRACE, PART_SKEW, PART_BARRIER, NR_PARTS };

enum stop_reason { RUNNING, STOP_DEADLOCK, STOP_ERROR };

/* The barrier kinds and schedulers of part 3: bars[kind][sched]. */
enum { SPIN, SLEEP };
enum { CFS, GANGS };

#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define ADD(x, v)	__atomic_add_fetch(&(x), (v), __ATOMIC_ACQ_REL)
#define __printf(a, b)	__attribute__((format(printf, a, b)))

#define PARAMS		"/sys/module/strata_gang/parameters/"

/* ---- a trace run (trace.c, trace_members.c) ------------------------------ */

struct run;

struct member {
	struct gang *g;
	int index;
	unsigned int jitter_us;
};

struct gang {
	struct run *run;
	int idx;			/* in the trace */
	int members;
	unsigned int dur_ms;
	__u32 handle;
	double arrival;			/* s since the run started */
	__u64 admitted_ns;		/* first admission, 0: none yet */
	__u64 done_ns;			/* completion, 0: not completed */
	int left;			/* member threads still running */
	int finished;			/* members that ran all of D */
	int holding;			/* naive: members holding a GPU */
	pthread_cond_t all_held;	/* naive */
	int nr_thr;
	pthread_t thr[NR_GPUS];
	struct member mem[NR_GPUS];
};

/* One bar of the Gantt chart. */
struct seg {
	int gpu, gang;
	double start, end;
};

struct run {
	enum policy pol;
	int load;
	__u64 t0_ns;
	struct gang *gangs;
	int n;
	int launched;
	int ended;			/* gangs whose threads all returned */
	long kernels;			/* completed, for the watchdog */
	__u64 last_kernel_ns;
	/* where GPU time goes, for the notes */
	__u64 gap_ns;			/* between a member's kernels in a bar */
	__u64 step_ns;			/* STEP calls that did not block */
	__u64 first_ns;			/* a bar's start to its first kernel */
	int endless;			/* LAS slices STEP gave no end */
	int stop;			/* enum stop_reason */
	__u64 stop_ns;
	int errors;
	/* naive: the free GPUs, a FIFO */
	pthread_mutex_t lock;
	pthread_cond_t gpu_free;
	int free_ids[NR_GPUS];
	int free_head, nr_free;
	/* the Gantt chart, under lock */
	bool gantt;
	struct seg *segs;
	int nr_segs, cap_segs;
};

struct result {
	bool done;
	int completed, deadlock;
	double avg_jct, p95_jct, makespan, util, util_vs_ideal, max_wait8;
};

/* ---- co-scheduled gangs (cosched.c) -------------------------------------- */

/* A gang of threads for parts 2 and 3. */
struct bgang {
	int id;
	int members;		/* threads */
	bool in_module;		/* a strata_gang COSCHED gang */
	__u32 handle;
	__u64 koid;
	/* the barrier: arrivals of this round, rounds done (futex word) */
	int count;
	int gen;
	int quit;
	bool spin;
	long steps;
	__u64 last_ns;		/* the last barrier's completion */
	int nr_thr;
	pthread_t thr[CO_MAX_MEMBERS];
};

/* The co_run in progress. */
struct co_state {
	int ready;		/* threads that joined their gang */
	int go;			/* the threads start */
	int abort;		/* the run ends now */
	int errors;
	__u64 start_ns, end_ns, bail_ns;
	bool skew;		/* part 2, else part 3 */
};

/* ---- gang_bench.c: options and global state ------------------------------ */

extern const char *const policy_names[NR_POLICIES];
extern const double loads[NR_LOADS];
extern const char *const load_names[NR_LOADS];

extern unsigned long long opt_seed;
extern int opt_gangs;
extern double opt_median_ms;
extern double opt_skew_s;
extern double opt_barrier_s;
extern const char *opt_barrier_cpus;
extern const char *opt_gantt;

extern int gang_fd, table_fd;
extern int stat_fds[NR_GPUS];
extern bool failed;			/* strata_gang misbehaved */
extern const char *running;		/* "strata/12", for messages */
extern volatile sig_atomic_t got_signal;

/* What cleanup() must undo, in part (skew.c, barrier.c: the rest). */
extern char orig_pool[256];
extern bool policy_changed;

extern cpu_set_t bar_cpus;		/* --barrier-cpus */
extern int bar_nr_cpus, bar_threads;

/* Undo what the benchmark changed in strata_gang; fail() calls it. */
void cleanup(void);

/* ---- util.c: helpers ----------------------------------------------------- */

void vnote(const char *fmt, va_list ap);
__printf(1, 2) void fail(const char *fmt, ...);
__printf(1, 2) void note(const char *fmt, ...);
void die(const char *what, int err);

/* Inline: the timing loops (spin_cpu_us, barrier_wait) call them. */
static inline __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline double now_s(void)
{
	return now_ns() / 1e9;
}

static inline __u64 thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

void sleep_us(long us);
void check_signal(void);
void spin_cpu_us(long us);
double percentile(double *v, int n, double p);

/* files and module parameters */
void set_param(const char *name, unsigned long val);
unsigned long get_param(const char *name);
void set_policy(int policy);

/* random numbers, without libm */
extern __u64 rng_state;
__u64 rng_next(void);
double rng_uniform(void);
double exp_series(double x);
double log_series(double x);
double rng_normal(void);

/* GPUs */
double gpu_busy_s(double *sw);
void settle(void);

/* ---- part 1, the trace replay (trace.c, trace_members.c) ----------------- */

extern double trace_work_s, trace_mean_d_s;
extern double ideal_util[NR_LOADS];
extern struct result results[NR_POLICIES][NR_LOADS];

void make_trace(void);
void run_trace(enum policy pol, int l, bool gantt);

__printf(2, 3) void run_error(struct run *r, const char *fmt, ...);
void member_exit(struct gang *g);
void *strata_member(void *arg);
void *naive_member(void *arg);

/* ---- parts 2 and 3, co-scheduled gangs (cosched.c) ----------------------- */

extern struct co_state co;
/* The gangs of a co_run, for cleanup() (pool_restore() kills them). */
extern struct bgang *co_live;

void co_create(struct bgang *g, unsigned int slice_ms);
bool co_run(struct bgang *gangs, double secs,
	    void (*poll)(struct bgang *gangs));

/* ---- part 2, co-start skew (skew.c) -------------------------------------- */

struct skew_result {
	bool done;
	int slices;
	double p50_us, p99_us;
};

extern struct skew_result skew;

void instance_remove(void);
void run_skew(void);

/* ---- part 3, barrier steps (barrier.c) ----------------------------------- */

struct bar_result {
	bool done;
	double ratio;
};

extern struct bar_result bars[2][2];

bool pool_set(void);
void pool_restore(void);
void run_barrier(int kind, int sched);

#endif /* _GANG_BENCH_H */

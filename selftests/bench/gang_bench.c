// SPDX-License-Identifier: GPL-2.0
/*
 * gang_bench - strata_gang against a naive launcher, and its policies
 * against each other; prints one flat JSON object
 *
 * Runs as root in the test VM, strata_cap loaded and strata_gang loaded
 * with fake_gpus=8: eight modelled GPUs
 * (/dev/strata/gpuN) that run one kernel at a time and charge switch_us
 * (150 us) when the next kernel belongs to another context (open file).
 * Every gang is played by threads of this one process, which keeps one
 * handle table.  Three parts (--parts trace,skew,barrier); make bench
 * runs the trace replay in a VM of 2 vCPUs, one per host core, and the
 * other two in one of 4 (scripts/run-bench says why):
 *
 * 1. Trace replay.  One seeded synthetic trace (--seed, --gangs: 200) of
 *    gangs of 1, 2, 4 and 8 members, exactly 40/30/20/10 % of them in a
 *    shuffled order, one GPU per member.  Each gang has a duration D, the
 *    fake-GPU time every one of its members must run, so its GPU work is
 *    members x D.  D is lognormal, median --median-ms (80 ms), sigma 1.2,
 *    rounded to ms and clamped to [5 ms, 25 x median]: heavy-tailed, with
 *    a mean of about twice the median.  Arrivals are Poisson: the gaps are
 *    exponential with mean w / (8 x load), w the trace's mean GPU work per
 *    gang, so the offered load (arrival rate x w / 8 GPUs) is exactly 0.7,
 *    0.9 or 1.2.  The same gangs at every load, only the gaps scaled; the
 *    first gang arrives at time 0.
 *
 *    At a gang's arrival the controller creates it (CREATE; not in naive)
 *    and starts one thread per member.  A member waits a launch delay
 *    (uniform in 0-20 ms, seeded: the processes of a job do not start at
 *    the same instant), JOINs and loops: STEP (blocks while the gang does
 *    not run), queue one kernel of 5 ms (the last one shorter) on the GPU
 *    that STEP named, WAIT for the kernel queued before it, until it has
 *    queued D; then waits for its last kernel and LEAVEs.  So, as a GPU
 *    program with asynchronous launches does, it keeps one kernel queued
 *    behind the running one, and the device does not idle while the
 *    member makes its calls; a member whose slice ended runs over it by
 *    at most the kernel it queued (naive members queue the same way, on
 *    the GPU they hold).  Before it queues on another GPU, or in a new
 *    slice, it waits for its kernels on the last one.  A member
 *    opens /dev/strata/gpuN whenever it is given another GPU: a context per
 *    member.  Policies (--only):
 *
 *      naive     no gang scheduling, strata_gang admits nothing.  After its
 *                launch delay each member takes one GPU from a FIFO of free
 *                GPUs, waiting while there is none (a freed GPU goes to
 *                one waiting member, pthread_cond_signal's choice: about
 *                the order they began to wait in), holds it while
 *                its gang-mates get theirs, runs its kernels once all of
 *                them hold one, and frees it when done: hold-and-wait.
 *      fifo      sched_policy=1: gangs in arrival order, run to completion.
 *      backfill  sched_policy=2: FIFO with EASY backfill; runtime_hint_ms
 *                is D, the gang's run time when nothing delays it (the
 *                time sched.c plans with).
 *      strata    sched_policy=0, the default: least attained service with
 *                slices of the slice_ms module parameter.
 *
 *    A watchdog stops a run when unfinished gangs have arrived and no
 *    kernel completed for 2 s: a deadlock, the naive launcher's failure
 *    (for a strata_gang policy it is also an error).  Each run has a time
 *    limit too (an error).  Keys "<policy>_<load>_<metric>", the load
 *    written without its point: 07, 09, 12.
 *
 *      avg_jct_s, p95_jct_s  job completion time, the gang's completion
 *                      (its last member's LEAVE; naive: its last member's
 *                      last kernel) minus its arrival (when the controller
 *                      started it), over the gangs that completed: mean and
 *                      95th percentile (nearest rank).
 *      makespan_s      last completion minus the first arrival; in a run
 *                      the watchdog stopped, up to the last kernel that
 *                      completed before the stall.
 *      util_vs_ideal   util / ideal_util_<load>.  util: the 8 fake GPUs'
 *                      busy time during the run (STRATA_FAKEGPU_IOC_STAT
 *                      busy_ns, after minus before, summed; kernel time
 *                      only, context switches not counted) / (8 x
 *                      makespan).  ideal_util_<load> (a key of its own):
 *                      W / (8 x LB), W the trace's GPU work and LB a lower
 *                      bound of the makespan that no scheduler can beat:
 *                      LB = max over gangs k of (a_k + max(W_k / 8, D_k)),
 *                      a_k gang k's arrival in the schedule of that load
 *                      (the first at 0) and W_k the GPU work of the gangs
 *                      that arrive at a_k or later: that work cannot start
 *                      before a_k and must fit on 8 GPUs (k = 0: W / 8),
 *                      and each gang needs its own D after it arrives.
 *                      When every gang completes, busy time is W, so
 *                      util_vs_ideal = LB / makespan: 1 is a scheduler
 *                      that loses nothing (no idle GPU while work waits,
 *                      no launch delay, no switch cost, no wait for the
 *                      last gang).  Launch delays and the controller's
 *                      lag are not in LB: they count as losses.
 *      max_wait_8gpu_s the longest wait of an 8-member gang from its
 *                      arrival to its first admission: the first STEP
 *                      return of any member (naive: its last member getting
 *                      a GPU); in a stopped run a gang never admitted
 *                      counts until the stop.
 *      deadlock        1 if the watchdog stopped the run, else 0.
 *      completed       gangs that completed, of trace_gangs.
 *
 *    A stopped run's figures describe what it did before the stop: compare
 *    them with the others' only where deadlock is 0.
 *
 *    Where the GPU time of a run went (8 x makespan) is noted on stderr,
 *    not in the JSON: kernels, context switches, the device idle between
 *    two kernels of one member (when WAIT's times show both), the CPU
 *    time of STEP calls that did not block,
 *    and, from STATUS polled at every controller tick (10 ms): GPUs held
 *    by a gang, GPUs free while gangs are queued (what the scheduler
 *    leaves unused), while arrived gangs still form (launch delays), and
 *    while no gang is there at all.  Under LAS a slice that STEP reports
 *    without an end (slice_end_ns 0) is noted as a warning: gang.h says
 *    only FIFO and BACKFILL slices have none.  The GPU occupancy of
 *    one run, strata at the highest load run (1.2), goes to --gantt
 *    (default $STRATA_BENCH_DIR/gang-gantt.csv: gpu,gang,start_s,end_s, a
 *    line per member and slice, from its STEP return to the end of its
 *    last kernel in that slice; gang is the trace index; seconds since the
 *    run started) for scripts/plot-gang.
 *
 * 2. Co-start skew.  Two gangs of 4 members with STRATA_GANG_COSCHED, so
 *    each needs the whole pool of 4 CPUs and they take turns, slice_ms 20,
 *    sched_policy 0.  Each member loops: STEP, 2 ms of CPU work; for 10 s.
 *    The skew of a slice is the time from the first to the last member's
 *    first STEP return in it, skew_ns of the strata_gang_slice_start
 *    tracepoint, recorded in a tracefs instance (without tracefs: INFO's
 *    last_skew_ns, polled every 2 ms, which may miss slices).
 *      skew_p50_us, skew_p99_us  its median and 99th percentile (nearest
 *                      rank) over the slices of both gangs, in us;
 *      skew_slices     how many slices that is.
 *
 * 3. Barrier steps.  Two gangs of N threads on a set of N CPUs
 *    (--barrier-cpus, 0-1 by default; --barrier-threads N, by default the
 *    number of those CPUs).  N is the number of host cores the VM can
 *    really run at once: 2 here, where the 4 vCPUs of the TCG guest share
 *    2 host cores.  With more spinning threads than host cores some of
 *    them are always descheduled by the host, whatever the guest
 *    scheduler does, and a spin barrier collapses; on the CPUs the host
 *    can run together the guest scheduler is what makes the difference.
 *    A step is W = 2000 us of CPU work (the thread's CPU time, so
 *    preemption does not count as work), then a barrier of the gang's N
 *    threads: a spin barrier (atomic counter and busy wait) or a sleep
 *    barrier (the same counter, futex wait).  Every thread restricts its
 *    own affinity to the barrier CPUs (sched_setaffinity) before anything
 *    else, so both configurations use the same CPUs.  Each runs 6 s:
 *      cfs     plain threads, no gang module: the 2N threads share the
 *              N CPUs.
 *      strata  each gang is a COSCHED gang of N members with 1 GPU each,
 *              default slice_ms; every member calls STEP before each
 *              step.  The module's co-scheduling pool (its cpus
 *              parameter) is set to the barrier CPUs for these runs, so
 *              each gang needs all of them and the gangs take turns;
 *              the previous pool is restored after the part, also on an
 *              error or a signal.
 *    The ideal step time is W x 2N threads / N CPUs = 2W (both gangs share
 *    the CPUs fairly, nothing is lost; W if 2N threads fit on the CPUs).
 *      <spin|sleep>_step_vs_ideal_<cfs|strata>  (elapsed / steps) / 2W,
 *                      averaged over the two gangs; elapsed runs from the
 *                      common start to the gang's last completed barrier.
 *                      A barrier wait gives up 20 s after the start (a
 *                      spin barrier under CFS may crawl): the run then
 *                      counts the steps it completed.
 *
 * Also: trace_gangs, trace_seed, trace_work_gpu_s (W), trace_mean_d_s
 * (Dmean), kernel_us, slice_ms (the module's), skew_slice_ms,
 * barrier_work_us, barrier_threads (N), barrier_cpus (how many).  Progress
 * goes to stderr.  --quick (24 gangs of median 40 ms, skew for 2 s,
 * barrier runs of 1.5 s; under a minute in TCG) checks that everything
 * works.  sched_policy, the cpus pool (and user_max_gangs, raised if the
 * trace needs more) are restored at exit, also on SIGINT and SIGTERM.
 * Every wait has a time limit; member threads still blocked in an ioctl
 * when a run ends get their gang killed and a signal.  The exit status is
 * 1 when strata_gang misbehaved (an unexpected error, a run that stalled
 * or ran out of time; the JSON is printed all the same) or when the
 * benchmark could not run at all (no JSON).
 * Figures from a TCG guest compare the policies on the same machine; they
 * are not absolute speeds.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>
#include "bench/bench.h"

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
static const char *const policy_names[NR_POLICIES] = {
	"naive", "fifo", "backfill", "strata",
};
/* The sched_policy module parameter of each; naive sets none. */
static const int policy_param[NR_POLICIES] = {
	-1, STRATA_GANG_POLICY_FIFO, STRATA_GANG_POLICY_BACKFILL,
	STRATA_GANG_POLICY_LAS,
};

enum { NR_LOADS = 3 };
static const double loads[NR_LOADS] = { 0.7, 0.9, 1.2 };
static const char *const load_names[NR_LOADS] = { "07", "09", "12" };

enum part { PART_TRACE, PART_SKEW, PART_BARRIER, NR_PARTS };
static const char *const part_names[NR_PARTS] = { "trace", "skew", "barrier" };

enum stop_reason { RUNNING, STOP_DEADLOCK, STOP_ERROR };

#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define ADD(x, v)	__atomic_add_fetch(&(x), (v), __ATOMIC_ACQ_REL)
#define __printf(a, b)	__attribute__((format(printf, a, b)))

#define PARAMS		"/sys/module/strata_gang/parameters/"
#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/gang_bench"
#define SLICE_EVENT	"events/strata_gang/strata_gang_slice_start"

/* ---- the trace ------------------------------------------------------------ */

struct tgang {
	int members;
	unsigned int dur_ms;	/* D: each member's GPU time */
	double gap;		/* after the previous arrival, in mean gaps */
};

/* ---- a trace run ----------------------------------------------------------- */

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

/* ---- options and global state -------------------------------------------- */

static bool opt_quick;
static unsigned long long opt_seed = 20241207;
static int opt_gangs = 200;
static double opt_median_ms = 80;
static double opt_skew_s = 10;
static double opt_barrier_s = 6;
static const char *opt_barrier_cpus = "0-1";
static int opt_barrier_threads;		/* 0: as many as barrier CPUs */
static const char *opt_gantt;
static bool want_policy[NR_POLICIES] = { true, true, true, true };
static bool want_load[NR_LOADS] = { true, true, true };
static bool want_part[NR_PARTS] = { true, true, true };

static struct tgang *trace;
static double trace_work_s, trace_mean_d_s;
static double ideal_lb[NR_LOADS], ideal_util[NR_LOADS];
static struct result results[NR_POLICIES][NR_LOADS];

static int gang_fd = -1, table_fd = -1;
static int stat_fds[NR_GPUS];
static unsigned int module_slice_ms;
static bool failed;			/* strata_gang misbehaved */
static const char *running = "";	/* "strata/12", for messages */
static volatile sig_atomic_t got_signal;

/* What cleanup() must undo. */
static char orig_policy[32], orig_max_gangs[32], orig_pool[256];
static bool policy_changed, max_gangs_changed, pool_changed, instance_made;
static struct bgang *co_live;		/* the gangs of a co_run, for cleanup */

static struct {
	bool done;
	int slices;
	double p50_us, p99_us;
} skew;

enum { SPIN, SLEEP };
enum { CFS, GANGS };
static struct {
	bool done;
	double ratio;
} bars[2][2];
static cpu_set_t bar_cpus;		/* --barrier-cpus */
static int bar_nr_cpus, bar_threads;

static void cleanup(void);

static __printf(1, 2) void fail(const char *fmt, ...);
static __printf(1, 2) void note(const char *fmt, ...);

static void vnote(const char *fmt, va_list ap)
{
	fprintf(stderr, "gang_bench: %s%s", running, *running ? ": " : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
	cleanup();
	exit(1);
}

static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
}

static void die(const char *what, int err)
{
	fail("%s: %s", what, strerror(err));
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static double now_s(void)
{
	return now_ns() / 1e9;
}

static __u64 thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_us(long us)
{
	struct timespec ts = {
		.tv_sec = us / 1000000,
		.tv_nsec = us % 1000000 * 1000,
	};

	while (us > 0 && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void check_signal(void)
{
	if (got_signal)
		fail("stopped by signal %d", got_signal);
}

static void on_signal(int sig)
{
	got_signal = sig;
}

/* SIGUSR1 only interrupts a blocked ioctl (no SA_RESTART). */
static void on_usr1(int sig)
{
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * Burn @us of this thread's CPU time.  The clock is read about every
 * 20 us (a system call; costly under TCG): the loop between two reads
 * adapts to the speed of the CPU.
 */
static void spin_cpu_us(long us)
{
	static __thread unsigned long chunk = 256;
	__u64 t = thread_cpu_ns(), end = t + us * 1000ULL, now;
	volatile unsigned long sink = 0;
	unsigned long i;

	while (t < end) {
		for (i = 0; i < chunk; i++)
			sink += i;
		now = thread_cpu_ns();
		if (now - t < 10000 && chunk < (1UL << 24))
			chunk *= 2;
		else if (now - t > 40000 && chunk > 16)
			chunk /= 2;
		t = now;
	}
}

static int percentile_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least @p of them at or below. */
static double percentile(double *v, int n, double p)
{
	int k;

	if (n <= 0)
		return 0;
	qsort(v, n, sizeof(*v), percentile_cmp);
	k = (int)(p * n + 0.999999) - 1;
	return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

/* ---- files and module parameters ----------------------------------------- */

static int write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != (ssize_t)len)
		err = -errno;
	close(fd);
	return err;
}

static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	char *nl;

	if (!f)
		return -errno;
	if (!fgets(buf, size, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
	return 0;
}

static void set_param(const char *name, unsigned long val)
{
	char path[128], buf[32];
	int err;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	snprintf(buf, sizeof(buf), "%lu", val);
	err = write_file(path, buf);
	if (err)
		fail("write %s to %s: %s", buf, path, strerror(-err));
}

static unsigned long get_param(const char *name)
{
	char path[128], buf[32];
	int err;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	err = read_line(path, buf, sizeof(buf));
	if (err)
		fail("read %s: %s", path, strerror(-err));
	return strtoul(buf, NULL, 0);
}

static void set_policy(int policy)
{
	set_param("sched_policy", policy);
	policy_changed = true;
}

/* ---- random numbers, without libm ---------------------------------------- */

static __u64 rng_state;

static __u64 rng_next(void)
{
	__u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static double rng_uniform(void)
{
	return ((rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

#define LN2	0.69314718055994530942

/*
 * exp() and log() by series after range reduction, accurate to ~1e-15:
 * the Makefile links the benchmarks without libm, and the trace must be
 * the same whatever libm a machine has.
 */
static double exp_series(double x)
{
	double term = 1, sum = 1;
	int k = 0, i;

	while (x > LN2 / 2) {
		x -= LN2;
		k++;
	}
	while (x < -LN2 / 2) {
		x += LN2;
		k--;
	}
	for (i = 1; i < 20; i++) {
		term *= x / i;
		sum += term;
	}
	for (; k > 0; k--)
		sum *= 2;
	for (; k < 0; k++)
		sum /= 2;
	return sum;
}

static double log_series(double x)
{
	double s, s2, term, sum = 0;
	int k = 0, i;

	while (x >= 2) {
		x /= 2;
		k++;
	}
	while (x < 1) {
		x *= 2;
		k--;
	}
	/* log(x) = 2 atanh(s), s = (x - 1) / (x + 1) in [0, 1/3) */
	s = (x - 1) / (x + 1);
	s2 = s * s;
	term = s;
	for (i = 1; i < 40; i += 2) {
		sum += term / i;
		term *= s2;
	}
	return k * LN2 + 2 * sum;
}

/* Standard normal, the Irwin-Hall way (12 uniforms). */
static double rng_normal(void)
{
	double sum = 0;
	int i;

	for (i = 0; i < 12; i++)
		sum += rng_uniform();
	return sum - 6;
}

/* ---- the trace ------------------------------------------------------------ */

static void make_trace(void)
{
	static const int sizes[] = { 1, 2, 4, 8 };
	static const int pct[] = { 40, 30, 20, 10 };
	double cap_ms = 25 * opt_median_ms, mu = log_series(opt_median_ms);
	int counts[4], i, j, k, l, n = opt_gangs;
	struct tgang tmp;

	trace = calloc(n, sizeof(*trace));
	if (!trace)
		die("calloc", ENOMEM);
	rng_state = opt_seed;
	/* Exact shares, the rest to the 1-member gangs, then a shuffle. */
	counts[0] = n;
	for (j = 1; j < 4; j++) {
		counts[j] = (n * pct[j] + 50) / 100;
		counts[0] -= counts[j];
	}
	for (i = 0, j = 0; j < 4; j++)
		for (k = 0; k < counts[j]; k++)
			trace[i++].members = sizes[j];
	for (i = n - 1; i > 0; i--) {
		j = rng_next() % (i + 1);
		tmp = trace[i];
		trace[i] = trace[j];
		trace[j] = tmp;
	}
	trace_work_s = 0;
	trace_mean_d_s = 0;
	for (i = 0; i < n; i++) {
		double d = exp_series(mu + 1.2 * rng_normal());

		d = d < MIN_DUR_MS ? MIN_DUR_MS : d > cap_ms ? cap_ms : d;
		trace[i].dur_ms = (unsigned int)(d + 0.5);
		trace[i].gap = i ? -log_series(rng_uniform()) : 0;
		trace_work_s += trace[i].members * trace[i].dur_ms / 1e3;
		trace_mean_d_s += trace[i].dur_ms / 1e3 / n;
	}
	/*
	 * The makespan's lower bound LB at each load, a_i the arrival
	 * schedule of run_trace() (the same gaps over the arrival rate):
	 * the work of the gangs that arrive at a_k or later cannot start
	 * before a_k, so it needs a_k plus that work on 8 GPUs (k = 0: W / 8
	 * from the first arrival); and each gang needs its own D after it
	 * arrives.
	 */
	for (l = 0; l < NR_LOADS; l++) {
		double lambda = NR_GPUS * loads[l] / (trace_work_s / n);
		double lb = 0, sum = 0, after = trace_work_s, a;

		for (i = 0; i < n; i++) {
			a = (sum += trace[i].gap) / lambda;
			if (a + after / NR_GPUS > lb)
				lb = a + after / NR_GPUS;
			if (a + trace[i].dur_ms / 1e3 > lb)
				lb = a + trace[i].dur_ms / 1e3;
			after -= trace[i].members * trace[i].dur_ms / 1e3;
		}
		ideal_lb[l] = lb;
		ideal_util[l] = trace_work_s / (NR_GPUS * lb);
		note("load %s: LB %.2f s, W / 8 %.2f s, ideal util %.3f",
		     load_names[l], lb, trace_work_s / NR_GPUS, ideal_util[l]);
	}
	note("trace: %d gangs (%d/%d/%d/%d of 1/2/4/8 members), W %.1f GPU-s, mean D %.0f ms, longest %.0f ms",
	     n, counts[0], counts[1], counts[2], counts[3], trace_work_s,
	     trace_mean_d_s * 1e3, cap_ms);
}

/* ---- GPUs ----------------------------------------------------------------- */

/* The 8 GPUs' kernel time since load, s; their switch time in @sw. */
static double gpu_busy_s(double *sw)
{
	struct strata_fakegpu_stat st;
	double sum = 0;
	int i, err;

	*sw = 0;
	for (i = 0; i < NR_GPUS; i++) {
		err = strata_fakegpu_stat(stat_fds[i], &st);
		if (err)
			fail("STAT of gpu%d: %s", i, strerror(-err));
		sum += st.busy_ns / 1e9;
		*sw += st.switch_ns / 1e9;
	}
	return sum;
}

/* Wait until no gang of an earlier run is left. */
static void settle(void)
{
	struct strata_gang_status st;
	__u64 end = now_ns() + SETTLE_TIMEOUT_S * 1000000000ULL;
	int err;

	for (;;) {
		err = strata_gang_status(gang_fd, &st);
		if (err)
			fail("STATUS: %s", strerror(-err));
		if (!st.gangs && st.free_gpus == st.nr_gpus &&
		    st.free_cpus == st.nr_cpus)
			return;
		if (now_ns() > end)
			fail("%u gangs still live %d s after the last run ended",
			     st.gangs, SETTLE_TIMEOUT_S);
		sleep_us(10000);
	}
}

/* ---- trace runs: members ---------------------------------------------------- */

static __printf(2, 3) void run_error(struct run *r, const char *fmt, ...)
{
	int expected = RUNNING;
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
	ADD(r->errors, 1);
	if (__atomic_compare_exchange_n(&r->stop, &expected, STOP_ERROR, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		STORE(r->stop_ns, now_ns());
}

/* Sleep @us unless the run stops first; false when it did. */
static bool run_pause(struct run *r, long us)
{
	__u64 end = now_ns() + us * 1000ULL;

	while (!LOAD(r->stop)) {
		__u64 t = now_ns();

		if (t >= end)
			return true;
		sleep_us((end - t) / 1000 < 20000 ? (end - t) / 1000 : 20000);
	}
	return false;
}

static void note_admitted(struct gang *g, __u64 t)
{
	__u64 zero = 0;

	__atomic_compare_exchange_n(&g->admitted_ns, &zero, t, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* A member's current bar of the Gantt chart. */
struct bar {
	int gpu;
	__u64 start_ns, end_ns;
};

static void bar_flush(struct run *r, struct gang *g, struct bar *b)
{
	struct seg *s;

	if (!r->gantt || b->gpu < 0 || b->end_ns <= b->start_ns)
		goto out;
	pthread_mutex_lock(&r->lock);
	if (r->nr_segs == r->cap_segs) {
		int cap = r->cap_segs ? 2 * r->cap_segs : 1024;

		s = realloc(r->segs, cap * sizeof(*s));
		if (!s) {
			pthread_mutex_unlock(&r->lock);
			goto out;
		}
		r->segs = s;
		r->cap_segs = cap;
	}
	s = &r->segs[r->nr_segs++];
	s->gpu = b->gpu;
	s->gang = g->idx;
	s->start = (b->start_ns - r->t0_ns) / 1e9;
	s->end = (b->end_ns - r->t0_ns) / 1e9;
	pthread_mutex_unlock(&r->lock);
out:
	b->start_ns = 0;
	b->end_ns = 0;
}

/*
 * A member's kernels on its GPU, queued one ahead of the device as a GPU
 * program queues them: RUN the next kernel, then WAIT for the one before
 * it, so the device starts the next kernel when one ends, whatever the
 * member's own latency (its STEP and RUN calls, its wake-up).  At most one
 * kernel waits behind the running one: a member whose slice ended runs
 * over it by at most that kernel, as with a kernel that is running.
 */
struct stream {
	int fd;
	__u64 queued;		/* the last kernel queued (its seq), 0: none */
	__u64 seen;		/* kernels accounted, of this fd */
};

/* What WAIT told of the kernels that completed since the last call. */
static void stream_note(struct run *r, struct stream *s, struct bar *b,
			const struct strata_fakegpu_wait *w)
{
	if (w->completed <= s->seen)
		return;
	ADD(r->kernels, w->completed - s->seen);
	STORE(r->last_kernel_ns, w->end_ns);
	/*
	 * The device idled from the member's previous kernel to this one;
	 * known when WAIT's times are of the kernel right after it.
	 */
	if (w->completed == s->seen + 1) {
		if (b->end_ns && w->start_ns > b->end_ns)
			ADD(r->gap_ns, w->start_ns - b->end_ns);
		else if (!b->end_ns && w->start_ns > b->start_ns)
			ADD(r->first_ns, w->start_ns - b->start_ns);
	}
	s->seen = w->completed;
	b->end_ns = w->end_ns;
}

/*
 * Wait for kernel @seq of @s.  A signal interrupts the wait only when the
 * run stops.  False on an error or the stop.
 */
static bool stream_wait(struct run *r, struct gang *g, struct stream *s,
			struct bar *b, __u64 seq)
{
	struct strata_fakegpu_wait w;
	int err;

	do
		err = strata_fakegpu_wait(s->fd, seq, &w);
	while (err == -EINTR && !LOAD(r->stop));
	if (err) {
		if (!LOAD(r->stop))
			run_error(r, "gang %d: WAIT for kernel %llu: %s", g->idx,
				  (unsigned long long)seq, strerror(-err));
		return false;
	}
	stream_note(r, s, b, &w);
	return true;
}

/* Queue a kernel of @us, then wait for the one queued before it. */
static bool stream_run(struct run *r, struct gang *g, struct stream *s,
		       struct bar *b, long us)
{
	struct strata_fakegpu_run k;
	__u64 prev = s->queued;
	int err;

	err = strata_fakegpu_run(s->fd, us, 0, &k);
	if (err) {
		if (!LOAD(r->stop))
			run_error(r, "gang %d: RUN of %ld us: %s", g->idx, us,
				  strerror(-err));
		return false;
	}
	s->queued = k.seq;
	return !prev || stream_wait(r, g, s, b, prev);
}

/* Wait for every kernel of @s: the end of the bar. */
static bool stream_drain(struct run *r, struct gang *g, struct stream *s,
			 struct bar *b)
{
	__u64 last = s->queued;

	s->queued = 0;
	return !last || stream_wait(r, g, s, b, last);
}

static void stream_close(struct stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	*s = (struct stream){ .fd = -1 };
}

/* The last of a gang's threads to return completes or abandons it. */
static void member_exit(struct gang *g)
{
	struct run *r = g->run;

	if (ADD(g->left, -1))
		return;
	if (LOAD(g->finished) == g->members)
		STORE(g->done_ns, now_ns());
	if (r->pol != NAIVE)
		strata_handle_close(table_fd, g->handle);
	ADD(r->ended, 1);
}

static void *strata_member(void *arg)
{
	struct member *m = arg;
	struct gang *g = m->g;
	struct run *r = g->run;
	struct bar b = { .gpu = -1 };
	struct stream k = { .fd = -1 };
	long left_us = g->dur_ms * 1000L;
	struct strata_gang_step st;
	__u64 slice = 0;
	bool ok = true;
	__u32 index;
	int err;

	if (!run_pause(r, m->jitter_us))
		goto out;
	err = strata_gang_join(gang_fd, table_fd, g->handle, &index);
	if (err) {
		if (!LOAD(r->stop))
			run_error(r, "gang %d: JOIN: %s", g->idx,
				  strerror(-err));
		goto out;
	}
	while (left_us > 0 && !LOAD(r->stop)) {
		long us = left_us < KERNEL_US ? left_us : KERNEL_US;
		__u64 t = now_ns();

		/* Before each kernel: a member of a preempted gang parks. */
		err = strata_gang_step(gang_fd, table_fd, g->handle, 0, &st);
		if (!err && slice && st.slice == slice)
			ADD(r->step_ns, now_ns() - t);
		if (err == -EINTR)
			continue;
		if (err) {
			if (!LOAD(r->stop))
				run_error(r, "gang %d: STEP: %s", g->idx,
					  strerror(-err));
			break;
		}
		note_admitted(g, now_ns());
		if (st.nr_gpus != 1 || st.gpus[0] >= NR_GPUS) {
			run_error(r, "gang %d: STEP gave %u GPUs, the first %u",
				  g->idx, st.nr_gpus, st.gpus[0]);
			break;
		}
		if ((int)st.gpus[0] != b.gpu || st.slice != slice) {
			/* The last slice's kernels ended its bar. */
			ok = stream_drain(r, g, &k, &b);
			bar_flush(r, g, &b);
			if (!ok)
				break;
			if ((int)st.gpus[0] != b.gpu)
				stream_close(&k);
			b.gpu = st.gpus[0];
			b.start_ns = now_ns();
			/* Under LAS every slice has an end (gang.h). */
			if (st.slice != slice && !st.slice_end_ns &&
			    r->pol == STRATA)
				ADD(r->endless, 1);
			slice = st.slice;
		}
		if (k.fd < 0) {
			k.fd = strata_fakegpu_open(b.gpu);
			if (k.fd < 0) {
				run_error(r, "gang %d: open gpu%d: %s", g->idx,
					  b.gpu, strerror(-k.fd));
				k.fd = -1;
				break;
			}
		}
		ok = stream_run(r, g, &k, &b, us);
		if (!ok)
			break;
		left_us -= us;
	}
	/* Its work is done when its last kernel is. */
	if (ok && k.fd >= 0 && !stream_drain(r, g, &k, &b))
		left_us = 1;
	bar_flush(r, g, &b);
	stream_close(&k);
	err = strata_gang_leave(gang_fd, table_fd, g->handle);
	if (err && !LOAD(r->stop))
		run_error(r, "gang %d: LEAVE: %s", g->idx, strerror(-err));
	if (left_us <= 0)
		ADD(g->finished, 1);
out:
	member_exit(g);
	return NULL;
}

static void wait_on(pthread_cond_t *cond, pthread_mutex_t *lock, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_cond_timedwait(cond, lock, &ts);
}

/* naive: one GPU from the free FIFO, or -1 when the run stops. */
static int pool_get(struct run *r)
{
	int id = -1;

	pthread_mutex_lock(&r->lock);
	while (!r->nr_free && !LOAD(r->stop))
		wait_on(&r->gpu_free, &r->lock, 100);
	if (!LOAD(r->stop)) {
		id = r->free_ids[r->free_head];
		r->free_head = (r->free_head + 1) % NR_GPUS;
		r->nr_free--;
	}
	pthread_mutex_unlock(&r->lock);
	return id;
}

static void pool_put(struct run *r, int id)
{
	pthread_mutex_lock(&r->lock);
	r->free_ids[(r->free_head + r->nr_free) % NR_GPUS] = id;
	r->nr_free++;
	pthread_cond_signal(&r->gpu_free);
	pthread_mutex_unlock(&r->lock);
}

static void *naive_member(void *arg)
{
	struct member *m = arg;
	struct gang *g = m->g;
	struct run *r = g->run;
	struct bar b = { .gpu = -1 };
	struct stream k = { .fd = -1 };
	long left_us = g->dur_ms * 1000L;
	bool ok = true;
	int gpu;

	if (!run_pause(r, m->jitter_us))
		goto out;
	gpu = pool_get(r);
	if (gpu < 0)
		goto out;
	pthread_mutex_lock(&r->lock);
	if (++g->holding == g->members) {
		note_admitted(g, now_ns());
		pthread_cond_broadcast(&g->all_held);
	}
	while (g->holding < g->members && !LOAD(r->stop))
		wait_on(&g->all_held, &r->lock, 100);
	pthread_mutex_unlock(&r->lock);

	if (!LOAD(r->stop)) {
		k.fd = strata_fakegpu_open(gpu);
		if (k.fd < 0) {
			run_error(r, "gang %d: open gpu%d: %s%s", g->idx, gpu,
				  strerror(-k.fd), k.fd == -EPERM ?
				  " (is GPU access enforced?)" : "");
			k.fd = -1;
		} else {
			b.gpu = gpu;
			b.start_ns = now_ns();
			while (left_us > 0 && !LOAD(r->stop)) {
				long us = left_us < KERNEL_US ? left_us :
					  KERNEL_US;

				ok = stream_run(r, g, &k, &b, us);
				if (!ok)
					break;
				left_us -= us;
			}
			if (ok && !stream_drain(r, g, &k, &b))
				left_us = 1;
			bar_flush(r, g, &b);
			stream_close(&k);
		}
	}
	pool_put(r, gpu);
	if (left_us <= 0)
		ADD(g->finished, 1);
out:
	member_exit(g);
	return NULL;
}

/* ---- trace runs: the controller --------------------------------------------- */

static void launch(struct run *r, struct gang *g, const pthread_attr_t *attr)
{
	void *(*fn)(void *) = r->pol == NAIVE ? naive_member : strata_member;
	int i, err;

	g->arrival = (now_ns() - r->t0_ns) / 1e9;
	g->left = g->members;
	r->launched++;
	if (r->pol != NAIVE) {
		struct strata_gang_create c = {
			.nr_members = g->members,
			.gpus_per_member = 1,
			.on_member_exit = STRATA_GANG_EXIT_ABORT,
		};

		if (r->pol == BACKFILL)
			c.runtime_hint_ms = g->dur_ms;
		snprintf(c.name, sizeof(c.name), "t%d", g->idx);
		err = strata_gang_create(gang_fd, table_fd, &c, &g->handle);
		if (err) {
			run_error(r, "CREATE of gang %d (%d members): %s",
				  g->idx, g->members, strerror(-err));
			g->left = 1;
			g->finished = -1;
			member_exit(g);
			return;
		}
	}
	for (i = 0; i < g->members; i++) {
		g->mem[i].g = g;
		g->mem[i].index = i;
		g->mem[i].jitter_us = rng_next() % LAUNCH_JITTER_US;
		err = pthread_create(&g->thr[i], attr, fn, &g->mem[i]);
		if (err) {
			run_error(r, "gang %d: pthread_create: %s", g->idx,
				  strerror(err));
			/* The threads that never ran exit at once. */
			for (; i < g->members; i++)
				member_exit(g);
			return;
		}
		g->nr_thr = i + 1;
	}
}

/* Wake whatever waits in the harness; kill the gangs in strata_gang. */
static void stop_everything(struct run *r)
{
	int i;

	pthread_mutex_lock(&r->lock);
	pthread_cond_broadcast(&r->gpu_free);
	for (i = 0; i < r->launched; i++)
		pthread_cond_broadcast(&r->gangs[i].all_held);
	pthread_mutex_unlock(&r->lock);
	if (r->pol == NAIVE)
		return;
	for (i = 0; i < r->launched; i++)
		if (LOAD(r->gangs[i].left))
			strata_gang_kill(gang_fd, table_fd,
					 r->gangs[i].handle);
}

/* What the run looks like at a stall, before anything is released. */
static void note_stall(struct run *r)
{
	struct strata_gang_status st;
	int i, waiting = 0, held = 0;

	if (r->pol != NAIVE) {
		if (!strata_gang_status(gang_fd, &st))
			note("strata_gang: %u gangs, %u queued, %u running, %u of %u GPUs free",
			     st.gangs, st.queued, st.running, st.free_gpus,
			     st.nr_gpus);
		return;
	}
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->launched; i++) {
		const struct gang *g = &r->gangs[i];

		if (g->holding > 0 && g->holding < g->members) {
			waiting++;
			held += g->holding;
		}
	}
	note("%d GPUs free, %d held by %d gangs that wait for the rest of theirs",
	     r->nr_free, held, waiting);
	pthread_mutex_unlock(&r->lock);
}

/* Join every thread; a thread stuck in an ioctl is interrupted. */
static void join_all(struct run *r)
{
	__u64 soft = now_ns() + STOP_TIMEOUT_S * 1000000000ULL / 3;
	__u64 hard = now_ns() + STOP_TIMEOUT_S * 1000000000ULL;
	bool kicked = false;
	struct timespec ts;
	int i, j, err;

	for (i = 0; i < r->launched; i++) {
		struct gang *g = &r->gangs[i];

		for (j = 0; j < g->nr_thr; j++) {
			for (;;) {
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_nsec += 100000000L;
				ts.tv_sec += ts.tv_nsec / 1000000000L;
				ts.tv_nsec %= 1000000000L;
				err = pthread_timedjoin_np(g->thr[j], NULL,
							   &ts);
				if (err != ETIMEDOUT)
					break;
				if (!kicked && now_ns() > soft) {
					run_error(r, "member threads do not end: killing the gangs, interrupting them");
					stop_everything(r);
					for (int a = i; a < r->launched; a++)
						for (int c = 0; c < r->gangs[a].nr_thr; c++)
							pthread_kill(r->gangs[a].thr[c],
								     SIGUSR1);
					kicked = true;
				}
				if (now_ns() > hard)
					fail("member threads of gang %d still blocked %d s after the run ended",
					     g->idx, STOP_TIMEOUT_S);
				check_signal();
			}
		}
	}
}

static void write_gantt(struct run *r)
{
	char path[512];
	const char *file = opt_gantt, *dir;
	FILE *f;
	int i;

	if (!file) {
		dir = getenv("STRATA_BENCH_DIR");
		snprintf(path, sizeof(path), "%s%sgang-gantt.csv",
			 dir ? dir : "", dir ? "/" : "");
		file = path;
	}
	f = fopen(file, "we");
	if (!f)
		die(file, errno);
	fprintf(f, "gpu,gang,start_s,end_s\n");
	for (i = 0; i < r->nr_segs; i++)
		fprintf(f, "%d,%d,%.4f,%.4f\n", r->segs[i].gpu,
			r->segs[i].gang, r->segs[i].start, r->segs[i].end);
	if (fclose(f))
		die(file, errno);
	note("%d bars of GPU occupancy in %s", r->nr_segs, file);
}

static void run_trace(enum policy pol, int l, bool gantt)
{
	struct result *res = &results[pol][l];
	double *at, *jct, busy0, busy1, sw0, sw1, t, end_t, lambda, sum, lag;
	__u64 last_progress, deadline_ns, last_poll = 0;
	long kernels, last_kernels = -1;
	int i, next = 0, ended, last_ended = -1, nc;
	/* free GPU-s, as STATUS sees it: gangs queued, forming, none */
	double free_queued = 0, free_forming = 0, free_none = 0, held = 0;
	struct strata_gang_status gs, last_gs = { };
	char label[32];
	pthread_attr_t attr;
	struct run r = {
		.pol = pol,
		.load = l,
		.n = opt_gangs,
		.gantt = gantt,
	};

	snprintf(label, sizeof(label), "%s/%s", policy_names[pol],
		 load_names[l]);
	running = label;
	r.gangs = calloc(r.n, sizeof(*r.gangs));
	at = calloc(r.n, sizeof(*at));
	jct = calloc(r.n, sizeof(*jct));
	if (!r.gangs || !at || !jct)
		die("calloc", ENOMEM);
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.gpu_free, NULL);
	for (i = 0; i < NR_GPUS; i++)
		r.free_ids[i] = i;
	r.nr_free = NR_GPUS;
	lambda = NR_GPUS * loads[l] / (trace_work_s / r.n);
	for (sum = 0, i = 0; i < r.n; i++) {
		struct gang *g = &r.gangs[i];

		sum += trace[i].gap;
		at[i] = sum / lambda;
		g->run = &r;
		g->idx = i;
		g->members = trace[i].members;
		g->dur_ms = trace[i].dur_ms;
		pthread_cond_init(&g->all_held, NULL);
	}
	/* Same launch delays for every policy at a load. */
	rng_state = opt_seed * 31 + l;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_SIZE);

	if (pol != NAIVE) {
		settle();
		set_policy(policy_param[pol]);
	}
	/* Generous: every gang alone, one after the other, twice, + 30 s. */
	deadline_ns = (at[r.n - 1] + 2 * trace_mean_d_s * r.n + 30) * 1e9;
	note("%d gangs arriving over %.1f s", r.n, at[r.n - 1]);
	busy0 = gpu_busy_s(&sw0);
	r.t0_ns = now_ns();
	last_progress = r.t0_ns;
	for (;;) {
		__u64 tn = now_ns();

		t = (tn - r.t0_ns) / 1e9;
		while (next < r.n && at[next] <= t &&
		       !LOAD(r.stop))
			launch(&r, &r.gangs[next++], &attr);
		ended = LOAD(r.ended);
		if (next == r.n && ended == r.n)
			break;
		/* Free GPUs while gangs wait, form, or none is there. */
		if (pol != NAIVE && !strata_gang_status(gang_fd, &gs)) {
			double dt = last_poll ? (tn - last_poll) / 1e9 : 0;

			held += (last_gs.nr_gpus - last_gs.free_gpus) * dt;
			if (last_gs.queued)
				free_queued += last_gs.free_gpus * dt;
			else if (r.launched > LOAD(r.ended) + last_gs.running)
				free_forming += last_gs.free_gpus * dt;
			else
				free_none += last_gs.free_gpus * dt;
			last_gs = gs;
			last_poll = tn;
		}
		if (LOAD(r.stop))
			break;
		kernels = LOAD(r.kernels);
		if (kernels != last_kernels || ended != last_ended ||
		    ended == r.launched)
			last_progress = tn;
		last_kernels = kernels;
		last_ended = ended;
		if (tn - last_progress > STALL_MS * 1000000ULL) {
			int expected = RUNNING;

			note_stall(&r);
			if (__atomic_compare_exchange_n(&r.stop, &expected,
							STOP_DEADLOCK, false,
							__ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE))
				STORE(r.stop_ns, tn);
			note("no kernel completed for %d ms with %d gangs unfinished: deadlock",
			     STALL_MS, r.launched - ended);
			break;
		}
		if (tn - r.t0_ns > deadline_ns) {
			run_error(&r, "not done after %.0f s: %d of %d gangs ended",
				  deadline_ns / 1e9, ended, r.n);
			break;
		}
		if (got_signal) {
			stop_everything(&r);
			check_signal();
		}
		t = next < r.n ? at[next] - t : 1;
		sleep_us(t < TICK_MS / 1e3 ? (long)(t * 1e6) + 1 :
			 TICK_MS * 1000);
	}
	if (LOAD(r.stop))
		stop_everything(&r);
	join_all(&r);
	busy1 = gpu_busy_s(&sw1);
	pthread_attr_destroy(&attr);

	/* The figures. */
	nc = 0;
	end_t = 0;
	res->max_wait8 = 0;
	for (i = 0; i < r.launched; i++) {
		struct gang *g = &r.gangs[i];
		double wait = -1;

		if (g->done_ns) {
			double done = (g->done_ns - r.t0_ns) / 1e9;

			jct[nc++] = done - g->arrival;
			if (done > end_t)
				end_t = done;
		}
		if (g->members != NR_GPUS)
			continue;
		if (g->admitted_ns)
			wait = (g->admitted_ns - r.t0_ns) / 1e9 - g->arrival;
		else if (r.stop)
			wait = (r.stop_ns - r.t0_ns) / 1e9 - g->arrival;
		if (wait > res->max_wait8)
			res->max_wait8 = wait;
	}
	if (r.stop && r.last_kernel_ns &&
	    (r.last_kernel_ns - r.t0_ns) / 1e9 > end_t)
		end_t = (r.last_kernel_ns - r.t0_ns) / 1e9;
	res->completed = nc;
	res->deadlock = r.stop == STOP_DEADLOCK;
	for (sum = 0, i = 0; i < nc; i++)
		sum += jct[i];
	res->avg_jct = nc ? sum / nc : 0;
	res->p95_jct = percentile(jct, nc, 0.95);
	res->makespan = end_t - (r.launched ? r.gangs[0].arrival : 0);
	res->util = res->makespan > 0 ?
		    (busy1 - busy0) / (NR_GPUS * res->makespan) : 0;
	res->util_vs_ideal = res->util / ideal_util[l];
	res->done = true;
	/* How late the controller started the gangs: a loss LB ignores. */
	for (lag = 0, i = 0; i < r.launched; i++)
		if (r.gangs[i].arrival - at[i] > lag)
			lag = r.gangs[i].arrival - at[i];
	note("%d of %d gangs completed%s; jct avg %.2f s, p95 %.2f s; makespan %.2f s (LB %.2f s); util %.3f (ideal %.3f); 8-GPU wait max %.2f s; arrival lag max %.0f ms",
	     nc, r.n, res->deadlock ? " (deadlock)" : "", res->avg_jct,
	     res->p95_jct, res->makespan, ideal_lb[l], res->util,
	     ideal_util[l], res->max_wait8, lag * 1e3);
	if (res->makespan > 0) {
		double all = NR_GPUS * res->makespan / 100;

		note("GPU time: kernels %.1f %%, context switches %.1f %%, idle between a member's kernels %.1f %% (STEP calls %.1f %%), other idle %.1f %%",
		     (busy1 - busy0) / all, (sw1 - sw0) / all,
		     r.gap_ns / 1e9 / all, r.step_ns / 1e9 / all,
		     100 - (busy1 - busy0 + sw1 - sw0 + r.gap_ns / 1e9) / all);
		if (r.endless)
			note("WARNING: %d times a member's STEP gave a slice without an end (slice_end_ns 0) under LAS: such a gang is never preempted",
			     r.endless);
		if (pol != NAIVE)
			note("GPUs (STATUS every %d ms): held %.1f %%; free while gangs queued %.1f %%, while gangs formed (launch delays) %.1f %%, with no gang there %.1f %%; a bar's start to its first kernel %.1f %%",
			     TICK_MS, held / all, free_queued / all,
			     free_forming / all, free_none / all,
			     r.first_ns / 1e9 / all);
	}
	if (r.errors || (res->deadlock && pol != NAIVE)) {
		note("ERROR: strata_gang misbehaved in this run");
		failed = true;
	}
	if (gantt)
		write_gantt(&r);

	for (i = 0; i < r.n; i++)
		pthread_cond_destroy(&r.gangs[i].all_held);
	pthread_cond_destroy(&r.gpu_free);
	pthread_mutex_destroy(&r.lock);
	free(r.segs);
	free(r.gangs);
	free(at);
	free(jct);
	running = "";
}

/* ---- co-scheduled gangs: skew and barriers ------------------------------- */

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

static struct {
	int ready;		/* threads that joined their gang */
	int go;			/* the threads start */
	int abort;		/* the run ends now */
	int errors;
	__u64 start_ns, end_ns, bail_ns;
	bool skew;		/* part 2, else part 3 */
} co;

static __printf(1, 2) void co_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
	ADD(co.errors, 1);
	STORE(co.abort, 1);
}

static long futex(int *uaddr, int op, int val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

/* The barrier; false when the run ends (time is up or it is aborted). */
static bool barrier_wait(struct bgang *g)
{
	static const struct timespec tick = { .tv_nsec = 100000000L };
	int gen = LOAD(g->gen);
	unsigned long spins = 0;

	if (ADD(g->count, 1) == g->members) {
		__u64 t = now_ns();

		g->steps++;
		g->last_ns = t;
		STORE(g->count, 0);
		if (t >= co.end_ns)
			STORE(g->quit, 1);
		STORE(g->gen, gen + 1);
		if (!g->spin)
			futex(&g->gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
		return !LOAD(g->quit);
	}
	while (LOAD(g->gen) == gen) {
		if (LOAD(co.abort))
			return false;
		if (g->spin) {
			cpu_relax();
			if (++spins % 4096)
				continue;
		} else {
			futex(&g->gen, FUTEX_WAIT_PRIVATE, gen, &tick);
		}
		if (now_ns() > co.bail_ns) {
			/*
			 * A livelock of the scheduler under test: an error,
			 * so that no figure comes of the steps before it.
			 */
			if (!__atomic_exchange_n(&co.abort, 1,
						 __ATOMIC_ACQ_REL)) {
				note("a barrier still waits %d s after the start: giving up",
				     BAR_BAIL_S);
				ADD(co.errors, 1);
			}
			return false;
		}
	}
	return !LOAD(g->quit);
}

/* Wait for the start; false if the run was aborted or never started. */
static bool co_wait_go(void)
{
	__u64 end = now_ns() + 30 * 1000000000ULL;

	while (!LOAD(co.go)) {
		if (LOAD(co.abort) || now_ns() > end)
			return false;
		sleep_us(1000);
	}
	return true;
}

static void *co_member(void *arg)
{
	struct bgang *g = arg;
	struct strata_gang_step st;
	__u32 index;
	int err;

	/* Barrier threads stay on the barrier CPUs, in either mode. */
	if (!co.skew && sched_setaffinity(0, sizeof(bar_cpus), &bar_cpus)) {
		co_error("gang %d: sched_setaffinity to %s: %s", g->id,
			 opt_barrier_cpus, strerror(errno));
		return NULL;
	}
	if (g->in_module) {
		err = strata_gang_join(gang_fd, table_fd, g->handle, &index);
		if (err) {
			co_error("gang %d: JOIN: %s", g->id, strerror(-err));
			return NULL;
		}
	}
	ADD(co.ready, 1);
	if (!co_wait_go())
		goto leave;
	for (;;) {
		if (g->in_module) {
			err = strata_gang_step(gang_fd, table_fd, g->handle, 0,
					       &st);
			if (err == -EINTR && !LOAD(co.abort))
				continue;
			if (err) {
				if (!LOAD(co.abort))
					co_error("gang %d: STEP: %s", g->id,
						 strerror(-err));
				break;
			}
		}
		if (LOAD(co.abort))
			break;
		if (co.skew) {
			spin_cpu_us(SKEW_STEP_US);
			if (now_ns() >= co.end_ns)
				break;
		} else {
			spin_cpu_us(BAR_WORK_US);
			if (!barrier_wait(g))
				break;
		}
	}
leave:
	if (g->in_module) {
		err = strata_gang_leave(gang_fd, table_fd, g->handle);
		if (err && !LOAD(co.abort))
			co_error("gang %d: LEAVE: %s", g->id, strerror(-err));
	}
	return NULL;
}

static void co_create(struct bgang *g, unsigned int slice_ms)
{
	struct strata_gang_create c = {
		.nr_members = g->members,
		.gpus_per_member = 1,
		.slice_ms = slice_ms,
		.on_member_exit = STRATA_GANG_EXIT_ABORT,
		.flags = STRATA_GANG_COSCHED,
	};
	struct strata_gang_info info;
	int err;

	snprintf(c.name, sizeof(c.name), "co%d", g->id);
	err = strata_gang_create(gang_fd, table_fd, &c, &g->handle);
	if (err)
		fail("CREATE of a COSCHED gang: %s", strerror(-err));
	err = strata_gang_info(gang_fd, table_fd, g->handle, &info);
	if (err)
		fail("INFO: %s", strerror(-err));
	g->koid = info.koid;
}

/*
 * Start both gangs' threads, run until co.end_ns, join them.  @poll, if
 * given, is called every SKEW_POLL_US meanwhile.  Returns false when the
 * threads had to be stopped.
 */
static bool co_run(struct bgang *gangs, double secs,
		   void (*poll)(struct bgang *gangs))
{
	__u64 hard;
	struct timespec ts;
	pthread_attr_t attr;
	bool ok = true;
	int i, j, err;

	STORE(co.go, 0);
	STORE(co.ready, 0);
	STORE(co.abort, 0);
	STORE(co.errors, 0);
	co_live = gangs;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_SIZE);
	for (i = 0; i < 2; i++) {
		for (j = 0; j < gangs[i].members; j++) {
			err = pthread_create(&gangs[i].thr[j], &attr,
					     co_member, &gangs[i]);
			if (err) {
				co_error("pthread_create: %s", strerror(err));
				break;
			}
			gangs[i].nr_thr++;
		}
	}
	pthread_attr_destroy(&attr);
	/* Every member joins (and a first gang is admitted) before the start. */
	hard = now_ns() + 30 * 1000000000ULL;
	while (LOAD(co.ready) < gangs[0].nr_thr + gangs[1].nr_thr &&
	       !LOAD(co.abort)) {
		if (now_ns() > hard) {
			co_error("the members did not all join within 30 s");
			break;
		}
		check_signal();
		sleep_us(5000);
	}
	sleep_us(50000);
	co.start_ns = now_ns();
	co.end_ns = co.start_ns + (__u64)(secs * 1e9);
	co.bail_ns = co.start_ns + BAR_BAIL_S * 1000000000ULL;
	STORE(co.go, 1);
	hard = co.start_ns + (__u64)((secs + BAR_BAIL_S + 10) * 1e9);
	for (i = 0; i < 2; i++) {
		for (j = 0; j < gangs[i].nr_thr; j++) {
			for (;;) {
				if (poll)
					poll(gangs);
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_nsec += poll ? SKEW_POLL_US * 1000L :
					      100000000L;
				ts.tv_sec += ts.tv_nsec / 1000000000L;
				ts.tv_nsec %= 1000000000L;
				err = pthread_timedjoin_np(gangs[i].thr[j],
							   NULL, &ts);
				if (err != ETIMEDOUT)
					break;
				if (got_signal) {
					STORE(co.abort, 1);
					check_signal();
				}
				if (ok && now_ns() > hard) {
					co_error("threads still running %.0f s after the end: killing the gangs",
						 (now_ns() - co.end_ns) / 1e9);
					for (int a = 0; a < 2; a++) {
						if (gangs[a].in_module)
							strata_gang_kill(gang_fd, table_fd,
									 gangs[a].handle);
						for (int b = 0; b < gangs[a].nr_thr; b++)
							pthread_kill(gangs[a].thr[b],
								     SIGUSR1);
					}
					ok = false;
					hard = now_ns() + 10 * 1000000000ULL;
				} else if (!ok && now_ns() > hard) {
					fail("threads blocked for good");
				}
			}
		}
	}
	/* Every thread is gone: nothing for cleanup() to kill. */
	co_live = NULL;
	for (i = 0; i < 2; i++) {
		struct strata_gang_info info;

		if (!gangs[i].in_module)
			continue;
		if (!strata_gang_info(gang_fd, table_fd, gangs[i].handle,
				      &info))
			note("gang %d: %llu slices, %llu preemptions, ran %.2f s, queued %.2f s, max skew %.0f us",
			     i, (unsigned long long)info.slices,
			     (unsigned long long)info.preemptions,
			     info.run_ns / 1e9, info.wait_ns / 1e9,
			     info.max_skew_ns / 1e3);
		strata_handle_close(table_fd, gangs[i].handle);
	}
	if (LOAD(co.errors)) {
		note("ERROR: strata_gang misbehaved in this run");
		failed = true;
		ok = false;
	}
	return ok;
}

/* ---- part 2: co-start skew ------------------------------------------------ */

/* Fallback without tracefs: INFO's last_skew_ns of each new slice. */
static double *poll_skews;
static int nr_poll_skews, cap_poll_skews;
static __u64 poll_slices[2];

static void poll_skew(struct bgang *gangs)
{
	struct strata_gang_info info;
	int i;

	for (i = 0; i < 2; i++) {
		if (strata_gang_info(gang_fd, table_fd, gangs[i].handle,
				     &info))
			continue;
		/* last_skew_ns is that of the latest complete slice start. */
		if (!info.slices || info.slices == poll_slices[i] ||
		    !info.last_skew_ns)
			continue;
		poll_slices[i] = info.slices;
		if (nr_poll_skews == cap_poll_skews) {
			int cap = cap_poll_skews ? 2 * cap_poll_skews : 256;
			double *p = realloc(poll_skews, cap * sizeof(*p));

			if (!p)
				return;
			poll_skews = p;
			cap_poll_skews = cap;
		}
		poll_skews[nr_poll_skews++] = info.last_skew_ns / 1e3;
	}
}

static void instance_remove(void)
{
	if (!instance_made)
		return;
	write_file(INSTANCE "/" SLICE_EVENT "/enable", "0");
	if (rmdir(INSTANCE))
		note("rmdir %s: %s", INSTANCE, strerror(errno));
	instance_made = false;
}

/* A tracefs instance recording the slice_start event, or false. */
static bool instance_setup(void)
{
	struct stat sb;

	if (stat(TRACEFS "/events", &sb) &&
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		return false;
	if (stat(INSTANCE, &sb) == 0 && rmdir(INSTANCE))
		return false;
	if (mkdir(INSTANCE, 0755))
		return false;
	instance_made = true;
	if (write_file(INSTANCE "/" SLICE_EVENT "/enable", "1")) {
		instance_remove();
		return false;
	}
	return true;
}

/* The skews of @gangs' slices in the instance's buffer, in us. */
static int instance_read(struct bgang *gangs, double **out)
{
	unsigned long long koid, skew_ns;
	int n = 0, cap = 0;
	char line[512], *p;
	double *v = NULL;
	FILE *f;

	write_file(INSTANCE "/" SLICE_EVENT "/enable", "0");
	f = fopen(INSTANCE "/trace", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "strata_gang_slice_start:");
		if (!p || !(p = strstr(p, "koid=")) ||
		    sscanf(p, "koid=%llu", &koid) != 1)
			continue;
		if (koid != gangs[0].koid && koid != gangs[1].koid)
			continue;
		p = strstr(p, "skew_ns=");
		if (!p || sscanf(p, "skew_ns=%llu", &skew_ns) != 1)
			continue;
		if (n == cap) {
			double *q;

			cap = cap ? 2 * cap : 256;
			q = realloc(v, cap * sizeof(*v));
			if (!q)
				break;
			v = q;
		}
		v[n++] = skew_ns / 1e3;
	}
	fclose(f);
	*out = v;
	return n;
}

static void run_skew(void)
{
	struct bgang gangs[2] = { { .id = 0 }, { .id = 1 } };
	double *v = NULL;
	bool traced;
	int i, n;

	running = "skew";
	settle();
	set_policy(STRATA_GANG_POLICY_LAS);
	traced = instance_setup();
	if (!traced)
		note("no tracefs event %s: polling INFO instead", SLICE_EVENT);
	for (i = 0; i < 2; i++) {
		gangs[i].members = COSCHED_MEMBERS;
		gangs[i].in_module = true;
		co_create(&gangs[i], SKEW_SLICE_MS);
	}
	co.skew = true;
	nr_poll_skews = 0;
	memset(poll_slices, 0, sizeof(poll_slices));
	note("two gangs of %d co-scheduled members, slices of %d ms, %.0f s",
	     COSCHED_MEMBERS, SKEW_SLICE_MS, opt_skew_s);
	if (!co_run(gangs, opt_skew_s, traced ? NULL : poll_skew)) {
		instance_remove();
		running = "";
		return;
	}
	if (traced) {
		n = instance_read(gangs, &v);
		instance_remove();
		if (n < 0)
			fail("read %s/trace: %s", INSTANCE, strerror(errno));
	} else {
		v = poll_skews;
		n = nr_poll_skews;
		poll_skews = NULL;
		cap_poll_skews = 0;
	}
	if (!n) {
		note("ERROR: no slice of the two gangs started");
		failed = true;
	} else {
		skew.slices = n;
		skew.p50_us = percentile(v, n, 0.50);
		skew.p99_us = percentile(v, n, 0.99);
		skew.done = true;
		note("%d slices: skew p50 %.0f us, p99 %.0f us, max %.0f us",
		     n, skew.p50_us, skew.p99_us, v[n - 1]);
	}
	free(v);
	running = "";
}

/* ---- part 3: barrier steps ----------------------------------------------- */

/*
 * The module's co-scheduling pool becomes the barrier CPUs, so that a
 * gang of bar_threads members needs them all; false if it cannot.
 */
static bool pool_set(void)
{
	struct strata_gang_status st;
	int err;

	settle();
	if (!orig_pool[0]) {
		note("ERROR: no %scpus to read", PARAMS);
		return false;
	}
	err = write_file(PARAMS "cpus", opt_barrier_cpus);
	if (err) {
		note("ERROR: write %s to %scpus: %s", opt_barrier_cpus, PARAMS,
		     strerror(-err));
		return false;
	}
	pool_changed = true;
	err = strata_gang_status(gang_fd, &st);
	if (err)
		fail("STATUS: %s", strerror(-err));
	if (st.nr_cpus != (__u32)bar_nr_cpus) {
		note("ERROR: the pool has %u CPUs after writing %s, not %d",
		     st.nr_cpus, opt_barrier_cpus, bar_nr_cpus);
		return false;
	}
	note("co-scheduling pool %s (was %s)", opt_barrier_cpus, orig_pool);
	return true;
}

/*
 * The pool as it was.  Refused (EBUSY) while a running gang holds pool
 * CPUs: on an early exit those are the gangs of a co_run, killed here.
 */
static void pool_restore(void)
{
	__u64 end = now_ns() + SETTLE_TIMEOUT_S * 1000000000ULL;
	int err, i;

	if (!pool_changed)
		return;
	for (;;) {
		err = write_file(PARAMS "cpus", orig_pool);
		if (err != -EBUSY || now_ns() > end)
			break;
		for (i = 0; co_live && i < 2; i++)
			if (co_live[i].in_module)
				strata_gang_kill(gang_fd, table_fd,
						 co_live[i].handle);
		sleep_us(10000);
	}
	if (err)
		note("restore cpus %s: %s", orig_pool, strerror(-err));
	pool_changed = false;
}

static void run_barrier(int kind, int sched)
{
	struct bgang gangs[2] = { { .id = 0 }, { .id = 1 } };
	double ideal = BAR_WORK_US / 1e6, sum = 0;
	char label[32];
	int i;

	/* 2N threads on the CPUs, each doing W per step. */
	if (2 * bar_threads > bar_nr_cpus)
		ideal *= 2.0 * bar_threads / bar_nr_cpus;

	snprintf(label, sizeof(label), "%s/%s", kind == SPIN ? "spin" : "sleep",
		 sched == CFS ? "cfs" : "strata");
	running = label;
	if (sched == GANGS) {
		settle();
		set_policy(STRATA_GANG_POLICY_LAS);
	}
	for (i = 0; i < 2; i++) {
		gangs[i].members = bar_threads;
		gangs[i].spin = kind == SPIN;
		gangs[i].in_module = sched == GANGS;
		if (sched == GANGS)
			co_create(&gangs[i], 0);
	}
	co.skew = false;
	note("two gangs of %d threads on CPUs %s%s, %.1f s", bar_threads,
	     opt_barrier_cpus, sched == GANGS ? ", co-scheduled" : "",
	     opt_barrier_s);
	if (!co_run(gangs, opt_barrier_s, NULL)) {
		running = "";
		return;
	}
	for (i = 0; i < 2; i++) {
		double elapsed = (gangs[i].last_ns - co.start_ns) / 1e9;

		if (!gangs[i].steps) {
			note("gang %d completed no step", i);
			sum += 1e3;	/* a figure that says it all */
			continue;
		}
		sum += elapsed / gangs[i].steps / ideal;
		note("gang %d: %ld steps in %.2f s, %.2f ms each (ideal %.1f ms)",
		     i, gangs[i].steps, elapsed,
		     elapsed / gangs[i].steps * 1e3, ideal * 1e3);
	}
	bars[kind][sched].ratio = sum / 2;
	bars[kind][sched].done = true;
	running = "";
}

/* ---- main ------------------------------------------------------------------ */

static void cleanup(void)
{
	int err;

	instance_remove();
	pool_restore();
	if (policy_changed) {
		err = write_file(PARAMS "sched_policy", orig_policy);
		if (err)
			note("restore sched_policy %s: %s", orig_policy,
			     strerror(-err));
		policy_changed = false;
	}
	if (max_gangs_changed) {
		err = write_file(PARAMS "user_max_gangs", orig_max_gangs);
		if (err)
			note("restore user_max_gangs %s: %s", orig_max_gangs,
			     strerror(-err));
		max_gangs_changed = false;
	}
}

static void print_results(void)
{
	int p, l;

	printf("{\n");
	printf("  \"trace_gangs\": %d,\n", opt_gangs);
	printf("  \"trace_seed\": %llu,\n", opt_seed);
	printf("  \"trace_work_gpu_s\": %.2f,\n", trace_work_s);
	printf("  \"trace_mean_d_s\": %.4f,\n", trace_mean_d_s);
	printf("  \"kernel_us\": %d,\n", KERNEL_US);
	printf("  \"slice_ms\": %u,\n", module_slice_ms);
	printf("  \"skew_slice_ms\": %d,\n", SKEW_SLICE_MS);
	printf("  \"barrier_work_us\": %d,\n", BAR_WORK_US);
	printf("  \"barrier_threads\": %d,\n", bar_threads);
	printf("  \"barrier_cpus\": %d", bar_nr_cpus);
	for (l = 0; l < NR_LOADS; l++)
		if (want_load[l] && want_part[PART_TRACE])
			printf(",\n  \"ideal_util_%s\": %.4f", load_names[l],
			       ideal_util[l]);
	for (p = 0; p < NR_POLICIES; p++) {
		for (l = 0; l < NR_LOADS; l++) {
			const struct result *r = &results[p][l];
			const char *pn = policy_names[p], *ln = load_names[l];

			if (!r->done)
				continue;
#define KEY(k, fmt, v) printf(",\n  \"%s_%s_" k "\": " fmt, pn, ln, v)
			KEY("avg_jct_s", "%.3f", r->avg_jct);
			KEY("p95_jct_s", "%.3f", r->p95_jct);
			KEY("makespan_s", "%.3f", r->makespan);
			KEY("util_vs_ideal", "%.4f", r->util_vs_ideal);
			KEY("max_wait_8gpu_s", "%.3f", r->max_wait8);
			KEY("deadlock", "%d", r->deadlock);
			KEY("completed", "%d", r->completed);
#undef KEY
		}
	}
	if (skew.done) {
		printf(",\n  \"skew_p50_us\": %.1f", skew.p50_us);
		printf(",\n  \"skew_p99_us\": %.1f", skew.p99_us);
		printf(",\n  \"skew_slices\": %d", skew.slices);
	}
	for (p = 0; p < 2; p++)
		for (l = 0; l < 2; l++)
			if (bars[p][l].done)
				printf(",\n  \"%s_step_vs_ideal_%s\": %.3f",
				       p == SPIN ? "spin" : "sleep",
				       l == CFS ? "cfs" : "strata",
				       bars[p][l].ratio);
	printf("\n}\n");
	if (fflush(stdout))
		die("write the results", errno);
}

/* A CPU list such as 0-1 or 0,2-3 into @set; the number of CPUs or -1. */
static int parse_cpus(const char *arg, cpu_set_t *set)
{
	const char *p = arg;
	unsigned long a, b;
	char *end;

	CPU_ZERO(set);
	for (;;) {
		if (*p < '0' || *p > '9')
			return -1;
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				return -1;
			b = strtoul(p, &end, 10);
		}
		if (b < a || b >= CPU_SETSIZE)
			return -1;
		for (; a <= b; a++)
			CPU_SET(a, set);
		if (!*end)
			return CPU_COUNT(set);
		if (*end != ',')
			return -1;
		p = end + 1;
	}
}

static void usage_exit(void)
{
	fprintf(stderr,
		"usage: gang_bench [--quick] [--parts trace,skew,barrier]\n"
		"                  [--only naive,fifo,backfill,strata] [--loads 07,09,12]\n"
		"                  [--seed N] [--gangs N] [--median-ms MS] [--gantt FILE]\n"
		"                  [--barrier-cpus LIST] [--barrier-threads N]\n");
	exit(2);
}

/* The device, the GPUs and the CPU pool this benchmark needs. */
static void check_module(void)
{
	struct strata_gang_gpu gpus[NR_GPUS + 1];
	struct strata_gang_status st;
	__u32 count;
	int i, err;

	gang_fd = strata_gang_open();
	if (gang_fd < 0)
		fail("open %s: %s (is strata_gang loaded?)", STRATA_GANG_DEV,
		     strerror(-gang_fd));
	table_fd = strata_cap_open(O_CLOEXEC);
	if (table_fd < 0)
		fail("open %s: %s (is strata_cap loaded?)", STRATA_CAP_DEV,
		     strerror(-table_fd));
	err = strata_gang_status(gang_fd, &st);
	if (err)
		fail("STATUS: %s", strerror(-err));
	err = strata_gang_gpus(gang_fd, gpus, NR_GPUS + 1, &count);
	if (err)
		fail("GPUS: %s", strerror(-err));
	if (count != NR_GPUS)
		fail("strata_gang has %u GPUs: load it with fake_gpus=%d",
		     count, NR_GPUS);
	for (i = 0; i < NR_GPUS; i++) {
		if (gpus[i].kind != STRATA_GANG_GPU_FAKE)
			fail("GPU %d is no fake GPU", i);
		stat_fds[i] = strata_fakegpu_open(i);
		if (stat_fds[i] < 0)
			fail("open gpu%d: %s", i, strerror(-stat_fds[i]));
	}
	if (st.bpf_policy)
		note("a BPF policy is attached: it ranks the gangs, not sched_policy");
	if (st.nr_cpus < COSCHED_MEMBERS && want_part[PART_SKEW]) {
		note("skipping skew: the CPU pool has %u CPUs, it needs %d (4 vCPUs)",
		     st.nr_cpus, COSCHED_MEMBERS);
		want_part[PART_SKEW] = false;
	}
	if (want_part[PART_BARRIER]) {
		cpu_set_t online;

		if (sched_getaffinity(0, sizeof(online), &online))
			die("sched_getaffinity", errno);
		CPU_AND(&online, &online, &bar_cpus);
		if (!CPU_EQUAL(&online, &bar_cpus))
			fail("--barrier-cpus %s: not all of them are CPUs this process may use",
			     opt_barrier_cpus);
	}
	note("%u GPUs, %u pool CPUs, %ld online CPUs, policy %u", count,
	     st.nr_cpus, sysconf(_SC_NPROCESSORS_ONLN), st.policy);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "parts", required_argument, NULL, 'P' },
		{ "only", required_argument, NULL, 'o' },
		{ "loads", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },
		{ "gangs", required_argument, NULL, 'g' },
		{ "median-ms", required_argument, NULL, 'm' },
		{ "gantt", required_argument, NULL, 'G' },
		{ "barrier-cpus", required_argument, NULL, 'C' },
		{ "barrier-threads", required_argument, NULL, 'T' },
		{ }
	};
	struct sigaction sa = { };
	int c, p, l, gantt_load = -1, err;
	double t_start;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			opt_quick = true;
			break;
		case 'P':
			if (!parse_list(optarg, part_names, NR_PARTS,
					want_part))
				usage_exit();
			break;
		case 'o':
			if (!parse_list(optarg, policy_names, NR_POLICIES,
					want_policy))
				usage_exit();
			break;
		case 'l':
			if (!parse_list(optarg, load_names, NR_LOADS,
					want_load))
				usage_exit();
			break;
		case 's':
			opt_seed = strtoull(optarg, NULL, 0);
			break;
		case 'g':
			opt_gangs = atoi(optarg);
			break;
		case 'm':
			opt_median_ms = atof(optarg);
			break;
		case 'G':
			opt_gantt = optarg;
			break;
		case 'C':
			opt_barrier_cpus = optarg;
			break;
		case 'T':
			opt_barrier_threads = atoi(optarg);
			if (opt_barrier_threads < 1)
				usage_exit();
			break;
		default:
			usage_exit();
		}
	}
	if (opt_quick) {
		opt_gangs = opt_gangs == 200 ? 24 : opt_gangs;
		opt_median_ms = opt_median_ms == 80 ? 40 : opt_median_ms;
		opt_skew_s = 2;
		opt_barrier_s = 1.5;
	}
	if (optind != argc || opt_gangs < 10 || opt_gangs > 100000 ||
	    opt_median_ms < MIN_DUR_MS || opt_median_ms > 10000)
		usage_exit();
	bar_nr_cpus = parse_cpus(opt_barrier_cpus, &bar_cpus);
	bar_threads = opt_barrier_threads ? opt_barrier_threads : bar_nr_cpus;
	/* A co-scheduled gang needs a pool CPU per member. */
	if (bar_nr_cpus < 1 || bar_threads > bar_nr_cpus ||
	    bar_threads > CO_MAX_MEMBERS)
		usage_exit();
	if (geteuid())
		fail("must run as root (in the test VM: make bench T=gang)");

	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);

	t_start = now_s();
	check_module();
	if (read_line(PARAMS "sched_policy", orig_policy,
		      sizeof(orig_policy)) ||
	    read_line(PARAMS "user_max_gangs", orig_max_gangs,
		      sizeof(orig_max_gangs)))
		fail("no %s{sched_policy,user_max_gangs}", PARAMS);
	if (read_line(PARAMS "cpus", orig_pool, sizeof(orig_pool)))
		orig_pool[0] = 0;
	module_slice_ms = get_param("slice_ms");
	/* Root is not limited by user_max_gangs today; in case it is. */
	if (strtoul(orig_max_gangs, NULL, 0) < (unsigned long)opt_gangs + 8) {
		max_gangs_changed = true;
		set_param("user_max_gangs", opt_gangs + 8);
	}

	make_trace();
	for (l = 0; l < NR_LOADS; l++)
		if (want_load[l])
			gantt_load = l;
	if (want_part[PART_TRACE]) {
		for (p = 0; p < NR_POLICIES; p++)
			for (l = 0; l < NR_LOADS; l++)
				if (want_policy[p] && want_load[l])
					run_trace(p, l, p == STRATA &&
						  l == gantt_load);
	}
	if (want_part[PART_SKEW])
		run_skew();
	if (want_part[PART_BARRIER]) {
		bool pool = pool_set();

		if (!pool)
			failed = true;
		for (p = SPIN; p <= SLEEP; p++) {
			run_barrier(p, CFS);
			if (pool)
				run_barrier(p, GANGS);
		}
		pool_restore();
	}
	cleanup();
	print_results();
	for (c = 0; c < NR_GPUS; c++)
		close(stat_fds[c]);
	err = close(table_fd);
	close(gang_fd);
	note("done in %.0f s%s", now_s() - t_start,
	     failed ? "; strata_gang misbehaved (see above)" : "");
	return failed || err ? 1 : 0;
}

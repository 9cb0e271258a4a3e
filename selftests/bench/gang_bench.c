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
 * goes to stderr.  --quick (24 gangs of median 40 ms unless --gangs or
 * --median-ms say otherwise, skew for 2 s, barrier runs of 1.5 s; under a
 * minute in TCG) checks that everything works.  sched_policy, the cpus pool (and user_max_gangs, raised if the
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
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <strata.h>
#include "bench/bench.h"
#include "gang/gang_bench.h"

/*
 * The rest is in gang/: util.c (helpers), trace.c and trace_members.c
 * (part 1), cosched.c (the gangs of parts 2 and 3), skew.c (part 2),
 * barrier.c (part 3); gang/gang_bench.h declares what they share.
 */

const char *const policy_names[NR_POLICIES] = {
	"naive", "fifo", "backfill", "strata",
};

const double loads[NR_LOADS] = { 0.7, 0.9, 1.2 };
const char *const load_names[NR_LOADS] = { "07", "09", "12" };

static const char *const part_names[NR_PARTS] = { "trace", "skew", "barrier" };

/* ---- options and global state -------------------------------------------- */

static bool opt_quick;
unsigned long long opt_seed = 20241207;
int opt_gangs = 200;
double opt_median_ms = 80;
double opt_skew_s = 10;
double opt_barrier_s = 6;
const char *opt_barrier_cpus = "0-1";
static int opt_barrier_threads;		/* 0: as many as barrier CPUs */
const char *opt_gantt;
static bool want_policy[NR_POLICIES] = { true, true, true, true };
static bool want_load[NR_LOADS] = { true, true, true };
static bool want_part[NR_PARTS] = { true, true, true };

int gang_fd = -1, table_fd = -1;
int stat_fds[NR_GPUS];
static unsigned int module_slice_ms;
bool failed;				/* strata_gang misbehaved */
const char *running = "";		/* "strata/12", for messages */
volatile sig_atomic_t got_signal;

/*
 * What cleanup() must undo; skew.c (the tracefs instance), barrier.c (the
 * pool) and cosched.c (co_live) keep the rest.
 */
static char orig_policy[32], orig_max_gangs[32];
char orig_pool[256];
bool policy_changed;
static bool max_gangs_changed;

cpu_set_t bar_cpus;			/* --barrier-cpus */
int bar_nr_cpus, bar_threads;

/* ---- main ---------------------------------------------------------------- */

static void on_signal(int sig)
{
	got_signal = sig;
}

/* SIGUSR1 only interrupts a blocked ioctl (no SA_RESTART). */
static void on_usr1(int sig)
{
}

void cleanup(void)
{
	int err;

	instance_remove();
	pool_restore();
	if (policy_changed) {
		err = strata_write_str(PARAMS "sched_policy", orig_policy);
		if (err)
			note("restore sched_policy %s: %s", orig_policy,
			     strerror(-err));
		policy_changed = false;
	}
	if (max_gangs_changed) {
		err = strata_write_str(PARAMS "user_max_gangs", orig_max_gangs);
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
	bool gangs_set = false, median_set = false;
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
			gangs_set = true;
			break;
		case 'm':
			opt_median_ms = atof(optarg);
			median_set = true;
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
		/* Smaller defaults; what the options gave stays. */
		opt_gangs = gangs_set ? opt_gangs : 24;
		opt_median_ms = median_set ? opt_median_ms : 40;
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
	if (strata_read_str(PARAMS "sched_policy", orig_policy,
		      sizeof(orig_policy)) ||
	    strata_read_str(PARAMS "user_max_gangs", orig_max_gangs,
		      sizeof(orig_max_gangs)))
		fail("no %s{sched_policy,user_max_gangs}", PARAMS);
	if (strata_read_str(PARAMS "cpus", orig_pool, sizeof(orig_pool)))
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

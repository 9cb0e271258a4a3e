// SPDX-License-Identifier: GPL-2.0
/*
 * tier_bench - strata_tier against upstream memory tiering; prints one flat
 * JSON object
 *
 * Runs as root in the test VM (node 0: the CPUs, fast; node 1: CPU-less,
 * slower by HMAT), with strata_tier loaded.  A forked workload allocates a
 * working set of anonymous memory (--ws, 256 MiB) and writes one word of
 * every page of its hot set (--hot-pct, 25 % of it) in a loop, for ever;
 * the rest is never touched after being faulted in.  The parent samples
 * every 50 ms (--sample-ms), with move_pages(2) status queries, on which
 * node every 4th page of the hot set is (a query of all of them would
 * take a noticeable part of a vCPU), and at the end of each phase every
 * page: accesses are uniform over the hot set, so the fraction of it on
 * node 0 is the share of accesses the fast tier serves.
 *
 * Mechanisms, one at a time, each on a fresh workload:
 *
 *   none    numa_balancing 0, demotion_enabled 0: nothing moves.
 *   numab   numa_balancing 2 (NUMA_BALANCING_MEMORY_TIERING) and
 *           demotion_enabled 1: hint faults promote, kswapd demotes.
 *   damon   two kdamonds with paddr operations, one per node: on node 1's
 *           physical range migrate_hot to node 0, on node 0's migrate_cold
 *           to node 1 (the design of DAMON-based tiering).  Sampling 5 ms,
 *           aggregation 100 ms, 10..1000 regions.  Hot: nr_accesses >= 4
 *           of 20 samples for at least 2 aggregations.  Cold: nr_accesses
 *           0 for at least 1 s (10 aggregations).  Anonymous pages only
 *           (an "anon" filter).  Both with a size quota of 512 MiB/s
 *           (strata_tier's default rate limit) reset every 100 ms,
 *           prioritised by access rate and age.  migrate_cold also has a
 *           user_input quota goal: free memory of node 0 at its high
 *           watermark + 2 % (strata_tier's default reserve), fed every
 *           250 ms by a thread of this program: 6.12 has no per-node
 *           memory goal metric (node_mem_free_bp came later), and without
 *           a goal migrate_cold would demote every cold anonymous page of
 *           node 0, whether room is needed or not.  No "young" filter:
 *           a page DAMON never sampled counts as young (not idle), so it
 *           would keep cold pages from being demoted.
 *   strata  the workload's pid registered with strata_tier, no quota,
 *           module parameters as they are.
 *
 * Scenarios:
 *
 *   a  The working set on node 1, hot set included; node 0 has room.
 *   b  The working set on node 1, and node 0 filled with the workload's
 *      own cold data (another mapping) until node 0's MemFree is down to
 *      its high watermark + 1 %: the hot set fits only if cold pages are
 *      demoted first.
 *   c  As a, and after --phase seconds the hot set moves to the other end
 *      of the working set (the old hot set is never touched again).
 *
 * Pages are placed with set_mempolicy(MPOL_BIND) while the workload
 * faults them in, then MPOL_DEFAULT: no policy forbids a migration later.
 * The workload runs on CPU 0 with a ticker process that makes its TLB
 * behave as a real one does (see ticker_start()).
 * Transparent huge pages are off for the workload (MADV_NOHUGEPAGE) unless
 * --thp: the test kernel defaults to THP=always, and whole 2 MiB folios
 * would make upstream and strata_tier move different units.
 *
 * A run: the workload faults its pages, starts touching the hot set, 1 s
 * later the mechanism starts (time 0), and it runs for --phase seconds
 * (twice that in c).  Keys "<scenario>_<mechanism>_<metric>":
 *
 *   t90_s           seconds from time 0 (c: from the move) until the share
 *                   first reaches 90 % of the oracle's (interpolated
 *                   between the two samples around it); when it never does,
 *                   the length of the phase (a lower bound: a mechanism
 *                   that never gets there is not credited with a shorter
 *                   time than the others had) and t90_unreached is 1.
 *   final_share     the share at the end (every hot page queried) divided
 *                   by the oracle's.
 *   oracle_share    what the best placement reaches with the room on node
 *                   0: free pages above the high watermark, plus the
 *                   workload's cold pages there (demotable), plus the hot
 *                   pages already there; 1.0 when the hot set fits.
 *   pages_migrated  promoted + demoted: strata_tier's STATS; numab
 *                   pgpromote_success + pgdemote_{kswapd,direct,
 *                   khugepaged} of /proc/vmstat (pgmigrate_success would
 *                   also count compaction); damon sz_applied of both
 *                   schemes / 4 KiB (its migrations have no vmstat counter
 *                   of their own); none the vmstat sum, 0 unless something
 *                   else moved pages.
 *   min_migrations  what the oracle needs: the hot pages on node 1 that fit
 *                   on node 0, plus the demotions to make room for those
 *                   beyond the free room (b); in c plus the same for the
 *                   new hot set at the move.
 *   cold_moved      pages outside every hot set that ended on another node
 *                   than they started on (moves the oracle would not make).
 *   scan_cpu_pct    CPU time of the mechanism in % of one CPU, per GiB of
 *                   the workload's memory, moves included (numab and damon
 *                   cannot be split): strata scan_ns + migrate_ns;
 *                   damon both kdamonds' utime + stime; numab the
 *                   workload's stime (task_numa_work and hint faults run
 *                   in its context) plus kswapd's time (it demotes), less
 *                   the same rate in the run of "none"; none 0.
 *   strata_scanner_cpu_pct  (per scenario) strata's scan alone, scan_ns,
 *                   per GiB registered (resident pages of the registration,
 *                   the filler of b included): what the "scanner CPU"
 *                   target is about.
 *   amat_ns         modelled average memory access time of the hot set,
 *                   averaged over the run (each sample's share holds until
 *                   the next): share x 100 ns + (1 - share) x 250 ns
 *                   (published DRAM and CXL latencies, the VM's HMAT
 *                   figures).
 *   workload_sys_pct the workload's system time, in % of one CPU (what a
 *                   mechanism makes it spend in the kernel).
 *   promoted, demoted, corrupt_pages (pages whose contents were not what
 *                   the workload wrote: must be 0, else the exit status
 *                   is 1).
 *
 * and "<scenario>_strata_t90_vs_upstream": strata's t90_s over the best
 * of numab's and damon's.  The samples go to a CSV file (--series,
 * default $STRATA_BENCH_DIR/tier-series.csv) for scripts/plot-tier;
 * progress to stderr.  Every sysctl, DAMON and strata_tier setting is
 * restored after each run and at exit.  Figures from a TCG guest compare
 * the mechanisms on the same machine; they are not absolute speeds.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/mempolicy.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>
#include "bench/bench.h"
#include "strata_test.h"

enum {
	FAST = 0,		/* the node with the CPUs */
	SLOW = 1,		/* CPU-less, lower memory tier */
	PAGE = 4096,
	DAMON_FEED_MS = 250,	/* DAMON quota goal updates */
	QUERY_STRIDE = 4,	/* samples query every 4th hot page */
	WARMUP_MS = 1000,
	SETUP_TIMEOUT_S = 600,
	FILL_CHECK = 256,	/* filler pages between two MemFree reads */
	TICK_US = 1000,		/* period of the TLB flushing ticker */
	DAMON_MBPS = 512,	/* DAMON quotas: strata_tier's rate limit */
	DAMON_RESET_MS = 100,	/* DAMON quota reset interval */
	WORK_CPU = 0,
	MAX_SEGS = 8,		/* hot set changes the child follows */
	DRAM_NS = 100,
	CXL_NS = 250,
};

enum mech { NONE, NUMAB, DAMON, STRATA, NR_MECHS };
static const char *const mech_names[NR_MECHS] = {
	"none", "numab", "damon", "strata",
};

enum scen { SCEN_A, SCEN_B, SCEN_C, NR_SCENS };
static const char *const scen_names[NR_SCENS] = { "a", "b", "c" };

#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define __printf(a, b)	__attribute__((format(printf, a, b)))

#define DAMON_ADMIN	"/sys/kernel/mm/damon/admin/kdamonds"
#define NUMAB_SYSCTL	"/proc/sys/kernel/numa_balancing"
#define DEMOTION	"/sys/kernel/mm/numa/demotion_enabled"
#define TAG_MAGIC	0x5354524154410000UL	/* "STRATA\0\0" */

/*
 * Shared with the workload (MAP_SHARED, set up before the fork), read and
 * written with LOAD() and STORE().
 */
struct ctl {
	long hot_start;		/* first page of the hot set */
	long hot_pages;
	long fill_pages;	/* out: filler pages faulted in */
	long bad_pages;		/* out: pages with wrong contents */
	long passes;		/* out: passes over the hot set */
	int ready;		/* out: placed, waiting for go */
	int go;
	int stop;
	int done;		/* out: checked, about to exit */
};

/* Placement of every page of the workload, as the parent sees it. */
struct workload {
	pid_t pid;
	char *ws;
	long ws_pages;
	char *fill;		/* scenario b: cold filler on node 0 */
	long fill_max;		/* pages reserved for it */
	long fill_pages;
	long fill_target_kb;	/* the child fills until MemFree <= this */
	void **pages;		/* ws pages, then filler pages */
	int *status;
	signed char *start_node;
};

/* One node, from /proc/zoneinfo and its meminfo. */
struct node {
	unsigned long start_pfn, end_pfn;
	long managed;		/* pages */
	long high;		/* sum of the zones' high watermarks */
};

struct result {
	bool done;
	double t90, final_share, oracle, amat, cpu_pct, work_sys_pct;
	double scanner_pct;	/* strata: the scan alone (scan_ns) */
	bool unreached;
	long migrated, promoted, demoted, min_migr, cold_moved, corrupt;
};

struct sample {
	double t, share, oracle;
	int phase;
};

/* ---- options and global state -------------------------------------------- */

static long opt_ws_mib = 256;
static int opt_hot_pct = 25;
static double opt_phase_s = 20;
static int opt_sample_ms = 50;
static bool opt_thp;
static bool want_mech[NR_MECHS] = { true, true, true, true };
static bool want_scen[NR_SCENS] = { true, true, true };
static const char *opt_series;

static struct result results[NR_SCENS][NR_MECHS];
static struct node nodes[2];
static FILE *series;
static struct ctl *ctl;
static const char *running = "";	/* "a/numab", for messages */

/* What cleanup() must undo. */
static pid_t child_pid, ticker_pid;
static char orig_numab[32], orig_demotion[32];
static bool damon_on;
static int strata_fd = -1;
static __u32 strata_id;
static pid_t kswapd_pids[2];
static bool in_child;
static volatile sig_atomic_t got_signal;

/* The none run's rate of workload stime + kswapd time, per scenario. */
static double none_sys_rate[NR_SCENS];
static bool none_sys_known[NR_SCENS];

static void cleanup(void);

static inline void barrier(void)
{
	__asm__ __volatile__("" : : : "memory");
}

static __printf(1, 2) void fail(const char *fmt, ...);
static __printf(1, 2) void note(const char *fmt, ...);

static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tier_bench: %s%s", running, *running ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (in_child)
		_exit(1);
	cleanup();
	exit(1);
}

static void die(const char *what, int err)
{
	fail("%s: %s", what, strerror(err));
}

static void note(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tier_bench: %s%s", running, *running ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep @s seconds; a SIGINT or SIGTERM ends the benchmark here. */
static void sleep_s(double s)
{
	struct timespec ts;

	if (s > 0) {
		ts.tv_sec = (time_t)s;
		ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) && errno == EINTR && !got_signal)
			;
	}
	if (got_signal && !in_child) {
		running = "";
		fail("stopped by signal %d", got_signal);
	}
}

/* ---- files --------------------------------------------------------------- */

static void must_write(const char *path, const char *val)
{
	int err = strata_write_str(path, val);

	if (err)
		fail("write '%s' to %s: %s", val, path, strerror(-err));
}

static long read_long(const char *path)
{
	char buf[64];
	int err = strata_read_str(path, buf, sizeof(buf));

	if (err)
		fail("read %s: %s", path, strerror(-err));
	return strtol(buf, NULL, 0);
}

/*
 * The number after @key in @path, where @key starts a line or follows a
 * blank ("MemFree:" in a node's meminfo, "pgpromote_success " in vmstat).
 */
static long read_key(const char *path, const char *key)
{
	FILE *f = fopen(path, "re");
	char line[256], *p;
	long v = -1;

	if (!f)
		die(path, errno);
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, key);
		if (p && (p == line || p[-1] == ' ')) {
			v = strtol(p + strlen(key), NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static long vmstat_get(const char *key)
{
	char k[64];
	long v;

	snprintf(k, sizeof(k), "%s ", key);
	v = read_key("/proc/vmstat", k);
	return v < 0 ? 0 : v;
}

/* Free pages of @nid now. */
static long node_free(int nid)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo",
		 nid);
	return read_key(path, "MemFree:") / (PAGE / 1024);
}

/* Physical range, managed pages and high watermark of nodes 0 and 1. */
static void read_nodes(void)
{
	FILE *f = fopen("/proc/zoneinfo", "re");
	unsigned long v, spanned = 0;
	long managed = 0, high = 0;
	char line[256];
	int nid = -1, n;

	if (!f)
		die("/proc/zoneinfo", errno);
	memset(nodes, 0, sizeof(nodes));
	nodes[0].start_pfn = ULONG_MAX;
	nodes[1].start_pfn = ULONG_MAX;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone", &n) == 1) {
			nid = n;
			spanned = 0;
			managed = 0;
			high = 0;
		} else if (sscanf(line, " high %lu", &v) == 1) {
			high = v;
		} else if (sscanf(line, " spanned %lu", &v) == 1) {
			spanned = v;
		} else if (sscanf(line, " managed %lu", &v) == 1) {
			managed = v;
		} else if (sscanf(line, " start_pfn: %lu", &v) == 1 &&
			   nid >= 0 && nid < 2 && managed > 0) {
			struct node *nd = &nodes[nid];

			nd->managed += managed;
			nd->high += high;
			if (v < nd->start_pfn)
				nd->start_pfn = v;
			if (v + spanned > nd->end_pfn)
				nd->end_pfn = v + spanned;
		}
	}
	fclose(f);
	if (!nodes[0].managed || !nodes[1].managed)
		fail("needs memory on nodes 0 and 1 (the tiered test VM)");
}

/* Minor faults, utime and stime (in ticks) of @pid; false if gone. */
static bool proc_stat(pid_t pid, unsigned long *minflt, unsigned long *utime,
		      unsigned long *stime)
{
	char path[64], buf[1024], *p;
	FILE *f;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* After the command name, which may hold blanks: fields 3.. */
	p = p ? strrchr(buf, ')') : NULL;
	return p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %lu %*u %*u %*u %lu %lu",
			   minflt, utime, stime) == 3;
}

/* utime + stime (what = 3) or stime (what = 2) of @pid, in seconds. */
static double proc_cpu_s(pid_t pid, int what)
{
	unsigned long minflt, utime, stime;

	if (!proc_stat(pid, &minflt, &utime, &stime))
		return 0;
	return ((what & 1 ? utime : 0) + (what & 2 ? stime : 0)) /
	       (double)sysconf(_SC_CLK_TCK);
}

static unsigned long proc_minflt(pid_t pid)
{
	unsigned long minflt = 0, utime, stime;

	proc_stat(pid, &minflt, &utime, &stime);
	return minflt;
}

/* The pid of the kernel thread named @comm, or 0. */
static pid_t find_thread(const char *comm)
{
	char path[300], buf[64];
	struct dirent *de;
	pid_t pid = 0;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		die("/proc", errno);
	while (!pid && (de = readdir(dir))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (!strata_read_str(path, buf, sizeof(buf)) && !strcmp(buf, comm))
			pid = atoi(de->d_name);
	}
	closedir(dir);
	return pid;
}

/* Interrupts of a kind ("TLB:", "CAL:") so far, summed over the CPUs. */
static unsigned long irq_count(const char *kind)
{
	FILE *f = fopen("/proc/interrupts", "re");
	unsigned long sum = 0, v;
	char line[1024], *p, *end;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (strncmp(p, kind, strlen(kind)))
			continue;
		p += strlen(kind);
		for (;;) {
			v = strtoul(p, &end, 10);
			if (end == p)
				break;
			sum += v;
			p = end;
		}
		break;
	}
	fclose(f);
	return sum;
}

/* Time of the workload's kernel context and of kswapd, in seconds. */
static double sys_time(pid_t pid)
{
	return proc_cpu_s(pid, 2) + proc_cpu_s(kswapd_pids[0], 3) +
	       proc_cpu_s(kswapd_pids[1], 3);
}

/* ---- sysctls ------------------------------------------------------------- */

static void set_numab(const char *mode, const char *demotion)
{
	must_write(NUMAB_SYSCTL, mode);
	must_write(DEMOTION, demotion);
}

/* ---- DAMON --------------------------------------------------------------- */

static __printf(3, 4) void damon_set(int kd, const char *rel,
				     const char *fmt, ...)
{
	char path[512], val[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), DAMON_ADMIN "/%d/%s", kd, rel);
	must_write(path, val);
}

static void damon_state(int kd, const char *cmd)
{
	char path[128];
	int err, tries;

	snprintf(path, sizeof(path), DAMON_ADMIN "/%d/state", kd);
	/* -EBUSY while another command (of the feeder) is handled. */
	for (tries = 0; tries < 100; tries++) {
		err = strata_write_str(path, cmd);
		if (err != -EBUSY)
			break;
		usleep(20000);
	}
	if (err)
		fail("write '%s' to %s: %s", cmd, path, strerror(-err));
}

#define CTX	"contexts/0/"
#define SCHEME	CTX "schemes/0/"

struct damon_scheme {
	const char *action;
	int nid;		/* monitored node */
	int target;		/* node to migrate to */
	unsigned int min_acc, max_acc, min_age;
	long goal_bp;		/* user_input goal: node 0 free, or 0 */
};

static void damon_filter(int kd, int i, const char *type, bool matching)
{
	char rel[128];

	snprintf(rel, sizeof(rel), SCHEME "filters/%d/type", i);
	damon_set(kd, rel, "%s", type);
	snprintf(rel, sizeof(rel), SCHEME "filters/%d/matching", i);
	damon_set(kd, rel, "%s", matching ? "Y" : "N");
}

static void damon_kdamond(int kd, const struct damon_scheme *s)
{
	const struct node *nd = &nodes[s->nid];

	damon_set(kd, "contexts/nr_contexts", "1");
	damon_set(kd, CTX "operations", "paddr");
	damon_set(kd, CTX "monitoring_attrs/intervals/sample_us", "5000");
	damon_set(kd, CTX "monitoring_attrs/intervals/aggr_us", "100000");
	damon_set(kd, CTX "monitoring_attrs/intervals/update_us", "1000000");
	damon_set(kd, CTX "monitoring_attrs/nr_regions/min", "10");
	damon_set(kd, CTX "monitoring_attrs/nr_regions/max", "1000");
	damon_set(kd, CTX "targets/nr_targets", "1");
	damon_set(kd, CTX "targets/0/regions/nr_regions", "1");
	damon_set(kd, CTX "targets/0/regions/0/start", "%lu",
		  nd->start_pfn * PAGE);
	damon_set(kd, CTX "targets/0/regions/0/end", "%lu",
		  nd->end_pfn * PAGE);
	damon_set(kd, CTX "schemes/nr_schemes", "1");
	damon_set(kd, SCHEME "action", "%s", s->action);
	damon_set(kd, SCHEME "target_nid", "%d", s->target);
	damon_set(kd, SCHEME "apply_interval_us", "0");
	damon_set(kd, SCHEME "access_pattern/sz/min", "%d", PAGE);
	damon_set(kd, SCHEME "access_pattern/sz/max", "%lu", ULONG_MAX);
	damon_set(kd, SCHEME "access_pattern/nr_accesses/min", "%u",
		  s->min_acc);
	damon_set(kd, SCHEME "access_pattern/nr_accesses/max", "%u",
		  s->max_acc);
	damon_set(kd, SCHEME "access_pattern/age/min", "%u", s->min_age);
	damon_set(kd, SCHEME "access_pattern/age/max", "%u", UINT_MAX);
	damon_set(kd, SCHEME "quotas/ms", "0");
	damon_set(kd, SCHEME "quotas/bytes", "%lu",
		  ((unsigned long)DAMON_MBPS << 20) * DAMON_RESET_MS / 1000);
	damon_set(kd, SCHEME "quotas/reset_interval_ms", "%d", DAMON_RESET_MS);
	damon_set(kd, SCHEME "quotas/weights/sz_permil", "0");
	damon_set(kd, SCHEME "quotas/weights/nr_accesses_permil", "100");
	damon_set(kd, SCHEME "quotas/weights/age_permil", "100");
	if (s->goal_bp) {
		damon_set(kd, SCHEME "quotas/goals/nr_goals", "1");
		damon_set(kd, SCHEME "quotas/goals/0/target_metric",
			  "user_input");
		damon_set(kd, SCHEME "quotas/goals/0/target_value", "%ld",
			  s->goal_bp);
		damon_set(kd, SCHEME "quotas/goals/0/current_value", "%ld",
			  node_free(FAST) * 10000 / nodes[FAST].managed);
	}
	damon_set(kd, SCHEME "watermarks/metric", "none");
	/* Filters say what to leave out: here what is not anonymous. */
	damon_set(kd, SCHEME "filters/nr_filters", "1");
	damon_filter(kd, 0, "anon", false);
}

/* Free memory of node 0 that migrate_cold keeps, in 1/10000 of it. */
static long damon_goal_bp;
static pthread_t damon_feeder;
static int damon_feeding;

/*
 * The user_input quota goal of migrate_cold: node 0's free memory, fed
 * from here (each commit waits for the kdamond, so not from the sampling
 * loop).  DAMON grows the quota while the value is below the goal and
 * shrinks it above.
 */
static void *damon_feed(void *arg)
{
	char path[256], val[32];
	double next = now_s();

	snprintf(path, sizeof(path),
		 DAMON_ADMIN "/1/" SCHEME "quotas/goals/0/current_value");
	while (LOAD(damon_feeding)) {
		snprintf(val, sizeof(val), "%ld",
			 node_free(FAST) * 10000 / nodes[FAST].managed);
		/* A failure (-EBUSY) is retried with the next value. */
		if (!strata_write_str(path, val))
			strata_write_str(DAMON_ADMIN "/1/state",
				   "commit_schemes_quota_goals");
		next += DAMON_FEED_MS / 1e3;
		if (next > now_s())
			usleep((next - now_s()) * 1e6);
	}
	return NULL;
}

static void damon_start(long reserve_pct)
{
	const struct damon_scheme hot = {
		.action = "migrate_hot", .nid = SLOW, .target = FAST,
		.min_acc = 4, .max_acc = UINT_MAX, .min_age = 2,
	};
	struct damon_scheme cold = {
		.action = "migrate_cold", .nid = FAST, .target = SLOW,
		.min_acc = 0, .max_acc = 0, .min_age = 10,
	};
	int err;

	damon_goal_bp = (nodes[FAST].high +
			 nodes[FAST].managed * reserve_pct / 100) * 10000 /
			nodes[FAST].managed;
	cold.goal_bp = damon_goal_bp;
	damon_on = true;
	must_write(DAMON_ADMIN "/nr_kdamonds", "2");
	damon_kdamond(0, &hot);
	damon_kdamond(1, &cold);
	damon_state(0, "on");
	damon_state(1, "on");
	STORE(damon_feeding, 1);
	err = pthread_create(&damon_feeder, NULL, damon_feed, NULL);
	if (err)
		die("pthread_create", err);
}

static pid_t damon_pid(int kd)
{
	char path[128];

	snprintf(path, sizeof(path), DAMON_ADMIN "/%d/pid", kd);
	return read_long(path);
}

static long damon_stat(int kd, const char *name)
{
	char path[160];

	snprintf(path, sizeof(path), DAMON_ADMIN "/%d/" SCHEME "stats/%s",
		 kd, name);
	return read_long(path);
}

/* CPU time of both kdamonds, in seconds. */
static double damon_cpu_s(void)
{
	return proc_cpu_s(damon_pid(0), 3) + proc_cpu_s(damon_pid(1), 3);
}

/* Bytes the scheme of @kd migrated, in pages. */
static long damon_applied(int kd)
{
	damon_state(kd, "update_schemes_stats");
	note("damon %d: tried %ld regions (%ld MiB), applied %ld (%ld MiB), %ld over quota",
	     kd, damon_stat(kd, "nr_tried"), damon_stat(kd, "sz_tried") >> 20,
	     damon_stat(kd, "nr_applied"),
	     damon_stat(kd, "sz_applied") >> 20, damon_stat(kd, "qt_exceeds"));
	return damon_stat(kd, "sz_applied") / PAGE;
}

static void damon_feed_stop(void)
{
	if (LOAD(damon_feeding)) {
		STORE(damon_feeding, 0);
		pthread_join(damon_feeder, NULL);
	}
}

static void damon_stop(void)
{
	char path[128], buf[16];
	int kd;

	if (!damon_on)
		return;
	damon_feed_stop();
	for (kd = 0; kd < 2; kd++) {
		snprintf(path, sizeof(path), DAMON_ADMIN "/%d/state", kd);
		if (!strata_read_str(path, buf, sizeof(buf)) && !strcmp(buf, "on"))
			strata_write_str(path, "off");
	}
	if (strata_write_str(DAMON_ADMIN "/nr_kdamonds", "0"))
		note("could not remove the kdamonds");
	damon_on = false;
}

/* ---- strata_tier --------------------------------------------------------- */

static long strata_param(const char *name, long dflt)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path),
		 "/sys/module/strata_tier/parameters/%s", name);
	if (strata_read_str(path, buf, sizeof(buf)))
		return dflt;
	return strtol(buf, NULL, 0);
}

static void note_strata_params(void)
{
	note("strata_tier: scan %ld..%ld ms, hot %ld, cold %ld, %ld MB/s, reserve %ld %%",
	     strata_param("scan_min_ms", -1), strata_param("scan_max_ms", -1),
	     strata_param("hot_rounds", -1), strata_param("cold_rounds", -1),
	     strata_param("rate_limit_mbps", -1),
	     strata_param("fast_reserve_pct", -1));
}

static void strata_stats(struct strata_tier_stats *st)
{
	int err = strata_tier_stats(strata_fd, strata_id, st);

	if (err)
		die("strata_tier STATS", -err);
}

static void strata_stop(void)
{
	int err;

	if (!strata_id)
		return;
	err = strata_tier_unregister(strata_fd, strata_id);
	if (err && err != -ENOENT)
		note("strata_tier UNREGISTER: %s", strerror(-err));
	strata_id = 0;
}

/* ---- cleanup ------------------------------------------------------------- */

static void kill_pid(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGKILL);
	while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
		;
	*pid = 0;
}

static void cleanup(void)
{
	static bool busy;

	if (busy)
		return;
	busy = true;
	strata_stop();
	damon_stop();
	kill_pid(&child_pid);
	kill_pid(&ticker_pid);
	if (orig_numab[0])
		strata_write_str(NUMAB_SYSCTL, orig_numab);
	if (orig_demotion[0])
		strata_write_str(DEMOTION, orig_demotion);
	busy = false;
}

static void on_signal(int sig)
{
	got_signal = sig;
}

/* ---- the workload -------------------------------------------------------- */

static unsigned long tag(int region, long i)
{
	return TAG_MAGIC ^ ((unsigned long)region << 40) ^ (unsigned long)i;
}

static void pin_to_work_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(WORK_CPU, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		_exit(2);
}

static void bind_node(int nid)
{
	unsigned long mask = 1UL << nid;

	if (syscall(SYS_set_mempolicy, MPOL_BIND, &mask, 8 * sizeof(mask)))
		_exit(2);
}

/*
 * The child: fault the pages in where they belong, then write the second
 * word of each page of the hot set, pass after pass, until told to stop.
 * Then check every page: the first word is the tag written when it was
 * faulted in, the second counts the passes that covered the page.
 */
static void workload_main(struct workload *w)
{
	struct { long start, n, passes; } seg[MAX_SEGS];
	long i, s, nseg = 0, bad = 0, fill = 0;
	unsigned long want;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
		_exit(1);
	in_child = true;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	pin_to_work_cpu();
	bind_node(SLOW);
	for (i = 0; i < w->ws_pages; i++)
		*(unsigned long *)(w->ws + i * PAGE) = tag(0, i);
	if (w->fill) {
		bind_node(FAST);
		while (fill < w->fill_max) {
			if (fill % FILL_CHECK == 0 &&
			    node_free(FAST) * (PAGE / 1024) <=
			    w->fill_target_kb)
				break;
			*(unsigned long *)(w->fill + fill * PAGE) =
				tag(1, fill);
			fill++;
		}
	}
	if (syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0))
		_exit(2);
	STORE(ctl->fill_pages, fill);
	STORE(ctl->ready, 1);
	while (!LOAD(ctl->go) && !LOAD(ctl->stop))
		usleep(1000);

	memset(seg, 0, sizeof(seg));
	while (!LOAD(ctl->stop)) {
		long start = LOAD(ctl->hot_start), n = LOAD(ctl->hot_pages);

		if (!nseg || seg[nseg - 1].start != start ||
		    seg[nseg - 1].n != n) {
			if (nseg == MAX_SEGS)
				_exit(3);
			seg[nseg].start = start;
			seg[nseg].n = n;
			nseg++;
		}
		for (i = start; i < start + n; i++)
			((unsigned long *)(w->ws + i * PAGE))[1]++;
		/* Every pass writes every page: no store may be merged. */
		barrier();
		seg[nseg - 1].passes++;
		STORE(ctl->passes, ctl->passes + 1);
	}

	for (i = 0; i < w->ws_pages; i++) {
		const unsigned long *p = (void *)(w->ws + i * PAGE);

		for (want = 0, s = 0; s < nseg; s++)
			if (i >= seg[s].start && i < seg[s].start + seg[s].n)
				want += seg[s].passes;
		if (p[0] != tag(0, i) || p[1] != want)
			bad++;
	}
	for (i = 0; i < fill; i++)
		if (*(unsigned long *)(w->fill + i * PAGE) != tag(1, i))
			bad++;
	STORE(ctl->bad_pages, bad);
	STORE(ctl->done, 1);
	_exit(0);
}

/*
 * The ticker: a process on the workload's CPU that wakes every TICK_US.
 * Each switch between it and the workload loads CR3, and QEMU's TCG
 * flushes its software TLB on every CR3 load.  Without it, the workload's
 * translations stay cached in that TLB (large enough for any working set
 * here) and an accessed bit cleared without a TLB flush, as DAMON clears
 * them, is never set again: the hot set would look idle.  A real CPU's
 * TLB covers a few MiB, so it sets the bits of a 64 MiB hot set again
 * within microseconds; the ticker gives the VM that behaviour.
 */
static pid_t ticker_start(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid)
		return pid;
	in_child = true;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
		_exit(1);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	pin_to_work_cpu();
	for (;;)
		usleep(TICK_US);
}

static void child_alive(void)
{
	int status;

	if (waitpid(child_pid, &status, WNOHANG) == child_pid) {
		child_pid = 0;
		fail("the workload died (status 0x%x)", status);
	}
}

static void *map_anon(long pages)
{
	void *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		die("mmap", errno);
	if (!opt_thp && madvise(p, pages * PAGE, MADV_NOHUGEPAGE))
		die("madvise", errno);
	return p;
}

/*
 * Map the workload's memory here (so that its addresses are known), fork
 * the child that faults it in, and wait until it is placed.
 */
static void workload_start(struct workload *w, bool fill)
{
	double deadline;
	long i, n;

	memset(w, 0, sizeof(*w));
	memset((void *)ctl, 0, sizeof(*ctl));
	w->ws_pages = opt_ws_mib * (1 << 20) / PAGE;
	w->ws = map_anon(w->ws_pages);
	STORE(ctl->hot_start, 0);
	STORE(ctl->hot_pages, w->ws_pages * opt_hot_pct / 100);
	if (fill) {
		w->fill_max = nodes[FAST].managed;
		w->fill = map_anon(w->fill_max);
		w->fill_target_kb = (nodes[FAST].high +
				     nodes[FAST].managed / 100) * (PAGE / 1024);
	}

	fflush(stdout);
	fflush(stderr);
	w->pid = fork();
	if (w->pid < 0)
		die("fork", errno);
	if (!w->pid)
		workload_main(w);
	child_pid = w->pid;
	ticker_pid = ticker_start();

	/* Only the child uses the memory. */
	munmap(w->ws, w->ws_pages * PAGE);
	if (w->fill)
		munmap(w->fill, w->fill_max * PAGE);
	deadline = now_s() + SETUP_TIMEOUT_S;
	while (!LOAD(ctl->ready)) {
		child_alive();
		if (now_s() > deadline)
			fail("the workload did not get ready");
		sleep_s(0.01);
	}
	w->fill_pages = LOAD(ctl->fill_pages);
	n = w->ws_pages + w->fill_pages;
	w->pages = calloc(n, sizeof(*w->pages));
	w->status = calloc(n, sizeof(*w->status));
	w->start_node = calloc(n, 1);
	if (!w->pages || !w->status || !w->start_node)
		die("calloc", ENOMEM);
	for (i = 0; i < w->ws_pages; i++)
		w->pages[i] = w->ws + i * PAGE;
	for (i = 0; i < w->fill_pages; i++)
		w->pages[w->ws_pages + i] = w->fill + i * PAGE;
}

/* Stop the workload; returns the pages whose contents were wrong. */
static long workload_stop(struct workload *w)
{
	int status;
	long bad;

	STORE(ctl->stop, 1);
	while (waitpid(w->pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid", errno);
	child_pid = 0;
	kill_pid(&ticker_pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !LOAD(ctl->done))
		fail("the workload failed (status 0x%x)", status);
	bad = LOAD(ctl->bad_pages);
	free(w->pages);
	free(w->status);
	free(w->start_node);
	return bad;
}

/* Node of pages [@first, @first + @n) into w->status. */
static void query(struct workload *w, long first, long n)
{
	if (syscall(SYS_move_pages, w->pid, n, w->pages + first, NULL,
		    w->status + first, 0))
		die("move_pages", errno);
}

static long count_fast(const struct workload *w, long first, long n)
{
	long i, fast = 0;

	for (i = first; i < first + n; i++)
		fast += w->status[i] == FAST;
	return fast;
}

static bool in_hot(long i, const long *hot, int nhot, long hot_pages)
{
	int h;

	for (h = 0; h < nhot; h++)
		if (i >= hot[h] && i < hot[h] + hot_pages)
			return true;
	return false;
}

/*
 * With every page's node in w->status and the hot set at @hot: the share
 * of the best placement, and the migrations it takes (promotions of the
 * hot pages on node 1 that fit, demotions of cold pages on node 0 for
 * those beyond the free room).
 */
static double oracle(const struct workload *w, long hot, long *migr)
{
	long room, cold_fast = 0, hot_fast, hot_slow, promote, i;
	long n = w->ws_pages + w->fill_pages, hot_pages = LOAD(ctl->hot_pages);

	room = node_free(FAST) - nodes[FAST].high;
	if (room < 0)
		room = 0;
	hot_fast = count_fast(w, hot, hot_pages);
	hot_slow = hot_pages - hot_fast;
	for (i = 0; i < n; i++)
		if (w->status[i] == FAST && (i < hot || i >= hot + hot_pages))
			cold_fast++;
	promote = hot_slow < room + cold_fast ? hot_slow : room + cold_fast;
	*migr = promote + (promote > room ? promote - room : 0);
	return (double)(hot_fast + promote) / hot_pages;
}

/* ---- one run ------------------------------------------------------------- */

static void emit_sample(int scen, int mech, const struct sample *s)
{
	if (series)
		fprintf(series, "%s,%s,%.3f,%.4f,%.4f,%d\n", scen_names[scen],
			mech_names[mech], s->t, s->share, s->oracle, s->phase);
}

/* What the samples of a run add up to. */
struct tally {
	double t0;		/* time 0 of the run */
	double t_last;		/* the previous sample, */
	double share_last;	/* and its share */
	double amat_int;	/* modelled access time x seconds */
	bool any;
};

static double amat_of(double share)
{
	return share * DRAM_NS + (1 - share) * CXL_NS;
}

/* Account the share of the previous sample up to @t. */
static void tally_to(struct tally *ty, double t)
{
	if (ty->any)
		ty->amat_int += (t - ty->t_last) * amat_of(ty->share_last);
}

static void note_progress(int mech, double t, double share)
{
	struct strata_tier_stats st;

	if (mech != STRATA || strata_tier_stats(strata_fd, strata_id, &st)) {
		note("t=%5.1f s share %.3f", t, share);
		return;
	}
	note("t=%5.1f s share %.3f; strata: round %llu, %u ms, %llu hot, +%llu -%llu, %.2f+%.2f s",
	     t, share, (unsigned long long)st.rounds, st.interval_ms,
	     (unsigned long long)st.hot_pages,
	     (unsigned long long)st.promoted,
	     (unsigned long long)st.demoted,
	     st.scan_ns / 1e9, st.migrate_ns / 1e9);
}

/*
 * Sample every opt_sample_ms from @t_phase for opt_phase_s; the share against
 * @orc gives the t90 of the phase into @r.  Returns the last share.
 */
static double sample_phase(struct workload *w, int scen, int mech,
			   struct tally *ty, double t_phase, double orc,
			   int phase, struct result *r)
{
	long hot = LOAD(ctl->hot_start), hot_pages = LOAD(ctl->hot_pages);
	long nq = (hot_pages + QUERY_STRIDE - 1) / QUERY_STRIDE, i, fast;
	double next = t_phase, t, tq, share = 0, last_note = 0,
	       t_prev = 0, share_prev = 0, thr = 0.9 * orc;
	void **qpages = calloc(nq, sizeof(*qpages));
	int *qstatus = calloc(nq, sizeof(*qstatus));
	struct sample s;

	if (!qpages || !qstatus)
		die("calloc", ENOMEM);
	for (i = 0; i < nq; i++)
		qpages[i] = w->pages[hot + i * QUERY_STRIDE];
	r->unreached = true;
	r->t90 = opt_phase_s;
	for (;;) {
		t = now_s();
		if (t > t_phase + opt_phase_s + 0.001)
			break;
		child_alive();
		if (syscall(SYS_move_pages, w->pid, nq, qpages, NULL, qstatus,
			    0))
			die("move_pages", errno);
		tq = now_s() - t;
		if (tq > 1)
			note("the placement query took %.1f s", tq);
		for (i = fast = 0; i < nq; i++)
			fast += qstatus[i] == FAST;
		share = (double)fast / nq;
		s.t = t - ty->t0;
		s.share = share;
		s.oracle = orc;
		s.phase = phase;
		emit_sample(scen, mech, &s);
		tally_to(ty, t);
		ty->t_last = t;
		ty->share_last = share;
		ty->any = true;
		/*
		 * The time at which the line from the previous sample (below
		 * the threshold) to this one (at or above it) crosses it.
		 */
		if (r->unreached && share >= thr) {
			r->unreached = false;
			r->t90 = t - t_phase;
			if (t_prev >= t_phase && share > share_prev)
				r->t90 -= (t - t_prev) * (share - thr) /
					  (share - share_prev);
		}
		t_prev = t;
		share_prev = share;
		if (t - last_note >= 2.5) {
			note_progress(mech, t - ty->t0, share);
			last_note = t;
		}
		/* After a stall, keep to the grid rather than catch up. */
		do
			next += opt_sample_ms / 1e3;
		while (next < now_s());
		sleep_s(next - now_s());
	}
	free(qpages);
	free(qstatus);
	/* The phase's final share, from every page of the hot set. */
	query(w, hot, hot_pages);
	return (double)count_fast(w, hot, hot_pages) / hot_pages;
}

static void mech_start(int mech, struct workload *w)
{
	int err;

	switch (mech) {
	case NUMAB:
		set_numab("2", "1");
		break;
	case DAMON:
		damon_start(strata_param("fast_reserve_pct", 2));
		break;
	case STRATA:
		err = strata_tier_register_pid(strata_fd, w->pid,
					       STRATA_TIER_QUOTA_NONE,
					       &strata_id);
		if (err)
			die("strata_tier REGISTER", -err);
		break;
	}
}

static void run(int scen, int mech)
{
	long migr1, migr2 = 0, hot_pages, n, i, hots[2] = { 0 }, vm_promote,
	     vm_demote, vm_migrate, passes0, minflt0, tlb0, cal0;
	double t0, tm, orc, share, cpu0 = 0, cpu1 = 0, wall, gib, sys0, sys1,
	       rate, stime0;
	struct tally ty = { 0 };
	struct strata_tier_stats st0, st1;
	struct result *r = &results[scen][mech];
	static char name[32];
	struct workload w;
	int nhot = 1;

	snprintf(name, sizeof(name), "%s/%s", scen_names[scen],
		 mech_names[mech]);
	running = name;
	set_numab("0", "0");
	read_nodes();
	workload_start(&w, scen == SCEN_B);
	n = w.ws_pages + w.fill_pages;
	hot_pages = LOAD(ctl->hot_pages);
	gib = (double)n * PAGE / (1 << 30);
	note("%ld working-set pages (%ld hot) on node 1, %ld filler on node 0, %ld free, high %ld",
	     w.ws_pages, hot_pages, w.fill_pages, node_free(FAST),
	     nodes[FAST].high);

	STORE(ctl->go, 1);
	sleep_s(WARMUP_MS / 1e3);
	query(&w, 0, n);
	for (i = 0; i < n; i++)
		w.start_node[i] = w.status[i];
	orc = oracle(&w, 0, &migr1);

	vm_promote = vmstat_get("pgpromote_success");
	vm_demote = vmstat_get("pgdemote_kswapd") + vmstat_get("pgdemote_direct") +
		    vmstat_get("pgdemote_khugepaged");
	vm_migrate = vmstat_get("pgmigrate_success");
	sys0 = sys_time(w.pid);
	stime0 = proc_cpu_s(w.pid, 2);
	passes0 = LOAD(ctl->passes);
	minflt0 = proc_minflt(w.pid);
	tlb0 = irq_count("TLB:");
	cal0 = irq_count("CAL:");
	mech_start(mech, &w);
	t0 = now_s();
	if (mech == DAMON)
		cpu0 = damon_cpu_s();
	if (mech == STRATA)
		strata_stats(&st0);

	ty.t0 = t0;
	share = sample_phase(&w, scen, mech, &ty, t0, orc, 1, r);
	if (scen == SCEN_C) {
		struct result r2 = *r;

		/* Move the hot set to the other end of the working set. */
		hots[1] = w.ws_pages - hot_pages;
		query(&w, 0, n);
		orc = oracle(&w, hots[1], &migr2);
		STORE(ctl->hot_start, hots[1]);
		nhot = 2;
		tm = now_s();
		share = sample_phase(&w, scen, mech, &ty, tm, orc, 2, &r2);
		r->t90 = r2.t90;
		r->unreached = r2.unreached;
	}
	wall = now_s() - t0;
	tally_to(&ty, t0 + wall);

	/* Counters first, then stop the mechanism. */
	sys1 = sys_time(w.pid);
	r->work_sys_pct = (proc_cpu_s(w.pid, 2) - stime0) / wall * 100;
	switch (mech) {
	case NONE:
	case NUMAB:
		r->promoted = vmstat_get("pgpromote_success") - vm_promote;
		r->demoted = vmstat_get("pgdemote_kswapd") +
			     vmstat_get("pgdemote_direct") +
			     vmstat_get("pgdemote_khugepaged") - vm_demote;
		rate = (sys1 - sys0) / wall;
		if (mech == NONE) {
			none_sys_rate[scen] = rate;
			none_sys_known[scen] = true;
			r->cpu_pct = 0;
		} else {
			if (none_sys_known[scen])
				rate -= none_sys_rate[scen];
			r->cpu_pct = rate > 0 ? rate * 100 / gib : 0;
		}
		break;
	case DAMON:
		damon_feed_stop();
		cpu1 = damon_cpu_s();
		r->promoted = damon_applied(0);
		r->demoted = damon_applied(1);
		r->cpu_pct = (cpu1 - cpu0) / wall * 100 / gib;
		break;
	case STRATA:
		strata_stats(&st1);
		r->promoted = st1.promoted - st0.promoted;
		r->demoted = st1.demoted - st0.demoted;
		r->cpu_pct = (st1.scan_ns + st1.migrate_ns - st0.scan_ns -
			      st0.migrate_ns) / 1e9 / wall * 100 / gib;
		/* Per GiB registered: in b the cold filler is registered too. */
		r->scanner_pct = (st1.scan_ns - st0.scan_ns) / 1e9 / wall * 100 /
				 ((double)(st1.fast_pages + st1.slow_pages) *
				  PAGE / (1 << 30));
		note("strata: %llu rounds, %llu scanned, %llu young, %llu failed, %llu hot",
		     (unsigned long long)st1.rounds,
		     (unsigned long long)st1.scanned,
		     (unsigned long long)st1.young,
		     (unsigned long long)st1.failed,
		     (unsigned long long)st1.hot_pages);
		note("strata: %llu fast, %llu slow; skipped %llu thp, %llu pinned, %llu ksm",
		     (unsigned long long)st1.fast_pages,
		     (unsigned long long)st1.slow_pages,
		     (unsigned long long)st1.skip_thp,
		     (unsigned long long)st1.skip_pinned,
		     (unsigned long long)st1.skip_ksm);
		break;
	}
	r->migrated = r->promoted + r->demoted;
	note("pgmigrate_success +%ld; workload: %.2f s system (+kswapd), %lu faults, %.0f passes/s",
	     vmstat_get("pgmigrate_success") - vm_migrate, sys1 - sys0,
	     proc_minflt(w.pid) - minflt0,
	     (LOAD(ctl->passes) - passes0) / wall);
	note("%lu TLB shootdowns, %lu function call interrupts",
	     irq_count("TLB:") - tlb0, irq_count("CAL:") - cal0);

	query(&w, 0, n);
	r->cold_moved = 0;
	for (i = 0; i < n; i++)
		if (!in_hot(i, hots, nhot, hot_pages) &&
		    w.status[i] != w.start_node[i])
			r->cold_moved++;

	if (mech == STRATA)
		strata_stop();
	else if (mech == DAMON)
		damon_stop();
	set_numab("0", "0");
	r->corrupt = workload_stop(&w);
	if (r->corrupt)
		note("ERROR: %ld pages lost what the workload wrote", r->corrupt);

	r->oracle = orc;
	r->final_share = orc > 0 ? share / orc : 0;
	r->min_migr = migr1 + migr2;
	r->amat = ty.amat_int / wall;
	r->done = true;
	note("t90 %.2f s%s, final %.3f of oracle %.3f, amat %.1f ns",
	     r->t90, r->unreached ? " (unreached)" : "", r->final_share,
	     r->oracle, r->amat);
	note("migrated %ld (+%ld -%ld; oracle %ld), cold moved %ld, cpu %.3f %%/GiB",
	     r->migrated, r->promoted, r->demoted, r->min_migr,
	     r->cold_moved, r->cpu_pct);
	if (series)
		fflush(series);
	running = "";
	/* Let the freed memory and kswapd settle before the next run. */
	sleep_s(1);
}

/* ---- main ---------------------------------------------------------------- */

static void print_results(void)
{
	static const double inf = 1e300;
	const struct result *r;
	double best;
	int s, m;

	printf("{\n");
	printf("  \"ws_mib\": %ld,\n", opt_ws_mib);
	printf("  \"hot_mib\": %ld,\n", opt_ws_mib * opt_hot_pct / 100);
	printf("  \"phase_s\": %.1f,\n", opt_phase_s);
	printf("  \"sample_ms\": %d,\n", opt_sample_ms);
	printf("  \"dram_ns\": %d,\n", DRAM_NS);
	printf("  \"cxl_ns\": %d", CXL_NS);
	for (s = 0; s < NR_SCENS; s++) {
		for (m = 0; m < NR_MECHS; m++) {
			const char *sn = scen_names[s], *mn = mech_names[m];

			r = &results[s][m];
			if (!r->done)
				continue;
#define KEY(k, fmt, v) printf(",\n  \"%s_%s_" k "\": " fmt, sn, mn, v)
			KEY("t90_s", "%.2f", r->t90);
			KEY("t90_unreached", "%d", r->unreached);
			KEY("final_share", "%.4f", r->final_share);
			KEY("oracle_share", "%.4f", r->oracle);
			KEY("pages_migrated", "%ld", r->migrated);
			KEY("promoted", "%ld", r->promoted);
			KEY("demoted", "%ld", r->demoted);
			KEY("min_migrations", "%ld", r->min_migr);
			KEY("cold_moved", "%ld", r->cold_moved);
			KEY("scan_cpu_pct", "%.3f", r->cpu_pct);
			KEY("amat_ns", "%.1f", r->amat);
			KEY("workload_sys_pct", "%.1f", r->work_sys_pct);
			KEY("corrupt_pages", "%ld", r->corrupt);
#undef KEY
		}
		best = inf;
		for (m = NUMAB; m <= DAMON; m++)
			if (results[s][m].done && results[s][m].t90 < best)
				best = results[s][m].t90;
		r = &results[s][STRATA];
		if (r->done)
			printf(",\n  \"%s_strata_scanner_cpu_pct\": %.3f",
			       scen_names[s], r->scanner_pct);
		if (r->done && best < inf && best > 0)
			printf(",\n  \"%s_strata_t90_vs_upstream\": %.3f",
			       scen_names[s], r->t90 / best);
	}
	printf("\n}\n");
	if (fflush(stdout))
		die("write the results", errno);
}

static void usage_exit(void)
{
	fprintf(stderr,
		"usage: tier_bench [--only none,numab,damon,strata] [--scenarios a,b,c]\n"
		"                  [--phase SECS] [--ws MIB] [--hot-pct PCT] [--thp]\n"
		"                  [--series FILE] [--sample-ms MS (10-1000)]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "only", required_argument, NULL, 'o' },
		{ "scenarios", required_argument, NULL, 's' },
		{ "phase", required_argument, NULL, 'p' },
		{ "ws", required_argument, NULL, 'w' },
		{ "hot-pct", required_argument, NULL, 'h' },
		{ "thp", no_argument, NULL, 't' },
		{ "series", required_argument, NULL, 'S' },
		{ "sample-ms", required_argument, NULL, 'm' },
		{ }
	};
	struct strata_tier_info info;
	struct sigaction sa = { };
	char path[512], buf[16];
	const char *dir;
	double t_start;
	int c, s, m, err;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!parse_list(optarg, mech_names, NR_MECHS,
					want_mech))
				usage_exit();
			break;
		case 's':
			if (!parse_list(optarg, scen_names, NR_SCENS,
					want_scen))
				usage_exit();
			break;
		case 'p':
			opt_phase_s = atof(optarg);
			break;
		case 'w':
			opt_ws_mib = atol(optarg);
			break;
		case 'h':
			opt_hot_pct = atoi(optarg);
			break;
		case 't':
			opt_thp = true;
			break;
		case 'S':
			opt_series = optarg;
			break;
		case 'm':
			opt_sample_ms = atoi(optarg);
			break;
		default:
			usage_exit();
		}
	}
	if (optind != argc || opt_phase_s < 1 || opt_ws_mib < 4 ||
	    opt_hot_pct < 1 || opt_hot_pct > 50 || opt_sample_ms < 10 ||
	    opt_sample_ms > 1000)
		usage_exit();
	if (geteuid())
		fail("must run as root (in the test VM: make bench T=tier)");

	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	ctl = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctl == MAP_FAILED)
		die("mmap", errno);

	t_start = now_s();
	read_nodes();
	if (strata_read_str(NUMAB_SYSCTL, orig_numab, sizeof(orig_numab)) ||
	    strata_read_str(DEMOTION, orig_demotion, sizeof(orig_demotion)))
		fail("no %s or %s: no NUMA balancing or memory tiering",
		     NUMAB_SYSCTL, DEMOTION);
	kswapd_pids[0] = find_thread("kswapd0");
	kswapd_pids[1] = find_thread("kswapd1");

	if (want_mech[DAMON]) {
		err = strata_read_str(DAMON_ADMIN "/nr_kdamonds", buf, sizeof(buf));
		if (err || strcmp(buf, "0")) {
			note("skipping damon: %s", err ?
			     "no DAMON sysfs interface" :
			     "kdamonds are already set up");
			want_mech[DAMON] = false;
		}
	}
	if (want_mech[STRATA]) {
		strata_fd = strata_tier_open();
		err = strata_fd < 0 ? strata_fd :
		      strata_tier_info(strata_fd, &info, NULL, 0);
		if (!err && !(info.flags & STRATA_TIER_INFO_ACTIVE))
			err = -ENODEV;
		if (err) {
			note("skipping strata: %s: %s", STRATA_TIER_DEV,
			     strerror(-err));
			want_mech[STRATA] = false;
		} else {
			note_strata_params();
		}
	}

	if (!opt_series) {
		dir = getenv("STRATA_BENCH_DIR");
		snprintf(path, sizeof(path), "%s%stier-series.csv",
			 dir ? dir : "", dir ? "/" : "");
		opt_series = path;
	}
	series = fopen(opt_series, "we");
	if (!series)
		die(opt_series, errno);
	fprintf(series, "scenario,mechanism,time_s,share,oracle,phase\n");

	note("node 0 %ld pages (high %ld), node 1 %ld; %ld MiB, %d %% hot, %.0f s phases",
	     nodes[FAST].managed, nodes[FAST].high, nodes[SLOW].managed,
	     opt_ws_mib, opt_hot_pct, opt_phase_s);
	for (s = 0; s < NR_SCENS; s++)
		for (m = 0; m < NR_MECHS; m++)
			if (want_scen[s] && want_mech[m])
				run(s, m);
	cleanup();
	if (fclose(series))
		die(opt_series, errno);
	if (strata_fd >= 0)
		close(strata_fd);
	print_results();
	note("done in %.0f s", now_s() - t_start);

	for (s = 0; s < NR_SCENS; s++)
		for (m = 0; m < NR_MECHS; m++)
			if (results[s][m].corrupt)
				return 1;
	return 0;
}

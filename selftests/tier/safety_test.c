// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier selftests - migration races: data is never corrupted
 *
 * Each test runs a registered workload whose pages strata_tier keeps
 * moving: rounds every 10-20 ms, a page is hot after one round with an
 * access (hot_rounds=1), and the test flips the registration's fast-tier
 * quota between 0 and STRATA_TIER_QUOTA_NONE every few rounds, so the hot
 * pages go up to the fast node and come down again all the time.
 * Meanwhile the workload does, in a bounded loop, the thing that races
 * with a migration: exit (and exec), munmap, mremap, mprotect, fork with
 * COW pages, THP collapse and split, MADV_DONTNEED; or it holds pages that
 * must never move: pinned by io_uring fixed buffers, or merged by KSM.
 *
 * Every page carries a pattern derived from a seed, its index and a
 * generation (or must read as zeros), and every process that maps it
 * checks every word of it after each step; a mismatch names the page, the
 * word, and the expected and actual values.  The runner then scans the
 * kernel log for warnings and oopses, so a test that merely survives
 * already says something.
 *
 * Workloads are forked children that report through a shared control
 * block and their exit status, never with ASSERT_*(), which would unwind
 * into the harness in the wrong process.  The loops are bounded by
 * iterations, sized for a TCG guest; the random choices print their seed
 * (STRATA_SAFETY_SEED=N repeats a run).
 */
#include <linux/io_uring.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "common.h"

#define PAGE_SZ		TIER_PAGE_SIZE
#define PAGE_WORDS	(PAGE_SZ / sizeof(__u64))
#define HUGE_SZ		(2UL << 20)
#define HUGE_PAGES	(HUGE_SZ / PAGE_SZ)

#define SCAN_MIN_MS	10
#define SCAN_MAX_MS	20
#define RATE_MBPS	"128"	/* 320 pages a round: whole regions move */
#define TOGGLE_MS	40	/* quota flips every 2-4 rounds */
#define POLL_MS		5
#define READY_MS	30000	/* a workload's setup, under TCG */
#define GONE_MS		5000	/* a pid registration ends ~2 s after exit */
#define RACE_MS		90000	/* a whole race loop, generous */
#define TEST_TIMEOUT	180	/* harness timeout per test, in seconds */

/* Generation of a page that must read as zeros / that is not mapped. */
#define GEN_ZERO	0U
#define GEN_GONE	0xffffffffU

/* Exit status of a workload that found its environment lacking. */
#define WORK_SKIP	4

/* Node roles, from INFO: set in the fixture, inherited by workloads. */
static int fast_node = TIER_FAST_NODE;
static int slow_node = TIER_SLOW_NODE;

/* ---- control block shared with a workload ------------------------------ */

struct race_ctl {
	int ready;		/* workload: memory set up, addresses set */
	int go;			/* test: registered, start the loop */
	int stop;		/* test: finish (open-ended workloads) */
	int phase;		/* test: workload-specific step */
	int failed;		/* workload: msg holds the first failure */
	int iters;		/* workload: iterations done */
	int huge_seen;		/* THP: iterations that had huge pages */
	int collapsed;		/* THP: successful MADV_COLLAPSE calls */
	int collapse_err;	/* THP: errno of the last failed one */
	int collapse_fails;	/* THP: failed MADV_COLLAPSE calls */
	int pid2_seq;		/* fork: copies published */
	int pid2_ack;		/* test: copies registered */
	pid_t pid2;		/* fork: the last copy */
	__u64 addr[2];		/* pinned: where the test should look */
	__u64 npages[2];
	char msg[1024];
};

static void __attribute__((noreturn, format(printf, 2, 3)))
race_fail(struct race_ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	if (__sync_bool_compare_and_swap(&ctl->failed, 0, 1)) {
		va_start(ap, fmt);
		vsnprintf(ctl->msg, sizeof(ctl->msg), fmt, ap);
		va_end(ap);
	}
	_exit(1);
}

/* A workload that cannot run here: exit with WORK_SKIP and a reason. */
static void __attribute__((noreturn, format(printf, 2, 3)))
race_skip(struct race_ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctl->msg, sizeof(ctl->msg), fmt, ap);
	va_end(ap);
	_exit(WORK_SKIP);
}

/* Workload: say it is ready, wait until the test registered it. */
static void race_wait_go(struct race_ctl *ctl)
{
	__atomic_store_n(&ctl->ready, 1, __ATOMIC_RELEASE);
	if (!TIER_WAIT_UNTIL(__atomic_load_n(&ctl->go, __ATOMIC_ACQUIRE),
			     READY_MS))
		race_fail(ctl, "the test never registered the workload");
}

static bool race_stopping(struct race_ctl *ctl)
{
	return __atomic_load_n(&ctl->stop, __ATOMIC_ACQUIRE);
}

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	return n ? (unsigned int)rand_r(seed) % n : 0;
}

/* ---- page contents ------------------------------------------------------ */

/*
 * A region of a workload: @gen[i] is the generation page i was last
 * written with (GEN_ZERO: must read as zeros, GEN_GONE: not mapped), and
 * @idx, when set, the pattern index of each page (pages with the same
 * index and generation have the same contents: KSM merges them).
 */
struct region {
	const char *name;
	char *base;
	unsigned long npages;
	unsigned int seed;
	__u32 *gen;
	unsigned long *idx;
};

static __u64 page_base(const struct region *r, unsigned long i, __u32 gen)
{
	size_t pg = r->idx ? r->idx[i] : i;

	/* tier_pattern_base() mixes every bit of its page argument */
	return tier_pattern_base(r->seed, pg ^ ((size_t)gen << 32));
}

static void page_write(struct region *r, unsigned long i, __u32 gen)
{
	__u64 *w = (__u64 *)(r->base + i * PAGE_SZ), base;
	size_t j;

	r->gen[i] = gen;
	if (gen == GEN_ZERO) {
		memset(w, 0, PAGE_SZ);
		return;
	}
	base = page_base(r, i, gen);
	for (j = 0; j < PAGE_WORDS; j++)
		w[j] = tier_pattern_word(base, j);
}

static void region_write(struct region *r, unsigned long first,
			 unsigned long n, __u32 gen)
{
	unsigned long i;

	for (i = first; i < first + n; i++)
		page_write(r, i, gen);
}

/*
 * Check every word of pages [@first, @first + @n) of @r; the first page
 * that differs ends the workload with a message naming it.
 */
static void region_check_range(struct race_ctl *ctl, const struct region *r,
			       unsigned long first, unsigned long n,
			       const char *when)
{
	const volatile __u64 *w;
	unsigned long i;
	__u64 base, want;
	size_t j;

	for (i = first; i < first + n; i++) {
		if (r->gen[i] == GEN_GONE)
			continue;
		w = (const volatile __u64 *)(r->base + i * PAGE_SZ);
		base = r->gen[i] == GEN_ZERO ? 0 : page_base(r, i, r->gen[i]);
		for (j = 0; j < PAGE_WORDS; j++) {
			want = r->gen[i] == GEN_ZERO ? 0 :
			       tier_pattern_word(base, j);
			if (w[j] == want)
				continue;
			race_fail(ctl,
				  "%s: %s page %lu (%p) word %zu: expected %#llx, actual %#llx (generation %u%s)",
				  when, r->name, i, (void *)w, j,
				  (unsigned long long)want,
				  (unsigned long long)w[j], r->gen[i],
				  r->gen[i] == GEN_ZERO ? ": zeros" : "");
		}
	}
}

static void region_check(struct race_ctl *ctl, const struct region *r,
			 const char *when)
{
	region_check_range(ctl, r, 0, r->npages, when);
}

/* The generation array (and index array, if @idx) of an @npages region. */
static void region_init(struct race_ctl *ctl, struct region *r,
			const char *name, unsigned long npages,
			unsigned int seed, bool idx)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->npages = npages;
	r->seed = seed;
	r->gen = calloc(npages, sizeof(*r->gen));
	if (idx)
		r->idx = calloc(npages, sizeof(*r->idx));
	if (!r->gen || (idx && !r->idx))
		race_fail(ctl, "%s: out of memory", name);
}

/*
 * Write pages [@first, @first + @n) with @gen, faulting them in on
 * @node (MPOL_BIND around the writes; @node < 0: the default policy).
 */
static void region_fault(struct race_ctl *ctl, struct region *r,
			 unsigned long first, unsigned long n, int node,
			 __u32 gen)
{
	int err;

	if (node >= 0) {
		err = tier_set_mempolicy(MPOL_BIND, node);
		if (err)
			race_fail(ctl, "set_mempolicy(MPOL_BIND, %d): %s",
				  node, strerror(-err));
	}
	region_write(r, first, n, gen);
	if (node >= 0)
		tier_set_mempolicy(MPOL_DEFAULT, 0);
}

/*
 * Map @npages pages of anonymous private memory (no huge pages: the test
 * kernel's THP is "always") and fault them in on @node with generation 1.
 */
static void region_map(struct race_ctl *ctl, struct region *r,
		       const char *name, unsigned long npages, int node,
		       unsigned int seed)
{
	region_init(ctl, r, name, npages, seed, false);
	r->base = mmap(NULL, npages * PAGE_SZ, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->base == MAP_FAILED)
		race_fail(ctl, "%s: mmap: %s", name, strerror(errno));
	madvise(r->base, npages * PAGE_SZ, MADV_NOHUGEPAGE);
	region_fault(ctl, r, 0, npages, node, 1);
}

static void region_free(struct region *r)
{
	free(r->gen);
	free(r->idx);
	r->gen = NULL;
	r->idx = NULL;
}

/*
 * Read one word of every page of a window of half of @r, starting at page
 * @first, for @ms milliseconds: the window's pages turn hot, the others
 * cool down.  @n = 0 reads all of @r.
 */
static void region_touch(const struct region *r, unsigned long first,
			 unsigned long n, long ms)
{
	long long end = strata_now_ms() + ms;
	unsigned long i, pg;
	__u64 sum = 0;

	if (!n)
		n = r->npages;
	do {
		for (i = 0; i < n; i++) {
			pg = (first + i) % r->npages;
			if (r->gen[pg] == GEN_GONE)
				continue;
			sum += *(const volatile __u64 *)(r->base + pg * PAGE_SZ);
		}
	} while (strata_now_ms() < end);
	__asm__ volatile("" : : "r"(sum));
}

/* ---- the test's side: registration, quota flips, counters --------------- */

#define RACE_REGS	16

struct race_sum {
	__u64 rounds;
	__u64 promoted;
	__u64 demoted;
	__u64 failed;
	__u64 thp_split;
	__u64 skip_thp;
	__u64 skip_pinned;
	__u64 skip_ksm;
};

/*
 * A running race: the workload @pid and its registrations.  @ids[0] is the
 * workload's; the fork test adds one for each copy it makes.  The counters
 * of registrations that ended are folded into @done; @last keeps the
 * latest STATS of the live ones.
 */
struct racer {
	int fd;
	pid_t pid;
	struct race_ctl *ctl;
	bool toggle;		/* flip the quota (else it stays NONE) */
	bool low;		/* the quota is 0 now */
	long long next_flip;
	int flips;
	int reg_err;		/* first failed registration of a copy */
	__u32 ids[RACE_REGS];
	struct strata_tier_stats last[RACE_REGS];
	struct race_sum done;
};

static void sum_add(struct race_sum *s, const struct strata_tier_stats *st)
{
	s->rounds += st->rounds;
	s->promoted += st->promoted;
	s->demoted += st->demoted;
	s->failed += st->failed;
	s->thp_split += st->thp_split;
	s->skip_thp += st->skip_thp;
	s->skip_pinned += st->skip_pinned;
	s->skip_ksm += st->skip_ksm;
}

static void racer_fold(struct racer *r, int i)
{
	sum_add(&r->done, &r->last[i]);
	memset(&r->last[i], 0, sizeof(r->last[i]));
	r->ids[i] = 0;
}

/* Counters over every registration of the race so far. */
static struct race_sum racer_total(const struct racer *r)
{
	struct race_sum s = r->done;
	int i;

	for (i = 0; i < RACE_REGS; i++)
		if (r->ids[i])
			sum_add(&s, &r->last[i]);
	return s;
}

static int racer_add(struct racer *r, pid_t pid, __u64 quota)
{
	int i, slot = -1, err;
	__u32 id;

	for (i = 1; i < RACE_REGS && slot < 0; i++)
		if (!r->ids[i])
			slot = i;
	if (slot < 0) {
		/* keep the counters of the oldest copy, drop its slot */
		slot = 1;
		racer_fold(r, slot);
	}
	err = strata_tier_register_pid(r->fd, pid, quota, &id);
	if (err)
		return err;
	r->ids[slot] = id;
	return 0;
}

/*
 * One step of the test's side: register a copy the workload published,
 * flip the quota when it is time, read every registration's counters.
 */
static void racer_poll(struct racer *r)
{
	struct strata_tier_stats st;
	long long now = strata_now_ms();
	int i, err, seq;

	seq = __atomic_load_n(&r->ctl->pid2_seq, __ATOMIC_ACQUIRE);
	if (seq != r->ctl->pid2_ack) {
		err = racer_add(r, r->ctl->pid2,
				r->low ? 0 : STRATA_TIER_QUOTA_NONE);
		if (err && !r->reg_err)
			r->reg_err = err;
		__atomic_store_n(&r->ctl->pid2_ack, seq, __ATOMIC_RELEASE);
	}
	if (r->toggle && now >= r->next_flip) {
		r->low = !r->low;
		r->flips++;
		r->next_flip = now + TOGGLE_MS;
		for (i = 0; i < RACE_REGS; i++)
			if (r->ids[i])
				strata_tier_set_quota(r->fd, r->ids[i],
						      r->low ? 0 :
						      STRATA_TIER_QUOTA_NONE);
	}
	for (i = 0; i < RACE_REGS; i++) {
		if (!r->ids[i])
			continue;
		err = strata_tier_stats(r->fd, r->ids[i], &st);
		if (!err)
			r->last[i] = st;
		else if (err == -ENOENT)
			racer_fold(r, i);
	}
}

/* Poll for @ms milliseconds (the workload keeps running). */
static void racer_run_for(struct racer *r, long ms)
{
	long long end = strata_now_ms() + ms;

	while (strata_now_ms() < end) {
		racer_poll(r);
		strata_sleep_ms(POLL_MS);
	}
}

/*
 * Poll until the workload exits; its wait status, or -1 when it did not
 * finish within @ms (it is killed then).
 */
static int racer_wait(struct racer *r, long ms)
{
	long long end = strata_now_ms() + ms;
	int status;

	for (;;) {
		racer_poll(r);
		if (waitpid(r->pid, &status, WNOHANG) == r->pid)
			break;
		if (strata_now_ms() >= end) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, &status, 0);
			status = -1;
			break;
		}
		strata_sleep_ms(POLL_MS);
	}
	r->pid = 0;
	return status;
}

/*
 * Fork a workload running @fn(@ctl, @arg).  It first sets its memory up
 * and says so (ctl->ready); the test then registers it (racer_go()).
 */
static pid_t race_spawn(struct racer *r,
			void (*fn)(struct race_ctl *ctl, const void *arg),
			const void *arg)
{
	pid_t pid;

	memset(r->ctl, 0, sizeof(*r->ctl));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn(r->ctl, arg);
		_exit(0);
	}
	r->pid = pid;
	return pid;
}

/* Register the ready workload (quota NONE) and let it go; 0 or -errno. */
static int racer_go(struct racer *r)
{
	int err;

	err = strata_tier_register_pid(r->fd, r->pid, STRATA_TIER_QUOTA_NONE,
				       &r->ids[0]);
	if (err)
		return err;
	r->low = false;
	r->next_flip = strata_now_ms() + TOGGLE_MS;
	__atomic_store_n(&r->ctl->go, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Wait until registration @id is gone from STATS and LIST. */
static bool reg_gone(int fd, __u32 id, long ms)
{
	struct strata_tier_stats st;

	return TIER_WAIT_UNTIL(strata_tier_stats(fd, id, &st) == -ENOENT &&
			       tier_listed(fd, id) == 0, ms);
}

static unsigned int pick_seed(void)
{
	const char *env = getenv("STRATA_SAFETY_SEED");
	struct timespec ts;

	if (env)
		return (unsigned int)strtoul(env, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned int)(ts.tv_nsec ^ ts.tv_sec ^ getpid());
}

/* ---- fixture ------------------------------------------------------------ */

FIXTURE(safety) {
	int fd;
	long regs0;
	unsigned int seed;
	long long t0;
	struct race_ctl *ctl;
	struct racer r;
	char thp_enabled[32];	/* "always", "madvise", "never", or "" */
};

FIXTURE_SETUP(safety)
{
	struct strata_tier_node nodes[64];
	struct strata_tier_info info;
	__u32 i;
	int fast = -1, slow = -1;

	self->fd = tier_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, strata_tier_info(self->fd, &info, nodes, 64));
	if (!(info.flags & STRATA_TIER_INFO_ACTIVE))
		SKIP(return, "no slow tier: nothing is ever migrated");
	for (i = 0; i < info.nr_nodes && i < 64; i++) {
		if (nodes[i].role == STRATA_TIER_ROLE_FAST && fast < 0 &&
		    nodes[i].flags & STRATA_TIER_NODE_CPU)
			fast = nodes[i].nid;
		if (nodes[i].role == STRATA_TIER_ROLE_SLOW && slow < 0)
			slow = nodes[i].nid;
	}
	ASSERT_LE(0, fast);
	ASSERT_LE(0, slow);
	fast_node = fast;
	slow_node = slow;

	self->regs0 = tier_nr_regs();
	ASSERT_LE(0, self->regs0);
	self->seed = pick_seed();
	self->t0 = strata_now_ms();
	TH_LOG("seed %u (STRATA_SAFETY_SEED), fast node %d, slow node %d",
	       self->seed, fast_node, slow_node);

	self->ctl = mmap(NULL, sizeof(*self->ctl), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->ctl);
	self->r.fd = self->fd;
	self->r.ctl = self->ctl;

	/* Only strata_tier moves pages (no NUMA balancing), and often. */
	ASSERT_EQ(0, tier_fast_scan(SCAN_MIN_MS, SCAN_MAX_MS));
	ASSERT_EQ(0, tier_param_push("hot_rounds", "1"));
	/* Less copying under TCG: the workloads get the CPU to race. */
	ASSERT_EQ(0, tier_param_push("rate_limit_mbps", RATE_MBPS));
}

FIXTURE_TEARDOWN(safety)
{
	int i;

	if (self->r.pid > 0) {
		kill(self->r.pid, SIGKILL);
		waitpid(self->r.pid, NULL, 0);
	}
	if (self->ctl && self->ctl->pid2 > 0)
		kill(self->ctl->pid2, SIGKILL);
	for (i = 0; i < RACE_REGS; i++)
		tier_unregister_quiet(self->fd, &self->r.ids[i]);
	if (self->thp_enabled[0])
		strata_write_str("/sys/kernel/mm/transparent_hugepage/enabled",
			       self->thp_enabled);
	tier_settings_restore();
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * The end of every race: the workload exited cleanly with its data
 * intact, the pages did move while it ran, and no registration is left.
 */
static void race_expect_ok(struct __test_metadata *_metadata,
			   FIXTURE_DATA(safety) *self, int status)
{
	struct race_sum s = racer_total(&self->r);

	TH_LOG("%d iterations in %lld ms, %d quota flips, %llu rounds, %llu promoted, %llu demoted, %llu failed",
	       self->ctl->iters, strata_now_ms() - self->t0, self->r.flips,
	       (unsigned long long)s.rounds,
	       (unsigned long long)s.promoted, (unsigned long long)s.demoted,
	       (unsigned long long)s.failed);
	ASSERT_NE(-1, status)
		TH_LOG("the workload did not finish (%d iterations done)",
		       self->ctl->iters);
	ASSERT_EQ(0, self->ctl->failed) TH_LOG("%s", self->ctl->msg);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("workload wait status %#x", status);
	/* The race is only a race if pages moved meanwhile. */
	EXPECT_LT(0, s.promoted + s.demoted);
	TIER_WAIT_UNTIL(tier_nr_regs() == self->regs0, GONE_MS);
	EXPECT_EQ(self->regs0, tier_nr_regs());
}

/* A wait status of a workload that found its environment lacking. */
static bool race_skipped(int status)
{
	return status != -1 && WIFEXITED(status) &&
	       WEXITSTATUS(status) == WORK_SKIP;
}

/*
 * Spawn workload @fn and wait until it is ready (not registered yet).
 * Returns 0 when it is, or the wait status of a workload that could not
 * run here (race_skipped(), ctl->msg says why); fails the test when the
 * workload failed or hung.
 */
static int race_start(struct __test_metadata *_metadata,
		      FIXTURE_DATA(safety) *self,
		      void (*fn)(struct race_ctl *ctl, const void *arg),
		      const void *arg)
{
	long long end = strata_now_ms() + READY_MS;
	int status;

	ASSERT_LT(0, race_spawn(&self->r, fn, arg));
	while (!__atomic_load_n(&self->ctl->ready, __ATOMIC_ACQUIRE)) {
		if (waitpid(self->r.pid, &status, WNOHANG) == self->r.pid) {
			self->r.pid = 0;
			if (race_skipped(status))
				return status;
			TH_LOG("workload setup failed, wait status %#x: %s",
			       status, self->ctl->msg);
			ASSERT_TRUE(false);
		}
		ASSERT_LT(strata_now_ms(), end) TH_LOG("workload setup hung");
		strata_sleep_ms(POLL_MS);
	}
	return 0;
}

/*
 * Spawn workload @fn, register it and run it to its end with the quota
 * flipping; its wait status (-1: it hung and was killed).
 */
static int race_run(struct __test_metadata *_metadata,
		    FIXTURE_DATA(safety) *self,
		    void (*fn)(struct race_ctl *ctl, const void *arg),
		    const void *arg)
{
	int status;

	status = race_start(_metadata, self, fn, arg);
	if (status)
		return status;
	ASSERT_EQ(0, racer_go(&self->r));
	self->r.toggle = true;
	return racer_wait(&self->r, RACE_MS);
}

/* ---- exit and exec ------------------------------------------------------ */

enum exit_mode {
	EXIT_RETURN,	/* _exit() */
	EXIT_EXEC,	/* execve() of /bin/true: the old mm goes */
	EXIT_KILLED,	/* SIGKILL from the test, mid-loop */
	EXIT_THREADS,	/* _exit() while another thread reads the pages */
	EXIT_NR_MODES
};

static const char *const exit_mode_name[] = {
	"exit", "exec", "SIGKILL", "exit with a second thread",
};

struct exit_arg {
	enum exit_mode mode;
	unsigned int seed;
	long ms;
};

static void *exit_toucher(void *arg)
{
	const struct region *r = arg;

	for (;;)
		region_touch(r, 0, 0, 1000);
	return NULL;
}

static void exit_workload(struct race_ctl *ctl, const void *p)
{
	const struct exit_arg *a = p;
	struct region r;
	pthread_t thr;

	region_map(ctl, &r, "region", 128, slow_node, a->seed);
	race_wait_go(ctl);
	switch (a->mode) {
	case EXIT_RETURN:
		region_touch(&r, a->seed % 128, 64, a->ms);
		region_check(ctl, &r, "before exit");
		_exit(0);
	case EXIT_EXEC:
		region_touch(&r, a->seed % 128, 64, a->ms);
		region_check(ctl, &r, "before exec");
		execl("/bin/true", "true", (char *)NULL);
		race_fail(ctl, "execl(/bin/true): %s", strerror(errno));
	case EXIT_KILLED:
		for (;;) {
			region_touch(&r, a->seed % 128, 64, 5);
			region_check(ctl, &r, "until killed");
		}
	case EXIT_THREADS:
		if (pthread_create(&thr, NULL, exit_toucher, &r))
			race_fail(ctl, "pthread_create failed");
		region_touch(&r, a->seed % 128, 64, a->ms);
		region_check(ctl, &r, "before exit");
		_exit(0);
	default:
		break;
	}
	_exit(0);
}

#define EXIT_ITERS	24

/*
 * The registered process exits, execs or is killed at a random point of
 * the rounds that move its pages: it ends cleanly, its data was intact up
 * to the end, and its registration goes away by itself.
 */
TEST_F_TIMEOUT(safety, exit_and_exec_during_migration_end_the_registration,
	       TEST_TIMEOUT)
{
	unsigned int seed = self->seed;
	struct exit_arg arg;
	struct race_sum s;
	int it, status;
	__u32 id;

	for (it = 0; it < EXIT_ITERS; it++) {
		arg.mode = it % EXIT_NR_MODES;
		arg.seed = rand_r(&seed);
		arg.ms = 20 + rnd(&seed, 100);
		ASSERT_EQ(0, race_start(_metadata, self, exit_workload,
					&arg));
		ASSERT_EQ(0, racer_go(&self->r));
		self->r.toggle = true;
		id = self->r.ids[0];
		if (arg.mode == EXIT_KILLED) {
			racer_run_for(&self->r, arg.ms);
			kill(self->r.pid, SIGKILL);
		}
		status = racer_wait(&self->r, RACE_MS);
		ASSERT_NE(-1, status) TH_LOG("iteration %d (%s): hung", it,
					     exit_mode_name[arg.mode]);
		ASSERT_EQ(0, self->ctl->failed)
			TH_LOG("iteration %d (%s): %s", it,
			       exit_mode_name[arg.mode], self->ctl->msg);
		if (arg.mode == EXIT_KILLED) {
			ASSERT_TRUE(WIFSIGNALED(status) &&
				    WTERMSIG(status) == SIGKILL)
				TH_LOG("iteration %d: wait status %#x", it,
				       status);
		} else {
			ASSERT_TRUE(WIFEXITED(status) &&
				    WEXITSTATUS(status) == 0)
				TH_LOG("iteration %d (%s): wait status %#x",
				       it, exit_mode_name[arg.mode], status);
		}
		/* The pid registration ends with the address space. */
		EXPECT_TRUE(reg_gone(self->fd, id, GONE_MS))
			TH_LOG("iteration %d (%s): registration %u still there %d ms after the process ended",
			       it, exit_mode_name[arg.mode], id, GONE_MS);
		racer_poll(&self->r);
		if (self->r.ids[0] == id)
			racer_fold(&self->r, 0);
		self->ctl->iters = it + 1;
	}
	s = racer_total(&self->r);
	TH_LOG("%d processes in %lld ms, %llu rounds, %llu promoted, %llu demoted, %llu failed",
	       it, strata_now_ms() - self->t0, (unsigned long long)s.rounds,
	       (unsigned long long)s.promoted, (unsigned long long)s.demoted,
	       (unsigned long long)s.failed);
	EXPECT_LT(0, s.promoted + s.demoted);
	TIER_WAIT_UNTIL(tier_nr_regs() == self->regs0, GONE_MS);
	EXPECT_EQ(self->regs0, tier_nr_regs());
}

/* ---- munmap ------------------------------------------------------------- */

#define MUNMAP_ITERS	30
#define MUNMAP_PAGES	128

/* Map anonymous memory again at every unmapped page of @r: zeros. */
static void region_refill_holes(struct race_ctl *ctl, struct region *r)
{
	unsigned long i, j;
	void *p;

	for (i = 0; i < r->npages; i = j) {
		for (j = i; j < r->npages && r->gen[j] == GEN_GONE; j++)
			;
		if (j == i) {
			j++;
			continue;
		}
		p = mmap(r->base + i * PAGE_SZ, (j - i) * PAGE_SZ,
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0);
		if (p != r->base + i * PAGE_SZ)
			race_fail(ctl, "mmap of pages %lu-%lu again: %s", i,
				  j - 1, strerror(errno));
		madvise(p, (j - i) * PAGE_SZ, MADV_NOHUGEPAGE);
		while (i < j)
			r->gen[i++] = GEN_ZERO;
	}
}

static void munmap_pages(struct race_ctl *ctl, struct region *r,
			 unsigned long first, unsigned long n)
{
	unsigned long i;

	if (munmap(r->base + first * PAGE_SZ, n * PAGE_SZ))
		race_fail(ctl, "munmap of pages %lu-%lu: %s", first,
			  first + n - 1, strerror(errno));
	for (i = first; i < first + n; i++)
		r->gen[i] = GEN_GONE;
}

static void munmap_workload(struct race_ctl *ctl, const void *p)
{
	unsigned int seed = *(const unsigned int *)p;
	struct region keep, r;
	unsigned long i, first;
	int it;

	region_map(ctl, &keep, "kept region", 64, slow_node, seed);
	race_wait_go(ctl);
	for (it = 0; it < MUNMAP_ITERS; it++) {
		region_map(ctl, &r, "unmapped region", MUNMAP_PAGES,
			   it % 3 ? slow_node : fast_node, seed + it + 1);
		region_touch(&r, rnd(&seed, MUNMAP_PAGES), MUNMAP_PAGES / 2,
			     10 + rnd(&seed, 40));
		region_touch(&keep, 0, 0, 1);
		switch (it % 4) {
		case 0:		/* all of it */
			munmap_pages(ctl, &r, 0, MUNMAP_PAGES);
			break;
		case 1:		/* a half */
			munmap_pages(ctl, &r, (it / 4) % 2 ? MUNMAP_PAGES / 2 : 0,
				     MUNMAP_PAGES / 2);
			break;
		case 2:		/* a piece of the middle */
			first = 1 + rnd(&seed, MUNMAP_PAGES - 40);
			munmap_pages(ctl, &r, first, 32);
			break;
		default:	/* every other page: many VMAs */
			for (i = it % 2; i < MUNMAP_PAGES; i += 2)
				munmap_pages(ctl, &r, i, 1);
			break;
		}
		region_check(ctl, &r, "after munmap");
		/* New memory in the holes reads as zeros, never old data. */
		region_refill_holes(ctl, &r);
		region_check(ctl, &r, "mapped again after munmap");
		region_touch(&r, 0, 0, 5 + rnd(&seed, 20));
		region_check(ctl, &r, "mapped again after munmap, later");
		munmap(r.base, MUNMAP_PAGES * PAGE_SZ);
		region_free(&r);
		region_check(ctl, &keep, "beside munmap");
		ctl->iters = it + 1;
	}
	_exit(0);
}

/*
 * munmap of all, half, the middle or every other page of a region whose
 * pages are moving: the rest keeps its data, and memory mapped again at
 * the same addresses reads as zeros.
 */
TEST_F_TIMEOUT(safety, munmap_during_migration_keeps_the_rest_intact,
	       TEST_TIMEOUT)
{
	race_expect_ok(_metadata, self,
		       race_run(_metadata, self, munmap_workload,
				&self->seed));
}

/* ---- mremap ------------------------------------------------------------- */

#define MREMAP_ITERS	30
#define MREMAP_PAGES	128
#define MREMAP_SLOTS	3

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif

static void mremap_workload(struct race_ctl *ctl, const void *p)
{
	unsigned int seed = *(const unsigned int *)p;
	const size_t slot_len = 2 * MREMAP_PAGES * PAGE_SZ;
	const size_t len = MREMAP_PAGES * PAGE_SZ;
	bool dontunmap = true;
	int it, cur = 0, next;
	struct region r, old;
	char *area, *q;

	/* Three slots of room for the region to move between. */
	area = mmap(NULL, MREMAP_SLOTS * slot_len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		race_fail(ctl, "mmap: %s", strerror(errno));
	region_init(ctl, &r, "moved region", 2 * MREMAP_PAGES, seed, false);
	r.npages = MREMAP_PAGES;
	r.base = mmap(area, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (r.base != area)
		race_fail(ctl, "mmap: %s", strerror(errno));
	madvise(r.base, len, MADV_NOHUGEPAGE);
	region_fault(ctl, &r, 0, MREMAP_PAGES, slow_node, 1);
	race_wait_go(ctl);

	for (it = 0; it < MREMAP_ITERS; it++) {
		region_touch(&r, rnd(&seed, MREMAP_PAGES), MREMAP_PAGES / 2,
			     10 + rnd(&seed, 40));
		next = (cur + 1) % MREMAP_SLOTS;
		switch (it % 3) {
		case 0:		/* move */
			q = mremap(r.base, len, len,
				   MREMAP_MAYMOVE | MREMAP_FIXED,
				   area + next * slot_len);
			if (q == MAP_FAILED)
				race_fail(ctl, "mremap (move): %s",
					  strerror(errno));
			r.base = q;
			region_check(ctl, &r, "after mremap (move)");
			break;
		case 1:		/* move and grow, fill, shrink in place */
			q = mremap(r.base, len, 2 * len,
				   MREMAP_MAYMOVE | MREMAP_FIXED,
				   area + next * slot_len);
			if (q == MAP_FAILED)
				race_fail(ctl, "mremap (grow): %s",
					  strerror(errno));
			r.base = q;
			r.npages = 2 * MREMAP_PAGES;
			memset(r.gen + MREMAP_PAGES, 0,
			       MREMAP_PAGES * sizeof(*r.gen));
			region_check(ctl, &r, "after mremap (grow)");
			region_fault(ctl, &r, MREMAP_PAGES, MREMAP_PAGES,
				     it % 2 ? slow_node : -1, it + 2);
			region_touch(&r, rnd(&seed, 2 * MREMAP_PAGES),
				     MREMAP_PAGES, 5 + rnd(&seed, 20));
			region_check(ctl, &r, "grown region");
			q = mremap(r.base, 2 * len, len, 0);
			if (q != r.base)
				race_fail(ctl, "mremap (shrink): %s",
					  strerror(errno));
			r.npages = MREMAP_PAGES;
			region_check(ctl, &r, "after mremap (shrink)");
			break;
		default:	/* move, leaving an empty mapping behind */
			if (!dontunmap) {
				q = mremap(r.base, len, len,
					   MREMAP_MAYMOVE | MREMAP_FIXED,
					   area + next * slot_len);
			} else {
				q = mremap(r.base, len, len,
					   MREMAP_MAYMOVE | MREMAP_FIXED |
					   MREMAP_DONTUNMAP,
					   area + next * slot_len);
				if (q == MAP_FAILED && errno == EINVAL) {
					/* a kernel without it: plain move */
					dontunmap = false;
					q = mremap(r.base, len, len,
						   MREMAP_MAYMOVE |
						   MREMAP_FIXED,
						   area + next * slot_len);
				} else if (q != MAP_FAILED) {
					/* The old range reads as zeros. */
					old = r;
					old.name = "range left by MREMAP_DONTUNMAP";
					old.gen = calloc(MREMAP_PAGES,
							 sizeof(*old.gen));
					if (!old.gen)
						race_fail(ctl, "out of memory");
					region_check(ctl, &old,
						     "after mremap (dontunmap)");
					free(old.gen);
				}
			}
			if (q == MAP_FAILED)
				race_fail(ctl, "mremap (move): %s",
					  strerror(errno));
			r.base = q;
			region_check(ctl, &r, "after mremap (move)");
			break;
		}
		/* Keep the slot left behind reserved for a later move. */
		if (mmap(area + cur * slot_len, slot_len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
			 MAP_NORESERVE, -1, 0) == MAP_FAILED)
			race_fail(ctl, "mmap: %s", strerror(errno));
		cur = next;
		region_touch(&r, rnd(&seed, MREMAP_PAGES), MREMAP_PAGES / 2,
			     5 + rnd(&seed, 20));
		region_check(ctl, &r, "moved region, later");
		ctl->iters = it + 1;
	}
	_exit(0);
}

/*
 * mremap that moves, grows and shrinks a region whose pages are moving
 * (and MREMAP_DONTUNMAP): the data follows the mapping, grown parts and
 * the range left behind read as zeros.
 */
TEST_F_TIMEOUT(safety, mremap_during_migration_moves_the_data_along,
	       TEST_TIMEOUT)
{
	race_expect_ok(_metadata, self,
		       race_run(_metadata, self, mremap_workload,
				&self->seed));
}

/* ---- mprotect ----------------------------------------------------------- */

#define MPROTECT_ITERS	30
#define MPROTECT_PAGES	128

static sigjmp_buf segv_env;
static volatile sig_atomic_t segv_armed;

static void segv_handler(int sig)
{
	if (segv_armed) {
		segv_armed = 0;
		siglongjmp(segv_env, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Whether writing (the same value back) to *@p faults. */
static bool write_faults(volatile __u64 *p)
{
	if (sigsetjmp(segv_env, 1))
		return true;
	segv_armed = 1;
	*p = *p;
	segv_armed = 0;
	return false;
}

static void mprotect_range(struct race_ctl *ctl, struct region *r,
			   unsigned long first, unsigned long n, int prot)
{
	if (mprotect(r->base + first * PAGE_SZ, n * PAGE_SZ, prot))
		race_fail(ctl, "mprotect of pages %lu-%lu to %#x: %s", first,
			  first + n - 1, prot, strerror(errno));
}

static void mprotect_workload(struct race_ctl *ctl, const void *p)
{
	unsigned int seed = *(const unsigned int *)p;
	unsigned long i, first, n;
	struct region r;
	int it;

	signal(SIGSEGV, segv_handler);
	region_map(ctl, &r, "region", MPROTECT_PAGES, slow_node, seed);
	race_wait_go(ctl);
	for (it = 0; it < MPROTECT_ITERS; it++) {
		region_touch(&r, rnd(&seed, MPROTECT_PAGES),
			     MPROTECT_PAGES / 2, 5 + rnd(&seed, 20));

		/* Read-only while the pages move: still read-only after. */
		mprotect_range(ctl, &r, 0, MPROTECT_PAGES, PROT_READ);
		region_check(ctl, &r, "read-only");
		region_touch(&r, rnd(&seed, MPROTECT_PAGES),
			     MPROTECT_PAGES / 2, 5 + rnd(&seed, 20));
		for (n = 0; n < 4; n++) {
			i = rnd(&seed, MPROTECT_PAGES);
			if (!write_faults((volatile __u64 *)(r.base +
							     i * PAGE_SZ)))
				race_fail(ctl,
					  "page %lu is writable after mprotect(PROT_READ)",
					  i);
		}
		region_check(ctl, &r, "read-only, later");

		/* Part of it writable again: VMAs split and merge. */
		first = rnd(&seed, MPROTECT_PAGES);
		n = 1 + rnd(&seed, MPROTECT_PAGES - first);
		mprotect_range(ctl, &r, first, n, PROT_READ | PROT_WRITE);
		for (i = first; i < first + n; i += 2)
			page_write(&r, i, it + 2);
		region_touch(&r, first, n, 5 + rnd(&seed, 10));
		region_check(ctl, &r, "partly writable");

		mprotect_range(ctl, &r, 0, MPROTECT_PAGES,
			       PROT_READ | PROT_WRITE);
		for (n = 0; n < 16; n++)
			page_write(&r, rnd(&seed, MPROTECT_PAGES), it + 2);
		region_check(ctl, &r, "writable");
		ctl->iters = it + 1;
	}
	_exit(0);
}

/*
 * mprotect toggling PROT_READ and PROT_READ|PROT_WRITE (whole region and
 * parts) while the pages move: data intact, and a read-only page stays
 * read-only (a write to it faults).
 */
TEST_F_TIMEOUT(safety, mprotect_during_migration_keeps_data_and_protection,
	       TEST_TIMEOUT)
{
	race_expect_ok(_metadata, self,
		       race_run(_metadata, self, mprotect_workload,
				&self->seed));
}

/* ---- fork with COW pages ------------------------------------------------ */

#define FORK_ITERS	16
#define FORK_PAGES	192

/*
 * One side of a fork: three passes that each write a third of the pages
 * of residue @res (mod 3) with @gen and check every page.  The pages of
 * the other residues keep the generation they had at fork in this
 * process, whatever the other process writes.
 */
static void cow_side(struct race_ctl *ctl, struct region *r, unsigned int res,
		     __u32 gen, unsigned int *seed)
{
	unsigned long i;
	int pass;

	for (pass = 0; pass < 3; pass++) {
		region_touch(r, rnd(seed, r->npages), r->npages / 2,
			     5 + rnd(seed, 15));
		for (i = 0; i < r->npages; i++)
			if (i % 3 == res && (i / 3) % 3 == (unsigned long)pass)
				page_write(r, i, gen);
		region_check(ctl, r, res ? "parent after fork" :
				      "child after fork");
	}
}

static void fork_workload(struct race_ctl *ctl, const void *p)
{
	unsigned int seed = *(const unsigned int *)p;
	struct region r;
	int it, status;
	pid_t pid;

	region_map(ctl, &r, "COW region", FORK_PAGES, slow_node, seed);
	race_wait_go(ctl);
	for (it = 0; it < FORK_ITERS; it++) {
		region_touch(&r, rnd(&seed, FORK_PAGES), FORK_PAGES / 2,
			     10 + rnd(&seed, 30));
		region_check(ctl, &r, "before fork");
		pid = fork();
		if (pid < 0)
			race_fail(ctl, "fork: %s", strerror(errno));
		if (pid == 0) {
			/* Registered by the test before it writes. */
			if (!TIER_WAIT_UNTIL(__atomic_load_n(&ctl->pid2_ack,
							     __ATOMIC_ACQUIRE) ==
					     it + 1, READY_MS))
				race_fail(ctl, "child %d never registered",
					  it);
			cow_side(ctl, &r, 0, 2 * it + 2, &seed);
			_exit(0);
		}
		ctl->pid2 = pid;
		__atomic_store_n(&ctl->pid2_seq, it + 1, __ATOMIC_RELEASE);
		if (!TIER_WAIT_UNTIL(__atomic_load_n(&ctl->pid2_ack,
						     __ATOMIC_ACQUIRE) ==
				     it + 1, READY_MS))
			race_fail(ctl, "child %d never registered", it);
		seed ^= 0x5a5a5a5a;	/* not the child's choices */
		cow_side(ctl, &r, 1, 2 * it + 3, &seed);
		if (waitpid(pid, &status, 0) != pid)
			race_fail(ctl, "waitpid: %s", strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			race_fail(ctl, "child %d: wait status %#x", it,
				  status);
		region_check(ctl, &r, "parent after the child exited");
		ctl->iters = it + 1;
	}
	_exit(0);
}

/*
 * A registered process forks (the test registers the child too) while
 * the COW-shared pages move; parent and child each write their own third
 * of the pages: each sees its own writes, the other's never, and the
 * shared third intact.
 */
TEST_F_TIMEOUT(safety, fork_during_migration_keeps_cow_pages_apart,
	       TEST_TIMEOUT)
{
	race_expect_ok(_metadata, self,
		       race_run(_metadata, self, fork_workload,
				&self->seed));
	EXPECT_EQ(0, self->r.reg_err)
		TH_LOG("registering a forked child failed: %s",
		       strerror(-self->r.reg_err));
}

/* ---- THP collapse and split --------------------------------------------- */

#define THP_ITERS	8
#define THP_NR		2	/* huge pages per region */
#define THP_PAGES	(THP_NR * HUGE_PAGES)
#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

/* AnonHugePages of this process, in kB (-1: unknown). */
static long anon_huge_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "re");
	char line[128];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void thp_workload(struct race_ctl *ctl, const void *p)
{
	unsigned int seed = *(const unsigned int *)p;
	const size_t len = THP_NR * HUGE_SZ;
	unsigned long first;
	struct region r;
	char *raw;
	int it;

	region_init(ctl, &r, "THP region", THP_PAGES, seed, false);
	race_wait_go(ctl);
	for (it = 0; it < THP_ITERS; it++) {
		r.seed = seed + it;
		raw = mmap(NULL, len + HUGE_SZ, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (raw == MAP_FAILED)
			race_fail(ctl, "mmap: %s", strerror(errno));
		r.base = (char *)(((unsigned long)raw + HUGE_SZ - 1) &
				  ~(HUGE_SZ - 1));
		if (r.base > raw)
			munmap(raw, r.base - raw);
		munmap(r.base + len, raw + HUGE_SZ - r.base);
		if (madvise(r.base, len, MADV_HUGEPAGE))
			race_skip(ctl, "MADV_HUGEPAGE: %s", strerror(errno));
		region_fault(ctl, &r, 0, THP_PAGES, slow_node, 1);
		if (anon_huge_kb() > 0)
			ctl->huge_seen++;

		/* Huge pages split by the module to move their parts. */
		region_touch(&r, rnd(&seed, THP_PAGES), THP_PAGES / 2,
			     20 + rnd(&seed, 40));
		region_check(ctl, &r, "huge pages, moving");

		/*
		 * Collapsed again from pages that may be moving.  It fails
		 * now and then: EAGAIN for a busy page, EINVAL for a PTE
		 * that is a migration entry at that moment (and on kernels
		 * without MADV_COLLAPSE).
		 */
		if (!madvise(r.base, len, MADV_COLLAPSE)) {
			ctl->collapsed++;
			if (anon_huge_kb() > 0)
				ctl->huge_seen++;
		} else {
			ctl->collapse_err = errno;
			ctl->collapse_fails++;
		}
		region_check(ctl, &r, "after MADV_COLLAPSE");
		region_touch(&r, rnd(&seed, THP_PAGES), THP_PAGES / 2,
			     10 + rnd(&seed, 30));
		region_check(ctl, &r, "collapsed, moving");

		/* Split by mprotect of a part of the second huge page. */
		first = HUGE_PAGES + 1 + rnd(&seed, HUGE_PAGES - 20);
		mprotect_range(ctl, &r, first, 16, PROT_READ);
		region_check(ctl, &r, "after a partial mprotect");
		region_touch(&r, first, 16, 5 + rnd(&seed, 10));
		mprotect_range(ctl, &r, first, 16, PROT_READ | PROT_WRITE);
		region_write(&r, first, 16, it + 2);
		region_check(ctl, &r, "split by mprotect");

		/* Split by munmap of the tail of the first huge page. */
		munmap_pages(ctl, &r, HUGE_PAGES - 16, 16);
		region_check(ctl, &r, "after a partial munmap");
		region_touch(&r, rnd(&seed, THP_PAGES), THP_PAGES / 2,
			     10 + rnd(&seed, 30));
		region_check(ctl, &r, "split by munmap, moving");

		munmap(r.base, len);
		memset(r.gen, 0, THP_PAGES * sizeof(*r.gen));
		ctl->iters = it + 1;
	}
	if (!ctl->huge_seen)
		race_skip(ctl, "no huge page in %d tries (AnonHugePages 0)",
			  THP_ITERS);
	_exit(0);
}

/* THP "madvise" (or "always") for the test, the old value saved. */
static int thp_enable(FIXTURE_DATA(safety) *self)
{
	char buf[128], *open, *close;
	int err;

	err = strata_read_str(THP_ENABLED, buf, sizeof(buf));
	if (err)
		return err;
	open = strchr(buf, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!close)
		return -EINVAL;
	*close = '\0';
	snprintf(self->thp_enabled, sizeof(self->thp_enabled), "%s",
		 open + 1);
	if (!strcmp(self->thp_enabled, "always"))
		return 0;
	return strata_write_str(THP_ENABLED, "madvise");
}

static void thp_race(struct __test_metadata *_metadata,
		     FIXTURE_DATA(safety) *self, bool split)
{
	struct race_sum s;
	int status;

	if (access(THP_ENABLED, F_OK))
		SKIP(return, "no transparent huge pages in this kernel");
	ASSERT_EQ(0, thp_enable(self));
	ASSERT_EQ(0, tier_param_push("thp_split", split ? "Y" : "N"));
	status = race_run(_metadata, self, thp_workload, &self->seed);
	if (race_skipped(status))
		SKIP(return, "%s", self->ctl->msg);
	race_expect_ok(_metadata, self, status);
	s = racer_total(&self->r);
	TH_LOG("%d times huge pages, %d collapses (%d failed, the last with %s), %llu huge pages split, %llu left whole",
	       self->ctl->huge_seen, self->ctl->collapsed,
	       self->ctl->collapse_fails, strerror(self->ctl->collapse_err),
	       (unsigned long long)s.thp_split,
	       (unsigned long long)s.skip_thp);
	if (split) {
		EXPECT_LT(0, s.thp_split);
	} else {
		EXPECT_EQ(0, s.thp_split);
		EXPECT_LT(0, s.skip_thp);
	}
}

/*
 * Huge pages are faulted on the slow node, split by the module to move
 * their hot or cold parts, collapsed again with MADV_COLLAPSE and split
 * by a partial mprotect and munmap, all while pages move: data intact,
 * and stats.thp_split counts the module's splits.
 */
TEST_F_TIMEOUT(safety, thp_collapse_and_split_during_migration_keep_data,
	       TEST_TIMEOUT)
{
	thp_race(_metadata, self, true);
}

/* The same with thp_split=N: huge pages are left whole (skip_thp). */
TEST_F_TIMEOUT(safety, thp_left_whole_with_thp_split_off_keep_data,
	       TEST_TIMEOUT)
{
	thp_race(_metadata, self, false);
}

/* ---- MADV_DONTNEED ------------------------------------------------------ */

#define DONTNEED_ITERS	40
#define DONTNEED_PAGES	128

static void dontneed_workload(struct race_ctl *ctl, const void *p)
{
	unsigned int seed = *(const unsigned int *)p;
	unsigned long first, n, i;
	struct region r;
	int it;

	region_map(ctl, &r, "region", DONTNEED_PAGES, slow_node, seed);
	race_wait_go(ctl);
	for (it = 0; it < DONTNEED_ITERS; it++) {
		region_touch(&r, rnd(&seed, DONTNEED_PAGES),
			     DONTNEED_PAGES / 2, 10 + rnd(&seed, 30));
		if (it % 5 == 0) {
			first = 0;
			n = DONTNEED_PAGES;
		} else {
			first = rnd(&seed, DONTNEED_PAGES);
			n = 1 + rnd(&seed, DONTNEED_PAGES - first);
		}
		if (madvise(r.base + first * PAGE_SZ, n * PAGE_SZ,
			    MADV_DONTNEED))
			race_fail(ctl, "MADV_DONTNEED of pages %lu-%lu: %s",
				  first, first + n - 1, strerror(errno));
		for (i = first; i < first + n; i++)
			r.gen[i] = GEN_ZERO;
		/* Zeros at once, never the old data ... */
		region_check_range(ctl, &r, first, n, "after MADV_DONTNEED");
		/* ... nor later: reading maps the zero page, which stays. */
		region_touch(&r, first, n, 5 + rnd(&seed, 15));
		region_check(ctl, &r, "after MADV_DONTNEED, later");
		/* Fault them in again, on either node. */
		region_fault(ctl, &r, first, n, it % 2 ? slow_node : -1,
			     it + 2);
		region_check(ctl, &r, "written after MADV_DONTNEED");
		ctl->iters = it + 1;
	}
	_exit(0);
}

/*
 * MADV_DONTNEED of all or part of a region whose pages are moving: the
 * range reads as zeros at once and later, never old data, and the rest
 * keeps its data.
 */
TEST_F_TIMEOUT(safety, dontneed_during_migration_reads_zeros,
	       TEST_TIMEOUT)
{
	race_expect_ok(_metadata, self,
		       race_run(_metadata, self, dontneed_workload,
				&self->seed));
}

/* ---- pinned pages (io_uring fixed buffers) ------------------------------ */

#define PIN_PAGES	32
#define PIN_CTRL_PAGES	64
#define PIN_WAIT_MS	60000
#define PIN_FLIP_MS	1500

/* A minimal io_uring: raw syscalls, one request at a time. */
struct uring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int uring_init(struct uring *u)
{
	struct io_uring_params p;
	size_t sq_len, cq_len;
	char *sq, *cq;
	void *sqes;

	memset(&p, 0, sizeof(p));
	u->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (u->fd < 0)
		return -errno;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(__u32);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (cq_len > sq_len)
			sq_len = cq_len;
		cq_len = sq_len;
	}
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		return -errno;
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		cq = sq;
	else
		cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, u->fd,
			  IORING_OFF_CQ_RING);
	if (cq == MAP_FAILED)
		return -errno;
	sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd,
		    IORING_OFF_SQES);
	if (sqes == MAP_FAILED)
		return -errno;
	u->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	u->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	u->sq_array = (unsigned int *)(sq + p.sq_off.array);
	u->cq_head = (unsigned int *)(cq + p.cq_off.head);
	u->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	u->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	u->sqes = sqes;
	return 0;
}

/* IORING_OP_READ_FIXED of @len bytes at @off of @fd into @buf; res. */
static int uring_read_fixed(struct uring *u, int fd, void *buf,
			    unsigned int len, __u64 off)
{
	unsigned int tail = *u->sq_tail, idx = tail & *u->sq_mask, head;
	struct io_uring_sqe *sqe = &u->sqes[idx];
	int res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_READ_FIXED;
	sqe->fd = fd;
	sqe->addr = (unsigned long)buf;
	sqe->len = len;
	sqe->off = off;
	sqe->buf_index = 0;
	u->sq_array[idx] = idx;
	__atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, u->fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		return -errno;
	head = *u->cq_head;
	while (head == __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE))
		if (syscall(__NR_io_uring_enter, u->fd, 0, 1,
			    IORING_ENTER_GETEVENTS, NULL, 0) < 0)
			return -errno;
	res = u->cqes[head & *u->cq_mask].res;
	__atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

/*
 * Pinned buffer: its first half faulted on the slow node (the module
 * wants to promote it), its second half on the fast node (it wants to
 * demote it when the quota is 0).  io_uring reads into it from a memfd
 * whose page j of generation g (2 or 3) has the pattern of buffer page j
 * of generation g: if a pinned page were moved, io_uring would write to
 * the old page and the process would not see the data.
 */
static void pinned_workload(struct race_ctl *ctl, const void *p)
{
	unsigned int seed = *(const unsigned int *)p;
	struct region pin, ctrl, file;
	unsigned long j;
	struct uring u;
	struct iovec iov;
	int mfd, it, res, err;
	__u32 g;

	memset(&u, 0, sizeof(u));
	region_init(ctl, &pin, "pinned buffer", PIN_PAGES, seed, false);
	pin.base = mmap(NULL, PIN_PAGES * PAGE_SZ, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pin.base == MAP_FAILED)
		race_fail(ctl, "mmap: %s", strerror(errno));
	madvise(pin.base, PIN_PAGES * PAGE_SZ, MADV_NOHUGEPAGE);
	region_fault(ctl, &pin, 0, PIN_PAGES / 2, slow_node, 1);
	region_fault(ctl, &pin, PIN_PAGES / 2, PIN_PAGES / 2, fast_node, 1);
	region_map(ctl, &ctrl, "unpinned region", PIN_CTRL_PAGES, slow_node,
		   seed + 1);

	/* The file: the pinned buffer's pattern, generations 2 and 3. */
	mfd = memfd_create("strata-safety", MFD_CLOEXEC);
	if (mfd < 0)
		race_fail(ctl, "memfd_create: %s", strerror(errno));
	region_init(ctl, &file, "file", 2 * PIN_PAGES, seed, true);
	file.base = malloc(2 * PIN_PAGES * PAGE_SZ);
	if (!file.base)
		race_fail(ctl, "out of memory");
	for (j = 0; j < 2 * PIN_PAGES; j++) {
		file.idx[j] = j % PIN_PAGES;
		page_write(&file, j, 2 + j / PIN_PAGES);
	}
	if (pwrite(mfd, file.base, 2 * PIN_PAGES * PAGE_SZ, 0) !=
	    (ssize_t)(2 * PIN_PAGES * PAGE_SZ))
		race_fail(ctl, "write to memfd: %s", strerror(errno));
	free(file.base);
	region_free(&file);

	err = uring_init(&u);
	if (err)
		race_skip(ctl, "io_uring_setup: %s", strerror(-err));
	iov.iov_base = pin.base;
	iov.iov_len = PIN_PAGES * PAGE_SZ;
	if (syscall(__NR_io_uring_register, u.fd, IORING_REGISTER_BUFFERS,
		    &iov, 1) < 0)
		race_skip(ctl, "IORING_REGISTER_BUFFERS: %s", strerror(errno));

	ctl->addr[0] = (unsigned long)pin.base;
	ctl->npages[0] = PIN_PAGES;
	ctl->addr[1] = (unsigned long)ctrl.base;
	ctl->npages[1] = PIN_CTRL_PAGES;
	race_wait_go(ctl);
	for (it = 0; !race_stopping(ctl); it++) {
		region_touch(&pin, 0, 0, 2);
		region_touch(&ctrl, 0, 0, 2);
		j = it % PIN_PAGES;
		g = pin.gen[j] == 2 ? 3 : 2;
		res = uring_read_fixed(&u, mfd, pin.base + j * PAGE_SZ,
				       PAGE_SZ,
				       ((g - 2) * PIN_PAGES + j) * PAGE_SZ);
		if (res != (int)PAGE_SZ)
			race_fail(ctl, "IORING_OP_READ_FIXED into page %lu: %d",
				  j, res);
		pin.gen[j] = g;
		region_check(ctl, &pin, "read by io_uring");
		region_check(ctl, &ctrl, "beside pinned pages");
		ctl->iters = it + 1;
	}
	if (syscall(__NR_io_uring_register, u.fd, IORING_UNREGISTER_BUFFERS,
		    NULL, 0) < 0)
		race_fail(ctl, "IORING_UNREGISTER_BUFFERS: %s",
			  strerror(errno));
	region_check(ctl, &pin, "after unpinning");
	_exit(0);
}

/*
 * Where the pinned pages are now, compared with where they were pinned:
 * the index of the first that moved, -1 when none did, -2 when
 * move_pages() failed.
 */
static int pinned_moved(pid_t pid, const struct race_ctl *ctl,
			const int *at, int *now)
{
	int i;

	if (tier_page_nodes(pid, (void *)(unsigned long)ctl->addr[0],
			    ctl->npages[0], now))
		return -2;
	for (i = 0; i < (int)ctl->npages[0]; i++)
		if (now[i] != at[i])
			return i;
	return -1;
}

/*
 * A buffer pinned by io_uring (IORING_REGISTER_BUFFERS) in a registered
 * process, half on each tier, hot: its pages never move (move_pages()
 * finds them where they were pinned, and io_uring's reads into it land in
 * the pages the process sees) while stats.skip_pinned grows and the
 * process's unpinned pages are promoted and demoted.
 */
TEST_F_TIMEOUT(safety, pinned_pages_never_move, TEST_TIMEOUT)
{
	int at[PIN_PAGES], now[PIN_PAGES], moved = -1, on_slow, status, i;
	struct race_sum s;
	long long end;
	__u64 pinned1;

	if (race_start(_metadata, self, pinned_workload, &self->seed))
		SKIP(return, "%s", self->ctl->msg);
	ASSERT_EQ(0, tier_page_nodes(self->r.pid,
				     (void *)(unsigned long)self->ctl->addr[0],
				     PIN_PAGES, at));
	for (i = 0; i < PIN_PAGES - 1 && at[i] >= 0; i++)
		;
	ASSERT_LE(0, at[i]) TH_LOG("pinned page %d: status %d", i, at[i]);
	for (i = 0, on_slow = 0; i < PIN_PAGES; i++)
		on_slow += at[i] == slow_node;
	TH_LOG("pinned: %d pages on the slow node, %d on the fast node",
	       on_slow, PIN_PAGES - on_slow);

	/* Quota NONE until the module skipped pinned pages and moved others. */
	ASSERT_EQ(0, racer_go(&self->r));
	end = strata_now_ms() + PIN_WAIT_MS;
	do {
		racer_run_for(&self->r, 20);
		moved = pinned_moved(self->r.pid, self->ctl, at, now);
		s = racer_total(&self->r);
	} while (moved == -1 && !(s.skip_pinned && s.promoted) &&
		 strata_now_ms() < end);
	pinned1 = s.skip_pinned;

	/* Then pages go up and down around them. */
	self->r.toggle = true;
	end = strata_now_ms() + PIN_FLIP_MS;
	while (moved == -1 && strata_now_ms() < end) {
		racer_run_for(&self->r, 20);
		moved = pinned_moved(self->r.pid, self->ctl, at, now);
	}
	__atomic_store_n(&self->ctl->stop, 1, __ATOMIC_RELEASE);
	status = racer_wait(&self->r, RACE_MS);

	ASSERT_NE(-2, moved) TH_LOG("move_pages() failed");
	ASSERT_EQ(-1, moved)
		TH_LOG("pinned page %d moved from node %d to node %d", moved,
		       at[moved], now[moved]);
	race_expect_ok(_metadata, self, status);
	s = racer_total(&self->r);
	TH_LOG("%llu pinned pages skipped (%llu before the quota flips)",
	       (unsigned long long)s.skip_pinned,
	       (unsigned long long)pinned1);
	EXPECT_LT(0, s.skip_pinned);
	EXPECT_LT(0, s.promoted);
}

/* ---- KSM ---------------------------------------------------------------- */

#define KSM_DIR		"/sys/kernel/mm/ksm/"
#define KSM_PAGES	64
#define KSM_SAME	32	/* pages 0..31: 4 contents, 8 copies each */
#define KSM_PAIRS	((KSM_PAGES - KSM_SAME) / 2)
#define KSM_CTRL_PAGES	64
#define KSM_MERGE_MS	60000
#define KSM_SKIP_MS	30000
#define KSM_AFTER_MS	2000

/*
 * Pages 0..31 are 4 contents 8 times each, merged before the registration.
 * Pages 32..63 are pairs that the workload keeps rewriting with a fresh
 * content common to the pair, so that ksmd keeps merging new pairs (a new
 * KSM page, through its unstable tree) while strata_tier moves them: the
 * race between a page turning into a KSM page and its migration.  A second
 * region is not mergeable: its pages must move as usual.
 */
static void ksm_workload(struct race_ctl *ctl, const void *p)
{
	unsigned int seed = *(const unsigned int *)p;
	unsigned long i, pair, fresh = KSM_PAGES;
	struct region r, ctrl;
	bool wrote = false;
	int it;

	region_init(ctl, &r, "KSM region", KSM_PAGES, seed, true);
	for (i = 0; i < KSM_PAGES; i++)
		r.idx[i] = i < KSM_SAME ? i % 4 : i;
	r.base = mmap(NULL, KSM_PAGES * PAGE_SZ, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r.base == MAP_FAILED)
		race_fail(ctl, "mmap: %s", strerror(errno));
	madvise(r.base, KSM_PAGES * PAGE_SZ, MADV_NOHUGEPAGE);
	region_fault(ctl, &r, 0, KSM_PAGES, slow_node, 1);
	if (madvise(r.base, KSM_PAGES * PAGE_SZ, MADV_MERGEABLE))
		race_skip(ctl, "MADV_MERGEABLE: %s", strerror(errno));
	region_map(ctl, &ctrl, "unmergeable region", KSM_CTRL_PAGES,
		   slow_node, seed + 1);
	race_wait_go(ctl);
	for (it = 0; !race_stopping(ctl); it++) {
		region_touch(&r, 0, 0, 3);
		region_touch(&ctrl, 0, 0, 2);
		/* New pairs for ksmd to merge (breaks the old sharing). */
		for (i = 0; i < 2; i++) {
			pair = KSM_SAME + 2 * ((2 * it + i) % KSM_PAIRS);
			r.idx[pair] = fresh;
			r.idx[pair + 1] = fresh++;
			page_write(&r, pair, 1);
			page_write(&r, pair + 1, 1);
		}
		if (!wrote && __atomic_load_n(&ctl->phase, __ATOMIC_ACQUIRE)) {
			/* Writes break the sharing of merged pages: COW. */
			for (i = 0; i < KSM_SAME; i += 5)
				page_write(&r, i, 2);
			wrote = true;
		}
		region_check(ctl, &r, "KSM pages");
		region_check(ctl, &ctrl, "beside KSM pages");
		ctl->iters = it + 1;
	}
	region_check(ctl, &r, "KSM pages at the end");
	_exit(0);
}

static long ksm_merged(pid_t pid)
{
	char path[64];
	long v;

	snprintf(path, sizeof(path), "/proc/%d/ksm_merging_pages", pid);
	v = strata_read_long(path);
	return v >= 0 ? v : strata_read_long(KSM_DIR "pages_sharing");
}

/*
 * Identical pages merged by KSM in a registered process, hot, while the
 * quota flips and ksmd keeps merging new pairs: merged pages are not moved
 * (stats.skip_ksm grows), the process's other pages are, and every page
 * keeps its contents, also after writes that break the sharing.
 */
TEST_F_TIMEOUT(safety, ksm_pages_are_skipped_and_keep_their_contents,
	       TEST_TIMEOUT)
{
	struct race_sum s;
	long long end;
	int status;

	if (access(KSM_DIR "run", F_OK))
		SKIP(return, "no KSM in this kernel");
	ASSERT_EQ(0, tier_setting_push(KSM_DIR "sleep_millisecs", "10"));
	ASSERT_EQ(0, tier_setting_push(KSM_DIR "pages_to_scan", "1000"));
	ASSERT_EQ(0, tier_setting_push(KSM_DIR "run", "1"));

	if (race_start(_metadata, self, ksm_workload, &self->seed))
		SKIP(return, "%s", self->ctl->msg);
	if (!TIER_WAIT_UNTIL(ksm_merged(self->r.pid) > 0, KSM_MERGE_MS))
		SKIP(return, "KSM merged nothing in %d s", KSM_MERGE_MS / 1000);
	TH_LOG("%ld pages merged before the registration",
	       ksm_merged(self->r.pid));

	ASSERT_EQ(0, racer_go(&self->r));
	self->r.toggle = true;
	end = strata_now_ms() + KSM_SKIP_MS;
	do {
		racer_run_for(&self->r, 20);
		s = racer_total(&self->r);
	} while (!s.skip_ksm && strata_now_ms() < end);
	__atomic_store_n(&self->ctl->phase, 1, __ATOMIC_RELEASE);
	racer_run_for(&self->r, KSM_AFTER_MS);
	TH_LOG("%ld pages merged at the end", ksm_merged(self->r.pid));
	__atomic_store_n(&self->ctl->stop, 1, __ATOMIC_RELEASE);
	status = racer_wait(&self->r, RACE_MS);

	race_expect_ok(_metadata, self, status);
	s = racer_total(&self->r);
	TH_LOG("%llu KSM pages skipped", (unsigned long long)s.skip_ksm);
	EXPECT_LT(0, s.skip_ksm);
}

TEST_HARNESS_MAIN

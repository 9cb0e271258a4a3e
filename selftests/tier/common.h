/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata selftests - helpers shared by the strata_tier tests
 *
 * Everything here returns 0 (or a count) on success and a negative errno
 * on failure, like libstrata, unless it says otherwise.  The tests run as
 * root in the test VM: node 0 has the CPUs and is the fast tier, node 1 is
 * CPU-less and slower (HMAT), the slow tier.
 *
 * Groups of helpers:
 *   device and sysfs    tier_open(), tier_nr_regs(), ...; sys_ioctl(),
 *                       files and time are in ../strata_test.h
 *   settings            tier_param_push(), tier_sysctl_push(),
 *                       tier_settings_restore(): change module parameters
 *                       and sysctls for one test and put them back
 *   memory              tier_alloc_on_node(), tier_fill(), tier_verify(),
 *                       tier_page_sum(), tier_page_nodes(),
 *                       tier_count_on_node(), tier_move_range(),
 *                       tier_smaps_kb()
 *   workload child      tier_work_start(), tier_work_stop(),
 *                       tier_work_kill(): a forked process with a region
 *                       on a chosen node and a hot part it keeps reading
 *   cgroups             tier_cgroup_create(), tier_cgroup_move(),
 *                       tier_cgroup_destroy()
 *   privileges          tier_as_nobody(): run a function as uid 65534
 *   waiting             TIER_WAIT_UNTIL(cond, ms)
 *   module              tier_module_unload(), tier_module_load()
 */
#ifndef _STRATA_SELFTESTS_TIER_COMMON_H
#define _STRATA_SELFTESTS_TIER_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/mempolicy.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <strata.h>
#include "strata_test.h"

#define TIER_SYSFS		"/sys/class/misc/strata_tier/"
#define TIER_PARAMS		"/sys/module/strata_tier/parameters/"
#define TIER_MODULE		"strata_tier"
#define TIER_FAST_NODE		0
#define TIER_SLOW_NODE		1
#define TIER_PAGE_SIZE		4096UL
#define TIER_MIB		(1024UL * 1024UL)
#define TIER_HPAGE_SIZE		(2 * TIER_MIB)
#define TIER_NOBODY		65534
#define TIER_CGROUP_ROOT	"/sys/fs/cgroup"

/* ---- device and sysfs ------------------------------------------------ */

/* Open STRATA_TIER_DEV read-write (the device is 0666); fd or -errno. */
static inline int tier_open(void)
{
	int fd = open(STRATA_TIER_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* /sys/class/misc/strata_tier/registrations, or -1. */
static inline long tier_nr_regs(void)
{
	return strata_read_long(TIER_SYSFS "registrations");
}

/* STRATA_WAIT_UNTIL() of strata_test.h: poll every 20 ms. */
#define TIER_WAIT_UNTIL(cond, ms) STRATA_WAIT_UNTIL(cond, ms)

/*
 * Node @nid as INFO reports it, in @out; 0, -ENOENT when INFO does not list
 * it, or the ioctl's -errno.
 */
static inline int tier_get_node(int fd, int nid, struct strata_tier_node *out)
{
	struct strata_tier_node nodes[64];
	struct strata_tier_info info;
	__u32 i;
	int err;

	err = strata_tier_info(fd, &info, nodes, 64);
	if (err)
		return err;
	for (i = 0; i < info.nr_nodes && i < 64; i++) {
		if (nodes[i].nid == (__u32)nid) {
			*out = nodes[i];
			return 0;
		}
	}
	return -ENOENT;
}

/* INFO's flags (STRATA_TIER_INFO_*), or 0xffffffff when INFO fails. */
static inline __u32 tier_info_flags(int fd)
{
	struct strata_tier_info info;

	if (strata_tier_info(fd, &info, NULL, 0))
		return ~0U;
	return info.flags;
}

/* Whether registration @id is in LIST: 1, 0, or -errno. */
static inline int tier_listed(int fd, __u32 id)
{
	__u32 ids[4096];
	int n, i;

	n = strata_tier_list(fd, ids, 4096);
	if (n < 0)
		return n;
	for (i = 0; i < n && i < 4096; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* Unregister @id when it is not 0 and set it to 0 (teardown helper). */
static inline void tier_unregister_quiet(int fd, __u32 *id)
{
	if (*id)
		strata_tier_unregister(fd, *id);
	*id = 0;
}

/* ---- settings: module parameters and sysctls ------------------------- */

#define TIER_MAX_SAVED	16

struct tier_saved_setting {
	char path[128];
	char old[64];
};

static struct tier_saved_setting tier_saved[TIER_MAX_SAVED]
	__attribute__((unused));
static int tier_nr_saved __attribute__((unused));

/*
 * Write @val to @path, remembering the value it had before (only the first
 * time @path is pushed) for tier_settings_restore().  0 or -errno; on
 * failure nothing is remembered.
 */
static inline int tier_setting_push(const char *path, const char *val)
{
	struct tier_saved_setting *s = NULL;
	char old[64];
	int i, err;

	for (i = 0; i < tier_nr_saved; i++)
		if (!strcmp(tier_saved[i].path, path))
			s = &tier_saved[i];
	if (!s) {
		if (tier_nr_saved == TIER_MAX_SAVED)
			return -ENOSPC;
		err = strata_read_str(path, old, sizeof(old));
		if (err)
			return err;
	}
	err = strata_write_str(path, val);
	if (err || s)
		return err;
	s = &tier_saved[tier_nr_saved++];
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(s->old, sizeof(s->old), "%s", old);
	return 0;
}

/* Put back every pushed setting, the last pushed first; forget them. */
static inline void tier_settings_restore(void)
{
	while (tier_nr_saved > 0) {
		struct tier_saved_setting *s = &tier_saved[--tier_nr_saved];

		strata_write_str(s->path, s->old);
	}
}

/* Path of module parameter @name. */
static inline const char *tier_param_path(const char *name, char *buf,
					  size_t size)
{
	snprintf(buf, size, TIER_PARAMS "%s", name);
	return buf;
}

/* Value of module parameter @name as a number (Y/N read as 1/0), or -1. */
static inline long tier_param_get(const char *name)
{
	char path[128], buf[64];

	if (strata_read_str(tier_param_path(name, path, sizeof(path)), buf,
			  sizeof(buf)))
		return -1;
	if (buf[0] == 'Y')
		return 1;
	if (buf[0] == 'N')
		return 0;
	return strtol(buf, NULL, 10);
}

/* Write @val to module parameter @name without remembering it; 0/-errno. */
static inline int tier_param_set(const char *name, const char *val)
{
	char path[128];

	return strata_write_str(tier_param_path(name, path, sizeof(path)), val);
}

/* tier_setting_push() for module parameter @name. */
static inline int tier_param_push(const char *name, const char *val)
{
	char path[128];

	return tier_setting_push(tier_param_path(name, path, sizeof(path)),
				 val);
}

/* tier_param_push() of a number. */
static inline int tier_param_push_long(const char *name, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return tier_param_push(name, buf);
}

/* tier_setting_push() for sysctl @name, e.g. "kernel/numa_balancing". */
static inline int tier_sysctl_push(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	return tier_setting_push(path, val);
}

/*
 * Settings for tests that wait for placement: scan every @min_ms .. @max_ms
 * and switch off automatic NUMA balancing, which would otherwise promote
 * pages on its own (the test kernel enables it by default: with a CPU-less
 * node 1 it migrates pages the CPUs of node 0 touch), so that only
 * strata_tier moves pages.  Undo with tier_settings_restore().  0/-errno.
 */
static inline int tier_fast_scan(long min_ms, long max_ms)
{
	int err = 0;

	if (access("/proc/sys/kernel/numa_balancing", F_OK) == 0)
		err = tier_sysctl_push("kernel/numa_balancing", "0");
	if (!err)
		err = tier_param_push_long("scan_min_ms", min_ms);
	if (!err)
		err = tier_param_push_long("scan_max_ms", max_ms);
	return err;
}

/* ---- memory ----------------------------------------------------------- */

/* set_mempolicy(@mode) with node @node (ignored for MPOL_DEFAULT). */
static inline int tier_set_mempolicy(int mode, int node)
{
	unsigned long mask[2] = { 0, 0 };

	if (mode == MPOL_DEFAULT)
		return syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0) ? -errno
									: 0;
	if (node < 0 || node >= 128)
		return -EINVAL;
	mask[node / 64] = 1UL << (node % 64);
	return syscall(SYS_set_mempolicy, mode, mask, 128) ? -errno : 0;
}

/* The first word of page @pg of a region filled with @seed. */
static inline __u64 tier_pattern_base(unsigned int seed, size_t pg)
{
	__u64 x = ((__u64)seed << 40) ^ pg;

	/* splitmix64: every page differs, no page is all zero */
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (x ^ (x >> 31)) | 1;
}

/* Word @i of a page whose first word is @base (cheap: fills run in TCG). */
static inline __u64 tier_pattern_word(__u64 base, size_t i)
{
	return base ^ (i * 0x9e3779b97f4a7c15ULL);
}

/* Fill @len bytes (whole pages) at @buf with the pattern of @seed. */
static inline void tier_fill(void *buf, size_t len, unsigned int seed)
{
	size_t pg, i, words = TIER_PAGE_SIZE / sizeof(__u64);
	__u64 *p = buf, base;

	for (pg = 0; pg < len / TIER_PAGE_SIZE; pg++) {
		base = tier_pattern_base(seed, pg);
		for (i = 0; i < words; i++)
			p[pg * words + i] = tier_pattern_word(base, i);
	}
}

/* Number of pages of @buf whose contents differ from tier_fill(@seed). */
static inline size_t tier_verify(const void *buf, size_t len,
				 unsigned int seed)
{
	size_t pg, i, bad = 0, words = TIER_PAGE_SIZE / sizeof(__u64);
	const __u64 *p = buf;
	__u64 base;

	for (pg = 0; pg < len / TIER_PAGE_SIZE; pg++) {
		base = tier_pattern_base(seed, pg);
		for (i = 0; i < words; i++) {
			if (p[pg * words + i] != tier_pattern_word(base, i)) {
				bad++;
				break;
			}
		}
	}
	return bad;
}

/* A checksum (FNV-1a over 64-bit words) of the page at @page. */
static inline __u64 tier_page_sum(const void *page)
{
	const __u64 *p = page;
	__u64 h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < TIER_PAGE_SIZE / sizeof(__u64); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/*
 * Map @len bytes of anonymous private read-write memory starting at a
 * multiple of @align (a power of two); NULL with errno set.
 */
static inline void *tier_map_aligned(size_t len, size_t align)
{
	char *p, *start;

	p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	start = (char *)(((unsigned long)p + align - 1) & ~(align - 1));
	if (start > p)
		munmap(p, start - p);
	munmap(start + len, p + len + align - (start + len));
	return start;
}

/*
 * Map @len bytes (rounded up to pages) of anonymous private memory with
 * huge pages off (MADV_NOHUGEPAGE: the test kernel has THP "always"),
 * fault every page in on node @node (set_mempolicy(MPOL_BIND) around the
 * faults, MPOL_DEFAULT after; @node < 0: no binding) by writing the
 * pattern of @seed into it.  With @thp, huge pages are asked for
 * (MADV_HUGEPAGE) and the mapping starts on a huge page boundary.
 * The mapping, or NULL with errno set.
 */
static inline void *tier_alloc_on_node_thp(size_t len, int node,
					   unsigned int seed, bool thp)
{
	void *p;
	int err;

	len = (len + TIER_PAGE_SIZE - 1) & ~(TIER_PAGE_SIZE - 1);
	if (thp) {
		p = tier_map_aligned(len, TIER_HPAGE_SIZE);
		if (!p)
			return NULL;
	} else {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
	}
	madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (node >= 0) {
		err = tier_set_mempolicy(MPOL_BIND, node);
		if (err) {
			munmap(p, len);
			errno = -err;
			return NULL;
		}
	}
	tier_fill(p, len, seed);
	if (node >= 0)
		tier_set_mempolicy(MPOL_DEFAULT, 0);
	return p;
}

/* tier_alloc_on_node_thp() with huge pages off. */
static inline void *tier_alloc_on_node(size_t len, int node,
				       unsigned int seed)
{
	return tier_alloc_on_node_thp(len, node, seed, false);
}

/*
 * Node of each of the @npages pages at @addr in process @pid (0: self),
 * in @status: move_pages(2) with nodes NULL.  A status entry is the node,
 * or a negative errno for that page (-ENOENT: not present).  0 or -errno.
 */
static inline int tier_page_nodes(pid_t pid, const void *addr, size_t npages,
				  int *status)
{
	void **pages = calloc(npages, sizeof(void *));
	size_t i;
	long ret;

	if (!pages)
		return -ENOMEM;
	for (i = 0; i < npages; i++)
		pages[i] = (char *)addr + i * TIER_PAGE_SIZE;
	ret = syscall(SYS_move_pages, pid, npages, pages, NULL, status, 0);
	free(pages);
	return ret < 0 ? -errno : 0;
}

/*
 * Pages of [@addr, @addr + @len) of process @pid (0: self) on node @node;
 * or -errno when move_pages(2) fails.
 */
static inline long tier_count_on_node(pid_t pid, const void *addr, size_t len,
				      int node)
{
	size_t i, npages = len / TIER_PAGE_SIZE;
	int *status = calloc(npages ? npages : 1, sizeof(int));
	long count = 0;
	int err;

	if (!status)
		return -ENOMEM;
	err = tier_page_nodes(pid, addr, npages, status);
	for (i = 0; !err && i < npages; i++)
		if (status[i] == node)
			count++;
	free(status);
	return err ? err : count;
}

/*
 * Move every page of [@addr, @addr + @len) of process @pid (0: self) to
 * node @node with move_pages(2); returns the number of pages that did not
 * end there, or -errno.
 */
static inline long tier_move_range(pid_t pid, void *addr, size_t len,
				   int node)
{
	size_t i, npages = len / TIER_PAGE_SIZE;
	void **pages = calloc(npages ? npages : 1, sizeof(void *));
	int *nodes = calloc(npages ? npages : 1, sizeof(int));
	int *status = calloc(npages ? npages : 1, sizeof(int));
	long ret = -ENOMEM;

	if (!pages || !nodes || !status)
		goto out;
	for (i = 0; i < npages; i++) {
		pages[i] = (char *)addr + i * TIER_PAGE_SIZE;
		nodes[i] = node;
	}
	ret = syscall(SYS_move_pages, pid, npages, pages, nodes, status,
		      MPOL_MF_MOVE);
	if (ret < 0) {
		ret = -errno;
		goto out;
	}
	ret = 0;
	for (i = 0; i < npages; i++)
		if (status[i] != node)
			ret++;
out:
	free(pages);
	free(nodes);
	free(status);
	return ret;
}

/*
 * A field of /proc/@pid/smaps_rollup in kB, e.g. "AnonHugePages"; -errno
 * when it cannot be read.
 */
static inline long tier_smaps_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t n = strlen(field);
	long kb = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, n) && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* ---- workload child --------------------------------------------------- */

/* What tier_work_start() makes the child do. */
struct tier_work_cfg {
	size_t len;		/* main region, faulted on @node */
	int node;		/* < 0: no binding */
	size_t hot_off;		/* part of the main region read continuously */
	size_t hot_len;		/* 0: nothing is read after the fill */
	size_t cold_len;	/* optional second region, never read again */
	int cold_node;
	unsigned int seed;	/* pattern; the cold region uses @seed + 1 */
	bool thp;		/* allow huge pages in both regions */
	bool thread;		/* also run a second, sleeping thread */
	unsigned int pass_us;	/* pause between passes (default 2000) */
};

/* Shared between the test and the child (a MAP_SHARED page). */
struct tier_work_shared {
	volatile int ready;	/* child: regions filled, addresses set */
	volatile int stop;	/* test: verify, then exit */
	volatile int idle;	/* test: stop reading the hot part for now */
	volatile int err;	/* child: errno of a failed setup */
	volatile pid_t tid;	/* child: tid of the second thread */
	volatile unsigned long addr;	/* main region */
	volatile unsigned long cold_addr;	/* second region, or 0 */
	volatile unsigned long passes;	/* child: passes over the hot part */
	volatile long bad;	/* child: corrupted pages found at the end */
};

struct tier_work {
	pid_t pid;		/* 0: not running */
	struct tier_work_shared *sh;
	struct tier_work_cfg cfg;
};

static inline void *tier_work_thread(void *arg)
{
	struct tier_work_shared *sh = arg;

	sh->tid = gettid();
	for (;;)
		pause();
	return NULL;
}

static inline void __attribute__((noreturn))
tier_work_child(struct tier_work_shared *sh, const struct tier_work_cfg *cfg)
{
	const char *hot;
	pthread_t thr;
	size_t off;
	__u64 sum = 0;
	void *main_region, *cold = NULL;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	main_region = tier_alloc_on_node_thp(cfg->len, cfg->node, cfg->seed,
					     cfg->thp);
	if (!main_region) {
		sh->err = errno;
		_exit(2);
	}
	if (cfg->cold_len) {
		cold = tier_alloc_on_node_thp(cfg->cold_len, cfg->cold_node,
					      cfg->seed + 1, cfg->thp);
		if (!cold) {
			sh->err = errno;
			_exit(2);
		}
	}
	if (cfg->thread) {
		if (pthread_create(&thr, NULL, tier_work_thread, sh)) {
			sh->err = EAGAIN;
			_exit(2);
		}
		while (!sh->tid)
			sched_yield();
	}
	sh->addr = (unsigned long)main_region;
	sh->cold_addr = (unsigned long)cold;
	__atomic_store_n(&sh->ready, 1, __ATOMIC_RELEASE);

	hot = (const char *)main_region + cfg->hot_off;
	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		if (cfg->hot_len && !sh->idle) {
			for (off = 0; off < cfg->hot_len; off += TIER_PAGE_SIZE)
				sum += *(volatile const __u64 *)(hot + off);
			sh->passes++;
		}
		usleep(cfg->pass_us ? cfg->pass_us : 2000);
	}
	sh->bad = tier_verify(main_region, cfg->len, cfg->seed);
	if (cold)
		sh->bad += tier_verify(cold, cfg->cold_len, cfg->seed + 1);
	_exit(sh->bad || sum == 1 ? 1 : 0);
}

/*
 * Fork a workload child doing @cfg and wait (up to 60 s) until its regions
 * are filled: then w->sh->addr (and cold_addr) are its regions' addresses
 * (the same in the test, which can query them with tier_count_on_node()
 * on w->pid).  0, or -errno (the child's setup error).
 */
static inline int tier_work_start(struct tier_work *w,
				  const struct tier_work_cfg *cfg)
{
	int err;

	memset(w, 0, sizeof(*w));
	w->cfg = *cfg;
	w->sh = mmap(NULL, TIER_PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (w->sh == MAP_FAILED) {
		w->sh = NULL;
		return -errno;
	}
	fflush(stdout);
	fflush(stderr);
	w->pid = fork();
	if (w->pid < 0) {
		err = -errno;
		w->pid = 0;
		return err;
	}
	if (w->pid == 0)
		tier_work_child(w->sh, &w->cfg);
	if (!TIER_WAIT_UNTIL(__atomic_load_n(&w->sh->ready, __ATOMIC_ACQUIRE) ||
			     w->sh->err, 60000))
		return -ETIMEDOUT;
	return w->sh->err ? -w->sh->err : 0;
}

/* Address of the child's main region, as a pointer for the helpers. */
static inline void *tier_work_addr(const struct tier_work *w)
{
	return (void *)w->sh->addr;
}

/* Address of the child's hot part. */
static inline void *tier_work_hot(const struct tier_work *w)
{
	return (char *)w->sh->addr + w->cfg.hot_off;
}

/* Wait (up to @ms) until the child made @n more passes over its hot part. */
static inline bool tier_work_passes(const struct tier_work *w,
				    unsigned long n, long ms)
{
	unsigned long start = w->sh->passes;

	return TIER_WAIT_UNTIL(w->sh->passes - start >= n, ms);
}

/*
 * Ask the child to check every page of its regions against the pattern and
 * exit; reap it.  Returns the number of corrupted pages (0: data intact),
 * or -ECHILD when the child died otherwise (killed, setup failure).
 */
static inline long tier_work_stop(struct tier_work *w)
{
	int status;

	if (!w->pid)
		return -ECHILD;
	__atomic_store_n(&w->sh->stop, 1, __ATOMIC_RELEASE);
	if (waitpid(w->pid, &status, 0) != w->pid)
		status = -1;
	w->pid = 0;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) > 1)
		return -ECHILD;
	return w->sh->bad;
}

/* Kill and reap the child if it still runs, unmap the shared page. */
static inline void tier_work_kill(struct tier_work *w)
{
	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
	}
	w->pid = 0;
	if (w->sh)
		munmap(w->sh, TIER_PAGE_SIZE);
	w->sh = NULL;
}

/* ---- cgroups ---------------------------------------------------------- */

/* Mount cgroup2 on /sys/fs/cgroup unless it is there already; 0/-errno. */
static inline int tier_cgroup_mount(void)
{
	struct statfs sfs;

	if (statfs(TIER_CGROUP_ROOT, &sfs) == 0 &&
	    sfs.f_type == CGROUP2_SUPER_MAGIC)
		return 0;
	if (mount("none", TIER_CGROUP_ROOT, "cgroup2", 0, NULL))
		return -errno;
	return 0;
}

/*
 * Create a fresh cgroup /sys/fs/cgroup/strata-test-XXXXXX (mounting
 * cgroup2 first when needed); its path in @path.  0 or -errno.
 */
static inline int tier_cgroup_create(char *path, size_t size)
{
	int err = tier_cgroup_mount();

	if (err)
		return err;
	if (size < sizeof(TIER_CGROUP_ROOT "/strata-test-XXXXXX"))
		return -ENAMETOOLONG;
	snprintf(path, size, TIER_CGROUP_ROOT "/strata-test-XXXXXX");
	return mkdtemp(path) ? 0 : -errno;
}

/* Move process @pid into the cgroup at @path; 0 or -errno. */
static inline int tier_cgroup_move(const char *path, pid_t pid)
{
	char file[PATH_MAX], buf[32];

	snprintf(file, sizeof(file), "%s/cgroup.procs", path);
	snprintf(buf, sizeof(buf), "%d", pid);
	return strata_write_str(file, buf);
}

/*
 * Move every process left in the cgroup at @path back to the root cgroup,
 * then remove it.  Does nothing for an empty @path.  0 or -errno.
 */
static inline int tier_cgroup_destroy(const char *path)
{
	char file[PATH_MAX];
	FILE *f;
	int pid, i;

	if (!path || !path[0])
		return 0;
	snprintf(file, sizeof(file), "%s/cgroup.procs", path);
	f = fopen(file, "re");
	if (f) {
		while (fscanf(f, "%d", &pid) == 1)
			tier_cgroup_move(TIER_CGROUP_ROOT, pid);
		fclose(f);
	}
	/* a process that just exited can keep it busy for a moment */
	for (i = 0; i < 100; i++) {
		if (!rmdir(path) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		strata_sleep_ms(20);
	}
	return -EBUSY;
}

/* ---- privileges ------------------------------------------------------- */

/*
 * Run @fn(@arg) in a forked child as uid and gid 65534 (nobody) without
 * supplementary groups or capabilities.  Returns @fn's return value, which
 * must be 0..255 (return a positive errno, say), or -1 when the child
 * could not drop its privileges or died.  @fn opens the device itself: an
 * fd opened by root stays root's.
 */
static inline int tier_as_nobody(int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(TIER_NOBODY, TIER_NOBODY,
						    TIER_NOBODY) ||
		    setresuid(TIER_NOBODY, TIER_NOBODY, TIER_NOBODY))
			_exit(255);
		_exit(fn(arg) & 0xff);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 255)
		return -1;
	return WEXITSTATUS(status);
}

/* ---- module ----------------------------------------------------------- */

/*
 * The repository's root, from the path of the running test binary
 * (ROOT/build/selftests/tier/NAME_test), in @buf.  0 or -errno.
 */
static inline int tier_repo_root(char *buf, size_t size)
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

static inline bool tier_module_loaded(void)
{
	return access("/sys/module/" TIER_MODULE, F_OK) == 0;
}

/*
 * Unload strata_tier (never forced), retrying on EAGAIN and EBUSY for up to
 * @ms milliseconds: module references held by a detached policy or a
 * closing file drop late.  0 (also when it was not loaded) or -errno.
 */
static inline int tier_module_unload(long ms)
{
	return strata_mod_unload(TIER_MODULE, ms, 50);
}

/* Load ROOT/kmod/tier/strata_tier.ko; 0 or -errno (-EEXIST if loaded). */
static inline int tier_module_load(void)
{
	char root[PATH_MAX], ko[PATH_MAX + 32];
	int fd, err = 0;

	err = tier_repo_root(root, sizeof(root));
	if (err)
		return err;
	snprintf(ko, sizeof(ko), "%s/kmod/tier/" TIER_MODULE ".ko", root);
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0))
		err = -errno;
	close(fd);
	return err;
}

#endif /* _STRATA_SELFTESTS_TIER_COMMON_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata_tier - internal interfaces between the module's files
 */
#ifndef _STRATA_TIER_INTERNAL_H
#define _STRATA_TIER_INTERNAL_H

#include <linux/cgroup.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <uapi/strata/tier.h>

/* Hotness is kept per 2 MiB region of virtual memory, per page inside. */
#define TIER_REGION_SHIFT	PMD_SHIFT
#define TIER_REGION_SIZE	(1UL << TIER_REGION_SHIFT)
#define TIER_REGION_PAGES	(TIER_REGION_SIZE >> PAGE_SHIFT)

/* Where a page is (low bits of tier_region.where[]). */
enum {
	TIER_WHERE_NONE,	/* not present, not anonymous, zero page */
	TIER_WHERE_FAST,
	TIER_WHERE_SLOW,
	TIER_WHERE_OTHER,	/* a node with neither role */
	TIER_WHERE_MASK = 3,
};

/* Flags in tier_region.where[] beside the place. */
#define TIER_PAGE_THP		0x04	/* of a huge page mapped by a PMD */
#define TIER_PAGE_PINNED	0x08
#define TIER_PAGE_KSM		0x10
#define TIER_PAGE_PICK		0x20	/* chosen to move this round */
#define TIER_PAGE_LARGE		0x40	/* of a large folio mapped by PTEs:
					 * migrate_vma_*() cannot move it */
#define TIER_PAGE_UNMOVABLE	(TIER_PAGE_PINNED | TIER_PAGE_KSM)

/**
 * struct tier_region - access history of the pages of 2 MiB of memory
 * @start: first address (region-aligned)
 * @round: the last scan round that saw the region mapped
 * @walked: the last round that walked its page-table entries
 * @tested: the last round that tested its PMD's accessed bit
 * @planned: the last round that classified its pages
 * @frozen: the last round that left it as it was (see tier_scan_range())
 * @idle: nothing in it was accessed before round @tested
 * @pending: rounds of aging not applied to its pages yet (at most 8)
 * @nr_slow: pages on the slow tier when last classified
 * @nr_fast: pages on the fast tier when last classified
 * @nr_hot: hot pages when last classified
 * @covered: per page, whether this round's mappings cover it
 * @hist: per page, one bit per round, bit 7 the latest: accessed or not
 * @seen: per page, rounds it has been observed present (saturates)
 * @where: per page, TIER_WHERE_* | TIER_PAGE_*
 * @class: per page, STRATA_TIER_COLD/WARM/HOT from the last round
 */
struct tier_region {
	unsigned long start;
	u64 round;
	u64 walked;
	u64 tested;
	u64 planned;
	u64 frozen;
	bool idle;
	u8 pending;
	u16 nr_slow;
	u16 nr_fast;
	u16 nr_hot;
	DECLARE_BITMAP(covered, TIER_REGION_PAGES);
	u8 hist[TIER_REGION_PAGES];
	u8 seen[TIER_REGION_PAGES];
	u8 where[TIER_REGION_PAGES];
	u8 class[TIER_REGION_PAGES];
};

/**
 * struct tier_space - one registered address space
 * @node: in the registration's list
 * @reg: the registration
 * @mm: the address space, pinned with mmgrab() by the notifier
 * @mn: release tells us the address space is gone
 * @pid: thread group it was registered through
 * @regions: struct tier_region by start >> TIER_REGION_SHIFT
 * @dead: the address space was torn down (set by the notifier)
 * @mark: cgroup rescan bookkeeping
 */
struct tier_space {
	struct list_head node;
	struct tier_reg *reg;
	struct mm_struct *mm;
	struct mmu_notifier mn;
	struct pid *pid;
	struct xarray regions;
	bool dead;
	bool mark;
};

/* Counters of a registration; written by its round, read locklessly. */
struct tier_counters {
	u64 rounds;
	u64 scanned;
	u64 young;
	u64 promoted;
	u64 demoted;
	u64 failed;
	u64 thp_split;
	u64 skip_thp;
	u64 skip_pinned;
	u64 skip_ksm;
	u64 fast_pages;
	u64 slow_pages;
	u64 hot_pages;
	u64 scan_ns;
	u64 migrate_ns;
};

/**
 * struct tier_reg - a registration: a process or a cgroup
 * @id: its id, key in tier_regs
 * @kind: STRATA_TIER_KIND_*
 * @pid: the process (pid kind)
 * @tgid: its number in the initial pid namespace
 * @cgrp: the cgroup (cgroup kind)
 * @cgroup_id: its id
 * @quota_pages: fast-tier quota in pages, or U64_MAX
 * @spaces: struct tier_space list
 * @nr_spaces: entries in @spaces
 * @work: the scan round, on tier_wq
 * @interval_ms: delay before the next round
 * @pressure: the last round had hot pages that did not fit, or was above
 *	the quota: fast pages must be watched for coldness
 * @dying: unregistered: the round must not run again
 * @stats: counters
 * @tasks: cgroup kind: room for the processes a rescan collects
 * @doomed: on the list of registrations torn down at unload
 * @rcu: freed after a grace period (kfuncs look registrations up)
 */
struct tier_reg {
	u32 id;
	u32 kind;
	struct pid *pid;
	pid_t tgid;
	struct cgroup *cgrp;
	u64 cgroup_id;
	u64 quota_pages;
	struct list_head spaces;
	unsigned int nr_spaces;
	struct delayed_work work;
	unsigned int interval_ms;
	bool pressure;
	bool dying;
	struct tier_counters stats;
	struct task_struct **tasks;
	struct list_head doomed;
	struct rcu_head rcu;
};

#define tier_stat_add(reg, field, n) \
	WRITE_ONCE((reg)->stats.field, (reg)->stats.field + (n))
#define tier_stat_set(reg, field, n) WRITE_ONCE((reg)->stats.field, (n))
#define tier_stat_read(reg, field) READ_ONCE((reg)->stats.field)

/* Module parameters (main.c). */
extern unsigned int tier_scan_first_ms;
extern unsigned int tier_scan_min_ms;
extern unsigned int tier_scan_max_ms;
extern unsigned int tier_hot_rounds;
extern unsigned int tier_cold_rounds;
extern unsigned int tier_rate_limit_mbps;
extern unsigned int tier_fast_reserve_pct;
extern bool tier_thp_split;
extern unsigned int tier_max_regs;
extern unsigned int tier_migrate_threads;

/* Registrations (reg.c); tier_lock serialises rounds and changes. */
extern struct mutex tier_lock;
extern struct xarray tier_regs;
extern struct workqueue_struct *tier_wq;
extern atomic_t tier_nr_regs;

int tier_reg_create(u32 flags, int target, u64 quota, u32 *id);
int tier_reg_destroy(u32 id);
int tier_reg_set_quota(u32 id, u64 quota);
void tier_reg_destroy_all(void);
void tier_reg_round(struct work_struct *work);
int tier_regs_init(void);
void tier_regs_exit(void);

/* Node roles (nodes.c). */
struct tier_nodes {
	nodemask_t fast;
	nodemask_t slow;
	u32 flags;		/* STRATA_TIER_INFO_* */
};

int tier_nodes_init(const char *fast, const char *slow);
void tier_nodes_get(struct tier_nodes *out);
int tier_nodes_set(const nodemask_t *fast, const nodemask_t *slow);
void tier_nodes_auto(void);
int tier_node_info(int nid, struct strata_tier_node *out,
		   const struct tier_nodes *nodes);
unsigned long tier_node_room(int nid, bool fast);

/* Scanning (scan.c). */
struct tier_scan {
	const struct tier_nodes *nodes;
	u64 round;
	bool pressure;		/* the last round wanted room on the fast tier */
	u64 scanned;
	u64 young;
};

int tier_scan_space(struct tier_space *space, struct tier_scan *scan);
void tier_region_settle(struct tier_region *r);
void tier_space_free_regions(struct tier_space *space);
void tier_flush_tlbs(void);

/* Placement (place.c) and migration (migrate.c). */
bool tier_place(struct tier_reg *reg, const struct tier_nodes *nodes,
		u64 round, u64 *wall_ns);
void tier_rate_reset(void);

struct tier_move {
	unsigned long *src;
	unsigned long *dst;
	int target;		/* node */
	unsigned long moved;
	unsigned long failed;
	unsigned long thp_split;
	DECLARE_BITMAP(done, TIER_REGION_PAGES);	/* per page: moved */
};

void tier_migrate_range(struct vm_area_struct *vma, unsigned long start,
			unsigned long npages, const int *target,
			struct tier_move *move);

/* Moving a round's picked pages on several CPUs (move.c). */
struct tier_moved {
	u64 moved;
	u64 failed;
	u64 thp_split;
	u64 cpu_ns;		/* the movers' time, added up */
	/* the most movers that took regions of one address space */
	u32 threads;
};

void tier_move_pages(struct tier_reg *reg, u8 from, u64 round, int target,
		     u64 picked, struct tier_moved *out);
int tier_movers_init(void);
void tier_movers_exit(void);

/**
 * struct strata_tier_round - what a policy's budget callbacks see
 * @reg_id: the registration
 * @nr_spaces: address spaces it covers
 * @round: its round number
 * @fast_pages: its resident pages on the fast tier
 * @slow_pages: its resident pages on the slow tier
 * @quota_pages: its fast-tier quota in pages (U64_MAX: none)
 * @fast_room: free fast-tier pages promotions may take
 * @hot_slow: hot pages on the slow tier (promotion candidates)
 * @cold_fast: cold pages on the fast tier (demotion candidates)
 * @rate_pages: pages the rate limit lets this round move
 */
struct strata_tier_round {
	u32 reg_id;
	u32 nr_spaces;
	u64 round;
	u64 fast_pages;
	u64 slow_pages;
	u64 quota_pages;
	u64 fast_room;
	u64 hot_slow;
	u64 cold_fast;
	u64 rate_pages;
};

/* Policy (policy.c). */
int tier_policy_init(void);
bool tier_policy_classify_active(void);
int tier_policy_classify(u32 reg_id, u64 addr, u32 hist, u32 seen, u32 role);
s64 tier_policy_budget(bool promote, const struct strata_tier_round *round);

/* ioctl.c */
long tier_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* _STRATA_TIER_INTERNAL_H */

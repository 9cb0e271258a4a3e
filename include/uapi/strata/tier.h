/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * strata_tier - user-space API: tiered memory
 *
 * strata_tier keeps the hot pages of registered address spaces on the fast
 * memory tier (DRAM: the top memory tier, normally the nodes with CPUs) and
 * their cold pages on the slow tier (CXL or other CPU-less, lower-tier
 * nodes).  It scans the accessed bits of registered processes, keeps an
 * access history per page, and migrates pages between the tiers within a
 * rate limit and a per-registration fast-tier quota.
 *
 * Everything goes through ioctls on STRATA_TIER_DEV.  Anyone who can open
 * the device may read (INFO, LIST, STATS); changing anything (REGISTER,
 * UNREGISTER, SET_QUOTA, SET_NODES) needs CAP_SYS_ADMIN, because placing
 * pages on DRAM takes it from every other tenant of the machine.
 *
 * Fields named "reserved", output fields and unknown flag bits must be zero
 * on input, or the call fails with -EINVAL and changes nothing.
 *
 * Documentation/tier.rst is the reference for every call and its errors.
 */
#ifndef _UAPI_STRATA_TIER_H
#define _UAPI_STRATA_TIER_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include "tier_policy.h"

#define STRATA_TIER_DEV		"/dev/strata/tier"

/* ioctl magic shared by all strata modules; tier uses 0x40-0x5f. */
#define STRATA_TIER_IOC_MAGIC	0xBA

/* struct strata_tier_node.flags */
/* The node has CPUs. */
#define STRATA_TIER_NODE_CPU		(1U << 0)
/* Its adistance comes from firmware performance data (HMAT). */
#define STRATA_TIER_NODE_ADIST		(1U << 1)
/* Its role was set by an override. */
#define STRATA_TIER_NODE_OVERRIDE	(1U << 2)

/**
 * struct strata_tier_node - one memory node, as strata_tier sees it
 * @nid: NUMA node id
 * @role: STRATA_TIER_ROLE_*
 * @flags: STRATA_TIER_NODE_*
 * @adistance: abstract distance (mm/memory-tiers.c units: DRAM is 576,
 *	larger is slower); the memory tier is adistance / 128
 * @total_bytes: memory of the node
 * @free_bytes: free memory of the node now
 */
struct strata_tier_node {
	__u32 nid;
	__u32 role;
	__u32 flags;
	__u32 adistance;
	__u64 total_bytes;
	__u64 free_bytes;
};

/* struct strata_tier_info.flags */
/* A fast and a slow tier exist: there is something to tier. */
#define STRATA_TIER_INFO_ACTIVE		(1U << 0)
/* The node roles come from an override, not from discovery. */
#define STRATA_TIER_INFO_OVERRIDE	(1U << 1)
/* Every node was in one memory tier: the CPU-less ones were made slow. */
#define STRATA_TIER_INFO_HEURISTIC	(1U << 2)

/**
 * struct strata_tier_info - STRATA_TIER_IOC_INFO
 * @nr_nodes: in: capacity of @nodes (may be 0); out: number of memory
 *	nodes (only the first min(in, out) entries are written)
 * @flags: out: STRATA_TIER_INFO_*
 * @nr_regs: out: live registrations
 * @reserved: zero
 * @nodes: pointer to an array of struct strata_tier_node, or 0
 */
struct strata_tier_info {
	__u32 nr_nodes;
	__u32 flags;
	__u32 nr_regs;
	__u32 reserved;
	__u64 nodes;
};

/* struct strata_tier_nodes.flags */
#define STRATA_TIER_NODES_AUTO	(1U << 0) /* drop the override: discover */

/**
 * struct strata_tier_nodes - STRATA_TIER_IOC_SET_NODES
 * @flags: STRATA_TIER_NODES_AUTO, or 0 to set the roles below
 * @maxnode: number of bits in each mask (a multiple of 64 is not needed;
 *	at most 4096); 0 with STRATA_TIER_NODES_AUTO
 * @fast: pointer to a bitmap of __u64 words, bit N = node N is fast
 * @slow: pointer to a bitmap of __u64 words, bit N = node N is slow
 *
 * Every node named must have memory, the two masks must not overlap and
 * @fast must not be empty; @slow may be empty (then nothing is tiered).
 * Memory nodes named in neither mask are left alone.  Registrations keep
 * running; their next round uses the new roles.
 */
struct strata_tier_nodes {
	__u32 flags;
	__u32 maxnode;
	__u64 fast;
	__u64 slow;
};

/* Fast-tier quota meaning "no limit" (struct strata_tier_reg.fast_quota). */
#define STRATA_TIER_QUOTA_NONE	(~0ULL)

/* struct strata_tier_reg.flags: what @target is (default: a pid) */
#define STRATA_TIER_REG_PIDFD	(1U << 0)	/* a pidfd */
/* An fd of a cgroup v2 directory: every process in it and below. */
#define STRATA_TIER_REG_CGROUP	(1U << 1)

/**
 * struct strata_tier_reg - STRATA_TIER_IOC_REGISTER
 * @flags: at most one of STRATA_TIER_REG_PIDFD, STRATA_TIER_REG_CGROUP
 * @target: a pid (in the caller's pid namespace), a pidfd or a cgroup fd
 * @fast_quota: most bytes of the registration on the fast tier (rounded
 *	down to pages; 0 keeps everything on the slow tier), or
 *	STRATA_TIER_QUOTA_NONE
 * @id: out: the registration's id (never 0, never reused while the module
 *	is loaded)
 * @reserved: zero
 *
 * A process is registered by its address space: registering a second
 * thread, or a process already covered by a cgroup registration, fails
 * with -EBUSY.  A pid registration ends by itself when the address space
 * goes away (exit or exec); a cgroup registration picks up processes that
 * join the cgroup and drops those that leave, until unregistered.
 */
struct strata_tier_reg {
	__u32 flags;
	__s32 target;
	__u64 fast_quota;
	__u32 id;
	__u32 reserved;
};

/**
 * struct strata_tier_quota - STRATA_TIER_IOC_SET_QUOTA
 * @id: registration
 * @reserved: zero
 * @fast_quota: as in struct strata_tier_reg; pages above a lowered quota
 *	are demoted, coldest first, within the rate limit
 */
struct strata_tier_quota {
	__u32 id;
	__u32 reserved;
	__u64 fast_quota;
};

/**
 * struct strata_tier_list - STRATA_TIER_IOC_LIST
 * @nr: in: capacity of @ids; out: number of registrations (only the first
 *	min(in, out) ids are written, in ascending order)
 * @reserved: zero
 * @ids: pointer to an array of __u32, or 0
 */
struct strata_tier_list {
	__u32 nr;
	__u32 reserved;
	__u64 ids;
};

/* struct strata_tier_stats.kind */
#define STRATA_TIER_KIND_PID	0
#define STRATA_TIER_KIND_CGROUP	1

/**
 * struct strata_tier_stats - STRATA_TIER_IOC_STATS
 * @size: in: sizeof(struct strata_tier_stats) as the caller knows it; out:
 *	the size the kernel filled (the smaller of the two).  Fields may be
 *	added at the end; older callers get a prefix.
 * @id: in: registration
 * @kind: STRATA_TIER_KIND_*
 * @pid: the registered pid (init pid namespace number), or 0 for a cgroup
 * @nr_spaces: address spaces covered now
 * @interval_ms: current scan interval (adaptive)
 * @cgroup_id: the cgroup's id (as in name_to_handle_at), or 0
 * @fast_quota: the quota in bytes, or STRATA_TIER_QUOTA_NONE
 * @rounds: scan rounds done
 * @scanned: pages examined, summed over rounds
 * @young: of those, pages found accessed since the previous round
 * @promoted: pages moved to the fast tier
 * @demoted: pages moved to the slow tier
 * @failed: pages chosen for a move that did not move (raced with a
 *	fault, munmap or a new pin, or no free page on the target node)
 * @thp_split: huge pages split so that their hot or cold part could move
 * @skip_thp: pages not moved because they belong to a huge page left whole
 *	(module parameter thp_split=N, or a large folio mapped by PTEs)
 * @skip_pinned: pages not moved because they are pinned (DMA, io_uring)
 * @skip_ksm: pages not moved because they are KSM-merged or in a
 *	KSM-mergeable mapping
 * @fast_pages: resident pages on the fast tier at the last round
 * @slow_pages: resident pages on the slow tier at the last round
 * @hot_pages: pages classified hot at the last round
 * @scan_ns: time the rounds took but for the moves (scanning, classifying,
 *	choosing), in ns; the worker's elapsed time, which is its CPU time
 *	unless it was preempted
 * @migrate_ns: time the moves took, in ns, added up over the threads that
 *	made them (likewise)
 *
 * Counters start at 0 on registration and only grow.
 */
struct strata_tier_stats {
	__u32 size;
	__u32 id;
	__u32 kind;
	__s32 pid;
	__u32 nr_spaces;
	__u32 interval_ms;
	__u64 cgroup_id;
	__u64 fast_quota;
	__u64 rounds;
	__u64 scanned;
	__u64 young;
	__u64 promoted;
	__u64 demoted;
	__u64 failed;
	__u64 thp_split;
	__u64 skip_thp;
	__u64 skip_pinned;
	__u64 skip_ksm;
	__u64 fast_pages;
	__u64 slow_pages;
	__u64 hot_pages;
	__u64 scan_ns;
	__u64 migrate_ns;
};

#define STRATA_TIER_IOC_INFO	_IOWR(STRATA_TIER_IOC_MAGIC, 0x40, \
				      struct strata_tier_info)
#define STRATA_TIER_IOC_SET_NODES _IOW(STRATA_TIER_IOC_MAGIC, 0x41, \
				      struct strata_tier_nodes)
#define STRATA_TIER_IOC_REGISTER _IOWR(STRATA_TIER_IOC_MAGIC, 0x42, \
				      struct strata_tier_reg)
#define STRATA_TIER_IOC_UNREGISTER _IOW(STRATA_TIER_IOC_MAGIC, 0x43, __u32)
#define STRATA_TIER_IOC_SET_QUOTA _IOW(STRATA_TIER_IOC_MAGIC, 0x44, \
				      struct strata_tier_quota)
#define STRATA_TIER_IOC_LIST	_IOWR(STRATA_TIER_IOC_MAGIC, 0x45, \
				      struct strata_tier_list)
/* The size in the number is that of the first version of the struct. */
#define STRATA_TIER_IOC_STATS	_IOWR(STRATA_TIER_IOC_MAGIC, 0x46, \
				      struct strata_tier_stats)

#endif /* _UAPI_STRATA_TIER_H */

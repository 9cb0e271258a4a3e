// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier - which memory nodes are fast and which are slow
 *
 * Discovery follows the kernel's memory tiers: every memory node gets an
 * abstract distance from mm/memory-tiers.c's algorithms (HMAT data, or the
 * DRAM default), the nodes of the lowest tier are fast and all others are
 * slow.  When every node lands in one tier although some have no CPUs (CXL
 * memory without firmware performance data), the CPU-less nodes are made
 * slow.  An override (module parameters or STRATA_TIER_IOC_SET_NODES)
 * replaces discovery until it is dropped.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/memory-tiers.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/notifier.h>
#include <linux/spinlock.h>
#include <linux/vmstat.h>

#include "tier.h"

static DEFINE_SPINLOCK(tier_nodes_lock);
static DEFINE_MUTEX(tier_discover_lock);
static struct tier_nodes tier_nodes;
static nodemask_t tier_adist_known;
static int tier_adist[MAX_NUMNODES];

static void tier_nodes_discover(struct tier_nodes *n)
{
	int nid, min_tier = INT_MAX;
	bool cpu = false, cpuless = false;

	nodes_clear(n->fast);
	nodes_clear(n->slow);
	n->flags = 0;
	for_each_node_state(nid, N_MEMORY) {
		int adist = MEMTIER_ADISTANCE_DRAM;

		if (mt_calc_adistance(nid, &adist) & NOTIFY_STOP_MASK)
			node_set(nid, tier_adist_known);
		tier_adist[nid] = adist;
		min_tier = min(min_tier, adist >> MEMTIER_CHUNK_BITS);
		if (node_state(nid, N_CPU))
			cpu = true;
		else
			cpuless = true;
	}
	for_each_node_state(nid, N_MEMORY) {
		if (tier_adist[nid] >> MEMTIER_CHUNK_BITS == min_tier)
			node_set(nid, n->fast);
		else
			node_set(nid, n->slow);
	}
	if (nodes_empty(n->slow) && cpu && cpuless) {
		nodes_clear(n->fast);
		for_each_node_state(nid, N_MEMORY) {
			if (node_state(nid, N_CPU))
				node_set(nid, n->fast);
			else
				node_set(nid, n->slow);
		}
		n->flags |= STRATA_TIER_INFO_HEURISTIC;
	}
	if (!nodes_empty(n->slow))
		n->flags |= STRATA_TIER_INFO_ACTIVE;
}

static void tier_nodes_report(const struct tier_nodes *n)
{
	if (n->flags & STRATA_TIER_INFO_ACTIVE)
		pr_info("fast nodes %*pbl, slow nodes %*pbl%s%s\n",
			nodemask_pr_args(&n->fast), nodemask_pr_args(&n->slow),
			n->flags & STRATA_TIER_INFO_OVERRIDE ? " (override)" : "",
			n->flags & STRATA_TIER_INFO_HEURISTIC ?
			" (one memory tier: CPU-less nodes taken as slow)" : "");
	else
		pr_info("nothing to tier: no slow memory node (nodes %*pbl are all fast)\n",
			nodemask_pr_args(&n->fast));
}

static int tier_nodes_check(const nodemask_t *fast, const nodemask_t *slow)
{
	if (nodes_empty(*fast) || nodes_intersects(*fast, *slow))
		return -EINVAL;
	if (!nodes_subset(*fast, node_states[N_MEMORY]) ||
	    !nodes_subset(*slow, node_states[N_MEMORY]))
		return -EINVAL;
	return 0;
}

/**
 * tier_nodes_set() - override the node roles
 * @fast: nodes to promote to
 * @slow: nodes to demote to (may be empty: then nothing is tiered)
 *
 * Return: 0, or -EINVAL for an empty @fast, overlapping masks or a node
 * without memory.
 */
int tier_nodes_set(const nodemask_t *fast, const nodemask_t *slow)
{
	struct tier_nodes n = { .fast = *fast, .slow = *slow };
	int err;

	err = tier_nodes_check(fast, slow);
	if (err)
		return err;
	n.flags = STRATA_TIER_INFO_OVERRIDE;
	if (!nodes_empty(n.slow))
		n.flags |= STRATA_TIER_INFO_ACTIVE;
	spin_lock(&tier_nodes_lock);
	tier_nodes = n;
	spin_unlock(&tier_nodes_lock);
	tier_nodes_report(&n);
	return 0;
}

/** tier_nodes_auto() - drop an override: discover the roles again */
void tier_nodes_auto(void)
{
	struct tier_nodes n;

	mutex_lock(&tier_discover_lock);
	tier_nodes_discover(&n);
	spin_lock(&tier_nodes_lock);
	tier_nodes = n;
	spin_unlock(&tier_nodes_lock);
	mutex_unlock(&tier_discover_lock);
	tier_nodes_report(&n);
}

/** tier_nodes_get() - a consistent copy of the node roles */
void tier_nodes_get(struct tier_nodes *out)
{
	spin_lock(&tier_nodes_lock);
	*out = tier_nodes;
	spin_unlock(&tier_nodes_lock);
}

/**
 * tier_nodes_init() - discover the roles, or take the module parameters
 * @fast: nodelist of fast nodes ("0", "0-1,4"), or NULL/empty
 * @slow: nodelist of slow nodes, or NULL/empty
 *
 * Return: 0, or -EINVAL when the parameters do not parse or are not valid
 * roles (the module then refuses to load, naming the problem).
 */
int tier_nodes_init(const char *fast, const char *slow)
{
	nodemask_t f = NODE_MASK_NONE, s = NODE_MASK_NONE;

	if ((!fast || !*fast) && (!slow || !*slow)) {
		tier_nodes_auto();
		return 0;
	}
	if ((fast && nodelist_parse(fast, f)) ||
	    (slow && nodelist_parse(slow, s)) || tier_nodes_check(&f, &s)) {
		pr_err("fast_nodes=%s slow_nodes=%s: not two disjoint lists of memory nodes with at least one fast node\n",
		       fast ?: "", slow ?: "");
		return -EINVAL;
	}
	/* Discovery still fills in the adistances INFO reports. */
	tier_nodes_auto();
	return tier_nodes_set(&f, &s);
}

static unsigned long tier_node_free(int nid, unsigned long *high)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	unsigned long free = 0;
	int i;

	*high = 0;
	for (i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *zone = &pgdat->node_zones[i];

		if (!populated_zone(zone))
			continue;
		free += zone_page_state(zone, NR_FREE_PAGES);
		*high += high_wmark_pages(zone);
	}
	return free;
}

/**
 * tier_node_room() - pages that migrations may still put on @nid
 * @nid: a memory node
 * @fast: keep the fast_reserve_pct part of the node free as well
 *
 * Free pages above the zones' high watermarks (and the reserve), so that
 * migrations never push the node into reclaim.
 */
unsigned long tier_node_room(int nid, bool fast)
{
	unsigned long free, high, reserve;

	free = tier_node_free(nid, &high);
	reserve = high;
	if (fast)
		reserve += NODE_DATA(nid)->node_present_pages / 100 *
			   READ_ONCE(tier_fast_reserve_pct);
	return free > reserve ? free - reserve : 0;
}

/**
 * tier_node_info() - describe one memory node for STRATA_TIER_IOC_INFO
 * @nid: the node
 * @out: filled in
 * @nodes: the roles to report
 *
 * Return: 0, or -ENOENT when @nid has no memory.
 */
int tier_node_info(int nid, struct strata_tier_node *out,
		   const struct tier_nodes *nodes)
{
	unsigned long high;

	if (!node_state(nid, N_MEMORY))
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->nid = nid;
	out->role = node_isset(nid, nodes->fast) ? STRATA_TIER_ROLE_FAST :
		    node_isset(nid, nodes->slow) ? STRATA_TIER_ROLE_SLOW :
		    STRATA_TIER_ROLE_NONE;
	if (node_state(nid, N_CPU))
		out->flags |= STRATA_TIER_NODE_CPU;
	if (node_isset(nid, tier_adist_known))
		out->flags |= STRATA_TIER_NODE_ADIST;
	if (nodes->flags & STRATA_TIER_INFO_OVERRIDE)
		out->flags |= STRATA_TIER_NODE_OVERRIDE;
	out->adistance = tier_adist[nid];
	out->total_bytes = (u64)NODE_DATA(nid)->node_present_pages << PAGE_SHIFT;
	out->free_bytes = (u64)tier_node_free(nid, &high) << PAGE_SHIFT;
	return 0;
}

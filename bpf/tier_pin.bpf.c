// SPDX-License-Identifier: GPL-2.0
/*
 * tier_pin - a sample strata_tier policy
 *
 * Keeps chosen address ranges of a registration on the fast tier whatever
 * their access history (a latency-critical arena that is touched rarely
 * but must never wait on slow memory), and can make the rest harder to
 * promote and slower to move.  Knobs, set before load:
 *
 *   reg_id		the registration the ranges belong to (0: any)
 *   pin_start[i],	address ranges [start, end) whose pages are always
 *   pin_end[i]		hot: promoted, never demoted to make room
 *   nr_pins		ranges in use (at most TIER_PIN_MAX_RANGES)
 *   min_hits		other pages are hot only when accessed in at least
 *			min_hits of the last 8 rounds, cold after 8 quiet
 *			rounds (0: the module's default classification)
 *   max_promote		most pages a round may promote (0: no cap)
 *
 * Counters: nr_pinned (pinned pages seen, all rounds), nr_rounds (budget
 * calls), last_promoted (the registration's promoted counter, read with
 * the bpf_strata_tier_stat() kfunc).
 */
#include <strata_tier.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <strata/tier_policy.h>
#include "strata.bpf.h"
#include "tier_pin.h"

char _license[] SEC("license") = "GPL";

const volatile __u32 reg_id;
const volatile __u64 pin_start[TIER_PIN_MAX_RANGES];
const volatile __u64 pin_end[TIER_PIN_MAX_RANGES];
const volatile __u32 nr_pins;
const volatile __u32 min_hits;
const volatile __u32 max_promote;

__u64 nr_pinned;
__u64 nr_rounds;
__u64 last_promoted;

static bool pinned(__u32 reg, __u64 addr)
{
	__u32 i;

	if (reg_id && reg != reg_id)
		return false;
	for (i = 0; i < TIER_PIN_MAX_RANGES && i < nr_pins; i++)
		if (addr >= pin_start[i] && addr < pin_end[i])
			return true;
	return false;
}

SEC("struct_ops/classify")
int BPF_PROG(classify, __u32 reg, __u64 addr, __u32 history, __u32 seen,
	     __u32 role)
{
	if (pinned(reg, addr)) {
		__sync_fetch_and_add(&nr_pinned, 1);
		return STRATA_TIER_HOT;
	}
	if (!min_hits)
		return -1;
	if (__builtin_popcount(history & 0xff) >= min_hits)
		return STRATA_TIER_HOT;
	if (seen >= 8 && !(history & 0xff))
		return STRATA_TIER_COLD;
	return STRATA_TIER_WARM;
}

SEC("struct_ops/promote_budget")
__s64 BPF_PROG(promote_budget, const struct strata_tier_round *round)
{
	__sync_fetch_and_add(&nr_rounds, 1);
	last_promoted = bpf_strata_tier_stat(round->reg_id,
					     STRATA_TIER_STAT_PROMOTED);
	return max_promote ? max_promote : -1;
}

SEC(".struct_ops.link")
struct strata_tier_ops tier_pin = {
	.classify = (void *)classify,
	.promote_budget = (void *)promote_budget,
	.name = "tier_pin",
};

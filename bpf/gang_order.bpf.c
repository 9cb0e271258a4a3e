// SPDX-License-Identifier: GPL-2.0
/*
 * gang_order - a sample strata_gang policy: largest gang first
 *
 * When GPUs free up, a scheduler that takes gangs in arrival order or by
 * attained service keeps admitting the small gangs that fit, and a gang
 * that needs every GPU waits for a moment when all of them happen to be
 * free.  This policy ranks the gangs that need the most GPUs first, so
 * that a wide job gets the machine as soon as the gangs before it are
 * done, and small ones fill in behind it.  Priority still comes first,
 * arrival order breaks ties (gang_order.h has the rank's layout).  A
 * policy's rank replaces strata's own, the starve_ms rule included, and
 * this one has no such rule: a steady stream of wider gangs (narrower
 * ones, with smallest_first) keeps a gang waiting.
 *
 * Knobs, set before load:
 *
 *   smallest_first	reverse the size key: the smallest gang first
 *   force_exit_action	what the death of a member does to any gang:
 *			-1 its own on_member_exit, 0 abort, 1 shrink
 *
 * Counters: nr_rank_calls, nr_exit_calls, last_exit_pid; last_free_gpus
 * and last_queued as the bpf_strata_gang_free_gpus() and
 * bpf_strata_gang_nr_queued() kfuncs read them at the latest rank call.
 */
#include <strata_gang.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <strata/gang_policy.h>
#include "strata.bpf.h"
#include "gang_order.h"

char _license[] SEC("license") = "GPL";

const volatile __u32 smallest_first;
const volatile __s32 force_exit_action = STRATA_GANG_OPS_DEFAULT;

__u64 nr_rank_calls;
__u64 nr_exit_calls;
__s32 last_exit_pid;
__u32 last_free_gpus;
__u32 last_queued;

SEC("struct_ops/rank")
__s64 BPF_PROG(rank, const struct strata_gang_view *g)
{
	__sync_fetch_and_add(&nr_rank_calls, 1);
	last_free_gpus = bpf_strata_gang_free_gpus();
	last_queued = bpf_strata_gang_nr_queued();
	return gang_order_rank(g->priority, g->nr_gpus, g->seq,
			       smallest_first);
}

SEC("struct_ops/member_exit")
int BPF_PROG(member_exit, const struct strata_gang_view *g, __u32 member,
	     __s32 pid)
{
	__sync_fetch_and_add(&nr_exit_calls, 1);
	last_exit_pid = pid;
	return force_exit_action;
}

SEC(".struct_ops.link")
struct strata_gang_ops gang_order = {
	.rank = (void *)rank,
	.member_exit = (void *)member_exit,
	.name = "gang_order",
};

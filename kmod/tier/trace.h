/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata_tier - tracepoints: events/strata_tier/ in tracefs
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM strata_tier

#if !defined(_STRATA_TIER_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _STRATA_TIER_TRACE_H

#include <linux/tracepoint.h>

/* One scan round of a registration, after its placement. */
TRACE_EVENT(strata_tier_scan,
	TP_PROTO(u32 id, u64 round, u64 scanned, u64 young, u64 hot,
		 u64 fast, u64 slow, u32 interval_ms),
	TP_ARGS(id, round, scanned, young, hot, fast, slow, interval_ms),
	TP_STRUCT__entry(
		__field(u32, id)
		__field(u32, interval_ms)
		__field(u64, round)
		__field(u64, scanned)
		__field(u64, young)
		__field(u64, hot)
		__field(u64, fast)
		__field(u64, slow)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->interval_ms = interval_ms;
		__entry->round = round;
		__entry->scanned = scanned;
		__entry->young = young;
		__entry->hot = hot;
		__entry->fast = fast;
		__entry->slow = slow;
	),
	TP_printk("id=%u round=%llu scanned=%llu young=%llu hot=%llu fast=%llu slow=%llu next_ms=%u",
		  __entry->id, __entry->round, __entry->scanned,
		  __entry->young, __entry->hot, __entry->fast, __entry->slow,
		  __entry->interval_ms)
);

/* One migration batch: every page picked in one direction in a round. */
TRACE_EVENT(strata_tier_migrate,
	TP_PROTO(u32 id, bool promote, int target, u64 picked, u64 moved,
		 u64 failed, u32 threads),
	TP_ARGS(id, promote, target, picked, moved, failed, threads),
	TP_STRUCT__entry(
		__field(u32, id)
		__field(bool, promote)
		__field(int, target)
		__field(u64, picked)
		__field(u64, moved)
		__field(u64, failed)
		__field(u32, threads)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->promote = promote;
		__entry->target = target;
		__entry->picked = picked;
		__entry->moved = moved;
		__entry->failed = failed;
		__entry->threads = threads;
	),
	TP_printk("id=%u %s to node %d picked=%llu moved=%llu failed=%llu threads=%u",
		  __entry->id, __entry->promote ? "promote" : "demote",
		  __entry->target, __entry->picked, __entry->moved,
		  __entry->failed, __entry->threads)
);

#endif /* _STRATA_TIER_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>

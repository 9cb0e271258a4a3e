/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata_gang - tracepoints: events/strata_gang/ in tracefs
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM strata_gang

#if !defined(_STRATA_GANG_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _STRATA_GANG_TRACE_H

#include <linux/tracepoint.h>

TRACE_DEFINE_ENUM(STRATA_GANG_EXIT_SHRINK);

/* A gang got all its GPUs (its first slice, or again after a preemption). */
TRACE_EVENT(strata_gang_admit,
	TP_PROTO(u64 koid, u64 slice, u32 gpus, u64 wait_ns),
	TP_ARGS(koid, slice, gpus, wait_ns),
	TP_STRUCT__entry(
		__field(u64, koid)
		__field(u64, slice)
		__field(u64, wait_ns)
		__field(u32, gpus)
	),
	TP_fast_assign(
		__entry->koid = koid;
		__entry->slice = slice;
		__entry->wait_ns = wait_ns;
		__entry->gpus = gpus;
	),
	TP_printk("koid=%llu slice=%llu gpus=%u wait_ns=%llu",
		  __entry->koid, __entry->slice, __entry->gpus,
		  __entry->wait_ns)
);

/* Every member of a gang has started its slice: the co-start skew. */
TRACE_EVENT(strata_gang_slice_start,
	TP_PROTO(u64 koid, u64 slice, u32 members, u64 skew_ns),
	TP_ARGS(koid, slice, members, skew_ns),
	TP_STRUCT__entry(
		__field(u64, koid)
		__field(u64, slice)
		__field(u64, skew_ns)
		__field(u32, members)
	),
	TP_fast_assign(
		__entry->koid = koid;
		__entry->slice = slice;
		__entry->skew_ns = skew_ns;
		__entry->members = members;
	),
	TP_printk("koid=%llu slice=%llu members=%u skew_ns=%llu",
		  __entry->koid, __entry->slice, __entry->members,
		  __entry->skew_ns)
);

/* A gang's slice ended and its GPUs went to others. */
TRACE_EVENT(strata_gang_preempt,
	TP_PROTO(u64 koid, u64 slice, u64 attained_ns),
	TP_ARGS(koid, slice, attained_ns),
	TP_STRUCT__entry(
		__field(u64, koid)
		__field(u64, slice)
		__field(u64, attained_ns)
	),
	TP_fast_assign(
		__entry->koid = koid;
		__entry->slice = slice;
		__entry->attained_ns = attained_ns;
	),
	TP_printk("koid=%llu slice=%llu attained_ns=%llu",
		  __entry->koid, __entry->slice, __entry->attained_ns)
);

/* A member exited without LEAVE; action is the STRATA_GANG_EXIT_* taken. */
TRACE_EVENT(strata_gang_member_exit,
	TP_PROTO(u64 koid, u32 member, s32 pid, u32 action),
	TP_ARGS(koid, member, pid, action),
	TP_STRUCT__entry(
		__field(u64, koid)
		__field(u32, member)
		__field(s32, pid)
		__field(u32, action)
	),
	TP_fast_assign(
		__entry->koid = koid;
		__entry->member = member;
		__entry->pid = pid;
		__entry->action = action;
	),
	TP_printk("koid=%llu member=%u pid=%d action=%s",
		  __entry->koid, __entry->member, __entry->pid,
		  __entry->action == STRATA_GANG_EXIT_SHRINK ? "shrink" :
							       "abort")
);

/* A gang was aborted; reason is a STRATA_GANG_ABORT_*. */
TRACE_EVENT(strata_gang_abort,
	TP_PROTO(u64 koid, u32 reason),
	TP_ARGS(koid, reason),
	TP_STRUCT__entry(
		__field(u64, koid)
		__field(u32, reason)
	),
	TP_fast_assign(
		__entry->koid = koid;
		__entry->reason = reason;
	),
	TP_printk("koid=%llu reason=%u", __entry->koid, __entry->reason)
);

#endif /* _STRATA_GANG_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>

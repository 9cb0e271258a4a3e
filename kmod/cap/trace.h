/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata_cap - tracepoints: events/strata_cap/ in tracefs
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM strata_cap

#if !defined(_STRATA_CAP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _STRATA_CAP_TRACE_H

#include <linux/sched.h>
#include <linux/tracepoint.h>

#include "common.h"

DECLARE_EVENT_CLASS(strata_cap_handle,
	TP_PROTO(const struct strata_handle *h),
	TP_ARGS(h),
	TP_STRUCT__entry(
		__field(u64, koid)
		__field(u32, type)
		__field(u32, rights)
		__field(pid_t, tgid)
	),
	TP_fast_assign(
		__entry->koid = h->obj->koid;
		__entry->type = h->obj->type->type;
		__entry->rights = h->rights;
		__entry->tgid = current->tgid;
	),
	TP_printk("koid=%llu type=%u rights=%#x tgid=%d", __entry->koid,
		  __entry->type, __entry->rights, __entry->tgid)
);

DEFINE_EVENT(strata_cap_handle, strata_cap_create,
	TP_PROTO(const struct strata_handle *h), TP_ARGS(h));
DEFINE_EVENT(strata_cap_handle, strata_cap_close,
	TP_PROTO(const struct strata_handle *h), TP_ARGS(h));
DEFINE_EVENT(strata_cap_handle, strata_cap_export,
	TP_PROTO(const struct strata_handle *h), TP_ARGS(h));
DEFINE_EVENT(strata_cap_handle, strata_cap_import,
	TP_PROTO(const struct strata_handle *h), TP_ARGS(h));

TRACE_EVENT(strata_cap_duplicate,
	TP_PROTO(const struct strata_handle *src,
		 const struct strata_handle *copy),
	TP_ARGS(src, copy),
	TP_STRUCT__entry(
		__field(u64, koid)
		__field(u32, rights)
		__field(u32, new_rights)
		__field(pid_t, tgid)
	),
	TP_fast_assign(
		__entry->koid = src->obj->koid;
		__entry->rights = src->rights;
		__entry->new_rights = copy->rights;
		__entry->tgid = current->tgid;
	),
	TP_printk("koid=%llu rights=%#x new_rights=%#x tgid=%d",
		  __entry->koid, __entry->rights, __entry->new_rights,
		  __entry->tgid)
);

TRACE_EVENT(strata_cap_transfer,
	TP_PROTO(const struct strata_handle *h,
		 const struct strata_object *channel),
	TP_ARGS(h, channel),
	TP_STRUCT__entry(
		__field(u64, koid)
		__field(u64, channel_koid)
		__field(u32, rights)
		__field(pid_t, tgid)
	),
	TP_fast_assign(
		__entry->koid = h->obj->koid;
		__entry->channel_koid = channel->koid;
		__entry->rights = h->rights;
		__entry->tgid = current->tgid;
	),
	TP_printk("koid=%llu channel=%llu rights=%#x tgid=%d",
		  __entry->koid, __entry->channel_koid, __entry->rights,
		  __entry->tgid)
);

TRACE_EVENT(strata_cap_revoke,
	TP_PROTO(const struct strata_handle *h, u32 nr_revoked),
	TP_ARGS(h, nr_revoked),
	TP_STRUCT__entry(
		__field(u64, koid)
		__field(u32, nr_revoked)
		__field(pid_t, tgid)
	),
	TP_fast_assign(
		__entry->koid = h->obj->koid;
		__entry->nr_revoked = nr_revoked;
		__entry->tgid = current->tgid;
	),
	TP_printk("koid=%llu nr_revoked=%u tgid=%d", __entry->koid,
		  __entry->nr_revoked, __entry->tgid)
);

/* A refusal: by the rights (op "rights") or by the policy (its op). */
TRACE_EVENT(strata_cap_deny,
	TP_PROTO(const char *op, u64 koid, u32 type, u32 rights, int err),
	TP_ARGS(op, koid, type, rights, err),
	TP_STRUCT__entry(
		__string(op, op)
		__field(u64, koid)
		__field(u32, type)
		__field(u32, rights)
		__field(int, err)
		__field(pid_t, tgid)
	),
	TP_fast_assign(
		__assign_str(op);
		__entry->koid = koid;
		__entry->type = type;
		__entry->rights = rights;
		__entry->err = err;
		__entry->tgid = current->tgid;
	),
	TP_printk("op=%s koid=%llu type=%u rights=%#x err=%d tgid=%d",
		  __get_str(op), __entry->koid, __entry->type,
		  __entry->rights, __entry->err, __entry->tgid)
);

#endif /* _STRATA_CAP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libstrata - C API over strata's ioctls
 *
 * Every function returns 0 (or a non-negative value where it says so) on
 * success and a negative errno on failure, as libbpf does; errno is also
 * set.  The structures are those of <strata/cap.h>, <strata/tier.h> and
 * <strata/gang.h>.
 */
#ifndef _STRATA_LIBSTRATA_H
#define _STRATA_LIBSTRATA_H

#include <sys/types.h>
#include <linux/types.h>
#include <strata/cap.h>
#include <strata/gang.h>
#include <strata/tier.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Open a new handle table and return its fd.  @flags is 0 or O_CLOEXEC; a
 * table kept across exec is how a launcher hands handles to a program.
 */
int strata_cap_open(int flags);

int strata_cap_table_info(int table, struct strata_cap_table_info *info);

/* Objects: each returns the new handle(s) through the pointer(s). */
int strata_event_create(int table, __u32 *handle);
int strata_eventpair_create(int table, __u32 *h0, __u32 *h1);
int strata_channel_create(int table, __u32 *h0, __u32 *h1);

/* Handles. */
int strata_handle_close(int table, __u32 handle);
/*
 * Close every handle of @handles; @results (may be NULL) gets 0 or -EBADF
 * per entry.  Returns 0, or -EBADF when any entry was bad (the good ones
 * are closed all the same).
 */
int strata_handle_close_many(int table, const __u32 *handles, __u32 count,
			     __s32 *results);
int strata_handle_duplicate(int table, __u32 handle, __u32 rights,
			    __u32 *out);
/* @handle is consumed even when this fails. */
int strata_handle_replace(int table, __u32 handle, __u32 rights, __u32 *out);
int strata_handle_info(int table, __u32 handle,
		       struct strata_cap_handle_info *info);
/* Returns the number of handles revoked. */
int strata_handle_revoke(int table, __u32 handle);
/* Returns the new fd; @flags is 0 or O_CLOEXEC. */
int strata_handle_export(int table, __u32 handle, __u32 rights, int flags);
int strata_handle_import(int table, int fd, __u32 *handle);

/* Signals and waits; deadlines are CLOCK_MONOTONIC ns (strata_deadline). */
int strata_object_signal(int table, __u32 handle, __u32 clear_mask,
			 __u32 set_mask);
int strata_object_signal_peer(int table, __u32 handle, __u32 clear_mask,
			      __u32 set_mask);
int strata_object_wait_one(int table, __u32 handle, __u32 signals,
			   __s64 deadline, __u32 *pending);
int strata_object_wait_many(int table, struct strata_cap_wait_item *items,
			    __u32 count, __s64 deadline);
int strata_object_wait_async(int table, __u32 handle, __u32 signals,
			     __u64 key);
int strata_wait_async_cancel(int table, __u32 handle, __u64 key);
/* Returns the number of packets taken (at least 1). */
int strata_port_wait(int table, struct strata_cap_packet *packets,
		     __u32 count, __s64 deadline);
int strata_port_queue(int table, __u64 key, const __u64 user[2]);
/* Now plus @timeout_ns on CLOCK_MONOTONIC; negative: STRATA_TIME_INFINITE. */
__s64 strata_deadline_after(__s64 timeout_ns);

/* Channels. */
int strata_channel_write(int table, __u32 handle, const void *bytes,
			 __u32 num_bytes, const __u32 *handles,
			 __u32 num_handles);
/*
 * @actual_bytes and @actual_handles (either may be NULL) get the message's
 * sizes, also on -EMSGSIZE.
 */
int strata_channel_read(int table, __u32 handle, void *bytes,
			__u32 num_bytes, __u32 *handles, __u32 num_handles,
			__u32 *actual_bytes, __u32 *actual_handles);
/* The same, waiting for a message when the queue is empty. */
int strata_channel_read_wait(int table, __u32 handle, void *bytes,
			     __u32 num_bytes, __u32 *handles,
			     __u32 num_handles, __u32 *actual_bytes,
			     __u32 *actual_handles);
int strata_channel_call(int table, struct strata_cap_channel_call *args);

/* VMOs; @options of create is 0 or STRATA_VMO_RESIZABLE. */
int strata_vmo_create(int table, __u64 size, __u32 options, __u32 *handle);
int strata_vmo_read(int table, __u32 handle, void *buf, __u64 offset,
		    __u64 length);
int strata_vmo_write(int table, __u32 handle, const void *buf, __u64 offset,
		     __u64 length);
int strata_vmo_get_size(int table, __u32 handle, __u64 *size);
int strata_vmo_set_size(int table, __u32 handle, __u64 size);
/* Map shared at an address the kernel picks; unmap with munmap(2). */
int strata_vmo_map(int table, __u32 handle, __u32 prot, __u64 offset,
		   __u64 length, void **addr);

/*
 * Capability mode: enter it for good (-EOPNOTSUPP when the sandbox
 * programs are not loaded), or ask whether the caller is in it (1 or 0).
 */
int strata_sandbox_enter(int table);
int strata_sandbox_status(int table);

/*
 * Tiered memory (<strata/tier.h>).  strata_tier_open() returns an fd of
 * STRATA_TIER_DEV, read-write when the caller may have it, else read-only
 * (enough for info, list and stats).
 */
int strata_tier_open(void);
/*
 * Fill @info; @nodes (may be NULL when @cap is 0) gets up to @cap nodes,
 * info->nr_nodes says how many exist.
 */
int strata_tier_info(int fd, struct strata_tier_info *info,
		     struct strata_tier_node *nodes, __u32 cap);
/* @quota in bytes, or STRATA_TIER_QUOTA_NONE; the new id in @id. */
int strata_tier_register_pid(int fd, pid_t pid, __u64 quota, __u32 *id);
int strata_tier_register_pidfd(int fd, int pidfd, __u64 quota, __u32 *id);
/* @path: a cgroup v2 directory, e.g. /sys/fs/cgroup/app.slice */
int strata_tier_register_cgroup(int fd, const char *path, __u64 quota,
				__u32 *id);
int strata_tier_unregister(int fd, __u32 id);
int strata_tier_set_quota(int fd, __u32 id, __u64 quota);
/* Returns the number of registrations; up to @cap ids go to @ids. */
int strata_tier_list(int fd, __u32 *ids, __u32 cap);
int strata_tier_stats(int fd, __u32 id, struct strata_tier_stats *stats);
/*
 * Node roles: @fast and @slow are arrays of node ids (@nr_fast, @nr_slow
 * entries); strata_tier_nodes_auto() returns to discovery.
 */
int strata_tier_set_nodes(int fd, const int *fast, unsigned int nr_fast,
			  const int *slow, unsigned int nr_slow);
int strata_tier_nodes_auto(int fd);

/*
 * GPU gang scheduling (<strata/gang.h>).  strata_gang_open() returns an fd
 * of STRATA_GANG_DEV, read-write when the caller may have it, else
 * read-only.  The calls on a gang name the caller's handle table @table
 * (strata_cap_open()) and the gang's @handle in it.
 */
int strata_gang_open(void);
int strata_gang_status(int fd, struct strata_gang_status *status);
/*
 * Up to @cap GPUs (or gangs) go to @gpus (@gangs), which may be NULL when
 * @cap is 0; @count gets how many exist, which may be more than @cap.
 */
int strata_gang_gpus(int fd, struct strata_gang_gpu *gpus, __u32 cap,
		     __u32 *count);
int strata_gang_list(int fd, struct strata_gang_info *gangs, __u32 cap,
		     __u32 *count);
/*
 * Create a gang from @params (its table_fd, handle and koid are ignored:
 * @table is used); the new handle, with STRATA_DEFAULT_GANG_RIGHTS, goes
 * to @handle.  The koid is in strata_gang_info().
 */
int strata_gang_create(int fd, int table,
		       const struct strata_gang_create *params, __u32 *handle);
/* Make the calling thread a member; its index goes to @member (or NULL). */
int strata_gang_join(int fd, int table, __u32 handle, __u32 *member);
/*
 * A step boundary: returns at once while the gang runs, else blocks until
 * it does (@flags: STRATA_GANG_STEP_NONBLOCK makes that -EAGAIN); -EINTR
 * on a signal, -ECANCELED once the gang is aborted.  @out (may be NULL)
 * gets the member's CPU, GPUs and slice.
 */
int strata_gang_step(int fd, int table, __u32 handle, __u32 flags,
		     struct strata_gang_step *out);
/* Leave for good: a member that exits without leaving has died. */
int strata_gang_leave(int fd, int table, __u32 handle);
/* Abort the gang (needs STRATA_RIGHT_DESTROY). */
int strata_gang_kill(int fd, int table, __u32 handle);
/* Abort the gang with koid @koid, handle or not (needs CAP_SYS_ADMIN). */
int strata_gang_kill_id(int fd, __u64 koid);
/*
 * Change what @mask (STRATA_GANG_SET_PRIORITY, STRATA_GANG_SET_SLICE)
 * names; the other value is ignored.
 */
int strata_gang_set(int fd, int table, __u32 handle, __u32 mask,
		    __u32 priority, __u32 slice_ms);
int strata_gang_info(int fd, int table, __u32 handle,
		     struct strata_gang_info *info);
/*
 * What "stratactl gang create" passes to each member's program: the
 * member's own handle table (kept across exec), its handle to the gang
 * and its member index, in decimal.  strata_gang_env() reads them
 * (@member may be NULL): -ENOENT when one is not set, -EINVAL when one is
 * malformed.
 */
#define STRATA_GANG_ENV_TABLE_FD	"STRATA_GANG_TABLE_FD"
#define STRATA_GANG_ENV_HANDLE		"STRATA_GANG_HANDLE"
#define STRATA_GANG_ENV_MEMBER		"STRATA_GANG_MEMBER"
int strata_gang_env(int *table, __u32 *handle, __u32 *member);
/* "forming", "queued", ... and "killed", "member died", ...; or "unknown". */
const char *strata_gang_state_name(__u32 state);
const char *strata_gang_abort_reason_name(__u32 reason);

/*
 * The fake GPU (STRATA_FAKEGPU_DEV_FMT): each open file is a context.
 * strata_fakegpu_run() queues a kernel of @duration_us; with
 * STRATA_FAKEGPU_RUN_WAIT it returns once the kernel completed.  @out
 * (may be NULL) gets its sequence number and, with RUN_WAIT, its times.
 * strata_fakegpu_wait() waits until kernel @seq of the context has
 * completed; @out (may be NULL) gets how many have and the last one's
 * times.  strata_fakegpu_sync() waits for every kernel of the context.
 */
int strata_fakegpu_open(unsigned int id);
int strata_fakegpu_run(int fd, __u64 duration_us, __u32 flags,
		       struct strata_fakegpu_run *out);
int strata_fakegpu_wait(int fd, __u64 seq, struct strata_fakegpu_wait *out);
int strata_fakegpu_sync(int fd);
int strata_fakegpu_stat(int fd, struct strata_fakegpu_stat *stat);

/* Name of an object type ("event", ...), or "unknown". */
const char *strata_obj_type_name(__u32 type);

#ifdef __cplusplus
}
#endif

#endif /* _STRATA_LIBSTRATA_H */

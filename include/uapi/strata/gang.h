/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * strata_gang - user-space API: GPU gang scheduling
 *
 * A gang is a job of several member threads (usually one per process)
 * that must hold all their GPUs at the same time.  It is a strata_cap
 * object (STRATA_OBJ_GANG): the creator gets a handle in its handle table
 * and passes duplicates to the members, over a channel, through exec or
 * as an exported fd.  Every call below names a handle table by fd and a
 * handle value in it.
 *
 * Life of a gang:
 *
 *   FORMING   created; members JOIN.  When the last member has joined the
 *             gang is READY and queues for admission.
 *   QUEUED    waits until all of its GPUs (and, for STRATA_GANG_COSCHED,
 *             one CPU per member) are free at once; it never holds part
 *             of them.
 *   RUNNING   admitted: every member has its GPUs; a slice is running.
 *             When the slice ends and a queued gang ranks before this
 *             one, the gang is preempted: members park at their next
 *             STEP (or are stopped, see STRATA_GANG_STOP), the GPUs go
 *             to the next gang and this one queues again.
 *   DONE      every member has LEFT; the GPUs are free.
 *   ABORTED   KILL or KILL_ID, a member died under
 *             STRATA_GANG_EXIT_ABORT, or the last handle of an unfinished
 *             gang was closed; every member's STEP fails with -ECANCELED
 *             and the GPUs are free.
 *
 * A member is the thread that called JOIN.  A member that exits without
 * LEAVE has died: the gang is aborted, or shrunk (the member's GPUs are
 * released and the others go on) per @on_member_exit.
 *
 * Fields named "reserved", output fields and unknown flag bits must be zero
 * on input, or the call fails with -EINVAL and changes nothing.
 *
 * Documentation/gang.rst is the reference for every call and its errors.
 */
#ifndef _UAPI_STRATA_GANG_H
#define _UAPI_STRATA_GANG_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include "handle.h"

#define STRATA_GANG_DEV		"/dev/strata/gang"

/* ioctl magic shared by all strata modules; gang uses 0x60-0x7f. */
#define STRATA_GANG_IOC_MAGIC	0xBA

#define STRATA_GANG_MAX_MEMBERS		64U
#define STRATA_GANG_MAX_GPUS_PER_MEMBER	8U
#define STRATA_GANG_MAX_GPUS		64U
#define STRATA_GANG_NAME_LEN		16U
#define STRATA_GANG_MAX_SLICE_MS	60000U
#define STRATA_GANG_MAX_PRIORITY	7
/* The largest runtime hint: what fits in 64 bits of nanoseconds. */
#define STRATA_GANG_MAX_HINT_MS		(~0ULL / 1000000ULL)

/* Signals of a gang object, waitable through strata_cap. */
#define STRATA_GANG_SIGNAL_READY	(1U << 4)	/* every member joined */
#define STRATA_GANG_SIGNAL_RUNNING	(1U << 5)	/* holds its GPUs now */
#define STRATA_GANG_SIGNAL_DONE		(1U << 6)	/* every member left */
#define STRATA_GANG_SIGNAL_ABORTED	(1U << 7)	/* killed or a member died */

/* Rights of a new gang handle: JOIN needs WRITE, KILL needs DESTROY. */
#define STRATA_DEFAULT_GANG_RIGHTS (STRATA_RIGHT_DUPLICATE |		\
				    STRATA_RIGHT_TRANSFER |		\
				    STRATA_RIGHT_READ |			\
				    STRATA_RIGHT_WRITE |		\
				    STRATA_RIGHT_GET_PROPERTY |		\
				    STRATA_RIGHT_SET_PROPERTY |		\
				    STRATA_RIGHT_WAIT |			\
				    STRATA_RIGHT_INSPECT |		\
				    STRATA_RIGHT_DESTROY |		\
				    STRATA_RIGHT_REVOKE)

/* struct strata_gang_info.state */
enum strata_gang_state {
	STRATA_GANG_FORMING = 0,
	STRATA_GANG_QUEUED = 1,
	STRATA_GANG_RUNNING = 2,
	STRATA_GANG_DONE = 3,
	STRATA_GANG_ABORTED = 4,
};

/* struct strata_gang_create.on_member_exit */
enum strata_gang_exit_action {
	STRATA_GANG_EXIT_ABORT = 0,	/* abort the whole gang */
	STRATA_GANG_EXIT_SHRINK = 1,	/* release the member, go on */
};

/* struct strata_gang_create.flags */
/*
 * Co-schedule: while the gang runs, member i is pinned to its own CPU and
 * runs at a low SCHED_FIFO priority; the gang needs one free CPU of the
 * module's CPU pool per member to be admitted.  Needs CAP_SYS_NICE unless
 * the unpriv_cosched module parameter allows it.
 */
#define STRATA_GANG_COSCHED	(1U << 0)
/*
 * For programs that never call STEP: when a slice ends with a preemption,
 * members that have not parked in STEP within park_grace_ms (module
 * parameter) are stopped with SIGSTOP, their whole process, and continued
 * with SIGCONT when the gang runs again or ends.  Without it, preempted
 * members are expected to park at their next STEP; nothing stops them.
 */
#define STRATA_GANG_STOP	(1U << 1)
#define STRATA_GANG_CREATE_FLAGS (STRATA_GANG_COSCHED | STRATA_GANG_STOP)

/* struct strata_gang_info.abort_reason */
enum strata_gang_abort_reason {
	STRATA_GANG_ABORT_NONE = 0,
	STRATA_GANG_ABORT_KILLED = 1,		/* STRATA_GANG_IOC_KILL */
	STRATA_GANG_ABORT_MEMBER_DIED = 2,	/* under STRATA_GANG_EXIT_ABORT */
	STRATA_GANG_ABORT_NO_HANDLES = 3,	/* last handle closed, unfinished */
	STRATA_GANG_ABORT_ADMIN = 4,		/* STRATA_GANG_IOC_KILL_ID */
};

/**
 * struct strata_gang_create - STRATA_GANG_IOC_CREATE
 * @table_fd: the caller's strata_cap handle table
 * @handle: out: the new gang's handle, STRATA_DEFAULT_GANG_RIGHTS
 * @nr_members: members, 1..STRATA_GANG_MAX_MEMBERS
 * @gpus_per_member: 1..STRATA_GANG_MAX_GPUS_PER_MEMBER; the gang needs
 *	@nr_members * @gpus_per_member GPUs, at most the machine's
 * @priority: 0..STRATA_GANG_MAX_PRIORITY, higher first; above 0 needs
 *	CAP_SYS_NICE
 * @slice_ms: slice length, 1..STRATA_GANG_MAX_SLICE_MS; 0 for the
 *	slice_ms module parameter
 * @on_member_exit: enum strata_gang_exit_action
 * @flags: STRATA_GANG_COSCHED, STRATA_GANG_STOP
 * @runtime_hint_ms: expected running time of the job once admitted, 0 if
 *	unknown, at most STRATA_GANG_MAX_HINT_MS; the backfill policy uses
 *	it (as Slurm uses time limits)
 * @koid: out: the gang's koid
 * @name: a label for listings, NUL-terminated
 * @reserved: zero
 */
struct strata_gang_create {
	__s32 table_fd;
	__u32 handle;
	__u32 nr_members;
	__u32 gpus_per_member;
	__u32 priority;
	__u32 slice_ms;
	__u32 on_member_exit;
	__u32 flags;
	__u64 runtime_hint_ms;
	__u64 koid;
	char name[STRATA_GANG_NAME_LEN];
	__u64 reserved[2];
};

/**
 * struct strata_gang_ref - a gang, for JOIN, LEAVE and KILL
 * @table_fd: the caller's handle table
 * @handle: the gang's handle
 * @member: JOIN: out: the caller's member index, 0..nr_members-1
 * @reserved: zero
 */
struct strata_gang_ref {
	__s32 table_fd;
	__u32 handle;
	__u32 member;
	__u32 reserved;
};

/* struct strata_gang_step.flags */
/* Do not block: -EAGAIN while the gang is not running. */
#define STRATA_GANG_STEP_NONBLOCK	(1U << 0)
#define STRATA_GANG_STEP_FLAGS		STRATA_GANG_STEP_NONBLOCK

/**
 * struct strata_gang_step - STRATA_GANG_IOC_STEP
 * @table_fd: the caller's handle table
 * @handle: the gang; the caller must be one of its members
 * @flags: STRATA_GANG_STEP_*
 * @member: out: the caller's member index
 * @cpu: out: the CPU the caller is pinned to, or -1 (not co-scheduled)
 * @nr_gpus: out: entries of @gpus
 * @slice: out: sequence number of the gang's current slice, from 1
 * @slice_end_ns: out: CLOCK_MONOTONIC time the slice is due to end (it
 *	is extended when no queued gang ranks first); 0 under the FIFO and
 *	BACKFILL policies, where a gang runs until it ends
 * @gpus: out: the GPU ids assigned to the caller (STRATA_GANG_IOC_GPUS)
 * @reserved: zero
 *
 * A step boundary: returns at once while the gang runs, else blocks
 * (interruptibly) until it does.  A member whose gang's slice has ended
 * parks here.
 */
struct strata_gang_step {
	__s32 table_fd;
	__u32 handle;
	__u32 flags;
	__u32 member;
	__s32 cpu;
	__u32 nr_gpus;
	__u64 slice;
	__u64 slice_end_ns;
	__u32 gpus[STRATA_GANG_MAX_GPUS_PER_MEMBER];
	__u64 reserved[2];
};

/* struct strata_gang_set.mask: which fields to change */
#define STRATA_GANG_SET_PRIORITY	(1U << 0)
#define STRATA_GANG_SET_SLICE		(1U << 1)
#define STRATA_GANG_SET_MASK		(STRATA_GANG_SET_PRIORITY | \
					 STRATA_GANG_SET_SLICE)

/**
 * struct strata_gang_set - STRATA_GANG_IOC_SET (needs SET_PROPERTY)
 * @table_fd: the caller's handle table
 * @handle: the gang
 * @mask: STRATA_GANG_SET_*: the fields that apply
 * @priority: as at create
 * @slice_ms: as at create (0: the module's default)
 * @reserved: zero
 */
struct strata_gang_set {
	__s32 table_fd;
	__u32 handle;
	__u32 mask;
	__u32 priority;
	__u32 slice_ms;
	__u32 reserved;
};

/**
 * struct strata_gang_info - one gang, as STRATA_GANG_IOC_INFO and _LIST
 *	report it
 * @koid: the gang's koid
 * @uid: the creator's user id
 * @state: enum strata_gang_state
 * @abort_reason: enum strata_gang_abort_reason
 * @nr_members: members it was created with
 * @joined: members that joined
 * @alive: members that joined and neither left nor died
 * @gpus_per_member: GPUs per member
 * @nr_gpus: GPUs it needs now (alive or not yet joined members)
 * @priority: its priority
 * @slice_ms: its slice length
 * @on_member_exit: enum strata_gang_exit_action
 * @flags: its STRATA_GANG_* create flags
 * @slices: slices it has started
 * @preemptions: times its slice ended with its GPUs taken away
 * @deaths: members that died
 * @attained_ns: GPU time it has held: nanoseconds times GPUs
 * @run_ns: wall time it has been running
 * @wait_ns: wall time it has been queued
 * @last_skew_ns: co-start skew of its latest slice whose members all
 *	started (latest member's first STEP return minus the earliest's)
 * @max_skew_ns: the largest such skew
 * @created_ns: CLOCK_MONOTONIC time of creation
 * @name: its label
 * @gpu_mask: bit n set: GPU n is assigned to it now
 * @reserved: zero
 */
struct strata_gang_info {
	__u64 koid;
	__u32 uid;
	__u32 state;
	__u32 abort_reason;
	__u32 nr_members;
	__u32 joined;
	__u32 alive;
	__u32 gpus_per_member;
	__u32 nr_gpus;
	__u32 priority;
	__u32 slice_ms;
	__u32 on_member_exit;
	__u32 flags;
	__u64 slices;
	__u64 preemptions;
	__u64 deaths;
	__u64 attained_ns;
	__u64 run_ns;
	__u64 wait_ns;
	__u64 last_skew_ns;
	__u64 max_skew_ns;
	__u64 created_ns;
	char name[STRATA_GANG_NAME_LEN];
	__u64 gpu_mask;
	__u64 reserved[2];
};

/**
 * struct strata_gang_query - STRATA_GANG_IOC_INFO (needs INSPECT)
 * @table_fd: the caller's handle table
 * @handle: the gang
 * @info: out
 */
struct strata_gang_query {
	__s32 table_fd;
	__u32 handle;
	struct strata_gang_info info;
};

/**
 * struct strata_gang_list - STRATA_GANG_IOC_LIST: every live gang
 * @gangs: user pointer to an array of struct strata_gang_info
 * @capacity: entries @gangs has room for (0: only count); at most
 *	STRATA_GANG_LIST_MAX are written per call
 * @count: out: live gangs; entries written: min(@count, @capacity,
 *	STRATA_GANG_LIST_MAX)
 * @reserved: zero
 *
 * Gangs are listed by koid.  A gang stays listed while a handle to it or
 * a member remains.  Anyone who can open the device may list.
 */
#define STRATA_GANG_LIST_MAX	4096U

struct strata_gang_list {
	__u64 gangs;
	__u32 capacity;
	__u32 count;
	__u64 reserved;
};

/* struct strata_gang_gpu.kind */
enum strata_gang_gpu_kind {
	STRATA_GANG_GPU_FAKE = 0,	/* strata's modelled GPU, /dev/strata/gpuN */
	STRATA_GANG_GPU_PCI = 1,	/* a PCI display or 3D controller */
};

/**
 * struct strata_gang_gpu - one GPU
 * @id: strata's GPU id, 0..nr_gpus-1
 * @kind: enum strata_gang_gpu_kind
 * @dev: its device node's number (new_encode_dev() form), 0 if none known
 * @gang_koid: the gang holding it now, 0 if free
 * @kernels: FAKE: kernels completed
 * @busy_ns: FAKE: time spent running kernels
 * @switch_ns: FAKE: time spent switching contexts
 * @switches: FAKE: context switches
 * @name: "gpu3" for a fake GPU, the PCI address for a real one
 * @reserved: zero
 */
struct strata_gang_gpu {
	__u32 id;
	__u32 kind;
	__u32 dev;
	__u32 pad;
	__u64 gang_koid;
	__u64 kernels;
	__u64 busy_ns;
	__u64 switch_ns;
	__u64 switches;
	char name[32];
	__u64 reserved[2];
};

/**
 * struct strata_gang_gpus - STRATA_GANG_IOC_GPUS: every GPU
 * @gpus: user pointer to an array of struct strata_gang_gpu
 * @capacity: entries @gpus has room for (0: only count)
 * @count: out: GPUs
 * @reserved: zero
 */
struct strata_gang_gpus {
	__u64 gpus;
	__u32 capacity;
	__u32 count;
	__u64 reserved;
};

/* struct strata_gang_status.mode */
enum strata_gang_mode {
	STRATA_GANG_MODE_STOCK = 0,	/* pinning + SCHED_FIFO boost */
	STRATA_GANG_MODE_SCX = 1,	/* a sched_ext scheduler co-schedules */
};

/* struct strata_gang_status.policy: the sched_policy module parameter */
enum strata_gang_policy {
	STRATA_GANG_POLICY_LAS = 0,		/* least attained service, slices */
	STRATA_GANG_POLICY_FIFO = 1,		/* arrival order, run to end */
	STRATA_GANG_POLICY_BACKFILL = 2,	/* FIFO with EASY backfill */
};

/**
 * struct strata_gang_status - STRATA_GANG_IOC_STATUS: the scheduler
 * @mode: enum strata_gang_mode
 * @policy: enum strata_gang_policy
 * @nr_gpus: GPUs
 * @free_gpus: GPUs no gang holds
 * @nr_cpus: CPUs of the co-scheduling pool
 * @free_cpus: pool CPUs no running gang holds
 * @gangs: live gangs
 * @queued: gangs queued for admission
 * @running: gangs running
 * @bpf_policy: 1 while a strata_gang_ops policy is attached
 * @admitted: admissions since load
 * @preemptions: preemptions since load
 * @aborts: aborts since load
 * @deaths: member deaths since load
 * @scx_attaches: sched_ext schedulers attached since load
 * @scx_detaches: sched_ext schedulers detached since load (unloaded,
 *	or ejected by an error, the watchdog or CPU hotplug)
 * @reserved: zero
 */
struct strata_gang_status {
	__u32 mode;
	__u32 policy;
	__u32 nr_gpus;
	__u32 free_gpus;
	__u32 nr_cpus;
	__u32 free_cpus;
	__u32 gangs;
	__u32 queued;
	__u32 running;
	__u32 bpf_policy;
	__u64 admitted;
	__u64 preemptions;
	__u64 aborts;
	__u64 deaths;
	__u64 scx_attaches;
	__u64 scx_detaches;
	__u64 reserved[2];
};

#define STRATA_GANG_IOC_STATUS	_IOR(STRATA_GANG_IOC_MAGIC, 0x60,	\
				     struct strata_gang_status)
#define STRATA_GANG_IOC_GPUS	_IOWR(STRATA_GANG_IOC_MAGIC, 0x61,	\
				      struct strata_gang_gpus)
#define STRATA_GANG_IOC_CREATE	_IOWR(STRATA_GANG_IOC_MAGIC, 0x62,	\
				      struct strata_gang_create)
#define STRATA_GANG_IOC_JOIN	_IOWR(STRATA_GANG_IOC_MAGIC, 0x63,	\
				      struct strata_gang_ref)
#define STRATA_GANG_IOC_STEP	_IOWR(STRATA_GANG_IOC_MAGIC, 0x64,	\
				      struct strata_gang_step)
#define STRATA_GANG_IOC_LEAVE	_IOW(STRATA_GANG_IOC_MAGIC, 0x65,	\
				     struct strata_gang_ref)
#define STRATA_GANG_IOC_KILL	_IOW(STRATA_GANG_IOC_MAGIC, 0x66,	\
				     struct strata_gang_ref)
#define STRATA_GANG_IOC_SET	_IOW(STRATA_GANG_IOC_MAGIC, 0x67,	\
				     struct strata_gang_set)
#define STRATA_GANG_IOC_INFO	_IOWR(STRATA_GANG_IOC_MAGIC, 0x68,	\
				      struct strata_gang_query)
#define STRATA_GANG_IOC_LIST	_IOWR(STRATA_GANG_IOC_MAGIC, 0x69,	\
				      struct strata_gang_list)

/**
 * struct strata_gang_kill_id - STRATA_GANG_IOC_KILL_ID: abort a gang by
 *	its koid, without a handle (needs CAP_SYS_ADMIN)
 * @koid: the gang's koid, as STRATA_GANG_IOC_LIST reports it
 * @flags: zero
 * @reserved: zero
 *
 * The administrator's way to end a gang whose handles it does not hold,
 * as kill(2) is for processes: the gang ends ABORTED with abort_reason
 * STRATA_GANG_ABORT_ADMIN. -ENOENT when no live gang has that koid,
 * -EALREADY when it has ended already.
 */
struct strata_gang_kill_id {
	__u64 koid;
	__u32 flags;
	__u32 reserved;
};

#define STRATA_GANG_IOC_KILL_ID	_IOW(STRATA_GANG_IOC_MAGIC, 0x6a,	\
				     struct strata_gang_kill_id)

/*
 * The fake GPU: /dev/strata/gpuN, present when strata_gang is loaded
 * with fake_gpus=N.  Each open file is a context; the device runs one
 * kernel at a time, in submission order, charging switch_us (module
 * parameter, default 150) whenever the next kernel belongs to another
 * context than the previous one.  Its timeline is exact: a kernel queued
 * before the previous one ended starts when that one ended, however late
 * the host's timer tells the device so; only the completion's wake-up
 * comes late.
 */
#define STRATA_FAKEGPU_DEV_FMT	"/dev/strata/gpu%u"
#define STRATA_FAKEGPU_MAX_US	10000000ULL	/* 10 s per kernel */
#define STRATA_FAKEGPU_MAX_QUEUED 256U		/* per context */

/* struct strata_fakegpu_run.flags */
/* Return only when the kernel has completed. */
#define STRATA_FAKEGPU_RUN_WAIT		(1U << 0)
#define STRATA_FAKEGPU_RUN_FLAGS	STRATA_FAKEGPU_RUN_WAIT

/**
 * struct strata_fakegpu_run - STRATA_FAKEGPU_IOC_RUN: queue a kernel
 * @duration_us: its run time, 1..STRATA_FAKEGPU_MAX_US
 * @flags: STRATA_FAKEGPU_RUN_*
 * @seq: out: the kernel's sequence number in this context, from 1
 * @start_ns: out, with RUN_WAIT: CLOCK_MONOTONIC time it started running
 * @end_ns: out, with RUN_WAIT: time it completed
 * @reserved: zero
 *
 * -EAGAIN when the context has STRATA_FAKEGPU_MAX_QUEUED kernels queued.
 */
struct strata_fakegpu_run {
	__u64 duration_us;
	__u32 flags;
	__u32 pad;
	__u64 seq;
	__u64 start_ns;
	__u64 end_ns;
	__u64 reserved[2];
};

/**
 * struct strata_fakegpu_stat - STRATA_FAKEGPU_IOC_STAT: the device
 * @id: the GPU's id
 * @queued: kernels queued on the device, all contexts
 * @kernels: kernels completed since load
 * @busy_ns: time spent running kernels since load
 * @switch_ns: time spent switching contexts since load
 * @switches: context switches since load
 * @ctx_completed: kernels of the caller's context completed
 * @reserved: zero
 */
struct strata_fakegpu_stat {
	__u32 id;
	__u32 queued;
	__u64 kernels;
	__u64 busy_ns;
	__u64 switch_ns;
	__u64 switches;
	__u64 ctx_completed;
	__u64 reserved[2];
};

/**
 * struct strata_fakegpu_wait - STRATA_FAKEGPU_IOC_WAIT: wait for one kernel
 *	of this context, as for a fence
 * @seq: the kernel, by the seq RUN gave it: 1..the last one queued on
 *	this file
 * @flags: zero
 * @pad: zero
 * @completed: out: kernels of this context completed when the call
 *	returns, at least @seq (a context's kernels complete in the order
 *	they were queued)
 * @start_ns: out: CLOCK_MONOTONIC time kernel number @completed started
 * @end_ns: out: time it completed
 * @reserved: zero
 *
 * Returns at once if kernel @seq has completed already.  With it a
 * caller keeps kernels queued ahead of the device, as a GPU program
 * does: queue the next kernel, then wait for the one before it.
 * -EINVAL for seq 0 or one not queued yet; a signal interrupts the wait
 * (restartable: it changes nothing).
 */
struct strata_fakegpu_wait {
	__u64 seq;
	__u32 flags;
	__u32 pad;
	__u64 completed;
	__u64 start_ns;
	__u64 end_ns;
	__u64 reserved[2];
};

#define STRATA_FAKEGPU_IOC_RUN	_IOWR(STRATA_GANG_IOC_MAGIC, 0x80,	\
				      struct strata_fakegpu_run)
/* Wait (interruptibly) until every kernel of this context completed. */
#define STRATA_FAKEGPU_IOC_SYNC	_IO(STRATA_GANG_IOC_MAGIC, 0x81)
#define STRATA_FAKEGPU_IOC_STAT	_IOR(STRATA_GANG_IOC_MAGIC, 0x82,	\
				     struct strata_fakegpu_stat)
#define STRATA_FAKEGPU_IOC_WAIT	_IOWR(STRATA_GANG_IOC_MAGIC, 0x83,	\
				      struct strata_fakegpu_wait)

#endif /* _UAPI_STRATA_GANG_H */

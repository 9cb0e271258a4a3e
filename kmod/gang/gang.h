/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata_gang - internal interfaces between the module's files
 */
#ifndef _STRATA_GANG_INTERNAL_H
#define _STRATA_GANG_INTERNAL_H

#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rtmutex.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <uapi/strata/gang.h>
#include <strata/cap.h>

/* Module parameters (main.c). */
extern unsigned int gang_slice_ms;
extern unsigned int gang_starve_ms;
extern unsigned int gang_fill_idle;
extern unsigned int gang_park_grace_ms;
extern unsigned int gang_policy_mode;		/* enum strata_gang_policy */
extern unsigned int gang_user_max_gangs;
extern unsigned int gang_fake_switch_us;
extern bool gang_unpriv_cosched;

/* ---- GPUs (gpu.c, fakegpu.c) ------------------------------------------ */

/**
 * struct gang_gpu - one GPU strata_gang hands out
 * @id: index in gang_gpus[]
 * @kind: STRATA_GANG_GPU_*
 * @dev: device number of its device node, 0 if none known
 * @owner: koid of the gang holding it, 0 when free (under gang_lock)
 * @tgid: process of the member it is assigned to while its gang runs, 0
 *	otherwise (read locklessly by gang_gpu_access())
 * @name: "gpu3", or the PCI address
 */
struct gang_gpu {
	u32 id;
	u32 kind;
	dev_t dev;
	u64 owner;
	pid_t tgid;
	char name[32];
};

extern struct gang_gpu gang_gpus[STRATA_GANG_MAX_GPUS];
extern unsigned int gang_nr_gpus;

int gang_gpus_init(unsigned int nr_fake);
void gang_gpus_exit(void);
struct gang_gpu *gang_gpu_by_dev(dev_t dev);
/*
 * May the current task open the device node @dev?  0 when @dev is no
 * strata GPU, or when the caller is a member of a running gang that holds
 * that GPU; -EPERM otherwise.  Called from the BPF LSM program's kfunc.
 */
int gang_gpu_access(dev_t dev);

/*
 * The fake GPU devices (fakegpu.c): /dev/strata/gpu0..n-1.  Init creates
 * @n devices and returns their device numbers in @devs; exit removes them
 * (no file can be open then: each holds a module reference).
 */
int gang_fakegpu_init(unsigned int n, dev_t *devs);
void gang_fakegpu_exit(void);
/* Fills the FAKE counters (kernels, busy_ns, switch_ns, switches). */
void gang_fakegpu_stat(u32 id, struct strata_gang_gpu *out);

/* ---- gangs (gang.c) --------------------------------------------------- */

enum gang_member_state {
	GANG_MEMBER_JOINED,
	GANG_MEMBER_LEFT,
	GANG_MEMBER_DEAD,
};

/**
 * struct gang_member - one member thread
 * @gang: its gang
 * @task: the thread, with a reference
 * @hnode: in gang_member_hash, keyed by @task (RCU)
 * @index: member index
 * @state: enum gang_member_state
 * @cpu: pool CPU it is pinned to while running, or -1
 * @gpus: its GPU ids while the gang holds GPUs
 * @pinned: strata pinned it to @cpu (@saved_mask is its own affinity)
 * @boosted: strata made it SCHED_FIFO (@saved_* are its own policy)
 * @stopped: strata sent its process SIGSTOP
 * @parked: it is blocked in STEP, waiting for the gang to run
 * @exiting: the exit tracepoint saw the thread exit (exit.c)
 * @started_slice: the slice whose start it saw (first STEP return)
 * @saved_mask: its affinity before strata pinned it
 * @saved_policy: its policy before the boost
 * @saved_nice: its nice value before the boost
 * @saved_reset_on_fork: its SCHED_RESET_ON_FORK before the boost
 */
struct gang_member {
	struct gang *gang;
	struct task_struct *task;
	struct hlist_node hnode;
	u32 index;
	u32 state;
	int cpu;
	u32 gpus[STRATA_GANG_MAX_GPUS_PER_MEMBER];
	bool pinned;
	bool boosted;
	bool stopped;
	bool parked;
	bool exiting;
	bool placed;
	int placed_cpu;
	u64 started_slice;
	cpumask_var_t saved_mask;
	int saved_policy;
	int saved_nice;
	bool saved_reset_on_fork;
};

/**
 * struct gang - a gang: a strata_cap object
 * @obj: the strata_cap header (type STRATA_OBJ_GANG)
 * @node: in gang_all, by koid order (under gang_lock)
 * @qnode: in gang_queue while QUEUED, in gang_running while RUNNING
 * @state: enum strata_gang_state
 * @abort_reason: enum strata_gang_abort_reason
 * @uid: creator's uid
 * @nr_members: members it was created with
 * @gpus_per_member: GPUs per member
 * @priority: 0..STRATA_GANG_MAX_PRIORITY
 * @slice_ms: 0: gang_slice_ms
 * @on_member_exit: enum strata_gang_exit_action
 * @flags: STRATA_GANG_COSCHED, STRATA_GANG_STOP
 * @runtime_hint_ns: expected GPU time, 0 if unknown
 * @name: label
 * @members: member slots, @nr_members of them
 * @joined: members that joined
 * @alive: members joined and neither left nor died
 * @seq: arrival order (set when it becomes QUEUED the first time)
 * @gpu_mask: GPUs it holds
 * @cpu_mask: pool CPUs it holds (COSCHED)
 * @slice: slices started
 * @slice_end_ns: when the current slice ends
 * @queued_ns: when it last became QUEUED
 * @run_start_ns: when it last became RUNNING
 * @attained_ns: GPU time held (ns x GPUs), up to the last state change
 * @run_ns: running time up to the last state change
 * @wait_ns: queued time up to the last state change
 * @preemptions: slices that ended in preemption
 * @deaths: members that died
 * @started: members that saw the current slice start
 * @first_start_ns: earliest member start in the current slice
 * @last_start_ns: latest member start in the current slice
 * @skew_slice: the slice whose skew is recorded
 * @last_skew_ns: skew of the latest complete slice start
 * @max_skew_ns: largest such skew
 * @created_ns: creation time
 * @no_handles: no handle names it any more
 * @step_wq: members blocked in STEP
 * @grace_work: stops members that did not park within park_grace_ms
 * @grace_slice: the slice whose preemption @grace_work is for
 * @rank_class: scheduler's sort key, part 1 (0: starving, 1: others)
 * @rank_key: scheduler's sort key, part 2
 * @plan_end_ns: the slice end the current plan gives it, 0: not picked
 * @candidate: running, and its slice ended: the plan may preempt it
 * @visited: seen by the reservation's walk
 * @rcu: frees it after the exit tracepoint's readers
 */
struct gang {
	struct strata_object obj;
	struct list_head node;
	struct list_head qnode;
	u32 state;
	u32 abort_reason;
	kuid_t uid;
	u32 nr_members;
	u32 gpus_per_member;
	u32 priority;
	u32 slice_ms;
	u32 on_member_exit;
	u32 flags;
	u64 runtime_hint_ns;
	char name[STRATA_GANG_NAME_LEN];
	struct gang_member *members;
	u32 joined;
	u32 alive;
	u64 seq;
	DECLARE_BITMAP(gpu_mask, STRATA_GANG_MAX_GPUS);
	cpumask_var_t cpu_mask;
	u64 slice;
	u64 slice_end_ns;
	u64 scx_token;
	u64 queued_ns;
	u64 run_start_ns;
	u64 attained_ns;
	u64 run_ns;
	u64 wait_ns;
	u64 preemptions;
	u64 deaths;
	u32 started;
	u64 first_start_ns;
	u64 last_start_ns;
	u64 skew_slice;
	u64 last_skew_ns;
	u64 max_skew_ns;
	u64 created_ns;
	bool no_handles;
	wait_queue_head_t step_wq;
	struct kthread_delayed_work grace_work;
	u64 grace_slice;
	u32 rank_class;
	s64 rank_key;
	u64 plan_end_ns;
	bool candidate;
	bool visited;
	struct rcu_head rcu;
};

static inline struct gang *to_gang(struct strata_object *obj)
{
	return container_of(obj, struct gang, obj);
}

/* Members that hold, or will hold, GPUs: alive, or not joined yet. */
static inline u32 gang_live_members(const struct gang *g)
{
	return g->alive + g->nr_members - g->joined;
}

static inline u32 gang_nr_gpus_needed(const struct gang *g)
{
	return gang_live_members(g) * g->gpus_per_member;
}

/* Serialises every gang's state, the queues and the GPU and CPU pools. */
extern struct rt_mutex gang_lock;
extern struct list_head gang_all;

struct gang *gang_create(const struct strata_gang_create *args);
struct gang *gang_get(int table_fd, u32 handle, u32 rights);
int gang_join(struct gang *g, u32 *member);
int gang_leave(struct gang *g);
int gang_kill(struct gang *g);
int gang_kill_id(u64 koid);
void gang_abort(struct gang *g, u32 reason);
void gang_member_died(struct gang_member *m);
int gang_step(struct gang *g, struct strata_gang_step *args);
int gang_set(struct gang *g, const struct strata_gang_set *args);
void gang_fill_info(const struct gang *g, struct strata_gang_info *info);
struct gang_member *gang_current_member(struct gang *g);

/* ---- the scheduler (sched.c) ------------------------------------------ */

int gang_sched_init(const char *cpus);
bool gang_sched_ready(void);
int gang_sched_set_pool(const char *list);
int gang_sched_get_pool(char *buf);
void gang_sched_exit(void);
/* Every gang change that may let another gang run ends with this. */
void gang_sched_kick(void);
void gang_sched_enqueue(struct gang *g);
void gang_sched_release(struct gang *g);
void gang_sched_member_gone(struct gang *g, struct gang_member *m);
void gang_sched_status(struct strata_gang_status *st);
void gang_sched_queue_grace(struct gang *g);
u32 gang_sched_free_gpus(void);
u32 gang_sched_nr_queued(void);
extern struct cpumask gang_cpu_pool[1];
extern struct kthread_worker *gang_worker;
extern struct gang_sched_counters {
	u64 admitted;
	u64 preemptions;
	u64 aborts;
	u64 deaths;
} gang_counters;

/* ---- co-scheduling (cosched.c) ---------------------------------------- */

void gang_cosched_start(struct gang *g);
void gang_member_boost(struct gang_member *m, u64 token);
void gang_cosched_stop(struct gang *g, bool stop_stragglers);
void gang_member_restore(struct gang_member *m);
void gang_member_continue(struct gang_member *m);
void gang_note_start(struct gang *g, struct gang_member *m);
void gang_skew_check(struct gang *g);
void gang_grace_work(struct kthread_work *work);

/* ---- the sched_ext path (scx.c) --------------------------------------- */

struct gang_scx_counters {
	u64 attaches;
	u64 detaches;
};

void gang_scx_init(void);
void gang_scx_exit(void);
bool gang_scx_active(void);
void gang_scx_counters(struct gang_scx_counters *c);
u64 gang_scx_new_token(void);
void gang_scx_place(struct gang_member *m, u64 token);
void gang_scx_unplace(struct gang_member *m);

/* ---- member exit (exit.c) --------------------------------------------- */

int gang_exit_init(void);
void gang_exit_exit(void);
void gang_member_hash_add(struct gang_member *m);
void gang_member_hash_del(struct gang_member *m);
struct gang_member *gang_member_of(struct task_struct *task);

/* ---- eBPF policy (policy.c) ------------------------------------------- */

/**
 * struct strata_gang_view - a gang as strata_gang_ops callbacks see it
 * @koid: the gang's koid
 * @seq: arrival order, from 1
 * @attained_ns: GPU time held so far (ns x GPUs)
 * @wait_ns: time queued since it last queued
 * @runtime_hint_ns: expected GPU time, 0 if unknown
 * @nr_members: members it was created with
 * @alive: members alive
 * @nr_gpus: GPUs it needs
 * @priority: 0..STRATA_GANG_MAX_PRIORITY
 * @state: enum strata_gang_state
 * @slices: slices started
 * @preemptions: slices ended by preemption
 * @uid: creator's uid
 * @on_member_exit: enum strata_gang_exit_action
 */
struct strata_gang_view {
	u64 koid;
	u64 seq;
	u64 attained_ns;
	u64 wait_ns;
	u64 runtime_hint_ns;
	u32 nr_members;
	u32 alive;
	u32 nr_gpus;
	u32 priority;
	u32 state;
	u32 slices;
	u32 preemptions;
	u32 uid;
	u32 on_member_exit;
};

int gang_policy_init(void);
bool gang_policy_attached(void);
/* The policy's rank (lower runs first), or a negative value: default. */
s64 gang_policy_rank(const struct strata_gang_view *v);
/* The policy's STRATA_GANG_EXIT_*, or a negative value: the gang's own. */
int gang_policy_member_exit(const struct strata_gang_view *v, u32 member,
			    s32 pid);
void gang_view_fill(const struct gang *g, u64 now,
		    struct strata_gang_view *v);

/* ---- device (ioctl.c) ------------------------------------------------- */

long gang_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* _STRATA_GANG_INTERNAL_H */

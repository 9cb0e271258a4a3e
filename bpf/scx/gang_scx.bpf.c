// SPDX-License-Identifier: GPL-2.0
/*
 * gang_scx - strata_gang's sched_ext scheduler: start a gang's members
 * on their CPUs together
 *
 * strata_gang (kmod/gang/scx.c) does the gang scheduling: it decides which
 * gang runs, gives each member of a running STRATA_GANG_COSCHED gang a CPU
 * of its pool, pins it there and, while this scheduler is attached, makes
 * it SCHED_EXT.  Nothing else is SCHED_EXT unless someone sets it (the
 * scheduler only switches SCHED_EXT tasks: SCX_OPS_SWITCH_PARTIAL), so
 * this scheduler has two kinds of tasks:
 *
 *  - placed members: bpf_strata_gang_scx_task_cpu() names the CPU a task
 *    owns right now.  Such a task goes to that CPU's local DSQ, preempting
 *    whatever sched_ext task runs there.  To start the members of a slice
 *    together, the first enqueue that finds a slice newer than the last
 *    one kicked (CPUs of one slice share a token, tokens only grow) kicks
 *    every other CPU of that slice with SCX_KICK_PREEMPT, so that what runs
 *    there, e.g. the previous slice's member, makes way at once.  A
 *    compare-and-swap on the last kicked token picks the one kicker.  An
 *    enqueue that finds no other CPU of its slice yet (the module places
 *    the members one after the other) leaves the kick to a later one.
 *
 *  - everything else: the idle CPU scx_bpf_select_cpu_dfl() finds at
 *    wakeup, or else one shared fallback DSQ that every CPU consumes when
 *    it has nothing else to do.
 *
 * Nothing is ever held: a placed member is queued on its CPU at once and
 * the fallback DSQ is consumed by every CPU, so the sched_ext watchdog
 * (timeout_ms, set by the loader) has nothing to find.
 *
 * ops.init announces the scheduler to the module last
 * (bpf_strata_gang_scx_attach()), and ops.exit, which sched_ext calls
 * however the scheduler ends (unloaded, an error, the watchdog, CPU
 * hotplug), takes it back; the module then moves the running members
 * back to pinning plus SCHED_FIFO.
 *
 * For the selftests only, two .bss flags inject faults: inject_error
 * fails the scheduler with scx_bpf_error() at the next callback;
 * inject_stall holds placed members in a DSQ that nothing consumes, so
 * that the watchdog ejects the scheduler.
 */
#include <scx/common.bpf.h>

#include "gang_scx.h"

char _license[] SEC("license") = "GPL";

/* strata_gang's kfuncs for sched_ext schedulers (kmod/gang/scx.c). */
extern int bpf_strata_gang_scx_attach(void) __ksym;
extern void bpf_strata_gang_scx_detach(void) __ksym;
extern s32 bpf_strata_gang_scx_task_cpu(struct task_struct *p) __ksym;
extern u64 bpf_strata_gang_scx_cpu_token(s32 cpu) __ksym;

/* The scheduler's own DSQs. */
enum {
	GANG_SCX_DSQ_FALLBACK,	/* everything but placed members */
	GANG_SCX_DSQ_STALL,	/* inject_stall's members: never consumed */
};

/* How many times co_start() retries its compare-and-swap. */
#define GANG_SCX_CLAIM_TRIES	4

/* The slice of a placed member (loader: -s). */
const volatile u64 member_slice_ns = SCX_SLICE_DFL;

/* Counters, enum gang_scx_stat. */
u64 stats[GANG_SCX_NR_STATS];
/* True between a successful bpf_strata_gang_scx_attach() and ops.exit. */
bool attached;
/* The newest slice whose CPUs were kicked. */
u64 kicked_token;
/* Fault injection, for the selftests. */
u32 inject_error;
u32 inject_stall;

UEI_DEFINE(uei);

static __always_inline void stat_inc(enum gang_scx_stat idx)
{
	__sync_fetch_and_add(&stats[idx], 1);
}

static __always_inline void check_inject_error(void)
{
	if (READ_ONCE(inject_error))
		scx_bpf_error("error injected by a test");
}

/* Make @token the last kicked slice unless one as new already is. */
static bool claim_token(u64 token)
{
	u64 last = READ_ONCE(kicked_token), seen;
	int i;

	for (i = 0; i < GANG_SCX_CLAIM_TRIES && last < token; i++) {
		seen = __sync_val_compare_and_swap(&kicked_token, last, token);
		if (seen == last)
			return true;
		last = seen;
	}
	return false;
}

/*
 * A member of the slice that owns @cpu is being queued there: kick the
 * slice's other CPUs, once per slice.
 */
static void co_start(s32 cpu)
{
	u64 token = bpf_strata_gang_scx_cpu_token(cpu);
	bool claimed = false;
	s32 i;

	if (!token || token <= READ_ONCE(kicked_token))
		return;
	bpf_for(i, 0, scx_bpf_nr_cpu_ids()) {
		if (i == cpu || bpf_strata_gang_scx_cpu_token(i) != token)
			continue;
		if (!claimed) {
			if (!claim_token(token))
				return;
			claimed = true;
		}
		scx_bpf_kick_cpu(i, SCX_KICK_PREEMPT);
		stat_inc(GANG_SCX_STAT_COSTART_KICKS);
	}
}

/**
 * gang_scx_select_cpu - where a waking task goes
 * @p: the task
 * @prev_cpu: where it ran last
 * @wake_flags: SCX_WAKE_*
 *
 * A placed member goes to its CPU (sched_ext asks only for tasks that may
 * run on several CPUs, so hardly ever); anything else to an idle CPU,
 * straight onto its local DSQ, when there is one.
 *
 * Return: the CPU.
 */
s32 BPF_STRUCT_OPS(gang_scx_select_cpu, struct task_struct *p, s32 prev_cpu,
		   u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	check_inject_error();
	cpu = bpf_strata_gang_scx_task_cpu(p);
	if (cpu >= 0)
		return cpu;
	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle) {
		scx_bpf_dispatch(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
		stat_inc(GANG_SCX_STAT_DIRECT_DISPATCHES);
	}
	return cpu;
}

/**
 * gang_scx_enqueue - queue a runnable task
 * @p: the task
 * @enq_flags: SCX_ENQ_*
 *
 * A placed member goes to the local DSQ of its CPU, preempting what runs
 * there, and may kick the other CPUs of its slice; only to a CPU it may
 * run on, since sched_ext ejects a scheduler that dispatches a task to a
 * CPU outside p->cpus_ptr.  Anything else goes to the fallback DSQ.
 */
void BPF_STRUCT_OPS(gang_scx_enqueue, struct task_struct *p, u64 enq_flags)
{
	s32 cpu;

	check_inject_error();
	cpu = bpf_strata_gang_scx_task_cpu(p);
	if (cpu >= 0 && bpf_cpumask_test_cpu(cpu, p->cpus_ptr)) {
		if (READ_ONCE(inject_stall)) {
			scx_bpf_dispatch(p, GANG_SCX_DSQ_STALL, member_slice_ns,
					 enq_flags);
			stat_inc(GANG_SCX_STAT_STALLED);
			return;
		}
		scx_bpf_dispatch(p, SCX_DSQ_LOCAL_ON | cpu, member_slice_ns,
				 enq_flags | SCX_ENQ_PREEMPT);
		stat_inc(GANG_SCX_STAT_MEMBER_DISPATCHES);
		co_start(cpu);
		return;
	}
	scx_bpf_dispatch(p, GANG_SCX_DSQ_FALLBACK, SCX_SLICE_DFL, enq_flags);
	stat_inc(GANG_SCX_STAT_FALLBACK_ENQUEUES);
}

/**
 * gang_scx_dispatch - a CPU has nothing to run
 * @cpu: the CPU
 * @prev: the task that ran there, or NULL
 *
 * Take a task from the fallback DSQ; placed members are on the local
 * DSQs already.
 */
void BPF_STRUCT_OPS(gang_scx_dispatch, s32 cpu, struct task_struct *prev)
{
	check_inject_error();
	scx_bpf_consume(GANG_SCX_DSQ_FALLBACK);
}

/**
 * gang_scx_init - create the DSQs, then tell strata_gang
 *
 * Return: 0, or a negative errno that fails the scheduler's load: -EBUSY
 * when another scheduler is attached to strata_gang.
 */
s32 BPF_STRUCT_OPS_SLEEPABLE(gang_scx_init)
{
	s32 err;

	err = scx_bpf_create_dsq(GANG_SCX_DSQ_FALLBACK, -1);
	if (err)
		return err;
	err = scx_bpf_create_dsq(GANG_SCX_DSQ_STALL, -1);
	if (err)
		return err;
	err = bpf_strata_gang_scx_attach();
	if (err)
		return err;
	attached = true;
	return 0;
}

/**
 * gang_scx_exit - the scheduler ends, whatever the reason
 * @ei: why
 *
 * Called also after a failed ops.init: only an attached scheduler
 * detaches, not one that found another in its place.
 */
void BPF_STRUCT_OPS(gang_scx_exit, struct scx_exit_info *ei)
{
	if (attached) {
		bpf_strata_gang_scx_detach();
		attached = false;
	}
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(gang_scx_ops,
	       .select_cpu	= (void *)gang_scx_select_cpu,
	       .enqueue		= (void *)gang_scx_enqueue,
	       .dispatch	= (void *)gang_scx_dispatch,
	       .init		= (void *)gang_scx_init,
	       .exit		= (void *)gang_scx_exit,
	       .flags		= SCX_OPS_SWITCH_PARTIAL,
	       .name		= "strata_gang");

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang - the sched_ext co-scheduling path
 *
 * On a kernel with CONFIG_SCHED_CLASS_EXT a BPF scheduler (bpf/scx/
 * gang_scx.bpf.c) can start a gang's members on their CPUs together and
 * take them off together, which pinning and a SCHED_FIFO boost cannot.
 * The scheduler announces itself from its ops.init with
 * bpf_strata_gang_scx_attach() and leaves from its ops.exit with
 * bpf_strata_gang_scx_detach(); sched_ext calls ops.exit however the
 * scheduler ends (unloaded, an error, the watchdog, CPU hotplug).  While
 * one is attached ("scx mode"), a running STRATA_GANG_COSCHED gang's
 * members are pinned to their CPUs as before but set to SCHED_EXT instead
 * of SCHED_FIFO, and each pool CPU records the member that owns it, which
 * the scheduler reads with two lockless kfuncs.  A preempted gang's
 * members stay SCHED_EXT, unpinned and owning no CPU, so that one still
 * finishing its step runs after the running members rather than before
 * them (the fair class ranks above sched_ext); they park in STEP soon,
 * and the gang's next slice comes within starve_ms.
 *
 * Attach and detach only flip a flag: the running gangs' members are
 * switched between the two mechanisms by gang_worker, outside sched_ext's
 * enable and disable paths.
 *
 * On a kernel without sched_ext nothing here is registered and the mode
 * is always the stock one.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/percpu.h>
#include <uapi/linux/sched.h>

#include "gang.h"

/* The member that owns a pool CPU in scx mode, and its slice's token. */
struct gang_scx_cpu {
	struct task_struct *task;
	u64 token;
};

static DEFINE_PER_CPU(struct gang_scx_cpu, gang_scx_cpus);
static bool gang_scx_on;
static atomic64_t gang_scx_tokens = ATOMIC64_INIT(0);
static struct gang_scx_counters gang_scx_stat;
static DEFINE_SPINLOCK(gang_scx_stat_lock);
static struct kthread_work gang_scx_work;

/**
 * gang_scx_active() - is a sched_ext scheduler attached?
 *
 * Return: true in scx mode.
 */
bool gang_scx_active(void)
{
	return READ_ONCE(gang_scx_on);
}

/**
 * gang_scx_counters() - attaches and detaches since load
 * @c: filled in
 */
void gang_scx_counters(struct gang_scx_counters *c)
{
	spin_lock(&gang_scx_stat_lock);
	*c = gang_scx_stat;
	spin_unlock(&gang_scx_stat_lock);
}

/**
 * gang_scx_new_token() - a token for a slice that starts
 *
 * Tokens are never zero and never repeat, so the scheduler can tell one
 * slice of the CPUs it reads from the next, even of the same gang.
 *
 * Return: the token.
 */
u64 gang_scx_new_token(void)
{
	return atomic64_inc_return(&gang_scx_tokens);
}

/**
 * gang_scx_place() - publish @m as the owner of its CPU
 * @m: a member of a running gang, pinned to m->cpu, under gang_lock
 * @token: the slice's token
 *
 * Done before the member becomes SCHED_EXT, so that the enqueue this
 * causes already finds it.
 */
void gang_scx_place(struct gang_member *m, u64 token)
{
	struct gang_scx_cpu *c = per_cpu_ptr(&gang_scx_cpus, m->cpu);

	WRITE_ONCE(c->token, token);
	smp_wmb();	/* the token before the task that makes it valid */
	WRITE_ONCE(c->task, m->task);
	m->placed = true;
	/* m->cpu goes back to -1 when the gang gives its CPUs back */
	m->placed_cpu = m->cpu;
}

/**
 * gang_scx_unplace() - @m no longer owns its CPU
 * @m: the member, under gang_lock
 *
 * Done before the member's policy is given back, so that the enqueue
 * this causes sends it to the shared queue.
 */
void gang_scx_unplace(struct gang_member *m)
{
	struct gang_scx_cpu *c;

	if (!m->placed)
		return;
	c = per_cpu_ptr(&gang_scx_cpus, m->placed_cpu);
	if (READ_ONCE(c->task) == m->task)
		WRITE_ONCE(c->task, NULL);
	m->placed = false;
}

/* Switch the running gangs' members to the mechanism of the mode now. */
static void gang_scx_switch(struct kthread_work *work)
{
	struct gang *g;
	u32 i;

	rt_mutex_lock(&gang_lock);
	list_for_each_entry(g, &gang_all, node) {
		if (!(g->flags & STRATA_GANG_COSCHED))
			continue;
		for (i = 0; i < g->joined; i++) {
			struct gang_member *m = &g->members[i];

			if (m->state != GANG_MEMBER_JOINED)
				continue;
			/* also a preempted gang's members kept SCHED_EXT */
			gang_member_restore(m);
			if (g->state == STRATA_GANG_RUNNING)
				gang_member_boost(m, g->scx_token);
		}
	}
	rt_mutex_unlock(&gang_lock);
}

#ifdef CONFIG_SCHED_CLASS_EXT

__bpf_kfunc_start_defs();

/**
 * bpf_strata_gang_scx_attach() - a sched_ext scheduler takes over
 *
 * For the scheduler's ops.init.  The running gangs' members move to
 * SCHED_EXT shortly after.
 *
 * Return: 0, or -EBUSY while another scheduler is attached.
 */
__bpf_kfunc int bpf_strata_gang_scx_attach(void)
{
	int ret = 0;

	spin_lock(&gang_scx_stat_lock);
	if (gang_scx_on) {
		ret = -EBUSY;
	} else {
		WRITE_ONCE(gang_scx_on, true);
		gang_scx_stat.attaches++;
	}
	spin_unlock(&gang_scx_stat_lock);
	if (!ret) {
		pr_info("sched_ext scheduler attached: scx mode\n");
		kthread_queue_work(gang_worker, &gang_scx_work);
	}
	return ret;
}

/**
 * bpf_strata_gang_scx_detach() - the sched_ext scheduler goes away
 *
 * For the scheduler's ops.exit, whatever its reason.  sched_ext has put
 * every SCHED_EXT task back in the fair class by then; the running gangs'
 * members get their SCHED_FIFO boost back shortly after.
 */
__bpf_kfunc void bpf_strata_gang_scx_detach(void)
{
	bool was;

	spin_lock(&gang_scx_stat_lock);
	was = gang_scx_on;
	if (was) {
		WRITE_ONCE(gang_scx_on, false);
		gang_scx_stat.detaches++;
	}
	spin_unlock(&gang_scx_stat_lock);
	if (was) {
		pr_info("sched_ext scheduler detached: stock mode\n");
		kthread_queue_work(gang_worker, &gang_scx_work);
	}
}

/**
 * bpf_strata_gang_scx_task_cpu() - the CPU a task must run on now
 * @p: any task
 *
 * Lockless: callable from every sched_ext callback.
 *
 * Return: the pool CPU of @p when it is a member of a running co-scheduled
 * gang and owns that CPU in scx mode; -1 otherwise.
 */
__bpf_kfunc s32 bpf_strata_gang_scx_task_cpu(struct task_struct *p)
{
	int cpu;

	if (p->nr_cpus_allowed != 1)
		return -1;
	cpu = cpumask_first(p->cpus_ptr);
	if (cpu >= nr_cpu_ids)
		return -1;
	if (READ_ONCE(per_cpu_ptr(&gang_scx_cpus, cpu)->task) != p)
		return -1;
	return cpu;
}

/**
 * bpf_strata_gang_scx_cpu_token() - the slice that owns a CPU now
 * @cpu: a CPU
 *
 * Lockless: callable from every sched_ext callback.  The CPUs of one
 * slice share its token, which no other slice ever has.
 *
 * Return: the token, or 0 when no running member owns @cpu.
 */
__bpf_kfunc u64 bpf_strata_gang_scx_cpu_token(s32 cpu)
{
	struct gang_scx_cpu *c;

	if (cpu < 0 || cpu >= nr_cpu_ids)
		return 0;
	c = per_cpu_ptr(&gang_scx_cpus, cpu);
	if (!READ_ONCE(c->task))
		return 0;
	smp_rmb();	/* pairs with gang_scx_place() */
	return READ_ONCE(c->token);
}

__bpf_kfunc_end_defs();

#endif /* CONFIG_SCHED_CLASS_EXT */

/**
 * gang_scx_init() - set up the mode switch
 *
 * The kfuncs above are registered with strata_gang_ops' (policy.c): a
 * module has one kfunc set per program type.  A scheduler that calls them
 * holds a reference to this module, so the module cannot go while one is
 * attached.
 */
void gang_scx_init(void)
{
	kthread_init_work(&gang_scx_work, gang_scx_switch);
}

/**
 * gang_scx_exit() - nothing may be queued once gang_worker goes
 */
void gang_scx_exit(void)
{
	kthread_cancel_work_sync(&gang_scx_work);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang - co-scheduling on a stock kernel: pinning, boost, stop
 *
 * Without sched_ext a module cannot start threads on several CPUs at the
 * same instant, but it can make sure nothing stands in their way: while a
 * STRATA_GANG_COSCHED gang runs, member i is pinned to the pool CPU the
 * scheduler gave it and runs SCHED_FIFO at the lowest RT priority, so it
 * preempts ordinary threads on that CPU as soon as it is woken.  When the
 * gang stops running, each member gets its own affinity and policy back.
 * A member is only pinned to a CPU its own affinity (and cpuset) allows,
 * a deadline task is left alone, and a real-time one keeps its priority.
 *
 * In scx mode (scx.c) the member becomes SCHED_EXT instead, and its CPU
 * records it as owner, so that the sched_ext scheduler starts it there;
 * when the gang is preempted it keeps SCHED_EXT, unpinned and owning no
 * CPU, until the gang runs again or ends.
 *
 * Members of a STRATA_GANG_STOP gang that have not parked in STEP within
 * park_grace_ms of a preemption are stopped with SIGSTOP (their whole
 * process, as the job-control stop of a shell would) and continued with
 * SIGCONT when the gang runs again or ends.
 */

#include <linux/sched/signal.h>
#include <linux/sched/types.h>
#include <uapi/linux/sched/types.h>
#include <uapi/linux/sched.h>

#include "gang.h"
#include "trace.h"

/**
 * gang_member_boost() - pin a member to its CPU and raise its policy
 * @m: the member of a running gang, alive, under gang_lock
 * @token: its slice's token (scx.c)
 *
 * In scx mode the member is published as its CPU's owner before it is
 * pinned, so that the enqueue pinning causes already places it; a member
 * still SCHED_EXT from its last slice (gang_member_unpin()) only needs
 * that.
 */
void gang_member_boost(struct gang_member *m, u64 token)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = SCHED_FIFO,
		.sched_priority = 1,
		/* What it forks while boosted must not inherit the boost. */
		.sched_flags = SCHED_FLAG_RESET_ON_FORK,
	};
	struct task_struct *p = m->task;
	bool rt = p->policy == SCHED_FIFO || p->policy == SCHED_RR;
	bool ext;

	/*
	 * Not a deadline task (pinning one would break its admission
	 * control), and only onto a CPU its own affinity, and so its
	 * cpuset, allows.
	 */
	if (m->pinned || m->cpu < 0 || p->policy == SCHED_DEADLINE ||
	    !cpumask_test_cpu(m->cpu, &p->cpus_mask))
		return;
	/* A real-time member keeps its own, higher, priority. */
	ext = gang_scx_active() && (m->boosted || !rt);
	cpumask_copy(m->saved_mask, &p->cpus_mask);
	if (ext)
		gang_scx_place(m, token);
	if (set_cpus_allowed_ptr(p, cpumask_of(m->cpu))) {
		gang_scx_unplace(m);
		return;
	}
	m->pinned = true;
	if (m->boosted || rt)
		return;
	m->saved_policy = p->policy;
	m->saved_nice = task_nice(p);
	m->saved_reset_on_fork = p->sched_reset_on_fork;
	if (ext) {
		attr.sched_policy = SCHED_EXT;
		attr.sched_priority = 0;
		attr.sched_nice = m->saved_nice;
	}
	if (!sched_setattr_nocheck(p, &attr))
		m->boosted = true;
	else
		gang_scx_unplace(m);
}

/**
 * gang_member_unpin() - a preempted member gives its CPU back, in scx mode
 * @m: the member, alive, SCHED_EXT by strata, under gang_lock
 *
 * It stays SCHED_EXT but owns no CPU: the scheduler runs it from its
 * shared queue, after every running member, until it parks in STEP.
 * Given back its own policy, it would be a fair-class thread, which
 * ranks above every SCHED_EXT one: a member still finishing its step
 * would keep the running gang's member off their common CPU.
 */
static void gang_member_unpin(struct gang_member *m)
{
	gang_scx_unplace(m);
	if (m->pinned) {
		set_cpus_allowed_ptr(m->task, m->saved_mask);
		m->pinned = false;
	}
}

/**
 * gang_member_restore() - give a member its own affinity and policy back
 * @m: the member, alive, under gang_lock
 */
void gang_member_restore(struct gang_member *m)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
	};
	struct task_struct *p = m->task;

	gang_scx_unplace(m);
	if (m->boosted) {
		attr.sched_policy = m->saved_policy;
		attr.sched_nice = m->saved_nice;
		if (m->saved_reset_on_fork)
			attr.sched_flags = SCHED_FLAG_RESET_ON_FORK;
		sched_setattr_nocheck(p, &attr);
		m->boosted = false;
	}
	if (m->pinned) {
		set_cpus_allowed_ptr(p, m->saved_mask);
		m->pinned = false;
	}
}

/* Signal the member's process; its pid may be going away meanwhile. */
static void gang_member_kill(struct gang_member *m, int sig)
{
	rcu_read_lock();
	kill_pid(task_tgid(m->task), sig, 1);
	rcu_read_unlock();
}

/**
 * gang_member_continue() - undo strata's SIGSTOP of a member's process
 * @m: the member, under gang_lock
 */
void gang_member_continue(struct gang_member *m)
{
	if (!m->stopped)
		return;
	m->stopped = false;
	gang_member_kill(m, SIGCONT);
}

/**
 * gang_cosched_start() - the gang starts a slice: pin, boost, continue
 * @g: the gang, under gang_lock, its members' CPUs assigned
 */
void gang_cosched_start(struct gang *g)
{
	u32 i;

	g->scx_token = gang_scx_new_token();
	for (i = 0; i < g->joined; i++) {
		struct gang_member *m = &g->members[i];

		if (m->state != GANG_MEMBER_JOINED)
			continue;
		gang_member_boost(m, g->scx_token);
		gang_member_continue(m);
	}
}

/**
 * gang_cosched_stop() - the gang stops running
 * @g: the gang, under gang_lock
 * @preempted: it will run again; else it ended
 */
void gang_cosched_stop(struct gang *g, bool preempted)
{
	u32 i;

	for (i = 0; i < g->joined; i++) {
		struct gang_member *m = &g->members[i];

		if (m->state != GANG_MEMBER_JOINED)
			continue;
		if (preempted && m->boosted && m->task->policy == SCHED_EXT)
			gang_member_unpin(m);
		else
			gang_member_restore(m);
		if (!preempted)
			gang_member_continue(m);
	}
	if (preempted && (g->flags & STRATA_GANG_STOP))
		gang_sched_queue_grace(g);
}

/**
 * gang_grace_work() - stop the members that did not park in time
 * @work: the gang's grace_work
 */
void gang_grace_work(struct kthread_work *work)
{
	struct gang *g = container_of(work, struct gang, grace_work.work);
	u32 i;

	rt_mutex_lock(&gang_lock);
	/* Not if the gang has run again since (or ended). */
	if (g->state != STRATA_GANG_QUEUED || g->slice != g->grace_slice)
		i = g->joined;
	else
		i = 0;
	for (; i < g->joined; i++) {
		struct gang_member *m = &g->members[i];

		if (m->state != GANG_MEMBER_JOINED || m->parked || m->stopped)
			continue;
		m->stopped = true;
		gang_member_kill(m, SIGSTOP);
	}
	rt_mutex_unlock(&gang_lock);
}

/**
 * gang_skew_check() - record the slice's co-start skew once all started
 * @g: the gang, running, under gang_lock
 *
 * Also called when a member leaves or dies: the others may all have
 * started then.
 */
void gang_skew_check(struct gang *g)
{
	if (g->state != STRATA_GANG_RUNNING || !g->started ||
	    g->started < g->alive || g->skew_slice == g->slice)
		return;
	g->skew_slice = g->slice;
	g->last_skew_ns = g->last_start_ns - g->first_start_ns;
	g->max_skew_ns = max(g->max_skew_ns, g->last_skew_ns);
	trace_strata_gang_slice_start(g->obj.koid, g->slice, g->started,
				      g->last_skew_ns);
}

/**
 * gang_note_start() - a member saw its gang's slice start
 * @g: the gang, running, under gang_lock
 * @m: the member, returning from STEP
 *
 * The co-start skew of a slice is the time between the first and the last
 * member's first return from STEP in it.
 */
void gang_note_start(struct gang *g, struct gang_member *m)
{
	u64 now;

	if (m->started_slice == g->slice)
		return;
	now = ktime_get_ns();
	m->started_slice = g->slice;
	if (!g->started)
		g->first_start_ns = now;
	g->last_start_ns = now;
	g->started++;
	gang_skew_check(g);
}

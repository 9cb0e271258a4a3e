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

static void gang_member_boost(struct gang_member *m)
{
	struct task_struct *p = m->task;

	if (m->boosted || m->cpu < 0)
		return;
	/* A deadline task keeps its class: only pin it. */
	m->saved_policy = p->policy;
	m->saved_prio = p->rt_priority;
	m->saved_nice = task_nice(p);
	cpumask_copy(m->saved_mask, p->cpus_ptr);
	if (set_cpus_allowed_ptr(p, cpumask_of(m->cpu)))
		return;
	if (p->policy != SCHED_DEADLINE)
		sched_set_fifo_low(p);
	m->boosted = true;
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

	if (!m->boosted)
		return;
	m->boosted = false;
	if (p->policy != SCHED_DEADLINE) {
		attr.sched_policy = m->saved_policy;
		attr.sched_priority = m->saved_prio;
		attr.sched_nice = m->saved_nice;
		sched_setattr_nocheck(p, &attr);
	}
	set_cpus_allowed_ptr(p, m->saved_mask);
}

static void gang_member_continue(struct gang_member *m)
{
	if (!m->stopped)
		return;
	m->stopped = false;
	kill_pid(task_tgid(m->task), SIGCONT, 1);
}

/**
 * gang_cosched_start() - the gang starts a slice: pin, boost, continue
 * @g: the gang, under gang_lock, its members' CPUs assigned
 */
void gang_cosched_start(struct gang *g)
{
	u32 i;

	for (i = 0; i < g->joined; i++) {
		struct gang_member *m = &g->members[i];

		if (m->state != GANG_MEMBER_JOINED)
			continue;
		gang_member_boost(m);
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

	mutex_lock(&gang_lock);
	/* Not if the gang has run again since (or ended). */
	for (i = 0; g->state == STRATA_GANG_QUEUED &&
		    g->slice == g->grace_slice && i < g->joined; i++) {
		struct gang_member *m = &g->members[i];

		if (m->state != GANG_MEMBER_JOINED || m->parked || m->stopped)
			continue;
		m->stopped = true;
		kill_pid(task_tgid(m->task), SIGSTOP, 1);
	}
	mutex_unlock(&gang_lock);
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
	if (++g->started < g->alive)
		return;
	g->last_skew_ns = g->last_start_ns - g->first_start_ns;
	g->max_skew_ns = max(g->max_skew_ns, g->last_skew_ns);
	trace_strata_gang_slice_start(g->obj.koid, g->slice, g->alive,
				      g->last_skew_ns);
}

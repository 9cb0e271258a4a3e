// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang - member death: the sched_process_exit tracepoint
 *
 * The kernel exports no task-exit notifier to modules, but its
 * tracepoints can be attached to by any module through the tracepoint API
 * (for_each_kernel_tracepoint() + tracepoint_probe_register()), the way
 * tracers built as modules do.  sched_process_exit fires early in
 * do_exit() of every thread.  The probe runs with preemption off, so it
 * only marks the member and queues work on the scheduler's worker, which
 * applies the gang's exit action under gang_lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/rculist.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "gang.h"

static DEFINE_HASHTABLE(gang_member_hash, 8);
static struct tracepoint *gang_exit_tp;
static struct kthread_work gang_exit_work;

static u32 gang_task_hash(const struct task_struct *task)
{
	return hash_ptr(task, HASH_BITS(gang_member_hash));
}

void gang_member_hash_add(struct gang_member *m)
{
	lockdep_assert_held(&gang_lock);
	hlist_add_head_rcu(&m->hnode,
			   &gang_member_hash[gang_task_hash(m->task)]);
}

void gang_member_hash_del(struct gang_member *m)
{
	lockdep_assert_held(&gang_lock);
	hlist_del_rcu(&m->hnode);
}

/**
 * gang_member_of() - the live member slot of @task, if any
 * @task: a thread
 *
 * Return: the slot, or NULL.  Under gang_lock (or RCU, for a peek).
 */
struct gang_member *gang_member_of(struct task_struct *task)
{
	struct gang_member *m;

	hlist_for_each_entry_rcu(m, &gang_member_hash[gang_task_hash(task)],
				 hnode, lockdep_is_held(&gang_lock))
		if (m->task == task)
			return m;
	return NULL;
}

static void gang_exit_probe(void *data, struct task_struct *task)
{
	struct gang_member *m;

	rcu_read_lock();
	m = gang_member_of(task);
	if (m) {
		WRITE_ONCE(m->exiting, true);
		kthread_queue_work(gang_worker, &gang_exit_work);
	}
	rcu_read_unlock();
}

/* The first member marked exiting, under gang_lock. */
static struct gang_member *gang_find_exiting(void)
{
	struct gang_member *m;
	unsigned int bkt;

	hash_for_each(gang_member_hash, bkt, m, hnode)
		if (READ_ONCE(m->exiting))
			return m;
	return NULL;
}

static void gang_exit_fn(struct kthread_work *work)
{
	for (;;) {
		struct gang_member *m;
		struct gang *g;

		rt_mutex_lock(&gang_lock);
		m = gang_find_exiting();
		if (!m) {
			rt_mutex_unlock(&gang_lock);
			break;
		}
		g = m->gang;
		gang_member_died(m);
		rt_mutex_unlock(&gang_lock);
		strata_object_put(&g->obj);	/* the member's */
	}
}

static void gang_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		gang_exit_tp = tp;
}

int gang_exit_init(void)
{
	kthread_init_work(&gang_exit_work, gang_exit_fn);
	for_each_kernel_tracepoint(gang_find_tp, NULL);
	if (!gang_exit_tp)
		return -ENOENT;
	return tracepoint_probe_register(gang_exit_tp, gang_exit_probe, NULL);
}

/*
 * No member is left when the module goes (each holds a reference to the
 * module through its gang), so no exit work can be pending for one.
 */
void gang_exit_exit(void)
{
	tracepoint_probe_unregister(gang_exit_tp, gang_exit_probe, NULL);
	tracepoint_synchronize_unregister();
	kthread_flush_work(&gang_exit_work);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang - gangs: the strata_cap object, its members and their calls
 *
 * A gang is created FORMING; each JOIN adds the calling thread as a
 * member; the last JOIN queues it for the scheduler (sched.c).  Members
 * end by LEAVE or by dying (exit.c); the gang ends when none is left.
 * Everything here runs under gang_lock, except the blocking part of STEP.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/kref.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "gang.h"
#include "trace.h"

static void gang_free_rcu(struct rcu_head *rcu)
{
	struct gang *g = container_of(rcu, struct gang, rcu);
	u32 i;

	for (i = 0; i < g->nr_members; i++)
		free_cpumask_var(g->members[i].saved_mask);
	kfree(g->members);
	free_cpumask_var(g->cpu_mask);
	kfree(g);
}

/*
 * The last reference is gone: no member, no handle, no scheduler list
 * holds the gang.  The exit tracepoint may still be looking at a member
 * slot under RCU, hence the grace period before the memory goes.
 */
static void gang_destroy(struct strata_object *obj)
{
	struct gang *g = to_gang(obj);

	rt_mutex_lock(&gang_lock);
	list_del(&g->node);
	rt_mutex_unlock(&gang_lock);
	kthread_cancel_delayed_work_sync(&g->grace_work);
	call_rcu(&g->rcu, gang_free_rcu);
}

/*
 * Nobody can join a gang that no handle names: one still forming can
 * never form.  May run under cap's locks, so the scheduler does the work.
 */
static void gang_zero_handles(struct strata_object *obj)
{
	WRITE_ONCE(to_gang(obj)->no_handles, true);
	gang_sched_kick();
}

static const struct strata_object_type gang_type = {
	.type = STRATA_OBJ_GANG,
	.name = "gang",
	.destroy = gang_destroy,
	.on_zero_handles = gang_zero_handles,
	.owner = THIS_MODULE,
};

static int gang_check_create(const struct strata_gang_create *a)
{
	if (a->handle || a->koid || a->reserved[0] || a->reserved[1])
		return -EINVAL;
	if (!a->nr_members || a->nr_members > STRATA_GANG_MAX_MEMBERS ||
	    !a->gpus_per_member ||
	    a->gpus_per_member > STRATA_GANG_MAX_GPUS_PER_MEMBER ||
	    a->priority > STRATA_GANG_MAX_PRIORITY ||
	    a->slice_ms > STRATA_GANG_MAX_SLICE_MS ||
	    a->on_member_exit > STRATA_GANG_EXIT_SHRINK ||
	    (a->flags & ~STRATA_GANG_CREATE_FLAGS) ||
	    a->runtime_hint_ms > STRATA_GANG_MAX_HINT_MS)
		return -EINVAL;
	if (!memchr(a->name, '\0', sizeof(a->name)))
		return -EINVAL;
	if (!gang_nr_gpus)
		return -ENODEV;
	if (a->nr_members * a->gpus_per_member > gang_nr_gpus)
		return -E2BIG;
	if ((a->flags & STRATA_GANG_COSCHED) &&
	    a->nr_members > cpumask_weight(gang_cpu_pool))
		return -E2BIG;
	if (a->priority && !capable(CAP_SYS_NICE))
		return -EPERM;
	if ((a->flags & STRATA_GANG_COSCHED) && !capable(CAP_SYS_NICE) &&
	    !READ_ONCE(gang_unpriv_cosched))
		return -EPERM;
	return 0;
}

/* Live gangs of the caller's user, under gang_lock. */
static unsigned int gang_count_user(kuid_t uid)
{
	unsigned int n = 0;
	struct gang *g;

	list_for_each_entry(g, &gang_all, node)
		if (uid_eq(g->uid, uid) && g->state != STRATA_GANG_DONE &&
		    g->state != STRATA_GANG_ABORTED)
			n++;
	return n;
}

/**
 * gang_create() - a new gang, FORMING
 * @args: the caller's parameters, copied in
 *
 * Return: the gang with its creation reference, or an ERR_PTR: -EINVAL,
 * -E2BIG, -ENODEV, -EPERM, -EDQUOT (user_max_gangs or strata_cap's object
 * quota), -ENOMEM.
 */
struct gang *gang_create(const struct strata_gang_create *args)
{
	struct gang *g;
	int err;
	u32 i;

	err = gang_check_create(args);
	if (err)
		return ERR_PTR(err);
	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		return ERR_PTR(-ENOMEM);
	g->nr_members = args->nr_members;
	g->members = kcalloc(args->nr_members, sizeof(*g->members),
			     GFP_KERNEL_ACCOUNT);
	if (!g->members)
		goto out_nomem_early;
	if (!zalloc_cpumask_var(&g->cpu_mask, GFP_KERNEL_ACCOUNT))
		goto out_nomem;
	for (i = 0; i < args->nr_members; i++) {
		if (!zalloc_cpumask_var(&g->members[i].saved_mask,
					GFP_KERNEL_ACCOUNT))
			goto out_nomem;
		g->members[i].gang = g;
		g->members[i].index = i;
		g->members[i].cpu = -1;
	}
	g->state = STRATA_GANG_FORMING;
	g->uid = current_uid();
	g->gpus_per_member = args->gpus_per_member;
	g->priority = args->priority;
	g->slice_ms = args->slice_ms;
	g->on_member_exit = args->on_member_exit;
	g->flags = args->flags;
	g->runtime_hint_ns = args->runtime_hint_ms * NSEC_PER_MSEC;
	strscpy(g->name, args->name, sizeof(g->name));
	g->created_ns = ktime_get_ns();
	INIT_LIST_HEAD(&g->qnode);
	init_waitqueue_head(&g->step_wq);
	kthread_init_delayed_work(&g->grace_work, gang_grace_work);

	rt_mutex_lock(&gang_lock);
	/* Again under the lock: the pool may have changed meanwhile. */
	if ((g->flags & STRATA_GANG_COSCHED) &&
	    g->nr_members > cpumask_weight(gang_cpu_pool)) {
		rt_mutex_unlock(&gang_lock);
		err = -E2BIG;
		goto out_free;
	}
	if (!capable(CAP_SYS_ADMIN) &&
	    gang_count_user(g->uid) >= READ_ONCE(gang_user_max_gangs)) {
		rt_mutex_unlock(&gang_lock);
		err = -EDQUOT;
		goto out_free;
	}
	err = strata_object_init(&g->obj, &gang_type);
	if (err) {
		rt_mutex_unlock(&gang_lock);
		goto out_free;
	}
	list_add_tail(&g->node, &gang_all);
	rt_mutex_unlock(&gang_lock);
	return g;

out_nomem_early:
	kfree(g);
	return ERR_PTR(-ENOMEM);
out_nomem:
	err = -ENOMEM;
out_free:
	gang_free_rcu(&g->rcu);
	return ERR_PTR(err);
}

/**
 * gang_get() - the gang a handle of the caller names
 * @table_fd: the caller's handle table
 * @handle: the handle value
 * @rights: rights the call needs
 *
 * Return: the gang with a reference (strata_object_put()), or an ERR_PTR
 * as strata_handle_object() gives.
 */
struct gang *gang_get(int table_fd, u32 handle, u32 rights)
{
	struct strata_object *obj;

	obj = strata_handle_object(table_fd, handle, STRATA_OBJ_GANG, rights);
	return IS_ERR(obj) ? ERR_CAST(obj) : to_gang(obj);
}

static bool gang_ended(const struct gang *g)
{
	return g->state == STRATA_GANG_DONE || g->state == STRATA_GANG_ABORTED;
}

/**
 * gang_current_member() - the caller's live member slot in @g
 * @g: the gang, under gang_lock
 *
 * Return: the slot, or NULL when the calling thread is no live member.
 */
struct gang_member *gang_current_member(struct gang *g)
{
	u32 i;

	lockdep_assert_held(&gang_lock);
	for (i = 0; i < g->joined; i++)
		if (g->members[i].task == current &&
		    g->members[i].state == GANG_MEMBER_JOINED)
			return &g->members[i];
	return NULL;
}

/**
 * gang_join() - make the calling thread a member of @g
 * @g: the gang
 * @member: out: the member index
 *
 * Return: 0, -EALREADY (a member of @g already), -EBUSY (a member of
 * another gang), -EUSERS (every slot taken), -ECANCELED (the gang ended).
 */
int gang_join(struct gang *g, u32 *member)
{
	struct gang_member *m, *other;
	int err = 0;

	rt_mutex_lock(&gang_lock);
	other = gang_member_of(current);
	if (other) {
		err = other->gang == g ? -EALREADY : -EBUSY;
		goto out;
	}
	if (gang_ended(g)) {
		err = -ECANCELED;
		goto out;
	}
	if (g->joined == g->nr_members) {
		err = -EUSERS;
		goto out;
	}
	m = &g->members[g->joined];
	get_task_struct(current);
	m->task = current;
	m->state = GANG_MEMBER_JOINED;
	m->cpu = -1;
	strata_object_get(&g->obj);	/* the member's */
	gang_member_hash_add(m);
	g->joined++;
	g->alive++;
	*member = m->index;
	if (g->joined == g->nr_members) {
		strata_object_signal(&g->obj, 0, STRATA_GANG_SIGNAL_READY);
		gang_sched_enqueue(g);
	}
out:
	rt_mutex_unlock(&gang_lock);
	return err;
}

/*
 * The gang ends when no member is alive and no slot waits for a join:
 * DONE when some member finished, ABORTED when all died.
 */
static void gang_check_end(struct gang *g)
{
	u32 i;

	if (gang_ended(g) || gang_live_members(g))
		return;
	for (i = 0; i < g->joined; i++)
		if (g->members[i].state == GANG_MEMBER_LEFT)
			break;
	if (i < g->joined) {
		gang_sched_release(g);
		g->state = STRATA_GANG_DONE;
		strata_object_signal(&g->obj, STRATA_GANG_SIGNAL_RUNNING,
				     STRATA_GANG_SIGNAL_DONE);
	} else {
		gang_abort(g, STRATA_GANG_ABORT_MEMBER_DIED);
	}
}

/*
 * A member stops being one.  Its GPUs and CPU go back to the pools at
 * once when the gang runs; the member's reference to the gang is dropped
 * by the caller after gang_lock (it may be the last).
 */
static void gang_member_end(struct gang_member *m, u32 state)
{
	struct gang *g = m->gang;

	lockdep_assert_held(&gang_lock);
	gang_member_hash_del(m);
	if (state == GANG_MEMBER_LEFT) {
		gang_member_restore(m);
	} else {
		/* The thread is gone; its process may live on. */
		m->pinned = false;
		m->boosted = false;
	}
	gang_member_continue(m);
	gang_sched_member_gone(g, m);
	m->state = state;
	g->alive--;
	if (g->started && m->started_slice == g->slice)
		g->started--;
	gang_skew_check(g);
	wake_up_all(&g->step_wq);
}

static void gang_member_put(struct gang_member *m)
{
	put_task_struct(m->task);
	m->task = NULL;
}

/**
 * gang_leave() - the calling member is done
 * @g: the gang
 *
 * Return: 0, or -ESRCH when the caller is no live member of @g.
 */
int gang_leave(struct gang *g)
{
	struct gang_member *m;
	struct task_struct *task;

	rt_mutex_lock(&gang_lock);
	m = gang_current_member(g);
	if (!m) {
		rt_mutex_unlock(&gang_lock);
		return -ESRCH;
	}
	gang_member_end(m, GANG_MEMBER_LEFT);
	task = m->task;
	m->task = NULL;
	gang_check_end(g);
	gang_sched_kick();
	rt_mutex_unlock(&gang_lock);
	put_task_struct(task);
	strata_object_put(&g->obj);	/* the member's */
	return 0;
}

/**
 * gang_member_died() - a member thread exited without LEAVE
 * @m: its slot, under gang_lock
 *
 * Applies the policy's or the gang's exit action.  The caller drops the
 * member's reference to the gang after gang_lock.
 */
void gang_member_died(struct gang_member *m)
{
	struct gang *g = m->gang;
	struct strata_gang_view v;
	int action;
	pid_t pid = task_pid_nr(m->task);

	lockdep_assert_held(&gang_lock);
	gang_view_fill(g, ktime_get_ns(), &v);
	action = gang_policy_member_exit(&v, m->index, pid);
	if (action != STRATA_GANG_EXIT_ABORT &&
	    action != STRATA_GANG_EXIT_SHRINK)
		action = g->on_member_exit;
	g->deaths++;
	gang_counters.deaths++;
	trace_strata_gang_member_exit(g->obj.koid, m->index, pid, action);
	gang_member_end(m, GANG_MEMBER_DEAD);
	gang_member_put(m);
	if (action == STRATA_GANG_EXIT_ABORT && !gang_ended(g))
		gang_abort(g, STRATA_GANG_ABORT_MEMBER_DIED);
	else
		gang_check_end(g);
}

/**
 * gang_abort() - end @g now: members are told, GPUs freed
 * @g: the gang, under gang_lock
 * @reason: enum strata_gang_abort_reason
 */
void gang_abort(struct gang *g, u32 reason)
{
	lockdep_assert_held(&gang_lock);
	if (gang_ended(g))
		return;
	gang_sched_release(g);
	g->state = STRATA_GANG_ABORTED;
	g->abort_reason = reason;
	gang_counters.aborts++;
	trace_strata_gang_abort(g->obj.koid, reason);
	strata_object_signal(&g->obj, STRATA_GANG_SIGNAL_RUNNING,
			     STRATA_GANG_SIGNAL_ABORTED);
	wake_up_all(&g->step_wq);
	gang_sched_kick();
}

/* KILL and KILL_ID, under gang_lock: 0, or -EALREADY when @g had ended. */
static int __gang_kill(struct gang *g, u32 reason)
{
	lockdep_assert_held(&gang_lock);
	if (gang_ended(g))
		return -EALREADY;
	gang_abort(g, reason);
	return 0;
}

/**
 * gang_kill() - KILL: abort @g
 * @g: the gang
 *
 * Members stay members until they LEAVE or exit; their STEP fails.
 *
 * Return: 0, or -EALREADY when the gang had ended.
 */
int gang_kill(struct gang *g)
{
	int err;

	rt_mutex_lock(&gang_lock);
	err = __gang_kill(g, STRATA_GANG_ABORT_KILLED);
	rt_mutex_unlock(&gang_lock);
	return err;
}

/**
 * gang_kill_id() - KILL_ID: abort the gang whose koid is @koid
 * @koid: its koid, not 0
 *
 * As gang_kill(), with abort_reason STRATA_GANG_ABORT_ADMIN.  The caller
 * has checked CAP_SYS_ADMIN: no handle names the gang here.
 *
 * Return: 0, -ENOENT when no live gang has that koid, or -EALREADY when
 * the gang had ended.
 */
int gang_kill_id(u64 koid)
{
	struct gang *g = NULL, *it;
	int err;

	rt_mutex_lock(&gang_lock);
	/* gang_all is in koid order: koids are handed out under gang_lock */
	list_for_each_entry(it, &gang_all, node) {
		if (it->obj.koid < koid)
			continue;
		/*
		 * A gang whose last reference is gone is still listed until
		 * gang_destroy() gets gang_lock: it is no live gang any more.
		 */
		if (it->obj.koid == koid && kref_get_unless_zero(&it->obj.ref))
			g = it;
		break;
	}
	if (!g) {
		rt_mutex_unlock(&gang_lock);
		return -ENOENT;
	}
	err = __gang_kill(g, STRATA_GANG_ABORT_ADMIN);
	rt_mutex_unlock(&gang_lock);
	/* After gang_lock: it may be the last reference now. */
	strata_object_put(&g->obj);
	return err;
}

/* STEP's answer for a running gang, under gang_lock. */
static void gang_fill_step(struct gang *g, struct gang_member *m,
			   struct strata_gang_step *args)
{
	u32 i;

	args->member = m->index;
	args->cpu = m->pinned ? m->cpu : -1;
	args->nr_gpus = g->gpus_per_member;
	for (i = 0; i < g->gpus_per_member; i++)
		args->gpus[i] = m->gpus[i];
	args->slice = g->slice;
	args->slice_end_ns = g->slice_end_ns == U64_MAX ? 0 : g->slice_end_ns;
}

/* Why a parked member wakes: its gang runs or ended, or it is gone. */
static bool gang_step_ready(const struct gang *g, const struct gang_member *m)
{
	u32 state = READ_ONCE(g->state);

	return state == STRATA_GANG_RUNNING || state == STRATA_GANG_ABORTED ||
	       READ_ONCE(m->state) != GANG_MEMBER_JOINED;
}

/**
 * gang_step() - STEP: return while the gang runs, park until it does
 * @g: the gang
 * @args: in: flags; out: the assignment
 *
 * Return: 0, -ESRCH (no live member), -ECANCELED (aborted), -EAGAIN
 * (NONBLOCK, not running), -ERESTARTSYS (a signal).
 */
int gang_step(struct gang *g, struct strata_gang_step *args)
{
	struct gang_member *m;
	int err;

	rt_mutex_lock(&gang_lock);
	for (;;) {
		m = gang_current_member(g);
		if (!m) {
			err = -ESRCH;
			break;
		}
		if (g->state == STRATA_GANG_ABORTED) {
			err = -ECANCELED;
			break;
		}
		if (g->state == STRATA_GANG_RUNNING) {
			m->parked = false;
			gang_note_start(g, m);
			gang_fill_step(g, m, args);
			err = 0;
			break;
		}
		if (args->flags & STRATA_GANG_STEP_NONBLOCK) {
			err = -EAGAIN;
			break;
		}
		m->parked = true;
		rt_mutex_unlock(&gang_lock);
		err = wait_event_interruptible(g->step_wq, gang_step_ready(g, m));
		rt_mutex_lock(&gang_lock);
		if (err) {
			m->parked = false;
			break;
		}
	}
	rt_mutex_unlock(&gang_lock);
	return err;
}

/**
 * gang_set() - SET: change priority or slice length
 * @g: the gang
 * @args: the change
 *
 * Return: 0, -EINVAL, or -EPERM (raising the priority without
 * CAP_SYS_NICE).
 */
int gang_set(struct gang *g, const struct strata_gang_set *args)
{
	if ((args->mask & ~STRATA_GANG_SET_MASK) || args->reserved ||
	    args->priority > STRATA_GANG_MAX_PRIORITY ||
	    args->slice_ms > STRATA_GANG_MAX_SLICE_MS)
		return -EINVAL;
	rt_mutex_lock(&gang_lock);
	if ((args->mask & STRATA_GANG_SET_PRIORITY) &&
	    args->priority > g->priority && !capable(CAP_SYS_NICE)) {
		rt_mutex_unlock(&gang_lock);
		return -EPERM;
	}
	if (args->mask & STRATA_GANG_SET_PRIORITY)
		g->priority = args->priority;
	if (args->mask & STRATA_GANG_SET_SLICE)
		g->slice_ms = args->slice_ms;
	gang_sched_kick();
	rt_mutex_unlock(&gang_lock);
	return 0;
}

/**
 * gang_fill_info() - describe @g
 * @g: the gang, under gang_lock
 * @info: out
 */
void gang_fill_info(const struct gang *g, struct strata_gang_info *info)
{
	u64 now = ktime_get_ns();

	memset(info, 0, sizeof(*info));
	info->koid = g->obj.koid;
	info->uid = from_kuid_munged(current_user_ns(), g->uid);
	info->state = g->state;
	info->abort_reason = g->abort_reason;
	info->nr_members = g->nr_members;
	info->joined = g->joined;
	info->alive = g->alive;
	info->gpus_per_member = g->gpus_per_member;
	info->nr_gpus = gang_ended(g) ? 0 : gang_nr_gpus_needed(g);
	info->priority = g->priority;
	info->slice_ms = g->slice_ms ? g->slice_ms : READ_ONCE(gang_slice_ms);
	info->on_member_exit = g->on_member_exit;
	info->flags = g->flags;
	info->slices = g->slice;
	info->preemptions = g->preemptions;
	info->deaths = g->deaths;
	info->attained_ns = g->attained_ns;
	info->run_ns = g->run_ns;
	info->wait_ns = g->wait_ns;
	if (g->state == STRATA_GANG_RUNNING) {
		info->attained_ns += (now - g->run_start_ns) *
				     bitmap_weight(g->gpu_mask,
						   STRATA_GANG_MAX_GPUS);
		info->run_ns += now - g->run_start_ns;
	} else if (g->state == STRATA_GANG_QUEUED) {
		info->wait_ns += now - g->queued_ns;
	}
	info->last_skew_ns = g->last_skew_ns;
	info->max_skew_ns = g->max_skew_ns;
	info->created_ns = g->created_ns;
	memcpy(info->name, g->name, sizeof(info->name));
	bitmap_to_arr64(&info->gpu_mask, g->gpu_mask, STRATA_GANG_MAX_GPUS);
}

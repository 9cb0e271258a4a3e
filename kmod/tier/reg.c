// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier - registrations and the address spaces they cover
 *
 * A registration covers one process or every process of a cgroup v2
 * subtree.  Each address space it covers is a tier_space with an mmu
 * notifier, whose release tells us the address space is gone (exit, exec)
 * so that its round drops it; a process registration with no address
 * space left ends by itself.  An address space belongs to at most one
 * registration: two scanners would steal each other's accessed bits.
 *
 * Every registration has a delayed work on the ordered tier_wq: its scan
 * round.  tier_lock is held for a whole round and for every change, so
 * rounds never race with each other or with (un)registration; it nests
 * outside the mmap locks of the registered address spaces.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/file.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "tier.h"
#include "trace.h"

/* Held for every round and every change of a registration. */
DEFINE_MUTEX(tier_lock);
DEFINE_XARRAY_ALLOC1(tier_regs);
struct workqueue_struct *tier_wq;
atomic_t tier_nr_regs;
static u32 tier_next_id;

/* Processes a cgroup registration looks at per round, at most. */
#define TIER_CGROUP_MAX_PROCS	1024

static void tier_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct tier_space *space = container_of(mn, struct tier_space, mn);

	WRITE_ONCE(space->dead, true);
	/* Let the round drop it now rather than at the next interval. */
	if (!READ_ONCE(space->reg->dying))
		mod_delayed_work(tier_wq, &space->reg->work, 0);
}

static const struct mmu_notifier_ops tier_mn_ops = {
	.release = tier_mn_release,
};

/* Is @mm covered by any registration?  Called with tier_lock held. */
static struct tier_space *tier_space_of(struct mm_struct *mm)
{
	struct tier_space *space;
	struct tier_reg *reg;
	unsigned long id;

	lockdep_assert_held(&tier_lock);
	xa_for_each(&tier_regs, id, reg) {
		list_for_each_entry(space, &reg->spaces, node)
			if (space->mm == mm)
				return space;
	}
	return NULL;
}

/*
 * Cover @task's address space in @reg.  @reg may not be in tier_regs yet,
 * so it is checked on its own as well.
 */
static int tier_space_add(struct tier_reg *reg, struct task_struct *task)
{
	struct tier_space *space, *other;
	struct mm_struct *mm;
	int err;

	if (task->flags & PF_KTHREAD)
		return -EINVAL;
	mm = get_task_mm(task);
	if (!mm)
		return -EINVAL;		/* exiting, a zombie */
	err = -EBUSY;
	if (tier_space_of(mm))
		goto out;
	list_for_each_entry(other, &reg->spaces, node)
		if (other->mm == mm)
			goto out;

	err = -ENOMEM;
	space = kzalloc(sizeof(*space), GFP_KERNEL_ACCOUNT);
	if (!space)
		goto out;
	space->reg = reg;
	space->mn.ops = &tier_mn_ops;
	xa_init(&space->regions);
	err = mmu_notifier_register(&space->mn, mm);
	if (err) {
		kfree(space);
		goto out;
	}
	space->mm = mm;
	space->pid = get_task_pid(task, PIDTYPE_TGID);
	space->mark = true;
	list_add_tail(&space->node, &reg->spaces);
	reg->nr_spaces++;
	err = 0;
out:
	mmput(mm);
	return err;
}

static void tier_space_remove(struct tier_space *space)
{
	struct tier_reg *reg = space->reg;

	list_del(&space->node);
	reg->nr_spaces--;
	/*
	 * Unregistering calls release when the address space is still
	 * alive: dead is set first so that it does not queue a round.
	 */
	WRITE_ONCE(space->dead, true);
	mmu_notifier_unregister(&space->mn, space->mm);
	tier_space_free_regions(space);
	put_pid(space->pid);
	kfree(space);
}

/*
 * A cgroup registration follows its cgroup: processes that joined get an
 * address space, those that left lose theirs.  Called with tier_lock held.
 */
static void tier_cgroup_rescan(struct tier_reg *reg,
			       struct task_struct **tasks)
{
	struct tier_space *space, *tmp;
	struct task_struct *p;
	unsigned int n = 0, i;

	rcu_read_lock();
	for_each_process(p) {
		if (p->flags & (PF_KTHREAD | PF_EXITING))
			continue;
		if (!cgroup_is_descendant(task_dfl_cgroup(p), reg->cgrp))
			continue;
		if (n == TIER_CGROUP_MAX_PROCS)
			break;
		get_task_struct(p);
		tasks[n++] = p;
	}
	rcu_read_unlock();

	list_for_each_entry(space, &reg->spaces, node)
		space->mark = false;
	for (i = 0; i < n; i++) {
		struct mm_struct *mm = get_task_mm(tasks[i]);

		if (mm) {
			space = tier_space_of(mm);
			if (space && space->reg == reg)
				space->mark = true;
			else if (!space)
				tier_space_add(reg, tasks[i]);
			mmput(mm);
		}
		put_task_struct(tasks[i]);
	}
	list_for_each_entry_safe(space, tmp, &reg->spaces, node)
		if (!space->mark)
			tier_space_remove(space);
}

static void tier_reg_free(struct tier_reg *reg)
{
	put_pid(reg->pid);
	if (reg->cgrp)
		cgroup_put(reg->cgrp);
	kvfree(reg->tasks);
	kfree_rcu(reg, rcu);
}

/*
 * Tear down a registration taken out of tier_regs (dying set under
 * tier_lock, so its round will not touch it again).
 */
static void tier_reg_teardown(struct tier_reg *reg)
{
	struct tier_space *space, *tmp;

	list_for_each_entry_safe(space, tmp, &reg->spaces, node)
		tier_space_remove(space);
	/* No notifier is left that could queue the round again. */
	cancel_delayed_work_sync(&reg->work);
	tier_reg_free(reg);
}

static int tier_resolve_pid(u32 flags, int target, struct pid **pidp)
{
	struct file *file;
	struct pid *pid;

	if (!(flags & STRATA_TIER_REG_PIDFD)) {
		if (target <= 0)
			return -ESRCH;
		pid = find_get_pid(target);
		if (!pid)
			return -ESRCH;
		*pidp = pid;
		return 0;
	}
	file = fget(target);
	if (!file)
		return -EBADF;
	/* pidfd_pid() is not exported: a pidfd is a pidfs file. */
	if (file_inode(file)->i_sb->s_magic != PID_FS_MAGIC) {
		fput(file);
		return -EINVAL;
	}
	*pidp = get_pid(file_inode(file)->i_private);
	fput(file);
	return 0;
}

static bool tier_cgroup_overlaps(struct cgroup *cgrp)
{
	struct tier_reg *reg;
	unsigned long id;

	xa_for_each(&tier_regs, id, reg) {
		if (reg->cgrp && (cgroup_is_descendant(cgrp, reg->cgrp) ||
				  cgroup_is_descendant(reg->cgrp, cgrp)))
			return true;
	}
	return false;
}

/**
 * tier_reg_create() - register a process or a cgroup
 * @flags: STRATA_TIER_REG_PIDFD or STRATA_TIER_REG_CGROUP or 0 (checked)
 * @target: pid, pidfd or cgroup fd
 * @quota: fast-tier quota in bytes or STRATA_TIER_QUOTA_NONE
 * @id: out: the registration's id
 *
 * Return: 0 or a negative errno (see Documentation/tier.rst).
 */
int tier_reg_create(u32 flags, int target, u64 quota, u32 *id)
{
	struct tier_nodes nodes;
	struct task_struct *task = NULL;
	struct tier_reg *reg;
	int err;

	tier_nodes_get(&nodes);
	if (!(nodes.flags & STRATA_TIER_INFO_ACTIVE))
		return -ENODEV;

	reg = kzalloc(sizeof(*reg), GFP_KERNEL_ACCOUNT);
	if (!reg)
		return -ENOMEM;
	INIT_LIST_HEAD(&reg->spaces);
	INIT_DELAYED_WORK(&reg->work, tier_reg_round);
	reg->quota_pages = quota == STRATA_TIER_QUOTA_NONE ? U64_MAX :
			   quota >> PAGE_SHIFT;
	reg->interval_ms = READ_ONCE(tier_scan_min_ms);

	if (flags & STRATA_TIER_REG_CGROUP) {
		reg->kind = STRATA_TIER_KIND_CGROUP;
		reg->cgrp = cgroup_get_from_fd(target);
		if (IS_ERR(reg->cgrp)) {
			err = PTR_ERR(reg->cgrp);
			reg->cgrp = NULL;
			goto out_free;
		}
		reg->cgroup_id = cgroup_id(reg->cgrp);
		err = -ENOMEM;
		reg->tasks = kvmalloc_array(TIER_CGROUP_MAX_PROCS,
					    sizeof(*reg->tasks), GFP_KERNEL);
		if (!reg->tasks)
			goto out_free;
	} else {
		reg->kind = STRATA_TIER_KIND_PID;
		err = tier_resolve_pid(flags, target, &reg->pid);
		if (err)
			goto out_free;
		task = get_pid_task(reg->pid, PIDTYPE_PID);
		if (!task) {
			err = -ESRCH;
			goto out_free;
		}
		/* Report the process, also when a thread was named. */
		put_pid(reg->pid);
		reg->pid = get_task_pid(task, PIDTYPE_TGID);
		reg->tgid = pid_nr(reg->pid);
	}

	mutex_lock(&tier_lock);
	err = -ENOSPC;
	if (atomic_read(&tier_nr_regs) >= READ_ONCE(tier_max_regs))
		goto out_unlock;
	if (task) {
		err = tier_space_add(reg, task);
	} else {
		err = tier_cgroup_overlaps(reg->cgrp) ? -EBUSY : 0;
		if (!err)
			tier_cgroup_rescan(reg, reg->tasks);
	}
	if (err)
		goto out_unlock;
	err = xa_alloc_cyclic(&tier_regs, &reg->id, reg, xa_limit_32b,
			      &tier_next_id, GFP_KERNEL);
	if (err < 0) {
		reg->dying = true;
		mutex_unlock(&tier_lock);
		goto out_teardown;
	}
	atomic_inc(&tier_nr_regs);
	*id = reg->id;
	queue_delayed_work(tier_wq, &reg->work, 0);
	mutex_unlock(&tier_lock);
	if (task)
		put_task_struct(task);
	return 0;

out_unlock:
	reg->dying = true;
	mutex_unlock(&tier_lock);
out_teardown:
	if (task)
		put_task_struct(task);
	tier_reg_teardown(reg);
	return err;
out_free:
	if (task)
		put_task_struct(task);
	tier_reg_free(reg);
	return err;
}

/**
 * tier_reg_destroy() - unregister
 * @id: the registration
 *
 * Pages stay where they are.  Return: 0, or -ENOENT for an unknown @id.
 */
int tier_reg_destroy(u32 id)
{
	struct tier_reg *reg;

	mutex_lock(&tier_lock);
	reg = xa_erase(&tier_regs, id);
	if (reg) {
		reg->dying = true;
		atomic_dec(&tier_nr_regs);
	}
	mutex_unlock(&tier_lock);
	if (!reg)
		return -ENOENT;
	tier_reg_teardown(reg);
	return 0;
}

/**
 * tier_reg_set_quota() - change a registration's fast-tier quota
 * @id: the registration
 * @quota: bytes, or STRATA_TIER_QUOTA_NONE
 *
 * The next round, run at once, moves pages to fit.
 * Return: 0, or -ENOENT for an unknown @id.
 */
int tier_reg_set_quota(u32 id, u64 quota)
{
	struct tier_reg *reg;
	int err = -ENOENT;

	mutex_lock(&tier_lock);
	reg = xa_load(&tier_regs, id);
	if (reg) {
		WRITE_ONCE(reg->quota_pages, quota == STRATA_TIER_QUOTA_NONE ?
			   U64_MAX : quota >> PAGE_SHIFT);
		reg->interval_ms = READ_ONCE(tier_scan_min_ms);
		mod_delayed_work(tier_wq, &reg->work, 0);
		err = 0;
	}
	mutex_unlock(&tier_lock);
	return err;
}

/** tier_reg_destroy_all() - unregister everything (module unload) */
void tier_reg_destroy_all(void)
{
	struct tier_reg *reg;
	unsigned long id;
	LIST_HEAD(doomed);

	mutex_lock(&tier_lock);
	xa_for_each(&tier_regs, id, reg) {
		xa_erase(&tier_regs, id);
		reg->dying = true;
		atomic_dec(&tier_nr_regs);
		list_add(&reg->doomed, &doomed);
	}
	mutex_unlock(&tier_lock);
	while (!list_empty(&doomed)) {
		reg = list_first_entry(&doomed, struct tier_reg, doomed);
		list_del(&reg->doomed);
		tier_reg_teardown(reg);
	}
}

/*
 * Next interval: short while there is work, doubling while quiet.  The
 * first round only clears accessed bits set before the registration (when
 * the pages were faulted in, say), so the second, the first to see the
 * workload's accesses, comes after scan_first_ms: the pages it finds
 * accessed within that short a time are the hottest, and go up first.
 */
static unsigned int tier_next_interval(struct tier_reg *reg, u64 round,
				       bool busy)
{
	unsigned int lo = READ_ONCE(tier_scan_min_ms);
	unsigned int hi = READ_ONCE(tier_scan_max_ms);

	if (round == 1)
		return READ_ONCE(tier_scan_first_ms);
	if (busy)
		return lo;
	return clamp(reg->interval_ms * 2, lo, max(lo, hi));
}

/**
 * tier_reg_round() - one scan round of a registration (its work)
 * @work: the registration's delayed work
 *
 * Drops the address spaces that went away (and a process registration
 * with none left), scans the others' accessed bits, then places pages.
 */
void tier_reg_round(struct work_struct *work)
{
	struct tier_reg *reg = container_of(to_delayed_work(work),
					    struct tier_reg, work);
	struct tier_space *space, *tmp;
	struct tier_nodes nodes;
	struct tier_scan scan = { .nodes = &nodes };
	u64 t0, t_moves = 0;
	bool busy;

	mutex_lock(&tier_lock);
	if (reg->dying) {
		mutex_unlock(&tier_lock);
		return;
	}
	if (reg->kind == STRATA_TIER_KIND_CGROUP)
		tier_cgroup_rescan(reg, reg->tasks);
	list_for_each_entry_safe(space, tmp, &reg->spaces, node)
		if (READ_ONCE(space->dead))
			tier_space_remove(space);
	if (reg->kind == STRATA_TIER_KIND_PID && list_empty(&reg->spaces)) {
		/* The process is gone: the registration ends by itself. */
		xa_erase(&tier_regs, reg->id);
		reg->dying = true;
		atomic_dec(&tier_nr_regs);
		mutex_unlock(&tier_lock);
		tier_reg_free(reg);
		return;
	}

	tier_nodes_get(&nodes);
	if (!(nodes.flags & STRATA_TIER_INFO_ACTIVE)) {
		reg->interval_ms = READ_ONCE(tier_scan_max_ms);
		goto requeue;
	}

	scan.round = reg->stats.rounds + 1;
	scan.pressure = reg->pressure;
	t0 = ktime_get_ns();
	list_for_each_entry(space, &reg->spaces, node)
		tier_scan_space(space, &scan);
	/* Cleared accessed bits count only once no TLB caches them. */
	tier_flush_tlbs();
	tier_stat_set(reg, rounds, scan.round);
	tier_stat_add(reg, scanned, scan.scanned);
	tier_stat_add(reg, young, scan.young);

	/* The round's CPU time but the moves' is the scanner's. */
	busy = tier_place(reg, &nodes, scan.round, &t_moves);
	tier_stat_add(reg, scan_ns, ktime_get_ns() - t0 - t_moves);
	reg->interval_ms = tier_next_interval(reg, scan.round, busy);
	trace_strata_tier_scan(reg->id, scan.round, scan.scanned, scan.young,
			       tier_stat_read(reg, hot_pages),
			       tier_stat_read(reg, fast_pages),
			       tier_stat_read(reg, slow_pages),
			       reg->interval_ms);
requeue:
	queue_delayed_work(tier_wq, &reg->work,
			   msecs_to_jiffies(reg->interval_ms));
	mutex_unlock(&tier_lock);
}

int tier_regs_init(void)
{
	int err;

	err = tier_movers_init();
	if (err)
		return err;
	tier_wq = alloc_ordered_workqueue("strata_tier", 0);
	if (!tier_wq) {
		tier_movers_exit();
		return -ENOMEM;
	}
	return 0;
}

void tier_regs_exit(void)
{
	tier_reg_destroy_all();
	destroy_workqueue(tier_wq);
	tier_movers_exit();
}

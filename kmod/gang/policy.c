// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang - eBPF policy: the strata_gang_ops struct_ops
 *
 * A policy may order the gangs that compete for GPUs and decide what the
 * death of a member does to its gang.  The kernel keeps the rest: a gang
 * gets all of its GPUs or none, only free GPUs and CPUs are handed out,
 * and slices end when sched_policy says; a policy decides within those.
 * Two kfuncs let it read the scheduler's state; a third serves the BPF
 * LSM program that keeps GPU device nodes to the gangs that hold them.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/ctype.h>
#include <linux/kdev_t.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <strata/ops.h>
#include <uapi/strata/gang_policy.h>

#include "gang.h"

enum {
	STRATA_GANG_OPS_NAME_LEN = 32,
};

/**
 * struct strata_gang_ops - gang scheduling policy callbacks
 *
 * Every callback may be left out (strata's own choice then applies) and
 * may return a negative value to leave that call to strata.  They run
 * under RCU from process context with the scheduler's lock held: they
 * must not sleep.  The gang they get is a read-only copy.
 */
struct strata_gang_ops {
	/**
	 * @rank: admission order key of @g, queued or running: whenever
	 * the scheduler plans, the queued gangs (and the running ones whose
	 * slice ended) get GPUs in increasing rank order, equal ranks by
	 * arrival (@g->seq).  A value of zero or more replaces the rank
	 * sched_policy would give @g, its starve_ms rule included; a
	 * negative value keeps that rank.
	 */
	s64 (*rank)(const struct strata_gang_view *g);

	/**
	 * @member_exit: member @member of @g, thread @pid (in the initial
	 * pid namespace), died without leaving.  STRATA_GANG_EXIT_ABORT
	 * aborts the gang, STRATA_GANG_EXIT_SHRINK releases the member's
	 * GPUs and lets the others go on; a negative (or any other) value
	 * applies the gang's own @g->on_member_exit.
	 */
	int (*member_exit)(const struct strata_gang_view *g, u32 member,
			   s32 pid);

	/** @name: the policy's name, shown by bpftool and in the kernel log */
	char name[STRATA_GANG_OPS_NAME_LEN];
};

static struct strata_gang_ops __rcu *gang_policy;
static DEFINE_MUTEX(gang_policy_lock);

/** gang_policy_attached() - is a strata_gang_ops policy attached? */
bool gang_policy_attached(void)
{
	return rcu_access_pointer(gang_policy);
}

/**
 * gang_policy_rank() - ask the policy for a gang's rank
 * @v: the gang, queued or running
 *
 * Called with gang_lock held.
 *
 * Return: the rank, lower first, or a negative value for the default.
 */
s64 gang_policy_rank(const struct strata_gang_view *v)
{
	const struct strata_gang_ops *ops;
	s64 ret = -1;

	rcu_read_lock();
	ops = rcu_dereference(gang_policy);
	if (ops && ops->rank)
		ret = ops->rank(v);
	rcu_read_unlock();
	return ret;
}

/**
 * gang_policy_member_exit() - ask the policy what a member's death does
 * @v: the member's gang
 * @member: the member's index
 * @pid: its thread id, in the initial pid namespace
 *
 * Called with gang_lock held.
 *
 * Return: STRATA_GANG_EXIT_ABORT or STRATA_GANG_EXIT_SHRINK, or -1 for
 * the gang's own on_member_exit (also when the policy answers anything
 * else).
 */
int gang_policy_member_exit(const struct strata_gang_view *v, u32 member,
			    s32 pid)
{
	const struct strata_gang_ops *ops;
	int ret = -1;

	rcu_read_lock();
	ops = rcu_dereference(gang_policy);
	if (ops && ops->member_exit)
		ret = ops->member_exit(v, member, pid);
	rcu_read_unlock();
	if (ret != STRATA_GANG_EXIT_ABORT && ret != STRATA_GANG_EXIT_SHRINK)
		return -1;
	return ret;
}

__bpf_kfunc_start_defs();

/** bpf_strata_gang_free_gpus() - GPUs no gang holds now */
__bpf_kfunc u32 bpf_strata_gang_free_gpus(void)
{
	return gang_sched_free_gpus();
}

/** bpf_strata_gang_nr_queued() - gangs queued for admission now */
__bpf_kfunc u32 bpf_strata_gang_nr_queued(void)
{
	return gang_sched_nr_queued();
}

/**
 * bpf_strata_gang_gpu_access() - may the current task open a device node?
 * @dev: the node's device number, in new_encode_dev() form (the form of
 *	struct strata_gang_gpu.dev)
 *
 * Return: 0 when @dev is no strata GPU or the caller's gang holds it,
 * -EPERM otherwise.
 */
__bpf_kfunc int bpf_strata_gang_gpu_access(u32 dev)
{
	return gang_gpu_access(new_decode_dev(dev));
}

__bpf_kfunc_end_defs();

/*
 * For struct_ops programs: strata_gang_ops callbacks (gang_order.bpf.c)
 * and, where sched_ext exists, its scheduler (scx.c, bpf/scx/).  A module
 * registers one set per program type.
 */
BTF_KFUNCS_START(strata_gang_ops_kfunc_ids)
BTF_ID_FLAGS(func, bpf_strata_gang_free_gpus)
BTF_ID_FLAGS(func, bpf_strata_gang_nr_queued)
#ifdef CONFIG_SCHED_CLASS_EXT
BTF_ID_FLAGS(func, bpf_strata_gang_scx_attach)
BTF_ID_FLAGS(func, bpf_strata_gang_scx_detach)
BTF_ID_FLAGS(func, bpf_strata_gang_scx_task_cpu, KF_RCU)
BTF_ID_FLAGS(func, bpf_strata_gang_scx_cpu_token)
#endif
BTF_KFUNCS_END(strata_gang_ops_kfunc_ids)

static const struct btf_kfunc_id_set strata_gang_ops_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &strata_gang_ops_kfunc_ids,
};

/* For LSM programs: gang_gpu.bpf.c. */
BTF_KFUNCS_START(strata_gang_lsm_kfunc_ids)
BTF_ID_FLAGS(func, bpf_strata_gang_gpu_access)
BTF_KFUNCS_END(strata_gang_lsm_kfunc_ids)

static const struct btf_kfunc_id_set strata_gang_lsm_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &strata_gang_lsm_kfunc_ids,
};

static const struct bpf_verifier_ops strata_gang_verifier_ops = {
	.get_func_proto = bpf_base_func_proto,
	.is_valid_access = strata_ops_is_valid_access,
};

/* Only the name needs the kernel's hand; the callbacks are programs. */
static int strata_gang_ops_init_member(const struct btf_type *t,
				       const struct btf_member *member,
				       void *kdata, const void *udata)
{
	const struct strata_gang_ops *uops = udata;
	struct strata_gang_ops *ops = kdata;

	if (__btf_member_bit_offset(t, member) !=
	    offsetof(struct strata_gang_ops, name) * 8)
		return 0;

	return strata_ops_name_copy(ops->name, uops->name, sizeof(ops->name));
}

/*
 * A new policy may order the queue differently: the scheduler looks again
 * at once rather than at the next event.
 */
static int strata_gang_ops_reg(void *kdata, struct bpf_link *link)
{
	struct strata_gang_ops *ops = kdata;
	int err = 0;

	mutex_lock(&gang_policy_lock);
	if (rcu_access_pointer(gang_policy)) {
		err = -EBUSY;
	} else {
		rcu_assign_pointer(gang_policy, ops);
		pr_info("policy '%s' attached\n", ops->name);
	}
	mutex_unlock(&gang_policy_lock);
	if (!err)
		gang_sched_kick();
	return err;
}

static void strata_gang_ops_unreg(void *kdata, struct bpf_link *link)
{
	struct strata_gang_ops *ops = kdata;
	bool detached = false;

	mutex_lock(&gang_policy_lock);
	if (rcu_access_pointer(gang_policy) == ops) {
		RCU_INIT_POINTER(gang_policy, NULL);
		pr_info("policy '%s' detached\n", ops->name);
		detached = true;
	}
	mutex_unlock(&gang_policy_lock);
	if (detached)
		gang_sched_kick();
}

/* BPF_LINK_UPDATE: one policy replaces another with no gap between them. */
static int strata_gang_ops_update(void *kdata, void *old_kdata,
				  struct bpf_link *link)
{
	struct strata_gang_ops *ops = kdata, *old = old_kdata;
	int err = 0;

	mutex_lock(&gang_policy_lock);
	if (rcu_access_pointer(gang_policy) != old) {
		err = -ENOENT;
	} else {
		rcu_assign_pointer(gang_policy, ops);
		pr_info("policy '%s' replaced '%s'\n", ops->name, old->name);
	}
	mutex_unlock(&gang_policy_lock);
	if (!err)
		gang_sched_kick();
	return err;
}

/* Never called: they give the BPF core the callbacks' prototypes. */
static s64 strata_gang_ops__rank(const struct strata_gang_view *g)
{
	return -1;
}

static int strata_gang_ops__member_exit(const struct strata_gang_view *g,
					u32 member, s32 pid)
{
	return -1;
}

static struct strata_gang_ops __bpf_ops_strata_gang_ops = {
	.rank = strata_gang_ops__rank,
	.member_exit = strata_gang_ops__member_exit,
};

static struct bpf_struct_ops bpf_strata_gang_ops = {
	.verifier_ops = &strata_gang_verifier_ops,
	.init = strata_ops_init,
	.check_member = strata_ops_check_member,
	.init_member = strata_gang_ops_init_member,
	.reg = strata_gang_ops_reg,
	.unreg = strata_gang_ops_unreg,
	.update = strata_gang_ops_update,
	.cfi_stubs = &__bpf_ops_strata_gang_ops,
	.name = "strata_gang_ops",
	.owner = THIS_MODULE,
};

/**
 * gang_policy_init() - register strata_gang_ops and the kfuncs
 *
 * Runs once from module init, after the scheduler is set up (attaching a
 * policy kicks it) and before the device node appears, so that a policy
 * can be in place before the first gang is created.  The type goes away
 * with the module's BTF on unload; the BPF core holds a module reference
 * while a policy is attached.
 *
 * Return: 0 or a negative errno.
 */
int gang_policy_init(void)
{
	int err;

	/* BPF programs spell these values through <strata/gang_policy.h>. */
	BUILD_BUG_ON(STRATA_GANG_OPS_EXIT_ABORT != STRATA_GANG_EXIT_ABORT);
	BUILD_BUG_ON(STRATA_GANG_OPS_EXIT_SHRINK != STRATA_GANG_EXIT_SHRINK);
	BUILD_BUG_ON(STRATA_GANG_OPS_FORMING != STRATA_GANG_FORMING);
	BUILD_BUG_ON(STRATA_GANG_OPS_QUEUED != STRATA_GANG_QUEUED);
	BUILD_BUG_ON(STRATA_GANG_OPS_RUNNING != STRATA_GANG_RUNNING);
	BUILD_BUG_ON(STRATA_GANG_OPS_DONE != STRATA_GANG_DONE);
	BUILD_BUG_ON(STRATA_GANG_OPS_ABORTED != STRATA_GANG_ABORTED);
	BUILD_BUG_ON(STRATA_GANG_OPS_MAX_GPUS != STRATA_GANG_MAX_GPUS);
	BUILD_BUG_ON(STRATA_GANG_OPS_MAX_PRIORITY != STRATA_GANG_MAX_PRIORITY);

	err = register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS,
					&strata_gang_ops_kfunc_set);
	if (!err)
		err = register_btf_kfunc_id_set(BPF_PROG_TYPE_LSM,
						&strata_gang_lsm_kfunc_set);
	if (!err)
		err = register_bpf_struct_ops(&bpf_strata_gang_ops,
					      strata_gang_ops);
	return err;
}

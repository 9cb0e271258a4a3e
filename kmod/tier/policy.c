// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier - eBPF policy: the strata_tier_ops struct_ops
 *
 * A policy may classify pages from their access history and cap how many
 * pages a round promotes and demotes.  The kernel still enforces the rate
 * limit, the quotas, the free room of the fast tier and the rule that
 * only movable anonymous pages move; a policy decides within those.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/ctype.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <strata/ops.h>

#include "tier.h"

enum {
	STRATA_TIER_OPS_NAME_LEN = 32,
};

/**
 * struct strata_tier_ops - tiering policy callbacks
 *
 * Every callback may be left out (the default in C then applies) and may
 * return a negative value to apply the default for that call.  They run
 * under RCU in the module's worker and must not sleep.
 */
struct strata_tier_ops {
	/**
	 * @classify: class of one page of registration @reg_id at @addr:
	 * STRATA_TIER_HOT, _WARM or _COLD.  @history has one bit per round,
	 * bit 7 the latest (1: accessed); @seen counts the rounds the page
	 * has been present (saturates at 255); @role is the
	 * STRATA_TIER_ROLE_* of the node it is on.  Called for every
	 * present page of the registration in every round.
	 */
	int (*classify)(u32 reg_id, u64 addr, u32 history, u32 seen,
			u32 role);

	/** @promote_budget: most pages this round may promote */
	s64 (*promote_budget)(const struct strata_tier_round *round);

	/**
	 * @demote_budget: most cold pages this round may demote to make room
	 * for hot ones (a cut down to the quota is not the policy's call)
	 */
	s64 (*demote_budget)(const struct strata_tier_round *round);

	/** @name: the policy's name, shown by bpftool and in the kernel log */
	char name[STRATA_TIER_OPS_NAME_LEN];
};

static struct strata_tier_ops __rcu *tier_policy;
static DEFINE_MUTEX(tier_policy_lock);

/** tier_policy_classify_active() - does a policy classify pages? */
bool tier_policy_classify_active(void)
{
	const struct strata_tier_ops *ops;
	bool ret;

	rcu_read_lock();
	ops = rcu_dereference(tier_policy);
	ret = ops && ops->classify;
	rcu_read_unlock();
	return ret;
}

/**
 * tier_policy_classify() - ask the policy for a page's class
 * @reg_id: registration
 * @addr: the page's address
 * @hist: its access history
 * @seen: rounds it has been present
 * @role: STRATA_TIER_ROLE_* of its node
 *
 * Return: STRATA_TIER_COLD/WARM/HOT, or -1 for the default.
 */
int tier_policy_classify(u32 reg_id, u64 addr, u32 hist, u32 seen, u32 role)
{
	const struct strata_tier_ops *ops;
	int ret = -1;

	rcu_read_lock();
	ops = rcu_dereference(tier_policy);
	if (ops && ops->classify)
		ret = ops->classify(reg_id, addr, hist, seen, role);
	rcu_read_unlock();
	return ret;
}

/**
 * tier_policy_budget() - ask the policy for a round's budget
 * @promote: the promotion budget, else the demotion budget
 * @round: the round
 *
 * Return: pages, or a negative value for no limit beyond the kernel's.
 */
s64 tier_policy_budget(bool promote, const struct strata_tier_round *round)
{
	const struct strata_tier_ops *ops;
	s64 ret = -1;

	rcu_read_lock();
	ops = rcu_dereference(tier_policy);
	if (ops && promote && ops->promote_budget)
		ret = ops->promote_budget(round);
	else if (ops && !promote && ops->demote_budget)
		ret = ops->demote_budget(round);
	rcu_read_unlock();
	return ret;
}

__bpf_kfunc_start_defs();

/**
 * bpf_strata_tier_stat() - a counter of a registration
 * @reg_id: the registration
 * @item: STRATA_TIER_STAT_*
 *
 * Return: the counter, or 0 for an unknown registration or item.
 */
__bpf_kfunc u64 bpf_strata_tier_stat(u32 reg_id, u32 item)
{
	struct tier_reg *reg;
	u64 v = 0;

	rcu_read_lock();
	reg = xa_load(&tier_regs, reg_id);
	if (!reg)
		goto out;
	switch (item) {
	case STRATA_TIER_STAT_ROUNDS:
		v = tier_stat_read(reg, rounds);
		break;
	case STRATA_TIER_STAT_SCANNED:
		v = tier_stat_read(reg, scanned);
		break;
	case STRATA_TIER_STAT_YOUNG:
		v = tier_stat_read(reg, young);
		break;
	case STRATA_TIER_STAT_PROMOTED:
		v = tier_stat_read(reg, promoted);
		break;
	case STRATA_TIER_STAT_DEMOTED:
		v = tier_stat_read(reg, demoted);
		break;
	case STRATA_TIER_STAT_FAILED:
		v = tier_stat_read(reg, failed);
		break;
	case STRATA_TIER_STAT_FAST_PAGES:
		v = tier_stat_read(reg, fast_pages);
		break;
	case STRATA_TIER_STAT_SLOW_PAGES:
		v = tier_stat_read(reg, slow_pages);
		break;
	case STRATA_TIER_STAT_HOT_PAGES:
		v = tier_stat_read(reg, hot_pages);
		break;
	case STRATA_TIER_STAT_QUOTA_PAGES:
		v = READ_ONCE(reg->quota_pages);
		break;
	}
out:
	rcu_read_unlock();
	return v;
}

/**
 * bpf_strata_tier_node_role() - the role of a memory node
 * @nid: node id
 *
 * Return: STRATA_TIER_ROLE_FAST, _SLOW or _NONE; -1 for no such node.
 */
__bpf_kfunc s32 bpf_strata_tier_node_role(u32 nid)
{
	struct tier_nodes nodes;

	if (nid >= MAX_NUMNODES || !node_state(nid, N_MEMORY))
		return -1;
	tier_nodes_get(&nodes);
	if (node_isset(nid, nodes.fast))
		return STRATA_TIER_ROLE_FAST;
	if (node_isset(nid, nodes.slow))
		return STRATA_TIER_ROLE_SLOW;
	return STRATA_TIER_ROLE_NONE;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(strata_tier_kfunc_ids)
BTF_ID_FLAGS(func, bpf_strata_tier_stat)
BTF_ID_FLAGS(func, bpf_strata_tier_node_role)
BTF_KFUNCS_END(strata_tier_kfunc_ids)

static const struct btf_kfunc_id_set strata_tier_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &strata_tier_kfunc_ids,
};

static const struct bpf_verifier_ops strata_tier_verifier_ops = {
	.get_func_proto = bpf_base_func_proto,
	.is_valid_access = strata_ops_is_valid_access,
};

/* Only the name needs the kernel's hand; the callbacks are programs. */
static int strata_tier_ops_init_member(const struct btf_type *t,
				       const struct btf_member *member,
				       void *kdata, const void *udata)
{
	const struct strata_tier_ops *uops = udata;
	struct strata_tier_ops *ops = kdata;

	if (__btf_member_bit_offset(t, member) !=
	    offsetof(struct strata_tier_ops, name) * 8)
		return 0;

	return strata_ops_name_copy(ops->name, uops->name, sizeof(ops->name));
}

static int strata_tier_ops_reg(void *kdata, struct bpf_link *link)
{
	struct strata_tier_ops *ops = kdata;
	int err = 0;

	mutex_lock(&tier_policy_lock);
	if (rcu_access_pointer(tier_policy)) {
		err = -EBUSY;
	} else {
		rcu_assign_pointer(tier_policy, ops);
		pr_info("policy '%s' attached\n", ops->name);
	}
	mutex_unlock(&tier_policy_lock);
	return err;
}

static void strata_tier_ops_unreg(void *kdata, struct bpf_link *link)
{
	struct strata_tier_ops *ops = kdata;

	mutex_lock(&tier_policy_lock);
	if (rcu_access_pointer(tier_policy) == ops) {
		RCU_INIT_POINTER(tier_policy, NULL);
		pr_info("policy '%s' detached\n", ops->name);
	}
	mutex_unlock(&tier_policy_lock);
}

/* Never called: they give the BPF core the callbacks' prototypes. */
static int strata_tier_ops__classify(u32 reg_id, u64 addr, u32 history,
				     u32 seen, u32 role)
{
	return -1;
}

static s64 strata_tier_ops__budget(const struct strata_tier_round *round)
{
	return -1;
}

static struct strata_tier_ops __bpf_ops_strata_tier_ops = {
	.classify = strata_tier_ops__classify,
	.promote_budget = strata_tier_ops__budget,
	.demote_budget = strata_tier_ops__budget,
};

static struct bpf_struct_ops bpf_strata_tier_ops = {
	.verifier_ops = &strata_tier_verifier_ops,
	.init = strata_ops_init,
	.check_member = strata_ops_check_member,
	.init_member = strata_tier_ops_init_member,
	.reg = strata_tier_ops_reg,
	.unreg = strata_tier_ops_unreg,
	.cfi_stubs = &__bpf_ops_strata_tier_ops,
	.name = "strata_tier_ops",
	.owner = THIS_MODULE,
};

/**
 * tier_policy_init() - register strata_tier_ops and the kfuncs
 *
 * Return: 0 or a negative errno.
 */
int tier_policy_init(void)
{
	int err;

	err = register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS,
					&strata_tier_kfunc_set);
	if (!err)
		err = register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL,
						&strata_tier_kfunc_set);
	if (!err)
		err = register_bpf_struct_ops(&bpf_strata_tier_ops,
					      strata_tier_ops);
	return err;
}

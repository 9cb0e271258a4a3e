// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier - the ioctls of /dev/strata/tier
 *
 * Reading (INFO, LIST, STATS) is open to anyone who can open the device;
 * changes need CAP_SYS_ADMIN: placing pages on DRAM takes it from every
 * other tenant of the machine.
 */

#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "tier.h"

#define TIER_MAXNODE	4096

static long tier_ioc_info(struct strata_tier_info __user *uarg)
{
	struct strata_tier_node __user *unodes;
	struct strata_tier_info info;
	struct strata_tier_node node;
	struct tier_nodes nodes;
	u32 n = 0;
	int nid;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if (info.flags || info.nr_regs || info.reserved)
		return -EINVAL;
	unodes = u64_to_user_ptr(info.nodes);
	if (info.nr_nodes && !unodes)
		return -EFAULT;

	tier_nodes_get(&nodes);
	for_each_node_state(nid, N_MEMORY) {
		/* A node going offline under us is left out of both counts. */
		if (tier_node_info(nid, &node, &nodes))
			continue;
		if (n < info.nr_nodes &&
		    copy_to_user(&unodes[n], &node, sizeof(node)))
			return -EFAULT;
		n++;
	}
	info.nr_nodes = n;
	info.flags = nodes.flags;
	info.nr_regs = atomic_read(&tier_nr_regs);
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static int tier_get_nodemask(nodemask_t *mask, u64 uptr, u32 maxnode)
{
	u64 words[TIER_MAXNODE / 64] = { 0 };
	u32 nwords = DIV_ROUND_UP(maxnode, 64), bit;

	nodes_clear(*mask);
	if (copy_from_user(words, u64_to_user_ptr(uptr),
			   nwords * sizeof(u64)))
		return -EFAULT;
	for (bit = 0; bit < maxnode; bit++) {
		if (!(words[bit / 64] & BIT_ULL(bit % 64)))
			continue;
		if (bit >= MAX_NUMNODES)
			return -EINVAL;
		node_set(bit, *mask);
	}
	return 0;
}

static long tier_ioc_set_nodes(struct strata_tier_nodes __user *uarg)
{
	struct strata_tier_nodes args;
	nodemask_t fast, slow;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~STRATA_TIER_NODES_AUTO)
		return -EINVAL;
	if (args.flags & STRATA_TIER_NODES_AUTO) {
		if (args.maxnode || args.fast || args.slow)
			return -EINVAL;
		tier_nodes_auto();
		return 0;
	}
	if (!args.maxnode || args.maxnode > TIER_MAXNODE)
		return -EINVAL;
	err = tier_get_nodemask(&fast, args.fast, args.maxnode);
	if (!err)
		err = tier_get_nodemask(&slow, args.slow, args.maxnode);
	if (!err)
		err = tier_nodes_set(&fast, &slow);
	return err;
}

static long tier_ioc_register(struct strata_tier_reg __user *uarg)
{
	struct strata_tier_reg args;
	u32 kinds = STRATA_TIER_REG_PIDFD | STRATA_TIER_REG_CGROUP;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if ((args.flags & ~kinds) || (args.flags & kinds) == kinds ||
	    args.id || args.reserved)
		return -EINVAL;
	err = tier_reg_create(args.flags, args.target, args.fast_quota,
			      &args.id);
	if (err)
		return err;
	if (put_user(args.id, &uarg->id)) {
		tier_reg_destroy(args.id);
		return -EFAULT;
	}
	return 0;
}

static long tier_ioc_set_quota(struct strata_tier_quota __user *uarg)
{
	struct strata_tier_quota args;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.reserved)
		return -EINVAL;
	return tier_reg_set_quota(args.id, args.fast_quota);
}

static long tier_ioc_list(struct strata_tier_list __user *uarg)
{
	struct strata_tier_list args;
	struct tier_reg *reg;
	unsigned long id;
	u32 n = 0, *ids = NULL;
	long err = 0;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.reserved)
		return -EINVAL;
	if (args.nr && !args.ids)
		return -EFAULT;
	if (args.nr) {
		ids = kvmalloc_array(min(args.nr, READ_ONCE(tier_max_regs)),
				     sizeof(*ids), GFP_KERNEL);
		if (!ids)
			return -ENOMEM;
	}
	mutex_lock(&tier_lock);
	xa_for_each(&tier_regs, id, reg) {
		if (n < min(args.nr, READ_ONCE(tier_max_regs)))
			ids[n] = id;
		n++;
	}
	mutex_unlock(&tier_lock);
	if (copy_to_user(u64_to_user_ptr(args.ids), ids,
			 min(n, args.nr) * sizeof(*ids)) ||
	    put_user(n, &uarg->nr))
		err = -EFAULT;
	kvfree(ids);
	return err;
}

static void tier_fill_stats(struct strata_tier_stats *st,
			    const struct tier_reg *reg)
{
	st->kind = reg->kind;
	st->pid = reg->tgid;
	st->nr_spaces = READ_ONCE(reg->nr_spaces);
	st->interval_ms = READ_ONCE(reg->interval_ms);
	st->cgroup_id = reg->cgroup_id;
	st->fast_quota = READ_ONCE(reg->quota_pages);
	st->fast_quota = st->fast_quota == U64_MAX ? STRATA_TIER_QUOTA_NONE :
			 st->fast_quota << PAGE_SHIFT;
	st->rounds = tier_stat_read(reg, rounds);
	st->scanned = tier_stat_read(reg, scanned);
	st->young = tier_stat_read(reg, young);
	st->promoted = tier_stat_read(reg, promoted);
	st->demoted = tier_stat_read(reg, demoted);
	st->failed = tier_stat_read(reg, failed);
	st->thp_split = tier_stat_read(reg, thp_split);
	st->skip_thp = tier_stat_read(reg, skip_thp);
	st->skip_pinned = tier_stat_read(reg, skip_pinned);
	st->skip_ksm = tier_stat_read(reg, skip_ksm);
	st->fast_pages = tier_stat_read(reg, fast_pages);
	st->slow_pages = tier_stat_read(reg, slow_pages);
	st->hot_pages = tier_stat_read(reg, hot_pages);
	st->scan_ns = tier_stat_read(reg, scan_ns);
	st->migrate_ns = tier_stat_read(reg, migrate_ns);
}

/* Extensible: the caller's size says how much it knows (sched_attr-like). */
static long tier_ioc_stats(struct strata_tier_stats __user *uarg)
{
	struct strata_tier_stats st;
	struct tier_reg *reg;
	u32 size;
	int err;

	if (get_user(size, &uarg->size))
		return -EFAULT;
	if (size < offsetofend(struct strata_tier_stats, id) ||
	    size > PAGE_SIZE)
		return -EINVAL;
	err = copy_struct_from_user(&st, sizeof(st), uarg, size);
	if (err)
		return err;
	if (memchr_inv(&st.kind, 0, sizeof(st) -
		       offsetof(struct strata_tier_stats, kind)))
		return -EINVAL;

	rcu_read_lock();
	reg = xa_load(&tier_regs, st.id);
	if (reg)
		tier_fill_stats(&st, reg);
	rcu_read_unlock();
	if (!reg)
		return -ENOENT;
	st.size = min_t(u32, size, sizeof(st));
	return copy_to_user(uarg, &st, st.size) ? -EFAULT : 0;
}

/**
 * tier_ioctl() - dispatch an ioctl of /dev/strata/tier
 * @file: the device file
 * @cmd: STRATA_TIER_IOC_*
 * @arg: user pointer to the command's structure
 *
 * Return: 0 or a negative errno; -ENOTTY for an unknown command.
 */
long tier_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	u32 id;

	switch (cmd) {
	case STRATA_TIER_IOC_INFO:
		return tier_ioc_info(uarg);
	case STRATA_TIER_IOC_LIST:
		return tier_ioc_list(uarg);
	case STRATA_TIER_IOC_STATS:
		return tier_ioc_stats(uarg);
	case STRATA_TIER_IOC_SET_NODES:
	case STRATA_TIER_IOC_REGISTER:
	case STRATA_TIER_IOC_UNREGISTER:
	case STRATA_TIER_IOC_SET_QUOTA:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		break;
	default:
		return -ENOTTY;
	}

	switch (cmd) {
	case STRATA_TIER_IOC_SET_NODES:
		return tier_ioc_set_nodes(uarg);
	case STRATA_TIER_IOC_REGISTER:
		return tier_ioc_register(uarg);
	case STRATA_TIER_IOC_UNREGISTER:
		if (get_user(id, (u32 __user *)uarg))
			return -EFAULT;
		return tier_reg_destroy(id);
	default:
		return tier_ioc_set_quota(uarg);
	}
}

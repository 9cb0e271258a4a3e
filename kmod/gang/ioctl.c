// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang - the ioctls of /dev/strata/gang: copying and checking
 */

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "gang.h"

static long gang_ioc_status(void __user *uarg)
{
	struct strata_gang_status st;

	gang_sched_status(&st);
	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long gang_ioc_gpus(void __user *uarg)
{
	struct strata_gang_gpus args;
	struct strata_gang_gpu *gpus;
	struct strata_gang_gpu __user *ugpus;
	unsigned int i, n;
	long err = 0;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.count || args.reserved || (args.capacity && !args.gpus))
		return -EINVAL;
	ugpus = u64_to_user_ptr(args.gpus);
	n = min(args.capacity, gang_nr_gpus);
	gpus = kcalloc(max(n, 1U), sizeof(*gpus), GFP_KERNEL);
	if (!gpus)
		return -ENOMEM;
	rt_mutex_lock(&gang_lock);
	for (i = 0; i < n; i++) {
		const struct gang_gpu *gpu = &gang_gpus[i];

		gpus[i].id = gpu->id;
		gpus[i].kind = gpu->kind;
		gpus[i].dev = new_encode_dev(gpu->dev);
		gpus[i].gang_koid = gpu->owner;
		memcpy(gpus[i].name, gpu->name, sizeof(gpus[i].name));
	}
	rt_mutex_unlock(&gang_lock);
	for (i = 0; i < n; i++)
		if (gpus[i].kind == STRATA_GANG_GPU_FAKE)
			gang_fakegpu_stat(i, &gpus[i]);
	if (n && copy_to_user(ugpus, gpus, n * sizeof(*gpus)))
		err = -EFAULT;
	kfree(gpus);
	args.count = gang_nr_gpus;
	if (!err && copy_to_user(uarg, &args, sizeof(args)))
		err = -EFAULT;
	return err;
}

static long gang_ioc_create(void __user *uarg)
{
	struct strata_gang_create args;
	struct gang *g;
	u32 handle;
	u64 koid;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	g = gang_create(&args);
	if (IS_ERR(g))
		return PTR_ERR(g);
	koid = g->obj.koid;
	/* On failure the handle's creation reference is dropped: g is gone. */
	err = strata_handle_install(args.table_fd, &g->obj,
				    STRATA_DEFAULT_GANG_RIGHTS, &handle);
	if (err)
		return err;
	args.handle = handle;
	args.koid = koid;
	/*
	 * The handle exists now; a fault here leaves it in the table, as
	 * for every strata_cap call that creates an object.
	 */
	return copy_to_user(uarg, &args, sizeof(args)) ? -EFAULT : 0;
}

static long gang_ioc_ref(void __user *uarg, unsigned int cmd)
{
	struct strata_gang_ref args;
	struct gang *g;
	u32 rights = 0;
	long err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.member || args.reserved)
		return -EINVAL;
	if (cmd == STRATA_GANG_IOC_JOIN)
		rights = STRATA_RIGHT_WRITE;
	else if (cmd == STRATA_GANG_IOC_KILL)
		rights = STRATA_RIGHT_DESTROY;
	g = gang_get(args.table_fd, args.handle, rights);
	if (IS_ERR(g))
		return PTR_ERR(g);
	switch (cmd) {
	case STRATA_GANG_IOC_JOIN:
		err = gang_join(g, &args.member);
		if (!err && copy_to_user(uarg, &args, sizeof(args)))
			err = -EFAULT;
		break;
	case STRATA_GANG_IOC_LEAVE:
		err = gang_leave(g);
		break;
	default:
		err = gang_kill(g);
		break;
	}
	strata_object_put(&g->obj);
	return err;
}

/* The administrator's kill: by koid, without a handle. */
static long gang_ioc_kill_id(void __user *uarg)
{
	struct strata_gang_kill_id args;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.reserved || !args.koid)
		return -EINVAL;
	return gang_kill_id(args.koid);
}

static long gang_ioc_step(void __user *uarg)
{
	struct strata_gang_step args;
	struct gang *g;
	long err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if ((args.flags & ~STRATA_GANG_STEP_FLAGS) || args.member ||
	    args.cpu || args.nr_gpus || args.slice || args.slice_end_ns ||
	    memchr_inv(args.gpus, 0, sizeof(args.gpus)) ||
	    args.reserved[0] || args.reserved[1])
		return -EINVAL;
	g = gang_get(args.table_fd, args.handle, 0);
	if (IS_ERR(g))
		return PTR_ERR(g);
	err = gang_step(g, &args);
	strata_object_put(&g->obj);
	if (!err && copy_to_user(uarg, &args, sizeof(args)))
		err = -EFAULT;
	return err;
}

static long gang_ioc_set(void __user *uarg)
{
	struct strata_gang_set args;
	struct gang *g;
	long err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	g = gang_get(args.table_fd, args.handle, STRATA_RIGHT_SET_PROPERTY);
	if (IS_ERR(g))
		return PTR_ERR(g);
	err = gang_set(g, &args);
	strata_object_put(&g->obj);
	return err;
}

static long gang_ioc_info(void __user *uarg)
{
	struct strata_gang_query args;
	struct gang *g;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (memchr_inv(&args.info, 0, sizeof(args.info)))
		return -EINVAL;
	g = gang_get(args.table_fd, args.handle, STRATA_RIGHT_INSPECT);
	if (IS_ERR(g))
		return PTR_ERR(g);
	rt_mutex_lock(&gang_lock);
	gang_fill_info(g, &args.info);
	rt_mutex_unlock(&gang_lock);
	strata_object_put(&g->obj);
	return copy_to_user(uarg, &args, sizeof(args)) ? -EFAULT : 0;
}

static long gang_ioc_list(void __user *uarg)
{
	struct strata_gang_info __user *uinfo;
	struct strata_gang_info *infos;
	struct strata_gang_list args;
	unsigned int n = 0, cap;
	struct gang *g;
	long err = 0;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.count || args.reserved || (args.capacity && !args.gangs))
		return -EINVAL;
	uinfo = u64_to_user_ptr(args.gangs);
	cap = min(args.capacity, STRATA_GANG_LIST_MAX);
	infos = kvcalloc(max(cap, 1U), sizeof(*infos), GFP_KERNEL_ACCOUNT);
	if (!infos)
		return -ENOMEM;
	rt_mutex_lock(&gang_lock);
	list_for_each_entry(g, &gang_all, node) {
		if (n < cap)
			gang_fill_info(g, &infos[n]);
		n++;
	}
	rt_mutex_unlock(&gang_lock);
	if (copy_to_user(uinfo, infos, min(n, cap) * sizeof(*infos)))
		err = -EFAULT;
	kvfree(infos);
	args.count = n;
	if (!err && copy_to_user(uarg, &args, sizeof(args)))
		err = -EFAULT;
	return err;
}

/**
 * gang_ioctl() - /dev/strata/gang's ioctls
 * @file: the device file
 * @cmd: STRATA_GANG_IOC_*
 * @arg: user pointer to the argument
 *
 * Return: 0 or a negative errno; Documentation/gang.rst lists them.
 */
long gang_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case STRATA_GANG_IOC_STATUS:
		return gang_ioc_status(uarg);
	case STRATA_GANG_IOC_GPUS:
		return gang_ioc_gpus(uarg);
	case STRATA_GANG_IOC_CREATE:
		return gang_ioc_create(uarg);
	case STRATA_GANG_IOC_JOIN:
	case STRATA_GANG_IOC_LEAVE:
	case STRATA_GANG_IOC_KILL:
		return gang_ioc_ref(uarg, cmd);
	case STRATA_GANG_IOC_KILL_ID:
		return gang_ioc_kill_id(uarg);
	case STRATA_GANG_IOC_STEP:
		return gang_ioc_step(uarg);
	case STRATA_GANG_IOC_SET:
		return gang_ioc_set(uarg);
	case STRATA_GANG_IOC_INFO:
		return gang_ioc_info(uarg);
	case STRATA_GANG_IOC_LIST:
		return gang_ioc_list(uarg);
	default:
		return -ENOTTY;
	}
}

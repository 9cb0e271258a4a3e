// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang - module setup: parameters and the /dev/strata/gang device
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/string.h>

#include <strata/param.h>

#include "gang.h"

STRATA_UINT_PARAM(slice_ms, gang_slice_ms, 100, 1, 60000, gang_sched_kick,
		  "Default slice length, ms");
STRATA_UINT_PARAM(starve_ms, gang_starve_ms, 2000, 1, 3600000, gang_sched_kick,
		  "A gang queued this long ranks before every other, ms");
STRATA_UINT_PARAM(fill_idle, gang_fill_idle, 1, 0, 1, gang_sched_kick,
		  "LAS: let a waiting gang go first when that leaves fewer GPUs idle");
STRATA_UINT_PARAM(park_grace_ms, gang_park_grace_ms, 50, 0, 60000, gang_sched_kick,
		  "How long members of a preempted STOP gang may take to park before they are stopped, ms");
STRATA_UINT_PARAM(sched_policy, gang_policy_mode, 0, 0, 2, gang_sched_kick,
		  "0: least attained service with slices, 1: FIFO, 2: FIFO with backfill");
STRATA_UINT_PARAM(user_max_gangs, gang_user_max_gangs, 64, 1, 65536, gang_sched_kick,
		  "Most live gangs per user without CAP_SYS_ADMIN");
STRATA_UINT_PARAM(switch_us, gang_fake_switch_us, 150, 0, 1000000, gang_sched_kick,
		  "Context-switch cost of the fake GPUs, us");

bool gang_unpriv_cosched;
module_param_named(unpriv_cosched, gang_unpriv_cosched, bool, 0644);
MODULE_PARM_DESC(unpriv_cosched,
		 "Let users without CAP_SYS_NICE create co-scheduled gangs (default N)");

static unsigned int fake_gpus;
module_param(fake_gpus, uint, 0444);
MODULE_PARM_DESC(fake_gpus, "Fake GPUs to create, /dev/strata/gpuN (0-64, default 0)");

/*
 * The CPU pool of co-scheduled gangs.  Before init the list is kept for
 * gang_sched_init(); after, a change applies at once unless a running
 * gang holds pool CPUs or a co-scheduled gang would no longer fit.
 */
static char gang_cpus_list[256];

static int gang_cpus_set(const char *val, const struct kernel_param *kp)
{
	char buf[sizeof(gang_cpus_list)];

	if (strscpy(buf, val, sizeof(buf)) < 0)
		return -EINVAL;
	strim(buf);
	if (gang_sched_ready())
		return gang_sched_set_pool(buf);
	strscpy(gang_cpus_list, buf, sizeof(gang_cpus_list));
	return 0;
}

static int gang_cpus_get(char *buf, const struct kernel_param *kp)
{
	return gang_sched_get_pool(buf);
}

static const struct kernel_param_ops gang_cpus_ops = {
	.set = gang_cpus_set,
	.get = gang_cpus_get,
};
module_param_cb(cpus, &gang_cpus_ops, NULL, 0644);
MODULE_PARM_DESC(cpus, "CPU pool of co-scheduled gangs, e.g. 0-3 (default: every online CPU)");

static const struct file_operations strata_gang_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = gang_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* Live gangs: 0 once every gang has ended and lost its last handle. */
static ssize_t gangs_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct strata_gang_status st;

	gang_sched_status(&st);
	return sysfs_emit(buf, "%u\n", st.gangs);
}
static DEVICE_ATTR_RO(gangs);

static struct attribute *strata_gang_attrs[] = {
	&dev_attr_gangs.attr,
	NULL,
};
ATTRIBUTE_GROUPS(strata_gang);

static struct miscdevice strata_gang_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "strata_gang",
	.nodename = "strata/gang",
	.mode = 0666,
	.fops = &strata_gang_fops,
	.groups = strata_gang_groups,
};

static int __init strata_gang_init(void)
{
	int err;

	/* The parameters' ranges above are written out for modinfo. */
	BUILD_BUG_ON(STRATA_GANG_MAX_SLICE_MS != 60000 ||
		     STRATA_GANG_POLICY_LAS != 0 ||
		     STRATA_GANG_POLICY_BACKFILL != 2);
	if (fake_gpus > STRATA_GANG_MAX_GPUS) {
		pr_err("fake_gpus=%u: at most %u\n", fake_gpus,
		       STRATA_GANG_MAX_GPUS);
		return -EINVAL;
	}
	err = gang_sched_init(gang_cpus_list[0] ? gang_cpus_list : NULL);
	if (err)
		return err;
	err = gang_gpus_init(fake_gpus);
	if (err)
		goto out_sched;
	err = gang_exit_init();
	if (err) {
		pr_err("cannot watch task exits: %d\n", err);
		goto out_gpus;
	}
	gang_scx_init();
	err = gang_policy_init();
	if (err) {
		pr_err("cannot register strata_gang_ops or kfuncs: %d\n", err);
		goto out_exit;
	}
	err = misc_register(&strata_gang_dev);
	if (err) {
		pr_err("cannot register /dev/strata/gang: %d\n", err);
		goto out_exit;
	}
	return 0;

out_exit:
	gang_exit_exit();
out_gpus:
	gang_gpus_exit();
out_sched:
	gang_sched_exit();
	return err;
}

/*
 * Every gang holds a reference to the module (its strata_object_type's
 * owner), so none is left here: only the devices and the hooks remain.
 */
static void __exit strata_gang_exit(void)
{
	misc_deregister(&strata_gang_dev);
	gang_scx_exit();
	gang_exit_exit();
	gang_gpus_exit();
	gang_sched_exit();
	/* The last gangs' memory is freed by RCU callbacks in this module. */
	rcu_barrier();
}

module_init(strata_gang_init);
module_exit(strata_gang_exit);

MODULE_DESCRIPTION("strata GPU gang scheduler: all-or-nothing admission, co-scheduling");
MODULE_AUTHOR("The strata authors");
MODULE_LICENSE("GPL");

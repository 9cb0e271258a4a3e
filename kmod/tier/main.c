// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier - module setup: parameters and the /dev/strata/tier device
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include <strata/param.h>

#include "tier.h"

STRATA_UINT_PARAM(scan_first_ms, tier_scan_first_ms, 25, 10, 60000, NULL,
		  "Interval after a registration's first round, in ms");
STRATA_UINT_PARAM(scan_min_ms, tier_scan_min_ms, 100, 10, 60000, NULL,
		  "Scan interval while there is work, in ms");
STRATA_UINT_PARAM(scan_max_ms, tier_scan_max_ms, 1000, 10, 60000, NULL,
		  "Longest scan interval when quiet, in ms");
STRATA_UINT_PARAM(hot_rounds, tier_hot_rounds, 2, 1, 4, NULL,
		  "A page accessed in this many of the last 4 rounds is hot");
STRATA_UINT_PARAM(cold_rounds, tier_cold_rounds, 4, 1, 8, NULL,
		  "A page not accessed in this many rounds is cold");
STRATA_UINT_PARAM(rate_limit_mbps, tier_rate_limit_mbps, 512, 1, 1048576, NULL,
		  "Migration rate limit, MiB/s, both directions together");
STRATA_UINT_PARAM(fast_reserve_pct, tier_fast_reserve_pct, 2, 0, 50, NULL,
		  "Percent of each fast node that promotions leave free");
STRATA_UINT_PARAM(max_regs, tier_max_regs, 64, 1, 4096, NULL,
		  "Most registrations at a time");
STRATA_UINT_PARAM(migrate_threads, tier_migrate_threads, 4, 1, 16, NULL,
		  "Threads a round's moves may use: its own and helpers on the workload's CPUs");

bool tier_thp_split = true;
module_param_named(thp_split, tier_thp_split, bool, 0644);
MODULE_PARM_DESC(thp_split,
		 "Split huge pages to move parts of them (default Y); N leaves them where they are");

static char *fast_nodes;
module_param(fast_nodes, charp, 0444);
MODULE_PARM_DESC(fast_nodes, "Override: list of fast nodes, e.g. 0 or 0-1");
static char *slow_nodes;
module_param(slow_nodes, charp, 0444);
MODULE_PARM_DESC(slow_nodes, "Override: list of slow nodes, e.g. 2-3");

static const struct file_operations strata_tier_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = tier_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static ssize_t registrations_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&tier_nr_regs));
}
static DEVICE_ATTR_RO(registrations);

static struct attribute *strata_tier_attrs[] = {
	&dev_attr_registrations.attr,
	NULL,
};
ATTRIBUTE_GROUPS(strata_tier);

static struct miscdevice strata_tier_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "strata_tier",
	.nodename = "strata/tier",
	.mode = 0666,
	.fops = &strata_tier_fops,
	.groups = strata_tier_groups,
};

static int __init strata_tier_init(void)
{
	int err;

	err = tier_nodes_init(fast_nodes, slow_nodes);
	if (err)
		return err;
	err = tier_regs_init();
	if (err)
		return err;
	err = tier_policy_init();
	if (err) {
		pr_err("cannot register strata_tier_ops or kfuncs: %d\n", err);
		goto out_regs;
	}
	err = misc_register(&strata_tier_dev);
	if (err) {
		pr_err("cannot register /dev/strata/tier: %d\n", err);
		goto out_regs;
	}
	return 0;

out_regs:
	tier_regs_exit();
	return err;
}

static void __exit strata_tier_exit(void)
{
	misc_deregister(&strata_tier_dev);
	tier_regs_exit();
}

module_init(strata_tier_init);
module_exit(strata_tier_exit);

MODULE_DESCRIPTION("strata tiered memory: hot pages on DRAM, cold on CXL");
MODULE_AUTHOR("The strata authors");
MODULE_LICENSE("GPL");

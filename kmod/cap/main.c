// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - module setup: the /dev/strata/cap device
 *
 * Each open of the device creates a handle table bound to the opening
 * thread group; closing the last reference to the file closes every
 * handle in it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/seq_file.h>

#include "common.h"

struct strata_cap_stats strata_cap_stats;

unsigned int strata_max_handles = STRATA_MAX_HANDLES_DEFAULT;

static int strata_max_handles_set(const char *val,
				  const struct kernel_param *kp)
{
	unsigned int n;
	int err;

	err = kstrtouint(val, 0, &n);
	if (err)
		return err;
	if (n < 1 || n > STRATA_HANDLE_IDX_MAX)
		return -ERANGE;
	WRITE_ONCE(strata_max_handles, n);
	return 0;
}

static const struct kernel_param_ops strata_max_handles_ops = {
	.set = strata_max_handles_set,
	.get = param_get_uint,
};

module_param_cb(max_handles, &strata_max_handles_ops, &strata_max_handles,
		0644);
MODULE_PARM_DESC(max_handles,
		 "Handles a new table may hold (1-131071, default 65536)");

unsigned int strata_channel_max_msgs = 1024;

static int strata_channel_max_msgs_set(const char *val,
				       const struct kernel_param *kp)
{
	unsigned int n;
	int err;

	err = kstrtouint(val, 0, &n);
	if (err)
		return err;
	if (n < 1 || n > 1U << 20)
		return -ERANGE;
	WRITE_ONCE(strata_channel_max_msgs, n);
	return 0;
}

static const struct kernel_param_ops strata_channel_max_msgs_ops = {
	.set = strata_channel_max_msgs_set,
	.get = param_get_uint,
};

module_param_cb(channel_max_msgs, &strata_channel_max_msgs_ops,
		&strata_channel_max_msgs, 0644);
MODULE_PARM_DESC(channel_max_msgs,
		 "Messages a channel endpoint may have queued (1-1048576, default 1024)");

static int strata_cap_open(struct inode *inode, struct file *file)
{
	struct strata_table *table;

	table = strata_table_create();
	if (IS_ERR(table))
		return PTR_ERR(table);
	file->private_data = table;
	return 0;
}

static int strata_cap_release(struct inode *inode, struct file *file)
{
	strata_table_destroy(file->private_data);
	return 0;
}

static void strata_cap_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct strata_table *table = file->private_data;

	mutex_lock(&table->lock);
	seq_printf(m, "strata-table-koid:\t%llu\n", table->koid);
	seq_printf(m, "strata-owner-tgid:\t%d\n", pid_vnr(table->owner));
	seq_printf(m, "strata-handles:\t%u\n", table->nr_handles);
	seq_printf(m, "strata-max-handles:\t%u\n", table->max_handles);
	mutex_unlock(&table->lock);
	spin_lock_irq(&table->port_wq.lock);
	seq_printf(m, "strata-packets:\t%u\n", table->nr_packets);
	seq_printf(m, "strata-async-waits:\t%u\n",
		   table->nr_async_waits - (table->nr_packets -
					    table->nr_user_packets));
	spin_unlock_irq(&table->port_wq.lock);
}

static __poll_t strata_cap_poll(struct file *file, struct poll_table_struct *pt)
{
	return strata_port_poll(file->private_data, file, pt);
}

static const struct file_operations strata_cap_fops;

/**
 * strata_table_from_file() - the table behind a file, if it is one
 * @file: any file
 *
 * Return: the table, or NULL for any other file.
 */
struct strata_table *strata_table_from_file(struct file *file)
{
	return file->f_op == &strata_cap_fops ? file->private_data : NULL;
}

static const struct file_operations strata_cap_fops = {
	.owner = THIS_MODULE,
	.open = strata_cap_open,
	.release = strata_cap_release,
	.poll = strata_cap_poll,
	.unlocked_ioctl = strata_cap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.show_fdinfo = strata_cap_show_fdinfo,
};

#define STRATA_STAT_ATTR(_name)						\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%ld\n",					\
			  atomic_long_read(&strata_cap_stats._name));	\
}									\
static DEVICE_ATTR_RO(_name)

STRATA_STAT_ATTR(objects);
STRATA_STAT_ATTR(tables);
STRATA_STAT_ATTR(handles);
STRATA_STAT_ATTR(messages);

static struct attribute *strata_cap_attrs[] = {
	&dev_attr_objects.attr,
	&dev_attr_tables.attr,
	&dev_attr_handles.attr,
	&dev_attr_messages.attr,
	NULL,
};
ATTRIBUTE_GROUPS(strata_cap);

static struct miscdevice strata_cap_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "strata_cap",
	.nodename = "strata/cap",
	.mode = 0666,
	.fops = &strata_cap_fops,
	.groups = strata_cap_groups,
};

static int __init strata_cap_init(void)
{
	int err;

	err = strata_handle_cache_init();
	if (err)
		return err;
	err = strata_channel_init();
	if (err)
		goto out_cache;
	err = strata_policy_init();
	if (err) {
		pr_err("cannot register strata_cap_ops or kfuncs: %d\n", err);
		goto out_channel;
	}
	err = misc_register(&strata_cap_dev);
	if (err) {
		pr_err("cannot register /dev/strata/cap: %d\n", err);
		goto out_channel;
	}
	return 0;

out_channel:
	strata_channel_exit();
out_cache:
	strata_handle_cache_exit();
	return err;
}

static void __exit strata_cap_exit(void)
{
	misc_deregister(&strata_cap_dev);
	strata_channel_exit();
	WARN_ON_ONCE(atomic_long_read(&strata_cap_stats.tables));
	WARN_ON_ONCE(atomic_long_read(&strata_cap_stats.objects));
	WARN_ON_ONCE(atomic_long_read(&strata_cap_stats.handles));
	strata_quota_exit();
	strata_handle_cache_exit();
}

module_init(strata_cap_init);
module_exit(strata_cap_exit);

MODULE_DESCRIPTION("strata capability handles");
MODULE_AUTHOR("The strata authors");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - ioctls on the handle table
 */

#include <linux/fs.h>
#include <linux/uaccess.h>
#include <uapi/strata/cap.h>

#include "common.h"

static long strata_ioc_table_info(struct strata_table *table,
				  void __user *uarg)
{
	struct strata_cap_table_info info = {};

	mutex_lock(&table->lock);
	info.koid = table->koid;
	info.nr_handles = table->nr_handles;
	info.max_handles = table->max_handles;
	mutex_unlock(&table->lock);

	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long strata_ioc_event_create(struct strata_table *table,
				    void __user *uarg)
{
	struct strata_cap_create args;
	struct strata_object *obj;
	u32 rights;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.options || args.handle || args.reserved)
		return -EINVAL;

	rights = STRATA_DEFAULT_EVENT_RIGHTS;
	err = strata_policy_create(STRATA_OBJ_EVENT, rights);
	if (err)
		return err;

	obj = strata_event_create();
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	err = strata_handle_add(table, obj, rights, &args.handle);
	if (err) {
		strata_object_put(obj);
		return err;
	}
	if (copy_to_user(uarg, &args, sizeof(args))) {
		strata_handle_close(table, args.handle);
		return -EFAULT;
	}
	return 0;
}

static long strata_ioc_handle_close(struct strata_table *table,
				    void __user *uarg)
{
	u32 value;

	if (get_user(value, (u32 __user *)uarg))
		return -EFAULT;
	return strata_handle_close(table, value);
}

static long strata_ioc_handle_duplicate(struct strata_table *table,
					void __user *uarg)
{
	struct strata_cap_duplicate args;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.out || args.reserved)
		return -EINVAL;
	if (args.rights != STRATA_RIGHT_SAME_RIGHTS &&
	    args.rights & ~STRATA_RIGHTS_ALL)
		return -EINVAL;

	err = strata_handle_duplicate(table, args.handle, args.rights,
				      &args.out);
	if (err)
		return err;
	if (copy_to_user(uarg, &args, sizeof(args))) {
		strata_handle_close(table, args.out);
		return -EFAULT;
	}
	return 0;
}

static long strata_ioc_handle_info(struct strata_table *table,
				   void __user *uarg)
{
	struct strata_cap_handle_info info;
	struct strata_object *obj;
	u32 rights;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if (info.type || info.rights || info.reserved || info.koid ||
	    info.related_koid)
		return -EINVAL;

	obj = strata_handle_get(table, info.handle, &rights);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	info.type = obj->type->type;
	info.rights = rights;
	info.koid = obj->koid;
	info.related_koid = obj->related_koid;
	strata_object_put(obj);

	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

/**
 * strata_cap_ioctl() - dispatch an ioctl on a handle table
 * @file: the table's file
 * @cmd: STRATA_CAP_IOC_*
 * @arg: user pointer to the command's structure
 *
 * Return: 0 or a negative errno; -EACCES for any process other than the
 * table's owner, -ENOTTY for an unknown @cmd.
 */
long strata_cap_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct strata_table *table = file->private_data;
	void __user *uarg = (void __user *)arg;

	if (!strata_table_is_owner(table))
		return -EACCES;

	switch (cmd) {
	case STRATA_CAP_IOC_TABLE_INFO:
		return strata_ioc_table_info(table, uarg);
	case STRATA_CAP_IOC_EVENT_CREATE:
		return strata_ioc_event_create(table, uarg);
	case STRATA_CAP_IOC_HANDLE_CLOSE:
		return strata_ioc_handle_close(table, uarg);
	case STRATA_CAP_IOC_HANDLE_DUPLICATE:
		return strata_ioc_handle_duplicate(table, uarg);
	case STRATA_CAP_IOC_HANDLE_INFO:
		return strata_ioc_handle_info(table, uarg);
	default:
		return -ENOTTY;
	}
}

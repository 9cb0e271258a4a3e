// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - ioctls on the handle table
 *
 * Each handler copies its structure in, refuses reserved and output
 * fields that are not zero and option bits it does not know, and only
 * then acts; so a malformed call changes nothing.
 */

#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "common.h"
#include "trace.h"

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

/* Hand a new handle to user space, or take it back if that faults. */
static long strata_ioc_return(struct strata_table *table, void __user *uarg,
			      const void *args, size_t size,
			      const u32 *values, int n)
{
	int i;

	if (!copy_to_user(uarg, args, size))
		return 0;
	for (i = 0; i < n; i++)
		strata_table_close(table, values[i]);
	return -EFAULT;
}

static long strata_ioc_event_create(struct strata_table *table,
				    void __user *uarg)
{
	struct strata_cap_create args;
	struct strata_object *obj;
	u32 rights = STRATA_DEFAULT_EVENT_RIGHTS;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.options || args.handle || args.reserved)
		return -EINVAL;

	err = strata_policy_create(STRATA_OBJ_EVENT, rights);
	if (err)
		return err;
	obj = strata_event_create();
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	err = strata_create_handle(table, obj, rights, &args.handle);
	if (err)
		return err;
	return strata_ioc_return(table, uarg, &args, sizeof(args),
				 &args.handle, 1);
}

static long strata_ioc_pair_create(struct strata_table *table,
				   void __user *uarg, u32 type)
{
	struct strata_cap_create_pair args;
	struct strata_object *objs[2];
	u32 rights;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.options || args.handles[0] || args.handles[1] ||
	    args.reserved)
		return -EINVAL;

	rights = type == STRATA_OBJ_CHANNEL ? STRATA_DEFAULT_CHANNEL_RIGHTS :
					      STRATA_DEFAULT_EVENTPAIR_RIGHTS;
	err = strata_policy_create(type, rights);
	if (err)
		return err;
	err = type == STRATA_OBJ_CHANNEL ? strata_channel_create(objs) :
					   strata_eventpair_create(objs);
	if (err)
		return err;
	err = strata_create_handle(table, objs[0], rights, &args.handles[0]);
	if (err) {
		strata_object_put(objs[1]);
		return err;
	}
	err = strata_create_handle(table, objs[1], rights, &args.handles[1]);
	if (err) {
		strata_table_close(table, args.handles[0]);
		return err;
	}
	return strata_ioc_return(table, uarg, &args, sizeof(args),
				 args.handles, 2);
}

static long strata_ioc_vmo_create(struct strata_table *table,
				  void __user *uarg)
{
	struct strata_cap_vmo_create args;
	struct strata_object *obj;
	u32 rights = STRATA_DEFAULT_VMO_RIGHTS;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.options & ~STRATA_VMO_RESIZABLE || args.handle ||
	    args.reserved)
		return -EINVAL;
	if (args.options & STRATA_VMO_RESIZABLE)
		rights |= STRATA_RIGHT_RESIZE;
	if (!args.size || args.size > STRATA_VMO_MAX_SIZE)
		return -EINVAL;

	err = strata_policy_create(STRATA_OBJ_VMO, rights);
	if (err)
		return err;
	obj = strata_vmo_create(args.size);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	err = strata_create_handle(table, obj, rights, &args.handle);
	if (err)
		return err;
	return strata_ioc_return(table, uarg, &args, sizeof(args),
				 &args.handle, 1);
}

/* The VMO @value names, with @rights; drop with strata_handle_put(). */
static struct strata_handle *strata_vmo_get(struct strata_table *table,
					    u32 value, u32 rights)
{
	struct strata_handle *h;

	h = strata_table_get(table, value, rights);
	if (!IS_ERR(h) && !strata_is_vmo(h->obj)) {
		strata_handle_put(h);
		h = ERR_PTR(-EINVAL);
	}
	return h;
}

static long strata_ioc_vmo_rw(struct strata_table *table, void __user *uarg,
			      bool write)
{
	struct strata_cap_vmo_rw args;
	struct strata_handle *h;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.options)
		return -EINVAL;

	h = strata_vmo_get(table, args.handle, write ? STRATA_RIGHT_WRITE :
							STRATA_RIGHT_READ);
	if (IS_ERR(h))
		return PTR_ERR(h);
	err = strata_vmo_rw(h->obj, write, u64_to_user_ptr(args.buffer),
			    args.offset, args.length);
	strata_handle_put(h);
	return err;
}

static long strata_ioc_vmo_size(struct strata_table *table, void __user *uarg,
				bool set)
{
	struct strata_cap_vmo_size args;
	struct strata_handle *h;
	int err = 0;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.options || (!set && args.size))
		return -EINVAL;

	h = strata_vmo_get(table, args.handle, set ? STRATA_RIGHT_WRITE |
						     STRATA_RIGHT_RESIZE :
						     STRATA_RIGHT_GET_PROPERTY);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (set)
		err = strata_vmo_set_size(h->obj, args.size);
	else
		args.size = strata_vmo_size(h->obj);
	strata_handle_put(h);
	if (err || set)
		return err;
	return copy_to_user(uarg, &args, sizeof(args)) ? -EFAULT : 0;
}

static long strata_ioc_vmo_map(struct strata_table *table, void __user *uarg)
{
	struct strata_cap_vmo_map args;
	struct strata_handle *h;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.addr || args.prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC) ||
	    !args.length || !PAGE_ALIGNED(args.offset) ||
	    args.offset > STRATA_VMO_MAX_SIZE ||
	    args.length > STRATA_VMO_MAX_SIZE)
		return -EINVAL;

	h = strata_vmo_get(table, args.handle,
			   strata_vmo_map_rights(args.prot));
	if (IS_ERR(h))
		return PTR_ERR(h);
	err = strata_policy_map(h, args.prot);
	if (!err)
		err = strata_vmo_map(h->obj, h->rights, &args);
	strata_handle_put(h);
	if (err)
		return err;
	if (copy_to_user(uarg, &args, sizeof(args))) {
		vm_munmap(args.addr, args.length);
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
	return strata_table_close(table, value);
}

static long strata_ioc_handle_close_many(struct strata_table *table,
					 void __user *uarg)
{
	struct strata_cap_close_many args;
	s32 __user *uresults;
	u32 *values;
	long err = 0;
	u32 i;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.nr_bad || args.count > STRATA_CAP_CLOSE_MANY_MAX)
		return -EINVAL;

	values = memdup_array_user(u64_to_user_ptr(args.handles), args.count,
				   sizeof(*values));
	if (IS_ERR(values))
		return PTR_ERR(values);
	uresults = u64_to_user_ptr(args.results);
	for (i = 0; i < args.count; i++) {
		int ret = strata_table_close(table, values[i]);

		if (ret)
			args.nr_bad++;
		if (args.results && put_user(ret, uresults + i))
			err = -EFAULT;
	}
	kfree(values);
	if (copy_to_user(uarg, &args, sizeof(args)))
		err = -EFAULT;
	if (!err && args.nr_bad)
		err = -EBADF;
	return err;
}

static bool strata_rights_arg_valid(u32 rights)
{
	return rights == STRATA_RIGHT_SAME_RIGHTS ||
	       !(rights & ~STRATA_RIGHTS_ALL);
}

static long strata_ioc_handle_duplicate(struct strata_table *table,
					void __user *uarg)
{
	struct strata_cap_duplicate args;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.out || args.reserved || !strata_rights_arg_valid(args.rights))
		return -EINVAL;

	err = strata_table_duplicate(table, args.handle, args.rights,
				     &args.out);
	if (err)
		return err;
	return strata_ioc_return(table, uarg, &args, sizeof(args),
				 &args.out, 1);
}

static long strata_ioc_handle_replace(struct strata_table *table,
				      void __user *uarg)
{
	struct strata_cap_replace args;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	/* A malformed call changes nothing, like every other one. */
	if (args.out || args.reserved || !strata_rights_arg_valid(args.rights))
		return -EINVAL;

	err = strata_table_replace(table, args.handle, args.rights, &args.out);
	if (err)
		return err;
	return strata_ioc_return(table, uarg, &args, sizeof(args),
				 &args.out, 1);
}

static long strata_ioc_handle_info(struct strata_table *table,
				   void __user *uarg)
{
	struct strata_cap_handle_info info;
	struct strata_handle *h;
	u32 index;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if (info.type || info.rights || info.reserved || info.koid ||
	    info.related_koid)
		return -EINVAL;

	/* Needs no right, and works on a revoked handle too. */
	mutex_lock(&table->lock);
	h = __strata_table_lookup(table, info.handle, &index);
	if (h) {
		info.type = h->obj->type->type;
		info.rights = h->rights;
		info.koid = h->obj->koid;
		info.related_koid = h->obj->related_koid;
	}
	mutex_unlock(&table->lock);
	if (!h)
		return -EBADF;

	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long strata_ioc_handle_revoke(struct strata_table *table,
				     void __user *uarg)
{
	struct strata_cap_revoke args;
	struct strata_handle *h;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.options || args.nr_revoked || args.reserved)
		return -EINVAL;

	h = strata_table_get(table, args.handle, STRATA_RIGHT_REVOKE);
	if (IS_ERR(h))
		return PTR_ERR(h);
	err = strata_policy_revoke(h);
	if (!err)
		err = strata_handle_revoke(h, &args.nr_revoked);
	if (!err)
		trace_strata_cap_revoke(h, args.nr_revoked);
	strata_handle_put(h);
	if (err)
		return err;
	return copy_to_user(uarg, &args, sizeof(args)) ? -EFAULT : 0;
}

static long strata_ioc_handle_export(struct strata_table *table,
				     void __user *uarg)
{
	struct strata_cap_export args;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.fd || args.flags & ~O_CLOEXEC ||
	    !strata_rights_arg_valid(args.rights))
		return -EINVAL;

	/*
	 * Check that the result can be written before the handle leaves
	 * the table: once the fd is installed it cannot be taken back.
	 */
	if (put_user(0, &((struct strata_cap_export __user *)uarg)->fd))
		return -EFAULT;
	err = strata_handle_export(table, &args);
	if (err)
		return err;
	return put_user(args.fd,
			&((struct strata_cap_export __user *)uarg)->fd);
}

static long strata_ioc_handle_import(struct strata_table *table,
				     void __user *uarg)
{
	struct strata_cap_import args;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.options || args.handle || args.reserved)
		return -EINVAL;

	err = strata_handle_import(table, &args);
	if (err)
		return err;
	return strata_ioc_return(table, uarg, &args, sizeof(args),
				 &args.handle, 1);
}

static long strata_ioc_object_signal(struct strata_table *table,
				     void __user *uarg)
{
	struct strata_cap_signal args;
	struct strata_object *target;
	struct strata_handle *h;
	bool peer;
	int err = 0;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.options & ~STRATA_CAP_SIGNAL_PEER || args.reserved)
		return -EINVAL;
	peer = args.options & STRATA_CAP_SIGNAL_PEER;

	h = strata_table_get(table, args.handle, 0);
	if (IS_ERR(h))
		return PTR_ERR(h);
	target = h->obj;
	/* An object without a peer has no SIGNAL_PEER right to miss. */
	if (peer && !target->type->get_peer) {
		err = -EOPNOTSUPP;
		goto out_put;
	}
	err = strata_handle_check(h, peer ? STRATA_RIGHT_SIGNAL_PEER :
					    STRATA_RIGHT_SIGNAL);
	if (err)
		goto out_put;
	if ((args.clear_mask | args.set_mask) & ~target->type->user_signals) {
		err = -EINVAL;
		goto out_put;
	}
	if (peer) {
		target = target->type->get_peer(target);
		if (IS_ERR(target)) {
			err = PTR_ERR(target);
			goto out_put;
		}
	} else {
		strata_object_get(target);
	}
	strata_object_signal(target, args.clear_mask, args.set_mask);
	strata_object_put(target);
out_put:
	strata_handle_put(h);
	return err;
}

static long strata_ioc_wait_many(struct strata_table *table,
				 void __user *uarg)
{
	struct strata_cap_wait_item *items;
	struct strata_cap_wait_many args;
	long err;
	u32 i;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.options || !args.count ||
	    args.count > STRATA_CAP_WAIT_MANY_MAX || args.deadline < 0)
		return -EINVAL;

	items = memdup_array_user(u64_to_user_ptr(args.items), args.count,
				  sizeof(*items));
	if (IS_ERR(items))
		return PTR_ERR(items);
	for (i = 0; i < args.count; i++) {
		if (items[i].pending || items[i].reserved) {
			err = -EINVAL;
			goto out_free;
		}
	}
	err = strata_wait_many(table, items, args.count, args.deadline);
	if (copy_to_user(u64_to_user_ptr(args.items), items,
			 args.count * sizeof(*items)))
		err = -EFAULT;
out_free:
	kfree(items);
	return err;
}

static long strata_ioc_wait_async(struct strata_table *table,
				  void __user *uarg)
{
	struct strata_cap_wait_async args;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.options || args.reserved)
		return -EINVAL;
	return strata_wait_async(table, args.handle, args.signals, args.key);
}

static long strata_ioc_wait_async_cancel(struct strata_table *table,
					 void __user *uarg)
{
	struct strata_cap_wait_cancel args;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.reserved)
		return -EINVAL;
	return strata_wait_async_cancel(table, args.handle, args.key);
}

static long strata_ioc_port_wait(struct strata_table *table,
				 void __user *uarg)
{
	struct strata_cap_port_wait args;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.nr_packets || !args.count ||
	    args.count > STRATA_PORT_WAIT_MAX || args.deadline < 0)
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(args.packets),
		       args.count * sizeof(struct strata_cap_packet)))
		return -EFAULT;

	err = strata_port_wait(table, u64_to_user_ptr(args.packets),
			       args.count, args.deadline, &args.nr_packets);
	if (err)
		return err;
	return put_user(args.nr_packets,
			&((struct strata_cap_port_wait __user *)uarg)->nr_packets);
}

static long strata_ioc_port_queue(struct strata_table *table,
				  void __user *uarg)
{
	struct strata_cap_packet pkt;

	if (copy_from_user(&pkt, uarg, sizeof(pkt)))
		return -EFAULT;
	return strata_port_queue(table, &pkt);
}

static int strata_check_write(const struct strata_cap_channel_write *wr)
{
	if (wr->options || wr->num_bytes > STRATA_CHANNEL_MAX_MSG_BYTES ||
	    wr->num_handles > STRATA_CHANNEL_MAX_MSG_HANDLES)
		return -EINVAL;
	return 0;
}

static int strata_check_read(const struct strata_cap_channel_read *rd)
{
	if (rd->options & ~STRATA_CAP_CHANNEL_READ_WAIT || rd->actual_bytes ||
	    rd->actual_handles)
		return -EINVAL;
	return 0;
}

static long strata_ioc_channel_write(struct strata_table *table,
				     void __user *uarg)
{
	struct strata_cap_channel_write args;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	err = strata_check_write(&args);
	if (err)
		return err;
	return strata_channel_write(table, &args, NULL, NULL, NULL);
}

static long strata_ioc_channel_read(struct strata_table *table,
				    void __user *uarg)
{
	struct strata_cap_channel_read args;
	long err, ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	err = strata_check_read(&args);
	if (err)
		return err;
	err = strata_channel_read(table, &args);
	if (err && err != -EMSGSIZE)
		return err;
	ret = copy_to_user(uarg, &args, sizeof(args)) ? -EFAULT : 0;
	return err ?: ret;
}

static long strata_ioc_channel_call(struct strata_table *table,
				    void __user *uarg)
{
	struct strata_cap_channel_call args;
	struct strata_handle *eph;
	u32 epoch;
	long err, ret;
	u32 txid;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	err = strata_check_write(&args.wr);
	if (!err)
		err = strata_check_read(&args.rd);
	if (err)
		return err;
	if (args.rd.handle || args.rd.options ||
	    args.wr.num_bytes < sizeof(txid) || args.deadline < 0)
		return -EINVAL;

	err = strata_channel_write(table, &args.wr, &txid, &eph, &epoch);
	if (err)
		return err;
	err = strata_channel_call_read(table, eph, epoch, &args.rd, txid,
				       args.deadline);
	if (err && err != -EMSGSIZE)
		return err;
	ret = copy_to_user(uarg, &args, sizeof(args)) ? -EFAULT : 0;
	return err ?: ret;
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
	case STRATA_CAP_IOC_HANDLE_REPLACE:
		return strata_ioc_handle_replace(table, uarg);
	case STRATA_CAP_IOC_HANDLE_CLOSE_MANY:
		return strata_ioc_handle_close_many(table, uarg);
	case STRATA_CAP_IOC_HANDLE_REVOKE:
		return strata_ioc_handle_revoke(table, uarg);
	case STRATA_CAP_IOC_HANDLE_EXPORT:
		return strata_ioc_handle_export(table, uarg);
	case STRATA_CAP_IOC_HANDLE_IMPORT:
		return strata_ioc_handle_import(table, uarg);
	case STRATA_CAP_IOC_EVENTPAIR_CREATE:
		return strata_ioc_pair_create(table, uarg,
					      STRATA_OBJ_EVENTPAIR);
	case STRATA_CAP_IOC_CHANNEL_CREATE:
		return strata_ioc_pair_create(table, uarg, STRATA_OBJ_CHANNEL);
	case STRATA_CAP_IOC_CHANNEL_WRITE:
		return strata_ioc_channel_write(table, uarg);
	case STRATA_CAP_IOC_CHANNEL_READ:
		return strata_ioc_channel_read(table, uarg);
	case STRATA_CAP_IOC_CHANNEL_CALL:
		return strata_ioc_channel_call(table, uarg);
	case STRATA_CAP_IOC_VMO_CREATE:
		return strata_ioc_vmo_create(table, uarg);
	case STRATA_CAP_IOC_VMO_READ:
		return strata_ioc_vmo_rw(table, uarg, false);
	case STRATA_CAP_IOC_VMO_WRITE:
		return strata_ioc_vmo_rw(table, uarg, true);
	case STRATA_CAP_IOC_VMO_GET_SIZE:
		return strata_ioc_vmo_size(table, uarg, false);
	case STRATA_CAP_IOC_VMO_SET_SIZE:
		return strata_ioc_vmo_size(table, uarg, true);
	case STRATA_CAP_IOC_VMO_MAP:
		return strata_ioc_vmo_map(table, uarg);
	case STRATA_CAP_IOC_OBJECT_SIGNAL:
		return strata_ioc_object_signal(table, uarg);
	case STRATA_CAP_IOC_WAIT_MANY:
		return strata_ioc_wait_many(table, uarg);
	case STRATA_CAP_IOC_WAIT_ASYNC:
		return strata_ioc_wait_async(table, uarg);
	case STRATA_CAP_IOC_WAIT_ASYNC_CANCEL:
		return strata_ioc_wait_async_cancel(table, uarg);
	case STRATA_CAP_IOC_PORT_WAIT:
		return strata_ioc_port_wait(table, uarg);
	case STRATA_CAP_IOC_PORT_QUEUE:
		return strata_ioc_port_queue(table, uarg);
	case STRATA_CAP_IOC_SANDBOX_ENTER:
		return strata_sandbox_enter(table);
	case STRATA_CAP_IOC_SANDBOX_STATUS:
		return strata_sandbox_status(table, uarg);
	default:
		return -ENOTTY;
	}
}

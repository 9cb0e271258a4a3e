// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - handle tables
 */

#include <linux/pid.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <uapi/strata/cap.h>

#include "common.h"

static u32 strata_handle_encode(const struct strata_table *table, u32 index,
				u32 gen)
{
	return ((index << STRATA_HANDLE_IDX_SHIFT) | (gen << 1) | 1) ^
	       table->mask;
}

static bool strata_handle_decode(const struct strata_table *table, u32 value,
				 u32 *index, u32 *gen)
{
	u32 raw = value ^ table->mask;

	if (value == STRATA_HANDLE_INVALID || !(raw & 1))
		return false;
	*index = raw >> STRATA_HANDLE_IDX_SHIFT;
	*gen = (raw >> 1) & STRATA_HANDLE_GEN_MASK;
	return *index != 0;
}

/**
 * strata_table_create() - a new, empty table owned by the current process
 *
 * Return: the table, or an ERR_PTR.
 */
struct strata_table *strata_table_create(void)
{
	struct strata_table *table;

	table = kzalloc(sizeof(*table), GFP_KERNEL_ACCOUNT);
	if (!table)
		return ERR_PTR(-ENOMEM);

	mutex_init(&table->lock);
	xa_init_flags(&table->handles, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	table->owner = get_pid(task_tgid(current));
	table->koid = strata_koid_alloc();
	table->mask = get_random_u32() & ~1U;
	table->next_gen = get_random_u32();
	table->max_handles = READ_ONCE(strata_max_handles);
	atomic_long_inc(&strata_cap_stats.tables);
	return table;
}

/**
 * strata_table_destroy() - close every handle and free the table
 * @table: the table; nobody else can reach it any more
 */
void strata_table_destroy(struct strata_table *table)
{
	struct strata_handle *handle;
	unsigned long index;

	xa_for_each(&table->handles, index, handle) {
		strata_object_put(handle->obj);
		kfree(handle);
		atomic_long_dec(&strata_cap_stats.handles);
	}
	xa_destroy(&table->handles);
	put_pid(table->owner);
	mutex_destroy(&table->lock);
	kfree(table);
	atomic_long_dec(&strata_cap_stats.tables);
}

/**
 * strata_table_is_owner() - whether the current process may use @table
 * @table: the table
 *
 * Return: true for any thread of the thread group that opened it.
 */
bool strata_table_is_owner(const struct strata_table *table)
{
	return task_tgid(current) == table->owner;
}

static int __strata_handle_add(struct strata_table *table,
			       struct strata_object *obj, u32 rights,
			       u32 *value)
{
	struct strata_handle *handle;
	u32 index;
	int err;

	lockdep_assert_held(&table->lock);

	if (table->nr_handles >= table->max_handles)
		return -EMFILE;

	handle = kmalloc(sizeof(*handle), GFP_KERNEL_ACCOUNT);
	if (!handle)
		return -ENOMEM;
	handle->obj = obj;
	handle->rights = rights;
	handle->gen = table->next_gen++ & STRATA_HANDLE_GEN_MASK;

	/*
	 * Cyclic: a freed slot comes back only after every other index has
	 * been used, so a stale value names nothing for a long time.
	 */
	err = xa_alloc_cyclic(&table->handles, &index, handle,
			      XA_LIMIT(1, STRATA_HANDLE_IDX_MAX),
			      &table->next_index, GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		kfree(handle);
		return err == -EBUSY ? -EMFILE : err;
	}
	table->nr_handles++;
	atomic_long_inc(&strata_cap_stats.handles);
	*value = strata_handle_encode(table, index, handle->gen);
	return 0;
}

/**
 * strata_handle_add() - put a new handle to @obj into @table
 * @table: the table
 * @obj: the object; on success the handle owns the caller's reference
 * @rights: the handle's rights
 * @value: out: the handle's value
 *
 * Return: 0, -EMFILE when the table is full, or -ENOMEM.
 */
int strata_handle_add(struct strata_table *table, struct strata_object *obj,
		      u32 rights, u32 *value)
{
	int err;

	mutex_lock(&table->lock);
	err = __strata_handle_add(table, obj, rights, value);
	mutex_unlock(&table->lock);
	return err;
}

static struct strata_handle *strata_handle_lookup(struct strata_table *table,
						  u32 value, u32 *index)
{
	struct strata_handle *handle;
	u32 gen;

	lockdep_assert_held(&table->lock);

	if (!strata_handle_decode(table, value, index, &gen))
		return NULL;
	handle = xa_load(&table->handles, *index);
	if (!handle || handle->gen != gen)
		return NULL;
	return handle;
}

/**
 * strata_handle_get() - the object a handle names, with a reference
 * @table: the table
 * @value: the handle's value
 * @rights: out: the handle's rights
 *
 * Return: the object (drop it with strata_object_put()), or an ERR_PTR:
 * -EBADF when @value names no handle of @table.
 */
struct strata_object *strata_handle_get(struct strata_table *table, u32 value,
					u32 *rights)
{
	struct strata_handle *handle;
	struct strata_object *obj;
	u32 index;

	mutex_lock(&table->lock);
	handle = strata_handle_lookup(table, value, &index);
	if (handle) {
		obj = strata_object_get(handle->obj);
		*rights = handle->rights;
	} else {
		obj = ERR_PTR(-EBADF);
	}
	mutex_unlock(&table->lock);
	return obj;
}

/**
 * strata_handle_close() - remove a handle from its table
 * @table: the table
 * @value: the handle's value; STRATA_HANDLE_INVALID is a no-op
 *
 * Return: 0, or -EBADF when @value names no handle of @table.
 */
int strata_handle_close(struct strata_table *table, u32 value)
{
	struct strata_handle *handle;
	u32 index;

	if (value == STRATA_HANDLE_INVALID)
		return 0;

	mutex_lock(&table->lock);
	handle = strata_handle_lookup(table, value, &index);
	if (!handle) {
		mutex_unlock(&table->lock);
		return -EBADF;
	}
	xa_erase(&table->handles, index);
	table->nr_handles--;
	mutex_unlock(&table->lock);

	atomic_long_dec(&strata_cap_stats.handles);
	strata_object_put(handle->obj);
	kfree(handle);
	return 0;
}

/**
 * strata_handle_duplicate() - a second handle to the same object
 * @table: the table
 * @value: the source handle, which needs STRATA_RIGHT_DUPLICATE
 * @rights: rights of the copy: a subset of the source's, or
 *	STRATA_RIGHT_SAME_RIGHTS
 * @out: out: the new handle's value
 *
 * Return: 0; -EBADF for a bad @value; -EACCES without the DUPLICATE right;
 * -EINVAL when @rights is not a subset; -EMFILE when the table is full;
 * the policy's errno when it denies.
 */
int strata_handle_duplicate(struct strata_table *table, u32 value,
			    u32 rights, u32 *out)
{
	struct strata_handle *handle;
	struct strata_object *obj;
	u32 index;
	int err;

	mutex_lock(&table->lock);
	handle = strata_handle_lookup(table, value, &index);
	if (!handle) {
		err = -EBADF;
		goto out_unlock;
	}
	if (!(handle->rights & STRATA_RIGHT_DUPLICATE)) {
		err = -EACCES;
		goto out_unlock;
	}
	if (rights == STRATA_RIGHT_SAME_RIGHTS) {
		rights = handle->rights;
	} else if (rights & ~handle->rights) {
		err = -EINVAL;
		goto out_unlock;
	}

	obj = handle->obj;
	err = strata_policy_duplicate(obj, handle->rights, rights);
	if (err)
		goto out_unlock;

	strata_object_get(obj);
	err = __strata_handle_add(table, obj, rights, out);
	if (err)
		strata_object_put(obj);
out_unlock:
	mutex_unlock(&table->lock);
	return err;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - handle tables
 */

#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "common.h"
#include "trace.h"

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
	table->user = strata_user_get(current_uid());
	if (!table->user) {
		kfree(table);
		return ERR_PTR(-ENOMEM);
	}

	mutex_init(&table->lock);
	xa_init_flags(&table->handles, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	table->owner = get_pid(task_tgid(current));
	table->koid = strata_koid_alloc();
	table->mask = get_random_u32() & ~1U;
	table->next_gen = get_random_u32();
	table->max_handles = READ_ONCE(strata_max_handles);
	spin_lock_init(&table->sandbox_lock);
	strata_port_init(table);
	atomic_long_inc(&strata_cap_stats.tables);
	return table;
}

/**
 * strata_table_destroy() - close every handle and free the table
 * @table: the table; nobody else can reach it any more
 */
void strata_table_destroy(struct strata_table *table)
{
	struct strata_handle *h;
	unsigned long index;

	xa_for_each(&table->handles, index, h) {
		xa_erase(&table->handles, index);
		strata_quota_uncharge(table->user, STRATA_QUOTA_HANDLES, 1);
		strata_handle_drop(h);
	}
	xa_destroy(&table->handles);
	strata_port_destroy(table);
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

/**
 * __strata_table_room() - can @n more handles go into @table?
 * @table: the table, locked
 * @n: how many
 *
 * Return: 0, -EMFILE past the table's limit.
 */
int __strata_table_room(struct strata_table *table, u32 n)
{
	lockdep_assert_held(&table->lock);

	return n > table->max_handles - table->nr_handles ? -EMFILE : 0;
}

/**
 * __strata_table_insert() - put a handle into a locked table
 * @table: the table
 * @h: the handle; on success the table owns the caller's reference
 * @value: out: the handle's value
 *
 * Return: 0, -EMFILE when the table is full, -EDQUOT past the user's
 * handle quota, or -ENOMEM.
 */
int __strata_table_insert(struct strata_table *table, struct strata_handle *h,
			  u32 *value)
{
	u32 index;
	int err;

	lockdep_assert_held(&table->lock);

	err = __strata_table_room(table, 1);
	if (err)
		return err;
	err = strata_quota_charge(table->user, STRATA_QUOTA_HANDLES, 1);
	if (err)
		return err;

	/*
	 * The lowest free slot, so that the tree stays dense: spreading
	 * handles over the index space (a cyclic search) made every
	 * insert and erase grow and shrink the xarray, which measured as
	 * most of the cost of a duplicate and close.  The generation,
	 * which moves on with every insert, is what makes a closed value
	 * stale.
	 */
	h->gen = table->next_gen++ & STRATA_HANDLE_GEN_MASK;
	err = xa_alloc(&table->handles, &index, h,
		       XA_LIMIT(1, STRATA_HANDLE_IDX_MAX), GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		strata_quota_uncharge(table->user, STRATA_QUOTA_HANDLES, 1);
		return err == -EBUSY ? -EMFILE : err;
	}
	table->nr_handles++;
	h->owner_tgid = pid_nr(table->owner);
	*value = strata_handle_encode(table, index, h->gen);
	return 0;
}

/**
 * __strata_table_remove() - take the handle at @index out of a locked table
 * @table: the table
 * @index: the slot, from __strata_table_lookup()
 *
 * The table's reference passes to the caller.
 */
void __strata_table_remove(struct strata_table *table, u32 index)
{
	lockdep_assert_held(&table->lock);

	xa_erase(&table->handles, index);
	table->nr_handles--;
	strata_quota_uncharge(table->user, STRATA_QUOTA_HANDLES, 1);
}

/**
 * strata_table_add() - put a handle into @table
 * @table: the table
 * @h: the handle; on success the table owns the caller's reference
 * @value: out: the handle's value
 *
 * Return: as __strata_table_insert().
 */
int strata_table_add(struct strata_table *table, struct strata_handle *h,
		     u32 *value)
{
	int err;

	mutex_lock(&table->lock);
	err = __strata_table_insert(table, h, value);
	mutex_unlock(&table->lock);
	return err;
}

/**
 * __strata_table_lookup() - the handle a value names in a locked table
 * @table: the table
 * @value: the handle value
 * @index: out: its slot
 *
 * Return: the handle, without a new reference, or NULL.
 */
struct strata_handle *__strata_table_lookup(struct strata_table *table,
					    u32 value, u32 *index)
{
	struct strata_handle *h;
	u32 gen;

	lockdep_assert_held(&table->lock);

	if (!strata_handle_decode(table, value, index, &gen))
		return NULL;
	h = xa_load(&table->handles, *index);
	if (!h || h->gen != gen)
		return NULL;
	return h;
}

/**
 * strata_table_get() - a reference to the handle a value names
 * @table: the table
 * @value: the handle value
 * @rights: rights the caller needs
 *
 * Return: the handle (drop it with strata_handle_put()) or an ERR_PTR:
 * -EBADF, -EKEYREVOKED or -EACCES.
 */
struct strata_handle *strata_table_get(struct strata_table *table, u32 value,
				       u32 rights)
{
	return strata_table_get_epoch(table, value, rights, NULL);
}

/**
 * strata_table_get_epoch() - strata_table_get(), noting the handle's epoch
 * @table: the table
 * @value: the handle value
 * @rights: rights the caller needs
 * @epoch: NULL, or out: the handle's epoch, read while it is still in
 *	@table, for strata_handle_gone() to see any later move
 *
 * Return: as strata_table_get().
 */
struct strata_handle *strata_table_get_epoch(struct strata_table *table,
					     u32 value, u32 rights,
					     u32 *epoch)
{
	struct strata_handle *h;
	u32 index;
	int err;

	mutex_lock(&table->lock);
	h = __strata_table_lookup(table, value, &index);
	if (!h) {
		err = -EBADF;
	} else {
		err = strata_handle_check(h, rights);
		if (!err) {
			kref_get(&h->ref);
			if (epoch)
				*epoch = h->epoch;
		}
	}
	mutex_unlock(&table->lock);
	return err ? ERR_PTR(err) : h;
}

/**
 * strata_table_close() - close a handle
 * @table: the table
 * @value: the handle's value; STRATA_HANDLE_INVALID is a no-op
 *
 * A revoked handle can be closed like any other.
 *
 * Return: 0, or -EBADF when @value names no handle of @table.
 */
int strata_table_close(struct strata_table *table, u32 value)
{
	struct strata_handle *h;
	u32 index;

	if (value == STRATA_HANDLE_INVALID)
		return 0;

	mutex_lock(&table->lock);
	h = __strata_table_lookup(table, value, &index);
	if (h)
		__strata_table_remove(table, index);
	mutex_unlock(&table->lock);
	if (!h)
		return -EBADF;

	trace_strata_cap_close(h);
	strata_handle_drop(h);
	return 0;
}

static int strata_rights_subset(const struct strata_handle *h, u32 *rights)
{
	if (*rights == STRATA_RIGHT_SAME_RIGHTS) {
		*rights = h->rights;
		return 0;
	}
	return *rights & ~h->rights ? -EINVAL : 0;
}

/**
 * strata_table_duplicate() - a second handle to the same object
 * @table: the table
 * @value: the source handle, which needs STRATA_RIGHT_DUPLICATE
 * @rights: rights of the copy: a subset of the source's, or
 *	STRATA_RIGHT_SAME_RIGHTS
 * @out: out: the new handle's value
 *
 * Return: 0; -EBADF for a bad @value; -EKEYREVOKED; -EACCES without the
 * DUPLICATE right; -EINVAL when @rights is not a subset; -EMFILE when the
 * table is full; -EDQUOT; the policy's errno when it denies.
 */
int strata_table_duplicate(struct strata_table *table, u32 value,
			   u32 rights, u32 *out)
{
	struct strata_handle *h, *copy;
	u32 index;
	int err;

	mutex_lock(&table->lock);
	h = __strata_table_lookup(table, value, &index);
	if (!h) {
		err = -EBADF;
		goto out_unlock;
	}
	err = strata_handle_check(h, STRATA_RIGHT_DUPLICATE);
	if (err)
		goto out_unlock;
	err = strata_rights_subset(h, &rights);
	if (err)
		goto out_unlock;
	err = strata_policy_duplicate(h, rights);
	if (err)
		goto out_unlock;

	copy = strata_handle_derive(h, rights);
	if (IS_ERR(copy)) {
		err = PTR_ERR(copy);
		goto out_unlock;
	}
	err = __strata_table_insert(table, copy, out);
	if (err) {
		mutex_unlock(&table->lock);
		strata_handle_drop(copy);
		return err;
	}
	trace_strata_cap_duplicate(h, copy);
out_unlock:
	mutex_unlock(&table->lock);
	return err;
}

/**
 * strata_table_replace() - swap a handle for one with fewer rights
 * @table: the table
 * @value: the source handle; consumed whatever the outcome, as in Zircon
 * @rights: rights of the new handle, as for duplicate; needs no right
 * @out: out: the new handle's value
 *
 * The new handle is derived from the old one and, once the old one is
 * gone, hangs from its parent: whoever could revoke the old handle can
 * revoke the new one.
 *
 * Return: 0, or the errors of strata_table_duplicate() but -EACCES.
 */
int strata_table_replace(struct strata_table *table, u32 value, u32 rights,
			 u32 *out)
{
	struct strata_handle *h, *copy = NULL;
	u32 index;
	int err;

	mutex_lock(&table->lock);
	h = __strata_table_lookup(table, value, &index);
	if (!h) {
		mutex_unlock(&table->lock);
		return -EBADF;
	}
	__strata_table_remove(table, index);

	err = strata_handle_revoked(h) ? -EKEYREVOKED : 0;
	if (!err)
		err = strata_rights_subset(h, &rights);
	if (!err)
		err = strata_policy_duplicate(h, rights);
	if (!err) {
		copy = strata_handle_derive(h, rights);
		if (IS_ERR(copy)) {
			err = PTR_ERR(copy);
			copy = NULL;
		}
	}
	if (copy) {
		err = __strata_table_insert(table, copy, out);
		if (!err)
			trace_strata_cap_duplicate(h, copy);
	}
	mutex_unlock(&table->lock);

	if (err && copy)
		strata_handle_drop(copy);
	trace_strata_cap_close(h);
	strata_handle_drop(h);
	return err;
}

/**
 * strata_create_handle() - the first handle to a new object, in @table
 * @table: the table
 * @obj: the new object; its creation reference passes to the handle, or
 *	is dropped on failure
 * @rights: the handle's rights
 * @value: out: the handle's value
 *
 * Return: 0 or a negative errno.
 */
int strata_create_handle(struct strata_table *table, struct strata_object *obj,
			 u32 rights, u32 *value)
{
	struct strata_handle *h;
	int err;

	h = strata_handle_new(obj, rights);
	if (!h) {
		strata_object_put(obj);
		return -ENOMEM;
	}
	/* Once published another thread may close it: hold it to trace. */
	strata_handle_get(h);
	err = strata_table_add(table, h, value);
	if (err)
		strata_handle_drop(h);
	else
		trace_strata_cap_create(h);
	strata_handle_put(h);
	return err;
}

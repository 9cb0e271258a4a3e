// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - handles to other modules' objects
 *
 * The calls through which strata_gang (and any later module) puts its own
 * objects into the handle table a user names by fd, and finds them again
 * from a handle value with the rights a call needs.  The table must belong
 * to the calling process, exactly as for strata_cap's own ioctls.
 */

#include <linux/export.h>
#include <linux/file.h>

#include "common.h"

static struct strata_table *strata_table_fdget(struct fd *f, int table_fd)
{
	struct strata_table *table;

	*f = fdget(table_fd);
	if (!fd_file(*f))
		return ERR_PTR(-EBADF);
	table = strata_table_from_file(fd_file(*f));
	if (!table) {
		fdput(*f);
		return ERR_PTR(-EBADF);
	}
	if (!strata_table_is_owner(table)) {
		fdput(*f);
		return ERR_PTR(-EACCES);
	}
	return table;
}

/**
 * strata_handle_install() - the first handle to a new object
 * @table_fd: a strata_cap table fd of the calling process
 * @obj: the object, set up with strata_object_init(); its creation
 *	reference passes to the handle, or is dropped on failure
 * @rights: the handle's rights
 * @value: out: the handle's value
 *
 * Return: 0; -EBADF when @table_fd is not a handle table, -EACCES when it
 * belongs to another process, -EMFILE, -EDQUOT or -ENOMEM.
 */
int strata_handle_install(int table_fd, struct strata_object *obj, u32 rights,
			  u32 *value)
{
	struct strata_table *table;
	struct fd f;
	int err;

	table = strata_table_fdget(&f, table_fd);
	if (IS_ERR(table)) {
		strata_object_put(obj);
		return PTR_ERR(table);
	}
	err = strata_create_handle(table, obj, rights & STRATA_RIGHTS_ALL,
				   value);
	fdput(f);
	return err;
}
EXPORT_SYMBOL_GPL(strata_handle_install);

/**
 * strata_handle_object() - the object a handle names, if of @type
 * @table_fd: a strata_cap table fd of the calling process
 * @value: the handle value
 * @type: the STRATA_OBJ_* the caller expects
 * @rights: every right the operation needs
 *
 * Return: the object with a reference (strata_object_put() it), or an
 * ERR_PTR: -EBADF (no such table or handle), -EACCES (another process's
 * table, or a right missing), -EKEYREVOKED, or -EINVAL when the handle names an
 * object of another type (as for a VMO call on another object).
 */
struct strata_object *strata_handle_object(int table_fd, u32 value, u32 type,
					   u32 rights)
{
	struct strata_object *obj;
	struct strata_table *table;
	struct strata_handle *h;
	struct fd f;

	table = strata_table_fdget(&f, table_fd);
	if (IS_ERR(table))
		return ERR_CAST(table);
	h = strata_table_get(table, value, 0);
	fdput(f);
	if (IS_ERR(h))
		return ERR_CAST(h);
	if (h->obj->type->type != type) {
		obj = ERR_PTR(-EINVAL);
	} else {
		int err = strata_handle_check(h, rights);

		obj = err ? ERR_PTR(err) : strata_object_get(h->obj);
	}
	strata_handle_put(h);
	return obj;
}
EXPORT_SYMBOL_GPL(strata_handle_object);

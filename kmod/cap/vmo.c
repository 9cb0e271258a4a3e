// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - VMOs: memory objects
 *
 * A VMO is a shmem file the kernel keeps to itself: its pages are
 * allocated on first touch, swappable, and charged to the memory cgroup
 * of whoever touches them.  User space reaches it only through handles:
 * read and write copy through the page cache, mappings go through
 * strata_vmo_mmap(), which gives the mapping no more than the handle's
 * rights and then hands the VMA to shmem.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "common.h"

/**
 * struct strata_vmo - a memory object
 * @obj: the object header
 * @file: the shmem file holding the pages
 * @size_lock: taken shared by reads and writes, exclusive by a resize,
 *	so that a write checked against the size cannot extend a VMO that
 *	shrank meanwhile
 */
struct strata_vmo {
	struct strata_object obj;
	struct file *file;
	struct rw_semaphore size_lock;
};

static struct strata_vmo *to_vmo(struct strata_object *obj)
{
	return container_of(obj, struct strata_vmo, obj);
}

static void strata_vmo_destroy(struct strata_object *obj)
{
	struct strata_vmo *vmo = to_vmo(obj);

	fput(vmo->file);
	kfree(vmo);
}

static const struct strata_object_type strata_vmo_type = {
	.type = STRATA_OBJ_VMO,
	.name = "vmo",
	.user_signals = STRATA_SIGNAL_USER_ALL,
	.destroy = strata_vmo_destroy,
};

static int strata_vmo_check_size(u64 size, loff_t *rounded)
{
	if (!size || size > STRATA_VMO_MAX_SIZE)
		return -EINVAL;
	*rounded = PAGE_ALIGN(size);
	return 0;
}

/**
 * strata_vmo_create() - a new VMO of @size bytes
 * @size: bytes, rounded up to pages
 *
 * Return: the VMO's object header with one reference, or an ERR_PTR.
 */
struct strata_object *strata_vmo_create(u64 size)
{
	struct strata_vmo *vmo;
	loff_t bytes;
	int err;

	err = strata_vmo_check_size(size, &bytes);
	if (err)
		return ERR_PTR(err);
	vmo = kzalloc(sizeof(*vmo), GFP_KERNEL_ACCOUNT);
	if (!vmo)
		return ERR_PTR(-ENOMEM);
	vmo->file = shmem_file_setup("strata_vmo", bytes, VM_NORESERVE);
	if (IS_ERR(vmo->file)) {
		err = PTR_ERR(vmo->file);
		goto out_free;
	}
	/* Reads and writes past 2 GiB, as for any file opened today. */
	vmo->file->f_flags |= O_LARGEFILE;
	init_rwsem(&vmo->size_lock);
	err = strata_object_init(&vmo->obj, &strata_vmo_type);
	if (err)
		goto out_fput;
	return &vmo->obj;

out_fput:
	fput(vmo->file);
out_free:
	kfree(vmo);
	return ERR_PTR(err);
}

bool strata_is_vmo(const struct strata_object *obj)
{
	return obj->type == &strata_vmo_type;
}

/**
 * strata_vmo_size() - a VMO's size in bytes
 * @obj: the VMO
 */
u64 strata_vmo_size(struct strata_object *obj)
{
	return i_size_read(file_inode(to_vmo(obj)->file));
}

/**
 * strata_vmo_set_size() - resize a VMO
 * @obj: the VMO
 * @size: the new size, rounded up to pages
 *
 * Return: 0 or a negative errno.
 */
int strata_vmo_set_size(struct strata_object *obj, u64 size)
{
	struct strata_vmo *vmo = to_vmo(obj);
	loff_t bytes;
	int err;

	err = strata_vmo_check_size(size, &bytes);
	if (err)
		return err;
	if (bytes > rlimit(RLIMIT_FSIZE))
		return -EFBIG;
	down_write(&vmo->size_lock);
	err = vfs_truncate(&vmo->file->f_path, bytes);
	up_write(&vmo->size_lock);
	return err;
}

/**
 * strata_vmo_rw() - copy between a VMO and user memory
 * @obj: the VMO
 * @write: copy into the VMO, else out of it
 * @ubuf: the user buffer
 * @offset: where in the VMO
 * @length: bytes
 *
 * Return: 0, -ERANGE past the VMO's end, -EFAULT, -EFBIG when a write
 * would pass the caller's RLIMIT_FSIZE (nothing is written then), or
 * another negative errno.
 */
int strata_vmo_rw(struct strata_object *obj, bool write, void __user *ubuf,
		  u64 offset, u64 length)
{
	struct strata_vmo *vmo = to_vmo(obj);
	struct iov_iter iter;
	loff_t pos = offset;
	ssize_t n;

	down_read(&vmo->size_lock);
	if (offset > STRATA_VMO_MAX_SIZE || length > STRATA_VMO_MAX_SIZE ||
	    offset + length > strata_vmo_size(obj)) {
		n = -ERANGE;
		goto out_unlock;
	}
	n = 0;
	if (!length)
		goto out_unlock;
	n = -EINVAL;
	if (length > MAX_RW_COUNT)
		goto out_unlock;
	/* All or nothing, where the VFS would write up to the limit. */
	n = -EFBIG;
	if (write && offset + length > rlimit(RLIMIT_FSIZE))
		goto out_unlock;
	n = import_ubuf(write ? ITER_SOURCE : ITER_DEST, ubuf, length, &iter);
	if (n)
		goto out_unlock;
	if (write)
		n = vfs_iter_write(vmo->file, &iter, &pos, 0);
	else
		n = vfs_iter_read(vmo->file, &iter, &pos, 0);
out_unlock:
	up_read(&vmo->size_lock);
	if (n < 0)
		return n;
	/* Short: a fault in the user buffer (the size cannot change). */
	return n == length ? 0 : -EFAULT;
}

/**
 * strata_vmo_map_rights() - the rights a mapping with @prot needs
 * @prot: PROT_* bits
 */
u32 strata_vmo_map_rights(u32 prot)
{
	u32 rights = STRATA_RIGHT_MAP;

	if (prot & PROT_READ)
		rights |= STRATA_RIGHT_READ;
	if (prot & PROT_WRITE)
		rights |= STRATA_RIGHT_WRITE;
	if (prot & PROT_EXEC)
		rights |= STRATA_RIGHT_EXECUTE;
	return rights;
}

/**
 * strata_vmo_mmap() - map a VMO into @vma with no more than @rights
 * @obj: the VMO
 * @rights: the rights of the handle used
 * @vma: the new mapping, still being set up by mmap
 *
 * A mapping never gains a protection it was not made with: VM_MAYREAD,
 * VM_MAYWRITE and VM_MAYEXEC go unless asked for now, so that mprotect() cannot go
 * past what the rights and the policy allowed.  Then shmem takes it over.
 *
 * Return: 0, -EACCES, -ERANGE, or shmem's errno.
 */
int strata_vmo_mmap(struct strata_object *obj, u32 rights,
		    struct vm_area_struct *vma)
{
	struct file *file = to_vmo(obj)->file;
	u64 end;

	if (!(rights & STRATA_RIGHT_MAP) ||
	    (vma->vm_flags & VM_READ && !(rights & STRATA_RIGHT_READ)) ||
	    (vma->vm_flags & VM_WRITE && !(rights & STRATA_RIGHT_WRITE)) ||
	    (vma->vm_flags & VM_EXEC && !(rights & STRATA_RIGHT_EXECUTE)))
		return -EACCES;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	end = ((u64)vma->vm_pgoff << PAGE_SHIFT) + (vma->vm_end - vma->vm_start);
	if (end > strata_vmo_size(obj))
		return -ERANGE;

	if (!(vma->vm_flags & VM_READ))
		vm_flags_clear(vma, VM_MAYREAD);
	if (!(vma->vm_flags & VM_WRITE))
		vm_flags_clear(vma, VM_MAYWRITE);
	if (!(vma->vm_flags & VM_EXEC))
		vm_flags_clear(vma, VM_MAYEXEC);
	vma_set_file(vma, file);
	return call_mmap(file, vma);
}

/* A transient file through which STRATA_CAP_IOC_VMO_MAP maps a VMO. */
struct strata_vmo_view {
	struct strata_object *obj;
	u32 rights;
};

static int strata_vmo_view_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct strata_vmo_view *view = file->private_data;

	return strata_vmo_mmap(view->obj, view->rights, vma);
}

static int strata_vmo_view_release(struct inode *inode, struct file *file)
{
	struct strata_vmo_view *view = file->private_data;

	strata_object_put(view->obj);
	kfree(view);
	return 0;
}

static const struct file_operations strata_vmo_view_fops = {
	.owner = THIS_MODULE,
	.mmap = strata_vmo_view_mmap,
	.release = strata_vmo_view_release,
};

/**
 * strata_vmo_map() - map a VMO into the caller's address space
 * @obj: the VMO
 * @rights: the rights of the handle used
 * @args: prot, offset and length; addr is written
 *
 * Return: 0 or a negative errno.
 */
int strata_vmo_map(struct strata_object *obj, u32 rights,
		   struct strata_cap_vmo_map *args)
{
	struct strata_vmo_view *view;
	struct file *file;
	unsigned long addr;

	view = kzalloc(sizeof(*view), GFP_KERNEL_ACCOUNT);
	if (!view)
		return -ENOMEM;
	view->obj = strata_object_get(obj);
	view->rights = rights;
	file = anon_inode_getfile("[strata_vmo]", &strata_vmo_view_fops, view,
				  O_RDWR);
	if (IS_ERR(file)) {
		strata_object_put(obj);
		kfree(view);
		return PTR_ERR(file);
	}
	addr = vm_mmap(file, 0, args->length, args->prot, MAP_SHARED,
		       args->offset);
	fput(file);
	if (IS_ERR_VALUE(addr))
		return (long)addr;
	args->addr = addr;
	return 0;
}

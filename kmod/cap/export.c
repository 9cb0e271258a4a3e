// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - the fd bridge: handles exported as files and imported back
 *
 * An exported handle moves into an anonymous file and keeps its place in
 * the derivation tree, so revoking an ancestor reaches it there too.  The
 * file can cross exec and SCM_RIGHTS; importing moves the handle back out
 * into the importer's table, once: dup(2) of the fd cannot multiply it.
 */

#include <linux/anon_inodes.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "common.h"
#include "trace.h"

/**
 * struct strata_handle_file - what an exported fd holds
 * @lock: guards @h
 * @h: the handle, NULL once imported
 */
struct strata_handle_file {
	spinlock_t lock;	/* guards h */
	struct strata_handle *h;
};

static int strata_handle_file_release(struct inode *inode, struct file *file)
{
	struct strata_handle_file *hf = file->private_data;

	if (hf->h)
		strata_handle_drop(hf->h);
	kfree(hf);
	return 0;
}

static void strata_handle_file_fdinfo(struct seq_file *m, struct file *file)
{
	struct strata_handle_file *hf = file->private_data;
	struct strata_handle *h;

	spin_lock(&hf->lock);
	h = hf->h;
	if (h) {
		seq_printf(m, "strata-koid:\t%llu\n", h->obj->koid);
		seq_printf(m, "strata-related-koid:\t%llu\n",
			   h->obj->related_koid);
		seq_printf(m, "strata-type:\t%s\n", h->obj->type->name);
		seq_printf(m, "strata-rights:\t%#x\n", h->rights);
		seq_printf(m, "strata-revoked:\t%d\n",
			   strata_handle_revoked(h));
		if (strata_is_vmo(h->obj))
			seq_printf(m, "strata-vmo-size:\t%llu\n",
				   strata_vmo_size(h->obj));
	} else {
		seq_puts(m, "strata-imported:\t1\n");
	}
	spin_unlock(&hf->lock);
}

/* mmap() of an exported VMO handle: as STRATA_CAP_IOC_VMO_MAP. */
static int strata_handle_file_mmap(struct file *file,
				   struct vm_area_struct *vma)
{
	struct strata_handle_file *hf = file->private_data;
	struct strata_handle *h;
	u32 prot = 0;
	int err;

	spin_lock(&hf->lock);
	h = hf->h;
	if (h)
		kref_get(&h->ref);
	spin_unlock(&hf->lock);
	if (!h)
		return -EBADF;

	if (vma->vm_flags & VM_READ)
		prot |= PROT_READ;
	if (vma->vm_flags & VM_WRITE)
		prot |= PROT_WRITE;
	if (vma->vm_flags & VM_EXEC)
		prot |= PROT_EXEC;
	if (!strata_is_vmo(h->obj))
		err = -ENODEV;
	else
		err = strata_handle_check(h, strata_vmo_map_rights(prot));
	if (!err)
		err = strata_policy_map(h, prot);
	if (!err)
		err = strata_vmo_mmap(h->obj, h->rights, vma);
	strata_handle_put(h);
	return err;
}

static const struct file_operations strata_handle_fops = {
	.owner = THIS_MODULE,
	.release = strata_handle_file_release,
	.mmap = strata_handle_file_mmap,
	.show_fdinfo = strata_handle_file_fdinfo,
};

/**
 * strata_handle_export() - move a handle into a new fd
 * @table: the table
 * @args: the request, checked for reserved bits; @args->fd is written
 *
 * Return: 0, -EBADF, -EKEYREVOKED, -EACCES without TRANSFER, -EINVAL for
 * rights that are not a subset, -EMFILE when out of fds, the policy's
 * errno.  On failure the handle stays in the table.
 */
int strata_handle_export(struct strata_table *table,
			 struct strata_cap_export *args)
{
	struct strata_handle_file *hf;
	struct strata_handle *h;
	struct file *file;
	u32 index, rights;
	int fd, err;

	hf = kzalloc(sizeof(*hf), GFP_KERNEL_ACCOUNT);
	if (!hf)
		return -ENOMEM;
	spin_lock_init(&hf->lock);

	fd = get_unused_fd_flags(O_RDWR | (args->flags & O_CLOEXEC));
	if (fd < 0) {
		err = fd;
		goto out_free;
	}
	file = anon_inode_getfile("[strata_handle]", &strata_handle_fops, hf,
				  O_RDWR);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto out_put_fd;
	}

	mutex_lock(&table->lock);
	h = __strata_table_lookup(table, args->handle, &index);
	if (!h) {
		err = -EBADF;
		goto out_unlock;
	}
	err = strata_handle_check(h, STRATA_RIGHT_TRANSFER);
	if (err)
		goto out_unlock;
	rights = args->rights;
	if (rights == STRATA_RIGHT_SAME_RIGHTS)
		rights = h->rights;
	if (rights & ~h->rights) {
		err = -EINVAL;
		goto out_unlock;
	}
	err = strata_policy_export(h);
	if (err)
		goto out_unlock;
	__strata_table_remove(table, index);
	mutex_unlock(&table->lock);

	strata_handle_leave_table(h);
	/* Only ever narrower: the handle keeps its node in the tree. */
	h->rights = rights;
	hf->h = h;
	trace_strata_cap_export(h);
	args->fd = fd;
	fd_install(fd, file);
	return 0;

out_unlock:
	mutex_unlock(&table->lock);
	fput(file);	/* releases hf, which holds no handle */
	put_unused_fd(fd);
	return err;
out_put_fd:
	put_unused_fd(fd);
out_free:
	kfree(hf);
	return err;
}

/**
 * strata_handle_import() - move the handle out of an exported fd
 * @table: the table
 * @args: the request, checked for reserved bits; @args->handle is written
 *
 * Return: 0, -EBADF for a closed fd, -EINVAL for an fd that is no
 * exported handle, -ENOENT when it was imported already, -EKEYREVOKED,
 * -EMFILE, -EDQUOT, the policy's errno.
 */
int strata_handle_import(struct strata_table *table,
			 struct strata_cap_import *args)
{
	struct strata_handle_file *hf;
	struct strata_handle *h;
	struct fd f;
	int err;

	f = fdget(args->fd);
	if (!fd_file(f))
		return -EBADF;
	if (fd_file(f)->f_op != &strata_handle_fops) {
		err = -EINVAL;
		goto out_fdput;
	}
	hf = fd_file(f)->private_data;

	/*
	 * Take the handle out while adding it, so that two imports never
	 * both get it; put it back if the table refuses it.
	 */
	spin_lock(&hf->lock);
	h = hf->h;
	hf->h = NULL;
	spin_unlock(&hf->lock);
	if (!h) {
		err = -ENOENT;
		goto out_fdput;
	}
	err = strata_handle_revoked(h) ? -EKEYREVOKED : 0;
	if (!err)
		err = strata_policy_import(h);
	if (!err) {
		/* Once published another thread may close it: hold it. */
		strata_handle_get(h);
		err = strata_table_add(table, h, &args->handle);
		if (!err)
			trace_strata_cap_import(h);
		strata_handle_put(h);
	}
	if (err) {
		spin_lock(&hf->lock);
		hf->h = h;
		spin_unlock(&hf->lock);
	}
out_fdput:
	fdput(f);
	return err;
}

/**
 * strata_file_rights() - the rights of the handle an exported file holds
 * @file: any file
 *
 * For the BPF LSM program that guards SCM_RIGHTS.
 *
 * Return: the rights, -ENOENT when @file is no strata handle file,
 * -EBADF when it was imported already, -EKEYREVOKED when revoked.
 */
s64 strata_file_rights(struct file *file)
{
	struct strata_handle_file *hf;
	s64 ret;

	if (file->f_op != &strata_handle_fops)
		return -ENOENT;
	hf = file->private_data;
	spin_lock(&hf->lock);
	if (!hf->h)
		ret = -EBADF;
	else if (strata_handle_revoked(hf->h))
		ret = -EKEYREVOKED;
	else
		ret = hf->h->rights;
	spin_unlock(&hf->lock);
	return ret;
}

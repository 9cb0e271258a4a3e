// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libstrata - VMOs
 */

#include <errno.h>
#include <sys/ioctl.h>

#include "strata.h"

int strata_vmo_create(int table, __u64 size, __u32 options, __u32 *handle)
{
	struct strata_cap_vmo_create args = {
		.size = size,
		.options = options,
	};

	if (ioctl(table, STRATA_CAP_IOC_VMO_CREATE, &args) < 0)
		return -errno;
	*handle = args.handle;
	return 0;
}

static int strata_vmo_rw(int table, unsigned long cmd, __u32 handle,
			 const void *buf, __u64 offset, __u64 length)
{
	struct strata_cap_vmo_rw args = {
		.handle = handle,
		.buffer = (__u64)(unsigned long)buf,
		.offset = offset,
		.length = length,
	};

	return ioctl(table, cmd, &args) < 0 ? -errno : 0;
}

int strata_vmo_read(int table, __u32 handle, void *buf, __u64 offset,
		    __u64 length)
{
	return strata_vmo_rw(table, STRATA_CAP_IOC_VMO_READ, handle, buf,
			     offset, length);
}

int strata_vmo_write(int table, __u32 handle, const void *buf, __u64 offset,
		     __u64 length)
{
	return strata_vmo_rw(table, STRATA_CAP_IOC_VMO_WRITE, handle, buf,
			     offset, length);
}

int strata_vmo_get_size(int table, __u32 handle, __u64 *size)
{
	struct strata_cap_vmo_size args = { .handle = handle };

	if (ioctl(table, STRATA_CAP_IOC_VMO_GET_SIZE, &args) < 0)
		return -errno;
	*size = args.size;
	return 0;
}

int strata_vmo_set_size(int table, __u32 handle, __u64 size)
{
	struct strata_cap_vmo_size args = {
		.handle = handle,
		.size = size,
	};

	return ioctl(table, STRATA_CAP_IOC_VMO_SET_SIZE, &args) < 0 ? -errno : 0;
}

int strata_vmo_map(int table, __u32 handle, __u32 prot, __u64 offset,
		   __u64 length, void **addr)
{
	struct strata_cap_vmo_map args = {
		.handle = handle,
		.prot = prot,
		.offset = offset,
		.length = length,
	};

	if (ioctl(table, STRATA_CAP_IOC_VMO_MAP, &args) < 0)
		return -errno;
	*addr = (void *)(unsigned long)args.addr;
	return 0;
}

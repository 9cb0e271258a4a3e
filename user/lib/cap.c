// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libstrata - capability handles
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "strata.h"

static int strata_ret(int ret)
{
	return ret < 0 ? -errno : ret;
}

int strata_cap_open(int flags)
{
	if (flags & ~O_CLOEXEC) {
		errno = EINVAL;
		return -EINVAL;
	}
	return strata_ret(open(STRATA_CAP_DEV, O_RDWR | flags));
}

int strata_cap_table_info(int table, struct strata_cap_table_info *info)
{
	return strata_ret(ioctl(table, STRATA_CAP_IOC_TABLE_INFO, info));
}

int strata_event_create(int table, __u32 *handle)
{
	struct strata_cap_create args = {};
	int ret;

	ret = ioctl(table, STRATA_CAP_IOC_EVENT_CREATE, &args);
	if (ret < 0)
		return -errno;
	*handle = args.handle;
	return 0;
}

int strata_handle_close(int table, __u32 handle)
{
	return strata_ret(ioctl(table, STRATA_CAP_IOC_HANDLE_CLOSE, &handle));
}

int strata_handle_duplicate(int table, __u32 handle, __u32 rights,
			    __u32 *out)
{
	struct strata_cap_duplicate args = {
		.handle = handle,
		.rights = rights,
	};
	int ret;

	ret = ioctl(table, STRATA_CAP_IOC_HANDLE_DUPLICATE, &args);
	if (ret < 0)
		return -errno;
	*out = args.out;
	return 0;
}

int strata_handle_info(int table, __u32 handle,
		       struct strata_cap_handle_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return strata_ret(ioctl(table, STRATA_CAP_IOC_HANDLE_INFO, info));
}

const char *strata_obj_type_name(__u32 type)
{
	switch (type) {
	case STRATA_OBJ_VMO:
		return "vmo";
	case STRATA_OBJ_CHANNEL:
		return "channel";
	case STRATA_OBJ_EVENT:
		return "event";
	case STRATA_OBJ_EVENTPAIR:
		return "eventpair";
	case STRATA_OBJ_GANG:
		return "gang";
	default:
		return "unknown";
	}
}

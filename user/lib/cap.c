// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libstrata - capability handles
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
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

static int strata_pair_create(int table, unsigned long cmd, __u32 *h0,
			      __u32 *h1)
{
	struct strata_cap_create_pair args = {};

	if (ioctl(table, cmd, &args) < 0)
		return -errno;
	*h0 = args.handles[0];
	*h1 = args.handles[1];
	return 0;
}

int strata_eventpair_create(int table, __u32 *h0, __u32 *h1)
{
	return strata_pair_create(table, STRATA_CAP_IOC_EVENTPAIR_CREATE, h0,
				  h1);
}

int strata_channel_create(int table, __u32 *h0, __u32 *h1)
{
	return strata_pair_create(table, STRATA_CAP_IOC_CHANNEL_CREATE, h0, h1);
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

int strata_handle_close_many(int table, const __u32 *handles, __u32 count,
			     __s32 *results)
{
	struct strata_cap_close_many args = {
		.handles = (__u64)(unsigned long)handles,
		.results = (__u64)(unsigned long)results,
		.count = count,
	};

	return strata_ret(ioctl(table, STRATA_CAP_IOC_HANDLE_CLOSE_MANY,
				&args));
}

int strata_handle_replace(int table, __u32 handle, __u32 rights, __u32 *out)
{
	struct strata_cap_replace args = {
		.handle = handle,
		.rights = rights,
	};

	if (ioctl(table, STRATA_CAP_IOC_HANDLE_REPLACE, &args) < 0)
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

int strata_handle_revoke(int table, __u32 handle)
{
	struct strata_cap_revoke args = { .handle = handle };

	if (ioctl(table, STRATA_CAP_IOC_HANDLE_REVOKE, &args) < 0)
		return -errno;
	return (int)args.nr_revoked;
}

int strata_handle_export(int table, __u32 handle, __u32 rights, int flags)
{
	struct strata_cap_export args = {
		.handle = handle,
		.rights = rights,
		.flags = (__u32)flags,
	};

	if (ioctl(table, STRATA_CAP_IOC_HANDLE_EXPORT, &args) < 0)
		return -errno;
	return args.fd;
}

int strata_handle_import(int table, int fd, __u32 *handle)
{
	struct strata_cap_import args = { .fd = fd };

	if (ioctl(table, STRATA_CAP_IOC_HANDLE_IMPORT, &args) < 0)
		return -errno;
	*handle = args.handle;
	return 0;
}

static int strata_signal(int table, __u32 handle, __u32 options,
			 __u32 clear_mask, __u32 set_mask)
{
	struct strata_cap_signal args = {
		.handle = handle,
		.options = options,
		.clear_mask = clear_mask,
		.set_mask = set_mask,
	};

	return strata_ret(ioctl(table, STRATA_CAP_IOC_OBJECT_SIGNAL, &args));
}

int strata_object_signal(int table, __u32 handle, __u32 clear_mask,
			 __u32 set_mask)
{
	return strata_signal(table, handle, 0, clear_mask, set_mask);
}

int strata_object_signal_peer(int table, __u32 handle, __u32 clear_mask,
			      __u32 set_mask)
{
	return strata_signal(table, handle, STRATA_CAP_SIGNAL_PEER, clear_mask,
			     set_mask);
}

int strata_object_wait_many(int table, struct strata_cap_wait_item *items,
			    __u32 count, __s64 deadline)
{
	struct strata_cap_wait_many args = {
		.items = (__u64)(unsigned long)items,
		.count = count,
		.deadline = deadline,
	};

	return strata_ret(ioctl(table, STRATA_CAP_IOC_WAIT_MANY, &args));
}

int strata_object_wait_one(int table, __u32 handle, __u32 signals,
			   __s64 deadline, __u32 *pending)
{
	struct strata_cap_wait_item item = {
		.handle = handle,
		.signals = signals,
	};
	int ret;

	ret = strata_object_wait_many(table, &item, 1, deadline);
	/* Written back once the wait started; else it stays 0. */
	if (pending && ret != -EFAULT)
		*pending = item.pending;
	return ret;
}

int strata_object_wait_async(int table, __u32 handle, __u32 signals,
			     __u64 key)
{
	struct strata_cap_wait_async args = {
		.handle = handle,
		.signals = signals,
		.key = key,
	};

	return strata_ret(ioctl(table, STRATA_CAP_IOC_WAIT_ASYNC, &args));
}

int strata_wait_async_cancel(int table, __u32 handle, __u64 key)
{
	struct strata_cap_wait_cancel args = {
		.handle = handle,
		.key = key,
	};

	return strata_ret(ioctl(table, STRATA_CAP_IOC_WAIT_ASYNC_CANCEL,
				&args));
}

int strata_port_wait(int table, struct strata_cap_packet *packets,
		     __u32 count, __s64 deadline)
{
	struct strata_cap_port_wait args = {
		.packets = (__u64)(unsigned long)packets,
		.count = count,
		.deadline = deadline,
	};

	if (ioctl(table, STRATA_CAP_IOC_PORT_WAIT, &args) < 0)
		return -errno;
	return (int)args.nr_packets;
}

int strata_port_queue(int table, __u64 key, const __u64 user[2])
{
	struct strata_cap_packet pkt = {
		.key = key,
		.type = STRATA_CAP_PKT_USER,
	};

	if (user) {
		pkt.user[0] = user[0];
		pkt.user[1] = user[1];
	}
	return strata_ret(ioctl(table, STRATA_CAP_IOC_PORT_QUEUE, &pkt));
}

__s64 strata_deadline_after(__s64 timeout_ns)
{
	struct timespec ts;
	__s64 now;

	if (timeout_ns < 0)
		return STRATA_TIME_INFINITE;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__s64)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	if (timeout_ns > STRATA_TIME_INFINITE - now)
		return STRATA_TIME_INFINITE;
	return now + timeout_ns;
}

int strata_channel_write(int table, __u32 handle, const void *bytes,
			 __u32 num_bytes, const __u32 *handles,
			 __u32 num_handles)
{
	struct strata_cap_channel_write args = {
		.handle = handle,
		.bytes = (__u64)(unsigned long)bytes,
		.handles = (__u64)(unsigned long)handles,
		.num_bytes = num_bytes,
		.num_handles = num_handles,
	};

	return strata_ret(ioctl(table, STRATA_CAP_IOC_CHANNEL_WRITE, &args));
}

static int strata_channel_read_opts(int table, __u32 handle, __u32 options,
				    void *bytes, __u32 num_bytes,
				    __u32 *handles, __u32 num_handles,
				    __u32 *actual_bytes, __u32 *actual_handles)
{
	struct strata_cap_channel_read args = {
		.handle = handle,
		.options = options,
		.bytes = (__u64)(unsigned long)bytes,
		.handles = (__u64)(unsigned long)handles,
		.num_bytes = num_bytes,
		.num_handles = num_handles,
	};
	int ret = 0;

	if (ioctl(table, STRATA_CAP_IOC_CHANNEL_READ, &args) < 0) {
		ret = -errno;
		if (ret != -EMSGSIZE)
			return ret;
	}
	if (actual_bytes)
		*actual_bytes = args.actual_bytes;
	if (actual_handles)
		*actual_handles = args.actual_handles;
	return ret;
}

int strata_channel_read(int table, __u32 handle, void *bytes,
			__u32 num_bytes, __u32 *handles, __u32 num_handles,
			__u32 *actual_bytes, __u32 *actual_handles)
{
	return strata_channel_read_opts(table, handle, 0, bytes, num_bytes,
					handles, num_handles, actual_bytes,
					actual_handles);
}

int strata_channel_read_wait(int table, __u32 handle, void *bytes,
			     __u32 num_bytes, __u32 *handles,
			     __u32 num_handles, __u32 *actual_bytes,
			     __u32 *actual_handles)
{
	return strata_channel_read_opts(table, handle,
					STRATA_CAP_CHANNEL_READ_WAIT, bytes,
					num_bytes, handles, num_handles,
					actual_bytes, actual_handles);
}

int strata_channel_call(int table, struct strata_cap_channel_call *args)
{
	return strata_ret(ioctl(table, STRATA_CAP_IOC_CHANNEL_CALL, args));
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

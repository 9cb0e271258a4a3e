// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libstrata - GPU gang scheduling and the fake GPU
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "strata.h"

int strata_gang_open(void)
{
	int fd = open(STRATA_GANG_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0 && (errno == EACCES || errno == EPERM))
		fd = open(STRATA_GANG_DEV, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int strata_gang_status(int fd, struct strata_gang_status *status)
{
	memset(status, 0, sizeof(*status));
	return ioctl(fd, STRATA_GANG_IOC_STATUS, status) < 0 ? -errno : 0;
}

int strata_gang_gpus(int fd, struct strata_gang_gpu *gpus, __u32 cap,
		     __u32 *count)
{
	struct strata_gang_gpus args = {
		.gpus = (__u64)(unsigned long)gpus,
		.capacity = cap,
	};

	if (ioctl(fd, STRATA_GANG_IOC_GPUS, &args) < 0)
		return -errno;
	*count = args.count;
	return 0;
}

int strata_gang_create(int fd, int table,
		       const struct strata_gang_create *params, __u32 *handle)
{
	struct strata_gang_create args = *params;

	/* Output fields must be zero on input. */
	args.table_fd = table;
	args.handle = 0;
	args.koid = 0;
	if (ioctl(fd, STRATA_GANG_IOC_CREATE, &args) < 0)
		return -errno;
	*handle = args.handle;
	return 0;
}

static int gang_ref(int fd, unsigned long cmd, int table, __u32 handle,
		    __u32 *member)
{
	struct strata_gang_ref ref = {
		.table_fd = table,
		.handle = handle,
	};

	if (ioctl(fd, cmd, &ref) < 0)
		return -errno;
	if (member)
		*member = ref.member;
	return 0;
}

int strata_gang_join(int fd, int table, __u32 handle, __u32 *member)
{
	return gang_ref(fd, STRATA_GANG_IOC_JOIN, table, handle, member);
}

int strata_gang_leave(int fd, int table, __u32 handle)
{
	return gang_ref(fd, STRATA_GANG_IOC_LEAVE, table, handle, NULL);
}

int strata_gang_kill(int fd, int table, __u32 handle)
{
	return gang_ref(fd, STRATA_GANG_IOC_KILL, table, handle, NULL);
}

int strata_gang_kill_id(int fd, __u64 koid)
{
	struct strata_gang_kill_id args = { .koid = koid };

	return ioctl(fd, STRATA_GANG_IOC_KILL_ID, &args) < 0 ? -errno : 0;
}

int strata_gang_step(int fd, int table, __u32 handle, __u32 flags,
		     struct strata_gang_step *out)
{
	struct strata_gang_step args = {
		.table_fd = table,
		.handle = handle,
		.flags = flags,
	};

	if (ioctl(fd, STRATA_GANG_IOC_STEP, &args) < 0)
		return -errno;
	if (out)
		*out = args;
	return 0;
}

int strata_gang_set(int fd, int table, __u32 handle, __u32 mask,
		    __u32 priority, __u32 slice_ms)
{
	struct strata_gang_set args = {
		.table_fd = table,
		.handle = handle,
		.mask = mask,
		.priority = priority,
		.slice_ms = slice_ms,
	};

	return ioctl(fd, STRATA_GANG_IOC_SET, &args) < 0 ? -errno : 0;
}

int strata_gang_info(int fd, int table, __u32 handle,
		     struct strata_gang_info *info)
{
	struct strata_gang_query args = {
		.table_fd = table,
		.handle = handle,
	};

	if (ioctl(fd, STRATA_GANG_IOC_INFO, &args) < 0)
		return -errno;
	*info = args.info;
	return 0;
}

int strata_gang_list(int fd, struct strata_gang_info *gangs, __u32 cap,
		     __u32 *count)
{
	struct strata_gang_list args = {
		.gangs = (__u64)(unsigned long)gangs,
		.capacity = cap,
	};

	if (ioctl(fd, STRATA_GANG_IOC_LIST, &args) < 0)
		return -errno;
	*count = args.count;
	return 0;
}

/* A decimal number from @name in the environment, at most @max. */
static int env_number(const char *name, unsigned long long max,
		      unsigned long long *val)
{
	const char *s = getenv(name);
	char *end;

	if (!s)
		return -ENOENT;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*val = strtoull(s, &end, 10);
	if (errno || *end || *val > max)
		return -EINVAL;
	return 0;
}

int strata_gang_env(int *table, __u32 *handle, __u32 *member)
{
	unsigned long long t, h, m = 0;
	int err;

	err = env_number(STRATA_GANG_ENV_TABLE_FD, INT_MAX, &t);
	if (!err)
		err = env_number(STRATA_GANG_ENV_HANDLE, UINT_MAX, &h);
	if (!err && member)
		err = env_number(STRATA_GANG_ENV_MEMBER,
				 STRATA_GANG_MAX_MEMBERS - 1, &m);
	if (err) {
		errno = -err;
		return err;
	}
	*table = (int)t;
	*handle = (__u32)h;
	if (member)
		*member = (__u32)m;
	return 0;
}

const char *strata_gang_state_name(__u32 state)
{
	switch (state) {
	case STRATA_GANG_FORMING:
		return "forming";
	case STRATA_GANG_QUEUED:
		return "queued";
	case STRATA_GANG_RUNNING:
		return "running";
	case STRATA_GANG_DONE:
		return "done";
	case STRATA_GANG_ABORTED:
		return "aborted";
	default:
		return "unknown";
	}
}

const char *strata_gang_abort_reason_name(__u32 reason)
{
	switch (reason) {
	case STRATA_GANG_ABORT_NONE:
		return "none";
	case STRATA_GANG_ABORT_KILLED:
		return "killed";
	case STRATA_GANG_ABORT_MEMBER_DIED:
		return "member died";
	case STRATA_GANG_ABORT_NO_HANDLES:
		return "no handles";
	case STRATA_GANG_ABORT_ADMIN:
		return "killed by admin";
	default:
		return "unknown";
	}
}

/* ---- the fake GPU ------------------------------------------------------- */

int strata_fakegpu_open(unsigned int id)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), STRATA_FAKEGPU_DEV_FMT, id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int strata_fakegpu_run(int fd, __u64 duration_us, __u32 flags,
		       struct strata_fakegpu_run *out)
{
	struct strata_fakegpu_run args = {
		.duration_us = duration_us,
		.flags = flags,
	};

	if (ioctl(fd, STRATA_FAKEGPU_IOC_RUN, &args) < 0)
		return -errno;
	if (out)
		*out = args;
	return 0;
}

int strata_fakegpu_wait(int fd, __u64 seq, struct strata_fakegpu_wait *out)
{
	struct strata_fakegpu_wait args = { .seq = seq };

	if (ioctl(fd, STRATA_FAKEGPU_IOC_WAIT, &args) < 0)
		return -errno;
	if (out)
		*out = args;
	return 0;
}

int strata_fakegpu_sync(int fd)
{
	return ioctl(fd, STRATA_FAKEGPU_IOC_SYNC, 0) < 0 ? -errno : 0;
}

int strata_fakegpu_stat(int fd, struct strata_fakegpu_stat *stat)
{
	memset(stat, 0, sizeof(*stat));
	return ioctl(fd, STRATA_FAKEGPU_IOC_STAT, stat) < 0 ? -errno : 0;
}

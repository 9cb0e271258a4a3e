// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libstrata - tiered memory
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "strata.h"

int strata_tier_open(void)
{
	int fd = open(STRATA_TIER_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0 && (errno == EACCES || errno == EPERM))
		fd = open(STRATA_TIER_DEV, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int strata_tier_info(int fd, struct strata_tier_info *info,
		     struct strata_tier_node *nodes, __u32 cap)
{
	memset(info, 0, sizeof(*info));
	info->nr_nodes = cap;
	info->nodes = (__u64)(unsigned long)nodes;
	return ioctl(fd, STRATA_TIER_IOC_INFO, info) < 0 ? -errno : 0;
}

static int tier_register(int fd, __u32 flags, int target, __u64 quota,
			 __u32 *id)
{
	struct strata_tier_reg reg = {
		.flags = flags,
		.target = target,
		.fast_quota = quota,
	};

	if (ioctl(fd, STRATA_TIER_IOC_REGISTER, &reg) < 0)
		return -errno;
	*id = reg.id;
	return 0;
}

int strata_tier_register_pid(int fd, pid_t pid, __u64 quota, __u32 *id)
{
	return tier_register(fd, 0, pid, quota, id);
}

int strata_tier_register_pidfd(int fd, int pidfd, __u64 quota, __u32 *id)
{
	return tier_register(fd, STRATA_TIER_REG_PIDFD, pidfd, quota, id);
}

int strata_tier_register_cgroup(int fd, const char *path, __u64 quota,
				__u32 *id)
{
	int cg, err;

	cg = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return -errno;
	err = tier_register(fd, STRATA_TIER_REG_CGROUP, cg, quota, id);
	close(cg);
	errno = -err;
	return err;
}

int strata_tier_unregister(int fd, __u32 id)
{
	return ioctl(fd, STRATA_TIER_IOC_UNREGISTER, &id) < 0 ? -errno : 0;
}

int strata_tier_set_quota(int fd, __u32 id, __u64 quota)
{
	struct strata_tier_quota q = { .id = id, .fast_quota = quota };

	return ioctl(fd, STRATA_TIER_IOC_SET_QUOTA, &q) < 0 ? -errno : 0;
}

int strata_tier_list(int fd, __u32 *ids, __u32 cap)
{
	struct strata_tier_list list = {
		.nr = cap,
		.ids = (__u64)(unsigned long)ids,
	};

	if (ioctl(fd, STRATA_TIER_IOC_LIST, &list) < 0)
		return -errno;
	return list.nr;
}

int strata_tier_stats(int fd, __u32 id, struct strata_tier_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	stats->size = sizeof(*stats);
	stats->id = id;
	return ioctl(fd, STRATA_TIER_IOC_STATS, stats) < 0 ? -errno : 0;
}

#define NODE_BITS	4096

static int tier_mask(__u64 *mask, const int *nodes, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (nodes[i] < 0 || nodes[i] >= NODE_BITS)
			return -EINVAL;
		mask[nodes[i] / 64] |= 1ULL << (nodes[i] % 64);
	}
	return 0;
}

int strata_tier_set_nodes(int fd, const int *fast, unsigned int nr_fast,
			  const int *slow, unsigned int nr_slow)
{
	__u64 fmask[NODE_BITS / 64] = { 0 }, smask[NODE_BITS / 64] = { 0 };
	struct strata_tier_nodes args = {
		.maxnode = NODE_BITS,
		.fast = (__u64)(unsigned long)fmask,
		.slow = (__u64)(unsigned long)smask,
	};
	int err;

	err = tier_mask(fmask, fast, nr_fast);
	if (!err)
		err = tier_mask(smask, slow, nr_slow);
	if (err) {
		errno = -err;
		return err;
	}
	return ioctl(fd, STRATA_TIER_IOC_SET_NODES, &args) < 0 ? -errno : 0;
}

int strata_tier_nodes_auto(int fd)
{
	struct strata_tier_nodes args = { .flags = STRATA_TIER_NODES_AUTO };

	return ioctl(fd, STRATA_TIER_IOC_SET_NODES, &args) < 0 ? -errno : 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata selftests - helpers shared by the strata_cap tests
 */
#ifndef _STRATA_SELFTESTS_CAP_COMMON_H
#define _STRATA_SELFTESTS_CAP_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <strata.h>

#define CAP_SYSFS	"/sys/class/misc/strata_cap/"
#define CAP_PARAM_MAX_HANDLES "/sys/module/strata_cap/parameters/max_handles"

/* ioctl() that returns -errno, so ASSERT_EQ(-EBADF, sys_ioctl(...)) reads well */
static inline int sys_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static inline long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Write a string to a sysfs file; returns 0 or -errno. */
static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static inline long cap_stat(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), CAP_SYSFS "%s", name);
	return read_long(path);
}

#endif /* _STRATA_SELFTESTS_CAP_COMMON_H */

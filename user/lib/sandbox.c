// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libstrata - capability mode
 */

#include <errno.h>
#include <sys/ioctl.h>

#include "strata.h"

int strata_sandbox_enter(int table)
{
	return ioctl(table, STRATA_CAP_IOC_SANDBOX_ENTER, 0) < 0 ? -errno : 0;
}

int strata_sandbox_status(int table)
{
	__u32 flags = 0;

	if (ioctl(table, STRATA_CAP_IOC_SANDBOX_STATUS, &flags) < 0)
		return -errno;
	return !!(flags & STRATA_SANDBOX_ACTIVE);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata BPF programs - what every program shares
 *
 * Include after vmlinux.h or strata_<area>.h, which define the kernel's
 * and the modules' types; <strata/handle.h> adds the uapi constants.
 */
#ifndef _STRATA_BPF_H
#define _STRATA_BPF_H

#include <strata/handle.h>

/* vmlinux.h has no errno values. */
#define EPERM	1
#define EACCES	13
#define EINVAL	22

#endif /* _STRATA_BPF_H */

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * strata_cap - user-space API: capability handles
 *
 * Opening STRATA_CAP_DEV gives a handle table bound to the calling thread
 * group.  Handles are 32-bit values naming kernel objects in that table,
 * each with a rights mask that can only shrink.  Every operation is an
 * ioctl on the table fd; any process other than the one that opened the
 * table gets -EACCES from it.
 *
 * Every structure passed to an ioctl has a fixed size encoded in the ioctl
 * number; fields named "reserved", output fields and unused option bits
 * must be zero on input, or the call fails with -EINVAL and changes
 * nothing.
 *
 * Documentation/cap.rst is the reference for every call and its errors.
 */
#ifndef _UAPI_STRATA_CAP_H
#define _UAPI_STRATA_CAP_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include "handle.h"

#define STRATA_CAP_DEV		"/dev/strata/cap"

/* ioctl magic shared by all strata modules; cap uses 0x00-0x3f. */
#define STRATA_IOC_MAGIC	0xBA

/**
 * struct strata_cap_table_info - STRATA_CAP_IOC_TABLE_INFO
 * @koid: the table's own koid
 * @nr_handles: handles the table holds now
 * @max_handles: the most it may hold (module parameter max_handles,
 *	read when the table was opened)
 * @reserved: zero
 */
struct strata_cap_table_info {
	__u64 koid;
	__u32 nr_handles;
	__u32 max_handles;
	__u64 reserved[2];
};

/**
 * struct strata_cap_create - STRATA_CAP_IOC_EVENT_CREATE
 * @options: must be 0
 * @handle: out: the new handle
 * @reserved: must be 0
 */
struct strata_cap_create {
	__u32 options;
	__u32 handle;
	__u64 reserved;
};

/**
 * struct strata_cap_duplicate - STRATA_CAP_IOC_HANDLE_DUPLICATE
 * @handle: source handle; needs STRATA_RIGHT_DUPLICATE
 * @rights: a subset of the source's rights, or STRATA_RIGHT_SAME_RIGHTS
 * @out: out: the new handle
 * @reserved: must be 0
 */
struct strata_cap_duplicate {
	__u32 handle;
	__u32 rights;
	__u32 out;
	__u32 reserved;
};

/**
 * struct strata_cap_handle_info - STRATA_CAP_IOC_HANDLE_INFO
 * @handle: in: the handle to describe; needs no right
 * @type: out: STRATA_OBJ_*
 * @rights: out: the handle's rights
 * @reserved: in: must be 0
 * @koid: out: the object's koid, unique for the life of the system
 * @related_koid: out: the peer's koid for paired objects, else 0
 */
struct strata_cap_handle_info {
	__u32 handle;
	__u32 type;
	__u32 rights;
	__u32 reserved;
	__u64 koid;
	__u64 related_koid;
};

#define STRATA_CAP_IOC_TABLE_INFO \
	_IOR(STRATA_IOC_MAGIC, 0x00, struct strata_cap_table_info)
#define STRATA_CAP_IOC_EVENT_CREATE \
	_IOWR(STRATA_IOC_MAGIC, 0x01, struct strata_cap_create)
#define STRATA_CAP_IOC_HANDLE_CLOSE \
	_IOW(STRATA_IOC_MAGIC, 0x02, __u32)
#define STRATA_CAP_IOC_HANDLE_DUPLICATE \
	_IOWR(STRATA_IOC_MAGIC, 0x03, struct strata_cap_duplicate)
#define STRATA_CAP_IOC_HANDLE_INFO \
	_IOWR(STRATA_IOC_MAGIC, 0x04, struct strata_cap_handle_info)

#endif /* _UAPI_STRATA_CAP_H */

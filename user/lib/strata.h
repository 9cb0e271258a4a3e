/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libstrata - C API over strata's ioctls
 *
 * Every function returns 0 (or a non-negative value where it says so) on
 * success and a negative errno on failure, as libbpf does; errno is also
 * set.  The structures are those of <strata/cap.h>.
 */
#ifndef _STRATA_LIBSTRATA_H
#define _STRATA_LIBSTRATA_H

#include <linux/types.h>
#include <strata/cap.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Open a new handle table and return its fd.  @flags is 0 or O_CLOEXEC; a
 * table kept across exec is how a launcher hands handles to a program.
 */
int strata_cap_open(int flags);

int strata_cap_table_info(int table, struct strata_cap_table_info *info);
int strata_event_create(int table, __u32 *handle);
int strata_handle_close(int table, __u32 handle);
int strata_handle_duplicate(int table, __u32 handle, __u32 rights,
			    __u32 *out);
int strata_handle_info(int table, __u32 handle,
		       struct strata_cap_handle_info *info);

/* Name of an object type ("event", ...), or "unknown". */
const char *strata_obj_type_name(__u32 type);

#ifdef __cplusplus
}
#endif

#endif /* _STRATA_LIBSTRATA_H */

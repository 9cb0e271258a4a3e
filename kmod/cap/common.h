/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata_cap - definitions shared by the module's files
 */
#ifndef _STRATA_CAP_COMMON_H
#define _STRATA_CAP_COMMON_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <strata/cap.h>

/*
 * A handle value is ((index << 15) | (generation << 1) | 1) XOR the table's
 * random mask, whose bit 0 is clear: values are never 0 and a value names
 * one slot and one generation.  Slots are handed out cyclically, so a
 * closed value could only name a later handle once its slot comes round
 * again (after every other index was used) with the same generation.
 */
enum {
	STRATA_HANDLE_GEN_BITS		= 14,
	STRATA_HANDLE_GEN_MASK		= (1U << STRATA_HANDLE_GEN_BITS) - 1,
	STRATA_HANDLE_IDX_SHIFT		= STRATA_HANDLE_GEN_BITS + 1,
	STRATA_HANDLE_IDX_MAX		= (1U << (32 - STRATA_HANDLE_IDX_SHIFT)) - 1,
	STRATA_MAX_HANDLES_DEFAULT	= 65536,
};

/**
 * struct strata_handle - one entry of a handle table
 * @obj: the object, with one reference owned by the handle
 * @rights: what the holder may do with @obj
 * @gen: generation encoded in the handle's value
 */
struct strata_handle {
	struct strata_object *obj;
	u32 rights;
	u32 gen;
};

/**
 * struct strata_table - a process's handle table, one per open file
 * @lock: serialises changes to @handles and @nr_handles
 * @handles: index -> struct strata_handle
 * @owner: thread group that opened the table; nobody else may use it
 * @koid: the table's koid
 * @mask: XOR mask of handle values, random per table
 * @next_index: where the cyclic search for a free slot starts
 * @next_gen: generation of the next handle
 * @nr_handles: entries in @handles
 * @max_handles: limit on @nr_handles
 */
struct strata_table {
	struct mutex lock;	/* serialises changes to handles */
	struct xarray handles;
	struct pid *owner;
	u64 koid;
	u32 mask;
	u32 next_index;
	u32 next_gen;
	u32 nr_handles;
	u32 max_handles;
};

/* Live counts, for leak checks and statistics. */
struct strata_cap_stats {
	atomic_long_t objects;
	atomic_long_t tables;
	atomic_long_t handles;
};

extern struct strata_cap_stats strata_cap_stats;
extern unsigned int strata_max_handles;

/* table.c */
struct strata_table *strata_table_create(void);
void strata_table_destroy(struct strata_table *table);
bool strata_table_is_owner(const struct strata_table *table);
int strata_handle_add(struct strata_table *table, struct strata_object *obj,
		      u32 rights, u32 *value);
struct strata_object *strata_handle_get(struct strata_table *table, u32 value,
					u32 *rights);
int strata_handle_close(struct strata_table *table, u32 value);
int strata_handle_duplicate(struct strata_table *table, u32 value,
			    u32 rights, u32 *out);

/* event.c */
struct strata_object *strata_event_create(void);

/* policy.c */
int strata_policy_init(void);
int strata_policy_create(u32 type, u32 rights);
int strata_policy_duplicate(const struct strata_object *obj, u32 rights,
			    u32 new_rights);

/* ioctl.c */
long strata_cap_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* _STRATA_CAP_COMMON_H */

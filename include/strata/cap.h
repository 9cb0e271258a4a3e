/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata_cap - kernel-internal object interface
 *
 * Every kernel object reachable through a strata handle embeds a
 * struct strata_object.  Other strata modules define their own object types
 * with a struct strata_object_type and hand objects to strata_cap, which
 * owns handles, rights and lifetimes.
 */
#ifndef _STRATA_CAP_H
#define _STRATA_CAP_H

#include <linux/kref.h>
#include <linux/types.h>

struct strata_object;

/**
 * struct strata_object_type - what strata_cap needs to know of a type
 * @type: STRATA_OBJ_* value reported to user space
 * @name: short name for logs
 * @destroy: frees the object once its last reference is gone; may sleep
 */
struct strata_object_type {
	u32 type;
	const char *name;
	void (*destroy)(struct strata_object *obj);
};

/**
 * struct strata_object - header of every object behind a handle
 * @ref: references: one per handle, plus transient ones
 * @type: the object's type
 * @koid: kernel object id, never reused while the system runs
 * @related_koid: the peer's koid for paired objects, else 0
 */
struct strata_object {
	struct kref ref;
	const struct strata_object_type *type;
	u64 koid;
	u64 related_koid;
};

u64 strata_koid_alloc(void);
void strata_object_init(struct strata_object *obj,
			const struct strata_object_type *type);
void strata_object_put(struct strata_object *obj);

static inline struct strata_object *strata_object_get(struct strata_object *obj)
{
	kref_get(&obj->ref);
	return obj;
}

#endif /* _STRATA_CAP_H */

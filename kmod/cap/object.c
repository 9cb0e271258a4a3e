// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - object lifetimes and koids
 */

#include <linux/atomic.h>
#include <linux/export.h>
#include <linux/kref.h>

#include "common.h"

/* Zircon reserves the low koids; strata follows it. */
static atomic64_t strata_next_koid = ATOMIC64_INIT(1024);

/**
 * strata_koid_alloc() - a kernel object id that is never handed out again
 *
 * Return: the new koid; 64 bits do not wrap while the system runs.
 */
u64 strata_koid_alloc(void)
{
	return atomic64_inc_return(&strata_next_koid);
}
EXPORT_SYMBOL_GPL(strata_koid_alloc);

/**
 * strata_object_init() - set up the header of a new object
 * @obj: the object, embedded in its type's structure
 * @type: its type
 *
 * The object starts with one reference, owned by the caller.
 */
void strata_object_init(struct strata_object *obj,
			const struct strata_object_type *type)
{
	kref_init(&obj->ref);
	obj->type = type;
	obj->koid = strata_koid_alloc();
	obj->related_koid = 0;
	atomic_long_inc(&strata_cap_stats.objects);
}
EXPORT_SYMBOL_GPL(strata_object_init);

static void strata_object_release(struct kref *ref)
{
	struct strata_object *obj = container_of(ref, struct strata_object, ref);

	atomic_long_dec(&strata_cap_stats.objects);
	obj->type->destroy(obj);
}

/**
 * strata_object_put() - drop a reference, destroying the object on the last
 * @obj: the object
 */
void strata_object_put(struct strata_object *obj)
{
	kref_put(&obj->ref, strata_object_release);
}
EXPORT_SYMBOL_GPL(strata_object_put);

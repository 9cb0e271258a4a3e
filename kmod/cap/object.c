// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - object lifetimes, koids and signals
 */

#include <linux/atomic.h>
#include <linux/cred.h>
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
 * The object starts with one reference, owned by the caller, and is
 * charged to the caller's user.  On success, strata_object_put() ends it;
 * on failure the caller frees it as if this had not been called.
 *
 * Return: 0, -EDQUOT when the user has reached user_max_objects,
 * -ENODEV when the type's module is going away, or -ENOMEM.
 */
int strata_object_init(struct strata_object *obj,
		       const struct strata_object_type *type)
{
	struct strata_user *user = strata_user_get(current_uid());
	int err;

	if (!user)
		return -ENOMEM;
	if (!try_module_get(type->owner))
		return -ENODEV;
	err = strata_quota_charge(user, STRATA_QUOTA_OBJECTS, 1);
	if (err) {
		module_put(type->owner);
		return err;
	}
	kref_init(&obj->ref);
	atomic_set(&obj->handle_count, 0);
	obj->type = type;
	obj->koid = strata_koid_alloc();
	obj->related_koid = 0;
	init_waitqueue_head(&obj->wq);
	obj->signals = 0;
	obj->user = user;
	atomic_long_inc(&strata_cap_stats.objects);
	return 0;
}
EXPORT_SYMBOL_GPL(strata_object_init);

static void strata_object_release(struct kref *ref)
{
	struct strata_object *obj = container_of(ref, struct strata_object, ref);
	struct module *owner = obj->type->owner;

	strata_quota_uncharge(obj->user, STRATA_QUOTA_OBJECTS, 1);
	atomic_long_dec(&strata_cap_stats.objects);
	obj->type->destroy(obj);
	module_put(owner);
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

/**
 * strata_object_release_handle() - account for a handle that went away
 * @obj: the object it named
 *
 * Called once per handle, before the handle's object reference is dropped.
 */
void strata_object_release_handle(struct strata_object *obj)
{
	if (atomic_dec_and_test(&obj->handle_count) &&
	    obj->type->on_zero_handles)
		obj->type->on_zero_handles(obj);
}

/**
 * __strata_object_signal() - change signals with the object's lock held
 * @obj: the object
 * @clear: signals to clear
 * @set: signals to set, after clearing
 *
 * Waiters are woken when the signals change; async waits whose trigger
 * is now asserted queue their packets.
 */
void __strata_object_signal(struct strata_object *obj, u32 clear, u32 set)
{
	u32 old = obj->signals;

	lockdep_assert_held(&obj->wq.lock);

	obj->signals = (old & ~clear) | set;
	if (obj->signals != old)
		wake_up_locked_poll(&obj->wq, obj->signals);
}
EXPORT_SYMBOL_GPL(__strata_object_signal);

/**
 * strata_object_update() - change signals without waking anyone yet
 * @obj: the object
 * @clear: signals to clear
 * @set: signals to set, after clearing
 *
 * For callers holding locks a woken task would need at once: they call
 * strata_object_wake() once those are dropped.
 *
 * Return: whether the signals changed.
 */
bool strata_object_update(struct strata_object *obj, u32 clear, u32 set)
{
	unsigned long flags;
	u32 old;

	bool changed;

	spin_lock_irqsave(&obj->wq.lock, flags);
	old = obj->signals;
	obj->signals = (old & ~clear) | set;
	changed = obj->signals != old;
	spin_unlock_irqrestore(&obj->wq.lock, flags);
	return changed;
}

/**
 * strata_object_wake() - wake an object's waiters to look at its signals
 * @obj: the object
 */
void strata_object_wake(struct strata_object *obj)
{
	unsigned long flags;

	spin_lock_irqsave(&obj->wq.lock, flags);
	wake_up_locked_poll(&obj->wq, obj->signals);
	spin_unlock_irqrestore(&obj->wq.lock, flags);
}

/**
 * strata_object_signal() - change an object's signals
 * @obj: the object
 * @clear: signals to clear
 * @set: signals to set, after clearing
 */
void strata_object_signal(struct strata_object *obj, u32 clear, u32 set)
{
	unsigned long flags;

	spin_lock_irqsave(&obj->wq.lock, flags);
	__strata_object_signal(obj, clear, set);
	spin_unlock_irqrestore(&obj->wq.lock, flags);
}
EXPORT_SYMBOL_GPL(strata_object_signal);

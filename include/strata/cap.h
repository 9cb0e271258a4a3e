/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata_cap - kernel-internal object interface
 *
 * Every kernel object reachable through a strata handle embeds a
 * struct strata_object, whose lifetime, signals and waiters strata_cap
 * manages.  Other strata modules define their own object types with a
 * struct strata_object_type, put new objects into a user's handle table
 * with strata_handle_install() and find them from a handle value with
 * strata_handle_object().
 */
#ifndef _STRATA_CAP_H
#define _STRATA_CAP_H

#include <linux/kref.h>
#include <linux/module.h>
#include <linux/types.h>
#include <linux/wait.h>

struct strata_object;
struct strata_user;

/**
 * struct strata_object_type - what strata_cap needs to know of a type
 * @type: STRATA_OBJ_* value reported to user space
 * @name: short name for logs and fdinfo
 * @user_signals: signals OBJECT_SIGNAL may set or clear on this type
 * @destroy: frees the object once its last reference is gone; may sleep
 * @on_zero_handles: optional; the last handle to the object went away
 *	(transient references may remain); paired objects tell their peer
 * @get_peer: optional; the peer object with a reference, or an ERR_PTR:
 *	-EPIPE when the peer is gone
 * @owner: the module that defines the type (THIS_MODULE); every object
 *	holds a reference to it, so that @destroy outlives the object
 */
struct strata_object_type {
	u32 type;
	const char *name;
	u32 user_signals;
	void (*destroy)(struct strata_object *obj);
	void (*on_zero_handles)(struct strata_object *obj);
	struct strata_object *(*get_peer)(struct strata_object *obj);
	struct module *owner;
};

/**
 * struct strata_object - header of every object behind a handle
 * @ref: references: one per handle, plus transient ones
 * @handle_count: handles naming the object, wherever they are
 * @type: the object's type
 * @koid: kernel object id, never reused while the system runs
 * @related_koid: the peer's koid for paired objects, else 0
 * @wq: waiters; its lock also guards @signals and the object's handle
 *	derivation tree
 * @signals: STRATA_SIGNAL_* bits now asserted
 * @user: the user charged for the object (quota)
 */
struct strata_object {
	struct kref ref;
	atomic_t handle_count;
	const struct strata_object_type *type;
	u64 koid;
	u64 related_koid;
	wait_queue_head_t wq;
	u32 signals;
	struct strata_user *user;
};

u64 strata_koid_alloc(void);
int strata_object_init(struct strata_object *obj,
		       const struct strata_object_type *type);
void strata_object_put(struct strata_object *obj);
void strata_object_signal(struct strata_object *obj, u32 clear, u32 set);
void __strata_object_signal(struct strata_object *obj, u32 clear, u32 set);

int strata_handle_install(int table_fd, struct strata_object *obj, u32 rights,
			  u32 *value);
struct strata_object *strata_handle_object(int table_fd, u32 value, u32 type,
					   u32 rights);

static inline struct strata_object *strata_object_get(struct strata_object *obj)
{
	kref_get(&obj->ref);
	return obj;
}

#endif /* _STRATA_CAP_H */

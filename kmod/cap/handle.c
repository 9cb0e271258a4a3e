// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - handles and their derivation tree
 *
 * Every handle records the handle it was derived from.  Duplicate and
 * replace make a child; transfer, export and import move the handle itself,
 * so it keeps its parent.  Revoking a handle marks every descendant
 * revoked, wherever it sits (a table, a message in flight, an exported
 * file): the mark is what every operation checks, so revocation takes
 * effect at once without reaching into other processes' tables.  When a
 * handle goes away its children move up to its parent, so an ancestor's
 * revoke still reaches them.
 *
 * The tree of an object's handles is guarded by the object's wq.lock, the
 * same lock as its signals, so that a revoke, a close and a wait never see
 * each other half done.
 */

#include <linux/slab.h>

#include "common.h"
#include "trace.h"

static struct kmem_cache *strata_handle_cache;

int strata_handle_cache_init(void)
{
	strata_handle_cache = KMEM_CACHE(strata_handle, SLAB_ACCOUNT);
	return strata_handle_cache ? 0 : -ENOMEM;
}

void strata_handle_cache_exit(void)
{
	kmem_cache_destroy(strata_handle_cache);
}

/**
 * strata_handle_new() - a handle to @obj with no parent
 * @obj: the object; the handle takes over the caller's reference
 * @rights: its rights
 *
 * Return: the handle, or NULL when out of memory (the reference stays
 * with the caller).
 */
struct strata_handle *strata_handle_new(struct strata_object *obj, u32 rights)
{
	struct strata_handle *h;

	h = kmem_cache_alloc(strata_handle_cache, GFP_KERNEL_ACCOUNT);
	if (!h)
		return NULL;
	kref_init(&h->ref);
	h->obj = obj;
	h->parent = NULL;
	INIT_LIST_HEAD(&h->children);
	INIT_LIST_HEAD(&h->sibling);
	INIT_LIST_HEAD(&h->async_waits);
	h->flags = 0;
	h->rights = rights;
	h->gen = 0;
	h->epoch = 0;
	h->owner_tgid = 0;
	atomic_inc(&obj->handle_count);
	atomic_long_inc(&strata_cap_stats.handles);
	return h;
}

/**
 * strata_handle_derive() - a child of @parent with @rights
 * @parent: the source handle, held by the caller
 * @rights: a subset of @parent's rights
 *
 * Return: the new handle, or an ERR_PTR: -ENOMEM, or -EKEYREVOKED when
 * @parent was revoked meanwhile (checked under the tree lock, so a revoke
 * never misses a child made while it runs).
 */
struct strata_handle *strata_handle_derive(struct strata_handle *parent,
					   u32 rights)
{
	struct strata_object *obj = parent->obj;
	struct strata_handle *h;
	unsigned long flags;

	h = strata_handle_new(strata_object_get(obj), rights);
	if (!h) {
		strata_object_put(obj);
		return ERR_PTR(-ENOMEM);
	}

	spin_lock_irqsave(&obj->wq.lock, flags);
	if (parent->flags & (BIT(STRATA_HANDLE_REVOKED) |
			     BIT(STRATA_HANDLE_DROPPED))) {
		spin_unlock_irqrestore(&obj->wq.lock, flags);
		strata_handle_put(h);
		return ERR_PTR(test_bit(STRATA_HANDLE_REVOKED, &parent->flags) ?
			       -EKEYREVOKED : -EBADF);
	}
	h->parent = parent;
	list_add_tail(&h->sibling, &parent->children);
	spin_unlock_irqrestore(&obj->wq.lock, flags);
	return h;
}

static void strata_handle_free(struct kref *ref)
{
	struct strata_handle *h = container_of(ref, struct strata_handle, ref);
	struct strata_object *obj = h->obj;

	WARN_ON_ONCE(!list_empty(&h->children) || !list_empty(&h->sibling) ||
		     !list_empty(&h->async_waits));
	kmem_cache_free(strata_handle_cache, h);
	atomic_long_dec(&strata_cap_stats.handles);
	strata_object_release_handle(obj);
	strata_object_put(obj);
}

/**
 * strata_handle_put() - drop a reference to a handle
 * @h: the handle
 */
void strata_handle_put(struct strata_handle *h)
{
	kref_put(&h->ref, strata_handle_free);
}

/**
 * strata_handle_drop() - the holder lets the handle go, for good
 * @h: the handle; the holder's reference is consumed
 *
 * The handle leaves the derivation tree (its children move up to its
 * parent), its pending async waits complete with -ECANCELED and waits
 * blocked on it end with -ECANCELED.  Operations still holding a
 * reference finish and see it dropped.
 */
void strata_handle_drop(struct strata_handle *h)
{
	struct strata_object *obj = h->obj;
	struct strata_handle *child, *tmp;
	unsigned long flags;

	spin_lock_irqsave(&obj->wq.lock, flags);
	set_bit(STRATA_HANDLE_DROPPED, &h->flags);
	list_for_each_entry_safe(child, tmp, &h->children, sibling) {
		child->parent = h->parent;
		if (h->parent)
			list_move_tail(&child->sibling, &h->parent->children);
		else
			list_del_init(&child->sibling);
	}
	list_del_init(&h->sibling);
	h->parent = NULL;
	__strata_async_cancel_all(h, -ECANCELED);
	/* Under the queue's own lock: no waiter can be missed. */
	if (waitqueue_active(&obj->wq))
		wake_up_locked_poll(&obj->wq, obj->signals);
	spin_unlock_irqrestore(&obj->wq.lock, flags);

	strata_handle_put(h);
}

/**
 * strata_handle_leave_table() - the handle moves out of its table
 * @h: the handle, about to travel in a message or a file
 *
 * Waits are tied to the table they were made from: pending async waits
 * complete there with -ECANCELED, and blocked waits end with -ECANCELED
 * (they see @h->epoch move), as if the handle had been closed.
 */
void strata_handle_leave_table(struct strata_handle *h)
{
	struct strata_object *obj = h->obj;
	unsigned long flags;

	spin_lock_irqsave(&obj->wq.lock, flags);
	__strata_async_cancel_all(h, -ECANCELED);
	WRITE_ONCE(h->epoch, h->epoch + 1);
	/* Under the queue's own lock: no waiter can be missed. */
	if (waitqueue_active(&obj->wq))
		wake_up_locked_poll(&obj->wq, obj->signals);
	spin_unlock_irqrestore(&obj->wq.lock, flags);
	h->owner_tgid = 0;
}

/**
 * strata_handle_gone() - has @h been revoked, dropped or moved?
 * @h: a handle a wait holds
 * @epoch: @h->epoch when the wait began
 *
 * Return: 0 while the wait may go on, else the error that ends it:
 * -EKEYREVOKED, or -ECANCELED when @h was closed or moved out.
 */
int strata_handle_gone(const struct strata_handle *h, u32 epoch)
{
	if (test_bit(STRATA_HANDLE_REVOKED, &h->flags))
		return -EKEYREVOKED;
	if (test_bit(STRATA_HANDLE_DROPPED, &h->flags) ||
	    READ_ONCE(h->epoch) != epoch)
		return -ECANCELED;
	return 0;
}

/* Next handle of a pre-order walk of @root's subtree, or NULL. */
static struct strata_handle *strata_tree_next(struct strata_handle *pos,
					      struct strata_handle *root)
{
	if (!list_empty(&pos->children))
		return list_first_entry(&pos->children, struct strata_handle,
					sibling);
	while (pos != root) {
		if (!list_is_last(&pos->sibling, &pos->parent->children))
			return list_next_entry(pos, sibling);
		pos = pos->parent;
	}
	return NULL;
}

/**
 * strata_handle_revoke() - revoke every handle derived from @h
 * @h: the revoking handle, held by the caller; it stays valid
 * @nr_revoked: out: how many handles were newly revoked
 *
 * Return: 0, or -EKEYREVOKED when @h itself was revoked meanwhile.
 */
int strata_handle_revoke(struct strata_handle *h, u32 *nr_revoked)
{
	struct strata_object *obj = h->obj;
	struct strata_handle *pos;
	unsigned long flags;
	u32 n = 0;

	spin_lock_irqsave(&obj->wq.lock, flags);
	if (test_bit(STRATA_HANDLE_REVOKED, &h->flags)) {
		spin_unlock_irqrestore(&obj->wq.lock, flags);
		return -EKEYREVOKED;
	}
	for (pos = strata_tree_next(h, h); pos; pos = strata_tree_next(pos, h)) {
		if (test_and_set_bit(STRATA_HANDLE_REVOKED, &pos->flags))
			continue;
		__strata_async_cancel_all(pos, -EKEYREVOKED);
		n++;
	}
	/* Under the queue's own lock: no waiter can be missed. */
	if (n && waitqueue_active(&obj->wq))
		wake_up_locked_poll(&obj->wq, obj->signals);
	spin_unlock_irqrestore(&obj->wq.lock, flags);
	*nr_revoked = n;
	return 0;
}

/**
 * strata_handle_revoked() - whether an ancestor revoked @h
 * @h: the handle
 */
bool strata_handle_revoked(const struct strata_handle *h)
{
	return test_bit(STRATA_HANDLE_REVOKED, &h->flags);
}

/**
 * strata_handle_check() - may the holder of @h use @rights?
 * @h: the handle
 * @rights: every right the operation needs
 *
 * Return: 0, -EKEYREVOKED for a revoked handle (first: it is the more
 * useful answer), or -EACCES when a right is missing.
 */
int strata_handle_check(const struct strata_handle *h, u32 rights)
{
	if (strata_handle_revoked(h))
		return -EKEYREVOKED;
	if ((h->rights & rights) != rights) {
		trace_strata_cap_deny("rights", h->obj->koid, h->obj->type->type,
				      rights & ~h->rights, -EACCES);
		return -EACCES;
	}
	return 0;
}

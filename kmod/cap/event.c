// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - events and eventpairs
 *
 * An event is a set of signals.  An eventpair is two of them, each able
 * to signal the other, and each told (PEER_CLOSED) when the other's last
 * handle is gone.
 */

#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "common.h"

#define STRATA_EVENT_USER_SIGNALS (STRATA_SIGNAL_SIGNALED | \
				   STRATA_SIGNAL_USER_ALL)

struct strata_event {
	struct strata_object obj;
};

static void strata_event_destroy(struct strata_object *obj)
{
	kfree(container_of(obj, struct strata_event, obj));
}

static const struct strata_object_type strata_event_type = {
	.type = STRATA_OBJ_EVENT,
	.name = "event",
	.user_signals = STRATA_EVENT_USER_SIGNALS,
	.destroy = strata_event_destroy,
};

/**
 * strata_event_create() - a new event object
 *
 * Return: the event's object header with one reference, or an ERR_PTR.
 */
struct strata_object *strata_event_create(void)
{
	struct strata_event *event;
	int err;

	event = kzalloc(sizeof(*event), GFP_KERNEL_ACCOUNT);
	if (!event)
		return ERR_PTR(-ENOMEM);
	err = strata_object_init(&event->obj, &strata_event_type);
	if (err) {
		kfree(event);
		return ERR_PTR(err);
	}
	return &event->obj;
}

/**
 * struct strata_eventpair - one side of an eventpair
 * @obj: the object header
 * @peer: the other side, NULL once its last handle is gone; guarded by
 *	the lock in @shared
 * @shared: the pair's lock and allocation, freed with the second side
 */
struct strata_eventpair {
	struct strata_object obj;
	struct strata_eventpair *peer;
	struct strata_eventpair_shared *shared;
};

struct strata_eventpair_shared {
	spinlock_t lock;	/* guards both sides' peer */
	refcount_t ref;
	struct strata_eventpair side[2];
};

static struct strata_eventpair *to_eventpair(struct strata_object *obj)
{
	return container_of(obj, struct strata_eventpair, obj);
}

static void strata_eventpair_destroy(struct strata_object *obj)
{
	struct strata_eventpair_shared *shared = to_eventpair(obj)->shared;

	if (refcount_dec_and_test(&shared->ref))
		kfree(shared);
}

static void strata_eventpair_zero_handles(struct strata_object *obj)
{
	struct strata_eventpair *ep = to_eventpair(obj);
	struct strata_eventpair *peer;

	spin_lock(&ep->shared->lock);
	peer = ep->peer;
	if (peer) {
		peer->peer = NULL;
		ep->peer = NULL;
		strata_object_signal(&peer->obj, 0, STRATA_SIGNAL_PEER_CLOSED);
	}
	spin_unlock(&ep->shared->lock);
}

static struct strata_object *strata_eventpair_get_peer(struct strata_object *obj)
{
	struct strata_eventpair *ep = to_eventpair(obj);
	struct strata_object *peer = ERR_PTR(-EPIPE);

	spin_lock(&ep->shared->lock);
	if (ep->peer)
		peer = strata_object_get(&ep->peer->obj);
	spin_unlock(&ep->shared->lock);
	return peer;
}

static const struct strata_object_type strata_eventpair_type = {
	.type = STRATA_OBJ_EVENTPAIR,
	.name = "eventpair",
	.user_signals = STRATA_EVENT_USER_SIGNALS,
	.destroy = strata_eventpair_destroy,
	.on_zero_handles = strata_eventpair_zero_handles,
	.get_peer = strata_eventpair_get_peer,
};

/**
 * strata_eventpair_create() - a new eventpair
 * @objs: out: the two sides, one reference each
 *
 * Return: 0 or a negative errno.
 */
int strata_eventpair_create(struct strata_object *objs[2])
{
	struct strata_eventpair_shared *shared;
	int err, i;

	shared = kzalloc(sizeof(*shared), GFP_KERNEL_ACCOUNT);
	if (!shared)
		return -ENOMEM;
	spin_lock_init(&shared->lock);
	refcount_set(&shared->ref, 2);
	for (i = 0; i < 2; i++) {
		shared->side[i].shared = shared;
		shared->side[i].peer = &shared->side[!i];
		err = strata_object_init(&shared->side[i].obj,
					 &strata_eventpair_type);
		if (err) {
			/* The first side's put frees nothing: ref is 2. */
			if (i)
				strata_object_put(&shared->side[0].obj);
			kfree(shared);
			return err;
		}
	}
	for (i = 0; i < 2; i++) {
		shared->side[i].obj.related_koid = shared->side[!i].obj.koid;
		objs[i] = &shared->side[i].obj;
	}
	return 0;
}

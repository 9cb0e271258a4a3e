// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - event objects
 */

#include <linux/slab.h>
#include <uapi/strata/cap.h>

#include "common.h"

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

	event = kzalloc(sizeof(*event), GFP_KERNEL_ACCOUNT);
	if (!event)
		return ERR_PTR(-ENOMEM);
	strata_object_init(&event->obj, &strata_event_type);
	return &event->obj;
}

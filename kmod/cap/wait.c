// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - waiting on signals, with deadlines
 *
 * Deadlines are absolute CLOCK_MONOTONIC times, so a wait interrupted by
 * a signal restarts with the same deadline.  0 only polls;
 * STRATA_TIME_INFINITE never expires.
 */

#include <linux/hrtimer.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "common.h"

/**
 * strata_deadline_start() - arm a deadline for the current task
 * @d: the deadline, on the caller's stack
 * @deadline: CLOCK_MONOTONIC ns, 0 or STRATA_TIME_INFINITE
 *
 * Return: 0, or -EINVAL for a negative @deadline.
 */
int strata_deadline_start(struct strata_deadline *d, s64 deadline)
{
	if (deadline < 0)
		return -EINVAL;
	d->deadline = deadline;
	d->armed = deadline != 0 && deadline != STRATA_TIME_INFINITE;
	if (d->armed) {
		hrtimer_init_sleeper_on_stack(&d->timer, CLOCK_MONOTONIC,
					      HRTIMER_MODE_ABS);
		hrtimer_set_expires_range_ns(&d->timer.timer,
					     ns_to_ktime(deadline),
					     current->timer_slack_ns);
		hrtimer_sleeper_start_expires(&d->timer, HRTIMER_MODE_ABS);
	}
	return 0;
}

/**
 * strata_deadline_expired() - has the deadline passed?
 * @d: the deadline
 *
 * The timer wakes the task when it fires, so a task that checks this
 * after setting its state and before schedule() never oversleeps.
 */
bool strata_deadline_expired(struct strata_deadline *d)
{
	if (d->deadline == 0)
		return true;
	return d->armed && !READ_ONCE(d->timer.task);
}

/**
 * strata_deadline_end() - disarm a deadline
 * @d: the deadline
 */
void strata_deadline_end(struct strata_deadline *d)
{
	if (d->armed) {
		hrtimer_cancel(&d->timer.timer);
		destroy_hrtimer_on_stack(&d->timer.timer);
	}
}

/**
 * strata_deadline_sleep() - sleep until woken, the deadline or a signal
 * @d: the deadline
 *
 * The caller has set TASK_INTERRUPTIBLE and checked its condition.
 *
 * Return: 0 when woken (check again), -ETIMEDOUT, or -ERESTARTSYS.
 */
int strata_deadline_sleep(struct strata_deadline *d)
{
	if (strata_deadline_expired(d)) {
		__set_current_state(TASK_RUNNING);
		return -ETIMEDOUT;
	}
	if (signal_pending(current)) {
		__set_current_state(TASK_RUNNING);
		return -ERESTARTSYS;
	}
	schedule();
	return 0;
}

struct strata_wait_slot {
	struct strata_handle *h;
	u32 epoch;
	wait_queue_entry_t entry;
};

/*
 * Whether the wait is over: 0 and more to wait for, 1 when an item is
 * satisfied, or the error that ends it.  Fills every item's pending.
 */
static int strata_wait_check(struct strata_wait_slot *slots,
			     struct strata_cap_wait_item *items, u32 count)
{
	int ret = 0;
	u32 i;

	for (i = 0; i < count; i++) {
		struct strata_handle *h = slots[i].h;
		unsigned long flags;

		int gone;

		spin_lock_irqsave(&h->obj->wq.lock, flags);
		items[i].pending = h->obj->signals;
		gone = strata_handle_gone(h, slots[i].epoch);
		if (gone) {
			if (ret >= 0)
				ret = gone;
		} else if (items[i].pending & items[i].signals) {
			if (!ret)
				ret = 1;
		}
		spin_unlock_irqrestore(&h->obj->wq.lock, flags);
	}
	return ret;
}

/**
 * strata_wait_many() - wait until one of several objects asserts a signal
 * @table: the table
 * @items: the items, already copied in; their pending fields are written
 * @count: 1 to STRATA_CAP_WAIT_MANY_MAX
 * @deadline: CLOCK_MONOTONIC ns; 0 polls
 *
 * A handle closed or moved out of the table while the wait is blocked
 * stays alive through the reference taken here; the wait sees it gone
 * and ends with -ECANCELED.  Revocation ends it with -EKEYREVOKED.
 *
 * Return: 0, -EBADF, -EKEYREVOKED, -EACCES, -ECANCELED, -ETIMEDOUT,
 * -ERESTARTSYS.
 */
int strata_wait_many(struct strata_table *table,
		     struct strata_cap_wait_item *items, u32 count,
		     s64 deadline)
{
	struct strata_wait_slot *slots;
	struct strata_deadline d;
	u32 i, n;
	int ret;

	slots = kcalloc(count, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return -ENOMEM;
	for (n = 0; n < count; n++) {
		slots[n].h = strata_table_get_epoch(table, items[n].handle,
						    STRATA_RIGHT_WAIT,
						    &slots[n].epoch);
		if (IS_ERR(slots[n].h)) {
			ret = PTR_ERR(slots[n].h);
			goto out_put;
		}
	}

	ret = strata_deadline_start(&d, deadline);
	if (ret)
		goto out_put;
	for (i = 0; i < count; i++) {
		init_waitqueue_entry(&slots[i].entry, current);
		add_wait_queue(&slots[i].h->obj->wq, &slots[i].entry);
	}
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		ret = strata_wait_check(slots, items, count);
		if (ret) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		ret = strata_deadline_sleep(&d);
		if (ret)
			break;
	}
	for (i = 0; i < count; i++)
		remove_wait_queue(&slots[i].h->obj->wq, &slots[i].entry);
	strata_deadline_end(&d);
	if (ret == 1)
		ret = 0;
out_put:
	for (i = 0; i < n; i++)
		strata_handle_put(slots[i].h);
	kfree(slots);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - the table as a port: async waits and packets
 *
 * An async wait is a wait queue entry on the object, with the packet it
 * will queue allocated up front, so that completing it never fails.  It
 * completes from the object's wake-ups (under the object's lock) when
 * its trigger is asserted, or early, with an error status, when the
 * handle it was made through leaves the table or is revoked.  Packets
 * wait in the table until STRATA_CAP_IOC_PORT_WAIT takes them; the table
 * polls readable while any is queued, so epoll can drive handles.
 */

#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "common.h"

/**
 * struct strata_async_wait - a pending async wait
 * @entry: on the object's wait queue
 * @link: in the handle's async_waits
 * @table: the table whose port gets the packet
 * @packet: the packet to queue
 */
struct strata_async_wait {
	wait_queue_entry_t entry;
	struct list_head link;
	struct strata_table *table;
	struct strata_packet packet;
};

void strata_port_init(struct strata_table *table)
{
	init_waitqueue_head(&table->port_wq);
	INIT_LIST_HEAD(&table->packets);
}

/* Runs once every handle of the table is gone: no wait can complete. */
void strata_port_destroy(struct strata_table *table)
{
	struct strata_packet *p, *tmp;

	list_for_each_entry_safe(p, tmp, &table->packets, link) {
		list_del(&p->link);
		kfree(container_of(p, struct strata_async_wait, packet));
	}
}

/* Queue @aw's packet; the object's lock is held, the wait is unhooked. */
static void strata_async_complete(struct strata_async_wait *aw, u32 observed,
				  int status)
{
	struct strata_table *table = aw->table;
	unsigned long flags;

	list_del_init(&aw->entry.entry);
	list_del_init(&aw->link);
	aw->packet.pkt.observed = observed;
	aw->packet.pkt.status = status;

	spin_lock_irqsave(&table->port_wq.lock, flags);
	list_add_tail(&aw->packet.link, &table->packets);
	table->nr_packets++;
	wake_up_locked_poll(&table->port_wq, EPOLLIN | EPOLLRDNORM);
	spin_unlock_irqrestore(&table->port_wq.lock, flags);
}

static int strata_async_wake(wait_queue_entry_t *entry, unsigned int mode,
			     int sync, void *key)
{
	struct strata_async_wait *aw =
		container_of(entry, struct strata_async_wait, entry);
	u32 signals = (u32)(uintptr_t)key;

	if (signals & aw->packet.pkt.trigger)
		strata_async_complete(aw, signals, 0);
	return 0;
}

/**
 * __strata_async_cancel_all() - end every async wait made through @h
 * @h: the handle; its object's lock is held
 * @status: the packets' status, -ECANCELED or -EKEYREVOKED
 */
void __strata_async_cancel_all(struct strata_handle *h, int status)
{
	struct strata_async_wait *aw, *tmp;

	lockdep_assert_held(&h->obj->wq.lock);

	list_for_each_entry_safe(aw, tmp, &h->async_waits, link)
		strata_async_complete(aw, h->obj->signals, status);
}

/**
 * strata_wait_async() - queue a packet when @value's object asserts @signals
 * @table: the table, whose port gets the packet
 * @value: the handle; needs WAIT
 * @signals: the trigger; the packet is queued at once if already asserted
 * @key: the packet's key
 *
 * Return: 0, -EBADF, -EKEYREVOKED, -EACCES, -EINVAL for empty @signals,
 * -ENOSPC past STRATA_PORT_MAX_ASYNC_WAITS waits and packets in the table.
 */
int strata_wait_async(struct strata_table *table, u32 value, u32 signals,
		      u64 key)
{
	struct strata_async_wait *aw;
	struct strata_object *obj;
	struct strata_handle *h;
	unsigned long flags;
	int err = 0;

	if (!signals)
		return -EINVAL;

	aw = kzalloc(sizeof(*aw), GFP_KERNEL_ACCOUNT);
	if (!aw)
		return -ENOMEM;
	init_waitqueue_func_entry(&aw->entry, strata_async_wake);
	/* Completing a wait that never got on the queue unhooks nothing. */
	INIT_LIST_HEAD(&aw->entry.entry);
	INIT_LIST_HEAD(&aw->link);
	aw->table = table;
	aw->packet.handle = value;
	aw->packet.pkt.key = key;
	aw->packet.pkt.type = STRATA_CAP_PKT_SIGNAL;
	aw->packet.pkt.trigger = signals;

	/*
	 * The table lock keeps @h in the table while the wait is hooked up:
	 * leaving the table cancels async waits under the object's lock,
	 * which is taken here before @h can leave.
	 */
	mutex_lock(&table->lock);
	{
		u32 index;

		h = __strata_table_lookup(table, value, &index);
	}
	if (!h) {
		err = -EBADF;
		goto out_unlock;
	}
	err = strata_handle_check(h, STRATA_RIGHT_WAIT);
	if (err)
		goto out_unlock;

	obj = h->obj;
	spin_lock_irqsave(&table->port_wq.lock, flags);
	if (table->nr_async_waits >= STRATA_PORT_MAX_ASYNC_WAITS)
		err = -ENOSPC;
	else
		table->nr_async_waits++;
	spin_unlock_irqrestore(&table->port_wq.lock, flags);
	if (err)
		goto out_unlock;

	spin_lock_irqsave(&obj->wq.lock, flags);
	if (strata_handle_revoked(h)) {
		list_add(&aw->link, &h->async_waits);
		strata_async_complete(aw, obj->signals, -EKEYREVOKED);
	} else {
		list_add(&aw->link, &h->async_waits);
		__add_wait_queue_entry_tail(&obj->wq, &aw->entry);
		if (obj->signals & signals)
			strata_async_complete(aw, obj->signals, 0);
	}
	spin_unlock_irqrestore(&obj->wq.lock, flags);
	aw = NULL;
out_unlock:
	mutex_unlock(&table->lock);
	kfree(aw);
	return err;
}

/**
 * strata_wait_async_cancel() - drop the async waits with @key on @value
 * @table: the table
 * @value: the handle the waits were made through
 * @key: their key
 *
 * Pending waits are unhooked and packets they already queued are dropped.
 *
 * Return: 0, -EBADF, -EKEYREVOKED, or -ENOENT when there was nothing to
 * cancel.
 */
int strata_wait_async_cancel(struct strata_table *table, u32 value, u64 key)
{
	struct strata_async_wait *aw, *tmp;
	struct strata_packet *p, *ptmp;
	struct strata_handle *h;
	LIST_HEAD(dead);
	unsigned long flags;
	u32 index, n = 0;

	mutex_lock(&table->lock);
	h = __strata_table_lookup(table, value, &index);
	if (!h || strata_handle_revoked(h)) {
		mutex_unlock(&table->lock);
		return h ? -EKEYREVOKED : -EBADF;
	}
	spin_lock_irqsave(&h->obj->wq.lock, flags);
	list_for_each_entry_safe(aw, tmp, &h->async_waits, link) {
		if (aw->packet.pkt.key != key)
			continue;
		list_del_init(&aw->entry.entry);
		list_move(&aw->link, &dead);
	}
	spin_unlock_irqrestore(&h->obj->wq.lock, flags);

	spin_lock_irqsave(&table->port_wq.lock, flags);
	list_for_each_entry_safe(p, ptmp, &table->packets, link) {
		if (p->pkt.type != STRATA_CAP_PKT_SIGNAL ||
		    p->handle != value || p->pkt.key != key)
			continue;
		list_del(&p->link);
		table->nr_packets--;
		aw = container_of(p, struct strata_async_wait, packet);
		list_add(&aw->link, &dead);
	}
	list_for_each_entry(aw, &dead, link)
		n++;
	table->nr_async_waits -= n;
	spin_unlock_irqrestore(&table->port_wq.lock, flags);
	mutex_unlock(&table->lock);

	list_for_each_entry_safe(aw, tmp, &dead, link)
		kfree(aw);
	return n ? 0 : -ENOENT;
}

/**
 * strata_port_queue() - queue a user packet
 * @table: the table
 * @pkt: the packet: type STRATA_CAP_PKT_USER, status, trigger and observed
 *	zero
 *
 * Return: 0, -EINVAL for a malformed packet, -ENOSPC past
 * STRATA_PORT_MAX_USER_PACKETS queued.
 */
int strata_port_queue(struct strata_table *table,
		      const struct strata_cap_packet *pkt)
{
	struct strata_async_wait *aw;
	unsigned long flags;
	int err = 0;

	if (pkt->type != STRATA_CAP_PKT_USER || pkt->status || pkt->trigger ||
	    pkt->observed)
		return -EINVAL;

	/* User packets share the async wait's layout, for one free path. */
	aw = kzalloc(sizeof(*aw), GFP_KERNEL_ACCOUNT);
	if (!aw)
		return -ENOMEM;
	aw->packet.pkt = *pkt;

	spin_lock_irqsave(&table->port_wq.lock, flags);
	if (table->nr_user_packets >= STRATA_PORT_MAX_USER_PACKETS) {
		err = -ENOSPC;
	} else {
		table->nr_user_packets++;
		table->nr_packets++;
		list_add_tail(&aw->packet.link, &table->packets);
		wake_up_locked_poll(&table->port_wq, EPOLLIN | EPOLLRDNORM);
		aw = NULL;
	}
	spin_unlock_irqrestore(&table->port_wq.lock, flags);
	kfree(aw);
	return err;
}

/* Take up to @count packets off the port; port_wq.lock held. */
static u32 strata_port_take(struct strata_table *table,
			    struct strata_cap_packet *out, u32 count,
			    struct list_head *done)
{
	struct strata_packet *p, *tmp;
	u32 n = 0;

	list_for_each_entry_safe(p, tmp, &table->packets, link) {
		if (n == count)
			break;
		out[n++] = p->pkt;
		list_move_tail(&p->link, done);
		table->nr_packets--;
		if (p->pkt.type == STRATA_CAP_PKT_USER)
			table->nr_user_packets--;
		else
			table->nr_async_waits--;
	}
	return n;
}

/**
 * strata_port_wait() - take queued packets, waiting for one if needed
 * @table: the table
 * @upkts: where the packets go
 * @count: room in @upkts, 1 to STRATA_PORT_WAIT_MAX
 * @deadline: CLOCK_MONOTONIC ns; 0 polls; STRATA_TIME_INFINITE
 * @nr: out: packets taken
 *
 * Return: 0, -ETIMEDOUT, -ERESTARTSYS, or -EFAULT (the packets taken are
 * then lost, as data is with read(2) into a bad buffer).
 */
int strata_port_wait(struct strata_table *table,
		     struct strata_cap_packet __user *upkts, u32 count,
		     s64 deadline, u32 *nr)
{
	struct strata_cap_packet *out;
	struct strata_packet *p, *tmp;
	struct strata_deadline d;
	LIST_HEAD(done);
	u32 n = 0;
	int err;

	DECLARE_WAITQUEUE(wait, current);

	out = kmalloc_array(count, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	err = strata_deadline_start(&d, deadline);
	if (err)
		goto out_free;
	add_wait_queue(&table->port_wq, &wait);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		spin_lock_irq(&table->port_wq.lock);
		n = strata_port_take(table, out, count, &done);
		spin_unlock_irq(&table->port_wq.lock);
		if (n) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		err = strata_deadline_sleep(&d);
		if (err)
			break;
	}
	remove_wait_queue(&table->port_wq, &wait);
	strata_deadline_end(&d);

	list_for_each_entry_safe(p, tmp, &done, link)
		kfree(container_of(p, struct strata_async_wait, packet));
	if (n && copy_to_user(upkts, out, n * sizeof(*out)))
		err = -EFAULT;
	*nr = err ? 0 : n;
out_free:
	kfree(out);
	return err;
}

__poll_t strata_port_poll(struct strata_table *table, struct file *file,
			  struct poll_table_struct *pt)
{
	__poll_t mask = 0;

	poll_wait(file, &table->port_wq, pt);
	if (READ_ONCE(table->nr_packets))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

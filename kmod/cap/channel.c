// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - channels
 *
 * A channel is two endpoints; a message written to one is queued on the
 * other.  Messages carry bytes and handles; the handles leave the
 * writer's table and enter the reader's, each move all or nothing.  The
 * pair's mutex guards both queues and both peer pointers and is taken
 * after the table's lock.
 *
 * Endpoints travel inside messages, so queues could hold each other in a
 * cycle that nothing can ever read, and that would never be freed.  A
 * cycle's last edge is always the send of an endpoint whose own queue
 * already holds an endpoint, so refusing exactly that (-ELOOP) rules out
 * every cycle.  Messages that carry endpoints are written under one
 * global mutex, which makes the check and the enqueue atomic with respect
 * to each other.
 */

#include <linux/cred.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "common.h"
#include "trace.h"

/* Replies to CHANNEL_CALL carry a transaction id with this bit set. */
#define STRATA_TXID_CALL	0x80000000U

/* Serialises writes of messages that carry channel endpoints. */
static DEFINE_MUTEX(strata_channel_xfer_lock);

/*
 * Messages with handles, left by endpoints that died.  Freeing one drops
 * its handles, which can kill more endpoints whose queues hold more such
 * messages, as deep as user space nested them: a worker frees them in a
 * loop rather than the dying endpoint in a recursion of unbounded depth.
 */
static LIST_HEAD(strata_reap_list);
static DEFINE_SPINLOCK(strata_reap_lock);
static struct workqueue_struct *strata_reap_wq;
static void strata_channel_reap(struct work_struct *work);
static DECLARE_WORK(strata_reap_work, strata_channel_reap);

/**
 * struct strata_msg - a message in flight
 * @link: in the receiving endpoint's queue
 * @user: the user charged for @num_bytes (quota)
 * @num_bytes: bytes in @data
 * @num_handles: entries in @handles
 * @delivering: a reader is copying it out, without the pair's mutex;
 *	other readers pass it by
 * @handles: the handles it carries, with their holder's reference
 * @data: the bytes
 */
struct strata_msg {
	struct list_head link;
	struct strata_user *user;
	u32 num_bytes;
	u32 num_handles;
	bool delivering;
	struct strata_handle **handles;
	u8 *data;
};

/**
 * struct strata_call - a CHANNEL_CALL waiting for its reply
 * @link: in the endpoint's calls
 * @txid: the transaction id; ordinary reads leave its reply alone
 */
struct strata_call {
	struct list_head link;
	u32 txid;
};

/**
 * struct strata_channel - one endpoint
 * @obj: the object header
 * @peer: the other endpoint, NULL once its last handle is gone
 * @shared: the pair's lock and allocation
 * @queue: messages for this endpoint to read, oldest first
 * @calls: pending calls made through this endpoint
 * @nr_msgs: entries in @queue
 * @seq: bumped on every change a blocked call must look at
 * @nr_endpoints: channel endpoints inside the messages of @queue
 */
struct strata_channel {
	struct strata_object obj;
	struct strata_channel *peer;
	struct strata_channel_shared *shared;
	struct list_head queue;
	struct list_head calls;
	u32 nr_msgs;
	u32 seq;
	atomic_t nr_endpoints;
};

struct strata_channel_shared {
	struct mutex lock;	/* guards both endpoints' queues and peers */
	refcount_t ref;
	u32 next_txid;
	struct strata_channel side[2];
};

static const struct strata_object_type strata_channel_type;

static struct strata_channel *to_channel(struct strata_object *obj)
{
	return container_of(obj, struct strata_channel, obj);
}

static struct strata_msg *strata_msg_alloc(u32 num_bytes, u32 num_handles)
{
	struct strata_msg *msg;
	size_t size;

	size = sizeof(*msg) + num_handles * sizeof(msg->handles[0]) + num_bytes;
	msg = kvmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!msg)
		return NULL;
	INIT_LIST_HEAD(&msg->link);
	msg->delivering = false;
	msg->num_bytes = num_bytes;
	msg->num_handles = num_handles;
	msg->handles = (struct strata_handle **)(msg + 1);
	msg->data = (u8 *)(msg->handles + num_handles);
	return msg;
}

/* Free a message that was queued: its handles go, its bytes uncharged. */
static void strata_msg_destroy(struct strata_msg *msg)
{
	u32 i;

	for (i = 0; i < msg->num_handles; i++)
		if (msg->handles[i])
			strata_handle_drop(msg->handles[i]);
	strata_quota_uncharge(msg->user, STRATA_QUOTA_BYTES, msg->num_bytes);
	atomic_long_dec(&strata_cap_stats.messages);
	kvfree(msg);
}

static bool strata_is_channel(const struct strata_handle *h);

static int strata_msg_endpoints(const struct strata_msg *msg)
{
	int i, n = 0;

	for (i = 0; i < msg->num_handles; i++)
		if (msg->handles[i] && strata_is_channel(msg->handles[i]))
			n++;
	return n;
}

static u32 strata_msg_txid(const struct strata_msg *msg)
{
	u32 txid;

	if (msg->num_bytes < sizeof(txid))
		return 0;
	memcpy(&txid, msg->data, sizeof(txid));
	return txid;
}

static bool strata_channel_awaited(struct strata_channel *ep, u32 txid)
{
	struct strata_call *call;

	if (!(txid & STRATA_TXID_CALL))
		return false;
	list_for_each_entry(call, &ep->calls, link)
		if (call->txid == txid)
			return true;
	return false;
}

/*
 * The message a read takes: the oldest, skipping replies that pending
 * calls wait for; or, for a call, its reply.
 */
static struct strata_msg *strata_channel_peek(struct strata_channel *ep,
					      bool call, u32 txid)
{
	struct strata_msg *msg;

	lockdep_assert_held(&ep->shared->lock);

	list_for_each_entry(msg, &ep->queue, link) {
		u32 id = strata_msg_txid(msg);

		if (msg->delivering)
			continue;
		if (call ? id == txid : !strata_channel_awaited(ep, id))
			return msg;
	}
	return NULL;
}

static void strata_channel_destroy(struct strata_object *obj)
{
	struct strata_channel_shared *shared = to_channel(obj)->shared;

	/* Every call unregisters itself before it drops its reference. */
	WARN_ON_ONCE(!list_empty(&to_channel(obj)->calls));
	if (refcount_dec_and_test(&shared->ref)) {
		mutex_destroy(&shared->lock);
		kfree(shared);
	}
}

/*
 * The endpoint's last handle is gone: nobody can read its queue any more.
 * The peer sees PEER_CLOSED (and can still read what it has queued).
 */
static void strata_channel_zero_handles(struct strata_object *obj)
{
	struct strata_channel *ep = to_channel(obj);
	struct strata_msg *msg, *tmp;
	LIST_HEAD(dead);

	mutex_lock(&ep->shared->lock);
	if (ep->peer) {
		struct strata_channel *peer = ep->peer;

		peer->peer = NULL;
		ep->peer = NULL;
		peer->seq++;
		strata_object_signal(&peer->obj, STRATA_SIGNAL_WRITABLE,
				     STRATA_SIGNAL_PEER_CLOSED);
	}
	list_splice_init(&ep->queue, &dead);
	ep->nr_msgs = 0;
	atomic_set(&ep->nr_endpoints, 0);
	mutex_unlock(&ep->shared->lock);

	list_for_each_entry_safe(msg, tmp, &dead, link) {
		if (!msg->num_handles) {
			list_del(&msg->link);
			strata_msg_destroy(msg);
		}
	}
	if (list_empty(&dead))
		return;
	spin_lock(&strata_reap_lock);
	list_splice_tail(&dead, &strata_reap_list);
	spin_unlock(&strata_reap_lock);
	queue_work(strata_reap_wq, &strata_reap_work);
}

static void strata_channel_reap(struct work_struct *work)
{
	struct strata_msg *msg, *tmp;
	LIST_HEAD(dead);

	for (;;) {
		spin_lock(&strata_reap_lock);
		list_splice_init(&strata_reap_list, &dead);
		spin_unlock(&strata_reap_lock);
		if (list_empty(&dead))
			return;
		list_for_each_entry_safe(msg, tmp, &dead, link) {
			list_del(&msg->link);
			strata_msg_destroy(msg);
			cond_resched();
		}
	}
}

/**
 * strata_channel_init() - the workqueue that frees dead endpoints' messages
 *
 * Return: 0 or -ENOMEM.
 */
int strata_channel_init(void)
{
	strata_reap_wq = alloc_workqueue("strata_cap_reap", WQ_UNBOUND, 0);
	return strata_reap_wq ? 0 : -ENOMEM;
}

/**
 * strata_channel_exit() - wait for the messages of dead endpoints to go
 *
 * Module unload: no table is open, so nothing adds to the list from
 * outside; destroy_workqueue() also waits for the work that the reaper
 * queues again for itself, which flush_work() would not.
 */
void strata_channel_exit(void)
{
	destroy_workqueue(strata_reap_wq);
}

static struct strata_object *strata_channel_get_peer(struct strata_object *obj)
{
	struct strata_channel *ep = to_channel(obj);
	struct strata_object *peer = ERR_PTR(-EPIPE);

	mutex_lock(&ep->shared->lock);
	if (ep->peer)
		peer = strata_object_get(&ep->peer->obj);
	mutex_unlock(&ep->shared->lock);
	return peer;
}

static const struct strata_object_type strata_channel_type = {
	.type = STRATA_OBJ_CHANNEL,
	.name = "channel",
	.user_signals = STRATA_SIGNAL_USER_ALL,
	.destroy = strata_channel_destroy,
	.on_zero_handles = strata_channel_zero_handles,
	.get_peer = strata_channel_get_peer,
};

/**
 * strata_channel_create() - a new channel
 * @objs: out: the two endpoints, one reference each
 *
 * Return: 0 or a negative errno.
 */
int strata_channel_create(struct strata_object *objs[2])
{
	struct strata_channel_shared *shared;
	int err, i;

	shared = kzalloc(sizeof(*shared), GFP_KERNEL_ACCOUNT);
	if (!shared)
		return -ENOMEM;
	mutex_init(&shared->lock);
	refcount_set(&shared->ref, 2);
	for (i = 0; i < 2; i++) {
		struct strata_channel *ep = &shared->side[i];

		ep->shared = shared;
		ep->peer = &shared->side[!i];
		INIT_LIST_HEAD(&ep->queue);
		INIT_LIST_HEAD(&ep->calls);
		err = strata_object_init(&ep->obj, &strata_channel_type);
		if (err) {
			if (i)
				strata_object_put(&shared->side[0].obj);
			kfree(shared);
			return err;
		}
		ep->obj.signals = STRATA_SIGNAL_WRITABLE;
	}
	for (i = 0; i < 2; i++) {
		shared->side[i].obj.related_koid = shared->side[!i].obj.koid;
		objs[i] = &shared->side[i].obj;
	}
	return 0;
}

static bool strata_is_channel(const struct strata_handle *h)
{
	return h->obj->type == &strata_channel_type;
}

/*
 * Look up the handles a message is to carry, in a locked table: each must
 * be valid, not revoked, have TRANSFER, appear once and not be an endpoint
 * of the channel written to.
 */
static int strata_msg_collect(struct strata_table *table,
			      struct strata_channel *ep, const u32 *values,
			      u32 *indices, struct strata_msg *msg)
{
	u32 i, j;
	int err;

	for (i = 0; i < msg->num_handles; i++) {
		struct strata_handle *h;

		h = __strata_table_lookup(table, values[i], &indices[i]);
		if (!h)
			return -EBADF;
		err = strata_handle_check(h, STRATA_RIGHT_TRANSFER);
		if (err)
			return err;
		for (j = 0; j < i; j++)
			if (indices[j] == indices[i])
				return -EINVAL;
		if (strata_is_channel(h) &&
		    to_channel(h->obj)->shared == ep->shared)
			return -EOPNOTSUPP;
		err = strata_policy_transfer(h, &ep->obj);
		if (err)
			return err;
		msg->handles[i] = h;
	}
	return 0;
}

/**
 * strata_channel_write() - queue a message on the peer of an endpoint
 * @table: the writer's table
 * @args: the request, its fields checked for range already
 * @txid_out: for a call: out: the transaction id written into the
 *	message, registered so that ordinary reads leave the reply alone
 * @ephp: NULL, or for a call: out: the endpoint's handle, with a
 *	reference, for strata_channel_call_read()
 * @epoch: for a call: out: the endpoint handle's epoch
 *
 * The reader is woken once every lock is dropped: woken earlier, on one
 * CPU it would preempt the writer only to block on the pair's mutex.
 *
 * Return: 0 or the errors documented at struct strata_cap_channel_write.
 */
int strata_channel_write(struct strata_table *table,
			 const struct strata_cap_channel_write *args,
			 u32 *txid_out, struct strata_handle **ephp,
			 u32 *epoch)
{
	bool call = ephp;
	struct strata_object *woken = NULL;
	u32 values[STRATA_CHANNEL_MAX_MSG_HANDLES];
	u32 indices[STRATA_CHANNEL_MAX_MSG_HANDLES];
	struct strata_channel *ep, *peer;
	struct strata_call *pending = NULL;
	struct strata_handle *eph;
	struct strata_msg *msg;
	bool xfer = false;
	u32 i, index;
	int err;

	msg = strata_msg_alloc(args->num_bytes, args->num_handles);
	if (!msg)
		return -ENOMEM;
	/* Queued bytes are charged to the table's user, like its handles. */
	msg->user = table->user;
	if (copy_from_user(msg->data, u64_to_user_ptr(args->bytes),
			   args->num_bytes) ||
	    copy_from_user(values, u64_to_user_ptr(args->handles),
			   args->num_handles * sizeof(values[0]))) {
		err = -EFAULT;
		goto out_free;
	}
	if (call) {
		pending = kmalloc(sizeof(*pending), GFP_KERNEL);
		if (!pending) {
			err = -ENOMEM;
			goto out_free;
		}
	}

	mutex_lock(&table->lock);
	eph = __strata_table_lookup(table, args->handle, &index);
	if (!eph) {
		err = -EBADF;
		goto out_unlock_table;
	}
	err = strata_handle_check(eph, STRATA_RIGHT_WRITE |
				  (call ? STRATA_RIGHT_READ : 0));
	if (err)
		goto out_unlock_table;
	if (!strata_is_channel(eph)) {
		err = -EINVAL;
		goto out_unlock_table;
	}
	ep = to_channel(eph->obj);
	err = strata_msg_collect(table, ep, values, indices, msg);
	if (err)
		goto out_unlock_table;

	/*
	 * The handles stay in the locked table, so the endpoints among them
	 * are still endpoints when the lock is taken; check them again
	 * under it.
	 */
	if (strata_msg_endpoints(msg)) {
		xfer = true;
		mutex_lock(&strata_channel_xfer_lock);
		for (i = 0; i < msg->num_handles; i++) {
			struct strata_handle *h = msg->handles[i];

			if (strata_is_channel(h) &&
			    atomic_read(&to_channel(h->obj)->nr_endpoints)) {
				err = -ELOOP;
				goto out_unlock_xfer;
			}
		}
	}

	mutex_lock(&ep->shared->lock);
	peer = ep->peer;
	if (!peer) {
		err = -EPIPE;
		goto out_unlock;
	}
	if (peer->nr_msgs >= READ_ONCE(strata_channel_max_msgs)) {
		err = -ENOSPC;
		goto out_unlock;
	}
	err = strata_quota_charge(msg->user, STRATA_QUOTA_BYTES,
				  msg->num_bytes);
	if (err)
		goto out_unlock;

	if (call) {
		pending->txid = ep->shared->next_txid++ | STRATA_TXID_CALL;
		memcpy(msg->data, &pending->txid, sizeof(pending->txid));
		list_add(&pending->link, &ep->calls);
		*txid_out = pending->txid;
		pending = NULL;
	}
	for (i = 0; i < msg->num_handles; i++) {
		__strata_table_remove(table, indices[i]);
		strata_handle_leave_table(msg->handles[i]);
		trace_strata_cap_transfer(msg->handles[i], &ep->obj);
	}
	list_add_tail(&msg->link, &peer->queue);
	atomic_add(strata_msg_endpoints(msg), &peer->nr_endpoints);
	peer->nr_msgs++;
	peer->seq++;
	atomic_long_inc(&strata_cap_stats.messages);
	msg = NULL;

	/* Wake even when READABLE was set already: calls look at @seq. */
	strata_object_update(&peer->obj, 0, STRATA_SIGNAL_READABLE);
	woken = strata_object_get(&peer->obj);
	if (peer->nr_msgs >= READ_ONCE(strata_channel_max_msgs))
		strata_object_update(&ep->obj, STRATA_SIGNAL_WRITABLE, 0);
	if (call) {
		*ephp = strata_handle_get(eph);
		*epoch = eph->epoch;
	}
out_unlock:
	mutex_unlock(&ep->shared->lock);
out_unlock_xfer:
	if (xfer)
		mutex_unlock(&strata_channel_xfer_lock);
out_unlock_table:
	mutex_unlock(&table->lock);
out_free:
	if (woken) {
		strata_object_wake(woken);
		strata_object_put(woken);
	}
	kfree(pending);
	if (msg)
		kvfree(msg);
	return err;
}

/*
 * Move a message's handles into a locked table and copy it out.  On
 * failure nothing has changed: the handles stay in the message.
 */
static int strata_msg_deliver(struct strata_table *table,
			      struct strata_msg *msg,
			      struct strata_cap_channel_read *args)
{
	u32 values[STRATA_CHANNEL_MAX_MSG_HANDLES];
	u32 i, n, index;
	int err;

	err = __strata_table_room(table, msg->num_handles);
	if (err)
		return err;
	for (n = 0; n < msg->num_handles; n++) {
		struct strata_handle *h = msg->handles[n];

		values[n] = STRATA_HANDLE_INVALID;
		if (strata_handle_revoked(h))
			continue;
		err = __strata_table_insert(table, h, &values[n]);
		if (err)
			goto out_undo;
	}
	if (copy_to_user(u64_to_user_ptr(args->bytes), msg->data,
			 msg->num_bytes) ||
	    copy_to_user(u64_to_user_ptr(args->handles), values,
			 msg->num_handles * sizeof(values[0]))) {
		err = -EFAULT;
		goto out_undo;
	}
	/* Revoked in flight: they arrive as STRATA_HANDLE_INVALID. */
	for (i = 0; i < msg->num_handles; i++) {
		if (values[i] != STRATA_HANDLE_INVALID)
			msg->handles[i] = NULL;
	}
	return 0;

out_undo:
	for (i = 0; i < n; i++) {
		if (values[i] == STRATA_HANDLE_INVALID)
			continue;
		__strata_table_lookup(table, values[i], &index);
		__strata_table_remove(table, index);
		msg->handles[i]->owner_tgid = 0;
	}
	return err;
}

static int strata_channel_try_read(struct strata_table *table,
				   struct strata_handle *eph, u32 epoch,
				   struct strata_cap_channel_read *args,
				   bool call, u32 txid,
				   struct strata_msg **taken)
{
	struct strata_channel *ep = to_channel(eph->obj);
	struct strata_object *woken = NULL;
	struct strata_msg *msg;
	int endpoints, err;

	mutex_lock(&table->lock);
	mutex_lock(&ep->shared->lock);
	/* Gone (closed, moved, revoked) first: rights are the handle's. */
	err = strata_handle_gone(eph, epoch);
	if (!err)
		err = strata_handle_check(eph, STRATA_RIGHT_READ);
	if (err)
		goto out_unlock;
	msg = strata_channel_peek(ep, call, txid);
	if (!msg) {
		err = ep->peer ? -EAGAIN : -EPIPE;
		goto out_unlock;
	}
	args->actual_bytes = msg->num_bytes;
	args->actual_handles = msg->num_handles;
	if (msg->num_bytes > args->num_bytes ||
	    msg->num_handles > args->num_handles) {
		err = -EMSGSIZE;
		goto out_unlock;
	}
	/*
	 * Copy out with only the table's lock: a fault that never ends (a
	 * FUSE mapping, userfaultfd) must not hold the pair's mutex, which
	 * the peer's process needs, nor order it before mmap_lock.
	 */
	endpoints = strata_msg_endpoints(msg);
	msg->delivering = true;
	mutex_unlock(&ep->shared->lock);
	err = strata_msg_deliver(table, msg, args);
	mutex_lock(&ep->shared->lock);
	msg->delivering = false;
	if (err)
		goto out_unlock;

	list_del_init(&msg->link);
	atomic_sub(endpoints, &ep->nr_endpoints);
	ep->nr_msgs--;
	if (list_empty(&ep->queue))
		strata_object_update(&ep->obj, STRATA_SIGNAL_READABLE, 0);
	/* Only a change is worth a wake-up: the writer may be waiting. */
	if (ep->peer &&
	    strata_object_update(&ep->peer->obj, 0, STRATA_SIGNAL_WRITABLE))
		woken = strata_object_get(&ep->peer->obj);
	*taken = msg;
out_unlock:
	mutex_unlock(&ep->shared->lock);
	mutex_unlock(&table->lock);
	if (woken) {
		strata_object_wake(woken);
		strata_object_put(woken);
	}
	return err;
}

static void strata_channel_end_call(struct strata_channel *ep, u32 txid)
{
	struct strata_call *call;

	mutex_lock(&ep->shared->lock);
	list_for_each_entry(call, &ep->calls, link) {
		if (call->txid == txid) {
			list_del(&call->link);
			kfree(call);
			break;
		}
	}
	mutex_unlock(&ep->shared->lock);
}

/*
 * Read, waiting for a message when the queue is empty: until the
 * deadline for a call's reply, for good (but signals) for READ_WAIT.
 */
static int strata_channel_wait_read(struct strata_table *table,
				    struct strata_handle *eph, u32 epoch,
				    struct strata_cap_channel_read *args,
				    bool call, u32 txid, s64 deadline,
				    struct strata_msg **msg)
{
	struct strata_channel *ep = to_channel(eph->obj);
	struct strata_deadline d;
	u32 seq;
	int err;

	DECLARE_WAITQUEUE(wait, current);

	err = strata_deadline_start(&d, deadline);
	if (err)
		return err;
	add_wait_queue(&ep->obj.wq, &wait);
	for (;;) {
		seq = READ_ONCE(ep->seq);
		err = strata_channel_try_read(table, eph, epoch, args, call,
					      txid, msg);
		if (err != -EAGAIN)
			break;
		set_current_state(TASK_INTERRUPTIBLE);
		err = strata_handle_gone(eph, epoch);
		if (err) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		if (READ_ONCE(ep->seq) != seq) {
			__set_current_state(TASK_RUNNING);
			continue;
		}
		err = strata_deadline_sleep(&d);
		if (err)
			break;
	}
	remove_wait_queue(&ep->obj.wq, &wait);
	strata_deadline_end(&d);
	return err;
}

/**
 * strata_channel_read() - take the oldest message from an endpoint
 * @table: the reader's table
 * @args: the request; actual_bytes and actual_handles are written back
 *
 * With STRATA_CAP_CHANNEL_READ_WAIT an empty queue is waited on until a
 * message comes, the peer goes (-EPIPE), the handle is closed, moved or
 * revoked (-ECANCELED, -EKEYREVOKED) or a signal arrives (restarted:
 * nothing was taken).  Revoked handles are dropped as the message is
 * delivered.
 *
 * Return: 0 or the errors documented at struct strata_cap_channel_read.
 */
int strata_channel_read(struct strata_table *table,
			struct strata_cap_channel_read *args)
{
	struct strata_msg *msg = NULL;
	struct strata_handle *eph;
	u32 epoch;
	int err;

	eph = strata_table_get_epoch(table, args->handle, STRATA_RIGHT_READ,
				     &epoch);
	if (IS_ERR(eph))
		return PTR_ERR(eph);
	if (!strata_is_channel(eph))
		err = -EINVAL;
	else if (args->options & STRATA_CAP_CHANNEL_READ_WAIT)
		err = strata_channel_wait_read(table, eph, epoch, args, false,
					       0, STRATA_TIME_INFINITE, &msg);
	else
		err = strata_channel_try_read(table, eph, epoch, args, false, 0,
					      &msg);
	strata_handle_put(eph);
	if (msg)
		strata_msg_destroy(msg);
	return err;
}

/**
 * strata_channel_call_read() - wait for the reply to a call and read it
 * @table: the caller's table
 * @eph: the endpoint's handle from strata_channel_write(); its reference
 *	is dropped here
 * @epoch: its epoch when the request was written
 * @args: where the reply goes; actual_bytes and actual_handles are
 *	written back
 * @txid: the call's transaction id, unregistered here whatever happens
 * @deadline: CLOCK_MONOTONIC ns
 *
 * Return: 0, the errors of CHANNEL_READ, -ETIMEDOUT, -ECANCELED or
 * -EKEYREVOKED when the endpoint is closed, moved or revoked meanwhile,
 * or -EINTR (never restarted: the request is out already).
 */
int strata_channel_call_read(struct strata_table *table,
			     struct strata_handle *eph, u32 epoch,
			     struct strata_cap_channel_read *args, u32 txid,
			     s64 deadline)
{
	struct strata_msg *msg = NULL;
	int err;

	err = strata_channel_wait_read(table, eph, epoch, args, true, txid,
				       deadline, &msg);
	if (err == -ERESTARTSYS)
		err = -EINTR;
	strata_channel_end_call(to_channel(eph->obj), txid);
	strata_handle_put(eph);
	if (msg)
		strata_msg_destroy(msg);
	return err;
}

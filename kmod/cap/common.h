/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata_cap - definitions shared by the module's files
 */
#ifndef _STRATA_CAP_COMMON_H
#define _STRATA_CAP_COMMON_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <strata/cap.h>

struct file;
struct poll_table_struct;
#include <uapi/strata/cap.h>

/*
 * A handle value is ((index << 15) | (generation << 1) | 1) XOR the table's
 * random mask, whose bit 0 is clear: values are never 0 and a value names
 * one slot and one generation.  The generation is a per-table counter
 * with a random start that moves on with every insert, so a closed value
 * could only name a later handle if its slot were reused exactly a
 * multiple of 16384 inserts later.
 */
enum {
	STRATA_HANDLE_GEN_BITS		= 14,
	STRATA_HANDLE_GEN_MASK		= (1U << STRATA_HANDLE_GEN_BITS) - 1,
	STRATA_HANDLE_IDX_SHIFT		= STRATA_HANDLE_GEN_BITS + 1,
	STRATA_HANDLE_IDX_MAX		= (1U << (32 - STRATA_HANDLE_IDX_SHIFT)) - 1,
	STRATA_MAX_HANDLES_DEFAULT	= 65536,
	STRATA_PORT_MAX_USER_PACKETS	= STRATA_CAP_PORT_MAX_USER,
	STRATA_PORT_MAX_ASYNC_WAITS	= 65536,
	STRATA_PORT_WAIT_MAX		= STRATA_CAP_PORT_WAIT_MAX,
};

/* struct strata_handle.flags */
enum {
	STRATA_HANDLE_REVOKED,		/* an ancestor revoked it */
	STRATA_HANDLE_DROPPED,		/* its holder let it go */
};

/**
 * struct strata_handle - one capability: an object and rights
 * @ref: one reference for the holder (a table slot, a message in flight
 *	or an exported file), plus one per operation using the handle
 * @obj: the object; the handle owns one reference to it
 * @parent: the handle this one was derived from, or NULL for a root
 * @children: handles derived from this one
 * @sibling: entry in @parent's @children
 * @async_waits: pending async waits made through this handle
 * @flags: STRATA_HANDLE_* bits
 * @rights: what the holder may do with @obj; never grows
 * @gen: generation in the handle's value while it sits in a table
 * @epoch: bumped each time the handle leaves a table, which ends the
 *	waits made through it there
 * @owner_tgid: tgid of the table holding it, 0 while in flight
 *
 * @parent, @children, @sibling, @async_waits and the flags change under
 * @obj->wq.lock.  Moving a handle (transfer, export, import) keeps its
 * place in the derivation tree, so an ancestor can always revoke it.
 */
struct strata_handle {
	struct kref ref;
	struct strata_object *obj;
	struct strata_handle *parent;
	struct list_head children;
	struct list_head sibling;
	struct list_head async_waits;
	unsigned long flags;
	u32 rights;
	u32 gen;
	u32 epoch;
	pid_t owner_tgid;
};

static inline struct strata_handle *strata_handle_get(struct strata_handle *h)
{
	kref_get(&h->ref);
	return h;
}

/**
 * struct strata_table - a process's handle table, one per open file
 * @lock: serialises changes to @handles and @nr_handles
 * @handles: index -> struct strata_handle
 * @owner: thread group that opened the table; nobody else may use it
 * @user: the user whose handle quota the table's handles are charged to
 * @koid: the table's koid
 * @mask: XOR mask of handle values, random per table
 * @next_gen: generation of the next handle
 * @nr_handles: entries in @handles
 * @max_handles: limit on @nr_handles
 * @port_wq: waiters for packets (PORT_WAIT, poll); its lock guards
 *	@packets and the counters below
 * @packets: queued struct strata_packet, oldest first
 * @nr_packets: entries in @packets
 * @nr_user_packets: of which PORT_QUEUE packets
 * @nr_async_waits: async waits pending or queued
 * @sandbox_lock: guards the two fields below
 * @sandbox_ack_task: the task the sandbox programs last answered, or NULL
 * @sandbox_ack_flags: their answer, STRATA_SANDBOX_*
 */
struct strata_table {
	struct mutex lock;	/* serialises changes to handles */
	struct xarray handles;
	struct pid *owner;
	struct strata_user *user;
	u64 koid;
	u32 mask;
	u32 next_gen;
	u32 nr_handles;
	u32 max_handles;
	wait_queue_head_t port_wq;
	struct list_head packets;
	u32 nr_packets;
	u32 nr_user_packets;
	u32 nr_async_waits;
	spinlock_t sandbox_lock;	/* guards the sandbox_ack fields */
	struct task_struct *sandbox_ack_task;
	u32 sandbox_ack_flags;
};

/**
 * struct strata_packet - a completion waiting in a table's port
 * @link: entry in the table's packets
 * @handle: SIGNAL: the handle value the wait was made on
 * @pkt: what user space reads
 */
struct strata_packet {
	struct list_head link;
	u32 handle;
	struct strata_cap_packet pkt;
};

/* Live counts, for leak checks and statistics. */
struct strata_cap_stats {
	atomic_long_t objects;
	atomic_long_t tables;
	atomic_long_t handles;
	atomic_long_t messages;
};

extern struct strata_cap_stats strata_cap_stats;
extern unsigned int strata_max_handles;
extern unsigned int strata_channel_max_msgs;

/* object.c */
void strata_object_release_handle(struct strata_object *obj);
bool strata_object_update(struct strata_object *obj, u32 clear, u32 set);
void strata_object_wake(struct strata_object *obj);

/* handle.c */
int strata_handle_cache_init(void);
void strata_handle_cache_exit(void);
struct strata_handle *strata_handle_new(struct strata_object *obj, u32 rights);
struct strata_handle *strata_handle_derive(struct strata_handle *parent,
					   u32 rights);
void strata_handle_put(struct strata_handle *h);
void strata_handle_drop(struct strata_handle *h);
void strata_handle_leave_table(struct strata_handle *h);
int strata_handle_revoke(struct strata_handle *h, u32 *nr_revoked);
bool strata_handle_revoked(const struct strata_handle *h);
int strata_handle_check(const struct strata_handle *h, u32 rights);
int strata_handle_gone(const struct strata_handle *h, u32 epoch);

/* table.c */
struct strata_table *strata_table_create(void);
void strata_table_destroy(struct strata_table *table);
bool strata_table_is_owner(const struct strata_table *table);
struct strata_handle *__strata_table_lookup(struct strata_table *table,
					    u32 value, u32 *index);
int __strata_table_insert(struct strata_table *table, struct strata_handle *h,
			  u32 *value);
void __strata_table_remove(struct strata_table *table, u32 index);
int __strata_table_room(struct strata_table *table, u32 n);
int strata_table_add(struct strata_table *table, struct strata_handle *h,
		     u32 *value);
struct strata_handle *strata_table_get(struct strata_table *table, u32 value,
				       u32 rights);
struct strata_handle *strata_table_get_epoch(struct strata_table *table,
					     u32 value, u32 rights,
					     u32 *epoch);
int strata_table_close(struct strata_table *table, u32 value);
int strata_table_duplicate(struct strata_table *table, u32 value, u32 rights,
			   u32 *out);
int strata_table_replace(struct strata_table *table, u32 value, u32 rights,
			 u32 *out);
int strata_create_handle(struct strata_table *table, struct strata_object *obj,
			 u32 rights, u32 *value);

/* port.c */
void strata_port_init(struct strata_table *table);
void strata_port_destroy(struct strata_table *table);
int strata_wait_async(struct strata_table *table, u32 value, u32 signals,
		      u64 key);
int strata_wait_async_cancel(struct strata_table *table, u32 value, u64 key);
void __strata_async_cancel_all(struct strata_handle *h, int status);
int strata_port_queue(struct strata_table *table,
		      const struct strata_cap_packet *pkt);
int strata_port_wait(struct strata_table *table,
		     struct strata_cap_packet __user *upkts, u32 count,
		     s64 deadline, u32 *nr);
__poll_t strata_port_poll(struct strata_table *table, struct file *file,
			  struct poll_table_struct *pt);

/* wait.c */
struct strata_deadline {
	struct hrtimer_sleeper timer;
	s64 deadline;
	bool armed;
};

int strata_deadline_start(struct strata_deadline *d, s64 deadline);
bool strata_deadline_expired(struct strata_deadline *d);
int strata_deadline_sleep(struct strata_deadline *d);
void strata_deadline_end(struct strata_deadline *d);
int strata_wait_many(struct strata_table *table,
		     struct strata_cap_wait_item *items, u32 count,
		     s64 deadline);

/* event.c */
struct strata_object *strata_event_create(void);
int strata_eventpair_create(struct strata_object *objs[2]);

/* channel.c */
int strata_channel_create(struct strata_object *objs[2]);
int strata_channel_init(void);
void strata_channel_exit(void);
int strata_channel_write(struct strata_table *table,
			 const struct strata_cap_channel_write *args,
			 u32 *txid_out, struct strata_handle **ephp,
			 u32 *epoch);
int strata_channel_read(struct strata_table *table,
			struct strata_cap_channel_read *args);
int strata_channel_call_read(struct strata_table *table,
			     struct strata_handle *eph, u32 epoch,
			     struct strata_cap_channel_read *args, u32 txid,
			     s64 deadline);

/* vmo.c */
struct vm_area_struct;
struct strata_object *strata_vmo_create(u64 size);
bool strata_is_vmo(const struct strata_object *obj);
u32 strata_vmo_map_rights(u32 prot);
u64 strata_vmo_size(struct strata_object *obj);
int strata_vmo_set_size(struct strata_object *obj, u64 size);
int strata_vmo_rw(struct strata_object *obj, bool write, void __user *ubuf,
		  u64 offset, u64 length);
int strata_vmo_mmap(struct strata_object *obj, u32 rights,
		    struct vm_area_struct *vma);
int strata_vmo_map(struct strata_object *obj, u32 rights,
		   struct strata_cap_vmo_map *args);

/* export.c */
s64 strata_file_rights(struct file *file);
int strata_handle_export(struct strata_table *table,
			 struct strata_cap_export *args);
int strata_handle_import(struct strata_table *table,
			 struct strata_cap_import *args);

/* quota.c */
void strata_quota_exit(void);
struct strata_user *strata_user_get(kuid_t uid);
int strata_quota_charge(struct strata_user *u, int res, long n);
void strata_quota_uncharge(struct strata_user *u, int res, long n);

enum strata_quota_res {
	STRATA_QUOTA_HANDLES,
	STRATA_QUOTA_OBJECTS,
	STRATA_QUOTA_BYTES,
	STRATA_QUOTA_NR,
};

/* policy.c */
int strata_policy_init(void);
int strata_policy_create(u32 type, u32 rights);
int strata_policy_duplicate(const struct strata_handle *h, u32 new_rights);
int strata_policy_transfer(const struct strata_handle *h,
			   const struct strata_object *channel);
int strata_policy_export(const struct strata_handle *h);
int strata_policy_import(const struct strata_handle *h);
int strata_policy_revoke(const struct strata_handle *h);
int strata_policy_map(const struct strata_handle *h, u32 prot);

/* sandbox.c */
int bpf_strata_sandbox_ack(struct file *file, u32 flags);
int strata_sandbox_enter(struct strata_table *table);
int strata_sandbox_status(struct strata_table *table, u32 __user *uflags);

/* main.c */
struct strata_table *strata_table_from_file(struct file *file);

/* ioctl.c */
long strata_cap_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* _STRATA_CAP_COMMON_H */

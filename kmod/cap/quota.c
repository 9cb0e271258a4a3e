// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - per-user quotas
 *
 * Each user (by uid) is charged for the handles in the tables it opened,
 * the objects it created and the bytes of messages written through those
 * tables that are not read yet.  The limits are module parameters, read at each charge, so
 * lowering one refuses new charges at once and takes nothing away.
 * Kernel memory is charged to the caller's memory cgroup besides
 * (__GFP_ACCOUNT), which bounds what a cgroup can pin.
 */

#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "common.h"

static unsigned long strata_user_max[STRATA_QUOTA_NR] = {
	[STRATA_QUOTA_HANDLES] = 1UL << 20,
	[STRATA_QUOTA_OBJECTS] = 1UL << 18,
	[STRATA_QUOTA_BYTES] = 64UL << 20,
};

static int strata_user_max_set(const char *val, const struct kernel_param *kp)
{
	unsigned long n;
	int err;

	err = kstrtoul(val, 0, &n);
	if (err)
		return err;
	if (n > LONG_MAX)
		return -ERANGE;
	WRITE_ONCE(*(unsigned long *)kp->arg, n);
	return 0;
}

static const struct kernel_param_ops strata_user_max_ops = {
	.set = strata_user_max_set,
	.get = param_get_ulong,
};

module_param_cb(user_max_handles, &strata_user_max_ops,
		&strata_user_max[STRATA_QUOTA_HANDLES], 0644);
MODULE_PARM_DESC(user_max_handles,
		 "Handles the tables of one user may hold (default 1048576)");
module_param_cb(user_max_objects, &strata_user_max_ops,
		&strata_user_max[STRATA_QUOTA_OBJECTS], 0644);
MODULE_PARM_DESC(user_max_objects,
		 "Objects one user may have alive (default 262144)");
module_param_cb(user_max_queued_bytes, &strata_user_max_ops,
		&strata_user_max[STRATA_QUOTA_BYTES], 0644);
MODULE_PARM_DESC(user_max_queued_bytes,
		 "Bytes of unread channel messages one user may have written (default 64 MiB)");

struct strata_user {
	struct hlist_node node;
	kuid_t uid;
	atomic_long_t used[STRATA_QUOTA_NR];
};

#define STRATA_USER_HASH_BITS	6
static DEFINE_HASHTABLE(strata_users, STRATA_USER_HASH_BITS);
static DEFINE_SPINLOCK(strata_users_lock);

static struct strata_user *strata_user_find(kuid_t uid)
{
	struct strata_user *u;

	hash_for_each_possible_rcu(strata_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/**
 * strata_user_get() - the quota entry of @uid, made on first use
 * @uid: the user
 *
 * Entries live until module unload, so the pointer can be kept.
 *
 * Return: the entry, or NULL when out of memory.
 */
struct strata_user *strata_user_get(kuid_t uid)
{
	struct strata_user *u, *new;

	rcu_read_lock();
	u = strata_user_find(uid);
	rcu_read_unlock();
	if (u)
		return u;

	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return NULL;
	new->uid = uid;
	spin_lock(&strata_users_lock);
	u = strata_user_find(uid);
	if (!u) {
		hash_add_rcu(strata_users, &new->node, __kuid_val(uid));
		u = new;
		new = NULL;
	}
	spin_unlock(&strata_users_lock);
	kfree(new);
	return u;
}

/**
 * strata_quota_charge() - charge @n units of @res to a user
 * @u: the user's entry
 * @res: STRATA_QUOTA_*
 * @n: units
 *
 * Return: 0, or -EDQUOT past the user's limit (nothing is charged then).
 */
int strata_quota_charge(struct strata_user *u, int res, long n)
{
	if (atomic_long_add_return(n, &u->used[res]) >
	    (long)READ_ONCE(strata_user_max[res])) {
		atomic_long_sub(n, &u->used[res]);
		return -EDQUOT;
	}
	return 0;
}

/**
 * strata_quota_uncharge() - give back what strata_quota_charge() took
 * @u: the user's entry
 * @res: STRATA_QUOTA_*
 * @n: units
 */
void strata_quota_uncharge(struct strata_user *u, int res, long n)
{
	atomic_long_sub(n, &u->used[res]);
}

/* Module unload: everything was uncharged, as the exit checks say. */
void strata_quota_exit(void)
{
	struct strata_user *u;
	struct hlist_node *tmp;
	int bkt, i;

	hash_for_each_safe(strata_users, bkt, tmp, u, node) {
		for (i = 0; i < STRATA_QUOTA_NR; i++)
			WARN_ON_ONCE(atomic_long_read(&u->used[i]));
		hash_del(&u->node);
		kfree(u);
	}
}

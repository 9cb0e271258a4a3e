// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - eBPF policy: the strata_cap_ops struct_ops
 *
 * One policy may be attached at a time.  With none attached every
 * operation that passes the rights checks is allowed; a policy can only
 * refuse more, never grant what the rights forbid.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <strata/ops.h>

#include "common.h"
#include "trace.h"

enum {
	STRATA_CAP_OPS_NAME_LEN = 32,
};

/**
 * struct strata_cap_ops - capability policy callbacks
 *
 * Each callback returns 0 to allow the operation or a negative errno to
 * refuse it, which the caller then gets; any other value refuses with
 * -EPERM.  A callback left out allows.  They are asked only once the
 * rights allow the operation, so a policy can refuse more, never grant.
 * Callbacks run under RCU, some with a table lock held: they must not
 * sleep.  The handle they get is read-only; the bpf_strata_handle_*()
 * kfuncs read its type, rights, koid and owner.
 */
struct strata_cap_ops {
	/**
	 * @create: a new object of @type is about to get its first handle,
	 * with @rights.
	 */
	int (*create)(u32 type, u32 rights);

	/** @duplicate: @h is about to be duplicated or replaced. */
	int (*duplicate)(const struct strata_handle *h, u32 new_rights);

	/**
	 * @transfer: @h is about to leave its table in a message written
	 * to the channel endpoint @channel_koid.
	 */
	int (*transfer)(const struct strata_handle *h, u64 channel_koid);

	/** @export: @h is about to move into a new file descriptor. */
	int (*export)(const struct strata_handle *h);

	/** @import: @h is about to move from its file into a table. */
	int (*import)(const struct strata_handle *h);

	/** @revoke: every handle derived from @h is about to be revoked. */
	int (*revoke)(const struct strata_handle *h);

	/**
	 * @map: the VMO @h names is about to be mapped with @prot
	 * (PROT_READ, PROT_WRITE, PROT_EXEC bits).
	 */
	int (*map)(const struct strata_handle *h, u32 prot);

	/** @name: the policy's name, shown by bpftool and in the kernel log */
	char name[STRATA_CAP_OPS_NAME_LEN];
};

static struct strata_cap_ops __rcu *strata_cap_policy;
static DEFINE_MUTEX(strata_cap_policy_lock);

static int strata_policy_errno(int ret)
{
	if (!ret)
		return 0;
	if (ret < 0 && ret >= -MAX_ERRNO)
		return ret;
	return -EPERM;
}

/*
 * Ask the attached policy, if any: @call is the callback expression,
 * evaluated with ops pointing at the policy.  A refusal is traced with
 * the object's koid, type and the handle's rights.
 */
#define strata_policy_ask(op, koid, type, rights, call)		\
({									\
	const struct strata_cap_ops *ops;				\
	int __ret = 0;							\
									\
	rcu_read_lock();						\
	ops = rcu_dereference(strata_cap_policy);			\
	if (ops && ops->op)						\
		__ret = strata_policy_errno(call);			\
	rcu_read_unlock();						\
	if (__ret)							\
		trace_strata_cap_deny(#op, koid, type, rights, __ret);	\
	__ret;								\
})

#define strata_policy_ask_handle(op, h, call)				\
	strata_policy_ask(op, (h)->obj->koid, (h)->obj->type->type,	\
			  (h)->rights, call)

/**
 * strata_policy_create() - may an object of @type be created?
 * @type: STRATA_OBJ_* type of the object
 * @rights: rights of its first handle
 *
 * Return: 0 to go ahead, or the negative errno to fail with.
 */
int strata_policy_create(u32 type, u32 rights)
{
	return strata_policy_ask(create, 0, type, rights,
				 ops->create(type, rights));
}

/**
 * strata_policy_duplicate() - may @h be duplicated (or replaced)?
 * @h: the source handle
 * @new_rights: the copy's rights, a subset of @h's
 *
 * Return: 0 to go ahead, or the negative errno to fail with.
 */
int strata_policy_duplicate(const struct strata_handle *h, u32 new_rights)
{
	return strata_policy_ask_handle(duplicate, h, ops->duplicate(h, new_rights));
}

/**
 * strata_policy_transfer() - may @h travel through @channel?
 * @h: the handle
 * @channel: the endpoint written to
 *
 * Return: 0 to go ahead, or the negative errno to fail with.
 */
int strata_policy_transfer(const struct strata_handle *h,
			   const struct strata_object *channel)
{
	return strata_policy_ask_handle(transfer, h,
				 ops->transfer(h, channel->koid));
}

/**
 * strata_policy_export() - may @h become a file descriptor?
 * @h: the handle
 *
 * Return: 0 to go ahead, or the negative errno to fail with.
 */
int strata_policy_export(const struct strata_handle *h)
{
	return strata_policy_ask_handle(export, h, ops->export(h));
}

/**
 * strata_policy_import() - may @h come back from its file?
 * @h: the handle
 *
 * Return: 0 to go ahead, or the negative errno to fail with.
 */
int strata_policy_import(const struct strata_handle *h)
{
	return strata_policy_ask_handle(import, h, ops->import(h));
}

/**
 * strata_policy_revoke() - may the descendants of @h be revoked?
 * @h: the handle
 *
 * Return: 0 to go ahead, or the negative errno to fail with.
 */
int strata_policy_revoke(const struct strata_handle *h)
{
	return strata_policy_ask_handle(revoke, h, ops->revoke(h));
}

/**
 * strata_policy_map() - may the VMO @h names be mapped with @prot?
 * @h: the handle
 * @prot: PROT_* bits
 *
 * Return: 0 to go ahead, or the negative errno to fail with.
 */
int strata_policy_map(const struct strata_handle *h, u32 prot)
{
	return strata_policy_ask_handle(map, h, ops->map(h, prot));
}

__bpf_kfunc_start_defs();

/**
 * bpf_strata_handle_type() - the STRATA_OBJ_* type of a handle's object
 * @h: the handle a strata_cap_ops callback got
 */
__bpf_kfunc u32 bpf_strata_handle_type(const struct strata_handle *h)
{
	return h->obj->type->type;
}

/**
 * bpf_strata_handle_rights() - a handle's rights
 * @h: the handle a strata_cap_ops callback got
 */
__bpf_kfunc u32 bpf_strata_handle_rights(const struct strata_handle *h)
{
	return h->rights;
}

/**
 * bpf_strata_handle_koid() - the koid of a handle's object
 * @h: the handle a strata_cap_ops callback got
 */
__bpf_kfunc u64 bpf_strata_handle_koid(const struct strata_handle *h)
{
	return h->obj->koid;
}

/**
 * bpf_strata_handle_owner() - tgid of the process whose table holds @h
 * @h: the handle a strata_cap_ops callback got
 *
 * Return: the tgid (as seen from the initial pid namespace), or 0 for a
 * handle in flight (in a message or an exported file).
 */
__bpf_kfunc s32 bpf_strata_handle_owner(const struct strata_handle *h)
{
	return READ_ONCE(h->owner_tgid);
}

/**
 * bpf_strata_file_rights() - the rights of an exported handle's file
 * @file: any file, typically the one an LSM hook is asked about
 *
 * Return: the rights; -ENOENT when @file holds no strata handle (any
 * other file), -EBADF when its handle was imported already,
 * -EKEYREVOKED when it was revoked.
 */
__bpf_kfunc s64 bpf_strata_file_rights(struct file *file)
{
	return strata_file_rights(file);
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(strata_cap_ops_kfunc_ids)
BTF_ID_FLAGS(func, bpf_strata_handle_type, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_strata_handle_rights, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_strata_handle_koid, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_strata_handle_owner, KF_TRUSTED_ARGS)
BTF_KFUNCS_END(strata_cap_ops_kfunc_ids)

static const struct btf_kfunc_id_set strata_cap_ops_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &strata_cap_ops_kfunc_ids,
};

/* For LSM programs: cap_scm.bpf.c, and cap_sandbox.bpf.c (sandbox.c). */
BTF_KFUNCS_START(strata_cap_lsm_kfunc_ids)
BTF_ID_FLAGS(func, bpf_strata_file_rights, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_strata_sandbox_ack, KF_TRUSTED_ARGS)
BTF_KFUNCS_END(strata_cap_lsm_kfunc_ids)

static const struct btf_kfunc_id_set strata_cap_lsm_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &strata_cap_lsm_kfunc_ids,
};

static const struct bpf_verifier_ops strata_cap_verifier_ops = {
	.get_func_proto = bpf_base_func_proto,
	.is_valid_access = strata_ops_is_valid_access,
};

/* Only the name needs the kernel's hand; the callbacks are programs. */
static int strata_cap_ops_init_member(const struct btf_type *t,
				      const struct btf_member *member,
				      void *kdata, const void *udata)
{
	const struct strata_cap_ops *uops = udata;
	struct strata_cap_ops *ops = kdata;

	if (__btf_member_bit_offset(t, member) !=
	    offsetof(struct strata_cap_ops, name) * 8)
		return 0;

	return strata_ops_name_copy(ops->name, uops->name, sizeof(ops->name));
}

static int strata_cap_ops_reg(void *kdata, struct bpf_link *link)
{
	struct strata_cap_ops *ops = kdata;
	int err = 0;

	mutex_lock(&strata_cap_policy_lock);
	if (rcu_access_pointer(strata_cap_policy)) {
		err = -EBUSY;
	} else {
		rcu_assign_pointer(strata_cap_policy, ops);
		pr_info("policy '%s' attached\n", ops->name);
	}
	mutex_unlock(&strata_cap_policy_lock);
	return err;
}

static void strata_cap_ops_unreg(void *kdata, struct bpf_link *link)
{
	struct strata_cap_ops *ops = kdata;

	mutex_lock(&strata_cap_policy_lock);
	if (rcu_access_pointer(strata_cap_policy) == ops) {
		RCU_INIT_POINTER(strata_cap_policy, NULL);
		pr_info("policy '%s' detached\n", ops->name);
	}
	mutex_unlock(&strata_cap_policy_lock);
}

/* Never called: they give the BPF core the callbacks' prototypes. */
static int strata_cap_ops__create(u32 type, u32 rights)
{
	return 0;
}

static int strata_cap_ops__duplicate(const struct strata_handle *h,
				     u32 new_rights)
{
	return 0;
}

static int strata_cap_ops__transfer(const struct strata_handle *h,
				    u64 channel_koid)
{
	return 0;
}

static int strata_cap_ops__handle(const struct strata_handle *h)
{
	return 0;
}

static int strata_cap_ops__map(const struct strata_handle *h, u32 prot)
{
	return 0;
}

static struct strata_cap_ops __bpf_ops_strata_cap_ops = {
	.create = strata_cap_ops__create,
	.duplicate = strata_cap_ops__duplicate,
	.transfer = strata_cap_ops__transfer,
	.export = strata_cap_ops__handle,
	.import = strata_cap_ops__handle,
	.revoke = strata_cap_ops__handle,
	.map = strata_cap_ops__map,
};

static struct bpf_struct_ops bpf_strata_cap_ops = {
	.verifier_ops = &strata_cap_verifier_ops,
	.init = strata_ops_init,
	.check_member = strata_ops_check_member,
	.init_member = strata_cap_ops_init_member,
	.reg = strata_cap_ops_reg,
	.unreg = strata_cap_ops_unreg,
	.cfi_stubs = &__bpf_ops_strata_cap_ops,
	.name = "strata_cap_ops",
	.owner = THIS_MODULE,
};

/**
 * strata_policy_init() - register the strata_cap_ops struct_ops type
 *
 * Runs from module init, before the device node appears, so that a policy
 * can be attached as soon as tables can be opened.  The type goes away with
 * the module's BTF on unload; the BPF core holds a module reference while
 * a policy is attached.
 *
 * Return: 0 or a negative errno.
 */
int strata_policy_init(void)
{
	int err;

	err = register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS,
					&strata_cap_ops_kfunc_set);
	if (!err)
		err = register_btf_kfunc_id_set(BPF_PROG_TYPE_LSM,
						&strata_cap_lsm_kfunc_set);
	if (!err)
		err = register_bpf_struct_ops(&bpf_strata_cap_ops,
					      strata_cap_ops);
	return err;
}

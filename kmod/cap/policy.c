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

#include "common.h"

enum {
	STRATA_CAP_OPS_NAME_LEN = 32,
};

/**
 * struct strata_cap_ops - capability policy callbacks
 *
 * Each callback returns 0 to allow the operation or a negative errno to
 * refuse it, which the caller then gets; any other value refuses with
 * -EPERM.  A callback left out allows.  Callbacks run under RCU and must
 * not sleep.
 */
struct strata_cap_ops {
	/**
	 * @create: a new object of @type is about to get its first handle,
	 * with @rights.
	 */
	int (*create)(u32 type, u32 rights);

	/**
	 * @duplicate: a handle with @rights to object @koid of @type is
	 * about to be duplicated into one with @new_rights.
	 */
	int (*duplicate)(u64 koid, u32 type, u32 rights, u32 new_rights);

	/** @name: the policy's name, shown by stratactl and bpftool */
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

/**
 * strata_policy_create() - ask the policy whether an object may be created
 * @type: STRATA_OBJ_* type of the object
 * @rights: rights of its first handle
 *
 * Return: 0 to go ahead, or the negative errno to fail with.
 */
int strata_policy_create(u32 type, u32 rights)
{
	const struct strata_cap_ops *ops;
	int ret = 0;

	rcu_read_lock();
	ops = rcu_dereference(strata_cap_policy);
	if (ops && ops->create)
		ret = strata_policy_errno(ops->create(type, rights));
	rcu_read_unlock();
	return ret;
}

/**
 * strata_policy_duplicate() - ask the policy whether a handle may be copied
 * @obj: the object the handle names
 * @rights: the source handle's rights
 * @new_rights: the copy's rights, a subset of @rights
 *
 * Return: 0 to go ahead, or the negative errno to fail with.
 */
int strata_policy_duplicate(const struct strata_object *obj, u32 rights,
			    u32 new_rights)
{
	const struct strata_cap_ops *ops;
	int ret = 0;

	rcu_read_lock();
	ops = rcu_dereference(strata_cap_policy);
	if (ops && ops->duplicate)
		ret = strata_policy_errno(ops->duplicate(obj->koid,
							 obj->type->type,
							 rights, new_rights));
	rcu_read_unlock();
	return ret;
}

static bool strata_cap_ops_is_valid_access(int off, int size,
					   enum bpf_access_type type,
					   const struct bpf_prog *prog,
					   struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

static const struct bpf_verifier_ops strata_cap_verifier_ops = {
	.get_func_proto = bpf_base_func_proto,
	.is_valid_access = strata_cap_ops_is_valid_access,
};

static int strata_cap_ops_init(struct btf *btf)
{
	return 0;
}

/* Callbacks run under RCU and, for some, a table lock: nothing may sleep. */
static int strata_cap_ops_check_member(const struct btf_type *t,
				       const struct btf_member *member,
				       const struct bpf_prog *prog)
{
	return prog->sleepable ? -EINVAL : 0;
}

/* bpf_obj_name_cpy() is not exported: check and copy the name by hand. */
static int strata_cap_ops_init_member(const struct btf_type *t,
				      const struct btf_member *member,
				      void *kdata, const void *udata)
{
	const struct strata_cap_ops *uops = udata;
	struct strata_cap_ops *ops = kdata;
	size_t i;

	if (__btf_member_bit_offset(t, member) !=
	    offsetof(struct strata_cap_ops, name) * 8)
		return 0;

	for (i = 0; i < sizeof(uops->name) && uops->name[i]; i++) {
		if (!isalnum(uops->name[i]) && uops->name[i] != '_' &&
		    uops->name[i] != '.' && uops->name[i] != '-')
			return -EINVAL;
	}
	if (i == 0 || i == sizeof(uops->name))
		return -EINVAL;
	memcpy(ops->name, uops->name, i);
	ops->name[i] = '\0';
	return 1;
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

static int strata_cap_ops__duplicate(u64 koid, u32 type, u32 rights,
				     u32 new_rights)
{
	return 0;
}

static struct strata_cap_ops __bpf_ops_strata_cap_ops = {
	.create = strata_cap_ops__create,
	.duplicate = strata_cap_ops__duplicate,
};

static struct bpf_struct_ops bpf_strata_cap_ops = {
	.verifier_ops = &strata_cap_verifier_ops,
	.init = strata_cap_ops_init,
	.check_member = strata_cap_ops_check_member,
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
	return register_bpf_struct_ops(&bpf_strata_cap_ops, strata_cap_ops);
}

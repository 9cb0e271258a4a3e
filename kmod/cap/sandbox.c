// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap - capability mode: the module's half
 *
 * Capability mode is enforced by BPF LSM programs (bpf/cap_sandbox.bpf.c),
 * which keep the mark of sandboxed tasks in task storage.  The module only
 * carries the request: the programs see STRATA_CAP_IOC_SANDBOX_ENTER and
 * _STATUS in their file_ioctl hook, before the module does, act on them,
 * and acknowledge through bpf_strata_sandbox_ack().  An ENTER nobody
 * acknowledged means the programs are not loaded, and fails.
 *
 * The acknowledgment is kept in the table, for the task that asked: the
 * hook and the ioctl run back to back in that task.
 */

#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "common.h"

/* Take the acknowledgment left for the current task, if any. */
static bool strata_sandbox_take_ack(struct strata_table *table, u32 *flags)
{
	bool acked;

	spin_lock(&table->sandbox_lock);
	acked = table->sandbox_ack_task == current;
	if (acked)
		*flags = table->sandbox_ack_flags;
	table->sandbox_ack_task = NULL;
	spin_unlock(&table->sandbox_lock);
	return acked;
}

/**
 * strata_sandbox_enter() - STRATA_CAP_IOC_SANDBOX_ENTER
 * @table: the caller's table
 *
 * Return: 0 once the sandbox programs have put the caller in capability
 * mode, -EOPNOTSUPP when they are not loaded.
 */
int strata_sandbox_enter(struct strata_table *table)
{
	u32 flags = 0;

	if (!strata_sandbox_take_ack(table, &flags) ||
	    !(flags & STRATA_SANDBOX_ACTIVE))
		return -EOPNOTSUPP;
	return 0;
}

/**
 * strata_sandbox_status() - STRATA_CAP_IOC_SANDBOX_STATUS
 * @table: the caller's table
 * @uflags: where STRATA_SANDBOX_ACTIVE or 0 goes
 *
 * Without the programs nothing is enforced, so nothing is reported.
 *
 * Return: 0 or -EFAULT.
 */
int strata_sandbox_status(struct strata_table *table, u32 __user *uflags)
{
	u32 flags = 0;

	if (!strata_sandbox_take_ack(table, &flags))
		flags = 0;
	return put_user(flags & STRATA_SANDBOX_ACTIVE, uflags);
}

__bpf_kfunc_start_defs();

/**
 * bpf_strata_sandbox_ack() - answer a sandbox request on a handle table
 * @file: the file of the file_ioctl hook
 * @flags: STRATA_SANDBOX_ACTIVE when the current task is in capability
 *	mode (after entering it, for ENTER)
 *
 * Return: 0, or -EINVAL when @file is not a handle table of the current
 * process (the request will then fail on its own).
 */
__bpf_kfunc int bpf_strata_sandbox_ack(struct file *file, u32 flags)
{
	struct strata_table *table = strata_table_from_file(file);

	if (!table || !strata_table_is_owner(table))
		return -EINVAL;
	spin_lock(&table->sandbox_lock);
	table->sandbox_ack_task = current;
	table->sandbox_ack_flags = flags;
	spin_unlock(&table->sandbox_lock);
	return 0;
}

__bpf_kfunc_end_defs();

/* A module has one kfunc set per program type: policy.c registers it. */

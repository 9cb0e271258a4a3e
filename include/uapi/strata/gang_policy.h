/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * strata_gang - constants shared with BPF policies (no includes, so that
 * BPF programs built on vmlinux.h can use them too)
 *
 * <strata/gang.h> spells these values as enums, which a BPF program cannot
 * include next to the BTF dump of the module; the names differ so that
 * both can be seen at once, and strata_gang checks at build time that the
 * values agree.
 */
#ifndef _UAPI_STRATA_GANG_POLICY_H
#define _UAPI_STRATA_GANG_POLICY_H

/* What a strata_gang_ops callback returns to leave the call to strata. */
#define STRATA_GANG_OPS_DEFAULT		(-1)

/* Results of member_exit(): enum strata_gang_exit_action. */
#define STRATA_GANG_OPS_EXIT_ABORT	0	/* abort the whole gang */
#define STRATA_GANG_OPS_EXIT_SHRINK	1	/* release the member, go on */

/* struct strata_gang_view.state: enum strata_gang_state. */
#define STRATA_GANG_OPS_FORMING		0
#define STRATA_GANG_OPS_QUEUED		1
#define STRATA_GANG_OPS_RUNNING		2
#define STRATA_GANG_OPS_DONE		3
#define STRATA_GANG_OPS_ABORTED		4

/* Limits: STRATA_GANG_MAX_GPUS and STRATA_GANG_MAX_PRIORITY. */
#define STRATA_GANG_OPS_MAX_GPUS	64
#define STRATA_GANG_OPS_MAX_PRIORITY	7

#endif /* _UAPI_STRATA_GANG_POLICY_H */

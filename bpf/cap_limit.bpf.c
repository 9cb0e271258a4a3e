// SPDX-License-Identifier: GPL-2.0
/*
 * cap_limit - a sample strata_cap policy
 *
 * Knobs, set before load:
 *
 *   deny_types		a bit per object type (1 << STRATA_OBJ_*): creating
 *			an object of such a type fails with -EPERM;
 *   dup_rights		the most a duplicate may keep: duplicating a handle
 *			into one with any other right fails with -EACCES, so
 *			delegation can be made to drop, say, TRANSFER;
 *   pin_types		a bit per object type: handles of such a type may
 *			not leave their table (channel write, export) and
 *			fail with -EPERM;
 *   map_prot		the PROT_* bits a VMO mapping may have; others fail
 *			with -EACCES;
 *   deny_ops		a bit per callback (CAP_LIMIT_OP_*): refuse every
 *			call of it with -EPERM.
 *
 * Each refusal is counted per callback in nr_denied[], which the loader
 * prints; the last handle a callback saw is described in last_*, read
 * with the strata_cap kfuncs.
 */
#include <strata_cap.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "strata.bpf.h"
#include "cap_limit.h"

char _license[] SEC("license") = "GPL";

const volatile __u64 deny_types;
const volatile __u32 dup_rights = STRATA_RIGHTS_ALL;
const volatile __u64 pin_types;
const volatile __u32 map_prot = 7;
const volatile __u32 deny_ops;

__u64 nr_denied[CAP_LIMIT_NR_OPS];
__u64 last_koid;
__u32 last_type;
__u32 last_rights;
__s32 last_owner;

static int deny(int op, int err)
{
	__sync_fetch_and_add(&nr_denied[op], 1);
	return err;
}

static bool type_in(__u64 mask, __u32 type)
{
	return type < 64 && (mask & (1ULL << type));
}

static int check(int op, const struct strata_handle *h)
{
	if (h) {
		last_koid = bpf_strata_handle_koid(h);
		last_type = bpf_strata_handle_type(h);
		last_rights = bpf_strata_handle_rights(h);
		last_owner = bpf_strata_handle_owner(h);
	}
	if (deny_ops & (1U << op))
		return deny(op, -EPERM);
	return 0;
}

SEC("struct_ops/create")
int BPF_PROG(cap_limit_create, __u32 type, __u32 rights)
{
	if (type_in(deny_types, type))
		return deny(CAP_LIMIT_OP_CREATE, -EPERM);
	return check(CAP_LIMIT_OP_CREATE, NULL);
}

SEC("struct_ops/duplicate")
int BPF_PROG(cap_limit_duplicate, const struct strata_handle *h,
	     __u32 new_rights)
{
	if (new_rights & ~dup_rights)
		return deny(CAP_LIMIT_OP_DUPLICATE, -EACCES);
	return check(CAP_LIMIT_OP_DUPLICATE, h);
}

SEC("struct_ops/transfer")
int BPF_PROG(cap_limit_transfer, const struct strata_handle *h,
	     __u64 channel_koid)
{
	if (type_in(pin_types, bpf_strata_handle_type(h)))
		return deny(CAP_LIMIT_OP_TRANSFER, -EPERM);
	return check(CAP_LIMIT_OP_TRANSFER, h);
}

SEC("struct_ops/export")
int BPF_PROG(cap_limit_export, const struct strata_handle *h)
{
	if (type_in(pin_types, bpf_strata_handle_type(h)))
		return deny(CAP_LIMIT_OP_EXPORT, -EPERM);
	return check(CAP_LIMIT_OP_EXPORT, h);
}

SEC("struct_ops/import")
int BPF_PROG(cap_limit_import, const struct strata_handle *h)
{
	return check(CAP_LIMIT_OP_IMPORT, h);
}

SEC("struct_ops/revoke")
int BPF_PROG(cap_limit_revoke, const struct strata_handle *h)
{
	return check(CAP_LIMIT_OP_REVOKE, h);
}

SEC("struct_ops/map")
int BPF_PROG(cap_limit_map, const struct strata_handle *h, __u32 prot)
{
	if (prot & ~map_prot)
		return deny(CAP_LIMIT_OP_MAP, -EACCES);
	return check(CAP_LIMIT_OP_MAP, h);
}

SEC(".struct_ops.link")
struct strata_cap_ops cap_limit = {
	.create = (void *)cap_limit_create,
	.duplicate = (void *)cap_limit_duplicate,
	.transfer = (void *)cap_limit_transfer,
	.export = (void *)cap_limit_export,
	.import = (void *)cap_limit_import,
	.revoke = (void *)cap_limit_revoke,
	.map = (void *)cap_limit_map,
	.name = "cap_limit",
};

// SPDX-License-Identifier: GPL-2.0
/*
 * cap_limit - a sample strata_cap policy
 *
 * Two knobs, set before load:
 *
 *   deny_types	a bit per object type (1 << STRATA_OBJ_*): creating an
 *		object of such a type fails with -EPERM;
 *   dup_rights	the most a duplicate may keep: duplicating a handle into
 *		one with any other right fails with -EACCES, so delegation
 *		can be made to drop, say, TRANSFER on every copy.
 *
 * Each refusal is counted in nr_denied_create / nr_denied_duplicate, which
 * the loader prints.  Callbacks the policy does not need are left out and
 * default to "allow".
 */
#include <strata_cap.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "strata.bpf.h"

char _license[] SEC("license") = "GPL";

const volatile __u64 deny_types;
const volatile __u32 dup_rights = STRATA_RIGHTS_ALL;

__u64 nr_denied_create;
__u64 nr_denied_duplicate;

SEC("struct_ops/create")
int BPF_PROG(cap_limit_create, __u32 type, __u32 rights)
{
	if (type < 64 && (deny_types & (1ULL << type))) {
		__sync_fetch_and_add(&nr_denied_create, 1);
		return -EPERM;
	}
	return 0;
}

SEC("struct_ops/duplicate")
int BPF_PROG(cap_limit_duplicate, const struct strata_handle *h,
	     __u32 new_rights)
{
	if (new_rights & ~dup_rights) {
		__sync_fetch_and_add(&nr_denied_duplicate, 1);
		return -EACCES;
	}
	return 0;
}

SEC(".struct_ops.link")
struct strata_cap_ops cap_limit = {
	.create = (void *)cap_limit_create,
	.duplicate = (void *)cap_limit_duplicate,
	.name = "cap_limit",
};

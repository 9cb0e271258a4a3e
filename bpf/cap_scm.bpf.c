// SPDX-License-Identifier: GPL-2.0
/*
 * cap_scm - keep SCM_RIGHTS from bypassing the TRANSFER right
 *
 * An exported strata handle is a file, and a file can be passed over a
 * unix socket with SCM_RIGHTS, where no strata_cap check runs.  This LSM
 * program refuses, on receipt, a strata handle file whose handle lacks
 * TRANSFER or was revoked; the receiver then gets no fd and MSG_CTRUNC,
 * as for any file an LSM refuses.  Other files, and files whose handle
 * was imported already (they hold nothing), pass.
 */
#include <strata_cap.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "strata.bpf.h"

char _license[] SEC("license") = "GPL";

__u64 nr_denied_transfer;
__u64 nr_denied_revoked;

SEC("lsm/file_receive")
int BPF_PROG(cap_scm_file_receive, struct file *file, int ret)
{
	__s64 rights;

	if (ret)
		return ret;
	rights = bpf_strata_file_rights(file);
	if (rights == -ENOENT || rights == -EBADF)
		return 0;
	if (rights == -EKEYREVOKED) {
		__sync_fetch_and_add(&nr_denied_revoked, 1);
		return -EKEYREVOKED;
	}
	if (rights >= 0 && !(rights & STRATA_RIGHT_TRANSFER)) {
		__sync_fetch_and_add(&nr_denied_transfer, 1);
		return -EACCES;
	}
	return 0;
}

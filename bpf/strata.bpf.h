/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata BPF programs - what every program shares
 *
 * Include after vmlinux.h or strata_<area>.h, which define the kernel's
 * and the modules' types; <strata/handle.h> adds the uapi constants.
 */
#ifndef _STRATA_BPF_H
#define _STRATA_BPF_H

#include <strata/handle.h>

/* vmlinux.h has no errno values. */
#define EPERM		1
#define ENOMEM		12
#define ENOENT		2
#define EBADF		9
#define EACCES		13
#define EINVAL		22
#define EKEYREVOKED	128

struct strata_handle;

/* strata_cap's kfuncs: for strata_cap_ops callbacks ... */
extern __u32 bpf_strata_handle_type(const struct strata_handle *h) __ksym;
extern __u32 bpf_strata_handle_rights(const struct strata_handle *h) __ksym;
extern __u64 bpf_strata_handle_koid(const struct strata_handle *h) __ksym;
extern __s32 bpf_strata_handle_owner(const struct strata_handle *h) __ksym;
/* ... and for LSM programs. */
extern __s64 bpf_strata_file_rights(struct file *file) __ksym;

/* strata_tier's kfuncs, for strata_tier_ops callbacks. */
extern __u64 bpf_strata_tier_stat(__u32 reg_id, __u32 item) __ksym;
extern __s32 bpf_strata_tier_node_role(__u32 nid) __ksym;

/* strata_gang's kfuncs: for strata_gang_ops callbacks ... */
extern __u32 bpf_strata_gang_free_gpus(void) __ksym;
extern __u32 bpf_strata_gang_nr_queued(void) __ksym;
/* ... and for LSM programs. */
extern int bpf_strata_gang_gpu_access(__u32 dev) __ksym;

#endif /* _STRATA_BPF_H */

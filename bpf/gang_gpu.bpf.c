// SPDX-License-Identifier: GPL-2.0
/*
 * gang_gpu - GPU device nodes belong to the gang that holds the GPU
 *
 * strata_gang hands a GPU to one gang at a time; this LSM program makes
 * that hold for the GPU's device node too.  Opening a character device
 * that is a strata GPU (a fake /dev/strata/gpuN, or an NVIDIA GPU's
 * /dev/nvidiaN) succeeds only for a member of the running gang that holds
 * it, and fails with -EPERM for everybody else; strata_gang decides
 * through bpf_strata_gang_gpu_access().  Other files, and files opened
 * before, are not affected.  Refusals are counted, and the last ones kept
 * in a ring, in one global that the loader pins.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "strata.bpf.h"
#include "gang_gpu.h"

char _license[] SEC("license") = "GPL";

#define S_IFMT		00170000
#define S_IFCHR		0020000

/* The kernel's dev_t: 12 bits of major, 20 of minor. */
#define MINORBITS	20
#define MINORMASK	((1U << MINORBITS) - 1)

struct gang_gpu_stats stats;

/* new_encode_dev(): the form user space sees in st_rdev. */
static __u32 encode_dev(__u32 rdev)
{
	__u32 major = rdev >> MINORBITS, minor = rdev & MINORMASK;

	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

static int deny(__u32 dev, int err)
{
	__u64 n, id = bpf_get_current_pid_tgid();
	struct gang_gpu_event *ev;

	n = __sync_fetch_and_add(&stats.denied, 1);
	ev = &stats.recent[n & (GANG_GPU_RECENT - 1)];
	ev->time_ns = bpf_ktime_get_ns();
	ev->pid = (__u32)id;
	ev->tgid = id >> 32;
	ev->dev = dev;
	ev->err = err;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	return err;
}

SEC("lsm/file_open")
int BPF_PROG(gang_gpu_file_open, struct file *file)
{
	struct inode *inode = file->f_inode;
	__u32 dev;

	if (!inode || (inode->i_mode & S_IFMT) != S_IFCHR)
		return 0;
	dev = encode_dev(inode->i_rdev);
	if (!bpf_strata_gang_gpu_access(dev))
		return 0;
	return deny(dev, -EPERM);
}

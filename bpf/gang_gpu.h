/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gang_gpu - shared by the GPU access program, its loader and stratactl
 */
#ifndef _STRATA_GANG_GPU_H
#define _STRATA_GANG_GPU_H

/* Where the loader pins the program's link and its counters. */
#define GANG_GPU_PIN_DIR	"/sys/fs/bpf/strata/gang_gpu"

/* The last refusals, in a ring: slot = number % GANG_GPU_RECENT. */
#define GANG_GPU_RECENT		16	/* a power of two */

/* One refusal, as the program records it. */
struct gang_gpu_event {
	__u64 time_ns;		/* CLOCK_MONOTONIC */
	__u32 pid;		/* the thread */
	__u32 tgid;		/* the process */
	__u32 dev;		/* the device node, new_encode_dev() form */
	__s32 err;		/* what the open failed with, -EPERM */
	char comm[16];
};

/*
 * The program's only zero-initialised global, so its .bss map holds this
 * and nothing else: the loader pins that map as GANG_GPU_PIN_DIR "/stats".
 */
struct gang_gpu_stats {
	__u64 denied;		/* refused opens since load */
	struct gang_gpu_event recent[GANG_GPU_RECENT];
};

#endif /* _STRATA_GANG_GPU_H */

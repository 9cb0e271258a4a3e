/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cap_sandbox - shared by the sandbox programs, their loader and stratactl
 */
#ifndef _STRATA_CAP_SANDBOX_H
#define _STRATA_CAP_SANDBOX_H

/* Where the loader pins the programs' links and maps. */
#define CAP_SANDBOX_PIN_DIR	"/sys/fs/bpf/strata/sandbox"

/* The rules; Documentation/sandbox.rst says which hooks apply each. */
enum cap_sandbox_rule {
	CAP_SANDBOX_OPEN,	/* open by path, incl. /proc/self/fd/N */
	CAP_SANDBOX_EXEC,	/* exec other than of a held, linked, non-setid file */
	CAP_SANDBOX_SOCKET,	/* sockets other than AF_UNIX */
	CAP_SANDBOX_ADDRESS,	/* bind, connect, sendto an address */
	CAP_SANDBOX_PTRACE,	/* ptrace or process_vm_* of another process */
	CAP_SANDBOX_SIGNAL,	/* signals outside the sandbox, F_SETOWN */
	CAP_SANDBOX_TASK,	/* scheduling, limits, groups of other processes */
	CAP_SANDBOX_MOUNT,	/* mount, umount, remount, move, pivot_root */
	CAP_SANDBOX_MODULE,	/* loading kernel modules, firmware, kexec */
	CAP_SANDBOX_BPF,	/* the bpf() syscall */
	CAP_SANDBOX_CREDS,	/* setuid and friends, capset */
	CAP_SANDBOX_CAPABLE,	/* every privilege check */
	CAP_SANDBOX_USERNS,	/* new user namespaces */
	CAP_SANDBOX_IO_URING,	/* io_uring */
	CAP_SANDBOX_PATH,	/* changes to the file system by path, watches */
	CAP_SANDBOX_XATTR,	/* setting or removing extended attributes, ACLs */
	CAP_SANDBOX_PERF,	/* perf_event_open() */
	CAP_SANDBOX_IPC,	/* System V IPC objects, reached by key */
	CAP_SANDBOX_KEYS,	/* keyrings */
	CAP_SANDBOX_NR_RULES,
};

/*
 * The two sandbox ioctls, spelled out for BPF, which cannot include the
 * uapi header next to vmlinux.h; the loader checks they match.
 */
#define CAP_SANDBOX_IOC_ENTER	0xba30U		/* STRATA_CAP_IOC_SANDBOX_ENTER */
#define CAP_SANDBOX_IOC_STATUS	0x8004ba31U	/* STRATA_CAP_IOC_SANDBOX_STATUS */
#define STRATA_SANDBOX_ACTIVE_BIT 1U		/* STRATA_SANDBOX_ACTIVE */

/* One refusal, as the programs record it. */
struct cap_sandbox_event {
	__u64 time_ns;		/* CLOCK_MONOTONIC */
	__u32 pid;		/* the thread */
	__u32 tgid;		/* the process */
	__u32 rule;		/* enum cap_sandbox_rule */
	__s32 err;		/* what the hook returned, -EPERM (IPC calls
				 * report it to user space as -EACCES) */
	char hook[24];		/* the LSM hook */
	char comm[16];
};

/* The last refusals, in a ring: slot = number % CAP_SANDBOX_RECENT. */
#define CAP_SANDBOX_RECENT	64

#ifndef __bpf__
static const char *const cap_sandbox_rule_names[CAP_SANDBOX_NR_RULES] = {
	[CAP_SANDBOX_OPEN] = "open",
	[CAP_SANDBOX_EXEC] = "exec",
	[CAP_SANDBOX_SOCKET] = "socket",
	[CAP_SANDBOX_ADDRESS] = "address",
	[CAP_SANDBOX_PTRACE] = "ptrace",
	[CAP_SANDBOX_SIGNAL] = "signal",
	[CAP_SANDBOX_TASK] = "task",
	[CAP_SANDBOX_MOUNT] = "mount",
	[CAP_SANDBOX_MODULE] = "module",
	[CAP_SANDBOX_BPF] = "bpf",
	[CAP_SANDBOX_CREDS] = "creds",
	[CAP_SANDBOX_CAPABLE] = "capable",
	[CAP_SANDBOX_USERNS] = "userns",
	[CAP_SANDBOX_IO_URING] = "io_uring",
	[CAP_SANDBOX_PATH] = "path",
	[CAP_SANDBOX_XATTR] = "xattr",
	[CAP_SANDBOX_PERF] = "perf",
	[CAP_SANDBOX_IPC] = "ipc",
	[CAP_SANDBOX_KEYS] = "keys",
};
#endif

#endif /* _STRATA_CAP_SANDBOX_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * cap_sandbox - capability mode for strata: no ambient authority
 *
 * A process enters capability mode with STRATA_CAP_IOC_SANDBOX_ENTER on its
 * handle table.  The file_ioctl program below sees that request first,
 * marks the process and tells strata_cap through bpf_strata_sandbox_ack();
 * without these programs the request fails.  From then on the process, its
 * threads and everything it forks can use the handles and descriptors they
 * hold and nothing else: every way of reaching something new by name, or
 * of borrowing privilege, is refused with -EPERM.  Documentation/sandbox.rst
 * has the table of hooks and rules.
 *
 * The mark lives in task storage, copied to every new task at fork or
 * clone.  The process that entered is marked through its signal_struct as
 * well (shared by all its threads and kept across exec), so that a thread
 * created while ENTER runs cannot slip through.
 */
#include <strata_cap.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "strata.bpf.h"
#include "cap_sandbox.h"

char _license[] SEC("license") = "GPL";

#define AF_UNIX		1
#define S_ISUID		04000
#define S_ISGID		02000
#define __FMODE_EXEC	0x20		/* in f_flags: opened for exec */
#define FMODE_PATH	0x4000		/* in f_mode: an O_PATH file */
#define CAP_OPT_NOAUDIT	2		/* a quiet capability check */
#define F_SETOWN	8
#define F_SETSIG	10
#define F_SETOWN_EX	15
#define FIOSETOWN	0x8901		/* ioctl: the owner SIGIO goes to */
#define SIOCSPGRP	0x8902

extern int bpf_strata_sandbox_ack(struct file *file, __u32 flags) __ksym;

struct mark {
	__u32 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct mark);
} marks SEC(".maps");

/* signal_struct address -> 1, for processes that entered themselves. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u32);
} groups SEC(".maps");

/* Refusals per rule, and the last ones; pinned by name for stratactl. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CAP_SANDBOX_NR_RULES);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} denials SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CAP_SANDBOX_RECENT + 1);	/* + the counter */
	__type(key, __u32);
	__type(value, struct cap_sandbox_event);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} recent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

static __u64 signal_key(struct task_struct *t)
{
	return (__u64)BPF_CORE_READ(t, signal);
}

static bool sandboxed(struct task_struct *t)
{
	__u64 key;

	if (bpf_task_storage_get(&marks, t, 0, 0))
		return true;
	key = signal_key(t);
	return bpf_map_lookup_elem(&groups, &key);
}

static bool current_sandboxed(void)
{
	return sandboxed(bpf_get_current_task_btf());
}

static int deny(__u32 rule, const char *hook, int len)
{
	struct cap_sandbox_event ev = {}, *slot, *head;
	__u64 *count, id = bpf_get_current_pid_tgid();
	__u32 key = CAP_SANDBOX_RECENT, n;

	ev.time_ns = bpf_ktime_get_ns();
	ev.pid = (__u32)id;
	ev.tgid = id >> 32;
	ev.rule = rule;
	ev.err = -EPERM;
	bpf_probe_read_kernel_str(ev.hook, sizeof(ev.hook), hook);
	bpf_get_current_comm(ev.comm, sizeof(ev.comm));

	count = bpf_map_lookup_elem(&denials, &rule);
	if (count)
		__sync_fetch_and_add(count, 1);
	/* The extra slot's time_ns counts refusals: it picks the next slot. */
	head = bpf_map_lookup_elem(&recent, &key);
	if (head) {
		n = __sync_fetch_and_add(&head->time_ns, 1) % CAP_SANDBOX_RECENT;
		slot = bpf_map_lookup_elem(&recent, &n);
		if (slot)
			*slot = ev;
	}
	bpf_ringbuf_output(&events, &ev, sizeof(ev), 0);
	return -EPERM;
}

#define DENY(rule, hook) deny(rule, hook, sizeof(hook))

/* ---- entering, and keeping the mark ------------------------------------ */

SEC("lsm/file_ioctl")
int BPF_PROG(sandbox_file_ioctl, struct file *file, unsigned int cmd,
	     unsigned long arg)
{
	struct task_struct *task;
	__u32 one = 1;
	__u64 key;

	if (cmd == CAP_SANDBOX_IOC_ENTER) {
		/*
		 * Mark nobody unless @file is the caller's own table (the
		 * acknowledgment checks that), and leave no half mark: an
		 * ENTER that is not acknowledged as done fails.
		 */
		if (bpf_strata_sandbox_ack(file, 0))
			return 0;
		task = bpf_get_current_task_btf();
		key = signal_key(task);
		if (bpf_map_update_elem(&groups, &key, &one, BPF_ANY))
			return 0;
		if (!bpf_task_storage_get(&marks, task, 0,
					  BPF_LOCAL_STORAGE_GET_F_CREATE)) {
			bpf_map_delete_elem(&groups, &key);
			return 0;
		}
		bpf_strata_sandbox_ack(file, STRATA_SANDBOX_ACTIVE_BIT);
	} else if (cmd == CAP_SANDBOX_IOC_STATUS) {
		bpf_strata_sandbox_ack(file, current_sandboxed() ?
				       STRATA_SANDBOX_ACTIVE_BIT : 0);
	} else if ((cmd == FIOSETOWN || cmd == SIOCSPGRP) &&
		   current_sandboxed()) {
		/* F_SETOWN by another name. */
		return DENY(CAP_SANDBOX_SIGNAL, "file_ioctl");
	}
	return 0;
}

SEC("lsm/task_alloc")
int BPF_PROG(sandbox_task_alloc, struct task_struct *task,
	     unsigned long clone_flags)
{
	if (!current_sandboxed())
		return 0;
	/* A child that cannot be marked is not born. */
	if (!bpf_task_storage_get(&marks, task, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE))
		return -ENOMEM;
	return 0;
}

SEC("lsm/task_free")
void BPF_PROG(sandbox_task_free, struct task_struct *task)
{
	__u64 key;

	/* The leader goes last; after an exec it is no longer the leader. */
	if (task != BPF_CORE_READ(task, group_leader))
		return;
	key = signal_key(task);
	bpf_map_delete_elem(&groups, &key);
}

/* ---- names: files, exec ------------------------------------------------- */

SEC("lsm/file_open")
int BPF_PROG(sandbox_file_open, struct file *file)
{
	if (!current_sandboxed())
		return 0;
	/* Opening the program being executed: the exec rule decides. */
	if (file->f_flags & __FMODE_EXEC)
		return 0;
	return DENY(CAP_SANDBOX_OPEN, "file_open");
}

/*
 * The descriptor N of "/dev/fd/N", the name the kernel gives an
 * execveat(fd, "", AT_EMPTY_PATH) or fexecve(); -1 for any other name.
 */
static int exec_fd(struct linux_binprm *bprm)
{
	char name[24];
	int i, n = 0;

	if (bpf_probe_read_kernel_str(name, sizeof(name), bprm->filename) < 0)
		return -1;
	if (name[0] != '/' || name[1] != 'd' || name[2] != 'e' ||
	    name[3] != 'v' || name[4] != '/' || name[5] != 'f' ||
	    name[6] != 'd' || name[7] != '/' || !name[8])
		return -1;
	/* At most 8 digits: a longer name was cut, or names a path. */
	for (i = 8; i < 17; i++) {
		if (!name[i])
			return n;
		if (name[i] < '0' || name[i] > '9')
			return -1;
		n = n * 10 + name[i] - '0';
	}
	return -1;
}

/*
 * Whether descriptor @fd of the caller is a real open (not O_PATH) of
 * @inode: then the exec is of a file the process held, not one it named.
 */
static bool held_open_of(int fd, struct inode *inode)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt;
	struct file **files;
	struct file *file;

	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return false;
	files = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &files[fd]) || !file)
		return false;
	if (BPF_CORE_READ(file, f_mode) & FMODE_PATH)
		return false;
	return BPF_CORE_READ(file, f_inode) == inode;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(sandbox_bprm_check, struct linux_binprm *bprm)
{
	struct inode *inode;

	int fd;

	if (!current_sandboxed())
		return 0;
	/* An interpreter (#!, binfmt_misc) is found by name: refused. */
	if (bprm->interp != bprm->filename || bprm->executable)
		return DENY(CAP_SANDBOX_EXEC, "bprm_check_security");
	fd = exec_fd(bprm);
	inode = bprm->file->f_inode;
	if (fd < 0 || !held_open_of(fd, inode))
		return DENY(CAP_SANDBOX_EXEC, "bprm_check_security");
	/* memfd, O_TMPFILE: code that was never a file of the system. */
	if (!inode->i_nlink)
		return DENY(CAP_SANDBOX_EXEC, "bprm_check_security");
	if (inode->i_mode & (S_ISUID | S_ISGID))
		return DENY(CAP_SANDBOX_EXEC, "bprm_check_security");
	return 0;
}

/* ---- the network ------------------------------------------------------- */

SEC("lsm/socket_create")
int BPF_PROG(sandbox_socket_create, int family, int type, int protocol,
	     int kern)
{
	if (kern || family == AF_UNIX || !current_sandboxed())
		return 0;
	return DENY(CAP_SANDBOX_SOCKET, "socket_create");
}

SEC("lsm/socket_bind")
int BPF_PROG(sandbox_socket_bind, struct socket *sock,
	     struct sockaddr *address, int addrlen)
{
	if (!current_sandboxed())
		return 0;
	return DENY(CAP_SANDBOX_ADDRESS, "socket_bind");
}

SEC("lsm/socket_connect")
int BPF_PROG(sandbox_socket_connect, struct socket *sock,
	     struct sockaddr *address, int addrlen)
{
	if (!current_sandboxed())
		return 0;
	return DENY(CAP_SANDBOX_ADDRESS, "socket_connect");
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(sandbox_socket_sendmsg, struct socket *sock, struct msghdr *msg,
	     int size)
{
	if (!msg->msg_name || !msg->msg_namelen || !current_sandboxed())
		return 0;
	return DENY(CAP_SANDBOX_ADDRESS, "socket_sendmsg");
}

/* ---- other processes --------------------------------------------------- */

static bool other_process(struct task_struct *p)
{
	return p->tgid != bpf_get_current_task_btf()->tgid;
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(sandbox_ptrace_access_check, struct task_struct *child,
	     unsigned int mode)
{
	if (!other_process(child) || !current_sandboxed())
		return 0;
	return DENY(CAP_SANDBOX_PTRACE, "ptrace_access_check");
}

SEC("lsm/ptrace_traceme")
int BPF_PROG(sandbox_ptrace_traceme, struct task_struct *parent)
{
	if (!current_sandboxed())
		return 0;
	return DENY(CAP_SANDBOX_PTRACE, "ptrace_traceme");
}

SEC("lsm/task_kill")
int BPF_PROG(sandbox_task_kill, struct task_struct *p,
	     struct kernel_siginfo *info, int sig, const struct cred *cred)
{
	if (!current_sandboxed() || sandboxed(p))
		return 0;
	return DENY(CAP_SANDBOX_SIGNAL, "task_kill");
}

#define TASK_HOOK(hook, ...)						\
SEC("lsm/" #hook)							\
int BPF_PROG(sandbox_##hook, struct task_struct *p, ##__VA_ARGS__)	\
{									\
	if (!other_process(p) || !current_sandboxed())			\
		return 0;						\
	return DENY(CAP_SANDBOX_TASK, #hook);				\
}

TASK_HOOK(task_setpgid, pid_t pgid)
TASK_HOOK(task_setnice, int nice)
TASK_HOOK(task_setioprio, int ioprio)
TASK_HOOK(task_setscheduler)
TASK_HOOK(task_movememory)

SEC("lsm/task_prlimit")
int BPF_PROG(sandbox_task_prlimit, const struct cred *cred,
	     const struct cred *tcred, unsigned int flags)
{
	if (cred == tcred || !current_sandboxed())
		return 0;
	return DENY(CAP_SANDBOX_TASK, "task_prlimit");
}

/* ---- the system: plain refusals ---------------------------------------- */

#define REFUSE(rule, hook, ...)						\
SEC("lsm/" #hook)							\
int BPF_PROG(sandbox_##hook, ##__VA_ARGS__)				\
{									\
	if (!current_sandboxed())					\
		return 0;						\
	return DENY(rule, #hook);					\
}

REFUSE(CAP_SANDBOX_MOUNT, sb_mount, const char *dev_name,
	const struct path *path, const char *type, unsigned long flags,
	void *data)
REFUSE(CAP_SANDBOX_MOUNT, sb_umount, struct vfsmount *mnt, int flags)
REFUSE(CAP_SANDBOX_MOUNT, sb_remount, struct super_block *sb, void *opts)
REFUSE(CAP_SANDBOX_MOUNT, move_mount, const struct path *from,
	const struct path *to)
REFUSE(CAP_SANDBOX_MOUNT, sb_pivotroot, const struct path *old_path,
	const struct path *new_path)
REFUSE(CAP_SANDBOX_MODULE, kernel_module_request, char *kmod_name)
REFUSE(CAP_SANDBOX_MODULE, kernel_load_data, enum kernel_load_data_id id,
	bool contents)
REFUSE(CAP_SANDBOX_MODULE, kernel_read_file, struct file *file,
	enum kernel_read_file_id id, bool contents)
REFUSE(CAP_SANDBOX_BPF, bpf, int cmd, union bpf_attr *attr,
	unsigned int size)
REFUSE(CAP_SANDBOX_CREDS, task_fix_setuid, struct cred *new,
	const struct cred *old, int flags)
REFUSE(CAP_SANDBOX_CREDS, task_fix_setgid, struct cred *new,
	const struct cred *old, int flags)
REFUSE(CAP_SANDBOX_CREDS, task_fix_setgroups, struct cred *new,
	const struct cred *old)
REFUSE(CAP_SANDBOX_CREDS, capset, struct cred *new, const struct cred *old,
	const kernel_cap_t *effective, const kernel_cap_t *inheritable,
	const kernel_cap_t *permitted)
SEC("lsm/capable")
int BPF_PROG(sandbox_capable, const struct cred *cred,
	     struct user_namespace *ns, int cap, unsigned int opts)
{
	if (!current_sandboxed())
		return 0;
	/* Quiet checks only probe ("may I?"): refused, not reported. */
	if (opts & CAP_OPT_NOAUDIT)
		return -EPERM;
	return DENY(CAP_SANDBOX_CAPABLE, "capable");
}

SEC("lsm/file_fcntl")
int BPF_PROG(sandbox_file_fcntl, struct file *file, unsigned int cmd,
	     unsigned long arg)
{
	/* SIGIO and friends go to whoever F_SETOWN names. */
	if ((cmd != F_SETOWN && cmd != F_SETOWN_EX && cmd != F_SETSIG) ||
	    !current_sandboxed())
		return 0;
	return DENY(CAP_SANDBOX_SIGNAL, "file_fcntl");
}
REFUSE(CAP_SANDBOX_USERNS, userns_create, const struct cred *cred)
REFUSE(CAP_SANDBOX_IO_URING, uring_override_creds, const struct cred *new)
REFUSE(CAP_SANDBOX_IO_URING, uring_sqpoll)
REFUSE(CAP_SANDBOX_PERF, perf_event_open, struct perf_event_attr *attr,
	int type)

SEC("lsm/inode_init_security_anon")
int BPF_PROG(sandbox_inode_init_security_anon, struct inode *inode,
	     const struct qstr *name, const struct inode *context_inode)
{
	char buf[12];

	if (!current_sandboxed())
		return 0;
	if (bpf_probe_read_kernel_str(buf, sizeof(buf), name->name) < 0)
		return 0;
	if (__builtin_memcmp(buf, "[io_uring]", 11))
		return 0;
	return DENY(CAP_SANDBOX_IO_URING, "inode_init_security_anon");
}

/* ---- the file system by name ------------------------------------------- */

REFUSE(CAP_SANDBOX_PATH, path_unlink, const struct path *dir,
	struct dentry *dentry)
REFUSE(CAP_SANDBOX_PATH, path_mkdir, const struct path *dir,
	struct dentry *dentry, umode_t mode)
REFUSE(CAP_SANDBOX_PATH, path_rmdir, const struct path *dir,
	struct dentry *dentry)
REFUSE(CAP_SANDBOX_PATH, path_mknod, const struct path *dir,
	struct dentry *dentry, umode_t mode, unsigned int dev)
REFUSE(CAP_SANDBOX_PATH, path_symlink, const struct path *dir,
	struct dentry *dentry, const char *old_name)
REFUSE(CAP_SANDBOX_PATH, path_link, struct dentry *old_dentry,
	const struct path *new_dir, struct dentry *new_dentry)
REFUSE(CAP_SANDBOX_PATH, path_rename, const struct path *old_dir,
	struct dentry *old_dentry, const struct path *new_dir,
	struct dentry *new_dentry, unsigned int flags)
REFUSE(CAP_SANDBOX_PATH, path_chmod, const struct path *path, umode_t mode)
/* kuid_t and kgid_t are structs, which BPF_PROG cannot take: pointers. */
REFUSE(CAP_SANDBOX_PATH, path_chown, const struct path *path, void *uid,
	void *gid)
REFUSE(CAP_SANDBOX_PATH, path_chroot, const struct path *path)
REFUSE(CAP_SANDBOX_XATTR, inode_setxattr, struct mnt_idmap *idmap,
	struct dentry *dentry, const char *name, const void *value,
	size_t size, int flags)
REFUSE(CAP_SANDBOX_XATTR, inode_removexattr, struct mnt_idmap *idmap,
	struct dentry *dentry, const char *name)
REFUSE(CAP_SANDBOX_XATTR, inode_set_acl, struct mnt_idmap *idmap,
	struct dentry *dentry, const char *acl_name, struct posix_acl *kacl)
REFUSE(CAP_SANDBOX_XATTR, inode_remove_acl, struct mnt_idmap *idmap,
	struct dentry *dentry, const char *acl_name)
REFUSE(CAP_SANDBOX_PATH, path_notify, const struct path *path, __u64 mask,
	unsigned int obj_type)
REFUSE(CAP_SANDBOX_IPC, ipc_permission, struct kern_ipc_perm *ipcp,
	short flag)
REFUSE(CAP_SANDBOX_IPC, msg_queue_associate, struct kern_ipc_perm *perm,
	int msqflg)
REFUSE(CAP_SANDBOX_IPC, shm_associate, struct kern_ipc_perm *perm,
	int shmflg)
REFUSE(CAP_SANDBOX_IPC, sem_associate, struct kern_ipc_perm *perm,
	int semflg)
REFUSE(CAP_SANDBOX_IPC, shm_shmctl, struct kern_ipc_perm *perm, int cmd)
REFUSE(CAP_SANDBOX_IPC, msg_queue_msgctl, struct kern_ipc_perm *perm,
	int cmd)
REFUSE(CAP_SANDBOX_IPC, sem_semctl, struct kern_ipc_perm *perm, int cmd)
REFUSE(CAP_SANDBOX_IPC, shm_alloc_security, struct kern_ipc_perm *perm)
REFUSE(CAP_SANDBOX_IPC, msg_queue_alloc_security, struct kern_ipc_perm *perm)
REFUSE(CAP_SANDBOX_IPC, sem_alloc_security, struct kern_ipc_perm *perm)
/*
 * Names made or removed below the VFS path hooks: open(O_CREAT) creates
 * before file_open refuses the open, mq_open() and mq_unlink() never
 * pass a path hook.
 */
REFUSE(CAP_SANDBOX_PATH, inode_create, struct inode *dir,
	struct dentry *dentry, umode_t mode)
REFUSE(CAP_SANDBOX_PATH, inode_unlink, struct inode *dir,
	struct dentry *dentry)
REFUSE(CAP_SANDBOX_KEYS, key_permission, void *key_ref,
	const struct cred *cred, unsigned int need_perm)

SEC("lsm/path_truncate")
int BPF_PROG(sandbox_path_truncate, const struct path *path)
{
	/* A VMO resize truncates its unlinked shmem file: not a name. */
	if (!path->dentry->d_inode->i_nlink || !current_sandboxed())
		return 0;
	return DENY(CAP_SANDBOX_PATH, "path_truncate");
}

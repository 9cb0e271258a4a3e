/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * strata_cap - user-space API: capability handles
 *
 * Opening STRATA_CAP_DEV gives a handle table bound to the calling thread
 * group.  Handles are 32-bit values naming kernel objects in that table,
 * each with a rights mask that can only shrink.  Every operation is an
 * ioctl on the table fd; any process other than the one that opened the
 * table gets -EACCES from it.
 *
 * Every structure passed to an ioctl has a fixed size encoded in the ioctl
 * number; fields named "reserved", output fields and unused option bits
 * must be zero on input, or the call fails with -EINVAL and changes
 * nothing.
 *
 * Documentation/cap.rst is the reference for every call and its errors.
 */
#ifndef _UAPI_STRATA_CAP_H
#define _UAPI_STRATA_CAP_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include "handle.h"

#define STRATA_CAP_DEV		"/dev/strata/cap"

/* ioctl magic shared by all strata modules; cap uses 0x00-0x3f. */
#define STRATA_IOC_MAGIC	0xBA

/**
 * struct strata_cap_table_info - STRATA_CAP_IOC_TABLE_INFO
 * @koid: the table's own koid
 * @nr_handles: handles the table holds now
 * @max_handles: the most it may hold (module parameter max_handles,
 *	read when the table was opened)
 * @reserved: zero
 */
struct strata_cap_table_info {
	__u64 koid;
	__u32 nr_handles;
	__u32 max_handles;
	__u64 reserved[2];
};

/**
 * struct strata_cap_create - STRATA_CAP_IOC_EVENT_CREATE
 * @options: must be 0
 * @handle: out: the new handle, with STRATA_DEFAULT_EVENT_RIGHTS
 * @reserved: must be 0
 */
struct strata_cap_create {
	__u32 options;
	__u32 handle;
	__u64 reserved;
};

/**
 * struct strata_cap_duplicate - STRATA_CAP_IOC_HANDLE_DUPLICATE
 * @handle: source handle; needs STRATA_RIGHT_DUPLICATE
 * @rights: a subset of the source's rights, or STRATA_RIGHT_SAME_RIGHTS
 * @out: out: the new handle
 * @reserved: must be 0
 */
struct strata_cap_duplicate {
	__u32 handle;
	__u32 rights;
	__u32 out;
	__u32 reserved;
};

/**
 * struct strata_cap_handle_info - STRATA_CAP_IOC_HANDLE_INFO
 * @handle: in: the handle to describe; needs no right
 * @type: out: STRATA_OBJ_*
 * @rights: out: the handle's rights
 * @reserved: in: must be 0
 * @koid: out: the object's koid, unique for the life of the system
 * @related_koid: out: the peer's koid for paired objects, else 0
 */
struct strata_cap_handle_info {
	__u32 handle;
	__u32 type;
	__u32 rights;
	__u32 reserved;
	__u64 koid;
	__u64 related_koid;
};

/**
 * struct strata_cap_create_pair - STRATA_CAP_IOC_{CHANNEL,EVENTPAIR}_CREATE
 * @options: must be 0
 * @handles: out: the two peers' handles, with the type's default rights;
 *	each endpoint's related_koid is the other's koid
 * @reserved: must be 0
 *
 * The two peers are two objects for user_max_objects.
 */
struct strata_cap_create_pair {
	__u32 options;
	__u32 handles[2];
	__u32 reserved;
};

/**
 * struct strata_cap_replace - STRATA_CAP_IOC_HANDLE_REPLACE
 * @handle: source handle, consumed whatever the outcome (as in Zircon),
 *	except for a malformed call (-EINVAL for a field that must be zero
 *	or an unknown right bit), which changes nothing
 * @rights: a subset of the source's rights, or STRATA_RIGHT_SAME_RIGHTS;
 *	needs no DUPLICATE right
 * @out: out: the new handle
 * @reserved: must be 0
 */
struct strata_cap_replace {
	__u32 handle;
	__u32 rights;
	__u32 out;
	__u32 reserved;
};

/* Most handles one STRATA_CAP_IOC_HANDLE_CLOSE_MANY may name. */
#define STRATA_CAP_CLOSE_MANY_MAX	4096

/**
 * struct strata_cap_close_many - STRATA_CAP_IOC_HANDLE_CLOSE_MANY
 * @handles: user pointer to @count __u32 handle values;
 *	STRATA_HANDLE_INVALID entries are skipped
 * @results: 0, or a user pointer to @count __s32: 0 or -EBADF per entry
 * @count: entries, at most STRATA_CAP_CLOSE_MANY_MAX
 * @nr_bad: out: entries that named no handle
 *
 * Every valid handle is closed even when others are bad; the call then
 * fails with -EBADF after writing @nr_bad and @results.
 */
struct strata_cap_close_many {
	__u64 handles;
	__u64 results;
	__u32 count;
	__u32 nr_bad;
};

/**
 * struct strata_cap_signal - STRATA_CAP_IOC_OBJECT_SIGNAL
 * @handle: the object; needs SIGNAL, or SIGNAL_PEER with
 *	STRATA_CAP_SIGNAL_PEER
 * @options: 0 or STRATA_CAP_SIGNAL_PEER: change the peer's signals
 * @clear_mask: signals to clear, then
 * @set_mask: signals to set; both only user signals, plus
 *	STRATA_SIGNAL_SIGNALED on events and eventpairs
 * @reserved: must be 0
 */
struct strata_cap_signal {
	__u32 handle;
	__u32 options;
	__u32 clear_mask;
	__u32 set_mask;
	__u64 reserved;
};

#define STRATA_CAP_SIGNAL_PEER		(1U << 0)

/*
 * Deadlines are absolute CLOCK_MONOTONIC times in nanoseconds; a negative
 * one is -EINVAL.
 */
#define STRATA_TIME_INFINITE		((__s64)0x7fffffffffffffffLL)

/* Most items one STRATA_CAP_IOC_WAIT_MANY may wait on. */
#define STRATA_CAP_WAIT_MANY_MAX	64

/**
 * struct strata_cap_wait_item - one handle of a STRATA_CAP_IOC_WAIT_MANY
 * @handle: the object; needs WAIT
 * @signals: wake when any of these is set
 * @pending: out: the object's signals when the wait ended
 * @reserved: must be 0
 */
struct strata_cap_wait_item {
	__u32 handle;
	__u32 signals;
	__u32 pending;
	__u32 reserved;
};

/**
 * struct strata_cap_wait_many - STRATA_CAP_IOC_WAIT_MANY
 * @items: user pointer to @count struct strata_cap_wait_item
 * @count: 1 to STRATA_CAP_WAIT_MANY_MAX
 * @options: must be 0
 * @deadline: when to give up with -ETIMEDOUT; 0 only polls,
 *	STRATA_TIME_INFINITE never gives up
 *
 * Returns 0 once any item's signals intersect what it waits for.  Once
 * the wait has started, every item's @pending is written back, whatever
 * the outcome (but -EFAULT); a call refused before that (-EINVAL, -EBADF,
 * -EACCES, -EKEYREVOKED on a handle) leaves them alone.  @pending is an
 * output field: reset it to 0 before reusing an array.  A handle closed
 * by another thread during the wait ends it with -ECANCELED, a revoked
 * one with -EKEYREVOKED.
 */
struct strata_cap_wait_many {
	__u64 items;
	__u32 count;
	__u32 options;
	__s64 deadline;
};

/**
 * struct strata_cap_wait_async - STRATA_CAP_IOC_WAIT_ASYNC
 * @handle: the object; needs WAIT
 * @signals: queue a packet when any of these is set (at once if already)
 * @key: copied into the packet, for the caller to tell waits apart
 * @options: must be 0
 * @reserved: must be 0
 *
 * One-shot: the packet is queued on the table itself, which then polls
 * readable; STRATA_CAP_IOC_PORT_WAIT takes it.  If the handle is closed,
 * moved out of the table or revoked first, the packet comes with status
 * -ECANCELED or -EKEYREVOKED instead.
 */
struct strata_cap_wait_async {
	__u32 handle;
	__u32 signals;
	__u64 key;
	__u32 options;
	__u32 reserved;
};

/**
 * struct strata_cap_wait_cancel - STRATA_CAP_IOC_WAIT_ASYNC_CANCEL
 * @handle: the handle the waits were made on
 * @reserved: must be 0
 * @key: cancel the waits made through @handle with this key, whether
 *	still pending or with their packet already queued (the packet is
 *	dropped); -ENOENT when there is none
 */
struct strata_cap_wait_cancel {
	__u32 handle;
	__u32 reserved;
	__u64 key;
};

#define STRATA_CAP_PKT_SIGNAL		1U	/* from STRATA_CAP_IOC_WAIT_ASYNC */
#define STRATA_CAP_PKT_USER		2U	/* from STRATA_CAP_IOC_PORT_QUEUE */

/**
 * struct strata_cap_packet - a completion queued on the table
 * @key: the wait's or the user packet's key
 * @type: STRATA_CAP_PKT_*
 * @status: 0, or -ECANCELED / -EKEYREVOKED for a wait that ended early
 * @trigger: SIGNAL: the signals waited for
 * @observed: SIGNAL: the object's signals when the packet was queued
 * @user: USER: the caller's payload; SIGNAL: zero
 *
 * STRATA_CAP_IOC_PORT_QUEUE takes one with @type STRATA_CAP_PKT_USER and
 * @status, @trigger and @observed zero (else -EINVAL); at most
 * STRATA_CAP_PORT_MAX_USER user packets wait in a table (else -ENOSPC).
 */
struct strata_cap_packet {
	__u64 key;
	__u32 type;
	__s32 status;
	__u32 trigger;
	__u32 observed;
	__u64 user[2];
};

/* Most packets one STRATA_CAP_IOC_PORT_WAIT takes; most user packets queued. */
#define STRATA_CAP_PORT_WAIT_MAX	64
#define STRATA_CAP_PORT_MAX_USER	1024

/**
 * struct strata_cap_port_wait - STRATA_CAP_IOC_PORT_WAIT
 * @packets: user pointer to room for @count packets
 * @count: 1 to STRATA_CAP_PORT_WAIT_MAX
 * @nr_packets: out: packets taken, oldest first
 * @deadline: as for STRATA_CAP_IOC_WAIT_MANY; -ETIMEDOUT when none came
 */
struct strata_cap_port_wait {
	__u64 packets;
	__u32 count;
	__u32 nr_packets;
	__s64 deadline;
};

/* Most bytes and handles in one channel message, as in Zircon. */
#define STRATA_CHANNEL_MAX_MSG_BYTES	65536
#define STRATA_CHANNEL_MAX_MSG_HANDLES	64

/**
 * struct strata_cap_channel_write - STRATA_CAP_IOC_CHANNEL_WRITE
 * @handle: the endpoint; needs WRITE
 * @options: must be 0
 * @bytes: user pointer to @num_bytes bytes
 * @handles: user pointer to @num_handles handle values to move
 * @num_bytes: at most STRATA_CHANNEL_MAX_MSG_BYTES
 * @num_handles: at most STRATA_CHANNEL_MAX_MSG_HANDLES
 *
 * @handle must name a channel endpoint (else -EINVAL).
 * All or nothing: on success every handle has left the caller's table
 * and travels with the message; on any error none has and the caller
 * still holds them all (Zircon closes them; see Documentation/cap.rst).
 * Errors: -EBADF (a handle is invalid), -EACCES (no WRITE, or a handle
 * lacks TRANSFER), -EINVAL (a handle is named twice), -EOPNOTSUPP (a
 * handle is this channel's endpoint or its peer), -ELOOP (a handle is a
 * channel endpoint with endpoints queued on it: sending it could make a
 * cycle of queues nothing can read), -EPIPE (peer closed), -ENOSPC (the
 * peer's queue holds channel_max_msgs messages: wait for
 * STRATA_SIGNAL_WRITABLE), -EDQUOT (the user's user_max_queued_bytes).
 */
struct strata_cap_channel_write {
	__u32 handle;
	__u32 options;
	__u64 bytes;
	__u64 handles;
	__u32 num_bytes;
	__u32 num_handles;
};

#define STRATA_CAP_CHANNEL_READ_WAIT	(1U << 0)

/**
 * struct strata_cap_channel_read - STRATA_CAP_IOC_CHANNEL_READ
 * @handle: the endpoint; needs READ
 * @options: 0, or STRATA_CAP_CHANNEL_READ_WAIT: on an empty queue, wait
 *	for a message instead of failing with -EAGAIN (until the peer goes:
 *	-EPIPE; the handle is closed or moved: -ECANCELED; revoked:
 *	-EKEYREVOKED; or a signal, after which the call restarts)
 * @bytes: user pointer to room for @num_bytes bytes
 * @handles: user pointer to room for @num_handles handle values
 * @num_bytes: capacity of @bytes
 * @num_handles: capacity of @handles
 * @actual_bytes: out: the message's size
 * @actual_handles: out: handles in the message
 *
 * Takes the oldest message, all or nothing.  -EMSGSIZE when it does not
 * fit (the message stays queued, @actual_* say what is needed), -EAGAIN
 * when the queue is empty (or holds only replies that pending calls on
 * this endpoint wait for), -EPIPE when it is empty and the peer closed.
 * -EMFILE or -EDQUOT when the handles do not fit the table: the message
 * stays queued, as it does on -EFAULT.
 * A handle revoked while in flight arrives as STRATA_HANDLE_INVALID.
 */
struct strata_cap_channel_read {
	__u32 handle;
	__u32 options;
	__u64 bytes;
	__u64 handles;
	__u32 num_bytes;
	__u32 num_handles;
	__u32 actual_bytes;
	__u32 actual_handles;
};

/**
 * struct strata_cap_channel_call - STRATA_CAP_IOC_CHANNEL_CALL
 * @wr: the request, as for CHANNEL_WRITE; at least 4 bytes, the first four
 *	of which the kernel overwrites with a fresh transaction id
 * @rd: where the reply goes, as for CHANNEL_READ (@rd.handle and
 *	@rd.options must be 0: the call's endpoint is @wr.handle)
 * @deadline: as for STRATA_CAP_IOC_WAIT_MANY
 *
 * Writes the request, then waits for the message on the same endpoint
 * whose first four bytes are the transaction id, and reads it.  Errors
 * after the request went out: those of CHANNEL_READ, -ETIMEDOUT,
 * -ECANCELED or -EKEYREVOKED when another thread closes, moves or
 * revokes the endpoint, and -EINTR on a signal (never restarted, as the
 * request must not be sent twice).  Other
 * messages stay queued for ordinary reads.  Needs READ and WRITE.
 * Transaction ids have bit 31 set, and the caller's buffer is not
 * changed: the server copies the id from the request into its reply.
 * While a call waits, ordinary reads on its endpoint skip its reply.
 */
struct strata_cap_channel_call {
	struct strata_cap_channel_write wr;
	struct strata_cap_channel_read rd;
	__s64 deadline;
};

/**
 * struct strata_cap_export - STRATA_CAP_IOC_HANDLE_EXPORT
 * @handle: the handle; needs TRANSFER; consumed on success
 * @rights: the exported handle's rights: a subset, or SAME_RIGHTS
 * @flags: 0 or O_CLOEXEC
 * @fd: out: the new file descriptor
 */
struct strata_cap_export {
	__u32 handle;
	__u32 rights;
	__u32 flags;
	__s32 fd;
};

/**
 * struct strata_cap_import - STRATA_CAP_IOC_HANDLE_IMPORT
 * @fd: a file made by STRATA_CAP_IOC_HANDLE_EXPORT; the handle moves out
 *	of it, so a second import of the same file fails with -ENOENT
 * @options: must be 0
 * @handle: out: the new handle
 * @reserved: must be 0
 */
struct strata_cap_import {
	__s32 fd;
	__u32 options;
	__u32 handle;
	__u32 reserved;
};

/**
 * struct strata_cap_revoke - STRATA_CAP_IOC_HANDLE_REVOKE
 * @handle: needs REVOKE; it stays valid
 * @options: must be 0
 * @nr_revoked: out: handles revoked
 * @reserved: must be 0
 *
 * Revokes every handle derived from @handle by duplicate or replace, and
 * from those in turn, wherever it went since (transfer, export and
 * import move a handle, they do not derive a new one): in any table, in
 * a message in flight, in an exported file.  @nr_revoked counts the
 * handles newly revoked; ones revoked before are not counted again.  A revoked handle still occupies its slot
 * until closed; everything but close and info fails with -EKEYREVOKED.
 */
struct strata_cap_revoke {
	__u32 handle;
	__u32 options;
	__u32 nr_revoked;
	__u32 reserved;
};

/* VMO sizes are whole pages, at most this many bytes. */
#define STRATA_VMO_MAX_SIZE		(1ULL << 40)
#define STRATA_VMO_RESIZABLE		(1U << 0)

/**
 * struct strata_cap_vmo_create - STRATA_CAP_IOC_VMO_CREATE
 * @size: bytes, rounded up to whole pages; at most STRATA_VMO_MAX_SIZE;
 *	the memory is allocated, zero-filled and charged to the memory
 *	cgroup of whoever touches it first
 * @options: 0 or STRATA_VMO_RESIZABLE
 * @handle: out: the new handle, with STRATA_DEFAULT_VMO_RIGHTS (plus
 *	STRATA_RIGHT_RESIZE if resizable)
 * @reserved: must be 0
 */
struct strata_cap_vmo_create {
	__u64 size;
	__u32 options;
	__u32 handle;
	__u64 reserved;
};

/**
 * struct strata_cap_vmo_rw - STRATA_CAP_IOC_VMO_READ / STRATA_CAP_IOC_VMO_WRITE
 * @handle: the VMO; needs READ (for VMO_READ) or WRITE (for VMO_WRITE)
 * @options: must be 0
 * @buffer: user pointer to @length bytes
 * @offset: where in the VMO
 * @length: bytes; -ERANGE when @offset + @length passes the VMO's size
 *
 * Both calls fail with -EINVAL on a handle that is not a VMO.  A write,
 * or a resize, that would pass the caller's RLIMIT_FSIZE fails with
 * -EFBIG and changes nothing (and sends no SIGXFSZ).
 */
struct strata_cap_vmo_rw {
	__u32 handle;
	__u32 options;
	__u64 buffer;
	__u64 offset;
	__u64 length;
};

/**
 * struct strata_cap_vmo_size - STRATA_CAP_IOC_VMO_{GET,SET}_SIZE
 * @handle: the VMO; GET needs GET_PROPERTY, SET needs WRITE and RESIZE
 * @options: must be 0
 * @size: GET: out (must be 0 on input); SET: the new size, rounded up to
 *	whole pages; shrinking discards the tail (mappings of it then fault
 *	with SIGBUS), growing adds zeroes
 */
struct strata_cap_vmo_size {
	__u32 handle;
	__u32 options;
	__u64 size;
};

/**
 * struct strata_cap_vmo_map - STRATA_CAP_IOC_VMO_MAP
 * @handle: the VMO; needs MAP, plus READ for PROT_READ and WRITE for
 *	PROT_WRITE (PROT_EXEC: see below)
 * @prot: PROT_READ, PROT_WRITE and PROT_EXEC bits, or PROT_NONE; any
 *	other bit is -EINVAL
 * @offset: page-aligned offset in the VMO
 * @length: bytes to map; @offset + @length within the VMO's size
 * @addr: out: where it was mapped (shared, at an address the kernel picks)
 *
 * A mapping never gains a protection it was not made with: mprotect()
 * may drop PROT_READ or PROT_WRITE and restore it, never add one the
 * mapping was made without (so a PROT_NONE mapping stays inaccessible).  Exporting the handle and calling mmap() on the fd works
 * the same, with the rights of the exported handle (MAP_SHARED only,
 * else -EINVAL; -EBADF once the fd's handle was imported).  PROT_EXEC
 * needs EXECUTE, which VMOs are not created with: -EACCES.  A mapping
 * outlives the handle (and its revocation), as a mapping outlives
 * close(2).
 */
struct strata_cap_vmo_map {
	__u32 handle;
	__u32 prot;
	__u64 offset;
	__u64 length;
	__u64 addr;
};

/*
 * Capability mode.
 *
 * STRATA_CAP_IOC_SANDBOX_ENTER (no argument) puts the calling process,
 * every thread of it and every process it starts from then on into
 * capability mode for good: they act only through the handles and file
 * descriptors they hold.  The rules are enforced by the sandbox programs
 * (bpf/cap_sandbox.bpf.c; Documentation/sandbox.rst lists every rule),
 * which see the call first and mark the process; when they are not
 * loaded nothing marks it and ENTER fails with -EOPNOTSUPP: capability
 * mode is never a silent no-op.  Entering again is a no-op.
 *
 * STRATA_CAP_IOC_SANDBOX_STATUS writes STRATA_SANDBOX_ACTIVE, or 0, to
 * its __u32 argument.
 */
#define STRATA_SANDBOX_ACTIVE		(1U << 0)

#define STRATA_CAP_IOC_TABLE_INFO \
	_IOR(STRATA_IOC_MAGIC, 0x00, struct strata_cap_table_info)
#define STRATA_CAP_IOC_EVENT_CREATE \
	_IOWR(STRATA_IOC_MAGIC, 0x01, struct strata_cap_create)
#define STRATA_CAP_IOC_HANDLE_CLOSE \
	_IOW(STRATA_IOC_MAGIC, 0x02, __u32)
#define STRATA_CAP_IOC_HANDLE_DUPLICATE \
	_IOWR(STRATA_IOC_MAGIC, 0x03, struct strata_cap_duplicate)
#define STRATA_CAP_IOC_HANDLE_INFO \
	_IOWR(STRATA_IOC_MAGIC, 0x04, struct strata_cap_handle_info)
#define STRATA_CAP_IOC_HANDLE_REPLACE \
	_IOWR(STRATA_IOC_MAGIC, 0x05, struct strata_cap_replace)
#define STRATA_CAP_IOC_HANDLE_CLOSE_MANY \
	_IOWR(STRATA_IOC_MAGIC, 0x06, struct strata_cap_close_many)
#define STRATA_CAP_IOC_HANDLE_REVOKE \
	_IOWR(STRATA_IOC_MAGIC, 0x07, struct strata_cap_revoke)
#define STRATA_CAP_IOC_HANDLE_EXPORT \
	_IOWR(STRATA_IOC_MAGIC, 0x08, struct strata_cap_export)
#define STRATA_CAP_IOC_HANDLE_IMPORT \
	_IOWR(STRATA_IOC_MAGIC, 0x09, struct strata_cap_import)
#define STRATA_CAP_IOC_EVENTPAIR_CREATE \
	_IOWR(STRATA_IOC_MAGIC, 0x10, struct strata_cap_create_pair)
#define STRATA_CAP_IOC_CHANNEL_CREATE \
	_IOWR(STRATA_IOC_MAGIC, 0x11, struct strata_cap_create_pair)
#define STRATA_CAP_IOC_CHANNEL_WRITE \
	_IOW(STRATA_IOC_MAGIC, 0x12, struct strata_cap_channel_write)
#define STRATA_CAP_IOC_CHANNEL_READ \
	_IOWR(STRATA_IOC_MAGIC, 0x13, struct strata_cap_channel_read)
#define STRATA_CAP_IOC_CHANNEL_CALL \
	_IOWR(STRATA_IOC_MAGIC, 0x14, struct strata_cap_channel_call)
#define STRATA_CAP_IOC_VMO_CREATE \
	_IOWR(STRATA_IOC_MAGIC, 0x18, struct strata_cap_vmo_create)
#define STRATA_CAP_IOC_VMO_READ \
	_IOW(STRATA_IOC_MAGIC, 0x19, struct strata_cap_vmo_rw)
#define STRATA_CAP_IOC_VMO_WRITE \
	_IOW(STRATA_IOC_MAGIC, 0x1a, struct strata_cap_vmo_rw)
#define STRATA_CAP_IOC_VMO_GET_SIZE \
	_IOWR(STRATA_IOC_MAGIC, 0x1b, struct strata_cap_vmo_size)
#define STRATA_CAP_IOC_VMO_SET_SIZE \
	_IOW(STRATA_IOC_MAGIC, 0x1c, struct strata_cap_vmo_size)
#define STRATA_CAP_IOC_VMO_MAP \
	_IOWR(STRATA_IOC_MAGIC, 0x1d, struct strata_cap_vmo_map)
#define STRATA_CAP_IOC_SANDBOX_ENTER \
	_IO(STRATA_IOC_MAGIC, 0x30)
#define STRATA_CAP_IOC_SANDBOX_STATUS \
	_IOR(STRATA_IOC_MAGIC, 0x31, __u32)
#define STRATA_CAP_IOC_OBJECT_SIGNAL \
	_IOW(STRATA_IOC_MAGIC, 0x20, struct strata_cap_signal)
#define STRATA_CAP_IOC_WAIT_MANY \
	_IOWR(STRATA_IOC_MAGIC, 0x21, struct strata_cap_wait_many)
#define STRATA_CAP_IOC_WAIT_ASYNC \
	_IOW(STRATA_IOC_MAGIC, 0x22, struct strata_cap_wait_async)
#define STRATA_CAP_IOC_WAIT_ASYNC_CANCEL \
	_IOW(STRATA_IOC_MAGIC, 0x23, struct strata_cap_wait_cancel)
#define STRATA_CAP_IOC_PORT_WAIT \
	_IOWR(STRATA_IOC_MAGIC, 0x24, struct strata_cap_port_wait)
#define STRATA_CAP_IOC_PORT_QUEUE \
	_IOW(STRATA_IOC_MAGIC, 0x25, struct strata_cap_packet)

#endif /* _UAPI_STRATA_CAP_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - malformed calls to every ioctl
 *
 * The rules of <strata/cap.h>: reserved fields, output fields and unused
 * option bits must be zero on input (-EINVAL), counts have bounds
 * (-EINVAL), user pointers must be mapped (-EFAULT), handle values must
 * name a handle (-EBADF), the size is part of the ioctl number (-ENOTTY),
 * and only the table's own process may use it (-EACCES).  A refused call
 * changes nothing: every test ends by checking that the table, the
 * objects, the queues and the fd table are as they were.
 */
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "common.h"

FIXTURE(bad) {
	int fd;
	__u32 ev, ep0, ep1, c0, c1, stale;
	__u32 nr;
	long handles, objects;
	int free_fd;
	void *unmapped;
};

/* The lowest free fd number: a leaked fd would change it. */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

FIXTURE_SETUP(bad)
{
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, strata_event_create(self->fd, &self->ev));
	ASSERT_EQ(0, strata_eventpair_create(self->fd, &self->ep0,
					     &self->ep1));
	ASSERT_EQ(0, strata_channel_create(self->fd, &self->c0, &self->c1));
	ASSERT_EQ(0, strata_event_create(self->fd, &self->stale));
	ASSERT_EQ(0, strata_handle_close(self->fd, self->stale));
	self->nr = cap_nr_handles(self->fd);
	ASSERT_EQ(5, self->nr);
	self->handles = cap_stat("handles");
	self->objects = cap_stat("objects");
	self->free_fd = lowest_free_fd();
	ASSERT_LE(0, self->free_fd);
	self->unmapped = cap_unmapped_addr();
	ASSERT_NE(NULL, self->unmapped);
}

FIXTURE_TEARDOWN(bad)
{
	close(self->fd);
}

/* Nothing in the table, the objects, their queues or the fd table moved. */
static void expect_unchanged(struct __test_metadata *_metadata,
			     FIXTURE_DATA(bad) *self)
{
	struct strata_cap_packet pkt;
	struct strata_cap_handle_info info;
	const __u32 any = STRATA_SIGNAL_SIGNALED | STRATA_SIGNAL_USER_ALL;

	EXPECT_EQ(self->nr, cap_nr_handles(self->fd));
	EXPECT_EQ(self->handles, cap_stat("handles"));
	EXPECT_EQ(self->objects, cap_stat("objects"));
	EXPECT_EQ(self->free_fd, lowest_free_fd());
	/* Every handle is still there, with its rights. */
	EXPECT_EQ(0, strata_handle_info(self->fd, self->ev, &info));
	EXPECT_EQ(STRATA_DEFAULT_EVENT_RIGHTS, info.rights);
	EXPECT_EQ(0, strata_handle_info(self->fd, self->ep0, &info));
	EXPECT_EQ(0, strata_handle_info(self->fd, self->ep1, &info));
	EXPECT_EQ(0, strata_handle_info(self->fd, self->c0, &info));
	EXPECT_EQ(0, strata_handle_info(self->fd, self->c1, &info));
	EXPECT_EQ(STRATA_DEFAULT_CHANNEL_RIGHTS, info.rights);
	/* No signal was set, no message queued, no packet queued. */
	EXPECT_EQ(-ETIMEDOUT, strata_object_wait_one(self->fd, self->ev, any,
						     0, NULL));
	EXPECT_EQ(-ETIMEDOUT, strata_object_wait_one(self->fd, self->ep0,
						     any, 0, NULL));
	EXPECT_EQ(-ETIMEDOUT, strata_object_wait_one(self->fd, self->ep1,
						     any, 0, NULL));
	EXPECT_EQ(-ETIMEDOUT, strata_object_wait_one(self->fd, self->c0,
				STRATA_SIGNAL_READABLE |
				STRATA_SIGNAL_USER_ALL, 0, NULL));
	EXPECT_EQ(-ETIMEDOUT, strata_object_wait_one(self->fd, self->c1,
				STRATA_SIGNAL_READABLE |
				STRATA_SIGNAL_USER_ALL, 0, NULL));
	EXPECT_EQ(-ETIMEDOUT, strata_port_wait(self->fd, &pkt, 1, 0));
}

/* One ioctl on the fixture's table with an argument built in place. */
#define EXPECT_IOC(err, cmd, type, ...)					\
	do {								\
		type _arg = { __VA_ARGS__ };				\
									\
		EXPECT_EQ(err, sys_ioctl(self->fd, cmd, &_arg));	\
	} while (0)

#define U64(p)		((__u64)(unsigned long)(p))

static const struct {
	const char *name;
	unsigned long cmd;
} ioctls[] = {
#define IOC(x) { #x, STRATA_CAP_IOC_##x }
	IOC(TABLE_INFO),
	IOC(EVENT_CREATE),
	IOC(HANDLE_CLOSE),
	IOC(HANDLE_DUPLICATE),
	IOC(HANDLE_INFO),
	IOC(HANDLE_REPLACE),
	IOC(HANDLE_CLOSE_MANY),
	IOC(HANDLE_REVOKE),
	IOC(HANDLE_EXPORT),
	IOC(HANDLE_IMPORT),
	IOC(EVENTPAIR_CREATE),
	IOC(CHANNEL_CREATE),
	IOC(CHANNEL_WRITE),
	IOC(CHANNEL_READ),
	IOC(CHANNEL_CALL),
	IOC(VMO_CREATE),
	IOC(VMO_READ),
	IOC(VMO_WRITE),
	IOC(VMO_GET_SIZE),
	IOC(VMO_SET_SIZE),
	IOC(VMO_MAP),
	IOC(OBJECT_SIGNAL),
	IOC(WAIT_MANY),
	IOC(WAIT_ASYNC),
	IOC(WAIT_ASYNC_CANCEL),
	IOC(PORT_WAIT),
	IOC(PORT_QUEUE),
#undef IOC
};

#define NR_IOCTLS	ARRAY_SIZE(ioctls)

/* ---- reserved, output and option fields -------------------------------- */

TEST_F(bad, create_calls_reject_nonzero_fields)
{
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_EVENT_CREATE,
		   struct strata_cap_create, .options = 1);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_EVENT_CREATE,
		   struct strata_cap_create, .options = 1U << 31);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_EVENT_CREATE,
		   struct strata_cap_create, .handle = self->ev);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_EVENT_CREATE,
		   struct strata_cap_create, .reserved = 1ULL << 63);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_EVENTPAIR_CREATE,
		   struct strata_cap_create_pair, .options = 1);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_EVENTPAIR_CREATE,
		   struct strata_cap_create_pair, .handles = { 1, 0 });
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_EVENTPAIR_CREATE,
		   struct strata_cap_create_pair, .handles = { 0, 1 });
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_EVENTPAIR_CREATE,
		   struct strata_cap_create_pair, .reserved = 1);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_CHANNEL_CREATE,
		   struct strata_cap_create_pair, .options = 1);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_CHANNEL_CREATE,
		   struct strata_cap_create_pair, .handles = { 1, 0 });
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_CHANNEL_CREATE,
		   struct strata_cap_create_pair, .handles = { 0, 1 });
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_CHANNEL_CREATE,
		   struct strata_cap_create_pair, .reserved = 1);
	expect_unchanged(_metadata, self);
}

TEST_F(bad, duplicate_rejects_nonzero_fields_and_unknown_rights)
{
	const unsigned long cmd = STRATA_CAP_IOC_HANDLE_DUPLICATE;

	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_duplicate,
		   .handle = self->ev, .rights = STRATA_RIGHT_SAME_RIGHTS,
		   .reserved = 1);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_duplicate,
		   .handle = self->ev, .rights = STRATA_RIGHT_SAME_RIGHTS,
		   .out = self->ev);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_duplicate,
		   .handle = self->ev, .rights = 1U << 20);
	/* SAME_RIGHTS is a value of its own, not a bit to mix in. */
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_duplicate,
		   .handle = self->ev,
		   .rights = STRATA_RIGHT_SAME_RIGHTS | STRATA_RIGHT_WAIT);
	expect_unchanged(_metadata, self);
}

TEST_F(bad, info_rejects_nonzero_output_fields)
{
	const unsigned long cmd = STRATA_CAP_IOC_HANDLE_INFO;

	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_handle_info,
		   .handle = self->ev, .type = STRATA_OBJ_EVENT);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_handle_info,
		   .handle = self->ev, .rights = STRATA_RIGHT_WAIT);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_handle_info,
		   .handle = self->ev, .reserved = 1);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_handle_info,
		   .handle = self->ev, .koid = 1);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_handle_info,
		   .handle = self->ep0, .related_koid = 1);
	expect_unchanged(_metadata, self);
}

TEST_F(bad, replace_rejects_nonzero_fields_without_consuming)
{
	const unsigned long cmd = STRATA_CAP_IOC_HANDLE_REPLACE;

	/*
	 * Replace consumes its source whatever the outcome, but a malformed
	 * structure is refused before anything happens.
	 */
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_replace,
		   .handle = self->ev, .rights = STRATA_RIGHT_SAME_RIGHTS,
		   .reserved = 1);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_replace,
		   .handle = self->ev, .rights = STRATA_RIGHT_SAME_RIGHTS,
		   .out = 1);
	expect_unchanged(_metadata, self);
}

TEST_F(bad, close_many_rejects_nonzero_output_and_bad_pointers)
{
	const unsigned long cmd = STRATA_CAP_IOC_HANDLE_CLOSE_MANY;
	__u32 list[1] = { self->ev }, zero[1] = { STRATA_HANDLE_INVALID };
	__s32 results[1];

	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_close_many,
		   .handles = U64(list), .count = 1, .nr_bad = 1);
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_close_many,
		   .handles = 0, .count = 1);
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_close_many,
		   .handles = U64(self->unmapped), .count = 1);
	/* Nothing to close, but a result to write where nothing is mapped. */
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_close_many,
		   .handles = U64(zero), .results = U64(self->unmapped),
		   .count = 1);
	/* The same calls done right. */
	EXPECT_IOC(0, cmd, struct strata_cap_close_many,
		   .handles = U64(zero), .results = U64(results), .count = 1);
	expect_unchanged(_metadata, self);
}

TEST_F(bad, revoke_rejects_nonzero_fields)
{
	const unsigned long cmd = STRATA_CAP_IOC_HANDLE_REVOKE;
	__u32 d;

	ASSERT_EQ(0, strata_handle_duplicate(self->fd, self->ev,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_revoke,
		   .handle = self->ev, .options = 1);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_revoke,
		   .handle = self->ev, .nr_revoked = 1);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_revoke,
		   .handle = self->ev, .reserved = 1);
	/* None of them revoked the duplicate. */
	EXPECT_EQ(0, strata_object_signal(self->fd, d, 0,
					  STRATA_SIGNAL_USER_0));
	EXPECT_EQ(0, strata_handle_close(self->fd, d));
	EXPECT_EQ(0, strata_object_signal(self->fd, self->ev,
					  STRATA_SIGNAL_USER_0, 0));
	expect_unchanged(_metadata, self);
}

TEST_F(bad, export_rejects_unknown_flags_and_a_nonzero_fd)
{
	const unsigned long cmd = STRATA_CAP_IOC_HANDLE_EXPORT;

	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_export,
		   .handle = self->ev, .rights = STRATA_RIGHT_SAME_RIGHTS,
		   .flags = O_NONBLOCK);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_export,
		   .handle = self->ev, .rights = STRATA_RIGHT_SAME_RIGHTS,
		   .flags = O_CLOEXEC | O_RDWR);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_export,
		   .handle = self->ev, .rights = STRATA_RIGHT_SAME_RIGHTS,
		   .flags = 1U << 31);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_export,
		   .handle = self->ev, .rights = STRATA_RIGHT_SAME_RIGHTS,
		   .fd = 3);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_export,
		   .handle = self->ev, .rights = STRATA_RIGHT_SAME_RIGHTS,
		   .fd = -1);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_export,
		   .handle = self->ev, .rights = 1U << 20);
	/* The handle was not consumed and no fd was opened. */
	expect_unchanged(_metadata, self);
}

TEST_F(bad, import_rejects_nonzero_fields_and_keeps_the_file)
{
	const unsigned long cmd = STRATA_CAP_IOC_HANDLE_IMPORT;
	__u32 d, back;
	int efd;

	ASSERT_EQ(0, strata_handle_duplicate(self->fd, self->ev,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	efd = strata_handle_export(self->fd, d, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_import,
		   .fd = efd, .options = 1);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_import,
		   .fd = efd, .handle = 1);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_import,
		   .fd = efd, .reserved = 1);
	EXPECT_EQ(self->nr, cap_nr_handles(self->fd));
	/* The handle is still in the file. */
	ASSERT_EQ(0, strata_handle_import(self->fd, efd, &back));
	EXPECT_EQ(0, strata_handle_close(self->fd, back));
	close(efd);
	expect_unchanged(_metadata, self);
}

TEST_F(bad, signal_rejects_unknown_options_and_kernel_owned_bits)
{
	const unsigned long cmd = STRATA_CAP_IOC_OBJECT_SIGNAL;
	struct strata_cap_signal sig;
	unsigned int bit;

	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_signal,
		   .handle = self->ev, .options = 1U << 1,
		   .set_mask = STRATA_SIGNAL_SIGNALED);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_signal,
		   .handle = self->ep0, .options = 1U << 31,
		   .set_mask = STRATA_SIGNAL_SIGNALED);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_signal,
		   .handle = self->ev, .set_mask = STRATA_SIGNAL_SIGNALED,
		   .reserved = 1);
	/* Bits 0-2 belong to the kernel, 4-23 to nobody. */
	for (bit = 0; bit < 24; bit++) {
		if (bit == 3)
			continue;
		sig = (struct strata_cap_signal){
			.handle = self->ev, .set_mask = 1U << bit };
		EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, cmd, &sig))
			TH_LOG("set bit %u", bit);
		sig = (struct strata_cap_signal){
			.handle = self->ev, .clear_mask = 1U << bit };
		EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, cmd, &sig))
			TH_LOG("clear bit %u", bit);
	}
	/* Channels have no SIGNALED. */
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_signal,
		   .handle = self->c0, .set_mask = STRATA_SIGNAL_SIGNALED);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_signal,
		   .handle = self->c0, .options = STRATA_CAP_SIGNAL_PEER,
		   .set_mask = STRATA_SIGNAL_SIGNALED);
	/* A valid half does not get applied when the other half is bad. */
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_signal,
		   .handle = self->ev,
		   .set_mask = STRATA_SIGNAL_SIGNALED | STRATA_SIGNAL_READABLE);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_signal,
		   .handle = self->c0,
		   .set_mask = STRATA_SIGNAL_USER_0 | STRATA_SIGNAL_WRITABLE);
	expect_unchanged(_metadata, self);
}

TEST_F(bad, wait_many_rejects_nonzero_fields_and_bad_items)
{
	const unsigned long cmd = STRATA_CAP_IOC_WAIT_MANY;
	struct strata_cap_wait_item item = {
		.handle = self->ev, .signals = STRATA_SIGNAL_SIGNALED,
	};
	struct strata_cap_wait_item bad_item;
	char *page;

	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_wait_many,
		   .items = U64(&item), .count = 1, .options = 1);
	bad_item = item;
	bad_item.reserved = 1;
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_wait_many,
		   .items = U64(&bad_item), .count = 1);
	bad_item = item;
	bad_item.pending = STRATA_SIGNAL_SIGNALED;
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_wait_many,
		   .items = U64(&bad_item), .count = 1);
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_wait_many,
		   .items = 0, .count = 1);
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_wait_many,
		   .items = U64(self->unmapped), .count = 1);
	/* An array whose second item runs off the end of the mapping. */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, munmap(page + 4096, 4096));
	memcpy(page + 4096 - sizeof(item), &item, sizeof(item));
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_wait_many,
		   .items = U64(page + 4096 - sizeof(item)), .count = 2);
	munmap(page, 4096);
	/* The same wait done right times out. */
	EXPECT_IOC(-ETIMEDOUT, cmd, struct strata_cap_wait_many,
		   .items = U64(&item), .count = 1);
	expect_unchanged(_metadata, self);
}

TEST_F(bad, wait_async_rejects_nonzero_fields)
{
	const unsigned long cmd = STRATA_CAP_IOC_WAIT_ASYNC;

	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_wait_async,
		   .handle = self->ev, .signals = STRATA_SIGNAL_SIGNALED,
		   .key = 5, .options = 1);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_wait_async,
		   .handle = self->ev, .signals = STRATA_SIGNAL_SIGNALED,
		   .key = 5, .reserved = 1);
	/* No wait was registered. */
	EXPECT_EQ(-ENOENT, strata_wait_async_cancel(self->fd, self->ev, 5));
	expect_unchanged(_metadata, self);
}

TEST_F(bad, wait_async_cancel_rejects_nonzero_reserved)
{
	const unsigned long cmd = STRATA_CAP_IOC_WAIT_ASYNC_CANCEL;

	ASSERT_EQ(0, strata_object_wait_async(self->fd, self->ev,
					      STRATA_SIGNAL_SIGNALED, 6));
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_wait_cancel,
		   .handle = self->ev, .key = 6, .reserved = 1);
	/* The wait is still pending: the real cancel finds it. */
	EXPECT_EQ(0, strata_wait_async_cancel(self->fd, self->ev, 6));
	EXPECT_EQ(-ENOENT, strata_wait_async_cancel(self->fd, self->ev, 6));
	expect_unchanged(_metadata, self);
}

TEST_F(bad, port_wait_rejects_nonzero_output_and_bad_packets)
{
	const unsigned long cmd = STRATA_CAP_IOC_PORT_WAIT;
	const __u64 user[2] = { 1, 2 };
	struct strata_cap_packet pkt[2];

	/* A packet is queued, so that only the malformation can fail. */
	ASSERT_EQ(0, strata_port_queue(self->fd, 77, user));
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_port_wait,
		   .packets = U64(pkt), .count = 2, .nr_packets = 1);
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_port_wait,
		   .packets = 0, .count = 1);
	/* Whether a packet refused by -EFAULT stays queued is not said. */
	ASSERT_EQ(0, strata_port_queue(self->fd, 78, user));
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_port_wait,
		   .packets = U64(self->unmapped), .count = 1);
	while (strata_port_wait(self->fd, pkt, 2, 0) > 0)
		;
	expect_unchanged(_metadata, self);
}

TEST_F(bad, port_queue_rejects_fields_the_kernel_fills)
{
	const unsigned long cmd = STRATA_CAP_IOC_PORT_QUEUE;

	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_packet,
		   .key = 1, .type = STRATA_CAP_PKT_USER, .status = -ECANCELED);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_packet,
		   .key = 1, .type = STRATA_CAP_PKT_USER,
		   .trigger = STRATA_SIGNAL_SIGNALED);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_packet,
		   .key = 1, .type = STRATA_CAP_PKT_USER,
		   .observed = STRATA_SIGNAL_SIGNALED);
	/* A user packet cannot pass itself off as a signal packet. */
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_packet,
		   .key = 1, .type = STRATA_CAP_PKT_SIGNAL);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_packet,
		   .key = 1, .type = 0);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_packet,
		   .key = 1, .type = 0x1000);
	expect_unchanged(_metadata, self);
}

TEST_F(bad, channel_write_rejects_bad_fields_and_pointers)
{
	const unsigned long cmd = STRATA_CAP_IOC_CHANNEL_WRITE;
	__u32 twice[2] = { self->ev, self->ev };
	char bytes[8] = "payload";
	char *page;

	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_channel_write,
		   .handle = self->c0, .options = 1, .bytes = U64(bytes),
		   .num_bytes = 1);
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_channel_write,
		   .handle = self->c0, .bytes = 0, .num_bytes = 1);
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_channel_write,
		   .handle = self->c0, .bytes = U64(self->unmapped),
		   .num_bytes = 1);
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_channel_write,
		   .handle = self->c0, .bytes = U64(bytes), .num_bytes = 1,
		   .handles = 0, .num_handles = 1);
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_channel_write,
		   .handle = self->c0, .bytes = U64(bytes), .num_bytes = 1,
		   .handles = U64(self->unmapped), .num_handles = 1);
	/* Bytes that run off the end of the mapping. */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, munmap(page + 4096, 4096));
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_channel_write,
		   .handle = self->c0, .bytes = U64(page + 4000),
		   .num_bytes = 200);
	munmap(page, 4096);
	/* The same handle twice in one message. */
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_channel_write,
		   .handle = self->c0, .bytes = U64(bytes), .num_bytes = 1,
		   .handles = U64(twice), .num_handles = 2);
	/* The handle the message is written on, or its peer. */
	EXPECT_IOC(-EOPNOTSUPP, cmd, struct strata_cap_channel_write,
		   .handle = self->c0, .handles = U64(&self->c0),
		   .num_handles = 1);
	EXPECT_IOC(-EOPNOTSUPP, cmd, struct strata_cap_channel_write,
		   .handle = self->c0, .handles = U64(&self->c1),
		   .num_handles = 1);
	expect_unchanged(_metadata, self);
}

TEST_F(bad, channel_read_rejects_nonzero_output_and_keeps_the_message)
{
	const unsigned long cmd = STRATA_CAP_IOC_CHANNEL_READ;
	char buf[16];
	__u32 got[1], d, nb = 0, nh = 0;

	ASSERT_EQ(0, strata_handle_duplicate(self->fd, self->ev,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	ASSERT_EQ(0, strata_channel_write(self->fd, self->c0, "abc", 3, &d,
					  1));
	/* Bit 0 is STRATA_CAP_CHANNEL_READ_WAIT; the others are unknown. */
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_channel_read,
		   .handle = self->c1, .options = 2, .bytes = U64(buf),
		   .num_bytes = sizeof(buf), .handles = U64(got),
		   .num_handles = 1);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_channel_read,
		   .handle = self->c1, .bytes = U64(buf),
		   .num_bytes = sizeof(buf), .handles = U64(got),
		   .num_handles = 1, .actual_bytes = 3);
	EXPECT_IOC(-EINVAL, cmd, struct strata_cap_channel_read,
		   .handle = self->c1, .bytes = U64(buf),
		   .num_bytes = sizeof(buf), .handles = U64(got),
		   .num_handles = 1, .actual_handles = 1);
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_channel_read,
		   .handle = self->c1, .bytes = 0,
		   .num_bytes = sizeof(buf), .handles = U64(got),
		   .num_handles = 1);
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_channel_read,
		   .handle = self->c1, .bytes = U64(self->unmapped),
		   .num_bytes = sizeof(buf), .handles = U64(got),
		   .num_handles = 1);
	EXPECT_IOC(-EFAULT, cmd, struct strata_cap_channel_read,
		   .handle = self->c1, .bytes = U64(buf),
		   .num_bytes = sizeof(buf), .handles = U64(self->unmapped),
		   .num_handles = 1);
	/* No handle came out of the message into the table... */
	EXPECT_EQ(self->nr, cap_nr_handles(self->fd));
	/* ... which reads whole: a read is all or nothing. */
	ASSERT_EQ(0, strata_channel_read(self->fd, self->c1, buf, sizeof(buf),
					 got, 1, &nb, &nh));
	EXPECT_EQ(3, nb);
	EXPECT_EQ(1, nh);
	EXPECT_EQ(0, strata_handle_close(self->fd, got[0]));
	expect_unchanged(_metadata, self);
}

TEST_F(bad, channel_call_rejects_bad_fields_and_pointers)
{
	const unsigned long cmd = STRATA_CAP_IOC_CHANNEL_CALL;
	char req[8] = "request", rep[64];
	struct strata_cap_channel_call base = {
		.wr = {
			.handle = self->c0,
			.bytes = U64(req),
			.num_bytes = sizeof(req),
		},
		.rd = {
			.bytes = U64(rep),
			.num_bytes = sizeof(rep),
		},
		.deadline = 0,
	}, c;

	c = base;
	c.wr.options = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, cmd, &c));
	c = base;
	c.rd.handle = self->c0;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, cmd, &c));
	c = base;
	c.rd.options = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, cmd, &c));
	c = base;
	c.rd.actual_bytes = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, cmd, &c));
	c = base;
	c.rd.actual_handles = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, cmd, &c));
	/* A request too short to hold the transaction id. */
	c = base;
	c.wr.num_bytes = 3;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, cmd, &c));
	c = base;
	c.wr.bytes = U64(self->unmapped);
	EXPECT_EQ(-EFAULT, sys_ioctl(self->fd, cmd, &c));
	c = base;
	c.wr.bytes = 0;
	EXPECT_EQ(-EFAULT, sys_ioctl(self->fd, cmd, &c));
	c = base;
	c.wr.handles = U64(self->unmapped);
	c.wr.num_handles = 1;
	EXPECT_EQ(-EFAULT, sys_ioctl(self->fd, cmd, &c));
	expect_unchanged(_metadata, self);
}

TEST_F(bad, vmo_calls_reject_nonzero_fields_and_bad_buffers)
{
	const __u64 page = (__u64)sysconf(_SC_PAGESIZE);
	struct strata_cap_vmo_size sz;
	char buf[64] = "data";
	__u64 size = 0;
	__u32 vmo;

	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_VMO_CREATE,
		   struct strata_cap_vmo_create, .size = page,
		   .options = 1U << 1);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_VMO_CREATE,
		   struct strata_cap_vmo_create, .size = page, .handle = 1);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_VMO_CREATE,
		   struct strata_cap_vmo_create, .size = page, .reserved = 1);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_VMO_CREATE,
		   struct strata_cap_vmo_create,
		   .size = STRATA_VMO_MAX_SIZE + page);
	expect_unchanged(_metadata, self);

	ASSERT_EQ(0, strata_vmo_create(self->fd, page, STRATA_VMO_RESIZABLE,
				       &vmo));
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_VMO_READ, struct strata_cap_vmo_rw,
		   .handle = vmo, .options = 1, .buffer = U64(buf),
		   .length = sizeof(buf));
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_VMO_WRITE, struct strata_cap_vmo_rw,
		   .handle = vmo, .options = 1, .buffer = U64(buf),
		   .length = sizeof(buf));
	EXPECT_IOC(-EFAULT, STRATA_CAP_IOC_VMO_READ, struct strata_cap_vmo_rw,
		   .handle = vmo, .buffer = 0, .length = sizeof(buf));
	EXPECT_IOC(-EFAULT, STRATA_CAP_IOC_VMO_READ, struct strata_cap_vmo_rw,
		   .handle = vmo, .buffer = U64(self->unmapped),
		   .length = sizeof(buf));
	EXPECT_IOC(-EFAULT, STRATA_CAP_IOC_VMO_WRITE, struct strata_cap_vmo_rw,
		   .handle = vmo, .buffer = 0, .length = sizeof(buf));
	EXPECT_IOC(-EFAULT, STRATA_CAP_IOC_VMO_WRITE, struct strata_cap_vmo_rw,
		   .handle = vmo, .buffer = U64(self->unmapped),
		   .length = sizeof(buf));
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_VMO_GET_SIZE,
		   struct strata_cap_vmo_size, .handle = vmo, .options = 1);
	/* GET's size is an output. */
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_VMO_GET_SIZE,
		   struct strata_cap_vmo_size, .handle = vmo, .size = page);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_VMO_SET_SIZE,
		   struct strata_cap_vmo_size, .handle = vmo, .options = 1,
		   .size = 2 * page);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_VMO_MAP, struct strata_cap_vmo_map,
		   .handle = vmo, .prot = 0x100, .length = page);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_VMO_MAP, struct strata_cap_vmo_map,
		   .handle = vmo, .prot = 1, .length = page, .addr = 4096);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_VMO_MAP, struct strata_cap_vmo_map,
		   .handle = vmo, .prot = 1, .offset = 1, .length = page - 1);
	/* The refused resize resized nothing. */
	sz = (struct strata_cap_vmo_size){ .handle = vmo };
	ASSERT_EQ(0, sys_ioctl(self->fd, STRATA_CAP_IOC_VMO_GET_SIZE, &sz));
	EXPECT_EQ(page, sz.size);
	EXPECT_EQ(0, strata_vmo_get_size(self->fd, vmo, &size));
	EXPECT_EQ(page, size);
	EXPECT_EQ(0, strata_handle_close(self->fd, vmo));
	EXPECT_EQ(self->objects, cap_stat_settle("objects", self->objects,
						 2000));
	expect_unchanged(_metadata, self);
}

/* ---- counts ------------------------------------------------------------ */

TEST_F(bad, huge_counts_fail_with_einval)
{
	static char big[STRATA_CHANNEL_MAX_MSG_BYTES + 1];
	__u32 zeros[STRATA_CHANNEL_MAX_MSG_HANDLES + 1] = {};
	struct strata_cap_wait_item items[STRATA_CAP_WAIT_MANY_MAX + 1];
	struct strata_cap_packet pkt[STRATA_CAP_PORT_WAIT_MAX + 1];
	const __u64 user[2] = { 0, 0 };
	__u32 list[1] = { self->ev };
	unsigned int i;

	for (i = 0; i <= STRATA_CAP_WAIT_MANY_MAX; i++)
		items[i] = (struct strata_cap_wait_item){
			.handle = self->ev, .signals = STRATA_SIGNAL_SIGNALED,
		};
	/* Counts are checked before a single entry is acted on. */
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_HANDLE_CLOSE_MANY,
		   struct strata_cap_close_many,
		   .handles = U64(list), .count = 0xffffffff);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_HANDLE_CLOSE_MANY,
		   struct strata_cap_close_many,
		   .handles = U64(list),
		   .count = STRATA_CAP_CLOSE_MANY_MAX + 1);

	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_WAIT_MANY,
		   struct strata_cap_wait_many,
		   .items = U64(items), .count = 0xffffffff);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_WAIT_MANY,
		   struct strata_cap_wait_many,
		   .items = U64(items), .count = STRATA_CAP_WAIT_MANY_MAX + 1);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_WAIT_MANY,
		   struct strata_cap_wait_many,
		   .items = U64(items), .count = 0);

	ASSERT_EQ(0, strata_port_queue(self->fd, 1, user));
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_PORT_WAIT,
		   struct strata_cap_port_wait,
		   .packets = U64(pkt), .count = 0xffffffff);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_PORT_WAIT,
		   struct strata_cap_port_wait,
		   .packets = U64(pkt), .count = STRATA_CAP_PORT_WAIT_MAX + 1);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_PORT_WAIT,
		   struct strata_cap_port_wait,
		   .packets = U64(pkt), .count = 0);
	/* The queued packet is still there. */
	EXPECT_EQ(1, strata_port_wait(self->fd, pkt, 1, 0));

	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_CHANNEL_WRITE,
		   struct strata_cap_channel_write,
		   .handle = self->c0, .bytes = U64(big),
		   .num_bytes = STRATA_CHANNEL_MAX_MSG_BYTES + 1);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_CHANNEL_WRITE,
		   struct strata_cap_channel_write,
		   .handle = self->c0, .bytes = U64(big),
		   .num_bytes = 0xffffffff);
	/* 65 zeros: the count is refused before the (bad) values. */
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_CHANNEL_WRITE,
		   struct strata_cap_channel_write,
		   .handle = self->c0, .handles = U64(zeros),
		   .num_handles = STRATA_CHANNEL_MAX_MSG_HANDLES + 1);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_CHANNEL_WRITE,
		   struct strata_cap_channel_write,
		   .handle = self->c0, .handles = U64(zeros),
		   .num_handles = 0xffffffff);
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_CHANNEL_CALL,
		   struct strata_cap_channel_call,
		   .wr = { .handle = self->c0, .bytes = U64(big),
			   .num_bytes = STRATA_CHANNEL_MAX_MSG_BYTES + 1 });
	EXPECT_IOC(-EINVAL, STRATA_CAP_IOC_CHANNEL_CALL,
		   struct strata_cap_channel_call,
		   .wr = { .handle = self->c0, .bytes = U64(big),
			   .num_bytes = 4, .handles = U64(zeros),
			   .num_handles = STRATA_CHANNEL_MAX_MSG_HANDLES + 1 });
	expect_unchanged(_metadata, self);
}

TEST_F(bad, largest_legal_message_is_accepted)
{
	static char big[STRATA_CHANNEL_MAX_MSG_BYTES];
	__u32 nb = 0;

	/* The bound is inclusive: the refusals above are of one too many. */
	ASSERT_EQ(0, strata_channel_write(self->fd, self->c0, big, sizeof(big),
					  NULL, 0));
	ASSERT_EQ(0, strata_channel_read(self->fd, self->c1, big, sizeof(big),
					 NULL, 0, &nb, NULL));
	EXPECT_EQ(sizeof(big), nb);
	expect_unchanged(_metadata, self);
}

/* ---- handle values ----------------------------------------------------- */

TEST_F(bad, handle_zero_and_stale_values_fail_with_ebadf)
{
	struct strata_cap_wait_item item = {
		.signals = STRATA_SIGNAL_SIGNALED,
	};
	struct strata_cap_handle_info info;
	struct strata_cap_channel_call call;
	const __u32 values[2] = { STRATA_HANDLE_INVALID, self->stale };
	struct strata_cap_vmo_map vmap;
	__u32 out, v, list[1];
	__u64 size;
	__s32 results[1];
	char buf[8] = "abcd";
	unsigned int i;

	for (i = 0; i < 2; i++) {
		v = values[i];
		EXPECT_EQ(-EBADF, strata_handle_duplicate(self->fd, v,
					STRATA_RIGHT_SAME_RIGHTS, &out))
			TH_LOG("value %#x", v);
		EXPECT_EQ(-EBADF, strata_handle_info(self->fd, v, &info))
			TH_LOG("value %#x", v);
		EXPECT_EQ(-EBADF, strata_handle_replace(self->fd, v,
					STRATA_RIGHT_SAME_RIGHTS, &out))
			TH_LOG("value %#x", v);
		EXPECT_EQ(-EBADF, strata_handle_revoke(self->fd, v))
			TH_LOG("value %#x", v);
		EXPECT_EQ(-EBADF, strata_handle_export(self->fd, v,
					STRATA_RIGHT_SAME_RIGHTS, O_CLOEXEC))
			TH_LOG("value %#x", v);
		EXPECT_EQ(-EBADF, strata_object_signal(self->fd, v, 0,
					STRATA_SIGNAL_SIGNALED))
			TH_LOG("value %#x", v);
		EXPECT_EQ(-EBADF, strata_object_signal_peer(self->fd, v, 0,
					STRATA_SIGNAL_SIGNALED))
			TH_LOG("value %#x", v);
		item.handle = v;
		EXPECT_EQ(-EBADF, strata_object_wait_many(self->fd, &item, 1,
							  0))
			TH_LOG("value %#x", v);
		EXPECT_EQ(-EBADF, strata_object_wait_async(self->fd, v,
					STRATA_SIGNAL_SIGNALED, 1))
			TH_LOG("value %#x", v);
		EXPECT_EQ(-EBADF, strata_wait_async_cancel(self->fd, v, 1))
			TH_LOG("value %#x", v);
		EXPECT_EQ(-EBADF, strata_channel_write(self->fd, v, buf, 4,
						       NULL, 0))
			TH_LOG("value %#x", v);
		EXPECT_EQ(-EBADF, strata_channel_read(self->fd, v, buf,
						      sizeof(buf), NULL, 0,
						      NULL, NULL))
			TH_LOG("value %#x", v);
		/* A bad value among the handles to transfer. */
		list[0] = v;
		EXPECT_EQ(-EBADF, strata_channel_write(self->fd, self->c0, buf,
						       4, list, 1))
			TH_LOG("value %#x", v);
		call = (struct strata_cap_channel_call){
			.wr = { .handle = v, .bytes = U64(buf),
				.num_bytes = 4 },
			.rd = { .bytes = U64(buf), .num_bytes = sizeof(buf) },
		};
		EXPECT_EQ(-EBADF, strata_channel_call(self->fd, &call))
			TH_LOG("value %#x", v);
		EXPECT_EQ(-EBADF, strata_vmo_read(self->fd, v, buf, 0, 4))
			TH_LOG("value %#x", v);
		EXPECT_EQ(-EBADF, strata_vmo_write(self->fd, v, buf, 0, 4))
			TH_LOG("value %#x", v);
		EXPECT_EQ(-EBADF, strata_vmo_get_size(self->fd, v, &size))
			TH_LOG("value %#x", v);
		EXPECT_EQ(-EBADF, strata_vmo_set_size(self->fd, v, 8192))
			TH_LOG("value %#x", v);
		vmap = (struct strata_cap_vmo_map){
			.handle = v, .prot = 1, .length = 4096 };
		EXPECT_EQ(-EBADF, sys_ioctl(self->fd, STRATA_CAP_IOC_VMO_MAP,
					    &vmap))
			TH_LOG("value %#x", v);
	}
	/* Close: the stale value is bad, the invalid one a no-op. */
	EXPECT_EQ(-EBADF, strata_handle_close(self->fd, self->stale));
	EXPECT_EQ(0, strata_handle_close(self->fd, STRATA_HANDLE_INVALID));
	list[0] = self->stale;
	results[0] = 0;
	EXPECT_EQ(-EBADF, strata_handle_close_many(self->fd, list, 1,
						   results));
	EXPECT_EQ(-EBADF, results[0]);
	list[0] = STRATA_HANDLE_INVALID;
	results[0] = -1;
	EXPECT_EQ(0, strata_handle_close_many(self->fd, list, 1, results));
	EXPECT_EQ(0, results[0]);
	expect_unchanged(_metadata, self);
}

/* ---- the structure pointer itself -------------------------------------- */

TEST_F(bad, null_or_unmapped_argument_fails_with_efault)
{
	unsigned int i;

	for (i = 0; i < NR_IOCTLS; i++) {
		EXPECT_EQ(-EFAULT, sys_ioctl(self->fd, ioctls[i].cmd, NULL))
			TH_LOG("%s(NULL)", ioctls[i].name);
		EXPECT_EQ(-EFAULT, sys_ioctl(self->fd, ioctls[i].cmd,
					     self->unmapped))
			TH_LOG("%s(unmapped)", ioctls[i].name);
	}
	expect_unchanged(_metadata, self);
}

TEST_F(bad, argument_running_off_the_mapping_fails_with_efault)
{
	unsigned int i;
	char *page;

	/* The structure starts on a mapped page and ends past it. */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, munmap(page + 4096, 4096));
	for (i = 0; i < NR_IOCTLS; i++) {
		if (_IOC_SIZE(ioctls[i].cmd) < 8)
			continue;
		EXPECT_EQ(-EFAULT, sys_ioctl(self->fd, ioctls[i].cmd,
					     page + 4096 - 4))
			TH_LOG("%s", ioctls[i].name);
	}
	munmap(page, 4096);
	expect_unchanged(_metadata, self);
}

/* ---- ioctl numbers ----------------------------------------------------- */

/*
 * The capability-mode ioctls are not in ioctls[]: ENTER takes no argument
 * (and would sandbox this process if the programs were loaded), so the
 * pointer tests cannot run on it.  sandbox_test.c covers them.
 */
static int known_nr(unsigned int nr)
{
	unsigned int i;

	if (nr == _IOC_NR(STRATA_CAP_IOC_SANDBOX_ENTER) ||
	    nr == _IOC_NR(STRATA_CAP_IOC_SANDBOX_STATUS))
		return 1;
	for (i = 0; i < NR_IOCTLS; i++)
		if (_IOC_NR(ioctls[i].cmd) == nr)
			return 1;
	return 0;
}

struct big_arg {
	__u64 words[32];
};

TEST_F(bad, unknown_ioctl_numbers_fail_with_enotty)
{
	struct big_arg arg = {};
	unsigned int nr;

	for (nr = 0; nr < 0x100; nr++) {
		if (known_nr(nr))
			continue;
		EXPECT_EQ(-ENOTTY, sys_ioctl(self->fd,
					     _IOWR(STRATA_IOC_MAGIC, nr,
						   struct strata_cap_create),
					     &arg))
			TH_LOG("nr %#x", nr);
		EXPECT_EQ(-ENOTTY, sys_ioctl(self->fd,
					     _IO(STRATA_IOC_MAGIC, nr), &arg))
			TH_LOG("nr %#x", nr);
	}
	/* Another magic with a known number and size. */
	EXPECT_EQ(-ENOTTY, sys_ioctl(self->fd,
				     _IOWR(0xBB, 0x01,
					   struct strata_cap_create), &arg));
	expect_unchanged(_metadata, self);
}

TEST_F(bad, known_numbers_with_a_wrong_size_or_direction_fail_with_enotty)
{
	struct big_arg arg = {};
	unsigned long cmd;
	unsigned int i, nr, size, dir;

	for (i = 0; i < NR_IOCTLS; i++) {
		nr = _IOC_NR(ioctls[i].cmd);
		size = _IOC_SIZE(ioctls[i].cmd);
		dir = _IOC_DIR(ioctls[i].cmd);
		/* A bigger and a smaller structure. */
		cmd = _IOWR(STRATA_IOC_MAGIC, nr, struct big_arg);
		EXPECT_EQ(-ENOTTY, sys_ioctl(self->fd, cmd, &arg))
			TH_LOG("%s, size %zu", ioctls[i].name,
			       sizeof(struct big_arg));
		cmd = _IOC(dir, STRATA_IOC_MAGIC, nr, size + 8);
		EXPECT_EQ(-ENOTTY, sys_ioctl(self->fd, cmd, &arg))
			TH_LOG("%s, size %u", ioctls[i].name, size + 8);
		cmd = _IOC(dir, STRATA_IOC_MAGIC, nr, size - 4);
		EXPECT_EQ(-ENOTTY, sys_ioctl(self->fd, cmd, &arg))
			TH_LOG("%s, size %u", ioctls[i].name, size - 4);
		/* The right size, another direction. */
		cmd = _IOC(dir ^ _IOC_READ, STRATA_IOC_MAGIC, nr, size);
		EXPECT_EQ(-ENOTTY, sys_ioctl(self->fd, cmd, &arg))
			TH_LOG("%s, dir %u", ioctls[i].name, dir ^ _IOC_READ);
	}
	expect_unchanged(_metadata, self);
}

/* ---- another process --------------------------------------------------- */

TEST_F(bad, another_process_gets_eacces_from_every_ioctl)
{
	struct strata_cap_wait_item item = {
		.handle = self->ev, .signals = STRATA_SIGNAL_SIGNALED,
	};
	struct strata_cap_packet pkt[1];
	char bytes[8] = "abcdefg", rbuf[16];
	__u32 close_list[1] = { self->ev }, rhandles[1], close_val;
	struct strata_cap_table_info tinfo;
	struct strata_cap_create create;
	struct strata_cap_duplicate dup;
	struct strata_cap_handle_info hinfo;
	struct strata_cap_replace repl;
	struct strata_cap_close_many many;
	struct strata_cap_revoke rev;
	struct strata_cap_export exp;
	struct strata_cap_import imp;
	struct strata_cap_create_pair pair;
	struct strata_cap_channel_write wr;
	struct strata_cap_channel_read rd;
	struct strata_cap_channel_call call;
	struct strata_cap_signal sig;
	struct strata_cap_wait_many wm;
	struct strata_cap_wait_async wa;
	struct strata_cap_wait_cancel wc;
	struct strata_cap_port_wait pw;
	struct strata_cap_packet pq;
	struct strata_cap_vmo_create vcreate;
	struct strata_cap_vmo_rw vrw;
	struct strata_cap_vmo_size vget, vset;
	struct strata_cap_vmo_map vmap;
	int results[NR_IOCTLS], efd, pfd[2], status;
	void *args[NR_IOCTLS];
	unsigned int i;
	__u32 d, back, vmo;
	__u64 vsize = 0;
	pid_t pid;

	/* One well-formed argument per ioctl, that the owner could use. */
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, self->ev,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	efd = strata_handle_export(self->fd, d, STRATA_RIGHT_SAME_RIGHTS, 0);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, strata_channel_write(self->fd, self->c1, "xyz", 3, NULL,
					  0));
	ASSERT_EQ(0, strata_vmo_create(self->fd, 4096, STRATA_VMO_RESIZABLE,
				       &vmo));
	tinfo = (struct strata_cap_table_info){};
	create = (struct strata_cap_create){};
	close_val = self->ev;
	dup = (struct strata_cap_duplicate){
		.handle = self->ev, .rights = STRATA_RIGHT_SAME_RIGHTS };
	hinfo = (struct strata_cap_handle_info){ .handle = self->ev };
	repl = (struct strata_cap_replace){
		.handle = self->ev, .rights = STRATA_RIGHT_SAME_RIGHTS };
	many = (struct strata_cap_close_many){
		.handles = U64(close_list), .count = 1 };
	rev = (struct strata_cap_revoke){ .handle = self->ev };
	exp = (struct strata_cap_export){
		.handle = self->ev, .rights = STRATA_RIGHT_SAME_RIGHTS };
	imp = (struct strata_cap_import){ .fd = efd };
	pair = (struct strata_cap_create_pair){};
	wr = (struct strata_cap_channel_write){
		.handle = self->c0, .bytes = U64(bytes), .num_bytes = 4 };
	rd = (struct strata_cap_channel_read){
		.handle = self->c0, .bytes = U64(rbuf),
		.num_bytes = sizeof(rbuf), .handles = U64(rhandles),
		.num_handles = 1 };
	call = (struct strata_cap_channel_call){
		.wr = { .handle = self->c0, .bytes = U64(bytes),
			.num_bytes = 4 },
		.rd = { .bytes = U64(rbuf), .num_bytes = sizeof(rbuf) },
		.deadline = 0 };
	sig = (struct strata_cap_signal){
		.handle = self->ev, .set_mask = STRATA_SIGNAL_SIGNALED };
	wm = (struct strata_cap_wait_many){ .items = U64(&item), .count = 1 };
	wa = (struct strata_cap_wait_async){
		.handle = self->ev, .signals = STRATA_SIGNAL_SIGNALED };
	wc = (struct strata_cap_wait_cancel){ .handle = self->ev };
	pw = (struct strata_cap_port_wait){ .packets = U64(pkt), .count = 1 };
	pq = (struct strata_cap_packet){
		.key = 1, .type = STRATA_CAP_PKT_USER };
	vcreate = (struct strata_cap_vmo_create){ .size = 4096 };
	vrw = (struct strata_cap_vmo_rw){
		.handle = vmo, .buffer = U64(rbuf), .length = 8 };
	vget = (struct strata_cap_vmo_size){ .handle = vmo };
	vset = (struct strata_cap_vmo_size){ .handle = vmo, .size = 8192 };
	vmap = (struct strata_cap_vmo_map){
		.handle = vmo, .prot = 1, .length = 4096 };
	for (i = 0; i < NR_IOCTLS; i++) {
		switch (ioctls[i].cmd) {
		case STRATA_CAP_IOC_TABLE_INFO:
			args[i] = &tinfo;
			break;
		case STRATA_CAP_IOC_EVENT_CREATE:
			args[i] = &create;
			break;
		case STRATA_CAP_IOC_HANDLE_CLOSE:
			args[i] = &close_val;
			break;
		case STRATA_CAP_IOC_HANDLE_DUPLICATE:
			args[i] = &dup;
			break;
		case STRATA_CAP_IOC_HANDLE_INFO:
			args[i] = &hinfo;
			break;
		case STRATA_CAP_IOC_HANDLE_REPLACE:
			args[i] = &repl;
			break;
		case STRATA_CAP_IOC_HANDLE_CLOSE_MANY:
			args[i] = &many;
			break;
		case STRATA_CAP_IOC_HANDLE_REVOKE:
			args[i] = &rev;
			break;
		case STRATA_CAP_IOC_HANDLE_EXPORT:
			args[i] = &exp;
			break;
		case STRATA_CAP_IOC_HANDLE_IMPORT:
			args[i] = &imp;
			break;
		case STRATA_CAP_IOC_EVENTPAIR_CREATE:
		case STRATA_CAP_IOC_CHANNEL_CREATE:
			args[i] = &pair;
			break;
		case STRATA_CAP_IOC_CHANNEL_WRITE:
			args[i] = &wr;
			break;
		case STRATA_CAP_IOC_CHANNEL_READ:
			args[i] = &rd;
			break;
		case STRATA_CAP_IOC_CHANNEL_CALL:
			args[i] = &call;
			break;
		case STRATA_CAP_IOC_VMO_CREATE:
			args[i] = &vcreate;
			break;
		case STRATA_CAP_IOC_VMO_READ:
		case STRATA_CAP_IOC_VMO_WRITE:
			args[i] = &vrw;
			break;
		case STRATA_CAP_IOC_VMO_GET_SIZE:
			args[i] = &vget;
			break;
		case STRATA_CAP_IOC_VMO_SET_SIZE:
			args[i] = &vset;
			break;
		case STRATA_CAP_IOC_VMO_MAP:
			args[i] = &vmap;
			break;
		case STRATA_CAP_IOC_OBJECT_SIGNAL:
			args[i] = &sig;
			break;
		case STRATA_CAP_IOC_WAIT_MANY:
			args[i] = &wm;
			break;
		case STRATA_CAP_IOC_WAIT_ASYNC:
			args[i] = &wa;
			break;
		case STRATA_CAP_IOC_WAIT_ASYNC_CANCEL:
			args[i] = &wc;
			break;
		case STRATA_CAP_IOC_PORT_WAIT:
			args[i] = &pw;
			break;
		case STRATA_CAP_IOC_PORT_QUEUE:
			args[i] = &pq;
			break;
		default:
			ASSERT_TRUE(0) TH_LOG("no argument for %s",
					      ioctls[i].name);
		}
	}

	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (i = 0; i < NR_IOCTLS; i++)
			results[i] = sys_ioctl(self->fd, ioctls[i].cmd,
					       args[i]);
		if (write(pfd[1], results, sizeof(results)) !=
		    sizeof(results))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(sizeof(results), read(pfd[0], results, sizeof(results)));
	close(pfd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (i = 0; i < NR_IOCTLS; i++) {
		EXPECT_EQ(-EACCES, results[i])
			TH_LOG("%s", ioctls[i].name);
	}

	/* The owner's table is as it was: the message is still queued. */
	ASSERT_EQ(0, strata_channel_read(self->fd, self->c0, rbuf,
					 sizeof(rbuf), NULL, 0, NULL, NULL));
	ASSERT_EQ(0, strata_handle_import(self->fd, efd, &back));
	EXPECT_EQ(0, strata_handle_close(self->fd, back));
	close(efd);
	ASSERT_EQ(0, strata_vmo_get_size(self->fd, vmo, &vsize));
	EXPECT_EQ(4096, vsize);
	EXPECT_EQ(0, strata_handle_close(self->fd, vmo));
	EXPECT_EQ(self->objects, cap_stat_settle("objects", self->objects,
						 2000));
	expect_unchanged(_metadata, self);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - channels: messages, handle transfer, bounds, calls
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "common.h"

#define CAP_PARAM_CHANNEL_MAX_MSGS \
	"/sys/module/strata_cap/parameters/channel_max_msgs"

#define ALL_SIGNALS	(STRATA_SIGNAL_READABLE | STRATA_SIGNAL_WRITABLE | \
			 STRATA_SIGNAL_PEER_CLOSED | STRATA_SIGNAL_SIGNALED | \
			 STRATA_SIGNAL_USER_ALL)
#define RW_SIGNALS	(STRATA_SIGNAL_READABLE | STRATA_SIGNAL_WRITABLE)
#define SECOND_NS	1000000000LL
#define MAX_BYTES	STRATA_CHANNEL_MAX_MSG_BYTES
#define MAX_HANDLES	STRATA_CHANNEL_MAX_MSG_HANDLES

/* The object's signals now, or a value no object has. */
static __u32 signals_of(int fd, __u32 h)
{
	__u32 pending = 0;
	int ret;

	/* Deadline 0 only polls; @pending is written either way. */
	ret = strata_object_wait_one(fd, h, ALL_SIGNALS, 0, &pending);
	if (ret && ret != -ETIMEDOUT)
		return 0xdeadbeef;
	return pending;
}

static __u64 koid_of(int fd, __u32 h)
{
	struct strata_cap_handle_info info;

	if (strata_handle_info(fd, h, &info))
		return 0;
	return info.koid;
}

/* Read and discard one message, whatever its size. */
static int read_any(int fd, __u32 h, __u32 *actual_bytes)
{
	static char buf[MAX_BYTES];
	__u32 hs[MAX_HANDLES];

	return strata_channel_read(fd, h, buf, sizeof(buf), hs, MAX_HANDLES,
				   actual_bytes, NULL);
}

FIXTURE(chan) {
	int fd;
	__u32 h0, h1;
};

FIXTURE_SETUP(chan)
{
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, strata_channel_create(self->fd, &self->h0, &self->h1));
}

FIXTURE_TEARDOWN(chan)
{
	close(self->fd);
}

TEST_F(chan, create_gives_two_endpoints_naming_each_other)
{
	struct strata_cap_handle_info a, b;

	EXPECT_NE(STRATA_HANDLE_INVALID, self->h0);
	EXPECT_NE(STRATA_HANDLE_INVALID, self->h1);
	EXPECT_NE(self->h0, self->h1);
	ASSERT_EQ(0, strata_handle_info(self->fd, self->h0, &a));
	ASSERT_EQ(0, strata_handle_info(self->fd, self->h1, &b));
	EXPECT_EQ(STRATA_OBJ_CHANNEL, a.type);
	EXPECT_EQ(STRATA_OBJ_CHANNEL, b.type);
	EXPECT_EQ(STRATA_DEFAULT_CHANNEL_RIGHTS, a.rights);
	EXPECT_EQ(STRATA_DEFAULT_CHANNEL_RIGHTS, b.rights);
	EXPECT_NE(a.koid, b.koid);
	EXPECT_EQ(b.koid, a.related_koid);
	EXPECT_EQ(a.koid, b.related_koid);
	EXPECT_EQ(2, cap_nr_handles(self->fd));
}

TEST_F(chan, new_endpoints_are_writable_and_empty)
{
	__u32 nb = 7;

	EXPECT_EQ(STRATA_SIGNAL_WRITABLE, signals_of(self->fd, self->h0));
	EXPECT_EQ(STRATA_SIGNAL_WRITABLE, signals_of(self->fd, self->h1));
	EXPECT_EQ(-EAGAIN, read_any(self->fd, self->h0, &nb));
	EXPECT_EQ(-EAGAIN, read_any(self->fd, self->h1, &nb));
}

TEST_F(chan, create_rejects_options_and_reserved_fields)
{
	struct strata_cap_create_pair c = { .options = 1 };

	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_CHANNEL_CREATE,
				     &c));
	c = (struct strata_cap_create_pair){ .reserved = 1 };
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_CHANNEL_CREATE,
				     &c));
	/* The handles are output fields. */
	c = (struct strata_cap_create_pair){ .handles = { 0, 5 } };
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_CHANNEL_CREATE,
				     &c));
	EXPECT_EQ(2, cap_nr_handles(self->fd));
}

TEST_F(chan, endpoints_cannot_be_duplicated)
{
	__u32 out;

	EXPECT_EQ(-EACCES, strata_handle_duplicate(self->fd, self->h0,
						   STRATA_RIGHT_SAME_RIGHTS,
						   &out));
	EXPECT_EQ(-EACCES, strata_handle_duplicate(self->fd, self->h1,
						   STRATA_RIGHT_WAIT, &out));
	EXPECT_EQ(2, cap_nr_handles(self->fd));
}

TEST_F(chan, messages_arrive_in_fifo_order_at_the_peer)
{
	static const char * const msgs[] = { "one", "two", "three", "" };
	char buf[16];
	__u32 nb, nh;
	unsigned int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, strata_channel_write(self->fd, self->h0, msgs[i],
						  strlen(msgs[i]), NULL, 0));
	EXPECT_EQ(RW_SIGNALS, signals_of(self->fd, self->h1));
	/* The writer's own queue is the other one. */
	EXPECT_EQ(STRATA_SIGNAL_WRITABLE, signals_of(self->fd, self->h0));
	EXPECT_EQ(-EAGAIN, read_any(self->fd, self->h0, &nb));

	for (i = 0; i < 4; i++) {
		memset(buf, 0, sizeof(buf));
		nb = nh = ~0U;
		ASSERT_EQ(0, strata_channel_read(self->fd, self->h1, buf,
						 sizeof(buf), NULL, 0, &nb,
						 &nh));
		EXPECT_EQ(strlen(msgs[i]), nb);
		EXPECT_EQ(0, nh);
		EXPECT_STREQ(msgs[i], buf);
	}
	EXPECT_EQ(STRATA_SIGNAL_WRITABLE, signals_of(self->fd, self->h1));
	EXPECT_EQ(-EAGAIN, read_any(self->fd, self->h1, &nb));

	/* And the other way round. */
	ASSERT_EQ(0, strata_channel_write(self->fd, self->h1, "back", 4,
					  NULL, 0));
	EXPECT_EQ(RW_SIGNALS, signals_of(self->fd, self->h0));
	ASSERT_EQ(0, read_any(self->fd, self->h0, &nb));
	EXPECT_EQ(4, nb);
}

TEST_F(chan, largest_message_and_most_handles_pass)
{
	unsigned char *out = malloc(MAX_BYTES), *in = malloc(MAX_BYTES);
	__u32 hs[MAX_HANDLES], got[MAX_HANDLES], nb, nh;
	__u64 koids[MAX_HANDLES];
	unsigned int i;

	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, in);
	for (i = 0; i < MAX_BYTES; i++)
		out[i] = i * 7 + (i >> 8);
	for (i = 0; i < MAX_HANDLES; i++) {
		ASSERT_EQ(0, strata_event_create(self->fd, &hs[i]));
		koids[i] = koid_of(self->fd, hs[i]);
	}
	ASSERT_EQ(0, strata_channel_write(self->fd, self->h0, out, MAX_BYTES,
					  hs, MAX_HANDLES));
	/* Every handle left the table with the message. */
	EXPECT_EQ(2, cap_nr_handles(self->fd));

	memset(in, 0, MAX_BYTES);
	ASSERT_EQ(0, strata_channel_read(self->fd, self->h1, in, MAX_BYTES,
					 got, MAX_HANDLES, &nb, &nh));
	EXPECT_EQ(MAX_BYTES, nb);
	EXPECT_EQ(MAX_HANDLES, nh);
	EXPECT_EQ(0, memcmp(out, in, MAX_BYTES));
	/* In the order they were sent. */
	for (i = 0; i < MAX_HANDLES; i++)
		EXPECT_EQ(koids[i], koid_of(self->fd, got[i]));
	EXPECT_EQ(2 + MAX_HANDLES, cap_nr_handles(self->fd));
	free(out);
	free(in);
}

TEST_F(chan, oversized_messages_are_refused_with_einval)
{
	unsigned char *big = calloc(1, MAX_BYTES + 1);
	__u32 hs[MAX_HANDLES + 1], nb;
	unsigned int i;

	ASSERT_NE(NULL, big);
	EXPECT_EQ(-EINVAL, strata_channel_write(self->fd, self->h0, big,
						MAX_BYTES + 1, NULL, 0));
	for (i = 0; i < MAX_HANDLES + 1; i++)
		ASSERT_EQ(0, strata_event_create(self->fd, &hs[i]));
	EXPECT_EQ(-EINVAL, strata_channel_write(self->fd, self->h0, "x", 1,
						hs, MAX_HANDLES + 1));
	/* The sender keeps them all, and nothing was queued. */
	EXPECT_EQ(2 + MAX_HANDLES + 1, cap_nr_handles(self->fd));
	for (i = 0; i < MAX_HANDLES + 1; i++)
		EXPECT_NE(0, koid_of(self->fd, hs[i]));
	EXPECT_EQ(-EAGAIN, read_any(self->fd, self->h1, &nb));
	free(big);
}

TEST_F(chan, short_buffers_give_emsgsize_and_keep_the_message)
{
	char msg[100], buf[100];
	__u32 hs[2], got[2], nb, nh;
	__u64 koids[2];
	unsigned int i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = 'a' + i % 26;
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, strata_event_create(self->fd, &hs[i]));
		koids[i] = koid_of(self->fd, hs[i]);
	}
	ASSERT_EQ(0, strata_channel_write(self->fd, self->h0, msg,
					  sizeof(msg), hs, 2));

	/* One byte short. */
	nb = nh = 0;
	EXPECT_EQ(-EMSGSIZE, strata_channel_read(self->fd, self->h1, buf, 99,
						 got, 2, &nb, &nh));
	EXPECT_EQ(100, nb);
	EXPECT_EQ(2, nh);
	/* One handle short. */
	nb = nh = 0;
	EXPECT_EQ(-EMSGSIZE, strata_channel_read(self->fd, self->h1, buf,
						 sizeof(buf), got, 1, &nb,
						 &nh));
	EXPECT_EQ(100, nb);
	EXPECT_EQ(2, nh);
	/* No room at all: the way to ask for the size. */
	nb = nh = 0;
	EXPECT_EQ(-EMSGSIZE, strata_channel_read(self->fd, self->h1, NULL, 0,
						 NULL, 0, &nb, &nh));
	EXPECT_EQ(100, nb);
	EXPECT_EQ(2, nh);

	/* Still queued, handles still in flight. */
	EXPECT_EQ(RW_SIGNALS, signals_of(self->fd, self->h1));
	EXPECT_EQ(2, cap_nr_handles(self->fd));

	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, strata_channel_read(self->fd, self->h1, buf, sizeof(buf),
					 got, 2, &nb, &nh));
	EXPECT_EQ(100, nb);
	EXPECT_EQ(2, nh);
	EXPECT_EQ(0, memcmp(msg, buf, sizeof(msg)));
	EXPECT_EQ(koids[0], koid_of(self->fd, got[0]));
	EXPECT_EQ(koids[1], koid_of(self->fd, got[1]));
	EXPECT_EQ(-EAGAIN, read_any(self->fd, self->h1, &nb));
}

TEST_F(chan, handles_move_with_the_message)
{
	struct strata_cap_handle_info info;
	__u32 e, d, sent[2], got[2], nb, nh;
	char buf[4];
	__u64 koid;

	ASSERT_EQ(0, strata_event_create(self->fd, &e));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, e,
					     STRATA_RIGHT_TRANSFER |
					     STRATA_RIGHT_WAIT, &d));
	koid = koid_of(self->fd, e);
	sent[0] = e;
	sent[1] = d;
	ASSERT_EQ(0, strata_channel_write(self->fd, self->h0, "h", 1, sent, 2));

	/* The sender's values are stale at once. */
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, e, &info));
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, d, &info));
	EXPECT_EQ(-EBADF, strata_handle_close(self->fd, e));
	EXPECT_EQ(2, cap_nr_handles(self->fd));

	ASSERT_EQ(0, strata_channel_read(self->fd, self->h1, buf, sizeof(buf),
					 got, 2, &nb, &nh));
	EXPECT_EQ(1, nb);
	EXPECT_EQ(2, nh);
	EXPECT_EQ(4, cap_nr_handles(self->fd));

	/* Same object, same rights, new values. */
	ASSERT_EQ(0, strata_handle_info(self->fd, got[0], &info));
	EXPECT_EQ(STRATA_OBJ_EVENT, info.type);
	EXPECT_EQ(koid, info.koid);
	EXPECT_EQ(STRATA_DEFAULT_EVENT_RIGHTS, info.rights);
	ASSERT_EQ(0, strata_handle_info(self->fd, got[1], &info));
	EXPECT_EQ(koid, info.koid);
	EXPECT_EQ(STRATA_RIGHT_TRANSFER | STRATA_RIGHT_WAIT, info.rights);
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, e, &info));
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, d, &info));

	/* And they work. */
	EXPECT_EQ(0, strata_object_signal(self->fd, got[0], 0,
					  STRATA_SIGNAL_SIGNALED));
	EXPECT_EQ(STRATA_SIGNAL_SIGNALED, signals_of(self->fd, got[1]));
}

/*
 * Write one byte and @n handles on @ch, expecting @err; the caller must
 * still hold every handle it held, with the same object and rights, and
 * the peer must have got nothing.
 */
static void expect_write_refused(struct __test_metadata *_metadata, int fd,
				 __u32 ch, __u32 peer, const __u32 *hs,
				 __u32 n, int err)
{
	struct strata_cap_handle_info before[8], after;
	int valid[8];
	__u32 count = cap_nr_handles(fd), i, nb;

	ASSERT_GE(8, n);
	for (i = 0; i < n; i++)
		valid[i] = strata_handle_info(fd, hs[i], &before[i]);

	EXPECT_EQ(err, strata_channel_write(fd, ch, "m", 1, hs, n));

	EXPECT_EQ(count, cap_nr_handles(fd));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(valid[i], strata_handle_info(fd, hs[i], &after));
		if (valid[i])
			continue;
		EXPECT_EQ(before[i].koid, after.koid);
		EXPECT_EQ(before[i].rights, after.rights);
	}
	EXPECT_EQ(0, signals_of(fd, peer) & STRATA_SIGNAL_READABLE);
	EXPECT_EQ(-EAGAIN, read_any(fd, peer, &nb));
}

TEST_F(chan, refused_write_of_an_invalid_handle_keeps_them_all)
{
	__u32 hs[3], stale;

	ASSERT_EQ(0, strata_event_create(self->fd, &hs[0]));
	ASSERT_EQ(0, strata_event_create(self->fd, &hs[2]));
	ASSERT_EQ(0, strata_event_create(self->fd, &stale));
	ASSERT_EQ(0, strata_handle_close(self->fd, stale));
	hs[1] = stale;
	expect_write_refused(_metadata, self->fd, self->h0, self->h1, hs, 3,
			     -EBADF);
	hs[1] = STRATA_HANDLE_INVALID;
	expect_write_refused(_metadata, self->fd, self->h0, self->h1, hs, 3,
			     -EBADF);
}

TEST_F(chan, refused_write_of_a_handle_without_transfer_keeps_them_all)
{
	__u32 hs[2];

	ASSERT_EQ(0, strata_event_create(self->fd, &hs[0]));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, hs[0],
					     STRATA_DEFAULT_EVENT_RIGHTS &
					     ~STRATA_RIGHT_TRANSFER, &hs[1]));
	expect_write_refused(_metadata, self->fd, self->h0, self->h1, hs, 2,
			     -EACCES);
}

TEST_F(chan, refused_write_of_a_repeated_handle_keeps_them_all)
{
	__u32 hs[3];

	ASSERT_EQ(0, strata_event_create(self->fd, &hs[0]));
	ASSERT_EQ(0, strata_event_create(self->fd, &hs[1]));
	hs[2] = hs[0];
	expect_write_refused(_metadata, self->fd, self->h0, self->h1, hs, 3,
			     -EINVAL);
}

TEST_F(chan, refused_write_of_its_own_endpoint_keeps_them_all)
{
	__u32 hs[2];

	ASSERT_EQ(0, strata_event_create(self->fd, &hs[0]));
	hs[1] = self->h0;
	expect_write_refused(_metadata, self->fd, self->h0, self->h1, hs, 2,
			     -EOPNOTSUPP);
}

TEST_F(chan, refused_write_of_the_peer_endpoint_keeps_them_all)
{
	__u32 hs[2];

	ASSERT_EQ(0, strata_event_create(self->fd, &hs[0]));
	hs[1] = self->h1;
	expect_write_refused(_metadata, self->fd, self->h0, self->h1, hs, 2,
			     -EOPNOTSUPP);
}

TEST_F(chan, refused_write_from_a_bad_pointer_keeps_them_all)
{
	struct strata_cap_handle_info info;
	void *unmapped;
	__u32 e, nb;

	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	ASSERT_EQ(0, strata_event_create(self->fd, &e));
	EXPECT_EQ(-EFAULT, strata_channel_write(self->fd, self->h0, unmapped,
						16, &e, 1));
	EXPECT_EQ(-EFAULT, strata_channel_write(self->fd, self->h0, "x", 1,
						unmapped, 1));
	EXPECT_EQ(0, strata_handle_info(self->fd, e, &info));
	EXPECT_EQ(3, cap_nr_handles(self->fd));
	EXPECT_EQ(-EAGAIN, read_any(self->fd, self->h1, &nb));
	munmap(unmapped, 4096);
}

TEST_F(chan, write_and_read_reject_options_and_output_fields)
{
	struct strata_cap_channel_write wr = {
		.handle = self->h0,
		.options = 1,
		.bytes = (__u64)(unsigned long)"x",
		.num_bytes = 1,
	};
	struct strata_cap_channel_read rd = {};
	char buf[4];

	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_CHANNEL_WRITE,
				     &wr));
	wr.options = 0;
	ASSERT_EQ(0, sys_ioctl(self->fd, STRATA_CAP_IOC_CHANNEL_WRITE, &wr));

	rd.handle = self->h1;
	rd.bytes = (__u64)(unsigned long)buf;
	rd.num_bytes = sizeof(buf);
	rd.options = 1U << 31;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_CHANNEL_READ,
				     &rd));
	rd.options = 0;
	rd.actual_bytes = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_CHANNEL_READ,
				     &rd));
	rd.actual_bytes = 0;
	rd.actual_handles = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_CHANNEL_READ,
				     &rd));
	/* None of that took the message. */
	rd.actual_handles = 0;
	ASSERT_EQ(0, sys_ioctl(self->fd, STRATA_CAP_IOC_CHANNEL_READ, &rd));
	EXPECT_EQ(1, rd.actual_bytes);
	EXPECT_EQ('x', buf[0]);
}

TEST_F(chan, write_needs_write_and_read_needs_read)
{
	struct strata_cap_channel_call call = {};
	struct strata_cap_handle_info info;
	__u32 wo, ro, nb;
	char req[4] = { 0 }, reply[4];

	/* Endpoints cannot be duplicated; replace makes reduced ones. */
	ASSERT_EQ(0, strata_channel_write(self->fd, self->h1, "x", 1, NULL,
					  0));
	ASSERT_EQ(0, strata_handle_replace(self->fd, self->h0,
					   STRATA_DEFAULT_CHANNEL_RIGHTS &
					   ~STRATA_RIGHT_READ, &wo));
	ASSERT_EQ(0, strata_handle_replace(self->fd, self->h1,
					   STRATA_DEFAULT_CHANNEL_RIGHTS &
					   ~STRATA_RIGHT_WRITE, &ro));
	ASSERT_EQ(0, strata_handle_info(self->fd, wo, &info));
	EXPECT_EQ(STRATA_DEFAULT_CHANNEL_RIGHTS & ~STRATA_RIGHT_READ,
		  info.rights);

	/* wo has a message waiting, but cannot take it. */
	EXPECT_EQ(-EACCES, read_any(self->fd, wo, &nb));
	EXPECT_EQ(-EACCES, strata_channel_write(self->fd, ro, "y", 1, NULL,
						0));
	EXPECT_EQ(0, strata_channel_write(self->fd, wo, "z", 1, NULL, 0));
	ASSERT_EQ(0, read_any(self->fd, ro, &nb));
	EXPECT_EQ(1, nb);
	EXPECT_EQ(-EAGAIN, read_any(self->fd, ro, &nb));

	/* A call needs both, and checks before it writes anything. */
	call.wr.bytes = (__u64)(unsigned long)req;
	call.wr.num_bytes = sizeof(req);
	call.rd.bytes = (__u64)(unsigned long)reply;
	call.rd.num_bytes = sizeof(reply);
	call.deadline = 0;
	call.wr.handle = wo;
	EXPECT_EQ(-EACCES, strata_channel_call(self->fd, &call));
	EXPECT_EQ(-EAGAIN, read_any(self->fd, ro, &nb));
	call.wr.handle = ro;
	EXPECT_EQ(-EACCES, strata_channel_call(self->fd, &call));
}

/*
 * Endpoints in each other's queues would keep each other alive with no
 * one able to read them: sending an endpoint that has endpoints queued
 * on it is refused, which makes such a cycle impossible.
 */
TEST_F(chan, an_endpoint_with_endpoints_queued_on_it_cannot_be_sent)
{
	struct strata_cap_handle_info info;
	__u32 b0, b1, got, nh;
	long objects = cap_stat("objects");
	char byte;

	ASSERT_EQ(0, strata_channel_create(self->fd, &b0, &b1));
	/* b1 now waits in h1's queue. */
	ASSERT_EQ(0, strata_channel_write(self->fd, self->h0, "b", 1, &b1, 1));
	/* h1 holds an endpoint: it may not travel, not even into b's queue. */
	EXPECT_EQ(-ELOOP, strata_channel_write(self->fd, b0, "a", 1,
					       &self->h1, 1));
	ASSERT_EQ(0, strata_handle_info(self->fd, self->h1, &info));

	/* Once the queue is read, h1 carries nothing and may go. */
	ASSERT_EQ(0, strata_channel_read(self->fd, self->h1, &byte, 1, &got, 1,
					 NULL, &nh));
	ASSERT_EQ(1, nh);
	EXPECT_EQ(0, strata_channel_write(self->fd, b0, "a", 1, &self->h1, 1));

	/* Closing what is left frees both channels: nothing is stuck. */
	ASSERT_EQ(0, strata_handle_close(self->fd, self->h0));
	ASSERT_EQ(0, strata_handle_close(self->fd, b0));
	ASSERT_EQ(0, strata_handle_close(self->fd, got));
	/* h1 waited in a dead queue: a worker frees it. */
	EXPECT_EQ(objects - 2, cap_stat_settle("objects", objects - 2, 2000));
}

FIXTURE(small_queue) {
	int fd;
	__u32 h0, h1;
	long saved;
};

/* The bound is lowered to 8 for the test's channel, restored afterwards. */
FIXTURE_SETUP(small_queue)
{
	int ret;

	self->saved = strata_read_long(CAP_PARAM_CHANNEL_MAX_MSGS);
	ASSERT_LT(0, self->saved);
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, strata_write_str(CAP_PARAM_CHANNEL_MAX_MSGS, "8"));
	ret = strata_channel_create(self->fd, &self->h0, &self->h1);
	if (ret) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%ld", self->saved);
		strata_write_str(CAP_PARAM_CHANNEL_MAX_MSGS, buf);
	}
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(small_queue)
{
	char buf[32];

	close(self->fd);
	snprintf(buf, sizeof(buf), "%ld", self->saved);
	EXPECT_EQ(0, strata_write_str(CAP_PARAM_CHANNEL_MAX_MSGS, buf));
}

TEST_F(small_queue, a_full_queue_refuses_writes_with_enospc)
{
	struct strata_cap_handle_info info;
	unsigned char i, b;
	__u32 e, nb;

	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, strata_channel_write(self->fd, self->h0, &i, 1,
						  NULL, 0));
	EXPECT_EQ(0, signals_of(self->fd, self->h0) & STRATA_SIGNAL_WRITABLE);
	EXPECT_EQ(-ENOSPC, strata_channel_write(self->fd, self->h0, &i, 1,
						NULL, 0));
	/* A refused write keeps its handles too. */
	ASSERT_EQ(0, strata_event_create(self->fd, &e));
	EXPECT_EQ(-ENOSPC, strata_channel_write(self->fd, self->h0, &i, 1,
						&e, 1));
	EXPECT_EQ(0, strata_handle_info(self->fd, e, &info));
	EXPECT_EQ(3, cap_nr_handles(self->fd));

	/* The bound is per endpoint: the other direction has room. */
	EXPECT_EQ(STRATA_SIGNAL_WRITABLE | STRATA_SIGNAL_READABLE,
		  signals_of(self->fd, self->h1));
	EXPECT_EQ(0, strata_channel_write(self->fd, self->h1, "r", 1, NULL,
					  0));

	/* One read makes room for one write. */
	ASSERT_EQ(0, strata_channel_read(self->fd, self->h1, &b, 1, NULL, 0,
					 &nb, NULL));
	EXPECT_EQ(0, b);
	EXPECT_NE(0, signals_of(self->fd, self->h0) & STRATA_SIGNAL_WRITABLE);
	EXPECT_EQ(0, strata_channel_write(self->fd, self->h0, &i, 1, NULL, 0));
	EXPECT_EQ(0, signals_of(self->fd, self->h0) & STRATA_SIGNAL_WRITABLE);
	EXPECT_EQ(-ENOSPC, strata_channel_write(self->fd, self->h0, &i, 1,
						NULL, 0));

	/* Nothing was lost or reordered. */
	for (i = 1; i <= 8; i++) {
		ASSERT_EQ(0, strata_channel_read(self->fd, self->h1, &b, 1,
						 NULL, 0, &nb, NULL));
		EXPECT_EQ(i, b);
	}
	EXPECT_EQ(-EAGAIN, read_any(self->fd, self->h1, &nb));
	EXPECT_NE(0, signals_of(self->fd, self->h0) & STRATA_SIGNAL_WRITABLE);
}

TEST_F(chan, queued_messages_outlive_the_peer_then_read_fails_with_epipe)
{
	struct strata_cap_handle_info info;
	char buf[4];
	__u32 nb, e;

	ASSERT_EQ(0, strata_channel_write(self->fd, self->h0, "a", 1, NULL,
					  0));
	ASSERT_EQ(0, strata_channel_write(self->fd, self->h0, "b", 1, NULL,
					  0));
	EXPECT_EQ(0, signals_of(self->fd, self->h1) &
		  STRATA_SIGNAL_PEER_CLOSED);
	ASSERT_EQ(0, strata_handle_close(self->fd, self->h0));
	EXPECT_EQ(STRATA_SIGNAL_READABLE | STRATA_SIGNAL_PEER_CLOSED,
		  signals_of(self->fd, self->h1) &
		  (STRATA_SIGNAL_READABLE | STRATA_SIGNAL_PEER_CLOSED));

	ASSERT_EQ(0, strata_channel_read(self->fd, self->h1, buf, sizeof(buf),
					 NULL, 0, &nb, NULL));
	EXPECT_EQ('a', buf[0]);
	ASSERT_EQ(0, strata_channel_read(self->fd, self->h1, buf, sizeof(buf),
					 NULL, 0, &nb, NULL));
	EXPECT_EQ('b', buf[0]);
	EXPECT_EQ(-EPIPE, read_any(self->fd, self->h1, &nb));
	EXPECT_EQ(STRATA_SIGNAL_PEER_CLOSED, signals_of(self->fd, self->h1) &
		  (STRATA_SIGNAL_READABLE | STRATA_SIGNAL_PEER_CLOSED));

	EXPECT_EQ(-EPIPE, strata_channel_write(self->fd, self->h1, "c", 1,
					       NULL, 0));
	ASSERT_EQ(0, strata_event_create(self->fd, &e));
	EXPECT_EQ(-EPIPE, strata_channel_write(self->fd, self->h1, "c", 1, &e,
					       1));
	EXPECT_EQ(0, strata_handle_info(self->fd, e, &info));
}

static void *close_handle_thread(void *arg)
{
	int *a = arg;

	return (void *)(long)strata_handle_close(a[0], (__u32)a[1]);
}

TEST_F(chan, peer_closed_wakes_a_waiter)
{
	int args[2] = { self->fd, (int)self->h0 };
	__u32 pending = 0;
	pthread_t t;
	void *ret;

	ASSERT_EQ(0, pthread_create(&t, NULL, close_handle_thread, args));
	EXPECT_EQ(0, strata_object_wait_one(self->fd, self->h1,
					    STRATA_SIGNAL_PEER_CLOSED,
					    strata_deadline_after(10 *
								  SECOND_NS),
					    &pending));
	EXPECT_NE(0, pending & STRATA_SIGNAL_PEER_CLOSED);
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(0, (long)ret);
}

TEST_F(chan, an_endpoint_in_flight_keeps_its_peer_open)
{
	__u32 a0, a1, got, nb, nh;
	char buf[4];

	ASSERT_EQ(0, strata_channel_create(self->fd, &a0, &a1));
	ASSERT_EQ(0, strata_channel_write(self->fd, self->h0, "c", 1, &a1, 1));
	/* a1 is in no table, yet it exists. */
	EXPECT_EQ(0, signals_of(self->fd, a0) & STRATA_SIGNAL_PEER_CLOSED);
	ASSERT_EQ(0, strata_channel_write(self->fd, a0, "q", 1, NULL, 0));

	ASSERT_EQ(0, strata_channel_read(self->fd, self->h1, buf, sizeof(buf),
					 &got, 1, &nb, &nh));
	EXPECT_EQ(1, nh);
	/* What was written to it in flight waits for it. */
	ASSERT_EQ(0, strata_channel_read(self->fd, got, buf, sizeof(buf),
					 NULL, 0, &nb, NULL));
	EXPECT_EQ('q', buf[0]);
	ASSERT_EQ(0, strata_handle_close(self->fd, got));
	EXPECT_NE(0, signals_of(self->fd, a0) & STRATA_SIGNAL_PEER_CLOSED);
}

TEST_F(chan, closing_an_endpoint_destroys_the_handles_queued_for_it)
{
	__u32 p0, p1;

	ASSERT_EQ(0, strata_eventpair_create(self->fd, &p0, &p1));
	ASSERT_EQ(0, strata_channel_write(self->fd, self->h0, "p", 1, &p1, 1));
	EXPECT_EQ(0, signals_of(self->fd, p0) & STRATA_SIGNAL_PEER_CLOSED);
	/*
	 * h1 never read it: the message and p1 die with h1.  Messages with
	 * handles are freed by a worker, so wait for the signal.
	 */
	ASSERT_EQ(0, strata_handle_close(self->fd, self->h1));
	EXPECT_EQ(0, strata_object_wait_one(self->fd, p0,
					    STRATA_SIGNAL_PEER_CLOSED,
					    strata_deadline_after(2000000000LL),
					    NULL));
	EXPECT_EQ(-EPIPE, strata_object_signal_peer(self->fd, p0, 0,
						    STRATA_SIGNAL_SIGNALED));
}

/* The child's side: its own table, the endpoint imported from @efd. */
static int receive_and_signal(int efd, __u64 chan_koid, __u64 peer_koid,
			      __u64 event_koid)
{
	struct strata_cap_handle_info info;
	__u32 ch, got, nb, nh, pending;
	char buf[8];
	int fd;

	fd = strata_cap_open(O_CLOEXEC);
	if (fd < 0)
		return 10;
	if (strata_handle_import(fd, efd, &ch))
		return 11;
	close(efd);
	if (strata_handle_info(fd, ch, &info))
		return 12;
	if (info.koid != chan_koid || info.related_koid != peer_koid)
		return 13;
	if (strata_object_wait_one(fd, ch, STRATA_SIGNAL_READABLE,
				   strata_deadline_after(10 * SECOND_NS),
				   &pending))
		return 14;
	if (strata_channel_read(fd, ch, buf, sizeof(buf), &got, 1, &nb, &nh))
		return 15;
	if (nh != 1 || nb != 2 || memcmp(buf, "ev", 2))
		return 16;
	if (strata_handle_info(fd, got, &info))
		return 17;
	if (info.koid != event_koid ||
	    info.rights != STRATA_DEFAULT_EVENT_RIGHTS)
		return 18;
	if (strata_object_signal(fd, got, 0, STRATA_SIGNAL_SIGNALED))
		return 19;
	close(fd);
	return 0;
}

/*
 * Handle tables are per process, so a channel reaches another process
 * as an exported fd; after that, handles travel over it between tables.
 */
TEST_F(chan, handles_travel_to_another_process_over_an_exported_endpoint)
{
	__u64 koid0, koid1, event_koid;
	__u32 e, keep, pending = 0;
	int efd, status;
	pid_t pid;

	koid0 = koid_of(self->fd, self->h0);
	koid1 = koid_of(self->fd, self->h1);
	efd = strata_handle_export(self->fd, self->h1,
				   STRATA_RIGHT_SAME_RIGHTS, 0);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, strata_event_create(self->fd, &e));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, e, STRATA_RIGHT_WAIT,
					     &keep));
	event_koid = koid_of(self->fd, e);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(receive_and_signal(efd, koid1, koid0, event_koid));
	close(efd);

	ASSERT_EQ(0, strata_channel_write(self->fd, self->h0, "ev", 2, &e, 1));
	EXPECT_EQ(0, strata_object_wait_one(self->fd, keep,
					    STRATA_SIGNAL_SIGNALED,
					    strata_deadline_after(10 *
								  SECOND_NS),
					    &pending));
	EXPECT_EQ(STRATA_SIGNAL_SIGNALED, pending);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

struct server {
	int fd;
	__u32 h;
	int nr_calls;
	__u32 txids[2];
	int ret;
};

/*
 * Answers @nr_calls requests, echoing each one's transaction id with
 * "pong"; before the first reply it sends a message that answers nothing.
 */
static void *echo_server(void *arg)
{
	struct server *s = arg;
	unsigned char req[16], out[16];
	__u32 nb, other;
	int i, ret = 0;

	for (i = 0; i < s->nr_calls; i++) {
		ret = strata_object_wait_one(s->fd, s->h,
					     STRATA_SIGNAL_READABLE,
					     strata_deadline_after(10 *
								   SECOND_NS),
					     NULL);
		if (ret)
			break;
		ret = strata_channel_read(s->fd, s->h, req, sizeof(req), NULL,
					  0, &nb, NULL);
		if (ret)
			break;
		if (nb != 8 || memcmp(req + 4, "ping", 4)) {
			ret = -EPROTO;
			break;
		}
		memcpy(&s->txids[i], req, 4);
		if (i == 0) {
			other = ~s->txids[i];
			memcpy(out, &other, 4);
			memcpy(out + 4, "noise", 5);
			ret = strata_channel_write(s->fd, s->h, out, 9, NULL,
						   0);
			if (ret)
				break;
		}
		memcpy(out, req, 4);
		memcpy(out + 4, "pong", 4);
		ret = strata_channel_write(s->fd, s->h, out, 8, NULL, 0);
		if (ret)
			break;
	}
	s->ret = ret;
	return NULL;
}

static void init_call(struct strata_cap_channel_call *call, __u32 h,
		      void *req, __u32 req_bytes, void *reply,
		      __u32 reply_bytes, __s64 deadline)
{
	memset(call, 0, sizeof(*call));
	call->wr.handle = h;
	call->wr.bytes = (__u64)(unsigned long)req;
	call->wr.num_bytes = req_bytes;
	call->rd.bytes = (__u64)(unsigned long)reply;
	call->rd.num_bytes = reply_bytes;
	call->deadline = deadline;
}

TEST_F(chan, call_returns_the_reply_with_its_txid_and_leaves_the_rest)
{
	struct server srv = { .fd = self->fd, .h = self->h1, .nr_calls = 2 };
	struct strata_cap_channel_call call;
	unsigned char req[8], reply[16], buf[16];
	__u32 txids[2] = { 0, 0 }, other, nb;
	int i, ret = 0;
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, echo_server, &srv));
	for (i = 0; i < 2 && !ret; i++) {
		memset(req, 0, 4);
		memcpy(req + 4, "ping", 4);
		memset(reply, 0, sizeof(reply));
		init_call(&call, self->h0, req, sizeof(req), reply,
			  sizeof(reply),
			  strata_deadline_after(10 * SECOND_NS));
		ret = strata_channel_call(self->fd, &call);
		EXPECT_EQ(0, ret);
		EXPECT_EQ(8, call.rd.actual_bytes);
		EXPECT_EQ(0, call.rd.actual_handles);
		EXPECT_EQ(0, memcmp(reply + 4, "pong", 4));
		memcpy(&txids[i], reply, 4);
	}
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0, srv.ret);
	/* Each reply is the one answering that call's request... */
	EXPECT_EQ(srv.txids[0], txids[0]);
	EXPECT_EQ(srv.txids[1], txids[1]);
	/* ... and every call gets a fresh id. */
	EXPECT_NE(txids[0], txids[1]);

	/* The message that answered nothing waits for an ordinary read. */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, strata_channel_read(self->fd, self->h0, buf, sizeof(buf),
					 NULL, 0, &nb, NULL));
	EXPECT_EQ(9, nb);
	memcpy(&other, buf, 4);
	EXPECT_EQ(~txids[0], other);
	EXPECT_EQ(0, memcmp(buf + 4, "noise", 5));
	EXPECT_EQ(-EAGAIN, read_any(self->fd, self->h0, &nb));
}

TEST_F(chan, call_needs_room_for_a_txid)
{
	struct strata_cap_channel_call call;
	unsigned char req[3] = { 1, 2, 3 }, reply[8];
	__u32 nb;

	init_call(&call, self->h0, req, sizeof(req), reply, sizeof(reply),
		  strata_deadline_after(10 * SECOND_NS));
	EXPECT_EQ(-EINVAL, strata_channel_call(self->fd, &call));
	init_call(&call, self->h0, NULL, 0, reply, sizeof(reply),
		  strata_deadline_after(10 * SECOND_NS));
	EXPECT_EQ(-EINVAL, strata_channel_call(self->fd, &call));
	EXPECT_EQ(-EAGAIN, read_any(self->fd, self->h1, &nb));
}

TEST_F(chan, call_rejects_a_read_handle_and_options)
{
	struct strata_cap_channel_call call;
	unsigned char req[4] = { 0 }, reply[8];
	__u32 nb;

	/* The call's endpoint is wr.handle; rd.handle must stay 0. */
	init_call(&call, self->h0, req, sizeof(req), reply, sizeof(reply), 0);
	call.rd.handle = self->h0;
	EXPECT_EQ(-EINVAL, strata_channel_call(self->fd, &call));
	init_call(&call, self->h0, req, sizeof(req), reply, sizeof(reply), 0);
	call.rd.options = 1;
	EXPECT_EQ(-EINVAL, strata_channel_call(self->fd, &call));
	init_call(&call, self->h0, req, sizeof(req), reply, sizeof(reply), 0);
	call.wr.options = 1;
	EXPECT_EQ(-EINVAL, strata_channel_call(self->fd, &call));
	init_call(&call, self->h0, req, sizeof(req), reply, sizeof(reply), 0);
	call.rd.actual_bytes = 1;
	EXPECT_EQ(-EINVAL, strata_channel_call(self->fd, &call));
	EXPECT_EQ(-EAGAIN, read_any(self->fd, self->h1, &nb));
}

TEST_F(chan, call_without_a_reply_times_out)
{
	struct strata_cap_channel_call call;
	unsigned char req[4] = { 0 }, reply[8];
	__u32 nb;

	init_call(&call, self->h0, req, sizeof(req), reply, sizeof(reply), 0);
	EXPECT_EQ(-ETIMEDOUT, strata_channel_call(self->fd, &call));
	/* The request itself went out. */
	ASSERT_EQ(0, read_any(self->fd, self->h1, &nb));
	EXPECT_EQ(4, nb);

	/* A message that is not the reply does not end the call. */
	ASSERT_EQ(0, strata_channel_write(self->fd, self->h1, "zzzz", 4, NULL,
					  0));
	init_call(&call, self->h0, req, sizeof(req), reply, sizeof(reply),
		  strata_deadline_after(SECOND_NS / 50));
	EXPECT_EQ(-ETIMEDOUT, strata_channel_call(self->fd, &call));
	ASSERT_EQ(0, read_any(self->fd, self->h0, &nb));
	EXPECT_EQ(4, nb);
}

struct caller {
	int fd;
	__u32 h;
	int ret;
	int tid;
};

static void *call_thread(void *arg)
{
	struct caller *c = arg;
	struct strata_cap_channel_call call;
	unsigned char req[4] = { 0 }, reply[8];

	__atomic_store_n(&c->tid, gettid(), __ATOMIC_RELEASE);
	init_call(&call, c->h, req, sizeof(req), reply, sizeof(reply),
		  STRATA_TIME_INFINITE);
	c->ret = strata_channel_call(c->fd, &call);
	return NULL;
}


/*
 * Closing the endpoint under a blocked call ends it with -ECANCELED, and
 * the call leaves nothing registered: the endpoint is freed cleanly.
 */
TEST_F(chan, closing_the_endpoint_during_a_call_cancels_it)
{
	struct caller c = { .fd = self->fd, .h = self->h0 };
	long objects = cap_stat("objects");
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, call_thread, &c));
	ASSERT_EQ(0, cap_wait_until_blocked(&c.tid));
	ASSERT_EQ(0, strata_handle_close(self->fd, self->h0));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-ECANCELED, c.ret);
	ASSERT_EQ(0, strata_handle_close(self->fd, self->h1));
	EXPECT_EQ(objects - 2, cap_stat_settle("objects", objects - 2, 2000));
}

struct reader {
	int fd;
	__u32 h;
	int ret;
	int tid;
	char buf[8];
	__u32 nb;
};

static void *read_wait_thread(void *arg)
{
	struct reader *r = arg;

	__atomic_store_n(&r->tid, gettid(), __ATOMIC_RELEASE);
	r->ret = strata_channel_read_wait(r->fd, r->h, r->buf, sizeof(r->buf),
					  NULL, 0, &r->nb, NULL);
	return NULL;
}


/* READ_WAIT blocks on an empty queue until a message comes. */
TEST_F(chan, read_wait_returns_the_next_message)
{
	struct reader r = { .fd = self->fd, .h = self->h1 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, read_wait_thread, &r));
	ASSERT_EQ(0, cap_wait_until_blocked(&r.tid));
	ASSERT_EQ(0, strata_channel_write(self->fd, self->h0, "wake", 4, NULL,
					  0));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(4, r.nb);
	EXPECT_EQ(0, memcmp(r.buf, "wake", 4));
}

TEST_F(chan, read_wait_ends_with_epipe_when_the_peer_goes)
{
	struct reader r = { .fd = self->fd, .h = self->h1 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, read_wait_thread, &r));
	ASSERT_EQ(0, cap_wait_until_blocked(&r.tid));
	ASSERT_EQ(0, strata_handle_close(self->fd, self->h0));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-EPIPE, r.ret);
}

TEST_F(chan, read_wait_ends_with_ecanceled_when_the_handle_is_closed)
{
	struct reader r = { .fd = self->fd, .h = self->h1 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, read_wait_thread, &r));
	ASSERT_EQ(0, cap_wait_until_blocked(&r.tid));
	ASSERT_EQ(0, strata_handle_close(self->fd, self->h1));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-ECANCELED, r.ret);
}

/*
 * Endpoints can nest as deep as user space likes: E2 waits in E1's queue,
 * E3 in E2's (sent through E2's peer after E2 left), and so on.  Freeing
 * the head must not recurse once per level: a chain of 2000 goes away
 * cleanly and leaves nothing behind.
 */
TEST(a_deep_chain_of_nested_endpoints_is_freed_without_recursion)
{
	enum { DEPTH = 2000 };
	static __u32 ep[DEPTH], peer[DEPTH];
	long objects = cap_stat("objects");
	int fd, i;

	fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < DEPTH; i++)
		ASSERT_EQ(0, strata_channel_create(fd, &ep[i], &peer[i]));
	/* ep[i + 1] travels into ep[i]'s queue, through peer[i]. */
	for (i = 0; i + 1 < DEPTH; i++)
		ASSERT_EQ(0, strata_channel_write(fd, peer[i], "n", 1,
						  &ep[i + 1], 1))
			TH_LOG("level %d", i);
	close(fd);
	EXPECT_EQ(objects, cap_stat_settle("objects", objects, 10000));
	EXPECT_EQ(0, cap_stat_settle("messages", 0, 10000));
}

TEST_HARNESS_MAIN

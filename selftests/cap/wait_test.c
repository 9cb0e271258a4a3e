// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - signals, waits, async waits and the table as a port
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>

#include "kselftest_harness.h"
#include "common.h"

#define ALL_SIGNALS	(STRATA_SIGNAL_READABLE | STRATA_SIGNAL_WRITABLE | \
			 STRATA_SIGNAL_PEER_CLOSED | STRATA_SIGNAL_SIGNALED | \
			 STRATA_SIGNAL_USER_ALL)
#define SIGNALED	STRATA_SIGNAL_SIGNALED
#define USER(n)		(STRATA_SIGNAL_USER_0 << (n))
#define SECOND_NS	1000000000LL
#define LATER		strata_deadline_after(10 * SECOND_NS)
#define ITEM(h, s)	\
	((struct strata_cap_wait_item){ .handle = (h), .signals = (s) })

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

static __s64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__s64)ts.tv_sec * SECOND_NS + ts.tv_nsec;
}

/* Whether the table fd polls readable right now. */
static int table_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, 0) < 0)
		return -errno;
	return !!(pfd.revents & POLLIN);
}

/* Take exactly one packet, without waiting. */
static int take_packet(int fd, struct strata_cap_packet *pkt)
{
	memset(pkt, 0xa5, sizeof(*pkt));
	return strata_port_wait(fd, pkt, 1, 0);
}


struct waiter {
	int fd;
	struct strata_cap_wait_item items[4];
	__u32 count;
	__s64 deadline;
	int tid;
	int ret;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	__atomic_store_n(&w->tid, gettid(), __ATOMIC_RELEASE);
	w->ret = strata_object_wait_many(w->fd, w->items, w->count,
					 w->deadline);
	return NULL;
}

static void init_waiter(struct waiter *w, int fd, __u32 h, __u32 signals)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->items[0].handle = h;
	w->items[0].signals = signals;
	w->count = 1;
	w->deadline = LATER;
}

FIXTURE(table) {
	int fd;
	__u32 e;
};

FIXTURE_SETUP(table)
{
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, strata_event_create(self->fd, &self->e));
}

FIXTURE_TEARDOWN(table)
{
	close(self->fd);
}

/* ---- signals ------------------------------------------------------------ */

TEST_F(table, new_event_has_no_signals)
{
	EXPECT_EQ(0, signals_of(self->fd, self->e));
}

TEST_F(table, signal_sets_and_clears_signaled_and_user_bits)
{
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0,
					  SIGNALED | USER(0) | USER(7)));
	EXPECT_EQ(SIGNALED | USER(0) | USER(7), signals_of(self->fd, self->e));
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, SIGNALED, 0));
	EXPECT_EQ(USER(0) | USER(7), signals_of(self->fd, self->e));
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0,
					  STRATA_SIGNAL_USER_ALL));
	EXPECT_EQ(STRATA_SIGNAL_USER_ALL, signals_of(self->fd, self->e));
	/* Clearing what is not set is no error. */
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e,
					  SIGNALED | STRATA_SIGNAL_USER_ALL,
					  0));
	EXPECT_EQ(0, signals_of(self->fd, self->e));
}

TEST_F(table, signal_clears_before_it_sets)
{
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0,
					  USER(1) | USER(2)));
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e,
					  USER(1) | USER(2),
					  USER(2) | USER(3)));
	EXPECT_EQ(USER(2) | USER(3), signals_of(self->fd, self->e));
}

TEST_F(table, signal_rejects_the_kernels_bits)
{
	static const __u32 bad[] = {
		STRATA_SIGNAL_READABLE, STRATA_SIGNAL_WRITABLE,
		STRATA_SIGNAL_PEER_CLOSED, 1U << 4, 1U << 23,
	};
	__u32 c0, c1;
	unsigned int i;

	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0, USER(5)));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, strata_object_signal(self->fd, self->e, 0,
							bad[i] | SIGNALED));
		EXPECT_EQ(-EINVAL, strata_object_signal(self->fd, self->e,
							bad[i] | USER(5), 0));
	}
	/* All or nothing: the valid part of a refused call did nothing. */
	EXPECT_EQ(USER(5), signals_of(self->fd, self->e));

	/* A channel has user signals only. */
	ASSERT_EQ(0, strata_channel_create(self->fd, &c0, &c1));
	EXPECT_EQ(-EINVAL, strata_object_signal(self->fd, c0, 0, SIGNALED));
	EXPECT_EQ(-EINVAL, strata_object_signal(self->fd, c0,
						STRATA_SIGNAL_WRITABLE, 0));
	EXPECT_EQ(-EINVAL, strata_object_signal_peer(self->fd, c0, 0,
						     STRATA_SIGNAL_READABLE));
	EXPECT_EQ(STRATA_SIGNAL_WRITABLE, signals_of(self->fd, c0));
	EXPECT_EQ(STRATA_SIGNAL_WRITABLE, signals_of(self->fd, c1));
}

TEST_F(table, channels_take_user_signals_on_either_side)
{
	__u32 c0, c1;

	ASSERT_EQ(0, strata_channel_create(self->fd, &c0, &c1));
	ASSERT_EQ(0, strata_object_signal(self->fd, c0, 0, USER(0)));
	ASSERT_EQ(0, strata_object_signal_peer(self->fd, c0, 0, USER(1)));
	EXPECT_EQ(STRATA_SIGNAL_WRITABLE | USER(0), signals_of(self->fd, c0));
	EXPECT_EQ(STRATA_SIGNAL_WRITABLE | USER(1), signals_of(self->fd, c1));
}

TEST_F(table, signal_rejects_options_and_reserved_fields)
{
	struct strata_cap_signal args = {
		.handle = self->e,
		.options = 2,
		.set_mask = SIGNALED,
	};

	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_OBJECT_SIGNAL,
				     &args));
	args.options = 0;
	args.reserved = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_OBJECT_SIGNAL,
				     &args));
	EXPECT_EQ(0, signals_of(self->fd, self->e));
}

TEST_F(table, signal_needs_the_signal_right)
{
	__u32 w, p0, p1, q;

	ASSERT_EQ(0, strata_handle_duplicate(self->fd, self->e,
					     STRATA_RIGHT_WAIT, &w));
	EXPECT_EQ(-EACCES, strata_object_signal(self->fd, w, 0, SIGNALED));
	EXPECT_EQ(0, signals_of(self->fd, self->e));

	/* SIGNAL_PEER is its own right, and SIGNAL does not stand for it. */
	ASSERT_EQ(0, strata_eventpair_create(self->fd, &p0, &p1));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, p0,
					     STRATA_DEFAULT_EVENTPAIR_RIGHTS &
					     ~STRATA_RIGHT_SIGNAL_PEER, &q));
	EXPECT_EQ(-EACCES, strata_object_signal_peer(self->fd, q, 0,
						     SIGNALED));
	EXPECT_EQ(0, strata_object_signal(self->fd, q, 0, SIGNALED));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, p0,
					     STRATA_DEFAULT_EVENTPAIR_RIGHTS &
					     ~STRATA_RIGHT_SIGNAL, &q));
	EXPECT_EQ(-EACCES, strata_object_signal(self->fd, q, 0, USER(0)));
	EXPECT_EQ(0, strata_object_signal_peer(self->fd, q, 0, USER(0)));
	EXPECT_EQ(SIGNALED, signals_of(self->fd, p0));
	EXPECT_EQ(USER(0), signals_of(self->fd, p1));
}

TEST_F(table, eventpair_create_gives_two_peers_naming_each_other)
{
	struct strata_cap_handle_info a, b;
	__u32 p0, p1;

	ASSERT_EQ(0, strata_eventpair_create(self->fd, &p0, &p1));
	EXPECT_NE(p0, p1);
	ASSERT_EQ(0, strata_handle_info(self->fd, p0, &a));
	ASSERT_EQ(0, strata_handle_info(self->fd, p1, &b));
	EXPECT_EQ(STRATA_OBJ_EVENTPAIR, a.type);
	EXPECT_EQ(STRATA_OBJ_EVENTPAIR, b.type);
	EXPECT_EQ(STRATA_DEFAULT_EVENTPAIR_RIGHTS, a.rights);
	EXPECT_EQ(STRATA_DEFAULT_EVENTPAIR_RIGHTS, b.rights);
	EXPECT_NE(a.koid, b.koid);
	EXPECT_EQ(b.koid, a.related_koid);
	EXPECT_EQ(a.koid, b.related_koid);
	EXPECT_EQ(0, signals_of(self->fd, p0));
	EXPECT_EQ(0, signals_of(self->fd, p1));
}

TEST_F(table, signal_peer_changes_only_the_peer)
{
	__u32 p0, p1;

	ASSERT_EQ(0, strata_eventpair_create(self->fd, &p0, &p1));
	ASSERT_EQ(0, strata_object_signal_peer(self->fd, p0, 0,
					       SIGNALED | USER(3)));
	EXPECT_EQ(0, signals_of(self->fd, p0));
	EXPECT_EQ(SIGNALED | USER(3), signals_of(self->fd, p1));
	ASSERT_EQ(0, strata_object_signal_peer(self->fd, p1, 0, USER(4)));
	ASSERT_EQ(0, strata_object_signal_peer(self->fd, p0, USER(3), 0));
	EXPECT_EQ(USER(4), signals_of(self->fd, p0));
	EXPECT_EQ(SIGNALED, signals_of(self->fd, p1));
}

TEST_F(table, signal_peer_on_an_event_fails_with_eopnotsupp)
{
	EXPECT_EQ(-EOPNOTSUPP, strata_object_signal_peer(self->fd, self->e, 0,
							 SIGNALED));
	EXPECT_EQ(0, signals_of(self->fd, self->e));
}

TEST_F(table, closing_one_peer_signals_peer_closed_and_ends_signal_peer)
{
	__u32 p0, p1, d;

	ASSERT_EQ(0, strata_eventpair_create(self->fd, &p0, &p1));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, p1,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	ASSERT_EQ(0, strata_object_signal(self->fd, p0, 0, USER(0)));
	/* The peer is gone only with its last handle. */
	ASSERT_EQ(0, strata_handle_close(self->fd, p1));
	EXPECT_EQ(USER(0), signals_of(self->fd, p0));
	ASSERT_EQ(0, strata_handle_close(self->fd, d));
	EXPECT_EQ(STRATA_SIGNAL_PEER_CLOSED | USER(0),
		  signals_of(self->fd, p0));
	EXPECT_EQ(-EPIPE, strata_object_signal_peer(self->fd, p0, 0,
						    SIGNALED));
	/* Its own signals still work. */
	EXPECT_EQ(0, strata_object_signal(self->fd, p0, USER(0), SIGNALED));
	EXPECT_EQ(STRATA_SIGNAL_PEER_CLOSED | SIGNALED,
		  signals_of(self->fd, p0));
}

/* ---- waits -------------------------------------------------------------- */

TEST_F(table, wait_returns_at_once_when_already_satisfied)
{
	__u32 pending = 0;

	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0,
					  SIGNALED | USER(2)));
	EXPECT_EQ(0, strata_object_wait_one(self->fd, self->e, SIGNALED,
					    STRATA_TIME_INFINITE, &pending));
	/* pending is all the object's signals, not only those waited for. */
	EXPECT_EQ(SIGNALED | USER(2), pending);
	pending = 0;
	EXPECT_EQ(0, strata_object_wait_one(self->fd, self->e,
					    USER(2) | USER(6), 0, &pending));
	EXPECT_EQ(SIGNALED | USER(2), pending);
}

TEST_F(table, deadline_zero_only_polls)
{
	__u32 pending = 0xdead;

	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0, USER(1)));
	EXPECT_EQ(-ETIMEDOUT, strata_object_wait_one(self->fd, self->e,
						     SIGNALED, 0, &pending));
	/* pending is written on a timeout too. */
	EXPECT_EQ(USER(1), pending);
	/* A deadline already past is the same. */
	pending = 0xdead;
	EXPECT_EQ(-ETIMEDOUT, strata_object_wait_one(self->fd, self->e,
						     SIGNALED, 1, &pending));
	EXPECT_EQ(USER(1), pending);
}

TEST_F(table, short_deadline_times_out)
{
	const __s64 timeout = SECOND_NS / 50;
	__s64 start = now_ns();
	__u32 pending = 0xdead;

	EXPECT_EQ(-ETIMEDOUT,
		  strata_object_wait_one(self->fd, self->e, SIGNALED,
					 strata_deadline_after(timeout),
					 &pending));
	EXPECT_LE(timeout, now_ns() - start);
	EXPECT_EQ(0, pending);
}

TEST_F(table, a_signal_from_another_thread_wakes_the_waiter)
{
	struct waiter w;
	pthread_t t;

	init_waiter(&w, self->fd, self->e, SIGNALED);
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	EXPECT_EQ(0, cap_wait_until_blocked(&w.tid));
	/* Signals the waiter does not want leave it asleep. */
	EXPECT_EQ(0, strata_object_signal(self->fd, self->e, 0, USER(0)));
	EXPECT_EQ(0, cap_wait_until_blocked(&w.tid));
	EXPECT_EQ(0, strata_object_signal(self->fd, self->e, 0, SIGNALED));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, w.ret);
	EXPECT_EQ(SIGNALED | USER(0), w.items[0].pending);
}

TEST_F(table, wait_many_returns_when_any_item_is_satisfied)
{
	struct strata_cap_wait_item items[3] = {};
	__u32 e1, e2;

	ASSERT_EQ(0, strata_event_create(self->fd, &e1));
	ASSERT_EQ(0, strata_event_create(self->fd, &e2));
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0, USER(0)));
	ASSERT_EQ(0, strata_object_signal(self->fd, e1, 0, SIGNALED));
	items[0] = ITEM(self->e, SIGNALED);
	items[1] = ITEM(e1, SIGNALED);
	items[2] = ITEM(e2, SIGNALED);
	EXPECT_EQ(0, strata_object_wait_many(self->fd, items, 3,
					     STRATA_TIME_INFINITE));
	/* Every item's pending is written, satisfied or not. */
	EXPECT_EQ(USER(0), items[0].pending);
	EXPECT_EQ(SIGNALED, items[1].pending);
	EXPECT_EQ(0, items[2].pending);

	/* On a timeout too; pending is an output, zero on input. */
	items[1].signals = USER(1);
	items[0].pending = items[1].pending = items[2].pending = 0;
	EXPECT_EQ(-ETIMEDOUT, strata_object_wait_many(self->fd, items, 3, 0));
	EXPECT_EQ(USER(0), items[0].pending);
	EXPECT_EQ(SIGNALED, items[1].pending);
	EXPECT_EQ(0, items[2].pending);
}

TEST_F(table, wait_many_wakes_on_the_last_item)
{
	struct waiter w;
	__u32 e1, e2;
	pthread_t t;

	ASSERT_EQ(0, strata_event_create(self->fd, &e1));
	ASSERT_EQ(0, strata_event_create(self->fd, &e2));
	init_waiter(&w, self->fd, self->e, SIGNALED);
	w.items[1] = ITEM(e1, SIGNALED);
	w.items[2] = ITEM(e2, USER(7));
	w.count = 3;
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	EXPECT_EQ(0, cap_wait_until_blocked(&w.tid));
	EXPECT_EQ(0, strata_object_signal(self->fd, e2, 0, USER(7)));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, w.ret);
	EXPECT_EQ(0, w.items[0].pending);
	EXPECT_EQ(0, w.items[1].pending);
	EXPECT_EQ(USER(7), w.items[2].pending);
}

TEST_F(table, wait_many_takes_1_to_64_items)
{
	struct strata_cap_wait_item items[STRATA_CAP_WAIT_MANY_MAX + 1] = {};
	struct strata_cap_wait_many args = {};
	unsigned int i;

	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0, SIGNALED));
	for (i = 0; i < STRATA_CAP_WAIT_MANY_MAX + 1; i++) {
		ASSERT_EQ(0, strata_handle_duplicate(self->fd, self->e,
						     STRATA_RIGHT_WAIT,
						     &items[i].handle));
		items[i].signals = SIGNALED;
	}
	EXPECT_EQ(-EINVAL, strata_object_wait_many(self->fd, items, 0, 0));
	EXPECT_EQ(-EINVAL,
		  strata_object_wait_many(self->fd, items,
					  STRATA_CAP_WAIT_MANY_MAX + 1, 0));
	EXPECT_EQ(0, strata_object_wait_many(self->fd, items,
					     STRATA_CAP_WAIT_MANY_MAX, 0));
	for (i = 0; i < STRATA_CAP_WAIT_MANY_MAX; i++) {
		EXPECT_EQ(SIGNALED, items[i].pending);
		items[i].pending = 0;
	}

	/* Options, and the items' reserved and output fields, must be 0. */
	args.items = (__u64)(unsigned long)items;
	args.count = 1;
	args.options = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_WAIT_MANY,
				     &args));
	args.options = 0;
	items[0].reserved = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_WAIT_MANY,
				     &args));
	items[0].reserved = 0;
	items[0].pending = SIGNALED;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_WAIT_MANY,
				     &args));
	items[0].pending = 0;
	EXPECT_EQ(0, sys_ioctl(self->fd, STRATA_CAP_IOC_WAIT_MANY, &args));
	/* A NULL item array. */
	args.items = 0;
	EXPECT_EQ(-EFAULT, sys_ioctl(self->fd, STRATA_CAP_IOC_WAIT_MANY,
				     &args));
}

TEST_F(table, wait_on_a_stale_handle_fails_with_ebadf)
{
	struct strata_cap_wait_item items[2] = {};
	__u32 stale, pending;

	ASSERT_EQ(0, strata_event_create(self->fd, &stale));
	ASSERT_EQ(0, strata_handle_close(self->fd, stale));
	EXPECT_EQ(-EBADF, strata_object_wait_one(self->fd, stale, SIGNALED,
						 0, &pending));
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0, SIGNALED));
	/* One bad item fails the lot, even when another is satisfied. */
	items[0] = ITEM(self->e, SIGNALED);
	items[1] = ITEM(stale, SIGNALED);
	EXPECT_EQ(-EBADF, strata_object_wait_many(self->fd, items, 2,
						  STRATA_TIME_INFINITE));
}

TEST_F(table, closing_the_handle_during_a_wait_cancels_it)
{
	struct waiter w;
	pthread_t t;
	__u32 d;

	/* Another handle keeps the object alive: it is the handle that goes. */
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, self->e,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	init_waiter(&w, self->fd, self->e, SIGNALED);
	w.deadline = STRATA_TIME_INFINITE;
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	ASSERT_EQ(0, cap_wait_until_blocked(&w.tid)) {
		strata_object_signal(self->fd, d, 0, SIGNALED);
		pthread_join(t, NULL);
	}
	EXPECT_EQ(0, strata_handle_close(self->fd, self->e));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-ECANCELED, w.ret);
}

/* Moving the handle out of the table ends the wait like closing it. */
TEST_F(table, exporting_the_handle_during_a_wait_cancels_it)
{
	struct waiter w;
	pthread_t t;
	int fd;

	init_waiter(&w, self->fd, self->e, SIGNALED);
	w.deadline = STRATA_TIME_INFINITE;
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	ASSERT_EQ(0, cap_wait_until_blocked(&w.tid)) {
		strata_object_signal(self->fd, self->e, 0, SIGNALED);
		pthread_join(t, NULL);
	}
	fd = strata_handle_export(self->fd, self->e, STRATA_RIGHT_SAME_RIGHTS,
				  O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-ECANCELED, w.ret);
	close(fd);
}

TEST_F(table, wait_needs_the_wait_right)
{
	struct strata_cap_wait_item item = {};
	__u32 s, pending;

	ASSERT_EQ(0, strata_handle_duplicate(self->fd, self->e,
					     STRATA_DEFAULT_EVENT_RIGHTS &
					     ~STRATA_RIGHT_WAIT, &s));
	ASSERT_EQ(0, strata_object_signal(self->fd, s, 0, SIGNALED));
	EXPECT_EQ(-EACCES, strata_object_wait_one(self->fd, s, SIGNALED,
						  STRATA_TIME_INFINITE,
						  &pending));
	item.handle = s;
	item.signals = SIGNALED;
	EXPECT_EQ(-EACCES, strata_object_wait_many(self->fd, &item, 1, 0));
	EXPECT_EQ(-EACCES, strata_object_wait_async(self->fd, s, SIGNALED,
						    1));
	EXPECT_EQ(0, table_readable(self->fd));
}

/* ---- async waits and the port ------------------------------------------- */

TEST_F(table, async_wait_queues_a_packet_and_the_table_polls_readable)
{
	struct strata_cap_packet pkt;

	ASSERT_EQ(0, strata_object_wait_async(self->fd, self->e,
					      SIGNALED | USER(1), 42));
	EXPECT_EQ(0, table_readable(self->fd));
	EXPECT_EQ(-ETIMEDOUT, take_packet(self->fd, &pkt));

	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0,
					  SIGNALED | USER(0)));
	EXPECT_EQ(1, table_readable(self->fd));
	ASSERT_EQ(1, take_packet(self->fd, &pkt));
	EXPECT_EQ(42, pkt.key);
	EXPECT_EQ(STRATA_CAP_PKT_SIGNAL, pkt.type);
	EXPECT_EQ(0, pkt.status);
	EXPECT_EQ(SIGNALED | USER(1), pkt.trigger);
	EXPECT_EQ(SIGNALED | USER(0), pkt.observed);
	EXPECT_EQ(0, pkt.user[0]);
	EXPECT_EQ(0, pkt.user[1]);
	/* Drained. */
	EXPECT_EQ(0, table_readable(self->fd));
	EXPECT_EQ(-ETIMEDOUT, take_packet(self->fd, &pkt));
}

TEST_F(table, the_table_reports_epollin_to_epoll)
{
	struct strata_cap_packet pkt;
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	ASSERT_EQ(0, strata_object_wait_async(self->fd, self->e, SIGNALED, 7));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0, SIGNALED));
	memset(&ev, 0, sizeof(ev));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 10000));
	EXPECT_NE(0, ev.events & EPOLLIN);
	ASSERT_EQ(1, take_packet(self->fd, &pkt));
	EXPECT_EQ(7, pkt.key);
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	close(ep);
}

TEST_F(table, async_wait_on_signals_already_set_queues_at_once)
{
	struct strata_cap_packet pkt;

	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0, USER(3)));
	ASSERT_EQ(0, strata_object_wait_async(self->fd, self->e,
					      SIGNALED | USER(3), 9));
	EXPECT_EQ(1, table_readable(self->fd));
	ASSERT_EQ(1, take_packet(self->fd, &pkt));
	EXPECT_EQ(9, pkt.key);
	EXPECT_EQ(0, pkt.status);
	EXPECT_EQ(SIGNALED | USER(3), pkt.trigger);
	EXPECT_EQ(USER(3), pkt.observed);
}

TEST_F(table, async_wait_is_one_shot)
{
	struct strata_cap_packet pkt;

	ASSERT_EQ(0, strata_object_wait_async(self->fd, self->e, SIGNALED, 1));
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0, SIGNALED));
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, SIGNALED, 0));
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0, SIGNALED));
	ASSERT_EQ(1, take_packet(self->fd, &pkt));
	EXPECT_EQ(1, pkt.key);
	EXPECT_EQ(-ETIMEDOUT, take_packet(self->fd, &pkt));
	/* Nothing is left to cancel either. */
	EXPECT_EQ(-ENOENT, strata_wait_async_cancel(self->fd, self->e, 1));
}

TEST_F(table, several_async_waits_on_one_handle_each_fire)
{
	struct strata_cap_packet pkts[4];
	int n;

	ASSERT_EQ(0, strata_object_wait_async(self->fd, self->e, USER(0), 1));
	ASSERT_EQ(0, strata_object_wait_async(self->fd, self->e, USER(1), 2));
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0, USER(1)));
	ASSERT_EQ(1, take_packet(self->fd, &pkts[0]));
	EXPECT_EQ(2, pkts[0].key);
	EXPECT_EQ(-ETIMEDOUT, take_packet(self->fd, &pkts[0]));
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0, USER(0)));
	n = strata_port_wait(self->fd, pkts, 4, 0);
	ASSERT_EQ(1, n);
	EXPECT_EQ(1, pkts[0].key);
	EXPECT_EQ(USER(0) | USER(1), pkts[0].observed);
}

TEST_F(table, closing_the_handle_queues_a_cancelled_packet)
{
	struct strata_cap_packet pkt;

	ASSERT_EQ(0, strata_object_wait_async(self->fd, self->e, SIGNALED,
					      0x1234567890ULL));
	ASSERT_EQ(0, strata_handle_close(self->fd, self->e));
	EXPECT_EQ(1, table_readable(self->fd));
	ASSERT_EQ(1, take_packet(self->fd, &pkt));
	EXPECT_EQ(0x1234567890ULL, pkt.key);
	EXPECT_EQ(STRATA_CAP_PKT_SIGNAL, pkt.type);
	EXPECT_EQ(-ECANCELED, pkt.status);
	EXPECT_EQ(-ETIMEDOUT, take_packet(self->fd, &pkt));
}

TEST_F(table, moving_the_handle_out_queues_a_cancelled_packet)
{
	struct strata_cap_packet pkt;
	__u32 c0, c1;

	ASSERT_EQ(0, strata_channel_create(self->fd, &c0, &c1));
	ASSERT_EQ(0, strata_object_wait_async(self->fd, self->e, SIGNALED, 5));
	ASSERT_EQ(0, strata_channel_write(self->fd, c0, "e", 1, &self->e, 1));
	ASSERT_EQ(1, take_packet(self->fd, &pkt));
	EXPECT_EQ(5, pkt.key);
	EXPECT_EQ(-ECANCELED, pkt.status);
}

TEST_F(table, cancel_by_key_removes_the_wait)
{
	struct strata_cap_packet pkt;
	__u32 other;

	ASSERT_EQ(0, strata_event_create(self->fd, &other));
	ASSERT_EQ(0, strata_object_wait_async(self->fd, self->e, SIGNALED, 1));
	ASSERT_EQ(0, strata_object_wait_async(self->fd, self->e, SIGNALED, 2));
	ASSERT_EQ(0, strata_object_wait_async(self->fd, other, SIGNALED, 1));

	EXPECT_EQ(-ENOENT, strata_wait_async_cancel(self->fd, self->e, 3));
	EXPECT_EQ(0, strata_wait_async_cancel(self->fd, self->e, 1));
	EXPECT_EQ(-ENOENT, strata_wait_async_cancel(self->fd, self->e, 1));

	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0, SIGNALED));
	ASSERT_EQ(0, strata_object_signal(self->fd, other, 0, SIGNALED));
	/* Only the wait with key 2 on e and the one on other remain. */
	ASSERT_EQ(1, take_packet(self->fd, &pkt));
	EXPECT_EQ(2, pkt.key);
	EXPECT_EQ(0, pkt.status);
	ASSERT_EQ(1, take_packet(self->fd, &pkt));
	EXPECT_EQ(1, pkt.key);
	EXPECT_EQ(0, pkt.status);
	EXPECT_EQ(-ETIMEDOUT, take_packet(self->fd, &pkt));
}

TEST_F(table, cancel_drops_a_packet_already_queued)
{
	struct strata_cap_packet pkt;

	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0, SIGNALED));
	ASSERT_EQ(0, strata_object_wait_async(self->fd, self->e, SIGNALED, 4));
	EXPECT_EQ(1, table_readable(self->fd));
	EXPECT_EQ(0, strata_wait_async_cancel(self->fd, self->e, 4));
	EXPECT_EQ(0, table_readable(self->fd));
	EXPECT_EQ(-ETIMEDOUT, take_packet(self->fd, &pkt));
}

TEST_F(table, cancel_on_a_stale_handle_fails_with_ebadf)
{
	struct strata_cap_wait_cancel args = { .handle = self->e, .key = 1 };

	ASSERT_EQ(0, strata_object_wait_async(self->fd, self->e, SIGNALED, 1));
	args.reserved = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd,
				     STRATA_CAP_IOC_WAIT_ASYNC_CANCEL, &args));
	ASSERT_EQ(0, strata_handle_close(self->fd, self->e));
	EXPECT_EQ(-EBADF, strata_wait_async_cancel(self->fd, self->e, 1));
}

TEST_F(table, async_wait_rejects_options_and_reserved_fields)
{
	struct strata_cap_wait_async args = {
		.handle = self->e,
		.signals = SIGNALED,
		.options = 1,
	};
	struct strata_cap_packet pkt;

	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_WAIT_ASYNC,
				     &args));
	args.options = 0;
	args.reserved = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_WAIT_ASYNC,
				     &args));
	/* Nothing was armed by the refused calls. */
	ASSERT_EQ(0, strata_object_signal(self->fd, self->e, 0, SIGNALED));
	EXPECT_EQ(-ETIMEDOUT, take_packet(self->fd, &pkt));
	EXPECT_EQ(-EBADF, strata_object_wait_async(self->fd, 0, SIGNALED, 1));
}

TEST_F(table, user_packets_come_out_in_fifo_order_with_their_payload)
{
	struct strata_cap_packet pkts[8];
	__u64 user[2];
	int i, n, got = 0;

	for (i = 0; i < 5; i++) {
		user[0] = 100 + i;
		user[1] = ~(__u64)i;
		ASSERT_EQ(0, strata_port_queue(self->fd, 10 + i, user));
	}
	EXPECT_EQ(1, table_readable(self->fd));
	/* Fewer than asked for is fine: take them until none is left. */
	while (got < 5) {
		n = strata_port_wait(self->fd, pkts + got, 8 - got, 0);
		ASSERT_LT(0, n);
		ASSERT_GE(5 - got, n);
		got += n;
	}
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(10 + i, pkts[i].key);
		EXPECT_EQ(STRATA_CAP_PKT_USER, pkts[i].type);
		EXPECT_EQ(0, pkts[i].status);
		EXPECT_EQ(100 + i, pkts[i].user[0]);
		EXPECT_EQ(~(__u64)i, pkts[i].user[1]);
	}
	EXPECT_EQ(0, table_readable(self->fd));
}

TEST_F(table, port_wait_takes_at_most_count_packets)
{
	struct strata_cap_packet pkts[3];
	__u64 user[2] = { 0, 0 };
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, strata_port_queue(self->fd, i, user));
	memset(pkts, 0xa5, sizeof(pkts));
	ASSERT_EQ(1, strata_port_wait(self->fd, pkts, 1, 0));
	EXPECT_EQ(0, pkts[0].key);
	/* Room for one packet means one packet is written. */
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, pkts[1].key);
	ASSERT_EQ(1, strata_port_wait(self->fd, pkts, 1, 0));
	EXPECT_EQ(1, pkts[0].key);
	ASSERT_EQ(1, strata_port_wait(self->fd, pkts, 1, 0));
	EXPECT_EQ(2, pkts[0].key);
}

TEST_F(table, port_wait_on_an_empty_port_with_deadline_zero_times_out)
{
	struct strata_cap_packet pkt;
	__s64 start = now_ns();

	EXPECT_EQ(-ETIMEDOUT, strata_port_wait(self->fd, &pkt, 1, 0));
	EXPECT_EQ(-ETIMEDOUT,
		  strata_port_wait(self->fd, &pkt, 1,
				   strata_deadline_after(SECOND_NS / 50)));
	EXPECT_LE(SECOND_NS / 50, now_ns() - start);
}

TEST_F(table, port_wait_rejects_bad_counts_and_output_fields)
{
	struct strata_cap_packet pkts[65];
	struct strata_cap_port_wait args = {
		.packets = (__u64)(unsigned long)pkts,
	};
	__u64 user[2] = { 1, 2 };

	ASSERT_EQ(0, strata_port_queue(self->fd, 1, user));
	args.count = 0;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_PORT_WAIT,
				     &args));
	args.count = 65;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_PORT_WAIT,
				     &args));
	args.count = 1;
	args.nr_packets = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_PORT_WAIT,
				     &args));
	/* The packet is still there. */
	args.nr_packets = 0;
	args.count = 64;
	ASSERT_EQ(0, sys_ioctl(self->fd, STRATA_CAP_IOC_PORT_WAIT, &args));
	EXPECT_EQ(1, args.nr_packets);
	EXPECT_EQ(2, pkts[0].user[1]);
}

struct port_waiter {
	int fd;
	int tid;
	int ret;
	struct strata_cap_packet pkt;
};

static void *port_wait_thread(void *arg)
{
	struct port_waiter *w = arg;

	__atomic_store_n(&w->tid, gettid(), __ATOMIC_RELEASE);
	w->ret = strata_port_wait(w->fd, &w->pkt, 1, LATER);
	return NULL;
}

TEST_F(table, port_queue_wakes_a_port_waiter)
{
	struct port_waiter w = { .fd = self->fd };
	__u64 user[2] = { 5, 6 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, port_wait_thread, &w));
	EXPECT_EQ(0, cap_wait_until_blocked(&w.tid));
	EXPECT_EQ(0, strata_port_queue(self->fd, 77, user));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(1, w.ret);
	EXPECT_EQ(77, w.pkt.key);
	EXPECT_EQ(STRATA_CAP_PKT_USER, w.pkt.type);
	EXPECT_EQ(5, w.pkt.user[0]);
	EXPECT_EQ(6, w.pkt.user[1]);
}

struct producer {
	int fd;
	__u32 h;
	int n;
	int ret;
};

/* Writes 0 .. n-1, then closes its endpoint. */
static void *produce(void *arg)
{
	struct producer *p = arg;
	int i, ret = 0;

	for (i = 0; i < p->n && !ret; i++) {
		ret = strata_channel_write(p->fd, p->h, &i, sizeof(i), NULL,
					   0);
		if (i % 4 == 3)
			sched_yield();
	}
	if (!ret)
		ret = strata_handle_close(p->fd, p->h);
	p->ret = ret;
	return NULL;
}

/*
 * The shape of an event loop: arm an async wait on the channel, sleep in
 * epoll on the table, take the packet, drain the channel, re-arm.
 */
TEST_F(table, an_epoll_loop_drives_a_channel)
{
	const __u32 want = STRATA_SIGNAL_READABLE | STRATA_SIGNAL_PEER_CLOSED;
	struct epoll_event ev = { .events = EPOLLIN };
	struct strata_cap_packet pkts[4];
	struct producer prod = { .fd = self->fd, .n = 64 };
	int ep, i, n, v, next = 0, done = 0, ret;
	__u32 c1, nb;
	pthread_t t;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	ASSERT_EQ(0, strata_channel_create(self->fd, &prod.h, &c1));
	ASSERT_EQ(0, strata_object_wait_async(self->fd, c1, want, 0xc1));
	ASSERT_EQ(0, pthread_create(&t, NULL, produce, &prod));

	for (i = 0; i < 10 * prod.n && !done; i++) {
		n = epoll_wait(ep, &ev, 1, 10000);
		if (n != 1)
			break;
		n = strata_port_wait(self->fd, pkts, 4, 0);
		if (n != 1)
			break;
		EXPECT_EQ(0xc1, pkts[0].key);
		EXPECT_EQ(0, pkts[0].status);
		EXPECT_NE(0, pkts[0].observed & want);
		while ((ret = strata_channel_read(self->fd, c1, &v, sizeof(v),
						  NULL, 0, &nb, NULL)) == 0) {
			EXPECT_EQ(sizeof(v), nb);
			EXPECT_EQ(next, v);
			next++;
		}
		if (ret == -EPIPE)
			done = 1;
		else if (ret != -EAGAIN ||
			 strata_object_wait_async(self->fd, c1, want, 0xc1))
			break;
	}
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, prod.ret);
	EXPECT_EQ(1, done);
	EXPECT_EQ(prod.n, next);
	close(ep);
}

TEST_HARNESS_MAIN

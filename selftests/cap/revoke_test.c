// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - revocation of derived handles
 *
 * Revoking a handle marks every handle derived from it (by duplicate or
 * replace, and whatever those became after a transfer or an export), in
 * any table, in a queued message or in an exported file; never the
 * revoking handle itself.  A revoked handle keeps its slot: close and
 * HANDLE_INFO work on it, everything else fails with -EKEYREVOKED.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "common.h"

#define WAIT_NS		(10LL * 1000 * 1000 * 1000)

FIXTURE(revoke) {
	int fd;
	long handles0, objects0;
};

FIXTURE_SETUP(revoke)
{
	self->handles0 = cap_stat("handles");
	self->objects0 = cap_stat("objects");
	ASSERT_LE(0, self->handles0);
	ASSERT_LE(0, self->objects0);
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(revoke)
{
	close(self->fd);
}

static __u32 dup_same(int fd, __u32 h)
{
	__u32 d = STRATA_HANDLE_INVALID;

	if (strata_handle_duplicate(fd, h, STRATA_RIGHT_SAME_RIGHTS, &d))
		return STRATA_HANDLE_INVALID;
	return d;
}

/*
 * Every operation on the revoked event handle @h but close and info fails
 * with -EKEYREVOKED, and none of the failures leaves anything behind.
 * @c0 and @c1 are the two ends of a channel, used to try a transfer.
 */
static void expect_revoked(struct __test_metadata *_metadata, int fd,
			   __u32 h, __u32 c0, __u32 c1)
{
	struct strata_cap_wait_item items[1] = {
		{ .handle = h, .signals = STRATA_SIGNAL_SIGNALED },
	};
	struct strata_cap_handle_info info;
	__u32 nr = cap_nr_handles(fd), out = 0, got = 0, pending;
	char byte = 'x';

	EXPECT_EQ(0, strata_handle_info(fd, h, &info));
	EXPECT_EQ(STRATA_OBJ_EVENT, info.type);
	EXPECT_EQ(-EKEYREVOKED, strata_handle_duplicate(fd, h,
				STRATA_RIGHT_SAME_RIGHTS, &out));
	EXPECT_EQ(-EKEYREVOKED, strata_object_signal(fd, h, 0,
						     STRATA_SIGNAL_SIGNALED));
	EXPECT_EQ(-EKEYREVOKED, strata_object_wait_one(fd, h,
				STRATA_SIGNAL_SIGNALED, 0, &pending));
	EXPECT_EQ(-EKEYREVOKED, strata_object_wait_many(fd, items, 1, 0));
	EXPECT_EQ(-EKEYREVOKED, strata_object_wait_async(fd, h,
				STRATA_SIGNAL_SIGNALED, 1));
	EXPECT_EQ(-EKEYREVOKED, strata_wait_async_cancel(fd, h, 1));
	EXPECT_EQ(-EKEYREVOKED, strata_handle_revoke(fd, h));
	EXPECT_EQ(-EKEYREVOKED, strata_handle_export(fd, h,
				STRATA_RIGHT_SAME_RIGHTS, O_CLOEXEC));
	/* A revoked handle cannot travel, and the message is not sent. */
	EXPECT_EQ(-EKEYREVOKED, strata_channel_write(fd, c0, &byte, 1, &h, 1));
	EXPECT_EQ(-EAGAIN, strata_channel_read(fd, c1, &byte, 1, &got, 1,
					       NULL, NULL));
	/* The handle is still where it was, and nothing was added. */
	EXPECT_EQ(nr, cap_nr_handles(fd));
	EXPECT_EQ(0, strata_handle_info(fd, h, &info));
}

/* Every operation on the live handle @h works. */
static void expect_live(struct __test_metadata *_metadata, int fd, __u32 h)
{
	__u32 pending = 0, d;

	EXPECT_EQ(0, strata_object_signal(fd, h, 0, STRATA_SIGNAL_USER_0));
	EXPECT_EQ(0, strata_object_wait_one(fd, h, STRATA_SIGNAL_USER_0, 0,
					    &pending));
	EXPECT_EQ(STRATA_SIGNAL_USER_0, pending & STRATA_SIGNAL_USER_0);
	EXPECT_EQ(0, strata_object_signal(fd, h, STRATA_SIGNAL_USER_0, 0));
	ASSERT_EQ(0, strata_handle_duplicate(fd, h, STRATA_RIGHT_SAME_RIGHTS,
					     &d));
	EXPECT_EQ(0, strata_handle_close(fd, d));
}

TEST_F(revoke, revoke_needs_the_revoke_right)
{
	__u32 h, d, dd;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h,
			STRATA_DEFAULT_EVENT_RIGHTS & ~STRATA_RIGHT_REVOKE,
			&d));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, d,
					     STRATA_RIGHT_SAME_RIGHTS, &dd));
	EXPECT_EQ(-EACCES, strata_handle_revoke(self->fd, d));
	/* The refused revoke marked nothing. */
	expect_live(_metadata, self->fd, dd);
	EXPECT_EQ(-EBADF, strata_handle_revoke(self->fd,
					       STRATA_HANDLE_INVALID));
}

TEST_F(revoke, revoke_of_a_fresh_handle_revokes_nothing)
{
	__u32 h;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	EXPECT_EQ(0, strata_handle_revoke(self->fd, h));
	/* ... and never the revoking handle itself. */
	expect_live(_metadata, self->fd, h);
}

TEST_F(revoke, revoke_marks_duplicates_and_their_duplicates)
{
	__u32 h, d1, d2, c0, c1;

	ASSERT_EQ(0, strata_channel_create(self->fd, &c0, &c1));
	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	d1 = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, d1);
	d2 = dup_same(self->fd, d1);
	ASSERT_NE(STRATA_HANDLE_INVALID, d2);

	EXPECT_EQ(2, strata_handle_revoke(self->fd, h));
	expect_revoked(_metadata, self->fd, d1, c0, c1);
	expect_revoked(_metadata, self->fd, d2, c0, c1);
	/* The revoking handle still works, and so does its object. */
	expect_live(_metadata, self->fd, h);
}

TEST_F(revoke, revoke_marks_replaced_handles)
{
	struct strata_cap_handle_info info;
	__u32 h, d, r, c0, c1;

	ASSERT_EQ(0, strata_channel_create(self->fd, &c0, &c1));
	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	d = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	/* Replace keeps the new handle at the old one's place in the tree. */
	ASSERT_EQ(0, strata_handle_replace(self->fd, d,
			STRATA_RIGHT_SIGNAL | STRATA_RIGHT_WAIT, &r));
	EXPECT_EQ(1, strata_handle_revoke(self->fd, h));
	ASSERT_EQ(0, strata_handle_info(self->fd, r, &info));
	EXPECT_EQ(STRATA_RIGHT_SIGNAL | STRATA_RIGHT_WAIT, info.rights);
	EXPECT_EQ(-EKEYREVOKED, strata_object_signal(self->fd, r, 0,
						STRATA_SIGNAL_SIGNALED));
}

TEST_F(revoke, revoked_handle_keeps_its_rights_and_koid_in_info)
{
	struct strata_cap_handle_info before, after;
	__u32 h, d;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h, STRATA_RIGHT_WAIT |
					     STRATA_RIGHT_SIGNAL, &d));
	ASSERT_EQ(0, strata_handle_info(self->fd, d, &before));
	EXPECT_EQ(1, strata_handle_revoke(self->fd, h));
	ASSERT_EQ(0, strata_handle_info(self->fd, d, &after));
	EXPECT_EQ(before.koid, after.koid);
	EXPECT_EQ(before.type, after.type);
	EXPECT_EQ(before.rights, after.rights);
}

TEST_F(revoke, replace_of_a_revoked_handle_fails_with_ekeyrevoked)
{
	__u32 h, d, r = 0;
	int ret;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	d = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	EXPECT_EQ(1, strata_handle_revoke(self->fd, h));
	EXPECT_EQ(-EKEYREVOKED, strata_handle_replace(self->fd, d,
				STRATA_RIGHT_SAME_RIGHTS, &r));
	/*
	 * Whether the failed replace consumed the revoked handle is not
	 * pinned down (replace consumes its source "whatever the outcome",
	 * a revoked handle "stays until closed"); either way no new handle
	 * exists and nothing leaks.
	 */
	ret = strata_handle_close(self->fd, d);
	EXPECT_TRUE(ret == 0 || ret == -EBADF);
	EXPECT_EQ(1, cap_nr_handles(self->fd));
	EXPECT_EQ(0, strata_handle_close(self->fd, h));
	EXPECT_EQ(self->handles0, cap_stat_settle("handles", self->handles0,
						  2000));
	EXPECT_EQ(self->objects0, cap_stat_settle("objects", self->objects0,
						  2000));
}

TEST_F(revoke, close_of_a_revoked_handle_frees_its_slot)
{
	struct strata_cap_handle_info info;
	__u32 h, d;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	d = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	EXPECT_EQ(1, strata_handle_revoke(self->fd, h));
	/* Revocation alone frees nothing: the slot stays taken. */
	EXPECT_EQ(2, cap_nr_handles(self->fd));
	EXPECT_EQ(self->handles0 + 2, cap_stat("handles"));

	EXPECT_EQ(0, strata_handle_close(self->fd, d));
	EXPECT_EQ(1, cap_nr_handles(self->fd));
	EXPECT_EQ(self->handles0 + 1, cap_stat("handles"));
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, d, &info));
	EXPECT_EQ(-EBADF, strata_handle_close(self->fd, d));
	/* The root still holds the object. */
	EXPECT_EQ(self->objects0 + 1, cap_stat("objects"));
	EXPECT_EQ(0, strata_handle_close(self->fd, h));
	EXPECT_EQ(self->handles0, cap_stat("handles"));
	EXPECT_EQ(self->objects0, cap_stat_settle("objects", self->objects0,
						  2000));
}

TEST_F(revoke, revoked_handles_do_not_keep_the_object_alive_past_close)
{
	__u32 h, d;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	d = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	EXPECT_EQ(1, strata_handle_revoke(self->fd, h));
	/* The root goes first; the revoked handle is the last reference. */
	EXPECT_EQ(0, strata_handle_close(self->fd, h));
	EXPECT_EQ(self->objects0 + 1, cap_stat("objects"));
	EXPECT_EQ(0, strata_handle_close(self->fd, d));
	EXPECT_EQ(self->objects0, cap_stat_settle("objects", self->objects0,
						  2000));
	EXPECT_EQ(0, cap_nr_handles(self->fd));
}

TEST_F(revoke, revoking_a_sibling_spares_the_others)
{
	__u32 h, a, b, a1, b1, c0, c1;

	ASSERT_EQ(0, strata_channel_create(self->fd, &c0, &c1));
	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	a = dup_same(self->fd, h);
	b = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, a);
	ASSERT_NE(STRATA_HANDLE_INVALID, b);
	a1 = dup_same(self->fd, a);
	b1 = dup_same(self->fd, b);
	ASSERT_NE(STRATA_HANDLE_INVALID, a1);
	ASSERT_NE(STRATA_HANDLE_INVALID, b1);

	/* Only a's subtree: a1.  Neither the root nor b's line. */
	EXPECT_EQ(1, strata_handle_revoke(self->fd, a));
	expect_revoked(_metadata, self->fd, a1, c0, c1);
	expect_live(_metadata, self->fd, a);
	expect_live(_metadata, self->fd, b);
	expect_live(_metadata, self->fd, b1);
	expect_live(_metadata, self->fd, h);
}

TEST_F(revoke, handles_derived_after_a_revoke_are_not_revoked)
{
	__u32 h, d, e;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	d = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	EXPECT_EQ(1, strata_handle_revoke(self->fd, h));
	/* Revocation is an act, not a state of the root. */
	e = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, e);
	expect_live(_metadata, self->fd, e);
	/* A second revoke catches the new one. */
	EXPECT_LE(1, strata_handle_revoke(self->fd, h));
	EXPECT_EQ(-EKEYREVOKED, strata_object_signal(self->fd, e, 0,
						STRATA_SIGNAL_SIGNALED));
}

TEST_F(revoke, revoke_counts_only_live_descendants)
{
	__u32 h, d1, d2, d3;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	d1 = dup_same(self->fd, h);
	d2 = dup_same(self->fd, h);
	d3 = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, d1);
	ASSERT_NE(STRATA_HANDLE_INVALID, d2);
	ASSERT_NE(STRATA_HANDLE_INVALID, d3);
	ASSERT_EQ(0, strata_handle_close(self->fd, d2));
	EXPECT_EQ(2, strata_handle_revoke(self->fd, h));
}

TEST_F(revoke, closing_an_intermediate_handle_does_not_hide_its_descendants)
{
	__u32 h, mid, leaf;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	mid = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, mid);
	leaf = dup_same(self->fd, mid);
	ASSERT_NE(STRATA_HANDLE_INVALID, leaf);
	/*
	 * leaf was derived from h through mid; closing mid must not be a
	 * way to escape h's revocation.
	 */
	ASSERT_EQ(0, strata_handle_close(self->fd, mid));
	EXPECT_EQ(1, strata_handle_revoke(self->fd, h));
	EXPECT_EQ(-EKEYREVOKED, strata_object_signal(self->fd, leaf, 0,
						STRATA_SIGNAL_SIGNALED));
}

TEST_F(revoke, queued_handles_arrive_invalid_after_revoke)
{
	__u32 h, d, other, c0, c1, got[2] = { 7, 7 }, nb = 0, nh = 0;
	struct strata_cap_handle_info info;
	__u32 sent[2];
	char buf[8] = {};

	ASSERT_EQ(0, strata_channel_create(self->fd, &c0, &c1));
	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_event_create(self->fd, &other));
	d = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	sent[0] = d;
	sent[1] = other;
	ASSERT_EQ(0, strata_channel_write(self->fd, c0, "msg", 3, sent, 2));
	EXPECT_EQ(3, cap_nr_handles(self->fd));

	/* d is in flight, still a descendant of h. */
	EXPECT_EQ(1, strata_handle_revoke(self->fd, h));
	ASSERT_EQ(0, strata_channel_read(self->fd, c1, buf, sizeof(buf), got,
					 2, &nb, &nh));
	EXPECT_EQ(3, nb);
	EXPECT_EQ(0, memcmp(buf, "msg", 3));
	EXPECT_EQ(2, nh);
	EXPECT_EQ(STRATA_HANDLE_INVALID, got[0]);
	/* The unrelated handle in the same message is untouched. */
	ASSERT_NE(STRATA_HANDLE_INVALID, got[1]);
	ASSERT_EQ(0, strata_handle_info(self->fd, got[1], &info));
	EXPECT_EQ(STRATA_OBJ_EVENT, info.type);
	expect_live(_metadata, self->fd, got[1]);
	/* The revoked one took no slot and holds nothing. */
	EXPECT_EQ(4, cap_nr_handles(self->fd));
	EXPECT_EQ(self->handles0 + 4, cap_stat_settle("handles",
						      self->handles0 + 4,
						      2000));
}

TEST_F(revoke, received_handles_are_revoked_in_the_receiving_table)
{
	struct strata_cap_handle_info info;
	__u32 h, d, c0, c1, remote, got = 0, nh = 0, c1_koid;
	int other, efd;
	char byte;

	other = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, other);
	/* Move c1 into the other table, so the message crosses tables. */
	ASSERT_EQ(0, strata_channel_create(self->fd, &c0, &c1));
	ASSERT_EQ(0, strata_handle_info(self->fd, c1, &info));
	c1_koid = info.koid;
	efd = strata_handle_export(self->fd, c1, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, strata_handle_import(other, efd, &remote));
	close(efd);
	ASSERT_EQ(0, strata_handle_info(other, remote, &info));
	EXPECT_EQ(c1_koid, info.koid);

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	d = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	ASSERT_EQ(0, strata_channel_write(self->fd, c0, "m", 1, &d, 1));
	ASSERT_EQ(0, strata_channel_read(other, remote, &byte, 1, &got, 1,
					 NULL, &nh));
	ASSERT_EQ(1, nh);
	ASSERT_NE(STRATA_HANDLE_INVALID, got);
	expect_live(_metadata, other, got);

	EXPECT_EQ(1, strata_handle_revoke(self->fd, h));
	EXPECT_EQ(-EKEYREVOKED, strata_object_signal(other, got, 0,
						STRATA_SIGNAL_SIGNALED));
	EXPECT_EQ(0, strata_handle_info(other, got, &info));
	EXPECT_EQ(0, strata_handle_close(other, got));
	close(other);
}

TEST_F(revoke, exported_then_revoked_cannot_be_imported)
{
	char buf[1024];
	__u32 h, d, out = 0;
	int efd;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	d = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	efd = strata_handle_export(self->fd, d, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, cap_read_fdinfo(efd, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "strata-revoked:\t0\n"));

	EXPECT_EQ(1, strata_handle_revoke(self->fd, h));
	ASSERT_EQ(0, cap_read_fdinfo(efd, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "strata-revoked:\t1\n"));
	EXPECT_EQ(-EKEYREVOKED, strata_handle_import(self->fd, efd, &out));
	EXPECT_EQ(1, cap_nr_handles(self->fd));
	close(efd);
	EXPECT_EQ(0, strata_handle_close(self->fd, h));
	EXPECT_EQ(self->objects0, cap_stat_settle("objects", self->objects0,
						  2000));
}

TEST_F(revoke, revoke_reaches_another_process)
{
	__u32 h, d, pending = 0;
	int to_child[2], to_parent[2], efd, status;
	pid_t pid;
	char c;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	d = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	/* Without O_CLOEXEC: the child inherits the exported file. */
	efd = strata_handle_export(self->fd, d, STRATA_RIGHT_SAME_RIGHTS, 0);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, pipe2(to_child, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(to_parent, O_CLOEXEC));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct strata_cap_handle_info info;
		int t = strata_cap_open(O_CLOEXEC);
		__u32 mine;

		if (t < 0)
			_exit(10);
		if (strata_handle_import(t, efd, &mine))
			_exit(11);
		if (strata_object_signal(t, mine, 0, STRATA_SIGNAL_USER_0))
			_exit(12);
		if (write(to_parent[1], "i", 1) != 1)
			_exit(13);
		if (read(to_child[0], &c, 1) != 1)
			_exit(14);
		if (strata_object_signal(t, mine, 0, STRATA_SIGNAL_SIGNALED) !=
		    -EKEYREVOKED)
			_exit(15);
		if (strata_handle_info(t, mine, &info))
			_exit(16);
		if (strata_handle_close(t, mine))
			_exit(17);
		close(t);
		_exit(0);
	}
	close(efd);
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	/* The child's signal reached the shared object... */
	EXPECT_EQ(0, strata_object_wait_one(self->fd, h, STRATA_SIGNAL_USER_0,
					    0, &pending));
	/* ... and its handle, now in its own table, is still h's. */
	EXPECT_EQ(1, strata_handle_revoke(self->fd, h));
	ASSERT_EQ(1, write(to_child[1], "r", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

struct waiter {
	int fd;
	__u32 handle;
	int tid;
	int ret;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;
	__u32 pending;

	__atomic_store_n(&w->tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	w->ret = strata_object_wait_one(w->fd, w->handle,
					STRATA_SIGNAL_SIGNALED,
					strata_deadline_after(WAIT_NS),
					&pending);
	return NULL;
}


TEST_F(revoke, blocked_waiter_on_a_derived_handle_is_woken)
{
	struct waiter w = { .fd = self->fd };
	pthread_t t;
	__u32 h;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	w.handle = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, w.handle);
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	EXPECT_EQ(0, cap_wait_until_blocked(&w.tid));

	EXPECT_EQ(1, strata_handle_revoke(self->fd, h));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-EKEYREVOKED, w.ret);
	/* The object was never signalled: the wake came from the revoke. */
	EXPECT_EQ(-ETIMEDOUT, strata_object_wait_one(self->fd, h,
				STRATA_SIGNAL_SIGNALED, 0, NULL));
}

struct many_waiter {
	int fd;
	struct strata_cap_wait_item items[2];
	int tid;
	int ret;
};

static void *wait_many_thread(void *arg)
{
	struct many_waiter *w = arg;

	__atomic_store_n(&w->tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	w->ret = strata_object_wait_many(w->fd, w->items, 2,
					 strata_deadline_after(WAIT_NS));
	return NULL;
}

TEST_F(revoke, wait_many_ends_when_one_item_is_revoked)
{
	struct many_waiter w = { .fd = self->fd };
	pthread_t t;
	__u32 h, other;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_event_create(self->fd, &other));
	w.items[0].handle = other;
	w.items[0].signals = STRATA_SIGNAL_SIGNALED;
	w.items[1].handle = dup_same(self->fd, h);
	w.items[1].signals = STRATA_SIGNAL_SIGNALED;
	ASSERT_NE(STRATA_HANDLE_INVALID, w.items[1].handle);
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_many_thread, &w));
	EXPECT_EQ(0, cap_wait_until_blocked(&w.tid));
	EXPECT_EQ(1, strata_handle_revoke(self->fd, h));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-EKEYREVOKED, w.ret);
}

TEST_F(revoke, async_wait_on_a_derived_handle_gets_a_revoked_packet)
{
	struct strata_cap_packet pkt[2];
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	__u32 h, d;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	d = dup_same(self->fd, h);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	ASSERT_EQ(0, strata_object_wait_async(self->fd, d,
					      STRATA_SIGNAL_SIGNALED, 7));
	ASSERT_EQ(0, strata_object_wait_async(self->fd, h,
					      STRATA_SIGNAL_SIGNALED, 8));
	EXPECT_EQ(0, poll(&pfd, 1, 0));

	EXPECT_EQ(1, strata_handle_revoke(self->fd, h));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLIN);
	memset(pkt, 0xff, sizeof(pkt));
	ASSERT_EQ(1, strata_port_wait(self->fd, pkt, 2,
				      strata_deadline_after(WAIT_NS)));
	EXPECT_EQ(7, pkt[0].key);
	EXPECT_EQ(STRATA_CAP_PKT_SIGNAL, pkt[0].type);
	EXPECT_EQ(-EKEYREVOKED, pkt[0].status);

	/* The root's own wait is still pending, and still works. */
	EXPECT_EQ(-ETIMEDOUT, strata_port_wait(self->fd, pkt, 2, 0));
	ASSERT_EQ(0, strata_object_signal(self->fd, h, 0,
					  STRATA_SIGNAL_SIGNALED));
	ASSERT_EQ(1, strata_port_wait(self->fd, pkt, 2,
				      strata_deadline_after(WAIT_NS)));
	EXPECT_EQ(8, pkt[0].key);
	EXPECT_EQ(0, pkt[0].status);
	EXPECT_EQ(STRATA_SIGNAL_SIGNALED, pkt[0].trigger);
	EXPECT_TRUE(pkt[0].observed & STRATA_SIGNAL_SIGNALED);
}

/*
 * Concurrency: threads race duplicate, close, signal, wait and revoke on
 * one derivation tree.  Every result must be one the uapi documents for
 * that race, and the tree must stay whole: afterwards a revoke of the
 * root marks every handle still derived from it.
 */
#define RACE_THREADS	4
#define RACE_ITERS	2000
#define RACE_SLOTS	32

struct race {
	int fd;
	__u32 root;
	__u32 slots[RACE_SLOTS];
};

static int race_result_ok(int op, int ret)
{
	switch (op) {
	case 0:	/* duplicate */
	case 2:	/* signal */
		return ret == 0 || ret == -EBADF || ret == -EKEYREVOKED;
	case 1:	/* close of a value this thread took out of its slot */
		return ret == 0;
	case 3:	/* wait, polling */
		return ret == 0 || ret == -ETIMEDOUT || ret == -EBADF ||
		       ret == -EKEYREVOKED || ret == -ECANCELED;
	default: /* revoke */
		return ret >= 0 || ret == -EBADF || ret == -EKEYREVOKED;
	}
}

struct race_thread {
	struct race *race;
	unsigned int seed;
	unsigned long unexpected;
	int bad_op, bad_ret;
};

static void *race_thread(void *arg)
{
	struct race_thread *rt = arg;
	struct race *r = rt->race;
	unsigned int i, slot;
	__u32 v, nv, old;
	int op, ret;

	for (i = 0; i < RACE_ITERS; i++) {
		slot = rand_r(&rt->seed) % RACE_SLOTS;
		op = rand_r(&rt->seed) % 5;
		v = __atomic_load_n(&r->slots[slot], __ATOMIC_SEQ_CST);
		/* Refill empty slots from the root now and then. */
		if (v == STRATA_HANDLE_INVALID || rand_r(&rt->seed) % 16 == 0)
			v = r->root;
		switch (op) {
		case 0:
			ret = strata_handle_duplicate(r->fd, v,
					STRATA_RIGHT_SAME_RIGHTS, &nv);
			if (ret == 0) {
				old = __atomic_exchange_n(&r->slots[slot], nv,
							  __ATOMIC_SEQ_CST);
				if (old != STRATA_HANDLE_INVALID &&
				    strata_handle_close(r->fd, old)) {
					rt->unexpected++;
					rt->bad_op = 1;
				}
			}
			break;
		case 1:
			v = __atomic_exchange_n(&r->slots[slot],
						STRATA_HANDLE_INVALID,
						__ATOMIC_SEQ_CST);
			if (v == STRATA_HANDLE_INVALID)
				continue;
			ret = strata_handle_close(r->fd, v);
			break;
		case 2:
			ret = strata_object_signal(r->fd, v,
						   STRATA_SIGNAL_SIGNALED,
						   STRATA_SIGNAL_USER_0);
			break;
		case 3:
			ret = strata_object_wait_one(r->fd, v,
						     STRATA_SIGNAL_USER_0, 0,
						     NULL);
			break;
		default:
			/* Revoking the root takes out most of the tree. */
			if (v == r->root && rand_r(&rt->seed) % 4)
				continue;
			ret = strata_handle_revoke(r->fd, v);
			break;
		}
		if (!race_result_ok(op, ret)) {
			rt->unexpected++;
			rt->bad_op = op;
			rt->bad_ret = ret;
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(revoke, racing_threads_keep_the_tree_consistent, 120)
{
	struct race_thread rt[RACE_THREADS];
	pthread_t threads[RACE_THREADS];
	struct race r = { .fd = self->fd };
	unsigned int i, seed = (unsigned int)time(NULL) ^ getpid();
	int n;

	TH_LOG("seed %u", seed);
	ASSERT_EQ(0, strata_event_create(self->fd, &r.root));
	for (i = 0; i < RACE_SLOTS; i++) {
		r.slots[i] = dup_same(self->fd, r.root);
		ASSERT_NE(STRATA_HANDLE_INVALID, r.slots[i]);
	}
	for (i = 0; i < RACE_THREADS; i++) {
		rt[i] = (struct race_thread){ .race = &r, .seed = seed + i };
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, race_thread,
					    &rt[i]));
	}
	for (i = 0; i < RACE_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(threads[i], NULL));
		if (rt[i].unexpected)
			TH_LOG("thread %u: %lu unexpected, last op %d: %d",
			       i, rt[i].unexpected, rt[i].bad_op,
			       rt[i].bad_ret);
		EXPECT_EQ(0, rt[i].unexpected);
	}

	/* Every handle left in a slot descends from the root. */
	n = strata_handle_revoke(self->fd, r.root);
	EXPECT_LE(0, n);
	for (i = 0; i < RACE_SLOTS; i++) {
		if (r.slots[i] == STRATA_HANDLE_INVALID)
			continue;
		EXPECT_EQ(-EKEYREVOKED, strata_object_signal(self->fd,
				r.slots[i], 0, STRATA_SIGNAL_SIGNALED));
		EXPECT_EQ(0, strata_handle_close(self->fd, r.slots[i]));
	}
	expect_live(_metadata, self->fd, r.root);
	EXPECT_EQ(0, strata_handle_close(self->fd, r.root));
	EXPECT_EQ(0, cap_nr_handles(self->fd));
	EXPECT_EQ(self->handles0, cap_stat_settle("handles", self->handles0,
						  2000));
	EXPECT_EQ(self->objects0, cap_stat_settle("objects", self->objects0,
						  2000));
}

TEST_HARNESS_MAIN

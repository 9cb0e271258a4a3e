// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - handles as file descriptors: export and import
 *
 * Export moves a handle out of its table into a new "handle file"; import
 * moves it back into a table, any table, of any process that holds the fd
 * (SCM_RIGHTS, fork).  The fd is the bridge to the rest of Unix.
 */
#include <poll.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "common.h"

#define WAIT_NS		(10LL * 1000 * 1000 * 1000)

FIXTURE(bridge) {
	int fd;
	long handles0, objects0;
};

FIXTURE_SETUP(bridge)
{
	self->handles0 = cap_stat("handles");
	self->objects0 = cap_stat("objects");
	ASSERT_LE(0, self->handles0);
	ASSERT_LE(0, self->objects0);
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(bridge)
{
	close(self->fd);
}

/* The value of the line "@key:\t..." of /proc/self/fdinfo/@fd, or NULL. */
TEST_F(bridge, export_needs_the_transfer_right)
{
	struct strata_cap_handle_info info;
	__u32 h, d;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h,
			STRATA_DEFAULT_EVENT_RIGHTS & ~STRATA_RIGHT_TRANSFER,
			&d));
	EXPECT_EQ(-EACCES, strata_handle_export(self->fd, d,
				STRATA_RIGHT_SAME_RIGHTS, O_CLOEXEC));
	/* The refused export left the handle where it was. */
	EXPECT_EQ(0, strata_handle_info(self->fd, d, &info));
	EXPECT_EQ(2, cap_nr_handles(self->fd));
}

TEST_F(bridge, export_of_a_stale_handle_fails_with_ebadf)
{
	__u32 h;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_close(self->fd, h));
	EXPECT_EQ(-EBADF, strata_handle_export(self->fd, h,
				STRATA_RIGHT_SAME_RIGHTS, O_CLOEXEC));
	EXPECT_EQ(-EBADF, strata_handle_export(self->fd, STRATA_HANDLE_INVALID,
				STRATA_RIGHT_SAME_RIGHTS, O_CLOEXEC));
}

TEST_F(bridge, export_consumes_the_handle)
{
	struct strata_cap_handle_info info;
	__u32 h, d;
	int efd;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	efd = strata_handle_export(self->fd, h, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, h, &info));
	EXPECT_EQ(-EBADF, strata_handle_duplicate(self->fd, h,
				STRATA_RIGHT_SAME_RIGHTS, &d));
	EXPECT_EQ(-EBADF, strata_handle_close(self->fd, h));
	EXPECT_EQ(0, cap_nr_handles(self->fd));
	/* The object lives on in the file. */
	EXPECT_EQ(self->objects0 + 1, cap_stat("objects"));
	close(efd);
}

TEST_F(bridge, export_sets_close_on_exec_only_when_asked)
{
	__u32 h1, h2;
	int a, b;

	ASSERT_EQ(0, strata_event_create(self->fd, &h1));
	ASSERT_EQ(0, strata_event_create(self->fd, &h2));
	a = strata_handle_export(self->fd, h1, STRATA_RIGHT_SAME_RIGHTS,
				 O_CLOEXEC);
	ASSERT_LE(0, a);
	b = strata_handle_export(self->fd, h2, STRATA_RIGHT_SAME_RIGHTS, 0);
	ASSERT_LE(0, b);
	EXPECT_TRUE(fcntl(a, F_GETFD) & FD_CLOEXEC);
	EXPECT_FALSE(fcntl(b, F_GETFD) & FD_CLOEXEC);
	close(a);
	close(b);
}

TEST_F(bridge, import_gives_the_exported_object_and_rights)
{
	struct strata_cap_handle_info before, after;
	__u32 h, back;
	int efd;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_info(self->fd, h, &before));
	efd = strata_handle_export(self->fd, h, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, strata_handle_import(self->fd, efd, &back));
	EXPECT_NE(STRATA_HANDLE_INVALID, back);
	ASSERT_EQ(0, strata_handle_info(self->fd, back, &after));
	EXPECT_EQ(before.koid, after.koid);
	EXPECT_EQ(STRATA_OBJ_EVENT, after.type);
	EXPECT_EQ(STRATA_DEFAULT_EVENT_RIGHTS, after.rights);
	EXPECT_EQ(1, cap_nr_handles(self->fd));
	/* The imported handle is a working one. */
	EXPECT_EQ(0, strata_object_signal(self->fd, back, 0,
					  STRATA_SIGNAL_SIGNALED));
	EXPECT_EQ(0, strata_object_wait_one(self->fd, back,
					    STRATA_SIGNAL_SIGNALED, 0, NULL));
	close(efd);
}

TEST_F(bridge, export_narrows_rights_to_a_subset)
{
	const __u32 rights = STRATA_RIGHT_WAIT | STRATA_RIGHT_INSPECT;
	struct strata_cap_handle_info a, b;
	__u32 h, back;
	int efd;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_info(self->fd, h, &a));
	efd = strata_handle_export(self->fd, h, rights, O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, strata_handle_import(self->fd, efd, &back));
	ASSERT_EQ(0, strata_handle_info(self->fd, back, &b));
	EXPECT_EQ(rights, b.rights);
	EXPECT_EQ(a.koid, b.koid);
	/* The narrowing holds: no SIGNAL any more. */
	EXPECT_EQ(-EACCES, strata_object_signal(self->fd, back, 0,
						STRATA_SIGNAL_SIGNALED));
	close(efd);
}

TEST_F(bridge, export_refuses_rights_the_handle_lacks)
{
	struct strata_cap_handle_info info;
	__u32 h, d;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	/* Events have no READ. */
	EXPECT_EQ(-EINVAL, strata_handle_export(self->fd, h,
			STRATA_DEFAULT_EVENT_RIGHTS | STRATA_RIGHT_READ,
			O_CLOEXEC));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h,
			STRATA_RIGHT_TRANSFER | STRATA_RIGHT_WAIT, &d));
	EXPECT_EQ(-EINVAL, strata_handle_export(self->fd, d,
			STRATA_RIGHT_TRANSFER | STRATA_RIGHT_WAIT |
			STRATA_RIGHT_SIGNAL, O_CLOEXEC));
	/* Bits that are no right at all. */
	EXPECT_EQ(-EINVAL, strata_handle_export(self->fd, d, 1U << 20,
						O_CLOEXEC));
	/* A failed export consumes nothing. */
	EXPECT_EQ(0, strata_handle_info(self->fd, h, &info));
	EXPECT_EQ(0, strata_handle_info(self->fd, d, &info));
	EXPECT_EQ(STRATA_RIGHT_TRANSFER | STRATA_RIGHT_WAIT, info.rights);
	EXPECT_EQ(2, cap_nr_handles(self->fd));
}

TEST_F(bridge, second_import_fails_with_enoent)
{
	__u32 h, back, again = 0;
	int efd, other;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	efd = strata_handle_export(self->fd, h, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, strata_handle_import(self->fd, efd, &back));
	EXPECT_EQ(-ENOENT, strata_handle_import(self->fd, efd, &again));
	EXPECT_EQ(1, cap_nr_handles(self->fd));
	/* Neither into another table. */
	other = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, other);
	EXPECT_EQ(-ENOENT, strata_handle_import(other, efd, &again));
	EXPECT_EQ(0, cap_nr_handles(other));
	close(other);
	close(efd);
}

TEST_F(bridge, import_into_another_table_moves_the_handle_there)
{
	struct strata_cap_handle_info a, b;
	__u32 h, back;
	int other, efd;

	other = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_info(self->fd, h, &a));
	efd = strata_handle_export(self->fd, h, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, strata_handle_import(other, efd, &back));
	ASSERT_EQ(0, strata_handle_info(other, back, &b));
	EXPECT_EQ(a.koid, b.koid);
	EXPECT_EQ(0, cap_nr_handles(self->fd));
	EXPECT_EQ(1, cap_nr_handles(other));
	close(efd);
	close(other);
	EXPECT_EQ(self->objects0, cap_stat_settle("objects", self->objects0,
						  2000));
}

TEST_F(bridge, import_of_another_kind_of_file_fails_with_einval)
{
	__u32 out = 0;
	int null_fd, pipe_fd[2];

	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null_fd);
	EXPECT_EQ(-EINVAL, strata_handle_import(self->fd, null_fd, &out));
	ASSERT_EQ(0, pipe2(pipe_fd, O_CLOEXEC));
	EXPECT_EQ(-EINVAL, strata_handle_import(self->fd, pipe_fd[0], &out));
	/* A table is a strata file too, but no handle file. */
	EXPECT_EQ(-EINVAL, strata_handle_import(self->fd, self->fd, &out));
	EXPECT_EQ(0, cap_nr_handles(self->fd));
	close(null_fd);
	close(pipe_fd[0]);
	close(pipe_fd[1]);
}

TEST_F(bridge, import_of_a_closed_fd_fails_with_ebadf)
{
	__u32 out = 0;
	int nfd;

	nfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, nfd);
	close(nfd);
	EXPECT_EQ(-EBADF, strata_handle_import(self->fd, nfd, &out));
	EXPECT_EQ(-EBADF, strata_handle_import(self->fd, -1, &out));
	EXPECT_EQ(0, cap_nr_handles(self->fd));
}

TEST_F(bridge, fdinfo_of_an_exported_fd_describes_the_handle)
{
	const __u32 rights = STRATA_RIGHT_TRANSFER | STRATA_RIGHT_WAIT;
	struct strata_cap_handle_info info;
	char val[64], want[64];
	__u32 h, e0, e1, c0, c1;
	int efd;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_info(self->fd, h, &info));
	efd = strata_handle_export(self->fd, h, rights, O_CLOEXEC);
	ASSERT_LE(0, efd);
	snprintf(want, sizeof(want), "%llu", (unsigned long long)info.koid);
	ASSERT_NE(NULL, cap_fdinfo_field(efd, "strata-koid", val, sizeof(val)));
	EXPECT_STREQ(want, val);
	ASSERT_NE(NULL, cap_fdinfo_field(efd, "strata-type", val, sizeof(val)));
	EXPECT_STREQ("event", val);
	snprintf(want, sizeof(want), "0x%x", rights);
	ASSERT_NE(NULL, cap_fdinfo_field(efd, "strata-rights", val, sizeof(val)));
	EXPECT_STREQ(want, val);
	ASSERT_NE(NULL, cap_fdinfo_field(efd, "strata-revoked", val, sizeof(val)));
	EXPECT_STREQ("0", val);
	close(efd);

	/* The type names of the paired objects. */
	ASSERT_EQ(0, strata_eventpair_create(self->fd, &e0, &e1));
	efd = strata_handle_export(self->fd, e1, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_NE(NULL, cap_fdinfo_field(efd, "strata-type", val, sizeof(val)));
	EXPECT_STREQ("eventpair", val);
	snprintf(want, sizeof(want), "0x%x", STRATA_DEFAULT_EVENTPAIR_RIGHTS);
	ASSERT_NE(NULL, cap_fdinfo_field(efd, "strata-rights", val, sizeof(val)));
	EXPECT_STREQ(want, val);
	close(efd);
	ASSERT_EQ(0, strata_channel_create(self->fd, &c0, &c1));
	efd = strata_handle_export(self->fd, c1, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_NE(NULL, cap_fdinfo_field(efd, "strata-type", val, sizeof(val)));
	EXPECT_STREQ("channel", val);
	close(efd);
}

TEST_F(bridge, fdinfo_of_the_table_counts_exported_handles_out)
{
	struct strata_cap_table_info tinfo;
	char val[64], want[64];
	__u32 h1, h2;
	int efd;

	ASSERT_EQ(0, strata_cap_table_info(self->fd, &tinfo));
	ASSERT_EQ(0, strata_event_create(self->fd, &h1));
	ASSERT_EQ(0, strata_event_create(self->fd, &h2));
	snprintf(want, sizeof(want), "%llu", (unsigned long long)tinfo.koid);
	ASSERT_NE(NULL, cap_fdinfo_field(self->fd, "strata-table-koid", val,
				     sizeof(val)));
	EXPECT_STREQ(want, val);
	ASSERT_NE(NULL, cap_fdinfo_field(self->fd, "strata-handles", val,
				     sizeof(val)));
	EXPECT_STREQ("2", val);
	efd = strata_handle_export(self->fd, h1, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_NE(NULL, cap_fdinfo_field(self->fd, "strata-handles", val,
				     sizeof(val)));
	EXPECT_STREQ("1", val);
	close(efd);
}

TEST_F(bridge, closing_an_unimported_fd_releases_the_object)
{
	__u32 h;
	int efd;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	efd = strata_handle_export(self->fd, h, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	EXPECT_EQ(self->objects0 + 1, cap_stat("objects"));
	close(efd);
	EXPECT_EQ(self->objects0, cap_stat_settle("objects", self->objects0,
						  2000));
	EXPECT_EQ(self->handles0, cap_stat_settle("handles", self->handles0,
						  2000));
}

TEST_F(bridge, closing_an_exported_endpoint_closes_the_peer)
{
	__u32 e0, e1, pending = 0;
	int efd;

	ASSERT_EQ(0, strata_eventpair_create(self->fd, &e0, &e1));
	efd = strata_handle_export(self->fd, e1, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	/* In a file, the endpoint still counts as open. */
	EXPECT_EQ(-ETIMEDOUT, strata_object_wait_one(self->fd, e0,
				STRATA_SIGNAL_PEER_CLOSED, 0, &pending));
	close(efd);
	EXPECT_EQ(0, strata_object_wait_one(self->fd, e0,
				STRATA_SIGNAL_PEER_CLOSED,
				strata_deadline_after(WAIT_NS), &pending));
	EXPECT_TRUE(pending & STRATA_SIGNAL_PEER_CLOSED);
}

TEST_F(bridge, export_cancels_pending_async_waits)
{
	struct strata_cap_packet pkt;
	__u32 h, d;
	int efd;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	ASSERT_EQ(0, strata_object_wait_async(self->fd, d,
					      STRATA_SIGNAL_SIGNALED, 99));
	efd = strata_handle_export(self->fd, d, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(1, strata_port_wait(self->fd, &pkt, 1,
				      strata_deadline_after(WAIT_NS)));
	EXPECT_EQ(99, pkt.key);
	EXPECT_EQ(-ECANCELED, pkt.status);
	/* Signalling the object later queues nothing more. */
	ASSERT_EQ(0, strata_object_signal(self->fd, h, 0,
					  STRATA_SIGNAL_SIGNALED));
	EXPECT_EQ(-ETIMEDOUT, strata_port_wait(self->fd, &pkt, 1, 0));
	close(efd);
}

TEST_F(bridge, channel_endpoint_works_from_the_importing_table)
{
	__u32 c0, c1, back, nb = 0;
	char buf[16];
	int other, efd;

	other = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, strata_channel_create(self->fd, &c0, &c1));
	efd = strata_handle_export(self->fd, c1, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, strata_handle_import(other, efd, &back));
	close(efd);
	ASSERT_EQ(0, strata_channel_write(self->fd, c0, "hello", 5, NULL, 0));
	ASSERT_EQ(0, strata_channel_read(other, back, buf, sizeof(buf), NULL,
					 0, &nb, NULL));
	EXPECT_EQ(5, nb);
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	ASSERT_EQ(0, strata_channel_write(other, back, "back", 4, NULL, 0));
	ASSERT_EQ(0, strata_channel_read(self->fd, c0, buf, sizeof(buf), NULL,
					 0, &nb, NULL));
	EXPECT_EQ(4, nb);
	close(other);
	EXPECT_EQ(0, strata_object_wait_one(self->fd, c0,
				STRATA_SIGNAL_PEER_CLOSED, 0, NULL));
}

TEST_F(bridge, exported_fd_crosses_scm_rights_to_another_process)
{
	__u32 h, keep, pending = 0;
	int sv[2], efd, status;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h,
			STRATA_RIGHT_WAIT, &keep));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct strata_cap_handle_info info;
		__u32 mine;
		int t, got;

		close(sv[0]);
		got = cap_recv_fd(sv[1]);
		if (got < 0)
			_exit(10);
		t = strata_cap_open(O_CLOEXEC);
		if (t < 0)
			_exit(11);
		if (strata_handle_import(t, got, &mine))
			_exit(12);
		close(got);
		if (strata_handle_info(t, mine, &info) ||
		    info.type != STRATA_OBJ_EVENT ||
		    info.rights != (STRATA_RIGHT_TRANSFER |
				    STRATA_RIGHT_SIGNAL))
			_exit(13);
		if (strata_object_signal(t, mine, 0, STRATA_SIGNAL_SIGNALED))
			_exit(14);
		close(t);
		_exit(0);
	}
	close(sv[1]);
	efd = strata_handle_export(self->fd, h, STRATA_RIGHT_TRANSFER |
				   STRATA_RIGHT_SIGNAL, O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, cap_send_fd(sv[0], efd));
	close(efd);
	/* The child's signal, through its own table, reaches our object. */
	EXPECT_EQ(0, strata_object_wait_one(self->fd, keep,
				STRATA_SIGNAL_SIGNALED,
				strata_deadline_after(WAIT_NS), &pending));
	EXPECT_TRUE(pending & STRATA_SIGNAL_SIGNALED);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(sv[0]);
	EXPECT_EQ(0, strata_handle_close(self->fd, keep));
	EXPECT_EQ(self->objects0, cap_stat_settle("objects", self->objects0,
						  2000));
}

TEST_F(bridge, exported_fd_survives_the_exporting_table)
{
	struct strata_cap_handle_info info;
	__u32 h, back;
	int t, efd;

	t = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, t);
	ASSERT_EQ(0, strata_event_create(t, &h));
	efd = strata_handle_export(t, h, STRATA_RIGHT_SAME_RIGHTS, O_CLOEXEC);
	ASSERT_LE(0, efd);
	close(t);
	/* The handle left the table before it went away. */
	ASSERT_EQ(0, strata_handle_import(self->fd, efd, &back));
	EXPECT_EQ(0, strata_handle_info(self->fd, back, &info));
	close(efd);
}

TEST_HARNESS_MAIN

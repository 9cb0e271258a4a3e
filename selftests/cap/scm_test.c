// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - SCM_RIGHTS and the cap_scm LSM program
 *
 * An exported handle is a file, which SCM_RIGHTS can carry past every
 * strata_cap check.  With cap_scm attached, a handle file without TRANSFER
 * or with a revoked handle does not arrive; other files do.
 */
#include <sys/socket.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "common.h"
#include "cap_scm.skel.h"

FIXTURE(scm) {
	struct cap_scm_bpf *skel;
	int fd;
	int sk[2];
};

FIXTURE_SETUP(scm)
{
	self->skel = NULL;
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
				self->sk));
}

FIXTURE_TEARDOWN(scm)
{
	cap_scm_bpf__destroy(self->skel);
	close(self->sk[0]);
	close(self->sk[1]);
	close(self->fd);
}

static int attach(FIXTURE_DATA(scm) *self)
{
	self->skel = cap_scm_bpf__open_and_load();
	if (!self->skel)
		return -errno;
	return cap_scm_bpf__attach(self->skel);
}

/* Export a new event with @rights; returns the fd. */
static int export_event(int table, __u32 rights, __u32 *root)
{
	__u32 h, d;

	if (strata_event_create(table, &h))
		return -1;
	if (strata_handle_duplicate(table, h, STRATA_RIGHT_SAME_RIGHTS, &d))
		return -1;
	if (root)
		*root = h;
	return strata_handle_export(table, d, rights, O_CLOEXEC);
}

TEST_F(scm, without_the_program_any_handle_file_passes)
{
	int fd, got;
	__u32 h;

	fd = export_event(self->fd, STRATA_DEFAULT_EVENT_RIGHTS &
			  ~STRATA_RIGHT_TRANSFER, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cap_send_fd(self->sk[0], fd));
	got = cap_recv_fd(self->sk[1]);
	ASSERT_LE(0, got);
	/* What arrived is the handle, with the rights it was exported with. */
	ASSERT_EQ(0, strata_handle_import(self->fd, got, &h));
	close(got);
	close(fd);
}

TEST_F(scm, a_handle_file_without_transfer_is_refused)
{
	int fd;

	ASSERT_EQ(0, attach(self));
	fd = export_event(self->fd, STRATA_DEFAULT_EVENT_RIGHTS &
			  ~STRATA_RIGHT_TRANSFER, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cap_send_fd(self->sk[0], fd));
	EXPECT_EQ(-EACCES, cap_recv_fd(self->sk[1]));
	EXPECT_EQ(1, self->skel->bss->nr_denied_transfer);
	close(fd);
}

TEST_F(scm, a_handle_file_with_transfer_passes_and_imports)
{
	struct strata_cap_handle_info info;
	int fd, got;
	__u32 h;

	ASSERT_EQ(0, attach(self));
	fd = export_event(self->fd, STRATA_RIGHT_SAME_RIGHTS, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cap_send_fd(self->sk[0], fd));
	got = cap_recv_fd(self->sk[1]);
	ASSERT_LE(0, got);
	ASSERT_EQ(0, strata_handle_import(self->fd, got, &h));
	ASSERT_EQ(0, strata_handle_info(self->fd, h, &info));
	EXPECT_EQ(STRATA_DEFAULT_EVENT_RIGHTS, info.rights);
	EXPECT_EQ(0, self->skel->bss->nr_denied_transfer);
	close(got);
	close(fd);
}

TEST_F(scm, a_revoked_handle_file_is_refused)
{
	__u32 root;
	int fd;

	ASSERT_EQ(0, attach(self));
	fd = export_event(self->fd, STRATA_RIGHT_SAME_RIGHTS, &root);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, strata_handle_revoke(self->fd, root));
	ASSERT_EQ(0, cap_send_fd(self->sk[0], fd));
	EXPECT_EQ(-EACCES, cap_recv_fd(self->sk[1]));
	EXPECT_EQ(1, self->skel->bss->nr_denied_revoked);
	close(fd);
}

TEST_F(scm, other_files_pass)
{
	int p[2], got;

	ASSERT_EQ(0, attach(self));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, cap_send_fd(self->sk[0], p[0]));
	got = cap_recv_fd(self->sk[1]);
	EXPECT_LE(0, got);
	close(got);
	close(p[0]);
	close(p[1]);
}

TEST_F(scm, detaching_restores_the_default)
{
	int fd, got;

	ASSERT_EQ(0, attach(self));
	cap_scm_bpf__destroy(self->skel);
	self->skel = NULL;
	fd = export_event(self->fd, STRATA_DEFAULT_EVENT_RIGHTS &
			  ~STRATA_RIGHT_TRANSFER, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cap_send_fd(self->sk[0], fd));
	got = cap_recv_fd(self->sk[1]);
	EXPECT_LE(0, got);
	close(got);
	close(fd);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - the strata_cap_ops struct_ops and the cap_limit
 * sample policy; bpftool listing strata's struct_ops
 *
 * Every callback is asked once the rights allow an operation: a refusal
 * must reach the caller as the policy's errno and leave everything as it
 * was, and detaching the policy must bring the default (allow) back.
 */
#include <bpf/libbpf.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "common.h"
#include "cap_limit.h"
#include "cap_limit.skel.h"

FIXTURE(policy) {
	struct cap_limit_bpf *skel;
	struct bpf_link *link;
	int fd;
};

FIXTURE_SETUP(policy)
{
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->skel = cap_limit_bpf__open();
	ASSERT_NE(NULL, self->skel);
	self->link = NULL;
}

FIXTURE_TEARDOWN(policy)
{
	bpf_link__destroy(self->link);
	cap_limit_bpf__destroy(self->skel);
	close(self->fd);
}

static int attach(struct __test_metadata *_metadata,
		  FIXTURE_DATA(policy) *self)
{
	if (cap_limit_bpf__load(self->skel))
		return -1;
	self->link = bpf_map__attach_struct_ops(self->skel->maps.cap_limit);
	return self->link ? 0 : -1;
}

TEST_F(policy, denied_create_fails_until_detached)
{
	__u32 h;

	self->skel->rodata->deny_types = 1ULL << STRATA_OBJ_EVENT;
	ASSERT_EQ(0, attach(_metadata, self));

	EXPECT_EQ(-EPERM, strata_event_create(self->fd, &h));
	EXPECT_EQ(1, self->skel->bss->nr_denied[CAP_LIMIT_OP_CREATE]);
	/* A refused create leaves nothing behind. */
	struct strata_cap_table_info info;

	ASSERT_EQ(0, strata_cap_table_info(self->fd, &info));
	EXPECT_EQ(0, info.nr_handles);

	/* Detaching restores the default: allow. */
	bpf_link__destroy(self->link);
	self->link = NULL;
	EXPECT_EQ(0, strata_event_create(self->fd, &h));
}

TEST_F(policy, other_types_are_not_affected)
{
	__u32 h;

	self->skel->rodata->deny_types = 1ULL << STRATA_OBJ_CHANNEL;
	ASSERT_EQ(0, attach(_metadata, self));
	EXPECT_EQ(0, strata_event_create(self->fd, &h));
	EXPECT_EQ(0, self->skel->bss->nr_denied[CAP_LIMIT_OP_CREATE]);
}

TEST_F(policy, duplicate_rights_are_limited)
{
	__u32 h, d;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	self->skel->rodata->dup_rights = STRATA_RIGHTS_ALL &
					 ~STRATA_RIGHT_TRANSFER;
	ASSERT_EQ(0, attach(_metadata, self));

	EXPECT_EQ(-EACCES, strata_handle_duplicate(self->fd, h,
						   STRATA_RIGHT_SAME_RIGHTS,
						   &d));
	EXPECT_EQ(1, self->skel->bss->nr_denied[CAP_LIMIT_OP_DUPLICATE]);
	EXPECT_EQ(0, strata_handle_duplicate(self->fd, h,
					     STRATA_DEFAULT_EVENT_RIGHTS &
					     ~STRATA_RIGHT_TRANSFER, &d));
}

TEST_F(policy, only_one_policy_at_a_time)
{
	struct cap_limit_bpf *second;
	struct bpf_link *link;

	ASSERT_EQ(0, attach(_metadata, self));
	second = cap_limit_bpf__open_and_load();
	ASSERT_NE(NULL, second);
	link = bpf_map__attach_struct_ops(second->maps.cap_limit);
	EXPECT_EQ(NULL, link);
	EXPECT_EQ(EBUSY, errno);
	bpf_link__destroy(link);
	cap_limit_bpf__destroy(second);
}

static void detach(FIXTURE_DATA(policy) *self)
{
	bpf_link__destroy(self->link);
	self->link = NULL;
}

static __u64 koid_of(int fd, __u32 h)
{
	struct strata_cap_handle_info info;

	if (strata_handle_info(fd, h, &info))
		return 0;
	return info.koid;
}

/* The lowest free fd number now: where the next new fd would go. */
static int next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* Whether the exported file @efd still holds the handle of object @koid. */
static bool file_holds(int efd, __u64 koid)
{
	char buf[1024], want[64];

	if (cap_read_fdinfo(efd, buf, sizeof(buf)))
		return false;
	snprintf(want, sizeof(want), "strata-koid:\t%llu\n",
		 (unsigned long long)koid);
	return !!strstr(buf, want);
}

TEST_F(policy, create_is_asked_for_every_type)
{
	long objects0 = cap_stat("objects");
	__u32 a, b;

	self->skel->rodata->deny_ops = 1U << CAP_LIMIT_OP_CREATE;
	ASSERT_EQ(0, attach(_metadata, self));

	EXPECT_EQ(-EPERM, strata_event_create(self->fd, &a));
	EXPECT_EQ(-EPERM, strata_eventpair_create(self->fd, &a, &b));
	EXPECT_EQ(-EPERM, strata_channel_create(self->fd, &a, &b));
	EXPECT_EQ(-EPERM, strata_vmo_create(self->fd, 4096, 0, &a));
	EXPECT_EQ(4, self->skel->bss->nr_denied[CAP_LIMIT_OP_CREATE]);
	EXPECT_EQ(0, cap_nr_handles(self->fd));
	EXPECT_EQ(objects0, cap_stat("objects"));

	detach(self);
	EXPECT_EQ(0, strata_eventpair_create(self->fd, &a, &b));
	EXPECT_EQ(0, strata_vmo_create(self->fd, 4096, 0, &a));
}

TEST_F(policy, denied_duplicate_makes_no_handle)
{
	__u32 h, d = 0;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	self->skel->rodata->deny_ops = 1U << CAP_LIMIT_OP_DUPLICATE;
	ASSERT_EQ(0, attach(_metadata, self));

	EXPECT_EQ(-EPERM, strata_handle_duplicate(self->fd, h,
						  STRATA_RIGHT_SAME_RIGHTS,
						  &d));
	EXPECT_EQ(1, self->skel->bss->nr_denied[CAP_LIMIT_OP_DUPLICATE]);
	EXPECT_EQ(1, cap_nr_handles(self->fd));

	detach(self);
	EXPECT_EQ(0, strata_handle_duplicate(self->fd, h,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	EXPECT_EQ(2, cap_nr_handles(self->fd));
}

/*
 * Replace makes a copy as duplicate does, so the same callback is asked;
 * a refused replace still consumes its source, as every failed replace
 * does (see struct strata_cap_replace), and makes no copy.
 */
TEST_F(policy, replace_asks_the_duplicate_callback)
{
	struct strata_cap_handle_info info;
	__u32 h, keep, out = 0;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_event_create(self->fd, &keep));
	self->skel->rodata->deny_ops = 1U << CAP_LIMIT_OP_DUPLICATE;
	ASSERT_EQ(0, attach(_metadata, self));

	EXPECT_EQ(-EPERM, strata_handle_replace(self->fd, h,
						STRATA_RIGHT_SAME_RIGHTS,
						&out));
	EXPECT_EQ(1, self->skel->bss->nr_denied[CAP_LIMIT_OP_DUPLICATE]);
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, h, &info));
	EXPECT_EQ(1, cap_nr_handles(self->fd));

	detach(self);
	EXPECT_EQ(0, strata_handle_replace(self->fd, keep, STRATA_RIGHT_WAIT,
					   &out));
	ASSERT_EQ(0, strata_handle_info(self->fd, out, &info));
	EXPECT_EQ(STRATA_RIGHT_WAIT, info.rights);
}

TEST_F(policy, denied_transfer_leaves_the_handles_with_the_sender)
{
	struct strata_cap_handle_info info;
	__u32 h0, h1, hs[2], got[2], nb, nh;
	char buf[4];

	ASSERT_EQ(0, strata_channel_create(self->fd, &h0, &h1));
	ASSERT_EQ(0, strata_event_create(self->fd, &hs[0]));
	ASSERT_EQ(0, strata_vmo_create(self->fd, 4096, 0, &hs[1]));
	self->skel->rodata->deny_ops = 1U << CAP_LIMIT_OP_TRANSFER;
	ASSERT_EQ(0, attach(_metadata, self));

	EXPECT_EQ(-EPERM, strata_channel_write(self->fd, h0, "m", 1, hs, 2));
	EXPECT_LE(1, self->skel->bss->nr_denied[CAP_LIMIT_OP_TRANSFER]);
	EXPECT_EQ(0, strata_handle_info(self->fd, hs[0], &info));
	EXPECT_EQ(0, strata_handle_info(self->fd, hs[1], &info));
	EXPECT_EQ(4, cap_nr_handles(self->fd));
	/* No message went out. */
	EXPECT_EQ(-EAGAIN, strata_channel_read(self->fd, h1, buf, sizeof(buf),
					       got, 2, &nb, &nh));

	detach(self);
	ASSERT_EQ(0, strata_channel_write(self->fd, h0, "m", 1, hs, 2));
	ASSERT_EQ(0, strata_channel_read(self->fd, h1, buf, sizeof(buf), got,
					 2, &nb, &nh));
	EXPECT_EQ(2, nh);
}

/* Only handles are asked about: a message of bytes alone passes. */
TEST_F(policy, transfer_is_not_asked_for_a_message_without_handles)
{
	__u32 h0, h1, nb;
	char buf[4];

	ASSERT_EQ(0, strata_channel_create(self->fd, &h0, &h1));
	self->skel->rodata->deny_ops = 1U << CAP_LIMIT_OP_TRANSFER;
	ASSERT_EQ(0, attach(_metadata, self));

	EXPECT_EQ(0, strata_channel_write(self->fd, h0, "abc", 3, NULL, 0));
	EXPECT_EQ(0, strata_channel_read(self->fd, h1, buf, sizeof(buf), NULL,
					 0, &nb, NULL));
	EXPECT_EQ(0, self->skel->bss->nr_denied[CAP_LIMIT_OP_TRANSFER]);
}

TEST_F(policy, denied_export_keeps_the_handle_and_makes_no_fd)
{
	struct strata_cap_handle_info info;
	int fd0, efd;
	__u32 h;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	self->skel->rodata->deny_ops = 1U << CAP_LIMIT_OP_EXPORT;
	ASSERT_EQ(0, attach(_metadata, self));

	fd0 = next_fd();
	ASSERT_LE(0, fd0);
	EXPECT_EQ(-EPERM, strata_handle_export(self->fd, h,
					       STRATA_RIGHT_SAME_RIGHTS,
					       O_CLOEXEC));
	EXPECT_EQ(1, self->skel->bss->nr_denied[CAP_LIMIT_OP_EXPORT]);
	EXPECT_EQ(0, strata_handle_info(self->fd, h, &info));
	EXPECT_EQ(1, cap_nr_handles(self->fd));
	/* No fd was installed, and none leaked: the same number is free. */
	EXPECT_EQ(fd0, next_fd());

	detach(self);
	efd = strata_handle_export(self->fd, h, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	EXPECT_LE(0, efd);
	close(efd);
}

TEST_F(policy, denied_import_leaves_the_handle_in_its_file)
{
	__u32 h, back = 0;
	__u64 koid;
	int efd;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	koid = koid_of(self->fd, h);
	ASSERT_NE(0, koid);
	self->skel->rodata->deny_ops = 1U << CAP_LIMIT_OP_IMPORT;
	ASSERT_EQ(0, attach(_metadata, self));

	efd = strata_handle_export(self->fd, h, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	EXPECT_EQ(-EPERM, strata_handle_import(self->fd, efd, &back));
	EXPECT_EQ(1, self->skel->bss->nr_denied[CAP_LIMIT_OP_IMPORT]);
	EXPECT_EQ(0, cap_nr_handles(self->fd));
	EXPECT_TRUE(file_holds(efd, koid));
	/* Asked again, refused again: the refusal did not use it up. */
	EXPECT_EQ(-EPERM, strata_handle_import(self->fd, efd, &back));
	EXPECT_EQ(2, self->skel->bss->nr_denied[CAP_LIMIT_OP_IMPORT]);

	detach(self);
	ASSERT_EQ(0, strata_handle_import(self->fd, efd, &back));
	EXPECT_EQ(koid, koid_of(self->fd, back));
	close(efd);
}

TEST_F(policy, denied_revoke_revokes_nothing)
{
	__u32 h, d, dd;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, d,
					     STRATA_RIGHT_SAME_RIGHTS, &dd));
	self->skel->rodata->deny_ops = 1U << CAP_LIMIT_OP_REVOKE;
	ASSERT_EQ(0, attach(_metadata, self));

	EXPECT_EQ(-EPERM, strata_handle_revoke(self->fd, h));
	EXPECT_EQ(1, self->skel->bss->nr_denied[CAP_LIMIT_OP_REVOKE]);
	EXPECT_EQ(0, strata_object_signal(self->fd, d, 0,
					  STRATA_SIGNAL_SIGNALED));
	EXPECT_EQ(0, strata_object_signal(self->fd, dd, STRATA_SIGNAL_SIGNALED,
					  0));

	detach(self);
	EXPECT_EQ(2, strata_handle_revoke(self->fd, h));
	EXPECT_EQ(-EKEYREVOKED, strata_object_signal(self->fd, d, 0,
						     STRATA_SIGNAL_SIGNALED));
}

TEST_F(policy, denied_map_refuses_vmo_map_and_mmap_of_the_fd)
{
	__u32 v, d;
	void *addr;
	int efd;

	ASSERT_EQ(0, strata_vmo_create(self->fd, 4096, 0, &v));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, v,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	efd = strata_handle_export(self->fd, d, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	self->skel->rodata->deny_ops = 1U << CAP_LIMIT_OP_MAP;
	ASSERT_EQ(0, attach(_metadata, self));

	EXPECT_EQ(-EPERM, strata_vmo_map(self->fd, v, PROT_READ, 0, 4096,
					 &addr));
	addr = mmap(NULL, 4096, PROT_READ, MAP_SHARED, efd, 0);
	EXPECT_EQ(MAP_FAILED, addr);
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(2, self->skel->bss->nr_denied[CAP_LIMIT_OP_MAP]);

	detach(self);
	ASSERT_EQ(0, strata_vmo_map(self->fd, v, PROT_READ, 0, 4096, &addr));
	munmap(addr, 4096);
	addr = mmap(NULL, 4096, PROT_READ, MAP_SHARED, efd, 0);
	ASSERT_NE(MAP_FAILED, addr);
	munmap(addr, 4096);
	close(efd);
}

TEST_F(policy, pinned_type_cannot_leave_its_table)
{
	struct strata_cap_handle_info info;
	__u32 h0, h1, v, e, d, both[2];
	int efd;

	ASSERT_EQ(0, strata_channel_create(self->fd, &h0, &h1));
	ASSERT_EQ(0, strata_vmo_create(self->fd, 4096, 0, &v));
	ASSERT_EQ(0, strata_event_create(self->fd, &e));
	self->skel->rodata->pin_types = 1ULL << STRATA_OBJ_VMO;
	ASSERT_EQ(0, attach(_metadata, self));

	EXPECT_EQ(-EPERM, strata_channel_write(self->fd, h0, "v", 1, &v, 1));
	both[0] = e;
	both[1] = v;
	EXPECT_EQ(-EPERM, strata_channel_write(self->fd, h0, "b", 1, both, 2));
	EXPECT_EQ(2, self->skel->bss->nr_denied[CAP_LIMIT_OP_TRANSFER]);
	EXPECT_EQ(-EPERM, strata_handle_export(self->fd, v,
					       STRATA_RIGHT_SAME_RIGHTS,
					       O_CLOEXEC));
	EXPECT_EQ(1, self->skel->bss->nr_denied[CAP_LIMIT_OP_EXPORT]);
	EXPECT_EQ(0, strata_handle_info(self->fd, v, &info));
	EXPECT_EQ(0, strata_handle_info(self->fd, e, &info));
	/* Staying in the table is fine: the VMO still duplicates. */
	EXPECT_EQ(0, strata_handle_duplicate(self->fd, v,
					     STRATA_RIGHT_SAME_RIGHTS, &d));

	/* Other types move as before. */
	EXPECT_EQ(0, strata_channel_write(self->fd, h0, "e", 1, &e, 1));
	ASSERT_EQ(0, strata_event_create(self->fd, &e));
	efd = strata_handle_export(self->fd, e, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	EXPECT_LE(0, efd);
	close(efd);
	EXPECT_EQ(2, self->skel->bss->nr_denied[CAP_LIMIT_OP_TRANSFER]);
	EXPECT_EQ(1, self->skel->bss->nr_denied[CAP_LIMIT_OP_EXPORT]);

	detach(self);
	EXPECT_EQ(0, strata_channel_write(self->fd, h0, "v", 1, &v, 1));
}

TEST_F(policy, map_prot_without_write_allows_only_read_only_maps)
{
	__u32 v, d;
	void *addr;
	int efd;

	ASSERT_EQ(0, strata_vmo_create(self->fd, 4096, 0, &v));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, v,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	efd = strata_handle_export(self->fd, d, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	self->skel->rodata->map_prot = PROT_READ;
	ASSERT_EQ(0, attach(_metadata, self));

	/* The handle has WRITE: the policy alone refuses. */
	EXPECT_EQ(-EACCES, strata_vmo_map(self->fd, v, PROT_READ | PROT_WRITE,
					  0, 4096, &addr));
	EXPECT_EQ(-EACCES, strata_vmo_map(self->fd, v, PROT_WRITE, 0, 4096,
					  &addr));
	addr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, efd, 0);
	EXPECT_EQ(MAP_FAILED, addr);
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(3, self->skel->bss->nr_denied[CAP_LIMIT_OP_MAP]);

	ASSERT_EQ(0, strata_vmo_map(self->fd, v, PROT_READ, 0, 4096, &addr));
	munmap(addr, 4096);
	addr = mmap(NULL, 4096, PROT_READ, MAP_SHARED, efd, 0);
	ASSERT_NE(MAP_FAILED, addr);
	munmap(addr, 4096);
	EXPECT_EQ(3, self->skel->bss->nr_denied[CAP_LIMIT_OP_MAP]);

	detach(self);
	ASSERT_EQ(0, strata_vmo_map(self->fd, v, PROT_READ | PROT_WRITE, 0,
				    4096, &addr));
	munmap(addr, 4096);
	close(efd);
}

/*
 * What the policy allowed at map time must hold for the mapping's life:
 * a read-only mapping it let through must not turn writable behind its
 * back with mprotect(), as a mapping without the WRITE right cannot.
 */
TEST_F(policy, read_only_map_allowed_by_map_prot_stays_read_only)
{
	void *addr;
	__u32 v;
	int efd;

	ASSERT_EQ(0, strata_vmo_create(self->fd, 4096, 0, &v));
	self->skel->rodata->map_prot = PROT_READ;
	ASSERT_EQ(0, attach(_metadata, self));

	ASSERT_EQ(0, strata_vmo_map(self->fd, v, PROT_READ, 0, 4096, &addr));
	EXPECT_EQ(-1, mprotect(addr, 4096, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(addr, 4096);

	efd = strata_handle_export(self->fd, v, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	addr = mmap(NULL, 4096, PROT_READ, MAP_SHARED, efd, 0);
	ASSERT_NE(MAP_FAILED, addr);
	EXPECT_EQ(-1, mprotect(addr, 4096, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(addr, 4096);
	close(efd);
}

static void forget_last(struct cap_limit_bpf *skel)
{
	skel->bss->last_koid = 0;
	skel->bss->last_type = 0;
	skel->bss->last_rights = 0;
	skel->bss->last_owner = -1;
}

/*
 * The kfuncs read the handle each callback gets: its object's koid and
 * type, its own rights, and the tgid of the table holding it (0 while it
 * is in a file or a message).
 */
TEST_F(policy, kfuncs_describe_the_handle_a_callback_gets)
{
	const __u32 narrow = STRATA_RIGHT_TRANSFER | STRATA_RIGHT_MAP |
			     STRATA_RIGHT_READ | STRATA_RIGHT_REVOKE;
	struct cap_limit_bpf *skel = self->skel;
	__u64 vkoid, ekoid;
	__u32 v, d, back, h0, h1, e;
	void *addr;
	int efd;

	ASSERT_EQ(0, attach(_metadata, self));
	ASSERT_EQ(0, strata_vmo_create(self->fd, 4096, 0, &v));
	ASSERT_EQ(0, strata_event_create(self->fd, &e));
	ASSERT_EQ(0, strata_channel_create(self->fd, &h0, &h1));
	vkoid = koid_of(self->fd, v);
	ekoid = koid_of(self->fd, e);
	ASSERT_NE(0, vkoid);
	ASSERT_NE(0, ekoid);

	/* duplicate: the source handle, with its own rights. */
	forget_last(skel);
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, v, narrow, &d));
	EXPECT_EQ(vkoid, skel->bss->last_koid);
	EXPECT_EQ(STRATA_OBJ_VMO, skel->bss->last_type);
	EXPECT_EQ(STRATA_DEFAULT_VMO_RIGHTS, skel->bss->last_rights);
	EXPECT_EQ(getpid(), skel->bss->last_owner);

	/* map: the handle mapped with. */
	forget_last(skel);
	ASSERT_EQ(0, strata_vmo_map(self->fd, d, PROT_READ, 0, 4096, &addr));
	munmap(addr, 4096);
	EXPECT_EQ(vkoid, skel->bss->last_koid);
	EXPECT_EQ(narrow, skel->bss->last_rights);
	EXPECT_EQ(getpid(), skel->bss->last_owner);

	/* export: still in the table when asked. */
	forget_last(skel);
	efd = strata_handle_export(self->fd, d, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	EXPECT_EQ(vkoid, skel->bss->last_koid);
	EXPECT_EQ(STRATA_OBJ_VMO, skel->bss->last_type);
	EXPECT_EQ(narrow, skel->bss->last_rights);
	EXPECT_EQ(getpid(), skel->bss->last_owner);

	/* import: the handle is in its file, owned by no table. */
	forget_last(skel);
	ASSERT_EQ(0, strata_handle_import(self->fd, efd, &back));
	close(efd);
	EXPECT_EQ(vkoid, skel->bss->last_koid);
	EXPECT_EQ(narrow, skel->bss->last_rights);
	EXPECT_EQ(0, skel->bss->last_owner);

	/* transfer: each handle of the message, from the sender's table. */
	forget_last(skel);
	ASSERT_EQ(0, strata_channel_write(self->fd, h0, "e", 1, &e, 1));
	EXPECT_EQ(ekoid, skel->bss->last_koid);
	EXPECT_EQ(STRATA_OBJ_EVENT, skel->bss->last_type);
	EXPECT_EQ(STRATA_DEFAULT_EVENT_RIGHTS, skel->bss->last_rights);
	EXPECT_EQ(getpid(), skel->bss->last_owner);

	/* revoke: the handle whose descendants go. */
	forget_last(skel);
	ASSERT_EQ(1, strata_handle_revoke(self->fd, v));
	EXPECT_EQ(vkoid, skel->bss->last_koid);
	EXPECT_EQ(STRATA_OBJ_VMO, skel->bss->last_type);
	EXPECT_EQ(STRATA_DEFAULT_VMO_RIGHTS, skel->bss->last_rights);
	EXPECT_EQ(getpid(), skel->bss->last_owner);

	/* Nothing was refused along the way. */
	for (int op = 0; op < CAP_LIMIT_NR_OPS; op++)
		EXPECT_EQ(0, skel->bss->nr_denied[op]);
}

/* Run a command, return its exit status and the start of its stdout. */
static int run(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	if (!p)
		return -1;
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	return pclose(p);
}

TEST_F(policy, bpftool_lists_and_dumps_the_policy)
{
	const char *bpftool = getenv("STRATA_BPFTOOL");
	static char out[1 << 16];
	char cmd[512];

	if (!bpftool)
		SKIP(return, "STRATA_BPFTOOL is not set");
	ASSERT_EQ(0, attach(_metadata, self));

	snprintf(cmd, sizeof(cmd), "%s -j struct_ops list", bpftool);
	ASSERT_EQ(0, run(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"name\":\"cap_limit\""));
	EXPECT_NE(NULL, strstr(out, "\"kernel_struct_ops\":\"strata_cap_ops\""));

	snprintf(cmd, sizeof(cmd), "%s struct_ops dump name cap_limit",
		 bpftool);
	ASSERT_EQ(0, run(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "bpf_struct_ops_strata_cap_ops"));
	EXPECT_NE(NULL, strstr(out, "cap_limit"));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - handles: create, info, duplicate, close, limits
 */
#include "kselftest_harness.h"
#include "common.h"

FIXTURE(table) {
	int fd;
};

FIXTURE_SETUP(table)
{
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(table)
{
	close(self->fd);
}

static __u32 nr_handles(int fd)
{
	struct strata_cap_table_info info;

	if (strata_cap_table_info(fd, &info))
		return ~0U;
	return info.nr_handles;
}

TEST_F(table, event_has_default_rights_and_a_koid)
{
	struct strata_cap_handle_info info;
	__u32 h;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	EXPECT_NE(STRATA_HANDLE_INVALID, h);
	ASSERT_EQ(0, strata_handle_info(self->fd, h, &info));
	EXPECT_EQ(h, info.handle);
	EXPECT_EQ(STRATA_OBJ_EVENT, info.type);
	EXPECT_EQ(STRATA_DEFAULT_EVENT_RIGHTS, info.rights);
	EXPECT_LT(1024, info.koid);
	EXPECT_EQ(0, info.related_koid);
	EXPECT_EQ(1, nr_handles(self->fd));
}

TEST_F(table, objects_have_distinct_koids_and_handles)
{
	struct strata_cap_handle_info a, b;
	__u32 ha, hb;

	ASSERT_EQ(0, strata_event_create(self->fd, &ha));
	ASSERT_EQ(0, strata_event_create(self->fd, &hb));
	EXPECT_NE(ha, hb);
	ASSERT_EQ(0, strata_handle_info(self->fd, ha, &a));
	ASSERT_EQ(0, strata_handle_info(self->fd, hb, &b));
	EXPECT_NE(a.koid, b.koid);
}

TEST_F(table, create_rejects_options_and_reserved_fields)
{
	struct strata_cap_create c = { .options = 1 };

	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_EVENT_CREATE, &c));
	c = (struct strata_cap_create){ .reserved = 1 };
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_EVENT_CREATE, &c));
	c = (struct strata_cap_create){ .handle = 7 };
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_EVENT_CREATE, &c));
	/* ... and leaves no state behind. */
	EXPECT_EQ(0, nr_handles(self->fd));
}

TEST_F(table, duplicate_with_same_rights_names_the_same_object)
{
	struct strata_cap_handle_info a, b;
	__u32 h, d;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	EXPECT_NE(h, d);
	ASSERT_EQ(0, strata_handle_info(self->fd, h, &a));
	ASSERT_EQ(0, strata_handle_info(self->fd, d, &b));
	EXPECT_EQ(a.koid, b.koid);
	EXPECT_EQ(a.rights, b.rights);
	EXPECT_EQ(2, nr_handles(self->fd));
}

TEST_F(table, duplicate_can_drop_rights)
{
	struct strata_cap_handle_info info;
	__u32 h, d;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h, STRATA_RIGHT_WAIT,
					     &d));
	ASSERT_EQ(0, strata_handle_info(self->fd, d, &info));
	EXPECT_EQ(STRATA_RIGHT_WAIT, info.rights);
	/* The source keeps its rights. */
	ASSERT_EQ(0, strata_handle_info(self->fd, h, &info));
	EXPECT_EQ(STRATA_DEFAULT_EVENT_RIGHTS, info.rights);
}

TEST_F(table, duplicate_never_adds_rights)
{
	__u32 h, d, out = 0;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	/* Events have no READ right to begin with. */
	EXPECT_EQ(-EINVAL, strata_handle_duplicate(self->fd, h,
						   STRATA_RIGHT_READ, &out));
	/* A reduced copy cannot be widened again. */
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h,
					     STRATA_RIGHT_DUPLICATE |
					     STRATA_RIGHT_WAIT, &d));
	EXPECT_EQ(-EINVAL, strata_handle_duplicate(self->fd, d,
						   STRATA_RIGHT_DUPLICATE |
						   STRATA_RIGHT_WAIT |
						   STRATA_RIGHT_SIGNAL, &out));
	/* Bits that are no right at all. */
	EXPECT_EQ(-EINVAL, strata_handle_duplicate(self->fd, h, 1U << 20,
						   &out));
	EXPECT_EQ(2, nr_handles(self->fd));
}

TEST_F(table, duplicate_needs_the_duplicate_right)
{
	__u32 h, d, out;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h, STRATA_RIGHT_WAIT,
					     &d));
	EXPECT_EQ(-EACCES, strata_handle_duplicate(self->fd, d,
						   STRATA_RIGHT_SAME_RIGHTS,
						   &out));
	EXPECT_EQ(-EACCES, strata_handle_duplicate(self->fd, d, 0, &out));
}

TEST_F(table, duplicate_rejects_reserved_fields)
{
	struct strata_cap_duplicate args = {};
	__u32 h;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	args.handle = h;
	args.rights = STRATA_RIGHT_SAME_RIGHTS;
	args.reserved = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_HANDLE_DUPLICATE,
				     &args));
	args.reserved = 0;
	args.out = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_HANDLE_DUPLICATE,
				     &args));
	EXPECT_EQ(1, nr_handles(self->fd));
}

TEST_F(table, close_makes_the_value_stale)
{
	struct strata_cap_handle_info info;
	__u32 h, h2;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_close(self->fd, h));
	EXPECT_EQ(0, nr_handles(self->fd));
	EXPECT_EQ(-EBADF, strata_handle_close(self->fd, h));
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, h, &info));
	/* The freed slot is reused under another value. */
	ASSERT_EQ(0, strata_event_create(self->fd, &h2));
	EXPECT_NE(h, h2);
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, h, &info));
	EXPECT_EQ(0, strata_handle_info(self->fd, h2, &info));
}

TEST_F(table, close_of_the_invalid_handle_is_a_no_op)
{
	EXPECT_EQ(0, strata_handle_close(self->fd, STRATA_HANDLE_INVALID));
}

TEST_F(table, guessed_values_name_nothing)
{
	struct strata_cap_handle_info info;
	unsigned int i, found = 0;
	__u32 h, v;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	srandom(getpid());
	for (i = 0; i < 20000; i++) {
		v = (__u32)random() ^ ((__u32)random() << 16);
		if (v != h && strata_handle_info(self->fd, v, &info) == 0)
			found++;
	}
	EXPECT_EQ(0, found);
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, h ^ 2, &info));
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, 0, &info));
}

TEST_F(table, handles_of_another_table_name_nothing)
{
	struct strata_cap_handle_info info;
	int other = strata_cap_open(O_CLOEXEC);
	__u32 h;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, strata_event_create(other, &h));
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, h, &info));
	EXPECT_EQ(-EBADF, strata_handle_close(self->fd, h));
	EXPECT_EQ(0, strata_handle_info(other, h, &info));
	close(other);
}

TEST_F(table, info_rejects_reserved_fields)
{
	struct strata_cap_handle_info info = {};
	__u32 h;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	info.handle = h;
	info.reserved = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_HANDLE_INFO, &info));
	info.reserved = 0;
	info.koid = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_HANDLE_INFO, &info));
}

TEST_F(table, last_close_destroys_the_object)
{
	long objects0 = cap_stat("objects");
	__u32 h, d;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	EXPECT_EQ(objects0 + 1, cap_stat("objects"));
	ASSERT_EQ(0, strata_handle_close(self->fd, h));
	EXPECT_EQ(objects0 + 1, cap_stat("objects"));
	ASSERT_EQ(0, strata_handle_close(self->fd, d));
	EXPECT_EQ(objects0, cap_stat("objects"));
}

TEST(table_limit_is_enforced)
{
	long saved = strata_read_long(CAP_PARAM_MAX_HANDLES);
	char buf[32];
	__u32 h;
	int fd, i;

	ASSERT_LT(0, saved);
	ASSERT_EQ(0, strata_write_str(CAP_PARAM_MAX_HANDLES, "8"));
	fd = strata_cap_open(O_CLOEXEC);
	snprintf(buf, sizeof(buf), "%ld", saved);
	ASSERT_EQ(0, strata_write_str(CAP_PARAM_MAX_HANDLES, buf));
	ASSERT_LE(0, fd);

	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, strata_event_create(fd, &h));
	EXPECT_EQ(-EMFILE, strata_event_create(fd, &h));
	EXPECT_EQ(-EMFILE, strata_handle_duplicate(fd, h,
						   STRATA_RIGHT_SAME_RIGHTS,
						   &h));
	EXPECT_EQ(8, nr_handles(fd));
	/* Room again after a close. */
	ASSERT_EQ(0, strata_handle_close(fd, h));
	EXPECT_EQ(0, strata_event_create(fd, &h));
	close(fd);
}

TEST(table_limit_parameter_is_validated)
{
	long saved = strata_read_long(CAP_PARAM_MAX_HANDLES);

	EXPECT_EQ(-ERANGE, strata_write_str(CAP_PARAM_MAX_HANDLES, "0"));
	EXPECT_EQ(-ERANGE, strata_write_str(CAP_PARAM_MAX_HANDLES, "131072"));
	EXPECT_EQ(-EINVAL, strata_write_str(CAP_PARAM_MAX_HANDLES, "lots"));
	EXPECT_EQ(saved, strata_read_long(CAP_PARAM_MAX_HANDLES));
}

TEST_F(table, replace_moves_the_object_to_a_new_value)
{
	struct strata_cap_handle_info info;
	__u64 koid;
	__u32 h, r;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_info(self->fd, h, &info));
	koid = info.koid;
	ASSERT_EQ(0, strata_handle_replace(self->fd, h, STRATA_RIGHT_WAIT, &r));
	EXPECT_NE(h, r);
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, h, &info));
	ASSERT_EQ(0, strata_handle_info(self->fd, r, &info));
	EXPECT_EQ(koid, info.koid);
	EXPECT_EQ(STRATA_RIGHT_WAIT, info.rights);
	EXPECT_EQ(1, nr_handles(self->fd));

	ASSERT_EQ(0, strata_handle_replace(self->fd, r,
					   STRATA_RIGHT_SAME_RIGHTS, &h));
	ASSERT_EQ(0, strata_handle_info(self->fd, h, &info));
	EXPECT_EQ(koid, info.koid);
	EXPECT_EQ(STRATA_RIGHT_WAIT, info.rights);
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, r, &info));
	EXPECT_EQ(1, nr_handles(self->fd));
}

TEST_F(table, replace_consumes_the_handle_even_when_it_fails)
{
	long objects0 = cap_stat("objects");
	struct strata_cap_handle_info info;
	__u32 h, out = 0;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	/* READ is no right of an event: the call fails ... */
	EXPECT_EQ(-EINVAL, strata_handle_replace(self->fd, h,
						 STRATA_RIGHT_READ, &out));
	/* ... and the handle is gone all the same, as in Zircon. */
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, h, &info));
	EXPECT_EQ(-EBADF, strata_handle_close(self->fd, h));
	EXPECT_EQ(0, nr_handles(self->fd));
	/* It was the only handle, so the object went with it. */
	EXPECT_EQ(objects0, cap_stat("objects"));
	/* A stale value is just stale. */
	EXPECT_EQ(-EBADF, strata_handle_replace(self->fd, h,
						STRATA_RIGHT_SAME_RIGHTS,
						&out));
}

TEST_F(table, replace_needs_no_duplicate_right)
{
	struct strata_cap_handle_info info;
	__u32 h, w, r;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h,
					     STRATA_RIGHT_WAIT |
					     STRATA_RIGHT_SIGNAL, &w));
	ASSERT_EQ(0, strata_handle_replace(self->fd, w, STRATA_RIGHT_WAIT,
					   &r));
	ASSERT_EQ(0, strata_handle_info(self->fd, r, &info));
	EXPECT_EQ(STRATA_RIGHT_WAIT, info.rights);
	/* Not even none at all. */
	ASSERT_EQ(0, strata_handle_replace(self->fd, r, STRATA_RIGHT_NONE,
					   &w));
	ASSERT_EQ(0, strata_handle_info(self->fd, w, &info));
	EXPECT_EQ(STRATA_RIGHT_NONE, info.rights);
	EXPECT_EQ(2, nr_handles(self->fd));
}

TEST_F(table, close_many_closes_every_handle)
{
	__s32 results[6];
	__u32 hs[6];
	int i;

	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, strata_event_create(self->fd, &hs[i]));
		results[i] = 1;
	}
	EXPECT_EQ(0, strata_handle_close_many(self->fd, hs, 6, results));
	EXPECT_EQ(0, nr_handles(self->fd));
	for (i = 0; i < 6; i++)
		EXPECT_EQ(0, results[i]);
	/* results is optional. */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, strata_event_create(self->fd, &hs[i]));
	EXPECT_EQ(0, strata_handle_close_many(self->fd, hs, 3, NULL));
	EXPECT_EQ(0, nr_handles(self->fd));
}

TEST_F(table, close_many_closes_the_good_and_reports_the_bad)
{
	struct strata_cap_close_many args = {};
	struct strata_cap_handle_info info;
	__u32 hs[6], stale[2];
	__s32 results[6];
	int i;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, strata_event_create(self->fd, &stale[i]));
		ASSERT_EQ(0, strata_handle_close(self->fd, stale[i]));
	}
	ASSERT_EQ(0, strata_event_create(self->fd, &hs[0]));
	hs[1] = stale[0];
	ASSERT_EQ(0, strata_event_create(self->fd, &hs[2]));
	hs[3] = STRATA_HANDLE_INVALID;
	hs[4] = stale[1];
	ASSERT_EQ(0, strata_event_create(self->fd, &hs[5]));
	for (i = 0; i < 6; i++)
		results[i] = 1;

	args.handles = (__u64)(unsigned long)hs;
	args.results = (__u64)(unsigned long)results;
	args.count = 6;
	EXPECT_EQ(-EBADF, sys_ioctl(self->fd, STRATA_CAP_IOC_HANDLE_CLOSE_MANY,
				    &args));
	EXPECT_EQ(2, args.nr_bad);
	EXPECT_EQ(0, results[0]);
	EXPECT_EQ(-EBADF, results[1]);
	EXPECT_EQ(0, results[2]);
	/* The invalid handle is skipped, not bad. */
	EXPECT_EQ(0, results[3]);
	EXPECT_EQ(-EBADF, results[4]);
	EXPECT_EQ(0, results[5]);
	EXPECT_EQ(0, nr_handles(self->fd));
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, hs[0], &info));

	/* Through libstrata, without results. */
	ASSERT_EQ(0, strata_event_create(self->fd, &hs[0]));
	EXPECT_EQ(-EBADF, strata_handle_close_many(self->fd, hs, 2, NULL));
	EXPECT_EQ(0, nr_handles(self->fd));
}

TEST_F(table, close_many_skips_the_invalid_handle)
{
	__u32 hs[3] = { STRATA_HANDLE_INVALID, 0, STRATA_HANDLE_INVALID };
	__s32 results[3] = { 1, 1, 1 };

	ASSERT_EQ(0, strata_event_create(self->fd, &hs[1]));
	EXPECT_EQ(0, strata_handle_close_many(self->fd, hs, 3, results));
	EXPECT_EQ(0, results[0]);
	EXPECT_EQ(0, results[1]);
	EXPECT_EQ(0, results[2]);
	EXPECT_EQ(0, nr_handles(self->fd));
}

TEST_F(table, close_many_takes_at_most_close_many_max)
{
	__u32 *hs = calloc(STRATA_CAP_CLOSE_MANY_MAX + 1, sizeof(*hs));

	ASSERT_NE(NULL, hs);
	ASSERT_EQ(0, strata_event_create(self->fd, &hs[0]));
	ASSERT_EQ(0, strata_event_create(self->fd,
					 &hs[STRATA_CAP_CLOSE_MANY_MAX - 1]));
	EXPECT_EQ(-EINVAL, strata_handle_close_many(self->fd, hs,
						    STRATA_CAP_CLOSE_MANY_MAX +
						    1, NULL));
	/* Refused outright: nothing was closed. */
	EXPECT_EQ(2, nr_handles(self->fd));
	EXPECT_EQ(0, strata_handle_close_many(self->fd, hs,
					      STRATA_CAP_CLOSE_MANY_MAX,
					      NULL));
	EXPECT_EQ(0, nr_handles(self->fd));
	free(hs);
}

TEST_F(table, close_many_rejects_bad_pointers_and_output_fields)
{
	struct strata_cap_close_many args = {};
	__u32 h;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	EXPECT_EQ(-EFAULT, strata_handle_close_many(self->fd, NULL, 1, NULL));
	args.handles = (__u64)(unsigned long)&h;
	args.count = 1;
	args.nr_bad = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_HANDLE_CLOSE_MANY,
				     &args));
	EXPECT_EQ(1, nr_handles(self->fd));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - VMOs: memory objects read, written, resized and
 * mapped through handles, directly or as exported fds
 *
 * A VMO's rights say what may be done with its memory: READ and WRITE for
 * the copies and for the protection of mappings, MAP to map it at all,
 * GET_PROPERTY for its size, RESIZE (only on resizable VMOs) with WRITE to
 * change it.  A mapping can never gain more than the handle it was made
 * with, and outlives that handle.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "common.h"

#define SECOND_NS	1000000000LL
#define ALL_SIGNALS	(STRATA_SIGNAL_READABLE | STRATA_SIGNAL_WRITABLE | \
			 STRATA_SIGNAL_PEER_CLOSED | STRATA_SIGNAL_SIGNALED | \
			 STRATA_SIGNAL_USER_ALL)
#define VMO_RW		(PROT_READ | PROT_WRITE)

FIXTURE(vmo) {
	int fd;
	long page;
	long handles0, objects0;
};

FIXTURE_SETUP(vmo)
{
	self->page = sysconf(_SC_PAGESIZE);
	ASSERT_LT(0, self->page);
	self->handles0 = cap_stat("handles");
	self->objects0 = cap_stat("objects");
	ASSERT_LE(0, self->handles0);
	ASSERT_LE(0, self->objects0);
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(vmo)
{
	close(self->fd);
}

static __u64 size_of(int fd, __u32 h)
{
	__u64 size = 0;

	if (strata_vmo_get_size(fd, h, &size))
		return ~0ULL;
	return size;
}

/* A duplicate of @h with @rights, or STRATA_HANDLE_INVALID. */
static __u32 dup_with(int fd, __u32 h, __u32 rights)
{
	__u32 d;

	if (strata_handle_duplicate(fd, h, rights, &d))
		return STRATA_HANDLE_INVALID;
	return d;
}

/* The object's signals now, or a value no object has. */
static __u32 signals_of(int fd, __u32 h)
{
	__u32 pending = 0;
	int ret;

	ret = strata_object_wait_one(fd, h, ALL_SIGNALS, 0, &pending);
	if (ret && ret != -ETIMEDOUT)
		return 0xdeadbeef;
	return pending;
}

/* STRATA_CAP_IOC_VMO_MAP with every field chosen by the caller. */
static int vmo_map_raw(int fd, __u32 h, __u32 prot, __u64 offset,
		       __u64 length, __u64 addr)
{
	struct strata_cap_vmo_map args = {
		.handle = h,
		.prot = prot,
		.offset = offset,
		.length = length,
		.addr = addr,
	};
	int ret = sys_ioctl(fd, STRATA_CAP_IOC_VMO_MAP, &args);

	/* A call that should have failed must not leave a mapping behind. */
	if (!ret)
		munmap((void *)(unsigned long)args.addr, length);
	return ret;
}

/* Whether @len bytes at @p are all @c. */
static bool all_bytes(const void *p, int c, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != (unsigned char)c)
			return false;
	return true;
}

/* mmap(2) of an exported fd; MAP_FAILED with errno set on failure. */
static void *map_fd(int efd, size_t len, int prot, off_t offset)
{
	return mmap(NULL, len, prot, MAP_SHARED, efd, offset);
}

TEST_F(vmo, create_rounds_the_size_up_to_whole_pages)
{
	const __u64 sizes[][2] = {
		{ 1, self->page },
		{ self->page, self->page },
		{ self->page + 1, 2 * self->page },
		{ 3 * self->page - 1, 3 * self->page },
	};
	size_t i;
	__u32 h;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_EQ(0, strata_vmo_create(self->fd, sizes[i][0], 0, &h));
		EXPECT_EQ(sizes[i][1], size_of(self->fd, h));
		ASSERT_EQ(0, strata_handle_close(self->fd, h));
	}
}

TEST_F(vmo, create_refuses_size_zero_and_sizes_past_the_maximum)
{
	__u32 h = 0;

	EXPECT_EQ(-EINVAL, strata_vmo_create(self->fd, 0, 0, &h));
	EXPECT_EQ(-EINVAL, strata_vmo_create(self->fd, STRATA_VMO_MAX_SIZE + 1,
					     0, &h));
	EXPECT_EQ(-EINVAL, strata_vmo_create(self->fd,
					     STRATA_VMO_MAX_SIZE + self->page,
					     STRATA_VMO_RESIZABLE, &h));
	EXPECT_EQ(-EINVAL, strata_vmo_create(self->fd, ~0ULL, 0, &h));
	/* Nothing was made. */
	EXPECT_EQ(0, cap_nr_handles(self->fd));
	EXPECT_EQ(self->objects0, cap_stat("objects"));
}

/* Pages are allocated when touched, so the largest VMO costs nothing. */
TEST_F(vmo, create_accepts_exactly_the_maximum_size)
{
	char c = 1;
	__u32 h;

	ASSERT_EQ(0, strata_vmo_create(self->fd, STRATA_VMO_MAX_SIZE, 0, &h));
	EXPECT_EQ(STRATA_VMO_MAX_SIZE, size_of(self->fd, h));
	EXPECT_EQ(0, strata_vmo_read(self->fd, h, &c, STRATA_VMO_MAX_SIZE - 1,
				     1));
	EXPECT_EQ(0, c);
}

/*
 * Offsets are 64-bit all the way: nothing about a VMO stops at the 2 GiB
 * of a file opened without O_LARGEFILE.
 */
TEST_F(vmo, offsets_past_two_gibibytes_work_like_any_other)
{
	const __u64 gib = 1ULL << 30, last = STRATA_VMO_MAX_SIZE - 1;
	char buf[8] = {}, c = 0;
	void *addr;
	__u32 h;

	ASSERT_EQ(0, strata_vmo_create(self->fd, STRATA_VMO_MAX_SIZE, 0, &h));
	EXPECT_EQ(0, strata_vmo_write(self->fd, h, "edge", 2 * gib - 2, 4));
	EXPECT_EQ(0, strata_vmo_write(self->fd, h, "far", 3 * gib, 3));
	EXPECT_EQ(0, strata_vmo_write(self->fd, h, "L", last, 1));

	EXPECT_EQ(0, strata_vmo_read(self->fd, h, buf, 2 * gib - 2, 4));
	EXPECT_EQ(0, memcmp(buf, "edge", 4));
	EXPECT_EQ(0, strata_vmo_read(self->fd, h, buf, 3 * gib, 3));
	EXPECT_EQ(0, memcmp(buf, "far", 3));
	EXPECT_EQ(0, strata_vmo_read(self->fd, h, &c, last, 1));
	EXPECT_EQ('L', c);

	/* A mapping that far in is the same memory. */
	ASSERT_EQ(0, strata_vmo_map(self->fd, h, PROT_READ, 3 * gib,
				    self->page, &addr));
	EXPECT_EQ(0, memcmp(addr, "far", 3));
	munmap(addr, self->page);
}

TEST_F(vmo, create_rejects_unknown_options_and_set_fields)
{
	struct strata_cap_vmo_create args = { .size = 1 };

	args.options = STRATA_VMO_RESIZABLE << 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_VMO_CREATE,
				     &args));
	args.options = 0;
	args.handle = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_VMO_CREATE,
				     &args));
	args.handle = 0;
	args.reserved = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_VMO_CREATE,
				     &args));
	EXPECT_EQ(0, cap_nr_handles(self->fd));
}

TEST_F(vmo, new_handle_has_the_default_vmo_rights)
{
	struct strata_cap_handle_info info;
	__u32 h;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	ASSERT_EQ(0, strata_handle_info(self->fd, h, &info));
	EXPECT_EQ(STRATA_OBJ_VMO, info.type);
	EXPECT_EQ(STRATA_DEFAULT_VMO_RIGHTS, info.rights);
	EXPECT_EQ(0, info.rights & STRATA_RIGHT_RESIZE);
	EXPECT_EQ(0, info.rights & STRATA_RIGHT_EXECUTE);
	EXPECT_NE(0, info.koid);
	EXPECT_EQ(0, info.related_koid);
}

TEST_F(vmo, resizable_vmo_also_gets_the_resize_right)
{
	struct strata_cap_handle_info info;
	__u32 h;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page,
				       STRATA_VMO_RESIZABLE, &h));
	ASSERT_EQ(0, strata_handle_info(self->fd, h, &info));
	EXPECT_EQ(STRATA_OBJ_VMO, info.type);
	EXPECT_EQ(STRATA_DEFAULT_VMO_RIGHTS | STRATA_RIGHT_RESIZE,
		  info.rights);
}

TEST_F(vmo, new_vmo_reads_as_zeroes)
{
	size_t len = 3 * self->page;
	char *buf = malloc(len);
	__u32 h;

	ASSERT_NE(NULL, buf);
	memset(buf, 0xa5, len);
	ASSERT_EQ(0, strata_vmo_create(self->fd, len, 0, &h));
	ASSERT_EQ(0, strata_vmo_read(self->fd, h, buf, 0, len));
	EXPECT_TRUE(all_bytes(buf, 0, len));
	free(buf);
}

/*
 * Writes at assorted offsets, several across page boundaries, some
 * overlapping; the VMO must then read back exactly like a plain buffer
 * that got the same writes.
 */
TEST_F(vmo, write_then_read_round_trips_across_page_boundaries)
{
	const long p = self->page;
	const struct { __u64 off, len; } w[] = {
		{ 0, 1 },
		{ 1, 13 },
		{ p - 50, 100 },		/* across the first boundary */
		{ 2 * p - 1, 2 },		/* one byte each side */
		{ p / 2, 3 * p },		/* spans three boundaries */
		{ 4 * p - 7, 7 },		/* the very end */
		{ 3 * p, p / 3 },
	};
	size_t len = 4 * p, i, j;
	char *model = calloc(1, len), *src = malloc(len), *out = malloc(len);
	__u32 h;

	ASSERT_NE(NULL, model);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, strata_vmo_create(self->fd, len, 0, &h));
	for (i = 0; i < ARRAY_SIZE(w); i++) {
		for (j = 0; j < w[i].len; j++)
			src[j] = (char)(i * 31 + j * 7 + 1);
		ASSERT_EQ(0, strata_vmo_write(self->fd, h, src, w[i].off,
					      w[i].len));
		memcpy(model + w[i].off, src, w[i].len);

		/* The range just written reads back on its own... */
		memset(out, 0, w[i].len);
		ASSERT_EQ(0, strata_vmo_read(self->fd, h, out, w[i].off,
					     w[i].len));
		EXPECT_EQ(0, memcmp(out, src, w[i].len));
	}
	/* ...and the whole VMO is what the model says, untouched bytes 0. */
	ASSERT_EQ(0, strata_vmo_read(self->fd, h, out, 0, len));
	EXPECT_EQ(0, memcmp(out, model, len));
	free(model);
	free(src);
	free(out);
}

TEST_F(vmo, read_and_write_past_the_end_fail_with_erange)
{
	const __u64 size = 2 * self->page;
	char buf[16] = {}, c = 'x';
	__u32 h;

	ASSERT_EQ(0, strata_vmo_create(self->fd, size, 0, &h));
	EXPECT_EQ(-ERANGE, strata_vmo_read(self->fd, h, buf, size, 1));
	EXPECT_EQ(-ERANGE, strata_vmo_read(self->fd, h, buf, size - 1, 2));
	EXPECT_EQ(-ERANGE, strata_vmo_read(self->fd, h, buf, 0, size + 1));
	EXPECT_EQ(-ERANGE, strata_vmo_write(self->fd, h, buf, size, 1));
	EXPECT_EQ(-ERANGE, strata_vmo_write(self->fd, h, "ab", size - 1, 2));
	EXPECT_EQ(-ERANGE, strata_vmo_write(self->fd, h, buf, size + 8192,
					    sizeof(buf)));
	/* The refused write wrote nothing, not even the byte that fit. */
	ASSERT_EQ(0, strata_vmo_read(self->fd, h, &c, size - 1, 1));
	EXPECT_EQ(0, c);
	/* Up to the end exactly is fine, and so is nothing at the end. */
	EXPECT_EQ(0, strata_vmo_write(self->fd, h, "z", size - 1, 1));
	EXPECT_EQ(0, strata_vmo_read(self->fd, h, &c, size - 1, 1));
	EXPECT_EQ('z', c);
	EXPECT_EQ(0, strata_vmo_read(self->fd, h, buf, size, 0));
}

/* offset + length wrapping around 2^64 must not look like a small range. */
TEST_F(vmo, offset_plus_length_overflow_fails_with_erange)
{
	char buf[16];
	__u32 h;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	EXPECT_EQ(-ERANGE, strata_vmo_read(self->fd, h, buf, ~0ULL, 1));
	EXPECT_EQ(-ERANGE, strata_vmo_read(self->fd, h, buf, 1ULL << 63,
					   1ULL << 63));
	EXPECT_EQ(-ERANGE, strata_vmo_read(self->fd, h, buf, 8,
					   ~0ULL - 7));
	EXPECT_EQ(-ERANGE, strata_vmo_write(self->fd, h, buf, ~0ULL, 1));
	EXPECT_EQ(-ERANGE, strata_vmo_write(self->fd, h, buf, 1ULL << 63,
					    1ULL << 63));
	EXPECT_EQ(-ERANGE, strata_vmo_write(self->fd, h, buf, 8,
					    ~0ULL - 7));
}

TEST_F(vmo, read_needs_read_and_write_needs_write)
{
	__u32 h, no_read, no_write;
	char c = 0;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	no_read = dup_with(self->fd, h,
			   STRATA_DEFAULT_VMO_RIGHTS & ~STRATA_RIGHT_READ);
	no_write = dup_with(self->fd, h,
			    STRATA_DEFAULT_VMO_RIGHTS & ~STRATA_RIGHT_WRITE);
	ASSERT_NE(STRATA_HANDLE_INVALID, no_read);
	ASSERT_NE(STRATA_HANDLE_INVALID, no_write);

	EXPECT_EQ(-EACCES, strata_vmo_read(self->fd, no_read, &c, 0, 1));
	EXPECT_EQ(0, strata_vmo_write(self->fd, no_read, "w", 0, 1));
	EXPECT_EQ(-EACCES, strata_vmo_write(self->fd, no_write, "v", 0, 1));
	EXPECT_EQ(0, strata_vmo_read(self->fd, no_write, &c, 0, 1));
	/* The write through no_read landed; the one through no_write not. */
	EXPECT_EQ('w', c);
}

TEST_F(vmo, get_size_needs_get_property)
{
	__u64 size = 0;
	__u32 h, d;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	d = dup_with(self->fd, h,
		     STRATA_DEFAULT_VMO_RIGHTS & ~STRATA_RIGHT_GET_PROPERTY);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	EXPECT_EQ(-EACCES, strata_vmo_get_size(self->fd, d, &size));
	EXPECT_EQ(0, strata_vmo_get_size(self->fd, h, &size));
	EXPECT_EQ(self->page, size);
}

TEST_F(vmo, vmo_calls_reject_options_and_output_fields)
{
	struct strata_cap_vmo_size sz = {};
	struct strata_cap_vmo_rw rw = {};
	char buf[8];
	__u32 h;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page,
				       STRATA_VMO_RESIZABLE, &h));
	rw.handle = h;
	rw.buffer = (unsigned long)buf;
	rw.length = sizeof(buf);
	rw.options = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_VMO_READ, &rw));
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_VMO_WRITE, &rw));

	sz.handle = h;
	sz.size = self->page;	/* an output of GET_SIZE */
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_VMO_GET_SIZE,
				     &sz));
	sz.size = 0;
	sz.options = 1;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_VMO_GET_SIZE,
				     &sz));
	sz.size = 4 * self->page;
	EXPECT_EQ(-EINVAL, sys_ioctl(self->fd, STRATA_CAP_IOC_VMO_SET_SIZE,
				     &sz));
	EXPECT_EQ(self->page, size_of(self->fd, h));

	/* MAP's addr is an output. */
	EXPECT_EQ(-EINVAL, vmo_map_raw(self->fd, h, PROT_READ, 0, self->page,
				       0x10000));
}

TEST_F(vmo, set_size_needs_write_and_resize)
{
	__u32 fixed, h, no_write, no_resize;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &fixed));
	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page,
				       STRATA_VMO_RESIZABLE, &h));
	no_write = dup_with(self->fd, h, (STRATA_DEFAULT_VMO_RIGHTS |
					  STRATA_RIGHT_RESIZE) &
					 ~STRATA_RIGHT_WRITE);
	no_resize = dup_with(self->fd, h, STRATA_DEFAULT_VMO_RIGHTS);
	ASSERT_NE(STRATA_HANDLE_INVALID, no_write);
	ASSERT_NE(STRATA_HANDLE_INVALID, no_resize);

	/* A VMO made without STRATA_VMO_RESIZABLE has no RESIZE to use. */
	EXPECT_EQ(-EACCES, strata_vmo_set_size(self->fd, fixed,
					       2 * self->page));
	EXPECT_EQ(-EACCES, strata_vmo_set_size(self->fd, no_write,
					       2 * self->page));
	EXPECT_EQ(-EACCES, strata_vmo_set_size(self->fd, no_resize,
					       2 * self->page));
	EXPECT_EQ(self->page, size_of(self->fd, fixed));
	EXPECT_EQ(self->page, size_of(self->fd, h));

	EXPECT_EQ(0, strata_vmo_set_size(self->fd, h, 2 * self->page));
	EXPECT_EQ(2 * self->page, size_of(self->fd, h));
	/* Every handle sees the one object's new size. */
	EXPECT_EQ(2 * self->page, size_of(self->fd, no_resize));
}

TEST_F(vmo, set_size_refuses_zero_and_sizes_past_the_maximum)
{
	__u32 h;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page,
				       STRATA_VMO_RESIZABLE, &h));
	EXPECT_EQ(-EINVAL, strata_vmo_set_size(self->fd, h, 0));
	EXPECT_EQ(-EINVAL, strata_vmo_set_size(self->fd, h,
					       STRATA_VMO_MAX_SIZE + 1));
	EXPECT_EQ(self->page, size_of(self->fd, h));
	/* The new size is rounded up to pages as at create. */
	EXPECT_EQ(0, strata_vmo_set_size(self->fd, h, 2 * self->page + 1));
	EXPECT_EQ(3 * self->page, size_of(self->fd, h));
}

TEST_F(vmo, growing_keeps_the_data_and_adds_zeroes)
{
	size_t len = 3 * self->page;
	char *buf = malloc(len);
	__u32 h;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page,
				       STRATA_VMO_RESIZABLE, &h));
	memset(buf, 'g', self->page);
	ASSERT_EQ(0, strata_vmo_write(self->fd, h, buf, 0, self->page));
	ASSERT_EQ(0, strata_vmo_set_size(self->fd, h, len));
	memset(buf, 0x5a, len);
	ASSERT_EQ(0, strata_vmo_read(self->fd, h, buf, 0, len));
	EXPECT_TRUE(all_bytes(buf, 'g', self->page));
	EXPECT_TRUE(all_bytes(buf + self->page, 0, len - self->page));
	free(buf);
}

TEST_F(vmo, shrinking_discards_the_tail)
{
	size_t len = 3 * self->page;
	char *buf = malloc(len);
	__u32 h;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, strata_vmo_create(self->fd, len, STRATA_VMO_RESIZABLE,
				       &h));
	memset(buf, 't', len);
	ASSERT_EQ(0, strata_vmo_write(self->fd, h, buf, 0, len));

	ASSERT_EQ(0, strata_vmo_set_size(self->fd, h, self->page));
	EXPECT_EQ(self->page, size_of(self->fd, h));
	EXPECT_EQ(-ERANGE, strata_vmo_read(self->fd, h, buf, self->page, 1));

	/* Growing back does not bring the old tail back: it is zeroes. */
	ASSERT_EQ(0, strata_vmo_set_size(self->fd, h, len));
	memset(buf, 0x5a, len);
	ASSERT_EQ(0, strata_vmo_read(self->fd, h, buf, 0, len));
	EXPECT_TRUE(all_bytes(buf, 't', self->page));
	EXPECT_TRUE(all_bytes(buf + self->page, 0, len - self->page));
	free(buf);
}

/* A child touches the mapped page past the new end, then the one before. */
static int touch_after_shrink(volatile char *p, long page)
{
	if (p[0] != 's')
		return 1;
	(void)p[page];	/* SIGBUS: that page is gone */
	return 2;
}

TEST_F(vmo, shrinking_under_a_mapping_makes_the_tail_fault_with_sigbus)
{
	int status;
	void *addr;
	pid_t pid;
	__u32 h;

	ASSERT_EQ(0, strata_vmo_create(self->fd, 2 * self->page,
				       STRATA_VMO_RESIZABLE, &h));
	ASSERT_EQ(0, strata_vmo_map(self->fd, h, VMO_RW, 0, 2 * self->page,
				    &addr));
	memset(addr, 's', 2 * self->page);
	ASSERT_EQ(0, strata_vmo_set_size(self->fd, h, self->page));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(touch_after_shrink(addr, self->page));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGBUS, WTERMSIG(status));
	munmap(addr, 2 * self->page);
}

TEST_F(vmo, map_is_shared_with_reads_and_writes_both_ways)
{
	size_t len = 2 * self->page;
	char *p, *q, buf[8] = {};
	void *addr;
	__u32 h;

	ASSERT_EQ(0, strata_vmo_create(self->fd, len, 0, &h));
	ASSERT_EQ(0, strata_vmo_map(self->fd, h, VMO_RW, 0, len, &addr));
	p = addr;
	EXPECT_TRUE(all_bytes(p, 0, len));

	/* VMO_WRITE shows in the mapping, across the page boundary. */
	ASSERT_EQ(0, strata_vmo_write(self->fd, h, "written", self->page - 3,
				      7));
	EXPECT_EQ(0, memcmp(p + self->page - 3, "written", 7));

	/* A store through the mapping shows in VMO_READ. */
	memcpy(p + len - 6, "mapped", 6);
	ASSERT_EQ(0, strata_vmo_read(self->fd, h, buf, len - 6, 6));
	EXPECT_EQ(0, memcmp(buf, "mapped", 6));

	/* A second mapping is the same memory. */
	ASSERT_EQ(0, strata_vmo_map(self->fd, h, PROT_READ, 0, len, &addr));
	q = addr;
	EXPECT_NE(p, q);
	EXPECT_EQ(0, memcmp(q + len - 6, "mapped", 6));
	p[0] = 'Q';
	EXPECT_EQ('Q', q[0]);
	munmap(p, len);
	munmap(q, len);
}

TEST_F(vmo, map_at_an_offset_shows_that_part_of_the_vmo)
{
	void *addr;
	__u32 h;

	ASSERT_EQ(0, strata_vmo_create(self->fd, 3 * self->page, 0, &h));
	ASSERT_EQ(0, strata_vmo_write(self->fd, h, "two", 2 * self->page, 3));
	ASSERT_EQ(0, strata_vmo_map(self->fd, h, PROT_READ, 2 * self->page,
				    self->page, &addr));
	EXPECT_EQ(0, memcmp(addr, "two", 3));
	munmap(addr, self->page);
}

TEST_F(vmo, map_needs_the_map_right)
{
	void *addr;
	__u32 h, d;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	d = dup_with(self->fd, h,
		     STRATA_DEFAULT_VMO_RIGHTS & ~STRATA_RIGHT_MAP);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	EXPECT_EQ(-EACCES, strata_vmo_map(self->fd, d, PROT_READ, 0,
					  self->page, &addr));
	/* READ and WRITE are still there: only mapping is refused. */
	EXPECT_EQ(0, strata_vmo_write(self->fd, d, "x", 0, 1));
}

TEST_F(vmo, map_protection_needs_the_matching_rights)
{
	__u32 h, rd, wr;
	void *addr;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	rd = dup_with(self->fd, h, STRATA_RIGHT_MAP | STRATA_RIGHT_READ);
	wr = dup_with(self->fd, h, STRATA_RIGHT_MAP | STRATA_RIGHT_WRITE);
	ASSERT_NE(STRATA_HANDLE_INVALID, rd);
	ASSERT_NE(STRATA_HANDLE_INVALID, wr);

	EXPECT_EQ(-EACCES, strata_vmo_map(self->fd, rd, PROT_WRITE, 0,
					  self->page, &addr));
	EXPECT_EQ(-EACCES, strata_vmo_map(self->fd, rd, VMO_RW, 0,
					  self->page, &addr));
	EXPECT_EQ(-EACCES, strata_vmo_map(self->fd, wr, PROT_READ, 0,
					  self->page, &addr));
	EXPECT_EQ(-EACCES, strata_vmo_map(self->fd, wr, VMO_RW, 0,
					  self->page, &addr));
	ASSERT_EQ(0, strata_vmo_map(self->fd, rd, PROT_READ, 0, self->page,
				    &addr));
	munmap(addr, self->page);
}

/*
 * The default rights lack EXECUTE and rights only shrink, so no VMO
 * handle can ever map executable memory.
 */
TEST_F(vmo, executable_map_is_refused_without_the_execute_right)
{
	__u32 h, d = 0;
	void *addr;
	int efd;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	EXPECT_EQ(-EACCES, strata_vmo_map(self->fd, h, PROT_EXEC, 0,
					  self->page, &addr));
	EXPECT_EQ(-EACCES, strata_vmo_map(self->fd, h,
					  PROT_READ | PROT_EXEC, 0,
					  self->page, &addr));
	EXPECT_EQ(-EINVAL, strata_handle_duplicate(self->fd, h,
			STRATA_DEFAULT_VMO_RIGHTS | STRATA_RIGHT_EXECUTE,
			&d));

	/* mmap(2) of the exported handle is refused the same way. */
	d = dup_with(self->fd, h, STRATA_RIGHT_SAME_RIGHTS);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	efd = strata_handle_export(self->fd, d, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	addr = map_fd(efd, self->page, PROT_READ | PROT_EXEC, 0);
	EXPECT_EQ(MAP_FAILED, addr);
	EXPECT_EQ(EACCES, errno);
	close(efd);
}

TEST_F(vmo, read_only_mapping_cannot_be_made_writable)
{
	__u32 h, ro;
	void *addr;
	char c = 0;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	ro = dup_with(self->fd, h,
		      STRATA_DEFAULT_VMO_RIGHTS & ~STRATA_RIGHT_WRITE);
	ASSERT_NE(STRATA_HANDLE_INVALID, ro);

	ASSERT_EQ(0, strata_vmo_map(self->fd, ro, PROT_READ, 0, self->page,
				    &addr));
	EXPECT_EQ(-1, mprotect(addr, self->page, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(addr, self->page);

	/*
	 * The refusal is the missing right's: a mapping made writable
	 * with WRITE may drop PROT_WRITE and take it back.
	 */
	ASSERT_EQ(0, strata_vmo_map(self->fd, h, VMO_RW, 0, self->page,
				    &addr));
	ASSERT_EQ(0, mprotect(addr, self->page, PROT_READ));
	ASSERT_EQ(0, mprotect(addr, self->page, PROT_READ | PROT_WRITE));
	*(char *)addr = 'u';
	munmap(addr, self->page);
	EXPECT_EQ(0, strata_vmo_read(self->fd, ro, &c, 0, 1));
	EXPECT_EQ('u', c);
}

/*
 * Protection is fixed at map time: a mapping made read-only or PROT_NONE
 * through a handle with every right still cannot gain what it was not
 * made with, so a policy's verdict on the map cannot be undone later.
 */
TEST_F(vmo, a_mapping_never_gains_a_protection_it_was_made_without)
{
	void *addr;
	__u32 h;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	ASSERT_EQ(0, strata_vmo_map(self->fd, h, PROT_READ, 0, self->page,
				    &addr));
	EXPECT_EQ(-1, mprotect(addr, self->page, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(addr, self->page);

	ASSERT_EQ(0, strata_vmo_map(self->fd, h, PROT_NONE, 0, self->page,
				    &addr));
	EXPECT_EQ(-1, mprotect(addr, self->page, PROT_READ));
	EXPECT_EQ(EACCES, errno);
	munmap(addr, self->page);
}

TEST_F(vmo, map_rejects_unaligned_offsets_zero_length_and_bad_prot)
{
	__u32 h;

	ASSERT_EQ(0, strata_vmo_create(self->fd, 2 * self->page, 0, &h));
	EXPECT_EQ(-EINVAL, vmo_map_raw(self->fd, h, PROT_READ, 1, self->page,
				       0));
	EXPECT_EQ(-EINVAL, vmo_map_raw(self->fd, h, PROT_READ,
				       self->page / 2, self->page, 0));
	EXPECT_EQ(-EINVAL, vmo_map_raw(self->fd, h, PROT_READ, 0, 0, 0));
	EXPECT_EQ(-EINVAL, vmo_map_raw(self->fd, h, PROT_READ | 0x100, 0,
				       self->page, 0));
}

TEST_F(vmo, map_past_the_end_fails_with_erange)
{
	const __u64 size = 2 * self->page;
	void *p;
	__u32 h, d;
	int efd;

	ASSERT_EQ(0, strata_vmo_create(self->fd, size, 0, &h));
	EXPECT_EQ(-ERANGE, vmo_map_raw(self->fd, h, PROT_READ, 0,
				       size + self->page, 0));
	EXPECT_EQ(-ERANGE, vmo_map_raw(self->fd, h, PROT_READ, self->page,
				       size, 0));
	EXPECT_EQ(-ERANGE, vmo_map_raw(self->fd, h, PROT_READ, size,
				       self->page, 0));
	/* The last page exactly is within. */
	EXPECT_EQ(0, vmo_map_raw(self->fd, h, PROT_READ, size - self->page,
				 self->page, 0));

	/* mmap(2) of the exported handle checks the same range. */
	d = dup_with(self->fd, h, STRATA_RIGHT_SAME_RIGHTS);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	efd = strata_handle_export(self->fd, d, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	p = map_fd(efd, self->page, PROT_READ, size);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ERANGE, errno);
	p = map_fd(efd, size + self->page, PROT_READ, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ERANGE, errno);
	close(efd);
}

TEST_F(vmo, mmap_of_an_exported_vmo_works_with_its_rights)
{
	char buf[6] = {};
	__u32 h, d;
	char *p;
	int efd;

	ASSERT_EQ(0, strata_vmo_create(self->fd, 2 * self->page, 0, &h));
	ASSERT_EQ(0, strata_vmo_write(self->fd, h, "before", self->page, 6));
	d = dup_with(self->fd, h, STRATA_RIGHT_SAME_RIGHTS);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	efd = strata_handle_export(self->fd, d, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);

	p = map_fd(efd, self->page, VMO_RW, self->page);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(p, "before", 6));
	memcpy(p, "after!", 6);
	ASSERT_EQ(0, strata_vmo_read(self->fd, h, buf, self->page, 6));
	EXPECT_EQ(0, memcmp(buf, "after!", 6));
	munmap(p, self->page);

	/* Like VMO_MAP, only shared mappings. */
	p = mmap(NULL, self->page, PROT_READ, MAP_PRIVATE, efd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, self->page);

	/* Mapping the fd does not use up the handle: it still imports. */
	ASSERT_EQ(0, strata_handle_import(self->fd, efd, &d));
	EXPECT_EQ(0, strata_vmo_read(self->fd, d, buf, self->page, 6));
	close(efd);
}

TEST_F(vmo, narrowed_export_without_write_maps_read_only)
{
	__u32 h, d;
	char *p;
	int efd;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	ASSERT_EQ(0, strata_vmo_write(self->fd, h, "ro", 0, 2));
	d = dup_with(self->fd, h, STRATA_RIGHT_SAME_RIGHTS);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	efd = strata_handle_export(self->fd, d,
				   STRATA_DEFAULT_VMO_RIGHTS &
				   ~STRATA_RIGHT_WRITE, O_CLOEXEC);
	ASSERT_LE(0, efd);

	/* The fd is O_RDWR, yet the handle inside it decides. */
	p = map_fd(efd, self->page, VMO_RW, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	p = map_fd(efd, self->page, PROT_WRITE, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);

	p = map_fd(efd, self->page, PROT_READ, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(p, "ro", 2));
	EXPECT_EQ(-1, mprotect(p, self->page, VMO_RW));
	EXPECT_EQ(EACCES, errno);
	munmap(p, self->page);
	close(efd);
}

TEST_F(vmo, mmap_of_an_exported_event_fails_with_enodev)
{
	void *p;
	__u32 e;
	int efd;

	ASSERT_EQ(0, strata_event_create(self->fd, &e));
	efd = strata_handle_export(self->fd, e, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	p = map_fd(efd, self->page, PROT_READ, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
	close(efd);
}

TEST_F(vmo, mmap_of_a_revoked_export_fails_with_ekeyrevoked)
{
	__u32 h, d;
	void *p;
	int efd;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	d = dup_with(self->fd, h, STRATA_RIGHT_SAME_RIGHTS);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	efd = strata_handle_export(self->fd, d, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(1, strata_handle_revoke(self->fd, h));

	p = map_fd(efd, self->page, PROT_READ, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EKEYREVOKED, errno);
	close(efd);
}

TEST_F(vmo, mapping_outlives_the_handle)
{
	char buf[4] = {};
	char *p, *q;
	void *addr;
	__u32 h;
	int efd;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	ASSERT_EQ(0, strata_vmo_write(self->fd, h, "kept", 0, 4));
	ASSERT_EQ(0, strata_vmo_map(self->fd, h, VMO_RW, 0, self->page,
				    &addr));
	p = addr;
	ASSERT_EQ(0, strata_handle_close(self->fd, h));
	EXPECT_EQ(self->handles0, cap_stat("handles"));

	/* The memory is still there, readable and writable. */
	EXPECT_EQ(0, memcmp(p, "kept", 4));
	memcpy(p, "more", 4);
	EXPECT_EQ(0, memcmp(p, "more", 4));
	/* Only the mapping keeps it now; unmapping it frees everything. */
	munmap(p, self->page);
	EXPECT_EQ(self->objects0, cap_stat_settle("objects", self->objects0,
						  2000));

	/* The same for a mapping of an exported fd, once the fd is closed. */
	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	ASSERT_EQ(0, strata_vmo_write(self->fd, h, "file", 0, 4));
	efd = strata_handle_export(self->fd, h, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);
	q = map_fd(efd, self->page, PROT_READ, 0);
	ASSERT_NE(MAP_FAILED, q);
	close(efd);
	memcpy(buf, q, 4);
	EXPECT_EQ(0, memcmp(buf, "file", 4));
	munmap(q, self->page);
	EXPECT_EQ(self->objects0, cap_stat_settle("objects", self->objects0,
						  2000));
	EXPECT_EQ(self->handles0, cap_stat("handles"));
}

TEST_F(vmo, mapping_outlives_revocation_of_its_handle)
{
	char buf[4] = {};
	__u32 h, d;
	void *addr;
	char *p;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	d = dup_with(self->fd, h, STRATA_RIGHT_SAME_RIGHTS);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	ASSERT_EQ(0, strata_vmo_map(self->fd, d, VMO_RW, 0, self->page,
				    &addr));
	p = addr;
	ASSERT_EQ(1, strata_handle_revoke(self->fd, h));

	/* The handle is done for... */
	EXPECT_EQ(-EKEYREVOKED, strata_vmo_map(self->fd, d, PROT_READ, 0,
					       self->page, &addr));
	EXPECT_EQ(-EKEYREVOKED, strata_vmo_write(self->fd, d, "x", 0, 1));
	/* ...the mapping made with it is not. */
	memcpy(p, "live", 4);
	ASSERT_EQ(0, strata_vmo_read(self->fd, h, buf, 0, 4));
	EXPECT_EQ(0, memcmp(buf, "live", 4));
	munmap(p, self->page);
}

/* The value of the line "@key:\t..." of /proc/self/fdinfo/@fd, or NULL. */
TEST_F(vmo, fdinfo_of_an_exported_vmo_shows_its_size)
{
	char val[64], want[32];
	__u32 h, d;
	int efd, e;
	__u32 ev;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page + 1,
				       STRATA_VMO_RESIZABLE, &h));
	d = dup_with(self->fd, h, STRATA_RIGHT_SAME_RIGHTS);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	efd = strata_handle_export(self->fd, d, STRATA_RIGHT_SAME_RIGHTS,
				   O_CLOEXEC);
	ASSERT_LE(0, efd);

	ASSERT_NE(NULL, cap_fdinfo_field(efd, "strata-type", val, sizeof(val)));
	EXPECT_STREQ("vmo", val);
	ASSERT_NE(NULL, cap_fdinfo_field(efd, "strata-vmo-size", val,
				     sizeof(val)));
	snprintf(want, sizeof(want), "%ld", 2 * self->page);
	EXPECT_STREQ(want, val);

	/* The size is read live: a resize through another handle shows. */
	ASSERT_EQ(0, strata_vmo_set_size(self->fd, h, 5 * self->page));
	ASSERT_NE(NULL, cap_fdinfo_field(efd, "strata-vmo-size", val,
				     sizeof(val)));
	snprintf(want, sizeof(want), "%ld", 5 * self->page);
	EXPECT_STREQ(want, val);
	close(efd);

	/* Other types have no such line. */
	ASSERT_EQ(0, strata_event_create(self->fd, &ev));
	e = strata_handle_export(self->fd, ev, STRATA_RIGHT_SAME_RIGHTS,
				 O_CLOEXEC);
	ASSERT_LE(0, e);
	EXPECT_EQ(NULL, cap_fdinfo_field(e, "strata-vmo-size", val, sizeof(val)));
	close(e);
}

/*
 * The child's side: its own table, the endpoint imported from @efd, the
 * VMO read from it; writes "child" at 0 with VMO_WRITE and "mapped" at
 * @page through a mapping, then raises USER_0 on the VMO.
 */
static int receive_and_fill(int efd, __u64 vmo_koid, long page)
{
	struct strata_cap_handle_info info;
	__u32 ch, v, nb, nh, pending;
	char buf[8];
	void *addr;
	int fd;

	fd = strata_cap_open(O_CLOEXEC);
	if (fd < 0)
		return 10;
	if (strata_handle_import(fd, efd, &ch))
		return 11;
	close(efd);
	if (strata_object_wait_one(fd, ch, STRATA_SIGNAL_READABLE,
				   strata_deadline_after(10 * SECOND_NS),
				   &pending))
		return 12;
	if (strata_channel_read(fd, ch, buf, sizeof(buf), &v, 1, &nb, &nh))
		return 13;
	if (nh != 1 || nb != 3 || memcmp(buf, "vmo", 3))
		return 14;
	if (strata_handle_info(fd, v, &info))
		return 15;
	if (info.type != STRATA_OBJ_VMO || info.koid != vmo_koid ||
	    info.rights != STRATA_DEFAULT_VMO_RIGHTS)
		return 16;
	if (strata_vmo_write(fd, v, "child", 0, 5))
		return 17;
	if (strata_vmo_map(fd, v, VMO_RW, page, page, &addr))
		return 18;
	memcpy(addr, "mapped", 6);
	munmap(addr, page);
	if (strata_object_signal(fd, v, 0, STRATA_SIGNAL_USER_0))
		return 19;
	close(fd);
	return 0;
}

TEST_F(vmo, vmo_travels_to_a_forked_child_which_fills_it)
{
	struct strata_cap_handle_info info;
	__u32 h0, h1, v, keep, pending = 0;
	int efd, status;
	char buf[8] = {};
	pid_t pid;

	ASSERT_EQ(0, strata_channel_create(self->fd, &h0, &h1));
	ASSERT_EQ(0, strata_vmo_create(self->fd, 2 * self->page, 0, &v));
	ASSERT_EQ(0, strata_handle_info(self->fd, v, &info));
	keep = dup_with(self->fd, v, STRATA_RIGHT_SAME_RIGHTS);
	ASSERT_NE(STRATA_HANDLE_INVALID, keep);
	efd = strata_handle_export(self->fd, h1, STRATA_RIGHT_SAME_RIGHTS, 0);
	ASSERT_LE(0, efd);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(receive_and_fill(efd, info.koid, self->page));
	close(efd);

	ASSERT_EQ(0, strata_channel_write(self->fd, h0, "vmo", 3, &v, 1));
	/* The VMO handle left this table with the message. */
	EXPECT_EQ(-EBADF, strata_handle_info(self->fd, v, &info));
	EXPECT_EQ(0, strata_object_wait_one(self->fd, keep,
					    STRATA_SIGNAL_USER_0,
					    strata_deadline_after(10 *
								  SECOND_NS),
					    &pending));
	EXPECT_EQ(STRATA_SIGNAL_USER_0, pending & STRATA_SIGNAL_USER_0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* What the child wrote both ways is in the parent's VMO. */
	ASSERT_EQ(0, strata_vmo_read(self->fd, keep, buf, 0, 5));
	EXPECT_EQ(0, memcmp(buf, "child", 5));
	ASSERT_EQ(0, strata_vmo_read(self->fd, keep, buf, self->page, 6));
	EXPECT_EQ(0, memcmp(buf, "mapped", 6));
}

TEST_F(vmo, user_signals_are_set_and_cleared_on_a_vmo)
{
	const __u32 u0 = STRATA_SIGNAL_USER_0, u3 = STRATA_SIGNAL_USER_0 << 3;
	__u32 h, d, pending = 0;

	ASSERT_EQ(0, strata_vmo_create(self->fd, self->page, 0, &h));
	EXPECT_EQ(0, signals_of(self->fd, h));

	ASSERT_EQ(0, strata_object_signal(self->fd, h, 0, u0 | u3));
	EXPECT_EQ(u0 | u3, signals_of(self->fd, h));
	EXPECT_EQ(0, strata_object_wait_one(self->fd, h, u3, 0, &pending));
	EXPECT_EQ(u0 | u3, pending);
	ASSERT_EQ(0, strata_object_signal(self->fd, h, u0, 0));
	EXPECT_EQ(u3, signals_of(self->fd, h));
	ASSERT_EQ(0, strata_object_signal(self->fd, h, STRATA_SIGNAL_USER_ALL,
					  0));
	EXPECT_EQ(0, signals_of(self->fd, h));

	/* Only user signals: SIGNALED and the channel bits are not a VMO's. */
	EXPECT_EQ(-EINVAL, strata_object_signal(self->fd, h, 0,
						STRATA_SIGNAL_SIGNALED));
	EXPECT_EQ(-EINVAL, strata_object_signal(self->fd, h,
						STRATA_SIGNAL_READABLE, 0));
	/* No peer to signal. */
	EXPECT_EQ(-EOPNOTSUPP, strata_object_signal_peer(self->fd, h, 0, u0));
	/* Without SIGNAL, nothing. */
	d = dup_with(self->fd, h,
		     STRATA_DEFAULT_VMO_RIGHTS & ~STRATA_RIGHT_SIGNAL);
	ASSERT_NE(STRATA_HANDLE_INVALID, d);
	EXPECT_EQ(-EACCES, strata_object_signal(self->fd, d, 0, u0));
	EXPECT_EQ(0, signals_of(self->fd, h));
}

/*
 * RLIMIT_FSIZE bounds VMOs as it bounds a memfd, but all or nothing: a
 * write or resize that would pass it fails whole, with no SIGXFSZ.
 */
TEST_F(vmo, writes_and_resizes_past_rlimit_fsize_fail_whole)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct rlimit rl = { .rlim_cur = 8192, .rlim_max = 8192 };
		char buf[8192], c = 1;
		int fd = strata_cap_open(O_CLOEXEC);
		__u32 h;

		/* The parent's table is the parent's: open our own. */
		memset(buf, 'x', sizeof(buf));
		if (fd < 0 || strata_vmo_create(fd, 4 * 8192, STRATA_VMO_RESIZABLE,
				      &h) || setrlimit(RLIMIT_FSIZE, &rl))
			_exit(10);
		/* Straddles the limit: nothing may be written. */
		if (strata_vmo_write(fd, h, buf, 4096, 8192) != -EFBIG)
			_exit(11);
		if (strata_vmo_read(fd, h, &c, 4096, 1) || c != 0)
			_exit(12);
		if (strata_vmo_write(fd, h, buf, 0, 8192))
			_exit(13);
		if (strata_vmo_set_size(fd, h, 8 * 8192) != -EFBIG)
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* A SIGXFSZ would have killed the child. */
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN

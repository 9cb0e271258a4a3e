// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - handle tables: opening, ownership, fdinfo, bad calls
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "common.h"

TEST(module_has_btf)
{
	/* Without BTF the module loads silently but its struct_ops vanish. */
	ASSERT_EQ(0, access("/sys/kernel/btf/strata_cap", F_OK));
}

TEST(device_node_exists)
{
	ASSERT_EQ(0, access(STRATA_CAP_DEV, R_OK | W_OK));
}

TEST(open_gives_empty_table)
{
	struct strata_cap_table_info info;
	int fd = strata_cap_open(O_CLOEXEC);

	ASSERT_LE(0, fd);
	memset(&info, 0xff, sizeof(info));
	ASSERT_EQ(0, strata_cap_table_info(fd, &info));
	EXPECT_LT(1024, info.koid);
	EXPECT_EQ(0, info.nr_handles);
	EXPECT_EQ(strata_read_long(CAP_PARAM_MAX_HANDLES), info.max_handles);
	EXPECT_EQ(0, info.reserved[0]);
	EXPECT_EQ(0, info.reserved[1]);
	close(fd);
}

TEST(tables_have_distinct_koids)
{
	struct strata_cap_table_info a, b;
	int fa = strata_cap_open(O_CLOEXEC), fb = strata_cap_open(O_CLOEXEC);

	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	ASSERT_EQ(0, strata_cap_table_info(fa, &a));
	ASSERT_EQ(0, strata_cap_table_info(fb, &b));
	EXPECT_NE(a.koid, b.koid);
	close(fa);
	close(fb);
}

TEST(other_process_is_refused)
{
	struct strata_cap_table_info info;
	__u32 h;
	int fd = strata_cap_open(0);
	int status;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, strata_event_create(fd, &h));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The child inherited the fd, not the right to use it. */
		if (strata_cap_table_info(fd, &info) != -EACCES)
			_exit(1);
		if (strata_handle_close(fd, h) != -EACCES)
			_exit(2);
		if (strata_event_create(fd, &h) != -EACCES)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The owner's handle is untouched. */
	ASSERT_EQ(0, strata_cap_table_info(fd, &info));
	EXPECT_EQ(1, info.nr_handles);
	EXPECT_EQ(0, strata_handle_close(fd, h));
	close(fd);
}

static void *thread_create_event(void *arg)
{
	__u32 h;

	return (void *)(long)strata_event_create(*(int *)arg, &h);
}

TEST(threads_share_the_table)
{
	struct strata_cap_table_info info;
	int fd = strata_cap_open(O_CLOEXEC);
	pthread_t t;
	void *ret;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pthread_create(&t, NULL, thread_create_event, &fd));
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(0, (long)ret);
	ASSERT_EQ(0, strata_cap_table_info(fd, &info));
	EXPECT_EQ(1, info.nr_handles);
	close(fd);
}

TEST(fdinfo_shows_the_table)
{
	struct strata_cap_table_info info;
	char path[64], buf[1024], want[128];
	__u32 h;
	int fd = strata_cap_open(O_CLOEXEC), in;
	ssize_t n;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, strata_event_create(fd, &h));
	ASSERT_EQ(0, strata_cap_table_info(fd, &info));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	in = open(path, O_RDONLY);
	ASSERT_LE(0, in);
	n = read(in, buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	buf[n] = '\0';
	close(in);
	snprintf(want, sizeof(want), "strata-table-koid:\t%llu\n",
		 (unsigned long long)info.koid);
	EXPECT_NE(NULL, strstr(buf, want));
	snprintf(want, sizeof(want), "strata-owner-tgid:\t%d\n", getpid());
	EXPECT_NE(NULL, strstr(buf, want));
	EXPECT_NE(NULL, strstr(buf, "strata-handles:\t1\n"));
	close(fd);
}

TEST(unknown_ioctl_fails_with_enotty)
{
	struct {
		struct strata_cap_create c;
		__u64 extra;
	} bigger = {};
	int fd = strata_cap_open(O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTTY, sys_ioctl(fd, _IO(STRATA_IOC_MAGIC, 0x3f), NULL));
	/* The size is part of the number: a wrong size is another ioctl. */
	EXPECT_EQ(-ENOTTY, sys_ioctl(fd, _IOWR(STRATA_IOC_MAGIC, 0x01,
					       typeof(bigger)), &bigger));
	EXPECT_EQ(-ENOTTY, sys_ioctl(fd, _IOR('T', 0x01, int), NULL));
	close(fd);
}

TEST(bad_pointers_fail_with_efault)
{
	int fd = strata_cap_open(O_CLOEXEC);
	void *unmapped;

	ASSERT_LE(0, fd);
	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	EXPECT_EQ(-EFAULT, sys_ioctl(fd, STRATA_CAP_IOC_TABLE_INFO, NULL));
	EXPECT_EQ(-EFAULT, sys_ioctl(fd, STRATA_CAP_IOC_TABLE_INFO, unmapped));
	EXPECT_EQ(-EFAULT, sys_ioctl(fd, STRATA_CAP_IOC_EVENT_CREATE, NULL));
	EXPECT_EQ(-EFAULT, sys_ioctl(fd, STRATA_CAP_IOC_EVENT_CREATE, unmapped));
	EXPECT_EQ(-EFAULT, sys_ioctl(fd, STRATA_CAP_IOC_HANDLE_CLOSE, NULL));
	EXPECT_EQ(-EFAULT, sys_ioctl(fd, STRATA_CAP_IOC_HANDLE_DUPLICATE,
				     unmapped));
	EXPECT_EQ(-EFAULT, sys_ioctl(fd, STRATA_CAP_IOC_HANDLE_INFO, unmapped));
	munmap(unmapped, 4096);
	close(fd);
}

TEST(closing_the_table_frees_everything)
{
	long handles0 = cap_stat("handles"), objects0 = cap_stat("objects");
	long tables0 = cap_stat("tables");
	int fd = strata_cap_open(O_CLOEXEC);
	__u32 h, d;
	int i;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, handles0);
	EXPECT_EQ(tables0 + 1, cap_stat("tables"));
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, strata_event_create(fd, &h));
		ASSERT_EQ(0, strata_handle_duplicate(fd, h,
						     STRATA_RIGHT_SAME_RIGHTS,
						     &d));
	}
	EXPECT_EQ(handles0 + 200, cap_stat("handles"));
	EXPECT_EQ(objects0 + 100, cap_stat("objects"));
	close(fd);
	EXPECT_EQ(handles0, cap_stat("handles"));
	EXPECT_EQ(objects0, cap_stat("objects"));
	EXPECT_EQ(tables0, cap_stat("tables"));
}

TEST_HARNESS_MAIN

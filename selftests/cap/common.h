/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata selftests - helpers shared by the strata_cap tests
 */
#ifndef _STRATA_SELFTESTS_CAP_COMMON_H
#define _STRATA_SELFTESTS_CAP_COMMON_H

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <strata.h>
#include "strata_test.h"

#define CAP_SYSFS	"/sys/class/misc/strata_cap/"
#define CAP_PARAM_MAX_HANDLES "/sys/module/strata_cap/parameters/max_handles"

static inline long cap_stat(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), CAP_SYSFS "%s", name);
	return strata_read_long(path);
}

/*
 * Helpers of the revoke, fdbridge, malformed, stress and quota tests.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

/* Handles in @table now, or ~0U when the table cannot be read. */
static inline __u32 cap_nr_handles(int table)
{
	struct strata_cap_table_info info;

	if (strata_cap_table_info(table, &info))
		return ~0U;
	return info.nr_handles;
}

/*
 * Poll counter @name until it reads @want, for up to @ms milliseconds:
 * the last reference to an object can be dropped after the call that
 * released it returns (a deferred fput, a dying process).  Returns the
 * last value read.
 */
static inline long cap_stat_settle(const char *name, long want, int ms)
{
	struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
	long v;

	for (;;) {
		v = cap_stat(name);
		if (v == want || ms <= 0)
			return v;
		nanosleep(&ts, NULL);
		ms -= 10;
	}
}

/* An address with nothing mapped at it: a page mapped, then unmapped. */
static inline void *cap_unmapped_addr(void)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, 4096);
	return p;
}

/* Read /proc/self/fdinfo/@fd into @buf; returns 0 or -errno. */
static inline int cap_read_fdinfo(int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int in;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	n = read(in, buf, size - 1);
	close(in);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* Send @fd over the unix socket @sock with SCM_RIGHTS; 0 or -errno. */
static inline int cap_send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

/*
 * Receive one fd sent by cap_send_fd(); the fd or -errno: -EACCES when
 * the message came without it because an LSM refused it (MSG_CTRUNC).
 */
static inline int cap_recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -EIO;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg && msg.msg_flags & MSG_CTRUNC)
		return -EACCES;
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET ||
	    cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/*
 * Wait until the thread whose tid is published at @tidp sleeps; 0, or
 * -ETIMEDOUT.  The tests' helper threads publish their tid just before
 * the ioctl that blocks and do nothing in between that could sleep, so
 * once the tid is known a sleeping thread is one blocked in that ioctl.
 */
static inline int cap_wait_until_blocked(const int *tidp)
{
	char path[64], buf[512], *p;
	int i, tid, in;
	ssize_t n;

	for (i = 0; i < 50000; i++) {
		tid = __atomic_load_n(tidp, __ATOMIC_ACQUIRE);
		if (!tid) {
			sched_yield();
			continue;
		}
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
		in = open(path, O_RDONLY | O_CLOEXEC);
		if (in < 0)
			return -errno;
		n = read(in, buf, sizeof(buf) - 1);
		close(in);
		if (n <= 0)
			return -EIO;
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && (p[2] == 'S' || p[2] == 'D'))
			return 0;
		sched_yield();
	}
	return -ETIMEDOUT;
}

/* The value of @key in @fd's fdinfo, copied into @out; NULL if absent. */
static inline char *cap_fdinfo_field(int fd, const char *key, char *out, size_t size)
{
	char buf[2048], want[64], *p, *end;

	if (cap_read_fdinfo(fd, buf, sizeof(buf)))
		return NULL;
	snprintf(want, sizeof(want), "\n%s:\t", key);
	p = strstr(buf, want);
	if (!p)
		return NULL;
	p += strlen(want);
	end = strchr(p, '\n');
	if (!end || (size_t)(end - p) >= size)
		return NULL;
	memcpy(out, p, end - p);
	out[end - p] = '\0';
	return out;
}

#endif /* _STRATA_SELFTESTS_CAP_COMMON_H */

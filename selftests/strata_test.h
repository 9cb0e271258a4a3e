/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata selftests - helpers every area's tests share
 *
 * Each returns 0 (or a value) on success and a negative errno on failure
 * unless it says otherwise.  Included by selftests/<area>/common.h.
 */
#ifndef _STRATA_SELFTESTS_STRATA_TEST_H
#define _STRATA_SELFTESTS_STRATA_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdbool.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

/* ioctl() returning -errno: ASSERT_EQ(-EBADF, sys_ioctl(...)) reads well */
static inline int sys_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* The number in file @path, or -1 when it cannot be read. */
static inline long strata_read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* The first line of file @path, without its newline, in @buf. */
static inline int strata_read_str(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Write @s to file @path in one write(): sysfs's answer is the result. */
static inline int strata_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Milliseconds of CLOCK_MONOTONIC. */
static inline long long strata_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Sleep @ms milliseconds, whatever signals come meanwhile. */
static inline void strata_sleep_ms(long ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * STRATA_WAIT_UNTIL_STEP(cond, ms, step): evaluate @cond every @step ms
 * until it is true or @ms milliseconds have passed; the value is the last
 * evaluation (true or false).  For conditions the kernel reaches in its own
 * time (a scan round, a cleanup worker): never assert on how long it took.
 */
#define STRATA_WAIT_UNTIL_STEP(cond, ms, step) ({			\
	long long __deadline = strata_now_ms() + (ms);			\
	bool __ok;							\
									\
	for (;;) {							\
		__ok = (cond);						\
		if (__ok || strata_now_ms() >= __deadline)		\
			break;						\
		strata_sleep_ms(step);					\
	}								\
	__ok;								\
})

/* The same, every 20 ms. */
#define STRATA_WAIT_UNTIL(cond, ms) STRATA_WAIT_UNTIL_STEP(cond, ms, 20)

/*
 * Wait up to @ms for child *@pid to exit, polling every @step ms.  When it
 * has, *@pid is 0 and *@status its exit status (128+N for signal N).
 * Returns *@status (also at once when *@pid is not above 0), -ETIMEDOUT,
 * or -errno when waitpid() fails.
 */
static inline int strata_wait_pid(pid_t *pid, int *status, long ms,
				  long step)
{
	long long deadline = strata_now_ms() + ms;
	int wstatus;
	pid_t ret;

	if (*pid <= 0)
		return *status;
	for (;;) {
		ret = waitpid(*pid, &wstatus, WNOHANG);
		if (ret == *pid)
			break;
		if (ret < 0)
			return -errno;
		if (strata_now_ms() >= deadline)
			return -ETIMEDOUT;
		strata_sleep_ms(step);
	}
	*pid = 0;
	*status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
		  128 + WTERMSIG(wstatus);
	return *status;
}

/*
 * Unload module @mod, retrying every @step ms for up to @ms while it is
 * busy (references held by a detached policy or a closing file drop
 * late).  Never forced.  0 (also when it was not loaded) or -errno.
 */
static inline int strata_mod_unload(const char *mod, long ms, long step)
{
	long long deadline = strata_now_ms() + ms;

	for (;;) {
		if (!syscall(SYS_delete_module, mod, O_NONBLOCK))
			return 0;
		if (errno == ENOENT)
			return 0;
		if ((errno != EAGAIN && errno != EBUSY) ||
		    strata_now_ms() >= deadline)
			return -errno;
		strata_sleep_ms(step);
	}
}

#endif /* _STRATA_SELFTESTS_STRATA_TEST_H */

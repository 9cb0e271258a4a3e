// SPDX-License-Identifier: GPL-2.0
/*
 * Small helpers stratad and stratactl share (util.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "util.h"

int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * stratad - small helpers: strings, directories, sysfs-style files
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stratad.h"

const char *const module_names[NR_MODULES] = {
	[MOD_CAP] = "strata_cap",
	[MOD_TIER] = "strata_tier",
	[MOD_GANG] = "strata_gang",
};

int module_by_name(const char *name)
{
	int m;

	for (m = 0; m < NR_MODULES; m++)
		if (!strcmp(name, module_names[m]))
			return m;
	return -1;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d) {
		pr_err("out of memory");
		exit(1);
	}
	return d;
}

void msgf(char *msg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, MSG_LEN, fmt, ap);
	va_end(ap);
}

/* Create @path and its missing parents (the new ones with @mode). */
int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	char *p;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	return (size_t)n == len ? 0 : -EIO;
}

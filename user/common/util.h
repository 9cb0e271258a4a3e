/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers stratad and stratactl share: sysfs-style files.
 */
#ifndef _STRATA_UTIL_H
#define _STRATA_UTIL_H

#include <stddef.h>

/*
 * Read the small file @path into @buf (@len bytes, NUL-terminated) without
 * its trailing newlines; 0 or -errno.
 */
int read_file(const char *path, char *buf, size_t len);

#endif /* _STRATA_UTIL_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What strata's BPF loaders share: libbpf's messages, and stopping on
 * SIGINT or SIGTERM.
 */
#ifndef _STRATA_BPF_LOADER_H
#define _STRATA_BPF_LOADER_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include <bpf/libbpf.h>

/* Set by SIGINT and SIGTERM once loader_init() has run. */
static volatile sig_atomic_t exiting;
static bool loader_verbose;

static int loader_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (level == LIBBPF_DEBUG && !loader_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void loader_stop(int sig)
{
	exiting = 1;
}

/* libbpf's debug messages only when @verbose; SIGINT/SIGTERM set exiting. */
static inline void loader_init(bool verbose)
{
	loader_verbose = verbose;
	libbpf_set_print(loader_print);
	signal(SIGINT, loader_stop);
	signal(SIGTERM, loader_stop);
}

#endif /* _STRATA_BPF_LOADER_H */

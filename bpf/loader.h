/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What strata's BPF loaders share: libbpf's messages, stopping on SIGINT
 * or SIGTERM, and the options every loader has.
 */
#ifndef _STRATA_BPF_LOADER_H
#define _STRATA_BPF_LOADER_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

/*
 * -n SECS, how long a loader stays attached: false, after saying so, for
 * anything but a whole number of seconds >= 0.
 */
static inline bool loader_secs(const char *arg, long *secs)
{
	char *end;

	errno = 0;
	*secs = strtol(arg, &end, 0);
	if (!*arg || *end || errno || *secs < 0) {
		fprintf(stderr, "bad duration '%s'\n", arg);
		return false;
	}
	return true;
}

/*
 * The options of a loader that has no others: [-n SECS] [-v] [-h], then
 * exactly @nr_args arguments; @help_fmt has one %s, the program's name.
 * Calls loader_init().
 *
 * Return: -1 to go on, else the exit status: 0 after -h, 2 for bad usage.
 */
static inline int loader_options(int argc, char **argv, const char *help_fmt,
				 int nr_args, long *secs)
{
	bool verbose = false;
	int opt;

	*secs = -1;
	while ((opt = getopt(argc, argv, "n:vh")) != -1) {
		switch (opt) {
		case 'n':
			if (!loader_secs(optarg, secs))
				return 2;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			printf(help_fmt, argv[0]);
			return 0;
		default:
			fprintf(stderr, help_fmt, argv[0]);
			return 2;
		}
	}
	if (argc - optind != nr_args) {
		fprintf(stderr, help_fmt, argv[0]);
		return 2;
	}
	loader_init(verbose);
	return -1;
}

#endif /* _STRATA_BPF_LOADER_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * gang_scx - loader of strata_gang's sched_ext scheduler (gang_scx.bpf.c)
 *
 * Usage: gang_scx [-t TIMEOUT_MS] [-s SLICE_US] [-v] [-h]
 *
 * Runs on the sched_ext test kernel with strata_gang loaded.  Attaches the
 * scheduler, which puts strata_gang in scx mode, and keeps it attached
 * until SIGINT or SIGTERM; then detaches it, prints its counters, one
 * "name value" per line (e.g. "member_dispatches 123"), and exits 0.
 * When sched_ext ejects the scheduler (an error, the watchdog) it prints
 * the counters and the reason and exits 1; when the exit asks for a
 * restart (CPU hotplug: the scheduler has no cpu_online/offline ops) it
 * loads the scheduler again, and the counters add up across restarts.
 *
 *   -t TIMEOUT_MS  sched_ext's watchdog: a runnable task that has not run
 *                  for this long ejects the scheduler (default 30000)
 *   -s SLICE_US    the slice of a gang member (default 20000)
 *   -v             print the counters every second
 *   -h             the help
 *
 * Exit status: 0 after a signal, 1 when the scheduler was ejected or could
 * not be loaded, 2 for bad usage.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
/* tools/sched_ext's headers compare signed with unsigned in places */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <scx/common.h>
#pragma GCC diagnostic pop

#include "../loader.h"
#include "gang_scx.h"
#include "gang_scx.skel.h"

/* sched_ext refuses a longer watchdog timeout (SCX_WATCHDOG_MAX_TIMEOUT). */
#define GANG_SCX_MAX_TIMEOUT_MS	30000
#define GANG_SCX_MAX_SLICE_US	1000000

static const char help_fmt[] =
"strata_gang's sched_ext scheduler: start co-scheduled gang members on\n"
"their CPUs together.\n"
"\n"
"Usage: %s [-t TIMEOUT_MS] [-s SLICE_US] [-v]\n"
"\n"
"  -t TIMEOUT_MS  watchdog timeout, 1-30000 (default 30000)\n"
"  -s SLICE_US    slice of a gang member, 1-1000000 (default 20000)\n"
"  -v             print the counters every second\n"
"  -h             this help\n"
"\n"
"Runs until SIGINT or SIGTERM, then prints the counters and exits 0;\n"
"exits 1 when sched_ext ejects the scheduler.\n";

static const char *const stat_names[GANG_SCX_NR_STATS] = {
	[GANG_SCX_STAT_MEMBER_DISPATCHES]	= "member_dispatches",
	[GANG_SCX_STAT_COSTART_KICKS]		= "costart_kicks",
	[GANG_SCX_STAT_FALLBACK_ENQUEUES]	= "fallback_enqueues",
	[GANG_SCX_STAT_DIRECT_DISPATCHES]	= "direct_dispatches",
	[GANG_SCX_STAT_STALLED]			= "stalled_members",
};

/* A whole number in 1..@max into *@v, or false after saying so. */
static bool parse_number(const char *arg, const char *what, unsigned long max,
			 __u32 *v)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(arg, &end, 0);
	if (!*arg || *end || errno || n < 1 || n > max) {
		fprintf(stderr, "bad %s '%s' (1-%lu)\n", what, arg, max);
		return false;
	}
	*v = n;
	return true;
}

/* @base plus the counters of the scheduler now, into @sum. */
static void read_stats(const struct gang_scx_bpf *skel, const __u64 *base,
		       __u64 *sum)
{
	int i;

	for (i = 0; i < GANG_SCX_NR_STATS; i++)
		sum[i] = base[i] + __atomic_load_n(&skel->bss->stats[i],
						   __ATOMIC_RELAXED);
}

static void print_stats_line(const __u64 *stats)
{
	int i;

	for (i = 0; i < GANG_SCX_NR_STATS; i++)
		printf("%s%s=%llu", i ? " " : "", stat_names[i],
		       (unsigned long long)stats[i]);
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	__u64 totals[GANG_SCX_NR_STATS] = { 0 }, now[GANG_SCX_NR_STATS];
	char reason[UEI_REASON_LEN + UEI_MSG_LEN + 4];
	__u32 timeout_ms = 0, slice_us = 0;
	struct gang_scx_bpf *skel;
	struct bpf_link *link;
	bool verbose = false;
	int opt, i, kind, unregistered;
	__u64 ecode;

	while ((opt = getopt(argc, argv, "t:s:vh")) != -1) {
		switch (opt) {
		case 't':
			if (!parse_number(optarg, "timeout",
					  GANG_SCX_MAX_TIMEOUT_MS, &timeout_ms))
				return 2;
			break;
		case 's':
			if (!parse_number(optarg, "slice",
					  GANG_SCX_MAX_SLICE_US, &slice_us))
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
	if (optind != argc) {
		fprintf(stderr, help_fmt, argv[0]);
		return 2;
	}
	if (access("/sys/module/strata_gang", F_OK)) {
		fprintf(stderr, "strata_gang is not loaded\n");
		return 1;
	}
	/* libbpf's warnings, not its debug messages; signals set exiting */
	loader_init(false);
	unregistered = __COMPAT_ENUM_OR_ZERO("scx_exit_kind", "SCX_EXIT_UNREG");

restart:
	skel = SCX_OPS_OPEN(gang_scx_ops, gang_scx_bpf);
	if (timeout_ms)
		skel->struct_ops.gang_scx_ops->timeout_ms = timeout_ms;
	if (slice_us)
		skel->rodata->member_slice_ns = slice_us * 1000ULL;
	SCX_OPS_LOAD(skel, gang_scx_ops, gang_scx_bpf, uei);
	link = SCX_OPS_ATTACH(skel, gang_scx_ops, gang_scx_bpf);
	printf("gang_scx attached\n");
	fflush(stdout);

	while (!exiting && !UEI_EXITED(skel, uei)) {
		sleep(1);
		if (verbose) {
			read_stats(skel, totals, now);
			print_stats_line(now);
		}
	}

	bpf_link__destroy(link);
	ecode = UEI_REPORT(skel, uei);
	kind = skel->data->uei.kind;
	snprintf(reason, sizeof(reason), "%s%s%s%s", skel->data->uei.reason,
		 skel->data->uei.msg[0] ? " (" : "", skel->data->uei.msg,
		 skel->data->uei.msg[0] ? ")" : "");
	read_stats(skel, totals, totals);
	gang_scx_bpf__destroy(skel);
	if (!exiting && UEI_ECODE_RESTART(ecode)) {
		fprintf(stderr, "gang_scx: restarting the scheduler\n");
		goto restart;
	}

	for (i = 0; i < GANG_SCX_NR_STATS; i++)
		printf("%s %llu\n", stat_names[i],
		       (unsigned long long)totals[i]);
	fflush(stdout);
	/* Detached by us, or gone for a restart while we were stopping. */
	if (kind == unregistered || UEI_ECODE_RESTART(ecode))
		return 0;
	fprintf(stderr, "gang_scx: sched_ext ejected the scheduler: %s\n",
		reason);
	return 1;
}

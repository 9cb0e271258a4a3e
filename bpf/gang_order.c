// SPDX-License-Identifier: GPL-2.0
/*
 * gang_order - loader of the sample strata_gang policy (gang_order.bpf.c)
 *
 * Attaches the policy, prints its counters every second, and detaches it
 * on SIGINT or SIGTERM (or after -n seconds).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <strata/gang.h>

#include "loader.h"
#include "gang_order.skel.h"

static const char help_fmt[] =
"Sample strata_gang policy: admit the gangs that need the most GPUs first.\n"
"\n"
"Usage: %s [-s] [-x abort|shrink] [-n SECS] [-v]\n"
"\n"
"  -s                the smallest gangs first instead\n"
"  -x abort|shrink   when a member dies, abort or shrink every gang\n"
"                    (default: each gang's own on_member_exit)\n"
"  -n SECS           detach and exit after SECS seconds (default: on a signal)\n"
"  -v                print libbpf's debug messages\n"
"  -h                this help\n";

static const char *const exit_names[] = {
	[STRATA_GANG_EXIT_ABORT] = "abort",
	[STRATA_GANG_EXIT_SHRINK] = "shrink",
};

/* An enum strata_gang_exit_action, or -1. */
static int parse_exit_action(const char *s)
{
	if (!strcmp(s, exit_names[STRATA_GANG_EXIT_ABORT]))
		return STRATA_GANG_EXIT_ABORT;
	if (!strcmp(s, exit_names[STRATA_GANG_EXIT_SHRINK]))
		return STRATA_GANG_EXIT_SHRINK;
	return -1;
}

int main(int argc, char **argv)
{
	int exit_action = -1;		/* each gang's own */
	struct gang_order_bpf *skel;
	bool smallest = false;
	struct bpf_link *link;
	bool verbose = false;
	long secs = -1;
	int opt, err;

	while ((opt = getopt(argc, argv, "sx:n:vh")) != -1) {
		switch (opt) {
		case 's':
			smallest = true;
			break;
		case 'x':
			exit_action = parse_exit_action(optarg);
			if (exit_action < 0) {
				fprintf(stderr, "bad exit action '%s' (abort or shrink)\n",
					optarg);
				return 2;
			}
			break;
		case 'n':
			if (!loader_secs(optarg, &secs))
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

	loader_init(verbose);
	skel = gang_order_bpf__open();
	if (!skel) {
		fprintf(stderr, "failed to open BPF skeleton: %s\n",
			strerror(errno));
		return 1;
	}
	skel->rodata->smallest_first = smallest;
	skel->rodata->force_exit_action = exit_action;

	err = gang_order_bpf__load(skel);
	if (err) {
		fprintf(stderr, "failed to load BPF skeleton: %s (is strata_gang loaded?)\n",
			strerror(-err));
		goto cleanup;
	}
	link = bpf_map__attach_struct_ops(skel->maps.gang_order);
	if (!link) {
		err = -errno;
		fprintf(stderr, "failed to attach policy: %s%s\n", strerror(-err),
			err == -EBUSY ? " (another strata_gang policy is attached)" : "");
		goto cleanup;
	}
	printf("gang_order attached: %s gangs first, member exit: %s\n",
	       smallest ? "smallest" : "largest",
	       exit_action < 0 ? "the gang's own" : exit_names[exit_action]);
	fflush(stdout);

	while (!exiting && secs != 0) {
		sleep(1);
		if (secs > 0)
			secs--;
		printf("rank calls=%llu exit calls=%llu free gpus=%u queued=%u\n",
		       (unsigned long long)skel->bss->nr_rank_calls,
		       (unsigned long long)skel->bss->nr_exit_calls,
		       skel->bss->last_free_gpus, skel->bss->last_queued);
		fflush(stdout);
	}
	bpf_link__destroy(link);
	printf("gang_order detached\n");
cleanup:
	gang_order_bpf__destroy(skel);
	return err ? 1 : 0;
}

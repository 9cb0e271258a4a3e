// SPDX-License-Identifier: GPL-2.0
/*
 * tier_pin - loader of the sample strata_tier policy (tier_pin.bpf.c)
 *
 * Attaches the policy, prints its counters every second, and detaches it
 * on SIGINT or SIGTERM (or after -n seconds).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "tier_pin.h"
#include "loader.h"
#include "tier_pin.skel.h"

static const char help_fmt[] =
"Sample strata_tier policy: keep address ranges hot, tune the rest.\n"
"\n"
"Usage: %s [-r ID] [-p START-END]... [-m HITS] [-b PAGES] [-n SECS] [-v]\n"
"\n"
"  -r ID          the registration the ranges belong to (default: any)\n"
"  -p START-END   keep [START, END) on the fast tier (addresses in hex or\n"
"                 decimal; repeatable, at most 8)\n"
"  -m HITS        other pages are hot after HITS accesses in 8 rounds\n"
"                 (1-8; default: the module's classification)\n"
"  -b PAGES       promote at most PAGES pages per round\n"
"  -n SECS        detach and exit after SECS seconds (default: on a signal)\n"
"  -v             print libbpf's debug messages\n"
"  -h             this help\n";

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return *s && !*end && !errno && *s != '-' ? 0 : -1;
}

static int parse_range(char *s, uint64_t *start, uint64_t *end)
{
	char *dash = strchr(s, '-');

	if (!dash)
		return -1;
	*dash = '\0';
	if (parse_u64(s, start) || parse_u64(dash + 1, end) || *start >= *end)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t starts[TIER_PIN_MAX_RANGES], ends[TIER_PIN_MAX_RANGES], v;
	uint32_t nr = 0, reg = 0, hits = 0, budget = 0;
	struct tier_pin_bpf *skel;
	struct bpf_link *link;
	bool verbose = false;
	long secs = -1;
	int opt, err;
	uint32_t i;

	while ((opt = getopt(argc, argv, "r:p:m:b:n:vh")) != -1) {
		switch (opt) {
		case 'r':
			if (parse_u64(optarg, &v) || !v || v > UINT32_MAX) {
				fprintf(stderr, "bad registration id '%s'\n", optarg);
				return 2;
			}
			reg = v;
			break;
		case 'p':
			if (nr == TIER_PIN_MAX_RANGES) {
				fprintf(stderr, "at most %d ranges\n",
					TIER_PIN_MAX_RANGES);
				return 2;
			}
			if (parse_range(optarg, &starts[nr], &ends[nr])) {
				fprintf(stderr, "bad range '%s': want START-END with START < END\n",
					optarg);
				return 2;
			}
			nr++;
			break;
		case 'm':
			if (parse_u64(optarg, &v) || v < 1 || v > 8) {
				fprintf(stderr, "bad hit count '%s' (1-8)\n", optarg);
				return 2;
			}
			hits = v;
			break;
		case 'b':
			if (parse_u64(optarg, &v) || !v || v > UINT32_MAX) {
				fprintf(stderr, "bad page budget '%s'\n", optarg);
				return 2;
			}
			budget = v;
			break;
		case 'n':
			if (parse_u64(optarg, &v) || v > 86400 * 365) {
				fprintf(stderr, "bad duration '%s'\n", optarg);
				return 2;
			}
			secs = v;
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

	loader_init(verbose);
	skel = tier_pin_bpf__open();
	if (!skel) {
		fprintf(stderr, "failed to open BPF skeleton: %s\n",
			strerror(errno));
		return 1;
	}
	skel->rodata->reg_id = reg;
	for (i = 0; i < nr; i++) {
		skel->rodata->pin_start[i] = starts[i];
		skel->rodata->pin_end[i] = ends[i];
	}
	skel->rodata->nr_pins = nr;
	skel->rodata->min_hits = hits;
	skel->rodata->max_promote = budget;

	err = tier_pin_bpf__load(skel);
	if (err) {
		fprintf(stderr, "failed to load BPF skeleton: %s (is strata_tier loaded?)\n",
			strerror(-err));
		goto cleanup;
	}
	link = bpf_map__attach_struct_ops(skel->maps.tier_pin);
	if (!link) {
		err = -errno;
		fprintf(stderr, "failed to attach policy: %s%s\n", strerror(-err),
			err == -EBUSY ? " (another strata_tier policy is attached)" : "");
		goto cleanup;
	}
	printf("tier_pin attached: %u range(s), min_hits=%u, max_promote=%u\n",
	       nr, hits, budget);
	fflush(stdout);

	while (!exiting && secs != 0) {
		sleep(1);
		if (secs > 0)
			secs--;
		printf("pinned pages seen=%llu rounds=%llu promoted=%llu\n",
		       (unsigned long long)skel->bss->nr_pinned,
		       (unsigned long long)skel->bss->nr_rounds,
		       (unsigned long long)skel->bss->last_promoted);
		fflush(stdout);
	}
	bpf_link__destroy(link);
	printf("tier_pin detached\n");
cleanup:
	tier_pin_bpf__destroy(skel);
	return err ? 1 : 0;
}

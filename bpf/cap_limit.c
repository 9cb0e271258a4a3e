// SPDX-License-Identifier: GPL-2.0
/*
 * cap_limit - loader of the sample strata_cap policy (cap_limit.bpf.c)
 *
 * Attaches the policy, prints its refusal counters every second, and
 * detaches it on SIGINT or SIGTERM (or after -n seconds).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <strata/cap.h>

#include "cap_limit.h"
#include "loader.h"
#include "cap_limit.skel.h"

static const char help_fmt[] =
"Sample strata_cap policy: refuse object types, limit duplicate rights.\n"
"\n"
"Usage: %s [-t TYPE]... [-p TYPE]... [-r RIGHTS] [-w] [-n SECS] [-v]\n"
"\n"
"  -t TYPE    refuse to create objects of TYPE: event, channel, eventpair,\n"
"             vmo, gang, or a type number (repeatable)\n"
"  -p TYPE    pin handles of TYPE to their table: refuse to send them\n"
"             over channels or export them (repeatable)\n"
"  -r RIGHTS  rights mask a duplicate may keep (default: all rights)\n"
"  -w         refuse writable VMO mappings\n"
"  -n SECS    detach and exit after SECS seconds (default: on a signal)\n"
"  -v         print libbpf's debug messages\n"
"  -h         this help\n";

static int parse_type(const char *s)
{
	static const struct {
		const char *name;
		int type;
	} types[] = {
		{ "vmo", STRATA_OBJ_VMO },
		{ "channel", STRATA_OBJ_CHANNEL },
		{ "event", STRATA_OBJ_EVENT },
		{ "eventpair", STRATA_OBJ_EVENTPAIR },
		{ "gang", STRATA_OBJ_GANG },
	};
	char *end;
	long v;
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(s, types[i].name))
			return types[i].type;
	v = strtol(s, &end, 0);
	if (*s && !*end && v > 0 && v < 64)
		return v;
	return -1;
}

int main(int argc, char **argv)
{
	bool verbose = false;
	struct cap_limit_bpf *skel;
	struct bpf_link *link;
	__u64 deny_types = 0, pin_types = 0;
	__u32 map_prot = 7;
	__u32 dup_rights = STRATA_RIGHTS_ALL;
	unsigned long long rights;
	long secs = -1;
	char *end;
	int opt, type, err;

	while ((opt = getopt(argc, argv, "t:p:r:wn:vh")) != -1) {
		switch (opt) {
		case 't':
		case 'p':
			type = parse_type(optarg);
			if (type < 0) {
				fprintf(stderr, "unknown object type '%s'\n",
					optarg);
				return 2;
			}
			if (type >= 64) {
				fprintf(stderr, "type '%s' is beyond the policy's type masks\n",
					optarg);
				return 2;
			}
			if (opt == 't')
				deny_types |= 1ULL << type;
			else
				pin_types |= 1ULL << type;
			break;
		case 'w':
			map_prot = 5;	/* PROT_READ | PROT_EXEC */
			break;
		case 'r':
			errno = 0;
			rights = strtoull(optarg, &end, 0);
			if (!*optarg || *end || errno ||
			    rights & ~(unsigned long long)STRATA_RIGHTS_ALL) {
				fprintf(stderr, "bad rights mask '%s'\n", optarg);
				return 2;
			}
			dup_rights = rights;
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

	loader_init(verbose);

	skel = cap_limit_bpf__open();
	if (!skel) {
		fprintf(stderr, "failed to open BPF skeleton: %s\n",
			strerror(errno));
		return 1;
	}
	skel->rodata->deny_types = deny_types;
	skel->rodata->dup_rights = dup_rights;
	skel->rodata->pin_types = pin_types;
	skel->rodata->map_prot = map_prot;

	err = cap_limit_bpf__load(skel);
	if (err) {
		fprintf(stderr, "failed to load BPF skeleton: %s (is strata_cap loaded?)\n",
			strerror(-err));
		goto cleanup;
	}
	link = bpf_map__attach_struct_ops(skel->maps.cap_limit);
	if (!link) {
		err = -errno;
		fprintf(stderr, "failed to attach policy: %s%s\n", strerror(-err),
			err == -EBUSY ? " (another strata_cap policy is attached)" : "");
		goto cleanup;
	}
	printf("cap_limit attached: deny_types=0x%llx pin_types=0x%llx dup_rights=0x%x map_prot=%u\n",
	       (unsigned long long)deny_types, (unsigned long long)pin_types,
	       dup_rights, map_prot);
	fflush(stdout);

	while (!exiting && secs != 0) {
		sleep(1);
		if (secs > 0)
			secs--;
		printf("denied: create=%llu duplicate=%llu transfer=%llu export=%llu map=%llu\n",
		       (unsigned long long)skel->bss->nr_denied[CAP_LIMIT_OP_CREATE],
		       (unsigned long long)skel->bss->nr_denied[CAP_LIMIT_OP_DUPLICATE],
		       (unsigned long long)skel->bss->nr_denied[CAP_LIMIT_OP_TRANSFER],
		       (unsigned long long)skel->bss->nr_denied[CAP_LIMIT_OP_EXPORT],
		       (unsigned long long)skel->bss->nr_denied[CAP_LIMIT_OP_MAP]);
		fflush(stdout);
	}
	bpf_link__destroy(link);
	printf("cap_limit detached\n");
cleanup:
	cap_limit_bpf__destroy(skel);
	return err ? 1 : 0;
}

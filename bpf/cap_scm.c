// SPDX-License-Identifier: GPL-2.0
/*
 * cap_scm - loader of the SCM_RIGHTS guard (cap_scm.bpf.c)
 *
 * Attaches the LSM program, prints its refusal counters every second, and
 * detaches it on SIGINT or SIGTERM (or after -n seconds).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "loader.h"
#include "cap_scm.skel.h"

static const char help_fmt[] =
"Refuse strata handle files without TRANSFER, or revoked, in SCM_RIGHTS.\n"
"\n"
"Usage: %s [-n SECS] [-v]\n"
"\n"
"  -n SECS    detach and exit after SECS seconds (default: on a signal)\n"
"  -v         print libbpf's debug messages\n"
"  -h         this help\n";

int main(int argc, char **argv)
{
	struct cap_scm_bpf *skel;
	long secs;
	int err;

	err = loader_options(argc, argv, help_fmt, 0, &secs);
	if (err >= 0)
		return err;

	skel = cap_scm_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "failed to load BPF program: %s\n"
			"(is strata_cap loaded? is BPF LSM active?)\n",
			strerror(-err));
		return 1;
	}
	err = cap_scm_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "failed to attach: %s (is \"bpf\" in the lsm= boot list?)\n",
			strerror(-err));
		goto cleanup;
	}
	printf("cap_scm attached\n");
	fflush(stdout);

	while (!exiting && secs != 0) {
		sleep(1);
		if (secs > 0)
			secs--;
		printf("denied: no_transfer=%llu revoked=%llu\n",
		       (unsigned long long)skel->bss->nr_denied_transfer,
		       (unsigned long long)skel->bss->nr_denied_revoked);
		fflush(stdout);
	}
	printf("cap_scm detached\n");
cleanup:
	cap_scm_bpf__destroy(skel);
	return err ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * gang_member - the loop of a gang member, for `stratactl gang create`
 *
 *   stratactl gang create --members 2 --gpus-per-member 1 -- \
 *           build/user/examples/gang_member [STEPS [KERNEL_US]]
 *
 * Finds its gang in the environment stratactl sets, then runs STEPS steps
 * (default 20): STEP (which parks it while the gang does not hold its
 * GPUs), one kernel of KERNEL_US microseconds (default 5000) on each of its
 * GPUs, and LEAVE at the end.  Fake GPUs (/dev/strata/gpuN) run the
 * kernels; on real GPUs this is where a training step would go.  Exits 0
 * when every step ran, 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <strata.h>

static int run_step(const struct strata_gang_step *st, unsigned long us)
{
	struct strata_fakegpu_run run;
	__u32 i;
	int err;

	for (i = 0; i < st->nr_gpus; i++) {
		int fd = strata_fakegpu_open(st->gpus[i]);

		if (fd < 0)
			return fd;
		err = strata_fakegpu_run(fd, us, STRATA_FAKEGPU_RUN_WAIT, &run);
		close(fd);
		if (err)
			return err;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long steps = argc > 1 ? strtoul(argv[1], NULL, 0) : 20;
	unsigned long us = argc > 2 ? strtoul(argv[2], NULL, 0) : 5000;
	struct strata_gang_step st;
	unsigned long n;
	__u32 handle, member;
	int gang, table, err;

	if (!steps || !us) {
		fprintf(stderr, "usage: gang_member [STEPS [KERNEL_US]], both above 0\n");
		return 1;
	}
	err = strata_gang_env(&table, &handle, &member);
	if (err) {
		fprintf(stderr, "gang_member: no gang in the environment (%s): start me with stratactl gang create\n",
			strerror(-err));
		return 1;
	}
	gang = strata_gang_open();
	if (gang < 0) {
		fprintf(stderr, "gang_member: %s: %s\n", STRATA_GANG_DEV,
			strerror(-gang));
		return 1;
	}
	for (n = 0; n < steps; n++) {
		err = strata_gang_step(gang, table, handle, 0, &st);
		if (err) {
			fprintf(stderr, "gang_member %u: step %lu: %s\n",
				member, n, strerror(-err));
			return 1;
		}
		err = run_step(&st, us);
		if (err) {
			fprintf(stderr, "gang_member %u: kernel on GPU %u: %s\n",
				member, st.gpus[0], strerror(-err));
			return 1;
		}
	}
	err = strata_gang_leave(gang, table, handle);
	if (err) {
		fprintf(stderr, "gang_member %u: leave: %s\n", member,
			strerror(-err));
		return 1;
	}
	printf("gang_member %u: %lu steps on GPU %u, %u slices\n", member,
	       steps, st.gpus[0], (unsigned int)st.slice);
	return 0;
}

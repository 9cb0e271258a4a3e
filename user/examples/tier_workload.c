// SPDX-License-Identifier: GPL-2.0
/*
 * tier_workload - a workload for strata_tier: a working set placed on the
 * slow tier, of which a part is hot
 *
 *   tier_workload [-s MIB] [-H MIB] [-n NODE] [-t SECS] [-q]
 *
 * Allocates MIB of anonymous memory (default 64) on NODE (default 1, the
 * test VM's CPU-less node), then for SECS seconds (default 20) reads and
 * writes its first HOT MiB (default 16) over and over, leaving the rest
 * cold.  Once a second it prints, from move_pages(2), how many of the hot
 * and of the cold pages are on NODE, so that strata_tier promoting the hot
 * set (stratactl tier add --pid PID) is seen as it happens.  Prints
 * "ready PID" once the memory is in place; exits 0, or 1 on errors.
 */
#include <errno.h>
#include <linux/mempolicy.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MIB		(1UL << 20)

static long mbind_node(void *addr, unsigned long len, int mode,
		       const unsigned long *mask, unsigned long maxnode)
{
	return syscall(SYS_mbind, addr, len, mode, mask, maxnode, 0);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* How many of the @n pages from @base are on @node; -1 on error. */
static long pages_on(char *base, size_t n, size_t page, int node)
{
	void **pages = malloc(n * sizeof(*pages));
	int *status = malloc(n * sizeof(*status));
	long on = -1;
	size_t i;

	if (!pages || !status)
		goto out;
	for (i = 0; i < n; i++)
		pages[i] = base + i * page;
	if (syscall(SYS_move_pages, 0, n, pages, NULL, status, 0))
		goto out;
	on = 0;
	for (i = 0; i < n; i++)
		on += status[i] == node;
out:
	free(pages);
	free(status);
	return on;
}

static unsigned long parse(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (!*s || *end || errno || !v) {
		fprintf(stderr, "tier_workload: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned long size = 64, hot = 16, secs = 20, node = 1, mask;
	size_t page = sysconf(_SC_PAGESIZE), npages, nhot, i;
	bool quiet = false;
	double end, next;
	char *mem;
	int opt;

	while ((opt = getopt(argc, argv, "s:H:n:t:qh")) != -1) {
		switch (opt) {
		case 's':
			size = parse(optarg, "size");
			break;
		case 'H':
			hot = parse(optarg, "hot size");
			break;
		case 'n':
			node = strtoul(optarg, NULL, 0);
			break;
		case 't':
			secs = parse(optarg, "duration");
			break;
		case 'q':
			quiet = true;
			break;
		default:
			fprintf(stderr, "Usage: %s [-s MIB] [-H MIB] [-n NODE] [-t SECS] [-q]\n",
				argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (hot > size || node >= 8 * sizeof(mask)) {
		fprintf(stderr, "tier_workload: the hot set must fit the working set, and NODE be < 64\n");
		return 2;
	}

	mem = mmap(NULL, size * MIB, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("tier_workload: mmap");
		return 1;
	}
	/* Base pages: strata_tier moves them one by one, which is what shows. */
	madvise(mem, size * MIB, MADV_NOHUGEPAGE);
	mask = 1UL << node;
	if (mbind_node(mem, size * MIB, MPOL_BIND, &mask, 8 * sizeof(mask))) {
		fprintf(stderr, "tier_workload: mbind to node %lu: %s\n", node,
			strerror(errno));
		return 1;
	}
	memset(mem, 1, size * MIB);
	/* Only the placement is bound: strata_tier may move the pages. */
	if (mbind_node(mem, size * MIB, MPOL_DEFAULT, NULL, 0)) {
		perror("tier_workload: mbind");
		return 1;
	}
	npages = size * MIB / page;
	nhot = hot * MIB / page;
	printf("ready %d: %lu MiB on node %lu, the first %lu MiB hot\n",
	       getpid(), size, node, hot);
	fflush(stdout);

	end = now_s() + secs;
	next = 0;
	while (now_s() < end) {
		for (i = 0; i < nhot; i++)
			mem[i * page] += 1;
		if (quiet || now_s() < next)
			continue;
		next = now_s() + 1;
		printf("hot pages on node %lu: %ld/%zu, cold: %ld/%zu\n", node,
		       pages_on(mem, nhot, page, node), nhot,
		       pages_on(mem + nhot * page, npages - nhot, page, node),
		       npages - nhot);
		fflush(stdout);
	}
	return 0;
}

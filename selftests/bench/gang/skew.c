// SPDX-License-Identifier: GPL-2.0
/*
 * gang_bench - part 2, co-start skew: two COSCHED gangs take turns on the
 * pool's CPUs; the skew of their slices from the strata_gang_slice_start
 * tracepoint, or from INFO without tracefs
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gang_bench.h"

#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/gang_bench"
#define SLICE_EVENT	"events/strata_gang/strata_gang_slice_start"

/* ---- part 2: co-start skew ----------------------------------------------- */

struct skew_result skew;
/* What cleanup() must undo. */
static bool instance_made;

/* Fallback without tracefs: INFO's last_skew_ns of each new slice. */
static double *poll_skews;
static int nr_poll_skews, cap_poll_skews;
static __u64 poll_slices[2];

static void poll_skew(struct bgang *gangs)
{
	struct strata_gang_info info;
	int i;

	for (i = 0; i < 2; i++) {
		if (strata_gang_info(gang_fd, table_fd, gangs[i].handle,
				     &info))
			continue;
		/* last_skew_ns is that of the latest complete slice start. */
		if (!info.slices || info.slices == poll_slices[i] ||
		    !info.last_skew_ns)
			continue;
		poll_slices[i] = info.slices;
		if (nr_poll_skews == cap_poll_skews) {
			int cap = cap_poll_skews ? 2 * cap_poll_skews : 256;
			double *p = realloc(poll_skews, cap * sizeof(*p));

			if (!p)
				return;
			poll_skews = p;
			cap_poll_skews = cap;
		}
		poll_skews[nr_poll_skews++] = info.last_skew_ns / 1e3;
	}
}

void instance_remove(void)
{
	if (!instance_made)
		return;
	strata_write_str(INSTANCE "/" SLICE_EVENT "/enable", "0");
	if (rmdir(INSTANCE))
		note("rmdir %s: %s", INSTANCE, strerror(errno));
	instance_made = false;
}

/* A tracefs instance recording the slice_start event, or false. */
static bool instance_setup(void)
{
	struct stat sb;

	if (stat(TRACEFS "/events", &sb) &&
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		return false;
	if (stat(INSTANCE, &sb) == 0 && rmdir(INSTANCE))
		return false;
	if (mkdir(INSTANCE, 0755))
		return false;
	instance_made = true;
	if (strata_write_str(INSTANCE "/" SLICE_EVENT "/enable", "1")) {
		instance_remove();
		return false;
	}
	return true;
}

/* The skews of @gangs' slices in the instance's buffer, in us. */
static int instance_read(struct bgang *gangs, double **out)
{
	unsigned long long koid, skew_ns;
	int n = 0, cap = 0;
	char line[512], *p;
	double *v = NULL;
	FILE *f;

	strata_write_str(INSTANCE "/" SLICE_EVENT "/enable", "0");
	f = fopen(INSTANCE "/trace", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "strata_gang_slice_start:");
		if (!p || !(p = strstr(p, "koid=")) ||
		    sscanf(p, "koid=%llu", &koid) != 1)
			continue;
		if (koid != gangs[0].koid && koid != gangs[1].koid)
			continue;
		p = strstr(p, "skew_ns=");
		if (!p || sscanf(p, "skew_ns=%llu", &skew_ns) != 1)
			continue;
		if (n == cap) {
			double *q;

			cap = cap ? 2 * cap : 256;
			q = realloc(v, cap * sizeof(*v));
			if (!q)
				break;
			v = q;
		}
		v[n++] = skew_ns / 1e3;
	}
	fclose(f);
	*out = v;
	return n;
}

void run_skew(void)
{
	struct bgang gangs[2] = { { .id = 0 }, { .id = 1 } };
	double *v = NULL;
	bool traced;
	int i, n;

	running = "skew";
	settle();
	set_policy(STRATA_GANG_POLICY_LAS);
	traced = instance_setup();
	if (!traced)
		note("no tracefs event %s: polling INFO instead", SLICE_EVENT);
	for (i = 0; i < 2; i++) {
		gangs[i].members = COSCHED_MEMBERS;
		gangs[i].in_module = true;
		co_create(&gangs[i], SKEW_SLICE_MS);
	}
	co.skew = true;
	nr_poll_skews = 0;
	memset(poll_slices, 0, sizeof(poll_slices));
	note("two gangs of %d co-scheduled members, slices of %d ms, %.0f s",
	     COSCHED_MEMBERS, SKEW_SLICE_MS, opt_skew_s);
	if (!co_run(gangs, opt_skew_s, traced ? NULL : poll_skew)) {
		instance_remove();
		running = "";
		return;
	}
	if (traced) {
		n = instance_read(gangs, &v);
		instance_remove();
		if (n < 0)
			fail("read %s/trace: %s", INSTANCE, strerror(errno));
	} else {
		v = poll_skews;
		n = nr_poll_skews;
		poll_skews = NULL;
		cap_poll_skews = 0;
	}
	if (!n) {
		note("ERROR: no slice of the two gangs started");
		failed = true;
	} else {
		skew.slices = n;
		skew.p50_us = percentile(v, n, 0.50);
		skew.p99_us = percentile(v, n, 0.99);
		skew.done = true;
		note("%d slices: skew p50 %.0f us, p99 %.0f us, max %.0f us",
		     n, skew.p50_us, skew.p99_us, v[n - 1]);
	}
	free(v);
	running = "";
}

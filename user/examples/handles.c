// SPDX-License-Identifier: GPL-2.0
/*
 * handles - a tour of strata handles through libstrata
 *
 * Opens a handle table, creates an event, hands out a copy with fewer
 * rights, shows that the copy cannot be copied again, and that
 * a closed handle's value is dead.  Exits 0 when every step behaved as
 * the ABI says, 3 when a policy refused to create the event, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <strata.h>

static int failures;

static void expect(const char *what, int got, int want)
{
	printf("  %-46s %s%s\n", what,
	       got ? strerror(-got) : "ok",
	       got == want ? "" : "   <-- unexpected");
	if (got != want)
		failures++;
}

static void show(int table, __u32 h)
{
	struct strata_cap_handle_info info;

	if (strata_handle_info(table, h, &info)) {
		printf("  handle 0x%08x: %s\n", h, strerror(errno));
		return;
	}
	printf("  handle 0x%08x: %s koid %llu rights 0x%08x\n", h,
	       strata_obj_type_name(info.type),
	       (unsigned long long)info.koid, info.rights);
}

int main(void)
{
	struct strata_cap_table_info tinfo;
	__u32 ev, ro, out;
	int table, err;

	table = strata_cap_open(O_CLOEXEC);
	if (table < 0) {
		fprintf(stderr, "cannot open %s: %s (is strata_cap loaded?)\n",
			STRATA_CAP_DEV, strerror(-table));
		return 1;
	}
	if (strata_cap_table_info(table, &tinfo) == 0)
		printf("handle table koid %llu, room for %u handles\n",
		       (unsigned long long)tinfo.koid, tinfo.max_handles);

	err = strata_event_create(table, &ev);
	if (err) {
		/* A policy may refuse: that is not a broken ABI. */
		printf("  %-46s %s%s\n", "create an event", strerror(-err),
		       err == -EPERM ? " (refused by the strata_cap policy)" : "");
		close(table);
		return err == -EPERM ? 3 : 1;
	}
	printf("  %-46s ok\n", "create an event");
	show(table, ev);

	err = strata_handle_duplicate(table, ev, STRATA_RIGHT_WAIT |
				      STRATA_RIGHT_INSPECT, &ro);
	expect("copy it with only WAIT|INSPECT", err, 0);
	if (!err)
		show(table, ro);
	expect("copy the copy (refused: it lacks DUPLICATE)",
	       strata_handle_duplicate(table, ro, STRATA_RIGHT_SIGNAL, &out),
	       -EACCES);
	expect("close the original", strata_handle_close(table, ev), 0);
	expect("use the closed value (refused)",
	       strata_handle_close(table, ev), -EBADF);
	show(table, ro);
	close(table);
	return failures ? 1 : 0;
}

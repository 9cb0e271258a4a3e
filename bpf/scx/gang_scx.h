/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gang_scx - what strata_gang's sched_ext scheduler shares with its
 * loader and its selftests
 *
 * The counters are a u64 array in the scheduler's .bss (stats[]), indexed
 * by enum gang_scx_stat; the scheduler adds to them atomically and user
 * space reads them through the skeleton.
 */
#ifndef _STRATA_GANG_SCX_H
#define _STRATA_GANG_SCX_H

enum gang_scx_stat {
	/* a placed member queued on its CPU's local DSQ */
	GANG_SCX_STAT_MEMBER_DISPATCHES,
	/* a CPU of a starting slice kicked to start its member at once */
	GANG_SCX_STAT_COSTART_KICKS,
	/* anything else queued on the shared fallback DSQ */
	GANG_SCX_STAT_FALLBACK_ENQUEUES,
	/* anything else dispatched straight to the idle CPU it woke on */
	GANG_SCX_STAT_DIRECT_DISPATCHES,
	/* a placed member held back by inject_stall (tests only) */
	GANG_SCX_STAT_STALLED,
	GANG_SCX_NR_STATS,
};

#endif /* _STRATA_GANG_SCX_H */

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * strata_tier - constants shared with BPF policies (no includes, so that
 * BPF programs built on vmlinux.h can use them too)
 */
#ifndef _UAPI_STRATA_TIER_POLICY_H
#define _UAPI_STRATA_TIER_POLICY_H

/* Role of a memory node (struct strata_tier_node.role). */
#define STRATA_TIER_ROLE_FAST	0	/* pages are promoted to it */
#define STRATA_TIER_ROLE_SLOW	1	/* pages are demoted to it */
#define STRATA_TIER_ROLE_NONE	2	/* left alone (by an override) */

/*
 * Classes a policy's classify() returns (see struct strata_tier_ops in
 * Documentation/tier.rst).  A hot page on the slow tier is promoted; a cold
 * page on the fast tier may be demoted to make room; warm pages stay where
 * they are, which is the hysteresis that keeps pages from ping-ponging.
 */
#define STRATA_TIER_COLD	0
#define STRATA_TIER_WARM	1
#define STRATA_TIER_HOT		2

/* Counter indexes for the kfunc bpf_strata_tier_stat(). */
#define STRATA_TIER_STAT_ROUNDS		0
#define STRATA_TIER_STAT_SCANNED	1
#define STRATA_TIER_STAT_YOUNG		2
#define STRATA_TIER_STAT_PROMOTED	3
#define STRATA_TIER_STAT_DEMOTED	4
#define STRATA_TIER_STAT_FAILED		5
#define STRATA_TIER_STAT_FAST_PAGES	6
#define STRATA_TIER_STAT_SLOW_PAGES	7
#define STRATA_TIER_STAT_HOT_PAGES	8
#define STRATA_TIER_STAT_QUOTA_PAGES	9

#endif /* _UAPI_STRATA_TIER_POLICY_H */

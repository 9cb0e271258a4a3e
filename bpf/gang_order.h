/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gang_order - shared between the sample strata_gang policy and its
 * tests: the rank it gives a gang
 *
 * No includes: the BPF side gets __u64 and friends from strata_gang.h,
 * user space from <linux/types.h>, and the limits from
 * <strata/gang_policy.h>, which both include first.
 */
#ifndef _STRATA_GANG_ORDER_H
#define _STRATA_GANG_ORDER_H

/*
 * A rank, lower first, is three keys: priority (higher first), then size
 * (larger first, or smaller first), then arrival order.
 */
#define GANG_ORDER_SEQ_BITS	40
#define GANG_ORDER_SIZE_SHIFT	GANG_ORDER_SEQ_BITS		/* 7 bits */
#define GANG_ORDER_PRIO_SHIFT	(GANG_ORDER_SIZE_SHIFT + 7)	/* 3 bits */

static inline __s64 gang_order_rank(__u32 priority, __u32 nr_gpus, __u64 seq,
				    int smallest_first)
{
	__u64 prio_key, size_key;

	if (priority > STRATA_GANG_OPS_MAX_PRIORITY)
		priority = STRATA_GANG_OPS_MAX_PRIORITY;
	if (nr_gpus > STRATA_GANG_OPS_MAX_GPUS)
		nr_gpus = STRATA_GANG_OPS_MAX_GPUS;
	prio_key = STRATA_GANG_OPS_MAX_PRIORITY - priority;
	size_key = smallest_first ? nr_gpus : STRATA_GANG_OPS_MAX_GPUS - nr_gpus;
	return prio_key << GANG_ORDER_PRIO_SHIFT |
	       size_key << GANG_ORDER_SIZE_SHIFT |
	       (seq & ((1ULL << GANG_ORDER_SEQ_BITS) - 1));
}

#endif /* _STRATA_GANG_ORDER_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tier_pin - shared between the sample strata_tier policy and its loader
 */
#ifndef _STRATA_TIER_PIN_H
#define _STRATA_TIER_PIN_H

/* Most address ranges the policy keeps hot. */
#define TIER_PIN_MAX_RANGES	8

#endif /* _STRATA_TIER_PIN_H */

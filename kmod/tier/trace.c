// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier - tracepoint definitions
 */

#define CREATE_TRACE_POINTS
#include "trace.h"

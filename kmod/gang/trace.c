// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang - tracepoint definitions
 */

#include "gang.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cap_limit - shared by the policy, its loader and its tests
 */
#ifndef _STRATA_CAP_LIMIT_H
#define _STRATA_CAP_LIMIT_H

enum {
	CAP_LIMIT_OP_CREATE,
	CAP_LIMIT_OP_DUPLICATE,
	CAP_LIMIT_OP_TRANSFER,
	CAP_LIMIT_OP_EXPORT,
	CAP_LIMIT_OP_IMPORT,
	CAP_LIMIT_OP_REVOKE,
	CAP_LIMIT_OP_MAP,
	CAP_LIMIT_NR_OPS,
};

#endif /* _STRATA_CAP_LIMIT_H */

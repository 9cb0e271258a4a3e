/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata - module parameters with a range
 *
 * An unsigned int parameter root may change at run time; a value outside
 * [min, max] is refused and the old one kept, and the module may be told
 * of a change.  Include from the one file that defines a module's
 * parameters.
 */
#ifndef _STRATA_PARAM_H
#define _STRATA_PARAM_H

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

/**
 * struct strata_uint_param - what STRATA_UINT_PARAM() defines
 * @var: the value
 * @min: the smallest value allowed
 * @max: the largest value allowed
 * @changed: NULL, or called after each accepted change
 */
struct strata_uint_param {
	unsigned int *var;
	unsigned int min;
	unsigned int max;
	void (*changed)(void);
};

static int strata_uint_param_set(const char *val, const struct kernel_param *kp)
{
	const struct strata_uint_param *p = kp->arg;
	unsigned int n;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	if (n < p->min || n > p->max)
		return -EINVAL;
	WRITE_ONCE(*p->var, n);
	if (p->changed)
		p->changed();
	return 0;
}

static int strata_uint_param_get(char *buf, const struct kernel_param *kp)
{
	const struct strata_uint_param *p = kp->arg;

	return sysfs_emit(buf, "%u\n", READ_ONCE(*p->var));
}

static const struct kernel_param_ops strata_uint_param_ops = {
	.set = strata_uint_param_set,
	.get = strata_uint_param_get,
};

/*
 * STRATA_UINT_PARAM() - define unsigned int @_var, the parameter @_name,
 * default @_def, range @_min..@_max, @_changed called after a change
 * (NULL: nothing), described by @_desc (the range and default are added);
 * modinfo reports its type as uint, which stratad checks values against.
 */
#define STRATA_UINT_PARAM(_name, _var, _def, _min, _max, _changed, _desc) \
	unsigned int _var = _def;					\
	static struct strata_uint_param _var##_param = {		\
		.var = &_var,						\
		.min = _min,						\
		.max = _max,						\
		.changed = _changed,					\
	};								\
	module_param_cb(_name, &strata_uint_param_ops, &_var##_param,	\
			0644);						\
	__MODULE_PARM_TYPE(_name, "uint");				\
	MODULE_PARM_DESC(_name, _desc " (" #_min "-" #_max		\
			 ", default " #_def ")")

#endif /* _STRATA_PARAM_H */

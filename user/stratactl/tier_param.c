// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - tier set, get: strata_tier's module parameters in sysfs
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <strata.h>

#include "stratactl.h"
#include "ctl_tier.h"

/* The module parameters and the ranges strata_tier accepts. */
static const struct tier_param {
	const char *name;
	unsigned long min, max;
	bool boolean;		/* Y or N */
} tier_params[] = {
	{ "scan_first_ms", 10, 60000, false },
	{ "scan_min_ms", 10, 60000, false },
	{ "scan_max_ms", 10, 60000, false },
	{ "hot_rounds", 1, 4, false },
	{ "cold_rounds", 1, 8, false },
	{ "rate_limit_mbps", 1, 1048576, false },
	{ "migrate_threads", 1, 16, false },
	{ "fast_reserve_pct", 0, 50, false },
	{ "thp_split", 0, 1, true },
	{ "max_regs", 1, 4096, false },
};

#define NR_PARAMS	(sizeof(tier_params) / sizeof(tier_params[0]))
#define PARAM_KEYS	"scan_first_ms, scan_min_ms, scan_max_ms, hot_rounds, " \
			"cold_rounds, rate_limit_mbps, migrate_threads, " \
			"fast_reserve_pct, thp_split, max_regs"

static const struct tier_param *param_find(const char *name)
{
	size_t i;

	for (i = 0; i < NR_PARAMS; i++)
		if (!strcmp(tier_params[i].name, name))
			return &tier_params[i];
	err_msg("unknown key '%s'; the keys are " PARAM_KEYS, name);
	return NULL;
}

static void param_path(const struct tier_param *p, char *buf, size_t size)
{
	snprintf(buf, size, TIER_PARAMS "%s", p->name);
}

/* The value of @p as the module shows it ("100", "Y"), in @buf. */
static int param_read(const struct tier_param *p, char *buf, size_t size)
{
	char path[128];
	ssize_t n;
	int fd;

	param_path(p, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int param_write(const struct tier_param *p, const char *val)
{
	char path[128];
	int fd, err = 0;

	param_path(p, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* VALUE for @p, checked against its range; into @out as the module takes it. */
static int param_value(const struct tier_param *p, const char *val,
		       char *out, size_t size)
{
	static const char *const yes[] = { "Y", "y", "1", "yes", "true", "on" };
	static const char *const no[] = { "N", "n", "0", "no", "false", "off" };
	unsigned long long v;
	char *end;
	size_t i;

	if (p->boolean) {
		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (!strcmp(val, yes[i]) || !strcmp(val, no[i])) {
				snprintf(out, size, "%s",
					 strcmp(val, yes[i]) ? "N" : "Y");
				return 0;
			}
		}
		err_msg("%s is Y or N (or 1/0, yes/no, on/off, true/false), "
			"not '%s'", p->name, val);
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(val, &end, 10);
	if (!isdigit((unsigned char)*val) || *end || errno ||
	    v < p->min || v > p->max) {
		err_msg("%s must be a number from %lu to %lu, not '%s'",
			p->name, p->min, p->max, val);
		return -EINVAL;
	}
	snprintf(out, size, "%llu", v);
	return 0;
}

int tier_set(int argc, char **argv)
{
	const struct tier_param *p;
	char val[32], path[128];
	long lo, hi;
	int err;

	if (cmd_help(argc, argv, tier_help))
		return STRATACTL_OK;
	if (argc != 2) {
		err_msg("'tier set' takes KEY VALUE; the keys are " PARAM_KEYS);
		return STRATACTL_USAGE;
	}
	p = param_find(argv[0]);
	if (!p || param_value(p, argv[1], val, sizeof(val)))
		return STRATACTL_USAGE;
	if (!module_loaded(TIER_MODULE))
		return tier_not_loaded();
	err = daemon_use();
	if (err < 0)
		return -err;
	if (err) {
		err = change_by_daemon("tier.set", "key",
				       json_object_new_string(p->name),
				       "value", val);
		if (err)
			return err;
		goto check;
	}

	err = param_write(p, val);
	if (err == -EACCES || err == -EPERM) {
		err_msg("cannot set %s: " ROOT_HINT, p->name);
		return STRATACTL_ERR;
	}
	if (err == -EINVAL) {
		err_msg("strata_tier refused %s = %s (it takes %lu to %lu); "
			"%s is unchanged", p->name, val, p->min, p->max,
			p->name);
		return STRATACTL_ERR;
	}
	if (err) {
		param_path(p, path, sizeof(path));
		err_msg("cannot write %s: %s", path, strerror(-err));
		return STRATACTL_ERR;
	}
check:
	if (!read_sysfs_long(TIER_PARAMS "scan_min_ms", &lo) &&
	    !read_sysfs_long(TIER_PARAMS "scan_max_ms", &hi) && lo > hi)
		err_msg("note: scan_min_ms (%ld) is above scan_max_ms (%ld): "
			"the scan interval stays at scan_min_ms", lo, hi);
	return STRATACTL_OK;
}

int tier_get(int argc, char **argv)
{
	const struct tier_param *one = NULL, *p;
	struct json_object *o;
	char buf[64], path[128];
	int err;

	if (cmd_help(argc, argv, tier_help))
		return STRATACTL_OK;
	if (argc > 1) {
		err_msg("'tier get' takes at most one KEY; the keys are "
			PARAM_KEYS);
		return STRATACTL_USAGE;
	}
	if (argc) {
		one = param_find(argv[0]);
		if (!one)
			return STRATACTL_USAGE;
	}
	if (!module_loaded(TIER_MODULE))
		return tier_not_loaded();

	o = json_object_new_object();
	for (p = tier_params; p < tier_params + NR_PARAMS; p++) {
		if (one && p != one)
			continue;
		err = param_read(p, buf, sizeof(buf));
		if (err) {
			param_path(p, path, sizeof(path));
			err_msg("cannot read %s: %s", path, strerror(-err));
			json_object_put(o);
			return STRATACTL_ERR;
		}
		if (!json_output)
			printf("%-17s %s\n", p->name, buf);
		else if (p->boolean)
			json_object_object_add(o, p->name,
				json_object_new_boolean(buf[0] == 'Y'));
		else
			json_object_object_add(o, p->name,
				json_object_new_int64(strtoll(buf, NULL, 10)));
	}
	if (json_output)
		print_json(o);
	json_object_put(o);
	return STRATACTL_OK;
}

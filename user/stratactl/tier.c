// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - tier: tiered memory (strata_tier)
 *
 *   tier show [ID]       nodes, tiering state, registrations and counters
 *   tier add             register a process or a cgroup
 *   tier remove ID       end a registration
 *   tier quota ID SIZE   change a registration's fast-tier quota
 *   tier nodes           override the node roles, or go back to discovery
 *   tier set KEY VALUE   change a module parameter
 *   tier get [KEY]       print the module parameters
 *   tier top             a live view
 *
 * Everything but set and get goes through libstrata's tier calls on
 * /dev/strata/tier; set and get read and write the module parameters in
 * sysfs.  The changes (add, remove, quota, nodes, set) go through stratad
 * instead when it runs (tier.add, tier.remove, tier.quota, tier.nodes,
 * tier.set), so that its admin_group may make them.  JSON output keeps
 * the units of the uapi (pages, bytes, ns); the text output converts them
 * to MiB and ms.
 *
 * This file has the help, the helpers the commands share and the command
 * table; show is in tier_snap.c, top in tier_top.c, add, remove, quota and
 * nodes in tier_admin.c, set and get in tier_param.c.  ctl_tier.h declares
 * what they share.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <strata.h>

#include "stratactl.h"
#include "ctl_tier.h"

#define NOT_LOADED_HINT	"load it with 'modprobe strata_tier' (or, from a " \
			"build tree, 'insmod kmod/tier/strata_tier.ko')"

const char tier_help[] =
"Usage: stratactl [-j|-p] tier COMMAND [ARGS]\n"
"\n"
"  show [ID]                 nodes, tiering state, registrations, counters\n"
"  add --pid PID [--quota SIZE]\n"
"  add --cgroup PATH [--quota SIZE]\n"
"                            register a process or a cgroup; prints its id\n"
"  remove ID                 end a registration\n"
"  quota ID SIZE             change a registration's fast-tier quota\n"
"  nodes --fast LIST --slow LIST\n"
"                            set the node roles (LIST: 0-1,3; --slow \"\": none)\n"
"  nodes auto                drop the override: roles from discovery again\n"
"  set KEY VALUE             change a module parameter\n"
"  get [KEY]                 print the module parameters\n"
"  top [-n COUNT] [-d SECS]  live view, refreshed every SECS (default 1)\n"
"  help                      this help\n"
"\n"
"SIZE: bytes, or a number with K, M, G or T (powers of 1024); none or\n"
"unlimited.  KEY: scan_first_ms, scan_min_ms, scan_max_ms, hot_rounds,\n"
"cold_rounds, rate_limit_mbps, migrate_threads, fast_reserve_pct,\n"
"thp_split, max_regs.\n"
"show, get and top need no privilege.  add, remove, quota, nodes and set\n"
"go through stratad when it runs (root or its admin_group), else need\n"
"root.  Exit status: 0 success, 1 failure, 2 bad usage, 3 strata_tier\n"
"not loaded, 5 stratad refused.\n";

/* ---- the device and its errors ------------------------------------------- */

int tier_not_loaded(void)
{
	err_msg("strata_tier is not loaded: " NOT_LOADED_HINT);
	return STRATACTL_NOT_LOADED;
}

/* Open STRATA_TIER_DEV into @fd; STRATACTL_OK or an exit code (said why). */
int tier_dev_open(int *fd)
{
	int ret;

	if (!module_loaded(TIER_MODULE))
		return tier_not_loaded();
	ret = strata_tier_open();
	if (ret == -ENOENT || ret == -ENODEV || ret == -ENXIO) {
		err_msg("cannot open %s: %s: strata_tier is not loaded: "
			NOT_LOADED_HINT, STRATA_TIER_DEV, strerror(-ret));
		return STRATACTL_NOT_LOADED;
	}
	if (ret < 0) {
		err_msg("cannot open %s: %s", STRATA_TIER_DEV, strerror(-ret));
		return STRATACTL_ERR;
	}
	*fd = ret;
	return STRATACTL_OK;
}

/*
 * Say why a call failed: @what is what was tried ("set the quota of 3"),
 * @id the registration it named (0: none).  Returns STRATACTL_ERR.
 */
int tier_fail(int err, const char *what, __u32 id)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		err_msg("cannot %s: " ROOT_HINT, what);
		break;
	case -ENOENT:
		if (id)
			err_msg("cannot %s: no registration %u (" SHOW_HINT ")",
				what, id);
		else
			err_msg("cannot %s: %s", what, strerror(-err));
		break;
	case -ENODEV:
		err_msg("cannot %s: nothing to tier: no slow memory node ("
			SHOW_HINT ")", what);
		break;
	default:
		err_msg("cannot %s: %s", what, strerror(-err));
		break;
	}
	return STRATACTL_ERR;
}

/* ---- changes through stratad --------------------------------------------- */

/*
 * tier.remove or tier.set: @key with @val1 (consumed), and @key2 with the
 * string @val2 unless @key2 is NULL.  An exit code.
 */
int change_by_daemon(const char *cmd, const char *key,
		     struct json_object *val1, const char *key2,
		     const char *val2)
{
	struct json_object *req, *reply;
	int ret;

	req = daemon_req(cmd);
	json_object_object_add(req, key, val1);
	if (key2)
		json_object_object_add(req, key2,
				       json_object_new_string(val2));
	ret = daemon_request(req, &reply);
	json_object_put(reply);
	return ret;
}

/* ---- parsing ------------------------------------------------------------- */

/* A registration id: a decimal number from 1 to 2^32 - 1. */
int parse_id(const char *s, __u32 *id)
{
	__u64 v;

	if (parse_u64(s, 1, UINT32_MAX, &v))
		return -EINVAL;
	*id = v;
	return 0;
}

int parse_id_arg(const char *s, __u32 *id)
{
	if (!parse_id(s, id))
		return 0;
	err_msg("'%s' is not a registration id (a number that "
		"'stratactl tier show' lists)", s);
	return -EINVAL;
}

/* ---- formatting ---------------------------------------------------------- */

const char *role_name(__u32 role)
{
	switch (role) {
	case STRATA_TIER_ROLE_FAST:
		return "fast";
	case STRATA_TIER_ROLE_SLOW:
		return "slow";
	case STRATA_TIER_ROLE_NONE:
		return "none";
	default:
		return "?";
	}
}

const char *kind_name(__u32 kind)
{
	switch (kind) {
	case STRATA_TIER_KIND_PID:
		return "pid";
	case STRATA_TIER_KIND_CGROUP:
		return "cgroup";
	default:
		return "?";
	}
}

double pages_mib(__u64 pages)
{
	static long page_size;

	if (!page_size)
		page_size = sysconf(_SC_PAGESIZE);
	return (double)pages * page_size / MIB;
}

void add_u64(struct json_object *o, const char *key, __u64 v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

/* INFO's flags in words. */
struct json_object *flags_json(__u32 flags)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string(
		flags & STRATA_TIER_INFO_ACTIVE ? "active" :
						  "nothing to tier"));
	if (flags & STRATA_TIER_INFO_OVERRIDE)
		json_object_array_add(a, json_object_new_string("override"));
	if (flags & STRATA_TIER_INFO_HEURISTIC)
		json_object_array_add(a, json_object_new_string("heuristic"));
	return a;
}

void flags_print(__u32 flags)
{
	fputs(flags & STRATA_TIER_INFO_ACTIVE ? "active" : "nothing to tier",
	      stdout);
	if (flags & STRATA_TIER_INFO_OVERRIDE)
		fputs(", override", stdout);
	if (flags & STRATA_TIER_INFO_HEURISTIC)
		fputs(", heuristic", stdout);
}

/* ---- the status line ----------------------------------------------------- */

int tier_summary(bool *active, unsigned int *nr_regs)
{
	struct strata_tier_info info;
	int fd, err;

	fd = strata_tier_open();
	if (fd < 0)
		return fd;
	err = strata_tier_info(fd, &info, NULL, 0);
	close(fd);
	if (err)
		return err;
	*active = info.flags & STRATA_TIER_INFO_ACTIVE;
	*nr_regs = info.nr_regs;
	return 0;
}

static const struct cmd tier_cmds[] = {
	{ "show", tier_show },
	{ "add", tier_add },
	{ "remove", tier_remove },
	{ "quota", tier_quota },
	{ "nodes", tier_nodes },
	{ "set", tier_set },
	{ "get", tier_get },
	{ "top", tier_top },
	{ NULL, NULL },
};

int do_tier(int argc, char **argv)
{
	return cmd_dispatch("tier", tier_cmds, tier_help, argc, argv);
}

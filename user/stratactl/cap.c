// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - cap: capability handle statistics
 */
#include <stdio.h>
#include <string.h>

#include "stratactl.h"

#define CAP_SYSFS "/sys/class/misc/strata_cap/"
#define CAP_PARAMS "/sys/module/strata_cap/parameters/"

static const char cap_help[] =
"Usage: stratactl [-j|-p] cap COMMAND\n"
"\n"
"  stat      strata_cap's live counters (tables, handles, objects,\n"
"            messages) and its limits (module parameters)\n"
"  help      this help\n"
"\n"
"Needs no privilege.  Exit status: 0 success, 1 failure, 2 bad usage,\n"
"3 strata_cap not loaded.\n";

static int cap_stat(int argc, char **argv)
{
	static const struct {
		const char *name;
		const char *path;
	} stats[] = {
		{ "tables", CAP_SYSFS "tables" },
		{ "handles", CAP_SYSFS "handles" },
		{ "objects", CAP_SYSFS "objects" },
		{ "messages", CAP_SYSFS "messages" },
		{ "max_handles", CAP_PARAMS "max_handles" },
		{ "channel_max_msgs", CAP_PARAMS "channel_max_msgs" },
		{ "user_max_handles", CAP_PARAMS "user_max_handles" },
		{ "user_max_objects", CAP_PARAMS "user_max_objects" },
		{ "user_max_queued_bytes", CAP_PARAMS "user_max_queued_bytes" },
	};
	struct json_object *o;
	size_t i;
	long v;
	int err;

	if (cmd_help(argc, argv, cap_help))
		return STRATACTL_OK;
	if (argc) {
		err_msg("'cap stat' takes no arguments");
		return STRATACTL_USAGE;
	}
	if (!module_loaded("strata_cap")) {
		err_msg("strata_cap is not loaded: load it with 'stratactl module load cap' (stratad) or 'modprobe strata_cap'");
		return STRATACTL_NOT_LOADED;
	}
	o = json_object_new_object();
	for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		err = read_sysfs_long(stats[i].path, &v);
		if (err) {
			err_msg("cannot read %s: %s", stats[i].path,
				strerror(-err));
			json_object_put(o);
			return STRATACTL_ERR;
		}
		if (json_output)
			json_object_object_add(o, stats[i].name,
					       json_object_new_int64(v));
		else
			printf("%-22s %ld\n", stats[i].name, v);
	}
	if (json_output)
		print_json(o);
	json_object_put(o);
	return STRATACTL_OK;
}

static const struct cmd cap_cmds[] = {
	{ "stat", cap_stat },
	{ NULL, NULL },
};

int do_cap(int argc, char **argv)
{
	return cmd_dispatch("cap", cap_cmds, cap_help, argc, argv);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - status: which modules are loaded
 */
#include <stdio.h>
#include <unistd.h>

#include "stratactl.h"

static const char *const strata_modules[] = {
	"strata_cap", "strata_tier", "strata_gang",
};

int do_status(int argc, char **argv)
{
	struct json_object *arr = json_object_new_array();
	size_t i;

	if (argc) {
		err_msg("'status' takes no arguments");
		json_object_put(arr);
		return STRATACTL_USAGE;
	}
	for (i = 0; i < sizeof(strata_modules) / sizeof(strata_modules[0]); i++) {
		const char *name = strata_modules[i];
		bool loaded = module_loaded(name);
		bool btf = false;
		char path[128];

		if (loaded) {
			snprintf(path, sizeof(path), "/sys/kernel/btf/%s", name);
			btf = access(path, F_OK) == 0;
		}
		if (json_output) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "module",
					       json_object_new_string(name));
			json_object_object_add(o, "loaded",
					       json_object_new_boolean(loaded));
			json_object_object_add(o, "btf",
					       json_object_new_boolean(btf));
			json_object_array_add(arr, o);
		} else {
			printf("%-12s %s%s\n", name,
			       loaded ? "loaded" : "not loaded",
			       loaded && !btf ? " (no BTF: policies and kfuncs unavailable)" : "");
		}
	}
	if (json_output)
		print_json(arr);
	json_object_put(arr);
	return STRATACTL_OK;
}

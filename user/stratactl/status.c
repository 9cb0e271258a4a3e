// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - status: which modules are loaded (and whether strata_tier
 * has something to tier)
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "stratactl.h"

static const char *const strata_modules[] = {
	"strata_cap", "strata_tier", "strata_gang",
};

int do_status(int argc, char **argv)
{
	struct json_object *arr = json_object_new_array();
	bool tier_known = false, tier_active = false;
	unsigned int tier_regs = 0;
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
		/* One line on what strata_tier does; nothing if unreadable. */
		if (loaded && !strcmp(name, "strata_tier"))
			tier_known = !tier_summary(&tier_active, &tier_regs);
		if (json_output) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "module",
					       json_object_new_string(name));
			json_object_object_add(o, "loaded",
					       json_object_new_boolean(loaded));
			json_object_object_add(o, "btf",
					       json_object_new_boolean(btf));
			if (tier_known && !strcmp(name, "strata_tier")) {
				json_object_object_add(o, "tier",
					json_object_new_string(tier_active ?
						"active" : "nothing to tier"));
				json_object_object_add(o, "registrations",
					json_object_new_int64(tier_regs));
			}
			json_object_array_add(arr, o);
		} else {
			printf("%-12s %s%s\n", name,
			       loaded ? "loaded" : "not loaded",
			       loaded && !btf ? " (no BTF: policies and kfuncs unavailable)" : "");
		}
	}
	if (!json_output && tier_known)
		printf("%-12s %s, %u registration%s\n", "tier:",
		       tier_active ? "active" : "nothing to tier", tier_regs,
		       tier_regs == 1 ? "" : "s");
	if (json_output)
		print_json(arr);
	json_object_put(arr);
	return STRATACTL_OK;
}

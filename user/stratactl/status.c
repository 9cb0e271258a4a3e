// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - status: which modules are loaded (and whether strata_tier
 * has something to tier), and whether stratad runs
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stratactl.h"

static const char *const strata_modules[] = {
	"strata_cap", "strata_tier", "strata_gang",
};

static const char status_help[] =
"Usage: stratactl [-j|-p] status\n"
"\n"
"Whether strata_cap, strata_tier and strata_gang are loaded, with BTF or\n"
"not; whether strata_tier has something to tier; whether stratad runs\n"
"(its pid, version, configuration and uptime).  Needs no privilege.\n"
"Exit status: 0, loaded or not, running or not; 2 bad usage.\n";

/* "3d 4h", "2h 5m", "5m 3s", "42s" */
static void fmt_uptime(long long s, char *buf, size_t size)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, size, "%lldd %lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, size, "%lldh %lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, size, "%lldm %llds", s / 60, s % 60);
	else
		snprintf(buf, size, "%llds", s);
}

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "?";
	return json_object_get_string(v);
}

/*
 * stratad's part: its "daemon" object from the status command, with
 * uptime_s added, or NULL when it does not run (or does not answer:
 * @why says so, else is "").
 */
static struct json_object *daemon_status(char *why, size_t size)
{
	struct json_object *reply, *d, *v;

	reply = daemon_query("status", why, size);
	if (!reply)
		return NULL;
	if (!json_object_object_get_ex(reply, "daemon", &d) ||
	    !json_object_is_type(d, json_type_object)) {
		snprintf(why, size, "its status reply has no daemon object");
		json_object_put(reply);
		return NULL;
	}
	json_object_get(d);
	json_object_put(reply);
	if (json_object_object_get_ex(d, "started", &v) && v)
		json_object_object_add(d, "uptime_s", json_object_new_int64(
			(long long)time(NULL) - json_object_get_int64(v)));
	return d;
}

static void daemon_print(struct json_object *d, const char *why)
{
	struct json_object *v;
	char up[32] = "?";

	if (!d) {
		if (*why)
			printf("%-12s not answering: %s\n", "stratad", why);
		else
			printf("%-12s not running (socket %s)\n", "stratad",
			       daemon_socket);
		return;
	}
	if (json_object_object_get_ex(d, "uptime_s", &v))
		fmt_uptime(json_object_get_int64(v), up, sizeof(up));
	printf("%-12s running: pid %s, version %s, up %s, config %s\n",
	       "stratad", str_of(d, "pid"), str_of(d, "version"), up,
	       str_of(d, "config"));
}

int do_status(int argc, char **argv)
{
	struct json_object *arr, *d;
	bool tier_known = false, tier_active = false;
	unsigned int tier_regs = 0;
	char why[300];
	size_t i;

	if (cmd_help(argc, argv, status_help))
		return STRATACTL_OK;
	if (argc) {
		err_msg("'status' takes no arguments");
		return STRATACTL_USAGE;
	}
	arr = json_object_new_array();
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
	d = daemon_status(why, sizeof(why));
	if (json_output) {
		struct json_object *o = json_object_new_object();

		if (*why)
			err_msg("stratad is not answering: %s", why);
		json_object_object_add(o, "modules", arr);
		json_object_object_add(o, "daemon", d);
		print_json(o);
		json_object_put(o);
	} else {
		daemon_print(d, why);
		json_object_put(d);
		json_object_put(arr);
	}
	return STRATACTL_OK;
}

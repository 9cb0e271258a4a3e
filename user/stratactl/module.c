// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - module: the strata modules
 *
 *   module list          state, users and parameters, from /sys/module;
 *                        what stratad configured and loaded, if it runs
 *   module load NAME     through stratad, with its configured parameters
 *   module unload NAME   through stratad
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stratactl.h"
#include "util.h"

#define SYS_MODULE	"/sys/module/"

static const char module_help[] =
"Usage: stratactl [-j|-p] module COMMAND [ARGS]\n"
"\n"
"  list                      strata_cap, strata_tier, strata_gang: loaded or\n"
"                            not, reference count, holders, parameters; and\n"
"                            when stratad runs, configured and owner\n"
"  load NAME                 load a module with stratad's configured\n"
"                            parameters (needs stratad)\n"
"  unload NAME               unload a module (needs stratad)\n"
"  help                      this help\n"
"\n"
"NAME: cap, tier, gang, or strata_cap, strata_tier, strata_gang.\n"
"list needs no privilege and works without stratad; load and unload need\n"
"root or stratad's admin_group.  Exit status: 0 success, 1 failure,\n"
"2 bad usage, 4 stratad not running, 5 stratad refused.\n";

static const char *const module_names[] = {
	"strata_cap", "strata_tier", "strata_gang",
};

#define NR_MODULES	(sizeof(module_names) / sizeof(module_names[0]))

/* NAME as given (cap, strata_cap) to the module's name, or NULL. */
static const char *module_arg(const char *arg)
{
	size_t i;

	for (i = 0; i < NR_MODULES; i++)
		if (!strcmp(arg, module_names[i]) ||
		    !strcmp(arg, module_names[i] + strlen("strata_")))
			return module_names[i];
	err_msg("unknown module '%s'; the modules are cap, tier and gang "
		"(or strata_cap, strata_tier, strata_gang)", arg);
	return NULL;
}

/* A sysfs file's first line into @buf; 0 or -errno. */
static int read_line(const char *path, char *buf, size_t size)
{
	int ret = read_file(path, buf, size);

	if (!ret)
		buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

static int not_dot(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* The module's holders, by name: [] when none or not loaded. */
static struct json_object *holders_json(const char *name)
{
	struct json_object *arr = json_object_new_array();
	struct dirent **list;
	char path[256];
	int n, i;

	snprintf(path, sizeof(path), SYS_MODULE "%s/holders", name);
	n = scandir(path, &list, not_dot, alphasort);
	for (i = 0; i < n; i++) {
		json_object_array_add(arr,
				      json_object_new_string(list[i]->d_name));
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	return arr;
}

/* Every parameter as its sysfs text; null for one that cannot be read. */
static struct json_object *params_json(const char *name)
{
	struct json_object *o = json_object_new_object();
	struct dirent **list;
	char path[512], val[4096];
	int n, i;

	snprintf(path, sizeof(path), SYS_MODULE "%s/parameters", name);
	n = scandir(path, &list, not_dot, alphasort);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), SYS_MODULE "%s/parameters/%s",
			 name, list[i]->d_name);
		json_object_object_add(o, list[i]->d_name,
				       read_line(path, val, sizeof(val)) ? NULL :
				       json_object_new_string(val));
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	return o;
}

/* stratad's entry for @name in its module.list reply, or NULL. */
static struct json_object *daemon_entry(struct json_object *reply,
					const char *name)
{
	struct json_object *arr, *e, *v;
	size_t i;

	if (!reply || !json_object_object_get_ex(reply, "modules", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return NULL;
	for (i = 0; i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		if (json_object_object_get_ex(e, "name", &v) &&
		    !strcmp(json_object_get_string(v), name))
			return e;
	}
	return NULL;
}

/* @key of stratad's entry, a new reference or NULL. */
static struct json_object *entry_get(struct json_object *e, const char *key)
{
	struct json_object *v = NULL;

	if (e)
		json_object_object_get_ex(e, key, &v);
	return json_object_get(v);
}

static struct json_object *module_json(const char *name,
				       struct json_object *reply)
{
	struct json_object *o = json_object_new_object();
	struct json_object *e = daemon_entry(reply, name);
	bool loaded = module_loaded(name);
	char path[256];
	long refcnt;

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "loaded", json_object_new_boolean(loaded));
	snprintf(path, sizeof(path), SYS_MODULE "%s/refcnt", name);
	json_object_object_add(o, "refcnt", loaded &&
			       !read_sysfs_long(path, &refcnt) ?
			       json_object_new_int64(refcnt) : NULL);
	json_object_object_add(o, "holders", holders_json(name));
	json_object_object_add(o, "params", loaded ? params_json(name) :
			       json_object_new_object());
	json_object_object_add(o, "configured", entry_get(e, "configured"));
	json_object_object_add(o, "owner", entry_get(e, "owner"));
	return o;
}

static const char *text_of(struct json_object *o, const char *key,
			   const char *none)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return none;
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v) ? "yes" : "no";
	return json_object_get_string(v);
}

static void modules_print(struct json_object *arr, bool daemon)
{
	struct json_object *m, *v;
	char holders[256];
	size_t i, j, n;

	printf("%-12s %-10s %6s", "MODULE", "STATE", "REFCNT");
	if (daemon)
		printf("  %-10s %-7s", "CONFIGURED", "OWNER");
	printf("  HOLDERS\n");
	for (i = 0; i < json_object_array_length(arr); i++) {
		m = json_object_array_get_idx(arr, i);
		json_object_object_get_ex(m, "holders", &v);
		holders[0] = '\0';
		for (j = 0; j < json_object_array_length(v); j++)
			snprintf(holders + strlen(holders),
				 sizeof(holders) - strlen(holders), "%s%s",
				 j ? "," : "", json_object_get_string(
					json_object_array_get_idx(v, j)));
		printf("%-12s %-10s %6s", text_of(m, "name", "?"),
		       strcmp(text_of(m, "loaded", "no"), "yes") ?
		       "not loaded" : "loaded", text_of(m, "refcnt", "-"));
		if (daemon)
			printf("  %-10s %-7s", text_of(m, "configured", "-"),
			       text_of(m, "owner", "-"));
		printf("  %s\n", holders[0] ? holders : "-");
	}
	for (i = 0; i < json_object_array_length(arr); i++) {
		m = json_object_array_get_idx(arr, i);
		json_object_object_get_ex(m, "params", &v);
		n = 0;
		json_object_object_foreach(v, key, val) {
			if (!n++)
				printf("\n%s parameters:\n",
				       text_of(m, "name", "?"));
			printf("  %-24s %s\n", key,
			       val ? json_object_get_string(val) :
			       "(not readable)");
		}
	}
}

static int module_list(int argc, char **argv)
{
	struct json_object *reply, *arr;
	char why[300];
	size_t i;

	if (cmd_help(argc, argv, module_help))
		return STRATACTL_OK;
	if (argc) {
		err_msg("'module list' takes no arguments");
		return STRATACTL_USAGE;
	}
	reply = daemon_query("module.list", why, sizeof(why));
	if (!reply && why[0])
		err_msg("note: stratad is not answering (%s): configured and "
			"owner are unknown", why);
	arr = json_object_new_array();
	for (i = 0; i < NR_MODULES; i++)
		json_object_array_add(arr, module_json(module_names[i], reply));
	if (json_output)
		print_json(arr);
	else
		modules_print(arr, reply != NULL);
	json_object_put(arr);
	json_object_put(reply);
	return STRATACTL_OK;
}

/* module load|unload NAME: @cmd is module.load or module.unload. */
static int module_change(const char *cmd, int argc, char **argv)
{
	struct json_object *req, *reply;
	const char *name;
	int ret;

	if (cmd_help(argc, argv, module_help))
		return STRATACTL_OK;
	if (argc != 1) {
		err_msg("'%s' takes one NAME: cap, tier or gang",
			!strcmp(cmd, "module.load") ? "module load" :
						      "module unload");
		return STRATACTL_USAGE;
	}
	name = module_arg(argv[0]);
	if (!name)
		return STRATACTL_USAGE;
	req = daemon_req(cmd);
	json_object_object_add(req, "name", json_object_new_string(name));
	ret = daemon_request(req, &reply);
	json_object_put(reply);
	return ret;
}

static int module_load(int argc, char **argv)
{
	return module_change("module.load", argc, argv);
}

static int module_unload(int argc, char **argv)
{
	return module_change("module.unload", argc, argv);
}

static const struct cmd module_cmds[] = {
	{ "list", module_list },
	{ "load", module_load },
	{ "unload", module_unload },
	{ NULL, NULL },
};

int do_module(int argc, char **argv)
{
	return cmd_dispatch("module", module_cmds, module_help, argc, argv);
}

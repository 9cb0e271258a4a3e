// SPDX-License-Identifier: GPL-2.0
/*
 * stratad - the commands on the daemon itself: status, module.*,
 * policy.*, reload; and the argument helpers every command uses
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "stratad.h"

int arg_string(struct json_object *req, const char *key, bool required,
	       const char **val, struct json_object **reply)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !v) {
		if (!required)
			return -ENOENT;
		*reply = ipc_reply_error(EINVAL, "missing argument '%s'", key);
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		*reply = ipc_reply_error(EINVAL, "'%s' must be a string", key);
		return -EINVAL;
	}
	*val = json_object_get_string(v);
	return 0;
}

int arg_u64(struct json_object *req, const char *key, bool required,
	    unsigned long long max, unsigned long long *val,
	    struct json_object **reply)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !v) {
		if (!required)
			return -ENOENT;
		*reply = ipc_reply_error(EINVAL, "missing argument '%s'", key);
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0 || json_object_get_uint64(v) > max) {
		*reply = ipc_reply_error(EINVAL,
					 "'%s' must be an integer from 0 to %llu",
					 key, max);
		return -EINVAL;
	}
	*val = json_object_get_uint64(v);
	return 0;
}

struct json_object *need_module(enum strata_module m)
{
	if (module_loaded(m))
		return NULL;
	return ipc_reply_error(ENODEV, "%s is not loaded", module_names[m]);
}

/* The module named by the "name" argument. */
static int arg_module(struct json_object *req, struct json_object **reply)
{
	const char *name;
	int m;

	if (arg_string(req, "name", true, &name, reply))
		return -1;
	m = module_by_name(name);
	if (m < 0)
		*reply = ipc_reply_error(EINVAL,
			"unknown module '%s' (strata_cap, strata_tier or strata_gang)",
			name);
	return m;
}

/* The policy named by the "name" argument. */
static const char *arg_policy(struct json_object *req,
			      struct json_object **reply)
{
	const char *name;

	if (arg_string(req, "name", true, &name, reply))
		return NULL;
	if (!policy_name_valid(name)) {
		*reply = ipc_reply_error(EINVAL,
			"bad policy name '%s': 1 to 32 characters of [a-z0-9_]",
			name);
		return NULL;
	}
	return name;
}

struct json_object *cmd_status(const struct client *c, struct json_object *r)
{
	struct json_object *reply = ipc_reply_ok();
	struct json_object *d = json_object_new_object();
	const struct config *conf = stratad.conf;

	json_object_object_add(d, "pid", json_object_new_int(getpid()));
	json_object_object_add(d, "version",
			       json_object_new_string(STRATA_VERSION));
	json_object_object_add(d, "config",
			       json_object_new_string(stratad.config_path));
	json_object_object_add(d, "started",
			       json_object_new_int64(stratad.started));
	json_object_object_add(d, "admin_group", *conf->admin_group ?
			       json_object_new_string(conf->admin_group) :
			       NULL);
	json_object_object_add(reply, "daemon", d);
	json_object_object_add(reply, "modules", daemon_modules_json());
	json_object_object_add(reply, "policies", daemon_policies_json());
	return reply;
}

struct json_object *cmd_module_list(const struct client *c,
				    struct json_object *r)
{
	struct json_object *reply = ipc_reply_ok();

	json_object_object_add(reply, "modules", daemon_modules_json());
	return reply;
}

/* module.load and module.unload: @op on the module the request names. */
static struct json_object *module_op(struct json_object *r,
				     int (*op)(enum strata_module, char *))
{
	struct json_object *reply = NULL;
	char msg[MSG_LEN];
	int m, err;

	m = arg_module(r, &reply);
	if (m < 0)
		return reply;
	err = op(m, msg);
	if (err)
		return ipc_reply_error(-err, "%s", msg);
	daemon_notify_status();
	return ipc_reply_ok();
}

struct json_object *cmd_module_load(const struct client *c,
				    struct json_object *r)
{
	return module_op(r, daemon_module_load);
}

struct json_object *cmd_module_unload(const struct client *c,
				      struct json_object *r)
{
	return module_op(r, daemon_module_unload);
}

struct json_object *cmd_policy_list(const struct client *c,
				    struct json_object *r)
{
	struct json_object *reply = ipc_reply_ok();

	json_object_object_add(reply, "policies", daemon_policies_json());
	return reply;
}

/*
 * Whether @path, all links resolved, lies in policy_dir: what a member of
 * admin_group may attach (root writes the configuration and policy_dir).
 */
static bool in_policy_dir(const char *path)
{
	char *real = realpath(path, NULL);
	char *dir = realpath(stratad.conf->policy_dir, NULL);
	bool in = real && dir && !strncmp(real, dir, strlen(dir)) &&
		  real[strlen(dir)] == '/';

	free(real);
	free(dir);
	return in;
}

struct json_object *cmd_policy_attach(const struct client *c,
				      struct json_object *r)
{
	const struct conf_policy *cp;
	struct json_object *reply = NULL;
	const char *name, *file = NULL;
	char path[PATH_MAX], msg[MSG_LEN];
	int err;

	name = arg_policy(r, &reply);
	if (!name)
		return reply;
	err = arg_string(r, "file", false, &file, &reply);
	if (err == -EINVAL)
		return reply;
	cp = config_policy(stratad.conf, name);
	if (file && !*file)
		return ipc_reply_error(EINVAL, "'file' is empty");
	if (file && file[0] != '/')
		snprintf(path, sizeof(path), "%s/%s",
			 stratad.conf->policy_dir, file);
	else if (file)
		snprintf(path, sizeof(path), "%s", file);
	else if (cp)
		snprintf(path, sizeof(path), "%s", cp->file);
	else
		snprintf(path, sizeof(path), "%s/%s.bpf.o",
			 stratad.conf->policy_dir, name);
	if (access(path, R_OK))
		return ipc_reply_error(errno == EACCES ? EACCES : ENOENT,
				       "cannot read %s: %s", path,
				       strerror(errno));
	if (file && c->uid != 0 && !in_policy_dir(path))
		return ipc_reply_error(EPERM,
			"only root may attach a file outside %s",
			stratad.conf->policy_dir);
	if (!record_policy(&stratad.rec, name) && policy_dir_exists(name))
		return ipc_reply_error(EEXIST,
			"policy %s is already attached by something else (%s/%s)",
			name, STRATA_BPF_ROOT, name);
	err = daemon_policy_attach(name, path, false, msg);
	if (err)
		return ipc_reply_error(-err, "%s", msg);
	daemon_notify_status();
	reply = ipc_reply_ok();
	json_object_object_add(reply, "policy", daemon_policy_json(name));
	return reply;
}

struct json_object *cmd_policy_detach(const struct client *c,
				      struct json_object *r)
{
	struct json_object *reply = NULL;
	const char *name;
	char msg[MSG_LEN];
	int err;

	name = arg_policy(r, &reply);
	if (!name)
		return reply;
	err = daemon_policy_detach(name, msg);
	if (err)
		return ipc_reply_error(-err, "%s", msg);
	daemon_notify_status();
	return ipc_reply_ok();
}

struct json_object *cmd_reload(const struct client *c, struct json_object *r)
{
	struct conf_errors errs;
	struct json_object *reply, *arr;
	size_t i;

	if (!daemon_reload(&errs))
		return ipc_reply_ok();
	reply = ipc_reply_error(EINVAL,
		"the configuration has %zu error%s, the old one stays: %s",
		errs.nr, errs.nr == 1 ? "" : "s",
		errs.nr ? errs.text[0] : "?");
	arr = json_object_new_array();
	for (i = 0; i < errs.nr; i++)
		json_object_array_add(arr, json_object_new_string(errs.text[i]));
	json_object_object_add(reply, "errors", arr);
	conf_errors_free(&errs);
	return reply;
}

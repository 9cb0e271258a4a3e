// SPDX-License-Identifier: GPL-2.0
/*
 * stratad - the strata_tier commands: tier.add, tier.remove, tier.set
 *
 * The daemon acts with its own privileges (CAP_SYS_ADMIN) on behalf of an
 * admin peer; registrations outlive the fd they were made on.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <strata.h>

#include "ipc.h"
#include "stratad.h"

/* The device, or NULL with the reply in *@reply. */
static int tier_open(struct json_object **reply)
{
	int fd;

	*reply = need_module(MOD_TIER);
	if (*reply)
		return -1;
	fd = strata_tier_open();
	if (fd < 0)
		*reply = ipc_reply_error(-fd, "cannot open %s: %s",
					 STRATA_TIER_DEV, strerror(-fd));
	return fd;
}

struct json_object *cmd_tier_add(const struct client *c,
				 struct json_object *r)
{
	unsigned long long pid = 0, quota = STRATA_TIER_QUOTA_NONE;
	struct json_object *reply = NULL;
	const char *cgroup = NULL;
	int pid_err, cg_err, fd, err;
	__u32 id;

	pid_err = arg_u64(r, "pid", false, INT32_MAX, &pid, &reply);
	if (pid_err == -EINVAL)
		return reply;
	cg_err = arg_string(r, "cgroup", false, &cgroup, &reply);
	if (cg_err == -EINVAL)
		return reply;
	if (!pid_err == !cg_err)
		return ipc_reply_error(EINVAL,
				       "give exactly one of 'pid' and 'cgroup'");
	if (!pid_err && !pid)
		return ipc_reply_error(EINVAL, "'pid' must be a process id");
	if (arg_u64(r, "quota", false, STRATA_TIER_QUOTA_NONE, &quota,
		    &reply) == -EINVAL)
		return reply;

	fd = tier_open(&reply);
	if (fd < 0)
		return reply;
	if (!pid_err)
		err = strata_tier_register_pid(fd, pid, quota, &id);
	else
		err = strata_tier_register_cgroup(fd, cgroup, quota, &id);
	close(fd);
	if (err) {
		if (!pid_err)
			return ipc_reply_error(-err, "cannot register pid %llu: %s",
					       pid, strerror(-err));
		return ipc_reply_error(-err, "cannot register cgroup %s: %s",
				       cgroup, strerror(-err));
	}
	if (!pid_err)
		pr_info("uid %u: tier registration %u: pid %llu", c->uid, id,
			pid);
	else
		pr_info("uid %u: tier registration %u: cgroup %s", c->uid, id,
			cgroup);
	reply = ipc_reply_ok();
	json_object_object_add(reply, "id", json_object_new_int64(id));
	return reply;
}

struct json_object *cmd_tier_remove(const struct client *c,
				    struct json_object *r)
{
	struct json_object *reply = NULL;
	unsigned long long id;
	int fd, err;

	if (arg_u64(r, "id", true, UINT32_MAX, &id, &reply))
		return reply;
	fd = tier_open(&reply);
	if (fd < 0)
		return reply;
	err = strata_tier_unregister(fd, id);
	close(fd);
	if (err)
		return ipc_reply_error(-err, "cannot remove tier registration %llu: %s",
				       id, strerror(-err));
	pr_info("uid %u: removed tier registration %llu", c->uid, id);
	return ipc_reply_ok();
}

struct json_object *cmd_tier_set(const struct client *c,
				 struct json_object *r)
{
	struct json_object *reply = NULL, *v;
	const char *key, *value;
	char buf[64];
	int err;

	if (arg_string(r, "key", true, &key, &reply))
		return reply;
	/* the value: a string, or a number or boolean for convenience */
	if (!json_object_object_get_ex(r, "value", &v) || !v)
		return ipc_reply_error(EINVAL, "missing argument 'value'");
	if (json_object_is_type(v, json_type_string)) {
		value = json_object_get_string(v);
	} else if (json_object_is_type(v, json_type_int)) {
		snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
		value = buf;
	} else if (json_object_is_type(v, json_type_boolean)) {
		value = json_object_get_boolean(v) ? "Y" : "N";
	} else {
		return ipc_reply_error(EINVAL,
				       "'value' must be a string or a number");
	}
	reply = need_module(MOD_TIER);
	if (reply)
		return reply;
	err = module_param_writable(MOD_TIER, key);
	if (err == -ENOENT)
		return ipc_reply_error(EINVAL,
				       "strata_tier has no parameter '%s'", key);
	if (err == -EACCES)
		return ipc_reply_error(EACCES,
			"strata_tier parameter '%s' is read-only: it is set when the module loads",
			key);
	if (err)
		return ipc_reply_error(-err, "cannot read strata_tier parameter '%s': %s",
				       key, strerror(-err));
	err = module_param_write(MOD_TIER, key, value);
	if (err)
		return ipc_reply_error(-err,
				       "cannot set strata_tier parameter %s to '%s': %s",
				       key, value, strerror(-err));
	pr_info("uid %u: strata_tier parameter %s set to '%s'", c->uid, key,
		value);
	return ipc_reply_ok();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * stratad - the strata_tier commands: tier.add, tier.remove, tier.quota,
 * tier.nodes, tier.set
 *
 * The daemon acts with its own privileges (CAP_SYS_ADMIN) on behalf of an
 * admin peer; registrations outlive the fd they were made on.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <strata.h>

#include "ipc.h"
#include "stratad.h"

/* SET_NODES takes masks of at most this many bits (libstrata's too). */
#define TIER_NODE_IDS	4096

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

struct json_object *cmd_tier_quota(const struct client *c,
				   struct json_object *r)
{
	unsigned long long id, quota = STRATA_TIER_QUOTA_NONE;
	struct json_object *reply = NULL;
	char what[32];
	int fd, err;

	if (arg_u64(r, "id", true, UINT32_MAX, &id, &reply))
		return reply;
	if (!id)
		return ipc_reply_error(EINVAL,
				       "'id' must be a registration id, not 0");
	/* as in tier.add: absent or null is no limit */
	if (arg_u64(r, "quota", false, STRATA_TIER_QUOTA_NONE, &quota,
		    &reply) == -EINVAL)
		return reply;

	fd = tier_open(&reply);
	if (fd < 0)
		return reply;
	err = strata_tier_set_quota(fd, id, quota);
	close(fd);
	if (err == -ENOENT)
		return ipc_reply_error(ENOENT,
				       "no tier registration %llu (it may have ended by itself)",
				       id);
	if (err)
		return ipc_reply_error(-err,
				       "cannot set the quota of tier registration %llu: %s",
				       id, strerror(-err));
	if (quota == STRATA_TIER_QUOTA_NONE)
		snprintf(what, sizeof(what), "unlimited");
	else
		snprintf(what, sizeof(what), "%llu bytes", quota);
	pr_info("uid %u: tier registration %llu: quota %s", c->uid, id, what);
	return ipc_reply_ok();
}

/*
 * The array of node ids @key, marked in @set (TIER_NODE_IDS entries); 0,
 * or -EINVAL with the reply in *@reply.
 */
static int arg_nodes(struct json_object *req, const char *key, bool *set,
		     struct json_object **reply)
{
	struct json_object *v, *e;
	size_t i, n;
	long long nid;

	if (!json_object_object_get_ex(req, key, &v) || !v) {
		*reply = ipc_reply_error(EINVAL, "missing argument '%s'", key);
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_array))
		goto bad;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_int))
			goto bad;
		nid = json_object_get_int64(e);
		if (nid < 0 || nid >= TIER_NODE_IDS)
			goto bad;
		set[nid] = true;
	}
	return 0;
bad:
	*reply = ipc_reply_error(EINVAL,
				 "'%s' must be an array of node ids from 0 to %d",
				 key, TIER_NODE_IDS - 1);
	return -EINVAL;
}

/* The nodes of @set, into @ids, and as a list ("0-1,3", or "none"). */
static unsigned int node_ids(const bool *set, int *ids, char *list,
			     size_t size)
{
	unsigned int i, j, n = 0;
	size_t len = 0;

	list[0] = '\0';
	for (i = 0; i < TIER_NODE_IDS; i = j) {
		if (!set[i]) {
			j = i + 1;
			continue;
		}
		for (j = i; j < TIER_NODE_IDS && set[j]; j++)
			ids[n++] = j;
		if (len < size)
			len += snprintf(list + len, size - len,
					j - 1 > i ? "%s%u-%u" : "%s%u",
					len ? "," : "", i, j - 1);
	}
	if (!n)
		snprintf(list, size, "none");
	return n;
}

struct json_object *cmd_tier_nodes(const struct client *c,
				   struct json_object *r)
{
	bool fast[TIER_NODE_IDS] = { false }, slow[TIER_NODE_IDS] = { false };
	int fast_ids[TIER_NODE_IDS], slow_ids[TIER_NODE_IDS];
	char fast_list[128], slow_list[128];
	struct json_object *reply = NULL, *v;
	unsigned int nr_fast, nr_slow, i;
	bool automatic = false;
	int fd, err;

	if (json_object_object_get_ex(r, "auto", &v) && v) {
		if (!json_object_is_type(v, json_type_boolean))
			return ipc_reply_error(EINVAL,
					       "'auto' must be true or false");
		automatic = json_object_get_boolean(v);
	}
	if (automatic) {
		if (json_object_object_get_ex(r, "fast", NULL) ||
		    json_object_object_get_ex(r, "slow", NULL))
			return ipc_reply_error(EINVAL,
				"give either 'auto' or 'fast' and 'slow', not both");
		fd = tier_open(&reply);
		if (fd < 0)
			return reply;
		err = strata_tier_nodes_auto(fd);
		close(fd);
		if (err)
			return ipc_reply_error(-err,
					       "cannot return to node discovery: %s",
					       strerror(-err));
		pr_info("uid %u: tier node roles from discovery again", c->uid);
		return ipc_reply_ok();
	}

	if (arg_nodes(r, "fast", fast, &reply) ||
	    arg_nodes(r, "slow", slow, &reply))
		return reply;
	for (i = 0; i < TIER_NODE_IDS; i++)
		if (fast[i] && slow[i])
			return ipc_reply_error(EINVAL,
					       "node %u cannot be both fast and slow",
					       i);
	nr_fast = node_ids(fast, fast_ids, fast_list, sizeof(fast_list));
	nr_slow = node_ids(slow, slow_ids, slow_list, sizeof(slow_list));
	if (!nr_fast)
		return ipc_reply_error(EINVAL, "'fast' needs at least one node");

	fd = tier_open(&reply);
	if (fd < 0)
		return reply;
	err = strata_tier_set_nodes(fd, fast_ids, nr_fast, slow_ids, nr_slow);
	close(fd);
	if (err == -EINVAL)
		return ipc_reply_error(EINVAL,
			"strata_tier refused the node roles (fast %s, slow %s): every node named must exist and have memory",
			fast_list, slow_list);
	if (err)
		return ipc_reply_error(-err,
				       "cannot set the node roles (fast %s, slow %s): %s",
				       fast_list, slow_list, strerror(-err));
	pr_info("uid %u: tier node roles: fast %s, slow %s", c->uid,
		fast_list, slow_list);
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

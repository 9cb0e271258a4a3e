// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - tier add, remove, quota, nodes: the changes to strata_tier's
 * registrations and node roles, through stratad when it runs
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <strata.h>

#include "stratactl.h"
#include "ctl_tier.h"

/* ---- parsing ------------------------------------------------------------- */

/*
 * SIZE: a decimal number of bytes, optionally with K, M, G or T (powers of
 * 1024), or "none" / "unlimited" (STRATA_TIER_QUOTA_NONE).
 */
static int parse_size(const char *s, __u64 *size)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!strcmp(s, "none") || !strcmp(s, "unlimited")) {
		*size = STRATA_TIER_QUOTA_NONE;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	switch (*end) {
	case 'K': case 'k':
		shift = 10;
		break;
	case 'M': case 'm':
		shift = 20;
		break;
	case 'G': case 'g':
		shift = 30;
		break;
	case 'T': case 't':
		shift = 40;
		break;
	}
	if (shift)
		end++;
	if (*end)
		return -EINVAL;
	if (v > (~0ULL >> shift))
		return -ERANGE;
	*size = (__u64)v << shift;
	return 0;
}

static int parse_size_arg(const char *s, __u64 *size)
{
	int err = parse_size(s, size);

	if (err == -ERANGE)
		err_msg("size '%s' is too large (at most 2^64 - 1 bytes; "
			"'unlimited' for no limit)", s);
	else if (err)
		err_msg("bad size '%s': bytes, or a number with K, M, G or T "
			"(e.g. 512M), or 'none' / 'unlimited'", s);
	return err;
}

/* SET_NODES takes masks of at most this many bits. */
#define MAX_NODE_IDS	4096

/*
 * LIST: node ids and ranges separated by commas ("0", "0-1,3"); "" is the
 * empty list.  Marks the nodes in @set (MAX_NODE_IDS entries).
 */
static int parse_node_list(const char *s, bool *set)
{
	unsigned long a, b;
	char *end;

	if (!*s)
		return 0;
	for (;;) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		a = b = strtoul(s, &end, 10);
		if (*end == '-') {
			s = end + 1;
			if (!isdigit((unsigned char)*s))
				return -EINVAL;
			b = strtoul(s, &end, 10);
		}
		if (a > b || b >= MAX_NODE_IDS)
			return -EINVAL;
		for (; a <= b; a++)
			set[a] = true;
		if (!*end)
			return 0;
		if (*end != ',')
			return -EINVAL;
		s = end + 1;
	}
}

/* ---- add, remove, quota -------------------------------------------------- */

/* What a failed REGISTER means for the target the user named. */
static int add_fail(int err, pid_t pid, const char *cgroup)
{
	char what[PATH_MAX + 64];
	long max;

	if (cgroup)
		snprintf(what, sizeof(what), "register cgroup %s", cgroup);
	else
		snprintf(what, sizeof(what), "register pid %d", pid);
	switch (err) {
	case -ESRCH:
		err_msg("cannot %s: no process %d", what, pid);
		break;
	case -EBUSY:
		err_msg("cannot %s: already registered (%s; " SHOW_HINT ")",
			what, cgroup ?
			"the cgroup, or a process in it, is" :
			"its address space is, by itself or in a cgroup");
		break;
	case -EINVAL:
	case -EBADF:
		if (cgroup)
			err_msg("cannot %s: not a cgroup v2 directory", what);
		else
			err_msg("cannot %s: it has no address space to tier "
				"(a kernel thread, or a zombie)", what);
		break;
	case -ENOSPC:
		if (read_sysfs_long(TIER_PARAMS "max_regs", &max))
			max = -1;
		err_msg("cannot %s: too many registrations (max_regs is %ld; "
			"raise it with 'stratactl tier set max_regs N')",
			what, max);
		break;
	default:
		return tier_fail(err, what, 0);
	}
	return STRATACTL_ERR;
}

/* tier.add; *@id gets the registration's id.  An exit code. */
static int add_by_daemon(pid_t pid, const char *cgroup, __u64 quota,
			 __u32 *id)
{
	struct json_object *req, *reply, *v;
	char path[PATH_MAX];
	int ret;

	req = daemon_req("tier.add");
	if (cgroup) {
		/* stratad's working directory is not ours */
		if (!realpath(cgroup, path)) {
			err_msg("cannot register cgroup %s: %s", cgroup,
				strerror(errno));
			json_object_put(req);
			return STRATACTL_ERR;
		}
		json_object_object_add(req, "cgroup",
				       json_object_new_string(path));
	} else {
		json_object_object_add(req, "pid", json_object_new_int64(pid));
	}
	if (quota != STRATA_TIER_QUOTA_NONE)
		json_object_object_add(req, "quota",
				       json_object_new_uint64(quota));
	ret = daemon_request(req, &reply);
	if (ret)
		return ret;
	if (!json_object_object_get_ex(reply, "id", &v) ||
	    parse_id(json_object_get_string(v), id)) {
		err_msg("stratad registered it but its reply has no id; "
			SHOW_HINT);
		ret = STRATACTL_ERR;
	}
	json_object_put(reply);
	return ret;
}

int tier_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "quota", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	__u64 quota = STRATA_TIER_QUOTA_NONE;
	const char *cgroup = NULL;
	long long pid = 0;
	struct stat st;
	int opt, fd, ret, err;
	char *end;
	__u32 id;

	/* argv[0] is the first argument: getopt wants it at argv[1]. */
	optind = 0;
	while ((opt = getopt_long(argc + 1, argv - 1, "+h", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'p':
			errno = 0;
			pid = strtoll(optarg, &end, 10);
			if (!isdigit((unsigned char)*optarg) || *end ||
			    errno || pid <= 0 || pid > INT32_MAX) {
				err_msg("--pid takes a process id, not '%s'",
					optarg);
				return STRATACTL_USAGE;
			}
			break;
		case 'c':
			cgroup = optarg;
			break;
		case 'q':
			if (parse_size_arg(optarg, &quota))
				return STRATACTL_USAGE;
			break;
		case 'h':
			fputs(tier_help, stdout);
			return STRATACTL_OK;
		default:
			err_msg("try 'stratactl tier help'");
			return STRATACTL_USAGE;
		}
	}
	if (optind - 1 < argc) {
		err_msg("'tier add' takes no argument '%s'; try 'stratactl tier help'",
			argv[optind - 1]);
		return STRATACTL_USAGE;
	}
	if (!pid == !cgroup) {
		err_msg("'tier add' needs either --pid PID or --cgroup PATH "
			"(not both)");
		return STRATACTL_USAGE;
	}
	if (cgroup) {
		if (stat(cgroup, &st)) {
			err_msg("cannot register cgroup %s: %s", cgroup,
				strerror(errno));
			return STRATACTL_ERR;
		}
		if (!S_ISDIR(st.st_mode)) {
			err_msg("cannot register cgroup %s: not a directory "
				"(a cgroup v2 directory, e.g. "
				CGROUP_ROOT "/app.slice)", cgroup);
			return STRATACTL_ERR;
		}
	}

	if (!module_loaded(TIER_MODULE))
		return tier_not_loaded();
	ret = daemon_use();
	if (ret < 0)
		return -ret;
	if (ret) {
		ret = add_by_daemon(pid, cgroup, quota, &id);
		if (ret)
			return ret;
		goto out;
	}

	ret = tier_dev_open(&fd);
	if (ret)
		return ret;
	if (cgroup)
		err = strata_tier_register_cgroup(fd, cgroup, quota, &id);
	else
		err = strata_tier_register_pid(fd, pid, quota, &id);
	close(fd);
	if (err)
		return add_fail(err, pid, cgroup);
out:
	if (json_output) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_int64(id));
		print_json(o);
		json_object_put(o);
	} else {
		printf("%u\n", id);
	}
	return STRATACTL_OK;
}

int tier_remove(int argc, char **argv)
{
	char what[64];
	int fd, ret, err;
	__u32 id;

	if (cmd_help(argc, argv, tier_help))
		return STRATACTL_OK;
	if (argc != 1) {
		err_msg("'tier remove' takes one registration id");
		return STRATACTL_USAGE;
	}
	if (parse_id_arg(argv[0], &id))
		return STRATACTL_USAGE;
	if (!module_loaded(TIER_MODULE))
		return tier_not_loaded();
	ret = daemon_use();
	if (ret < 0)
		return -ret;
	if (ret)
		return change_by_daemon("tier.remove", "id",
					json_object_new_int64(id), NULL, NULL);
	ret = tier_dev_open(&fd);
	if (ret)
		return ret;
	err = strata_tier_unregister(fd, id);
	close(fd);
	if (err) {
		snprintf(what, sizeof(what), "remove registration %u", id);
		return tier_fail(err, what, id);
	}
	return STRATACTL_OK;
}

/* tier.quota: @quota in bytes, left out for no limit.  An exit code. */
static int quota_by_daemon(__u32 id, __u64 quota)
{
	struct json_object *req, *reply;
	int ret;

	req = daemon_req("tier.quota");
	json_object_object_add(req, "id", json_object_new_int64(id));
	if (quota != STRATA_TIER_QUOTA_NONE)
		json_object_object_add(req, "quota",
				       json_object_new_uint64(quota));
	ret = daemon_request(req, &reply);
	json_object_put(reply);
	return ret;
}

int tier_quota(int argc, char **argv)
{
	char what[64];
	int fd, ret, err;
	__u64 quota;
	__u32 id;

	if (cmd_help(argc, argv, tier_help))
		return STRATACTL_OK;
	if (argc != 2) {
		err_msg("'tier quota' takes a registration id and a SIZE "
			"(e.g. 512M, or 'unlimited')");
		return STRATACTL_USAGE;
	}
	if (parse_id_arg(argv[0], &id) || parse_size_arg(argv[1], &quota))
		return STRATACTL_USAGE;
	if (!module_loaded(TIER_MODULE))
		return tier_not_loaded();
	ret = daemon_use();
	if (ret < 0)
		return -ret;
	if (ret)
		return quota_by_daemon(id, quota);
	ret = tier_dev_open(&fd);
	if (ret)
		return ret;
	err = strata_tier_set_quota(fd, id, quota);
	close(fd);
	if (err) {
		snprintf(what, sizeof(what), "set the quota of registration %u",
			 id);
		return tier_fail(err, what, id);
	}
	return STRATACTL_OK;
}

/* ---- nodes --------------------------------------------------------------- */

/*
 * tier.nodes: {"auto": true} when @fast is NULL, else {"fast": [...],
 * "slow": [...]}.  An exit code.
 */
static int nodes_by_daemon(const int *fast, unsigned int nr_fast,
			   const int *slow, unsigned int nr_slow)
{
	struct json_object *req, *reply, *arr;
	unsigned int i;
	int ret;

	req = daemon_req("tier.nodes");
	if (!fast) {
		json_object_object_add(req, "auto",
				       json_object_new_boolean(true));
	} else {
		arr = json_object_new_array();
		for (i = 0; i < nr_fast; i++)
			json_object_array_add(arr,
					      json_object_new_int(fast[i]));
		json_object_object_add(req, "fast", arr);
		arr = json_object_new_array();
		for (i = 0; i < nr_slow; i++)
			json_object_array_add(arr,
					      json_object_new_int(slow[i]));
		json_object_object_add(req, "slow", arr);
	}
	ret = daemon_request(req, &reply);
	json_object_put(reply);
	return ret;
}

static int nodes_auto(void)
{
	int fd, ret, err;

	if (!module_loaded(TIER_MODULE))
		return tier_not_loaded();
	ret = daemon_use();
	if (ret < 0)
		return -ret;
	if (ret)
		return nodes_by_daemon(NULL, 0, NULL, 0);
	ret = tier_dev_open(&fd);
	if (ret)
		return ret;
	err = strata_tier_nodes_auto(fd);
	close(fd);
	return err ? tier_fail(err, "return to node discovery", 0) :
		     STRATACTL_OK;
}

/* The nodes marked in @set, into @ids; how many. */
static unsigned int node_ids(const bool *set, int *ids)
{
	unsigned int i, n = 0;

	for (i = 0; i < MAX_NODE_IDS; i++)
		if (set[i])
			ids[n++] = i;
	return n;
}

int tier_nodes(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fast", required_argument, NULL, 'f' },
		{ "slow", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static bool fast[MAX_NODE_IDS], slow[MAX_NODE_IDS];
	static int fast_ids[MAX_NODE_IDS], slow_ids[MAX_NODE_IDS];
	const char *fast_arg = NULL, *slow_arg = NULL;
	unsigned int nr_fast, nr_slow, i;
	int opt, fd, ret, err;

	if (argc == 1 && !strcmp(argv[0], "auto"))
		return nodes_auto();
	optind = 0;
	while ((opt = getopt_long(argc + 1, argv - 1, "+h", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'f':
			fast_arg = optarg;
			break;
		case 's':
			slow_arg = optarg;
			break;
		case 'h':
			fputs(tier_help, stdout);
			return STRATACTL_OK;
		default:
			err_msg("try 'stratactl tier help'");
			return STRATACTL_USAGE;
		}
	}
	if (optind - 1 < argc || !fast_arg || !slow_arg) {
		err_msg("'tier nodes' takes --fast LIST --slow LIST (LIST like "
			"0 or 0-1,3; --slow \"\" for none), or 'auto'");
		return STRATACTL_USAGE;
	}
	if (parse_node_list(fast_arg, fast)) {
		err_msg("--fast: bad node list '%s' (node ids and ranges "
			"below %d, e.g. 0 or 0-1,3)", fast_arg, MAX_NODE_IDS);
		return STRATACTL_USAGE;
	}
	if (parse_node_list(slow_arg, slow)) {
		err_msg("--slow: bad node list '%s' (node ids and ranges "
			"below %d, e.g. 1 or 2-3; \"\" for none)", slow_arg,
			MAX_NODE_IDS);
		return STRATACTL_USAGE;
	}
	for (i = 0; i < MAX_NODE_IDS; i++) {
		if (fast[i] && slow[i]) {
			err_msg("node %u cannot be both fast and slow", i);
			return STRATACTL_USAGE;
		}
	}
	nr_fast = node_ids(fast, fast_ids);
	nr_slow = node_ids(slow, slow_ids);
	if (!nr_fast) {
		err_msg("--fast needs at least one node");
		return STRATACTL_USAGE;
	}

	if (!module_loaded(TIER_MODULE))
		return tier_not_loaded();
	ret = daemon_use();
	if (ret < 0)
		return -ret;
	if (ret)
		return nodes_by_daemon(fast_ids, nr_fast, slow_ids, nr_slow);
	ret = tier_dev_open(&fd);
	if (ret)
		return ret;
	err = strata_tier_set_nodes(fd, fast_ids, nr_fast, slow_ids, nr_slow);
	close(fd);
	if (err == -EINVAL) {
		err_msg("cannot set the node roles: strata_tier refused them: "
			"every node named must exist and have memory ("
			SHOW_HINT ")");
		return STRATACTL_ERR;
	}
	return err ? tier_fail(err, "set the node roles", 0) : STRATACTL_OK;
}

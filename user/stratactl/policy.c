// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - policy: BPF policies, as stratad attaches them
 *
 *   policy list                  stratad's policy.list; without stratad,
 *                                the link pins under /sys/fs/bpf/strata
 *   policy attach FILE|NAME [name POLNAME]
 *   policy detach NAME           through stratad
 *
 * A policy NAME owns /sys/fs/bpf/strata/NAME/, its links pinned in links/
 * (Documentation/stratad.rst, Policies).  As in sandbox.c, the two bpf(2)
 * calls the fallback needs are made directly rather than through libbpf.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "stratactl.h"

#define PIN_ROOT	"/sys/fs/bpf/strata"
#define POLICY_NAME_MAX	32

static const char policy_help[] =
"Usage: stratactl [-j|-p] policy COMMAND [ARGS]\n"
"\n"
"  list                      the policies attached: owner, configured,\n"
"                            links, file\n"
"  attach FILE.bpf.o [name POLNAME]\n"
"                            attach a BPF object (POLNAME defaults to the\n"
"                            file's name without .bpf.o)\n"
"  attach NAME [name POLNAME]\n"
"                            attach NAME.bpf.o from stratad's policy_dir\n"
"  detach NAME               detach a policy stratad attached\n"
"  help                      this help\n"
"\n"
"NAME, POLNAME: 1 to 32 of a-z, 0-9 and _.  FILE: a path (with a '/' or\n"
"ending in .o).  attach and detach need stratad (root or its admin_group);\n"
"list asks stratad, and without it reads the pins under " PIN_ROOT "\n"
"(as root).  Exit status: 0 success, 1 failure, 2 bad usage, 4 stratad\n"
"not running, 5 stratad refused.\n";

/* What libbpf calls them (libbpf_bpf_link_type_str()), by enum value. */
static const char *const link_types[] = {
	"unspec", "raw_tracepoint", "tracing", "cgroup", "iter", "netns",
	"xdp", "perf_event", "kprobe_multi", "struct_ops", "netfilter", "tcx",
	"uprobe_multi", "netkit", "sockmap",
};

static bool policy_name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");

	return n && n <= POLICY_NAME_MAX && !s[n];
}

static int policy_name_arg(const char *s)
{
	if (policy_name_ok(s))
		return 0;
	err_msg("'%s' is not a policy name (1 to %d of a-z, 0-9 and _)", s,
		POLICY_NAME_MAX);
	return -EINVAL;
}

/* ---- list without stratad: the pins ---------------------------------- */

static int link_info(const char *path, struct bpf_link_info *info)
{
	union bpf_attr attr;
	int fd, err = 0;

	fd = bpf_pin_get(path, 0);
	if (fd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(*info);
	attr.info.info = (__u64)(unsigned long)info;
	if (syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)))
		err = -errno;
	close(fd);
	return err;
}

static struct json_object *link_json(const char *name,
				     const struct bpf_link_info *info)
{
	struct json_object *l = json_object_new_object();
	const char *type = "unknown";

	if (info->type < sizeof(link_types) / sizeof(link_types[0]))
		type = link_types[info->type];
	json_object_object_add(l, "name", json_object_new_string(name));
	json_object_object_add(l, "id", json_object_new_int64(info->id));
	json_object_object_add(l, "prog_id",
			       json_object_new_int64(info->prog_id));
	json_object_object_add(l, "type", json_object_new_string(type));
	return l;
}

static int not_dot(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* The links pinned in @dir, as policy.list lists them; 0 or -errno. */
static int links_json(const char *dir, struct json_object *arr)
{
	struct bpf_link_info info;
	char path[PATH_MAX + NAME_MAX + 2];
	struct dirent **list;
	int n, i, err = 0;

	n = scandir(dir, &list, not_dot, alphasort);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		if (!err)
			err = link_info(path, &info);
		if (!err)
			json_object_array_add(arr, link_json(list[i]->d_name,
							     &info));
		free(list[i]);
	}
	free(list);
	return err;
}

/* Every directory of PIN_ROOT with a links/ in it; an exit code. */
static int pins_read(struct json_object *arr)
{
	struct json_object *p, *links;
	struct dirent **list;
	char dir[PATH_MAX];
	struct stat st;
	int n, i, err = 0;

	n = scandir(PIN_ROOT, &list, not_dot, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			return STRATACTL_OK;
		err_msg("cannot read %s: %s%s", PIN_ROOT, strerror(errno),
			errno == EACCES ? " (run as root, or start stratad)" :
			"");
		return STRATACTL_ERR;
	}
	for (i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), PIN_ROOT "/%s/links",
			 list[i]->d_name);
		if (!err && !stat(dir, &st) && S_ISDIR(st.st_mode)) {
			links = json_object_new_array();
			err = links_json(dir, links);
			p = json_object_new_object();
			json_object_object_add(p, "name",
				json_object_new_string(list[i]->d_name));
			json_object_object_add(p, "file", NULL);
			json_object_object_add(p, "configured", NULL);
			json_object_object_add(p, "owner", NULL);
			json_object_object_add(p, "links", links);
			json_object_array_add(arr, p);
			if (err)
				err_msg("cannot read the links pinned in %s: "
					"%s%s", dir, strerror(-err),
					err == -EACCES || err == -EPERM ?
					" (run as root, or start stratad)" :
					"");
		}
		free(list[i]);
	}
	free(list);
	return err ? STRATACTL_ERR : STRATACTL_OK;
}

/* ---- list ------------------------------------------------------------ */

static const char *text_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "-";
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v) ? "yes" : "no";
	return json_object_get_string(v);
}

static size_t nr_links(struct json_object *p)
{
	struct json_object *v;

	if (!json_object_object_get_ex(p, "links", &v) ||
	    !json_object_is_type(v, json_type_array))
		return 0;
	return json_object_array_length(v);
}

static void policies_print(struct json_object *arr)
{
	struct json_object *p;
	size_t i, n = json_object_array_length(arr);

	printf("%-20s %-7s %-10s %5s  %s\n", "NAME", "OWNER", "CONFIGURED",
	       "LINKS", "FILE");
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(arr, i);
		printf("%-20s %-7s %-10s %5zu  %s\n", text_of(p, "name"),
		       text_of(p, "owner"), text_of(p, "configured"),
		       nr_links(p), text_of(p, "file"));
	}
	if (!n)
		printf("(no policies)\n");
}

static int policy_list(int argc, char **argv)
{
	struct json_object *reply, *arr = NULL;
	char why[300];
	int ret = STRATACTL_OK;

	if (cmd_help(argc, argv, policy_help))
		return STRATACTL_OK;
	if (argc) {
		err_msg("'policy list' takes no arguments");
		return STRATACTL_USAGE;
	}
	reply = daemon_query("policy.list", why, sizeof(why));
	if (reply && (!json_object_object_get_ex(reply, "policies", &arr) ||
		      !json_object_is_type(arr, json_type_array))) {
		err_msg("stratad's policy.list reply has no policies");
		json_object_put(reply);
		return STRATACTL_ERR;
	}
	if (reply) {
		json_object_get(arr);
		json_object_put(reply);
	} else {
		err_msg("note: stratad is %s: listing the pins under "
			PIN_ROOT " (file, owner and configured unknown)",
			why[0] ? "not answering" : "not running");
		if (why[0])
			err_msg("note: %s", why);
		arr = json_object_new_array();
		ret = pins_read(arr);
	}
	/* nothing read at all: no table that would say "no policies" */
	if (ret && !json_object_array_length(arr))
		;
	else if (json_output)
		print_json(arr);
	else
		policies_print(arr);
	json_object_put(arr);
	return ret;
}

/* ---- attach, detach -------------------------------------------------- */

/* FILE: a path; NAME: a policy in policy_dir. */
static bool is_file_arg(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n > 2 && !strcmp(s + n - 2, ".o"));
}

/* The policy name a file gives: its name without .bpf.o (or .o). */
static void name_of_file(const char *path, char *name, size_t size)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 6 && !strcmp(base + n - 6, ".bpf.o"))
		n -= 6;
	else if (n > 2 && !strcmp(base + n - 2, ".o"))
		n -= 2;
	snprintf(name, size, "%.*s", (int)n, base);
}

static void attached_print(struct json_object *reply, const char *name)
{
	struct json_object *p = NULL;

	json_object_object_get_ex(reply, "policy", &p);
	if (json_output) {
		print_json(p);
		return;
	}
	if (p)
		printf("policy %s attached from %s: %zu link%s\n", name,
		       text_of(p, "file"), nr_links(p),
		       nr_links(p) == 1 ? "" : "s");
	else
		printf("policy %s attached\n", name);
}

static int policy_attach(int argc, char **argv)
{
	struct json_object *req, *reply;
	char name[PATH_MAX], file[PATH_MAX];
	const char *what;
	bool has_file;
	int ret;

	if (cmd_help(argc, argv, policy_help))
		return STRATACTL_OK;
	if (argc != 1 && !(argc == 3 && !strcmp(argv[1], "name"))) {
		err_msg("'policy attach' takes FILE.bpf.o or NAME, then "
			"optionally 'name POLNAME'");
		return STRATACTL_USAGE;
	}
	what = argv[0];
	has_file = is_file_arg(what);
	if (argc == 3)
		snprintf(name, sizeof(name), "%s", argv[2]);
	else if (has_file)
		name_of_file(what, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "%s", what);
	if (!has_file && policy_name_arg(what))
		return STRATACTL_USAGE;
	if (!policy_name_ok(name)) {
		if (argc == 3)
			policy_name_arg(name);
		else
			err_msg("%s gives the policy name '%s', which is not "
				"one (1 to %d of a-z, 0-9 and _): name it with "
				"'name POLNAME'", what, name,
				POLICY_NAME_MAX);
		return STRATACTL_USAGE;
	}
	if (has_file) {
		if (!realpath(what, file)) {
			err_msg("cannot attach %s: %s", what, strerror(errno));
			return STRATACTL_ERR;
		}
	} else if (argc == 3) {
		/* NAME.bpf.o, relative: in stratad's policy_dir */
		snprintf(file, sizeof(file), "%s.bpf.o", what);
		has_file = true;
	}

	req = daemon_req("policy.attach");
	json_object_object_add(req, "name", json_object_new_string(name));
	if (has_file)
		json_object_object_add(req, "file",
				       json_object_new_string(file));
	ret = daemon_request(req, &reply);
	if (!ret)
		attached_print(reply, name);
	json_object_put(reply);
	return ret;
}

static int policy_detach(int argc, char **argv)
{
	struct json_object *req, *reply;
	int ret;

	if (cmd_help(argc, argv, policy_help))
		return STRATACTL_OK;
	if (argc != 1) {
		err_msg("'policy detach' takes one policy NAME (see "
			"'stratactl policy list')");
		return STRATACTL_USAGE;
	}
	if (policy_name_arg(argv[0]))
		return STRATACTL_USAGE;
	req = daemon_req("policy.detach");
	json_object_object_add(req, "name", json_object_new_string(argv[0]));
	ret = daemon_request(req, &reply);
	json_object_put(reply);
	return ret;
}

static const struct cmd policy_cmds[] = {
	{ "list", policy_list },
	{ "attach", policy_attach },
	{ "detach", policy_detach },
	{ NULL, NULL },
};

int do_policy(int argc, char **argv)
{
	return cmd_dispatch("policy", policy_cmds, policy_help, argc, argv);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - the strata command line: stratactl [OPTIONS] OBJECT COMMAND
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <linux/bpf.h>

#include "ipc.h"
#include "stratactl.h"

bool json_output;
bool pretty_output;

static const char usage_text[] =
"Usage: stratactl [OPTIONS] OBJECT COMMAND [ARGS]\n"
"\n"
"OBJECT := { status | module | policy | cap | sandbox | tier | gang | gpu }\n"
"  status            modules loaded, with BTF or not; is stratad running\n"
"  module list       the strata modules: state, users, parameters\n"
"  module load|unload\n"
"                    load or unload a module (through stratad)\n"
"  policy list       BPF policies attached, their links\n"
"  policy attach|detach\n"
"                    attach or detach a policy (through stratad)\n"
"  cap stat          live handle tables, handles and objects; limits\n"
"  sandbox show      capability mode: programs loaded, refusals\n"
"  sandbox run       run a program in capability mode with handles\n"
"  tier show         memory tiers, registrations and their counters\n"
"  tier add|remove|quota\n"
"                    register processes or cgroups, set their quotas\n"
"  tier nodes        override which nodes are fast and slow\n"
"  tier set|get      module parameters of strata_tier\n"
"  tier top          live view of the registrations\n"
"  gang list|show    GPU gangs: state, members, GPUs, counters\n"
"  gang status       the gang scheduler: mode, policy, free GPUs and CPUs\n"
"  gang create       create a gang and run a command as each member\n"
"  gang kill         abort a gang by its koid\n"
"  gpu list          the GPUs strata_gang hands out, and who holds them\n"
"'stratactl OBJECT --help' describes an object's commands.\n"
"\n"
"OPTIONS:\n"
"  -j, --json        JSON output\n"
"  -p, --pretty      pretty-printed JSON output (implies -j)\n"
"  -s, --socket PATH stratad's socket (default: $STRATA_SOCKET, else\n"
"                    " STRATAD_SOCKET ")\n"
"  -h, --help        this help\n"
"\n"
"module load|unload and policy attach|detach need stratad.  tier add,\n"
"remove, set and gang kill go through stratad when it runs (root or its\n"
"admin_group), and are done directly (as root) when it does not.\n"
"\n"
"Exit status: 0 success, 1 failure, 2 bad usage, 3 module or programs\n"
"not loaded, 4 stratad is needed and not running, 5 stratad refused\n"
"(not root, not in its admin_group); sandbox run: the program's own once\n"
"it runs; gang create: 0 when the gang ended DONE, else 1.\n";

static const struct cmd objects[] = {
	{ "status", do_status },
	{ "module", do_module },
	{ "policy", do_policy },
	{ "cap", do_cap },
	{ "sandbox", do_sandbox },
	{ "tier", do_tier },
	{ "gang", do_gang },
	{ "gpu", do_gpu },
	{ NULL, NULL },
};

void err_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("stratactl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void print_json(struct json_object *obj)
{
	int flags = pretty_output ? JSON_C_TO_STRING_PRETTY |
				    JSON_C_TO_STRING_SPACED :
				    JSON_C_TO_STRING_PLAIN;

	puts(json_object_to_json_string_ext(obj, flags));
}

bool module_loaded(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return access(path, F_OK) == 0;
}

int read_sysfs_long(const char *path, long *val)
{
	FILE *f = fopen(path, "r");
	int ret;

	if (!f)
		return -errno;
	ret = fscanf(f, "%ld", val) == 1 ? 0 : -EIO;
	fclose(f);
	return ret;
}

/* An fd for the BPF object pinned at @path (BPF_OBJ_GET), or -1 (errno). */
int bpf_pin_get(const char *path, __u32 flags)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = (__u64)(unsigned long)path;
	attr.file_flags = flags;
	return syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr));
}

int parse_u64(const char *s, __u64 min, __u64 max, __u64 *v)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end || n < min || n > max)
		return -EINVAL;
	*v = n;
	return 0;
}

bool cmd_help(int argc, char **argv, const char *help)
{
	if (argc == 1 && (!strcmp(argv[0], "--help") ||
			  !strcmp(argv[0], "-h"))) {
		fputs(help, stdout);
		return true;
	}
	return false;
}

int cmd_dispatch(const char *object, const struct cmd *cmds, const char *help,
		 int argc, char **argv)
{
	const struct cmd *c;

	if (argc == 1 && (!strcmp(argv[0], "help") ||
			  !strcmp(argv[0], "--help") ||
			  !strcmp(argv[0], "-h"))) {
		fputs(help, stdout);
		return STRATACTL_OK;
	}
	if (argc < 1) {
		err_msg("'%s' needs a command; try 'stratactl %s help'",
			object, object);
		return STRATACTL_USAGE;
	}
	for (c = cmds; c->name; c++)
		if (!strcmp(argv[0], c->name))
			return c->func(argc - 1, argv + 1);
	err_msg("unknown command '%s %s'; try 'stratactl %s help'", object,
		argv[0], object);
	return STRATACTL_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("STRATA_SOCKET");
	const struct cmd *c;
	int opt;

	if (env && *env)
		daemon_socket = env;
	while ((opt = getopt_long(argc, argv, "+jps:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json_output = true;
			break;
		case 'p':
			json_output = true;
			pretty_output = true;
			break;
		case 's':
			if (!*optarg) {
				err_msg("-s takes the path of stratad's socket");
				return STRATACTL_USAGE;
			}
			daemon_socket = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return STRATACTL_OK;
		default:
			fputs(usage_text, stderr);
			return STRATACTL_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		fputs(usage_text, stderr);
		return STRATACTL_USAGE;
	}
	if (!strcmp(argv[0], "help")) {
		fputs(usage_text, stdout);
		return STRATACTL_OK;
	}
	for (c = objects; c->name; c++)
		if (!strcmp(argv[0], c->name))
			return c->func(argc - 1, argv + 1);
	err_msg("unknown object '%s'; try 'stratactl --help'", argv[0]);
	return STRATACTL_USAGE;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - sandbox: capability mode
 *
 *   sandbox show   are the programs loaded; refusals per rule; the last ones
 *   sandbox run    start a program in capability mode with handles of its own
 *
 * show reads the maps the loader (bpf/cap_sandbox.c) pins.  stratactl does
 * not link libbpf, so the two bpf(2) calls it needs are made directly.
 */
#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/types.h>

#include <strata.h>

#include "stratactl.h"
#include "../../bpf/cap_sandbox.h"

#define LINK_DIR	CAP_SANDBOX_PIN_DIR "/links"
#define ENTER_LINK	LINK_DIR "/sandbox_file_ioctl"
#define DENIALS_PIN	CAP_SANDBOX_PIN_DIR "/denials"
#define RECENT_PIN	CAP_SANDBOX_PIN_DIR "/recent"

#define NOT_LOADED_HINT	"run 'cap_sandbox load' or start stratad"

/* ---- show ---------------------------------------------------------------- */

static const char show_help[] =
"Usage: stratactl [-j|-p] sandbox show\n"
"\n"
"Whether the capability-mode programs are loaded (pinned under\n"
CAP_SANDBOX_PIN_DIR "), how many calls each rule refused, and the\n"
"last refusals, oldest first.  Needs root (the pins are root's).\n"
"Exit status 3 when the programs are not loaded.\n";

static int bpf_lookup(int map, __u32 key, void *value)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = map;
	attr.key = (__u64)(unsigned long)&key;
	attr.value = (__u64)(unsigned long)value;
	return syscall(__NR_bpf, BPF_MAP_LOOKUP_ELEM, &attr, sizeof(attr));
}

static const char *rule_name(__u32 rule)
{
	return rule < CAP_SANDBOX_NR_RULES && cap_sandbox_rule_names[rule] ?
	       cap_sandbox_rule_names[rule] : "?";
}

/* Pinned links: one per program the loader attached. */
static int count_links(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(LINK_DIR);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A string of at most @size bytes, not always terminated. */
static struct json_object *json_string(const char *s, size_t size)
{
	return json_object_new_string_len(s, strnlen(s, size));
}

static struct json_object *event_json(const struct cap_sandbox_event *ev)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "time_ns",
			       json_object_new_int64((int64_t)ev->time_ns));
	json_object_object_add(o, "pid", json_object_new_int64(ev->pid));
	json_object_object_add(o, "tgid", json_object_new_int64(ev->tgid));
	json_object_object_add(o, "comm", json_string(ev->comm,
						      sizeof(ev->comm)));
	json_object_object_add(o, "rule",
			       json_object_new_string(rule_name(ev->rule)));
	json_object_object_add(o, "hook", json_string(ev->hook,
						      sizeof(ev->hook)));
	json_object_object_add(o, "err", json_object_new_int(ev->err));
	return o;
}

static void event_print(const struct cap_sandbox_event *ev)
{
	printf("  [%6llu.%06llu] %7u %7u %-16.16s %-9s %.24s\n",
	       (unsigned long long)(ev->time_ns / 1000000000ULL),
	       (unsigned long long)(ev->time_ns % 1000000000ULL / 1000),
	       ev->pid, ev->tgid, ev->comm, rule_name(ev->rule), ev->hook);
}

static int sandbox_show(int argc, char **argv)
{
	struct cap_sandbox_event ev, head;
	struct json_object *o, *rules, *recent;
	__u64 count, total, first, i;
	int denials = -1, ring = -1, links, ret = STRATACTL_ERR;
	__u32 r;

	if (argc == 1 && (!strcmp(argv[0], "--help") ||
			  !strcmp(argv[0], "-h"))) {
		fputs(show_help, stdout);
		return STRATACTL_OK;
	}
	if (argc) {
		err_msg("'sandbox show' takes no arguments");
		return STRATACTL_USAGE;
	}
	if (access(ENTER_LINK, F_OK)) {
		if (errno == EACCES) {
			err_msg("cannot look under %s: %s (run as root)",
				CAP_SANDBOX_PIN_DIR, strerror(errno));
			return STRATACTL_ERR;
		}
		err_msg("the capability-mode programs are not loaded (%s is not pinned): "
			NOT_LOADED_HINT, ENTER_LINK);
		return STRATACTL_NOT_LOADED;
	}
	links = count_links();
	denials = bpf_pin_get(DENIALS_PIN, BPF_F_RDONLY);
	if (denials < 0) {
		err_msg("cannot open %s: %s", DENIALS_PIN, strerror(errno));
		return STRATACTL_ERR;
	}
	ring = bpf_pin_get(RECENT_PIN, BPF_F_RDONLY);
	if (ring < 0) {
		err_msg("cannot open %s: %s", RECENT_PIN, strerror(errno));
		close(denials);
		return STRATACTL_ERR;
	}

	o = json_object_new_object();
	rules = json_object_new_object();
	recent = json_object_new_array();
	json_object_object_add(o, "loaded", json_object_new_boolean(true));
	json_object_object_add(o, "pin_dir",
			       json_object_new_string(CAP_SANDBOX_PIN_DIR));
	json_object_object_add(o, "programs",
			       json_object_new_int(links < 0 ? 0 : links));

	/* The extra slot's time_ns is the number of refusals ever made. */
	if (bpf_lookup(ring, CAP_SANDBOX_RECENT, &head)) {
		err_msg("cannot read %s: %s", RECENT_PIN, strerror(errno));
		goto out;
	}
	total = head.time_ns;
	json_object_object_add(o, "refusals",
			       json_object_new_int64((int64_t)total));
	if (!json_output) {
		printf("capability mode  loaded: %d programs pinned under %s\n",
		       links < 0 ? 0 : links, CAP_SANDBOX_PIN_DIR);
		printf("refusals         %llu\n\nrefusals per rule:\n",
		       (unsigned long long)total);
	}
	for (r = 0; r < CAP_SANDBOX_NR_RULES; r++) {
		if (bpf_lookup(denials, r, &count)) {
			err_msg("cannot read %s: %s", DENIALS_PIN,
				strerror(errno));
			goto out;
		}
		json_object_object_add(rules, rule_name(r),
				       json_object_new_int64((int64_t)count));
		if (!json_output)
			printf("  %-10s %llu\n", rule_name(r),
			       (unsigned long long)count);
	}

	/*
	 * The ring holds the last CAP_SANDBOX_RECENT refusals; the oldest is
	 * in the slot the next one will take.  A slot whose refusal is being
	 * written as we read may be empty (time 0) or a mix of two: this is
	 * a view, not a log (cap_sandbox run prints every refusal).
	 */
	first = total > CAP_SANDBOX_RECENT ? total - CAP_SANDBOX_RECENT : 0;
	if (!json_output)
		printf("\nrecent refusals, oldest first:\n"
		       "  %15s %7s %7s %-16s %-9s %s\n",
		       "[TIME]", "PID", "TGID", "COMM", "RULE", "HOOK");
	for (i = first; i < total; i++) {
		if (bpf_lookup(ring, i % CAP_SANDBOX_RECENT, &ev)) {
			err_msg("cannot read %s: %s", RECENT_PIN,
				strerror(errno));
			goto out;
		}
		if (!ev.time_ns)
			continue;
		if (json_output)
			json_object_array_add(recent, event_json(&ev));
		else
			event_print(&ev);
	}
	if (!json_output && !total)
		printf("  (none)\n");
	ret = STRATACTL_OK;
out:
	json_object_object_add(o, "denials", rules);
	json_object_object_add(o, "recent", recent);
	if (json_output && ret == STRATACTL_OK)
		print_json(o);
	json_object_put(o);
	close(ring);
	close(denials);
	return ret;
}

/* ---- run ----------------------------------------------------------------- */

static const char run_help[] =
"Usage: stratactl sandbox run [--vmo NAME=SIZE]... [--keep-fd N]... -- CMD [ARGS]\n"
"\n"
"Run CMD in capability mode with a handle table of its own.\n"
"\n"
"  --vmo NAME=SIZE   create a VMO of SIZE bytes (suffix K, M or G) and pass\n"
"                    its handle as STRATA_HANDLE_<NAME> (NAME upper-cased)\n"
"  --keep-fd N       keep file descriptor N open (0, 1 and 2 always are)\n"
"  -h, --help        this help\n"
"\n"
"The table's fd is passed as STRATA_TABLE_FD.  Every other descriptor is\n"
"closed, capability mode is entered, and CMD (looked up in PATH) is run\n"
"from a descriptor.  CMD must be statically linked: the dynamic loader\n"
"would have to open libraries by path, which capability mode refuses.\n"
"Exit status: CMD's own once it runs; before that 1 (failure), 2 (bad\n"
"usage), 3 (strata_cap or the capability-mode programs not loaded).\n";

#define MAX_VMOS	64
#define MAX_KEEP	64

struct vmo_arg {
	char env[64];		/* STRATA_HANDLE_<NAME> */
	__u64 size;
};

static int parse_size(const char *s, __u64 *size)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'G': case 'g':
		v = v > (~0ULL >> 30) ? ~0ULL : v << 30;
		end++;
		break;
	case 'M': case 'm':
		v = v > (~0ULL >> 20) ? ~0ULL : v << 20;
		end++;
		break;
	case 'K': case 'k':
		v = v > (~0ULL >> 10) ? ~0ULL : v << 10;
		end++;
		break;
	}
	if (*end || !v || v > STRATA_VMO_MAX_SIZE)
		return -EINVAL;
	*size = v;
	return 0;
}

static int parse_vmo(const char *arg, struct vmo_arg *v)
{
	const char *eq = strchr(arg, '=');
	size_t len, i, pre = strlen("STRATA_HANDLE_");

	if (!eq || eq == arg) {
		err_msg("--vmo takes NAME=SIZE, not '%s'", arg);
		return -EINVAL;
	}
	len = eq - arg;
	if (pre + len >= sizeof(v->env)) {
		err_msg("--vmo: name too long in '%s'", arg);
		return -EINVAL;
	}
	memcpy(v->env, "STRATA_HANDLE_", pre);
	for (i = 0; i < len; i++) {
		unsigned char c = arg[i];

		if (!isalnum(c) && c != '_') {
			err_msg("--vmo: NAME is letters, digits and '_', not '%.*s'",
				(int)len, arg);
			return -EINVAL;
		}
		v->env[pre + i] = toupper(c);
	}
	v->env[pre + len] = '\0';
	if (parse_size(eq + 1, &v->size)) {
		err_msg("--vmo: bad size '%s' (bytes, or a number with K, M or G; at most 1024G)",
			eq + 1);
		return -EINVAL;
	}
	return 0;
}

/*
 * Find @cmd as execvp(3) would; returns a descriptor open for reading.
 * Capability mode executes only files held open for real: an O_PATH
 * descriptor would be refused (it can be had by name in the sandbox).
 */
static int open_cmd(const char *cmd, char *path, size_t size)
{
	const char *dirs, *p, *colon;
	int fd, err = ENOENT;
	struct stat st;
	size_t len;

	if (strchr(cmd, '/')) {
		if ((size_t)snprintf(path, size, "%s", cmd) >= size)
			return -ENAMETOOLONG;
		if (stat(path, &st))
			return -errno;
		if (!S_ISREG(st.st_mode) || access(path, X_OK))
			return -EACCES;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	dirs = getenv("PATH");
	if (!dirs || !*dirs)
		dirs = "/usr/local/bin:/usr/bin:/bin";
	for (p = dirs; ; p = colon + 1) {
		colon = strchr(p, ':');
		len = colon ? (size_t)(colon - p) : strlen(p);
		if ((size_t)snprintf(path, size, "%.*s%s%s", (int)len, p,
				     len ? "/" : "", cmd) < size &&
		    !stat(path, &st) && S_ISREG(st.st_mode)) {
			if (!access(path, X_OK)) {
				fd = open(path, O_RDONLY | O_CLOEXEC);
				if (fd >= 0)
					return fd;
			}
			err = EACCES;
		}
		if (!colon)
			break;
	}
	return -err;
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ELFDATA_NATIVE	ELFDATA2LSB
#else
#define ELFDATA_NATIVE	ELFDATA2MSB
#endif

/* What CMD is; distinct from elf_has_interp()'s 0 and 1. */
enum cmd_kind { CMD_STATIC = 10, CMD_DYNAMIC, CMD_SCRIPT, CMD_OTHER };

static const char dynamic_hint[] =
"its loader would open its libraries by path, which capability mode refuses.\n"
"Build it statically, or start it normally and have it call\n"
"strata_sandbox_enter() once it has started.";

static const char script_hint[] =
"capability mode refuses to start an interpreter found by name.  Feed the\n"
"script to a statically linked interpreter on its standard input\n"
"(busybox sh < SCRIPT).";

/* Whether the ELF file @fd has a PT_INTERP program header. */
static int elf_has_interp(int fd, const unsigned char *ident)
{
	size_t phsize, n, i;
	__u64 phoff;
	__u16 phnum;

	/* p_type is the first word of a program header in both classes. */
	if (ident[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;

		if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh))
			return -ENOEXEC;
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phsize = eh.e_phentsize;
		if (phsize < sizeof(Elf64_Phdr))
			return phnum ? -ENOEXEC : 0;
	} else if (ident[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr eh;

		if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh))
			return -ENOEXEC;
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phsize = eh.e_phentsize;
		if (phsize < sizeof(Elf32_Phdr))
			return phnum ? -ENOEXEC : 0;
	} else {
		return -ENOEXEC;
	}
	for (i = 0; i < phnum; i++) {
		Elf32_Word type;

		n = pread(fd, &type, sizeof(type), phoff + i * phsize);
		if (n != sizeof(type))
			return -ENOEXEC;
		if (type == PT_INTERP)
			return 1;
	}
	return 0;
}

/*
 * What the file behind the descriptor @fd is.  It is reopened through
 * /proc (with an offset of its own) so that what is checked is what will
 * run.
 */
static int cmd_kind(int fd, const char *path)
{
	unsigned char ident[EI_NIDENT] = { 0 };
	char proc[64];
	int rfd, ret;
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	rfd = open(proc, O_RDONLY | O_CLOEXEC);
	if (rfd < 0)
		rfd = open(path, O_RDONLY | O_CLOEXEC);
	if (rfd < 0)
		return -errno;
	n = pread(rfd, ident, sizeof(ident), 0);
	if (n >= 2 && ident[0] == '#' && ident[1] == '!')
		ret = CMD_SCRIPT;
	else if (n != sizeof(ident) || memcmp(ident, ELFMAG, SELFMAG))
		ret = CMD_OTHER;
	else if (ident[EI_DATA] != ELFDATA_NATIVE)
		ret = CMD_OTHER;	/* not for this machine: exec says so */
	else
		ret = elf_has_interp(rfd, ident);
	if (ret == 0 || ret == 1)
		ret = ret ? CMD_DYNAMIC : CMD_STATIC;
	else if (ret < 0)
		ret = CMD_OTHER;	/* a broken ELF file: exec says so */
	close(rfd);
	return ret;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every descriptor but those of @keep (sorted). */
static int close_others(int *keep, int nkeep)
{
	unsigned int from = 0;
	int i;

	qsort(keep, nkeep, sizeof(*keep), cmp_int);
	for (i = 0; i < nkeep; i++) {
		if ((unsigned int)keep[i] > from &&
		    close_range(from, keep[i] - 1, 0))
			return -errno;
		from = keep[i] + 1;
	}
	return close_range(from, ~0U, 0) ? -errno : 0;
}

static int sandbox_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vmo", required_argument, NULL, 'v' },
		{ "keep-fd", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmo_arg vmos[MAX_VMOS];
	int keep[MAX_KEEP + 5], nvmo = 0, nkeep = 0;
	int opt, i, j, table, cmd_fd, err;
	char path[PATH_MAX], val[32];
	long fd;
	char *end;
	__u32 h;

	/* argv[0] is the first argument: getopt wants it at argv[1]. */
	optind = 0;
	while ((opt = getopt_long(argc + 1, argv - 1, "+h", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'v':
			if (nvmo == MAX_VMOS) {
				err_msg("at most %d --vmo", MAX_VMOS);
				return STRATACTL_USAGE;
			}
			if (parse_vmo(optarg, &vmos[nvmo]))
				return STRATACTL_USAGE;
			for (j = 0; j < nvmo; j++)
				if (!strcmp(vmos[j].env, vmos[nvmo].env)) {
					err_msg("--vmo: %s given twice",
						vmos[nvmo].env);
					return STRATACTL_USAGE;
				}
			nvmo++;
			break;
		case 'k':
			errno = 0;
			fd = strtol(optarg, &end, 10);
			if (!*optarg || *end || errno || fd < 0 ||
			    fd > INT_MAX) {
				err_msg("--keep-fd takes a descriptor number, not '%s'",
					optarg);
				return STRATACTL_USAGE;
			}
			if (nkeep == MAX_KEEP) {
				err_msg("at most %d --keep-fd", MAX_KEEP);
				return STRATACTL_USAGE;
			}
			if (fcntl(fd, F_GETFD) < 0) {
				err_msg("--keep-fd %ld: %s", fd,
					strerror(errno));
				return STRATACTL_USAGE;
			}
			keep[nkeep++] = fd;
			break;
		case 'h':
			fputs(run_help, stdout);
			return STRATACTL_OK;
		default:
			fputs(run_help, stderr);
			return STRATACTL_USAGE;
		}
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 1) {
		err_msg("'sandbox run' needs a command; try 'stratactl sandbox run --help'");
		return STRATACTL_USAGE;
	}

	cmd_fd = open_cmd(argv[0], path, sizeof(path));
	if (cmd_fd < 0) {
		err_msg("%s: %s", argv[0], strerror(-cmd_fd));
		return STRATACTL_ERR;
	}
	switch (cmd_kind(cmd_fd, path)) {
	case CMD_DYNAMIC:
		err_msg("%s is dynamically linked: %s", path, dynamic_hint);
		return STRATACTL_ERR;
	case CMD_SCRIPT:
		err_msg("%s is a script: %s", path, script_hint);
		return STRATACTL_ERR;
	default:
		/* Static, or not an ELF file for this machine: exec decides. */
		break;
	}

	table = strata_cap_open(0);
	if (table < 0) {
		if (table == -ENOENT || table == -ENODEV || table == -ENXIO) {
			err_msg("cannot open %s: %s: strata_cap is not loaded",
				STRATA_CAP_DEV, strerror(-table));
			return STRATACTL_NOT_LOADED;
		}
		err_msg("cannot open %s: %s", STRATA_CAP_DEV,
			strerror(-table));
		return STRATACTL_ERR;
	}
	for (i = 0; i < nvmo; i++) {
		err = strata_vmo_create(table, vmos[i].size, 0, &h);
		if (err) {
			err_msg("cannot create the VMO %s: %s",
				vmos[i].env + strlen("STRATA_HANDLE_"),
				strerror(-err));
			return STRATACTL_ERR;
		}
		snprintf(val, sizeof(val), "%u", h);
		if (setenv(vmos[i].env, val, 1)) {
			err_msg("setenv: %s", strerror(errno));
			return STRATACTL_ERR;
		}
	}
	snprintf(val, sizeof(val), "%d", table);
	if (setenv("STRATA_TABLE_FD", val, 1)) {
		err_msg("setenv: %s", strerror(errno));
		return STRATACTL_ERR;
	}

	/* Kept descriptors survive the exec, whatever their flags were. */
	for (i = 0; i < nkeep; i++)
		fcntl(keep[i], F_SETFD, 0);
	keep[nkeep++] = 0;
	keep[nkeep++] = 1;
	keep[nkeep++] = 2;
	keep[nkeep++] = table;
	keep[nkeep++] = cmd_fd;		/* O_CLOEXEC: gone after the exec */
	fflush(NULL);
	err = close_others(keep, nkeep);
	if (err) {
		err_msg("cannot close descriptors: %s", strerror(-err));
		return STRATACTL_ERR;
	}

	err = strata_sandbox_enter(table);
	if (err == -EOPNOTSUPP) {
		err_msg("cannot enter capability mode: the programs are not loaded; "
			NOT_LOADED_HINT);
		return STRATACTL_NOT_LOADED;
	}
	if (err) {
		err_msg("cannot enter capability mode: %s", strerror(-err));
		return STRATACTL_ERR;
	}

	execveat(cmd_fd, "", argv, environ, AT_EMPTY_PATH);
	err = errno;
	if (err == EPERM)
		err_msg("capability mode refused to run %s: %s (see 'stratactl sandbox show')",
			path, strerror(err));
	else
		err_msg("cannot run %s: %s", path, strerror(err));
	return STRATACTL_ERR;
}

static const char sandbox_help[] =
"Usage: stratactl [-j|-p] sandbox COMMAND [ARGS]\n"
"\n"
"  show                      are the capability-mode programs loaded; how\n"
"                            many calls each rule refused; the last ones\n"
"  run [--vmo NAME=SIZE]... [--keep-fd N]... [--] CMD [ARGS]\n"
"                            run CMD in capability mode with a handle table\n"
"                            of its own; 'sandbox run --help' for more\n"
"  help                      this help\n"
"\n"
"show needs root (the pins are root's).  Exit status: 0 success,\n"
"1 failure, 2 bad usage, 3 strata_cap or the programs not loaded;\n"
"run: CMD's own once it runs.\n";

static const struct cmd sandbox_cmds[] = {
	{ "show", sandbox_show },
	{ "run", sandbox_run },
	{ NULL, NULL },
};

int do_sandbox(int argc, char **argv)
{
	return cmd_dispatch("sandbox", sandbox_cmds, sandbox_help, argc,
			    argv);
}

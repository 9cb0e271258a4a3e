// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - gang, gpu: GPU gang scheduling (strata_gang)
 *
 *   gang list            every gang and its counters
 *   gang show KOID       one gang, every field
 *   gang status          the scheduler: mode, policy, free GPUs and CPUs
 *   gang create ... -- CMD [ARGS]
 *                        create a gang and run CMD as each of its members
 *   gang kill KOID       abort a gang by its koid (gang_kill.c)
 *   gpu list             every GPU, the gang holding it, its counters
 *
 * Everything goes through libstrata's gang calls on /dev/strata/gang.
 * list and show read every gang (LIST), which anyone who can open the
 * device may do; only kill acts on a gang this stratactl did not create,
 * through stratad or as root.
 * JSON output keeps the units of the uapi (ns); the text output converts
 * them to seconds and microseconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

#include "stratactl.h"

#define GANG_MODULE	"strata_gang"

#define NOT_LOADED_HINT	"load it with 'stratactl module load gang' (stratad) " \
			"or 'modprobe strata_gang'"
#define LIST_HINT	"see 'stratactl gang list'"
#define NICE_HINT	"a priority above 0 and --cosched need CAP_SYS_NICE " \
			"(run as root)"

/* How long create waits, once its members are gone, for DONE or ABORTED. */
#define FINAL_WAIT_NS	(5 * 1000000000LL)

static const char gang_help[] =
"Usage: stratactl [-j|-p] gang COMMAND [ARGS]\n"
"\n"
"  list                      every gang: state, members, GPUs, counters\n"
"  show KOID                 one gang, every field\n"
"  status                    the scheduler: mode, policy, free GPUs, CPUs\n"
"  create --members N --gpus-per-member G [OPTIONS] -- CMD [ARGS]\n"
"                            create a gang, run CMD as each member, wait;\n"
"                            'stratactl gang create --help' for the options\n"
"  kill KOID                 abort a gang (through stratad when it runs,\n"
"                            else directly, as root)\n"
"  help                      this help\n"
"\n"
"KOID: a gang's koid, as 'gang list' shows it.  MEMBERS in 'list' is\n"
"joined/alive/total, GPUS is held/needed, SKEW-US is last/max co-start skew.\n"
"list, show and status need no privilege beyond opening /dev/strata/gang.\n"
"Exit status: 0 success, 1 failure, 2 bad usage, 3 strata_gang not loaded,\n"
"5 stratad refused (kill);\n"
"create: 0 when the gang ended DONE, 1 otherwise.\n";

static const char create_help[] =
"Usage: stratactl [-j|-p] gang create --members N --gpus-per-member G\n"
"           [--priority P] [--slice MS] [--on-exit abort|shrink] [--cosched]\n"
"           [--stop] [--runtime-hint MS] [--name NAME] -- CMD [ARGS]\n"
"\n"
"Create a gang of N members needing G GPUs each, start N processes, each\n"
"of which joins the gang and executes CMD, wait for them all and report\n"
"the gang's final state.\n"
"\n"
"  --members N           members, 1 to 64\n"
"  --gpus-per-member G   GPUs per member, 1 to 8\n"
"  --priority P          0 (default) to 7, higher first; above 0 needs\n"
"                        CAP_SYS_NICE\n"
"  --slice MS            slice length, 1 to 60000 ms (default: the module's)\n"
"  --on-exit ACTION      when a member dies: abort (default) the gang, or\n"
"                        shrink it (release the member's GPUs, go on)\n"
"  --cosched             pin each member to a CPU of its own while the gang\n"
"                        runs (needs CAP_SYS_NICE unless the module allows)\n"
"  --stop                stop (SIGSTOP) the members when a slice ends, for\n"
"                        programs that never call STEP\n"
"  --runtime-hint MS     expected GPU time of the whole job (backfill uses it)\n"
"  --name NAME           a label for listings, at most 15 bytes\n"
"  -h, --help            this help\n"
"\n"
"Each member's CMD gets its own handle table, which holds its handle to the\n"
"gang, and these environment variables (decimal numbers):\n"
"  STRATA_GANG_TABLE_FD  the table's file descriptor\n"
"  STRATA_GANG_HANDLE    the gang's handle in that table\n"
"  STRATA_GANG_MEMBER    the member index JOIN gave\n"
"The process has joined already.  CMD must call STEP between units of work\n"
"(strata_gang_step()) unless --stop is given, and LEAVE (strata_gang_leave())\n"
"before it exits: a member that exits without LEAVE has died.\n"
"SIGINT or SIGTERM to stratactl kills the gang and is passed on to the\n"
"members.  Exit status: 0 when the gang ended DONE, 1 otherwise (a member\n"
"that could not start, died, or the gang was aborted), 2 bad usage,\n"
"3 strata_gang not loaded.  CMD's own exit status is reported, not returned.\n";

static const char gpu_help[] =
"Usage: stratactl [-j|-p] gpu COMMAND\n"
"\n"
"  list      every GPU strata_gang hands out: kind, name, device number,\n"
"            the gang holding it, and for fake GPUs kernels run, busy time\n"
"            and context switches\n"
"  help      this help\n"
"\n"
"Exit status: 0 success, 1 failure, 2 bad usage, 3 strata_gang not loaded.\n";

static bool want_help(int argc, char **argv, const char *help)
{
	if (argc == 1 && (!strcmp(argv[0], "--help") ||
			  !strcmp(argv[0], "-h"))) {
		fputs(help, stdout);
		return true;
	}
	return false;
}

/* ---- the device and its errors ------------------------------------------- */

static int gang_not_loaded(void)
{
	err_msg("strata_gang is not loaded: " NOT_LOADED_HINT);
	return STRATACTL_NOT_LOADED;
}

/* Open STRATA_GANG_DEV into @fd; STRATACTL_OK or an exit code (said why). */
int gang_dev_open(int *fd)
{
	int ret;

	if (!module_loaded(GANG_MODULE))
		return gang_not_loaded();
	ret = strata_gang_open();
	if (ret == -ENOENT || ret == -ENODEV || ret == -ENXIO) {
		err_msg("cannot open %s: %s: strata_gang is not loaded: "
			NOT_LOADED_HINT, STRATA_GANG_DEV, strerror(-ret));
		return STRATACTL_NOT_LOADED;
	}
	if (ret < 0) {
		err_msg("cannot open %s: %s%s", STRATA_GANG_DEV,
			strerror(-ret), ret == -EACCES || ret == -EPERM ?
			" (ask the administrator for access, or run as root)" :
			"");
		return STRATACTL_ERR;
	}
	*fd = ret;
	return STRATACTL_OK;
}

/* ---- snapshots ----------------------------------------------------------- */

/* Every gang, by koid, into *@gangs (to be freed); 0 or -errno. */
static int gangs_read(int fd, struct strata_gang_info **gangs, __u32 *nr)
{
	__u32 cap, count;
	int err;

	*gangs = NULL;
	err = strata_gang_list(fd, NULL, 0, &count);
	while (!err) {
		cap = count + 8;
		free(*gangs);
		*gangs = calloc(cap, sizeof(**gangs));
		if (!*gangs)
			return -ENOMEM;
		err = strata_gang_list(fd, *gangs, cap, &count);
		if (!err && count <= cap) {
			*nr = count;
			return 0;
		}
	}
	free(*gangs);
	*gangs = NULL;
	return err;
}

/* Every GPU into *@gpus (to be freed); 0 or -errno. */
static int gpus_read(int fd, struct strata_gang_gpu **gpus, __u32 *nr)
{
	__u32 cap, count;
	int err;

	*gpus = NULL;
	err = strata_gang_gpus(fd, NULL, 0, &count);
	while (!err) {
		cap = count + 4;
		free(*gpus);
		*gpus = calloc(cap, sizeof(**gpus));
		if (!*gpus)
			return -ENOMEM;
		err = strata_gang_gpus(fd, *gpus, cap, &count);
		if (!err && count <= cap) {
			*nr = count;
			return 0;
		}
	}
	free(*gpus);
	*gpus = NULL;
	return err;
}

/* ---- formatting ---------------------------------------------------------- */

/* The names of an enum's values, indexed by value; "?" for others. */
static const char *const exit_action_names[] = {
	[STRATA_GANG_EXIT_ABORT] = "abort",
	[STRATA_GANG_EXIT_SHRINK] = "shrink",
};
static const char *const mode_names[] = {
	[STRATA_GANG_MODE_STOCK] = "stock",
	[STRATA_GANG_MODE_SCX] = "sched_ext",
};
static const char *const policy_names[] = {
	[STRATA_GANG_POLICY_LAS] = "las",
	[STRATA_GANG_POLICY_FIFO] = "fifo",
	[STRATA_GANG_POLICY_BACKFILL] = "backfill",
};
static const char *const kind_names[] = {
	[STRATA_GANG_GPU_FAKE] = "fake",
	[STRATA_GANG_GPU_PCI] = "pci",
};

#define NAME_OF(names, v) \
	((v) < sizeof(names) / sizeof((names)[0]) && (names)[v] ? (names)[v] : "?")

static const char *exit_action_name(__u32 action)
{
	return NAME_OF(exit_action_names, action);
}

static const char *mode_name(__u32 mode)
{
	return NAME_OF(mode_names, mode);
}

static const char *policy_name(__u32 policy)
{
	return NAME_OF(policy_names, policy);
}

static const char *kind_name(__u32 kind)
{
	return NAME_OF(kind_names, kind);
}

static const char *gang_name(const struct strata_gang_info *g, char *buf)
{
	memcpy(buf, g->name, STRATA_GANG_NAME_LEN);
	buf[STRATA_GANG_NAME_LEN] = '\0';
	return buf[0] ? buf : "-";
}

static struct json_object *name_json(const char *name, size_t size)
{
	return json_object_new_string_len(name, strnlen(name, size));
}

/* The GPU ids of @mask as "0-3,6", or "-" for none. */
static const char *fmt_gpus(__u64 mask, char *buf, size_t size)
{
	unsigned int i, j;
	size_t len = 0;

	buf[0] = '\0';
	for (i = 0; i < 64 && len < size; i = j) {
		if (!(mask & (1ULL << i))) {
			j = i + 1;
			continue;
		}
		for (j = i + 1; j < 64 && (mask & (1ULL << j)); j++)
			;
		if (j - 1 == i)
			len += snprintf(buf + len, size - len, "%s%u",
					len ? "," : "", i);
		else
			len += snprintf(buf + len, size - len, "%s%u-%u",
					len ? "," : "", i, j - 1);
	}
	return buf[0] ? buf : "-";
}

/* A device number in new_encode_dev() form as "major:minor", or "-". */
static const char *fmt_dev(__u32 dev, char *buf, size_t size)
{
	if (!dev)
		return "-";
	snprintf(buf, size, "%u:%u", (dev & 0xfff00) >> 8,
		 (dev & 0xff) | ((dev >> 12) & 0xfff00));
	return buf;
}

static void add_u64(struct json_object *o, const char *key, __u64 v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void add_str(struct json_object *o, const char *key, const char *s)
{
	json_object_object_add(o, key, json_object_new_string(s));
}

static struct json_object *gang_json(const struct strata_gang_info *g)
{
	struct json_object *o = json_object_new_object(), *a;
	const char *reason;
	unsigned int i;

	add_u64(o, "koid", g->koid);
	json_object_object_add(o, "name", name_json(g->name, sizeof(g->name)));
	add_u64(o, "uid", g->uid);
	add_str(o, "state", strata_gang_state_name(g->state));
	/* null unless aborted */
	reason = strata_gang_abort_reason_name(g->abort_reason);
	json_object_object_add(o, "abort_reason",
			       g->state == STRATA_GANG_ABORTED ?
			       json_object_new_string(reason) : NULL);
	add_u64(o, "nr_members", g->nr_members);
	add_u64(o, "joined", g->joined);
	add_u64(o, "alive", g->alive);
	add_u64(o, "deaths", g->deaths);
	add_u64(o, "gpus_per_member", g->gpus_per_member);
	add_u64(o, "nr_gpus", g->nr_gpus);
	a = json_object_new_array();
	for (i = 0; i < 64; i++)
		if (g->gpu_mask & (1ULL << i))
			json_object_array_add(a, json_object_new_int(i));
	json_object_object_add(o, "gpus", a);
	add_u64(o, "priority", g->priority);
	add_u64(o, "slice_ms", g->slice_ms);
	add_str(o, "on_member_exit", exit_action_name(g->on_member_exit));
	a = json_object_new_array();
	if (g->flags & STRATA_GANG_COSCHED)
		json_object_array_add(a, json_object_new_string("cosched"));
	if (g->flags & STRATA_GANG_STOP)
		json_object_array_add(a, json_object_new_string("stop"));
	json_object_object_add(o, "flags", a);
	add_u64(o, "slices", g->slices);
	add_u64(o, "preemptions", g->preemptions);
	add_u64(o, "attained_ns", g->attained_ns);
	add_u64(o, "run_ns", g->run_ns);
	add_u64(o, "wait_ns", g->wait_ns);
	add_u64(o, "last_skew_ns", g->last_skew_ns);
	add_u64(o, "max_skew_ns", g->max_skew_ns);
	add_u64(o, "created_ns", g->created_ns);
	return o;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* "100 ms", or "default" for 0 (the module's slice_ms). */
static const char *fmt_slice(__u32 ms, char *buf, size_t size)
{
	if (!ms)
		return "default";
	snprintf(buf, size, "%u ms", ms);
	return buf;
}

/* The create flags in words: "cosched, stop", or "none". */
static const char *fmt_flags(__u32 flags)
{
	switch (flags & (STRATA_GANG_COSCHED | STRATA_GANG_STOP)) {
	case STRATA_GANG_COSCHED | STRATA_GANG_STOP:
		return "cosched, stop";
	case STRATA_GANG_COSCHED:
		return "cosched";
	case STRATA_GANG_STOP:
		return "stop";
	default:
		return "none";
	}
}

static void gang_print(const struct strata_gang_info *g)
{
	char name[STRATA_GANG_NAME_LEN + 1], gpus[256], slice[32];
	__u64 now = now_ns();

	printf("gang %llu (%s): %s", (unsigned long long)g->koid,
	       gang_name(g, name), strata_gang_state_name(g->state));
	if (g->state == STRATA_GANG_ABORTED)
		printf(" (%s)",
		       strata_gang_abort_reason_name(g->abort_reason));
	printf("\n  members    %u: %u joined, %u alive, %llu died; "
	       "on member exit: %s\n", g->nr_members, g->joined, g->alive,
	       (unsigned long long)g->deaths,
	       exit_action_name(g->on_member_exit));
	printf("  gpus       %u per member, %u needed, holding %s\n",
	       g->gpus_per_member, g->nr_gpus,
	       fmt_gpus(g->gpu_mask, gpus, sizeof(gpus)));
	printf("  priority   %u, slice %s, flags %s\n", g->priority,
	       fmt_slice(g->slice_ms, slice, sizeof(slice)),
	       fmt_flags(g->flags));
	printf("  slices     %llu started, %llu preempted; co-start skew "
	       "last %.1f us, max %.1f us\n",
	       (unsigned long long)g->slices,
	       (unsigned long long)g->preemptions, g->last_skew_ns / 1e3,
	       g->max_skew_ns / 1e3);
	printf("  time       running %.3f s, queued %.3f s, attained "
	       "%.3f GPU-s\n", g->run_ns / 1e9, g->wait_ns / 1e9,
	       g->attained_ns / 1e9);
	printf("  created    %.1f s ago by uid %u\n",
	       now > g->created_ns ? (now - g->created_ns) / 1e9 : 0.0,
	       g->uid);
}

/* ---- list, show, status -------------------------------------------------- */

static int gang_list(int argc, char **argv)
{
	struct strata_gang_info *gangs;
	char name[STRATA_GANG_NAME_LEN + 1], members[32], gpus[32];
	char slice[32], skew[48];
	struct json_object *arr;
	int fd, ret, err;
	__u32 nr, i;

	if (want_help(argc, argv, gang_help))
		return STRATACTL_OK;
	if (argc) {
		err_msg("'gang list' takes no arguments");
		return STRATACTL_USAGE;
	}
	ret = gang_dev_open(&fd);
	if (ret)
		return ret;
	err = gangs_read(fd, &gangs, &nr);
	close(fd);
	if (err) {
		err_msg("cannot list the gangs: %s", strerror(-err));
		return STRATACTL_ERR;
	}

	if (json_output) {
		arr = json_object_new_array();
		for (i = 0; i < nr; i++)
			json_object_array_add(arr, gang_json(&gangs[i]));
		print_json(arr);
		json_object_put(arr);
		free(gangs);
		return STRATACTL_OK;
	}
	printf("%8s  %-15s %-8s %-8s %5s %4s %7s %9s %8s %7s %7s %13s %6s\n",
	       "KOID", "NAME", "STATE", "MEMBERS", "GPUS", "PRIO", "SLICE",
	       "GPU-S", "WAIT-S", "SLICES", "PREEMPT", "SKEW-US", "UID");
	for (i = 0; i < nr; i++) {
		const struct strata_gang_info *g = &gangs[i];

		snprintf(members, sizeof(members), "%u/%u/%u", g->joined,
			 g->alive, g->nr_members);
		snprintf(gpus, sizeof(gpus), "%u/%u",
			 __builtin_popcountll(g->gpu_mask), g->nr_gpus);
		if (g->slice_ms)
			snprintf(slice, sizeof(slice), "%ums", g->slice_ms);
		else
			snprintf(slice, sizeof(slice), "default");
		snprintf(skew, sizeof(skew), "%llu/%llu",
			 (unsigned long long)(g->last_skew_ns / 1000),
			 (unsigned long long)(g->max_skew_ns / 1000));
		printf("%8llu  %-15s %-8s %-8s %5s %4u %7s %9.1f %8.1f %7llu "
		       "%7llu %13s %6u\n", (unsigned long long)g->koid,
		       gang_name(g, name), strata_gang_state_name(g->state),
		       members, gpus, g->priority, slice, g->attained_ns / 1e9,
		       g->wait_ns / 1e9, (unsigned long long)g->slices,
		       (unsigned long long)g->preemptions, skew, g->uid);
	}
	if (!nr)
		printf("%8s  (no gangs)\n", "");
	free(gangs);
	return STRATACTL_OK;
}

static int gang_show(int argc, char **argv)
{
	struct strata_gang_info *gangs, *g = NULL;
	int fd, ret, err;
	__u32 nr, i;
	__u64 koid;

	if (want_help(argc, argv, gang_help))
		return STRATACTL_OK;
	if (argc != 1) {
		err_msg("'gang show' takes one KOID (" LIST_HINT ")");
		return STRATACTL_USAGE;
	}
	if (parse_u64(argv[0], 1, UINT64_MAX, &koid)) {
		err_msg("'%s' is not a gang koid (a number that "
			"'stratactl gang list' shows)", argv[0]);
		return STRATACTL_USAGE;
	}
	ret = gang_dev_open(&fd);
	if (ret)
		return ret;
	err = gangs_read(fd, &gangs, &nr);
	close(fd);
	if (err) {
		err_msg("cannot list the gangs: %s", strerror(-err));
		return STRATACTL_ERR;
	}
	for (i = 0; i < nr && !g; i++)
		if (gangs[i].koid == koid)
			g = &gangs[i];
	if (!g) {
		err_msg("no gang %llu (" LIST_HINT "; a gang is listed while "
			"a handle to it or a member remains)",
			(unsigned long long)koid);
		free(gangs);
		return STRATACTL_ERR;
	}
	if (json_output) {
		struct json_object *o = gang_json(g);

		print_json(o);
		json_object_put(o);
	} else {
		gang_print(g);
	}
	free(gangs);
	return STRATACTL_OK;
}

static int gang_status(int argc, char **argv)
{
	struct strata_gang_status st;
	struct json_object *o;
	int fd, ret, err;

	if (want_help(argc, argv, gang_help))
		return STRATACTL_OK;
	if (argc) {
		err_msg("'gang status' takes no arguments");
		return STRATACTL_USAGE;
	}
	ret = gang_dev_open(&fd);
	if (ret)
		return ret;
	err = strata_gang_status(fd, &st);
	close(fd);
	if (err) {
		err_msg("cannot read the scheduler's status: %s",
			strerror(-err));
		return STRATACTL_ERR;
	}
	if (!json_output) {
		printf("mode           %s\n", mode_name(st.mode));
		printf("sched_ext      %llu attached, %llu detached\n",
		       (unsigned long long)st.scx_attaches,
		       (unsigned long long)st.scx_detaches);
		printf("policy         %s\n", policy_name(st.policy));
		printf("bpf policy     %s\n", st.bpf_policy ? "yes" : "no");
		printf("gpus           %u free of %u\n", st.free_gpus,
		       st.nr_gpus);
		printf("cpus           %u free of %u\n", st.free_cpus,
		       st.nr_cpus);
		printf("gangs          %u: %u queued, %u running\n", st.gangs,
		       st.queued, st.running);
		printf("admitted       %llu\n",
		       (unsigned long long)st.admitted);
		printf("preemptions    %llu\n",
		       (unsigned long long)st.preemptions);
		printf("aborts         %llu\n", (unsigned long long)st.aborts);
		printf("member deaths  %llu\n", (unsigned long long)st.deaths);
		return STRATACTL_OK;
	}
	o = json_object_new_object();
	add_str(o, "mode", mode_name(st.mode));
	add_u64(o, "scx_attaches", st.scx_attaches);
	add_u64(o, "scx_detaches", st.scx_detaches);
	add_str(o, "policy", policy_name(st.policy));
	json_object_object_add(o, "bpf_policy",
			       json_object_new_boolean(st.bpf_policy));
	add_u64(o, "nr_gpus", st.nr_gpus);
	add_u64(o, "free_gpus", st.free_gpus);
	add_u64(o, "nr_cpus", st.nr_cpus);
	add_u64(o, "free_cpus", st.free_cpus);
	add_u64(o, "gangs", st.gangs);
	add_u64(o, "queued", st.queued);
	add_u64(o, "running", st.running);
	add_u64(o, "admitted", st.admitted);
	add_u64(o, "preemptions", st.preemptions);
	add_u64(o, "aborts", st.aborts);
	add_u64(o, "deaths", st.deaths);
	print_json(o);
	json_object_put(o);
	return STRATACTL_OK;
}

/* ---- create -------------------------------------------------------------- */

/*
 * The rights of each member's handle: enough to join, step, leave, wait
 * and inspect; not to change the gang's priority (SET_PROPERTY), kill it
 * (DESTROY) or revoke.  A member that must give up exits without LEAVE.
 */
#define MEMBER_RIGHTS	(STRATA_RIGHT_DUPLICATE | STRATA_RIGHT_TRANSFER | \
			 STRATA_RIGHT_READ | STRATA_RIGHT_WRITE |	  \
			 STRATA_RIGHT_GET_PROPERTY | STRATA_RIGHT_WAIT |  \
			 STRATA_RIGHT_INSPECT)

/* Where a member's process stopped before CMD ran. */
enum start_stage {
	START_TABLE,
	START_IMPORT,
	START_DEVICE,
	START_JOIN,
	START_ENV,
	START_EXEC,
};

static const char *const start_what[] = {
	[START_TABLE] = "cannot open a handle table (" STRATA_CAP_DEV ")",
	[START_IMPORT] = "cannot import its handle to the gang",
	[START_DEVICE] = "cannot open " STRATA_GANG_DEV,
	[START_JOIN] = "cannot join the gang",
	[START_ENV] = "cannot set its environment",
	[START_EXEC] = "cannot execute the command",
};

/* Written on the report pipe by a member's process that cannot start. */
struct start_report {
	__u32 index;
	__u32 stage;
	__s32 err;
};

struct member_proc {
	pid_t pid;
	bool reaped;
	bool failed;		/* it reported a start failure */
	int status;		/* waitpid()'s, once reaped */
};

static volatile sig_atomic_t create_signal;

static void create_on_signal(int sig)
{
	create_signal = sig;
}

static void __attribute__((noreturn))
start_fail(int report, unsigned int index, enum start_stage stage, int err)
{
	struct start_report r = {
		.index = index,
		.stage = stage,
		.err = err < 0 ? -err : err,
	};
	ssize_t n;

	n = write(report, &r, sizeof(r));
	(void)n;
	_exit(127);
}

static int set_env_number(const char *name, unsigned long long v)
{
	char val[32];

	snprintf(val, sizeof(val), "%llu", v);
	return setenv(name, val, 1) ? -errno : 0;
}

/*
 * In member @index's process: a table of its own (kept across exec), the
 * gang's handle imported from @handle_fd into it, JOIN, the environment,
 * exec.  Whatever fails is written to @report (closed by the exec).
 */
static void __attribute__((noreturn))
member_start(unsigned int index, int handle_fd, int report, char **cmd)
{
	int table, dev, err;
	__u32 handle, member;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	table = strata_cap_open(0);
	if (table < 0)
		start_fail(report, index, START_TABLE, table);
	err = strata_handle_import(table, handle_fd, &handle);
	if (err)
		start_fail(report, index, START_IMPORT, err);
	close(handle_fd);
	dev = strata_gang_open();
	if (dev < 0)
		start_fail(report, index, START_DEVICE, dev);
	err = strata_gang_join(dev, table, handle, &member);
	if (err)
		start_fail(report, index, START_JOIN, err);
	close(dev);
	err = set_env_number(STRATA_GANG_ENV_TABLE_FD, table);
	if (!err)
		err = set_env_number(STRATA_GANG_ENV_HANDLE, handle);
	if (!err)
		err = set_env_number(STRATA_GANG_ENV_MEMBER, member);
	if (err)
		start_fail(report, index, START_ENV, err);
	execvp(cmd[0], cmd);
	start_fail(report, index, START_EXEC, errno);
}

/* Whether execvp() could find @cmd: 0 or -errno. */
static int cmd_check(const char *cmd)
{
	const char *dirs, *p, *colon;
	char path[PATH_MAX];
	int err = -ENOENT;
	size_t len;

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) ? -errno : 0;
	dirs = getenv("PATH");
	if (!dirs || !*dirs)
		dirs = "/usr/local/bin:/usr/bin:/bin";
	for (p = dirs; ; p = colon + 1) {
		colon = strchr(p, ':');
		len = colon ? (size_t)(colon - p) : strlen(p);
		if ((size_t)snprintf(path, sizeof(path), "%.*s%s%s", (int)len,
				     p, len ? "/" : "", cmd) < sizeof(path)) {
			if (!access(path, X_OK))
				return 0;
			if (errno == EACCES)
				err = -EACCES;
		}
		if (!colon)
			return err;
	}
}

/* What a failed CREATE of @p means. */
static int create_fail(int err, const struct strata_gang_create *p)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		if (p->priority || (p->flags & STRATA_GANG_COSCHED)) {
			err_msg("cannot create the gang: %s: " NICE_HINT,
				strerror(-err));
			break;
		}
		/* fall through */
	case -EBADF:
		err_msg("cannot create the gang: %s (creating needs %s open "
			"for writing: run as root or ask for access)",
			strerror(-err), STRATA_GANG_DEV);
		break;
	case -EDQUOT:
	case -ENOSPC:
		err_msg("cannot create the gang: %s: too many gangs (the "
			"module parameter user_max_gangs limits each user)",
			strerror(-err));
		break;
	case -E2BIG:
		err_msg("cannot create the gang: it needs more GPUs than the "
			"machine has (see 'stratactl gpu list')");
		break;
	default:
		err_msg("cannot create the gang: %s", strerror(-err));
		break;
	}
	return STRATACTL_ERR;
}

struct create_args {
	struct strata_gang_create params;
	char **cmd;
};

/* STRATACTL_OK, an exit code (said why), or -1 when it printed the help. */
static int create_parse(int argc, char **argv, struct create_args *a)
{
	static const struct option opts[] = {
		{ "members", required_argument, NULL, 'm' },
		{ "gpus-per-member", required_argument, NULL, 'g' },
		{ "priority", required_argument, NULL, 'P' },
		{ "slice", required_argument, NULL, 's' },
		{ "on-exit", required_argument, NULL, 'e' },
		{ "cosched", no_argument, NULL, 'c' },
		{ "stop", no_argument, NULL, 'S' },
		{ "runtime-hint", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct strata_gang_create *p = &a->params;
	int opt;
	__u64 v;

	memset(a, 0, sizeof(*a));
	/* argv[0] is the first argument: getopt wants it at argv[1]. */
	optind = 0;
	while ((opt = getopt_long(argc + 1, argv - 1, "+h", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (parse_u64(optarg, 1, STRATA_GANG_MAX_MEMBERS, &v)) {
				err_msg("--members takes a number from 1 to "
					"%u, not '%s'",
					STRATA_GANG_MAX_MEMBERS, optarg);
				return STRATACTL_USAGE;
			}
			p->nr_members = v;
			break;
		case 'g':
			if (parse_u64(optarg, 1,
				      STRATA_GANG_MAX_GPUS_PER_MEMBER, &v)) {
				err_msg("--gpus-per-member takes a number from "
					"1 to %u, not '%s'",
					STRATA_GANG_MAX_GPUS_PER_MEMBER,
					optarg);
				return STRATACTL_USAGE;
			}
			p->gpus_per_member = v;
			break;
		case 'P':
			if (parse_u64(optarg, 0, STRATA_GANG_MAX_PRIORITY,
				      &v)) {
				err_msg("--priority takes a number from 0 to "
					"%d, not '%s'",
					STRATA_GANG_MAX_PRIORITY, optarg);
				return STRATACTL_USAGE;
			}
			p->priority = v;
			break;
		case 's':
			if (parse_u64(optarg, 1, STRATA_GANG_MAX_SLICE_MS,
				      &v)) {
				err_msg("--slice takes milliseconds from 1 to "
					"%u, not '%s'",
					STRATA_GANG_MAX_SLICE_MS, optarg);
				return STRATACTL_USAGE;
			}
			p->slice_ms = v;
			break;
		case 'e':
			if (!strcmp(optarg, "abort")) {
				p->on_member_exit = STRATA_GANG_EXIT_ABORT;
			} else if (!strcmp(optarg, "shrink")) {
				p->on_member_exit = STRATA_GANG_EXIT_SHRINK;
			} else {
				err_msg("--on-exit takes abort or shrink, not "
					"'%s'", optarg);
				return STRATACTL_USAGE;
			}
			break;
		case 'c':
			p->flags |= STRATA_GANG_COSCHED;
			break;
		case 'S':
			p->flags |= STRATA_GANG_STOP;
			break;
		case 'r':
			if (parse_u64(optarg, 0, UINT64_MAX, &v)) {
				err_msg("--runtime-hint takes milliseconds, "
					"not '%s'", optarg);
				return STRATACTL_USAGE;
			}
			p->runtime_hint_ms = v;
			break;
		case 'n':
			if (strlen(optarg) >= STRATA_GANG_NAME_LEN) {
				err_msg("--name: '%s' is too long (at most %u "
					"bytes)", optarg,
					STRATA_GANG_NAME_LEN - 1);
				return STRATACTL_USAGE;
			}
			strcpy(p->name, optarg);
			break;
		case 'h':
			fputs(create_help, stdout);
			return -1;
		default:
			err_msg("try 'stratactl gang create --help'");
			return STRATACTL_USAGE;
		}
	}
	if (!p->nr_members || !p->gpus_per_member) {
		err_msg("'gang create' needs --members N and "
			"--gpus-per-member G; try 'stratactl gang create --help'");
		return STRATACTL_USAGE;
	}
	if (optind - 1 >= argc) {
		err_msg("'gang create' needs a command to run: ... -- CMD "
			"[ARGS]; try 'stratactl gang create --help'");
		return STRATACTL_USAGE;
	}
	a->cmd = argv + optind - 1;
	return STRATACTL_OK;
}

/* Kill the gang (once) and pass @sig on to the members still running. */
static void create_stop(int dev, int table, __u32 handle, bool *killed,
			struct member_proc *procs, unsigned int n, int sig)
{
	unsigned int i;
	int err;

	if (!*killed) {
		err = strata_gang_kill(dev, table, handle);
		if (err)
			err_msg("cannot kill the gang: %s", strerror(-err));
		*killed = true;
	}
	for (i = 0; sig && i < n; i++) {
		if (procs[i].reaped)
			continue;
		kill(procs[i].pid, sig);
		/* A member stopped at the end of a slice must see it. */
		kill(procs[i].pid, SIGCONT);
	}
}

/* Act on a SIGINT or SIGTERM stratactl received since the last call. */
static void create_check_signal(int dev, int table, __u32 handle,
				bool *killed, struct member_proc *procs,
				unsigned int n)
{
	int sig = create_signal;

	if (!sig)
		return;
	create_signal = 0;
	create_stop(dev, table, handle, killed, procs, n, sig);
}

static struct json_object *proc_json(const struct member_proc *p)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "pid", json_object_new_int(p->pid));
	json_object_object_add(o, "started",
			       json_object_new_boolean(!p->failed));
	/* exit_status or signal; the other is null */
	json_object_object_add(o, "exit_status",
			       p->reaped && WIFEXITED(p->status) ?
			       json_object_new_int(WEXITSTATUS(p->status)) :
			       NULL);
	json_object_object_add(o, "signal",
			       p->reaped && WIFSIGNALED(p->status) ?
			       json_object_new_int(WTERMSIG(p->status)) :
			       NULL);
	return o;
}

static void proc_print(const struct member_proc *p)
{
	printf("  process    %d: ", p->pid);
	if (p->failed)
		printf("could not start CMD, ");
	if (!p->reaped)
		printf("not reaped\n");
	else if (WIFEXITED(p->status))
		printf("exited with status %d\n", WEXITSTATUS(p->status));
	else if (WIFSIGNALED(p->status))
		printf("killed by signal %d (%s)\n", WTERMSIG(p->status),
		       strsignal(WTERMSIG(p->status)));
	else
		printf("wait status 0x%x\n", p->status);
}

static void create_report(const struct strata_gang_info *info, bool have_info,
			  const struct member_proc *procs, unsigned int n)
{
	struct json_object *o, *arr;
	unsigned int i;

	if (!json_output) {
		if (have_info)
			gang_print(info);
		for (i = 0; i < n; i++)
			proc_print(&procs[i]);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "gang", have_info ? gang_json(info) : NULL);
	arr = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(arr, proc_json(&procs[i]));
	json_object_object_add(o, "processes", arr);
	print_json(o);
	json_object_put(o);
}

/* Read the start reports until every member has exec'd or exited. */
static bool create_read_reports(int rd, int dev, int table, __u32 handle,
				bool *killed, struct member_proc *procs,
				unsigned int n)
{
	struct start_report r;
	bool failed = false;
	ssize_t got;

	for (;;) {
		create_check_signal(dev, table, handle, killed, procs, n);
		got = read(rd, &r, sizeof(r));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (got != sizeof(r) || r.index >= n ||
		    r.stage > START_EXEC)
			continue;
		procs[r.index].failed = true;
		failed = true;
		err_msg("member process %d %s: %s", procs[r.index].pid,
			start_what[r.stage], strerror(r.err));
		/* All or nothing: the others cannot succeed without it. */
		create_stop(dev, table, handle, killed, procs, n, SIGTERM);
	}
	return failed;
}

static void create_reap(int dev, int table, __u32 handle, bool *killed,
			struct member_proc *procs, unsigned int n)
{
	unsigned int left = n, i;
	int status;
	pid_t pid;

	for (i = 0; i < n; i++)
		if (procs[i].reaped)
			left--;
	while (left) {
		create_check_signal(dev, table, handle, killed, procs, n);
		pid = waitpid(-1, &status, 0);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break;
		for (i = 0; i < n; i++) {
			if (procs[i].pid == pid && !procs[i].reaped) {
				procs[i].reaped = true;
				procs[i].status = status;
				left--;
			}
		}
	}
}

static int gang_create(int argc, char **argv)
{
	struct strata_gang_status st;
	struct strata_gang_info info;
	struct member_proc *procs = NULL;
	struct create_args a;
	struct sigaction sa;
	int dev = -1, table = -1, report[2] = { -1, -1 };
	int ret, err, hfd;
	bool killed = false, failed = false, have_info;
	unsigned int i, n = 0;
	__u32 handle = 0, dup;
	__u64 need;
	pid_t pid;

	ret = create_parse(argc, argv, &a);
	if (ret)
		return ret < 0 ? STRATACTL_OK : ret;
	ret = gang_dev_open(&dev);
	if (ret)
		return ret;
	err = cmd_check(a.cmd[0]);
	if (err) {
		err_msg("cannot run %s: %s", a.cmd[0], strerror(-err));
		ret = STRATACTL_ERR;
		goto out;
	}

	/* Say it before the module does, in words. */
	need = (__u64)a.params.nr_members * a.params.gpus_per_member;
	if (!strata_gang_status(dev, &st) && need > st.nr_gpus) {
		err_msg("the gang would need %llu GPUs (%u members x %u), the "
			"machine has %u (see 'stratactl gpu list')",
			(unsigned long long)need, a.params.nr_members,
			a.params.gpus_per_member, st.nr_gpus);
		ret = STRATACTL_ERR;
		goto out;
	}

	table = strata_cap_open(O_CLOEXEC);
	if (table < 0) {
		err_msg("cannot open a handle table (%s): %s", STRATA_CAP_DEV,
			strerror(-table));
		ret = table == -ENOENT || table == -ENODEV || table == -ENXIO ?
		      STRATACTL_NOT_LOADED : STRATACTL_ERR;
		goto out;
	}
	err = strata_gang_create(dev, table, &a.params, &handle);
	if (err) {
		ret = create_fail(err, &a.params);
		goto out;
	}
	err = strata_gang_info(dev, table, handle, &info);
	if (err) {
		err_msg("cannot read the new gang's koid: %s", strerror(-err));
		ret = STRATACTL_ERR;
		goto out;
	}
	procs = calloc(a.params.nr_members, sizeof(*procs));
	if (!procs || pipe2(report, O_CLOEXEC)) {
		err_msg("cannot start the members: %s", strerror(errno));
		ret = STRATACTL_ERR;
		goto out;
	}
	if (!json_output)
		err_msg("gang %llu created; starting %u members of %s",
			(unsigned long long)info.koid, a.params.nr_members,
			a.cmd[0]);

	/* No SA_RESTART: a signal ends the waits below at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = create_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fflush(NULL);

	/*
	 * A table serves only the process that opened it, so each member's
	 * process gets its handle as an exported file (close-on-exec) and
	 * imports it into a table of its own.
	 */
	for (i = 0; i < a.params.nr_members && !create_signal; i++) {
		err = strata_handle_duplicate(table, handle, MEMBER_RIGHTS,
					      &dup);
		if (err) {
			err_msg("cannot duplicate the gang's handle: %s",
				strerror(-err));
			failed = true;
			break;
		}
		hfd = strata_handle_export(table, dup, STRATA_RIGHT_SAME_RIGHTS,
					   O_CLOEXEC);
		if (hfd < 0) {
			err_msg("cannot export the gang's handle: %s",
				strerror(-hfd));
			strata_handle_close(table, dup);
			failed = true;
			break;
		}
		pid = fork();
		if (pid == 0) {
			close(report[0]);
			member_start(i, hfd, report[1], a.cmd);
		}
		close(hfd);
		if (pid < 0) {
			err_msg("cannot fork: %s", strerror(errno));
			failed = true;
			break;
		}
		procs[n++].pid = pid;
	}
	close(report[1]);
	report[1] = -1;
	/* All or nothing: without all its members the gang cannot run. */
	if (failed)
		create_stop(dev, table, handle, &killed, procs, n, SIGTERM);

	if (create_read_reports(report[0], dev, table, handle, &killed, procs,
				n))
		failed = true;
	create_reap(dev, table, handle, &killed, procs, n);

	/* The module learns of a member's exit after the parent may. */
	strata_object_wait_one(table, handle, STRATA_GANG_SIGNAL_DONE |
			       STRATA_GANG_SIGNAL_ABORTED,
			       strata_deadline_after(FINAL_WAIT_NS), NULL);
	err = strata_gang_info(dev, table, handle, &info);
	have_info = !err;
	if (err)
		err_msg("cannot read the gang's final state: %s",
			strerror(-err));
	create_report(&info, have_info, procs, n);
	ret = !failed && have_info && info.state == STRATA_GANG_DONE ?
	      STRATACTL_OK : STRATACTL_ERR;
out:
	if (report[0] >= 0)
		close(report[0]);
	if (report[1] >= 0)
		close(report[1]);
	free(procs);
	if (table >= 0)
		close(table);
	close(dev);
	return ret;
}

/* ---- gpu list ------------------------------------------------------------ */

static struct json_object *gpu_json(const struct strata_gang_gpu *g)
{
	struct json_object *o = json_object_new_object();
	char dev[32];

	add_u64(o, "id", g->id);
	add_str(o, "kind", kind_name(g->kind));
	json_object_object_add(o, "name", name_json(g->name, sizeof(g->name)));
	/* null: no device node known */
	json_object_object_add(o, "dev", g->dev ?
			       json_object_new_string(fmt_dev(g->dev, dev,
							      sizeof(dev))) :
			       NULL);
	/* null: free */
	json_object_object_add(o, "gang_koid", g->gang_koid ?
			       json_object_new_uint64(g->gang_koid) : NULL);
	add_u64(o, "kernels", g->kernels);
	add_u64(o, "busy_ns", g->busy_ns);
	add_u64(o, "switch_ns", g->switch_ns);
	add_u64(o, "switches", g->switches);
	return o;
}

static int gpu_list(int argc, char **argv)
{
	struct strata_gang_gpu *gpus;
	struct json_object *arr;
	char dev[32], koid[32];
	int fd, ret, err;
	__u32 nr, i;

	if (want_help(argc, argv, gpu_help))
		return STRATACTL_OK;
	if (argc) {
		err_msg("'gpu list' takes no arguments");
		return STRATACTL_USAGE;
	}
	ret = gang_dev_open(&fd);
	if (ret)
		return ret;
	err = gpus_read(fd, &gpus, &nr);
	close(fd);
	if (err) {
		err_msg("cannot list the GPUs: %s", strerror(-err));
		return STRATACTL_ERR;
	}
	if (json_output) {
		arr = json_object_new_array();
		for (i = 0; i < nr; i++)
			json_object_array_add(arr, gpu_json(&gpus[i]));
		print_json(arr);
		json_object_put(arr);
		free(gpus);
		return STRATACTL_OK;
	}
	printf("%4s  %-4s  %-16s %-9s %8s %9s %9s %9s\n", "ID", "KIND", "NAME",
	       "DEV", "GANG", "KERNELS", "BUSY-S", "SWITCHES");
	for (i = 0; i < nr; i++) {
		const struct strata_gang_gpu *g = &gpus[i];

		if (g->gang_koid)
			snprintf(koid, sizeof(koid), "%llu",
				 (unsigned long long)g->gang_koid);
		else
			snprintf(koid, sizeof(koid), "-");
		printf("%4u  %-4s  %-16.*s %-9s %8s", g->id,
		       kind_name(g->kind),
		       (int)strnlen(g->name, sizeof(g->name)), g->name,
		       fmt_dev(g->dev, dev, sizeof(dev)), koid);
		if (g->kind == STRATA_GANG_GPU_FAKE)
			printf(" %9llu %9.3f %9llu\n",
			       (unsigned long long)g->kernels,
			       g->busy_ns / 1e9,
			       (unsigned long long)g->switches);
		else
			printf(" %9s %9s %9s\n", "-", "-", "-");
	}
	if (!nr)
		printf("%4s  (no GPUs: load strata_gang with fake_gpus=N for "
		       "fake ones)\n", "");
	free(gpus);
	return STRATACTL_OK;
}

static const struct cmd gang_cmds[] = {
	{ "list", gang_list },
	{ "show", gang_show },
	{ "status", gang_status },
	{ "create", gang_create },
	{ "kill", gang_kill },
	{ NULL, NULL },
};

static const struct cmd gpu_cmds[] = {
	{ "list", gpu_list },
	{ NULL, NULL },
};

int do_gang(int argc, char **argv)
{
	return cmd_dispatch("gang", gang_cmds, gang_help, argc, argv);
}

int do_gpu(int argc, char **argv)
{
	return cmd_dispatch("gpu", gpu_cmds, gpu_help, argc, argv);
}

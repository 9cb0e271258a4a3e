// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - gang list, show, status and gpu list: what strata_gang shows
 * of its gangs, its scheduler and its GPUs
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

#include "stratactl.h"
#include "ctl_gang.h"

#define LIST_HINT	"see 'stratactl gang list'"

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

struct json_object *gang_json(const struct strata_gang_info *g)
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

void gang_print(const struct strata_gang_info *g)
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

int gang_list(int argc, char **argv)
{
	struct strata_gang_info *gangs;
	char name[STRATA_GANG_NAME_LEN + 1], members[32], gpus[32];
	char slice[32], skew[48];
	struct json_object *arr;
	int fd, ret, err;
	__u32 nr, i;

	if (cmd_help(argc, argv, gang_help))
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

int gang_show(int argc, char **argv)
{
	struct strata_gang_info *gangs, *g = NULL;
	int fd, ret, err;
	__u32 nr, i;
	__u64 koid;

	if (cmd_help(argc, argv, gang_help))
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

int gang_status(int argc, char **argv)
{
	struct strata_gang_status st;
	struct json_object *o;
	int fd, ret, err;

	if (cmd_help(argc, argv, gang_help))
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

int gpu_list(int argc, char **argv)
{
	struct strata_gang_gpu *gpus;
	struct json_object *arr;
	char dev[32], koid[32];
	int fd, ret, err;
	__u32 nr, i;

	if (cmd_help(argc, argv, gpu_help))
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

// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - tier: tiered memory (strata_tier)
 *
 *   tier show [ID]       nodes, tiering state, registrations and counters
 *   tier add             register a process or a cgroup
 *   tier remove ID       end a registration
 *   tier quota ID SIZE   change a registration's fast-tier quota
 *   tier nodes           override the node roles, or go back to discovery
 *   tier set KEY VALUE   change a module parameter
 *   tier get [KEY]       print the module parameters
 *   tier top             a live view
 *
 * Everything but set and get goes through libstrata's tier calls on
 * /dev/strata/tier; set and get read and write the module parameters in
 * sysfs.  The changes (add, remove, quota, nodes, set) go through stratad
 * instead when it runs (tier.add, tier.remove, tier.quota, tier.nodes,
 * tier.set), so that its admin_group may make them.  JSON output keeps
 * the units of the uapi (pages, bytes, ns); the text output converts them
 * to MiB and ms.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

#include "stratactl.h"

#define TIER_MODULE	"strata_tier"
#define TIER_PARAMS	"/sys/module/strata_tier/parameters/"
#define CGROUP_ROOT	"/sys/fs/cgroup"
#define MIB		(1024.0 * 1024.0)

#define NOT_LOADED_HINT	"load it with 'modprobe strata_tier' (or, from a " \
			"build tree, 'insmod kmod/tier/strata_tier.ko')"
#define SHOW_HINT	"see 'stratactl tier show'"
#define ROOT_HINT	"changing strata_tier needs CAP_SYS_ADMIN (run as root)" \
			"; or start stratad and be in its admin_group"

static const char tier_help[] =
"Usage: stratactl [-j|-p] tier COMMAND [ARGS]\n"
"\n"
"  show [ID]                 nodes, tiering state, registrations, counters\n"
"  add --pid PID [--quota SIZE]\n"
"  add --cgroup PATH [--quota SIZE]\n"
"                            register a process or a cgroup; prints its id\n"
"  remove ID                 end a registration\n"
"  quota ID SIZE             change a registration's fast-tier quota\n"
"  nodes --fast LIST --slow LIST\n"
"                            set the node roles (LIST: 0-1,3; --slow \"\": none)\n"
"  nodes auto                drop the override: roles from discovery again\n"
"  set KEY VALUE             change a module parameter\n"
"  get [KEY]                 print the module parameters\n"
"  top [-n COUNT] [-d SECS]  live view, refreshed every SECS (default 1)\n"
"  help                      this help\n"
"\n"
"SIZE: bytes, or a number with K, M, G or T (powers of 1024); none or\n"
"unlimited.  KEY: scan_min_ms, scan_max_ms, hot_rounds, cold_rounds,\n"
"rate_limit_mbps, fast_reserve_pct, thp_split, max_regs.\n"
"show, get and top need no privilege.  add, remove, quota, nodes and set\n"
"go through stratad when it runs (root or its admin_group), else need\n"
"root.  Exit status: 0 success, 1 failure, 2 bad usage, 3 strata_tier\n"
"not loaded, 5 stratad refused.\n";

static bool want_help(int argc, char **argv)
{
	if (argc == 1 && (!strcmp(argv[0], "--help") ||
			  !strcmp(argv[0], "-h"))) {
		fputs(tier_help, stdout);
		return true;
	}
	return false;
}

/* ---- the device and its errors ------------------------------------------- */

static int tier_not_loaded(void)
{
	err_msg("strata_tier is not loaded: " NOT_LOADED_HINT);
	return STRATACTL_NOT_LOADED;
}

/* Open STRATA_TIER_DEV into @fd; STRATACTL_OK or an exit code (said why). */
static int tier_dev_open(int *fd)
{
	int ret;

	if (!module_loaded(TIER_MODULE))
		return tier_not_loaded();
	ret = strata_tier_open();
	if (ret == -ENOENT || ret == -ENODEV || ret == -ENXIO) {
		err_msg("cannot open %s: %s: strata_tier is not loaded: "
			NOT_LOADED_HINT, STRATA_TIER_DEV, strerror(-ret));
		return STRATACTL_NOT_LOADED;
	}
	if (ret < 0) {
		err_msg("cannot open %s: %s", STRATA_TIER_DEV, strerror(-ret));
		return STRATACTL_ERR;
	}
	*fd = ret;
	return STRATACTL_OK;
}

/*
 * Say why a call failed: @what is what was tried ("set the quota of 3"),
 * @id the registration it named (0: none).  Returns STRATACTL_ERR.
 */
static int tier_fail(int err, const char *what, __u32 id)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		err_msg("cannot %s: " ROOT_HINT, what);
		break;
	case -ENOENT:
		if (id)
			err_msg("cannot %s: no registration %u (" SHOW_HINT ")",
				what, id);
		else
			err_msg("cannot %s: %s", what, strerror(-err));
		break;
	case -ENODEV:
		err_msg("cannot %s: nothing to tier: no slow memory node ("
			SHOW_HINT ")", what);
		break;
	default:
		err_msg("cannot %s: %s", what, strerror(-err));
		break;
	}
	return STRATACTL_ERR;
}

/* ---- parsing ------------------------------------------------------------- */

/* A registration id: a decimal number from 1 to 2^32 - 1. */
static int parse_id(const char *s, __u32 *id)
{
	__u64 v;

	if (parse_u64(s, 1, UINT32_MAX, &v))
		return -EINVAL;
	*id = v;
	return 0;
}

static int parse_id_arg(const char *s, __u32 *id)
{
	if (!parse_id(s, id))
		return 0;
	err_msg("'%s' is not a registration id (a number that "
		"'stratactl tier show' lists)", s);
	return -EINVAL;
}

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

/* ---- formatting ---------------------------------------------------------- */

static const char *role_name(__u32 role)
{
	switch (role) {
	case STRATA_TIER_ROLE_FAST:
		return "fast";
	case STRATA_TIER_ROLE_SLOW:
		return "slow";
	case STRATA_TIER_ROLE_NONE:
		return "none";
	default:
		return "?";
	}
}

static const char *kind_name(__u32 kind)
{
	switch (kind) {
	case STRATA_TIER_KIND_PID:
		return "pid";
	case STRATA_TIER_KIND_CGROUP:
		return "cgroup";
	default:
		return "?";
	}
}

/* A size in @buf: "unlimited", "64 MiB" when exact, else bytes. */
static const char *fmt_size(__u64 v, char *buf, size_t size)
{
	static const char *const units[] = { "TiB", "GiB", "MiB", "KiB" };
	unsigned int i;

	if (v == STRATA_TIER_QUOTA_NONE)
		return "unlimited";
	for (i = 0; v && i < 4; i++) {
		unsigned int shift = 40 - 10 * i;

		if (!(v & ((1ULL << shift) - 1))) {
			snprintf(buf, size, "%llu %s",
				 (unsigned long long)(v >> shift), units[i]);
			return buf;
		}
	}
	snprintf(buf, size, "%llu bytes", (unsigned long long)v);
	return buf;
}

static double pages_mib(__u64 pages)
{
	static long page_size;

	if (!page_size)
		page_size = sysconf(_SC_PAGESIZE);
	return (double)pages * page_size / MIB;
}

/* INFO's flags in words. */
static struct json_object *flags_json(__u32 flags)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string(
		flags & STRATA_TIER_INFO_ACTIVE ? "active" :
						  "nothing to tier"));
	if (flags & STRATA_TIER_INFO_OVERRIDE)
		json_object_array_add(a, json_object_new_string("override"));
	if (flags & STRATA_TIER_INFO_HEURISTIC)
		json_object_array_add(a, json_object_new_string("heuristic"));
	return a;
}

static void flags_print(__u32 flags)
{
	fputs(flags & STRATA_TIER_INFO_ACTIVE ? "active" : "nothing to tier",
	      stdout);
	if (flags & STRATA_TIER_INFO_OVERRIDE)
		fputs(", override", stdout);
	if (flags & STRATA_TIER_INFO_HEURISTIC)
		fputs(", heuristic", stdout);
}

/* ---- snapshots: INFO, LIST and every registration's STATS ---------------- */

struct reg_snap {
	__u32 id;
	struct strata_tier_stats st;
	char comm[17];		/* pid: /proc/PID/comm, or "" */
	char *cgroup;		/* cgroup: its directory, or NULL */
};

struct tier_snap {
	struct strata_tier_info info;
	struct strata_tier_node *nodes;
	__u32 nr_nodes;
	struct reg_snap *regs;
	__u32 nr_regs;
	struct timespec time;	/* CLOCK_MONOTONIC, when STATS were read */
};

static __u64 cgroup_wanted;
static char *cgroup_found;

static int cgroup_visit(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	if (type != FTW_D || st->st_ino != cgroup_wanted)
		return 0;
	cgroup_found = strdup(path);
	return 1;
}

/*
 * The directory of the cgroup v2 whose id is @id (the id is the inode
 * number of its directory), or NULL; to be freed.
 */
static char *cgroup_path(__u64 id)
{
	cgroup_wanted = id;
	cgroup_found = NULL;
	nftw(CGROUP_ROOT, cgroup_visit, 16, FTW_PHYS | FTW_MOUNT);
	return cgroup_found;
}

static void read_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* Names of @r: copied from @prev's entry of the same id, else looked up. */
static void reg_names(struct reg_snap *r, const struct tier_snap *prev)
{
	__u32 i;

	for (i = 0; prev && i < prev->nr_regs; i++) {
		if (prev->regs[i].id == r->id) {
			memcpy(r->comm, prev->regs[i].comm, sizeof(r->comm));
			r->cgroup = prev->regs[i].cgroup ?
				    strdup(prev->regs[i].cgroup) : NULL;
			return;
		}
	}
	if (r->st.kind == STRATA_TIER_KIND_PID)
		read_comm(r->st.pid, r->comm, sizeof(r->comm));
	else if (r->st.kind == STRATA_TIER_KIND_CGROUP)
		r->cgroup = cgroup_path(r->st.cgroup_id);
}

static void snap_free(struct tier_snap *s)
{
	__u32 i;

	for (i = 0; i < s->nr_regs; i++)
		free(s->regs[i].cgroup);
	free(s->regs);
	free(s->nodes);
	memset(s, 0, sizeof(*s));
}

static int snap_nodes(int fd, struct tier_snap *s)
{
	__u32 cap;
	int err;

	err = strata_tier_info(fd, &s->info, NULL, 0);
	while (!err) {
		cap = s->info.nr_nodes + 4;
		free(s->nodes);
		s->nodes = calloc(cap, sizeof(*s->nodes));
		if (!s->nodes)
			return -ENOMEM;
		err = strata_tier_info(fd, &s->info, s->nodes, cap);
		if (!err && s->info.nr_nodes <= cap) {
			s->nr_nodes = s->info.nr_nodes;
			return 0;
		}
	}
	return err;
}

static int snap_ids(int fd, __u32 **ids)
{
	int n, cap;

	n = strata_tier_list(fd, NULL, 0);
	while (n >= 0) {
		cap = n + 8;
		free(*ids);
		*ids = calloc(cap, sizeof(**ids));
		if (!*ids)
			return -ENOMEM;
		n = strata_tier_list(fd, *ids, cap);
		if (n >= 0 && n <= cap)
			return n;
	}
	return n;
}

/*
 * Read the nodes and every registration into @s (@prev, if not NULL, lends
 * the names it already looked up).  STRATACTL_OK or STRATACTL_ERR (said
 * why).  A registration that ends between LIST and STATS is left out.
 */
static int snap_take(int fd, struct tier_snap *s, const struct tier_snap *prev)
{
	__u32 *ids = NULL;
	int n, i, err;

	memset(s, 0, sizeof(*s));
	err = snap_nodes(fd, s);
	if (err) {
		err_msg("cannot read the memory nodes (INFO): %s",
			strerror(-err));
		goto fail;
	}
	n = snap_ids(fd, &ids);
	if (n < 0) {
		err = n;
		err_msg("cannot list the registrations: %s", strerror(-err));
		goto fail;
	}
	s->regs = calloc(n ? n : 1, sizeof(*s->regs));
	if (!s->regs) {
		err_msg("out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		struct reg_snap *r = &s->regs[s->nr_regs];

		err = strata_tier_stats(fd, ids[i], &r->st);
		if (err == -ENOENT)
			continue;
		if (err) {
			err_msg("cannot read the counters of registration %u: %s",
				ids[i], strerror(-err));
			goto fail;
		}
		r->id = ids[i];
		reg_names(r, prev);
		s->nr_regs++;
	}
	clock_gettime(CLOCK_MONOTONIC, &s->time);
	free(ids);
	return STRATACTL_OK;
fail:
	free(ids);
	snap_free(s);
	return STRATACTL_ERR;
}

/* ---- show ---------------------------------------------------------------- */

static struct json_object *node_json(const struct strata_tier_node *n)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "nid", json_object_new_int64(n->nid));
	json_object_object_add(o, "role",
			       json_object_new_string(role_name(n->role)));
	json_object_object_add(o, "cpu", json_object_new_boolean(
		n->flags & STRATA_TIER_NODE_CPU));
	json_object_object_add(o, "adistance",
			       json_object_new_int64(n->adistance));
	json_object_object_add(o, "hmat", json_object_new_boolean(
		n->flags & STRATA_TIER_NODE_ADIST));
	json_object_object_add(o, "override", json_object_new_boolean(
		n->flags & STRATA_TIER_NODE_OVERRIDE));
	json_object_object_add(o, "total_bytes",
			       json_object_new_uint64(n->total_bytes));
	json_object_object_add(o, "free_bytes",
			       json_object_new_uint64(n->free_bytes));
	return o;
}

static void nodes_print(const struct tier_snap *s)
{
	__u32 i;

	fputs("NODE  ROLE  CPU  ADISTANCE  TIER  TOTAL MiB   FREE MiB  NOTES\n",
	      stdout);
	for (i = 0; i < s->nr_nodes; i++) {
		const struct strata_tier_node *n = &s->nodes[i];

		printf("%4u  %-4s  %-3s  %9u  %4u  %9.1f  %9.1f  %s%s%s\n",
		       n->nid, role_name(n->role),
		       n->flags & STRATA_TIER_NODE_CPU ? "yes" : "no",
		       n->adistance, n->adistance / 128,
		       n->total_bytes / MIB, n->free_bytes / MIB,
		       n->flags & STRATA_TIER_NODE_ADIST ? "hmat" : "",
		       (n->flags & STRATA_TIER_NODE_ADIST) &&
		       (n->flags & STRATA_TIER_NODE_OVERRIDE) ? ", " : "",
		       n->flags & STRATA_TIER_NODE_OVERRIDE ? "override" : "");
	}
}

static void add_u64(struct json_object *o, const char *key, __u64 v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static struct json_object *reg_json(const struct reg_snap *r)
{
	const struct strata_tier_stats *st = &r->st;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(r->id));
	json_object_object_add(o, "kind",
			       json_object_new_string(kind_name(st->kind)));
	json_object_object_add(o, "pid", json_object_new_int64(st->pid));
	add_u64(o, "cgroup_id", st->cgroup_id);
	if (st->kind == STRATA_TIER_KIND_CGROUP)
		json_object_object_add(o, "cgroup", r->cgroup ?
				       json_object_new_string(r->cgroup) :
				       NULL);
	json_object_object_add(o, "nr_spaces",
			       json_object_new_int64(st->nr_spaces));
	/* null: no limit */
	json_object_object_add(o, "fast_quota",
			       st->fast_quota == STRATA_TIER_QUOTA_NONE ? NULL :
			       json_object_new_uint64(st->fast_quota));
	json_object_object_add(o, "interval_ms",
			       json_object_new_int64(st->interval_ms));
	add_u64(o, "rounds", st->rounds);
	add_u64(o, "scanned", st->scanned);
	add_u64(o, "young", st->young);
	add_u64(o, "promoted", st->promoted);
	add_u64(o, "demoted", st->demoted);
	add_u64(o, "failed", st->failed);
	add_u64(o, "thp_split", st->thp_split);
	add_u64(o, "skip_thp", st->skip_thp);
	add_u64(o, "skip_pinned", st->skip_pinned);
	add_u64(o, "skip_ksm", st->skip_ksm);
	add_u64(o, "fast_pages", st->fast_pages);
	add_u64(o, "slow_pages", st->slow_pages);
	add_u64(o, "hot_pages", st->hot_pages);
	add_u64(o, "scan_ns", st->scan_ns);
	add_u64(o, "migrate_ns", st->migrate_ns);
	return o;
}

/* "pid 12 (comm)", "cgroup /sys/fs/cgroup/x" or "cgroup id 1234". */
static const char *reg_target(const struct reg_snap *r, char *buf,
			      size_t size)
{
	if (r->st.kind == STRATA_TIER_KIND_PID)
		snprintf(buf, size, r->comm[0] ? "pid %d (%s)" : "pid %d",
			 r->st.pid, r->comm);
	else if (r->cgroup)
		snprintf(buf, size, "cgroup %s", r->cgroup);
	else
		snprintf(buf, size, "%s id %llu", kind_name(r->st.kind),
			 (unsigned long long)r->st.cgroup_id);
	return buf;
}

static void reg_print(const struct reg_snap *r)
{
	const struct strata_tier_stats *st = &r->st;
	char target[512], quota[64];

	printf("registration %u: %s, %u address space%s, quota %s\n", r->id,
	       reg_target(r, target, sizeof(target)), st->nr_spaces,
	       st->nr_spaces == 1 ? "" : "s",
	       fmt_size(st->fast_quota, quota, sizeof(quota)));
	printf("  resident  fast %.1f MiB, slow %.1f MiB, hot %.1f MiB\n",
	       pages_mib(st->fast_pages), pages_mib(st->slow_pages),
	       pages_mib(st->hot_pages));
	printf("  scanning  %llu rounds, every %u ms now, %llu pages scanned, "
	       "%llu young, CPU %.1f ms\n",
	       (unsigned long long)st->rounds, st->interval_ms,
	       (unsigned long long)st->scanned,
	       (unsigned long long)st->young, st->scan_ns / 1e6);
	printf("  moved     %llu promoted, %llu demoted, %llu failed (pages), "
	       "CPU %.1f ms\n",
	       (unsigned long long)st->promoted,
	       (unsigned long long)st->demoted,
	       (unsigned long long)st->failed, st->migrate_ns / 1e6);
	printf("  skipped   %llu huge pages (thp), %llu pinned, %llu KSM; "
	       "%llu huge pages split\n",
	       (unsigned long long)st->skip_thp,
	       (unsigned long long)st->skip_pinned,
	       (unsigned long long)st->skip_ksm,
	       (unsigned long long)st->thp_split);
}

/* show ID: one registration. */
static int show_one(int fd, __u32 id)
{
	struct reg_snap r = { .id = id };
	char what[64];
	int err;

	err = strata_tier_stats(fd, id, &r.st);
	if (err) {
		snprintf(what, sizeof(what), "show registration %u", id);
		return tier_fail(err, what, id);
	}
	reg_names(&r, NULL);
	if (json_output) {
		struct json_object *o = reg_json(&r);

		print_json(o);
		json_object_put(o);
	} else {
		reg_print(&r);
	}
	free(r.cgroup);
	return STRATACTL_OK;
}

static int tier_show(int argc, char **argv)
{
	struct json_object *o, *arr;
	struct tier_snap s;
	int fd, ret;
	__u32 i, id = 0;

	if (want_help(argc, argv))
		return STRATACTL_OK;
	if (argc > 1) {
		err_msg("'tier show' takes at most one registration id");
		return STRATACTL_USAGE;
	}
	if (argc && parse_id_arg(argv[0], &id))
		return STRATACTL_USAGE;
	ret = tier_dev_open(&fd);
	if (ret)
		return ret;
	if (id) {
		ret = show_one(fd, id);
		close(fd);
		return ret;
	}
	ret = snap_take(fd, &s, NULL);
	close(fd);
	if (ret)
		return ret;

	if (json_output) {
		o = json_object_new_object();
		arr = json_object_new_array();
		for (i = 0; i < s.nr_nodes; i++)
			json_object_array_add(arr, node_json(&s.nodes[i]));
		json_object_object_add(o, "nodes", arr);
		json_object_object_add(o, "flags", flags_json(s.info.flags));
		arr = json_object_new_array();
		for (i = 0; i < s.nr_regs; i++)
			json_object_array_add(arr, reg_json(&s.regs[i]));
		json_object_object_add(o, "registrations", arr);
		print_json(o);
		json_object_put(o);
	} else {
		fputs("tiering        ", stdout);
		flags_print(s.info.flags);
		printf("\nregistrations  %u\n\n", s.nr_regs);
		nodes_print(&s);
		for (i = 0; i < s.nr_regs; i++) {
			putchar('\n');
			reg_print(&s.regs[i]);
		}
	}
	snap_free(&s);
	return STRATACTL_OK;
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

/*
 * tier.remove or tier.set: @key with @val1 (consumed), and @key2 with the
 * string @val2 unless @key2 is NULL.  An exit code.
 */
static int change_by_daemon(const char *cmd, const char *key,
			    struct json_object *val1, const char *key2,
			    const char *val2)
{
	struct json_object *req, *reply;
	int ret;

	req = daemon_req(cmd);
	json_object_object_add(req, key, val1);
	if (key2)
		json_object_object_add(req, key2,
				       json_object_new_string(val2));
	ret = daemon_request(req, &reply);
	json_object_put(reply);
	return ret;
}

static int tier_add(int argc, char **argv)
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

static int tier_remove(int argc, char **argv)
{
	char what[64];
	int fd, ret, err;
	__u32 id;

	if (want_help(argc, argv))
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

static int tier_quota(int argc, char **argv)
{
	char what[64];
	int fd, ret, err;
	__u64 quota;
	__u32 id;

	if (want_help(argc, argv))
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

static int tier_nodes(int argc, char **argv)
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

/* ---- set, get ------------------------------------------------------------ */

/* The module parameters and the ranges strata_tier accepts. */
static const struct tier_param {
	const char *name;
	unsigned long min, max;
	bool boolean;		/* Y or N */
} tier_params[] = {
	{ "scan_min_ms", 10, 60000, false },
	{ "scan_max_ms", 10, 60000, false },
	{ "hot_rounds", 1, 4, false },
	{ "cold_rounds", 1, 8, false },
	{ "rate_limit_mbps", 1, 1048576, false },
	{ "fast_reserve_pct", 0, 50, false },
	{ "thp_split", 0, 1, true },
	{ "max_regs", 1, 4096, false },
};

#define NR_PARAMS	(sizeof(tier_params) / sizeof(tier_params[0]))
#define PARAM_KEYS	"scan_min_ms, scan_max_ms, hot_rounds, cold_rounds, " \
			"rate_limit_mbps, fast_reserve_pct, thp_split, max_regs"

static const struct tier_param *param_find(const char *name)
{
	size_t i;

	for (i = 0; i < NR_PARAMS; i++)
		if (!strcmp(tier_params[i].name, name))
			return &tier_params[i];
	err_msg("unknown key '%s'; the keys are " PARAM_KEYS, name);
	return NULL;
}

static void param_path(const struct tier_param *p, char *buf, size_t size)
{
	snprintf(buf, size, TIER_PARAMS "%s", p->name);
}

/* The value of @p as the module shows it ("100", "Y"), in @buf. */
static int param_read(const struct tier_param *p, char *buf, size_t size)
{
	char path[128];
	ssize_t n;
	int fd;

	param_path(p, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int param_write(const struct tier_param *p, const char *val)
{
	char path[128];
	int fd, err = 0;

	param_path(p, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* VALUE for @p, checked against its range; into @out as the module takes it. */
static int param_value(const struct tier_param *p, const char *val,
		       char *out, size_t size)
{
	static const char *const yes[] = { "Y", "y", "1", "yes", "true", "on" };
	static const char *const no[] = { "N", "n", "0", "no", "false", "off" };
	unsigned long long v;
	char *end;
	size_t i;

	if (p->boolean) {
		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (!strcmp(val, yes[i]) || !strcmp(val, no[i])) {
				snprintf(out, size, "%s",
					 strcmp(val, yes[i]) ? "N" : "Y");
				return 0;
			}
		}
		err_msg("%s is Y or N (or 1/0, yes/no, on/off, true/false), "
			"not '%s'", p->name, val);
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(val, &end, 10);
	if (!isdigit((unsigned char)*val) || *end || errno ||
	    v < p->min || v > p->max) {
		err_msg("%s must be a number from %lu to %lu, not '%s'",
			p->name, p->min, p->max, val);
		return -EINVAL;
	}
	snprintf(out, size, "%llu", v);
	return 0;
}

static int tier_set(int argc, char **argv)
{
	const struct tier_param *p;
	char val[32], path[128];
	long lo, hi;
	int err;

	if (want_help(argc, argv))
		return STRATACTL_OK;
	if (argc != 2) {
		err_msg("'tier set' takes KEY VALUE; the keys are " PARAM_KEYS);
		return STRATACTL_USAGE;
	}
	p = param_find(argv[0]);
	if (!p || param_value(p, argv[1], val, sizeof(val)))
		return STRATACTL_USAGE;
	if (!module_loaded(TIER_MODULE))
		return tier_not_loaded();
	err = daemon_use();
	if (err < 0)
		return -err;
	if (err) {
		err = change_by_daemon("tier.set", "key",
				       json_object_new_string(p->name),
				       "value", val);
		if (err)
			return err;
		goto check;
	}

	err = param_write(p, val);
	if (err == -EACCES || err == -EPERM) {
		err_msg("cannot set %s: " ROOT_HINT, p->name);
		return STRATACTL_ERR;
	}
	if (err == -EINVAL) {
		err_msg("strata_tier refused %s = %s (it takes %lu to %lu); "
			"%s is unchanged", p->name, val, p->min, p->max,
			p->name);
		return STRATACTL_ERR;
	}
	if (err) {
		param_path(p, path, sizeof(path));
		err_msg("cannot write %s: %s", path, strerror(-err));
		return STRATACTL_ERR;
	}
check:
	if (!read_sysfs_long(TIER_PARAMS "scan_min_ms", &lo) &&
	    !read_sysfs_long(TIER_PARAMS "scan_max_ms", &hi) && lo > hi)
		err_msg("note: scan_min_ms (%ld) is above scan_max_ms (%ld): "
			"the scan interval stays at scan_min_ms", lo, hi);
	return STRATACTL_OK;
}

static int tier_get(int argc, char **argv)
{
	const struct tier_param *one = NULL, *p;
	struct json_object *o;
	char buf[64], path[128];
	int err;

	if (want_help(argc, argv))
		return STRATACTL_OK;
	if (argc > 1) {
		err_msg("'tier get' takes at most one KEY; the keys are "
			PARAM_KEYS);
		return STRATACTL_USAGE;
	}
	if (argc) {
		one = param_find(argv[0]);
		if (!one)
			return STRATACTL_USAGE;
	}
	if (!module_loaded(TIER_MODULE))
		return tier_not_loaded();

	o = json_object_new_object();
	for (p = tier_params; p < tier_params + NR_PARAMS; p++) {
		if (one && p != one)
			continue;
		err = param_read(p, buf, sizeof(buf));
		if (err) {
			param_path(p, path, sizeof(path));
			err_msg("cannot read %s: %s", path, strerror(-err));
			json_object_put(o);
			return STRATACTL_ERR;
		}
		if (!json_output)
			printf("%-17s %s\n", p->name, buf);
		else if (p->boolean)
			json_object_object_add(o, p->name,
				json_object_new_boolean(buf[0] == 'Y'));
		else
			json_object_object_add(o, p->name,
				json_object_new_int64(strtoll(buf, NULL, 10)));
	}
	if (json_output)
		print_json(o);
	json_object_put(o);
	return STRATACTL_OK;
}

/* ---- top ----------------------------------------------------------------- */

static volatile sig_atomic_t top_stop;

static void top_signal(int sig)
{
	top_stop = 1;
}

static const struct reg_snap *snap_find(const struct tier_snap *s, __u32 id)
{
	__u32 i;

	for (i = 0; i < s->nr_regs; i++)
		if (s->regs[i].id == id)
			return &s->regs[i];
	return NULL;
}

/* Pages per second from @from to @to over @secs. */
static double rate(__u64 from, __u64 to, double secs)
{
	return to >= from ? (to - from) / secs : 0;
}

/* A JSON number printed with @decimals decimals (not json-c's %.17g). */
static struct json_object *json_fixed(double v, int decimals)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return json_object_new_double_s(v, buf);
}

static void top_json(const struct tier_snap *prev, const struct tier_snap *s,
		     double secs)
{
	struct json_object *o = json_object_new_object(), *arr, *n;
	const struct reg_snap *r, *p;
	__u32 i;

	json_object_object_add(o, "interval_s", json_fixed(secs, 3));
	json_object_object_add(o, "flags", flags_json(s->info.flags));
	arr = json_object_new_array();
	for (i = 0; i < s->nr_nodes; i++) {
		n = json_object_new_object();
		json_object_object_add(n, "nid",
				       json_object_new_int64(s->nodes[i].nid));
		json_object_object_add(n, "role", json_object_new_string(
			role_name(s->nodes[i].role)));
		add_u64(n, "free_bytes", s->nodes[i].free_bytes);
		json_object_array_add(arr, n);
	}
	json_object_object_add(o, "nodes", arr);
	arr = json_object_new_array();
	for (i = 0; i < s->nr_regs; i++) {
		r = &s->regs[i];
		p = snap_find(prev, r->id);
		n = json_object_new_object();
		json_object_object_add(n, "id", json_object_new_int64(r->id));
		json_object_object_add(n, "kind", json_object_new_string(
			kind_name(r->st.kind)));
		json_object_object_add(n, "pid",
				       json_object_new_int64(r->st.pid));
		add_u64(n, "cgroup_id", r->st.cgroup_id);
		add_u64(n, "fast_pages", r->st.fast_pages);
		add_u64(n, "slow_pages", r->st.slow_pages);
		add_u64(n, "hot_pages", r->st.hot_pages);
		add_u64(n, "promoted", r->st.promoted);
		add_u64(n, "demoted", r->st.demoted);
		/* null: new since the previous refresh */
		json_object_object_add(n, "promoted_per_s", p ?
			json_fixed(rate(p->st.promoted, r->st.promoted, secs),
				   1) : NULL);
		json_object_object_add(n, "demoted_per_s", p ?
			json_fixed(rate(p->st.demoted, r->st.demoted, secs),
				   1) : NULL);
		json_object_array_add(arr, n);
	}
	json_object_object_add(o, "registrations", arr);
	print_json(o);
	json_object_put(o);
}

static void top_text(const struct tier_snap *prev, const struct tier_snap *s,
		     double secs)
{
	const struct reg_snap *r, *p;
	char target[512];
	__u32 i;

	/* home, clear the screen */
	fputs("\033[H\033[2J", stdout);
	fputs("strata_tier: ", stdout);
	flags_print(s->info.flags);
	printf(", %u registration%s, every %.1f s (Ctrl-C quits)\n\n",
	       s->nr_regs, s->nr_regs == 1 ? "" : "s", secs);
	printf("NODE  ROLE   FREE MiB\n");
	for (i = 0; i < s->nr_nodes; i++)
		printf("%4u  %-4s  %9.1f\n", s->nodes[i].nid,
		       role_name(s->nodes[i].role),
		       s->nodes[i].free_bytes / MIB);
	printf("\n%6s  %-24s %9s %9s %9s %10s %10s\n", "ID", "TARGET",
	       "FAST MiB", "SLOW MiB", "HOT MiB", "PROM MiB/s", "DEM MiB/s");
	for (i = 0; i < s->nr_regs; i++) {
		r = &s->regs[i];
		p = snap_find(prev, r->id);
		printf("%6u  %-24.24s %9.1f %9.1f %9.1f", r->id,
		       reg_target(r, target, sizeof(target)),
		       pages_mib(r->st.fast_pages), pages_mib(r->st.slow_pages),
		       pages_mib(r->st.hot_pages));
		if (p)
			printf(" %10.1f %10.1f\n",
			       pages_mib(1) * rate(p->st.promoted,
						   r->st.promoted, secs),
			       pages_mib(1) * rate(p->st.demoted,
						   r->st.demoted, secs));
		else
			printf(" %10s %10s\n", "-", "-");
	}
	if (!s->nr_regs)
		printf("%6s  (no registrations)\n", "");
}

static double ts_secs(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

static int tier_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tier_snap prev, cur;
	struct sigaction sa;
	struct timespec ts;
	long long count = 0, done;
	double delay = 1, secs;
	int opt, fd, ret;
	char *end;

	optind = 0;
	while ((opt = getopt_long(argc + 1, argv - 1, "+n:d:h", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'n':
			errno = 0;
			count = strtoll(optarg, &end, 10);
			if (!isdigit((unsigned char)*optarg) || *end ||
			    errno || count < 1) {
				err_msg("-n takes a number of refreshes (1 or "
					"more), not '%s'", optarg);
				return STRATACTL_USAGE;
			}
			break;
		case 'd':
			errno = 0;
			delay = strtod(optarg, &end);
			if (!*optarg || *end || errno || !(delay >= 0.01) ||
			    delay > 86400) {
				err_msg("-d takes seconds between refreshes "
					"(0.01 to 86400, e.g. 0.5), not '%s'",
					optarg);
				return STRATACTL_USAGE;
			}
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
		err_msg("'tier top' takes no argument '%s'; try 'stratactl tier help'",
			argv[optind - 1]);
		return STRATACTL_USAGE;
	}
	ret = tier_dev_open(&fd);
	if (ret)
		return ret;

	/* No SA_RESTART: Ctrl-C ends the sleep at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = top_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = snap_take(fd, &prev, NULL);
	if (ret) {
		close(fd);
		return ret;
	}
	for (done = 0; !count || done < count; done++) {
		ts.tv_sec = (time_t)delay;
		ts.tv_nsec = (long)((delay - ts.tv_sec) * 1e9);
		while (!top_stop && nanosleep(&ts, &ts) && errno == EINTR)
			;
		if (top_stop)
			break;
		ret = snap_take(fd, &cur, &prev);
		if (ret)
			break;
		secs = ts_secs(&prev.time, &cur.time);
		if (secs <= 0)
			secs = delay;
		if (json_output)
			top_json(&prev, &cur, secs);
		else
			top_text(&prev, &cur, secs);
		fflush(stdout);
		snap_free(&prev);
		prev = cur;
	}
	snap_free(&prev);
	close(fd);
	return ret;
}

/* ---- the status line ----------------------------------------------------- */

int tier_summary(bool *active, unsigned int *nr_regs)
{
	struct strata_tier_info info;
	int fd, err;

	fd = strata_tier_open();
	if (fd < 0)
		return fd;
	err = strata_tier_info(fd, &info, NULL, 0);
	close(fd);
	if (err)
		return err;
	*active = info.flags & STRATA_TIER_INFO_ACTIVE;
	*nr_regs = info.nr_regs;
	return 0;
}

static const struct cmd tier_cmds[] = {
	{ "show", tier_show },
	{ "add", tier_add },
	{ "remove", tier_remove },
	{ "quota", tier_quota },
	{ "nodes", tier_nodes },
	{ "set", tier_set },
	{ "get", tier_get },
	{ "top", tier_top },
	{ NULL, NULL },
};

int do_tier(int argc, char **argv)
{
	return cmd_dispatch("tier", tier_cmds, tier_help, argc, argv);
}

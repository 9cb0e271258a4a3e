// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - tier show: snapshots of strata_tier (INFO, LIST and every
 * registration's STATS), which top takes too, and what show prints of them
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

#include "stratactl.h"
#include "ctl_tier.h"

/* ---- snapshots: INFO, LIST and every registration's STATS ---------------- */

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

void snap_free(struct tier_snap *s)
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
int snap_take(int fd, struct tier_snap *s, const struct tier_snap *prev)
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
const char *reg_target(const struct reg_snap *r, char *buf, size_t size)
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

int tier_show(int argc, char **argv)
{
	struct json_object *o, *arr;
	struct tier_snap s;
	int fd, ret;
	__u32 i, id = 0;

	if (cmd_help(argc, argv, tier_help))
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

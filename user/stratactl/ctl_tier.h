/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stratactl - tier: definitions shared by tier.c, tier_snap.c, tier_top.c,
 * tier_admin.c and tier_param.c
 */
#ifndef _STRATACTL_CTL_TIER_H
#define _STRATACTL_CTL_TIER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <strata.h>

#include "stratactl.h"

#define TIER_MODULE	"strata_tier"
#define TIER_PARAMS	"/sys/module/strata_tier/parameters/"
#define CGROUP_ROOT	"/sys/fs/cgroup"
#define MIB		(1024.0 * 1024.0)

#define SHOW_HINT	"see 'stratactl tier show'"
#define ROOT_HINT	"changing strata_tier needs CAP_SYS_ADMIN (run as root)" \
			"; or start stratad and be in its admin_group"

/* ---- tier.c ---- */

extern const char tier_help[];

/* Say that strata_tier is not loaded; STRATACTL_NOT_LOADED. */
int tier_not_loaded(void);
/* Open STRATA_TIER_DEV into @fd; STRATACTL_OK or an exit code (said why). */
int tier_dev_open(int *fd);
/* Say why @what on registration @id (0: none) failed; STRATACTL_ERR. */
int tier_fail(int err, const char *what, __u32 id);
/* tier.remove or tier.set: @key @val1 (consumed), @key2 @val2; exit code. */
int change_by_daemon(const char *cmd, const char *key,
		     struct json_object *val1, const char *key2,
		     const char *val2);
/* A registration id: a decimal number from 1 to 2^32 - 1; 0 or -EINVAL. */
int parse_id(const char *s, __u32 *id);
/* parse_id(), saying what is wrong with @s; 0 or -EINVAL. */
int parse_id_arg(const char *s, __u32 *id);
/* A node's role in words: "fast", "slow", "none" or "?". */
const char *role_name(__u32 role);
/* A registration's kind in words: "pid", "cgroup" or "?". */
const char *kind_name(__u32 kind);
/* @pages in MiB. */
double pages_mib(__u64 pages);
/* @v as @key of the JSON object @o. */
void add_u64(struct json_object *o, const char *key, __u64 v);
/* INFO's flags in words, a JSON array. */
struct json_object *flags_json(__u32 flags);
/* INFO's flags in words, on stdout: "active, override". */
void flags_print(__u32 flags);

/* ---- tier_snap.c ---- */

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

/* The nodes and every registration into @s; STRATACTL_OK or _ERR (said). */
int snap_take(int fd, struct tier_snap *s, const struct tier_snap *prev);
/* Free what snap_take() put into @s, and clear it. */
void snap_free(struct tier_snap *s);
/* "pid 12 (comm)", "cgroup /sys/fs/cgroup/x" or "cgroup id 1234". */
const char *reg_target(const struct reg_snap *r, char *buf, size_t size);

/* ---- the commands (tier_cmds) ---- */

/* tier show [ID] (tier_snap.c) */
int tier_show(int argc, char **argv);
/* tier top (tier_top.c) */
int tier_top(int argc, char **argv);
/* tier add, remove, quota, nodes (tier_admin.c) */
int tier_add(int argc, char **argv);
int tier_remove(int argc, char **argv);
int tier_quota(int argc, char **argv);
int tier_nodes(int argc, char **argv);
/* tier set, get (tier_param.c) */
int tier_set(int argc, char **argv);
int tier_get(int argc, char **argv);

#endif /* _STRATACTL_CTL_TIER_H */

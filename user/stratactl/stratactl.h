/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stratactl - definitions shared by the command files
 */
#ifndef _STRATACTL_H
#define _STRATACTL_H

#include <stdbool.h>
#include <json-c/json.h>

/* Exit codes (documented in Documentation/stratactl.rst). */
enum {
	STRATACTL_OK		= 0,
	STRATACTL_ERR		= 1,	/* the operation failed */
	STRATACTL_USAGE		= 2,	/* bad command line */
	STRATACTL_NOT_LOADED	= 3,	/* the module it needs is not loaded */
};

struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
};

extern bool json_output;
extern bool pretty_output;

int cmd_dispatch(const char *object, const struct cmd *cmds, int argc,
		 char **argv);
void print_json(struct json_object *obj);
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool module_loaded(const char *name);
int read_sysfs_long(const char *path, long *val);
/* strata_tier's INFO: whether it tiers, and its registrations; 0/-errno. */
int tier_summary(bool *active, unsigned int *nr_regs);

int do_status(int argc, char **argv);
int do_cap(int argc, char **argv);
int do_sandbox(int argc, char **argv);
int do_tier(int argc, char **argv);
int do_gang(int argc, char **argv);
int do_gpu(int argc, char **argv);

#endif /* _STRATACTL_H */

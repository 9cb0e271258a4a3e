/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stratactl - definitions shared by the command files
 */
#ifndef _STRATACTL_H
#define _STRATACTL_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include <linux/types.h>

/* Exit codes (documented in Documentation/stratactl.rst). */
enum {
	STRATACTL_OK		= 0,
	STRATACTL_ERR		= 1,	/* the operation failed */
	STRATACTL_USAGE		= 2,	/* bad command line */
	STRATACTL_NOT_LOADED	= 3,	/* the module it needs is not loaded */
	STRATACTL_NO_DAEMON	= 4,	/* stratad is needed and not running */
	STRATACTL_DENIED	= 5,	/* stratad refused: EPERM */
};

struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
};

extern bool json_output;
extern bool pretty_output;

/* Run argv[0] from @cmds; "help", "--help", "-h" print @help. */
int cmd_dispatch(const char *object, const struct cmd *cmds, const char *help,
		 int argc, char **argv);
/* If argv is just "--help" or "-h", print @help and return true. */
bool cmd_help(int argc, char **argv, const char *help);
void print_json(struct json_object *obj);
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool module_loaded(const char *name);
int read_sysfs_long(const char *path, long *val);
/* An fd for the BPF object pinned at @path (BPF_OBJ_GET), or -1 (errno). */
int bpf_pin_get(const char *path, __u32 flags);
/* A decimal number from @min to @max into *@v; 0 or -EINVAL. */
int parse_u64(const char *s, __u64 min, __u64 max, __u64 *v);
/* strata_tier's INFO: whether it tiers, and its registrations; 0/-errno. */
int tier_summary(bool *active, unsigned int *nr_regs);

/* ---- stratad (daemon.c) ---- */

/* The socket: -s PATH, else $STRATA_SOCKET, else STRATAD_SOCKET. */
extern const char *daemon_socket;

/*
 * Connect to stratad, once: later calls return the same fd, which stays
 * open until exit (do not close it).  The fd or -errno.
 */
int daemon_connect(void);
/* Whether daemon_connect()'s @err means no stratad listens on the socket. */
bool daemon_absent(int err);
/*
 * One request (@req, consumed); *@reply gets the reply (to be put) when
 * it says ok.  Otherwise prints why and returns STRATACTL_NO_DAEMON,
 * STRATACTL_DENIED (EPERM) or STRATACTL_ERR (the daemon's sentence).
 */
int daemon_request(struct json_object *req, struct json_object **reply);
/*
 * A command without arguments whose failure is no error of the caller's
 * (a listing that does without stratad): the reply, or NULL with @why
 * saying what went wrong, "" when stratad does not run.
 */
struct json_object *daemon_query(const char *cmd, char *why, size_t size);
/* A request {"cmd": @cmd}, to which the caller adds the arguments. */
struct json_object *daemon_req(const char *cmd);
/*
 * Whether changes go through stratad: 1 when it answers, 0 when it does
 * not run (the caller does it itself), or a negated exit code (said why).
 */
int daemon_use(void);

int do_status(int argc, char **argv);
int do_module(int argc, char **argv);
int do_policy(int argc, char **argv);
int do_cap(int argc, char **argv);
int do_sandbox(int argc, char **argv);
int do_tier(int argc, char **argv);
int do_gang(int argc, char **argv);
int do_gpu(int argc, char **argv);

/* gang_kill.c; gang.c's device opener and not-loaded message it uses */
int gang_kill(int argc, char **argv);
int gang_dev_open(int *fd);
int gang_not_loaded(void);

#endif /* _STRATACTL_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stratactl - gang, gpu: definitions shared by gang.c, gang_show.c,
 * gang_create.c and gang_member.c
 */
#ifndef _STRATACTL_CTL_GANG_H
#define _STRATACTL_CTL_GANG_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include <strata.h>

#include "stratactl.h"

/* ---- gang.c ---- */

extern const char gang_help[];
extern const char gpu_help[];

/* ---- gang_show.c ---- */

/* @g, every field, as a JSON object. */
struct json_object *gang_json(const struct strata_gang_info *g);
/* @g, every field, as text on stdout. */
void gang_print(const struct strata_gang_info *g);

/* ---- gang_member.c: the members' processes of gang create ---- */

struct member_proc {
	pid_t pid;
	bool reaped;
	bool failed;		/* it reported a start failure */
	int status;		/* waitpid()'s, once reaped */
};

/* The SIGINT or SIGTERM stratactl received and did not act on yet, or 0. */
extern volatile sig_atomic_t create_signal;
/* create's handler of SIGINT and SIGTERM: sets create_signal. */
void create_on_signal(int sig);
/* In member @index's process: JOIN the gang, then exec @cmd; never returns. */
void __attribute__((noreturn))
member_start(unsigned int index, int handle_fd, int report, char **cmd);
/* Kill the gang (once) and pass @sig on to the members still running. */
void create_stop(int dev, int table, __u32 handle, bool *killed,
		 struct member_proc *procs, unsigned int n, int sig);
/* Read the start reports on @rd until all exec'd; whether one failed. */
bool create_read_reports(int rd, int dev, int table, __u32 handle,
			 bool *killed, struct member_proc *procs,
			 unsigned int n);
/* Wait for every member's process not reaped yet. */
void create_reap(int dev, int table, __u32 handle, bool *killed,
		 struct member_proc *procs, unsigned int n);
/* The gang's final state (@info unless !@have_info) and its processes. */
void create_report(const struct strata_gang_info *info, bool have_info,
		   const struct member_proc *procs, unsigned int n);

/* ---- the commands (gang_cmds, gpu_cmds) ---- */

/* gang list, show, status; gpu list (gang_show.c) */
int gang_list(int argc, char **argv);
int gang_show(int argc, char **argv);
int gang_status(int argc, char **argv);
int gpu_list(int argc, char **argv);
/* gang create (gang_create.c) */
int gang_create(int argc, char **argv);

#endif /* _STRATACTL_CTL_GANG_H */

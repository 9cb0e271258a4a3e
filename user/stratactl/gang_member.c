// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - gang create: the members' processes, from fork to exec of CMD
 * (or the report of why not), and the parent's watch over them until they
 * are reaped: signals, start reports, the gang killed, the final report
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <strata.h>

#include "stratactl.h"
#include "ctl_gang.h"

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

volatile sig_atomic_t create_signal;

void create_on_signal(int sig)
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
void __attribute__((noreturn))
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

/* Kill the gang (once) and pass @sig on to the members still running. */
void create_stop(int dev, int table, __u32 handle, bool *killed,
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

void create_report(const struct strata_gang_info *info, bool have_info,
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
bool create_read_reports(int rd, int dev, int table, __u32 handle,
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

void create_reap(int dev, int table, __u32 handle, bool *killed,
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

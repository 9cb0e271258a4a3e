// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - gang create: create a gang, run CMD as each of its members,
 * wait for them and report how the gang ended; the members' processes are
 * in gang_member.c
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
#include <unistd.h>

#include <strata.h>

#include "stratactl.h"
#include "ctl_gang.h"

#define NICE_HINT	"a priority above 0 and --cosched need CAP_SYS_NICE " \
			"(run as root)"

/* How long create waits, once its members are gone, for DONE or ABORTED. */
#define FINAL_WAIT_NS	(5 * 1000000000LL)

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

/*
 * The rights of each member's handle: enough to join, step, leave, wait
 * and inspect; not to change the gang's priority (SET_PROPERTY), kill it
 * (DESTROY) or revoke.  A member that must give up exits without LEAVE.
 */
#define MEMBER_RIGHTS	(STRATA_RIGHT_DUPLICATE | STRATA_RIGHT_TRANSFER | \
			 STRATA_RIGHT_READ | STRATA_RIGHT_WRITE |	  \
			 STRATA_RIGHT_GET_PROPERTY | STRATA_RIGHT_WAIT |  \
			 STRATA_RIGHT_INSPECT)

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
			if (parse_u64(optarg, 0, STRATA_GANG_MAX_HINT_MS, &v)) {
				err_msg("--runtime-hint takes milliseconds, at "
					"most %llu, not '%s'",
					(unsigned long long)STRATA_GANG_MAX_HINT_MS,
					optarg);
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

int gang_create(int argc, char **argv)
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

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
 *
 * This file has the help, the device and the command tables; list, show,
 * status and gpu list are in gang_show.c, create in gang_create.c, its
 * members' processes in gang_member.c.  ctl_gang.h declares what they share.
 */
#include <errno.h>
#include <string.h>

#include <strata.h>

#include "stratactl.h"
#include "ctl_gang.h"

#define GANG_MODULE	"strata_gang"

#define NOT_LOADED_HINT	"load it with 'stratactl module load gang' (stratad) " \
			"or 'modprobe strata_gang'"

const char gang_help[] =
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

const char gpu_help[] =
"Usage: stratactl [-j|-p] gpu COMMAND\n"
"\n"
"  list      every GPU strata_gang hands out: kind, name, device number,\n"
"            the gang holding it, and for fake GPUs kernels run, busy time\n"
"            and context switches\n"
"  help      this help\n"
"\n"
"Exit status: 0 success, 1 failure, 2 bad usage, 3 strata_gang not loaded.\n";

/* ---- the device and its errors ------------------------------------------- */

int gang_not_loaded(void)
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

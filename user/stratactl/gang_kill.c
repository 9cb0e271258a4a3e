// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - gang kill KOID: abort a gang its caller holds no handle to
 *
 * Through stratad's gang.kill when stratad runs, so that the members of its
 * admin_group may do it; else directly with STRATA_GANG_IOC_KILL_ID, which
 * needs CAP_SYS_ADMIN.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <strata.h>

#include "stratactl.h"

#define GANG_MODULE	"strata_gang"
#define LIST_HINT	"see 'stratactl gang list'"

static const char kill_help[] =
"Usage: stratactl gang kill KOID\n"
"\n"
"Abort the gang KOID, as 'stratactl gang list' shows it: it ends\n"
"aborted (killed by admin), its members' STEP fails with ECANCELED and\n"
"its GPUs are released.  Through stratad when it runs (root or a member of\n"
"its admin_group); else directly (STRATA_GANG_IOC_KILL_ID), as root.\n"
"Exit status: 0 killed, 1 failure (no such gang, ended already, no\n"
"privilege), 2 bad usage, 3 strata_gang not loaded, 5 stratad refused.\n";

static int kill_direct(__u64 koid)
{
	unsigned long long k = koid;
	int fd, ret, err;

	ret = gang_dev_open(&fd);
	if (ret)
		return ret;
	err = strata_gang_kill_id(fd, koid);
	close(fd);
	switch (err) {
	case 0:
		return STRATACTL_OK;
	case -EPERM:
	case -EACCES:
	case -EBADF:
		err_msg("cannot kill gang %llu: killing a gang by its koid "
			"needs CAP_SYS_ADMIN (run as root, or start stratad "
			"and be in its admin_group)", k);
		break;
	case -ENOENT:
		err_msg("no gang %llu (" LIST_HINT ")", k);
		break;
	case -EALREADY:
		err_msg("gang %llu has ended already (see 'stratactl gang "
			"show %llu')", k, k);
		break;
	case -ENOTTY:
		err_msg("cannot kill gang %llu: this strata_gang has no "
			"KILL_ID; load the strata_gang built with stratactl",
			k);
		break;
	default:
		err_msg("cannot kill gang %llu: %s", k, strerror(-err));
		break;
	}
	return STRATACTL_ERR;
}

int gang_kill(int argc, char **argv)
{
	struct json_object *req, *reply;
	__u64 koid;
	int use, ret;

	if (cmd_help(argc, argv, kill_help))
		return STRATACTL_OK;
	if (argc != 1) {
		err_msg("'gang kill' takes one KOID (" LIST_HINT ")");
		return STRATACTL_USAGE;
	}
	if (parse_u64(argv[0], 1, UINT64_MAX, &koid)) {
		err_msg("'%s' is not a gang koid (a number that "
			"'stratactl gang list' shows)", argv[0]);
		return STRATACTL_USAGE;
	}
	if (!module_loaded(GANG_MODULE))
		return gang_not_loaded();
	use = daemon_use();
	if (use < 0)
		return -use;
	if (!use)
		return kill_direct(koid);

	req = daemon_req("gang.kill");
	json_object_object_add(req, "id", json_object_new_uint64(koid));
	ret = daemon_request(req, &reply);
	json_object_put(reply);
	return ret;
}

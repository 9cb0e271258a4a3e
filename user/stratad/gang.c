// SPDX-License-Identifier: GPL-2.0
/*
 * stratad - the strata_gang command: gang.kill, an administrator's abort
 * of a gang by its koid (STRATA_GANG_IOC_KILL_ID)
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <strata.h>

#include "ipc.h"
#include "stratad.h"

struct json_object *cmd_gang_kill(const struct client *c,
				  struct json_object *r)
{
	struct json_object *reply = NULL;
	unsigned long long id;
	int fd, err;

	if (arg_u64(r, "id", true, UINT64_MAX, &id, &reply))
		return reply;
	reply = need_module(MOD_GANG);
	if (reply)
		return reply;
	fd = strata_gang_open();
	if (fd < 0)
		return ipc_reply_error(-fd, "cannot open %s: %s",
				       STRATA_GANG_DEV, strerror(-fd));
	err = strata_gang_kill_id(fd, id);
	close(fd);
	if (err == -ENOENT)
		return ipc_reply_error(ENOENT, "no live gang has id %llu", id);
	if (err == -EALREADY)
		return ipc_reply_error(EALREADY, "gang %llu has ended already",
				       id);
	if (err)
		return ipc_reply_error(-err, "cannot kill gang %llu: %s", id,
				       strerror(-err));
	pr_info("uid %u: killed gang %llu", c->uid, id);
	return ipc_reply_ok();
}

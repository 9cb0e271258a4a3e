// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - the stratad client: one connection, requests and their errors
 *
 * The protocol is Documentation/stratad.rst's (framing in user/common/ipc.c).
 * Commands that only stratad can do (module load, policy attach) fail with
 * STRATACTL_NO_DAEMON when it does not run; commands that change the
 * modules (tier add, gang kill) go through it when it runs, and are done
 * here directly otherwise (daemon_use()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "stratactl.h"

#define NOT_RUNNING_HINT "start it with 'systemctl start stratad', or see " \
			 "stratad(8)"
#define DENIED_HINT	"stratad lets root and the members of its " \
			"admin_group change things; everyone else may only read"

const char *daemon_socket = STRATAD_SOCKET;

/* The connection, or -errno of the one try. */
static int daemon_fd;
static bool daemon_tried;

int daemon_connect(void)
{
	if (!daemon_tried) {
		daemon_fd = ipc_connect(daemon_socket);
		daemon_tried = true;
	}
	return daemon_fd;
}

bool daemon_absent(int err)
{
	/* no socket, nobody listening, or a stale socket from a dead one */
	return err == -ENOENT || err == -ECONNREFUSED || err == -ENOTDIR;
}

/* Say why daemon_connect() failed; the exit code that goes with it. */
static int connect_fail(int err)
{
	if (daemon_absent(err)) {
		err_msg("stratad is not running (" NOT_RUNNING_HINT ")");
		return STRATACTL_NO_DAEMON;
	}
	if (err == -EACCES || err == -EPERM)
		err_msg("cannot connect to stratad at %s: %s (the socket "
			"should be mode 0666; check the directory's mode)",
			daemon_socket, strerror(-err));
	else
		err_msg("cannot connect to stratad at %s: %s", daemon_socket,
			strerror(-err));
	return STRATACTL_ERR;
}

struct json_object *daemon_req(const char *cmd)
{
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	return req;
}

int daemon_request(struct json_object *req, struct json_object **reply)
{
	char text[512];
	int fd, err;

	*reply = NULL;
	fd = daemon_connect();
	if (fd < 0) {
		json_object_put(req);
		return connect_fail(fd);
	}
	*reply = ipc_call(fd, req, &err, text, sizeof(text));
	if (*reply)
		return STRATACTL_OK;
	if (err == -EPERM) {
		err_msg("%s (" DENIED_HINT ")", text);
		return STRATACTL_DENIED;
	}
	if (err == -EOPNOTSUPP) {
		err_msg("%s (is stratad older than stratactl?)", text);
		return STRATACTL_ERR;
	}
	err_msg("%s", text);
	return STRATACTL_ERR;
}

struct json_object *daemon_query(const char *cmd, char *why, size_t size)
{
	struct json_object *reply;
	int fd, err;

	why[0] = '\0';
	fd = daemon_connect();
	if (fd < 0) {
		if (!daemon_absent(fd))
			snprintf(why, size, "cannot connect to %s: %s",
				 daemon_socket, strerror(-fd));
		return NULL;
	}
	reply = ipc_call(fd, daemon_req(cmd), &err, why, size);
	if (!reply && !why[0])
		snprintf(why, size, "%s", strerror(-err));
	return reply;
}

int daemon_use(void)
{
	int fd = daemon_connect();

	if (fd >= 0)
		return 1;
	if (daemon_absent(fd))
		return 0;
	return -connect_fail(fd);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * stratad - the socket: accept, credentials (SO_PEERCRED, SO_PEERGROUPS),
 * one request at a time through the command table
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipc.h"
#include "stratad.h"

#define MAX_CLIENTS	64

enum access {
	ACCESS_READ,
	ACCESS_ADMIN,
};

struct command {
	const char *name;
	cmd_fn fn;
	enum access access;
};

/* Documentation/stratad.rst, Protocol */
static const struct command commands[] = {
	{ "status",		cmd_status,		ACCESS_READ },
	{ "module.list",	cmd_module_list,	ACCESS_READ },
	{ "module.load",	cmd_module_load,	ACCESS_ADMIN },
	{ "module.unload",	cmd_module_unload,	ACCESS_ADMIN },
	{ "policy.list",	cmd_policy_list,	ACCESS_READ },
	{ "policy.attach",	cmd_policy_attach,	ACCESS_ADMIN },
	{ "policy.detach",	cmd_policy_detach,	ACCESS_ADMIN },
	{ "tier.add",		cmd_tier_add,		ACCESS_ADMIN },
	{ "tier.remove",	cmd_tier_remove,	ACCESS_ADMIN },
	{ "tier.set",		cmd_tier_set,		ACCESS_ADMIN },
	{ "gang.kill",		cmd_gang_kill,		ACCESS_ADMIN },
	{ "reload",		cmd_reload,		ACCESS_ADMIN },
};

static int nr_clients;

int server_open(const char *path, char *msg)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	char *copy = xstrdup(path);
	int fd, err;

	err = mkdir_p(dirname(copy), 0755);
	free(copy);
	if (err) {
		msgf(msg, "cannot create the directory of %s: %s",
		     path, strerror(-err));
		return err;
	}
	if (strlen(path) >= sizeof(addr.sun_path)) {
		msgf(msg, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		msgf(msg, "cannot create a socket: %s",
		     strerror(-err));
		return err;
	}
	/* the pidfile lock says no other stratad uses it: a stale one */
	unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    chmod(path, 0666) || listen(fd, 16)) {
		err = -errno;
		msgf(msg, "cannot bind %s: %s", path,
		     strerror(-err));
		close(fd);
		unlink(path);
		return err;
	}
	ev.data.ptr = &stratad.listen_fd;
	if (epoll_ctl(stratad.epoll_fd, EPOLL_CTL_ADD, fd, &ev)) {
		err = -errno;
		msgf(msg, "cannot poll %s: %s", path,
		     strerror(-err));
		close(fd);
		unlink(path);
		return err;
	}
	stratad.listen_fd = fd;
	pr_debug("listening on %s", path);
	return 0;
}

void server_close(const char *path)
{
	if (stratad.listen_fd < 0)
		return;
	close(stratad.listen_fd);
	stratad.listen_fd = -1;
	unlink(path);
}

static int peer_groups(struct client *c)
{
	socklen_t len = 16 * sizeof(gid_t);
	gid_t *groups = NULL, *tmp;

	for (;;) {
		tmp = realloc(groups, len ? len : sizeof(gid_t));
		if (!tmp) {
			free(groups);
			return -ENOMEM;
		}
		groups = tmp;
		if (!getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, groups,
				&len))
			break;
		if (errno != ERANGE) {
			free(groups);
			return -errno;
		}
	}
	c->groups = groups;
	c->nr_groups = len / sizeof(gid_t);
	return 0;
}

void client_free(struct client *c)
{
	close(c->fd);
	free(c->groups);
	free(c);
	nr_clients--;
}

void server_accept(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *c;
	int fd;

	fd = accept4(stratad.listen_fd, NULL, NULL,
		     SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			pr_warn("accept: %s", strerror(errno));
		return;
	}
	if (nr_clients >= MAX_CLIENTS) {
		pr_warn("too many connections: refused one");
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	nr_clients++;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
	    peer_groups(c)) {
		pr_warn("cannot read a peer's credentials: %s",
			strerror(errno));
		client_free(c);
		return;
	}
	c->pid = cred.pid;
	c->uid = cred.uid;
	c->gid = cred.gid;
	ev.data.ptr = c;
	if (epoll_ctl(stratad.epoll_fd, EPOLL_CTL_ADD, fd, &ev)) {
		client_free(c);
		return;
	}
	pr_debug("connection from pid %d uid %u", c->pid, c->uid);
}

static bool is_admin(const struct client *c)
{
	const struct config *conf = stratad.conf;
	int i;

	if (c->uid == 0)
		return true;
	if (!*conf->admin_group)
		return false;
	if (c->gid == conf->admin_gid)
		return true;
	for (i = 0; i < c->nr_groups; i++)
		if (c->groups[i] == conf->admin_gid)
			return true;
	return false;
}

static struct json_object *dispatch(const struct client *c,
				    struct json_object *req, const char **name)
{
	struct json_object *v;
	size_t i;

	*name = "?";
	if (!json_object_object_get_ex(req, "cmd", &v) ||
	    !json_object_is_type(v, json_type_string))
		return ipc_reply_error(EINVAL,
				       "the request has no \"cmd\" string");
	*name = json_object_get_string(v);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, *name))
			break;
	if (i == ARRAY_SIZE(commands))
		return ipc_reply_error(EOPNOTSUPP, "unknown command '%s'",
				       *name);
	if (commands[i].access == ACCESS_ADMIN && !is_admin(c)) {
		if (*stratad.conf->admin_group)
			return ipc_reply_error(EPERM,
				"'%s' needs root or membership of group '%s'",
				*name, stratad.conf->admin_group);
		return ipc_reply_error(EPERM,
			"'%s' needs root (no admin_group is configured)",
			*name);
	}
	return commands[i].fn(c, req);
}

bool server_serve(struct client *c)
{
	struct json_object *req = NULL, *reply, *ok, *v;
	const char *name = "?";
	int err;

	err = ipc_recv(c->fd, &req);
	if (err == -EAGAIN || err == -EINTR)
		return true;
	if (err == -EPROTO)
		reply = ipc_reply_error(EINVAL,
					"the request is not a JSON object");
	else if (err == -EMSGSIZE)
		reply = ipc_reply_error(EMSGSIZE,
					"the request is longer than %d bytes",
					STRATAD_MSG_MAX);
	else if (err)
		return false;
	else
		reply = dispatch(c, req, &name);

	json_object_object_get_ex(reply, "ok", &ok);
	if (!json_object_get_boolean(ok)) {
		json_object_object_get_ex(reply, "error", &v);
		pr_debug("uid %u: %s: %s", c->uid, name,
			 json_object_get_string(v));
	} else {
		pr_debug("uid %u: %s: ok", c->uid, name);
	}
	err = ipc_send(c->fd, reply);
	if (err)
		pr_warn("cannot reply to pid %d: %s", c->pid, strerror(-err));
	json_object_put(reply);
	json_object_put(req);
	return !err;
}

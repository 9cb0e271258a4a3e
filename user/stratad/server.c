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
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "stratad.h"

/*
 * Connections: a user who is not an admin may hold MAX_USER_CLIENTS, all
 * of them together MAX_CLIENTS; admins (root, admin_group) are always let
 * in, up to MAX_ALL_CLIENTS.  A connection with no request for
 * CLIENT_IDLE_S seconds is closed: nobody can keep a slot forever.
 */
#define MAX_USER_CLIENTS	8
#define MAX_CLIENTS		64
#define MAX_ALL_CLIENTS		256
#define CLIENT_IDLE_S		10
/* At most one "refused" warning per this many seconds. */
#define REFUSE_LOG_S		10

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
	{ "tier.quota",		cmd_tier_quota,		ACCESS_ADMIN },
	{ "tier.nodes",		cmd_tier_nodes,		ACCESS_ADMIN },
	{ "tier.set",		cmd_tier_set,		ACCESS_ADMIN },
	{ "gang.kill",		cmd_gang_kill,		ACCESS_ADMIN },
	{ "reload",		cmd_reload,		ACCESS_ADMIN },
};

static int nr_clients;		/* of users who are not admins */
static int nr_all_clients;

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
	/*
	 * The locks say no other stratad runs; a socket that still answers
	 * belongs to something else, which must not be cut off.
	 */
	err = ipc_connect(path);
	if (err >= 0) {
		close(err);
		close(fd);
		msgf(msg, "%s is in use: something answers on it", path);
		return -EADDRINUSE;
	}
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

static struct client *clients;	/* every connection, newest first */

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void client_free(struct client *c)
{
	struct client **pp;

	for (pp = &clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	epoll_ctl(stratad.epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->groups);
	if (!c->admin)
		nr_clients--;
	nr_all_clients--;
	free(c);
}

/* Close the connections idle for CLIENT_IDLE_S. */
void server_sweep(void)
{
	time_t now = now_s();
	struct client *c, *next;

	for (c = clients; c; c = next) {
		char b;

		next = c->next;
		/* a request waiting behind a slow one is not idleness */
		if (now - c->last >= CLIENT_IDLE_S &&
		    recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) {
			pr_debug("closing an idle connection of pid %d", c->pid);
			client_free(c);
		}
	}
}

/* Whether a connection of @c's user fits in the limits. */
static bool client_admitted(const struct client *c)
{
	static time_t last_warned;
	const struct client *o;
	int mine = 0;

	if (c->admin)
		return nr_all_clients < MAX_ALL_CLIENTS;
	for (o = clients; o; o = o->next)
		mine += o->uid == c->uid;
	if (mine < MAX_USER_CLIENTS && nr_clients < MAX_CLIENTS)
		return true;
	if (now_s() - last_warned >= REFUSE_LOG_S) {
		last_warned = now_s();
		pr_warn("too many connections: refused uid %u (pid %d)",
			c->uid, c->pid);
	}
	return false;
}

static bool is_admin(const struct client *c);

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
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
	    peer_groups(c)) {
		pr_warn("cannot read a peer's credentials: %s",
			strerror(errno));
		close(fd);
		free(c->groups);
		free(c);
		return;
	}
	c->pid = cred.pid;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->admin = is_admin(c);
	if (!client_admitted(c)) {
		close(fd);
		free(c->groups);
		free(c);
		return;
	}
	c->last = now_s();
	c->next = clients;
	clients = c;
	if (!c->admin)
		nr_clients++;
	nr_all_clients++;
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
	c->last = now_s();
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

// SPDX-License-Identifier: GPL-2.0
/*
 * The stratad <-> stratactl protocol: framing and replies (ipc.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipc.h"

int ipc_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int ipc_send(int fd, struct json_object *msg)
{
	const char *text;
	size_t len;

	text = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(text);
	if (len > STRATAD_MSG_MAX)
		return -EMSGSIZE;
	if (send(fd, text, len, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

int ipc_recv(int fd, struct json_object **msg)
{
	struct json_tokener *tok;
	ssize_t len;
	char *buf;
	int err = 0;

	*msg = NULL;
	buf = malloc(STRATAD_MSG_MAX + 1);
	if (!buf)
		return -ENOMEM;
	len = recv(fd, buf, STRATAD_MSG_MAX + 1, MSG_TRUNC);
	if (len < 0) {
		err = -errno;
		goto out;
	}
	if (len == 0) {
		err = -ECONNRESET;
		goto out;
	}
	if (len > STRATAD_MSG_MAX) {
		err = -EMSGSIZE;
		goto out;
	}
	tok = json_tokener_new();
	if (!tok) {
		err = -ENOMEM;
		goto out;
	}
	*msg = json_tokener_parse_ex(tok, buf, len);
	if (!*msg || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != len ||
	    !json_object_is_type(*msg, json_type_object)) {
		json_object_put(*msg);
		*msg = NULL;
		err = -EPROTO;
	}
	json_tokener_free(tok);
out:
	free(buf);
	return err;
}

struct json_object *ipc_call(int fd, struct json_object *req, int *err,
			     char *errbuf, size_t errlen)
{
	struct json_object *reply, *ok, *v;

	*err = ipc_send(fd, req);
	json_object_put(req);
	if (!*err)
		*err = ipc_recv(fd, &reply);
	if (*err) {
		snprintf(errbuf, errlen, "talking to stratad: %s",
			 *err == -EPROTO ? "malformed reply" : strerror(-*err));
		return NULL;
	}
	if (json_object_object_get_ex(reply, "ok", &ok) &&
	    json_object_get_boolean(ok))
		return reply;

	*err = -EPROTO;
	if (json_object_object_get_ex(reply, "errno", &v) &&
	    json_object_get_int(v) > 0)
		*err = -json_object_get_int(v);
	if (json_object_object_get_ex(reply, "error", &v))
		snprintf(errbuf, errlen, "%s", json_object_get_string(v));
	else
		snprintf(errbuf, errlen, "%s", strerror(-*err));
	json_object_put(reply);
	return NULL;
}

struct json_object *ipc_reply_ok(void)
{
	struct json_object *reply = json_object_new_object();

	json_object_object_add(reply, "ok", json_object_new_boolean(1));
	return reply;
}

struct json_object *ipc_reply_error(int err, const char *fmt, ...)
{
	struct json_object *reply = json_object_new_object();
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_object_object_add(reply, "ok", json_object_new_boolean(0));
	json_object_object_add(reply, "errno", json_object_new_int(err));
	json_object_object_add(reply, "error", json_object_new_string(text));
	return reply;
}

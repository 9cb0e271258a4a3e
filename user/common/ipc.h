/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stratad <-> stratactl protocol (Documentation/stratad.rst, Protocol):
 * one JSON object per SOCK_SEQPACKET message, a request {"cmd": ...} and
 * its reply {"ok": true, ...} or {"ok": false, "errno": N, "error": "..."}.
 */
#ifndef _STRATA_IPC_H
#define _STRATA_IPC_H

#include <json-c/json.h>

#define STRATAD_SOCKET		"/run/strata/stratad.sock"
#define STRATAD_MSG_MAX		65536

/* Connect to the daemon's socket; a connected fd or -errno. */
int ipc_connect(const char *path);

/* Send @msg as one message; 0 or -errno (-EMSGSIZE when too long). */
int ipc_send(int fd, struct json_object *msg);

/*
 * Receive one message into *@msg (the caller puts it); 0, -ECONNRESET at
 * end of file, -EPROTO for what is not a JSON object, or -errno.
 */
int ipc_recv(int fd, struct json_object **msg);

/*
 * One request on a connected fd: send @req (consumed) and receive the
 * reply. Returns the reply and 0 in *@err when its "ok" is true; else NULL
 * with the daemon's errno (negated) in *@err and its "error" text, or a
 * local description, copied into @errbuf.
 */
struct json_object *ipc_call(int fd, struct json_object *req, int *err,
			     char *errbuf, size_t errlen);

/* A reply: {"ok": true}, to which the caller adds its results. */
struct json_object *ipc_reply_ok(void);

/* A reply: {"ok": false, "errno": @err (> 0), "error": formatted}. */
struct json_object *ipc_reply_error(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* _STRATA_IPC_H */

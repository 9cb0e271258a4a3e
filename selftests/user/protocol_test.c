// SPDX-License-Identifier: GPL-2.0
/*
 * stratad selftests - the socket protocol itself
 *
 * One JSON object per SOCK_SEQPACKET message, any number of requests on
 * a connection; unknown commands get EOPNOTSUPP, missing or mistyped
 * arguments EINVAL; a reply that fails always carries a positive errno
 * and a sentence.  A malformed message does not take the daemon down;
 * idle connections are closed, and no user who is not an admin can hold
 * enough of them to lock root out.
 */
#include "kselftest_harness.h"
#include "common.h"

FIXTURE(proto) {
	struct ud d;
};

FIXTURE_SETUP(proto)
{
	struct ud *d = &self->d;

	UD_SETUP(d, UD_STRATAD);
	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n"
			       "[module strata_cap]\n"));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
}

FIXTURE_TEARDOWN_PARENT(proto)
{
	ud_cleanup(&self->d);
}

/* Send @text as one message on @fd and receive the reply. */
static struct json_object *raw_call(int fd, const char *text)
{
	struct json_object *reply;

	if (send(fd, text, strlen(text), MSG_NOSIGNAL) < 0)
		return NULL;
	if (ipc_recv(fd, &reply))
		return NULL;
	return reply;
}

/* The reply is a failure with @err and a sentence. */
static bool fails_with(struct json_object *reply, int err)
{
	const char *text = jstr(reply, "error");

	return reply && jbool(reply, "ok") == 0 && jint(reply, "errno") == err &&
	       text && *text;
}

TEST_F_TIMEOUT(proto, one_connection_carries_many_requests, 120)
{
	struct ud *d = &self->d;
	struct json_object *reply;
	int fd, i;

	fd = ipc_connect(d->sock);
	ASSERT_LE(0, fd);
	for (i = 0; i < 5; i++) {
		reply = raw_call(fd, i % 2 ? "{\"cmd\":\"module.list\"}" :
					     "{\"cmd\":\"status\"}");
		ASSERT_NE(NULL, reply) TH_LOG("request %d", i);
		EXPECT_EQ(1, jbool(reply, "ok"));
		if (i % 2) {
			EXPECT_NE(NULL, jlist(reply, "modules"));
		} else {
			EXPECT_EQ(d->pid, jint(reply, "daemon.pid"));
		}
		json_object_put(reply);
	}
	close(fd);
}

TEST_F_TIMEOUT(proto, unknown_commands_get_eopnotsupp, 120)
{
	struct ud *d = &self->d;
	struct json_object *reply;
	int fd;

	fd = ipc_connect(d->sock);
	ASSERT_LE(0, fd);
	reply = raw_call(fd, "{\"cmd\":\"frobnicate\"}");
	EXPECT_TRUE(fails_with(reply, EOPNOTSUPP))
		TH_LOG("%s", json_object_to_json_string(reply));
	json_object_put(reply);
	/* the connection goes on */
	reply = raw_call(fd, "{\"cmd\":\"status\"}");
	EXPECT_EQ(1, jbool(reply, "ok"));
	json_object_put(reply);
	close(fd);
}

TEST_F_TIMEOUT(proto, missing_or_mistyped_arguments_get_einval, 120)
{
	static const char *const reqs[] = {
		"{\"cmd\":\"module.load\"}",
		"{\"cmd\":\"module.load\",\"name\":5}",
		"{\"cmd\":\"module.unload\",\"name\":[]}",
		"{\"cmd\":\"policy.attach\"}",
		"{\"cmd\":\"policy.attach\",\"name\":\"x\",\"file\":1}",
		"{\"cmd\":\"policy.detach\",\"name\":null}",
		"{\"cmd\":\"tier.add\"}",
		"{\"cmd\":\"tier.add\",\"pid\":\"one\"}",
		"{\"cmd\":\"tier.remove\"}",
		"{\"cmd\":\"tier.set\",\"key\":\"hot_rounds\"}",
		"{\"cmd\":\"gang.kill\"}",
		"{\"cmd\":\"gang.kill\",\"id\":\"x\"}",
	};
	struct ud *d = &self->d;
	struct json_object *reply;
	size_t i;
	int fd;

	fd = ipc_connect(d->sock);
	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		reply = raw_call(fd, reqs[i]);
		EXPECT_TRUE(fails_with(reply, EINVAL))
			TH_LOG("%s -> %s", reqs[i],
			       json_object_to_json_string(reply));
		json_object_put(reply);
	}
	close(fd);
	EXPECT_TRUE(mod_loaded("strata_cap"));
	EXPECT_FALSE(mod_loaded("strata_tier"));
	EXPECT_EQ(0, pins_total());
}

TEST_F_TIMEOUT(proto, malformed_messages_get_errors_and_the_daemon_goes_on, 120)
{
	static const char *const bad[] = {
		"this is not json", "[1, 2, 3]", "\"cmd\"", "{\"cmd\":",
		"{} trailing",
	};
	struct ud *d = &self->d;
	struct json_object *reply;
	char *huge;
	size_t i;
	int fd;

	fd = ipc_connect(d->sock);
	ASSERT_LE(0, fd);
	/* each gets EINVAL, and the connection stays usable */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reply = raw_call(fd, bad[i]);
		EXPECT_TRUE(fails_with(reply, EINVAL))
			TH_LOG("'%s' -> %s", bad[i],
			       reply ? json_object_to_json_string(reply) :
				       "no reply");
		json_object_put(reply);
	}
	/* one byte over the limit: EMSGSIZE, and still usable */
	huge = malloc(STRATAD_MSG_MAX + 1);
	ASSERT_NE(NULL, huge);
	memset(huge, ' ', STRATAD_MSG_MAX + 1);
	reply = NULL;
	if (send(fd, huge, STRATAD_MSG_MAX + 1, MSG_NOSIGNAL) > 0)
		ipc_recv(fd, &reply);
	free(huge);
	EXPECT_TRUE(fails_with(reply, EMSGSIZE))
		TH_LOG("%s", reply ? json_object_to_json_string(reply) :
				     "no reply");
	json_object_put(reply);
	reply = raw_call(fd, "{\"cmd\":\"status\"}");
	ASSERT_NE(NULL, reply);
	EXPECT_EQ(1, jbool(reply, "ok"));
	json_object_put(reply);
	close(fd);

	/* a client that goes away with its request unanswered */
	fd = ipc_connect(d->sock);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, send(fd, "{\"cmd\":\"module.list\"}", 21,
			  MSG_NOSIGNAL));
	close(fd);

	reply = ud_status(d);
	ASSERT_NE(NULL, reply) TH_LOG("%s", ud_log_tail(d));
	EXPECT_EQ(d->pid, jint(reply, "daemon.pid"));
	json_object_put(reply);
	EXPECT_EQ(-ETIMEDOUT, ud_wait(d, 0));
}

TEST_F_TIMEOUT(proto, an_idle_connection_is_closed, 120)
{
	struct ud *d = &self->d;
	struct json_object *reply;
	long long t0, waited;
	char b;
	int fd;

	fd = ipc_connect(d->sock);
	ASSERT_LE(0, fd);
	reply = raw_call(fd, "{\"cmd\":\"status\"}");
	ASSERT_NE(NULL, reply);
	json_object_put(reply);
	/* then nothing: the daemon hangs up 10 s after the last request */
	t0 = strata_now_ms();
	EXPECT_EQ(0, recv(fd, &b, 1, 0));
	waited = strata_now_ms() - t0;
	EXPECT_LE(9000, waited);
	EXPECT_GE(30000, waited);
	close(fd);
}

/*
 * In a child, as uid 65534: open @n connections, then ask for the status
 * on each; exit with how many were answered.
 */
static int nobody_connections(const char *sock, int n, int *ready_pipe,
			      int *go_pipe)
{
	int fds[32], answered = 0, i;
	struct json_object *reply;
	char b = 0;

	if (run_become(&ud_nobody))
		return 255;
	for (i = 0; i < n; i++)
		fds[i] = ipc_connect(sock);
	/* held while the parent checks that root still gets in */
	if (write(ready_pipe[1], &b, 1) != 1 || read(go_pipe[0], &b, 1) != 1)
		return 254;
	for (i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		reply = raw_call(fds[i], "{\"cmd\":\"status\"}");
		answered += reply && jbool(reply, "ok") == 1;
		json_object_put(reply);
	}
	return answered;
}

TEST_F_TIMEOUT(proto, a_user_cannot_hold_every_connection, 120)
{
	struct ud *d = &self->d;
	int ready[2], go[2], status;
	struct json_object *reply;
	char b = 0;
	pid_t pid;

	ASSERT_EQ(0, chmod(d->dir, 0755));
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(nobody_connections(d->sock, 20, ready, go));
	ASSERT_EQ(1, read(ready[0], &b, 1));
	/* uid 65534 holds what it was let have: root still gets in */
	reply = ud_status(d);
	EXPECT_NE(NULL, reply) TH_LOG("root was locked out");
	EXPECT_EQ(1, jbool(reply, "ok"));
	json_object_put(reply);
	ASSERT_EQ(1, write(go[1], &b, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* 8 per user who is not an admin; the other 12 were closed */
	EXPECT_EQ(8, WEXITSTATUS(status));
	EXPECT_TRUE(ud_log_has(d, "too many connections: refused uid 65534"));
}

TEST_HARNESS_MAIN

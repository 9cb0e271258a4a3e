// SPDX-License-Identifier: GPL-2.0
/*
 * stratad selftests - the socket protocol itself
 *
 * One JSON object per SOCK_SEQPACKET message, any number of requests on
 * a connection; unknown commands get EOPNOTSUPP, missing or mistyped
 * arguments EINVAL; a reply that fails always carries a positive errno
 * and a sentence.  A malformed message does not take the daemon down.
 */
#include "kselftest_harness.h"
#include "common.h"

FIXTURE(proto) {
	struct ud d;
};

FIXTURE_SETUP(proto)
{
	struct ud *d = &self->d;

	ASSERT_EQ(0, access(UD_STRATAD, X_OK))
		TH_LOG("no %s (make user)", UD_STRATAD);
	ASSERT_EQ(0, ud_bpffs());
	ASSERT_EQ(0, ud_clean_kernel())
		TH_LOG("strata modules or pins left that cannot be removed");
	ASSERT_EQ(0, ud_init(d));
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

TEST_F_TIMEOUT(proto, malformed_messages_do_not_stop_the_daemon, 120)
{
	struct ud *d = &self->d;
	struct json_object *reply;
	char big[4096];
	int fd;

	fd = ipc_connect(d->sock);
	ASSERT_LE(0, fd);
	/* not JSON, not an object: an error reply or the connection ends */
	reply = raw_call(fd, "this is not json");
	if (reply) {
		EXPECT_EQ(0, jbool(reply, "ok"));
	}
	json_object_put(reply);
	close(fd);

	fd = ipc_connect(d->sock);
	ASSERT_LE(0, fd);
	reply = raw_call(fd, "[1, 2, 3]");
	if (reply) {
		EXPECT_EQ(0, jbool(reply, "ok"));
	}
	json_object_put(reply);
	close(fd);

	/* a client that goes away mid-request */
	fd = ipc_connect(d->sock);
	ASSERT_LE(0, fd);
	memset(big, ' ', sizeof(big));
	ASSERT_LE(0, send(fd, big, sizeof(big), MSG_NOSIGNAL));
	close(fd);

	reply = ud_status(d);
	ASSERT_NE(NULL, reply) TH_LOG("%s", ud_log_tail(d));
	EXPECT_EQ(d->pid, jint(reply, "daemon.pid"));
	json_object_put(reply);
	EXPECT_EQ(-ETIMEDOUT, ud_wait(d, 0));
}

TEST_HARNESS_MAIN

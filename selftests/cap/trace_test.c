// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - tracepoints
 *
 * Each test records the strata_cap events in a tracefs instance of its
 * own, does one thing, and looks for the event with the object's koid.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "common.h"

#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/strata_cap_test"

FIXTURE(trace) {
	int fd;
};

FIXTURE_SETUP(trace)
{
	struct stat st;

	if (stat(TRACEFS "/instances", &st))
		ASSERT_EQ(0, mount("tracefs", TRACEFS, "tracefs", 0, NULL));
	rmdir(INSTANCE);
	ASSERT_EQ(0, mkdir(INSTANCE, 0700));
	ASSERT_EQ(0, strata_write_str(INSTANCE "/events/strata_cap/enable", "1"));
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(trace)
{
	close(self->fd);
	strata_write_str(INSTANCE "/events/strata_cap/enable", "0");
	rmdir(INSTANCE);
}

/* Whether the instance's buffer has a line with @event and @needle. */
static bool traced(const char *event, const char *needle)
{
	char line[512];
	bool found = false;
	FILE *f;

	f = fopen(INSTANCE "/trace", "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, event) && strstr(line, needle);
	fclose(f);
	return found;
}

static void koid_str(int fd, __u32 h, char *buf, size_t len)
{
	struct strata_cap_handle_info info;

	buf[0] = '\0';
	if (!strata_handle_info(fd, h, &info))
		snprintf(buf, len, "koid=%llu ", (unsigned long long)info.koid);
}

TEST_F(trace, create_duplicate_and_close_are_traced)
{
	char koid[64], pid[32];
	__u32 h, d;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	koid_str(self->fd, h, koid, sizeof(koid));
	ASSERT_NE('\0', koid[0]);
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h, STRATA_RIGHT_WAIT,
					     &d));
	ASSERT_EQ(0, strata_handle_close(self->fd, d));

	snprintf(pid, sizeof(pid), "tgid=%d", getpid());
	EXPECT_TRUE(traced("strata_cap_create:", koid));
	EXPECT_TRUE(traced("strata_cap_create:", pid));
	EXPECT_TRUE(traced("strata_cap_duplicate:", koid));
	EXPECT_TRUE(traced("strata_cap_duplicate:", "new_rights=0x4000"));
	EXPECT_TRUE(traced("strata_cap_close:", koid));
}

TEST_F(trace, transfer_and_revoke_are_traced)
{
	char koid[64];
	__u32 c0, c1, h, d, got, nh;
	char byte;

	ASSERT_EQ(0, strata_channel_create(self->fd, &c0, &c1));
	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	koid_str(self->fd, h, koid, sizeof(koid));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h,
					     STRATA_RIGHT_SAME_RIGHTS, &d));
	ASSERT_EQ(0, strata_channel_write(self->fd, c0, "x", 1, &d, 1));
	ASSERT_EQ(0, strata_channel_read(self->fd, c1, &byte, 1, &got, 1,
					 NULL, &nh));
	ASSERT_EQ(1, strata_handle_revoke(self->fd, h));

	EXPECT_TRUE(traced("strata_cap_transfer:", koid));
	EXPECT_TRUE(traced("strata_cap_revoke:", "nr_revoked=1"));
	EXPECT_TRUE(traced("strata_cap_revoke:", koid));
}

TEST_F(trace, a_rights_denial_is_traced_with_the_missing_right)
{
	char koid[64];
	__u32 h, d, out;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	koid_str(self->fd, h, koid, sizeof(koid));
	ASSERT_EQ(0, strata_handle_duplicate(self->fd, h, STRATA_RIGHT_WAIT,
					     &d));
	ASSERT_EQ(-EACCES, strata_handle_duplicate(self->fd, d,
						   STRATA_RIGHT_SAME_RIGHTS,
						   &out));
	EXPECT_TRUE(traced("strata_cap_deny:", "op=rights"));
	EXPECT_TRUE(traced("strata_cap_deny:", koid));
	/* DUPLICATE is the right that was missing. */
	EXPECT_TRUE(traced("strata_cap_deny:", "rights=0x1 err=-13"));
}

TEST_F(trace, export_and_import_are_traced)
{
	char koid[64];
	__u32 h, back;
	int fd;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	koid_str(self->fd, h, koid, sizeof(koid));
	fd = strata_handle_export(self->fd, h, STRATA_RIGHT_SAME_RIGHTS, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, strata_handle_import(self->fd, fd, &back));
	close(fd);
	EXPECT_TRUE(traced("strata_cap_export:", koid));
	EXPECT_TRUE(traced("strata_cap_import:", koid));
}

TEST_HARNESS_MAIN

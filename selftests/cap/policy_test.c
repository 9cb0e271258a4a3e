// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - the strata_cap_ops struct_ops and the cap_limit
 * sample policy; bpftool listing strata's struct_ops
 */
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "common.h"
#include "cap_limit.skel.h"

FIXTURE(policy) {
	struct cap_limit_bpf *skel;
	struct bpf_link *link;
	int fd;
};

FIXTURE_SETUP(policy)
{
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->skel = cap_limit_bpf__open();
	ASSERT_NE(NULL, self->skel);
	self->link = NULL;
}

FIXTURE_TEARDOWN(policy)
{
	bpf_link__destroy(self->link);
	cap_limit_bpf__destroy(self->skel);
	close(self->fd);
}

static int attach(struct __test_metadata *_metadata,
		  FIXTURE_DATA(policy) *self)
{
	if (cap_limit_bpf__load(self->skel))
		return -1;
	self->link = bpf_map__attach_struct_ops(self->skel->maps.cap_limit);
	return self->link ? 0 : -1;
}

TEST_F(policy, denied_create_fails_until_detached)
{
	__u32 h;

	self->skel->rodata->deny_types = 1ULL << STRATA_OBJ_EVENT;
	ASSERT_EQ(0, attach(_metadata, self));

	EXPECT_EQ(-EPERM, strata_event_create(self->fd, &h));
	EXPECT_EQ(1, self->skel->bss->nr_denied_create);
	/* A refused create leaves nothing behind. */
	struct strata_cap_table_info info;

	ASSERT_EQ(0, strata_cap_table_info(self->fd, &info));
	EXPECT_EQ(0, info.nr_handles);

	/* Detaching restores the default: allow. */
	bpf_link__destroy(self->link);
	self->link = NULL;
	EXPECT_EQ(0, strata_event_create(self->fd, &h));
}

TEST_F(policy, other_types_are_not_affected)
{
	__u32 h;

	self->skel->rodata->deny_types = 1ULL << STRATA_OBJ_CHANNEL;
	ASSERT_EQ(0, attach(_metadata, self));
	EXPECT_EQ(0, strata_event_create(self->fd, &h));
	EXPECT_EQ(0, self->skel->bss->nr_denied_create);
}

TEST_F(policy, duplicate_rights_are_limited)
{
	__u32 h, d;

	ASSERT_EQ(0, strata_event_create(self->fd, &h));
	self->skel->rodata->dup_rights = STRATA_RIGHTS_ALL &
					 ~STRATA_RIGHT_TRANSFER;
	ASSERT_EQ(0, attach(_metadata, self));

	EXPECT_EQ(-EACCES, strata_handle_duplicate(self->fd, h,
						   STRATA_RIGHT_SAME_RIGHTS,
						   &d));
	EXPECT_EQ(1, self->skel->bss->nr_denied_duplicate);
	EXPECT_EQ(0, strata_handle_duplicate(self->fd, h,
					     STRATA_DEFAULT_EVENT_RIGHTS &
					     ~STRATA_RIGHT_TRANSFER, &d));
}

TEST_F(policy, only_one_policy_at_a_time)
{
	struct cap_limit_bpf *second;
	struct bpf_link *link;

	ASSERT_EQ(0, attach(_metadata, self));
	second = cap_limit_bpf__open_and_load();
	ASSERT_NE(NULL, second);
	link = bpf_map__attach_struct_ops(second->maps.cap_limit);
	EXPECT_EQ(NULL, link);
	EXPECT_EQ(EBUSY, errno);
	bpf_link__destroy(link);
	cap_limit_bpf__destroy(second);
}

/* Run a command, return its exit status and the start of its stdout. */
static int run(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	if (!p)
		return -1;
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	return pclose(p);
}

TEST_F(policy, bpftool_lists_and_dumps_the_policy)
{
	const char *bpftool = getenv("STRATA_BPFTOOL");
	static char out[1 << 16];
	char cmd[512];

	if (!bpftool)
		SKIP(return, "STRATA_BPFTOOL is not set");
	ASSERT_EQ(0, attach(_metadata, self));

	snprintf(cmd, sizeof(cmd), "%s -j struct_ops list", bpftool);
	ASSERT_EQ(0, run(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"name\":\"cap_limit\""));
	EXPECT_NE(NULL, strstr(out, "\"kernel_struct_ops\":\"strata_cap_ops\""));

	snprintf(cmd, sizeof(cmd), "%s struct_ops dump name cap_limit",
		 bpftool);
	ASSERT_EQ(0, run(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "bpf_struct_ops_strata_cap_ops"));
	EXPECT_NE(NULL, strstr(out, "cap_limit"));
}

TEST_HARNESS_MAIN

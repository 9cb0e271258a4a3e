// SPDX-License-Identifier: GPL-2.0
/*
 * stratad selftests - who may do what through the socket
 *
 * The socket is open to everyone (mode 0666); the daemon decides from the
 * peer's credentials (SO_PEERCRED, SO_PEERGROUPS): everyone may read
 * (status, module list, policy list), only root and the members of
 * admin_group may change things; the others get EPERM, which stratactl
 * turns into exit status 5.  The unprivileged client is a forked process
 * that became uid and gid 65534 with no capabilities; its membership of
 * admin_group is a supplementary group ("users" of the test machine).
 */
#include "kselftest_harness.h"
#include "common.h"

#define ADMIN_GROUP	"users"

FIXTURE(access) {
	struct ud d;
	pid_t sleeper;
	gid_t admin_gid;
};

FIXTURE_VARIANT(access) {
	bool admin_group;	/* configure admin_group = users */
};

FIXTURE_VARIANT_ADD(access, root_only) {
	.admin_group = false,
};

FIXTURE_VARIANT_ADD(access, admin_group) {
	.admin_group = true,
};

FIXTURE_SETUP(access)
{
	struct ud *d = &self->d;
	struct group *gr = getgrnam(ADMIN_GROUP);

	ASSERT_NE(NULL, gr) TH_LOG("no group '%s' here", ADMIN_GROUP);
	self->admin_gid = gr->gr_gid;
	UD_SETUP(d, UD_STRATACTL, UD_STRATAD);
	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n"
			       "%s"
			       "[module strata_cap]\n"
			       "[module strata_tier]\n"
			       "[module strata_gang]\n"
			       "load = no\n"
			       "fake_gpus = 8\n"
			       "[policy cap_scm]\n",
			       variant->admin_group ?
			       "admin_group = " ADMIN_GROUP "\n" : ""));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
}

FIXTURE_TEARDOWN_PARENT(access)
{
	if (self->sleeper > 0)
		kill(self->sleeper, SIGKILL);
	ud_cleanup(&self->d);
}

/* uid/gid 65534, in admin_group or not */
static struct run_as client(FIXTURE_DATA(access) *self, bool member)
{
	struct run_as as = ud_nobody;

	if (member) {
		as.nr_groups = 1;
		as.groups[0] = self->admin_gid;
	}
	return as;
}

/* One request as @as, in a child: the reply's errno (negative) or 0. */
static int call_as(const struct ud *d, const struct run_as *as,
		   const char *req)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (run_become(as))
			_exit(255);
		_exit(-ud_errno(d, "%s", req) & 0xff);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 255)
		return -ECHILD;
	return -WEXITSTATUS(status);
}

/* The quota given to the registrations root makes here. */
#define TIER_QUOTA	(64ULL << 20)

/* Register process @pid directly, as root. */
static int tier_register(pid_t pid, __u64 quota, __u32 *id)
{
	int fd = strata_tier_open(), err;

	if (fd < 0)
		return fd;
	err = strata_tier_register_pid(fd, pid, quota, id);
	close(fd);
	return err;
}

/* The quota of registration @id, or 1 when STATS fails. */
static __u64 tier_quota_of(__u32 id)
{
	struct strata_tier_stats st;
	int fd = strata_tier_open(), err;

	if (fd < 0)
		return 1;
	err = strata_tier_stats(fd, id, &st);
	close(fd);
	return err ? 1 : st.fast_quota;
}

/* INFO's flags, or 0 when it fails. */
static __u32 tier_flags(void)
{
	struct strata_tier_info info;
	int fd = strata_tier_open(), err;

	if (fd < 0)
		return 0;
	err = strata_tier_info(fd, &info, NULL, 0);
	close(fd);
	return err ? 0 : info.flags;
}

TEST_F_TIMEOUT(access, anyone_may_read, 180)
{
	struct ud *d = &self->d;
	struct run_as as = client(self, false);
	struct run *r = run_new();
	struct json_object *j;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, CTL_AS(r, &as, d, "-j", "status")) TH_LOG("%s", r->err);
	j = json_of(r->out);
	EXPECT_EQ(d->pid, jint(j, "daemon.pid")) TH_LOG("%s", r->out);
	json_object_put(j);

	ASSERT_EQ(0, CTL_AS(r, &as, d, "-j", "module", "list"))
		TH_LOG("%s", r->err);
	j = json_of(r->out);
	EXPECT_EQ(1, jbool(jfind_module(jlist(j, "modules"), "strata_cap"),
			   "loaded")) TH_LOG("%s", r->out);
	EXPECT_STREQ("stratad", jmodule_owner(j, "strata_cap"));
	json_object_put(j);

	ASSERT_EQ(0, CTL_AS(r, &as, d, "-j", "policy", "list"))
		TH_LOG("%s", r->err);
	j = json_of(r->out);
	EXPECT_STREQ("stratad",
		     UD_S(jstr(jfind(jlist(j, "policies"), "name", "cap_scm"),
			       "owner"))) TH_LOG("%s", r->out);
	json_object_put(j);

	EXPECT_EQ(0, call_as(d, &as, "{\"cmd\":\"status\"}"));
	EXPECT_EQ(0, call_as(d, &as, "{\"cmd\":\"module.list\"}"));
	EXPECT_EQ(0, call_as(d, &as, "{\"cmd\":\"policy.list\"}"));
}

TEST_F_TIMEOUT(access, others_get_exit_5_and_eperm_for_every_change, 240)
{
	struct ud *d = &self->d;
	struct run_as as = client(self, false);
	struct run *r = run_new();
	struct ud_gang g;
	char pid[16], koid[32], req[128], idstr[16];
	long scan_max;
	int pins;
	__u32 id;

	ASSERT_NE(NULL, r);
	self->sleeper = sleeper_start();
	ASSERT_LT(0, self->sleeper);
	snprintf(pid, sizeof(pid), "%d", self->sleeper);
	pins = pins_count("cap_scm");
	ASSERT_LE(1, pins);
	scan_max = mod_param_long("strata_tier", "scan_max_ms");

	EXPECT_EQ(5, CTL_AS(r, &as, d, "module", "load", "gang"))
		TH_LOG("%s", r->err);
	EXPECT_FALSE(mod_loaded("strata_gang"));
	EXPECT_EQ(5, CTL_AS(r, &as, d, "module", "unload", "tier"));
	EXPECT_TRUE(mod_loaded("strata_tier"));
	EXPECT_EQ(5, CTL_AS(r, &as, d, "policy", "attach", "cap_limit"));
	EXPECT_FALSE(policy_dir_exists("cap_limit"));
	EXPECT_EQ(5, CTL_AS(r, &as, d, "policy", "detach", "cap_scm"));
	EXPECT_EQ(pins, pins_count("cap_scm"));
	EXPECT_EQ(5, CTL_AS(r, &as, d, "tier", "add", "--pid", pid));
	EXPECT_EQ(0, tier_count());
	EXPECT_EQ(5, CTL_AS(r, &as, d, "tier", "set", "scan_max_ms", "1234"));
	EXPECT_EQ(scan_max, mod_param_long("strata_tier", "scan_max_ms"));

	/* quota and nodes, on a registration root made */
	ASSERT_EQ(0, tier_register(self->sleeper, TIER_QUOTA, &id));
	snprintf(idstr, sizeof(idstr), "%u", id);
	EXPECT_EQ(5, CTL_AS(r, &as, d, "tier", "quota", idstr, "1G"))
		TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->err, "admin_group")) TH_LOG("%s", r->err);
	EXPECT_EQ(TIER_QUOTA, tier_quota_of(id));
	EXPECT_EQ(5, CTL_AS(r, &as, d, "tier", "nodes", "--fast", "0",
			    "--slow", ""));
	EXPECT_FALSE(tier_flags() & STRATA_TIER_INFO_OVERRIDE);
	ASSERT_EQ(0, CTL(r, d, "tier", "nodes", "--fast", "0", "--slow", "1"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(5, CTL_AS(r, &as, d, "tier", "nodes", "auto"));
	EXPECT_TRUE(tier_flags() & STRATA_TIER_INFO_OVERRIDE);
	ASSERT_EQ(0, CTL(r, d, "tier", "nodes", "auto")) TH_LOG("%s", r->err);
	EXPECT_FALSE(tier_flags() & STRATA_TIER_INFO_OVERRIDE);

	/* the protocol's own answer is EPERM, whatever the command */
	EXPECT_EQ(-EPERM, call_as(d, &as, "{\"cmd\":\"module.load\","
					   "\"name\":\"strata_gang\"}"));
	EXPECT_EQ(-EPERM, call_as(d, &as, "{\"cmd\":\"reload\"}"));
	EXPECT_EQ(-EPERM, call_as(d, &as, "{\"cmd\":\"tier.remove\","
					   "\"id\":1}"));
	snprintf(req, sizeof(req), "{\"cmd\":\"tier.quota\",\"id\":%u,"
		 "\"quota\":0}", id);
	EXPECT_EQ(-EPERM, call_as(d, &as, req));
	EXPECT_EQ(TIER_QUOTA, tier_quota_of(id));
	EXPECT_EQ(-EPERM, call_as(d, &as, "{\"cmd\":\"tier.nodes\","
					   "\"auto\":true}"));
	EXPECT_EQ(-EPERM, call_as(d, &as, "{\"cmd\":\"tier.nodes\","
					   "\"fast\":[0],\"slow\":[]}"));
	EXPECT_FALSE(tier_flags() & STRATA_TIER_INFO_OVERRIDE);
	EXPECT_EQ(1, tier_count());
	EXPECT_EQ(0, CTL(r, d, "tier", "remove", idstr)) TH_LOG("%s", r->err);
	EXPECT_EQ(-EPERM, call_as(d, &as, "{\"cmd\":\"policy.detach\","
					   "\"name\":\"cap_scm\"}"));
	EXPECT_EQ(pins, pins_count("cap_scm"));

	/* gang kill, of a gang root made */
	ASSERT_EQ(0, CTL(r, d, "module", "load", "gang")) TH_LOG("%s", r->err);
	ASSERT_EQ(0, gang_make(&g));
	snprintf(koid, sizeof(koid), "%llu", (unsigned long long)g.koid);
	EXPECT_EQ(5, CTL_AS(r, &as, d, "gang", "kill", koid));
	snprintf(req, sizeof(req), "{\"cmd\":\"gang.kill\",\"id\":%s}", koid);
	EXPECT_EQ(-EPERM, call_as(d, &as, req));
	EXPECT_EQ(STRATA_GANG_FORMING, gang_state(&g, NULL));
	gang_drop(&g);
}

TEST_F_TIMEOUT(access, a_member_of_admin_group_may_change_things, 300)
{
	struct ud *d = &self->d;
	struct run_as member = client(self, true);
	struct run *r = run_new();
	struct json_object *j;
	struct ud_gang g;
	char pid[16], koid[32], id[16];
	__u32 reason = ~0U, tid;
	int want;

	ASSERT_NE(NULL, r);
	/* root_only: the same member is refused */
	want = variant->admin_group ? 0 : 5;

	ASSERT_EQ(0, CTL(r, d, "-j", "status"));
	j = json_of(r->out);
	if (variant->admin_group) {
		EXPECT_STREQ(ADMIN_GROUP, UD_S(jstr(j, "daemon.admin_group")))
			TH_LOG("%s", r->out);
	}
	json_object_put(j);

	EXPECT_EQ(want, CTL_AS(r, &member, d, "module", "load", "gang"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(!want, mod_loaded("strata_gang"));
	EXPECT_EQ(want, CTL_AS(r, &member, d, "policy", "detach", "cap_scm"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(!want, !policy_dir_exists("cap_scm"));
	EXPECT_EQ(want, CTL_AS(r, &member, d, "policy", "attach", "cap_limit"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(!want, pins_count("cap_limit") >= 1);

	/*
	 * A registration by uid 65534: strata_tier itself would refuse it
	 * (CAP_SYS_ADMIN), so it is the daemon that made it.
	 */
	self->sleeper = sleeper_start();
	ASSERT_LT(0, self->sleeper);
	snprintf(pid, sizeof(pid), "%d", self->sleeper);
	EXPECT_EQ(want, CTL_AS(r, &member, d, "-j", "tier", "add", "--pid",
			       pid)) TH_LOG("%s", r->err);
	EXPECT_EQ(!want, tier_count());
	if (!want) {
		j = json_of(r->out);
		snprintf(id, sizeof(id), "%lld", jint(j, "id"));
		json_object_put(j);
		EXPECT_EQ(0, CTL_AS(r, &member, d, "tier", "remove", id))
			TH_LOG("%s", r->err);
		EXPECT_EQ(0, tier_count());
	}

	/*
	 * quota and nodes, on a registration root made: strata_tier would
	 * refuse uid 65534 too, so it is the daemon that changed them
	 */
	ASSERT_EQ(0, tier_register(self->sleeper, TIER_QUOTA, &tid));
	snprintf(id, sizeof(id), "%u", tid);
	EXPECT_EQ(want, CTL_AS(r, &member, d, "tier", "quota", id, "16M"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(want ? TIER_QUOTA : 16ULL << 20, tier_quota_of(tid));
	EXPECT_EQ(want, CTL_AS(r, &member, d, "tier", "quota", id, "none"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(want ? TIER_QUOTA : STRATA_TIER_QUOTA_NONE,
		  tier_quota_of(tid));
	EXPECT_EQ(want, CTL_AS(r, &member, d, "tier", "nodes", "--fast", "0",
			       "--slow", "")) TH_LOG("%s", r->err);
	EXPECT_EQ(!want, !!(tier_flags() & STRATA_TIER_INFO_OVERRIDE));
	EXPECT_EQ(!want, !(tier_flags() & STRATA_TIER_INFO_ACTIVE));
	EXPECT_EQ(want, CTL_AS(r, &member, d, "tier", "nodes", "auto"))
		TH_LOG("%s", r->err);
	EXPECT_FALSE(tier_flags() & STRATA_TIER_INFO_OVERRIDE);
	EXPECT_TRUE(tier_flags() & STRATA_TIER_INFO_ACTIVE);
	EXPECT_EQ(0, CTL(r, d, "tier", "remove", id)) TH_LOG("%s", r->err);
	EXPECT_EQ(0, tier_count());

	if (!mod_loaded("strata_gang")) {
		ASSERT_EQ(0, CTL(r, d, "module", "load", "gang"));
	}
	ASSERT_EQ(0, gang_make(&g));
	snprintf(koid, sizeof(koid), "%llu", (unsigned long long)g.koid);
	EXPECT_EQ(want, CTL_AS(r, &member, d, "gang", "kill", koid))
		TH_LOG("%s", r->err);
	EXPECT_EQ(want ? STRATA_GANG_FORMING : STRATA_GANG_ABORTED,
		  gang_state(&g, &reason));
	gang_drop(&g);

	if (!want) {
		EXPECT_EQ(0, CTL_AS(r, &member, d, "policy", "detach",
				    "cap_limit")) TH_LOG("%s", r->err);
		EXPECT_TRUE(UD_WAIT_UNTIL(!CTL_AS(r, &member, d, "module",
						  "unload", "gang"), 10000))
			TH_LOG("%s", r->err);
		EXPECT_FALSE(mod_loaded("strata_gang"));
	}
}

TEST_HARNESS_MAIN

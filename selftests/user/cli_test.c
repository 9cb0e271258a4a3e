// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl selftests - the commands that talk to stratad, checked
 * against the kernel
 *
 * stratactl runs as a program (build/user/stratactl) with -s naming the
 * test's daemon, or a socket nobody listens on for "no daemon".  What it
 * prints with -j is parsed with json-c and compared with what the kernel
 * says: /sys/module/NAME for modules and their parameters, the link pins
 * under /sys/fs/bpf/strata/NAME/links and bpf(2) for policies,
 * /dev/strata/tier for registrations, STRATA_GANG_IOC_INFO for a gang
 * this test created.
 *
 * The daemon of each test loads strata_cap, strata_tier and strata_gang
 * (fake_gpus=8) and unloads them when it stops.
 */
#include "kselftest_harness.h"
#include "common.h"

#define SCM_PROG	"cap_scm_file_receive"

FIXTURE(cli) {
	struct ud d;
	pid_t sleeper;
};

FIXTURE_SETUP(cli)
{
	struct ud *d = &self->d;

	UD_SETUP(d, UD_STRATACTL, UD_STRATAD);
	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n"
			       "[module strata_cap]\n"
			       "[module strata_tier]\n"
			       "[module strata_gang]\n"
			       "fake_gpus = 8\n"));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
}

FIXTURE_TEARDOWN_PARENT(cli)
{
	if (self->sleeper > 0)
		kill(self->sleeper, SIGKILL);
	ud_cleanup(&self->d);
}

/* The JSON stratactl printed, or fail the test. */
#define OUT_JSON(r) ({							\
	struct json_object *__j = json_of((r)->out);			\
	ASSERT_NE(NULL, __j) TH_LOG("not JSON: '%s' (stderr '%s')",	\
				    (r)->out, (r)->err);		\
	__j;								\
})

/* Whether a parameter's JSON value says what sysfs says (Y/N: booleans). */
static bool param_matches(struct json_object *v, const char *sysfs)
{
	if (json_object_is_type(v, json_type_boolean))
		return !strcmp(sysfs, json_object_get_boolean(v) ? "Y" : "N");
	if (!v)
		return !*sysfs;
	return !strcmp(json_object_get_string(v), sysfs);
}

/* Every parameter in sysfs of @mod is in @params with its value. */
static int params_mismatch(const char *mod, struct json_object *params,
			   char *what, size_t size)
{
	char dir[128], val[256];
	struct json_object *v;
	struct dirent *e;
	int bad = 0;
	DIR *dp;

	snprintf(dir, sizeof(dir), "/sys/module/%s/parameters", mod);
	dp = opendir(dir);
	if (!dp)
		return -1;
	while ((e = readdir(dp))) {
		if (e->d_name[0] == '.')
			continue;
		if (mod_param(mod, e->d_name, val, sizeof(val)))
			continue;
		if (!json_object_object_get_ex(params, e->d_name, &v) ||
		    !param_matches(v, val)) {
			snprintf(what, size, "%s: sysfs '%s', listed '%s'",
				 e->d_name, val,
				 json_object_to_json_string(v));
			bad++;
		}
	}
	closedir(dp);
	return bad;
}

TEST_F_TIMEOUT(cli, status_reports_the_daemon_or_null, 120)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	struct json_object *j;
	char env[192];

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, CTL(r, d, "-j", "status")) TH_LOG("%s", r->err);
	j = OUT_JSON(r);
	EXPECT_EQ(d->pid, jint(j, "daemon.pid")) TH_LOG("%s", r->out);
	EXPECT_STREQ(d->conf, UD_S(jstr(j, "daemon.config")));
	EXPECT_NE(NULL, jstr(j, "daemon.version"));
	EXPECT_LT(0, jint(j, "daemon.started"));
	json_object_put(j);

	/* the text form says it too */
	ASSERT_EQ(0, CTL(r, d, "status"));
	EXPECT_NE(NULL, strstr(r->out, "stratad")) TH_LOG("%s", r->out);

	/* $STRATA_SOCKET names the socket when -s does not */
	snprintf(env, sizeof(env), "STRATA_SOCKET=%s", d->sock);
	ASSERT_EQ(0, ctl_run(r, NULL, env, NULL,
			     (char *const[]){ "-j", "status", NULL }));
	j = OUT_JSON(r);
	EXPECT_EQ(d->pid, jint(j, "daemon.pid")) TH_LOG("%s", r->out);
	json_object_put(j);

	/* no daemon: null, and still success */
	ASSERT_EQ(0, CTL_NODAEMON(r, "-j", "status")) TH_LOG("%s", r->err);
	j = OUT_JSON(r);
	EXPECT_TRUE(jnull(j, "daemon")) TH_LOG("%s", r->out);
	json_object_put(j);
}

TEST_F_TIMEOUT(cli, module_list_says_what_sysfs_says, 120)
{
	static const char *const mods[] = {
		"strata_cap", "strata_tier", "strata_gang",
	};
	struct ud *d = &self->d;
	struct run *r = run_new();
	struct json_object *j, *l, *m;
	char what[512];
	size_t i;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, CTL(r, d, "-j", "module", "list")) TH_LOG("%s", r->err);
	j = OUT_JSON(r);
	l = jlist(j, "modules");
	ASSERT_NE(NULL, l) TH_LOG("%s", r->out);
	for (i = 0; i < 3; i++) {
		m = jfind_module(l, mods[i]);
		ASSERT_NE(NULL, m) TH_LOG("%s missing: %s", mods[i], r->out);
		EXPECT_EQ(1, jbool(m, "loaded"));
		EXPECT_EQ(1, jbool(m, "configured"));
		EXPECT_STREQ("stratad", UD_S(jstr(m, "owner")));
		what[0] = '\0';
		EXPECT_EQ(0, params_mismatch(mods[i], jget(m, "params"), what,
					     sizeof(what)))
			TH_LOG("%s %s", mods[i], what);
	}
	EXPECT_STREQ("8", UD_S(json_object_get_string(
		jget(jfind_module(l, "strata_gang"), "params.fake_gpus"))));
	json_object_put(j);

	/* a parameter changed behind its back is listed as it is now */
	ASSERT_EQ(0, strata_write_str("/sys/module/strata_gang/parameters/"
				      "slice_ms", "321"));
	ASSERT_EQ(0, CTL(r, d, "-j", "module", "list"));
	j = OUT_JSON(r);
	EXPECT_STREQ("321", UD_S(json_object_get_string(
		jget(jfind_module(jlist(j, "modules"), "strata_gang"),
		     "params.slice_ms"))));
	json_object_put(j);

	/* without the daemon: sysfs alone */
	ASSERT_EQ(0, CTL_NODAEMON(r, "-j", "module", "list"))
		TH_LOG("%s", r->err);
	j = OUT_JSON(r);
	m = jfind_module(jlist(j, "modules"), "strata_tier");
	ASSERT_NE(NULL, m) TH_LOG("%s", r->out);
	EXPECT_EQ(1, jbool(m, "loaded"));
	EXPECT_EQ(0, params_mismatch("strata_tier", jget(m, "params"), what,
				     sizeof(what))) TH_LOG("%s", what);
	EXPECT_NE(1, jbool(m, "configured"));
	json_object_put(j);
}

TEST_F_TIMEOUT(cli, module_load_and_unload_go_through_the_daemon, 240)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	struct json_object *j, *m;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, CTL(r, d, "module", "unload", "gang"))
		TH_LOG("%s", r->err);
	EXPECT_FALSE(mod_loaded("strata_gang"));
	ASSERT_EQ(0, CTL(r, d, "-j", "module", "list"));
	j = OUT_JSON(r);
	m = jfind_module(jlist(j, "modules"), "strata_gang");
	EXPECT_EQ(0, jbool(m, "loaded")) TH_LOG("%s", r->out);
	json_object_put(j);

	/* loaded again with its configured parameters */
	ASSERT_EQ(0, CTL(r, d, "module", "load", "strata_gang"))
		TH_LOG("%s", r->err);
	EXPECT_TRUE(mod_loaded("strata_gang"));
	EXPECT_EQ(8, mod_param_long("strata_gang", "fake_gpus"));
	ASSERT_EQ(0, CTL(r, d, "-j", "module", "list"));
	j = OUT_JSON(r);
	m = jfind_module(jlist(j, "modules"), "strata_gang");
	EXPECT_EQ(1, jbool(m, "loaded"));
	EXPECT_STREQ("stratad", UD_S(jstr(m, "owner")));
	json_object_put(j);

	/* strata_cap is needed by strata_gang: refused, kept */
	EXPECT_EQ(1, CTL(r, d, "module", "unload", "cap"));
	EXPECT_NE(0, strlen(r->err));
	EXPECT_TRUE(mod_loaded("strata_cap"));
	EXPECT_EQ(-EBUSY, ud_errno(d, "{\"cmd\":\"module.unload\","
				      "\"name\":\"strata_cap\"}"));

	/* names it does not know */
	EXPECT_NE(0, CTL(r, d, "module", "load", "nosuch"));
	EXPECT_NE(0, CTL(r, d, "module", "load", "strata_nosuch"));
	EXPECT_NE(0, ud_errno(d, "{\"cmd\":\"module.load\","
				 "\"name\":\"ext4\"}"));

	/* only the daemon loads and unloads */
	EXPECT_EQ(4, CTL_NODAEMON(r, "module", "unload", "gang"));
	EXPECT_TRUE(mod_loaded("strata_gang"));
	ASSERT_EQ(0, CTL(r, d, "module", "unload", "gang"));
	EXPECT_EQ(4, CTL_NODAEMON(r, "module", "load", "gang"));
	EXPECT_FALSE(mod_loaded("strata_gang"));
}

TEST_F_TIMEOUT(cli, a_module_in_use_is_not_unloaded, 240)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	int table;

	ASSERT_NE(NULL, r);
	/* an open handle table holds strata_cap */
	ASSERT_EQ(0, CTL(r, d, "module", "unload", "gang"));
	ASSERT_EQ(0, CTL(r, d, "module", "unload", "tier"));
	table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, table);
	EXPECT_EQ(1, CTL(r, d, "module", "unload", "cap"));
	EXPECT_TRUE(mod_loaded("strata_cap"));
	close(table);
	EXPECT_EQ(0, CTL(r, d, "module", "unload", "cap"))
		TH_LOG("%s", r->err);
	EXPECT_FALSE(mod_loaded("strata_cap"));
}

/* Each link the JSON @policy lists is pinned, with the same ids. */
static int links_match(const char *name, struct json_object *policy,
		       char *what, size_t size)
{
	struct json_object *links = jlist(policy, "links"), *l;
	struct bpf_link_info info;
	size_t i, n;

	if (!links)
		return snprintf(what, size, "no links"), -1;
	n = json_object_array_length(links);
	if (!n || (int)n != pins_count(name))
		return snprintf(what, size, "%zu links listed, %d pinned", n,
				pins_count(name)), -1;
	for (i = 0; i < n; i++) {
		const char *link;

		l = json_object_array_get_idx(links, i);
		link = jstr(l, "name");
		if (!link || pin_link(name, link, &info))
			return snprintf(what, size, "link %s not pinned",
					UD_S(link)), -1;
		if (jint(l, "id") != info.id)
			return snprintf(what, size, "link %s: id %lld, pin %u",
					link, jint(l, "id"), info.id), -1;
		if (info.prog_id && jint(l, "prog_id") != info.prog_id)
			return snprintf(what, size, "link %s: prog_id %lld, "
					"pin %u", link, jint(l, "prog_id"),
					info.prog_id), -1;
	}
	return 0;
}

TEST_F_TIMEOUT(cli, policy_attach_list_detach, 300)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	struct json_object *j, *p;
	char what[256];
	int links, links0 = bpf_count_links();
	const char *file;

	ASSERT_NE(NULL, r);
	ASSERT_LE(0, links0);
	/* by name, from policy_dir */
	ASSERT_EQ(0, CTL(r, d, "-j", "policy", "attach", "cap_scm"))
		TH_LOG("%s", r->err);
	j = OUT_JSON(r);
	p = jget(j, "policy") ?: j;
	EXPECT_STREQ("cap_scm", UD_S(jstr(p, "name"))) TH_LOG("%s", r->out);
	EXPECT_EQ(0, links_match("cap_scm", p, what, sizeof(what)))
		TH_LOG("%s: %s", what, r->out);
	json_object_put(j);
	EXPECT_EQ(1, bpf_count_progs(SCM_PROG));

	/* by file, under another name */
	ASSERT_EQ(0, CTL(r, d, "policy", "attach", UD_POLICY("cap_limit"),
			 "name", "limits")) TH_LOG("%s", r->err);
	EXPECT_LE(1, pins_count("limits"));
	EXPECT_EQ(1, bpf_count_maps("cap_limit"));

	ASSERT_EQ(0, CTL(r, d, "-j", "policy", "list")) TH_LOG("%s", r->err);
	j = OUT_JSON(r);
	p = jfind(jlist(j, "policies"), "name", "cap_scm");
	ASSERT_NE(NULL, p) TH_LOG("%s", r->out);
	EXPECT_STREQ("stratad", UD_S(jstr(p, "owner")));
	EXPECT_EQ(0, jbool(p, "configured"));
	file = jstr(p, "file");
	EXPECT_TRUE(file && strstr(file, "cap_scm.bpf.o")) TH_LOG("%s",
								 r->out);
	EXPECT_EQ(0, links_match("cap_scm", p, what, sizeof(what)))
		TH_LOG("%s", what);
	p = jfind(jlist(j, "policies"), "name", "limits");
	ASSERT_NE(NULL, p) TH_LOG("%s", r->out);
	EXPECT_EQ(0, links_match("limits", p, what, sizeof(what)))
		TH_LOG("%s", what);
	json_object_put(j);

	/* attached once only */
	links = bpf_count_links();
	EXPECT_EQ(1, CTL(r, d, "policy", "attach", "cap_scm"));
	EXPECT_EQ(1, bpf_count_progs(SCM_PROG));
	EXPECT_EQ(links, bpf_count_links());
	/* a name that cannot be a directory */
	EXPECT_NE(0, CTL(r, d, "policy", "attach", "cap_scm", "name",
			 "Bad/Name"));
	EXPECT_EQ(1, bpf_count_progs(SCM_PROG));
	/* a file that is not there */
	EXPECT_EQ(1, CTL(r, d, "policy", "attach", "no_such_policy"));
	EXPECT_FALSE(policy_dir_exists("no_such_policy"));

	/* a struct_ops policy holds its module */
	ASSERT_EQ(0, CTL(r, d, "module", "unload", "gang"))
		TH_LOG("%s", r->err);
	ASSERT_EQ(0, CTL(r, d, "module", "unload", "tier"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(1, CTL(r, d, "module", "unload", "cap"));
	EXPECT_TRUE(mod_loaded("strata_cap"));

	ASSERT_EQ(0, CTL(r, d, "policy", "detach", "cap_scm"))
		TH_LOG("%s", r->err);
	EXPECT_FALSE(policy_dir_exists("cap_scm"));
	EXPECT_TRUE(UD_WAIT_UNTIL(bpf_count_progs(SCM_PROG) == 0, 5000));
	EXPECT_EQ(1, CTL(r, d, "policy", "detach", "cap_scm"));
	ASSERT_EQ(0, CTL(r, d, "policy", "detach", "limits"));
	EXPECT_FALSE(policy_dir_exists("limits"));
	EXPECT_EQ(0, pins_total());
	/* detached is destroyed: no link of theirs is left, held or not */
	EXPECT_TRUE(UD_WAIT_UNTIL(bpf_count_links() == links0, 5000))
		TH_LOG("%d links before, %d after", links0, bpf_count_links());
	/* its reference goes after a grace period */
	EXPECT_TRUE(UD_WAIT_UNTIL(!CTL(r, d, "module", "unload", "cap"),
				  10000)) TH_LOG("%s", r->err);
	EXPECT_FALSE(mod_loaded("strata_cap"));
}

TEST_F_TIMEOUT(cli, policy_needs_the_daemon_to_change_not_to_list, 300)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	struct json_object *j, *p;
	char what[256];

	ASSERT_NE(NULL, r);
	EXPECT_EQ(4, CTL_NODAEMON(r, "policy", "attach", "cap_scm"));
	EXPECT_FALSE(policy_dir_exists("cap_scm"));

	ASSERT_EQ(0, CTL(r, d, "policy", "attach", "cap_scm"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(4, CTL_NODAEMON(r, "policy", "detach", "cap_scm"));
	EXPECT_LE(1, pins_count("cap_scm"));

	/* the list falls back to the pins */
	ASSERT_EQ(0, CTL_NODAEMON(r, "-j", "policy", "list"))
		TH_LOG("%s", r->err);
	j = OUT_JSON(r);
	p = jfind(jlist(j, "policies"), "name", "cap_scm");
	ASSERT_NE(NULL, p) TH_LOG("%s", r->out);
	EXPECT_EQ(0, links_match("cap_scm", p, what, sizeof(what)))
		TH_LOG("%s: %s", what, r->out);
	json_object_put(j);
	ASSERT_EQ(0, CTL(r, d, "policy", "detach", "cap_scm"));
	ASSERT_EQ(0, CTL_NODAEMON(r, "-j", "policy", "list"));
	j = OUT_JSON(r);
	EXPECT_EQ(NULL, jfind(jlist(j, "policies"), "name", "cap_scm"))
		TH_LOG("%s", r->out);
	json_object_put(j);
}

/*
 * `stratactl -j tier add --pid @pid --quota 64M`, or fail the test: the
 * new registration's id in @id.
 */
#define TIER_ADD_64M(r, d, pid, id) do {					\
	struct json_object *__reply;					\
									\
	ASSERT_EQ(0, CTL(r, d, "-j", "tier", "add", "--pid", pid,	\
			 "--quota", "64M")) TH_LOG("%s", (r)->err);	\
	__reply = OUT_JSON(r);						\
	id = jint(__reply, "id");					\
	json_object_put(__reply);					\
	ASSERT_LT(0, id) TH_LOG("%s", (r)->out);			\
} while (0)

TEST_F_TIMEOUT(cli, tier_add_set_remove_through_the_daemon, 240)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	struct strata_tier_stats st;
	struct json_object *reply;
	char pid[16], idstr[16];
	long long id;
	int tier, err;

	ASSERT_NE(NULL, r);
	self->sleeper = sleeper_start();
	ASSERT_LT(0, self->sleeper);
	snprintf(pid, sizeof(pid), "%d", self->sleeper);
	tier = strata_tier_open();
	ASSERT_LE(0, tier);

	TIER_ADD_64M(r, d, pid, id);
	EXPECT_EQ(1, tier_has(id));
	ASSERT_EQ(0, strata_tier_stats(tier, id, &st));
	EXPECT_EQ(self->sleeper, st.pid);
	EXPECT_EQ(64ULL << 20, st.fast_quota);

	/* a second registration of it is refused */
	EXPECT_EQ(1, CTL(r, d, "tier", "add", "--pid", pid));
	EXPECT_EQ(1, tier_count());

	ASSERT_EQ(0, CTL(r, d, "tier", "set", "scan_max_ms", "1700"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(1700, mod_param_long("strata_tier", "scan_max_ms"));
	EXPECT_NE(0, CTL(r, d, "tier", "set", "scan_max_ms", "5"));
	EXPECT_EQ(1700, mod_param_long("strata_tier", "scan_max_ms"));

	snprintf(idstr, sizeof(idstr), "%lld", id);
	ASSERT_EQ(0, CTL(r, d, "tier", "remove", idstr)) TH_LOG("%s", r->err);
	EXPECT_EQ(0, tier_has(id));
	EXPECT_EQ(1, CTL(r, d, "tier", "remove", idstr));

	/* the protocol itself: tier.add with a quota, tier.remove */
	reply = ud_call(d, &err, "{\"cmd\":\"tier.add\",\"pid\":%d,"
			"\"quota\":%llu}", self->sleeper, 32ULL << 20);
	ASSERT_NE(NULL, reply) TH_LOG("tier.add: %s", strerror(-err));
	id = jint(reply, "id");
	json_object_put(reply);
	ASSERT_EQ(0, strata_tier_stats(tier, id, &st));
	EXPECT_EQ(32ULL << 20, st.fast_quota);
	EXPECT_EQ(0, ud_errno(d, "{\"cmd\":\"tier.remove\",\"id\":%lld}",
			      id));
	EXPECT_EQ(0, tier_count());
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.set\","
				       "\"key\":\"scan_max_ms\"}"));
	close(tier);
}

/* The quota of registration @id as STATS says it, or 1 when it fails. */
static __u64 tier_quota_of(int tier, long long id)
{
	struct strata_tier_stats st;

	if (strata_tier_stats(tier, id, &st))
		return 1;
	return st.fast_quota;
}

TEST_F_TIMEOUT(cli, tier_quota_through_the_daemon, 240)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	char pid[16], idstr[16], line[96];
	long long id;
	int tier;

	ASSERT_NE(NULL, r);
	self->sleeper = sleeper_start();
	ASSERT_LT(0, self->sleeper);
	snprintf(pid, sizeof(pid), "%d", self->sleeper);
	tier = strata_tier_open();
	ASSERT_LE(0, tier);

	TIER_ADD_64M(r, d, pid, id);
	snprintf(idstr, sizeof(idstr), "%lld", id);

	/* stratactl sends tier.quota: the daemon logs what it did */
	ASSERT_EQ(0, CTL(r, d, "tier", "quota", idstr, "16M"))
		TH_LOG("%s", r->err);
	EXPECT_STREQ("", r->out);
	EXPECT_EQ(16ULL << 20, tier_quota_of(tier, id));
	snprintf(line, sizeof(line), "tier registration %lld: quota %llu "
		 "bytes", id, 16ULL << 20);
	EXPECT_TRUE(ud_log_has(d, line)) TH_LOG("%s", ud_log_tail(d));
	ASSERT_EQ(0, CTL(r, d, "tier", "quota", idstr, "unlimited"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(STRATA_TIER_QUOTA_NONE, tier_quota_of(tier, id));
	snprintf(line, sizeof(line), "tier registration %lld: quota "
		 "unlimited", id);
	EXPECT_TRUE(ud_log_has(d, line)) TH_LOG("%s", ud_log_tail(d));
	ASSERT_EQ(0, CTL(r, d, "tier", "quota", idstr, "0"));
	EXPECT_EQ(0, tier_quota_of(tier, id));
	/* an unknown id: the daemon's sentence, exit status 1 */
	EXPECT_EQ(1, CTL(r, d, "tier", "quota", "999999", "1G"));
	EXPECT_NE(NULL, strstr(r->err, "no tier registration 999999"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(0, tier_quota_of(tier, id));

	/* the protocol: quota in bytes, absent or null for no limit */
	EXPECT_EQ(0, ud_errno(d, "{\"cmd\":\"tier.quota\",\"id\":%lld,"
			      "\"quota\":%llu}", id, 32ULL << 20));
	EXPECT_EQ(32ULL << 20, tier_quota_of(tier, id));
	EXPECT_EQ(0, ud_errno(d, "{\"cmd\":\"tier.quota\",\"id\":%lld,"
			      "\"quota\":null}", id));
	EXPECT_EQ(STRATA_TIER_QUOTA_NONE, tier_quota_of(tier, id));
	EXPECT_EQ(0, ud_errno(d, "{\"cmd\":\"tier.quota\",\"id\":%lld,"
			      "\"quota\":4096}", id));
	EXPECT_EQ(0, ud_errno(d, "{\"cmd\":\"tier.quota\",\"id\":%lld}",
			      id));
	EXPECT_EQ(STRATA_TIER_QUOTA_NONE, tier_quota_of(tier, id));
	EXPECT_EQ(-ENOENT, ud_errno(d, "{\"cmd\":\"tier.quota\","
				       "\"id\":999999,\"quota\":0}"));
	/* bad arguments change nothing */
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.quota\","
				       "\"quota\":0}"));
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.quota\",\"id\":0,"
				       "\"quota\":0}"));
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.quota\","
				       "\"id\":4294967296}"));
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.quota\",\"id\":%lld,"
				       "\"quota\":\"1G\"}", id));
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.quota\",\"id\":%lld,"
				       "\"quota\":-1}", id));
	EXPECT_EQ(STRATA_TIER_QUOTA_NONE, tier_quota_of(tier, id));

	/* without strata_tier: ENODEV, and exit status 3 */
	ASSERT_EQ(0, CTL(r, d, "tier", "remove", idstr)) TH_LOG("%s", r->err);
	close(tier);
	ASSERT_EQ(0, CTL(r, d, "module", "unload", "tier"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(-ENODEV, ud_errno(d, "{\"cmd\":\"tier.quota\",\"id\":1}"));
	EXPECT_EQ(3, CTL(r, d, "tier", "quota", "1", "1G"));
}

/* INFO's flags, or ~0 when it fails. */
static __u32 tier_flags(void)
{
	struct strata_tier_info info;
	int fd = strata_tier_open(), err;

	if (fd < 0)
		return ~0U;
	err = strata_tier_info(fd, &info, NULL, 0);
	close(fd);
	return err ? ~0U : info.flags;
}

/* Whether the array @arr holds the string @s. */
static bool jlist_has(struct json_object *arr, const char *s)
{
	size_t i, n;

	if (!arr)
		return false;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (json_object_is_type(e, json_type_string) &&
		    !strcmp(json_object_get_string(e), s))
			return true;
	}
	return false;
}

/* The element of the "nodes" array of @j whose nid is @nid, or NULL. */
static struct json_object *jnode(struct json_object *j, int nid)
{
	struct json_object *arr = jlist(j, "nodes"), *e;
	size_t i;

	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		if (jint(e, "nid") == nid)
			return e;
	}
	return NULL;
}

/* The role of node @nid as INFO says it, or ~0 when it is not there. */
static __u32 tier_role(__u32 nid)
{
	struct strata_tier_node nodes[16];
	struct strata_tier_info info;
	__u32 i, role = ~0U;
	int fd = strata_tier_open();

	if (fd < 0)
		return role;
	if (!strata_tier_info(fd, &info, nodes, 16))
		for (i = 0; i < info.nr_nodes && i < 16; i++)
			if (nodes[i].nid == nid)
				role = nodes[i].role;
	close(fd);
	return role;
}

/* `stratactl -j tier show` into @j, and its node 1 into @n. */
#define SHOW_NODE1(r, d, j, n) do {						ASSERT_EQ(0, CTL(r, d, "-j", "tier", "show"))					TH_LOG("%s", (r)->err);						j = OUT_JSON(r);							n = jnode(j, 1);							ASSERT_NE(NULL, n) TH_LOG("no node 1: %s", (r)->out);		} while (0)

TEST_F_TIMEOUT(cli, tier_nodes_through_the_daemon, 240)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	struct json_object *j, *n;
	__u32 flags = tier_flags();
	char *role0;

	ASSERT_NE(NULL, r);
	ASSERT_NE(~0U, flags);
	ASSERT_FALSE(flags & STRATA_TIER_INFO_OVERRIDE);
	SHOW_NODE1(r, d, j, n);
	role0 = strdup(UD_S(jstr(n, "role")));
	json_object_put(j);

	/* node 1 left alone: "none", an override, nothing to tier */
	ASSERT_EQ(0, CTL(r, d, "tier", "nodes", "--fast", "0", "--slow", ""))
		TH_LOG("%s", r->err);
	EXPECT_STREQ("", r->out);
	EXPECT_TRUE(ud_log_has(d, "tier node roles: fast 0, slow none"))
		TH_LOG("%s", ud_log_tail(d));
	EXPECT_TRUE(tier_flags() & STRATA_TIER_INFO_OVERRIDE);
	EXPECT_FALSE(tier_flags() & STRATA_TIER_INFO_ACTIVE);
	EXPECT_EQ(STRATA_TIER_ROLE_NONE, tier_role(1));
	SHOW_NODE1(r, d, j, n);
	EXPECT_STREQ("none", UD_S(jstr(n, "role"))) TH_LOG("%s", r->out);
	EXPECT_EQ(1, jbool(n, "override"));
	EXPECT_TRUE(jlist_has(jlist(j, "flags"), "override"))
		TH_LOG("%s", r->out);
	EXPECT_TRUE(jlist_has(jlist(j, "flags"), "nothing to tier"));
	json_object_put(j);

	/* node 1 slow by the override */
	ASSERT_EQ(0, CTL(r, d, "tier", "nodes", "--fast", "0", "--slow", "1"))
		TH_LOG("%s", r->err);
	EXPECT_TRUE(tier_flags() & STRATA_TIER_INFO_OVERRIDE);
	EXPECT_TRUE(tier_flags() & STRATA_TIER_INFO_ACTIVE);
	EXPECT_EQ(STRATA_TIER_ROLE_SLOW, tier_role(1));
	SHOW_NODE1(r, d, j, n);
	EXPECT_STREQ("slow", UD_S(jstr(n, "role"))) TH_LOG("%s", r->out);
	EXPECT_EQ(1, jbool(n, "override"));
	EXPECT_TRUE(jlist_has(jlist(j, "flags"), "override"));
	EXPECT_TRUE(jlist_has(jlist(j, "flags"), "active"));
	json_object_put(j);

	/* a node that does not exist: refused, the override stays */
	EXPECT_EQ(1, CTL(r, d, "tier", "nodes", "--fast", "0", "--slow",
			 "1,7"));
	EXPECT_NE(NULL, strstr(r->err, "must exist and have memory"))
		TH_LOG("%s", r->err);
	EXPECT_TRUE(tier_flags() & STRATA_TIER_INFO_ACTIVE);

	/* auto: discovery again, as before */
	ASSERT_EQ(0, CTL(r, d, "tier", "nodes", "auto")) TH_LOG("%s", r->err);
	EXPECT_TRUE(ud_log_has(d, "tier node roles from discovery again"))
		TH_LOG("%s", ud_log_tail(d));
	EXPECT_EQ(flags, tier_flags());
	SHOW_NODE1(r, d, j, n);
	EXPECT_STREQ(role0, UD_S(jstr(n, "role"))) TH_LOG("%s", r->out);
	EXPECT_EQ(0, jbool(n, "override"));
	EXPECT_FALSE(jlist_has(jlist(j, "flags"), "override"));
	json_object_put(j);

	/* the protocol */
	EXPECT_EQ(0, ud_errno(d, "{\"cmd\":\"tier.nodes\",\"fast\":[0,0],"
				 "\"slow\":[1]}"));
	EXPECT_TRUE(tier_flags() & STRATA_TIER_INFO_OVERRIDE);
	EXPECT_EQ(0, ud_errno(d, "{\"cmd\":\"tier.nodes\",\"auto\":true}"));
	EXPECT_EQ(flags, tier_flags());
	/* bad arguments change nothing */
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.nodes\"}"));
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.nodes\","
				       "\"fast\":[0]}"));
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.nodes\","
				       "\"fast\":[],\"slow\":[1]}"));
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.nodes\","
				       "\"fast\":[0],\"slow\":[0,1]}"));
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.nodes\","
				       "\"fast\":\"0\",\"slow\":[1]}"));
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.nodes\","
				       "\"fast\":[-1],\"slow\":[1]}"));
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.nodes\","
				       "\"fast\":[0],\"slow\":[4096]}"));
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.nodes\","
				       "\"fast\":[0],\"slow\":[7]}"));
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.nodes\","
				       "\"auto\":true,\"fast\":[0]}"));
	EXPECT_EQ(-EINVAL, ud_errno(d, "{\"cmd\":\"tier.nodes\","
				       "\"auto\":\"yes\"}"));
	EXPECT_EQ(flags, tier_flags());

	/* without strata_tier: ENODEV, and exit status 3 */
	ASSERT_EQ(0, CTL(r, d, "module", "unload", "tier"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(-ENODEV, ud_errno(d, "{\"cmd\":\"tier.nodes\","
				       "\"auto\":true}"));
	EXPECT_EQ(3, CTL(r, d, "tier", "nodes", "auto"));
	EXPECT_EQ(3, CTL(r, d, "tier", "nodes", "--fast", "0", "--slow",
			 "1"));
	free(role0);
}

TEST_F_TIMEOUT(cli, gang_kill_aborts_a_gang_with_or_without_the_daemon, 240)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	struct ud_gang g1, g2;
	char koid[32];
	__u32 reason = ~0U;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, gang_make(&g1));
	ASSERT_EQ(STRATA_GANG_FORMING, gang_state(&g1, NULL));
	snprintf(koid, sizeof(koid), "%llu", (unsigned long long)g1.koid);
	ASSERT_EQ(0, CTL(r, d, "gang", "kill", koid)) TH_LOG("%s", r->err);
	EXPECT_EQ(STRATA_GANG_ABORTED, gang_state(&g1, &reason));
	EXPECT_EQ(STRATA_GANG_ABORT_ADMIN, reason);
	/* it has ended: a second kill fails, as one of no gang */
	EXPECT_EQ(1, CTL(r, d, "gang", "kill", koid));
	EXPECT_EQ(1, CTL(r, d, "gang", "kill", "999999999"));
	EXPECT_EQ(-ENOENT, ud_errno(d, "{\"cmd\":\"gang.kill\","
				       "\"id\":999999999}"));

	/* no daemon: directly */
	ASSERT_EQ(0, gang_make(&g2));
	snprintf(koid, sizeof(koid), "%llu", (unsigned long long)g2.koid);
	ASSERT_EQ(0, CTL_NODAEMON(r, "gang", "kill", koid))
		TH_LOG("%s", r->err);
	EXPECT_EQ(STRATA_GANG_ABORTED, gang_state(&g2, &reason));
	EXPECT_EQ(STRATA_GANG_ABORT_ADMIN, reason);
	gang_drop(&g1);
	gang_drop(&g2);

	/* without strata_gang: exit 3 */
	ASSERT_EQ(0, CTL(r, d, "module", "unload", "gang"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(3, CTL_NODAEMON(r, "gang", "kill", "1"));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier selftests - stratactl tier: the command line, checked against
 * what libstrata and sysfs say
 *
 * stratactl is run as a program (build/user/stratactl, found from this
 * binary's path), its exit status, standard output and standard error
 * captured.  Its JSON is plain json-c output ("key":value, no spaces), read
 * here with strstr: the registration and node objects are flat.
 */
#include <ctype.h>
#include <libgen.h>
#include "kselftest_harness.h"
#include "common.h"

#define CTL_BUF		(1 << 16)
#define MAX_NODES	16
#define SLEEPER_LEN	(4 * TIER_MIB)
#define NO_SUCH_ID	"999999"

struct ctl_run {
	int status;		/* exit status; -1: did not run or exit */
	char out[CTL_BUF];
	char err[CTL_BUF];
};

/* build/selftests/tier/../../user/stratactl, from /proc/self/exe. */
static const char *ctl_path(void)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;

	if (path[0])
		return path;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return NULL;
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/../../user/stratactl", dirname(exe));
	return path;
}

static void read_all(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

/*
 * Run stratactl with @argv (argv[0] included, NULL-terminated), as uid
 * 65534 when @nobody; fills @r and returns the exit status (-1: it did not
 * run or did not exit; 127: exec failed).
 */
static int ctl_argv(struct ctl_run *r, bool nobody, char *const argv[])
{
	const char *path = ctl_path();
	int out, err, status;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (!path)
		return -1;
	out = memfd_create("stratactl-out", MFD_CLOEXEC);
	err = memfd_create("stratactl-err", MFD_CLOEXEC);
	if (out < 0 || err < 0)
		goto out;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		if (dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(127);
		if (nobody &&
		    (setgroups(0, NULL) ||
		     setresgid(TIER_NOBODY, TIER_NOBODY, TIER_NOBODY) ||
		     setresuid(TIER_NOBODY, TIER_NOBODY, TIER_NOBODY)))
			_exit(127);
		execv(path, argv);
		dprintf(2, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		r->status = WEXITSTATUS(status);
	read_all(out, r->out, sizeof(r->out));
	read_all(err, r->err, sizeof(r->err));
out:
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	return r->status;
}

/* CTL(r, "tier", "show"): run stratactl tier show as root. */
#define CTL(r, ...) \
	ctl_argv(r, false, (char *const[]){ "stratactl", __VA_ARGS__, NULL })
/* The same as uid 65534, without capabilities. */
#define CTL_NOBODY(r, ...) \
	ctl_argv(r, true, (char *const[]){ "stratactl", __VA_ARGS__, NULL })

/*
 * The flat JSON object in @json that begins {"@key":@val, (up to its closing
 * brace), into @obj; false when there is none.
 */
static bool json_obj(const char *json, const char *key, long long val,
		     char *obj, size_t size)
{
	const char *p, *end;
	char pat[64];

	snprintf(pat, sizeof(pat), "{\"%s\":%lld,", key, val);
	p = strstr(json, pat);
	if (!p)
		return false;
	end = strchr(p, '}');
	if (!end || (size_t)(end - p) + 2 > size)
		return false;
	memcpy(obj, p, end - p + 1);
	obj[end - p + 1] = '\0';
	return true;
}

/*
 * The number that "@key" has in the flat JSON object @obj; ULLONG_MAX when
 * the key is missing or its value is not a number (null, a string).
 */
static unsigned long long json_num(const char *obj, const char *key)
{
	const char *p;
	char pat[64];

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(obj, pat);
	if (!p)
		return ULLONG_MAX;
	p += strlen(pat);
	if (!isdigit((unsigned char)*p))
		return ULLONG_MAX;
	return strtoull(p, NULL, 10);
}

/* Whether "@key" has the literal value @lit (true, null, "fast") in @obj. */
static bool json_is(const char *obj, const char *key, const char *lit)
{
	char pat[128];

	snprintf(pat, sizeof(pat), "\"%s\":%s", key, lit);
	return strstr(obj, pat) != NULL;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (*s == '\n')
			n++;
	return n;
}

static struct strata_tier_stats stats_of(int fd, __u32 id)
{
	struct strata_tier_stats st;

	if (strata_tier_stats(fd, id, &st))
		memset(&st, 0xff, sizeof(st));
	return st;
}

FIXTURE(ctl) {
	int fd;
	struct tier_work w;	/* a child that sleeps with 4 MiB on node 1 */
	char pid[16];		/* its pid, as an argument */
	__u32 id;		/* a registration to remove at the end */
	char cg[64];		/* a test cgroup, or "" */
	bool nodes_set;		/* the roles were overridden */
	struct ctl_run *r;
};

FIXTURE_SETUP(ctl)
{
	struct tier_work_cfg cfg = {
		.len = SLEEPER_LEN,
		.node = TIER_SLOW_NODE,
		.seed = 11,
		.pass_us = 100000,
	};
	const char *path = ctl_path();

	ASSERT_NE(NULL, path);
	ASSERT_EQ(0, access(path, X_OK)) TH_LOG("no %s (make user)", path);
	self->r = calloc(1, sizeof(*self->r));
	ASSERT_NE(NULL, self->r);
	self->fd = tier_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, tier_nr_regs());
	ASSERT_EQ(0, tier_work_start(&self->w, &cfg));
	snprintf(self->pid, sizeof(self->pid), "%d", self->w.pid);
}

FIXTURE_TEARDOWN(ctl)
{
	tier_unregister_quiet(self->fd, &self->id);
	tier_work_kill(&self->w);
	tier_cgroup_destroy(self->cg);
	if (self->nodes_set)
		strata_tier_nodes_auto(self->fd);
	tier_settings_restore();
	close(self->fd);
	free(self->r);
}

/* Register the sleeping child through libstrata with @quota. */
static int register_sleeper(FIXTURE_DATA(ctl) *self, __u64 quota)
{
	return strata_tier_register_pid(self->fd, self->w.pid, quota,
					&self->id);
}

static const char *role_word(__u32 role)
{
	return role == STRATA_TIER_ROLE_FAST ? "\"fast\"" :
	       role == STRATA_TIER_ROLE_SLOW ? "\"slow\"" : "\"none\"";
}

TEST_F_TIMEOUT(ctl, show_lists_the_nodes_as_info_reports_them, 60)
{
	struct strata_tier_node nodes[MAX_NODES];
	struct strata_tier_info info;
	struct ctl_run *r = self->r;
	char obj[1024];
	__u32 i;

	ASSERT_EQ(0, strata_tier_info(self->fd, &info, nodes, MAX_NODES));
	ASSERT_LE(2, info.nr_nodes);
	ASSERT_EQ(0, CTL(r, "-j", "tier", "show")) TH_LOG("%s", r->err);
	EXPECT_STREQ("", r->err);
	EXPECT_NE(NULL, strstr(r->out, "\"flags\":[\"active\""))
		TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "\"registrations\":[]"));

	for (i = 0; i < info.nr_nodes && i < MAX_NODES; i++) {
		const struct strata_tier_node *n = &nodes[i];

		ASSERT_TRUE(json_obj(r->out, "nid", n->nid, obj, sizeof(obj)))
			TH_LOG("node %u missing: %s", n->nid, r->out);
		EXPECT_TRUE(json_is(obj, "role", role_word(n->role)))
			TH_LOG("%s", obj);
		EXPECT_TRUE(json_is(obj, "cpu",
				    n->flags & STRATA_TIER_NODE_CPU ?
				    "true" : "false"));
		EXPECT_EQ(n->adistance, json_num(obj, "adistance"));
		EXPECT_EQ(n->total_bytes, json_num(obj, "total_bytes"));
		EXPECT_GE(n->total_bytes, json_num(obj, "free_bytes"));
	}
	/* the VM: node 0 has the CPUs and is fast, node 1 is slow */
	ASSERT_TRUE(json_obj(r->out, "nid", TIER_FAST_NODE, obj, sizeof(obj)));
	EXPECT_TRUE(json_is(obj, "role", "\"fast\""));
	EXPECT_TRUE(json_is(obj, "cpu", "true"));
	ASSERT_TRUE(json_obj(r->out, "nid", TIER_SLOW_NODE, obj, sizeof(obj)));
	EXPECT_TRUE(json_is(obj, "role", "\"slow\""));
	EXPECT_TRUE(json_is(obj, "cpu", "false"));

	/* the text form says the same in words */
	ASSERT_EQ(0, CTL(r, "tier", "show"));
	EXPECT_NE(NULL, strstr(r->out, "tiering        active"));
	EXPECT_NE(NULL, strstr(r->out, "   0  fast  yes"));
	EXPECT_NE(NULL, strstr(r->out, "   1  slow  no "));
}

/* @min <= @v <= @max of two readings that bracket it. */
#define EXPECT_BETWEEN(a, b, v) do {					\
	unsigned long long __a = (a), __b = (b), __v = (v);		\
	EXPECT_LE(__a < __b ? __a : __b, __v);				\
	EXPECT_GE(__a < __b ? __b : __a, __v);				\
} while (0)

TEST_F_TIMEOUT(ctl, add_pid_registers_it_and_show_matches_stats, 120)
{
	struct strata_tier_stats st0, st1;
	struct ctl_run *r = self->r;
	char obj[4096], idstr[16], want[64];
	unsigned int id;

	ASSERT_EQ(0, CTL(r, "-j", "tier", "add", "--pid", self->pid,
			 "--quota", "64M")) TH_LOG("%s", r->err);
	ASSERT_EQ(1, sscanf(r->out, "{\"id\":%u}", &id)) TH_LOG("%s", r->out);
	self->id = id;
	EXPECT_EQ(1, tier_listed(self->fd, id));
	st0 = stats_of(self->fd, id);
	EXPECT_EQ(STRATA_TIER_KIND_PID, st0.kind);
	EXPECT_EQ(self->w.pid, st0.pid);
	EXPECT_EQ(64 * TIER_MIB, st0.fast_quota);

	/* a round has counted its pages */
	ASSERT_TRUE(TIER_WAIT_UNTIL(stats_of(self->fd, id).rounds >= 1 &&
				    stats_of(self->fd, id).rounds !=
				    ULLONG_MAX, 30000));
	st0 = stats_of(self->fd, id);
	ASSERT_EQ(0, CTL(r, "-j", "tier", "show")) TH_LOG("%s", r->err);
	st1 = stats_of(self->fd, id);
	ASSERT_TRUE(json_obj(r->out, "id", id, obj, sizeof(obj)))
		TH_LOG("%s", r->out);
	EXPECT_TRUE(json_is(obj, "kind", "\"pid\""));
	EXPECT_EQ(self->w.pid, json_num(obj, "pid"));
	EXPECT_EQ(0, json_num(obj, "cgroup_id"));
	EXPECT_EQ(64 * TIER_MIB, json_num(obj, "fast_quota"));
	EXPECT_EQ(st1.nr_spaces, json_num(obj, "nr_spaces"));
	/* counters only grow: the shown value is between the two reads */
	EXPECT_BETWEEN(st0.rounds, st1.rounds, json_num(obj, "rounds"));
	EXPECT_BETWEEN(st0.scanned, st1.scanned, json_num(obj, "scanned"));
	EXPECT_BETWEEN(st0.young, st1.young, json_num(obj, "young"));
	EXPECT_BETWEEN(st0.promoted, st1.promoted, json_num(obj, "promoted"));
	EXPECT_BETWEEN(st0.demoted, st1.demoted, json_num(obj, "demoted"));
	EXPECT_BETWEEN(st0.failed, st1.failed, json_num(obj, "failed"));
	EXPECT_BETWEEN(st0.thp_split, st1.thp_split,
		       json_num(obj, "thp_split"));
	EXPECT_BETWEEN(st0.skip_thp, st1.skip_thp, json_num(obj, "skip_thp"));
	EXPECT_BETWEEN(st0.skip_pinned, st1.skip_pinned,
		       json_num(obj, "skip_pinned"));
	EXPECT_BETWEEN(st0.skip_ksm, st1.skip_ksm, json_num(obj, "skip_ksm"));
	EXPECT_BETWEEN(st0.scan_ns, st1.scan_ns, json_num(obj, "scan_ns"));
	EXPECT_BETWEEN(st0.migrate_ns, st1.migrate_ns,
		       json_num(obj, "migrate_ns"));
	/* values of the last round: the child sleeps, they hardly move */
	EXPECT_BETWEEN(st0.fast_pages, st1.fast_pages,
		       json_num(obj, "fast_pages"));
	EXPECT_BETWEEN(st0.slow_pages, st1.slow_pages,
		       json_num(obj, "slow_pages"));
	EXPECT_BETWEEN(st0.hot_pages, st1.hot_pages,
		       json_num(obj, "hot_pages"));
	EXPECT_BETWEEN(st0.interval_ms, st1.interval_ms,
		       json_num(obj, "interval_ms"));
	/* its 4 MiB on node 1 are counted on the slow tier */
	EXPECT_LE(SLEEPER_LEN / TIER_PAGE_SIZE, json_num(obj, "slow_pages"));

	/* show ID: that registration alone */
	snprintf(idstr, sizeof(idstr), "%u", id);
	ASSERT_EQ(0, CTL(r, "-j", "tier", "show", idstr));
	snprintf(want, sizeof(want), "{\"id\":%u,", id);
	EXPECT_EQ(0, strncmp(r->out, want, strlen(want))) TH_LOG("%s", r->out);
	EXPECT_EQ(self->w.pid, json_num(r->out, "pid"));
	EXPECT_EQ(NULL, strstr(r->out, "\"nodes\""));
	ASSERT_EQ(0, CTL(r, "tier", "show"));
	EXPECT_NE(NULL, strstr(r->out, "quota 64 MiB")) TH_LOG("%s", r->out);
	snprintf(want, sizeof(want), "registration %u: pid %d", id,
		 self->w.pid);
	EXPECT_NE(NULL, strstr(r->out, want)) TH_LOG("%s", r->out);

	/* a second add is refused */
	ASSERT_EQ(1, CTL(r, "tier", "add", "--pid", self->pid));
	EXPECT_NE(NULL, strstr(r->err, "already registered")) TH_LOG("%s",
								     r->err);
	EXPECT_STREQ("", r->out);
	EXPECT_EQ(1, tier_nr_regs());
}

TEST_F_TIMEOUT(ctl, add_prints_the_id_alone, 60)
{
	struct ctl_run *r = self->r;
	char want[32];
	__u32 ids[4];

	ASSERT_EQ(0, CTL(r, "tier", "add", "--pid", self->pid));
	ASSERT_EQ(1, strata_tier_list(self->fd, ids, 4));
	self->id = ids[0];
	snprintf(want, sizeof(want), "%u\n", ids[0]);
	EXPECT_STREQ(want, r->out);
	EXPECT_EQ(STRATA_TIER_QUOTA_NONE,
		  stats_of(self->fd, ids[0]).fast_quota);
}

TEST_F_TIMEOUT(ctl, add_cgroup_registers_the_cgroup, 60)
{
	struct ctl_run *r = self->r;
	struct strata_tier_stats st;
	unsigned int id;
	char obj[4096];

	ASSERT_EQ(0, tier_cgroup_create(self->cg, sizeof(self->cg)));
	ASSERT_EQ(0, tier_cgroup_move(self->cg, self->w.pid));
	ASSERT_EQ(0, CTL(r, "-j", "tier", "add", "--cgroup", self->cg,
			 "--quota", "1G")) TH_LOG("%s", r->err);
	ASSERT_EQ(1, sscanf(r->out, "{\"id\":%u}", &id)) TH_LOG("%s", r->out);
	self->id = id;
	st = stats_of(self->fd, id);
	EXPECT_EQ(STRATA_TIER_KIND_CGROUP, st.kind);
	EXPECT_EQ(1ULL << 30, st.fast_quota);
	ASSERT_EQ(0, CTL(r, "-j", "tier", "show"));
	ASSERT_TRUE(json_obj(r->out, "id", id, obj, sizeof(obj)));
	EXPECT_TRUE(json_is(obj, "kind", "\"cgroup\""));
	EXPECT_EQ(st.cgroup_id, json_num(obj, "cgroup_id"));
	/* its path, found from the id (json-c escapes the slashes) */
	EXPECT_NE(NULL, strstr(obj, strrchr(self->cg, '/') + 1))
		TH_LOG("%s", obj);
	/* its process is covered: registering it by pid is refused */
	EXPECT_EQ(1, CTL(r, "tier", "add", "--pid", self->pid));
	EXPECT_NE(NULL, strstr(r->err, "already registered"));
	/* a directory that is not a cgroup */
	EXPECT_EQ(1, CTL(r, "tier", "add", "--cgroup", "/tmp"));
	EXPECT_NE(NULL, strstr(r->err, "not a cgroup v2 directory"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(1, CTL(r, "tier", "add", "--cgroup", "/no/such/cgroup"));
	EXPECT_EQ(1, tier_nr_regs());
}

TEST_F_TIMEOUT(ctl, quota_changes_the_quota, 60)
{
	struct ctl_run *r = self->r;
	char id[16], obj[4096];

	ASSERT_EQ(0, register_sleeper(self, STRATA_TIER_QUOTA_NONE));
	snprintf(id, sizeof(id), "%u", self->id);

	ASSERT_EQ(0, CTL(r, "tier", "quota", id, "1G")) TH_LOG("%s", r->err);
	EXPECT_STREQ("", r->out);
	EXPECT_EQ(1ULL << 30, stats_of(self->fd, self->id).fast_quota);
	ASSERT_EQ(0, CTL(r, "tier", "quota", id, "512K"));
	EXPECT_EQ(512 * 1024, stats_of(self->fd, self->id).fast_quota);
	ASSERT_EQ(0, CTL(r, "tier", "quota", id, "8192"));
	EXPECT_EQ(8192, stats_of(self->fd, self->id).fast_quota);
	ASSERT_EQ(0, CTL(r, "tier", "quota", id, "0"));
	EXPECT_EQ(0, stats_of(self->fd, self->id).fast_quota);
	ASSERT_EQ(0, CTL(r, "-j", "tier", "show", id));
	EXPECT_EQ(0, json_num(r->out, "fast_quota"));
	ASSERT_EQ(0, CTL(r, "tier", "quota", id, "unlimited"));
	EXPECT_EQ(STRATA_TIER_QUOTA_NONE,
		  stats_of(self->fd, self->id).fast_quota);
	ASSERT_EQ(0, CTL(r, "tier", "quota", id, "2M"));
	ASSERT_EQ(0, CTL(r, "tier", "quota", id, "none"));
	EXPECT_EQ(STRATA_TIER_QUOTA_NONE,
		  stats_of(self->fd, self->id).fast_quota);
	/* no limit: null in JSON, "unlimited" in text */
	ASSERT_EQ(0, CTL(r, "-j", "tier", "show"));
	ASSERT_TRUE(json_obj(r->out, "id", self->id, obj, sizeof(obj)));
	EXPECT_TRUE(json_is(obj, "fast_quota", "null")) TH_LOG("%s", obj);
	ASSERT_EQ(0, CTL(r, "tier", "show", id));
	EXPECT_NE(NULL, strstr(r->out, "quota unlimited"));
}

TEST_F_TIMEOUT(ctl, remove_ends_the_registration, 60)
{
	struct ctl_run *r = self->r;
	char id[16], want[64];

	ASSERT_EQ(0, register_sleeper(self, STRATA_TIER_QUOTA_NONE));
	snprintf(id, sizeof(id), "%u", self->id);
	ASSERT_EQ(0, CTL(r, "tier", "remove", id)) TH_LOG("%s", r->err);
	EXPECT_STREQ("", r->out);
	EXPECT_EQ(-ENOENT, strata_tier_stats(self->fd, self->id,
					     &(struct strata_tier_stats){}));
	EXPECT_EQ(0, tier_listed(self->fd, self->id));
	EXPECT_EQ(0, tier_nr_regs());

	/* gone: show ID and a second remove say so */
	snprintf(want, sizeof(want),
		 "no registration %s (see 'stratactl tier show')", id);
	EXPECT_EQ(1, CTL(r, "tier", "show", id));
	EXPECT_NE(NULL, strstr(r->err, want)) TH_LOG("%s", r->err);
	EXPECT_EQ(1, CTL(r, "tier", "remove", id));
	EXPECT_NE(NULL, strstr(r->err, want)) TH_LOG("%s", r->err);
	self->id = 0;
}

struct bad_case {
	int status;
	const char *msg;	/* in standard error */
	const char *argv[8];
};

TEST_F_TIMEOUT(ctl, bad_input_is_refused_and_changes_nothing, 180)
{
	struct ctl_run *r = self->r;
	char id[16];
	long hot_rounds = tier_param_get("hot_rounds");
	long scan_max = tier_param_get("scan_max_ms");
	__u32 flags = tier_info_flags(self->fd);
	const struct bad_case cases[] = {
		{ 1, "no registration " NO_SUCH_ID
		     " (see 'stratactl tier show')",
		  { "tier", "remove", NO_SUCH_ID } },
		{ 1, "no registration " NO_SUCH_ID,
		  { "tier", "quota", NO_SUCH_ID, "1G" } },
		{ 1, "no registration " NO_SUCH_ID,
		  { "tier", "show", NO_SUCH_ID } },
		{ 2, "bad size '12Q'", { "tier", "quota", id, "12Q" } },
		{ 2, "bad size '12Q'",
		  { "tier", "add", "--pid", self->pid, "--quota", "12Q" } },
		{ 2, "too large", { "tier", "quota", id, "99999999T" } },
		{ 2, "not a registration id", { "tier", "remove", "x1" } },
		{ 2, "not a registration id", { "tier", "quota", "0", "1G" } },
		{ 1, "already registered",
		  { "tier", "add", "--pid", self->pid } },
		{ 1, "no process 999999999",
		  { "tier", "add", "--pid", "999999999" } },
		{ 2, "--pid takes a process id",
		  { "tier", "add", "--pid", "-3" } },
		{ 2, "scan_min_ms, scan_max_ms",
		  { "tier", "set", "no_such_key", "1" } },
		{ 2, "unknown key 'no_such_key'",
		  { "tier", "get", "no_such_key" } },
		{ 2, "from 1 to 4", { "tier", "set", "hot_rounds", "9" } },
		{ 2, "from 1 to 4", { "tier", "set", "hot_rounds", "0x2" } },
		{ 2, "from 10 to 60000",
		  { "tier", "set", "scan_max_ms", "5" } },
		{ 2, "thp_split is Y or N",
		  { "tier", "set", "thp_split", "x" } },
		{ 2, "needs a command", { "tier" } },
		{ 2, "unknown command", { "tier", "frobnicate" } },
		{ 2, "takes a registration id and a SIZE",
		  { "tier", "quota", id } },
		{ 2, "needs either --pid PID or --cgroup PATH",
		  { "tier", "add" } },
		{ 2, "takes one registration id", { "tier", "remove" } },
		{ 2, "takes KEY VALUE", { "tier", "set", "scan_max_ms" } },
		{ 2, "at most one", { "tier", "show", id, id } },
		{ 2, "--fast LIST --slow LIST", { "tier", "nodes" } },
		{ 2, "both fast and slow",
		  { "tier", "nodes", "--fast", "0", "--slow", "0-1" } },
		{ 2, "bad node list", { "tier", "nodes", "--fast", "0,",
					 "--slow", "1" } },
		{ 2, "at least one node",
		  { "tier", "nodes", "--fast", "", "--slow", "1" } },
		{ 1, "must exist and have memory",
		  { "tier", "nodes", "--fast", "0", "--slow", "1,7" } },
		{ 2, "-n takes", { "tier", "top", "-n", "0" } },
		{ 2, "-d takes", { "tier", "top", "-d", "0" } },
	};
	size_t i;

	ASSERT_EQ(0, register_sleeper(self, 64 * TIER_MIB));
	snprintf(id, sizeof(id), "%u", self->id);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		char *argv[10] = { "stratactl" };
		char line[256] = "";
		int j;

		for (j = 0; c->argv[j]; j++) {
			argv[j + 1] = (char *)c->argv[j];
			strncat(line, " ", sizeof(line) - strlen(line) - 1);
			strncat(line, c->argv[j],
				sizeof(line) - strlen(line) - 1);
		}
		EXPECT_EQ(c->status, ctl_argv(r, false, argv))
			TH_LOG("stratactl%s: %s", line, r->err);
		EXPECT_NE(NULL, strstr(r->err, c->msg))
			TH_LOG("stratactl%s: stderr '%s' lacks '%s'", line,
			       r->err, c->msg);
		EXPECT_STREQ("", r->out) TH_LOG("stratactl%s", line);
	}

	/* nothing changed */
	EXPECT_EQ(1, tier_nr_regs());
	EXPECT_EQ(64 * TIER_MIB, stats_of(self->fd, self->id).fast_quota);
	EXPECT_EQ(hot_rounds, tier_param_get("hot_rounds"));
	EXPECT_EQ(scan_max, tier_param_get("scan_max_ms"));
	EXPECT_EQ(flags, tier_info_flags(self->fd));
}

TEST_F_TIMEOUT(ctl, nobody_may_look_but_not_change, 120)
{
	struct ctl_run *r = self->r;
	long hot_rounds = tier_param_get("hot_rounds");
	char id[16], obj[4096];

	/* a registration, by root */
	ASSERT_EQ(0, CTL(r, "tier", "add", "--pid", self->pid));
	ASSERT_EQ(1, sscanf(r->out, "%u", &self->id));
	snprintf(id, sizeof(id), "%u", self->id);

	ASSERT_EQ(0, CTL_NOBODY(r, "-j", "tier", "show")) TH_LOG("%s", r->err);
	EXPECT_TRUE(json_obj(r->out, "id", self->id, obj, sizeof(obj)));
	EXPECT_EQ(self->w.pid, json_num(obj, "pid"));
	EXPECT_EQ(0, CTL_NOBODY(r, "tier", "show", id));
	EXPECT_EQ(0, CTL_NOBODY(r, "tier", "get"));
	EXPECT_NE(NULL, strstr(r->out, "hot_rounds"));
	EXPECT_EQ(0, CTL_NOBODY(r, "-j", "tier", "top", "-n", "1", "-d",
				"0.1"));

#define EXPECT_ROOT_NEEDED(...) do {					\
	EXPECT_EQ(1, CTL_NOBODY(r, __VA_ARGS__)) TH_LOG("%s", r->err);	\
	EXPECT_NE(NULL, strstr(r->err, "changing strata_tier needs "	\
			       "CAP_SYS_ADMIN (run as root)"))		\
		TH_LOG("%s", r->err);					\
	EXPECT_STREQ("", r->out);					\
} while (0)
	EXPECT_ROOT_NEEDED("tier", "add", "--pid", "1");
	EXPECT_ROOT_NEEDED("tier", "quota", id, "1G");
	EXPECT_ROOT_NEEDED("tier", "remove", id);
	EXPECT_ROOT_NEEDED("tier", "nodes", "--fast", "0", "--slow", "1");
	EXPECT_ROOT_NEEDED("tier", "nodes", "auto");
	EXPECT_ROOT_NEEDED("tier", "set", "hot_rounds", "3");
#undef EXPECT_ROOT_NEEDED

	EXPECT_EQ(1, tier_nr_regs());
	EXPECT_EQ(STRATA_TIER_QUOTA_NONE,
		  stats_of(self->fd, self->id).fast_quota);
	EXPECT_EQ(hot_rounds, tier_param_get("hot_rounds"));
	EXPECT_FALSE(tier_info_flags(self->fd) & STRATA_TIER_INFO_OVERRIDE);
}

TEST_F_TIMEOUT(ctl, set_changes_a_parameter_and_get_shows_it, 60)
{
	static const char *const keys[] = {
		"scan_first_ms", "scan_min_ms", "scan_max_ms", "hot_rounds",
		"cold_rounds", "rate_limit_mbps", "migrate_threads",
		"fast_reserve_pct", "thp_split", "max_regs",
	};
	struct ctl_run *r = self->r;
	char buf[64];
	size_t i;

	/* remember the old values for the teardown */
	snprintf(buf, sizeof(buf), "%ld", tier_param_get("scan_max_ms"));
	ASSERT_EQ(0, tier_param_push("scan_max_ms", buf));
	ASSERT_EQ(0, tier_param_push("thp_split",
				     tier_param_get("thp_split") ? "Y" : "N"));

	ASSERT_EQ(0, CTL(r, "tier", "set", "scan_max_ms", "1500"))
		TH_LOG("%s", r->err);
	EXPECT_STREQ("", r->out);
	EXPECT_EQ(1500, tier_param_get("scan_max_ms"));
	ASSERT_EQ(0, CTL(r, "-j", "tier", "get", "scan_max_ms"));
	EXPECT_STREQ("{\"scan_max_ms\":1500}\n", r->out);
	ASSERT_EQ(0, CTL(r, "tier", "get", "scan_max_ms"));
	EXPECT_STREQ("scan_max_ms       1500\n", r->out);

	ASSERT_EQ(0, CTL(r, "tier", "set", "thp_split", "off"));
	EXPECT_EQ(0, tier_param_get("thp_split"));
	ASSERT_EQ(0, CTL(r, "-j", "tier", "get"));
	EXPECT_TRUE(json_is(r->out, "thp_split", "false")) TH_LOG("%s", r->out);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!strcmp(keys[i], "thp_split"))
			continue;
		EXPECT_EQ(tier_param_get(keys[i]), json_num(r->out, keys[i]))
			TH_LOG("%s: %s", keys[i], r->out);
	}
	ASSERT_EQ(0, CTL(r, "tier", "set", "thp_split", "Y"));
	EXPECT_EQ(1, tier_param_get("thp_split"));
	ASSERT_EQ(0, CTL(r, "tier", "get"));
	EXPECT_EQ((int)(sizeof(keys) / sizeof(keys[0])), count_lines(r->out))
		TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "thp_split         Y\n"));
}

TEST_F_TIMEOUT(ctl, top_prints_one_json_line_per_refresh, 60)
{
	struct ctl_run *r = self->r;
	char *line, *next, obj[4096];
	int n = 0;

	ASSERT_EQ(0, register_sleeper(self, STRATA_TIER_QUOTA_NONE));
	ASSERT_EQ(0, CTL(r, "-j", "tier", "top", "-n", "2", "-d", "0.2"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(2, count_lines(r->out)) TH_LOG("%s", r->out);
	for (line = r->out; *line; line = next) {
		next = strchr(line, '\n');
		ASSERT_NE(NULL, next);
		*next++ = '\0';
		n++;
		EXPECT_EQ('{', line[0]);
		EXPECT_EQ('}', next[-2]);
		EXPECT_NE(NULL, strstr(line, "\"nodes\":[{\"nid\":0,"));
		ASSERT_TRUE(json_obj(line, "id", self->id, obj, sizeof(obj)))
			TH_LOG("refresh %d: %s", n, line);
		EXPECT_EQ(self->w.pid, json_num(obj, "pid"));
		/* the registration was there before: rates are numbers */
		EXPECT_TRUE(json_num(obj, "promoted_per_s") != ULLONG_MAX)
			TH_LOG("%s", obj);
		EXPECT_TRUE(json_num(obj, "demoted_per_s") != ULLONG_MAX);
		EXPECT_NE(NULL, strstr(line, "\"interval_s\":"));
	}
	EXPECT_EQ(2, n);

	/* the text form clears the screen */
	ASSERT_EQ(0, CTL(r, "tier", "top", "-n", "1", "-d", "0.1"));
	EXPECT_EQ(0, strncmp(r->out, "\033[H\033[2J", 7));
	EXPECT_NE(NULL, strstr(r->out, "FAST MiB"));
}

TEST_F_TIMEOUT(ctl, nodes_overrides_the_roles_and_auto_restores_them, 60)
{
	struct strata_tier_node before, after;
	struct ctl_run *r = self->r;
	__u32 flags = tier_info_flags(self->fd);
	char obj[1024];

	ASSERT_EQ(0, tier_get_node(self->fd, TIER_SLOW_NODE, &before));
	self->nodes_set = true;
	ASSERT_EQ(0, CTL(r, "tier", "nodes", "--fast", "0", "--slow", "1"))
		TH_LOG("%s", r->err);
	EXPECT_STREQ("", r->out);
	EXPECT_TRUE(tier_info_flags(self->fd) & STRATA_TIER_INFO_OVERRIDE);
	ASSERT_EQ(0, CTL(r, "-j", "tier", "show"));
	EXPECT_NE(NULL, strstr(r->out, "\"override\"]"));
	ASSERT_TRUE(json_obj(r->out, "nid", TIER_SLOW_NODE, obj, sizeof(obj)));
	EXPECT_TRUE(json_is(obj, "override", "true"));

	/* no slow node: nothing to tier, and add says so */
	ASSERT_EQ(0, CTL(r, "tier", "nodes", "--fast", "0", "--slow", ""));
	EXPECT_FALSE(tier_info_flags(self->fd) & STRATA_TIER_INFO_ACTIVE);
	ASSERT_EQ(0, CTL(r, "tier", "show"));
	EXPECT_NE(NULL, strstr(r->out, "nothing to tier"));
	EXPECT_EQ(1, CTL(r, "tier", "add", "--pid", self->pid));
	EXPECT_NE(NULL, strstr(r->err, "nothing to tier: no slow memory node "
				       "(see 'stratactl tier show')"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(0, tier_nr_regs());

	ASSERT_EQ(0, CTL(r, "tier", "nodes", "auto"));
	EXPECT_EQ(flags, tier_info_flags(self->fd));
	ASSERT_EQ(0, tier_get_node(self->fd, TIER_SLOW_NODE, &after));
	EXPECT_EQ(before.role, after.role);
	EXPECT_EQ(before.flags, after.flags);
}

TEST_F_TIMEOUT(ctl, help_lists_every_command, 60)
{
	static const char *const cmds[] = {
		"\n  show ", "\n  add ", "\n  remove ", "\n  quota ",
		"\n  nodes ", "\n  set ", "\n  get ", "\n  top ",
	};
	struct ctl_run *r = self->r;
	char help[CTL_BUF];
	size_t i;

	ASSERT_EQ(0, CTL(r, "tier", "help"));
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		EXPECT_NE(NULL, strstr(r->out, cmds[i]))
			TH_LOG("command %zu not listed: %s", i, r->out);
	memcpy(help, r->out, sizeof(help));
	ASSERT_EQ(0, CTL(r, "tier", "--help"));
	EXPECT_STREQ(help, r->out);
	ASSERT_EQ(0, CTL(r, "--help"));
	EXPECT_NE(NULL, strstr(r->out, "tier show"));
}

TEST_F_TIMEOUT(ctl, status_says_whether_there_is_something_to_tier, 60)
{
	struct ctl_run *r = self->r;

	ASSERT_EQ(0, register_sleeper(self, STRATA_TIER_QUOTA_NONE));
	ASSERT_EQ(0, CTL(r, "status"));
	EXPECT_NE(NULL, strstr(r->out, "tier:        active, 1 registration\n"))
		TH_LOG("%s", r->out);
	ASSERT_EQ(0, CTL(r, "-j", "status"));
	EXPECT_NE(NULL, strstr(r->out, "\"tier\":\"active\","
				       "\"registrations\":1}"))
		TH_LOG("%s", r->out);
}

/* Last: unloads and reloads the module. */
TEST_F_TIMEOUT(ctl, without_the_module_commands_exit_3, 60)
{
	struct ctl_run *r = self->r;
	int err;

	/* nothing may hold the device: the child inherited the fd */
	tier_work_kill(&self->w);
	close(self->fd);
	self->fd = -1;
	err = tier_module_unload(10000);
	if (err)
		SKIP(goto reload, "strata_tier cannot be unloaded now: %s",
		     strerror(-err));
	EXPECT_EQ(3, CTL(r, "tier", "show"));
	EXPECT_NE(NULL, strstr(r->err, "load it with 'modprobe strata_tier'"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(3, CTL(r, "tier", "add", "--pid", "1"));
	EXPECT_EQ(3, CTL(r, "tier", "get"));
	EXPECT_EQ(3, CTL(r, "tier", "top", "-n", "1"));
	EXPECT_EQ(0, CTL(r, "status"));
	EXPECT_EQ(NULL, strstr(r->out, "tier:"));
reload:
	if (!tier_module_loaded())
		ASSERT_EQ(0, tier_module_load());
	ASSERT_TRUE(TIER_WAIT_UNTIL((self->fd = tier_open()) >= 0, 5000));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl selftests - the commands that show strata's objects, with the
 * daemon running, checked against the kernel
 *
 * cap stat, sandbox show and run, gang list, show, status and create,
 * gpu list, tier show, get and top.  Each runs as a program
 * (build/user/stratactl) against the test's own stratad; what it prints
 * with -j is parsed with json-c and compared with what the kernel says at
 * the same moment: /sys/class/misc/strata_cap and strata_cap's parameters,
 * the maps the sandbox policy pins, STRATA_GANG_IOC_LIST, STATUS and GPUS,
 * /dev/strata/tier (INFO, LIST, STATS) and strata_tier's parameters.  A
 * value that moves on its own (a running gang's time, a GPU's busy time)
 * must lie between what the kernel said just before and just after.  The
 * text output of each must be there, with its header.
 *
 * The daemon of the "objects" tests loads strata_cap, strata_tier and
 * strata_gang (fake_gpus=4); the one of the "sandbox" test strata_cap and
 * the policy "sandbox" (cap_sandbox.bpf.o: 67 LSM programs, slow to attach
 * and detach under TCG, hence a single test).
 */
#include "kselftest_harness.h"
#include "common.h"
#include "cap_sandbox.h"

#define NR_FAKE_GPUS	4
#define GANG_NAME	"objtest"
#define GANG_STEPS	"500"	/* per member ... */
#define GANG_KERNEL_US	"20000"	/* ... of 20 ms each: 10 s at least */
#define CAP_SYSFS	"/sys/class/misc/strata_cap/"
#define SANDBOX_PINS	CAP_SANDBOX_PIN_DIR

/* The JSON stratactl printed, or fail the test. */
#define OUT_JSON(r) ({							\
	struct json_object *__j = json_of((r)->out);			\
	ASSERT_NE(NULL, __j) TH_LOG("not JSON: '%s' (stderr '%s')",	\
				    (r)->out, (r)->err);		\
	__j;								\
})

/* Whether @v lies between @a and @b, in either order. */
static bool between(long long v, long long a, long long b)
{
	return a <= b ? a <= v && v <= b : b <= v && v <= a;
}

/* Whether some line of @text starts with @prefix. */
static bool has_line(const char *text, const char *prefix)
{
	size_t len = strlen(prefix);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, prefix, len))
			return true;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

/* Whether the array @arr holds the string @s. */
static bool jarr_has(struct json_object *arr, const char *s)
{
	size_t i, n;

	if (!json_object_is_type(arr, json_type_array))
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

/* The element of array @arr whose integer @key is @val, or NULL. */
static struct json_object *jfind_int(struct json_object *arr, const char *key,
				     long long val)
{
	size_t i, n;

	if (!json_object_is_type(arr, json_type_array))
		return NULL;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (jint(e, key) == val)
			return e;
	}
	return NULL;
}

static size_t jlen(struct json_object *arr)
{
	return json_object_is_type(arr, json_type_array) ?
	       json_object_array_length(arr) : 0;
}

/* ---- a stratactl that runs in the background ----------------------------- */

struct bg {
	pid_t pid;
	int status;		/* 128+N: signal N; -1: not ended */
	char out[160];		/* its stdout and stderr, in files */
	char err[160];
};

/* stratactl -s SOCK @args... in the background. */
static int bg_start(struct bg *b, const struct ud *d, char *const args[])
{
	char *argv[32] = { "stratactl", "-s", (char *)d->sock };
	int i = 3, j, out, err;
	sigset_t none;
	pid_t pid;

	for (j = 0; args[j] && i < 31; j++)
		argv[i++] = args[j];
	argv[i] = NULL;
	snprintf(b->out, sizeof(b->out), "%s/bg.out", d->dir);
	snprintf(b->err, sizeof(b->err), "%s/bg.err", d->dir);
	b->status = -1;
	fflush(stdout);
	fflush(stderr);
	/* the fixture is shared with the harness: the child writes none of it */
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		out = open(b->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		err = open(b->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (out < 0 || err < 0 || dup2(out, 1) < 0 ||
		    dup2(err, 2) < 0)
			_exit(127);
		execv(UD_STRATACTL, argv);
		_exit(127);
	}
	b->pid = pid;
	return 0;
}

/* Wait up to @ms for it: its exit status, or -ETIMEDOUT. */
static int bg_wait(struct bg *b, long ms)
{
	return strata_wait_pid(&b->pid, &b->status, ms, 50);
}

/* SIGTERM (stratactl kills its gang and passes it on), then SIGKILL. */
static void bg_stop(struct bg *b)
{
	if (b->pid <= 0)
		return;
	kill(b->pid, SIGTERM);
	if (bg_wait(b, 30000) == -ETIMEDOUT) {
		kill(b->pid, SIGKILL);
		bg_wait(b, 5000);
	}
}

/* ---- the daemon of the "objects" tests ----------------------------------- */

FIXTURE(objects) {
	struct ud d;
	struct bg bg;
	pid_t sleeper;
};

FIXTURE_SETUP(objects)
{
	struct ud *d = &self->d;

	UD_SETUP(d, UD_STRATACTL, UD_STRATAD);
	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n"
			       "[module strata_cap]\n"
			       "[module strata_tier]\n"
			       "[module strata_gang]\n"
			       "fake_gpus = %d\n", NR_FAKE_GPUS));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
}

FIXTURE_TEARDOWN_PARENT(objects)
{
	bg_stop(&self->bg);
	if (self->sleeper > 0)
		kill(self->sleeper, SIGKILL);
	ud_cleanup(&self->d);
}

/* ---- cap stat -------------------------------------------------------------- */

static const char *const cap_counters[] = {
	"tables", "handles", "objects", "messages",
};

static const char *const cap_limits[] = {
	"max_handles", "channel_max_msgs", "user_max_handles",
	"user_max_objects", "user_max_queued_bytes",
};

#define NR_COUNTERS	4

static void cap_sysfs(long v[NR_COUNTERS])
{
	char path[128];
	int i;

	for (i = 0; i < NR_COUNTERS; i++) {
		snprintf(path, sizeof(path), CAP_SYSFS "%s", cap_counters[i]);
		v[i] = strata_read_long(path);
	}
}

/*
 * `stratactl -j cap stat` into @json (the four counters); each must be
 * what sysfs said just before or after (between the two).  0, or -1 with
 * @what saying why.
 */
static int cap_stat_json(struct ud *d, struct run *r, long json[NR_COUNTERS],
			 char *what, size_t size)
{
	long before[NR_COUNTERS], after[NR_COUNTERS];
	struct json_object *j;
	size_t i;

	cap_sysfs(before);
	if (CTL(r, d, "-j", "cap", "stat"))
		return snprintf(what, size, "exit %d: %s", r->status,
				r->err), -1;
	cap_sysfs(after);
	j = json_of(r->out);
	if (!j)
		return snprintf(what, size, "not JSON: %s", r->out), -1;
	for (i = 0; i < NR_COUNTERS; i++) {
		json[i] = jint(j, cap_counters[i]);
		if (!between(json[i], before[i], after[i])) {
			snprintf(what, size, "%s: %ld, sysfs %ld then %ld",
				 cap_counters[i], json[i], before[i],
				 after[i]);
			json_object_put(j);
			return -1;
		}
	}
	for (i = 0; i < sizeof(cap_limits) / sizeof(cap_limits[0]); i++) {
		long v = mod_param_long("strata_cap", cap_limits[i]);

		if (jint(j, cap_limits[i]) != v) {
			snprintf(what, size, "%s: %lld, sysfs %ld",
				 cap_limits[i], jint(j, cap_limits[i]), v);
			json_object_put(j);
			return -1;
		}
	}
	json_object_put(j);
	return 0;
}

#define CAP_STAT(r, d, v) do {						\
	char __what[512] = "";						\
	ASSERT_EQ(0, cap_stat_json(d, r, v, __what, sizeof(__what)))	\
		TH_LOG("%s", __what);					\
} while (0)

TEST_F_TIMEOUT(objects, cap_stat_counts_what_sysfs_counts, 180)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	long base[NR_COUNTERS], v[NR_COUNTERS], sysfs[NR_COUNTERS];
	__u32 vmo, ch0, ch1;
	char line[64];
	int table, i;

	ASSERT_NE(NULL, r);
	CAP_STAT(r, d, base);

	/* a table of ours: one more */
	table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, table);
	CAP_STAT(r, d, v);
	EXPECT_EQ(base[0] + 1, v[0]);
	EXPECT_EQ(base[1], v[1]);
	EXPECT_EQ(base[2], v[2]);

	/* a VMO: one object, one handle */
	ASSERT_EQ(0, strata_vmo_create(table, 1 << 16, 0, &vmo));
	CAP_STAT(r, d, v);
	EXPECT_EQ(base[1] + 1, v[1]);
	EXPECT_EQ(base[2] + 1, v[2]);

	/* a channel: two more handles, more objects; a message queued */
	ASSERT_EQ(0, strata_channel_create(table, &ch0, &ch1));
	CAP_STAT(r, d, v);
	EXPECT_EQ(base[1] + 3, v[1]);
	EXPECT_LT(base[2] + 1, v[2]);
	EXPECT_EQ(base[3], v[3]);
	ASSERT_EQ(0, strata_channel_write(table, ch0, "hello", 5, NULL, 0));
	CAP_STAT(r, d, v);
	EXPECT_EQ(base[3] + 1, v[3]);

	/* the text form: one line per counter, the same numbers */
	ASSERT_EQ(0, CTL(r, d, "cap", "stat")) TH_LOG("%s", r->err);
	cap_sysfs(sysfs);
	for (i = 0; i < NR_COUNTERS; i++) {
		snprintf(line, sizeof(line), "%-22s %ld\n", cap_counters[i],
			 sysfs[i]);
		EXPECT_TRUE(has_line(r->out, line))
			TH_LOG("no '%s' in '%s'", line, r->out);
	}
	EXPECT_TRUE(has_line(r->out, "max_handles "));

	/* the VMO closed: its object and handle go */
	ASSERT_EQ(0, strata_handle_close(table, vmo));
	CAP_STAT(r, d, v);
	EXPECT_EQ(base[1] + 2, v[1]);

	/* the table closed: all of it goes */
	close(table);
	cap_sysfs(sysfs);
	EXPECT_TRUE(UD_WAIT_UNTIL((cap_sysfs(sysfs), sysfs[0] == base[0] &&
				   sysfs[1] == base[1] &&
				   sysfs[2] == base[2] &&
				   sysfs[3] == base[3]), 5000));
	CAP_STAT(r, d, v);
	for (i = 0; i < NR_COUNTERS; i++)
		EXPECT_EQ(base[i], v[i]) TH_LOG("counter %d", i);

	/* without strata_cap: exit status 3 */
	ASSERT_EQ(0, CTL(r, d, "module", "unload", "gang"));
	ASSERT_EQ(0, CTL(r, d, "module", "unload", "tier"));
	ASSERT_EQ(0, CTL(r, d, "module", "unload", "cap")) TH_LOG("%s", r->err);
	EXPECT_EQ(3, CTL(r, d, "-j", "cap", "stat"));
	EXPECT_STREQ("", r->out);
}

/* ---- gang list, show, status, create; gpu list --------------------------- */

/* Every gang (LIST) into @g; their number, or -errno. */
static int gangs_of(struct strata_gang_info *g, __u32 cap)
{
	int fd = strata_gang_open(), err;
	__u32 count = 0;

	if (fd < 0)
		return fd;
	err = strata_gang_list(fd, g, cap, &count);
	close(fd);
	return err ? err : (int)count;
}

/*
 * The gang named @name, or with @koid when @name is NULL (LIST), into
 * @info: 0, or -ENOENT.
 */
static int gang_find(const char *name, __u64 koid,
		     struct strata_gang_info *info)
{
	struct strata_gang_info g[16];
	int n = gangs_of(g, 16), i;

	for (i = 0; i < n && i < 16; i++) {
		if (name ? !strncmp(g[i].name, name, STRATA_GANG_NAME_LEN) :
			   g[i].koid == koid) {
			*info = g[i];
			return 0;
		}
	}
	return n < 0 ? n : -ENOENT;
}

static int gang_status_of(struct strata_gang_status *st)
{
	int fd = strata_gang_open(), err;

	if (fd < 0)
		return fd;
	err = strata_gang_status(fd, st);
	close(fd);
	return err;
}

static int gpus_of(struct strata_gang_gpu *g, __u32 cap)
{
	int fd = strata_gang_open(), err;
	__u32 count = 0;

	if (fd < 0)
		return fd;
	err = strata_gang_gpus(fd, g, cap, &count);
	close(fd);
	return err ? err : (int)count;
}

/*
 * Whether the JSON gang @j says what LIST said of it just before (@a) and
 * after (@b): fields that stay, the same; counters, in between.  @what
 * says the first difference.
 */
static bool gang_matches(struct json_object *j,
			 const struct strata_gang_info *a,
			 const struct strata_gang_info *b,
			 char *what, size_t size)
{
	char name[STRATA_GANG_NAME_LEN + 1];
	struct json_object *gpus = jlist(j, "gpus");
	size_t i, n = 0;

#define SAME(key, v) do {						\
	if (jint(j, key) != (long long)(v))				\
		return snprintf(what, size, "%s: %lld, LIST %lld", key,	\
				jint(j, key), (long long)(v)), false;	\
} while (0)
#define BETWEEN(key, f) do {						\
	if (!between(jint(j, key), a->f, b->f))				\
		return snprintf(what, size, "%s: %lld, LIST %llu then %llu",\
				key, jint(j, key),			\
				(unsigned long long)a->f,		\
				(unsigned long long)b->f), false;	\
} while (0)
	SAME("koid", a->koid);
	SAME("uid", a->uid);
	SAME("nr_members", a->nr_members);
	SAME("gpus_per_member", a->gpus_per_member);
	SAME("nr_gpus", a->nr_gpus);
	SAME("priority", a->priority);
	SAME("slice_ms", a->slice_ms);
	SAME("created_ns", a->created_ns);
	BETWEEN("joined", joined);
	BETWEEN("alive", alive);
	BETWEEN("deaths", deaths);
	BETWEEN("slices", slices);
	BETWEEN("preemptions", preemptions);
	BETWEEN("attained_ns", attained_ns);
	BETWEEN("run_ns", run_ns);
	BETWEEN("wait_ns", wait_ns);
	BETWEEN("max_skew_ns", max_skew_ns);
#undef SAME
#undef BETWEEN
	snprintf(name, sizeof(name), "%.*s", STRATA_GANG_NAME_LEN, a->name);
	if (strcmp(UD_S(jstr(j, "name")), name))
		return snprintf(what, size, "name '%s', LIST '%s'",
				UD_S(jstr(j, "name")), name), false;
	if (strcmp(UD_S(jstr(j, "state")), strata_gang_state_name(a->state)) &&
	    strcmp(UD_S(jstr(j, "state")), strata_gang_state_name(b->state)))
		return snprintf(what, size, "state %s, LIST %s then %s",
				UD_S(jstr(j, "state")),
				strata_gang_state_name(a->state),
				strata_gang_state_name(b->state)), false;
	if (a->state != STRATA_GANG_ABORTED && !jnull(j, "abort_reason"))
		return snprintf(what, size, "abort_reason not null"), false;
	if (strcmp(UD_S(jstr(j, "on_member_exit")),
		   a->on_member_exit == STRATA_GANG_EXIT_SHRINK ? "shrink" :
								 "abort"))
		return snprintf(what, size, "on_member_exit %s",
				UD_S(jstr(j, "on_member_exit"))), false;
	if (a->gpu_mask == b->gpu_mask) {
		for (i = 0; i < 64; i++) {
			if (!(a->gpu_mask & (1ULL << i)))
				continue;
			if (!json_object_is_type(gpus, json_type_array) ||
			    n >= jlen(gpus) ||
			    json_object_get_int(json_object_array_get_idx(
				    gpus, n)) != (int)i)
				return snprintf(what, size, "gpus %s, mask "
						"%#llx",
						json_object_to_json_string(
							gpus),
						(unsigned long long)
						a->gpu_mask), false;
			n++;
		}
		if (n != jlen(gpus))
			return snprintf(what, size, "gpus %s, mask %#llx",
					json_object_to_json_string(gpus),
					(unsigned long long)a->gpu_mask),
			       false;
	}
	return true;
}

static const char *const gang_modes[] = { "stock", "sched_ext" };
static const char *const gang_policies[] = { "las", "fifo", "backfill" };

/* The same for `gang status` against STATUS (@a before, @b after). */
static bool status_matches(struct json_object *j,
			   const struct strata_gang_status *a,
			   const struct strata_gang_status *b,
			   char *what, size_t size)
{
#define SAME(key, f) do {						\
	if (a->f == b->f && jint(j, key) != (long long)a->f)		\
		return snprintf(what, size, "%s: %lld, STATUS %llu", key,\
				jint(j, key),				\
				(unsigned long long)a->f), false;	\
	if (!between(jint(j, key), a->f, b->f))				\
		return snprintf(what, size, "%s: %lld, STATUS %llu then "\
				"%llu", key, jint(j, key),		\
				(unsigned long long)a->f,		\
				(unsigned long long)b->f), false;	\
} while (0)
	SAME("nr_gpus", nr_gpus);
	SAME("free_gpus", free_gpus);
	SAME("nr_cpus", nr_cpus);
	SAME("free_cpus", free_cpus);
	SAME("gangs", gangs);
	SAME("queued", queued);
	SAME("running", running);
	SAME("admitted", admitted);
	SAME("preemptions", preemptions);
	SAME("aborts", aborts);
	SAME("deaths", deaths);
#undef SAME
	if (a->mode >= 2 ||
	    strcmp(UD_S(jstr(j, "mode")), gang_modes[a->mode]))
		return snprintf(what, size, "mode %s, STATUS %u",
				UD_S(jstr(j, "mode")), a->mode), false;
	if (a->policy >= 3 ||
	    strcmp(UD_S(jstr(j, "policy")), gang_policies[a->policy]))
		return snprintf(what, size, "policy %s, STATUS %u",
				UD_S(jstr(j, "policy")), a->policy), false;
	if (jbool(j, "bpf_policy") != !!a->bpf_policy)
		return snprintf(what, size, "bpf_policy %d, STATUS %u",
				jbool(j, "bpf_policy"), a->bpf_policy), false;
	return true;
}

/*
 * The same for `gpu list` against GPUS (@a before, @b after, @n GPUs).
 * Where the holder did not change, the JSON says it (null: free).
 */
static bool gpus_match(struct json_object *arr,
		       const struct strata_gang_gpu *a,
		       const struct strata_gang_gpu *b, int n,
		       char *what, size_t size)
{
	struct json_object *g;
	char name[33];
	int i;

	if ((int)jlen(arr) != n)
		return snprintf(what, size, "%zu GPUs listed, GPUS %d",
				jlen(arr), n), false;
	for (i = 0; i < n; i++) {
		g = json_object_array_get_idx(arr, i);
		snprintf(name, sizeof(name), "%.*s", 32, a[i].name);
		if (jint(g, "id") != a[i].id ||
		    strcmp(UD_S(jstr(g, "name")), name) ||
		    strcmp(UD_S(jstr(g, "kind")),
			   a[i].kind == STRATA_GANG_GPU_FAKE ? "fake" :
							      "pci") ||
		    (!a[i].dev) != jnull(g, "dev"))
			return snprintf(what, size, "GPU %d: %s, GPUS id %u "
					"name %s kind %u dev %u", i,
					json_object_to_json_string(g),
					a[i].id, name, a[i].kind, a[i].dev),
			       false;
		if (a[i].gang_koid == b[i].gang_koid &&
		    (a[i].gang_koid ? jint(g, "gang_koid") !=
				      (long long)a[i].gang_koid :
				      !jnull(g, "gang_koid")))
			return snprintf(what, size, "GPU %d: gang_koid %s, "
					"GPUS %llu", i,
					json_object_to_json_string(
						jget(g, "gang_koid")),
					(unsigned long long)a[i].gang_koid),
			       false;
		if (!between(jint(g, "kernels"), a[i].kernels, b[i].kernels) ||
		    !between(jint(g, "busy_ns"), a[i].busy_ns, b[i].busy_ns) ||
		    !between(jint(g, "switches"), a[i].switches,
			     b[i].switches))
			return snprintf(what, size, "GPU %d: %s, GPUS kernels "
					"%llu-%llu busy %llu-%llu", i,
					json_object_to_json_string(g),
					(unsigned long long)a[i].kernels,
					(unsigned long long)b[i].kernels,
					(unsigned long long)a[i].busy_ns,
					(unsigned long long)b[i].busy_ns),
			       false;
	}
	return true;
}

/* `gang list -j` against LIST: each gang listed is the kernel's. */
#define CHECK_GANG_LIST(r, d, koid) do {				\
	struct strata_gang_info __a, __b;				\
	struct json_object *__j, *__g;					\
	char __what[512] = "";						\
	int __n0 = gangs_of(NULL, 0), __n1;				\
									\
	ASSERT_EQ(0, gang_find(NULL, koid, &__a));			\
	ASSERT_EQ(0, CTL(r, d, "-j", "gang", "list")) TH_LOG("%s", (r)->err);\
	ASSERT_EQ(0, gang_find(NULL, koid, &__b));			\
	__n1 = gangs_of(NULL, 0);					\
	__j = OUT_JSON(r);						\
	ASSERT_TRUE(json_object_is_type(__j, json_type_array));		\
	EXPECT_TRUE(between(jlen(__j), __n0, __n1))			\
		TH_LOG("%zu gangs listed, LIST %d then %d", jlen(__j),	\
		       __n0, __n1);					\
	__g = jfind_int(__j, "koid", koid);				\
	ASSERT_NE(NULL, __g) TH_LOG("gang %llu not in %s",		\
				   (unsigned long long)(koid), (r)->out);\
	EXPECT_TRUE(gang_matches(__g, &__a, &__b, __what,		\
				 sizeof(__what)))			\
		TH_LOG("list: %s: %s", __what, (r)->out);		\
	json_object_put(__j);						\
} while (0)

/* `gang show KOID -j` against LIST. */
#define CHECK_GANG_SHOW(r, d, koid) do {				\
	struct strata_gang_info __a, __b;				\
	struct json_object *__j;					\
	char __what[512] = "", __k[32];					\
									\
	snprintf(__k, sizeof(__k), "%llu", (unsigned long long)(koid));	\
	ASSERT_EQ(0, gang_find(NULL, koid, &__a));			\
	ASSERT_EQ(0, CTL(r, d, "-j", "gang", "show", __k))		\
		TH_LOG("%s", (r)->err);					\
	ASSERT_EQ(0, gang_find(NULL, koid, &__b));			\
	__j = OUT_JSON(r);						\
	EXPECT_TRUE(gang_matches(__j, &__a, &__b, __what,		\
				 sizeof(__what)))			\
		TH_LOG("show: %s: %s", __what, (r)->out);		\
	json_object_put(__j);						\
} while (0)

/* `gang status -j` against STATUS. */
#define CHECK_GANG_STATUS(r, d) do {					\
	struct strata_gang_status __a, __b;				\
	struct json_object *__j;					\
	char __what[512] = "";						\
									\
	ASSERT_EQ(0, gang_status_of(&__a));				\
	ASSERT_EQ(0, CTL(r, d, "-j", "gang", "status"))			\
		TH_LOG("%s", (r)->err);					\
	ASSERT_EQ(0, gang_status_of(&__b));				\
	__j = OUT_JSON(r);						\
	EXPECT_TRUE(status_matches(__j, &__a, &__b, __what,		\
				   sizeof(__what)))			\
		TH_LOG("status: %s: %s", __what, (r)->out);		\
	json_object_put(__j);						\
} while (0)

/* `gpu list -j` against GPUS; the JSON left in @j. */
#define CHECK_GPU_LIST(r, d, j) do {					\
	struct strata_gang_gpu __a[16], __b[16];			\
	char __what[512] = "";						\
	int __n;							\
									\
	__n = gpus_of(__a, 16);						\
	ASSERT_EQ(NR_FAKE_GPUS, __n);					\
	ASSERT_EQ(0, CTL(r, d, "-j", "gpu", "list")) TH_LOG("%s", (r)->err);\
	ASSERT_EQ(NR_FAKE_GPUS, gpus_of(__b, 16));			\
	j = OUT_JSON(r);						\
	EXPECT_TRUE(gpus_match(j, __a, __b, __n, __what, sizeof(__what)))\
		TH_LOG("gpu list: %s: %s", __what, (r)->out);		\
} while (0)

TEST_F_TIMEOUT(objects, gang_and_gpu_commands_say_what_the_ioctls_say, 180)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	struct strata_gang_status st;
	struct json_object *j, *g;
	struct ud_gang made;
	char line[128], koid[32];
	size_t i;

	ASSERT_NE(NULL, r);
	/* no gang: an empty list, every GPU free */
	ASSERT_EQ(0, gangs_of(NULL, 0));
	ASSERT_EQ(0, CTL(r, d, "-j", "gang", "list")) TH_LOG("%s", r->err);
	j = OUT_JSON(r);
	EXPECT_TRUE(json_object_is_type(j, json_type_array));
	EXPECT_EQ(0, jlen(j)) TH_LOG("%s", r->out);
	json_object_put(j);
	ASSERT_EQ(0, CTL(r, d, "gang", "list"));
	EXPECT_TRUE(strstr(r->out, "KOID") && strstr(r->out, "STATE") &&
		    strstr(r->out, "MEMBERS")) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "(no gangs)")) TH_LOG("%s", r->out);

	CHECK_GPU_LIST(r, d, j);
	for (i = 0; i < jlen(j); i++) {
		g = json_object_array_get_idx(j, i);
		EXPECT_STREQ("fake", UD_S(jstr(g, "kind")));
		EXPECT_TRUE(jnull(g, "gang_koid"));
		EXPECT_EQ(0, jint(g, "kernels"));
	}
	json_object_put(j);

	CHECK_GANG_STATUS(r, d);
	ASSERT_EQ(0, gang_status_of(&st));
	EXPECT_EQ(NR_FAKE_GPUS, st.nr_gpus);
	EXPECT_EQ(NR_FAKE_GPUS, st.free_gpus);

	/* a gang this test created, never joined: forming, no GPUs */
	ASSERT_EQ(0, gang_make(&made));
	CHECK_GANG_LIST(r, d, made.koid);
	CHECK_GANG_SHOW(r, d, made.koid);
	CHECK_GANG_STATUS(r, d);
	snprintf(koid, sizeof(koid), "%llu", (unsigned long long)made.koid);
	ASSERT_EQ(0, CTL(r, d, "-j", "gang", "show", koid));
	j = OUT_JSON(r);
	EXPECT_STREQ("forming", UD_S(jstr(j, "state"))) TH_LOG("%s", r->out);
	EXPECT_EQ(0, jint(j, "joined"));
	EXPECT_EQ(0, jlen(jlist(j, "gpus")));
	json_object_put(j);
	ASSERT_EQ(0, CTL(r, d, "gang", "show", koid));
	snprintf(line, sizeof(line), "gang %s (-): forming\n", koid);
	EXPECT_TRUE(has_line(r->out, line)) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "  members    2: 0 joined"))
		TH_LOG("%s", r->out);

	/* killed, it says so and why */
	ASSERT_EQ(0, CTL(r, d, "gang", "kill", koid)) TH_LOG("%s", r->err);
	ASSERT_EQ(0, CTL(r, d, "-j", "gang", "show", koid));
	j = OUT_JSON(r);
	EXPECT_STREQ("aborted", UD_S(jstr(j, "state"))) TH_LOG("%s", r->out);
	EXPECT_STREQ(strata_gang_abort_reason_name(STRATA_GANG_ABORT_ADMIN),
		     UD_S(jstr(j, "abort_reason"))) TH_LOG("%s", r->out);
	json_object_put(j);
	ASSERT_EQ(0, gang_status_of(&st));
	EXPECT_LE(1, st.aborts);
	CHECK_GANG_STATUS(r, d);

	/* gone once its last handle is: show fails, list is empty again */
	gang_drop(&made);
	EXPECT_TRUE(UD_WAIT_UNTIL(gangs_of(NULL, 0) == 0, 5000));
	EXPECT_EQ(1, CTL(r, d, "-j", "gang", "show", koid));
	EXPECT_STREQ("", r->out);
	EXPECT_NE(NULL, strstr(r->err, "no gang")) TH_LOG("%s", r->err);
	EXPECT_EQ(2, CTL(r, d, "gang", "show", "notanumber"));
	/* a runtime hint the module would refuse is a usage error */
	EXPECT_EQ(2, CTL(r, d, "gang", "create", "--runtime-hint",
			 "18446744073710", "--", "/bin/true"));
	EXPECT_NE(NULL, strstr(r->err, "at most 18446744073709"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(0, gangs_of(NULL, 0));

	/* without strata_gang: exit status 3 for each */
	ASSERT_EQ(0, CTL(r, d, "module", "unload", "gang"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(3, CTL(r, d, "-j", "gang", "list"));
	EXPECT_EQ(3, CTL(r, d, "-j", "gang", "status"));
	EXPECT_EQ(3, CTL(r, d, "-j", "gpu", "list"));
	EXPECT_EQ(3, CTL(r, d, "gang", "show", koid));
}

/* The GPU list's entries whose gang_koid is @koid. */
static int gpus_held_by(struct json_object *arr, __u64 koid)
{
	size_t i;
	int n = 0;

	for (i = 0; i < jlen(arr); i++)
		if (jint(json_object_array_get_idx(arr, i), "gang_koid") ==
		    (long long)koid)
			n++;
	return n;
}

/* The lines of `gpu list` (words) whose GANG column is @koid. */
static int text_gpus_held_by(const char *text, const char *koid)
{
	char kind[16], name[40], dev[16], gang[32];
	const char *p = text;
	unsigned int id;
	int n = 0;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (sscanf(p, "%u %15s %39s %15s %31s", &id, kind, name, dev,
			   gang) == 5 && !strcmp(gang, koid))
			n++;
	return n;
}

TEST_F_TIMEOUT(objects, gang_create_runs_a_gang_the_listings_follow, 300)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	struct strata_gang_info info;
	struct strata_gang_status st;
	struct strata_gang_gpu gpus[16];
	struct json_object *j, *g, *procs;
	char koid[32], line[160], *out, *json;
	__u64 mask;
	size_t i;
	int held;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, bg_start(&self->bg, d, (char *const[]){
		"-j", "gang", "create", "--members", "2",
		"--gpus-per-member", "1", "--name", GANG_NAME, "--",
		ud_path("build/user/examples/gang_member"), GANG_STEPS,
		GANG_KERNEL_US, NULL }));
	ASSERT_TRUE(UD_WAIT_UNTIL(!gang_find(GANG_NAME, 0, &info) &&
				  info.state == STRATA_GANG_RUNNING, 60000))
		TH_LOG("the gang does not run: %s",
		       UD_S(ud_slurp(self->bg.err)));
	snprintf(koid, sizeof(koid), "%llu", (unsigned long long)info.koid);
	mask = info.gpu_mask;
	EXPECT_EQ(2, __builtin_popcountll(mask));
	EXPECT_EQ(2, info.joined);

	/* while it runs */
	CHECK_GANG_LIST(r, d, info.koid);
	CHECK_GANG_SHOW(r, d, info.koid);
	CHECK_GANG_STATUS(r, d);
	CHECK_GPU_LIST(r, d, j);
	held = gpus_held_by(j, info.koid);
	EXPECT_EQ(2, held) TH_LOG("%s", r->out);
	for (i = 0; i < jlen(j); i++) {
		g = json_object_array_get_idx(j, i);
		EXPECT_EQ(!!(mask & (1ULL << jint(g, "id"))),
			  jint(g, "gang_koid") == (long long)info.koid)
			TH_LOG("GPU %lld: %s, mask %#llx", jint(g, "id"),
			       r->out, (unsigned long long)mask);
	}
	json_object_put(j);
	ASSERT_EQ(0, gang_status_of(&st));
	EXPECT_EQ(1, st.running);
	EXPECT_EQ(NR_FAKE_GPUS - 2, st.free_gpus);
	/* and the same in words */
	ASSERT_EQ(0, CTL(r, d, "gang", "list")) TH_LOG("%s", r->err);
	EXPECT_TRUE(strstr(r->out, "KOID") && strstr(r->out, "GPU-S"))
		TH_LOG("%s", r->out);
	snprintf(line, sizeof(line), "%8s  %-15s %-8s %-8s %5s", koid,
		 GANG_NAME, "running", "2/2/2", "2/2");
	EXPECT_TRUE(has_line(r->out, line))
		TH_LOG("no '%s' in '%s'", line, r->out);
	ASSERT_EQ(0, CTL(r, d, "gang", "show", koid)) TH_LOG("%s", r->err);
	snprintf(line, sizeof(line), "gang %s (%s): running\n", koid,
		 GANG_NAME);
	EXPECT_TRUE(has_line(r->out, line)) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "  gpus       1 per member, 2 needed, "
				       "holding ")) TH_LOG("%s", r->out);
	ASSERT_EQ(0, CTL(r, d, "gang", "status")) TH_LOG("%s", r->err);
	EXPECT_TRUE(has_line(r->out, "mode           ")) TH_LOG("%s", r->out);
	snprintf(line, sizeof(line), "gpus           %d free of %d\n",
		 NR_FAKE_GPUS - 2, NR_FAKE_GPUS);
	EXPECT_TRUE(has_line(r->out, line)) TH_LOG("%s", r->out);
	EXPECT_TRUE(has_line(r->out, "gangs          1: 0 queued, 1 running"))
		TH_LOG("%s", r->out);
	ASSERT_EQ(0, CTL(r, d, "gpu", "list")) TH_LOG("%s", r->err);
	EXPECT_TRUE(has_line(r->out, "  ID  KIND  NAME")) TH_LOG("%s", r->out);
	for (i = 0; i < NR_FAKE_GPUS; i++) {
		snprintf(line, sizeof(line), "%4zu  fake", i);
		EXPECT_TRUE(has_line(r->out, line)) TH_LOG("%s", r->out);
	}
	/* the holder's koid on the lines of the GPUs it holds */
	EXPECT_EQ(2, text_gpus_held_by(r->out, koid)) TH_LOG("%s", r->out);

	/* it ends DONE; create says so, and how each member ended */
	ASSERT_EQ(0, bg_wait(&self->bg, 240000))
		TH_LOG("gang create: %d: %s", self->bg.status,
		       UD_S(ud_slurp(self->bg.err)));
	out = ud_slurp(self->bg.out);
	ASSERT_NE(NULL, out);
	/* the members' lines come first: they share its standard output */
	EXPECT_NE(NULL, strstr(out, "gang_member 0: " GANG_STEPS " steps"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "gang_member 1: " GANG_STEPS " steps"))
		TH_LOG("%s", out);
	json = out[0] == '{' ? out : strstr(out, "\n{");
	ASSERT_NE(NULL, json) TH_LOG("no JSON in '%s'", out);
	j = json_of(json[0] == '\n' ? json + 1 : json);
	ASSERT_NE(NULL, j) TH_LOG("not JSON: '%s'", json);
	EXPECT_EQ((long long)info.koid, jint(j, "gang.koid"));
	EXPECT_STREQ(GANG_NAME, UD_S(jstr(j, "gang.name")));
	EXPECT_STREQ("done", UD_S(jstr(j, "gang.state"))) TH_LOG("%s", json);
	EXPECT_EQ(0, jint(j, "gang.alive"));
	EXPECT_EQ(0, jint(j, "gang.deaths"));
	EXPECT_LT(0, jint(j, "gang.run_ns"));
	EXPECT_LE(1, jint(j, "gang.slices"));
	procs = jlist(j, "processes");
	ASSERT_EQ(2, jlen(procs)) TH_LOG("%s", json);
	for (i = 0; i < 2; i++) {
		g = json_object_array_get_idx(procs, i);
		EXPECT_LT(0, jint(g, "pid"));
		EXPECT_EQ(1, jbool(g, "started"));
		EXPECT_EQ(0, jint(g, "exit_status")) TH_LOG("%s", json);
		EXPECT_TRUE(jnull(g, "signal"));
	}
	json_object_put(j);
	free(out);

	/* gone with its creator: not listed, not shown */
	EXPECT_TRUE(UD_WAIT_UNTIL(gang_find(NULL, info.koid, &info) ==
				      -ENOENT, 5000));
	ASSERT_EQ(0, CTL(r, d, "-j", "gang", "list"));
	j = OUT_JSON(r);
	EXPECT_EQ(NULL, jfind_int(j, "koid", info.koid)) TH_LOG("%s", r->out);
	json_object_put(j);
	EXPECT_EQ(1, CTL(r, d, "gang", "show", koid));

	/* the GPUs are free, and they worked */
	CHECK_GPU_LIST(r, d, j);
	EXPECT_EQ(0, gpus_held_by(j, info.koid));
	ASSERT_EQ(NR_FAKE_GPUS, gpus_of(gpus, 16));
	for (i = 0; i < jlen(j); i++) {
		g = json_object_array_get_idx(j, i);
		EXPECT_TRUE(jnull(g, "gang_koid")) TH_LOG("%s", r->out);
		if (!(mask & (1ULL << i)))
			continue;
		EXPECT_LT(0, jint(g, "busy_ns")) TH_LOG("%s", r->out);
		EXPECT_LE(atoll(GANG_STEPS), jint(g, "kernels"))
			TH_LOG("%s", r->out);
		EXPECT_EQ((long long)gpus[i].busy_ns, jint(g, "busy_ns"));
	}
	json_object_put(j);
	CHECK_GANG_STATUS(r, d);
	ASSERT_EQ(0, gang_status_of(&st));
	EXPECT_EQ(0, st.running);
	EXPECT_EQ(NR_FAKE_GPUS, st.free_gpus);
	EXPECT_LE(1, st.admitted);
	ASSERT_EQ(0, CTL(r, d, "gpu", "list"));
	EXPECT_EQ(0, text_gpus_held_by(r->out, koid)) TH_LOG("%s", r->out);

	/* a gang that cannot fit: refused before anything runs */
	EXPECT_EQ(1, CTL(r, d, "gang", "create", "--members", "5",
			 "--gpus-per-member", "1", "--",
			 ud_path("build/user/examples/gang_member")));
	EXPECT_NE(NULL, strstr(r->err, "the machine has 4")) TH_LOG("%s",
								  r->err);
	EXPECT_EQ(0, gangs_of(NULL, 0));
}

/* ---- tier show, get, top ------------------------------------------------- */

static const char *const tier_keys[] = {
	"scan_first_ms", "scan_min_ms", "scan_max_ms", "hot_rounds",
	"cold_rounds", "rate_limit_mbps", "migrate_threads",
	"fast_reserve_pct", "thp_split", "max_regs",
};

#define NR_TIER_KEYS	(sizeof(tier_keys) / sizeof(tier_keys[0]))

/* Whether @j's @key says what strata_tier's parameter says. */
static bool tier_param_matches(struct json_object *j, const char *key,
			       char *what, size_t size)
{
	struct json_object *v = jget(j, key);
	char val[64] = "";

	mod_param("strata_tier", key, val, sizeof(val));
	if (json_object_is_type(v, json_type_boolean)) {
		if (!strcmp(val, json_object_get_boolean(v) ? "Y" : "N"))
			return true;
	} else if (json_object_is_type(v, json_type_int) && val[0] &&
		   json_object_get_int64(v) == strtoll(val, NULL, 10)) {
		return true;
	}
	snprintf(what, size, "%s: %s, sysfs '%s'", key,
		 json_object_to_json_string(v), val);
	return false;
}

struct tier_kernel {
	struct strata_tier_info info;
	struct strata_tier_node nodes[16];
	__u32 ids[64];
	int nr_ids;
};

static int tier_kernel(struct tier_kernel *k)
{
	int fd = strata_tier_open(), err;

	if (fd < 0)
		return fd;
	err = strata_tier_info(fd, &k->info, k->nodes, 16);
	k->nr_ids = strata_tier_list(fd, k->ids, 64);
	close(fd);
	return err ? err : k->nr_ids < 0 ? k->nr_ids : 0;
}

/* Whether the JSON nodes of `tier show` are INFO's. */
static bool nodes_match(struct json_object *arr, const struct tier_kernel *k,
			char *what, size_t size)
{
	static const char *const roles[] = { "fast", "slow", "none" };
	const struct strata_tier_node *n;
	struct json_object *e;
	__u32 i;

	if (jlen(arr) != k->info.nr_nodes)
		return snprintf(what, size, "%zu nodes, INFO %u", jlen(arr),
				k->info.nr_nodes), false;
	for (i = 0; i < k->info.nr_nodes && i < 16; i++) {
		n = &k->nodes[i];
		e = json_object_array_get_idx(arr, i);
		if (jint(e, "nid") != n->nid ||
		    strcmp(UD_S(jstr(e, "role")),
			   n->role == STRATA_TIER_ROLE_FAST ? roles[0] :
			   n->role == STRATA_TIER_ROLE_SLOW ? roles[1] :
							      roles[2]) ||
		    jbool(e, "cpu") != !!(n->flags & STRATA_TIER_NODE_CPU) ||
		    jbool(e, "hmat") != !!(n->flags & STRATA_TIER_NODE_ADIST) ||
		    jbool(e, "override") !=
			    !!(n->flags & STRATA_TIER_NODE_OVERRIDE) ||
		    jint(e, "adistance") != n->adistance ||
		    jint(e, "total_bytes") != (long long)n->total_bytes ||
		    jint(e, "free_bytes") < 0 ||
		    jint(e, "free_bytes") > (long long)n->total_bytes)
			return snprintf(what, size, "node %u: %s, INFO role %u "
					"flags %#x adistance %u total %llu",
					n->nid, json_object_to_json_string(e),
					n->role, n->flags, n->adistance,
					(unsigned long long)n->total_bytes),
			       false;
	}
	return true;
}

/* Whether @flags (JSON words) are INFO's @f. */
static bool flags_match(struct json_object *flags, __u32 f)
{
	return jarr_has(flags, "active") == !!(f & STRATA_TIER_INFO_ACTIVE) &&
	       jarr_has(flags, "nothing to tier") ==
		       !(f & STRATA_TIER_INFO_ACTIVE) &&
	       jarr_has(flags, "override") == !!(f & STRATA_TIER_INFO_OVERRIDE) &&
	       jarr_has(flags, "heuristic") ==
		       !!(f & STRATA_TIER_INFO_HEURISTIC);
}

/* Whether the JSON registration @e is STATS of @id (@a before, @b after). */
static bool reg_matches(struct json_object *e, __u32 id,
			const struct strata_tier_stats *a,
			const struct strata_tier_stats *b,
			char *what, size_t size)
{
	if (jint(e, "id") != id ||
	    strcmp(UD_S(jstr(e, "kind")),
		   a->kind == STRATA_TIER_KIND_PID ? "pid" : "cgroup") ||
	    jint(e, "pid") != a->pid ||
	    jint(e, "cgroup_id") != (long long)a->cgroup_id ||
	    jint(e, "nr_spaces") != a->nr_spaces ||
	    (a->fast_quota == STRATA_TIER_QUOTA_NONE ?
	     !jnull(e, "fast_quota") :
	     jint(e, "fast_quota") != (long long)a->fast_quota) ||
	    !between(jint(e, "rounds"), a->rounds, b->rounds) ||
	    !between(jint(e, "scanned"), a->scanned, b->scanned) ||
	    !between(jint(e, "promoted"), a->promoted, b->promoted) ||
	    !between(jint(e, "demoted"), a->demoted, b->demoted) ||
	    !between(jint(e, "scan_ns"), a->scan_ns, b->scan_ns))
		return snprintf(what, size, "registration %u: %s, STATS pid "
				"%d spaces %u quota %llu rounds %llu-%llu",
				id, json_object_to_json_string(e), a->pid,
				a->nr_spaces,
				(unsigned long long)a->fast_quota,
				(unsigned long long)a->rounds,
				(unsigned long long)b->rounds), false;
	return true;
}

static int tier_stats_of(__u32 id, struct strata_tier_stats *st)
{
	int fd = strata_tier_open(), err;

	if (fd < 0)
		return fd;
	err = strata_tier_stats(fd, id, st);
	close(fd);
	return err;
}

/* Register a sleeper of the fixture through the daemon; its id. */
static long long tier_register(struct ud *d, struct run *r, pid_t *sleeper)
{
	struct json_object *j;
	char pid[16];
	long long id;

	*sleeper = sleeper_start();
	if (*sleeper <= 0)
		return -1;
	snprintf(pid, sizeof(pid), "%d", *sleeper);
	if (CTL(r, d, "-j", "tier", "add", "--pid", pid, "--quota", "64M"))
		return -1;
	j = json_of(r->out);
	id = jint(j, "id");
	json_object_put(j);
	return id;
}

TEST_F_TIMEOUT(objects, tier_show_and_get_say_what_the_module_says, 180)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	struct strata_tier_stats sa, sb;
	struct tier_kernel ka, kb;
	struct json_object *j, *e;
	char what[512] = "", idstr[16], line[128], val[64];
	long long id;
	size_t i;

	ASSERT_NE(NULL, r);
	id = tier_register(d, r, &self->sleeper);
	ASSERT_LT(0, id) TH_LOG("tier add: %s", r->err);
	snprintf(idstr, sizeof(idstr), "%lld", id);

	/* show: INFO's nodes and flags, every registration's STATS */
	ASSERT_EQ(0, tier_kernel(&ka));
	ASSERT_EQ(0, tier_stats_of(id, &sa));
	ASSERT_EQ(0, CTL(r, d, "-j", "tier", "show")) TH_LOG("%s", r->err);
	ASSERT_EQ(0, tier_stats_of(id, &sb));
	ASSERT_EQ(0, tier_kernel(&kb));
	j = OUT_JSON(r);
	EXPECT_TRUE(nodes_match(jlist(j, "nodes"), &ka, what, sizeof(what)))
		TH_LOG("%s", what);
	EXPECT_LE(2, jlen(jlist(j, "nodes"))) TH_LOG("%s", r->out);
	EXPECT_TRUE(flags_match(jlist(j, "flags"), ka.info.flags))
		TH_LOG("%s, INFO flags %#x", r->out, ka.info.flags);
	EXPECT_EQ(ka.nr_ids, (int)jlen(jlist(j, "registrations")));
	EXPECT_EQ(1, ka.info.nr_regs);
	e = jfind_int(jlist(j, "registrations"), "id", id);
	ASSERT_NE(NULL, e) TH_LOG("%s", r->out);
	EXPECT_TRUE(reg_matches(e, id, &sa, &sb, what, sizeof(what)))
		TH_LOG("%s", what);
	EXPECT_EQ(self->sleeper, jint(e, "pid"));
	EXPECT_EQ(64LL << 20, jint(e, "fast_quota"));
	json_object_put(j);

	/* show ID: that registration alone */
	ASSERT_EQ(0, tier_stats_of(id, &sa));
	ASSERT_EQ(0, CTL(r, d, "-j", "tier", "show", idstr))
		TH_LOG("%s", r->err);
	ASSERT_EQ(0, tier_stats_of(id, &sb));
	j = OUT_JSON(r);
	EXPECT_TRUE(reg_matches(j, id, &sa, &sb, what, sizeof(what)))
		TH_LOG("%s", what);
	json_object_put(j);
	EXPECT_EQ(1, CTL(r, d, "-j", "tier", "show", "999999"));
	EXPECT_STREQ("", r->out);

	/* a quota changed: show follows */
	ASSERT_EQ(0, CTL(r, d, "tier", "quota", idstr, "unlimited"))
		TH_LOG("%s", r->err);
	ASSERT_EQ(0, CTL(r, d, "-j", "tier", "show", idstr));
	j = OUT_JSON(r);
	EXPECT_TRUE(jnull(j, "fast_quota")) TH_LOG("%s", r->out);
	json_object_put(j);

	/* the text form */
	ASSERT_EQ(0, CTL(r, d, "tier", "show")) TH_LOG("%s", r->err);
	EXPECT_TRUE(has_line(r->out, "tiering        ")) TH_LOG("%s", r->out);
	EXPECT_TRUE(has_line(r->out, "registrations  1\n")) TH_LOG("%s", r->out);
	EXPECT_TRUE(has_line(r->out, "NODE  ROLE  CPU")) TH_LOG("%s", r->out);
	snprintf(line, sizeof(line), "registration %lld: pid %d", id,
		 self->sleeper);
	EXPECT_TRUE(has_line(r->out, line)) TH_LOG("%s", r->out);
	ASSERT_EQ(0, CTL(r, d, "tier", "show", idstr));
	EXPECT_TRUE(has_line(r->out, line)) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "quota unlimited")) TH_LOG("%s", r->out);

	/* get: every parameter as sysfs says it */
	ASSERT_EQ(0, CTL(r, d, "-j", "tier", "get")) TH_LOG("%s", r->err);
	j = OUT_JSON(r);
	EXPECT_EQ(NR_TIER_KEYS, json_object_object_length(j))
		TH_LOG("%s", r->out);
	for (i = 0; i < NR_TIER_KEYS; i++)
		EXPECT_TRUE(tier_param_matches(j, tier_keys[i], what,
					       sizeof(what))) TH_LOG("%s", what);
	json_object_put(j);

	/* changed (through the daemon, and behind its back): get follows */
	ASSERT_EQ(0, CTL(r, d, "tier", "set", "scan_max_ms", "4321"))
		TH_LOG("%s", r->err);
	ASSERT_EQ(0, strata_write_str("/sys/module/strata_tier/parameters/"
				      "hot_rounds", "3"));
	ASSERT_EQ(0, CTL(r, d, "tier", "set", "thp_split", "N"));
	ASSERT_EQ(0, CTL(r, d, "-j", "tier", "get"));
	j = OUT_JSON(r);
	EXPECT_EQ(4321, jint(j, "scan_max_ms")) TH_LOG("%s", r->out);
	EXPECT_EQ(3, jint(j, "hot_rounds")) TH_LOG("%s", r->out);
	EXPECT_EQ(0, jbool(j, "thp_split")) TH_LOG("%s", r->out);
	for (i = 0; i < NR_TIER_KEYS; i++)
		EXPECT_TRUE(tier_param_matches(j, tier_keys[i], what,
					       sizeof(what))) TH_LOG("%s", what);
	json_object_put(j);
	ASSERT_EQ(0, CTL(r, d, "-j", "tier", "get", "scan_max_ms"));
	j = OUT_JSON(r);
	EXPECT_EQ(1, json_object_object_length(j)) TH_LOG("%s", r->out);
	EXPECT_EQ(4321, jint(j, "scan_max_ms"));
	json_object_put(j);
	EXPECT_EQ(2, CTL(r, d, "tier", "get", "no_such_key"));

	/* get in words: "KEY VALUE" lines, sysfs's values */
	ASSERT_EQ(0, CTL(r, d, "tier", "get")) TH_LOG("%s", r->err);
	for (i = 0; i < NR_TIER_KEYS; i++) {
		ASSERT_EQ(0, mod_param("strata_tier", tier_keys[i], val,
				       sizeof(val)));
		snprintf(line, sizeof(line), "%-17s %s\n", tier_keys[i], val);
		EXPECT_TRUE(has_line(r->out, line))
			TH_LOG("no '%s' in '%s'", line, r->out);
	}
	ASSERT_EQ(0, CTL(r, d, "tier", "get", "hot_rounds"));
	EXPECT_STREQ("hot_rounds        3\n", r->out);

	/* removed: gone from show */
	ASSERT_EQ(0, CTL(r, d, "tier", "remove", idstr)) TH_LOG("%s", r->err);
	ASSERT_EQ(0, CTL(r, d, "-j", "tier", "show"));
	j = OUT_JSON(r);
	EXPECT_EQ(0, jlen(jlist(j, "registrations"))) TH_LOG("%s", r->out);
	json_object_put(j);
	ASSERT_EQ(0, CTL(r, d, "tier", "show"));
	EXPECT_TRUE(has_line(r->out, "registrations  0\n")) TH_LOG("%s", r->out);

	/* without strata_tier: exit status 3 */
	ASSERT_EQ(0, CTL(r, d, "module", "unload", "tier"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(3, CTL(r, d, "-j", "tier", "show"));
	EXPECT_EQ(3, CTL(r, d, "-j", "tier", "get"));
	EXPECT_EQ(3, CTL(r, d, "tier", "top", "-n", "1"));
}

TEST_F_TIMEOUT(objects, tier_top_prints_a_refresh_and_exits, 180)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	struct strata_tier_stats st;
	struct tier_kernel k;
	struct json_object *j, *e;
	char line[128], *nl;
	long long id;
	int lines;

	ASSERT_NE(NULL, r);
	id = tier_register(d, r, &self->sleeper);
	ASSERT_LT(0, id) TH_LOG("tier add: %s", r->err);
	ASSERT_EQ(0, tier_kernel(&k));

	/* one refresh, one JSON object */
	ASSERT_EQ(0, CTL(r, d, "-j", "tier", "top", "-n", "1", "-d", "0.2"))
		TH_LOG("%s", r->err);
	j = OUT_JSON(r);
	EXPECT_TRUE(between(json_object_get_double(jget(j, "interval_s")) *
			    1000, 150, 60000)) TH_LOG("%s", r->out);
	EXPECT_EQ(k.info.nr_nodes, jlen(jlist(j, "nodes")));
	EXPECT_TRUE(flags_match(jlist(j, "flags"), k.info.flags))
		TH_LOG("%s", r->out);
	EXPECT_EQ(1, jlen(jlist(j, "registrations"))) TH_LOG("%s", r->out);
	e = jfind_int(jlist(j, "registrations"), "id", id);
	ASSERT_NE(NULL, e) TH_LOG("%s", r->out);
	ASSERT_EQ(0, tier_stats_of(id, &st));
	EXPECT_EQ(self->sleeper, jint(e, "pid"));
	EXPECT_STREQ("pid", UD_S(jstr(e, "kind")));
	EXPECT_LE(jint(e, "promoted"), (long long)st.promoted);
	/* it was there at the previous snapshot: a rate, not null */
	EXPECT_TRUE(json_object_is_type(jget(e, "promoted_per_s"),
					json_type_double)) TH_LOG("%s", r->out);
	json_object_put(j);

	/* -n 3: three refreshes, one line each */
	ASSERT_EQ(0, CTL(r, d, "-j", "tier", "top", "-n", "3", "-d", "0.1"))
		TH_LOG("%s", r->err);
	lines = 0;
	for (nl = r->out; (nl = strchr(nl, '\n')); nl++)
		lines++;
	EXPECT_EQ(3, lines) TH_LOG("%s", r->out);

	/* in words */
	ASSERT_EQ(0, CTL(r, d, "tier", "top", "-n", "1", "-d", "0.1"))
		TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->out, "strata_tier: ")) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, ", 1 registration, every "))
		TH_LOG("%s", r->out);
	EXPECT_TRUE(has_line(r->out, "NODE  ROLE   FREE MiB")) TH_LOG("%s",
								     r->out);
	snprintf(line, sizeof(line), "%6lld  pid %d", id, self->sleeper);
	EXPECT_TRUE(has_line(r->out, line)) TH_LOG("%s", r->out);

	EXPECT_EQ(2, CTL(r, d, "tier", "top", "-n", "0"));
	EXPECT_EQ(2, CTL(r, d, "tier", "top", "-d", "0"));
}

/* ---- sandbox show, run --------------------------------------------------- */

FIXTURE(sandbox) {
	struct ud d;
};

FIXTURE_SETUP(sandbox)
{
	struct ud *d = &self->d;

	UD_SETUP(d, UD_STRATACTL);
	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n"
			       "[module strata_cap]\n"
			       "[policy sandbox]\n"
			       "file = cap_sandbox.bpf.o\n"));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
}

FIXTURE_TEARDOWN_PARENT(sandbox)
{
	ud_cleanup(&self->d);
}

/* What the pinned maps say: refusals per rule, and in all. */
struct sandbox_kernel {
	__u64 denials[CAP_SANDBOX_NR_RULES];
	__u64 total;
	struct cap_sandbox_event last;	/* the latest refusal */
};

static int sandbox_kernel(struct sandbox_kernel *k)
{
	struct cap_sandbox_event head = { 0 };
	int denials, recent, err = 0;
	__u32 key;

	memset(k, 0, sizeof(*k));
	denials = bpf_obj_get(SANDBOX_PINS "/denials");
	recent = bpf_obj_get(SANDBOX_PINS "/recent");
	if (denials < 0 || recent < 0) {
		err = -errno;
		goto out;
	}
	for (key = 0; key < CAP_SANDBOX_NR_RULES && !err; key++)
		if (bpf_map_lookup_elem(denials, &key, &k->denials[key]))
			err = -errno;
	key = CAP_SANDBOX_RECENT;
	if (!err && bpf_map_lookup_elem(recent, &key, &head))
		err = -errno;
	k->total = head.time_ns;
	key = (k->total - 1) % CAP_SANDBOX_RECENT;
	if (!err && k->total && bpf_map_lookup_elem(recent, &key, &k->last))
		err = -errno;
out:
	if (denials >= 0)
		close(denials);
	if (recent >= 0)
		close(recent);
	return err;
}

/*
 * `sandbox show -j` against the maps, read just before (@a) and after
 * (@b): nothing is refused meanwhile, so they are the same.
 */
static bool sandbox_matches(struct json_object *j,
			    const struct sandbox_kernel *a,
			    const struct sandbox_kernel *b,
			    char *what, size_t size)
{
	int i;

	if (jint(j, "refusals") != (long long)a->total ||
	    a->total != b->total)
		return snprintf(what, size, "refusals %lld, maps %llu then "
				"%llu", jint(j, "refusals"),
				(unsigned long long)a->total,
				(unsigned long long)b->total), false;
	for (i = 0; i < CAP_SANDBOX_NR_RULES; i++) {
		char key[64];

		snprintf(key, sizeof(key), "denials.%s",
			 cap_sandbox_rule_names[i]);
		if (jint(j, key) != (long long)a->denials[i])
			return snprintf(what, size, "%s: %lld, map %llu", key,
					jint(j, key),
					(unsigned long long)a->denials[i]),
			       false;
	}
	if (jlen(jlist(j, "recent")) !=
	    (a->total < CAP_SANDBOX_RECENT ? a->total : CAP_SANDBOX_RECENT))
		return snprintf(what, size, "%zu recent, %llu refusals",
				jlen(jlist(j, "recent")),
				(unsigned long long)a->total), false;
	return true;
}

#define CHECK_SANDBOX_SHOW(r, d, j, k) do {				\
	struct sandbox_kernel __b;					\
	char __what[512] = "";						\
									\
	ASSERT_EQ(0, sandbox_kernel(&k));				\
	ASSERT_EQ(0, CTL(r, d, "-j", "sandbox", "show"))		\
		TH_LOG("%s", (r)->err);					\
	ASSERT_EQ(0, sandbox_kernel(&__b));				\
	j = OUT_JSON(r);						\
	EXPECT_TRUE(sandbox_matches(j, &k, &__b, __what, sizeof(__what)))\
		TH_LOG("%s: %s", __what, (r)->out);			\
} while (0)

TEST_F_TIMEOUT(sandbox, sandbox_show_counts_what_sandbox_run_refuses, 300)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	struct sandbox_kernel k0, k1;
	struct json_object *j, *last;
	size_t n;

	ASSERT_NE(NULL, r);
	ASSERT_LT(0, pins_count("sandbox"));

	CHECK_SANDBOX_SHOW(r, d, j, k0);
	EXPECT_EQ(1, jbool(j, "loaded"));
	EXPECT_STREQ(CAP_SANDBOX_PIN_DIR, UD_S(jstr(j, "pin_dir")));
	EXPECT_EQ(pins_count("sandbox"), jint(j, "programs"));
	json_object_put(j);

	/* a static program runs, and its exit status is stratactl's */
	ASSERT_EQ(0, CTL(r, d, "sandbox", "run", "--", "busybox", "true"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(1, CTL(r, d, "sandbox", "run", "--", "busybox", "false"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(7, CTL(r, d, "sandbox", "run", "--", "busybox", "sh", "-c",
			 "exit 7")) TH_LOG("%s", r->err);
	ASSERT_EQ(0, sandbox_kernel(&k1));
	EXPECT_EQ(k0.total, k1.total) TH_LOG("refused something: rule %u "
					     "hook %.24s",
					     k1.last.rule, k1.last.hook);

	/* opening a file by name is refused: counted, and the last one */
	EXPECT_EQ(1, CTL(r, d, "sandbox", "run", "--", "busybox", "cat",
			 "/etc/hostname"));
	EXPECT_STREQ("", r->out);
	EXPECT_NE(NULL, strstr(r->err, "/etc/hostname")) TH_LOG("%s", r->err);
	CHECK_SANDBOX_SHOW(r, d, j, k1);
	EXPECT_LT(k0.total, k1.total);
	EXPECT_LT(k0.denials[CAP_SANDBOX_OPEN], k1.denials[CAP_SANDBOX_OPEN]);
	EXPECT_LT(jint(j, "refusals"), k0.total + 8) TH_LOG("%s", r->out);
	n = jlen(jlist(j, "recent"));
	ASSERT_LT(0, n);
	last = json_object_array_get_idx(jlist(j, "recent"), n - 1);
	EXPECT_STREQ("open", UD_S(jstr(last, "rule"))) TH_LOG("%s", r->out);
	EXPECT_EQ(k1.last.tgid, jint(last, "tgid"));
	EXPECT_EQ((long long)k1.last.time_ns, jint(last, "time_ns"));
	EXPECT_EQ(-EPERM, jint(last, "err"));
	EXPECT_STREQ(strndupa(k1.last.hook, sizeof(k1.last.hook)),
		     UD_S(jstr(last, "hook")));
	json_object_put(j);

	/* in words */
	ASSERT_EQ(0, CTL(r, d, "sandbox", "show")) TH_LOG("%s", r->err);
	EXPECT_TRUE(has_line(r->out, "capability mode  loaded: "))
		TH_LOG("%s", r->out);
	EXPECT_TRUE(has_line(r->out, "refusals per rule:")) TH_LOG("%s", r->out);
	EXPECT_TRUE(has_line(r->out, "recent refusals, oldest first:"))
		TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, " open "))
		TH_LOG("%s", r->out);

	/* a dynamically linked program is refused before it runs */
	EXPECT_EQ(1, CTL(r, d, "sandbox", "run", "--", UD_STRATACTL,
			 "status"));
	EXPECT_NE(NULL, strstr(r->err, "dynamically linked")) TH_LOG("%s",
								   r->err);
	EXPECT_EQ(2, CTL(r, d, "sandbox", "run"));

	/* detached: not loaded, exit status 3 for both */
	ASSERT_EQ(0, CTL(r, d, "policy", "detach", "sandbox"))
		TH_LOG("%s", r->err);
	EXPECT_EQ(3, CTL(r, d, "-j", "sandbox", "show"));
	EXPECT_EQ(3, CTL(r, d, "sandbox", "run", "--", "busybox", "true"));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * stratad selftests - the daemon's lifetime: start, the pidfile lock, stop
 * on SIGTERM and SIGINT, what it loads and unloads, and SIGKILL followed
 * by a restart that adopts what the dead one set up
 *
 * Each test starts its own stratad on a private configuration
 * (common.h).  What the daemon sets up is checked in the kernel: modules
 * in /sys/module, policies by their link pins under /sys/fs/bpf/strata
 * and by counting the programs, struct_ops maps and links bpf(2) lists,
 * which is how "nothing attached twice" and "nothing leaked" are told.
 */
#include "kselftest_harness.h"
#include "common.h"

/* cap_scm's one program and gang_order's struct_ops map, by kernel name */
#define SCM_PROG	"cap_scm_file_receive"
#define ORDER_MAP	"gang_order"

#define TWO_POLICIES							\
	"[module strata_cap]\n"						\
	"[module strata_gang]\n"					\
	"fake_gpus = 8\n"						\
	"[policy cap_scm]\n"						\
	"[policy gang_order]\n"

FIXTURE(daemon) {
	struct ud d;
};

FIXTURE_SETUP(daemon)
{
	UD_SETUP(&self->d, UD_STRATAD);
}

/* In the harness's process, also after an ASSERT ended the test. */
FIXTURE_TEARDOWN_PARENT(daemon)
{
	ud_cleanup(&self->d);
}

TEST_F_TIMEOUT(daemon, starts_answers_status_and_stops_on_sigterm, 180)
{
	struct ud *d = &self->d;
	struct json_object *st, *state;
	time_t t0 = time(NULL);
	char buf[64], *text;
	struct stat sb;
	int fd;

	ASSERT_EQ(0, ud_config(d, ""));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));

	st = ud_status(d);
	ASSERT_NE(NULL, st);
	EXPECT_EQ(d->pid, jint(st, "daemon.pid"));
	EXPECT_STREQ(d->conf, UD_S(jstr(st, "daemon.config")));
#ifdef STRATA_VERSION
	EXPECT_STREQ(STRATA_VERSION, UD_S(jstr(st, "daemon.version")));
#else
	EXPECT_NE(NULL, jstr(st, "daemon.version"));
#endif
	EXPECT_LE(t0 - 1, jint(st, "daemon.started"));
	EXPECT_GE(time(NULL) + 1, jint(st, "daemon.started"));
	EXPECT_NE(NULL, jlist(st, "modules")) TH_LOG("%s",
		json_object_to_json_string(st));
	EXPECT_NE(NULL, jlist(st, "policies"));
	json_object_put(st);

	/* the pidfile holds the pid and is locked */
	ASSERT_EQ(0, strata_read_str(d->pidfile, buf, sizeof(buf)));
	EXPECT_EQ(d->pid, atoi(buf));
	fd = open(d->pidfile, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, flock(fd, LOCK_EX | LOCK_NB));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(fd);

	/* the socket is mode 0666: the daemon decides who may do what */
	ASSERT_EQ(0, stat(d->sock, &sb));
	EXPECT_TRUE(S_ISSOCK(sb.st_mode));
	EXPECT_EQ(0666, sb.st_mode & 0777);

	/* the record is a JSON object */
	text = ud_slurp(d->state);
	ASSERT_NE(NULL, text) TH_LOG("no record %s", d->state);
	state = json_of(text);
	EXPECT_TRUE(json_object_is_type(state, json_type_object))
		TH_LOG("record: %s", text);
	json_object_put(state);
	free(text);

	ASSERT_EQ(0, ud_stop(d)) TH_LOG("%s", ud_log_tail(d));
	EXPECT_FALSE(ud_exists(d->sock));
	EXPECT_FALSE(ud_exists(d->pidfile));
	EXPECT_FALSE(ud_exists(d->state));
}

TEST_F_TIMEOUT(daemon, sigint_stops_it_cleanly_too, 180)
{
	struct ud *d = &self->d;

	ASSERT_EQ(0, ud_config(d, ""));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	ASSERT_EQ(0, kill(d->pid, SIGINT));
	EXPECT_EQ(0, ud_wait(d, UD_STOP_MS)) TH_LOG("%s", ud_log_tail(d));
	EXPECT_FALSE(ud_exists(d->sock));
	EXPECT_FALSE(ud_exists(d->pidfile));
}

TEST_F_TIMEOUT(daemon, a_second_daemon_is_refused_naming_the_first, 180)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	struct json_object *st;
	char pid[16], buf[16];

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, ud_config(d, ""));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	snprintf(pid, sizeof(pid), "%d", d->pid);

	EXPECT_EQ(1, STRATAD(r, "-c", d->conf)) TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->err, pid))
		TH_LOG("the refusal does not name pid %s: %s", pid, r->err);

	/* the first one is untouched */
	st = ud_status(d);
	ASSERT_NE(NULL, st) TH_LOG("the first daemon stopped answering");
	EXPECT_EQ(d->pid, jint(st, "daemon.pid"));
	json_object_put(st);
	ASSERT_EQ(0, strata_read_str(d->pidfile, buf, sizeof(buf)));
	EXPECT_STREQ(pid, buf);
	EXPECT_EQ(0, ud_stop(d));
}

TEST_F_TIMEOUT(daemon, bad_usage_exits_2_and_help_exits_0, 60)
{
	struct run *r = run_new();

	ASSERT_NE(NULL, r);
	EXPECT_EQ(2, STRATAD(r, "--no-such-option"));
	EXPECT_EQ(2, STRATAD(r, "-c"));
	EXPECT_EQ(0, STRATAD(r, "-h"));
	EXPECT_NE(NULL, strcasestr(r->out, "usage")) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "-c")) TH_LOG("%s", r->out);
	EXPECT_FALSE(ud_exists(self->d.sock));
}

TEST_F_TIMEOUT(daemon, a_missing_configuration_named_with_c_is_an_error, 60)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	char missing[256];

	ASSERT_NE(NULL, r);
	snprintf(missing, sizeof(missing), "%s/none.conf", d->dir);
	EXPECT_EQ(1, STRATAD(r, "-c", missing));
	EXPECT_NE(NULL, strstr(r->err, missing)) TH_LOG("%s", r->err);
	EXPECT_EQ(1, STRATAD(r, "-t", "-c", missing));
}

TEST_F_TIMEOUT(daemon, only_root_may_run_it, 60)
{
	struct ud *d = &self->d;
	struct run *r = run_new();

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, ud_config(d, "[module strata_cap]\n"));
	EXPECT_EQ(1, run_argv(r, &ud_nobody, NULL, UD_STRATAD,
			      (char *const[]){ "stratad", "-c", d->conf,
					       NULL }))
		TH_LOG("%s", r->err);
	EXPECT_FALSE(ud_exists(d->sock));
	EXPECT_FALSE(mod_loaded("strata_cap"));
}

TEST_F_TIMEOUT(daemon, loads_the_configured_modules_with_their_parameters,
	       240)
{
	struct ud *d = &self->d;
	struct json_object *reply, *mods, *m;
	const char *v;
	int err;

	ASSERT_EQ(0, ud_config(d,
			       "[module strata_cap]\n"
			       "max_handles = 1000\n"
			       "[module strata_tier]\n"
			       "load = no\n"
			       "[module strata_gang]\n"
			       "fake_gpus = 4\n"
			       "slice_ms = 250\n"));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));

	EXPECT_TRUE(mod_loaded("strata_cap"));
	EXPECT_TRUE(mod_loaded("strata_gang"));
	EXPECT_FALSE(mod_loaded("strata_tier")) TH_LOG("load = no ignored");
	EXPECT_EQ(1000, mod_param_long("strata_cap", "max_handles"));
	EXPECT_EQ(4, mod_param_long("strata_gang", "fake_gpus"));
	EXPECT_EQ(250, mod_param_long("strata_gang", "slice_ms"));
	EXPECT_TRUE(ud_exists("/dev/strata/gpu3"));
	EXPECT_FALSE(ud_exists("/dev/strata/gpu4"));

	reply = ud_call(d, &err, "{\"cmd\":\"module.list\"}");
	ASSERT_NE(NULL, reply) TH_LOG("module.list: %d", err);
	mods = jlist(reply, "modules");
	ASSERT_NE(NULL, mods);
	m = jfind_module(mods, "strata_gang");
	ASSERT_NE(NULL, m) TH_LOG("%s", json_object_to_json_string(reply));
	EXPECT_EQ(1, jbool(m, "loaded"));
	EXPECT_EQ(1, jbool(m, "configured"));
	EXPECT_STREQ("stratad", UD_S(jstr(m, "owner")));
	v = json_object_get_string(jget(m, "params.fake_gpus"));
	EXPECT_STREQ("4", UD_S(v));
	m = jfind_module(mods, "strata_tier");
	ASSERT_NE(NULL, m);
	EXPECT_EQ(0, jbool(m, "loaded"));
	EXPECT_TRUE(jnull(m, "owner")) TH_LOG("%s",
		json_object_to_json_string(m));
	json_object_put(reply);

	/* without unload_on_stop they stay */
	ASSERT_EQ(0, ud_stop(d)) TH_LOG("%s", ud_log_tail(d));
	EXPECT_TRUE(mod_loaded("strata_cap"));
	EXPECT_TRUE(mod_loaded("strata_gang"));
	EXPECT_EQ(0, mod_unload("strata_gang", 10000));
	EXPECT_EQ(0, mod_unload("strata_cap", 10000));
}

TEST_F_TIMEOUT(daemon, sigterm_detaches_policies_and_unloads_on_stop, 300)
{
	struct ud *d = &self->d;
	struct bpf_link_info info;
	char link[256];

	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n" TWO_POLICIES));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));

	EXPECT_LE(1, pins_count("cap_scm"));
	EXPECT_LE(1, pins_count("gang_order"));
	EXPECT_EQ(1, bpf_count_progs(SCM_PROG));
	EXPECT_EQ(1, bpf_count_maps(ORDER_MAP));
	/* the pins are live links */
	ASSERT_EQ(0, pin_first("cap_scm", link, sizeof(link)));
	ASSERT_EQ(0, pin_link("cap_scm", link, &info));
	EXPECT_NE(0, info.id);
	EXPECT_NE(0, info.prog_id);
	ASSERT_EQ(0, pin_first("gang_order", link, sizeof(link)));
	ASSERT_EQ(0, pin_link("gang_order", link, &info));
	EXPECT_EQ(BPF_LINK_TYPE_STRUCT_OPS, info.type);

	ASSERT_EQ(0, ud_stop(d)) TH_LOG("%s", ud_log_tail(d));
	EXPECT_FALSE(policy_dir_exists("cap_scm"));
	EXPECT_FALSE(policy_dir_exists("gang_order"));
	EXPECT_EQ(0, pins_total());
	EXPECT_TRUE(UD_WAIT_UNTIL(bpf_count_progs(SCM_PROG) == 0 &&
				  bpf_count_maps(ORDER_MAP) == 0, 5000))
		TH_LOG("programs or maps leaked");
	EXPECT_FALSE(mod_loaded("strata_gang")) TH_LOG("%s", ud_log_tail(d));
	EXPECT_FALSE(mod_loaded("strata_cap"));
}

TEST_F_TIMEOUT(daemon, unload_on_stop_leaves_modules_it_did_not_load, 240)
{
	struct ud *d = &self->d;
	struct json_object *reply;
	int err;

	ASSERT_EQ(0, mod_insert("strata_cap", NULL));
	ASSERT_EQ(0, ud_config(d,
			       "unload_on_stop = yes\n"
			       "[module strata_cap]\n"
			       "[module strata_gang]\n"
			       "fake_gpus = 8\n"));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	reply = ud_call(d, &err, "{\"cmd\":\"module.list\"}");
	ASSERT_NE(NULL, reply);
	EXPECT_STREQ("other", jmodule_owner(reply, "strata_cap"));
	EXPECT_STREQ("stratad", jmodule_owner(reply, "strata_gang"));
	json_object_put(reply);

	ASSERT_EQ(0, ud_stop(d)) TH_LOG("%s", ud_log_tail(d));
	EXPECT_FALSE(mod_loaded("strata_gang"));
	EXPECT_TRUE(mod_loaded("strata_cap"));
	EXPECT_EQ(0, mod_unload("strata_cap", 10000));
}

TEST_F_TIMEOUT(daemon, kill9_then_restart_adopts_and_attaches_nothing_twice,
	       400)
{
	struct ud *d = &self->d;
	int progs, maps, links, pins, err;
	struct json_object *reply, *l;
	__u32 scm_id, order_id;

	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n" TWO_POLICIES));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	progs = bpf_count_progs(SCM_PROG);
	maps = bpf_count_maps(ORDER_MAP);
	links = bpf_count_links();
	pins = pins_total();
	scm_id = pin_first_id("cap_scm");
	order_id = pin_first_id("gang_order");
	ASSERT_EQ(1, progs);
	ASSERT_EQ(1, maps);
	ASSERT_LE(2, pins);
	ASSERT_NE(0, scm_id);
	ASSERT_NE(0, order_id);

	/* SIGKILL: nothing runs, everything stays */
	ASSERT_EQ(0, ud_kill9(d));
	EXPECT_EQ(pins, pins_total());
	EXPECT_EQ(scm_id, pin_first_id("cap_scm"));
	EXPECT_EQ(progs, bpf_count_progs(SCM_PROG));
	EXPECT_TRUE(mod_loaded("strata_gang"));
	EXPECT_TRUE(mod_loaded("strata_cap"));
	EXPECT_TRUE(ud_exists(d->state));

	/* the restart adopts: the very same links, nothing more */
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	EXPECT_EQ(progs, bpf_count_progs(SCM_PROG));
	EXPECT_EQ(maps, bpf_count_maps(ORDER_MAP));
	EXPECT_EQ(links, bpf_count_links());
	EXPECT_EQ(pins, pins_total());
	EXPECT_EQ(scm_id, pin_first_id("cap_scm"));
	EXPECT_EQ(order_id, pin_first_id("gang_order"));

	reply = ud_call(d, &err, "{\"cmd\":\"policy.list\"}");
	ASSERT_NE(NULL, reply);
	l = jlist(reply, "policies");
	EXPECT_STREQ("stratad", UD_S(jstr(jfind(l, "name", "cap_scm"),
					  "owner")))
		TH_LOG("%s", json_object_to_json_string(reply));
	EXPECT_STREQ("stratad", UD_S(jstr(jfind(l, "name", "gang_order"),
					  "owner")));
	json_object_put(reply);
	reply = ud_call(d, &err, "{\"cmd\":\"module.list\"}");
	ASSERT_NE(NULL, reply);
	EXPECT_STREQ("stratad", jmodule_owner(reply, "strata_cap"));
	EXPECT_STREQ("stratad", jmodule_owner(reply, "strata_gang"));
	json_object_put(reply);

	/* and a stop undoes the adopted ones as its own */
	ASSERT_EQ(0, ud_stop(d)) TH_LOG("%s", ud_log_tail(d));
	EXPECT_EQ(0, pins_total());
	EXPECT_TRUE(UD_WAIT_UNTIL(bpf_count_progs(SCM_PROG) == 0 &&
				  bpf_count_maps(ORDER_MAP) == 0, 5000));
	EXPECT_EQ(links - 2, bpf_count_links());
	EXPECT_FALSE(mod_loaded("strata_gang")) TH_LOG("%s", ud_log_tail(d));
	EXPECT_FALSE(mod_loaded("strata_cap"));
}

TEST_F_TIMEOUT(daemon, restart_reattaches_a_policy_whose_pins_are_gone, 300)
{
	struct ud *d = &self->d;
	__u32 old_id, new_id;
	char dir[256];

	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n"
			       "[module strata_cap]\n[policy cap_scm]\n"));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	old_id = pin_first_id("cap_scm");
	ASSERT_NE(0, old_id);
	ASSERT_EQ(0, ud_kill9(d));

	/* someone unpins it meanwhile: the link is gone */
	snprintf(dir, sizeof(dir), UD_BPF_ROOT "/cap_scm");
	ASSERT_EQ(0, ud_rm_tree(dir));
	ASSERT_TRUE(UD_WAIT_UNTIL(bpf_count_progs(SCM_PROG) == 0, 5000));

	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	new_id = pin_first_id("cap_scm");
	EXPECT_NE(0, new_id);
	EXPECT_NE(old_id, new_id);
	EXPECT_EQ(1, bpf_count_progs(SCM_PROG));
	ASSERT_EQ(0, ud_stop(d)) TH_LOG("%s", ud_log_tail(d));
	EXPECT_EQ(0, pins_total());
	EXPECT_FALSE(mod_loaded("strata_cap"));
}

TEST_F_TIMEOUT(daemon, policy_pinned_by_another_is_owner_other_and_kept, 300)
{
	struct ud *d = &self->d;
	struct json_object *reply, *p;
	int err, pins;

	/* a first daemon attaches cap_scm and dies, its record lost */
	ASSERT_EQ(0, ud_config(d, "[module strata_cap]\n[policy cap_scm]\n"));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	ASSERT_EQ(0, ud_kill9(d));
	ASSERT_EQ(0, unlink(d->state));
	pins = pins_count("cap_scm");
	ASSERT_LE(1, pins);

	/* the next one, not configured with it, finds it pinned */
	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n"
			       "[module strata_cap]\n"));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	reply = ud_call(d, &err, "{\"cmd\":\"policy.list\"}");
	ASSERT_NE(NULL, reply);
	p = jfind(jlist(reply, "policies"), "name", "cap_scm");
	ASSERT_NE(NULL, p) TH_LOG("%s", json_object_to_json_string(reply));
	EXPECT_STREQ("other", UD_S(jstr(p, "owner")));
	json_object_put(reply);
	reply = ud_call(d, &err, "{\"cmd\":\"module.list\"}");
	ASSERT_NE(NULL, reply);
	EXPECT_STREQ("other", jmodule_owner(reply, "strata_cap"));
	json_object_put(reply);

	/* which it neither detaches nor attaches again */
	EXPECT_NE(0, ud_errno(d, "{\"cmd\":\"policy.detach\","
				 "\"name\":\"cap_scm\"}"));
	EXPECT_NE(0, ud_errno(d, "{\"cmd\":\"policy.attach\","
				 "\"name\":\"cap_scm\"}"));
	EXPECT_EQ(pins, pins_count("cap_scm"));
	EXPECT_EQ(1, bpf_count_progs(SCM_PROG));

	/* nor on stop, nor the module it did not load */
	ASSERT_EQ(0, ud_stop(d)) TH_LOG("%s", ud_log_tail(d));
	EXPECT_EQ(pins, pins_count("cap_scm"));
	EXPECT_TRUE(mod_loaded("strata_cap"));
	EXPECT_EQ(0, ud_clean_kernel());
}

TEST_F_TIMEOUT(daemon, a_failed_start_exits_1_and_undoes_itself, 300)
{
	struct ud *d = &self->d;
	char junk[256];

	/* a policy file that exists but is no BPF object */
	snprintf(junk, sizeof(junk), "%s/broken.bpf.o", d->dir);
	ASSERT_EQ(0, ud_write_file(junk, "not an ELF file\n"));
	ASSERT_EQ(0, ud_config(d, TWO_POLICIES
			       "[policy broken]\nfile = %s\n", junk));
	EXPECT_EQ(-ECHILD, ud_start(d));
	EXPECT_EQ(1, d->status) TH_LOG("%s", ud_log_tail(d));
	EXPECT_TRUE(ud_log_has(d, "broken")) TH_LOG("%s", ud_log_tail(d));
	EXPECT_FALSE(ud_exists(d->sock));
	EXPECT_EQ(0, pins_total());
	EXPECT_TRUE(UD_WAIT_UNTIL(bpf_count_progs(SCM_PROG) == 0 &&
				  bpf_count_maps(ORDER_MAP) == 0, 5000));
	EXPECT_FALSE(mod_loaded("strata_gang")) TH_LOG("%s", ud_log_tail(d));
	EXPECT_FALSE(mod_loaded("strata_cap"));
}

TEST_F_TIMEOUT(daemon, a_second_daemon_with_its_own_pidfile_is_refused, 180)
{
	struct ud *d = &self->d, other;
	struct run *r = run_new();
	struct json_object *st;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, ud_config(d, ""));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	/*
	 * Another pidfile and record, the same socket: the pidfile lock
	 * cannot see it, the lock on /sys/fs/bpf/strata does.
	 */
	ASSERT_EQ(0, ud_init(&other));
	memcpy(other.sock, d->sock, sizeof(other.sock));
	ASSERT_EQ(0, ud_config(&other, ""));
	EXPECT_EQ(1, STRATAD(r, "-c", other.conf)) TH_LOG("%s", r->err);
	EXPECT_NE(NULL, strstr(r->err, "another stratad is running"))
		TH_LOG("%s", r->err);
	/* not ud_cleanup(): that would clean the first one's kernel state */
	ud_rm_tree(other.dir);

	/* the first one still owns its socket */
	st = ud_status(d);
	ASSERT_NE(NULL, st) TH_LOG("the first daemon lost its socket");
	EXPECT_EQ(d->pid, jint(st, "daemon.pid"));
	json_object_put(st);
	EXPECT_EQ(0, ud_stop(d));
	free(r);
}

TEST_F_TIMEOUT(daemon, a_failed_start_after_a_crash_keeps_what_it_adopted,
	       400)
{
	struct ud *d = &self->d;
	char junk[256];

	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n" TWO_POLICIES));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	ASSERT_EQ(0, ud_kill9(d));

	/* the next start adopts both policies, then fails on a third */
	snprintf(junk, sizeof(junk), "%s/broken.bpf.o", d->dir);
	ASSERT_EQ(0, ud_write_file(junk, "not an ELF file\n"));
	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n" TWO_POLICIES
			       "[policy broken]\nfile = %s\n", junk));
	EXPECT_EQ(-ECHILD, ud_start(d));
	EXPECT_EQ(1, d->status) TH_LOG("%s", ud_log_tail(d));
	/* what it adopted stays, and so does the record of it */
	EXPECT_TRUE(ud_exists(d->state));
	EXPECT_TRUE(policy_dir_exists("cap_scm"));
	EXPECT_TRUE(policy_dir_exists("gang_order"));
	EXPECT_TRUE(mod_loaded("strata_gang"));

	/* fixed, it starts, adopts them as its own, and its stop undoes all */
	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n" TWO_POLICIES));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	EXPECT_FALSE(ud_log_has(d, "by something else"))
		TH_LOG("%s", ud_log_tail(d));
	ASSERT_EQ(0, ud_stop(d)) TH_LOG("%s", ud_log_tail(d));
	EXPECT_EQ(0, pins_total());
	EXPECT_TRUE(UD_WAIT_UNTIL(bpf_count_progs(SCM_PROG) == 0 &&
				  bpf_count_maps(ORDER_MAP) == 0, 5000));
	EXPECT_FALSE(mod_loaded("strata_gang")) TH_LOG("%s", ud_log_tail(d));
	EXPECT_FALSE(mod_loaded("strata_cap"));
	EXPECT_FALSE(ud_exists(d->state));
}

TEST_F_TIMEOUT(daemon, a_stop_that_leaves_modules_keeps_the_record, 300)
{
	struct ud *d = &self->d;
	struct json_object *reply;
	int err;

	/* modules loaded by the daemon, kept at stop: still its own */
	ASSERT_EQ(0, ud_config(d, "[module strata_cap]\n"));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	ASSERT_EQ(0, ud_stop(d)) TH_LOG("%s", ud_log_tail(d));
	EXPECT_TRUE(mod_loaded("strata_cap"));
	EXPECT_TRUE(ud_exists(d->state));

	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	reply = ud_call(d, &err, "{\"cmd\":\"module.list\"}");
	ASSERT_NE(NULL, reply);
	EXPECT_STREQ("stratad", jmodule_owner(reply, "strata_cap"))
		TH_LOG("%s", json_object_to_json_string(reply));
	json_object_put(reply);
	EXPECT_EQ(0, ud_stop(d));
}

TEST_HARNESS_MAIN

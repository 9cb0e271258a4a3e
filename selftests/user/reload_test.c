// SPDX-License-Identifier: GPL-2.0
/*
 * stratad selftests - SIGHUP and the reload command
 *
 * A reload reads the configuration again and applies the difference:
 * newly configured modules are loaded, changed writable parameters
 * written, new policies attached, dropped ones detached, a policy whose
 * file changed attached again.  Nothing else is touched: an unchanged
 * policy keeps its very link (the same link id), gangs and tier
 * registrations made meanwhile live on.  An invalid file changes
 * nothing at all.  A reload is asynchronous: each effect is waited for.
 */
#include "kselftest_harness.h"
#include "common.h"

#define SCM_PROG	"cap_scm_file_receive"

FIXTURE(reload) {
	struct ud d;
	pid_t sleeper;
};

FIXTURE_SETUP(reload)
{
	UD_SETUP(&self->d, UD_STRATAD);
}

FIXTURE_TEARDOWN_PARENT(reload)
{
	if (self->sleeper > 0)
		kill(self->sleeper, SIGKILL);
	ud_cleanup(&self->d);
}

/* Start with @conf; every test's daemon unloads what it loaded on stop. */
#define START(conf) do {						\
	ASSERT_EQ(0, ud_config(&self->d, "unload_on_stop = yes\n" conf)); \
	ASSERT_EQ(0, ud_start(&self->d)) TH_LOG("%s",			\
						ud_log_tail(&self->d)); \
} while (0)

/* Rewrite the configuration and send SIGHUP. */
#define RELOAD(conf) do {						\
	ASSERT_EQ(0, ud_config(&self->d, "unload_on_stop = yes\n" conf)); \
	ASSERT_EQ(0, kill(self->d.pid, SIGHUP));			\
} while (0)

/* Stop; the kernel must be clean after it. */
#define STOP() do {							\
	ASSERT_EQ(0, ud_stop(&self->d)) TH_LOG("%s",			\
					       ud_log_tail(&self->d));	\
	EXPECT_EQ(0, pins_total());					\
	EXPECT_TRUE(UD_WAIT_UNTIL(ud_kernel_clean(), 10000));		\
} while (0)

TEST_F_TIMEOUT(reload, sighup_attaches_added_and_detaches_removed_policies,
	       300)
{
	struct ud *d = &self->d;
	struct json_object *reply, *l;
	int err, links;

	START("[module strata_cap]\n"
	      "[module strata_gang]\nfake_gpus = 8\n"
	      "[policy cap_scm]\n");
	links = bpf_count_links();
	ASSERT_LE(1, pins_count("cap_scm"));
	ASSERT_EQ(-1, pins_count("gang_order"));

	RELOAD("[module strata_cap]\n"
	       "[module strata_gang]\nfake_gpus = 8\n"
	       "[policy gang_order]\n");
	EXPECT_TRUE(UD_WAIT_UNTIL(pins_count("gang_order") >= 1 &&
				  !policy_dir_exists("cap_scm"), UD_WAIT_MS))
		TH_LOG("%s", ud_log_tail(d));
	EXPECT_TRUE(UD_WAIT_UNTIL(bpf_count_progs(SCM_PROG) == 0, 5000))
		TH_LOG("cap_scm's program is still loaded");
	EXPECT_EQ(1, bpf_count_maps("gang_order"));
	/* one link detached, one attached */
	EXPECT_TRUE(UD_WAIT_UNTIL(bpf_count_links() == links, 5000))
		TH_LOG("%d links before, %d after", links, bpf_count_links());

	/* the same daemon, which says so */
	EXPECT_EQ(-ETIMEDOUT, ud_wait(d, 0)) TH_LOG("it exited");
	reply = ud_call(d, &err, "{\"cmd\":\"policy.list\"}");
	ASSERT_NE(NULL, reply);
	l = jlist(reply, "policies");
	EXPECT_EQ(NULL, jfind(l, "name", "cap_scm"))
		TH_LOG("%s", json_object_to_json_string(reply));
	EXPECT_EQ(1, jbool(jfind(l, "name", "gang_order"), "configured"));
	json_object_put(reply);
	STOP();
}

TEST_F_TIMEOUT(reload, sighup_writes_changed_writable_parameters, 300)
{
	struct ud *d = &self->d;

	START("[module strata_cap]\n"
	      "[module strata_gang]\nfake_gpus = 8\nslice_ms = 100\n");
	ASSERT_EQ(100, mod_param_long("strata_gang", "slice_ms"));
	ASSERT_EQ(8, mod_param_long("strata_gang", "fake_gpus"));

	/* slice_ms is writable; fake_gpus is not: reported, left */
	RELOAD("[module strata_cap]\n"
	       "[module strata_gang]\nfake_gpus = 4\nslice_ms = 250\n");
	EXPECT_TRUE(UD_WAIT_UNTIL(mod_param_long("strata_gang", "slice_ms") ==
				  250, UD_WAIT_MS))
		TH_LOG("%s", ud_log_tail(d));
	EXPECT_TRUE(UD_WAIT_UNTIL(ud_log_has(d, "fake_gpus"), 5000))
		TH_LOG("the read-only parameter is not reported: %s",
		       ud_log_tail(d));
	EXPECT_EQ(8, mod_param_long("strata_gang", "fake_gpus"));
	EXPECT_EQ(-ETIMEDOUT, ud_wait(d, 0)) TH_LOG("it exited");
	STOP();
}

TEST_F_TIMEOUT(reload, sighup_loads_a_newly_configured_module, 300)
{
	struct ud *d = &self->d;
	struct json_object *reply;
	int err;

	START("[module strata_cap]\n");
	ASSERT_FALSE(mod_loaded("strata_tier"));
	RELOAD("[module strata_cap]\n[module strata_tier]\nscan_max_ms = 1500\n");
	EXPECT_TRUE(UD_WAIT_UNTIL(mod_loaded("strata_tier"), UD_WAIT_MS))
		TH_LOG("%s", ud_log_tail(d));
	EXPECT_EQ(1500, mod_param_long("strata_tier", "scan_max_ms"));
	reply = ud_call(d, &err, "{\"cmd\":\"module.list\"}");
	ASSERT_NE(NULL, reply);
	EXPECT_STREQ("stratad", jmodule_owner(reply, "strata_tier"));
	json_object_put(reply);
	STOP();
}

TEST_F_TIMEOUT(reload, a_policy_whose_file_changed_is_attached_again, 300)
{
	struct ud *d = &self->d;
	__u32 old_id, new_id = 0;

	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n"
			       "[module strata_cap]\n"
			       "[policy mine]\nfile = cap_scm.bpf.o\n"));
	ASSERT_EQ(0, ud_start(d)) TH_LOG("%s", ud_log_tail(d));
	old_id = pin_first_id("mine");
	ASSERT_NE(0, old_id);
	ASSERT_EQ(1, bpf_count_progs(SCM_PROG));

	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n"
			       "[module strata_cap]\n"
			       "[policy mine]\nfile = %s\n",
			       UD_POLICY("cap_limit")));
	ASSERT_EQ(0, kill(d->pid, SIGHUP));
	/* the map exists before its link is pinned: wait for the pin */
	EXPECT_TRUE(UD_WAIT_UNTIL((new_id = pin_first_id("mine")) &&
				  new_id != old_id, UD_WAIT_MS))
		TH_LOG("%s", ud_log_tail(d));
	EXPECT_EQ(1, bpf_count_maps("cap_limit"));
	EXPECT_TRUE(UD_WAIT_UNTIL(bpf_count_progs(SCM_PROG) == 0, 5000));
	EXPECT_EQ(1, pins_count("mine"));
	STOP();
}

TEST_F_TIMEOUT(reload, gangs_registrations_and_unchanged_policies_live_on,
	       400)
{
	struct ud *d = &self->d;
	struct ud_gang g;
	__u32 id = 0, reason = ~0U, scm_id;
	int tier;

	START("[module strata_cap]\n"
	      "[module strata_tier]\n"
	      "[module strata_gang]\nfake_gpus = 8\nslice_ms = 100\n"
	      "[policy cap_scm]\n");
	scm_id = pin_first_id("cap_scm");
	ASSERT_NE(0, scm_id);

	/* a gang and a registration, made behind the daemon's back */
	ASSERT_EQ(0, gang_make(&g));
	self->sleeper = sleeper_start();
	ASSERT_LT(0, self->sleeper);
	tier = strata_tier_open();
	ASSERT_LE(0, tier);
	ASSERT_EQ(0, strata_tier_register_pid(tier, self->sleeper,
					      STRATA_TIER_QUOTA_NONE, &id));

	RELOAD("[module strata_cap]\n"
	       "[module strata_tier]\n"
	       "[module strata_gang]\nfake_gpus = 8\nslice_ms = 300\n"
	       "[policy cap_scm]\n"
	       "[policy gang_order]\n");
	ASSERT_TRUE(UD_WAIT_UNTIL(pins_count("gang_order") >= 1 &&
				  mod_param_long("strata_gang", "slice_ms") ==
				  300, UD_WAIT_MS))
		TH_LOG("the reload did not happen: %s", ud_log_tail(d));

	EXPECT_EQ(STRATA_GANG_FORMING, gang_state(&g, &reason));
	EXPECT_EQ(1, tier_has(id));
	EXPECT_EQ(scm_id, pin_first_id("cap_scm"))
		TH_LOG("an unchanged policy was attached again");
	EXPECT_EQ(1, bpf_count_progs(SCM_PROG));

	/* ours to end: the modules must unload at the stop */
	EXPECT_EQ(0, strata_tier_unregister(tier, id));
	close(tier);
	gang_drop(&g);
	sleeper_stop(self->sleeper);
	self->sleeper = 0;
	STOP();
}

TEST_F_TIMEOUT(reload, an_invalid_configuration_keeps_the_old_state, 300)
{
	struct ud *d = &self->d;
	struct json_object *st;
	__u32 scm_id;

	START("[module strata_cap]\n"
	      "[module strata_gang]\nfake_gpus = 8\nslice_ms = 100\n"
	      "[policy cap_scm]\n");
	scm_id = pin_first_id("cap_scm");
	ASSERT_NE(0, scm_id);

	/* every change of this file would be visible; one line is bad */
	RELOAD("[module strata_cap]\n"
	       "[module strata_tier]\n"
	       "[module strata_gang]\nfake_gpus = 8\nslice_ms = 300\n"
	       "no_such_param = 1\n"
	       "[policy gang_order]\n");
	EXPECT_TRUE(UD_WAIT_UNTIL(ud_log_has(d, "no_such_param"), UD_WAIT_MS))
		TH_LOG("the error is not logged: %s", ud_log_tail(d));
	strata_sleep_ms(500);

	EXPECT_EQ(-ETIMEDOUT, ud_wait(d, 0)) TH_LOG("it exited");
	st = ud_status(d);
	ASSERT_NE(NULL, st);
	json_object_put(st);
	EXPECT_EQ(scm_id, pin_first_id("cap_scm"));
	EXPECT_EQ(-1, pins_count("gang_order"));
	EXPECT_FALSE(mod_loaded("strata_tier"));
	EXPECT_EQ(100, mod_param_long("strata_gang", "slice_ms"));

	/* and the next valid one is applied */
	RELOAD("[module strata_cap]\n"
	       "[module strata_gang]\nfake_gpus = 8\nslice_ms = 300\n"
	       "[policy cap_scm]\n");
	EXPECT_TRUE(UD_WAIT_UNTIL(mod_param_long("strata_gang", "slice_ms") ==
				  300, UD_WAIT_MS));
	STOP();
}

TEST_F_TIMEOUT(reload, the_reload_command_does_what_sighup_does, 300)
{
	struct ud *d = &self->d;
	struct json_object *reply;
	int err;

	START("[module strata_cap]\n");
	ASSERT_EQ(0, ud_config(d, "unload_on_stop = yes\n"
			       "[module strata_cap]\n[policy cap_scm]\n"));
	reply = ud_call(d, &err, "{\"cmd\":\"reload\"}");
	EXPECT_NE(NULL, reply) TH_LOG("reload: %s", strerror(-err));
	json_object_put(reply);
	EXPECT_TRUE(UD_WAIT_UNTIL(pins_count("cap_scm") >= 1, UD_WAIT_MS))
		TH_LOG("%s", ud_log_tail(d));

	/* an invalid file: nothing changes, the daemon goes on */
	ASSERT_EQ(0, ud_config(d, "unload_on_stop = maybe\n"));
	ud_errno(d, "{\"cmd\":\"reload\"}");
	EXPECT_TRUE(UD_WAIT_UNTIL(ud_log_has(d, "unload_on_stop"), UD_WAIT_MS));
	EXPECT_LE(1, pins_count("cap_scm"));
	EXPECT_EQ(-ETIMEDOUT, ud_wait(d, 0)) TH_LOG("it exited");
	STOP();
}

TEST_HARNESS_MAIN

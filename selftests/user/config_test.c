// SPDX-License-Identifier: GPL-2.0
/*
 * stratad selftests - the configuration file and stratad -t
 *
 * Every section and key of Documentation/stratad.rst is known; anything
 * else, a malformed line, a bad boolean, a module parameter the module
 * does not declare or a value not of its type is an error reported as
 * FILE:LINE naming the section or key, "stratad -t" exits 1, and a daemon
 * started on such a file refuses to start and changes nothing.
 *
 * The files are written whole here, so that line numbers are known: a
 * three-line preamble ([daemon], module_dir, policy_dir: the modules'
 * parameters are checked against the build tree's modules), then the
 * case's lines from line 4.
 */
#include "kselftest_harness.h"
#include "common.h"

#define PREAMBLE_LINES	3

FIXTURE(config) {
	struct ud d;
};

FIXTURE_SETUP(config)
{
	UD_SETUP(&self->d, UD_STRATAD);
}

FIXTURE_TEARDOWN_PARENT(config)
{
	ud_cleanup(&self->d);
}

/* The preamble and @body in d->conf. */
static int write_conf(struct ud *d, const char *body)
{
	char *text;
	int ret;

	if (asprintf(&text, "[daemon]\nmodule_dir = %s\npolicy_dir = %s\n%s",
		     ud_root(), ud_path("build/bpf"), body) < 0)
		return -ENOMEM;
	ret = ud_write_file(d->conf, text);
	free(text);
	return ret;
}

/* stratad -t -c d->conf; both outputs in r->out (stdout then stderr). */
static int check_conf(struct ud *d, struct run *r)
{
	STRATAD(r, "-t", "-c", d->conf);
	strncat(r->out, r->err, sizeof(r->out) - strlen(r->out) - 1);
	return r->status;
}

/* The line of @text holding @needle (into @line), or false. */
static bool line_with(const char *text, const char *needle, char *line,
		      size_t size)
{
	const char *p = strstr(text, needle), *start, *end;

	if (!p)
		return false;
	for (start = p; start > text && start[-1] != '\n'; start--)
		;
	end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	snprintf(line, size, "%.*s", (int)(end - start), start);
	return true;
}

struct bad_case {
	const char *body;	/* from line 4 */
	int line;		/* of the error, counted in body */
	const char *names;	/* what the message must name, or NULL */
};

TEST_F_TIMEOUT(config, each_bad_line_is_reported_with_file_line_and_key, 300)
{
	static const struct bad_case cases[] = {
		{ "this is no key\n", 1, NULL },
		{ "[frobnicate]\n", 1, "frobnicate" },
		{ "sockett = /tmp/x.sock\n", 1, "sockett" },
		{ "unload_on_stop = maybe\n", 1, "unload_on_stop" },
		{ "[module strata_foo]\n", 1, "strata_foo" },
		{ "[module strata_gang]\nno_such_param = 1\n", 2,
		  "no_such_param" },
		{ "[module strata_gang]\nfake_gpus = abc\n", 2, "fake_gpus" },
		{ "[module strata_gang]\nfake_gpus = -1\n", 2, "fake_gpus" },
		{ "[module strata_gang]\nfake_gpus = 99999999999\n", 2,
		  "fake_gpus" },
		{ "[module strata_gang]\nunpriv_cosched = sometimes\n", 2,
		  "unpriv_cosched" },
		{ "[module strata_tier]\nthp_split = maybe\n", 2,
		  "thp_split" },
		{ "[module strata_cap]\nload = perhaps\n", 2, "load" },
		{ "[module strata_cap]\nscan_max_ms = 100\n", 2,
		  "scan_max_ms" },
		{ "[policy Bad-Name]\n", 1, "Bad-Name" },
		{ "[policy aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n", 1,
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
		{ "[policy cap_scm]\nfiel = cap_scm.bpf.o\n", 2, "fiel" },
		{ "[policy cap_scm]\nattach = 2\n", 2, "attach" },
		{ "[module strata_gang]\nfake_gpus = 8\n\n[policy x]\n"
		  "load = yes\n", 5, "load" },
	};
	struct ud *d = &self->d;
	struct run *r = run_new();
	char want[256];
	size_t i;

	ASSERT_NE(NULL, r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];

		ASSERT_EQ(0, write_conf(d, c->body));
		EXPECT_EQ(1, check_conf(d, r))
			TH_LOG("case %zu accepted: %s", i, c->body);
		snprintf(want, sizeof(want), "%s:%d:", d->conf,
			 PREAMBLE_LINES + c->line);
		EXPECT_NE(NULL, strstr(r->out, want))
			TH_LOG("case %zu: no '%s' in: %s", i, want, r->out);
		if (c->names) {
			EXPECT_NE(NULL, strstr(r->out, c->names))
				TH_LOG("case %zu: '%s' not named: %s", i,
				       c->names, r->out);
		}
	}
	/* nothing of it was acted on */
	EXPECT_TRUE(ud_kernel_clean());
	EXPECT_FALSE(ud_exists(d->sock));
}

TEST_F_TIMEOUT(config, every_error_is_reported_on_its_own_line, 120)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	char want[3][256], line[1024];
	int i, j;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, write_conf(d,
				"bogus_key = 1\n"		/* 4 */
				"[module strata_cap]\n"		/* 5 */
				"no_such_param = 3\n"		/* 6 */
				"[policy cap_scm]\n"		/* 7 */
				"attach = whenever\n"));	/* 8 */
	EXPECT_EQ(1, check_conf(d, r));
	for (i = 0; i < 3; i++)
		snprintf(want[i], sizeof(want[i]), "%s:%d:", d->conf, 4 + 2 * i);
	for (i = 0; i < 3; i++) {
		ASSERT_TRUE(line_with(r->out, want[i], line, sizeof(line)))
			TH_LOG("no '%s' in: %s", want[i], r->out);
		for (j = 0; j < 3; j++)
			if (j != i) {
				EXPECT_EQ(NULL, strstr(line, want[j]))
					TH_LOG("two errors on one line: %s",
					       line);
			}
	}
	EXPECT_NE(NULL, strstr(r->out, "bogus_key"));
	EXPECT_NE(NULL, strstr(r->out, "no_such_param"));
	EXPECT_NE(NULL, strstr(r->out, "whenever"));
}

TEST_F_TIMEOUT(config, a_valid_configuration_passes_and_changes_nothing, 120)
{
	struct ud *d = &self->d;
	struct run *r = run_new();
	char *text;

	ASSERT_NE(NULL, r);
	ASSERT_LE(0, asprintf(&text,
		"# every section and key\n"
		"[daemon]\n"
		"socket = %s\n"
		"pidfile = %s\n"
		"state = %s\n"
		"admin_group = users\n"
		"module_dir = %s\n"
		"policy_dir = %s\n"
		"unload_on_stop = yes\n"
		"; a comment of the other kind\n"
		"\n"
		"[module strata_cap]\n"
		"max_handles = 1000\n"
		"[module strata_tier]\n"
		"load = no\n"
		"thp_split = no\n"
		"scan_max_ms = 1500\n"
		"slow_nodes = 1\n"
		"[module strata_gang]\n"
		"fake_gpus = 8\n"
		"unpriv_cosched = on\n"
		"cpus = 0-1\n"
		"[policy cap_scm]\n"
		"[policy order]\n"
		"file = gang_order.bpf.o\n"
		"attach = off\n"
		"[policy tier_pin]\n"
		"file = %s\n"
		"attach = true\n",
		d->sock, d->pidfile, d->state, ud_root(), ud_path("build/bpf"),
		UD_POLICY("tier_pin")));
	ASSERT_EQ(0, ud_write_file(d->conf, text));
	free(text);
	EXPECT_EQ(0, check_conf(d, r)) TH_LOG("%s", r->out);

	/* -t only reads */
	EXPECT_TRUE(ud_kernel_clean());
	EXPECT_FALSE(ud_exists(d->sock));
	EXPECT_FALSE(ud_exists(d->pidfile));
	EXPECT_FALSE(ud_exists(d->state));
}

TEST_F_TIMEOUT(config, every_boolean_spelling_is_accepted, 120)
{
	static const char *const words[] = {
		"yes", "no", "true", "false", "on", "off", "1", "0",
	};
	struct ud *d = &self->d;
	struct run *r = run_new();
	char body[128];
	size_t i;

	ASSERT_NE(NULL, r);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(body, sizeof(body),
			 "unload_on_stop = %s\n[module strata_tier]\n"
			 "thp_split = %s\n", words[i], words[i]);
		ASSERT_EQ(0, write_conf(d, body));
		EXPECT_EQ(0, check_conf(d, r))
			TH_LOG("'%s' refused: %s", words[i], r->out);
	}
}

TEST_F_TIMEOUT(config, an_empty_configuration_is_valid, 60)
{
	struct ud *d = &self->d;
	struct run *r = run_new();

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, ud_write_file(d->conf, ""));
	EXPECT_EQ(0, check_conf(d, r)) TH_LOG("%s", r->out);
}

TEST_F_TIMEOUT(config, a_bad_configuration_is_refused_at_start, 180)
{
	struct ud *d = &self->d;
	char want[256];

	/* a module to load first, then a bad key */
	ASSERT_EQ(0, ud_config(d,
			       "[module strata_cap]\n"
			       "[policy cap_scm]\n"
			       "[module strata_gang]\n"
			       "fake_gpus = eight\n"));
	EXPECT_EQ(-ECHILD, ud_start(d));
	EXPECT_EQ(1, d->status) TH_LOG("%s", ud_log_tail(d));
	/* the [daemon] part of ud_config() is 7 lines */
	snprintf(want, sizeof(want), "%s:11:", d->conf);
	EXPECT_TRUE(ud_log_has(d, want)) TH_LOG("no '%s' in: %s", want,
						 ud_log_tail(d));
	EXPECT_TRUE(ud_log_has(d, "fake_gpus"));
	EXPECT_FALSE(ud_exists(d->sock));
	EXPECT_TRUE(ud_kernel_clean()) TH_LOG("it acted on a bad file");
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * stratactl - tier top: a live view of strata_tier, a snapshot every -d SECS
 * and the rates since the previous one
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

#include "stratactl.h"
#include "ctl_tier.h"

static volatile sig_atomic_t top_stop;

static void top_signal(int sig)
{
	top_stop = 1;
}

static const struct reg_snap *snap_find(const struct tier_snap *s, __u32 id)
{
	__u32 i;

	for (i = 0; i < s->nr_regs; i++)
		if (s->regs[i].id == id)
			return &s->regs[i];
	return NULL;
}

/* Pages per second from @from to @to over @secs. */
static double rate(__u64 from, __u64 to, double secs)
{
	return to >= from ? (to - from) / secs : 0;
}

/* A JSON number printed with @decimals decimals (not json-c's %.17g). */
static struct json_object *json_fixed(double v, int decimals)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return json_object_new_double_s(v, buf);
}

static void top_json(const struct tier_snap *prev, const struct tier_snap *s,
		     double secs)
{
	struct json_object *o = json_object_new_object(), *arr, *n;
	const struct reg_snap *r, *p;
	__u32 i;

	json_object_object_add(o, "interval_s", json_fixed(secs, 3));
	json_object_object_add(o, "flags", flags_json(s->info.flags));
	arr = json_object_new_array();
	for (i = 0; i < s->nr_nodes; i++) {
		n = json_object_new_object();
		json_object_object_add(n, "nid",
				       json_object_new_int64(s->nodes[i].nid));
		json_object_object_add(n, "role", json_object_new_string(
			role_name(s->nodes[i].role)));
		add_u64(n, "free_bytes", s->nodes[i].free_bytes);
		json_object_array_add(arr, n);
	}
	json_object_object_add(o, "nodes", arr);
	arr = json_object_new_array();
	for (i = 0; i < s->nr_regs; i++) {
		r = &s->regs[i];
		p = snap_find(prev, r->id);
		n = json_object_new_object();
		json_object_object_add(n, "id", json_object_new_int64(r->id));
		json_object_object_add(n, "kind", json_object_new_string(
			kind_name(r->st.kind)));
		json_object_object_add(n, "pid",
				       json_object_new_int64(r->st.pid));
		add_u64(n, "cgroup_id", r->st.cgroup_id);
		add_u64(n, "fast_pages", r->st.fast_pages);
		add_u64(n, "slow_pages", r->st.slow_pages);
		add_u64(n, "hot_pages", r->st.hot_pages);
		add_u64(n, "promoted", r->st.promoted);
		add_u64(n, "demoted", r->st.demoted);
		/* null: new since the previous refresh */
		json_object_object_add(n, "promoted_per_s", p ?
			json_fixed(rate(p->st.promoted, r->st.promoted, secs),
				   1) : NULL);
		json_object_object_add(n, "demoted_per_s", p ?
			json_fixed(rate(p->st.demoted, r->st.demoted, secs),
				   1) : NULL);
		json_object_array_add(arr, n);
	}
	json_object_object_add(o, "registrations", arr);
	print_json(o);
	json_object_put(o);
}

static void top_text(const struct tier_snap *prev, const struct tier_snap *s,
		     double secs)
{
	const struct reg_snap *r, *p;
	char target[512];
	__u32 i;

	/* home, clear the screen */
	fputs("\033[H\033[2J", stdout);
	fputs("strata_tier: ", stdout);
	flags_print(s->info.flags);
	printf(", %u registration%s, every %.1f s (Ctrl-C quits)\n\n",
	       s->nr_regs, s->nr_regs == 1 ? "" : "s", secs);
	printf("NODE  ROLE   FREE MiB\n");
	for (i = 0; i < s->nr_nodes; i++)
		printf("%4u  %-4s  %9.1f\n", s->nodes[i].nid,
		       role_name(s->nodes[i].role),
		       s->nodes[i].free_bytes / MIB);
	printf("\n%6s  %-24s %9s %9s %9s %10s %10s\n", "ID", "TARGET",
	       "FAST MiB", "SLOW MiB", "HOT MiB", "PROM MiB/s", "DEM MiB/s");
	for (i = 0; i < s->nr_regs; i++) {
		r = &s->regs[i];
		p = snap_find(prev, r->id);
		printf("%6u  %-24.24s %9.1f %9.1f %9.1f", r->id,
		       reg_target(r, target, sizeof(target)),
		       pages_mib(r->st.fast_pages), pages_mib(r->st.slow_pages),
		       pages_mib(r->st.hot_pages));
		if (p)
			printf(" %10.1f %10.1f\n",
			       pages_mib(1) * rate(p->st.promoted,
						   r->st.promoted, secs),
			       pages_mib(1) * rate(p->st.demoted,
						   r->st.demoted, secs));
		else
			printf(" %10s %10s\n", "-", "-");
	}
	if (!s->nr_regs)
		printf("%6s  (no registrations)\n", "");
}

static double ts_secs(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

int tier_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tier_snap prev, cur;
	struct sigaction sa;
	struct timespec ts;
	long long count = 0, done;
	double delay = 1, secs;
	int opt, fd, ret;
	char *end;

	optind = 0;
	while ((opt = getopt_long(argc + 1, argv - 1, "+n:d:h", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'n':
			errno = 0;
			count = strtoll(optarg, &end, 10);
			if (!isdigit((unsigned char)*optarg) || *end ||
			    errno || count < 1) {
				err_msg("-n takes a number of refreshes (1 or "
					"more), not '%s'", optarg);
				return STRATACTL_USAGE;
			}
			break;
		case 'd':
			errno = 0;
			delay = strtod(optarg, &end);
			if (!*optarg || *end || errno || !(delay >= 0.01) ||
			    delay > 86400) {
				err_msg("-d takes seconds between refreshes "
					"(0.01 to 86400, e.g. 0.5), not '%s'",
					optarg);
				return STRATACTL_USAGE;
			}
			break;
		case 'h':
			fputs(tier_help, stdout);
			return STRATACTL_OK;
		default:
			err_msg("try 'stratactl tier help'");
			return STRATACTL_USAGE;
		}
	}
	if (optind - 1 < argc) {
		err_msg("'tier top' takes no argument '%s'; try 'stratactl tier help'",
			argv[optind - 1]);
		return STRATACTL_USAGE;
	}
	ret = tier_dev_open(&fd);
	if (ret)
		return ret;

	/* No SA_RESTART: Ctrl-C ends the sleep at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = top_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = snap_take(fd, &prev, NULL);
	if (ret) {
		close(fd);
		return ret;
	}
	for (done = 0; !count || done < count; done++) {
		ts.tv_sec = (time_t)delay;
		ts.tv_nsec = (long)((delay - ts.tv_sec) * 1e9);
		while (!top_stop && nanosleep(&ts, &ts) && errno == EINTR)
			;
		if (top_stop)
			break;
		ret = snap_take(fd, &cur, &prev);
		if (ret)
			break;
		secs = ts_secs(&prev.time, &cur.time);
		if (secs <= 0)
			secs = delay;
		if (json_output)
			top_json(&prev, &cur, secs);
		else
			top_text(&prev, &cur, secs);
		fflush(stdout);
		snap_free(&prev);
		prev = cur;
	}
	snap_free(&prev);
	close(fd);
	return ret;
}

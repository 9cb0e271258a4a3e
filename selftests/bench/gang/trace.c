// SPDX-License-Identifier: GPL-2.0
/*
 * gang_bench - part 1, the trace replay: the synthetic trace and its
 * lower bounds, and the controller of a trace run, which starts the gangs
 * at their arrivals, watches for a stall and computes the figures (the
 * member threads are in trace_members.c)
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gang_bench.h"

/* ---- the trace ----------------------------------------------------------- */

struct tgang {
	int members;
	unsigned int dur_ms;	/* D: each member's GPU time */
	double gap;		/* after the previous arrival, in mean gaps */
};

/* The sched_policy module parameter of each; naive sets none. */
static const int policy_param[NR_POLICIES] = {
	-1, STRATA_GANG_POLICY_FIFO, STRATA_GANG_POLICY_BACKFILL,
	STRATA_GANG_POLICY_LAS,
};

static struct tgang *trace;
double trace_work_s, trace_mean_d_s;
static double ideal_lb[NR_LOADS];
double ideal_util[NR_LOADS];
struct result results[NR_POLICIES][NR_LOADS];

void make_trace(void)
{
	static const int sizes[] = { 1, 2, 4, 8 };
	static const int pct[] = { 40, 30, 20, 10 };
	double cap_ms = 25 * opt_median_ms, mu = log_series(opt_median_ms);
	int counts[4], i, j, k, l, n = opt_gangs;
	struct tgang tmp;

	trace = calloc(n, sizeof(*trace));
	if (!trace)
		die("calloc", ENOMEM);
	rng_state = opt_seed;
	/* Exact shares, the rest to the 1-member gangs, then a shuffle. */
	counts[0] = n;
	for (j = 1; j < 4; j++) {
		counts[j] = (n * pct[j] + 50) / 100;
		counts[0] -= counts[j];
	}
	for (i = 0, j = 0; j < 4; j++)
		for (k = 0; k < counts[j]; k++)
			trace[i++].members = sizes[j];
	for (i = n - 1; i > 0; i--) {
		j = rng_next() % (i + 1);
		tmp = trace[i];
		trace[i] = trace[j];
		trace[j] = tmp;
	}
	trace_work_s = 0;
	trace_mean_d_s = 0;
	for (i = 0; i < n; i++) {
		double d = exp_series(mu + 1.2 * rng_normal());

		d = d < MIN_DUR_MS ? MIN_DUR_MS : d > cap_ms ? cap_ms : d;
		trace[i].dur_ms = (unsigned int)(d + 0.5);
		trace[i].gap = i ? -log_series(rng_uniform()) : 0;
		trace_work_s += trace[i].members * trace[i].dur_ms / 1e3;
		trace_mean_d_s += trace[i].dur_ms / 1e3 / n;
	}
	/*
	 * The makespan's lower bound LB at each load, a_i the arrival
	 * schedule of run_trace() (the same gaps over the arrival rate):
	 * the work of the gangs that arrive at a_k or later cannot start
	 * before a_k, so it needs a_k plus that work on 8 GPUs (k = 0: W / 8
	 * from the first arrival); and each gang needs its own D after it
	 * arrives.
	 */
	for (l = 0; l < NR_LOADS; l++) {
		double lambda = NR_GPUS * loads[l] / (trace_work_s / n);
		double lb = 0, sum = 0, after = trace_work_s, a;

		for (i = 0; i < n; i++) {
			a = (sum += trace[i].gap) / lambda;
			if (a + after / NR_GPUS > lb)
				lb = a + after / NR_GPUS;
			if (a + trace[i].dur_ms / 1e3 > lb)
				lb = a + trace[i].dur_ms / 1e3;
			after -= trace[i].members * trace[i].dur_ms / 1e3;
		}
		ideal_lb[l] = lb;
		ideal_util[l] = trace_work_s / (NR_GPUS * lb);
		note("load %s: LB %.2f s, W / 8 %.2f s, ideal util %.3f",
		     load_names[l], lb, trace_work_s / NR_GPUS, ideal_util[l]);
	}
	note("trace: %d gangs (%d/%d/%d/%d of 1/2/4/8 members), W %.1f GPU-s, mean D %.0f ms, longest %.0f ms",
	     n, counts[0], counts[1], counts[2], counts[3], trace_work_s,
	     trace_mean_d_s * 1e3, cap_ms);
}

/* ---- trace runs: the controller ------------------------------------------ */

static void launch(struct run *r, struct gang *g, const pthread_attr_t *attr)
{
	void *(*fn)(void *) = r->pol == NAIVE ? naive_member : strata_member;
	int i, err;

	g->arrival = (now_ns() - r->t0_ns) / 1e9;
	g->left = g->members;
	r->launched++;
	if (r->pol != NAIVE) {
		struct strata_gang_create c = {
			.nr_members = g->members,
			.gpus_per_member = 1,
			.on_member_exit = STRATA_GANG_EXIT_ABORT,
		};

		if (r->pol == BACKFILL)
			c.runtime_hint_ms = g->dur_ms;
		snprintf(c.name, sizeof(c.name), "t%d", g->idx);
		err = strata_gang_create(gang_fd, table_fd, &c, &g->handle);
		if (err) {
			run_error(r, "CREATE of gang %d (%d members): %s",
				  g->idx, g->members, strerror(-err));
			g->left = 1;
			g->finished = -1;
			member_exit(g);
			return;
		}
	}
	for (i = 0; i < g->members; i++) {
		g->mem[i].g = g;
		g->mem[i].index = i;
		g->mem[i].jitter_us = rng_next() % LAUNCH_JITTER_US;
		err = pthread_create(&g->thr[i], attr, fn, &g->mem[i]);
		if (err) {
			run_error(r, "gang %d: pthread_create: %s", g->idx,
				  strerror(err));
			/* The threads that never ran exit at once. */
			for (; i < g->members; i++)
				member_exit(g);
			return;
		}
		g->nr_thr = i + 1;
	}
}

/* Wake whatever waits in the harness; kill the gangs in strata_gang. */
static void stop_everything(struct run *r)
{
	int i;

	pthread_mutex_lock(&r->lock);
	pthread_cond_broadcast(&r->gpu_free);
	for (i = 0; i < r->launched; i++)
		pthread_cond_broadcast(&r->gangs[i].all_held);
	pthread_mutex_unlock(&r->lock);
	if (r->pol == NAIVE)
		return;
	for (i = 0; i < r->launched; i++)
		if (LOAD(r->gangs[i].left))
			strata_gang_kill(gang_fd, table_fd,
					 r->gangs[i].handle);
}

/* What the run looks like at a stall, before anything is released. */
static void note_stall(struct run *r)
{
	struct strata_gang_status st;
	int i, waiting = 0, held = 0;

	if (r->pol != NAIVE) {
		if (!strata_gang_status(gang_fd, &st))
			note("strata_gang: %u gangs, %u queued, %u running, %u of %u GPUs free",
			     st.gangs, st.queued, st.running, st.free_gpus,
			     st.nr_gpus);
		return;
	}
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->launched; i++) {
		const struct gang *g = &r->gangs[i];

		if (g->holding > 0 && g->holding < g->members) {
			waiting++;
			held += g->holding;
		}
	}
	note("%d GPUs free, %d held by %d gangs that wait for the rest of theirs",
	     r->nr_free, held, waiting);
	pthread_mutex_unlock(&r->lock);
}

/* Join every thread; a thread stuck in an ioctl is interrupted. */
static void join_all(struct run *r)
{
	__u64 soft = now_ns() + STOP_TIMEOUT_S * 1000000000ULL / 3;
	__u64 hard = now_ns() + STOP_TIMEOUT_S * 1000000000ULL;
	bool kicked = false;
	struct timespec ts;
	int i, j, err;

	for (i = 0; i < r->launched; i++) {
		struct gang *g = &r->gangs[i];

		for (j = 0; j < g->nr_thr; j++) {
			for (;;) {
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_nsec += 100000000L;
				ts.tv_sec += ts.tv_nsec / 1000000000L;
				ts.tv_nsec %= 1000000000L;
				err = pthread_timedjoin_np(g->thr[j], NULL,
							   &ts);
				if (err != ETIMEDOUT)
					break;
				if (!kicked && now_ns() > soft) {
					run_error(r, "member threads do not end: killing the gangs, interrupting them");
					stop_everything(r);
					for (int a = i; a < r->launched; a++)
						for (int c = 0; c < r->gangs[a].nr_thr; c++)
							pthread_kill(r->gangs[a].thr[c],
								     SIGUSR1);
					kicked = true;
				}
				if (now_ns() > hard)
					fail("member threads of gang %d still blocked %d s after the run ended",
					     g->idx, STOP_TIMEOUT_S);
				check_signal();
			}
		}
	}
}

static void write_gantt(struct run *r)
{
	char path[512];
	const char *file = opt_gantt, *dir;
	FILE *f;
	int i;

	if (!file) {
		dir = getenv("STRATA_BENCH_DIR");
		snprintf(path, sizeof(path), "%s%sgang-gantt.csv",
			 dir ? dir : "", dir ? "/" : "");
		file = path;
	}
	f = fopen(file, "we");
	if (!f)
		die(file, errno);
	fprintf(f, "gpu,gang,start_s,end_s\n");
	for (i = 0; i < r->nr_segs; i++)
		fprintf(f, "%d,%d,%.4f,%.4f\n", r->segs[i].gpu,
			r->segs[i].gang, r->segs[i].start, r->segs[i].end);
	if (fclose(f))
		die(file, errno);
	note("%d bars of GPU occupancy in %s", r->nr_segs, file);
}

void run_trace(enum policy pol, int l, bool gantt)
{
	struct result *res = &results[pol][l];
	double *at, *jct, busy0, busy1, sw0, sw1, t, end_t, lambda, sum, lag;
	__u64 last_progress, deadline_ns, last_poll = 0;
	long kernels, last_kernels = -1;
	int i, next = 0, ended, last_ended = -1, nc;
	/* free GPU-s, as STATUS sees it: gangs queued, forming, none */
	double free_queued = 0, free_forming = 0, free_none = 0, held = 0;
	struct strata_gang_status gs, last_gs = { };
	char label[32];
	pthread_attr_t attr;
	struct run r = {
		.pol = pol,
		.load = l,
		.n = opt_gangs,
		.gantt = gantt,
	};

	snprintf(label, sizeof(label), "%s/%s", policy_names[pol],
		 load_names[l]);
	running = label;
	r.gangs = calloc(r.n, sizeof(*r.gangs));
	at = calloc(r.n, sizeof(*at));
	jct = calloc(r.n, sizeof(*jct));
	if (!r.gangs || !at || !jct)
		die("calloc", ENOMEM);
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.gpu_free, NULL);
	for (i = 0; i < NR_GPUS; i++)
		r.free_ids[i] = i;
	r.nr_free = NR_GPUS;
	lambda = NR_GPUS * loads[l] / (trace_work_s / r.n);
	for (sum = 0, i = 0; i < r.n; i++) {
		struct gang *g = &r.gangs[i];

		sum += trace[i].gap;
		at[i] = sum / lambda;
		g->run = &r;
		g->idx = i;
		g->members = trace[i].members;
		g->dur_ms = trace[i].dur_ms;
		pthread_cond_init(&g->all_held, NULL);
	}
	/* Same launch delays for every policy at a load. */
	rng_state = opt_seed * 31 + l;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_SIZE);

	if (pol != NAIVE) {
		settle();
		set_policy(policy_param[pol]);
	}
	/* Generous: every gang alone, one after the other, twice, + 30 s. */
	deadline_ns = (at[r.n - 1] + 2 * trace_mean_d_s * r.n + 30) * 1e9;
	note("%d gangs arriving over %.1f s", r.n, at[r.n - 1]);
	busy0 = gpu_busy_s(&sw0);
	r.t0_ns = now_ns();
	last_progress = r.t0_ns;
	for (;;) {
		__u64 tn = now_ns();

		t = (tn - r.t0_ns) / 1e9;
		while (next < r.n && at[next] <= t &&
		       !LOAD(r.stop))
			launch(&r, &r.gangs[next++], &attr);
		ended = LOAD(r.ended);
		if (next == r.n && ended == r.n)
			break;
		/* Free GPUs while gangs wait, form, or none is there. */
		if (pol != NAIVE && !strata_gang_status(gang_fd, &gs)) {
			double dt = last_poll ? (tn - last_poll) / 1e9 : 0;

			held += (last_gs.nr_gpus - last_gs.free_gpus) * dt;
			if (last_gs.queued)
				free_queued += last_gs.free_gpus * dt;
			else if (r.launched > LOAD(r.ended) + last_gs.running)
				free_forming += last_gs.free_gpus * dt;
			else
				free_none += last_gs.free_gpus * dt;
			last_gs = gs;
			last_poll = tn;
		}
		if (LOAD(r.stop))
			break;
		kernels = LOAD(r.kernels);
		if (kernels != last_kernels || ended != last_ended ||
		    ended == r.launched)
			last_progress = tn;
		last_kernels = kernels;
		last_ended = ended;
		if (tn - last_progress > STALL_MS * 1000000ULL) {
			int expected = RUNNING;

			note_stall(&r);
			if (__atomic_compare_exchange_n(&r.stop, &expected,
							STOP_DEADLOCK, false,
							__ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE))
				STORE(r.stop_ns, tn);
			note("no kernel completed for %d ms with %d gangs unfinished: deadlock",
			     STALL_MS, r.launched - ended);
			break;
		}
		if (tn - r.t0_ns > deadline_ns) {
			run_error(&r, "not done after %.0f s: %d of %d gangs ended",
				  deadline_ns / 1e9, ended, r.n);
			break;
		}
		if (got_signal) {
			stop_everything(&r);
			check_signal();
		}
		t = next < r.n ? at[next] - t : 1;
		sleep_us(t < TICK_MS / 1e3 ? (long)(t * 1e6) + 1 :
			 TICK_MS * 1000);
	}
	if (LOAD(r.stop))
		stop_everything(&r);
	join_all(&r);
	busy1 = gpu_busy_s(&sw1);
	pthread_attr_destroy(&attr);

	/* The figures. */
	nc = 0;
	end_t = 0;
	res->max_wait8 = 0;
	for (i = 0; i < r.launched; i++) {
		struct gang *g = &r.gangs[i];
		double wait = -1;

		if (g->done_ns) {
			double done = (g->done_ns - r.t0_ns) / 1e9;

			jct[nc++] = done - g->arrival;
			if (done > end_t)
				end_t = done;
		}
		if (g->members != NR_GPUS)
			continue;
		if (g->admitted_ns)
			wait = (g->admitted_ns - r.t0_ns) / 1e9 - g->arrival;
		else if (r.stop)
			wait = (r.stop_ns - r.t0_ns) / 1e9 - g->arrival;
		if (wait > res->max_wait8)
			res->max_wait8 = wait;
	}
	if (r.stop && r.last_kernel_ns &&
	    (r.last_kernel_ns - r.t0_ns) / 1e9 > end_t)
		end_t = (r.last_kernel_ns - r.t0_ns) / 1e9;
	res->completed = nc;
	res->deadlock = r.stop == STOP_DEADLOCK;
	for (sum = 0, i = 0; i < nc; i++)
		sum += jct[i];
	res->avg_jct = nc ? sum / nc : 0;
	res->p95_jct = percentile(jct, nc, 0.95);
	res->makespan = end_t - (r.launched ? r.gangs[0].arrival : 0);
	res->util = res->makespan > 0 ?
		    (busy1 - busy0) / (NR_GPUS * res->makespan) : 0;
	res->util_vs_ideal = res->util / ideal_util[l];
	res->done = true;
	/* How late the controller started the gangs: a loss LB ignores. */
	for (lag = 0, i = 0; i < r.launched; i++)
		if (r.gangs[i].arrival - at[i] > lag)
			lag = r.gangs[i].arrival - at[i];
	note("%d of %d gangs completed%s; jct avg %.2f s, p95 %.2f s; makespan %.2f s (LB %.2f s); util %.3f (ideal %.3f); 8-GPU wait max %.2f s; arrival lag max %.0f ms",
	     nc, r.n, res->deadlock ? " (deadlock)" : "", res->avg_jct,
	     res->p95_jct, res->makespan, ideal_lb[l], res->util,
	     ideal_util[l], res->max_wait8, lag * 1e3);
	if (res->makespan > 0) {
		double all = NR_GPUS * res->makespan / 100;

		note("GPU time: kernels %.1f %%, context switches %.1f %%, idle between a member's kernels %.1f %% (STEP calls %.1f %%), other idle %.1f %%",
		     (busy1 - busy0) / all, (sw1 - sw0) / all,
		     r.gap_ns / 1e9 / all, r.step_ns / 1e9 / all,
		     100 - (busy1 - busy0 + sw1 - sw0 + r.gap_ns / 1e9) / all);
		if (r.endless)
			note("WARNING: %d times a member's STEP gave a slice without an end (slice_end_ns 0) under LAS: such a gang is never preempted",
			     r.endless);
		if (pol != NAIVE)
			note("GPUs (STATUS every %d ms): held %.1f %%; free while gangs queued %.1f %%, while gangs formed (launch delays) %.1f %%, with no gang there %.1f %%; a bar's start to its first kernel %.1f %%",
			     TICK_MS, held / all, free_queued / all,
			     free_forming / all, free_none / all,
			     r.first_ns / 1e9 / all);
	}
	if (r.errors || (res->deadlock && pol != NAIVE)) {
		note("ERROR: strata_gang misbehaved in this run");
		failed = true;
	}
	if (gantt)
		write_gantt(&r);

	for (i = 0; i < r.n; i++)
		pthread_cond_destroy(&r.gangs[i].all_held);
	pthread_cond_destroy(&r.gpu_free);
	pthread_mutex_destroy(&r.lock);
	free(r.segs);
	free(r.gangs);
	free(at);
	free(jct);
	running = "";
}

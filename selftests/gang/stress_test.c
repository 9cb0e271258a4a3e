// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang selftests - concurrency stress
 *
 * Threads create, join, step, leave, kill (by handle and by koid),
 * inspect, change and close shared gangs at random for a few seconds; a
 * kill by koid races the gang's end.  Every call either succeeds or
 * fails with one of the errors the ABI documents for that situation; when
 * it is over and every handle is closed, every GPU is free and no gang is
 * left.
 */
#include "kselftest_harness.h"
#include "common.h"

#define NR_WORKERS	6
#define NR_SLOTS	4
#define RUN_MS		4000
#define LIVE_MS		10000

enum op {
	OP_CREATE, OP_JOIN, OP_STEP, OP_LEAVE, OP_KILL, OP_KILL_ID, OP_CLOSE,
	OP_INFO, OP_SET, OP_LIST, NR_OPS,
};

static const char *const op_name[NR_OPS] = {
	"create", "join", "step", "leave", "kill", "killid", "close", "info",
	"set", "list",
};

struct shared {
	int dev, table;
	pthread_mutex_t lock;
	__u32 slot[NR_SLOTS];	/* gang handles anyone may use, or 0 */
	int stop;
};

struct worker {
	struct shared *sh;
	unsigned int seed;
	__u32 mine;		/* its own duplicate of the gang it joined */
	bool member;
	int calls[NR_OPS];
	int ok[NR_OPS];
	int bad_op, bad_err;	/* the first undocumented outcome */
	int done;
	pthread_t thread;
};

static bool one_of(int err, const int *allowed, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (err == allowed[i])
			return true;
	return false;
}

#define ALLOWED(w, op, err, ...) ({					\
	static const int __ok[] = { 0, __VA_ARGS__ };			\
	note(w, op, err, one_of(err, __ok,				\
				sizeof(__ok) / sizeof(__ok[0])));	\
})

static void note(struct worker *w, enum op op, int err, bool documented)
{
	w->calls[op]++;
	if (!err)
		w->ok[op]++;
	if (!documented && !w->bad_err) {
		w->bad_op = op;
		w->bad_err = err;
	}
}

/* A slot's handle value (read under the lock, used after: may go stale). */
static __u32 any_slot(struct worker *w)
{
	__u32 h;

	pthread_mutex_lock(&w->sh->lock);
	h = w->sh->slot[rand_r(&w->seed) % NR_SLOTS];
	pthread_mutex_unlock(&w->sh->lock);
	return h;
}

static void do_create(struct worker *w)
{
	struct shared *sh = w->sh;
	struct strata_gang_create c;
	int i, err;

	pthread_mutex_lock(&sh->lock);
	for (i = 0; i < NR_SLOTS && sh->slot[i]; i++)
		;
	if (i < NR_SLOTS) {
		c = gang_args(sh->table, 1 + rand_r(&w->seed) % 3, 1);
		c.gpus_per_member = 1 + rand_r(&w->seed) %
				    (GANG_NR_FAKE / c.nr_members);
		c.slice_ms = 5 + rand_r(&w->seed) % 30;
		c.priority = rand_r(&w->seed) % 3;
		c.on_member_exit = rand_r(&w->seed) % 2;
		err = gang_create_args(sh->dev, &c);
		ALLOWED(w, OP_CREATE, err);
		if (!err)
			sh->slot[i] = c.handle;
	}
	pthread_mutex_unlock(&sh->lock);
}

static void forget_mine(struct worker *w)
{
	__u32 h = w->mine;

	GANG_STORE(&w->mine, 0);
	if (h)
		strata_handle_close(w->sh->table, h);
	w->member = false;
}

static void do_join(struct worker *w)
{
	struct shared *sh = w->sh;
	__u32 h, d = 0;
	int err;

	if (w->member) {
		/* a member joining anything else is refused */
		h = any_slot(w);
		if (!h)
			return;
		err = gang_join(sh->dev, sh->table, h, NULL);
		ALLOWED(w, OP_JOIN, err, -EBUSY, -EALREADY, -EUSERS,
			-ECANCELED, -EBADF);
		if (!err)
			note(w, OP_JOIN, -EPROTO, false);
		return;
	}
	pthread_mutex_lock(&sh->lock);
	h = sh->slot[rand_r(&w->seed) % NR_SLOTS];
	if (h && strata_handle_duplicate(sh->table, h,
					 STRATA_RIGHT_SAME_RIGHTS, &d))
		d = 0;
	pthread_mutex_unlock(&sh->lock);
	if (!d)
		return;
	GANG_STORE(&w->mine, d);
	err = gang_join(sh->dev, sh->table, d, NULL);
	/* -EBUSY: still a member of a gang that ended under it */
	ALLOWED(w, OP_JOIN, err, -EUSERS, -ECANCELED, -EBUSY);
	if (err)
		forget_mine(w);
	else
		w->member = true;
}

static void do_step(struct worker *w)
{
	struct shared *sh = w->sh;
	struct strata_gang_step st = { 0 };
	__u32 flags = STRATA_GANG_STEP_NONBLOCK;
	int err, state;
	__u32 h;

	if (!w->member) {
		h = any_slot(w);
		if (!h)
			return;
		/* -ECANCELED: it was a member of that gang, which ended */
		err = gang_step(sh->dev, sh->table, h, 0, NULL);
		ALLOWED(w, OP_STEP, err, -ESRCH, -EBADF, -ECANCELED);
		if (!err)
			note(w, OP_STEP, -EPROTO, false);
		return;
	}
	/* block now and then, on a gang that can be admitted */
	state = gang_state(sh->dev, sh->table, w->mine);
	if ((state == STRATA_GANG_RUNNING || state == STRATA_GANG_QUEUED) &&
	    rand_r(&w->seed) % 4 == 0)
		flags = 0;
	err = gang_step(sh->dev, sh->table, w->mine, flags, &st);
	ALLOWED(w, OP_STEP, err, -EAGAIN, -ECANCELED, -EINTR);
	if (!err && (st.nr_gpus < 1 || st.slice < 1))
		note(w, OP_STEP, -EPROTO, false);
	if (err == -ECANCELED) {
		/* an ended gang: let go of it */
		err = gang_leave(sh->dev, sh->table, w->mine);
		ALLOWED(w, OP_LEAVE, err, -ESRCH, -ECANCELED);
		forget_mine(w);
	}
}

static void do_leave(struct worker *w)
{
	struct shared *sh = w->sh;
	int err;

	if (!w->member) {
		__u32 h = any_slot(w);

		if (!h)
			return;
		err = gang_leave(sh->dev, sh->table, h);
		ALLOWED(w, OP_LEAVE, err, -ESRCH, -EBADF, -ECANCELED);
		if (!err)
			note(w, OP_LEAVE, -EPROTO, false);
		return;
	}
	err = gang_leave(sh->dev, sh->table, w->mine);
	/* its gang may have been killed or aborted meanwhile */
	ALLOWED(w, OP_LEAVE, err, -ESRCH, -ECANCELED);
	forget_mine(w);
}

static void do_kill(struct worker *w)
{
	__u32 h = any_slot(w);
	int err;

	if (!h)
		return;
	err = gang_kill(w->sh->dev, w->sh->table, h);
	ALLOWED(w, OP_KILL, err, -EALREADY, -EBADF);
}

/* A listed gang by koid, with no handle: it may be ending meanwhile. */
static void do_kill_id(struct worker *w)
{
	struct strata_gang_info all[16];
	int n, err;

	n = gang_list(w->sh->dev, all, 16);
	if (n <= 0)
		return;
	n = n < 16 ? n : 16;
	err = gang_kill_id(w->sh->dev, all[rand_r(&w->seed) % n].koid);
	ALLOWED(w, OP_KILL_ID, err, -EALREADY, -ENOENT);
}

static void do_close(struct worker *w)
{
	struct shared *sh = w->sh;
	int i = rand_r(&w->seed) % NR_SLOTS, err;

	pthread_mutex_lock(&sh->lock);
	if (sh->slot[i]) {
		err = strata_handle_close(sh->table, sh->slot[i]);
		ALLOWED(w, OP_CLOSE, err);
		sh->slot[i] = 0;
	}
	pthread_mutex_unlock(&sh->lock);
}

static void do_info(struct worker *w)
{
	struct strata_gang_info info;
	__u32 h = any_slot(w);
	int err;

	if (!h)
		return;
	err = gang_info(w->sh->dev, w->sh->table, h, &info);
	ALLOWED(w, OP_INFO, err, -EBADF);
	if (!err && (info.state > STRATA_GANG_ABORTED ||
		     info.alive > info.joined ||
		     info.joined > info.nr_members ||
		     (info.state == STRATA_GANG_QUEUED && info.gpu_mask) ||
		     (info.state == STRATA_GANG_RUNNING &&
		      gang_popcount(info.gpu_mask) != (int)info.nr_gpus)))
		note(w, OP_INFO, -EPROTO, false);
}

static void do_set(struct worker *w)
{
	__u32 h = any_slot(w);
	int err;

	if (!h)
		return;
	err = gang_set(w->sh->dev, w->sh->table, h, STRATA_GANG_SET_MASK,
		       rand_r(&w->seed) % 3, 5 + rand_r(&w->seed) % 30);
	ALLOWED(w, OP_SET, err, -EBADF);
}

static void do_list(struct worker *w)
{
	struct strata_gang_gpu gpus[STRATA_GANG_MAX_GPUS];
	struct strata_gang_info all[16];
	struct strata_gang_status st;
	int n;

	n = gang_list(w->sh->dev, all, 16);
	ALLOWED(w, OP_LIST, n < 0 ? n : 0);
	n = gang_gpus(w->sh->dev, gpus, STRATA_GANG_MAX_GPUS);
	ALLOWED(w, OP_LIST, n < 0 ? n : 0);
	n = gang_status(w->sh->dev, &st);
	ALLOWED(w, OP_LIST, n);
	if (!n && st.free_gpus > st.nr_gpus)
		note(w, OP_LIST, -EPROTO, false);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	int err;

	while (!GANG_LOAD(&w->sh->stop)) {
		switch (rand_r(&w->seed) % NR_OPS) {
		case OP_CREATE: do_create(w); break;
		case OP_JOIN: do_join(w); break;
		case OP_STEP: do_step(w); break;
		case OP_LEAVE: do_leave(w); break;
		case OP_KILL: do_kill(w); break;
		case OP_KILL_ID: do_kill_id(w); break;
		case OP_CLOSE: do_close(w); break;
		case OP_INFO: do_info(w); break;
		case OP_SET: do_set(w); break;
		default: do_list(w); break;
		}
	}
	if (w->member) {
		err = gang_leave(w->sh->dev, w->sh->table, w->mine);
		ALLOWED(w, OP_LEAVE, err, -ESRCH, -ECANCELED);
	}
	forget_mine(w);
	GANG_STORE(&w->done, 1);
	return NULL;
}

FIXTURE(stress) {
	struct shared sh;
	struct worker w[NR_WORKERS];
};

FIXTURE_SETUP(stress)
{
	self->sh.dev = gang_open();
	ASSERT_LE(0, self->sh.dev);
	self->sh.table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->sh.table);
	pthread_mutex_init(&self->sh.lock, NULL);
	ASSERT_TRUE(GANG_WAIT_UNTIL(gang_idle(self->sh.dev), LIVE_MS));
	ASSERT_EQ(0, gang_param_push("sched_policy", "0"));
	/*
	 * A worker does many other things between its STEPs: a preempted
	 * gang waits for it to park rather than stop this process.
	 */
	ASSERT_EQ(0, gang_param_push("park_grace_ms", "60000"));
}

FIXTURE_TEARDOWN(stress)
{
	gang_params_restore();
	close(self->sh.table);
	close(self->sh.dev);
}

static bool all_done(struct worker *w)
{
	int i;

	for (i = 0; i < NR_WORKERS; i++)
		if (!GANG_LOAD(&w[i].done))
			return false;
	return true;
}

TEST_F_TIMEOUT(stress, random_calls_from_many_threads_leave_nothing_behind, 120)
{
	unsigned int seed = (unsigned int)(gang_now_ns() ^ getpid());
	struct shared *sh = &self->sh;
	int i, k, total[NR_OPS] = { 0 }, ok[NR_OPS] = { 0 };
	struct strata_gang_status st;
	long long deadline;
	__u32 h;

	TH_LOG("seed %u", seed);
	for (i = 0; i < NR_WORKERS; i++) {
		self->w[i].sh = sh;
		self->w[i].seed = seed + i;
		ASSERT_EQ(0, pthread_create(&self->w[i].thread, NULL, work,
					    &self->w[i]));
	}
	strata_sleep_ms(RUN_MS);
	GANG_STORE(&sh->stop, 1);

	/* wake whoever is blocked in STEP: end every gang there is */
	deadline = strata_now_ms() + 30000;
	while (!all_done(self->w) && strata_now_ms() < deadline) {
		for (i = 0; i < NR_SLOTS; i++) {
			pthread_mutex_lock(&sh->lock);
			h = sh->slot[i];
			pthread_mutex_unlock(&sh->lock);
			if (h)
				gang_kill(sh->dev, sh->table, h);
		}
		for (i = 0; i < NR_WORKERS; i++) {
			h = GANG_LOAD(&self->w[i].mine);
			if (h)
				gang_kill(sh->dev, sh->table, h);
		}
		strata_sleep_ms(10);
	}
	ASSERT_TRUE(all_done(self->w)) TH_LOG("workers stuck");
	for (i = 0; i < NR_WORKERS; i++) {
		struct worker *w = &self->w[i];

		pthread_join(w->thread, NULL);
		EXPECT_EQ(0, w->bad_err)
			TH_LOG("worker %d: %s gave %d", i, op_name[w->bad_op],
			       w->bad_err);
		for (k = 0; k < NR_OPS; k++) {
			total[k] += w->calls[k];
			ok[k] += w->ok[k];
		}
	}
	for (k = 0; k < NR_OPS; k++)
		TH_LOG("%-6s %6d calls, %6d succeeded", op_name[k], total[k],
		       ok[k]);
	/* it did get somewhere: gangs were made, joined and stepped */
	EXPECT_LT(0, ok[OP_CREATE]);
	EXPECT_LT(0, ok[OP_JOIN]);
	EXPECT_LT(0, ok[OP_STEP]);

	for (i = 0; i < NR_SLOTS; i++)
		gang_close_quiet(sh->table, &sh->slot[i]);
	EXPECT_EQ(0, gang_nr_handles(sh->table));
	EXPECT_TRUE(GANG_WAIT_UNTIL(gang_idle(sh->dev), LIVE_MS));
	ASSERT_EQ(0, gang_status(sh->dev, &st));
	EXPECT_EQ(GANG_NR_FAKE, st.free_gpus);
	EXPECT_EQ(0, st.gangs);
	EXPECT_EQ(0, st.running);
	EXPECT_EQ(0, st.queued);
	EXPECT_EQ(st.nr_cpus, st.free_cpus);
}

TEST_HARNESS_MAIN

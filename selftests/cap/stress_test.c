// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - randomised and multi-process stress
 *
 * A model test of rights against a user-space map, random work in several
 * processes linked by channels, and processes killed with handles in
 * flight.  Every random test prints its seed; the runs are bounded by
 * iterations (calibrated for a TCG guest at about 20 us per ioctl), never
 * by wall-clock time.
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "common.h"

#define SETTLE_MS	5000

FIXTURE(stress) {
	int fd;
	long handles0, objects0, tables0;
};

FIXTURE_SETUP(stress)
{
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->handles0 = cap_stat("handles");
	self->objects0 = cap_stat("objects");
	self->tables0 = cap_stat("tables");
	ASSERT_LE(0, self->handles0);
	ASSERT_LE(0, self->objects0);
	ASSERT_LE(1, self->tables0);
}

FIXTURE_TEARDOWN(stress)
{
	close(self->fd);
}

static unsigned int pick_seed(void)
{
	const char *env = getenv("STRATA_STRESS_SEED");
	struct timespec ts;

	if (env)
		return (unsigned int)strtoul(env, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned int)(ts.tv_nsec ^ ts.tv_sec ^ getpid());
}

static void expect_baseline(struct __test_metadata *_metadata,
			    FIXTURE_DATA(stress) *self)
{
	EXPECT_EQ(self->tables0, cap_stat_settle("tables", self->tables0,
						 SETTLE_MS));
	EXPECT_EQ(self->objects0, cap_stat_settle("objects", self->objects0,
						  SETTLE_MS));
	EXPECT_EQ(self->handles0, cap_stat_settle("handles", self->handles0,
						  SETTLE_MS));
}

/* ---- (a) a model of rights --------------------------------------------- */

#define MODEL_STEPS	3000
#define MODEL_MAX	24

struct mh {
	__u32 value;
	__u32 type;
	__u32 rights;
	__u64 koid;
	/* The rights of the handle it was derived from, when it was. */
	__u32 parent_rights;
};

struct model {
	int fd;
	unsigned int seed;
	struct mh h[MODEL_MAX];
	int n;
	__u32 c0, c1;	/* the channel transfers go through */
};

static unsigned int rnd(struct model *m, unsigned int n)
{
	return (unsigned int)rand_r(&m->seed) % n;
}

static __u32 default_rights(__u32 type)
{
	switch (type) {
	case STRATA_OBJ_EVENT:
		return STRATA_DEFAULT_EVENT_RIGHTS;
	case STRATA_OBJ_EVENTPAIR:
		return STRATA_DEFAULT_EVENTPAIR_RIGHTS;
	default:
		return STRATA_DEFAULT_CHANNEL_RIGHTS;
	}
}

/*
 * A rights argument for deriving from @rights: SAME_RIGHTS, a random
 * subset (possibly empty) or not a subset; *@super is 0 for a subset, 1
 * for one with a right @rights lacks, 2 for one with a bit that is no
 * right at all.
 */
static __u32 pick_rights(struct model *m, __u32 rights, int *super)
{
	__u32 missing = STRATA_RIGHTS_ALL & ~rights, bit;
	unsigned int i;

	*super = 0;
	switch (rnd(m, 4)) {
	case 0:
		return STRATA_RIGHT_SAME_RIGHTS;
	case 1:
		*super = 1;
		if (!missing || rnd(m, 4) == 0) {
			*super = 2;
			return rights | (1U << 20);
		}
		for (i = rnd(m, 32);; i = (i + 1) % 32) {
			bit = 1U << i;
			if (missing & bit)
				return (rights & rand_r(&m->seed)) | bit;
		}
	default:
		return rights & (__u32)rand_r(&m->seed);
	}
}

static void model_add(struct model *m, __u32 value, __u32 type, __u32 rights,
		      __u64 koid, __u32 parent_rights)
{
	m->h[m->n++] = (struct mh){
		.value = value, .type = type, .rights = rights, .koid = koid,
		.parent_rights = parent_rights,
	};
}

static void model_del(struct model *m, int i)
{
	m->h[i] = m->h[--m->n];
}

/* Index of a random handle other than the transfer channel's. */
static int model_pick(struct model *m)
{
	int i;

	do
		i = rnd(m, m->n);
	while (m->h[i].value == m->c0 || m->h[i].value == m->c1);
	return i;
}

/* Every live handle is as the model says, and nothing else is live. */
static void model_check(struct __test_metadata *_metadata, struct model *m,
			int step)
{
	struct strata_cap_handle_info info;
	int i;

	ASSERT_EQ(m->n, cap_nr_handles(m->fd))
		TH_LOG("step %d", step);
	for (i = 0; i < m->n; i++) {
		ASSERT_EQ(0, strata_handle_info(m->fd, m->h[i].value, &info))
			TH_LOG("step %d: handle %#x", step, m->h[i].value);
		ASSERT_EQ(m->h[i].type, info.type)
			TH_LOG("step %d: handle %#x", step, m->h[i].value);
		ASSERT_EQ(m->h[i].rights, info.rights)
			TH_LOG("step %d: handle %#x", step, m->h[i].value);
		ASSERT_EQ(m->h[i].koid, info.koid)
			TH_LOG("step %d: handle %#x", step, m->h[i].value);
		/* Never a right the handle it came from lacked. */
		ASSERT_EQ(0, info.rights & ~m->h[i].parent_rights)
			TH_LOG("step %d: handle %#x", step, m->h[i].value);
	}
}

static void model_create(struct __test_metadata *_metadata, struct model *m)
{
	struct strata_cap_handle_info info;
	__u32 type, v[2];
	int i, nr;

	switch (rnd(m, 3)) {
	case 0:
		type = STRATA_OBJ_EVENT;
		ASSERT_EQ(0, strata_event_create(m->fd, &v[0]));
		nr = 1;
		break;
	case 1:
		type = STRATA_OBJ_EVENTPAIR;
		ASSERT_EQ(0, strata_eventpair_create(m->fd, &v[0], &v[1]));
		nr = 2;
		break;
	default:
		type = STRATA_OBJ_CHANNEL;
		ASSERT_EQ(0, strata_channel_create(m->fd, &v[0], &v[1]));
		nr = 2;
		break;
	}
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, strata_handle_info(m->fd, v[i], &info));
		ASSERT_EQ(type, info.type);
		ASSERT_EQ(default_rights(type), info.rights);
		model_add(m, v[i], type, info.rights, info.koid, info.rights);
	}
}

/* A value that was moved or closed names nothing any more. */
static void expect_stale(struct __test_metadata *_metadata, int fd, __u32 v,
			 int step, const char *op)
{
	struct strata_cap_handle_info info;

	ASSERT_EQ(-EBADF, strata_handle_info(fd, v, &info))
		TH_LOG("step %d: %s: old value %#x", step, op, v);
}

static void model_step(struct __test_metadata *_metadata, struct model *m,
		       int step)
{
	struct strata_cap_handle_info info;
	__u32 r, out, v, vals[3], got[3], nh;
	int i, super, ret, fd, k, nr, idx[3];
	struct mh *h;
	char byte;

	if (m->n < 5 || (m->n + 2 <= MODEL_MAX && rnd(m, 10) == 0)) {
		model_create(_metadata, m);
		return;
	}
	i = model_pick(m);
	h = &m->h[i];
	switch (rnd(m, 6)) {
	case 0:	/* duplicate */
		if (m->n == MODEL_MAX)
			return;
		r = pick_rights(m, h->rights, &super);
		ret = strata_handle_duplicate(m->fd, h->value, r, &out);
		if (!(h->rights & STRATA_RIGHT_DUPLICATE)) {
			/* Both faults: either answer is fair. */
			if (super && ret == -EINVAL)
				return;
			ASSERT_EQ(-EACCES, ret) TH_LOG("step %d", step);
		} else if (super) {
			ASSERT_EQ(-EINVAL, ret) TH_LOG("step %d", step);
		} else {
			ASSERT_EQ(0, ret) TH_LOG("step %d", step);
			model_add(m, out, h->type,
				  r == STRATA_RIGHT_SAME_RIGHTS ? h->rights : r,
				  h->koid, h->rights);
		}
		break;
	case 1:	/* replace: the source goes whatever the outcome */
		r = pick_rights(m, h->rights, &super);
		v = h->value;
		ret = strata_handle_replace(m->fd, v, r, &out);
		if (super) {
			ASSERT_EQ(-EINVAL, ret) TH_LOG("step %d", step);
			/*
			 * A right the source lacks: consumed, as the uapi
			 * says.  A bit that is no right: the call may also
			 * count as malformed, which changes nothing.
			 */
			if (super == 2 && !strata_handle_info(m->fd, v, &info))
				return;
			model_del(m, i);
		} else {
			ASSERT_EQ(0, ret) TH_LOG("step %d", step);
			h->value = out;
			h->parent_rights = h->rights;
			if (r != STRATA_RIGHT_SAME_RIGHTS)
				h->rights = r;
		}
		expect_stale(_metadata, m->fd, v, step, "replace");
		break;
	case 2:	/* transfer 1-3 handles to the peer and read them back */
		nr = 1 + rnd(m, 3);
		if (nr > m->n - 2)
			nr = m->n - 2;
		for (k = 0; k < nr; k++) {
			int j, dup;

			do {
				idx[k] = model_pick(m);
				for (dup = 0, j = 0; j < k; j++)
					dup |= idx[j] == idx[k];
			} while (dup);
			vals[k] = m->h[idx[k]].value;
		}
		ret = strata_channel_write(m->fd, m->c0, "t", 1, vals, nr);
		for (super = 0, k = 0; k < nr; k++)
			super |= !(m->h[idx[k]].rights &
				   STRATA_RIGHT_TRANSFER);
		if (super) {
			/* All or nothing: the sender keeps every handle. */
			ASSERT_EQ(-EACCES, ret) TH_LOG("step %d", step);
			break;
		}
		ASSERT_EQ(0, ret) TH_LOG("step %d", step);
		ASSERT_EQ(0, strata_channel_read(m->fd, m->c1, &byte, 1, got,
						 3, NULL, &nh))
			TH_LOG("step %d", step);
		ASSERT_EQ(nr, nh) TH_LOG("step %d", step);
		for (k = 0; k < nr; k++) {
			ASSERT_NE(STRATA_HANDLE_INVALID, got[k]);
			m->h[idx[k]].value = got[k];
			expect_stale(_metadata, m->fd, vals[k], step,
				     "transfer");
		}
		break;
	case 3:	/* export, then import */
		r = pick_rights(m, h->rights, &super);
		v = h->value;
		fd = strata_handle_export(m->fd, v, r, O_CLOEXEC);
		if (!(h->rights & STRATA_RIGHT_TRANSFER)) {
			if (super && fd == -EINVAL)
				return;
			ASSERT_EQ(-EACCES, fd) TH_LOG("step %d", step);
			return;
		}
		if (super) {
			ASSERT_EQ(-EINVAL, fd) TH_LOG("step %d", step);
			return;
		}
		ASSERT_LE(0, fd) TH_LOG("step %d", step);
		expect_stale(_metadata, m->fd, v, step, "export");
		ASSERT_EQ(0, strata_handle_import(m->fd, fd, &out))
			TH_LOG("step %d", step);
		close(fd);
		h->value = out;
		if (r != STRATA_RIGHT_SAME_RIGHTS)
			h->rights = r;
		break;
	case 4:	/* the rights are enforced, not just reported */
		if (h->type == STRATA_OBJ_CHANNEL)
			ret = strata_object_signal(m->fd, h->value,
						   STRATA_SIGNAL_USER_0, 0);
		else
			ret = strata_object_signal(m->fd, h->value,
						   STRATA_SIGNAL_SIGNALED, 0);
		ASSERT_EQ(h->rights & STRATA_RIGHT_SIGNAL ? 0 : -EACCES, ret)
			TH_LOG("step %d", step);
		ret = strata_object_wait_one(m->fd, h->value,
					     STRATA_SIGNAL_USER_0, 0, NULL);
		ASSERT_EQ(h->rights & STRATA_RIGHT_WAIT ? -ETIMEDOUT : -EACCES,
			  ret) TH_LOG("step %d", step);
		break;
	default: /* close */
		v = h->value;
		ASSERT_EQ(0, strata_handle_close(m->fd, v))
			TH_LOG("step %d", step);
		model_del(m, i);
		expect_stale(_metadata, m->fd, v, step, "close");
		break;
	}
}

TEST_F_TIMEOUT(stress, rights_follow_the_model_through_random_derivations,
	       240)
{
	struct model m = { .fd = self->fd, .seed = pick_seed() };
	struct strata_cap_handle_info info;
	int step;

	TH_LOG("seed %u (STRATA_STRESS_SEED=%u reproduces it)", m.seed,
	       m.seed);
	ASSERT_EQ(0, strata_channel_create(self->fd, &m.c0, &m.c1));
	ASSERT_EQ(0, strata_handle_info(self->fd, m.c0, &info));
	model_add(&m, m.c0, info.type, info.rights, info.koid, info.rights);
	ASSERT_EQ(0, strata_handle_info(self->fd, m.c1, &info));
	model_add(&m, m.c1, info.type, info.rights, info.koid, info.rights);
	for (step = 0; step < MODEL_STEPS; step++) {
		model_step(_metadata, &m, step);
		model_check(_metadata, &m, step);
	}
	close(self->fd);
	self->fd = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	expect_baseline(_metadata, self);
}

/* ---- (b) and (c): random work in several processes --------------------- */

#define W_POOL		24
#define W_ITERS		5000
#define W_PROCS		6

struct wh {
	__u32 v;
	__u32 type;
};

struct worker {
	int id;
	int t;
	unsigned int seed;
	struct wh pool[W_POOL];
	int n;
	/* Channel ends: [0]'s peer is in the next process, [1]'s in the last */
	__u32 ring[2];
	__u32 l0, l1;	/* a channel of our own */
	__u64 key;
	int iter, op;
};

static unsigned int wrnd(struct worker *w, unsigned int n)
{
	return (unsigned int)rand_r(&w->seed) % n;
}

/* Report an unexpected result and end the process. */
static void __attribute__((noreturn)) wfail(struct worker *w,
					    const char *what, int ret)
{
	fprintf(stderr, "# worker %d, iteration %d, op %d: %s returned %d\n",
		w->id, w->iter, w->op, what, ret);
	_exit(10 + w->op);
}

static int one_of(int ret, const int *ok, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		if (ret == ok[i])
			return 1;
	return 0;
}

#define WCHECK(w, what, ret, ...)					\
	do {								\
		static const int _ok[] = { __VA_ARGS__ };		\
		int _r = (ret);						\
									\
		if (!one_of(_r, _ok, ARRAY_SIZE(_ok)))			\
			wfail(w, what, _r);				\
	} while (0)

static void wadd(struct worker *w, __u32 v, __u32 type)
{
	if (w->n == W_POOL) {
		WCHECK(w, "close (pool full)", strata_handle_close(w->t, v), 0);
		return;
	}
	w->pool[w->n].v = v;
	w->pool[w->n].type = type;
	w->n++;
}

static void wdel(struct worker *w, int i)
{
	w->pool[i] = w->pool[--w->n];
}

static __u32 wtype(struct worker *w, __u32 v)
{
	struct strata_cap_handle_info info;

	WCHECK(w, "info", strata_handle_info(w->t, v, &info), 0);
	return info.type;
}

/* Pick up to @max distinct pool entries; returns how many. */
static int wpick(struct worker *w, int *idx, int max)
{
	int k, j, nr = wrnd(w, max + 1), dup;

	if (nr > w->n)
		nr = w->n;
	for (k = 0; k < nr; k++) {
		do {
			idx[k] = wrnd(w, w->n);
			for (dup = 0, j = 0; j < k; j++)
				dup |= idx[j] == idx[k];
		} while (dup);
	}
	return nr;
}

/* Remove the entries @idx[0..nr) from the pool (they moved away). */
static void wdel_many(struct worker *w, int *idx, int nr)
{
	__u32 gone[3];
	int k, i;

	for (k = 0; k < nr; k++)
		gone[k] = w->pool[idx[k]].v;
	for (k = 0; k < nr; k++)
		for (i = 0; i < w->n; i++)
			if (w->pool[i].v == gone[k]) {
				wdel(w, i);
				break;
			}
}

static void wread(struct worker *w, __u32 ep)
{
	__u32 got[4], nh = 0;
	char buf[512];
	int ret, k;

	ret = strata_channel_read(w->t, ep, buf, sizeof(buf), got, 4, NULL,
				  &nh);
	WCHECK(w, "read", ret, 0, -EAGAIN, -EPIPE, -EDQUOT);
	if (ret)
		return;
	for (k = 0; k < (int)nh; k++)
		if (got[k] != STRATA_HANDLE_INVALID)
			wadd(w, got[k], wtype(w, got[k]));
}

static void wstep(struct worker *w)
{
	struct strata_cap_packet pkt[16];
	__u32 v = 0, out, vals[3], got[3], nh, type = 0;
	char buf[256];
	int i, k, nr, idx[3], ret, fd;

	memset(buf, w->id, sizeof(buf));
	w->op = wrnd(w, 16);
	i = w->n ? (int)wrnd(w, w->n) : -1;
	if (i < 0 && w->op >= 3)
		w->op = wrnd(w, 3);
	if (i >= 0) {
		v = w->pool[i].v;
		type = w->pool[i].type;
	}
	switch (w->op) {
	case 0:
		ret = strata_event_create(w->t, &out);
		WCHECK(w, "event_create", ret, 0, -EDQUOT);
		if (!ret)
			wadd(w, out, STRATA_OBJ_EVENT);
		break;
	case 1:
		ret = strata_eventpair_create(w->t, &out, &vals[0]);
		WCHECK(w, "eventpair_create", ret, 0, -EDQUOT);
		if (!ret) {
			wadd(w, out, STRATA_OBJ_EVENTPAIR);
			wadd(w, vals[0], STRATA_OBJ_EVENTPAIR);
		}
		break;
	case 2:
		ret = strata_channel_create(w->t, &out, &vals[0]);
		WCHECK(w, "channel_create", ret, 0, -EDQUOT);
		if (!ret) {
			wadd(w, out, STRATA_OBJ_CHANNEL);
			wadd(w, vals[0], STRATA_OBJ_CHANNEL);
		}
		break;
	case 3:
		ret = strata_handle_duplicate(w->t, v, wrnd(w, 4) ?
					      STRATA_RIGHT_SAME_RIGHTS :
					      STRATA_RIGHT_DUPLICATE |
					      STRATA_RIGHT_TRANSFER |
					      STRATA_RIGHT_WAIT, &out);
		WCHECK(w, "duplicate", ret, 0, -EACCES, -EINVAL, -EDQUOT,
		       -EKEYREVOKED);
		if (!ret)
			wadd(w, out, type);
		break;
	case 4:
	case 5:
		WCHECK(w, "close", strata_handle_close(w->t, v), 0);
		wdel(w, i);
		break;
	case 6:
		nr = wpick(w, idx, 2);
		for (k = 0; k < nr; k++)
			vals[k] = w->pool[idx[k]].v;
		ret = strata_channel_write(w->t, w->ring[wrnd(w, 2)], buf,
					   wrnd(w, sizeof(buf) + 1), vals, nr);
		WCHECK(w, "ring write", ret, 0, -EACCES, -ENOSPC, -EPIPE,
		       -EDQUOT, -EKEYREVOKED);
		if (!ret)
			wdel_many(w, idx, nr);
		break;
	case 7:
		wread(w, w->ring[wrnd(w, 2)]);
		break;
	case 8:
		nr = wpick(w, idx, 2);
		for (k = 0; k < nr; k++)
			vals[k] = w->pool[idx[k]].v;
		ret = strata_channel_write(w->t, w->l0, buf, 16, vals, nr);
		WCHECK(w, "local write", ret, 0, -EACCES, -EDQUOT,
		       -EKEYREVOKED);
		if (ret)
			break;
		wdel_many(w, idx, nr);
		nh = 0;
		WCHECK(w, "local read", strata_channel_read(w->t, w->l1, buf,
				sizeof(buf), got, 3, NULL, &nh), 0);
		if ((int)nh != nr)
			wfail(w, "local read count", nh);
		for (k = 0; k < nr; k++) {
			if (got[k] == STRATA_HANDLE_INVALID)
				wfail(w, "local read value", 0);
			wadd(w, got[k], wtype(w, got[k]));
		}
		break;
	case 9:
		ret = strata_object_signal(w->t, v, 0,
					   type == STRATA_OBJ_CHANNEL ?
					   STRATA_SIGNAL_USER_0 :
					   STRATA_SIGNAL_SIGNALED);
		WCHECK(w, "signal", ret, 0, -EACCES, -EKEYREVOKED);
		break;
	case 10:
		ret = strata_object_signal_peer(w->t, v, 0,
						STRATA_SIGNAL_USER_0);
		if (type == STRATA_OBJ_EVENT)
			WCHECK(w, "signal_peer (event)", ret, -EOPNOTSUPP,
			       -EACCES, -EKEYREVOKED);
		else
			WCHECK(w, "signal_peer", ret, 0, -EPIPE, -EACCES,
			       -EKEYREVOKED);
		break;
	case 11:
		ret = strata_object_wait_one(w->t, v, STRATA_SIGNAL_SIGNALED |
					     STRATA_SIGNAL_USER_0 |
					     STRATA_SIGNAL_PEER_CLOSED, 0,
					     NULL);
		WCHECK(w, "wait", ret, 0, -ETIMEDOUT, -EACCES, -EKEYREVOKED);
		break;
	case 12:
		fd = strata_handle_export(w->t, v, STRATA_RIGHT_SAME_RIGHTS,
					  O_CLOEXEC);
		WCHECK(w, "export", fd < 0 ? fd : 0, 0, -EACCES,
		       -EKEYREVOKED);
		if (fd < 0)
			break;
		wdel(w, i);
		ret = strata_handle_import(w->t, fd, &out);
		WCHECK(w, "import", ret, 0, -EDQUOT);
		close(fd);
		if (!ret)
			wadd(w, out, type);
		break;
	case 13:
		ret = strata_object_wait_async(w->t, v,
					       STRATA_SIGNAL_SIGNALED |
					       STRATA_SIGNAL_USER_0 |
					       STRATA_SIGNAL_READABLE,
					       ++w->key);
		WCHECK(w, "wait_async", ret, 0, -EACCES, -EKEYREVOKED);
		break;
	case 14:
		ret = strata_port_wait(w->t, pkt, 16, 0);
		if (ret == -ETIMEDOUT)
			break;
		if (ret < 1 || ret > 16)
			wfail(w, "port_wait", ret);
		for (k = 0; k < ret; k++) {
			if (pkt[k].type != STRATA_CAP_PKT_SIGNAL)
				wfail(w, "packet type", pkt[k].type);
			WCHECK(w, "packet status", pkt[k].status, 0,
			       -ECANCELED, -EKEYREVOKED);
		}
		break;
	default:
		if (wrnd(w, 2)) {
			ret = strata_handle_revoke(w->t, v);
			WCHECK(w, "revoke", ret < 0 ? ret : 0, 0, -EACCES,
			       -EKEYREVOKED);
			break;
		}
		ret = strata_handle_replace(w->t, v, STRATA_RIGHT_SAME_RIGHTS,
					    &out);
		WCHECK(w, "replace", ret, 0, -EKEYREVOKED, -EDQUOT);
		if (ret) {
			/* Whether a refused replace consumed it is open. */
			WCHECK(w, "close after replace",
			       strata_handle_close(w->t, v), 0, -EBADF);
		}
		wdel(w, i);
		if (!ret)
			wadd(w, out, type);
		break;
	}
}

/*
 * One process of the ring: its own table, a channel to each neighbour
 * (one end made here and sent over @sock_out as an exported fd, the other
 * imported from @sock_in), random work for @iters iterations, a byte on
 * @progress every 100 iterations if @progress >= 0.
 */
static void __attribute__((noreturn)) worker_main(int id, unsigned int seed,
						  int iters, int sock_out,
						  int sock_in, int progress)
{
	struct worker w = { .id = id, .seed = seed, .op = -1 };
	__u32 peer_end;
	int fd, i;

	w.t = strata_cap_open(O_CLOEXEC);
	if (w.t < 0)
		wfail(&w, "open", w.t);
	WCHECK(&w, "channel_create",
	       strata_channel_create(w.t, &w.ring[0], &peer_end), 0);
	fd = strata_handle_export(w.t, peer_end, STRATA_RIGHT_SAME_RIGHTS,
				  O_CLOEXEC);
	if (fd < 0)
		wfail(&w, "export ring", fd);
	WCHECK(&w, "send fd", cap_send_fd(sock_out, fd), 0);
	close(fd);
	fd = cap_recv_fd(sock_in);
	if (fd < 0)
		wfail(&w, "recv fd", fd);
	WCHECK(&w, "import ring", strata_handle_import(w.t, fd, &w.ring[1]),
	       0);
	close(fd);
	WCHECK(&w, "channel_create", strata_channel_create(w.t, &w.l0, &w.l1),
	       0);

	for (w.iter = 0; w.iter < iters; w.iter++) {
		wstep(&w);
		if (progress >= 0 && w.iter % 100 == 99 &&
		    write(progress, &(char){ (char)id }, 1) != 1)
			wfail(&w, "progress", -errno);
	}

	w.op = -1;
	for (i = 0; i < w.n; i++)
		WCHECK(&w, "final close", strata_handle_close(w.t,
							    w.pool[i].v), 0);
	WCHECK(&w, "final close", strata_handle_close(w.t, w.ring[0]), 0);
	WCHECK(&w, "final close", strata_handle_close(w.t, w.ring[1]), 0);
	WCHECK(&w, "final close", strata_handle_close(w.t, w.l0), 0);
	WCHECK(&w, "final close", strata_handle_close(w.t, w.l1), 0);
	if (cap_nr_handles(w.t) != 0)
		wfail(&w, "handles left", cap_nr_handles(w.t));
	close(w.t);
	_exit(0);
}

/* Start @nr ring workers; @pids gets their pids. */
static int start_ring(pid_t *pids, int nr, unsigned int seed, int iters,
		      int progress)
{
	int sv[W_PROCS][2], i, j;

	for (i = 0; i < nr; i++)
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv[i]))
			return -errno;
	for (i = 0; i < nr; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return -errno;
		if (pids[i] == 0) {
			/* Out on our pair, in on the previous one's. */
			for (j = 0; j < nr; j++) {
				if (j != i)
					close(sv[j][0]);
				if (j != (i + nr - 1) % nr)
					close(sv[j][1]);
			}
			worker_main(i, seed + i, iters, sv[i][0],
				    sv[(i + nr - 1) % nr][1], progress);
		}
	}
	for (i = 0; i < nr; i++) {
		close(sv[i][0]);
		close(sv[i][1]);
	}
	return 0;
}

TEST_F_TIMEOUT(stress, processes_doing_random_work_leave_nothing_behind,
	       240)
{
	unsigned int seed = pick_seed();
	pid_t pids[W_PROCS];
	int i, status;

	TH_LOG("seed %u, %d processes x %d iterations", seed, W_PROCS,
	       W_ITERS);
	ASSERT_EQ(0, start_ring(pids, W_PROCS, seed, W_ITERS, -1));
	for (i = 0; i < W_PROCS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status)) TH_LOG("worker %d", i);
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("worker %d", i);
	}
	expect_baseline(_metadata, self);
}

TEST_F_TIMEOUT(stress, processes_killed_during_random_work_leak_nothing, 240)
{
	unsigned int seed = pick_seed();
	int i, p[2], status, done[W_PROCS] = {}, nr_done = 0;
	pid_t pids[W_PROCS];
	char buf[64];
	ssize_t n;

	TH_LOG("seed %u", seed);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	/* Effectively unbounded: the kill ends them. */
	ASSERT_EQ(0, start_ring(pids, W_PROCS, seed, 1000000, p[1]));
	close(p[1]);
	/* Wait until each has done a few hundred iterations. */
	while (nr_done < W_PROCS) {
		n = read(p[0], buf, sizeof(buf));
		ASSERT_LT(0, n);
		for (i = 0; i < n; i++) {
			ASSERT_LT(buf[i], W_PROCS);
			if (++done[(int)buf[i]] == 3)
				nr_done++;
		}
	}
	for (i = 0; i < W_PROCS; i++) {
		ASSERT_EQ(0, kill(pids[i], SIGKILL));
	}
	for (i = 0; i < W_PROCS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		/* Killed, not failed before the kill. */
		EXPECT_TRUE(WIFSIGNALED(status)) TH_LOG("worker %d: status %#x",
							i, status);
	}
	close(p[0]);
	expect_baseline(_metadata, self);
}

/* ---- (c) handles in flight across a SIGKILL ---------------------------- */

#define KILL_CHILDREN	3
#define KILL_MSGS	8

struct blocker {
	int t;
	__u32 a, b;
	int port;
};

static void *block_wait_many(void *arg)
{
	struct blocker *bl = arg;
	struct strata_cap_wait_item items[2] = {
		{ .handle = bl->a, .signals = STRATA_SIGNAL_SIGNALED },
		{ .handle = bl->b, .signals = STRATA_SIGNAL_USER_0 },
	};

	strata_object_wait_many(bl->t, items, 2, STRATA_TIME_INFINITE);
	return NULL;
}

static void *block_port_wait(void *arg)
{
	struct blocker *bl = arg;
	struct strata_cap_packet pkt;

	/* Drain what is there, then block for more. */
	for (;;)
		strata_port_wait(bl->t, &pkt, 1, STRATA_TIME_INFINITE);
	return NULL;
}

/*
 * The victim: imports its ends of the parent's channel and eventpair,
 * then fills every place a handle can be in flight and blocks.
 */
static void __attribute__((noreturn)) victim_main(int chan_fd, int pair_fd,
						  int ready)
{
	struct blocker bl1, bl2;
	__u32 ch, ep, e[4], x0, x1, y0, y1, d, pair[2], sent[3];
	pthread_t t1, t2;
	int t, i;

	t = strata_cap_open(O_CLOEXEC);
	if (t < 0)
		_exit(20);
	if (strata_handle_import(t, chan_fd, &ch) ||
	    strata_handle_import(t, pair_fd, &ep))
		_exit(21);
	close(chan_fd);
	close(pair_fd);
	for (i = 0; i < 4; i++)
		if (strata_event_create(t, &e[i]))
			_exit(22);
	if (strata_channel_create(t, &x0, &x1) ||
	    strata_channel_create(t, &y0, &y1))
		_exit(23);

	/* Messages with handles queued towards the parent... */
	for (i = 0; i < KILL_MSGS; i++) {
		if (strata_handle_duplicate(t, e[i % 4],
					    STRATA_RIGHT_SAME_RIGHTS, &d))
			_exit(24);
		if (strata_eventpair_create(t, &pair[0], &pair[1]))
			_exit(25);
		sent[0] = d;
		sent[1] = pair[0];
		sent[2] = pair[1];
		if (strata_channel_write(t, ch, "to parent", 9, sent, 3))
			_exit(26);
	}
	/* ... one carrying a channel end whose peer stays here ... */
	if (strata_channel_write(t, ch, "x1", 2, &x1, 1))
		_exit(27);
	/* ... and messages with handles queued to ourselves. */
	for (i = 0; i < KILL_MSGS; i++) {
		if (strata_handle_duplicate(t, e[i % 4],
					    STRATA_RIGHT_SAME_RIGHTS, &d))
			_exit(28);
		if (strata_channel_write(t, y0, "to self", 7, &d, 1))
			_exit(29);
	}
	/* Pending async waits, one already fired and queued. */
	if (strata_object_wait_async(t, e[0], STRATA_SIGNAL_SIGNALED, 1) ||
	    strata_object_wait_async(t, ch, STRATA_SIGNAL_PEER_CLOSED, 2) ||
	    strata_object_wait_async(t, y1, STRATA_SIGNAL_READABLE, 3) ||
	    strata_object_wait_async(t, x0, STRATA_SIGNAL_USER_0, 4))
		_exit(30);
	/* Blocked waits, in two threads and the main one. */
	bl1 = (struct blocker){ .t = t, .a = e[1], .b = ep };
	bl2 = (struct blocker){ .t = t };
	if (pthread_create(&t1, NULL, block_wait_many, &bl1) ||
	    pthread_create(&t2, NULL, block_port_wait, &bl2))
		_exit(31);
	if (write(ready, "r", 1) != 1)
		_exit(32);
	strata_object_wait_one(t, e[2], STRATA_SIGNAL_SIGNALED,
			       STRATA_TIME_INFINITE, NULL);
	_exit(33);
}

/* @nr_threads threads of @pid all sleep (bounded wait); 1 if so. */
static int all_threads_sleep(pid_t pid, int nr_threads)
{
	struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
	char path[64], buf[256], *p;
	int tries, sleeping, threads, in;
	struct dirent *de;
	ssize_t n;
	DIR *dir;

	for (tries = 0; tries < 300; tries++) {
		sleeping = 0;
		threads = 0;
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		dir = opendir(path);
		if (!dir)
			return 0;
		while ((de = readdir(dir))) {
			if (de->d_name[0] == '.')
				continue;
			threads++;
			snprintf(path, sizeof(path), "/proc/%d/task/%d/stat",
				 pid, atoi(de->d_name));
			in = open(path, O_RDONLY | O_CLOEXEC);
			if (in < 0)
				continue;
			n = read(in, buf, sizeof(buf) - 1);
			close(in);
			if (n <= 0)
				continue;
			buf[n] = '\0';
			p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] == 'S')
				sleeping++;
		}
		closedir(dir);
		if (threads == nr_threads && sleeping == nr_threads)
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

TEST_F_TIMEOUT(stress, killed_processes_release_handles_in_flight, 120)
{
	__u32 pc[KILL_CHILDREN][2], pe[KILL_CHILDREN][2], d, got[3], nh;
	int ready[2], status, i, k, chan_fd, pair_fd, msgs;
	struct strata_cap_handle_info info;
	pid_t pids[KILL_CHILDREN];
	char buf[64], c;
	__u32 e;

	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, strata_event_create(self->fd, &e));
	for (i = 0; i < KILL_CHILDREN; i++) {
		ASSERT_EQ(0, strata_channel_create(self->fd, &pc[i][0],
						   &pc[i][1]));
		ASSERT_EQ(0, strata_eventpair_create(self->fd, &pe[i][0],
						     &pe[i][1]));
		/* Without O_CLOEXEC: the child inherits both files. */
		chan_fd = strata_handle_export(self->fd, pc[i][1],
					       STRATA_RIGHT_SAME_RIGHTS, 0);
		ASSERT_LE(0, chan_fd);
		pair_fd = strata_handle_export(self->fd, pe[i][1],
					       STRATA_RIGHT_SAME_RIGHTS, 0);
		ASSERT_LE(0, pair_fd);
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			victim_main(chan_fd, pair_fd, ready[1]);
		close(chan_fd);
		close(pair_fd);
		/* Handles of ours queued towards the victim, never read. */
		for (k = 0; k < KILL_MSGS; k++) {
			ASSERT_EQ(0, strata_handle_duplicate(self->fd, e,
					STRATA_RIGHT_SAME_RIGHTS, &d));
			ASSERT_EQ(0, strata_channel_write(self->fd, pc[i][0],
							  "to child", 8, &d,
							  1));
		}
	}
	for (i = 0; i < KILL_CHILDREN; i++) {
		ASSERT_EQ(1, read(ready[0], &c, 1));
	}
	for (i = 0; i < KILL_CHILDREN; i++) {
		/* Three threads, all blocked in strata waits. */
		EXPECT_TRUE(all_threads_sleep(pids[i], 3))
			TH_LOG("victim %d never blocked", i);
		ASSERT_EQ(0, kill(pids[i], SIGKILL));
	}
	for (i = 0; i < KILL_CHILDREN; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			TH_LOG("victim %d: status %#x", i, status);
	}
	close(ready[0]);
	close(ready[1]);

	for (i = 0; i < KILL_CHILDREN; i++) {
		/* The dead process's ends are gone... */
		EXPECT_EQ(0, strata_object_wait_one(self->fd, pe[i][0],
					STRATA_SIGNAL_PEER_CLOSED,
					strata_deadline_after(5000000000LL),
					NULL));
		EXPECT_EQ(0, strata_object_wait_one(self->fd, pc[i][0],
					STRATA_SIGNAL_PEER_CLOSED,
					strata_deadline_after(5000000000LL),
					NULL));
		/* ... but what it sent before dying is still delivered. */
		for (msgs = 0;; msgs++) {
			nh = 0;
			k = strata_channel_read(self->fd, pc[i][0], buf,
						sizeof(buf), got, 3, NULL, &nh);
			if (k)
				break;
			for (k = 0; k < (int)nh; k++) {
				ASSERT_NE(STRATA_HANDLE_INVALID, got[k]);
				EXPECT_EQ(0, strata_handle_info(self->fd,
							got[k], &info));
				EXPECT_EQ(0, strata_handle_close(self->fd,
								 got[k]));
			}
		}
		EXPECT_EQ(-EPIPE, k);
		EXPECT_EQ(KILL_MSGS + 1, msgs);
		EXPECT_EQ(0, strata_handle_close(self->fd, pc[i][0]));
		EXPECT_EQ(0, strata_handle_close(self->fd, pe[i][0]));
	}
	EXPECT_EQ(0, strata_handle_close(self->fd, e));
	EXPECT_EQ(0, cap_nr_handles(self->fd));
	expect_baseline(_metadata, self);
}

TEST_HARNESS_MAIN

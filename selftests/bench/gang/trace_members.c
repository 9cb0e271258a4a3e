// SPDX-License-Identifier: GPL-2.0
/*
 * gang_bench - part 1, the trace replay: the member threads of a trace
 * run, which queue their kernels on the fake GPUs: under strata_gang
 * (JOIN, STEP, LEAVE) or, naive, on GPUs taken from a free list
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gang_bench.h"

/* ---- trace runs: members ------------------------------------------------- */

__printf(2, 3) void run_error(struct run *r, const char *fmt, ...)
{
	int expected = RUNNING;
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
	ADD(r->errors, 1);
	if (__atomic_compare_exchange_n(&r->stop, &expected, STOP_ERROR, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		STORE(r->stop_ns, now_ns());
}

/* Sleep @us unless the run stops first; false when it did. */
static bool run_pause(struct run *r, long us)
{
	__u64 end = now_ns() + us * 1000ULL;

	while (!LOAD(r->stop)) {
		__u64 t = now_ns();

		if (t >= end)
			return true;
		sleep_us((end - t) / 1000 < 20000 ? (end - t) / 1000 : 20000);
	}
	return false;
}

static void note_admitted(struct gang *g, __u64 t)
{
	__u64 zero = 0;

	__atomic_compare_exchange_n(&g->admitted_ns, &zero, t, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* A member's current bar of the Gantt chart. */
struct bar {
	int gpu;
	__u64 start_ns, end_ns;
};

static void bar_flush(struct run *r, struct gang *g, struct bar *b)
{
	struct seg *s;

	if (!r->gantt || b->gpu < 0 || b->end_ns <= b->start_ns)
		goto out;
	pthread_mutex_lock(&r->lock);
	if (r->nr_segs == r->cap_segs) {
		int cap = r->cap_segs ? 2 * r->cap_segs : 1024;

		s = realloc(r->segs, cap * sizeof(*s));
		if (!s) {
			pthread_mutex_unlock(&r->lock);
			goto out;
		}
		r->segs = s;
		r->cap_segs = cap;
	}
	s = &r->segs[r->nr_segs++];
	s->gpu = b->gpu;
	s->gang = g->idx;
	s->start = (b->start_ns - r->t0_ns) / 1e9;
	s->end = (b->end_ns - r->t0_ns) / 1e9;
	pthread_mutex_unlock(&r->lock);
out:
	b->start_ns = 0;
	b->end_ns = 0;
}

/*
 * A member's kernels on its GPU, queued one ahead of the device as a GPU
 * program queues them: RUN the next kernel, then WAIT for the one before
 * it, so the device starts the next kernel when one ends, whatever the
 * member's own latency (its STEP and RUN calls, its wake-up).  At most one
 * kernel waits behind the running one: a member whose slice ended runs
 * over it by at most that kernel, as with a kernel that is running.
 */
struct stream {
	int fd;
	__u64 queued;		/* the last kernel queued (its seq), 0: none */
	__u64 seen;		/* kernels accounted, of this fd */
};

/* What WAIT told of the kernels that completed since the last call. */
static void stream_note(struct run *r, struct stream *s, struct bar *b,
			const struct strata_fakegpu_wait *w)
{
	if (w->completed <= s->seen)
		return;
	ADD(r->kernels, w->completed - s->seen);
	STORE(r->last_kernel_ns, w->end_ns);
	/*
	 * The device idled from the member's previous kernel to this one;
	 * known when WAIT's times are of the kernel right after it.
	 */
	if (w->completed == s->seen + 1) {
		if (b->end_ns && w->start_ns > b->end_ns)
			ADD(r->gap_ns, w->start_ns - b->end_ns);
		else if (!b->end_ns && w->start_ns > b->start_ns)
			ADD(r->first_ns, w->start_ns - b->start_ns);
	}
	s->seen = w->completed;
	b->end_ns = w->end_ns;
}

/*
 * Wait for kernel @seq of @s.  A signal interrupts the wait only when the
 * run stops.  False on an error or the stop.
 */
static bool stream_wait(struct run *r, struct gang *g, struct stream *s,
			struct bar *b, __u64 seq)
{
	struct strata_fakegpu_wait w;
	int err;

	do
		err = strata_fakegpu_wait(s->fd, seq, &w);
	while (err == -EINTR && !LOAD(r->stop));
	if (err) {
		if (!LOAD(r->stop))
			run_error(r, "gang %d: WAIT for kernel %llu: %s", g->idx,
				  (unsigned long long)seq, strerror(-err));
		return false;
	}
	stream_note(r, s, b, &w);
	return true;
}

/* Queue a kernel of @us, then wait for the one queued before it. */
static bool stream_run(struct run *r, struct gang *g, struct stream *s,
		       struct bar *b, long us)
{
	struct strata_fakegpu_run k;
	__u64 prev = s->queued;
	int err;

	err = strata_fakegpu_run(s->fd, us, 0, &k);
	if (err) {
		if (!LOAD(r->stop))
			run_error(r, "gang %d: RUN of %ld us: %s", g->idx, us,
				  strerror(-err));
		return false;
	}
	s->queued = k.seq;
	return !prev || stream_wait(r, g, s, b, prev);
}

/* Wait for every kernel of @s: the end of the bar. */
static bool stream_drain(struct run *r, struct gang *g, struct stream *s,
			 struct bar *b)
{
	__u64 last = s->queued;

	s->queued = 0;
	return !last || stream_wait(r, g, s, b, last);
}

static void stream_close(struct stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	*s = (struct stream){ .fd = -1 };
}

/* The last of a gang's threads to return completes or abandons it. */
void member_exit(struct gang *g)
{
	struct run *r = g->run;

	if (ADD(g->left, -1))
		return;
	if (LOAD(g->finished) == g->members)
		STORE(g->done_ns, now_ns());
	if (r->pol != NAIVE)
		strata_handle_close(table_fd, g->handle);
	ADD(r->ended, 1);
}

void *strata_member(void *arg)
{
	struct member *m = arg;
	struct gang *g = m->g;
	struct run *r = g->run;
	struct bar b = { .gpu = -1 };
	struct stream k = { .fd = -1 };
	long left_us = g->dur_ms * 1000L;
	struct strata_gang_step st;
	__u64 slice = 0;
	bool ok = true;
	__u32 index;
	int err;

	if (!run_pause(r, m->jitter_us))
		goto out;
	err = strata_gang_join(gang_fd, table_fd, g->handle, &index);
	if (err) {
		if (!LOAD(r->stop))
			run_error(r, "gang %d: JOIN: %s", g->idx,
				  strerror(-err));
		goto out;
	}
	while (left_us > 0 && !LOAD(r->stop)) {
		long us = left_us < KERNEL_US ? left_us : KERNEL_US;
		__u64 t = now_ns();

		/* Before each kernel: a member of a preempted gang parks. */
		err = strata_gang_step(gang_fd, table_fd, g->handle, 0, &st);
		if (!err && slice && st.slice == slice)
			ADD(r->step_ns, now_ns() - t);
		if (err == -EINTR)
			continue;
		if (err) {
			if (!LOAD(r->stop))
				run_error(r, "gang %d: STEP: %s", g->idx,
					  strerror(-err));
			break;
		}
		note_admitted(g, now_ns());
		if (st.nr_gpus != 1 || st.gpus[0] >= NR_GPUS) {
			run_error(r, "gang %d: STEP gave %u GPUs, the first %u",
				  g->idx, st.nr_gpus, st.gpus[0]);
			break;
		}
		if ((int)st.gpus[0] != b.gpu || st.slice != slice) {
			/* The last slice's kernels ended its bar. */
			ok = stream_drain(r, g, &k, &b);
			bar_flush(r, g, &b);
			if (!ok)
				break;
			if ((int)st.gpus[0] != b.gpu)
				stream_close(&k);
			b.gpu = st.gpus[0];
			b.start_ns = now_ns();
			/* Under LAS every slice has an end (gang.h). */
			if (st.slice != slice && !st.slice_end_ns &&
			    r->pol == STRATA)
				ADD(r->endless, 1);
			slice = st.slice;
		}
		if (k.fd < 0) {
			k.fd = strata_fakegpu_open(b.gpu);
			if (k.fd < 0) {
				run_error(r, "gang %d: open gpu%d: %s", g->idx,
					  b.gpu, strerror(-k.fd));
				k.fd = -1;
				break;
			}
		}
		ok = stream_run(r, g, &k, &b, us);
		if (!ok)
			break;
		left_us -= us;
	}
	/* Its work is done when its last kernel is. */
	if (ok && k.fd >= 0 && !stream_drain(r, g, &k, &b))
		left_us = 1;
	bar_flush(r, g, &b);
	stream_close(&k);
	err = strata_gang_leave(gang_fd, table_fd, g->handle);
	if (err && !LOAD(r->stop))
		run_error(r, "gang %d: LEAVE: %s", g->idx, strerror(-err));
	if (left_us <= 0)
		ADD(g->finished, 1);
out:
	member_exit(g);
	return NULL;
}

static void wait_on(pthread_cond_t *cond, pthread_mutex_t *lock, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_cond_timedwait(cond, lock, &ts);
}

/* naive: one GPU from the free FIFO, or -1 when the run stops. */
static int pool_get(struct run *r)
{
	int id = -1;

	pthread_mutex_lock(&r->lock);
	while (!r->nr_free && !LOAD(r->stop))
		wait_on(&r->gpu_free, &r->lock, 100);
	if (!LOAD(r->stop)) {
		id = r->free_ids[r->free_head];
		r->free_head = (r->free_head + 1) % NR_GPUS;
		r->nr_free--;
	}
	pthread_mutex_unlock(&r->lock);
	return id;
}

static void pool_put(struct run *r, int id)
{
	pthread_mutex_lock(&r->lock);
	r->free_ids[(r->free_head + r->nr_free) % NR_GPUS] = id;
	r->nr_free++;
	pthread_cond_signal(&r->gpu_free);
	pthread_mutex_unlock(&r->lock);
}

void *naive_member(void *arg)
{
	struct member *m = arg;
	struct gang *g = m->g;
	struct run *r = g->run;
	struct bar b = { .gpu = -1 };
	struct stream k = { .fd = -1 };
	long left_us = g->dur_ms * 1000L;
	bool ok = true;
	int gpu;

	if (!run_pause(r, m->jitter_us))
		goto out;
	gpu = pool_get(r);
	if (gpu < 0)
		goto out;
	pthread_mutex_lock(&r->lock);
	if (++g->holding == g->members) {
		note_admitted(g, now_ns());
		pthread_cond_broadcast(&g->all_held);
	}
	while (g->holding < g->members && !LOAD(r->stop))
		wait_on(&g->all_held, &r->lock, 100);
	pthread_mutex_unlock(&r->lock);

	if (!LOAD(r->stop)) {
		k.fd = strata_fakegpu_open(gpu);
		if (k.fd < 0) {
			run_error(r, "gang %d: open gpu%d: %s%s", g->idx, gpu,
				  strerror(-k.fd), k.fd == -EPERM ?
				  " (is GPU access enforced?)" : "");
			k.fd = -1;
		} else {
			b.gpu = gpu;
			b.start_ns = now_ns();
			while (left_us > 0 && !LOAD(r->stop)) {
				long us = left_us < KERNEL_US ? left_us :
					  KERNEL_US;

				ok = stream_run(r, g, &k, &b, us);
				if (!ok)
					break;
				left_us -= us;
			}
			if (ok && !stream_drain(r, g, &k, &b))
				left_us = 1;
			bar_flush(r, g, &b);
			stream_close(&k);
		}
	}
	pool_put(r, gpu);
	if (left_us <= 0)
		ADD(g->finished, 1);
out:
	member_exit(g);
	return NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang - the scheduler: admission, reservation, slices
 *
 * One planning pass (gang_sched_run()) decides everything, under
 * gang_lock, whenever something changed or a slice ended:
 *
 * - Candidates are the queued gangs and, under the LAS policy, the
 *   running gangs whose slice has ended.  They are sorted by rank: a
 *   BPF policy's, else (LAS) gangs queued longer than starve_ms first, by
 *   the time they queued, then least attained GPU time divided by
 *   priority + 1; (FIFO, BACKFILL) arrival order.  Ties go by arrival.
 * - In rank order each candidate that fits in what is free (counting the
 *   ended slices' GPUs and CPUs as free) is picked: all of its GPUs at
 *   once, or nothing.  The first that does not fit is the head: it gets a
 *   reservation at the "shadow" time, when enough running gangs will have
 *   reached the end of their slice (LAS) or of their runtime hint
 *   (BACKFILL).  FIFO stops there.
 * - Later candidates are backfilled only if they cannot delay the head:
 *   they end by the shadow time (LAS shortens their slice to end there),
 *   or they fit in what the head will leave over.
 * - Under LAS with the default rank (fill_idle), a plan that leaves GPUs
 *   idle while its head waits is tried again: with the head first (after
 *   the starving gangs), then also with the GPUs of running gangs that
 *   rank after the head, though their slice has not ended; the plan that
 *   leaves the fewest GPUs idle is kept (gang_plan_fill()).
 * - Running gangs whose slice ended and that were not picked are
 *   preempted; picked ones get a new slice end (the slice is extended,
 *   not restarted); picked queued gangs are admitted.
 *
 * No gang ever holds part of its GPUs, so hold-and-wait cannot happen;
 * the reservation keeps a stream of small gangs from starving a large one.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/sysfs.h>

#include "gang.h"
#include "trace.h"

/* A backfilled slice shorter than this is not worth starting. */
#define GANG_MIN_SLICE_NS	(1 * NSEC_PER_MSEC)

/*
 * See gang.h: every gang, the queues, the GPU and CPU pools.  An rt_mutex:
 * a CFS thread holding it (LIST, STATUS, a member's STEP) must not be kept
 * off its CPU by boosted members while the SCHED_FIFO worker waits for it.
 */
DEFINE_RT_MUTEX(gang_lock);
LIST_HEAD(gang_all);
static LIST_HEAD(gang_queue);
static LIST_HEAD(gang_running);
/*
 * Static, not cpumask_var_t: the cpus parameter can be read before init
 * and after exit.
 */
struct cpumask gang_cpu_pool[1];
static struct cpumask gang_cpu_free[1];
struct gang_sched_counters gang_counters;
static u64 gang_next_seq;
/*
 * The scheduler's own worker thread runs SCHED_FIFO above the boosted
 * members: co-scheduled members spinning at SCHED_FIFO on every pool CPU
 * must not keep the planning pass that ends their slice from running.
 */
struct kthread_worker *gang_worker;
static struct kthread_delayed_work gang_sched_dwork;
static bool gang_sched_ready_flag;

/* Lockless figures for the kfuncs. */
static unsigned int gang_free_gpus_now;
static unsigned int gang_queued_now;

static u64 gang_slice_ns(const struct gang *g)
{
	u32 ms = g->slice_ms ? g->slice_ms : READ_ONCE(gang_slice_ms);

	return (u64)ms * NSEC_PER_MSEC;
}

static u32 gang_cpus_needed(const struct gang *g)
{
	return (g->flags & STRATA_GANG_COSCHED) ? gang_live_members(g) : 0;
}

static unsigned int gang_count_free_gpus(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < gang_nr_gpus; i++)
		if (!gang_gpus[i].owner)
			n++;
	return n;
}

/* Running time since the last checkpoint goes into the gang's totals. */
static void gang_account(struct gang *g, u64 now)
{
	u64 d;

	if (g->state != STRATA_GANG_RUNNING)
		return;
	d = now - g->run_start_ns;
	g->attained_ns += d * bitmap_weight(g->gpu_mask, STRATA_GANG_MAX_GPUS);
	g->run_ns += d;
	g->run_start_ns = now;
}

/**
 * gang_view_fill() - what a policy sees of @g
 * @g: the gang, under gang_lock
 * @now: the time of the decision
 * @v: out
 */
void gang_view_fill(const struct gang *g, u64 now, struct strata_gang_view *v)
{
	memset(v, 0, sizeof(*v));
	v->koid = g->obj.koid;
	v->seq = g->seq;
	v->attained_ns = g->attained_ns;
	if (g->state == STRATA_GANG_RUNNING)
		v->attained_ns += (now - g->run_start_ns) *
			bitmap_weight(g->gpu_mask, STRATA_GANG_MAX_GPUS);
	if (g->state == STRATA_GANG_QUEUED)
		v->wait_ns = now - g->queued_ns;
	v->runtime_hint_ns = g->runtime_hint_ns;
	v->nr_members = g->nr_members;
	v->alive = g->alive;
	v->nr_gpus = gang_nr_gpus_needed(g);
	v->priority = g->priority;
	v->state = g->state;
	v->slices = g->slice;
	v->preemptions = g->preemptions;
	v->uid = from_kuid(&init_user_ns, g->uid);
	v->on_member_exit = g->on_member_exit;
}

static void gang_rank(struct gang *g, u64 now, u32 mode)
{
	struct strata_gang_view v;
	s64 r;

	gang_view_fill(g, now, &v);
	r = gang_policy_rank(&v);
	if (r >= 0) {
		g->rank_class = 1;
		g->rank_key = r;
	} else if (mode != STRATA_GANG_POLICY_LAS) {
		g->rank_class = 1;
		g->rank_key = g->seq;
	} else if (g->state == STRATA_GANG_QUEUED &&
		   now - g->queued_ns >
		   (u64)READ_ONCE(gang_starve_ms) * NSEC_PER_MSEC) {
		g->rank_class = 0;
		g->rank_key = g->queued_ns;
	} else {
		g->rank_class = 1;
		g->rank_key = div_u64(v.attained_ns, g->priority + 1);
	}
}

static int gang_rank_cmp(const void *a, const void *b)
{
	const struct gang *x = *(const struct gang * const *)a;
	const struct gang *y = *(const struct gang * const *)b;

	if (x->rank_class != y->rank_class)
		return x->rank_class < y->rank_class ? -1 : 1;
	if (x->rank_key != y->rank_key)
		return x->rank_key < y->rank_key ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return 0;
}

/* @a + @b, or U64_MAX ("never") when that does not fit. */
static u64 gang_add_sat(u64 a, u64 b)
{
	u64 sum;

	return check_add_overflow(a, b, &sum) ? U64_MAX : sum;
}

/*
 * When @g, running, will give its GPUs back, as far as the plan knows:
 * the end of its slice (LAS), or when its runtime hint runs out
 * (BACKFILL); U64_MAX for never or unknown.  Hints are trusted, as
 * Slurm's time limits would be if nothing enforced them.
 */
static u64 gang_expected_end(const struct gang *g, u32 mode, u64 now)
{
	if (mode == STRATA_GANG_POLICY_LAS)
		return g->slice_end_ns;
	if (mode == STRATA_GANG_POLICY_BACKFILL && g->runtime_hint_ns) {
		u64 ran = g->run_ns + now - g->run_start_ns;

		return gang_add_sat(now, g->runtime_hint_ns > ran ?
				    g->runtime_hint_ns - ran : 0);
	}
	return U64_MAX;
}

struct gang_plan {
	u32 mode;
	u64 now;
	int gpus;		/* free, for what is picked next */
	int cpus;
	bool reserved;		/* a head waits for its reservation */
	u64 shadow;		/* when the head can start */
	int extra_gpus;		/* what the head leaves over then */
	int extra_cpus;
};

/*
 * When a gang this pass picked gives its resources back: the end of the
 * slice it was given (LAS), or of its hint from now (BACKFILL).
 */
static u64 gang_picked_end(const struct gang_plan *p, const struct gang *g)
{
	if (p->mode == STRATA_GANG_POLICY_LAS)
		return g->plan_end_ns;
	if (p->mode == STRATA_GANG_POLICY_BACKFILL && g->runtime_hint_ns)
		return gang_add_sat(p->now, g->runtime_hint_ns);
	return U64_MAX;
}

/*
 * The head @h does not fit: when will it?  The running gangs that are no
 * candidates give their resources back at their expected end, and the
 * candidates picked before the head (@picked, @nr_picked of them) at the
 * end this pass gives them.
 */
static void gang_plan_reserve(struct gang_plan *p, struct gang *h,
			      struct gang **picked, unsigned int nr_picked)
{
	int need_g = gang_nr_gpus_needed(h), need_c = gang_cpus_needed(h);
	int gpus = p->gpus, cpus = p->cpus;
	unsigned int i;
	struct gang *g;

	p->reserved = true;
	p->shadow = U64_MAX;
	list_for_each_entry(g, &gang_running, qnode)
		g->visited = false;
	for (i = 0; i < nr_picked; i++)
		picked[i]->visited = !picked[i]->plan_end_ns;
	for (;;) {
		struct gang *next = NULL;
		u64 end, best = U64_MAX;

		list_for_each_entry(g, &gang_running, qnode) {
			if (g->visited || g->candidate)
				continue;
			end = gang_expected_end(g, p->mode, p->now);
			if (end <= best) {
				best = end;
				next = g;
			}
		}
		for (i = 0; i < nr_picked; i++) {
			g = picked[i];
			end = gang_picked_end(p, g);
			if (!g->visited && end <= best) {
				best = end;
				next = g;
			}
		}
		if (!next || best == U64_MAX)
			break;
		next->visited = true;
		if (next->candidate || next->state == STRATA_GANG_QUEUED) {
			gpus += gang_nr_gpus_needed(next);
			cpus += gang_cpus_needed(next);
		} else {
			gpus += bitmap_weight(next->gpu_mask,
					      STRATA_GANG_MAX_GPUS);
			cpus += cpumask_weight(next->cpu_mask);
		}
		if (gpus >= need_g && cpus >= need_c) {
			p->shadow = best;
			p->extra_gpus = gpus - need_g;
			p->extra_cpus = cpus - need_c;
			break;
		}
	}
}

/* May @c be picked, and with which slice end (0: not picked)? */
static u64 gang_plan_pick(struct gang_plan *p, struct gang *c)
{
	int need_g = gang_nr_gpus_needed(c), need_c = gang_cpus_needed(c);
	u64 end;

	if (need_g > p->gpus || need_c > p->cpus)
		return 0;
	if (p->mode == STRATA_GANG_POLICY_LAS)
		end = gang_add_sat(p->now, gang_slice_ns(c));
	else if (p->mode == STRATA_GANG_POLICY_BACKFILL && c->runtime_hint_ns)
		end = gang_add_sat(p->now, c->runtime_hint_ns);
	else
		end = U64_MAX;
	/*
	 * Behind a head, only what cannot delay it: what ends by the shadow
	 * time, or fits in what the head leaves over.  An unknown end can
	 * never be shown to come first, nor can any end when the shadow
	 * itself is unknown (BACKFILL without hints).  Under LAS a slice
	 * may be cut to end at the shadow time; every LAS slice ends, so
	 * the shadow is known there.
	 */
	if (p->reserved && (end > p->shadow || end == U64_MAX ||
			    p->shadow == U64_MAX)) {
		if (need_g <= p->extra_gpus && need_c <= p->extra_cpus) {
			p->extra_gpus -= need_g;
			p->extra_cpus -= need_c;
		} else if (p->mode == STRATA_GANG_POLICY_LAS &&
			   p->shadow != U64_MAX &&
			   p->shadow - p->now >= GANG_MIN_SLICE_NS) {
			end = p->shadow;
		} else if (p->mode != STRATA_GANG_POLICY_LAS ||
			   p->shadow != U64_MAX) {
			return 0;
		}
	}
	p->gpus -= need_g;
	p->cpus -= need_c;
	return p->mode == STRATA_GANG_POLICY_LAS ? end : U64_MAX;
}

/*
 * Pick from @cand (@n, in order) into @p: every candidate gets its
 * plan_end_ns.  Return: the index of the head, or -1 if there is none.
 */
static int gang_plan_pick_all(struct gang_plan *p, struct gang **cand,
			      unsigned int n)
{
	unsigned int i;
	int head = -1;

	for (i = 0; i < n; i++) {
		struct gang *g = cand[i];

		g->plan_end_ns = gang_plan_pick(p, g);
		if (g->plan_end_ns || p->reserved)
			continue;
		if (p->mode == STRATA_GANG_POLICY_FIFO)
			break;
		head = i;
		gang_plan_reserve(p, g, cand, i);
	}
	for (; i < n; i++)
		cand[i]->plan_end_ns = 0;
	return head;
}

/*
 * The plan (@p, from @init, head @head) leaves GPUs idle while its head
 * waits: try the head before the candidates that rank before it (the
 * starving ones excepted).  The order and plan that leave fewer GPUs idle
 * stay in @cand and @p.  Return: the head of that plan, or -1.
 */
static int gang_plan_head_first(const struct gang_plan *init,
				struct gang_plan *p, struct gang **cand,
				unsigned int n, int head)
{
	struct gang *h = cand[head];
	struct gang_plan q = *init;
	int k = 0, h2;

	if (!h->rank_class)
		return head;
	while (k < head && !cand[k]->rank_class)
		k++;
	if (k == head)
		return head;
	memmove(&cand[k + 1], &cand[k], (head - k) * sizeof(*cand));
	cand[k] = h;
	h2 = gang_plan_pick_all(&q, cand, n);
	if (q.gpus < p->gpus) {
		*p = q;
		return h2;
	}
	memmove(&cand[k], &cand[k + 1], (head - k) * sizeof(*cand));
	cand[head] = h;
	*p = *init;
	return gang_plan_pick_all(p, cand, n);
}

/**
 * gang_plan_fill() - keep GPUs from idling while the head waits
 * @init: the plan before anything was picked
 * @p: the plan in rank order
 * @cand: the candidates in rank order; room for every running gang
 * @n: in: candidates; out: candidates of the plan kept
 * @head: the head of @p
 * @spare: scratch room for as many pointers as @cand has
 *
 * Least attained service picks by rank, so a narrow gang that ranks first
 * can keep a wide head out while the rest of the GPUs idle until the next
 * slice end, or longer when it ranks first again.  Ranks are what the
 * policy wants; idle GPUs are what nobody wants: first the head is tried
 * before the gangs that rank before it (gang_plan_head_first()); then, if
 * GPUs still idle, the head may also take the GPUs of running gangs that
 * rank after it before their slice ends (they would lose them to it at
 * the end of their slice), the lowest ranked first, as many as it needs.
 * Whichever plan leaves the fewest GPUs idle is kept.
 */
static void gang_plan_fill(const struct gang_plan *init, struct gang_plan *p,
			   struct gang **cand, unsigned int *n, int head,
			   struct gang **spare)
{
	struct gang_plan more = *init, q;
	unsigned int nr = *n, k = 0, i;
	int need_g, need_c;
	struct gang *h, *g;

	head = gang_plan_head_first(init, p, cand, nr, head);
	if (head < 0 || p->gpus <= 0)
		return;
	h = cand[head];
	need_g = gang_nr_gpus_needed(h) - p->gpus;
	need_c = gang_cpus_needed(h) - p->cpus;

	/* The running gangs that rank after the head, lowest first. */
	list_for_each_entry(g, &gang_running, qnode) {
		if (g->candidate)
			continue;
		gang_rank(g, p->now, p->mode);
		if (gang_rank_cmp(&g, &h) > 0)
			spare[k++] = g;
	}
	sort(spare, k, sizeof(*spare), gang_rank_cmp, NULL);
	for (i = k; i > 0 && (need_g > 0 || need_c > 0); i--) {
		int gpus, cpus;

		g = spare[i - 1];
		gpus = bitmap_weight(g->gpu_mask, STRATA_GANG_MAX_GPUS);
		cpus = cpumask_weight(g->cpu_mask);
		g->candidate = true;
		cand[nr++] = g;
		more.gpus += gpus;
		more.cpus += cpus;
		need_g -= gpus;
		need_c -= cpus;
	}
	if (need_g > 0 || need_c > 0)
		goto undo;

	/* Plan again with them; the order of @p is kept to go back to. */
	memcpy(spare, cand, *n * sizeof(*cand));
	sort(cand, nr, sizeof(*cand), gang_rank_cmp, NULL);
	q = more;
	head = gang_plan_pick_all(&q, cand, nr);
	if (head >= 0 && q.gpus > 0)
		gang_plan_head_first(&more, &q, cand, nr, head);
	if (q.gpus < p->gpus) {
		*p = q;
		*n = nr;
		return;
	}
	memcpy(cand, spare, *n * sizeof(*cand));
	*p = *init;
	gang_plan_pick_all(p, cand, *n);
undo:
	list_for_each_entry(g, &gang_running, qnode)
		g->candidate = g->slice_end_ns <= p->now;
}

static void gang_give_back(struct gang *g)
{
	unsigned int id;
	u32 i;

	for_each_set_bit(id, g->gpu_mask, STRATA_GANG_MAX_GPUS) {
		gang_gpus[id].owner = 0;
		WRITE_ONCE(gang_gpus[id].tgid, 0);
	}
	bitmap_zero(g->gpu_mask, STRATA_GANG_MAX_GPUS);
	cpumask_or(gang_cpu_free, gang_cpu_free, g->cpu_mask);
	cpumask_clear(g->cpu_mask);
	for (i = 0; i < g->joined; i++)
		g->members[i].cpu = -1;
}

/*
 * A free pool CPU for a member: one its own affinity (and so its cpuset)
 * allows if there is one, the member's current CPU first.  The planning
 * pass counted the free CPUs, so there is always one.
 */
static unsigned int gang_pick_cpu(struct task_struct *p)
{
	unsigned int cpu = task_cpu(p);

	if (cpumask_test_cpu(cpu, gang_cpu_free) &&
	    cpumask_test_cpu(cpu, &p->cpus_mask) && cpu_active(cpu))
		return cpu;
	for_each_cpu_and(cpu, gang_cpu_free, &p->cpus_mask)
		if (cpu_active(cpu))
			return cpu;
	cpu = cpumask_first_and(gang_cpu_free, cpu_active_mask);
	if (cpu < nr_cpu_ids)
		return cpu;
	return cpumask_first(gang_cpu_free);
}

static void gang_admit(struct gang *g, u64 now, u64 end)
{
	unsigned int id = 0, cpu;
	u32 i, k;

	for (i = 0; i < g->joined; i++) {
		struct gang_member *m = &g->members[i];

		if (m->state != GANG_MEMBER_JOINED)
			continue;
		for (k = 0; k < g->gpus_per_member; k++) {
			while (id < gang_nr_gpus && gang_gpus[id].owner)
				id++;
			if (WARN_ON_ONCE(id >= gang_nr_gpus))
				break;
			gang_gpus[id].owner = g->obj.koid;
			WRITE_ONCE(gang_gpus[id].tgid, task_tgid_nr(m->task));
			__set_bit(id, g->gpu_mask);
			m->gpus[k] = id;
		}
		if (g->flags & STRATA_GANG_COSCHED) {
			cpu = gang_pick_cpu(m->task);
			__cpumask_clear_cpu(cpu, gang_cpu_free);
			__cpumask_set_cpu(cpu, g->cpu_mask);
			m->cpu = cpu;
		}
	}
	g->wait_ns += now - g->queued_ns;
	g->state = STRATA_GANG_RUNNING;
	g->run_start_ns = now;
	g->slice++;
	g->slice_end_ns = end;
	g->started = 0;
	list_move_tail(&g->qnode, &gang_running);
	gang_counters.admitted++;
	trace_strata_gang_admit(g->obj.koid, g->slice,
				bitmap_weight(g->gpu_mask, STRATA_GANG_MAX_GPUS),
				now - g->queued_ns);
	gang_cosched_start(g);
	strata_object_signal(&g->obj, 0, STRATA_GANG_SIGNAL_RUNNING);
	wake_up_all(&g->step_wq);
}

static void gang_preempt(struct gang *g, u64 now)
{
	gang_account(g, now);
	gang_give_back(g);
	g->state = STRATA_GANG_QUEUED;
	g->queued_ns = now;
	g->preemptions++;
	list_move_tail(&g->qnode, &gang_queue);
	gang_counters.preemptions++;
	trace_strata_gang_preempt(g->obj.koid, g->slice, g->attained_ns);
	strata_object_signal(&g->obj, STRATA_GANG_SIGNAL_RUNNING, 0);
	gang_cosched_stop(g, true);
}

/**
 * gang_sched_enqueue() - a gang has formed: queue it
 * @g: the gang, under gang_lock
 */
void gang_sched_enqueue(struct gang *g)
{
	lockdep_assert_held(&gang_lock);
	g->state = STRATA_GANG_QUEUED;
	g->queued_ns = ktime_get_ns();
	if (!g->seq)
		g->seq = ++gang_next_seq;
	list_add_tail(&g->qnode, &gang_queue);
	gang_sched_kick();
}

/**
 * gang_sched_release() - the gang ends: give everything back
 * @g: the gang, under gang_lock, still in its old state
 */
void gang_sched_release(struct gang *g)
{
	u64 now = ktime_get_ns();

	lockdep_assert_held(&gang_lock);
	if (g->state == STRATA_GANG_RUNNING) {
		gang_account(g, now);
		gang_give_back(g);
	} else if (g->state == STRATA_GANG_QUEUED) {
		g->wait_ns += now - g->queued_ns;
	}
	list_del_init(&g->qnode);
	gang_cosched_stop(g, false);
	gang_sched_kick();
}

/**
 * gang_sched_member_gone() - a member left or died: free its share
 * @g: the gang, under gang_lock
 * @m: the member, still counted alive
 */
void gang_sched_member_gone(struct gang *g, struct gang_member *m)
{
	u32 k;

	lockdep_assert_held(&gang_lock);
	if (g->state != STRATA_GANG_RUNNING)
		return;
	gang_account(g, ktime_get_ns());
	for (k = 0; k < g->gpus_per_member; k++) {
		gang_gpus[m->gpus[k]].owner = 0;
		WRITE_ONCE(gang_gpus[m->gpus[k]].tgid, 0);
		__clear_bit(m->gpus[k], g->gpu_mask);
	}
	if (m->cpu >= 0) {
		__cpumask_set_cpu(m->cpu, gang_cpu_free);
		__cpumask_clear_cpu(m->cpu, g->cpu_mask);
		m->cpu = -1;
	}
	gang_sched_kick();
}

static void gang_sched_run(void)
{
	struct gang_plan p = {
		.mode = READ_ONCE(gang_policy_mode),
		.now = ktime_get_ns(),
	};
	struct gang *g, *tmp, **cand;
	unsigned int n = 0, nr_cand, i;
	struct gang_plan init;
	u64 next = U64_MAX;
	int head;

	lockdep_assert_held(&gang_lock);

	list_for_each_entry_safe(g, tmp, &gang_all, node)
		if (g->state == STRATA_GANG_FORMING && READ_ONCE(g->no_handles))
			gang_abort(g, STRATA_GANG_ABORT_NO_HANDLES);

	list_for_each_entry(g, &gang_queue, qnode)
		n++;
	list_for_each_entry(g, &gang_running, qnode)
		n++;
	/* Room for every gang, and as much again for gang_plan_fill(). */
	nr_cand = max(n, 1U);
	cand = kmalloc_array(2 * nr_cand, sizeof(*cand), GFP_KERNEL);
	if (!cand) {
		/* Try again soon; nothing changes meanwhile. */
		kthread_queue_delayed_work(gang_worker, &gang_sched_dwork, 1);
		return;
	}

	/* Candidates: the queue, plus the slices that ended (LAS). */
	n = 0;
	p.gpus = gang_count_free_gpus();
	p.cpus = cpumask_weight(gang_cpu_free);
	list_for_each_entry(g, &gang_queue, qnode)
		cand[n++] = g;
	list_for_each_entry(g, &gang_running, qnode) {
		g->candidate = p.mode == STRATA_GANG_POLICY_LAS &&
			       g->slice_end_ns <= p.now;
		if (!g->candidate)
			continue;
		cand[n++] = g;
		p.gpus += bitmap_weight(g->gpu_mask, STRATA_GANG_MAX_GPUS);
		p.cpus += cpumask_weight(g->cpu_mask);
	}
	for (i = 0; i < n; i++)
		gang_rank(cand[i], p.now, p.mode);
	sort(cand, n, sizeof(*cand), gang_rank_cmp, NULL);

	init = p;
	head = gang_plan_pick_all(&p, cand, n);
	if (head >= 0 && p.gpus > 0 && p.mode == STRATA_GANG_POLICY_LAS &&
	    READ_ONCE(gang_fill_idle) && !gang_policy_attached())
		gang_plan_fill(&init, &p, cand, &n, head, cand + nr_cand);

	/* Preempt first: admissions may need what they hold. */
	for (i = 0; i < n; i++) {
		g = cand[i];
		if (g->state != STRATA_GANG_RUNNING)
			continue;
		if (g->plan_end_ns)
			g->slice_end_ns = g->plan_end_ns;
		else
			gang_preempt(g, p.now);
	}
	for (i = 0; i < n; i++) {
		g = cand[i];
		if (g->state == STRATA_GANG_QUEUED && g->plan_end_ns)
			gang_admit(g, p.now, g->plan_end_ns);
	}
	kfree(cand);

	n = 0;
	list_for_each_entry(g, &gang_running, qnode)
		next = min(next, g->slice_end_ns);
	list_for_each_entry(g, &gang_queue, qnode)
		n++;
	WRITE_ONCE(gang_queued_now, n);
	WRITE_ONCE(gang_free_gpus_now, gang_count_free_gpus());
	if (next != U64_MAX) {
		u64 now = ktime_get_ns();

		kthread_queue_delayed_work(gang_worker, &gang_sched_dwork,
					   next > now ?
					   nsecs_to_jiffies(next - now) + 1 : 1);
	}
}

static void gang_sched_fn(struct kthread_work *work)
{
	rt_mutex_lock(&gang_lock);
	gang_sched_run();
	rt_mutex_unlock(&gang_lock);
}

/**
 * gang_sched_kick() - plan again, soon, in the scheduler's worker
 *
 * Callable from any context, before the scheduler is set up too (module
 * parameters are set before init).
 */
void gang_sched_kick(void)
{
	if (READ_ONCE(gang_sched_ready_flag))
		kthread_mod_delayed_work(gang_worker, &gang_sched_dwork, 0);
}

/* For the kfuncs: figures of the last planning pass. */
u32 gang_sched_free_gpus(void)
{
	return READ_ONCE(gang_free_gpus_now);
}

u32 gang_sched_nr_queued(void)
{
	return READ_ONCE(gang_queued_now);
}

/**
 * gang_sched_status() - STATUS
 * @st: out
 */
void gang_sched_status(struct strata_gang_status *st)
{
	struct gang_scx_counters scx;
	struct gang *g;

	memset(st, 0, sizeof(*st));
	gang_scx_counters(&scx);
	st->scx_attaches = scx.attaches;
	st->scx_detaches = scx.detaches;
	rt_mutex_lock(&gang_lock);
	st->mode = gang_scx_active() ? STRATA_GANG_MODE_SCX :
				       STRATA_GANG_MODE_STOCK;
	st->policy = READ_ONCE(gang_policy_mode);
	st->nr_gpus = gang_nr_gpus;
	st->free_gpus = gang_count_free_gpus();
	st->nr_cpus = cpumask_weight(gang_cpu_pool);
	st->free_cpus = cpumask_weight(gang_cpu_free);
	list_for_each_entry(g, &gang_all, node)
		st->gangs++;
	list_for_each_entry(g, &gang_queue, qnode)
		st->queued++;
	list_for_each_entry(g, &gang_running, qnode)
		st->running++;
	st->bpf_policy = gang_policy_attached();
	st->admitted = gang_counters.admitted;
	st->preemptions = gang_counters.preemptions;
	st->aborts = gang_counters.aborts;
	st->deaths = gang_counters.deaths;
	rt_mutex_unlock(&gang_lock);
}

/**
 * gang_sched_init() - set up the pools and the worker
 * @cpus: the cpus module parameter, or NULL for every online CPU
 *
 * Return: 0 or a negative errno.
 */
int gang_sched_init(const char *cpus)
{
	int err;

	if (cpus) {
		err = cpulist_parse(cpus, gang_cpu_pool);
		if (err) {
			pr_err("cpus=%s: not a CPU list\n", cpus);
			return err;
		}
		cpumask_and(gang_cpu_pool, gang_cpu_pool, cpu_online_mask);
		if (cpumask_empty(gang_cpu_pool)) {
			pr_err("cpus=%s: no online CPU\n", cpus);
			return -EINVAL;
		}
	} else {
		cpumask_copy(gang_cpu_pool, cpu_online_mask);
	}
	cpumask_copy(gang_cpu_free, gang_cpu_pool);
	gang_worker = kthread_create_worker(0, "strata_gang");
	if (IS_ERR(gang_worker))
		return PTR_ERR(gang_worker);
	sched_set_fifo(gang_worker->task);
	kthread_init_delayed_work(&gang_sched_dwork, gang_sched_fn);
	rt_mutex_lock(&gang_lock);
	gang_sched_ready_flag = true;
	rt_mutex_unlock(&gang_lock);
	return 0;
}

/* Is the scheduler set up (module parameters are set before init)? */
bool gang_sched_ready(void)
{
	return READ_ONCE(gang_sched_ready_flag);
}

/**
 * gang_sched_set_pool() - a new CPU pool for co-scheduled gangs
 * @list: a CPU list
 *
 * Return: 0; -EINVAL for a bad list or one without an online CPU; -EBUSY
 * while a running gang holds pool CPUs or when a live co-scheduled gang
 * has more members than the new pool has CPUs.
 */
int gang_sched_set_pool(const char *list)
{
	cpumask_var_t pool;
	struct gang *g;
	int err;

	if (!zalloc_cpumask_var(&pool, GFP_KERNEL))
		return -ENOMEM;
	err = cpulist_parse(list, pool);
	cpumask_and(pool, pool, cpu_online_mask);
	if (!err && cpumask_empty(pool))
		err = -EINVAL;
	if (err)
		goto out;
	rt_mutex_lock(&gang_lock);
	if (!gang_sched_ready_flag)
		err = -ENODEV;
	list_for_each_entry(g, &gang_all, node) {
		if (err)
			break;
		if (!cpumask_empty(g->cpu_mask) ||
		    ((g->flags & STRATA_GANG_COSCHED) &&
		     g->state != STRATA_GANG_DONE &&
		     g->state != STRATA_GANG_ABORTED &&
		     gang_live_members(g) > cpumask_weight(pool))) {
			err = -EBUSY;
			break;
		}
	}
	if (!err) {
		cpumask_copy(gang_cpu_pool, pool);
		cpumask_copy(gang_cpu_free, pool);
		gang_sched_kick();
	}
	rt_mutex_unlock(&gang_lock);
out:
	free_cpumask_var(pool);
	return err;
}

/**
 * gang_sched_get_pool() - the CPU pool as a list, for the parameter
 * @buf: a page
 *
 * Return: the length written.
 */
int gang_sched_get_pool(char *buf)
{
	int n;

	rt_mutex_lock(&gang_lock);
	n = sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(gang_cpu_pool));
	rt_mutex_unlock(&gang_lock);
	return n;
}

/**
 * gang_sched_queue_grace() - run @g's grace work after park_grace_ms
 * @g: the gang
 */
void gang_sched_queue_grace(struct gang *g)
{
	g->grace_slice = g->slice;
	kthread_mod_delayed_work(gang_worker, &g->grace_work,
				 msecs_to_jiffies(READ_ONCE(gang_park_grace_ms)));
}

void gang_sched_exit(void)
{
	rt_mutex_lock(&gang_lock);
	WRITE_ONCE(gang_sched_ready_flag, false);
	rt_mutex_unlock(&gang_lock);
	kthread_cancel_delayed_work_sync(&gang_sched_dwork);
	kthread_destroy_worker(gang_worker);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier - moving a round's picked pages, on several CPUs at once
 *
 * A move's time goes to the destination pages (allocating one zeroes it
 * when init_on_alloc is on, as in Debian's kernel; then the copy) and to
 * the TLB shootdown with which migrate_vma_setup() unmaps each anonymous
 * page.  Nothing serialises any of it but the pages themselves and the
 * address space's mmap_lock, held for reading.  So the regions of an
 * address space are shared out to up to migrate_threads movers (at most
 * one per possible CPU): the round's own worker and high-priority
 * helpers queued on the CPUs the workload's threads last ran on (the
 * moves take CPU time from the workload whose pages move, and while a
 * helper runs there no shootdown IPI has to reach that CPU).  Each mover
 * takes the next region from a common cursor and moves its picked pages
 * in runs of consecutive pages inside one VMA; a region is only ever
 * touched by the mover that took it.
 *
 * Rounds never overlap (tier_lock), so one set of movers serves them all.
 */

#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/sched/rt.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "tier.h"

/* Movers at most, and the pages per helper a move must have to get one. */
#define TIER_MAX_MOVERS		16
#define TIER_PAGES_PER_HELPER	256

/* What the movers of one address space share. */
struct tier_job {
	struct tier_space *space;
	u64 round;
	u8 from;
	spinlock_t lock;	/* protects @next */
	unsigned long next;	/* index of the next region to look at */
};

struct tier_mover {
	struct work_struct work;
	struct tier_job *job;
	struct tier_move move;
	u64 ns;
	bool claimed;		/* took a region of the current space */
	unsigned long buf[2 * TIER_REGION_PAGES];
};

static struct tier_mover *tier_movers;
static unsigned int tier_nr_movers;
static struct workqueue_struct *tier_move_wq;

/*
 * A huge page mapped by a PMD has one accessed bit for 512 pages: which of
 * them are hot is unknown.  Split it (migrate_vma_setup() splits what it
 * collects; given no destination, every page stays where it is), and let
 * its pages earn their classes again from their own accessed bits, so that
 * only the hot part goes up, or only the cold part down.  Returns the
 * index after the huge page.
 */
static unsigned int tier_split_huge(struct vm_area_struct *vma,
				    struct tier_region *r,
				    struct tier_move *move)
{
	unsigned long start = max(vma->vm_start, r->start);
	unsigned long end = min(vma->vm_end, r->start + TIER_REGION_SIZE);
	unsigned int i;

	tier_migrate_range(vma, start, (end - start) >> PAGE_SHIFT, NULL, move);
	move->thp_split++;
	for (i = 0; i < TIER_REGION_PAGES; i++) {
		if (!(r->where[i] & TIER_PAGE_THP))
			continue;
		r->hist[i] = 0;
		r->seen[i] = 0;
		r->where[i] &= ~(TIER_PAGE_THP | TIER_PAGE_PICK);
	}
	return (end - r->start) >> PAGE_SHIFT;
}

/* Move the pages of @r picked in @from; the caller holds mmap_read_lock. */
static void tier_move_region(struct mm_struct *mm, struct tier_region *r,
			     u8 from, struct tier_move *move)
{
	unsigned int i, j;
	unsigned long k;

	for (i = 0; i < TIER_REGION_PAGES; i = j) {
		struct vm_area_struct *vma;
		unsigned long start = r->start + i * PAGE_SIZE;
		unsigned long end;

		j = i + 1;
		if (!(r->where[i] & TIER_PAGE_PICK) ||
		    (r->where[i] & TIER_WHERE_MASK) != from)
			continue;
		vma = vma_lookup(mm, start);
		/* Never a KSM page: see tier_scan_space(). */
		if (!vma || !vma_is_anonymous(vma) ||
		    (vma->vm_flags & (VM_SHARED | VM_HUGETLB | VM_PFNMAP |
				      VM_MIXEDMAP | VM_IO | VM_MERGEABLE)))
			continue;
		end = min(vma->vm_end, r->start + TIER_REGION_SIZE);
		if (r->where[i] & TIER_PAGE_THP) {
			j = tier_split_huge(vma, r, move);
			continue;
		}
		while (start + (j - i) * PAGE_SIZE < end &&
		       (r->where[j] & TIER_PAGE_PICK) &&
		       (r->where[j] & TIER_WHERE_MASK) == from)
			j++;
		tier_migrate_range(vma, start, j - i, &move->target, move);
		for (k = 0; k < j - i; k++) {
			if (!test_bit(k, move->done))
				continue;
			r->where[i + k] &= ~(TIER_WHERE_MASK | TIER_PAGE_PICK);
			if (from == TIER_WHERE_FAST) {
				r->where[i + k] |= TIER_WHERE_SLOW;
				r->nr_fast--;
				r->nr_slow++;
			} else {
				r->where[i + k] |= TIER_WHERE_FAST;
				r->nr_slow--;
				r->nr_fast++;
			}
		}
	}
}

/*
 * The next region of the job's round, or NULL when all are taken.  The
 * lock covers one lookup at a time: skipping the regions the round did not
 * plan (a sparse address space has many) never holds it long.
 */
static struct tier_region *tier_job_claim(struct tier_job *job)
{
	struct tier_region *r;

	for (;;) {
		spin_lock(&job->lock);
		r = xa_find(&job->space->regions, &job->next, ULONG_MAX,
			    XA_PRESENT);
		if (r)
			job->next++;
		spin_unlock(&job->lock);
		if (!r || r->planned == job->round)
			return r;
		cond_resched();
	}
}

static void tier_mover_run(struct tier_mover *m)
{
	struct tier_job *job = m->job;
	struct mm_struct *mm = job->space->mm;
	struct tier_region *r;
	u64 t0 = ktime_get_ns();

	mmap_read_lock(mm);
	while ((r = tier_job_claim(job))) {
		m->claimed = true;
		tier_move_region(mm, r, job->from, &m->move);
		cond_resched();
	}
	mmap_read_unlock(mm);
	m->ns += ktime_get_ns() - t0;
}

static void tier_mover_work(struct work_struct *work)
{
	tier_mover_run(container_of(work, struct tier_mover, work));
}

/*
 * Up to @max CPUs for helpers: those the threads of @space's process last
 * ran on, other than the one this runs on.  Not those of real-time or
 * deadline threads: a helper there would wait for them, and the round for
 * the helper once it has started.
 */
static unsigned int tier_helper_cpus(struct tier_space *space, int *cpus,
				     unsigned int max)
{
	int self = raw_smp_processor_id(), cpu;
	struct task_struct *p, *t;
	unsigned int n = 0, i;

	if (!max)
		return 0;
	rcu_read_lock();
	p = pid_task(space->pid, PIDTYPE_TGID);
	if (p) {
		for_each_thread(p, t) {
			cpu = task_cpu(t);
			if (cpu == self || !cpu_online(cpu) || rt_or_dl_task(t))
				continue;
			for (i = 0; i < n && cpus[i] != cpu; i++)
				;
			if (i < n)
				continue;
			cpus[n++] = cpu;
			if (n == max)
				break;
		}
	}
	rcu_read_unlock();
	return n;
}

/**
 * tier_move_pages() - move the picked pages of a registration
 * @reg: the registration
 * @from: TIER_WHERE_SLOW (promote) or TIER_WHERE_FAST (demote)
 * @round: the round that picked them
 * @target: the destination node
 * @picked: how many pages were picked (how many helpers are worth it)
 * @out: counts added to; cpu_ns gets the movers' time added up, threads
 *	the most movers that took regions of one address space
 *
 * Called with tier_lock held.
 */
void tier_move_pages(struct tier_reg *reg, u8 from, u64 round, int target,
		     u64 picked, struct tier_moved *out)
{
	struct tier_job job = { .round = round, .from = from };
	int cpus[TIER_MAX_MOVERS];
	struct tier_space *space;
	unsigned int helpers, n, i, ran;

	lockdep_assert_held(&tier_lock);
	helpers = clamp(READ_ONCE(tier_migrate_threads), 1U, tier_nr_movers);
	helpers = min_t(u64, helpers - 1, picked / TIER_PAGES_PER_HELPER);
	spin_lock_init(&job.lock);
	for (i = 0; i <= helpers; i++) {
		struct tier_mover *m = &tier_movers[i];

		m->job = &job;
		m->ns = 0;
		memset(&m->move, 0, sizeof(m->move));
		m->move.src = m->buf;
		m->move.dst = m->buf + TIER_REGION_PAGES;
		m->move.target = target;
	}

	list_for_each_entry(space, &reg->spaces, node) {
		if (READ_ONCE(space->dead) || !mmget_not_zero(space->mm))
			continue;
		job.space = space;
		job.next = 0;
		for (i = 0; i <= helpers; i++)
			tier_movers[i].claimed = false;
		n = tier_helper_cpus(space, cpus, helpers);
		for (i = 1; i <= n; i++)
			queue_work_on(cpus[i - 1], tier_move_wq,
				      &tier_movers[i].work);
		tier_mover_run(&tier_movers[0]);
		/*
		 * Every region is taken.  A helper that has not started yet
		 * (its CPU busy with a real-time task, say) is not waited
		 * for: it would find nothing left.  One that has is, until
		 * it is done with its region.
		 */
		for (i = 1; i <= n; i++)
			cancel_work_sync(&tier_movers[i].work);
		ran = 0;
		for (i = 0; i <= n; i++)
			ran += tier_movers[i].claimed;
		out->threads = max(out->threads, ran);
		mmput(space->mm);
	}

	for (i = 0; i <= helpers; i++) {
		struct tier_mover *m = &tier_movers[i];

		out->moved += m->move.moved;
		out->failed += m->move.failed;
		out->thp_split += m->move.thp_split;
		out->cpu_ns += m->ns;
	}
}

int tier_movers_init(void)
{
	unsigned int i;

	tier_nr_movers = min_t(unsigned int, nr_cpu_ids, TIER_MAX_MOVERS);
	tier_movers = kvcalloc(tier_nr_movers, sizeof(*tier_movers),
			       GFP_KERNEL);
	if (!tier_movers)
		return -ENOMEM;
	for (i = 0; i < tier_nr_movers; i++)
		INIT_WORK(&tier_movers[i].work, tier_mover_work);
	tier_move_wq = alloc_workqueue("strata_tier_move", WQ_CPU_INTENSIVE | WQ_HIGHPRI,
				       0);
	if (!tier_move_wq) {
		kvfree(tier_movers);
		return -ENOMEM;
	}
	return 0;
}

void tier_movers_exit(void)
{
	destroy_workqueue(tier_move_wq);
	kvfree(tier_movers);
}

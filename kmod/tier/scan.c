// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier - accessed-bit scanning
 *
 * A round walks the anonymous private mappings of an address space under
 * mmap_read_lock, tests and clears the accessed bit of every present page
 * and shifts it into the page's history.  Page tables are walked with
 * apply_to_existing_page_range(), which refuses huge PMDs: those are found
 * first, by hand, and their single accessed bit is handled under the PMD
 * lock for all the pages of the huge page.  The TLBs are flushed once per
 * round, after which the CPU sets the bits again on the next access.
 */

#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <asm/tlbflush.h>

#include "tier.h"

/* where[] value of a page the PTE walk has not reached (yet) */
#define TIER_WHERE_UNSEEN	0xff

/* A region's page-table entries are walked at least every this many rounds. */
#define TIER_FULL_WALK		32

struct tier_walk {
	struct tier_region *r;
	struct tier_scan *scan;
	u8 flags;		/* for every page of the mapping */
};

static u8 tier_where(const struct tier_nodes *nodes, int nid)
{
	if (node_isset(nid, nodes->fast))
		return TIER_WHERE_FAST;
	if (node_isset(nid, nodes->slow))
		return TIER_WHERE_SLOW;
	return TIER_WHERE_OTHER;
}

static inline unsigned int tier_index(unsigned long addr)
{
	return (addr & (TIER_REGION_SIZE - 1)) >> PAGE_SHIFT;
}

static void tier_note(struct tier_region *r, unsigned int i, bool young,
		      u8 where)
{
	r->hist[i] = (r->hist[i] >> 1) | (young ? 0x80 : 0);
	if (r->seen[i] < U8_MAX)
		r->seen[i]++;
	r->where[i] = where;
}

static void tier_note_absent(struct tier_region *r, unsigned int i)
{
	r->hist[i] = 0;
	r->seen[i] = 0;
	r->where[i] = TIER_WHERE_NONE;
}

static u8 tier_folio_flags(struct folio *folio, u8 large)
{
	u8 flags = 0;

	if (folio_test_large(folio))
		flags |= large;
	if (folio_test_ksm(folio))
		flags |= TIER_PAGE_KSM;
	if (folio_maybe_dma_pinned(folio))
		flags |= TIER_PAGE_PINNED;
	return flags;
}

/*
 * apply_to_existing_page_range() callback, under the PTE lock.  This runs
 * for every page of every registered mapping each round: it does as little
 * as it can.  In an anonymous private mapping a present page is anonymous
 * or the zero page.  Whether the page can move (pinned, KSM, part of a
 * large folio) is only looked up for possible candidates: fast pages, and
 * slow pages used lately; the cold slow pages, most of them, are spared.
 */
static int tier_scan_pte(pte_t *ptep, unsigned long addr, void *data)
{
	struct tier_walk *w = data;
	struct tier_region *r = w->r;
	unsigned int i = tier_index(addr);
	pte_t pte = ptep_get(ptep);
	struct page *page;
	bool young;
	u8 where;

	if (!pte_present(pte))
		goto absent;
	/* Special: the zero page (no other special page in such a VMA). */
	if (pte_special(pte))
		goto absent;
	page = pfn_to_page(pte_pfn(pte));
	/* What ptep_test_and_clear_young() does; it is not exported. */
	young = pte_young(pte) &&
		test_and_clear_bit(_PAGE_BIT_ACCESSED,
				   (unsigned long *)&ptep->pte);
	where = tier_where(w->scan->nodes, page_to_nid(page));
	if (where == TIER_WHERE_FAST ||
	    (where == TIER_WHERE_SLOW && (young || (r->hist[i] & 0xe0))))
		where |= tier_folio_flags(page_folio(page), TIER_PAGE_LARGE);
	tier_note(r, i, young, where | w->flags);
	w->scan->scanned++;
	w->scan->young += young;
	return 0;
absent:
	tier_note_absent(r, i);
	return 0;
}

/*
 * A huge PMD: one accessed bit for all its pages.  Returns false when it
 * was split under us (the caller walks the PTEs instead).
 */
static bool tier_scan_huge(struct mm_struct *mm, pmd_t *pmd,
			   unsigned long addr, unsigned long end,
			   struct tier_walk *w)
{
	struct folio *folio;
	spinlock_t *ptl;
	bool young;
	u8 where;

	ptl = pmd_lock(mm, pmd);
	if (!pmd_trans_huge(*pmd)) {
		spin_unlock(ptl);
		return false;
	}
	folio = page_folio(pmd_page(*pmd));
	if (!folio_test_anon(folio)) {		/* the huge zero page */
		spin_unlock(ptl);
		for (; addr < end; addr += PAGE_SIZE)
			tier_note_absent(w->r, tier_index(addr));
		return true;
	}
	young = pmd_young(*pmd) &&
		test_and_clear_bit(_PAGE_BIT_ACCESSED,
				   (unsigned long *)&pmd->pmd);
	where = tier_where(w->scan->nodes, folio_nid(folio)) |
		tier_folio_flags(folio, TIER_PAGE_THP) | w->flags;
	spin_unlock(ptl);

	for (; addr < end; addr += PAGE_SIZE) {
		tier_note(w->r, tier_index(addr), young, where);
		w->scan->scanned++;
		w->scan->young += young;
	}
	return true;
}

/**
 * tier_region_settle() - apply the aging a region's idle rounds deferred
 * @r: the region
 *
 * A round that finds a region untouched only counts it in @r->pending;
 * the pages' histories are shifted when they are next needed.
 */
void tier_region_settle(struct tier_region *r)
{
	unsigned int i, n = r->pending;

	if (!n)
		return;
	for (i = 0; i < TIER_REGION_PAGES; i++) {
		if ((r->where[i] & TIER_WHERE_MASK) == TIER_WHERE_NONE)
			continue;
		r->hist[i] >>= n;
		r->seen[i] = min_t(unsigned int, r->seen[i] + n, U8_MAX);
	}
	r->pending = 0;
}

/*
 * Was nothing in the region behind @pmd (a page table) accessed since the
 * last round?  x86 sets the accessed bit of a PMD entry whenever it walks
 * through it (MGLRU relies on the same); it is tested and cleared once per
 * round and region, and an idle region is aged lazily.  Pages can change
 * nodes or go away without an access, so every region is still walked
 * at least every TIER_FULL_WALK rounds.
 */
static bool tier_region_idle(struct tier_region *r, pmd_t *pmd, u64 round)
{
	if (r->tested == round)
		return r->idle;
	r->tested = round;
	r->idle = arch_has_hw_nonleaf_pmd_young() &&
		  !test_and_clear_bit(_PAGE_BIT_ACCESSED,
				      (unsigned long *)&pmd->pmd) &&
		  r->walked && round - r->walked < TIER_FULL_WALK;
	if (r->idle)
		r->pending = min(r->pending + 1, 8);
	return r->idle;
}

/* Find the PMD mapping @addr, or NULL when a level above is empty. */
static pmd_t *tier_pmd(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud) || pud_bad(*pud))
		return NULL;
	return pmd_offset(pud, addr);
}

/* Scan [addr, end), inside one region and one VMA. */
static void tier_scan_range(struct mm_struct *mm, unsigned long addr,
			    unsigned long end, struct tier_walk *w)
{
	unsigned long a;
	pmd_t *pmd, val;

	bitmap_set(w->r->covered, tier_index(addr), (end - addr) >> PAGE_SHIFT);
	pmd = tier_pmd(mm, addr);
	if (!pmd)
		goto absent;
again:
	val = pmdp_get_lockless(pmd);
	/* Not present: empty, or a huge page under migration. */
	if (pmd_none(val) || !pmd_present(val))
		goto absent;
	if (pmd_trans_huge(val)) {
		tier_region_settle(w->r);
		if (tier_scan_huge(mm, pmd, addr, end, w))
			return;
		goto again;
	}
	if (pmd_bad(val))
		goto absent;
	if (tier_region_idle(w->r, pmd, w->scan->round))
		return;
	/*
	 * A region in use whose pages are all on the fast tier matters only
	 * when room is wanted there: until then it is left as it was (its
	 * accessed bits keep what happens meanwhile for the next walk).
	 */
	if (!w->scan->pressure && w->r->planned && w->r->nr_fast &&
	    !w->r->nr_slow && w->scan->round - w->r->walked < TIER_FULL_WALK) {
		w->r->frozen = w->scan->round;
		return;
	}
	tier_region_settle(w->r);
	w->r->walked = w->scan->round;

	/*
	 * A page table: under mmap_read_lock it cannot turn into a huge PMD
	 * (collapsing takes the lock for writing), so the walk below never
	 * meets one.  Pages it does not call us for are absent.
	 */
	for (a = addr; a < end; a += PAGE_SIZE)
		w->r->where[tier_index(a)] = TIER_WHERE_UNSEEN;
	apply_to_existing_page_range(mm, addr, end - addr, tier_scan_pte, w);
	for (a = addr; a < end; a += PAGE_SIZE)
		if (w->r->where[tier_index(a)] == TIER_WHERE_UNSEEN)
			tier_note_absent(w->r, tier_index(a));
	return;
absent:
	tier_region_settle(w->r);
	for (a = addr; a < end; a += PAGE_SIZE)
		tier_note_absent(w->r, tier_index(a));
}

static struct tier_region *tier_region_get(struct tier_space *space,
					   unsigned long addr, u64 round)
{
	unsigned long idx = addr >> TIER_REGION_SHIFT;
	struct tier_region *r = xa_load(&space->regions, idx);

	if (!r) {
		r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
		if (!r)
			return NULL;
		r->start = idx << TIER_REGION_SHIFT;
		if (xa_err(xa_store(&space->regions, idx, r,
				    GFP_KERNEL_ACCOUNT))) {
			kfree(r);
			return NULL;
		}
	}
	if (r->round != round) {
		bitmap_zero(r->covered, TIER_REGION_PAGES);
		r->round = round;
	}
	return r;
}

static bool tier_vma_scannable(struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma) &&
	       !(vma->vm_flags & (VM_SHARED | VM_HUGETLB | VM_PFNMAP |
				  VM_MIXEDMAP | VM_IO));
}

/**
 * tier_scan_space() - one round of accessed-bit scanning
 * @space: the address space
 * @scan: round number in, page counts out (added to)
 *
 * Regions no longer mapped are dropped.
 * Return: 0, or -ESRCH when the address space is gone.
 */
int tier_scan_space(struct tier_space *space, struct tier_scan *scan)
{
	struct mm_struct *mm = space->mm;
	struct vm_area_struct *vma;
	struct tier_region *r;
	unsigned long idx;
	struct tier_walk w = { .scan = scan };

	if (READ_ONCE(space->dead) || !mmget_not_zero(mm))
		return -ESRCH;
	mmap_read_lock(mm);
	{
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			unsigned long addr, next;

			if (!tier_vma_scannable(vma))
				continue;
			/*
			 * ksmd may merge any page of a mergeable mapping at
			 * any moment, and migrate_vma_*() must never meet a
			 * KSM page (it leaves migration entries of an unlocked
			 * KSM folio behind: a BUG on the next fault there).
			 * Such mappings are watched, never moved.
			 */
			w.flags = vma->vm_flags & VM_MERGEABLE ?
				  TIER_PAGE_KSM : 0;
			for (addr = vma->vm_start; addr < vma->vm_end;
			     addr = next) {
				next = min((addr | (TIER_REGION_SIZE - 1)) + 1,
					   vma->vm_end);
				w.r = tier_region_get(space, addr, scan->round);
				if (!w.r)
					break;
				tier_scan_range(mm, addr, next, &w);
			}
			cond_resched();
		}
	}
	mmap_read_unlock(mm);
	mmput(mm);

	/* Pages outside the mappings scanned this round are absent. */
	xa_for_each(&space->regions, idx, r) {
		unsigned int i;

		if (r->round != scan->round) {
			xa_erase(&space->regions, idx);
			kfree(r);
			continue;
		}
		for_each_clear_bit(i, r->covered, TIER_REGION_PAGES)
			tier_note_absent(r, i);
	}
	return 0;
}

/** tier_space_free_regions() - forget the history of an address space */
void tier_space_free_regions(struct tier_space *space)
{
	struct tier_region *r;
	unsigned long idx;

	xa_for_each(&space->regions, idx, r)
		kfree(r);
	xa_destroy(&space->regions);
}

static void tier_flush_local(void *unused)
{
	__flush_tlb_all();
}

/**
 * tier_flush_tlbs() - flush every CPU's TLB
 *
 * flush_tlb_mm_range() is not exported; __flush_tlb_all() is, for the
 * local CPU: run it everywhere, once per round.  Nothing waits for the
 * other CPUs: an access they make before their flush only counts for the
 * round before, and the next round is milliseconds away at the least.
 */
void tier_flush_tlbs(void)
{
	on_each_cpu(tier_flush_local, NULL, 0);
}

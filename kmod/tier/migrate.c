// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier - moving pages between nodes with migrate_vma_*()
 *
 * migrate_pages() is not exported; the migrate_vma_*() API, made for
 * device memory, moves ordinary anonymous pages too when the caller
 * provides the destination pages and copies the data itself:
 *
 *   migrate_vma_setup()	collects and unmaps the range (pages that
 *				are pinned or busy are left out, huge pages
 *				are split), each page locked
 *   (here)			allocate each destination on the target
 *				node, lock it, copy the data
 *   migrate_vma_pages()	switch the mappings' struct pages over
 *   migrate_vma_finalize()	map the new pages (or restore the old ones)
 *
 * Holes and the zero page come back without a page: they get no
 * destination and stay what they are.  The caller holds mmap_read_lock.
 */

#include <linux/highmem.h>
#include <linux/migrate.h>
#include <linux/mm.h>

#include "tier.h"

#define TIER_GFP	(GFP_HIGHUSER_MOVABLE | __GFP_THISNODE | \
			 __GFP_NOWARN | __GFP_NORETRY)

/**
 * tier_migrate_range() - move the pages of a range to a node
 * @vma: the anonymous VMA holding the range
 * @start: first address (page-aligned)
 * @npages: number of pages, at most TIER_REGION_PAGES, inside @vma
 * @target: the node, or NULL to move nothing: that only splits the huge
 *	pages of the range (migrate_vma_setup() splits what it collects)
 * @move: buffers in; counts added to, @done set per page moved
 */
void tier_migrate_range(struct vm_area_struct *vma, unsigned long start,
			unsigned long npages, const int *target,
			struct tier_move *move)
{
	struct migrate_vma args = {
		.vma = vma,
		.start = start,
		.end = start + npages * PAGE_SIZE,
		.src = move->src,
		.dst = move->dst,
		.flags = MIGRATE_VMA_SELECT_SYSTEM,
	};
	unsigned long i;

	bitmap_zero(move->done, TIER_REGION_PAGES);
	memset(move->dst, 0, npages * sizeof(*move->dst));
	if (migrate_vma_setup(&args)) {
		if (target)
			move->failed += npages;
		return;
	}
	if (!target)
		goto finalize;

	for (i = 0; i < npages; i++) {
		struct page *spage = migrate_pfn_to_page(args.src[i]);
		struct page *dpage;

		if (!spage || !(args.src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		if (page_to_nid(spage) == *target)
			continue;
		dpage = alloc_pages_node(*target, TIER_GFP, 0);
		if (!dpage)
			continue;
		lock_page(dpage);
		copy_highpage(dpage, spage);
		args.dst[i] = migrate_pfn(page_to_pfn(dpage));
	}
	migrate_vma_pages(&args);
	for (i = 0; i < npages; i++) {
		if (args.dst[i] && (args.src[i] & MIGRATE_PFN_MIGRATE)) {
			__set_bit(i, move->done);
			move->moved++;
		}
	}
finalize:
	migrate_vma_finalize(&args);
	if (!target)
		return;
	/* The rest were pinned, busy, raced with a fault or had no page. */
	move->failed += npages - bitmap_weight(move->done, npages);
}

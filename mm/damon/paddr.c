// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON operation set for the physical address space: "paddr".
 *
 * The sampled page is looked up by its frame number.  Its accessed state
 * lives in every page table entry that maps it, found through the reverse
 * mapping, and in its idle flag, which covers accesses that reached it
 * without a mapping (page cache reads) and accesses whose Accessed bit
 * someone else already consumed.
 */

#define pr_fmt(fmt) "damon-pa: " fmt

#include <linux/damon.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/page_idle.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>

#include "../internal.h"
#include "ops-common.h"
#include "regions.h"

/* ==================== Reverse-mapping walks ==================== */

static bool damon_pa_mkold_one(struct folio *folio,
			       struct vm_area_struct *vma,
			       unsigned long addr, void *arg)
{
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, addr, 0);
	struct damon_tlb_batch *batch = arg;
	bool was_young = false;

	while (page_vma_mapped_walk(&pvmw)) {
		if (pvmw.pte)
			was_young |= damon_ptep_mkold(pvmw.pte, vma,
						      pvmw.address);
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
		else
			was_young |= damon_pmdp_mkold(pvmw.pmd, vma,
						      pvmw.address);
#endif
	}
	if (was_young)
		damon_tlb_batch_add(batch, vma->vm_mm);
	return true;
}

static bool damon_pa_young_one(struct folio *folio,
			       struct vm_area_struct *vma,
			       unsigned long addr, void *arg)
{
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, addr, 0);
	bool *young = arg;

	/* the walk ends by itself past this folio's entries in @vma */
	while (page_vma_mapped_walk(&pvmw)) {
		if (*young)
			continue;
		if (pvmw.pte)
			*young = damon_ptep_young(pvmw.pte, vma, pvmw.address);
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
		else
			*young = damon_pmdp_young(pvmw.pmd, vma, pvmw.address);
#endif
	}
	/* one young mapping is enough: stop the reverse map walk */
	return !*young;
}

/*
 * Walk the mappings of @folio with @rmap_one.  Return false if the folio
 * lock needed for that was contended and nothing was walked.
 */
static bool damon_pa_walk_mappings(struct folio *folio,
				   bool (*rmap_one)(struct folio *folio,
						    struct vm_area_struct *vma,
						    unsigned long addr,
						    void *arg),
				   void *arg)
{
	struct rmap_walk_control rwc = {
		.rmap_one = rmap_one,
		.arg = arg,
		.anon_lock = folio_lock_anon_vma_read,
	};

	if (!folio_mapped(folio) || !folio_raw_mapping(folio))
		return true;
	if (folio_test_anon(folio) && !folio_test_ksm(folio)) {
		rmap_walk(folio, &rwc);
		return true;
	}
	/* file and KSM folios need the folio lock for a stable mapping */
	if (!folio_trylock(folio))
		return false;
	rmap_walk(folio, &rwc);
	folio_unlock(folio);
	return true;
}

/* ==================== Access checks ==================== */

static void damon_pa_mkold(unsigned long paddr, struct damon_tlb_batch *batch)
{
	struct folio *folio = damon_get_folio(PHYS_PFN(paddr));

	if (!folio)
		return;
	damon_pa_walk_mappings(folio, damon_pa_mkold_one, batch);
	folio_set_idle(folio);
	folio_put(folio);
}

static bool damon_pa_young(unsigned long paddr)
{
	struct folio *folio = damon_get_folio(PHYS_PFN(paddr));
	bool young = false;

	if (!folio)
		return false;
	if (!folio_test_idle(folio))
		young = true;
	else if (!damon_pa_walk_mappings(folio, damon_pa_young_one, &young))
		young = true;	/* a locked folio is in use */
	folio_put(folio);
	return young;
}

static void damon_pa_start_sample(struct damon_ctx *ctx)
{
	struct damon_tlb_batch batch = { .nr = 0 };
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			r->sampling_addr = damon_rand(r->ar.start, r->ar.end);
			damon_pa_mkold(r->sampling_addr, &batch);
		}
		cond_resched();
	}
	/* see ops-common.c: stale TLB entries would hide accesses */
	damon_tlb_batch_flush(&batch);
}

static void damon_pa_finish_sample(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;
	bool young;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			young = damon_pa_young(r->sampling_addr);
			damon_update_region_access_rate(r, young, &ctx->attrs);
		}
		cond_resched();
	}
}

/* ==================== Default monitoring region ==================== */

static int damon_pa_find_biggest_ram(struct resource *res, void *arg)
{
	struct damon_addr_range *biggest = arg;

	if (resource_size(res) > biggest->end - biggest->start) {
		biggest->start = res->start;
		biggest->end = res->end + 1;
	}
	return 0;
}

/**
 * damon_set_region_biggest_system_ram_default() - Monitor the biggest
 * System RAM block unless a range is given.
 * @t:		The target.
 * @start:	Start of the range to monitor, or 0 with *@end also 0 for
 *		the default.  Receives the start actually used.
 * @end:	End of the range to monitor.  Receives the end actually used.
 *
 * Return: 0 on success, -EINVAL if *@start > *@end or no System RAM was
 * found, -ENOMEM when out of memory.
 */
int damon_set_region_biggest_system_ram_default(struct damon_target *t,
						unsigned long *start,
						unsigned long *end)
{
	struct damon_addr_range range = { .start = *start, .end = *end };

	if (range.start > range.end)
		return -EINVAL;
	if (!range.start && !range.end) {
		walk_system_ram_res(0, -1, &range, damon_pa_find_biggest_ram);
		if (range.start >= range.end)
			return -EINVAL;
		*start = range.start;
		*end = range.end;
	}
	return damon_set_regions(t, &range, 1, DAMON_MIN_REGION);
}

static const struct damon_operations damon_pa_ops = {
	.id = DAMON_OPS_PADDR,
	.name = "paddr",
	.start_sample = damon_pa_start_sample,
	.finish_sample = damon_pa_finish_sample,
};

static int __init damon_pa_initcall(void)
{
	int err = damon_register_ops(&damon_pa_ops);

	if (err)
		pr_err("cannot register the operation set (%d)\n", err);
	return err;
}
subsys_initcall(damon_pa_initcall);

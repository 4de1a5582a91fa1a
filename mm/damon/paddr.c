// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON operation set for the physical address space: "paddr".
 *
 * The sampled page is looked up by its frame number.  Its accessed state
 * lives in every page table entry that maps it, found through the reverse
 * mapping, and in its idle flag, which covers accesses that reached it
 * without a mapping (page cache reads) and accesses whose Accessed bit
 * someone else already consumed.
 *
 * With a write sample filter, the sample also makes the mappings of the
 * sampled page clean and finds it written if one is dirty again (see
 * ops-common.c).  Only mappings are seen: a write() to a page cache page
 * that is not mapped dirties no page table entry.
 */

#define pr_fmt(fmt) "damon-pa: " fmt

#include <linux/damon.h>
#include <linux/ioport.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/page_idle.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>

#include "../internal.h"
#include "blocks.h"
#include "fault.h"
#include "ops-common.h"
#include "regions.h"

/* ==================== Reverse-mapping walks ==================== */

/*
 * What a walk over the mappings of a folio does or found.  Accessed bits
 * are those of the whole folio; Dirty bits only those of the sampled page,
 * @pfn, so that writes are told per page as vaddr tells them, and so that
 * a sample flushes the TLBs for one page at most per mapping.
 */
struct damon_pa_check {
	unsigned long pfn;	/* the sampled page */
	bool write;	/* make clean, or test dirty, too */
	bool young;	/* test: accessed */
	bool dirty;	/* test: @pfn written */
};

/* Whether the entry @pvmw is at maps @pfn: a PMD maps the whole folio. */
static bool damon_pa_maps_pfn(struct page_vma_mapped_walk *pvmw,
			      unsigned long pfn)
{
	pte_t entry;

	if (!pvmw->pte)
		return true;
	entry = ptep_get(pvmw->pte);
	return pte_present(entry) && pte_pfn(entry) == pfn;
}

static bool damon_pa_mkold_one(struct folio *folio,
			       struct vm_area_struct *vma,
			       unsigned long addr, void *arg)
{
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, addr, 0);
	struct damon_pa_check *c = arg;
	bool clean;

	/* no TLB flush for the Accessed bits: see ops-common.c */
	while (page_vma_mapped_walk(&pvmw)) {
		clean = c->write && damon_pa_maps_pfn(&pvmw, c->pfn);
		if (pvmw.pte) {
			damon_ptep_mkold(pvmw.pte, vma, pvmw.address);
			if (clean)
				damon_ptep_mkclean(pvmw.pte, vma,
						   pvmw.address);
			continue;
		}
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
		damon_pmdp_mkold(pvmw.pmd, vma, pvmw.address);
		if (clean)
			damon_pmdp_mkclean(pvmw.pmd, vma, pvmw.address);
#endif
	}
	return true;
}

/* Whether @c knows all it looks for: a written page was accessed, too. */
static bool damon_pa_check_done(const struct damon_pa_check *c)
{
	return c->write ? c->dirty : c->young;
}

/* Test the entry @pvmw is at, as @c asks. */
static void damon_pa_check_entry(struct page_vma_mapped_walk *pvmw,
				 struct damon_pa_check *c)
{
	struct vm_area_struct *vma = pvmw->vma;
	bool page = c->write && damon_pa_maps_pfn(pvmw, c->pfn);

	if (pvmw->pte) {
		if (!c->young)
			c->young = damon_ptep_young(pvmw->pte, vma,
						    pvmw->address);
		if (page)
			c->dirty = damon_ptep_dirty(pvmw->pte, vma,
						    pvmw->address);
		return;
	}
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	if (!c->young)
		c->young = damon_pmdp_young(pvmw->pmd, vma, pvmw->address);
	if (page)
		c->dirty = damon_pmdp_dirty(pvmw->pmd, vma, pvmw->address);
#endif
}

static bool damon_pa_young_one(struct folio *folio,
			       struct vm_area_struct *vma,
			       unsigned long addr, void *arg)
{
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, addr, 0);
	struct damon_pa_check *c = arg;

	/* the walk ends by itself past this folio's entries in @vma */
	while (page_vma_mapped_walk(&pvmw)) {
		if (!damon_pa_check_done(c))
			damon_pa_check_entry(&pvmw, c);
	}
	/* one young (or, for writes, dirty) mapping is enough: stop */
	return !damon_pa_check_done(c);
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

/* The physical address of DAMON address @addr of @ctx. */
static phys_addr_t damon_pa_phys(struct damon_ctx *ctx, unsigned long addr)
{
	return (phys_addr_t)addr * ctx->addr_unit;
}

/* The DAMON address (or size) of physical address (or size) @phys. */
static unsigned long damon_pa_core_addr(struct damon_ctx *ctx,
					phys_addr_t phys)
{
	return div_u64(phys, ctx->addr_unit);
}

/*
 * Make @folio look unaccessed: clear its mappings' Accessed bits, and
 * with @c->write make the mappings of page @c->pfn clean.  A file or KSM
 * folio whose lock is contended keeps its bits (and so may look written
 * in this sample).
 */
static void damon_pa_folio_start(struct folio *folio, struct damon_pa_check *c)
{
	damon_pa_walk_mappings(folio, damon_pa_mkold_one, c);
	folio_set_idle(folio);
}

/* Make @folio look unaccessed, as the young filters and preps do. */
static void damon_pa_folio_mkold(struct folio *folio)
{
	struct damon_pa_check c = {};

	damon_pa_folio_start(folio, &c);
}

/*
 * Whether @folio was accessed (and, with @c->write, page @c->pfn written)
 * since damon_pa_folio_start(), in @c->young and @c->dirty.
 */
static void damon_pa_folio_check(struct folio *folio, struct damon_pa_check *c)
{
	c->young = !folio_test_idle(folio);
	c->dirty = false;
	if (damon_pa_check_done(c))
		return;
	/* a locked folio is in use; whether it was written is not known */
	if (!damon_pa_walk_mappings(folio, damon_pa_young_one, c))
		c->young = true;
}

/* Whether @folio was accessed since damon_pa_folio_mkold(). */
static bool damon_pa_folio_young(struct folio *folio)
{
	struct damon_pa_check c = {};

	damon_pa_folio_check(folio, &c);
	return c.young;
}

/* Start a sample at DAMON address @addr of @ctx. */
static void damon_pa_start_page(struct damon_ctx *ctx, unsigned long addr,
				bool write)
{
	struct damon_pa_check c = {
		.pfn = PHYS_PFN(damon_pa_phys(ctx, addr)),
		.write = write,
	};
	struct folio *folio = damon_get_folio(c.pfn);

	if (!folio)
		return;
	damon_pa_folio_start(folio, &c);
	folio_put(folio);
}

/* Whether the page at DAMON address @addr counts as accessed for @ctx. */
static bool damon_pa_check_page(struct damon_ctx *ctx, unsigned long addr,
				bool write)
{
	struct damon_pa_check c = {
		.pfn = PHYS_PFN(damon_pa_phys(ctx, addr)),
		.write = write,
	};
	struct folio *folio = damon_get_folio(c.pfn);

	if (!folio)
		return false;
	damon_pa_folio_check(folio, &c);
	folio_put(folio);
	return damon_sample_counts(ctx, c.young, c.dirty);
}

/* ==================== The page_fault primitive ==================== */

/* What arming the mappings of one sampled page needs. */
struct damon_pa_arm {
	struct damon_fault_site *site;
	unsigned long pfn;	/* the sampled page */
};

/*
 * Make every mapping of the sampled page fault: its PTEs, or the PMDs of
 * its THP.  The TLB is flushed per PTE, under its lock: the mappings are
 * in any address space (a PMD is flushed by damon_fault_arm_pmd()).
 */
static bool damon_pa_arm_one(struct folio *folio, struct vm_area_struct *vma,
			     unsigned long addr, void *arg)
{
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, addr, 0);
	struct damon_pa_arm *a = arg;

	while (page_vma_mapped_walk(&pvmw)) {
		if (!pvmw.pte)
			damon_fault_arm_pmd(a->site, vma, pvmw.address,
					    pvmw.pmd);
		else if (damon_pa_maps_pfn(&pvmw, a->pfn) &&
			 damon_fault_arm_pte(a->site, vma, pvmw.address,
					     pvmw.pte))
			flush_tlb_page(vma, pvmw.address);
	}
	return true;
}

static void damon_pa_fault_start(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;
	struct damon_pa_arm a;
	struct folio *folio;
	unsigned int ti = 0;

	if (damon_fault_begin(ctx))
		return;
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			r->sampling_addr = damon_pick_sampling_addr(ctx, r, 1);
			a.pfn = PHYS_PFN(damon_pa_phys(ctx, r->sampling_addr));
			folio = damon_get_folio(a.pfn);
			if (!folio)
				continue;
			a.site = damon_fault_new_site(ctx, ti, r->sampling_addr,
						      NULL, a.pfn);
			/* a contended file folio lock: not armed, not seen */
			if (a.site)
				damon_pa_walk_mappings(folio, damon_pa_arm_one,
						       &a);
			folio_put(folio);
		}
		cond_resched();
		ti++;
	}
}

static void damon_pa_start_sample(struct damon_ctx *ctx)
{
	bool write = damon_sample_wants_write(ctx);
	struct damon_target *t;
	struct damon_region *r;

	if (damon_samples_faults(ctx)) {
		damon_pa_fault_start(ctx);
		return;
	}
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			r->sampling_addr = damon_pick_sampling_addr(ctx, r, 1);
			damon_pa_start_page(ctx, r->sampling_addr, write);
		}
		cond_resched();
	}
	damon_emulator_flush_all();
}

static void damon_pa_finish_sample(struct damon_ctx *ctx)
{
	bool write = damon_sample_wants_write(ctx);
	struct damon_target *t;
	struct damon_region *r;
	bool accessed;

	if (damon_samples_faults(ctx)) {
		damon_fault_end(ctx);
		return;
	}
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			accessed = damon_pa_check_page(ctx, r->sampling_addr,
						       write);
			damon_update_region_access_rate(r, accessed);
		}
		cond_resched();
	}
}

/* ==================== Data attribute probes ==================== */

/* The folio at DAMON address @addr of @ctx, with a reference, or NULL. */
static struct folio *damon_pa_folio_at(struct damon_ctx *ctx,
				       unsigned long addr)
{
	return damon_get_folio(PHYS_PFN(damon_pa_phys(ctx, addr)));
}

/* The pgidle filters: young in any mapping or by PG_idle; reads only. */
static bool damon_pa_probe_young(struct folio *folio, void *arg)
{
	return damon_pa_folio_young(folio);
}

static void damon_pa_apply_probes(struct damon_ctx *ctx)
{
	static const struct damon_folio_young young = {
		.fn = damon_pa_probe_young,
	};
	struct damon_target *t;
	struct damon_region *r;
	struct folio *folio;

	if (list_empty(&ctx->probes))
		return;
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			/* no folio still counts: its filters do not match */
			folio = damon_pa_folio_at(ctx, r->sampling_addr);
			damon_probes_apply(ctx, r, folio, &young);
			if (folio)
				folio_put(folio);
		}
		cond_resched();
	}
}

/* set_pgidle: what starting an access sample does to the folio @arg. */
static void damon_pa_prep_set_pgidle(void *arg)
{
	damon_pa_folio_mkold(arg);
}

static const struct damon_prep_ops damon_pa_prep_ops = {
	.fns = {
		[DAMON_PREP_SET_PGIDLE] = damon_pa_prep_set_pgidle,
	},
};

static void damon_pa_prep_probes(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;
	struct folio *folio;

	/* the core calls this only if a probe has a prep */
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			folio = damon_pa_folio_at(ctx, r->sampling_addr);
			if (!folio)
				continue;
			damon_probes_prep(ctx, &damon_pa_prep_ops, folio);
			folio_put(folio);
		}
		cond_resched();
	}
}

/* ==================== Applying schemes ==================== */

/* Folios isolated for reclaim or migration before they are handed over. */
#define DAMON_PA_BATCH_FOLIOS	512

/* The state of one application of a scheme to a region. */
struct damon_pa_apply {
	struct damos *s;
	struct list_head reclaim;	/* pageout: isolated folios */
	struct damon_migrate_batch migrate;
	unsigned int nr_batched;	/* folios in @reclaim or @migrate */
	phys_addr_t applied;
	phys_addr_t passed;
};

/* The young filter: accessed since the last check, which starts again. */
static bool damon_pa_filter_young(struct folio *folio, void *arg)
{
	bool young = damon_pa_folio_young(folio);

	if (young)
		damon_pa_folio_mkold(folio);
	return young;
}

/* Hand the isolated folios over to reclaim or migration. */
static void damon_pa_flush(struct damon_pa_apply *pa)
{
	if (!pa->nr_batched)
		return;
	if (pa->s->action == DAMOS_PAGEOUT)
		pa->applied += (phys_addr_t)reclaim_pages(&pa->reclaim) <<
			PAGE_SHIFT;
	else
		pa->applied += damon_migrate_batch_flush(&pa->migrate);
	pa->nr_batched = 0;
}

/* Apply the action to @folio, which passed the filters. */
static void damon_pa_apply_folio(struct damon_pa_apply *pa,
				 struct folio *folio)
{
	switch (pa->s->action) {
	case DAMOS_PAGEOUT:
		if (!folio_isolate_lru(folio))
			return;
		list_add(&folio->lru, &pa->reclaim);
		break;
	case DAMOS_MIGRATE_HOT:
	case DAMOS_MIGRATE_COLD:
		if (!damon_migrate_isolate(&pa->migrate, folio))
			return;
		break;
	case DAMOS_LRU_PRIO:
		folio_activate(folio);
		folio_mark_accessed(folio);
		pa->applied += folio_size(folio);
		return;
	case DAMOS_LRU_DEPRIO:
		folio_deactivate(folio);
		pa->applied += folio_size(folio);
		return;
	default:	/* stat */
		return;
	}
	if (++pa->nr_batched == DAMON_PA_BATCH_FOLIOS)
		damon_pa_flush(pa);
}

/* Visit the LRU folios of [@start, @end) and apply the action to them. */
static void damon_pa_apply_range(struct damon_pa_apply *pa,
				 phys_addr_t start, phys_addr_t end)
{
	const struct damon_folio_young young = {
		.fn = damon_pa_filter_young,
	};
	phys_addr_t addr = start, folio_start, folio_end;
	struct folio *folio;

	while (addr < end) {
		folio = damon_get_folio(PHYS_PFN(addr));
		if (!folio) {
			addr = PFN_PHYS(PHYS_PFN(addr) + 1);
			continue;
		}
		folio_start = PFN_PHYS(folio_pfn(folio));
		folio_end = folio_start + folio_size(folio);
		if (damos_folio_filter_pass(pa->s, folio, &young)) {
			pa->passed += min(folio_end, end) -
				max(folio_start, start);
			damon_pa_apply_folio(pa, folio);
		}
		folio_put(folio);
		addr = folio_end;
		cond_resched();
	}
	damon_pa_flush(pa);
}

/*
 * Take (DAMOS_ALLOC) the pageblocks wholly inside @r, or give back
 * (DAMOS_FREE) those that overlap it, see blocks.c; returns the bytes
 * taken or given back, at most the size of @r.  Blocks past the end of
 * memory are never tried, so that a range up to the top of the address
 * space costs no more than one up to the end of memory.  The unit is a
 * block, not a folio, so ops filters do not apply: all of @r passes
 * them.  The rest of @r counts as failed for the quota.
 */
static unsigned long damon_pa_apply_blocks(struct damon_ctx *ctx,
					   struct damon_region *r,
					   struct damos *s,
					   unsigned long *sz_filter_passed)
{
	u64 first, end_block = ((u64)max_pfn >> pageblock_order) + 1;
	u64 block_sz = PAGE_SIZE << pageblock_order;
	unsigned long nr, bytes;

	*sz_filter_passed = damon_sz_region(r);
	if (s->action == DAMOS_ALLOC)
		nr = damon_blocks_span(r->ar.start, r->ar.end, ctx->addr_unit,
				       block_sz, &first);
	else
		nr = damon_blocks_overlap(r->ar.start, r->ar.end,
					  ctx->addr_unit, block_sz, &first);
	if (first >= end_block)
		return 0;
	nr = min_t(u64, nr, end_block - first);
	if (s->action == DAMOS_ALLOC)
		bytes = damon_blocks_alloc(ctx, first, nr);
	else
		bytes = damon_blocks_free(ctx, first, nr);
	return min(damon_pa_core_addr(ctx, bytes), damon_sz_region(r));
}

static unsigned long damon_pa_apply_scheme(struct damon_ctx *ctx,
					   struct damon_target *t,
					   struct damon_region *r,
					   struct damos *s,
					   unsigned long *sz_filter_passed)
{
	struct damon_pa_apply pa = {
		.s = s,
		.reclaim = LIST_HEAD_INIT(pa.reclaim),
	};
	bool migrate = s->action == DAMOS_MIGRATE_HOT ||
		s->action == DAMOS_MIGRATE_COLD;

	if (s->action == DAMOS_ALLOC || s->action == DAMOS_FREE)
		return damon_pa_apply_blocks(ctx, r, s, sz_filter_passed);
	*sz_filter_passed = 0;
	if (s->action == DAMOS_STAT && !damos_ops_filters_needed(s)) {
		/* nothing to count folio by folio */
		*sz_filter_passed = damon_sz_region(r);
		return 0;
	}
	if (migrate && damon_migrate_batch_init(&pa.migrate, s))
		return 0;
	damon_pa_apply_range(&pa, damon_pa_phys(ctx, r->ar.start),
			     damon_pa_phys(ctx, r->ar.end));
	if (migrate)
		damon_migrate_batch_destroy(&pa.migrate);
	*sz_filter_passed = damon_pa_core_addr(ctx, pa.passed);
	return damon_pa_core_addr(ctx, pa.applied);
}

/* Bytes of [@start, @end) that node @nid spans. */
static unsigned long damon_pa_sz_on_node(struct damon_ctx *ctx,
					 struct damon_target *t,
					 struct damon_region *r, int nid)
{
	phys_addr_t start = damon_pa_phys(ctx, r->ar.start);
	phys_addr_t end = damon_pa_phys(ctx, r->ar.end);
	phys_addr_t node_start, node_end;

	if (nid < 0 || nid >= MAX_NUMNODES || !node_online(nid))
		return 0;
	node_start = PFN_PHYS(node_start_pfn(nid));
	node_end = PFN_PHYS(node_end_pfn(nid));
	if (node_end <= start || end <= node_start)
		return 0;
	return damon_pa_core_addr(ctx, min(end, node_end) -
				  max(start, node_start));
}

/* ==================== Default monitoring region ==================== */

/*
 * Physical addresses may not fit an unsigned long (32-bit with PAE): the
 * span is kept in phys_addr_t until it is divided by the address unit.
 */
struct damon_pa_span {
	phys_addr_t start;
	phys_addr_t end;
};

/* Grow *@arg, a &struct damon_pa_span, to cover System RAM @res too. */
static int damon_pa_span_ram(struct resource *res, void *arg)
{
	struct damon_pa_span *span = arg;

	if (span->start == span->end) {
		span->start = res->start;
		span->end = res->end + 1;
		return 0;
	}
	span->start = min_t(phys_addr_t, span->start, res->start);
	span->end = max_t(phys_addr_t, span->end, res->end + 1);
	return 0;
}

/**
 * damon_set_region_system_rams_default() - Monitor all System RAM unless a
 * range is given.
 * @t:		The target.
 * @start:	Start of the range to monitor, in DAMON addresses (physical
 *		addresses over @addr_unit), or 0 with *@end also 0 for the
 *		default.  Receives the start actually used.
 * @end:	End of the range to monitor.  Receives the end actually used.
 * @addr_unit:	Bytes of physical memory per DAMON address unit, at least 1.
 * @min_sz_region: Minimal region size and alignment of the context.
 *
 * The default is one range from the start of the first System RAM block to
 * the end of the last one, holes between blocks included.
 *
 * Return: 0 on success, -EINVAL if *@start > *@end, if no System RAM was
 * found or if the range is empty once aligned, -ENOMEM when out of memory.
 */
int damon_set_region_system_rams_default(struct damon_target *t,
					 unsigned long *start,
					 unsigned long *end,
					 unsigned long addr_unit,
					 unsigned long min_sz_region)
{
	struct damon_addr_range range = { .start = *start, .end = *end };
	struct damon_pa_span span = {};

	if (!addr_unit || range.start > range.end)
		return -EINVAL;
	if (!range.start && !range.end) {
		walk_system_ram_res(0, -1, &span, damon_pa_span_ram);
		range.start = div64_ul(span.start, addr_unit);
		range.end = div64_ul(span.end, addr_unit);
		if (range.start >= range.end)
			return -EINVAL;
		*start = range.start;
		*end = range.end;
	}
	if (ALIGN(range.start, min_sz_region) >=
	    ALIGN_DOWN(range.end, min_sz_region))
		return -EINVAL;
	return damon_set_regions(t, &range, 1, min_sz_region);
}

#ifdef CONFIG_MIGRATION
#define DAMON_PA_MIGRATE_ACTIONS \
	(BIT(DAMOS_MIGRATE_HOT) | BIT(DAMOS_MIGRATE_COLD))
#else
#define DAMON_PA_MIGRATE_ACTIONS	0
#endif

#ifdef CONFIG_CONTIG_ALLOC
#define DAMON_PA_BLOCK_ACTIONS	(BIT(DAMOS_ALLOC) | BIT(DAMOS_FREE))
#else
#define DAMON_PA_BLOCK_ACTIONS	0
#endif

static const struct damon_operations damon_pa_ops = {
	.id = DAMON_OPS_PADDR,
	.name = "paddr",
	.start_sample = damon_pa_start_sample,
	.finish_sample = damon_pa_finish_sample,
	.apply_scheme = damon_pa_apply_scheme,
	.sz_on_node = damon_pa_sz_on_node,
	.apply_probes = damon_pa_apply_probes,
	.prep_probes = damon_pa_prep_probes,
	.sample_filters = BIT(DAMON_SAMPLE_FILTER_WRITE),
	.page_fault = IS_ENABLED(CONFIG_DAMON_PAGE_FAULT),
	.actions = BIT(DAMOS_PAGEOUT) | BIT(DAMOS_LRU_PRIO) |
		BIT(DAMOS_LRU_DEPRIO) | BIT(DAMOS_STAT) |
		DAMON_PA_MIGRATE_ACTIONS | DAMON_PA_BLOCK_ACTIONS,
};

static int __init damon_pa_initcall(void)
{
	int err = damon_register_ops(&damon_pa_ops);

	if (err)
		pr_err("cannot register the operation set (%d)\n", err);
	return err;
}
subsys_initcall(damon_pa_initcall);

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the access check on real page tables: the mkold and young
 * helpers of mm/damon/ops-common.c, and paddr's sample built on them; and
 * of write monitoring: the mkclean and dirty helpers, and paddr's samples
 * with a write sample filter.  vaddr's samples need the target's mm, which
 * get_task_mm() does not give for a kernel thread such as the test's: the
 * guest selftests cover them.
 *
 * The test thread gets an address space of its own (kunit_vm_mmap()) with
 * one anonymous page.  The tests set the page's Accessed bit by hand where
 * a CPU would set it on an access, so that the results do not depend on
 * how the architecture (UML here) tracks accesses.  Clearing a bit never
 * flushes a TLB (see ops-common.c): what the helpers must get right is the
 * state they leave, which is checked here.  The Dirty bit is set by hand
 * too; that clearing it flushes the TLB cannot be observed here, only that
 * the dirtiness moved to the folio.
 */

#include <kunit/test.h>
#include <linux/damon.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/page_idle.h>
#include <linux/swap.h>
#include <linux/uaccess.h>

#include "../ops-common.h"
#include "damon-kunit.h"

/* One anonymous page of the test thread, present, and where it is mapped. */
struct damon_test_page {
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	unsigned long addr;
	struct folio *folio;
};

/* Map and fault in one anonymous page in a new address space of the test. */
static void damon_test_map_page(struct kunit *test, struct damon_test_page *p)
{
	int __user *uptr;
	spinlock_t *ptl;	/* page table lock */
	pte_t *pte;

	p->addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE,
				PROT_READ | PROT_WRITE,
				MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (!p->addr || IS_ERR_VALUE(p->addr))
		kunit_skip(test, "no user address space for the test");
	uptr = (int __user *)p->addr;
	KUNIT_ASSERT_EQ(test, put_user(1, uptr), 0);
	p->mm = current->mm;
	mmap_read_lock(p->mm);
	p->vma = vma_lookup(p->mm, p->addr);
	pte = get_locked_pte(p->mm, p->addr, &ptl);
	if (pte) {
		p->folio = vm_normal_folio(p->vma, p->addr, ptep_get(pte));
		pte_unmap_unlock(pte, ptl);
	}
	mmap_read_unlock(p->mm);
	KUNIT_ASSERT_NOT_NULL(test, p->vma);
	KUNIT_ASSERT_NOT_NULL(test, p->folio);
}

/*
 * Run @fn on the PTE of @p under its lock and the mmap lock, as the page
 * table walks of the operation sets do; return what @fn returned.
 */
static bool damon_test_at_pte(struct kunit *test, struct damon_test_page *p,
			      bool (*fn)(pte_t *pte, struct vm_area_struct *vma,
					 unsigned long addr))
{
	spinlock_t *ptl;	/* page table lock */
	pte_t *pte;
	bool ret = false;

	mmap_read_lock(p->mm);
	pte = get_locked_pte(p->mm, p->addr, &ptl);
	if (pte) {
		ret = fn(pte, p->vma, p->addr);
		pte_unmap_unlock(pte, ptl);
	}
	mmap_read_unlock(p->mm);
	KUNIT_ASSERT_NOT_NULL(test, pte);
	return ret;
}

/* What a CPU does on an access through a fresh translation. */
static bool damon_test_pte_mkyoung(pte_t *pte, struct vm_area_struct *vma,
				   unsigned long addr)
{
	set_pte_at(vma->vm_mm, addr, pte, pte_mkyoung(ptep_get(pte)));
	return true;
}

/* Whether the PTE itself has the Accessed bit set. */
static bool damon_test_pte_young(pte_t *pte, struct vm_area_struct *vma,
				 unsigned long addr)
{
	return pte_young(ptep_get(pte));
}

/* The state damon_ptep_mkold() must leave: old PTE, idle and young folio. */
static void damon_test_expect_made_old(struct kunit *test,
				       struct damon_test_page *p)
{
	KUNIT_EXPECT_FALSE(test, damon_test_at_pte(test, p,
						   damon_test_pte_young));
	KUNIT_EXPECT_TRUE(test, folio_test_idle(p->folio));
	KUNIT_EXPECT_FALSE(test, damon_test_at_pte(test, p, damon_ptep_young));
}

/*
 * mkold reports a set Accessed bit it cleared, and only then keeps the
 * reference for reclaim in the folio's young flag.
 */
static void damon_test_ptep_mkold(struct kunit *test)
{
	struct damon_test_page p;

	damon_test_map_page(test, &p);
	damon_test_at_pte(test, &p, damon_test_pte_mkyoung);
	folio_test_clear_young(p.folio);
	KUNIT_EXPECT_TRUE(test, damon_test_at_pte(test, &p, damon_ptep_mkold));
	damon_test_expect_made_old(test, &p);
	KUNIT_EXPECT_TRUE(test, folio_test_young(p.folio));

	/* nothing was set: nothing reported, no reference made up */
	folio_test_clear_young(p.folio);
	KUNIT_EXPECT_FALSE(test, damon_test_at_pte(test, &p, damon_ptep_mkold));
	damon_test_expect_made_old(test, &p);
	KUNIT_EXPECT_FALSE(test, folio_test_young(p.folio));
}

/* An access after mkold is seen through the PTE or through PG_idle. */
static void damon_test_ptep_young(struct kunit *test)
{
	struct damon_test_page p;

	damon_test_map_page(test, &p);
	damon_test_at_pte(test, &p, damon_ptep_mkold);
	damon_test_expect_made_old(test, &p);

	damon_test_at_pte(test, &p, damon_test_pte_mkyoung);
	KUNIT_EXPECT_TRUE(test, damon_test_at_pte(test, &p, damon_ptep_young));
	/* testing changes nothing */
	KUNIT_EXPECT_TRUE(test, damon_test_at_pte(test, &p,
						  damon_test_pte_young));

	/* reclaim consumed the Accessed bit and cleared PG_idle */
	damon_test_at_pte(test, &p, damon_ptep_mkold);
	folio_clear_idle(p.folio);
	KUNIT_EXPECT_TRUE(test, damon_test_at_pte(test, &p, damon_ptep_young));
}

/* A paddr context of one region over the folio of @p. */
static struct damon_region *damon_test_pa_region_of(struct kunit *test,
						    struct damon_ctx *ctx,
						    struct damon_test_page *p)
{
	struct damon_target *t = damon_test_add_target(test, ctx);
	phys_addr_t start = PFN_PHYS(folio_pfn(p->folio));

	if (damon_select_ops(ctx, DAMON_OPS_PADDR))
		kunit_skip(test, "no paddr");
	/* new folios wait in a per-CPU batch before they get on the LRU */
	lru_add_drain();
	if (!folio_test_lru(p->folio))
		kunit_skip(test, "the folio did not get on an LRU list");
	return damon_test_new_region(test, t, start, start + PAGE_SIZE);
}

/* One sample of @ctx; return whether it counted an access in @r. */
static bool damon_test_pa_sample(struct damon_ctx *ctx, struct damon_region *r,
				 struct kunit *test, struct damon_test_page *p,
				 bool access)
{
	unsigned int before = r->nr_accesses;

	ctx->ops->start_sample(ctx);
	damon_test_expect_made_old(test, p);
	if (access)
		damon_test_at_pte(test, p, damon_test_pte_mkyoung);
	ctx->ops->finish_sample(ctx);
	return r->nr_accesses != before;
}

/*
 * paddr reaches the PTE through the reverse map: its sample makes the page
 * old, and counts an access only if one happened in between.
 */
static void damon_test_pa_sample_access(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_region *r;
	struct damon_test_page p;

	damon_test_map_page(test, &p);
	r = damon_test_pa_region_of(test, ctx, &p);
	damon_test_at_pte(test, &p, damon_test_pte_mkyoung);
	KUNIT_EXPECT_FALSE(test, damon_test_pa_sample(ctx, r, test, &p, false));
	KUNIT_EXPECT_TRUE(test, damon_test_pa_sample(ctx, r, test, &p, true));
	KUNIT_EXPECT_FALSE(test, damon_test_pa_sample(ctx, r, test, &p, false));
}

/* ==================== Write monitoring ==================== */

/* What a CPU does on a write through a fresh translation. */
static bool damon_test_pte_mkdirty(pte_t *pte, struct vm_area_struct *vma,
				   unsigned long addr)
{
	set_pte_at(vma->vm_mm, addr, pte,
		   pte_mkdirty(pte_mkyoung(ptep_get(pte))));
	return true;
}

/* Whether the PTE itself has the Dirty bit set. */
static bool damon_test_pte_dirty(pte_t *pte, struct vm_area_struct *vma,
				 unsigned long addr)
{
	return pte_dirty(ptep_get(pte));
}

/* Whether the PTE itself allows writes. */
static bool damon_test_pte_writable(pte_t *pte, struct vm_area_struct *vma,
				    unsigned long addr)
{
	return pte_write(ptep_get(pte));
}

/* The PTE of @p, read under its lock. */
static pte_t damon_test_pte_of(struct kunit *test, struct damon_test_page *p)
{
	spinlock_t *ptl;	/* page table lock */
	pte_t *pte, entry = __pte(0);

	mmap_read_lock(p->mm);
	pte = get_locked_pte(p->mm, p->addr, &ptl);
	if (pte) {
		entry = ptep_get(pte);
		pte_unmap_unlock(pte, ptl);
	}
	mmap_read_unlock(p->mm);
	KUNIT_ASSERT_NOT_NULL(test, pte);
	return entry;
}

/* Map the page of @p, then make it dirty in the PTE only. */
static void damon_test_map_dirty_page(struct kunit *test,
				      struct damon_test_page *p)
{
	damon_test_map_page(test, p);
	damon_test_at_pte(test, p, damon_test_pte_mkdirty);
	folio_clear_dirty(p->folio);
}

/* The state damon_ptep_mkclean() must leave: clean PTE, dirty folio. */
static void damon_test_expect_made_clean(struct kunit *test,
					 struct damon_test_page *p)
{
	KUNIT_EXPECT_FALSE(test, damon_test_at_pte(test, p,
						   damon_test_pte_dirty));
	KUNIT_EXPECT_FALSE(test, damon_test_at_pte(test, p, damon_ptep_dirty));
	KUNIT_EXPECT_TRUE(test, folio_test_dirty(p->folio));
}

/*
 * mkclean moves a set Dirty bit to the folio and keeps the rest of the
 * entry: the page, its write permission and its Accessed bit.
 */
static void damon_test_ptep_mkclean(struct kunit *test)
{
	struct damon_test_page p;

	damon_test_map_dirty_page(test, &p);
	KUNIT_EXPECT_TRUE(test, damon_test_at_pte(test, &p, damon_ptep_dirty));
	KUNIT_EXPECT_TRUE(test, damon_test_at_pte(test, &p,
						  damon_ptep_mkclean));
	damon_test_expect_made_clean(test, &p);
	KUNIT_EXPECT_TRUE(test, damon_test_at_pte(test, &p,
						  damon_test_pte_young));
	KUNIT_EXPECT_TRUE(test, damon_test_at_pte(test, &p,
						  damon_test_pte_writable));
	KUNIT_EXPECT_EQ(test, pte_pfn(damon_test_pte_of(test, &p)),
			folio_pfn(p.folio));
}

/* A clean PTE is left exactly as it is, and the folio is not dirtied. */
static void damon_test_ptep_mkclean_clean(struct kunit *test)
{
	struct damon_test_page p;
	pte_t before;

	damon_test_map_dirty_page(test, &p);
	damon_test_at_pte(test, &p, damon_ptep_mkclean);
	folio_clear_dirty(p.folio);
	before = damon_test_pte_of(test, &p);
	KUNIT_EXPECT_FALSE(test, damon_test_at_pte(test, &p,
						   damon_ptep_mkclean));
	KUNIT_EXPECT_EQ(test, pte_val(damon_test_pte_of(test, &p)),
			pte_val(before));
	KUNIT_EXPECT_FALSE(test, folio_test_dirty(p.folio));
}

/* A write after mkclean is seen; testing it changes nothing. */
static void damon_test_ptep_dirty(struct kunit *test)
{
	struct damon_test_page p;

	damon_test_map_dirty_page(test, &p);
	damon_test_at_pte(test, &p, damon_ptep_mkclean);
	KUNIT_EXPECT_FALSE(test, damon_test_at_pte(test, &p, damon_ptep_dirty));
	damon_test_at_pte(test, &p, damon_test_pte_mkdirty);
	KUNIT_EXPECT_TRUE(test, damon_test_at_pte(test, &p, damon_ptep_dirty));
	KUNIT_EXPECT_TRUE(test, damon_test_at_pte(test, &p,
						  damon_test_pte_dirty));
}

/* Give @ctx one write filter: writes count (@allow) or do not. */
static void damon_test_add_write_filter(struct kunit *test,
					struct damon_ctx *ctx, bool allow)
{
	struct damon_sample_filter *f;

	f = damon_new_sample_filter(DAMON_SAMPLE_FILTER_WRITE, true, allow);
	KUNIT_ASSERT_NOT_NULL(test, f);
	damon_add_sample_filter(ctx, f);
	KUNIT_ASSERT_TRUE(test, damon_sample_wants_write(ctx));
}

/* How the page of @p is accessed during a sample. */
enum damon_test_access {
	DAMON_TEST_NONE,
	DAMON_TEST_READ,
	DAMON_TEST_WRITE,
};

/*
 * One sample of @ctx with the access @how; return whether it counted an
 * access in @r.  Starting the sample leaves the page old and clean.
 */
static bool damon_test_write_sample(struct damon_ctx *ctx,
				    struct damon_region *r, struct kunit *test,
				    struct damon_test_page *p,
				    enum damon_test_access how)
{
	unsigned int before = r->nr_accesses;

	ctx->ops->start_sample(ctx);
	damon_test_expect_made_old(test, p);
	KUNIT_EXPECT_FALSE(test, damon_test_at_pte(test, p,
						   damon_test_pte_dirty));
	if (how == DAMON_TEST_READ)
		damon_test_at_pte(test, p, damon_test_pte_mkyoung);
	else if (how == DAMON_TEST_WRITE)
		damon_test_at_pte(test, p, damon_test_pte_mkdirty);
	ctx->ops->finish_sample(ctx);
	return r->nr_accesses != before;
}

/* With writes allowed, only written samples count; nothing is lost. */
static void damon_test_expect_write_samples(struct kunit *test,
					    struct damon_ctx *ctx,
					    struct damon_region *r,
					    struct damon_test_page *p)
{
	/* the page was dirty: the first sample starts by moving that */
	KUNIT_EXPECT_FALSE(test, damon_test_write_sample(ctx, r, test, p,
							 DAMON_TEST_NONE));
	KUNIT_EXPECT_TRUE(test, folio_test_dirty(p->folio));
	KUNIT_EXPECT_TRUE(test, damon_test_write_sample(ctx, r, test, p,
							DAMON_TEST_WRITE));
	KUNIT_EXPECT_FALSE(test, damon_test_write_sample(ctx, r, test, p,
							 DAMON_TEST_READ));
	KUNIT_EXPECT_FALSE(test, damon_test_write_sample(ctx, r, test, p,
							 DAMON_TEST_NONE));
	KUNIT_EXPECT_TRUE(test, damon_test_write_sample(ctx, r, test, p,
							DAMON_TEST_WRITE));
}

/* paddr with a write filter counts written samples only. */
static void damon_test_pa_sample_write(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_region *r;
	struct damon_test_page p;

	damon_test_map_dirty_page(test, &p);
	r = damon_test_pa_region_of(test, ctx, &p);
	damon_test_add_write_filter(test, ctx, true);
	damon_test_expect_write_samples(test, ctx, r, &p);
}

/* A rejecting write filter turns it around: reads count, writes do not. */
static void damon_test_pa_sample_reject_write(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_region *r;
	struct damon_test_page p;

	damon_test_map_dirty_page(test, &p);
	r = damon_test_pa_region_of(test, ctx, &p);
	damon_test_add_write_filter(test, ctx, false);
	KUNIT_EXPECT_TRUE(test, damon_test_write_sample(ctx, r, test, &p,
							DAMON_TEST_READ));
	KUNIT_EXPECT_FALSE(test, damon_test_write_sample(ctx, r, test, &p,
							 DAMON_TEST_WRITE));
	KUNIT_EXPECT_FALSE(test, damon_test_write_sample(ctx, r, test, &p,
							 DAMON_TEST_NONE));
}

/* Without a write filter, the Dirty bit is not touched. */
static void damon_test_pa_sample_no_write(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_region *r;
	struct damon_test_page p;

	damon_test_map_dirty_page(test, &p);
	r = damon_test_pa_region_of(test, ctx, &p);
	ctx->ops->start_sample(ctx);
	ctx->ops->finish_sample(ctx);
	KUNIT_EXPECT_TRUE(test, damon_test_at_pte(test, &p,
						  damon_test_pte_dirty));
	KUNIT_EXPECT_FALSE(test, folio_test_dirty(p.folio));
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 0U);
}

static struct kunit_case damon_ops_dirty_cases[] = {
	KUNIT_CASE(damon_test_ptep_mkclean),
	KUNIT_CASE(damon_test_ptep_mkclean_clean),
	KUNIT_CASE(damon_test_ptep_dirty),
	KUNIT_CASE(damon_test_pa_sample_write),
	KUNIT_CASE(damon_test_pa_sample_reject_write),
	KUNIT_CASE(damon_test_pa_sample_no_write),
	{},
};

static struct kunit_suite damon_ops_dirty_suite = {
	.name = "damon-ops-dirty",
	.test_cases = damon_ops_dirty_cases,
};

static struct kunit_case damon_ops_young_cases[] = {
	KUNIT_CASE(damon_test_ptep_mkold),
	KUNIT_CASE(damon_test_ptep_young),
	KUNIT_CASE(damon_test_pa_sample_access),
	{},
};

static struct kunit_suite damon_ops_young_suite = {
	.name = "damon-ops-young",
	.test_cases = damon_ops_young_cases,
};

kunit_test_suites(&damon_ops_young_suite, &damon_ops_dirty_suite);

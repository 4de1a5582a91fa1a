// SPDX-License-Identifier: GPL-2.0
/*
 * Accessed-bit helpers shared by the DAMON operation sets.
 *
 * DAMON learns about an access from the Accessed ("young") bit of a page
 * table entry, from a secondary MMU through the mmu notifiers, or from the
 * page's idle flag having been cleared by someone else who consumed the
 * Accessed bit (reclaim, idle page tracking).  To start a sample, it clears
 * the Accessed bits and sets the idle flag.  Where it cleared a set
 * Accessed bit, it sets the folio's young flag, so that reclaim still sees
 * the reference it would have found in the page table.
 *
 * Clearing an Accessed bit does not flush the TLBs: DAMON follows the
 * architecture's young-bit contract as the kernel's other Accessed-bit
 * users that are not about to unmap the page do (idle page tracking, the
 * multi-gen LRU's aging), through ptep_clear_young_notify() and
 * pmdp_clear_young_notify(), which never flush on x86 (see
 * ptep_clear_flush_young() in arch/x86/mm/pgtable.c).  A CPU that still
 * caches a translation of the page does not set the bit again on a
 * re-access until that entry is evicted, so such an access may be seen
 * one or more samples late.  On real CPUs that costs little accuracy:
 * their TLBs hold a few thousand entries at most, context switches and
 * other translations evict them, and a sample lasts 5 ms or more, while a
 * flush per sample would send IPIs to every CPU running the target and
 * make it refill its TLB up to 200 times a second.
 *
 * Emulators are another matter: QEMU's TCG keeps a software TLB that can
 * grow to hold a whole hot set and is only flushed on CR3 writes, so a hot
 * set may look idle there for seconds.  The test rig, and only the test
 * rig, sets damon_ops.flush_tlb_for_emulators=Y: each sample then flushes
 * the TLBs of each monitored address space once (damon_emulator_flush()),
 * or for paddr those of every CPU (damon_emulator_flush_all()).
 * Off, the cost is one load and branch per address space and sample.
 *
 * Write monitoring (a write sample filter, see damon_sample_wants_write())
 * adds the Dirty bit of the same entries: a sample starts by making the
 * sampled page's mappings clean and finds it written if a mapping is dirty
 * again.  Unlike the Accessed bit, a cleared Dirty bit is followed by a TLB
 * flush, and what it said is first moved to the folio: see
 * damon_ptep_mkclean() and Documentation/mm/damon/design.rst.
 */

#include <linux/cacheflush.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mmu_notifier.h>
#include <linux/page_idle.h>
#include <linux/pgtable.h>

#include "ops-common.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "damon_ops."

/*
 * Test-rig knob, see the comment at the top; never set it on hardware.
 * Read with READ_ONCE() as it may be written while kdamonds run.
 */
bool damon_flush_tlb_for_emulators __read_mostly;
module_param_named(flush_tlb_for_emulators, damon_flush_tlb_for_emulators,
		   bool, 0600);

/**
 * damon_get_folio() - Get a reference to the LRU folio holding a page.
 * @pfn:	Page frame number of the page.
 *
 * Return: the folio (of which the page may be a tail page) with an
 * elevated reference count, or NULL if @pfn is offline or its folio is not
 * on an LRU list.
 */
struct folio *damon_get_folio(unsigned long pfn)
{
	struct page *page = pfn_to_online_page(pfn);
	struct folio *folio = page ? page_folio(page) : NULL;

	if (!folio || !folio_test_lru(folio) || !folio_try_get(folio))
		return NULL;
	/* recheck: it may have been split or freed before we got it */
	if (likely(page_folio(page) == folio && folio_test_lru(folio)))
		return folio;
	folio_put(folio);
	return NULL;
}

/* Start a new sample on @folio; return whether a mapping was young. */
static bool damon_folio_start_sample(struct folio *folio, bool was_young)
{
	if (was_young)
		folio_set_young(folio);
	folio_set_idle(folio);
	return was_young;
}

/**
 * damon_ptep_mkold() - Clear the accessed state of a PTE-mapped page.
 * @pte:	Pointer to the page table entry, with its lock held.
 * @vma:	The VMA mapping @addr.
 * @addr:	The virtual address.
 *
 * Clears the Accessed bit without flushing the TLBs (see the top of this
 * file), and the young state secondary MMUs keep through the mmu notifiers.
 * Where a set bit was cleared, the folio's young flag keeps the reference
 * for reclaim; the folio's idle flag is set in any case.
 *
 * Context: the page table lock of @pte held; does not sleep.
 * Return: true if a set Accessed bit was cleared.
 */
bool damon_ptep_mkold(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr)
{
	pte_t entry = ptep_get(pte);
	struct folio *folio;

	if (!pte_present(entry))
		return false;
	folio = vm_normal_folio(vma, addr, entry);
	if (!folio)
		return false;
	return damon_folio_start_sample(folio,
					ptep_clear_young_notify(vma, addr,
								pte));
}

/**
 * damon_ptep_young() - Whether a PTE-mapped page was accessed.
 * @pte:	Pointer to the page table entry, with its lock held.
 * @vma:	The VMA mapping @addr.
 * @addr:	The virtual address.
 *
 * Return: true if the page was accessed since damon_ptep_mkold().
 */
bool damon_ptep_young(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr)
{
	pte_t entry = ptep_get(pte);
	struct folio *folio;

	if (!pte_present(entry))
		return false;
	folio = vm_normal_folio(vma, addr, entry);
	if (!folio)
		return false;
	return pte_young(entry) || !folio_test_idle(folio) ||
		mmu_notifier_test_young(vma->vm_mm, addr);
}

/* Assert that the lock of the page table holding @pte is held. */
static void damon_assert_pte_locked(struct vm_area_struct *vma, pte_t *pte)
{
	/* with page tables in high memory, @pte is a kmap address */
#ifndef CONFIG_HIGHPTE
	lockdep_assert_held(ptep_lockptr(vma->vm_mm, pte));
#endif
}

/**
 * damon_ptep_mkclean() - Make a dirty PTE-mapped page clean, keeping its
 * dirtiness in the folio.
 * @pte:	Pointer to the page table entry, with its lock held.
 * @vma:	The VMA mapping @addr.
 * @addr:	The virtual address.
 *
 * A write monitoring sample starts with this, so that a Dirty bit found at
 * its end means a write during the sample.  Two rules keep a write from
 * ever being lost, for reclaim, writeback or swap-out:
 *
 * - The folio is marked dirty, from the entry the flush returned, before
 *   the clean entry is installed and the lock dropped, as
 *   zap_present_ptes() and try_to_unmap_one() do: whoever takes the lock
 *   next and finds the entry clean finds the folio dirty.  The page
 *   table lock (with the folio mapped) keeps truncation away, as
 *   folio_mark_dirty() requires of its callers.
 * - The entry is cleared and the TLBs flushed (ptep_clear_flush()) before
 *   the clean entry is set and the lock dropped.  A CPU caching the
 *   translation with Dirty set would otherwise write without setting the
 *   bit again, while reclaim's batched unmap trusts a clean entry to mean
 *   that no such TLB entry exists (set_tlb_ubc_flush_pending()).  The
 *   exchange also catches a Dirty bit a CPU sets meanwhile; a fault on the
 *   briefly empty entry waits for the lock and finds the clean one.
 *
 * The write permission, the Accessed bit and every other bit are kept.  A
 * clean entry is not touched: no flush for pages that were not written.
 * Secondary MMUs are not notified, as neither the page nor the permissions
 * change.
 *
 * Context: the page table lock of @pte held; does not sleep.
 * Return: true if a set Dirty bit was cleared, false if the entry was
 * clean, not present or not mapping a normal folio.
 */
bool damon_ptep_mkclean(pte_t *pte, struct vm_area_struct *vma,
			unsigned long addr)
{
	pte_t entry = ptep_get(pte);
	struct folio *folio;

	damon_assert_pte_locked(vma, pte);
	if (!pte_present(entry) || !pte_dirty(entry))
		return false;
	folio = vm_normal_folio(vma, addr, entry);
	if (!folio)
		return false;
	flush_cache_page(vma, addr, pte_pfn(entry));
	entry = ptep_clear_flush(vma, addr, pte);
	/* the CPUs set bits, never clear them: still dirty */
	folio_mark_dirty(folio);
	set_pte_at(vma->vm_mm, addr, pte, pte_mkclean(entry));
	return true;
}

/**
 * damon_ptep_dirty() - Whether a PTE-mapped page was written.
 * @pte:	Pointer to the page table entry, with its lock held.
 * @vma:	The VMA mapping @addr.
 * @addr:	The virtual address.
 *
 * Changes nothing.
 *
 * Context: the page table lock of @pte held; does not sleep.
 * Return: true if the entry maps a normal folio and is dirty, that is was
 * written since damon_ptep_mkclean() (or since it was made).
 */
bool damon_ptep_dirty(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr)
{
	pte_t entry = ptep_get(pte);

	damon_assert_pte_locked(vma, pte);
	return pte_present(entry) && pte_dirty(entry) &&
		vm_normal_folio(vma, addr, entry);
}

/**
 * damon_sample_counts() - Whether what a page_table sample found counts as
 * an access.
 * @ctx:	The context sampling.
 * @young:	Whether the sampled page was accessed (Accessed bits, idle
 *		flag, secondary MMUs).
 * @written:	Whether it was written (Dirty bits); false unless
 *		damon_sample_wants_write().
 *
 * The Accessed and Dirty bits tell no CPU or thread: the sample filters
 * see the access with CPU -1 and thread 0.
 *
 * Context: the kdamond of @ctx.
 * Return: true if the page was accessed and the sample filters of @ctx
 * let the access count.
 */
bool damon_sample_counts(const struct damon_ctx *ctx, bool young,
			 bool written)
{
	const struct damon_sample_access access = {
		.cpu = -1,
		.tid = 0,
		.write = written,
	};

	if (!young && !written)
		return false;
	if (list_empty(&ctx->sample.filters))
		return true;
	return damon_sample_filters_pass(ctx, &access);
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/**
 * damon_pmdp_mkold() - Clear the accessed state of a PMD-mapped THP.
 * @pmd:	Pointer to the PMD, with its lock held.
 * @vma:	The VMA mapping @addr.
 * @addr:	A virtual address inside the THP.
 *
 * Clears the Accessed bit of the PMD as damon_ptep_mkold() does for a PTE,
 * without flushing the TLBs.
 *
 * Context: the PMD lock held; does not sleep.
 * Return: true if a set Accessed bit was cleared.
 */
bool damon_pmdp_mkold(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr)
{
	pmd_t entry = pmdp_get(pmd);
	unsigned long haddr = addr & HPAGE_PMD_MASK;

	if (!pmd_present(entry) || is_huge_zero_pmd(entry))
		return false;
	return damon_folio_start_sample(pmd_folio(entry),
					pmdp_clear_young_notify(vma, haddr,
								pmd));
}

/**
 * damon_pmdp_young() - Whether a PMD-mapped THP was accessed.
 * @pmd:	Pointer to the PMD, with its lock held.
 * @vma:	The VMA mapping @addr.
 * @addr:	A virtual address inside the THP.
 *
 * Return: true if the THP was accessed since damon_pmdp_mkold().
 */
bool damon_pmdp_young(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr)
{
	pmd_t entry = pmdp_get(pmd);
	struct folio *folio;

	if (!pmd_present(entry) || is_huge_zero_pmd(entry))
		return false;
	folio = pmd_folio(entry);
	return pmd_young(entry) || !folio_test_idle(folio) ||
		mmu_notifier_test_young(vma->vm_mm, addr);
}

/* A THP whose Dirty bit the write monitoring handles: not zero nor DAX. */
static bool damon_pmd_normal_thp(pmd_t entry)
{
	return pmd_present(entry) && !is_huge_zero_pmd(entry) &&
		!pmd_devmap(entry);
}

/**
 * damon_pmdp_mkclean() - Make a dirty PMD-mapped THP clean, keeping its
 * dirtiness in the folio.
 * @pmd:	Pointer to the PMD, with its lock held.
 * @vma:	The VMA mapping @addr.
 * @addr:	A virtual address inside the THP.
 *
 * Does for a PMD what damon_ptep_mkclean() does for a PTE, under the same
 * rules: pmdp_invalidate() flushes the TLBs, and the folio is marked
 * dirty, before the clean entry is set.  The invalid (not none) entry
 * in between keeps lockless walkers from taking the PMD for a page table.
 * DAX (devmap) PMDs are left alone.
 *
 * Context: the PMD lock held; does not sleep.
 * Return: true if a set Dirty bit was cleared.
 */
bool damon_pmdp_mkclean(pmd_t *pmd, struct vm_area_struct *vma,
			unsigned long addr)
{
	pmd_t entry = pmdp_get(pmd);
	unsigned long haddr = addr & HPAGE_PMD_MASK;
	struct folio *folio;

	lockdep_assert_held(pmd_lockptr(vma->vm_mm, pmd));
	if (!damon_pmd_normal_thp(entry) || !pmd_dirty(entry))
		return false;
	folio = pmd_folio(entry);
	flush_cache_range(vma, haddr, haddr + HPAGE_PMD_SIZE);
	entry = pmdp_invalidate(vma, haddr, pmd);
	folio_mark_dirty(folio);
	set_pmd_at(vma->vm_mm, haddr, pmd, pmd_mkclean(entry));
	return true;
}

/**
 * damon_pmdp_dirty() - Whether a PMD-mapped THP was written.
 * @pmd:	Pointer to the PMD, with its lock held.
 * @vma:	The VMA mapping @addr.
 * @addr:	A virtual address inside the THP.
 *
 * Context: the PMD lock held; does not sleep.
 * Return: true if the PMD maps a THP (not DAX) and is dirty.
 */
bool damon_pmdp_dirty(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr)
{
	pmd_t entry = pmdp_get(pmd);

	lockdep_assert_held(pmd_lockptr(vma->vm_mm, pmd));
	return damon_pmd_normal_thp(entry) && pmd_dirty(entry);
}
#endif	/* CONFIG_TRANSPARENT_HUGEPAGE */

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
 * A CPU that caches a translation in its TLB does not walk the page table
 * again, so it does not set a cleared Accessed bit again until the entry
 * is evicted.  Hardware TLBs are small, but a hot set that fits in them
 * would look idle, and QEMU's software TLB holds many thousands of
 * entries.  So a sample that cleared any set Accessed bit of an address
 * space flushes that address space's TLBs once, at its end: at most one
 * flush per address space and sample, IPIs only to the CPUs running it,
 * and none for address spaces whose sampled pages were idle (an idle page
 * cannot be cached: the access that caches it also sets the bit).
 */

#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/page_idle.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <asm/tlbflush.h>

#include "ops-common.h"

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

/**
 * damon_tlb_batch_add() - Remember to flush the TLBs of an address space.
 * @batch:	The batch.
 * @mm:		The address space; the batch takes a reference.
 */
void damon_tlb_batch_add(struct damon_tlb_batch *batch, struct mm_struct *mm)
{
	unsigned int i;

	for (i = 0; i < batch->nr; i++) {
		if (batch->mms[i] == mm)
			return;
	}
	if (batch->nr == DAMON_TLB_BATCH_MMS) {
		/* many sharers: flush this one now rather than grow */
		flush_tlb_mm(mm);
		return;
	}
	mmgrab(mm);
	batch->mms[batch->nr++] = mm;
}

/**
 * damon_tlb_batch_flush() - Flush the TLBs of the remembered address spaces.
 * @batch:	The batch.  It is empty afterwards.
 */
void damon_tlb_batch_flush(struct damon_tlb_batch *batch)
{
	while (batch->nr) {
		struct mm_struct *mm = batch->mms[--batch->nr];

		flush_tlb_mm(mm);
		mmdrop(mm);
	}
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
 * Return: true if a set Accessed bit was cleared: the caller must flush
 * the TLBs of the address space before the sample ends.
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

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/**
 * damon_pmdp_mkold() - Clear the accessed state of a PMD-mapped THP.
 * @pmd:	Pointer to the PMD, with its lock held.
 * @vma:	The VMA mapping @addr.
 * @addr:	A virtual address inside the THP.
 *
 * Return: true if a set Accessed bit was cleared, as damon_ptep_mkold().
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
#endif	/* CONFIG_TRANSPARENT_HUGEPAGE */

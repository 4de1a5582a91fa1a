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
 * the TLBs of each monitored address space once (damon_emulator_flush()).
 * Off, the cost is one load and branch per address space and sample.
 */

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
#endif	/* CONFIG_TRANSPARENT_HUGEPAGE */

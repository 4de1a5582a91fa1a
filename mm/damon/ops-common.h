/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the DAMON operation sets: reading and clearing the
 * accessed state of a mapping while keeping page reclaim and idle page
 * tracking informed.
 */

#ifndef _MM_DAMON_OPS_COMMON_H
#define _MM_DAMON_OPS_COMMON_H

#include <linux/mm_types.h>
#include <linux/types.h>

/*
 * Address spaces whose TLBs may still cache translations that a sample
 * made old.  Flushed once at the end of the sample; see ops-common.c.
 */
#define DAMON_TLB_BATCH_MMS	8
struct damon_tlb_batch {
	struct mm_struct *mms[DAMON_TLB_BATCH_MMS];
	unsigned int nr;
};

void damon_tlb_batch_add(struct damon_tlb_batch *batch, struct mm_struct *mm);
void damon_tlb_batch_flush(struct damon_tlb_batch *batch);

struct folio *damon_get_folio(unsigned long pfn);
bool damon_ptep_mkold(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr);
bool damon_ptep_young(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr);
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
bool damon_pmdp_mkold(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr);
bool damon_pmdp_young(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr);
#endif

#endif	/* _MM_DAMON_OPS_COMMON_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the DAMON operation sets: reading and clearing the
 * accessed state of a mapping while keeping page reclaim and idle page
 * tracking informed.
 */

#ifndef _MM_DAMON_OPS_COMMON_H
#define _MM_DAMON_OPS_COMMON_H

#include <linux/mm_types.h>

struct folio *damon_get_folio(unsigned long pfn);
void damon_ptep_mkold(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr);
bool damon_ptep_young(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr);
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
void damon_pmdp_mkold(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr);
bool damon_pmdp_young(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr);
#endif

#endif	/* _MM_DAMON_OPS_COMMON_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page_fault sampling primitive (mm/damon/fault.c), as the operation
 * sets and the core use it.  Not an API.
 *
 * A sample of a region arms a *site*: the mappings of the region's sampled
 * page are made PROT_NONE, and the fault an access takes there reports the
 * CPU, the thread and whether it wrote.  The operation sets find the
 * mappings (page walk or rmap walk) and call the arm functions under the
 * page table lock; the rest is here.
 */

#ifndef _MM_DAMON_FAULT_H
#define _MM_DAMON_FAULT_H

#include <linux/damon.h>
#include <linux/mm_types.h>

struct damon_fault_site;

#ifdef CONFIG_DAMON_PAGE_FAULT
int damon_fault_begin(struct damon_ctx *ctx);
struct damon_fault_site *damon_fault_new_site(struct damon_ctx *ctx,
					      unsigned int target,
					      unsigned long addr,
					      struct mm_struct *mm,
					      unsigned long pfn);
bool damon_fault_arm_pte(struct damon_fault_site *site,
			 struct vm_area_struct *vma, unsigned long addr,
			 pte_t *ptep);
bool damon_fault_arm_pmd(struct damon_fault_site *site,
			 struct vm_area_struct *vma, unsigned long addr,
			 pmd_t *pmdp);
void damon_fault_end(struct damon_ctx *ctx);
void damon_fault_cancel(struct damon_ctx *ctx);
void damon_fault_release(struct damon_ctx *ctx);
#else
static inline int damon_fault_begin(struct damon_ctx *ctx)
{
	return -EOPNOTSUPP;
}

static inline struct damon_fault_site *
damon_fault_new_site(struct damon_ctx *ctx, unsigned int target,
		     unsigned long addr, struct mm_struct *mm, unsigned long pfn)
{
	return NULL;
}

static inline bool damon_fault_arm_pte(struct damon_fault_site *site,
				       struct vm_area_struct *vma,
				       unsigned long addr, pte_t *ptep)
{
	return false;
}

static inline bool damon_fault_arm_pmd(struct damon_fault_site *site,
				       struct vm_area_struct *vma,
				       unsigned long addr, pmd_t *pmdp)
{
	return false;
}

static inline void damon_fault_end(struct damon_ctx *ctx)
{
}

static inline void damon_fault_cancel(struct damon_ctx *ctx)
{
}

static inline void damon_fault_release(struct damon_ctx *ctx)
{
}
#endif

/* Whether @ctx samples with the page_fault primitive. */
static inline bool damon_samples_faults(const struct damon_ctx *ctx)
{
	return IS_ENABLED(CONFIG_DAMON_PAGE_FAULT) &&
		ctx->sample.primitives.page_fault;
}

#endif	/* _MM_DAMON_FAULT_H */

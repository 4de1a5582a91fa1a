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

struct damos;

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

/**
 * struct damon_folio_young - How an operation set tells whether a folio was
 * accessed since the last check, for the young filter.
 * @fn:		Returns whether @folio was accessed, and makes it look
 *		unaccessed for the next check.
 * @arg:	Second argument of @fn.
 */
struct damon_folio_young {
	bool (*fn)(struct folio *folio, void *arg);
	void *arg;
};

bool damos_folio_filter_pass(struct damos *s, struct folio *folio,
			     const struct damon_folio_young *young);

/* Weighted migration destinations of a scheme, and their isolated folios. */
struct damon_migrate_batch {
	struct list_head *lists;
	int *nids;
	unsigned int *weights;
	unsigned int nr;
	unsigned int total_weight;
	unsigned long pos;
};

#ifdef CONFIG_MIGRATION
int damon_migrate_batch_init(struct damon_migrate_batch *b, struct damos *s);
bool damon_migrate_isolate(struct damon_migrate_batch *b,
			   struct folio *folio);
unsigned long damon_migrate_batch_flush(struct damon_migrate_batch *b);
void damon_migrate_batch_destroy(struct damon_migrate_batch *b);
#else
static inline int damon_migrate_batch_init(struct damon_migrate_batch *b,
					   struct damos *s)
{
	return -EOPNOTSUPP;
}

static inline bool damon_migrate_isolate(struct damon_migrate_batch *b,
					 struct folio *folio)
{
	return false;
}

static inline unsigned long
damon_migrate_batch_flush(struct damon_migrate_batch *b)
{
	return 0;
}

static inline void damon_migrate_batch_destroy(struct damon_migrate_batch *b)
{
}
#endif

#endif	/* _MM_DAMON_OPS_COMMON_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the DAMON operation sets: reading and clearing the
 * accessed state of a mapping while keeping page reclaim and idle page
 * tracking informed.
 */

#ifndef _MM_DAMON_OPS_COMMON_H
#define _MM_DAMON_OPS_COMMON_H

#include <linux/damon.h>
#include <linux/mm_types.h>
#include <linux/types.h>
#include <asm/tlbflush.h>

struct folio *damon_get_folio(unsigned long pfn);

extern bool damon_flush_tlb_for_emulators;

/**
 * damon_emulator_flush() - Flush the TLBs of an address space after a
 * sample cleared its Accessed bits, on emulators only.
 * @mm:		The address space.
 *
 * Does nothing unless damon_ops.flush_tlb_for_emulators is set, which only
 * test rigs with a software TLB that hides re-accesses (QEMU TCG) do; see
 * ops-common.c.
 */
static inline void damon_emulator_flush(struct mm_struct *mm)
{
	if (unlikely(READ_ONCE(damon_flush_tlb_for_emulators)))
		flush_tlb_mm(mm);
}

/**
 * damon_emulator_flush_all() - Flush the TLBs of every CPU after a physical
 * address sample cleared Accessed bits, on emulators only.
 *
 * The paddr counterpart of damon_emulator_flush(): its mappings belong to
 * any address space.  Does nothing unless
 * damon_ops.flush_tlb_for_emulators is set.
 *
 * Context: process context, interrupts enabled.
 */
static inline void damon_emulator_flush_all(void)
{
	if (unlikely(READ_ONCE(damon_flush_tlb_for_emulators)))
		flush_tlb_all();
}

bool damon_ptep_mkold(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr);
bool damon_ptep_young(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr);
bool damon_ptep_mkclean(pte_t *pte, struct vm_area_struct *vma,
			unsigned long addr);
bool damon_ptep_dirty(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr);
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
bool damon_pmdp_mkold(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr);
bool damon_pmdp_young(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr);
bool damon_pmdp_mkclean(pmd_t *pmd, struct vm_area_struct *vma,
			unsigned long addr);
bool damon_pmdp_dirty(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr);
#endif
bool damon_sample_counts(const struct damon_ctx *ctx, bool young,
			 bool written);

/**
 * struct damon_folio_young - How an operation set tells whether a folio was
 * accessed since the last check, for the young filters.
 * @fn:		Returns whether @folio was accessed.  For DAMOS filters it
 *		also makes the folio look unaccessed for the next check; for
 *		probe filters it must change nothing, as the access check
 *		and the probes' own preps own that state.
 * @arg:	Second argument of @fn.
 */
struct damon_folio_young {
	bool (*fn)(struct folio *folio, void *arg);
	void *arg;
};

/**
 * struct damon_folio_check - The folio some filter chains are evaluated on.
 * @folio:	The folio, or NULL where none was found: it then has none of
 *		the properties filters look at.
 * @young:	How to tell whether @folio is young, or NULL for never.
 * @young_cache: -1 until @young was asked, then its answer, so that the
 *		chains evaluated on one sample ask it at most once.
 */
struct damon_folio_check {
	struct folio *folio;
	const struct damon_folio_young *young;
	int young_cache;
};

/* A check of @folio whose young state is not asked yet. */
#define DAMON_FOLIO_CHECK(_folio, _young) \
	((struct damon_folio_check){ .folio = (_folio), .young = (_young), \
				     .young_cache = -1 })

bool damos_ops_filters_needed(const struct damos *s);
bool damos_folio_filter_pass(struct damos *s, struct folio *folio,
			     const struct damon_folio_young *young);

bool damon_probe_filter_pass(const struct damon_probe *p,
			     struct damon_folio_check *check);

/**
 * struct damon_prep_ops - How an operation set runs probe preps on a page.
 * @fns:	Per &enum damon_prep_action, the function doing the action on
 *		the page its argument describes.  NULL: not supported, the
 *		prep is skipped.
 */
struct damon_prep_ops {
	void (*fns[NR_DAMON_PREP_ACTIONS])(void *arg);
};

void damon_probes_apply(const struct damon_ctx *ctx, struct damon_region *r,
			struct folio *folio,
			const struct damon_folio_young *young);
void damon_probes_prep(const struct damon_ctx *ctx,
		       const struct damon_prep_ops *ops, void *arg);

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

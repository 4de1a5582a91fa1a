// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON operation sets for process address spaces: "vaddr" and "fvaddr".
 *
 * Both sample the Accessed bits of the page table entries mapping one
 * random address per region.  vaddr covers the mapped areas of the process
 * (see damon_three_regions_of()) and follows them as they change; fvaddr
 * monitors exactly the ranges the user gave.
 *
 * A target holds a reference to a struct pid, not to the process: the
 * process may exit at any moment, after which its target is invalid and its
 * regions see no more accesses.
 */

#define pr_fmt(fmt) "damon-va: " fmt

#include <linux/damon.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/page_idle.h>
#include <linux/pagewalk.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <asm/tlbflush.h>

#include "ops-common.h"
#include "regions.h"

/* The mm of the target's process, with a reference, or NULL if it exited. */
static struct mm_struct *damon_va_get_mm(struct damon_target *t)
{
	struct mm_struct *mm = NULL;
	struct task_struct *task;

	rcu_read_lock();	/* keeps the task_struct from being freed */
	task = pid_task(t->pid, PIDTYPE_PID);
	if (task)
		mm = get_task_mm(task);
	rcu_read_unlock();
	return mm;
}

/* ==================== Initial and updated regions ==================== */

/* Read the ranges of the VMAs of @mm into a new array. */
static int damon_va_vma_ranges(struct mm_struct *mm,
			       struct damon_addr_range **ranges)
{
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	unsigned int nr = 0, size;
	int err = 0;

	mmap_read_lock(mm);
	vma_iter_init(&vmi, mm, 0);
	size = mm->map_count;
	*ranges = kvmalloc_array(max(size, 1U), sizeof(**ranges), GFP_KERNEL);
	if (!*ranges) {
		err = -ENOMEM;
		goto unlock;
	}
	for_each_vma(vmi, vma) {
		if (nr == size)
			break;
		(*ranges)[nr].start = vma->vm_start;
		(*ranges)[nr++].end = vma->vm_end;
	}
	err = nr;
unlock:
	mmap_read_unlock(mm);
	return err;
}

/* Fit the regions of @t to the three big mapped areas of its process. */
static void damon_va_fit_to_mappings(struct damon_ctx *ctx,
				     struct damon_target *t)
{
	struct damon_addr_range *vmas, three[3];
	struct mm_struct *mm;
	int nr;

	mm = damon_va_get_mm(t);
	if (!mm)
		return;
	nr = damon_va_vma_ranges(mm, &vmas);
	mmput(mm);
	if (nr < 0)
		return;
	nr = damon_three_regions_of(vmas, nr, three);
	kvfree(vmas);
	if (nr > 0)
		damon_set_regions(t, three, nr, ctx->min_sz_region);
}

/* Fit targets to their mappings; with @keep_given, only regionless ones. */
static void damon_va_fit_targets(struct damon_ctx *ctx, bool keep_given)
{
	struct damon_target *t;

	damon_for_each_target(t, ctx) {
		if (!keep_given || !damon_nr_regions(t))
			damon_va_fit_to_mappings(ctx, t);
	}
}

/* regions the user gave are the initial ones */
static void damon_va_setup_regions(struct damon_ctx *ctx)
{
	damon_va_fit_targets(ctx, true);
}

static void damon_va_refresh_regions(struct damon_ctx *ctx)
{
	damon_va_fit_targets(ctx, false);
}

/* ==================== Access checks ==================== */

struct damon_va_walk {
	bool mkold;	/* clear the accessed state, or test it */
	bool young;	/* test: accessed; mkold: a set Accessed bit cleared */
};

static void damon_va_visit_pte(pte_t *pte, struct mm_walk *walk,
			       unsigned long addr)
{
	struct damon_va_walk *w = walk->private;

	if (w->mkold)
		w->young = damon_ptep_mkold(pte, walk->vma, addr);
	else
		w->young = damon_ptep_young(pte, walk->vma, addr);
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/* Handle a PMD-mapped THP.  Return false if @pmd maps a page table. */
static bool damon_va_visit_pmd(pmd_t *pmd, struct mm_walk *walk,
			       unsigned long addr)
{
	struct damon_va_walk *w = walk->private;
	spinlock_t *ptl;	/* page table lock */

	if (!pmd_trans_huge(pmdp_get_lockless(pmd)))
		return false;
	ptl = pmd_trans_huge_lock(pmd, walk->vma);
	if (!ptl)
		return false;
	__acquire(ptl);		/* for sparse: pmd_trans_huge_lock() locked it */
	if (w->mkold)
		w->young = damon_pmdp_mkold(pmd, walk->vma, addr);
	else
		w->young = damon_pmdp_young(pmd, walk->vma, addr);
	spin_unlock(ptl);
	return true;
}
#else
static bool damon_va_visit_pmd(pmd_t *pmd, struct mm_walk *walk,
			       unsigned long addr)
{
	return false;
}
#endif

/*
 * The only callback for PMDs and what is below them: without a pte_entry
 * callback, the page walk never splits a THP on our behalf.
 */
static int damon_va_pmd_entry(pmd_t *pmd, unsigned long addr,
			      unsigned long next, struct mm_walk *walk)
{
	spinlock_t *ptl;	/* page table lock */
	pte_t *pte;

	if (damon_va_visit_pmd(pmd, walk, addr))
		return 0;
	pte = pte_offset_map_lock(walk->mm, pmd, addr, &ptl);
	/* no page table (a THP under migration or collapse): not sampled */
	if (!pte)
		return 0;
	__acquire(RCU);		/* for sparse: pte_offset_map() took it */
	damon_va_visit_pte(pte, walk, addr);
	pte_unmap_unlock(pte, ptl);
	return 0;
}

#ifdef CONFIG_HUGETLB_PAGE
/* Clear the Accessed bit of a huge PTE; return whether it was set. */
static bool damon_va_hugetlb_mkold(struct mm_walk *walk, pte_t *pte,
				   pte_t entry, unsigned long haddr,
				   unsigned long size)
{
	struct folio *folio = pfn_folio(pte_pfn(entry));
	bool was_young = pte_young(entry);

	if (was_young)
		set_huge_pte_at(walk->mm, haddr, pte, pte_mkold(entry), size);
#ifdef CONFIG_MMU_NOTIFIER
	if (mmu_notifier_clear_young(walk->mm, haddr, haddr + size))
		folio_set_young(folio);
#endif
	if (was_young)
		folio_set_young(folio);
	folio_set_idle(folio);
	return was_young;
}

static bool damon_va_hugetlb_young(struct mm_walk *walk, pte_t entry,
				   unsigned long haddr)
{
	return pte_young(entry) ||
		!folio_test_idle(pfn_folio(pte_pfn(entry))) ||
		mmu_notifier_test_young(walk->mm, haddr);
}

static int damon_va_hugetlb_entry(pte_t *pte, unsigned long hmask,
				  unsigned long addr, unsigned long end,
				  struct mm_walk *walk)
{
	unsigned long size = huge_page_size(hstate_vma(walk->vma));
	spinlock_t *ptl = huge_pte_lock(hstate_vma(walk->vma), walk->mm, pte);
	struct damon_va_walk *w = walk->private;
	unsigned long haddr = addr & hmask;
	pte_t entry = huge_ptep_get(walk->mm, haddr, pte);

	if (pte_present(entry))
		w->young = w->mkold ?
			damon_va_hugetlb_mkold(walk, pte, entry, haddr, size) :
			damon_va_hugetlb_young(walk, entry, haddr);
	spin_unlock(ptl);
	return 0;
}
#else
#define damon_va_hugetlb_entry NULL
#endif

static const struct mm_walk_ops damon_va_walk_ops = {
	.pmd_entry = damon_va_pmd_entry,
	.hugetlb_entry = damon_va_hugetlb_entry,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * Make the page at @addr old, or test whether it is young.  Return, for
 * mkold, whether a set Accessed bit was cleared; else whether it is young.
 */
static bool damon_va_walk_addr(struct mm_struct *mm, unsigned long addr,
			       bool mkold)
{
	struct damon_va_walk w = { .mkold = mkold };

	walk_page_range(mm, addr, addr + 1, &damon_va_walk_ops, &w);
	return w.young;
}

/*
 * Let page faults and mmap writers of the target go first: the mmap lock
 * is held across the regions of a target, not retaken per region.
 */
static void damon_va_yield_mmap_lock(struct mm_struct *mm)
{
	if (!need_resched() && !mmap_lock_is_contended(mm))
		return;
	mmap_read_unlock(mm);
	cond_resched();
	mmap_read_lock(mm);
}

static void damon_va_start_sample(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;
	struct mm_struct *mm;

	bool flush;

	damon_for_each_target(t, ctx) {
		mm = damon_va_get_mm(t);
		if (!mm)
			continue;
		flush = false;
		mmap_read_lock(mm);
		damon_for_each_region(r, t) {
			r->sampling_addr = ALIGN_DOWN(damon_rand(r->ar.start,
								 r->ar.end),
						      PAGE_SIZE);
			flush |= damon_va_walk_addr(mm, r->sampling_addr, true);
			damon_va_yield_mmap_lock(mm);
		}
		mmap_read_unlock(mm);
		/* see ops-common.c: stale TLB entries would hide accesses */
		if (flush)
			flush_tlb_mm(mm);
		mmput(mm);
	}
}

static void damon_va_finish_sample(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;
	struct mm_struct *mm;
	bool young;

	damon_for_each_target(t, ctx) {
		mm = damon_va_get_mm(t);
		if (mm)
			mmap_read_lock(mm);
		damon_for_each_region(r, t) {
			young = mm && damon_va_walk_addr(mm, r->sampling_addr,
							 false);
			damon_update_region_access_rate(r, young, &ctx->attrs);
			if (mm)
				damon_va_yield_mmap_lock(mm);
		}
		if (mm) {
			mmap_read_unlock(mm);
			mmput(mm);
		}
	}
}

static bool damon_va_target_alive(struct damon_target *t)
{
	struct task_struct *task = get_pid_task(t->pid, PIDTYPE_PID);

	if (!task)
		return false;
	put_task_struct(task);
	return true;
}

static const struct damon_operations damon_va_ops = {
	.id = DAMON_OPS_VADDR,
	.name = "vaddr",
	.setup_regions = damon_va_setup_regions,
	.refresh_regions = damon_va_refresh_regions,
	.start_sample = damon_va_start_sample,
	.finish_sample = damon_va_finish_sample,
	.target_alive = damon_va_target_alive,
};

static const struct damon_operations damon_fva_ops = {
	.id = DAMON_OPS_FVADDR,
	.name = "fvaddr",
	.start_sample = damon_va_start_sample,
	.finish_sample = damon_va_finish_sample,
	.target_alive = damon_va_target_alive,
};

static int __init damon_va_setup_regionscall(void)
{
	int err;

	err = damon_register_ops(&damon_va_ops);
	if (!err)
		err = damon_register_ops(&damon_fva_ops);
	if (err)
		pr_err("cannot register operation sets (%d)\n", err);
	return err;
}
subsys_initcall(damon_va_setup_regionscall);

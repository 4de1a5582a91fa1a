// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON operation sets for process address spaces: "vaddr" and "fvaddr".
 *
 * Both sample the Accessed bits of the page table entries mapping one
 * random address per region.  vaddr covers the mapped areas of the process
 * (see damon_three_regions_of()) and follows them as they change; fvaddr
 * monitors exactly the ranges the user gave.  With a write sample filter
 * they also sample the Dirty bits of the same entries (see ops-common.c).
 *
 * A target holds a reference to a struct pid, not to the process: the
 * process may exit at any moment, after which its target is invalid and its
 * regions see no more accesses.
 */

#define pr_fmt(fmt) "damon-va: " fmt

#include <linux/cacheflush.h>
#include <linux/damon.h>
#include <linux/hugetlb.h>
#include <linux/mman.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/page_idle.h>
#include <linux/pagewalk.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "fault.h"
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

/* What a walk of the page at one address does to it. */
enum damon_va_walk_op {
	DAMON_VA_MKOLD,		/* clear its accessed state */
	DAMON_VA_YOUNG,		/* test its accessed state */
	DAMON_VA_PROBE,		/* evaluate the probes of @ctx on its folio */
	DAMON_VA_ARM,		/* make it fault for the page_fault primitive */
};

struct damon_va_walk {
	enum damon_va_walk_op op;
	/* YOUNG: accessed; MKOLD: a set Accessed bit cleared; ARM: armed */
	bool young;
	bool write;	/* MKOLD: also make clean; YOUNG: also test dirty */
	bool dirty;	/* YOUNG: written; MKOLD: a set Dirty bit cleared */
	const struct damon_ctx *ctx;	/* PROBE: whose probes ... */
	struct damon_region *r;		/* ... count hits in @r */
	struct damon_fault_site *site;	/* ARM: the sample's site */
	/*
	 * The VMA of the last page walked, or NULL: regions come in address
	 * order, so consecutive pages mostly share one.  Valid only within
	 * one hold of the mmap lock (see damon_va_yield_mmap_lock()).
	 */
	struct vm_area_struct *vma;
	/*
	 * MKOLD and YOUNG of a run (damon_va_sample_run()): the sampled pages
	 * of @nr regions from @first, all below one PMD, with the results of
	 * the run's region i in bit i of @young_run and @dirty_run.  @nr is 0
	 * for a walk of one address, whose results are @young and @dirty.
	 */
	struct damon_region *first;
	unsigned int nr;
	unsigned long young_run;
	unsigned long dirty_run;
};

/*
 * Where the folio a probe looks at is mapped, for its young test: a PTE
 * (@pte), a PMD (@pmd) or else a hugetlb entry (@huge, by value), with its
 * page table lock held.
 */
struct damon_va_mapping {
	struct mm_walk *walk;
	unsigned long addr;
	pte_t *pte;
	pmd_t *pmd;
	pte_t huge;
};

#ifdef CONFIG_HUGETLB_PAGE
static bool damon_va_hugetlb_young(struct mm_walk *walk, pte_t entry,
				   unsigned long haddr)
{
	return pte_young(entry) ||
		!folio_test_idle(pfn_folio(pte_pfn(entry))) ||
		mmu_notifier_test_young(walk->mm, haddr);
}
#else
static bool damon_va_hugetlb_young(struct mm_walk *walk, pte_t entry,
				   unsigned long haddr)
{
	return false;
}
#endif

/* The young test of the probe filters: reads the entry, changes nothing. */
static bool damon_va_mapping_young(struct folio *folio, void *arg)
{
	struct damon_va_mapping *at = arg;

	if (at->pte)
		return damon_ptep_young(at->pte, at->walk->vma, at->addr);
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	if (at->pmd)
		return damon_pmdp_young(at->pmd, at->walk->vma, at->addr);
#endif
	return damon_va_hugetlb_young(at->walk, at->huge, at->addr);
}

/* Evaluate the probes of the walk on @folio, mapped as @at tells. */
static void damon_va_probe_folio(struct folio *folio,
				 struct damon_va_mapping *at)
{
	const struct damon_folio_young young = {
		.fn = damon_va_mapping_young,
		.arg = at,
	};
	struct damon_va_walk *w = at->walk->private;

	damon_probes_apply(w->ctx, w->r, folio, &young);
}

/* Nothing present, or no normal folio there: no probe is evaluated. */
static void damon_va_probe_pte(pte_t *pte, struct mm_walk *walk,
			       unsigned long addr)
{
	struct damon_va_mapping at = { .walk = walk, .addr = addr, .pte = pte };
	pte_t entry = ptep_get(pte);
	struct folio *folio;

	if (!pte_present(entry))
		return;
	folio = vm_normal_folio(walk->vma, addr, entry);
	if (folio)
		damon_va_probe_folio(folio, &at);
}

static void damon_va_visit_pte(pte_t *pte, struct mm_walk *walk,
			       unsigned long addr)
{
	struct damon_va_walk *w = walk->private;

	switch (w->op) {
	case DAMON_VA_MKOLD:
		w->young = damon_ptep_mkold(pte, walk->vma, addr);
		if (w->write)
			w->dirty = damon_ptep_mkclean(pte, walk->vma, addr);
		break;
	case DAMON_VA_YOUNG:
		w->young = damon_ptep_young(pte, walk->vma, addr);
		if (w->write)
			w->dirty = damon_ptep_dirty(pte, walk->vma, addr);
		break;
	case DAMON_VA_PROBE:
		damon_va_probe_pte(pte, walk, addr);
		break;
	case DAMON_VA_ARM:
		w->young = damon_fault_arm_pte(w->site, walk->vma, addr, pte);
		break;
	}
}

/* Keep the results of the run's region @i, and start the next one. */
static void damon_va_run_note(struct damon_va_walk *w, unsigned int i)
{
	w->young_run |= (unsigned long)w->young << i;
	w->dirty_run |= (unsigned long)w->dirty << i;
	w->young = false;
	w->dirty = false;
}

/*
 * Visit the page at @addr, whose PTE is @pte, or every sampled page of the
 * run, which starts at @addr: their PTEs are in the page table of @pte.
 */
static void damon_va_visit_ptes(pte_t *pte, struct mm_walk *walk,
				unsigned long addr)
{
	struct damon_va_walk *w = walk->private;
	struct damon_region *r = w->first;
	unsigned long a;
	unsigned int i;

	if (!w->nr) {
		damon_va_visit_pte(pte, walk, addr);
		return;
	}
	for (i = 0; i < w->nr; i++, r = list_next_entry(r, list)) {
		a = r->sampling_addr;
		damon_va_visit_pte(pte + pte_index(a) - pte_index(addr), walk, a);
		damon_va_run_note(w, i);
	}
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/* Nothing present, or the huge zero page: no probe is evaluated. */
static void damon_va_probe_pmd(pmd_t *pmd, struct mm_walk *walk,
			       unsigned long addr)
{
	struct damon_va_mapping at = { .walk = walk, .addr = addr, .pmd = pmd };
	pmd_t entry = pmdp_get(pmd);

	if (!pmd_present(entry) || is_huge_zero_pmd(entry))
		return;
	damon_va_probe_folio(pmd_folio(entry), &at);
}

/* Visit the page at @addr of the PMD-mapped THP of @pmd, with its lock held. */
static void damon_va_visit_huge_pmd(pmd_t *pmd, struct mm_walk *walk,
				    unsigned long addr)
{
	struct damon_va_walk *w = walk->private;

	switch (w->op) {
	case DAMON_VA_MKOLD:
		w->young = damon_pmdp_mkold(pmd, walk->vma, addr);
		if (w->write)
			w->dirty = damon_pmdp_mkclean(pmd, walk->vma, addr);
		break;
	case DAMON_VA_YOUNG:
		w->young = damon_pmdp_young(pmd, walk->vma, addr);
		if (w->write)
			w->dirty = damon_pmdp_dirty(pmd, walk->vma, addr);
		break;
	case DAMON_VA_PROBE:
		damon_va_probe_pmd(pmd, walk, addr);
		break;
	case DAMON_VA_ARM:
		w->young = damon_fault_arm_pmd(w->site, walk->vma, addr, pmd);
		break;
	}
}

/*
 * Handle a PMD-mapped THP: the page at @addr, or every sampled page of the
 * run, which starts at @addr.  Return false if @pmd maps a page table.
 */
static bool damon_va_visit_pmd(pmd_t *pmd, struct mm_walk *walk,
			       unsigned long addr)
{
	struct damon_va_walk *w = walk->private;
	struct damon_region *r = w->first;
	spinlock_t *ptl;	/* page table lock */
	unsigned int i;

	if (!pmd_trans_huge(pmdp_get_lockless(pmd)))
		return false;
	ptl = pmd_trans_huge_lock(pmd, walk->vma);
	if (!ptl)
		return false;
	__acquire(ptl);		/* for sparse: pmd_trans_huge_lock() locked it */
	if (!w->nr)
		damon_va_visit_huge_pmd(pmd, walk, addr);
	for (i = 0; i < w->nr; i++, r = list_next_entry(r, list)) {
		damon_va_visit_huge_pmd(pmd, walk, r->sampling_addr);
		damon_va_run_note(w, i);
	}
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
	damon_va_visit_ptes(pte, walk, addr);
	pte_unmap_unlock(pte, ptl);
	return 0;
}

#ifdef CONFIG_HUGETLB_PAGE
/*
 * Clear the Accessed bit of a huge PTE; return whether it was set.  The
 * entry is exchanged, as hugetlb_change_protection() does, not rewritten
 * from an earlier read: a Dirty bit a CPU sets meanwhile is kept.  No TLB
 * flush, as for every Accessed bit (see ops-common.c).
 */
static bool damon_va_hugetlb_mkold(struct mm_walk *walk, pte_t *pte,
				   pte_t entry, unsigned long haddr,
				   unsigned long size)
{
	struct folio *folio = pfn_folio(pte_pfn(entry));
	bool was_young = pte_young(entry);
	pte_t old;

	if (was_young) {
		old = huge_ptep_modify_prot_start(walk->vma, haddr, pte);
		huge_ptep_modify_prot_commit(walk->vma, haddr, pte, old,
					     pte_mkold(old));
	}
#ifdef CONFIG_MMU_NOTIFIER
	if (mmu_notifier_clear_young(walk->mm, haddr, haddr + size))
		folio_set_young(folio);
#endif
	if (was_young)
		folio_set_young(folio);
	folio_set_idle(folio);
	return was_young;
}

/*
 * Make a dirty huge PTE clean; return whether it was dirty.  The rules of
 * damon_ptep_mkclean(): the entry is cleared and the TLBs flushed, and
 * the folio marked dirty, before the clean entry is installed.  Nothing
 * reclaims or writes back a hugetlb folio, so its dirty flag is only kept
 * as the kernel keeps it when it unmaps one (__unmap_hugepage_range());
 * marking it dirty is harmless (hugetlbfs' dirty_folio only sets the
 * flag).  Another process sharing the page table (PMD sharing) may still
 * cache a dirty translation: it may then write unseen, never lose data.
 */
static bool damon_va_hugetlb_mkclean(struct mm_walk *walk, pte_t *pte,
				     unsigned long haddr, unsigned long size)
{
	pte_t entry = huge_ptep_get(walk->mm, haddr, pte);

	if (!huge_pte_dirty(entry))
		return false;
	flush_cache_range(walk->vma, haddr, haddr + size);
	entry = huge_ptep_clear_flush(walk->vma, haddr, pte);
	folio_mark_dirty(pfn_folio(pte_pfn(entry)));
	set_huge_pte_at(walk->mm, haddr, pte, pte_mkclean(entry), size);
	return true;
}

static void damon_va_hugetlb_probe(struct mm_walk *walk, pte_t entry,
				   unsigned long haddr)
{
	struct damon_va_mapping at = {
		.walk = walk,
		.addr = haddr,
		.huge = entry,
	};

	damon_va_probe_folio(pfn_folio(pte_pfn(entry)), &at);
}

/*
 * A huge PTE is sampled like a PTE: its Accessed bit, and its Dirty bit
 * for write monitoring.
 */
static int damon_va_hugetlb_entry(pte_t *pte, unsigned long hmask,
				  unsigned long addr, unsigned long end,
				  struct mm_walk *walk)
{
	unsigned long size = huge_page_size(hstate_vma(walk->vma));
	spinlock_t *ptl = huge_pte_lock(hstate_vma(walk->vma), walk->mm, pte);
	struct damon_va_walk *w = walk->private;
	unsigned long haddr = addr & hmask;
	pte_t entry = huge_ptep_get(walk->mm, haddr, pte);

	if (!pte_present(entry))
		goto unlock;
	switch (w->op) {
	case DAMON_VA_MKOLD:
		w->young = damon_va_hugetlb_mkold(walk, pte, entry, haddr,
						  size);
		if (w->write)
			w->dirty = damon_va_hugetlb_mkclean(walk, pte, haddr,
							    size);
		break;
	case DAMON_VA_YOUNG:
		w->young = damon_va_hugetlb_young(walk, entry, haddr);
		if (w->write)
			w->dirty = huge_pte_dirty(entry);
		break;
	case DAMON_VA_PROBE:
		damon_va_hugetlb_probe(walk, entry, haddr);
		break;
	case DAMON_VA_ARM:	/* hugetlb_fault() has no PROT_NONE path */
		break;
	}
unlock:
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
 * The VMA to walk @addr in, looked up only when @w->vma does not hold
 * @addr: a lookup in the maple tree costs about as much as the walk of the
 * page itself.  NULL where nothing is mapped, or no struct page is behind
 * the mapping (a PFN map, which walk_page_range() skips too).
 */
static struct vm_area_struct *damon_va_walk_vma(struct mm_struct *mm,
						unsigned long addr,
						struct damon_va_walk *w)
{
	struct vm_area_struct *vma = w->vma;

	mmap_assert_locked(mm);
	if (!vma || addr < vma->vm_start || addr >= vma->vm_end) {
		vma = vma_lookup(mm, addr);
		w->vma = vma;
	}
	if (!vma || vma->vm_flags & VM_PFNMAP)
		return NULL;
	return vma;
}

/* Walk the page at @addr with @w, if anything is mapped there. */
static void damon_va_walk_page(struct mm_struct *mm, unsigned long addr,
			       struct damon_va_walk *w)
{
	struct vm_area_struct *vma = damon_va_walk_vma(mm, addr, w);

	if (vma)
		walk_page_range_vma(vma, addr, addr + 1, &damon_va_walk_ops, w);
}

/*
 * Make old (MKOLD) or test (YOUNG) the sampled pages of @r and of the
 * regions after it in @t that share its VMA and its page table (its PMD),
 * up to BITS_PER_LONG of them, in one walk: small regions mostly share one,
 * and the descent from the PGD, the page table lock and the walk's setup
 * then come once per page table instead of once per region.  A hugetlb
 * VMA is walked a region at a time.  Bit i of @w->young_run and
 * @w->dirty_run is set if the run's region i was found young (dirty).
 *
 * Return: the number of regions of the run, at least 1.
 */
static unsigned int damon_va_sample_run(struct damon_target *t,
					struct mm_struct *mm,
					struct damon_region *r,
					struct damon_va_walk *w)
{
	unsigned long addr = r->sampling_addr, end;
	struct vm_area_struct *vma = damon_va_walk_vma(mm, addr, w);
	struct damon_region *last = r, *next;
	unsigned int nr = 1;

	w->young_run = 0;
	w->dirty_run = 0;
	w->young = false;
	w->dirty = false;
	if (!vma)
		return 1;
	w->first = r;
	w->nr = 0;
	if (!is_vm_hugetlb_page(vma)) {
		end = pmd_addr_end(addr, vma->vm_end);
		while (nr < BITS_PER_LONG && last != damon_last_region(t)) {
			next = list_next_entry(last, list);
			if (next->sampling_addr >= end)
				break;
			last = next;
			nr++;
		}
		w->nr = nr;
	}
	walk_page_range_vma(vma, addr, last->sampling_addr + 1,
			    &damon_va_walk_ops, w);
	if (!w->nr) {
		w->young_run = w->young;
		w->dirty_run = w->dirty;
	}
	w->nr = 0;
	return nr;
}

/*
 * Walk the page at @addr with @w: make it old (and clean if @w->write),
 * or test whether it is young (and dirty).  The results go to @w->young
 * and @w->dirty; both stay false where nothing is mapped.
 */
static void damon_va_sample_addr(struct mm_struct *mm, unsigned long addr,
				 struct damon_va_walk *w)
{
	w->young = false;
	w->dirty = false;
	damon_va_walk_page(mm, addr, w);
}

/*
 * Make the page at @addr old, without a TLB flush (see ops-common.c), or
 * test whether it is young.  Return, for mkold, whether a set Accessed bit
 * was cleared; else whether it is young.  Dirty bits are not looked at.
 */
static bool damon_va_walk_addr(struct mm_struct *mm, unsigned long addr,
			       enum damon_va_walk_op op)
{
	struct damon_va_walk w = { .op = op };

	damon_va_sample_addr(mm, addr, &w);
	return w.young;
}

/*
 * Take the mmap lock of @mm for a pass of walks with @w.  The VMA @w
 * remembers belongs to the last pass, maybe of another target: forgotten.
 */
static void damon_va_walk_lock(struct mm_struct *mm, struct damon_va_walk *w)
{
	w->vma = NULL;
	mmap_read_lock(mm);
}

/*
 * Let page faults and mmap writers of the target go first: the mmap lock
 * is held across the regions of a target, not retaken per region.  The
 * VMA @w (if any) remembers may be gone once the lock was dropped.
 */
static void damon_va_yield_mmap_lock(struct mm_struct *mm,
				     struct damon_va_walk *w)
{
	if (!need_resched() && !mmap_lock_is_contended(mm))
		return;
	mmap_read_unlock(mm);
	if (w)
		w->vma = NULL;
	cond_resched();
	mmap_read_lock(mm);
}

/*
 * The page_fault primitive: make the sampled page of every region fault,
 * and flush each address space's TLBs once, after all its regions.
 */
static void damon_va_fault_start(struct damon_ctx *ctx)
{
	struct damon_va_walk w = { .op = DAMON_VA_ARM };
	struct damon_target *t;
	struct damon_region *r;
	unsigned int ti = 0;
	struct mm_struct *mm;
	bool armed;

	if (damon_fault_begin(ctx))
		return;
	damon_for_each_target(t, ctx) {
		mm = damon_va_get_mm(t);
		if (!mm)
			goto next;
		armed = false;
		damon_va_walk_lock(mm, &w);
		damon_for_each_region(r, t) {
			r->sampling_addr =
				damon_pick_sampling_addr(ctx, r, PAGE_SIZE);
			w.site = damon_fault_new_site(ctx, ti, r->sampling_addr,
						      mm, 0);
			damon_va_sample_addr(mm, r->sampling_addr, &w);
			armed |= w.young;
			damon_va_yield_mmap_lock(mm, &w);
		}
		mmap_read_unlock(mm);
		if (armed)
			flush_tlb_mm(mm);
		mmput(mm);
next:
		ti++;
	}
}

static void damon_va_start_sample(struct damon_ctx *ctx)
{
	struct damon_va_walk w = {
		.op = DAMON_VA_MKOLD,
		.write = damon_sample_wants_write(ctx),
	};
	struct damon_target *t;
	struct damon_region *r;
	struct mm_struct *mm;
	unsigned int left;

	if (damon_samples_faults(ctx)) {
		damon_va_fault_start(ctx);
		return;
	}
	damon_for_each_target(t, ctx) {
		mm = damon_va_get_mm(t);
		if (!mm)
			continue;
		damon_for_each_region(r, t)
			r->sampling_addr =
				damon_pick_sampling_addr(ctx, r, PAGE_SIZE);
		left = 0;
		damon_va_walk_lock(mm, &w);
		damon_for_each_region(r, t) {
			if (!left) {
				damon_va_yield_mmap_lock(mm, &w);
				left = damon_va_sample_run(t, mm, r, &w);
			}
			left--;
		}
		mmap_read_unlock(mm);
		damon_emulator_flush(mm);
		mmput(mm);
	}
}

static void damon_va_finish_sample(struct damon_ctx *ctx)
{
	struct damon_va_walk w = {
		.op = DAMON_VA_YOUNG,
		.write = damon_sample_wants_write(ctx),
	};
	struct damon_target *t;
	struct damon_region *r;
	bool accessed, young, dirty;
	unsigned int left, i;
	struct mm_struct *mm;

	if (damon_samples_faults(ctx)) {
		damon_fault_end(ctx);
		return;
	}
	damon_for_each_target(t, ctx) {
		mm = damon_va_get_mm(t);
		left = 0;
		i = 0;
		if (mm)
			damon_va_walk_lock(mm, &w);
		damon_for_each_region(r, t) {
			accessed = false;
			if (mm && !left) {
				damon_va_yield_mmap_lock(mm, &w);
				left = damon_va_sample_run(t, mm, r, &w);
				i = 0;
			}
			if (mm) {
				young = test_bit(i, &w.young_run);
				dirty = test_bit(i, &w.dirty_run);
				accessed = damon_sample_counts(ctx, young, dirty);
				left--;
				i++;
			}
			damon_update_region_access_rate(r, accessed);
		}
		if (mm) {
			mmap_read_unlock(mm);
			mmput(mm);
		}
	}
}

/* ==================== Data attribute probes ==================== */

/*
 * The probes look at the page the access check sampled (or, in
 * attributes-only mode, the core picked): the one holding sampling_addr.
 */
static unsigned long damon_va_probe_addr(const struct damon_region *r)
{
	return ALIGN_DOWN(r->sampling_addr, PAGE_SIZE);
}

/* Evaluate the probes of @ctx at the sampled page of every region of @t. */
static void damon_va_apply_target_probes(struct damon_ctx *ctx,
					 struct damon_target *t)
{
	struct damon_va_walk w = { .op = DAMON_VA_PROBE, .ctx = ctx };
	struct mm_struct *mm = damon_va_get_mm(t);
	struct damon_region *r;
	unsigned long addr;

	/* an exited process maps nothing: no probe counts */
	if (!mm)
		return;
	damon_va_walk_lock(mm, &w);
	damon_for_each_region(r, t) {
		w.r = r;
		addr = damon_va_probe_addr(r);
		damon_va_walk_page(mm, addr, &w);
		damon_va_yield_mmap_lock(mm, &w);
	}
	mmap_read_unlock(mm);
	mmput(mm);
}

static void damon_va_apply_probes(struct damon_ctx *ctx)
{
	struct damon_target *t;

	if (list_empty(&ctx->probes))
		return;
	damon_for_each_target(t, ctx)
		damon_va_apply_target_probes(ctx, t);
}

/* The page a prep works on. */
struct damon_va_prep {
	struct mm_struct *mm;
	unsigned long addr;
};

/* set_pgidle: what starting an access sample does to the page. */
static void damon_va_prep_set_pgidle(void *arg)
{
	struct damon_va_prep *prep = arg;

	damon_va_walk_addr(prep->mm, prep->addr, DAMON_VA_MKOLD);
}

static const struct damon_prep_ops damon_va_prep_ops = {
	.fns = {
		[DAMON_PREP_SET_PGIDLE] = damon_va_prep_set_pgidle,
	},
};

static void damon_va_prep_target(struct damon_ctx *ctx, struct damon_target *t)
{
	struct damon_va_prep prep = { .mm = damon_va_get_mm(t) };
	struct damon_region *r;

	if (!prep.mm)
		return;
	mmap_read_lock(prep.mm);
	damon_for_each_region(r, t) {
		prep.addr = damon_va_probe_addr(r);
		damon_probes_prep(ctx, &damon_va_prep_ops, &prep);
		damon_va_yield_mmap_lock(prep.mm, NULL);
	}
	mmap_read_unlock(prep.mm);
	damon_emulator_flush(prep.mm);
	mmput(prep.mm);
}

static void damon_va_prep_probes(struct damon_ctx *ctx)
{
	struct damon_target *t;

	/* the core calls this only if a probe has a prep */
	damon_for_each_target(t, ctx)
		damon_va_prep_target(ctx, t);
}

/* ==================== Walking the folios of a range ==================== */

/*
 * A walk over the present pages of a range, under the mmap read lock.
 * @visit is called for every page (PTE) or PMD-mapped THP that passes the
 * ops filters of @s (all pass when @s is NULL), with the page table lock
 * held; a non-zero return stops the walk after that page.
 */
struct damon_va_folio_walk {
	struct damos *s;
	int (*visit)(struct damon_va_folio_walk *w, struct folio *folio,
		     unsigned long addr, unsigned long len);
	unsigned long passed;	/* bytes that passed the filters */
	unsigned long resume;	/* where a stopped walk goes on */
/* the entry being looked at, for the young filter */
	struct vm_area_struct *vma;
	unsigned long addr;
	pte_t *pte;
	pmd_t *pmd;
};

/* The young filter: accessed since the last check, which starts again. */
static bool damon_va_filter_young(struct folio *folio, void *arg)
{
	struct damon_va_folio_walk *w = arg;
	bool young = false;

	if (w->pte) {
		young = damon_ptep_young(w->pte, w->vma, w->addr);
		if (young)
			damon_ptep_mkold(w->pte, w->vma, w->addr);
	}
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	if (w->pmd) {
		young = damon_pmdp_young(w->pmd, w->vma, w->addr);
		if (young)
			damon_pmdp_mkold(w->pmd, w->vma, w->addr);
	}
#endif
	return young;
}

/* Filter the page(s) [@addr, @addr + @len) of @folio, mapped at @pte/@pmd. */
static int damon_va_filter_visit(struct damon_va_folio_walk *w,
				 struct vm_area_struct *vma,
				 struct folio *folio, unsigned long addr,
				 unsigned long len, pte_t *pte, pmd_t *pmd)
{
	const struct damon_folio_young young = {
		.fn = damon_va_filter_young,
		.arg = w,
	};

	w->vma = vma;
	w->addr = addr;
	w->pte = pte;
	w->pmd = pmd;
	if (w->s && !damos_folio_filter_pass(w->s, folio, &young))
		return 0;
	w->passed += len;
	if (!w->visit(w, folio, addr, len))
		return 0;
	w->resume = addr + len;
	return 1;
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/*
 * Visit the THP @pmd maps, if it maps one.  Return -1 if @pmd maps a page
 * table instead, else what the visit returned.
 */
static int damon_va_folio_walk_pmd(pmd_t *pmd, unsigned long addr,
				   unsigned long next, struct mm_walk *walk)
{
	spinlock_t *ptl;	/* page table lock */
	pmd_t entry;
	int ret = 0;

	if (!pmd_trans_huge(pmdp_get_lockless(pmd)))
		return -1;
	ptl = pmd_trans_huge_lock(pmd, walk->vma);
	if (!ptl)
		return -1;
	__acquire(ptl);		/* for sparse: pmd_trans_huge_lock() locked it */
	entry = pmdp_get(pmd);
	if (pmd_present(entry) && !is_huge_zero_pmd(entry))
		ret = damon_va_filter_visit(walk->private, walk->vma,
					    pmd_folio(entry), addr,
					    next - addr, NULL, pmd);
	spin_unlock(ptl);
	return ret;
}
#else
static int damon_va_folio_walk_pmd(pmd_t *pmd, unsigned long addr,
				   unsigned long next, struct mm_walk *walk)
{
	return -1;
}
#endif

static int damon_va_folio_walk_pmd_entry(pmd_t *pmd, unsigned long addr,
					 unsigned long next,
					 struct mm_walk *walk)
{
	spinlock_t *ptl;	/* page table lock */
	pte_t *start_pte, *pte, entry;
	struct folio *folio;
	int ret;

	cond_resched();
	ret = damon_va_folio_walk_pmd(pmd, addr, next, walk);
	if (ret >= 0)
		return ret;
	start_pte = pte_offset_map_lock(walk->mm, pmd, addr, &ptl);
	if (!start_pte)
		return 0;	/* the page table went away: nothing mapped */
	__acquire(RCU);		/* for sparse: pte_offset_map() took it */
	ret = 0;
	for (pte = start_pte; addr < next && !ret; pte++, addr += PAGE_SIZE) {
		entry = ptep_get(pte);
		if (!pte_present(entry))
			continue;
		folio = vm_normal_folio(walk->vma, addr, entry);
		if (!folio || folio_is_zone_device(folio))
			continue;
		ret = damon_va_filter_visit(walk->private, walk->vma, folio,
					    addr, PAGE_SIZE, pte, NULL);
	}
	pte_unmap_unlock(start_pte, ptl);
	return ret;
}

/* hugetlb mappings have no hugetlb_entry: they are not visited */
static const struct mm_walk_ops damon_va_folio_walk_ops = {
	.pmd_entry = damon_va_folio_walk_pmd_entry,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * Walk [@start, @end) of @mm with @w.  Return where the walk stopped: @end,
 * or the end of the page whose visit asked to stop.
 */
static unsigned long damon_va_walk_folios(struct mm_struct *mm,
					  unsigned long start,
					  unsigned long end,
					  struct damon_va_folio_walk *w)
{
	int ret;

	mmap_read_lock(mm);
	ret = walk_page_range(mm, start, end, &damon_va_folio_walk_ops, w);
	mmap_read_unlock(mm);
	return ret > 0 ? w->resume : end;
}

/* ==================== Applying schemes ==================== */

/* The madvise() behaviour of each action applied through it; 0: none. */
static const int damon_va_madv[NR_DAMOS_ACTIONS] = {
	[DAMOS_WILLNEED]	= MADV_WILLNEED,
	[DAMOS_COLD]		= MADV_COLD,
	[DAMOS_PAGEOUT]		= MADV_PAGEOUT,
	[DAMOS_HUGEPAGE]	= MADV_HUGEPAGE,
	[DAMOS_NOHUGEPAGE]	= MADV_NOHUGEPAGE,
	[DAMOS_COLLAPSE]	= MADV_COLLAPSE,
};

/*
 * The part of [@start, @end) that the first VMA of @mm ending after @start
 * maps, in *@vma_start and *@vma_end.  Return false if there is none.
 */
static bool damon_va_next_vma_range(struct mm_struct *mm, unsigned long start,
				    unsigned long end,
				    unsigned long *vma_start,
				    unsigned long *vma_end)
{
	struct vm_area_struct *vma;
	bool found = false;

	mmap_read_lock(mm);
	vma = find_vma(mm, start);
	if (vma && vma->vm_start < end) {
		*vma_start = max(start, vma->vm_start);
		*vma_end = min(end, vma->vm_end);
		found = true;
	}
	mmap_read_unlock(mm);
	return found;
}

/*
 * madvise() [@start, @end) of @mm with @behavior, one VMA at a time: a VMA
 * that refuses the advice (locked, PFN mappings, ...) does not keep it from
 * the others.  do_madvise() looks the VMAs up again under the mmap lock,
 * so one that changed in between is handled as it is then.  Return the
 * bytes of the VMAs that took the advice.
 */
static unsigned long damon_va_madvise(struct mm_struct *mm,
				      unsigned long start, unsigned long end,
				      int behavior)
{
	unsigned long applied = 0, vma_start, vma_end;

	while (start < end &&
	       damon_va_next_vma_range(mm, start, end, &vma_start, &vma_end)) {
		if (!do_madvise(mm, vma_start, vma_end - vma_start, behavior))
			applied += vma_end - vma_start;
		start = vma_end;
	}
	return applied;
}

/* Runs of contiguous passing pages found by a walk, to madvise() later. */
#define DAMON_VA_MAX_RUNS	16
struct damon_va_runs {
	struct damon_va_folio_walk w;
	struct damon_addr_range runs[DAMON_VA_MAX_RUNS];
	unsigned int nr;
};

/* Record a passing page; stop the walk when the run array is full. */
static int damon_va_runs_visit(struct damon_va_folio_walk *w,
			       struct folio *folio, unsigned long addr,
			       unsigned long len)
{
	struct damon_va_runs *runs = container_of(w, struct damon_va_runs, w);

	if (runs->nr && runs->runs[runs->nr - 1].end == addr) {
		runs->runs[runs->nr - 1].end += len;
		return 0;
	}
	runs->runs[runs->nr].start = addr;
	runs->runs[runs->nr++].end = addr + len;
	return runs->nr == DAMON_VA_MAX_RUNS;
}

/* madvise() every run but the last one, which may still grow. */
static unsigned long damon_va_madvise_runs(struct mm_struct *mm,
					   struct damon_va_runs *runs,
					   bool all, int behavior)
{
	unsigned long applied = 0;
	unsigned int i, nr = all ? runs->nr : runs->nr - 1;

	for (i = 0; i < nr; i++)
		applied += damon_va_madvise(mm, runs->runs[i].start,
					    runs->runs[i].end, behavior);
	if (!all)
		runs->runs[0] = runs->runs[runs->nr - 1];
	runs->nr -= nr;
	return applied;
}

/* madvise() the pages of @r that pass the ops filters of @s. */
static unsigned long damon_va_madvise_filtered(struct mm_struct *mm,
					       struct damon_region *r,
					       struct damos *s, int behavior,
					       unsigned long *sz_filter_passed)
{
	struct damon_va_runs runs = {
		.w = { .s = s, .visit = damon_va_runs_visit },
	};
	unsigned long addr = r->ar.start, applied = 0;

	while (addr < r->ar.end) {
		addr = damon_va_walk_folios(mm, addr, r->ar.end, &runs.w);
		/* a full run array stopped the walk: the last run may grow */
		if (addr < r->ar.end)
			applied += damon_va_madvise_runs(mm, &runs, false,
							 behavior);
	}
	applied += damon_va_madvise_runs(mm, &runs, true, behavior);
	*sz_filter_passed = runs.w.passed;
	return applied;
}

/* Folios isolated for migration before they are handed over. */
#define DAMON_VA_MIGRATE_BATCH	512
struct damon_va_migrate {
	struct damon_va_folio_walk w;
	struct damon_migrate_batch batch;
	unsigned int nr_isolated;
};

static int damon_va_migrate_visit(struct damon_va_folio_walk *w,
				  struct folio *folio, unsigned long addr,
				  unsigned long len)
{
	struct damon_va_migrate *m = container_of(w, struct damon_va_migrate,
						  w);

	/* the other pages of a large folio find it isolated already */
	if (!damon_migrate_isolate(&m->batch, folio))
		return 0;
	return ++m->nr_isolated == DAMON_VA_MIGRATE_BATCH;
}

/* Migrate the folios of @r that pass the ops filters of @s. */
static unsigned long damon_va_migrate(struct mm_struct *mm,
				      struct damon_region *r,
				      struct damos *s,
				      unsigned long *sz_filter_passed)
{
	struct damon_va_migrate m = {
		.w = { .s = s, .visit = damon_va_migrate_visit },
	};
	unsigned long addr = r->ar.start, applied = 0;

	if (damon_migrate_batch_init(&m.batch, s))
		return 0;
	while (addr < r->ar.end) {
		addr = damon_va_walk_folios(mm, addr, r->ar.end, &m.w);
		applied += damon_migrate_batch_flush(&m.batch);
		m.nr_isolated = 0;
	}
	damon_migrate_batch_destroy(&m.batch);
	*sz_filter_passed = m.w.passed;
	return applied;
}

static int damon_va_count_visit(struct damon_va_folio_walk *w,
				struct folio *folio, unsigned long addr,
				unsigned long len)
{
	return 0;
}

static unsigned long damon_va_apply_scheme(struct damon_ctx *ctx,
					   struct damon_target *t,
					   struct damon_region *r,
					   struct damos *s,
					   unsigned long *sz_filter_passed)
{
	struct damon_va_folio_walk count = {
		.s = s,
		.visit = damon_va_count_visit,
	};
	int behavior = damon_va_madv[s->action];
	unsigned long applied = 0;
	struct mm_struct *mm;

	*sz_filter_passed = 0;
	mm = damon_va_get_mm(t);
	if (!mm)
		return 0;	/* the process exited */
	switch (s->action) {
	case DAMOS_MIGRATE_HOT:
	case DAMOS_MIGRATE_COLD:
		applied = damon_va_migrate(mm, r, s, sz_filter_passed);
		break;
	case DAMOS_STAT:
		if (!damos_ops_filters_needed(s)) {
			*sz_filter_passed = damon_sz_region(r);
			break;
		}
		damon_va_walk_folios(mm, r->ar.start, r->ar.end, &count);
		*sz_filter_passed = count.passed;
		break;
	default:
		if (!behavior)
			break;
		if (damos_ops_filters_needed(s)) {
			applied = damon_va_madvise_filtered(mm, r, s, behavior,
							    sz_filter_passed);
			break;
		}
		/* no page to look at: do_madvise() walks the VMAs itself */
		*sz_filter_passed = damon_sz_region(r);
		applied = damon_va_madvise(mm, r->ar.start, r->ar.end,
					   behavior);
		break;
	}
	mmput(mm);
	return applied;
}

struct damon_va_on_node {
	struct damon_va_folio_walk w;
	int nid;
	unsigned long sz;
};

static int damon_va_on_node_visit(struct damon_va_folio_walk *w,
				  struct folio *folio, unsigned long addr,
				  unsigned long len)
{
	struct damon_va_on_node *on = container_of(w, struct damon_va_on_node,
						   w);

	if (folio_nid(folio) == on->nid)
		on->sz += len;
	return 0;
}

/* Bytes of @r whose pages sit on node @nid. */
static unsigned long damon_va_sz_on_node(struct damon_ctx *ctx,
					 struct damon_target *t,
					 struct damon_region *r, int nid)
{
	struct damon_va_on_node on = {
		.w = { .visit = damon_va_on_node_visit },
		.nid = nid,
	};
	struct mm_struct *mm = damon_va_get_mm(t);

	if (!mm)
		return 0;
	damon_va_walk_folios(mm, r->ar.start, r->ar.end, &on.w);
	mmput(mm);
	return on.sz;
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
#define DAMON_VA_THP_ACTIONS \
	(BIT(DAMOS_HUGEPAGE) | BIT(DAMOS_NOHUGEPAGE) | BIT(DAMOS_COLLAPSE))
#else
#define DAMON_VA_THP_ACTIONS	0
#endif
#ifdef CONFIG_MIGRATION
#define DAMON_VA_MIGRATE_ACTIONS \
	(BIT(DAMOS_MIGRATE_HOT) | BIT(DAMOS_MIGRATE_COLD))
#else
#define DAMON_VA_MIGRATE_ACTIONS	0
#endif
#define DAMON_VA_ACTIONS \
	(BIT(DAMOS_WILLNEED) | BIT(DAMOS_COLD) | BIT(DAMOS_PAGEOUT) | \
	 BIT(DAMOS_STAT) | DAMON_VA_THP_ACTIONS | DAMON_VA_MIGRATE_ACTIONS)

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
	.apply_scheme = damon_va_apply_scheme,
	.sz_on_node = damon_va_sz_on_node,
	.apply_probes = damon_va_apply_probes,
	.prep_probes = damon_va_prep_probes,
	.sample_filters = BIT(DAMON_SAMPLE_FILTER_WRITE),
	.page_fault = IS_ENABLED(CONFIG_DAMON_PAGE_FAULT),
	.actions = DAMON_VA_ACTIONS,
};

static const struct damon_operations damon_fva_ops = {
	.id = DAMON_OPS_FVADDR,
	.name = "fvaddr",
	.start_sample = damon_va_start_sample,
	.finish_sample = damon_va_finish_sample,
	.target_alive = damon_va_target_alive,
	.apply_scheme = damon_va_apply_scheme,
	.sz_on_node = damon_va_sz_on_node,
	.apply_probes = damon_va_apply_probes,
	.prep_probes = damon_va_prep_probes,
	.sample_filters = BIT(DAMON_SAMPLE_FILTER_WRITE),
	.page_fault = IS_ENABLED(CONFIG_DAMON_PAGE_FAULT),
	.actions = DAMON_VA_ACTIONS,
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

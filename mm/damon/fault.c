// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON's page_fault sampling primitive.
 *
 * An Accessed bit says that a page was accessed, not by which CPU or
 * thread, nor whether it was written.  A fault says all three.  So, for
 * one sampling interval, each region's sampled page is made to fault:
 * the operation set makes the page table entries that map it PROT_NONE,
 * the kind of entry NUMA balancing uses for its hinting faults, and the
 * first access takes a fault that do_numa_page() hands to
 * damon_fault_pte() (do_huge_pmd_numa_page() to damon_fault_pmd()).  The
 * fault is reported here, with its CPU, thread and write flag, and the
 * kernel maps the page again as NUMA balancing does when it does not
 * migrate, without any NUMA accounting.  At the end of the sample every
 * entry that did not fault is restored, and the reports are accounted to
 * the regions through the sample filters.
 *
 * Sites.  What one region's sample armed is a site: the page (a PTE
 * mapping) or the THP (a PMD mapping), and where its reports go.  Sites
 * are kept in a hash table keyed by the pfn of the folio's head page, so
 * that a fault finds them from the page it maps: copies of an entry that
 * fork made, or that mremap moved, are DAMON's too.  A site is inserted
 * before its entry is changed and removed after every entry of its page
 * was restored, so an entry DAMON armed always has a site.  An entry that
 * is PROT_NONE already when a sample would arm it is shared if a site of
 * any context maps it (both see its fault), and left alone otherwise: it
 * is NUMA balancing's, or a PROT_NONE mapping.
 *
 * Reports.  Each context has a preallocated array of reports, sized for
 * its regions; a site reports at most DAMON_FAULT_MAX_REPORTS faults (one
 * per mapping: the fault restores the entry), so the array never fills up.
 * A report is written under the lock of its site's bucket and read after
 * every site was removed under the same lock.
 *
 * Locking: page table lock, then a bucket lock; bucket locks are never
 * nested.  The hooks run in the faulting task with the page table lock
 * held (so preemption off: NUMA_BALANCING excludes PREEMPT_RT) and neither
 * sleep nor allocate.  Everything else runs in the kdamond of the context.
 */

#define pr_fmt(fmt) "damon-fault: " fmt

#include <linux/damon.h>
#include <linux/hash.h>
#include <linux/init.h>
#include <linux/jump_label.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "../internal.h"
#include "core.h"
#include "fault.h"
#include "regions.h"

DEFINE_STATIC_KEY_FALSE(damon_fault_key);

/* What a site armed: the sampled page's PTE mappings, its folio's PMDs. */
#define DAMON_FAULT_PTE		BIT(0)
#define DAMON_FAULT_PMD		BIT(1)

/*
 * Reports kept per site.  vaddr sites report one mapping; paddr sites
 * every mapping of the page, of which one report is enough to count.
 */
#define DAMON_FAULT_MAX_REPORTS	4

/**
 * struct damon_fault_site - What the sample of one region armed.
 * @node:	Link in its bucket of damon_fault_table.
 * @head:	The pfn of the head page of the armed folio: the hash key.
 * @pfn:	The armed page, for PTE mappings.
 * @mm:		The address space whose faults are reported (vaddr), or
 *		NULL for any (paddr).  Compared, never dereferenced.
 * @sink:	Where the reports go.
 * @addr:	The address reports carry, in the region (DAMON units).
 * @target:	Index of the region's target.
 * @kind:	DAMON_FAULT_PTE and/or DAMON_FAULT_PMD; 0 until armed.
 * @nr_reports:	Reports made so far.
 * @hashed:	Whether @node is in the table.
 *
 * @head, @pfn, @kind and @nr_reports change under the bucket lock.
 */
struct damon_fault_site {
	struct hlist_node node;
	unsigned long head;
	unsigned long pfn;
	const struct mm_struct *mm;
	struct damon_fault_sink *sink;
	unsigned long addr;
	unsigned int target;
	u8 kind;
	u8 nr_reports;
	bool hashed;
};

/**
 * struct damon_fault_sink - The page_fault state of one context.
 * @sites:	One per region sampled, @nr_sites of @cap_sites used.
 * @nr_sites:	Sites of the current sample.
 * @cap_sites:	Capacity of @sites.
 * @reports:	@cap_sites * DAMON_FAULT_MAX_REPORTS reports.
 * @nr_reports:	Reports of the current sample.
 * @nr_dropped:	Faults not reported as their site had reported enough.
 */
struct damon_fault_sink {
	struct damon_fault_site *sites;
	unsigned int nr_sites;
	unsigned int cap_sites;
	struct damon_fault_report *reports;
	atomic_t nr_reports;
	atomic_long_t nr_dropped;
};

#define DAMON_FAULT_HASH_BITS	8

static struct damon_fault_bucket {
	spinlock_t lock;		/* guards @sites and their sites */
	struct hlist_head sites;
} damon_fault_table[1 << DAMON_FAULT_HASH_BITS];

static struct damon_fault_bucket *damon_fault_bucket(unsigned long head)
{
	return &damon_fault_table[hash_long(head, DAMON_FAULT_HASH_BITS)];
}

static bool damon_fault_site_maps(const struct damon_fault_site *site,
				  unsigned long head, unsigned long pfn,
				  u8 kind)
{
	if (site->head != head || !(site->kind & kind))
		return false;
	return kind == DAMON_FAULT_PMD || site->pfn == pfn;
}

/* ==================== The fault side ==================== */

static void damon_fault_report(struct damon_fault_site *site,
			       const struct vm_fault *vmf)
{
	struct damon_fault_sink *sink = site->sink;
	int i;

	if (site->nr_reports >= DAMON_FAULT_MAX_REPORTS) {
		atomic_long_inc(&sink->nr_dropped);
		return;
	}
	site->nr_reports++;
	/* below cap_sites * DAMON_FAULT_MAX_REPORTS: see the sink */
	i = atomic_inc_return(&sink->nr_reports) - 1;
	sink->reports[i] = (struct damon_fault_report){
		.addr = site->addr,
		.size = 1,
		.target = site->target,
		.cpu = raw_smp_processor_id(),
		.tid = task_pid_nr(current),
		.write = !!(vmf->flags & FAULT_FLAG_WRITE),
	};
}

/* Report a fault to the sites that armed it; return whether one did. */
static bool damon_fault_hit(const struct vm_fault *vmf, unsigned long head,
			    unsigned long pfn, u8 kind)
{
	struct damon_fault_bucket *b = damon_fault_bucket(head);
	struct damon_fault_site *site;
	bool armed = false;

	spin_lock(&b->lock);
	hlist_for_each_entry(site, &b->sites, node) {
		if (!damon_fault_site_maps(site, head, pfn, kind))
			continue;
		armed = true;
		/* a fork child's copy is DAMON's, but not the target's access */
		if (!site->mm || site->mm == vmf->vma->vm_mm)
			damon_fault_report(site, vmf);
	}
	spin_unlock(&b->lock);
	return armed;
}

/* The body of damon_fault_pte(), see include/linux/damon.h. */
bool __damon_fault_pte(struct vm_fault *vmf, struct folio *folio,
		       unsigned long pfn)
{
	return damon_fault_hit(vmf, folio_pfn(folio), pfn, DAMON_FAULT_PTE);
}

/* The body of damon_fault_pmd(), see include/linux/damon.h. */
bool __damon_fault_pmd(struct vm_fault *vmf, struct folio *folio)
{
	return damon_fault_hit(vmf, folio_pfn(folio), 0, DAMON_FAULT_PMD);
}

/* ==================== Arming ==================== */

/*
 * Put @site in the table as mapping @head (and @pfn, for PTEs) through
 * @kind.  With @shared, only if some site maps it already: the entry is
 * PROT_NONE, and it is DAMON's only if a site says so.  Return whether
 * @site is in the table now.
 */
static bool damon_fault_hash(struct damon_fault_site *site,
			     unsigned long head, unsigned long pfn, u8 kind,
			     bool shared)
{
	struct damon_fault_bucket *b = damon_fault_bucket(head);
	struct damon_fault_site *other;
	bool ok = !shared;

	spin_lock(&b->lock);
	if (shared) {
		hlist_for_each_entry(other, &b->sites, node) {
			if (damon_fault_site_maps(other, head, pfn, kind)) {
				ok = true;
				break;
			}
		}
	}
	if (ok) {
		site->head = head;
		if (kind == DAMON_FAULT_PTE)
			site->pfn = pfn;
		site->kind |= kind;
		if (!site->hashed) {
			hlist_add_head(&site->node, &b->sites);
			site->hashed = true;
		}
	}
	spin_unlock(&b->lock);
	return ok;
}

/* Whether DAMON may make the entries of @vma PROT_NONE and take faults. */
static bool damon_fault_vma_ok(struct vm_area_struct *vma)
{
	/* a PROT_NONE VMA's faults never reach do_numa_page() */
	if (!vma_is_accessible(vma) || is_vm_hugetlb_page(vma))
		return false;
	return !(vma->vm_flags & (VM_PFNMAP | VM_IO | VM_MIXEDMAP));
}

/*
 * Whether @site may arm a mapping of @head: a site arms one folio, and
 * through PTEs only its one page.
 */
static bool damon_fault_site_fits(const struct damon_fault_site *site,
				  unsigned long head, unsigned long pfn,
				  u8 kind)
{
	if (!site->kind)
		return true;
	if (site->head != head)
		return false;
	return kind == DAMON_FAULT_PMD || !(site->kind & DAMON_FAULT_PTE) ||
		site->pfn == pfn;
}

/**
 * damon_fault_arm_pte() - Make a page table entry fault for a sample.
 * @site:	The site of the sample, from damon_fault_new_site().
 * @vma:	The VMA of the entry.
 * @addr:	The address of the entry.
 * @ptep:	The entry.
 *
 * Makes the entry PROT_NONE, keeping its Accessed, Dirty and soft-dirty
 * bits, unless it maps no normal folio, @vma takes no such faults
 * (hugetlb, PROT_NONE, PFN maps), or it maps another page than one @site
 * armed already.  An entry that is PROT_NONE already is only shared with
 * the site that armed it.  The caller flushes the TLB for the entry; until
 * then accesses through a cached translation are not seen.
 *
 * Context: the page table lock of @ptep held.
 * Return: whether the entry now reports its fault to @site.
 */
bool damon_fault_arm_pte(struct damon_fault_site *site,
			 struct vm_area_struct *vma, unsigned long addr,
			 pte_t *ptep)
{
	pte_t old = ptep_get(ptep);
	struct folio *folio;
	unsigned long pfn;

	if (!site || !pte_present(old) || !damon_fault_vma_ok(vma))
		return false;
	folio = vm_normal_folio(vma, addr, old);
	if (!folio || folio_is_zone_device(folio))
		return false;
	pfn = pte_pfn(old);
	if (!damon_fault_site_fits(site, folio_pfn(folio), pfn,
				   DAMON_FAULT_PTE))
		return false;
	if (!damon_fault_hash(site, folio_pfn(folio), pfn, DAMON_FAULT_PTE,
			      pte_protnone(old)))
		return false;
	if (!pte_protnone(old)) {
		old = ptep_modify_prot_start(vma, addr, ptep);
		ptep_modify_prot_commit(vma, addr, ptep, old,
					pte_modify(old, PAGE_NONE));
	}
	return true;
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/**
 * damon_fault_arm_pmd() - damon_fault_arm_pte() for a PMD-mapped THP.
 * @site:	The site of the sample.
 * @vma:	The VMA of the entry.
 * @addr:	An address the entry maps.
 * @pmdp:	The entry.
 *
 * The TLB is flushed here: pmdp_invalidate_ad() makes sure no CPU keeps
 * the huge translation (and MADV_DONTNEED never sees a none PMD).
 *
 * Context: the PMD lock of @pmdp held.
 * Return: whether the entry now reports its fault to @site.
 */
bool damon_fault_arm_pmd(struct damon_fault_site *site,
			 struct vm_area_struct *vma, unsigned long addr,
			 pmd_t *pmdp)
{
	unsigned long haddr = addr & HPAGE_PMD_MASK;
	pmd_t old = pmdp_get(pmdp);
	struct folio *folio;

	if (!site || !pmd_trans_huge(old) || is_huge_zero_pmd(old) ||
	    !damon_fault_vma_ok(vma))
		return false;
	folio = vm_normal_folio_pmd(vma, haddr, old);
	if (!folio || folio_is_zone_device(folio))
		return false;
	if (!damon_fault_site_fits(site, folio_pfn(folio), 0,
				   DAMON_FAULT_PMD))
		return false;
	if (!damon_fault_hash(site, folio_pfn(folio), 0, DAMON_FAULT_PMD,
			      pmd_protnone(old)))
		return false;
	if (!pmd_protnone(old)) {
		old = pmdp_invalidate_ad(vma, haddr, pmdp);
		set_pmd_at(vma->vm_mm, haddr, pmdp,
			   pmd_modify(old, PAGE_NONE));
	}
	return true;
}
#else
bool damon_fault_arm_pmd(struct damon_fault_site *site,
			 struct vm_area_struct *vma, unsigned long addr,
			 pmd_t *pmdp)
{
	return false;
}
#endif

/* ==================== Disarming ==================== */

/*
 * Map a PROT_NONE entry DAMON armed as it was, as NUMA balancing does
 * after a hinting fault but without making it young: nothing accessed it.
 * Writable only where the kernel would let a fault make it so (fork may
 * have made the page COW meanwhile).  No TLB flush: the entry was not
 * present.
 */
static void damon_fault_restore_pte(struct vm_area_struct *vma,
				    unsigned long addr, pte_t *ptep)
{
	pte_t old = ptep_modify_prot_start(vma, addr, ptep);
	pte_t pte = pte_modify(old, vma->vm_page_prot);

	if (!pte_write(pte) && vma_wants_manual_pte_write_upgrade(vma) &&
	    can_change_pte_writable(vma, addr, pte))
		pte = pte_mkwrite(pte, vma);
	ptep_modify_prot_commit(vma, addr, ptep, old, pte);
	update_mmu_cache(vma, addr, ptep);
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/*
 * The PMD counterpart: read-only where a private or write-notified mapping
 * keeps it so; the next write takes the write fault that upgrades it.
 */
static void damon_fault_restore_pmd(struct vm_area_struct *vma,
				    unsigned long addr, pmd_t *pmdp)
{
	unsigned long haddr = addr & HPAGE_PMD_MASK;
	pmd_t pmd = pmd_modify(pmdp_get(pmdp), vma->vm_page_prot);

	set_pmd_at(vma->vm_mm, haddr, pmdp, pmd);
	update_mmu_cache_pmd(vma, haddr, pmdp);
}
#else
static void damon_fault_restore_pmd(struct vm_area_struct *vma,
				    unsigned long addr, pmd_t *pmdp)
{
}
#endif

static bool damon_fault_restore_one(struct folio *folio,
				    struct vm_area_struct *vma,
				    unsigned long addr, void *arg)
{
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, addr, 0);
	const struct damon_fault_site *site = arg;
	pte_t pte;

	/* mprotect(PROT_NONE) made the entries PROT_NONE for good */
	if (!vma_is_accessible(vma))
		return true;
	/* PROT_NONE entries are present: the walk finds them */
	while (page_vma_mapped_walk(&pvmw)) {
		if (pvmw.pte) {
			pte = ptep_get(pvmw.pte);
			if ((site->kind & DAMON_FAULT_PTE) &&
			    pte_protnone(pte) && pte_pfn(pte) == site->pfn)
				damon_fault_restore_pte(vma, pvmw.address,
							pvmw.pte);
		} else if ((site->kind & DAMON_FAULT_PMD) &&
			   pmd_protnone(pmdp_get(pvmw.pmd))) {
			damon_fault_restore_pmd(vma, pvmw.address, pvmw.pmd);
		}
	}
	return true;
}

/*
 * Restore every PROT_NONE mapping of what @site armed, wherever it is now
 * (fork copies and moved entries included), through the reverse mapping.
 * A folio that was freed or split meanwhile lost the entries with it: the
 * kernel maps pages again from vm_page_prot.
 */
static void damon_fault_restore(const struct damon_fault_site *site)
{
	struct rmap_walk_control rwc = {
		.rmap_one = damon_fault_restore_one,
		.arg = (void *)site,
		.anon_lock = folio_lock_anon_vma_read,
	};
	unsigned long pfn = site->kind & DAMON_FAULT_PTE ? site->pfn :
		site->head;
	struct page *page = pfn_to_online_page(pfn);
	struct folio *folio = page ? page_folio(page) : NULL;
	bool lock;

	if (!folio || !folio_try_get(folio))
		return;
	if (page_folio(page) != folio || folio_pfn(folio) != site->head ||
	    !folio_mapped(folio) || !folio_raw_mapping(folio))
		goto put;
	/* file and KSM folios need the lock for a stable mapping */
	lock = !folio_test_anon(folio) || folio_test_ksm(folio);
	if (lock)
		folio_lock(folio);
	rmap_walk(folio, &rwc);
	if (lock)
		folio_unlock(folio);
put:
	folio_put(folio);
}

static void damon_fault_unhash(struct damon_fault_site *site)
{
	struct damon_fault_bucket *b = damon_fault_bucket(site->head);

	spin_lock(&b->lock);
	hlist_del(&site->node);
	site->hashed = false;
	spin_unlock(&b->lock);
}

/* Restore and forget every site of @sink; afterwards, no fault is ours. */
static void damon_fault_disarm(struct damon_fault_sink *sink)
{
	struct damon_fault_site *site;
	unsigned int i;

	for (i = 0; i < sink->nr_sites; i++) {
		site = &sink->sites[i];
		if (!site->hashed)
			continue;
		damon_fault_restore(site);
		damon_fault_unhash(site);
		cond_resched();
	}
	sink->nr_sites = 0;
}

/* ==================== The sample ==================== */

/**
 * damon_fault_begin() - Start a page_fault sample of a context.
 * @ctx:	The context.
 *
 * Makes room for one site per region of @ctx and turns the fault hooks
 * on, the first time.
 *
 * Context: the kdamond of @ctx; may sleep.
 * Return: 0, or -ENOMEM: then nothing may be armed in this sample.
 */
int damon_fault_begin(struct damon_ctx *ctx)
{
	unsigned int nr = max_t(unsigned long, damon_nr_regions_ctx(ctx),
				ctx->attrs.max_nr_regions);
	struct damon_fault_sink *sink = ctx->fault_sink;
	struct damon_fault_report *reports;
	struct damon_fault_site *sites;

	if (!sink) {
		sink = kzalloc(sizeof(*sink), GFP_KERNEL);
		if (!sink)
			return -ENOMEM;
		ctx->fault_sink = sink;
		static_branch_inc(&damon_fault_key);
	}
	WARN_ON_ONCE(sink->nr_sites);
	/* no site, no report: a failed growth below counts nothing twice */
	atomic_set(&sink->nr_reports, 0);
	if (nr > sink->cap_sites) {
		sites = kvcalloc(nr, sizeof(*sites), GFP_KERNEL);
		reports = kvcalloc(nr, DAMON_FAULT_MAX_REPORTS *
				   sizeof(*reports), GFP_KERNEL);
		if (!sites || !reports) {
			kvfree(sites);
			kvfree(reports);
			return -ENOMEM;
		}
		kvfree(sink->sites);
		kvfree(sink->reports);
		sink->sites = sites;
		sink->reports = reports;
		sink->cap_sites = nr;
	}
	return 0;
}

/**
 * damon_fault_new_site() - Take the site for the sample of one region.
 * @ctx:	The context, after a successful damon_fault_begin().
 * @target:	Index of the region's target in @ctx.
 * @addr:	The address reports carry: the region's sampling address.
 * @mm:		For vaddr, the target's address space: faults of other
 *		address spaces are not reported.  NULL for paddr.
 * @pfn:	For paddr, the sampled page; 0 for vaddr.
 *
 * Context: the kdamond of @ctx.
 * Return: the site, to arm with damon_fault_arm_pte() and
 * damon_fault_arm_pmd(), or NULL if @ctx has no room (nothing is armed).
 */
struct damon_fault_site *damon_fault_new_site(struct damon_ctx *ctx,
					      unsigned int target,
					      unsigned long addr,
					      struct mm_struct *mm,
					      unsigned long pfn)
{
	struct damon_fault_sink *sink = ctx->fault_sink;
	struct damon_fault_site *site;

	if (!sink || WARN_ON_ONCE(sink->nr_sites >= sink->cap_sites))
		return NULL;
	site = &sink->sites[sink->nr_sites++];
	*site = (struct damon_fault_site){
		.pfn = pfn,
		.mm = mm,
		.sink = sink,
		.addr = addr,
		.target = target,
	};
	return site;
}

/**
 * damon_fault_end() - Finish a page_fault sample of a context.
 * @ctx:	The context.
 *
 * Restores every entry the sample armed that did not fault, then counts
 * one sample for every region of @ctx: accessed if a fault reported on its
 * site passes the sample filters.
 *
 * Context: the kdamond of @ctx; may sleep.  No mmap lock held.
 */
void damon_fault_end(struct damon_ctx *ctx)
{
	struct damon_fault_sink *sink = ctx->fault_sink;
	unsigned int nr = 0;

	if (sink) {
		damon_fault_disarm(sink);
		/* every report was written under a lock the unhash took */
		nr = atomic_read(&sink->nr_reports);
	}
	damon_sample_account_reports(ctx, sink ? sink->reports : NULL, nr);
}

/**
 * damon_fault_cancel() - Restore what a page_fault sample armed, without
 * counting it.
 * @ctx:	The context.
 *
 * Context: the kdamond of @ctx; may sleep.
 */
void damon_fault_cancel(struct damon_ctx *ctx)
{
	if (ctx->fault_sink)
		damon_fault_disarm(ctx->fault_sink);
}

/**
 * damon_fault_release() - Free the page_fault state of a context.
 * @ctx:	The context.
 *
 * Cancels a sample in flight and turns the fault hooks off if no other
 * context samples with faults.  Called when the kdamond ends, and when a
 * commit switched the context to another primitive.
 *
 * Context: the kdamond of @ctx; may sleep.
 */
void damon_fault_release(struct damon_ctx *ctx)
{
	struct damon_fault_sink *sink = ctx->fault_sink;

	if (!sink)
		return;
	damon_fault_disarm(sink);
	ctx->fault_sink = NULL;
	kvfree(sink->sites);
	kvfree(sink->reports);
	kfree(sink);
	static_branch_dec(&damon_fault_key);
}

static int __init damon_fault_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(damon_fault_table); i++) {
		spin_lock_init(&damon_fault_table[i].lock);
		INIT_HLIST_HEAD(&damon_fault_table[i].sites);
	}
	return 0;
}
core_initcall(damon_fault_init);

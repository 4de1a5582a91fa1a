// SPDX-License-Identifier: GPL-2.0
/*
 * Taking blocks of memory out of the page allocator and giving them back:
 * the DAMOS_ALLOC and DAMOS_FREE actions of the paddr operation set.
 *
 * The unit is a pageblock, aligned: the unit the page allocator keeps
 * mobility in, and the smallest one a host can reuse as a huge page.
 * alloc_contig_range() frees a block of what it holds (clean page cache
 * is dropped, the rest migrated) and takes it; a block with unmovable
 * pages fails with -EBUSY and is skipped.  A taken block leaves the
 * guest's managed memory (MemTotal shrinks, as with a balloon) and is
 * reported to the host as free through the free page reporting device,
 * if there is one, so that the host can reuse it.
 *
 * Ownership: the blocks belong to the context that took them, in its
 * set ctx->taken_blocks, keyed by block number.  They are given back when
 * its kdamond ends, whatever the reason, and, with a warning, when the
 * context is destroyed holding some.  A commit keeps them.
 *
 * Safety net: while a context holds blocks it has a shrinker, which
 * counts the taken pages and gives blocks back on reclaim, so that memory
 * pressure gets them back before the OOM killer runs, however late the
 * policy reacts.
 *
 * Locking: the set's only lock is the xarray's own.  Whoever erases a
 * block from the set owns it and gives it back outside of any lock, so
 * that the kdamond (DAMOS_FREE, the end) and a shrinker in any reclaiming
 * thread never give one block back twice, and the shrinker never waits
 * for the kdamond, which may itself be reclaiming in alloc_contig_range().
 * A block is reported before it enters the set: once in, a shrinker may
 * give it back at any time, and a block in use must never be reported.
 * nr_taken_pages is raised before a block enters the set and lowered
 * after it left it, so that it never counts less than the set holds.
 */

#define pr_fmt(fmt) "damon-blocks: " fmt

#include <linux/gfp.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/page_reporting.h>
#include <linux/sched.h>
#include <linux/shrinker.h>
#include <linux/vmstat.h>

#include "blocks.h"

/* The first page frame of block @nr. */
static unsigned long damon_block_pfn(unsigned long nr)
{
	return nr << pageblock_order;
}

/*
 * Whether block @nr can be taken: online memory of one zone, the range
 * alloc_contig_range() needs (sections are larger than pageblocks, so the
 * memory map of the whole block exists if that of its ends does), in a
 * zone that keeps more than its high watermark free once the block is
 * gone.  Whatever a block held moves elsewhere, so taking one costs a
 * block of free memory; that check keeps the action from ever waking
 * kswapd, whose shrinking would only give blocks back.
 */
static bool damon_block_usable(unsigned long nr)
{
	unsigned long pfn = damon_block_pfn(nr);
	struct page *first, *last;
	struct zone *zone;

	first = pfn_to_online_page(pfn);
	last = pfn_to_online_page(pfn + pageblock_nr_pages - 1);
	if (!first || !last || page_zone(first) != page_zone(last))
		return false;
	zone = page_zone(first);
	return zone_page_state(zone, NR_FREE_PAGES) >
		high_wmark_pages(zone) + pageblock_nr_pages;
}

/* Give back block @nr, which the caller erased from the set of @ctx. */
static void damon_block_give(struct damon_ctx *ctx, unsigned long nr)
{
	unsigned long pfn = damon_block_pfn(nr);

	adjust_managed_page_count(pfn_to_page(pfn), pageblock_nr_pages);
	free_contig_range(pfn, pageblock_nr_pages);
	atomic_long_sub(pageblock_nr_pages, &ctx->nr_taken_pages);
}

/* Give back up to @nr_pages pages of any blocks of @ctx; returns them. */
static unsigned long damon_blocks_give_any(struct damon_ctx *ctx,
					   unsigned long nr_pages)
{
	unsigned long nr, given = 0;
	void *entry;

	xa_for_each(&ctx->taken_blocks, nr, entry) {
		if (given >= nr_pages)
			break;
		/* another thread may have claimed it meanwhile */
		if (!xa_erase(&ctx->taken_blocks, nr))
			continue;
		damon_block_give(ctx, nr);
		given += pageblock_nr_pages;
	}
	return given;
}

static unsigned long damon_blocks_count(struct shrinker *shrinker,
					struct shrink_control *sc)
{
	struct damon_ctx *ctx = shrinker->private_data;
	long nr = atomic_long_read(&ctx->nr_taken_pages);

	return nr > 0 ? nr : SHRINK_EMPTY;
}

static unsigned long damon_blocks_scan(struct shrinker *shrinker,
				       struct shrink_control *sc)
{
	struct damon_ctx *ctx = shrinker->private_data;
	unsigned long given = damon_blocks_give_any(ctx, sc->nr_to_scan);

	return given ? given : SHRINK_STOP;
}

/* Give @ctx its shrinker, if it has none yet; false if out of memory. */
static bool damon_blocks_arm(struct damon_ctx *ctx)
{
	struct shrinker *shrinker;

	if (ctx->blocks_shrinker)
		return true;
	shrinker = shrinker_alloc(0, "damon-blocks-%d", ctx->kdamond_id);
	if (!shrinker)
		return false;
	shrinker->count_objects = damon_blocks_count;
	shrinker->scan_objects = damon_blocks_scan;
	/* cheaper to give back than any cache: nothing is lost */
	shrinker->seeks = 1;
	shrinker->batch = pageblock_nr_pages;
	shrinker->private_data = ctx;
	shrinker_register(shrinker);
	ctx->blocks_shrinker = shrinker;
	return true;
}

/*
 * Take block @nr for @ctx, or leave it.  The report comes before the
 * block enters the set, see the locking comment at the top.
 */
static bool damon_block_take(struct damon_ctx *ctx, unsigned long nr)
{
	unsigned long pfn = damon_block_pfn(nr);
	struct page *page;

	if (xa_load(&ctx->taken_blocks, nr) || !damon_block_usable(nr))
		return false;
	if (alloc_contig_range(pfn, pfn + pageblock_nr_pages, MIGRATE_MOVABLE,
			       GFP_KERNEL | __GFP_NOWARN))
		return false;
	page = pfn_to_page(pfn);
	adjust_managed_page_count(page, -(long)pageblock_nr_pages);
	/* without a reporting device, the block stays taken all the same */
	page_reporting_report_pages(page, pageblock_order);
	atomic_long_add(pageblock_nr_pages, &ctx->nr_taken_pages);
	if (xa_insert(&ctx->taken_blocks, nr, xa_mk_value(0), GFP_KERNEL)) {
		damon_block_give(ctx, nr);
		return false;
	}
	return true;
}

/**
 * damon_blocks_alloc() - Take the blocks of a range out of the page
 * allocator (DAMOS_ALLOC).
 * @ctx:	The context that takes them.
 * @first:	Number of the first block (physical address over the block
 *		size, pageblock_nr_pages pages), see damon_blocks_span().
 * @nr:		How many blocks to try.
 *
 * Takes each block of the range that @ctx does not hold yet and that
 * alloc_contig_range() can free, reports it to the host as free, and
 * keeps it until damon_blocks_free(), the shrinker or the end of the
 * kdamond gives it back.  Blocks with unmovable pages are skipped.
 *
 * Context: The kdamond of @ctx; sleeps.  Takes no DAMON lock.
 *
 * Return: bytes taken, 0 if none (also when out of memory).
 */
unsigned long damon_blocks_alloc(struct damon_ctx *ctx, u64 first,
				 unsigned long nr)
{
	unsigned long taken = 0, i;

	if (!damon_blocks_arm(ctx))
		return 0;
	for (i = 0; i < nr; i++) {
		if (damon_block_take(ctx, first + i))
			taken++;
		cond_resched();
	}
	return taken * (pageblock_nr_pages << PAGE_SHIFT);
}

/**
 * damon_blocks_free() - Give the blocks of a range back to the page
 * allocator (DAMOS_FREE).
 * @ctx:	The context that took them.
 * @first:	Number of the first block, see damon_blocks_alloc().
 * @nr:		How many blocks the range has.
 *
 * Context: The kdamond of @ctx; may sleep.  Takes no DAMON lock.
 *
 * Return: bytes given back.
 */
unsigned long damon_blocks_free(struct damon_ctx *ctx, u64 first,
				unsigned long nr)
{
	unsigned long given = 0, nr_block;
	void *entry;

	if (!nr)
		return 0;
	xa_for_each_range(&ctx->taken_blocks, nr_block, entry, first,
			  first + nr - 1) {
		if (!xa_erase(&ctx->taken_blocks, nr_block))
			continue;
		damon_block_give(ctx, nr_block);
		given++;
		cond_resched();
	}
	return given * (pageblock_nr_pages << PAGE_SHIFT);
}

/**
 * damon_blocks_release() - Give back every block a context holds.
 * @ctx:	The context.
 *
 * Called when the kdamond of @ctx ends.  The shrinker goes first, and
 * any scan of it in progress is waited for, so that the rest of the set
 * is the caller's alone.
 *
 * Context: The ending kdamond of @ctx, or a thread that owns @ctx while
 * no kdamond runs it; sleeps.
 */
void damon_blocks_release(struct damon_ctx *ctx)
{
	shrinker_free(ctx->blocks_shrinker);
	ctx->blocks_shrinker = NULL;
	damon_blocks_give_any(ctx, ULONG_MAX);
}

/**
 * damon_blocks_destroy() - Free the block set of a context being
 * destroyed.
 * @ctx:	The context, whose kdamond is not running.
 *
 * Its kdamond gave every block back when it ended: blocks left mean a
 * leak in the making, which is warned about and given back.
 *
 * Context: Process context; sleeps.
 */
void damon_blocks_destroy(struct damon_ctx *ctx)
{
	WARN_ON_ONCE(!xa_empty(&ctx->taken_blocks) || ctx->blocks_shrinker);
	damon_blocks_release(ctx);
	xa_destroy(&ctx->taken_blocks);
}

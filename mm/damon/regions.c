// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON region arithmetic.
 *
 * Regions of a target form a sorted list of non-overlapping address ranges.
 * This file creates and destroys them, cuts them, merges neighbours of
 * similar access frequency, splits them at random points, keeps their
 * per-sample and per-aggregation counters, and fits them to a new set of
 * address ranges.  It holds no locks and knows nothing about the address
 * space behind the ranges: the caller (the kdamond, or a test) owns the
 * target exclusively.
 *
 * It also builds in user space; see tools/testing/damon.
 */

#include <linux/align.h>
#include <linux/damon.h>
#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "regions.h"

static struct kmem_cache *damon_region_cache;

/**
 * damon_regions_init() - Create the region allocator.
 *
 * Boot fails if the cache cannot be created, as nothing of DAMON could
 * work without it.
 */
void damon_regions_init(void)
{
	damon_region_cache = KMEM_CACHE(damon_region, SLAB_PANIC);
}

/* ==================== Creation and list maintenance ==================== */

/**
 * damon_new_region() - Allocate a region with zeroed counters.
 * @start:	Start address of the region.
 * @end:	End address of the region.
 *
 * Return: the region, or NULL when out of memory.
 */
struct damon_region *damon_new_region(unsigned long start, unsigned long end)
{
	struct damon_region *r = kmem_cache_zalloc(damon_region_cache,
						   GFP_KERNEL);

	if (r) {
		r->ar = (struct damon_addr_range){ .start = start, .end = end };
		r->sampling_addr = start;
		INIT_LIST_HEAD(&r->list);
	}
	return r;
}

/**
 * damon_add_region() - Append a region to a target.
 * @r:	The region.  It must lie after every region of @t.
 * @t:	The target.
 */
void damon_add_region(struct damon_region *r, struct damon_target *t)
{
	list_add_tail(&r->list, &t->regions_list);
	t->nr_regions++;
}

/**
 * damon_insert_region() - Insert a region right after another one.
 * @r:		The region to insert.
 * @prev:	The region of @t that @r follows.
 * @t:		The target.
 */
void damon_insert_region(struct damon_region *r, struct damon_region *prev,
			 struct damon_target *t)
{
	list_add(&r->list, &prev->list);
	t->nr_regions++;
}

/* Insert @r before @next, or at the end of @t when @next is NULL. */
static void damon_insert_region_before(struct damon_region *r,
				       struct damon_region *next,
				       struct damon_target *t)
{
	list_add_tail(&r->list, next ? &next->list : &t->regions_list);
	t->nr_regions++;
}

/**
 * damon_destroy_region() - Unlink a region from its target and free it.
 * @r:	The region.
 * @t:	The target holding @r.
 */
void damon_destroy_region(struct damon_region *r, struct damon_target *t)
{
	list_del(&r->list);
	t->nr_regions--;
	kmem_cache_free(damon_region_cache, r);
}

/**
 * damon_nr_regions() - Number of regions of a target.
 * @t:	The target.
 *
 * Return: the number of regions of @t.
 */
unsigned int damon_nr_regions(struct damon_target *t)
{
	return t->nr_regions;
}

/**
 * damon_sz_target() - Total size of the regions of a target.
 * @t:	The target.
 *
 * Return: the sum of the sizes of the regions of @t.
 */
unsigned long damon_sz_target(struct damon_target *t)
{
	struct damon_region *r;
	unsigned long sz = 0;

	damon_for_each_region(r, t)
		sz += damon_sz_region(r);
	return sz;
}

/**
 * damon_nr_regions_ctx() - Number of regions of all targets of a context.
 * @ctx:	The context.
 *
 * Return: the number of regions of all targets of @ctx.
 */
unsigned int damon_nr_regions_ctx(struct damon_ctx *ctx)
{
	struct damon_target *t;
	unsigned int nr = 0;

	damon_for_each_target(t, ctx)
		nr += damon_nr_regions(t);
	return nr;
}

/* ==================== Splitting ==================== */

/**
 * damon_split_region_at() - Cut a region in two.
 * @t:		The target holding @r.
 * @r:		The region.  It keeps the left part.
 * @sz_left:	Size of the left part; between 0 and the size of @r,
 *		exclusive.
 *
 * The right part is a new region with the counters of @r, inserted after it.
 *
 * Return: 0 on success, -ENOMEM otherwise.
 */
int damon_split_region_at(struct damon_target *t, struct damon_region *r,
			  unsigned long sz_left)
{
	struct damon_region *right;

	right = damon_new_region(r->ar.start + sz_left, r->ar.end);
	if (!right)
		return -ENOMEM;
	right->nr_accesses = r->nr_accesses;
	right->nr_accesses_bp = r->nr_accesses_bp;
	right->age = r->age;
	right->last_nr_accesses = r->last_nr_accesses;
	r->ar.end = right->ar.start;
	damon_insert_region(right, r, t);
	return 0;
}

/* Cut the region of @t that strictly contains @addr, if any, at @addr. */
static int damon_cut_at(struct damon_target *t, unsigned long addr)
{
	struct damon_region *r;

	damon_for_each_region(r, t) {
		if (r->ar.start >= addr)
			return 0;
		if (addr < r->ar.end)
			return damon_split_region_at(t, r, addr - r->ar.start);
	}
	return 0;
}

/**
 * damon_split_evenly() - Split a region into pieces of about equal size.
 * @t:			The target holding @r.
 * @r:			The region.
 * @nr_pieces:		Wanted number of pieces.
 * @min_sz_region:	Size unit; pieces are multiples of it.
 *
 * Cuts at the multiples of the region's size over @nr_pieces, aligned down
 * to @min_sz_region, so that no piece is bigger than that share aligned up.
 * Makes fewer pieces when @r is too small for @nr_pieces of them.
 */
void damon_split_evenly(struct damon_target *t, struct damon_region *r,
			unsigned int nr_pieces, unsigned long min_sz_region)
{
	unsigned long start = r->ar.start, sz = damon_sz_region(r), cut;
	unsigned int i;

	for (i = 1; i < nr_pieces; i++) {
		/* sz * i / nr_pieces, without overflowing */
		cut = start + ALIGN_DOWN(sz / nr_pieces * i +
					 sz % nr_pieces * i / nr_pieces,
					 min_sz_region);
		if (cut <= r->ar.start)
			continue;
		if (damon_split_region_at(t, r, cut - r->ar.start))
			return;
		r = list_next_entry(r, list);
	}
}

/*
 * Cut @r at a random multiple of @unit that keeps at least an eighth of it
 * (and at least one @unit) on each side.  Return false when @r cannot be
 * cut or memory is short.
 */
static bool damon_split_randomly(struct damon_target *t,
				 struct damon_region *r, unsigned long unit)
{
	unsigned long nr_units = damon_sz_region(r) / unit;
	unsigned long margin, left;

	if (nr_units < 2)
		return false;
	margin = max(1UL, nr_units / 8);
	left = damon_rand(margin, nr_units - margin + 1);
	return !damon_split_region_at(t, r, left * unit);
}

/**
 * damon_split_regions_of() - Split every region of a target at random points.
 * @t:			The target.
 * @nr_subs:		Wanted number of pieces per region.
 * @min_sz_region:	Smallest piece size; cut points are multiples of it.
 */
void damon_split_regions_of(struct damon_target *t, unsigned int nr_subs,
			    unsigned long min_sz_region)
{
	struct damon_region *r, *next;
	unsigned int i;

	damon_for_each_region_safe(r, next, t) {
		for (i = 1; i < nr_subs; i++) {
			if (!damon_split_randomly(t, r, min_sz_region))
				break;
			/* keep cutting the right part */
			r = list_next_entry(r, list);
		}
	}
}

/* ==================== Merging ==================== */

/* Average of @a and @b, weighted by @wa and @wb pages. */
static unsigned int damon_weighted_avg(unsigned int a, unsigned long wa,
				       unsigned int b, unsigned long wb)
{
	return div64_u64((u64)a * wa + (u64)b * wb, wa + wb);
}

/* Make @l cover @r as well, with size-weighted counters, and free @r. */
static void damon_merge_two(struct damon_target *t, struct damon_region *l,
			    struct damon_region *r)
{
	unsigned long wl = damon_sz_region(l) >> PAGE_SHIFT ?: 1;
	unsigned long wr = damon_sz_region(r) >> PAGE_SHIFT ?: 1;

	l->nr_accesses = damon_weighted_avg(l->nr_accesses, wl,
					    r->nr_accesses, wr);
	l->nr_accesses_bp = damon_weighted_avg(l->nr_accesses_bp, wl,
					       r->nr_accesses_bp, wr);
	l->last_nr_accesses = damon_weighted_avg(l->last_nr_accesses, wl,
						 r->last_nr_accesses, wr);
	l->age = damon_weighted_avg(l->age, wl, r->age, wr);
	l->ar.end = r->ar.end;
	damon_destroy_region(r, t);
}

/**
 * damon_merge_regions_of() - Merge neighbours of similar access frequency.
 * @t:		The target.
 * @thres:	Largest difference of nr_accesses that counts as similar.
 * @sz_limit:	Size that a merged region may not exceed.
 *
 * Only regions that touch each other are merged; a gap between two regions
 * is kept.
 */
void damon_merge_regions_of(struct damon_target *t, unsigned int thres,
			    unsigned long sz_limit)
{
	struct damon_region *r, *next, *prev = NULL;

	damon_for_each_region_safe(r, next, t) {
		if (prev && prev->ar.end == r->ar.start &&
		    abs_diff(prev->nr_accesses, r->nr_accesses) <= thres &&
		    damon_sz_region(prev) + damon_sz_region(r) <= sz_limit)
			damon_merge_two(t, prev, r);
		else
			prev = r;
	}
}

/* ==================== The aggregation step ==================== */

/**
 * damon_max_nr_accesses() - Highest possible nr_accesses of a region.
 * @attrs:	Monitoring attributes.
 *
 * Return: the number of samples per aggregation interval, at least 1.
 */
unsigned int damon_max_nr_accesses(const struct damon_attrs *attrs)
{
	unsigned long nr;

	if (!attrs->sample_interval)
		return 1;
	nr = attrs->aggr_interval / attrs->sample_interval;
	return clamp(nr, 1UL, (unsigned long)UINT_MAX / DAMON_BP_UNIT);
}

/**
 * damon_update_region_access_rate() - Count one sample of a region.
 * @r:		The region.
 * @accessed:	Whether the sample found the region accessed.
 * @attrs:	Monitoring attributes.
 *
 * Updates the per-aggregation count and the moving sum.  The moving sum
 * loses one window's share of itself per sample and gains a full access
 * per accessed sample, so it settles at the number of accesses per window
 * (times &DAMON_BP_UNIT) for a steady access rate.
 */
void damon_update_region_access_rate(struct damon_region *r, bool accessed,
				     const struct damon_attrs *attrs)
{
	unsigned int window = damon_max_nr_accesses(attrs);

	/*
	 * Rounding the share down when accessed and up when not lets the
	 * sum settle exactly at a full window and at zero respectively.
	 */
	if (accessed) {
		r->nr_accesses_bp -= r->nr_accesses_bp / window;
		r->nr_accesses_bp += DAMON_BP_UNIT;
		r->nr_accesses++;
	} else {
		r->nr_accesses_bp -= DIV_ROUND_UP(r->nr_accesses_bp, window);
	}
}

/**
 * damon_merge_threshold() - nr_accesses difference treated as no change.
 * @max_nr_accesses:	The highest nr_accesses of the aggregation interval.
 *
 * Return: a tenth of @max_nr_accesses, at least 1.
 */
unsigned int damon_merge_threshold(unsigned int max_nr_accesses)
{
	return max(1U, max_nr_accesses / 10);
}

/**
 * damon_update_ages() - Age every region, or restart its age.
 * @ctx:	The context.
 * @thres:	Largest nr_accesses change that keeps the age going.
 */
void damon_update_ages(struct damon_ctx *ctx, unsigned int thres)
{
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			if (abs_diff(r->nr_accesses, r->last_nr_accesses) > thres)
				r->age = 0;
			else if (r->age < UINT_MAX)
				r->age++;
		}
	}
}

/* Largest region size that still leaves min_nr_regions regions in @t. */
static unsigned long damon_region_sz_limit(struct damon_ctx *ctx,
					   struct damon_target *t)
{
	unsigned long min_nr = max(1UL, ctx->attrs.min_nr_regions);

	return max(damon_sz_target(t) / min_nr, ctx->min_sz_region);
}

/**
 * damon_merge_regions() - Merge regions of every target of a context.
 * @ctx:	The context.
 * @thres:	Initial similarity threshold, see damon_merge_regions_of().
 *
 * Merged regions never get bigger than a target's size over
 * min_nr_regions.  When more than max_nr_regions regions remain (after the
 * limit was lowered, for example), the threshold doubles until they fit or
 * no difference of nr_accesses is left to tolerate.
 */
void damon_merge_regions(struct damon_ctx *ctx, unsigned int thres)
{
	unsigned int limit = damon_max_nr_accesses(&ctx->attrs);
	struct damon_target *t;

	for (;;) {
		damon_for_each_target(t, ctx)
			damon_merge_regions_of(t, thres,
					       damon_region_sz_limit(ctx, t));
		if (damon_nr_regions_ctx(ctx) <= ctx->attrs.max_nr_regions ||
		    thres > limit)
			return;
		thres = thres ? thres * 2 : 1;
	}
}

/**
 * damon_reset_aggregated() - Start a new aggregation interval.
 * @ctx:	The context.
 *
 * Remembers nr_accesses of every region as last_nr_accesses and restarts
 * the count.
 */
void damon_reset_aggregated(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			r->last_nr_accesses = r->nr_accesses;
			r->nr_accesses = 0;
		}
	}
}

/**
 * damon_split_regions() - Split regions to look for finer access patterns.
 * @ctx:	The context.
 *
 * Cuts every region in two at a random point, when that keeps the total
 * number of regions within max_nr_regions.  Two pieces, not more: the next
 * merge undoes most cuts, and each region costs a page table walk per
 * sample, so more pieces cost more than they find.
 */
void damon_split_regions(struct damon_ctx *ctx)
{
	unsigned int nr = damon_nr_regions_ctx(ctx);
	struct damon_target *t;

	if (!nr || nr > ctx->attrs.max_nr_regions / 2)
		return;
	damon_for_each_target(t, ctx)
		damon_split_regions_of(t, 2, ctx->min_sz_region);
}

/**
 * damon_split_to_min_nr_regions() - Give every target min_nr_regions regions.
 * @ctx:	The context.
 *
 * Splits the regions of each target evenly into pieces no bigger than the
 * target's size over min_nr_regions.  Merging keeps regions within that
 * size, so this is needed only where regions come from elsewhere: at
 * start, after a commit, and after the operations set refitted regions to
 * a changed target (dropped ranges leave fewer regions, new ranges arrive
 * as one region each).
 */
void damon_split_to_min_nr_regions(struct damon_ctx *ctx)
{
	struct damon_region *r, *next;
	unsigned long sz_limit, nr_pieces;
	struct damon_target *t;

	damon_for_each_target(t, ctx) {
		/*
		 * Aligned pieces no bigger than the merge limit: then every
		 * target starts with at least min_nr_regions regions.
		 */
		sz_limit = max(ALIGN_DOWN(damon_region_sz_limit(ctx, t),
					  ctx->min_sz_region),
			       ctx->min_sz_region);
		damon_for_each_region_safe(r, next, t) {
			nr_pieces = DIV_ROUND_UP(damon_sz_region(r), sz_limit);
			damon_split_evenly(t, r, nr_pieces, ctx->min_sz_region);
		}
	}
}

/**
 * damon_fit_nr_regions() - Bring the number of regions within the limits.
 * @ctx:	The context.
 *
 * Splits regions until every target has min_nr_regions of them (see
 * damon_split_to_min_nr_regions()), then, while the context has more than
 * max_nr_regions, merges neighbours, the most similar ones first.  For
 * regions that did not come from an aggregation: at start and after a
 * commit changed the targets or the limits.
 */
void damon_fit_nr_regions(struct damon_ctx *ctx)
{
	damon_split_to_min_nr_regions(ctx);
	if (damon_nr_regions_ctx(ctx) > ctx->attrs.max_nr_regions)
		damon_merge_regions(ctx, 0);
}

/* @val * @num / @den without overflowing, saturated to UINT_MAX. */
static unsigned int damon_scale(unsigned int val, unsigned long num,
				unsigned long den)
{
	u64 scaled;

	if (!den)
		return val;
	scaled = div64_u64((u64)val * num, den);
	return min_t(u64, scaled, UINT_MAX);
}

/**
 * damon_rescale_region() - Convert counters of a region to new attributes.
 * @r:		The region.
 * @old_attrs:	Attributes the counters were made with.
 * @new_attrs:	Attributes the counters are for from now on.
 *
 * Access counts scale with the number of samples per aggregation interval,
 * and the age with the length of the aggregation interval, so that both
 * keep meaning the same access frequency and the same time.
 */
void damon_rescale_region(struct damon_region *r,
			  const struct damon_attrs *old_attrs,
			  const struct damon_attrs *new_attrs)
{
	unsigned int old_max = damon_max_nr_accesses(old_attrs);
	unsigned int new_max = damon_max_nr_accesses(new_attrs);

	r->nr_accesses = damon_scale(r->nr_accesses, new_max, old_max);
	r->last_nr_accesses = damon_scale(r->last_nr_accesses, new_max,
					  old_max);
	r->nr_accesses_bp = damon_scale(r->nr_accesses_bp, new_max, old_max);
	r->age = damon_scale(r->age, old_attrs->aggr_interval,
			     new_attrs->aggr_interval);
}

/* ==================== Fitting regions to address ranges ==================== */

/* Whether @r lies inside one of the @nr (sorted, aligned) @ranges. */
static bool damon_region_in_ranges(const struct damon_region *r,
				   const struct damon_addr_range *ranges,
				   unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (r->ar.start >= ranges[i].start && r->ar.end <= ranges[i].end)
			return true;
	}
	return false;
}

/* First region of @t that starts at or after @addr, or NULL. */
static struct damon_region *damon_first_region_from(struct damon_target *t,
						    unsigned long addr)
{
	struct damon_region *r;

	damon_for_each_region(r, t) {
		if (r->ar.start >= addr)
			return r;
	}
	return NULL;
}

/* Cover every hole of [@start, @end) between regions of @t. */
static int damon_fill_range(struct damon_target *t, unsigned long start,
			    unsigned long end)
{
	struct damon_region *r = damon_first_region_from(t, start);
	struct damon_region *hole;
	unsigned long cursor = start;

	while (cursor < end) {
		if (r && r->ar.start < end) {
			if (r->ar.start > cursor) {
				hole = damon_new_region(cursor, r->ar.start);
				if (!hole)
					return -ENOMEM;
				damon_insert_region_before(hole, r, t);
			}
			cursor = r->ar.end;
			r = list_is_last(&r->list, &t->regions_list) ? NULL :
				list_next_entry(r, list);
			continue;
		}
		hole = damon_new_region(cursor, end);
		if (!hole)
			return -ENOMEM;
		damon_insert_region_before(hole, r, t);
		cursor = end;
	}
	return 0;
}

/**
 * damon_set_regions() - Fit the regions of a target to address ranges.
 * @t:			The target.
 * @ranges:		Sorted, non-overlapping address ranges.
 * @nr_ranges:		Number of @ranges.
 * @min_sz_region:	Alignment of region boundaries.
 *
 * Afterwards the regions of @t cover exactly @ranges, widened to multiples
 * of @min_sz_region.  Parts of existing regions inside the ranges keep
 * their counters; parts outside are dropped; holes get new regions.
 *
 * Return: 0 on success, -EINVAL for unsorted or empty ranges, -ENOMEM when
 * out of memory (the regions are then consistent but may not cover every
 * range).
 */
int damon_set_regions(struct damon_target *t,
		      const struct damon_addr_range *ranges,
		      unsigned int nr_ranges, unsigned long min_sz_region)
{
	struct damon_addr_range *aligned;
	struct damon_region *r, *next;
	unsigned int i, nr = 0;
	int err = 0;

	for (i = 0; i < nr_ranges; i++) {
		if (ranges[i].start >= ranges[i].end)
			return -EINVAL;
		if (i && ranges[i].start < ranges[i - 1].end)
			return -EINVAL;
	}

	aligned = kmalloc_array(nr_ranges ?: 1, sizeof(*aligned), GFP_KERNEL);
	if (!aligned)
		return -ENOMEM;
	/* widen to the alignment; neighbours that then overlap are joined */
	for (i = 0; i < nr_ranges; i++) {
		unsigned long start = ALIGN_DOWN(ranges[i].start, min_sz_region);
		unsigned long end = ALIGN(ranges[i].end, min_sz_region);

		if (nr && start <= aligned[nr - 1].end) {
			aligned[nr - 1].end = end;
			continue;
		}
		aligned[nr].start = start;
		aligned[nr++].end = end;
	}

	for (i = 0; i < nr && !err; i++) {
		err = damon_cut_at(t, aligned[i].start);
		if (!err)
			err = damon_cut_at(t, aligned[i].end);
	}
	if (err)
		goto free_aligned;

	damon_for_each_region_safe(r, next, t) {
		if (!damon_region_in_ranges(r, aligned, nr))
			damon_destroy_region(r, t);
	}

	for (i = 0; i < nr && !err; i++)
		err = damon_fill_range(t, aligned[i].start, aligned[i].end);

free_aligned:
	kfree(aligned);
	return err;
}

/**
 * damon_three_regions_of() - Cover a process address space in three ranges.
 * @vmas:	Sorted, non-overlapping ranges of the mapped areas.
 * @nr_vmas:	Number of @vmas.
 * @three:	Receives the ranges.
 *
 * An address space usually has two huge unmapped gaps: between the heap
 * and the mmap area, and between the mmap area and the stack.  Monitoring
 * them would waste regions on memory that cannot be accessed, so the
 * mapped areas are covered by the ranges that remain after leaving out the
 * two biggest gaps between them.  Smaller gaps stay covered: they are cheap
 * to carry and change often.
 *
 * Return: the number of ranges written to @three (fewer than three when
 * there are fewer than three mapped areas), or -EINVAL without any.
 */
int damon_three_regions_of(const struct damon_addr_range *vmas,
			   unsigned int nr_vmas,
			   struct damon_addr_range three[3])
{
	unsigned long gap, big = 0, second = 0;
	unsigned int i, big_i = 0, second_i = 0, lo, hi;

	if (!nr_vmas)
		return -EINVAL;
	if (nr_vmas < 3) {
		for (i = 0; i < nr_vmas; i++)
			three[i] = vmas[i];
		return nr_vmas;
	}

	/* gap i lies between vmas[i] and vmas[i + 1] */
	for (i = 0; i + 1 < nr_vmas; i++) {
		gap = vmas[i + 1].start - vmas[i].end;
		if (gap > big) {
			second = big;
			second_i = big_i;
			big = gap;
			big_i = i;
		} else if (gap > second) {
			second = gap;
			second_i = i;
		}
	}
	if (!second) {
		/* at most one real gap: pick any other boundary */
		second_i = big_i ? 0 : 1;
	}
	lo = min(big_i, second_i);
	hi = max(big_i, second_i);

	three[0].start = vmas[0].start;
	three[0].end = vmas[lo].end;
	three[1].start = vmas[lo + 1].start;
	three[1].end = vmas[hi].end;
	three[2].start = vmas[hi + 1].start;
	three[2].end = vmas[nr_vmas - 1].end;
	return 3;
}

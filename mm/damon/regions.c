// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON region arithmetic.
 *
 * Regions of a target form a sorted list of non-overlapping address ranges.
 * This file creates and destroys them, cuts them, merges neighbours of
 * similar access frequency, splits them where their samples saw accesses
 * start or stop (or at random points), keeps their per-sample and
 * per-aggregation counters (accesses, probe hits, and where in the region
 * the samples looked), and fits them to a new set of address ranges.  It
 * holds no locks and knows nothing about the address space behind the
 * ranges: the caller (the kdamond, or a test) owns the target exclusively.
 *
 * It also builds in user space; see tools/testing/damon.
 */

#define pr_fmt(fmt) "damon: " fmt

#include <linux/align.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/damon.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>

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
 * damon_destroy_regions() - Unlink and free every region of a target.
 * @t:	The target.
 *
 * Context: the owner of @t.
 */
void damon_destroy_regions(struct damon_target *t)
{
	struct damon_region *r, *next;

	damon_for_each_region_safe(r, next, t)
		damon_destroy_region(r, t);
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
unsigned long damon_sz_target(const struct damon_target *t)
{
	const struct damon_region *r;
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

/* ==================== Sub-region summary ==================== */

/*
 * A region's samples tell where in it accesses start and stop, not only
 * how often it is accessed.  Each region is seen as DAMON_NR_SUBS equal
 * parts (sub-regions); over an aggregation interval it keeps which parts
 * its samples looked at and which of those samples found an access, two
 * bitmaps in what was padding of struct damon_region.  Sampling is
 * stratified so that every part is looked at: sample i falls in part i mod
 * DAMON_NR_SUBS.  After the interval, a change between accessed and not
 * accessed parts is an edge of the access pattern: the split cuts there
 * rather than at a random point, and the merge before it leaves the region
 * alone so that the cut is made.  Random split points rarely land on the
 * edges of small hot areas inside a big region; these cuts do at once.
 */

static void damon_clear_subs(struct damon_region *r)
{
	r->sub_sampled = 0;
	r->sub_hits = 0;
}

/* Bytes of each sub-region of @r but the last, which may be shorter. */
static unsigned long damon_sub_width(const struct damon_region *r)
{
	unsigned long sz = damon_sz_region(r);

	return sz / DAMON_NR_SUBS + !!(sz % DAMON_NR_SUBS);
}

/* Number of @unit steps from 0 that start below @off. */
static unsigned long damon_units_below(unsigned long off, unsigned long unit)
{
	return off / unit + !!(off % unit);
}

/**
 * damon_pick_sampling_addr() - Choose the address a region's next sample
 * looks at.
 * @ctx:	The context of @r.
 * @r:		The region.
 * @unit:	Granularity of the address, in DAMON address units: the
 *		result is @r's start plus a multiple of it (PAGE_SIZE for
 *		virtual addresses).  0 counts as 1.
 *
 * The sample looks at a random unit of sub-region (passed samples mod
 * DAMON_NR_SUBS) of @r, so that an aggregation interval of at least
 * DAMON_NR_SUBS samples looks at every part; at a random unit of the whole
 * region when that part holds the start of none (regions of fewer than
 * DAMON_NR_SUBS units).
 *
 * Context: the kdamond of @ctx, from start_sample.
 * Return: the address, inside @r.
 */
unsigned long damon_pick_sampling_addr(const struct damon_ctx *ctx,
				       const struct damon_region *r,
				       unsigned long unit)
{
	unsigned long sz = damon_sz_region(r), w = damon_sub_width(r);
	unsigned long sub = ctx->passed_sample_intervals % DAMON_NR_SUBS;
	unsigned long lo = sub * w, first, last;

	unit = max(unit, 1UL);
	/* sub * w <= 15/16 of sz plus 15: no overflow */
	if (lo < sz) {
		first = damon_units_below(lo, unit);
		last = damon_units_below(lo + min(w, sz - lo), unit);
		if (first < last)
			return r->ar.start + damon_rand(first, last) * unit;
	}
	return r->ar.start + damon_rand(0, damon_units_below(sz, unit)) * unit;
}

/**
 * damon_update_region_access_rate() - Count one sample of a region.
 * @r:		The region.
 * @accessed:	Whether the sample found the region accessed.
 *
 * Also notes the sub-region of the sampling address, and whether it was
 * accessed, in the region's summary.  Moving sums are not kept up here:
 * they are computed when read, see damon_nr_accesses_mvsum().
 *
 * Context: the kdamond of the region's context, from finish_sample.
 */
void damon_update_region_access_rate(struct damon_region *r, bool accessed)
{
	unsigned long addr = r->sampling_addr;
	u16 bit;

	if (accessed)
		r->nr_accesses++;
	if (addr < r->ar.start || addr >= r->ar.end)
		return;
	bit = BIT((addr - r->ar.start) / damon_sub_width(r));
	r->sub_sampled |= bit;
	if (accessed)
		r->sub_hits |= bit;
}

/*
 * @hits with every looked-at miss whose looked-at neighbours on both sides
 * are hits turned into a hit: an access found is certain, a missed one is
 * not (a hot page can go untouched for a sample), so a lone miss inside
 * accessed memory is no edge.
 */
static u16 damon_sub_fill(u16 sampled, u16 hits)
{
	int prev = -1, cur = -1, b;
	u16 filled = hits;

	for (b = 0; b < DAMON_NR_SUBS; b++) {
		if (!(sampled & BIT(b)))
			continue;
		if (prev >= 0 && !(hits & BIT(cur)) && (hits & BIT(prev)) &&
		    (hits & BIT(b)))
			filled |= BIT(cur);
		prev = cur;
		cur = b;
	}
	return filled;
}

/* A proposed cut and its score, num / den. */
struct damon_sub_cut {
	u8 at;
	u32 num;
	u32 den;
};

static bool damon_sub_cut_better(const struct damon_sub_cut *a,
				 const struct damon_sub_cut *b)
{
	return !b->den || (u64)a->num * b->den > (u64)b->num * a->den;
}

/**
 * damon_sub_cuts() - Where a region's sub-region summary shows edges.
 * @sampled:	Sub-regions a sample looked at (&damon_region->sub_sampled).
 * @hits:	Those where it found an access (&damon_region->sub_hits).
 * @cuts:	Receives up to two cuts, the better first.  Cut c separates
 *		sub-regions below c from those at or above it;
 *		0 < c < DAMON_NR_SUBS.
 *
 * Walks the looked-at sub-regions in address order, a miss between two
 * hits counting as a hit.  Each change between hit and miss proposes a cut
 * half-way across the parts not looked at between the two, scored by how
 * well it separates hits from misses: the between-group variance of a
 * decision stump over the looked-at parts, n_l * n_r * (m_l - m_r)^2 / n
 * for n_l parts of hit ratio m_l on the left and n_r of ratio m_r on the
 * right.  Of equal scores, the lower cut wins.
 *
 * Context: any; pure.
 * Return: the number of cuts, 0 to 2.
 */
unsigned int damon_sub_cuts(u16 sampled, u16 hits, u8 cuts[2])
{
	unsigned int n = hweight16(sampled), acc, nl = 0, hl = 0, nr, hr;
	struct damon_sub_cut best[2] = {}, c;
	int b, prev = -1;
	bool hot, prev_hot = false;
	u16 filled;
	long d;

	hits &= sampled;
	if (n < 2)
		return 0;
	acc = hweight16(hits);
	filled = damon_sub_fill(sampled, hits);
	for (b = 0; b < DAMON_NR_SUBS; b++) {
		if (!(sampled & BIT(b)))
			continue;
		hot = filled & BIT(b);
		if (prev >= 0 && hot != prev_hot) {
			/* n_l n_r (h_l/n_l - h_r/n_r)^2, times n */
			nr = n - nl;
			hr = acc - hl;
			d = (long)hl * nr - (long)hr * nl;
			c.at = (prev + 1 + b) / 2;
			c.num = d * d;
			c.den = nl * nr;
			if (damon_sub_cut_better(&c, &best[0])) {
				best[1] = best[0];
				best[0] = c;
			} else if (damon_sub_cut_better(&c, &best[1])) {
				best[1] = c;
			}
		}
		nl++;
		hl += !!(hits & BIT(b));
		prev = b;
		prev_hot = hot;
	}
	for (n = 0; n < 2 && best[n].den; n++)
		cuts[n] = best[n].at;
	return n;
}

/*
 * The cuts of @r's summary as offsets from its start, rounded up to
 * @unit, the better first: those strictly inside @r, without repeats.
 * Return how many, 0 to 2.
 */
static unsigned int damon_region_cuts(const struct damon_region *r,
				      unsigned long unit, unsigned long offs[2])
{
	unsigned long sz = damon_sz_region(r), w = damon_sub_width(r), off;
	unsigned int nr_subs, i, nr = 0;
	u8 cuts[2];

	nr_subs = damon_sub_cuts(r->sub_sampled, r->sub_hits, cuts);
	for (i = 0; i < nr_subs; i++) {
		off = damon_units_below(cuts[i] * w, unit) * unit;
		if (!off || off >= sz || (nr && off == offs[0]))
			continue;
		offs[nr++] = off;
	}
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
 * Neither part keeps the sub-region summary of @r.
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
	right->age = r->age;
	right->last_nr_accesses = r->last_nr_accesses;
	memcpy(right->probe_hits, r->probe_hits, sizeof(r->probe_hits));
	memcpy(right->last_probe_hits, r->last_probe_hits,
	       sizeof(r->last_probe_hits));
	r->ar.end = right->ar.start;
	/* the sub-regions of the summary were those of the whole */
	damon_clear_subs(r);
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

/*
 * Cut @r into up to @nr_pieces at random points, each a multiple of @unit.
 * Return the number of new regions.
 */
static unsigned int damon_split_into_random(struct damon_target *t,
					    struct damon_region *r,
					    unsigned int nr_pieces,
					    unsigned long unit)
{
	unsigned int made = 0;

	while (made + 1 < nr_pieces && damon_split_randomly(t, r, unit)) {
		/* keep cutting the right part */
		r = list_next_entry(r, list);
		made++;
	}
	return made;
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

	damon_for_each_region_safe(r, next, t)
		damon_split_into_random(t, r, nr_subs, min_sz_region);
}

/* ==================== Merging ==================== */

/* Average of @a and @b, weighted by @wa and @wb pages. */
static unsigned int damon_weighted_avg(unsigned int a, unsigned long wa,
				       unsigned int b, unsigned long wb)
{
	return div64_u64((u64)a * wa + (u64)b * wb, wa + wb);
}

/* Weighted averages of the probe hit counters @l and @r, into @l. */
static void damon_merge_hits(u8 *l, unsigned long wl, const u8 *r,
			     unsigned long wr)
{
	unsigned int i;

	for (i = 0; i < DAMON_MAX_PROBES; i++)
		l[i] = damon_weighted_avg(l[i], wl, r[i], wr);
}

/* Make @l cover @r as well, with size-weighted counters, and free @r. */
static void damon_merge_two(struct damon_target *t, struct damon_region *l,
			    struct damon_region *r)
{
	unsigned long wl = damon_sz_region(l) >> PAGE_SHIFT ?: 1;
	unsigned long wr = damon_sz_region(r) >> PAGE_SHIFT ?: 1;

	l->nr_accesses = damon_weighted_avg(l->nr_accesses, wl,
					    r->nr_accesses, wr);
	damon_merge_hits(l->probe_hits, wl, r->probe_hits, wr);
	damon_merge_hits(l->last_probe_hits, wl, r->last_probe_hits, wr);
	l->last_nr_accesses = damon_weighted_avg(l->last_nr_accesses, wl,
						 r->last_nr_accesses, wr);
	l->age = damon_weighted_avg(l->age, wl, r->age, wr);
	l->ar.end = r->ar.end;
	damon_clear_subs(l);
	damon_destroy_region(r, t);
}

/*
 * What regions are compared by when an aggregation interval ends: their
 * access count normally, their weighted probe hit sum in attributes-only
 * mode, where no access is checked and nr_accesses stays 0.  One of the
 * two is picked per aggregation by damon_score_of(), so that ages, the
 * threshold and every merge pass of that aggregation agree.
 */
struct damon_score {
	/* the value of the current and of the last aggregation interval */
	unsigned long (*now)(const struct damon_ctx *ctx,
			     const struct damon_region *r);
	unsigned long (*last)(const struct damon_ctx *ctx,
			      const struct damon_region *r);
	/*
	 * A probe that starts or stops hitting at all is a change worth a
	 * new age even when the threshold is bigger than the hit sum.
	 */
	bool zero_is_change;
};

static unsigned long damon_score_accesses(const struct damon_ctx *ctx,
					  const struct damon_region *r)
{
	return r->nr_accesses;
}

static unsigned long damon_score_last_accesses(const struct damon_ctx *ctx,
					       const struct damon_region *r)
{
	return r->last_nr_accesses;
}

/* Sum over the probes of @ctx of weight times @hits, in probe order. */
static unsigned long damon_hits_wsum(const struct damon_ctx *ctx,
				     const u8 *hits)
{
	const struct damon_probe *p;
	unsigned long sum = 0;
	unsigned int i = 0;

	damon_for_each_probe(p, ctx) {
		if (i == DAMON_MAX_PROBES)
			break;
		sum += (unsigned long)p->weight * hits[i++];
	}
	return sum;
}

static unsigned long damon_score_wsum(const struct damon_ctx *ctx,
				      const struct damon_region *r)
{
	return damon_hits_wsum(ctx, r->probe_hits);
}

static unsigned long damon_score_last_wsum(const struct damon_ctx *ctx,
					   const struct damon_region *r)
{
	return damon_hits_wsum(ctx, r->last_probe_hits);
}

static const struct damon_score damon_access_score = {
	.now = damon_score_accesses,
	.last = damon_score_last_accesses,
};

static const struct damon_score damon_wsum_score = {
	.now = damon_score_wsum,
	.last = damon_score_last_wsum,
	.zero_is_change = true,
};

static const struct damon_score *damon_score_of(const struct damon_ctx *ctx)
{
	return damon_attrs_only(ctx) ? &damon_wsum_score : &damon_access_score;
}

/*
 * Merge touching neighbours of @t whose @score differs by at most @thres,
 * up to @sz_limit bytes.  With @keep_edges, a region whose summary shows
 * an edge (a cut in units of @ctx's min_sz_region) is merged with
 * neither neighbour: the split after the merge cuts it there.  @ctx may be
 * NULL for &damon_access_score without @keep_edges.
 */
static void damon_merge_target(const struct damon_ctx *ctx,
			       const struct damon_score *score,
			       struct damon_target *t, unsigned long thres,
			       unsigned long sz_limit, bool keep_edges)
{
	struct damon_region *r, *next, *prev = NULL;
	bool edge, prev_edge = false;
	unsigned long offs[2];

	damon_for_each_region_safe(r, next, t) {
		edge = keep_edges &&
			damon_region_cuts(r, ctx->min_sz_region, offs);
		if (prev && !prev_edge && !edge &&
		    prev->ar.end == r->ar.start &&
		    abs_diff(score->now(ctx, prev), score->now(ctx, r)) <=
		    thres &&
		    damon_sz_region(prev) + damon_sz_region(r) <= sz_limit) {
			damon_merge_two(t, prev, r);
		} else {
			prev = r;
			prev_edge = edge;
		}
	}
}

/**
 * damon_merge_regions_of() - Merge neighbours of similar access frequency.
 * @t:		The target.
 * @thres:	Largest difference of nr_accesses that counts as similar.
 * @sz_limit:	Size that a merged region may not exceed.
 *
 * Only regions that touch each other are merged; a gap between two regions
 * is kept.  Compares nr_accesses whatever the mode of the context; see
 * damon_merge_regions() for the mode-aware merge.
 */
void damon_merge_regions_of(struct damon_target *t, unsigned int thres,
			    unsigned long sz_limit)
{
	damon_merge_target(NULL, &damon_access_score, t, thres, sz_limit,
			   false);
}

/* ==================== Moving sums ==================== */

/**
 * damon_window_samples() - Samples per aggregation interval.
 * @attrs:	Monitoring attributes.
 *
 * An interval of 0 counts as 1 us, so that 0 stays a valid setting.
 *
 * Return: the aggregation interval in sampling intervals; 0 only when the
 * aggregation interval is shorter than the sampling interval.
 */
unsigned long damon_window_samples(const struct damon_attrs *attrs)
{
	return max(attrs->aggr_interval, 1UL) /
		max(attrs->sample_interval, 1UL);
}

/**
 * damon_max_nr_accesses() - Highest possible nr_accesses of a region.
 * @attrs:	Monitoring attributes.
 *
 * damon_window_samples(), kept within what a moving sum in basis points
 * can hold.  An interval of 0 counts as 1 us, as the kdamond then takes
 * one sample per microsecond at most.
 *
 * Return: the number of samples per aggregation interval, at least 1.
 */
unsigned int damon_max_nr_accesses(const struct damon_attrs *attrs)
{
	return clamp(damon_window_samples(attrs), 1UL,
		     (unsigned long)UINT_MAX / DAMON_BP_UNIT);
}

/*
 * Whether @rep lies wholly inside @r, given that it starts before the end
 * of @r.  The size is compared with the room left rather than added to the
 * address, which could wrap past the top of the address space.
 */
static bool damon_report_inside(const struct damon_fault_report *rep,
				const struct damon_region *r)
{
	return rep->addr >= r->ar.start && rep->size <= r->ar.end - rep->addr;
}

/**
 * damon_reports_account() - Count one sample of every region of a target
 * from the reports of the page_fault primitive.
 * @t:		The target; its regions sorted and disjoint.
 * @reports:	The reports of @t, sorted by address.  May be NULL if @nr
 *		is 0.
 * @nr:		Number of @reports.
 * @pass:	Whether a report counts (the sample filters), given @arg;
 *		NULL counts every report.
 * @arg:	Second argument of @pass.
 *
 * Calls damon_update_region_access_rate() exactly once for each region of
 * @t: accessed if at least one report that @pass accepts lies wholly inside
 * the region ([addr, addr + size) within [start, end)), not accessed
 * otherwise.  So nr_accesses grows by at most one per sample, however many
 * faults the sample saw.  A report that straddles a region boundary, or
 * lies outside every region, counts nowhere: the page it names is not
 * known to belong to either side.
 *
 * @pass is asked only about reports wholly inside a region that no earlier
 * report found accessed, so a filter chain is evaluated once per region at
 * best.  One merge walk: O(regions + reports).
 *
 * Context: the kdamond of the context of @t, from finish_sample; any
 * context that owns @t in tests.  Does not sleep unless @pass does.
 */
void damon_reports_account(struct damon_target *t,
			   const struct damon_fault_report *reports,
			   unsigned int nr,
			   bool (*pass)(const struct damon_fault_report *rep,
					const void *arg),
			   const void *arg)
{
	const struct damon_fault_report *rep;
	struct damon_region *r;
	unsigned int i = 0;
	bool accessed;

	damon_for_each_region(r, t) {
		accessed = false;
		/* in a gap before @r, or straddling its start */
		while (i < nr && reports[i].addr < r->ar.start)
			i++;
		/* every report starting in @r is used up here */
		for (; i < nr && reports[i].addr < r->ar.end; i++) {
			rep = &reports[i];
			if (!accessed && damon_report_inside(rep, r))
				accessed = !pass || pass(rep, arg);
		}
		damon_update_region_access_rate(r, accessed);
	}
}

/*
 * A full aggregation window's worth of a counter at any moment: its count
 * @now in the current window plus the share of its count @last in the
 * previous window that the samples still to come would replace.  Counts
 * read in the middle of a window then mean the same as completed ones.
 * The share is taken in basis points, as upstream does, so that readers
 * of both see the same numbers.
 */
static unsigned int damon_mvsum(const struct damon_ctx *ctx, unsigned int now,
				unsigned int last)
{
	/*
	 * The real number of samples of a window, not the clamped
	 * damon_max_nr_accesses(): with more than UINT_MAX / DAMON_BP_UNIT
	 * samples, the clamped one would let the sum exceed a window.
	 */
	unsigned long window = max(damon_window_samples(&ctx->attrs), 1UL);
	unsigned long left = 0;
	u64 sum, left_bp;

	if (ctx->next_aggregation_sis > ctx->passed_sample_intervals)
		left = ctx->next_aggregation_sis -
			ctx->passed_sample_intervals;
	/* a window just begun: @now is empty, or left over from the last */
	if (left >= window)
		return last;
	left_bp = div64_u64((u64)left * DAMON_BP_UNIT, window);
	sum = now + div_u64((u64)last * left_bp, DAMON_BP_UNIT);
	return min_t(u64, sum, UINT_MAX);
}

/**
 * damon_nr_accesses_mvsum() - Pseudo moving sum of a region's accesses.
 * @ctx:	The context of @r.
 * @r:		The region.
 *
 * Context: the kdamond of @ctx, or @ctx not running.
 * Return: nr_accesses of @r in the current aggregation interval plus
 * last_nr_accesses times the part of the interval still to come, that is,
 * about the accesses of the last aggregation interval's worth of samples.
 */
unsigned int damon_nr_accesses_mvsum(const struct damon_ctx *ctx,
				     const struct damon_region *r)
{
	return damon_mvsum(ctx, r->nr_accesses, r->last_nr_accesses);
}

/**
 * damon_probe_hits_mvsum() - Pseudo moving sum of a region's probe hits.
 * @ctx:	The context of @r.
 * @r:		The region.
 * @pidx:	Index of the probe in the probe list of @ctx.
 *
 * Context: the kdamond of @ctx, or @ctx not running.
 * Return: the moving sum of the hits of probe @pidx, like
 * damon_nr_accesses_mvsum(); 0 for an index of no probe slot.
 */
unsigned int damon_probe_hits_mvsum(const struct damon_ctx *ctx,
				    const struct damon_region *r,
				    unsigned int pidx)
{
	if (pidx >= DAMON_MAX_PROBES)
		return 0;
	return damon_mvsum(ctx, r->probe_hits[pidx], r->last_probe_hits[pidx]);
}

/**
 * damon_probe_hits_wsum() - Weighted sum of a region's probe hits.
 * @ctx:	The context of @r, for its probes.
 * @r:		The region.
 * @mvsum:	Sum the moving sums of the hits (damon_probe_hits_mvsum())
 *		rather than the raw hits of the current aggregation interval.
 *
 * Context: the kdamond of @ctx, or @ctx not running.
 * Return: the sum over the probes of @ctx, in list order, of the probe's
 * weight times its hits on @r; 0 when no probe has a weight.
 */
unsigned long damon_probe_hits_wsum(const struct damon_ctx *ctx,
				    const struct damon_region *r, bool mvsum)
{
	const struct damon_probe *p;
	unsigned long sum = 0;
	unsigned int i = 0;

	if (!mvsum)
		return damon_hits_wsum(ctx, r->probe_hits);
	damon_for_each_probe(p, ctx) {
		if (i == DAMON_MAX_PROBES)
			break;
		sum += (unsigned long)p->weight *
			damon_probe_hits_mvsum(ctx, r, i++);
	}
	return sum;
}

/* ==================== The aggregation step ==================== */

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

/* The highest @score->now of the regions of @ctx. */
static unsigned long damon_max_score(const struct damon_ctx *ctx,
				     const struct damon_score *score)
{
	const struct damon_target *t;
	const struct damon_region *r;
	unsigned long highest = 0;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t)
			highest = max(highest, score->now(ctx, r));
	}
	return highest;
}

/**
 * damon_aggregation_threshold() - Score difference treated as no change.
 * @ctx:	The context, at the end of an aggregation interval.
 *
 * Normally damon_merge_threshold() of the highest nr_accesses; in
 * attributes-only mode a tenth of the highest weighted probe hit sum of
 * the interval, which may be 0.
 *
 * Context: the kdamond of @ctx, or @ctx not running.
 * Return: the threshold for damon_update_ages() and damon_merge_regions().
 */
unsigned long damon_aggregation_threshold(const struct damon_ctx *ctx)
{
	const struct damon_score *score = damon_score_of(ctx);
	unsigned long highest = damon_max_score(ctx, score);

	if (score == &damon_access_score)
		return damon_merge_threshold(min_t(unsigned long, highest,
						   UINT_MAX));
	return highest / 10;
}

/* Whether @r changed enough over the last aggregation to restart its age. */
static bool damon_score_changed(const struct damon_ctx *ctx,
				const struct damon_score *score,
				const struct damon_region *r,
				unsigned long thres)
{
	unsigned long now = score->now(ctx, r), last = score->last(ctx, r);

	if (score->zero_is_change && !now != !last)
		return true;
	return abs_diff(now, last) > thres;
}

/**
 * damon_update_ages() - Age every region, or restart its age.
 * @ctx:	The context.
 * @thres:	Largest change of the region's score (nr_accesses, or the
 *		weighted probe hit sum in attributes-only mode) that keeps
 *		the age going.
 *
 * Context: the kdamond of @ctx, or @ctx not running.
 */
void damon_update_ages(struct damon_ctx *ctx, unsigned long thres)
{
	const struct damon_score *score = damon_score_of(ctx);
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			if (damon_score_changed(ctx, score, r, thres))
				r->age = 0;
			else if (r->age < UINT_MAX)
				r->age++;
		}
	}
}

/* Largest region size that still leaves min_nr_regions regions in @t. */
static unsigned long damon_region_sz_limit(const struct damon_ctx *ctx,
					   const struct damon_target *t)
{
	unsigned long min_nr = max(1UL, ctx->attrs.min_nr_regions);

	return max(damon_sz_target(t) / min_nr, ctx->min_sz_region);
}

/**
 * damon_merge_regions() - Merge regions of every target of a context.
 * @ctx:	The context.
 * @thres:	Initial similarity threshold of the regions' scores
 *		(nr_accesses, or the weighted probe hit sum in
 *		attributes-only mode).
 *
 * Merged regions never get bigger than a target's size over
 * min_nr_regions.  A region whose sub-region summary shows where accesses
 * start or stop is not merged, so that damon_split_regions() can cut it
 * there.  When more than max_nr_regions regions remain (after the limit
 * was lowered, for example), such regions merge too, and the threshold
 * doubles until they fit or no difference of scores is left to tolerate.  Ages are only averaged
 * when regions merge: the extra passes do not age regions again.
 *
 * Context: the kdamond of @ctx, or @ctx not running.
 */
void damon_merge_regions(struct damon_ctx *ctx, unsigned long thres)
{
	const struct damon_score *score = damon_score_of(ctx);
	unsigned long limit = 0;
	struct damon_target *t;
	bool keep_edges = true;

	for (;;) {
		damon_for_each_target(t, ctx)
			damon_merge_target(ctx, score, t, thres,
					   damon_region_sz_limit(ctx, t),
					   keep_edges);
		if (damon_nr_regions_ctx(ctx) <= ctx->attrs.max_nr_regions)
			return;
		/* the limit comes before the edges */
		if (keep_edges) {
			keep_edges = false;
			continue;
		}
		/*
		 * Only a context left with too many regions pays for this
		 * scan.  A threshold of @limit, the highest score after the
		 * merges, already tolerates any difference.
		 */
		if (!limit)
			limit = damon_max_score(ctx, score);
		if (thres >= limit || thres > ULONG_MAX / 2)
			return;
		thres = thres ? thres * 2 : 1;
	}
}

/**
 * damon_reset_aggregated() - Start a new aggregation interval.
 * @ctx:	The context.
 *
 * Remembers nr_accesses and the probe hits of every region as their last
 * values and restarts the counts.
 *
 * Context: the kdamond of @ctx, or @ctx not running.
 */
void damon_reset_aggregated(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			r->last_nr_accesses = r->nr_accesses;
			r->nr_accesses = 0;
			memcpy(r->last_probe_hits, r->probe_hits,
			       sizeof(r->probe_hits));
			memset(r->probe_hits, 0, sizeof(r->probe_hits));
		}
	}
}

/*
 * Cut @r into up to @nr_pieces pieces: at the edges its summary shows (one
 * more piece if @spare is not NULL and has room for it, taking from it);
 * at random points where it shows none; and not at all where it shows none
 * but 3/4 of its samples or more found it accessed.  The samples looked at
 * every part of it, so the region is hot throughout: there is nothing in
 * it to look for.  Return the number of new regions.
 */
static unsigned int damon_split_region(struct damon_ctx *ctx,
				       struct damon_target *t,
				       struct damon_region *r,
				       unsigned int nr_pieces,
				       unsigned long *spare)
{
	unsigned long unit = ctx->min_sz_region, offs[2], done = 0;
	unsigned int nr = damon_region_cuts(r, unit, offs), i, made = 0;
	unsigned int max_nr_accesses = damon_max_nr_accesses(&ctx->attrs);

	if (!nr) {
		if ((u64)r->last_nr_accesses * 4 >= (u64)max_nr_accesses * 3)
			return 0;
		return damon_split_into_random(t, r, nr_pieces, unit);
	}
	/* two cuts, two pieces wanted: a third one if the budget has room */
	if (nr > nr_pieces - 1) {
		if (spare && *spare)
			(*spare)--;
		else
			nr = nr_pieces - 1;
	}
	/* in address order: each cut leaves the right part to cut next */
	if (nr == 2 && offs[0] > offs[1]) {
		unsigned long lower = offs[1];

		offs[1] = offs[0];
		offs[0] = lower;
	}
	for (i = 0; i < nr; i++) {
		if (damon_split_region_at(t, r, offs[i] - done))
			break;
		done = offs[i];
		r = list_next_entry(r, list);
		made++;
	}
	return made;
}

/*
 * With between max/2 and max regions, splitting all of them would go
 * over max: split one region in every @step instead, counting across the
 * targets from an offset that moves on by one each time, so that over
 * @step aggregations every position gets its turn.
 */
static void damon_split_some(struct damon_ctx *ctx, unsigned long nr,
			     unsigned long max_nr)
{
	unsigned long step = max_nr / (max_nr - nr), idx = 0;
	unsigned long offset = ctx->split_offset % step;
	struct damon_region *r, *next;
	struct damon_target *t;

	ctx->split_offset = (offset + 1) % step;
	damon_for_each_target(t, ctx) {
		/* the right part of a cut comes before @next: not counted */
		damon_for_each_region_safe(r, next, t) {
			if (idx++ % step != offset)
				continue;
			if (nr < max_nr)
				nr += damon_split_region(ctx, t, r, 2, NULL);
		}
	}
}

/* Forget the sub-region summaries of the aggregation that ends. */
static void damon_clear_subs_ctx(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t)
			damon_clear_subs(r);
	}
}

/**
 * damon_split_regions() - Split regions to look for finer access patterns.
 * @ctx:	The context.
 *
 * Regions are cut where the samples of the aggregation interval saw
 * accesses start or stop (see damon_sub_cuts()); where they saw no such
 * edge, at random points, unless the region was found accessed in 3/4 of
 * the samples or more.  With n regions and a maximum of max: at n <= max
 * / 2, cuts every region in two, or in three when n did not change since
 * the last call (every cut got merged back) and n < max / 3, and lets a
 * region with two edges take three pieces while the regions stay within
 * max; between max / 2 and max, cuts only one region in every max / (max
 * - n), see damon_split_some(); at n >= max, cuts none.  The next merge
 * undoes the cuts that found nothing.  Ends the summaries of the interval.
 *
 * Context: the kdamond of @ctx, or @ctx not running.
 */
void damon_split_regions(struct damon_ctx *ctx)
{
	unsigned int nr = damon_nr_regions_ctx(ctx);
	unsigned int last = ctx->last_split_nr_regions;
	unsigned long max_nr = ctx->attrs.max_nr_regions, spare;
	struct damon_region *r, *next;
	unsigned int nr_subs = 2;
	struct damon_target *t;

	ctx->last_split_nr_regions = nr;
	if (!nr || nr >= max_nr)
		goto clear;
	if (nr > max_nr / 2) {
		damon_split_some(ctx, nr, max_nr);
		goto clear;
	}
	if (nr == last && nr < max_nr / 3)
		nr_subs = 3;
	spare = max_nr - (unsigned long)nr * nr_subs;
	damon_for_each_target(t, ctx) {
		damon_for_each_region_safe(r, next, t)
			damon_split_region(ctx, t, r, nr_subs, &spare);
	}
clear:
	damon_clear_subs_ctx(ctx);
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

/* @val * @num / @den without overflowing, saturated to @max. */
static unsigned int damon_scale(unsigned int val, unsigned long num,
				unsigned long den, unsigned int max)
{
	u64 scaled;

	if (!den)
		return val;
	scaled = div64_u64((u64)val * num, den);
	return min_t(u64, scaled, max);
}

/* Rescale the probe hit counters @hits from @old_max to @new_max samples. */
static void damon_rescale_hits(u8 *hits, unsigned long new_max,
			       unsigned long old_max)
{
	unsigned int cap = min_t(unsigned long, new_max, U8_MAX);
	unsigned int i;

	for (i = 0; i < DAMON_MAX_PROBES; i++)
		hits[i] = damon_scale(hits[i], new_max, old_max, cap);
}

/**
 * damon_rescale_region() - Convert counters of a region to new attributes.
 * @r:		The region.
 * @old_attrs:	Attributes the counters were made with.
 * @new_attrs:	Attributes the counters are for from now on.
 *
 * Access and probe hit counts scale with the number of samples per
 * aggregation interval, rounded down, and the age with the length of the
 * aggregation interval, so that they keep meaning the same frequency and
 * the same time.  No count exceeds the samples of a new window; probe hit
 * counts also saturate at U8_MAX.  A context's regions are rescaled
 * through damon_rescale_counters(), which also fits the window in
 * progress.
 */
void damon_rescale_region(struct damon_region *r,
			  const struct damon_attrs *old_attrs,
			  const struct damon_attrs *new_attrs)
{
	unsigned long old_max = max(damon_window_samples(old_attrs), 1UL);
	unsigned long new_max = max(damon_window_samples(new_attrs), 1UL);
	unsigned int cap = min_t(unsigned long, new_max, UINT_MAX);

	r->nr_accesses = damon_scale(r->nr_accesses, new_max, old_max, cap);
	r->last_nr_accesses = damon_scale(r->last_nr_accesses, new_max,
					  old_max, cap);
	damon_rescale_hits(r->probe_hits, new_max, old_max);
	damon_rescale_hits(r->last_probe_hits, new_max, old_max);
	r->age = damon_scale(r->age, old_attrs->aggr_interval,
			     new_attrs->aggr_interval, UINT_MAX);
}

/* Keep the counts of the window in progress of @r within @cap samples. */
static void damon_cap_window_counts(struct damon_region *r, unsigned int cap)
{
	unsigned int i;

	r->nr_accesses = min(r->nr_accesses, cap);
	for (i = 0; i < DAMON_MAX_PROBES; i++)
		r->probe_hits[i] = min_t(unsigned int, r->probe_hits[i], cap);
}

/**
 * damon_rescale_counters() - Carry a context's counts over to new intervals.
 * @ctx:	The context, still holding its current attributes.
 * @new_attrs:	The attributes it counts with from now on.
 *
 * The one place where an online change of the intervals (a commit, or
 * the intervals auto-tuning) converts the per-window state of @ctx:
 * every region's counters (see damon_rescale_region()) and the
 * aggregation interval in progress, of which next_aggregation_sis marks
 * the end.
 *
 * A window of W samples that had e samples pass becomes a window of W'
 * samples with e' = min(e * W' / W, W' - 1) of them passed (rounded
 * down), and ends after the W' - e' samples still to come.  The counts of
 * the window in progress (nr_accesses, probe_hits) are rescaled and then
 * capped to e'.  A sample adds at most one to each, so at the end of the
 * window they are at most e' + (W' - e') = W'.  The counts of the last
 * window (last_nr_accesses, last_probe_hits) are at most W after
 * rescaling, and so is their moving sum, which adds the still-to-come
 * share of them to e' at most.  Hence no count, moving sum, tracepoint or
 * scheme ever sees more than W' after the change, including in the
 * window it lands in.
 *
 * Does not change @ctx->attrs: the caller sets them right after.
 *
 * Context: the kdamond of @ctx, or @ctx not running.
 */
void damon_rescale_counters(struct damon_ctx *ctx,
			    const struct damon_attrs *new_attrs)
{
	unsigned long old_w = max(damon_window_samples(&ctx->attrs), 1UL);
	unsigned long new_w = max(damon_window_samples(new_attrs), 1UL);
	unsigned long now = ctx->passed_sample_intervals;
	unsigned long left = 0, passed;
	struct damon_target *t;
	struct damon_region *r;

	if (ctx->next_aggregation_sis > now)
		left = min(ctx->next_aggregation_sis - now, old_w);
	/* e' of the comment above: at least one new sample is to come */
	passed = min_t(u64, div64_u64((u64)(old_w - left) * new_w, old_w),
		       new_w - 1);
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			damon_rescale_region(r, &ctx->attrs, new_attrs);
			damon_cap_window_counts(r, min_t(unsigned long, passed,
							 UINT_MAX));
		}
	}
	ctx->next_aggregation_sis = now + new_w - passed;
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

/* ==================== Self-check ==================== */

/*
 * The invariants of the region lists, checked the way validate_mm() and
 * mt_validate() check theirs: every broken one is reported with what is
 * needed to debug it and counted, so that a test can tell which one
 * broke.  Reports past DAMON_VALIDATE_MAX_PRINTS per call are counted
 * only, as a broken list usually breaks an invariant in every region.
 */
#define DAMON_VALIDATE_MAX_PRINTS	16

#define damon_broken(nr, fmt, ...)					\
	do {								\
		if ((*(nr))++ < DAMON_VALIDATE_MAX_PRINTS)		\
			pr_err(fmt, ##__VA_ARGS__);			\
	} while (0)

/*
 * Region @ridx of target @tidx is not empty, starts at or after the end
 * of @prev (its predecessor, or NULL), and both its ends are multiples of
 * @align (0 for none).  A predecessor that starts after @r makes the list
 * unsorted; one that only ends after @r starts overlaps it.
 */
static void damon_validate_shape(const struct damon_region *r,
				 const struct damon_region *prev,
				 unsigned int tidx, unsigned int ridx,
				 unsigned long align, unsigned int *nr)
{
	if (r->ar.start >= r->ar.end)
		damon_broken(nr, "target %u region %u [%#lx, %#lx): empty\n",
			     tidx, ridx, r->ar.start, r->ar.end);
	if (prev && prev->ar.start > r->ar.start)
		damon_broken(nr, "target %u region %u [%#lx, %#lx): unsorted, after [%#lx, %#lx)\n",
			     tidx, ridx, r->ar.start, r->ar.end,
			     prev->ar.start, prev->ar.end);
	else if (prev && prev->ar.end > r->ar.start)
		damon_broken(nr, "target %u region %u [%#lx, %#lx): overlaps [%#lx, %#lx)\n",
			     tidx, ridx, r->ar.start, r->ar.end,
			     prev->ar.start, prev->ar.end);
	if (align > 1 && (!IS_ALIGNED(r->ar.start, align) ||
			  !IS_ALIGNED(r->ar.end, align)))
		damon_broken(nr, "target %u region %u [%#lx, %#lx): not aligned to %#lx\n",
			     tidx, ridx, r->ar.start, r->ar.end, align);
}

/* The first of the @hits over @window samples, or DAMON_MAX_PROBES. */
static unsigned int damon_hits_over(const u8 *hits, unsigned long window)
{
	unsigned int i;

	for (i = 0; i < DAMON_MAX_PROBES; i++) {
		if (hits[i] > window)
			break;
	}
	return i;
}

/*
 * No counter of region @ridx of target @tidx exceeds the @window samples
 * of an aggregation interval: a sample adds at most one to each, merging
 * averages them and damon_rescale_counters() keeps them within a new
 * window.  The bound is the real number of samples, not the clamped
 * damon_max_nr_accesses(), which a long window exceeds.  Also, the
 * sub-region summary found accesses only in parts a sample looked at.
 */
static void damon_validate_counters(const struct damon_region *r,
				    unsigned int tidx, unsigned int ridx,
				    unsigned long window, unsigned int *nr)
{
	unsigned int i;

	if (r->nr_accesses > window)
		damon_broken(nr, "target %u region %u: nr_accesses %u > %lu samples\n",
			     tidx, ridx, r->nr_accesses, window);
	if (r->last_nr_accesses > window)
		damon_broken(nr, "target %u region %u: last_nr_accesses %u > %lu samples\n",
			     tidx, ridx, r->last_nr_accesses, window);
	i = damon_hits_over(r->probe_hits, window);
	if (i < DAMON_MAX_PROBES)
		damon_broken(nr, "target %u region %u: probe_hits[%u] %u > %lu samples\n",
			     tidx, ridx, i, r->probe_hits[i], window);
	i = damon_hits_over(r->last_probe_hits, window);
	if (i < DAMON_MAX_PROBES)
		damon_broken(nr, "target %u region %u: last_probe_hits[%u] %u > %lu samples\n",
			     tidx, ridx, i, r->last_probe_hits[i], window);
	if (r->sub_hits & ~r->sub_sampled)
		damon_broken(nr, "target %u region %u: sub_hits %#x outside %#x\n",
			     tidx, ridx, r->sub_hits, r->sub_sampled);
}

/* The sampling address of region @ridx of target @tidx lies inside it. */
static void damon_validate_sampling(const struct damon_region *r,
				    unsigned int tidx, unsigned int ridx,
				    unsigned int *nr)
{
	if (r->sampling_addr < r->ar.start || r->sampling_addr >= r->ar.end)
		damon_broken(nr, "target %u region %u [%#lx, %#lx): sampling_addr %#lx outside\n",
			     tidx, ridx, r->ar.start, r->ar.end,
			     r->sampling_addr);
}

/**
 * damon_validate_regions_of() - Check the invariants of a target's regions.
 * @t:			The target.
 * @tidx:		Index of @t in its context, for the reports.
 * @attrs:		Attributes the counters were made with; used only
 *			with &DAMON_VALIDATE_COUNTERS.
 * @min_sz_region:	Alignment of the region boundaries; 0 or 1 for none.
 * @flags:		&enum damon_validate_flags; &DAMON_VALIDATE_NR_REGIONS
 *			is a property of a context and ignored here.
 *
 * Always checks that every region is non-empty and aligned to
 * @min_sz_region, that the regions are sorted and do not overlap, and
 * that @t->nr_regions is the length of the list.  Each broken invariant
 * is reported with pr_err(), naming the target, the region and the values
 * (up to 16 reports per call; the rest are counted only).
 *
 * Context: the owner of @t (its kdamond, or anyone while it does not run).
 * Return: the number of broken invariants; 0 if all hold.
 */
int damon_validate_regions_of(const struct damon_target *t, unsigned int tidx,
			      const struct damon_attrs *attrs,
			      unsigned long min_sz_region, unsigned int flags)
{
	const struct damon_region *r, *prev = NULL;
	unsigned int ridx = 0, nr = 0;
	unsigned long window = 0;

	if (flags & DAMON_VALIDATE_COUNTERS)
		window = max(damon_window_samples(attrs), 1UL);
	damon_for_each_region(r, t) {
		damon_validate_shape(r, prev, tidx, ridx, min_sz_region, &nr);
		if (flags & DAMON_VALIDATE_COUNTERS)
			damon_validate_counters(r, tidx, ridx, window, &nr);
		if (flags & DAMON_VALIDATE_SAMPLING)
			damon_validate_sampling(r, tidx, ridx, &nr);
		prev = r;
		ridx++;
	}
	if (ridx != t->nr_regions)
		damon_broken(&nr, "target %u: nr_regions %u, but %u regions listed\n",
			     tidx, t->nr_regions, ridx);
	return nr;
}

/*
 * Whether two touching neighbours of @t, @prev and @r, are small enough
 * together to merge: what the last pass of damon_merge_regions() leaves
 * none of when it gives up on max_nr_regions, as every score difference
 * is within its threshold then.  Gaps are never merged.
 */
static bool damon_could_merge(const struct damon_ctx *ctx,
			      const struct damon_target *t,
			      const struct damon_region *prev,
			      const struct damon_region *r)
{
	return prev->ar.end == r->ar.start &&
		damon_sz_region(prev) + damon_sz_region(r) <=
		damon_region_sz_limit(ctx, t);
}

/*
 * At most max_nr_regions regions in @ctx, or no two of them that the merge
 * could still join: more targets than the limit allows regions, ranges
 * apart, or the size limit that keeps min_nr_regions per target, can all
 * leave more.  One broken invariant, reported with the first pair that
 * could have merged.
 */
static unsigned int damon_validate_nr_regions(const struct damon_ctx *ctx)
{
	const struct damon_region *r, *prev;
	const struct damon_target *t;
	unsigned int nr = 0, tidx = 0, ridx;

	damon_for_each_target(t, ctx)
		nr += t->nr_regions;
	if (nr <= ctx->attrs.max_nr_regions)
		return 0;
	damon_for_each_target(t, ctx) {
		prev = NULL;
		ridx = 0;
		damon_for_each_region(r, t) {
			if (prev && damon_could_merge(ctx, t, prev, r)) {
				pr_err("%u regions > max_nr_regions %lu, yet target %u regions %u and %u could merge (%#lx + %#lx bytes, limit %#lx)\n",
				       nr, ctx->attrs.max_nr_regions, tidx,
				       ridx - 1, ridx, damon_sz_region(prev),
				       damon_sz_region(r),
				       damon_region_sz_limit(ctx, t));
				return 1;
			}
			prev = r;
			ridx++;
		}
		tidx++;
	}
	return 0;
}

/**
 * damon_validate_regions() - Check the invariants of a context's regions.
 * @ctx:	The context.
 * @flags:	&enum damon_validate_flags that hold where it is called.
 *
 * Checks every target with damon_validate_regions_of(), against the
 * attributes and min_sz_region of @ctx, and with
 * &DAMON_VALIDATE_NR_REGIONS the number of regions of @ctx.  Which flags
 * hold depends on the point of the kdamond's loop:
 *
 * - &DAMON_VALIDATE_COUNTERS and &DAMON_VALIDATE_NR_REGIONS: after an
 *   aggregation (merge, reset, split), and after a commit to a running
 *   context, which rescales the counters and fits the regions.  A stopped
 *   context may hold any counters and numbers of regions: they are reset
 *   and fitted when it starts.
 * - &DAMON_VALIDATE_SAMPLING: only between picking the sampling addresses
 *   and the next region change, as a cut leaves the left part with its
 *   old address.
 *
 * Context: the owner of @ctx (its kdamond, or anyone while it does not
 * run).
 * Return: the number of broken invariants; 0 if all hold.
 */
int damon_validate_regions(const struct damon_ctx *ctx, unsigned int flags)
{
	const struct damon_target *t;
	unsigned int tidx = 0;
	int nr = 0;

	damon_for_each_target(t, ctx)
		nr += damon_validate_regions_of(t, tidx++, &ctx->attrs,
						ctx->min_sz_region, flags);
	if (flags & DAMON_VALIDATE_NR_REGIONS)
		nr += damon_validate_nr_regions(ctx);
	return nr;
}

/**
 * damon_warn_invalid_regions() - Warn once if a context's regions are broken.
 * @ctx:	The context.
 * @flags:	&enum damon_validate_flags that hold where it is called.
 * @when:	Where it is called, for the warning.
 *
 * Runs damon_validate_regions() and warns (a WARN, so that test runs catch
 * it) if anything is broken.  After the first warning it checks nothing
 * more: a broken list tends to stay broken, and would flood the log at
 * every aggregation.  Called through damon_debug_validate().
 *
 * Context: the owner of @ctx.
 */
void damon_warn_invalid_regions(const struct damon_ctx *ctx,
				unsigned int flags, const char *when)
{
	static bool warned;
	int nr;

	if (READ_ONCE(warned))
		return;
	nr = damon_validate_regions(ctx, flags);
	if (!nr)
		return;
	WRITE_ONCE(warned, true);
	WARN(1, "damon: %d broken region invariants %s\n", nr, when);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Accuracy simulator of DAMON's region adjustment.
 *
 * Runs mm/damon/regions.c, the object the user-space unit tests build,
 * against a modelled virtual address range of 256 MiB to 1 TiB whose hot
 * set is known exactly: a list of hot chunks, each with a probability of
 * being accessed in one sampling interval.  Ground truth is interval
 * arithmetic over the chunks (prefix sums), so no page is ever iterated
 * and a 1 TiB target costs what a 256 MiB one does.
 *
 * The monitoring loop is the kdamond's (mm/damon/core.c kdamond_fn(),
 * kdamond_setup(), kdamond_aggregate()) with the vaddr sampling of
 * mm/damon/vaddr.c: per sample, every region picks a sampling address and
 * is checked once; at the end of an aggregation interval the threshold,
 * ages, merge, reset and split of regions.c run in the kernel's order.
 * What is not in regions.c (the sampling address pick, the access check,
 * the loop and its schedule) is reproduced here in a few lines; see
 * sim_pick_kernel(), sim_sample() and sim_aggregate().
 *
 * Precision and recall are in bytes, taken where the damon_aggregated
 * tracepoint fires (after the ages, before the merge): the regions with
 * nr_accesses > 0 against the hot set.  The cost is the number of access
 * checks per simulated second.
 *
 * A policy is a set of hooks around the loop (struct sim_policy):
 *   today	regions.c as it is, with vaddr's sampling address pick;
 *   today-w	the same with the simulator's own random pick (the one the
 *		candidates use, so that their picks leave the random stream
 *		of regions.c alone);
 *   bounds	a candidate split rule (sim_prepare_bounds()), in this file
 *		only, with the pick of today-w;
 *   buckets8, buckets16
 *		the cuts of "bounds" from a fixed-size running summary per
 *		region (sim_prepare_buckets()), with the pick of today-w;
 *   buckets8s, buckets16s
 *		the same with a stratified pick (sim_pick_strat());
 *   mask16s	buckets16s keeping two 16-bit maps instead of counts;
 *   mask16s1	the same keeping only the best cut of each region;
 *   mask16sb	mask16s where a region with a proposed cut is not merged
 *		(sim_keep_cut_regions());
 *   upper16s	buckets16s where a check reads the PMD or PUD Accessed
 *		bit of a whole 2 MiB or 1 GiB block (sim_check());
 *   upper16sb	mask16sb with the checks of upper16s.
 * A candidate is a pick, an observer of the checks and a split step;
 * it can be compared with today's before anything moves to regions.c.
 * All policies of a scenario run with the same hot set and seeds.
 *
 * Usage: damon_sim [-t] [-s SEED] [-d SECONDS] [-m MAX_NR_REGIONS]
 *		    [-f SIZE_OR_SHAPE] [-p POLICY[,POLICY]] [-a P_HOT] [-c P_COLD]
 *		    [-S SAMPLE_US] [-A AGGR_US]
 *   (default)	prints the table of every scenario and policy;
 *   -t		runs the scenarios with known answers against floors and
 *		ends with "N passed, N failed";
 *   -m		max_nr_regions of every scenario;
 *   -f		only the scenarios whose size or shape contains the string;
 *   -a, -c	access probability per sample of hot and cold pages
 *		(default 0.9 and 0);
 *   -S, -A	sampling and aggregation intervals in us (5000, 100000).
 */

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/align.h>
#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "../../../mm/damon/regions.h"

#define KIB		1024UL
#define MIB		(1024 * KIB)
#define GIB		(1024 * MIB)
#define TIB		(1024 * GIB)

/* Where the target starts: any page-aligned address above the null page. */
#define SIM_BASE	(16 * TIB)
#define SIM_P_ONE	BIT_ULL(32)
/* Observations a candidate keeps per region and aggregation interval. */
#define SIM_MAX_OBS	64
/* Sub-buckets of the running summary of a region, at most. */
#define SIM_MAX_BUCKETS	16

/* ==================== The modelled address space ==================== */

/* A hot chunk: [start, end) from the target's start, accessed with @p. */
struct sim_chunk {
	unsigned long start;
	unsigned long end;
	u64 p;		/* probability per sample, in 1 / SIM_P_ONE */
};

/* A hot set: sorted, disjoint chunks; everything else is cold. */
struct sim_model {
	struct sim_chunk *chunks;
	unsigned long *before;	/* hot bytes before chunk i */
	unsigned int nr;
	unsigned long hot_bytes;
	u64 p_cold;
};

enum sim_shape {
	SIM_CONTIG,	/* one chunk of @chunk bytes at @offset */
	SIM_SCATTER,	/* @chunk bytes in every @stride, from @offset */
	SIM_ZIPF,	/* size / @stride chunks at random, Zipf-skewed */
};

/**
 * struct sim_scenario - One row group of the table.
 * @name:	Hot-set shape, as the table shows it.
 * @size:	Size of the target.
 * @shape:	How the hot chunks are laid out.
 * @chunk:	Size of a hot chunk.
 * @stride:	SIM_SCATTER: distance of chunks; SIM_ZIPF: one chunk per
 *		@stride bytes of the target on average.
 * @offset:	Where the first chunk starts; SIM_CENTRED: in the middle of
 *		its stride.
 * @shift:	If not 0, the hot set moves by this at half time.
 * @max_nr:	max_nr_regions; 0 for the default 1000.
 */
struct sim_scenario {
	const char *name;
	unsigned long size;
	enum sim_shape shape;
	unsigned long chunk;
	unsigned long stride;
	unsigned long offset;
	unsigned long shift;
	unsigned int max_nr;
};

#define SIM_CENTRED	ULONG_MAX

/* Probabilities per sample, in 1 / SIM_P_ONE: hot 0.9, cold 0. */
static u64 sim_p_hot = SIM_P_ONE * 9 / 10;
static u64 sim_p_cold;

static struct rnd_state sim_rnd;	/* the workload's dice */

static u32 sim_rand32(void)
{
	return prandom_u32_state(&sim_rnd);
}

static bool sim_chance(u64 p)
{
	return sim_rand32() < p;
}

static void sim_add_chunk(struct sim_model *m, unsigned long size,
			  unsigned long start, unsigned long len, u64 p)
{
	struct sim_chunk *c;

	if (start >= size || len > size - start)
		return;
	c = &m->chunks[m->nr++];
	c->start = start;
	c->end = start + len;
	c->p = p;
}

static int sim_chunk_cmp(const void *a, const void *b)
{
	const struct sim_chunk *l = a, *r = b;

	return l->start < r->start ? -1 : l->start > r->start;
}

/* Zipf-skewed probabilities: the rank-k chunk gets p_hot * k^-0.6. */
static u64 sim_zipf_p(unsigned int rank)
{
	return (u64)((double)sim_p_hot * pow(rank, -0.6));
}

/* Build the hot set of @s, moved by @shift. */
static int sim_model_build(struct sim_model *m, const struct sim_scenario *s,
			   unsigned long shift)
{
	unsigned long nr_max, i, slots, slot, off, acc = 0;
	unsigned char *taken = NULL;

	memset(m, 0, sizeof(*m));
	m->p_cold = sim_p_cold;
	switch (s->shape) {
	case SIM_CONTIG:
		nr_max = 1;
		break;
	case SIM_SCATTER:
		nr_max = s->size / s->stride + 1;
		break;
	default:
		nr_max = s->size / s->stride;
		break;
	}
	m->chunks = calloc(nr_max, sizeof(*m->chunks));
	m->before = calloc(nr_max + 1, sizeof(*m->before));
	if (!m->chunks || !m->before)
		return -1;
	switch (s->shape) {
	case SIM_CONTIG:
		sim_add_chunk(m, s->size, s->offset + shift, s->chunk,
			      sim_p_hot);
		break;
	case SIM_SCATTER:
		off = s->offset == SIM_CENTRED ? (s->stride - s->chunk) / 2 :
			s->offset;
		for (i = 0; i < nr_max; i++)
			sim_add_chunk(m, s->size, i * s->stride + off + shift,
				      s->chunk, sim_p_hot);
		break;
	case SIM_ZIPF:
		slots = s->size / s->chunk;
		taken = calloc(slots, 1);
		if (!taken)
			return -1;
		for (i = 0; i < nr_max; i++) {
			do {
				slot = sim_rand32() % slots;
			} while (taken[slot]);
			taken[slot] = 1;
			sim_add_chunk(m, s->size, slot * s->chunk, s->chunk,
				      sim_zipf_p(i + 1));
		}
		free(taken);
		qsort(m->chunks, m->nr, sizeof(*m->chunks), sim_chunk_cmp);
		break;
	}
	for (i = 0; i < m->nr; i++) {
		m->before[i] = acc;
		acc += m->chunks[i].end - m->chunks[i].start;
	}
	m->before[m->nr] = acc;
	m->hot_bytes = acc;
	return 0;
}

static void sim_model_free(struct sim_model *m)
{
	free(m->chunks);
	free(m->before);
}

/* Index of the last chunk starting at or before @off, or -1. */
static long sim_chunk_at_or_before(const struct sim_model *m,
				   unsigned long off)
{
	long lo = 0, hi = (long)m->nr - 1, mid, found = -1;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		if (m->chunks[mid].start <= off) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

/* Hot bytes in [0, @off) of the target. */
static unsigned long sim_hot_below(const struct sim_model *m,
				   unsigned long off)
{
	long i = sim_chunk_at_or_before(m, off);
	const struct sim_chunk *c;

	if (i < 0)
		return 0;
	c = &m->chunks[i];
	return m->before[i] + min(off, c->end) - c->start;
}

/* Hot bytes in the region [@start, @end), addresses of the target. */
static unsigned long sim_hot_bytes(const struct sim_model *m,
				   unsigned long start, unsigned long end)
{
	return sim_hot_below(m, end - SIM_BASE) -
		sim_hot_below(m, start - SIM_BASE);
}

/* The access probability of the page at @addr. */
static u64 sim_page_p(const struct sim_model *m, unsigned long addr)
{
	long i = sim_chunk_at_or_before(m, addr - SIM_BASE);

	if (i >= 0 && addr - SIM_BASE < m->chunks[i].end)
		return m->chunks[i].p;
	return m->p_cold;
}

/* ==================== Policies ==================== */

struct sim;

/**
 * struct sim_policy - How a policy adjusts regions.
 * @name:	Its name in the table.
 * @pick:	Sampling address of a region for one sample.
 * @observe:	After each check of region number @idx: what it found.
 * @prepare:	At an aggregation, before the merge.
 * @split:	The split step of an aggregation, after the reset.
 * @nr_buckets:	Sub-buckets of the per-region summary, 0 for none.
 * @upper:	Checks read a 2 MiB (PMD-level) Accessed bit, for regions
 *		that hold an aligned 2 MiB block.
 * @mask:	The summary is two bitmaps (sampled, hit), not counts.
 * @one_hint:	Only a region's best proposed cut survives to the split.
 * @keep:	Regions with a proposed cut stay out of the merge.
 */
struct sim_policy {
	const char *name;
	unsigned long (*pick)(struct sim *s, const struct damon_region *r);
	void (*observe)(struct sim *s, unsigned int idx,
			const struct damon_region *r, bool accessed);
	void (*prepare)(struct sim *s);
	void (*split)(struct sim *s);
	unsigned int nr_buckets;
	bool upper;
	bool mask;
	bool one_hint;
	bool keep;
};

/* One sampled address of a region and what its check found. */
struct sim_obs {
	unsigned long addr;
	bool accessed;
};

/* A cut a candidate proposes, with how well it separates accesses. */
struct sim_hint {
	unsigned long addr;
	double gain;
};

/* One run: a scenario under a policy. */
struct sim {
	const struct sim_scenario *scn;
	const struct sim_policy *pol;
	struct damon_ctx ctx;
	struct damon_target t;
	struct damon_addr_range range;
	struct sim_model models[2];
	const struct sim_model *model;
	unsigned long nr_checks;
	/* candidate state */
	struct sim_obs (*obs)[SIM_MAX_OBS];
	unsigned int *nr_obs;
	unsigned int obs_cap;
	struct sim_hint *hints;
	unsigned int nr_hints, hints_cap;
	/* per region: samples [0] and hits [1] of each sub-bucket */
	u8 (*bk)[2][SIM_MAX_BUCKETS];
	unsigned long nr_upper;	/* checks that read a PMD or PUD bit */
	/* per aggregation: precision, recall, regions */
	double *prec, *rec;
	unsigned int *nr_regions;
	unsigned int nr_aggrs;
};

/* vaddr's damon_va_pick_addr(): a random page of the region. */
static unsigned long sim_pick_kernel(struct sim *s,
				     const struct damon_region *r)
{
	return ALIGN_DOWN(damon_rand(r->ar.start, r->ar.end), PAGE_SIZE);
}

/* The same from the simulator's own random numbers. */
static unsigned long sim_pick_wide(struct sim *s, const struct damon_region *r)
{
	unsigned long span = r->ar.end - r->ar.start;
	u64 x = (u64)sim_rand32() << 32 | sim_rand32();

	return ALIGN_DOWN(r->ar.start + x % span, PAGE_SIZE);
}

static void sim_split_today(struct sim *s)
{
	damon_split_regions(&s->ctx);
}

static bool sim_grow(void **arr, unsigned int *cap, unsigned int need,
		     size_t elem)
{
	unsigned int ncap = *cap ? *cap : 64;
	void *n;

	if (need <= *cap)
		return true;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*arr, (size_t)ncap * elem);
	if (!n)
		return false;
	*arr = n;
	*cap = ncap;
	return true;
}

static void sim_observe_bounds(struct sim *s, unsigned int idx,
			       const struct damon_region *r, bool accessed)
{
	unsigned int n;

	if (idx >= s->obs_cap)
		return;
	n = s->nr_obs[idx];
	if (n == SIM_MAX_OBS)
		return;
	s->obs[idx][n].addr = r->sampling_addr;
	s->obs[idx][n].accessed = accessed;
	s->nr_obs[idx] = n + 1;
}

static int sim_obs_cmp(const void *a, const void *b)
{
	const struct sim_obs *l = a, *r = b;

	return l->addr < r->addr ? -1 : l->addr > r->addr;
}

/*
 * The candidate "bounds": every sample already checks one random page of
 * a region; sorted by address, the checks of an aggregation interval show
 * where accesses start and stop.  Each change from accessed to not (or
 * back) between neighbouring checks proposes a cut half-way between them,
 * scored by how well it separates the checks on its two sides (the
 * between-group variance of a decision stump).  The split step then cuts
 * at the best proposals inside a region instead of at random points; at
 * random points where there are none, as today; and not at all where
 * three quarters of the samples or more found accesses and no check
 * disagreed, as there is nothing to look for.  No extra check is made;
 * the kernel would need the observations of a window per region (here up
 * to SIM_MAX_OBS of them), or a running summary of them.
 */
/*
 * A miss between two hits is taken for a hit: a found access is certain,
 * a missed one is not (a hot page may go untouched for a sample), so
 * single misses inside hot memory must not propose cuts.
 */
static void sim_fill_misses(struct sim_obs *o, unsigned int n)
{
	unsigned int i;

	for (i = 1; i + 1 < n; i++) {
		if (!o[i].accessed && o[i - 1].accessed && o[i + 1].accessed)
			o[i].accessed = true;
	}
}

static void sim_prepare_bounds(struct sim *s)
{
	unsigned int idx = 0, i, n, acc, left_acc;
	struct damon_region *r;
	double ml, mr, gain;

	s->nr_hints = 0;
	damon_for_each_region(r, &s->t) {
		struct sim_obs *o;

		n = idx < s->obs_cap ? s->nr_obs[idx] : 0;
		if (n < 2)
			goto next;
		o = s->obs[idx];
		qsort(o, n, sizeof(*o), sim_obs_cmp);
		sim_fill_misses(o, n);
		for (i = 0, acc = 0; i < n; i++)
			acc += o[i].accessed;
		left_acc = 0;
		for (i = 0; i + 1 < n; i++) {
			left_acc += o[i].accessed;
			if (o[i].accessed == o[i + 1].accessed)
				continue;
			ml = (double)left_acc / (i + 1);
			mr = (double)(acc - left_acc) / (n - i - 1);
			gain = (double)(i + 1) * (n - i - 1) * (ml - mr) *
				(ml - mr) / n;
			if (!sim_grow((void **)&s->hints, &s->hints_cap,
				      s->nr_hints + 1, sizeof(*s->hints)))
				break;
			s->hints[s->nr_hints].addr = ALIGN_DOWN(o[i].addr / 2 +
				o[i + 1].addr / 2 + PAGE_SIZE / 2, PAGE_SIZE);
			s->hints[s->nr_hints++].gain = gain;
		}
next:
		if (idx < s->obs_cap)
			s->nr_obs[idx] = 0;
		idx++;
	}
}

/* First hint at or after @addr. */
static unsigned int sim_hint_from(const struct sim *s, unsigned long addr)
{
	unsigned int lo = 0, hi = s->nr_hints, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (s->hints[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Up to @max_cuts best hints strictly inside @r, at least @unit from its
 * ends, in address order.  Return how many.
 */
static unsigned int sim_best_hints(const struct sim *s,
				   const struct damon_region *r,
				   unsigned long unit, unsigned int max_cuts,
				   unsigned long cuts[2])
{
	unsigned int i = sim_hint_from(s, r->ar.start + unit), nr = 0;
	double best[2] = { -1, -1 }, g;
	unsigned long a;

	for (; i < s->nr_hints && s->hints[i].addr <= r->ar.end - unit; i++) {
		a = s->hints[i].addr;
		g = s->hints[i].gain;
		/* two checks at neighbouring pages propose one cut twice */
		if (best[0] >= 0 && a == cuts[0]) {
			best[0] = max(best[0], g);
			continue;
		}
		if (best[1] >= 0 && a == cuts[1]) {
			best[1] = max(best[1], g);
			continue;
		}
		if (g > best[0]) {
			best[1] = best[0];
			cuts[1] = cuts[0];
			best[0] = g;
			cuts[0] = a;
		} else if (g > best[1]) {
			best[1] = g;
			cuts[1] = a;
		}
	}
	nr = best[1] >= 0 && max_cuts > 1 ? 2 : best[0] >= 0 ? 1 : 0;
	if (nr == 2 && cuts[0] > cuts[1]) {
		a = cuts[0];
		cuts[0] = cuts[1];
		cuts[1] = a;
	}
	return nr;
}

/*
 * The candidates "buckets<N>" and "buckets<N>s": the checks of "bounds"
 * folded into a running summary of a fixed size, as the kernel could keep
 * in struct damon_region.  A region is cut in N sub-buckets of equal size;
 * each check counts one sample, and one hit if it found an access, in the
 * bucket of its sampling address (two u8 per bucket: 2 * N bytes per
 * region).  At the aggregation, every boundary between two sampled
 * buckets of which one found accesses and the other did not proposes a
 * cut, scored as "bounds" scores its cuts; the split step is the one of
 * "bounds".  The "s" variants aim the sampling address: sample i of a
 * region falls in bucket i mod N, at a random page of it, so every bucket
 * is sampled (and the kernel knows the bucket without a division).
 */

/* First page of bucket @b of a region of @npages pages cut in @nb. */
static unsigned long sim_bucket_page(unsigned long npages, unsigned int nb,
				     unsigned int b)
{
	return (npages * b + nb - 1) / nb;
}

/* Bucket of page @pg: the inverse of sim_bucket_page(). */
static unsigned int sim_page_bucket(unsigned long npages, unsigned int nb,
				    unsigned long pg)
{
	return min_t(unsigned long, pg * nb / npages, nb - 1);
}

/* A random page of bucket (sample number mod N) of @r. */
static unsigned long sim_pick_strat(struct sim *s, const struct damon_region *r)
{
	unsigned int nb = s->pol->nr_buckets;
	unsigned long npages = damon_sz_region(r) >> PAGE_SHIFT;
	unsigned int b = s->ctx.passed_sample_intervals % nb;
	unsigned long lo = sim_bucket_page(npages, nb, b);
	unsigned long hi = sim_bucket_page(npages, nb, b + 1);
	u64 x = (u64)sim_rand32() << 32 | sim_rand32();

	if (hi <= lo)
		return r->ar.start + (min(lo, npages - 1) << PAGE_SHIFT);
	return r->ar.start + ((lo + x % (hi - lo)) << PAGE_SHIFT);
}

static void sim_observe_buckets(struct sim *s, unsigned int idx,
				const struct damon_region *r, bool accessed)
{
	unsigned int nb = s->pol->nr_buckets, b;
	unsigned long npages = damon_sz_region(r) >> PAGE_SHIFT;
	u8 *cnt;

	if (idx >= s->obs_cap)
		return;
	b = sim_page_bucket(npages, nb,
			    (r->sampling_addr - r->ar.start) >> PAGE_SHIFT);
	cnt = s->bk[idx][0];
	if (cnt[b] < U8_MAX) {
		cnt[b]++;
		s->bk[idx][1][b] += accessed;
	}
}

/* With upper-level checks, cut at a 2 MiB boundary when there is one. */
static unsigned long sim_align_cut(struct sim *s, const struct damon_region *r,
				   unsigned long addr)
{
	unsigned long a = ALIGN(addr, 2 * MIB);

	if (!s->pol->upper)
		return addr;
	if (a > r->ar.start && a < r->ar.end)
		return a;
	a = ALIGN_DOWN(addr, 2 * MIB);
	return a > r->ar.start ? a : addr;
}

/*
 * The cuts a region's summary proposes.  As in "bounds", a sampled bucket
 * without hits between two with hits counts as hit (a miss is uncertain).
 */
static void sim_region_bucket_hints(struct sim *s, struct damon_region *r,
				    u8 samp[], u8 hits[])
{
	unsigned int nb = s->pol->nr_buckets, b, prev = nb, n = 0, acc = 0;
	unsigned int nl = 0, hl = 0, mid, next, first = s->nr_hints;
	unsigned long npages = damon_sz_region(r) >> PAGE_SHIFT, addr;
	bool hot[SIM_MAX_BUCKETS], prev_hot = false;
	double ml, mr;

	for (b = 0; b < nb; b++) {
		n += samp[b];
		acc += hits[b];
		hot[b] = hits[b];
	}
	if (n < 2 || npages < 2)
		return;
	for (b = 0; b < nb; b++) {
		if (!samp[b] || hot[b])
			continue;
		for (prev = b; prev-- > 0 && !samp[prev];)
			;
		for (next = b + 1; next < nb && !samp[next]; next++)
			;
		if (prev < nb && next < nb && hot[prev] && hot[next])
			hot[b] = true;
	}
	prev = nb;
	for (b = 0; b < nb; b++) {
		if (!samp[b])
			continue;
		if (prev < nb && hot[b] != prev_hot && nl < n) {
			ml = (double)hl / nl;
			mr = (double)(acc - hl) / (n - nl);
			mid = (prev + 1 + b) / 2;
			addr = r->ar.start + (sim_bucket_page(npages, nb, mid) <<
					      PAGE_SHIFT);
			addr = sim_align_cut(s, r, addr);
			if (addr > r->ar.start && addr < r->ar.end &&
			    sim_grow((void **)&s->hints, &s->hints_cap,
				     s->nr_hints + 1, sizeof(*s->hints))) {
				s->hints[s->nr_hints].addr = addr;
				s->hints[s->nr_hints++].gain = (double)nl *
					(n - nl) * (ml - mr) * (ml - mr) / n;
			}
		}
		nl += samp[b];
		hl += hits[b];
		prev = b;
		prev_hot = hot[b];
	}
	/* "1": the kernel keeps one cut per region through the merge */
	if (!s->pol->one_hint || s->nr_hints <= first + 1)
		return;
	for (b = first + 1; b < s->nr_hints; b++) {
		if (s->hints[b].gain > s->hints[first].gain)
			s->hints[first] = s->hints[b];
	}
	s->nr_hints = first + 1;
}

static void sim_prepare_buckets(struct sim *s)
{
	struct damon_region *r;
	unsigned int idx = 0, b;

	s->nr_hints = 0;
	damon_for_each_region(r, &s->t) {
		if (idx >= s->obs_cap)
			break;
		/* "mask": two bitmaps, sampled and hit, 4 bytes a region */
		for (b = 0; s->pol->mask && b < SIM_MAX_BUCKETS; b++) {
			s->bk[idx][0][b] = !!s->bk[idx][0][b];
			s->bk[idx][1][b] = !!s->bk[idx][1][b];
		}
		sim_region_bucket_hints(s, r, s->bk[idx][0], s->bk[idx][1]);
		memset(s->bk[idx], 0, sizeof(s->bk[idx]));
		idx++;
	}
}

/*
 * The candidate "upper": a check on a region that holds the whole aligned
 * 1 GiB (or 2 MiB) block around its sampling address reads that block's
 * PUD (or PMD) Accessed bit: young if any page of the block was accessed
 * since the last check.  Pages of one hot chunk are accessed together
 * (one draw per chunk).
 */
static bool sim_block_young(struct sim *s, unsigned long bs, unsigned long be)
{
	const struct sim_model *m = s->model;
	long i = sim_chunk_at_or_before(m, bs - SIM_BASE);
	u64 pc;

	for (i = max(i, 0L); i < (long)m->nr &&
	     m->chunks[i].start < be - SIM_BASE; i++) {
		if (m->chunks[i].end > bs - SIM_BASE &&
		    sim_chance(m->chunks[i].p))
			return true;
	}
	if (!m->p_cold)
		return false;
	pc = min_t(u64, SIM_P_ONE - 1, m->p_cold * ((be - bs) >> PAGE_SHIFT));
	return sim_chance(pc);
}

/* Whether @r holds a whole aligned 2 MiB block: its checks read a PMD. */
static bool sim_has_block(const struct damon_region *r)
{
	return ALIGN(r->ar.start, 2 * MIB) + 2 * MIB <= r->ar.end;
}

static bool sim_check(struct sim *s, const struct damon_region *r)
{
	static const unsigned long blocks[] = { 1 * GIB, 2 * MIB };
	unsigned long a = r->sampling_addr, bs;
	unsigned int i;

	if (s->pol->upper) {
		for (i = 0; i < ARRAY_SIZE(blocks); i++) {
			bs = ALIGN_DOWN(a, blocks[i]);
			if (bs >= r->ar.start && bs + blocks[i] <= r->ar.end) {
				s->nr_upper++;
				return sim_block_young(s, bs, bs + blocks[i]);
			}
		}
	}
	return sim_chance(sim_page_p(s->model, a));
}

/* Today's random cut of regions.c's damon_split_randomly(). */
static bool sim_cut_randomly(struct sim *s, struct damon_region *r)
{
	unsigned long unit = s->ctx.min_sz_region;
	unsigned long nr_units = damon_sz_region(r) / unit, margin, left;

	if (nr_units < 2)
		return false;
	margin = max(1UL, nr_units / 8);
	left = damon_rand(margin, nr_units - margin + 1);
	return !damon_split_region_at(&s->t, r, sim_align_cut(s, r,
			r->ar.start + left * unit) - r->ar.start);
}

/*
 * Cut @r into up to @nr_subs pieces at its best hints, or at random
 * points without hints.  Return the number of new regions.
 */
static unsigned int sim_cut_bounds(struct sim *s, struct damon_region *r,
				   unsigned int nr_subs)
{
	unsigned long cuts[2], unit = s->ctx.min_sz_region;
	unsigned int nr, i, made = 0;

	nr = sim_best_hints(s, r, unit, nr_subs - 1, cuts);
	/* hot all over, as far as the checks tell: nothing to look for */
	if (!nr && !(s->pol->upper && sim_has_block(r)) &&
	    r->last_nr_accesses * 4 >= damon_max_nr_accesses(&s->ctx.attrs) * 3)
		return 0;
	if (!nr) {
		for (i = 1; i < nr_subs; i++) {
			if (!sim_cut_randomly(s, r))
				break;
			r = list_next_entry(r, list);
			made++;
		}
		return made;
	}
	for (i = 0; i < nr; i++) {
		if (damon_split_region_at(&s->t, r, cuts[i] - r->ar.start))
			break;
		r = list_next_entry(r, list);
		made++;
	}
	return made;
}

/*
 * regions.c's damon_split_regions() with the cut points of "bounds":
 * the same budget rules (all regions up to max / 2, three pieces when
 * nothing changed and below max / 3, one in every max / (max - n) up to
 * max), except that a region with two hints may take three pieces
 * whenever the budget has room for them.
 */
static void sim_split_bounds(struct sim *s)
{
	struct damon_ctx *ctx = &s->ctx;
	unsigned int nr = damon_nr_regions_ctx(ctx);
	unsigned int last = ctx->last_split_nr_regions;
	unsigned long max_nr = ctx->attrs.max_nr_regions, step, idx = 0;
	unsigned long offset, spare, total;
	struct damon_region *r, *next;
	unsigned int nr_subs = 2;

	ctx->last_split_nr_regions = nr;
	if (!nr || nr >= max_nr)
		return;
	if (nr > max_nr / 2) {
		step = max_nr / (max_nr - nr);
		offset = ctx->split_offset % step;
		ctx->split_offset = (offset + 1) % step;
		total = nr;
		damon_for_each_region_safe(r, next, &s->t) {
			if (idx++ % step != offset || total >= max_nr)
				continue;
			total += sim_cut_bounds(s, r, 2);
		}
		return;
	}
	if (nr == last && nr < max_nr / 3)
		nr_subs = 3;
	spare = max_nr - (unsigned long)nr * nr_subs;
	damon_for_each_region_safe(r, next, &s->t) {
		unsigned int subs = nr_subs, made;

		if (subs == 2 && spare)
			subs = 3;
		made = sim_cut_bounds(s, r, subs);
		if (made > nr_subs - 1)
			spare -= made - (nr_subs - 1);
	}
}

static const struct sim_policy sim_policies[] = {
	{
		.name = "today",
		.pick = sim_pick_kernel,
		.split = sim_split_today,
	},
	{
		.name = "today-w",
		.pick = sim_pick_wide,
		.split = sim_split_today,
	},
	{
		.name = "bounds",
		.pick = sim_pick_wide,
		.observe = sim_observe_bounds,
		.prepare = sim_prepare_bounds,
		.split = sim_split_bounds,
	},
#define SIM_BUCKETS(nm, nb, pk, up, mk, one) {				\
		.name = nm, .pick = pk, .observe = sim_observe_buckets,	\
		.prepare = sim_prepare_buckets, .split = sim_split_bounds, \
		.nr_buckets = nb, .upper = up, .mask = mk, .one_hint = one }
#define SIM_KEEP(nm, up) {						\
		.name = nm, .pick = sim_pick_strat,			\
		.observe = sim_observe_buckets,				\
		.prepare = sim_prepare_buckets, .split = sim_split_bounds, \
		.nr_buckets = 16, .mask = true, .keep = true, .upper = up }
	SIM_BUCKETS("buckets8", 8, sim_pick_wide, false, false, false),
	SIM_BUCKETS("buckets16", 16, sim_pick_wide, false, false, false),
	SIM_BUCKETS("buckets8s", 8, sim_pick_strat, false, false, false),
	SIM_BUCKETS("buckets16s", 16, sim_pick_strat, false, false, false),
	SIM_BUCKETS("mask16s", 16, sim_pick_strat, false, true, false),
	SIM_BUCKETS("mask16s1", 16, sim_pick_strat, false, true, true),
	SIM_KEEP("mask16sb", false),
	SIM_BUCKETS("upper16s", 16, sim_pick_strat, true, false, false),
	SIM_KEEP("upper16sb", true),
};

/* ==================== The kdamond's loop ==================== */

/* The attributes of the runs: the kernel's defaults (core.c). */
static unsigned long sim_sample_us = 5000;
static unsigned long sim_aggr_us = 100000;
static unsigned long sim_ops_update_us = 60UL * 1000 * 1000;
static unsigned long sim_min_nr = 10;
static unsigned long sim_max_nr;	/* 0: per scenario */

static unsigned long sim_samples(unsigned long us)
{
	return max(us / max(sim_sample_us, 1UL), 1UL);
}

/* kdamond_setup(), for a target of one address range. */
static int sim_setup(struct sim *s)
{
	struct damon_ctx *ctx = &s->ctx;
	unsigned int cap;

	INIT_LIST_HEAD(&ctx->adaptive_targets);
	INIT_LIST_HEAD(&ctx->probes);
	INIT_LIST_HEAD(&ctx->schemes);
	ctx->attrs.sample_interval = sim_sample_us;
	ctx->attrs.aggr_interval = sim_aggr_us;
	ctx->attrs.ops_update_interval = sim_ops_update_us;
	ctx->attrs.min_nr_regions = sim_min_nr;
	ctx->attrs.max_nr_regions = sim_max_nr ?: s->scn->max_nr ?: 1000;
	ctx->min_sz_region = DAMON_MIN_REGION;
	list_add_tail(&s->t.list, &ctx->adaptive_targets);
	s->range.start = SIM_BASE;
	s->range.end = SIM_BASE + s->scn->size;
	/* damon_va_setup_regions(): one range here */
	if (damon_set_regions(&s->t, &s->range, 1, ctx->min_sz_region))
		return -1;
	ctx->split_offset = 0;
	ctx->last_split_nr_regions = 0;
	damon_fit_nr_regions(ctx);
	ctx->passed_sample_intervals = 0;
	ctx->next_aggregation_sis = sim_samples(ctx->attrs.aggr_interval);
	ctx->next_ops_update_sis = sim_samples(ctx->attrs.ops_update_interval);

	cap = ctx->attrs.max_nr_regions + 16;
	if (s->pol->observe) {
		s->obs = calloc(cap, sizeof(*s->obs));
		s->nr_obs = calloc(cap, sizeof(*s->nr_obs));
		if (!s->obs || !s->nr_obs)
			return -1;
		s->obs_cap = cap;
	}
	if (s->pol->nr_buckets) {
		s->bk = calloc(cap, sizeof(*s->bk));
		if (!s->bk)
			return -1;
		s->obs_cap = cap;
	}
	return 0;
}

/*
 * One sampling interval: damon_va_start_sample() picks the page of every
 * region and makes it old; damon_va_finish_sample() finds it young if
 * the workload touched it meanwhile, which here happens with the page's
 * probability.
 */
static void sim_sample(struct sim *s)
{
	struct damon_region *r;
	unsigned int idx = 0;
	bool accessed;

	damon_for_each_region(r, &s->t)
		r->sampling_addr = s->pol->pick(s, r);
	damon_for_each_region(r, &s->t) {
		accessed = sim_check(s, r);
		s->nr_checks++;
		damon_update_region_access_rate(r, accessed);
		if (s->pol->observe)
			s->pol->observe(s, idx++, r, accessed);
	}
}

/* What the damon_aggregated tracepoint would show: precision and recall. */
static void sim_measure(struct sim *s)
{
	unsigned long found = 0, hit = 0;
	const struct sim_model *m = s->model;
	struct damon_region *r;
	unsigned int i = s->nr_aggrs++;

	damon_for_each_region(r, &s->t) {
		if (!r->nr_accesses)
			continue;
		found += damon_sz_region(r);
		hit += sim_hot_bytes(m, r->ar.start, r->ar.end);
	}
	s->prec[i] = found ? (double)hit / found : 0;
	s->rec[i] = m->hot_bytes ? (double)hit / m->hot_bytes : 1;
	s->nr_regions[i] = s->t.nr_regions;
}

/*
 * "b": a region with a proposed cut is not merged (its summary is used by
 * the split of the same aggregation, so the kernel keeps no cut address).
 * regions.c is not changed for the experiment: before the merge, such
 * regions get nr_accesses far from any neighbour's (alternating offsets,
 * so two of them never look alike), taken back after it.
 */
#define SIM_KEEP_OFF	BIT(20)

static void sim_keep_cut_regions(struct sim *s, bool on)
{
	unsigned int i = sim_hint_from(s, 0), k = 0;
	struct damon_region *r;

	damon_for_each_region(r, &s->t) {
		if (!on) {
			if (r->nr_accesses >= SIM_KEEP_OFF)
				r->nr_accesses &= SIM_KEEP_OFF - 1;
			continue;
		}
		while (i < s->nr_hints && s->hints[i].addr <= r->ar.start)
			i++;
		if (i < s->nr_hints && s->hints[i].addr < r->ar.end)
			r->nr_accesses += SIM_KEEP_OFF << (k++ & 1);
	}
}

/* kdamond_aggregate() with kdamond_refresh_regions() for a fixed range. */
static void sim_aggregate(struct sim *s)
{
	struct damon_ctx *ctx = &s->ctx;
	unsigned long thres = damon_aggregation_threshold(ctx);
	unsigned long now = ctx->passed_sample_intervals;

	damon_update_ages(ctx, thres);
	sim_measure(s);
	if (s->pol->prepare)
		s->pol->prepare(s);
	if (now >= ctx->next_ops_update_sis) {
		ctx->next_ops_update_sis = now +
			sim_samples(ctx->attrs.ops_update_interval);
		damon_set_regions(&s->t, &s->range, 1, ctx->min_sz_region);
		damon_split_to_min_nr_regions(ctx);
	}
	if (s->pol->keep)
		sim_keep_cut_regions(s, true);
	damon_merge_regions(ctx, thres);
	if (s->pol->keep)
		sim_keep_cut_regions(s, false);
	damon_reset_aggregated(ctx);
	s->pol->split(s);
	ctx->next_aggregation_sis = now + sim_samples(ctx->attrs.aggr_interval);
}

/* Whether the regions of @s tile the target within the limits. */
static bool sim_regions_sane(struct sim *s)
{
	unsigned long expect = s->range.start;
	struct damon_region *r;
	unsigned int nr = 0;

	damon_for_each_region(r, &s->t) {
		if (r->ar.start != expect || r->ar.end <= r->ar.start)
			return false;
		expect = r->ar.end;
		nr++;
	}
	return expect == s->range.end && nr == s->t.nr_regions &&
		nr <= s->ctx.attrs.max_nr_regions;
}

/**
 * struct sim_result - What a run found.
 * @p10:	Precision, mean of the aggregations of the second before 10 s.
 * @r10:	Recall, the same.
 * @p30:	Precision before the end of the run.
 * @r30:	Recall before the end of the run.
 * @reach:	Seconds from the last change of the hot set to the first
 *		aggregation with precision and recall >= 0.9; < 0: never.
 * @checks:	Access checks per simulated second.
 * @regions:	Mean number of regions over the last second.
 * @sane:	Whether the regions always tiled the target within limits.
 */
struct sim_result {
	double p10, r10, p30, r30, reach, checks, regions;
	bool sane;
};

static void sim_window(const struct sim *s, unsigned int end, double *p,
		       double *r, double *nr)
{
	unsigned int per_s = 1000000 / sim_aggr_us ?: 1, i, n = 0;
	unsigned int start = end > per_s ? end - per_s : 0;

	*p = *r = 0;
	if (nr)
		*nr = 0;
	for (i = start; i < end && i < s->nr_aggrs; i++, n++) {
		*p += s->prec[i];
		*r += s->rec[i];
		if (nr)
			*nr += s->nr_regions[i];
	}
	if (!n)
		return;
	*p /= n;
	*r /= n;
	if (nr)
		*nr /= n;
}

static void sim_free(struct sim *s)
{
	struct damon_region *r, *next;

	damon_for_each_region_safe(r, next, &s->t)
		damon_destroy_region(r, &s->t);
	sim_model_free(&s->models[0]);
	sim_model_free(&s->models[1]);
	free(s->obs);
	free(s->nr_obs);
	free(s->bk);
	free(s->hints);
	free(s->prec);
	free(s->rec);
	free(s->nr_regions);
}

/* Run @scn under @pol for @seconds of simulated time. */
static int sim_run(const struct sim_scenario *scn,
		   const struct sim_policy *pol, u64 seed, unsigned int seconds,
		   bool check, struct sim_result *res)
{
	unsigned long total = sim_samples(seconds * 1000000UL), change, i;
	unsigned long per_aggr = sim_samples(sim_aggr_us), change_aggr;
	struct sim s = { .scn = scn, .pol = pol };
	unsigned int n10;
	int err = -1;

	/* the same workload and the same cut points for every policy */
	damon_stub_seed_random(seed);
	prandom_seed_state(&sim_rnd, seed ^ 0x5eed);
	memset(res, 0, sizeof(*res));
	res->sane = true;
	INIT_LIST_HEAD(&s.t.regions_list);
	change = scn->shift ? total / 2 : 0;
	if (sim_model_build(&s.models[0], scn, 0) ||
	    sim_model_build(&s.models[1], scn, scn->shift))
		goto out;
	s.model = &s.models[0];
	s.prec = calloc(total / per_aggr + 2, sizeof(*s.prec));
	s.rec = calloc(total / per_aggr + 2, sizeof(*s.rec));
	s.nr_regions = calloc(total / per_aggr + 2, sizeof(*s.nr_regions));
	if (!s.prec || !s.rec || !s.nr_regions || sim_setup(&s))
		goto out;

	res->reach = -1;
	change_aggr = change / per_aggr;
	for (i = 0; i < total; i++) {
		if (change && i == change)
			s.model = &s.models[1];
		sim_sample(&s);
		s.ctx.passed_sample_intervals++;
		if (s.ctx.passed_sample_intervals < s.ctx.next_aggregation_sis)
			continue;
		sim_aggregate(&s);
		if (check && !sim_regions_sane(&s))
			res->sane = false;
		if (res->reach < 0 && s.nr_aggrs > change_aggr &&
		    s.prec[s.nr_aggrs - 1] >= 0.9 &&
		    s.rec[s.nr_aggrs - 1] >= 0.9)
			res->reach = (double)(s.nr_aggrs - change_aggr) *
				sim_aggr_us / 1000000;
	}
	n10 = min(s.nr_aggrs, (unsigned int)(10000000UL / sim_aggr_us));
	sim_window(&s, n10, &res->p10, &res->r10, NULL);
	sim_window(&s, s.nr_aggrs, &res->p30, &res->r30, &res->regions);
	res->checks = (double)s.nr_checks / seconds;
	err = 0;
out:
	sim_free(&s);
	return err;
}

/* ==================== Scenarios, table and tests ==================== */

/* @ch bytes hot in the middle of every @st bytes, with @mx regions */
#define SCATTER(sz, ch, st, mx) {					\
	.size = (sz), .shape = SIM_SCATTER, .chunk = (ch),		\
	.stride = (st), .offset = SIM_CENTRED, .max_nr = (mx) }

static const struct sim_scenario sim_scenarios[] = {
	/* the rows of issue 14's guest table: 10% hot in 2 MiB chunks */
	SCATTER(256 * MIB, 2 * MIB, 20 * MIB, 0),
	SCATTER(1 * GIB, 2 * MIB, 20 * MIB, 0),
	SCATTER(2560 * MIB, 2 * MIB, 20 * MIB, 0),
	SCATTER(64 * GIB, 2 * MIB, 20 * MIB, 0),
	SCATTER(1 * TIB, 2 * MIB, 20 * MIB, 0),
	/* 1% hot in 2 MiB chunks: the simulator target of issue 14 */
	SCATTER(256 * MIB, 2 * MIB, 200 * MIB, 0),
	SCATTER(1 * GIB, 2 * MIB, 200 * MIB, 0),
	SCATTER(2560 * MIB, 2 * MIB, 200 * MIB, 0),
	SCATTER(64 * GIB, 2 * MIB, 200 * MIB, 0),
	SCATTER(1 * TIB, 2 * MIB, 200 * MIB, 0),
	/* 10% hot in 64 KiB chunks: needs 3,277 regions */
	SCATTER(1 * GIB, 64 * KIB, 640 * KIB, 0),
	SCATTER(1 * GIB, 64 * KIB, 640 * KIB, 5000),
	{
		.name = "contiguous 10%", .size = 1 * GIB,
		.shape = SIM_CONTIG, .chunk = 100 * MIB, .offset = 300 * MIB,
	},
	{
		.name = "zipf 1 MiB chunks 10%", .size = 1 * GIB,
		.shape = SIM_ZIPF, .chunk = 1 * MIB, .stride = 10 * MIB,
	},
	{
		.name = "contiguous 10%, moves", .size = 1 * GIB,
		.shape = SIM_CONTIG, .chunk = 100 * MIB, .offset = 100 * MIB,
		.shift = 500 * MIB,
	},
	{
		.name = "2 MiB every 20 MiB, moves", .size = 1 * GIB,
		.shape = SIM_SCATTER, .chunk = 2 * MIB, .stride = 20 * MIB,
		.offset = 4 * MIB, .shift = 10 * MIB,
	},
};

/* "256M", "2.5G", "1T": a size for the table. */
static const char *sim_size_str(unsigned long sz, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	double v = sz / 1024.0;
	int u = 0;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, v == (long)v ? "%.0f %ciB" : "%.1f %ciB", v,
		 units[u]);
	return buf;
}

/* A scenario's shape with its sizes spelled out. */
static const char *sim_shape_str(const struct sim_scenario *scn, char *buf,
				 size_t len)
{
	char a[16], b[16];

	if (scn->shape != SIM_SCATTER || scn->shift)
		return scn->name;
	snprintf(buf, len, "%s every %s", sim_size_str(scn->chunk, a, 16),
		 sim_size_str(scn->stride, b, 16));
	return buf;
}

static bool sim_policy_wanted(const struct sim_policy *pol,
			      const char *list)
{
	size_t n = strlen(pol->name);
	const char *p = list;

	if (!list)
		return true;
	while ((p = strstr(p, pol->name))) {
		if ((p == list || p[-1] == ',') && (!p[n] || p[n] == ','))
			return true;
		p += n;
	}
	return false;
}

static void sim_print_row(const struct sim_scenario *scn, const char *shape,
			  const struct sim_policy *pol,
			  const struct sim_result *res)
{
	char size[16];

	printf("| %s | %s | %lu | %s ", sim_size_str(scn->size, size, 16),
	       shape, sim_max_nr ?: scn->max_nr ?: 1000, pol->name);
	printf("| %.2f / %.2f | %.2f / %.2f ", res->p10, res->r10, res->p30,
	       res->r30);
	if (res->reach < 0)
		printf("| never ");
	else
		printf("| %s%.1f s ", scn->shift ? "+" : "", res->reach);
	printf("| %.0f | %.0f |\n", res->checks, res->regions);
	fflush(stdout);
}

static int sim_table(u64 seed, unsigned int seconds, const char *filter,
		     const char *policies)
{
	char size[16], buf[64];
	const struct sim_scenario *scn;
	const char *shape;
	struct sim_result res;
	unsigned int i, j;

	printf("| size | hot set | max | policy | P / R 10 s | P / R %u s ",
	       seconds);
	printf("| P, R >= 0.9 at | checks/s | regions |\n");
	printf("|---|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < ARRAY_SIZE(sim_scenarios); i++) {
		scn = &sim_scenarios[i];
		shape = sim_shape_str(scn, buf, sizeof(buf));
		if (filter && !strstr(shape, filter) &&
		    !strstr(sim_size_str(scn->size, size, 16), filter))
			continue;
		for (j = 0; j < ARRAY_SIZE(sim_policies); j++) {
			if (!sim_policy_wanted(&sim_policies[j], policies))
				continue;
			if (sim_run(scn, &sim_policies[j], seed, seconds,
				    false, &res)) {
				fprintf(stderr, "out of memory\n");
				return 1;
			}
			sim_print_row(scn, shape, &sim_policies[j], &res);
		}
	}
	printf("\nseed %llu, sample %lu us, aggr %lu us, min %lu regions.\n",
	       (unsigned long long)seed, sim_sample_us, sim_aggr_us,
	       sim_min_nr);
	printf("P / R: bytes of the regions with nr_accesses > 0 against the hot set,\n");
	printf("mean of the aggregations of the second before; +: after the move.\n");
	return 0;
}

static unsigned int sim_nr_passed, sim_nr_failed;

static void sim_report(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		sim_nr_passed++;
	else
		sim_nr_failed++;
	printf("%s %u - ", ok ? "ok" : "not ok",
	       sim_nr_passed + sim_nr_failed);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* The interval arithmetic against counting pages, on small hot sets. */
static void sim_test_ground_truth(const struct sim_scenario *scn)
{
	unsigned long start, end, addr, want, got, npages;
	struct sim_model m;
	char buf[64];
	unsigned int i;
	bool ok = true;

	if (sim_model_build(&m, scn, 0)) {
		sim_report(false, "ground truth: out of memory");
		return;
	}
	npages = scn->size / PAGE_SIZE;
	for (i = 0; i < 200 && ok; i++) {
		start = sim_rand32() % npages;
		end = start + 1 + sim_rand32() % (npages - start);
		start = SIM_BASE + start * PAGE_SIZE;
		end = SIM_BASE + end * PAGE_SIZE;
		want = 0;
		for (addr = start; addr < end; addr += PAGE_SIZE)
			want += sim_page_p(&m, addr) ? PAGE_SIZE : 0;
		got = sim_hot_bytes(&m, start, end);
		ok = got == want;
	}
	if (ok)
		ok = sim_hot_bytes(&m, SIM_BASE, SIM_BASE + scn->size) ==
			m.hot_bytes;
	sim_report(ok, "ground truth of %s: hot bytes of random ranges%s",
		   sim_shape_str(scn, buf, sizeof(buf)),
		   ok ? "" : " differ from counting pages");
	sim_model_free(&m);
}

/**
 * struct sim_floor - A scenario with floors that today's policy meets.
 * @scn:	The scenario.
 * @seconds:	Simulated time.
 * @today:	Floors of precision and recall at the end, then the latest
 *		time to reach precision and recall >= 0.9 (0: any).
 * @cand:	The same three for the recommended candidate, SIM_CANDIDATE.
 */
struct sim_floor {
	struct sim_scenario scn;
	unsigned int seconds;
	double today[3];
	double cand[3];
};

/* The candidate /work/notes/s21/split-design.md recommends. */
#define SIM_CANDIDATE	"mask16sb"

/*
 * Over seeds 1 to 30, today's policy reached at least P / R 0.65 / 0.97
 * (256 MiB) and 0.62 / 0.98 (1 GiB) after 20 s, by 4.6 s at the latest
 * on 256 MiB, and 0.91 / 1.00 within 0.7 s on the contiguous sets; the
 * floors leave room below that (seeds 1 to 200 all meet them; the test
 * runs seed 42).  A hot set that is the whole target has
 * a precision of exactly 1 once anything is found.
 */
static const struct sim_floor sim_floors[] = {
	{
		SCATTER(256 * MIB, 2 * MIB, 20 * MIB, 0), 20, { 0.6, 0.95, 12 },
		{ 0.95, 0.95, 3 },
	},
	{
		SCATTER(1 * GIB, 2 * MIB, 20 * MIB, 0), 20, { 0.5, 0.95, 0 },
		{ 0.95, 0.95, 6 },
	},
	{
		{
			.name = "contiguous 10%", .size = 1 * GIB,
			.shape = SIM_CONTIG, .chunk = 100 * MIB,
			.offset = 300 * MIB,
		}, 10, { 0.85, 0.95, 2 }, { 0.95, 0.95, 2 },
	},
	{
		{
			.name = "contiguous 10%, moves", .size = 1 * GIB,
			.shape = SIM_CONTIG, .chunk = 100 * MIB,
			.offset = 100 * MIB, .shift = 500 * MIB,
		}, 20, { 0.8, 0.95, 2 }, { 0.95, 0.95, 2 },
	},
	{
		{
			.name = "all hot", .size = 256 * MIB,
			.shape = SIM_CONTIG, .chunk = 256 * MIB,
		}, 5, { 1.0, 0.99, 1 }, { 1.0, 0.99, 1 },
	},
};

/* @fl: the floors of precision and recall, then the latest reach. */
static void sim_check_floor(const char *name, const struct sim_policy *pol,
			    unsigned int seconds, const struct sim_result *res,
			    const double fl[3])
{
	bool ok = res->p30 >= fl[0] && res->r30 >= fl[1];

	sim_report(ok, "%s, %s: P / R %.2f / %.2f after %u s, floors %.2f / %.2f",
		   name, pol->name, res->p30, res->r30, seconds, fl[0],
		   fl[1]);
	if (!fl[2])
		return;
	ok = res->reach >= 0 && res->reach <= fl[2];
	sim_report(ok, "%s, %s: P, R >= 0.9 after %.1f s, at most %.0f s",
		   name, pol->name, res->reach, fl[2]);
}

/*
 * The pages of a region cut in sub-buckets: every page in exactly the
 * bucket whose bounds hold it, for sizes below, at and above the count.
 */
static void sim_test_buckets(void)
{
	static const unsigned long sizes[] = { 1, 2, 7, 8, 15, 16, 17, 100,
					       513, 4096 };
	unsigned int i, nb, b;
	unsigned long pg, n;
	bool ok = true;

	for (nb = 8; nb <= SIM_MAX_BUCKETS; nb *= 2) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			n = sizes[i];
			for (pg = 0; pg < n && ok; pg++) {
				b = sim_page_bucket(n, nb, pg);
				ok = b < nb && sim_bucket_page(n, nb, b) <= pg &&
					pg < sim_bucket_page(n, nb, b + 1);
			}
			ok = ok && sim_bucket_page(n, nb, 0) == 0 &&
				sim_bucket_page(n, nb, nb) == n;
		}
	}
	sim_report(ok, "sub-buckets: each page in the bucket that bounds it");
}

static void sim_test_floors(u64 seed)
{
	const struct sim_floor *f;
	const struct sim_policy *pol;
	char size[16], buf[64], name[96];
	struct sim_result res;
	unsigned long max_nr;
	unsigned int i, j;
	bool ok;

	for (i = 0; i < ARRAY_SIZE(sim_floors); i++) {
		f = &sim_floors[i];
		max_nr = f->scn.max_nr ?: 1000;
		snprintf(name, sizeof(name), "%s %s",
			 sim_size_str(f->scn.size, size, sizeof(size)),
			 sim_shape_str(&f->scn, buf, sizeof(buf)));
		for (j = 0; j < ARRAY_SIZE(sim_policies); j++) {
			pol = &sim_policies[j];
			if (sim_run(&f->scn, pol, seed, f->seconds, true,
				    &res)) {
				sim_report(false, "%s: out of memory",
					   name);
				continue;
			}
			sim_report(res.sane, "%s, %s: regions tile the target, at most %lu",
				   name, pol->name, max_nr);
			ok = res.checks >= sim_min_nr * 1000000.0 /
				sim_sample_us &&
				res.checks <= max_nr * 1000000.0 / sim_sample_us;
			sim_report(ok, "%s, %s: %.0f checks/s, one per region and sample",
				   name, pol->name, res.checks);
			/* the floors are today's and the candidate's */
			if (!strcmp(pol->name, "today"))
				sim_check_floor(name, pol, f->seconds, &res,
						f->today);
			else if (!strcmp(pol->name, SIM_CANDIDATE))
				sim_check_floor(name, pol, f->seconds, &res,
						f->cand);
		}
	}
}

static int sim_test(u64 seed)
{
	const struct sim_scenario small[] = {
		SCATTER(64 * MIB, 64 * KIB, 640 * KIB, 0),
		{
			.name = "zipf", .size = 64 * MIB, .shape = SIM_ZIPF,
			.chunk = 1 * MIB, .stride = 8 * MIB,
		},
		{
			.name = "contiguous", .size = 64 * MIB,
			.shape = SIM_CONTIG, .chunk = 5 * MIB,
			.offset = 7 * MIB,
		},
	};
	unsigned int i;

	prandom_seed_state(&sim_rnd, seed);
	for (i = 0; i < ARRAY_SIZE(small); i++)
		sim_test_ground_truth(&small[i]);
	sim_test_buckets();
	sim_test_floors(seed);
	printf("sim: %u passed, %u failed\n", sim_nr_passed, sim_nr_failed);
	return sim_nr_failed ? 1 : 0;
}

/* A probability in [0, 1] into @p, in 1 / SIM_P_ONE. */
static int sim_parse_p(const char *arg, u64 *p)
{
	char *end;
	double v = strtod(arg, &end);

	if (*end || !(v >= 0 && v <= 1)) {
		fprintf(stderr, "bad probability %s\n", arg);
		return -1;
	}
	*p = v * SIM_P_ONE;
	return 0;
}

int main(int argc, char *argv[])
{
	const char *filter = NULL, *policies = NULL;
	unsigned int seconds = 30;
	bool test = false;
	u64 seed = 42;
	int opt;

	while ((opt = getopt(argc, argv, "ts:d:m:f:p:a:c:S:A:")) != -1) {
		switch (opt) {
		case 'a':
			if (sim_parse_p(optarg, &sim_p_hot))
				return 2;
			break;
		case 'c':
			if (sim_parse_p(optarg, &sim_p_cold))
				return 2;
			break;
		case 't':
			test = true;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'd':
			seconds = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			sim_max_nr = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			sim_sample_us = strtoul(optarg, NULL, 0);
			break;
		case 'A':
			sim_aggr_us = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			filter = optarg;
			break;
		case 'p':
			policies = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-t] [-s SEED] [-d SECONDS] [-m MAX_NR_REGIONS] [-f FILTER] [-p POLICY,...] [-a P_HOT] [-c P_COLD] [-S SAMPLE_US] [-A AGGR_US]\n",
				argv[0]);
			return 2;
		}
	}
	if (seconds < 1 || (sim_max_nr && sim_max_nr < sim_min_nr) ||
	    !sim_sample_us || sim_aggr_us < sim_sample_us ||
	    sim_aggr_us > 1000000) {
		fprintf(stderr, "bad -d, -m, -S or -A\n");
		return 2;
	}
	damon_regions_init();
	if (test)
		return sim_test(seed);
	return sim_table(seed, seconds, filter, policies);
}

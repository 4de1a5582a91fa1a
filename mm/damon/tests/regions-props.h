/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Randomized property checks of the DAMON region arithmetic.
 *
 * Shared by the damon-regions and damon-intervals KUnit suites and by the
 * user-space runner in tools/testing/damon, which builds regions.c and
 * intervals.c with ASan and UBSan, so that both check the same invariants
 * with the same code.
 *
 * A run sets up a context of one to three targets, each covering up to
 * five random address ranges, and applies random steps to it: fitting a
 * target to new ranges, cutting regions, merging them, rescaling them to
 * new attributes, the initial split, and whole aggregation intervals with
 * random accesses.  After every step the invariants of the region lists
 * are checked:
 *
 *  - regions are sorted, do not overlap, and are aligned to min_sz_region
 *    (hence at least that big);
 *  - t->nr_regions is the length of the list;
 *  - the regions of a target cover exactly its ranges widened to
 *    min_sz_region, so splitting and merging preserve the covered size;
 *  - nr_accesses and the probe hits stay within what the attributes allow;
 *  - regions made from old ones carry the counters they must carry, probe
 *    hits included;
 *  - ages restart or go on by the score of the context's mode: nr_accesses
 *    normally, the weighted probe hit sum in attributes-only mode;
 *  - after an aggregation a context has at most max_nr_regions regions;
 *  - after the initial split every target big enough has at least
 *    min_nr_regions regions;
 *  - the self-check of regions.c, damon_validate_regions(), finds nothing
 *    broken (with the counters at every step, the sampling addresses
 *    after the samples and the number of regions after an aggregation).
 *
 * The choices of the test come from a prandom state seeded with a seed
 * that failure messages print.  The cut points regions.c picks itself come
 * from get_random_u32_below(), which the user-space stub seeds too.
 *
 * Contexts and targets are embedded in &struct damon_props and set up
 * here rather than with the allocators of core.c, which the user-space
 * build lacks.  The includer allocates a zeroed &struct damon_props.
 */

#ifndef _DAMON_TESTS_REGIONS_PROPS_H
#define _DAMON_TESTS_REGIONS_PROPS_H

#include <linux/align.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sprintf.h>
#include <linux/stdarg.h>
#include <linux/string.h>

#include "../regions.h"

#define DAMON_PROPS_MAX_TARGETS		3
#define DAMON_PROPS_MAX_RANGES		5
/* Address span of a target, in min_sz_region units. */
#define DAMON_PROPS_SPAN		1024
/* Random cuts skip targets that have more regions than this. */
#define DAMON_PROPS_SPLIT_LIMIT		256
/* Random steps per run. */
#define DAMON_PROPS_STEPS		40
/* Highest number of samples per aggregation interval used. */
#define DAMON_PROPS_MAX_SAMPLES		20
/* Seed used unless a runner is told otherwise. */
#define DAMON_PROPS_SEED		20251122ULL

/* A region as it was before a step. */
struct damon_props_snap {
	struct damon_addr_range ar;
	unsigned int nr_accesses;
	unsigned int age;
	unsigned int last_nr_accesses;
	u8 hits[DAMON_MAX_PROBES];
	u8 last_hits[DAMON_MAX_PROBES];
};

/**
 * struct damon_props_target - A target of a run and what it should hold.
 * @t:		The target.
 * @ranges:	The ranges @t was last fitted to.
 * @nr_ranges:	Number of @ranges.
 * @base:	Start of the span of @t, aligned to any min_sz_region used.
 * @covered:	@covered[i] is the number of min_sz_region units of the span
 *		before unit i that @ranges touch.
 * @hot:	Per unit, the percentage of samples that find it accessed.
 * @snap:	The regions of @t before the current step.
 * @nr_snap:	Number of @snap entries.
 */
struct damon_props_target {
	struct damon_target t;
	struct damon_addr_range ranges[DAMON_PROPS_MAX_RANGES];
	unsigned int nr_ranges;
	unsigned long base;
	unsigned short covered[DAMON_PROPS_SPAN + 1];
	unsigned char hot[DAMON_PROPS_SPAN];
	struct damon_props_snap snap[DAMON_PROPS_SPAN];
	unsigned int nr_snap;
};

/**
 * struct damon_props - State of the randomized region checks.
 * @rnd:	Source of the choices of the test.
 * @seed:	Seed of @rnd.
 * @run:	Number of the current run.
 * @step:	Number of the current step of the run.
 * @op:		Name of the function the current step checks.
 * @ctx:	The context.  Only its attributes, min_sz_region, split
 *		state, target list and probe list are used.
 * @probes:	The probes of @ctx; only their weights are used.
 * @nr_probes:	Number of @probes in use.
 * @targets:	The targets of @ctx.
 * @nr_targets:	Number of @targets in use.
 * @nr_steps:	Number of steps checked so far, over all runs.
 * @nr_attrs_only:	Aggregations checked in attributes-only mode.
 * @nr_some_splits:	Aggregations that split only some regions.
 * @msg:	Why the last check failed.
 */
struct damon_props {
	struct rnd_state rnd;
	u64 seed;
	unsigned long run;
	unsigned int step;
	const char *op;
	struct damon_ctx ctx;
	struct damon_probe probes[DAMON_MAX_PROBES];
	unsigned int nr_probes;
	struct damon_props_target targets[DAMON_PROPS_MAX_TARGETS];
	unsigned int nr_targets;
	unsigned long nr_steps;
	unsigned long nr_attrs_only;
	unsigned long nr_some_splits;
	char msg[256];
};

static inline __printf(2, 3) bool damon_props_fail(struct damon_props *p,
						   const char *fmt, ...)
{
	va_list args;
	int len;

	len = snprintf(p->msg, sizeof(p->msg),
		       "seed %llu run %lu step %u %s: ",
		       (unsigned long long)p->seed, p->run, p->step, p->op);
	if (len < 0 || len >= (int)sizeof(p->msg))
		return false;
	va_start(args, fmt);
	vsnprintf(p->msg + len, sizeof(p->msg) - len, fmt, args);
	va_end(args);
	return false;
}

/* A number in [@lo, @hi]; the span must fit in 32 bits. */
static inline unsigned long damon_props_rand(struct damon_props *p,
					     unsigned long lo,
					     unsigned long hi)
{
	return lo + prandom_u32_state(&p->rnd) % (u32)(hi - lo + 1);
}

static inline bool damon_props_chance(struct damon_props *p,
				      unsigned int percent)
{
	return prandom_u32_state(&p->rnd) % 100 < percent;
}

static inline unsigned long damon_props_unit(struct damon_props *p)
{
	return p->ctx.min_sz_region;
}

/* ==================== Set-up ==================== */

/* Up to @max_units units, sometimes not a whole number of them. */
static inline unsigned long damon_props_len(struct damon_props *p,
					    unsigned long min_units,
				     unsigned long max_units)
{
	unsigned long unit = damon_props_unit(p);
	unsigned long len = damon_props_rand(p, min_units, max_units) * unit;
	unsigned long cut;

	if (len < 2 || !damon_props_chance(p, 30))
		return len;
	/* one byte short or over a unit, or anything between */
	cut = min(len, unit) - 1;
	switch (damon_props_rand(p, 0, 2)) {
	case 0:
		return len - 1;
	case 1:
		return len - cut;
	default:
		return len - damon_props_rand(p, 1, cut);
	}
}

/* New random ranges for @pt, and which units of its span they touch. */
static inline void damon_props_new_ranges(struct damon_props *p,
					  struct damon_props_target *pt)
{
	unsigned long unit = damon_props_unit(p);
	unsigned long span = DAMON_PROPS_SPAN * unit;
	unsigned long cursor = damon_props_len(p, 0, 48);
	unsigned long start, end, u;
	unsigned int i, nr = damon_props_rand(p, 1, DAMON_PROPS_MAX_RANGES);

	memset(pt->covered, 0, sizeof(pt->covered));
	for (i = 0; i < nr; i++) {
		start = cursor;
		/* sometimes touching the previous range */
		if (i && !damon_props_chance(p, 20))
			start += damon_props_len(p, 0, 48);
		end = start + damon_props_len(p, 1, 128);
		if (end > span)
			break;
		pt->ranges[i].start = pt->base + start;
		pt->ranges[i].end = pt->base + end;
		for (u = start / unit; u <= (end - 1) / unit; u++)
			pt->covered[u + 1] = 1;
		cursor = end;
	}
	pt->nr_ranges = i;
	for (u = 1; u <= DAMON_PROPS_SPAN; u++)
		pt->covered[u] += pt->covered[u - 1];
}

/* Blocks of units with a random access probability each. */
static inline void damon_props_new_hotness(struct damon_props *p,
					   struct damon_props_target *pt)
{
	static const unsigned char percents[] = { 0, 0, 5, 50, 95, 100, 100 };
	unsigned int u = 0, len, percent;

	while (u < DAMON_PROPS_SPAN) {
		len = min_t(unsigned int, damon_props_rand(p, 1, 96),
			    DAMON_PROPS_SPAN - u);
		percent = percents[damon_props_rand(p, 0,
						    ARRAY_SIZE(percents) - 1)];
		memset(&pt->hot[u], percent, len);
		u += len;
	}
}

/* Random intervals: 1 to DAMON_PROPS_MAX_SAMPLES samples per aggregation. */
static inline void damon_props_new_intervals(struct damon_props *p,
					     struct damon_attrs *attrs)
{
	attrs->sample_interval = 1000 * damon_props_rand(p, 1, 10);
	attrs->aggr_interval = attrs->sample_interval *
		damon_props_rand(p, 1, DAMON_PROPS_MAX_SAMPLES);
	attrs->ops_update_interval = attrs->aggr_interval;
}

/* Up to DAMON_MAX_PROBES probes, weighted in about half of the runs. */
static inline void damon_props_new_probes(struct damon_props *p)
{
	bool weighted = damon_props_chance(p, 50);
	unsigned int i;

	INIT_LIST_HEAD(&p->ctx.probes);
	p->nr_probes = damon_props_rand(p, 0, DAMON_MAX_PROBES);
	for (i = 0; i < p->nr_probes; i++) {
		p->probes[i].weight = weighted ? damon_props_rand(p, 0, 100) :
			0;
		list_add_tail(&p->probes[i].list, &p->ctx.probes);
	}
}

/**
 * damon_props_init() - Prepare a &struct damon_props for a series of runs.
 * @p:		The state: zeroed, or emptied by damon_props_cleanup().
 * @seed:	Seed of the choices of the test.
 */
static inline void damon_props_init(struct damon_props *p, u64 seed)
{
	p->seed = seed;
	prandom_seed_state(&p->rnd, seed);
	INIT_LIST_HEAD(&p->ctx.adaptive_targets);
	INIT_LIST_HEAD(&p->ctx.probes);
	p->nr_probes = 0;
	p->run = 0;
	p->step = 0;
	p->nr_steps = 0;
	p->nr_attrs_only = 0;
	p->nr_some_splits = 0;
	p->op = "init";
}

/**
 * damon_props_cleanup() - Free the regions of the current run.
 * @p:	The state.
 */
static inline void damon_props_cleanup(struct damon_props *p)
{
	struct damon_region *r, *next;
	unsigned int i;

	for (i = 0; i < p->nr_targets; i++) {
		damon_for_each_region_safe(r, next, &p->targets[i].t)
			damon_destroy_region(r, &p->targets[i].t);
	}
	p->nr_targets = 0;
	INIT_LIST_HEAD(&p->ctx.adaptive_targets);
}

/* ==================== Checks ==================== */

static inline void damon_props_snapshot(struct damon_props *p)
{
	struct damon_props_target *pt;
	struct damon_props_snap *s;
	struct damon_region *r;
	unsigned int i;

	for (i = 0; i < p->nr_targets; i++) {
		pt = &p->targets[i];
		pt->nr_snap = 0;
		damon_for_each_region(r, &pt->t) {
			if (pt->nr_snap == DAMON_PROPS_SPAN)
				break;
			s = &pt->snap[pt->nr_snap++];
			s->ar = r->ar;
			s->nr_accesses = r->nr_accesses;
			s->age = r->age;
			s->last_nr_accesses = r->last_nr_accesses;
			memcpy(s->hits, r->probe_hits, sizeof(s->hits));
			memcpy(s->last_hits, r->last_probe_hits,
			       sizeof(s->last_hits));
		}
	}
}

static inline bool damon_props_same_counters(const struct damon_region *r,
					     const struct damon_props_snap *s)
{
	return r->nr_accesses == s->nr_accesses &&
		r->age == s->age &&
		r->last_nr_accesses == s->last_nr_accesses &&
		!memcmp(r->probe_hits, s->hits, sizeof(s->hits)) &&
		!memcmp(r->last_probe_hits, s->last_hits,
			sizeof(s->last_hits));
}

/* Whether no hit count of @hits exceeds @max_nr samples. */
static inline bool damon_props_hits_within(const u8 *hits, unsigned int max_nr)
{
	unsigned int i;

	for (i = 0; i < DAMON_MAX_PROBES; i++) {
		if (hits[i] > max_nr)
			return false;
	}
	return true;
}

/*
 * The invariants of the regions of one target; if not @exact, only that
 * the list is consistent, not that it covers the ranges of @pt.
 */
static inline bool damon_props_check_target(struct damon_props *p,
					    struct damon_props_target *pt,
					    unsigned int idx, bool exact)
{
	unsigned long unit = damon_props_unit(p);
	unsigned long span_end = pt->base + DAMON_PROPS_SPAN * unit;
	unsigned int max_nr = damon_max_nr_accesses(&p->ctx.attrs);
	unsigned long first, last, units = 0, prev_end = 0;
	struct damon_region *r;
	unsigned int nr = 0;

	damon_for_each_region(r, &pt->t) {
		if (nr++ == DAMON_PROPS_SPAN)
			return damon_props_fail(p, "target %u: list too long",
						idx);
		if (r->ar.start >= r->ar.end)
			return damon_props_fail(p,
				"target %u: empty region [%lx, %lx)",
				idx, r->ar.start, r->ar.end);
		if (!IS_ALIGNED(r->ar.start, unit) ||
		    !IS_ALIGNED(r->ar.end, unit))
			return damon_props_fail(p,
				"target %u: region [%lx, %lx) not aligned to %lx",
				idx, r->ar.start, r->ar.end, unit);
		if (nr > 1 && r->ar.start < prev_end)
			return damon_props_fail(p,
				"target %u: region [%lx, %lx) starts before the end %lx of the previous one",
				idx, r->ar.start, r->ar.end, prev_end);
		prev_end = r->ar.end;
		if (!exact)
			continue;
		if (r->ar.start < pt->base || r->ar.end > span_end)
			return damon_props_fail(p,
				"target %u: region [%lx, %lx) outside the span",
				idx, r->ar.start, r->ar.end);
		first = (r->ar.start - pt->base) / unit;
		last = (r->ar.end - pt->base) / unit;
		if (pt->covered[last] - pt->covered[first] != last - first)
			return damon_props_fail(p,
				"target %u: region [%lx, %lx) outside the ranges",
				idx, r->ar.start, r->ar.end);
		if (r->nr_accesses > max_nr ||
		    !damon_props_hits_within(r->probe_hits, max_nr) ||
		    !damon_props_hits_within(r->last_probe_hits, max_nr))
			return damon_props_fail(p,
				"target %u: region [%lx, %lx) has nr_accesses %u or probe hits over %u samples",
				idx, r->ar.start, r->ar.end, r->nr_accesses,
				max_nr);
		units += last - first;
	}
	if (nr != pt->t.nr_regions)
		return damon_props_fail(p, "target %u: nr_regions %u, list %u",
					idx, pt->t.nr_regions, nr);
	if (exact && units != pt->covered[DAMON_PROPS_SPAN])
		return damon_props_fail(p,
			"target %u: regions cover %lu units, ranges %u",
			idx, units, pt->covered[DAMON_PROPS_SPAN]);
	return true;
}

/*
 * The self-check of regions.c finds nothing broken, with @flags: it must
 * agree with the checks here on every state they accept, so that a bug
 * they catch is caught by it first.
 */
static inline bool damon_props_validate(struct damon_props *p,
					unsigned int flags)
{
	int nr = damon_validate_regions(&p->ctx, flags);

	if (nr)
		return damon_props_fail(p,
			"damon_validate_regions(%#x) found %d broken invariants",
			flags, nr);
	return true;
}

static inline bool damon_props_check_targets(struct damon_props *p,
					     bool exact)
{
	unsigned int i;

	/* the counters stay within the attributes at every step */
	if (!damon_props_validate(p, DAMON_VALIDATE_COUNTERS))
		return false;
	for (i = 0; i < p->nr_targets; i++) {
		if (!damon_props_check_target(p, &p->targets[i], i, exact))
			return false;
	}
	return true;
}

static inline bool damon_props_check_all(struct damon_props *p)
{
	return damon_props_check_targets(p, true);
}

/* Index of the first old region of @pt, from @i on, ending after @r starts. */
static inline unsigned int damon_props_old_idx(struct damon_props_target *pt,
					       unsigned int i,
					       const struct damon_region *r)
{
	while (i < pt->nr_snap && pt->snap[i].ar.end <= r->ar.start)
		i++;
	return i;
}

/*
 * Every region of @pt lies inside one region of the snapshot and, if
 * @counters, carries its counters: what cutting regions must ensure.
 */
static inline bool damon_props_check_split(struct damon_props *p,
					   struct damon_props_target *pt,
					   bool counters)
{
	const struct damon_props_snap *old;
	struct damon_region *r;
	unsigned int i = 0;

	damon_for_each_region(r, &pt->t) {
		i = damon_props_old_idx(pt, i, r);
		old = i < pt->nr_snap ? &pt->snap[i] : NULL;
		if (!old || old->ar.start > r->ar.start ||
		    old->ar.end < r->ar.end)
			return damon_props_fail(p,
				"region [%lx, %lx) is not part of an old region",
				r->ar.start, r->ar.end);
		if (counters && !damon_props_same_counters(r, old))
			return damon_props_fail(p,
				"region [%lx, %lx) has %u/%u/%u, its old region %u/%u/%u (nr_accesses/age/last), or other probe hits",
				r->ar.start, r->ar.end, r->nr_accesses,
				r->age, r->last_nr_accesses,
				old->nr_accesses, old->age,
				old->last_nr_accesses);
	}
	return true;
}

static inline bool damon_props_between(unsigned int v, unsigned int lo,
				       unsigned int hi)
{
	return lo <= v && v <= hi;
}

/* Whether each of @hits lies within those of @olds[0..@nr), or @last ones. */
static inline bool damon_props_hits_between(const u8 *hits,
					    const struct damon_props_snap *olds,
					    unsigned int nr, bool last)
{
	unsigned int i, j;
	u8 lo, hi, v;

	for (i = 0; i < DAMON_MAX_PROBES; i++) {
		lo = U8_MAX;
		hi = 0;
		for (j = 0; j < nr; j++) {
			v = last ? olds[j].last_hits[i] : olds[j].hits[i];
			lo = min(lo, v);
			hi = max(hi, v);
		}
		if (hits[i] < lo || hits[i] > hi)
			return false;
	}
	return true;
}

/* Whether the counters of @r lie within those of @olds[0..@nr). */
static inline bool
damon_props_counters_within(const struct damon_region *r,
			    const struct damon_props_snap *olds,
			    unsigned int nr)
{
	struct damon_props_snap lo = olds[0], hi = olds[0];
	unsigned int i;

	for (i = 1; i < nr; i++) {
		lo.nr_accesses = min(lo.nr_accesses, olds[i].nr_accesses);
		hi.nr_accesses = max(hi.nr_accesses, olds[i].nr_accesses);
		lo.age = min(lo.age, olds[i].age);
		hi.age = max(hi.age, olds[i].age);
		lo.last_nr_accesses = min(lo.last_nr_accesses,
					  olds[i].last_nr_accesses);
		hi.last_nr_accesses = max(hi.last_nr_accesses,
					  olds[i].last_nr_accesses);
	}
	return damon_props_between(r->nr_accesses, lo.nr_accesses,
				   hi.nr_accesses) &&
		damon_props_between(r->age, lo.age, hi.age) &&
		damon_props_between(r->last_nr_accesses, lo.last_nr_accesses,
				    hi.last_nr_accesses) &&
		damon_props_hits_between(r->probe_hits, olds, nr, false) &&
		damon_props_hits_between(r->last_probe_hits, olds, nr, true);
}

/*
 * Every region of @pt is the union of consecutive, touching old regions,
 * no bigger than @sz_limit when made of more than one, with counters
 * between theirs: what merging must ensure.
 */
static inline bool damon_props_check_merge(struct damon_props *p,
					   struct damon_props_target *pt,
				    unsigned long sz_limit)
{
	const struct damon_props_snap *old = pt->snap;
	struct damon_region *r;
	unsigned int i = 0, first;
	unsigned long end;

	damon_for_each_region(r, &pt->t) {
		first = i;
		end = r->ar.start;
		while (i < pt->nr_snap && old[i].ar.start == end &&
		       old[i].ar.end <= r->ar.end)
			end = old[i++].ar.end;
		if (i == first || end != r->ar.end)
			return damon_props_fail(p,
				"region [%lx, %lx) is not a union of old regions",
				r->ar.start, r->ar.end);
		if (i - first > 1 && damon_sz_region(r) > sz_limit)
			return damon_props_fail(p,
				"merged region [%lx, %lx) is bigger than %lx",
				r->ar.start, r->ar.end, sz_limit);
		if (!damon_props_counters_within(r, &old[first], i - first))
			return damon_props_fail(p,
				"merged region [%lx, %lx) has counters out of those of its %u parts",
				r->ar.start, r->ar.end, i - first);
	}
	return true;
}

/*
 * A region of @pt that overlaps an old region lies inside it and carries
 * its counters; any other one is new and has zero counters: what fitting
 * regions to new ranges must ensure.
 */
static inline bool damon_props_check_refit(struct damon_props *p,
					   struct damon_props_target *pt)
{
	const struct damon_props_snap *old;
	struct damon_region *r;
	unsigned int i = 0;

	damon_for_each_region(r, &pt->t) {
		i = damon_props_old_idx(pt, i, r);
		old = i < pt->nr_snap ? &pt->snap[i] : NULL;
		if (old && old->ar.start < r->ar.end) {
			if (old->ar.start > r->ar.start ||
			    old->ar.end < r->ar.end ||
			    !damon_props_same_counters(r, old))
				return damon_props_fail(p,
					"region [%lx, %lx) overlaps old region [%lx, %lx) but is not a part of it with its counters",
					r->ar.start, r->ar.end,
					old->ar.start, old->ar.end);
		} else if (r->nr_accesses || r->age || r->last_nr_accesses ||
			   !damon_props_hits_within(r->probe_hits, 0) ||
			   !damon_props_hits_within(r->last_probe_hits, 0)) {
			return damon_props_fail(p,
				"new region [%lx, %lx) has non-zero counters",
				r->ar.start, r->ar.end);
		}
	}
	return true;
}

/* ==================== Steps ==================== */

static inline struct damon_props_target *
damon_props_any_target(struct damon_props *p)
{
	return &p->targets[damon_props_rand(p, 0, p->nr_targets - 1)];
}

/* Fit the regions of @pt to its ranges. */
static inline bool damon_props_set(struct damon_props *p,
				   struct damon_props_target *pt)
{
	unsigned long unit = damon_props_unit(p);
	int err;

	p->op = "damon_set_regions";
	damon_props_snapshot(p);
	err = damon_set_regions(&pt->t, pt->ranges, pt->nr_ranges, unit);
	if (err)
		return damon_props_fail(p, "failed: %d", err);
	return damon_props_check_refit(p, pt) && damon_props_check_all(p);
}

/* Invalid ranges are rejected, leaving the regions alone. */
static inline bool damon_props_set_invalid(struct damon_props *p,
					   struct damon_props_target *pt)
{
	struct damon_addr_range bad[DAMON_PROPS_MAX_RANGES + 1];
	unsigned int nr = pt->nr_ranges, i;
	int err;

	p->op = "damon_set_regions (invalid)";
	memcpy(bad, pt->ranges, sizeof(bad[0]) * nr);
	i = damon_props_rand(p, 0, nr - 1);
	switch (damon_props_rand(p, 0, 2)) {
	case 0:		/* empty, or even inverted */
		if (damon_props_chance(p, 50))
			bad[i].end = bad[i].start;
		else
			bad[i].start = bad[i].end + 1;
		break;
	case 1:		/* overlapping the last one by a byte */
		bad[nr].start = bad[nr - 1].end - 1;
		bad[nr].end = bad[nr - 1].end + damon_props_unit(p);
		nr++;
		break;
	default:	/* unsorted */
		bad[nr++] = bad[i];
		break;
	}
	damon_props_snapshot(p);
	err = damon_set_regions(&pt->t, bad, nr, damon_props_unit(p));
	if (err != -EINVAL)
		return damon_props_fail(p, "returned %d, not -EINVAL", err);
	if (pt->t.nr_regions != pt->nr_snap)
		return damon_props_fail(p, "changed the number of regions");
	return damon_props_check_split(p, pt, true);
}

static inline bool damon_props_refit(struct damon_props *p)
{
	struct damon_props_target *pt = damon_props_any_target(p);

	if (damon_props_chance(p, 20))
		return damon_props_set_invalid(p, pt);
	damon_props_new_ranges(p, pt);
	return damon_props_set(p, pt);
}

static inline bool damon_props_split_at(struct damon_props *p)
{
	struct damon_props_target *pt = damon_props_any_target(p);
	unsigned long unit = damon_props_unit(p);
	unsigned int nr_big = 0, pick;
	struct damon_region *r;
	unsigned long left;
	int err;

	p->op = "damon_split_region_at";
	damon_for_each_region(r, &pt->t)
		nr_big += damon_sz_region(r) >= 2 * unit;
	if (!nr_big)
		return true;
	pick = damon_props_rand(p, 0, nr_big - 1);
	damon_for_each_region(r, &pt->t) {
		if (damon_sz_region(r) >= 2 * unit && !pick--)
			break;
	}
	left = damon_props_rand(p, 1, damon_sz_region(r) / unit - 1) * unit;
	damon_props_snapshot(p);
	err = damon_split_region_at(&pt->t, r, left);
	if (err)
		return damon_props_fail(p, "failed: %d", err);
	if (damon_sz_region(r) != left || pt->t.nr_regions != pt->nr_snap + 1)
		return damon_props_fail(p, "did not cut %lx off [%lx, %lx)",
					left, r->ar.start, r->ar.end);
	return damon_props_check_split(p, pt, true) &&
		damon_props_check_all(p);
}

static inline bool damon_props_split_of(struct damon_props *p)
{
	struct damon_props_target *pt = damon_props_any_target(p);
	unsigned long unit = damon_props_unit(p);
	unsigned int nr_subs = damon_props_rand(p, 0, 4);
	unsigned int nr_big = 0, lo, hi;
	struct damon_region *r;

	p->op = "damon_split_regions_of";
	if (pt->t.nr_regions > DAMON_PROPS_SPLIT_LIMIT)
		return true;
	damon_for_each_region(r, &pt->t)
		nr_big += damon_sz_region(r) >= 2 * unit;
	damon_props_snapshot(p);
	damon_split_regions_of(&pt->t, nr_subs, unit);
	/* regions of two units or more are cut at least once */
	lo = pt->nr_snap + (nr_subs > 1 ? nr_big : 0);
	hi = pt->nr_snap + (nr_subs > 1 ? nr_big * (nr_subs - 1) : 0);
	if (pt->t.nr_regions < lo || pt->t.nr_regions > hi)
		return damon_props_fail(p,
			"%u regions (%u of 2+ units) into %u pieces made %u",
			pt->nr_snap, nr_big, nr_subs, pt->t.nr_regions);
	return damon_props_check_split(p, pt, true) &&
		damon_props_check_all(p);
}

/* Random counters, equal in runs of regions so that some can merge. */
static inline void damon_props_random_counters(struct damon_props *p,
					       struct damon_props_target *pt)
{
	unsigned int max_nr = damon_max_nr_accesses(&p->ctx.attrs);
	struct damon_region *r, *prev = NULL;
	unsigned int i;

	damon_for_each_region(r, &pt->t) {
		if (prev && damon_props_chance(p, 50)) {
			r->nr_accesses = prev->nr_accesses;
			memcpy(r->probe_hits, prev->probe_hits,
			       sizeof(r->probe_hits));
		} else {
			r->nr_accesses = damon_props_rand(p, 0, max_nr);
			for (i = 0; i < DAMON_MAX_PROBES; i++)
				r->probe_hits[i] = damon_props_rand(p, 0,
								    max_nr);
		}
		r->age = damon_props_rand(p, 0, 1000);
		r->last_nr_accesses = damon_props_rand(p, 0, max_nr);
		for (i = 0; i < DAMON_MAX_PROBES; i++)
			r->last_probe_hits[i] = damon_props_rand(p, 0, max_nr);
		prev = r;
	}
}

static inline bool damon_props_merge_of(struct damon_props *p)
{
	struct damon_props_target *pt = damon_props_any_target(p);
	unsigned int max_nr = damon_max_nr_accesses(&p->ctx.attrs);
	unsigned long units = pt->covered[DAMON_PROPS_SPAN];
	unsigned long sz_limit;
	unsigned int thres;

	p->op = "damon_merge_regions_of";
	damon_props_random_counters(p, pt);
	thres = damon_props_rand(p, 0, max_nr);
	sz_limit = damon_props_rand(p, 1, units) * damon_props_unit(p);
	damon_props_snapshot(p);
	damon_merge_regions_of(&pt->t, thres, sz_limit);
	if (pt->t.nr_regions > pt->nr_snap)
		return damon_props_fail(p, "more regions than before");
	return damon_props_check_merge(p, pt, sz_limit) &&
		damon_props_check_all(p);
}

/* What damon_merge_regions() may merge a region of @pt up to. */
static inline unsigned long damon_props_sz_limit(struct damon_props *p,
						 struct damon_props_target *pt)
{
	unsigned long unit = damon_props_unit(p);
	unsigned long sz = pt->covered[DAMON_PROPS_SPAN] * unit;

	return max(sz / p->ctx.attrs.min_nr_regions, unit);
}

/* Whether any probe has a weight: the mode damon_attrs_only() tells. */
static inline bool damon_props_attrs_only(struct damon_props *p)
{
	unsigned int i;

	for (i = 0; i < p->nr_probes; i++) {
		if (p->probes[i].weight)
			return true;
	}
	return false;
}

/* The weighted sum of @hits, counted here rather than by regions.c. */
static inline unsigned long damon_props_wsum(struct damon_props *p,
					     const u8 *hits)
{
	unsigned long sum = 0;
	unsigned int i;

	for (i = 0; i < p->nr_probes; i++)
		sum += (unsigned long)p->probes[i].weight * hits[i];
	return sum;
}

/* The highest count of @r that one more sample could raise. */
static inline unsigned int damon_props_highest(const struct damon_region *r)
{
	unsigned int highest = r->nr_accesses, i;

	for (i = 0; i < DAMON_MAX_PROBES; i++)
		highest = max_t(unsigned int, highest, r->probe_hits[i]);
	return highest;
}

/* One sample of @r, at a random address of it. */
static inline bool damon_props_sample_region(struct damon_props *p,
					     struct damon_props_target *pt,
					     struct damon_region *r)
{
	unsigned long offset, unit = damon_props_unit(p);
	unsigned int nr = r->nr_accesses, i, hot;
	bool accessed;

	offset = damon_props_rand(p, 0, damon_sz_region(r) - 1);
	r->sampling_addr = r->ar.start + offset;
	offset = r->sampling_addr - pt->base;
	hot = pt->hot[offset / unit];
	/* probes of odd index see the cold memory as hot */
	for (i = 0; i < p->nr_probes; i++)
		r->probe_hits[i] += damon_props_chance(p, i % 2 ? 100 - hot :
						       hot);
	/* the kdamond checks no access in attributes-only mode */
	if (damon_props_attrs_only(p))
		return true;
	accessed = damon_props_chance(p, hot);
	damon_update_region_access_rate(r, accessed);
	if (r->nr_accesses != nr + accessed)
		return damon_props_fail(p, "nr_accesses %u -> %u, accessed %d",
					nr, r->nr_accesses, accessed);
	return true;
}

/* The samples of the rest of an aggregation interval. */
static inline bool damon_props_sample(struct damon_props *p)
{
	unsigned int max_nr = damon_max_nr_accesses(&p->ctx.attrs);
	unsigned int highest = 0, s, i;
	struct damon_props_target *pt;
	struct damon_region *r;

	p->op = "damon_update_region_access_rate";
	for (i = 0; i < p->nr_targets; i++) {
		damon_for_each_region(r, &p->targets[i].t)
			highest = max(highest, damon_props_highest(r));
	}
	for (s = highest; s < max_nr; s++) {
		for (i = 0; i < p->nr_targets; i++) {
			pt = &p->targets[i];
			damon_for_each_region(r, &pt->t) {
				if (!damon_props_sample_region(p, pt, r))
					return false;
			}
		}
	}
	/* a sample picked the sampling address of every region */
	if (highest < max_nr && !damon_props_validate(p,
						      DAMON_VALIDATE_SAMPLING))
		return false;
	return damon_props_check_all(p);
}

/* What the age of a region with the counters of @s should become. */
static inline unsigned int damon_props_want_age(struct damon_props *p,
						const struct damon_props_snap *s,
						unsigned long thres)
{
	unsigned long now = s->nr_accesses, last = s->last_nr_accesses;

	if (damon_props_attrs_only(p)) {
		now = damon_props_wsum(p, s->hits);
		last = damon_props_wsum(p, s->last_hits);
		if (!now != !last)
			return 0;
	}
	return abs_diff(now, last) > thres ? 0 : s->age + 1;
}

static inline bool damon_props_check_ages(struct damon_props *p,
					  unsigned long thres)
{
	const struct damon_props_snap *s;
	struct damon_props_target *pt;
	struct damon_region *r;
	unsigned int i, j, want;

	for (i = 0; i < p->nr_targets; i++) {
		pt = &p->targets[i];
		j = 0;
		damon_for_each_region(r, &pt->t) {
			s = &pt->snap[j++];
			want = damon_props_want_age(p, s, thres);
			if (r->age != want)
				return damon_props_fail(p,
					"age %u -> %u, want %u for threshold %lu",
					s->age, r->age, want, thres);
		}
	}
	return true;
}

static inline bool damon_props_check_reset(struct damon_props *p)
{
	const struct damon_props_snap *s;
	struct damon_props_target *pt;
	struct damon_region *r;
	unsigned int i, j;

	for (i = 0; i < p->nr_targets; i++) {
		pt = &p->targets[i];
		j = 0;
		damon_for_each_region(r, &pt->t) {
			s = &pt->snap[j++];
			if (r->nr_accesses || r->last_nr_accesses !=
			    s->nr_accesses)
				return damon_props_fail(p,
					"nr_accesses %u, last %u after reset; before %u, %u",
					r->nr_accesses, r->last_nr_accesses,
					s->nr_accesses, s->last_nr_accesses);
			if (!damon_props_hits_within(r->probe_hits, 0) ||
			    memcmp(r->last_probe_hits, s->hits,
				   sizeof(s->hits)))
				return damon_props_fail(p,
					"probe hits not moved to the last ones");
		}
	}
	return true;
}

/* A moving sum, counted here the way the interface document puts it. */
static inline unsigned int damon_props_mvsum(unsigned int now,
					     unsigned int last,
					     unsigned long left,
					     unsigned long window)
{
	if (left >= window)
		return last;
	return now + last * (left * DAMON_BP_UNIT / window) / DAMON_BP_UNIT;
}

/*
 * The moving sums of every region, at a random point of the aggregation
 * interval, sometimes past its end.
 */
static inline bool damon_props_check_mvsums(struct damon_props *p)
{
	unsigned long window = damon_max_nr_accesses(&p->ctx.attrs), left, now;
	unsigned int i, j, got, want;
	struct damon_region *r;

	p->op = "damon_nr_accesses_mvsum";
	left = damon_props_rand(p, 0, window + 1);
	now = damon_props_rand(p, 1, 1000);
	p->ctx.passed_sample_intervals = now;
	/* window + 1 stands for a window that ended a sample ago */
	p->ctx.next_aggregation_sis = left > window ? now - 1 : now + left;
	if (left > window)
		left = 0;
	for (i = 0; i < p->nr_targets; i++) {
		damon_for_each_region(r, &p->targets[i].t) {
			got = damon_nr_accesses_mvsum(&p->ctx, r);
			want = damon_props_mvsum(r->nr_accesses,
						 r->last_nr_accesses, left,
						 window);
			if (got != want)
				return damon_props_fail(p,
					"%u of %u and %u with %lu of %lu samples left, want %u",
					got, r->nr_accesses,
					r->last_nr_accesses, left, window,
					want);
			for (j = 0; j < DAMON_MAX_PROBES; j++) {
				got = damon_probe_hits_mvsum(&p->ctx, r, j);
				want = damon_props_mvsum(r->probe_hits[j],
							 r->last_probe_hits[j],
							 left, window);
				if (got != want)
					return damon_props_fail(p,
						"probe %u: %u, want %u", j,
						got, want);
			}
		}
	}
	return true;
}

/*
 * The most regions damon_split_regions() may leave, from the number in
 * the snapshot: at most three pieces per region up to max / 2 (two, plus
 * a third where the region has two edges and the budget room for it),
 * and never more than max; one more per max / (max - n) regions below
 * max; none beyond.
 */
static inline unsigned long damon_props_most_after_split(struct damon_props *p)
{
	unsigned long max_nr = p->ctx.attrs.max_nr_regions, n = 0, step;
	unsigned int i;

	for (i = 0; i < p->nr_targets; i++)
		n += p->targets[i].nr_snap;
	if (n >= max_nr)
		return n;
	if (n <= max_nr / 2)
		return min(max_nr, n * 3);
	p->nr_some_splits++;
	step = max_nr / (max_nr - n);
	return min(max_nr, n + (n + step - 1) / step);
}

/* One aggregation interval, the way the kdamond runs it. */
static inline bool damon_props_aggregate(struct damon_props *p)
{
	struct damon_ctx *ctx = &p->ctx;
	unsigned long highest = 0, thres, want;
	struct damon_props_target *pt;
	struct damon_region *r;
	unsigned int i, nr;
	bool attrs_only = damon_props_attrs_only(p);

	if (!damon_props_sample(p) || !damon_props_check_mvsums(p))
		return false;
	p->nr_attrs_only += attrs_only;
	for (i = 0; i < p->nr_targets; i++) {
		damon_for_each_region(r, &p->targets[i].t)
			highest = max(highest, attrs_only ?
				      damon_props_wsum(p, r->probe_hits) :
				      r->nr_accesses);
	}
	want = attrs_only ? highest / 10 : damon_merge_threshold(highest);
	p->op = "damon_aggregation_threshold";
	thres = damon_aggregation_threshold(ctx);
	if (thres != want)
		return damon_props_fail(p, "%lu, want %lu", thres, want);

	p->op = "damon_update_ages";
	damon_props_snapshot(p);
	damon_update_ages(ctx, thres);
	if (!damon_props_check_ages(p, thres))
		return false;

	p->op = "damon_merge_regions";
	damon_props_snapshot(p);
	damon_merge_regions(ctx, thres);
	for (i = 0; i < p->nr_targets; i++) {
		pt = &p->targets[i];
		if (!damon_props_check_merge(p, pt,
					     damon_props_sz_limit(p, pt)))
			return false;
	}
	if (!damon_props_check_all(p))
		return false;

	p->op = "damon_reset_aggregated";
	damon_props_snapshot(p);
	damon_reset_aggregated(ctx);
	if (!damon_props_check_reset(p))
		return false;

	p->op = "damon_split_regions";
	damon_props_snapshot(p);
	damon_split_regions(ctx);
	for (i = 0; i < p->nr_targets; i++) {
		if (!damon_props_check_split(p, &p->targets[i], true))
			return false;
	}
	nr = damon_nr_regions_ctx(ctx);
	if (nr > damon_props_most_after_split(p))
		return damon_props_fail(p, "%u regions, max_nr_regions %lu",
					nr, ctx->attrs.max_nr_regions);
	/* what the kdamond checks here under CONFIG_DAMON_DEBUG_SANITY */
	return damon_props_validate(p, DAMON_VALIDATE_RUNNING) &&
		damon_props_check_all(p);
}

static inline bool damon_props_split_initial(struct damon_props *p)
{
	unsigned long min_nr = p->ctx.attrs.min_nr_regions;
	unsigned long unit = damon_props_unit(p);
	struct damon_props_target *pt;
	unsigned int i;

	p->op = "damon_split_to_min_nr_regions";
	damon_props_snapshot(p);
	damon_split_to_min_nr_regions(&p->ctx);
	for (i = 0; i < p->nr_targets; i++) {
		pt = &p->targets[i];
		if (!damon_props_check_split(p, pt, true))
			return false;
		if (pt->covered[DAMON_PROPS_SPAN] >= min_nr &&
		    pt->t.nr_regions < min_nr)
			return damon_props_fail(p,
				"target %u of %u units of %lx: %u regions, min_nr_regions %lu",
				i, pt->covered[DAMON_PROPS_SPAN], unit,
				pt->t.nr_regions, min_nr);
	}
	return damon_props_check_all(p);
}

static inline bool damon_props_rescale(struct damon_props *p)
{
	struct damon_attrs attrs = p->ctx.attrs;
	struct damon_region *r;
	unsigned int i;

	p->op = "damon_rescale_region";
	damon_props_new_intervals(p, &attrs);
	damon_props_snapshot(p);
	for (i = 0; i < p->nr_targets; i++) {
		damon_for_each_region(r, &p->targets[i].t)
			damon_rescale_region(r, &p->ctx.attrs, &attrs);
	}
	p->ctx.attrs = attrs;
	for (i = 0; i < p->nr_targets; i++) {
		if (!damon_props_check_split(p, &p->targets[i], false))
			return false;
	}
	return damon_props_check_all(p);
}

static inline bool damon_props_step(struct damon_props *p)
{
	unsigned int dice = damon_props_rand(p, 0, 99);

	if (dice < 10)
		return damon_props_refit(p);
	if (dice < 25)
		return damon_props_split_at(p);
	if (dice < 40)
		return damon_props_split_of(p);
	if (dice < 55)
		return damon_props_merge_of(p);
	if (dice < 85)
		return damon_props_aggregate(p);
	if (dice < 93)
		return damon_props_split_initial(p);
	return damon_props_rescale(p);
}

/**
 * damon_props_run() - One run: a new random context and random steps on it.
 * @p:	The state, prepared with damon_props_init().
 *
 * Return: true if every check passed; false with the reason in @p->msg
 * otherwise.
 */
static inline bool damon_props_run(struct damon_props *p)
{
	struct damon_props_target *pt;
	unsigned int i, nr_targets;
	unsigned long max_nr;

	damon_props_cleanup(p);
	p->run++;
	p->step = 0;
	p->ctx.min_sz_region = DAMON_MIN_REGION << damon_props_rand(p, 0, 3);
	damon_props_new_intervals(p, &p->ctx.attrs);
	p->ctx.attrs.min_nr_regions = damon_props_rand(p, 3, 20);
	nr_targets = damon_props_rand(p, 1, DAMON_PROPS_MAX_TARGETS);
	/*
	 * Merging can always get down to this many regions: at most two
	 * per sz_limit of each target plus two per contiguous range.
	 */
	max_nr = nr_targets * (2 * p->ctx.attrs.min_nr_regions +
			       2 * DAMON_PROPS_MAX_RANGES + 1);
	p->ctx.attrs.max_nr_regions = max_nr + damon_props_rand(p, 0, max_nr);
	damon_props_new_probes(p);

	for (i = 0; i < nr_targets; i++) {
		pt = &p->targets[i];
		INIT_LIST_HEAD(&pt->t.regions_list);
		pt->t.nr_regions = 0;
		list_add_tail(&pt->t.list, &p->ctx.adaptive_targets);
		p->nr_targets = i + 1;
		pt->base = (unsigned long)damon_props_rand(p, 0, 1 << 20) *
			(DAMON_MIN_REGION << 3) * DAMON_PROPS_SPAN;
		damon_props_new_ranges(p, pt);
		damon_props_new_hotness(p, pt);
		if (!damon_props_set(p, pt))
			return false;
	}
	for (p->step = 1; p->step <= DAMON_PROPS_STEPS; p->step++) {
		if (!damon_props_step(p))
			return false;
		p->nr_steps++;
	}
	return true;
}

/* ==================== Sampling interval tuning ==================== */

/**
 * damon_props_check_tuning() - Check one random sampling interval tuning.
 * @p:	The state, prepared with damon_props_init().
 *
 * The next interval lies within the goal's bounds; from an interval within
 * them, it moves towards the goal by at most half of the interval (or by
 * 1 us when growing), stays when the goal is met, and moves for sure when
 * the observed ratio is off by a factor of two.
 *
 * Return: true if the checks passed; false with the reason in @p->msg
 * otherwise.
 */
static inline bool damon_props_check_tuning(struct damon_props *p)
{
	struct damon_attrs attrs = {};
	struct damon_intervals_goal *goal = &attrs.intervals_goal;
	unsigned long sample, next, events, chances, lo, hi;
	u64 want, seen;

	p->op = "damon_tuned_sample_interval";
	p->step++;
	goal->access_bp = damon_props_chance(p, 10) ? 0 :
		damon_props_rand(p, 1, DAMON_BP_UNIT);
	goal->aggrs = 1;
	goal->min_sample_us = damon_props_rand(p, 1, 1000);
	goal->max_sample_us = goal->min_sample_us +
		damon_props_rand(p, 0, 100000);
	sample = damon_props_chance(p, 20) ? damon_props_rand(p, 1, 3) :
		damon_props_rand(p, 1, 200000);
	attrs.sample_interval = sample;
	attrs.aggr_interval = sample * damon_props_rand(p, 1, 20);
	if (damon_props_chance(p, 10)) {
		/* exactly at the goal */
		chances = DAMON_BP_UNIT * damon_props_rand(p, 1, 5);
		events = goal->access_bp * (chances / DAMON_BP_UNIT);
	} else {
		chances = damon_props_chance(p, 5) ? 0 :
			damon_props_rand(p, 1, 100000);
		events = damon_props_rand(p, 0, chances);
	}

	next = damon_tuned_sample_interval(&attrs, events, chances);
	if (!goal->access_bp || !chances) {
		if (next != sample)
			return damon_props_fail(p,
				"%lu -> %lu without goal or samples",
				sample, next);
		return true;
	}
	lo = goal->min_sample_us;
	hi = goal->max_sample_us;
	if (next < lo || next > hi)
		return damon_props_fail(p, "%lu -> %lu, out of [%lu, %lu]",
					sample, next, lo, hi);
	if (sample < lo || sample > hi)
		return true;
	if (next < sample / 2 || next > max(sample * 3 / 2, sample + 1))
		return damon_props_fail(p, "%lu -> %lu, too big a step",
					sample, next);
	want = (u64)goal->access_bp * chances;
	seen = (u64)events * DAMON_BP_UNIT;
	if ((seen < want && next < sample) || (seen > want && next > sample) ||
	    (seen == want && next != sample) ||
	    (seen * 2 <= want && next == sample && sample < hi) ||
	    (seen >= want * 2 && next == sample && sample > lo))
		return damon_props_fail(p,
			"%lu -> %lu for %lu of %lu samples, goal %lu bp",
			sample, next, events, chances, goal->access_bp);

	p->op = "damon_apply_sample_interval";
	chances = damon_props_rand(p, 0, 50);
	damon_apply_sample_interval(&attrs, next, chances);
	if (attrs.sample_interval != next ||
	    attrs.aggr_interval != next * max(chances, 1UL))
		return damon_props_fail(p, "%lu us x %lu: %lu, %lu", next,
					chances, attrs.sample_interval,
					attrs.aggr_interval);
	return true;
}

#endif	/* _DAMON_TESTS_REGIONS_PROPS_H */

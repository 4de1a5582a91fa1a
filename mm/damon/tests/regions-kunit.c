// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the DAMON region arithmetic, mm/damon/regions.c.
 *
 * damon_test_regions_random runs the randomized property checks of
 * regions-props.h (tools/testing/damon runs them too, many more times,
 * under ASan and UBSan); the other cases check exact results.
 */

#include <kunit/test.h>
#include <linux/bitops.h>
#include <linux/damon.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "damon-kunit.h"
#include "regions-props.h"

/* 250 runs of DAMON_PROPS_STEPS random steps each */
#define DAMON_TEST_RUNS		250

#define PG(n)			DAMON_TEST_PG(n)

static void damon_test_props_cleanup(void *p)
{
	damon_props_cleanup(p);
}

static void damon_test_regions_random(struct kunit *test)
{
	struct damon_props *p;
	unsigned int i;
	int err;

	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	damon_props_init(p, DAMON_PROPS_SEED);
	err = kunit_add_action_or_reset(test, damon_test_props_cleanup, p);
	KUNIT_ASSERT_EQ(test, err, 0);
	kunit_info(test, "seed %llu, %u runs\n",
		   (unsigned long long)DAMON_PROPS_SEED, DAMON_TEST_RUNS);
	for (i = 0; i < DAMON_TEST_RUNS; i++)
		KUNIT_ASSERT_TRUE_MSG(test, damon_props_run(p), "%s", p->msg);
	kunit_info(test, "%lu steps checked\n", p->nr_steps);
}

/* The context of the running test, made by the suite's .init. */
static struct damon_ctx *damon_test_ctx(struct kunit *test)
{
	return test->priv;
}

/* Set the probe hits of @r, of the current and of the last interval. */
static void damon_test_set_hits(struct damon_region *r, const u8 *hits,
				const u8 *last)
{
	memcpy(r->probe_hits, hits, sizeof(r->probe_hits));
	memcpy(r->last_probe_hits, last, sizeof(r->last_probe_hits));
}

/* Check the probe hits of @r, of the current and of the last interval. */
static void damon_test_expect_hits(struct kunit *test,
				   const struct damon_region *r,
				   const u8 *hits, const u8 *last)
{
	unsigned int i;

	for (i = 0; i < DAMON_MAX_PROBES; i++) {
		KUNIT_EXPECT_EQ_MSG(test, r->probe_hits[i], hits[i],
				    "probe %u", i);
		KUNIT_EXPECT_EQ_MSG(test, r->last_probe_hits[i], last[i],
				    "probe %u, last", i);
	}
}

/* Give the context of @test probes of @nr @weights. */
static void damon_test_add_probes(struct kunit *test,
				  const unsigned int *weights, unsigned int nr)
{
	struct damon_probe *p;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		p = damon_new_probe(weights[i]);
		KUNIT_ASSERT_NOT_NULL(test, p);
		damon_add_probe(damon_test_ctx(test), p);
	}
}

/* Put the context of @test @left samples before the end of a window. */
static void damon_test_samples_left(struct kunit *test, unsigned long left)
{
	struct damon_ctx *ctx = damon_test_ctx(test);

	ctx->passed_sample_intervals = 1000;
	ctx->next_aggregation_sis = 1000 + left;
}

/* Replace the regions of @t with one per range of @ranges. */
static void damon_test_reset_regions(struct kunit *test,
				     struct damon_target *t,
				     const struct damon_addr_range *ranges,
				     unsigned int nr)
{
	struct damon_region *r, *next;

	damon_for_each_region_safe(r, next, t)
		damon_destroy_region(r, t);
	damon_test_add_regions(test, t, ranges, nr);
}

static void damon_test_split_region_at(struct kunit *test)
{
	static const struct damon_addr_range ranges[] = { { PG(0), PG(10) } };
	static const struct damon_addr_range want[] = {
		{ PG(0), PG(3) }, { PG(3), PG(10) },
	};
	static const u8 hits[DAMON_MAX_PROBES] = { 1, 0, 20, U8_MAX };
	static const u8 last[DAMON_MAX_PROBES] = { 7, 8, 0, 9 };
	struct damon_target *t = damon_test_new_target(test);

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	damon_test_set_counters(damon_first_region(t), 3, 5, 2);
	damon_test_set_hits(damon_first_region(t), hits, last);
	KUNIT_ASSERT_EQ(test, damon_split_region_at(t, damon_first_region(t),
						    PG(3)), 0);
	damon_test_expect_regions(test, t, want, ARRAY_SIZE(want));
	/* both parts carry every counter, the probe hits too */
	damon_test_expect_counters(test, damon_test_region(t, 0), 3, 5, 2);
	damon_test_expect_hits(test, damon_test_region(t, 0), hits, last);
	damon_test_expect_counters(test, damon_test_region(t, 1), 3, 5, 2);
	damon_test_expect_hits(test, damon_test_region(t, 1), hits, last);
}

static void damon_test_split_evenly(struct kunit *test)
{
	static const struct damon_addr_range ranges[] = { { PG(0), PG(10) } };
	static const struct damon_addr_range thirds[] = {
		{ PG(0), PG(3) }, { PG(3), PG(6) }, { PG(6), PG(10) },
	};
	struct damon_target *t = damon_test_new_target(test);
	struct damon_target *u = damon_test_new_target(test);
	struct damon_region *r;
	unsigned long addr = 0;

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	damon_split_evenly(t, damon_first_region(t), 3, PAGE_SIZE);
	damon_test_expect_regions(test, t, thirds, ARRAY_SIZE(thirds));

	/* more pieces than pages: one page each */
	damon_test_add_regions(test, u, ranges, ARRAY_SIZE(ranges));
	damon_split_evenly(u, damon_first_region(u), 20, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(u), 10);
	damon_for_each_region(r, u) {
		KUNIT_EXPECT_EQ(test, r->ar.start, addr);
		KUNIT_EXPECT_EQ(test, damon_sz_region(r), PAGE_SIZE);
		addr = r->ar.end;
	}
}

/*
 * damon_rand() over spans from 1 to beyond 2^32: every draw stays in range;
 * some of 256 land in the span's top quarter (a span cut to 32 bits, or a
 * scaling that lost the high bits, never reaches it; a right one misses it
 * with probability (3/4)^256); and every value of a small span comes out.
 */
static void damon_test_rand_spans(struct kunit *test)
{
	static const unsigned long spans[] = {
		1, 2, 3, 10, 1000, U32_MAX,
		SZ_4G, SZ_4G + PAGE_SIZE, 4 * SZ_4G, ULONG_MAX / 2,
	};
	unsigned long base = SZ_1G, v, seen;
	unsigned int i, j, nr_high;

	for (i = 0; i < ARRAY_SIZE(spans); i++) {
		nr_high = 0;
		seen = 0;
		for (j = 0; j < 256; j++) {
			v = damon_rand(base, base + spans[i]);
			KUNIT_ASSERT_GE(test, v, base);
			KUNIT_ASSERT_LT(test, v, base + spans[i]);
			nr_high += v - base >= spans[i] / 4 * 3;
			if (spans[i] <= BITS_PER_LONG)
				seen |= 1UL << (v - base);
		}
		KUNIT_EXPECT_GT_MSG(test, nr_high, 0, "span %#lx", spans[i]);
		if (spans[i] <= BITS_PER_LONG)
			KUNIT_EXPECT_EQ_MSG(test, seen,
					    GENMASK(spans[i] - 1, 0),
					    "span %lu", spans[i]);
	}
}

static void damon_test_max_nr_accesses(struct kunit *test)
{
	struct damon_attrs attrs = {
		.sample_interval = 5000, .aggr_interval = 100000,
	};

	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs), 20);
	attrs.aggr_interval = 1000;
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs), 1);
	/* an interval of 0 counts as 1 us */
	attrs.sample_interval = 0;
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs), 1000);
	attrs.aggr_interval = 0;
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs), 1);
	attrs.sample_interval = 1;
	attrs.aggr_interval = ULONG_MAX;
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs),
			UINT_MAX / DAMON_BP_UNIT);
}

/* A region of the test's context, with @now and @last accesses. */
static struct damon_region *damon_test_counted_region(struct kunit *test,
						      unsigned int now,
						      unsigned int last)
{
	static const struct damon_addr_range ranges[] = { { PG(0), PG(1) } };
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	struct damon_region *r;

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	r = damon_first_region(t);
	damon_test_set_counters(r, now, 0, last);
	return r;
}

static void damon_test_access_count(struct kunit *test)
{
	struct damon_region *r = damon_test_counted_region(test, 0, 9);

	damon_update_region_access_rate(r, true);
	damon_update_region_access_rate(r, false);
	damon_update_region_access_rate(r, true);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 2);
	KUNIT_EXPECT_EQ(test, r->last_nr_accesses, 9);
}

/*
 * 20 samples per window; 6 accesses so far and 15 in the last window.
 * value = now + last * (left * 10000 / window) / 10000.
 */
static void damon_test_mvsum(struct kunit *test)
{
	struct damon_region *r = damon_test_counted_region(test, 6, 15);
	struct damon_ctx *ctx = damon_test_ctx(test);

	ctx->attrs.sample_interval = 5000;
	ctx->attrs.aggr_interval = 100000;
	/* a window just begun: the last one's count */
	damon_test_samples_left(test, 20);
	KUNIT_EXPECT_EQ(test, damon_nr_accesses_mvsum(ctx, r), 15);
	/* half of it: 6 + 15 * 5000 / 10000 = 6 + 7 */
	damon_test_samples_left(test, 10);
	KUNIT_EXPECT_EQ(test, damon_nr_accesses_mvsum(ctx, r), 13);
	/* 7 left: 6 + 15 * 3500 / 10000 = 6 + 5 */
	damon_test_samples_left(test, 7);
	KUNIT_EXPECT_EQ(test, damon_nr_accesses_mvsum(ctx, r), 11);
	/* at its end, and past it: the count of this window alone */
	damon_test_samples_left(test, 0);
	KUNIT_EXPECT_EQ(test, damon_nr_accesses_mvsum(ctx, r), 6);
	ctx->next_aggregation_sis = ctx->passed_sample_intervals - 3;
	KUNIT_EXPECT_EQ(test, damon_nr_accesses_mvsum(ctx, r), 6);
	/* more left than a window (intervals just shrank): as at its start */
	damon_test_samples_left(test, 25);
	KUNIT_EXPECT_EQ(test, damon_nr_accesses_mvsum(ctx, r), 15);
}

/* The share of the last window is taken in basis points, rounding down. */
static void damon_test_mvsum_rounding(struct kunit *test)
{
	struct damon_region *r = damon_test_counted_region(test, 1, 3);
	struct damon_ctx *ctx = damon_test_ctx(test);

	ctx->attrs.sample_interval = 1000;
	ctx->attrs.aggr_interval = 3000;
	/* 1 + 3 * 3333 / 10000 = 1 + 0, not 1 + 3 * 1 / 3 */
	damon_test_samples_left(test, 1);
	KUNIT_EXPECT_EQ(test, damon_nr_accesses_mvsum(ctx, r), 1);
	/* 1 + 3 * 6666 / 10000 = 1 + 1 */
	damon_test_samples_left(test, 2);
	KUNIT_EXPECT_EQ(test, damon_nr_accesses_mvsum(ctx, r), 2);
	/* zero intervals: one sample per window, which is always at its end */
	ctx->attrs.sample_interval = 0;
	ctx->attrs.aggr_interval = 0;
	damon_test_samples_left(test, 0);
	KUNIT_EXPECT_EQ(test, damon_nr_accesses_mvsum(ctx, r), 1);
	damon_test_samples_left(test, 1);
	KUNIT_EXPECT_EQ(test, damon_nr_accesses_mvsum(ctx, r), 3);
}

static void damon_test_probe_hits_mvsum(struct kunit *test)
{
	static const u8 hits[DAMON_MAX_PROBES] = { 0, 4, 10, U8_MAX };
	static const u8 last[DAMON_MAX_PROBES] = { 20, 8, 0, U8_MAX };
	struct damon_region *r = damon_test_counted_region(test, 0, 0);
	struct damon_ctx *ctx = damon_test_ctx(test);

	ctx->attrs.sample_interval = 5000;
	ctx->attrs.aggr_interval = 100000;
	damon_test_set_hits(r, hits, last);
	damon_test_samples_left(test, 20);
	KUNIT_EXPECT_EQ(test, damon_probe_hits_mvsum(ctx, r, 0), 20);
	KUNIT_EXPECT_EQ(test, damon_probe_hits_mvsum(ctx, r, 1), 8);
	/* 5 left, a quarter: hits + last * 2500 / 10000 */
	damon_test_samples_left(test, 5);
	KUNIT_EXPECT_EQ(test, damon_probe_hits_mvsum(ctx, r, 0), 0 + 5);
	KUNIT_EXPECT_EQ(test, damon_probe_hits_mvsum(ctx, r, 1), 4 + 2);
	KUNIT_EXPECT_EQ(test, damon_probe_hits_mvsum(ctx, r, 2), 10 + 0);
	/* wider than a u8, not wrapped */
	KUNIT_EXPECT_EQ(test, damon_probe_hits_mvsum(ctx, r, 3), 255 + 63);
	damon_test_samples_left(test, 0);
	KUNIT_EXPECT_EQ(test, damon_probe_hits_mvsum(ctx, r, 2), 10);
	/* no such probe slot */
	KUNIT_EXPECT_EQ(test, damon_probe_hits_mvsum(ctx, r,
						     DAMON_MAX_PROBES), 0);
}

static void damon_test_probe_hits_wsum(struct kunit *test)
{
	static const unsigned int weights[] = { 2, 0, 5 };
	static const u8 hits[DAMON_MAX_PROBES] = { 4, 9, 3, 100 };
	static const u8 last[DAMON_MAX_PROBES] = { 10, 10, 10, 100 };
	struct damon_region *r = damon_test_counted_region(test, 0, 0);
	struct damon_ctx *ctx = damon_test_ctx(test);

	ctx->attrs.sample_interval = 5000;
	ctx->attrs.aggr_interval = 100000;
	damon_test_set_hits(r, hits, last);
	damon_test_samples_left(test, 10);
	/* no probes: nothing to weigh */
	KUNIT_EXPECT_EQ(test, damon_probe_hits_wsum(ctx, r, false), 0);
	KUNIT_EXPECT_EQ(test, damon_probe_hits_wsum(ctx, r, true), 0);

	damon_test_add_probes(test, weights, ARRAY_SIZE(weights));
	/* raw: 2 * 4 + 0 * 9 + 5 * 3; the fourth slot has no probe */
	KUNIT_EXPECT_EQ(test, damon_probe_hits_wsum(ctx, r, false), 23);
	/* moving sums, half a window left: 2 * (4 + 5) + 5 * (3 + 5) */
	KUNIT_EXPECT_EQ(test, damon_probe_hits_wsum(ctx, r, true), 58);
	/* at the start of a window: the last window's, 2 * 10 + 5 * 10 */
	damon_test_samples_left(test, 20);
	KUNIT_EXPECT_EQ(test, damon_probe_hits_wsum(ctx, r, true), 70);
	KUNIT_EXPECT_EQ(test, damon_probe_hits_wsum(ctx, r, false), 23);
}

static void damon_test_reset_aggregated(struct kunit *test)
{
	static const u8 hits[DAMON_MAX_PROBES] = { 3, 0, 7, U8_MAX };
	static const u8 last[DAMON_MAX_PROBES] = { 1, 1, 1, 1 };
	static const u8 zero[DAMON_MAX_PROBES] = {};
	struct damon_region *r = damon_test_counted_region(test, 5, 2);
	struct damon_ctx *ctx = damon_test_ctx(test);

	damon_test_set_hits(r, hits, last);
	damon_reset_aggregated(ctx);
	/* the counts of the interval become the last ones, and restart */
	damon_test_expect_counters(test, r, 0, 0, 5);
	damon_test_expect_hits(test, r, zero, hits);
	damon_reset_aggregated(ctx);
	damon_test_expect_counters(test, r, 0, 0, 0);
	damon_test_expect_hits(test, r, zero, zero);
}

static void damon_test_merge_threshold(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, damon_merge_threshold(0), 1);
	KUNIT_EXPECT_EQ(test, damon_merge_threshold(19), 1);
	KUNIT_EXPECT_EQ(test, damon_merge_threshold(25), 2);
	KUNIT_EXPECT_EQ(test, damon_merge_threshold(200), 20);
}

static void damon_test_update_ages(struct kunit *test)
{
	static const struct damon_addr_range ranges[] = {
		{ PG(0), PG(1) }, { PG(1), PG(2) }, { PG(2), PG(3) },
		{ PG(3), PG(4) }, { PG(4), PG(5) },
	};
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	damon_test_set_counters(damon_test_region(t, 0), 5, 3, 5);
	damon_test_set_counters(damon_test_region(t, 1), 5, 3, 7);
	damon_test_set_counters(damon_test_region(t, 2), 5, 3, 8);
	damon_test_set_counters(damon_test_region(t, 3), 10, 7, 0);
	damon_test_set_counters(damon_test_region(t, 4), 4, UINT_MAX, 4);
	/* a tenth of the highest nr_accesses, 10 */
	KUNIT_EXPECT_EQ(test, damon_aggregation_threshold(ctx), 1);
	damon_update_ages(ctx, 2);
	/* a change of at most the threshold keeps the age going */
	KUNIT_EXPECT_EQ(test, damon_test_region(t, 0)->age, 4);
	KUNIT_EXPECT_EQ(test, damon_test_region(t, 1)->age, 4);
	/* a bigger one, either way, restarts it */
	KUNIT_EXPECT_EQ(test, damon_test_region(t, 2)->age, 0);
	KUNIT_EXPECT_EQ(test, damon_test_region(t, 3)->age, 0);
	/* and it does not wrap */
	KUNIT_EXPECT_EQ(test, damon_test_region(t, 4)->age, UINT_MAX);
}

static void damon_test_merge_weighted(struct kunit *test)
{
	static const struct damon_addr_range ranges[] = {
		{ PG(0), PG(1) }, { PG(1), PG(4) },
	};
	static const struct damon_addr_range want[] = { { PG(0), PG(4) } };
	static const u8 hits0[DAMON_MAX_PROBES] = { 10, 0, U8_MAX, 3 };
	static const u8 last0[DAMON_MAX_PROBES] = { 0, 1, U8_MAX, 9 };
	static const u8 hits1[DAMON_MAX_PROBES] = { 2, 8, U8_MAX, 4 };
	static const u8 last1[DAMON_MAX_PROBES] = { 4, 1, 0, 1 };
	/* one page of the first, three of the second, rounded down */
	static const u8 want_hits[DAMON_MAX_PROBES] = {
		(10 + 2 * 3) / 4, (0 + 8 * 3) / 4, U8_MAX, (3 + 4 * 3) / 4,
	};
	static const u8 want_last[DAMON_MAX_PROBES] = {
		(0 + 4 * 3) / 4, 1, (U8_MAX + 0) / 4, (9 + 1 * 3) / 4,
	};
	struct damon_target *t = damon_test_new_target(test);

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	damon_test_set_counters(damon_test_region(t, 0), 10, 4, 1);
	damon_test_set_hits(damon_test_region(t, 0), hits0, last0);
	damon_test_set_counters(damon_test_region(t, 1), 2, 8, 5);
	damon_test_set_hits(damon_test_region(t, 1), hits1, last1);
	damon_merge_regions_of(t, 10, PG(100));
	damon_test_expect_regions(test, t, want, ARRAY_SIZE(want));
	damon_test_expect_counters(test, damon_first_region(t),
				   (10 + 2 * 3) / 4, (4 + 8 * 3) / 4,
				   (1 + 5 * 3) / 4);
	damon_test_expect_hits(test, damon_first_region(t), want_hits,
			       want_last);
}

/* Regions of one page each, with @hits[i] and @last[i] as probe hits. */
static struct damon_target *
damon_test_hit_regions(struct kunit *test, const u8 (*hits)[DAMON_MAX_PROBES],
		       const u8 (*last)[DAMON_MAX_PROBES], unsigned int nr)
{
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	struct damon_region *r;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		r = damon_new_region(PG(i), PG(i + 1));
		KUNIT_ASSERT_NOT_NULL(test, r);
		damon_test_set_hits(r, hits[i], last[i]);
		/* counts that would make a difference in the normal mode */
		damon_test_set_counters(r, i % 2 ? 20 : 0, 5, 0);
		damon_add_region(r, t);
	}
	return t;
}

/*
 * Probes weighted 1 and 3: weighted sums, now and last,
 * 2 and 2, 3 and 0, 40 and 28, 0 and 0, 42 and 42.
 */
static const u8 damon_test_wsum_hits[][DAMON_MAX_PROBES] = {
	{ 2, 0 }, { 0, 1 }, { 10, 10 }, { 0, 0 }, { 6, 12 },
};

static const u8 damon_test_wsum_last[][DAMON_MAX_PROBES] = {
	{ 2, 0 }, { 0, 0 }, { 10, 6 }, { 0, 0 }, { 0, 14 },
};

static const unsigned int damon_test_wsum_weights[] = { 1, 3 };

static void damon_test_attrs_only_ages(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t;
	unsigned long thres;

	t = damon_test_hit_regions(test, damon_test_wsum_hits,
				   damon_test_wsum_last,
				   ARRAY_SIZE(damon_test_wsum_hits));
	damon_test_add_probes(test, damon_test_wsum_weights,
			      ARRAY_SIZE(damon_test_wsum_weights));
	/* a tenth of the highest weighted sum, 42 */
	thres = damon_aggregation_threshold(ctx);
	KUNIT_EXPECT_EQ(test, thres, 4);
	damon_update_ages(ctx, thres);
	/* no change */
	KUNIT_EXPECT_EQ(test, damon_test_region(t, 0)->age, 6);
	/* 0 to 3: within the threshold, but from zero */
	KUNIT_EXPECT_EQ(test, damon_test_region(t, 1)->age, 0);
	/* 28 to 40: over the threshold */
	KUNIT_EXPECT_EQ(test, damon_test_region(t, 2)->age, 0);
	/* zero both times; nr_accesses of 20 and 0 make no difference */
	KUNIT_EXPECT_EQ(test, damon_test_region(t, 3)->age, 6);
	/* the same sum from other hits */
	KUNIT_EXPECT_EQ(test, damon_test_region(t, 4)->age, 6);
}

static void damon_test_attrs_only_merge(struct kunit *test)
{
	static const struct damon_addr_range want[] = {
		{ PG(0), PG(2) }, { PG(2), PG(3) }, { PG(3), PG(4) },
		{ PG(4), PG(5) },
	};
	static const u8 want_hits[DAMON_MAX_PROBES] = { 1, 0 };
	static const u8 want_last[DAMON_MAX_PROBES] = { 1, 0 };
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t;

	ctx->attrs.min_nr_regions = 1;
	ctx->attrs.max_nr_regions = 100;
	t = damon_test_hit_regions(test, damon_test_wsum_hits,
				   damon_test_wsum_last,
				   ARRAY_SIZE(damon_test_wsum_hits));
	/* without weights, by nr_accesses: 0, 20, 0, 20, 0 never merge */
	damon_merge_regions(ctx, 4);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 5);

	damon_test_add_probes(test, damon_test_wsum_weights,
			      ARRAY_SIZE(damon_test_wsum_weights));
	/* sums 2, 3, 40, 0, 42: only the first two are within 4 */
	damon_merge_regions(ctx, 4);
	damon_test_expect_regions(test, t, want, ARRAY_SIZE(want));
	damon_test_expect_hits(test, damon_first_region(t), want_hits,
			       want_last);
}

/* Passes with a doubled threshold merge, and age nothing. */
static void damon_test_attrs_only_merge_passes(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t;
	struct damon_region *r;

	ctx->attrs.min_nr_regions = 1;
	ctx->attrs.max_nr_regions = 2;
	t = damon_test_hit_regions(test, damon_test_wsum_hits,
				   damon_test_wsum_last,
				   ARRAY_SIZE(damon_test_wsum_hits));
	damon_test_add_probes(test, damon_test_wsum_weights,
			      ARRAY_SIZE(damon_test_wsum_weights));
	damon_merge_regions(ctx, 4);
	KUNIT_EXPECT_LE(test, damon_nr_regions(t), 2);
	damon_for_each_region(r, t)
		KUNIT_EXPECT_EQ(test, r->age, 5);
}

static void damon_test_merge_limits(struct kunit *test)
{
	static const struct damon_addr_range ranges[] = {
		{ PG(0), PG(1) }, { PG(1), PG(2) }, { PG(2), PG(3) },
		{ PG(4), PG(5) }, { PG(5), PG(6) }, { PG(6), PG(7) },
	};
	static const struct damon_addr_range want[] = {
		{ PG(0), PG(2) }, { PG(2), PG(3) }, { PG(4), PG(5) },
		{ PG(5), PG(6) }, { PG(6), PG(7) },
	};
	static const unsigned int nr_accesses[] = { 3, 3, 3, 3, 6, 9 };
	struct damon_target *t = damon_test_new_target(test);
	struct damon_region *r;
	unsigned int i = 0;

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	damon_for_each_region(r, t)
		r->nr_accesses = nr_accesses[i++];
	/*
	 * Two pages at most, never across the hole at page 3, and only
	 * for a difference of at most 2.
	 */
	damon_merge_regions_of(t, 2, PG(2));
	damon_test_expect_regions(test, t, want, ARRAY_SIZE(want));
}

/* A target of @ctx of ten pages, alternately never and always accessed. */
static struct damon_target *damon_test_zebra(struct kunit *test,
					     struct damon_ctx *ctx)
{
	struct damon_target *t = damon_test_add_target(test, ctx);
	struct damon_region *r;
	unsigned int i;

	ctx->attrs.sample_interval = 1000;
	ctx->attrs.aggr_interval = 10000;
	ctx->attrs.min_nr_regions = 3;
	for (i = 0; i < 10; i++) {
		r = damon_new_region(PG(i), PG(i + 1));
		KUNIT_ASSERT_NOT_NULL(test, r);
		r->nr_accesses = i % 2 ? 10 : 0;
		damon_add_region(r, t);
	}
	return t;
}

static void damon_test_merge_regions_max(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_zebra(test, ctx);
	struct damon_region *r;

	/* the threshold grows until they fit in five regions */
	ctx->attrs.max_nr_regions = 5;
	damon_merge_regions(ctx, 1);
	KUNIT_EXPECT_LE(test, damon_nr_regions(t), 5);
	/* of at most a third of the target each */
	damon_for_each_region(r, t)
		KUNIT_EXPECT_LE(test, damon_sz_region(r), PG(10) / 3);
}

static void damon_test_merge_regions_zero_threshold(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_zebra(test, ctx);

	/* a zero threshold must still grow */
	ctx->attrs.max_nr_regions = 4;
	damon_merge_regions(ctx, 0);
	KUNIT_EXPECT_LE(test, damon_nr_regions(t), 4);
}

static void damon_test_split_regions_table(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	static const struct damon_addr_range ranges[] = {
		{ PG(0), PG(1000) }, { PG(1000), PG(2000) },
	};

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	/* n >= max: none */
	ctx->attrs.max_nr_regions = 2;
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 2);
	/* max / 2 < n < max: one in every 3 / (3 - 2) */
	ctx->attrs.max_nr_regions = 3;
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 3);
	/* one in every 5 / (5 - 3) = 2, from offset 1: the middle one */
	ctx->attrs.max_nr_regions = 5;
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 4);
	/* n <= max / 2, and n changed since the last split: in two */
	ctx->attrs.max_nr_regions = 1000;
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 8);
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 16);
}

/* In three when the merges undid every cut of the last split. */
static void damon_test_split_regions_thirds(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	static const struct damon_addr_range ranges[] = {
		{ PG(0), PG(100) }, { PG(100), PG(200) },
		{ PG(200), PG(300) }, { PG(300), PG(400) },
	};

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	ctx->attrs.max_nr_regions = 100;
	ctx->last_split_nr_regions = 4;
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 12);
	/* not below max / 3: in two */
	damon_test_reset_regions(test, t, ranges, ARRAY_SIZE(ranges));
	ctx->attrs.max_nr_regions = 12;
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 8);
}

/*
 * Which regions of @ranges, numbered across @ts, were cut: each bit of the
 * result stands for one.  Checks that cuts left an eighth of the range's
 * pages, and at least one, on the left.
 */
static unsigned long damon_test_cut_mask(struct kunit *test,
					 struct damon_target **ts,
					 const struct damon_addr_range **ranges,
					 const unsigned int *nr, unsigned int nr_ts)
{
	unsigned int i, j, idx = 0;
	unsigned long mask = 0, sz;
	struct damon_region *r;

	for (i = 0; i < nr_ts; i++) {
		for (j = 0; j < nr[i]; j++, idx++) {
			damon_for_each_region(r, ts[i]) {
				if (r->ar.start == ranges[i][j].start)
					break;
			}
			if (r->ar.end == ranges[i][j].end)
				continue;
			mask |= BIT(idx);
			sz = ranges[i][j].end - ranges[i][j].start;
			KUNIT_EXPECT_GE_MSG(test, damon_sz_region(r),
					    max(sz / PAGE_SIZE / 8, 1UL) *
					    PAGE_SIZE, "region %u", idx);
		}
	}
	return mask;
}

/*
 * Ten regions, max 16: one in every 16 / 6 = 2 is cut, counted across
 * both targets, starting at 0, then 1, then 0 again.  Region 6 is too
 * small to cut.
 */
static void damon_test_split_some_rotates(struct kunit *test)
{
	static const struct damon_addr_range a[] = {
		{ PG(0), PG(20) }, { PG(20), PG(40) }, { PG(40), PG(60) },
	};
	static const struct damon_addr_range b[] = {
		{ PG(100), PG(120) }, { PG(120), PG(140) },
		{ PG(140), PG(160) }, { PG(160), PG(161) },
		{ PG(161), PG(181) }, { PG(181), PG(201) },
		{ PG(201), PG(221) },
	};
	static const struct damon_addr_range *ranges[] = { a, b };
	static const unsigned int nr[] = { ARRAY_SIZE(a), ARRAY_SIZE(b) };
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *ts[2];
	unsigned int round, i;
	static const unsigned long want[] = {
		BIT(0) | BIT(2) | BIT(4) | BIT(8),
		BIT(1) | BIT(3) | BIT(5) | BIT(7) | BIT(9),
		BIT(0) | BIT(2) | BIT(4) | BIT(8),
	};

	ctx->attrs.max_nr_regions = 16;
	for (i = 0; i < 2; i++)
		ts[i] = damon_test_add_target(test, ctx);
	for (round = 0; round < ARRAY_SIZE(want); round++) {
		for (i = 0; i < 2; i++)
			damon_test_reset_regions(test, ts[i], ranges[i],
						 nr[i]);
		damon_split_regions(ctx);
		KUNIT_EXPECT_EQ_MSG(test, damon_nr_regions_ctx(ctx),
				    10 + hweight_long(want[round]),
				    "round %u", round);
		KUNIT_EXPECT_EQ_MSG(test, damon_test_cut_mask(test, ts, ranges,
							      nr, 2),
				    want[round], "round %u", round);
	}
}

static void damon_test_split_initial_regions(struct kunit *test)
{
	static const struct damon_addr_range big[] = { { PG(0), PG(100) } };
	static const struct damon_addr_range small[] = { { PG(0), PG(5) } };
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	struct damon_target *u = damon_test_add_target(test, ctx);
	struct damon_region *r;

	ctx->attrs.min_nr_regions = 10;
	damon_test_add_regions(test, t, big, ARRAY_SIZE(big));
	damon_test_add_regions(test, u, small, ARRAY_SIZE(small));
	damon_split_to_min_nr_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 10);
	damon_for_each_region(r, t)
		KUNIT_EXPECT_EQ(test, damon_sz_region(r), PG(10));
	/* too small for ten regions: one per page */
	KUNIT_EXPECT_EQ(test, damon_nr_regions(u), 5);
	damon_for_each_region(r, u)
		KUNIT_EXPECT_EQ(test, damon_sz_region(r), PAGE_SIZE);
}

/*
 * Ranges whose sizes do not divide by the size limit still start with at
 * least min_nr_regions regions, none bigger than the merge limit.
 */
static void damon_test_split_initial_uneven(struct kunit *test)
{
	static const struct damon_addr_range ranges[] = {
		{ PG(0), PG(7) }, { PG(10), PG(23) }, { PG(30), PG(41) },
		{ PG(50), PG(53) }, { PG(60), PG(79) },
	};
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	unsigned long limit;
	struct damon_region *r;

	ctx->attrs.min_nr_regions = 20;
	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	limit = damon_sz_target(t) / ctx->attrs.min_nr_regions;
	damon_split_to_min_nr_regions(ctx);
	KUNIT_EXPECT_GE(test, damon_nr_regions(t), 20);
	damon_for_each_region(r, t)
		KUNIT_EXPECT_LE(test, damon_sz_region(r), limit);
}

/*
 * Too many regions (from a commit of a lower max_nr_regions) are merged
 * down to max_nr_regions, most similar neighbours first; too few are split
 * up to min_nr_regions.
 */
static void damon_test_fit_nr_regions(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	struct damon_region *r;
	unsigned int i = 0;

	for (i = 0; i < 30; i++) {
		r = damon_new_region(PG(i), PG(i + 1));
		KUNIT_ASSERT_NOT_NULL(test, r);
		/* three runs of ten: 0 accesses, then 10, then 0 again */
		r->nr_accesses = i / 10 == 1 ? 10 : 0;
		damon_add_region(r, t);
	}
	ctx->attrs.min_nr_regions = 3;
	ctx->attrs.max_nr_regions = 3;
	damon_fit_nr_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 3);
	i = 0;
	damon_for_each_region(r, t) {
		KUNIT_EXPECT_EQ(test, r->ar.start, PG(i * 10));
		KUNIT_EXPECT_EQ(test, r->nr_accesses, i == 1 ? 10 : 0);
		i++;
	}

	ctx->attrs.min_nr_regions = 6;
	ctx->attrs.max_nr_regions = 6;
	damon_fit_nr_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 6);
	damon_for_each_region(r, t)
		KUNIT_EXPECT_EQ(test, damon_sz_region(r), PG(5));
}

static void damon_test_rescale_region(struct kunit *test)
{
	static const struct damon_addr_range ranges[] = { { PG(0), PG(1) } };
	struct damon_attrs old = {
		.sample_interval = 5000, .aggr_interval = 100000,
	};
	struct damon_attrs new = {
		.sample_interval = 5000, .aggr_interval = 200000,
	};
	/* at most the 20 samples of a window of @old, 40 of @new */
	static const u8 hits[DAMON_MAX_PROBES] = { 0, 5, 10, 20 };
	static const u8 last[DAMON_MAX_PROBES] = { 1, 7, 3, 19 };
	static const u8 hits2[DAMON_MAX_PROBES] = { 0, 10, 20, 40 };
	static const u8 last2[DAMON_MAX_PROBES] = { 2, 14, 6, 38 };
	static const u8 full[DAMON_MAX_PROBES] = {
		0, U8_MAX, U8_MAX, U8_MAX,
	};
	static const u8 full_last[DAMON_MAX_PROBES] = {
		U8_MAX, U8_MAX, U8_MAX, U8_MAX,
	};
	struct damon_target *t = damon_test_new_target(test);
	struct damon_region *r;

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	r = damon_first_region(t);
	/* twice the samples per aggregation, half the aggregations */
	damon_test_set_counters(r, 10, 6, 4);
	damon_test_set_hits(r, hits, last);
	damon_rescale_region(r, &old, &new);
	damon_test_expect_counters(test, r, 20, 3, 8);
	damon_test_expect_hits(test, r, hits2, last2);
	/* and back */
	damon_rescale_region(r, &new, &old);
	damon_test_expect_counters(test, r, 10, 6, 4);
	damon_test_expect_hits(test, r, hits, last);

	/*
	 * Saturated at the new window rather than wrapped: 400000 samples,
	 * 20000 times 20.  No count can exceed a window.
	 */
	new.sample_interval = 1;
	new.aggr_interval = 400000;
	damon_test_set_counters(r, 300000, 6, 4);
	damon_rescale_region(r, &old, &new);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 400000);
	KUNIT_EXPECT_EQ(test, r->last_nr_accesses, 4 * 20000);
	damon_test_expect_hits(test, r, full, full_last);
}

static void damon_test_set_regions_counters(struct kunit *test)
{
	static const struct damon_addr_range before[] = {
		{ PG(0), PG(4) }, { PG(4), PG(8) }, { PG(8), PG(12) },
	};
	static const struct damon_addr_range ranges[] = {
		{ PG(2), PG(6) }, { PG(10), PG(14) },
	};
	static const struct damon_addr_range want[] = {
		{ PG(2), PG(4) }, { PG(4), PG(6) }, { PG(10), PG(12) },
		{ PG(12), PG(14) },
	};
	struct damon_target *t = damon_test_new_target(test);

	damon_test_add_regions(test, t, before, ARRAY_SIZE(before));
	damon_test_set_counters(damon_test_region(t, 0), 1, 11, 1);
	damon_test_set_counters(damon_test_region(t, 1), 2, 12, 2);
	damon_test_set_counters(damon_test_region(t, 2), 3, 13, 3);
	KUNIT_ASSERT_EQ(test, damon_set_regions(t, ranges, ARRAY_SIZE(ranges),
						PAGE_SIZE), 0);
	damon_test_expect_regions(test, t, want, ARRAY_SIZE(want));
	/* parts of old regions keep their counters */
	damon_test_expect_counters(test, damon_test_region(t, 0), 1, 11, 1);
	damon_test_expect_counters(test, damon_test_region(t, 1), 2, 12, 2);
	damon_test_expect_counters(test, damon_test_region(t, 2), 3, 13, 3);
	/* the hole at the end is a new region */
	damon_test_expect_counters(test, damon_test_region(t, 3), 0, 0, 0);
}

static void damon_test_set_regions_align(struct kunit *test)
{
	static const struct damon_addr_range ranges[] = {
		{ PG(1) + 5, PG(3) - 1 },
		/* these two share page 4: joined */
		{ PG(4) + 1, PG(4) + 10 }, { PG(4) + 20, PG(6) },
	};
	/* in units of four pages, the widened ranges touch: joined too */
	static const struct damon_addr_range want_4[] = { { PG(0), PG(8) } };
	static const struct damon_addr_range want_1[] = {
		{ PG(1), PG(3) }, { PG(4), PG(6) },
	};
	struct damon_target *t = damon_test_new_target(test);

	KUNIT_ASSERT_EQ(test, damon_set_regions(t, ranges, ARRAY_SIZE(ranges),
						PG(4)), 0);
	damon_test_expect_regions(test, t, want_4, ARRAY_SIZE(want_4));
	KUNIT_ASSERT_EQ(test, damon_set_regions(t, ranges, ARRAY_SIZE(ranges),
						PAGE_SIZE), 0);
	damon_test_expect_regions(test, t, want_1, ARRAY_SIZE(want_1));
}

static void damon_test_set_regions_invalid(struct kunit *test)
{
	static const struct damon_addr_range before[] = {
		{ PG(0), PG(4) }, { PG(4), PG(8) },
	};
	static const struct damon_addr_range unsorted[] = {
		{ PG(4), PG(6) }, { PG(0), PG(2) },
	};
	static const struct damon_addr_range overlapping[] = {
		{ PG(0), PG(4) }, { PG(4) - 1, PG(6) },
	};
	static const struct damon_addr_range empty[] = {
		{ PG(0), PG(2) }, { PG(3), PG(3) },
	};
	static const struct damon_addr_range inverted[] = {
		{ PG(3), PG(2) },
	};
	struct damon_target *t = damon_test_new_target(test);
	int err;

	damon_test_add_regions(test, t, before, ARRAY_SIZE(before));
	damon_test_set_counters(damon_test_region(t, 0), 1, 11, 1);
	err = damon_set_regions(t, unsorted, ARRAY_SIZE(unsorted), PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	err = damon_set_regions(t, overlapping, ARRAY_SIZE(overlapping),
				PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	err = damon_set_regions(t, empty, ARRAY_SIZE(empty), PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	err = damon_set_regions(t, inverted, ARRAY_SIZE(inverted), PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	/* nothing changed */
	damon_test_expect_regions(test, t, before, ARRAY_SIZE(before));
	damon_test_expect_counters(test, damon_test_region(t, 0), 1, 11, 1);
}

/*
 * Check that @three, @nr of them, cover the @vmas in order, starting and
 * ending on vma boundaries, and leave out gaps of the given sizes.
 */
static void damon_test_expect_three(struct kunit *test,
				    const struct damon_addr_range *vmas,
				    unsigned int nr_vmas,
				    const struct damon_addr_range *three,
				    int nr, unsigned long gap0,
				    unsigned long gap1)
{
	unsigned int i, j = 0;

	KUNIT_ASSERT_EQ(test, nr, 3);
	KUNIT_EXPECT_EQ(test, three[0].start, vmas[0].start);
	KUNIT_EXPECT_EQ(test, three[2].end, vmas[nr_vmas - 1].end);
	KUNIT_EXPECT_EQ(test, three[1].start - three[0].end, gap0);
	KUNIT_EXPECT_EQ(test, three[2].start - three[1].end, gap1);
	for (i = 0; i < nr_vmas; i++) {
		while (j < 3 && three[j].end <= vmas[i].start)
			j++;
		KUNIT_ASSERT_LT_MSG(test, j, 3, "vma %u not covered", i);
		KUNIT_EXPECT_LE_MSG(test, three[j].start, vmas[i].start,
				    "vma %u", i);
		KUNIT_EXPECT_GE_MSG(test, three[j].end, vmas[i].end,
				    "vma %u", i);
	}
}

static void damon_test_three_regions_typical(struct kunit *test)
{
	/* text, data and heap; libraries; the stack */
	static const struct damon_addr_range vmas[] = {
		{ 0x400000UL, 0x401000UL }, { 0x401000UL, 0x480000UL },
		{ 0x490000UL, 0x4a0000UL }, { 0x4a0000UL, 0x8c0000UL },
		{ 0x7f0000000000UL, 0x7f0000100000UL },
		{ 0x7f0000110000UL, 0x7f0000200000UL },
		{ 0x7f0000200000UL, 0x7f0000280000UL },
		{ 0x7ffff0000000UL, 0x7ffff0021000UL },
	};
	struct damon_addr_range three[3];
	int nr;

	nr = damon_three_regions_of(vmas, ARRAY_SIZE(vmas), three);
	damon_test_expect_three(test, vmas, ARRAY_SIZE(vmas), three, nr,
				0x7f0000000000UL - 0x8c0000UL,
				0x7ffff0000000UL - 0x7f0000280000UL);
	KUNIT_EXPECT_EQ(test, three[0].end, 0x8c0000UL);
	KUNIT_EXPECT_EQ(test, three[1].start, 0x7f0000000000UL);
	KUNIT_EXPECT_EQ(test, three[1].end, 0x7f0000280000UL);
	KUNIT_EXPECT_EQ(test, three[2].start, 0x7ffff0000000UL);
}

static void damon_test_three_regions_few(struct kunit *test)
{
	static const struct damon_addr_range vmas[] = {
		{ PG(10), PG(20) }, { PG(100), PG(200) },
	};
	struct damon_addr_range three[3];

	KUNIT_EXPECT_EQ(test, damon_three_regions_of(vmas, 0, three), -EINVAL);
	KUNIT_ASSERT_EQ(test, damon_three_regions_of(vmas, 1, three), 1);
	KUNIT_EXPECT_EQ(test, three[0].start, PG(10));
	KUNIT_EXPECT_EQ(test, three[0].end, PG(20));
	KUNIT_ASSERT_EQ(test, damon_three_regions_of(vmas, 2, three), 2);
	KUNIT_EXPECT_EQ(test, three[0].start, PG(10));
	KUNIT_EXPECT_EQ(test, three[0].end, PG(20));
	KUNIT_EXPECT_EQ(test, three[1].start, PG(100));
	KUNIT_EXPECT_EQ(test, three[1].end, PG(200));
}

static void damon_test_three_regions_adjacent(struct kunit *test)
{
	static const struct damon_addr_range adjacent[] = {
		{ PG(0), PG(1) }, { PG(1), PG(5) }, { PG(5), PG(6) },
		{ PG(6), PG(9) },
	};
	/* a single gap, between the second and the third */
	static const struct damon_addr_range one_gap[] = {
		{ PG(0), PG(1) }, { PG(1), PG(5) }, { PG(50), PG(51) },
		{ PG(51), PG(60) },
	};
	struct damon_addr_range three[3];
	int nr;

	nr = damon_three_regions_of(adjacent, ARRAY_SIZE(adjacent), three);
	damon_test_expect_three(test, adjacent, ARRAY_SIZE(adjacent), three,
				nr, 0, 0);
	nr = damon_three_regions_of(one_gap, ARRAY_SIZE(one_gap), three);
	if (three[1].start - three[0].end)
		damon_test_expect_three(test, one_gap, ARRAY_SIZE(one_gap),
					three, nr, PG(45), 0);
	else
		damon_test_expect_three(test, one_gap, ARRAY_SIZE(one_gap),
					three, nr, 0, PG(45));
}

static void damon_test_three_regions_equal_gaps(struct kunit *test)
{
	static const struct damon_addr_range vmas[] = {
		{ PG(0), PG(1) }, { PG(11), PG(12) }, { PG(22), PG(23) },
		{ PG(33), PG(34) }, { PG(40), PG(41) },
	};
	struct damon_addr_range three[3];
	int nr;

	/* any two of the three gaps of ten pages */
	nr = damon_three_regions_of(vmas, ARRAY_SIZE(vmas), three);
	damon_test_expect_three(test, vmas, ARRAY_SIZE(vmas), three, nr,
				PG(10), PG(10));
}

static int damon_regions_test_init(struct kunit *test)
{
	test->priv = damon_test_new_ctx(test);
	return 0;
}

static void damon_regions_test_exit(struct kunit *test)
{
	/* the context, its targets and probes are freed by a kunit action */
	test->priv = NULL;
}

static struct kunit_case damon_regions_test_cases[] = {
	KUNIT_CASE(damon_test_regions_random),
	KUNIT_CASE(damon_test_split_region_at),
	KUNIT_CASE(damon_test_split_evenly),
	KUNIT_CASE(damon_test_rand_spans),
	KUNIT_CASE(damon_test_max_nr_accesses),
	KUNIT_CASE(damon_test_access_count),
	KUNIT_CASE(damon_test_mvsum),
	KUNIT_CASE(damon_test_mvsum_rounding),
	KUNIT_CASE(damon_test_probe_hits_mvsum),
	KUNIT_CASE(damon_test_probe_hits_wsum),
	KUNIT_CASE(damon_test_reset_aggregated),
	KUNIT_CASE(damon_test_merge_threshold),
	KUNIT_CASE(damon_test_update_ages),
	KUNIT_CASE(damon_test_merge_weighted),
	KUNIT_CASE(damon_test_attrs_only_ages),
	KUNIT_CASE(damon_test_attrs_only_merge),
	KUNIT_CASE(damon_test_attrs_only_merge_passes),
	KUNIT_CASE(damon_test_merge_limits),
	KUNIT_CASE(damon_test_merge_regions_max),
	KUNIT_CASE(damon_test_merge_regions_zero_threshold),
	KUNIT_CASE(damon_test_split_regions_table),
	KUNIT_CASE(damon_test_split_regions_thirds),
	KUNIT_CASE(damon_test_split_some_rotates),
	KUNIT_CASE(damon_test_split_initial_regions),
	KUNIT_CASE(damon_test_split_initial_uneven),
	KUNIT_CASE(damon_test_fit_nr_regions),
	KUNIT_CASE(damon_test_rescale_region),
	KUNIT_CASE(damon_test_set_regions_counters),
	KUNIT_CASE(damon_test_set_regions_align),
	KUNIT_CASE(damon_test_set_regions_invalid),
	KUNIT_CASE(damon_test_three_regions_typical),
	KUNIT_CASE(damon_test_three_regions_few),
	KUNIT_CASE(damon_test_three_regions_adjacent),
	KUNIT_CASE(damon_test_three_regions_equal_gaps),
	{},
};

static struct kunit_suite damon_regions_test_suite = {
	.name = "damon-regions",
	.init = damon_regions_test_init,
	.exit = damon_regions_test_exit,
	.test_cases = damon_regions_test_cases,
};

kunit_test_suite(damon_regions_test_suite);

MODULE_DESCRIPTION("KUnit tests of the DAMON region arithmetic");
MODULE_LICENSE("GPL");

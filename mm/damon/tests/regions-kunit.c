// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the DAMON region arithmetic, mm/damon/regions.c.
 *
 * damon_test_regions_random runs the randomized property checks of
 * regions-props.h (tools/testing/damon runs them too, many more times,
 * under ASan and UBSan); the other cases check exact results.
 */

#include <kunit/test.h>
#include <linux/damon.h>
#include <linux/slab.h>

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

static void damon_test_split_region_at(struct kunit *test)
{
	static const struct damon_addr_range ranges[] = { { PG(0), PG(10) } };
	static const struct damon_addr_range want[] = {
		{ PG(0), PG(3) }, { PG(3), PG(10) },
	};
	struct damon_target *t = damon_test_new_target(test);

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	damon_test_set_counters(damon_first_region(t), 3, 30000, 5, 2);
	KUNIT_ASSERT_EQ(test, damon_split_region_at(t, damon_first_region(t),
						    PG(3)), 0);
	damon_test_expect_regions(test, t, want, ARRAY_SIZE(want));
	damon_test_expect_counters(test, damon_test_region(t, 0),
				   3, 30000, 5, 2);
	damon_test_expect_counters(test, damon_test_region(t, 1),
				   3, 30000, 5, 2);
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

static void damon_test_max_nr_accesses(struct kunit *test)
{
	struct damon_attrs attrs = {
		.sample_interval = 5000, .aggr_interval = 100000,
	};

	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs), 20);
	attrs.aggr_interval = 1000;
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs), 1);
	attrs.sample_interval = 0;
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs), 1);
	attrs.sample_interval = 1;
	attrs.aggr_interval = ULONG_MAX;
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs),
			UINT_MAX / DAMON_BP_UNIT);
}

/* Feed @nr samples, accessed or not, to @r. */
static void damon_test_samples(struct damon_region *r, unsigned int nr,
			       bool accessed, const struct damon_attrs *attrs)
{
	while (nr--)
		damon_update_region_access_rate(r, accessed, attrs);
}

static void damon_test_access_rate_steady(struct kunit *test)
{
	static const struct damon_addr_range ranges[] = { { PG(0), PG(1) } };
	struct damon_attrs attrs = {
		.sample_interval = 5000, .aggr_interval = 100000,
	};
	struct damon_target *t = damon_test_new_target(test);
	unsigned int window = damon_max_nr_accesses(&attrs), prev = 0, i;
	struct damon_region *r;

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	r = damon_first_region(t);

	/* never accessed: stays at zero */
	damon_test_samples(r, 10 * window, false, &attrs);
	KUNIT_EXPECT_EQ(test, r->nr_accesses_bp, 0);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 0);

	/* always accessed: grows steadily and settles at a full window */
	for (i = 0; i < 50 * window; i++) {
		damon_update_region_access_rate(r, true, &attrs);
		KUNIT_ASSERT_GE(test, r->nr_accesses_bp, prev);
		KUNIT_ASSERT_LE(test, r->nr_accesses_bp,
				window * DAMON_BP_UNIT);
		prev = r->nr_accesses_bp;
	}
	KUNIT_EXPECT_EQ(test, r->nr_accesses_bp, window * DAMON_BP_UNIT);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 50 * window);

	/* and from there, never accessed again: back to zero */
	damon_test_samples(r, 50 * window, false, &attrs);
	KUNIT_EXPECT_EQ(test, r->nr_accesses_bp, 0);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 50 * window);
}

static void damon_test_access_rate_half(struct kunit *test)
{
	static const struct damon_addr_range ranges[] = { { PG(0), PG(1) } };
	struct damon_attrs attrs = {
		.sample_interval = 1000, .aggr_interval = 10000,
	};
	struct damon_target *t = damon_test_new_target(test);
	unsigned int window = damon_max_nr_accesses(&attrs), i;
	struct damon_region *r;

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	r = damon_first_region(t);
	for (i = 0; i < 100 * window; i++)
		damon_update_region_access_rate(r, i % 2, &attrs);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 50 * window);
	/* every other sample: about half a window's worth */
	KUNIT_EXPECT_GE(test, r->nr_accesses_bp,
			window * DAMON_BP_UNIT / 2 - DAMON_BP_UNIT);
	KUNIT_EXPECT_LE(test, r->nr_accesses_bp,
			window * DAMON_BP_UNIT / 2 + DAMON_BP_UNIT);
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
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	damon_test_set_counters(damon_test_region(t, 0), 5, 0, 3, 5);
	damon_test_set_counters(damon_test_region(t, 1), 5, 0, 3, 7);
	damon_test_set_counters(damon_test_region(t, 2), 5, 0, 3, 8);
	damon_test_set_counters(damon_test_region(t, 3), 10, 0, 7, 0);
	damon_test_set_counters(damon_test_region(t, 4), 4, 0, UINT_MAX, 4);
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
	struct damon_target *t = damon_test_new_target(test);

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	damon_test_set_counters(damon_test_region(t, 0), 10, 100000, 4, 1);
	damon_test_set_counters(damon_test_region(t, 1), 2, 20000, 8, 5);
	damon_merge_regions_of(t, 10, PG(100));
	damon_test_expect_regions(test, t, want, ARRAY_SIZE(want));
	/* one page of the first, three of the second */
	damon_test_expect_counters(test, damon_first_region(t),
				   (10 + 2 * 3) / 4, (100000 + 20000 * 3) / 4,
				   (4 + 8 * 3) / 4, (1 + 5 * 3) / 4);
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
	struct damon_ctx *ctx = damon_test_new_ctx(test);
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
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_zebra(test, ctx);

	/* a zero threshold must still grow */
	ctx->attrs.max_nr_regions = 4;
	damon_merge_regions(ctx, 0);
	KUNIT_EXPECT_LE(test, damon_nr_regions(t), 4);
}

static void damon_test_split_regions_cap(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	static const struct damon_addr_range ranges[] = {
		{ PG(0), PG(1000) }, { PG(1000), PG(2000) },
	};

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	ctx->attrs.max_nr_regions = 3;
	/* two regions cut in two would make four */
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 2);
	ctx->attrs.max_nr_regions = 5;
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 4);
	/* never more than two pieces, however much room is left */
	ctx->attrs.max_nr_regions = 1000;
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 8);
}

static void damon_test_split_initial_regions(struct kunit *test)
{
	static const struct damon_addr_range big[] = { { PG(0), PG(100) } };
	static const struct damon_addr_range small[] = { { PG(0), PG(5) } };
	struct damon_ctx *ctx = damon_test_new_ctx(test);
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
	struct damon_ctx *ctx = damon_test_new_ctx(test);
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
	struct damon_ctx *ctx = damon_test_new_ctx(test);
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
	struct damon_target *t = damon_test_new_target(test);
	struct damon_region *r;

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	r = damon_first_region(t);
	/* twice the samples per aggregation, half the aggregations */
	damon_test_set_counters(r, 10, 100000, 6, 4);
	damon_rescale_region(r, &old, &new);
	damon_test_expect_counters(test, r, 20, 200000, 3, 8);
	/* and back */
	damon_rescale_region(r, &new, &old);
	damon_test_expect_counters(test, r, 10, 100000, 6, 4);

	/* saturated rather than wrapped */
	new.sample_interval = 1;
	new.aggr_interval = 1000000;
	damon_test_set_counters(r, 10, UINT_MAX / 2, 6, 4);
	damon_rescale_region(r, &old, &new);
	KUNIT_EXPECT_EQ(test, r->nr_accesses_bp, UINT_MAX);
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
	damon_test_set_counters(damon_test_region(t, 0), 1, 10000, 11, 1);
	damon_test_set_counters(damon_test_region(t, 1), 2, 20000, 12, 2);
	damon_test_set_counters(damon_test_region(t, 2), 3, 30000, 13, 3);
	KUNIT_ASSERT_EQ(test, damon_set_regions(t, ranges, ARRAY_SIZE(ranges),
						PAGE_SIZE), 0);
	damon_test_expect_regions(test, t, want, ARRAY_SIZE(want));
	/* parts of old regions keep their counters */
	damon_test_expect_counters(test, damon_test_region(t, 0),
				   1, 10000, 11, 1);
	damon_test_expect_counters(test, damon_test_region(t, 1),
				   2, 20000, 12, 2);
	damon_test_expect_counters(test, damon_test_region(t, 2),
				   3, 30000, 13, 3);
	/* the hole at the end is a new region */
	damon_test_expect_counters(test, damon_test_region(t, 3), 0, 0, 0, 0);
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
	damon_test_set_counters(damon_test_region(t, 0), 1, 10000, 11, 1);
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
	damon_test_expect_counters(test, damon_test_region(t, 0),
				   1, 10000, 11, 1);
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

static struct kunit_case damon_regions_test_cases[] = {
	KUNIT_CASE(damon_test_regions_random),
	KUNIT_CASE(damon_test_split_region_at),
	KUNIT_CASE(damon_test_split_evenly),
	KUNIT_CASE(damon_test_max_nr_accesses),
	KUNIT_CASE(damon_test_access_rate_steady),
	KUNIT_CASE(damon_test_access_rate_half),
	KUNIT_CASE(damon_test_merge_threshold),
	KUNIT_CASE(damon_test_update_ages),
	KUNIT_CASE(damon_test_merge_weighted),
	KUNIT_CASE(damon_test_merge_limits),
	KUNIT_CASE(damon_test_merge_regions_max),
	KUNIT_CASE(damon_test_merge_regions_zero_threshold),
	KUNIT_CASE(damon_test_split_regions_cap),
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
	.test_cases = damon_regions_test_cases,
};

kunit_test_suite(damon_regions_test_suite);

MODULE_DESCRIPTION("KUnit tests of the DAMON region arithmetic");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the sub-region summary of mm/damon/regions.c: the
 * stratified pick of sampling addresses, the two maps a sample fills, the
 * edges damon_sub_cuts() finds in them, and what the merge and the split
 * do with those edges.
 */

#include <kunit/test.h>
#include <linux/bitops.h>
#include <linux/damon.h>

#include "damon-kunit.h"

#define PG(n)			DAMON_TEST_PG(n)
#define ALL_SUBS		((u16)GENMASK(DAMON_NR_SUBS - 1, 0))

/* The context of the running test, made by the suite's .init. */
static struct damon_ctx *damon_test_ctx(struct kunit *test)
{
	return test->priv;
}

/* ==================== damon_sub_cuts() ==================== */

/**
 * struct damon_test_sub_cuts - A summary and the cuts it must give.
 * @name:	What the row checks.
 * @sampled:	Sub-regions looked at.
 * @hits:	Sub-regions where an access was found.
 * @nr:		Number of cuts.
 * @cuts:	The cuts, the better first.
 */
struct damon_test_sub_cuts {
	const char *name;
	u16 sampled;
	u16 hits;
	unsigned int nr;
	u8 cuts[2];
};

/*
 * Scores, n_l n_r (m_l - m_r)^2 times n, over 16 looked-at parts: the
 * edges of 4..11 hot score 32^2 / 48 each, and the lower wins the tie;
 * of 5..6 cold in hot memory, the cut at 7 (18^2 / 63) beats the one at
 * 5 (10^2 / 55).
 */
static const struct damon_test_sub_cuts damon_test_sub_cuts_rows[] = {
	{ "nothing looked at", 0, 0, 0 },
	{ "one part looked at", BIT(3), BIT(3), 0 },
	{ "all cold", ALL_SUBS, 0, 0 },
	{ "all hot", ALL_SUBS, ALL_SUBS, 0 },
	{ "hot left half", ALL_SUBS, 0x00ff, 1, { 8 } },
	{ "hot middle", ALL_SUBS, 0x0ff0, 2, { 4, 12 } },
	{ "lone miss in hot memory", ALL_SUBS, ALL_SUBS & ~BIT(5), 0 },
	{ "two misses in hot memory", ALL_SUBS,
	  ALL_SUBS & ~(BIT(5) | BIT(6)), 2, { 7, 5 } },
	{ "cut half-way across parts not looked at", BIT(0) | BIT(15),
	  BIT(0), 1, { 8 } },
	{ "hits where nothing was looked at", 0x00ff, 0xff00, 0 },
	{ "three edges: the best two", ALL_SUBS, 0x0f0f, 2, { 4, 12 } },
	{ "hot last part", ALL_SUBS, BIT(15), 1, { 15 } },
};

static void damon_test_sub_cuts(struct kunit *test)
{
	const struct damon_test_sub_cuts *row;
	unsigned int i, j, nr;
	u8 cuts[2];

	for (i = 0; i < ARRAY_SIZE(damon_test_sub_cuts_rows); i++) {
		row = &damon_test_sub_cuts_rows[i];
		nr = damon_sub_cuts(row->sampled, row->hits, cuts);
		KUNIT_EXPECT_EQ_MSG(test, nr, row->nr, "%s", row->name);
		for (j = 0; j < min(nr, row->nr); j++)
			KUNIT_EXPECT_EQ_MSG(test, cuts[j], row->cuts[j],
					    "%s, cut %u", row->name, j);
	}
}

/* ==================== The pick and the maps ==================== */

/*
 * Sample i of a region looks at a unit of sub-region i mod DAMON_NR_SUBS,
 * at a multiple of the unit from the start of the region, inside it.
 */
static void damon_test_expect_pick(struct kunit *test, unsigned long pages,
				   unsigned long unit)
{
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	struct damon_region *r = damon_test_new_region(test, t, PG(3),
						       PG(3 + pages));
	unsigned long sz = damon_sz_region(r), w, off, i;

	w = sz / DAMON_NR_SUBS + !!(sz % DAMON_NR_SUBS);
	for (i = 0; i < 2 * DAMON_NR_SUBS; i++) {
		ctx->passed_sample_intervals = 1000 + i;
		r->sampling_addr = damon_pick_sampling_addr(ctx, r, unit);
		off = r->sampling_addr - r->ar.start;
		KUNIT_EXPECT_LT_MSG(test, off, sz, "%lu pages, sample %lu",
				    pages, i);
		KUNIT_EXPECT_EQ_MSG(test, off % unit, 0,
				    "%lu pages, sample %lu", pages, i);
		/* the part holds a unit's start: the pick is in it */
		if (DIV_ROUND_UP(((1000 + i) % DAMON_NR_SUBS) * w, unit) * unit <
		    min(sz, ((1000 + i) % DAMON_NR_SUBS + 1) * w))
			KUNIT_EXPECT_EQ_MSG(test, off / w,
					    (1000 + i) % DAMON_NR_SUBS,
					    "%lu pages, sample %lu", pages, i);
		damon_update_region_access_rate(r, false);
	}
	/* every part with a unit's start in it, and no other */
	KUNIT_EXPECT_EQ_MSG(test, hweight16(r->sub_sampled),
			    min_t(unsigned long, DAMON_NR_SUBS,
				  DIV_ROUND_UP(sz, unit)),
			    "%lu pages", pages);
	KUNIT_EXPECT_EQ(test, r->sub_hits, 0);
}

static void damon_test_pick_stratified(struct kunit *test)
{
	static const unsigned long pages[] = { 1, 2, 7, 15, 16, 17, 100, 513,
					       4096 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		damon_test_expect_pick(test, pages[i], PAGE_SIZE);
		damon_test_expect_pick(test, pages[i], 1);
	}
}

/* A sample notes its part, and the part's access, in the maps. */
static void damon_test_access_rate_maps(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	struct damon_region *r = damon_test_new_region(test, t, PG(0),
						       PG(160));

	r->sampling_addr = PG(25);
	damon_update_region_access_rate(r, true);
	r->sampling_addr = PG(159);
	damon_update_region_access_rate(r, false);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 1);
	KUNIT_EXPECT_EQ(test, r->sub_sampled, BIT(2) | BIT(15));
	KUNIT_EXPECT_EQ(test, r->sub_hits, BIT(2));
	/* an address outside the region counts, but in no part */
	r->sampling_addr = PG(160);
	damon_update_region_access_rate(r, true);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 2);
	KUNIT_EXPECT_EQ(test, r->sub_sampled, BIT(2) | BIT(15));
}

/* Cutting or merging regions makes their parts others: maps restart. */
static void damon_test_maps_cleared(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	struct damon_region *r = damon_test_new_region(test, t, PG(0),
						       PG(160));
	struct damon_region *right;

	r->sub_sampled = ALL_SUBS;
	r->sub_hits = 0x00ff;
	KUNIT_ASSERT_EQ(test, damon_split_region_at(t, r, PG(80)), 0);
	right = list_next_entry(r, list);
	KUNIT_EXPECT_EQ(test, r->sub_sampled | r->sub_hits, 0);
	KUNIT_EXPECT_EQ(test, right->sub_sampled | right->sub_hits, 0);
	right->sub_sampled = BIT(1);
	damon_merge_regions_of(t, 0, ULONG_MAX);
	KUNIT_ASSERT_EQ(test, damon_nr_regions(t), 1);
	KUNIT_EXPECT_EQ(test, r->sub_sampled | r->sub_hits, 0);
}

/* ==================== Merge and split ==================== */

/* Regions of @t, as [start, end) in pages, must be @want. */
static void damon_test_expect_pages(struct kunit *test, struct damon_target *t,
				    const unsigned long (*want)[2],
				    unsigned int nr)
{
	struct damon_region *r;
	unsigned int i = 0;

	KUNIT_ASSERT_EQ(test, damon_nr_regions(t), nr);
	damon_for_each_region(r, t) {
		KUNIT_EXPECT_EQ_MSG(test, r->ar.start, PG(want[i][0]),
				    "region %u", i);
		KUNIT_EXPECT_EQ_MSG(test, r->ar.end, PG(want[i][1]),
				    "region %u", i);
		KUNIT_EXPECT_EQ_MSG(test, r->sub_sampled | r->sub_hits, 0,
				    "region %u", i);
		i++;
	}
}

/* Parts 4..7 of 16 hot: two cuts, at 40 and 80 pages of 160. */
static void damon_test_split_at_edges(struct kunit *test)
{
	static const unsigned long three[][2] = {
		{ 0, 40 }, { 40, 80 }, { 80, 160 },
	};
	static const unsigned long two[][2] = { { 0, 80 }, { 80, 160 } };
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	struct damon_region *r = damon_test_new_region(test, t, PG(0),
						       PG(160));

	r->sub_sampled = ALL_SUBS;
	r->sub_hits = 0x00f0;
	ctx->attrs.max_nr_regions = 1000;
	damon_split_regions(ctx);
	damon_test_expect_pages(test, t, three, ARRAY_SIZE(three));

	/* no room for a third piece: only the better cut, at part 8 */
	damon_destroy_regions(t);
	r = damon_test_new_region(test, t, PG(0), PG(160));
	r->sub_sampled = ALL_SUBS;
	r->sub_hits = 0x00f0;
	ctx->attrs.max_nr_regions = 2;
	damon_split_regions(ctx);
	damon_test_expect_pages(test, t, two, ARRAY_SIZE(two));
}

/*
 * Without an edge, a region found accessed by 3/4 of the samples or more
 * is hot all over and stays whole; a colder one is cut at random.
 */
static void damon_test_split_hot_whole(struct kunit *test)
{
	static const unsigned long whole[][2] = { { 0, 160 } };
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	unsigned int max = damon_max_nr_accesses(&ctx->attrs);
	struct damon_region *r = damon_test_new_region(test, t, PG(0),
						       PG(160));

	ctx->attrs.max_nr_regions = 1000;
	r->sub_sampled = ALL_SUBS;
	r->sub_hits = ALL_SUBS;
	r->last_nr_accesses = DIV_ROUND_UP(max * 3, 4);
	damon_split_regions(ctx);
	damon_test_expect_pages(test, t, whole, ARRAY_SIZE(whole));

	/* in three: the number of regions did not change since the last */
	r->last_nr_accesses = max * 3 / 4 - 1;
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 3);
}

/*
 * A region with an edge stays out of the merge that comes before the
 * split, unless the regions do not fit max_nr_regions otherwise.
 */
static void damon_test_merge_keeps_edges(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	struct damon_region *a, *b, *c;

	ctx->attrs.min_nr_regions = 1;
	ctx->attrs.max_nr_regions = 3;
	a = damon_test_new_region(test, t, PG(0), PG(160));
	b = damon_test_new_region(test, t, PG(160), PG(320));
	c = damon_test_new_region(test, t, PG(320), PG(480));
	b->sub_sampled = ALL_SUBS;
	b->sub_hits = 0x00ff;
	damon_merge_regions(ctx, 10);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 3);
	KUNIT_EXPECT_EQ(test, a->ar.end, PG(160));
	KUNIT_EXPECT_EQ(test, b->sub_hits, 0x00ff);
	KUNIT_EXPECT_EQ(test, c->ar.start, PG(320));

	/* only two fit: the edge gives way */
	ctx->attrs.max_nr_regions = 2;
	damon_merge_regions(ctx, 10);
	KUNIT_EXPECT_LE(test, damon_nr_regions(t), 2);

	/* without an edge, all three merge */
	damon_destroy_regions(t);
	damon_test_new_region(test, t, PG(0), PG(160));
	damon_test_new_region(test, t, PG(160), PG(320));
	damon_test_new_region(test, t, PG(320), PG(480));
	ctx->attrs.max_nr_regions = 3;
	damon_merge_regions(ctx, 10);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 1);
}

static int damon_subs_test_init(struct kunit *test)
{
	test->priv = damon_test_new_ctx(test);
	return 0;
}

static void damon_subs_test_exit(struct kunit *test)
{
	/* the context and its targets are freed by a kunit action */
	test->priv = NULL;
}

static struct kunit_case damon_subs_test_cases[] = {
	KUNIT_CASE(damon_test_sub_cuts),
	KUNIT_CASE(damon_test_pick_stratified),
	KUNIT_CASE(damon_test_access_rate_maps),
	KUNIT_CASE(damon_test_maps_cleared),
	KUNIT_CASE(damon_test_split_at_edges),
	KUNIT_CASE(damon_test_split_hot_whole),
	KUNIT_CASE(damon_test_merge_keeps_edges),
	{},
};

static struct kunit_suite damon_subs_test_suite = {
	.name = "damon-subs",
	.init = damon_subs_test_init,
	.exit = damon_subs_test_exit,
	.test_cases = damon_subs_test_cases,
};

kunit_test_suite(damon_subs_test_suite);

MODULE_DESCRIPTION("KUnit tests of the DAMON sub-region summary");
MODULE_LICENSE("GPL");

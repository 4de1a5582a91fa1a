// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the region self-check, damon_validate_regions(), which
 * CONFIG_DAMON_DEBUG_SANITY runs after every aggregation and commit.
 *
 * Every case starts from a sound context and breaks one thing (or none,
 * or two): the check must count exactly what was broken, and nothing on
 * a sound context, however the regions got there.
 */

#include <kunit/test.h>
#include <linux/damon.h>
#include <linux/list.h>

#include "damon-kunit.h"

#define PG(n)		DAMON_TEST_PG(n)

/* The sound context: default attributes, one target, four regions. */
static const struct damon_addr_range validate_good[] = {
	{ PG(0), PG(2) }, { PG(2), PG(4) }, { PG(4), PG(8) },
	/* apart from the others */
	{ PG(10), PG(12) },
};

/* Samples per aggregation interval of @ctx: the bound of its counters. */
static unsigned int validate_window(const struct damon_ctx *ctx)
{
	return max(damon_window_samples(&ctx->attrs), 1UL);
}

static struct damon_target *validate_target(struct damon_ctx *ctx)
{
	return list_first_entry(&ctx->adaptive_targets, struct damon_target,
				list);
}

static struct damon_region *validate_region(struct damon_ctx *ctx,
					    unsigned int idx)
{
	return damon_test_region(validate_target(ctx), idx);
}

/* ==================== Corruptions ==================== */

static void validate_break_nothing(struct damon_ctx *ctx)
{
}

static void validate_break_empty(struct damon_ctx *ctx)
{
	struct damon_region *r = validate_region(ctx, 1);

	r->ar.end = r->ar.start;
}

static void validate_break_inverted(struct damon_ctx *ctx)
{
	struct damon_region *r = validate_region(ctx, 1);

	r->ar.start = PG(3);
	r->ar.end = PG(2);
}

static void validate_break_overlap(struct damon_ctx *ctx)
{
	validate_region(ctx, 0)->ar.end = PG(3);
}

/* The second and third regions swap places in the list. */
static void validate_break_unsorted(struct damon_ctx *ctx)
{
	list_move(&validate_region(ctx, 1)->list,
		  &validate_region(ctx, 2)->list);
}

static void validate_break_misaligned(struct damon_ctx *ctx)
{
	validate_region(ctx, 3)->ar.end = PG(12) + 1;
}

static void validate_break_nr_regions(struct damon_ctx *ctx)
{
	validate_target(ctx)->nr_regions++;
}

static void validate_break_nr_accesses(struct damon_ctx *ctx)
{
	validate_region(ctx, 0)->nr_accesses = validate_window(ctx) + 1;
}

/* At the bound is still sound: a window of all accesses. */
static void validate_break_nr_accesses_full(struct damon_ctx *ctx)
{
	struct damon_region *r = validate_region(ctx, 0);

	r->nr_accesses = validate_window(ctx);
	r->last_nr_accesses = validate_window(ctx);
	r->probe_hits[0] = validate_window(ctx);
	r->last_probe_hits[DAMON_MAX_PROBES - 1] = validate_window(ctx);
}

static void validate_break_last_nr_accesses(struct damon_ctx *ctx)
{
	validate_region(ctx, 2)->last_nr_accesses = validate_window(ctx) + 1;
}

static void validate_break_probe_hits(struct damon_ctx *ctx)
{
	validate_region(ctx, 2)->probe_hits[1] = validate_window(ctx) + 1;
}

static void validate_break_last_probe_hits(struct damon_ctx *ctx)
{
	validate_region(ctx, 3)->last_probe_hits[DAMON_MAX_PROBES - 1] =
		validate_window(ctx) + 1;
}

static void validate_break_sub_hits(struct damon_ctx *ctx)
{
	struct damon_region *r = validate_region(ctx, 1);

	r->sub_sampled = BIT(0) | BIT(3);
	r->sub_hits = BIT(3) | BIT(7);
}

static void validate_break_sampling_addr(struct damon_ctx *ctx)
{
	struct damon_region *r = validate_region(ctx, 2);

	r->sampling_addr = r->ar.end;
}

/* Too many regions, and the first two could still merge. */
static void validate_break_too_many(struct damon_ctx *ctx)
{
	ctx->attrs.max_nr_regions = 3;
	ctx->attrs.min_nr_regions = 1;
}

/*
 * Too many regions, but min_nr_regions (10 by default) keeps them under
 * a page each, which no two touching ones are: the merge could do no
 * more, so the number is sound.
 */
static void validate_break_too_many_limited(struct damon_ctx *ctx)
{
	ctx->attrs.max_nr_regions = 3;
}

/* Too many regions, all apart: nothing can merge either. */
static void validate_break_too_many_apart(struct damon_ctx *ctx)
{
	validate_break_too_many(ctx);
	validate_region(ctx, 1)->ar.start = PG(3);
	validate_region(ctx, 2)->ar.start = PG(5);
}

/* Two things at once are counted as two. */
static void validate_break_two(struct damon_ctx *ctx)
{
	validate_break_overlap(ctx);
	validate_break_probe_hits(ctx);
}

/**
 * struct validate_case - One way of breaking the sound context.
 * @name:	What is broken.
 * @corrupt:	Breaks it.
 * @flags:	&enum damon_validate_flags to check with.
 * @want:	Number of broken invariants the check must count.
 */
struct validate_case {
	const char *name;
	void (*corrupt)(struct damon_ctx *ctx);
	unsigned int flags;
	int want;
};

#define VALIDATE_ALL	(DAMON_VALIDATE_RUNNING | DAMON_VALIDATE_SAMPLING)

static const struct validate_case validate_cases[] = {
	{ "sound", validate_break_nothing, VALIDATE_ALL, 0 },
	{ "empty region", validate_break_empty, 0, 1 },
	{ "inverted region", validate_break_inverted, 0, 1 },
	{ "overlap", validate_break_overlap, 0, 1 },
	{ "unsorted", validate_break_unsorted, 0, 1 },
	{ "misaligned", validate_break_misaligned, 0, 1 },
	{ "nr_regions mismatch", validate_break_nr_regions, 0, 1 },
	{ "nr_accesses over the window", validate_break_nr_accesses,
	  DAMON_VALIDATE_COUNTERS, 1 },
	{ "nr_accesses not checked", validate_break_nr_accesses, 0, 0 },
	{ "counters at the window", validate_break_nr_accesses_full,
	  VALIDATE_ALL, 0 },
	{ "last_nr_accesses over the window",
	  validate_break_last_nr_accesses, DAMON_VALIDATE_COUNTERS, 1 },
	{ "probe hits over the window", validate_break_probe_hits,
	  DAMON_VALIDATE_COUNTERS, 1 },
	{ "last probe hits over the window", validate_break_last_probe_hits,
	  DAMON_VALIDATE_COUNTERS, 1 },
	{ "sub-region hits where no sample looked", validate_break_sub_hits,
	  DAMON_VALIDATE_COUNTERS, 1 },
	{ "sampling_addr outside", validate_break_sampling_addr,
	  DAMON_VALIDATE_SAMPLING, 1 },
	{ "sampling_addr not checked", validate_break_sampling_addr,
	  DAMON_VALIDATE_RUNNING, 0 },
	{ "too many regions", validate_break_too_many,
	  DAMON_VALIDATE_NR_REGIONS, 1 },
	{ "too many regions not checked", validate_break_too_many, 0, 0 },
	{ "too many regions, size-limited", validate_break_too_many_limited,
	  DAMON_VALIDATE_NR_REGIONS, 0 },
	{ "too many regions, apart", validate_break_too_many_apart,
	  DAMON_VALIDATE_NR_REGIONS, 0 },
	{ "two broken", validate_break_two, VALIDATE_ALL, 2 },
};

static void validate_case_desc(const struct validate_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(validate, validate_cases, validate_case_desc);

/* ==================== Tests ==================== */

static struct damon_ctx *validate_ctx(struct kunit *test)
{
	return test->priv;
}

/* The check counts exactly what the case broke. */
static void validate_test_case(struct kunit *test)
{
	const struct validate_case *c = test->param_value;
	struct damon_ctx *ctx = validate_ctx(test);

	KUNIT_ASSERT_EQ(test, damon_validate_regions(ctx, VALIDATE_ALL), 0);
	c->corrupt(ctx);
	KUNIT_EXPECT_EQ(test, damon_validate_regions(ctx, c->flags), c->want);
	/* what damon_validate_regions() adds up, for the one target */
	if (!(c->flags & DAMON_VALIDATE_NR_REGIONS))
		KUNIT_EXPECT_EQ(test,
				damon_validate_regions_of(validate_target(ctx),
							  0, &ctx->attrs,
							  ctx->min_sz_region,
							  c->flags),
				c->want);
	/* the list must be whole again for the exit to free it */
	validate_target(ctx)->nr_regions = ARRAY_SIZE(validate_good);
}

/* A broken region in a second target is counted too. */
static void validate_test_second_target(struct kunit *test)
{
	struct damon_ctx *ctx = validate_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	struct damon_region *r;

	r = damon_test_new_region(test, t, PG(0), PG(4));
	KUNIT_EXPECT_EQ(test, damon_validate_regions(ctx, VALIDATE_ALL), 0);
	r->ar.end = PG(4) - 1;
	KUNIT_EXPECT_EQ(test, damon_validate_regions(ctx, VALIDATE_ALL), 1);
	KUNIT_EXPECT_EQ(test, damon_validate_regions_of(t, 1, &ctx->attrs,
							ctx->min_sz_region, 0),
			1);
	/* no alignment asked */
	KUNIT_EXPECT_EQ(test, damon_validate_regions_of(t, 1, &ctx->attrs, 0,
							0),
			0);
}

/* Every region of a long broken list is counted, past the printed ones. */
static void validate_test_many_broken(struct kunit *test)
{
	struct damon_ctx *ctx = validate_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);
	struct damon_region *r;
	unsigned int i;

	for (i = 0; i < 40; i++)
		damon_test_new_region(test, t, PG(i) + 1, PG(i + 1));
	KUNIT_EXPECT_EQ(test, damon_validate_regions(ctx, 0), 40);
	KUNIT_EXPECT_EQ(test, damon_validate_regions(ctx, 0),
			damon_validate_regions_of(t, 1, NULL, PAGE_SIZE, 0));
	damon_for_each_region(r, t)
		r->ar.start--;
	KUNIT_EXPECT_EQ(test, damon_validate_regions(ctx, 0), 0);
}

/*
 * More targets than max_nr_regions allows regions: the fit leaves one
 * region per target, which is sound.
 */
static void validate_test_fit_more_targets(struct kunit *test)
{
	struct damon_ctx *ctx = validate_ctx(test);
	struct damon_target *t;
	unsigned int i;

	ctx->attrs.min_nr_regions = 1;
	ctx->attrs.max_nr_regions = 3;
	for (i = 0; i < 4; i++) {
		t = damon_test_add_target(test, ctx);
		damon_test_new_region(test, t, PG(0), PG(1));
	}
	damon_fit_nr_regions(ctx);
	KUNIT_EXPECT_GT(test, damon_nr_regions_ctx(ctx),
			ctx->attrs.max_nr_regions);
	KUNIT_EXPECT_EQ(test, damon_validate_regions(ctx, VALIDATE_ALL), 0);
}

/* The fit brings touching regions under max_nr_regions: sound. */
static void validate_test_fit_merges(struct kunit *test)
{
	struct damon_ctx *ctx = validate_ctx(test);
	struct damon_region *r;

	ctx->attrs.min_nr_regions = 1;
	ctx->attrs.max_nr_regions = 2;
	damon_for_each_region(r, validate_target(ctx))
		r->nr_accesses = r->ar.start / PAGE_SIZE;
	damon_fit_nr_regions(ctx);
	KUNIT_EXPECT_LE(test, damon_nr_regions_ctx(ctx), 2);
	KUNIT_EXPECT_EQ(test, damon_validate_regions(ctx, VALIDATE_ALL), 0);
}

/* An aggregation step, by hand: sound after it. */
static void validate_test_aggregation(struct kunit *test)
{
	struct damon_ctx *ctx = validate_ctx(test);
	unsigned long thres;
	struct damon_region *r;
	unsigned int i = 0;

	damon_for_each_region(r, validate_target(ctx))
		r->nr_accesses = i++ % 2 ? validate_window(ctx) : 0;
	thres = damon_aggregation_threshold(ctx);
	damon_update_ages(ctx, thres);
	damon_merge_regions(ctx, thres);
	damon_reset_aggregated(ctx);
	damon_split_regions(ctx);
	KUNIT_EXPECT_EQ(test,
			damon_validate_regions(ctx, DAMON_VALIDATE_RUNNING), 0);
}

static int validate_test_init(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);

	damon_test_add_regions(test, t, validate_good,
			       ARRAY_SIZE(validate_good));
	test->priv = ctx;
	return 0;
}

static struct kunit_case validate_test_cases[] = {
	KUNIT_CASE_PARAM(validate_test_case, validate_gen_params),
	KUNIT_CASE(validate_test_second_target),
	KUNIT_CASE(validate_test_many_broken),
	KUNIT_CASE(validate_test_fit_more_targets),
	KUNIT_CASE(validate_test_fit_merges),
	KUNIT_CASE(validate_test_aggregation),
	{},
};

static struct kunit_suite validate_test_suite = {
	.name = "damon-validate",
	.init = validate_test_init,
	.test_cases = validate_test_cases,
};

kunit_test_suite(validate_test_suite);

MODULE_DESCRIPTION("KUnit tests of the DAMON region self-check");
MODULE_LICENSE("GPL");

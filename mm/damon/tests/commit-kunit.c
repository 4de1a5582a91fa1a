// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of damon_commit_ctx(), mm/damon/commit.c, on contexts that
 * do not run.
 */

#include <kunit/test.h>
#include <linux/damon.h>
#include <linux/pid.h>
#include <linux/sched.h>

#include "damon-kunit.h"

#define PG(n)			DAMON_TEST_PG(n)

/* Never called: the contexts of this suite do not run. */
static const struct damon_operations damon_test_commit_ops = {
	.id = DAMON_OPS_PADDR,
	.name = "commit-test",
	.start_sample = damon_test_nop,
	.finish_sample = damon_test_nop,
};

/* Another set, to tell them apart. */
static const struct damon_operations damon_test_commit_ops2 = {
	.id = DAMON_OPS_VADDR,
	.name = "commit-test2",
	.start_sample = damon_test_nop,
	.finish_sample = damon_test_nop,
};

/* A context of the test operation set and @nr targets without pid. */
static struct damon_ctx *damon_test_commit_ctx(struct kunit *test,
					       unsigned int nr)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);

	ctx->ops = &damon_test_commit_ops;
	while (nr--)
		damon_test_add_target(test, ctx);
	return ctx;
}

static struct damon_target *damon_test_target(struct damon_ctx *ctx,
					      unsigned int idx)
{
	struct damon_target *t;

	damon_for_each_target(t, ctx) {
		if (!idx--)
			return t;
	}
	return NULL;
}

static unsigned int damon_test_nr_targets(struct damon_ctx *ctx)
{
	return list_count_nodes(&ctx->adaptive_targets);
}

/* A pid reference the target it is given to will drop. */
static struct pid *damon_test_get_pid(void)
{
	return get_pid(task_pid(current));
}

/* Two neighbouring regions with distinct counters, in @t. */
static const struct damon_addr_range damon_test_two_ranges[] = {
	{ PG(0), PG(10) }, { PG(10), PG(20) },
};

static void damon_test_add_two_counted(struct kunit *test,
				       struct damon_target *t)
{
	damon_test_add_regions(test, t, damon_test_two_ranges,
			       ARRAY_SIZE(damon_test_two_ranges));
	damon_test_set_counters(damon_test_region(t, 0), 4, 40000, 7, 3);
	damon_test_set_counters(damon_test_region(t, 1), 9, 90000, 2, 8);
}

static void damon_test_commit_keeps_regions(struct kunit *test)
{
	struct damon_ctx *dst = damon_test_commit_ctx(test, 1);
	struct damon_ctx *src = damon_test_commit_ctx(test, 1);
	struct damon_target *t = damon_test_target(dst, 0);

	damon_test_add_two_counted(test, t);

	/* same (no) pid, no ranges given: everything stays */
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_ASSERT_EQ(test, damon_test_nr_targets(dst), 1);
	KUNIT_EXPECT_PTR_EQ(test, damon_test_target(dst, 0), t);
	damon_test_expect_regions(test, t, damon_test_two_ranges,
				  ARRAY_SIZE(damon_test_two_ranges));
	damon_test_expect_counters(test, damon_test_region(t, 0),
				   4, 40000, 7, 3);
	damon_test_expect_counters(test, damon_test_region(t, 1),
				   9, 90000, 2, 8);
}

static void damon_test_commit_refits_regions(struct kunit *test)
{
	static const struct damon_addr_range new_ranges[] = {
		{ PG(5), PG(30) },
	};
	static const struct damon_addr_range want[] = {
		{ PG(5), PG(10) }, { PG(10), PG(20) }, { PG(20), PG(30) },
	};
	struct damon_ctx *dst = damon_test_commit_ctx(test, 1);
	struct damon_ctx *src = damon_test_commit_ctx(test, 1);
	struct damon_target *t = damon_test_target(dst, 0);

	damon_test_add_two_counted(test, t);
	damon_test_add_regions(test, damon_test_target(src, 0), new_ranges,
			       ARRAY_SIZE(new_ranges));

	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_PTR_EQ(test, damon_test_target(dst, 0), t);
	damon_test_expect_regions(test, t, want, ARRAY_SIZE(want));
	damon_test_expect_counters(test, damon_test_region(t, 0),
				   4, 40000, 7, 3);
	damon_test_expect_counters(test, damon_test_region(t, 1),
				   9, 90000, 2, 8);
	damon_test_expect_counters(test, damon_test_region(t, 2), 0, 0, 0, 0);
}

static void damon_test_commit_replaces_target(struct kunit *test)
{
	static const struct damon_addr_range ranges[] = { { PG(0), PG(10) } };
	static const struct damon_addr_range new_ranges[] = {
		{ PG(5), PG(30) },
	};
	struct damon_ctx *dst = damon_test_commit_ctx(test, 1);
	struct damon_ctx *src = damon_test_commit_ctx(test, 1);
	struct damon_target *t = damon_test_target(dst, 0), *st;

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	damon_test_set_counters(damon_first_region(t), 4, 40000, 7, 3);
	st = damon_test_target(src, 0);
	st->pid = damon_test_get_pid();
	damon_test_add_regions(test, st, new_ranges, ARRAY_SIZE(new_ranges));

	/* another process: new regions, new counters */
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_ASSERT_EQ(test, damon_test_nr_targets(dst), 1);
	t = damon_test_target(dst, 0);
	KUNIT_EXPECT_PTR_EQ(test, t->pid, st->pid);
	damon_test_expect_regions(test, t, new_ranges, ARRAY_SIZE(new_ranges));
	damon_test_expect_counters(test, damon_first_region(t), 0, 0, 0, 0);

	/* now the same process: kept */
	damon_first_region(t)->age = 5;
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_PTR_EQ(test, damon_test_target(dst, 0), t);
	KUNIT_EXPECT_EQ(test, damon_first_region(t)->age, 5);
}

static void damon_test_commit_adds_and_removes(struct kunit *test)
{
	struct damon_ctx *dst = damon_test_commit_ctx(test, 1);
	struct damon_ctx *src = damon_test_commit_ctx(test, 3);
	struct damon_ctx *src1 = damon_test_commit_ctx(test, 1);
	struct damon_target *t = damon_test_target(dst, 0);

	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_EQ(test, damon_test_nr_targets(dst), 3);
	KUNIT_EXPECT_PTR_EQ(test, damon_test_target(dst, 0), t);

	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src1), 0);
	KUNIT_EXPECT_EQ(test, damon_test_nr_targets(dst), 1);
	KUNIT_EXPECT_PTR_EQ(test, damon_test_target(dst, 0), t);
}

static void damon_test_commit_obsolete(struct kunit *test)
{
	struct damon_ctx *dst = damon_test_commit_ctx(test, 3);
	struct damon_ctx *src = damon_test_commit_ctx(test, 3);
	struct damon_target *t0 = damon_test_target(dst, 0);
	struct damon_target *t2 = damon_test_target(dst, 2);

	/* the middle one goes; the others stay as they are */
	damon_test_target(src, 1)->obsolete = true;
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_ASSERT_EQ(test, damon_test_nr_targets(dst), 2);
	KUNIT_EXPECT_PTR_EQ(test, damon_test_target(dst, 0), t0);
	KUNIT_EXPECT_PTR_EQ(test, damon_test_target(dst, 1), t2);

	/* an obsolete target beyond those of dst is not added */
	damon_test_target(src, 1)->obsolete = false;
	damon_test_target(src, 2)->obsolete = true;
	dst = damon_test_commit_ctx(test, 2);
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_EQ(test, damon_test_nr_targets(dst), 2);
}

static void damon_test_commit_attrs(struct kunit *test)
{
	static const struct damon_addr_range ranges[] = { { PG(0), PG(10) } };
	struct damon_ctx *dst = damon_test_commit_ctx(test, 1);
	struct damon_ctx *src = damon_test_commit_ctx(test, 1);
	struct damon_target *t = damon_test_target(dst, 0);

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	/* default: 5 ms samples, 100 ms aggregations */
	damon_test_set_counters(damon_first_region(t), 10, 100000, 4, 6);
	src->attrs.aggr_interval = 200 * USEC_PER_MSEC;
	src->attrs.min_nr_regions = 5;
	src->attrs.max_nr_regions = 50;
	src->ops = &damon_test_commit_ops2;
	src->min_sz_region = PG(2);

	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_EQ(test, dst->attrs.sample_interval,
			src->attrs.sample_interval);
	KUNIT_EXPECT_EQ(test, dst->attrs.aggr_interval,
			src->attrs.aggr_interval);
	KUNIT_EXPECT_EQ(test, dst->attrs.min_nr_regions, 5);
	KUNIT_EXPECT_EQ(test, dst->attrs.max_nr_regions, 50);
	KUNIT_EXPECT_PTR_EQ(test, dst->ops, &damon_test_commit_ops2);
	KUNIT_EXPECT_EQ(test, dst->min_sz_region, PG(2));
	/* twice the samples per aggregation, half the aggregations */
	damon_test_expect_counters(test, damon_first_region(t), 20, 200000,
				   2, 12);
}

typedef void (*damon_test_breaker)(struct damon_attrs *attrs);

/* Commit @src, made invalid by @break_attrs, and check nothing changed. */
static void damon_test_commit_rejected(struct kunit *test,
				       damon_test_breaker break_attrs)
{
	static const struct damon_addr_range ranges[] = { { PG(0), PG(10) } };
	static const struct damon_addr_range new_ranges[] = {
		{ PG(20), PG(30) },
	};
	struct damon_ctx *dst = damon_test_commit_ctx(test, 1);
	struct damon_ctx *src = damon_test_commit_ctx(test, 2);
	struct damon_target *t = damon_test_target(dst, 0);
	struct damon_attrs attrs = dst->attrs;

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	damon_test_set_counters(damon_first_region(t), 10, 100000, 4, 6);
	damon_test_add_regions(test, damon_test_target(src, 0), new_ranges,
			       ARRAY_SIZE(new_ranges));
	src->ops = &damon_test_commit_ops2;
	src->attrs.aggr_interval = 200 * USEC_PER_MSEC;
	break_attrs(&src->attrs);

	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), -EINVAL);
	KUNIT_EXPECT_EQ(test, memcmp(&dst->attrs, &attrs, sizeof(attrs)), 0);
	KUNIT_EXPECT_PTR_EQ(test, dst->ops, &damon_test_commit_ops);
	KUNIT_EXPECT_EQ(test, damon_test_nr_targets(dst), 1);
	KUNIT_EXPECT_PTR_EQ(test, damon_test_target(dst, 0), t);
	damon_test_expect_regions(test, t, ranges, ARRAY_SIZE(ranges));
	damon_test_expect_counters(test, damon_first_region(t), 10, 100000,
				   4, 6);
}

static void damon_test_too_few_regions(struct damon_attrs *attrs)
{
	attrs->min_nr_regions = 2;
}

static void damon_test_max_below_min(struct damon_attrs *attrs)
{
	attrs->max_nr_regions = attrs->min_nr_regions - 1;
}

static void damon_test_aggr_below_sample(struct damon_attrs *attrs)
{
	attrs->aggr_interval = attrs->sample_interval - 1;
}

static void damon_test_no_sample(struct damon_attrs *attrs)
{
	attrs->sample_interval = 0;
}

static void damon_test_commit_invalid_attrs(struct kunit *test)
{
	damon_test_commit_rejected(test, damon_test_too_few_regions);
	damon_test_commit_rejected(test, damon_test_max_below_min);
	damon_test_commit_rejected(test, damon_test_aggr_below_sample);
	damon_test_commit_rejected(test, damon_test_no_sample);
}

static void damon_test_commit_no_ops(struct kunit *test)
{
	struct damon_ctx *dst = damon_test_commit_ctx(test, 1);
	struct damon_ctx *src = damon_test_commit_ctx(test, 2);

	src->ops = NULL;
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_test_nr_targets(dst), 1);
}

static struct kunit_case damon_commit_test_cases[] = {
	KUNIT_CASE(damon_test_commit_keeps_regions),
	KUNIT_CASE(damon_test_commit_refits_regions),
	KUNIT_CASE(damon_test_commit_replaces_target),
	KUNIT_CASE(damon_test_commit_adds_and_removes),
	KUNIT_CASE(damon_test_commit_obsolete),
	KUNIT_CASE(damon_test_commit_attrs),
	KUNIT_CASE(damon_test_commit_invalid_attrs),
	KUNIT_CASE(damon_test_commit_no_ops),
	{},
};

static struct kunit_suite damon_commit_test_suite = {
	.name = "damon-commit",
	.test_cases = damon_commit_test_cases,
};

kunit_test_suite(damon_commit_test_suite);

MODULE_DESCRIPTION("KUnit tests of DAMON parameter commits");
MODULE_LICENSE("GPL");

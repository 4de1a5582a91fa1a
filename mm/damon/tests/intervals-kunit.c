// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the DAMON sampling interval auto-tuning arithmetic,
 * mm/damon/intervals.c.
 */

#include <kunit/test.h>
#include <linux/damon.h>
#include <linux/slab.h>

#include "regions-props.h"

#define DAMON_TEST_TUNINGS	20000

/*
 * Attributes sampling every @sample_us, aiming at @goal_bp, within
 * [@min_us, @max_us].
 */
static struct damon_attrs damon_test_goal(unsigned long sample_us,
					  unsigned long goal_bp,
					  unsigned long min_us,
					  unsigned long max_us)
{
	struct damon_attrs attrs = {
		.sample_interval = sample_us,
		.aggr_interval = sample_us * 20,
		.intervals_goal = {
			.access_bp = goal_bp,
			.aggrs = 1,
			.min_sample_us = min_us,
			.max_sample_us = max_us,
		},
	};

	return attrs;
}

/* The interval tuned after @events of @chances samples found accesses. */
static unsigned long damon_test_tune(const struct damon_attrs *attrs,
				     unsigned long events,
				     unsigned long chances)
{
	return damon_tuned_sample_interval(attrs, events, chances);
}

static void damon_test_tuning_random(struct kunit *test)
{
	struct damon_props *p;
	unsigned int i;

	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	damon_props_init(p, DAMON_PROPS_SEED);
	kunit_info(test, "seed %llu, %u cases\n",
		   (unsigned long long)DAMON_PROPS_SEED, DAMON_TEST_TUNINGS);
	for (i = 0; i < DAMON_TEST_TUNINGS; i++)
		KUNIT_ASSERT_TRUE_MSG(test, damon_props_check_tuning(p),
				      "%s", p->msg);
}

static void damon_test_tuning_below_goal(struct kunit *test)
{
	struct damon_attrs attrs = damon_test_goal(1000, 5000, 10, 100000);

	/* nothing seen: the biggest step up */
	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 0, 100), 1500);
	/* half the goal: half of the biggest step */
	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 25, 100), 1250);
	/* just below */
	KUNIT_EXPECT_GE(test, damon_test_tune(&attrs, 49, 100), 1000);
}

static void damon_test_tuning_above_goal(struct kunit *test)
{
	struct damon_attrs attrs = damon_test_goal(1000, 5000, 10, 100000);

	/* twice the goal or more: the biggest step down */
	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 100, 100), 500);
	/* one and a half times the goal: half of it */
	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 75, 100), 750);
	/* just above */
	KUNIT_EXPECT_LE(test, damon_test_tune(&attrs, 51, 100), 1000);
}

static void damon_test_tuning_at_goal(struct kunit *test)
{
	struct damon_attrs attrs = damon_test_goal(1000, 5000, 10, 100000);

	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 50, 100), 1000);
	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 5000, 10000), 1000);
}

static void damon_test_tuning_clamped(struct kunit *test)
{
	struct damon_attrs attrs = damon_test_goal(1000, 5000, 900, 1200);

	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 0, 100), 1200);
	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 100, 100), 900);
	/* from outside the bounds, straight into them */
	attrs.sample_interval = 5000;
	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 50, 100), 1200);
	attrs.sample_interval = 10;
	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 50, 100), 900);
}

static void damon_test_tuning_disabled(struct kunit *test)
{
	struct damon_attrs attrs = damon_test_goal(1000, 0, 10, 100000);

	/* no goal */
	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 0, 100), 1000);
	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 100, 100), 1000);
	/* no sample */
	attrs.intervals_goal.access_bp = 5000;
	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 0, 0), 1000);
}

static void damon_test_tuning_tiny(struct kunit *test)
{
	struct damon_attrs attrs = damon_test_goal(1, 5000, 1, 10);

	/* 1 us times 1.5 is still 1 us, but it must grow */
	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 0, 100), 2);
	attrs.sample_interval = 2;
	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 0, 100), 3);
	/* and never shrink to nothing */
	attrs.sample_interval = 1;
	KUNIT_EXPECT_EQ(test, damon_test_tune(&attrs, 100, 100), 1);
}

static void damon_test_apply_sample_interval(struct kunit *test)
{
	struct damon_attrs attrs = damon_test_goal(1000, 5000, 10, 100000);

	damon_apply_sample_interval(&attrs, 1500, 20);
	KUNIT_EXPECT_EQ(test, attrs.sample_interval, 1500);
	KUNIT_EXPECT_EQ(test, attrs.aggr_interval, 30000);
	damon_apply_sample_interval(&attrs, 700, 20);
	KUNIT_EXPECT_EQ(test, attrs.aggr_interval, 14000);
	/* at least one sample per aggregation */
	damon_apply_sample_interval(&attrs, 700, 0);
	KUNIT_EXPECT_EQ(test, attrs.aggr_interval, 700);
}

static struct kunit_case damon_intervals_test_cases[] = {
	KUNIT_CASE(damon_test_tuning_random),
	KUNIT_CASE(damon_test_tuning_below_goal),
	KUNIT_CASE(damon_test_tuning_above_goal),
	KUNIT_CASE(damon_test_tuning_at_goal),
	KUNIT_CASE(damon_test_tuning_clamped),
	KUNIT_CASE(damon_test_tuning_disabled),
	KUNIT_CASE(damon_test_tuning_tiny),
	KUNIT_CASE(damon_test_apply_sample_interval),
	{},
};

static struct kunit_suite damon_intervals_test_suite = {
	.name = "damon-intervals",
	.test_cases = damon_intervals_test_cases,
};

kunit_test_suite(damon_intervals_test_suite);

MODULE_DESCRIPTION("KUnit tests of the DAMON sampling interval tuning");
MODULE_LICENSE("GPL");

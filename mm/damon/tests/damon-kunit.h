/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the DAMON KUnit suites: contexts, targets and regions
 * that are freed when the test ends, however it ends.
 */

#ifndef _DAMON_TESTS_DAMON_KUNIT_H
#define _DAMON_TESTS_DAMON_KUNIT_H

#include <kunit/test.h>
#include <linux/damon.h>

#include "../regions.h"

/* Address of page @n, as region boundaries in tests are given. */
#define DAMON_TEST_PG(n)	((unsigned long)(n) * PAGE_SIZE)

/* A callback of an operation set that does nothing. */
static inline void damon_test_nop(struct damon_ctx *ctx)
{
}

static inline void damon_test_destroy_target(void *t)
{
	damon_destroy_target(t, NULL);
}

static inline void damon_test_destroy_ctx(void *ctx)
{
	damon_destroy_ctx(ctx);
}

/* A target in no context, freed at the end of the test. */
static inline struct damon_target *damon_test_new_target(struct kunit *test)
{
	struct damon_target *t = damon_new_target();
	int err;

	KUNIT_ASSERT_NOT_NULL(test, t);
	err = kunit_add_action_or_reset(test, damon_test_destroy_target, t);
	KUNIT_ASSERT_EQ(test, err, 0);
	return t;
}

/* A context with default attributes, freed at the end of the test. */
static inline struct damon_ctx *damon_test_new_ctx(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();
	int err;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	err = kunit_add_action_or_reset(test, damon_test_destroy_ctx, ctx);
	KUNIT_ASSERT_EQ(test, err, 0);
	return ctx;
}

/* A new target of @ctx, freed with it. */
static inline struct damon_target *damon_test_add_target(struct kunit *test,
							 struct damon_ctx *ctx)
{
	struct damon_target *t = damon_new_target();

	KUNIT_ASSERT_NOT_NULL(test, t);
	damon_add_target(ctx, t);
	return t;
}

/* Append a region per range of @ranges to @t. */
static inline void damon_test_add_regions(struct kunit *test,
					  struct damon_target *t,
					  const struct damon_addr_range *ranges,
					  unsigned int nr)
{
	struct damon_region *r;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		r = damon_new_region(ranges[i].start, ranges[i].end);
		KUNIT_ASSERT_NOT_NULL(test, r);
		damon_add_region(r, t);
	}
}

/* Region @idx of @t, or NULL. */
static inline struct damon_region *damon_test_region(struct damon_target *t,
						     unsigned int idx)
{
	struct damon_region *r;

	damon_for_each_region(r, t) {
		if (!idx--)
			return r;
	}
	return NULL;
}

/* Check that the regions of @t are exactly @want. */
static inline void
damon_test_expect_regions(struct kunit *test, struct damon_target *t,
			  const struct damon_addr_range *want, unsigned int nr)
{
	struct damon_region *r;
	unsigned int i = 0;

	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), nr);
	damon_for_each_region(r, t) {
		if (i == nr) {
			KUNIT_FAIL(test, "extra region [%lx, %lx)",
				   r->ar.start, r->ar.end);
			return;
		}
		KUNIT_EXPECT_EQ_MSG(test, r->ar.start, want[i].start,
				    "region %u", i);
		KUNIT_EXPECT_EQ_MSG(test, r->ar.end, want[i].end,
				    "region %u", i);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, nr);
}

/* Set all counters of @r. */
static inline void damon_test_set_counters(struct damon_region *r,
					   unsigned int nr_accesses,
					   unsigned int nr_accesses_bp,
					   unsigned int age,
					   unsigned int last_nr_accesses)
{
	r->nr_accesses = nr_accesses;
	r->nr_accesses_bp = nr_accesses_bp;
	r->age = age;
	r->last_nr_accesses = last_nr_accesses;
}

/* Check all counters of @r. */
static inline void damon_test_expect_counters(struct kunit *test,
					      struct damon_region *r,
					      unsigned int nr_accesses,
					      unsigned int nr_accesses_bp,
					      unsigned int age,
					      unsigned int last_nr_accesses)
{
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, nr_accesses);
	KUNIT_EXPECT_EQ(test, r->nr_accesses_bp, nr_accesses_bp);
	KUNIT_EXPECT_EQ(test, r->age, age);
	KUNIT_EXPECT_EQ(test, r->last_nr_accesses, last_nr_accesses);
}

/* Append a filter to @s; fails @test when out of memory. */
static inline struct damos_filter *
damon_test_add_filter(struct kunit *test, struct damos *s,
		      enum damos_filter_type type, bool matching, bool allow)
{
	struct damos_filter *f = damos_new_filter(type, matching, allow);

	KUNIT_ASSERT_NOT_NULL(test, f);
	damos_add_filter(s, f);
	return f;
}

#endif	/* _DAMON_TESTS_DAMON_KUNIT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the DAMOS ops filter evaluation, mm/damon/ops-filters.c.
 *
 * The folio is a real one, freshly allocated: not anonymous, not active,
 * not mapped, charged to no memcg, order 0 or 2.  Its young state is what
 * a fake callback says, and the callback counts how often it was asked.
 */

#include <kunit/test.h>
#include <linux/damon.h>
#include <linux/gfp.h>
#include <linux/mm.h>

#include "../ops-common.h"
#include "damon-kunit.h"

struct damon_test_young {
	bool young;
	unsigned int nr_asked;
};

static bool damon_test_young_fn(struct folio *folio, void *arg)
{
	struct damon_test_young *y = arg;

	y->nr_asked++;
	return y->young;
}

static void damon_test_put_folio(void *folio)
{
	folio_put(folio);
}

static struct folio *damon_test_new_folio(struct kunit *test,
					  unsigned int order)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, order);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, folio);
	err = kunit_add_action_or_reset(test, damon_test_put_folio, folio);
	KUNIT_ASSERT_EQ(test, err, 0);
	return folio;
}

static void damon_test_destroy_scheme(void *s)
{
	damon_destroy_scheme(s);
}

/* A stat scheme without filters, freed at the end of the test. */
static struct damos *damon_test_new_scheme(struct kunit *test)
{
	struct damos_access_pattern pattern = {};
	struct damos_watermarks wmarks = {};
	struct damos_quota quota = {};
	struct damos *s;
	int err;

	s = damon_new_scheme(&pattern, DAMOS_STAT, 0, &quota, &wmarks, 0);
	KUNIT_ASSERT_NOT_NULL(test, s);
	err = kunit_add_action_or_reset(test, damon_test_destroy_scheme, s);
	KUNIT_ASSERT_EQ(test, err, 0);
	return s;
}

/* Without ops filters, everything passes and young is never asked. */
static void damon_test_filter_none(struct kunit *test)
{
	struct damon_test_young y = { .young = true };
	const struct damon_folio_young young = {
		.fn = damon_test_young_fn,
		.arg = &y,
	};
	struct folio *folio = damon_test_new_folio(test, 0);
	struct damos *s = damon_test_new_scheme(test);

	KUNIT_EXPECT_TRUE(test, damos_folio_filter_pass(s, folio, &young));
	KUNIT_EXPECT_EQ(test, y.nr_asked, 0);
}

/*
 * One filter: it decides for the folios it applies to; the others get the
 * opposite.  The folio is not anonymous.
 */
static void damon_test_filter_one(struct kunit *test)
{
	static const struct {
		bool matching, allow, pass;
	} cases[] = {
		{ true, true, false },	/* allow anon: not anon, rejected */
		{ true, false, true },	/* reject anon: not anon, allowed */
		{ false, true, true },	/* allow non-anon */
		{ false, false, false },	/* reject non-anon */
	};
	struct folio *folio = damon_test_new_folio(test, 0);
	struct damos *s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		s = damon_test_new_scheme(test);
		damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_ANON,
				      cases[i].matching, cases[i].allow);
		KUNIT_EXPECT_EQ_MSG(test,
				    damos_folio_filter_pass(s, folio, NULL),
				    cases[i].pass, "case %u", i);
	}
}

/* The first filter that applies decides; later ones are not evaluated. */
static void damon_test_filter_first_decides(struct kunit *test)
{
	struct damon_test_young y = { .young = true };
	const struct damon_folio_young young = {
		.fn = damon_test_young_fn,
		.arg = &y,
	};
	struct folio *folio = damon_test_new_folio(test, 0);
	struct damos *s = damon_test_new_scheme(test);

	/* unmapped applies and allows: young is not asked */
	damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_UNMAPPED, true, true);
	damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_YOUNG, true, false);
	KUNIT_EXPECT_TRUE(test, damos_folio_filter_pass(s, folio, &young));
	KUNIT_EXPECT_EQ(test, y.nr_asked, 0);

	/* active does not apply: young decides, asked once for two filters */
	s = damon_test_new_scheme(test);
	damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_ACTIVE, true, true);
	damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_YOUNG, false, true);
	damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_YOUNG, true, false);
	KUNIT_EXPECT_FALSE(test, damos_folio_filter_pass(s, folio, &young));
	KUNIT_EXPECT_EQ(test, y.nr_asked, 1);

	/* nothing applies: the opposite of the last filter, an allow */
	y.young = false;
	s = damon_test_new_scheme(test);
	damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_ANON, true, false);
	damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_YOUNG, true, true);
	KUNIT_EXPECT_FALSE(test, damos_folio_filter_pass(s, folio, &young));
}

/* hugepage_size applies to folios whose size is in [min, max]. */
static void damon_test_filter_hugepage_size(struct kunit *test)
{
	struct folio *small = damon_test_new_folio(test, 0);
	struct folio *large = damon_test_new_folio(test, 2);
	struct damos_filter *f;
	struct damos *s;

	s = damon_test_new_scheme(test);
	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_HUGEPAGE_SIZE,
				  true, true);
	f->sz_range.min = 2 * PAGE_SIZE;
	f->sz_range.max = 4 * PAGE_SIZE;
	KUNIT_EXPECT_FALSE(test, damos_folio_filter_pass(s, small, NULL));
	KUNIT_EXPECT_TRUE(test, damos_folio_filter_pass(s, large, NULL));

	f->sz_range.max = 3 * PAGE_SIZE;
	KUNIT_EXPECT_FALSE(test, damos_folio_filter_pass(s, large, NULL));
	f->sz_range.min = PAGE_SIZE;
	KUNIT_EXPECT_TRUE(test, damos_folio_filter_pass(s, small, NULL));
}

/* A folio charged to no memcg is in none; no young callback: not young. */
static void damon_test_filter_memcg_young(struct kunit *test)
{
	struct folio *folio = damon_test_new_folio(test, 0);
	struct damos_filter *f;
	struct damos *s;

	s = damon_test_new_scheme(test);
	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_MEMCG, true,
				  true);
	f->memcg_id = 0;
	KUNIT_EXPECT_FALSE(test, damos_folio_filter_pass(s, folio, NULL));

	s = damon_test_new_scheme(test);
	damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_YOUNG, true, true);
	KUNIT_EXPECT_FALSE(test, damos_folio_filter_pass(s, folio, NULL));
}

static struct kunit_case damon_ops_filters_cases[] = {
	KUNIT_CASE(damon_test_filter_none),
	KUNIT_CASE(damon_test_filter_one),
	KUNIT_CASE(damon_test_filter_first_decides),
	KUNIT_CASE(damon_test_filter_hugepage_size),
	KUNIT_CASE(damon_test_filter_memcg_young),
	{},
};

static struct kunit_suite damon_ops_filters_suite = {
	.name = "damon-ops-filters",
	.test_cases = damon_ops_filters_cases,
};

kunit_test_suite(damon_ops_filters_suite);

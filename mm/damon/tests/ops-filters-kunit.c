// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the DAMOS ops filter and probe filter evaluation,
 * mm/damon/ops-filters.c.
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

/* ==================== Probe filters ==================== */

static void damon_test_destroy_probe(void *p)
{
	damon_destroy_probe(p);
}

/* A probe in no context, without filters, freed at the end of the test. */
static struct damon_probe *damon_test_new_probe(struct kunit *test)
{
	struct damon_probe *p = damon_new_probe(0);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, p);
	err = kunit_add_action_or_reset(test, damon_test_destroy_probe, p);
	KUNIT_ASSERT_EQ(test, err, 0);
	return p;
}

/* Evaluate @p on @folio, whose young state @y gives, with a fresh check. */
static bool damon_test_probe_pass(struct damon_probe *p, struct folio *folio,
				  struct damon_test_young *y)
{
	const struct damon_folio_young young = {
		.fn = damon_test_young_fn,
		.arg = y,
	};
	struct damon_folio_check check = DAMON_FOLIO_CHECK(folio, &young);

	return damon_probe_filter_pass(p, &check);
}

/* The result a single filter gives: it decides, or its opposite does. */
static bool damon_test_one_filter_result(bool has, bool matching, bool allow)
{
	return has == matching ? allow : !allow;
}

/*
 * Check a probe of one filter of @type, set up by @setup, in all four
 * matching/allow combinations, on a folio that has the property iff @has.
 */
static void damon_test_probe_one_type(struct kunit *test, struct folio *folio,
				      enum damon_filter_type type,
				      bool young, bool has,
				      const struct damon_size_range *sz)
{
	struct damon_test_young y = { .young = young };
	struct damon_filter *f;
	struct damon_probe *p;
	unsigned int i;
	bool matching, allow;

	for (i = 0; i < 4; i++) {
		matching = i & 1;
		allow = i & 2;
		p = damon_test_new_probe(test);
		f = damon_test_probe_add_filter(test, p, type, matching, allow);
		if (sz)
			f->sz_range = *sz;
		KUNIT_EXPECT_EQ_MSG(test, damon_test_probe_pass(p, folio, &y),
				    damon_test_one_filter_result(has, matching,
								 allow),
				    "%s, young %d, matching %d, allow %d",
				    damon_filter_type_names[type], young,
				    matching, allow);
	}
}

/* A probe without filters hits, folio or not, and asks nothing. */
static void damon_test_probe_no_filters(struct kunit *test)
{
	struct damon_test_young y = { .young = false };
	struct folio *folio = damon_test_new_folio(test, 0);
	struct damon_probe *p = damon_test_new_probe(test);

	KUNIT_EXPECT_TRUE(test, damon_test_probe_pass(p, folio, &y));
	KUNIT_EXPECT_TRUE(test, damon_test_probe_pass(p, NULL, &y));
	KUNIT_EXPECT_EQ(test, y.nr_asked, 0);
}

/*
 * Every type and matching/allow combination, on a fresh order-0 folio: not
 * anonymous, charged to no memcg, young as the fake callback says.
 */
static void damon_test_probe_every_type(struct kunit *test)
{
	const struct damon_size_range base = { PAGE_SIZE, PAGE_SIZE };
	const struct damon_size_range big = { 2 * PAGE_SIZE, 4 * PAGE_SIZE };
	struct folio *folio = damon_test_new_folio(test, 0);
	unsigned int young;

	damon_test_probe_one_type(test, folio, DAMON_FILTER_TYPE_ANON, false,
				  false, NULL);
	/* memcg_id 0 is no memcg: a folio charged to none is not in it */
	damon_test_probe_one_type(test, folio, DAMON_FILTER_TYPE_MEMCG, false,
				  false, NULL);
	for (young = 0; young < 2; young++) {
		damon_test_probe_one_type(test, folio,
					  DAMON_FILTER_TYPE_PGIDLE_UNSET,
					  young, young, NULL);
		damon_test_probe_one_type(test, folio,
					  DAMON_FILTER_TYPE_PGIDLE_SET,
					  young, !young, NULL);
	}
	damon_test_probe_one_type(test, folio, DAMON_FILTER_TYPE_HUGEPAGE_SIZE,
				  false, true, &base);
	damon_test_probe_one_type(test, folio, DAMON_FILTER_TYPE_HUGEPAGE_SIZE,
				  false, false, &big);
}

/*
 * Without a folio no type matches, not even pgidle_set, and the young
 * state is never asked; the filters are still evaluated.
 */
static void damon_test_probe_no_folio(struct kunit *test)
{
	const struct damon_size_range any = { 0, ULONG_MAX };
	struct damon_test_young y = { .young = true };
	enum damon_filter_type type;
	struct damon_filter *f;
	struct damon_probe *p;
	unsigned int i;
	bool matching, allow, want;

	for (type = 0; type < NR_DAMON_FILTER_TYPES; type++) {
		for (i = 0; i < 4; i++) {
			matching = i & 1;
			allow = i & 2;
			want = damon_test_one_filter_result(false, matching,
							    allow);
			p = damon_test_new_probe(test);
			f = damon_test_probe_add_filter(test, p, type,
							matching, allow);
			f->sz_range = any;
			KUNIT_EXPECT_EQ_MSG(test,
					    damon_test_probe_pass(p, NULL, &y),
					    want, "%s, matching %d, allow %d",
					    damon_filter_type_names[type],
					    matching, allow);
		}
	}
	KUNIT_EXPECT_EQ(test, y.nr_asked, 0);
}

/*
 * The first filter that applies decides and the rest are not evaluated;
 * when none applies, the opposite of the last filter's allow.
 */
static void damon_test_probe_chain(struct kunit *test)
{
	struct damon_test_young y = { .young = true };
	struct folio *folio = damon_test_new_folio(test, 0);
	struct damon_probe *p;

	/* non-anon applies and rejects: pgidle is not asked */
	p = damon_test_new_probe(test);
	damon_test_probe_add_filter(test, p, DAMON_FILTER_TYPE_ANON, false,
				    false);
	damon_test_probe_add_filter(test, p, DAMON_FILTER_TYPE_PGIDLE_UNSET,
				    true, true);
	KUNIT_EXPECT_FALSE(test, damon_test_probe_pass(p, folio, &y));
	KUNIT_EXPECT_EQ(test, y.nr_asked, 0);

	/* anon does not apply: the second filter decides */
	p = damon_test_new_probe(test);
	damon_test_probe_add_filter(test, p, DAMON_FILTER_TYPE_ANON, true,
				    false);
	damon_test_probe_add_filter(test, p, DAMON_FILTER_TYPE_PGIDLE_UNSET,
				    true, true);
	KUNIT_EXPECT_TRUE(test, damon_test_probe_pass(p, folio, &y));

	/* none applies, the last allows: no hit */
	p = damon_test_new_probe(test);
	damon_test_probe_add_filter(test, p, DAMON_FILTER_TYPE_PGIDLE_SET,
				    true, false);
	damon_test_probe_add_filter(test, p, DAMON_FILTER_TYPE_ANON, true,
				    true);
	KUNIT_EXPECT_FALSE(test, damon_test_probe_pass(p, folio, &y));

	/* none applies, the last rejects: hit */
	p = damon_test_new_probe(test);
	damon_test_probe_add_filter(test, p, DAMON_FILTER_TYPE_ANON, true,
				    true);
	damon_test_probe_add_filter(test, p, DAMON_FILTER_TYPE_PGIDLE_SET,
				    true, false);
	KUNIT_EXPECT_TRUE(test, damon_test_probe_pass(p, folio, &y));
}

/*
 * The young state is asked once per check, however many pgidle filters
 * of however many probes are evaluated on it.
 */
static void damon_test_probe_young_once(struct kunit *test)
{
	struct damon_test_young y = { .young = false };
	const struct damon_folio_young young = {
		.fn = damon_test_young_fn,
		.arg = &y,
	};
	struct folio *folio = damon_test_new_folio(test, 0);
	struct damon_folio_check check = DAMON_FOLIO_CHECK(folio, &young);
	struct damon_probe *p1 = damon_test_new_probe(test);
	struct damon_probe *p2 = damon_test_new_probe(test);

	damon_test_probe_add_filter(test, p1, DAMON_FILTER_TYPE_PGIDLE_UNSET,
				    true, false);
	damon_test_probe_add_filter(test, p1, DAMON_FILTER_TYPE_PGIDLE_SET,
				    true, true);
	damon_test_probe_add_filter(test, p2, DAMON_FILTER_TYPE_PGIDLE_SET,
				    false, false);
	KUNIT_EXPECT_TRUE(test, damon_probe_filter_pass(p1, &check));
	/* pgidle_set (not young) holds: matching N does not apply */
	KUNIT_EXPECT_TRUE(test, damon_probe_filter_pass(p2, &check));
	KUNIT_EXPECT_EQ(test, y.nr_asked, 1);
}

/* hugepage_size: inclusive bounds; the default 0/0 range holds nothing. */
static void damon_test_probe_hugepage_size(struct kunit *test)
{
	struct damon_test_young y = {};
	struct folio *large = damon_test_new_folio(test, 2);
	struct damon_probe *p = damon_test_new_probe(test);
	struct damon_filter *f;

	f = damon_test_probe_add_filter(test, p,
					DAMON_FILTER_TYPE_HUGEPAGE_SIZE, true,
					true);
	KUNIT_EXPECT_FALSE(test, damon_test_probe_pass(p, large, &y));
	f->sz_range.min = 4 * PAGE_SIZE;
	f->sz_range.max = 4 * PAGE_SIZE;
	KUNIT_EXPECT_TRUE(test, damon_test_probe_pass(p, large, &y));
	f->sz_range.max = 4 * PAGE_SIZE - 1;
	KUNIT_EXPECT_FALSE(test, damon_test_probe_pass(p, large, &y));
	f->sz_range.min = 4 * PAGE_SIZE + 1;
	f->sz_range.max = ULONG_MAX;
	KUNIT_EXPECT_FALSE(test, damon_test_probe_pass(p, large, &y));
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

static struct kunit_case damon_ops_probe_filters_cases[] = {
	KUNIT_CASE(damon_test_probe_no_filters),
	KUNIT_CASE(damon_test_probe_every_type),
	KUNIT_CASE(damon_test_probe_no_folio),
	KUNIT_CASE(damon_test_probe_chain),
	KUNIT_CASE(damon_test_probe_young_once),
	KUNIT_CASE(damon_test_probe_hugepage_size),
	{},
};

static struct kunit_suite damon_ops_probe_filters_suite = {
	.name = "damon-ops-probe-filters",
	.test_cases = damon_ops_probe_filters_cases,
};

kunit_test_suites(&damon_ops_filters_suite, &damon_ops_probe_filters_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the DAMOS filter chain across its two stages: the core
 * filters, evaluated by mm/damon/apply.c on regions, and the ops filters,
 * evaluated by mm/damon/ops-filters.c on folios.
 *
 * damos_apply_schemes() runs one pass, as the kdamond would, over regions
 * of a fake operation set.  Its apply_scheme() asks the ops filters about
 * every page of the region, as the real ones do for actions that look at
 * folios, with a real folio standing for all of them: an order-2 folio
 * has the property of the ops filter (hugepage_size of exactly four
 * pages), an order-0 one has not.  Core filters are addr filters whose
 * range does or does not hold the region.
 */

#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/damon.h>
#include <linux/gfp.h>
#include <linux/mm.h>

#include "damon-kunit.h"
#include "../damos.h"
#include "../ops-common.h"

#define PG(n)			DAMON_TEST_PG(n)

/* What the fake operation set saw, and the folio it shows the filters. */
struct damos_chain_test {
	struct folio *has;		/* has the ops filter's property */
	struct folio *has_not;
	struct folio *folio;		/* the one apply_scheme() shows */
	unsigned int nr_applies;
	bool ops_needed;
};

static struct damos_chain_test *damos_chain_test_of(struct damon_ctx *ctx)
{
	struct kunit *test = kunit_get_current_test();

	return test->priv;
}

/* Ask the ops filters about each page of @r; apply to those that pass. */
static unsigned long damos_chain_test_apply(struct damon_ctx *ctx,
					    struct damon_target *t,
					    struct damon_region *r,
					    struct damos *s,
					    unsigned long *sz_filter_passed)
{
	struct damos_chain_test *dc = damos_chain_test_of(ctx);
	unsigned long addr, passed = 0;

	dc->nr_applies++;
	dc->ops_needed = damos_ops_filters_needed(s);
	for (addr = r->ar.start; addr < r->ar.end; addr += PAGE_SIZE) {
		if (damos_folio_filter_pass(s, dc->folio, NULL))
			passed += PAGE_SIZE;
	}
	*sz_filter_passed = passed;
	return passed;
}

static const struct damon_operations damos_chain_test_ops = {
	.id = DAMON_OPS_PADDR,
	.name = "damos-chain-test",
	.start_sample = damon_test_nop,
	.finish_sample = damon_test_nop,
	.apply_scheme = damos_chain_test_apply,
	.actions = BIT(DAMOS_STAT),
};

static const struct damos_access_pattern damos_chain_test_any = {
	.max_sz_region = ULONG_MAX,
	.max_nr_accesses = UINT_MAX,
	.max_age_region = UINT_MAX,
};

/* Every test gets its two folios and a clean record of the fake ops. */
static int damos_chain_test_init(struct kunit *test)
{
	struct damos_chain_test *dc;

	dc = kunit_kzalloc(test, sizeof(*dc), GFP_KERNEL);
	if (!dc)
		return -ENOMEM;
	dc->has = folio_alloc(GFP_KERNEL, 2);
	dc->has_not = folio_alloc(GFP_KERNEL, 0);
	test->priv = dc;
	if (!dc->has || !dc->has_not)
		return -ENOMEM;
	return 0;
}

static void damos_chain_test_exit(struct kunit *test)
{
	struct damos_chain_test *dc = test->priv;

	if (dc->has)
		folio_put(dc->has);
	if (dc->has_not)
		folio_put(dc->has_not);
}

/* A stopped context of the fake ops with a stat scheme, no filters yet. */
static struct damos *damos_chain_test_scheme(struct kunit *test,
					     struct damon_ctx **ctxp)
{
	struct damos_watermarks wmarks = {};
	struct damos_quota quota = {};
	struct damon_ctx *ctx;
	struct damos *s;

	ctx = damon_test_new_ctx(test);
	ctx->ops = &damos_chain_test_ops;
	s = damon_new_scheme(&damos_chain_test_any, DAMOS_STAT, 0, &quota,
			     &wmarks, NUMA_NO_NODE);
	KUNIT_ASSERT_NOT_NULL(test, s);
	damon_add_scheme(ctx, s);
	*ctxp = ctx;
	return s;
}

/* One pass of every scheme of @ctx, due now. */
static void damos_chain_test_pass(struct damon_ctx *ctx)
{
	struct damos *s;

	damon_for_each_scheme(s, ctx)
		s->next_apply_sis = 0;
	damos_apply_schemes(ctx);
}

/*
 * One filter of a case: whether there is one, its matching and allow, and
 * whether the memory (the region for the core filter, the folio for the
 * ops filter) has its property.
 */
struct damos_chain_filter {
	bool on, matching, allow, has;
};

/*
 * A case: a core filter and an ops filter, each present or not, the
 * verdict the core stage must give on the region and whether the region
 * must then pass (all of its bytes pass the ops stage) or not (none).
 */
struct damos_chain_case {
	struct damos_chain_filter core, ops;
	enum damos_filter_verdict verdict;
	bool passed;
};

#define NO_CORE		{ false }
#define NO_OPS		{ false }
#define CORE(m, a, h)	{ true, m, a, h }
#define OPS(m, a, h)	{ true, m, a, h }

/*
 * Every combination.  Expected from the documented rules: the first
 * filter of the chain (core first) that applies decides; a core filter's
 * allow passes the region whole, without asking the ops filters; if no
 * core filter applies, the ops filters decide when there are any, and
 * otherwise the region gets the opposite of the last core filter's allow;
 * if no ops filter applies either, the opposite of the last ops filter's.
 */
static const struct damos_chain_case damos_chain_cases[] = {
	/* no core filter */
	{ NO_CORE, NO_OPS, DAMOS_FILTER_ALLOW, 1 },
	{ NO_CORE, OPS(1, 1, 1), DAMOS_FILTER_UNDECIDED, 1 },
	{ NO_CORE, OPS(1, 1, 0), DAMOS_FILTER_UNDECIDED, 0 },
	{ NO_CORE, OPS(1, 0, 1), DAMOS_FILTER_UNDECIDED, 0 },
	{ NO_CORE, OPS(1, 0, 0), DAMOS_FILTER_UNDECIDED, 1 },
	{ NO_CORE, OPS(0, 1, 1), DAMOS_FILTER_UNDECIDED, 0 },
	{ NO_CORE, OPS(0, 1, 0), DAMOS_FILTER_UNDECIDED, 1 },
	{ NO_CORE, OPS(0, 0, 1), DAMOS_FILTER_UNDECIDED, 1 },
	{ NO_CORE, OPS(0, 0, 0), DAMOS_FILTER_UNDECIDED, 0 },
	/* core filter matching Y allow Y, applies */
	{ CORE(1, 1, 1), NO_OPS, DAMOS_FILTER_ALLOW, 1 },
	{ CORE(1, 1, 1), OPS(1, 1, 1), DAMOS_FILTER_ALLOW, 1 },
	{ CORE(1, 1, 1), OPS(1, 1, 0), DAMOS_FILTER_ALLOW, 1 },
	{ CORE(1, 1, 1), OPS(1, 0, 1), DAMOS_FILTER_ALLOW, 1 },
	{ CORE(1, 1, 1), OPS(1, 0, 0), DAMOS_FILTER_ALLOW, 1 },
	{ CORE(1, 1, 1), OPS(0, 1, 1), DAMOS_FILTER_ALLOW, 1 },
	{ CORE(1, 1, 1), OPS(0, 1, 0), DAMOS_FILTER_ALLOW, 1 },
	{ CORE(1, 1, 1), OPS(0, 0, 1), DAMOS_FILTER_ALLOW, 1 },
	{ CORE(1, 1, 1), OPS(0, 0, 0), DAMOS_FILTER_ALLOW, 1 },
	/* core filter matching Y allow Y, does not apply */
	{ CORE(1, 1, 0), NO_OPS, DAMOS_FILTER_REJECT, 0 },
	{ CORE(1, 1, 0), OPS(1, 1, 1), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(1, 1, 0), OPS(1, 1, 0), DAMOS_FILTER_UNDECIDED, 0 },
	{ CORE(1, 1, 0), OPS(1, 0, 1), DAMOS_FILTER_UNDECIDED, 0 },
	{ CORE(1, 1, 0), OPS(1, 0, 0), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(1, 1, 0), OPS(0, 1, 1), DAMOS_FILTER_UNDECIDED, 0 },
	{ CORE(1, 1, 0), OPS(0, 1, 0), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(1, 1, 0), OPS(0, 0, 1), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(1, 1, 0), OPS(0, 0, 0), DAMOS_FILTER_UNDECIDED, 0 },
	/* core filter matching Y allow N, applies */
	{ CORE(1, 0, 1), NO_OPS, DAMOS_FILTER_REJECT, 0 },
	{ CORE(1, 0, 1), OPS(1, 1, 1), DAMOS_FILTER_REJECT, 0 },
	{ CORE(1, 0, 1), OPS(1, 1, 0), DAMOS_FILTER_REJECT, 0 },
	{ CORE(1, 0, 1), OPS(1, 0, 1), DAMOS_FILTER_REJECT, 0 },
	{ CORE(1, 0, 1), OPS(1, 0, 0), DAMOS_FILTER_REJECT, 0 },
	{ CORE(1, 0, 1), OPS(0, 1, 1), DAMOS_FILTER_REJECT, 0 },
	{ CORE(1, 0, 1), OPS(0, 1, 0), DAMOS_FILTER_REJECT, 0 },
	{ CORE(1, 0, 1), OPS(0, 0, 1), DAMOS_FILTER_REJECT, 0 },
	{ CORE(1, 0, 1), OPS(0, 0, 0), DAMOS_FILTER_REJECT, 0 },
	/* core filter matching Y allow N, does not apply */
	{ CORE(1, 0, 0), NO_OPS, DAMOS_FILTER_ALLOW, 1 },
	{ CORE(1, 0, 0), OPS(1, 1, 1), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(1, 0, 0), OPS(1, 1, 0), DAMOS_FILTER_UNDECIDED, 0 },
	{ CORE(1, 0, 0), OPS(1, 0, 1), DAMOS_FILTER_UNDECIDED, 0 },
	{ CORE(1, 0, 0), OPS(1, 0, 0), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(1, 0, 0), OPS(0, 1, 1), DAMOS_FILTER_UNDECIDED, 0 },
	{ CORE(1, 0, 0), OPS(0, 1, 0), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(1, 0, 0), OPS(0, 0, 1), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(1, 0, 0), OPS(0, 0, 0), DAMOS_FILTER_UNDECIDED, 0 },
	/* core filter matching N allow Y, does not apply */
	{ CORE(0, 1, 1), NO_OPS, DAMOS_FILTER_REJECT, 0 },
	{ CORE(0, 1, 1), OPS(1, 1, 1), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(0, 1, 1), OPS(1, 1, 0), DAMOS_FILTER_UNDECIDED, 0 },
	{ CORE(0, 1, 1), OPS(1, 0, 1), DAMOS_FILTER_UNDECIDED, 0 },
	{ CORE(0, 1, 1), OPS(1, 0, 0), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(0, 1, 1), OPS(0, 1, 1), DAMOS_FILTER_UNDECIDED, 0 },
	{ CORE(0, 1, 1), OPS(0, 1, 0), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(0, 1, 1), OPS(0, 0, 1), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(0, 1, 1), OPS(0, 0, 0), DAMOS_FILTER_UNDECIDED, 0 },
	/* core filter matching N allow Y, applies */
	{ CORE(0, 1, 0), NO_OPS, DAMOS_FILTER_ALLOW, 1 },
	{ CORE(0, 1, 0), OPS(1, 1, 1), DAMOS_FILTER_ALLOW, 1 },
	{ CORE(0, 1, 0), OPS(1, 1, 0), DAMOS_FILTER_ALLOW, 1 },
	{ CORE(0, 1, 0), OPS(1, 0, 1), DAMOS_FILTER_ALLOW, 1 },
	{ CORE(0, 1, 0), OPS(1, 0, 0), DAMOS_FILTER_ALLOW, 1 },
	{ CORE(0, 1, 0), OPS(0, 1, 1), DAMOS_FILTER_ALLOW, 1 },
	{ CORE(0, 1, 0), OPS(0, 1, 0), DAMOS_FILTER_ALLOW, 1 },
	{ CORE(0, 1, 0), OPS(0, 0, 1), DAMOS_FILTER_ALLOW, 1 },
	{ CORE(0, 1, 0), OPS(0, 0, 0), DAMOS_FILTER_ALLOW, 1 },
	/* core filter matching N allow N, does not apply */
	{ CORE(0, 0, 1), NO_OPS, DAMOS_FILTER_ALLOW, 1 },
	{ CORE(0, 0, 1), OPS(1, 1, 1), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(0, 0, 1), OPS(1, 1, 0), DAMOS_FILTER_UNDECIDED, 0 },
	{ CORE(0, 0, 1), OPS(1, 0, 1), DAMOS_FILTER_UNDECIDED, 0 },
	{ CORE(0, 0, 1), OPS(1, 0, 0), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(0, 0, 1), OPS(0, 1, 1), DAMOS_FILTER_UNDECIDED, 0 },
	{ CORE(0, 0, 1), OPS(0, 1, 0), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(0, 0, 1), OPS(0, 0, 1), DAMOS_FILTER_UNDECIDED, 1 },
	{ CORE(0, 0, 1), OPS(0, 0, 0), DAMOS_FILTER_UNDECIDED, 0 },
	/* core filter matching N allow N, applies */
	{ CORE(0, 0, 0), NO_OPS, DAMOS_FILTER_REJECT, 0 },
	{ CORE(0, 0, 0), OPS(1, 1, 1), DAMOS_FILTER_REJECT, 0 },
	{ CORE(0, 0, 0), OPS(1, 1, 0), DAMOS_FILTER_REJECT, 0 },
	{ CORE(0, 0, 0), OPS(1, 0, 1), DAMOS_FILTER_REJECT, 0 },
	{ CORE(0, 0, 0), OPS(1, 0, 0), DAMOS_FILTER_REJECT, 0 },
	{ CORE(0, 0, 0), OPS(0, 1, 1), DAMOS_FILTER_REJECT, 0 },
	{ CORE(0, 0, 0), OPS(0, 1, 0), DAMOS_FILTER_REJECT, 0 },
	{ CORE(0, 0, 0), OPS(0, 0, 1), DAMOS_FILTER_REJECT, 0 },
	{ CORE(0, 0, 0), OPS(0, 0, 0), DAMOS_FILTER_REJECT, 0 },
};

#undef NO_CORE
#undef NO_OPS
#undef CORE
#undef OPS

/* Region [PG(0), PG(4)) is inside this range, not inside the other. */
static const struct damon_addr_range damos_chain_in = { PG(0), PG(4) };
static const struct damon_addr_range damos_chain_out = { PG(8), PG(12) };

/* Add the filters of case @c to @s and pick the folio the ops show. */
static void damos_chain_test_setup(struct kunit *test, struct damos *s,
				   const struct damos_chain_case *c)
{
	struct damos_chain_test *dc = test->priv;
	struct damos_filter *f;

	if (c->core.on) {
		f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_ADDR,
					  c->core.matching, c->core.allow);
		f->addr_range = c->core.has ? damos_chain_in : damos_chain_out;
	}
	if (c->ops.on) {
		f = damon_test_add_filter(test, s,
					  DAMOS_FILTER_TYPE_HUGEPAGE_SIZE,
					  c->ops.matching, c->ops.allow);
		f->sz_range = (struct damon_size_range){ PG(4), PG(4) };
	}
	dc->folio = c->ops.has ? dc->has : dc->has_not;
}

/*
 * Check case @c (index @i): the core stage's verdict on the region, then
 * a pass of the scheme: whether the region was tried, whether the ops
 * were told to filter it, and the bytes that passed and were applied.
 */
static void damos_chain_test_check(struct kunit *test,
				   const struct damos_chain_case *c,
				   unsigned int i)
{
	struct damos_chain_test *dc = test->priv;
	bool tried = c->verdict != DAMOS_FILTER_REJECT;
	unsigned long sz_passed = c->passed ? PG(4) : 0;
	struct damon_target *t;
	struct damon_region *r;
	struct damon_ctx *ctx;
	struct damos *s;

	s = damos_chain_test_scheme(test, &ctx);
	t = damon_test_add_target(test, ctx);
	r = damon_test_new_region(test, t, PG(0), PG(4));
	damos_chain_test_setup(test, s, c);
	dc->nr_applies = 0;

	KUNIT_EXPECT_EQ_MSG(test, damos_core_filters_verdict(ctx, s, t, 0, r),
			    c->verdict, "case %u: verdict", i);
	damos_chain_test_pass(ctx);
	KUNIT_EXPECT_EQ_MSG(test, dc->nr_applies, tried ? 1 : 0,
			    "case %u: applies", i);
	KUNIT_EXPECT_EQ_MSG(test, s->stat.nr_tried, tried ? 1 : 0,
			    "case %u: nr_tried", i);
	KUNIT_EXPECT_EQ_MSG(test, s->stat.sz_tried, tried ? PG(4) : 0,
			    "case %u: sz_tried", i);
	KUNIT_EXPECT_EQ_MSG(test, s->stat.sz_ops_filter_passed, sz_passed,
			    "case %u: sz_ops_filter_passed", i);
	KUNIT_EXPECT_EQ_MSG(test, s->stat.sz_applied, sz_passed,
			    "case %u: sz_applied", i);
	if (tried)
		KUNIT_EXPECT_EQ_MSG(test, dc->ops_needed,
				    c->verdict == DAMOS_FILTER_UNDECIDED,
				    "case %u: ops filters needed", i);
	/* the decision does not outlive apply_scheme() */
	KUNIT_EXPECT_FALSE_MSG(test, s->core_filters_allowed, "case %u", i);
}

/* Every allow/matching combination, with and without either stage. */
static void damos_chain_test_combinations(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(damos_chain_cases); i++)
		damos_chain_test_check(test, &damos_chain_cases[i], i);
}

/*
 * The smallest case of the issue, with a region that an addr filter cuts:
 * allow the buffer (core), reject the folios that have the property (ops).
 * The buffer passes whole although its folio has the property; the rest
 * is tried too, and its pages are rejected by the ops filter.
 */
static void damos_chain_test_buffer(struct kunit *test)
{
	static const struct damon_addr_range after[] = {
		{ PG(0), PG(4) }, { PG(4), PG(12) },
	};
	struct damos_chain_test *dc = test->priv;
	struct damon_target *t;
	struct damos_filter *f;
	struct damon_ctx *ctx;
	struct damos *s;

	s = damos_chain_test_scheme(test, &ctx);
	t = damon_test_add_target(test, ctx);
	damon_test_new_region(test, t, PG(0), PG(12));
	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_ADDR, true, true);
	f->addr_range = damos_chain_in;
	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_HUGEPAGE_SIZE,
				  true, false);
	f->sz_range = (struct damon_size_range){ PG(4), PG(4) };
	dc->folio = dc->has;

	damos_chain_test_pass(ctx);
	damon_test_expect_regions(test, t, after, ARRAY_SIZE(after));
	KUNIT_EXPECT_EQ(test, dc->nr_applies, 2);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 2);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, PG(12));
	KUNIT_EXPECT_EQ(test, s->stat.sz_ops_filter_passed, PG(4));
	KUNIT_EXPECT_EQ(test, s->stat.sz_applied, PG(4));

	/* folios without the property pass outside too, by the default */
	dc->folio = dc->has_not;
	damos_chain_test_pass(ctx);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 4);
	KUNIT_EXPECT_EQ(test, s->stat.sz_ops_filter_passed, PG(4 + 12));
}

/* A core filter that rejects keeps the region from the ops entirely. */
static void damos_chain_test_core_reject(struct kunit *test)
{
	struct damos_chain_test *dc = test->priv;
	struct damon_target *t;
	struct damos_filter *f;
	struct damon_ctx *ctx;
	struct damos *s;

	s = damos_chain_test_scheme(test, &ctx);
	t = damon_test_add_target(test, ctx);
	damon_test_new_region(test, t, PG(0), PG(12));
	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_ADDR, true,
				  false);
	f->addr_range = damos_chain_in;
	/* an ops filter allowing everything does not bring the part back */
	damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_HUGEPAGE_SIZE, false,
			      true);
	dc->folio = dc->has_not;

	damos_chain_test_pass(ctx);
	KUNIT_EXPECT_EQ(test, dc->nr_applies, 1);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 1);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, PG(8));
	KUNIT_EXPECT_EQ(test, s->stat.sz_ops_filter_passed, PG(8));
	KUNIT_EXPECT_TRUE(test, dc->ops_needed);
}

static struct kunit_case damos_chain_test_cases[] = {
	KUNIT_CASE(damos_chain_test_combinations),
	KUNIT_CASE(damos_chain_test_buffer),
	KUNIT_CASE(damos_chain_test_core_reject),
	{},
};

static struct kunit_suite damos_chain_test_suite = {
	.name = "damon-damos-filters",
	.init = damos_chain_test_init,
	.exit = damos_chain_test_exit,
	.test_cases = damos_chain_test_cases,
};

kunit_test_suite(damos_chain_test_suite);

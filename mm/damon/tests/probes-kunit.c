// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the data attribute probe objects, mm/damon/probes.c:
 * their lists, the name tables, attributes-only mode and the checks that
 * damon_start() and damon_commit_ctx() run on them.
 */

#include <kunit/test.h>
#include <linux/damon.h>

#include "../core.h"
#include "../regions.h"
#include "damon-kunit.h"

/* The context of the running test, made by the suite's .init. */
static struct damon_ctx *damon_test_probes_ctx(struct kunit *test)
{
	return test->priv;
}

/* Weight of probe @idx of @ctx, or UINT_MAX if there is none. */
static unsigned int damon_test_probe_weight(struct damon_ctx *ctx,
					    unsigned int idx)
{
	struct damon_probe *p;

	damon_for_each_probe(p, ctx) {
		if (!idx--)
			return p->weight;
	}
	return UINT_MAX;
}

static unsigned int damon_test_nr_filters(struct damon_probe *p)
{
	return list_count_nodes(&p->filters);
}

static unsigned int damon_test_nr_preps(struct damon_probe *p)
{
	return list_count_nodes(&p->preps);
}

static void damon_test_new_probe_empty(struct kunit *test)
{
	struct damon_probe *p = damon_new_probe(7);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p->weight, 7);
	KUNIT_EXPECT_TRUE(test, list_empty(&p->filters));
	KUNIT_EXPECT_TRUE(test, list_empty(&p->preps));
	/* never added: destroying it must not touch a list */
	damon_destroy_probe(p);
}

static void damon_test_probe_list_order(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_probes_ctx(test);
	struct damon_probe *p;

	KUNIT_EXPECT_EQ(test, damon_nr_probes(ctx), 0);
	damon_test_ctx_add_probe(test, ctx, 1);
	p = damon_test_ctx_add_probe(test, ctx, 2);
	damon_test_ctx_add_probe(test, ctx, 3);
	KUNIT_EXPECT_EQ(test, damon_nr_probes(ctx), 3);
	KUNIT_EXPECT_EQ(test, damon_test_probe_weight(ctx, 0), 1);
	KUNIT_EXPECT_EQ(test, damon_test_probe_weight(ctx, 1), 2);
	KUNIT_EXPECT_EQ(test, damon_test_probe_weight(ctx, 2), 3);

	/* the middle one goes; the others close up */
	damon_destroy_probe(p);
	KUNIT_EXPECT_EQ(test, damon_nr_probes(ctx), 2);
	KUNIT_EXPECT_EQ(test, damon_test_probe_weight(ctx, 0), 1);
	KUNIT_EXPECT_EQ(test, damon_test_probe_weight(ctx, 1), 3);

	damon_destroy_probes(&ctx->probes);
	KUNIT_EXPECT_EQ(test, damon_nr_probes(ctx), 0);
}

static void damon_test_filters_and_preps(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_probes_ctx(test);
	struct damon_probe *p = damon_test_ctx_add_probe(test, ctx, 0);
	struct damon_filter *f, *f2;
	struct damon_prep *prep;

	f = damon_test_probe_add_filter(test, p, DAMON_FILTER_TYPE_MEMCG,
					true, false);
	KUNIT_EXPECT_EQ(test, f->type, DAMON_FILTER_TYPE_MEMCG);
	KUNIT_EXPECT_TRUE(test, f->matching);
	KUNIT_EXPECT_FALSE(test, f->allow);
	KUNIT_EXPECT_EQ(test, f->memcg_id, 0);
	f2 = damon_test_probe_add_filter(test, p,
					 DAMON_FILTER_TYPE_HUGEPAGE_SIZE,
					 false, true);
	KUNIT_EXPECT_EQ(test, f2->sz_range.min, 0);
	KUNIT_EXPECT_EQ(test, f2->sz_range.max, 0);
	KUNIT_EXPECT_PTR_EQ(test, list_first_entry(&p->filters,
						   struct damon_filter, list),
			    f);
	KUNIT_EXPECT_PTR_EQ(test, list_last_entry(&p->filters,
						  struct damon_filter, list),
			    f2);
	prep = damon_test_probe_add_prep(test, p);
	damon_test_probe_add_prep(test, p);
	KUNIT_EXPECT_EQ(test, prep->action, DAMON_PREP_SET_PGIDLE);
	KUNIT_EXPECT_EQ(test, damon_test_nr_filters(p), 2);
	KUNIT_EXPECT_EQ(test, damon_test_nr_preps(p), 2);

	damon_destroy_filter(f);
	damon_destroy_prep(prep);
	KUNIT_EXPECT_EQ(test, damon_test_nr_filters(p), 1);
	KUNIT_EXPECT_EQ(test, damon_test_nr_preps(p), 1);
	/* the rest goes with the context, in .exit */
}

static void damon_test_name_tables(struct kunit *test)
{
	static const char * const filters[] = {
		"anon", "memcg", "pgidle_unset", "pgidle_set",
		"hugepage_size",
	};
	unsigned int i;

	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(filters), NR_DAMON_FILTER_TYPES);
	for (i = 0; i < NR_DAMON_FILTER_TYPES; i++)
		KUNIT_EXPECT_STREQ(test, damon_filter_type_names[i],
				   filters[i]);
	KUNIT_ASSERT_EQ(test, NR_DAMON_PREP_ACTIONS, 1);
	KUNIT_EXPECT_STREQ(test, damon_prep_action_names[DAMON_PREP_SET_PGIDLE],
			   "set_pgidle");
}

static void damon_test_attrs_only(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_probes_ctx(test);
	struct damon_probe *p;

	KUNIT_EXPECT_FALSE(test, damon_attrs_only(ctx));
	damon_test_ctx_add_probe(test, ctx, 0);
	KUNIT_EXPECT_FALSE(test, damon_attrs_only(ctx));
	p = damon_test_ctx_add_probe(test, ctx, 1);
	KUNIT_EXPECT_TRUE(test, damon_attrs_only(ctx));
	p->weight = 0;
	KUNIT_EXPECT_FALSE(test, damon_attrs_only(ctx));
}

static void damon_test_have_preps(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_probes_ctx(test);
	struct damon_probe *p;

	KUNIT_EXPECT_FALSE(test, damon_ctx_has_preps(ctx));
	damon_test_ctx_add_probe(test, ctx, 0);
	p = damon_test_ctx_add_probe(test, ctx, 0);
	KUNIT_EXPECT_FALSE(test, damon_ctx_has_preps(ctx));
	damon_test_probe_add_prep(test, p);
	KUNIT_EXPECT_TRUE(test, damon_ctx_has_preps(ctx));
}

/* damon_check_probes() of the test context with its own attributes. */
static int damon_test_check(struct damon_ctx *ctx)
{
	return damon_check_probes(ctx, &ctx->attrs);
}

static void damon_test_check_nr_probes(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_probes_ctx(test);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), 0);
	for (i = 0; i < DAMON_MAX_PROBES; i++)
		damon_test_ctx_add_probe(test, ctx, 0);
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), 0);
	damon_test_ctx_add_probe(test, ctx, 0);
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), -EINVAL);
}

static void damon_test_check_filters(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_probes_ctx(test);
	struct damon_probe *p = damon_test_ctx_add_probe(test, ctx, 0);
	struct damon_filter *f;
	struct damon_prep *prep;

	f = damon_test_probe_add_filter(test, p,
					DAMON_FILTER_TYPE_HUGEPAGE_SIZE,
					true, true);
	f->sz_range.min = PAGE_SIZE;
	f->sz_range.max = PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), 0);
	f->sz_range.max = PAGE_SIZE - 1;
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), -EINVAL);
	/* the range means nothing to other types */
	f->type = DAMON_FILTER_TYPE_ANON;
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), 0);
	f->type = NR_DAMON_FILTER_TYPES;
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), -EINVAL);
	f->type = DAMON_FILTER_TYPE_ANON;

	prep = damon_test_probe_add_prep(test, p);
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), 0);
	prep->action = NR_DAMON_PREP_ACTIONS;
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), -EINVAL);
}

/* Attributes of @window samples of 1 ms per aggregation. */
static void damon_test_set_window(struct damon_ctx *ctx, unsigned long window)
{
	ctx->attrs.sample_interval = 1000;
	ctx->attrs.aggr_interval = 1000 * window;
}

static void damon_test_check_window(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_probes_ctx(test);
	struct damon_probe *p = damon_test_ctx_add_probe(test, ctx, 0);

	/* not attributes-only: any window */
	damon_test_set_window(ctx, 256);
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), 0);
	p->weight = 1;
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), -EINVAL);
	damon_test_set_window(ctx, 255);
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), 0);
	/* 0 counts as 1 us: 255 us of 0 us samples are 255 samples */
	ctx->attrs.sample_interval = 0;
	ctx->attrs.aggr_interval = 255;
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), 0);
	ctx->attrs.aggr_interval = 256;
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), -EINVAL);
	ctx->attrs.aggr_interval = 0;
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), 0);
}

static void damon_test_check_weights(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_probes_ctx(test);
	unsigned int max_weight = UINT_MAX / 255;
	struct damon_probe *p, *p2;

	damon_test_set_window(ctx, 255);
	p = damon_test_ctx_add_probe(test, ctx, max_weight);
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), 0);
	p->weight = max_weight + 1;
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), -EINVAL);

	/* each fits, their sum times 255 just does, then just not */
	p->weight = max_weight / 2 + 1;
	p2 = damon_test_ctx_add_probe(test, ctx, max_weight / 2);
	KUNIT_EXPECT_EQ(test, (u64)(p->weight + p2->weight) * 255, UINT_MAX);
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), 0);
	p2->weight++;
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), -EINVAL);

	/* a shorter window allows heavier weights */
	damon_test_set_window(ctx, 1);
	p->weight = UINT_MAX - 1;
	p2->weight = 1;
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), 0);
	p2->weight = 2;
	KUNIT_EXPECT_EQ(test, damon_test_check(ctx), -EINVAL);
}

static void damon_test_window_samples(struct kunit *test)
{
	struct damon_attrs attrs = {
		.sample_interval = 5000, .aggr_interval = 100000,
	};

	KUNIT_EXPECT_EQ(test, damon_window_samples(&attrs), 20);
	attrs.sample_interval = 0;
	KUNIT_EXPECT_EQ(test, damon_window_samples(&attrs), 100000);
	attrs.aggr_interval = 0;
	KUNIT_EXPECT_EQ(test, damon_window_samples(&attrs), 1);
}

static int damon_probes_test_init(struct kunit *test)
{
	test->priv = damon_test_new_ctx(test);
	return 0;
}

static void damon_probes_test_exit(struct kunit *test)
{
	/* the context and its probes are freed by a kunit action */
	test->priv = NULL;
}

static struct kunit_case damon_probes_test_cases[] = {
	KUNIT_CASE(damon_test_new_probe_empty),
	KUNIT_CASE(damon_test_probe_list_order),
	KUNIT_CASE(damon_test_filters_and_preps),
	KUNIT_CASE(damon_test_name_tables),
	KUNIT_CASE(damon_test_attrs_only),
	KUNIT_CASE(damon_test_have_preps),
	KUNIT_CASE(damon_test_check_nr_probes),
	KUNIT_CASE(damon_test_check_filters),
	KUNIT_CASE(damon_test_check_window),
	KUNIT_CASE(damon_test_check_weights),
	KUNIT_CASE(damon_test_window_samples),
	{},
};

static struct kunit_suite damon_probes_test_suite = {
	.name = "damon-probes",
	.init = damon_probes_test_init,
	.exit = damon_probes_test_exit,
	.test_cases = damon_probes_test_cases,
};

kunit_test_suite(damon_probes_test_suite);

MODULE_DESCRIPTION("KUnit tests of DAMON data attribute probes");
MODULE_LICENSE("GPL");

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
	.actions = BIT(DAMOS_STAT),
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
	damon_test_set_counters(damon_test_region(t, 0), 4, 7, 3);
	damon_test_set_counters(damon_test_region(t, 1), 9, 2, 8);
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
				   4, 7, 3);
	damon_test_expect_counters(test, damon_test_region(t, 1),
				   9, 2, 8);
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
				   4, 7, 3);
	damon_test_expect_counters(test, damon_test_region(t, 1),
				   9, 2, 8);
	damon_test_expect_counters(test, damon_test_region(t, 2), 0, 0, 0);
}

/*
 * A new address unit or minimum region size: the old regions are in the
 * wrong unit or alignment, so the target gets exactly the ranges given,
 * aligned to the new size, and none (for setup_regions() to fill) if
 * none are given; no region keeps a counter of the old ones.
 */
static void damon_test_commit_new_unit(struct kunit *test)
{
	static const struct damon_addr_range new_ranges[] = {
		{ PG(4), PG(12) },
	};
	struct damon_ctx *dst = damon_test_commit_ctx(test, 2);
	struct damon_ctx *src = damon_test_commit_ctx(test, 2);

	damon_test_add_two_counted(test, damon_test_target(dst, 0));
	damon_test_add_two_counted(test, damon_test_target(dst, 1));
	damon_test_add_regions(test, damon_test_target(src, 0), new_ranges,
			       ARRAY_SIZE(new_ranges));
	src->addr_unit = 4;
	src->min_sz_region = 4 * dst->min_sz_region;

	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_EQ(test, dst->addr_unit, 4UL);
	KUNIT_EXPECT_EQ(test, dst->min_sz_region, src->min_sz_region);
	damon_test_expect_regions(test, damon_test_target(dst, 0), new_ranges,
				  ARRAY_SIZE(new_ranges));
	damon_test_expect_counters(test,
				   damon_test_region(damon_test_target(dst, 0), 0),
				   0, 0, 0);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(damon_test_target(dst, 1)), 0U);
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
	damon_test_set_counters(damon_first_region(t), 4, 7, 3);
	st = damon_test_target(src, 0);
	st->pid = damon_test_get_pid();
	damon_test_add_regions(test, st, new_ranges, ARRAY_SIZE(new_ranges));

	/* another process: new regions, new counters */
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_ASSERT_EQ(test, damon_test_nr_targets(dst), 1);
	t = damon_test_target(dst, 0);
	KUNIT_EXPECT_PTR_EQ(test, t->pid, st->pid);
	damon_test_expect_regions(test, t, new_ranges, ARRAY_SIZE(new_ranges));
	damon_test_expect_counters(test, damon_first_region(t), 0, 0, 0);

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
	damon_test_set_counters(damon_first_region(t), 10, 4, 6);
	src->attrs.aggr_interval = 200 * USEC_PER_MSEC;
	src->attrs.min_nr_regions = 5;
	src->attrs.max_nr_regions = 50;
	src->ops = &damon_test_commit_ops2;

	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_EQ(test, dst->attrs.sample_interval,
			src->attrs.sample_interval);
	KUNIT_EXPECT_EQ(test, dst->attrs.aggr_interval,
			src->attrs.aggr_interval);
	KUNIT_EXPECT_EQ(test, dst->attrs.min_nr_regions, 5);
	KUNIT_EXPECT_EQ(test, dst->attrs.max_nr_regions, 50);
	KUNIT_EXPECT_PTR_EQ(test, dst->ops, &damon_test_commit_ops2);
	/* twice the samples per aggregation, half the aggregations */
	damon_test_expect_counters(test, damon_first_region(t), 20, 2, 12);
}

/*
 * A scheme whose apply interval changes is next applied one new interval
 * from now, not after what was left of the old one; one whose interval
 * stays keeps its schedule.
 */
static void damon_test_commit_apply_interval(struct kunit *test)
{
	struct damon_ctx *dst = damon_test_commit_ctx(test, 0);
	struct damon_ctx *src = damon_test_commit_ctx(test, 0);
	struct damos *changed, *kept;

	/* default: 5 ms samples */
	changed = damon_test_add_stat_scheme(test, dst, 30 * USEC_PER_SEC,
					     NULL);
	kept = damon_test_add_stat_scheme(test, dst, 30 * USEC_PER_SEC, NULL);
	damon_test_add_stat_scheme(test, src, 100 * USEC_PER_MSEC, NULL);
	damon_test_add_stat_scheme(test, src, 30 * USEC_PER_SEC, NULL);
	dst->passed_sample_intervals = 1000;
	changed->next_apply_sis = 1000 + 5000;
	kept->next_apply_sis = 1000 + 5000;

	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_EQ(test, changed->apply_interval_us, 100 * USEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, changed->next_apply_sis, 1000 + 20);
	KUNIT_EXPECT_EQ(test, kept->next_apply_sis, 1000 + 5000);
}

/* ==================== Probes ==================== */

/*
 * Give @ctx two probes: one of weight @weight with a memcg and a
 * hugepage_size filter and a prep, one without anything.
 */
static void damon_test_add_two_probes(struct kunit *test,
				      struct damon_ctx *ctx,
				      unsigned int weight)
{
	struct damon_probe *p = damon_test_ctx_add_probe(test, ctx, weight);
	struct damon_filter *f;

	f = damon_test_probe_add_filter(test, p, DAMON_FILTER_TYPE_MEMCG,
					true, false);
	f->memcg_id = 42;
	f = damon_test_probe_add_filter(test, p,
					DAMON_FILTER_TYPE_HUGEPAGE_SIZE,
					false, true);
	f->sz_range.min = PAGE_SIZE;
	f->sz_range.max = 2 * PAGE_SIZE;
	damon_test_probe_add_prep(test, p);
	damon_test_ctx_add_probe(test, ctx, 0);
}

/* Check that the probes of @dst look like those of @src, but are copies. */
static void damon_test_expect_same_probes(struct kunit *test,
					  struct damon_ctx *dst,
					  struct damon_ctx *src)
{
	struct damon_probe *dp, *sp;
	struct damon_filter *df, *sf;
	struct damon_prep *dprep, *sprep;

	KUNIT_ASSERT_EQ(test, damon_nr_probes(dst), damon_nr_probes(src));
	dp = list_first_entry(&dst->probes, struct damon_probe, list);
	damon_for_each_probe(sp, src) {
		KUNIT_EXPECT_PTR_NE(test, dp, sp);
		KUNIT_EXPECT_EQ(test, dp->weight, sp->weight);
		KUNIT_ASSERT_EQ(test, list_count_nodes(&dp->filters),
				list_count_nodes(&sp->filters));
		df = list_first_entry(&dp->filters, struct damon_filter, list);
		damon_for_each_filter(sf, sp) {
			KUNIT_EXPECT_PTR_NE(test, df, sf);
			KUNIT_EXPECT_EQ(test, df->type, sf->type);
			KUNIT_EXPECT_EQ(test, df->matching, sf->matching);
			KUNIT_EXPECT_EQ(test, df->allow, sf->allow);
			KUNIT_EXPECT_EQ(test, df->sz_range.min,
					sf->sz_range.min);
			KUNIT_EXPECT_EQ(test, df->sz_range.max,
					sf->sz_range.max);
			df = list_next_entry(df, list);
		}
		KUNIT_ASSERT_EQ(test, list_count_nodes(&dp->preps),
				list_count_nodes(&sp->preps));
		dprep = list_first_entry(&dp->preps, struct damon_prep, list);
		damon_for_each_prep(sprep, sp) {
			KUNIT_EXPECT_PTR_NE(test, dprep, sprep);
			KUNIT_EXPECT_EQ(test, dprep->action, sprep->action);
			dprep = list_next_entry(dprep, list);
		}
		dp = list_next_entry(dp, list);
	}
}

static struct damon_filter *damon_test_first_filter(struct damon_ctx *ctx)
{
	struct damon_probe *p = list_first_entry(&ctx->probes,
						 struct damon_probe, list);

	return list_first_entry(&p->filters, struct damon_filter, list);
}

static u64 damon_test_probe_weight_sum(struct damon_ctx *ctx)
{
	struct damon_probe *p;
	u64 sum = 0;

	damon_for_each_probe(p, ctx)
		sum += p->weight;
	return sum;
}

static void damon_test_set_probe_hits(struct damon_region *r, u8 hits,
				      u8 last_hits)
{
	memset(r->probe_hits, hits, sizeof(r->probe_hits));
	memset(r->last_probe_hits, last_hits, sizeof(r->last_probe_hits));
}

static void damon_test_expect_probe_hits(struct kunit *test,
					 struct damon_region *r, u8 hits,
					 u8 last_hits)
{
	unsigned int i;

	for (i = 0; i < DAMON_MAX_PROBES; i++) {
		KUNIT_EXPECT_EQ_MSG(test, r->probe_hits[i], hits, "probe %u",
				    i);
		KUNIT_EXPECT_EQ_MSG(test, r->last_probe_hits[i], last_hits,
				    "probe %u", i);
	}
}

static void damon_test_commit_copies_probes(struct kunit *test)
{
	static const struct damon_addr_range ranges[] = { { PG(0), PG(10) } };
	struct damon_ctx *dst = damon_test_commit_ctx(test, 1);
	struct damon_ctx *src = damon_test_commit_ctx(test, 1);
	struct damon_region *r;

	damon_test_add_regions(test, damon_test_target(dst, 0), ranges,
			       ARRAY_SIZE(ranges));
	r = damon_first_region(damon_test_target(dst, 0));
	damon_test_set_probe_hits(r, 3, 5);
	damon_test_ctx_add_probe(test, dst, 9);
	damon_test_add_two_probes(test, src, 2);

	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	damon_test_expect_same_probes(test, dst, src);
	/* the memcg id went along too */
	KUNIT_EXPECT_EQ(test, damon_test_first_filter(dst)->memcg_id, 42);
	/* the counts are not reset */
	damon_test_expect_probe_hits(test, r, 3, 5);

	/* and fewer probes replace more */
	src = damon_test_commit_ctx(test, 1);
	damon_test_ctx_add_probe(test, src, 0);
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	damon_test_expect_same_probes(test, dst, src);
	src = damon_test_commit_ctx(test, 1);
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_EQ(test, damon_nr_probes(dst), 0);
	damon_test_expect_probe_hits(test, r, 3, 5);
}

/* ==================== Rejected commits ==================== */

typedef void (*damon_test_breaker)(struct kunit *test, struct damon_ctx *src);

/* Commit @src, made invalid by @breaker, and check nothing changed. */
static void damon_test_commit_rejected(struct kunit *test,
				       damon_test_breaker breaker)
{
	static const struct damon_addr_range ranges[] = { { PG(0), PG(10) } };
	static const struct damon_addr_range new_ranges[] = {
		{ PG(20), PG(30) },
	};
	struct damon_ctx *dst = damon_test_commit_ctx(test, 1);
	struct damon_ctx *src = damon_test_commit_ctx(test, 2);
	struct damon_target *t = damon_test_target(dst, 0);
	struct damon_attrs attrs = dst->attrs;
	struct damon_probe *p = damon_test_ctx_add_probe(test, dst, 0);

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	damon_test_set_counters(damon_first_region(t), 10, 4, 6);
	damon_test_set_probe_hits(damon_first_region(t), 3, 5);
	damon_test_add_regions(test, damon_test_target(src, 0), new_ranges,
			       ARRAY_SIZE(new_ranges));
	src->ops = &damon_test_commit_ops2;
	src->attrs.aggr_interval = 200 * USEC_PER_MSEC;
	damon_test_add_two_probes(test, src, 0);
	breaker(test, src);

	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), -EINVAL);
	KUNIT_EXPECT_EQ(test, memcmp(&dst->attrs, &attrs, sizeof(attrs)), 0);
	KUNIT_EXPECT_PTR_EQ(test, dst->ops, &damon_test_commit_ops);
	KUNIT_EXPECT_EQ(test, damon_test_nr_targets(dst), 1);
	KUNIT_EXPECT_PTR_EQ(test, damon_test_target(dst, 0), t);
	damon_test_expect_regions(test, t, ranges, ARRAY_SIZE(ranges));
	damon_test_expect_counters(test, damon_first_region(t), 10, 4, 6);
	damon_test_expect_probe_hits(test, damon_first_region(t), 3, 5);
	KUNIT_EXPECT_EQ(test, damon_nr_probes(dst), 1);
	KUNIT_EXPECT_PTR_EQ(test, list_first_entry(&dst->probes,
						   struct damon_probe, list),
			    p);
}

static void damon_test_too_few_regions(struct kunit *test,
				       struct damon_ctx *src)
{
	src->attrs.min_nr_regions = 2;
}

static void damon_test_max_below_min(struct kunit *test,
				     struct damon_ctx *src)
{
	src->attrs.max_nr_regions = src->attrs.min_nr_regions - 1;
}

static void damon_test_aggr_below_sample(struct kunit *test,
					 struct damon_ctx *src)
{
	src->attrs.aggr_interval = src->attrs.sample_interval - 1;
}

/* Bad ranges on the second target: the first must not change either. */
static void damon_test_ranges_overlap(struct kunit *test,
				      struct damon_ctx *src)
{
	static const struct damon_addr_range bad[] = {
		{ PG(0), PG(10) }, { PG(5), PG(15) },
	};

	damon_test_add_regions(test, damon_test_target(src, 1), bad,
			       ARRAY_SIZE(bad));
}

static void damon_test_range_empty(struct kunit *test,
				   struct damon_ctx *src)
{
	static const struct damon_addr_range bad[] = { { PG(5), PG(5) } };

	damon_test_add_regions(test, damon_test_target(src, 1), bad,
			       ARRAY_SIZE(bad));
}

static void damon_test_commit_invalid_attrs(struct kunit *test)
{
	damon_test_commit_rejected(test, damon_test_too_few_regions);
	damon_test_commit_rejected(test, damon_test_max_below_min);
	damon_test_commit_rejected(test, damon_test_aggr_below_sample);
	damon_test_commit_rejected(test, damon_test_ranges_overlap);
	damon_test_commit_rejected(test, damon_test_range_empty);
}

static void damon_test_too_many_probes(struct kunit *test,
				       struct damon_ctx *src)
{
	/* two more make five */
	damon_test_add_two_probes(test, src, 0);
	damon_test_ctx_add_probe(test, src, 0);
	KUNIT_ASSERT_EQ(test, damon_nr_probes(src), DAMON_MAX_PROBES + 1);
}

static void damon_test_size_below_min(struct kunit *test,
				      struct damon_ctx *src)
{
	struct damon_probe *p = list_first_entry(&src->probes,
						 struct damon_probe, list);
	struct damon_filter *f = list_last_entry(&p->filters,
						 struct damon_filter, list);

	KUNIT_ASSERT_EQ(test, f->type, DAMON_FILTER_TYPE_HUGEPAGE_SIZE);
	f->sz_range.max = f->sz_range.min - 1;
}

/* Attributes-only mode with 1 ms samples, @window of them per aggregation */
static void damon_test_attrs_only_window(struct damon_ctx *src,
					 unsigned long window)
{
	list_first_entry(&src->probes, struct damon_probe, list)->weight = 1;
	src->attrs.sample_interval = 1000;
	src->attrs.aggr_interval = 1000 * window;
}

static void damon_test_window_too_long(struct kunit *test,
				       struct damon_ctx *src)
{
	damon_test_attrs_only_window(src, 256);
}

static void damon_test_weight_too_heavy(struct kunit *test,
					struct damon_ctx *src)
{
	damon_test_attrs_only_window(src, 255);
	list_first_entry(&src->probes, struct damon_probe, list)->weight =
		UINT_MAX / 255 + 1;
}

static void damon_test_weights_too_heavy(struct kunit *test,
					 struct damon_ctx *src)
{
	damon_test_attrs_only_window(src, 255);
	list_first_entry(&src->probes, struct damon_probe, list)->weight =
		UINT_MAX / 255 / 2 + 1;
	list_last_entry(&src->probes, struct damon_probe, list)->weight =
		UINT_MAX / 255 / 2 + 1;
}

static void damon_test_commit_invalid_probes(struct kunit *test)
{
	damon_test_commit_rejected(test, damon_test_too_many_probes);
	damon_test_commit_rejected(test, damon_test_size_below_min);
	damon_test_commit_rejected(test, damon_test_window_too_long);
	damon_test_commit_rejected(test, damon_test_weight_too_heavy);
	damon_test_commit_rejected(test, damon_test_weights_too_heavy);
}

/* The edges of the limits damon_test_commit_invalid_probes() crosses. */
static void damon_test_commit_probe_edges(struct kunit *test)
{
	struct damon_ctx *dst = damon_test_commit_ctx(test, 1);
	struct damon_ctx *src = damon_test_commit_ctx(test, 1);
	struct damon_probe *first, *last;
	unsigned int i;

	for (i = 0; i < DAMON_MAX_PROBES / 2; i++)
		damon_test_add_two_probes(test, src, 0);
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_EQ(test, damon_nr_probes(dst), DAMON_MAX_PROBES);
	/* min == max is a range of one size */
	first = list_first_entry(&src->probes, struct damon_probe, list);
	last = list_last_entry(&src->probes, struct damon_probe, list);
	list_last_entry(&first->filters, struct damon_filter,
			list)->sz_range.max = PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), 0);

	damon_test_attrs_only_window(src, 255);
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_TRUE(test, damon_attrs_only(dst));
	first->weight = UINT_MAX / 255;
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), 0);
	first->weight = UINT_MAX / 255 / 2 + 1;
	last->weight = UINT_MAX / 255 / 2;
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_EQ(test, damon_test_probe_weight_sum(dst) * 255,
			(u64)UINT_MAX);
	/* without weights, windows are not limited */
	first->weight = 0;
	last->weight = 0;
	src->attrs.aggr_interval = 1000 * 1000;
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_FALSE(test, damon_attrs_only(dst));
}

/* Intervals of 0 are accepted and committed as they are. */
static void damon_test_commit_zero_intervals(struct kunit *test)
{
	struct damon_ctx *dst = damon_test_commit_ctx(test, 1);
	struct damon_ctx *src = damon_test_commit_ctx(test, 1);

	src->attrs.sample_interval = 0;
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_EQ(test, dst->attrs.sample_interval, 0);
	KUNIT_EXPECT_EQ(test, dst->attrs.aggr_interval, 100 * USEC_PER_MSEC);
	src->attrs.aggr_interval = 0;
	src->attrs.ops_update_interval = 0;
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_EQ(test, dst->attrs.aggr_interval, 0);
	KUNIT_EXPECT_EQ(test, dst->attrs.ops_update_interval, 0);
	/* and so does damon_set_attrs() */
	src->attrs.sample_interval = 0;
	src->attrs.aggr_interval = 5;
	KUNIT_EXPECT_EQ(test, damon_set_attrs(dst, &src->attrs), 0);
	KUNIT_EXPECT_EQ(test, dst->attrs.aggr_interval, 5);
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
	KUNIT_CASE(damon_test_commit_new_unit),
	KUNIT_CASE(damon_test_commit_replaces_target),
	KUNIT_CASE(damon_test_commit_adds_and_removes),
	KUNIT_CASE(damon_test_commit_obsolete),
	KUNIT_CASE(damon_test_commit_attrs),
	KUNIT_CASE(damon_test_commit_apply_interval),
	KUNIT_CASE(damon_test_commit_invalid_attrs),
	KUNIT_CASE(damon_test_commit_copies_probes),
	KUNIT_CASE(damon_test_commit_invalid_probes),
	KUNIT_CASE(damon_test_commit_probe_edges),
	KUNIT_CASE(damon_test_commit_zero_intervals),
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

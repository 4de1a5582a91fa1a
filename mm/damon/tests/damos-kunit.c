// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the DAMOS engine, mm/damon/apply.c and quota.c, driven
 * from the test thread on contexts that do not run: ranking under quotas,
 * charging across splits and merges, fail charges, goal tuners on a
 * simulated system, goal metrics and their complements, the watermark
 * state machine, core filters, scheme commits and their validation.
 *
 * damos_apply_schemes() is called directly, as the kdamond would after a
 * sample; a fake operation set records what it is asked to apply.
 */

#include <kunit/test.h>
#include <linux/damon.h>
#include <linux/jiffies.h>

#include "damon-kunit.h"
#include "quota-sim.h"
#include "../damos.h"

#define PG(n)			DAMON_TEST_PG(n)
#define DAMOS_TEST_MAX_APPLIED	64

/* What the fake operation set was asked to apply. */
static struct {
	unsigned int nr;
	struct damon_addr_range ar[DAMOS_TEST_MAX_APPLIED];
	/* apply_scheme() reports this share of each region, in percent */
	unsigned int applied_pct;
} damos_test_log;

static unsigned long damos_test_apply(struct damon_ctx *ctx,
				      struct damon_target *t,
				      struct damon_region *r, struct damos *s,
				      unsigned long *sz_filter_passed)
{
	unsigned long sz = damon_sz_region(r);

	if (damos_test_log.nr < DAMOS_TEST_MAX_APPLIED)
		damos_test_log.ar[damos_test_log.nr] = r->ar;
	damos_test_log.nr++;
	*sz_filter_passed = sz / 2;
	return sz * damos_test_log.applied_pct / 100;
}

/* Regions below PG(64) are on node 0, the others on node 1. */
static unsigned long damos_test_sz_on_node(struct damon_ctx *ctx,
					   struct damon_target *t,
					   struct damon_region *r, int nid)
{
	unsigned long split = clamp(PG(64), r->ar.start, r->ar.end);

	return nid ? r->ar.end - split : split - r->ar.start;
}

static const struct damon_operations damos_test_ops = {
	.id = DAMON_OPS_PADDR,
	.name = "damos-test",
	.start_sample = damon_test_nop,
	.finish_sample = damon_test_nop,
	.apply_scheme = damos_test_apply,
	.sz_on_node = damos_test_sz_on_node,
	.actions = BIT(DAMOS_STAT) | BIT(DAMOS_PAGEOUT) | BIT(DAMOS_WILLNEED),
};

static const struct damos_access_pattern damos_test_any = {
	.max_sz_region = ULONG_MAX,
	.max_nr_accesses = UINT_MAX,
	.max_age_region = UINT_MAX,
};

static const struct damos_watermarks damos_test_no_wmarks = {};

/* Every test starts with a clean log of the fake operation set. */
static int damos_test_init(struct kunit *test)
{
	memset(&damos_test_log, 0, sizeof(damos_test_log));
	damos_test_log.applied_pct = 100;
	return 0;
}

/* ...and leaves none behind, should another suite share the ops. */
static void damos_test_exit(struct kunit *test)
{
	memset(&damos_test_log, 0, sizeof(damos_test_log));
}

/* A stopped context of the fake operation set. */
static struct damon_ctx *damos_test_ctx(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);

	ctx->ops = &damos_test_ops;
	return ctx;
}

/* A scheme for any region, with quota @quota, added to @ctx. */
static struct damos *damos_test_scheme(struct kunit *test,
				       struct damon_ctx *ctx,
				       enum damos_action action,
				       const struct damos_quota *quota)
{
	struct damos *s;

	s = damon_new_scheme(&damos_test_any, action, 0, quota,
			     &damos_test_no_wmarks, NUMA_NO_NODE);
	KUNIT_ASSERT_NOT_NULL(test, s);
	damon_add_scheme(ctx, s);
	return s;
}

/* @nr regions of @pages pages each from page 0, with nr_accesses i. */
static struct damon_target *damos_test_target(struct kunit *test,
					      struct damon_ctx *ctx,
					      unsigned int nr,
					      unsigned int pages)
{
	struct damon_target *t = damon_test_add_target(test, ctx);
	struct damon_region *r;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		r = damon_test_new_region(test, t, PG(i * pages),
					  PG((i + 1) * pages));
		damon_test_set_counters(r, i, 0, i);
	}
	return t;
}

/* Apply every scheme now, in a new quota period. */
static void damos_test_apply_period(struct damon_ctx *ctx)
{
	struct damos *s;

	damon_for_each_scheme(s, ctx) {
		s->next_apply_sis = 0;
		s->quota.period_started = false;
	}
	damos_apply_schemes(ctx);
}

/* ==================== Quota arithmetic ==================== */

static void damos_test_min_score(struct kunit *test)
{
	unsigned long sz[DAMOS_NR_SCORES] = {
		[99] = 10, [50] = 20, [10] = 30,
	};

	KUNIT_EXPECT_EQ(test, damos_min_score(sz, 5), 99);
	KUNIT_EXPECT_EQ(test, damos_min_score(sz, 10), 99);
	KUNIT_EXPECT_EQ(test, damos_min_score(sz, 11), 50);
	KUNIT_EXPECT_EQ(test, damos_min_score(sz, 30), 50);
	KUNIT_EXPECT_EQ(test, damos_min_score(sz, 31), 10);
	KUNIT_EXPECT_EQ(test, damos_min_score(sz, 1000), 0);
}

static void damos_test_scores(struct kunit *test)
{
	struct damos_quota q = { .weight_nr_accesses = 1 };
	struct damos_score_input hot = { .rate_bp = DAMON_BP_UNIT };
	struct damos_score_input cold = { .rate_bp = 0 };

	KUNIT_EXPECT_EQ(test, damos_region_score(&q, &hot), DAMOS_MAX_SCORE);
	KUNIT_EXPECT_EQ(test, damos_region_score(&q, &cold), 0);
	hot.prefer_cold = true;
	cold.prefer_cold = true;
	KUNIT_EXPECT_EQ(test, damos_region_score(&q, &hot), 0);
	KUNIT_EXPECT_EQ(test, damos_region_score(&q, &cold), DAMOS_MAX_SCORE);

	q = (struct damos_quota){ .weight_age = 1 };
	cold.age = 1000;
	hot.age = 10;
	KUNIT_EXPECT_GT(test, damos_region_score(&q, &cold),
			damos_region_score(&q, &hot));
	q = (struct damos_quota){ .weight_sz = 1 };
	cold.sz = PG(100);
	hot.sz = PG(1);
	KUNIT_EXPECT_GT(test, damos_region_score(&q, &cold),
			damos_region_score(&q, &hot));
}

/* ==================== Ranking under quotas ==================== */

/*
 * Ten regions of four pages, region i with i accesses per aggregation,
 * and a quota of three regions ranked by access frequency only: a scheme
 * for hot memory takes the three hottest, one for cold memory the three
 * coldest, each in one period.
 */
static void damos_test_ranking(struct kunit *test, enum damos_action action,
			       unsigned int first)
{
	struct damos_quota quota = {
		.sz = PG(12), .weight_nr_accesses = 1, .reset_interval = 1000,
	};
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damos *s;
	unsigned int i;

	damos_test_target(test, ctx, 10, 4);
	s = damos_test_scheme(test, ctx, action, &quota);
	damos_test_apply_period(ctx);

	KUNIT_ASSERT_EQ(test, damos_test_log.nr, 3);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, damos_test_log.ar[i].start,
				PG((first + i) * 4));
		KUNIT_EXPECT_EQ(test, damos_test_log.ar[i].end,
				PG((first + i + 1) * 4));
	}
	KUNIT_EXPECT_EQ(test, s->quota.esz, PG(12));
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 3);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, PG(12));
	KUNIT_EXPECT_EQ(test, s->stat.sz_applied, PG(12));
	KUNIT_EXPECT_EQ(test, s->stat.sz_ops_filter_passed, PG(6));
	KUNIT_EXPECT_EQ(test, s->stat.qt_exceeds, 1);
	KUNIT_EXPECT_EQ(test, s->stat.nr_snapshots, 1);

	/* the same period: nothing more, and no second quota excess */
	s->next_apply_sis = 0;
	damos_apply_schemes(ctx);
	KUNIT_EXPECT_EQ(test, damos_test_log.nr, 3);
	KUNIT_EXPECT_EQ(test, s->stat.qt_exceeds, 1);
	KUNIT_EXPECT_EQ(test, s->stat.nr_snapshots, 2);
}

static void damos_test_ranking_hot(struct kunit *test)
{
	damos_test_ranking(test, DAMOS_WILLNEED, 7);
}

static void damos_test_ranking_cold(struct kunit *test)
{
	damos_test_ranking(test, DAMOS_PAGEOUT, 0);
}

/* A region bigger than what is left is cut, and its left part applied. */
static void damos_test_quota_cuts(struct kunit *test)
{
	struct damos_quota quota = { .sz = PG(3) + 100, .reset_interval = 1 };
	static const struct damon_addr_range after[] = {
		{ PG(0), PG(3) }, { PG(3), PG(10) },
	};
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damon_target *t;
	struct damos *s;

	t = damos_test_target(test, ctx, 1, 10);
	s = damos_test_scheme(test, ctx, DAMOS_STAT, &quota);
	damos_test_apply_period(ctx);
	KUNIT_ASSERT_EQ(test, damos_test_log.nr, 1);
	KUNIT_EXPECT_EQ(test, damos_test_log.ar[0].end, PG(3));
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, PG(3));
	damon_test_expect_regions(test, t, after, ARRAY_SIZE(after));
}

/* No quota: everything every time, no excess counted. */
static void damos_test_unlimited(struct kunit *test)
{
	struct damos_quota quota = {};
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damos *s;

	damos_test_target(test, ctx, 5, 2);
	s = damos_test_scheme(test, ctx, DAMOS_STAT, &quota);
	damos_test_log.applied_pct = 50;
	damos_test_apply_period(ctx);
	damos_test_apply_period(ctx);
	KUNIT_EXPECT_EQ(test, damos_test_log.nr, 10);
	KUNIT_EXPECT_EQ(test, s->quota.esz, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, s->stat.nr_applied, 10);
	KUNIT_EXPECT_EQ(test, s->stat.sz_applied, PG(10));
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, PG(20));
	KUNIT_EXPECT_EQ(test, s->stat.qt_exceeds, 0);
}

/* ==================== Charging across splits and merges ==================== */

/*
 * A quota of eight pages over 32 pages of regions that are merged and cut
 * differently between periods: four periods apply every page exactly
 * once, the fifth starts over.
 */
static void damos_test_charge_resume(struct kunit *test)
{
	struct damos_quota quota = { .sz = PG(8), .reset_interval = 1000 };
	struct damon_ctx *ctx = damos_test_ctx(test);
	unsigned int times[32] = {}, i, period;
	struct damon_target *t;
	struct damon_region *r;
	unsigned long a;
	int err;

	t = damos_test_target(test, ctx, 8, 4);
	damos_test_scheme(test, ctx, DAMOS_STAT, &quota);
	for (period = 0; period < 4; period++) {
		damos_test_apply_period(ctx);
		/* reshape: merge everything, then cut somewhere else */
		damon_merge_regions_of(t, UINT_MAX, ULONG_MAX);
		KUNIT_ASSERT_EQ(test, damon_nr_regions(t), 1);
		r = damon_first_region(t);
		err = damon_split_region_at(t, r, PG(3 + period * 5));
		KUNIT_ASSERT_EQ(test, err, 0);
		r = damon_last_region(t);
		if (damon_sz_region(r) > PG(7)) {
			err = damon_split_region_at(t, r, PG(7));
			KUNIT_ASSERT_EQ(test, err, 0);
		}
	}
	KUNIT_ASSERT_LE(test, damos_test_log.nr, DAMOS_TEST_MAX_APPLIED);
	for (i = 0; i < damos_test_log.nr; i++) {
		for (a = damos_test_log.ar[i].start;
		     a < damos_test_log.ar[i].end; a += PAGE_SIZE)
			times[a / PAGE_SIZE]++;
	}
	for (i = 0; i < 32; i++)
		KUNIT_EXPECT_EQ_MSG(test, times[i], 1, "page %u", i);

	damos_test_log.nr = 0;
	damos_test_apply_period(ctx);
	KUNIT_ASSERT_GE(test, damos_test_log.nr, 1);
	KUNIT_EXPECT_EQ(test, damos_test_log.ar[0].start, 0);
}

/* A time quota limits by time until the throughput is learned. */
static void damos_test_time_quota(struct kunit *test)
{
	struct damos_quota quota = { .ms = 1000, .reset_interval = 1000 };
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damos *s;

	damos_test_target(test, ctx, 4, 4);
	s = damos_test_scheme(test, ctx, DAMOS_STAT, &quota);
	damos_test_apply_period(ctx);
	/* unmeasured: only the time limits, and one second is plenty */
	KUNIT_EXPECT_EQ(test, damos_test_log.nr, 4);
	KUNIT_EXPECT_EQ(test, s->quota.total_charged_sz, PG(16));
	damos_test_apply_period(ctx);
	/* measured: the time allows more than all of it */
	KUNIT_EXPECT_GE(test, s->quota.esz, PG(16));
	KUNIT_EXPECT_EQ(test, damos_test_log.nr, 8);
}

/* ==================== Goals ==================== */

static void damos_test_sim(struct kunit *test,
			   enum damos_quota_goal_tuner tuner)
{
	unsigned long target;
	struct damos_sim res;

	for (target = 1000; target <= 9000; target += 2000) {
		damos_sim_run(tuner, target, DAMOS_SIM_TOTAL / 5, &res);
		KUNIT_EXPECT_TRUE(test, res.sz_in_bounds);
		KUNIT_EXPECT_GE(test, res.first_met, 0);
		if (tuner == DAMOS_QUOTA_GOAL_TUNER_CONSIST) {
			KUNIT_EXPECT_GE(test, res.min_settled + target / 20,
					target);
			KUNIT_EXPECT_LE(test, res.max_settled,
					target + target / 20);
		} else {
			KUNIT_EXPECT_GE(test, res.min_settled + target / 10 + 1,
					target);
		}
	}
}

static void damos_test_sim_consist(struct kunit *test)
{
	damos_test_sim(test, DAMOS_QUOTA_GOAL_TUNER_CONSIST);
}

static void damos_test_sim_temporal(struct kunit *test)
{
	damos_test_sim(test, DAMOS_QUOTA_GOAL_TUNER_TEMPORAL);
}

/*
 * The whole engine against the simulated system: a user_input goal fed
 * with the simulated free memory after each period.  64 regions of 16 MiB
 * make DAMOS_SIM_TOTAL.
 */
static void damos_test_engine_goal(struct kunit *test,
				   enum damos_quota_goal_tuner tuner)
{
	struct damos_quota quota = {
		.reset_interval = 1000, .goal_tuner = tuner,
		.sz = DAMOS_SIM_TOTAL / 5,
	};
	struct damon_ctx *ctx = damos_test_ctx(test);
	unsigned long metric = 0, applied, lo = ULONG_MAX, hi = 0;
	const unsigned long target = 6000;
	struct damos_quota_goal *g;
	struct damon_target *t;
	struct damos *s;
	unsigned int i;

	t = damon_test_add_target(test, ctx);
	for (i = 0; i < 64; i++)
		damon_test_new_region(test, t, i * (DAMOS_SIM_TOTAL / 64),
				      (i + 1) * (DAMOS_SIM_TOTAL / 64));
	s = damos_test_scheme(test, ctx, DAMOS_PAGEOUT, &quota);
	g = damos_new_quota_goal(DAMOS_QUOTA_USER_INPUT, target);
	KUNIT_ASSERT_NOT_NULL(test, g);
	damos_add_quota_goal(&s->quota, g);

	for (i = 0; i < 200; i++) {
		g->current_value = metric;
		applied = s->stat.sz_applied;
		damos_test_apply_period(ctx);
		KUNIT_ASSERT_LE(test, s->stat.sz_applied - applied,
				s->quota.esz);
		metric = damos_sim_step(metric, s->stat.sz_applied - applied);
		/* keep the region count bounded, as aggregations would */
		damon_merge_regions_of(t, UINT_MAX, DAMOS_SIM_TOTAL / 64);
		if (i >= 150) {
			lo = min(lo, metric);
			hi = max(hi, metric);
		}
	}
	if (tuner == DAMOS_QUOTA_GOAL_TUNER_CONSIST) {
		KUNIT_EXPECT_GE(test, lo + target / 10, target);
		KUNIT_EXPECT_LE(test, hi, target + target / 10);
	} else {
		KUNIT_EXPECT_GE(test, lo + target / 10 + 1, target);
	}
}

static void damos_test_engine_consist(struct kunit *test)
{
	damos_test_engine_goal(test, DAMOS_QUOTA_GOAL_TUNER_CONSIST);
}

static void damos_test_engine_temporal(struct kunit *test)
{
	damos_test_engine_goal(test, DAMOS_QUOTA_GOAL_TUNER_TEMPORAL);
}

/* The metrics the kernel measures are read, and make sense. */
static void damos_test_metrics(struct kunit *test)
{
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damos_quota quota = {};
	struct damos_quota_goal g = { .nid = 0 };
	unsigned long a, b;
	struct damos *s;

	/* 128 pages, the lower half on node 0 */
	damos_test_target(test, ctx, 8, 16);
	s = damos_test_scheme(test, ctx, DAMOS_STAT, &quota);

	g.metric = DAMOS_QUOTA_NODE_ELIGIBLE_MEM_BP;
	KUNIT_EXPECT_EQ(test, damos_read_goal_metric(ctx, s, &g), 5000);
	g.nid = 1;
	KUNIT_EXPECT_EQ(test, damos_read_goal_metric(ctx, s, &g), 5000);
	s->pattern.max_sz_region = 0;
	KUNIT_EXPECT_EQ(test, damos_read_goal_metric(ctx, s, &g), 0);

	g.nid = 0;
	g.metric = DAMOS_QUOTA_NODE_MEM_USED_BP;
	a = damos_read_goal_metric(ctx, s, &g);
	g.metric = DAMOS_QUOTA_NODE_MEM_FREE_BP;
	b = damos_read_goal_metric(ctx, s, &g);
	KUNIT_EXPECT_GT(test, a, 0);
	KUNIT_EXPECT_GT(test, b, 0);
	KUNIT_EXPECT_LE(test, a + b, 10000);
	KUNIT_EXPECT_GE(test, a + b, 9900);

	g.metric = DAMOS_QUOTA_ACTIVE_MEM_BP;
	a = damos_read_goal_metric(ctx, s, &g);
	g.metric = DAMOS_QUOTA_INACTIVE_MEM_BP;
	b = damos_read_goal_metric(ctx, s, &g);
	KUNIT_EXPECT_LE(test, a + b, 10000);
	if (a + b)
		KUNIT_EXPECT_GE(test, a + b, 9998);

	g.metric = DAMOS_QUOTA_USER_INPUT;
	g.current_value = 1234;
	KUNIT_EXPECT_EQ(test, damos_read_goal_metric(ctx, s, &g), 1234);

	KUNIT_EXPECT_LE(test, damos_free_mem_rate(), 1000);
	KUNIT_EXPECT_GT(test, damos_free_mem_rate(), 0);
}

/* The tuner follows the goal closest to being met. */
static void damos_test_goals_pick(struct kunit *test)
{
	struct damos_quota quota = { .reset_interval = 1000 };
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damos_quota_goal *far, *near;
	unsigned long prev;
	struct damos *s;

	damos_test_target(test, ctx, 8, 16);
	s = damos_test_scheme(test, ctx, DAMOS_STAT, &quota);
	far = damos_new_quota_goal(DAMOS_QUOTA_USER_INPUT, 1000);
	near = damos_new_quota_goal(DAMOS_QUOTA_USER_INPUT, 1000);
	KUNIT_ASSERT_NOT_NULL(test, far);
	KUNIT_ASSERT_NOT_NULL(test, near);
	damos_add_quota_goal(&s->quota, far);
	damos_add_quota_goal(&s->quota, near);

	s->quota.goal_sz = PG(64);
	far->current_value = 0;
	near->current_value = 1500;
	prev = s->quota.goal_sz;
	damos_test_apply_period(ctx);
	/* one goal is exceeded: the quota shrinks although the other is not */
	KUNIT_EXPECT_LT(test, s->quota.goal_sz, prev);
	KUNIT_EXPECT_EQ(test, s->quota.esz, s->quota.goal_sz);

	near->current_value = 500;
	prev = s->quota.goal_sz;
	damos_test_apply_period(ctx);
	KUNIT_EXPECT_GT(test, s->quota.goal_sz, prev);
}

/* ==================== Watermarks ==================== */

static void damos_test_wmarks(struct kunit *test)
{
	static const struct {
		unsigned long value;
		bool active;
	} steps[] = {
		{ 900, false },	/* above high */
		{ 700, false },	/* between mid and high: stays inactive */
		{ 500, true },	/* at mid: activates */
		{ 700, true },	/* between mid and high: stays active */
		{ 800, true },	/* at high */
		{ 801, false },	/* above high */
		{ 300, true },	/* between low and mid */
		{ 200, true },	/* at low */
		{ 199, false },	/* below low */
		{ 400, true },	/* between low and mid again */
		{ 0, false },
		{ 1000, false },
	};
	struct damos_watermarks wm = {
		.metric = DAMOS_WMARK_FREE_MEM_RATE,
		.high = 800, .mid = 500, .low = 200,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		wm.activated = damos_wmark_activated(&wm, steps[i].value);
		KUNIT_EXPECT_EQ_MSG(test, wm.activated, steps[i].active,
				    "step %u, value %lu", i, steps[i].value);
	}
}

/* An inactive scheme is not applied; none is always active. */
static void damos_test_wmarks_engine(struct kunit *test)
{
	struct damos_watermarks never = {
		.metric = DAMOS_WMARK_FREE_MEM_RATE, .interval = 1,
		.high = 0, .mid = 0, .low = 0,
	};
	struct damos_quota quota = {};
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damos *s;

	damos_test_target(test, ctx, 2, 2);
	s = damos_test_scheme(test, ctx, DAMOS_STAT, &quota);
	s->wmarks = never;
	damos_test_apply_period(ctx);
	KUNIT_EXPECT_FALSE(test, s->wmarks.activated);
	KUNIT_EXPECT_EQ(test, damos_test_log.nr, 0);

	s->wmarks.metric = DAMOS_WMARK_NONE;
	damos_test_apply_period(ctx);
	KUNIT_EXPECT_TRUE(test, s->wmarks.activated);
	KUNIT_EXPECT_EQ(test, damos_test_log.nr, 2);
}

/* ==================== Core filters ==================== */

/* Whether the core filters of @s let @r, of @t at index @tidx, be tried. */
static bool damos_test_core_pass(struct damon_ctx *ctx, struct damos *s,
				 struct damon_target *t, unsigned long tidx,
				 struct damon_region *r)
{
	return damos_core_filters_verdict(ctx, s, t, tidx, r) !=
		DAMOS_FILTER_REJECT;
}

static void damos_test_filters(struct kunit *test)
{
	struct damos_quota quota = {};
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damon_target *t0, *t1;
	struct damos_filter *f, *next;
	struct damon_region *r0, *r1;
	struct damos *s;

	t0 = damos_test_target(test, ctx, 1, 4);
	t1 = damos_test_target(test, ctx, 1, 4);
	r0 = damon_first_region(t0);
	r1 = damon_first_region(t1);
	s = damos_test_scheme(test, ctx, DAMOS_STAT, &quota);

	KUNIT_EXPECT_TRUE(test, damos_test_core_pass(ctx, s, t0, 0, r0));

	/* reject target 0: target 1 passes, as the last filter rejects */
	damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_TARGET, true, false);
	KUNIT_EXPECT_FALSE(test, damos_test_core_pass(ctx, s, t0, 0, r0));
	KUNIT_EXPECT_TRUE(test, damos_test_core_pass(ctx, s, t1, 1, r1));

	/* allow target 0 only: target 1 is rejected, as the last allows */
	f = list_first_entry(&s->core_filters, struct damos_filter, list);
	f->allow = true;
	KUNIT_EXPECT_TRUE(test, damos_test_core_pass(ctx, s, t0, 0, r0));
	KUNIT_EXPECT_FALSE(test, damos_test_core_pass(ctx, s, t1, 1, r1));

	/* not matching: applies to every target but 0 */
	f->matching = false;
	f->allow = false;
	KUNIT_EXPECT_TRUE(test, damos_test_core_pass(ctx, s, t0, 0, r0));
	KUNIT_EXPECT_FALSE(test, damos_test_core_pass(ctx, s, t1, 1, r1));

	/* the first filter that applies decides */
	list_for_each_entry_safe(f, next, &s->core_filters, list)
		damos_destroy_filter(f);
	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_ADDR, true, true);
	f->addr_range = (struct damon_addr_range){ PG(0), PG(4) };
	damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_TARGET, true, false);
	KUNIT_EXPECT_TRUE(test, damos_test_core_pass(ctx, s, t0, 0, r0));
	f->allow = false;
	f->matching = false;
	/* neither applies to r0 of t1... the last rejects, so it passes */
	KUNIT_EXPECT_TRUE(test, damos_test_core_pass(ctx, s, t1, 1, r1));
	/* ...while t0 is rejected by the second */
	KUNIT_EXPECT_FALSE(test, damos_test_core_pass(ctx, s, t0, 0, r0));
}

/* addr filters cut regions at their ends; each part is judged alone. */
static void damos_test_addr_filter_cuts(struct kunit *test)
{
	static const struct damon_addr_range after[] = {
		{ PG(0), PG(2) }, { PG(2), PG(5) }, { PG(5), PG(10) },
	};
	struct damos_quota quota = {};
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damon_target *t;
	struct damos_filter *f;
	struct damos *s;

	t = damos_test_target(test, ctx, 1, 10);
	s = damos_test_scheme(test, ctx, DAMOS_STAT, &quota);
	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_ADDR, true, true);
	/* unaligned ends are rounded down to the region alignment */
	f->addr_range = (struct damon_addr_range){ PG(2) + 10, PG(5) + 10 };
	damos_test_apply_period(ctx);
	damon_test_expect_regions(test, t, after, ARRAY_SIZE(after));
	KUNIT_ASSERT_EQ(test, damos_test_log.nr, 1);
	KUNIT_EXPECT_EQ(test, damos_test_log.ar[0].start, PG(2));
	KUNIT_EXPECT_EQ(test, damos_test_log.ar[0].end, PG(5));
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 1);
}

/* ==================== Snapshots ==================== */

static void damos_test_max_snapshots(struct kunit *test)
{
	struct damos_quota quota = {};
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damos *s;
	unsigned int i;

	damos_test_target(test, ctx, 2, 2);
	s = damos_test_scheme(test, ctx, DAMOS_STAT, &quota);
	s->max_nr_snapshots = 3;
	for (i = 0; i < 5; i++)
		damos_test_apply_period(ctx);
	KUNIT_EXPECT_EQ(test, s->stat.nr_snapshots, 3);
	KUNIT_EXPECT_EQ(test, damos_test_log.nr, 6);
}

/* ==================== Commits ==================== */

static void damos_test_commit_goals(struct kunit *test)
{
	struct damos_quota dst = {}, src = {};
	struct damos_quota_goal *g, *next;
	unsigned long want[] = { 10, 222, 333 };
	unsigned int i;

	INIT_LIST_HEAD(&dst.goals);
	INIT_LIST_HEAD(&src.goals);
	g = damos_new_quota_goal(DAMOS_QUOTA_SOME_MEM_PSI_US, 100);
	KUNIT_ASSERT_NOT_NULL(test, g);
	g->current_value = 10;
	g->last_psi_total = 99;
	damos_add_quota_goal(&dst, g);
	g = damos_new_quota_goal(DAMOS_QUOTA_USER_INPUT, 100);
	KUNIT_ASSERT_NOT_NULL(test, g);
	g->current_value = 20;
	damos_add_quota_goal(&dst, g);

	for (i = 0; i < 3; i++) {
		g = damos_new_quota_goal(i ? DAMOS_QUOTA_USER_INPUT :
					 DAMOS_QUOTA_SOME_MEM_PSI_US, 1000 + i);
		KUNIT_ASSERT_NOT_NULL(test, g);
		g->current_value = (i + 1) * 111;
		damos_add_quota_goal(&src, g);
	}
	KUNIT_EXPECT_EQ(test, damos_commit_quota_goals(&dst, &src), 0);
	i = 0;
	damos_for_each_quota_goal(g, &dst) {
		KUNIT_EXPECT_EQ(test, g->target_value, 1000 + i);
		KUNIT_EXPECT_EQ(test, g->current_value, want[i]);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, 3);
	g = list_first_entry(&dst.goals, struct damos_quota_goal, list);
	KUNIT_EXPECT_EQ(test, g->last_psi_total, 99);

	/* fewer goals: the extra ones go */
	g = list_last_entry(&src.goals, struct damos_quota_goal, list);
	damos_destroy_quota_goal(g);
	g = list_last_entry(&src.goals, struct damos_quota_goal, list);
	damos_destroy_quota_goal(g);
	KUNIT_EXPECT_EQ(test, damos_commit_quota_goals(&dst, &src), 0);
	KUNIT_EXPECT_TRUE(test, list_is_singular(&dst.goals));

	damos_for_each_quota_goal_safe(g, next, &dst)
		damos_destroy_quota_goal(g);
	damos_for_each_quota_goal_safe(g, next, &src)
		damos_destroy_quota_goal(g);
}

static void damos_test_commit_schemes(struct kunit *test)
{
	struct damos_quota quota = { .sz = PG(8), .reset_interval = 10 };
	struct damon_ctx *dst = damos_test_ctx(test);
	struct damon_ctx *src = damon_test_new_ctx(test);
	struct damos *s, *d0, *d1;
	struct damos_filter *f;
	unsigned int i = 0;

	src->ops = &damos_test_ops;
	d0 = damos_test_scheme(test, dst, DAMOS_STAT, &quota);
	d1 = damos_test_scheme(test, dst, DAMOS_STAT, &quota);
	d0->stat.nr_tried = 5;
	d1->stat.nr_tried = 6;
	d0->quota.charged_sz = PG(3);
	damon_test_add_filter(test, d0, DAMOS_FILTER_TYPE_ANON, true, false);

	quota.sz = PG(100);
	quota.fail_charge_num = 3;
	quota.fail_charge_denom = 2;
	for (i = 0; i < 3; i++)
		damos_test_scheme(test, src, DAMOS_PAGEOUT, &quota);
	s = list_first_entry(&src->schemes, struct damos, list);
	s->max_nr_snapshots = 7;
	s->pattern.min_age_region = 9;
	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_ADDR, true, true);
	f->addr_range = (struct damon_addr_range){ PG(1), PG(2) };
	src->pause = true;
	src->addr_unit = 4;
	src->min_sz_region = 1;

	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_TRUE(test, dst->pause);
	KUNIT_EXPECT_EQ(test, dst->addr_unit, 4);
	KUNIT_EXPECT_EQ(test, dst->min_sz_region, 1);
	i = 0;
	damon_for_each_scheme(s, dst) {
		KUNIT_EXPECT_EQ(test, s->action, DAMOS_PAGEOUT);
		KUNIT_EXPECT_EQ(test, s->quota.sz, PG(100));
		KUNIT_EXPECT_EQ(test, s->quota.fail_charge_num, 3);
		KUNIT_EXPECT_EQ(test, s->quota.fail_charge_denom, 2);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, 3);
	/* matched schemes keep their run state, take the new lists */
	KUNIT_EXPECT_PTR_EQ(test, list_first_entry(&dst->schemes, struct damos,
						   list), d0);
	KUNIT_EXPECT_EQ(test, d0->stat.nr_tried, 5);
	KUNIT_EXPECT_EQ(test, d1->stat.nr_tried, 6);
	KUNIT_EXPECT_EQ(test, d0->quota.charged_sz, PG(3));
	KUNIT_EXPECT_EQ(test, d0->max_nr_snapshots, 7);
	KUNIT_EXPECT_EQ(test, d0->pattern.min_age_region, 9);
	KUNIT_EXPECT_TRUE(test, list_empty(&d0->ops_filters));
	KUNIT_ASSERT_TRUE(test, list_is_singular(&d0->core_filters));
	f = list_first_entry(&d0->core_filters, struct damos_filter, list);
	KUNIT_EXPECT_EQ(test, f->addr_range.end, PG(2));

	/* one scheme left */
	s = list_last_entry(&src->schemes, struct damos, list);
	damon_destroy_scheme(s);
	s = list_last_entry(&src->schemes, struct damos, list);
	damon_destroy_scheme(s);
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_TRUE(test, list_is_singular(&dst->schemes));
}

/* An action the operation set cannot apply fails the commit, harmlessly. */
static void damos_test_commit_bad_action(struct kunit *test)
{
	struct damos_quota quota = {};
	struct damon_ctx *dst = damos_test_ctx(test);
	struct damon_ctx *src = damon_test_new_ctx(test);
	struct damos *s;

	src->ops = &damos_test_ops;
	damos_test_scheme(test, dst, DAMOS_STAT, &quota);
	s = damos_test_scheme(test, src, DAMOS_LRU_PRIO, &quota);
	src->pause = true;
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), -EINVAL);
	KUNIT_EXPECT_FALSE(test, dst->pause);
	s = list_first_entry(&dst->schemes, struct damos, list);
	KUNIT_EXPECT_EQ(test, s->action, DAMOS_STAT);
	KUNIT_EXPECT_EQ(test, damon_start(&dst, 1, false), 0);
	KUNIT_EXPECT_EQ(test, damon_stop(&dst, 1), 0);
	s->action = DAMOS_LRU_PRIO;
	KUNIT_EXPECT_EQ(test, damon_start(&dst, 1, false), -EINVAL);
	KUNIT_EXPECT_FALSE(test, damon_is_running(dst));
}

/* ==================== Fail charges ==================== */

/* Check one fail charge: @sz tried, @applied of it applied, at @num/@denom. */
static void damos_test_expect_charge(struct kunit *test, unsigned int num,
				     unsigned int denom, unsigned long sz,
				     unsigned long applied,
				     unsigned long charge)
{
	struct damos_quota q = {
		.fail_charge_num = num, .fail_charge_denom = denom,
	};

	KUNIT_EXPECT_EQ_MSG(test, damos_fail_charge(&q, sz, applied), charge,
			    "%u/%u of %lu, %lu applied", num, denom, sz,
			    applied);
}

static void damos_test_fail_charge(struct kunit *test)
{
	/* denominator 0, the default: whole regions */
	damos_test_expect_charge(test, 0, 0, PG(10), 0, PG(10));
	damos_test_expect_charge(test, 3, 0, PG(10), PG(4), PG(10));
	/* applied bytes in full, failed ones at num/denom */
	damos_test_expect_charge(test, 1, 4, PG(10), PG(2), PG(4));
	damos_test_expect_charge(test, 1, 4, PG(10), PG(10), PG(10));
	damos_test_expect_charge(test, 0, 7, PG(10), PG(3), PG(3));
	/* num > denom is accepted: failures cost more */
	damos_test_expect_charge(test, 3, 2, PG(10), PG(6), PG(12));
	/* mult_frac() rounding */
	damos_test_expect_charge(test, 1, 3, 10, 0, 3);
	damos_test_expect_charge(test, 2, 3, 10, 1, 7);
	/* more applied than tried: the region size */
	damos_test_expect_charge(test, 1, 4, PG(10), PG(11), PG(10));
	/* saturation instead of wrapping */
	damos_test_expect_charge(test, 5, 2, ULONG_MAX, 0, ULONG_MAX);
}

/* A rest smaller than a minimum region is a used-up quota. */
static void damos_test_sz_quota_full(struct kunit *test)
{
	struct damos_quota q = { .esz = PG(10) };

	KUNIT_EXPECT_FALSE(test, damos_sz_quota_full(&q, PAGE_SIZE));
	q.charged_sz = PG(9);
	KUNIT_EXPECT_FALSE(test, damos_sz_quota_full(&q, PAGE_SIZE));
	q.charged_sz = PG(9) + 1;
	KUNIT_EXPECT_TRUE(test, damos_sz_quota_full(&q, PAGE_SIZE));
	KUNIT_EXPECT_FALSE(test, damos_sz_quota_full(&q, 1));
	q.charged_sz = PG(10);
	KUNIT_EXPECT_TRUE(test, damos_sz_quota_full(&q, 1));
	q.charged_sz = PG(11);
	KUNIT_EXPECT_TRUE(test, damos_sz_quota_full(&q, 1));
}

/*
 * Regions of four pages of which the action applies to half, the other
 * half charged at 1/2: three pages a region.  A quota of ten pages takes
 * three regions (nine pages), then one page cut from the fourth, which
 * charges three quarters of a page.  The quarter left is less than a
 * region: the quota counts as used up, the pass stops after that page,
 * and the next period resumes right there.
 */
static void damos_test_fail_charge_engine(struct kunit *test)
{
	struct damos_quota quota = {
		.sz = PG(10), .reset_interval = 1000,
		.fail_charge_num = 1, .fail_charge_denom = 2,
	};
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damon_target *t;
	struct damos *s;

	t = damos_test_target(test, ctx, 8, 4);
	s = damos_test_scheme(test, ctx, DAMOS_STAT, &quota);
	damos_test_log.applied_pct = 50;
	damos_test_apply_period(ctx);

	KUNIT_ASSERT_EQ(test, damos_test_log.nr, 4);
	KUNIT_EXPECT_EQ(test, damos_test_log.ar[3].start, PG(12));
	KUNIT_EXPECT_EQ(test, damos_test_log.ar[3].end, PG(13));
	KUNIT_EXPECT_EQ(test, s->quota.charged_sz, PG(9) + PG(3) / 4);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, PG(13));
	KUNIT_EXPECT_EQ(test, s->stat.qt_exceeds, 1);
	KUNIT_EXPECT_PTR_EQ(test, s->quota.charge_target_from, t);
	KUNIT_EXPECT_EQ(test, s->quota.charge_addr_from, PG(13));

	damos_test_log.nr = 0;
	damos_test_apply_period(ctx);
	KUNIT_ASSERT_GE(test, damos_test_log.nr, 1);
	KUNIT_EXPECT_EQ(test, damos_test_log.ar[0].start, PG(13));
}

/* ==================== Goal metrics and complements ==================== */

/* A goal of @metric, complemented or not, in no list. */
static struct damos_quota_goal damos_test_goal(enum damos_quota_goal_metric m,
					       bool complement)
{
	return (struct damos_quota_goal){
		.metric = m, .complement = complement, .target_value = 1,
	};
}

/* Every ratio metric complements; user_input and some_mem_psi_us do not. */
static void damos_test_complement(struct kunit *test)
{
	struct damos_quota_goal g;
	int m;

	for (m = 0; m < NR_DAMOS_QUOTA_GOAL_METRICS; m++) {
		bool ratio = m != DAMOS_QUOTA_USER_INPUT &&
			m != DAMOS_QUOTA_SOME_MEM_PSI_US;

		g = damos_test_goal(m, false);
		KUNIT_EXPECT_EQ_MSG(test, damos_goal_value(&g, 3000), 3000,
				    "metric %s", damos_quota_goal_metric_names[m]);
		g.complement = true;
		KUNIT_EXPECT_EQ_MSG(test, damos_goal_value(&g, 3000),
				    ratio ? 7000 : 3000,
				    "metric %s", damos_quota_goal_metric_names[m]);
		KUNIT_EXPECT_EQ_MSG(test, damos_goal_value(&g, 0),
				    ratio ? DAMON_BP_UNIT : 0,
				    "metric %s", damos_quota_goal_metric_names[m]);
		KUNIT_EXPECT_EQ_MSG(test, damos_goal_value(&g, DAMON_BP_UNIT),
				    ratio ? 0 : DAMON_BP_UNIT,
				    "metric %s", damos_quota_goal_metric_names[m]);
	}
}

/* The readers apply the complement; the tuner sees what they return. */
static void damos_test_complement_read(struct kunit *test)
{
	struct damos_quota quota = { .reset_interval = 1000 };
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damos_quota_goal g, *ui, *psi;
	struct damos *s;

	/* 32 pages, all on node 0 */
	damos_test_target(test, ctx, 4, 8);
	s = damos_test_scheme(test, ctx, DAMOS_STAT, &quota);
	g = damos_test_goal(DAMOS_QUOTA_NODE_ELIGIBLE_MEM_BP, false);
	KUNIT_EXPECT_EQ(test, damos_read_goal_metric(ctx, s, &g), 10000);
	g.complement = true;
	KUNIT_EXPECT_EQ(test, damos_read_goal_metric(ctx, s, &g), 0);
	g.nid = 1;
	KUNIT_EXPECT_EQ(test, damos_read_goal_metric(ctx, s, &g), 10000);

	ui = damos_new_quota_goal(DAMOS_QUOTA_USER_INPUT, 1000);
	psi = damos_new_quota_goal(DAMOS_QUOTA_SOME_MEM_PSI_US, 1000);
	KUNIT_ASSERT_NOT_NULL(test, ui);
	KUNIT_ASSERT_NOT_NULL(test, psi);
	damos_add_quota_goal(&s->quota, ui);
	damos_add_quota_goal(&s->quota, psi);
	ui->complement = true;
	psi->complement = true;
	ui->current_value = 1234;
	damos_test_apply_period(ctx);
	KUNIT_EXPECT_EQ(test, ui->current_value, 1234);
	/* the first PSI read only takes a reference point: 0, not 10000 */
	KUNIT_EXPECT_EQ(test, psi->current_value, 0);
}

/* hugepage_mem_bp: a share of the used memory, by name and by value. */
static void damos_test_hugepage_metric(struct kunit *test)
{
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damos_quota quota = {};
	struct damos_quota_goal g;
	unsigned long v, cv;
	struct damos *s;

	s = damos_test_scheme(test, ctx, DAMOS_STAT, &quota);
	KUNIT_EXPECT_EQ(test,
			damon_name_index(damos_quota_goal_metric_names,
					 NR_DAMOS_QUOTA_GOAL_METRICS,
					 "hugepage_mem_bp"),
			DAMOS_QUOTA_HUGEPAGE_MEM_BP);

	g = damos_test_goal(DAMOS_QUOTA_HUGEPAGE_MEM_BP, false);
	/* nid and path are ignored */
	g.nid = 12345;
	v = damos_read_goal_metric(ctx, s, &g);
	KUNIT_EXPECT_LE(test, v, DAMON_BP_UNIT);
	g.complement = true;
	cv = damos_read_goal_metric(ctx, s, &g);
	KUNIT_EXPECT_LE(test, cv, DAMON_BP_UNIT);
	/* THPs may come and go between the reads, a little */
	KUNIT_EXPECT_LE(test, abs((long)(v + cv) - DAMON_BP_UNIT), 100);

	KUNIT_EXPECT_EQ(test, damos_used_mem_share_bp(0, 100, 20), 0);
	KUNIT_EXPECT_EQ(test, damos_used_mem_share_bp(20, 100, 20), 2500);
	KUNIT_EXPECT_EQ(test, damos_used_mem_share_bp(80, 100, 20),
			DAMON_BP_UNIT);
	KUNIT_EXPECT_EQ(test, damos_used_mem_share_bp(90, 100, 20),
			DAMON_BP_UNIT);
	/* nothing used */
	KUNIT_EXPECT_EQ(test, damos_used_mem_share_bp(0, 100, 100),
			DAMON_BP_UNIT);
	KUNIT_EXPECT_EQ(test, damos_used_mem_share_bp(5, 100, 101),
			DAMON_BP_UNIT);
}

/* ==================== Moving sums ==================== */

/*
 * Halfway through an aggregation window, a region that had 10 accesses in
 * the last window and 2 so far in this one counts 2 + 10 / 2 = 7, for the
 * access pattern and for the ranking alike.
 */
static void damos_test_mvsum(struct kunit *test)
{
	struct damos_quota quota = { .weight_nr_accesses = 1 };
	struct damon_ctx *ctx = damos_test_ctx(test);
	unsigned int window = damon_max_nr_accesses(&ctx->attrs);
	struct damos_score_input in = {};
	struct damon_region *r;
	struct damon_target *t;
	struct damos *s;

	t = damos_test_target(test, ctx, 1, 4);
	r = damon_first_region(t);
	damon_test_set_counters(r, 2, 0, 10);
	ctx->passed_sample_intervals = 100;
	ctx->next_aggregation_sis = 100 + window / 2;
	KUNIT_ASSERT_EQ(test, window % 2, 0);
	KUNIT_ASSERT_EQ(test, damon_nr_accesses_mvsum(ctx, r), 7);

	s = damos_test_scheme(test, ctx, DAMOS_WILLNEED, &quota);
	s->pattern.min_nr_accesses = 7;
	s->pattern.max_nr_accesses = 7;
	KUNIT_EXPECT_TRUE(test, damos_pattern_match(ctx, s, r));
	s->pattern.min_nr_accesses = 2;
	s->pattern.max_nr_accesses = 2;
	KUNIT_EXPECT_FALSE(test, damos_pattern_match(ctx, s, r));

	in.sz = damon_sz_region(r);
	in.rate_bp = 7 * DAMON_BP_UNIT / window;
	KUNIT_EXPECT_EQ(test, damos_score_of(ctx, s, r),
			damos_region_score(&s->quota, &in));
}

/* ==================== probe_hits_wsum filters ==================== */

/*
 * Two probes of weights 2 and 3; region hits 4 and 5 give a weighted sum
 * of 23.  The context does not run, so the moving sums are the counts.
 */
static struct damon_region *damos_test_wsum_region(struct kunit *test,
						   struct damon_ctx *ctx)
{
	struct damon_target *t = damos_test_target(test, ctx, 1, 4);
	struct damon_region *r = damon_first_region(t);
	struct damon_probe *p;

	p = damon_new_probe(2);
	KUNIT_ASSERT_NOT_NULL(test, p);
	damon_add_probe(ctx, p);
	p = damon_new_probe(3);
	KUNIT_ASSERT_NOT_NULL(test, p);
	damon_add_probe(ctx, p);
	r->probe_hits[0] = 4;
	r->probe_hits[1] = 5;
	KUNIT_ASSERT_EQ(test, damon_probe_hits_wsum(ctx, r, true), 23);
	return r;
}

static struct damon_target *damos_test_first_target(struct damon_ctx *ctx)
{
	return list_first_entry(&ctx->adaptive_targets, struct damon_target,
				list);
}

/* Set the weights of all probes of @ctx to 0. */
static void damos_test_zero_weights(struct damon_ctx *ctx)
{
	struct damon_probe *p;

	damon_for_each_probe(p, ctx)
		p->weight = 0;
}

/* Whether a lone probe_hits_wsum filter of [@min, @max] passes @r. */
static bool damos_test_wsum_pass(struct kunit *test, struct damon_ctx *ctx,
				 struct damos *s, struct damon_region *r,
				 unsigned long min, unsigned long max)
{
	struct damos_filter *f;

	f = list_first_entry(&s->core_filters, struct damos_filter, list);
	f->wsum_range.min = min;
	f->wsum_range.max = max;
	return damos_test_core_pass(ctx, s, damos_test_first_target(ctx), 0, r);
}

static void damos_test_wsum_filter(struct kunit *test)
{
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damos_quota quota = {};
	struct damos_filter *f;
	struct damon_region *r;
	struct damos *s;

	r = damos_test_wsum_region(test, ctx);
	s = damos_test_scheme(test, ctx, DAMOS_STAT, &quota);
	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_PROBE_HITS_WSUM,
				  true, true);
	/* a core filter: on the core list */
	KUNIT_EXPECT_TRUE(test, list_is_singular(&s->core_filters));
	KUNIT_EXPECT_EQ(test,
			damon_name_index(damos_filter_type_names,
					 NR_DAMOS_FILTER_TYPES,
					 "probe_hits_wsum"),
			DAMOS_FILTER_TYPE_PROBE_HITS_WSUM);

	/* matching, allow: inside and at both edges */
	KUNIT_EXPECT_TRUE(test, damos_test_wsum_pass(test, ctx, s, r, 10, 30));
	KUNIT_EXPECT_TRUE(test, damos_test_wsum_pass(test, ctx, s, r, 23, 30));
	KUNIT_EXPECT_TRUE(test, damos_test_wsum_pass(test, ctx, s, r, 10, 23));
	KUNIT_EXPECT_TRUE(test, damos_test_wsum_pass(test, ctx, s, r, 23, 23));
	KUNIT_EXPECT_FALSE(test, damos_test_wsum_pass(test, ctx, s, r, 24, 30));
	KUNIT_EXPECT_FALSE(test, damos_test_wsum_pass(test, ctx, s, r, 0, 22));

	/* matching, reject */
	f->allow = false;
	KUNIT_EXPECT_FALSE(test, damos_test_wsum_pass(test, ctx, s, r, 23, 23));
	KUNIT_EXPECT_TRUE(test, damos_test_wsum_pass(test, ctx, s, r, 0, 22));

	/* not matching: applies outside the range */
	f->matching = false;
	KUNIT_EXPECT_TRUE(test, damos_test_wsum_pass(test, ctx, s, r, 23, 23));
	KUNIT_EXPECT_FALSE(test, damos_test_wsum_pass(test, ctx, s, r, 24, 30));
	f->allow = true;
	KUNIT_EXPECT_TRUE(test, damos_test_wsum_pass(test, ctx, s, r, 24, 30));
	KUNIT_EXPECT_FALSE(test, damos_test_wsum_pass(test, ctx, s, r, 0, 23));

	/* without weights the sum is 0 */
	damos_test_zero_weights(ctx);
	f->matching = true;
	KUNIT_EXPECT_TRUE(test, damos_test_wsum_pass(test, ctx, s, r, 0, 0));
	KUNIT_EXPECT_FALSE(test, damos_test_wsum_pass(test, ctx, s, r, 1, 30));
}

/* Regions the filter rejects are not tried; the others are, once each. */
static void damos_test_wsum_filter_engine(struct kunit *test)
{
	struct damon_ctx *ctx = damos_test_ctx(test);
	struct damos_quota quota = {};
	struct damon_region *r;
	struct damos_filter *f;
	struct damon_target *t;
	struct damos *s;

	r = damos_test_wsum_region(test, ctx);
	t = damos_test_first_target(ctx);
	damon_test_new_region(test, t, r->ar.end, r->ar.end + PG(4));
	s = damos_test_scheme(test, ctx, DAMOS_STAT, &quota);
	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_PROBE_HITS_WSUM,
				  true, true);
	f->wsum_range.min = 1;
	f->wsum_range.max = ULONG_MAX;
	damos_test_apply_period(ctx);
	KUNIT_ASSERT_EQ(test, damos_test_log.nr, 1);
	KUNIT_EXPECT_EQ(test, damos_test_log.ar[0].start, r->ar.start);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 1);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, PG(4));
}

/* ==================== Validation at commit and start ==================== */

/* A zero target fails a goal commit and leaves the goals as they were. */
static void damos_test_commit_zero_target(struct kunit *test)
{
	struct damos_quota dst = {}, src = {};
	struct damos_quota_goal *g, *next;

	INIT_LIST_HEAD(&dst.goals);
	INIT_LIST_HEAD(&src.goals);
	g = damos_new_quota_goal(DAMOS_QUOTA_USER_INPUT, 100);
	KUNIT_ASSERT_NOT_NULL(test, g);
	damos_add_quota_goal(&dst, g);
	g = damos_new_quota_goal(DAMOS_QUOTA_ACTIVE_MEM_BP, 500);
	KUNIT_ASSERT_NOT_NULL(test, g);
	g->complement = true;
	damos_add_quota_goal(&src, g);
	g = damos_new_quota_goal(DAMOS_QUOTA_USER_INPUT, 0);
	KUNIT_ASSERT_NOT_NULL(test, g);
	damos_add_quota_goal(&src, g);

	KUNIT_EXPECT_EQ(test, damos_commit_quota_goals(&dst, &src), -EINVAL);
	KUNIT_ASSERT_TRUE(test, list_is_singular(&dst.goals));
	g = list_first_entry(&dst.goals, struct damos_quota_goal, list);
	KUNIT_EXPECT_EQ(test, g->metric, DAMOS_QUOTA_USER_INPUT);
	KUNIT_EXPECT_EQ(test, g->target_value, 100);
	KUNIT_EXPECT_FALSE(test, g->complement);

	/* without the zero target, the complement is committed */
	g = list_last_entry(&src.goals, struct damos_quota_goal, list);
	g->target_value = 1;
	KUNIT_EXPECT_EQ(test, damos_commit_quota_goals(&dst, &src), 0);
	g = list_first_entry(&dst.goals, struct damos_quota_goal, list);
	KUNIT_EXPECT_EQ(test, g->metric, DAMOS_QUOTA_ACTIVE_MEM_BP);
	KUNIT_EXPECT_TRUE(test, g->complement);

	damos_for_each_quota_goal_safe(g, next, &dst)
		damos_destroy_quota_goal(g);
	damos_for_each_quota_goal_safe(g, next, &src)
		damos_destroy_quota_goal(g);
}

/*
 * A source context whose one scheme is broken by @breaker fails both the
 * commit and the start, changing nothing.
 */
static void damos_test_expect_invalid(struct kunit *test,
				      void (*breaker)(struct kunit *test,
						      struct damos *s))
{
	struct damos_quota quota = { .sz = PG(1) };
	struct damon_ctx *dst = damos_test_ctx(test);
	struct damon_ctx *src = damos_test_ctx(test);
	struct damos *s;

	damos_test_scheme(test, dst, DAMOS_STAT, &quota);
	quota.sz = PG(2);
	s = damos_test_scheme(test, src, DAMOS_STAT, &quota);
	breaker(test, s);
	src->pause = true;
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), -EINVAL);
	KUNIT_EXPECT_FALSE(test, dst->pause);
	s = list_first_entry(&dst->schemes, struct damos, list);
	KUNIT_EXPECT_EQ(test, s->quota.sz, PG(1));
	KUNIT_EXPECT_TRUE(test, list_empty(&s->core_filters));
	KUNIT_EXPECT_TRUE(test, list_empty(&s->ops_filters));
	KUNIT_EXPECT_TRUE(test, list_empty(&s->quota.goals));
	KUNIT_EXPECT_EQ(test, damon_start(&src, 1, false), -EINVAL);
	KUNIT_EXPECT_FALSE(test, damon_is_running(src));
}

static void damos_test_break_goal(struct kunit *test, struct damos *s)
{
	struct damos_quota_goal *g;

	g = damos_new_quota_goal(DAMOS_QUOTA_HUGEPAGE_MEM_BP, 0);
	KUNIT_ASSERT_NOT_NULL(test, g);
	damos_add_quota_goal(&s->quota, g);
}

static void damos_test_break_addr(struct kunit *test, struct damos *s)
{
	struct damos_filter *f;

	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_ADDR, true, true);
	f->addr_range = (struct damon_addr_range){ PG(2), PG(1) };
}

static void damos_test_break_hugepage(struct kunit *test, struct damos *s)
{
	struct damos_filter *f;

	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_HUGEPAGE_SIZE,
				  true, true);
	f->sz_range = (struct damon_size_range){ PG(2), PG(2) - 1 };
}

static void damos_test_break_wsum(struct kunit *test, struct damos *s)
{
	struct damos_filter *f;

	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_PROBE_HITS_WSUM,
				  true, true);
	f->wsum_range = (struct damon_size_range){ 10, 9 };
}

static void damos_test_invalid_goal(struct kunit *test)
{
	damos_test_expect_invalid(test, damos_test_break_goal);
}

static void damos_test_invalid_ranges(struct kunit *test)
{
	damos_test_expect_invalid(test, damos_test_break_addr);
	damos_test_expect_invalid(test, damos_test_break_hugepage);
	damos_test_expect_invalid(test, damos_test_break_wsum);
}

/* Ranges of one value are ranges: min == max commits. */
static void damos_test_valid_edges(struct kunit *test)
{
	struct damos_quota quota = {};
	struct damon_ctx *dst = damos_test_ctx(test);
	struct damon_ctx *src = damos_test_ctx(test);
	struct damos_filter *f;
	struct damos *s;

	s = damos_test_scheme(test, src, DAMOS_STAT, &quota);
	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_PROBE_HITS_WSUM,
				  false, true);
	f->wsum_range = (struct damon_size_range){ 7, 7 };
	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_HUGEPAGE_SIZE,
				  true, false);
	f->sz_range = (struct damon_size_range){ PG(1), PG(1) };
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	s = list_first_entry(&dst->schemes, struct damos, list);
	f = list_first_entry(&s->core_filters, struct damos_filter, list);
	KUNIT_EXPECT_EQ(test, f->type, DAMOS_FILTER_TYPE_PROBE_HITS_WSUM);
	KUNIT_EXPECT_FALSE(test, f->matching);
	KUNIT_EXPECT_EQ(test, f->wsum_range.min, 7);
	KUNIT_EXPECT_EQ(test, f->wsum_range.max, 7);
}

static struct kunit_case damos_test_cases[] = {
	KUNIT_CASE(damos_test_min_score),
	KUNIT_CASE(damos_test_scores),
	KUNIT_CASE(damos_test_ranking_hot),
	KUNIT_CASE(damos_test_ranking_cold),
	KUNIT_CASE(damos_test_quota_cuts),
	KUNIT_CASE(damos_test_unlimited),
	KUNIT_CASE(damos_test_charge_resume),
	KUNIT_CASE(damos_test_time_quota),
	KUNIT_CASE(damos_test_sim_consist),
	KUNIT_CASE(damos_test_sim_temporal),
	KUNIT_CASE(damos_test_engine_consist),
	KUNIT_CASE(damos_test_engine_temporal),
	KUNIT_CASE(damos_test_metrics),
	KUNIT_CASE(damos_test_goals_pick),
	KUNIT_CASE(damos_test_wmarks),
	KUNIT_CASE(damos_test_wmarks_engine),
	KUNIT_CASE(damos_test_filters),
	KUNIT_CASE(damos_test_addr_filter_cuts),
	KUNIT_CASE(damos_test_max_snapshots),
	KUNIT_CASE(damos_test_commit_goals),
	KUNIT_CASE(damos_test_commit_schemes),
	KUNIT_CASE(damos_test_commit_bad_action),
	KUNIT_CASE(damos_test_fail_charge),
	KUNIT_CASE(damos_test_sz_quota_full),
	KUNIT_CASE(damos_test_fail_charge_engine),
	KUNIT_CASE(damos_test_complement),
	KUNIT_CASE(damos_test_complement_read),
	KUNIT_CASE(damos_test_hugepage_metric),
	KUNIT_CASE(damos_test_mvsum),
	KUNIT_CASE(damos_test_wsum_filter),
	KUNIT_CASE(damos_test_wsum_filter_engine),
	KUNIT_CASE(damos_test_commit_zero_target),
	KUNIT_CASE(damos_test_invalid_goal),
	KUNIT_CASE(damos_test_invalid_ranges),
	KUNIT_CASE(damos_test_valid_edges),
	{},
};

static struct kunit_suite damos_test_suite = {
	.name = "damon-damos",
	.init = damos_test_init,
	.exit = damos_test_exit,
	.test_cases = damos_test_cases,
};

kunit_test_suite(damos_test_suite);

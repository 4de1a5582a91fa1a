// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the counter bounds across online interval changes: after
 * damon_set_attrs() (which damon_commit_ctx() and the intervals tuning go
 * through, see damon_rescale_counters()), no per-window counter of a
 * region, nor a moving sum of one, may exceed aggr / sample of the new
 * intervals, including in the aggregation interval the change lands in.
 *
 * The first tests play the kdamond by hand on a stopped context, every
 * sample finding every region accessed and every probe hit: the worst
 * case.  The last one runs a kdamond that finds everything accessed,
 * changes its intervals from damon_call() again and again, and checks
 * the counters after every sample.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/damon.h>
#include <linux/delay.h>
#include <linux/jiffies.h>

#include "damon-kunit.h"

#define PG(n)			DAMON_TEST_PG(n)
#define BOUNDS_TIMEOUT		(20 * HZ)

/* Samples per aggregation interval of @attrs, as the kdamond counts. */
static unsigned long bounds_window(const struct damon_attrs *attrs)
{
	return max(damon_window_samples(attrs), 1UL);
}

/* Check every counter of every region of @ctx against its window. */
static void bounds_expect_within(struct kunit *test, struct damon_ctx *ctx,
				 const char *when)
{
	unsigned long w = bounds_window(&ctx->attrs);
	struct damon_target *t;
	struct damon_region *r;
	unsigned int i;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			KUNIT_EXPECT_LE_MSG(test, r->nr_accesses, w, "%s", when);
			KUNIT_EXPECT_LE_MSG(test, r->last_nr_accesses, w, "%s",
					    when);
			KUNIT_EXPECT_LE_MSG(test,
					    damon_nr_accesses_mvsum(ctx, r), w,
					    "%s", when);
			for (i = 0; i < DAMON_MAX_PROBES; i++) {
				KUNIT_EXPECT_LE_MSG(test, r->probe_hits[i], w,
						    "%s", when);
				KUNIT_EXPECT_LE_MSG(test, r->last_probe_hits[i],
						    w, "%s", when);
				KUNIT_EXPECT_LE_MSG(test,
						    damon_probe_hits_mvsum(ctx,
									   r,
									   i),
						    w, "%s", when);
			}
		}
	}
}

/* One sample finding every region of @ctx accessed and every probe hit. */
static void bounds_hot_sample(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;
	unsigned int i;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			damon_update_region_access_rate(r, true);
			for (i = 0; i < DAMON_MAX_PROBES; i++) {
				if (r->probe_hits[i] < U8_MAX)
					r->probe_hits[i]++;
			}
		}
	}
	ctx->passed_sample_intervals++;
}

/*
 * Play the kdamond on @ctx, hot, for @nr samples, checking the counters
 * before each and aggregating where the kdamond would.
 */
static void bounds_run(struct kunit *test, struct damon_ctx *ctx,
		       unsigned long nr)
{
	while (nr--) {
		bounds_hot_sample(ctx);
		bounds_expect_within(test, ctx, "after a sample");
		if (ctx->passed_sample_intervals < ctx->next_aggregation_sis)
			continue;
		damon_reset_aggregated(ctx);
		ctx->next_aggregation_sis = ctx->passed_sample_intervals +
			bounds_window(&ctx->attrs);
	}
}

/* The first region of the first target of @ctx. */
static struct damon_region *bounds_first_region(struct damon_ctx *ctx)
{
	return damon_first_region(list_first_entry(&ctx->adaptive_targets,
						   struct damon_target, list));
}

/* A stopped context of two regions, at the start of a window of @attrs. */
static struct damon_ctx *bounds_ctx(struct kunit *test,
				    const struct damon_attrs *attrs)
{
	static const struct damon_addr_range ranges[] = {
		{ PG(0), PG(8) }, { PG(8), PG(16) },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx);

	damon_test_add_regions(test, t, ranges, ARRAY_SIZE(ranges));
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, attrs), 0);
	ctx->passed_sample_intervals = 1000;
	ctx->next_aggregation_sis = 1000 + bounds_window(attrs);
	return ctx;
}

static struct damon_attrs bounds_attrs(unsigned long sample_us,
				       unsigned long aggr_us)
{
	return (struct damon_attrs){
		.sample_interval = sample_us,
		.aggr_interval = aggr_us,
		.ops_update_interval = 1000000,
		.min_nr_regions = 3,
		.max_nr_regions = 100,
	};
}

/*
 * From @from to @to after @passed hot samples of a window (the window
 * before was hot too), then two windows on: never above the bound.
 */
static void bounds_check_change(struct kunit *test,
				const struct damon_attrs *from,
				const struct damon_attrs *to,
				unsigned long passed)
{
	struct damon_ctx *ctx = bounds_ctx(test, from);

	bounds_run(test, ctx, bounds_window(from) + passed);
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, to), 0);
	bounds_expect_within(test, ctx, "right after the change");
	/* at least one sample of the new window is left */
	KUNIT_EXPECT_GT(test, ctx->next_aggregation_sis,
			ctx->passed_sample_intervals);
	KUNIT_EXPECT_LE(test, ctx->next_aggregation_sis -
			ctx->passed_sample_intervals, bounds_window(to));
	bounds_run(test, ctx, 2 * bounds_window(to));
}

/* Check a change of intervals made at every point of a window. */
static void bounds_check_every_point(struct kunit *test,
				     const struct damon_attrs *from,
				     const struct damon_attrs *to)
{
	unsigned long passed;

	for (passed = 0; passed < bounds_window(from); passed++)
		bounds_check_change(test, from, to, passed);
}

/* Fewer samples per window. */
static void bounds_test_shrink(struct kunit *test)
{
	struct damon_attrs from = bounds_attrs(5000, 100000);
	struct damon_attrs to = bounds_attrs(10000, 50000);

	bounds_check_every_point(test, &from, &to);
}

/* More samples per window. */
static void bounds_test_grow(struct kunit *test)
{
	struct damon_attrs from = bounds_attrs(10000, 50000);
	struct damon_attrs to = bounds_attrs(5000, 100000);

	bounds_check_every_point(test, &from, &to);
}

/*
 * The case of the issue, back and forth mid-window: 20 samples per
 * window, then 5 (a snapshot showed 8), then 20 again (it showed 28).
 */
static void bounds_test_back_and_forth(struct kunit *test)
{
	struct damon_attrs big = bounds_attrs(5000, 100000);
	struct damon_attrs small = bounds_attrs(10000, 50000);
	struct damon_ctx *ctx = bounds_ctx(test, &big);
	int i;

	for (i = 0; i < 6; i++) {
		bounds_run(test, ctx, 12 + i);
		KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &small), 0);
		bounds_run(test, ctx, 2 + i % 3);
		KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &big), 0);
	}
	bounds_run(test, ctx, 3 * bounds_window(&big));
	/* hot all along: the last full window counted every sample */
	KUNIT_EXPECT_EQ(test, bounds_first_region(ctx)->last_nr_accesses, bounds_window(&big));
}

/*
 * A change of the intervals that keeps the samples per window (as the
 * intervals tuning makes) or only touches the ops update interval leaves
 * the window in progress and its counts as they are.
 */
static void bounds_test_same_window(struct kunit *test)
{
	struct damon_attrs from = bounds_attrs(5000, 100000);
	struct damon_attrs to = bounds_attrs(7000, 140000);
	struct damon_ctx *ctx = bounds_ctx(test, &from);
	struct damon_region *r;
	unsigned long next;

	bounds_run(test, ctx, 27);
	next = ctx->next_aggregation_sis;
	r = bounds_first_region(ctx);
	KUNIT_ASSERT_EQ(test, r->nr_accesses, 7);
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &to), 0);
	KUNIT_EXPECT_EQ(test, ctx->next_aggregation_sis, next);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 7);
	KUNIT_EXPECT_EQ(test, r->last_nr_accesses, 20);
	KUNIT_EXPECT_EQ(test, r->probe_hits[0], 7);

	to.ops_update_interval *= 2;
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &to), 0);
	KUNIT_EXPECT_EQ(test, ctx->next_aggregation_sis, next);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 7);
}

/*
 * The window in progress keeps its share: 12 of 20 samples passed become
 * 3 of 5, with the counts rescaled and capped to what passed, and the age
 * follows the length of the aggregation interval.
 */
static void bounds_test_window_share(struct kunit *test)
{
	struct damon_attrs from = bounds_attrs(5000, 100000);
	struct damon_attrs to = bounds_attrs(10000, 50000);
	struct damon_ctx *ctx = bounds_ctx(test, &from);
	struct damon_region *r;

	bounds_run(test, ctx, 20 + 12);
	r = bounds_first_region(ctx);
	r->age = 10;
	KUNIT_ASSERT_EQ(test, r->nr_accesses, 12);
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &to), 0);
	KUNIT_EXPECT_EQ(test, ctx->next_aggregation_sis -
			ctx->passed_sample_intervals, 2);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 3);
	KUNIT_EXPECT_EQ(test, r->probe_hits[3], 3);
	KUNIT_EXPECT_EQ(test, r->last_nr_accesses, 5);
	KUNIT_EXPECT_EQ(test, r->last_probe_hits[3], 5);
	KUNIT_EXPECT_EQ(test, r->age, 20);

	/* and a window that just began stays empty */
	bounds_run(test, ctx, 2);
	KUNIT_ASSERT_EQ(test, r->nr_accesses, 0);
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &from), 0);
	KUNIT_EXPECT_EQ(test, ctx->next_aggregation_sis -
			ctx->passed_sample_intervals, 20);
	KUNIT_EXPECT_EQ(test, r->last_nr_accesses, 20);
}

/* damon_commit_ctx() converts the counters the same way. */
static void bounds_test_commit(struct kunit *test)
{
	static const struct damon_operations ops = {
		.id = DAMON_OPS_PADDR,
		.name = "bounds-test",
		.start_sample = damon_test_nop,
		.finish_sample = damon_test_nop,
	};
	struct damon_attrs from = bounds_attrs(5000, 100000);
	struct damon_attrs to = bounds_attrs(10000, 50000);
	struct damon_ctx *ctx = bounds_ctx(test, &from);
	struct damon_ctx *src = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, src);

	ctx->ops = &ops;
	src->ops = &ops;
	t->pid = NULL;
	KUNIT_ASSERT_EQ(test, damon_set_attrs(src, &to), 0);
	bounds_run(test, ctx, 20 + 19);
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(ctx, src), 0);
	bounds_expect_within(test, ctx, "after the commit");
	bounds_run(test, ctx, 2 * bounds_window(&to));
}

/* ==================== In a running kdamond ==================== */

/*
 * What the repeated check saw, from the kdamond.  It holds its repeated
 * control, which must outlive the kdamond: it is allocated before the
 * context, which the test's cleanup then stops first.
 */
struct bounds_watch {
	struct damon_call_control call;
	struct damon_ctx *ctx;
	atomic_t nr_checks;
	atomic_t nr_over;
	unsigned int worst;
	unsigned long worst_window;
};

static int bounds_watch_fn(void *data)
{
	struct bounds_watch *watch = data;
	struct damon_ctx *ctx = watch->ctx;
	unsigned long w = bounds_window(&ctx->attrs);
	struct damon_target *t;
	struct damon_region *r;
	unsigned int seen;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			seen = max(r->nr_accesses,
				   damon_nr_accesses_mvsum(ctx, r));
			if (seen <= w)
				continue;
			atomic_inc(&watch->nr_over);
			watch->worst = seen;
			watch->worst_window = w;
		}
	}
	atomic_inc(&watch->nr_checks);
	return 0;
}

/* What a damon_call() changing the intervals needs. */
struct bounds_change {
	struct damon_ctx *ctx;
	struct damon_attrs attrs;
};

static int bounds_change_fn(void *data)
{
	struct bounds_change *change = data;

	return damon_set_attrs(change->ctx, &change->attrs);
}

/* Wait until @watch made @nr more checks; false if not in time. */
static bool bounds_wait_checks(struct bounds_watch *watch, int nr)
{
	unsigned long deadline = jiffies + BOUNDS_TIMEOUT;
	int until = atomic_read(&watch->nr_checks) + nr;

	while (atomic_read(&watch->nr_checks) < until) {
		if (time_after(jiffies, deadline))
			return false;
		usleep_range(500, 1000);
	}
	return true;
}

/*
 * A hot kdamond, its intervals changed mid-window from damon_call() back
 * and forth, and in one run also tuned by the intervals auto-tuning:
 * checked after every sample, no count exceeds the window.
 */
static void bounds_test_kdamond(struct kunit *test)
{
	static const struct damon_addr_range range = { PG(0), PG(64) };
	struct damon_attrs attrs[] = {
		bounds_attrs(500, 10000), bounds_attrs(1000, 5000),
		bounds_attrs(300, 9000), bounds_attrs(1000, 1000),
	};
	struct damon_call_control change_call = {};
	struct bounds_change *change;
	struct bounds_watch *watch;
	struct damon_ctx *ctx;
	int i;

	watch = kunit_kzalloc(test, sizeof(*watch), GFP_KERNEL);
	change = kunit_kzalloc(test, sizeof(*change), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, watch);
	KUNIT_ASSERT_NOT_NULL(test, change);
	ctx = damon_test_new_kdamond_ctx(test, damon_test_hot_ops(), &attrs[0],
					 &range);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);

	watch->ctx = ctx;
	watch->call.fn = bounds_watch_fn;
	watch->call.data = watch;
	watch->call.repeat = true;
	KUNIT_ASSERT_EQ(test, damon_call(ctx, &watch->call), 0);
	change->ctx = ctx;
	change_call.fn = bounds_change_fn;
	change_call.data = change;
	for (i = 0; i < 24; i++) {
		change->attrs = attrs[i % ARRAY_SIZE(attrs)];
		/* the last rounds also let the tuning change them */
		if (i >= 16) {
			change->attrs.intervals_goal = (struct
				damon_intervals_goal){
				.access_bp = 100, .aggrs = 1,
				.min_sample_us = 100,
				.max_sample_us = 2000,
			};
		}
		KUNIT_ASSERT_EQ(test, damon_call(ctx, &change_call), 0);
		KUNIT_EXPECT_EQ(test, change_call.return_code, 0);
		KUNIT_ASSERT_TRUE(test, bounds_wait_checks(watch, 7 + i % 5));
	}
	KUNIT_ASSERT_TRUE(test, bounds_wait_checks(watch, 60));
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&watch->nr_over), 0,
			    "saw %u in a window of %lu", watch->worst,
			    watch->worst_window);
}

static struct kunit_case bounds_test_cases[] = {
	KUNIT_CASE(bounds_test_shrink),
	KUNIT_CASE(bounds_test_grow),
	KUNIT_CASE(bounds_test_back_and_forth),
	KUNIT_CASE(bounds_test_same_window),
	KUNIT_CASE(bounds_test_window_share),
	KUNIT_CASE(bounds_test_commit),
	KUNIT_CASE(bounds_test_kdamond),
	{},
};

static struct kunit_suite bounds_test_suite = {
	.name = "damon-counter-bounds",
	.test_cases = bounds_test_cases,
};

kunit_test_suite(bounds_test_suite);

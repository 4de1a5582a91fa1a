// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of DAMOS in running kdamonds: damos_walk() completing,
 * refusing and being canceled, schemes applied by the kdamond, and a
 * paused context.
 *
 * The contexts use the hot operation set of damon-kunit.h, which finds
 * every sample accessed and counts what it is asked to apply.  Tests poll
 * for what they wait for until a deadline; nothing sleeps for a fixed
 * time.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/damon.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/string.h>

#include "damon-kunit.h"

#define PG(n)			DAMON_TEST_PG(n)
#define DAMOS_WALK_START	PG(1024)
#define DAMOS_WALK_END		PG(1024 + 64)
#define DAMOS_WALK_TIMEOUT	(20 * HZ)

/* The counters of the hot operation set start at 0 in every test. */
static int damos_walk_test_init(struct kunit *test)
{
	damon_test_hot_reset();
	return 0;
}

/*
 * A context of the hot operation set sampling every millisecond and
 * aggregating every ten, with one target and, if @with_scheme, a stat
 * scheme applied every @apply_us.  Stopped and freed when the test ends.
 */
static struct damon_ctx *damos_walk_ctx(struct kunit *test, bool with_scheme,
					unsigned long apply_us)
{
	static const struct damon_addr_range range = {
		DAMOS_WALK_START, DAMOS_WALK_END,
	};
	struct damon_attrs attrs = damon_test_ms_attrs(4, 20);
	struct damon_ctx *ctx;

	ctx = damon_test_new_kdamond_ctx(test, damon_test_hot_ops(), &attrs,
					 &range);
	if (with_scheme)
		damon_test_add_stat_scheme(test, ctx, apply_us, NULL);
	return ctx;
}

static struct damos *damos_walk_first_scheme(struct damon_ctx *ctx)
{
	return list_first_entry(&ctx->schemes, struct damos, list);
}

/* What a walk saw. */
struct damos_walk_seen {
	unsigned int nr_regions;
	unsigned long sz;
	unsigned long sz_passed;
	bool in_kdamond;
	/* when set, the visitor waits on @release once */
	bool block;
	struct completion entered;
	struct completion release;
};

static void damos_walk_visit(void *data, struct damon_ctx *ctx,
			     struct damon_target *t, struct damon_region *r,
			     struct damos *s, unsigned long sz_filter_passed)
{
	struct damos_walk_seen *seen = data;

	seen->nr_regions++;
	seen->sz += damon_sz_region(r);
	seen->sz_passed += sz_filter_passed;
	seen->in_kdamond = str_has_prefix(current->comm, "kdamond.");
	if (seen->block) {
		seen->block = false;
		complete(&seen->entered);
		wait_for_completion(&seen->release);
	}
}

static struct damos_walk_seen *damos_walk_new_seen(struct kunit *test)
{
	struct damos_walk_seen *seen;

	seen = kunit_kzalloc(test, sizeof(*seen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	init_completion(&seen->entered);
	init_completion(&seen->release);
	return seen;
}

/* A walk visits every region of the target once, from the kdamond. */
static void damos_walk_test_visits(struct kunit *test)
{
	struct damon_ctx *ctx = damos_walk_ctx(test, true, 0);
	struct damos_walk_seen *seen = damos_walk_new_seen(test);
	struct damos_walk_control control = {
		.walk_fn = damos_walk_visit,
		.data = seen,
	};

	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &control), -EINVAL);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &control), 0);
	KUNIT_EXPECT_FALSE(test, control.canceled);
	KUNIT_EXPECT_GE(test, seen->nr_regions, 1);
	KUNIT_EXPECT_EQ(test, seen->sz, DAMOS_WALK_END - DAMOS_WALK_START);
	KUNIT_EXPECT_EQ(test, seen->sz_passed, seen->sz);
	KUNIT_EXPECT_TRUE(test, seen->in_kdamond);
	KUNIT_EXPECT_GE(test, atomic_read(&damon_test_hot()->nr_applied),
			seen->nr_regions);
	KUNIT_EXPECT_EQ(test, damon_stop(&ctx, 1), 0);
	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &control), -EINVAL);
	KUNIT_EXPECT_GE(test, damos_walk_first_scheme(ctx)->stat.nr_snapshots,
			1);
}

/* Without an active scheme a walk completes at once, visiting nothing. */
static void damos_walk_test_nothing_active(struct kunit *test)
{
	struct damon_ctx *ctx = damos_walk_ctx(test, true, 0);
	struct damos_walk_seen *seen = damos_walk_new_seen(test);
	struct damos_walk_control control = {
		.walk_fn = damos_walk_visit,
		.data = seen,
	};
	struct damos *s = damos_walk_first_scheme(ctx);

	/* free memory is never above 0 permil and below 0 */
	s->wmarks.metric = DAMOS_WMARK_FREE_MEM_RATE;
	s->wmarks.interval = 1000;
	s->wmarks.activated = false;
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &control), 0);
	KUNIT_EXPECT_EQ(test, seen->nr_regions, 0);
	KUNIT_EXPECT_EQ(test, damon_stop(&ctx, 1), 0);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&damon_test_hot()->nr_applied), 0);

	/* no scheme at all */
	damon_destroy_scheme(s);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &control), 0);
	KUNIT_EXPECT_EQ(test, seen->nr_regions, 0);
}

/* A walk running in another thread, for tests that block or cancel it. */
struct damos_walk_thread {
	struct damon_ctx *ctx;
	struct damos_walk_control control;
	int ret;
	struct completion done;
};

static int damos_walk_thread_fn(void *data)
{
	struct damos_walk_thread *w = data;

	w->ret = damos_walk(w->ctx, &w->control);
	complete(&w->done);
	return 0;
}

static struct damos_walk_thread *
damos_walk_in_thread(struct kunit *test, struct damon_ctx *ctx,
		     struct damos_walk_seen *seen)
{
	struct damos_walk_thread *w;
	struct task_struct *task;

	w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->ctx = ctx;
	w->control.walk_fn = damos_walk_visit;
	w->control.data = seen;
	init_completion(&w->done);
	task = kthread_run(damos_walk_thread_fn, w, "damos-walk-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	return w;
}

/* A second walk while one is pending is refused. */
static void damos_walk_test_busy(struct kunit *test)
{
	struct damon_ctx *ctx = damos_walk_ctx(test, true, 0);
	struct damos_walk_seen *seen = damos_walk_new_seen(test);
	struct damos_walk_seen *other = damos_walk_new_seen(test);
	struct damos_walk_control control = {
		.walk_fn = damos_walk_visit,
		.data = other,
	};
	struct damos_walk_thread *w;

	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	seen->block = true;
	w = damos_walk_in_thread(test, ctx, seen);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&seen->entered,
							    DAMOS_WALK_TIMEOUT));
	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &control), -EBUSY);
	complete(&seen->release);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&w->done,
							    DAMOS_WALK_TIMEOUT));
	KUNIT_EXPECT_EQ(test, w->ret, 0);
	/* and once done, the next one is accepted */
	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &control), 0);
	KUNIT_EXPECT_GE(test, other->nr_regions, 1);
}

/* Whether the kdamond of @ctx has taken a walk request. */
static bool damos_walk_taken(struct damon_ctx *ctx)
{
	bool taken;

	mutex_lock(&ctx->walk_control_lock);
	taken = ctx->walk_control && ctx->walk_started;
	mutex_unlock(&ctx->walk_control_lock);
	return taken;
}

/* Stopping the kdamond cancels a pending walk. */
static void damos_walk_test_cancel(struct kunit *test)
{
	/* a scheme applied once a minute: the walk waits for it */
	struct damon_ctx *ctx = damos_walk_ctx(test, true, 60 * USEC_PER_SEC);
	struct damos_walk_seen *seen = damos_walk_new_seen(test);
	unsigned long deadline = jiffies + DAMOS_WALK_TIMEOUT;
	struct damos_walk_thread *w;

	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	w = damos_walk_in_thread(test, ctx, seen);
	while (!damos_walk_taken(ctx)) {
		KUNIT_ASSERT_TRUE(test, time_before(jiffies, deadline));
		usleep_range(1000, 2000);
	}
	KUNIT_EXPECT_EQ(test, damon_stop(&ctx, 1), 0);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&w->done,
							    DAMOS_WALK_TIMEOUT));
	KUNIT_EXPECT_EQ(test, w->ret, -ECANCELED);
	KUNIT_EXPECT_TRUE(test, w->control.canceled);
	KUNIT_EXPECT_EQ(test, seen->nr_regions, 0);
}

static int damos_walk_read_sis(void *data)
{
	struct damon_ctx *ctx = data;

	return ctx->passed_sample_intervals;
}

static int damos_walk_unpause(void *data)
{
	struct damon_ctx *ctx = data;

	ctx->pause = false;
	return 0;
}

/* A paused kdamond serves calls and walks but neither samples nor applies. */
static void damos_walk_test_pause(struct kunit *test)
{
	struct damon_ctx *ctx = damos_walk_ctx(test, true, 0);
	struct damos_walk_seen *seen = damos_walk_new_seen(test);
	struct damos_walk_control walk = {
		.walk_fn = damos_walk_visit,
		.data = seen,
	};
	struct damon_call_control call = {
		.fn = damos_walk_read_sis,
		.data = ctx,
	};
	unsigned long deadline = jiffies + DAMOS_WALK_TIMEOUT;
	int i;

	ctx->pause = true;
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	/* each call is served in a loop of its own: 30 sampling intervals */
	for (i = 0; i < 30; i++) {
		KUNIT_ASSERT_EQ(test, damon_call(ctx, &call), 0);
		KUNIT_EXPECT_EQ(test, call.return_code, 0);
	}
	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &walk), 0);
	KUNIT_EXPECT_EQ(test, seen->nr_regions, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&damon_test_hot()->nr_samples), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&damon_test_hot()->nr_applied), 0);

	call.fn = damos_walk_unpause;
	KUNIT_ASSERT_EQ(test, damon_call(ctx, &call), 0);
	while (!atomic_read(&damon_test_hot()->nr_applied)) {
		KUNIT_ASSERT_TRUE(test, time_before(jiffies, deadline));
		usleep_range(1000, 2000);
	}
	KUNIT_EXPECT_GT(test, atomic_read(&damon_test_hot()->nr_samples), 0);
}

static struct kunit_case damos_walk_test_cases[] = {
	KUNIT_CASE(damos_walk_test_visits),
	KUNIT_CASE(damos_walk_test_nothing_active),
	KUNIT_CASE(damos_walk_test_busy),
	KUNIT_CASE(damos_walk_test_cancel),
	KUNIT_CASE(damos_walk_test_pause),
	{},
};

static struct kunit_suite damos_walk_test_suite = {
	.name = "damon-damos-walk",
	.init = damos_walk_test_init,
	.test_cases = damos_walk_test_cases,
};

kunit_test_suite(damos_walk_test_suite);

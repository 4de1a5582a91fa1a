// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the watermark sleep of the kdamond (mm/damon/core.c and
 * damos_wmarks_sleep_us() in mm/damon/apply.c), and of damon_start() on a
 * context that runs already.
 *
 * While every scheme of a context is inactive by its watermarks, the
 * kdamond does not sample: it sleeps until the earliest next watermark
 * check, wakes at once for damon_call(), damos_walk() and kthread_stop(),
 * and resumes with fresh counters and windows.
 *
 * The free memory rate of the test machine is not known, but it is above
 * 0 and at most 1000 permil: watermarks of 0 keep a scheme inactive, and
 * a high and mid of 1000 with a low of 0 activate it.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/damon.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>

#include "damon-kunit.h"
#include "../damos.h"

#define PG(n)			DAMON_TEST_PG(n)

#define DAMON_WM_TEST_START	PG(4096)
#define DAMON_WM_TEST_END	PG(4096 + 256)

/* How long to wait for what should take a few milliseconds. */
#define DAMON_WM_TEST_TIMEOUT	(10 * HZ)

/* A watermark interval no test outlasts: its check never comes. */
#define DAMON_WM_TEST_LONG_US	(60 * USEC_PER_SEC)

/* Slack for what must happen "at once" on a loaded test machine. */
#define DAMON_WM_TEST_PROMPT_MS	1000

/* What the fake operation set saw, reset before each test. */
static struct {
	atomic_t nr_samples;
	/* the first sample: the largest counter of any region, and ... */
	unsigned int first_max_counter;
	/* ... how many samples the aggregation interval had left */
	unsigned long first_aggr_left;
	bool recorded;			/* release: the two above are set */
} damon_wm_test_state;

static unsigned int damon_wm_test_max_counter(struct damon_ctx *ctx)
{
	unsigned int max_counter = 0;
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			max_counter = max3(max_counter, r->nr_accesses,
					   r->last_nr_accesses);
			max_counter = max3(max_counter, r->age,
					   (unsigned int)r->probe_hits[0]);
		}
	}
	return max_counter;
}

static void damon_wm_test_start_sample(struct damon_ctx *ctx)
{
	if (damon_wm_test_state.recorded)
		return;
	damon_wm_test_state.first_max_counter = damon_wm_test_max_counter(ctx);
	damon_wm_test_state.first_aggr_left = ctx->next_aggregation_sis -
		ctx->passed_sample_intervals;
	/* pairs with damon_wm_test_resumes_fresh() */
	smp_store_release(&damon_wm_test_state.recorded, true);
}

/* Every region is found accessed: a sleep would leave counts behind. */
static void damon_wm_test_finish_sample(struct damon_ctx *ctx)
{
	damon_test_find_all_accessed(ctx);
	atomic_inc(&damon_wm_test_state.nr_samples);
}

static const struct damon_operations damon_wm_test_ops = {
	.id = DAMON_OPS_PADDR,
	.name = "wmarks-test",
	.start_sample = damon_wm_test_start_sample,
	.finish_sample = damon_wm_test_finish_sample,
	.actions = BIT(DAMOS_STAT),
};

/* Watermarks that keep a scheme inactive, checked every @interval us. */
static struct damos_watermarks damon_wm_test_inactive(unsigned long interval)
{
	return (struct damos_watermarks){
		.metric = DAMOS_WMARK_FREE_MEM_RATE,
		.interval = interval,
	};
}

/* Levels that activate a scheme at its next check. */
static void damon_wm_test_set_active_levels(struct damos_watermarks *wm)
{
	wm->high = 1000;
	wm->mid = 1000;
	wm->low = 0;
}

/*
 * A context of the fake operation set with one target, sampling every
 * millisecond and aggregating every ten.  Stopped and freed when the test
 * ends.
 */
static struct damon_ctx *damon_wm_test_ctx(struct kunit *test)
{
	static const struct damon_addr_range range = {
		DAMON_WM_TEST_START, DAMON_WM_TEST_END,
	};
	struct damon_attrs attrs = damon_test_ms_attrs(10, 40);

	return damon_test_new_kdamond_ctx(test, &damon_wm_test_ops, &attrs,
					  &range);
}

/*
 * Run @fn in the kdamond of @ctx, with @ctx for argument; false if it did
 * not run promptly.
 */
static bool damon_wm_call(struct kunit *test, struct damon_ctx *ctx,
			  int (*fn)(void *data))
{
	struct damon_call_control control = { .fn = fn, .data = ctx };
	ktime_t start = ktime_get();
	int err;

	err = damon_call(ctx, &control);
	KUNIT_EXPECT_EQ(test, err, 0);
	return !err && ktime_ms_delta(ktime_get(), start) <
		DAMON_WM_TEST_PROMPT_MS;
}

static int damon_wm_nop_fn(void *data)
{
	return 0;
}

/* Counts that a sleep must not carry over, and the schemes made active. */
static int damon_wm_poison_fn(void *data)
{
	struct damon_ctx *ctx = data;
	struct damon_target *t;
	struct damon_region *r;
	struct damos *s;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			r->nr_accesses = 7;
			r->last_nr_accesses = 7;
			r->age = 9;
			r->probe_hits[0] = 3;
		}
	}
	damon_for_each_scheme(s, ctx)
		s->wmarks.metric = DAMOS_WMARK_NONE;
	return 0;
}

/* New levels, which take effect at the next watermark check. */
static int damon_wm_levels_fn(void *data)
{
	struct damon_ctx *ctx = data;
	struct damos *s;

	damon_for_each_scheme(s, ctx)
		damon_wm_test_set_active_levels(&s->wmarks);
	return 0;
}

/*
 * Make sure the kdamond checked the watermarks once: it does right after
 * serving the requests of a round, and serves the second request in a
 * later round than the first.
 */
static void damon_wm_test_wait_first_check(struct kunit *test,
					   struct damon_ctx *ctx)
{
	KUNIT_EXPECT_TRUE(test, damon_wm_call(test, ctx, damon_wm_nop_fn));
	KUNIT_EXPECT_TRUE(test, damon_wm_call(test, ctx, damon_wm_nop_fn));
}

/*
 * Keep sending requests for @ms milliseconds, each served promptly.
 * Return the samples the fake operation set checked meanwhile.
 */
static int damon_wm_test_requests_for(struct kunit *test,
				      struct damon_ctx *ctx, unsigned int ms)
{
	unsigned long until = jiffies + msecs_to_jiffies(ms);
	int before = atomic_read(&damon_wm_test_state.nr_samples);
	bool prompt;

	while (time_before(jiffies, until)) {
		prompt = damon_wm_call(test, ctx, damon_wm_nop_fn);
		KUNIT_EXPECT_TRUE(test, prompt);
		usleep_range(2000, 3000);
	}
	return atomic_read(&damon_wm_test_state.nr_samples) - before;
}

/* Wait until the fake operation set checked a sample; false on timeout. */
static bool damon_wm_test_wait_sample(struct kunit *test,
				      struct damon_ctx *ctx)
{
	unsigned long deadline = jiffies + DAMON_WM_TEST_TIMEOUT;

	while (!atomic_read(&damon_wm_test_state.nr_samples)) {
		if (time_after(jiffies, deadline))
			return false;
		/* requests on the way must not hold the watermark check off */
		if (!damon_wm_call(test, ctx, damon_wm_nop_fn))
			return false;
		usleep_range(1000, 2000);
	}
	return true;
}

/* ==================== The decision ==================== */

static void damon_wm_test_no_schemes_no_sleep(struct kunit *test)
{
	struct damon_ctx *ctx = damon_wm_test_ctx(test);

	KUNIT_EXPECT_EQ(test, damos_wmarks_sleep_us(ctx), 0UL);
}

/* Sleep until the earliest next check, which comes on its own schedule. */
static void damon_wm_test_sleep_until_next_check(struct kunit *test)
{
	struct damon_ctx *ctx = damon_wm_test_ctx(test);
	struct damos_watermarks slow = damon_wm_test_inactive(300000);
	struct damos_watermarks fast = damon_wm_test_inactive(100000);
	struct damos *s_slow, *s_fast;

	s_slow = damon_test_add_stat_scheme(test, ctx, 0, &slow);
	s_fast = damon_test_add_stat_scheme(test, ctx, 0, &fast);
	ctx->passed_sample_intervals = 1000;
	/* both are checked now: 100 and 300 samples of 1 ms to go */
	KUNIT_EXPECT_EQ(test, damos_wmarks_sleep_us(ctx), 100000UL);
	KUNIT_EXPECT_FALSE(test, s_fast->wmarks.activated);
	KUNIT_EXPECT_EQ(test, s_fast->wmarks.next_check_sis, 1100UL);
	KUNIT_EXPECT_EQ(test, s_slow->wmarks.next_check_sis, 1300UL);

	ctx->passed_sample_intervals += 40;
	KUNIT_EXPECT_EQ(test, damos_wmarks_sleep_us(ctx), 60000UL);

	/* the fast one is checked again, the slow one is not due */
	ctx->passed_sample_intervals += 60;
	KUNIT_EXPECT_EQ(test, damos_wmarks_sleep_us(ctx), 100000UL);
	KUNIT_EXPECT_EQ(test, s_fast->wmarks.next_check_sis, 1200UL);
	KUNIT_EXPECT_EQ(test, s_slow->wmarks.next_check_sis, 1300UL);

	/* the check finds it active: monitor */
	damon_wm_test_set_active_levels(&s_slow->wmarks);
	ctx->passed_sample_intervals += 200;
	KUNIT_EXPECT_EQ(test, damos_wmarks_sleep_us(ctx), 0UL);
	KUNIT_EXPECT_TRUE(test, s_slow->wmarks.activated);
}

static void damon_wm_test_one_active_no_sleep(struct kunit *test)
{
	struct damon_ctx *ctx = damon_wm_test_ctx(test);
	struct damos_watermarks off = damon_wm_test_inactive(100000);
	struct damos_watermarks none = {};
	struct damos *s;

	damon_test_add_stat_scheme(test, ctx, 0, &off);
	KUNIT_EXPECT_GT(test, damos_wmarks_sleep_us(ctx), 0UL);
	s = damon_test_add_stat_scheme(test, ctx, 0, &none);
	KUNIT_EXPECT_EQ(test, damos_wmarks_sleep_us(ctx), 0UL);

	/* active by its levels */
	s->wmarks = damon_wm_test_inactive(100000);
	damon_wm_test_set_active_levels(&s->wmarks);
	KUNIT_EXPECT_EQ(test, damos_wmarks_sleep_us(ctx), 0UL);
}

/* A longer sampling interval never makes the sleep outlast the interval. */
static void damon_wm_test_sleep_bounded_by_interval(struct kunit *test)
{
	struct damon_ctx *ctx = damon_wm_test_ctx(test);
	struct damos_watermarks off = damon_wm_test_inactive(100000);

	damon_test_add_stat_scheme(test, ctx, 0, &off);
	KUNIT_EXPECT_EQ(test, damos_wmarks_sleep_us(ctx), 100000UL);
	ctx->attrs.sample_interval = USEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, damos_wmarks_sleep_us(ctx), 100000UL);
	ctx->attrs.sample_interval = 0;
	KUNIT_EXPECT_EQ(test, damos_wmarks_sleep_us(ctx), 100UL);
}

/* ==================== The running kdamond ==================== */

/* Asleep, the kdamond samples nothing but serves requests at once. */
static void damon_wm_test_asleep_serves_requests(struct kunit *test)
{
	struct damon_ctx *ctx = damon_wm_test_ctx(test);
	struct damos_watermarks off =
		damon_wm_test_inactive(DAMON_WM_TEST_LONG_US);
	struct damos_walk_control walk = {};
	ktime_t start;

	damon_test_add_stat_scheme(test, ctx, 0, &off);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	KUNIT_EXPECT_EQ(test, damon_wm_test_requests_for(test, ctx, 200), 0);

	start = ktime_get();
	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &walk), 0);
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start),
			DAMON_WM_TEST_PROMPT_MS);
	KUNIT_EXPECT_EQ(test, atomic_read(&damon_wm_test_state.nr_samples), 0);
	KUNIT_EXPECT_TRUE(test, damon_is_running(ctx));
}

static void damon_wm_test_asleep_stops_at_once(struct kunit *test)
{
	struct damon_ctx *ctx = damon_wm_test_ctx(test);
	struct damos_watermarks off =
		damon_wm_test_inactive(DAMON_WM_TEST_LONG_US);
	ktime_t start;

	damon_test_add_stat_scheme(test, ctx, 0, &off);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	damon_wm_test_wait_first_check(test, ctx);
	start = ktime_get();
	KUNIT_EXPECT_EQ(test, damon_stop(&ctx, 1), 0);
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start),
			DAMON_WM_TEST_PROMPT_MS);
	KUNIT_EXPECT_FALSE(test, damon_is_running(ctx));
}

/* The check that finds a scheme active ends the sleep, on time. */
static void damon_wm_test_wakes_at_next_check(struct kunit *test)
{
	struct damon_ctx *ctx = damon_wm_test_ctx(test);
	struct damos_watermarks off = damon_wm_test_inactive(50000);

	damon_test_add_stat_scheme(test, ctx, 0, &off);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	KUNIT_EXPECT_EQ(test, damon_wm_test_requests_for(test, ctx, 100), 0);
	KUNIT_ASSERT_TRUE(test, damon_wm_call(test, ctx, damon_wm_levels_fn));
	KUNIT_EXPECT_TRUE(test, damon_wm_test_wait_sample(test, ctx));
}

/* New levels wait for the check: a request does not end the sleep. */
static void damon_wm_test_no_early_check(struct kunit *test)
{
	struct damon_ctx *ctx = damon_wm_test_ctx(test);
	struct damos_watermarks off =
		damon_wm_test_inactive(DAMON_WM_TEST_LONG_US);

	damon_test_add_stat_scheme(test, ctx, 0, &off);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	/* levels set before the first check would count at once */
	damon_wm_test_wait_first_check(test, ctx);
	KUNIT_ASSERT_TRUE(test, damon_wm_call(test, ctx, damon_wm_levels_fn));
	KUNIT_EXPECT_EQ(test, damon_wm_test_requests_for(test, ctx, 200), 0);
}

/* Monitoring resumes from zero: no counter, no window survives a sleep. */
static void damon_wm_test_resumes_fresh(struct kunit *test)
{
	struct damon_ctx *ctx = damon_wm_test_ctx(test);
	struct damos_watermarks off =
		damon_wm_test_inactive(DAMON_WM_TEST_LONG_US);
	bool recorded;

	damon_test_add_stat_scheme(test, ctx, 0, &off);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	/* asleep long enough for the windows to be long past, if kept */
	KUNIT_EXPECT_EQ(test, damon_wm_test_requests_for(test, ctx, 100), 0);
	KUNIT_ASSERT_TRUE(test, damon_wm_call(test, ctx, damon_wm_poison_fn));
	KUNIT_ASSERT_TRUE(test, damon_wm_test_wait_sample(test, ctx));

	/* pairs with damon_wm_test_start_sample() */
	recorded = smp_load_acquire(&damon_wm_test_state.recorded);
	KUNIT_ASSERT_TRUE(test, recorded);
	KUNIT_EXPECT_EQ(test, damon_wm_test_state.first_max_counter, 0U);
	/* 10 ms of 1 ms samples: a whole aggregation interval ahead */
	KUNIT_EXPECT_EQ(test, damon_wm_test_state.first_aggr_left, 10UL);
}

/* A context without schemes monitors for its users: it never sleeps. */
static void damon_wm_test_no_schemes_samples(struct kunit *test)
{
	struct damon_ctx *ctx = damon_wm_test_ctx(test);

	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	KUNIT_EXPECT_TRUE(test, damon_wm_test_wait_sample(test, ctx));
}

/* ==================== Starting a running context ==================== */

struct damon_wm_test_look {
	struct damon_ctx *ctx;
	unsigned long passed;
};

static int damon_wm_test_look_fn(void *data)
{
	struct damon_wm_test_look *look = data;

	look->passed = look->ctx->passed_sample_intervals;
	return 0;
}

static unsigned long damon_wm_test_passed(struct kunit *test,
					  struct damon_ctx *ctx)
{
	struct damon_wm_test_look look = { .ctx = ctx };
	struct damon_call_control control = {
		.fn = damon_wm_test_look_fn,
		.data = &look,
	};

	KUNIT_EXPECT_EQ(test, damon_call(ctx, &control), 0);
	return look.passed;
}

/* A context that damon_validate_ctx() would refuse. */
static int damon_wm_invalid_fn(void *data)
{
	struct damon_ctx *ctx = data;

	ctx->addr_unit = 0;
	return 0;
}

/*
 * Starting a running context fails with -EBUSY before it looks at it:
 * even one that would not validate, and without restarting anything or
 * leaking a count of running kdamonds.
 */
static void damon_wm_test_start_running_busy(struct kunit *test)
{
	struct damon_ctx *ctx = damon_wm_test_ctx(test);
	struct damon_ctx *other = damon_wm_test_ctx(test);
	unsigned long passed;
	int pid;

	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	pid = damon_kdamond_pid(ctx);
	KUNIT_ASSERT_TRUE(test, damon_wm_test_wait_sample(test, ctx));
	passed = damon_wm_test_passed(test, ctx);
	KUNIT_EXPECT_GT(test, passed, 0UL);

	KUNIT_EXPECT_EQ(test, damon_start(&ctx, 1, false), -EBUSY);
	KUNIT_ASSERT_TRUE(test, damon_wm_call(test, ctx, damon_wm_invalid_fn));
	KUNIT_EXPECT_EQ(test, damon_start(&ctx, 1, false), -EBUSY);
	KUNIT_EXPECT_EQ(test, damon_start(&ctx, 1, true), -EBUSY);

	/* the same kdamond goes on where it was */
	KUNIT_EXPECT_EQ(test, damon_kdamond_pid(ctx), pid);
	KUNIT_EXPECT_GE(test, damon_wm_test_passed(test, ctx), passed);
	KUNIT_EXPECT_EQ(test, damon_stop(&ctx, 1), 0);
	/* nothing else counts as running */
	KUNIT_EXPECT_EQ(test, damon_start(&other, 1, true), 0);
	KUNIT_EXPECT_EQ(test, damon_stop(&other, 1), 0);
}

static int damon_wm_test_init(struct kunit *test)
{
	atomic_set(&damon_wm_test_state.nr_samples, 0);
	damon_wm_test_state.first_max_counter = 0;
	damon_wm_test_state.first_aggr_left = 0;
	damon_wm_test_state.recorded = false;
	return 0;
}

static struct kunit_case damon_wm_test_cases[] = {
	KUNIT_CASE(damon_wm_test_no_schemes_no_sleep),
	KUNIT_CASE(damon_wm_test_sleep_until_next_check),
	KUNIT_CASE(damon_wm_test_one_active_no_sleep),
	KUNIT_CASE(damon_wm_test_sleep_bounded_by_interval),
	KUNIT_CASE(damon_wm_test_asleep_serves_requests),
	KUNIT_CASE(damon_wm_test_asleep_stops_at_once),
	KUNIT_CASE(damon_wm_test_wakes_at_next_check),
	KUNIT_CASE(damon_wm_test_no_early_check),
	KUNIT_CASE(damon_wm_test_resumes_fresh),
	KUNIT_CASE(damon_wm_test_no_schemes_samples),
	KUNIT_CASE(damon_wm_test_start_running_busy),
	{},
};

static struct kunit_suite damon_wm_test_suite = {
	.name = "damon-wmarks",
	.init = damon_wm_test_init,
	.test_cases = damon_wm_test_cases,
};

kunit_test_suite(damon_wm_test_suite);

MODULE_DESCRIPTION("KUnit tests of the DAMON watermark sleep");
MODULE_LICENSE("GPL");

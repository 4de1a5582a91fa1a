// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the kdamond threads, mm/damon/core.c: starting and
 * stopping them, damon_call(), exclusivity, and the adaptive regions of a
 * running context.
 *
 * The contexts use a fake operation set, assigned directly and never
 * registered: its target always covers the same range, and every sample
 * of an address in the lower half of it finds an access.
 *
 * Nothing here sleeps for a fixed time to let something happen: tests
 * poll for the state they wait for until a deadline.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/damon.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <trace/events/damon.h>

#include "damon-kunit.h"

#define PG(n)			DAMON_TEST_PG(n)

/* The range of every target: its lower half is accessed. */
#define DAMON_TEST_START	PG(4096)
#define DAMON_TEST_MID		PG(4096 + 128)
#define DAMON_TEST_END		PG(4096 + 256)

#define DAMON_TEST_MIN_NR	10
#define DAMON_TEST_MAX_NR	40

/* How long to wait for what should take a few milliseconds. */
#define DAMON_TEST_TIMEOUT	(10 * HZ)

/* State of the fake operation set, reset before each test. */
static struct {
	atomic_t nr_checks;
	bool targets_gone;
	unsigned int nr_refits;		/* only the kdamond touches it */
} damon_test_state;

static void damon_test_prepare(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t)
			r->sampling_addr = damon_rand(r->ar.start, r->ar.end);
	}
}

static void damon_test_check(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;
	bool accessed;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			accessed = r->sampling_addr < DAMON_TEST_MID;
			damon_update_region_access_rate(r, accessed);
		}
	}
	atomic_inc(&damon_test_state.nr_checks);
}

static bool damon_test_target_alive(struct damon_target *t)
{
	return !READ_ONCE(damon_test_state.targets_gone);
}

static const struct damon_operations damon_test_kdamond_ops = {
	.id = DAMON_OPS_PADDR,
	.name = "kdamond-test",
	.start_sample = damon_test_prepare,
	.finish_sample = damon_test_check,
	.target_alive = damon_test_target_alive,
};

/* Another set, for commits that must keep the set of a running context. */
static const struct damon_operations damon_test_other_ops = {
	.id = DAMON_OPS_VADDR,
	.name = "kdamond-test2",
	.start_sample = damon_test_prepare,
	.finish_sample = damon_test_check,
};

/*
 * A target that keeps changing: every ops update refits it to all of the
 * test range or to its first eighth, dropping or adding regions.
 */
static void damon_test_refit(struct damon_ctx *ctx)
{
	struct damon_addr_range range = {
		DAMON_TEST_START, DAMON_TEST_END,
	};
	struct damon_target *t;

	damon_test_state.nr_refits++;
	if (damon_test_state.nr_refits % 2)
		range.end = DAMON_TEST_START + (DAMON_TEST_END -
						DAMON_TEST_START) / 8;
	damon_for_each_target(t, ctx)
		damon_set_regions(t, &range, 1, ctx->min_sz_region);
}

static const struct damon_operations damon_test_refit_ops = {
	.id = DAMON_OPS_VADDR,
	.name = "kdamond-test-refit",
	.start_sample = damon_test_prepare,
	.finish_sample = damon_test_check,
	.refresh_regions = damon_test_refit,
};

/*
 * A context of the fake operation set with one target over the test range,
 * sampling every millisecond and aggregating every ten.  It is stopped and
 * freed when the test ends.
 */
static struct damon_ctx *damon_test_kdamond_ctx(struct kunit *test)
{
	static const struct damon_addr_range range = {
		DAMON_TEST_START, DAMON_TEST_END,
	};
	struct damon_attrs attrs = damon_test_ms_attrs(DAMON_TEST_MIN_NR,
						       DAMON_TEST_MAX_NR);

	return damon_test_new_kdamond_ctx(test, &damon_test_kdamond_ops,
					  &attrs, &range);
}

static int damon_test_start(struct damon_ctx *ctx, bool exclusive)
{
	return damon_start(&ctx, 1, exclusive);
}

static int damon_test_stop(struct damon_ctx *ctx)
{
	return damon_stop(&ctx, 1);
}

/* What a damon_call() function saw in the kdamond. */
struct damon_test_view {
	struct damon_ctx *ctx;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	unsigned int nr_regions;
	struct damon_addr_range ar[DAMON_TEST_MAX_NR + 1];
	unsigned int last_nr_accesses[DAMON_TEST_MAX_NR + 1];
	unsigned long aggr_interval;
	int ret;
};

static int damon_test_look(void *data)
{
	struct damon_test_view *view = data;
	struct damon_target *t;
	struct damon_region *r;
	unsigned int i = 0;

	view->pid = task_pid_nr(current);
	get_task_comm(view->comm, current);
	view->aggr_interval = view->ctx->attrs.aggr_interval;
	t = list_first_entry(&view->ctx->adaptive_targets, struct damon_target,
			     list);
	view->nr_regions = damon_nr_regions(t);
	damon_for_each_region(r, t) {
		if (i == ARRAY_SIZE(view->ar))
			break;
		view->ar[i] = r->ar;
		view->last_nr_accesses[i++] = r->last_nr_accesses;
	}
	return view->ret;
}

/* Run damon_test_look() in the kdamond of @ctx. */
static int damon_test_call_look(struct damon_ctx *ctx,
				struct damon_test_view *view)
{
	struct damon_call_control control = {
		.fn = damon_test_look,
		.data = view,
	};
	int err;

	view->ctx = ctx;
	err = damon_call(ctx, &control);
	return err ? err : control.return_code;
}

/* Let the kdamond run for a moment, in a polling loop. */
static void damon_test_nap(void)
{
	usleep_range(1000, 2000);
}

/* Wait until @ctx stopped running; false if it did not in time. */
static bool damon_test_wait_stopped(struct damon_ctx *ctx)
{
	unsigned long deadline = jiffies + DAMON_TEST_TIMEOUT;

	while (damon_is_running(ctx)) {
		if (time_after(jiffies, deadline))
			return false;
		damon_test_nap();
	}
	return true;
}

/* Wait until the fake operation set checked @nr more samples. */
static bool damon_test_wait_checks(int nr)
{
	unsigned long deadline = jiffies + DAMON_TEST_TIMEOUT;
	int until = atomic_read(&damon_test_state.nr_checks) + nr;

	while (atomic_read(&damon_test_state.nr_checks) < until) {
		if (time_after(jiffies, deadline))
			return false;
		damon_test_nap();
	}
	return true;
}

static void damon_test_start_stop(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_kdamond_ctx(test);
	struct damon_test_view *view;
	int pid;

	view = kunit_kzalloc(test, sizeof(*view), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, view);
	KUNIT_EXPECT_FALSE(test, damon_is_running(ctx));
	KUNIT_EXPECT_EQ(test, damon_kdamond_pid(ctx), -1);

	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, false), 0);
	KUNIT_EXPECT_TRUE(test, damon_is_running(ctx));
	pid = damon_kdamond_pid(ctx);
	KUNIT_EXPECT_GT(test, pid, 0);
	KUNIT_ASSERT_EQ(test, damon_test_call_look(ctx, view), 0);
	KUNIT_EXPECT_EQ(test, view->pid, pid);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(view->comm, "kdamond."),
			      "comm is %s", view->comm);
	KUNIT_EXPECT_TRUE(test, damon_test_wait_checks(3));

	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
	KUNIT_EXPECT_FALSE(test, damon_is_running(ctx));
	KUNIT_EXPECT_EQ(test, damon_kdamond_pid(ctx), -1);
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), -EPERM);

	/* and again */
	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, false), 0);
	KUNIT_EXPECT_TRUE(test, damon_is_running(ctx));
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
}

static void damon_test_stop_never_started(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_kdamond_ctx(test);

	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), -EPERM);
	ctx->ops = NULL;
	KUNIT_EXPECT_EQ(test, damon_test_start(ctx, false), -EINVAL);
	KUNIT_EXPECT_FALSE(test, damon_is_running(ctx));
}

static void damon_test_start_running(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_kdamond_ctx(test);
	int pid;

	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, false), 0);
	pid = damon_kdamond_pid(ctx);
	KUNIT_EXPECT_EQ(test, damon_test_start(ctx, false), -EBUSY);
	KUNIT_EXPECT_TRUE(test, damon_is_running(ctx));
	KUNIT_EXPECT_EQ(test, damon_kdamond_pid(ctx), pid);
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
}

static void damon_test_start_many(struct kunit *test)
{
	struct damon_ctx *ctxs[] = {
		damon_test_kdamond_ctx(test), damon_test_kdamond_ctx(test),
	};

	KUNIT_ASSERT_EQ(test, damon_start(ctxs, ARRAY_SIZE(ctxs), false), 0);
	KUNIT_EXPECT_TRUE(test, damon_is_running(ctxs[0]));
	KUNIT_EXPECT_TRUE(test, damon_is_running(ctxs[1]));
	KUNIT_EXPECT_NE(test, damon_kdamond_pid(ctxs[0]),
			damon_kdamond_pid(ctxs[1]));
	KUNIT_EXPECT_EQ(test, damon_stop(ctxs, ARRAY_SIZE(ctxs)), 0);
	KUNIT_EXPECT_FALSE(test, damon_is_running(ctxs[0]));
	KUNIT_EXPECT_FALSE(test, damon_is_running(ctxs[1]));
}

static void damon_test_exclusive(struct kunit *test)
{
	struct damon_ctx *a = damon_test_kdamond_ctx(test);
	struct damon_ctx *b = damon_test_kdamond_ctx(test);

	/* nothing starts while an exclusive context runs */
	KUNIT_ASSERT_EQ(test, damon_test_start(a, true), 0);
	KUNIT_EXPECT_EQ(test, damon_test_start(b, false), -EBUSY);
	KUNIT_EXPECT_EQ(test, damon_test_start(b, true), -EBUSY);
	KUNIT_EXPECT_FALSE(test, damon_is_running(b));
	KUNIT_EXPECT_EQ(test, damon_test_stop(a), 0);

	/* an exclusive context does not start while another runs */
	KUNIT_ASSERT_EQ(test, damon_test_start(b, false), 0);
	KUNIT_EXPECT_EQ(test, damon_test_start(a, true), -EBUSY);
	KUNIT_EXPECT_FALSE(test, damon_is_running(a));
	KUNIT_EXPECT_EQ(test, damon_test_stop(b), 0);

	/* and once everything stopped, it does */
	KUNIT_ASSERT_EQ(test, damon_test_start(a, true), 0);
	KUNIT_EXPECT_EQ(test, damon_test_stop(a), 0);
}

static void damon_test_quick_stop(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_kdamond_ctx(test);
	unsigned int i;

	for (i = 0; i < 50; i++) {
		KUNIT_ASSERT_EQ_MSG(test, damon_test_start(ctx, i % 2), 0,
				    "round %u", i);
		KUNIT_ASSERT_EQ_MSG(test, damon_test_stop(ctx), 0,
				    "round %u", i);
		KUNIT_ASSERT_FALSE_MSG(test, damon_is_running(ctx),
				       "round %u", i);
	}
}

static void damon_test_call_once(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_kdamond_ctx(test);
	struct damon_test_view *view;

	view = kunit_kzalloc(test, sizeof(*view), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, view);
	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, false), 0);
	view->ret = 42;
	/* damon_test_call_look() returns the return_code */
	KUNIT_EXPECT_EQ(test, damon_test_call_look(ctx, view), 42);
	/* it ran in the kdamond */
	KUNIT_EXPECT_EQ(test, view->pid, damon_kdamond_pid(ctx));
	KUNIT_EXPECT_NE(test, view->pid, task_pid_nr(current));
	view->ret = -ENOENT;
	KUNIT_EXPECT_EQ(test, damon_test_call_look(ctx, view), -ENOENT);
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
}

static int damon_test_count(void *data)
{
	atomic_inc(data);
	return 0;
}

static void damon_test_call_repeat(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_kdamond_ctx(test);
	unsigned long deadline = jiffies + DAMON_TEST_TIMEOUT;
	atomic_t count = ATOMIC_INIT(0);
	struct damon_call_control control = {
		.fn = damon_test_count,
		.data = &count,
		.repeat = true,
	};

	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, false), 0);
	KUNIT_ASSERT_EQ(test, damon_call(ctx, &control), 0);
	while (atomic_read(&count) < 5) {
		if (time_after(jiffies, deadline)) {
			KUNIT_FAIL(test, "ran %d times", atomic_read(&count));
			break;
		}
		damon_test_nap();
	}
	KUNIT_EXPECT_FALSE(test, control.canceled);
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
	KUNIT_EXPECT_TRUE(test, control.canceled);
}

/*
 * A paused kdamond with a sampling interval of 0 still waits between two
 * rounds of requests (at least 5 ms, see kdamond_paused_wait()) rather
 * than spinning, serves damon_call() and stops at once.
 */
static void damon_test_paused_waits(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_kdamond_ctx(test);
	unsigned long deadline = jiffies + DAMON_TEST_TIMEOUT;
	struct damon_attrs attrs = ctx->attrs;
	atomic_t count = ATOMIC_INIT(0);
	struct damon_call_control control = {
		.fn = damon_test_count,
		.data = &count,
		.repeat = true,
	};
	ktime_t start;

	attrs.sample_interval = 0;
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &attrs), 0);
	ctx->pause = true;
	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, false), 0);
	start = ktime_get();
	KUNIT_ASSERT_EQ(test, damon_call(ctx, &control), 0);
	while (atomic_read(&count) < 6) {
		if (time_after(jiffies, deadline)) {
			KUNIT_FAIL(test, "ran %d times", atomic_read(&count));
			break;
		}
		damon_test_nap();
	}
	/* five waits of at least 5 ms between the first and the sixth run */
	KUNIT_EXPECT_GE(test, ktime_ms_delta(ktime_get(), start), 25);
	KUNIT_EXPECT_EQ(test, atomic_read(&damon_test_state.nr_checks), 0);
	start = ktime_get();
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start), 1000);
	KUNIT_EXPECT_TRUE(test, control.canceled);
}

static void damon_test_call_stopped(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_kdamond_ctx(test);
	atomic_t count = ATOMIC_INIT(0);
	struct damon_call_control control = {
		.fn = damon_test_count,
		.data = &count,
	};

	KUNIT_EXPECT_EQ(test, damon_call(ctx, &control), -EINVAL);
	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, false), 0);
	KUNIT_ASSERT_EQ(test, damon_call(ctx, &control), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&count), 1);
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
	KUNIT_EXPECT_EQ(test, damon_call(ctx, &control), -EINVAL);
	control.repeat = true;
	KUNIT_EXPECT_EQ(test, damon_call(ctx, &control), -EINVAL);
	KUNIT_EXPECT_EQ(test, atomic_read(&count), 1);
}

static void damon_test_targets_gone(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_kdamond_ctx(test);
	atomic_t count = ATOMIC_INIT(0);
	struct damon_call_control control = {
		.fn = damon_test_count,
		.data = &count,
	};

	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, false), 0);
	KUNIT_ASSERT_TRUE(test, damon_test_wait_checks(3));
	WRITE_ONCE(damon_test_state.targets_gone, true);
	KUNIT_ASSERT_TRUE_MSG(test, damon_test_wait_stopped(ctx),
			      "the kdamond kept running without targets");
	KUNIT_EXPECT_EQ(test, damon_kdamond_pid(ctx), -1);
	KUNIT_EXPECT_EQ(test, damon_call(ctx, &control), -EINVAL);
	/* stopping reaps the finished thread; then there is nothing */
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), -EPERM);

	/* another context can start meanwhile, and it can restart */
	WRITE_ONCE(damon_test_state.targets_gone, false);
	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, true), 0);
	KUNIT_EXPECT_TRUE(test, damon_is_running(ctx));
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
}

/* Whether a region of @view starts at @addr. */
static bool damon_test_view_has_boundary(const struct damon_test_view *view,
					 unsigned long addr)
{
	unsigned int i;

	for (i = 0; i < view->nr_regions && i < ARRAY_SIZE(view->ar); i++) {
		if (view->ar[i].start == addr)
			return true;
	}
	return false;
}

/* Average last_nr_accesses of the regions of @view in [@start, @end). */
static unsigned int damon_test_view_average(const struct damon_test_view *view,
					    unsigned long start,
					    unsigned long end)
{
	unsigned long sum = 0, sz = 0;
	unsigned int i;

	for (i = 0; i < view->nr_regions && i < ARRAY_SIZE(view->ar); i++) {
		if (view->ar[i].start < start || view->ar[i].end > end)
			continue;
		sum += view->last_nr_accesses[i] *
			((view->ar[i].end - view->ar[i].start) / PAGE_SIZE);
		sz += (view->ar[i].end - view->ar[i].start) / PAGE_SIZE;
	}
	return sz ? sum / sz : 0;
}

static void damon_test_regions_adapt(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_kdamond_ctx(test);
	unsigned long deadline = jiffies + DAMON_TEST_TIMEOUT;
	struct damon_test_view *view;
	unsigned int rounds = 0;
	bool separated = false;

	view = kunit_kzalloc(test, sizeof(*view), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, view);
	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, false), 0);
	/* some aggregations first */
	KUNIT_ASSERT_TRUE(test, damon_test_wait_checks(50));
	while (!separated && time_before(jiffies, deadline)) {
		if (rounds++)
			msleep(20);
		KUNIT_ASSERT_EQ(test, damon_test_call_look(ctx, view), 0);
		KUNIT_ASSERT_GE_MSG(test, view->nr_regions, DAMON_TEST_MIN_NR,
				    "round %u", rounds);
		KUNIT_ASSERT_LE_MSG(test, view->nr_regions, DAMON_TEST_MAX_NR,
				    "round %u", rounds);
		separated = damon_test_view_has_boundary(view, DAMON_TEST_MID);
	}
	KUNIT_ASSERT_TRUE_MSG(test, separated,
			      "halves not separated in %u rounds", rounds);
	kunit_info(test, "separated in %u rounds, %u regions\n", rounds,
		   view->nr_regions);
	/* the accessed half is told apart from the idle one */
	KUNIT_EXPECT_GT(test, damon_test_view_average(view, DAMON_TEST_START,
						      DAMON_TEST_MID),
			damon_test_view_average(view, DAMON_TEST_MID,
						DAMON_TEST_END));
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
}

/*
 * Whatever the operation set does to the regions, the kdamond has between
 * min_nr_regions and max_nr_regions of them whenever anything else looks.
 */
static void damon_test_refit_keeps_min_nr(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_kdamond_ctx(test);
	struct damon_test_view *view;
	unsigned int i;

	view = kunit_kzalloc(test, sizeof(*view), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, view);
	ctx->ops = &damon_test_refit_ops;
	ctx->attrs.ops_update_interval = 3000;	/* at every aggregation */
	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, false), 0);
	for (i = 0; i < 40; i++) {
		KUNIT_ASSERT_TRUE(test, damon_test_wait_checks(3));
		KUNIT_ASSERT_EQ(test, damon_test_call_look(ctx, view), 0);
		KUNIT_ASSERT_GE_MSG(test, view->nr_regions, DAMON_TEST_MIN_NR,
				    "look %u", i);
		KUNIT_ASSERT_LE_MSG(test, view->nr_regions, DAMON_TEST_MAX_NR,
				    "look %u", i);
	}
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
	KUNIT_EXPECT_GE(test, damon_test_state.nr_refits, 6);
}

static int damon_test_commit_fn(void *data)
{
	struct damon_ctx **ctxs = data;

	return damon_commit_ctx(ctxs[0], ctxs[1]);
}

/* Commit @src into the running @ctx, from its kdamond. */
static int damon_test_commit_running(struct damon_ctx *ctx,
				     struct damon_ctx *src)
{
	struct damon_ctx *ctxs[] = { ctx, src };
	struct damon_call_control control = {
		.fn = damon_test_commit_fn,
		.data = ctxs,
	};
	int err;

	err = damon_call(ctx, &control);
	return err ? err : control.return_code;
}

static void damon_test_commit_while_running(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_kdamond_ctx(test);
	struct damon_ctx *src = damon_test_kdamond_ctx(test);
	struct damon_test_view *view;

	view = kunit_kzalloc(test, sizeof(*view), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, view);
	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, false), 0);

	src->attrs.aggr_interval = 20000;
	KUNIT_EXPECT_EQ(test, damon_test_commit_running(ctx, src), 0);
	KUNIT_ASSERT_EQ(test, damon_test_call_look(ctx, view), 0);
	KUNIT_EXPECT_EQ(test, view->aggr_interval, 20000);
	KUNIT_EXPECT_TRUE(test, damon_test_wait_checks(25));

	/*
	 * A lower limit holds as soon as the commit returns.  (Exactly
	 * min_nr_regions could be too few: merging keeps regions no bigger
	 * than a min_nr_regions'th of the target, rounded to pages.)
	 */
	src->attrs.max_nr_regions = DAMON_TEST_MIN_NR + 2;
	KUNIT_EXPECT_EQ(test, damon_test_commit_running(ctx, src), 0);
	KUNIT_ASSERT_EQ(test, damon_test_call_look(ctx, view), 0);
	KUNIT_EXPECT_LE(test, view->nr_regions, DAMON_TEST_MIN_NR + 2);

	/* the operation set of a running context stays */
	src->ops = &damon_test_other_ops;
	KUNIT_EXPECT_EQ(test, damon_test_commit_running(ctx, src), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, ctx->ops, &damon_test_kdamond_ops);
	KUNIT_EXPECT_TRUE(test, damon_is_running(ctx));
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
}

/* ==================== Probes in the kdamond ==================== */

/* A kdamond test context of the logging operation set. */
static struct damon_ctx *damon_test_log_ctx(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_kdamond_ctx(test);

	ctx->ops = damon_test_log_ops();
	return ctx;
}

/* Wait until the logging operation set was called @nr times in all. */
static bool damon_test_wait_log(int nr)
{
	unsigned long deadline = jiffies + DAMON_TEST_TIMEOUT;

	while (atomic_read(&damon_test_log()->nr_calls) < nr) {
		if (time_after(jiffies, deadline))
			return false;
		damon_test_nap();
	}
	return true;
}

/* Run @ctx until its operation set was called @nr times. */
static void damon_test_run_logged(struct kunit *test, struct damon_ctx *ctx,
				  int nr)
{
	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, false), 0);
	KUNIT_EXPECT_TRUE_MSG(test, damon_test_wait_log(nr), "log %s",
			      damon_test_log()->calls);
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
}

static void damon_test_sample_without_probes(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_log_ctx(test);

	damon_test_run_logged(test, ctx, 40);
	damon_test_expect_log(test, "sf", 20);
}

static void damon_test_sample_with_probes(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_log_ctx(test);

	damon_test_ctx_add_probe(test, ctx, 0);
	damon_test_run_logged(test, ctx, 60);
	damon_test_expect_log(test, "sfa", 20);
}

/* Preps run after the access check preparation, on its addresses. */
static void damon_test_sample_with_preps(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_log_ctx(test);

	damon_test_ctx_add_probe(test, ctx, 0);
	damon_test_probe_add_prep(test, damon_test_ctx_add_probe(test, ctx, 0));
	damon_test_run_logged(test, ctx, 80);
	damon_test_expect_log(test, "spfa", 20);
	KUNIT_EXPECT_EQ(test, damon_test_log()->nr_moved, 0);
	KUNIT_EXPECT_EQ(test, damon_test_log()->nr_bad_addrs, 0);
}

/* No access checks: the core picks addresses the probes look at. */
static void damon_test_sample_attrs_only(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_log_ctx(test);
	struct damon_test_view *view;

	view = kunit_kzalloc(test, sizeof(*view), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, view);
	damon_test_ctx_add_probe(test, ctx, 1);
	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, false), 0);
	KUNIT_EXPECT_TRUE(test, damon_test_wait_log(40));
	KUNIT_ASSERT_EQ(test, damon_test_call_look(ctx, view), 0);
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
	damon_test_expect_log(test, "a", 40);
	KUNIT_EXPECT_EQ(test, damon_test_log()->nr_bad_addrs, 0);
	/* nothing counted accesses */
	KUNIT_EXPECT_EQ(test, damon_test_view_average(view, DAMON_TEST_START,
						      DAMON_TEST_END), 0);
}

/* With preps, the addresses are picked before the sleep and kept. */
static void damon_test_sample_attrs_only_preps(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_log_ctx(test);

	damon_test_probe_add_prep(test, damon_test_ctx_add_probe(test, ctx, 1));
	damon_test_run_logged(test, ctx, 60);
	damon_test_expect_log(test, "pa", 30);
	KUNIT_EXPECT_EQ(test, damon_test_log()->nr_moved, 0);
	KUNIT_EXPECT_EQ(test, damon_test_log()->nr_bad_addrs, 0);
}

/* An operation set without probe callbacks just ignores the probes. */
static void damon_test_sample_probes_unsupported(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_kdamond_ctx(test);

	damon_test_probe_add_prep(test, damon_test_ctx_add_probe(test, ctx, 0));
	KUNIT_ASSERT_EQ(test, damon_test_start(ctx, false), 0);
	KUNIT_EXPECT_TRUE(test, damon_test_wait_checks(20));
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
}

static void damon_test_start_invalid_probes(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_log_ctx(test);
	struct damon_probe *p;
	unsigned int i;

	for (i = 0; i <= DAMON_MAX_PROBES; i++)
		damon_test_ctx_add_probe(test, ctx, 0);
	KUNIT_EXPECT_EQ(test, damon_test_start(ctx, false), -EINVAL);
	KUNIT_EXPECT_FALSE(test, damon_is_running(ctx));

	/* 10 samples per aggregation, and a weight that could overflow */
	damon_destroy_probe(list_first_entry(&ctx->probes, struct damon_probe,
					     list));
	p = list_first_entry(&ctx->probes, struct damon_probe, list);
	p->weight = UINT_MAX / 10 + 1;
	KUNIT_EXPECT_EQ(test, damon_test_start(ctx, false), -EINVAL);
	KUNIT_EXPECT_FALSE(test, damon_is_running(ctx));
	p->weight = UINT_MAX / 10;
	KUNIT_EXPECT_EQ(test, damon_test_start(ctx, false), 0);
	KUNIT_EXPECT_EQ(test, damon_test_stop(ctx), 0);
}

/* Intervals of 0: the kdamond samples as fast as it can, and stops. */
static void damon_test_zero_intervals(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_log_ctx(test);
	struct damon_attrs attrs = ctx->attrs;

	attrs.sample_interval = 0;
	attrs.aggr_interval = 0;
	attrs.ops_update_interval = 0;
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &attrs), 0);
	damon_test_ctx_add_probe(test, ctx, 0);
	damon_test_run_logged(test, ctx, 300);
	damon_test_expect_log(test, "sfa", 50);

	/* and in attributes-only mode */
	damon_test_log_reset();
	list_first_entry(&ctx->probes, struct damon_probe, list)->weight = 1;
	damon_test_run_logged(test, ctx, 300);
	damon_test_expect_log(test, "a", 100);
}

/* What the aggregation tracepoints reported. */
static struct {
	atomic_t nr_aggregated;
	atomic_t nr_region_aggregated;
	const struct damon_region *last;	/* by damon_aggregated */
	unsigned int nr_unpaired;
	unsigned int nr_probes;
	unsigned int nr_wrong_hits;
	u8 want_hits;
} damon_test_trace;

static void damon_test_on_aggregated(void *data, unsigned long target_idx,
				     unsigned int nr_regions,
				     const struct damon_region *r)
{
	damon_test_trace.last = r;
	atomic_inc(&damon_test_trace.nr_aggregated);
}

static void damon_test_on_region_aggr(void *data, unsigned long target_id,
				      unsigned int nr_regions,
				      const struct damon_region *r,
				      unsigned int nr_probes)
{
	unsigned int i;

	if (r != damon_test_trace.last)
		damon_test_trace.nr_unpaired++;
	damon_test_trace.last = NULL;
	damon_test_trace.nr_probes = nr_probes;
	for (i = 0; i < nr_probes; i++) {
		if (r->probe_hits[i] != damon_test_trace.want_hits)
			damon_test_trace.nr_wrong_hits++;
	}
	atomic_inc(&damon_test_trace.nr_region_aggregated);
}

static void damon_test_untrace(void *data)
{
	unregister_trace_damon_region_aggregated(damon_test_on_region_aggr,
						 NULL);
	unregister_trace_damon_aggregated(damon_test_on_aggregated, NULL);
	tracepoint_synchronize_unregister();
}

/* Listen to the aggregation tracepoints until the test ends. */
static void damon_test_trace_aggregations(struct kunit *test)
{
	int err;

	memset(&damon_test_trace, 0, sizeof(damon_test_trace));
	err = register_trace_damon_aggregated(damon_test_on_aggregated, NULL);
	if (err)
		kunit_skip(test, "no tracepoints (%d)", err);
	err = register_trace_damon_region_aggregated(damon_test_on_region_aggr,
						     NULL);
	if (err) {
		unregister_trace_damon_aggregated(damon_test_on_aggregated,
						  NULL);
		kunit_skip(test, "no tracepoints (%d)", err);
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							damon_test_untrace,
							NULL), 0);
}

/*
 * damon_region_aggregated follows damon_aggregated of the same region,
 * with the raw hit counts of the window, only when there are probes.
 */
static void damon_test_region_aggregated(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_log_ctx(test);

	damon_test_trace_aggregations(test);
	damon_test_run_logged(test, ctx, 100);
	KUNIT_EXPECT_GT(test, atomic_read(&damon_test_trace.nr_aggregated),
			0);
	KUNIT_EXPECT_EQ(test,
			atomic_read(&damon_test_trace.nr_region_aggregated),
			0);

	/* every sample hits: 10 hits per window of 10 ms */
	damon_test_trace.want_hits = 10;
	damon_test_ctx_add_probe(test, ctx, 0);
	damon_test_ctx_add_probe(test, ctx, 0);
	damon_test_log_reset();
	damon_test_run_logged(test, ctx, 150);
	KUNIT_EXPECT_GT(test,
			atomic_read(&damon_test_trace.nr_region_aggregated),
			0);
	KUNIT_EXPECT_EQ(test, damon_test_trace.nr_unpaired, 0);
	KUNIT_EXPECT_EQ(test, damon_test_trace.nr_probes, 2);
	KUNIT_EXPECT_EQ(test, damon_test_trace.nr_wrong_hits, 0);
}

static int damon_kdamond_test_init(struct kunit *test)
{
	damon_test_log_reset();
	atomic_set(&damon_test_state.nr_checks, 0);
	WRITE_ONCE(damon_test_state.targets_gone, false);
	damon_test_state.nr_refits = 0;
	return 0;
}

/*
 * Leave the fake targets alive for what runs next.  The logs are reset by
 * .init instead: this runs before the kunit actions stop the test's
 * kdamonds, which may still write them.
 */
static void damon_kdamond_test_exit(struct kunit *test)
{
	WRITE_ONCE(damon_test_state.targets_gone, false);
}

static struct kunit_case damon_kdamond_test_cases[] = {
	KUNIT_CASE(damon_test_start_stop),
	KUNIT_CASE(damon_test_stop_never_started),
	KUNIT_CASE(damon_test_start_running),
	KUNIT_CASE(damon_test_start_many),
	KUNIT_CASE(damon_test_exclusive),
	KUNIT_CASE(damon_test_quick_stop),
	KUNIT_CASE(damon_test_call_once),
	KUNIT_CASE(damon_test_call_repeat),
	KUNIT_CASE(damon_test_paused_waits),
	KUNIT_CASE(damon_test_call_stopped),
	KUNIT_CASE(damon_test_targets_gone),
	KUNIT_CASE(damon_test_regions_adapt),
	KUNIT_CASE(damon_test_refit_keeps_min_nr),
	KUNIT_CASE(damon_test_commit_while_running),
	KUNIT_CASE(damon_test_sample_without_probes),
	KUNIT_CASE(damon_test_sample_with_probes),
	KUNIT_CASE(damon_test_sample_with_preps),
	KUNIT_CASE(damon_test_sample_attrs_only),
	KUNIT_CASE(damon_test_sample_attrs_only_preps),
	KUNIT_CASE(damon_test_sample_probes_unsupported),
	KUNIT_CASE(damon_test_start_invalid_probes),
	KUNIT_CASE(damon_test_zero_intervals),
	KUNIT_CASE(damon_test_region_aggregated),
	{},
};

static struct kunit_suite damon_kdamond_test_suite = {
	.name = "damon-kdamond",
	.init = damon_kdamond_test_init,
	.exit = damon_kdamond_test_exit,
	.test_cases = damon_kdamond_test_cases,
};

kunit_test_suite(damon_kdamond_test_suite);

MODULE_DESCRIPTION("KUnit tests of the DAMON kdamond threads");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of interrupted damon_call() and damos_walk() waits: a signal
 * withdraws a request the kdamond has not taken, with nothing run; one it
 * took is waited for; a walk withdrawn in the middle is never touched
 * again, not even by a scheme whose pass still owed it; and a kdamond
 * asking itself fails instead of deadlocking.
 *
 * Requests are made from kernel threads that accept SIGUSR1, which the
 * test sends.  To keep the kdamond from taking a request before the
 * signal, a damon_call() function holds it until the test releases it.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/damon.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "damon-kunit.h"

#define PG(n)			DAMON_TEST_PG(n)
#define CANCEL_TIMEOUT		(20 * HZ)
/* long enough for a request that is not withdrawn to be served */
#define CANCEL_GRACE_MS		50

/*
 * A running context of the hot operation set sampling every millisecond
 * and aggregating every ten, with one target and a stat scheme per entry
 * of @apply_us (its apply interval).  Stopped and freed when the test
 * ends.
 */
static struct damon_ctx *cancel_ctx(struct kunit *test,
				    const unsigned long *apply_us,
				    unsigned int nr_schemes)
{
	static const struct damon_addr_range range = { PG(0), PG(64) };
	struct damon_attrs attrs = damon_test_ms_attrs(4, 20);
	struct damon_ctx *ctx;
	unsigned int i;

	ctx = damon_test_new_kdamond_ctx(test, damon_test_hot_ops(), &attrs,
					 &range);
	for (i = 0; i < nr_schemes; i++)
		damon_test_add_stat_scheme(test, ctx, apply_us[i], NULL);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, false), 0);
	return ctx;
}

/* Scheme @idx of @ctx. */
static struct damos *cancel_scheme(struct damon_ctx *ctx, unsigned int idx)
{
	struct damos *s;

	damon_for_each_scheme(s, ctx) {
		if (!idx--)
			return s;
	}
	return NULL;
}

/* Poll @cond until it holds; false if it did not in time. */
#define cancel_wait_until(cond)						\
({									\
	unsigned long __deadline = jiffies + CANCEL_TIMEOUT;		\
	bool __ok = true;						\
									\
	while (!(cond)) {						\
		if (time_after(jiffies, __deadline)) {			\
			__ok = false;					\
			break;						\
		}							\
		usleep_range(500, 1000);				\
	}								\
	__ok;								\
})

/* ==================== Requests made from another thread ==================== */

/* What a damon_call() function does: count, and wait if asked to. */
struct cancel_fn_state {
	atomic_t nr_runs;
	bool block;
	struct completion entered;
	struct completion release;
};

static int cancel_fn(void *data)
{
	struct cancel_fn_state *st = data;

	atomic_inc(&st->nr_runs);
	if (st->block) {
		complete(&st->entered);
		wait_for_completion(&st->release);
	}
	return 42;
}

/* What a walk saw; the visitor may wait once, like cancel_fn(). */
struct cancel_seen {
	atomic_t nr_visits;
	bool block;
	struct completion entered;
	struct completion release;
};

static void cancel_visit(void *data, struct damon_ctx *ctx,
			 struct damon_target *t, struct damon_region *r,
			 struct damos *s, unsigned long sz_filter_passed)
{
	struct cancel_seen *seen = data;

	atomic_inc(&seen->nr_visits);
	if (seen->block) {
		seen->block = false;
		complete(&seen->entered);
		wait_for_completion(&seen->release);
	}
}

/*
 * A request made by a thread that accepts SIGUSR1.  The controls are
 * allocated apart, so that the thread can free them right after its
 * request returns, as a caller with the control on its stack would.
 */
struct cancel_req {
	struct damon_ctx *ctx;
	struct damon_call_control *call;
	struct damos_walk_control *walk;
	int ret;
	int return_code;
	struct task_struct *task;
	struct completion done;
};

static int cancel_req_fn(void *data)
{
	struct cancel_req *req = data;

	allow_signal(SIGUSR1);
	if (req->call) {
		req->ret = damon_call(req->ctx, req->call);
		req->return_code = req->call->return_code;
		kfree(req->call);
	} else {
		req->ret = damos_walk(req->ctx, req->walk);
		kfree(req->walk);
	}
	complete(&req->done);
	return 0;
}

static void cancel_put_task(void *task)
{
	put_task_struct(task);
}

static struct cancel_req *cancel_req_new(struct kunit *test,
					 struct damon_ctx *ctx)
{
	struct cancel_req *req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, req);
	req->ctx = ctx;
	init_completion(&req->done);
	return req;
}

static void cancel_req_run(struct kunit *test, struct cancel_req *req)
{
	struct task_struct *task;
	int err;

	task = kthread_create(cancel_req_fn, req, "damon-cancel-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	req->task = get_task_struct(task);
	err = kunit_add_action_or_reset(test, cancel_put_task, task);
	KUNIT_ASSERT_EQ(test, err, 0);
	wake_up_process(task);
}

/* A damon_call() of cancel_fn() with @st, from a thread of its own. */
static struct cancel_req *cancel_call_in_thread(struct kunit *test,
						struct damon_ctx *ctx,
						struct cancel_fn_state *st)
{
	struct cancel_req *req = cancel_req_new(test, ctx);

	req->call = kzalloc(sizeof(*req->call), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, req->call);
	req->call->fn = cancel_fn;
	req->call->data = st;
	cancel_req_run(test, req);
	return req;
}

/* A damos_walk() visiting with cancel_visit(), from a thread of its own. */
static struct cancel_req *cancel_walk_in_thread(struct kunit *test,
						struct damon_ctx *ctx,
						struct cancel_seen *seen)
{
	struct cancel_req *req = cancel_req_new(test, ctx);

	req->walk = kzalloc(sizeof(*req->walk), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, req->walk);
	req->walk->walk_fn = cancel_visit;
	req->walk->data = seen;
	cancel_req_run(test, req);
	return req;
}

static bool cancel_req_done(struct cancel_req *req)
{
	return wait_for_completion_timeout(&req->done, CANCEL_TIMEOUT);
}

static void cancel_signal(struct cancel_req *req)
{
	send_sig(SIGUSR1, req->task, 0);
}

/* A test that fails while the kdamond waits must not hang its cleanup. */
static void cancel_release_all(void *release)
{
	complete_all(release);
}

static struct cancel_fn_state *cancel_fn_state_new(struct kunit *test)
{
	struct cancel_fn_state *st = kunit_kzalloc(test, sizeof(*st),
						   GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, st);
	init_completion(&st->entered);
	init_completion(&st->release);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							cancel_release_all,
							&st->release), 0);
	return st;
}

static struct cancel_seen *cancel_seen_new(struct kunit *test)
{
	struct cancel_seen *seen = kunit_kzalloc(test, sizeof(*seen),
						 GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, seen);
	init_completion(&seen->entered);
	init_completion(&seen->release);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							cancel_release_all,
							&seen->release), 0);
	return seen;
}

/* Whether a damon_call() request is queued on @ctx. */
static bool cancel_call_queued(struct damon_ctx *ctx)
{
	bool queued;

	mutex_lock(&ctx->call_controls_lock);
	queued = !list_empty(&ctx->call_controls);
	mutex_unlock(&ctx->call_controls_lock);
	return queued;
}

/* Whether a walk is pending on @ctx, and whether the kdamond took it. */
static bool cancel_walk_pending(struct damon_ctx *ctx, bool started)
{
	bool pending;

	mutex_lock(&ctx->walk_control_lock);
	pending = ctx->walk_control && (!started || ctx->walk_started);
	mutex_unlock(&ctx->walk_control_lock);
	return pending;
}

/*
 * Hold the kdamond of @ctx in a damon_call() function; the test releases
 * it with complete(&st->release) and waits with cancel_req_done().
 */
static struct cancel_req *cancel_hold_kdamond(struct kunit *test,
					      struct damon_ctx *ctx,
					      struct cancel_fn_state *st)
{
	struct cancel_req *req;

	st->block = true;
	req = cancel_call_in_thread(test, ctx, st);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&st->entered,
							    CANCEL_TIMEOUT));
	return req;
}

/* A function the kdamond has not taken yet is withdrawn and never runs. */
static void cancel_test_call_withdrawn(struct kunit *test)
{
	struct damon_ctx *ctx = cancel_ctx(test, NULL, 0);
	struct cancel_fn_state *holder = cancel_fn_state_new(test);
	struct cancel_fn_state *st = cancel_fn_state_new(test);
	struct damon_call_control sync = {
		.fn = cancel_fn,
		.data = cancel_fn_state_new(test),
	};
	struct cancel_req *hold, *req;

	hold = cancel_hold_kdamond(test, ctx, holder);
	req = cancel_call_in_thread(test, ctx, st);
	KUNIT_ASSERT_TRUE(test, cancel_wait_until(cancel_call_queued(ctx)));
	cancel_signal(req);
	KUNIT_ASSERT_TRUE(test, cancel_req_done(req));
	KUNIT_EXPECT_EQ(test, req->ret, -ERESTARTSYS);
	KUNIT_EXPECT_FALSE(test, cancel_call_queued(ctx));

	complete(&holder->release);
	KUNIT_ASSERT_TRUE(test, cancel_req_done(hold));
	KUNIT_EXPECT_EQ(test, hold->ret, 0);
	KUNIT_EXPECT_EQ(test, hold->return_code, 42);
	/* a call queued after it is served: the withdrawn one never ran */
	KUNIT_ASSERT_EQ(test, damon_call(ctx, &sync), 0);
	KUNIT_EXPECT_EQ(test, sync.return_code, 42);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->nr_runs), 0);
}

/* A function the kdamond runs already is waited for, signal or not. */
static void cancel_test_call_taken(struct kunit *test)
{
	struct damon_ctx *ctx = cancel_ctx(test, NULL, 0);
	struct cancel_fn_state *st = cancel_fn_state_new(test);
	struct cancel_req *req;

	req = cancel_hold_kdamond(test, ctx, st);
	cancel_signal(req);
	msleep(CANCEL_GRACE_MS);
	KUNIT_EXPECT_FALSE(test, completion_done(&req->done));
	complete(&st->release);
	KUNIT_ASSERT_TRUE(test, cancel_req_done(req));
	KUNIT_EXPECT_EQ(test, req->ret, 0);
	KUNIT_EXPECT_EQ(test, req->return_code, 42);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->nr_runs), 1);
}

/* A walk the kdamond has not taken yet is withdrawn and never visits. */
static void cancel_test_walk_withdrawn(struct kunit *test)
{
	static const unsigned long apply_us[] = { 0 };
	struct damon_ctx *ctx = cancel_ctx(test, apply_us, 1);
	struct cancel_fn_state *holder = cancel_fn_state_new(test);
	struct cancel_seen *seen = cancel_seen_new(test);
	struct cancel_seen *next = cancel_seen_new(test);
	struct damos_walk_control walk = {
		.walk_fn = cancel_visit,
		.data = next,
	};
	struct damos *s = cancel_scheme(ctx, 0);
	struct cancel_req *hold, *req;
	unsigned long snapshots;

	hold = cancel_hold_kdamond(test, ctx, holder);
	req = cancel_walk_in_thread(test, ctx, seen);
	KUNIT_ASSERT_TRUE(test, cancel_wait_until(cancel_walk_pending(ctx,
								      false)));
	cancel_signal(req);
	KUNIT_ASSERT_TRUE(test, cancel_req_done(req));
	KUNIT_EXPECT_EQ(test, req->ret, -ERESTARTSYS);
	KUNIT_EXPECT_FALSE(test, cancel_walk_pending(ctx, false));

	complete(&holder->release);
	KUNIT_ASSERT_TRUE(test, cancel_req_done(hold));
	snapshots = READ_ONCE(s->stat.nr_snapshots);
	KUNIT_ASSERT_TRUE(test, cancel_wait_until(READ_ONCE(s->stat.nr_snapshots)
						  >= snapshots + 3));
	KUNIT_EXPECT_EQ(test, atomic_read(&seen->nr_visits), 0);
	/* and the next walk is served as usual */
	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &walk), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&next->nr_visits), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&seen->nr_visits), 0);
}

static int cancel_hurry_scheme(void *data)
{
	struct damos *s = data;

	/* apply every aggregation, from the next sample on */
	s->apply_interval_us = 0;
	s->next_apply_sis = 0;
	return 0;
}

/*
 * A walk withdrawn between passes: one scheme made its pass, the other one
 * (applied once a minute) still owed one.  When that scheme is made to
 * pass after all, it must not visit for the walk that is gone, whose
 * control and data the caller freed.
 */
static void cancel_test_walk_withdrawn_midway(struct kunit *test)
{
	static const unsigned long apply_us[] = { 0, 60 * USEC_PER_SEC };
	struct damon_ctx *ctx = cancel_ctx(test, apply_us, 2);
	struct cancel_seen *seen = cancel_seen_new(test);
	struct cancel_seen *next = cancel_seen_new(test);
	struct damos_walk_control walk = {
		.walk_fn = cancel_visit,
		.data = next,
	};
	struct damos *slow = cancel_scheme(ctx, 1);
	struct damon_call_control hurry = {
		.fn = cancel_hurry_scheme,
		.data = slow,
	};
	struct cancel_req *req;
	int visits;

	req = cancel_walk_in_thread(test, ctx, seen);
	/* the fast scheme made its pass for the walk */
	KUNIT_ASSERT_TRUE(test,
			  cancel_wait_until(atomic_read(&seen->nr_visits)));
	KUNIT_ASSERT_TRUE(test, cancel_walk_pending(ctx, true));
	cancel_signal(req);
	KUNIT_ASSERT_TRUE(test, cancel_req_done(req));
	KUNIT_EXPECT_EQ(test, req->ret, -ERESTARTSYS);
	visits = atomic_read(&seen->nr_visits);

	KUNIT_ASSERT_EQ(test, damon_call(ctx, &hurry), 0);
	KUNIT_ASSERT_TRUE(test,
			  cancel_wait_until(READ_ONCE(slow->stat.nr_snapshots)
					    >= 2));
	KUNIT_EXPECT_EQ(test, atomic_read(&seen->nr_visits), visits);
	/* a new walk, maybe at the address of the old one, is served */
	KUNIT_EXPECT_EQ(test, damos_walk(ctx, &walk), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&next->nr_visits), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&seen->nr_visits), visits);
}

/*
 * A walk withdrawn while its visitor runs: the caller waits for that
 * visit to end, and no other visit follows.
 */
static void cancel_test_walk_withdrawn_in_visit(struct kunit *test)
{
	static const unsigned long apply_us[] = { 0 };
	struct damon_ctx *ctx = cancel_ctx(test, apply_us, 1);
	struct cancel_seen *seen = cancel_seen_new(test);
	struct damos *s = cancel_scheme(ctx, 0);
	struct cancel_req *req;
	unsigned long snapshots;

	seen->block = true;
	req = cancel_walk_in_thread(test, ctx, seen);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&seen->entered,
							    CANCEL_TIMEOUT));
	cancel_signal(req);
	msleep(CANCEL_GRACE_MS);
	KUNIT_EXPECT_FALSE(test, completion_done(&req->done));
	complete(&seen->release);
	KUNIT_ASSERT_TRUE(test, cancel_req_done(req));
	KUNIT_EXPECT_EQ(test, req->ret, -ERESTARTSYS);
	KUNIT_EXPECT_EQ(test, atomic_read(&seen->nr_visits), 1);
	KUNIT_EXPECT_FALSE(test, cancel_walk_pending(ctx, false));

	snapshots = READ_ONCE(s->stat.nr_snapshots);
	KUNIT_ASSERT_TRUE(test, cancel_wait_until(READ_ONCE(s->stat.nr_snapshots)
						  >= snapshots + 3));
	KUNIT_EXPECT_EQ(test, atomic_read(&seen->nr_visits), 1);
}

/* ==================== Requests of a kdamond to itself ==================== */

struct cancel_self {
	struct damon_ctx *ctx;
	int call_ret;
	int walk_ret;
};

static int cancel_self_fn(void *data)
{
	struct cancel_self *self = data;
	struct damon_call_control call = { .fn = cancel_fn };
	struct damos_walk_control walk = { .walk_fn = cancel_visit };

	self->call_ret = damon_call(self->ctx, &call);
	self->walk_ret = damos_walk(self->ctx, &walk);
	return 0;
}

/* The kdamond asking itself fails instead of waiting for itself. */
static void cancel_test_self(struct kunit *test)
{
	static const unsigned long apply_us[] = { 0 };
	struct damon_ctx *ctx = cancel_ctx(test, apply_us, 1);
	struct cancel_self self = { .ctx = ctx };
	struct damon_call_control control = {
		.fn = cancel_self_fn,
		.data = &self,
	};

	KUNIT_ASSERT_EQ(test, damon_call(ctx, &control), 0);
	KUNIT_EXPECT_EQ(test, self.call_ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, self.walk_ret, -EDEADLK);
	/* and the kdamond goes on serving */
	KUNIT_EXPECT_EQ(test, damon_call(ctx, &control), 0);
	KUNIT_EXPECT_TRUE(test, damon_is_running(ctx));
}

static struct kunit_case cancel_test_cases[] = {
	KUNIT_CASE(cancel_test_call_withdrawn),
	KUNIT_CASE(cancel_test_call_taken),
	KUNIT_CASE(cancel_test_walk_withdrawn),
	KUNIT_CASE(cancel_test_walk_withdrawn_midway),
	KUNIT_CASE(cancel_test_walk_withdrawn_in_visit),
	KUNIT_CASE(cancel_test_self),
	{},
};

static struct kunit_suite cancel_test_suite = {
	.name = "damon-cancel",
	.test_cases = cancel_test_cases,
};

kunit_test_suite(cancel_test_suite);

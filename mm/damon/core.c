// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON core: monitoring contexts, their targets, and the kdamond threads
 * that run them.
 *
 * Locking:
 *  - damon_lock serialises damon_start() calls.  damon_running_lock, a
 *    spinlock so that an ending kdamond never waits for a starter, guards
 *    the count of running kdamonds and the exclusive flag.
 *  - ctx->kdamond_lock guards ctx->kdamond and serialises starting and
 *    stopping it.  It is held across kthread_stop(), so the kdamond itself
 *    never takes it.  The kdamond thread is reaped (kthread_stop() and the
 *    task reference dropped) by damon_stop(), by the next damon_start() or
 *    by damon_destroy_ctx(), never by itself: until then the context must
 *    stay allocated, as the exiting thread may still be using it.
 *  - ctx->call_controls_lock guards the queue of damon_call() requests and
 *    whether the kdamond still accepts them; ctx->walk_control_lock does
 *    the same for the damos_walk() request (see apply.c).  The kdamond
 *    takes the whole queue at once under the lock: a caller interrupted by
 *    a signal withdraws its request if it is still queued, and otherwise
 *    waits for it, which takes one run of the queued functions at most.
 *  - Everything else in a running context belongs to its kdamond.  Other
 *    threads change it only through damon_call(), whose functions run in
 *    the kdamond between two samples.
 */

#define pr_fmt(fmt) "damon: " fmt

#include <linux/damon.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/idr.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/pid.h>
#include <linux/prandom.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "blocks.h"
#include "core.h"
#include "damos.h"
#include "fault.h"
#include "regions.h"

#define CREATE_TRACE_POINTS
#include <trace/events/damon.h>

static DEFINE_MUTEX(damon_lock);
static DEFINE_SPINLOCK(damon_running_lock);
static unsigned int nr_running_ctxs;		/* by damon_running_lock */
static bool running_exclusive_ctxs;		/* by damon_running_lock */
static DEFINE_IDA(damon_kdamond_ida);

static bool damon_kdamond_alive(struct damon_ctx *ctx);
static bool damon_reap_kdamond(struct damon_ctx *ctx);

/* ==================== Targets ==================== */

/**
 * damon_new_target() - Allocate a target without regions.
 *
 * Return: the target, or NULL when out of memory.
 */
struct damon_target *damon_new_target(void)
{
	struct damon_target *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (t) {
		INIT_LIST_HEAD(&t->list);
		INIT_LIST_HEAD(&t->regions_list);
	}
	return t;
}

/**
 * damon_destroy_target() - Remove a target from its context and free it.
 * @t:		The target.
 * @ctx:	The context holding @t, or NULL if @t was never added to one.
 *
 * Frees the regions of @t and drops its pid reference.
 */
void damon_destroy_target(struct damon_target *t, struct damon_ctx *ctx)
{
	if (ctx)
		damon_assert_ctx_owned(ctx);
	damon_destroy_regions(t);
	if (ctx)
		list_del(&t->list);
	put_pid(t->pid);
	kfree(t);
}

/* ==================== Contexts and attributes ==================== */

/**
 * damon_new_ctx() - Allocate a context with the default attributes.
 *
 * The defaults sample every 5 ms, aggregate every 100 ms, refresh the
 * operation set's view every 60 s and keep 10 to 1000 regions.  Accesses
 * are sampled with the page_table primitive, and all count (no sample
 * filters).
 *
 * Return: the context, or NULL when out of memory.
 */
struct damon_ctx *damon_new_ctx(void)
{
	struct damon_ctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return NULL;

	ctx->attrs.sample_interval = 5 * USEC_PER_MSEC;
	ctx->attrs.aggr_interval = 100 * USEC_PER_MSEC;
	ctx->attrs.ops_update_interval = 60 * USEC_PER_SEC;
	ctx->attrs.min_nr_regions = 10;
	ctx->attrs.max_nr_regions = 1000;
	ctx->base_aggr_samples = 20;
	ctx->min_sz_region = DAMON_MIN_REGION;
	ctx->addr_unit = 1;

	INIT_LIST_HEAD(&ctx->adaptive_targets);
	INIT_LIST_HEAD(&ctx->schemes);
	INIT_LIST_HEAD(&ctx->probes);
	ctx->sample.primitives.page_table = true;
	INIT_LIST_HEAD(&ctx->sample.filters);
	mutex_init(&ctx->walk_control_lock);
	mutex_init(&ctx->kdamond_lock);
	mutex_init(&ctx->call_controls_lock);
	INIT_LIST_HEAD(&ctx->call_controls);
	xa_init(&ctx->taken_blocks);
	return ctx;
}

/**
 * damon_destroy_ctx() - Free a context, its targets, schemes, probes and
 * sample filters.
 * @ctx:	The context.  Its kdamond must have been stopped, or have
 *		finished on its own.
 *
 * The kdamond gave back the memory blocks its DAMOS_ALLOC schemes took
 * when it ended; any left are given back here, with a warning.
 */
void damon_destroy_ctx(struct damon_ctx *ctx)
{
	struct damon_target *t, *next;
	struct damos *s, *next_s;

	mutex_lock(&ctx->kdamond_lock);
	if (WARN_ON_ONCE(damon_kdamond_alive(ctx))) {
		mutex_unlock(&ctx->kdamond_lock);
		return;
	}
	WARN_ON_ONCE(damon_reap_kdamond(ctx));
	mutex_unlock(&ctx->kdamond_lock);

	damon_for_each_target_safe(t, next, ctx)
		damon_destroy_target(t, ctx);
	damon_for_each_scheme_safe(s, next_s, ctx)
		damon_destroy_scheme(s);
	damon_destroy_probes(&ctx->probes);
	damon_destroy_sample_filters(&ctx->sample.filters);
	damon_blocks_destroy(ctx);
	mutex_destroy(&ctx->kdamond_lock);
	mutex_destroy(&ctx->walk_control_lock);
	mutex_destroy(&ctx->call_controls_lock);
	kfree(ctx);
}

/**
 * damon_assert_ctx_owned() - Check that the caller may change a context.
 * @ctx:	The context.
 *
 * A context belongs to its kdamond while it runs, and to whoever holds it
 * otherwise: others change a running context only through damon_call().
 * Warns once if the caller is neither.  The check reads the kdamond state
 * without its lock, so it can miss a violation, but never reports a
 * caller that follows the rule.
 */
void damon_assert_ctx_owned(struct damon_ctx *ctx)
{
	struct task_struct *kdamond = READ_ONCE(ctx->kdamond);
	/* pairs with kdamond_finish(): a finished kdamond owns nothing */
	bool finished = smp_load_acquire(&ctx->kdamond_finished);

	WARN_ON_ONCE(kdamond && kdamond != current && !finished);
}

/*
 * Intervals of 0 are valid: where they divide or sleep, they count as
 * 1 us.  An aggregation shorter than a sample is not.
 */
static int damon_validate_attrs(const struct damon_attrs *attrs)
{
	const struct damon_intervals_goal *goal = &attrs->intervals_goal;

	if (attrs->aggr_interval < attrs->sample_interval)
		return -EINVAL;
	if (attrs->min_nr_regions < 3 ||
	    attrs->max_nr_regions < attrs->min_nr_regions)
		return -EINVAL;
	if (goal->access_bp) {
		if (goal->access_bp > DAMON_BP_UNIT || !goal->aggrs ||
		    !goal->min_sample_us ||
		    goal->min_sample_us > goal->max_sample_us)
			return -EINVAL;
	}
	return 0;
}

static bool damon_same_timing(const struct damon_attrs *a,
			      const struct damon_attrs *b)
{
	return a->sample_interval == b->sample_interval &&
		a->aggr_interval == b->aggr_interval &&
		a->ops_update_interval == b->ops_update_interval &&
		a->intervals_goal.aggrs == b->intervals_goal.aggrs;
}

/* Start a new intervals tuning period from the current sample on. */
static void damon_schedule_intervals_tune(struct damon_ctx *ctx)
{
	ctx->next_intervals_tune_sis = ctx->passed_sample_intervals +
		damon_nr_samples(ctx, ctx->attrs.aggr_interval) *
		max(ctx->attrs.intervals_goal.aggrs, 1UL);
	ctx->nr_access_events = 0;
	ctx->nr_access_chances = 0;
}

/* Schedule the periodic work of the kdamond from the current sample on. */
static void damon_schedule_periodic_work(struct damon_ctx *ctx)
{
	unsigned long now = ctx->passed_sample_intervals;

	ctx->next_aggregation_sis = now +
		damon_nr_samples(ctx, ctx->attrs.aggr_interval);
	ctx->next_ops_update_sis = now +
		damon_nr_samples(ctx, ctx->attrs.ops_update_interval);
	damon_schedule_intervals_tune(ctx);
	damos_reschedule(ctx);
}

/**
 * damon_set_attrs() - Set the monitoring attributes of a context.
 * @ctx:	The context.
 * @attrs:	The new attributes.
 *
 * When the intervals change, the access counts and ages of existing regions
 * are rescaled so that they keep meaning the same frequency and time, the
 * aggregation interval in progress keeps the share of it that passed, and
 * the rest of the periodic work is rescheduled from the current sample on
 * (see damon_rescale_counters(): no count exceeds aggr / sample of the new
 * intervals); otherwise the running aggregation interval goes on
 * undisturbed.  Call it before
 * starting @ctx, or from its kdamond (damon_call()).
 *
 * Any interval may be 0; it then counts as 1 us.  The aggregation interval
 * may not be shorter than the sampling interval.
 *
 * Return: 0 on success, -EINVAL for invalid attributes (nothing changes).
 */
int damon_set_attrs(struct damon_ctx *ctx, const struct damon_attrs *attrs)
{
	unsigned long next_aggregation_sis = 0;
	bool reschedule = false;
	int err;

	damon_assert_ctx_owned(ctx);
	err = damon_validate_attrs(attrs);
	if (err)
		return err;

	if (!damon_same_timing(&ctx->attrs, attrs)) {
		/* the counters and the window in progress, see regions.c */
		damon_rescale_counters(ctx, attrs);
		next_aggregation_sis = ctx->next_aggregation_sis;
		reschedule = true;
	}
	ctx->attrs = *attrs;
	ctx->base_aggr_samples = damon_window_samples(attrs);
	if (!reschedule)
		return 0;
	damon_schedule_periodic_work(ctx);
	/* but the window in progress ends where it was rescaled to */
	ctx->next_aggregation_sis = next_aggregation_sis;
	return 0;
}

/*
 * The regions of a target that is to start, or to be committed, are its
 * initial ranges: they must be sorted, apart and not empty, or a commit
 * would fail half-way through the targets.
 */
static int damon_validate_ranges(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;
	unsigned long prev_end;

	damon_for_each_target(t, ctx) {
		prev_end = 0;
		damon_for_each_region(r, t) {
			if (r->ar.start >= r->ar.end || r->ar.start < prev_end)
				return -EINVAL;
			prev_end = r->ar.end;
		}
	}
	return 0;
}

/**
 * damon_validate_ctx() - Check the parameters of a context.
 * @ctx:	The context: one about to start, or the source of a commit.
 *
 * The one validation behind damon_start() and damon_commit_ctx(), so that
 * a context that can be committed can be started, and the other way
 * round.  Changes nothing.
 *
 * Return: 0 if @ctx can run; -EINVAL if it has no operation set, a
 * min_sz_region that is not a power of two, an addr_unit of 0, invalid
 * attributes, target regions that are empty, unsorted or overlapping,
 * schemes damos_check_schemes() refuses, an invalid sample control
 * (damon_check_sample()) or invalid probes (damon_check_probes()).
 */
int damon_validate_ctx(struct damon_ctx *ctx)
{
	int err;

	if (!ctx->ops)
		return -EINVAL;
	if (!is_power_of_2(ctx->min_sz_region) || !ctx->addr_unit)
		return -EINVAL;
	err = damon_validate_attrs(&ctx->attrs);
	if (!err)
		err = damon_validate_ranges(ctx);
	if (err)
		return err;
	if (damos_check_schemes(ctx, ctx->ops))
		return -EINVAL;
	err = damon_check_sample(ctx);
	if (err)
		return err;
	return damon_check_probes(ctx, &ctx->attrs);
}

/* ==================== damon_call() ==================== */

/**
 * damon_called_by_kdamond() - Refuse a request a kdamond makes of itself.
 * @ctx:	The context the request is for.
 *
 * damon_call() and damos_walk() wait for the kdamond of @ctx; made by that
 * kdamond, they would wait for themselves forever.  Warns once, naming the
 * refused function, when they are.  A kdamond changes its own context
 * directly instead.  Not a WARN: the error is the caller's to handle, and
 * a machine with panic_on_warn should not go down for it.
 *
 * Return: true when the caller is the kdamond of @ctx.
 */
bool damon_called_by_kdamond(struct damon_ctx *ctx)
{
	if (READ_ONCE(ctx->kdamond) != current)
		return false;
	pr_warn_once("%ps called by %s, the kdamond it would wait for: refused\n",
		     __builtin_return_address(0), current->comm);
	return true;
}

/*
 * Take @control off the queue of @ctx, unless the kdamond took it already:
 * it takes the whole queue at once, under the lock, see kdamond_call().
 * Return whether @control was withdrawn, and so will never run.
 */
static bool damon_call_withdraw(struct damon_ctx *ctx,
				struct damon_call_control *control)
{
	struct damon_call_control *queued;
	bool withdrawn = false;

	mutex_lock(&ctx->call_controls_lock);
	list_for_each_entry(queued, &ctx->call_controls, list) {
		if (queued == control) {
			list_del(&control->list);
			withdrawn = true;
			break;
		}
	}
	mutex_unlock(&ctx->call_controls_lock);
	return withdrawn;
}

/**
 * damon_call() - Run a function in the kdamond of a context.
 * @ctx:	The context.
 * @control:	The function, its argument and options.
 *
 * The kdamond runs @control->fn between two samples, where it may read and
 * change the context freely.  A one-shot call waits until the function ran
 * or the kdamond stopped without running it; a repeated call returns at
 * once and the function runs once per sampling interval until the kdamond
 * stops, which sets @control->canceled.
 *
 * The wait of a one-shot call is interruptible.  A signal that comes
 * before the kdamond took the call withdraws it: @control->fn never runs
 * and the kdamond never touches @control again.  Once the kdamond took
 * it, the call is waited for uninterruptibly, as it takes one run of
 * @control->fn at most (and of the functions queued before it), and
 * returns as if no signal came.
 *
 * Context: process context, may sleep.  Not from the kdamond of @ctx, and
 * not holding a lock that @control->fn takes.
 * Return: 0 on success, -EINVAL if the kdamond is not running, -ECANCELED
 * if it stopped before running a one-shot call, -ERESTARTSYS if a signal
 * withdrew the call (nothing ran; a system call can be restarted), and
 * -EDEADLK, with a warning, when called from the kdamond of @ctx.
 */
int damon_call(struct damon_ctx *ctx, struct damon_call_control *control)
{
	if (damon_called_by_kdamond(ctx))
		return -EDEADLK;
	init_completion(&control->completion);
	control->canceled = false;
	control->return_code = 0;

	mutex_lock(&ctx->call_controls_lock);
	if (!ctx->accepting_calls) {
		mutex_unlock(&ctx->call_controls_lock);
		return -EINVAL;
	}
	list_add_tail(&control->list, &ctx->call_controls);
	damon_kdamond_kick(ctx);
	mutex_unlock(&ctx->call_controls_lock);

	if (control->repeat)
		return 0;
	if (wait_for_completion_interruptible(&control->completion)) {
		if (damon_call_withdraw(ctx, control))
			return -ERESTARTSYS;
		/* taken: it runs, or is canceled, without delay */
		wait_for_completion(&control->completion);
	}
	return control->canceled ? -ECANCELED : 0;
}

/*
 * Run the queued calls, or cancel them all when @cancel (the kdamond is
 * stopping; no new call is accepted afterwards).  The functions run
 * without the queue lock so that they may take any lock a caller of
 * damon_call() could hold while waiting.
 */
static void kdamond_call(struct damon_ctx *ctx, bool cancel)
{
	struct damon_call_control *control, *next;
	LIST_HEAD(calls);
	LIST_HEAD(repeats);

	mutex_lock(&ctx->call_controls_lock);
	if (cancel)
		ctx->accepting_calls = false;
	list_splice_init(&ctx->call_controls, &calls);
	mutex_unlock(&ctx->call_controls_lock);

	list_for_each_entry_safe(control, next, &calls, list) {
		if (cancel) {
			control->canceled = true;
		} else {
			control->return_code = control->fn(control->data);
			if (control->repeat) {
				list_move_tail(&control->list, &repeats);
				continue;
			}
		}
		list_del(&control->list);
		/* the caller may free @control once completed */
		complete(&control->completion);
	}

	if (list_empty(&repeats))
		return;
	mutex_lock(&ctx->call_controls_lock);
	list_splice(&repeats, &ctx->call_controls);
	mutex_unlock(&ctx->call_controls_lock);
}

/* ==================== The kdamond ==================== */

/*
 * Sleep for @us microseconds, until kthread_stop() or, if @ctx is given,
 * until a request is queued (damon_kdamond_kick()).  The sleep is
 * interruptible so that it neither counts as load nor delays stopping.
 * The state is set before the conditions are read, so that a stop or a
 * kick that comes in between wakes the sleep rather than being missed.
 */
static void kdamond_sleep_on(struct damon_ctx *ctx, unsigned long us)
{
	ktime_t expires = ktime_add_us(ktime_get(), us);
	u64 slack = min_t(u64, us * NSEC_PER_USEC / 20, 10 * NSEC_PER_MSEC);

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		if (ctx && READ_ONCE(ctx->kdamond_kicked))
			break;
		if (!schedule_hrtimeout_range(&expires, slack, HRTIMER_MODE_ABS))
			break;
	}
	__set_current_state(TASK_RUNNING);
}

/*
 * Sleep for @us microseconds, or until kthread_stop().  A sampling
 * interval of 0 does not sleep, but still lets others run.
 */
static void kdamond_sleep(unsigned long us)
{
	if (!us) {
		cond_resched();
		return;
	}
	kdamond_sleep_on(NULL, us);
}

/**
 * damon_kdamond_kick() - Wake the kdamond of a context for a new request.
 * @ctx:	The context.
 *
 * Call right after queueing a damon_call() or damos_walk() request, still
 * holding the lock of that queue and only while the kdamond accepts such
 * requests: the kdamond then cannot have finished, so its task is still
 * referenced.  A kdamond that sleeps because the watermarks deactivated
 * every scheme serves the request at once, not at its next watermark
 * check.  Any other sleep of the kdamond treats the wakeup as spurious.
 */
void damon_kdamond_kick(struct damon_ctx *ctx)
{
	struct task_struct *kdamond = READ_ONCE(ctx->kdamond);

	/* pairs with the barrier of set_current_state() in the sleeper */
	WRITE_ONCE(ctx->kdamond_kicked, true);
	/* not set yet: the kdamond has not run, and sees the request first */
	if (kdamond)
		wake_up_process(kdamond);
}

/*
 * Take the kicks of the requests queued until now: the kdamond is about to
 * look at the queues.  The barrier orders the clearing before those
 * reads, so that a request the kdamond misses there kicks it afterwards.
 */
static void kdamond_take_kicks(struct damon_ctx *ctx)
{
	WRITE_ONCE(ctx->kdamond_kicked, false);
	/* orders the clearing before the reads of the request queues */
	smp_mb();
}

/*
 * The shortest wait of a paused kdamond between two rounds of damon_call()
 * and damos_walk() requests: the default sampling interval.  Requests are
 * only polled for, so a paused kdamond still wakes once per wait; with a
 * sampling interval of 0 (no sleep between samples) it would otherwise
 * spin on cond_resched() for as long as it is paused.  kthread_stop()
 * still ends the wait at once.
 */
#define KDAMOND_PAUSED_MIN_WAIT_US	5000UL

/* Wait for requests while paused; nothing is monitored meanwhile. */
static void kdamond_paused_wait(struct damon_ctx *ctx)
{
	kdamond_sleep(max(ctx->attrs.sample_interval,
			  KDAMOND_PAUSED_MIN_WAIT_US));
}

/* Whether the context has targets and none of them can be monitored. */
static bool kdamond_targets_gone(struct damon_ctx *ctx)
{
	struct damon_target *t;

	if (!ctx->ops->target_alive || damon_targets_empty(ctx))
		return false;
	damon_for_each_target(t, ctx) {
		if (ctx->ops->target_alive(t))
			return false;
	}
	return true;
}

static void kdamond_reset_regions(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			r->nr_accesses = 0;
			r->last_nr_accesses = 0;
			r->age = 0;
			memset(r->probe_hits, 0, sizeof(r->probe_hits));
			memset(r->last_probe_hits, 0,
			       sizeof(r->last_probe_hits));
		}
	}
}

/*
 * The kdamond's view of the watermarks.  While every scheme is inactive
 * it sleeps instead of sampling, and counts the time asleep in samples of
 * @sample_us, from @since and @since_sis, so that the watermark checks,
 * which are scheduled in samples, come on time however often requests
 * wake it.
 */
struct kdamond_wmarks_sleep {
	bool asleep;
	ktime_t since;
	unsigned long since_sis;
	unsigned long sample_us;
};

/* Count the time asleep from now on, in the current sampling interval. */
static void kdamond_anchor_sleep(struct damon_ctx *ctx,
				 struct kdamond_wmarks_sleep *sleep)
{
	sleep->since = ktime_get();
	sleep->since_sis = ctx->passed_sample_intervals;
	sleep->sample_us = max(ctx->attrs.sample_interval, 1UL);
}

/* Advance the sample count of @ctx by the time asleep. */
static void kdamond_count_sleep(struct damon_ctx *ctx,
				struct kdamond_wmarks_sleep *sleep)
{
	u64 us = ktime_us_delta(ktime_get(), sleep->since);

	ctx->passed_sample_intervals = sleep->since_sis +
		div64_ul(us, sleep->sample_us);
	/* a damon_call() changed the sampling interval: count anew */
	if (sleep->sample_us != max(ctx->attrs.sample_interval, 1UL))
		kdamond_anchor_sleep(ctx, sleep);
}

/*
 * Monitoring resumes after a watermark sleep.  What the regions counted
 * before it is stale, and no action may act on it: every counter
 * restarts, and so do the aggregation, the intervals tuning and the
 * scheme windows.  The regions are refitted at the first aggregation, as
 * the monitored memory may have changed meanwhile.
 */
static void kdamond_resume(struct damon_ctx *ctx)
{
	kdamond_reset_regions(ctx);
	damon_schedule_periodic_work(ctx);
	ctx->next_ops_update_sis = ctx->passed_sample_intervals;
}

/*
 * Whether the kdamond is to sleep instead of sampling, because every
 * scheme is inactive by its watermarks.  It then sleeps until the
 * earliest next watermark check, kthread_stop() or a new request; the
 * caller serves the requests and asks again.
 */
static bool kdamond_wmarks_wait(struct damon_ctx *ctx,
				struct kdamond_wmarks_sleep *sleep)
{
	unsigned long us = damos_wmarks_sleep_us(ctx);

	if (!us) {
		if (sleep->asleep)
			kdamond_resume(ctx);
		sleep->asleep = false;
		return false;
	}
	if (!sleep->asleep) {
		sleep->asleep = true;
		kdamond_anchor_sleep(ctx, sleep);
	}
	kdamond_sleep_on(ctx, us);
	kdamond_count_sleep(ctx, sleep);
	return true;
}

static void kdamond_setup(struct damon_ctx *ctx)
{
	if (ctx->ops->setup_regions)
		ctx->ops->setup_regions(ctx);
	kdamond_reset_regions(ctx);
	/* a restarted context splits as a new one: see regions.c */
	ctx->split_offset = 0;
	ctx->last_split_nr_regions = 0;
	damon_fit_nr_regions(ctx);
	ctx->passed_sample_intervals = 0;
	damon_schedule_periodic_work(ctx);
	damos_kdamond_setup(ctx);
}

/*
 * Report the aggregation interval that ends, before its counters are
 * reset: per region, its access count and, with probes, its probe hits.
 */
static void kdamond_trace_aggregated(struct damon_ctx *ctx)
{
	unsigned int nr_access_events = 0, nr_regions = 0;
	unsigned int nr_probes = damon_nr_probes(ctx);
	unsigned long tidx = 0;
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			trace_damon_aggregated(tidx, t->nr_regions, r);
			if (nr_probes)
				trace_damon_region_aggregated(tidx,
							      t->nr_regions,
							      r, nr_probes);
			nr_access_events += r->nr_accesses;
		}
		nr_regions += t->nr_regions;
		tidx++;
	}
	/* feed the intervals tuning: one chance per region per sample */
	ctx->nr_access_events += nr_access_events;
	ctx->nr_access_chances += nr_regions *
		damon_max_nr_accesses(&ctx->attrs);
}

/*
 * Refit the regions to the targets, if an ops update is due.  Refitting
 * drops regions of ranges that are gone and adds regions for new ones: it
 * runs right before the merge, which brings the number of regions back
 * under max_nr_regions before anything else looks at them.
 */
static void kdamond_refresh_regions(struct damon_ctx *ctx)
{
	unsigned long now = ctx->passed_sample_intervals;

	if (now < ctx->next_ops_update_sis)
		return;
	ctx->next_ops_update_sis = now +
		damon_nr_samples(ctx, ctx->attrs.ops_update_interval);
	if (!ctx->ops->refresh_regions)
		return;
	ctx->ops->refresh_regions(ctx);
	damon_split_to_min_nr_regions(ctx);
}

/*
 * The end of an aggregation interval.  The threshold follows the mode of
 * the context (access counts, or weighted probe hits in attributes-only
 * mode) and is taken once, before anything changes the counts.
 */
static void kdamond_aggregate(struct damon_ctx *ctx)
{
	unsigned long thres = damon_aggregation_threshold(ctx);

	damon_update_ages(ctx, thres);
	kdamond_trace_aggregated(ctx);
	kdamond_refresh_regions(ctx);
	damon_merge_regions(ctx, thres);
	damon_reset_aggregated(ctx);
	damon_split_regions(ctx);
	damon_debug_validate(ctx, DAMON_VALIDATE_RUNNING,
			     "after an aggregation");
	ctx->next_aggregation_sis = ctx->passed_sample_intervals +
		damon_nr_samples(ctx, ctx->attrs.aggr_interval);
}

static void kdamond_tune_intervals(struct damon_ctx *ctx)
{
	struct damon_attrs attrs;
	unsigned long sample_us;

	sample_us = damon_tuned_sample_interval(&ctx->attrs,
						ctx->nr_access_events,
						ctx->nr_access_chances);
	if (sample_us != ctx->attrs.sample_interval) {
		attrs = ctx->attrs;
		damon_apply_sample_interval(&attrs, sample_us,
					    ctx->base_aggr_samples);
		/* the same conversion as a commit: see regions.c */
		damon_rescale_counters(ctx, &attrs);
		ctx->attrs = attrs;
		trace_damon_monitor_intervals_tune(sample_us);
	}
	damon_schedule_intervals_tune(ctx);
}

/*
 * Work due after a sample, in the order it must happen: schemes see the
 * regions of the interval before they are refitted, merged and split, and
 * so always between min_nr_regions and max_nr_regions of them.
 */
static void kdamond_periodic_work(struct damon_ctx *ctx)
{
	unsigned long now = ctx->passed_sample_intervals;

	damos_apply_schemes(ctx);
	if (now >= ctx->next_aggregation_sis)
		kdamond_aggregate(ctx);
	if (ctx->attrs.intervals_goal.access_bp &&
	    now >= ctx->next_intervals_tune_sis)
		kdamond_tune_intervals(ctx);
}

/* Count a kdamond that ended, or that failed to start. */
static void damon_account_kdamond_end(void)
{
	spin_lock(&damon_running_lock);
	if (!--nr_running_ctxs)
		running_exclusive_ctxs = false;
	spin_unlock(&damon_running_lock);
}

/*
 * The last thing a kdamond does.  Once it is marked finished, it touches
 * no lock and no context state any more.
 */
static void kdamond_finish(struct damon_ctx *ctx)
{
	kdamond_call(ctx, true);
	damos_kdamond_walk(ctx, true);
	/* also restores what a sample the stop interrupted armed */
	damon_fault_release(ctx);
	/* the blocks DAMOS_ALLOC took belong to this run */
	damon_blocks_release(ctx);
	ida_free(&damon_kdamond_ida, ctx->kdamond_id);
	damon_account_kdamond_end();
	/* pairs with damon_kdamond_alive(): all of the above is done */
	smp_store_release(&ctx->kdamond_finished, true);
}

/*
 * How one sample goes, decided once per sample: access checks are off in
 * attributes-only mode, and preps need both probes that have them and an
 * operation set that runs them.
 */
struct kdamond_sample_plan {
	bool access_checks;
	bool preps;
	bool probes;
};

static struct kdamond_sample_plan kdamond_plan_sample(struct damon_ctx *ctx)
{
	struct kdamond_sample_plan plan = {
		.access_checks = !damon_attrs_only(ctx),
		.preps = ctx->ops->prep_probes && damon_ctx_has_preps(ctx),
		.probes = ctx->ops->apply_probes && !list_empty(&ctx->probes),
	};

	return plan;
}

/*
 * Without access checks nobody else picks the sampling addresses: choose
 * one per region, a multiple of the region size unit from its start.
 */
static void kdamond_pick_sampling_addrs(struct damon_ctx *ctx)
{
	unsigned long unit = ctx->min_sz_region;
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t)
			r->sampling_addr = damon_pick_sampling_addr(ctx, r,
								    unit);
	}
}

/*
 * Before the sleep: prepare the access checks, then the probes' preps on
 * the same addresses.  Without access checks, the preps get fresh
 * addresses, which the probes check after the sleep.
 */
static void kdamond_start_sample(struct damon_ctx *ctx,
				 const struct kdamond_sample_plan *plan)
{
	/* a commit switched to the page_table primitive: hooks off */
	if (unlikely(ctx->fault_sink) && !damon_samples_faults(ctx))
		damon_fault_release(ctx);
	if (plan->access_checks)
		ctx->ops->start_sample(ctx);
	if (!plan->preps)
		return;
	if (!plan->access_checks)
		kdamond_pick_sampling_addrs(ctx);
	ctx->ops->prep_probes(ctx);
}

/*
 * After the sleep: check accesses, then apply the probes to the pages
 * the access checks (or the preps) looked at.  With neither, the probes
 * look at fresh addresses.
 */
static void kdamond_finish_sample(struct damon_ctx *ctx,
				  const struct kdamond_sample_plan *plan)
{
	if (plan->access_checks)
		ctx->ops->finish_sample(ctx);
	else if (!plan->preps)
		kdamond_pick_sampling_addrs(ctx);
	if (plan->probes)
		ctx->ops->apply_probes(ctx);
}

/* One sampling interval; false if the kdamond is to stop meanwhile. */
static bool kdamond_sample(struct damon_ctx *ctx)
{
	struct kdamond_sample_plan plan = kdamond_plan_sample(ctx);

	kdamond_start_sample(ctx, &plan);
	kdamond_sleep(ctx->attrs.sample_interval);
	if (kthread_should_stop())
		return false;
	kdamond_finish_sample(ctx, &plan);
	return true;
}

static int kdamond_fn(void *data)
{
	struct damon_ctx *ctx = data;
	struct kdamond_wmarks_sleep sleep = {};

	pr_debug("kdamond.%d starts\n", ctx->kdamond_id);
	kdamond_setup(ctx);
	while (!kthread_should_stop()) {
		kdamond_take_kicks(ctx);
		kdamond_call(ctx, false);
		damos_kdamond_walk(ctx, false);
		if (kdamond_targets_gone(ctx))
			break;
		/* paused: serve calls and walks, touch nothing else */
		if (READ_ONCE(ctx->pause)) {
			kdamond_paused_wait(ctx);
			continue;
		}
		if (kdamond_wmarks_wait(ctx, &sleep))
			continue;
		if (!kdamond_sample(ctx))
			break;
		ctx->passed_sample_intervals++;
		kdamond_periodic_work(ctx);
	}
	pr_debug("kdamond.%d finishes\n", ctx->kdamond_id);
	kdamond_finish(ctx);
	return 0;
}

/* ==================== Starting and stopping ==================== */

/*
 * Stop the kdamond of @ctx, if any, and wait until it exited.  Return true
 * if it was stopped before kdamond_fn() could run: the caller must then
 * call damon_account_kdamond_end().
 */
static bool damon_reap_kdamond(struct damon_ctx *ctx)
{
	bool never_ran = false;

	lockdep_assert_held(&ctx->kdamond_lock);

	if (!ctx->kdamond)
		return false;
	/* works whether the kdamond still runs or finished on its own */
	if (kthread_stop(ctx->kdamond) == -EINTR) {
		kdamond_call(ctx, true);
		damos_kdamond_walk(ctx, true);
		ida_free(&damon_kdamond_ida, ctx->kdamond_id);
		never_ran = true;
	}
	put_task_struct(ctx->kdamond);
	WRITE_ONCE(ctx->kdamond, NULL);
	return never_ran;
}

static bool damon_kdamond_alive(struct damon_ctx *ctx)
{
	lockdep_assert_held(&ctx->kdamond_lock);

	/* pairs with kdamond_finish() */
	return ctx->kdamond && !smp_load_acquire(&ctx->kdamond_finished);
}

static int damon_start_one(struct damon_ctx *ctx)
{
	struct task_struct *kdamond;
	int id, err = 0;

	mutex_lock(&ctx->kdamond_lock);
	/* a running context belongs to its kdamond: not even validate it */
	if (damon_kdamond_alive(ctx)) {
		err = -EBUSY;
		goto unlock;
	}
	err = damon_validate_ctx(ctx);
	if (err)
		goto unlock;
	/* a finished kdamond has run: nothing left to account */
	WARN_ON_ONCE(damon_reap_kdamond(ctx));

	id = ida_alloc(&damon_kdamond_ida, GFP_KERNEL);
	if (id < 0) {
		err = id;
		goto unlock;
	}
	ctx->kdamond_id = id;
	ctx->kdamond_finished = false;
	ctx->accepting_calls = true;
	damos_open_walks(ctx);
	kdamond = kthread_create(kdamond_fn, ctx, "kdamond.%d", id);
	if (IS_ERR(kdamond)) {
		err = PTR_ERR(kdamond);
		goto free_id;
	}
	/* read by damon_kdamond_kick() */
	WRITE_ONCE(ctx->kdamond, get_task_struct(kdamond));
	wake_up_process(kdamond);
	mutex_unlock(&ctx->kdamond_lock);
	return 0;

free_id:
	ctx->accepting_calls = false;
	damos_kdamond_walk(ctx, true);
	ida_free(&damon_kdamond_ida, id);
unlock:
	mutex_unlock(&ctx->kdamond_lock);
	return err;
}

/**
 * damon_start() - Start a kdamond for each of the given contexts.
 * @ctxs:	The contexts.
 * @nr_ctxs:	Number of @ctxs.
 * @exclusive:	Refuse to start while any other context runs, and keep
 *		others from starting while these run.
 *
 * Each context gets its own thread, named "kdamond.N".  If one of them
 * fails to start, those already started are stopped again.
 *
 * Return: 0 on success, -EBUSY if a context is running already or the
 * exclusivity is violated, -EINVAL for a context that damon_validate_ctx()
 * refuses, another negative errno if a thread could not be created.
 */
int damon_start(struct damon_ctx **ctxs, int nr_ctxs, bool exclusive)
{
	int i, err = 0;

	mutex_lock(&damon_lock);
	spin_lock(&damon_running_lock);
	if (running_exclusive_ctxs || (exclusive && nr_running_ctxs)) {
		spin_unlock(&damon_running_lock);
		mutex_unlock(&damon_lock);
		return -EBUSY;
	}
	if (exclusive && nr_ctxs)
		running_exclusive_ctxs = true;
	spin_unlock(&damon_running_lock);

	for (i = 0; i < nr_ctxs; i++) {
		/* counted first: the kdamond may end before we go on */
		spin_lock(&damon_running_lock);
		nr_running_ctxs++;
		spin_unlock(&damon_running_lock);
		err = damon_start_one(ctxs[i]);
		if (err) {
			damon_account_kdamond_end();
			break;
		}
	}
	mutex_unlock(&damon_lock);

	if (err)
		damon_stop(ctxs, i);
	return err;
}

static int damon_stop_one(struct damon_ctx *ctx)
{
	bool never_ran;

	mutex_lock(&ctx->kdamond_lock);
	if (!ctx->kdamond) {
		mutex_unlock(&ctx->kdamond_lock);
		return -EPERM;
	}
	never_ran = damon_reap_kdamond(ctx);
	mutex_unlock(&ctx->kdamond_lock);

	if (never_ran)
		damon_account_kdamond_end();
	return 0;
}

/**
 * damon_stop() - Stop the kdamonds of the given contexts.
 * @ctxs:	The contexts.
 * @nr_ctxs:	Number of @ctxs.
 *
 * Waits until every kdamond has finished.  Pending damon_call() requests
 * are canceled.
 *
 * A kdamond that finished on its own (its targets are gone) counts as
 * running here: stopping it reaps the thread.
 *
 * Return: 0 on success, -EPERM if a context had no kdamond (the others are
 * stopped all the same).
 */
int damon_stop(struct damon_ctx **ctxs, int nr_ctxs)
{
	int i, err = 0;

	for (i = 0; i < nr_ctxs; i++) {
		int ret = damon_stop_one(ctxs[i]);

		if (ret && !err)
			err = ret;
	}
	return err;
}

/**
 * damon_is_running() - Whether the kdamond of a context runs.
 * @ctx:	The context.
 *
 * Return: true if the kdamond of @ctx runs.
 */
bool damon_is_running(struct damon_ctx *ctx)
{
	bool running;

	mutex_lock(&ctx->kdamond_lock);
	running = damon_kdamond_alive(ctx);
	mutex_unlock(&ctx->kdamond_lock);
	return running;
}

/**
 * damon_kdamond_pid() - Process id of the kdamond of a context.
 * @ctx:	The context.
 *
 * Return: the pid of the kdamond of @ctx, or -1 if it is not running.
 */
int damon_kdamond_pid(struct damon_ctx *ctx)
{
	int pid = -1;

	mutex_lock(&ctx->kdamond_lock);
	if (damon_kdamond_alive(ctx))
		pid = ctx->kdamond->pid;
	mutex_unlock(&ctx->kdamond_lock);
	return pid;
}

/* ==================== Sampling randomness ==================== */

static DEFINE_PER_CPU(struct rnd_state, damon_rnd_state);

/**
 * damon_rand_u32() - A pseudo-random 32-bit number for sampling.
 *
 * From a per-CPU Tausworthe generator (prandom_u32_state()) that
 * get_random_bytes() seeds at boot: evenly spread and cheap, for sampling
 * addresses and split points, never for anything to keep secret.
 *
 * Context: any; disables preemption for the draw.
 * Return: the number.
 */
u32 damon_rand_u32(void)
{
	struct rnd_state *state = get_cpu_ptr(&damon_rnd_state);
	u32 x = prandom_u32_state(state);

	put_cpu_ptr(&damon_rnd_state);
	return x;
}

static int __init damon_init(void)
{
	damon_regions_init();
	prandom_seed_full_state(&damon_rnd_state);
	return 0;
}
subsys_initcall(damon_init);

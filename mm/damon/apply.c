// SPDX-License-Identifier: GPL-2.0
/*
 * DAMOS engine: applying the schemes of a context, in its kdamond.
 *
 * After every sample the kdamond calls damos_apply_schemes().  A scheme is
 * due every apply_interval_us (the aggregation interval when 0), counted
 * in samples.  A due scheme that is active (watermarks) and has not taken
 * all the snapshots it may take makes one pass over the regions of all
 * targets.  For each region:
 *
 *   access pattern -> core filters -> quota -> the operation set's
 *   apply_scheme() -> statistics -> damos_walk() visitor, if any.
 *
 * The core filters and the ops filters are one chain, core first: a region
 * a core filter allows is passed to apply_scheme() whole, with the ops
 * filters off (see damos_ops_filters_needed()); one that no core filter
 * decides goes on to the ops filters, if there are any.
 *
 * The access frequency a pattern is matched against, and ranked by, is
 * the pseudo moving sum damon_nr_accesses_mvsum(), so that it means the
 * same in the middle of an aggregation interval as at its end: schemes
 * whose apply interval is not aligned to aggregations see full-window
 * counts.
 *
 * Quotas: a quota period lasts reset_interval ms.  When it starts, the
 * goals are measured and tuned, and the effective size (esz) computed.
 * Within a period the bytes the action was tried on and the time it took
 * are charged (bytes the action failed on at the user's fail charge
 * ratio, see damos_fail_charge()); once either limit is reached, or less
 * than a minimum region is left, the scheme stops until the next period.
 * If the candidates of a pass exceed what is left, only regions whose
 * score reaches a threshold are taken (see quota.c), and the last one is
 * cut to fit.  Where a pass stopped is kept as an address,
 * which survives splits and merges; the next pass starts there and wraps
 * around, so that every region gets its turn.
 *
 * Locking: schemes belong to the kdamond, like the rest of a running
 * context.  Only the pending damos_walk() request is shared with other
 * threads, under ctx->walk_control_lock: ctx->walk_control (the caller's
 * control, on its stack), walk_started, walk_visiting and walk_withdrawn.
 * The kdamond hands a started walk to the schemes as a token in
 * &damos->walk_control, which only the kdamond reads and which it checks
 * against ctx->walk_control under the lock before each visit and when a
 * pass ends (damos_walk_owed()); it dereferences the control only while
 * ctx->walk_control still names it.  A caller withdrawing its walk on a
 * signal clears ctx->walk_control under the lock, which makes every token
 * stale at once; if the visitor runs at that moment (walk_visiting, set
 * and cleared by the kdamond under the lock around the call), the caller
 * sets walk_withdrawn instead and the kdamond releases the walk as soon as
 * the visitor returns.  Either way the control is completed, under the
 * lock, before the caller returns, and the kdamond never touches it again.
 */

#include <linux/damon.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "core.h"
#include "damos.h"
#include "quota.h"
#include "regions.h"

#include <trace/events/damon.h>

/*
 * Index of the context in its kdamond, for the tracepoints.  A kdamond
 * runs one context.
 */
#define DAMOS_CTX_IDX	0

/* Actions meant for rarely accessed memory: colder regions rank better. */
static const bool damos_action_prefers_cold[NR_DAMOS_ACTIONS] = {
	[DAMOS_COLD]		= true,
	[DAMOS_PAGEOUT]		= true,
	[DAMOS_NOHUGEPAGE]	= true,
	[DAMOS_LRU_DEPRIO]	= true,
	[DAMOS_MIGRATE_COLD]	= true,
};

/* ==================== Scheduling ==================== */

static unsigned long damos_apply_samples(const struct damon_ctx *ctx,
					 const struct damos *s)
{
	return damon_nr_samples(ctx, s->apply_interval_us ?:
				ctx->attrs.aggr_interval);
}

/**
 * damos_reschedule_scheme() - Schedule a scheme from the current sample on.
 * @ctx:	The context of @s.
 * @s:		The scheme.
 *
 * Its next application is one apply interval of @s from now.
 *
 * Context: the owner of @ctx (its kdamond, or anyone while it does not
 * run).
 */
void damos_reschedule_scheme(struct damon_ctx *ctx, struct damos *s)
{
	s->next_apply_sis = ctx->passed_sample_intervals +
		damos_apply_samples(ctx, s);
}

/**
 * damos_reschedule() - Schedule the schemes from the current sample on.
 * @ctx:	The context.
 *
 * Called when the intervals changed, so that no scheme waits for a
 * number of samples computed with the old sampling interval.
 */
void damos_reschedule(struct damon_ctx *ctx)
{
	struct damos *s;

	damon_for_each_scheme(s, ctx)
		damos_reschedule_scheme(ctx, s);
}

/**
 * damos_kdamond_setup() - Reset what a previous run left in the schemes.
 * @ctx:	The context, whose kdamond is starting.
 *
 * Quota periods and watermark checks restart, statistics are kept.
 */
void damos_kdamond_setup(struct damon_ctx *ctx)
{
	struct damos *s;

	damon_for_each_scheme(s, ctx) {
		s->wmarks.next_check_sis = 0;
		s->quota.period_started = false;
		s->quota.charge_target_from = NULL;
		s->walk_control = NULL;
	}
	damos_reschedule(ctx);
}

/* Whether @s is to be applied at all: active, and snapshots left. */
static bool damos_runnable(const struct damos *s)
{
	if (s->max_nr_snapshots && s->stat.nr_snapshots >= s->max_nr_snapshots)
		return false;
	return s->wmarks.activated;
}

/* ==================== Watermarks ==================== */

static void damos_update_wmarks(struct damon_ctx *ctx, struct damos *s)
{
	struct damos_watermarks *wm = &s->wmarks;
	unsigned long now = ctx->passed_sample_intervals;

	if (wm->metric == DAMOS_WMARK_NONE) {
		wm->activated = true;
		return;
	}
	if (now < wm->next_check_sis)
		return;
	wm->next_check_sis = now + damon_nr_samples(ctx, wm->interval);
	wm->activated = damos_wmark_activated(wm, damos_free_mem_rate());
	if (!wm->activated)
		damos_walk_scheme_done(ctx, s);
}

/*
 * Microseconds until the next check of the watermarks of @s, at most its
 * interval: a change of the sampling interval may have made the check
 * look farther away, in samples, than it is.
 */
static unsigned long damos_wmark_wait_us(const struct damon_ctx *ctx,
					 const struct damos *s)
{
	unsigned long left = s->wmarks.next_check_sis -
		ctx->passed_sample_intervals;
	unsigned long us;

	if (check_mul_overflow(left, max(ctx->attrs.sample_interval, 1UL),
			       &us))
		us = ULONG_MAX;
	return clamp(us, 1UL, max(s->wmarks.interval, 1UL));
}

/**
 * damos_wmarks_sleep_us() - How long the watermarks let a kdamond sleep.
 * @ctx:	The context.  Called by its kdamond between two samples.
 *
 * Checks the watermarks of the schemes that are due for a check.  While
 * every scheme is inactive, no result of monitoring is used (a walk
 * completes at once, see damos_kdamond_walk()) until one of them is
 * checked again, so the kdamond need not sample until then.  A context
 * without schemes monitors for its users, and always samples.
 *
 * Return: 0 if @ctx has no scheme or one that is active by its
 * watermarks; otherwise the microseconds until the earliest next
 * watermark check of its schemes, at least 1.
 */
unsigned long damos_wmarks_sleep_us(struct damon_ctx *ctx)
{
	unsigned long us = ULONG_MAX;
	struct damos *s;

	if (list_empty(&ctx->schemes))
		return 0;
	damon_for_each_scheme(s, ctx) {
		damos_update_wmarks(ctx, s);
		if (s->wmarks.activated)
			return 0;
		us = min(us, damos_wmark_wait_us(ctx, s));
	}
	return us;
}

/* ==================== Region selection ==================== */

/*
 * The range of an addr filter, its ends rounded down to the region
 * alignment, so that regions can be cut there and then lie wholly inside
 * or outside it.
 */
static struct damon_addr_range damos_filter_range(const struct damon_ctx *ctx,
						  const struct damos_filter *f)
{
	return (struct damon_addr_range){
		.start = ALIGN_DOWN(f->addr_range.start, ctx->min_sz_region),
		.end = ALIGN_DOWN(f->addr_range.end, ctx->min_sz_region),
	};
}

/* Cut @r at @addr if it lies strictly inside; @r keeps the left part. */
static void damos_cut_region(struct damon_target *t, struct damon_region *r,
			     unsigned long addr)
{
	if (addr > r->ar.start && addr < r->ar.end)
		damon_split_region_at(t, r, addr - r->ar.start);
}

/*
 * Cut @r at the boundaries of the addr filters of @s, so that each filter
 * either covers all of @r or none of it.  The parts right of the cuts are
 * new regions that the pass visits next.  If memory is short, @r stays
 * whole and is judged by where it starts.
 */
static void damos_cut_at_filters(struct damon_ctx *ctx, struct damos *s,
				 struct damon_target *t,
				 struct damon_region *r)
{
	struct damon_addr_range range;
	struct damos_filter *f;

	damos_for_each_core_filter(f, s) {
		if (f->type != DAMOS_FILTER_TYPE_ADDR)
			continue;
		range = damos_filter_range(ctx, f);
		damos_cut_region(t, r, range.start);
		damos_cut_region(t, r, range.end);
	}
}

/* Whether filter @f applies to region @r of the target of index @tidx. */
static bool damos_filter_applies(const struct damon_ctx *ctx,
				 const struct damos_filter *f,
				 unsigned long tidx,
				 const struct damon_region *r)
{
	struct damon_addr_range range;
	unsigned long wsum;
	bool has;

	switch (f->type) {
	case DAMOS_FILTER_TYPE_ADDR:
		range = damos_filter_range(ctx, f);
		has = r->ar.start >= range.start && r->ar.start < range.end;
		break;
	case DAMOS_FILTER_TYPE_TARGET:
		has = f->target_idx >= 0 && f->target_idx == tidx;
		break;
	case DAMOS_FILTER_TYPE_PROBE_HITS_WSUM:
		/* moving sums: full-window counts at any time of the window */
		wsum = damon_probe_hits_wsum(ctx, r, true);
		has = wsum >= f->wsum_range.min && wsum <= f->wsum_range.max;
		break;
	default:
		/* ops filter types are not evaluated here */
		return false;
	}
	return has == f->matching;
}

/* The verdict of a filter, or of a default, that allows when @allow. */
static enum damos_filter_verdict damos_verdict_of(bool allow)
{
	return allow ? DAMOS_FILTER_ALLOW : DAMOS_FILTER_REJECT;
}

/**
 * damos_core_filters_verdict() - Evaluate the core filters of a scheme.
 * @ctx:	The context.
 * @s:		The scheme.
 * @t:		The target holding @r.
 * @tidx:	The index of @t in @ctx.
 * @r:		The region.  Cut at addr filter boundaries first, see
 *		damos_cut_at_filters(); @r keeps the leftmost part.
 *
 * The core filters and the ops filters of @s form one chain, the core
 * filters first.  The first core filter that applies to @r decides.  If
 * none does, the decision is left to the ops filters, if @s has any, so
 * that they see what the core stage did not judge; otherwise the default
 * of the chain applies: @r is allowed when the last core filter rejects
 * and rejected when it allows.  Without any filter, all is allowed.
 *
 * Context: the kdamond of @ctx, or @ctx not running; may cut @r, which
 * allocates with GFP_KERNEL.
 * Return: %DAMOS_FILTER_ALLOW, %DAMOS_FILTER_REJECT or, when the ops
 * filters decide, %DAMOS_FILTER_UNDECIDED.
 */
enum damos_filter_verdict damos_core_filters_verdict(struct damon_ctx *ctx,
						     struct damos *s,
						     struct damon_target *t,
						     unsigned long tidx,
						     struct damon_region *r)
{
	struct damos_filter *f;

	damos_cut_at_filters(ctx, s, t, r);
	damos_for_each_core_filter(f, s) {
		if (damos_filter_applies(ctx, f, tidx, r))
			return damos_verdict_of(f->allow);
	}
	if (!list_empty(&s->ops_filters))
		return DAMOS_FILTER_UNDECIDED;
	if (list_empty(&s->core_filters))
		return DAMOS_FILTER_ALLOW;
	f = list_last_entry(&s->core_filters, struct damos_filter, list);
	return damos_verdict_of(!f->allow);
}

/* ==================== Quota ==================== */

static bool damos_has_quota(const struct damos_quota *q)
{
	return q->sz || q->ms || !list_empty(&q->goals);
}

/* Whether the current period's budget, in bytes or in time, is used up. */
static bool damos_quota_used(const struct damon_ctx *ctx,
			     const struct damos_quota *q)
{
	if (damos_sz_quota_full(q, ctx->min_sz_region))
		return true;
	return q->ms && q->charged_ns >= (u64)q->ms * NSEC_PER_MSEC;
}

/**
 * damos_score_of() - The ranking score of a region for a scheme.
 * @ctx:	The context, for its intervals.
 * @s:		The scheme, for its weights and action.
 * @r:		The region.
 *
 * Return: the score, see damos_region_score().
 */
unsigned int damos_score_of(const struct damon_ctx *ctx,
			    const struct damos *s,
			    const struct damon_region *r)
{
	unsigned int window = max(damon_max_nr_accesses(&ctx->attrs), 1U);
	u64 mvsum = damon_nr_accesses_mvsum(ctx, r);
	struct damos_score_input in = {
		.sz = damon_sz_region(r),
		.rate_bp = min_t(u64, div_u64(mvsum * DAMON_BP_UNIT, window),
				 DAMON_BP_UNIT),
		.age = r->age,
		.prefer_cold = s->action < NR_DAMOS_ACTIONS &&
			damos_action_prefers_cold[s->action],
	};

	return damos_region_score(&s->quota, &in);
}

/* Bytes of all regions of @ctx: what a tuner can ever need per period. */
static unsigned long damos_sz_monitored(struct damon_ctx *ctx)
{
	unsigned long sz = 0;
	struct damon_target *t;

	damon_for_each_target(t, ctx)
		sz += damon_sz_target(t);
	return sz;
}

/*
 * Measure the goals of @s and run its tuner.  With several goals, the one
 * closest to being met (or furthest beyond) decides: the quota grows only
 * while every goal is short of its target, so that no goal is overshot
 * for the sake of another.
 */
static void damos_tune_goals(struct damon_ctx *ctx, struct damos *s,
			     unsigned long time_sz)
{
	struct damos_quota *q = &s->quota;
	struct damos_quota_goal *g;
	unsigned long score = 0, cap;

	damos_for_each_quota_goal(g, q) {
		g->current_value = damos_read_goal_metric(ctx, s, g);
		score = max(score, damos_goal_score(g->current_value,
						    g->target_value));
	}
	cap = min(q->sz ?: ULONG_MAX, time_sz);
	if (q->goal_tuner == DAMOS_QUOTA_GOAL_TUNER_CONSIST)
		cap = min(cap, max(damos_sz_monitored(ctx),
				   ctx->min_sz_region));
	q->goal_sz = damos_tune_goal_sz(q->goal_tuner, q->goal_sz, score,
					ctx->min_sz_region, cap);
}

/* Start a new quota period if the current one is over. */
static void damos_update_quota(struct damon_ctx *ctx, struct damos *s,
			       unsigned int sidx)
{
	struct damos_quota *q = &s->quota;
	unsigned long time_sz;
	bool has_goals;

	if (!damos_has_quota(q)) {
		q->esz = ULONG_MAX;
		return;
	}
	if (q->period_started && time_before(jiffies, q->period_end))
		return;
	q->period_started = true;
	q->period_end = jiffies + msecs_to_jiffies(q->reset_interval);
	q->charged_sz = 0;
	q->charged_ns = 0;
	q->exceeded = false;

	time_sz = damos_time_quota_sz(q);
	has_goals = !list_empty(&q->goals);
	if (has_goals)
		damos_tune_goals(ctx, s, time_sz);
	q->esz = damos_effective_sz(q, time_sz, has_goals);
	trace_damos_esz(DAMOS_CTX_IDX, sidx, q->esz);
}

/*
 * Set the score threshold of this pass: if the candidates exceed what is
 * left of the budget, the lowest score that still fills it.  Without
 * memory for the histogram, no threshold: regions then go in address
 * order.
 */
static void damos_set_min_score(struct damon_ctx *ctx, struct damos *s)
{
	struct damos_quota *q = &s->quota;
	unsigned long *sz_by_score;
	struct damon_target *t;
	struct damon_region *r;

	/*
	 * The core filters are left out: the threshold may come out lower
	 * than needed, the budget still stops the pass in time.
	 */
	q->min_score = 0;
	if (q->esz == ULONG_MAX || damos_quota_used(ctx, q))
		return;
	sz_by_score = kcalloc(DAMOS_NR_SCORES, sizeof(*sz_by_score),
			      GFP_KERNEL);
	if (!sz_by_score)
		return;
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			if (damos_pattern_match(ctx, s, r))
				sz_by_score[damos_score_of(ctx, s, r)] +=
					damon_sz_region(r);
		}
	}
	q->min_score = damos_min_score(sz_by_score, q->esz - q->charged_sz);
	kfree(sz_by_score);
}

/* ==================== One pass of a scheme ==================== */

/**
 * struct damos_pass - State of one pass of a scheme over all regions.
 * @ctx:	The context.
 * @s:		The scheme.
 * @sidx:	Index of @s, for the tracepoint.
 * @tidx:	Index of the target being visited.
 * @limited:	Whether the quota limits @s.
 * @stopped:	The quota is used up: the rest of the pass is skipped.
 */
struct damos_pass {
	struct damon_ctx *ctx;
	struct damos *s;
	unsigned int sidx;
	unsigned long tidx;
	bool limited;
	bool stopped;
};

/* The quota is used up at @addr of @t: the next pass starts there. */
static void damos_pass_stop(struct damos_pass *p, struct damon_target *t,
			    unsigned long addr)
{
	struct damos_quota *q = &p->s->quota;

	p->stopped = true;
	q->charge_target_from = t;
	q->charge_addr_from = addr;
	if (!q->exceeded) {
		q->exceeded = true;
		p->s->stat.qt_exceeds++;
	}
}

/*
 * Whether the quota keeps @r from being tried now.  If @r is bigger than
 * what is left, it is cut and keeps the part that fits.
 */
static bool damos_quota_skips(struct damos_pass *p, struct damon_target *t,
			      struct damon_region *r)
{
	struct damos_quota *q = &p->s->quota;
	unsigned long left;

	if (!p->limited)
		return false;
	if (damos_quota_used(p->ctx, q)) {
		damos_pass_stop(p, t, r->ar.start);
		return true;
	}
	if (q->min_score && damos_score_of(p->ctx, p->s, r) < q->min_score)
		return true;
	/* at least min_sz_region, as the quota is not used up */
	left = q->esz - q->charged_sz;
	if (damon_sz_region(r) <= left)
		return false;
	/* without memory to cut, try all of it: the quota is not exact */
	damon_split_region_at(t, r, ALIGN_DOWN(left, p->ctx->min_sz_region));
	return false;
}

/*
 * Apply the action of the pass's scheme to @r.  @core_allowed: a core
 * filter allowed @r, so that the ops must not filter it again.
 */
static void damos_apply_region(struct damos_pass *p, struct damon_target *t,
			       struct damon_region *r, bool core_allowed)
{
	struct damon_ctx *ctx = p->ctx;
	unsigned long sz = damon_sz_region(r), sz_passed = 0, applied = 0;
	struct damos *s = p->s;
	struct damos_quota *q = &s->quota;
	u64 begin, ns;

	trace_damos_before_apply(DAMOS_CTX_IDX, p->sidx, p->tidx,
				 damon_nr_regions(t), ctx, r);
	begin = ktime_get_ns();
	/* read by the ops through damos_ops_filters_needed() */
	s->core_filters_allowed = core_allowed;
	if (ctx->ops->apply_scheme)
		applied = ctx->ops->apply_scheme(ctx, t, r, s, &sz_passed);
	s->core_filters_allowed = false;
	ns = ktime_get_ns() - begin;

	s->stat.nr_tried++;
	s->stat.sz_tried += sz;
	if (applied) {
		s->stat.nr_applied++;
		s->stat.sz_applied += applied;
	}
	s->stat.sz_ops_filter_passed += sz_passed;
	damos_walk_visit(ctx, t, r, s, sz_passed);

	if (!p->limited)
		return;
	if (check_add_overflow(q->charged_sz, damos_fail_charge(q, sz, applied),
			       &q->charged_sz))
		q->charged_sz = ULONG_MAX;
	q->charged_ns += ns;
	damos_charge_time(q, sz, ns);
	if (damos_quota_used(ctx, q))
		damos_pass_stop(p, t, r->ar.end);
}

static void damos_visit(struct damos_pass *p, struct damon_target *t,
			struct damon_region *r)
{
	enum damos_filter_verdict verdict;

	if (p->stopped || !damos_pattern_match(p->ctx, p->s, r))
		return;
	verdict = damos_core_filters_verdict(p->ctx, p->s, t, p->tidx, r);
	if (verdict == DAMOS_FILTER_REJECT)
		return;
	if (damos_quota_skips(p, t, r))
		return;
	damos_apply_region(p, t, r, verdict == DAMOS_FILTER_ALLOW);
}

/*
 * Visit the regions of @t from @from up to @until (exclusive; NULL: to
 * the end).  Visiting may cut the current region: the right part comes
 * next in the list and is visited as a region of its own.
 */
static void damos_visit_target(struct damos_pass *p, struct damon_target *t,
			       struct damon_region *from,
			       struct damon_region *until)
{
	struct damon_region *r;

	for (r = from; &r->list != &t->regions_list && r != until;
	     r = list_next_entry(r, list)) {
		damos_visit(p, t, r);
		if (p->stopped)
			return;
	}
}

/*
 * The region where a pass resumes: the first ending after @addr in @t,
 * cut at @addr if it starts before, so that what was charged before is
 * not charged again however the regions were merged and split since.
 */
static struct damon_region *damos_resume_region(struct damon_target *t,
						unsigned long addr)
{
	struct damon_region *r;

	damon_for_each_region(r, t) {
		if (r->ar.end <= addr)
			continue;
		if (r->ar.start < addr &&
		    !damon_split_region_at(t, r, addr - r->ar.start))
			return list_next_entry(r, list);
		return r;
	}
	/* the list head: resume at the next target */
	return list_entry(&t->regions_list, struct damon_region, list);
}

/*
 * Visit every region of @ctx once, starting where the quota stopped the
 * last pass (if that target still exists) and wrapping around.
 */
static void damos_visit_all(struct damos_pass *p)
{
	struct damos_quota *q = &p->s->quota;
	struct damon_region *resume = NULL;
	struct damon_target *t, *from_t = NULL;
	unsigned long from_idx = 0;

	damon_for_each_target(t, p->ctx) {
		if (t == q->charge_target_from) {
			from_t = t;
			break;
		}
		from_idx++;
	}
	q->charge_target_from = NULL;
	if (from_t)
		resume = damos_resume_region(from_t, q->charge_addr_from);
	else
		from_idx = 0;

	/* from the resume point to the end */
	p->tidx = 0;
	damon_for_each_target(t, p->ctx) {
		if (p->tidx >= from_idx)
			damos_visit_target(p, t, t == from_t ? resume :
					   damon_first_region(t), NULL);
		if (p->stopped)
			return;
		p->tidx++;
	}
	if (!from_t)
		return;
	/* then from the start to the resume point */
	p->tidx = 0;
	damon_for_each_target(t, p->ctx) {
		damos_visit_target(p, t, damon_first_region(t),
				   t == from_t ? resume : NULL);
		if (p->stopped || t == from_t)
			return;
		p->tidx++;
	}
}

static void damos_apply_scheme(struct damon_ctx *ctx, struct damos *s,
			       unsigned int sidx)
{
	struct damos_pass pass = {
		.ctx = ctx,
		.s = s,
		.sidx = sidx,
	};

	damos_update_quota(ctx, s, sidx);
	pass.limited = s->quota.esz != ULONG_MAX || s->quota.ms;
	if (pass.limited)
		damos_set_min_score(ctx, s);
	damos_visit_all(&pass);
	s->stat.nr_snapshots++;
	trace_damos_stat_after_apply_interval(DAMOS_CTX_IDX, sidx, &s->stat);
	damos_walk_scheme_done(ctx, s);
}

/**
 * damos_apply_schemes() - Apply the schemes that are due.
 * @ctx:	The context.  Called by its kdamond after every sample.
 */
void damos_apply_schemes(struct damon_ctx *ctx)
{
	unsigned long now = ctx->passed_sample_intervals;
	unsigned int sidx = 0;
	struct damos *s;

	damon_for_each_scheme(s, ctx) {
		damos_update_wmarks(ctx, s);
		if (now >= s->next_apply_sis) {
			s->next_apply_sis = now + damos_apply_samples(ctx, s);
			if (damos_runnable(s))
				damos_apply_scheme(ctx, s, sidx);
			else
				damos_walk_scheme_done(ctx, s);
		}
		sidx++;
	}
}

/* ==================== damos_walk() ==================== */

/*
 * Give @control back to its caller: from now on the kdamond never touches
 * it nor its data.  The caller holds walk_control_lock and @control is the
 * walk of @ctx.  Tokens left in schemes go stale, see damos_walk_owed().
 */
static void damos_walk_release(struct damon_ctx *ctx, bool canceled)
{
	struct damos_walk_control *control = ctx->walk_control;

	lockdep_assert_held(&ctx->walk_control_lock);

	WRITE_ONCE(ctx->walk_control, NULL);
	ctx->walk_started = false;
	ctx->walk_withdrawn = false;
	control->canceled = canceled;
	/* the caller may free @control once completed */
	complete(&control->completion);
}

/*
 * Complete the pending walk of @ctx, from its kdamond or with @ctx not
 * running; the caller holds walk_control_lock.
 */
static void damos_walk_complete(struct damon_ctx *ctx, bool canceled)
{
	struct damos *s;

	damon_for_each_scheme(s, ctx)
		s->walk_control = NULL;
	damos_walk_release(ctx, canceled);
}

/*
 * Whether @s owes a pass to the walk in progress.  &damos->walk_control is
 * only a token, never dereferenced: the caller of damos_walk() may have
 * withdrawn it and freed it since.  A token is valid while it names the
 * started walk: starting a walk rewrites the token of every scheme, so a
 * stale one never names a walk started later, even at the same address.
 */
static bool damos_walk_owed(struct damon_ctx *ctx, struct damos *s)
{
	lockdep_assert_held(&ctx->walk_control_lock);

	return s->walk_control && ctx->walk_started &&
		s->walk_control == ctx->walk_control;
}

/**
 * damos_walk_visit() - Show a tried region to the walk in progress.
 * @ctx:		The context.
 * @t:			The target of @r.
 * @r:			The region @s was tried on.
 * @s:			The scheme.
 * @sz_filter_passed:	Bytes of @r that passed the ops filters.
 *
 * Calls the visitor of the walk @s owes a pass to, if it is still wanted.
 * The visitor runs without walk_control_lock, so that it may sleep and
 * others may still ask for a walk meanwhile (-EBUSY); a caller that
 * withdraws its walk during the visit leaves the release to the kdamond,
 * right after the visit.
 *
 * Context: the kdamond of @ctx, during a pass of @s.
 */
void damos_walk_visit(struct damon_ctx *ctx, struct damon_target *t,
		      struct damon_region *r, struct damos *s,
		      unsigned long sz_filter_passed)
{
	struct damos_walk_control *control;

	if (!s->walk_control)
		return;
	mutex_lock(&ctx->walk_control_lock);
	if (!damos_walk_owed(ctx, s)) {
		/* withdrawn by its caller */
		s->walk_control = NULL;
		mutex_unlock(&ctx->walk_control_lock);
		return;
	}
	control = ctx->walk_control;
	ctx->walk_visiting = true;
	mutex_unlock(&ctx->walk_control_lock);

	control->walk_fn(control->data, ctx, t, r, s, sz_filter_passed);

	mutex_lock(&ctx->walk_control_lock);
	ctx->walk_visiting = false;
	if (ctx->walk_withdrawn)
		damos_walk_complete(ctx, false);
	mutex_unlock(&ctx->walk_control_lock);
}

/**
 * damos_walk_scheme_done() - A scheme owes the pending walk nothing more.
 * @ctx:	The context.
 * @s:		The scheme: it finished a pass, stopped being active, or is
 *		about to be removed.
 *
 * Completes the walk when @s was the last scheme it waited for.
 */
void damos_walk_scheme_done(struct damon_ctx *ctx, struct damos *s)
{
	if (!s->walk_control)
		return;
	mutex_lock(&ctx->walk_control_lock);
	if (damos_walk_owed(ctx, s) && !--ctx->walk_control->nr_pending)
		damos_walk_complete(ctx, false);
	s->walk_control = NULL;
	mutex_unlock(&ctx->walk_control_lock);
}

/**
 * damos_open_walks() - Start accepting damos_walk() requests.
 * @ctx:	The context, whose kdamond is being started.
 */
void damos_open_walks(struct damon_ctx *ctx)
{
	mutex_lock(&ctx->walk_control_lock);
	ctx->accepting_walks = true;
	mutex_unlock(&ctx->walk_control_lock);
}

/*
 * Hand the walk of @ctx to every scheme that is active now: each owes it
 * its next pass.  Every token is rewritten, see damos_walk_owed().
 */
static void damos_walk_start(struct damon_ctx *ctx)
{
	struct damos_walk_control *control = ctx->walk_control;
	unsigned long nr = 0;
	struct damos *s;

	ctx->walk_started = true;
	damon_for_each_scheme(s, ctx) {
		s->walk_control = damos_runnable(s) ? control : NULL;
		if (s->walk_control)
			nr++;
	}
	control->nr_pending = nr;
	if (!nr)
		damos_walk_complete(ctx, false);
}

/**
 * damos_kdamond_walk() - Serve a damos_walk() request, or cancel it.
 * @ctx:	The context.
 * @cancel:	The kdamond is stopping: cancel the request, and accept no
 *		more.
 *
 * Called by the kdamond between two samples.  A new request is handed to
 * every scheme that is active now; each calls the visitor during its next
 * pass, which starts after this.  The request completes when the last of
 * them finished its pass, at once if none is active or the context is
 * paused.
 */
void damos_kdamond_walk(struct damon_ctx *ctx, bool cancel)
{
	/* the common case, without the lock; a request is seen next time */
	if (!cancel && !READ_ONCE(ctx->walk_control))
		return;
	mutex_lock(&ctx->walk_control_lock);
	if (cancel)
		ctx->accepting_walks = false;
	if (!ctx->walk_control)
		goto unlock;
	if (cancel)
		damos_walk_complete(ctx, true);
	else if (READ_ONCE(ctx->pause))
		damos_walk_complete(ctx, false);
	else if (!ctx->walk_started)
		damos_walk_start(ctx);
unlock:
	mutex_unlock(&ctx->walk_control_lock);
}

/*
 * Withdraw @control, the walk of a caller that got a signal, unless it is
 * done already.  Not being visited, it is released at once; during a visit,
 * the kdamond releases it when the visitor returns.  Either way it is
 * completed soon.  Return whether it was withdrawn.
 */
static bool damos_walk_withdraw(struct damon_ctx *ctx,
				struct damos_walk_control *control)
{
	bool withdrawn;

	mutex_lock(&ctx->walk_control_lock);
	withdrawn = ctx->walk_control == control;
	if (withdrawn && ctx->walk_visiting)
		ctx->walk_withdrawn = true;
	else if (withdrawn)
		damos_walk_release(ctx, false);
	mutex_unlock(&ctx->walk_control_lock);
	return withdrawn;
}

/**
 * damos_walk() - Visit the regions the schemes of a context are tried on.
 * @ctx:	The context, running.
 * @control:	The visitor.
 *
 * Waits until every scheme that is active when the kdamond takes the
 * request made one complete pass over the regions, calling
 * @control->walk_fn for each region it tried, from the kdamond.  Returns
 * at once when no scheme is active or the context is paused.
 *
 * The wait is interruptible, however many apply intervals the walk
 * spans.  A signal withdraws the walk: if the kdamond is running
 * @control->walk_fn at that moment, damos_walk() waits for that one call
 * to return; after that, the kdamond never touches @control or its data
 * again.  @control->walk_fn may have been called for some regions before:
 * the data of a withdrawn walk is incomplete.
 *
 * Context: process context, may sleep.  Not from the kdamond of @ctx, and
 * not holding a lock that @control->walk_fn takes.
 * Return: 0 on success, -EINVAL if @ctx is not running, -EBUSY if another
 * walk is pending on @ctx, -ECANCELED if the kdamond stopped before the
 * walk completed (@control->canceled is then set), -ERESTARTSYS if a
 * signal withdrew the walk (a system call can be restarted), and
 * -EDEADLK, with a warning, when called from the kdamond of @ctx.
 */
int damos_walk(struct damon_ctx *ctx, struct damos_walk_control *control)
{
	bool withdrawn = false;

	if (damon_called_by_kdamond(ctx))
		return -EDEADLK;
	init_completion(&control->completion);
	control->canceled = false;
	control->nr_pending = 0;

	mutex_lock(&ctx->walk_control_lock);
	if (!ctx->accepting_walks) {
		mutex_unlock(&ctx->walk_control_lock);
		return -EINVAL;
	}
	if (ctx->walk_control) {
		mutex_unlock(&ctx->walk_control_lock);
		return -EBUSY;
	}
	ctx->walk_started = false;
	WRITE_ONCE(ctx->walk_control, control);
	damon_kdamond_kick(ctx);
	mutex_unlock(&ctx->walk_control_lock);

	if (wait_for_completion_interruptible(&control->completion)) {
		withdrawn = damos_walk_withdraw(ctx, control);
		/* released now, or after the visit in progress, or done */
		wait_for_completion(&control->completion);
	}
	if (withdrawn)
		return -ERESTARTSYS;
	return control->canceled ? -ECANCELED : 0;
}

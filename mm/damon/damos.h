/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the DAMOS engine (apply.c, goals.c) shares with the rest of the
 * core (core.c, commit.c) and with the KUnit suites.  Not an API.
 */

#ifndef _MM_DAMON_DAMOS_H
#define _MM_DAMON_DAMOS_H

#include <linux/damon.h>

/**
 * damon_nr_samples() - Sampling intervals that make up a time.
 * @ctx:	The context, for its sampling interval.
 * @us:		The time, in microseconds.
 *
 * A sampling interval of 0 counts as 1 us, as everywhere in the core.
 *
 * Return: @us in sampling intervals, at least one.
 */
static inline unsigned long damon_nr_samples(const struct damon_ctx *ctx,
					     unsigned long us)
{
	return max(us / max(ctx->attrs.sample_interval, 1UL), 1UL);
}

/* Scheme parameters and patterns: mm/damon/schemes.c */
int damos_check_schemes(struct damon_ctx *ctx,
			const struct damon_operations *ops);
bool damos_pattern_match(const struct damon_ctx *ctx, const struct damos *s,
			 const struct damon_region *r);

/* The kdamond side: mm/damon/apply.c */
void damos_kdamond_setup(struct damon_ctx *ctx);
void damos_reschedule_scheme(struct damon_ctx *ctx, struct damos *s);
void damos_reschedule(struct damon_ctx *ctx);
void damos_apply_schemes(struct damon_ctx *ctx);
unsigned long damos_wmarks_sleep_us(struct damon_ctx *ctx);
void damos_kdamond_walk(struct damon_ctx *ctx, bool cancel);
void damos_walk_scheme_done(struct damon_ctx *ctx, struct damos *s);
void damos_walk_visit(struct damon_ctx *ctx, struct damon_target *t,
		      struct damon_region *r, struct damos *s,
		      unsigned long sz_filter_passed);
void damos_open_walks(struct damon_ctx *ctx);

/**
 * enum damos_filter_verdict - What the core filters say about a region.
 * @DAMOS_FILTER_REJECT:	Rejected: the region is not tried.
 * @DAMOS_FILTER_ALLOW:		Allowed, by a core filter or by the default
 *				of a scheme without ops filters: the region
 *				is tried whole, the ops filter nothing.
 * @DAMOS_FILTER_UNDECIDED:	No core filter applies and the scheme has
 *				ops filters: they decide, folio by folio.
 */
enum damos_filter_verdict {
	DAMOS_FILTER_REJECT,
	DAMOS_FILTER_ALLOW,
	DAMOS_FILTER_UNDECIDED,
};

enum damos_filter_verdict damos_core_filters_verdict(struct damon_ctx *ctx,
						     struct damos *s,
						     struct damon_target *t,
						     unsigned long tidx,
						     struct damon_region *r);
unsigned int damos_score_of(const struct damon_ctx *ctx,
			    const struct damos *s,
			    const struct damon_region *r);

/* Metrics: mm/damon/goals.c */
unsigned long damos_read_goal_metric(struct damon_ctx *ctx, struct damos *s,
				     struct damos_quota_goal *goal);
unsigned long damos_goal_value(const struct damos_quota_goal *goal,
			       unsigned long value);
unsigned long damos_eligible_mem_bp(struct damon_ctx *ctx, struct damos *s,
				    int nid);
unsigned long damos_free_mem_rate(void);
unsigned long damos_psi_mem_some_us(u64 *last_total);

#endif	/* _MM_DAMON_DAMOS_H */

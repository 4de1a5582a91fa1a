// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sampling interval auto-tuning arithmetic.
 *
 * A sample can only tell whether a page was accessed since the previous
 * sample.  With a too short sampling interval most samples find nothing
 * even on busy memory; with a too long one every sample finds an access
 * and frequencies can no longer be told apart.  The user states the wanted
 * share of samples that find an access (intervals_goal.access_bp) and the
 * kdamond moves the sampling interval towards it, keeping the ratio of the
 * aggregation interval to the sampling interval.
 *
 * Pure arithmetic; also built in user space, see tools/testing/damon.
 */

#include <linux/damon.h>
#include <linux/math64.h>
#include <linux/minmax.h>

#include "regions.h"

/* Bounds of one tuning step, in permil of the current interval. */
#define DAMON_TUNE_MIN_PERMIL	500
#define DAMON_TUNE_MAX_PERMIL	1500

/**
 * damon_tuned_sample_interval() - Next sampling interval for a tuning goal.
 * @attrs:	Current monitoring attributes, holding the goal.
 * @nr_events:	Samples that found an access since the previous step.
 * @nr_chances:	Samples taken since the previous step.
 *
 * A proportional step: the interval grows by half of the relative
 * shortfall of the observed ratio against the goal, or shrinks by half of
 * the relative excess, never by more than half of itself per step, and
 * stays within [min_sample_us, max_sample_us] of the goal.
 *
 * Return: the new sampling interval in microseconds; the current one when
 * the goal is unset or nothing was sampled.
 */
unsigned long damon_tuned_sample_interval(const struct damon_attrs *attrs,
					  unsigned long nr_events,
					  unsigned long nr_chances)
{
	const struct damon_intervals_goal *goal = &attrs->intervals_goal;
	unsigned long sample = attrs->sample_interval;
	u64 observed_bp, permil, next;
	u64 target = goal->access_bp;

	if (!target || !nr_chances)
		return sample;

	observed_bp = div64_u64((u64)nr_events * DAMON_BP_UNIT, nr_chances);
	if (observed_bp < target)
		permil = 1000 + div64_u64((target - observed_bp) * 500, target);
	else
		permil = 1000 - min_t(u64, 500,
				      div64_u64((observed_bp - target) * 500,
						target));
	permil = clamp_t(u64, permil, DAMON_TUNE_MIN_PERMIL,
			 DAMON_TUNE_MAX_PERMIL);

	next = div64_u64((u64)sample * permil, 1000);
	/* an interval of 1 us must still be able to grow */
	if (next == sample && permil > 1000)
		next++;
	next = clamp_t(u64, next, max(goal->min_sample_us, 1UL),
		       max(goal->max_sample_us, goal->min_sample_us));
	return next;
}

/**
 * damon_apply_sample_interval() - Set a tuned sampling interval.
 * @attrs:		Attributes to update.
 * @sample_us:		New sampling interval.
 * @base_aggr_samples:	Samples per aggregation interval to keep.
 */
void damon_apply_sample_interval(struct damon_attrs *attrs,
				 unsigned long sample_us,
				 unsigned long base_aggr_samples)
{
	attrs->sample_interval = sample_us;
	attrs->aggr_interval = sample_us * max(base_aggr_samples, 1UL);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DAMOS quota arithmetic: the pure part of the scheme engine.
 *
 * Region scores, the score threshold that fits a size budget, what an
 * action application charges, the time quota's throughput estimate, the
 * effective size, the goal tuners and the share arithmetic of goal
 * metrics.  Nothing here takes locks, reads clocks or touches memory
 * state, so quota.c also builds in user space (tools/testing/damon) and
 * runs under ASan and UBSan.
 */

#ifndef _MM_DAMON_QUOTA_H
#define _MM_DAMON_QUOTA_H

#include <linux/damon.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/minmax.h>

/* Scores of regions go from 0 (worst candidate) to DAMOS_MAX_SCORE. */
#define DAMOS_MAX_SCORE		99
#define DAMOS_NR_SCORES		(DAMOS_MAX_SCORE + 1)

/* A goal is met when its score reaches DAMOS_GOAL_MET (100%). */
#define DAMOS_GOAL_MET		DAMON_BP_UNIT

/* Time history the throughput estimate keeps, about. */
#define DAMOS_THROUGHPUT_HISTORY_NS	(10ULL * 1000 * 1000 * 1000)

/**
 * struct damos_score_input - What the score of a region is made of.
 * @sz:		Size of the region, in bytes.
 * @rate_bp:	Access rate: sampled accesses over the samples of an
 *		aggregation interval, in basis points (0 to 10000).
 * @age:	Age of the region, in aggregation intervals.
 * @prefer_cold: The scheme's action is meant for rarely accessed memory,
 *		so a lower @rate_bp ranks better.
 */
struct damos_score_input {
	unsigned long sz;
	unsigned int rate_bp;
	unsigned int age;
	bool prefer_cold;
};

unsigned int damos_region_score(const struct damos_quota *quota,
				const struct damos_score_input *in);
unsigned int damos_min_score(const unsigned long *sz_by_score,
			     unsigned long budget);

unsigned long damos_fail_charge(const struct damos_quota *quota,
				unsigned long sz, unsigned long sz_applied);
bool damos_sz_quota_full(const struct damos_quota *quota,
			 unsigned long min_sz_region);
unsigned long damos_used_mem_share_bp(unsigned long part, unsigned long total,
				      unsigned long free);

void damos_charge_time(struct damos_quota *quota, unsigned long sz, u64 ns);
unsigned long damos_time_quota_sz(const struct damos_quota *quota);
unsigned long damos_goal_score(unsigned long current_value,
			       unsigned long target_value);
unsigned long damos_tune_goal_sz(enum damos_quota_goal_tuner tuner,
				 unsigned long prev_sz, unsigned long score,
				 unsigned long floor, unsigned long cap);
unsigned long damos_effective_sz(const struct damos_quota *quota,
				 unsigned long time_sz, bool has_goals);

/**
 * damos_wmark_activated() - The watermark state machine.
 * @wmarks:	The watermarks; @wmarks->activated is the current state.
 * @value:	The metric just measured.
 *
 * Above @wmarks->high or below @wmarks->low a scheme is inactive.  In
 * between, an active scheme stays active, and an inactive one activates
 * only at or below @wmarks->mid, so that the state does not flap around
 * a single threshold.
 *
 * Return: whether the scheme is active after the measurement.
 */
static inline bool damos_wmark_activated(const struct damos_watermarks *wmarks,
					 unsigned long value)
{
	if (value > wmarks->high || value < wmarks->low)
		return false;
	return wmarks->activated || value <= wmarks->mid;
}

#endif	/* _MM_DAMON_QUOTA_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A simulated system for the DAMOS goal tuners, shared by the KUnit suite
 * damon-damos and the user-space tests of tools/testing/damon.
 *
 * The metric is free memory in basis points of SIM_TOTAL bytes.  Each
 * quota period, a tenth of the free memory gets used again, and the bytes
 * the scheme applied (reclaimed) become free.  The tuner gets the goal
 * score of the metric and sets the next period's size.
 */

#ifndef _DAMON_TESTS_QUOTA_SIM_H
#define _DAMON_TESTS_QUOTA_SIM_H

#include "../quota.h"

#define DAMOS_SIM_TOTAL		(1024UL * 1024 * 1024)
#define DAMOS_SIM_FLOOR		4096UL
#define DAMOS_SIM_PERIODS	300
/* The last periods, where the metric must have settled. */
#define DAMOS_SIM_SETTLED	100

/**
 * struct damos_sim - Result of one simulation.
 * @min_settled:	Lowest metric over the last DAMOS_SIM_SETTLED periods.
 * @max_settled:	Highest metric over them.
 * @first_met:		First period the goal was met, or -1.
 * @sz_in_bounds:	Every size the tuner gave was within its bounds.
 */
struct damos_sim {
	unsigned long min_settled;
	unsigned long max_settled;
	int first_met;
	bool sz_in_bounds;
};

/* One period of the system: decay, then what the scheme freed. */
static inline unsigned long damos_sim_step(unsigned long metric,
					   unsigned long applied)
{
	unsigned long freed_bp = div64_u64((u64)applied * DAMON_BP_UNIT,
					   DAMOS_SIM_TOTAL);

	metric -= metric / 10;
	return min(metric + freed_bp, (unsigned long)DAMON_BP_UNIT);
}

/**
 * damos_sim_run() - Run a goal tuner against the simulated system.
 * @tuner:	The tuner.
 * @target:	The goal, in basis points of free memory.
 * @cap:	Largest size per period.
 * @res:	Where to store the result.
 */
static inline void damos_sim_run(enum damos_quota_goal_tuner tuner,
				 unsigned long target, unsigned long cap,
				 struct damos_sim *res)
{
	unsigned long metric = 0, sz = 0, score;
	int i;

	res->min_settled = ULONG_MAX;
	res->max_settled = 0;
	res->first_met = -1;
	res->sz_in_bounds = true;
	for (i = 0; i < DAMOS_SIM_PERIODS; i++) {
		score = damos_goal_score(metric, target);
		sz = damos_tune_goal_sz(tuner, sz, score, DAMOS_SIM_FLOOR,
					cap);
		if (sz > cap || (tuner == DAMOS_QUOTA_GOAL_TUNER_CONSIST &&
				 sz < DAMOS_SIM_FLOOR))
			res->sz_in_bounds = false;
		metric = damos_sim_step(metric, sz);
		if (res->first_met < 0 && metric >= target)
			res->first_met = i;
		if (i >= DAMOS_SIM_PERIODS - DAMOS_SIM_SETTLED) {
			res->min_settled = min(res->min_settled, metric);
			res->max_settled = max(res->max_settled, metric);
		}
	}
}

#endif	/* _DAMON_TESTS_QUOTA_SIM_H */

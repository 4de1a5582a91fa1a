// SPDX-License-Identifier: GPL-2.0
/*
 * DAMOS quota arithmetic.
 *
 * A quota bounds what a scheme does per reset interval, by bytes, by
 * time, and by goals on a system metric.  All three are turned into one
 * byte budget, the effective size (esz).  When the regions a scheme
 * selects exceed the budget, the regions are ranked by a score made of
 * their size, access rate and age, weighted as the user asked, and the
 * best ones go first: the engine (apply.c) takes the smallest score whose
 * regions, together with all better ones, fill the budget as a threshold.
 *
 * Pure functions only; see quota.h.
 */

#include <linux/time64.h>

#include "quota.h"

/* ==================== Ranking ==================== */

/* Age, in aggregation intervals, from which all regions look equally old. */
#define DAMOS_AGE_LOG_CAP	20U

/* Number of bits needed to write @x: 0 for 0, 1 for 1, 2 for 2 and 3... */
static unsigned int damos_nr_bits(unsigned long x)
{
	unsigned int n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

/**
 * damos_region_score() - Rank a region for a scheme under a quota.
 * @quota:	The quota, for its weights.
 * @in:		The region's size, access rate and age.
 *
 * Each property is mapped to 0..DAMOS_MAX_SCORE: the size and the age on
 * a logarithmic scale (a region twice as big, or that kept its access
 * rate twice as long, is one step better), the access rate linearly,
 * higher being better unless @in->prefer_cold.  The score is the average
 * of the three, weighted by the quota's weights; without weights every
 * region scores DAMOS_MAX_SCORE.
 *
 * Return: the score, 0 to DAMOS_MAX_SCORE.
 */
unsigned int damos_region_score(const struct damos_quota *quota,
				const struct damos_score_input *in)
{
	u64 w_sz = quota->weight_sz, w_rate = quota->weight_nr_accesses;
	u64 w_age = quota->weight_age;
	unsigned int f_sz, f_rate, f_age, rate_bp;
	u64 total = w_sz + w_rate + w_age;

	if (!total)
		return DAMOS_MAX_SCORE;

	f_sz = damos_nr_bits(in->sz) * DAMOS_MAX_SCORE / BITS_PER_LONG;
	rate_bp = min_t(unsigned int, in->rate_bp, DAMON_BP_UNIT);
	f_rate = rate_bp * DAMOS_MAX_SCORE / DAMON_BP_UNIT;
	if (in->prefer_cold)
		f_rate = DAMOS_MAX_SCORE - f_rate;
	f_age = min(damos_nr_bits(in->age), DAMOS_AGE_LOG_CAP) *
		DAMOS_MAX_SCORE / DAMOS_AGE_LOG_CAP;

	return div64_u64(w_sz * f_sz + w_rate * f_rate + w_age * f_age, total);
}

/**
 * damos_min_score() - The lowest score that still fits a budget.
 * @sz_by_score: Bytes of candidate regions per score, DAMOS_NR_SCORES
 *		entries.
 * @budget:	Bytes that may still be applied.
 *
 * Regions are taken from the best score down until their total reaches
 * @budget.  The regions of the score where that happens are still taken
 * (the engine splits the last one to fit), those below are not.
 *
 * Return: the threshold, 0 when all candidates fit.
 */
unsigned int damos_min_score(const unsigned long *sz_by_score,
			     unsigned long budget)
{
	unsigned long sum = 0;
	int score;

	for (score = DAMOS_MAX_SCORE; score > 0; score--) {
		sum += sz_by_score[score];
		if (sum >= budget)
			return score;
	}
	return 0;
}

/* ==================== Size charges ==================== */

/*
 * mult_frac() of @x, @num and @denom (not 0), spelled out so that it also
 * builds in user space, and saturating instead of wrapping: num > denom is
 * allowed, so the product may not fit.
 */
static unsigned long damos_mult_frac_sat(unsigned long x, unsigned int num,
					 unsigned int denom)
{
	unsigned long q = x / denom, r = x % denom, extra;

	if (num && q > ULONG_MAX / num)
		return ULONG_MAX;
	q *= num;
	/* r < denom: r * num fits in 64 bits and extra is below num */
	extra = div64_u64((u64)r * num, denom);
	return q > ULONG_MAX - extra ? ULONG_MAX : q + extra;
}

/**
 * damos_fail_charge() - Bytes an action application charges to a size quota.
 * @quota:	The quota, for @quota->fail_charge_num and
 *		@quota->fail_charge_denom.
 * @sz:		Bytes of the region the action was tried on.
 * @sz_applied:	Bytes of it the action succeeded on.
 *
 * Memory the action failed on costs less than memory it succeeded on when
 * the user says so: a failed byte is charged num / denom of a byte, so
 * that a scheme whose action often fails still gets through its
 * candidates.  A denominator of 0 charges whole regions.  Nothing bounds
 * the ratio: num > denom makes failures cost more.
 *
 * Return: @sz if @quota->fail_charge_denom is 0 or @sz_applied exceeds
 * @sz, else @sz_applied + mult_frac(@sz - @sz_applied, num, denom),
 * saturating at ULONG_MAX.
 */
unsigned long damos_fail_charge(const struct damos_quota *quota,
				unsigned long sz, unsigned long sz_applied)
{
	unsigned long failed;

	if (!quota->fail_charge_denom || sz_applied > sz)
		return sz;
	failed = damos_mult_frac_sat(sz - sz_applied, quota->fail_charge_num,
				     quota->fail_charge_denom);
	return failed > ULONG_MAX - sz_applied ? ULONG_MAX :
		sz_applied + failed;
}

/**
 * damos_sz_quota_full() - Whether the size budget of a period is used up.
 * @quota:		The quota, with @quota->esz and @quota->charged_sz
 *			of the current period.
 * @min_sz_region:	Smallest region the engine can cut, in bytes.
 *
 * With partial charges (damos_fail_charge()) a period can end with less
 * left than any region the engine can cut; such a rest counts as nothing,
 * so that the pass stops where it is instead of looking for a region
 * that cannot exist.
 *
 * Return: true if less than @min_sz_region bytes of @quota->esz are left.
 */
bool damos_sz_quota_full(const struct damos_quota *quota,
			 unsigned long min_sz_region)
{
	if (quota->charged_sz >= quota->esz)
		return true;
	return quota->esz - quota->charged_sz < min_sz_region;
}

/* ==================== Time quota ==================== */

/**
 * damos_charge_time() - Account the time an action took.
 * @quota:	The quota.
 * @sz:		Bytes the action was tried on.
 * @ns:		Time it took, in nanoseconds.
 *
 * Feeds the throughput estimate of damos_time_quota_sz().  The history is
 * halved whenever it grows past DAMOS_THROUGHPUT_HISTORY_NS, so that the
 * estimate follows changes of the system and the sums never overflow.
 */
void damos_charge_time(struct damos_quota *quota, unsigned long sz, u64 ns)
{
	quota->total_charged_sz += sz;
	quota->total_charged_ns += ns;
	while (quota->total_charged_ns > DAMOS_THROUGHPUT_HISTORY_NS ||
	       quota->total_charged_sz > U64_MAX / NSEC_PER_MSEC) {
		quota->total_charged_sz /= 2;
		quota->total_charged_ns /= 2;
	}
}

/**
 * damos_time_quota_sz() - Bytes the time quota allows per period.
 * @quota:	The quota.
 *
 * Return: @quota->ms times the measured throughput, or ULONG_MAX when
 * there is no time quota or nothing was measured yet (the engine then
 * stops the scheme when the period's time is used up).
 */
unsigned long damos_time_quota_sz(const struct damos_quota *quota)
{
	u64 per_ms;

	if (!quota->ms || !quota->total_charged_ns)
		return ULONG_MAX;
	per_ms = div64_u64(quota->total_charged_sz * NSEC_PER_MSEC,
			   quota->total_charged_ns);
	if (per_ms > ULONG_MAX / quota->ms)
		return ULONG_MAX;
	return max_t(unsigned long, per_ms * quota->ms, 1);
}

/* ==================== Goals ==================== */

/**
 * damos_used_mem_share_bp() - A share of the used memory.
 * @part:	Pages of the share, e.g. transparent huge pages.
 * @total:	All pages of the memory.
 * @free:	Free pages of it.
 *
 * Return: @part over @total - @free, in basis points and at most
 * &DAMON_BP_UNIT; &DAMON_BP_UNIT when nothing is used (@free >= @total),
 * as all of nothing is the share.
 */
unsigned long damos_used_mem_share_bp(unsigned long part, unsigned long total,
				      unsigned long free)
{
	unsigned long used;

	if (free >= total)
		return DAMON_BP_UNIT;
	used = total - free;
	part = min(part, used);
	/* drop precision rather than overflow the product */
	while (used > U64_MAX / DAMON_BP_UNIT) {
		part >>= 1;
		used >>= 1;
	}
	return div64_u64((u64)part * DAMON_BP_UNIT, used);
}

/**
 * damos_goal_score() - How far a goal is reached.
 * @current_value:	The measured value.
 * @target_value:	The goal.
 *
 * A goal of 0 counts as exceeded.
 *
 * Return: @current_value over @target_value, in basis points;
 * DAMOS_GOAL_MET or more once the goal is reached.
 */
unsigned long damos_goal_score(unsigned long current_value,
			       unsigned long target_value)
{
	u64 cur = current_value;

	if (!target_value)
		return 2 * DAMOS_GOAL_MET;
	if (cur > U64_MAX / DAMON_BP_UNIT)
		return min_t(u64, div64_u64(cur, target_value) * DAMON_BP_UNIT,
			     ULONG_MAX);
	return min_t(u64, div64_u64(cur * DAMON_BP_UNIT, target_value),
		     ULONG_MAX);
}

/*
 * The consist tuner is a proportional controller acting on the logarithm
 * of the size: below the goal the size grows by the missing share (at
 * most doubling), above it shrinks by half the excess share (at most
 * halving).  At the goal it stays.  The smaller gain downwards damps the
 * overshoot a metric that reacts late would cause; the bounds keep every
 * step finite, and the clamp to [floor, cap] keeps the state from winding
 * up beyond what the other limits allow.
 */
static unsigned long damos_tune_consist(unsigned long prev, unsigned long score)
{
	unsigned long excess;
	u64 delta;

	if (score < DAMOS_GOAL_MET) {
		delta = div64_u64((u64)prev * (DAMOS_GOAL_MET - score),
				  DAMOS_GOAL_MET);
		return prev > ULONG_MAX - delta ? ULONG_MAX : prev + delta;
	}
	excess = min_t(unsigned long, score - DAMOS_GOAL_MET, DAMOS_GOAL_MET);
	delta = div64_u64((u64)prev * excess, 2 * DAMOS_GOAL_MET);
	return prev - delta;
}

/**
 * damos_tune_goal_sz() - One step of a goal tuner.
 * @tuner:	The tuner.
 * @prev_sz:	The size it gave last period.
 * @score:	The goal score, damos_goal_score() of the deciding goal.
 * @floor:	Smallest size consist may give; the size it starts from.
 * @cap:	Largest size: the other limits of the quota, or all the
 *		monitored memory.
 *
 * consist: see damos_tune_consist().  temporal: @cap until the goal is
 * met, then 0.
 *
 * Return: the size for the next period.
 */
unsigned long damos_tune_goal_sz(enum damos_quota_goal_tuner tuner,
				 unsigned long prev_sz, unsigned long score,
				 unsigned long floor, unsigned long cap)
{
	unsigned long sz;

	if (tuner == DAMOS_QUOTA_GOAL_TUNER_TEMPORAL)
		return score < DAMOS_GOAL_MET ? cap : 0;

	floor = min(floor, cap);
	sz = damos_tune_consist(max(prev_sz, floor), score);
	return clamp(sz, floor, cap);
}

/**
 * damos_effective_sz() - The byte budget of a period.
 * @quota:	The quota; @quota->goal_sz is the goal tuners' size.
 * @time_sz:	What the time quota allows, damos_time_quota_sz().
 * @has_goals:	Whether @quota->goal_sz applies.
 *
 * Return: the tightest of @quota->sz (if set), @time_sz and the goal size
 * (if @has_goals); ULONG_MAX when nothing limits.
 */
unsigned long damos_effective_sz(const struct damos_quota *quota,
				 unsigned long time_sz, bool has_goals)
{
	unsigned long esz = quota->sz ? quota->sz : ULONG_MAX;

	esz = min(esz, time_sz);
	if (has_goals)
		esz = min(esz, quota->goal_sz);
	return esz;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * User-space tests of the DAMOS quota arithmetic, mm/damon/quota.c, under
 * ASan and UBSan: region scores, the score threshold, fail charges, the
 * time quota's throughput estimate, the share of used memory, the
 * effective size and both goal tuners on the simulated system of
 * mm/damon/tests/quota-sim.h, over many targets.
 *
 * Prints one line per test, then "N passed, N failed".
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/compiler.h>
#include <linux/kernel.h>

#include "../../../mm/damon/tests/quota-sim.h"

static unsigned int nr_passed, nr_failed;
static char msg[256];

static void report(const char *name, bool ok)
{
	if (ok) {
		nr_passed++;
		printf("ok %u - %s\n", nr_passed + nr_failed, name);
	} else {
		nr_failed++;
		printf("not ok %u - %s: %s\n", nr_passed + nr_failed, name,
		       msg);
	}
}

/* Record why a test failed; returns false for the test to return. */
static __printf(1, 2) bool fail(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	return false;
}

/* Scores stay in range and follow each weighted property. */
static bool test_scores(void)
{
	struct damos_quota q = {};
	struct damos_score_input in = {};
	unsigned int w, prev, score;
	unsigned long sz;

	for (w = 0; w < 8; w++) {
		q.weight_sz = w & 1;
		q.weight_nr_accesses = (w >> 1) & 1;
		q.weight_age = (w >> 2) & 1;
		for (in.rate_bp = 0; in.rate_bp <= 20000; in.rate_bp += 37) {
			in.sz = (unsigned long)rand() << (rand() % 32);
			in.age = rand();
			in.prefer_cold = rand() & 1;
			score = damos_region_score(&q, &in);
			if (!(score <= DAMOS_MAX_SCORE))
				return fail("score %u", score);
		}
	}
	q = (struct damos_quota){ .weight_sz = 1 };
	in = (struct damos_score_input){};
	prev = 0;
	for (sz = 1; sz; sz <<= 1) {
		in.sz = sz;
		score = damos_region_score(&q, &in);
		if (!(score >= prev))
			return fail("size %lu scores %u < %u", sz, score, prev);
		prev = score;
	}
	q = (struct damos_quota){ .weight_nr_accesses = 1 };
	in = (struct damos_score_input){ .rate_bp = DAMON_BP_UNIT };
	if (!(damos_region_score(&q, &in) == DAMOS_MAX_SCORE))
		return fail("hottest");
	in.prefer_cold = true;
	if (!(damos_region_score(&q, &in) == 0))
		return fail("hottest for cold");
	q = (struct damos_quota){};
	if (!(damos_region_score(&q, &in) == DAMOS_MAX_SCORE))
		return fail("no weights");
	return true;
}

/* The threshold takes the best regions that fill the budget, no more. */
static bool test_min_score(void)
{
	unsigned long sz[DAMOS_NR_SCORES], budget, above, at;
	unsigned int i, run, min;

	for (run = 0; run < 20000; run++) {
		for (i = 0; i < DAMOS_NR_SCORES; i++)
			sz[i] = rand() % 4 ? 0 : (unsigned long)rand() % 100000;
		budget = (unsigned long)rand() % 3000000 + 1;
		min = damos_min_score(sz, budget);
		above = 0;
		for (i = min + 1; i < DAMOS_NR_SCORES; i++)
			above += sz[i];
		at = above + sz[min];
		if (!(min <= DAMOS_MAX_SCORE))
			return fail("threshold %u", min);
		/* the better scores alone do not fill the budget */
		if (!(above < budget))
			return fail("score %u: %lu above fill %lu", min,
				    above, budget);
		/* with the threshold's own regions, it is filled, or all fit */
		if (!(at >= budget || min == 0))
			return fail("score %u: %lu < %lu", min, at,
				    budget);
	}
	return true;
}

/* The throughput estimate follows the charges and never overflows. */
static bool test_time_quota(void)
{
	struct damos_quota q = { .ms = 10 };
	unsigned long sz;
	int i;

	if (!(damos_time_quota_sz(&q) == ULONG_MAX))
		return fail("unmeasured");
	/* 1 MiB per ms */
	for (i = 0; i < 100000; i++)
		damos_charge_time(&q, 1UL << 20, 1000000);
	sz = damos_time_quota_sz(&q);
	if (!(sz == 10UL << 20))
		return fail("10 ms at 1 MiB/ms gave %lu", sz);
	if (!(q.total_charged_ns <= DAMOS_THROUGHPUT_HISTORY_NS))
		return fail("history");
	for (i = 0; i < 1000; i++)
		damos_charge_time(&q, ULONG_MAX, 1);
	if (!(damos_time_quota_sz(&q) > 0))
		return fail("huge throughput");
	q.ms = ULONG_MAX;
	if (!(damos_time_quota_sz(&q) == ULONG_MAX))
		return fail("saturates");
	q = (struct damos_quota){ .sz = 100 };
	if (!(damos_effective_sz(&q, 50, false) == 50))
		return fail("time tighter");
	q.goal_sz = 10;
	if (!(damos_effective_sz(&q, 50, true) == 10))
		return fail("goal tighter");
	if (!(damos_effective_sz(&q, ULONG_MAX, false) == 100))
		return fail("sz");
	q.sz = 0;
	if (!(damos_effective_sz(&q, ULONG_MAX, false) == ULONG_MAX))
		return fail("none");
	return true;
}

static bool test_goal_score(void)
{
	if (!(damos_goal_score(50, 100) == 5000))
		return fail("half");
	if (!(damos_goal_score(100, 100) == DAMOS_GOAL_MET))
		return fail("met");
	if (!(damos_goal_score(1, 0) >= DAMOS_GOAL_MET))
		return fail("zero target");
	if (!(damos_goal_score(ULONG_MAX, 1) == ULONG_MAX ||
	      damos_goal_score(ULONG_MAX, 1) > DAMOS_GOAL_MET))
		return fail("huge");
	return true;
}

/* consist settles near every target, from below, without blowing up. */
static bool test_consist(void)
{
	struct damos_sim res;
	unsigned long target;

	for (target = 500; target <= 9000; target += 500) {
		damos_sim_run(DAMOS_QUOTA_GOAL_TUNER_CONSIST, target,
			      DAMOS_SIM_TOTAL, &res);
		if (!res.sz_in_bounds)
			return fail("target %lu: size out of bounds",
				    target);
		if (!(res.first_met >= 0))
			return fail("target %lu never met", target);
		if (!(res.min_settled + target / 20 >= target &&
		      res.max_settled <= target + target / 20))
			return fail("target %lu: settled in [%lu, %lu]", target,
				    res.min_settled, res.max_settled);
	}
	return true;
}

/* temporal reaches the goal at full speed and keeps it, give or take. */
static bool test_temporal(void)
{
	struct damos_sim res;
	unsigned long target;

	for (target = 500; target <= 9000; target += 500) {
		damos_sim_run(DAMOS_QUOTA_GOAL_TUNER_TEMPORAL, target,
			      DAMOS_SIM_TOTAL / 5, &res);
		if (!res.sz_in_bounds)
			return fail("target %lu: size out of bounds",
				    target);
		if (!(res.first_met >= 0 && res.first_met < 10))
			return fail("target %lu met at %d", target,
				    res.first_met);
		/* below the goal for one decay step at most */
		if (!(res.min_settled >= target - target / 10 - 1))
			return fail("target %lu: fell to %lu", target,
				    res.min_settled);
	}
	return true;
}

/* Failed bytes are charged at num / denom, as mult_frac() computes it. */
static bool test_fail_charge(void)
{
	static const struct {
		unsigned int num, denom;
		unsigned long sz, applied, charge;
	} cases[] = {
		{ 0, 0, 1000, 0, 1000 },	/* denom 0: whole region */
		{ 5, 0, 1000, 300, 1000 },
		{ 1, 10, 1000, 0, 100 },
		{ 1, 10, 1000, 300, 370 },
		{ 1, 10, 1000, 1000, 1000 },
		{ 0, 1, 1000, 300, 300 },	/* failures are free */
		{ 3, 1, 1000, 900, 1200 },	/* num > denom */
		{ 1, 3, 10, 0, 3 },		/* rounds down */
		{ 1, 10, 1000, 2000, 1000 },	/* applied > sz: sz */
		{ 7, 3, ULONG_MAX, 0, ULONG_MAX },	/* saturates */
		{ 2, 1, ULONG_MAX, ULONG_MAX - 1, ULONG_MAX },
		{ 1, 2, ULONG_MAX, 0, ULONG_MAX / 2 },
	};
	struct damos_quota q = {};
	unsigned long charge;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		q.fail_charge_num = cases[i].num;
		q.fail_charge_denom = cases[i].denom;
		charge = damos_fail_charge(&q, cases[i].sz, cases[i].applied);
		if (charge != cases[i].charge)
			return fail("case %u: %lu, not %lu", i, charge,
				    cases[i].charge);
	}
	/* random: between the applied bytes and the mult_frac() bound */
	for (i = 0; i < 100000; i++) {
		unsigned long sz = (unsigned long)rand() << (rand() % 24);
		unsigned long applied = sz ? (unsigned long)rand() % sz : 0;
		/* the exact value, for mult_frac() is exact where it fits */
		unsigned __int128 want;

		q.fail_charge_num = rand() % 1000;
		q.fail_charge_denom = rand() % 1000 + 1;
		want = (unsigned __int128)(sz - applied) * q.fail_charge_num /
			q.fail_charge_denom + applied;
		charge = damos_fail_charge(&q, sz, applied);
		if (charge != (unsigned long)want)
			return fail("%lu of %lu at %u/%u: %lu", applied, sz,
				    q.fail_charge_num, q.fail_charge_denom,
				    charge);
	}
	return true;
}

/* A rest smaller than a minimum region counts as a used-up quota. */
static bool test_sz_quota_full(void)
{
	struct damos_quota q = { .esz = 10000 };

	q.charged_sz = 0;
	if (damos_sz_quota_full(&q, 4096))
		return fail("empty");
	q.charged_sz = 10000 - 4096;
	if (damos_sz_quota_full(&q, 4096))
		return fail("one region left");
	q.charged_sz = 10000 - 4095;
	if (!damos_sz_quota_full(&q, 4096))
		return fail("less than a region left");
	q.charged_sz = 10000;
	if (!damos_sz_quota_full(&q, 1))
		return fail("full");
	q.charged_sz = 20000;
	if (!damos_sz_quota_full(&q, 1))
		return fail("over");
	q = (struct damos_quota){ .esz = ULONG_MAX, .charged_sz = 1 << 30 };
	if (damos_sz_quota_full(&q, 4096))
		return fail("unlimited");
	return true;
}

/* The share of used memory, capped, and whole when nothing is used. */
static bool test_used_mem_share(void)
{
	if (damos_used_mem_share_bp(0, 100, 50) != 0)
		return fail("none");
	if (damos_used_mem_share_bp(25, 100, 50) != 5000)
		return fail("half");
	if (damos_used_mem_share_bp(50, 100, 50) != DAMON_BP_UNIT)
		return fail("all");
	if (damos_used_mem_share_bp(80, 100, 50) != DAMON_BP_UNIT)
		return fail("more than used");
	if (damos_used_mem_share_bp(0, 100, 100) != DAMON_BP_UNIT)
		return fail("nothing used");
	if (damos_used_mem_share_bp(0, 100, 200) != DAMON_BP_UNIT)
		return fail("free above total");
	if (damos_used_mem_share_bp(ULONG_MAX / 2, ULONG_MAX, 0) != 4999)
		return fail("huge");
	return true;
}

int main(void)
{
	srand(1);
	report("region scores", test_scores());
	report("score threshold", test_min_score());
	report("time quota and effective size", test_time_quota());
	report("goal score", test_goal_score());
	report("fail charge ratio", test_fail_charge());
	report("size quota full below a region", test_sz_quota_full());
	report("share of used memory", test_used_mem_share());
	report("consist tuner converges", test_consist());
	report("temporal tuner converges", test_temporal());
	printf("quota: %u passed, %u failed\n", nr_passed, nr_failed);
	return nr_failed ? 1 : 0;
}

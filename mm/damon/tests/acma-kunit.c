// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of DAMON_ACMA's policy: the state machine of
 * mm/damon/acma-policy.c, rule by rule and at each threshold, and the
 * switching of a module's schemes (damon_module_switch_scheme() in
 * mm/damon/modules-common.c) against the real watermarks code.
 *
 * The policy cases use a guest of 1000 times 4 MiB, so that a free
 * memory rate of p permil is exactly p times 4 MiB free, 2 MiB blocks,
 * the default free rates (scale up under 50 permil, down above 200) and,
 * unless a case says otherwise, a stall goal of 1000 us.
 */

#include <kunit/test.h>
#include <linux/damon.h>
#include <linux/limits.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "damon-kunit.h"
#include "../acma-policy.h"
#include "../damos.h"
#include "../modules-common.h"

#define ACMA_MANAGED		(1000ULL * SZ_4M)
#define ACMA_FREE(permil)	((u64)(permil) * SZ_4M)
#define ACMA_BLOCK		((u64)SZ_2M)
#define ACMA_TAKEN		((u64)SZ_1G)
#define ACMA_GOAL		1000
#define ACMA_UP			50
#define ACMA_DOWN		200
#define ACMA_MET		DAMON_ACMA_SCORE_MET

/* ==================== The state machine ==================== */

/**
 * struct acma_case - One input of the state machine and its verdict.
 * @name:	What the case checks.
 * @managed:	&damon_acma_input.managed.
 * @free:	&damon_acma_input.free.
 * @taken:	&damon_acma_input.taken.
 * @psi_us:	&damon_acma_input.psi_us.
 * @goal_us:	&damon_acma_input.psi_goal_us.
 * @min_mem:	&damon_acma_input.min_mem.
 * @max_mem:	&damon_acma_input.max_mem.
 * @state:	The state expected.
 * @score:	The give score expected.
 */
struct acma_case {
	const char *name;
	u64 managed, free, taken, psi_us, goal_us, min_mem, max_mem;
	enum damon_acma_state state;
	unsigned long score;
};

#define HOLD	DAMON_ACMA_HOLD
#define SHRINK	DAMON_ACMA_SHRINK
#define GROW	DAMON_ACMA_GROW
#define M	ACMA_MANAGED

static const struct acma_case acma_cases[] = {
	/* name, managed, free, taken, psi, goal, min, max: state, score */
	{ "calm, nothing taken: scale down",
	  M, ACMA_FREE(250), 0, 0, ACMA_GOAL, 0, 0, SHRINK, ACMA_MET },
	{ "calm, blocks taken: scale down",
	  M, ACMA_FREE(250), ACMA_TAKEN, 0, ACMA_GOAL, 0, 0,
	  SHRINK, ACMA_MET },
	{ "free rate between the two: hold",
	  M, ACMA_FREE(100), ACMA_TAKEN, 0, ACMA_GOAL, 0, 0, HOLD, ACMA_MET },
	{ "free rate at scale_down: hold",
	  M, ACMA_FREE(200), 0, 0, ACMA_GOAL, 0, 0, HOLD, ACMA_MET },
	{ "free rate just above scale_down: scale down",
	  M, ACMA_FREE(201), 0, 0, ACMA_GOAL, 0, 0, SHRINK, ACMA_MET },
	{ "free rate at scale_up: hold",
	  M, ACMA_FREE(50), ACMA_TAKEN, 0, ACMA_GOAL, 0, 0, HOLD, ACMA_MET },
	{ "free rate just under scale_up: scale up",
	  M, ACMA_FREE(49), ACMA_TAKEN, 0, ACMA_GOAL, 0, 0, GROW, 9800 },
	{ "free rate under scale_up, nothing taken: hold",
	  M, ACMA_FREE(10), 0, 0, ACMA_GOAL, 0, 0, HOLD, ACMA_MET },
	{ "no free memory: scale up at score 0",
	  M, 0, ACMA_TAKEN, 0, ACMA_GOAL, 0, 0, GROW, 0 },
	{ "stall at the goal: scale down",
	  M, ACMA_FREE(250), 0, ACMA_GOAL, ACMA_GOAL, 0, 0, SHRINK, ACMA_MET },
	{ "stall just over the goal: scale up",
	  M, ACMA_FREE(250), ACMA_TAKEN, ACMA_GOAL + 1, ACMA_GOAL, 0, 0,
	  GROW, 9990 },
	{ "stall over the goal, nothing taken: hold",
	  M, ACMA_FREE(250), 0, 2 * ACMA_GOAL, ACMA_GOAL, 0, 0,
	  HOLD, ACMA_MET },
	{ "stall and little free memory: the lower score",
	  M, ACMA_FREE(25), ACMA_TAKEN, 4 * ACMA_GOAL, ACMA_GOAL, 0, 0,
	  GROW, 2500 },
	{ "little free memory and a stall: the lower score",
	  M, ACMA_FREE(10), ACMA_TAKEN, 2 * ACMA_GOAL, ACMA_GOAL, 0, 0,
	  GROW, 2000 },
	{ "under min_mem: scale up",
	  M, ACMA_FREE(250), ACMA_TAKEN, 0, ACMA_GOAL, 2 * M, 0,
	  GROW, 5000 },
	{ "under min_mem, nothing taken: hold",
	  M, ACMA_FREE(250), 0, 0, ACMA_GOAL, 2 * M, 0, HOLD, ACMA_MET },
	{ "at min_mem: hold",
	  M, ACMA_FREE(250), ACMA_TAKEN, 0, ACMA_GOAL, M, 0, HOLD, ACMA_MET },
	{ "one block above min_mem: hold",
	  M, ACMA_FREE(250), 0, 0, ACMA_GOAL, M - ACMA_BLOCK, 0,
	  HOLD, ACMA_MET },
	{ "a page more than a block above min_mem: scale down",
	  M, ACMA_FREE(250), 0, 0, ACMA_GOAL, M - ACMA_BLOCK - PAGE_SIZE, 0,
	  SHRINK, ACMA_MET },
	{ "over max_mem, free rate between the two: scale down",
	  M, ACMA_FREE(100), 0, 0, ACMA_GOAL, 0, M / 2, SHRINK, ACMA_MET },
	{ "over max_mem, stall, nothing taken: hold",
	  M, ACMA_FREE(100), 0, 5 * ACMA_GOAL, ACMA_GOAL, 0, M / 2,
	  HOLD, ACMA_MET },
	{ "over max_mem, little free memory, nothing taken: hold",
	  M, ACMA_FREE(40), 0, 0, ACMA_GOAL, 0, M / 2, HOLD, ACMA_MET },
	{ "over max_mem, stall, blocks taken: scale up first",
	  M, ACMA_FREE(100), ACMA_TAKEN, 5 * ACMA_GOAL, ACMA_GOAL, 0, M / 2,
	  GROW, 2000 },
	{ "at max_mem, free rate between the two: hold",
	  M, ACMA_FREE(100), 0, 0, ACMA_GOAL, 0, M, HOLD, ACMA_MET },
	{ "over max_mem but at min_mem: hold",
	  M, ACMA_FREE(100), 0, 0, ACMA_GOAL, M, M / 2, HOLD, ACMA_MET },
	{ "goal 0, no stall: scale down",
	  M, ACMA_FREE(250), ACMA_TAKEN, 0, 0, 0, 0, SHRINK, ACMA_MET },
	{ "goal 0, a stall: scale up at score 0",
	  M, ACMA_FREE(250), ACMA_TAKEN, 1, 0, 0, 0, GROW, 0 },
	{ "nothing managed: scale up at score 0",
	  0, 0, ACMA_TAKEN, 0, ACMA_GOAL, 0, 0, GROW, 0 },
	{ "more free than managed: a rate of 1000 permil",
	  M, 2 * M, 0, 0, ACMA_GOAL, 0, 0, SHRINK, ACMA_MET },
	{ "huge amounts, under min_mem: no overflow",
	  U64_MAX / 2, U64_MAX / 2, 1, 0, ACMA_GOAL, U64_MAX, 0,
	  GROW, 4999 },
	{ "huge amounts, calm: scale down",
	  U64_MAX, U64_MAX / 4, 0, 0, ACMA_GOAL, 0, 0, SHRINK, ACMA_MET },
	{ "huge min_mem: no block to spare, no wrap-around",
	  U64_MAX, U64_MAX / 4, 0, 0, ACMA_GOAL, U64_MAX, 0, HOLD, ACMA_MET },
	{ "huge stall: scale up at score 0",
	  M, ACMA_FREE(250), ACMA_TAKEN, U64_MAX, ACMA_GOAL, 0, 0, GROW, 0 },
	{ "huge goal, huge stall at it: scale down",
	  M, ACMA_FREE(250), 0, U64_MAX, U64_MAX, 0, 0, SHRINK, ACMA_MET },
};

#undef HOLD
#undef SHRINK
#undef GROW
#undef M

static void acma_case_desc(const struct acma_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(acma, acma_cases, acma_case_desc);

/* The input of the fixed guest with the varying fields of @c. */
static struct damon_acma_input acma_input(const struct acma_case *c)
{
	return (struct damon_acma_input){
		.psi_us = c->psi_us,
		.psi_goal_us = c->goal_us,
		.free = c->free,
		.managed = c->managed,
		.taken = c->taken,
		.block = ACMA_BLOCK,
		.min_mem = c->min_mem,
		.max_mem = c->max_mem,
		.up_free_permil = ACMA_UP,
		.down_free_permil = ACMA_DOWN,
	};
}

/*
 * Taking @room leaves the free memory rate at @permil or above, but for
 * the rounding of a byte (checked where the products fit in 64 bits).
 */
static void acma_expect_rate_kept(struct kunit *test,
				  const struct damon_acma_input *in,
				  u64 room, unsigned long permil)
{
	u64 free = min(in->free, in->managed);

	if (in->managed > U64_MAX / 1000)
		return;
	KUNIT_ASSERT_LE(test, room, free);
	KUNIT_EXPECT_GT(test, (free - room) * 1000 + 1000,
			permil * (in->managed - room));
}

/*
 * What holds of every verdict: the score is below the goal exactly when
 * growing; nothing taken never grows; shrinking reports more than a block
 * of room, above min_mem, that keeps the free memory rate at the scale-up
 * rate (and at the scale-down rate unless over max_mem); the other states
 * report none.
 */
static void acma_expect_consistent(struct kunit *test,
				   const struct damon_acma_input *in,
				   const struct damon_acma_verdict *v)
{
	KUNIT_EXPECT_EQ(test, v->give_score < ACMA_MET,
			v->state == DAMON_ACMA_GROW);
	if (!in->taken)
		KUNIT_EXPECT_NE(test, v->state, DAMON_ACMA_GROW);
	if (v->state != DAMON_ACMA_SHRINK) {
		KUNIT_EXPECT_EQ(test, v->take_room, 0);
		return;
	}
	KUNIT_EXPECT_LE(test, v->take_room, in->managed - in->min_mem);
	KUNIT_EXPECT_GT(test, v->take_room, in->block);
	acma_expect_rate_kept(test, in, v->take_room, in->up_free_permil);
	if (!in->max_mem || in->managed <= in->max_mem)
		acma_expect_rate_kept(test, in, v->take_room,
				      in->down_free_permil);
}

/*
 * The verdict of @c is consistent and follows the rules: growing needs a
 * reason and blocks, and a reason with blocks grows; shrinking, unless
 * over max_mem, needs calm memory: a stall within the goal and a free
 * rate above scale_down.  Beyond consistency, only for the fixed guest.
 */
static void acma_expect_rules(struct kunit *test, const struct acma_case *c)
{
	struct damon_acma_input in = acma_input(c);
	struct damon_acma_verdict v = damon_acma_decide(&in);
	bool short_of_mem, over_max;

	acma_expect_consistent(test, &in, &v);
	/* free rates below are in the fixed guest's terms */
	if (c->managed != ACMA_MANAGED)
		return;
	short_of_mem = c->free < ACMA_FREE(ACMA_UP) ||
		c->psi_us > c->goal_us || c->managed < c->min_mem;
	over_max = c->max_mem && c->managed > c->max_mem;
	KUNIT_EXPECT_EQ(test, v.state == DAMON_ACMA_GROW,
			short_of_mem && c->taken);
	/* what is taken while memory is short would only come back */
	if (short_of_mem)
		KUNIT_EXPECT_NE(test, v.state, DAMON_ACMA_SHRINK);
	if (v.state == DAMON_ACMA_SHRINK && !over_max)
		KUNIT_EXPECT_TRUE(test, c->free > ACMA_FREE(ACMA_DOWN) &&
				  c->psi_us <= c->goal_us);
}

static void acma_expect_verdict(struct kunit *test, const struct acma_case *c)
{
	struct damon_acma_input in = acma_input(c);
	struct damon_acma_verdict v = damon_acma_decide(&in);

	KUNIT_EXPECT_EQ(test, v.state, c->state);
	KUNIT_EXPECT_EQ(test, v.give_score, c->score);
	acma_expect_rules(test, c);
}

static void acma_test_case(struct kunit *test)
{
	acma_expect_verdict(test, test->param_value);
}

/* Over a grid of inputs around every threshold, the rules hold. */
static void acma_test_grid(struct kunit *test)
{
	static const u64 psis[] = { 0, ACMA_GOAL, ACMA_GOAL + 1,
				    10 * ACMA_GOAL };
	static const u64 mins[] = { 0, ACMA_MANAGED / 2, ACMA_MANAGED,
				    2 * ACMA_MANAGED };
	static const u64 maxs[] = { 0, ACMA_MANAGED / 2, ACMA_MANAGED };
	const unsigned int nr_frees = 1000 / 7 + 1;
	const unsigned int nr = nr_frees * ARRAY_SIZE(psis) *
		ARRAY_SIZE(mins) * ARRAY_SIZE(maxs) * 2;
	struct acma_case c = { .managed = ACMA_MANAGED, .goal_us = ACMA_GOAL };
	unsigned int n, i;

	for (n = 0; n < nr; n++) {
		i = n;
		c.free = ACMA_FREE(i % nr_frees * 7);
		i /= nr_frees;
		c.psi_us = psis[i % ARRAY_SIZE(psis)];
		i /= ARRAY_SIZE(psis);
		c.min_mem = mins[i % ARRAY_SIZE(mins)];
		i /= ARRAY_SIZE(mins);
		c.max_mem = maxs[i % ARRAY_SIZE(maxs)];
		i /= ARRAY_SIZE(maxs);
		c.taken = i ? ACMA_TAKEN : 0;
		acma_expect_rules(test, &c);
	}
}

static struct kunit_case acma_policy_cases[] = {
	KUNIT_CASE_PARAM(acma_test_case, acma_gen_params),
	KUNIT_CASE(acma_test_grid),
	{},
};

static struct kunit_suite acma_policy_suite = {
	.name = "damon-acma-policy",
	.test_cases = acma_policy_cases,
};

/* ==================== Switching schemes ==================== */

/* Long enough that no check comes by itself during a test. */
#define ACMA_CHECK_US		(60 * USEC_PER_SEC)

/* A new scheme of the test's context, as a module adds it: on. */
static struct damos *acma_add_scheme(struct kunit *test, struct damon_ctx *ctx)
{
	const struct damos_access_pattern pattern = {
		.max_sz_region = ULONG_MAX,
		.max_nr_accesses = UINT_MAX,
		.max_age_region = UINT_MAX,
	};
	const struct damos_watermarks wmarks = {
		.metric = DAMOS_WMARK_NONE,
	};
	const struct damos_quota quota = {};
	struct damos *s;

	s = damon_new_scheme(&pattern, DAMOS_STAT, 0, &quota, &wmarks,
			     NUMA_NO_NODE);
	KUNIT_ASSERT_NOT_NULL(test, s);
	damon_add_scheme(ctx, s);
	return s;
}

static int acma_switch_init(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);

	acma_add_scheme(test, ctx);
	acma_add_scheme(test, ctx);
	ctx->passed_sample_intervals = 100;
	test->priv = ctx;
	return 0;
}

static struct damon_ctx *acma_ctx(struct kunit *test)
{
	return test->priv;
}

static struct damos *acma_scheme(struct kunit *test, unsigned int idx)
{
	unsigned int i = 0;
	struct damos *s;

	damon_for_each_scheme(s, acma_ctx(test)) {
		if (i++ == idx)
			return s;
	}
	KUNIT_FAIL(test, "no scheme %u", idx);
	return NULL;
}

/* Switch scheme @idx, and check it reads as switched. */
static void acma_switch(struct kunit *test, unsigned int idx, bool on)
{
	struct damos *s = acma_scheme(test, idx);

	damon_module_switch_scheme(acma_ctx(test), s, on, ACMA_CHECK_US);
	KUNIT_EXPECT_EQ(test, damon_module_scheme_on(s), on);
}

/*
 * What the kdamond finds at its current sample: 0 if a scheme runs, else
 * how long it may sleep.  The free rate of the test machine is unknown:
 * an off scheme must be off whatever it is.
 */
static unsigned long acma_sleep_us(struct kunit *test)
{
	return damos_wmarks_sleep_us(acma_ctx(test));
}

/* Both off: the kdamond sleeps, until the next check and no longer. */
static void acma_test_both_off_sleeps(struct kunit *test)
{
	unsigned long us;

	acma_switch(test, 0, false);
	acma_switch(test, 1, false);
	us = acma_sleep_us(test);
	KUNIT_EXPECT_GT(test, us, 0);
	KUNIT_EXPECT_LE(test, us, ACMA_CHECK_US);
}

/* One on: the kdamond samples. */
static void acma_test_one_on_samples(struct kunit *test)
{
	acma_switch(test, 0, false);
	acma_switch(test, 1, true);
	KUNIT_EXPECT_EQ(test, acma_sleep_us(test), 0);
}

/*
 * A scheme that runs stops at the very sample it is switched off at, even
 * if its last watermarks check, from an earlier time off, set the next
 * one far ahead.
 */
static void acma_test_off_at_once(struct kunit *test)
{
	acma_switch(test, 0, false);
	acma_switch(test, 1, false);
	KUNIT_ASSERT_GT(test, acma_sleep_us(test), 0);
	acma_ctx(test)->passed_sample_intervals++;
	acma_switch(test, 0, true);
	KUNIT_ASSERT_EQ(test, acma_sleep_us(test), 0);
	acma_ctx(test)->passed_sample_intervals++;
	acma_switch(test, 0, false);
	KUNIT_EXPECT_GT(test, acma_sleep_us(test), 0);
}

/*
 * A scheme switched on while the kdamond sleeps, long before the check
 * it slept for, runs from the sample it is switched on at.
 */
static void acma_test_on_at_once(struct kunit *test)
{
	acma_switch(test, 0, false);
	acma_switch(test, 1, false);
	KUNIT_ASSERT_GT(test, acma_sleep_us(test), 0);
	acma_ctx(test)->passed_sample_intervals++;
	acma_switch(test, 1, true);
	KUNIT_EXPECT_EQ(test, acma_sleep_us(test), 0);
}

/* Off thresholds are ordered, so that the module checks accept them. */
static void acma_test_off_wmarks(struct kunit *test)
{
	struct damos *s = acma_scheme(test, 0);

	acma_switch(test, 0, false);
	KUNIT_EXPECT_EQ(test, s->wmarks.metric, DAMOS_WMARK_FREE_MEM_RATE);
	KUNIT_EXPECT_GT(test, s->wmarks.low, DAMON_MODULE_PERMIL);
	KUNIT_EXPECT_GE(test, s->wmarks.high, s->wmarks.mid);
	KUNIT_EXPECT_GE(test, s->wmarks.mid, s->wmarks.low);
	KUNIT_EXPECT_EQ(test, s->wmarks.interval, ACMA_CHECK_US);
}

static struct kunit_case acma_switch_cases[] = {
	KUNIT_CASE(acma_test_both_off_sleeps),
	KUNIT_CASE(acma_test_one_on_samples),
	KUNIT_CASE(acma_test_off_at_once),
	KUNIT_CASE(acma_test_on_at_once),
	KUNIT_CASE(acma_test_off_wmarks),
	{},
};

static struct kunit_suite acma_switch_suite = {
	.name = "damon-acma-switch",
	.init = acma_switch_init,
	.test_cases = acma_switch_cases,
};

kunit_test_suites(&acma_policy_suite, &acma_switch_suite);

MODULE_DESCRIPTION("KUnit tests of the DAMON_ACMA policy");
MODULE_LICENSE("GPL");

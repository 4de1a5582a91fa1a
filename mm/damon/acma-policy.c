// SPDX-License-Identifier: GPL-2.0
/*
 * The scaling policy of DAMON_ACMA: once per period, from the memory
 * pressure and the free and managed memory, whether to scale the guest
 * down (take cold blocks out of the page allocator), up (give taken
 * blocks back) or hold.  Pure arithmetic; mm/damon/acma.c measures its
 * input and acts on its verdict.
 *
 * Scaling up comes first: while any reason for it holds (managed memory
 * under min_mem, memory pressure over its goal, or free memory under its
 * floor), blocks are given back, if there are any.  Otherwise the guest
 * scales down if it can spare a block above min_mem and either it is
 * above max_mem or memory is both calm and plentiful.  Between the two
 * free memory rates the guest holds, so that the two schemes do not take
 * and give the same memory in turn.
 */

#include <linux/math64.h>
#include <linux/minmax.h>

#include "acma-policy.h"

#define DAMON_ACMA_PERMIL	1000

/* Free memory in permil of managed memory, 0 if nothing is managed. */
static unsigned long damon_acma_free_permil(const struct damon_acma_input *in)
{
	if (!in->managed)
		return 0;
	return mul_u64_u64_div_u64(min(in->free, in->managed),
				   DAMON_ACMA_PERMIL, in->managed);
}

/*
 * @value over @threshold in bp if it is under it, else the score of a
 * reason that does not hold.  The product is computed in 128 bits, so
 * that no byte count overflows it.
 */
static unsigned long damon_acma_ratio_bp(u64 value, u64 threshold)
{
	if (value >= threshold)
		return DAMON_ACMA_SCORE_MET;
	return mul_u64_u64_div_u64(value, DAMON_ACMA_SCORE_MET, threshold);
}

/*
 * The score of the most urgent reason to scale up, in bp: the lowest of
 * free memory over its floor, the pressure goal over the pressure, and
 * managed memory over min_mem, each counted only below 10000, that is
 * while it is a reason.  &DAMON_ACMA_SCORE_MET if none is.
 */
static unsigned long damon_acma_grow_score(const struct damon_acma_input *in,
					   unsigned long free_permil)
{
	unsigned long score;

	score = damon_acma_ratio_bp(free_permil, in->up_free_permil);
	/* a stall over a goal of 0 scores 0: the most urgent */
	score = min(score, damon_acma_ratio_bp(in->psi_goal_us, in->psi_us));
	return min(score, damon_acma_ratio_bp(in->managed, in->min_mem));
}

/* Whether a block can be taken without going below min_mem. */
static bool damon_acma_can_spare(const struct damon_acma_input *in)
{
	return in->managed > in->block &&
		in->managed - in->block > in->min_mem;
}

static bool damon_acma_should_shrink(const struct damon_acma_input *in,
				     unsigned long free_permil)
{
	if (!damon_acma_can_spare(in))
		return false;
	if (in->max_mem && in->managed > in->max_mem)
		return true;
	return in->psi_us <= in->psi_goal_us &&
		free_permil > in->down_free_permil;
}

/*
 * Bytes that can be taken before the free memory rate falls to @permil.
 * Taking x bytes takes x from both free and managed memory, so x is the
 * largest with (free - x) * 1000 >= @permil * (managed - x), that is
 * (1000 * free - @permil * managed) / (1000 - @permil), at most all free
 * memory (rounding may let the rate end up to a byte under @permil).
 */
static u64 damon_acma_headroom(const struct damon_acma_input *in,
			       unsigned long permil)
{
	u64 free = min(in->free, in->managed), need, spare;

	if (permil >= DAMON_ACMA_PERMIL)
		return 0;
	need = mul_u64_u64_div_u64(in->managed, permil, DAMON_ACMA_PERMIL);
	if (free <= need)
		return 0;
	spare = free - need;
	/* past this, the quotient would exceed all free memory */
	if (spare >= mul_u64_u64_div_u64(free, DAMON_ACMA_PERMIL - permil,
					 DAMON_ACMA_PERMIL))
		return free;
	return mul_u64_u64_div_u64(spare, DAMON_ACMA_PERMIL,
				   DAMON_ACMA_PERMIL - permil);
}

/*
 * How much one period of scaling down may take: never below min_mem nor
 * under the scale-up free rate (that would only make the next period give
 * it back), and beyond max_mem only down to the scale-down free rate.
 */
static u64 damon_acma_take_room(const struct damon_acma_input *in,
				unsigned long free_permil)
{
	u64 room = in->managed - in->min_mem, want = 0;

	if (in->max_mem && in->managed > in->max_mem)
		want = in->managed - in->max_mem;
	if (in->psi_us <= in->psi_goal_us &&
	    free_permil > in->down_free_permil)
		want = max(want, damon_acma_headroom(in, in->down_free_permil));
	room = min(room, damon_acma_headroom(in, in->up_free_permil));
	return min(room, want);
}

/**
 * damon_acma_decide() - The state of DAMON_ACMA for the next period.
 * @in:		What was measured over the last period, and the bounds.
 *
 * DAMON_ACMA_GROW if blocks are taken and memory is short: managed memory
 * under @in->min_mem, the stall time over its goal, or the free memory
 * rate under @in->up_free_permil; DAMON_ACMA_HOLD if memory is short and
 * nothing is taken (also over @in->max_mem: what is taken while memory is
 * short would only be given back next).  Else DAMON_ACMA_SHRINK if a
 * block can be taken while staying above @in->min_mem, and either managed
 * memory is above @in->max_mem or the stall time is within its goal and
 * the free memory rate above @in->down_free_permil.  Else
 * DAMON_ACMA_HOLD.  A bound of 0 is no bound.
 *
 * Scaling down also needs more than a block of room: what can be taken
 * while staying above @in->min_mem and at or above the scale-up free rate,
 * and, unless over @in->max_mem, at or above the scale-down free rate;
 * over it, at most the excess or down to the scale-down free rate,
 * whichever is more.
 *
 * Context: any; pure.
 * Return: the state; the give scheme's goal score: the lowest ratio (in
 * bp) of a reason to grow to its threshold when growing, else
 * &DAMON_ACMA_SCORE_MET; and when shrinking, that room.
 */
struct damon_acma_verdict damon_acma_decide(const struct damon_acma_input *in)
{
	unsigned long free_permil = damon_acma_free_permil(in);
	struct damon_acma_verdict v = {
		.state = DAMON_ACMA_HOLD,
		.give_score = DAMON_ACMA_SCORE_MET,
	};
	unsigned long score = damon_acma_grow_score(in, free_permil);

	if (score < DAMON_ACMA_SCORE_MET) {
		/* with nothing to give back, hold: never take more */
		if (in->taken) {
			v.state = DAMON_ACMA_GROW;
			v.give_score = score;
		}
	} else if (damon_acma_should_shrink(in, free_permil)) {
		u64 room = damon_acma_take_room(in, free_permil);

		if (room > in->block) {
			v.state = DAMON_ACMA_SHRINK;
			v.take_room = room;
		}
	}
	return v;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scaling policy of DAMON_ACMA (mm/damon/acma.c): a pure function
 * from what the module measured in the last period to the state it is to
 * be in for the next one, built apart from the module so that the KUnit
 * suite (mm/damon/tests/acma-kunit.c) can run it without it.  Not an API.
 */

#ifndef _MM_DAMON_ACMA_POLICY_H
#define _MM_DAMON_ACMA_POLICY_H

#include <linux/types.h>

/**
 * enum damon_acma_state - What DAMON_ACMA does in a period.
 * @DAMON_ACMA_HOLD:		Nothing: neither scheme runs.
 * @DAMON_ACMA_SHRINK:		Scale down: take cold blocks.
 * @DAMON_ACMA_GROW:		Scale up: give taken blocks back.
 * @NR_DAMON_ACMA_STATES:	Count of the above.
 *
 * The values are what the module's state parameter reads.
 */
enum damon_acma_state {
	DAMON_ACMA_HOLD,
	DAMON_ACMA_SHRINK,
	DAMON_ACMA_GROW,
	NR_DAMON_ACMA_STATES,
};

/**
 * struct damon_acma_input - What the policy decides on.
 * @psi_us:		Memory "some" stall time of the last period, in us.
 * @psi_goal_us:	The most stall time per period that is fine, in us.
 * @free:		Free memory, in bytes.
 * @managed:		Memory the page allocator manages, in bytes; the
 *			blocks taken are not part of it.
 * @taken:		Memory taken out of the page allocator, in bytes.
 * @block:		Size of a block, in bytes.
 * @min_mem:		Managed memory the module never goes below, in
 *			bytes; 0 for no bound.
 * @max_mem:		Managed memory above which the module scales down
 *			unless something calls for scaling up, in bytes; 0
 *			for no bound.
 * @up_free_permil:	Free memory rate, in permil of @managed, under
 *			which the module scales up.
 * @down_free_permil:	Free memory rate above which it may scale down.
 *
 * Bytes are u64 so that no amount of memory wraps around on 32-bit.
 */
struct damon_acma_input {
	u64 psi_us;
	u64 psi_goal_us;
	u64 free;
	u64 managed;
	u64 taken;
	u64 block;
	u64 min_mem;
	u64 max_mem;
	unsigned long up_free_permil;
	unsigned long down_free_permil;
};

/**
 * struct damon_acma_verdict - What the policy decided.
 * @state:	The state of the next period.
 * @give_score:	Current value of the give scheme's quota goal, whose
 *		target is &DAMON_ACMA_SCORE_MET: how far the most urgent
 *		reason to scale up is from being resolved, in bp.  Below
 *		the target exactly when @state is &DAMON_ACMA_GROW.
 * @take_room:	When @state is &DAMON_ACMA_SHRINK, the bytes the next
 *		period may take (more than one block), see
 *		damon_acma_decide(); else 0.
 */
struct damon_acma_verdict {
	enum damon_acma_state state;
	unsigned long give_score;
	u64 take_room;
};

/* The target of the give scheme's quota goal, in bp: nothing is urgent. */
#define DAMON_ACMA_SCORE_MET	10000UL

struct damon_acma_verdict damon_acma_decide(const struct damon_acma_input *in);

#endif /* _MM_DAMON_ACMA_POLICY_H */

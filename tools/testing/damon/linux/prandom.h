/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's seeded pseudo-random generator (lib/random32.c), so that
 * the user-space runner makes the same choices as the KUnit suite for the
 * same seed.
 */
#ifndef _TOOLS_TESTING_DAMON_LINUX_PRANDOM_H
#define _TOOLS_TESTING_DAMON_LINUX_PRANDOM_H

#include <linux/types.h>

struct rnd_state {
	u32 s1, s2, s3, s4;
};

static inline u32 __seed(u32 x, u32 m)
{
	return (x < m) ? x + m : x;
}

static inline void prandom_seed_state(struct rnd_state *state, u64 seed)
{
	u32 i = ((seed >> 32) ^ (seed << 10) ^ seed) & 0xffffffffUL;

	state->s1 = __seed(i, 2U);
	state->s2 = __seed(i, 8U);
	state->s3 = __seed(i, 16U);
	state->s4 = __seed(i, 128U);
}

static inline u32 prandom_tausworthe(u32 s, u32 a, u32 b, u32 c, u32 d)
{
	return ((s & c) << d) ^ (((s << a) ^ s) >> b);
}

static inline u32 prandom_u32_state(struct rnd_state *state)
{
	state->s1 = prandom_tausworthe(state->s1, 6U, 13U, 4294967294U, 18U);
	state->s2 = prandom_tausworthe(state->s2, 2U, 27U, 4294967288U, 2U);
	state->s3 = prandom_tausworthe(state->s3, 13U, 21U, 4294967280U, 7U);
	state->s4 = prandom_tausworthe(state->s4, 3U, 12U, 4294967168U, 13U);
	return state->s1 ^ state->s2 ^ state->s3 ^ state->s4;
}

#endif	/* _TOOLS_TESTING_DAMON_LINUX_PRANDOM_H */

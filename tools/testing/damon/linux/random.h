/* SPDX-License-Identifier: GPL-2.0 */
/* get_random_u32_below() and get_random_u64() from a seeded generator: see stubs.c. */
#ifndef _TOOLS_TESTING_DAMON_LINUX_RANDOM_H
#define _TOOLS_TESTING_DAMON_LINUX_RANDOM_H

#include <linux/types.h>

void damon_stub_seed_random(u64 seed);
u32 get_random_u32_below(u32 ceil);
u64 get_random_u64(void);

#endif	/* _TOOLS_TESTING_DAMON_LINUX_RANDOM_H */

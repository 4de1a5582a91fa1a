/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulator links with --wrap=get_random_u32_below: the calls of
 * regions.c go to __wrap_get_random_u32_below() of sim.c, which reaches
 * the stub of stubs.c as __real_get_random_u32_below().
 */
#ifndef _TOOLS_TESTING_DAMON_SIM_H
#define _TOOLS_TESTING_DAMON_SIM_H

#include <linux/types.h>

u32 __real_get_random_u32_below(u32 ceil);
u32 __wrap_get_random_u32_below(u32 ceil);

#endif	/* _TOOLS_TESTING_DAMON_SIM_H */

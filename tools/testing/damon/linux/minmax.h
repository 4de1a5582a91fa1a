/* SPDX-License-Identifier: GPL-2.0 */
/* min(), max() and clamp() of tools/include, plus what it lacks. */
#ifndef _TOOLS_TESTING_DAMON_LINUX_MINMAX_H
#define _TOOLS_TESTING_DAMON_LINUX_MINMAX_H

#include <linux/kernel.h>

#define clamp_t(type, val, lo, hi)	min_t(type, max_t(type, val, lo), hi)

#define abs_diff(a, b) ({			\
	typeof(a) __a = (a);			\
	typeof(b) __b = (b);			\
	(void)(&__a == &__b);			\
	__a > __b ? (__a - __b) : (__b - __a);	\
})

#endif	/* _TOOLS_TESTING_DAMON_LINUX_MINMAX_H */

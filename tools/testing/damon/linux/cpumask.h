/* SPDX-License-Identifier: GPL-2.0 */
/* Only the type: the region arithmetic looks at no CPU. */
#ifndef _TOOLS_TESTING_DAMON_LINUX_CPUMASK_H
#define _TOOLS_TESTING_DAMON_LINUX_CPUMASK_H

struct cpumask {
	unsigned long bits[1];
};

typedef struct cpumask cpumask_var_t[1];

#endif	/* _TOOLS_TESTING_DAMON_LINUX_CPUMASK_H */

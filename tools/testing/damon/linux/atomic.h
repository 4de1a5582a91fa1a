/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Nothing: tools/include/linux/types.h has the types, and the region
 * arithmetic counts nothing atomically.
 */
#ifndef _TOOLS_TESTING_DAMON_LINUX_ATOMIC_H
#define _TOOLS_TESTING_DAMON_LINUX_ATOMIC_H

#include <linux/types.h>

#endif	/* _TOOLS_TESTING_DAMON_LINUX_ATOMIC_H */

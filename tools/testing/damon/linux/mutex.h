/* SPDX-License-Identifier: GPL-2.0 */
/* Only the type: the region arithmetic takes no locks. */
#ifndef _TOOLS_TESTING_DAMON_LINUX_MUTEX_H
#define _TOOLS_TESTING_DAMON_LINUX_MUTEX_H

struct mutex {
	int unused;
};

#endif	/* _TOOLS_TESTING_DAMON_LINUX_MUTEX_H */

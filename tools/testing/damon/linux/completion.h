/* SPDX-License-Identifier: GPL-2.0 */
/* Only the type: the region arithmetic waits for nothing. */
#ifndef _TOOLS_TESTING_DAMON_LINUX_COMPLETION_H
#define _TOOLS_TESTING_DAMON_LINUX_COMPLETION_H

struct completion {
	unsigned int done;
};

#endif	/* _TOOLS_TESTING_DAMON_LINUX_COMPLETION_H */

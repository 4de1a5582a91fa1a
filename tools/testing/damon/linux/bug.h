/* SPDX-License-Identifier: GPL-2.0 */
/* WARN() and friends of tools/include, which print to stderr. */
#ifndef _TOOLS_TESTING_DAMON_LINUX_BUG_H
#define _TOOLS_TESTING_DAMON_LINUX_BUG_H

#include <asm/bug.h>

#endif	/* _TOOLS_TESTING_DAMON_LINUX_BUG_H */

/* SPDX-License-Identifier: GPL-2.0 */
/* The errno values; the C library's <errno.h> would include this file. */
#ifndef _TOOLS_TESTING_DAMON_LINUX_ERRNO_H
#define _TOOLS_TESTING_DAMON_LINUX_ERRNO_H

#include <asm-generic/errno.h>

#endif	/* _TOOLS_TESTING_DAMON_LINUX_ERRNO_H */
